"""PostGIS as a source and a sink, against a real server (the ``postgis_url`` fixture).

A sample county is loaded into a schema as a bureau's database holds it (its files'
own fields, tables under standard or role names), checked from the database with the
findings written back, and compared with the same county checked from its files.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

import redline
from redline.cli.main import cli
from redline.errors import ConfigError, InputError
from redline.io.dataset import read_dataset
from redline.io.postgis import read_postgis, table_sha256, write_postgis

from test_contract import documented_keys

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "tiedong"
AS_OF = "2026-06-30"
PASSWORD = "s3cret-Pw"
SCHEMA = "county_210302"
#: The sample's files and the tables they become: standard names, then role names.
TABLES = {"DLTB": "dltb", "YJJBNTTB": "yjjbnttb", "XZQ": "xzq", "报批地块": "approvals",
          "供地地块": "supply", "变化图斑": "changes", "补充耕地": "supplement"}


def _engine(url: str):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _raw(name: str) -> gpd.GeoDataFrame:
    """A sample file as it is: its own fields, decoded (the files are GBK)."""
    return pyogrio.read_dataframe(SAMPLE / f"{name}.shp", encoding="gbk")


def _load(url: str, schema: str, tables: dict[str, str], *,
          no_srid: tuple[str, ...] = ()) -> None:
    """Write sample files into ``schema`` under the given table names."""
    import sqlalchemy as sa

    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        for name, table in tables.items():
            frame = _raw(name)
            if name in no_srid:
                frame = frame.set_crs(None, allow_override=True)
            with warnings.catch_warnings():  # geopandas warns of a frame without CRS
                warnings.simplefilter("ignore", UserWarning)
                frame.to_postgis(table, conn, schema=schema, index=False)
    engine.dispose()


def _with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{PASSWORD}@", 1)


def _key(findings: pd.DataFrame) -> list[tuple[str, str, float]]:
    return sorted(zip(findings["rule"].astype(str), findings["feature_id"].astype(str),
                      findings["area_m2"].astype(float).round(1), strict=True))


@pytest.fixture(scope="module")
def county_db(postgis_url: str) -> str:
    """The sample county in schema county_210302; its URL (with a password in it)."""
    _load(postgis_url, SCHEMA, TABLES)
    return _with_password(postgis_url) + f"?schema={SCHEMA}"


@pytest.fixture(scope="module")
def from_files(tmp_path_factory: pytest.TempPathFactory) -> redline.CheckRun:
    """The same county checked from its files: the layers the database holds, no raster."""
    folder = tmp_path_factory.mktemp("files") / "tiedong"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.tif", "targets.csv"))
    return redline.check(folder, folder.parent / "out", as_of=AS_OF)


def test_check_from_database_writes_back_the_findings_of_the_files(
        county_db: str, postgis_url: str, from_files: redline.CheckRun,
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    base = county_db.split("?", maxsplit=1)[0]
    result = CliRunner().invoke(cli, ["check", base, "--schema", SCHEMA, "--out", str(out),
                                      "--as-of", AS_OF, "--out-db", base])
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output

    # Written back into <source schema>_redline, as the files' check found them.
    engine = _engine(postgis_url)
    with engine.connect() as conn:
        findings = gpd.read_postgis(f'SELECT * FROM "{SCHEMA}_redline".findings', conn,
                                    geom_col="geometry")
        features = gpd.read_postgis(f'SELECT * FROM "{SCHEMA}_redline".features', conn,
                                    geom_col="geometry")
        summary = pd.read_sql(f'SELECT * FROM "{SCHEMA}_redline".summary', conn)
    engine.dispose()
    assert len(from_files.findings) > 20
    assert _key(findings) == _key(from_files.findings)
    assert findings.crs == from_files.findings.crs
    # The geometries written are the findings' own: their ellipsoidal areas agree.
    assert (findings.set_index("finding_id").geometry.area.sort_index().round(3).tolist()
            == from_files.findings.set_index("finding_id").geometry.area.sort_index()
            .round(3).tolist())
    assert sorted(zip(features["layer"], features["feature_id"], features["status"],
                      strict=True)) == sorted(zip(from_files.features["layer"],
                                                  from_files.features["feature_id"],
                                                  from_files.features["status"], strict=True))
    assert len(summary) == len(from_files.summary)

    # The output folder holds the same findings; run.json names each table read.
    gpkg = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert _key(gpkg) == _key(from_files.findings)
    text = (out / "run.json").read_text(encoding="utf-8")
    assert PASSWORD not in text
    run = json.loads(text)
    assert run["dataset"] == f"{base.replace(':' + PASSWORD, '')}?schema={SCHEMA}"
    assert run["out_db"]["schema"] == f"{SCHEMA}_redline"
    assert run["out_db"]["tables"]["findings"] == len(from_files.findings)
    # Every key written is one docs/contract.md documents, out_db among them.
    keys, only_here = documented_keys("run.json")
    assert set(run) <= keys
    assert only_here == {"out_db"} <= set(run)
    assert set(run["out_db"]) == {"url", "schema", "tables"}
    for item in run["inputs"]:
        assert set(item) <= documented_keys("run.json inputs")[0]
    inputs = {item["role"]: item for item in run["inputs"]}
    assert inputs["farmland"]["layer"] == f"{SCHEMA}.dltb"
    assert inputs["farmland"]["path"] == base.replace(":" + PASSWORD, "")
    assert inputs["approvals"]["count"] == pyogrio.read_info(SAMPLE / "报批地块.shp")["features"]
    assert inputs["approvals"]["sha256"] == table_sha256(county_db, "approvals")
    assert inputs["farmland"]["crs"] == "EPSG:4529"


def test_tables_go_through_the_file_reader(postgis_url: str) -> None:
    import sqlalchemy as sa

    # Upper-case standard names, a table named for its role, and one without an SRID.
    _load(postgis_url, "mapped", {"DLTB": "DLTB", "YJJBNTTB": "YJJBNTTB", "XZQ": "Xzq",
                                  "报批地块": "报批地块", "变化图斑": "patches",
                                  "补充耕地": "supplement"},
          no_srid=("变化图斑",))
    # Column types as a database declares them: dates, exact decimals, integers.
    engine = _engine(postgis_url)
    with engine.begin() as conn:
        conn.execute(sa.text('ALTER TABLE mapped.patches ALTER COLUMN "JCRQ" TYPE date'))
        conn.execute(sa.text('ALTER TABLE mapped.supplement ALTER COLUMN "YSRQ" TYPE date, '
                             'ALTER COLUMN "XZGDMJ" TYPE numeric(12, 4), '
                             'ALTER COLUMN "GDDB" TYPE smallint'))
    engine.dispose()
    url = postgis_url + "?schema=mapped"
    db = read_postgis(url, tables={"changes": "patches"},
                      layers={"approvals": {"layer": "报批地块",
                                            "fields": {"approval_id": "PZWH"}}})
    files = read_dataset(SAMPLE, layers={"approvals": {"fields": {"approval_id": "PZWH"}}})
    assert not db.errors
    assert set(db.layers) == {"admin", "farmland", "basic_farmland", "approvals", "changes",
                              "supplement"}
    for role, layer in db.layers.items():
        mine, theirs = layer.frame, files.layers[role].frame
        pd.testing.assert_frame_equal(mine.drop(columns="geometry"),
                                      theirs.drop(columns="geometry"))
        assert mine.geometry.geom_equals_exact(theirs.geometry, 0).all(), role
        assert layer.fields == files.layers[role].fields
    # A DLTB is cut to farmland as from a file: the sample's own count of 01xx patches.
    dltb = _raw("DLTB")
    assert db.layers["farmland"].count == dltb["DLBM"].str[:4].isin(
        ["0101", "0102", "0103"]).sum() < len(dltb)
    assert db.layers["approvals"].frame["approval_id"].iloc[0] == _raw("报批地块")["PZWH"][0]
    # The table without SRID is placed as a shapefile without .prj is.
    changes = db.layers["changes"]
    assert changes.crs_inferred
    assert changes.source_crs == "EPSG:4529"
    assert next(p.problem for p in changes.problems if p.kind == "crs_inferred").startswith(
        "the layer has no CRS (no SRID): inferred EPSG:4529")
    assert db.layers["farmland"].source_crs == "EPSG:4529"
    assert not db.layers["farmland"].crs_inferred
    # Ignored, and said so: a table with geometry that fills no role.
    assert redline.info(url).ok


def test_a_table_named_for_a_role_must_exist(postgis_url: str, county_db: str,
                                             tmp_path: Path) -> None:
    ds = read_postgis(county_db, tables={"changes": "no_such_table"})
    assert [(p.role, p.kind) for p in ds.errors] == [("changes", "missing_file")]
    assert "no_such_table" in ds.errors[0].line()
    assert PASSWORD not in ds.errors[0].line()
    with pytest.raises(InputError, match="not in schema 'county_210302'"):
        redline.check(ds, tmp_path / "out", as_of=AS_OF)


def test_content_hash_tells_a_change(postgis_url: str) -> None:
    import sqlalchemy as sa

    _load(postgis_url, "hashed", {"变化图斑": "changes", "XZQ": "xzq"})
    url = postgis_url + "?schema=hashed"
    before = read_postgis(url).layers["changes"]
    assert before.sha256 == table_sha256(url, "changes")
    engine = _engine(postgis_url)
    with engine.begin() as conn:
        # The same rows in another physical order: the same content.
        conn.execute(sa.text('CREATE TABLE hashed.c2 AS SELECT * FROM hashed.changes '
                             'ORDER BY "JCBH" DESC'))
    assert table_sha256(url, "c2") == before.sha256
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE hashed.changes SET \"DLBM\" = '0602' "
                             "WHERE \"JCBH\" = (SELECT min(\"JCBH\") FROM hashed.changes)"))
    engine.dispose()
    after = read_postgis(url).layers["changes"]
    assert after.sha256 != before.sha256
    assert after.count == before.count


def _error_line(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert PASSWORD not in result.output
    return lines[0]


def test_database_errors_are_one_line_without_the_password(postgis_url: str, county_db: str,
                                                           tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    server = _with_password(postgis_url).rsplit("/", 1)[0]
    out = str(tmp_path / "out")
    cases = {
        f"postgresql://postgres:{PASSWORD}@localhost:{closed}/x": "cannot connect",
        f"{server}/no_such_db?schema={SCHEMA}": 'database "no_such_db" does not exist',
        f"{server}/redline_test?schema=nowhere": "schema 'nowhere' does not exist",
        f"{server}/postgres": "no PostGIS extension",
        f"postgresql://postgres:{PASSWORD}@localhost:port/x": "not a database URL",
    }
    for url, problem in cases.items():
        line = _error_line(["check", url, "--out", out])
        assert line.startswith("redline: error: postgresql://postgres@localhost:"), line
        assert problem in line, line
        assert "; fix: " in line, line
    line = _error_line(["check", county_db, "--out", out, "--as-of", AS_OF,
                        "--out-db", f"postgresql://postgres:{PASSWORD}@localhost:{closed}/x"])
    assert "cannot connect" in line
    assert not (tmp_path / "out").exists()  # a run whose results cannot be written leaves none


def test_without_the_extra_files_are_checked_and_a_url_says_what_to_install(
        tmp_path: Path) -> None:
    # No server needed. The driver and SQLAlchemy made unimportable, as without
    # redline[postgis]: a folder is checked, and a URL is a one-line error naming the extra.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for name in ('sqlalchemy', 'psycopg', 'geoalchemy2'):\n"
        "    sys.modules[name] = None\n"
        "import redline\n"
        f"run = redline.check({str(SAMPLE.parent / 'tiexi')!r}, {str(tmp_path / 'out')!r}, "
        "as_of='2026-06-30', progress=False)\n"
        "print(len(run.findings))\n"
        "try:\n"
        f"    redline.read_dataset('postgresql://postgres:{PASSWORD}@localhost/x')\n"
        "except redline.ConfigError as ex:\n"
        "    print(ex.line())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    count, line = done.stdout.strip().splitlines()
    assert int(count) == len(pd.read_csv(tmp_path / "out" / "findings.csv")) > 0
    assert line.startswith("postgresql://postgres@localhost/x: "), line
    assert 'pip install "redline[postgis]"' in line
    assert PASSWORD not in line


def test_a_schema_is_for_a_database_only(tmp_path: Path) -> None:
    # No server needed: the dataset is a folder, refused before anything is read or made.
    line = _error_line(["check", str(SAMPLE), "--out", str(tmp_path / "out"),
                        "--schema", SCHEMA])
    assert line.startswith(f"redline: error: {SAMPLE}: schema 'county_210302' was given"), line
    assert "postgresql://" in line
    assert not (tmp_path / "out").exists()


def test_write_replaces_every_table_in_one_transaction(postgis_url: str) -> None:
    import shapely
    import sqlalchemy as sa

    def frame(n: int, label: str) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"rule": [label] * n, "n": list(range(n))},
                                geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
                                crs="EPSG:4529")

    url = _with_password(postgis_url) + "?schema=results"
    written = write_postgis(url, None, {"findings": frame(2, "old"), "features": frame(3, "old")})
    assert written["tables"] == {"findings": 2, "features": 3}
    assert PASSWORD not in json.dumps(written)

    # The second table cannot be written (PostgreSQL text holds no NUL): neither changes.
    bad = frame(4, "new")
    bad["note"] = "a\x00b"
    with pytest.raises(InputError) as caught:
        write_postgis(url, None, {"findings": frame(5, "new"), "features": bad})
    assert "results.features" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert "\n" not in str(caught.value)
    engine = _engine(postgis_url)
    with engine.connect() as conn:
        findings = pd.read_sql("SELECT rule, n FROM results.findings ORDER BY n", conn)
        features = pd.read_sql("SELECT rule, n FROM results.features ORDER BY n", conn)
    assert findings.to_dict("list") == {"rule": ["old", "old"], "n": [0, 1]}
    assert features.to_dict("list") == {"rule": ["old"] * 3, "n": [0, 1, 2]}

    # Both written: both replaced, with the geometry and its SRID.
    write_postgis(url, "results", {"findings": frame(5, "new"), "features": frame(1, "new")})
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*), min(rule) FROM results.findings")
                            ).one() == (5, "new")
        assert conn.execute(sa.text("SELECT count(*) FROM results.features")).scalar() == 1
        assert conn.execute(sa.text("SELECT Find_SRID('results', 'findings', 'geometry')")
                            ).scalar() == 4529
        assert conn.execute(sa.text("SELECT sum(ST_Area(geometry)) FROM results.findings")
                            ).scalar() == pytest.approx(5.0)
    engine.dispose()


def test_a_folder_whose_redline_toml_names_the_database_is_checked_from_it(
        county_db: str, from_files: redline.CheckRun, tmp_path: Path) -> None:
    """``[source] url`` in redline.toml: the folder's check reads the schema, not files."""
    folder = tmp_path / "县"
    folder.mkdir()
    (folder / "redline.toml").write_text(f'[source]\nurl = "{county_db}"\n', encoding="utf-8")
    run = redline.check(folder, tmp_path / "out", as_of=AS_OF)
    assert run.dataset.layers["farmland"].path.endswith(f"{SCHEMA}.dltb")
    assert _key(run.findings) == _key(from_files.findings)


def test_a_source_url_must_be_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "县"
    folder.mkdir()
    (folder / "redline.toml").write_text('[source]\nurl = "county.gpkg"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="postgresql://"):
        redline.read_dataset(folder)
