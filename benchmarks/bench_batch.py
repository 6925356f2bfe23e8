"""Batch benchmark: N small counties with 1 and 2 workers; a big county tiled vs one pass.

Uses ``redline.tools.check`` when it exists, else a stand-in per-county check (the
overlap of supply with basic farmland by geopandas.overlay, writing the same files),
so what is measured is the batch machinery around the check. Run:

    python benchmarks/bench_batch.py --counties 20 --patches 2000 --big 20000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import geopandas as gpd
import shapely
import test_batch as tb

from redline import batch
from redline.analysis import tiles


def counties(root: Path, n: int, patches: int) -> None:
    for i in range(n):
        tb.make_county(root / f"county{i:02d}", code=f"2103{i:02d}", n=patches,
                       shift=i * (patches * 300 + 1000))


def check_fn():
    try:
        from redline.tools import check

        return check
    except ImportError:
        return tb.fake_check


def big(n: int) -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(1)
    side = 150 * np.sqrt(n)
    x = tb.X0 + rng.uniform(0, side, n)
    y = tb.Y0 + rng.uniform(0, side, n)
    bf = shapely.box(x, y, x + 120, y + 120)
    m = n // 10
    sx = tb.X0 + rng.uniform(0, side, m)
    sy = tb.Y0 + rng.uniform(0, side, m)
    sup = shapely.box(sx, sy, sx + 400, sy + 400)
    ax = tb.X0 + rng.uniform(0, side, m // 4)
    ay = tb.Y0 + rng.uniform(0, side, m // 4)
    return {
        "basic_farmland": gpd.GeoDataFrame({"feature_id": [f"B{i}" for i in range(n)]},
                                           geometry=bf, crs=tb.CRS),
        "supply": gpd.GeoDataFrame({"supply_id": [f"S{i}" for i in range(m)]},
                                   geometry=sup, crs=tb.CRS),
        "approvals": gpd.GeoDataFrame({"approval_id": [f"A{i}" for i in range(m // 4)]},
                                      geometry=shapely.box(ax, ay, ax + 300, ay + 300),
                                      crs=tb.CRS),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=20)
    ap.add_argument("--patches", type=int, default=200)
    ap.add_argument("--big", type=int, default=20000)
    ap.add_argument("--shape", type=int, default=3)
    args = ap.parse_args()
    check = check_fn()
    print(f"check: {check.__module__}.{check.__name__}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        counties(root, args.counties, args.patches)
        for workers in (1, 2):
            t = time.perf_counter()
            run = batch.run_batch(root, Path(tmp) / f"out{workers}", workers=workers,
                                  check=check, progress=False)
            dt = time.perf_counter() - t
            print(f"{args.counties} counties x {args.patches} parcels, {workers} worker(s): "
                  f"{dt:.1f} s (roll-up {run.timings['rollup']:.1f} s), "
                  f"failed {len(run.failed)}")
    layers = big(args.big)
    for label, shape in (("one pass", (1, 1)), (f"tiled {args.shape}x{args.shape}",
                                                (args.shape, args.shape))):
        tracemalloc.start()
        t = time.perf_counter()
        res = tiles.run_tiled(layers, tb._encroachment, shape=shape)
        dt = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"big county {args.big} basic farmland, {label}: {dt:.1f} s, "
              f"peak traced {peak:.0f} MiB, {len(res.findings)} findings, "
              f"area {res.findings['area_m2'].sum():.3f} m2")
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
