"""The county figures an official signs, each against areas worked by hand (issue 15).

Small layers on the central meridian of CGCS2000 GK zone 41 (EPSG:4529), where the scale
factor is 1, so a w x h metre box holds w*h m2 on the ellipsoid to about 1e-6; the
figures are also checked against pyproj.Geod and geopandas.overlay where a shape is cut.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from redline.analysis.farmland import net_method, net_share
from redline.analysis.findings import make_findings
from redline.analysis.ledger import county_ledger
from redline.analysis.quota import quota_findings
from redline.analysis.rules import vector_findings
from redline.analysis.summary import summarise
from redline.io.supplement import read_unit
from redline.model import Layer

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0
AS_OF = datetime.date(2026, 6, 30)
HA = 10_000.0
GEOD = Geod(ellps="GRS80")


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def frame(geoms: list, **columns: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(dict(columns), geometry=geoms, crs=CRS)


def geod_ha(f: gpd.GeoDataFrame) -> float:
    """Ellipsoidal area in ha by pyproj.Geod on lon/lat (independent of redline)."""
    lonlat = f.to_crs("EPSG:4490")
    return sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat.geometry) / HA


def county(w: float = 4000, h: float = 3000, code: str = "210302") -> gpd.GeoDataFrame:
    return frame([box(-1000, -1000, w, h)], admin_code=[code], admin_name=["铁东区"])


def no_findings() -> gpd.GeoDataFrame:
    return make_findings([], crs=CRS)


# --- net farmland ---------------------------------------------------------------------


def net_layers() -> dict[str, gpd.GeoDataFrame]:
    # F1: 三调 with KCMJ only, 2 ha gross, 0.2 ha ridges: net share 0.9.
    # F2: 二调 with KCXS 0.05, 1 ha: net 0.95 ha. F3: no area field, 1 ha: nothing deducted.
    farmland = frame([box(0, 0, 200, 100), box(300, 0, 100, 100), box(500, 0, 100, 100)],
                     feature_id=["F1", "F2", "F3"], land_code=["0103", "0101", "0102"],
                     gross_area=[20_000.0, 10_000.0, np.nan],
                     deduction_area=[2_000.0, np.nan, np.nan],
                     deduction_share=[np.nan, 0.05, np.nan])
    # Basic farmland B1 on F1 with its own net area (YJJBNTMJ) of 1.7 ha.
    basic = frame([box(0, 0, 200, 100)], feature_id=["B1"], net_area=[17_000.0])
    # An approval of this year over half of F1: 1 ha gross, 0.9 ha net.
    approvals = frame([box(0, 0, 100, 100)], approval_id=["A1"],
                      approved_on=[datetime.date(2026, 3, 1)])
    return {"admin": county(), "farmland": farmland, "basic_farmland": basic,
            "approvals": approvals}


def test_net_share_and_method_from_kcmj_kcxs_and_geometry() -> None:
    layers = net_layers()
    assert net_share(layers["farmland"]).tolist() == pytest.approx([0.9, 0.95, 1.0])
    assert net_share(layers["basic_farmland"]).tolist() == pytest.approx([17_000 / 20_000],
                                                                       rel=1e-6)
    method = net_method(layers["farmland"])
    assert method["patches"] == {"KCXS": 1, "KCMJ": 1, "geometry": 1}


def test_farmland_now_is_net_and_the_margin_turns_on_it() -> None:
    layers = net_layers()
    # Target 3.9 ha: gross 4 ha would meet it by 0.1 ha; net 1.8 + 0.95 + 1 = 3.75 ha
    # falls 0.15 ha short. Basic farmland: net 1.7 ha against 1.8 ha.
    targets = pd.DataFrame({"admin_code": ["210302"], "year": [2026],
                            "farmland_target_ha": [3.9], "basic_farmland_target_ha": [1.8],
                            "quota_ha": [10.0], "quota_released_ha": [10.0]})
    row = county_ledger(layers, targets, no_findings(), as_of=AS_OF).set_index(
        "admin_code").loc["210302"]
    gross = geod_ha(layers["farmland"])
    assert gross == pytest.approx(4.0, rel=1e-5)
    assert row["farmland_gross_ha"] == pytest.approx(gross, rel=1e-7)
    net = geod_ha(layers["farmland"].iloc[[0]]) * 0.9 + geod_ha(
        layers["farmland"].iloc[[1]]) * 0.95 + geod_ha(layers["farmland"].iloc[[2]])
    assert row["farmland_ha"] == pytest.approx(net, rel=1e-7)
    assert row["farmland_ha"] == pytest.approx(3.75, rel=1e-5)
    assert row["farmland_margin_ha"] == pytest.approx(-0.15, abs=1e-4)
    assert row["basic_farmland_ha"] == pytest.approx(1.7, rel=1e-5)
    assert row["basic_farmland_gross_ha"] == pytest.approx(2.0, rel=1e-5)
    assert row["basic_farmland_margin_ha"] == pytest.approx(-0.1, abs=1e-4)
    # Occupied by the approval: half of F1, net in F1's proportion.
    assert row["occupied_farmland_gross_ha"] == pytest.approx(1.0, rel=1e-5)
    assert row["occupied_farmland_ha"] == pytest.approx(0.9, rel=1e-5)


# --- the supplement's unit ----------------------------------------------------------------


def supplement_layer(added: list[float]) -> Layer:
    # Two projects of 1 ha and 2 ha of land.
    f = frame([box(0, 0, 100, 100), box(200, 0, 200, 100)], project_id=["P1", "P2"],
              farmland_added=added, paddy_added=[0.1 * a for a in added])
    return Layer(role="supplement", path="补充耕地.shp", frame=f, source_crs=CRS,
                 fields={"farmland_added": "XZGDMJ"})


def test_supplement_in_ha_is_held_in_ha() -> None:
    layer = supplement_layer([0.9, 1.1366])
    problems = read_unit(layer, None)
    assert [p.level for p in problems] == ["info"]
    assert layer.unit == "ha"
    assert layer.frame["farmland_added"].tolist() == pytest.approx([0.9, 1.1366])


def test_supplement_in_m2_declared_is_converted_to_ha() -> None:
    layer = supplement_layer([9_000.0, 11_366.0])
    read_unit(layer, "m2")
    assert layer.frame["farmland_added"].tolist() == pytest.approx([0.9, 1.1366])
    assert layer.frame["paddy_added"].tolist() == pytest.approx([0.09, 0.11366])


def test_supplement_in_m2_read_as_ha_is_an_error_naming_field_and_fix() -> None:
    layer = supplement_layer([9_000.0, 11_366.0])
    (problem,) = read_unit(layer, None)
    assert problem.level == "error"
    assert "farmland_added (XZGDMJ)" in problem.problem
    assert "look like m2" in problem.problem
    assert 'unit = "m2"' in problem.fix


def test_supplement_in_ha_counts_in_the_balance() -> None:
    # 1.1366 ha added (not 0.000114 ha) against 0.9 ha net occupied: +0.2366 ha.
    layers = net_layers()
    sup = supplement_layer([1.1366, 0.0])
    read_unit(sup, None)
    layers["supplement"] = sup.frame.assign(admin_code="210302")
    row = county_ledger(layers, None, no_findings(), as_of=AS_OF).set_index(
        "admin_code").loc["210302"]
    assert row["added_farmland_ha"] == pytest.approx(1.1366)
    assert row["balance_ha"] == pytest.approx(1.1366 - 0.9, rel=1e-4)


# --- the accountability ratio ---------------------------------------------------------------


def accountability_layers(illegal: shapely.Polygon) -> dict[str, gpd.GeoDataFrame]:
    # 100 ha built this year, lawfully, on an approval of 2024, and one more patch.
    farmland = frame([box(0, 0, 1200, 1000)], feature_id=["F1"], land_code=["0103"])
    approvals = frame([box(0, 0, 1000, 1000)], approval_id=["PZ24"],
                      approved_on=[datetime.date(2024, 5, 1)],
                      basic_farmland_approved=[False])
    changes = frame([box(0, 0, 1000, 1000), illegal], change_id=["C1", "C2"],
                    detected_on=[datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)],
                    land_code=["0601", "0601"])
    return {"admin": county(), "farmland": farmland, "approvals": approvals,
            "changes": changes}


def test_accountability_about_one_percent_no_finding() -> None:
    # By hand: 1 ha illegal / (100 ha lawful + 1 ha illegal) = 0.99 %: no 问责 finding.
    layers = accountability_layers(box(1100, 0, 100, 100))
    res = vector_findings(layers, as_of=AS_OF, lang="en")
    rules = set(res.findings["rule"])
    assert "unapproved_construction" in rules
    assert "accountability_ratio" not in rules
    row = county_ledger(layers, None, res.findings, as_of=AS_OF).set_index(
        "admin_code").loc["210302"]
    assert row["illegal_farmland_ha"] == pytest.approx(1.0, rel=1e-5)
    assert row["new_occupied_farmland_ha"] == pytest.approx(101.0, rel=1e-5)
    assert row["illegal_share"] == pytest.approx(1 / 101, rel=1e-4)
    assert bool(row["accountability_breach"]) is False


def test_accountability_a_sliver_is_no_breach_and_land_outside_is_no_county() -> None:
    # Only a 0.1 m2 illegal piece (under the 1 m2 sliver) inside the county, and a patch
    # wholly outside every admin unit: no finding, no county "".
    layers = accountability_layers(box(1100, 0, 0.1, 1))
    layers["changes"] = pd.concat([layers["changes"], frame(
        [box(5000, 0, 50, 50)], change_id=["C9"], detected_on=[datetime.date(2026, 4, 1)],
        land_code=["0601"])], ignore_index=True)
    layers["farmland"] = frame([box(0, 0, 1200, 1000), box(5000, 0, 100, 100)],
                               feature_id=["F1", "F9"], land_code=["0103", "0103"])
    res = vector_findings(layers, as_of=AS_OF, lang="en")
    assert "accountability_ratio" not in set(res.findings["rule"])
    assert res.parameters["accountability"]["outside_admin_changes"] == ["C9"]
    assert res.parameters["accountability"]["outside_admin_m2"] == pytest.approx(2500,
                                                                                 rel=1e-4)
    led = county_ledger(layers, None, res.findings, as_of=AS_OF)
    assert "" not in set(led["admin_code"])
    assert bool(led.set_index("admin_code").loc["210302", "accountability_breach"]) is False


# --- land counted once ------------------------------------------------------------------


def twice_layers() -> dict[str, gpd.GeoDataFrame]:
    # Two approval documents over the same 2 ha (a 转用 batch and its 征收 batch), and
    # the same 1 ha supplied twice.
    approvals = frame([box(0, 0, 200, 100)] * 2, approval_id=["ZY1", "ZS1"],
                      approved_on=[datetime.date(2026, 2, 1)] * 2,
                      basic_farmland_approved=[False, False])
    supply = frame([box(0, 0, 100, 100)] * 2, supply_id=["S1", "S1b"])
    return {"admin": county(), "approvals": approvals, "supply": supply}


def test_two_identical_approvals_count_once() -> None:
    layers = twice_layers()
    targets = pd.DataFrame({"admin_code": ["210302"], "year": [2026],
                            "farmland_target_ha": [1.0], "basic_farmland_target_ha": [1.0],
                            "quota_ha": [1.5], "quota_released_ha": [1.5]})
    row = county_ledger(layers, targets, no_findings(), as_of=AS_OF).set_index(
        "admin_code").loc["210302"]
    # By hand: 2 ha approved (not 4), 1 ha supplied (not 2), 1 ha 批而未供 (not 3).
    assert row["approved_ha"] == pytest.approx(2.0, rel=1e-5)
    assert row["approved_total_ha"] == pytest.approx(2.0, rel=1e-5)
    assert row["supplied_ha"] == pytest.approx(1.0, rel=1e-5)
    assert row["unsupplied_ha"] == pytest.approx(1.0, rel=1e-5)
    assert row["supply_rate"] == pytest.approx(0.5, rel=1e-5)
    assert row["quota_used_share"] == pytest.approx(2.0 / 1.5, rel=1e-5)
    # 超计划批地: 2 ha approved against 1.5 ha released, 0.5 ha beyond (not 2.5 ha).
    assert bool(row["quota_over_release"]) is True
    found = quota_findings(layers, targets, as_of=AS_OF, lang="en").findings
    assert list(found["rule"]) == ["quota_overrun"]
    assert found["area_m2"].iloc[0] == pytest.approx(0.5 * HA, rel=1e-5)
    assert set(found["matched"].iloc[0].split(";")) == {"ZY1", "ZS1"}


def test_no_quota_overrun_within_the_release() -> None:
    targets = pd.DataFrame({"admin_code": ["210302"], "year": [2026],
                            "farmland_target_ha": [1.0], "basic_farmland_target_ha": [1.0],
                            "quota_ha": [3.0], "quota_released_ha": [2.5]})
    assert quota_findings(twice_layers(), targets, as_of=AS_OF).findings.empty


def test_summary_areas_are_distinct_land() -> None:
    # The same 1 ha found twice by one rule, and a criminal case inside an unapproved
    # construction finding: the unit's land is 1 ha + 0.5 ha, against overlay.
    geoms = [box(0, 0, 100, 100), box(0, 0, 100, 100), box(300, 0, 50, 100),
             box(300, 0, 50, 100)]
    findings = make_findings([
        {"rule": "basic_farmland_encroachment", "layer": "approvals", "feature_id": "ZY1",
         "admin_code": "210302", "message": "", "geometry": geoms[0]},
        {"rule": "basic_farmland_encroachment", "layer": "supply", "feature_id": "S1",
         "admin_code": "210302", "message": "", "geometry": geoms[1]},
        {"rule": "unapproved_construction", "layer": "changes", "feature_id": "C1",
         "admin_code": "210302", "message": "", "geometry": geoms[2]},
        {"rule": "criminal_threshold", "layer": "changes", "feature_id": "C1",
         "admin_code": "210302", "message": "", "geometry": geoms[3]},
    ], crs=CRS)
    units = pd.DataFrame({"admin_code": ["210302"], "admin_name": [""], "level": ["county"]})
    row = summarise(findings, units).iloc[0]
    union = gpd.GeoDataFrame(geometry=[shapely.union_all(geoms)], crs=CRS)
    assert row["findings_m2"] == pytest.approx(geod_ha(union) * HA, rel=1e-6)
    assert row["findings_m2"] == pytest.approx(15_000, rel=1e-5)
    assert row["basic_farmland_encroachment_m2"] == pytest.approx(10_000, rel=1e-5)
    assert row["basic_farmland_encroachment_count"] == 2


# --- the batch ranking ------------------------------------------------------------------


def _county_summary(folder: Path, code: str, **figures: float) -> None:
    from redline.io.write import write_csv

    folder.mkdir(parents=True)
    # Each county's own check ranks it alone: rank 1, and a score that is redone.
    write_csv(folder / "summary.csv", pd.DataFrame([{
        "admin_code": code, "admin_name": code, "level": "county", "findings_count": 0,
        "score": 999.0, "rank": 1, **figures}]))


def test_batch_ranks_counties_against_each_other_with_a_city_row(tmp_path: Path) -> None:
    from redline.tools.batch import CountyResult, rollup

    out = tmp_path / "out"
    # By hand, 100 x the mean of (target, lawful, supply, cases):
    # A: 95 of 100 ha, a 5 % shortfall: 0.5; 3 % illegal: 1 - 0.03 / 0.15 = 0.8;
    #    supply 0.9; 1 high finding: 1/2. Score 67.5.
    # B: target met: 1; 15 % illegal: 0; supply 0.6; no high finding: 1. Score 65.
    # C: as B: a tie, broken by illegal share, supply rate, then the code: B before C.
    _county_summary(out / "210302", "210302", farmland_ha=95.0, farmland_target_ha=100.0,
                    illegal_farmland_ha=1.2, new_occupied_farmland_ha=40.0,
                    illegal_share=0.03, approved_total_ha=10.0, unsupplied_ha=1.0,
                    supply_rate=0.9, findings_high_count=1)
    for code in ("210381", "210303"):
        _county_summary(out / code, code, farmland_ha=120.0, farmland_target_ha=100.0,
                        illegal_farmland_ha=3.0, new_occupied_farmland_ha=20.0,
                        illegal_share=0.15, approved_total_ha=10.0, unsupplied_ha=4.0,
                        supply_rate=0.6, findings_high_count=0)
    results = [CountyResult(name=c, dataset=c, status="finished", folder=c, admin_code=c)
               for c in ("210381", "210302", "210303")]
    results.append(CountyResult(name="broken", dataset="broken", status="failed",
                                reason="a layer is missing"))
    summary = rollup(out, results, lang="en").set_index("county")
    assert summary.loc["210302", "score"] == pytest.approx(67.5)
    assert summary.loc["210303", "score"] == pytest.approx(65.0)
    assert summary.loc["210381", "score"] == pytest.approx(65.0)
    assert [summary.loc[c, "rank"] for c in ("210302", "210303", "210381")] == [1, 2, 3]
    assert pd.isna(summary.loc["broken", "rank"])
    city = summary.loc["Total"]
    assert city["admin_code"] == "210300"
    assert pd.isna(city["rank"])
    assert city["farmland_ha"] == pytest.approx(335.0)
    # Shares of the city from its sums: 7.2 ha illegal of 80 ha; 9 of 30 ha unsupplied.
    assert city["illegal_share"] == pytest.approx(7.2 / 80)
    assert city["supply_rate"] == pytest.approx(0.7)
    written = pd.read_csv(out / "summary.csv", encoding="utf-8-sig", dtype={"admin_code": str})
    assert list(written["rank"].iloc[:3]) == [3, 1, 2]


# --- item 7: bad targets year, no admin layer --------------------------------------------


def _tiny_dataset(folder: Path, *, targets: str | None) -> None:
    folder.mkdir()
    frame([box(0, 0, 200, 100)], feature_id=["F1"], land_code=["0101"]).to_file(
        folder / "farmland.gpkg")
    frame([box(0, 0, 50, 50)], approval_id=["A1"], approved_on=["2026-03-01"]).to_file(
        folder / "approvals.gpkg")
    frame([box(100, 0, 50, 50)], change_id=["C1"], detected_on=["2026-04-01"]).to_file(
        folder / "changes.gpkg")
    if targets is not None:
        (folder / "targets.csv").write_text(targets, encoding="utf-8")


@pytest.mark.parametrize("year", ["abc", ""])
def test_a_targets_year_that_is_no_number_is_a_warning_not_a_traceback(
        tmp_path: Path, year: str) -> None:
    import redline

    _tiny_dataset(tmp_path / "county", targets=(
        "admin_code,year,farmland_target_ha,basic_farmland_target_ha,quota_ha,"
        f"quota_released_ha\n210302,{year},1,1,1,1\n"))
    run = redline.check(tmp_path / "county", tmp_path / "out", as_of=AS_OF, lang="en")
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    if year:
        assert any("targets.csv: row 1: year" in p for p in record["problems"])
    assert "quota_overrun" not in set(run.findings["rule"])


def test_summary_without_admin_layer_has_its_header(tmp_path: Path) -> None:
    import redline

    _tiny_dataset(tmp_path / "county", targets=None)
    redline.check(tmp_path / "county", tmp_path / "out", as_of=AS_OF, lang="en")
    text = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["admin_code", "admin_name", "level", "findings_count"]


# --- the committed samples' planted figures ------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.mark.parametrize(("name", "deficit"), [("haicheng", True), ("tiedong", False),
                                               ("tiexi", False)])
def test_sample_farmland_margins_are_those_data_readme_plants(name: str, deficit: bool) -> None:
    # data/README.md: 海城市's farmland target is above its farmland (a deficit), the
    # others are met. Farmland is the net land-class area, so the deficit shows net only.
    from redline.analysis.ledger import dataset_ledger
    from redline.io.dataset import read_dataset

    ds = read_dataset(SAMPLES / name)
    led = dataset_ledger(ds, no_findings(), as_of=AS_OF)
    row = led[led["level"] == "county"].iloc[0]
    assert bool(row["farmland_margin_ha"] < 0) is deficit
    assert row["farmland_ha"] < row["farmland_gross_ha"]


def test_haicheng_deficit_is_its_recorded_net_farmland_short_of_the_target() -> None:
    # Independently of redline's reader: the DLTB's own TBDLMJ (land-class area, m2) of
    # the farmland classes, against targets.csv. Gross (TBMJ) it would be a surplus.
    import pyogrio

    from redline.analysis.ledger import dataset_ledger
    from redline.io.dataset import read_dataset

    dltb = pyogrio.read_dataframe(SAMPLES / "haicheng" / "farmland.shp", read_geometry=False)
    farm = dltb[dltb["land_code"].astype(str).str[:4].isin(["0101", "0102", "0103"])]
    targets = pd.read_csv(SAMPLES / "haicheng" / "targets.csv")
    target = float(targets.loc[targets["year"] == AS_OF.year, "farmland_target_ha"].iloc[0])
    net_margin = farm["TBDLMJ"].sum() / HA - target
    gross_margin = farm["TBMJ"].sum() / HA - target
    assert net_margin < 0 < gross_margin
    led = dataset_ledger(read_dataset(SAMPLES / "haicheng"), no_findings(), as_of=AS_OF)
    row = led[led["level"] == "county"].iloc[0]
    # TBDLMJ and TBMJ are rounded to 0.01 m2 per patch.
    assert row["farmland_margin_ha"] == pytest.approx(net_margin, abs=0.01)
    assert row["farmland_gross_ha"] - target == pytest.approx(gross_margin, abs=0.01)


# --- the sliver of the supply rules; redline.toml's unit and [forecast] -----------------


def test_the_supply_rules_take_the_sliver_asked_for() -> None:
    from redline.analysis.supply import supply_findings

    # An approval of 2020, supplied but for a 10 x 100 m strip: 1000 m2 批而未供.
    layers = {"approvals": frame([box(0, 0, 100, 100)], approval_id=["A1"],
                                 approved_on=[datetime.date(2020, 1, 1)]),
              "supply": frame([box(10, 0, 90, 100)], supply_id=["S1"],
                              contract_on=[datetime.date(2020, 6, 1)],
                              started_on=[datetime.date(2020, 9, 1)])}

    def found(sliver: float | None) -> pd.DataFrame:
        f = supply_findings(layers, as_of=AS_OF, sliver_m2=sliver).findings
        return f[f["rule"] == "approved_not_supplied"]

    assert found(None)["area_m2"].tolist() == pytest.approx([1000.0], rel=1e-5)
    assert found(2000.0).empty


def test_redline_toml_sets_the_supplement_unit_and_the_planned_projects(tmp_path: Path) -> None:
    from redline.analysis.ledger import dataset_ledger
    from redline.io.dataset import read_dataset

    folder = tmp_path / "county"
    _tiny_dataset(folder, targets=(
        "admin_code,year,farmland_target_ha,basic_farmland_target_ha,quota_ha,"
        "quota_released_ha\n210302,2026,1,1,10,10\n"))
    county().to_file(folder / "admin.gpkg")
    frame([box(300, 0, 100, 100)], project_id=["P1"], farmland_added=[9_000.0],
          admin_code=["210302"], completed_on=["2026-02-01"]).to_file(folder / "supplement.gpkg")
    (folder / "redline.toml").write_text(
        '[layers.supplement]\npath = "supplement.gpkg"\nunit = "m2"\n\n'
        "[forecast]\nplanned_ha = 12.5\n", encoding="utf-8")
    ds = read_dataset(folder)
    assert ds.layers["supplement"].unit == "m2"
    row = dataset_ledger(ds, no_findings(), as_of=AS_OF, planned_ha=ds.planned_ha).set_index(
        "admin_code").loc["210302"]
    assert row["added_farmland_ha"] == pytest.approx(0.9)
    assert row["demand_next_ha"] == 12.5
    assert row["demand_quota_gap_ha"] == pytest.approx(2.5)
    assert row["demand_method"].startswith("planned projects")


# --- the report: 重大案件 by severity, escalations ---------------------------------------------


def test_major_cases_are_ordered_by_severity_then_area() -> None:
    from redline.report.html import major_cases

    # The large idle parcel and industrial case would lead by area; the criminal,
    # accountability and basic-farmland cases lead by severity (in that order).
    records = [("idle_2y", "supply", "S9", 90_000.0), ("industrial_standard", "supply", "S8",
                                                       80_000.0),
               ("basic_farmland_encroachment", "approvals", "A1", 500.0),
               ("criminal_threshold", "changes", "C1", 4_000.0),
               ("criminal_threshold", "changes", "C2", 7_000.0),
               ("accountability_ratio", "admin", "210302", 10_000.0),
               ("unapproved_construction", "changes", "C3", 20_000.0)]
    findings = make_findings([{"rule": r, "layer": lay, "feature_id": f, "message": "",
                               "geometry": box(0, 0, 10, 10)} for r, lay, f, _ in records],
                             crs=CRS, area_m2=[a for *_, a in records])
    got = major_cases(findings, top=6)["finding_id"].tolist()
    assert got == ["criminal_threshold/changes/C2", "criminal_threshold/changes/C1",
                   "accountability_ratio/admin/210302",
                   "basic_farmland_encroachment/approvals/A1", "idle_2y/supply/S9",
                   "unapproved_construction/changes/C3"]


def test_idle_1y_to_idle_2y_is_an_escalation_not_new_and_resolved() -> None:
    from redline.report.diff import diff_findings

    before = pd.DataFrame({"finding_id": ["idle_1y/supply/S1", "idle_1y/supply/S2"],
                           "rule": ["idle_1y", "idle_1y"], "layer": ["supply", "supply"],
                           "feature_id": ["S1", "S2"], "area_m2": [100.0, 50.0]})
    now = pd.DataFrame({"finding_id": ["idle_2y/supply/S1", "idle_2y/supply/S3"],
                        "rule": ["idle_2y", "idle_2y"], "layer": ["supply", "supply"],
                        "feature_id": ["S1", "S3"], "area_m2": [100.0, 70.0]})
    diff = diff_findings(now, before).set_index("finding_id")
    # S1 went from one year idle to two: escalated, and not also resolved; S2 is gone
    # (resolved), S3 is new.
    assert diff["status"].to_dict() == {"idle_2y/supply/S1": "escalated",
                                        "idle_2y/supply/S3": "new",
                                        "idle_1y/supply/S2": "resolved"}
    assert diff.loc["idle_2y/supply/S1", "previous_rule"] == "idle_1y"


def test_quantity_paddy_and_grade_balances_from_a_dataset_read(tmp_path: Path) -> None:
    from redline.analysis.ledger import dataset_ledger
    from redline.io.dataset import read_dataset

    folder = tmp_path / "county"
    folder.mkdir()
    county().to_file(folder / "admin.gpkg")
    # F1 paddy, grade 5, 2 ha with 0.2 ha ridges (net share 0.9); F2 dry land, grade 9.
    frame([box(0, 0, 200, 100), box(200, 0, 200, 100)], BSM=["F1", "F2"],
          DLBM=["0101", "0103"], ZLDWDM=["2103020010010000000"] * 2,
          TBMJ=[20_000.0, 20_000.0], KCMJ=[2_000.0, 0.0], GDDB=[5.0, 9.0]).to_file(
        folder / "farmland.gpkg")
    # An approval of this year over 1 ha of each.
    frame([box(100, 0, 200, 100)], approval_id=["A1"], approved_on=["2026-03-01"]).to_file(
        folder / "approvals.gpkg")
    # One project: 1.0 ha added, 0.5 ha of it paddy, grade 8 (ha, as 补充耕地 tables give).
    frame([box(500, 0, 100, 100)], XMBH=["P1"], XZGDMJ=[1.0], XZSTMJ=[0.5], GDDB=[8.0],
          XZQDM=["210302"]).to_file(folder / "supplement.gpkg")
    ds = read_dataset(folder)
    row = dataset_ledger(ds, no_findings(), as_of=AS_OF).set_index("admin_code").loc["210302"]
    # By hand: occupied 0.9 ha (F1, net) + 1.0 ha (F2) = 1.9 ha; paddy 0.9 ha;
    # grade weighted by net area (0.9 x 5 + 1.0 x 9) / 1.9.
    assert row["occupied_farmland_ha"] == pytest.approx(1.9, rel=1e-5)
    assert row["occupied_paddy_ha"] == pytest.approx(0.9, rel=1e-5)
    assert row["occupied_grade"] == pytest.approx(13.5 / 1.9, rel=1e-5)
    assert row["balance_ha"] == pytest.approx(1.0 - 1.9, rel=1e-5)
    assert row["paddy_balance_ha"] == pytest.approx(0.5 - 0.9, rel=1e-5)
    assert row["grade_balance"] == pytest.approx(13.5 / 1.9 - 8.0, rel=1e-5)
