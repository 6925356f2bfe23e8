"""Esri File Geodatabases (``.gdb``) and the data-like files redline does not read.

A 三调 database is delivered as a FileGDB: a folder ``XXXXXX.gdb`` holding DLTB, XZQ,
YJJBNTTB... as layers, often zipped (``XXXXXX.gdb.zip``, or a zip holding the folder).
GDAL's OpenFileGDB driver reads both, the zip through ``/vsizip/``; this module tells a
FileGDB from other folders and zips and lists its layers, and names the files that look
like data but are not read (:data:`NOT_READ`), so that ``redline info`` can list them
with the reason rather than let a county lose a layer without a word.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Final

import pyogrio

GDB_SUFFIX: Final[str] = ".gdb"

#: Files that look like a county's data but are not read: (what, what to do), by suffix.
NOT_READ: Final[dict[str, tuple[str, str]]] = {
    ".mdb": ("a Personal Geodatabase (Access .mdb) is not read",
             "export its layers to a FileGDB, a GeoPackage or shapefiles"),
    ".accdb": ("an Access database is not read",
               "export its layers to a GeoPackage or shapefiles"),
    ".dwg": ("a CAD drawing (.dwg) is not read",
             "export the parcels to a shapefile or GeoPackage"),
    ".dxf": ("a CAD drawing (.dxf) is not read",
             "export the parcels to a shapefile or GeoPackage"),
    ".kml": ("a KML file named after no role is not read",
             "name it after its role (approvals.kml) or map it in redline.toml"),
    ".kmz": ("a KMZ file named after no role is not read",
             "name it after its role (approvals.kmz) or map it in redline.toml"),
    ".tab": ("a MapInfo table is not read", "export it to a shapefile or GeoPackage"),
    ".mif": ("a MapInfo interchange file is not read",
             "export it to a shapefile or GeoPackage"),
    ".e00": ("an ArcInfo export file is not read", "convert it to a FileGDB or shapefile"),
}

#: Vector files read when named after a role (beside those of :mod:`redline.io.discover`).
NAMED_ONLY: Final[tuple[str, ...]] = (".kml", ".kmz")


def is_gdb_dir(path: Path) -> bool:
    """Tell whether ``path`` is a FileGDB folder (``*.gdb`` holding ``.gdbtable`` files)."""
    return path.is_dir() and path.name.lower().endswith(GDB_SUFFIX)


def zipped_gdb(path: Path) -> str | None:
    """Return the ``.gdb`` folder inside a zip (its name in the zip), when it holds one.

    ``county.gdb.zip`` holding ``county.gdb/...`` (or its tables at the top, as Esri
    zips them) is a zipped FileGDB; a zip holding several ``.gdb`` folders is none.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    gdbs = {part for n in names for part in _gdb_parts(n)}
    if len(gdbs) == 1:
        return gdbs.pop()
    if not gdbs and path.name.lower().endswith(".gdb.zip") and any(
            n.lower().endswith(".gdbtable") for n in names):
        return ""  # the tables at the top of the zip
    return None


def _gdb_parts(name: str) -> list[str]:
    parts = name.replace("\\", "/").split("/")
    out = []
    for i, part in enumerate(parts[:-1]):
        if part.lower().endswith(GDB_SUFFIX):
            out.append("/".join(parts[:i + 1]))
            break
    return out


def gdal_path(path: Path, member: str | None = None) -> str:
    """Return the path GDAL opens a FileGDB by: the folder, or ``/vsizip/<zip>/<member>``."""
    if member is None:
        return str(path)
    return f"/vsizip/{path}/{member}" if member else f"/vsizip/{path}"


def gdb_layers(gdal: str) -> list[str]:
    """List the vector layers of a FileGDB (tables without geometry left out).

    Raises
    ------
    pyogrio.errors.DataSourceError
        GDAL cannot open it as a FileGDB.
    """
    listed = pyogrio.list_layers(gdal)
    return [str(name) for name, geometry in listed if geometry is not None]
