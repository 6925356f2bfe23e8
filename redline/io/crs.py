"""CRSs of county layers: inferring a missing one, choosing the working zone.

CGCS2000 3-degree Gauss-Kruger zones: with the zone number prefixed to X,
zone n is EPSG:(4488 + n) for n in 25..45 (EPSG:4513-4533); without the prefix
they are EPSG:4534-4554 (central meridians 75E..135E).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError
from pyproj.exceptions import ProjError

from redline.errors import CRSError

GEOGRAPHIC: Final[str] = "EPSG:4490"
#: Zone numbers of the CGCS2000 3-degree GK zones with an EPSG code.
ZONES: Final[range] = range(25, 46)

Bounds = tuple[float, float, float, float]

#: Two layers of one county whose extents, each grown by this many metres, do not
#: meet are taken to disagree on CRS. Layers of one county may cover different
#: parts of it (tens of km apart), while a wrong zone moves a layer by ~250 km
#: and a wrong prefix or unit by far more.
OVERLAP_MARGIN_M: Final[float] = 20_000.0


#: Degrees a CRS's area of use is grown by before a coordinate is taken to lie outside it:
#: a county's data may spill over its zone's edge, a wrong unit or CRS misses by far more.
AREA_MARGIN_DEG: Final[float] = 3.0

#: Largest coordinate, in metres, of a projected CRS that declares no area of use (the
#: Earth's circumference is 4e7 m; an 8-digit Gauss-Kruger X is under 1e8).
MAX_METRES: Final[float] = 1e8


@functools.lru_cache(maxsize=64)
def crs_extent(crs: str) -> Bounds | None:
    """Return the box, in the CRS's own units, its coordinates may lie in (None: unknown).

    The CRS's area of use grown by :data:`AREA_MARGIN_DEG` degrees, in its coordinates;
    for a CRS declaring none, the whole Earth (degrees) or :data:`MAX_METRES`.

    Examples
    --------
    >>> x0, y0, x1, y1 = crs_extent("EPSG:4529")  # zone 41, X prefixed: 41 xxx xxx m
    >>> 41_000_000 < x0 < 41_500_000 < x1 < 42_000_000
    True
    >>> crs_extent("EPSG:4490")
    (70.62, 13.7, 137.77, 56.56)
    """
    try:
        parsed = CRS.from_user_input(crs)
    except ProjCRSError:
        return None
    area = parsed.area_of_use
    if area is None:
        whole = (-180.0, -90.0, 180.0, 90.0)
        return whole if parsed.is_geographic else (-MAX_METRES, -MAX_METRES, MAX_METRES,
                                                   MAX_METRES)
    m = AREA_MARGIN_DEG
    west, south = max(area.west - m, -180.0), max(area.south - m, -90.0)
    east, north = min(area.east + m, 180.0), min(area.north + m, 90.0)
    if parsed.is_geographic:
        return (round(west, 6), round(south, 6), round(east, 6), round(north, 6))
    try:
        tr = Transformer.from_crs(GEOGRAPHIC, parsed, always_xy=True)
        box = tr.transform_bounds(west, south, east, north, densify_pts=41)
    except ProjError:
        box = (np.nan,) * 4
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3])) if np.all(
        np.isfinite(box)) else None


def zone_crs(zone: int) -> str:
    """Return the zone-prefixed CGCS2000 3-degree GK CRS of ``zone`` (``41 -> "EPSG:4529"``)."""
    if zone not in ZONES:
        raise CRSError(
            f"3-degree zone {zone} is outside China's zones 25-45",
            fix="give the layer's CRS as `crs` in redline.toml",
        )
    return f"EPSG:{4488 + zone}"


def gk_zone(crs: CRS | str | None) -> int | None:
    """Return the 3-degree zone of a CGCS2000 GK CRS (prefixed or not), else ``None``."""
    if crs is None:
        return None
    try:
        code = CRS.from_user_input(crs).to_epsg()
    except ProjCRSError:
        return None
    if code is None:
        return None
    if 4513 <= code <= 4533:
        return code - 4488
    if 4534 <= code <= 4554:
        return code - 4534 + 25
    return None


def parse_crs(value: str, *, path: str) -> str:
    """Check a user-given CRS (``"EPSG:4529"``, ``"4529"``, WKT) and return it as text.

    Raises
    ------
    CRSError
        ``value`` is not a CRS pyproj knows.
    """
    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        CRS.from_user_input(text)
    except ProjCRSError as ex:
        raise CRSError(
            f"crs {value!r} is not a known CRS",
            path=path,
            fix='write an EPSG code such as "EPSG:4529"',
        ) from ex
    return text


def infer_crs(bounds: Bounds) -> tuple[str | None, str]:
    """Guess the CRS of a layer with none from its coordinate bounds.

    Returns
    -------
    tuple
        The CRS (``None`` when it cannot be inferred) and the reason, in words.

    Examples
    --------
    >>> infer_crs((41_500_000, 4_550_000, 41_510_000, 4_560_000))[0]
    'EPSG:4529'
    >>> infer_crs((122.9, 40.8, 123.1, 41.0))[0]
    'EPSG:4490'
    """
    x0, y0, x1, y1 = bounds
    if not np.all(np.isfinite([x0, y0, x1, y1])):
        return None, "the layer has no coordinates"
    if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
        return GEOGRAPHIC, "coordinates are in degrees: CGCS2000 geographic (EPSG:4490)"
    zone0, zone1 = int(x0 // 1_000_000), int(x1 // 1_000_000)
    if x0 >= 10_000_000 and x1 < 100_000_000 and zone0 == zone1:
        if zone0 in ZONES:
            crs = zone_crs(zone0)
            return crs, (f"X has 8 digits with zone prefix {zone0}: CGCS2000 3-degree GK "
                         f"zone {zone0} ({crs})")
        return None, f"X has 8 digits but prefix {zone0} is not a zone in China (25-45)"
    if x0 >= 100_000 and x1 < 1_000_000:
        return None, ("X has 6 digits (no zone prefix): the central meridian cannot be "
                      "inferred")
    return None, f"coordinates X {x0:.0f}..{x1:.0f} fit no CGCS2000 zone or degrees"


def centre_lon(bounds: Iterable[tuple[Bounds, str]]) -> float | None:
    """Longitude of the centre of all ``(bounds, crs)`` pairs, or ``None`` if none."""
    lons: list[float] = []
    for (x0, y0, x1, y1), crs in bounds:
        if not np.all(np.isfinite([x0, y0, x1, y1])):
            continue
        tr = Transformer.from_crs(CRS.from_user_input(crs), GEOGRAPHIC, always_xy=True)
        lon, _ = tr.transform((x0 + x1) / 2, (y0 + y1) / 2)
        if np.isfinite(lon):
            lons.append(float(lon))
    return float(np.median(lons)) if lons else None


def working_crs(crss: Sequence[str], lon: float | None) -> str:
    """Return the dataset's working CRS: a zone-prefixed CGCS2000 GK zone (EPSG:4513-4533).

    The zone the layers are declared in, when they agree on one; else the zone
    of the data's centre longitude (``zone = round(lon / 3)``).

    Raises
    ------
    CRSError
        No layer has a zone and no centre longitude is known, or it lies
        outside China's zones.
    """
    zones = {gk_zone(c) for c in crss}
    if len(zones) == 1 and None not in zones:
        (zone,) = zones
        assert zone is not None
        return zone_crs(zone)
    if lon is None:
        raise CRSError(
            "no layer has coordinates to choose a working CRS from",
            fix="give the dataset's CRS as `crs` in redline.toml",
        )
    return zone_crs(round(lon / 3))


def boxes_overlap(a: Bounds, b: Bounds, *, margin: float = 0.0) -> bool:
    """Tell whether two bounding boxes, each grown by ``margin``, intersect (touching counts)."""
    m = 2 * margin
    return not (a[2] + m < b[0] or b[2] + m < a[0] or a[3] + m < b[1] or b[3] + m < a[1])
