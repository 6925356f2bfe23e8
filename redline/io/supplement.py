"""The unit of the supplement layer's new-farmland figures, read and checked against its land.

补充耕地 tables record new farmland (``farmland_added``, ``paddy_added``) in 公顷 as a rule,
but some in m2 or mu. The unit is ``ha`` unless ``redline.toml`` says otherwise
(``unit = "m2"`` under ``[layers.supplement]``), and it is checked against the projects'
own land: when the figures, read in that unit, total more than :data:`RATIO_LIMIT` times
the land they lie on (or less than its 1/:data:`RATIO_LIMIT`), the unit is wrong (a table
in m2 read as ha is 10^4 off), and reading stops with an error that names the field and
the unit the figures look like. The figures are then held in **hectares**, whatever the
table's unit, and the layer records the unit it was read in (run.json ``inputs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.model import Problem

if TYPE_CHECKING:
    from redline.model import Layer

#: Units the figures may be in, and the m2 in one of each.
UNITS: Final[dict[str, float]] = {"ha": settings.M2_PER_HA, "m2": 1.0, "mu": settings.M2_PER_MU}

#: The unit of a table that declares none.
DEFAULT_UNIT: Final[str] = "ha"

#: How far (a factor either way) the recorded new farmland may stray from the land it
#: lies on before its unit is taken to be wrong: a project may add less farmland than its
#: outline (roads, ditches), never 30 times more; a wrong unit is 15 (mu), 667 or 10^4 off.
RATIO_LIMIT: Final[float] = 30.0

#: The fields held in hectares once read.
AREA_FIELDS: Final[tuple[str, ...]] = ("farmland_added", "paddy_added")


def read_unit(layer: Layer, declared: str | None) -> list[Problem]:
    """Convert a supplement layer's figures to hectares, in place; return what was found.

    ``layer.frame`` must be in a metric CRS (the working CRS): the projects' land is
    measured there, planar, which is close enough to tell units 15 times apart.
    """
    unit = declared or DEFAULT_UNIT
    layer.unit = unit
    frame = layer.frame
    if "farmland_added" not in frame or not len(frame):
        return []
    source = layer.fields.get("farmland_added", "farmland_added")
    values = pd.to_numeric(frame["farmland_added"], errors="coerce").to_numpy(dtype=np.float64)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    land = np.asarray(shapely.area(geoms), dtype=np.float64)
    ok = ~np.isnan(values) & (values > 0) & ~np.isnan(land) & (land > 0)
    problems: list[Problem] = []
    if ok.any():
        total, area = float(values[ok].sum()), float(land[ok].sum())
        ratio = total * UNITS[unit] / area
        if not 1.0 / RATIO_LIMIT <= ratio <= RATIO_LIMIT:
            like = min(UNITS, key=lambda u: abs(np.log10(total * UNITS[u] / area)))
            how = ("declared by unit" if declared else f"the default, {DEFAULT_UNIT}")
            fix = (f'set unit = "{like}" under [layers.supplement] in redline.toml'
                   if like != unit else "correct the figures or the projects' outlines")
            problems.append(Problem(
                layer.path, f"farmland_added ({source}) totals {total:,.6g} {unit} ({how}) "
                f"on {area / settings.M2_PER_HA:,.6g} ha of project land, {ratio:,.3g} times "
                f"it: the figures look like {like}, not {unit}", fix, "error",
                role="supplement", kind="wrong_unit"))
            return problems
    problems.append(Problem(layer.path, f"farmland_added ({source}) and paddy_added read in "
                            f"{unit}" + (" (declared)" if declared else
                                         " (the default; set unit under [layers.supplement] "
                                         "in redline.toml otherwise)"), "", "info",
                            role="supplement", kind="unit"))
    factor = UNITS[unit] / settings.M2_PER_HA
    out = frame.copy()
    for column in AREA_FIELDS:
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce") * factor
    layer.frame = out
    return problems
