"""A shapefile's parts checked against each other: no feature lost, each fault named."""

from __future__ import annotations

import struct
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from redline.cli.main import cli
from redline.io.dataset import read_dataset
from redline.io.shapefile import check_shapefile

X0, Y0 = 41_500_000.0, 4_550_000.0


def _approvals(folder: Path, n: int = 3) -> Path:
    """Write ``n`` approvals as a UTF-8 shapefile (with .cpg and .prj) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"PZWH": [f"辽政地〔2009〕{i}号" for i in range(n)], "PZRQ": ["2009-10-01"] * n},
        geometry=[shapely.box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(n)],
        crs="EPSG:4529")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, folder / "approvals.shp", encoding="utf-8")
    return folder / "approvals.shp"


def _drop_last_dbf_record(dbf: Path) -> None:
    """Make the .dbf one record shorter, header and body, as a careless export does."""
    data = bytearray(dbf.read_bytes())
    n, = struct.unpack("<I", data[4:8])
    header_len, record_len = struct.unpack("<HH", data[8:12])
    data[4:8] = struct.pack("<I", n - 1)
    dbf.write_bytes(bytes(data[:header_len + record_len * (n - 1)]) + b"\x1a")


def _kinds(folder: Path) -> list[str]:
    return [p.kind for p in read_dataset(folder).errors]


def _cli_error(folder: Path) -> str:
    result = CliRunner().invoke(cli, ["info", str(folder)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_dbf_with_fewer_records_than_the_shp_is_an_error_not_a_loss(tmp_path: Path) -> None:
    shp = _approvals(tmp_path / "ds")
    _drop_last_dbf_record(shp.with_suffix(".dbf"))
    # GDAL alone reads two features of three, without a word.
    assert len(pyogrio.read_dataframe(shp)) == 2
    ds = read_dataset(tmp_path / "ds")
    assert "approvals" not in ds.layers
    (error,) = ds.errors
    assert error.kind == "count_mismatch"
    assert error.path.endswith("approvals.shp")
    assert "3 features" in error.problem
    assert "2 records" in error.problem
    line = _cli_error(tmp_path / "ds")
    assert "approvals.shp" in line
    assert "fix: export the layer again" in line


def test_a_dbf_cut_short_is_named(tmp_path: Path) -> None:
    shp = _approvals(tmp_path / "ds")
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:-40])
    ds = read_dataset(tmp_path / "ds")
    assert _kinds(tmp_path / "ds") == ["truncated"]
    assert ".dbf is cut short" in ds.errors[0].problem


def test_a_shp_cut_short_is_named_whether_or_not_its_header_says_so(tmp_path: Path) -> None:
    shp = _approvals(tmp_path / "a")
    shp.write_bytes(shp.read_bytes()[:-60])
    assert _kinds(tmp_path / "a") == ["truncated"]
    # Cut, with the header made to agree: the .shx still points past the end.
    shp = _approvals(tmp_path / "b")
    data = bytearray(shp.read_bytes()[:-60])
    data[24:28] = struct.pack(">i", len(data) // 2)
    shp.write_bytes(bytes(data))
    (error,) = read_dataset(tmp_path / "b").errors
    assert error.kind == "truncated"
    assert "1 of its 3 features (from row 2)" in error.problem


@pytest.mark.parametrize(("fault", "kind", "words"), [
    ("no_shx", "missing_shx", ".shx"),
    ("empty_shp", "empty_shp", "0 bytes"),
    ("no_dbf", "missing_dbf", ".dbf"),
    ("broken_prj", "bad_prj", ".prj is not a CRS"),
    ("unknown_cpg", "bad_cpg", "KLINGON-42"),
    ("not_a_shp", "unreadable", "not a shapefile"),
])
def test_each_fault_of_a_part_has_its_own_message(tmp_path: Path, fault: str, kind: str,
                                                  words: str) -> None:
    shp = _approvals(tmp_path / "ds")
    if fault == "no_shx":
        shp.with_suffix(".shx").unlink()
    elif fault == "empty_shp":
        shp.write_bytes(b"")
    elif fault == "no_dbf":
        shp.with_suffix(".dbf").unlink()
    elif fault == "broken_prj":
        prj = shp.with_suffix(".prj")
        prj.write_text(prj.read_text()[:120])
    elif fault == "unknown_cpg":
        shp.with_suffix(".cpg").write_text("KLINGON-42")
    elif fault == "not_a_shp":
        shp.write_bytes(b"<html>not a shapefile</html>" * 10)
    assert _kinds(tmp_path / "ds") == [kind]
    line = _cli_error(tmp_path / "ds")
    assert words in line
    # The encoding is named only where the encoding is at fault.
    assert ("encoding" in line) == (fault == "unknown_cpg")


def test_a_zipped_shapefile_is_checked_too(tmp_path: Path) -> None:
    shp = _approvals(tmp_path / "parts")
    _drop_last_dbf_record(shp.with_suffix(".dbf"))
    (tmp_path / "ds").mkdir()
    with zipfile.ZipFile(tmp_path / "ds" / "approvals.zip", "w") as zf:
        for part in sorted(shp.parent.iterdir()):
            zf.write(part, part.name)
    assert _kinds(tmp_path / "ds") == ["count_mismatch"]


def test_whole_parts_pass(tmp_path: Path) -> None:
    shp = _approvals(tmp_path / "ds")
    assert check_shapefile(shp) == []
    assert read_dataset(tmp_path / "ds").layers["approvals"].count == 3


def test_a_damaged_geoparquet_is_not_called_an_encoding_problem(tmp_path: Path) -> None:
    shp = _approvals(tmp_path / "src")
    (tmp_path / "ds").mkdir()
    path = tmp_path / "ds" / "approvals.parquet"
    gpd.read_file(shp).to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    (error,) = read_dataset(tmp_path / "ds").errors
    assert error.kind == "unreadable"
    assert "GeoParquet" in error.problem
    assert "UTF-8" not in error.problem
