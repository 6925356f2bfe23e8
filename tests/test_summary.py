from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from redline.analysis.findings import make_findings
from redline.analysis.summary import admin_units, assign_admin, summarise

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
