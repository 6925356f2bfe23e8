"""Input that once ended in a traceback now ends in one line naming the file and the fix.

Each case is one of issue 22's list, reproduced: an empty or ragged targets.csv, a
dataset with only the admin and farmland layers, ``report`` and ``map`` on a result
folder whose run.json, summary.csv or findings.gpkg is damaged, an approval's blank
是/否 in the map's popups, a county that crashes in a batch.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from redline.cli.main import cli
from redline.io.dataset import read_dataset

from conftest import county_layers, write_county, write_gbk_shapefile

AS_OF = "2026-06-30"


def _invoke(*args: str) -> tuple[int, str]:
    """Run the CLI; return its exit code and its error lines (never a traceback)."""
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    errors = [line for line in result.stderr.splitlines() if line.startswith("redline: error")]
    return result.exit_code, "\n".join(errors)


def _one_error(*args: str) -> str:
    code, errors = _invoke(*args)
    assert code == 1
    assert len(errors.splitlines()) == 1, errors
    return errors


# --- targets.csv ----------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_an_empty_targets_table_is_one_line_in_info_and_check(tmp_path: Path,
                                                              content: bytes) -> None:
    folder = write_county(tmp_path / "county", "shp")
    (folder / "targets.csv").write_bytes(content)
    for args in (("info", str(folder)),
                 ("check", str(folder), "--out", str(tmp_path / "out"), "--as-of", AS_OF)):
        error = _one_error(*args)
        assert "targets.csv: the table is empty" in error
        assert "fix: write the header admin_code,year," in error
    assert not (tmp_path / "out").exists()


def test_a_ragged_targets_row_is_listed_and_the_others_read(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "county", "shp")
    (folder / "targets.csv").write_text(
        "admin_code,year,farmland_target_ha\n210302,2025,100\n210302,2026,90,extra\n"
        "210302,2027,abc\n", encoding="utf-8")
    ds = read_dataset(folder)
    assert not ds.errors
    assert ds.targets is not None
    assert ds.targets["year"].tolist() == [2025, 2027]
    texts = [p.problem for p in ds.all_problems() if p.role == "targets"]
    assert any("row 2 has 4 cells, the header 3: not read" in t for t in texts)
    # Row numbers stay those of the file after a ragged row is left out.
    assert any(t.startswith("row 3: farmland_target_ha") for t in texts)
    assert all("\n" not in t for t in texts)


# --- a dataset with few layers --------------------------------------------------


def test_a_dataset_of_admin_and_farmland_only_is_checked(tmp_path: Path) -> None:
    folder = tmp_path / "county"
    folder.mkdir()
    layers = county_layers()
    for name in ("XZQ", "DLTB"):
        write_gbk_shapefile(layers[name], folder / f"{name}.shp")
    out = tmp_path / "out"
    code, errors = _invoke("check", str(folder), "--out", str(out), "--as-of", AS_OF)
    assert (code, errors) == (0, "")
    assert (out / "run.json").is_file()


# --- report and map on a damaged result folder ----------------------------------


@pytest.fixture(scope="module")
def result_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("results")
    folder = write_county(base / "county", "shp")
    out = base / "out"
    code, errors = _invoke("check", str(folder), "--out", str(out), "--as-of", AS_OF)
    assert code == 0, errors
    return out


def _drop_findings_layer(out: Path) -> None:
    gpkg = out / "findings.gpkg"
    features = gpd.read_file(gpkg, layer="features")
    gpkg.unlink()
    features.to_file(gpkg, layer="other")


DAMAGE = {
    "run.json is a list": (lambda o: (o / "run.json").write_text("[1, 2]"),
                           "run.json holds a list"),
    "run.json is not JSON": (lambda o: (o / "run.json").write_text("{"),
                             "run.json cannot be read"),
    "summary.csv is binary": (lambda o: (o / "summary.csv").write_bytes(
        bytes(range(256)) * 8), "summary.csv cannot be read"),
    "findings.gpkg truncated": (lambda o: (o / "findings.gpkg").write_bytes(
        (o / "findings.gpkg").read_bytes()[:5000]), "the findings cannot be read"),
    "findings.gpkg without its layer": (_drop_findings_layer, "the findings cannot be read"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", ["report", "map"])
def test_a_damaged_result_folder_is_one_line(result_folder: Path, tmp_path: Path,
                                             damage: str, command: str) -> None:
    spoil, words = DAMAGE[damage]
    copy = tmp_path / "copy"
    shutil.copytree(result_folder, copy)
    spoil(copy)
    error = _one_error(command, str(copy), "--out", str(tmp_path / "page.html"))
    assert words in error
    assert "fix: run `redline check` again with --overwrite" in error
    assert not (tmp_path / "page.html").exists()


# --- the map's popups -----------------------------------------------------------


def test_a_blank_yes_no_value_is_drawn_blank_in_the_map(tmp_path: Path) -> None:
    folder = tmp_path / "county"
    folder.mkdir()
    for name, frame in county_layers().items():
        blank = frame.assign(SFJBNT=["", None]) if "SFJBNT" in frame else frame
        write_gbk_shapefile(blank, folder / f"{name}.shp")
    approvals = read_dataset(folder)["approvals"]
    assert approvals["basic_farmland_approved"].isna().all()  # read as unknown, not as 否
    out = tmp_path / "out"
    code, errors = _invoke("check", str(folder), "--out", str(out), "--as-of", AS_OF)
    assert (code, errors) == (0, "")
    code, errors = _invoke("map", str(folder), "--out", str(tmp_path / "map.html"))
    assert (code, errors) == (0, "")


# --- batch ----------------------------------------------------------------------


def _crashing_check(dataset: str, out: str | os.PathLike[str], **_: object) -> None:
    """A check that fails as GEOS does on geometry it cannot take."""
    raise shapely.errors.GEOSException(
        "TopologyException: side location conflict at 1 2. This can occur if the input "
        "geometry is invalid.")


def test_a_county_that_crashes_in_a_batch_names_its_dataset(tmp_path: Path) -> None:
    from redline.tools.batch import run_batch

    root = tmp_path / "root"
    write_county(root / "a", "shp")
    result = run_batch(root, tmp_path / "out", check=_crashing_check, workers=1,
                       progress=False)
    (county,) = result.counties
    assert county.status == "failed"
    assert county.reason.startswith(f"{root / 'a'}: the check failed (GEOSException: ")
    assert "side location conflict" in county.reason
    assert "\n" not in county.reason
    assert "for the traceback" in county.reason
