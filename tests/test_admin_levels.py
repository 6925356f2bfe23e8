"""Admin codes of mixed length are a hierarchy: a finding takes the deepest unit it lies in.

Before, only units of the longest code were used: with one village (12 digits) drawn
under a township (9), every finding elsewhere in the township had no admin unit.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from redline.analysis.findings import make_findings
from redline.analysis.summary import assign_admin

CRS = "EPSG:4529"
X0, Y0 = 41_500_000, 4_550_000


def _finding(fid: str, x: float) -> dict[str, object]:
    return {"rule": "idle_1y", "layer": "supply", "feature_id": fid, "message": "",
            "geometry": shapely.box(X0 + x, Y0 + 100, X0 + x + 50, Y0 + 150)}


def test_a_finding_outside_the_only_village_takes_its_township() -> None:
    admin = gpd.GeoDataFrame(
        {"admin_code": ["210302", "210302001", "210302002", "210302001201"],
         "admin_name": ["铁东区", "甲街道", "乙街道", "甲村"]},
        geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 1000),
                  shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                  shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
                  shapely.box(X0, Y0, X0 + 300, Y0 + 1000)],
        crs=CRS)
    findings = make_findings([_finding("in village", 100), _finding("in 甲 only", 500),
                              _finding("in 乙", 1500), _finding("outside", 5000)], crs=CRS)
    out = assign_admin(findings, admin)
    assert out["admin_code"].tolist() == ["210302001201", "210302001", "210302002", ""]
    assert out["admin_name"].tolist() == ["甲村", "甲街道", "乙街道", ""]
