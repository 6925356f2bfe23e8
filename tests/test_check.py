"""`redline check` end to end on the three sample counties, and its contract."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from pyproj import Geod

from redline.analysis.rules import accountability_inputs
from redline.errors import OutputExistsError
from redline.io.dataset import read_dataset
from redline.schema import RULES
from redline.tools.check import CheckRun, check
from redline.tools.fork import SideJobs

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

AS_OF = datetime.date(2026, 6, 30)
COUNTIES = ["tiedong", "tiexi", "haicheng"]
GEOD = Geod(ellps="GRS80")


def _geod_area(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Ellipsoidal area by pyproj's geodesic polygon area (independent of redline's)."""
    lonlat = frame.to_crs(4490)
    geoms = lonlat.geometry if isinstance(lonlat, gpd.GeoDataFrame) else lonlat
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in geoms])


@pytest.fixture(scope="module", params=COUNTIES)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> CheckRun:
    out = tmp_path_factory.mktemp("check") / request.param
    return check(SAMPLES / request.param, out, as_of=AS_OF, progress=False)


def _planted(county: str) -> list[dict[str, object]]:
    return json.loads((SAMPLES / county / "planted.json").read_text(encoding="utf-8"))


def test_finds_exactly_the_planted_cases(run: CheckRun) -> None:
    county = run.out.name
    # Every planted case of a rule (not the data problems, which are no rules).
    planted = [p for p in _planted(county) if p["rule"] in RULES]
    found = set(zip(run.findings["rule"], run.findings["layer"], run.findings["feature_id"],
                    strict=True))
    positive = {(p["rule"], p["layer"], p["feature_id"]) for p in planted if p["finding"]}
    negative = {(p["rule"], p["layer"], p["feature_id"]) for p in planted if not p["finding"]}
    assert positive <= found, f"missed: {sorted(positive - found)}"
    assert not (negative & found), f"false alarms: {sorted(negative & found)}"
    assert found == positive, f"unplanted findings: {sorted(found - positive)}"


def test_unapproved_construction_areas_match_an_independent_overlay(
        run: CheckRun) -> None:
    layers = run.dataset.layers
    changes = layers["changes"].frame
    changes = changes[changes["_problem"] == ""]
    # Construction classes only (三调, DOMAIN.md): a patch now orchard or 设施农用地 is
    # farmland_loss or facility_agriculture, not construction.
    code = changes["land_code"].astype(str)
    changes = changes[(code.str[:2].isin(["05", "06", "07", "08", "09", "10"])
                       & (code != "1006")) | code.isin(["1109", "1201"])]
    # Only approvals cover, from their date; basic farmland only a State Council one.
    approvals = layers["approvals"].frame
    approvals = approvals[approvals.is_valid & ~approvals.is_empty]
    basic = layers["basic_farmland"].frame[["geometry"]]
    whole = (approvals["authority"].astype(str).str.contains("国务院|State Council")
             & approvals["basic_farmland_approved"].astype(bool))
    cover = pd.concat([approvals[whole],
                       gpd.overlay(approvals[~whole], basic, how="difference")],
                      ignore_index=True)
    parts = [gpd.overlay(group[["change_id", "geometry"]],
                         cover[cover["approved_on"] <= day][["geometry"]], how="difference")
             for day, group in changes.groupby("detected_on")]
    uncovered = pd.concat(parts, ignore_index=True)
    expected = pd.Series(_geod_area(uncovered), index=uncovered["change_id"]).groupby(
        level=0).sum()
    got = run.findings[run.findings["rule"] == "unapproved_construction"]
    got = got.groupby("feature_id")["area_m2"].sum()
    assert len(got) > 0
    assert set(got.index) == set(expected.index[expected >= 1.0])
    for fid, area in got.items():
        assert area == pytest.approx(expected[fid], rel=1e-6), fid


def test_hand_computed_areas_of_planted_patches(run: CheckRun) -> None:
    county_code = {"tiedong": "210302", "tiexi": "210303", "haicheng": "210381"}[run.out.name]
    f = run.findings
    uc = f[f["rule"] == "unapproved_construction"].groupby("feature_id")["area_m2"].sum()
    # From planted.json: sizes laid out in metres on the GK plane; ellipsoidal areas differ
    # by the GK scale (< 0.03 % within 100 km of the central meridian).
    hand = {"UC1": 2000, "UC2": 4000, "UC3": 3600, "UC4": 4800, "UC5": 3600,
            "CR1": 4000, "CR3": 7000}
    for key, m2 in hand.items():
        assert uc[f"{county_code}-{key}"] == pytest.approx(m2, rel=3e-4), key
    # The patch across a township line is one finding per township.
    uc4 = f[(f["rule"] == "unapproved_construction") & (f["feature_id"] == f"{county_code}-UC4")]
    assert uc4["admin_code"].nunique() == 2
    assert uc4["finding_id"].is_unique
    # mu is m2 / (10000/15).
    np.testing.assert_allclose(f["area_mu"], f["area_m2"] * 15 / 10_000)


def test_features_hold_every_input(run: CheckRun) -> None:
    for role in ("approvals", "supply", "changes"):
        n_in = run.dataset.layers[role].count
        assert int((run.features["layer"] == role).sum()) == n_in
        assert run.run["counts"][role] == {"in": n_in, "out": n_in}
    bad = run.features[run.features["status"] == "not_judged"]
    assert (bad["reason"] != "").all()
    flagged = run.features[run.features["status"] == "finding"]
    assert set(flagged["feature_id"]) <= set(run.findings["feature_id"])


@pytest.mark.parametrize("run", ["haicheng"], indirect=True)
def test_unjudgeable_features_are_carried_with_their_reason(run: CheckRun) -> None:
    # haicheng is the sample with a null geometry, a duplicate id and invalid polygons.
    bad = run.features[run.features["status"] == "not_judged"]
    assert len(bad) >= 2  # a null geometry and a duplicate id are planted
    assert bad["reason"].str.contains("duplicate").any()
    assert bad["rules"].eq("").all()
    repaired = run.features[run.features["note"].str.contains("repaired", case=False)]
    assert len(repaired) >= 1  # invalid geometries were repaired and judged
    assert (repaired["status"] != "not_judged").all()


def test_run_json_says_how_figures_were_made(run: CheckRun) -> None:
    record = json.loads((run.out / "run.json").read_text(encoding="utf-8"))
    assert record["working_crs"] == "EPSG:4529"
    assert record["parameters"]["sliver_m2"] == 1.0
    assert "ellipsoidal" in record["parameters"]["area"]
    assert record["as_of"] == "2026-06-30"
    for item in record["inputs"]:
        assert len(item["sha256"]) == 64
    assert record["findings_total"] == len(run.findings)
    assert record["status"] == "finished"


def test_outputs_in_chinese_without_mojibake(run: CheckRun) -> None:
    for name in ("findings.gpkg", "findings.csv", "findings.xlsx", "summary.csv", "run.json",
                 "map.html", "report.html"):
        assert (run.out / name).is_file(), name
    raw = (run.out / "findings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "平方米" in text
    assert "亩" in text
    assert "Ë®" not in text
    assert "\ufffd" not in text
    back = gpd.read_file(run.out / "findings.gpkg", layer="findings")
    assert back["message"].str.contains(r"[\u4e00-\u9fff]").all()
    areal = back["rule"].isin(["unapproved_construction", "basic_farmland_encroachment",
                               "supply_without_approval", "criminal_threshold"])
    assert back.loc[areal, "message"].str.contains("亩").all()
    book = openpyxl.load_workbook(run.out / "findings.xlsx")
    sheet = book["问题清单"]
    headers = [c.value for c in sheet[1]]
    assert {"问题编号", "面积(平方米)", "面积(亩)", "说明"} <= set(headers)
    summary = pd.read_csv(run.out / "summary.csv", encoding="utf-8-sig", dtype={"admin_code": str})
    assert summary["admin_name"].fillna("").str.contains(r"[\u4e00-\u9fff]").sum() >= 3


def test_summary_counts_nest(run: CheckRun) -> None:
    s = run.summary.set_index("admin_code")
    county = [c for c in s.index if len(c) == 6]
    assert len(county) == 1
    towns = [c for c in s.index if len(c) == 9]
    geod = Geod(ellps="GRS80")
    for rule in ("unapproved_construction", "idle_1y", "basic_farmland_encroachment"):
        assert s.loc[county[0], f"{rule}_count"] == s.loc[towns, f"{rule}_count"].sum()
        # Distinct land: the union of the rule's findings, measured by pyproj.Geod. The
        # planted BFE2 approval and its supply lie on the same basic farmland, which
        # counts once (a sum over findings counted it twice).
        mine = run.findings[run.findings["rule"] == rule].to_crs("EPSG:4490")
        land = abs(geod.geometry_area_perimeter(mine.union_all())[0])
        assert s.loc[county[0], f"{rule}_m2"] == pytest.approx(land, abs=0.05)
    if run.out.name == "tiedong":
        bfe = run.findings[run.findings["rule"] == "basic_farmland_encroachment"]
        assert bfe["area_m2"].sum() == pytest.approx(3 * 32400, abs=1.0)  # three findings
        assert s.loc[county[0], "basic_farmland_encroachment_m2"] == pytest.approx(
            2 * 32400, abs=1.0)  # on two pieces of land


def test_english_headers(tmp_path: Path) -> None:
    out = check(SAMPLES / "tiexi", tmp_path / "en", as_of=AS_OF, lang="en",
                      progress=False)
    headers = [c.value for c in openpyxl.load_workbook(out.out / "findings.xlsx")["Findings"][1]]
    assert {"Finding id", "Area (m2)", "Area (mu)", "Explanation"} <= set(headers)
    areal = out.findings["rule"].isin(["unapproved_construction", "basic_farmland_encroachment",
                                        "supply_without_approval", "criminal_threshold"])
    assert out.findings.loc[areal, "message"].str.contains(" mu").all()


def test_missing_layers_skip_their_rules(tmp_path: Path) -> None:
    src = SAMPLES / "tiexi" / "tiexi.gpkg"
    folder = tmp_path / "partial"
    folder.mkdir()
    for layer in ("admin", "farmland", "changes", "approvals"):
        frame = gpd.read_file(src, layer=layer)
        frame.to_file(folder / "county.gpkg", layer=layer, driver="GPKG")
    (folder / "redline.toml").write_text(
        '[layers.farmland]\nfilter = ["0101", "0102", "0103"]\n', encoding="utf-8")
    out = check(folder, tmp_path / "out", as_of=AS_OF, progress=False)
    skipped = {item["rule"]: item["reason"] for item in out.run["skipped"]}
    assert "basic_farmland_encroachment" in skipped
    assert "idle_1y" in skipped
    assert "supply" in skipped["idle_1y"]
    assert set(out.findings["rule"]) <= {"unapproved_construction", "criminal_threshold",
                                         "accountability_ratio", "approved_not_supplied",
                                         "farmland_loss", "facility_agriculture"}
    assert (out.findings["rule"] == "unapproved_construction").any()


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    with pytest.raises(OutputExistsError):
        check(SAMPLES / "tiexi", out, as_of=AS_OF, progress=False)
    assert (out / "keep.txt").read_text() == "earlier results"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redline.cli", *args], capture_output=True,
                          text=True, check=False, timeout=300)


def test_cli_exit_codes(tmp_path: Path) -> None:
    ok = _cli("check", str(SAMPLES / "tiexi"), "--out", str(tmp_path / "a"), "--as-of",
              "2026-06-30", "--lang", "en")
    assert ok.returncode == 0, ok.stderr
    assert "findings" in ok.stdout
    again = _cli("check", str(SAMPLES / "tiexi"), "--out", str(tmp_path / "a"))
    assert again.returncode == 1
    assert "--overwrite" in again.stderr
    assert "Traceback" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    missing = _cli("check", str(tmp_path / "nowhere"), "--out", str(tmp_path / "b"))
    assert missing.returncode == 1
    assert "nowhere" in missing.stderr
    assert "Traceback" not in missing.stderr
    usage = _cli("check", str(SAMPLES / "tiexi"), "--out", str(tmp_path / "c"), "--as-of",
                 "30/06/2026")
    assert usage.returncode == 2
    assert not (tmp_path / "b").exists()
    assert not (tmp_path / "c").exists()


def test_log_level_and_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(SAMPLES / "tiexi"), "--as-of", "2026-06-30"]
    loud = _cli("-v", "check", *args, "--out", str(tmp_path / "v"))
    assert loud.returncode == 0, loud.stderr
    assert "overlap rules done in" in loud.stderr  # each step is logged at -v
    quiet = _cli("-q", "check", *args, "--out", str(tmp_path / "q"))
    assert quiet.returncode == 0, quiet.stderr
    assert "done in" not in quiet.stderr
    assert "skipped" not in quiet.stderr  # warnings too are silenced by -q
    default = _cli("check", *args, "--out", str(tmp_path / "d"))
    assert "done in" not in default.stderr
    # Not a terminal: no progress bar; asked for one, it counts the steps.
    assert "redline check:" not in default.stderr
    check(SAMPLES / "tiexi", tmp_path / "p", as_of=AS_OF, progress=True)
    bar = capsys.readouterr().err
    assert "redline check" in bar
    assert "8/8" in bar  # every step counted, the bar full at the end


@pytest.mark.parametrize("shape", [(3, 2), (2, 3)])
def test_tiles_give_the_same_results_as_one_pass(shape: tuple[int, int], tmp_path: Path
                                                 ) -> None:
    one = check(SAMPLES / "tiedong", tmp_path / "one", as_of=AS_OF, tiles=None,
                      progress=False)
    tiled = check(SAMPLES / "tiedong", tmp_path / "tiled", as_of=AS_OF, tiles=shape,
                        progress=False)
    a = one.findings.set_index("finding_id").sort_index()
    b = tiled.findings.set_index("finding_id").sort_index()
    assert list(a.index) == list(b.index)
    assert "accountability_ratio/admin/210302" in b.index  # county-wide, computed once
    np.testing.assert_allclose(b["area_m2"], a["area_m2"], rtol=1e-6)
    ratio = [i for i in a.index if i.startswith("accountability_ratio/")]
    np.testing.assert_allclose(b.loc[ratio, ["ratio", "approved_m2"]].to_numpy(float),
                               a.loc[ratio, ["ratio", "approved_m2"]].to_numpy(float), rtol=1e-9)
    key = ["layer", "feature_id"]
    fa = one.features.sort_values(key, ignore_index=True)
    fb = tiled.features.sort_values(key, ignore_index=True)
    assert fa["status"].tolist() == fb["status"].tolist()
    assert fa["rules"].tolist() == fb["rules"].tolist()
    np.testing.assert_allclose(fb["uncovered_m2"].astype(float).fillna(-1),
                               fa["uncovered_m2"].astype(float).fillna(-1), rtol=1e-6, atol=1e-6)


def test_tiles_spread_over_a_process_pool(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    one = check(SAMPLES / "tiexi", tmp_path / "one", as_of=AS_OF, tiles=None,
                      progress=False)
    with ProcessPoolExecutor(2) as pool:
        tiled = check(SAMPLES / "tiexi", tmp_path / "pool", as_of=AS_OF, tiles=(2, 2),
                            executor=pool, progress=False)
    assert sorted(one.findings["finding_id"]) == sorted(tiled.findings["finding_id"])


# --------------------------------------------------------------------------- work beside the rules


def _pid() -> int:
    import os

    return os.getpid()


def _fails_in_a_child(parent: int) -> str:
    import os

    if os.getpid() != parent:
        raise MemoryError("no room in the child")
    return "done here"


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the Linux path")
def test_side_jobs_run_in_a_forked_process_and_redoes_what_fails_there() -> None:
    import os
    from functools import partial

    here = os.getpid()
    side = SideJobs([_pid, partial(_fails_in_a_child, here), _pid])
    assert side.result(2)[0] != here  # answers may be taken in any order
    assert side.result(0)[0] != here
    assert side.result(1)[0] == "done here"
    assert SideJobs([_pid], now=True).result(0)[0] == here


def test_side_jobs_fall_back_to_a_thread_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import os

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert SideJobs([_pid]).result(0)[0] == os.getpid()


def test_work_done_beside_the_rules_is_the_work_done_in_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from redline.report import map as report_map

    plain = check(SAMPLES / "tiedong", tmp_path / "plain", as_of=AS_OF, progress=False)
    # Draw every context layer of a sample as an image, as for a large county:
    # the images, the supply rules and the quota rule are then worked out in a forked
    # process.
    monkeypatch.setattr(report_map, "MAX_VECTOR_FEATURES", 5)
    out = check(SAMPLES / "tiedong", tmp_path / "out", as_of=AS_OF, progress=False)
    assert "map images (beside the rules)" in out.run["timings"]
    assert "supply rules (beside the overlap rules)" in out.run["timings"]
    assert "quota rule (beside the overlap rules)" in out.run["timings"]
    assert "supply rules (beside the overlap rules)" not in plain.run["timings"]
    cols = ["finding_id", "rule", "area_m2", "message"]
    pd.testing.assert_frame_equal(out.findings[cols], plain.findings[cols])
    for name, table in plain.tables.items():
        pd.testing.assert_frame_equal(out.tables[name], table)
    page = (out.out / "map.html").read_text(encoding="utf-8")
    layers = {role: layer.frame for role, layer in out.dataset.layers.items()}
    inline = report_map.map_html(report_map.build_map(
        layers, out.findings, offline=True, lang="zh",
        title=page.split("<title>")[1].split("</title>")[0]))
    assert '"kind": "raster"' in page or '"kind":"raster"' in page
    assert page == inline
    # The ledger is worked out in a forked process while the findings and the map are
    # written here, the report while the tables are.
    assert "ledger (beside the findings)" in out.run["timings"]
    assert "report (beside the tables)" in out.run["timings"]
    assert "report (beside the tables)" not in plain.run["timings"]
    assert "ledger (beside the findings)" not in plain.run["timings"]
    pd.testing.assert_frame_equal(out.summary, plain.summary)
    assert ((out.out / "report.html").read_text(encoding="utf-8")
            == (plain.out / "report.html").read_text(encoding="utf-8"))


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the Linux path")
def test_pages_that_fail_beside_the_tables_are_written_whole_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from redline.report import html
    from redline.report import map as report_map

    plain = check(SAMPLES / "tiedong", tmp_path / "plain", as_of=AS_OF, progress=False)
    monkeypatch.setattr(report_map, "MAX_VECTOR_FEATURES", 5)  # work beside, as a large county
    here, render = os.getpid(), html.render_report

    def dies_half_way(*args: object, **kwargs: object) -> str:
        if os.getpid() != here:  # the child leaves half a page behind and fails
            (staged,) = (tmp_path / "out").parent.glob(".out.tmp-*")
            (staged / f".report.html.tmp-{os.getpid()}").write_text("<html><bo")
            raise MemoryError("no room in the child")
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(html, "render_report", dies_half_way)
    out = check(SAMPLES / "tiedong", tmp_path / "out", as_of=AS_OF, progress=False)
    assert sorted(p.name for p in out.out.glob(".*")) == [".redline"]
    assert ((out.out / "report.html").read_text(encoding="utf-8")
            == (plain.out / "report.html").read_text(encoding="utf-8"))
    assert (out.out / "map.html").stat().st_size > 0


def test_the_county_wide_pass_of_a_tiled_run_reads_only_the_year() -> None:
    ds = read_dataset(SAMPLES / "tiedong")
    layers = {role: layer.frame for role, layer in ds.layers.items()}
    changes = layers["changes"].copy()
    changes.loc[changes.index[:20], "detected_on"] = pd.Timestamp(2025, 5, 1)
    layers["changes"] = changes
    cut = accountability_inputs(layers, as_of=AS_OF)
    detected = pd.to_datetime(cut["changes"]["detected_on"])
    assert set(cut["changes"]["change_id"]) == set(changes["change_id"][20:])
    assert (detected >= pd.Timestamp(2026, 1, 1)).all()
    assert (detected <= pd.Timestamp(AS_OF)).all()
    assert len(cut["farmland"]) < len(layers["farmland"])
    assert len(cut["admin"]) == len(layers["admin"])
    # The approvals kept are those meeting the year's patches (their coverage decides the
    # unlawful pieces), found independently by geopandas; the year's approvals are no
    # longer read for themselves, since the ratio's denominator is the patches' farmland.
    meeting = gpd.sjoin(layers["approvals"], cut["changes"][["geometry"]],
                        predicate="intersects")
    assert set(cut["approvals"]["approval_id"]) == set(meeting["approval_id"])


def test_a_zipped_county_with_a_raster_and_targets_is_checked(tmp_path: Path) -> None:
    # Its raster and targets are named in the zip (the extract is gone by the time
    # run.json is written), and hashed there: the sha256 of the files zipped.
    import hashlib
    import zipfile

    folder = SAMPLES / "haicheng"
    archive = tmp_path / "海城市.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"haicheng/{p.name}")
    run = check(archive, tmp_path / "out", as_of=AS_OF, progress=False)
    inputs = {item["role"]: item for item in run.run["inputs"]}
    for role, name in (("evidence", "evidence.tif"), ("targets", "targets.csv")):
        assert inputs[role]["path"] == f"/vsizip/{archive}/haicheng/{name}"
        assert inputs[role]["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    assert "evidence_mismatch" in set(run.findings["rule"])  # the raster was read in the zip
    assert run.summary["farmland_target_ha"].notna().any()
