"""Shared fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

#: "required" (as .ci/run sets it) makes the browser tests fail, not skip, without Chromium.
BROWSER_ENV = "REDLINE_TEST_BROWSER"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium, which the browser tests drive through Playwright.

    Without it (or without Playwright) they are skipped, saying how to install it;
    with REDLINE_TEST_BROWSER=required they fail instead.
    """
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None
    if path is None:
        problem = "Chromium is not installed: apt-get install chromium"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = 'Playwright is not installed: pip install -e ".[test]"'
    if problem is not None:
        if os.environ.get(BROWSER_ENV, "").lower() == "required":
            pytest.fail(f"{problem} ({BROWSER_ENV}=required)")
        pytest.skip(f"browser test: {problem}")
    assert path is not None
    return path


# --- tiny county datasets for reading (redline.io.dataset) -------------------------

import warnings  # noqa: E402
import zipfile  # noqa: E402
from collections.abc import Callable  # noqa: E402

import geopandas as gpd  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402

#: South-west corner of the tiny county, in EPSG:4529 (zone 41, near CM 123E).
X0, Y0 = 41_500_000.0, 4_550_000.0


def _box(x: float, y: float, w: float = 100.0, h: float | None = None) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + (w if h is None else h))


def county_layers() -> dict[str, gpd.GeoDataFrame]:
    """A tiny county with standard (三调) field names, in EPSG:4529."""
    crs = "EPSG:4529"
    return {
        "XZQ": gpd.GeoDataFrame(
            {"XZQDM": ["210302"], "XZQMC": ["铁东区"]}, geometry=[_box(-100, -100, 1200)], crs=crs),
        "DLTB": gpd.GeoDataFrame(
            {"BSM": ["t1", "t2", "t3", "t4"], "DLBM": ["0101", "0103K", "0201", "0102"],
             "DLMC": ["水田", "旱地", "园地", "水浇地"],
             "ZLDWDM": ["2103020010010000000"] * 4},
            geometry=[_box(0, 0), _box(200, 0), _box(400, 0), _box(600, 0)], crs=crs),
        "YJJBNTTB": gpd.GeoDataFrame(
            {"BSM": ["b1"], "ZLDWDM": ["2103020010010000000"]}, geometry=[_box(0, 0, 50)],
            crs=crs),
        "approvals": gpd.GeoDataFrame(
            {"PZWH": ["辽政地〔2009〕1号", "辽政地〔2009〕2号"],
             "PZRQ": ["2009年10月1日", "2009/3/5"], "SFJBNT": ["否", "是"]},
            geometry=[_box(0, 200, 300), _box(500, 500)], crs=crs),
        "supply": gpd.GeoDataFrame(
            {"DZJGH": ["2103022009B00001"], "GDFS": ["协议出让"], "TDYT": ["工业用地"],
             "HTRQ": ["20090101"], "CRJK": ["1,200.5"]},
            geometry=[_box(0, 200, 100)], crs=crs),
    }


def write_gbk_shapefile(frame: gpd.GeoDataFrame, path: Path, *, prj: bool = True) -> Path:
    """Write ``frame`` as a GBK shapefile with no .cpg and a zero code-page byte.

    That is the file GDAL silently decodes as ISO-8859-1.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, path, encoding="gbk")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0
    dbf.write_bytes(bytes(data))
    return path


def zip_shapefile(shp: Path, zip_path: Path) -> Path:
    """Zip a shapefile's parts into ``zip_path`` and delete them."""
    with zipfile.ZipFile(zip_path, "w") as zf:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            if part != zip_path:
                zf.write(part, part.name)
                part.unlink()
    return zip_path


def write_county(folder: Path, fmt: str) -> Path:
    """Write :func:`county_layers` into ``folder`` as ``shp`` (GBK, no .cpg),
    ``gpkg`` (one file, a layer per role), ``parquet``, or ``shpzip``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    layers = county_layers()
    for name, frame in layers.items():
        if fmt == "shp":
            write_gbk_shapefile(frame, folder / f"{name}.shp")
        elif fmt == "shpzip":
            shp = write_gbk_shapefile(frame, folder / f"{name}.shp")
            zip_shapefile(shp, folder / f"{name}.shp.zip")
        elif fmt == "gpkg":
            frame.to_file(folder / "county.gpkg", layer=name, driver="GPKG")
        elif fmt == "parquet":
            frame.to_parquet(folder / f"{name}.parquet")
        else:
            raise ValueError(fmt)
    return folder


@pytest.fixture(params=["shp", "gpkg", "parquet", "shpzip"])
def county_any_format(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The tiny county written to every format the reader takes."""
    return write_county(tmp_path / f"县_{request.param}", request.param)


@pytest.fixture
def county_shp(tmp_path: Path) -> Path:
    """The tiny county as GBK shapefiles without .cpg, in a folder with a Chinese name."""
    return write_county(tmp_path / "铁东区", "shp")


@pytest.fixture
def gbk_writer() -> Callable[..., Path]:
    """:func:`write_gbk_shapefile`, as a fixture."""
    return write_gbk_shapefile


# --- a throwaway PostGIS server (tests/test_postgis.py) ----------------------------------

import contextlib  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Iterator  # noqa: E402

#: ``required`` (set by .ci/run): the PostGIS tests fail rather than skip without a server.
POSTGRES_ENV = "REDLINE_TEST_POSTGRES"
#: An existing database with PostGIS to test against instead of a throwaway server.
POSTGRES_URL_ENV = "REDLINE_TEST_POSTGRES_URL"
POSTGRES_HINT = ("to run them: apt-get install postgresql postgresql-15-postgis-3, and "
                 "pip install -e '.[test]' (or set REDLINE_TEST_POSTGRES_URL)")


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get(POSTGRES_ENV) == "required":
        pytest.fail(f"the PostGIS tests are required ({POSTGRES_ENV}=required) but {reason}",
                    pytrace=False)
    pytest.skip(f"no PostGIS server: {reason}; {POSTGRES_HINT}")


def _postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian keeps them off the PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """Yield the URL of a database with PostGIS on a server started for the test session.

    The server is a fresh cluster in a temporary folder, on a free port, run as the
    ``postgres`` user when the tests run as root (PostgreSQL refuses root), with trust
    authentication on localhost only; it is stopped and deleted at the end.
    """
    existing = os.environ.get(POSTGRES_URL_ENV)
    if existing:
        yield existing
        return
    for module in ("sqlalchemy", "psycopg", "geoalchemy2"):
        try:
            __import__(module)
        except ImportError:
            _postgres_unavailable(f"{module} is not installed")
    bindir = _postgres_bin()
    if bindir is None:
        _postgres_unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    assert bindir is not None
    user: dict[str, str] = {}
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            _postgres_unavailable("running as root and there is no postgres user to run the "
                                  "server as")
        user = {"user": "postgres", "group": "postgres"}
    folder = Path(tempfile.mkdtemp(prefix="redline-pg-"))
    if user:
        shutil.chown(folder, user="postgres", group="postgres")
    data, log = folder / "data", folder / "server.log"
    port = _free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bindir / args[0]), *args[1:]], cwd=folder, text=True,
                              capture_output=True, check=False, timeout=120, **user)

    started = False
    try:
        made = run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--no-locale")
        if made.returncode != 0:
            _postgres_unavailable(f"initdb failed: {made.stderr.strip()[-300:]}")
        options = (f"-k {folder} -p {port} -c listen_addresses=localhost -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off")
        up = run("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60",
                 "start")
        started = up.returncode == 0
        if not started:
            tail = log.read_text(errors="replace")[-300:] if log.exists() else up.stderr
            _postgres_unavailable(f"the server did not start: {tail.strip()}")
        import psycopg

        with psycopg.connect(f"host=localhost port={port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE redline_test")
        with psycopg.connect(f"host=localhost port={port} user=postgres dbname=redline_test",
                             autocommit=True) as conn:
            try:
                conn.execute("CREATE EXTENSION postgis")
            except psycopg.Error as ex:
                _postgres_unavailable(f"PostGIS is not installed for this PostgreSQL "
                                      f"({str(ex).strip().splitlines()[0]})")
        yield f"postgresql://postgres@localhost:{port}/redline_test"
    finally:
        if started:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
