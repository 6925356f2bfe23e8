"""Time the whole ``redline check`` on one synthetic county: per step, wall and peak memory.

    python benchmarks/bench_check.py --farmland 1000000 --parcels 50000 --repeat 2
    python benchmarks/bench_check.py --farmland 100000 --parcels 5000 --jobs 1 2 --tiles 2x2

The county comes from ``redline.make_county`` (GeoPackage, seed 7) and is
made once under ``benchmarks/_data/`` (git-ignored). Each run is the real command
line, ``redline -v check <county> --out <tmp> --as-of 2026-06-30 --jobs N``, in a
child process, so the wall time includes starting Python and the imports, and the
peak memory (max RSS of the child) is the run's own. Per-step times come from the
run's ``run.json``. The alternatives run on the same county in the same session:
one thread against two (``--jobs``), and one pass against spatial tiles (``--tiles``).
The best of ``--repeat`` runs is kept for each; the machine load (1-minute load
average) is printed before every run, since the cores may be shared.

``--dense`` checks a denser county instead: the same land (``--farmland`` patches)
with ``--parcels`` approvals, the supply cut to ``--supply`` parcels, and the change
patches replaced by about ``--changes`` rectangles tiling most of the county (a
grid over its outline, each cell less a 5 % margin on every side), every one
detected this year: most of the county's land is then under change patches, and
each patch meets hundreds of farmland patches and dozens of approvals and supply
parcels. Made once under ``benchmarks/_data/`` too.

    python benchmarks/bench_check.py --dense --farmland 1000000 --parcels 50000 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def county(farmland: int, parcels: int) -> Path:
    """Return the benchmark county of this size, made on first use."""
    name = f"check_{farmland}_{parcels}"
    folder = HERE / "_data" / name
    if not (folder / "big").exists():
        from redline.tools.samples import make_county

        start = time.perf_counter()
        make_county(folder, name="big", admin_code="210381", seed=7, n_farmland=farmland,
                    n_parcels=parcels, fmt="gpkg", overwrite=True)
        print(f"made {folder} in {time.perf_counter() - start:.0f} s", flush=True)
    return folder / "big"


def dense_county(farmland: int, parcels: int, supply: int, changes: int) -> Path:
    """Return the dense benchmark county of this size (see the module's notes), made once.

    It is the normal county of this size (:func:`county`) with its supply layer cut
    and its change patches replaced; the other layers, the targets and the evidence
    raster are the normal county's.
    """
    name = f"dense_{farmland}_{parcels}_{supply}_{changes}"
    folder = HERE / "_data" / name / "dense"
    if folder.exists():
        return folder
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely

    base = county(farmland, parcels)
    start = time.perf_counter()
    tmp = folder.with_name("dense.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for extra in base.iterdir():
        if extra.suffix != ".gpkg":
            shutil.copy2(extra, tmp / extra.name)
    gpkg = next(base.glob("*.gpkg"))
    admin = pyogrio.read_dataframe(gpkg, layer="admin")
    outline = shapely.union_all(admin.geometry.values)
    x0, y0, x1, y1 = outline.bounds
    side = float(np.sqrt(outline.area / changes))
    xs, ys = np.meshgrid(np.arange(x0, x1, side), np.arange(y0, y1, side))
    xs, ys = xs.ravel(), ys.ravel()
    margin = 0.05 * side
    cells = shapely.intersection(
        shapely.box(xs + margin, ys + margin, xs + side - margin, ys + side - margin), outline)
    cells = cells[np.isin(shapely.get_type_id(cells), (3, 6))]
    cells = cells[shapely.area(cells) > 0.1 * side * side]
    rng = np.random.default_rng(8)
    n = len(cells)
    counts = {}
    for layer, _ in pyogrio.list_layers(gpkg):
        frame = pyogrio.read_dataframe(gpkg, layer=layer)
        if layer == "supply":
            frame = frame.iloc[:supply]
        elif layer == "changes":
            frame = frame.iloc[[0] * n].reset_index(drop=True)
            frame["change_id"] = [f"2103812026JD{i:05d}" for i in range(n)]
            frame["detected_on"] = (np.datetime64("2026-01-10", "ms")
                                    + rng.integers(0, 160, n).astype("timedelta64[D]"))
            frame["land_code"] = rng.choice(["0601", "0701", "05H1", "1003"], n)
            frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=cells,
                                     crs=frame.crs)
        counts[layer] = len(frame)
        pyogrio.write_dataframe(frame, tmp / gpkg.name.replace(base.name, "dense"),
                                layer=layer, driver="GPKG", use_arrow=True,
                                append=layer != "admin", promote_to_multi=True)
    tmp.rename(folder)
    print(f"made {folder} in {time.perf_counter() - start:.0f} s: {n:,} change patches "
          f"covering {shapely.area(cells).sum() / outline.area:.0%} of the county; {counts}",
          flush=True)
    return folder


def run_check(data: Path, *, jobs: int, tiles: str | None) -> dict[str, float]:
    """Run one check in a child process; return its wall time, memory and step times.

    Memory is sampled every second over the child and its own children (a large
    county's supply rules and map images run in a forked process beside the
    rules): ``tree_gb`` is the peak of their summed PSS, which counts pages the
    fork shares once; ``rss_gb`` is the largest max RSS of any one process.
    """
    import psutil

    redline = shutil.which("redline", path=str(Path(sys.executable).parent)) or "redline"
    with tempfile.TemporaryDirectory(prefix="redline-bench-check-") as tmp:
        out = Path(tmp) / "out"
        cmd = [redline, "-v", "check", str(data), "--out", str(out), "--as-of", "2026-06-30",
               "--jobs", str(jobs)]
        if tiles is not None:
            cmd += ["--tiles", tiles]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        tree_peak = 0.0
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            total = 0.0
            try:
                for p in [parent, *parent.children(recursive=True)]:
                    total += p.memory_full_info().pss
            except psutil.Error:
                pass
            tree_peak = max(tree_peak, total)
            time.sleep(1.0)
        _, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"check failed ({proc.returncode}):\n{err}")
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    steps = {k: float(v) for k, v in run.get("timings", {}).items()}
    # ru_maxrss of the children is the largest child so far: runs go from the
    # smallest expected footprint up, and a smaller figure never hides a larger one.
    return {"wall": wall, "cpu": (after.ru_utime + after.ru_stime)
            - (before.ru_utime + before.ru_stime),
            "rss_gb": after.ru_maxrss / 1024**2, "tree_gb": tree_peak / 1024**3, **steps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--farmland", type=int, default=1_000_000)
    ap.add_argument("--parcels", type=int, default=50_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--tiles", default=None, help="also run with --tiles NXxNY (e.g. 2x2)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--dense", action="store_true",
                    help="the dense county (see the module's notes) instead")
    ap.add_argument("--supply", type=int, default=40_000, help="supply parcels, with --dense")
    ap.add_argument("--changes", type=int, default=4_900, help="change patches, with --dense")
    ap.add_argument("--make-only", action="store_true", help="make the county and stop")
    args = ap.parse_args()
    print(f"redline check benchmark, {platform.platform()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    data = (dense_county(args.farmland, args.parcels, args.supply, args.changes) if args.dense
            else county(args.farmland, args.parcels))
    if args.make_only:
        return
    cases = [(j, None) for j in args.jobs]
    if args.tiles:
        cases.append((max(args.jobs), args.tiles))
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.repeat):
        for jobs, tiles in cases:
            label = f"--jobs {jobs}" + (f" --tiles {tiles}" if tiles else "")
            load = os.getloadavg()[0]
            got = run_check(data, jobs=jobs, tiles=tiles)
            steps = "  ".join(f"{k} {v:.1f}" for k, v in got.items()
                              if k not in ("wall", "cpu", "rss_gb", "tree_gb"))
            print(f"{label:<22} load {load:4.2f}  wall {got['wall']:6.1f} s  "
                  f"CPU {got['cpu']:6.1f} s  peak PSS {got['tree_gb']:.2f} GB  "
                  f"max RSS (any run so far) {got['rss_gb']:.2f} GB"
                  f"\n    {steps}", flush=True)
            if label not in best or got["wall"] < best[label]["wall"]:
                best[label] = got
    print("\nbest of", args.repeat)
    for label, got in best.items():
        print(f"{label:<22} wall {got['wall']:6.1f} s  CPU {got['cpu']:6.1f} s  "
              f"peak PSS {got['tree_gb']:.2f} GB")


if __name__ == "__main__":
    main()
