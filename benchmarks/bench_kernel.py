"""Time the intersection-area kernel against the GEOS floor, on one synthetic county.

    python benchmarks/bench_kernel.py --size 100k   # 100,000 farmland patches x 10,000 parcels
    python benchmarks/bench_kernel.py --size 1m     # 1,000,000 farmland patches x 50,000 parcels

The data are those of ``bench_overlay.py`` (``synth.county``: Voronoi patches about
0.5 ha, random octagon parcels about 5 ha, Gauss-Kruger coordinates). The pairs are
exactly the intersecting ones (an STRtree query with ``intersects``, not timed), and
every method gets the same pairs in the same process:

- GEOS floor: ``shapely.intersection(a, b)`` over the paired arrays (as in
  ``bench_overlay.py``), and the same followed by ``shapely.area``;
- kernel: ``redline.analysis.kernel.intersection_areas(parcels, farmland, li, ri)``,
  everything included (flattening the polygons to coordinate arrays, the kernel,
  the fallback pairs through GEOS), with ``validate=False`` (the layers redline reads
  are validated when read) and once with ``validate=True``;
- for the engine to come: a tree query by boxes alone followed by the kernel on
  every candidate pair, against the tree query with the ``intersects`` test that
  the floor's pairs come from (neither is part of the floor's figure).

Then the same on parcels drawn on the patches' edges (``--shared``): each parcel the
union of the patches around a random point, so every parcel edge is a patch edge
and every pair shares edges or vertices: the case of real parcels digitised on a
partition. This is the kernel's fallback rate where it matters. With ``--segmentize``
the same parcels get extra vertices along their edges, each a hair (the rounding of
its coordinates) off the patch edge it lies on: pairs the kernel cannot judge and
sends to GEOS, the worst case for the fallback.

``--samples`` only counts the pairs that fall back on the sample counties of
``data/samples``, each layer against the farmland.

Agreement is reported two ways: against GEOS at the data's coordinates (GEOS rounds
each intersection point to the ~7e-9 m spacing of doubles at 41,480,000 m, so small
pieces differ by up to ~1e-8 of their area), and against GEOS on the same polygons
moved exactly to the origin, where GEOS's rounding is negligible.
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

import numba
import shapely
import synth

from redline.analysis.kernel import REASONS, _kernel, _Rings, intersection_areas
from redline.analysis.overlay import union_by_group

#: size -> (parcels, farmland patches)
SIZES = {"10k": (1_000, 10_000), "100k": (10_000, 100_000), "1m": (50_000, 1_000_000)}
CELL_M = 70.0
RADIUS = (70.0, 230.0)
CPU: dict[str, float] = {}


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(label: str, func, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Best wall time and best CPU time (all threads) of ``repeat`` runs."""
    best, best_cpu = np.inf, np.inf
    out = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = func()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    print(f"{label:<40} {best:8.2f} s wall {best_cpu:8.2f} s CPU   peak RSS {rss_gb():5.2f} GB",
          flush=True)
    CPU[label] = best_cpu
    return best, out


def geos(a: np.ndarray, b: np.ndarray, n_jobs: int, area: bool) -> np.ndarray:
    def one(s: tuple[int, int]) -> np.ndarray:
        inter = shapely.intersection(a[s[0]:s[1]], b[s[0]:s[1]])
        return shapely.area(inter) if area else inter

    if n_jobs == 1:
        return one((0, len(a)))
    bounds = np.linspace(0, len(a), 4 * n_jobs + 1).astype(int)
    with ThreadPoolExecutor(n_jobs) as pool:
        return np.concatenate(list(pool.map(one, itertools.pairwise(bounds))))


def shared_parcels(farm: np.ndarray, n: int, side: float, seed: int = 5) -> np.ndarray:
    """``n`` parcels, each the union of the patches whose centre lies in a random disc."""
    rng = np.random.default_rng(seed)
    centre = np.column_stack([synth.X0 + rng.uniform(0, side, n),
                              synth.Y0 + rng.uniform(0, side, n)])
    radius = rng.uniform(*RADIUS, n)
    tree = shapely.STRtree(shapely.centroid(farm))
    pi, fi = tree.query(shapely.points(centre), predicate="dwithin", distance=radius.max())
    keep = np.hypot(*(shapely.get_coordinates(shapely.centroid(farm[fi])) - centre[pi]).T) \
        <= radius[pi]
    pi, fi = pi[keep], fi[keep]
    union = union_by_group(farm[fi], pi, n, n_jobs=2)
    return np.asarray(union[~shapely.is_missing(union)], dtype=object)


def run(label: str, parcels: np.ndarray, farm: np.ndarray, repeat: int) -> None:
    li, ri = shapely.STRtree(farm).query(parcels, predicate="intersects")
    a, b = parcels[li], farm[ri]
    print(f"{label}: {len(parcels):,} parcels x {len(farm):,} patches, {len(li):,} "
          f"intersecting pairs (not timed)", flush=True)
    for jobs in (1, 2):
        timed(f"GEOS floor (intersection), {jobs} thr", lambda j=jobs: geos(a, b, j, False),
              repeat)
    for jobs in (1, 2):
        _, ref = timed(f"GEOS intersection + area, {jobs} thr",
                       lambda j=jobs: geos(a, b, j, True), repeat)
    for jobs in (1, 2):
        _, (got, n_fallback) = timed(
            f"kernel, {jobs} thr",
            lambda j=jobs: intersection_areas(parcels, farm, li, ri, n_threads=j,
                                              validate=False),
            repeat)
    timed("kernel with validate=True, 1 thr",
          lambda: intersection_areas(parcels, farm, li, ri, n_threads=1), repeat)

    def from_boxes() -> tuple[np.ndarray, int]:
        bl, br = shapely.STRtree(farm).query(parcels)
        return len(bl), intersection_areas(parcels, farm, bl, br, n_threads=1,
                                           validate=False)[1]

    _, (n_boxes, _) = timed("tree query (boxes) + kernel, 1 thr", from_boxes, repeat)
    timed("tree query (intersects), 1 thr",
          lambda: shapely.STRtree(farm).query(parcels, predicate="intersects"), repeat)
    print(f"  the box query gives {n_boxes:,} candidate pairs; the kernel gives pairs "
          f"that do not meet an area of 0 at little cost, so it needs no intersects test")
    # Where the kernel's time goes, and why pairs fell back (not part of the figures).
    t = time.process_time()
    rings = _Rings(parcels), _Rings(farm)
    flat = time.process_time() - t
    t = time.process_time()
    _, _, why = _kernel(*rings, li.astype(np.int64), ri.astype(np.int64), 1)
    kern = time.process_time() - t
    print(f"  of which flattening {flat:.2f} s CPU, the compiled kernel {kern:.2f} s CPU")
    reasons = {REASONS[k]: int(c) for k, c in enumerate(np.bincount(why)) if k and c}
    print(f"  fallback: {n_fallback:,} pairs ({n_fallback / max(len(li), 1):.3%}) {reasons}")
    scale = np.minimum(shapely.area(a), shapely.area(b))
    err = np.abs(got - ref) / scale
    at = int(np.argmax(err))
    print(f"  max |kernel - GEOS| / smaller polygon's area: {err.max():.2e} "
          f"(piece {ref[at]:.4g} m2); relative to the piece: "
          f"{(np.abs(got - ref) / np.maximum(ref, 1e-300))[ref > 0].max():.2e}")
    origin = np.array([synth.X0, synth.Y0])
    a0 = shapely.transform(a, lambda xy: xy - origin)
    b0 = shapely.transform(b, lambda xy: xy - origin)
    ref0 = shapely.area(shapely.intersection(a0, b0))
    print(f"  max |kernel - GEOS at the origin| / smaller area: "
          f"{(np.abs(got - ref0) / scale).max():.2e}; GEOS here vs GEOS at the origin: "
          f"{(np.abs(ref - ref0) / scale).max():.2e}")
    floor, kernel = CPU["GEOS floor (intersection), 1 thr"], CPU["kernel, 1 thr"]
    print(f"  GEOS floor / kernel, 1 thread, CPU: {floor / kernel:.2f}x "
          f"(with GEOS's areas: {CPU['GEOS intersection + area, 1 thr'] / kernel:.2f}x)")
    print(flush=True)


def samples() -> None:
    """Fallback shares on the sample counties: each layer against the farmland."""
    import warnings

    import redline

    root = Path(__file__).resolve().parent.parent / "data" / "samples"
    for county in sorted(p.name for p in root.iterdir() if p.is_dir()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = redline.read_dataset(root / county)
        farm = np.asarray(ds["farmland"].geometry.values, dtype=object)
        tree = shapely.STRtree(farm)
        shares = []
        for role in ds.layers:
            frame = ds[role]
            if role == "farmland" or frame is None or not len(frame):
                continue
            geoms = np.asarray(frame.geometry.values, dtype=object)
            geoms = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))]
            li, ri = tree.query(geoms, predicate="intersects")
            if len(li):
                _, n_fallback = intersection_areas(geoms, farm, li, ri, n_threads=1)
                shares.append(f"{role} {n_fallback}/{len(li)}")
        print(f"{county}: fallback pairs against the farmland: {', '.join(shares)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="100k")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--shared", action="store_true",
                    help="also parcels drawn on the patches' edges")
    ap.add_argument("--segmentize", type=float, metavar="M",
                    help="with --shared, also those parcels with a vertex added every M "
                         "metres along their edges (rounded, so a hair off the patch edges)")
    ap.add_argument("--samples", action="store_true",
                    help="only count the fallback pairs on the sample counties (data/samples)")
    args = ap.parse_args()
    if args.samples:
        samples()
        return
    n_parcels, n_farm = SIZES[args.size]
    print(f"redline kernel benchmark, {datetime.date.today()}, {platform.platform()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"python {platform.python_version()}, shapely {shapely.__version__} "
          f"(GEOS {shapely.geos_version_string}), numba {numba.__version__}")
    # Load the compiled kernel (from numba's cache) before anything is timed.
    intersection_areas([shapely.box(0, 0, 1, 1)], [shapely.box(0, 0, 1, 1)], [0], [0])
    parcels, farm = synth.county(n_parcels, n_farm, cell_m=CELL_M, radius=RADIUS)
    run("octagon parcels", parcels, farm, args.repeat)
    if args.shared:
        side = np.sqrt(n_farm) * CELL_M
        drawn = shared_parcels(farm, n_parcels, side)
        run("parcels on patch edges", drawn, farm, args.repeat)
        if args.segmentize:
            run(f"the same, a vertex every {args.segmentize:g} m",
                shapely.segmentize(drawn, args.segmentize), farm, args.repeat)


if __name__ == "__main__":
    main()
