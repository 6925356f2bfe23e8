"""The union by components gives the parts ``shapely.union_all`` gives."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from redline.analysis.dissolve import (
    Dissolver,
    components,
    polygon_parts,
    union,
    union_by_date,
    union_parts,
)


def _key(g: shapely.Geometry) -> tuple[float, ...]:
    c = g.representative_point()
    return (round(g.area, 6), round(c.x, 6), round(c.y, 6))


def _same_parts(mine: np.ndarray, geoms: list[shapely.Geometry | None]) -> None:
    """The parts equal union_all's parts one by one (topologically), whatever the order."""
    theirs = shapely.get_parts(shapely.union_all(np.asarray(geoms, dtype=object)))
    theirs = theirs[~shapely.is_empty(theirs)]
    assert len(mine) == len(theirs)
    a = sorted(mine.tolist(), key=_key)
    b = sorted(theirs.tolist(), key=_key)
    for x, y in zip(a, b, strict=True):
        assert x.geom_type == y.geom_type
        assert shapely.equals(x, y), (x.wkt, y.wkt)
        assert x.area == pytest.approx(y.area, rel=1e-12, abs=1e-12)


SQUARE = box(0, 0, 10, 10)
CASES = {
    "overlap": [box(0, 0, 10, 10), box(5, 5, 15, 15)],
    "shared edge": [box(0, 0, 10, 10), box(10, 0, 20, 10)],
    "shared part of an edge": [box(0, 0, 10, 10), box(10, 5, 20, 20)],
    "shared vertex": [box(0, 0, 10, 10), box(10, 10, 20, 20)],
    "inside another": [box(0, 0, 10, 10), box(2, 2, 4, 4)],
    "equal twice": [box(0, 0, 10, 10), box(0, 0, 10, 10)],
    "in a hole": [Polygon(box(0, 0, 10, 10).exterior.coords, [box(3, 3, 7, 7).exterior.coords]),
                  box(4, 4, 6, 6)],
    "filling a hole": [Polygon(box(0, 0, 10, 10).exterior.coords,
                               [box(3, 3, 7, 7).exterior.coords]), box(3, 3, 7, 7)],
    "half a hole": [Polygon(box(0, 0, 10, 10).exterior.coords,
                            [box(3, 3, 7, 7).exterior.coords]), box(3, 3, 5, 7)],
    "chain A-B-C": [box(0, 0, 10, 10), box(9, 0, 20, 10), box(19, 0, 30, 10),
                    box(100, 0, 110, 10)],
    "ring of four enclosing a hole": [box(0, 0, 10, 3), box(7, 0, 10, 10), box(0, 7, 10, 10),
                                      box(0, 0, 3, 10)],
    "corner ring": [box(0, 0, 1, 1), box(1, 1, 2, 2), box(0, 2, 1, 3), box(-1, 1, 0, 2)],
    "apart": [box(0, 0, 1, 1), box(5, 5, 6, 6), box(20, 0, 21, 1)],
    "multipolygon and a bridge": [MultiPolygon([box(0, 0, 1, 1), box(3, 0, 4, 1)]),
                                  box(0.5, 0, 3.5, 0.5), box(50, 50, 51, 51)],
    "lone multipolygon": [MultiPolygon([box(0, 0, 1, 1), box(1, 1, 2, 2)]), box(9, 9, 10, 10)],
    "missing and empty": [None, Polygon(), box(0, 0, 1, 1), box(0.5, 0, 2, 1)],
    "triangles on a diagonal": [Polygon([(0, 0), (10, 0), (0, 10)]),
                                Polygon([(10, 0), (10, 10), (0, 10)]),
                                Polygon([(0, 0), (10, 10), (0, 10)])],
}


@pytest.mark.parametrize("name", list(CASES))
def test_union_parts_equal_union_all(name: str) -> None:
    geoms = CASES[name]
    _same_parts(union_parts(np.asarray(geoms, dtype=object)), geoms)
    whole = shapely.union_all(np.asarray(geoms, dtype=object))
    assert union(np.asarray(geoms, dtype=object)).geom_type == whole.geom_type
    assert shapely.equals(union(np.asarray(geoms, dtype=object)), whole)


def test_lines_and_points_stay_as_union_all_leaves_them() -> None:
    geoms = [box(0, 0, 1, 1), shapely.LineString([(0.5, 0.5), (3, 3)]),
             shapely.LineString([(5, 5), (6, 6)]), shapely.Point(0.2, 0.2),
             shapely.GeometryCollection([box(8, 8, 9, 9), shapely.LineString([(9, 9), (12, 9)])])]
    _same_parts(union_parts(np.asarray(geoms, dtype=object)), geoms)
    polys = polygon_parts(np.asarray(geoms, dtype=object))
    assert sorted(p.area for p in polys) == [1.0, 1.0]


def test_components_follow_chains() -> None:
    geoms = np.asarray([box(0, 0, 1, 1), box(5, 5, 6, 6), box(1, 0, 2, 1), box(2, 1, 3, 2),
                        box(5.5, 5.5, 7, 7), box(20, 20, 21, 21)], dtype=object)
    labels = components(geoms)
    assert labels[0] == labels[2] == labels[3]
    assert labels[1] == labels[4]
    assert len({labels[0], labels[1], labels[5]}) == 3
    # A long chain linked only at its ends' neighbours still ends in one component.
    chain = np.asarray([box(i, 0, i + 1, 1) for i in range(200)][::-1], dtype=object)
    assert len(set(components(chain).tolist())) == 1


@pytest.mark.parametrize("seed", range(6))
def test_random_layers(seed: int) -> None:
    """Random boxes, rotated rectangles and holed polygons, many overlapping: same land."""
    rng = np.random.default_rng(seed)
    n = 400
    x, y = rng.uniform(0, 1000, n), rng.uniform(0, 1000, n)
    w, h = rng.uniform(1, 40, n), rng.uniform(1, 40, n)
    geoms: list[shapely.Geometry] = []
    for i in range(n):
        g = box(x[i], y[i], x[i] + w[i], y[i] + h[i])
        if i % 3 == 0:
            g = shapely.affinity.rotate(g, float(rng.uniform(0, 90)))
        if i % 7 == 0:
            g = g.difference(g.centroid.buffer(min(w[i], h[i]) / 4))
        if i % 11 == 0:  # a copy on an edge of the last one: shared edges
            prev = geoms[-1] if geoms else g
            _, miny, maxx, maxy = prev.bounds
            g = box(maxx, miny, maxx + w[i], maxy)
        geoms.append(g)
    arr = np.asarray(geoms, dtype=object)
    mine = union_parts(arr)
    whole = shapely.union_all(arr)
    theirs = shapely.get_parts(whole)
    assert len(mine) == len(theirs)
    assert sorted(round(g.area, 6) for g in mine) == pytest.approx(
        sorted(round(g.area, 6) for g in theirs), rel=1e-9)
    assert sum(g.area for g in mine) == pytest.approx(whole.area, rel=1e-12)
    assert shapely.symmetric_difference(union(arr), whole).area <= 1e-9 * whole.area


def test_union_by_date_gives_every_prefix() -> None:
    rng = np.random.default_rng(7)
    n = 300
    x, y = rng.uniform(0, 400, n), rng.uniform(0, 400, n)
    geoms = np.asarray([box(x[i], y[i], x[i] + rng.uniform(2, 30), y[i] + rng.uniform(2, 30))
                        for i in range(n)], dtype=object)
    dates = rng.integers(0, 25, n)
    parts, version, comp, day = union_by_date(geoms, dates)
    assert len(comp) == len(day)
    assert version.max() < len(comp)
    days = np.unique(dates)
    for j, d in enumerate(days):
        # The latest version of each component at or before the date.
        latest: dict[int, int] = {}
        for v in np.flatnonzero(day <= j)[np.argsort(day[day <= j], kind="stable")]:
            latest[int(comp[v])] = int(v)
        chosen = np.isin(version, list(latest.values()))
        _same_parts(parts[chosen], list(geoms[dates <= d]))


def test_dissolver_subsets_share_unions_and_match_union_all() -> None:
    rng = np.random.default_rng(3)
    n = 300
    x, y = rng.uniform(0, 300, n), rng.uniform(0, 300, n)
    geoms = [box(x[i], y[i], x[i] + rng.uniform(2, 30), y[i] + rng.uniform(2, 30))
             for i in range(n)]
    geoms[5], geoms[6] = None, Polygon()
    arr = np.asarray(geoms, dtype=object)
    whole = Dissolver(arr)
    subsets = [np.arange(n), rng.choice(n, 120, replace=False), np.arange(0, n, 2),
               np.arange(n), np.arange(0, n, 2), np.zeros(0, dtype=np.intp)]
    for rows in subsets:
        parts = whole.parts(rows)
        _same_parts(parts, list(arr[rows]))
        areas = whole.areas(parts, shapely.area)
        assert areas.tolist() == shapely.area(parts).tolist()
    # A subset splits a component the whole layer joins: its parts are its own.
    chain = np.asarray([box(0, 0, 2, 1), box(1.5, 0, 3.5, 1), box(3, 0, 5, 1)], dtype=object)
    d = Dissolver(chain)
    assert len(d.parts(np.arange(3))) == 1
    assert sorted(p.area for p in d.parts(np.asarray([0, 2]))) == [2.0, 2.0]
