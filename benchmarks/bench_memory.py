"""Memory of ``redline check`` as the farmland grows: one pass, and tiles read from disk.

    python benchmarks/bench_memory.py --farmland 250000 1000000 --parcels 50000

For each county size (``redline.samples.make_county``, GeoPackage, seed 7, made once
under ``benchmarks/_data/``, as ``bench_check.py`` makes them) the real command line
runs in a child process, ``redline check <county> --out <tmp> --as-of 2026-06-30
--jobs 2``, once in one pass (``--tiles none``: every layer held) and once in tiles
(``--tiles 3x3``: farmland and basic farmland read window by window onto disk and back
tile by tile). The RSS of the check's own process and the PSS of it and its children
(the process drawing the map beside the rules) are sampled every 0.1 s.

Same parcels, more farmland: a one-pass check's memory grows with the farmland, a
tiled one's should not.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def run(data: Path, tiles: str) -> dict[str, float]:
    """One check in a child process: wall time, its own peak RSS, the tree's peak PSS."""
    import psutil  # installed with distributed

    out = Path(tempfile.mkdtemp(prefix="redline-bench-"))
    exe = Path(sys.executable).with_name("redline")
    cmd = [str(exe), "check", str(data), "--out", str(out / "o"), "--as-of", "2026-06-30",
           "--jobs", "2", "--tiles", tiles]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    me = psutil.Process(proc.pid)
    own = tree = 0
    while proc.poll() is None:
        try:
            own = max(own, me.memory_info().rss)
            total = me.memory_full_info().pss
            for child in me.children(recursive=True):
                total += child.memory_full_info().pss
            tree = max(tree, total)
        except psutil.Error:
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    return {"wall": wall, "own_gb": own / 1e9, "tree_gb": tree / 1e9}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--farmland", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--parcels", type=int, default=50_000)
    args = ap.parse_args()
    from bench_check import county

    print(f"redline memory benchmark, {platform.platform()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    for farmland in args.farmland:
        data = county(farmland, args.parcels)
        for tiles in ("none", "3x3"):
            got = run(data, tiles)
            print(f"{farmland:>9,} patches, {args.parcels:,} parcels, --tiles {tiles:<5} "
                  f"wall {got['wall']:5.1f} s   check process peak {got['own_gb']:.2f} GB   "
                  f"with the map process {got['tree_gb']:.2f} GB PSS", flush=True)


if __name__ == "__main__":
    main()
