"""Reading a county dataset: find the layers, decode, repair, parse, reproject.

A dataset is a folder, one GeoPackage, or a ``.zip`` of a folder (docs/contract.md,
"A dataset"). :func:`read_dataset` raises only when the dataset as a whole
cannot be read (the path is missing, ``redline.toml`` is malformed);
everything else, down to one bad date in one feature, becomes a
:class:`~redline.model.Problem` on the dataset or the layer, so that a run can
list every problem at once.

Frames after reading hold the canonical fields found (typed as documented in
:mod:`redline.io.values`: dates ``datetime64[ns]``, numbers ``float64``,
booleans nullable ``boolean``, text ``object`` holding ``str`` or ``None``),
then ``_row`` (0-based row in the source), ``_problem``, ``_note`` and
``geometry``, in the dataset's working CRS.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import logging
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from redline import settings
from redline.errors import ConfigError, CRSError, InputError
from redline.io import crs as crsmod
from redline.io.digest import digest_later
from redline.io.encoding import (
    SNIFF_BYTES,
    decode_table,
    gdal_encoding,
    looks_misdecoded,
    sniff_dbf,
)
from redline.io.geometry import repair_polygons
from redline.io.spill import can_spill, spill_layer
from redline.io.values import parse_codes, parse_field, parse_numbers
from redline.model import Dataset, Layer, Problem
from redline.schema import (
    FIELDS,
    ID_FIELD,
    RASTER_ROLES,
    ROLES,
    STANDARD_FIELDS,
    STANDARD_LAYER_NAMES,
    TARGET_COLUMNS,
    Role,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

CONFIG_NAME: Final[str] = "redline.toml"
TARGETS_NAME: Final[str] = "targets.csv"
#: Longest field name a .dbf can hold; mapped names are matched truncated to it.
DBF_NAME_LEN: Final[int] = 10

_TOP_KEYS: Final = frozenset({"crs", "encoding", "layers"})
_LAYER_KEYS: Final = frozenset({"path", "layer", "encoding", "crs", "filter", "fields"})
_TABLE_KEYS: Final = frozenset({"path", "encoding"})
_RASTER_KEYS: Final = frozenset({"path"})
_VECTOR_EXT: Final = (".shp", ".gpkg", ".parquet", ".geoparquet", ".geojson", ".fgb")
_RASTER_EXT: Final = (".tif", ".tiff")

Kind = Literal["shp", "gpkg", "parquet", "vector"]


# --- configuration ----------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    """What ``redline.toml`` (or the ``layers`` argument) says about one role."""

    path: str | None = None
    layer: str | None = None
    encoding: str | None = None
    crs: str | None = None
    filter: tuple[str, ...] | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """A parsed ``redline.toml``."""

    crs: str | None = None
    encoding: str | None = None
    layers: dict[str, LayerSpec] = field(default_factory=dict)


def _check_encoding(value: object, *, where: str, path: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a text such as \"gbk\", not {value!r}", path=path,
                          fix=f"write {where} = \"gbk\" (or \"utf-8\")")
    try:
        codecs.lookup(value)
    except LookupError as ex:
        raise ConfigError(f"{where} {value!r} is not a known encoding", path=path,
                          fix='use "gbk", "gb18030" or "utf-8"') from ex
    return value


def _config_crs(value: object, *, path: str) -> str:
    try:
        return crsmod.parse_crs(str(value), path=path)
    except CRSError as ex:
        raise ConfigError(ex.problem, path=path, fix=ex.fix) from ex


def _allowed_keys(role: str, *, where: str, path: str) -> frozenset[str]:
    if role in ROLES:
        return _LAYER_KEYS
    if role == "targets":
        return _TABLE_KEYS
    if role in RASTER_ROLES:
        return _RASTER_KEYS
    known = ", ".join((*ROLES, "targets", *RASTER_ROLES))
    raise ConfigError(f"unknown layer role {role!r} in {where}", path=path,
                      fix=f"use one of: {known}")


def _layer_spec(role: str, raw: object, *, path: str) -> LayerSpec:
    where = f"[layers.{role}]"
    if isinstance(raw, str):
        raw = {"path": raw}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table, not {raw!r}", path=path,
                          fix=f'write {where} with path = "file.shp"')
    allowed = _allowed_keys(role, where=where, path=path)
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"unknown key {key!r} in {where}", path=path,
                              fix=f"use only: {', '.join(sorted(allowed))}")
    spec: dict[str, Any] = {}
    for key in ("path", "layer"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise ConfigError(f"{where} {key} must be a non-empty text", path=path,
                                  fix=f'write {key} = "..."')
            spec[key] = raw[key]
    if "encoding" in raw:
        spec["encoding"] = _check_encoding(raw["encoding"], where=f"{where} encoding", path=path)
    if "crs" in raw:
        spec["crs"] = _config_crs(raw["crs"], path=path)
    if "filter" in raw:
        spec["filter"] = _check_filter(raw["filter"], where=where, path=path)
    if "fields" in raw:
        spec["fields"] = _check_fields(role, raw["fields"], path=path)
    return LayerSpec(**spec)


def _check_filter(codes: object, *, where: str, path: str) -> tuple[str, ...]:
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(c, str | int) for c in codes):
        raise ConfigError(f"{where} filter must be a list of land codes", path=path,
                          fix='write filter = ["0101", "0102", "0103"]')
    return tuple(str(c).strip().upper() for c in codes)


def _check_fields(role: str, fields: object, *, path: str) -> dict[str, str]:
    if not isinstance(fields, Mapping):
        raise ConfigError(f"[layers.{role}.fields] must be a table", path=path,
                          fix='write canonical = "SOURCE" lines under it')
    canonical = FIELDS[cast("Role", role)]
    for key, value in fields.items():
        if key not in canonical:
            raise ConfigError(
                f"unknown field {key!r} in [layers.{role}.fields]", path=path,
                fix=f"use canonical names: {', '.join(canonical)}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"[layers.{role}.fields] {key} must name a source field",
                              path=path, fix=f'write {key} = "FIELD"')
    return dict(fields)


def parse_config(raw: Mapping[str, Any], *, path: str) -> Config:
    """Validate a ``redline.toml`` document (already parsed from TOML).

    Raises
    ------
    ConfigError
        An unknown key or role, or a value of the wrong kind; the key is named.
    """
    for key in raw:
        if key not in _TOP_KEYS:
            raise ConfigError(f"unknown key {key!r} in {CONFIG_NAME}", path=path,
                              fix=f"use only: {', '.join(sorted(_TOP_KEYS))}")
    crs = _config_crs(raw["crs"], path=path) if "crs" in raw else None
    enc = _check_encoding(raw["encoding"], where="encoding", path=path) if "encoding" in raw \
        else None
    layers_raw = raw.get("layers", {})
    if not isinstance(layers_raw, Mapping):
        raise ConfigError("layers must be a table of roles", path=path,
                          fix="write [layers.<role>] sections")
    layers = {role: _layer_spec(role, spec, path=path) for role, spec in layers_raw.items()}
    return Config(crs=crs, encoding=enc, layers=layers)


def load_config(path: Path) -> Config:
    """Read and validate ``redline.toml`` at ``path`` (an empty config if absent)."""
    if not path.is_file():
        return Config()
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as ex:
        raise ConfigError(f"{CONFIG_NAME} is not valid TOML ({ex})", path=str(path),
                          fix="correct the syntax (docs/contract.md has an example)") from ex
    return parse_config(raw, path=str(path))


# --- finding layers -----------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A file (or a layer inside one) that fills a role."""

    role: str
    display: str            # the path shown to users
    gdal: str               # the path GDAL opens
    kind: Kind
    local: Path | None      # the file on disk (hashing, .dbf sniffing)
    layer: str | None = None
    standard: bool = False  # found by a standard name (DLTB is filtered)
    zip_member: str | None = None  # the .shp inside a zipped shapefile


def _role_of(name: str) -> tuple[str | None, bool]:
    key = name.strip().lower()
    if key in ROLES:
        return key, False
    if key in STANDARD_LAYER_NAMES:
        return STANDARD_LAYER_NAMES[key], True
    return None, False


def _zipped_shp(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            shps = [n for n in zf.namelist() if n.lower().endswith(".shp")]
    except (zipfile.BadZipFile, OSError):
        return None
    return shps[0] if len(shps) == 1 else None


def _gpkg_layers(path: Path) -> list[str]:
    return [str(name) for name in pyogrio.list_layers(path)[:, 0]]


def _vector_kind(path: str) -> Kind:
    low = path.lower()
    if low.endswith((".shp", ".zip")):
        return "shp"
    if low.endswith(".gpkg"):
        return "gpkg"
    if low.endswith((".parquet", ".geoparquet")):
        return "parquet"
    return "vector"


class _Found:
    """Accumulates the sources found in a folder, with conflicts as problems."""

    def __init__(self) -> None:
        self.vectors: dict[str, list[Source]] = {}
        self.rasters: dict[str, list[Path]] = {}
        self.targets: list[Path] = []
        self.problems: list[Problem] = []

    def add(self, src: Source) -> None:
        self.vectors.setdefault(src.role, []).append(src)


def _scan_file(p: Path, display: str, found: _Found) -> None:
    low = p.name.lower()
    if low == TARGETS_NAME:
        found.targets.append(p)
        return
    if low.endswith(_RASTER_EXT):
        if p.stem.lower() in RASTER_ROLES:
            found.rasters.setdefault(p.stem.lower(), []).append(p)
        return
    if low.endswith(".zip"):
        stem = p.name[: -len(".shp.zip")] if low.endswith(".shp.zip") else p.stem
        role, std = _role_of(stem)
        member = _zipped_shp(p) if role else None
        if role and member:
            # farmland.zip holding DLTB.shp is a DLTB: filtered like one.
            std = std or _role_of(Path(member).stem) == (role, True)
            found.add(Source(role, display, f"/vsizip/{p}/{member}", "shp", p, None, std,
                             member))
        return
    if not low.endswith(_VECTOR_EXT):
        return
    kind = _vector_kind(low)
    if kind == "gpkg":
        _scan_gpkg(p, display, found)
        return
    role, std = _role_of(p.stem)
    if role:
        found.add(Source(role, display, str(p), kind, p, None, std))
    elif kind == "shp":
        found.problems.append(Problem(display, "not a layer role name: ignored",
                                      "rename it to a role or map it in redline.toml",
                                      "info", kind="ignored"))


def _scan_gpkg(p: Path, display: str, found: _Found) -> None:
    """Add a GeoPackage's layers named by role; a one-layer file may be named itself."""
    try:
        names = _gpkg_layers(p)
    except pyogrio.errors.DataSourceError as ex:
        found.problems.append(Problem(display, f"cannot open the GeoPackage ({ex})",
                                      "check the file is a valid GeoPackage", "error",
                                      kind="unreadable"))
        return
    matched = False
    for name in names:
        role, std = _role_of(name)
        if role:
            matched = True
            found.add(Source(role, f"{display}:{name}", str(p), "gpkg", p, name, std))
    stem_role, std = _role_of(p.stem)
    if not matched and stem_role and len(names) == 1:
        found.add(Source(stem_role, f"{display}:{names[0]}", str(p), "gpkg", p, names[0], std))


def _toml_source(role: str, spec: LayerSpec, root: Path, shown: str) -> Source | Problem:
    assert spec.path is not None
    p = root / spec.path
    display = f"{shown}/{spec.path}"
    if not p.exists():
        return Problem(display, f"the file mapped to {role} in {CONFIG_NAME} does not exist",
                       f"correct [layers.{role}] path", "error", role=role, kind="missing_file")
    low = p.name.lower()
    if low.endswith(".zip"):
        member = _zipped_shp(p)
        if member is None:
            return Problem(display, "the zip holds no single .shp", "zip one shapefile",
                           "error", role=role, kind="unreadable")
        return Source(role, display, f"/vsizip/{p}/{member}", "shp", p, None, False, member)
    kind = _vector_kind(low)
    if kind == "gpkg":
        layer = spec.layer
        if layer is None:
            names = _gpkg_layers(p)
            if len(names) != 1:
                return Problem(display, f"the GeoPackage holds {len(names)} layers",
                               f'name one with layer = "..." under [layers.{role}]', "error",
                               role=role, kind="ambiguous_layer")
            layer = names[0]
        return Source(role, f"{display}:{layer}", str(p), "gpkg", p, layer)
    return Source(role, display, str(p), kind, p)


# --- reading one layer ----------------------------------------------------------


def _dbf_bytes(src: Source) -> bytes | None:
    """Return the start of a shapefile's .dbf, or ``None`` if it has a .cpg (or no .dbf)."""
    if src.local is None:
        return None
    if src.zip_member is not None:
        with zipfile.ZipFile(src.local) as zf:
            names = {n.lower(): n for n in zf.namelist()}
            base = src.zip_member[:-4].lower()
            if base + ".cpg" in names or base + ".dbf" not in names:
                return None
            with zf.open(names[base + ".dbf"]) as fh:
                return fh.read(SNIFF_BYTES + 64 * 1024)
    siblings = {q.name.lower(): q for q in src.local.parent.glob(src.local.stem + ".*")}
    stem = src.local.stem.lower()
    if stem + ".cpg" in siblings or stem + ".dbf" not in siblings:
        return None
    with open(siblings[stem + ".dbf"], "rb") as fh:
        return fh.read(SNIFF_BYTES + 64 * 1024)


#: Decides from a layer's attributes which features to keep (None: all).
Keep = Callable[[pd.DataFrame], "NDArray[np.bool_] | None"]


@dataclass(frozen=True)
class Window:
    """``count`` features of a layer from file position ``start``.

    ``where`` picks the same features by their FIDs, when the driver can (a
    GeoPackage's FID is its primary key): GDAL then goes straight to them rather
    than stepping over the ``start`` before.
    """

    start: int
    count: int
    where: str | None = None


def _window(rows: Window | None) -> dict[str, Any]:
    if rows is None:
        return {}
    if rows.where is not None:
        return {"where": rows.where}
    return {"skip_features": rows.start, "max_features": rows.count}


def _read_frame(src: Source, encoding: str | None, keep: Keep | None = None,
                rows: Window | None = None) -> gpd.GeoDataFrame:
    """Read a layer with ``_row``, each feature's position in the file.

    With ``keep``, only the features it keeps are in the frame; read through Arrow,
    the attributes are read first and only the kept features' geometries decoded (a
    land-use layer of a million patches holds some 400,000 of farmland). With
    ``rows``, only that window of features is read (GDAL sources).
    """
    start = 0 if rows is None else rows.start
    if src.kind == "parquet":
        frame = _kept(gpd.read_parquet(src.gdal), keep)
    else:
        enc = gdal_encoding(encoding) if encoding is not None else None
        window = _window(rows)
        try:
            frame = (_kept(pyogrio.read_dataframe(src.gdal, layer=src.layer, encoding=enc,
                                                  use_arrow=True, **window), None, start)
                     if keep is None else _read_kept(src, enc, keep, rows))
        except (pyogrio.errors.DataSourceError, UnicodeDecodeError) as ex:
            # Arrow needs UTF-8 text; a file it cannot take goes the slower way.
            log.debug("arrow read of %s failed (%s); reading without arrow", src.display, ex)
            frame = _kept(pyogrio.read_dataframe(src.gdal, layer=src.layer, encoding=enc,
                                                 use_arrow=False, **window), keep, start)
    # Text as Python str now, so that bytes a wrong encoding left undecodable fail
    # here, as an unreadable layer, rather than later in parsing.
    for col in frame.columns:
        if col != frame.geometry.name and frame[col].dtype.kind in "OT":
            frame[col] = frame[col].astype(object)
    return frame


def _kept(frame: gpd.GeoDataFrame, keep: Keep | None, start: int = 0) -> gpd.GeoDataFrame:
    """Keep the features of a frame read whole that ``keep`` keeps; add ``_row``.

    ``start`` is the file position of the frame's first feature.
    """
    mask = keep(frame) if keep is not None else None
    if mask is None:
        out, rows = frame.reset_index(drop=True), np.arange(len(frame))
    else:
        rows = np.flatnonzero(mask)
        out = frame.iloc[rows].reset_index(drop=True)
    out["_row"] = rows.astype(np.int64) + start
    return out


def _read_kept(src: Source, enc: str | None, keep: Keep, window: Window | None = None
               ) -> gpd.GeoDataFrame:
    """Read the attributes, then decode the geometries of the features ``keep`` keeps."""
    attrs = pyogrio.read_dataframe(src.gdal, layer=src.layer, encoding=enc, use_arrow=True,
                                   read_geometry=False, **_window(window))
    mask = keep(attrs)
    meta, table = pyogrio.read_arrow(src.gdal, layer=src.layer, encoding=enc, columns=[],
                                     **_window(window))
    rows = np.arange(len(attrs), dtype=np.int64) if mask is None else np.flatnonzero(mask)
    name = meta.get("geometry_name") or "wkb_geometry"
    if name in table.column_names:
        wkb = table.column(name)
        if mask is not None:
            wkb = wkb.filter(pa.array(np.asarray(mask, dtype=bool)))
        geoms = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    else:
        geoms = np.full(len(rows), None, dtype=object)
    frame = gpd.GeoDataFrame(attrs.iloc[rows].reset_index(drop=True), geometry=geoms,
                             crs=meta.get("crs"))
    frame["_row"] = rows.astype(np.int64) + (0 if window is None else window.start)
    return frame


def preflight(src: Source, encoding: str | None) -> dict[str, Any]:
    """Return the layer's header: feature count, CRS, extent, encoding (``read_info``)."""
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        meta = pq.read_metadata(src.gdal)
        return {"features": meta.num_rows, "crs": None, "encoding": "UTF-8"}
    enc = gdal_encoding(encoding) if encoding is not None else None
    return cast("dict[str, Any]", pyogrio.read_info(src.gdal, layer=src.layer, encoding=enc))


def _find_column(columns: list[str], name: str, *, truncated: bool) -> str | None:
    lower = {c.lower(): c for c in columns}
    key = name.lower()
    if key in lower:
        return lower[key]
    if truncated and key[:DBF_NAME_LEN] in lower:
        return lower[key[:DBF_NAME_LEN]]
    return None


def map_fields(columns: list[str], role: Role, mapping: Mapping[str, str], *,
               truncated: bool = False) -> tuple[dict[str, str], list[str]]:
    """Match source columns to a role's canonical fields.

    A ``mapping`` (canonical -> source) is used first; the other fields are
    matched by their canonical name, then by the standard names
    (``schema.STANDARD_FIELDS``), all case-insensitively. With ``truncated``
    (shapefiles), names are also matched cut to 10 characters.

    Returns
    -------
    tuple
        ``{canonical: source column}`` and the mapped names not found.

    Examples
    --------
    >>> map_fields(["PZWH", "PZRQ", "SFJBNT"], "approvals", {"approved_on": "pzrq"})[0]
    {'approved_on': 'PZRQ', 'approval_id': 'PZWH', 'basic_farmland_approved': 'SFJBNT'}
    """
    out: dict[str, str] = {}
    missing: list[str] = []
    for canonical, source in mapping.items():
        col = _find_column(columns, source, truncated=truncated)
        if col is None:
            missing.append(source)
        else:
            out[canonical] = col
    for canonical in FIELDS[role]:
        if canonical in out or canonical in mapping:
            continue
        col = _find_column(columns, canonical, truncated=truncated)
        if col is None:
            for std, target in STANDARD_FIELDS[role].items():
                if target == canonical:
                    col = _find_column(columns, std, truncated=truncated)
                    if col is not None:
                        break
        if col is not None and col not in out.values():
            out[canonical] = col
    return out, missing


def _join(a: pd.Series, b: np.ndarray | pd.Series) -> pd.Series:
    """Join two per-row texts with "; ", skipping blanks."""
    b = pd.Series(np.asarray(b, dtype=object), index=a.index)
    b_blank = (b == "").to_numpy(dtype=bool)
    if b_blank.all():
        return a
    if (a == "").to_numpy(dtype=bool).all():
        return b
    both = (a != "") & (b != "")
    return a.where(b == "", b.where(a == "", a + "; " + b)).where(~both, a + "; " + b)


class _Labels:
    """Feature labels for messages, made only for the rows that are named."""

    def __init__(self, ids: pd.Series, rows: pd.Series) -> None:
        self.ids, self.rows = ids.to_numpy(dtype=object), rows.to_numpy()

    def __getitem__(self, i: int | np.integer[Any]) -> str:
        value = self.ids[i]
        return str(value) if value is not None else f"#{self.rows[i]}"


def _build_frame(raw: gpd.GeoDataFrame, role: Role, fields: dict[str, str], *,
                 display: str, problems: list[Problem], seen: set[str] | None = None
                 ) -> gpd.GeoDataFrame:
    """Parse fields, make ids, repair geometries: the canonical frame (source CRS).

    ``seen``: ids met in earlier windows of the same layer (updated with these).
    """
    index = pd.RangeIndex(len(raw))
    rows = pd.Series(np.asarray(raw["_row"]), index=index)
    data: dict[str, Any] = {}
    note = pd.Series("", index=index, dtype=object)
    value_notes = pd.Series("", index=index, dtype=object)
    for canonical, source in fields.items():
        col = raw[source].reset_index(drop=True)
        kind = FIELDS[role][canonical]
        if canonical == "land_code":
            values, bad = parse_codes(col, width=4)
        else:
            values, bad = parse_field(col, kind)
        data[canonical] = values
        bad = bad.where(bad == "", f"{canonical} ({source}) " + bad.astype(str))
        value_notes = _join(value_notes, bad.to_numpy())
    id_field = ID_FIELD[role]
    def made() -> pd.Series:
        return pd.Series([f"{role}#{r}" for r in rows], index=index, dtype=object)

    if id_field not in data:
        data[id_field] = made()
        problems.append(Problem(display, f"no id field for {id_field}: ids made as {role}#<row>",
                                f"map {id_field} under [layers.{role}.fields]", "info",
                                role=role, kind="ids_made"))
    else:
        ids = data[id_field]
        blank = ids.isna()
        if blank.any():
            data[id_field] = ids.where(~blank, made())
            note = _join(note, np.where(blank, "no id: made from the row number", ""))
    ids = data[id_field]
    problem = pd.Series("", index=index, dtype=object)
    dup = ids.duplicated(keep="first").to_numpy()
    if seen is not None:
        text = [str(v) for v in ids.tolist()]
        dup = dup | np.fromiter((t in seen for t in text), dtype=bool, count=len(text))
        seen.update(text)
    problem[dup] = "duplicate id"

    repaired = repair_polygons(raw.geometry.to_numpy())
    note = _join(note, repaired.note)
    problem = _join(problem, repaired.problem)
    note = _join(note, value_notes.to_numpy())

    labels = _Labels(ids, rows)
    problems.extend(
        Problem(display, f"duplicate id {labels[i]!r} (row {rows[i]}): not judged",
                "give every feature its own id", "warning", role=role,
                feature_id=labels[i], kind="duplicate_id")
        for i in np.flatnonzero(dup))
    problems.extend(
        Problem(display, f"{repaired.problem[i]} (row {rows[i]}): not judged",
                "fix or delete the feature", "warning", role=role, feature_id=labels[i],
                kind="bad_geometry")
        for i in np.flatnonzero(repaired.unusable))
    problems.extend(
        Problem(display, repaired.note[i], "", "warning", role=role, feature_id=labels[i],
                kind="geometry_repaired")
        for i in np.flatnonzero(repaired.repaired & ~repaired.unusable))
    problems.extend(
        Problem(display, value_notes.iloc[i], "correct the value", "warning", role=role,
                feature_id=labels[i], kind="bad_value")
        for i in np.flatnonzero((value_notes != "").to_numpy()))

    data["_row"] = rows.astype("int64")
    data["_problem"] = problem.astype(object)
    data["_note"] = note.astype(object)
    ordered = [c for c in FIELDS[role] if c in data] + ["_row", "_problem", "_note"]
    return gpd.GeoDataFrame({c: data[c] for c in ordered}, index=index,
                            geometry=gpd.GeoSeries(repaired.geometry, index=index),
                            crs=raw.crs)


def filtered_note(codes: tuple[str, ...], *, kept: int, total: int) -> str:
    """Say how many of ``total`` features the land-class filter kept."""
    return (f"kept {kept} features with land class {'/'.join(codes)}; "
            f"{total - kept} others filtered out")


def filter_codes(src: Source, role: str, spec: LayerSpec) -> tuple[str, ...] | None:
    """Return the land classes a layer is cut to (a DLTB to farmland), or None for all."""
    if spec.filter is not None:
        return spec.filter
    if src.standard and role == "farmland":
        return tuple(settings.farmland_codes)
    return None


def _read_raw(src: Source, enc: str | None, *, explicit: bool, keep: Keep | None = None,
              rows: Window | None = None
              ) -> tuple[gpd.GeoDataFrame, dict[str, Any], str | None, bool]:
    """Read a source, detecting an undeclared shapefile encoding unless ``explicit``.

    ``keep`` chooses the features to read (:func:`_read_frame`).

    Returns the frame, the pre-flight info, the encoding used and whether it
    was detected.
    """
    detected = False
    if not explicit and src.kind == "shp":
        head = _dbf_bytes(src)
        sniffed = sniff_dbf(head) if head is not None else None
        if sniffed is not None:
            enc, detected = sniffed, True
    meta = preflight(src, enc)
    raw = _read_frame(src, enc, keep, rows)
    if not explicit and not detected and src.kind == "shp":
        # A declared but wrong code page: latin-1 text that is really GBK.
        text_cols = [c for c in raw.columns if raw[c].dtype.kind in "OT"]
        sample = list(raw.columns) + [v for c in text_cols for v in raw[c].head(200).tolist()]
        if looks_misdecoded(sample):
            enc, detected = "gbk", True
            meta = preflight(src, enc)
            raw = _read_frame(src, enc, keep, rows)
    return raw, meta, enc, detected


def _land_class_in(values: pd.Series, codes: tuple[str, ...]) -> NDArray[np.bool_]:
    """Where the land class (parsed as ``land_code`` is) starts with one of ``codes``."""
    # A few dozen distinct classes among a million patches: each is parsed and tested
    # once; a missing class (position -1) is the False appended last.
    at, classes = pd.factorize(values.reset_index(drop=True))
    parsed, _ = parse_codes(pd.Series(classes, dtype=object), width=4)
    ok = [str(c).startswith(codes) for c in parsed.fillna("")]
    return np.array([*ok, False], dtype=bool)[at]


def _decide_crs(raw: gpd.GeoDataFrame, meta: Mapping[str, Any], spec: LayerSpec,
                default: str | None) -> tuple[str | None, bool, str]:
    """Return (CRS, inferred?, why) for a layer; CRS ``None`` when it cannot be known."""
    if spec.crs is not None:
        return spec.crs, False, ""
    if raw.crs is not None:
        return raw.crs.to_string(), False, ""
    if default is not None:
        return default, False, ""
    bounds = meta.get("total_bounds")
    if bounds is None or not np.all(np.isfinite(bounds)):
        bounds = raw.total_bounds
    guess, why = crsmod.infer_crs(cast("crsmod.Bounds", tuple(float(b) for b in bounds)))
    return guess, guess is not None, why


def read_layer(src: Source, spec: LayerSpec, *, crs: str | None = None,
               encoding: str | None = None, rows: Window | None = None,
               seen_ids: set[str] | None = None) -> tuple[Layer | None, list[Problem]]:
    """Read one role's source into a :class:`Layer` in its *source* CRS.

    ``crs`` and ``encoding`` are the dataset-wide defaults (argument, then
    ``redline.toml`` top level); ``spec`` (``[layers.<role>]``) wins over them.
    A layer-level ``crs`` replaces the file's own; a dataset-wide one only fills
    a missing CRS. An explicit encoding always wins over detection.

    ``rows`` reads only a :class:`Window` of the file's features, as they would be
    in the whole read (``_row`` is their position in the file);
    ``seen_ids`` holds the ids of the windows read before (a repeat is a
    duplicate) and takes this window's.

    Returns
    -------
    tuple
        The layer (``None`` when the file cannot be read at all) and the
        problems found, which are also on the layer.
    """
    role = cast("Role", src.role)
    problems: list[Problem] = []

    def problem(text: str, fix: str, level: Literal["error", "warning", "info"], kind: str
                ) -> None:
        problems.append(Problem(src.display, text, fix, level, role=role, kind=kind))

    # The file is hashed in the background while it is parsed.
    digest = digest_later(src.local) if src.local is not None else None
    enc = spec.encoding or encoding
    codes = filter_codes(src, role, spec)
    read: dict[str, int] = {}

    def keep(attrs: pd.DataFrame) -> NDArray[np.bool_] | None:
        # The filter is applied while reading, so dropped features are never decoded.
        read["features"] = len(attrs)
        names = [c for c in attrs.columns if c != "geometry"]
        found, _ = map_fields(names, role, spec.fields, truncated=src.kind == "shp")
        if codes is None or "land_code" not in found:
            return None
        return _land_class_in(attrs[found["land_code"]], codes)

    try:
        raw, meta, enc, detected = _read_raw(src, enc, explicit=enc is not None,
                                             keep=keep if codes is not None else None,
                                             rows=rows)
    except (UnicodeError, pa.ArrowException) as ex:
        # The undecodable bytes are not echoed: they would print as garbage.
        log.debug("decoding %s failed: %s", src.display, ex)
        problem(f"the text is not valid {enc or 'UTF-8'}", "give the right encoding "
                f'(e.g. encoding = "gbk") under [layers.{role}] in {CONFIG_NAME}', "error",
                "bad_encoding")
        return None, problems
    except Exception as ex:  # any driver failure makes the file unreadable: reported
        problem(f"cannot read the layer ({type(ex).__name__}: {ex})",
                "check the file opens in QGIS; give its encoding in redline.toml", "error",
                "unreadable")
        return None, problems
    if detected:
        problem(f"text encoding not declared (no .cpg, empty code page): detected {enc} "
                "and read as such", f'write encoding = "{enc}" under [layers.{role}] to '
                "make it explicit", "info", "encoding_detected")

    columns = [c for c in raw.columns if c not in ("geometry", "_row")]
    fields, missing = map_fields(columns, role, spec.fields, truncated=src.kind == "shp")
    for name in missing:
        problem(f"field {name!r} mapped in {CONFIG_NAME} is not in the layer "
                f"(fields: {', '.join(columns)})", f"correct [layers.{role}.fields]",
                "warning", "missing_field")

    if codes is not None and "land_code" not in fields:
        problem("cannot keep only farmland: no land-class field (DLBM)",
                f"map land_code under [layers.{role}.fields]", "warning", "no_filter")
    elif codes is not None:
        problem(filtered_note(codes, kept=len(raw), total=read["features"]), "", "info",
                "filtered")

    source_crs, inferred, why = _decide_crs(raw, meta, spec, crs)
    if source_crs is None:
        problem(f"the layer has no CRS (no .prj) and {why}",
                'give crs = "EPSG:...." in redline.toml', "error", "no_crs")
    elif inferred:
        problem(f"the layer has no CRS (no .prj): inferred {source_crs}, as {why}",
                f'write crs = "{source_crs}" in redline.toml if this is wrong', "info",
                "crs_inferred")
    frame = _build_frame(raw, role, fields, display=src.display, problems=problems,
                         seen=seen_ids)
    if source_crs is not None:
        frame = frame.set_crs(source_crs, allow_override=True)
    layer = Layer(
        role=role, path=src.display, frame=frame, source_crs=source_crs,
        crs_inferred=inferred, encoding=enc or str(meta.get("encoding") or "") or None,
        encoding_detected=detected, fields=fields,
        sha256=digest.result() if digest is not None else "",
        problems=problems, layer_name=src.layer,
    )
    return layer, problems


# --- targets and the whole dataset ----------------------------------------------


def read_targets(path: Path, display: str, *, encoding: str | None = None
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``targets.csv`` (UTF-8, UTF-8 with BOM, or GBK) with typed columns."""
    problems: list[Problem] = []
    try:
        text, _ = decode_table(path.read_bytes(), encoding=encoding)
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, OSError) as ex:
        problems.append(Problem(display, f"cannot read the table ({ex})",
                                "save it as CSV in UTF-8 or GBK", "error", role="targets",
                                kind="unreadable"))
        return None, problems
    table.columns = [c.strip().lower() for c in table.columns]
    absent = [c for c in TARGET_COLUMNS if c not in table.columns]
    if absent:
        problems.append(Problem(display, f"columns missing: {', '.join(absent)}",
                                f"add them (expected: {', '.join(TARGET_COLUMNS)})",
                                "warning", role="targets", kind="missing_field"))
    out = table.copy()
    for col in TARGET_COLUMNS:
        if col not in out.columns:
            continue
        if col == "admin_code":
            out[col], bad = parse_codes(out[col])
        elif col == "year":
            years, bad = parse_numbers(out[col])
            out[col] = years.round().astype("Int64")
        else:
            out[col], bad = parse_numbers(out[col])
        problems.extend(
            Problem(display, f"row {i + 1}: {col} {msg}", "correct the value", "warning",
                    role="targets", kind="bad_value")
            for i, msg in zip(np.flatnonzero(bad != ""), bad[bad != ""], strict=True)
        )
    return out, problems


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tuple[Path, str, tuple[Path, Path] | None]]:
    """Yield (folder to read, how to show it, (zip, extracted to) if from a zip)."""
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="redline-") as tmp:
            try:
                with zipfile.ZipFile(path) as zf:
                    zf.extractall(tmp)
            except (zipfile.BadZipFile, OSError) as ex:
                raise InputError(f"cannot open the zip ({ex})", path=str(path),
                                 fix="check the archive is complete") from ex
            root = Path(tmp)
            entries = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
            if len(entries) == 1 and entries[0].is_dir():
                root = entries[0]
            yield root, str(path), (path, Path(tmp))
        return
    yield path, str(path), None


def read_dataset(
    path: str | Path,
    *,
    crs: str | None = None,
    encoding: str | None = None,
    layers: Mapping[str, str | Mapping[str, Any]] | None = None,
    spill: Collection[str] = (),
    spill_dir: str | Path | None = None,
    spill_over: int = 0,
) -> Dataset:
    """Read a county dataset into one working CRS, with every problem found.

    Parameters
    ----------
    path
        A folder, a GeoPackage, or a ``.zip`` of a folder.
    crs
        CRS for layers that carry none (overrides ``crs`` in ``redline.toml``;
        a ``[layers.<role>] crs`` still wins for its layer).
    encoding
        Text encoding of shapefiles (wins over detection and the top-level
        ``encoding`` of ``redline.toml``; a layer's own ``encoding`` still wins).
    layers
        Per-role settings shaped like ``[layers]`` in ``redline.toml`` (a text
        value is a path); merged over the file's, role by role.
    spill, spill_dir, spill_over
        Roles not to hold in memory (large farmland layers) when the dataset's files
        hold more than ``spill_over`` features in all: each is read in windows into
        GeoParquet files under ``spill_dir`` (:mod:`redline.io.spill`); its layer's
        ``frame`` is empty and its ``spill`` gives the features back. A GeoParquet
        source is read whole.

    Returns
    -------
    Dataset
        Layers in the working CRS (a zone-prefixed CGCS2000 GK zone), targets,
        rasters and problems. Check ``Dataset.errors`` before analysing.

    Raises
    ------
    InputError
        ``path`` does not exist or is not a dataset.
    ConfigError
        ``redline.toml`` or ``layers`` is malformed.
    CRSError
        ``crs`` is not a CRS.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("the dataset does not exist", path=str(path),
                         fix="give a folder, a .gpkg or a .zip of a folder")
    if crs is not None:
        crs = crsmod.parse_crs(crs, path=str(path))
    if encoding is not None:
        encoding = _check_encoding(encoding, where="encoding", path=str(path))
    with _opened(path) as (root, shown, zipped):
        return _read(path, root, shown, zipped, crs=crs, encoding=encoding, layers=layers,
                     spill=frozenset(spill) if spill_dir is not None else frozenset(),
                     spill_dir=None if spill_dir is None else Path(spill_dir),
                     spill_over=spill_over)


def _read(path: Path, root: Path, shown: str, zipped: tuple[Path, Path] | None, *,
          crs: str | None,
          encoding: str | None, layers: Mapping[str, str | Mapping[str, Any]] | None,
          spill: frozenset[str] = frozenset(), spill_dir: Path | None = None,
          spill_over: int = 0) -> Dataset:
    found = _Found()
    if root.is_file():
        if root.suffix.lower() != ".gpkg":
            raise InputError("not a dataset: expected a folder, a .gpkg or a .zip",
                             path=str(path), fix="point at the county's folder")
        config = Config()
        _scan_file(root, shown, found)
        folder = root.parent
    else:
        config = load_config(root / CONFIG_NAME)
        for p in sorted(root.iterdir(), key=lambda q: q.name):
            if p.is_file():
                _scan_file(p, f"{shown}/{p.name}", found)
        folder = root
    if layers:
        config = _merged(config, layers)

    resolved: list[Problem] = []
    sources = _resolve_sources(config, found, folder, shown, resolved)
    # A file redline.toml maps is not "ignored", whatever its name.
    mapped = {src.display for src in sources.values()}
    problems = [p for p in found.problems if not (p.kind == "ignored" and p.path in mapped)]
    problems += resolved
    if not sources and not problems:
        problems.append(Problem(shown, "no layer found: no file is named after a role",
                                "name files admin, farmland (or DLTB), basic_farmland, "
                                f"approvals, supply, changes, supplement, or map them in "
                                f"{CONFIG_NAME}", "error", kind="no_layers"))

    default_crs = crs or config.crs
    default_enc = encoding or config.encoding
    large = bool(spill) and (not spill_over
                             or _header_count(sources.values(), default_enc) > spill_over)
    later = {role: src for role, src in sources.items()
             if large and role in spill and spill_dir is not None and can_spill(src)}
    read: dict[str, Layer] = {}
    for role, src in sources.items():
        if role in later:
            continue
        layer, layer_problems = read_layer(src, config.layers.get(role, LayerSpec()),
                                           crs=default_crs, encoding=default_enc)
        if layer is not None:
            read[role] = layer
        else:
            problems.extend(layer_problems)

    extents = [_file_extent(src, config.layers.get(role, LayerSpec()), default_crs,
                            default_enc) for role, src in later.items()]
    working = _choose_working_crs(read, problems, shown,
                                  extra=[e for e in extents if e is not None])
    boxes = _reproject(read, working, problems)
    _spill(later, config, read, boxes, problems, folder=spill_dir or Path(),
           working=working, crs=default_crs, encoding=default_enc)
    _check_overlap(read, boxes, problems)
    read = {role: read[role] for role in sources if role in read}

    dataset = Dataset(path=str(path), working_crs=working, layers=read, problems=problems)
    _read_extras(dataset, config, found, folder, shown=shown, zipped=zipped)
    return dataset


def _resolve_sources(config: Config, found: _Found, folder: Path, shown: str,
                     problems: list[Problem]) -> dict[str, Source]:
    """One source per role: the toml's path, else the one file found (conflicts reported)."""
    sources: dict[str, Source] = {}
    for role in ROLES:
        spec = config.layers.get(role, LayerSpec())
        if spec.path is not None:
            made = _toml_source(role, spec, folder, shown)
            if isinstance(made, Problem):
                problems.append(made)
            else:
                sources[role] = made
            continue
        claims = found.vectors.get(role, [])
        if len(claims) > 1:
            problems.append(Problem(
                claims[0].display,
                f"{len(claims)} files claim the role {role}: "
                + ", ".join(c.display for c in claims),
                f"keep one, or name it under [layers.{role}] path in {CONFIG_NAME}",
                "error", role=role, kind="role_conflict"))
        if claims:
            sources[role] = claims[0]
    return sources


def _merged(config: Config, layers: Mapping[str, str | Mapping[str, Any]]) -> Config:
    """``config`` with the per-role settings of ``layers`` merged over it, role by role."""
    extra = parse_config({"layers": dict(layers)}, path="layers argument")
    merged = dict(config.layers)
    for role, spec in extra.layers.items():
        base = merged.get(role, LayerSpec())
        changes = {k: v for k, v in vars(spec).items() if v not in (None, {})}
        merged[role] = replace(base, **changes)
    return replace(config, layers=merged)


def _header_count(sources: Iterable[Source], encoding: str | None) -> int:
    """Features in all the sources, by their files' headers (before any filter)."""
    total = 0
    for src in sources:
        with contextlib.suppress(Exception):  # unreadable: its read reports it
            total += int(preflight(src, encoding).get("features") or 0)
    return total


def _spill(later: Mapping[str, Source], config: Config, read: dict[str, Layer],
           boxes: dict[str, crsmod.Bounds], problems: list[Problem], *, folder: Path,
           working: str, crs: str | None, encoding: str | None) -> None:
    """Read the ``later`` layers window by window onto disk, in the working CRS."""
    for role, src in later.items():
        layer, layer_problems = spill_layer(src, config.layers.get(role, LayerSpec()),
                                            folder=folder / role, working=working,
                                            crs=crs, encoding=encoding)
        if layer is None:
            problems.extend(layer_problems)
            continue
        read[role] = layer
        if layer.spill is not None and layer.spill.bounds is not None:
            boxes[role] = layer.spill.bounds


def _file_extent(src: Source, spec: LayerSpec, crs: str | None, encoding: str | None
                 ) -> tuple[crsmod.Bounds, str] | None:
    """Return a layer's extent and CRS from its file's header, when both are known."""
    try:
        meta = preflight(src, spec.encoding or encoding)
    except Exception:  # unreadable: its read reports it
        return None
    source = spec.crs or meta.get("crs") or crs
    bounds = meta.get("total_bounds")
    if source is None or bounds is None or not np.all(np.isfinite(bounds)):
        return None
    return (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3])), str(source)


def _choose_working_crs(layers: Mapping[str, Layer], problems: list[Problem], shown: str,
                        extra: list[tuple[crsmod.Bounds, str]] | None = None) -> str:
    """Choose the working CRS for the layers read (and ``extra`` extents and CRSs)."""
    extra = extra or []
    with_crs = [ly for ly in layers.values() if ly.source_crs is not None]
    if not with_crs and not extra:
        return ""  # no layer to place: the reasons are already reported
    pairs: list[tuple[crsmod.Bounds, str]] = list(extra)
    for ly in with_crs:
        ok = ~(ly.frame.geometry.isna() | ly.frame.geometry.is_empty)
        if ok.any():
            b = ly.frame.geometry[ok].total_bounds
            pairs.append(((float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                          cast("str", ly.source_crs)))
    try:
        return crsmod.working_crs([cast("str", ly.source_crs) for ly in with_crs]
                                  + [c for _, c in extra], crsmod.centre_lon(pairs))
    except Exception as ex:  # reported; the run stops on errors anyway
        problems.append(Problem(shown, f"cannot choose a working CRS ({ex})",
                                'give crs = "EPSG:4529" (or the county\'s zone) in '
                                f"{CONFIG_NAME}", "error", kind="no_working_crs"))
        return crsmod.GEOGRAPHIC


def _reproject(layers: dict[str, Layer], working: str, problems: list[Problem]
               ) -> dict[str, crsmod.Bounds]:
    """Bring every layer to the working CRS; return each layer's extent there."""
    boxes: dict[str, crsmod.Bounds] = {}
    if not working:
        return boxes
    for role, ly in layers.items():
        if ly.source_crs is None:
            continue
        frame, problem = to_working(ly.frame, ly.source_crs, working, path=ly.path, role=role)
        if problem is not None:
            ly.problems.append(problem)
            continue
        assert frame is not None
        ly.frame = frame
        ok = ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
        ok = ok & np.isfinite(frame.geometry.bounds.to_numpy()).all(axis=1)
        if ok.any():
            b = frame.geometry[ok].total_bounds
            boxes[role] = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    return boxes


def to_working(frame: gpd.GeoDataFrame, source_crs: str, working: str, *, path: str,
               role: str) -> tuple[gpd.GeoDataFrame | None, Problem | None]:
    """Bring a layer's features from ``source_crs`` to the working CRS.

    Returns the frame, or the problem (an error) that stops it: coordinates that are
    not degrees in a geographic CRS, or a CRS that cannot be transformed.
    """
    ok = ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    src_crs = CRS.from_user_input(source_crs)
    if src_crs.is_geographic and ok.any():
        x0, y0, x1, y1 = frame.geometry[ok].total_bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            return None, Problem(
                path, f"CRS {source_crs} is in degrees but the coordinates are not "
                f"(X {x0:.0f}..{x1:.0f})", 'give the right crs = "EPSG:...." under '
                f"[layers.{role}] in {CONFIG_NAME}", "error", role=role, kind="wrong_crs")
    target = CRS.from_user_input(working)
    try:
        if not src_crs.equals(target):
            return frame.to_crs(target), None
        return frame.set_crs(target, allow_override=True), None
    except (ProjCRSError, ValueError) as ex:
        return None, Problem(path, f"cannot reproject to {working} ({ex})",
                             f"check the layer's CRS {source_crs}", "error", role=role,
                             kind="wrong_crs")


def _check_overlap(layers: Mapping[str, Layer], boxes: Mapping[str, crsmod.Bounds],
                   problems: list[Problem]) -> None:
    if len(boxes) < 2:
        return
    roles = list(boxes)
    margin = crsmod.OVERLAP_MARGIN_M
    alone = [r for r in roles
             if not any(crsmod.boxes_overlap(boxes[r], boxes[o], margin=margin)
                        for o in roles if o != r)]
    if not alone:
        return
    reference = "admin" if "admin" in boxes and "admin" not in alone else next(
        (r for r in roles if r not in alone), None)
    if reference is None:  # nothing overlaps anything: name each layer against the first
        reference = roles[0]
        alone = roles[1:]
    for role in alone:
        ly, ref = layers[role], layers[reference]
        problems.append(Problem(
            ly.path,
            f"layer {role} ({ly.source_crs}) does not overlap layer {reference} "
            f"({ref.source_crs}) after reprojection: one of them has a wrong CRS",
            f'give the right crs under [layers.{role}] or [layers.{reference}] in '
            f"{CONFIG_NAME}", "error", role=role, kind="no_overlap"))


def _read_extras(dataset: Dataset, config: Config, found: _Found, folder: Path, *,
                 shown: str, zipped: tuple[Path, Path] | None) -> None:
    def in_place(p: Path) -> str:
        # A file inside a zipped dataset is named in the zip, not in the extract,
        # which is gone once the dataset is read (GDAL reads /vsizip/ paths).
        if zipped is None:
            return str(p)
        return f"/vsizip/{zipped[0]}/{p.relative_to(zipped[1]).as_posix()}"

    for role in RASTER_ROLES:
        spec = config.layers.get(role)
        if spec is not None and spec.path is not None:
            p = folder / spec.path
            if p.is_file():
                dataset.rasters[role] = in_place(p)
            else:
                dataset.problems.append(Problem(f"{shown}/{spec.path}",
                                                f"the raster mapped to {role} does not exist",
                                                f"correct [layers.{role}] path", "error",
                                                role=role, kind="missing_file"))
            continue
        claims = found.rasters.get(role, [])
        if len(claims) > 1:
            dataset.problems.append(Problem(shown, f"{len(claims)} rasters claim {role}",
                                            "keep one", "error", role=role,
                                            kind="role_conflict"))
        if claims:
            dataset.rasters[role] = in_place(claims[0])

    spec = config.layers.get("targets", LayerSpec())
    targets = folder / spec.path if spec.path is not None else (
        found.targets[0] if found.targets else None)
    if targets is None:
        return
    display = f"{shown}/{targets.relative_to(folder).as_posix()}" \
        if targets.is_relative_to(folder) else str(targets)
    if not targets.is_file():
        dataset.problems.append(Problem(display, "the targets table does not exist",
                                        "correct [layers.targets] path", "error",
                                        role="targets", kind="missing_file"))
        return
    table, problems = read_targets(targets, display, encoding=spec.encoding)
    dataset.targets = table
    dataset.targets_path = display if zipped is None else in_place(targets)
    dataset.problems.extend(problems)
