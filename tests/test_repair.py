"""Repairs keep the land a feature covers; a layer of lines or points is refused.

Areas are checked against shapely's union of the parts, worked independently of the
reader, and against figures worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from redline.io.dataset import read_dataset
from redline.io.geometry import keep_area, repair_polygons

from conftest import X0, Y0, county_layers


def _write(folder: Path, role_layer: str, geometries: list[shapely.Geometry]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    layers = county_layers()
    frame = layers[role_layer]
    n = len(geometries)
    ids = [f"{role_layer}-{i}" for i in range(n)]
    first = frame.columns[0]
    layers[role_layer] = gpd.GeoDataFrame({first: ids}, geometry=geometries, crs=frame.crs)
    for name, layer in layers.items():
        layer.to_file(folder / "county.gpkg", layer=name, driver="GPKG")
    return folder


def test_overlapping_parts_keep_their_shared_area_once() -> None:
    a, b = shapely.box(0, 0, 20, 20), shapely.box(10, 10, 30, 30)
    two = shapely.MultiPolygon([a, b])
    assert not two.is_valid
    union = shapely.union(a, b).area  # 700, worked independently: 400 + 400 - 100
    assert union == 700.0
    assert keep_area(two).area == union
    assert shapely.make_valid(two).area == 600.0  # the old repair lost the shared 100


def test_a_hole_outside_its_shell_adds_no_land() -> None:
    shell = shapely.box(0, 0, 40, 40)
    geom = shapely.Polygon(shell.exterior.coords, [shapely.box(50, 50, 60, 60).exterior.coords])
    repaired = repair_polygons([geom])
    assert repaired.geometry[0].area == 1600.0  # the shell only
    assert "area changed from 1500.0 to 1600.0" in repaired.note[0]


def test_a_bow_tie_keeps_both_loops_without_a_note_of_change() -> None:
    bowtie = shapely.Polygon([(0, 0), (20, 20), (20, 0), (0, 20)])
    repaired = repair_polygons([bowtie])
    assert repaired.geometry[0].area == 200.0  # two triangles of 10 x 20 / 2
    assert "area changed from 0.0 to 200.0" in repaired.note[0]


def test_a_layer_read_keeps_the_union_area_of_overlapping_parts(tmp_path: Path) -> None:
    a = shapely.box(X0, Y0, X0 + 20, Y0 + 20)
    b = shapely.box(X0 + 10, Y0 + 10, X0 + 30, Y0 + 30)
    folder = _write(tmp_path / "county", "approvals",
                    [shapely.MultiPolygon([a, b]), shapely.box(X0 + 500, Y0, X0 + 600, Y0 + 50)])
    approvals = read_dataset(folder)["approvals"]
    assert approvals.geometry.iloc[0].area == pytest.approx(shapely.union(a, b).area)
    assert "invalid geometry repaired" in approvals["_note"].iloc[0]


@pytest.mark.parametrize(("geometries", "named"), [
    ([shapely.LineString([(X0, Y0), (X0 + 100, Y0)])] * 2, "only LineString"),
    ([shapely.Point(X0, Y0), shapely.Point(X0 + 1, Y0)], "only Point"),
])
def test_a_layer_of_lines_or_points_is_refused(tmp_path: Path, geometries: list,
                                               named: str) -> None:
    folder = _write(tmp_path / "county", "approvals", geometries)
    errors = read_dataset(folder).errors
    (error,) = [e for e in errors if e.kind == "wrong_geometry_type"]
    assert f"holds {named}, not polygons" in error.problem
    assert error.role == "approvals"


def test_one_line_among_polygons_is_listed_not_judged(tmp_path: Path) -> None:
    folder = _write(tmp_path / "county", "approvals",
                    [shapely.LineString([(X0, Y0), (X0 + 100, Y0)]),
                     shapely.box(X0, Y0, X0 + 100, Y0 + 100)])
    ds = read_dataset(folder)
    assert not ds.errors
    (bad,) = [p for p in ds.all_problems() if p.kind == "bad_geometry"]
    assert bad.feature_id == "approvals-0"
    assert "not a polygon (LineString)" in bad.problem
