"""Farmland layers kept on disk: read in windows, they give back what a whole read holds."""

import datetime
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from redline.analysis.ledger import county_ledger
from redline.analysis.rules import accountability_inputs
from redline.io import spill
from redline.io.dataset import read_dataset
from redline.report.map import image_layers
from redline.tools.check import check

from conftest import X0, Y0

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
AS_OF = datetime.date(2026, 6, 30)
AREA = ("farmland", "basic_farmland")


def _same_frames(whole: gpd.GeoDataFrame, got: gpd.GeoDataFrame) -> None:
    assert list(got.columns) == list(whole.columns)
    assert len(got) == len(whole)
    for col in whole.columns:
        if col == whole.geometry.name:
            a = np.asarray(whole.geometry.values, dtype=object)
            b = np.asarray(got.geometry.values, dtype=object)
            assert all((x is None and y is None) or shapely.equals_exact(x, y, 0)
                       for x, y in zip(a, b, strict=True)), col
            continue
        assert got[col].dtype == whole[col].dtype, col
        for x, y in zip(whole[col].tolist(), got[col].tolist(), strict=True):
            assert x is y or x == y or (pd.isna(x) and pd.isna(y)), (col, x, y)


def _lines(problems: list) -> list[str]:
    return [f"{p.level} {p.kind} {p.line()}" for p in problems]


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(spill, "WINDOW", 97)
    return 97


@pytest.mark.parametrize("county", ["tiedong", "tiexi", "haicheng"])
def test_a_layer_read_in_windows_is_the_layer_read_whole(county: str, tmp_path: Path,
                                                         small_windows: int) -> None:
    whole = read_dataset(SAMPLES / county)
    part = read_dataset(SAMPLES / county, spill=AREA, spill_dir=tmp_path)
    assert part.working_crs == whole.working_crs
    assert _lines(part.all_problems()) == _lines(whole.all_problems())
    for role in AREA:
        disk = part.layers[role].spill
        assert disk is not None
        assert len(part[role]) == 0
        assert len(disk.files) == -(-whole.layers[role].count // small_windows) or (
            role == "farmland")  # a land-use layer is cut before the filter
        assert part.layers[role].count == whole.layers[role].count
        _same_frames(whole[role], disk.whole())
    for role in whole.layers:
        if role not in AREA:
            _same_frames(whole[role], part[role])


def test_every_format_reads_the_same_in_windows(county_any_format: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "WINDOW", 1)
    whole = read_dataset(county_any_format)
    part = read_dataset(county_any_format, spill=AREA, spill_dir=tmp_path)
    assert _lines(part.all_problems()) == _lines(whole.all_problems())
    parquet = county_any_format.name.endswith("parquet")
    for role in AREA:
        layer = part.layers[role]
        # GeoParquet is read whole; the GDAL formats window by window.
        assert (layer.spill is None) == parquet
        _same_frames(whole[role], layer.frame if parquet else layer.spill.whole())


def _box(x: float, y: float, w: float = 100.0) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + w)


def test_duplicates_and_bad_geometries_across_windows(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "WINDOW", 2)
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    farm = gpd.GeoDataFrame(
        {"feature_id": ["f1", "f2", "f1", "f3", "f2", None, "f4"],
         "land_code": ["0101", "0102", "0103", "0201", "0101", "0101", "x"]},
        geometry=[_box(0, 0), bowtie, _box(200, 0), None, _box(400, 0), _box(600, 0),
                  shapely.Point(X0, Y0)], crs="EPSG:4529")
    folder = tmp_path / "county"
    folder.mkdir()
    farm.to_file(folder / "DLTB.gpkg")
    whole = read_dataset(folder)
    part = read_dataset(folder, spill=AREA, spill_dir=tmp_path / "disk")
    got = part.layers["farmland"].spill.whole()
    _same_frames(whole["farmland"], got)
    assert got["_problem"].tolist().count("duplicate id") == 2
    assert _lines(part.all_problems()) == _lines(whole.all_problems())
    assert any("filtered out" in p.problem for p in part.all_problems())


def test_within_and_meeting_find_what_the_frame_finds(tmp_path: Path,
                                                      small_windows: int) -> None:
    whole = read_dataset(SAMPLES / "tiexi")["farmland"]
    disk = read_dataset(SAMPLES / "tiexi", spill=AREA, spill_dir=tmp_path).layers[
        "farmland"].spill
    x0, y0, x1, y1 = whole.total_bounds
    area = shapely.box(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    rows = np.unique(whole.sindex.query(area, predicate="intersects"))
    assert 0 < len(rows) < len(whole)
    _same_frames(whole.iloc[rows].reset_index(drop=True), disk.within(area))
    probes = np.array([shapely.box(x0, y0, x0 + 500, y0 + 500),
                       shapely.Point((x0 + x1) / 2, (y0 + y1) / 2).buffer(300)])
    rows = np.unique(whole.sindex.query(probes, predicate="intersects")[1])
    _same_frames(whole.iloc[rows].reset_index(drop=True), disk.meeting(probes))


def test_the_ledger_and_the_ratio_inputs_from_disk_are_those_of_the_whole(
        tmp_path: Path, small_windows: int) -> None:
    whole = read_dataset(SAMPLES / "haicheng")
    part = read_dataset(SAMPLES / "haicheng", spill=AREA, spill_dir=tmp_path)
    run = check(whole, tmp_path / "out", as_of=AS_OF, tiles=None, progress=False)
    layers = {r: ly.frame for r, ly in whole.layers.items()}
    held = {r: ly.frame for r, ly in part.layers.items()}
    spilled = {r: part.layers[r].spill for r in AREA}
    one = county_ledger(layers, whole.targets, run.findings, as_of=AS_OF)
    disk = county_ledger(held, part.targets, run.findings, as_of=AS_OF, spilled=spilled)
    assert len(one) > 1
    assert one["farmland_ha"].notna().all()
    pd.testing.assert_frame_equal(disk, one)  # exactly: the same sums in the same order
    a = accountability_inputs(layers, as_of=AS_OF)
    b = accountability_inputs(held, as_of=AS_OF, spilled=spilled)
    for role in AREA:
        assert 0 < len(b[role]) < len(layers[role])
        _same_frames(a[role].reset_index(drop=True), b[role])


def test_a_layer_on_disk_draws_the_same_image(tmp_path: Path, small_windows: int) -> None:
    whole = read_dataset(SAMPLES / "tiexi")
    part = read_dataset(SAMPLES / "tiexi", spill=AREA, spill_dir=tmp_path)
    spilled = {r: part.layers[r].spill for r in AREA}
    one = image_layers({r: whole[r] for r in AREA}, max_vector_features=100)
    disk = image_layers({r: part[r] for r in AREA}, max_vector_features=100, spilled=spilled)
    assert list(one) == list(disk) == list(AREA)
    for key in AREA:
        assert disk[key][0] == one[key][0]  # the PNG, its bounds and count
        np.testing.assert_array_equal(disk[key][1], one[key][1])


@pytest.mark.parametrize("county", ["tiedong", "haicheng"])
def test_a_tiled_check_from_disk_writes_what_one_held_in_memory_writes(
        county: str, tmp_path: Path, small_windows: int) -> None:
    # A dataset read beforehand is held whole; a path is read window by window.
    held = check(read_dataset(SAMPLES / county), tmp_path / "held", as_of=AS_OF,
                       tiles=(2, 2), progress=False)
    disk = check(SAMPLES / county, tmp_path / "disk", as_of=AS_OF, tiles=(2, 2),
                       progress=False)
    assert all(held.dataset.layers[r].spill is None for r in AREA)
    assert all(disk.dataset.layers[r].spill is not None for r in AREA)
    # The report lists the run's parameters, and so which layers were on disk.
    on_disk = (b"&quot;on_disk&quot;: [&quot;basic_farmland&quot;, &quot;farmland&quot;]",
               b"&quot;on_disk&quot;: []")
    for name in ("findings.csv", "summary.csv", "map.html", "report.html", "features.csv"):
        if (tmp_path / "held" / name).exists():
            got = (tmp_path / "disk" / name).read_bytes()
            if name == "report.html":
                assert on_disk[0] in got
                got = got.replace(*on_disk)
            assert got == (tmp_path / "held" / name).read_bytes(), name
    a, b = (json.loads((tmp_path / d / "run.json").read_text(encoding="utf-8"))
            for d in ("held", "disk"))
    assert a["parameters"]["tiles"].pop("on_disk") == []
    assert b["parameters"]["tiles"].pop("on_disk") == sorted(AREA)
    for key in a:
        if key != "timings":
            assert b[key] == a[key], key
    # The features were in the temporary folder, gone with it; the counts stay.
    assert disk.dataset.layers["farmland"].spill.whole().empty
    assert disk.dataset.layers["farmland"].count == held.dataset.layers["farmland"].count


def test_one_pass_never_spills(tmp_path: Path) -> None:
    run = check(SAMPLES / "tiexi", tmp_path / "one", as_of=AS_OF, tiles=None,
                      progress=False)
    assert all(layer.spill is None for layer in run.dataset.layers.values())


def test_a_geopackage_with_fid_gaps_reads_the_same_in_windows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    monkeypatch.setattr(spill, "WINDOW", 3)
    farm = gpd.GeoDataFrame({"feature_id": [f"f{i}" for i in range(12)],
                             "land_code": ["0101"] * 12},
                            geometry=[_box(150 * i, 0) for i in range(12)], crs="EPSG:4529")
    folder = tmp_path / "county"
    folder.mkdir()
    farm.to_file(folder / "farmland.gpkg", layer="farmland")
    with sqlite3.connect(folder / "farmland.gpkg") as db:  # features deleted in an editor
        db.execute("DELETE FROM farmland WHERE fid IN (2, 3, 7)")
    picked: list[str | None] = []
    fid_range = spill._fid_range
    monkeypatch.setattr(spill, "_fid_range",
                        lambda *a: picked.append(fid_range(*a)) or picked[-1])
    whole = read_dataset(folder)
    part = read_dataset(folder, spill=AREA, spill_dir=tmp_path / "disk")
    disk = part.layers["farmland"].spill
    assert len(disk.files) == 3
    assert picked == ['"fid" >= 1 AND "fid" <= 5', '"fid" >= 6 AND "fid" <= 9',
                      '"fid" >= 10 AND "fid" <= 12']
    assert whole["farmland"]["_row"].tolist() == list(range(9))
    _same_frames(whole["farmland"], disk.whole())


def test_a_wrong_crs_stops_a_layer_on_disk_as_one_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "WINDOW", 2)
    folder = tmp_path / "county"
    folder.mkdir()
    gk = [_box(150 * i, 0) for i in range(5)]
    gpd.GeoDataFrame({"feature_id": [f"f{i}" for i in range(5)], "land_code": ["0101"] * 5},
                     geometry=gk, crs="EPSG:4490").to_file(folder / "farmland.gpkg")
    gpd.GeoDataFrame({"change_id": ["c"]}, geometry=[gk[0]],
                     crs="EPSG:4529").to_file(folder / "changes.gpkg")
    whole = read_dataset(folder)
    part = read_dataset(folder, spill=AREA, spill_dir=tmp_path / "disk")
    wrong = [p for p in whole.errors if p.kind == "wrong_crs"]
    assert len(wrong) == 1
    assert "outside the area of the layer's CRS EPSG:4490" in wrong[0].problem
    # The same errors; the coordinates named are those of the first window read.
    assert [(p.kind, p.path) for p in part.errors] == [(p.kind, p.path) for p in whole.errors]
    assert "CRS EPSG:4490 (X 41500000.." in part.errors[0].problem
    with pytest.raises(Exception, match="outside the area"):  # the check stops on it
        check(folder, tmp_path / "out", as_of=AS_OF, tiles=(2, 2), progress=False)


def test_a_full_disk_is_one_line_naming_the_fix(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import subprocess
    import sys

    from redline.errors import RedlineError

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", full)
    with pytest.raises(RedlineError, match="No space left on device") as info:
        check(SAMPLES / "tiexi", tmp_path / "out", as_of=AS_OF, tiles=(2, 2),
                    progress=False)
    assert "TMPDIR" in info.value.line()
    assert not (tmp_path / "out").exists()  # nothing half-written
    # On the command line: one line, exit code 1, no traceback.
    script = ("import errno, sys, geopandas as gpd\n"
              "def full(*a, **k): raise OSError(errno.ENOSPC, 'No space left on device')\n"
              "gpd.GeoDataFrame.to_parquet = full\n"
              "from redline.cli.main import cli\n"
              f"sys.argv = ['redline', 'check', {str(SAMPLES / 'tiexi')!r}, '--out', "
              f"{str(tmp_path / 'cli')!r}, '--tiles', '2x2', '--as-of', '2026-06-30']\n"
              "cli()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("redline: error:")
    assert "TMPDIR" in done.stderr
