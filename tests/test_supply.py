"""Supply-side checks: idle land, imagery evidence, 批而未供, policy, industrial standards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from redline import settings
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.supply import THRESHOLDS, supply_findings
from redline.errors import ConfigError, CRSError

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0
D = dt.date


def _box(k: int, size: float = 50.0) -> shapely.Polygon:
    """The k-th parcel, 200 m apart along x."""
    return shapely.box(X0 + 200 * k, Y0, X0 + 200 * k + size, Y0 + size)


def _supply(rows: list[dict[str, Any]], *, dates: str = "datetime64") -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    for column in ("contract_on", "start_agreed_on", "started_on"):
        if column in frame:
            if dates == "datetime64":
                frame[column] = pd.to_datetime(frame[column])
            else:
                frame[column] = [None if v is None else dt.date.fromisoformat(v)
                                 for v in frame[column]]
    if "supply_id" not in frame:
        frame["supply_id"] = [f"S{k}" for k in range(len(frame))]
    frame["_row"] = np.arange(len(frame))
    frame["_problem"] = frame.get("_problem", pd.Series("", index=frame.index)).fillna("")
    frame["_note"] = ""
    geoms = [_box(k) for k in range(len(frame))]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)


def _run(rows: list[dict[str, Any]], as_of: dt.date, **kw: Any) -> Any:
    return supply_findings({"supply": _supply(rows)}, as_of=as_of, **kw)


def _rules(result: Any, feature: str = "S0") -> list[str]:
    f = result.findings
    return sorted(f.loc[f["feature_id"] == feature, "rule"].tolist())


# --------------------------------------------------------------------------- idle clock


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2009, 5, 31), []),            # one day short
        (D(2009, 6, 1), ["idle_1y"]),    # exactly one full year
        (D(2010, 5, 31), ["idle_1y"]),
        (D(2010, 6, 1), ["idle_2y"]),    # exactly two full years
    ],
)
def test_full_years_from_the_agreed_start(as_of: dt.date, expected: list[str]) -> None:
    result = _run([{"start_agreed_on": "2008-06-01", "started_on": None}], as_of)
    assert _rules(result) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2025, 2, 27), []),
        (D(2025, 2, 28), ["idle_1y"]),   # 29 Feb + 1 year = 28 Feb, reached that day
        (D(2026, 2, 27), ["idle_1y"]),
        (D(2026, 2, 28), ["idle_2y"]),
    ],
)
def test_leap_day_agreed_start(as_of: dt.date, expected: list[str]) -> None:
    result = _run([{"start_agreed_on": "2024-02-29", "started_on": None}], as_of)
    assert _rules(result) == expected


@pytest.mark.parametrize("dates", ["datetime64", "date"])
def test_no_agreed_start_counts_from_contract_plus_one_year(dates: str) -> None:
    rows = [{"contract_on": "2020-03-10", "start_agreed_on": None, "started_on": None}]
    frame = _supply(rows, dates=dates)
    short = supply_findings({"supply": frame}, as_of=D(2022, 3, 9))
    assert _rules(short) == []
    result = supply_findings({"supply": frame}, as_of=D(2022, 3, 10))
    assert _rules(result) == ["idle_1y"]
    finding = result.findings.iloc[0]
    assert "1999" in finding["message"]
    assert "1999" in finding["regulation"]
    row = result.features.set_index("feature_id").loc["S0"]
    assert str(row["clock_from"])[:10] == "2021-03-10"
    assert row["clock_basis"] == "contract_on+1y"
    en = supply_findings({"supply": frame}, as_of=D(2022, 3, 10), lang="en")
    assert "as the 1999 measures did" in en.findings.iloc[0]["message"]


def test_started_after_as_of_is_not_started() -> None:
    rows = [{"start_agreed_on": "2020-01-01", "started_on": "2021-06-01"}]
    assert _rules(_run(rows, D(2021, 1, 1))) == ["idle_1y"]
    assert _rules(_run(rows, D(2021, 6, 1))) == []


def test_idle_fee_is_twenty_percent_of_price() -> None:
    rows = [{"start_agreed_on": "2020-01-01", "started_on": None, "price": 1234.5}]
    result = _run(rows, D(2021, 1, 1))
    finding = result.findings.iloc[0]
    assert finding["idle_fee"] == pytest.approx(1234.5 * 0.20)
    assert "246.90" in finding["message"]
    assert "闲置土地处置办法" in finding["message"]
    assert result.features.loc[0, "idle_fee"] == pytest.approx(246.9)
    # Two years: reclaimed, no fee; a missing price says so.
    two = _run(rows, D(2022, 1, 1)).findings.iloc[0]
    assert two["rule"] == "idle_2y"
    assert np.isnan(two["idle_fee"])
    assert "无偿收回" in two["message"]
    no_price = _run([{"start_agreed_on": "2020-01-01", "started_on": None}], D(2021, 1, 1))
    assert "未记录" in no_price.findings.iloc[0]["message"]


@pytest.mark.parametrize(
    ("cause", "excused"),
    [
        ("政府规划调整", True),
        ("未按期交地", True),
        ("文物勘探", True),
        ("Force majeure: flood", True),
        ("land not delivered by the government", True),
        ("企业资金不足", False),
        ("非政府原因，企业资金问题", False),
        (None, False),
    ],
)
def test_government_or_force_majeure_delay_is_excused(cause: str | None,
                                                      excused: bool) -> None:
    rows = [{"start_agreed_on": "2020-01-01", "started_on": None, "delay_cause": cause}]
    result = _run(rows, D(2022, 2, 1))
    if excused:
        assert _rules(result) == []
        table = result.tables["excused"]
        assert table["feature_id"].tolist() == ["S0"]
        assert table["rule"].tolist() == ["idle_2y"]
        assert table["delay_cause"].tolist() == [cause]
        assert "excused" in result.features.loc[0, "supply_status"]
    else:
        assert _rules(result) == ["idle_2y"]
        assert result.tables["excused"].empty


@pytest.mark.parametrize(
    ("built", "done", "as_of", "expected"),
    [
        (0.20, None, D(2021, 1, 1), ["idle_1y"]),   # developed under 1/3, a full year
        (0.20, None, D(2020, 12, 31), []),          # a day short of the full year
        (20.0, None, D(2021, 1, 1), ["idle_1y"]),   # 20 read as 20 %
        (0.50, 10.0, D(2021, 1, 1), ["idle_1y"]),   # investment 10 % under 25 %
        (0.50, 50.0, D(2021, 1, 1), []),            # above both thresholds
        (None, None, D(2023, 1, 1), []),            # started, nothing recorded: not stalled
        (0.10, None, D(2022, 1, 1), ["idle_2y"]),
    ],
)
def test_started_but_stalled(built: float | None, done: float | None, as_of: dt.date,
                             expected: list[str]) -> None:
    rows = [{"start_agreed_on": "2019-06-01", "started_on": "2020-01-01",
             "built_area_ratio": built, "invest_total": 100.0, "invest_done": done}]
    result = _run(rows, as_of)
    assert _rules(result) == expected
    if expected:
        message = result.findings.iloc[0]["message"]
        assert "无停工日期" in message  # the stop-date choice is stated
        assert str(result.features.loc[0, "clock_from"])[:10] == "2020-01-01"


def test_early_warning_window() -> None:
    rows = [
        {"supply_id": "soon", "start_agreed_on": "2023-01-01", "started_on": None},
        {"supply_id": "later", "start_agreed_on": "2023-06-01", "started_on": None},
        {"supply_id": "second", "start_agreed_on": "2022-01-10", "started_on": None},
    ]
    as_of = D(2023, 10, 15)
    result = _run(rows, as_of)
    warn = result.tables["early_warning"].set_index("feature_id")
    assert set(warn.index) == {"soon", "second"}
    assert warn.loc["soon", "crosses_on"] == "2024-01-01"
    assert warn.loc["soon", "days_left"] == (D(2024, 1, 1) - as_of).days == 78
    assert warn.loc["soon", "rule"] == "idle_1y"
    assert warn.loc["second", "rule"] == "idle_2y"  # already idle_1y, the 2-year line comes
    assert _rules(result, "second") == ["idle_1y"]
    assert _rules(result, "soon") == []
    narrow = _run(rows, as_of, warning_days=30)
    assert narrow.tables["early_warning"]["feature_id"].tolist() == []
    assert narrow.parameters["idle_warning_days"] == 30
    # The crossing day itself is a finding, not a warning.
    on_day = _run(rows[:1], D(2024, 1, 1))
    assert on_day.tables["early_warning"].empty
    assert _rules(on_day, "soon") == ["idle_1y"]


# --------------------------------------------------------------------------- evidence


def test_evidence_quoted_and_mismatches() -> None:
    rows = [
        {"start_agreed_on": "2020-01-01", "started_on": None},           # S0 idle, 30 % built
        {"start_agreed_on": "2020-01-01", "started_on": None},           # S1 built up: doubted
        {"start_agreed_on": "2020-01-01", "started_on": "2020-03-01"},   # S2 started, bare
        {"start_agreed_on": "2020-01-01", "started_on": None},           # S3 no raster value
    ]
    evidence = pd.DataFrame({
        "supply_id": ["S0", "S1", "S2", "S3"],
        "built_fraction": [0.30, 0.80, 0.01, np.nan],
        "coverage_px": [25.0, 25.0, 25.0, 0.0],
        "evidence_problem": ["", "", "", "parcel outside the evidence raster's extent"],
    })
    result = _run(rows, D(2021, 6, 1), evidence=evidence)
    assert _rules(result, "S0") == ["idle_1y"]
    assert "影像建成比例30%" in result.findings.query("feature_id == 'S0'")["message"].iloc[0]
    assert _rules(result, "S1") == ["evidence_mismatch"]  # not idle
    s1 = result.findings.query("feature_id == 'S1'").iloc[0]
    assert s1["severity"] == "low"
    assert "影像" in s1["message"]
    assert _rules(result, "S2") == ["evidence_mismatch"]
    assert "实地核查" in result.findings.query("feature_id == 'S2'")["message"].iloc[0]
    s3 = result.findings.query("feature_id == 'S3'").iloc[0]
    assert s3["rule"] == "idle_1y"
    assert "outside" in s3["message"]
    feats = result.features.set_index("feature_id")
    assert feats.loc["S1", "built_fraction"] == pytest.approx(0.8)
    en = _run(rows, D(2021, 6, 1), evidence=evidence, lang="en").findings
    assert "imagery shows construction" in en.query("feature_id == 'S1'")["message"].iloc[0]
    assert "field check" in en.query("feature_id == 'S2'")["message"].iloc[0]


def test_evidence_matched_by_index_without_id_column() -> None:
    frame = _supply([{"start_agreed_on": "2020-01-01", "started_on": None}] * 2)
    frame.index = [7, 9]
    evidence = pd.DataFrame({"built_fraction": [0.9, 0.0], "evidence_problem": ["", ""]},
                            index=[9, 7])
    result = supply_findings({"supply": frame}, as_of=D(2021, 6, 1), evidence=evidence)
    assert _rules(result, "S0") == ["idle_1y"]
    assert _rules(result, "S1") == ["evidence_mismatch"]


# --------------------------------------------------------------------------- 批而未供


def _approvals(admin_code: bool = True) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "approval_id": ["A1", "A2", "A3", "A4"],
            "approved_on": pd.to_datetime(["2019-05-01", "2023-01-01", "2019-05-01",
                                           "2019-05-01"]),
            "_row": range(4),
            "_problem": ["", "", "", "duplicate id"],
            "_note": "",
        },
        geometry=[
            shapely.box(X0, Y0, X0 + 100, Y0 + 100),
            shapely.box(X0 + 1000, Y0, X0 + 1100, Y0 + 100),
            shapely.box(X0 + 2000, Y0, X0 + 2100, Y0 + 100),
            shapely.box(X0 + 3000, Y0, X0 + 3100, Y0 + 100),
        ],
        crs=CRS,
    )
    if admin_code:
        frame["admin_code"] = ["210302001", "210302002", "210303001", "210303001"]
    return frame


def _supplied() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"supply_id": ["P1", "P2", "P3", "P4"], "_row": range(4), "_problem": "", "_note": ""},
        geometry=[
            shapely.box(X0 - 10, Y0 - 10, X0 + 60, Y0 + 40),      # part of A1
            shapely.box(X0 + 30, Y0 + 20, X0 + 70, Y0 + 100),     # overlaps P1 and A1
            shapely.box(X0 + 1990, Y0 - 5, X0 + 2110, Y0 + 100.05),  # A3 whole (0.05 m edge)
            shapely.box(X0 + 2000, Y0 + 100.05, X0 + 2100, Y0 + 105),
        ],
        crs=CRS,
    )


def test_approved_not_supplied_against_overlay() -> None:
    approvals, supply = _approvals(), _supplied()
    result = supply_findings({"approvals": approvals, "supply": supply}, as_of=D(2024, 6, 1))
    found = result.findings[result.findings["rule"] == "approved_not_supplied"]
    assert found["feature_id"].tolist() == ["A1"]  # A2 too young, A3 covered, A4 not judged
    expected = gpd.overlay(approvals.iloc[[0]], supply, how="difference")
    expected_m2 = float(ellipsoidal_area(expected.geometry.values, CRS).sum())
    a1_m2 = float(ellipsoidal_area([approvals.geometry.iloc[0]], CRS)[0])
    assert found["area_m2"].iloc[0] == pytest.approx(expected_m2, rel=1e-9)
    assert expected_m2 == pytest.approx(10_000 - (60 * 40 + 40 * 80 - 30 * 20), rel=1e-3)
    assert found.geometry.iloc[0].symmetric_difference(expected.geometry.iloc[0]).area < 1e-6
    assert "满5周年" in found["message"].iloc[0]
    feats = result.features[result.features["layer"] == "approvals"].set_index("feature_id")
    rate = 1 - expected_m2 / a1_m2
    assert feats.loc["A1", "supply_rate"] == pytest.approx(rate, rel=1e-9)
    assert feats.loc["A3", "unsupplied_m2"] == 0.0  # the 0.05 m strip is a sliver
    assert feats.loc["A2", "supply_status"].startswith("partly unsupplied")
    assert feats.loc["A4", "supply_status"] == "not judged: duplicate id"
    table = result.tables["supply_rate"]
    per = table[table["level"] == "approval"].set_index("approval_id")
    assert per.loc["A1", "supply_rate"] == pytest.approx(rate, rel=1e-9)
    county = table[table["level"] == "county"].set_index("county")
    a2_m2 = float(ellipsoidal_area([approvals.geometry.iloc[1]], CRS)[0])
    assert county.loc["210302", "unsupplied_m2"] == pytest.approx(expected_m2 + a2_m2)
    assert county.loc["210302", "overdue_unsupplied_m2"] == pytest.approx(expected_m2)
    assert county.loc["210303", "supply_rate"] == pytest.approx(1.0)


def test_county_rates_by_overlay_with_admin() -> None:
    approvals = _approvals(admin_code=False)
    admin = gpd.GeoDataFrame(
        {"admin_code": ["210302", "210303"], "_row": [0, 1], "_problem": "", "_note": ""},
        geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 50, Y0 + 500),
                  shapely.box(X0 + 50, Y0 - 500, X0 + 5000, Y0 + 500)],
        crs=CRS,
    )
    result = supply_findings({"approvals": approvals, "supply": _supplied(), "admin": admin},
                             as_of=D(2024, 6, 1))
    county = result.tables["supply_rate"].query("level == 'county'").set_index("county")
    # Independent split of A1's unsupplied part by the two units.
    gaps = gpd.overlay(approvals.iloc[[0]], _supplied(), how="difference")
    left = gpd.overlay(gaps, admin.iloc[[0]], how="intersection")
    assert county.loc["210302", "unsupplied_m2"] == pytest.approx(
        float(ellipsoidal_area(left.geometry.values, CRS).sum()), rel=1e-9)
    approved_left = float(ellipsoidal_area([shapely.box(X0, Y0, X0 + 50, Y0 + 100)], CRS)[0])
    assert county.loc["210302", "area_m2"] == pytest.approx(approved_left, rel=1e-9)
    total = float(ellipsoidal_area(approvals.geometry.values[:3], CRS).sum())
    assert county["area_m2"].sum() == pytest.approx(total, rel=1e-9)


def test_no_supply_over_an_old_approval() -> None:
    approvals = _approvals().iloc[[0]]
    supply = _supplied().iloc[[2]]  # far away
    result = supply_findings({"approvals": approvals, "supply": supply}, as_of=D(2024, 6, 1))
    found = result.findings.iloc[0]
    assert found["rule"] == "approved_not_supplied"
    assert found["area_m2"] == pytest.approx(ellipsoidal_area(approvals.geometry.values, CRS)[0])
    assert found["supply_rate"] == 0.0


_cell = st.integers(min_value=0, max_value=20).map(lambda v: v * 5.0)


@st.composite
def _boxes(draw: Any, n: int) -> list[shapely.Polygon]:
    out = []
    for _ in range(n):
        x, y = draw(_cell), draw(_cell)
        w, h = draw(_cell.filter(bool)), draw(_cell.filter(bool))
        out.append(shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h))
    return out


@hsettings(max_examples=25, deadline=None)
@given(_boxes(1), st.integers(min_value=0, max_value=4).flatmap(_boxes))
def test_unsupplied_area_matches_overlay(approval: list[shapely.Polygon],
                                         parcels: list[shapely.Polygon]) -> None:
    approvals = gpd.GeoDataFrame({"approval_id": ["A"], "approved_on": pd.to_datetime(
        ["2010-01-01"])}, geometry=approval, crs=CRS)
    supply = gpd.GeoDataFrame({"supply_id": [f"P{k}" for k in range(len(parcels))]},
                              geometry=parcels or [], crs=CRS)
    result = supply_findings({"approvals": approvals, "supply": supply}, as_of=D(2020, 1, 1))
    row = result.features.query("layer == 'approvals'").iloc[0]
    area = float(ellipsoidal_area(approval, CRS)[0])
    # Pieces are multiples of 25 m2, far above the 1 m2 sliver threshold.
    gaps = (gpd.overlay(approvals, supply, how="difference") if len(supply) else approvals)
    expected = float(ellipsoidal_area(gaps.geometry.values, CRS).sum())
    # Each ellipsoidal_area call centres its own equal-area projection: 1e-8 apart.
    assert row["unsupplied_m2"] == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert 0.0 <= row["unsupplied_m2"] <= area
    assert row["supply_rate"] == pytest.approx(1 - expected / area, abs=1e-7)
    found = result.findings
    assert len(found) == (1 if expected > 1 else 0)


# --------------------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("method", "use", "contract", "expected"),
    [
        ("allocation", "05H1", "2010-01-01", ["allocation_misuse"]),
        ("allocation", "0701", "2010-01-01", ["allocation_misuse"]),
        ("allocation", "0702", "2010-01-01", []),        # rural homestead
        ("allocation", "08H1", "2010-01-01", []),        # public use: allowed
        ("listing", "05H1", "2010-01-01", []),
        ("negotiation", "0601", "2008-03-01", ["industrial_negotiated"]),
        ("negotiation", "0601A", "2007-01-01", ["industrial_negotiated"]),
        ("negotiation", "0601", "2006-12-31", []),
        ("auction", "0601", "2010-01-01", []),
        ("negotiation", "0601", None, []),
    ],
)
def test_supply_policy(method: str, use: str, contract: str | None,
                       expected: list[str]) -> None:
    rows = [{"supply_method": method, "land_use": use, "contract_on": contract}]
    result = _run(rows, D(2024, 1, 1))
    assert _rules(result) == expected
    for _, finding in result.findings.iterrows():
        assert finding["regulation"]
    if contract is None and method == "negotiation":
        assert "no contract date" in result.features.loc[0, "supply_status"]


def test_industrial_standard_names_each_failed_indicator() -> None:
    rows = [
        {"land_use": "0601", "industry": "食品加工", "plot_ratio": 0.7,
         "building_coefficient": 0.25, "green_ratio": 0.25, "office_share": 0.05},
        {"land_use": "0601", "industry": "化学原料", "plot_ratio": 0.7,
         "building_coefficient": 0.35, "green_ratio": 0.15, "office_share": 0.05},
        {"land_use": "0601", "industry": None, "plot_ratio": 0.5,
         "building_coefficient": 35.0, "green_ratio": 15.0, "office_share": 8.0},
        {"land_use": "05H1", "industry": None, "plot_ratio": 0.1,
         "building_coefficient": 0.1, "green_ratio": 0.5, "office_share": 0.5},
    ]
    result = _run(rows, D(2024, 1, 1))
    f = result.findings.set_index("feature_id")
    assert set(f.index) == {"S0", "S2"}
    s0 = f.loc["S0", "message"]
    assert "容积率 0.70 < 1.00" in s0
    assert "食品" in s0
    assert "建筑系数 25% < 30%" in s0
    assert "绿地率 25% > 20%" in s0
    assert "行政办公" not in s0
    s2 = f.loc["S2", "message"]
    assert "容积率 0.50 < 0.60" in s2
    assert "8% > 7%" in s2
    assert "建筑系数" not in s2
    en = _run(rows, D(2024, 1, 1), lang="en").findings.set_index("feature_id")
    assert "plot_ratio 0.70 < 1.00 (industry: 食品)" in en.loc["S0", "message"]


# --------------------------------------------------------------------------- bookkeeping


def test_features_skipped_and_parameters() -> None:
    rows = [
        {"start_agreed_on": "2020-01-01", "started_on": None},
        {"start_agreed_on": "2020-01-01", "started_on": None, "_problem": "duplicate id"},
        {"start_agreed_on": None, "started_on": None},
    ]
    result = _run(rows, D(2022, 6, 1))
    assert _rules(result, "S1") == []
    feats = result.features.set_index("feature_id")
    assert list(result.features["layer"]) == ["supply"] * 3
    assert feats.loc["S1", "supply_status"].startswith("duplicate id")
    assert "no agreed start or contract date" in feats.loc["S2", "supply_status"]
    assert feats.loc["S0", "idle_years"] == 2
    assert feats.loc["S0", "idle_days"] == (D(2022, 6, 1) - D(2020, 1, 1)).days
    skipped = dict(result.skipped)
    assert skipped["approved_not_supplied"] == "no approvals layer"
    assert skipped["evidence_mismatch"] == "no evidence raster"
    assert "allocation_misuse" in skipped
    assert "industrial_standard" in skipped
    for name in THRESHOLDS:
        assert name in result.parameters
    assert result.parameters["idle_fee_share"] == settings.idle_fee_share
    assert result.parameters["as_of"] == "2022-06-01"


def test_threshold_override_and_unknown_name() -> None:
    rows = [{"start_agreed_on": "2020-01-01", "started_on": None, "price": 100.0}]
    result = _run(rows, D(2021, 1, 1), idle_fee_share=0.5, idle_years_reclaim=None)
    assert result.findings.iloc[0]["idle_fee"] == pytest.approx(50.0)
    assert result.parameters["idle_years_reclaim"] == settings.idle_years_reclaim
    with pytest.raises(ConfigError, match="unknown threshold"):
        _run(rows, D(2021, 1, 1), idle_fee=0.5)


def test_missing_layers_and_fields() -> None:
    empty = supply_findings({}, as_of=D(2024, 1, 1))
    assert empty.findings.empty
    assert {r for r, _ in empty.skipped} >= {"idle_1y", "idle_2y", "approved_not_supplied"}
    no_start = supply_findings({"supply": _supply([{"start_agreed_on": "2020-01-01"}])},
                               as_of=D(2024, 1, 1))
    assert no_start.findings.empty
    assert "started_on" in dict(no_start.skipped)["idle_1y"]


def test_input_not_modified_and_crs_checked() -> None:
    frame = _supply([{"start_agreed_on": "2020-01-01", "started_on": None,
                      "built_area_ratio": 30.0}])
    before = frame.copy()
    supply_findings({"supply": frame}, as_of=D(2022, 1, 1))
    pd.testing.assert_frame_equal(frame, before)
    other = _approvals().to_crs("EPSG:32651")
    with pytest.raises(CRSError):
        supply_findings({"supply": frame, "approvals": other}, as_of=D(2022, 1, 1))
