import json
import subprocess
import sys
import warnings

import pytest
from click.testing import CliRunner

from redline.cli.main import cli
from redline.tools.info import info

from conftest import SAMPLES, county_layers, write_gbk_shapefile


def _bad_county(folder):
    """A county whose farmland has no .prj and 6-digit X: its CRS cannot be inferred."""
    import geopandas as gpd

    folder.mkdir()
    layers = county_layers()
    layers["XZQ"].to_file(folder / "admin.gpkg")
    dltb = layers["DLTB"]
    moved = gpd.GeoDataFrame(dltb.drop(columns="geometry"),
                             geometry=dltb.geometry.translate(xoff=-41_000_000).values)
    write_gbk_shapefile(moved, folder / "DLTB.shp", prj=False)
    return folder


def test_info_report(county_shp):
    report = info(county_shp)
    assert report.ok
    assert report.working_crs == "EPSG:4529"
    by_role = {ly.role: ly for ly in report.layers}
    assert by_role["farmland"].count == 3
    assert by_role["farmland"].encoding == "gbk"
    assert by_role["farmland"].encoding_detected
    assert by_role["farmland"].fields["land_code"] == "DLBM"
    assert report.missing_roles == ["changes", "supplement"]


def test_cli_info_good_dataset(county_shp):
    result = CliRunner().invoke(cli, ["info", str(county_shp)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "working CRS: EPSG:4529" in out
    assert "farmland: " in out
    assert "DLTB.shp" in out
    assert "encoding: gbk (detected)" in out
    assert "land_code <- DLBM" in out
    assert "features: 3" in out
    assert "0 errors" in out


def test_cli_info_json(county_shp):
    result = CliRunner().invoke(cli, ["info", str(county_shp), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["working_crs"] == "EPSG:4529"
    roles = {ly["role"]: ly for ly in data["layers"]}
    assert roles["admin"]["count"] == 1
    assert any(p["kind"] == "encoding_detected" for p in data["problems"])


def test_cli_info_bad_dataset_exits_1_with_one_line_errors(tmp_path):
    folder = _bad_county(tmp_path / "坏县")
    result = CliRunner().invoke(cli, ["info", str(folder)])
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("redline: error:")]
    assert len(errors) == 1
    assert "DLTB.shp" in errors[0]
    assert "; fix: " in errors[0]
    assert "Traceback" not in result.output


def test_cli_info_crs_option_fixes_it(tmp_path):
    folder = _bad_county(tmp_path / "县")
    result = CliRunner().invoke(cli, ["info", str(folder), "--crs", "EPSG:4550"])
    assert result.exit_code == 0, result.output


def test_cli_info_missing_dataset(tmp_path):
    result = CliRunner().invoke(cli, ["info", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_cli_info_bad_toml_names_the_key(county_shp):
    (county_shp / "redline.toml").write_text("[layers.farmland]\ncolour = 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["info", str(county_shp)])
    assert result.exit_code == 1
    assert "colour" in result.stderr
    assert "Traceback" not in result.output


def test_real_command_in_a_subprocess(county_shp):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proc = subprocess.run(
            [sys.executable, "-c", "from redline.cli.main import cli; cli()", "info",
             str(county_shp)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "铁东区" in proc.stdout  # Chinese folder name, printed as is


@pytest.mark.parametrize("name", ["tiedong", "tiexi", "haicheng"])
def test_samples_read(name):
    folder = SAMPLES / name
    result = CliRunner().invoke(cli, ["info", str(folder)])
    assert result.exit_code == 0, result.output
    report = info(folder)
    assert report.layers
    assert all(ly.count > 0 for ly in report.layers)
