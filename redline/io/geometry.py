"""Repairing the geometries of polygon layers as they are read.

Nothing is dropped: a feature whose geometry cannot be judged keeps its row
and gets a ``problem`` text; one that was repaired gets a ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import shapely
from shapely import GeometryType

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

_POLYGONAL = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)


@dataclass(frozen=True)
class Repaired:
    """Result of :func:`repair_polygons`, aligned to the input.

    ``geometry``: 2D, valid polygons/multipolygons where possible (the input
    geometry, 2D, where it could not be repaired); ``note``: what was repaired;
    ``problem``: why the feature cannot be judged (``""`` when it can).
    """

    geometry: NDArray[np.object_]
    note: NDArray[np.object_]
    problem: NDArray[np.object_]

    @property
    def repaired(self) -> NDArray[np.bool_]:
        """Rows whose geometry was repaired."""
        return np.asarray(self.note != "", dtype=bool)

    @property
    def unusable(self) -> NDArray[np.bool_]:
        """Rows that cannot be judged."""
        return np.asarray(self.problem != "", dtype=bool)


def polygonal_part(geoms: ArrayLike) -> NDArray[np.object_]:
    """Return the polygonal part of each geometry as a MultiPolygon (empty when none).

    Polygons and MultiPolygons come back unchanged; collections are searched
    (one level of nesting, as ``make_valid`` produces).
    """
    arr = np.asarray(geoms, dtype=object)
    out = arr.copy()
    types = shapely.get_type_id(arr)
    coll = np.flatnonzero(types == GeometryType.GEOMETRYCOLLECTION)
    if len(coll) == 0:
        return out
    parts, idx = shapely.get_parts(arr[coll], return_index=True)
    # Members may be multi-part themselves (MultiPolygon inside a collection).
    sub, sub_idx = shapely.get_parts(parts, return_index=True)
    sub_owner = idx[sub_idx]
    keep = shapely.get_type_id(sub) == GeometryType.POLYGON
    result = np.full(len(coll), None, dtype=object)
    shapely.multipolygons(sub[keep], indices=sub_owner[keep], out=result)
    result[shapely.is_missing(result)] = shapely.MultiPolygon()
    out[coll] = result
    return out


def coordinate_problems(geoms: ArrayLike, extent: tuple[float, float, float, float] | None
                        ) -> NDArray[np.object_]:
    """Say, per feature, why its coordinates cannot be right (``""`` when they can).

    A coordinate that is not a number (NaN, infinite) makes every measure of the feature
    meaningless; one outside ``extent`` (the box the layer's CRS covers,
    :func:`redline.io.crs.crs_extent`) is in another CRS or unit: a feature in degrees
    inside a layer in metres, a coordinate typed with extra digits. Missing and empty
    geometries are left to :func:`repair_polygons`.

    Examples
    --------
    >>> box = (0.0, 0.0, 100.0, 100.0)
    >>> for text in coordinate_problems([shapely.box(1, 1, 2, 2), shapely.box(1, 1, 2, 200),
    ...                                  None], box):
    ...     print(repr(text))
    ''
    "coordinates outside the CRS's area (X 1..2, Y 1..200; the CRS covers X 0..100, Y 0..100)"
    ''
    """
    arr = np.asarray(geoms, dtype=object)
    out = np.full(len(arr), "", dtype=object)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not present.any():
        return out
    geo = arr[present]
    with np.errstate(all="ignore"):
        bounds = shapely.bounds(geo)
        area, length = shapely.area(geo), shapely.length(geo)
    # Bounds skip NaN coordinates; the area and length do not.
    finite = np.isfinite(bounds).all(axis=1) & ~np.isnan(area) & ~np.isnan(length)
    text = np.full(len(geo), "", dtype=object)
    text[~finite] = "coordinates are not numbers (NaN or infinite)"
    text[finite & ~(np.isfinite(area) & np.isfinite(length))] = (
        "coordinates too large to measure")
    if extent is not None:
        x0, y0, x1, y1 = extent
        outside = finite & ((bounds[:, 0] < x0) | (bounds[:, 1] < y0) | (bounds[:, 2] > x1)
                            | (bounds[:, 3] > y1))
        text[outside] = [
            f"coordinates outside the CRS's area (X {b[0]:.0f}..{b[2]:.0f}, Y {b[1]:.0f}.."
            f"{b[3]:.0f}; the CRS covers X {x0:.0f}..{x1:.0f}, Y {y0:.0f}..{y1:.0f})"
            for b in bounds[outside]]
    out[present] = text
    return out


#: A repair that changes a feature's area by more than this share (of the larger of the
#: areas before and after) says so in its note: the feature should be looked at.
REPAIR_AREA_TOLERANCE: Final[float] = 0.01


def keep_area(geom: shapely.Geometry) -> shapely.Geometry:
    """Repair an invalid (multi)polygon so that no land is lost or invented.

    Each part is its shell made valid less its holes made valid, and the parts are
    unioned: two overlapping parts keep their shared area once (make_valid's default
    ``linework`` method turns it into a hole), a bow-tie keeps both loops, and a hole
    lying outside its shell adds no land (``linework`` makes it an island).

    Examples
    --------
    >>> two = shapely.MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    >>> keep_area(two).area, shapely.make_valid(two).area
    (7.0, 6.0)
    >>> out = shapely.Polygon(shapely.box(0, 0, 4, 4).exterior,
    ...                       [shapely.box(5, 5, 6, 6).exterior.coords])
    >>> keep_area(out).area, shapely.make_valid(out).area
    (16.0, 17.0)
    """
    parts = []
    for part in shapely.get_parts(geom):
        if not isinstance(part, shapely.Polygon):
            continue
        shell = polygonal_part([shapely.make_valid(shapely.Polygon(part.exterior))])[0]
        holes = [polygonal_part([shapely.make_valid(shapely.Polygon(r))])[0]
                 for r in part.interiors]
        holes = [h for h in holes if h is not None and not h.is_empty]
        parts.append(shell.difference(shapely.union_all(holes)) if holes else shell)
    merged = shapely.union_all([p for p in parts if p is not None and not p.is_empty])
    return polygonal_part([merged])[0]


def _repair_note(reason: str, before: float, after: float) -> str:
    """Say what repairing an invalid geometry did, with its area before and after."""
    text = f"invalid geometry repaired ({reason})"
    if not np.isfinite(before):
        return text
    change = abs(after - before) / max(abs(before), abs(after), 1e-9)
    if change <= REPAIR_AREA_TOLERANCE:
        return text
    return (f"{text}: its area changed from {before:.1f} to {after:.1f} (planar, "
            f"{change:.0%}); check the feature")


def repair_polygons(geoms: ArrayLike) -> Repaired:
    """Make a polygon layer's geometries usable, saying what was done to each.

    - Z (and M) coordinates are dropped.
    - Invalid polygons are repaired by :func:`keep_area` (parts unioned, holes
      cut from their shells), keeping only the polygonal part; a repair that
      changes the area by more than :data:`REPAIR_AREA_TOLERANCE` says so.
    - Missing or empty geometries, non-polygons (points, lines) and invalid
      ones with no area left after repair get a ``problem``.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> r = repair_polygons([bowtie, shapely.Point(0, 0), None])
    >>> r.geometry[0].geom_type, round(r.geometry[0].area, 3), list(r.problem[1:])
    ('MultiPolygon', 2.0, ['not a polygon (Point)', 'no geometry'])
    """
    arr = np.asarray(geoms, dtype=object).copy()
    n = len(arr)
    note = np.full(n, "", dtype=object)
    problem = np.full(n, "", dtype=object)

    missing = shapely.is_missing(arr)
    problem[missing] = "no geometry"
    present = ~missing
    # Only geometries with a Z (or M) are rebuilt: force_2d copies every geometry.
    flat = present & (shapely.has_z(arr) | shapely.has_m(arr))
    if flat.any():
        arr[flat] = shapely.force_2d(arr[flat])
    empty = present & shapely.is_empty(arr)
    problem[empty] = "empty geometry"
    usable = present & ~empty

    types = shapely.get_type_id(arr)
    coll = usable & (types == GeometryType.GEOMETRYCOLLECTION)
    if coll.any():
        arr[coll] = polygonal_part(arr[coll])
        note[coll] = "geometry collection: polygonal part kept"
        types = shapely.get_type_id(arr)
    not_poly = usable & ~np.isin(types, _POLYGONAL)
    if not_poly.any():
        # A loop over the bad rows only, to name each type.
        problem[not_poly] = [f"not a polygon ({g.geom_type})" for g in arr[not_poly]]
    polys = usable & ~not_poly
    invalid = polys & ~shapely.is_valid(arr)
    if invalid.any():
        reasons = shapely.is_valid_reason(arr[invalid])
        with np.errstate(all="ignore"):
            before = shapely.area(arr[invalid])
        fixed = np.array([keep_area(g) for g in arr[invalid]], dtype=object)
        after = shapely.area(fixed)
        arr[invalid] = fixed
        note[invalid] = [_repair_note(r, b, a) for r, b, a in zip(reasons, before, after,
                                                                   strict=True)]
    no_area = polys & (shapely.is_empty(arr) | (shapely.area(arr) <= 0))
    problem[no_area] = np.where(
        invalid[no_area], "invalid geometry with no area left after repair",
        np.where(coll[no_area], "geometry collection with no polygon", "polygon with no area"),
    )
    return Repaired(geometry=arr, note=note, problem=problem)
