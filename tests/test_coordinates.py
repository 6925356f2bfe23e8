"""Coordinates that cannot be right: NaN, infinite, huge, in degrees inside a metric layer.

Each such feature keeps its row, without its geometry, and is listed as not judged with
the reason; a layer none of whose features lies where its CRS can be is an error naming
the CRS the coordinates fit. Never a traceback, in ``info`` or in ``check``.
"""

from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from pyproj import CRS

from redline.cli.main import cli
from redline.io.dataset import read_dataset

from conftest import write_county


def _patch_vertex(shp: Path, value: float, *, record: int = 0, vertex: int = 1) -> None:
    """Write ``value`` as the X of one vertex of one polygon, in the .shp's bytes."""
    data = bytearray(shp.read_bytes())
    offset = 100
    for _ in range(record):
        offset += 8 + 2 * struct.unpack(">i", data[offset + 4:offset + 8])[0]
    content = offset + 8
    n_parts, = struct.unpack("<i", data[content + 36:content + 40])
    at = content + 44 + 4 * n_parts + 16 * vertex
    data[at:at + 8] = struct.pack("<d", value)
    shp.write_bytes(bytes(data))


def _county(tmp_path: Path) -> Path:
    return write_county(tmp_path / "county", "shp")


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("value", "words"), [
    (float("nan"), "not numbers"),
    (float("inf"), "not numbers"),
    (1e300, "outside the CRS's area"),
    (41_500_000.0 * 1000, "outside the CRS's area"),  # typed with three digits too many
])
def test_a_feature_with_wrong_coordinates_is_not_judged(tmp_path: Path, value: float,
                                                         words: str) -> None:
    folder = _county(tmp_path)
    _patch_vertex(folder / "approvals.shp", value)
    ds = read_dataset(folder)
    assert not ds.errors
    (bad,) = [p for p in ds.all_problems() if p.kind == "bad_coordinates"]
    assert bad.feature_id == "辽政地〔2009〕1号"
    assert words in bad.problem
    approvals = ds["approvals"]
    assert approvals.geometry.isna().tolist() == [True, False]
    assert words in approvals["_problem"].iloc[0]

    code, _, _ = _invoke("info", str(folder))
    assert code == 0
    out = tmp_path / "out"
    code, _, _ = _invoke("check", str(folder), "--out", str(out), "--as-of", "2026-06-30")
    assert code == 0
    features = gpd.read_file(out / "findings.gpkg", layer="features")
    mine = features[features["layer"] == "approvals"].set_index("feature_id")
    assert len(mine) == 2  # every approval read is in the output
    assert mine.loc["辽政地〔2009〕1号", "status"] == "not_judged"
    assert words in mine.loc["辽政地〔2009〕1号", "reason"]


def test_one_feature_in_degrees_inside_a_metric_layer_is_not_judged(tmp_path: Path) -> None:
    folder = _county(tmp_path)
    frame = gpd.read_file(folder / "approvals.shp", encoding="gbk")
    frame.loc[0, "geometry"] = gpd.GeoSeries.from_xy([123.0], [41.0]).buffer(0.001).iloc[0]
    for part in folder.glob("approvals.*"):
        part.unlink()
    frame.to_file(folder / "approvals.shp", encoding="gbk")
    ds = read_dataset(folder)
    (bad,) = [p for p in ds.all_problems() if p.kind == "bad_coordinates"]
    assert "X 123..123" in bad.problem
    code, _, _ = _invoke("check", str(folder), "--out", str(tmp_path / "out"))
    assert code == 0


def test_a_prj_without_the_zone_prefix_over_8_digit_x_names_the_zone(tmp_path: Path) -> None:
    folder = _county(tmp_path)
    # CGCS2000 3-degree GK CM 123E, without the zone prefix: X should have 6 digits.
    (folder / "approvals.prj").write_text(CRS("EPSG:4549").to_wkt("WKT1_ESRI"))
    (error,) = read_dataset(folder).errors
    assert error.kind == "wrong_crs"
    assert "EPSG:4549" in error.problem
    assert 'crs = "EPSG:4529"' in error.fix
    code, _, err = _invoke("check", str(folder), "--out", str(tmp_path / "out"))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "zone prefix 41" in err


def test_a_prj_of_another_planet_is_named(tmp_path: Path) -> None:
    folder = _county(tmp_path)
    (folder / "approvals.prj").write_text(
        'PROJCS["x",GEOGCS["y",DATUM["z",SPHEROID["a",1,0]]],'
        'PROJECTION["Transverse_Mercator"],UNIT["metre",1]]')
    (error,) = read_dataset(folder).errors
    assert error.kind == "bad_prj"
    assert "not the Earth's" in error.problem
    code, _, err = _invoke("info", str(folder))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
