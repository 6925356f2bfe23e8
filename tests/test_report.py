"""The inspection report: diff of two runs, report figures, escaping, the `report` command."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pyproj import Geod

from redline.analysis.ledger import county_ledger
from redline.analysis.summary import admin_units, summarise
from redline.cli.main import cli
from redline.io.results import RunOutput, read_results
from redline.io.write import write_csv, write_gpkg, write_json
from redline.report.diff import diff_by_admin, diff_findings
from redline.report.html import render_report
from redline.schema import RULES

import report_data as rd

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
MU = 10_000 / 15


def run_json(as_of: str = "2026-06-30") -> dict:
    return {"version": "0.1.0", "dataset": "samples/铁东" + XSS, "as_of": as_of, "lang": "zh",
            "working_crs": rd.CRS, "status": "ok",
            "inputs": [{"role": "approvals", "path": "approvals.shp", "sha256": "ab" * 32,
                        "crs": rd.CRS, "crs_inferred": False, "encoding": "gbk",
                        "encoding_detected": True, "count": 5}],
            "parameters": {"sliver_m2": 1.0, "criminal_basic_mu": 5.0, "note": XSS},
            "skipped": [{"rule": "evidence_mismatch", "reason": "no evidence raster"}]}


def summary_with_ledger(findings: gpd.GeoDataFrame) -> pd.DataFrame:
    layers = rd.layers()
    ledger = county_ledger(layers, rd.targets(), findings, as_of=rd.AS_OF)
    base = summarise(findings, admin_units(layers["admin"]))
    return base.merge(ledger.drop(columns=["admin_name", "level"]), on="admin_code",
                      how="left")


def write_run(folder: Path, findings: gpd.GeoDataFrame, *, as_of: str = "2026-06-30") -> Path:
    folder.mkdir(parents=True)
    write_gpkg(folder / "findings.gpkg", {"findings": findings})
    write_csv(folder / "findings.csv", pd.DataFrame(findings.drop(columns="geometry")))
    write_csv(folder / "summary.csv", summary_with_ledger(findings))
    write_json(folder / "run.json", run_json(as_of))
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    # Quarter 1: the four findings. Quarter 2: the idle case resolved, C9 new.
    q1 = write_run(root / "q1", rd.findings(XSS), as_of="2026-03-31")
    q2 = write_run(root / "q2", rd.findings(XSS, drop=("idle_1y/supply/S1",), add=True))
    return q1, q2


# --- diff ------------------------------------------------------------------------


def test_diff_marks_new_persisting_resolved() -> None:
    before = rd.findings()
    now = rd.findings(drop=("idle_1y/supply/S1",), add=True)
    diff = diff_findings(now, before).set_index("finding_id")
    assert diff.loc["unapproved_construction/changes/C9", "status"] == "new"
    assert diff.loc["idle_1y/supply/S1", "status"] == "resolved"
    persisting = {"unapproved_construction/changes/C1", "basic_farmland_encroachment/changes/C2",
                  "criminal_threshold/changes/C2"}
    assert set(diff.index[diff["status"] == "persisting"]) == persisting
    assert len(diff) == 5
    # A resolved finding keeps where it was, with no area now.
    assert diff.loc["idle_1y/supply/S1", "admin_code"] == "210302002"
    assert diff.loc["idle_1y/supply/S1", "area_m2"] == 0.0
    assert diff.loc["idle_1y/supply/S1", "area_prev_m2"] == pytest.approx(
        before.set_index("finding_id").loc["idle_1y/supply/S1", "area_m2"])


def test_diff_by_county_totals() -> None:
    before = rd.findings()
    now = rd.findings(drop=("idle_1y/supply/S1",), add=True)
    by = diff_by_admin(diff_findings(now, before)).set_index("admin_code")
    area = before.set_index("finding_id")["area_m2"]
    east = by.loc["210302"]
    assert (east["count_prev"], east["count_now"], east["count_change"]) == (4, 3, -1)
    assert (east["new"], east["persisting"], east["resolved"]) == (0, 3, 1)
    assert east["area_change_mu"] == pytest.approx(-area["idle_1y/supply/S1"] / MU)
    west = by.loc["210303"]
    assert (west["count_prev"], west["count_now"], west["new"]) == (0, 1, 1)
    assert west["area_now_mu"] == pytest.approx(1.0 * 1e4 / MU, rel=1e-3)  # 100 m x 100 m
    # Township level keeps the 9-digit codes apart.
    town = diff_by_admin(diff_findings(now, before), level="township").set_index("admin_code")
    assert town.loc["210302002", "resolved"] == 1


def test_diff_of_identical_runs_is_all_persisting() -> None:
    f = rd.findings()
    diff = diff_findings(f, f)
    assert set(diff["status"]) == {"persisting"}
    assert (diff["area_m2"] == diff["area_prev_m2"]).all()


# --- the page ----------------------------------------------------------------------


def cells(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                           page, flags=re.S)]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_report_figures_match_independent_values(runs: tuple[Path, Path]) -> None:
    q1, q2 = runs
    current = read_results(q2)
    page = render_report(current, lang="en", previous=read_results(q1))
    found = rd.findings(drop=("idle_1y/supply/S1",), add=True)
    assert f'id="total-findings">{len(found)}<' in page
    # Land counted once: the criminal case lies on C2's basic-farmland case, so the land
    # is three 100 x 100 m boxes, 3 ha = 45 mu (a sum over findings said 60).
    land = found[found["rule"] != "criminal_threshold"].to_crs("EPSG:4490").union_all()
    total_mu = abs(Geod(ellps="GRS80").geometry_area_perimeter(land)[0]) / MU
    assert total_mu == pytest.approx(45.0, rel=1e-4)
    assert re.search(r'id="total-area-mu">([\d,.]+)<', page).group(1) == f"{total_mu:,.2f}"
    # Farmland now, county 210302: pyproj.Geod over the farmland boxes, two decimals.
    farm = rd.layers()["farmland"]
    farm = farm[farm["land_code"].isin(["0101", "0102", "0103"]) & farm["admin_code"].str
                .startswith("210302")].to_crs("EPSG:4490")
    geod = Geod(ellps="GRS80")
    farm_ha = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in farm.geometry) / 1e4
    texts = cells(page)
    assert f"{farm_ha:,.2f}" in texts
    assert "30.00" in texts
    assert "16.00" in texts
    # Balance: the hand-set supplement (0.5 + 0.3 ha) and its weighted grade.
    assert "0.80" in texts
    assert "8.75" in texts
    # Diff counts.
    assert 'id="diff-new">1<' in page
    assert 'id="diff-persisting">3<' in page
    assert 'id="diff-resolved">1<' in page
    # English headers, parameters and skipped checks.
    assert "Farmland now, net (ha)" in page
    assert "Quantity balance (ha)" in page
    assert "sliver_m2" in texts
    assert "evidence_mismatch" in texts


def test_report_is_chinese_by_default_and_self_contained(runs: tuple[Path, Path]) -> None:
    page = render_report(read_results(runs[1]))
    assert "耕地保有量" in page
    assert "占补平衡" in page
    assert "重大案件" in page
    assert "Farmland now (ha)" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 6
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    assert "与上期比较" not in page  # no previous run given


def test_every_data_value_is_escaped(runs: tuple[Path, Path]) -> None:
    page = render_report(read_results(runs[1]), previous=read_results(runs[0]))
    assert "<script>window.__xss" not in page
    assert "onerror=\"window" not in page
    assert "<img src=x" not in page
    assert html.escape(XSS) in page
    assert page.count("<script") == 0


def test_report_without_ledger_columns(runs: tuple[Path, Path]) -> None:
    run = read_results(runs[1])
    bare = RunOutput(run.path, run.run, run.summary.iloc[:, :5], run.findings)
    page = render_report(bare, lang="en")
    assert "holds no ledger figures" in page
    empty = RunOutput(run.path, {}, pd.DataFrame(), run.findings.iloc[:0])
    assert 'id="total-findings">0<' in render_report(empty, lang="en")


# --- the command -------------------------------------------------------------------


def test_cli_report_with_previous(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["report", str(runs[1]), "--previous", str(runs[0]), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert 'id="diff-new">1<' in page
    assert "与上期比较" in page
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1
    assert "--overwrite" in again.output
    assert CliRunner().invoke(cli, [*args, "--overwrite", "--lang", "en"]).exit_code == 0
    assert "Change since the previous run" in out.read_text(encoding="utf-8")


def test_cli_report_bad_folder(tmp_path: Path) -> None:
    (tmp_path / "notarun").mkdir()
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "notarun"), "--out",
                                      str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "run.json is missing" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "broken"), "--out",
                                      str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "run.json cannot be read" in result.output


def test_read_results_keeps_codes_as_text(runs: tuple[Path, Path]) -> None:
    run = read_results(runs[0])
    assert run.summary["admin_code"].tolist()[0] == "210302"
    assert run.findings["admin_code"].str.len().min() == 9
    assert json.dumps(run.run)  # plain JSON content


def test_levels_and_severity_in_the_readers_language(runs: tuple[Path, Path]) -> None:
    run = read_results(runs[1])
    zh = cells(render_report(run))
    assert "乡镇" in zh
    assert "高" in zh
    assert "township" not in zh
    en = cells(render_report(run, lang="en"))
    assert "township" in en
    assert "high" in en


# --- on the samples, through the real check (skipped until both exist) --------------

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def sample_as_of() -> date:
    readme = SAMPLES.parent / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    found = re.search(r"as[- _]of\D{0,40}(\d{4}-\d{2}-\d{2})", text, flags=re.I)
    return date.fromisoformat(found.group(1)) if found else date(2026, 6, 30)


@pytest.mark.parametrize("county", ["tiedong"])
def test_samples_two_checks_a_year_apart(county: str, tmp_path: Path) -> None:
    from redline.tools.check import check

    as_of = sample_as_of()
    before = check(SAMPLES / county, tmp_path / "q1", as_of=as_of)
    later = as_of.replace(year=as_of.year + 1)
    now = check(SAMPLES / county, tmp_path / "q2", as_of=later)
    # Statuses against plain set arithmetic on the two findings tables.
    ids_before = set(pd.read_csv(tmp_path / "q1" / "findings.csv", encoding="utf-8-sig")
                     ["finding_id"])
    ids_now = set(pd.read_csv(tmp_path / "q2" / "findings.csv", encoding="utf-8-sig")
                  ["finding_id"])
    diff = diff_findings(read_results(tmp_path / "q2").findings,
                         read_results(tmp_path / "q1").findings)
    # A finding only now, on a feature that had a less severe one before (rule/layer/
    # feature ids; severities of schema.RULES), is an escalation: idle_1y a year later
    # is idle_2y. The earlier finding, gone, is folded into it rather than resolved.
    rank = {"low": 1, "medium": 2, "high": 3}

    def feature(fid: str) -> tuple[str, str]:
        _rule, layer, feat = fid.split("/")[:3]
        return layer, feat

    def sev(fid: str) -> int:
        return rank[RULES[fid.split("/", maxsplit=1)[0]]]

    escalated = {f for f in ids_now - ids_before
                 if any(feature(b) == feature(f) and sev(b) < sev(f) for b in ids_before)}
    replaced = {b for b in ids_before - ids_now
                if any(feature(b) == feature(f) and sev(b) < sev(f) for f in escalated)}
    assert {"idle_2y/supply/210302-IDLE1-S"} <= escalated  # idle_1y a year before
    assert set(diff.loc[diff["status"] == "escalated", "finding_id"]) == escalated
    assert set(diff.loc[diff["status"] == "new", "finding_id"]) == (
        ids_now - ids_before - escalated)
    assert set(diff.loc[diff["status"] == "resolved", "finding_id"]) == (
        ids_before - ids_now - replaced)
    assert set(diff.loc[diff["status"] == "persisting", "finding_id"]) == ids_now & ids_before
    page = render_report(read_results(tmp_path / "q2"), previous=read_results(tmp_path / "q1"))
    assert f'id="total-findings">{len(ids_now):,}<' in page
    assert f'id="diff-new">{len(ids_now - ids_before - escalated)}<' in page
    assert f'id="diff-escalated">{len(escalated)}<' in page
    # Farmland now, per county, against pyproj.Geod over the farmland layer.
    ds = now.dataset
    if "farmland" in ds:
        from redline.analysis.ledger import dataset_ledger

        led = dataset_ledger(ds, now.findings, as_of=later)
        farm = ds["farmland"]
        if "land_code" in farm:
            farm = farm[farm["land_code"].astype(str).str[:4].isin(["0101", "0102", "0103"])]
        if "_problem" in farm:
            farm = farm[farm["_problem"].fillna("") == ""]
        geod = Geod(ellps="GRS80")
        farm = farm[~farm.geometry.is_empty]
        lonlat = farm.to_crs("EPSG:4490")
        gross = np.asarray([abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat.geometry])
        # Net: each patch's area times TBDLMJ / TBMJ, as the sample's DLTB records them.
        net = gross * farm["net_area"].to_numpy(float) / farm["gross_area"].to_numpy(float)
        counties = led[led["level"] == "county"]
        assert counties["farmland_gross_ha"].sum() == pytest.approx(gross.sum() / 1e4,
                                                                   rel=1e-6)
        assert counties["farmland_ha"].sum() == pytest.approx(net.sum() / 1e4, rel=1e-6)
        assert counties["farmland_ha"].sum() < counties["farmland_gross_ha"].sum()
    assert before.out.exists()
