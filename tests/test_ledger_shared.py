"""The ledger takes the accountability rule's work: the same figures as its own, and right.

The ledger's county and township figures of the accountability ratio are checked against
geopandas.overlay and pyproj.Geod on hand-made layers where construction patches lie
inside one township, cross the township line, and lie on a farmland patch that crosses
it; and the rule's work is shown to be taken only when the inputs are the same.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from redline.analysis.accountability import accountability_levels
from redline.analysis.findings import concat_findings
from redline.analysis.ledger import county_ledger
from redline.analysis.rules import vector_findings
from redline.analysis.summary import assign_admin

import report_data as rd

GEOD = Geod(ellps="GRS80")
WEST, EAST = "210302001", "210302002"


def geod_m2(frame: gpd.GeoDataFrame, weight: str | None = None) -> float:
    lonlat = frame.to_crs("EPSG:4490")
    w = [1.0] * len(frame) if weight is None else frame[weight].tolist()
    return sum(abs(GEOD.geometry_area_perimeter(g)[0]) * k
               for g, k in zip(lonlat.geometry, w, strict=True))


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    admin = rd.gdf(["admin_code", "admin_name"], [
        (WEST, "西镇", (0, 0, 1000, 1000)),
        (EAST, "东镇", (1000, 0, 2000, 1000)),
    ])
    farmland = rd.gdf(["feature_id", "land_code", "gross_area", "net_area"], [
        ("F1", "0101", None, None, (100, 100, 600, 600)),
        ("F2", "0103", 250_000.0, 225_000.0, (800, 100, 1300, 600)),  # across the line
        ("F3", "0102", 250_000.0, 200_000.0, (1400, 100, 1900, 600)),
    ])
    approvals = rd.gdf(["approval_id", "approved_on"], [
        ("A1", date(2026, 3, 1), (850, 100, 950, 600)),
    ])
    changes = rd.gdf(["change_id", "detected_on"], [
        ("C1", date(2026, 4, 1), (200, 200, 400, 400)),    # west, on F1, unapproved
        ("C2", date(2026, 4, 1), (700, 200, 1200, 500)),   # across, on F2, A1 in between
        ("C3", date(2026, 4, 1), (1500, 300, 1700, 500)),  # east, on F3
        ("C4", date(2026, 4, 1), (500, 500, 900, 700)),    # west, on F1 and F2
        ("C0", date(2025, 4, 1), (1450, 150, 1550, 250)),  # last year's
    ])
    return {"admin": admin, "farmland": farmland, "approvals": approvals,
            "changes": changes}


@pytest.fixture(scope="module")
def ruled(layers):
    result = vector_findings(layers, as_of=rd.AS_OF)
    findings = assign_admin(concat_findings([result.findings], crs=rd.CRS), layers["admin"])
    return result, findings


def test_the_rule_shares_its_work(ruled) -> None:
    result, _ = ruled
    acc = result.shared["accountability"]
    assert acc.work is not None
    assert len(acc.work.farm["new"]) > 0  # the farmland pieces of whole parts, kept


def test_ledger_with_the_rules_work_against_overlay(layers, ruled) -> None:
    result, findings = ruled
    acc = result.shared["accountability"]
    shared = county_ledger(layers, None, findings, as_of=rd.AS_OF, accountability=acc)
    alone = county_ledger(layers, None, findings, as_of=rd.AS_OF)
    pd.testing.assert_frame_equal(shared, alone, check_exact=False, rtol=1e-12)

    # Independently: the year's patches (and their unapproved part) unioned, cut by the
    # townships and by the farmland, measured on the ellipsoid, net by TBDLMJ / TBMJ.
    farm = layers["farmland"].copy()
    farm["share"] = (farm["net_area"] / farm["gross_area"]).fillna(1.0)
    year = layers["changes"][pd.to_datetime(layers["changes"]["detected_on"]).dt.year == 2026]
    new = shapely.union_all(year.geometry.values)
    illegal = shapely.difference(new, shapely.union_all(layers["approvals"].geometry.values))
    led = shared.set_index("admin_code")
    totals = {"new": 0.0, "illegal": 0.0}
    for code in (WEST, EAST):
        unit = layers["admin"][layers["admin"]["admin_code"] == code][["geometry"]]
        for name, land in (("new", new), ("illegal", illegal)):
            piece = gpd.GeoDataFrame(geometry=[land], crs=rd.CRS)
            cut = gpd.overlay(gpd.overlay(piece, unit, how="intersection", keep_geom_type=True),
                              farm[["share", "geometry"]], how="intersection",
                              keep_geom_type=True)
            net, gross = geod_m2(cut, "share") / 1e4, geod_m2(cut) / 1e4
            column = "new_occupied_farmland_ha" if name == "new" else "illegal_farmland_ha"
            assert led.loc[code, column] == pytest.approx(net, rel=1e-7)
            if name == "illegal":
                assert led.loc[code, "illegal_farmland_gross_ha"] == pytest.approx(
                    gross, rel=1e-7)
            totals[name] += net
    assert led.loc["210302", "new_occupied_farmland_ha"] == pytest.approx(totals["new"],
                                                                         rel=1e-7)
    assert led.loc["210302", "illegal_farmland_ha"] == pytest.approx(totals["illegal"],
                                                                    rel=1e-7)
    assert totals["illegal"] > 0
    assert totals["new"] > totals["illegal"]


def test_work_is_taken_only_for_the_same_inputs(layers, ruled) -> None:
    result, findings = ruled
    acc = result.shared["accountability"]
    unlawful = findings[findings["rule"] == "unapproved_construction"]
    args = (layers["changes"], unlawful, layers["farmland"], None, layers["admin"])
    fresh = accountability_levels(*args, as_of=rd.AS_OF, digits=(6, 9))
    taken = accountability_levels(*args, as_of=rd.AS_OF, digits=(6, 9), known=acc)
    assert taken[6].work is acc.work
    assert fresh[6].work is not acc.work
    for d in (6, 9):
        pd.testing.assert_frame_equal(taken[d].table, fresh[d].table, check_exact=False,
                                      rtol=1e-12)
        assert taken[d].outside_m2 == pytest.approx(fresh[d].outside_m2)
    # The pieces of a crossing part are found again; those of a part inside one
    # township are the county level's.
    assert len(fresh[9].table) == 2
    # Last year's pieces are not read: the same work. Other unlawful pieces, another
    # frame or another date: worked out anew.
    this_year = unlawful[unlawful["feature_id"] != "C0"]
    same = accountability_levels(layers["changes"], this_year, layers["farmland"], None,
                                 layers["admin"], as_of=rd.AS_OF, known=acc)
    assert same[6].work is acc.work
    fewer = unlawful[unlawful["feature_id"] != "C3"]
    other = accountability_levels(layers["changes"], fewer, layers["farmland"], None,
                                  layers["admin"], as_of=rd.AS_OF, known=acc)
    assert other[6].work is not acc.work
    assert float(other[6].table["illegal_m2"].sum()) < float(acc.table["illegal_m2"].sum())
    copied = accountability_levels(layers["changes"].copy(), unlawful, layers["farmland"],
                                   None, layers["admin"], as_of=rd.AS_OF, known=acc)
    assert copied[6].work is not acc.work
    later = accountability_levels(*args, as_of=date(2026, 7, 1), known=acc)
    assert later[6].work is not acc.work


def test_work_is_not_pickled(ruled) -> None:
    import pickle

    result, _ = ruled
    again = pickle.loads(pickle.dumps(result.shared["accountability"]))
    assert again.work is None
    pd.testing.assert_frame_equal(again.table, result.shared["accountability"].table)


def test_unit_pieces_against_overlay() -> None:
    # Inside one unit, across the line, touching it from inside, with a hole, a
    # multipolygon in both units, and one outside every unit.
    from redline.analysis.areas import ellipsoidal_area
    from redline.analysis.ledger import _unit_pieces

    units = gpd.GeoDataFrame({"unit": ["W", "E"]}, geometry=[
        rd.box(0, 0, 1000, 1000), rd.box(1000, 0, 2000, 1000)], crs=rd.CRS)
    ring = shapely.difference(rd.box(1200, 200, 1600, 600), rd.box(1300, 300, 1400, 400))
    geoms = [rd.box(100, 100, 300, 300), rd.box(900, 100, 1100, 300),
             rd.box(800, 500, 1000, 700), ring,
             shapely.MultiPolygon([rd.box(50, 800, 150, 900), rd.box(1850, 800, 1950, 900)]),
             rd.box(2100, 100, 2200, 200)]
    frame = gpd.GeoDataFrame({"row": range(len(geoms))}, geometry=geoms, crs=rd.CRS)
    arr = np.asarray(frame.geometry.values, dtype=object)
    left, unit, m2 = _unit_pieces(arr, np.asarray(units.geometry.values, dtype=object),
                                  ellipsoidal_area(arr, rd.CRS), rd.CRS)
    got = pd.Series(m2, index=pd.MultiIndex.from_arrays([left, unit])).groupby(level=[0, 1]).sum()
    want = gpd.overlay(frame, units, how="intersection", keep_geom_type=True)
    lonlat = want.to_crs("EPSG:4490")
    want["m2"] = [abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat.geometry]
    want["u"] = want["unit"].map({"W": 0, "E": 1})
    expected = want.groupby(["row", "u"])["m2"].sum()
    assert sorted(got.index.tolist()) == sorted(expected.index.tolist())
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-7)
    assert list(zip(left.tolist(), unit.tolist(), strict=True)) == sorted(
        zip(left.tolist(), unit.tolist(), strict=True))  # sorted as the engine sorts
