"""Small synthetic county for the map tests: boxes near Anshan in EPSG:4529 (GK zone 41)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from redline.analysis.findings import make_findings

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0  # about 123.0 E, 41.1 N

#: Payloads that must stay inert wherever they appear.
XSS = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "</script><script>window.__xss=1</script>"
XSS_SVG = '"><svg onload="window.__xss=1">'


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A box given in metres from (X0, Y0)."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def frame(data: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def county(*, n_farmland: int = 40, payload: bool = True) -> dict[str, gpd.GeoDataFrame]:
    """Layers of a tiny county; with ``payload``, attributes carry XSS strings."""
    bad = XSS if payload else "plain"
    farmland = frame(
        {"feature_id": [f"F{i}" for i in range(n_farmland)], "land_code": "0101",
         "admin_code": "210302", "_row": range(n_farmland), "_problem": "", "_note": ""},
        [box(100 * (i % 8) + 5, 100 * (i // 8) + 5, 100 * (i % 8) + 95, 100 * (i // 8) + 95)
         for i in range(n_farmland)],
    )
    return {
        "admin": frame(
            {"admin_code": ["210302", "210303"],
             "admin_name": ["铁东区", XSS_SVG if payload else "铁西区"]},
            [box(0, 0, 1000, 2000), box(1000, 0, 2000, 2000)],
        ),
        "farmland": farmland,
        "basic_farmland": frame(
            {"feature_id": ["B1", "B2"], "admin_code": "210303"},
            [box(1100, 100, 1400, 400), box(1500, 100, 1800, 400)],
        ),
        "approvals": frame(
            {"approval_id": ["PZ-1", bad], "authority": ["省政府", XSS_SCRIPT if payload else ""],
             "_problem": ["", ""], "_note": ["", bad]},
            [box(1200, 200, 1300, 300), box(600, 1200, 900, 1500)],
        ),
        "supply": frame(
            {"supply_id": ["GD-1", "GD-2"], "land_use": ["0601", "05H1"]},
            [box(1550, 150, 1650, 250), box(300, 1600, 500, 1800)],
        ),
        "changes": frame(
            {"change_id": ["C1"], "land_code": ["0601"]},
            [box(200, 600, 260, 660)],
        ),
    }


def findings(*, payload: bool = True) -> gpd.GeoDataFrame:
    """Findings made with make_findings: one per rule on known boxes."""
    bad = XSS if payload else "plain"
    return make_findings(
        [
            {"rule": "basic_farmland_encroachment", "layer": "approvals", "feature_id": "PZ-1",
             "admin_code": "210303", "admin_name": bad, "message": "占用基本农田 " + bad,
             "regulation": "土地管理法 第四十四条", "geometry": box(1200, 200, 1300, 300)},
            {"rule": "supply_without_approval", "layer": "supply", "feature_id": bad,
             "admin_code": "210303", "message": XSS_SCRIPT if payload else "m",
             "regulation": XSS_SVG if payload else "", "geometry": box(1550, 150, 1650, 250)},
            {"rule": "unapproved_construction", "layer": "changes", "feature_id": "C1",
             "admin_code": "210302", "message": "未批先建", "geometry": box(200, 600, 260, 660)},
        ],
        crs=CRS,
    )
