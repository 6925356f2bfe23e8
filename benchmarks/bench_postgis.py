"""PostGIS benchmark: a synthetic county read from PostGIS against the same from a GeoPackage.

The county (``redline.make_county``, standard 三调 names) is loaded into a schema of
a database with PostGIS, then read both ways in this process, best of ``--repeat``; the
frames read are checked equal. The findings and features of a check are then written
back with ``write_postgis`` (one transaction) and, for comparison, to a GeoPackage. Run
against a database you may write to:

    python benchmarks/bench_postgis.py --url postgresql://postgres@localhost:5432/bench \
        --farmland 200000 --parcels 2000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyogrio
import sqlalchemy as sa

from redline.io.dataset import read_dataset
from redline.io.postgis import read_postgis, write_postgis
from redline.io.write import write_gpkg
from redline.tools.check import check
from redline.tools.samples import make_county


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def load(url: str, schema: str, gpkg: Path) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    rows = 0
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        for name in pyogrio.list_layers(gpkg)[:, 0]:
            frame = pyogrio.read_dataframe(gpkg, layer=name)
            frame.to_postgis(str(name).lower(), conn, schema=schema, index=False)
            rows += len(frame)
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="a database with PostGIS")
    parser.add_argument("--farmland", type=int, default=200_000)
    parser.add_argument("--parcels", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        info = make_county(tmp, name="bench", admin_code="210399", seed=3,
                           n_farmland=args.farmland, n_parcels=args.parcels,
                           style="standard", fmt="gpkg")
        gpkg = next(Path(tmp, "bench").glob("*.gpkg"))
        rows = load(args.url, "bench_county", gpkg)
        print(f"county: {info.counts}, {rows} rows in {len(pyogrio.list_layers(gpkg))} tables")
        t_file, files = best(lambda: read_dataset(gpkg), args.repeat)
        url = f"{args.url}?schema=bench_county"
        t_db, db = best(lambda: read_postgis(url), args.repeat)
        for role, layer in files.layers.items():
            other = db.layers[role].frame
            assert layer.frame.drop(columns="geometry").equals(other.drop(columns="geometry")), role
            assert layer.frame.geometry.geom_equals_exact(other.geometry, 0).all(), role
        print(f"read: GeoPackage {t_file:.2f} s, PostGIS {t_db:.2f} s "
              f"(x{t_db / t_file:.2f}); frames equal")

        run = check(files, Path(tmp, "out"), progress=False)
        tables = {"findings": run.findings, "features": run.features}
        t_write_db, _ = best(lambda: write_postgis(args.url, "bench_out", tables), args.repeat)
        t_write_gpkg, _ = best(lambda: write_gpkg(Path(tmp, "w.gpkg"), tables), args.repeat)
        print(f"write {len(run.findings)} findings + {len(run.features)} features: "
              f"GeoPackage {t_write_gpkg:.2f} s, PostGIS {t_write_db:.2f} s "
              f"(x{t_write_db / t_write_gpkg:.2f})")


if __name__ == "__main__":
    main()
