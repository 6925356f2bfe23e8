"""Finding a dataset's layers: the files and GeoPackage layers that fill each role.

A file (or GeoPackage or FileGDB layer) fills a role when named after it
(``farmland.shp``, a layer ``approvals``) or by a standard name (``DLTB``,
``YJJBNTTB``, ``XZQ``), case aside; ``redline.toml`` maps any other file to a role.
Two files claiming one role are an error naming both; a shapefile or FileGDB layer
named after no role is reported as ignored, and a file that looks like data but is not
read (an ``.mdb``, a ``.dwg``, a ``.gdb`` GDAL cannot open: :mod:`redline.io.filegdb`)
is reported with the reason.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import pyogrio

from redline.io import filegdb
from redline.io.config import CONFIG_NAME, Config, LayerSpec
from redline.io.safepath import OUTSIDE_FIX, outside
from redline.model import Problem
from redline.schema import (
    RASTER_ROLES,
    ROLES,
    STANDARD_LAYER_NAMES,
)

if TYPE_CHECKING:
    pass


TARGETS_NAME: Final[str] = "targets.csv"


_VECTOR_EXT: Final = (".shp", ".gpkg", ".parquet", ".geoparquet", ".geojson", ".fgb")


_RASTER_EXT: Final = (".tif", ".tiff")


Kind = Literal["shp", "gpkg", "parquet", "vector", "coordtxt"]


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
    attributes: Path | None = None  # the table (台账) joined on the layer's id field
    attributes_display: str | None = None


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


class Found:
    """Accumulates the sources found in a folder, with conflicts as problems."""

    def __init__(self) -> None:
        self.vectors: dict[str, list[Source]] = {}
        self.rasters: dict[str, list[Path]] = {}
        self.targets: list[Path] = []
        self.problems: list[Problem] = []
        #: Multi-layer sources (GeoPackages, FileGDBs) by display: (GDAL path, file, kind,
        #: layer names), where a ``layer`` named in redline.toml without ``path`` is sought.
        self.containers: dict[str, tuple[str, Path, Kind, list[str]]] = {}

    def add(self, src: Source) -> None:
        """Add a source found for its role."""
        self.vectors.setdefault(src.role, []).append(src)


def scan_file(p: Path, display: str, found: Found) -> None:
    """Add what one file of a dataset holds: a layer by role, a raster, targets.csv."""
    low = p.name.lower()
    if low == TARGETS_NAME:
        found.targets.append(p)
        return
    if low.endswith(_RASTER_EXT):
        if p.stem.lower() in RASTER_ROLES:
            found.rasters.setdefault(p.stem.lower(), []).append(p)
        return
    if low.endswith(".zip") and (gdb := filegdb.zipped_gdb(p)) is not None:
        scan_gdb(filegdb.gdal_path(p, gdb), p, display, found)
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
    if _scan_other(p, display, found) or not low.endswith(_VECTOR_EXT):
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


def _scan_other(p: Path, display: str, found: Found) -> bool:
    """Add a KML named after a role, or list a data-like file not read; tell if it was one."""
    suffix = p.suffix.lower()
    role, std = _role_of(p.stem)
    if suffix in filegdb.NAMED_ONLY and role is not None:
        found.add(Source(role, display, str(p), "vector", p, None, std))
        return True
    if suffix in filegdb.NOT_READ:
        what, fix = filegdb.NOT_READ[suffix]
        found.problems.append(Problem(display, what, fix, "warning", kind="not_read"))
        return True
    return False


def scan_dir(p: Path, display: str, found: Found) -> None:
    """Add what a folder inside a dataset holds: a FileGDB's layers (other folders aside)."""
    if filegdb.is_gdb_dir(p):
        scan_gdb(str(p), p, display, found)


def scan_gdb(gdal: str, local: Path, display: str, found: Found) -> None:
    """Add a FileGDB's layers named by role or standard name; list the others as ignored."""
    try:
        names = filegdb.gdb_layers(gdal)
    except pyogrio.errors.DataSourceError as ex:
        found.problems.append(Problem(display, f"cannot open the FileGDB ({ex}): not read",
                                      "check it opens in ArcGIS or QGIS, or export its "
                                      "layers to a GeoPackage", "warning", kind="not_read"))
        return
    found.containers[display] = (gdal, local, "vector", names)
    for name in names:
        role, std = _role_of(name)
        if role:
            found.add(Source(role, f"{display}:{name}", gdal, "vector", local, name, std))
        else:
            found.problems.append(Problem(
                f"{display}:{name}", "a FileGDB layer named after no role: ignored",
                f'map it with path and layer = "{name}" under [layers.<role>] in '
                f"{CONFIG_NAME}", "info", kind="ignored"))


def _scan_gpkg(p: Path, display: str, found: Found) -> None:
    """Add a GeoPackage's layers named by role; a one-layer file may be named itself."""
    try:
        names = _gpkg_layers(p)
    except pyogrio.errors.DataSourceError as ex:
        found.problems.append(Problem(display, f"cannot open the GeoPackage ({ex})",
                                      "check the file is a valid GeoPackage", "error",
                                      kind="unreadable"))
        return
    found.containers[display] = (str(p), p, "gpkg", names)
    matched = False
    for name in names:
        role, std = _role_of(name)
        if role:
            matched = True
            found.add(Source(role, f"{display}:{name}", str(p), "gpkg", p, name, std))
    stem_role, std = _role_of(p.stem)
    if not matched and stem_role and len(names) == 1:
        found.add(Source(stem_role, f"{display}:{names[0]}", str(p), "gpkg", p, names[0], std))


def _pick_layer(role: str, spec: LayerSpec, names: list[str], display: str
                ) -> str | Problem:
    """Pick the layer a role reads from a multi-layer file: ``layer``, else the one fitting."""
    if spec.layer is not None:
        lower = {n.lower(): n for n in names}
        if spec.layer.lower() in lower:
            return lower[spec.layer.lower()]
        return Problem(display, f"no layer {spec.layer!r} in the file (layers: "
                       f"{', '.join(names)})", f"correct [layers.{role}] layer", "error",
                       role=role, kind="missing_file")
    fitting = [n for n in names if _role_of(n)[0] == role]
    if len(names) == 1 or len(fitting) == 1:
        return names[0] if len(names) == 1 else fitting[0]
    return Problem(display, f"the file holds {len(names)} layers",
                   f'name one with layer = "..." under [layers.{role}]', "error",
                   role=role, kind="ambiguous_layer")


def _gdb_source(role: str, spec: LayerSpec, gdal: str, local: Path, display: str
                ) -> Source | Problem:
    try:
        names = filegdb.gdb_layers(gdal)
    except pyogrio.errors.DataSourceError as ex:
        return Problem(display, f"cannot open the FileGDB ({ex})", "check it opens in QGIS",
                       "error", role=role, kind="unreadable")
    name = _pick_layer(role, spec, names, display)
    if isinstance(name, Problem):
        return name
    return Source(role, f"{display}:{name}", gdal, "vector", local, name,
                  spec.filter is None and _role_of(name) == (role, True))


def _named_layer(role: str, spec: LayerSpec, found: Found) -> Source | Problem | None:
    """Find the layer ``layer = "..."`` names without ``path`` in the dataset's files."""
    assert spec.layer is not None
    hits = [(display, c) for display, c in found.containers.items()
            if spec.layer.lower() in (n.lower() for n in c[3])]
    if len(hits) != 1:
        where = ", ".join(found.containers) or "no GeoPackage or FileGDB"
        return Problem(where, f"{len(hits)} files hold a layer {spec.layer!r} for {role}",
                       f"name the file with path under [layers.{role}]", "error", role=role,
                       kind="ambiguous_layer" if hits else "missing_file")
    display, (gdal, local, kind, names) = hits[0]
    name = next(n for n in names if n.lower() == spec.layer.lower())
    return Source(role, f"{display}:{name}", gdal, kind, local, name,
                  spec.filter is None and _role_of(name) == (role, True))


def _toml_source(role: str, spec: LayerSpec, root: Path, shown: str) -> Source | Problem:
    assert spec.path is not None
    p = root / spec.path
    display = f"{shown}/{spec.path}"
    if not p.exists():
        return Problem(display, f"the file mapped to {role} in {CONFIG_NAME} does not exist",
                       f"correct [layers.{role}] path", "error", role=role, kind="missing_file")
    low = p.name.lower()
    gdb = filegdb.zipped_gdb(p) if low.endswith(".zip") else None
    if filegdb.is_gdb_dir(p) or gdb is not None:
        return _gdb_source(role, spec, filegdb.gdal_path(p, gdb), p, display)
    if low.endswith(".zip"):
        member = _zipped_shp(p)
        if member is None:
            return Problem(display, "the zip holds no single .shp", "zip one shapefile",
                           "error", role=role, kind="unreadable")
        return Source(role, display, f"/vsizip/{p}/{member}", "shp", p, None, False, member)
    return _file_source(role, spec, p, display)


def _file_source(role: str, spec: LayerSpec, p: Path, display: str) -> Source | Problem:
    if p.is_dir() or p.name.lower().endswith(".txt"):
        # Coordinate TXT files (坐标交换文件): one, or a folder of them.
        return Source(role, display, str(p), "coordtxt", p)
    kind = _vector_kind(p.name.lower())
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


def resolve_sources(config: Config, found: Found, folder: Path, shown: str,
                     problems: list[Problem], *, outside_paths: bool = False
                     ) -> dict[str, Source]:
    """One source per role: the toml's path, else the one file found (conflicts reported).

    A file lying outside ``folder`` (by its path or a symlink) is an error unless
    ``outside_paths``.
    """
    sources: dict[str, Source] = {}
    for role in ROLES:
        spec = config.layers.get(role, LayerSpec())
        if spec.path is not None or spec.layer is not None:
            made = (_toml_source(role, spec, folder, shown) if spec.path is not None
                    else _named_layer(role, spec, found))
            if isinstance(made, Problem):
                problems.append(made)
            elif made is not None:
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
    if not outside_paths:
        for name, src in list(sources.items()):
            real = outside(folder, src.local) if src.local is not None else None
            if real is not None:
                problems.append(Problem(src.display, f"the file of {name} lies outside the "
                                        f"dataset folder ({real})", OUTSIDE_FIX, "error",
                                        role=name, kind="outside_dataset"))
                del sources[name]
    for name, src in sources.items():
        table = config.layers.get(name, LayerSpec()).attributes
        if table is not None:
            sources[name] = replace(src, attributes=folder / table,
                                    attributes_display=f"{shown}/{table}")
    return sources
