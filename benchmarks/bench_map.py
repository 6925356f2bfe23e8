"""Map size and load time on a synthetic county: 1M farmland patches, thousands of findings.

Run: python benchmarks/bench_map.py [--farmland 1000000] [--findings 3000 100000]
     [--runs 3] [--out DIR]

Builds the map with :func:`redline.report.map.build_map`, saves it, then opens it in
headless Chromium (Debian's chromium through Playwright) with every network request
blocked, and reports per findings count: build and save time, file size, and the time
from navigation until Leaflet has drawn every layer, decoded the images and unpacked
the compressed findings.

The same script measures the page builder before maps were folium maps (it returned the
HTML text): run it with that commit's package first on ``PYTHONPATH``, e.g.
``git archive 965b19a redline | tar -x -C /tmp/old && PYTHONPATH=/tmp/old python
benchmarks/bench_map.py``. The findings carry messages of the length and shape the
rules write (ids, areas, matched patches), not placeholders.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from redline.analysis.findings import make_findings
from redline.io.write import write_text
from redline.report import map as rmap

CRS = "EPSG:4529"
X0, Y0 = 41_470_000.0, 4_530_000.0  # a 60 km square around 123 E, 41 N
SIDE = 60_000.0
#: A page not shown within this many seconds is reported as not shown.
TIMEOUT_S = 180

RULES = {
    "basic_farmland_encroachment": (
        "报批地块 {fid} 占用永久基本农田 {m2:,.1f} 平方米（{mu:.2f} 亩）"
        "（基本农田图斑 {matched}），该部分无经国务院批准占用基本农田的批文覆盖；"
        "阈值：碎片面积 ≥ 1 平方米。",
        "《土地管理法》第三十五条、第四十四条、第四十六条：永久基本农田转用、征收须经国务院批准"),
    "supply_without_approval": (
        "供地地块 {fid} 有 {m2:,.1f} 平方米（{mu:.2f} 亩） 耕地未经农用地转用批准即供应"
        "（未批先供）；无任何批文覆盖；阈值：碎片面积 ≥ 1 平方米。",
        "《土地管理法》第四十四条：建设占用农用地须先办理农用地转用审批（未批先供）"),
    "unapproved_construction": (
        "变化图斑 {fid} 有 {m2:,.1f} 平方米（{mu:.2f} 亩） 无批地或供地覆盖，其中永久基本农田 "
        "{m2:,.1f} 平方米（{mu:.2f} 亩）；阈值：碎片面积 ≥ 1 平方米。",
        "《土地管理法》第四十四条、第七十七条：未经批准非法占用土地（卫片执法）"),
    "idle_1y": (
        "自2025-06-30起满1周年未动工(至2026-06-30共365天)；满一年征收土地闲置费，按出让价款的20%计："
        "{m2:,.2f}×20%；依据《闲置土地处置办法》(国土资源部令第53号,2012)第二、八、十四条",
        "《闲置土地处置办法》(国土资源部令第53号,2012)第二、八、十四条"),
    "idle_2y": (
        "自2024-02-29起满2周年未动工(至2026-06-30共852天)；满两年无偿收回国有建设用地使用权；"
        "依据《闲置土地处置办法》(国土资源部令第53号,2012)第二、八、十四条",
        "《闲置土地处置办法》(国土资源部令第53号,2012)第二、八、十四条"),
    "approved_not_supplied": (
        "批准于2023-03-15，满3周年(阈值2年)仍有{m2:,.1f}平方米({mu:.2f}亩)未供应，供地率0.0%；"
        "批而未供土地清理(批准满年限见阈值)", "批而未供土地清理(批准满年限见阈值)"),
}


def _boxes(rng: np.random.Generator, n: int, size: tuple[float, float]) -> np.ndarray:
    x = rng.uniform(X0, X0 + SIDE - size[0] * 2, n)
    y = rng.uniform(Y0, Y0 + SIDE - size[1] * 2, n)
    w = rng.uniform(size[0] * 0.5, size[0] * 1.5, n)
    h = rng.uniform(size[1] * 0.5, size[1] * 1.5, n)
    return shapely.box(x, y, x + w, y + h)


def _pieces(rng: np.random.Generator, n: int, radius: float) -> np.ndarray:
    """Irregular octagons, as the pieces an overlay cuts are: 8 jittered vertices each."""
    cx = rng.uniform(X0 + radius, X0 + SIDE - radius, n)[:, None]
    cy = rng.uniform(Y0 + radius, Y0 + SIDE - radius, n)[:, None]
    angle = np.linspace(0, 2 * np.pi, 9)[None, :8] + rng.uniform(0, 0.5, (n, 1))
    r = radius * rng.uniform(0.5, 1.0, (n, 8))
    ring = np.stack([cx + r * np.cos(angle), cy + r * np.sin(angle)], axis=-1)
    return shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))


def county(n_farmland: int, n_findings: int, seed: int = 0) -> tuple[dict, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    # Farmland: a jittered grid of patches so they tile the county without piling up.
    side = int(np.ceil(np.sqrt(n_farmland)))
    step = SIDE / side
    i = np.arange(n_farmland)
    x = X0 + (i % side) * step + rng.uniform(0, step * 0.1, n_farmland)
    y = Y0 + (i // side) * step + rng.uniform(0, step * 0.1, n_farmland)
    farmland = shapely.box(x, y, x + step * 0.85, y + step * 0.8)
    basic_idx = rng.choice(n_farmland, n_farmland * 3 // 10, replace=False)
    layers = {
        "admin": gpd.GeoDataFrame(
            {"admin_code": [f"2103{k:02d}" for k in range(16)],
             "admin_name": [f"乡镇{k}" for k in range(16)]},
            geometry=[shapely.box(X0 + (k % 4) * SIDE / 4, Y0 + (k // 4) * SIDE / 4,
                                  X0 + (k % 4 + 1) * SIDE / 4, Y0 + (k // 4 + 1) * SIDE / 4)
                      for k in range(16)], crs=CRS),
        "farmland": gpd.GeoDataFrame(
            {"feature_id": [f"F{k}" for k in range(n_farmland)], "land_code": "0101"},
            geometry=farmland, crs=CRS),
        "basic_farmland": gpd.GeoDataFrame(
            {"feature_id": [f"B{k}" for k in basic_idx]},
            geometry=farmland[basic_idx], crs=CRS),
        "approvals": gpd.GeoDataFrame(
            {"approval_id": [f"PZ-{k}" for k in range(2000)], "authority": "省政府"},
            geometry=_boxes(rng, 2000, (200, 150)), crs=CRS),
        "supply": gpd.GeoDataFrame(
            {"supply_id": [f"GD-{k}" for k in range(1500)], "land_use": "0601"},
            geometry=_boxes(rng, 1500, (150, 120)), crs=CRS),
        "changes": gpd.GeoDataFrame(
            {"change_id": [f"C{k}" for k in range(3000)], "land_code": "0601"},
            geometry=_boxes(rng, 3000, (60, 50)), crs=CRS),
    }
    return layers, findings(rng, n_findings)


def findings(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    """n findings over six rules, each message written as its rule writes it."""
    geoms = _pieces(rng, n, 40.0)
    area = shapely.area(geoms)
    names = list(RULES)
    records = []
    for k, (g, m2) in enumerate(zip(geoms, area, strict=True)):
        rule = names[k % len(names)]
        message, regulation = RULES[rule]
        fid = f"2103022{k:07d}"
        matched = ";".join(f"2103029{k * 3 + j:07d}" for j in range(1 + k % 3))
        records.append({
            "rule": rule, "layer": "approvals", "feature_id": fid, "admin_code": "210302",
            "admin_name": "铁东区", "regulation": regulation, "threshold": ">= 1 m2",
            "matched": matched, "geometry": g,
            "message": message.format(fid=fid, m2=m2, mu=m2 * 0.0015, matched=matched),
        })
    return make_findings(records, crs=CRS)


def load_time(path: Path, runs: int) -> list[float]:
    """Seconds until the page has drawn everything, per run; inf when past TIMEOUT_S."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:")) else r.abort())
            start = time.perf_counter()
            try:
                page.goto(path.resolve().as_uri(), timeout=TIMEOUT_S * 1000)
                page.wait_for_function(
                    "window.redlineMap !== undefined && window.redlineMap.loaded !== false"
                    " && [...document.querySelectorAll('img.rl-raster')]"
                    ".every(i => i.complete && i.naturalWidth > 0)",
                    timeout=TIMEOUT_S * 1000, polling=50)
                # One more frame: the canvas layers have been painted.
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
                times.append(time.perf_counter() - start)
            except PlaywrightTimeout:
                times.append(float("inf"))  # not shown within TIMEOUT_S
            page.close()
        browser.close()
    return times


def build(layers: dict, found: gpd.GeoDataFrame) -> str:
    """The page's HTML: from the folium map, or the text the page builder returned."""
    built = rmap.build_map(layers, found)
    return built if isinstance(built, str) else rmap.map_html(built)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--farmland", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, nargs="+", default=[3000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/redline-bench-map"))
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    builder = "folium" if hasattr(rmap, "map_html") else "text"

    t = time.perf_counter()
    layers, _ = county(opts.farmland, 0)
    print(f"synthetic county: {opts.farmland} farmland patches "
          f"({time.perf_counter() - t:.1f} s to make); page builder: {builder}")
    for n in opts.findings:
        found = findings(np.random.default_rng(n), n)
        t = time.perf_counter()
        page = build(layers, found)
        path = opts.out / f"map-{n}.html"
        write_text(path, page)
        build_s = time.perf_counter() - t
        size_mb = path.stat().st_size / 1e6
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        times = load_time(path, opts.runs)
        print(f"{n} findings: build and save {build_s:.1f} s; file {size_mb:.1f} MB; "
              f"max RSS so far {rss_mb:.0f} MB; chromium load (s): "
              + ", ".join(f"{s:.2f}" for s in times)
              + f"; median {float(np.median(times)):.2f}")


if __name__ == "__main__":
    main()
