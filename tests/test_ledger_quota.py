"""超计划批地: the land approved up to each date, against shapely.union_all and geopandas.

:func:`redline.analysis.ledger.quota_overrun` adds up the distinct land approved date by
date from components of overlapping approvals; here each date's land is worked out
afresh (``shapely.union_all`` of every approval up to it, cut by the county with
``geopandas.overlay``, measured with ``pyproj.Geod``).
"""

from __future__ import annotations

import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from redline.analysis.ledger import county_ledger, quota_overrun
from redline.analysis.quota import quota_findings

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0
GEOD = Geod(ellps="GRS80")
D = datetime.date


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def admin() -> gpd.GeoDataFrame:
    # Two counties side by side, meeting at x = 1000.
    return gpd.GeoDataFrame({"admin_code": ["210302", "210303"],
                             "admin_name": ["铁东区", "铁西区"]},
                            geometry=[box(0, 0, 1000, 1000), box(1000, 0, 1000, 1000)], crs=CRS)


def approvals() -> gpd.GeoDataFrame:
    holed = shapely.Polygon(box(600, 600, 200, 200).exterior.coords,
                            [box(650, 650, 100, 100).exterior.coords])
    rows = [
        ("A", D(2026, 1, 10), box(100, 100, 200, 200)),
        ("A2", D(2026, 1, 10), box(100, 100, 200, 200)),      # the same land, same day
        ("B", D(2026, 2, 1), box(250, 150, 200, 100)),        # overlaps A later
        ("C", D(2026, 1, 20), box(450, 150, 100, 100)),       # shares an edge with B only
        ("D", D(2026, 3, 5), box(900, 400, 200, 100)),        # straddles the counties
        ("E", D(2026, 3, 5), box(1100, 400, 50, 50)),         # touches D, in the other county
        ("F", D(2026, 2, 1), holed),                          # a hole...
        ("G", D(2026, 4, 1), box(650, 650, 100, 100)),        # ...filled later
        ("H", D(2026, 4, 1), box(300, 800, 10, 10)),          # alone
        ("I", D(2026, 1, 20), box(800, 800, 10, 10)),         # meets F only at a vertex
        ("J", D(2026, 5, 2), box(90, 90, 500, 30)),           # bridges A and C's row
        ("K", D(2026, 5, 2), None),                           # no geometry
        ("L", D(2026, 6, 1), box(0, 900, 5, 5)),              # after the date checked below
    ]
    return gpd.GeoDataFrame({"approval_id": [r[0] for r in rows],
                             "approved_on": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=CRS)


def by_hand_ha(layer: gpd.GeoDataFrame, units: gpd.GeoDataFrame, code: str,
               day: datetime.date) -> float:
    """The land approved up to ``day`` in county ``code``: union, overlay, Geod."""
    upto = layer[(layer["approved_on"] <= day).to_numpy(dtype=bool) & layer.geometry.notna()]
    land = gpd.GeoDataFrame(geometry=[shapely.union_all(upto.geometry.values)], crs=CRS)
    unit = units[units["admin_code"] == code]
    cut = gpd.overlay(land, unit[["geometry"]], how="intersection", keep_geom_type=True)
    lonlat = cut.to_crs("EPSG:4490")
    return sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat.geometry) / 1e4


def targets(released: float) -> pd.DataFrame:
    return pd.DataFrame({"admin_code": ["210302", "210303"], "year": [2026, 2026],
                         "quota_ha": [50.0, 50.0], "quota_released_ha": [released, released]})


@pytest.mark.parametrize("code", ["210302", "210303"])
def test_land_approved_up_to_each_date(code: str) -> None:
    layer, units = approvals(), admin()
    days = sorted(set(layer["approved_on"]) - {D(2026, 6, 1)})
    # Nothing released: the excess on the last date walked is all the land approved by it.
    for day in days:
        over = quota_overrun(layer, targets(0.0), units, code=code, as_of=day)
        expected = by_hand_ha(layer, units, code, day)
        if expected == 0:
            assert over is None
            continue
        assert over is not None
        assert over["approved_ha"] == pytest.approx(expected, rel=1e-9)
        assert over["excess_ha"] == pytest.approx(expected, rel=1e-9)


def test_the_first_date_past_the_release_and_the_largest_excess() -> None:
    layer, units = approvals(), admin()
    as_of = D(2026, 6, 30)
    days = sorted(set(layer["approved_on"]))
    land = {d: by_hand_ha(layer, units, "210302", d) for d in days}
    released = 0.5 * (land[D(2026, 2, 1)] + land[D(2026, 1, 20)])  # between two dates
    over = quota_overrun(layer, targets(released), units, code="210302", as_of=as_of)
    assert over is not None
    assert over["on"] == D(2026, 2, 1)
    assert over["approved_ha"] == pytest.approx(max(land.values()), rel=1e-9)
    assert over["excess_ha"] == pytest.approx(max(land.values()) - released, rel=1e-9)
    later = {i for i, d in zip(layer["approval_id"], layer["approved_on"], strict=True)
             if d >= D(2026, 2, 1)}
    assert set(over["approval_ids"]) == later
    # The finding's outline is the union of those approvals.
    whole = shapely.union_all(layer[layer["approval_id"].isin(later)].geometry.values)
    assert shapely.symmetric_difference(over["geometry"], whole).area <= 1e-9 * whole.area
    found = quota_findings({"approvals": layer, "admin": units}, targets(released),
                           as_of=as_of, lang="en").findings
    assert set(found["admin_code"]) == {"210302", "210303"} - (
        set() if by_hand_ha(layer, units, "210303", as_of) > released else {"210303"})
    mine = found.set_index("admin_code").loc["210302"]
    assert mine["area_m2"] == pytest.approx(over["excess_ha"] * 1e4, rel=1e-9)
    led = county_ledger({"approvals": layer, "admin": units}, targets(released),
                        found, as_of=as_of).set_index("admin_code")
    assert led.loc["210302", "quota_over_release_on"] == "2026-02-01"
    assert led.loc["210302", "approved_ha"] == pytest.approx(land[D(2026, 6, 1)], rel=1e-9)


def test_approved_land_per_year_is_the_union() -> None:
    layer, units = approvals(), admin()
    layer = pd.concat([layer, gpd.GeoDataFrame(
        {"approval_id": ["Y1", "Y2"], "approved_on": [D(2025, 5, 1), D(2025, 6, 1)]},
        geometry=[box(100, 100, 50, 50), box(120, 100, 50, 50)], crs=CRS)], ignore_index=True)
    led = county_ledger({"approvals": layer, "admin": units}, targets(100.0),
                        gpd.GeoDataFrame({"rule": [], "admin_code": []}, geometry=[], crs=CRS),
                        as_of=D(2026, 12, 31)).set_index("admin_code")
    this_year = layer[pd.to_datetime(layer["approved_on"]).dt.year.to_numpy() == 2026]
    last_year = layer[pd.to_datetime(layer["approved_on"]).dt.year.to_numpy() == 2025]
    for code in ("210302", "210303"):
        now = by_hand_ha(this_year, units, code, D(2026, 12, 31))
        before = by_hand_ha(last_year, units, code, D(2026, 12, 31))
        assert led.loc[code, "approved_ha"] == pytest.approx(now, rel=1e-9)
        # The forecast: the mean of the complete years since approvals began (2025).
        assert led.loc[code, "demand_next_ha"] == pytest.approx(np.mean([before, now]),
                                                                rel=1e-9)
