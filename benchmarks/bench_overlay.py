"""Time the overlap engine against geopandas.overlay and the GEOS floor, on one synthetic county.

    python benchmarks/bench_overlay.py --size 100k   # 100,000 farmland patches x 10,000 parcels
    python benchmarks/bench_overlay.py --size 1m     # 1,000,000 farmland patches x 50,000 parcels

Farmland patches average about 0.5 ha (Voronoi cells 70 m apart) and parcels about
5 ha (octagons of 70-230 m radius), so a parcel meets about 19 patches: 1M x 50k
makes about 960,000 overlapping pairs, the case the targets were set on.

Every method computes the same thing, each parcel's ellipsoidal area on farmland,
on the same data in the same process:

- engine: ``redline.analysis.overlay.overlap_area(..., partition=True)`` with 1 and 2 threads
  (tree, pairs, whole-geometry shortcut, intersections, ellipsoidal areas, sums);
- GEOS floor: ``shapely.intersection`` of exactly the intersecting pairs, pairs
  precomputed and not timed, nothing else (no areas);
- geopandas: ``geopandas.overlay(how="intersection")`` + ellipsoidal areas + groupby;
- engine geometry: the engine's own pair finding (tree, box query, covers / intersects
  tests) and the intersections of the pairs it cuts, without areas: the like-for-like
  comparison with the floor, which computes no areas either.

Peak memory is the process's maximum resident set (``ru_maxrss``) after each
step; the engine runs before geopandas so its figure is its own.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import geopandas as gpd
import pandas as pd
import shapely
import synth

from redline.analysis.areas import ellipsoidal_area
from redline.analysis.overlay import _pairs, overlap_area

#: size -> (parcels, farmland patches)
SIZES = {"10k": (1_000, 10_000), "100k": (10_000, 100_000), "1m": (50_000, 1_000_000)}
CELL_M = 70.0
RADIUS = (70.0, 230.0)


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(label: str, func, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Best wall time and best CPU time (all threads) of ``repeat`` runs.

    On a shared machine the CPU time of a one-thread run is the steadier figure;
    the wall time is what a two-thread run is judged by.
    """
    best, best_cpu = np.inf, np.inf
    out = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = func()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    print(f"{label:<34} {best:8.2f} s wall {best_cpu:8.2f} s CPU   peak RSS {rss_gb():5.2f} GB",
          flush=True)
    CPU[label] = best_cpu
    return best, out


CPU: dict[str, float] = {}


def floor(a: np.ndarray, b: np.ndarray, n_jobs: int) -> np.ndarray:
    if n_jobs == 1:
        return shapely.intersection(a, b)
    bounds = np.linspace(0, len(a), 4 * n_jobs + 1).astype(int)
    with ThreadPoolExecutor(n_jobs) as pool:
        parts = pool.map(lambda s: shapely.intersection(a[s[0]:s[1]], b[s[0]:s[1]]),
                         itertools.pairwise(bounds))
        return np.concatenate(list(parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="100k")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-geopandas", action="store_true")
    args = ap.parse_args()
    n_parcels, n_farm = SIZES[args.size]
    print(f"redline overlap benchmark, {datetime.date.today()}, {platform.platform()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}, "
          f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
          f"geopandas {gpd.__version__}")
    t = time.perf_counter()
    parcels, farm = synth.county(n_parcels, n_farm, cell_m=CELL_M, radius=RADIUS)
    print(f"data: {len(parcels):,} parcels x {len(farm):,} farmland patches "
          f"({time.perf_counter() - t:.1f} s to make)   RSS {rss_gb():.2f} GB", flush=True)

    results = {}
    for jobs in (1, 2):
        results[f"engine_{jobs}"], got = timed(
            f"engine, {jobs} thread(s)",
            lambda j=jobs: overlap_area(parcels, farm, crs=synth.CRS, partition=True,
                                        sliver_m2=0.0, n_jobs=j),
            args.repeat,
        )
    engine_rss = rss_gb()

    def geometry(n_jobs: int) -> np.ndarray:
        pl, pr, left_in, right_in = _pairs(parcels, farm, n_jobs)
        cut = ~(left_in | right_in)
        return floor(parcels[pl[cut]], farm[pr[cut]], n_jobs)

    for jobs in (1, 2):
        results[f"geometry_{jobs}"], _ = timed(
            f"engine geometry, no areas, {jobs} thr", lambda j=jobs: geometry(j), args.repeat)

    li, ri = shapely.STRtree(farm).query(parcels, predicate="intersects")
    a, b = parcels[li], farm[ri]
    print(f"pairs: {len(li):,} intersecting (not timed)")
    for jobs in (1, 2):
        results[f"floor_{jobs}"], _ = timed(
            f"GEOS floor (intersection), {jobs} thr", lambda j=jobs: floor(a, b, j), args.repeat)

    if not args.skip_geopandas:
        left = gpd.GeoDataFrame({"pid": np.arange(len(parcels))}, geometry=parcels,
                                crs=synth.CRS)
        right = gpd.GeoDataFrame(geometry=farm, crs=synth.CRS)

        def reference() -> np.ndarray:
            inter = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
            area = pd.Series(ellipsoidal_area(inter.geometry.values, synth.CRS))
            by = area.groupby(inter["pid"].to_numpy()).sum()
            return by.reindex(range(len(parcels)), fill_value=0.0).to_numpy()

        results["geopandas"], ref = timed("geopandas.overlay + groupby", reference)
        diff = np.abs(got - ref) / np.maximum(ref, 1.0)
        print(f"engine vs geopandas: max relative difference {diff.max():.2e}")

    print()
    cpu_ratio = CPU["engine, 1 thread(s)"] / CPU["GEOS floor (intersection), 1 thr"]
    print(f"engine / GEOS floor, 1 thread:      {results['engine_1'] / results['floor_1']:.2f}x"
          f" wall, {cpu_ratio:.2f}x CPU")
    print(f"engine geometry / GEOS floor, 1 thr: "
          f"{results['geometry_1'] / results['floor_1']:.2f}x wall (no areas on either side)")
    print(f"engine 1 thread / 2 threads:        {results['engine_1'] / results['engine_2']:.2f}x")
    if "geopandas" in results:
        ratio = results["geopandas"] / results["engine_1"]
        cpu_ratio = CPU["geopandas.overlay + groupby"] / CPU["engine, 1 thread(s)"]
        print(f"geopandas / engine (1 thread):      {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU")
    print(f"peak RSS after the engine runs:     {engine_rss:.2f} GB")


if __name__ == "__main__":
    main()
