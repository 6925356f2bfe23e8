"""Net farmland: the land-class share of each farmland patch, and the supplement's unit.

Farmland in statistics is the *net* land-class area (DOMAIN.md, "Figures officials sign"):
三调 ``TBDLMJ`` (图斑地类面积 = ``TBMJ - KCMJ``, field ridges 田坎 deducted), 二调
``TBMJ * (1 - KCXS)``. ``TBMJ`` is the gross patch area. A piece of a patch (the farmland
under a parcel or a change patch) is net in the same proportion: its area times the
patch's net share. :func:`net_share` gives that share per patch, from the first of:

1. ``net_area / gross_area`` (TBDLMJ / TBMJ), or ``net_area`` over the patch's measured
   area when the layer has no ``gross_area`` (a basic-farmland layer with only YJJBNTMJ);
2. ``1 - deduction_share`` (1 - KCXS);
3. ``1 - deduction_area / gross_area`` (1 - KCMJ / TBMJ, or over the measured area);
4. 1: the geometry itself, nothing deducted.

and :func:`net_method` says which one each patch used, for run.json. The ledger
(farmland now, farmland occupied by approvals) and the accountability ratio apply the
share as ``piece area * net_share(patches)[patch]``. The per-finding areas of the overlap
rules (``unapproved_construction``'s pieces, ``criminal_threshold``'s mu) are still the
pieces' own (gross) area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from redline.analysis.areas import ellipsoidal_area

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

#: How a patch's net share was found, in order of preference.
METHODS: Final[tuple[str, ...]] = ("TBDLMJ", "KCXS", "KCMJ", "geometry")


def _number(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


def _shares(frame: gpd.GeoDataFrame, measured: NDArray[np.float64] | None
            ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    n = len(frame)
    gross = _number(frame, "gross_area")
    net = _number(frame, "net_area")
    kcxs = _number(frame, "deduction_share")
    kcmj = _number(frame, "deduction_area")
    need_measure = (np.isnan(gross) | (gross <= 0)) & (~np.isnan(net) | ~np.isnan(kcmj))
    if need_measure.any():
        if measured is None:
            measured = ellipsoidal_area(frame.geometry.values, frame.crs)
        gross = np.where(need_measure, measured, gross)
    ok_gross = ~np.isnan(gross) & (gross > 0)
    share = np.ones(n)
    method = np.full(n, 3, dtype=np.intp)
    with np.errstate(invalid="ignore", divide="ignore"):
        candidates = (
            (ok_gross & ~np.isnan(net) & (net >= 0), net / gross),
            (~np.isnan(kcxs) & (kcxs >= 0) & (kcxs < 1), 1.0 - kcxs),
            (ok_gross & ~np.isnan(kcmj) & (kcmj >= 0), 1.0 - kcmj / gross),
        )
    done = np.zeros(n, dtype=bool)
    for i, (usable, value) in enumerate(candidates):
        take = usable & ~done
        share[take] = value[take]
        method[take] = i
        done |= take
    return np.clip(share, 0.0, 1.0), method


def net_share(frame: gpd.GeoDataFrame | None, *,
              measured: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Return each patch's net share of its area (0-1): its land-class area over its area.

    Parameters
    ----------
    frame
        A farmland or basic-farmland layer with any of ``gross_area``, ``net_area``,
        ``deduction_share``, ``deduction_area`` (schema.NET_AREA_FIELDS); one share per
        row, in the frame's order.
    measured
        The rows' ellipsoidal areas, when already known (used only where a share needs
        the patch's area and the layer has no ``gross_area``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"gross_area": [100.0, 100.0, None],
    ...                           "net_area": [90.0, None, None],
    ...                           "deduction_share": [None, 0.2, None]},
    ...                          geometry=[shapely.box(0, 0, 10, 10)] * 3, crs="EPSG:4529")
    >>> net_share(frame).round(3).tolist()
    [0.9, 0.8, 1.0]
    """
    if frame is None or not len(frame):
        return np.zeros(0)
    return _shares(frame, measured)[0]


def net_method(frame: gpd.GeoDataFrame | None) -> dict[str, Any]:
    """Say how the net farmland of a layer was found: ``method`` and ``patches`` per method.

    ``method`` is the one most patches used (:data:`METHODS`: ``TBDLMJ`` for
    net_area/gross_area, ``KCXS``, ``KCMJ``, or ``geometry`` when nothing is deducted).
    """
    if frame is None or not len(frame):
        return {"method": "geometry", "patches": {}}
    method = _shares(frame, np.ones(len(frame)))[1]
    counts = np.bincount(method, minlength=len(METHODS))
    patches = {METHODS[i]: int(c) for i, c in enumerate(counts) if c}
    return {"method": METHODS[int(np.argmax(counts))], "patches": patches}
