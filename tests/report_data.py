"""Two small synthetic counties (EPSG:4529) for the ledger and report tests.

Boxes are given in metres from an origin near CM 123E (zone 41), so every figure
can be worked out by hand; the tests still compare against independent
geopandas overlays and pyproj.Geod areas. County 210302 (two townships) has all
the trouble; county 210303 is clean.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from redline.analysis.findings import make_findings

X0, Y0 = 41_500_000.0, 4_550_000.0
CRS = "EPSG:4529"
AS_OF = date(2026, 6, 30)
T1, T2 = "2103020010010000000", "2103020020010000000"  # ZLDWDM of a village in each township


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def gdf(columns: list[str], rows: list[tuple[Any, ...]]) -> gpd.GeoDataFrame:
    table = pd.DataFrame([r[:-1] for r in rows], columns=columns)
    return gpd.GeoDataFrame(table, geometry=[box(*r[-1]) for r in rows], crs=CRS)


def layers() -> dict[str, gpd.GeoDataFrame]:
    admin = gdf(["admin_code", "admin_name"], [
        ("210302", "铁东区", (0, 0, 2000, 1000)),
        ("210302001", "西镇", (0, 0, 1000, 1000)),
        ("210302002", "东镇", (1000, 0, 2000, 1000)),
        ("210303", "铁西区", (2000, 0, 3000, 1000)),
    ])
    farmland = gdf(["feature_id", "land_code", "admin_code", "grade"], [
        ("F1", "0101", T1, 5.0, (100, 100, 400, 400)),     # 9 ha paddy
        ("F2", "0103", T1, 9.0, (500, 100, 900, 400)),     # 12 ha
        ("F3", "0102", T2, 7.0, (1100, 100, 1600, 600)),   # 25 ha
        ("F4", "0103", "2103030010010000000", 6.0, (2100, 100, 2300, 300)),  # 4 ha
        ("G1", "0301", T2, 1.0, (1700, 700, 1900, 900)),   # forest: not farmland
    ])
    basic = gdf(["feature_id", "admin_code"], [
        ("B1", T1, (100, 100, 300, 300)),
        ("B2", T2, (1100, 100, 1300, 300)),
    ])
    # Approvals carry no admin code: split by the admin polygons.
    approvals = gdf(["approval_id", "approved_on"], [
        ("A1", date(2026, 3, 1), (800, 200, 1200, 300)),   # 4 ha across both townships
        ("A2", date(2026, 5, 1), (200, 200, 300, 350)),    # 1.5 ha on F1 (paddy)
        ("P25", date(2025, 4, 1), (0, 800, 300, 1000)),    # 6 ha
        ("P24", date(2024, 4, 1), (400, 800, 600, 1000)),  # 4 ha
        ("P23", date(2023, 4, 1), (700, 900, 800, 1000)),  # 1 ha
    ])
    supply = gdf(["supply_id"], [("S1", (1400, 400, 1600, 600))])
    changes = gdf(["change_id", "detected_on"], [
        ("C1", date(2026, 4, 1), (1300, 400, 1500, 500)),  # half under S1: 1 ha illegal
        ("C2", date(2026, 4, 1), (150, 150, 250, 250)),    # a quarter under A2: 0.75 ha
        ("C0", date(2025, 4, 1), (600, 300, 700, 400)),    # last year: not this year's
    ])
    # New farmland in ha, as 补充耕地 tables record it (and the reader holds it).
    supplement = gdf(
        ["project_id", "farmland_added", "paddy_added", "grade", "admin_code", "completed_on"], [
            ("BC1", 0.5, 0.1, 8.0, "210302001", date(2026, 2, 1), (0, 500, 100, 550)),
            ("BC2", 0.3, 0.0, 10.0, "210302002", date(2026, 2, 1), (1900, 0, 2000, 30)),
            ("BC0", 0.9999, 0.0, 3.0, "210302002", date(2025, 2, 1), (1900, 50, 2000, 80)),
        ])
    return {"admin": admin, "farmland": farmland, "basic_farmland": basic,
            "approvals": approvals, "supply": supply, "changes": changes,
            "supplement": supplement}


def targets() -> pd.DataFrame:
    """Two phased releases for 2026 (2 ha in January, 3 ha in June), one row for 2025."""
    return pd.DataFrame({
        "admin_code": ["210302", "210302", "210302", "210303"],
        "year": [2026, 2026, 2025, 2026],
        "farmland_target_ha": [30.0, 30.0, 31.0, 5.0],
        "basic_farmland_target_ha": [10.0, 10.0, 10.0, 0.0],
        "quota_ha": [10.0, 10.0, 8.0, 2.0],
        "quota_released_ha": [2.0, 3.0, 8.0, 2.0],
        "released_on": ["2026-01-10", "2026-06-01", "2025-01-01", "2026-01-10"],
    })


def findings(payload: str = "", *, drop: tuple[str, ...] = (),
             add: bool = False) -> gpd.GeoDataFrame:
    """The findings of a run; ``payload`` is appended to names and messages."""
    rows = [
        ("unapproved_construction", "changes", "C1", "210302002", "东镇" + payload,
         "未批先建" + payload, (1300, 400, 1400, 500)),
        ("idle_1y", "supply", "S1", "210302002", "东镇", "闲置", (1400, 400, 1600, 600)),
        ("basic_farmland_encroachment", "changes", "C2", "210302001", "西镇", "占用基本农田",
         (150, 150, 250, 250)),
        ("criminal_threshold", "changes", "C2", "210302001", "西镇", "达到刑事立案标准",
         (150, 150, 250, 250)),
    ]
    if add:
        rows.append(("unapproved_construction", "changes", "C9", "210303001", "铁西镇",
                     "未批先建", (2500, 500, 2600, 600)))
    records = [
        {"rule": r, "layer": la, "feature_id": f, "admin_code": a, "admin_name": n,
         "message": m, "geometry": box(*g)}
        for r, la, f, a, n, m, g in rows
        if f"{r}/{la}/{f}" not in drop
    ]
    return make_findings(records, crs=CRS)
