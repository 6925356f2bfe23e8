"""Ellipsoidal areas against hand-computed figures and an independent geodesic computation."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from redline.analysis.areas import ellipsoidal_area, m2_to_ha, m2_to_mu, planar_area
from redline.errors import CRSError

# GRS80
A = 6_378_137.0
F = 1 / 298.257222101
E2 = F * (2 - F)
E = math.sqrt(E2)
B = A * (1 - F)


def _q(phi: float) -> float:
    """Authalic q(phi) on GRS80 (Snyder, Map Projections, eq. 3-12)."""
    s = math.sin(phi)
    return (1 - E2) * (s / (1 - E2 * s * s) - (1 / (2 * E)) * math.log((1 - E * s) / (1 + E * s)))


def _quadrangle_m2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Area of a lat/lon quadrangle on GRS80, by the closed formula A^2/2 * dlon * dq."""
    return A * A / 2 * math.radians(lon1 - lon0) * (_q(math.radians(lat1)) - _q(math.radians(lat0)))


def test_quadrangle_matches_closed_formula() -> None:
    # 0.01 degree cell at Anshan, densified so the parallels are followed closely.
    cell = shapely.segmentize(shapely.box(122.99, 41.10, 123.00, 41.11), 0.00001)
    expected = _quadrangle_m2(122.99, 41.10, 123.00, 41.11)
    got = ellipsoidal_area([cell], "EPSG:4490")[0]
    assert got == pytest.approx(expected, rel=1e-7)
    # The figure is sane: about 1.11 km x 0.84 km.
    assert 930_000 < expected < 940_000


def test_square_on_central_meridian_is_its_planar_area() -> None:
    # Zone 41 (EPSG:4529) has scale factor 1 on its central meridian, so a
    # 100 m square there is 1 ha on the ellipsoid too, to well under 0.01 m2.
    sq = shapely.box(41_500_000 - 50, 4_550_000, 41_500_000 + 50, 4_550_100)
    assert ellipsoidal_area([sq], "EPSG:4529")[0] == pytest.approx(10_000.0, abs=0.01)


def test_off_meridian_planar_exceeds_ellipsoidal() -> None:
    # 100 km east of the central meridian the GK scale is ~1 + y^2/(2R^2), so the
    # planar area exceeds the ellipsoidal one by about (100/6371)^2 = 0.0246 %.
    sq = shapely.box(41_600_000, 4_550_000, 41_600_245, 4_550_245)
    ell = ellipsoidal_area([sq], "EPSG:4529")[0]
    excess = planar_area([sq], "EPSG:4529")[0] / ell - 1
    assert excess == pytest.approx((100_000 / 6_371_000) ** 2, rel=0.02)


def test_agrees_with_geodesic_polygon_area() -> None:
    rng = np.random.default_rng(7)
    x = 41_400_000 + rng.uniform(0, 150_000, 50)
    y = 4_500_000 + rng.uniform(0, 150_000, 50)
    geoms = [shapely.buffer(shapely.Point(a, b), r, quad_segs=4)
             for a, b, r in zip(x, y, rng.uniform(10, 500, 50), strict=True)]
    ours = ellipsoidal_area(geoms, "EPSG:4529")
    lonlat = gpd.GeoSeries(geoms, crs=4529).to_crs(4490)
    geod = Geod(ellps="GRS80")
    ref = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat])
    np.testing.assert_allclose(ours, ref, rtol=1e-7)


def test_township_with_long_edges_agrees_with_geodesic_area() -> None:
    # A 12 km x 9 km township 90 km off the central meridian: its straight GK
    # edges, followed metre by metre on the ellipsoid, are the reference.
    town = shapely.box(41_590_000, 4_540_000, 41_602_000, 4_549_000)
    ours = ellipsoidal_area([town], "EPSG:4529")[0]
    dense = gpd.GeoSeries([shapely.segmentize(town, 1.0)], crs=4529).to_crs(4490).iloc[0]
    ref = abs(Geod(ellps="GRS80").geometry_area_perimeter(dense)[0])
    assert ours == pytest.approx(ref, rel=1e-8)


def test_area_of_a_polygon_does_not_depend_on_its_companions() -> None:
    # The same parcel measured alone, beside a neighbour and beside a far-off
    # township gives the same figure: tiles and runs agree to the last digit.
    strip = shapely.box(41_580_450, 4_550_000, 41_580_452.5, 4_550_224)
    alone = ellipsoidal_area([strip], "EPSG:4529")[0]
    near = ellipsoidal_area([strip, shapely.box(41_580_000, 4_550_000, 41_580_010, 4_550_010)],
                            "EPSG:4529")[0]
    far = ellipsoidal_area([strip, shapely.box(41_400_000, 4_450_000, 41_500_000, 4_650_000)],
                           "EPSG:4529")[0]
    assert alone == near == far


def test_every_kind_of_geometry_agrees_with_the_geodesic_area() -> None:
    # One-ring polygons are measured from their vertices; holes, parts, a hole
    # touching the shell at its first vertex, a ring revisiting its first vertex,
    # collections and lines take other paths: all agree with the geodesic area.
    x0, y0 = 41_500_000, 4_550_000
    shell = shapely.box(x0, y0, x0 + 200, y0 + 150)
    hole = shapely.box(x0 + 50, y0 + 40, x0 + 120, y0 + 90)
    touching = shapely.Polygon([(x0, y0), (x0 + 80, y0 + 10), (x0 + 10, y0 + 80)])
    bow = shapely.Polygon([(x0, y0), (x0 + 100, y0), (x0 + 50, y0 + 50), (x0, y0),
                           (x0 - 50, y0 + 50), (x0 - 100, y0), (x0, y0)])
    geoms = [
        shell,
        shapely.Polygon(shell.exterior.coords[::-1]),  # clockwise
        shapely.Polygon(shell.exterior.coords, [hole.exterior.coords]),
        shapely.Polygon(shell.exterior.coords, [touching.exterior.coords]),
        shapely.MultiPolygon([shell, shapely.box(x0 + 300, y0, x0 + 310, y0 + 10)]),
        shapely.MultiPolygon([shell]),
        bow,
        shapely.GeometryCollection([shell, shapely.LineString([(x0, y0), (x0 + 9, y0)])]),
        shapely.LineString([(x0, y0), (x0 + 9, y0 + 9)]),
        shapely.Point(x0, y0),
    ]
    ours = ellipsoidal_area(geoms, "EPSG:4529")
    geod = Geod(ellps="GRS80")
    lonlat = gpd.GeoSeries([shapely.segmentize(g, 1.0) for g in geoms], crs=4529).to_crs(4490)

    def geodesic(g: shapely.Geometry) -> float:
        if g.geom_type in ("GeometryCollection", "MultiPolygon"):
            return sum(geodesic(p) for p in g.geoms)
        if g.geom_type != "Polygon":
            return 0.0
        if g.equals(shapely.Polygon(g.exterior)) and not g.is_valid:  # the bowtie
            return sum(geodesic(p) for p in shapely.make_valid(g).geoms)
        holes = sum(abs(geod.geometry_area_perimeter(shapely.Polygon(r))[0])
                    for r in g.interiors)
        return abs(geod.geometry_area_perimeter(shapely.Polygon(g.exterior))[0]) - holes

    ref = np.array([geodesic(g) for g in lonlat])
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-9)
    assert ours[2] == pytest.approx(ours[0] * (1 - 70 * 50 / (200 * 150)), rel=1e-6)


def test_missing_and_empty_are_zero() -> None:
    out = ellipsoidal_area([None, shapely.Polygon(), shapely.box(0, 0, 1, 1)], "EPSG:4490")
    assert out[0] == 0
    assert out[1] == 0
    assert out[2] > 1e10


def test_planar_area_of_degrees_is_an_error() -> None:
    with pytest.raises(CRSError, match="geographic"):
        planar_area([shapely.box(0, 0, 1, 1)], "EPSG:4490")


def test_units() -> None:
    assert m2_to_mu(10_000 / 15)[()] == pytest.approx(1.0)
    assert m2_to_ha(25_000)[()] == pytest.approx(2.5)


def test_a_polygon_segmentize_rebuilds_keeps_its_area(monkeypatch: pytest.MonkeyPatch) -> None:
    # GEOS may rebuild a valid polygon while splitting its edges (libgeos/geos#1294) and
    # lose most of its area; such a rebuild is refused and the polygon measured as given.
    from redline.analysis import areas

    town = shapely.box(41_590_000, 4_540_000, 41_602_000, 4_549_000)
    ref = ellipsoidal_area([town], "EPSG:4529")[0]
    real = shapely.segmentize

    def rebuilds(geoms, seg):
        out = np.asarray(real(geoms, seg), dtype=object)
        return np.asarray([shapely.box(*shapely.bounds(g)[:2], *(shapely.bounds(g)[:2] + 1))
                           for g in out], dtype=object)

    monkeypatch.setattr(areas.shapely, "segmentize", rebuilds)
    kept = ellipsoidal_area([town], "EPSG:4529")[0]
    # Measured along its four chords: within 1e-5 of the densified figure, not 1 m2.
    assert kept == pytest.approx(ref, rel=1e-5)
    assert kept > 1e8
