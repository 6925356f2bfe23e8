"""Land-boundary coordinate exchange TXT files (坐标交换 TXT / 界址点坐标文件).

Approved (报批), filed (报备) and supplied (供地) projects are exchanged with
provincial systems as text files, one per project, several parcels per file::

    [属性描述]
    格式版本号=1.0
    数据产生单位=...
    数据产生日期=2024-05-01
    坐标系=2000国家大地坐标系
    几度分带=3
    投影类型=高斯克吕格
    计量单位=米
    带号=41
    精度=0.001
    转换参数=,,,,,,
    [地块坐标]
    5,0.4800,DK01,某某项目地块,面,K51G001001,工业用地,0601,@
    J1,1,4551000.000,41512000.000
    J2,1,4551000.000,41512100.000
    ...

Each parcel is a header line ``界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,
地块用途,地类编码,@`` followed by its points ``点号,圈号,X,Y``: X the northing, Y the
easting (often with the zone number prefixed), 圈号 the ring; a ring closes by
repeating its first point.

Reading (:func:`read_coordtxt`)
-------------------------------
- Text: UTF-8 (with or without BOM, also UTF-16 with BOM) when the bytes are valid
  UTF-8, else GB18030, the superset of GBK that also holds rare characters of
  place and person names (䶮, 𠮷). The encoding found is recorded per file.
- Lines: CRLF or LF, blank lines, spaces around fields, full-width commas and
  brackets, a missing trailing ``@``, whitespace-separated point lines, a Z value
  after Y. Every line that is none of these is a :class:`~redline.model.Problem`
  naming the file and line number; the parcel is read without it.
- Rings: runs of one 圈号 (a run also ends where its first point is repeated).
  Which ring is a shell and which a hole is decided by nesting, not by 圈号: a ring
  inside an odd number of others is a hole of the smallest one around it. Several
  shells make a MultiPolygon. A ring left open is closed (and said once per file).
- X/Y order: decided for each parcel by magnitude, since some producers write
  easting first. In China a northing lies between 1.5e6 and 6.5e6 m (18-54N), an
  easting is 1e5-9e5 without the zone prefix or 1.3e7-4.6e7 with it; the ranges do
  not overlap, so a parcel whose third column holds eastings is read swapped and the
  problem says so. Degree coordinates (X latitude, Y longitude) are told apart the
  same way (latitudes 3-54 below longitudes 73-136). Values that fit neither order
  are read as the format says.
- CRS: from 坐标系 (2000国家大地坐标系 -> CGCS2000; 西安80 / 1980 -> Xian 1980;
  北京54 / 1954 -> Beijing 1954, kept as declared: the caller warns that a datum
  shift to CGCS2000 is approximate without the province's parameters), 几度分带
  (3 or 6) and 带号 (a 带号 above 60 that is a multiple of 3 is read as the central
  meridian, as is a 中央子午线 key). The zone prefix in the eastings decides between
  the prefixed and plain EPSG codes (CGCS2000 3-degree: EPSG:4513-4533 with it,
  4534-4554 without; 6-degree: 4491-4501 / 4502-4512; Xian 1980 2349-2369 / 2370-2390 and
  2327-2337 / 2338-2348; Beijing 1954 2401-2421 / 2422-2442 and 21413-21423 / 21453-21463)
  and wins over a 带号 that disagrees with it. A CRS that cannot be known is an error
  problem (give ``crs=``). Files of one folder in several zones of one datum are
  projected into the zone most parcels are in (exact); in a folder, a file of another
  datum, or whose CRS cannot be known, keeps its rows with no geometry and an error.
- 地块面积: usually 公顷, sometimes 平方米 or 亩. The unit is checked against the
  geometry (planar area in the file's projection, within 0.03 % of the ellipsoidal
  one; enough to tell units 15 or 10,000 apart): the unit whose value comes closest
  is taken and named in the ``面积单位`` column; a value that fits no unit within a
  factor 1.5, or that differs from the geometry by more than 1 %, is a problem.

Writing (:func:`write_coordtxt`) produces the same format: GBK by default (GB18030
for a file holding characters GBK lacks, and it says so), CRLF lines, a
``[属性描述]`` block derived from the CRS, ``地块面积`` in 公顷 (ellipsoidal, GRS80)
with four decimals, shells clockwise and holes anticlockwise as seen on a map, each
ring starting at its north-western point, points numbered J1, J2... through the
parcel and each ring closed by repeating its first point and number. 界址点数 is the
number of point lines written (closing lines included); reading accepts it with or
without the closing lines.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as ProjCRSError
from shapely.geometry.polygon import orient

from redline.errors import ConfigError, CRSError, InputError, OutputExistsError
from redline.io.crs import zone_crs
from redline.io.safepath import UniqueNames, safe_name
from redline.io.write import write_bytes
from redline.model import Level, Problem

#: The fields of a parcel's header line, in the format's order and under its own names.
HEADER_FIELDS: Final[tuple[str, ...]] = (
    "界址点数", "地块面积", "地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码",
)
#: Columns added to the format's own: the unit 地块面积 was found in, the file, the
#: parcel's position in its file (1-based).
UNIT_FIELD: Final[str] = "面积单位"
SOURCE_FIELD: Final[str] = "源文件"
ORDINAL_FIELD: Final[str] = "地块序号"

Datum = Literal["CGCS2000", "Xian 1980", "Beijing 1954"]

#: (datum, zone width, zone prefix in the eastings) -> (EPSG code of the first zone, its number).
_GK_EPSG: Final[dict[tuple[Datum, int, bool], tuple[int, int]]] = {
    ("CGCS2000", 3, True): (4513, 25), ("CGCS2000", 3, False): (4534, 25),
    ("CGCS2000", 6, True): (4491, 13), ("CGCS2000", 6, False): (4502, 13),
    ("Xian 1980", 3, True): (2349, 25), ("Xian 1980", 3, False): (2370, 25),
    ("Xian 1980", 6, True): (2327, 13), ("Xian 1980", 6, False): (2338, 13),
    ("Beijing 1954", 3, True): (2401, 25), ("Beijing 1954", 3, False): (2422, 25),
    ("Beijing 1954", 6, True): (21413, 13), ("Beijing 1954", 6, False): (21453, 13),
}
#: Zone numbers with an EPSG code: 3-degree zones 25-45 (75E-135E), 6-degree 13-23.
_ZONES: Final[dict[int, range]] = {3: range(25, 46), 6: range(13, 24)}
_GEOGRAPHIC: Final[dict[Datum, str]] = {
    "CGCS2000": "EPSG:4490", "Xian 1980": "EPSG:4610", "Beijing 1954": "EPSG:4214",
}
#: How each datum is written in 坐标系.
_DATUM_TEXT: Final[dict[Datum, str]] = {
    "CGCS2000": "2000国家大地坐标系", "Xian 1980": "80国家大地坐标系",
    "Beijing 1954": "54北京坐标系",
}

#: Magnitudes of coordinates in China (metres, degrees): see the module docstring.
_NORTHING: Final = (1.5e6, 6.5e6)
_EASTING: Final = (1.0e5, 9.0e5)
_EASTING_PREFIXED: Final = (1.3e7, 4.6e7)
_LATITUDE: Final = (3.0, 54.0)
_LONGITUDE: Final = (73.0, 136.0)

#: 地块面积 units and their square metres.
_UNITS: Final[dict[str, float]] = {"公顷": 10_000.0, "平方米": 1.0, "亩": 10_000.0 / 15.0}
_UNIT_WORDS: Final[dict[str, str]] = {
    "公顷": "公顷", "HA": "公顷", "HM2": "公顷", "平方米": "平方米", "M2": "平方米",
    "㎡": "平方米", "M²": "平方米", "亩": "亩", "MU": "亩",
}
#: A declared area is in a unit when it is within this factor of the geometry's.
_UNIT_FACTOR: Final[float] = 1.5
#: A declared area differing from the geometry's by more than this share is a problem.
_AREA_TOLERANCE: Final[float] = 0.01

_SECTION_RE: Final = re.compile(r"^[\[【]\s*(.*?)\s*[\]】]$")
_SHAPES: Final[frozenset[str]] = frozenset({"面", "线", "点"})


@dataclass(frozen=True)
class TxtFile:
    """What was found in one coordinate file."""

    path: str
    #: As the bytes were: ``UTF-8``, ``UTF-8 (BOM)``, ``UTF-16 (BOM)``, ``GBK`` or
    #: ``GB18030`` (GB18030 when the text holds characters GBK lacks).
    encoding: str
    #: The ``[属性描述]`` block (and any other ``key=value`` lines), as written.
    attributes: Mapping[str, str]
    #: The CRS of the coordinates as written (``None`` when it cannot be known).
    crs: str | None
    crs_reason: str
    datum: Datum | None
    parcels: int
    #: Parcels whose X and Y were written in swapped order.
    swapped: int = 0


@dataclass(frozen=True)
class CoordTxtMeta:
    """The files read and the CRS the frame is in."""

    path: str
    crs: str | None
    crs_reason: str
    datum: Datum | None
    files: tuple[TxtFile, ...] = field(default_factory=tuple)


# --- decoding ----------------------------------------------------------------------------

def decode_bytes(data: bytes) -> tuple[str, str]:
    r"""Decode a coordinate file: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030.

    Returns the text and the encoding as written (``GBK`` when GB18030 was not needed).
    Bytes that are none of these are replaced by U+FFFD (the caller reports the lines).

    Examples
    --------
    >>> decode_bytes("水田".encode("gbk"))
    ('水田', 'GBK')
    >>> decode_bytes("䶮".encode("gb18030"))
    ('䶮', 'GB18030')
    >>> decode_bytes(b"\xef\xbb\xbf[\xe5\x9c\xb0]")
    ('[地]', 'UTF-8 (BOM)')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "UTF-16 (BOM)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gbk"), "GBK"
    except UnicodeDecodeError:
        pass
    return data.decode("gb18030", errors="replace"), "GB18030"


# --- parsing -----------------------------------------------------------------------------

@dataclass
class _Point:
    line: int
    name: str
    ring: int
    a: float  # third column (X by the format)
    b: float  # fourth column (Y by the format)


@dataclass
class _Parcel:
    line: int
    ordinal: int
    fields: list[str]
    points: list[_Point] = field(default_factory=list)

    def ident(self, file_name: str) -> str:
        return self.fields[2] or f"{file_name}#{self.ordinal}"


@dataclass
class _Parsed:
    attributes: dict[str, str]
    parcels: list[_Parcel]
    problems: list[Problem]


def _split(line: str) -> list[str]:
    parts = line.split(",")
    if len(parts) < 4 and "，" in line:
        parts = re.split("[,，]", line)
    if len(parts) < 4:
        ws = line.split()
        if len(ws) >= 4:
            parts = ws
    return [p.strip() for p in parts]


def _number(text: str) -> float | None:
    try:
        value = float(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse(text: str, path: str) -> _Parsed:  # noqa: PLR0912 - one line kind per branch
    name = os.path.basename(path)
    attrs: dict[str, str] = {}
    parcels: list[_Parcel] = []
    problems: list[Problem] = []
    in_parcels = False

    def bad(n: int, line: str, why: str, parcel: _Parcel | None = None) -> None:
        problems.append(Problem(
            path, f"line {n}: {line[:80]!r} {why}",
            "correct the line; the file is read without it", "warning",
            feature_id=parcel.ident(name) if parcel is not None else "", kind="txt_line"))

    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace("\ufeff", "").strip()
        if not line:
            continue
        section = _SECTION_RE.match(line)
        if section:
            in_parcels = section.group(1) == "地块坐标"
            continue
        if "\ufffd" in line:
            bad(n, line, "holds bytes that are neither UTF-8 nor GB18030",
                parcels[-1] if parcels and in_parcels else None)
        if not in_parcels and ("=" in line or "＝" in line):
            key, _, value = line.replace("＝", "=").partition("=")
            attrs.setdefault(key.strip(), value.strip())
            continue
        parts = _split(line)
        # Point lines have 4 fields (5 with a Z); a header 8 (9 with its @).
        is_header = parts[-1].endswith("@") or len(parts) >= 6 or (
            len(parts) == 5 and parts[4] in _SHAPES)
        if is_header:
            if not in_parcels:
                in_parcels = True  # a file without its [地块坐标] line
            if parts[-1].endswith("@"):
                parts[-1] = parts[-1][:-1].strip()
                if not parts[-1]:
                    parts.pop()
            if len(parts) > len(HEADER_FIELDS):
                extra = [p for p in parts[len(HEADER_FIELDS):] if p]
                if extra:
                    bad(n, line, f"has {len(parts)} fields: those after 地类编码 are ignored")
            fields = (parts + [""] * len(HEADER_FIELDS))[:len(HEADER_FIELDS)]
            parcels.append(_Parcel(n, len(parcels) + 1, fields))
            continue
        if not parcels:
            bad(n, line, "comes before any parcel header line (界址点数,地块面积,...,@)")
            continue
        a = _number(parts[2]) if len(parts) >= 4 else None
        b = _number(parts[3]) if len(parts) >= 4 else None
        ring = _number(parts[1]) if len(parts) >= 4 else None
        extra_ok = len(parts) == 4 or (len(parts) == 5 and (_number(parts[4]) is not None
                                                            or not parts[4]))
        if a is None or b is None or ring is None or ring != int(ring) or not extra_ok:
            bad(n, line, "is not a point line (点号,圈号,X,Y)", parcels[-1])
            continue
        parcels[-1].points.append(_Point(n, parts[0], int(ring), a, b))
    return _Parsed(attrs, parcels, problems)


# --- axis order and CRS ------------------------------------------------------------------

def _within(values: np.ndarray, bounds: tuple[float, float]) -> bool:
    return bool(len(values)) and bool(np.all((values >= bounds[0]) & (values <= bounds[1])))


def _is_easting(values: np.ndarray) -> bool:
    return _within(values, _EASTING) or _within(values, _EASTING_PREFIXED)


def _order(a: np.ndarray, b: np.ndarray) -> tuple[bool | None, bool]:
    """Return (swapped, degrees): swapped None when the magnitudes do not tell."""
    if _within(a, _NORTHING) and _is_easting(b):
        return False, False
    if _is_easting(a) and _within(b, _NORTHING):
        return True, False
    if _within(a, _LATITUDE) and _within(b, _LONGITUDE):
        return False, True
    if _within(a, _LONGITUDE) and _within(b, _LATITUDE):
        return True, True
    return None, False


def _datum(text: str) -> Datum | None:
    t = unicodedata.normalize("NFKC", text).upper()
    if "2000" in t or "CGCS" in t:
        return "CGCS2000"
    if "80" in t or "西安" in t:
        return "Xian 1980"
    if "54" in t or "北京" in t:
        return "Beijing 1954"
    return None


def _int(text: str | None) -> int | None:
    if not text:
        return None
    m = re.search(r"\d+", unicodedata.normalize("NFKC", text))
    return int(m.group()) if m else None


def gk_epsg(datum: Datum, width: int, zone: int, *, prefixed: bool) -> str:
    """Return the EPSG code of a Gauss-Kruger zone of a Chinese datum.

    Examples
    --------
    >>> gk_epsg("CGCS2000", 3, 41, prefixed=True), gk_epsg("CGCS2000", 3, 41, prefixed=False)
    ('EPSG:4529', 'EPSG:4550')
    >>> gk_epsg("Xian 1980", 6, 21, prefixed=True)
    'EPSG:2335'

    Raises
    ------
    CRSError
        ``zone`` is not a zone of China for that width.
    """
    if width not in _ZONES or zone not in _ZONES[width]:
        raise CRSError(f"{width}-degree zone {zone} is not a zone of China "
                       f"({_ZONES.get(width, range(0)).start}-"
                       f"{_ZONES.get(width, range(1)).stop - 1})",
                       fix="check 几度分带 and 带号, or give the CRS")
    first, first_zone = _GK_EPSG[(datum, width, prefixed)]
    return f"EPSG:{first + zone - first_zone}"


def describe_gk(crs: str | CRS) -> tuple[Datum, int, int, bool] | None:
    """Return (datum, zone width, zone, prefixed) of a Chinese GK CRS, or None for others.

    Examples
    --------
    >>> describe_gk("EPSG:4529"), describe_gk("EPSG:2370")
    (('CGCS2000', 3, 41, True), ('Xian 1980', 3, 25, False))
    """
    try:
        code = CRS.from_user_input(crs).to_epsg()
    except ProjCRSError:
        return None
    if code is None:
        return None
    for (datum, width, prefixed), (first, first_zone) in _GK_EPSG.items():
        n = len(_ZONES[width])
        if first <= code < first + n:
            return datum, width, first_zone + code - first, prefixed
    return None


def _datum_of(attrs: Mapping[str, str]) -> tuple[Datum | None, str]:
    """Return the datum 坐标系 declares (CGCS2000 when not given), and what was decided."""
    declared = attrs.get("坐标系", "")
    if not declared:
        return "CGCS2000", "坐标系 not given: CGCS2000 assumed"
    datum = _datum(declared)
    if datum is None:
        return None, f"坐标系={declared} is not CGCS2000, 西安80 or 北京54"
    return datum, f"坐标系={declared}: {datum}"


def _prefixed_crs(datum: Datum, eastings: np.ndarray, width: int | None, number: int | None,
                  why: list[str]) -> str | None:
    """Return the CRS of zone-prefixed eastings: the prefix names the zone and its width."""
    prefixes = sorted(set((eastings // 1_000_000).astype(int).tolist()))
    if len(prefixes) != 1:
        why.append(f"eastings carry several zone prefixes ({prefixes})")
        return None
    zone = prefixes[0]
    w = 6 if zone in _ZONES[6] else 3
    if zone not in _ZONES[w]:
        why.append(f"zone prefix {zone} is no zone of China")
        return None
    if width is not None and width != w:
        why.append(f"几度分带={width} contradicts zone prefix {zone}: {w}-degree zone")
    if number is not None and number != zone:
        why.append(f"带号={number} contradicts the eastings' zone prefix {zone}: the prefix "
                   "is used")
    crs = gk_epsg(datum, w, zone, prefixed=True)
    why.append(f"eastings carry zone prefix {zone}: {w}-degree zone {zone} ({crs})")
    return crs


def _plain_crs(datum: Datum, width: int | None, number: int | None, meridian: int | None,
               why: list[str]) -> str | None:
    """Return the CRS of eastings without prefix: the zone from 带号 or the meridian."""
    w = width if width in (3, 6) else 3
    if width not in (3, 6):
        why.append("几度分带 not given: 3-degree zones assumed")
    if meridian is not None:
        zone, rest = divmod(meridian if w == 3 else meridian + 3, w)
        if rest:
            why.append(f"central meridian {meridian} is no {w}-degree zone's")
            return None
    elif number is not None:
        zone = number
    else:
        why.append("eastings have no zone prefix and 带号 is not given: the central meridian "
                   "cannot be known")
        return None
    if zone not in _ZONES[w]:
        why.append(f"{w}-degree zone {zone} is no zone of China")
        return None
    crs = gk_epsg(datum, w, zone, prefixed=False)
    cm = zone * 3 if w == 3 else zone * 6 - 3
    why.append(f"eastings without zone prefix, {w}-degree zone {zone} (CM {cm}E): {crs}")
    return crs


def _file_crs(attrs: Mapping[str, str], eastings: np.ndarray, *, degrees: bool
              ) -> tuple[str | None, Datum | None, str]:
    """Work out a file's CRS from its header and its eastings: (crs, datum, reason)."""
    datum, said = _datum_of(attrs)
    why = [said]
    if datum is None:
        return None, None, said
    if degrees:
        return _GEOGRAPHIC[datum], datum, f"{said}; coordinates in degrees"
    width = _int(attrs.get("几度分带") or attrs.get("分带"))
    number = _int(attrs.get("带号"))
    meridian = _int(attrs.get("中央子午线") or attrs.get("中央经线"))
    if number is not None and number > 60 and number % 3 == 0 and meridian is None:
        meridian, number = number, None
        why.append(f"带号={attrs.get('带号')} read as the central meridian")
    if len(eastings) and bool(np.all(eastings >= 1e7)):
        crs = _prefixed_crs(datum, eastings, width, number, why)
    else:
        crs = _plain_crs(datum, width, number, meridian, why)
    return crs, datum, "; ".join(why)


# --- geometry ----------------------------------------------------------------------------

def _rings(points: Sequence[_Point], swapped: bool) -> tuple[list[np.ndarray], int]:
    """Split a parcel's points into closed rings of (easting, northing); count the open ones."""
    runs: list[list[_Point]] = []
    for p in points:
        run = runs[-1] if runs else None
        closed = run is not None and len(run) >= 4 and (run[-1].a, run[-1].b) == (run[0].a,
                                                                                   run[0].b)
        if run is None or p.ring != run[0].ring or closed:
            runs.append([p])
        else:
            run.append(p)
    rings: list[np.ndarray] = []
    opened = 0
    for run in runs:
        xy = np.array([(p.a, p.b) if swapped else (p.b, p.a) for p in run], dtype=float)
        if len(xy) and not np.array_equal(xy[0], xy[-1]):
            xy = np.vstack([xy, xy[:1]])
            opened += 1
        rings.append(xy)
    return rings, opened


def _polygon(rings: list[np.ndarray]) -> shapely.Geometry | None:
    """Shells and holes by nesting: a ring inside an odd number of others is a hole."""
    polys = [shapely.Polygon(r) for r in rings]
    areas = [abs(float(shapely.area(p))) for p in polys]
    inside: list[list[int]] = []
    for i, p in enumerate(polys):
        around = []
        for j, q in enumerate(polys):
            if i == j or areas[j] <= areas[i]:
                continue
            try:
                if shapely.covers(q, p):
                    around.append(j)
            except shapely.errors.GEOSException:  # an invalid ring: taken as not nested
                continue
        inside.append(around)
    shells: dict[int, list[np.ndarray]] = {}
    for i, around in enumerate(inside):
        if len(around) % 2 == 0:
            shells.setdefault(i, [])
    for i, around in enumerate(inside):
        if len(around) % 2 == 1:
            parent = min((j for j in around if len(inside[j]) == len(around) - 1),
                         key=lambda j: areas[j])
            shells[parent].append(rings[i])
    parts = [shapely.Polygon(rings[i], holes) for i, holes in sorted(shells.items())]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _build(parcel: _Parcel, rings: list[np.ndarray]) -> tuple[shapely.Geometry | None, str]:
    """Make the parcel's geometry; say why it has none (or what it is if not a polygon)."""
    shape = parcel.fields[4] or "面"
    good = [r for r in rings if len(np.unique(r[:-1], axis=0)) >= (3 if shape == "面" else 1)]
    if shape == "点":
        pts = np.vstack([r[:-1] if len(r) > 1 else r for r in good]) if good else None
        return (shapely.MultiPoint(pts) if pts is not None else None,
                "图形属性 点: kept as points; only polygons are judged")
    if shape == "线":
        lines = [shapely.LineString(r[:-1] if len(r) > 2 else r) for r in good if len(r) > 1]
        geom = (None if not lines else lines[0] if len(lines) == 1
                else shapely.MultiLineString(lines))
        return geom, "图形属性 线: kept as a line; only polygons are judged"
    if not good:
        return None, "has no ring of 3 or more distinct points: no polygon"
    why = ""
    if len(good) < len(rings):
        why = f"{len(rings) - len(good)} ring(s) of fewer than 3 distinct points left out"
    return _polygon(good), why


# --- area unit ---------------------------------------------------------------------------

def _declared_area(text: str) -> tuple[float | None, str | None, int]:
    """Read 地块面积: the number, the unit written beside it (``0.7655公顷``), its decimals."""
    folded = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    m = re.fullmatch(r"([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)(.*)", folded)
    if not m:
        return None, None, 0
    unit = _UNIT_WORDS.get(m.group(2)) if m.group(2) else None
    if m.group(2) and unit is None:
        return None, None, 0
    return float(m.group(1)), unit, len(m.group(1).partition(".")[2])


def _geod_m2(geom: shapely.Geometry) -> float:
    """Ellipsoidal (GRS80) area of a lon/lat geometry, holes deducted."""
    geod = Geod(ellps="GRS80")
    # Geod sums signed ring areas: shells anticlockwise, holes clockwise.
    return float(sum(geod.geometry_area_perimeter(orient(part, sign=1.0))[0]
                     for part in shapely.get_parts(geom)))


def _geometry_area(geom: shapely.Geometry, crs: str | None) -> float | None:
    if geom is None or shapely.get_type_id(geom) not in (3, 6) or shapely.is_empty(geom):
        return None
    if crs is not None and CRS.from_user_input(crs).is_geographic:
        return _geod_m2(geom)
    return float(shapely.area(geom))


def _area_unit(value: float, written: str | None, geom_m2: float | None, decimals: int
               ) -> tuple[str | None, str]:
    """Find the unit of a declared area, and a problem text ("" when it fits)."""
    if geom_m2 is None or geom_m2 <= 0 or value <= 0:
        return written, ""
    ratios = {u: value * m2 / geom_m2 for u, m2 in _UNITS.items()}
    unit = written or min(ratios, key=lambda u: abs(math.log(ratios[u])))
    ratio = ratios[unit]
    if written is None and abs(math.log(ratio)) > math.log(_UNIT_FACTOR):
        return None, (f"地块面积 {value:g} fits neither 公顷, 平方米 nor 亩 of the parcel's "
                      f"{geom_m2:,.1f} m2")
    # Rounding of the written value (0.0001 ha is 1 m2) is not a difference.
    slack = 0.5 * 10.0 ** -decimals * _UNITS[unit]
    if abs(value * _UNITS[unit] - geom_m2) > max(_AREA_TOLERANCE * geom_m2, slack):
        return unit, (f"地块面积 {value:g} {unit} ({value * _UNITS[unit]:,.1f} m2) differs from "
                      f"the parcel's geometry, {geom_m2:,.1f} m2, by "
                      f"{abs(ratio - 1):.1%}")
    return unit, ""


# --- reading -----------------------------------------------------------------------------

@dataclass
class _FileResult:
    info: TxtFile
    rows: list[dict[str, object]]
    geoms: list[shapely.Geometry | None]


def _orders(parcels: Sequence[_Parcel], display: str, name: str,
            problems: list[Problem]) -> tuple[list[bool], bool]:
    """Each parcel's X/Y order (True: swapped) and whether the file is in degrees."""
    orders = [_order(np.array([p.a for p in parcel.points], dtype=float),
                     np.array([p.b for p in parcel.points], dtype=float))
              for parcel in parcels]
    known = [o for o in orders if o[0] is not None]
    degrees = bool(known) and all(d for _, d in known)
    odd = [p.ident(name) for p, (s, _) in zip(parcels, orders, strict=True)
           if s is None and p.points]
    if odd:
        problems.append(Problem(
            display, f"X/Y of {len(odd)} parcel(s) ({', '.join(odd[:5])}) fit no order of "
            "Chinese coordinates (northing 1.5e6-6.5e6, easting 1e5-9e5 or zone-prefixed): "
            "read as the format says, X northing", "check the coordinates and the CRS",
            "warning", kind="txt_xy_unknown"))
    swapped = [bool(s) for s, _ in orders]
    if any(swapped):
        first = next(p for p, s in zip(parcels, swapped, strict=True) if s)
        problems.append(Problem(
            display, f"X and Y are swapped in {sum(swapped)} of {len(parcels)} parcel(s): the "
            f"third column holds eastings (e.g. {first.points[0].a:.3f}) and the fourth "
            f"northings (e.g. {first.points[0].b:.3f}); read as Y,X",
            "none needed; write X (northing) before Y (easting) in future files", "info",
            kind="txt_xy_swapped"))
    return swapped, degrees


@dataclass
class _Row:
    values: dict[str, object]
    geometry: shapely.Geometry | None
    opened: int


def _parcel_row(parcel: _Parcel, swap: bool, crs: str | None, *, display: str, name: str,
                problems: list[Problem]) -> _Row:
    """Read one parcel's fields and geometry, its problems appended to ``problems``."""
    ident = parcel.ident(name)

    def problem(text: str, fix: str, level: Level, kind: str) -> None:
        problems.append(Problem(display, f"parcel {ident} (line {parcel.line}) {text}", fix,
                                level, feature_id=ident, kind=kind))

    rings, opened = _rings(parcel.points, swap)
    geom, why = _build(parcel, rings) if rings else (None, "has no point lines: no polygon")
    if why:
        polygon = geom is not None and parcel.fields[4] in ("", "面")
        problem(why, "" if geom is not None else "correct its point lines",
                "info" if polygon else "warning", "txt_geometry")
    count = _number(parcel.fields[0])
    n = len(parcel.points)
    if count is not None and int(count) not in (n, n - len(rings), n + opened):
        problem(f"界址点数 {int(count)} but {n} point lines follow", "", "info",
                "txt_point_count")
    value, unit, decimals = (_declared_area(parcel.fields[1]) if parcel.fields[1]
                             else (None, None, 0))
    if parcel.fields[1] and value is None:
        problem(f"地块面积 {parcel.fields[1]!r} is not a number", "", "warning", "txt_area")
    elif value is not None:
        unit, why = _area_unit(value, unit, _geometry_area(geom, crs), decimals)
        if why:
            problem(why, "check 地块面积 and the coordinates", "warning", "txt_area")
    values: dict[str, object] = {f: (parcel.fields[i] or None)
                                 for i, f in enumerate(HEADER_FIELDS)}
    values["界址点数"] = int(count) if count is not None and count == int(count) else None
    values["地块面积"] = value
    values[UNIT_FIELD] = unit
    values[SOURCE_FIELD] = name
    values[ORDINAL_FIELD] = parcel.ordinal
    return _Row(values, geom, opened)


def _read_file(path: Path, problems: list[Problem], crs_override: str | None) -> _FileResult:
    display, name = str(path), path.name
    try:
        data = path.read_bytes()
    except OSError as ex:
        raise InputError(f"cannot read the coordinate file ({ex.strerror})", path=display,
                         fix="check the path and its permissions") from ex
    text, encoding = decode_bytes(data)
    parsed = _parse(text, display)
    if not parsed.parcels:
        # Not a coordinate file at all (a readme beside them): one problem, not one a line.
        problems.append(Problem(display, "no parcel found: not a coordinate TXT "
                                "([地块坐标] with 界址点数,地块面积,...,@ lines)",
                                "remove the file from the folder or correct it", "warning",
                                kind="txt_empty"))
        return _FileResult(TxtFile(display, encoding, parsed.attributes, None, "no parcels",
                                   None, 0), [], [])
    problems.extend(parsed.problems)
    swapped, degrees = _orders(parsed.parcels, display, name, problems)
    eastings = np.array([p.a if s else p.b for parcel, s in zip(parsed.parcels, swapped,
                                                                strict=True)
                         for p in parcel.points], dtype=float)
    crs, datum, reason = _file_crs(parsed.attributes, eastings, degrees=degrees)
    if crs_override is not None:
        if crs is not None and CRS.from_user_input(crs) != CRS.from_user_input(crs_override):
            problems.append(Problem(display, f"the file's header says {crs} ({reason}); "
                                    f"{crs_override} was given and is used", "", "info",
                                    kind="txt_crs"))
        gk = describe_gk(crs_override)
        crs, reason, datum = crs_override, f"given: {crs_override}", gk[0] if gk else datum
    rows = [_parcel_row(parcel, swap, crs, display=display, name=name, problems=problems)
            for parcel, swap in zip(parsed.parcels, swapped, strict=True)]
    opened = sum(r.opened for r in rows)
    if opened:
        problems.append(Problem(display, f"{opened} ring(s) not closed by repeating their "
                                "first point: closed", "", "info", kind="txt_ring_open"))
    units = Counter(str(r.values[UNIT_FIELD]) for r in rows if r.values[UNIT_FIELD])
    if units:
        said = ", ".join(f"{u} ({n})" for u, n in units.most_common())
        problems.append(Problem(display, f"地块面积 read in {said}, checked against the "
                                "parcels' geometry", "", "info", kind="txt_area_unit"))
    if crs is None:
        problems.append(Problem(display, f"the coordinates' CRS cannot be known: {reason}",
                                "add 坐标系, 几度分带 and 带号 to the file, or give the layer's "
                                'crs (e.g. crs = "EPSG:4529")', "error", kind="txt_crs"))
    info = TxtFile(display, encoding, dict(parsed.attributes), crs, reason, datum,
                   len(parsed.parcels), sum(swapped))
    return _FileResult(info, [r.values for r in rows], [r.geometry for r in rows])


def _txt_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".txt"
                       and not p.name.startswith("."))
        if not files:
            raise InputError("the folder holds no .txt coordinate file", path=str(path),
                             fix="give a .txt file or a folder of them")
        return files
    if not path.exists():
        raise InputError("the coordinate file does not exist", path=str(path),
                         fix="check the path")
    return [path]


def read_coordtxt(path: str | os.PathLike[str], *, crs: str | None = None
                  ) -> tuple[gpd.GeoDataFrame, list[Problem], CoordTxtMeta]:
    """Read a coordinate TXT file, or every ``.txt`` in a folder, into one frame.

    Parameters
    ----------
    path
        One file, or a folder (its ``.txt`` files, not its sub-folders).
    crs
        The coordinates' CRS when the files do not say it (or say it wrong); the
        header's is used when None.

    Returns
    -------
    tuple
        The parcels, one row each (geometry None where none could be made) with the
        header line's fields under the format's names (:data:`HEADER_FIELDS`) and
        ``面积单位``, ``源文件``, ``地块序号``; the problems found, each naming the file
        (and line and parcel where there is one); and what was read
        (:class:`CoordTxtMeta`: each file's 属性描述, encoding, CRS and why).

    Raises
    ------
    InputError
        The path does not exist, cannot be read, or is a folder with no ``.txt``.
    """
    root = Path(path)
    problems: list[Problem] = []
    results = [_read_file(f, problems, crs) for f in _txt_files(root)]
    target, reason, datum = _target_crs(results, crs)
    frames: list[gpd.GeoDataFrame] = []
    for res in results:
        if not res.rows:
            continue
        geoms = np.array(res.geoms, dtype=object)
        src = res.info.crs
        if src is not None and target is not None and src != target:
            if datum is not None and res.info.datum == datum:
                geoms = np.asarray(gpd.GeoSeries(geoms, crs=src).to_crs(target).array,
                                   dtype=object)
                problems.append(Problem(res.info.path, f"coordinates in {src}: projected into "
                                        f"{target}, the CRS of most parcels read", "", "info",
                                        kind="txt_crs"))
            else:
                geoms = np.full(len(geoms), None, dtype=object)
                problems.append(Problem(
                    res.info.path, f"the file is in {res.info.datum} ({src}), the other "
                    f"files in {datum} ({target}): its parcels are not placed",
                    "read files of each coordinate system as a layer of their own, or "
                    "convert them with the province's parameters", "error", kind="txt_crs"))
        elif src is None and target is not None:
            geoms = np.full(len(geoms), None, dtype=object)
        frame = gpd.GeoDataFrame(pd.DataFrame(res.rows), geometry=gpd.GeoSeries(geoms),
                                 crs=target)
        frames.append(frame)
    columns = [*HEADER_FIELDS, UNIT_FIELD, SOURCE_FIELD, ORDINAL_FIELD]
    if frames:
        out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                               crs=target)
    else:
        out = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns},
                               geometry=gpd.GeoSeries([], dtype="geometry"), crs=target)
    out = _typed(out[[*columns, "geometry"]])
    meta = CoordTxtMeta(str(root), target, reason, datum, tuple(r.info for r in results))
    return out, problems, meta


def _target_crs(results: Sequence[_FileResult], given: str | None
                ) -> tuple[str | None, str, Datum | None]:
    if given is not None:
        gk = describe_gk(given)
        return given, f"given: {given}", gk[0] if gk else None
    weights: Counter[str] = Counter()
    for res in results:
        if res.info.crs is not None:
            weights[res.info.crs] += len(res.rows)
    if not weights:
        return None, "no file says its CRS", None
    crs, _ = weights.most_common(1)[0]
    first = next(r.info for r in results if r.info.crs == crs)
    why = first.crs_reason if len(weights) == 1 else f"the CRS of most parcels: {crs}"
    return crs, why, first.datum


def _typed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["界址点数"] = pd.array(out["界址点数"].tolist(), dtype="Int64")
    out["地块面积"] = pd.to_numeric(out["地块面积"], errors="coerce").astype("float64")
    out[ORDINAL_FIELD] = out[ORDINAL_FIELD].astype("int64")
    for c in (*HEADER_FIELDS[2:], UNIT_FIELD, SOURCE_FIELD):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


# --- writing -----------------------------------------------------------------------------

def _text(value: object) -> str:
    """Make a header field: no separators, line breaks or @ that would break the line."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    return re.sub(r"[\r\n]+", " ", text).replace(",", "，").replace("@", "＠").strip()


def _ring_lines(ring: np.ndarray, start: int, ring_no: int, decimals: int) -> list[str]:
    """Point lines of one closed ring: from its north-western point, closed by its first."""
    pts = ring[:-1]
    first = int(np.argmax(pts[:, 1] - pts[:, 0]))  # most north and west: max(N - E)
    pts = np.vstack([pts[first:], pts[:first]])
    xy = pts.tolist()  # Python floats: the same text as numpy's, written faster
    lines = [f"J{start + i},{ring_no},{y:.{decimals}f},{x:.{decimals}f}"
             for i, (x, y) in enumerate(xy)]
    lines.append(f"J{start},{ring_no},{xy[0][1]:.{decimals}f},{xy[0][0]:.{decimals}f}")
    return lines


def _parcel_lines(geom: shapely.Geometry, decimals: int) -> list[str]:
    polys = [geom] if shapely.get_type_id(geom) == 3 else list(shapely.get_parts(geom))
    lines: list[str] = []
    point, ring_no = 1, 1
    for part in polys:
        # Shells clockwise, holes anticlockwise, as seen on a map (x east, y north).
        poly = orient(part, sign=-1.0)
        for ring in (poly.exterior, *poly.interiors):
            coords = np.asarray(ring.coords)[:, :2]
            lines.extend(_ring_lines(coords, point, ring_no, decimals))
            point += len(coords) - 1
            ring_no += 1
    return lines


def _write_crs(frame: gpd.GeoDataFrame, crs: str | None) -> str:
    if frame.crs is None:
        raise CRSError("the frame has no CRS", fix="set its CRS before writing coordinates")
    if crs is not None:
        if describe_gk(crs) is None:
            raise CRSError(f"{crs} is not a Gauss-Kruger zone of CGCS2000, 西安80 or 北京54",
                           fix='give a zone such as "EPSG:4529"')
        return crs
    if describe_gk(frame.crs) is not None:
        return f"EPSG:{frame.crs.to_epsg()}"
    lonlat = frame.geometry.to_crs("EPSG:4490").union_all().centroid
    return zone_crs(round(lonlat.x / 3))


def _header(crs: str, *, producer: str, made_on: date, decimals: int) -> list[str]:
    described = describe_gk(crs)
    assert described is not None
    datum, width, zone, _ = described
    return [
        "[属性描述]",
        "格式版本号=1.0",
        f"数据产生单位={_text(producer)}",
        f"数据产生日期={made_on.isoformat()}",
        f"坐标系={_DATUM_TEXT[datum]}",
        f"几度分带={width}",
        "投影类型=高斯克吕格",
        "计量单位=米",
        f"带号={zone}",
        f"精度={10.0 ** -decimals:.{decimals}f}",
        "转换参数=,,,,,,",
        "[地块坐标]",
    ]


def _areas_ha(geoms: Sequence[shapely.Geometry], crs: str) -> list[float]:
    """Ellipsoidal (GRS80) areas in hectares."""
    to_lonlat = Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    lonlat = shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.column_stack(
        to_lonlat.transform(xy[:, 0], xy[:, 1])))  # every vertex in one call
    return [_geod_m2(g) / 10_000.0 for g in lonlat.tolist()]


def _check_write_args(frame: gpd.GeoDataFrame, fields: Mapping[str, str | None],
                      encoding: str) -> None:
    for key, col in fields.items():
        if col is not None and col not in frame.columns:
            raise ConfigError(f"{key} {col!r} is not a column of the frame",
                              fix=f"use one of: {', '.join(map(str, frame.columns))}")
    if encoding.lower().replace("-", "").replace("_", "") not in (
            "gbk", "cp936", "gb18030", "utf8", "utf8sig"):
        raise ConfigError(f"encoding {encoding!r} is not one coordinate files use",
                          fix='write encoding="gbk" or "utf-8"')


def _plan(out: Path, keys: Sequence[str], rows: Sequence[int], *, overwrite: bool
          ) -> list[tuple[Path, list[int]]]:
    """Group rows into files named by their key; refuse to overwrite unless asked."""
    files: dict[str, list[int]] = {}
    for i in rows:
        files.setdefault(keys[i], []).append(i)
    names = UniqueNames()
    targets: list[tuple[Path, list[int]]] = []
    for key, members in files.items():
        stem = names.take(safe_name(key, fallback="parcels"))
        targets.append((out / f"{stem}.txt", members))
    existing = [str(p) for p, _ in targets if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(f"{len(existing)} coordinate file(s) exist, e.g. {existing[0]}",
                                path=str(out), fix="choose another folder or pass overwrite")
    return targets


def _encode(text: str, encoding: str, target: Path, problems: list[Problem]) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as ex:
        problems.append(Problem(str(target), f"written as GB18030: {text[ex.start]!r} is not "
                                f"in {encoding.upper()}", "", "info", kind="txt_encoding"))
        return text.encode("gb18030")


def write_coordtxt(
    frame: gpd.GeoDataFrame,
    folder: str | os.PathLike[str],
    *,
    id_field: str,
    name_field: str,
    use_field: str | None = None,
    code_field: str | None = None,
    sheet_field: str | None = None,
    area_field: str | None = None,
    group_field: str | None = None,
    crs: str | None = None,
    encoding: str = "gbk",
    producer: str = "redline",
    made_on: date | None = None,
    decimals: int = 3,
    overwrite: bool = False,
) -> tuple[list[Path], list[Problem]]:
    """Write parcels (findings, cases, projects) as coordinate TXT files.

    Parameters
    ----------
    frame
        Polygons with a CRS; rows whose geometry is missing, empty or not polygonal
        are not written (each is a problem in the result).
    folder
        Created if missing.
    id_field, name_field, use_field, code_field, sheet_field
        Columns written as 地块编号, 地块名称, 地块用途, 地类编码 and 图幅号.
    area_field
        A column of areas in m2 written (in 公顷) as 地块面积; when None, the
        ellipsoidal (GRS80) area of each geometry.
    group_field
        One file per value of this column (a project), its rows as parcels; when
        None, one file per row (a case), named by its id.
    crs
        The Gauss-Kruger zone to write in; the frame's when it is one, else the
        zone-prefixed CGCS2000 3-degree zone of the data's centre.
    encoding
        ``gbk`` (the usual) or ``utf-8``; a GBK file holding characters GBK lacks is
        written as GB18030 and a problem says so.
    producer, made_on, decimals
        数据产生单位, 数据产生日期 (today when None), and the decimals of coordinates
        (3: millimetres, written as 精度=0.001).
    overwrite
        Replace files of the same names.

    Returns
    -------
    tuple
        The files written, and the problems (rows not written, encodings changed).

    Raises
    ------
    ConfigError
        A field named is not a column, or ``encoding`` is unknown.
    CRSError
        The frame has no CRS, or ``crs`` is no Chinese Gauss-Kruger zone.
    OutputExistsError
        A file to write exists and ``overwrite`` is false (nothing is written).
    """
    _check_write_args(frame, {"id_field": id_field, "name_field": name_field,
                              "use_field": use_field, "code_field": code_field,
                              "sheet_field": sheet_field, "area_field": area_field,
                              "group_field": group_field}, encoding)
    out_crs = _write_crs(frame, crs)
    data = frame.to_crs(out_crs)
    geoms = np.asarray(data.geometry.array, dtype=object)
    ok = np.array([g is not None and not shapely.is_empty(g)
                   and shapely.get_type_id(g) in (3, 6) for g in geoms], dtype=bool)

    def column(col: str | None) -> list[str]:
        return [_text(v) for v in data[col]] if col is not None else [""] * len(data)

    ids, names, uses = column(id_field), column(name_field), column(use_field)
    codes, sheets = column(code_field), column(sheet_field)
    problems = [Problem(str(folder), f"row {ids[i] or i} has no polygon: not written", "",
                        "warning", feature_id=ids[i], kind="txt_not_written")
                for i in np.flatnonzero(~ok)]
    rows = [int(i) for i in np.flatnonzero(ok)]
    if area_field is not None:
        areas_ha = (pd.to_numeric(data[area_field], errors="coerce") / 10_000.0).tolist()
    else:
        areas_ha = [math.nan] * len(data)
        for i, a in zip(rows, _areas_ha([geoms[i] for i in rows], out_crs), strict=True):
            areas_ha[i] = a
    out = Path(folder)
    targets = _plan(out, column(group_field) if group_field is not None else ids, rows,
                    overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    head = _header(out_crs, producer=producer, made_on=made_on or date.today(),
                   decimals=decimals)
    written: list[Path] = []
    for target, members in targets:
        lines = list(head)
        for i in members:
            points = _parcel_lines(geoms[i], decimals)
            area = "" if math.isnan(areas_ha[i]) else f"{areas_ha[i]:.4f}"
            lines.append(f"{len(points)},{area},{ids[i]},{names[i]},面,{sheets[i]},{uses[i]},"
                         f"{codes[i]},@")
            lines.extend(points)
        payload = _encode("\r\n".join(lines) + "\r\n", encoding, target, problems)
        written.append(write_bytes(target, payload))
    return written, problems
