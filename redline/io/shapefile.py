"""A shapefile's parts checked against each other before it is read.

A shapefile is three files that must agree: the ``.shp`` (geometries), the ``.shx``
(where each geometry starts in the ``.shp``) and the ``.dbf`` (one attribute record
per geometry). GDAL reads what it can when they do not: a ``.dbf`` with fewer records
than the ``.shp`` loses the features past its end without a word, and a ``.shp`` cut
short loses its last geometries. :func:`check_shapefile` reads only the headers (and
the ``.shx``, 8 bytes per feature) and names what is wrong, each with its own message:
an empty or truncated ``.shp``, a missing or damaged ``.shx``, a missing or truncated
``.dbf``, record counts that disagree, a ``.prj`` that is not a CRS and a ``.cpg``
naming a code page no one knows.

The layouts are those of the ESRI Shapefile Technical Description (1998) and dBASE
III+ (header: record count at byte 4, header and record lengths at bytes 8 and 10).

Examples
--------
>>> import tempfile, pathlib, shapely, geopandas as gpd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2,
...                  crs="EPSG:4529").to_file(folder / "approvals.shp")
>>> check_shapefile(folder / "approvals.shp")
[]
>>> (folder / "approvals.shx").unlink()
>>> [p.kind for p in check_shapefile(folder / "approvals.shp")]
['missing_shx']
"""

from __future__ import annotations

import codecs
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

#: Bytes of the .shp and .shx file header.
HEADER_BYTES: Final[int] = 100
#: The file code every .shp and .shx begins with.
FILE_CODE: Final[int] = 9994
#: Bytes of one .shx record (offset and content length, big-endian 16-bit words).
SHX_RECORD: Final[int] = 8
#: Bytes of a .dbf header before its field descriptors.
DBF_HEADER: Final[int] = 32


@dataclass(frozen=True)
class Found:
    """One thing wrong with a shapefile's parts: ``kind``, what is wrong, and the fix."""

    kind: str
    problem: str
    fix: str


#: Reads a part: its size in bytes, and ``read(n)`` giving its first ``n`` bytes (all: -1).
Part = tuple[int, Callable[[int], bytes]]


def _local_parts(shp: Path) -> dict[str, Part]:
    """Return the parts beside a .shp on disk, by lower-case suffix (``.dbf``, ``.SHX`` alike)."""
    parts: dict[str, Part] = {}
    stem = shp.stem.lower()
    try:
        siblings = list(shp.parent.iterdir())
    except OSError:
        return parts
    for p in siblings:
        if p.stem.lower() != stem or not p.is_file():
            continue

        def read(n: int, p: Path = p) -> bytes:
            with open(p, "rb") as fh:
                return fh.read() if n < 0 else fh.read(n)

        parts[p.suffix.lower()] = (p.stat().st_size, read)
    return parts


def _zip_parts(archive: Path, member: str) -> dict[str, Part]:
    """Return the parts of a zipped shapefile, by lower-case suffix."""
    parts: dict[str, Part] = {}
    base = member[:-4].lower()
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
    for info in infos:
        name = info.filename.lower()
        if not name.startswith(base) or len(name) != len(base) + 4:
            continue

        def read(n: int, name: str = info.filename) -> bytes:
            with zipfile.ZipFile(archive) as zf, zf.open(name) as fh:
                return fh.read() if n < 0 else fh.read(n)

        parts[name[-4:]] = (info.file_size, read)
    return parts


def check_shapefile(shp: str | os.PathLike[str], *, zip_member: str | None = None,
                    encoding_given: bool = False) -> list[Found]:
    """Check that a shapefile's parts agree before it is read; return what is wrong.

    Parameters
    ----------
    shp
        The ``.shp`` on disk, or the zip holding it (with ``zip_member``).
    zip_member
        The ``.shp``'s name inside the zip ``shp``.
    encoding_given
        An encoding was given (redline.toml or ``--encoding``): the ``.cpg`` is not read.

    Returns
    -------
    list of Found
        Empty when the parts agree. Every entry stops the layer from being read.
    """
    path = Path(shp)
    try:
        parts = _zip_parts(path, zip_member) if zip_member is not None else _local_parts(path)
    except (OSError, zipfile.BadZipFile) as ex:
        return [Found("unreadable", f"cannot open the shapefile's parts ({ex})",
                      "check the files are complete and readable")]
    found = _check_shp(parts)
    if found:
        return found
    found = _check_counts(parts) + _check_prj(parts)
    if not encoding_given:
        found += _check_cpg(parts)
    return found


def _check_shp(parts: dict[str, Part]) -> list[Found]:
    """Check the .shp itself: present, not empty, a shapefile header, as long as it says."""
    again = "copy the layer again from its source: this file was not written or copied whole"
    if ".shp" not in parts:
        return [Found("unreadable", "the .shp is missing", again)]
    size, read = parts[".shp"]
    if size == 0:
        return [Found("empty_shp", "the .shp is empty (0 bytes)", again)]
    head = read(HEADER_BYTES)
    if len(head) >= 4 and struct.unpack(">i", head[:4])[0] != FILE_CODE:
        return [Found("unreadable", "the .shp is not a shapefile (it does not begin with "
                      f"the file code {FILE_CODE})", "give the layer's real .shp")]
    if size < HEADER_BYTES:
        return [Found("truncated", f"the .shp is cut short: {size} bytes, less than its "
                      f"{HEADER_BYTES}-byte header", again)]
    declared = 2 * struct.unpack(">i", head[24:28])[0]
    if declared > size:
        return [Found("truncated", f"the .shp is cut short: its header says {declared} bytes, "
                      f"the file holds {size}", again)]
    return []


def _check_counts(parts: dict[str, Part]) -> list[Found]:
    """Check the .shx and the .dbf: present, whole, one record per geometry of the .shp."""
    export = ("export the layer again from its source (QGIS: Export > Save Features As) so "
              "that .shp, .shx and .dbf are written together")
    if ".shx" not in parts:
        return [Found("missing_shx", "the .shx (the index of the .shp's features) is missing",
                      "copy the .shx that came with the .shp, or rebuild it: ogr2ogr "
                      "--config SHAPE_RESTORE_SHX YES fixed.shp broken.shp")]
    shx_size, read_shx = parts[".shx"]
    if shx_size < HEADER_BYTES or (shx_size - HEADER_BYTES) % SHX_RECORD:
        return [Found("truncated", f"the .shx is damaged: {shx_size} bytes is not a 100-byte "
                      "header and 8 bytes per feature", export)]
    n_shp = (shx_size - HEADER_BYTES) // SHX_RECORD
    found: list[Found] = []
    shp_size = parts[".shp"][0]
    if n_shp:
        index = np.frombuffer(read_shx(-1)[HEADER_BYTES:], dtype=">i4").reshape(-1, 2)
        ends = 2 * (index[:, 0].astype(np.int64) + index[:, 1].astype(np.int64)) + 8
        beyond = np.flatnonzero(ends > shp_size)
        if len(beyond):
            found.append(Found(
                "truncated", f"the .shp is cut short: {len(beyond)} of its {n_shp} features "
                f"(from row {int(beyond[0])}) lie past its end ({shp_size} bytes)", export))
    if ".dbf" not in parts:
        found.append(Found("missing_dbf", "the .dbf (the attribute table) is missing: the "
                           "features would have no ids, dates or classes",
                           "copy the .dbf that came with the .shp"))
        return found
    dbf_size, read_dbf = parts[".dbf"]
    head = read_dbf(DBF_HEADER)
    if len(head) < DBF_HEADER:
        found.append(Found("truncated", f"the .dbf is cut short: {dbf_size} bytes, less than "
                           f"its {DBF_HEADER}-byte header", export))
        return found
    n_dbf, = struct.unpack("<I", head[4:8])
    header_len, record_len = struct.unpack("<HH", head[8:12])
    holds = (dbf_size - header_len) // record_len if record_len else n_dbf
    if holds < n_dbf:
        found.append(Found("truncated", f"the .dbf is cut short: its header counts {n_dbf} "
                           f"records, the file holds {max(holds, 0)}", export))
    elif n_dbf != n_shp:
        found.append(Found(
            "count_mismatch", f"the .shp holds {n_shp} features but the .dbf {n_dbf} records: "
            f"{abs(n_shp - n_dbf)} features would be lost or given another's attributes",
            export))
    return found


def _check_prj(parts: dict[str, Part]) -> list[Found]:
    """Check the .prj, when there is one: a CRS pyproj can read."""
    if ".prj" not in parts:
        return []
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError as ProjCRSError
    from pyproj.exceptions import ProjError

    size, read = parts[".prj"]
    fix = ('replace the .prj with the one the data was made in, or delete it and give '
           'crs = "EPSG:...." under [layers.<role>] in redline.toml')
    if size == 0:
        return []  # names no CRS: read as a layer without one (the CRS is inferred)
    try:
        text = read(64 * 1024).decode("utf-8-sig").strip()
        crs = CRS.from_user_input(text)
    except (UnicodeDecodeError, ProjCRSError) as ex:
        why = "it is not text" if isinstance(ex, UnicodeDecodeError) else str(ex).split(":")[0]
        return [Found("bad_prj", f"the .prj is not a CRS ({why})", fix)]
    try:
        Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    except ProjError as ex:
        why = ("its ellipsoid is not the Earth's" if "celestial body" in str(ex)
               else str(ex).splitlines()[0][:200])
        return [Found("bad_prj", f"the .prj's CRS {crs.name!r} cannot be converted to "
                      f"CGCS2000 ({why})", fix)]
    return []


#: Code pages GDAL knows by number in a .cpg (as ``CP<n>`` or ISO-8859-<n>).
_CPG_ALIASES: Final[dict[str, str]] = {"88591": "iso8859-1", "1252": "cp1252",
                                       "936": "cp936", "950": "cp950", "65001": "utf-8"}


def cpg_codec(text: str) -> str | None:
    """Return the Python codec a .cpg's text names, or None when it names none known.

    Examples
    --------
    >>> cpg_codec("GBK"), cpg_codec("936"), cpg_codec("UTF-8"), cpg_codec("88591")
    ('gbk', 'gbk', 'utf-8', 'iso8859-1')
    >>> cpg_codec("KLINGON-42") is None
    True
    """
    key = text.strip().strip("\x00").strip()
    if not key:
        return None
    upper = key.upper()
    candidates = [_CPG_ALIASES.get(key, ""), key]
    if key.isdigit():
        candidates.append(f"cp{key}")
    if upper.startswith("8859") and key[4:].isdigit():
        candidates.append(f"iso8859-{int(key[4:])}")
    for name in candidates:
        if not name:
            continue
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return None


def _check_cpg(parts: dict[str, Part]) -> list[Found]:
    """Check the .cpg, when there is one: a code page Python (and so GDAL's iconv) knows."""
    if ".cpg" not in parts:
        return []
    size, read = parts[".cpg"]
    raw = read(256)
    text = raw.decode("ascii", errors="replace").strip()
    if size == 0 or not text:
        return []  # an empty .cpg declares nothing: the encoding is detected
    if cpg_codec(text) is not None:
        return []
    shown = text if text.isprintable() and len(text) <= 40 else repr(raw[:40])
    return [Found("bad_cpg", f"the .cpg names a code page no one knows ({shown})",
                  'write the right one in the .cpg (GBK or UTF-8), or give encoding = "gbk" '
                  "under [layers.<role>] in redline.toml")]
