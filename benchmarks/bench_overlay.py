"""Time the overlap engine against geopandas.overlay and the GEOS floor, on one synthetic county.

    python benchmarks/bench_overlay.py --size 100k   # 100,000 farmland patches x 10,000 parcels
    python benchmarks/bench_overlay.py --size 1m     # 1,000,000 farmland patches x 50,000 parcels

Farmland patches average about 0.5 ha (Voronoi cells 70 m apart) and parcels about
5 ha (octagons of 70-230 m radius), so a parcel meets about 19 patches: 1M x 50k
makes about 960,000 overlapping pairs, the case the targets were set on.

Every method computes the same thing, each parcel's ellipsoidal area on farmland,
on the same data in the same process:

- engine: ``redline.analysis.overlay.overlap_area(..., partition=True)`` with 1 and 2
  threads: tree, box pairs, the kernel's planar areas and centroids
  (``redline.analysis.kernel``; the pairs it cannot judge through GEOS, counted),
  ellipsoidal anchoring, sums. The 1- and 2-thread runs alternate ``--repeat`` times
  and the best of each is kept; each run is printed with the load average beside it
  (on a shared machine a 2-thread wall time is only as good as the idle cores).
  Then one call on one thread is timed stage by stage (CPU of the thread running
  each stage), marking which stages run in the tasks the threads share (blocks of
  pairs, and the parcels' areas beside them) and which run alone: the serial share,
  and the speed-up on two threads it allows (Amdahl), a figure the load does not
  disturb;
- engine with GEOS pieces: the same through ``pieces(..., geometry=True)``, the path
  taken before the kernel (and still taken where a piece's outline is written):
  prepared covers / intersects tests, ``shapely.intersection`` of the cut pairs,
  scaled ellipsoidal areas;
- GEOS floor: ``shapely.intersection`` of exactly the intersecting pairs, pairs
  precomputed and not timed, nothing else (no areas);
- geopandas: ``geopandas.overlay(how="intersection")`` + ellipsoidal areas + groupby.

Peak memory is the process's maximum resident set (``ru_maxrss``) after each
step; the engine runs first, so its figure is its own, and the others only
add to it. Agreement is each method's largest difference from geopandas over the
parcel's area.
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

from redline.analysis import overlay
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.kernel import intersection_measures, stage_log
from redline.analysis.overlay import _pairs, overlap_area, pieces

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
FALLBACKS: list[int] = []  # of each kernel call of the last engine run


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

    # Load the compiled kernel (from numba's cache) before anything is timed.
    overlap_area(parcels[:10], farm[:100], crs=synth.CRS, partition=True)

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        m = intersection_measures(*a, **k)
        FALLBACKS.append(m.n_fallback)
        return m

    overlay.intersection_measures = counting  # type: ignore[assignment]
    results: dict[str, float] = {}
    got: dict[str, np.ndarray] = {}
    engine(parcels, farm, args.repeat, results, got)
    engine_rss = rss_gb()
    print(f"  pairs sent to GEOS by the kernel: {sum(FALLBACKS):,}")
    serial = stages(parcels, farm)

    def with_geos(n_jobs: int) -> np.ndarray:
        area = ellipsoidal_area(parcels, synth.CRS)
        p = pieces(parcels, farm, crs=synth.CRS, sliver_m2=0.0, left_area_m2=area,
                   geometry=True, n_jobs=n_jobs)
        return np.minimum(p.total_by_left(len(parcels)), area)

    for jobs in (1, 2):
        results[f"geos_{jobs}"], got[f"geos_{jobs}"] = timed(
            f"engine, GEOS pieces, {jobs} thr", lambda j=jobs: with_geos(j), args.repeat)

    def geometry(n_jobs: int) -> np.ndarray:
        pl, pr, left_in, right_in = _pairs(parcels, farm, n_jobs)
        cut = ~(left_in | right_in)
        return floor(parcels[pl[cut]], farm[pr[cut]], n_jobs)

    results["geometry_1"], _ = timed("engine geometry, no areas, 1 thr", lambda: geometry(1),
                                     args.repeat)

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
        parcel_area = ellipsoidal_area(parcels, synth.CRS)
        for name, value in got.items():
            diff = np.abs(value - ref) / parcel_area
            print(f"{name} vs geopandas: max difference {diff.max():.2e} of the parcel's area")

    summary(results, engine_rss, serial)


def engine(parcels: np.ndarray, farm: np.ndarray, repeat: int, results: dict[str, float],
           got: dict[str, np.ndarray]) -> None:
    """Time the engine on 1 and 2 threads, alternately, ``repeat`` times; keep the best."""
    best = {1: (np.inf, np.inf), 2: (np.inf, np.inf)}
    for _ in range(repeat):
        for jobs in (1, 2):
            FALLBACKS.clear()
            load = os.getloadavg()[0]
            t, c = time.perf_counter(), time.process_time()
            got[f"engine_{jobs}"] = overlap_area(parcels, farm, crs=synth.CRS, partition=True,
                                                 sliver_m2=0.0, n_jobs=jobs)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            best[jobs] = (min(best[jobs][0], wall), min(best[jobs][1], cpu))
            print(f"{f'engine, {jobs} thread(s)':<34} {wall:8.2f} s wall {cpu:8.2f} s CPU   "
                  f"peak RSS {rss_gb():5.2f} GB   load average {load:.2f}", flush=True)
    for jobs in (1, 2):
        results[f"engine_{jobs}"], CPU[f"engine, {jobs} thread(s)"] = best[jobs]
        print(f"{f'engine, {jobs} thread(s), best':<34} {best[jobs][0]:8.2f} s wall "
              f"{best[jobs][1]:8.2f} s CPU")


def stages(parcels: np.ndarray, farm: np.ndarray) -> float:
    """Print where one engine call on one thread spends its CPU; return the serial share.

    A stage run inside a task (a block of pairs, or the parcels' areas beside the
    blocks) runs on the threads side by side with the others; the rest of the call
    (the tree, flattening its side, anchoring and sorting the pieces, the glue) runs
    alone. Inside the tasks, flattening (``shapely.get_coordinates``) and part of the
    parcels' areas hold the GIL: they run beside another thread's compiled kernel,
    not beside another thread's flattening.
    """
    overlap_area(parcels, farm, crs=synth.CRS, partition=True, sliver_m2=0.0, n_jobs=1)
    c = time.process_time()
    with stage_log() as log:
        overlap_area(parcels, farm, crs=synth.CRS, partition=True, sliver_m2=0.0, n_jobs=1)
    total = time.process_time() - c
    cpu: dict[tuple[str, bool, int], float] = {}
    for st in log:
        key = (st.name, st.threads, st.depth)
        cpu[key] = cpu.get(key, 0.0) + st.cpu
    in_tasks = sum(v for (_, threads, depth), v in cpu.items() if threads and depth == 0)
    serial = total - in_tasks
    print(f"\nengine stages, one call on 1 thread: {total:.2f} s CPU")
    for (name, threads, depth), v in sorted(cpu.items(), key=lambda kv: -kv[1]):
        where = "in the threads' tasks" if threads else "serial"
        label = ("  " * depth + name) if depth else f"{name}, {where}"
        print(f"  {label:<42} {v:7.3f} s CPU {v / total:6.1%}")
    print(f"  {'the rest: glue between stages (serial)':<42} "
          f"{total - sum(v for (_, _, d), v in cpu.items() if d == 0):7.3f} s CPU")
    share = serial / total
    print(f"  serial share (CPU outside the tasks): {serial:.3f} s, {share:.1%}; "
          f"Amdahl's bound on 2 threads: {1 / (share + (1 - share) / 2):.2f}x", flush=True)
    # On 2 threads: how evenly the tasks fall to the threads (CPU, which the load
    # disturbs less than wall time; time waiting for the GIL is not in it).
    c = time.process_time()
    with stage_log() as log:
        overlap_area(parcels, farm, crs=synth.CRS, partition=True, sliver_m2=0.0, n_jobs=2)
    total2 = time.process_time() - c
    per_thread: dict[int, float] = {}
    for st in log:
        if st.threads and st.depth == 0:
            per_thread[st.thread] = per_thread.get(st.thread, 0.0) + st.cpu
    busiest = max(per_thread.values(), default=0.0)
    path = total2 - sum(per_thread.values()) + busiest
    each = ", ".join(f"{v:.2f}" for v in per_thread.values())
    print(f"  on 2 threads: tasks' CPU per thread {each} s; serial plus the busiest "
          f"thread {path:.2f} s CPU of {total2:.2f} s: at most {total2 / path:.2f}x without "
          f"waits for the GIL or the cores", flush=True)
    return share


def summary(results: dict[str, float], engine_rss: float, serial: float) -> None:
    """Print the ratios the targets are judged by."""
    print()
    engine, geos, floor_cpu = (CPU["engine, 1 thread(s)"], CPU["engine, GEOS pieces, 1 thr"],
                               CPU["GEOS floor (intersection), 1 thr"])
    print(f"GEOS floor / engine, 1 thread, CPU:          {floor_cpu / engine:.2f}x")
    print(f"engine with GEOS pieces / engine, 1 thr, CPU: {geos / engine:.2f}x")
    print(f"engine 1 thread / 2 threads, wall:           "
          f"{results['engine_1'] / results['engine_2']:.2f}x (best of each; load average "
          f"now {os.getloadavg()[0]:.2f})")
    print(f"engine serial share, 1 thread, CPU:          {serial:.1%} "
          f"(Amdahl's bound on 2 threads {1 / (serial + (1 - serial) / 2):.2f}x)")
    print(f"engine with GEOS pieces, 1 / 2 threads:      "
          f"{results['geos_1'] / results['geos_2']:.2f}x")
    print(f"engine geometry / GEOS floor, 1 thr:         "
          f"{results['geometry_1'] / results['floor_1']:.2f}x wall")
    if "geopandas" in results:
        cpu_ratio = CPU["geopandas.overlay + groupby"] / engine
        print(f"geopandas / engine (1 thread), CPU:         {cpu_ratio:.2f}x")
    print(f"peak RSS after the engine runs:              {engine_rss:.2f} GB")


if __name__ == "__main__":
    main()
