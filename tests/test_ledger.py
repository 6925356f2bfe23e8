"""County ledger: every figure against an independent computation (geopandas, pyproj.Geod, hand)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from redline.analysis.ledger import (
    LEDGER_COLUMNS,
    county_ledger,
    forecast_demand,
    released_by,
)
from redline.text import en, header, zh

import report_data as rd

GEOD = Geod(ellps="GRS80")


def geod_ha(frame: gpd.GeoDataFrame) -> float:
    """Ellipsoidal area of a frame in ha, by pyproj.Geod on lon/lat (independent of redline)."""
    lonlat = frame.to_crs("EPSG:4490")
    return sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat.geometry) / 1e4


def in_unit(frame: gpd.GeoDataFrame, admin: gpd.GeoDataFrame, code: str) -> gpd.GeoDataFrame:
    unit = admin[admin["admin_code"] == code]
    return gpd.overlay(frame, unit[["geometry"]], how="intersection", keep_geom_type=True)


@pytest.fixture(scope="module")
def data() -> dict[str, gpd.GeoDataFrame]:
    return rd.layers()


@pytest.fixture(scope="module")
def ledger(data: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    return county_ledger(data, rd.targets(), rd.findings(), as_of=rd.AS_OF).set_index(
        "admin_code")


def test_units_and_columns(ledger: pd.DataFrame) -> None:
    assert list(ledger.index) == ["210302", "210303", "210302001", "210302002"]
    assert ledger.loc["210302", "level"] == "county"
    assert ledger.loc["210302001", "level"] == "township"
    assert ledger.loc["210302", "admin_name"] == "铁东区"
    assert list(ledger.columns[2:]) == list(LEDGER_COLUMNS)
    assert set(zh.LEDGER_HEADERS) == set(en.LEDGER_HEADERS) == set(LEDGER_COLUMNS)
    assert header("farmland_ha", "zh") != header("farmland_ha", "en")


@pytest.mark.parametrize("code", ["210302", "210303", "210302001", "210302002"])
def test_farmland_and_basic_farmland_now(data, ledger, code: str) -> None:
    farm = data["farmland"][data["farmland"]["land_code"].isin(["0101", "0102", "0103"])]
    expected = geod_ha(in_unit(farm, data["admin"], code))
    assert ledger.loc[code, "farmland_ha"] == pytest.approx(expected, rel=1e-7)
    basic = in_unit(data["basic_farmland"], data["admin"], code)
    assert ledger.loc[code, "basic_farmland_ha"] == pytest.approx(
        geod_ha(basic) if len(basic) else 0.0, rel=1e-7, abs=1e-9)


def test_targets_margin(ledger: pd.DataFrame) -> None:
    row = ledger.loc["210302"]
    assert row["farmland_target_ha"] == 30.0
    assert row["farmland_margin_ha"] == pytest.approx(46.0 - 30.0, abs=1e-3)
    assert row["basic_farmland_margin_ha"] == pytest.approx(8.0 - 10.0, abs=1e-3)
    assert ledger.loc["210303", "farmland_margin_ha"] == pytest.approx(4.0 - 5.0, abs=1e-3)
    assert np.isnan(ledger.loc["210302001", "farmland_target_ha"])  # targets are per county


def test_quota_use_and_phased_release(data, ledger) -> None:
    approvals = data["approvals"]
    year = approvals[pd.to_datetime(approvals["approved_on"]).dt.year == 2026]
    row = ledger.loc["210302"]
    assert row["approved_ha"] == pytest.approx(geod_ha(year), rel=1e-7)
    assert row["quota_ha"] == 10.0
    assert row["quota_released_ha"] == 5.0  # both tranches by 30 June
    assert row["quota_used_share"] == pytest.approx(geod_ha(year) / 10.0, rel=1e-7)
    assert row["quota_remaining_ha"] == pytest.approx(10.0 - geod_ha(year), rel=1e-7)
    # A1 (4 ha) on 1 March, when only the 2 ha January tranche was out.
    assert bool(row["quota_over_release"]) is True
    assert row["quota_over_release_on"] == "2026-03-01"
    # Approvals split across townships by the admin polygons.
    for code in ("210302001", "210302002"):
        assert ledger.loc[code, "approved_ha"] == pytest.approx(
            geod_ha(in_unit(year, data["admin"], code)), rel=1e-7)


def test_released_by_dates_and_without_dates() -> None:
    t = rd.targets()
    assert released_by(t, "210302", 2026, date(2026, 1, 9)) == 0.0
    assert released_by(t, "210302", 2026, date(2026, 1, 10)) == 2.0
    assert released_by(t, "210302", 2026, date(2026, 12, 31)) == 5.0
    single = t.drop(columns="released_on").iloc[[2]]
    assert released_by(single, "210302", 2025, date(2025, 1, 1)) == 8.0
    assert np.isnan(released_by(t, "999999", 2026, date(2026, 1, 1)))


def test_no_over_release_when_released_in_time(data) -> None:
    t = rd.targets()
    t.loc[0, "quota_released_ha"] = 6.0  # the January tranche now covers every approval
    led = county_ledger(data, t, rd.findings(), as_of=rd.AS_OF).set_index("admin_code")
    assert bool(led.loc["210302", "quota_over_release"]) is False
    assert led.loc["210302", "quota_released_ha"] == 9.0


def test_balance_against_overlay_and_hand_set_supplement(data, ledger) -> None:
    farm = data["farmland"][data["farmland"]["land_code"].isin(["0101", "0102", "0103"])]
    approvals = data["approvals"]
    year = approvals[pd.to_datetime(approvals["approved_on"]).dt.year == 2026]
    occupied = gpd.overlay(farm, year[["approval_id", "geometry"]], how="intersection")
    row = ledger.loc["210302"]
    assert row["occupied_farmland_ha"] == pytest.approx(geod_ha(occupied), rel=1e-7)
    paddy = occupied[occupied["land_code"] == "0101"]
    assert row["occupied_paddy_ha"] == pytest.approx(geod_ha(paddy), rel=1e-7)
    # Area-weighted grade, by hand: F2 1 ha grade 9, F3 1 ha grade 7, F1 1.5 ha grade 5.
    assert row["occupied_grade"] == pytest.approx((9 + 7 + 1.5 * 5) / 3.5, rel=1e-6)
    # Supplement projects completed in 2026: 0.5 + 0.3 ha, paddy 0.1 ha (BC0 is 2025's).
    assert row["added_farmland_ha"] == pytest.approx(0.8)
    assert row["added_paddy_ha"] == pytest.approx(0.1)
    assert row["added_grade"] == pytest.approx((5000 * 8 + 3000 * 10) / 8000)
    assert row["balance_ha"] == pytest.approx(0.8 - geod_ha(occupied), rel=1e-7)
    assert row["paddy_balance_ha"] == pytest.approx(0.1 - geod_ha(paddy), rel=1e-7)
    assert row["grade_balance"] == pytest.approx(23.5 / 3.5 - 8.75, rel=1e-6)
    west = ledger.loc["210302001"]
    assert west["added_farmland_ha"] == pytest.approx(0.5)
    assert west["occupied_farmland_ha"] == pytest.approx(
        geod_ha(in_unit(occupied, data["admin"], "210302001")), rel=1e-7)


def test_illegal_share_and_violations(data, ledger) -> None:
    # 令15号 as satellite enforcement reads it: the numerator is the farmland in the
    # unapproved_construction pieces (the findings: C1's 100 x 100 m piece on F3), the
    # denominator all farmland in the year's construction change patches, lawful or not:
    # C1 (200 x 100 on F3) and C2 (100 x 100 on F1). C0 is last year's. By hand:
    # 1 ha / 3 ha. (Before, the ledger worked out its own coverage and added the farmland
    # under the year's approvals: 1.75 / 5.25 ha.)
    farm = data["farmland"][data["farmland"]["land_code"].isin(["0101", "0102", "0103"])]
    changes = data["changes"][pd.to_datetime(data["changes"]["detected_on"]).dt.year == 2026]
    new = gpd.overlay(changes, farm[["geometry"]], how="intersection")
    unlawful = rd.findings()
    unlawful = unlawful[unlawful["rule"] == "unapproved_construction"]
    illegal = gpd.overlay(unlawful[["geometry"]], farm[["geometry"]], how="intersection")
    row = ledger.loc["210302"]
    assert row["illegal_farmland_ha"] == pytest.approx(geod_ha(illegal), rel=1e-7)
    assert row["illegal_farmland_ha"] == pytest.approx(1.0, rel=1e-3)  # by hand
    assert row["new_occupied_farmland_ha"] == pytest.approx(geod_ha(new), rel=1e-7)
    assert row["new_occupied_farmland_ha"] == pytest.approx(3.0, rel=1e-3)
    assert row["illegal_share"] == pytest.approx(1 / 3, rel=1e-3)
    assert bool(row["accountability_breach"]) is True
    assert row["criminal_cases"] == 1
    assert row["findings_high_count"] == 2  # basic farmland + criminal threshold
    assert row["largest_case"] == "idle_1y/supply/S1"
    assert row["largest_case_mu"] == pytest.approx(4e4 / (1e4 / 15), rel=1e-3)
    # Townships get the areas, not the ratio: 令15号 weighs county-level units.
    east = ledger.loc["210302002"]
    assert east["illegal_farmland_ha"] == pytest.approx(1.0, rel=1e-3)
    assert east["new_occupied_farmland_ha"] == pytest.approx(2.0, rel=1e-3)
    assert np.isnan(east["illegal_share"])
    assert pd.isna(east["accountability_breach"])
    clean = ledger.loc["210303"]
    assert clean["illegal_farmland_ha"] == 0.0
    assert bool(clean["accountability_breach"]) is False
    assert clean["largest_case"] == ""


def test_ranking_score(ledger) -> None:
    # 100 x the mean of four parts, each 0-1 (1 best), worked by hand for 210302:
    # target: net farmland 46 ha against 30 ha: met, 1. lawful: 1 - (1/3) / 0.15 < 0: 0.
    # supply: S1 (4 ha) lies outside every approval, so none of the 17.5 ha approved
    # is supplied: 0. cases: 2 high-severity findings: 1 / 3.
    row = ledger.loc["210302"]
    assert row["supply_rate"] == pytest.approx(0.0, abs=1e-12)
    assert row["score"] == pytest.approx(100 * (1 + 0 + 0 + 1 / 3) / 4)
    # 210303: 4 ha against 5 ha is a 20 % shortfall, past the 10 % that scores 0; no
    # violation; no approval (no supply rate, left out); no case: 100 x (0 + 1 + 1) / 3.
    assert ledger.loc["210303", "score"] == pytest.approx(100 * 2 / 3)
    assert ledger.loc["210303", "rank"] == 1
    assert ledger.loc["210302", "rank"] == 2
    assert pd.isna(ledger.loc["210302001", "rank"])


def test_forecast_by_hand(ledger) -> None:
    # Demand for 2027 from the complete years before 2026 (2026 is still running):
    # 2023 1 ha, 2024 4 ha, 2025 6 ha: their mean, and their smallest and largest.
    # (Before, a least-squares line extrapolated to 11/3 + 7.5 ha.)
    row = ledger.loc["210302"]
    assert row["demand_next_ha"] == pytest.approx(11 / 3, rel=1e-5)
    assert row["demand_low_ha"] == pytest.approx(1.0, rel=1e-5)
    assert row["demand_high_ha"] == pytest.approx(6.0, rel=1e-5)
    assert row["demand_quota_gap_ha"] == pytest.approx(11 / 3 - 10.0, rel=1e-5)
    assert "mean of 3 complete year(s) of approvals (2023-2025)" in row["demand_method"]


def test_forecast_demand_cases() -> None:
    assert forecast_demand(pd.Series(dtype=float), next_year=2027)["demand_method"] == (
        "no approval history")
    two = forecast_demand(pd.Series({2024: 2.0, 2025: 4.0}), next_year=2026)
    assert two["demand_next_ha"] == 3.0
    assert (two["demand_low_ha"], two["demand_high_ha"]) == (2.0, 4.0)
    # Only the last three years count.
    four = forecast_demand(pd.Series({2022: 100.0, 2023: 9.0, 2024: 5.0, 2025: 1.0}),
                           next_year=2026, quota_ha=4.0)
    assert four["demand_next_ha"] == 5.0
    assert four["demand_quota_gap_ha"] == 1.0
    planned = forecast_demand(pd.Series({2024: 2.0, 2025: 4.0}), next_year=2026,
                              planned_ha=7.0)
    assert planned["demand_next_ha"] == 7.0
    assert planned["demand_method"].startswith("planned projects")


def test_year_end_includes_current_year(data) -> None:
    led = county_ledger(data, rd.targets(), rd.findings(), as_of=date(2026, 12, 31))
    row = led.set_index("admin_code").loc["210302"]
    assert "(2024-2026)" in row["demand_method"]
    # 2024 4 ha, 2025 6 ha, 2026 A1 4 ha + A2 1.5 ha.
    assert row["demand_next_ha"] == pytest.approx((4 + 6 + 5.5) / 3, rel=1e-5)


def test_inputs_not_mutated(data) -> None:
    before = {k: v.copy() for k, v in data.items()}
    t = rd.targets()
    t0 = t.copy()
    county_ledger(data, t, rd.findings(), as_of=rd.AS_OF)
    for k, v in data.items():
        pd.testing.assert_frame_equal(v, before[k])
    pd.testing.assert_frame_equal(t, t0)


def test_missing_layers_and_no_admin_layer(data) -> None:
    only = {"approvals": data["approvals"]}
    led = county_ledger(only, rd.targets().iloc[[0, 1, 2]], rd.findings().iloc[:0],
                        as_of=rd.AS_OF)
    assert list(led["admin_code"]) == ["210302"]  # the one county of the targets
    row = led.iloc[0]
    assert np.isnan(row["farmland_ha"])
    year = data["approvals"].iloc[:2]
    assert row["approved_ha"] == pytest.approx(geod_ha(year), rel=1e-7)
    assert row["occupied_farmland_ha"] == 0.0
    assert np.isnan(row["added_farmland_ha"])
    empty = county_ledger({}, None, rd.findings().iloc[:0], as_of=rd.AS_OF)
    assert empty.empty
    assert list(empty.columns[3:]) == list(LEDGER_COLUMNS)


def test_targets_with_numeric_codes(data) -> None:
    t = rd.targets()
    t["admin_code"] = t["admin_code"].astype(float)  # as read from a CSV with blanks
    led = county_ledger(data, t, rd.findings(), as_of=rd.AS_OF).set_index("admin_code")
    assert led.loc["210302", "farmland_target_ha"] == 30.0
    assert led.loc["210302", "quota_released_ha"] == 5.0


def test_dataset_ledger_reads_layers_and_targets(data) -> None:
    from redline.analysis.ledger import dataset_ledger
    from redline.model import Dataset, Layer

    ds = Dataset(path="x", working_crs=rd.CRS, targets=rd.targets())
    for role, frame in data.items():
        ds.layers[role] = Layer(role=role, path=f"{role}.gpkg", frame=frame, source_crs=rd.CRS)
    got = dataset_ledger(ds, rd.findings(), as_of=rd.AS_OF)
    want = county_ledger(data, rd.targets(), rd.findings(), as_of=rd.AS_OF)
    pd.testing.assert_frame_equal(got, want)


def test_the_scoped_cache_is_kept_per_thread_and_per_scope() -> None:
    import threading

    from redline.analysis.cache import ScopedCache

    memo = ScopedCache()
    data = [1, 2, 3]
    seen: dict[str, object] = {}
    opened, checked = threading.Event(), threading.Event()

    def other() -> None:
        opened.wait()
        # The main thread's scope is open and holds a result: this thread sees none.
        seen["has"] = memo.has("sum", (data,))
        seen["value"] = memo.get("sum", (data,), lambda: "computed here")
        checked.set()

    t = threading.Thread(target=other)
    t.start()
    with memo.scope():
        assert memo.get("sum", (data,), lambda: sum(data)) == 6
        assert memo.get("sum", (data,), lambda: -1) == 6
        with memo.scope():
            assert memo.get("sum", (data,), lambda: -1) == 6  # the outer scope's result
            assert memo.get("max", (data,), lambda: max(data)) == 3
        assert not memo.has("max", (data,))  # what the inner scope added is gone
        opened.set()
        checked.wait()
    t.join()
    assert seen == {"has": False, "value": "computed here"}
    assert memo.get("sum", (data,), lambda: -1) == -1  # nothing kept outside a scope
