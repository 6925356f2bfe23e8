"""Ellipsoidal areas on CGCS2000 / GRS80, the areas officials report.

Geometry is worked in a metric Gauss-Kruger CRS, but a planar GK area exceeds
the ellipsoidal one by about 0.025 % at 100 km from the central meridian. Every
area reported is therefore computed on the GRS80 ellipsoid: the geometry is
projected to a Lambert azimuthal *equal-area* projection on GRS80 centred on
the whole degree the geometry lies at, where planar area equals ellipsoidal
area, and measured there; edges of large geometries are split to 100 m first,
so a long straight edge is not measured as a chord. This
is vectorised over the whole array and agrees with
``pyproj.Geod(ellps="GRS80").geometry_area_perimeter`` to well under 1e-6 relative
on parcel-sized polygons (tests check it, and a hand-computed quadrangle).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS, Transformer

from redline import settings
from redline.errors import CRSError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

GEOGRAPHIC_CGCS2000 = "EPSG:4490"
_SEGMENT_M = 100.0  # longest edge measured, in a projected CRS
_SEGMENT_DEG = 0.001  # the same, roughly, in degrees
_CHUNK = 100_000  # geometries measured at once


@lru_cache(maxsize=64)
def _to_equal_area(crs_wkt: str, lon0: float, lat0: float) -> Transformer:
    laea = CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +x_0=0 +y_0=0"
        " +ellps=GRS80 +units=m +no_defs"
    )
    return Transformer.from_crs(CRS.from_wkt(crs_wkt), laea, always_xy=True)


@lru_cache(maxsize=64)
def _to_lonlat(crs_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(crs_wkt), GEOGRAPHIC_CGCS2000, always_xy=True)


def ellipsoidal_area(geoms: ArrayLike, crs: CRS | str) -> NDArray[np.float64]:
    """Area of each geometry on the GRS80 ellipsoid, in square metres.

    Parameters
    ----------
    geoms
        Shapely geometries (array, list or GeoSeries values). Missing or empty
        geometries have area 0.
    crs
        The CRS the coordinates are in, projected or geographic.

    Returns
    -------
    numpy.ndarray
        Areas in m2, aligned to ``geoms``.

    Examples
    --------
    >>> import shapely
    >>> sq = shapely.box(41_500_000, 4_550_000, 41_500_100, 4_550_100)  # 1 ha near CM 123E
    >>> round(float(ellipsoidal_area([sq], "EPSG:4529")[0]), 1)
    10000.0
    """
    arr = np.asarray(geoms, dtype=object)
    out = np.zeros(len(arr), dtype=np.float64)
    if len(arr) == 0:
        return out
    crs = CRS.from_user_input(crs)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not ok.any():
        return out
    wkt = crs.to_wkt()
    idx = np.flatnonzero(ok)
    # Each geometry is measured in an equal-area projection centred on the whole
    # degree its bounding box centres on, so a polygon's area depends on nothing
    # but itself: the same piece measured in another array, another tile or
    # another run gives the same figure to the last digit.
    b = shapely.bounds(arr[idx])
    lon, lat = _to_lonlat(wkt).transform((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)
    cell = (np.round(lon) + 180) * 1000 + (np.round(lat) + 90)  # one number per whole degree
    # Only vertices are projected, so a long straight edge would be measured as
    # the chord of its curved image: 1.2e-5 relative on a township with
    # kilometre-long edges. Edges of large geometries are first split to at
    # most _SEGMENT (100 m), which bounds that to well under 1e-6.
    seg = _SEGMENT_DEG if crs.is_geographic else _SEGMENT_M
    big = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) > 2 * seg
    work = arr.copy()
    if big.any():
        work[idx[big]] = _densified(arr[idx[big]], seg)
    cells, group = np.unique(cell, return_inverse=True)
    for k, c in enumerate(cells):
        sel = idx[group == k] if len(cells) > 1 else idx
        lon0, lat0 = divmod(float(c), 1000.0)
        tr = _to_equal_area(wkt, lon0 - 180, lat0 - 90)
        # In chunks, so the vertex arrays stay small beside the geometries.
        for k0 in range(0, len(sel), _CHUNK):
            part = sel[k0:k0 + _CHUNK]
            out[part] = _projected_area(work[part], tr)
    return out


_POLYGONAL = (int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON))


def _projected_area(geoms: NDArray[np.object_], tr: Transformer) -> NDArray[np.float64]:
    """Planar area of ``geoms`` once projected by ``tr``.

    A polygon of one ring (most parcels and patches) is measured from its projected
    vertices alone, without building the projected geometry: the shoelace sum
    taken from its first vertex, as GEOS does, so no precision is lost to large
    coordinates. A geometry is known to be one ring when its last vertex closes on
    its first and no other vertex repeats the first (the first ring then ends at
    the last vertex). Geometries with holes or several parts are projected and
    measured by GEOS.
    """
    out = np.zeros(len(geoms), dtype=np.float64)
    if not len(geoms):
        return out
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    polygonal = np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    if not len(xy):
        return out
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    count = np.bincount(owner, minlength=len(geoms))
    start = np.r_[0, np.cumsum(count)[:-1]]
    has = count > 0
    x0 = np.repeat(np.where(has, x[np.minimum(start, len(x) - 1)], 0.0), count)
    y0 = np.repeat(np.where(has, y[np.minimum(start, len(y) - 1)], 0.0), count)
    dx, dy = x - x0, y - y0
    at_first = np.bincount(owner, weights=(dx == 0) & (dy == 0), minlength=len(geoms))
    last = np.maximum(start + count - 1, 0)
    closes = has & (xy[last, 0] == xy[np.minimum(start, len(xy) - 1), 0]) & (
        xy[last, 1] == xy[np.minimum(start, len(xy) - 1), 1])
    one_ring = polygonal & has & closes & (at_first == 2)
    same = owner[1:] == owner[:-1]
    cross = np.where(same, dx[:-1] * dy[1:] - dx[1:] * dy[:-1], 0.0)
    shoelace = 0.5 * np.abs(np.bincount(owner[:-1], weights=cross, minlength=len(geoms)))
    out[one_ring] = shoelace[one_ring]
    rest = np.flatnonzero(has & ~one_ring)
    if len(rest):
        projected = shapely.transform(
            geoms[rest], lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        out[rest] = shapely.area(projected)
    return out


def planar_area(geoms: ArrayLike, crs: CRS | str) -> NDArray[np.float64]:
    """Planar area in the units of a *projected* ``crs`` (m2); an error for degrees."""
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        raise CRSError(
            f"an area was asked of geographic CRS {crs.to_string()} (degrees)",
            fix="project the layer to a metric CRS such as a CGCS2000 Gauss-Kruger zone",
        )
    return np.asarray(shapely.area(np.asarray(geoms, dtype=object)), dtype=np.float64)


def m2_to_mu(m2: ArrayLike) -> NDArray[np.float64]:
    """Square metres to mu (亩, 10,000/15 m2)."""
    return np.asarray(m2, dtype=np.float64) / settings.M2_PER_MU


def m2_to_ha(m2: ArrayLike) -> NDArray[np.float64]:
    """Square metres to hectares (公顷)."""
    return np.asarray(m2, dtype=np.float64) / settings.M2_PER_HA


def _densified(geoms: NDArray[np.object_], seg: float) -> NDArray[np.object_]:
    """Split long edges with ``shapely.segmentize``, keeping a geometry it would change.

    GEOS rebuilds some valid polygons while segmentizing them (libgeos/geos#1294), which
    can drop most of their area. Splitting edges adds only points on them, so the planar
    area must not move: where it moves by more than 1e-9 relative, the geometry is kept as
    it was (measured along its chords, within about 1e-5 of its area).
    """
    dense = shapely.segmentize(geoms, seg)
    before, after = shapely.area(geoms), shapely.area(dense)
    moved = np.abs(after - before) > 1e-9 * np.abs(before) + 1e-9
    if moved.any():
        dense = np.where(moved, geoms, dense)
    return np.asarray(dense, dtype=object)

