"""PostGIS as a source and a sink: a county's layers read from a schema, results written back.

For bureaus whose 一张图 lives in a database. A dataset named by a URL,
``postgresql://user@host:5432/db?schema=county_210302``, is read table by table
from that schema (``public`` when none is given): a table is a role's layer when
it is named after the role or a standard layer (``dltb``, ``yjjbnttb``, ``xzq``...;
case does not matter), or when the ``layers`` argument names it. Each table's rows
go through the reader of files (:func:`redline.io.layer.layer_from_frame`): the same
field mapping, value parsing, geometry repair and CRS decision. The CRS is the
geometry column's SRID; a table without one is placed as a shapefile without
``.prj`` is (inferred from its coordinates, and said so).

:func:`write_postgis` writes result tables into a schema, every table replaced in
one transaction: a reader sees all the old tables or all the new ones, never a mix.

The URL's password never appears in a message, a layer's path or run.json (give it
in the URL, in ``PGPASSWORD`` or in ``~/.pgpass``). The driver is psycopg 3 through
SQLAlchemy: ``pip install "redline[postgis]"``.
"""

from __future__ import annotations

import contextlib
import decimal
import hashlib
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.errors import ConfigError, InputError
from redline.io.config import LayerSpec, parse_config
from redline.io.layer import layer_from_frame
from redline.io.place import dataset_from_layers
from redline.model import Dataset, Layer, Problem
from redline.schema import ROLES, STANDARD_LAYER_NAMES, Role

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection

__all__ = ["dataset_name", "is_database_url", "mask_url", "out_schema", "read_postgis",
           "table_sha256", "with_schema", "write_postgis"]

#: A dataset named by one of these URL schemes is a PostGIS database.
DATABASE_SCHEMES: Final = ("postgresql:", "postgres:", "postgresql+psycopg:")
#: The URL query parameter naming the schema (taken out before the URL reaches the driver).
SCHEMA_PARAM: Final = "schema"
DEFAULT_SCHEMA: Final = "public"
#: Appended to the source schema to name the schema results are written into by default.
OUT_SUFFIX: Final = "_redline"
#: Seconds to wait for the server before saying it cannot be reached.
CONNECT_TIMEOUT: Final = 10
INSTALL_FIX: Final = 'pip install "redline[postgis]"'
_MD5: Final = "_redline_md5"
_HINT_CONNECT: Final = ("check the host, port, database name and user (a password goes in the "
                        "URL, PGPASSWORD or ~/.pgpass) and that the server is running")


def is_database_url(path: object) -> bool:
    """Whether a dataset argument names a PostGIS database rather than a file.

    Examples
    --------
    >>> is_database_url("postgresql://gis@db.example/county?schema=county_210302")
    True
    >>> is_database_url("data/samples/tiedong")
    False
    """
    return isinstance(path, str) and path.lower().startswith(DATABASE_SCHEMES)


def mask_url(url: str) -> str:
    """Return ``url`` with its password taken out, for messages.

    Examples
    --------
    >>> mask_url("postgresql://gis:s3cret@localhost:5432/county")
    'postgresql://gis@localhost:5432/county'
    """
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1@", url, count=1)


def with_schema(url: str, schema: str) -> str:
    """Return ``url`` with ``?schema=`` set to ``schema`` (other parameters kept).

    Examples
    --------
    >>> with_schema("postgresql://gis@localhost/county?sslmode=disable", "county_210302")
    'postgresql://gis@localhost/county?sslmode=disable&schema=county_210302'
    """
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != SCHEMA_PARAM]
    query.append((SCHEMA_PARAM, schema))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def out_schema(url: str, source: str) -> str:
    """Return the schema results go into: ``?schema=`` in ``url``, else the source's + ``_redline``.

    Raises
    ------
    ConfigError
        Neither names a schema (the source is a folder and the URL has no ``?schema=``).

    Examples
    --------
    >>> out_schema("postgresql://gis@localhost/county",
    ...            "postgresql://gis@localhost/county?schema=county_210302")
    'county_210302_redline'
    """
    own = _query_schema(url)
    if own:
        return own
    if is_database_url(source):
        return (_query_schema(source) or DEFAULT_SCHEMA) + OUT_SUFFIX
    raise ConfigError("the database URL names no schema to write the results into",
                      path=mask_url(url), fix="add ?schema=NAME to the URL")


def dataset_name(url: str) -> str:
    """Return the short name of a database dataset, for titles: its schema.

    Examples
    --------
    >>> dataset_name("postgresql://gis@localhost/county?schema=county_210302")
    'county_210302'
    """
    return _query_schema(url) or DEFAULT_SCHEMA


def _query_schema(url: str) -> str | None:
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get(SCHEMA_PARAM)
    return values[-1] if values else None


# --- connecting ------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """A parsed database URL: what the driver gets, the schema, and how to show it."""

    url: URL         # for SQLAlchemy + psycopg, without ``schema``
    schema: str
    base: str        # the URL as shown: no password, no schema
    password: str | None

    @property
    def shown(self) -> str:
        """The URL as shown, with its schema."""
        return with_schema(self.base, self.schema)

    def where(self, table: str) -> str:
        """How a table is named in messages: ``<url>:<schema>.<table>``."""
        return f"{self.base}:{self.schema}.{table}"

    def scrub(self, text: str) -> str:
        """``text`` with the password (if any) replaced, for messages."""
        return text.replace(self.password, "***") if self.password else text


def _target(url: str, *, schema: str | None = None, default: str | None = DEFAULT_SCHEMA
            ) -> _Target:
    shown = mask_url(url)
    try:
        import psycopg  # noqa: F401  (the driver: missing, SQLAlchemy would fail later)
        from sqlalchemy.engine import URL, make_url
        from sqlalchemy.exc import ArgumentError
    except ImportError as ex:
        raise ConfigError(f"reading or writing PostGIS needs {ex.name}, which is not "
                          "installed", path=shown, fix=INSTALL_FIX) from ex
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as ex:
        raise ConfigError(f"not a database URL ({mask_url(str(ex))})", path=shown,
                          fix="write postgresql://USER@HOST:PORT/DATABASE?schema=SCHEMA"
                          ) from ex
    if parsed.drivername not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ConfigError(f"{parsed.drivername}:// is not a PostgreSQL URL redline reads",
                          path=shown, fix="write postgresql://USER@HOST:PORT/DATABASE")
    if not parsed.database:
        raise ConfigError("the URL names no database", path=shown,
                          fix="write postgresql://USER@HOST:PORT/DATABASE?schema=SCHEMA")
    query = dict(parsed.query)
    given = query.pop(SCHEMA_PARAM, None)
    if isinstance(given, tuple):
        given = given[-1]
    schema = schema or given or default
    if not schema:
        raise ConfigError("the database URL names no schema", path=shown,
                          fix="add ?schema=NAME to the URL")
    base = URL.create("postgresql", username=parsed.username, password=None,
                      host=parsed.host, port=parsed.port, database=parsed.database,
                      query=query).render_as_string(hide_password=False)
    driver = URL.create("postgresql+psycopg", username=parsed.username,
                        password=parsed.password, host=parsed.host, port=parsed.port,
                        database=parsed.database, query=query)
    return _Target(driver, schema, base, parsed.password)


def _reason(ex: BaseException, target: _Target) -> str:
    """Return the driver's own message on one line, without SQL, parameters or password."""
    orig = getattr(ex, "orig", None) or ex
    lines = [line.strip() for line in str(orig).splitlines()]
    text = " ".join(line for line in lines if line and not line.startswith("(Background"))
    return target.scrub(text) or type(orig).__name__


@contextlib.contextmanager
def _connected(target: _Target, *, begin: bool = False) -> Iterator[Connection]:
    """Yield a connection (in one transaction with ``begin``), or a one-line error."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    options: dict[str, Any] = {"application_name": "redline"}
    if "connect_timeout" not in target.url.query:
        options["connect_timeout"] = CONNECT_TIMEOUT
    engine = create_engine(target.url, poolclass=NullPool, connect_args=options)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as ex:
            raise InputError(f"cannot connect to the database ({_reason(ex, target)})",
                             path=target.shown, fix=_HINT_CONNECT) from ex
        with conn:
            if begin:
                with conn.begin():
                    yield conn
            else:
                yield conn
    finally:
        engine.dispose()


def _check_database(conn: Connection, target: _Target, *, schema_must_exist: bool) -> None:
    """Raise when the database has no PostGIS or (when it must) no such schema."""
    from sqlalchemy import text

    if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first() \
            is None:
        raise InputError("the database has no PostGIS extension", path=target.shown,
                         fix="run CREATE EXTENSION postgis; in it (PostGIS must be installed "
                         "on the server, e.g. Debian's postgresql-15-postgis-3)")
    if not schema_must_exist:
        return
    names = [str(n) for n in conn.execute(text(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
        "AND nspname <> 'information_schema' ORDER BY nspname")).scalars()]
    if target.schema not in names:
        raise InputError(f"schema {target.schema!r} does not exist (schemas: "
                         f"{', '.join(names) or 'none'})", path=target.shown,
                         fix="name the schema holding the county's tables with ?schema=NAME "
                         "or --schema NAME")


# --- reading ---------------------------------------------------------------------


def read_postgis(
    url: str,
    *,
    schema: str | None = None,
    tables: Mapping[str, str] | None = None,
    layers: Mapping[str, str | Mapping[str, Any]] | None = None,
    crs: str | None = None,
) -> Dataset:
    """Read a county's layers from a PostGIS schema into one working CRS.

    Parameters
    ----------
    url
        ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=SCHEMA]``; other
        query parameters (``sslmode``...) go to the driver.
    schema
        The schema holding the county's tables (wins over ``?schema=``; ``public``
        when neither is given).
    tables
        Role -> table name, for tables not named after their role or standard name.
    layers
        Per-role settings shaped like ``[layers]`` in ``redline.toml`` (``layer`` or
        ``path``, or a text value, names the table; ``fields``, ``filter`` and
        ``crs`` as for a file).
    crs
        CRS for tables whose geometry has no SRID (a layer's own ``crs`` still wins).

    Returns
    -------
    Dataset
        As :func:`redline.io.dataset.read_dataset` returns: ``path`` is the URL without
        its password; each layer's ``path`` is ``<url>:<schema>.<table>``, its
        ``layer_name`` ``<schema>.<table>`` and its ``sha256`` the digest of the table's
        rows (:func:`table_sha256`).

    Raises
    ------
    ConfigError
        The URL or ``layers`` is malformed, or ``redline[postgis]`` is not installed.
    InputError
        The server cannot be reached, the database has no PostGIS, or the schema does
        not exist. A table that is missing or cannot be read is a problem (an error) on
        the dataset, as a missing file is.
    """
    target = _target(url, schema=schema)
    config = parse_config({"layers": _specs(tables, layers)}, path=target.shown)
    problems: list[Problem] = [
        Problem(target.shown, f"{role} is not read from a database: ignored",
                "check a folder holding it instead", "warning", role=role, kind="ignored")
        for role in config.layers if role not in ROLES]
    read: dict[str, Layer] = {}
    with _connected(target) as conn:
        _check_database(conn, target, schema_must_exist=True)
        names, geometry = _relations(conn, target.schema)
        sources = _resolve(config.layers, names, geometry, target, problems)
        for role, (table, standard) in sources.items():
            spec = config.layers.get(role, LayerSpec())
            layer, layer_problems = _read_table(conn, target, role, table, spec=spec,
                                                columns=geometry.get(table, []), crs=crs,
                                                standard=standard)
            if layer is None:
                problems.extend(layer_problems)
            else:
                read[role] = layer
    return dataset_from_layers(target.shown, read, problems)


def _specs(tables: Mapping[str, str] | None,
           layers: Mapping[str, str | Mapping[str, Any]] | None) -> dict[str, Any]:
    """``tables`` and ``layers`` as one ``[layers]`` document, a table named by ``layer``."""
    specs: dict[str, dict[str, Any]] = {}
    for role, value in (layers or {}).items():
        specs[role] = {"layer": value} if isinstance(value, str) else dict(value)
    for role, table in (tables or {}).items():
        specs.setdefault(role, {})["layer"] = table
    return specs


def _role_of(name: str) -> tuple[Role | None, bool]:
    """Return the role a table's name gives it, and whether that name is a standard one."""
    key = name.strip().lower()
    if key in ROLES:
        return key, False
    if key in STANDARD_LAYER_NAMES:
        return STANDARD_LAYER_NAMES[key], True
    return None, False


def _relations(conn: Connection, schema: str
               ) -> tuple[list[str], dict[str, list[tuple[str, int]]]]:
    """Return a schema's tables and views, and each one's geometry columns with their SRID."""
    from sqlalchemy import text

    names = [str(n) for n in conn.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname"),
        {"s": schema}).scalars()]
    geometry: dict[str, list[tuple[str, int]]] = {}
    for table, column, srid in conn.execute(text(
            "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns "
            "WHERE f_table_schema = :s ORDER BY f_table_name, f_geometry_column"),
            {"s": schema}):
        geometry.setdefault(str(table), []).append((str(column), int(srid or 0)))
    return names, geometry


def _resolve(specs: Mapping[str, LayerSpec], names: list[str],
             geometry: Mapping[str, list[tuple[str, int]]], target: _Target,
             problems: list[Problem]) -> dict[str, tuple[str, bool]]:
    """One table per role (with whether it was found by a standard name), conflicts reported."""
    sources: dict[str, tuple[str, bool]] = {}
    for role in ROLES:
        spec = specs.get(role, LayerSpec())
        wanted = spec.layer or spec.path
        if wanted is not None:
            same = [n for n in names if n == wanted] or [
                n for n in names if n.lower() == wanted.lower()]
            if len(same) != 1:
                problems.append(Problem(
                    target.where(wanted),
                    f"the table named for {role} is not in schema {target.schema!r}",
                    f"name one of its tables: {', '.join(names) or '(none)'}", "error",
                    role=role, kind="missing_file"))
                continue
            sources[role] = (same[0], _role_of(same[0]) == (role, True))
            continue
        claims = [n for n in names if _role_of(n)[0] == role]
        if len(claims) > 1:
            problems.append(Problem(
                target.where(claims[0]),
                f"{len(claims)} tables claim the role {role}: {', '.join(claims)}",
                f"name one for {role} (tables={{{role!r}: ...}})", "error", role=role,
                kind="role_conflict"))
        if claims:
            sources[role] = (claims[0], _role_of(claims[0])[1])
    used = {table for table, _ in sources.values()}
    problems.extend(
        Problem(target.where(table), "not a layer role name: ignored",
                "rename the table to a role, or name it for one", "info", kind="ignored")
        for table in geometry if table not in used)
    if not sources and not any(p.level == "error" for p in problems):
        problems.append(Problem(
            target.shown, f"no layer found: no table in schema {target.schema!r} is named "
            "after a role", "name tables admin, farmland (or dltb), basic_farmland "
            "(or yjjbnttb), approvals, supply, changes, supplement, or name them for "
            "their roles", "error", kind="no_layers"))
    return sources


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote_identifier(name))


def _read_table(conn: Connection, target: _Target, role: str, table: str, *,
                spec: LayerSpec, columns: list[tuple[str, int]], crs: str | None,
                standard: bool) -> tuple[Layer | None, list[Problem]]:
    """Read one table into a :class:`Layer` in its source CRS, as a file's layer is read."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    display = target.where(table)
    problems: list[Problem] = []

    def error(text_: str, fix: str, kind: str) -> tuple[None, list[Problem]]:
        problems.append(Problem(display, text_, fix, "error", role=role, kind=kind))
        return None, problems

    if not columns:
        return error("the table has no geometry column", "give it a PostGIS geometry "
                     "column, or name another table for the role", "no_geometry")
    column, srid = columns[0]
    if len(columns) > 1:
        problems.append(Problem(display, f"{len(columns)} geometry columns: read {column!r}",
                                "", "info", role=role, kind="geometry_column"))
    where = f"{_quote(conn, target.schema)}.{_quote(conn, table)}"
    try:
        source_crs, mixed = _table_crs(conn, where, _quote(conn, column), srid)
        if mixed:
            return error(f"the geometries carry several SRIDs ({mixed})",
                         "bring them to one with ST_Transform, or read one SRID through a "
                         "view", "wrong_crs")
        order = ", ".join(_quote(conn, c) for c in _primary_key(conn, target.schema, table))
        sql = (f"SELECT t.*, md5(t::text) AS {_MD5} FROM {where} AS t"
               + (f" ORDER BY {order}" if order else ""))
        frame = pd.read_sql(text(sql), conn)
    except SQLAlchemyError as ex:
        return error(f"cannot read the table ({_reason(ex, target)})",
                     "check the user may SELECT from it", "unreadable")
    digest = _rows_sha256(frame.pop(_MD5))
    raw = _as_file_frame(frame, column, crs=source_crs, drop=[c for c, _ in columns[1:]])
    codes = spec.filter if spec.filter is not None else (
        tuple(settings.farmland_codes) if standard and role == "farmland" else None)
    bounds = raw.total_bounds if len(raw) else None
    layer = layer_from_frame(raw, cast("Role", role), spec, display=display,
                             meta={"total_bounds": bounds}, crs=crs, codes=codes,
                             encoding="UTF-8", layer_name=f"{target.schema}.{table}",
                             problems=problems, no_crs="no SRID")
    if layer is None:
        return None, problems
    layer.sha256 = digest
    return layer, problems


def _table_crs(conn: Connection, where: str, column: str, srid: int
               ) -> tuple[str | None, str]:
    """Return the CRS of a geometry column's SRID (its rows' when the column declares none).

    Returns the CRS (``None`` without an SRID) and, when the rows carry several SRIDs,
    them as text.
    """
    from sqlalchemy import text

    if not srid:
        found = sorted(int(s) for s in conn.execute(text(
            f"SELECT DISTINCT ST_SRID({column}) FROM {where} WHERE {column} IS NOT NULL "
            "LIMIT 3")).scalars())
        if len(found) > 1:
            return None, ", ".join(map(str, found))
        srid = found[0] if found else 0
    if not srid:
        return None, ""
    row = conn.execute(text("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys "
                            "WHERE srid = :s"), {"s": srid}).first()
    if row is None:
        return f"EPSG:{srid}", ""
    auth, code, wkt = row
    if str(auth or "").upper() == "EPSG" and code:
        return f"EPSG:{int(code)}", ""
    return (str(wkt) if wkt else f"EPSG:{srid}"), ""


def _primary_key(conn: Connection, schema: str, table: str) -> list[str]:
    from sqlalchemy import text

    return [str(c) for c in conn.execute(text(
        "SELECT a.attname FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(num, pos) ON true "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.num "
        "WHERE i.indisprimary AND n.nspname = :s AND c.relname = :t ORDER BY k.pos"),
        {"s": schema, "t": table}).scalars()]


def _rows_sha256(md5s: pd.Series) -> str:
    """sha256 over the rows' md5 digests, sorted: a change in any value changes it."""
    values = np.sort(md5s.to_numpy(dtype="U32"))
    return hashlib.sha256("".join(v + "\n" for v in values.tolist()).encode("ascii")
                          ).hexdigest()


def table_sha256(url: str, table: str, *, schema: str | None = None) -> str:
    """Return the digest of a table's rows, as recorded for a layer read from it.

    Each row's md5 is computed by PostgreSQL over the row as text (every column, the
    geometry as EWKB); the sha256 of those digests, sorted, names the table's content
    whatever the order of its rows, so a later run can tell whether it changed.
    """
    from sqlalchemy.exc import SQLAlchemyError

    target = _target(url, schema=schema)
    with _connected(target) as conn:
        from sqlalchemy import text

        where = f"{_quote(conn, target.schema)}.{_quote(conn, table)}"
        try:
            md5s = conn.execute(text(f"SELECT md5(t::text) FROM {where} AS t")).scalars()
            return _rows_sha256(pd.Series(list(md5s), dtype=object))
        except SQLAlchemyError as ex:
            raise InputError(f"cannot read table {target.schema}.{table} "
                             f"({_reason(ex, target)})", path=target.shown,
                             fix="check the table exists and the user may SELECT from it"
                             ) from ex


def _as_file_frame(frame: pd.DataFrame, column: str, *, crs: str | None, drop: list[str]
                   ) -> gpd.GeoDataFrame:
    """Shape a table's rows as a file's are read: plain values, ``_row``, ``geometry``.

    The geometry column (hex EWKB text) is decoded in one vectorised call, from bytes:
    geopandas' ``read_postgis`` decodes row by row, and GEOS takes four times as long
    over the hex as over the same bytes, their conversion included (1.00 s against
    0.26 s for 105,030 patches: BENCHMARKS.md, "PostGIS").
    """
    wkb = np.array([bytes.fromhex(v) if isinstance(v, str) else v
                    for v in frame.pop(column).to_numpy(dtype=object)], dtype=object)
    # An attribute column called geometry gives way to the geometry (it keeps its values).
    frame = frame.drop(columns=drop).rename(columns={"geometry": "geometry_"})
    for col in frame.columns:
        if frame[col].dtype.kind not in "OT":
            continue
        values = frame[col].astype(object)
        present = values.dropna()
        # numeric(p, s) arrives as Decimal: a number, as a .dbf's N field is read.
        if len(present) and all(isinstance(v, decimal.Decimal) for v in present):
            frame[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            frame[col] = values
    frame["_row"] = np.arange(len(frame), dtype=np.int64)
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=crs)


# --- writing ---------------------------------------------------------------------


def write_postgis(url: str, schema: str | None,
                  tables: Mapping[str, gpd.GeoDataFrame | pd.DataFrame]) -> dict[str, Any]:
    """Write tables into a schema, all replaced in one transaction.

    The schema is created if missing; each table is dropped and written again. When
    any table fails, nothing is changed: the old tables stay as they were.

    Parameters
    ----------
    url
        ``postgresql://USER@HOST[:PORT]/DATABASE[?schema=SCHEMA]``.
    schema
        The schema to write into (wins over ``?schema=``; one of them is needed).
    tables
        Table name -> frame; a GeoDataFrame's geometry is written with its CRS's SRID.

    Returns
    -------
    dict
        What was written, for run.json: ``url`` (no password), ``schema`` and
        ``tables`` (name -> rows).

    Raises
    ------
    ConfigError
        The URL is malformed or names no schema, or ``redline[postgis]`` is missing.
    InputError
        The server cannot be reached, has no PostGIS, or a table cannot be written
        (then nothing was written).
    """
    from sqlalchemy import text

    target = _target(url, schema=schema, default=None)
    current = ""
    try:
        with _connected(target, begin=True) as conn:
            _check_database(conn, target, schema_must_exist=False)
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {_quote(conn, target.schema)}"))
            for name, frame in tables.items():
                current = name
                if isinstance(frame, gpd.GeoDataFrame):
                    frame.to_postgis(name, conn, schema=target.schema, if_exists="replace",
                                     index=False)
                else:
                    frame.to_sql(name, conn, schema=target.schema, if_exists="replace",
                                 index=False)
    except InputError:
        raise
    except Exception as ex:  # any failure rolled the transaction back: said as such
        raise InputError(f"cannot write table {target.schema}.{current} "
                         f"({_reason(ex, target)}); no table was changed", path=target.shown,
                         fix="check the user may create tables in the schema") from ex
    return {"url": target.base, "schema": target.schema,
            "tables": {name: len(frame) for name, frame in tables.items()}}
