from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from redline.analysis.areas import ellipsoidal_area
from redline.analysis.findings import make_findings
from redline.analysis.summary import (
    admin_units,
    assign_admin,
    distinct_m2,
    findings_land,
    summarise,
)

CRS = "EPSG:4529"


def _admin() -> gpd.GeoDataFrame:
    x0, y0 = 41_500_000, 4_550_000
    return gpd.GeoDataFrame(
        {
            "admin_code": ["210302", "210302001", "210302002"],
            "admin_name": ["铁东区", "甲街道", "乙街道"],
        },
        geometry=[
            shapely.box(x0, y0, x0 + 2000, y0 + 1000),
            shapely.box(x0, y0, x0 + 1000, y0 + 1000),
            shapely.box(x0 + 1000, y0, x0 + 2000, y0 + 1000),
        ],
        crs=CRS,
    )


def test_levels_from_code_length() -> None:
    units = admin_units(_admin())
    assert units["level"].tolist() == ["county", "township", "township"]


def test_assign_admin_fills_only_empty_codes() -> None:
    x0, y0 = 41_500_000, 4_550_000
    findings = make_findings(
        [
            {"rule": "idle_1y", "layer": "supply", "feature_id": "A", "message": "",
             "geometry": shapely.box(x0 + 1100, y0 + 100, x0 + 1200, y0 + 200)},
            {"rule": "idle_1y", "layer": "supply", "feature_id": "B", "message": "",
             "admin_code": "210302001", "admin_name": "甲街道",
             "geometry": shapely.box(x0 + 1100, y0 + 100, x0 + 1200, y0 + 200)},
        ],
        crs=CRS,
    )
    out = assign_admin(findings, _admin())
    assert out["admin_code"].tolist() == ["210302002", "210302001"]
    assert out["admin_name"].tolist() == ["乙街道", "甲街道"]
    assert findings["admin_code"].tolist()[0] in ("", None)  # input untouched


def test_summary_nests_townships_in_county() -> None:
    x0, y0 = 41_500_000, 4_550_000
    findings = make_findings(
        [
            {"rule": "unapproved_construction", "layer": "changes", "feature_id": "C1",
             "message": "", "admin_code": "210302001",
             "geometry": shapely.box(x0, y0, x0 + 100, y0 + 100)},
            {"rule": "unapproved_construction", "layer": "changes", "feature_id": "C2",
             "message": "", "admin_code": "210302002",
             "geometry": shapely.box(x0 + 1000, y0, x0 + 1050, y0 + 100)},
        ],
        crs=CRS,
    )
    table = summarise(findings, admin_units(_admin())).set_index("admin_code")
    assert table.loc["210302", "unapproved_construction_count"] == 2
    assert table.loc["210302001", "unapproved_construction_count"] == 1
    # 100 m x 100 m and 50 m x 100 m squares near the central meridian: 1.5 ha.
    assert table.loc["210302", "unapproved_construction_m2"] == pytest.approx(15_000, abs=1)
    assert table.loc["210302", "unapproved_construction_mu"] == pytest.approx(22.5, abs=0.01)
    assert table.loc["210302", "idle_1y_count"] == 0


def _tangled_findings() -> gpd.GeoDataFrame:
    """Findings of two rules in two townships that overlap, touch and nest across both."""
    x0, y0 = 41_500_000, 4_550_000

    def box(a: float, b: float, c: float, d: float) -> shapely.Polygon:
        return shapely.box(x0 + a, y0 + b, x0 + c, y0 + d)

    ring = shapely.Polygon(box(100, 500, 900, 900).exterior.coords,
                           [box(300, 600, 500, 800).exterior.coords])  # a hole
    bowtie = shapely.Polygon([(x0 + 1500, y0 + 500), (x0 + 1700, y0 + 700),
                              (x0 + 1700, y0 + 500), (x0 + 1500, y0 + 700)])  # invalid
    rows = [
        ("unapproved_construction", "210302001", box(0, 0, 300, 300)),
        ("unapproved_construction", "210302001", box(200, 100, 600, 400)),  # overlaps
        ("unapproved_construction", "210302001", box(600, 100, 800, 400)),  # shares an edge
        ("unapproved_construction", "210302002", box(800, 400, 1000, 450)),  # a vertex
        ("unapproved_construction", "210302002", ring),
        ("unapproved_construction", "210302002", box(350, 650, 450, 750)),  # in the hole
        ("idle_1y", "210302001", box(250, 150, 700, 350)),  # on the other rule's land
        ("idle_1y", "210302002", box(50, 550, 850, 650)),  # across the hole
        ("idle_1y", "210302002", bowtie),
        ("idle_1y", "210302002", box(1000, 0, 1900, 20)),  # long and thin
        ("idle_1y", "210302002", None),  # no geometry: its area_m2 counts
        ("criminal_threshold", "210302001", box(0, 0, 1000, 1000)),  # summed, not land
    ]
    findings = make_findings(
        [{"rule": r, "layer": "changes", "feature_id": f"F{i}", "message": "",
          "admin_code": code, "geometry": geom if geom is not None else box(0, 0, 1, 1)}
         for i, (r, code, geom) in enumerate(rows)], crs=CRS)
    findings.loc[findings.index[10], "geometry"] = None
    findings.loc[findings.index[10], "area_m2"] = 500.0
    findings.loc[findings.index[11], "area_m2"] = 123.0
    return findings


def _union_m2(frame: gpd.GeoDataFrame) -> float:
    """The land of ``frame`` worked out whole: union_all of the geometries, then its area."""
    geoms = frame.geometry.values
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    merged = shapely.union_all(shapely.make_valid(geoms[has]))
    return float(ellipsoidal_area([merged], CRS)[0]) + float(frame["area_m2"][~has].sum())


def test_summary_counts_land_once_across_units_and_rules() -> None:
    findings = _tangled_findings()
    table = summarise(findings, admin_units(_admin())).set_index("admin_code")
    land = findings[findings["rule"] != "criminal_threshold"]
    for code in ["210302", "210302001", "210302002"]:
        inside = land[land["admin_code"].str.startswith(code)]
        assert table.loc[code, "findings_m2"] == pytest.approx(_union_m2(inside), rel=1e-6,
                                                               abs=0.01)
        for rule in ["unapproved_construction", "idle_1y"]:
            part = inside[inside["rule"] == rule]
            assert table.loc[code, f"{rule}_m2"] == pytest.approx(_union_m2(part), rel=1e-6,
                                                                  abs=0.01)
    # The county's land by hand: 300x300 + 400x300 + 200x300 with 100x200 twice counted,
    # a 200x50 strip, 800x400 less a 200x200 hole, the 100x100 square inside it, two
    # 100x200/2 triangles of the bow tie, the 900x20 strip and 500 m2 without geometry.
    # idle_1y's first box lies on land counted already; the strip across the hole adds
    # 50x100 west of the ring and 200x50 in the hole (below the square there).
    by_hand = (90_000 + 120_000 + 60_000 - 20_000 + 10_000 + 320_000 - 40_000 + 10_000
               + 20_000 + 18_000 + 500 + 5_000 + 10_000)
    assert table.loc["210302", "findings_m2"] == pytest.approx(by_hand, rel=2e-4)
    assert table.loc["210302", "criminal_threshold_m2"] == pytest.approx(123.0)


def test_distinct_m2_of_any_frame_is_the_union() -> None:
    findings = _tangled_findings()
    land = findings[findings["rule"] != "criminal_threshold"]
    for frame in [land, land.iloc[[7, 1, 4]], land.copy()]:
        assert distinct_m2(frame) == pytest.approx(_union_m2(frame), rel=1e-6)
    # The summary's measure holds the rows of the findings, in any order, not copies.
    known = findings_land(findings)
    assert known is not None
    assert known.covers(land.iloc[::-1])
    assert not known.covers(_tangled_findings())  # equal geometries, other objects
    units = admin_units(_admin())
    pd.testing.assert_frame_equal(summarise(findings, units, land=known),
                                  summarise(findings, units))
    # A measure of other findings is not taken: these are measured afresh.
    other = _tangled_findings()
    pd.testing.assert_frame_equal(summarise(other, units, land=known),
                                  summarise(other, units))


def test_report_overview_reuses_the_summary_land() -> None:
    from redline.analysis.areas import m2_to_mu
    from redline.report.html import _overview_section

    findings = _tangled_findings()
    page = "".join(_overview_section(findings, "en", "en", findings_land(findings)))
    assert page == "".join(_overview_section(findings, "en", "en"))  # measured afresh
    land = findings[findings["rule"] != "criminal_threshold"]
    total = float(m2_to_mu(_union_m2(land)))
    assert f'id="total-area-mu">{total:,.2f}<' in page
    for rule in ["unapproved_construction", "idle_1y"]:
        mu = float(m2_to_mu(_union_m2(land[land["rule"] == rule])))
        assert f'<td class="n">{mu:,.2f}</td>' in page
