"""Memory of ``redline check`` as the farmland grows: one pass, and tiles read from disk.

    python benchmarks/bench_memory.py --farmland 250000 1000000 --parcels 50000

For each county size (``redline.make_county``, GeoPackage, seed 7, made once
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


def run(data: Path, tiles: str, out: Path) -> dict[str, float]:
    """One check in a child process: wall time, its own peak RSS, the tree's peak PSS."""
    import psutil  # installed with distributed

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
        outs = {}
        for tiles in ("none", "3x3"):
            outs[tiles] = Path(tempfile.mkdtemp(prefix="redline-bench-"))
            got = run(data, tiles, outs[tiles])
            print(f"{farmland:>9,} patches, {args.parcels:,} parcels, --tiles {tiles:<5} "
                  f"wall {got['wall']:5.1f} s   check process peak {got['own_gb']:.2f} GB   "
                  f"with the map process {got['tree_gb']:.2f} GB PSS", flush=True)
        print(f"{'':>9}  {same_findings(outs['none'] / 'o', outs['3x3'] / 'o')}", flush=True)
        for folder in outs.values():
            shutil.rmtree(folder, ignore_errors=True)


def same_findings(one: Path, tiled: Path) -> str:
    """Compare the two runs' findings: the same ids, areas to 1e-6 relative."""
    import numpy as np
    import pandas as pd

    a, b = (pd.read_csv(p / "findings.csv", encoding="utf-8-sig").set_index("finding_id")
            .sort_index() for p in (one, tiled))
    if list(a.index) != list(b.index):
        return f"DIFFERENT findings: {len(a)} in one pass, {len(b)} tiled"
    worst = float(np.max(np.abs(b["area_m2"] - a["area_m2"]) / np.maximum(a["area_m2"], 1.0))
                  if len(a) else 0.0)
    same = (one / "summary.csv").read_bytes() == (tiled / "summary.csv").read_bytes()
    return (f"the same {len(a)} findings (areas to {worst:.1e} relative); summary.csv "
            f"{'identical' if same else 'different'}")


if __name__ == "__main__":
    main()
