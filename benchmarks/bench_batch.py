"""Batch benchmark: N synthetic counties with 1 and 2 workers; a big county tiled vs one pass.

Everything runs the real ``redline check``. Counties come from
``redline.make_county``. Each measured run is a child process, so its peak
memory (max RSS) is its own. Run:

    python benchmarks/bench_batch.py --counties 20 --farmland 3000 --parcels 300 --big 200000

``--city N`` instead runs one batch of N counties of ``--farmland`` patches and
``--parcels`` parcels (a city: ``--city 7 --farmland 1000000 --parcels 50000``) on a
dask ``LocalCluster`` of ``--workers`` worker processes of one thread each, made in
a child process: its wall time, the CPU time of the whole process tree, and the peak
of the tree's summed PSS (the child, the scheduler and the workers; sampled every
1 s). The counties are made once under ``benchmarks/_data/`` (git-ignored).

    python benchmarks/bench_batch.py --city 7 --farmland 1000000 --parcels 50000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from redline.tools.samples import make_county

HERE = Path(__file__).resolve().parent


def _child(code: str) -> tuple[float, float]:
    """Run ``code`` in a fresh interpreter; return (seconds, that process's max RSS in MB)."""
    tail = "\nimport resource; print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + tail], check=True, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    rss = next(int(line.split()[1]) for line in done.stdout.splitlines()
               if line.startswith("MAXRSS"))
    return seconds, rss / 1024


def make_counties(root: Path, n: int, farmland: int, parcels: int) -> None:
    for i in range(n):
        make_county(root, name=f"county{i:02d}", admin_code=f"2103{i + 10:02d}",
                    seed=100 + i, n_farmland=farmland, n_parcels=parcels,
                    origin=(41_480_000.0 + (i % 5) * 12_000, 4_530_000.0 + (i // 5) * 12_000))


def batch_run(root: Path, out: Path, workers: int) -> float:
    code = (
        "from redline.tools.batch import run_batch; import datetime\n"
        f"r = run_batch({str(root)!r}, {str(out)!r}, workers={workers}, "
        "as_of=datetime.date(2026, 6, 30), progress=False)\n"
        "assert not r.failed, [c.reason for c in r.failed]\n"
    )
    seconds, _ = _child(code)
    return seconds


def check_run(dataset: Path, out: Path, tiles: str) -> tuple[float, float]:
    code = (
        "from redline.tools.check import check; import datetime\n"
        f"check({str(dataset)!r}, {str(out)!r}, as_of=datetime.date(2026, 6, 30), "
        f"tiles={tiles}, progress=False)\n"
    )
    return _child(code)


def city(n: int, farmland: int, parcels: int) -> Path:
    """Return a folder of ``n`` benchmark counties of this size, made on first use."""
    root = HERE / "_data" / f"city_{n}_{farmland}_{parcels}"
    for i in range(n):
        if not (root / f"county{i:02d}").exists():
            start = time.perf_counter()
            make_county(root, name=f"county{i:02d}", admin_code=f"2103{i + 10:02d}",
                        seed=100 + i, n_farmland=farmland, n_parcels=parcels)
            print(f"made county{i:02d} in {time.perf_counter() - start:.0f} s", flush=True)
    return root


_CITY = """
import datetime, sys
from distributed import LocalCluster
from redline.tools.batch import run_batch
cluster = LocalCluster(n_workers={workers}, threads_per_worker=1, processes=True,
                       dashboard_address=None, memory_limit=None)
r = run_batch({root!r}, {out!r}, scheduler=cluster.scheduler_address,
              as_of=datetime.date(2026, 6, 30), progress=False)
print("FAILED", len(r.failed), [c.reason for c in r.failed])
cluster.close()
"""


def city_run(root: Path, out: Path, workers: int) -> dict[str, float]:
    """Run the batch on a LocalCluster in a child process: wall, CPU and peak PSS of the tree."""
    import psutil

    code = _CITY.format(workers=workers, root=str(root), out=str(out))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(proc.pid)
    peak, cpu = 0.0, {}
    while proc.poll() is None:
        total = 0.0
        try:
            for p in [parent, *parent.children(recursive=True)]:
                total += p.memory_full_info().pss
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(1.0)
    stdout, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"batch failed ({proc.returncode}):\n{err[-3000:]}")
    return {"wall": time.perf_counter() - start, "cpu": sum(cpu.values()),
            "peak_gb": peak / 1024**3,
            "failed": float(stdout.split("FAILED", 1)[1].split()[0])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--counties", type=int, default=20)
    ap.add_argument("--farmland", type=int, default=3000)
    ap.add_argument("--parcels", type=int, default=300)
    ap.add_argument("--big", type=int, default=200_000, help="farmland patches of the big county")
    ap.add_argument("--shape", type=int, default=3, help="tile grid side for the big county")
    ap.add_argument("--city", type=int, default=0, metavar="N",
                    help="one batch of N counties on a dask LocalCluster instead")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers, with --city")
    ap.add_argument("--make-only", action="store_true", help="with --city: make the counties")
    args = ap.parse_args()
    if args.city:
        root = city(args.city, args.farmland, args.parcels)
        if args.make_only:
            return
        print(f"load average before: {os.getloadavg()}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            got = city_run(root, Path(tmp) / "out", args.workers)
            findings = len(pd.read_csv(Path(tmp) / "out" / "findings.csv"))
        print(f"city of {args.city} counties ({args.farmland:,} patches, {args.parcels:,} "
              f"parcels each) on a LocalCluster of {args.workers} workers: wall "
              f"{got['wall']:.1f} s, CPU {got['cpu']:.1f} s, peak PSS {got['peak_gb']:.2f} GB, "
              f"{findings:,} findings, {got['failed']:.0f} failed")
        print(f"load average after: {os.getloadavg()}")
        return
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        root = tmp_path / "city"
        t = time.perf_counter()
        make_counties(root, args.counties, args.farmland, args.parcels)
        print(f"generated {args.counties} counties in {time.perf_counter() - t:.1f} s")
        one = batch_run(root, tmp_path / "w1", 1)
        two = batch_run(root, tmp_path / "w2", 2)
        same = pd.read_csv(tmp_path / "w1" / "findings.csv").sort_values("finding_id")[
            "finding_id"].tolist() == pd.read_csv(tmp_path / "w2" / "findings.csv").sort_values(
            "finding_id")["finding_id"].tolist()
        print(f"batch of {args.counties}: 1 worker {one:.1f} s, 2 workers {two:.1f} s "
              f"(speed-up {one / two:.2f}x), same findings: {same}")

        big = tmp_path / "big"
        make_county(big, name="big", admin_code="210381", seed=7, n_farmland=args.big,
                    n_parcels=max(args.big // 20, 300))
        s1, m1 = check_run(big / "big", tmp_path / "one", "None")
        s2, m2 = check_run(big / "big", tmp_path / "tiled", f"({args.shape}, {args.shape})")
        a = pd.read_csv(tmp_path / "one" / "findings.csv").set_index("finding_id").sort_index()
        b = pd.read_csv(tmp_path / "tiled" / "findings.csv").set_index("finding_id").sort_index()
        identical = list(a.index) == list(b.index) and bool(
            ((a["area_m2"] - b["area_m2"]).abs() <= 1e-6 * a["area_m2"].abs().clip(lower=1)).all())
        print(json.dumps({"big_farmland": args.big, "one_pass_s": round(s1, 1),
                          "one_pass_max_rss_mb": round(m1), "tiled_s": round(s2, 1),
                          "tiled_max_rss_mb": round(m2), "findings": len(a),
                          "identical": identical}))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
