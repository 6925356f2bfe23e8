"""Map size and load time on a synthetic county: 1M farmland patches, a few thousand findings.

Run: python benchmarks/bench_map.py [--farmland 1000000] [--findings 3000] [--out DIR]

Builds the map with :func:`redline.report.map.build_map`, writes it, then opens it
in headless Chromium (Debian's /usr/bin/chromium through Playwright) with every
network request blocked, and reports: build time, file size, and the time from
navigation until Leaflet has drawn every layer and decoded the raster images.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from redline.analysis.findings import make_findings
from redline.io.write import write_text
from redline.report.map import build_map

CRS = "EPSG:4529"
X0, Y0 = 41_470_000.0, 4_530_000.0  # a 60 km square around 123 E, 41 N
SIDE = 60_000.0


def _boxes(rng: np.random.Generator, n: int, size: tuple[float, float]) -> np.ndarray:
    x = rng.uniform(X0, X0 + SIDE - size[0] * 2, n)
    y = rng.uniform(Y0, Y0 + SIDE - size[1] * 2, n)
    w = rng.uniform(size[0] * 0.5, size[0] * 1.5, n)
    h = rng.uniform(size[1] * 0.5, size[1] * 1.5, n)
    return shapely.box(x, y, x + w, y + h)


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
    rules = ["basic_farmland_encroachment", "supply_without_approval",
             "unapproved_construction", "idle_1y", "idle_2y", "approved_not_supplied"]
    geoms = _boxes(rng, n_findings, (80, 60))
    found = make_findings(
        [{"rule": rules[k % len(rules)], "layer": "supply", "feature_id": f"GD-{k}",
          "admin_code": "210302", "admin_name": "铁东区", "message": "说明文字 " * 5,
          "regulation": "土地管理法", "geometry": g} for k, g in enumerate(geoms)],
        crs=CRS,
    )
    return layers, found


def load_time(path: Path, runs: int) -> list[float]:
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
            page.goto(path.resolve().as_uri(), timeout=120_000)
            page.wait_for_function(
                "window.redlineMap !== undefined && [...document.querySelectorAll("
                "'img.rl-raster')].every(i => i.complete && i.naturalWidth > 0)",
                timeout=120_000)
            # One more frame: the canvas layers have been painted.
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            times.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--farmland", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/redline-bench-map"))
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    layers, found = county(opts.farmland, opts.findings)
    print(f"synthetic county: {opts.farmland} farmland patches, {len(found)} findings "
          f"({time.perf_counter() - t:.1f} s to make)")
    t = time.perf_counter()
    page = build_map(layers, found)
    build_s = time.perf_counter() - t
    path = opts.out / "map.html"
    write_text(path, page)
    size_mb = path.stat().st_size / 1e6
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build_map: {build_s:.1f} s; file {size_mb:.1f} MB; max RSS {rss_mb:.0f} MB")
    times = load_time(path, opts.runs)
    print("chromium load (s): " + ", ".join(f"{s:.2f}" for s in times)
          + f"; median {float(np.median(times)):.2f}")


if __name__ == "__main__":
    main()
