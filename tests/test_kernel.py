"""The intersection-area kernel against GEOS and against areas worked by hand.

GEOS (``shapely.intersection(a, b).area``) is the independent reference. Near the
origin it is exact to the last digits, so the kernel must agree within 1e-9 of
the smaller polygon's area (plus 1e-13 of the square of its extent, the rounding
of any area sum, which matters only for slivers), or have sent the pair to the
fallback, whose area is then GEOS's own. At Gauss-Kruger coordinates (41,480,000 m) GEOS rounds each
intersection point to the ~7e-9 m spacing of doubles there, so there the
reference is GEOS run on the same polygons moved to the origin (an exact move).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redline.analysis.kernel import (
    _RTOL,
    OK,
    _kernel,
    _Rings,
    _used,
    intersection_areas,
    intersection_measures,
)
from redline.errors import GeometryError, RedlineError

RTOL = 1e-9
# Any shoelace sum rounds to about 1e-16 of the squared extent whatever the area,
# GEOS's as well: for a sliver that is more than 1e-9 of its area.
ROUNDING = 1e-13
GK = np.array([41_480_000.0, 4_540_000.0])  # a CGCS2000 3-degree zone 41 origin

hyp = settings(max_examples=150, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _reasons(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The kernel's reason per pair (a[i], b[i]): 0 when it judged the pair itself."""
    idx = np.arange(len(a), dtype=np.int64)
    au, pa = _used(a, idx)
    bu, pb = _used(b, idx)
    return _kernel(_Rings(au), _Rings(bu), pa, pb, 1)[2]


def tolerance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """What an area of a ∩ b may be off by: 1e-9 of the smaller polygon, and rounding."""
    small = np.where(shapely.area(a) <= shapely.area(b), a, b)
    box = shapely.bounds(small)
    extent = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])
    return RTOL * shapely.area(small) + ROUNDING * extent**2


def check_pairs(a: list | np.ndarray, b: list | np.ndarray, *, reference: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Assert the kernel's areas of (a[i], b[i]) against GEOS; return areas and reasons."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    idx = np.arange(len(a))
    got, n_fallback = intersection_areas(a, b, idx, idx, n_threads=1)
    why = _reasons(a, b)
    assert n_fallback == int((why != OK).sum())
    inter = shapely.intersection(a, b)
    geos = shapely.area(inter)
    ref = geos if reference is None else reference
    judged = why == OK
    bad = judged & (np.abs(got - ref) > tolerance(a, b))
    assert not bad.any(), (
        f"{int(bad.sum())} pairs off, e.g. {got[bad][0]!r} against {ref[bad][0]!r}: "
        f"{a[bad][0].wkt} x {b[bad][0].wkt}")
    # A pair the kernel could not judge gets GEOS's own figure.
    np.testing.assert_array_equal(got[~judged], geos[~judged])
    if reference is None:
        check_centroids(a, b, inter, judged)
    return got, why


def check_centroids(a: np.ndarray, b: np.ndarray, inter: np.ndarray, judged: np.ndarray,
                    shift: float = 0.0) -> None:
    """Assert the x of each intersection's centroid against GEOS's (``inter``, moved by shift).

    The first moment rounds like the area, times the extent: over the piece's area
    that is 1e-13 of the extent cubed over the area, plus 1e-9 of the extent.
    """
    idx = np.arange(len(a))
    m = intersection_measures(a, b, idx, idx, n_threads=1)
    area = shapely.area(inter)
    some = area > 0
    ref = np.zeros(len(a))
    ref[some] = shapely.get_x(shapely.centroid(inter[some])) + shift
    small = np.where(shapely.area(a) <= shapely.area(b), a, b)
    box = shapely.bounds(small)
    extent = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])
    tol = 1e-9 * extent + ROUNDING * extent**3 / np.maximum(area, 1e-300) + 1e-15 * abs(shift)
    measured = judged & (area > 1e-9 * shapely.area(small))
    bad = measured & (np.abs(m.centroid_x - ref) > tol)
    assert not bad.any(), (
        f"{int(bad.sum())} centroids off, e.g. {m.centroid_x[bad][0]!r} against "
        f"{ref[bad][0]!r}: {a[bad][0].wkt} x {b[bad][0].wkt}")
    if shift == 0.0:
        np.testing.assert_array_equal(m.centroid_x[~judged], ref[~judged])


# --------------------------------------------------------------------------- strategies


@st.composite
def lattice(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of an n x n grid, regular (exact binary fractions) or jittered."""
    n = draw(st.integers(2, 6))
    step = draw(st.sampled_from([1.0, 0.5, 0.1, 37.5]))
    gx, gy = np.meshgrid(np.arange(n + 1) * step, np.arange(n + 1) * step, indexing="ij")
    if draw(st.booleans()):
        seed = draw(st.integers(0, 2**32 - 1))
        jitter = np.random.default_rng(seed).uniform(-0.3, 0.3, (2, n + 1, n + 1)) * step
        gx, gy = gx + jitter[0], gy + jitter[1]
    return gx, gy


def _cells(draw: st.DrawFn, grid: tuple[np.ndarray, np.ndarray]) -> shapely.Geometry:
    """A union of cells of the grid: shared edges and vertices, holes, several parts."""
    gx, gy = grid
    n = gx.shape[0] - 1
    chosen = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                           min_size=1, max_size=n * n))
    quads = [shapely.Polygon([(gx[i, j], gy[i, j]), (gx[i + 1, j], gy[i + 1, j]),
                              (gx[i + 1, j + 1], gy[i + 1, j + 1]), (gx[i, j + 1], gy[i, j + 1])])
             for i, j in set(chosen)]
    return shapely.union_all(quads)


def _star(draw: st.DrawFn, size: float) -> shapely.Geometry:
    """A random simple polygon (a star around a centre), sometimes with a hole or a second part."""
    def ring(cx: float, cy: float, r: float) -> np.ndarray:
        n = draw(st.integers(3, 14))
        ang = np.sort(np.array(draw(st.lists(st.floats(0, 2 * np.pi), min_size=n, max_size=n,
                                             unique=True))))
        rad = r * np.array(draw(st.lists(st.floats(0.2, 1.0), min_size=n, max_size=n)))
        return np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)])

    cx = draw(st.floats(0, size))
    cy = draw(st.floats(0, size))
    r = draw(st.floats(size / 20, size))
    geom = shapely.make_valid(shapely.Polygon(ring(cx, cy, r)))
    extra = draw(st.sampled_from(["none", "hole", "part"]))
    if extra == "hole":
        geom = geom.difference(shapely.make_valid(shapely.Polygon(ring(cx, cy, r / 3))))
    elif extra == "part":
        geom = geom.union(shapely.make_valid(shapely.Polygon(
            ring(cx + 2.5 * r, cy, r / 2))))
    return geom


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of a valid geometry, or None when it has no area."""
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else shapely.Polygon()
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.area <= 0:
        return None
    assert geom.is_valid
    return geom


def _largest(geom: shapely.Geometry) -> shapely.Polygon:
    """The largest polygon of a geometry (a unit square when it has none)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and g.area > 0]
    return max(parts, key=lambda g: g.area) if parts else shapely.box(0, 0, 1, 1)


@st.composite
def pair(draw: st.DrawFn) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Two valid polygons in one of the relations the kernel has to get right."""
    kind = draw(st.sampled_from(
        ["lattice", "lattice", "stars", "identical", "inside", "sliver", "touch", "apart"]))
    if kind in ("lattice", "identical"):
        grid = draw(lattice())
        a = _cells(draw, grid)
        b = a if kind == "identical" else _cells(draw, grid)
    elif kind == "stars":
        a, b = _star(draw, 100.0), _star(draw, 100.0)
    elif kind == "inside":
        a = _star(draw, 100.0)
        # Shrunk inward, sometimes clipped by a box on one of a's own vertices
        # (then it shares edges and vertices with a).
        b = a.buffer(-draw(st.floats(0.5, 5.0)))
        if draw(st.booleans()):
            x, y = shapely.get_coordinates(a)[0]
            b = a.intersection(shapely.box(x - 30, y - 30, x + 30, y + 30))
    elif kind == "sliver":
        # A thin triangle on one of a's edges: along it, across it at a shallow
        # angle, or just off it.
        a = _largest(_star(draw, 100.0))
        xy = shapely.get_coordinates(a.exterior)
        k = draw(st.integers(0, len(xy) - 2))
        p, q = xy[k], xy[k + 1]
        normal = np.array([p[1] - q[1], q[0] - p[0]])
        h = 10.0 ** -draw(st.integers(1, 7))
        side = draw(st.sampled_from([-1.0, 1.0]))
        tilt = draw(st.sampled_from([0.0, 1e-3, 1e-6]))
        apex = (p + q) / 2 + side * h * normal
        b = shapely.Polygon([p, q + tilt * normal, apex])
    elif kind == "touch":
        # Sharing one vertex, or one edge with the other on the far side.
        a = _largest(_star(draw, 100.0))
        xy = shapely.get_coordinates(a.exterior)
        p, q = xy[0], xy[1]
        out = np.array([q[1] - p[1], p[0] - q[0]])  # the side away from a ccw exterior
        if not a.exterior.is_ccw:
            out = -out
        b = (shapely.Polygon([p, p + out + (q - p) / 3, p + out])
             if draw(st.booleans()) else shapely.Polygon([q, p, (p + q) / 2 + out]))
    else:
        a = _star(draw, 100.0)
        b = shapely.affinity.translate(_star(draw, 100.0), 500.0, 0.0)
    a, b = _polygonal(shapely.make_valid(a)), _polygonal(shapely.make_valid(b))
    if a is None or b is None:
        return shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 1.5, 1)
    if draw(st.booleans()):
        # The same polygons with every ring running the other way.
        a, b = shapely.reverse(a), shapely.reverse(b)
    return a, b


# --------------------------------------------------------------------------- properties


@hyp
@given(pairs=st.lists(pair(), min_size=1, max_size=8))
def test_matches_geos(pairs: list) -> None:
    a, b = zip(*pairs, strict=True)
    check_pairs(list(a), list(b))
    check_pairs(list(b), list(a))


@hyp
@given(pairs=st.lists(pair(), min_size=1, max_size=8))
def test_matches_geos_at_gauss_kruger_coordinates(pairs: list) -> None:
    a, b = (np.asarray(side, dtype=object) for side in zip(*pairs, strict=True))
    far_a = shapely.transform(a, lambda xy: xy + GK)
    far_b = shapely.transform(b, lambda xy: xy + GK)
    keep = shapely.is_valid(far_a) & shapely.is_valid(far_b)  # rounding can pinch a sliver
    far_a, far_b = far_a[keep], far_b[keep]
    if len(far_a) == 0:
        return
    # Subtracting GK again is exact, so these are the same polygons at the origin.
    ref = shapely.area(shapely.intersection(shapely.transform(far_a, lambda xy: xy - GK),
                                            shapely.transform(far_b, lambda xy: xy - GK)))
    judged = _reasons(far_a, far_b) == OK
    idx = np.arange(len(far_a))
    got, _ = intersection_areas(far_a, far_b, idx, idx, n_threads=1)
    assert (np.abs(got - ref) <= tolerance(far_a, far_b))[judged].all()
    near = shapely.intersection(shapely.transform(far_a, lambda xy: xy - GK),
                                shapely.transform(far_b, lambda xy: xy - GK))
    check_centroids(far_a, far_b, near, judged, shift=float(GK[0]))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_partition_patches_and_parcels_on_their_edges(seed: int) -> None:
    """Patches of a partition and parcels made of patches: every edge shared exactly."""
    rng = np.random.default_rng(seed)
    pts = shapely.points(rng.uniform(0, 1000, (40, 2)))
    frame = shapely.box(0, 0, 1000, 1000)
    patches = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame)),
        frame)
    parcels = [shapely.union_all(patches[rng.random(len(patches)) < 0.3]) for _ in range(5)]
    parcels = [p for p in parcels if p.area > 0]
    a = np.repeat(np.asarray(parcels, dtype=object), len(patches))
    b = np.tile(patches, len(parcels))
    got, why = check_pairs(a, b)
    # Each patch lies wholly inside a parcel or outside it (up to GEOS's rounding).
    inside = shapely.covers(a, b)
    np.testing.assert_allclose(got[inside], shapely.area(b[inside]), rtol=1e-12)
    assert (got[~inside] <= 1e-9 * shapely.area(b[~inside])).all()
    # Patch against patch: neighbours share edges and count nothing.
    n = len(patches)
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    off = i.ravel() != j.ravel()
    got_pp, _ = check_pairs(patches[i.ravel()[off]], patches[j.ravel()[off]])
    assert (got_pp <= 1e-9 * 1000**2 / n).all()
    assert (why == OK).mean() > 0.99


# --------------------------------------------------------------------------- by hand


def areas(a: list, b: list) -> list[float]:
    idx = np.arange(len(a))
    got, _ = intersection_areas(a, b, idx, idx, n_threads=1)
    return got.tolist()


def square(x: float, y: float, side: float = 1.0) -> shapely.Polygon:
    return shapely.box(x, y, x + side, y + side)


def test_two_unit_squares_offset_by_half() -> None:
    got, why = check_pairs([square(0, 0), square(0, 0)], [square(0.5, 0), square(0.5, 0.5)])
    assert got.tolist() == [0.5, 0.25]
    assert (why == OK).all()


def test_square_with_a_hole() -> None:
    holed = square(0, 0, 4).difference(square(1, 1, 2))  # 16 - 4 = 12
    cases = [
        (shapely.box(0, 0, 2, 4), 8 - 2),     # half of it, through half the hole
        (square(1, 1, 2), 0.0),               # exactly the hole: edges shared, opposite sides
        (square(0.5, 0.5, 3), 9 - 4),         # a square around the hole
        (square(1.5, 1.5, 1), 0.0),           # inside the hole
        (square(0, 0, 4), 12.0),              # its own exterior
        (holed, 12.0),                        # itself
    ]
    got, why = check_pairs([holed] * len(cases), [c for c, _ in cases])
    assert got.tolist() == [area for _, area in cases]
    assert (why == OK).all()


def test_shared_edges_and_vertices() -> None:
    base = square(0, 0, 2)
    cases = [
        (square(2, 0, 2), 0.0),                  # neighbours sharing an edge
        (square(2, 2, 1), 0.0),                  # touching at a corner
        (square(0, 0, 1), 1.0),                  # inside, sharing two edges and a corner
        (shapely.box(2, 0.5, 3, 1.5), 0.0),      # a vertex of each on the other's edge
        (shapely.box(1, 0.5, 3, 1.5), 1.0),      # across an edge, vertices on none
        (shapely.box(0, -1, 2, 1), 2.0),         # overlapping along two edges
        (shapely.box(1, -1, 3, 3), 2.0),         # edges overlapping in part
    ]
    got, why = check_pairs([base] * len(cases), [c for c, _ in cases])
    assert got.tolist() == [area for _, area in cases]
    assert (why == OK).all()


def test_multipolygons() -> None:
    two = shapely.MultiPolygon([square(0, 0), square(3, 0)])
    got, why = check_pairs([two, two, two], [shapely.box(0.5, 0, 3.5, 1), two, square(1, 0)])
    assert got.tolist() == [1.0, 2.0, 0.0]
    assert (why == OK).all()
    # Two parts touching at a corner, and polygons through that corner.
    corner = shapely.MultiPolygon([square(0, 0), square(1, 1)])
    cases = [
        (square(0.5, 0.5), 0.5),
        (shapely.box(0, 1, 2, 2), 1.0),  # along an edge of each part
        (shapely.Polygon([(0, 0), (2, 2), (0, 2)]), 1.0),  # the diagonal through the corner
        (shapely.Polygon([(0, 0), (2, 0), (2, 2), (1, 1)]), 1.0),
    ]
    got, why = check_pairs([corner] * len(cases), [c for c, _ in cases])
    assert got.tolist() == [area for _, area in cases]
    assert (why == OK).all()


def test_single_part_multipolygons_as_polygons() -> None:
    """A one-part multipolygon measures as its polygon, against GEOS, both ways round."""
    rng = np.random.default_rng(7)
    corner = rng.uniform(0, 100, (2, 3000))
    boxes = shapely.box(*corner, *(corner + rng.uniform(1, 30, (2, 3000))))
    stars = shapely.buffer(shapely.points(*corner), rng.uniform(1, 20, 3000), quad_segs=3)
    multi = np.asarray([shapely.MultiPolygon([g]) for g in stars], dtype=object)
    li, ri = shapely.STRtree(boxes).query(multi)
    got, n_fallback = intersection_areas(multi, boxes, li, ri)
    plain, _ = intersection_areas(stars, boxes, li, ri)
    np.testing.assert_array_equal(got, plain)
    geos = shapely.area(shapely.intersection(multi[li], boxes[ri]))
    assert (np.abs(got - geos) <= tolerance(multi[li], boxes[ri])).all()
    assert n_fallback == 0


def test_edge_along_several_edges_of_the_other() -> None:
    """One edge lying along two consecutive collinear edges of the other, both ways round."""
    long_edge = shapely.box(0, 0, 4, 2)
    split = shapely.Polygon([(0, 0), (2, 0), (4, 0), (4, -1), (0, -1)])  # below, (2, 0) between
    split_above = shapely.Polygon([(0, 0), (0, 1), (4, 1), (4, 0), (2, 0)])
    got, why = check_pairs([long_edge, split, long_edge, split_above],
                           [split, long_edge, split_above, long_edge])
    assert got.tolist() == [0.0, 0.0, 4.0, 4.0]
    assert (why == OK).all()


def test_polygon_in_a_hole_and_hole_touching_its_shell() -> None:
    # A valid polygon whose hole touches the exterior at (2, 0).
    pinched = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(2, 0), (3, 2), (1, 2)]])
    assert pinched.is_valid
    got, why = check_pairs([pinched, pinched], [shapely.box(0, 0, 4, 1), shapely.box(1, 0, 3, 2)])
    # Lower strip 4 minus the hole below y=1 (a triangle of base 1 and height 1): 3.5.
    assert got.tolist() == [3.5, 4 - 2]
    assert (why == OK).all()


def test_rings_either_way_round() -> None:
    a = shapely.Polygon([(0, 0), (0, 2), (2, 2), (2, 0)])  # clockwise exterior
    b = shapely.Polygon([(1, 1), (3, 1), (3, 3), (1, 3)])
    assert areas([a, shapely.reverse(a)], [b, b]) == [1.0, 1.0]


def test_empty_and_disjoint() -> None:
    assert areas([shapely.Polygon(), square(0, 0)], [square(0, 0), square(5, 5)]) == [0.0, 0.0]


def test_near_degenerate_pair_goes_to_geos() -> None:
    """A vertex a hair off the other's edge is not judged, and GEOS's area is returned."""
    a = square(0, 0, 1)
    off = 1e-12  # far below the tolerance (1e-9 of the pair's extent)
    b = shapely.Polygon([(1 - off, 0.25), (2, 0.25), (2, 0.75), (1 - off, 0.75)])
    got, n_fallback = intersection_areas([a, a], [b, square(0.5, 0)], [0, 1], [0, 1])
    assert n_fallback == 1
    assert got.tolist() == [shapely.intersection(a, b).area, 0.5]
    assert off < _RTOL


def test_many_vertices_are_swept() -> None:
    """Circles of 256 edges (edges paired by the sweep, not all against all)."""
    circles = [shapely.Point(0, 0).buffer(10, 64), shapely.Point(7, 3).buffer(8, 64)]
    got, why = check_pairs([*circles, circles[0]], [circles[1], circles[0], circles[0]])
    assert (why == OK).all()
    assert got[2] == pytest.approx(circles[0].area, rel=1e-14)


def test_threads_give_the_same_areas() -> None:
    rng = np.random.default_rng(3)
    corner = rng.uniform(0, 1000, (2, 20_000))
    boxes = shapely.box(*corner, *(corner + rng.uniform(1, 30, (2, 20_000))))
    li, ri = shapely.STRtree(boxes).query(boxes)
    assert len(li) > 2 * 8192  # several chunks
    one, _ = intersection_areas(boxes, boxes, li, ri, n_threads=1)
    two, _ = intersection_areas(boxes, boxes, li, ri, n_threads=2)
    np.testing.assert_array_equal(one, two)
    geos = shapely.area(shapely.intersection(boxes[li], boxes[ri]))
    assert (np.abs(one - geos) <= tolerance(boxes[li], boxes[ri])).all()


def test_flattening_matches_shapely_ragged_arrays() -> None:
    """Rings found the quick way (one-ring polygons) and in blocks match shapely's."""
    holed = square(0, 0, 4).difference(square(1, 1, 2))
    # Single-part multipolygons (as GeoPackage and FileGDB layers store every
    # polygon) take the quick way when they are one ring, the long way with a hole.
    mixed = [square(0, 0), holed, shapely.MultiPolygon([square(5, 5), holed]), shapely.Polygon(),
             shapely.MultiPolygon(), shapely.reverse(holed), shapely.MultiPolygon([square(7, 7)]),
             shapely.MultiPolygon([holed]), shapely.MultiPolygon([shapely.reverse(square(2, 2))])]
    geoms = np.asarray(mixed * 3000, dtype=object)
    _, coords, (ring_off, part_ring, geom_part) = shapely.to_ragged_array(geoms)
    for rings in (_Rings(geoms), _Rings.of(geoms, 2)):
        np.testing.assert_array_equal(np.column_stack([rings.x, rings.y]), coords)
        np.testing.assert_array_equal(rings.ring_off, ring_off)
        np.testing.assert_array_equal(rings.geom, part_ring[geom_part])
        np.testing.assert_array_equal(rings.area, shapely.area(geoms))
        np.testing.assert_array_equal(rings.box, np.nan_to_num(shapely.bounds(geoms)))
        assert rings.good.all()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("geom", "message"), [
    (shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), "invalid .*Self-intersection"),
    (shapely.Point(0, 0), "not polygons .*Point"),
    (shapely.LineString([(0, 0), (1, 1)]), "not polygons .*Linestring"),
    (None, "not polygons .*missing"),
])
def test_bad_geometries_are_refused(geom: shapely.Geometry | None, message: str) -> None:
    with pytest.raises(GeometryError, match=message):
        intersection_areas([geom], [square(0, 0)], [0], [0])


def test_unpaired_bad_geometries_are_not_looked_at() -> None:
    got, _ = intersection_areas([square(0, 0), None], [square(0.5, 0)], [0], [0])
    assert got.tolist() == [0.5]


def test_bad_positions_are_refused() -> None:
    with pytest.raises(GeometryError, match=r"outside 0\.\.0"):
        intersection_areas([square(0, 0)], [square(0, 0)], [1], [0])
    with pytest.raises(GeometryError, match="integer positions"):
        intersection_areas([square(0, 0)], [square(0, 0)], [0.0], [0])
    with pytest.raises(GeometryError, match="1 positions and pairs_right 2"):
        intersection_areas([square(0, 0)], [square(0, 0)], [0], [0, 0])
    with pytest.raises(RedlineError, match="n_threads"):
        intersection_areas([square(0, 0)], [square(0, 0)], [0], [0], n_threads=0)


def test_invalid_rings_without_validation_fall_back() -> None:
    """With validation off, a ring the kernel cannot use goes to GEOS rather than a guess."""
    flat = shapely.Polygon([(0, 0), (1, 0), (2, 0), (0, 0)])  # a ring of zero area
    got, n_fallback = intersection_areas([flat], [square(0, -1)], [0], [0], validate=False)
    assert (got.tolist(), n_fallback) == ([0.0], 1)
