"""The overlap rules read as a hearing reads the law, on hand-made layers.

Dated coverage, a supply contract that covers nothing, construction told from other loss of
farmland, approvals beyond their authority, criminal thresholds added up over one site and
one party, and approvals that cannot be judged. Layers sit on the central meridian of
CGCS2000 GK zone 41 (EPSG:4529), where a w x h metre box has w*h m2 on the ellipsoid to about
1e-6 relative, so areas are worked by hand; one irregular case is checked against
``geopandas.overlay`` and pyproj's geodesic area instead.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from redline import settings
from redline.analysis.rules import unlawful_construction, vector_findings
from redline.authority import read_authorities, read_authority
from redline.io.dataset import read_dataset
from redline.tools.check import check

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0
MU = 10_000 / 15
AS_OF = datetime.date(2026, 6, 30)
D = datetime.date


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def layer(geoms: list, **columns: list) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {"_row": list(range(n)), "_problem": [""] * n, "_note": [""] * n, **columns}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def approvals(geoms: list, ids: list[str], *, on: list | None = None,
              authority: list | None = None, bf: list | None = None) -> gpd.GeoDataFrame:
    n = len(geoms)
    return layer(geoms, approval_id=ids,
                 approved_on=on if on is not None else [D(2026, 1, 10)] * n,
                 authority=authority if authority is not None else ["国务院"] * n,
                 basic_farmland_approved=bf if bf is not None else [True] * n)


def supply(geoms: list, ids: list[str], *, contract: list | None = None) -> gpd.GeoDataFrame:
    n = len(geoms)
    return layer(geoms, supply_id=ids,
                 contract_on=contract if contract is not None else [D(2026, 3, 1)] * n)


def changes(geoms: list, ids: list[str], *, detected: list | None = None,
            land_code: list | None = None, **extra: list) -> gpd.GeoDataFrame:
    n = len(geoms)
    return layer(geoms, change_id=ids,
                 detected_on=detected if detected is not None else [D(2026, 4, 1)] * n,
                 land_code=land_code if land_code is not None else ["0601"] * n, **extra)


def farmland(*geoms: shapely.Polygon) -> gpd.GeoDataFrame:
    return layer(list(geoms), feature_id=[f"F{i}" for i in range(len(geoms))],
                 land_code=["0101"] * len(geoms))


def basic(*geoms: shapely.Polygon) -> gpd.GeoDataFrame:
    return layer(list(geoms), feature_id=[f"BF{i}" for i in range(len(geoms))])


def of(result, rule: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return result.findings[result.findings["rule"] == rule]


def feature(result, role: str, fid: str) -> pd.Series:  # type: ignore[no-untyped-def]
    feats = result.features
    return feats[(feats["layer"] == role) & (feats["feature_id"] == fid)].iloc[0]


# --------------------------------------------------------------------------- authorities


@pytest.mark.parametrize(("value", "level"), [
    ("国务院", "state_council"), ("国函〔2015〕12号", "state_council"),
    ("国务院批复", "state_council"), ("State Council", "state_council"),
    ("国土资函〔2014〕561号", "state_council"), ("辽宁省人民政府（受国务院委托）", "entrusted"),
    ("省政府", "province"), ("辽宁省人民政府", "province"), ("辽政地〔2024〕35号", "province"),
    ("Liaoning Provincial Government", "province"), ("内蒙古自治区人民政府", "province"),
    ("北京市人民政府", "province"),
    ("市政府", "city"), ("鞍山市人民政府", "city"), ("辽宁省鞍山市人民政府", "city"),
    ("鞍政地〔2020〕3号", "city"), ("延边朝鲜族自治州人民政府", "city"),
    ("县政府", "county"), ("岫岩满族自治县人民政府", "county"), ("铁东区人民政府", "county"),
])
def test_authorities_are_read_in_one_place(value: str, level: str) -> None:
    assert read_authority(value) == level
    assert read_authority(f" {value} ") == level


def test_an_unreadable_authority_is_a_problem_naming_it() -> None:
    read = read_authorities(pd.Series(["国务院", None, "  ", "某某公司", "2015-3"]))
    assert read["level"].tolist() == ["state_council", None, None, None, None]
    assert read["problem"].tolist()[:3] == ["", "no authority", "no authority"]
    assert "'某某公司'" in read["problem"].iloc[3]
    assert "'2015-3'" in read["problem"].iloc[4]


# --------------------------------------------------------------------------- dated coverage


def test_a_patch_approved_after_its_detection_is_unapproved_construction() -> None:
    farm = farmland(box(0, 0, 1000, 200))
    # C-LATE detected 2026-04-01 under an approval of 2026-05-10 (先建后批); C-OK under one of
    # 2026-03-01; C-FUTURE under one after --as-of, which does not exist yet.
    ch = changes([box(0, 0, 50, 40), box(200, 0, 50, 40), box(400, 0, 50, 40)],
                 ["C-LATE", "C-OK", "C-FUTURE"])
    appr = approvals([box(0, 0, 100, 100), box(200, 0, 100, 100), box(400, 0, 100, 100)],
                     ["PZ-LATE", "PZ-OK", "PZ-FUTURE"],
                     on=[D(2026, 5, 10), D(2026, 3, 1), D(2026, 8, 1)])
    layers = {"farmland": farm, "changes": ch, "approvals": appr}
    res = vector_findings(layers, as_of=AS_OF)
    f = of(res, "unapproved_construction").set_index("feature_id")
    assert sorted(f.index) == ["C-FUTURE", "C-LATE"]
    assert f.loc["C-LATE", "area_m2"] == pytest.approx(50 * 40, rel=1e-6)
    msg = f.loc["C-LATE", "message"]
    assert "PZ-LATE (2026-05-10)" in msg
    assert "先建后批" in msg
    assert "2026-04-01" in msg
    assert "PZ-LATE" in f.loc["C-LATE", "matched"]
    assert "PZ-FUTURE" not in f.loc["C-FUTURE", "message"]
    assert feature(res, "changes", "C-OK")["uncovered_m2"] == pytest.approx(0, abs=1e-6)
    assert feature(res, "changes", "C-OK")["covered_by"] == "PZ-OK"
    # The unlawful pieces, callable on their own, are the ratio's numerator.
    pieces = unlawful_construction(layers, as_of=AS_OF)
    assert sorted(pieces.change_id) == ["C-FUTURE", "C-LATE"]
    np.testing.assert_allclose(pieces.on_farmland_m2, [2000, 2000], rtol=1e-6)
    assert pieces.late[list(pieces.change_id).index("C-LATE")] == "PZ-LATE (2026-05-10)"
    # Judged on the day before the late approval, it is simply uncovered.
    early = vector_findings(layers, as_of=D(2026, 5, 9))
    assert "先建后批" not in of(early, "unapproved_construction").set_index(
        "feature_id").loc["C-LATE", "message"]


def test_land_under_an_approval_without_a_date_is_not_judged() -> None:
    ch = changes([box(0, 0, 100, 100), box(300, 0, 100, 100)], ["C1", "C2"],
                 detected=[D(2026, 4, 1), None])
    appr = approvals([box(0, 0, 50, 100), box(300, 0, 100, 100)], ["PZ-NODATE", "PZ2"],
                     on=[None, D(2026, 1, 1)])
    res = vector_findings({"changes": ch, "approvals": appr}, as_of=AS_OF, lang="en")
    f = of(res, "unapproved_construction").set_index("feature_id")
    # C1: its eastern half no approval covers; its western half lies under an undated one.
    assert list(f.index) == ["C1"]
    assert f.loc["C1", "area_m2"] == pytest.approx(5000, rel=1e-6)
    assert "could not be judged" in f.loc["C1", "message"]
    c1 = feature(res, "changes", "C1")
    assert c1["unjudged_m2"] == pytest.approx(5000, rel=1e-6)
    assert "PZ-NODATE" in c1["unjudged_reason"]
    assert "approved_on" in c1["unjudged_reason"]
    # C2 has no detection date: whether PZ2 came first is unknown.
    c2 = feature(res, "changes", "C2")
    assert c2["unjudged_m2"] == pytest.approx(10_000, rel=1e-6)
    assert "detected_on" in c2["unjudged_reason"]


def test_supply_before_its_approval_is_supply_without_approval_with_the_later_approval_named(
) -> None:
    farm = farmland(box(0, 0, 1000, 100))
    sup = supply([box(0, 0, 80, 50), box(300, 0, 80, 50)], ["GD-EARLY", "GD-OK"],
                 contract=[D(2025, 10, 8), D(2026, 3, 1)])
    appr = approvals([box(0, 0, 100, 100), box(300, 0, 100, 100)], ["PZ-A", "PZ-B"],
                     on=[D(2026, 3, 1), D(2026, 1, 10)])
    res = vector_findings({"farmland": farm, "supply": sup, "approvals": appr}, as_of=AS_OF)
    f = of(res, "supply_without_approval").set_index("feature_id")
    assert list(f.index) == ["GD-EARLY"]
    assert f.loc["GD-EARLY", "area_m2"] == pytest.approx(80 * 50, rel=1e-6)
    assert "PZ-A (2026-03-01)" in f.loc["GD-EARLY", "message"]
    assert "补办" in f.loc["GD-EARLY", "message"]
    assert f.loc["GD-EARLY", "matched"] == "PZ-A"
    assert feature(res, "supply", "GD-EARLY")["uncovered_m2"] == pytest.approx(4000, rel=1e-6)


def test_a_patch_covered_only_by_supply_is_unlawful_everywhere() -> None:
    farm = farmland(box(-100, -100, 500, 500))
    patch = box(0, 0, 100, 70)  # 7000 m2 = 10.5 mu of other farmland
    sup = supply([box(-10, -10, 120, 100)], ["GD1"])
    appr = approvals([box(300, 300, 10, 10)], ["PZ-FAR"])
    layers = {"farmland": farm, "supply": sup, "approvals": appr,
              "changes": changes([patch], ["C1"])}
    res = vector_findings(layers, as_of=AS_OF)
    f = of(res, "unapproved_construction")
    assert f["area_m2"].iloc[0] == pytest.approx(7000, rel=1e-6)
    assert "GD1" in f["message"].iloc[0]
    assert "供地合同不能代替" in f["message"].iloc[0]
    assert feature(res, "changes", "C1")["uncovered_m2"] == pytest.approx(7000, rel=1e-6)
    crime = of(res, "criminal_threshold")
    assert crime["area_m2"].iloc[0] == pytest.approx(7000, rel=1e-6)
    assert unlawful_construction(layers, as_of=AS_OF).on_farmland_m2.sum() == pytest.approx(
        7000, rel=1e-6)


# --------------------------------------------------------------------------- other loss


@pytest.mark.parametrize("code", ["0201", "1104A", "0301", "021", "114"])
def test_an_orchard_or_fish_pond_on_farmland_is_farmland_loss_not_construction(code: str
                                                                              ) -> None:
    farm = farmland(box(0, 0, 100, 100))
    bf = basic(box(0, 0, 40, 100))
    # 100 x 120 m: 12,000 m2, of which 4,000 basic farmland, 6,000 other farmland (18 mu in
    # all: over both criminal thresholds were it construction).
    ch = changes([box(0, 0, 100, 120)], ["C1"], land_code=[code])
    res = vector_findings({"farmland": farm, "basic_farmland": bf, "changes": ch,
                           "approvals": approvals([box(900, 0, 5, 5)], ["A"])}, as_of=AS_OF)
    assert set(res.findings["rule"]) == {"farmland_loss"}
    f = of(res, "farmland_loss")
    assert f["area_m2"].iloc[0] == pytest.approx(10_000, rel=1e-6)
    assert f["severity"].iloc[0] == "medium"
    assert f["geometry"].iloc[0].area == pytest.approx(10_000, rel=1e-9)
    assert "4,000.0 平方米" in f["message"].iloc[0]
    assert "第三十七条" in f["regulation"].iloc[0]
    assert feature(res, "changes", "C1")["land_kind"] == "other_agricultural_or_natural"
    assert unlawful_construction({"changes": ch, "approvals": approvals(
        [box(900, 0, 5, 5)], ["A"])}, as_of=AS_OF).area_m2.size == 0


def test_facility_farmland_is_listed_for_its_filing_not_as_a_violation() -> None:
    farm = farmland(box(0, 0, 100, 100))
    ch = changes([box(0, 0, 50, 50), box(60, 0, 30, 30)], ["C-FAC", "C-RD"],
                 land_code=["1202", "1006"])
    res = vector_findings({"farmland": farm, "changes": ch,
                           "approvals": approvals([box(900, 0, 5, 5)], ["A"])},
                          as_of=AS_OF, lang="en")
    f = of(res, "facility_agriculture")
    assert f["feature_id"].tolist() == ["C-FAC"]
    assert f["severity"].iloc[0] == "low"
    assert f["area_m2"].iloc[0] == pytest.approx(2500, rel=1e-6)
    assert "not a violation" in f["message"].iloc[0]
    # A rural road (1006) is agricultural land: farmland loss, never construction.
    assert of(res, "farmland_loss")["feature_id"].tolist() == ["C-RD"]
    assert of(res, "unapproved_construction").empty


def test_a_patch_whose_class_cannot_be_read_is_not_judged() -> None:
    ch = changes([box(0, 0, 30, 30), box(50, 0, 30, 30)], ["C-ODD", "C-BLANK"],
                 land_code=["XYZ9", None])
    res = vector_findings({"farmland": farmland(box(0, 0, 100, 100)), "changes": ch,
                           "approvals": approvals([box(900, 0, 5, 5)], ["A"])}, as_of=AS_OF)
    assert res.findings.empty
    assert "XYZ9" in feature(res, "changes", "C-ODD")["unjudged_reason"]
    assert "blank" in feature(res, "changes", "C-BLANK")["unjudged_reason"]


# --------------------------------------------------------------------------- authority


def test_a_provincial_approval_over_basic_farmland_is_unauthorized() -> None:
    farm = farmland(box(0, 0, 1000, 1000))
    bf = basic(box(0, 0, 60, 100), box(500, 0, 90, 100))
    appr = approvals(
        [box(0, 0, 200, 100), box(500, 0, 200, 100), box(800, 0, 100, 100)],
        ["PZ-PROV", "PZ-BIG", "PZ-SC"],
        authority=["辽宁省人民政府", "辽政地〔2025〕7号", "国函〔2025〕3号"], bf=[True, True, True])
    # A patch built after PZ-PROV on its basic farmland and beyond it.
    ch = changes([box(20, 0, 60, 100)], ["C1"], detected=[D(2026, 4, 1)])
    res = vector_findings({"farmland": farm, "basic_farmland": bf, "approvals": appr,
                           "changes": ch}, as_of=AS_OF)
    f = of(res, "unauthorized_approval").set_index("feature_id")
    assert sorted(f.index) == ["PZ-BIG", "PZ-PROV"]
    assert f.loc["PZ-PROV", "area_m2"] == pytest.approx(6000, rel=1e-6)  # 9 mu
    assert f.loc["PZ-BIG", "area_m2"] == pytest.approx(9000, rel=1e-6)  # 13.5 mu
    assert f.loc["PZ-PROV", "authority_level"] == "province"
    assert "涉嫌非法批准" not in f.loc["PZ-PROV", "message"]
    assert "涉嫌非法批准" in f.loc["PZ-BIG", "message"]  # >= 10 mu: 法释〔2000〕14号 Art. 4
    assert f.loc["PZ-PROV", "severity"] == "high"
    assert "BF0" in f.loc["PZ-PROV", "matched"]
    # The basic farmland stays unlawfully occupied for the other rules: the patch's 40 m on
    # it is unapproved construction, its 20 m beyond lawfully covered.
    u = of(res, "unapproved_construction")
    assert u["area_m2"].iloc[0] == pytest.approx(40 * 100, rel=1e-6)
    assert "PZ-PROV" in u["message"].iloc[0]
    assert "非国务院批准" in u["message"].iloc[0]
    assert sorted(of(res, "basic_farmland_encroachment")["feature_id"]) == ["PZ-BIG",
                                                                           "PZ-PROV"]
    # 6 mu of basic farmland: the criminal threshold is reached.
    assert of(res, "criminal_threshold")["area_m2"].iloc[0] == pytest.approx(4000, rel=1e-6)


def test_an_unreadable_authority_leaves_its_basic_farmland_unjudged() -> None:
    bf = basic(box(0, 0, 50, 100))
    appr = approvals([box(0, 0, 100, 100)], ["PZ-X"], authority=["某某公司"])
    sup = supply([box(0, 0, 100, 100)], ["GD1"])
    res = vector_findings({"basic_farmland": bf, "approvals": appr, "supply": sup,
                           "farmland": farmland(box(0, 0, 100, 100))}, as_of=AS_OF)
    assert res.findings.empty
    row = feature(res, "approvals", "PZ-X")
    assert row["unjudged_m2"] == pytest.approx(5000, rel=1e-6)
    assert "某某公司" in row["unjudged_reason"]
    assert feature(res, "supply", "GD1")["unjudged_m2"] == pytest.approx(5000, rel=1e-6)


# --------------------------------------------------------------------------- criminal sums


def test_two_adjacent_six_mu_pieces_of_one_site_reach_ten_mu_together() -> None:
    farm = farmland(box(-100, -100, 1000, 500))
    # Two 4000 m2 (6 mu) patches of other farmland sharing an edge, detected together.
    a, b = box(0, 0, 100, 40), box(0, 40, 100, 40)
    ch = changes([a, b], ["C-A", "C-B"])
    layers = {"farmland": farm, "changes": ch,
              "approvals": approvals([box(800, 300, 5, 5)], ["A"])}
    res = vector_findings(layers, as_of=AS_OF, lang="en")
    f = of(res, "criminal_threshold")
    assert len(f) == 1
    assert f["area_m2"].iloc[0] == pytest.approx(8000, rel=1e-6)  # 12 mu
    assert f["summed_ids"].iloc[0] == "C-A;C-B"
    assert f["summed_by"].iloc[0] == "site"
    assert f["on_farmland_m2"].iloc[0] == pytest.approx(8000, rel=1e-6)
    assert f["threshold"].iloc[0].startswith(f"basic farmland >= {settings.criminal_basic_mu:g}")
    assert "suspected" in f["message"].iloc[0]
    assert "field check" in f["message"].iloc[0]
    assert f["geometry"].iloc[0].area == pytest.approx(8000, rel=1e-9)
    # Detected in two rounds, they are two acts, each under the threshold.
    apart = changes([a, b], ["C-A", "C-B"], detected=[D(2026, 4, 1), D(2026, 6, 1)])
    assert of(vector_findings({**layers, "changes": apart}, as_of=AS_OF),
              "criminal_threshold").empty
    # Farther apart than touch_m, they are two sites.
    far = changes([a, box(0, 40 + 2 * settings.touch_m, 100, 40)], ["C-A", "C-B"])
    assert of(vector_findings({**layers, "changes": far}, as_of=AS_OF),
              "criminal_threshold").empty


def test_one_partys_acts_within_a_year_are_summed() -> None:
    farm = farmland(box(-100, -100, 2000, 500))
    geoms = [box(0, 0, 100, 40), box(500, 0, 100, 40), box(1000, 0, 100, 40)]
    ch = changes(geoms, ["C1", "C2", "C3"], party=["某公司", "某公司", "其他人"],
                 detected=[D(2025, 9, 1), D(2026, 5, 1), D(2026, 5, 1)])
    layers = {"farmland": farm, "changes": ch,
              "approvals": approvals([box(1800, 300, 5, 5)], ["A"])}
    f = of(vector_findings(layers, as_of=AS_OF), "criminal_threshold")
    assert f["summed_ids"].tolist() == ["C1;C2"]
    assert f["summed_by"].tolist() == ["party"]
    assert f["area_m2"].iloc[0] == pytest.approx(8000, rel=1e-6)
    assert "某公司" in f["message"].iloc[0]
    # A year apart (the anniversary counts as a full year), they are not summed.
    later = ch.copy()
    later["detected_on"] = [D(2025, 5, 1), D(2026, 5, 1), D(2026, 5, 1)]
    assert of(vector_findings({**layers, "changes": later}, as_of=AS_OF),
              "criminal_threshold").empty


# --------------------------------------------------------------------------- unjudgeable approvals


def test_an_approval_without_geometry_never_makes_supply_unapproved() -> None:
    farm = farmland(box(0, 0, 1000, 1000))
    sup = supply([box(0, 0, 100, 100)], ["GD1"])
    appr = approvals([None, box(500, 500, 100, 100)], ["PZ-NULL", "PZ-2"])
    appr.loc[0, "_problem"] = "no geometry"
    ch = changes([box(200, 0, 50, 50)], ["C1"])
    res = vector_findings({"farmland": farm, "supply": sup, "approvals": appr, "changes": ch},
                          as_of=AS_OF, lang="en")
    assert of(res, "supply_without_approval").empty
    assert of(res, "unapproved_construction").empty
    row = feature(res, "supply", "GD1")
    assert row["unjudged_m2"] == pytest.approx(10_000, rel=1e-6)
    assert "PZ-NULL" in row["unjudged_reason"]
    assert "PZ-NULL" in feature(res, "changes", "C1")["unjudged_reason"]
    # Without it, the supply is 未批先供.
    res2 = vector_findings({"farmland": farm, "supply": sup, "approvals": appr.iloc[[1]]},
                           as_of=AS_OF)
    assert of(res2, "supply_without_approval")["area_m2"].iloc[0] == pytest.approx(10_000,
                                                                                  rel=1e-6)


def test_an_approval_drawn_as_a_line_leaves_the_land_it_encloses_unjudged() -> None:
    farm = farmland(box(0, 0, 1000, 1000))
    ring = shapely.LinearRing(box(0, 0, 100, 100).exterior.coords)
    appr = approvals([shapely.LineString(ring.coords)], ["PZ-LINE"])
    appr.loc[0, "_problem"] = "not a polygon (LineString)"
    sup = supply([box(10, 10, 50, 50), box(400, 0, 50, 50)], ["GD-IN", "GD-OUT"])
    res = vector_findings({"farmland": farm, "supply": sup, "approvals": appr}, as_of=AS_OF)
    assert of(res, "supply_without_approval")["feature_id"].tolist() == ["GD-OUT"]
    assert feature(res, "supply", "GD-IN")["unjudged_m2"] == pytest.approx(2500, rel=1e-6)
    assert "PZ-LINE" in feature(res, "supply", "GD-IN")["unjudged_reason"]


def test_one_document_owns_several_polygons() -> None:
    bf = basic(box(0, 0, 1000, 50))
    farm = farmland(box(0, 0, 1000, 1000))
    # One provincial document, three polygons; two on basic farmland (20 x 50 and 30 x 50).
    appr = approvals([box(0, 0, 20, 100), box(200, 0, 30, 100), box(400, 100, 50, 50)],
                     ["辽政地〔2025〕7号"] * 3, authority=["辽宁省人民政府"] * 3, bf=[False] * 3)
    sup = supply([box(0, 60, 20, 40), box(200, 60, 30, 40), box(400, 100, 50, 50)],
                 ["GD1", "GD2", "GD3"])
    res = vector_findings({"basic_farmland": bf, "farmland": farm, "approvals": appr,
                           "supply": sup}, as_of=AS_OF)
    for rule in ("unauthorized_approval", "basic_farmland_encroachment"):
        f = of(res, rule)
        f = f[f["layer"] == "approvals"]
        assert f["feature_id"].tolist() == ["辽政地〔2025〕7号"]
        assert f["area_m2"].iloc[0] == pytest.approx(20 * 50 + 30 * 50, rel=1e-6)
    assert res.findings["finding_id"].is_unique
    # Every polygon covers its supply parcel (off the basic farmland): no 未批先供.
    assert of(res, "supply_without_approval").empty
    rows = res.features[res.features["layer"] == "approvals"]
    assert rows["_row"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(rows["area_m2"], [2000, 3000, 2500], rtol=1e-6)


def test_the_reader_keeps_every_polygon_of_an_approval_document(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"PZWH": ["辽政地〔2025〕7号"] * 3 + ["B"]},
                             geometry=[box(0, 0, 10, 10), box(20, 0, 10, 10),
                                       box(40, 0, 10, 10), box(60, 0, 10, 10)], crs=CRS)
    frame.to_file(tmp_path / "approvals.gpkg")
    ds = read_dataset(tmp_path)
    assert ds["approvals"]["_problem"].tolist() == ["", "", "", ""]
    assert not [p for p in ds.all_problems() if p.kind == "duplicate_id"]


def test_the_reader_names_an_authority_it_cannot_read(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"PZWH": ["A", "B", "C"],
                              "PZJG": ["某某公司", "辽政地〔2025〕7号", None]},
                             geometry=[box(0, 0, 10, 10), box(20, 0, 10, 10),
                                       box(40, 0, 10, 10)], crs=CRS)
    frame.to_file(tmp_path / "approvals.gpkg")
    ds = read_dataset(tmp_path)
    bad = [p for p in ds.all_problems() if p.kind == "bad_value"]
    assert [p.feature_id for p in bad] == ["A"]
    assert "PZJG" in bad[0].problem
    assert "某某公司" in bad[0].problem
    assert ds["approvals"]["authority"].tolist()[:2] == ["某某公司", "辽政地〔2025〕7号"]
    assert ds["approvals"]["_problem"].tolist() == ["", "", ""]


# --------------------------------------------------------------------------- against an overlay


def test_areas_of_an_irregular_case_match_geopandas_overlay() -> None:
    geod = Geod(ellps="GRS80")

    def geodesic(geoms: gpd.GeoSeries) -> float:
        return float(sum(abs(geod.geometry_area_perimeter(g)[0])
                         for g in geoms.to_crs(4490)))

    patch = shapely.Polygon([(X0, Y0), (X0 + 130, Y0 + 15), (X0 + 110, Y0 + 95),
                             (X0 + 20, Y0 + 120), (X0 - 15, Y0 + 60)])
    late = shapely.Polygon([(X0 + 40, Y0 - 20), (X0 + 160, Y0 + 40), (X0 + 60, Y0 + 140)])
    lawful = box(-30, -30, 50, 80)
    bf_geom = shapely.Polygon([(X0 - 40, Y0 + 50), (X0 + 200, Y0 + 70), (X0 + 200, Y0 + 200),
                               (X0 - 40, Y0 + 200)])
    appr = approvals([lawful, late], ["PZ-OK", "PZ-LATE"], on=[D(2026, 1, 1), D(2026, 5, 1)],
                     authority=["国务院", "辽宁省人民政府"], bf=[True, False])
    res = vector_findings({"changes": changes([patch], ["C1"]), "approvals": appr,
                           "basic_farmland": basic(bf_geom),
                           "farmland": farmland(box(-100, -100, 400, 400))}, as_of=AS_OF)
    got = of(res, "unapproved_construction")["area_m2"].sum()
    frame = gpd.GeoDataFrame(geometry=[patch], crs=CRS)
    unlawful = gpd.overlay(frame, gpd.GeoDataFrame(geometry=[lawful], crs=CRS), how="difference")
    assert got == pytest.approx(geodesic(unlawful.geometry), rel=1e-6)
    crime = of(res, "criminal_threshold")
    on_basic = gpd.overlay(unlawful, gpd.GeoDataFrame(geometry=[bf_geom], crs=CRS),
                           how="intersection")
    expected_basic = geodesic(on_basic.geometry)
    expected_other = geodesic(unlawful.geometry) - expected_basic  # farmland under it all
    reached = (expected_basic / MU >= settings.criminal_basic_mu
               or expected_other / MU >= settings.criminal_farmland_mu)
    assert len(crime) == int(reached)
    if reached:
        assert crime["on_basic_m2"].iloc[0] == pytest.approx(expected_basic, rel=1e-6)
        assert crime["on_farmland_m2"].iloc[0] == pytest.approx(expected_other, rel=1e-5)
    u = of(res, "unapproved_construction")
    assert "PZ-LATE" in u["matched"].iloc[0]
    # The late approval's cover of the unlawful land, against the overlay.
    late_part = gpd.overlay(unlawful, gpd.GeoDataFrame(geometry=[late], crs=CRS),
                            how="intersection")
    assert geodesic(late_part.geometry) > 0
    assert "PZ-LATE (2026-05-01)" in u["message"].iloc[0]


# --------------------------------------------------------------------------- end to end


def _county(folder: Path) -> Path:
    """A small county on disk whose findings need the whole county: a criminal sum across
    a tile line, an approval without geometry, one document of two far-apart polygons."""
    folder.mkdir()
    farm = gpd.GeoDataFrame({"BSM": ["F1"], "DLBM": ["0101"]},
                            geometry=[box(-2000, -500, 6000, 1500)], crs=CRS)
    farm.to_file(folder / "farmland.gpkg")
    bf = gpd.GeoDataFrame({"BSM": ["BF1"]}, geometry=[box(3000, 0, 100, 100)], crs=CRS)
    bf.to_file(folder / "basic_farmland.gpkg")
    appr = gpd.GeoDataFrame(
        {"PZWH": ["辽政地〔2025〕7号", "辽政地〔2025〕7号", "PZ-NULL"],
         "PZRQ": ["2026-01-05", "2026-01-05", "2026-01-05"],
         "PZJG": ["辽宁省人民政府", "辽宁省人民政府", "国务院"]},
        geometry=[box(-1500, 0, 100, 100), box(3000, 0, 100, 100), None], crs=CRS)
    appr.to_file(folder / "approvals.gpkg")
    ch = gpd.GeoDataFrame({"JCBH": ["C-A", "C-B", "C-C"], "JCRQ": ["2026-04-01"] * 3,
                           "DLBM": ["0601", "0601", "0601"]},
                          geometry=[box(0, 0, 100, 40), box(0, 40, 100, 40),
                                    box(2000, 0, 50, 50)], crs=CRS)
    ch.to_file(folder / "changes.gpkg")
    return folder


def test_a_tiled_check_finds_what_one_pass_finds(tmp_path: Path) -> None:
    folder = _county(tmp_path / "county")
    one = check(folder, tmp_path / "one", as_of=AS_OF, tiles=None, progress=False)
    tiled = check(folder, tmp_path / "tiled", as_of=AS_OF, tiles=(3, 1), progress=False)
    assert tiled.run["parameters"]["tiles"]["count"] == 3
    assert sorted(one.findings["finding_id"]) == sorted(tiled.findings["finding_id"])
    # The approval without geometry leaves every change patch unjudged, in both.
    for run in (one, tiled):
        changes_ = run.features[run.features["layer"] == "changes"]
        assert (changes_["status"] == "not_judged").all()
        assert changes_["reason"].str.contains("PZ-NULL").all()
        rows = run.features[run.features["layer"] == "approvals"]
        assert len(rows) == 3
    f = one.findings.set_index("finding_id")
    assert f.loc["unauthorized_approval/approvals/辽政地〔2025〕7号", "area_m2"] == pytest.approx(
        10_000, rel=1e-6)


def test_a_tiled_check_sums_a_site_across_tiles(tmp_path: Path) -> None:
    folder = _county(tmp_path / "county")
    appr = gpd.read_file(folder / "approvals.gpkg")
    appr.iloc[:2].to_file(folder / "approvals.gpkg")  # the approval without geometry gone
    one = check(folder, tmp_path / "one", as_of=AS_OF, tiles=None, progress=False)
    tiled = check(folder, tmp_path / "tiled", as_of=AS_OF, tiles=(1, 2), progress=False)
    assert tiled.run["parameters"]["tiles"]["count"] == 2  # C-A and C-B in two tiles
    for run in (one, tiled):
        crime = run.findings[run.findings["rule"] == "criminal_threshold"]
        assert crime["summed_ids"].tolist() == ["C-A;C-B"], run.out.name
        assert crime["area_m2"].iloc[0] == pytest.approx(8000, rel=1e-6)
    assert sorted(one.findings["finding_id"]) == sorted(tiled.findings["finding_id"])


def test_basic_farmland_of_approvals_and_supply_matches_geopandas_overlay() -> None:
    """Approvals and supply split together; only the basic land left unlawful is judged."""
    geod = Geod(ellps="GRS80")

    def geodesic(geoms: gpd.GeoSeries) -> float:
        return float(sum(abs(geod.geometry_area_perimeter(g)[0])
                         for g in geoms.to_crs(4490)))

    def frame(*geoms: shapely.Geometry) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(geometry=list(geoms), crs=CRS)

    farm_geoms = [box(0, 0, 300, 200), box(300, 0, 300, 200)]  # a partition
    bf_geoms = [shapely.Polygon([(X0 + 10, Y0 + 10), (X0 + 250, Y0 + 30), (X0 + 240, Y0 + 150),
                                 (X0 + 20, Y0 + 140)]), box(320, 20, 60, 60)]
    sc = shapely.Polygon([(X0 - 20, Y0 - 20), (X0 + 180, Y0 - 10), (X0 + 170, Y0 + 170),
                          (X0 - 10, Y0 + 160)])
    prov = box(310, 10, 100, 100)
    appr = approvals([sc, prov], ["PZ-SC", "PZ-PROV"], on=[D(2026, 1, 1), D(2026, 1, 1)],
                     authority=["国务院", "辽宁省人民政府"], bf=[True, True])
    # GD-A: partly beyond PZ-SC, over basic farmland; GD-B: inside PZ-SC;
    # GD-C: its unlawful part is on farmland off the basic farmland.
    gd_a = shapely.Polygon([(X0 + 100, Y0 + 40), (X0 + 230, Y0 + 50), (X0 + 220, Y0 + 120),
                            (X0 + 110, Y0 + 110)])
    gd_b = box(30, 30, 50, 50)
    gd_c = box(150, 150, 80, 40)
    sup = supply([gd_a, gd_b, gd_c], ["GD-A", "GD-B", "GD-C"])
    res = vector_findings({"farmland": farmland(*farm_geoms), "basic_farmland": basic(*bf_geoms),
                           "approvals": appr, "supply": sup}, as_of=AS_OF)
    bf_union = shapely.union_all(bf_geoms)
    enc = of(res, "basic_farmland_encroachment").set_index("feature_id")
    # PZ-SC may take its basic farmland; PZ-PROV may not (and is unauthorized).
    assert sorted(enc.index) == ["GD-A", "PZ-PROV"]
    unlawful_a = gpd.overlay(frame(gd_a), frame(sc), how="difference")
    expected = geodesic(gpd.overlay(unlawful_a, frame(bf_union), how="intersection").geometry)
    assert enc.loc["GD-A", "area_m2"] == pytest.approx(expected, rel=1e-6)
    prov_basic = gpd.overlay(frame(prov), frame(bf_union), how="intersection")
    assert enc.loc["PZ-PROV", "area_m2"] == pytest.approx(geodesic(prov_basic.geometry),
                                                          rel=1e-6)
    swa = of(res, "supply_without_approval").set_index("feature_id")
    assert sorted(swa.index) == ["GD-A", "GD-C"]
    for fid, geom in (("GD-A", gd_a), ("GD-C", gd_c)):
        bad = gpd.overlay(frame(geom), frame(sc), how="difference")
        on_farm = gpd.overlay(bad, frame(*farm_geoms), how="intersection")
        assert swa.loc[fid, "area_m2"] == pytest.approx(geodesic(on_farm.geometry), rel=1e-6)
    for role, fid, geom in (("supply", "GD-A", gd_a), ("supply", "GD-B", gd_b),
                            ("supply", "GD-C", gd_c), ("approvals", "PZ-SC", sc),
                            ("approvals", "PZ-PROV", prov)):
        row = feature(res, role, fid)
        whole = geodesic(frame(geom).geometry)
        on_basic = geodesic(gpd.overlay(frame(geom), frame(bf_union),
                                        how="intersection").geometry)
        on_farm = geodesic(gpd.overlay(frame(geom), frame(*farm_geoms),
                                       how="intersection").geometry)
        assert row["on_basic_m2"] == pytest.approx(on_basic, rel=1e-6, abs=1e-6 * whole)
        assert row["on_farmland_m2"] == pytest.approx(on_farm - on_basic, abs=1e-6 * whole)
    assert feature(res, "supply", "GD-B")["uncovered_m2"] == pytest.approx(0, abs=1e-6)
