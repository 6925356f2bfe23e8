"""Memory of a tiled county on a dask cluster: tiles handed out as workers free, or all at once.

    python benchmarks/bench_tiles.py --farmland 1000000 --parcels 50000 --shape 3

The county is the one of ``bench_check.py`` (``redline.make_county``, GeoPackage,
seed 7, made once under ``benchmarks/_data/``). Each measured run is a fresh interpreter
that starts a ``LocalCluster`` of 2 worker processes (1 thread each), reads the county and
runs its overlap rules in ``--shape`` x ``--shape`` tiles on the cluster through
``Client.get_executor()``, exactly as ``redline.tools.check.check`` does with an executor. The
RSS of the main process and the summed RSS of the cluster's processes (scheduler side
excluded: they are children of the main process) are sampled every 50 ms.

- ``bounded``: :func:`redline.analysis.tiles.run_tiled` as it is, a tile cut and submitted
  only when one of the ``workers + 1`` slots frees;
- ``all``: every tile cut and submitted at once (``in_flight`` = the number of tiles),
  the obvious way.

Both give the same findings (checked here by their ids).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(data: Path, shape: int, mode: str) -> dict[str, object]:
    """One run in this process (called in a child): peak memory and the finding ids."""
    import psutil  # installed with distributed
    from distributed import Client, LocalCluster

    from redline.analysis.rules import vector_findings
    from redline.analysis.tiles import plan_tiles
    from redline.io.dataset import read_dataset
    from redline.tools.check import _tiled_overlap

    me = psutil.Process()
    peak = {"main": 0, "cluster": 0}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a process just ended
                    total += child.memory_info().rss
            peak["cluster"] = max(peak["cluster"], total)
            peak["main"] = max(peak["main"], me.memory_info().rss)
            time.sleep(0.05)

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        threading.Thread(target=watch, daemon=True).start()
        ds = read_dataset(data)
        layers = {role: layer.frame for role, layer in ds.layers.items()}
        time.sleep(0.5)
        before = dict(peak)
        peak.update(main=0, cluster=0)
        as_of = datetime.date(2026, 6, 30)
        overlap = partial(vector_findings, as_of=as_of, lang="zh", n_jobs=1)
        n_tiles = len(plan_tiles(layers, shape=(shape, shape)))
        if mode == "all":
            from redline.analysis import tiles

            run_tiled = tiles.run_tiled
            tiles.run_tiled = partial(run_tiled, in_flight=n_tiles)  # type: ignore[assignment]
        start = time.perf_counter()
        result = _tiled_overlap(layers, overlap, shape=(shape, shape),
                                executor=client.get_executor(pure=False), as_of=as_of)
        wall = time.perf_counter() - start
        stop.set()
    return {"mode": mode, "tiles": n_tiles, "wall_s": round(wall, 1),
            "main_before_gb": round(before["main"] / 1e9, 2),
            "main_peak_gb": round(peak["main"] / 1e9, 2),
            "cluster_peak_gb": round(peak["cluster"] / 1e9, 2),
            "findings": sorted(map(str, result.findings["finding_id"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--farmland", type=int, default=1_000_000)
    ap.add_argument("--parcels", type=int, default=50_000)
    ap.add_argument("--shape", type=int, default=3)
    ap.add_argument("--child", choices=["bounded", "all"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.data), args.shape, args.child)))
        return

    from bench_check import county

    data = county(args.farmland, args.parcels)
    print(f"redline tiles-on-a-cluster benchmark, {datetime.date.today()}, "
          f"{platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"county: {data} ({args.farmland:,} farmland patches, {args.parcels:,} parcels), "
          f"{args.shape} x {args.shape} tiles, LocalCluster of 2 worker processes")
    runs = {}
    for mode in ("bounded", "all"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--data", str(data),
             "--shape", str(args.shape)], check=True, capture_output=True, text=True)
        runs[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        r = runs[mode]
        print(f"{mode:<8} {r['tiles']} tiles {r['wall_s']:6.1f} s   main: "
              f"{r['main_before_gb']:.2f} GB read, {r['main_peak_gb']:.2f} GB peak in tiles;"
              f"   cluster processes peak {r['cluster_peak_gb']:.2f} GB", flush=True)
    same = runs["bounded"]["findings"] == runs["all"]["findings"]
    print(f"same findings: {same} ({len(runs['bounded']['findings'])})")
    b, a = runs["bounded"], runs["all"]
    print(f"all at once / bounded: main peak {a['main_peak_gb'] / b['main_peak_gb']:.2f}x, "
          f"cluster peak {a['cluster_peak_gb'] / b['cluster_peak_gb']:.2f}x, "
          f"time {a['wall_s'] / b['wall_s']:.2f}x")


if __name__ == "__main__":
    main()
