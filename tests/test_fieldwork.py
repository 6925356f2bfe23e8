"""The inspection loop on a sample county: cases out to the field, verdicts back, carried on.

``redline fieldwork`` -> verdicts filled in cases.gpkg (geopandas) and checklist.xlsx
(openpyxl) as inspectors would -> ``redline verdicts`` -> summary, findings.xlsx and report
-> ``redline check --previous`` a quarter later. Figures are checked against independent
computations: geopandas' overlay and dissolve, pyproj's geodesic areas, counts by hand.
"""

from __future__ import annotations

import datetime
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

import redline
from redline.analysis.cases import carry_verdicts, group_cases
from redline.cli.main import cli
from redline.errors import VerdictFileError
from redline.schema import VERDICTS

from test_contract import _names, _table

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
AS_OF = "2026-06-30"
NEXT = "2026-09-30"  # a quarter later: the idle clocks of more parcels have run out
KML = "{http://www.opengis.net/kml/2.2}"
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
GEOD = Geod(ellps="GRS80")


def _geodesic_m2(geom: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def _land(findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return findings[(findings["rule"] != "accountability_ratio").to_numpy()
                    & ~findings.geometry.is_empty.to_numpy()]


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first round: a check of tiedong and its field files."""
    root = tmp_path_factory.mktemp("loop")
    redline.check(SAMPLES / "tiedong", root / "run", as_of=AS_OF)
    redline.fieldwork(root / "run", root / "field")
    return {"root": root, "run": root / "run", "field": root / "field"}


@pytest.fixture(scope="module")
def cases(loop: dict[str, Path]) -> gpd.GeoDataFrame:
    return gpd.read_file(loop["field"] / "cases.gpkg", layer="cases")


# --- the cases ----------------------------------------------------------------------------


def test_every_finding_on_land_is_in_one_case_and_cases_share_no_land(
        loop: dict[str, Path], cases: gpd.GeoDataFrame) -> None:
    findings = gpd.read_file(loop["run"] / "findings.gpkg", layer="findings")
    land = _land(findings)
    listed = [i for ids in cases["finding_ids"] for i in ids.split(";")]
    assert sorted(listed) == sorted(land["finding_id"])  # each once, none left out
    # Cases share no area (overlay of the cases with themselves: only each with itself).
    pairs = gpd.overlay(cases[["case_id", "geometry"]], cases[["case_id", "geometry"]],
                        how="intersection", keep_geom_type=True)
    pairs = pairs[pairs["case_id_1"] != pairs["case_id_2"]]
    assert (pairs.area < 1e-6).all()
    # A change patch split between two townships is one visit.
    split = [ids for ids in cases["finding_ids"] if "210302-UC4/" in ids]
    assert len(split) == 1
    assert split[0].count("210302-UC4/") == 2


def test_case_areas_are_the_union_of_its_findings_on_the_ellipsoid(
        loop: dict[str, Path], cases: gpd.GeoDataFrame) -> None:
    findings = gpd.read_file(loop["run"] / "findings.gpkg", layer="findings")
    land = _land(findings).to_crs("EPSG:4490")
    by_id = dict(zip(land["finding_id"], land.geometry, strict=True))
    for case in cases.itertuples():
        union = shapely.union_all([by_id[i] for i in case.finding_ids.split(";")])
        assert case.area_m2 == pytest.approx(_geodesic_m2(union), rel=1e-6, abs=0.01)
        assert case.area_mu == pytest.approx(case.area_m2 / (10000 / 15), abs=1e-4)
    # Two findings on one parcel (approval and supply over the same basic farmland):
    # the case counts the land once, not twice.
    both = cases[cases["finding_ids"].str.contains("BFE2-A") & cases["finding_ids"].str.contains(
        "BFE2-S")]
    assert len(both) == 1
    parts = [by_id[i] for i in both.iloc[0]["finding_ids"].split(";")]
    assert both.iloc[0]["area_m2"] < sum(_geodesic_m2(p) for p in parts) - 1


def test_lon_lat_are_the_centroid_in_cgcs2000(cases: gpd.GeoDataFrame) -> None:
    centroids = cases.geometry.centroid.to_crs("EPSG:4490")
    assert np.allclose(cases["lon"], centroids.x, atol=1e-6)
    assert np.allclose(cases["lat"], centroids.y, atol=1e-6)


def test_cases_gpkg_has_a_coded_value_domain_on_verdict(loop: dict[str, Path]) -> None:
    path = loop["field"] / "cases.gpkg"
    with sqlite3.connect(path) as con:
        column = con.execute("SELECT constraint_name FROM gpkg_data_columns WHERE "
                             "table_name='cases' AND column_name='verdict'").fetchall()
        values = con.execute("SELECT value FROM gpkg_data_column_constraints WHERE "
                             "constraint_name='verdict' AND constraint_type='enum'").fetchall()
        extensions = con.execute("SELECT table_name FROM gpkg_extensions WHERE "
                                 "extension_name='gpkg_schema'").fetchall()
    assert column == [("verdict",)]
    assert sorted(v for (v,) in values) == sorted(["合法", "违法", "伪变化", "已整改", "其他"])
    assert {t for (t,) in extensions} == {"gpkg_data_columns", "gpkg_data_column_constraints"}
    info = pyogrio.read_info(path, layer="cases")
    assert "verdict" in list(info["fields"])


def _libgdal():
    """The GDAL library pyogrio runs on (bundled in its wheel, else the system's)."""
    import ctypes
    import ctypes.util

    bundled = sorted((Path(pyogrio.__file__).parent.parent / "pyogrio.libs").glob("libgdal*"))
    name = str(bundled[0]) if bundled else ctypes.util.find_library("gdal")
    if name is None:
        pytest.skip("no GDAL library found to open the GeoPackage with")
    return ctypes.CDLL(name)


def test_gdal_reads_verdict_as_a_coded_field_domain(loop: dict[str, Path]) -> None:
    """What QGIS and QField see: GDAL's own field-domain API on the written file."""
    import ctypes

    class CodedValue(ctypes.Structure):
        _fields_ = [("code", ctypes.c_char_p), ("value", ctypes.c_char_p)]

    gdal = _libgdal()
    gdal.GDALAllRegister()
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    for fn, res, args in [
            ("GDALOpenEx", vp, [cp, ctypes.c_uint, vp, vp, vp]),
            ("GDALClose", None, [vp]),
            ("GDALDatasetGetFieldDomain", vp, [vp, cp]),
            ("OGR_FldDomain_GetDomainType", ctypes.c_int, [vp]),
            ("OGR_CodedFldDomain_GetEnumeration", ctypes.POINTER(CodedValue), [vp]),
            ("GDALDatasetGetLayerByName", vp, [vp, cp]),
            ("OGR_L_GetLayerDefn", vp, [vp]),
            ("OGR_FD_GetFieldIndex", ctypes.c_int, [vp, cp]),
            ("OGR_FD_GetFieldDefn", vp, [vp, ctypes.c_int]),
            ("OGR_Fld_GetDomainName", cp, [vp])]:
        getattr(gdal, fn).restype = res
        getattr(gdal, fn).argtypes = args
    ds = gdal.GDALOpenEx(str(loop["field"] / "cases.gpkg").encode(), 4, None, None, None)
    assert ds
    try:
        domain = gdal.GDALDatasetGetFieldDomain(ds, b"verdict")
        assert domain
        assert gdal.OGR_FldDomain_GetDomainType(domain) == 0  # OFDT_CODED
        values = gdal.OGR_CodedFldDomain_GetEnumeration(domain)
        codes = []
        while values[len(codes)].code:
            codes.append(values[len(codes)].code.decode("utf-8"))
        assert sorted(codes) == sorted(VERDICTS)
        defn = gdal.OGR_L_GetLayerDefn(gdal.GDALDatasetGetLayerByName(ds, b"cases"))
        field = gdal.OGR_FD_GetFieldDefn(defn, gdal.OGR_FD_GetFieldIndex(defn, b"verdict"))
        assert gdal.OGR_Fld_GetDomainName(field) == b"verdict"
    finally:
        gdal.GDALClose(ds)


def test_the_checklist_has_a_drop_down_verdict(loop: dict[str, Path],
                                               cases: gpd.GeoDataFrame) -> None:
    book = openpyxl.load_workbook(loop["field"] / "checklist.xlsx")
    sheet = book.worksheets[0]
    head = [c.value for c in sheet[1]]
    col = openpyxl.utils.get_column_letter(head.index("核查结论") + 1)
    rules = sheet.data_validations.dataValidation
    assert len(rules) == 1
    rule = rules[0]
    assert rule.type == "list"
    assert rule.formula1.strip('"').split(",") == list(VERDICTS)
    assert str(rule.sqref) == f"{col}2:{col}{len(cases) + 1}"
    assert [sheet.cell(row=r, column=1).value for r in range(2, len(cases) + 2)] == list(
        cases["case_id"])


def test_cases_kml_parses_with_every_case_where_it_lies(loop: dict[str, Path],
                                                         cases: gpd.GeoDataFrame) -> None:
    root = ET.parse(loop["field"] / "cases.kml").getroot()
    marks = root.findall(f".//{KML}Placemark")
    assert [m.get("id") for m in marks] == list(cases["case_id"])
    wgs = cases.geometry.centroid.to_crs("EPSG:4326")
    for mark, pt in zip(marks, wgs, strict=True):
        lon, lat = map(float, mark.find(f".//{KML}Point/{KML}coordinates").text.split(","))
        assert (lon, lat) == pytest.approx((pt.x, pt.y), abs=1e-6)
        ring = mark.find(f".//{KML}outerBoundaryIs//{KML}coordinates").text.split()
        assert len(ring) >= 4


# --- the round trip -----------------------------------------------------------------------


def _fill_gpkg(path: Path, verdicts: dict[str, dict[str, str]]) -> None:
    """Fill verdicts in as a user would with geopandas: read, set, write back."""
    frame = gpd.read_file(path, layer="cases")
    for case_id, fields in verdicts.items():
        row = frame.index[frame["case_id"] == case_id][0]
        for name, value in fields.items():
            frame.loc[row, name] = value
    frame.to_file(path, layer="cases", driver="GPKG")


def _fill_xlsx(path: Path, verdicts: dict[str, dict[str, object]]) -> None:
    """Fill verdicts in as a user would with openpyxl: by header, then save."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    head = {c.value: c.column for c in sheet[1]}
    keys = {"verdict": "核查结论", "case_no": "立案编号", "checked_by": "核查人",
            "checked_on": "核查日期", "note": "备注"}
    for row in range(2, sheet.max_row + 1):
        case_id = sheet.cell(row=row, column=head["案件编号"]).value
        for name, value in verdicts.get(case_id, {}).items():
            sheet.cell(row=row, column=head[keys[name]], value=value)
    book.save(path)


@pytest.fixture(scope="module")
def imported(loop: dict[str, Path], cases: gpd.GeoDataFrame) -> dict[str, object]:
    """Verdicts of five cases: three in the GeoPackage, two in the workbook."""
    ids = list(cases["case_id"])
    field = loop["root"] / "field-filled"
    shutil.copytree(loop["field"], field)
    lawful = cases.loc[cases["finding_ids"].str.contains("SWA1"), "case_id"].iloc[0]
    unlawful = cases.loc[cases["finding_ids"].str.contains("BFE2-A"), "case_id"].iloc[0]
    others = [i for i in ids if i not in (lawful, unlawful)]
    in_gpkg = {
        unlawful: {"verdict": "违法", "case_no": "铁东立〔2026〕7号", "checked_by": "王",
                   "checked_on": "2026-07-15"},
        lawful: {"verdict": "合法", "checked_on": "2026-07-16", "note": "补办手续"},
        others[0]: {"verdict": "伪变化", "note": "大棚"},
    }
    in_xlsx = {
        others[1]: {"verdict": "rectified", "checked_on": datetime.datetime(2026, 7, 20)},
        others[2]: {"verdict": "已整改", "checked_on": "2026年7月21日"},
    }
    _fill_gpkg(field / "cases.gpkg", in_gpkg)
    _fill_xlsx(field / "checklist.xlsx", in_xlsx)
    done = redline.import_verdicts(loop["run"], [field / "cases.gpkg", field / "checklist.xlsx"])
    return {"done": done, "gpkg": in_gpkg, "xlsx": in_xlsx, "lawful": lawful,
            "unlawful": unlawful, "field": field}


def test_verdicts_from_both_files_are_imported(loop: dict[str, Path], imported: dict) -> None:
    table = pd.read_csv(loop["run"] / "verdicts.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    got = dict(zip(table["case_id"], table["verdict"], strict=True))
    expected = {k: v["verdict"] for k, v in imported["gpkg"].items()}
    expected |= dict.fromkeys(imported["xlsx"], "已整改")  # "rectified" read as 已整改
    assert got == expected
    dates = dict(zip(table["case_id"], table["checked_on"], strict=True))
    assert dates[imported["unlawful"]] == "2026-07-15"
    assert sorted(dates[k] for k in imported["xlsx"]) == ["2026-07-20", "2026-07-21"]
    numbers = dict(zip(table["case_id"], table["case_no"], strict=True))
    assert numbers[imported["unlawful"]] == "铁东立〔2026〕7号"
    assert imported["done"].imported == 5


def test_the_summary_counts_verdicts_per_township(loop: dict[str, Path], imported: dict,
                                                  cases: gpd.GeoDataFrame) -> None:
    summary = pd.read_csv(loop["run"] / "summary.csv", encoding="utf-8-sig",
                          dtype={"admin_code": str})
    judged = {**{k: v["verdict"] for k, v in imported["gpkg"].items()},
              **dict.fromkeys(imported["xlsx"], "已整改")}
    for row in summary.itertuples():
        mine = cases[cases["admin_code"].str.startswith(row.admin_code)]
        verdicts = [judged.get(c, "") for c in mine["case_id"]]
        assert row.verdict_cases == len(mine), row.admin_code
        assert row.verdict_unlawful == verdicts.count("违法")
        assert row.verdict_rectified == verdicts.count("已整改")
        assert row.verdict_cleared == verdicts.count("合法") + verdicts.count("伪变化")
        assert row.verdict_pending == verdicts.count("")
    county = summary[summary["admin_code"] == "210302"].iloc[0]
    assert (county.verdict_cases, county.verdict_pending) == (len(cases), len(cases) - 5)
    # What the check wrote is still there.
    assert "findings_count" in summary
    assert summary["findings_count"].sum() > 0


def _unlawful_findings(cases: gpd.GeoDataFrame) -> int:
    """Findings of the case judged 违法 in ``imported`` (the case of approval BFE2-A)."""
    ids = cases.loc[cases["finding_ids"].str.contains("BFE2-A"), "finding_ids"].iloc[0]
    return len(ids.split(";"))


def test_the_report_and_workbook_show_the_verdicts(loop: dict[str, Path],
                                                   imported: dict, cases: gpd.GeoDataFrame
                                                   ) -> None:
    page = (loop["run"] / "report.html").read_text(encoding="utf-8")
    assert 'id="verdicts"' in page
    row = re.search(r"<tr><td>210302</td>.*?</tr>", page.split('id="verdicts"')[1]).group(0)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    # Every case of the county (tiedong's quota_overrun among them), five with a verdict.
    assert cells[3:] == [str(len(cases)), "1", "2", "2", "0", str(len(cases) - 5)]
    book = openpyxl.load_workbook(loop["run"] / "findings.xlsx", read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    verdicts = [r[head.index("核查结论")] for r in rows[1:]]
    # Every finding of the case judged 违法 (several findings on one parcel).
    assert verdicts.count("违法") == _unlawful_findings(cases) > 1
    book.close()


def test_bad_verdict_files_are_rejected_with_every_bad_row_and_nothing_changes(
        loop: dict[str, Path], imported: dict, cases: gpd.GeoDataFrame,
        tmp_path: Path) -> None:
    ids = list(cases["case_id"])
    bad = tmp_path / "checklist.xlsx"
    shutil.copy(loop["field"] / "checklist.xlsx", bad)
    book = openpyxl.load_workbook(bad)
    sheet = book.worksheets[0]
    head = {c.value: c.column for c in sheet[1]}
    rows = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}

    def put(case_id: str, header: str, value: object) -> None:
        sheet.cell(row=rows[case_id], column=head[header], value=value)

    put(ids[0], "核查结论", "违法")  # valid
    put(ids[1], "核查结论", "maybe")  # outside the domain
    put(ids[2], "核查结论", "合法")
    put(ids[2], "核查日期", "2026-13-45")  # not a date
    put(ids[3], "核查结论", "合法")
    put(ids[3], "核查日期", "2099-01-01")  # in the future
    put(ids[4], "核查人", "李")  # filled in, but no verdict
    sheet.cell(row=sheet.max_row + 1, column=1, value="C9999")  # unknown case
    sheet.cell(row=sheet.max_row, column=head["核查结论"], value="违法")
    sheet.cell(row=sheet.max_row + 1, column=1, value=ids[0])  # the same case, another verdict
    sheet.cell(row=sheet.max_row, column=head["核查结论"], value="合法")
    book.save(bad)
    watched = ["verdicts.csv", "summary.csv", "findings.xlsx", "report.html"]
    before = {name: (loop["run"] / name).read_bytes() for name in watched}
    with pytest.raises(VerdictFileError) as caught:
        redline.import_verdicts(loop["run"], [bad])
    named = {int(m) for m in re.findall(r"row (\d+):", " ".join(caught.value.rows))}
    last = sheet.max_row
    assert named == {rows[ids[1]], rows[ids[2]], rows[ids[3]], rows[ids[4]], last - 1, last}
    assert len(caught.value.rows) == 6
    assert after_is(loop["run"], before)
    result = CliRunner().invoke(cli, ["verdicts", str(loop["run"]), str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("redline: error: ")
    assert all(f"row {n}:" in lines[0] for n in named)
    assert after_is(loop["run"], before)


def after_is(folder: Path, before: dict[str, bytes]) -> bool:
    return all((folder / name).read_bytes() == data for name, data in before.items())


def test_a_file_of_another_run_is_rejected(loop: dict[str, Path], imported: dict,
                                           tmp_path: Path) -> None:
    other = tmp_path / "cases.gpkg"
    frame = gpd.read_file(loop["field"] / "cases.gpkg", layer="cases")
    frame.loc[0, "finding_ids"] = "unapproved_construction/changes/elsewhere"
    frame.loc[0, "verdict"] = "违法"
    frame.to_file(other, layer="cases")
    with pytest.raises(VerdictFileError, match=r"row 1: .*C0001"):
        redline.import_verdicts(loop["run"], [other])


# --- the next round -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def next_round(loop: dict[str, Path], imported: dict) -> redline.CheckRun:
    return redline.check(SAMPLES / "tiedong", loop["root"] / "run2", as_of=NEXT,
                         previous=loop["run"])


def test_verdicts_are_carried_to_the_same_land(loop: dict[str, Path], imported: dict,
                                               next_round: redline.CheckRun) -> None:
    before = _land(gpd.read_file(loop["run"] / "findings.gpkg", layer="findings"))
    table = pd.read_csv(loop["run"] / "verdicts.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    verdict_of = {f: v for ids, v in zip(table["finding_ids"], table["verdict"], strict=True)
                  for f in ids.split(";")}
    before = before.assign(verdict=[verdict_of.get(f, "") for f in before["finding_id"]])
    now = _land(next_round.findings)
    # Independently: overlay this round's findings with the last round's, the share of
    # each finding inside each earlier one.
    now_ = now[["finding_id", "geometry"]].assign(own=now.area)
    pieces = gpd.overlay(now_, before[["finding_id", "verdict", "geometry"]],
                         how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.area / pieces["own"]
    pieces = pieces[pieces["share"] >= 0.5]
    judged = pieces[pieces["verdict"] != ""].sort_values("share", ascending=False)
    expected = judged.drop_duplicates("finding_id_1").set_index("finding_id_1")["verdict"]
    got = now.set_index("finding_id")["verdict"]
    assert got[got != ""].sort_index().to_dict() == expected.sort_index().to_dict()
    assert len(expected) >= 5
    new = set(now["finding_id"]) - set(pieces["finding_id_1"])
    assert set(now.loc[now["previous_finding"] == "", "finding_id"]) == new
    assert new  # the quarter brought new leads
    csv = pd.read_csv(next_round.out / "findings.csv", encoding="utf-8-sig", dtype=str,
                      keep_default_na=False)
    assert {"verdict", "verdict_on", "case_no", "previous_finding"} <= set(csv.columns)
    numbers = csv.loc[csv["verdict"] == "违法", "case_no"]
    assert set(numbers) == {"铁东立〔2026〕7号"}
    assert next_round.run["previous"]["carried"] == int((csv["verdict"] != "").sum())


def test_land_judged_lawful_is_not_sent_again(loop: dict[str, Path], imported: dict,
                                              next_round: redline.CheckRun) -> None:
    sent = redline.fieldwork(next_round.out, loop["root"] / "field2")
    lawful_land = imported["lawful"]
    assert len(sent.cleared) == 1
    cases_now = group_cases(next_round.findings)
    gone = cases_now[cases_now["case_id"] == sent.cleared[0]].iloc[0]
    assert "SWA1" in gone["finding_ids"]
    assert lawful_land
    assert not sent.cases["finding_ids"].str.contains("SWA1").any()
    unlawful = sent.cases[sent.cases["finding_ids"].str.contains("BFE2-A")]
    assert list(unlawful["previous_verdict"]) == ["违法"]
    assert len(sent.cases) == len(cases_now) - 1


def test_the_report_compares_the_rounds_per_township(next_round: redline.CheckRun,
                                                    cases: gpd.GeoDataFrame) -> None:
    page = (next_round.out / "report.html").read_text(encoding="utf-8")
    assert 'id="quarter"' in page
    table = page.split('id="quarter"')[1].split("</table>")[0]
    land = _land(next_round.findings)
    for code in ("210302", "210302001", "210302004"):
        mine = land[land["admin_code"].str.startswith(code)]
        expected = [
            int((mine["previous_finding"] == "").sum()),
            int((mine["verdict"] != "").sum()),
            int(((mine["verdict"] == "违法") & (mine["case_no"] != "")).sum()),
            int((mine["verdict"] == "已整改").sum()),
        ]
        row = re.search(rf"<tr><td>{code}</td>.*?</tr>", table).group(0)
        cells = [int(c.replace(",", "")) for c in re.findall(r'<td class="n">([^<]*)</td>', row)]
        assert cells == expected, code
    county = land
    assert int((county["verdict"] == "违法").sum()) == _unlawful_findings(cases)


# --- carrying, by hand ----------------------------------------------------------------------


def test_a_finding_takes_the_verdict_of_the_land_covering_half_of_it() -> None:
    crs = "EPSG:4529"
    x0, y0 = 41_500_000.0, 4_550_000.0

    def frame(ids: list[str], boxes: list[tuple[float, float, float, float]],
              **extra: list[str]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"finding_id": ids, "rule": ["unapproved_construction"] * len(ids), **extra},
            geometry=[shapely.box(x0 + a, y0 + b, x0 + c, y0 + d) for a, b, c, d in boxes],
            crs=crs)

    before = frame(["old-a", "old-b"], [(0, 0, 100, 100), (300, 0, 400, 100)],
                   verdict=["合法", "违法"], verdict_on=["2026-07-01", "2026-07-02"],
                   case_no=["", "立1"])
    now = frame(["n1", "n2", "n3", "n4"],
                [(40, 0, 140, 100),     # 60 % inside old-a
                 (360, 0, 460, 100),    # 40 % inside old-b: a new lead
                 (0, 0, 100, 100),      # the same land as old-a
                 (1000, 0, 1100, 100)])  # nowhere near
    out = carry_verdicts(now, before)
    assert list(out["verdict"]) == ["合法", "", "合法", ""]
    assert list(out["previous_finding"]) == ["old-a", "", "old-a", ""]
    assert list(out["verdict_on"]) == ["2026-07-01", "", "2026-07-01", ""]
    assert list(carry_verdicts(now, before, share=0.3)["case_no"]) == ["", "立1", "", ""]


# --- the command line and the contract ------------------------------------------------------


def test_the_command_filters_by_rule_and_township(loop: dict[str, Path],
                                                  cases: gpd.GeoDataFrame) -> None:
    out = loop["root"] / "field-uc"
    result = CliRunner().invoke(cli, ["fieldwork", str(loop["run"]), "--out", str(out),
                                      "--rules", "unapproved_construction",
                                      "--township", "210302003", "--lang", "en"])
    assert result.exit_code == 0, result.output
    sent = gpd.read_file(out / "cases.gpkg", layer="cases")
    expected = cases[cases["rules"].str.contains("unapproved_construction")
                     & cases["admin_code"].str.startswith("210302003")]
    assert list(sent["case_id"]) == list(expected["case_id"])  # the same ids as unfiltered
    assert f"{len(expected)} cases in" in result.output
    bad = CliRunner().invoke(cli, ["fieldwork", str(loop["run"]), "--out",
                                   str(loop["root"] / "x"), "--rules", "no_such_rule"])
    assert bad.exit_code == 1
    assert "no_such_rule" in bad.output
    inside = CliRunner().invoke(cli, ["fieldwork", str(loop["run"]), "--out",
                                      str(loop["run"] / "field")])
    assert inside.exit_code == 1
    assert not (loop["run"] / "field").exists()


def test_the_files_and_columns_are_those_documented(loop: dict[str, Path], imported: dict
                                                    ) -> None:
    files = {n for row in _table("Outputs of redline fieldwork") for n in _names(row["file"])}
    assert {p.name for p in loop["field"].iterdir()} == files
    columns = [_names(row["column"])[0] for row in _table("cases.gpkg layer cases")]
    assert list(pyogrio.read_info(loop["field"] / "cases.gpkg", layer="cases")["fields"]) == (
        columns)
    documented = [_names(row["column"])[0] for row in _table("verdicts.csv")]
    header = pd.read_csv(loop["run"] / "verdicts.csv", encoding="utf-8-sig", nrows=0)
    assert list(header.columns) == documented
    counts = {_names(row["column"])[0] for row in _table("summary.csv after redline verdicts")}
    summary = pd.read_csv(loop["run"] / "summary.csv", encoding="utf-8-sig", nrows=0)
    assert {c for c in summary.columns if c.startswith("verdict_")} == counts


# --- in the browser ---------------------------------------------------------------------------


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def hostile(loop: dict[str, Path]) -> Path:
    """Field files of a result folder whose names and messages hold markup."""
    run = loop["root"] / "run-xss"
    shutil.copytree(loop["run"], run)
    layers = {name: gpd.read_file(run / "findings.gpkg", layer=name)
              for name in ("findings", "features")}
    findings = layers["findings"]
    findings["admin_name"] = findings["admin_name"] + XSS
    findings["message"] = XSS + findings["message"]
    findings["regulation"] = findings["regulation"] + "]]></description>" + XSS
    (run / "findings.gpkg").unlink()
    for name, frame in layers.items():
        frame.to_file(run / "findings.gpkg", layer=name, driver="GPKG")
    redline.fieldwork(run, loop["root"] / "field-xss", lang="en")
    return loop["root"] / "field-xss"


@pytest.fixture(scope="module")
def browser(chromium: str):
    # conftest's chromium fixture skips without a browser, or fails under .ci/run.
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, path: Path) -> tuple[object, dict[str, list[str]]]:
    seen: dict[str, list[str]] = {"blocked": [], "errors": [], "dialogs": []}

    def route(r) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    page = browser.new_page()
    page.route("**/*", route)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def test_the_dossier_opens_offline_with_payloads_inert(browser, hostile: Path) -> None:
    cases = gpd.read_file(hostile / "cases.gpkg", layer="cases")
    page, seen = _open(browser, hostile / "dossier.html")
    facts = page.evaluate("""() => ({
        xss: window.__xss === undefined ? null : window.__xss,
        sections: document.querySelectorAll('section.case').length,
        maps: Array.from(document.querySelectorAll('svg.map')).map(s => [
            s.getBoundingClientRect().width, s.querySelectorAll('path.case').length]),
        scripts: document.scripts.length,
        imgs: document.images.length,
        text: document.body.innerText,
    })""")
    assert facts["xss"] is None
    assert seen == {"blocked": [], "errors": [], "dialogs": []}
    assert facts["scripts"] == 0
    assert facts["imgs"] == 0
    assert facts["sections"] == len(cases)
    assert all(width > 300 and n == 1 for width, n in facts["maps"])
    assert "<script>window.__xss=1</script>" in facts["text"]  # shown as text
    assert "J1" in facts["text"]
    page.close()


def test_the_dossier_draws_the_evidence_raster_under_each_case(
        loop: dict[str, Path], cases: gpd.GeoDataFrame) -> None:
    page = (loop["field"] / "dossier.html").read_text(encoding="utf-8")
    # tiedong's evidence.tif covers the county: every case's map has it.
    assert page.count('<image class="evidence"') == len(cases)
    assert page.count("<section class=\"case\"") == len(cases)


def test_the_evidence_window_is_the_raster_s_pixels_off_the_raster_none() -> None:
    import rasterio

    from redline.io.cases import read_evidence_window

    path = SAMPLES / "tiedong" / "evidence.tif"
    with rasterio.open(path) as src:
        pixels = src.read(1).astype(float)
        left, top = src.bounds.left, src.bounds.top
    pixels[pixels == 255] = np.nan  # nodata
    # 30 columns by 20 rows starting 40 pixels right of and 50 below the corner, and
    # the same box shifted 10 pixels off the raster's left edge.
    inside = read_evidence_window(path, (left + 400, top - 700, left + 700, top - 500),
                                  "EPSG:4529")
    np.testing.assert_array_equal(inside, pixels[50:70, 40:70])
    off = read_evidence_window(path, (left - 100, top - 700, left + 200, top - 500),
                               "EPSG:4529")
    assert np.isnan(off[:, :10]).all()
    np.testing.assert_array_equal(off[:, 10:], pixels[50:70, 0:20])
    assert read_evidence_window(path, (0, 0, 1, 1), "EPSG:4326") is None  # another CRS


def test_the_dossier_prints_one_page_per_case(browser, loop: dict[str, Path],
                                               cases: gpd.GeoDataFrame, tmp_path: Path
                                               ) -> None:
    page, _ = _open(browser, loop["field"] / "dossier.html")
    pdf = page.pdf(format="A4")
    page.close()
    try:
        import pypdf
    except ImportError:
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    else:
        import io

        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert pages == len(cases)


def test_the_kml_opens_in_the_browser_with_payloads_inert(browser, hostile: Path) -> None:
    root = ET.parse(hostile / "cases.kml").getroot()  # well-formed despite the payloads
    text = " ".join(root.itertext())
    assert "<script>window.__xss=1</script>" in text
    # Chromium downloads a .kml; the same bytes as .xml it parses and shows as a tree.
    shown = hostile / "cases-kml.xml"
    shutil.copy(hostile / "cases.kml", shown)
    page, seen = _open(browser, shown)
    xss = page.evaluate("() => window.__xss === undefined ? null : window.__xss")
    facts = page.evaluate("""() => ({
        scripts: document.getElementsByTagName('script').length,
        text: document.documentElement.textContent})""")
    assert xss is None
    assert facts["scripts"] == 0
    assert "<script>window.__xss=1</script>" in facts["text"]
    assert seen == {"blocked": [], "errors": [], "dialogs": []}
    page.close()
