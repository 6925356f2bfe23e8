"""The overlap engine against geopandas.overlay and hand-computed areas."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redline.analysis import overlay
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.overlay import (
    cover,
    farmland_split,
    nearest_within,
    overlap_area,
    pieces,
    split_by_units,
    union_by_group,
)

CRS = "EPSG:4529"  # CGCS2000 GK zone 41, central meridian 123E
X0, Y0 = 41_500_000.0, 4_550_000.0  # on the central meridian: planar area == ellipsoidal
XE = 41_580_000.0  # 80 km east: planar exceeds ellipsoidal by ~0.016 %


def box(x: float, y: float, w: float, h: float, *, x0: float = X0) -> shapely.Polygon:
    return shapely.box(x0 + x, Y0 + y, x0 + x + w, Y0 + y + h)


# --------------------------------------------------------------------------- strategies


@st.composite
def polygon(draw: st.DrawFn) -> shapely.Geometry:
    """A random valid polygon of 10-400 m, sometimes concave, sometimes with a hole."""
    x = draw(st.floats(0, 600))
    y = draw(st.floats(0, 600))
    w = draw(st.floats(10, 400))
    h = draw(st.floats(10, 400))
    kind = draw(st.sampled_from(["box", "star", "holed"]))
    if kind == "box":
        return box(x, y, w, h, x0=XE)
    if kind == "holed":
        outer = box(x, y, w, h, x0=XE)
        return outer.difference(box(x + w / 4, y + h / 4, w / 2, h / 2, x0=XE))
    n = draw(st.integers(5, 9))
    radii = draw(st.lists(st.floats(0.3, 1.0), min_size=n, max_size=n))
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    cx, cy = XE + x + w / 2, Y0 + y + h / 2
    ring = np.column_stack([cx + w / 2 * np.array(radii) * np.cos(ang),
                            cy + h / 2 * np.array(radii) * np.sin(ang)])
    return shapely.make_valid(shapely.Polygon(ring))


polygons = st.lists(polygon(), min_size=1, max_size=6)


def _clean(geoms: list[shapely.Geometry]) -> np.ndarray:
    arr = np.asarray(geoms, dtype=object)
    kind = shapely.get_type_id(arr)
    ok = np.isin(kind, [3, 6]) & (shapely.area(arr) > 1.0)
    return arr[ok] if ok.any() else np.asarray([box(0, 0, 50, 50, x0=XE)], dtype=object)


def _tessellation(n: int) -> np.ndarray:
    """Farmland as a partition: an n x n grid of cells over the test extent."""
    step = 1000.0 / n
    return np.asarray([box(i * step, j * step, step, step, x0=XE)
                       for i in range(n) for j in range(n)], dtype=object)


def _frame(geoms: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"pid": np.arange(len(geoms))}, geometry=list(geoms), crs=CRS)


def _sum_by_parcel(inter: gpd.GeoDataFrame, n: int) -> np.ndarray:
    a = pd.Series(ellipsoidal_area(inter.geometry.values, CRS), index=inter.index)
    return a.groupby(inter["pid"]).sum().reindex(range(n), fill_value=0).to_numpy()


def _reference_overlap(parcels: np.ndarray, layer: np.ndarray, *, partition: bool = False
                       ) -> np.ndarray:
    """Per-parcel area on ``layer``, by geopandas.overlay + groupby.

    A partition is overlaid feature by feature and summed; any other layer is
    dissolved first so overlapping features count once.
    """
    right = (gpd.GeoDataFrame(geometry=list(layer), crs=CRS) if partition
             else gpd.GeoDataFrame(geometry=[shapely.union_all(layer)], crs=CRS))
    inter = gpd.overlay(_frame(parcels), right, how="intersection", keep_geom_type=True)
    return _sum_by_parcel(inter, len(parcels))


# ellipsoidal_area projects vertices only, so a straight edge split by an extra
# vertex (as every overlay does) measures differently in the last digits: about
# 1e-6 relative on a 300 m edge 80 km off the central meridian. Hence atol.
ATOL = 1e-3

hyp = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- properties


@hyp
@given(parcels=polygons, layer=polygons)
def test_overlap_matches_geopandas_overlay(parcels: list, layer: list) -> None:
    p, lay = _clean(parcels), _clean(layer)
    got = overlap_area(p, lay, crs=CRS, sliver_m2=0.0)
    expected = _reference_overlap(p, lay)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=ATOL)
    # The same polygon measured within a different array may differ in the last digits.
    assert (got <= ellipsoidal_area(p, CRS) * (1 + 1e-9)).all()


@hyp
@given(parcels=polygons, cells=st.integers(1, 5))
def test_partition_sum_matches_overlay(parcels: list, cells: int) -> None:
    p = _clean(parcels)
    farm = _tessellation(cells)
    got = overlap_area(p, farm, crs=CRS, partition=True, sliver_m2=0.0)
    expected = _reference_overlap(p, farm, partition=True)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=ATOL)


@hyp
@given(parcels=polygons, basic=polygons, cells=st.integers(1, 4))
def test_three_way_split(parcels: list, basic: list, cells: int) -> None:
    p, bf = _clean(parcels), _clean(basic)
    farm = _tessellation(cells)[::2]  # every other cell: farmland is not everywhere
    s = farmland_split(p, farm, bf, crs=CRS, sliver_m2=0.0)
    # Exact by construction.
    total = s.on_basic_m2 + s.on_farmland_m2 + s.on_other_m2
    np.testing.assert_allclose(total, s.area_m2, rtol=1e-12)
    assert (s.on_other_m2 >= -1e-6).all()
    # Independent: basic = P n U(bf); other farmland = P n (U(farm) - U(bf)).
    np.testing.assert_allclose(s.on_basic_m2, _reference_overlap(p, bf), rtol=1e-6, atol=ATOL)
    on_farm = gpd.overlay(_frame(p), gpd.GeoDataFrame(geometry=list(farm), crs=CRS),
                          how="intersection", keep_geom_type=True)
    dissolved_bf = gpd.GeoDataFrame(geometry=[shapely.union_all(bf)], crs=CRS)
    ref_farm = np.zeros(len(p))
    if len(on_farm):
        farm_only = gpd.overlay(on_farm, dissolved_bf, how="difference", keep_geom_type=True)
        ref_farm = _sum_by_parcel(farm_only, len(p))
    np.testing.assert_allclose(s.on_farmland_m2, ref_farm, rtol=1e-6, atol=ATOL)


@hyp
@given(parcels=polygons, covering=polygons)
def test_cover_partition(parcels: list, covering: list) -> None:
    p, c = _clean(parcels), _clean(covering)
    cov = cover(p, c, crs=CRS, sliver_m2=0.0)
    np.testing.assert_allclose(cov.covered_m2 + cov.uncovered_m2, cov.area_m2, rtol=1e-12)
    assert (cov.covered_m2 <= cov.area_m2).all()
    np.testing.assert_allclose(cov.covered_m2, _reference_overlap(p, c), rtol=1e-6, atol=ATOL)
    # The uncovered geometry is the parcel minus the union, measured independently.
    ref = ellipsoidal_area(shapely.difference(p, shapely.union_all(c)), CRS)
    np.testing.assert_allclose(ellipsoidal_area(cov.uncovered, CRS), ref, rtol=1e-6, atol=ATOL)


# --------------------------------------------------------------------------- hand-made cases


def test_pieces_contained_pairs_take_whole_geometry() -> None:
    big = box(0, 0, 100, 100)
    small = box(10, 10, 20, 20)
    p = pieces([small, big], [big], crs=CRS)
    assert p.left.tolist() == [0, 1]
    assert p.geometry[0] is small  # no intersection computed: the parcel itself
    np.testing.assert_allclose(p.area_m2, [400.0, 10_000.0], atol=1e-3)


def test_touching_pair_is_not_a_piece() -> None:
    p = pieces([box(0, 0, 10, 10)], [box(10, 0, 10, 10)], crs=CRS, sliver_m2=0.0)
    assert len(p) == 0


def test_one_millimetre_offset_is_a_sliver() -> None:
    # Neighbours digitised 1 mm into each other along a 500 m edge: 0.5 m2.
    a = box(0, 0, 500, 500)
    b = box(499.999, 0, 500, 500)
    assert len(pieces([a], [b], crs=CRS)) == 0
    assert len(pieces([a], [b], crs=CRS, sliver_m2=0.0)) == 1


def test_overlapping_cover_counted_once() -> None:
    patch = box(0, 0, 100, 100)
    # Two approvals overlapping each other inside the patch: 60x100 and 60x100 offset by 30.
    a1, a2 = box(0, 0, 60, 100), box(30, 0, 60, 100)
    cov = cover([patch], [a1, a2], crs=CRS)
    assert cov.covered_m2[0] == pytest.approx(9_000.0, abs=0.01)  # 90 x 100, not 120 x 100
    assert cov.uncovered_m2[0] == pytest.approx(1_000.0, abs=0.01)
    assert ellipsoidal_area(cov.uncovered, CRS)[0] == pytest.approx(1_000.0, abs=0.01)
    assert sorted(cov.matched.right.tolist()) == [0, 1]
    assert overlap_area([patch], [a1, a2], crs=CRS)[0] == pytest.approx(9_000.0, abs=0.01)


def test_split_by_units_across_a_line() -> None:
    west, east = box(-1000, -1000, 1000, 3000), box(0, -1000, 1000, 3000)
    parcel = box(-30, 0, 100, 50)  # 30 m west of the line, 70 m east
    p = split_by_units([parcel], [west, east], crs=CRS)
    assert p.right.tolist() == [1, 0]  # largest piece first
    np.testing.assert_allclose(p.area_m2, [3_500.0, 1_500.0], atol=0.01)


def test_split_by_units_keeps_part_outside() -> None:
    unit = box(0, 0, 1000, 1000)
    parcel = box(-40, 0, 100, 100)
    p = split_by_units([parcel], [unit], crs=CRS)
    assert sorted(p.right.tolist()) == [-1, 0]
    assert p.area_m2.sum() == pytest.approx(10_000.0, abs=0.01)


def test_farmland_split_by_hand() -> None:
    parcel = box(0, 0, 100, 100)
    farm = [box(0, 0, 50, 100), box(50, 0, 50, 50)]  # 7500 m2 of the parcel
    basic = [box(-10, 0, 30, 100)]  # 20 x 100 inside the parcel, sticks out of it
    s = farmland_split([parcel], farm, basic, crs=CRS, geometry=True)
    assert s.on_basic_m2[0] == pytest.approx(2_000.0, abs=0.01)
    assert s.on_farmland_m2[0] == pytest.approx(5_500.0, abs=0.01)
    assert s.on_other_m2[0] == pytest.approx(2_500.0, abs=0.01)
    assert ellipsoidal_area(s.farmland, CRS)[0] == pytest.approx(7_500.0, abs=0.01)
    none = farmland_split([parcel], None, None, crs=CRS)
    assert np.isnan(none.on_basic_m2[0])
    assert np.isnan(none.on_farmland_m2[0])
    assert none.on_other_m2[0] == pytest.approx(10_000.0, abs=0.01)


def test_missing_and_empty_geometries_match_nothing() -> None:
    p = pieces([None, shapely.Polygon(), box(0, 0, 10, 10)], [box(0, 0, 10, 10)], crs=CRS)
    assert p.left.tolist() == [2]
    cov = cover([None, box(0, 0, 10, 10)], [box(0, 0, 5, 10)], crs=CRS)
    assert cov.area_m2[0] == 0
    assert cov.uncovered_m2[1] == pytest.approx(50.0, abs=1e-3)


def test_threads_give_the_same_result() -> None:
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 4900, size=(6000, 2))
    parcels = shapely.box(X0 + xy[:, 0], Y0 + xy[:, 1], X0 + xy[:, 0] + 40, Y0 + xy[:, 1] + 30)
    farm = _grid(25, 200.0)
    one = overlap_area(parcels, farm, crs=CRS, partition=True, sliver_m2=0.0, n_jobs=1)
    two = overlap_area(parcels, farm, crs=CRS, partition=True, sliver_m2=0.0, n_jobs=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, 1200.0, rtol=1e-6)  # the grid covers every parcel


def test_threads_test_pairs_without_sharing_a_prepared_geometry() -> None:
    # Large parcels over a fine grid: each prepared parcel has hundreds of
    # candidates, so chunks of pairs would split them if the bounds were not moved.
    rng = np.random.default_rng(2)
    xy = rng.uniform(200, 4000, size=(300, 2))
    parcels = shapely.buffer(shapely.points(X0 + xy[:, 0], Y0 + xy[:, 1]), 120.0)
    farm = _grid(200, 25.0)
    one = pieces(parcels, farm, crs=CRS, sliver_m2=0.0, n_jobs=1)
    three = pieces(parcels, farm, crs=CRS, sliver_m2=0.0, n_jobs=3)
    np.testing.assert_array_equal(one.left, three.left)
    np.testing.assert_array_equal(one.right, three.right)
    np.testing.assert_array_equal(one.area_m2, three.area_m2)
    np.testing.assert_allclose(np.bincount(one.left, one.area_m2, minlength=300),
                               ellipsoidal_area(parcels, CRS), rtol=1e-6)


def test_pairs_found_on_threads_skip_missing_geometries_and_come_in_order() -> None:
    # The box tree is over the 300 parcels and the 10,000 cells query it in chunks
    # on the threads; the first cell and one in the middle are missing.
    rng = np.random.default_rng(4)
    xy = rng.uniform(200, 4000, size=(300, 2))
    parcels = shapely.buffer(shapely.points(X0 + xy[:, 0], Y0 + xy[:, 1]), 90.0)
    farm = np.asarray(_grid(100, 50.0), dtype=object)
    farm[[0, 5050]] = None
    one = pieces(parcels, farm, crs=CRS, sliver_m2=0.0, n_jobs=1)
    two = pieces(parcels, farm, crs=CRS, sliver_m2=0.0, n_jobs=2)
    np.testing.assert_array_equal(one.left, two.left)
    np.testing.assert_array_equal(one.right, two.right)
    np.testing.assert_array_equal(one.area_m2, two.area_m2)
    assert not np.isin(one.right, [0, 5050]).any()
    assert (np.lexsort((one.right, one.left)) == np.arange(len(one.left))).all()
    ref = gpd.overlay(gpd.GeoDataFrame({"p": np.arange(300)}, geometry=parcels, crs=CRS),
                      gpd.GeoDataFrame({"f": np.arange(len(farm))}, geometry=farm, crs=CRS),
                      how="intersection", keep_geom_type=True)
    assert sorted(zip(one.left.tolist(), one.right.tolist(), strict=True)) == sorted(
        zip(ref["p"].tolist(), ref["f"].tolist(), strict=True))


def test_chunks_of_pairs_keep_each_geometry_whole() -> None:
    group = np.repeat(np.arange(50), np.random.default_rng(3).integers(1, 400, 50))
    parts = overlay._whole_groups(group, overlay._chunks(len(group), 4))
    assert parts[0].start == 0
    assert parts[-1].stop == len(group)
    assert all(a.stop == b.start for a, b in itertools.pairwise(parts))
    assert len(parts) > 1
    for a, b in itertools.pairwise(parts):
        assert group[a.stop - 1] != group[b.start]


def _grid(n: int, step: float) -> np.ndarray:
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    x, y = X0 + i.ravel() * step, Y0 + j.ravel() * step
    return shapely.box(x, y, x + step, y + step)


def test_union_by_group() -> None:
    geoms = [box(0, 0, 2, 2), box(1, 1, 2, 2), box(5, 5, 1, 1)]
    out = union_by_group(geoms, [0, 0, 2], 3)
    assert out[0].area == pytest.approx(7.0)
    assert out[1] is None
    assert out[2] is geoms[2]


def test_nearest_within() -> None:
    patch = box(0, 0, 10, 10)
    near, far = box(10, 0, 10, 10), box(50, 0, 10, 10)
    assert nearest_within([patch], [far, near], distance=1.0).tolist() == [1]
    assert nearest_within([patch], [far], distance=1.0).tolist() == [-1]


def test_result_frame_alignment_with_pandas() -> None:
    # Results are positional: a caller re-attaches them to its own index.
    idx = pd.Index([17, 3, 99])
    parcels = gpd.GeoSeries([box(0, 0, 10, 10), box(100, 0, 10, 10), None], index=idx, crs=CRS)
    got = pd.Series(overlap_area(parcels.values, [box(0, 0, 5, 10)], crs=CRS), index=idx)
    assert got.loc[17] == pytest.approx(50.0, abs=1e-3)
    assert got.loc[3] == 0
    assert got.loc[99] == 0


@pytest.mark.parametrize("x0", [X0, XE, X0 - 150_000.0])
def test_scaled_areas_agree_with_exact(x0: float) -> None:
    # Parcels up to 2 km across cut by a 300 m grid, on and off the central meridian.
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 3000, size=(300, 2))
    size = rng.uniform(50, 2000, size=(300, 2))
    parcels = shapely.box(x0 + xy[:, 0], Y0 + xy[:, 1], x0 + xy[:, 0] + size[:, 0],
                          Y0 + xy[:, 1] + size[:, 1])
    i, j = np.meshgrid(np.arange(18), np.arange(18))
    gx, gy = x0 + i.ravel() * 300.0, Y0 + j.ravel() * 300.0
    grid = shapely.box(gx, gy, gx + 300, gy + 300)
    scaled = pieces(parcels, grid, crs=CRS, sliver_m2=0.0, area_method="scaled")
    exact = pieces(parcels, grid, crs=CRS, sliver_m2=0.0, area_method="exact")
    np.testing.assert_array_equal(scaled.left, exact.left)
    np.testing.assert_allclose(scaled.area_m2, exact.area_m2, rtol=1e-7)
    # And against each piece measured alone, independently of the engine.
    alone = np.array([ellipsoidal_area([g], CRS)[0] for g in exact.geometry])
    np.testing.assert_allclose(scaled.area_m2, alone, rtol=1e-7)


def test_a_geometry_inside_its_parcel_takes_its_given_area_or_is_measured() -> None:
    parcel = [shapely.box(XE, Y0, XE + 1000, Y0 + 1000)]
    inside = shapely.box(XE + 100, Y0 + 100, XE + 200, Y0 + 300)
    across = shapely.box(XE + 900, Y0 + 900, XE + 1100, Y0 + 1100)
    given = pieces(parcel, [inside, across], crs=CRS, sliver_m2=0.0,
                   right_area_m2=[1234.5, 99_999.0])
    assert given.area_m2[0] == 1234.5  # wholly inside: the area it came with
    corner = ellipsoidal_area([shapely.box(XE + 900, Y0 + 900, XE + 1000, Y0 + 1000)], CRS)[0]
    assert given.area_m2[1] == pytest.approx(corner, rel=1e-8)  # cut: measured
    measured = pieces(parcel, [inside, across], crs=CRS, sliver_m2=0.0)
    own = ellipsoidal_area([inside], CRS)[0]
    assert own == pytest.approx(20_000 * (1 - 1.57e-4), rel=2e-5)  # 80 km off the meridian
    assert measured.area_m2[0] == pytest.approx(own, rel=1e-8)
    assert measured.area_m2[1] == pytest.approx(corner, rel=1e-8)


_THREADS_SCRIPT = """
import sys, threading
import numpy as np, shapely
from redline.analysis.overlay import farmland_split, nearest_within, pieces
rng = np.random.default_rng(1)
def polys(n, r):
    c = rng.uniform(0, 20000, (n, 2)) + (39_500_000, 4_000_000)
    return shapely.buffer(shapely.points(c), r, quad_segs=8)
big, small = polys(5000, 60), polys(1000, 150)
def key(p):
    return (p.left.tolist(), p.right.tolist(), np.round(p.area_m2, 6).tolist())
def run(k):
    if k % 3 == 0:
        return key(pieces(big, small, crs="EPSG:4529"))
    if k % 3 == 1:
        return key(pieces(small, big, crs="EPSG:4529"))
    s = farmland_split(small, big, big[::3], crs="EPSG:4529")
    return (np.round(s.on_basic_m2, 6).tolist(), nearest_within(small, big, distance=500).tolist())
want = [run(k) for k in range(3)]
bad = []
def work(k):
    for _ in range(4):
        if run(k) != want[k % 3]:
            bad.append(k)
threads = [threading.Thread(target=work, args=(k,)) for k in range(9)]
[t.start() for t in threads]
[t.join() for t in threads]
print("differ" if bad else "same")
"""


def test_threads_sharing_geometries_get_the_single_thread_result() -> None:
    """Threads overlaying the same geometry objects at once (tiles on a thread pool)
    neither crash nor disagree: a prepared geometry is never used by two threads.
    Run in a child so that a crash fails this test rather than the whole session."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same"


def test_reused_trees_are_built_once_and_give_the_same_pieces(monkeypatch) -> None:
    from redline.analysis import overlay

    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 5000, (400, 2)) + np.array([41_500_000, 4_550_000])
    farm = np.asarray(shapely.buffer(shapely.points(centres), 40, quad_segs=4))
    parcels = np.asarray(shapely.buffer(shapely.points(centres[::10] + 25), 60, quad_segs=4))
    alone = pieces(parcels, farm, crs="EPSG:4529")
    built: list[int] = []
    real = shapely.STRtree

    def counting(geoms, *args, **kwargs):
        built.append(len(geoms))
        return real(geoms, *args, **kwargs)

    monkeypatch.setattr(overlay.shapely, "STRtree", counting)
    with overlay.reuse_trees(farm):
        again = [pieces(parcels, farm, crs="EPSG:4529") for _ in range(3)]
    assert built.count(len(farm)) == 1
    for p in again:
        assert p.left.tolist() == alone.left.tolist()
        assert p.right.tolist() == alone.right.tolist()
        np.testing.assert_array_equal(p.area_m2, alone.area_m2)
    built.clear()
    pieces(parcels, farm, crs="EPSG:4529")  # outside the block: over the smaller side
    assert built == [len(parcels)]


def test_farmland_split_can_leave_out_the_whole_farmland_part() -> None:
    parcel = [shapely.box(41_500_000, 4_550_000, 41_500_100, 4_550_100)]
    farm = [shapely.box(41_500_050, 4_550_000, 41_500_200, 4_550_100)]
    basic = [shapely.box(41_500_080, 4_550_000, 41_500_200, 4_550_100)]
    both = farmland_split(parcel, farm, basic, crs="EPSG:4529", geometry=True)
    only = farmland_split(parcel, farm, basic, crs="EPSG:4529", geometry="basic")
    assert only.farmland is None
    assert both.farmland is not None
    assert both.farmland[0].equals(shapely.box(41_500_050, 4_550_000, 41_500_100, 4_550_100))
    assert only.basic is not None
    assert both.basic is not None
    assert only.basic[0].equals(both.basic[0])
    # Without the farmland part, the split comes from areas alone: the same to rounding.
    np.testing.assert_allclose(only.on_farmland_m2, both.on_farmland_m2, rtol=1e-9)


# --------------------------------------------------------------------------- areas by the kernel


# The engine's areas are anchored to ellipsoidal_area, which measures a polygon's edges
# (up to 100 m) as chords in an equal-area projection; the reference follows the curves.
# On a thin sliver that is more than 1e-6 of its tiny area: 1e-4 m2 covers it.
CHORD = 1e-4


def _kernel_layers(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A partition and parcels on it, 80 km off the central meridian.

    The partition: Voronoi cells, one with a hole (the hole is a cell of its own)
    and two apart joined into a multipolygon. The parcels: random boxes, stars
    and holed boxes; unions of cells (every edge shared with a cell, holes and
    multipolygons among them); and one with a vertex a hundred-millionth of a
    metre off a cell's edge, which the kernel cannot judge and sends to GEOS.
    """
    rng = np.random.default_rng(seed)
    frame = box(0, 0, 1000, 1000, x0=XE)
    pts = shapely.points(XE + rng.uniform(0, 1000, 40), Y0 + rng.uniform(0, 1000, 40))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame)),
        frame)
    cells = list(cells[shapely.area(cells) > 0])
    hole = shapely.affinity.scale(cells[0], 0.4, 0.4, origin=cells[0].centroid)
    cells[0] = cells[0].difference(hole)
    cells.append(hole)
    far = max(range(1, len(cells) - 1), key=lambda k: cells[k].distance(cells[1]))
    cells[1] = shapely.union_all([cells[1], cells[far]])
    del cells[far]
    layer = np.asarray(cells, dtype=object)
    parcels: list[shapely.Geometry] = []
    for _ in range(6):
        x, y = rng.uniform(-100, 900, 2)
        w, h = rng.uniform(20, 400, 2)
        outer = box(x, y, w, h, x0=XE)
        parcels.append(outer if rng.random() < 0.5
                       else outer.difference(box(x + w / 4, y + h / 4, w / 2, h / 2, x0=XE)))
    for _ in range(6):
        pick = layer[rng.random(len(layer)) < 0.25]
        if len(pick):
            parcels.append(shapely.union_all(pick))
    edge = shapely.get_coordinates(shapely.get_exterior_ring(cells[2]))
    a, b = edge[0], edge[1]
    mid = (a + b) / 2 + np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a)) * 1e-8
    apex = shapely.Point(cells[2].centroid)
    parcels.append(shapely.Polygon([tuple(a), tuple(mid), tuple(b), (apex.x, apex.y)]).buffer(0))
    return np.asarray(parcels, dtype=object), layer


def _counting_kernel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the fallback count of each call of the kernel by the engine."""
    real = overlay.intersection_measures
    fallbacks: list[int] = []

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        m = real(*args, **kwargs)
        fallbacks.append(m.n_fallback)
        return m

    monkeypatch.setattr(overlay, "intersection_measures", counting)
    return fallbacks


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_kernel_areas_match_geopandas_overlay(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Areas on a partition, from the kernel, within 1e-6 of each parcel's area."""
    parcels, layer = _kernel_layers(seed)
    fallbacks = _counting_kernel(monkeypatch)
    got = overlap_area(parcels, layer, crs=CRS, partition=True, sliver_m2=0.0)
    assert fallbacks, "the areas came from the kernel"
    assert fallbacks[-1] >= 1, "the parcel a hair off a cell's edge went to GEOS"
    inter = gpd.overlay(_frame(parcels), gpd.GeoDataFrame(geometry=list(layer), crs=CRS),
                        how="intersection", keep_geom_type=False)
    expected = _polygon_area_by_parcel(inter, len(parcels))
    parcel_area = ellipsoidal_area(parcels, CRS)
    assert (np.abs(got - expected) <= 1e-6 * parcel_area + CHORD).all(), (
        np.abs(got - expected) / parcel_area).max()
    # The parcels made of cells lie on the layer whole (the pieces' scale factors
    # are taken at their centroids: 1e-8 apart from the whole's area at most).
    np.testing.assert_allclose(got[6:-1], parcel_area[6:-1], rtol=1e-8)


def test_kernel_pieces_are_those_of_geos_with_their_areas() -> None:
    """Per piece: the kernel's (areas only) and GEOS's (geometry kept) agree."""
    parcels, layer = _kernel_layers(11)
    area = ellipsoidal_area(parcels, CRS)
    by_kernel = pieces(parcels, layer, crs=CRS, sliver_m2=0.0, left_area_m2=area, geometry=False)
    by_geos = pieces(parcels, layer, crs=CRS, sliver_m2=0.0, left_area_m2=area, geometry=True)
    assert (by_kernel.geometry == None).all()  # noqa: E711
    np.testing.assert_array_equal(by_kernel.left, by_geos.left)
    np.testing.assert_array_equal(by_kernel.right, by_geos.right)
    np.testing.assert_allclose(by_kernel.area_m2, by_geos.area_m2, rtol=1e-9, atol=1e-6)
    # A parcel inside one cell takes its own area, exactly.
    inner = shapely.affinity.scale(layer[5], 0.5, 0.5, origin=layer[5].centroid)
    alone = pieces([inner], layer, crs=CRS, left_area_m2=[1234.5], geometry=False)
    assert alone.right.tolist() == [5]
    assert alone.area_m2.tolist() == [1234.5]


def test_kernel_areas_on_threads_and_with_missing_geometries() -> None:
    parcels, layer = _kernel_layers(5)
    parcels = np.concatenate([parcels, [None, shapely.Polygon()]])
    layer = np.concatenate([[None], layer, [shapely.Polygon()]])
    one = overlap_area(parcels, layer, crs=CRS, partition=True, sliver_m2=0.0, n_jobs=1)
    with overlay.reuse_trees(layer):
        two = overlap_area(parcels, layer, crs=CRS, partition=True, sliver_m2=0.0, n_jobs=2)
    np.testing.assert_array_equal(one, two)
    assert one[-2:].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("kept", ["none", "parcels", "layer"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_kernel_pieces_in_blocks_are_those_of_geos(kept: str, n_jobs: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of three geometries on threads, the tree over either side: GEOS's pieces.

    Covers each way the engine's blocks end: the lefts in the blocks, the lefts
    the tree's (anchored after the blocks), their areas given or measured beside
    the blocks, and pieces that are their whole right geometry.
    """
    monkeypatch.setattr(overlay, "_BLOCK", 3)
    parcels, layer = _kernel_layers(11)
    inner = shapely.affinity.scale(layer[5], 0.5, 0.5, origin=layer[5].centroid)
    parcels = np.concatenate([parcels, [inner, None, shapely.Polygon()]])
    area = ellipsoidal_area(parcels, CRS)
    expected = pieces(parcels, layer, crs=CRS, sliver_m2=0.0, left_area_m2=area)
    flipped = pieces(layer, parcels, crs=CRS, sliver_m2=0.0, right_area_m2=area)
    keep = {"none": [], "parcels": [parcels], "layer": [layer]}[kept]
    with overlay.reuse_trees(*keep):
        got = [pieces(parcels, layer, crs=CRS, sliver_m2=0.0, left_area_m2=area,
                      geometry=False, n_jobs=n_jobs),
               pieces(parcels, layer, crs=CRS, sliver_m2=0.0, geometry=False, n_jobs=n_jobs)]
        got_flipped = pieces(layer, parcels, crs=CRS, sliver_m2=0.0, right_area_m2=area,
                             geometry=False, n_jobs=n_jobs)
        total = overlap_area(parcels, layer, crs=CRS, partition=True, sliver_m2=0.0,
                             n_jobs=n_jobs)
    for want, have in [(expected, got[0]), (expected, got[1]), (flipped, got_flipped)]:
        np.testing.assert_array_equal(have.left, want.left)
        np.testing.assert_array_equal(have.right, want.right)
        np.testing.assert_allclose(have.area_m2, want.area_m2, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(total, np.minimum(expected.total_by_left(len(parcels)), area),
                               rtol=1e-9, atol=1e-6)
    # The parcel inside a cell is a whole right geometry: its piece takes its area.
    k = len(parcels) - 3
    assert got_flipped.area_m2[got_flipped.right == k].tolist() == [area[k]]


def test_layers_other_than_polygons_are_cut_by_geos(monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks = _counting_kernel(monkeypatch)
    mixed = [box(0, 0, 50, 100), shapely.GeometryCollection([box(50, 0, 50, 100)])]
    got = overlap_area([box(0, 0, 100, 100)], mixed, crs=CRS, partition=True)
    assert fallbacks == []
    assert got[0] == pytest.approx(10_000.0, abs=0.01)


def _basic_within(layer: np.ndarray, seed: int) -> np.ndarray:
    """Basic farmland cut from the farmland: some patches whole, some the west half of one."""
    rng = np.random.default_rng(seed)
    out = []
    for cell in layer[rng.random(len(layer)) < 0.5]:
        if rng.random() < 0.5:
            out.append(cell)
        else:
            x0, y0, x1, y1 = cell.bounds
            half = cell.intersection(shapely.box(x0, y0, (x0 + x1) / 2, y1))
            if half.area > 0 and half.geom_type in ("Polygon", "MultiPolygon"):
                out.append(half)
    return np.asarray(out or [layer[0]], dtype=object)


def _polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The polygons of each row, one a row with its pid, collections opened up.

    (``keep_geom_type=True`` can drop the multipolygon inside a geometry collection.)
    """
    parts, row = shapely.get_parts(frame.geometry.values, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)
    row = row[sub]
    poly = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    return gpd.GeoDataFrame({"pid": frame["pid"].to_numpy()[row[poly]]}, geometry=parts[poly],
                            crs=CRS)


def _geodesic_area(polygon: shapely.Polygon) -> float:
    """GRS80 area by pyproj.Geod, each edge first split to 5 m (so its chord is the curve).

    Independent of :func:`redline.analysis.areas.ellipsoidal_area`; and GEOS's
    ``segmentize`` cannot be used here: it rebuilds (``buffer(0)``) a polygon whose
    split edges come out invalid, as a vertex a hair from another edge does.
    """
    from pyproj import Geod, Transformer

    to_lonlat = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    geod = Geod(ellps="GRS80")

    def ring_area(ring: shapely.LinearRing) -> float:
        xy = np.asarray(ring.coords)
        pts = [xy[:1]]
        for a, b in itertools.pairwise(xy):
            k = max(1, int(np.ceil(np.hypot(*(b - a)) / 5.0)))
            pts.append(a + (b - a) * (np.arange(1, k + 1) / k)[:, None])
        dense = np.concatenate(pts)
        lon, lat = to_lonlat.transform(dense[:, 0], dense[:, 1])
        return abs(geod.polygon_area_perimeter(lon, lat)[0])

    return ring_area(polygon.exterior) - sum(ring_area(r) for r in polygon.interiors)


def _polygon_area_by_parcel(frame: gpd.GeoDataFrame, n: int) -> np.ndarray:
    polys = _polygons(frame)
    area = np.array([_geodesic_area(g) for g in polys.geometry.values])
    return np.bincount(polys["pid"].to_numpy(dtype=np.intp), weights=area, minlength=n)


def _reference_split(parcels: np.ndarray, farm: np.ndarray, basic: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Basic farmland and other farmland of each parcel by geopandas.overlay."""
    dissolved = gpd.GeoDataFrame(geometry=[shapely.union_all(basic)], crs=CRS)
    on_basic = gpd.overlay(_frame(parcels), dissolved, how="intersection", keep_geom_type=False)
    on_farm = gpd.overlay(_frame(parcels), gpd.GeoDataFrame(geometry=list(farm), crs=CRS),
                          how="intersection", keep_geom_type=False)
    other = gpd.overlay(_polygons(on_farm), dissolved, how="difference", keep_geom_type=False)
    return (_polygon_area_by_parcel(on_basic, len(parcels)),
            _polygon_area_by_parcel(other, len(parcels)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_split_from_areas_matches_geopandas(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Basic farmland within the farmland: the split needs no difference, and is right."""
    parcels, farm = _kernel_layers(seed)
    basic = _basic_within(farm, seed)
    by_pieces: list[int] = []
    real = overlay._split_by_pieces

    def counting(pg, *args, **kwargs):  # type: ignore[no-untyped-def]
        by_pieces.append(len(pg))
        return real(pg, *args, **kwargs)

    monkeypatch.setattr(overlay, "_split_by_pieces", counting)
    for geometry in (False, "basic"):
        s = farmland_split(parcels, farm, basic, crs=CRS, sliver_m2=0.0,
                           geometry=geometry)  # type: ignore[arg-type]
        assert by_pieces == [], "every basic patch fits: no parcel is split piece by piece"
        # Basic farmland lies within the farmland here, so other farmland is the
        # parcel's farmland less its basic farmland: two overlays, no difference
        # (GEOS's difference of a sliver by the union of basic farmland can leave it whole).
        ref_basic, _ = _reference_split(parcels, farm, basic)
        on_farm = gpd.overlay(_frame(parcels), gpd.GeoDataFrame(geometry=list(farm), crs=CRS),
                              how="intersection", keep_geom_type=False)
        ref_farm = _polygon_area_by_parcel(on_farm, len(parcels)) - ref_basic
        tol = 1e-6 * s.area_m2 + CHORD
        assert (np.abs(s.on_basic_m2 - ref_basic) <= tol).all()
        assert (np.abs(s.on_farmland_m2 - ref_farm) <= tol).all()
        np.testing.assert_allclose(s.on_basic_m2 + s.on_farmland_m2 + s.on_other_m2,
                                   s.area_m2, rtol=1e-12)
    assert s.basic is not None
    np.testing.assert_allclose(ellipsoidal_area(s.basic, CRS), ref_basic, rtol=1e-6, atol=ATOL)


def test_basic_patches_that_do_not_fit_are_split_piece_by_piece(
        monkeypatch: pytest.MonkeyPatch) -> None:
    parcels, farm = _kernel_layers(3)
    basic = list(_basic_within(farm, 3))
    # One basic patch reaching out of the county's farmland, and one overlapping another.
    basic.append(box(900, 900, 300, 300, x0=XE))
    basic.append(shapely.affinity.translate(basic[0], 5.0, 0.0))
    basic = np.asarray(basic, dtype=object)
    by_pieces: list[int] = []
    real = overlay._split_by_pieces

    def counting(pg, *args, **kwargs):  # type: ignore[no-untyped-def]
        by_pieces.append(len(pg))
        return real(pg, *args, **kwargs)

    monkeypatch.setattr(overlay, "_split_by_pieces", counting)
    s = farmland_split(parcels, farm, basic, crs=CRS, sliver_m2=0.0)
    assert by_pieces
    assert 0 < by_pieces[0] < len(parcels)
    ref_basic, ref_farm = _reference_split(parcels, farm, basic)
    assert (np.abs(s.on_basic_m2 - ref_basic) <= 1e-6 * s.area_m2 + CHORD).all()
    assert (np.abs(s.on_farmland_m2 - ref_farm) <= 1e-6 * s.area_m2 + CHORD).all()
    # Kept while the trees are: each patch is looked at once.
    with overlay.reuse_trees(farm, basic):
        first = farmland_split(parcels, farm, basic, crs=CRS, sliver_m2=0.0)
        fits = overlay._TREES.get("basic fits", (basic, farm), lambda: None)
        assert fits is not None
        # Looked at only where a parcel lies: 1 fits, 0 does not, -1 not looked at.
        assert set(np.unique(fits).tolist()) <= {-1, 0, 1}
        assert (fits == 1).any()
        assert fits[-1] == 0  # the one overlapping another
        again = farmland_split(parcels, farm, basic, crs=CRS, sliver_m2=0.0)
    np.testing.assert_array_equal(first.on_farmland_m2, again.on_farmland_m2)
    np.testing.assert_allclose(first.on_farmland_m2, s.on_farmland_m2, rtol=1e-12)


def test_split_parts_within_rounding_of_nothing_read_zero():
    """A parcel wholly on farmland reads 0 m2 of other land, and the parts still sum to it."""
    from redline.analysis.overlay import _closed

    area = np.array([5000.0, 5000.0, 5000.0])
    # Pieces summed leave a hair over or under: 1e-6 m2 here is 2e-10 of the parcel.
    split = _closed(area, np.array([0.0, 2000.0 + 1e-6, 1e-7]),
                    np.array([5000.0 - 1e-6, 3000.0, 4000.0]), None, None)
    assert split.on_other_m2.tolist() == [0.0, 0.0, 1000.0]
    assert split.on_basic_m2.tolist() == [0.0, 2000.0 + 1e-6, 0.0]
    # A part that reads 0 m2 has no outline either (the farmland outline holds the basic).
    line = shapely.Polygon([(0, 0), (360, 0), (720, 1e-9), (0, 0)])
    outlined = _closed(area, np.array([1e-7, 2000.0, 1e-7]), np.array([4999.0, 3000.0, 0.0]),
                       np.array([line, line, line], dtype=object),
                       np.array([line, line, line], dtype=object))
    assert outlined.basic is not None
    assert outlined.farmland is not None
    assert outlined.basic.tolist() == [None, line, None]
    assert outlined.farmland.tolist() == [line, line, None]
    np.testing.assert_array_equal(
        split.on_basic_m2 + split.on_farmland_m2 + split.on_other_m2, area)
