"""redline.toml: the roles, files, encodings, CRSs and field names a dataset declares.

:func:`load_config` reads it and :func:`parse_config` checks every key and value, so a
misspelt key or role is a :class:`~redline.errors.ConfigError` naming it, never a
setting silently ignored. The ``layers`` argument of
:func:`~redline.io.dataset.read_dataset` is checked the same way and merged over the file
(:func:`merge_layers`).
"""

from __future__ import annotations

import codecs
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from redline.errors import ConfigError, CRSError
from redline.io import crs as crsmod
from redline.io.datum import check_towgs84
from redline.landclass import class_filter
from redline.schema import (
    FIELDS,
    RASTER_ROLES,
    ROLES,
    Role,
)

if TYPE_CHECKING:
    pass


CONFIG_NAME: Final[str] = "redline.toml"


_TOP_KEYS: Final = frozenset({"crs", "encoding", "layers", "forecast", "towgs84", "source",
                             "standards"})

_FORECAST_KEYS: Final = frozenset({"planned_ha"})


_SOURCE_KEYS: Final = frozenset({"url"})


_LAYER_KEYS: Final = frozenset({"path", "layer", "encoding", "crs", "filter", "fields",
                                "attributes", "towgs84"})

#: Keys of one role only: ``unit`` of the supplement's new-farmland figures.
_ROLE_KEYS: Final[dict[str, frozenset[str]]] = {"supplement": frozenset({"unit"})}

#: Units ``[layers.supplement] unit`` may name (:mod:`redline.io.supplement`).
SUPPLEMENT_UNITS: Final[tuple[str, ...]] = ("ha", "m2", "mu")


_TABLE_KEYS: Final = frozenset({"path", "encoding"})


_RASTER_KEYS: Final = frozenset({"path"})


#: Keys of ``[standards]``: a site's own standard tables (paths) and the GB/T 4754 editions
#: of the industry codes in its table and in its supply layer.
_STANDARDS_PATHS: Final = ("industries", "region_classes", "land_prices", "general")
_STANDARDS_KEYS: Final = frozenset({*_STANDARDS_PATHS, "classification", "industry_codes"})
_EDITIONS: Final = ("2002", "2011", "2017")


@dataclass(frozen=True)
class LayerSpec:
    """What ``redline.toml`` (or the ``layers`` argument) says about one role."""

    path: str | None = None
    layer: str | None = None
    encoding: str | None = None
    crs: str | None = None
    filter: tuple[str, ...] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    unit: str | None = None
    attributes: str | None = None  # a table (台账) joined on the id field
    towgs84: tuple[float, ...] | None = None  # the province's seven parameters


@dataclass(frozen=True)
class StandardsSpec:
    """What ``[standards]`` says: a site's standard tables replacing the packaged ones.

    Paths are as written (relative to the dataset folder, or absolute); ``classification``
    is the GB/T 4754 edition of the codes in ``industries``, ``industry_codes`` that of the
    supply layer's ``industry`` codes.
    """

    industries: str | None = None
    region_classes: str | None = None
    land_prices: str | None = None
    general: str | None = None
    classification: str | None = None
    industry_codes: str | None = None

    def paths(self) -> dict[str, str]:
        """Return the tables given, by name."""
        return {k: v for k in _STANDARDS_PATHS if (v := getattr(self, k)) is not None}


@dataclass(frozen=True)
class Config:
    """A parsed ``redline.toml``."""

    crs: str | None = None
    encoding: str | None = None
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    #: ``[forecast] planned_ha``: ha by county code, ``""`` for the dataset's one county.
    planned_ha: dict[str, float] = field(default_factory=dict)
    towgs84: tuple[float, ...] | None = None  # for every Xian 1980 / Beijing 1954 layer
    url: str | None = None  # [source] url: the county's PostGIS schema instead of files
    standards: StandardsSpec = field(default_factory=StandardsSpec)


def check_encoding(value: object, *, where: str, path: str) -> str:
    """Return an encoding name Python knows; else a :class:`ConfigError` naming ``where``."""
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
        return _LAYER_KEYS | _ROLE_KEYS.get(role, frozenset())
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
    for key in ("path", "layer", "attributes"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise ConfigError(f"{where} {key} must be a non-empty text", path=path,
                                  fix=f'write {key} = "..."')
            spec[key] = raw[key]
    if "encoding" in raw:
        spec["encoding"] = check_encoding(raw["encoding"], where=f"{where} encoding", path=path)
    if "crs" in raw:
        spec["crs"] = _config_crs(raw["crs"], path=path)
    spec.update(_content_keys(role, raw, where=where, path=path))
    return LayerSpec(**spec)


def _content_keys(role: str, raw: Mapping[str, Any], *, where: str, path: str
                  ) -> dict[str, Any]:
    """Check what a layer's ``filter``, ``fields`` and ``unit`` say."""
    spec: dict[str, Any] = {}
    if "filter" in raw:
        spec["filter"] = _check_filter(raw["filter"], where=where, path=path)
    if "fields" in raw:
        spec["fields"] = _check_fields(role, raw["fields"], path=path)
    if "towgs84" in raw:
        spec["towgs84"] = check_towgs84(raw["towgs84"], where=f"{where} towgs84", path=path)
    if "unit" in raw:
        spec["unit"] = _check_unit(raw["unit"], where=where, path=path)
    return spec


def _check_unit(unit: object, *, where: str, path: str) -> str:
    if unit not in SUPPLEMENT_UNITS:
        raise ConfigError(f"{where} unit must be one of {', '.join(SUPPLEMENT_UNITS)}, "
                          f"not {unit!r}", path=path,
                          fix=f'write unit = "ha" (or "m2", "mu") under {where}')
    return str(unit)


def _check_filter(codes: object, *, where: str, path: str) -> tuple[str, ...]:
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(c, str | int) for c in codes):
        raise ConfigError(f"{where} filter must be a list of land codes", path=path,
                          fix='write filter = ["0101", "0102", "0103"]')
    class_filter(codes, path=path, where=f"{where} filter")  # 三调 or 二调 codes, or names
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
    enc = check_encoding(raw["encoding"], where="encoding", path=path) if "encoding" in raw \
        else None
    layers_raw = raw.get("layers", {})
    if not isinstance(layers_raw, Mapping):
        raise ConfigError("layers must be a table of roles", path=path,
                          fix="write [layers.<role>] sections")
    layers = {role: _layer_spec(role, spec, path=path) for role, spec in layers_raw.items()}
    planned = _forecast(raw.get("forecast", {}), path=path)
    towgs84 = check_towgs84(raw["towgs84"], where="towgs84", path=path) \
        if "towgs84" in raw else None
    standards = _standards_spec(raw.get("standards", {}), path=path)
    return Config(crs=crs, encoding=enc, layers=layers, planned_ha=planned, towgs84=towgs84,
                  url=_source_url(raw.get("source"), path=path), standards=standards)


def _forecast(raw: object, *, path: str) -> dict[str, float]:
    """Check ``[forecast]``: ``planned_ha`` a number of ha, or a table of county code -> ha."""
    fix = "write planned_ha = 12.5 (ha) or planned_ha = { 210302 = 12.5 } under [forecast]"
    if not isinstance(raw, Mapping):
        raise ConfigError("forecast must be a table", path=path, fix=fix)
    for key in raw:
        if key not in _FORECAST_KEYS:
            raise ConfigError(f"unknown key {key!r} in [forecast]", path=path,
                              fix=f"use only: {', '.join(sorted(_FORECAST_KEYS))}")
    value = raw.get("planned_ha")
    if value is None:
        return {}
    items = value.items() if isinstance(value, Mapping) else [("", value)]
    out: dict[str, float] = {}
    for code, ha in items:
        if isinstance(ha, bool) or not isinstance(ha, int | float) or ha < 0:
            raise ConfigError(f"[forecast] planned_ha must be hectares (a number >= 0), "
                              f"not {ha!r}", path=path, fix=fix)
        out[str(code)] = float(ha)
    return out


def _source_url(source: object, *, path: str) -> str | None:
    """Return the ``[source] url`` of a redline.toml: a ``postgresql://`` database to read."""
    if source is None:
        return None
    if not isinstance(source, Mapping):
        raise ConfigError("source must be a table", path=path,
                          fix='write [source] with url = "postgresql://..."')
    for key in source:
        if key not in _SOURCE_KEYS:
            raise ConfigError(f"unknown key {key!r} in [source]", path=path,
                              fix=f"use only: {', '.join(sorted(_SOURCE_KEYS))}")
    url = source.get("url")
    if not isinstance(url, str) or not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"[source] url must be a postgresql:// URL, not {url!r}", path=path,
                          fix='write url = "postgresql://USER@HOST/DATABASE?schema=SCHEMA"')
    return url


def _standards_spec(raw: object, *, path: str) -> StandardsSpec:
    if not isinstance(raw, Mapping):
        raise ConfigError("[standards] must be a table", path=path,
                          fix='write [standards] with industries = "工业用地控制指标.csv"')
    for key in raw:
        if key not in _STANDARDS_KEYS:
            raise ConfigError(f"unknown key {key!r} in [standards]", path=path,
                              fix=f"use only: {', '.join(sorted(_STANDARDS_KEYS))}")
    spec: dict[str, str] = {}
    for key, value in raw.items():
        if key in _STANDARDS_PATHS:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"[standards] {key} must name a CSV file", path=path,
                                  fix=f'write {key} = "file.csv"')
        elif str(value) not in _EDITIONS:
            raise ConfigError(f"[standards] {key} was {value!r}", path=path,
                              fix=f'write {key} = "2017" (GB/T 4754: {", ".join(_EDITIONS)})')
        spec[key] = str(value)
    if "classification" in spec and "industries" not in spec:
        raise ConfigError("[standards] classification is the edition of a site's industries "
                          "table, and none is given", path=path,
                          fix='add industries = "file.csv", or use industry_codes for the '
                              "supply layer's codes")
    return StandardsSpec(**spec)


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


def merge_layers(config: Config, layers: Mapping[str, str | Mapping[str, Any]]) -> Config:
    """``config`` with the per-role settings of ``layers`` merged over it, role by role."""
    extra = parse_config({"layers": dict(layers)}, path="layers argument")
    merged = dict(config.layers)
    for role, spec in extra.layers.items():
        base = merged.get(role, LayerSpec())
        changes = {k: v for k, v in vars(spec).items() if v not in (None, {})}
        merged[role] = replace(base, **changes)
    return replace(config, layers=merged)
