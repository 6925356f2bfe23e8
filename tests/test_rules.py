"""The overlap rules on hand-made layers whose areas are computed by hand.

Everything sits on the central meridian of CGCS2000 GK zone 41 (EPSG:4529),
where the scale factor is 1, so a w x h metre box has w*h m2 on the ellipsoid
to about 1e-6 relative.
"""

from __future__ import annotations

import datetime

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from redline import settings
from redline.analysis.rules import vector_findings

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0
MU = 10_000 / 15
AS_OF = datetime.date(2026, 6, 30)


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def layer(geoms: list, **columns: list) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {"_row": list(range(n)), "_problem": [""] * n, "_note": [""] * n, **columns}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def admin_two_townships() -> gpd.GeoDataFrame:
    # Two townships of county 210302 split at x = 0, plus the county outline itself.
    return layer([box(-2000, -2000, 2000, 6000), box(0, -2000, 2000, 6000),
                  box(-2000, -2000, 4000, 6000)],
                 admin_code=["210302001", "210302002", "210302"],
                 admin_name=["甲镇", "乙镇", "铁东区"])


def approvals(geoms: list, ids: list[str], *, bf: list | None = None,
              on: list | None = None) -> gpd.GeoDataFrame:
    n = len(geoms)
    return layer(geoms, approval_id=ids,
                 basic_farmland_approved=bf if bf is not None else [False] * n,
                 approved_on=on if on is not None else [datetime.date(2026, 3, 1)] * n)


def supply(geoms: list, ids: list[str], *, contract: list | None = None) -> gpd.GeoDataFrame:
    n = len(geoms)
    return layer(geoms, supply_id=ids,
                 contract_on=contract if contract is not None
                 else [datetime.date(2026, 4, 1)] * n)


def changes(geoms: list, ids: list[str], *, detected: list | None = None,
            land_code: list | None = None) -> gpd.GeoDataFrame:
    n = len(geoms)
    return layer(geoms, change_id=ids,
                 detected_on=detected if detected is not None
                 else [np.datetime64("2026-05-01")] * n,
                 land_code=land_code if land_code is not None else ["0601"] * n)


def rules(result, rule: str):  # type: ignore[no-untyped-def]
    return result.findings[result.findings["rule"] == rule]


# --------------------------------------------------------------------------- encroachment


def test_basic_farmland_encroachment_geometry_is_uncovered_part() -> None:
    basic = layer([box(0, 0, 100, 100)], feature_id=["BF1"])
    supply_ = supply([box(50, 0, 100, 100)], ["GD1"])
    # A State Council approval covers the western 20 m of the overlap.
    appr = approvals([box(40, 0, 30, 100)], ["PZ1"], bf=[True])
    res = vector_findings({"basic_farmland": basic, "supply": supply_, "approvals": appr},
                          as_of=AS_OF)
    f = rules(res, "basic_farmland_encroachment")
    assert f["feature_id"].tolist() == ["GD1"]
    assert f["area_m2"].iloc[0] == pytest.approx(30 * 100, rel=1e-5)  # x 70..100
    assert "BF1" in f["matched"].iloc[0]
    assert "PZ1" in f["matched"].iloc[0]
    assert f["finding_id"].iloc[0] == "basic_farmland_encroachment/supply/GD1"
    assert f["regulation"].iloc[0]


def test_one_millimetre_offset_is_no_finding() -> None:
    basic = layer([box(0, 0, 500, 500)], feature_id=["BF1"])
    supply_ = supply([box(499.999, 0, 500, 500)], ["GD1"])  # 0.5 m2 overlap
    farm = layer([box(0, 0, 500, 500)], feature_id=["F1"], land_code=["0101"])
    appr = approvals([box(499.999, 0, 500, 500)], ["PZ1"])
    res = vector_findings({"basic_farmland": basic, "farmland": farm, "supply": supply_,
                           "approvals": appr}, as_of=AS_OF)
    assert len(res.findings) == 0
    res0 = vector_findings({"basic_farmland": basic, "farmland": farm, "supply": supply_,
                            "approvals": appr}, as_of=AS_OF, sliver_m2=0.0)
    # The approval does not grant basic farmland, so the 0.5 m2 of it stays unapproved
    # for the supply too.
    assert set(res0.findings["rule"]) == {"basic_farmland_encroachment",
                                          "supply_without_approval"}


def test_missing_layer_skips_with_reason() -> None:
    res = vector_findings({"supply": supply([box(0, 0, 10, 10)], ["GD1"])}, as_of=AS_OF,
                          lang="en")
    reasons = dict(res.skipped)
    assert "basic_farmland" in reasons["basic_farmland_encroachment"]
    assert "approvals" in reasons["supply_without_approval"]
    assert "changes" in reasons["unapproved_construction"]
    assert len(res.findings) == 0
    assert res.features["feature_id"].tolist() == ["GD1"]


def test_changes_without_any_covering_layer_are_not_judged() -> None:
    res = vector_findings({"changes": changes([box(0, 0, 10, 10)], ["C1"])}, as_of=AS_OF)
    assert len(res.findings) == 0
    reasons = dict(res.skipped)
    assert "no approvals layer" in reasons["unapproved_construction"]
    assert "unapproved_construction" in reasons["criminal_threshold"]
    assert res.features.set_index("feature_id").loc["C1", "area_m2"] == pytest.approx(100, rel=1e-5)


# --------------------------------------------------------------------------- supply


def test_supply_without_approval() -> None:
    farm = layer([box(0, 0, 100, 100), box(100, 0, 100, 100)], feature_id=["F1", "F2"],
                 land_code=["0101", "0103"])
    supply_ = supply([box(50, 0, 200, 50)], ["GD1"])  # 150 x 50 on farmland
    appr = approvals([box(0, 0, 120, 100)], ["PZ1"])  # covers x < 120
    res = vector_findings({"farmland": farm, "supply": supply_, "approvals": appr},
                          as_of=AS_OF, lang="en")
    f = rules(res, "supply_without_approval")
    assert f["area_m2"].iloc[0] == pytest.approx(80 * 50, rel=1e-5)
    assert f["matched"].iloc[0] == "PZ1"
    row = res.features.set_index("feature_id").loc["GD1"]
    assert row["uncovered_m2"] == pytest.approx(130 * 50, rel=1e-5)
    assert row["on_farmland_m2"] == pytest.approx(150 * 50, rel=1e-5)
    assert row["covered_by"] == "PZ1"


def test_farmland_layer_with_every_land_class_counts_only_farmland() -> None:
    # A DLTB-like layer: one 0102 patch, one industrial (0601) patch.
    dltb = layer([box(0, 0, 100, 100), box(100, 0, 100, 100)], feature_id=["F1", "F2"],
                 land_code=["0102", "0601"])
    supply_ = supply([box(150, 0, 40, 40), box(10, 0, 40, 40)], ["ON-0601", "ON-0102"])
    res = vector_findings({"farmland": dltb, "supply": supply_,
                           "approvals": approvals([box(900, 0, 5, 5)], ["A"])}, as_of=AS_OF)
    assert rules(res, "supply_without_approval")["feature_id"].tolist() == ["ON-0102"]
    feats = res.features.set_index("feature_id")
    assert feats.loc["ON-0601", "on_farmland_m2"] == 0
    assert feats.loc["ON-0601", "on_other_m2"] == pytest.approx(1600, rel=1e-5)


# --------------------------------------------------------------------------- changes


def test_patch_across_admin_line_is_split() -> None:
    patch = box(-30, 0, 100, 50)  # 30 m in township 001, 70 m in 002
    res = vector_findings({"admin": admin_two_townships(), "changes": changes([patch], ["C1"]),
                           "approvals": approvals([box(500, 500, 10, 10)], ["PZ9"])},
                          as_of=AS_OF)
    f = rules(res, "unapproved_construction").sort_values("admin_code")
    assert f["admin_code"].tolist() == ["210302001", "210302002"]
    assert f["admin_name"].tolist() == ["甲镇", "乙镇"]
    np.testing.assert_allclose(f["area_m2"], [1500, 3500], rtol=1e-5)
    assert f["finding_id"].tolist() == ["unapproved_construction/changes/C1/210302001",
                                        "unapproved_construction/changes/C1/210302002"]
    row = res.features.set_index("feature_id").loc["C1"]
    assert row["admin_code"] == "210302002;210302001"
    by = res.tables["by_admin"].set_index("admin_code")
    assert by.loc["210302002", "unapproved_construction_n"] == 1
    assert by.loc["210302002", "unapproved_construction_m2"] == pytest.approx(3500, rel=1e-5)


def test_patch_partly_covered_by_two_overlapping_approvals() -> None:
    patch = box(0, 0, 100, 100)
    appr = approvals([box(0, 0, 60, 100), box(30, 0, 60, 100)], ["PZ1", "PZ2"])
    farm = layer([box(0, 0, 100, 100)], feature_id=["F1"], land_code=["0101"])
    res = vector_findings({"changes": changes([patch], ["C1"]), "approvals": appr,
                           "farmland": farm}, as_of=AS_OF, lang="en")
    f = rules(res, "unapproved_construction")
    assert f["area_m2"].iloc[0] == pytest.approx(10 * 100, rel=1e-5)
    row = res.features.set_index("feature_id").loc["C1"]
    assert row["uncovered_m2"] == pytest.approx(1_000, rel=1e-5)  # covered once: 9000
    assert row["covered_by"] == "PZ1;PZ2"
    assert "other farmland 1,000.0 m2" in f["message"].iloc[0]


def test_patch_touching_approval_names_it() -> None:
    patch = box(0, 0, 50, 50)
    appr = approvals([box(50, 0, 50, 50), box(300, 0, 50, 50)], ["PZ-NEAR", "PZ-FAR"])
    res = vector_findings({"changes": changes([patch], ["C1"]), "approvals": appr},
                          as_of=AS_OF, lang="en")
    f = rules(res, "unapproved_construction")
    assert "nearest approval touching it: PZ-NEAR" in f["message"].iloc[0]
    assert "PZ-FAR" not in f["message"].iloc[0]
    assert f["matched"].iloc[0] == "PZ-NEAR"


def test_unjudgeable_rows_are_carried_not_judged() -> None:
    ch = changes([box(0, 0, 50, 50), box(100, 0, 50, 50), None], ["C1", "C2", "C3"])
    ch.loc[1, "_problem"] = "self-intersecting ring could not be repaired"
    res = vector_findings({"changes": ch, "approvals": approvals([box(900, 0, 5, 5)], ["A"])},
                          as_of=AS_OF)
    assert rules(res, "unapproved_construction")["feature_id"].tolist() == ["C1"]
    feats = res.features.set_index("feature_id")
    assert set(feats.index) >= {"C1", "C2", "C3"}
    assert np.isnan(feats.loc["C2", "area_m2"])
    assert np.isnan(feats.loc["C3", "uncovered_m2"])
    assert feats.loc["C1", "uncovered_m2"] == pytest.approx(2500, rel=1e-5)


# --------------------------------------------------------------------------- criminal


@pytest.mark.parametrize(
    ("h", "on_basic", "expected"),
    [
        (66.67, True, True),    # 50 x 66.67 = 3333.5 m2 = 5.00025 mu of basic farmland
        (66.65, True, False),   # 3332.5 m2 = 4.99875 mu
        (133.34, False, True),  # 50 x 133.34 = 6667 m2 = 10.0005 mu of other farmland
        (133.30, False, False),  # 6665 m2 = 9.9975 mu
    ],
)
def test_criminal_threshold_at_and_under(h: float, on_basic: bool, expected: bool) -> None:
    patch = box(0, 0, 50, h)
    land = box(-10, -10, 100, 300)
    layers = {"changes": changes([patch], ["C1"]),
              "approvals": approvals([box(900, 0, 5, 5)], ["A"])}
    if on_basic:
        layers["basic_farmland"] = layer([land], feature_id=["BF1"])
    else:
        layers["farmland"] = layer([land], feature_id=["F1"], land_code=["0102"])
    res = vector_findings(layers, as_of=AS_OF, lang="en")
    f = rules(res, "criminal_threshold")
    assert (len(f) == 1) is expected
    if expected:
        assert f["area_m2"].iloc[0] == pytest.approx(50 * h, rel=1e-5)
        head = f"basic farmland >= {settings.criminal_basic_mu:g}"
        assert f["threshold"].iloc[0].startswith(head)


# --------------------------------------------------------------------------- accountability


@pytest.mark.parametrize(("illegal_w", "expected"), [(25.0, True), (10.0, False)])
def test_accountability_ratio(illegal_w: float, expected: bool) -> None:
    # The denominator is all farmland in the year's construction change patches, lawful
    # and unlawful (令15号 Art. 3 as satellite enforcement reads it): C2 is 10,000 m2 built
    # this year under an approval of 2024, so it counts; an approval of this year with
    # nothing built on it (PZ1) does not. (Before, the approvals of the year were the
    # denominator and C2 dropped out.)
    farm = layer([box(0, 0, 1000, 1000)], feature_id=["F1"], land_code=["0101"])
    appr = approvals([box(0, 0, 100, 100), box(300, 0, 100, 100)], ["PZ24", "PZ1"],
                     on=[datetime.date(2024, 2, 1), datetime.date(2026, 2, 1)])
    # Illegal: a patch of illegal_w x 100 on farmland, detected this year; another
    # detected last year does not count.
    ch = changes([box(500, 0, illegal_w, 100), box(700, 0, 50, 100), box(0, 0, 100, 100)],
                 ["C1", "C0", "C2"], detected=[datetime.date(2026, 4, 1),
                                              datetime.date(2025, 4, 1),
                                              datetime.date(2026, 3, 1)])
    res = vector_findings({"admin": admin_two_townships(), "farmland": farm,
                           "approvals": appr, "changes": ch}, as_of=AS_OF, lang="en")
    f = rules(res, "accountability_ratio")
    illegal = illegal_w * 100
    ratio = illegal / (illegal + 10_000)  # 20 % and 9.1 %
    assert (len(f) == 1) is expected
    if expected:
        assert f["admin_code"].iloc[0] == "210302"
        assert f["area_m2"].iloc[0] == pytest.approx(illegal, rel=1e-5)
        assert f["ratio"].iloc[0] == pytest.approx(ratio, rel=1e-5)
        assert "20.0%" in f["message"].iloc[0]
        assert f["geometry"].iloc[0].area == pytest.approx(4000 * 6000)


def test_missing_dates_skip_accountability() -> None:
    ch = changes([box(0, 0, 10, 10)], ["C1"]).drop(columns="detected_on")
    farm = layer([box(0, 0, 100, 100)], feature_id=["F1"], land_code=["0101"])
    res = vector_findings({"admin": admin_two_townships(), "farmland": farm, "changes": ch,
                           "approvals": approvals([box(900, 0, 5, 5)], ["A"])}, as_of=AS_OF)
    assert "detected_on" in dict(res.skipped)["accountability_ratio"]


def test_messages_in_chinese_name_areas_in_mu() -> None:
    farm = layer([box(0, 0, 100, 100)], feature_id=["F1"], land_code=["0101"])
    res = vector_findings({"changes": changes([box(0, 0, 30, 30)], ["C1"]), "farmland": farm,
                           "approvals": approvals([box(900, 0, 5, 5)], ["A"])}, as_of=AS_OF)
    msg = rules(res, "unapproved_construction")["message"].iloc[0]
    assert "900.0 平方米（1.35 亩）" in msg
    assert "其他耕地" in msg
    assert res.parameters["sliver_m2"] == settings.sliver_m2


def test_only_the_rules_asked_for_run() -> None:
    from pathlib import Path

    from redline.io.dataset import read_dataset

    ds = read_dataset(Path(__file__).resolve().parents[1] / "data" / "samples" / "tiedong")
    layers = {role: lay.frame for role, lay in ds.layers.items()}
    every = vector_findings(layers, as_of=AS_OF).findings.set_index("finding_id")
    ratio = vector_findings(layers, as_of=AS_OF, rules={"accountability_ratio"})
    got = ratio.findings.set_index("finding_id")
    assert set(got["rule"]) == {"accountability_ratio"}
    assert list(got.index) == [i for i in every.index if i.startswith("accountability_ratio/")]
    cols = ["area_m2", "ratio", "approved_m2"]
    np.testing.assert_array_equal(got[cols].to_numpy(float), every.loc[got.index, cols]
                                  .to_numpy(float))
    # The parcels' own splits are not worked out for it.
    assert "approvals" not in set(ratio.features["layer"])
    with pytest.raises(ValueError, match="must be among"):
        vector_findings(layers, as_of=AS_OF, rules={"no_such_rule"})


@hyp_settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["", "a", "b", "c", "a;b", "7"])),
                max_size=40))
def test_joined_by_group_matches_a_groupby_per_group(rows: list[tuple[int, str]]) -> None:
    # The ids a finding or feature lists: worked out group by group in plain Python.
    from redline.analysis.findings import joined_by_group

    groups = [g for g, _ in rows]
    labels = [v for _, v in rows]
    expected = [";".join(dict.fromkeys(v for g, v in rows if g == k and v)) for k in range(6)]
    assert joined_by_group(np.asarray(groups, dtype=np.intp),
                           np.asarray(labels, dtype=object), 6).tolist() == expected


def test_dated_cover_of_parcels_inside_and_across_approvals_matches_shapely() -> None:
    from redline.analysis.areas import ellipsoidal_area
    from redline.analysis.coverage import approval_standing, dated_cover

    a1, a2 = box(0, 0, 100, 100), box(60, 0, 100, 100)  # overlapping approvals
    undated = box(0, 150, 100, 50)
    appr = layer([a1, a2, undated], approval_id=["A1", "A2", "A3"],
                 approved_on=[datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), None],
                 authority=["国务院"] * 3)
    # Inside A1; across A1 and A2 and beyond; inside A1 and half in the undated A3's land.
    parcels = np.asarray([box(10, 10, 20, 20), box(50, 20, 150, 30),
                          box(40, 90, 20, 80)], dtype=object)
    cov = dated_cover(parcels, approval_standing(appr, None), crs=CRS, as_of=AS_OF,
                      when=np.asarray(["2026-03-01"] * 3, dtype="datetime64[D]"),
                      sliver_m2=0.0)
    lawful = shapely.union_all([a1, a2])
    rest = shapely.difference(parcels, lawful)
    doubt = shapely.intersection(rest, undated)
    unlawful = shapely.difference(rest, undated)
    np.testing.assert_allclose(cov.doubt_m2, ellipsoidal_area(doubt, CRS), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(cov.unlawful_m2, ellipsoidal_area(unlawful, CRS), rtol=1e-9,
                               atol=1e-6)
    np.testing.assert_allclose(ellipsoidal_area(cov.unlawful, CRS),
                               ellipsoidal_area(unlawful, CRS), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ellipsoidal_area(cov.doubt, CRS),
                               ellipsoidal_area(doubt, CRS), rtol=1e-9, atol=1e-6)
    assert cov.unlawful_m2[0] == 0
    assert shapely.is_empty(cov.unlawful[0])
    assert cov.lawful_by.tolist() == ["A1", "A1;A2", "A1"]
