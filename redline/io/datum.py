"""Layers in 西安1980 (Xian 1980) or 北京1954 (Beijing 1954): the datum shift to CGCS2000.

There is no national transformation from the old datums to CGCS2000 that PROJ knows:
it goes through a "ballpark" shift (the coordinates as if the datums were one), which is
metres off. Each province publishes its own seven parameters (布尔莎七参数) for its
territory. A layer in one of these datums is brought to CGCS2000:

- with the province's parameters when ``redline.toml`` gives them (``towgs84 = [dx, dy,
  dz, rx, ry, rz, ds]``, top level or under ``[layers.<role>]``): metres, arc-seconds
  and parts per million, in the *position vector* convention of PROJ's ``+towgs84``
  (a province giving them in the coordinate frame convention: change the signs of the
  three rotations); three values are a shift only. The layer is transformed at
  reading into the CGCS2000 Gauss-Kruger CRS of the same zone (or CGCS2000 degrees), on
  the old datum's ellipsoid to geocentric, the Helmert, and back on GRS80, and the
  problem (``info``) says so;
- without them, through PROJ's ballpark shift, with a warning that the positions (and
  so the overlaps) may be metres off.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from redline.errors import ConfigError
from redline.io.coordtxt import describe_gk, gk_epsg
from redline.model import Layer, Problem

#: The old datums by the name PROJ gives them, and how they are spoken of.
OLD_DATUMS: Final[dict[str, str]] = {"Xian 1980": "西安1980", "Beijing 1954": "北京1954"}


def check_towgs84(value: object, *, where: str, path: str) -> tuple[float, ...]:
    """Return seven (or three) numbers of a ``towgs84`` key; else a :class:`ConfigError`."""
    ok = (isinstance(value, list) and len(value) in (3, 7)
          and all(isinstance(v, int | float) and not isinstance(v, bool)
                  and np.isfinite(v) for v in value))
    if not ok:
        raise ConfigError(f"{where} must be a list of 7 numbers (or 3), not {value!r}",
                          path=path, fix="write towgs84 = [dx, dy, dz, rx, ry, rz, ds] (m, "
                          "arc-seconds, ppm) from the province's published parameters")
    assert isinstance(value, list)
    return tuple(float(v) for v in value)


def old_datum(crs: str | CRS) -> str | None:
    """Return ``"Xian 1980"`` or ``"Beijing 1954"`` for a CRS on one of them, else None."""
    try:
        c = CRS.from_user_input(crs)
    except ProjCRSError:
        return None
    name = c.datum.name if c.datum is not None else ""
    return next((d for d in OLD_DATUMS if d.lower() in name.lower()), None)


def _cgcs2000_twin(crs: CRS) -> CRS | None:
    """Return the CGCS2000 CRS of the same projection (zone, false easting), or degrees."""
    if crs.is_geographic:
        return CRS.from_epsg(4490)
    gk = describe_gk(crs)
    if gk is not None:  # a Chinese GK zone: the CGCS2000 zone of the same number
        return CRS.from_user_input(gk_epsg("CGCS2000", gk[1], gk[2], prefixed=gk[3]))
    proj = dict(item.split("=", 1) for item in _proj(crs).replace("+", "").split()
                if "=" in item)
    if proj.get("proj") != "tmerc":
        return None
    params = {k: v for k, v in proj.items() if k not in ("ellps", "a", "rf", "b", "towgs84",
                                                         "datum", "no_defs", "type")}
    text = " ".join(f"+{k}={v}" for k, v in params.items()) + " +ellps=GRS80 +type=crs"
    return CRS.from_proj4(text)


def _proj(crs: CRS) -> str:
    """Return a projection's PROJ string without what a pipeline step cannot take."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "you will likely lose information"
        text = crs.to_proj4()
    return re.sub(r"\s*\+(type=crs|no_defs|towgs84=\S+)", "", text).strip()


def helmert(source: str | CRS, params: Sequence[float]) -> tuple[Transformer, CRS]:
    """Return the transformation of ``source`` to its CGCS2000 twin with ``params``.

    Raises
    ------
    ValueError
        ``source`` is neither degrees nor a transverse Mercator projection.
    """
    src = CRS.from_user_input(source)
    target = _cgcs2000_twin(src)
    if target is None:
        raise ValueError(f"{src.name} is neither degrees nor Gauss-Kruger")
    p = [*params, 0.0, 0.0, 0.0, 0.0][:7]
    ellps = src.ellipsoid
    assert ellps is not None
    src_ell = f"+a={ellps.semi_major_metre} +rf={ellps.inverse_flattening}"
    first = ("+step +proj=unitconvert +xy_in=deg +xy_out=rad" if src.is_geographic
             else f"+step +inv {_proj(src)}")
    last = ("+step +proj=unitconvert +xy_in=rad +xy_out=deg" if target.is_geographic
            else f"+step {_proj(target)}")
    pipeline = (f"+proj=pipeline {first} +step +proj=cart {src_ell} "
                f"+step +proj=helmert +x={p[0]} +y={p[1]} +z={p[2]} +rx={p[3]} +ry={p[4]} "
                f"+rz={p[5]} +s={p[6]} +convention=position_vector "
                f"+step +inv +proj=cart +ellps=GRS80 {last}")
    return Transformer.from_pipeline(pipeline), target


def settle_datum(layer: Layer, towgs84: Sequence[float] | None) -> None:
    """Bring a layer in Xian 1980 or Beijing 1954 to CGCS2000 with ``towgs84``, or warn.

    The layer's frame, ``source_crs`` and problems are updated in place; a layer on
    another datum is left as it is.
    """
    if layer.source_crs is None:
        return
    datum = old_datum(layer.source_crs)
    if datum is None:
        return
    name = f"{OLD_DATUMS[datum]} ({datum}, {layer.source_crs})"
    if towgs84 is None:
        layer.problems.append(Problem(
            layer.path, f"the layer is in {name}: its shift to CGCS2000 is PROJ's "
            "approximate one, which may be metres off", "give the province's seven "
            "parameters as towgs84 = [dx, dy, dz, rx, ry, rz, ds] in redline.toml",
            "warning", role=layer.role, kind="datum_approximate"))
        return
    try:
        transformer, target = helmert(layer.source_crs, towgs84)
    except ValueError as ex:
        layer.problems.append(Problem(layer.path, f"cannot apply towgs84 to {name}: {ex}",
                                      "give the layer in Gauss-Kruger or degrees", "error",
                                      role=layer.role, kind="datum_approximate"))
        return
    frame = layer.frame
    geoms = shapely.transform(frame.geometry.to_numpy(),
                              lambda xy: np.column_stack(transformer.transform(xy[:, 0],
                                                                               xy[:, 1])))
    moved = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=target))
    target_name = target.to_string()
    layer.frame = moved
    layer.problems.append(Problem(
        layer.path, f"the layer is in {name}: transformed to CGCS2000 ({target_name}) with "
        f"the seven parameters of redline.toml ({', '.join(f'{v:g}' for v in towgs84)})",
        "", "info", role=layer.role, kind="datum_transformed"))
    layer.source_crs = target_name
