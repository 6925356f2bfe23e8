"""A change patch (or farmland parcel) given twice under two ids is counted once.

The copy is listed as not judged, naming the feature it repeats; approvals and supply
keep their copies (a renewed document or a superseded contract covers the same land).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from redline.io.dataset import read_dataset

from conftest import X0, Y0, county_layers


def _county(folder: Path, **replaced: gpd.GeoDataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    layers = {**county_layers(), **replaced}
    for name, layer in layers.items():
        layer.to_file(folder / "county.gpkg", layer=name, driver="GPKG")
    return folder


def test_a_copied_change_patch_is_not_judged(tmp_path: Path) -> None:
    crs = county_layers()["XZQ"].crs
    patch = shapely.box(X0 + 100, Y0 + 100, X0 + 160, Y0 + 140)
    changes = gpd.GeoDataFrame(
        {"JCBH": ["c1", "c2", "c3"], "JCRQ": ["2025-06-01"] * 3},
        geometry=[patch, shapely.box(X0 + 300, Y0 + 300, X0 + 320, Y0 + 320), patch], crs=crs)
    ds = read_dataset(_county(tmp_path / "county", changes=changes))
    frame = ds["changes"]
    assert frame["_problem"].tolist() == ["", "", "duplicate geometry"]
    (copy,) = [p for p in ds.all_problems() if p.kind == "duplicate_geometry"]
    assert copy.feature_id == "c3"
    assert "the same geometry as 'c1'" in copy.problem
    # Counted once: the judged patches' area is the two distinct ones, by hand.
    judged = frame[frame["_problem"] == ""]
    assert judged.geometry.area.sum() == 60 * 40 + 20 * 20


def test_approvals_keep_their_copies(tmp_path: Path) -> None:
    crs = county_layers()["XZQ"].crs
    land = shapely.box(X0, Y0 + 200, X0 + 300, Y0 + 500)
    approvals = gpd.GeoDataFrame(
        {"PZWH": ["辽政地〔2009〕1号", "辽政地〔2012〕7号"], "PZRQ": ["2009-10-01", "2012-05-01"]},
        geometry=[land, land], crs=crs)
    ds = read_dataset(_county(tmp_path / "county", approvals=approvals))
    assert ds["approvals"]["_problem"].tolist() == ["", ""]
    assert not [p for p in ds.all_problems() if p.kind == "duplicate_geometry"]


def test_parts_that_only_share_bounds_and_area_are_not_copies(tmp_path: Path) -> None:
    crs = county_layers()["XZQ"].crs
    # Two triangles with the same bounding box and area, mirrored: not the same land.
    a = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (X0, Y0 + 100)])
    b = shapely.Polygon([(X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)])
    changes = gpd.GeoDataFrame({"JCBH": ["a", "b"], "JCRQ": ["2025-06-01"] * 2},
                               geometry=[a, b], crs=crs)
    ds = read_dataset(_county(tmp_path / "county", changes=changes))
    assert ds["changes"]["_problem"].tolist() == ["", ""]
