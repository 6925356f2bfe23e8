"""Deterministic synthetic counties: the committed samples and benchmark-sized datasets.

Every county is made from one seed by a numpy ``Generator``: the same seed gives the
same features, attributes and coordinates on every run. Land (三调 DLTB-like patches) is a
tessellation of jittered points (Voronoi) or, for large counties, a perturbed grid,
clipped to a smooth county outline and cut by township lines. Parcels (approvals, supply,
change patches) are rotated rectangles on a coarse grid of sites, all "clean" (covered,
supplied, started on time), plus *planted cases* in square slots of 300 m whose land is
designed so each case triggers exactly the rules it is meant to (``planted.json``).

Regenerate the committed samples with ``python -m redline.samples data/samples``.

Examples
--------
>>> import tempfile
>>> from redline.samples import make_county
>>> info = make_county(tempfile.mkdtemp(), name="demo", admin_code="210302", seed=1,
...                    n_farmland=400, n_parcels=40, evidence="none", plant=False)
>>> info.counts["approvals"]  # one approval per parcel site
40
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from numpy.typing import NDArray

from redline.analysis.areas import ellipsoidal_area
from redline.errors import ConfigError
from redline.schema import STANDARD_FIELDS

log = logging.getLogger(__name__)

#: CRS of every sample: CGCS2000 3-degree Gauss-Kruger zone 41 (X with zone prefix, CM 123E).
CRS: Final[str] = "EPSG:4529"
#: The as-of date the planted idle-land and approval cases are built around.
AS_OF: Final[dt.date] = dt.date(2026, 6, 30)
#: Side of a planted-case slot and the spacing of the slot grid, in metres.
SLOT_M: Final[float] = 300.0
SLOT_SPACING_M: Final[float] = 400.0
#: Value written in the DBF header "last update" bytes, so that shapefiles are byte-stable.
_DBF_DATE: Final[bytes] = bytes([AS_OF.year - 1900, AS_OF.month, AS_OF.day])

Style = Literal["standard", "canonical", "short"]
Fmt = Literal["shp", "gpkg"]
EvidenceKind = Literal["class", "probability", "none"]

#: 三调 land classes used, with their Chinese names (DLMC).
LAND_NAMES: Final[dict[str, str]] = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0301": "乔木林地",
    "0305": "灌木林地", "0404": "其他草地", "05H1": "商业服务业设施用地", "0601": "工业用地",
    "0701": "城镇住宅用地", "0702": "农村宅基地", "08H1": "机关团体新闻出版用地",
    "1003": "公路用地", "1006": "农村道路", "1101": "河流水面", "1104": "坑塘水面",
}
_CODES: Final[tuple[str, ...]] = tuple(LAND_NAMES)
# Class weights of rural, urban and hilly land, in the order of _CODES.
_RURAL = np.array([.25, .15, .30, .03, .03, .01, .03, 0, .02, 0, .08, 0, .02, .04, .01, .03])
_URBAN = np.array([0, 0, .03, 0, 0, 0, .05, .15, .30, .30, 0, .10, .07, 0, 0, 0])
_HILLS = np.array([0, 0, .06, .10, .55, .15, .10, 0, 0, 0, .02, 0, 0, .02, 0, 0])

#: Land uses of supplied land: Chinese names used by GBK/UTF-8 Chinese-valued layers.
USE_NAMES: Final[dict[str, str]] = {
    "0601": "工业用地", "05H1": "商服用地", "0701": "城镇住宅用地", "08H1": "08H1", "1003": "1003",
}
#: Supply methods: canonical value -> Chinese.
METHOD_NAMES: Final[dict[str, str]] = {
    "allocation": "划拨", "negotiation": "协议出让", "tender": "招标", "auction": "拍卖",
    "listing": "挂牌",
}
_INDUSTRIES_ZH = ("食品制造业", "纺织业", "化学原料和化学制品制造业", "通用设备制造业",
                  "金属制品业")
_INDUSTRIES_EN = ("food", "textiles", "chemicals", "general equipment", "metal products")
_STATE_COUNCIL = {"zh": "国务院", "en": "State Council"}
_PROVINCE = {"zh": "辽宁省人民政府", "en": "Liaoning Provincial Government"}
GOVERNMENT_DELAY: Final[str] = "政府原因未按期交地"

APPROVAL_COLS: Final = ("approval_id", "doc_no", "approved_on", "authority",
                        "basic_farmland_approved", "project")
SUPPLY_COLS: Final = ("supply_id", "project", "supply_method", "land_use", "contract_on",
                      "start_agreed_on", "started_on", "price", "invest_total", "invest_done",
                      "built_area_ratio", "delay_cause", "plot_ratio", "building_coefficient",
                      "green_ratio", "office_share", "industry")
CHANGE_COLS: Final = ("change_id", "detected_on", "land_code")
_DATE_COLS: Final = frozenset({"approved_on", "contract_on", "start_agreed_on", "started_on",
                               "detected_on", "completed_on"})


@dataclass(frozen=True)
class CountySpec:
    """How one committed sample county is made."""

    name: str
    admin_code: str
    county_name: str
    townships: tuple[tuple[str, str], ...]  # (3-digit suffix, Chinese name)
    origin: tuple[float, float]
    seed: int
    n_farmland: int
    n_parcels: int
    fmt: Fmt
    style: Style
    evidence: EvidenceKind
    urban: float
    change_share: float
    recent_share: float
    recent_on_farmland: bool = True
    messy: bool = False
    farmland_target_factor: float = 0.98
    accountability_over: bool | None = None


#: The three committed sample counties (data/README.md describes each).
SAMPLES: Final[dict[str, CountySpec]] = {
    "tiedong": CountySpec(
        "tiedong", "210302", "铁东区",
        (("001", "解放街道"), ("002", "山南街道"), ("003", "站前街道"), ("004", "新兴街道"),
         ("005", "东长甸街道"), ("006", "长甸街道"), ("007", "园林街道"), ("008", "旧堡街道")),
        (41_505_000.0, 4_551_000.0), 2103021, 2400, 220, "shp", "standard", "class",
        urban=0.55, change_share=0.9, recent_share=0.02, recent_on_farmland=False,
        farmland_target_factor=0.97, accountability_over=True),
    "tiexi": CountySpec(
        "tiexi", "210303", "铁西区",
        (("001", "兴盛街道"), ("002", "繁荣街道"), ("003", "永发街道"), ("004", "八家子街道"),
         ("005", "大陆街道"), ("006", "共和街道"), ("007", "北陶官街道"), ("008", "宁远街道")),
        (41_492_000.0, 4_553_000.0), 2103031, 2400, 260, "gpkg", "canonical", "probability",
        urban=0.35, change_share=0.8, recent_share=0.6, accountability_over=False),
    "haicheng": CountySpec(
        "haicheng", "210381", "海城市",
        (("001", "海州管理区"), ("002", "东四管理区"), ("003", "响堂管理区"), ("101", "岔沟镇"),
         ("102", "腾鳌镇"), ("103", "牛庄镇"), ("104", "西柳镇"), ("105", "感王镇"),
         ("106", "析木镇"), ("107", "耿庄镇")),
        (41_482_000.0, 4_534_000.0), 2103811, 2800, 260, "shp", "short", "class",
        urban=0.2, change_share=0.7, recent_share=0.8, messy=True, farmland_target_factor=1.02,
        accountability_over=False),
}


@dataclass
class County:
    """A county in memory: canonical frames per role (in :data:`CRS`) and what was planted."""

    name: str
    admin_code: str
    county_name: str
    layers: dict[str, gpd.GeoDataFrame]
    targets: pd.DataFrame
    outline: shapely.Geometry
    burns: list[tuple[shapely.Geometry, float]]
    planted: list[dict[str, Any]]


@dataclass
class CountyInfo:
    """What :func:`make_county` wrote."""

    path: Path  # the dataset: a folder (shapefiles or a GeoPackage beside targets.csv)
    files: list[Path]
    counts: dict[str, int]
    planted: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- geometry

def _outline(rng: np.random.Generator, origin: tuple[float, float],
             area: float) -> shapely.Geometry:
    """Make a smooth, star-shaped county outline of about ``area`` m2 around ``origin``."""
    amp = np.array([0.12, 0.08, 0.05])
    freq = np.array([3, 5, 7])
    phase = rng.uniform(0, 2 * np.pi, 3)
    theta = np.linspace(0, 2 * np.pi, 257)[:-1]
    shape = 1 + (amp[:, None] * np.sin(freq[:, None] * theta + phase[:, None])).sum(axis=0)
    radius = math.sqrt(area / (math.pi * (1 + 0.5 * float((amp**2).sum()))))
    r = radius * shape
    xy = np.column_stack([origin[0] + r * np.cos(theta), origin[1] + r * np.sin(theta)])
    return shapely.polygons(np.round(xy, 3))


def _polygonal(geoms: NDArray[Any]) -> NDArray[Any]:
    """Keep only the polygonal parts of each geometry (collections from clipping)."""
    out = np.asarray(geoms, dtype=object).copy()
    kind = shapely.get_type_id(out)
    odd = np.flatnonzero((kind != 3) & (kind != 6) & ~shapely.is_empty(out))
    if len(odd):
        parts, idx = shapely.get_parts(out[odd], return_index=True)
        keep = shapely.get_type_id(parts) == 3
        fixed = np.full(len(odd), shapely.from_wkt("POLYGON EMPTY"), dtype=object)
        if keep.any():
            made = shapely.multipolygons(parts[keep], indices=idx[keep])
            fixed[np.unique(idx[keep])] = made
        out[odd] = fixed
    return out


def _clip(geoms: NDArray[Any], mask: shapely.Geometry) -> NDArray[Any]:
    """Clip geometries to a polygon; those wholly inside are kept as they are."""
    shapely.prepare(mask)
    inside = shapely.contains_properly(mask, geoms)
    out = np.asarray(geoms, dtype=object).copy()
    edge = np.flatnonzero(~inside)
    if len(edge):
        out[edge] = _polygonal(shapely.intersection(geoms[edge], mask))
    return out


def _tessellate(rng: np.random.Generator, outline: shapely.Geometry, cell: float,
                *, voronoi_max: int = 20_000) -> NDArray[Any]:
    """Non-overlapping patches covering ``outline``: Voronoi, or a perturbed grid when large."""
    x0, y0, x1, y1 = shapely.bounds(outline)
    nx, ny = int((x1 - x0) // cell) + 2, int((y1 - y0) // cell) + 2
    if nx * ny <= voronoi_max:
        gx, gy = np.meshgrid(x0 + cell * (np.arange(nx) + 0.5), y0 + cell * (np.arange(ny) + 0.5))
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        pts = pts + rng.uniform(-0.4, 0.4, (nx * ny, 2)) * cell
        env = shapely.box(x0 - 2 * cell, y0 - 2 * cell, x1 + 2 * cell, y1 + 2 * cell)
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=env, ordered=True)
        )
    else:
        gx, gy = np.meshgrid(x0 + cell * np.arange(nx + 1), y0 + cell * np.arange(ny + 1))
        vx = gx + rng.uniform(-0.25, 0.25, gx.shape) * cell
        vy = gy + rng.uniform(-0.25, 0.25, gy.shape) * cell
        corner = [(slice(0, -1), slice(0, -1)), (slice(0, -1), slice(1, None)),
                  (slice(1, None), slice(1, None)), (slice(1, None), slice(0, -1))]
        ring = np.stack([np.stack([vx[a, b].ravel(), vy[a, b].ravel()], axis=1)
                         for a, b in corner], axis=1)
        cells = shapely.polygons(ring)
    shapely.prepare(outline)
    cells = cells[shapely.intersects(outline, cells)]
    cells = _clip(cells, outline)
    return cells[~shapely.is_empty(cells) & (shapely.area(cells) > 1.0)]


def _townships(rng: np.random.Generator, outline: shapely.Geometry, k: int) -> NDArray[Any]:
    """``k`` townships: Voronoi cells of jittered seeds inside the outline, clipped to it."""
    x0, y0, x1, y1 = shapely.bounds(outline)
    step = math.sqrt(shapely.area(outline) / k)
    for _ in range(50):
        gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        pts = pts + rng.uniform(-0.3, 0.3, pts.shape) * step
        pts = pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]
        if len(pts) >= k:
            pts = pts[np.sort(rng.permutation(len(pts))[:k])]
            break
        step *= 0.93
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(pts), extend_to=shapely.buffer(outline, step), ordered=True))
    return _clip(cells, outline)


def _overlay(patches: NDArray[Any], zones: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp],
                                                                   NDArray[np.intp]]:
    """Cut patches by zones (a partition): pieces, their patch index and zone index."""
    tree = shapely.STRtree(zones)
    pi, zi = tree.query(patches, predicate="intersects")
    inside = shapely.contains_properly(zones[zi], patches[pi])
    pieces = np.asarray(patches[pi], dtype=object).copy()
    cut = np.flatnonzero(~inside)
    if len(cut):
        pieces[cut] = _polygonal(shapely.intersection(patches[pi[cut]], zones[zi[cut]]))
    keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 1.0)
    order = np.lexsort((zi[keep], pi[keep]))
    return pieces[keep][order], pi[keep][order], zi[keep][order]


def _rects(cx: NDArray[Any], cy: NDArray[Any], angle: NDArray[Any],  # noqa: PLR0917
           x0: NDArray[Any], x1: NDArray[Any], y0: NDArray[Any], y1: NDArray[Any],
           ) -> NDArray[Any]:
    """Rectangles given in each site's local frame, rotated by ``angle`` about (cx, cy)."""
    lx = np.stack([x0, x1, x1, x0], axis=1)
    ly = np.stack([y0, y0, y1, y1], axis=1)
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    wx = cx[:, None] + lx * c - ly * s
    wy = cy[:, None] + lx * s + ly * c
    return shapely.polygons(np.stack([np.round(wx, 3), np.round(wy, 3)], axis=2))


# --------------------------------------------------------------------------- planted cases

# Slot land layouts: land code and basic-farmland flag of the quadrants LL, LR, UL, UR.
_LAYOUTS: Final[dict[str, tuple[tuple[str, bool], ...]]] = {
    "basic": (("0101", True), ("0102", True), ("0101", True), ("0102", True)),
    "farm": (("0103", False),) * 4,
    "split": (("0103", False), ("0301", False), ("0103", False), ("0301", False)),
    "built": (("0601", False), ("0701", False), ("05H1", False), ("1003", False)),
    "edge": (("0101", True), ("0601", False), ("0101", True), ("0601", False)),
    "edgefarm": (("0103", False), ("0601", False), ("0103", False), ("0601", False)),
    "grass": (("0404", False),) * 4,
}
_QUADRANTS: Final = ((0, 0, 150, 150), (150, 0, 300, 150), (0, 150, 150, 300), (150, 150, 300, 300))
_MM: Final[float] = 0.001  # a digitising offset of 1 mm


def _d(text: str) -> np.datetime64:
    return np.datetime64(text, "D")


_NAT = np.datetime64("NaT", "D")


@dataclass
class _Case:
    tag: str
    layout: str
    approvals: list[dict[str, Any]] = field(default_factory=list)
    supply: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    burns: list[tuple[shapely.Geometry, float]] = field(default_factory=list)
    expect: list[tuple[str, str, str, bool, str]] = field(default_factory=list)
    township_line: bool = False
    bad_land: bool = False


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    return shapely.box(x0, y0, x1, y1)


_PARCEL = _box(60, 60, 240, 240)


def _approval(aid: str, geom: shapely.Geometry, on: str, *, state_council: bool = False,
              bf: bool = False) -> dict[str, Any]:
    return {"approval_id": aid, "approved_on": _d(on), "state_council": state_council,
            "basic_farmland_approved": bf, "geometry": geom}


def _supply(sid: str, geom: shapely.Geometry, *, method: str = "listing", use: str = "0701",
            contract: str, agreed: str | None, started: str | None, built: float = 0.9,
            invest: float = 0.9, delay: str | None = None,
            industrial: tuple[float, float, float, float] = (1.4, 0.45, 0.12, 0.05),
            industry: int = 3) -> dict[str, Any]:
    row: dict[str, Any] = {
        "supply_id": sid, "supply_method": method, "land_use": use,
        "contract_on": _d(contract), "start_agreed_on": _d(agreed) if agreed else _NAT,
        "started_on": _d(started) if started else _NAT,
        "built_area_ratio": built if started else 0.0, "invest_ratio": invest if started else 0.0,
        "delay_cause": delay, "industry_i": industry if use == "0601" else -1,
        "geometry": geom,
    }
    keys = ("plot_ratio", "building_coefficient", "green_ratio", "office_share")
    for key, value in zip(keys, industrial, strict=True):
        row[key] = value if use == "0601" else np.nan
    return row


def _change(cid: str, geom: shapely.Geometry, *, on: str = "2026-04-18",
            code: str = "0601") -> dict[str, Any]:
    return {"change_id": cid, "detected_on": _d(on), "land_code": code, "geometry": geom}


def _cases(code: str, *, messy: bool) -> list[_Case]:  # noqa: PLR0915 -- a table of cases
    """Every planted case, in slot-local coordinates (0..300 m)."""
    c = code
    cases: list[_Case] = []

    def add(tag: str, layout: str, **kw: Any) -> _Case:
        case = _Case(tag, layout, **kw)
        cases.append(case)
        return case

    def supplied(tag: str, note: str, rules: list[tuple[str, bool]], *, approve: str = "",
                 burn: float | None = 1.0, **kw: Any) -> _Case:
        """Add a supply parcel with an approval of the same shape, on construction land."""
        case = add(tag, "built")
        sid = f"{c}-{tag}-S"
        row = _supply(sid, _PARCEL, **kw)
        case.supply.append(row)
        contract = row["contract_on"]
        case.approvals.append(_approval(
            f"{c}-{tag}-A", _PARCEL, approve or str(contract - np.timedelta64(120, "D"))))
        if burn:
            case.burns.append((_PARCEL, burn))
        for rule, expected in rules:
            case.expect.append((rule, "supply", sid, expected, note))
        return case

    # basic_farmland_encroachment
    case = add("BFE1", "basic")
    case.approvals.append(_approval(f"{c}-BFE1-A", _PARCEL, "2026-02-10"))
    case.expect.append(("basic_farmland_encroachment", "approvals", f"{c}-BFE1-A", True,
                        "provincial approval on basic farmland, basic_farmland_approved false"))
    case = add("BFE2", "basic")
    case.approvals.append(_approval(f"{c}-BFE2-A", _PARCEL, "2025-09-15"))
    case.supply.append(_supply(f"{c}-BFE2-S", _PARCEL, use="0601", contract="2025-11-20",
                               agreed="2026-04-01", started="2026-04-20", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect += [
        ("basic_farmland_encroachment", "approvals", f"{c}-BFE2-A", True,
         "provincial approval on basic farmland"),
        ("basic_farmland_encroachment", "supply", f"{c}-BFE2-S", True,
         "supplied on basic farmland under an approval without basic_farmland_approved"),
    ]
    case = add("BFE3", "basic")
    case.approvals.append(_approval(f"{c}-BFE3-A", _PARCEL, "2025-08-01", state_council=True,
                                    bf=True))
    case.supply.append(_supply(f"{c}-BFE3-S", _PARCEL, use="0601", contract="2025-10-10",
                               agreed="2026-03-01", started="2026-03-20", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect += [
        ("basic_farmland_encroachment", "approvals", f"{c}-BFE3-A", False,
         "State Council approval with basic_farmland_approved true: lawful"),
        ("basic_farmland_encroachment", "supply", f"{c}-BFE3-S", False,
         "covered by the State Council approval BFE3-A"),
    ]
    # supply_without_approval
    case = add("SWA1", "farm")
    case.supply.append(_supply(f"{c}-SWA1-S", _PARCEL, use="0601", contract="2025-10-10",
                               agreed="2026-03-01", started="2026-03-15", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect.append(("supply_without_approval", "supply", f"{c}-SWA1-S", True,
                        "supplied on farmland (0103), no approval anywhere near"))
    case = add("SWA2", "built")
    case.supply.append(_supply(f"{c}-SWA2-S", _PARCEL, use="0601", contract="2025-10-10",
                               agreed="2026-03-01", started="2026-03-15", built=0.5, invest=0.5))
    case.burns.append((_PARCEL, 1.0))
    case.expect.append(("supply_without_approval", "supply", f"{c}-SWA2-S", False,
                        "no approval, but on construction land, not farmland"))
    # unapproved_construction
    uc = "unapproved_construction"
    case = add("UC1", "basic")
    case.changes.append(_change(f"{c}-UC1", _box(120, 120, 170, 160)))
    case.expect.append((uc, "changes", f"{c}-UC1", True,
                        "2000 m2 wholly on basic farmland (3 mu: under the criminal threshold)"))
    case = add("UC2", "split")
    case.changes.append(_change(f"{c}-UC2", _box(110, 100, 190, 150)))
    case.expect.append((uc, "changes", f"{c}-UC2", True,
                        "4000 m2: 2000 on other farmland (0103), 2000 on other land (0301)"))
    case = add("UC3", "farm")
    case.approvals += [_approval(f"{c}-UC3-A1", _box(40, 100, 130, 200), "2026-04-01"),
                       _approval(f"{c}-UC3-A2", _box(110, 100, 180, 200), "2026-04-15")]
    case.changes.append(_change(f"{c}-UC3", _box(60, 120, 240, 180)))
    case.expect.append((uc, "changes", f"{c}-UC3", True,
                        "10800 m2 on farmland, 7200 covered by two overlapping approvals "
                        "(UC3-A1, UC3-A2): only the uncovered 3600 m2 is unapproved"))
    case = add("UC4", "grass", township_line=True)
    case.changes.append(_change(f"{c}-UC4", _box(110, 120, 190, 180), code="0702"))
    case.expect.append((uc, "changes", f"{c}-UC4", True,
                        "4800 m2 on grassland across a township line: one finding per township"))
    case = add("UC5", "farm")
    case.approvals.append(_approval(f"{c}-UC5-A", _box(60, 80, 150, 220), "2026-03-20"))
    case.changes.append(_change(f"{c}-UC5", _box(150, 120, 210, 180)))
    case.expect.append((uc, "changes", f"{c}-UC5", True,
                        "3600 m2 on farmland, touching approval UC5-A along one edge "
                        "(not covered)"))
    # criminal_threshold: per patch, 5 mu = 3333.33 m2 on basic, 10 mu = 6666.67 m2 other
    cr = "criminal_threshold"
    for tag, layout, box, hit, note in (
        ("CR1", "basic", _box(100, 100, 180, 150), True, "4000 m2 (6.0 mu) on basic farmland"),
        ("CR2", "basic", _box(100, 100, 166, 150), False,
         "3300 m2 (4.95 mu) on basic farmland: just under 5 mu"),
        ("CR3", "farm", _box(100, 100, 200, 170), True, "7000 m2 (10.5 mu) on other farmland"),
        ("CR4", "farm", _box(100, 100, 200, 166), False,
         "6600 m2 (9.9 mu) on other farmland: just under 10 mu"),
    ):
        case = add(tag, layout)
        case.changes.append(_change(f"{c}-{tag}", box))
        case.expect += [(uc, "changes", f"{c}-{tag}", True, note),
                        (cr, "changes", f"{c}-{tag}", hit, note)]
    # idle land at AS_OF = 2026-06-30 (not started, residential land sold by listing)
    for tag, rule, hit, agreed, contract, note in (
        ("IDLE1", "idle_1y", True, "2025-06-30", "2024-12-30",
         "agreed start 2025-06-30, not started: exactly one full year at 2026-06-30"),
        ("IDLE2", "idle_1y", False, "2025-07-01", "2024-12-30",
         "agreed start 2025-07-01, not started: one day short of a full year"),
        ("IDLE3", "idle_2y", True, "2024-02-29", "2023-09-01",
         "agreed start on the leap day 2024-02-29, not started: over two years"),
        ("IDLE4", "idle_2y", True, "2024-06-30", "2023-12-30",
         "agreed start 2024-06-30, not started: exactly two full years"),
        ("IDLE5", "idle_1y", True, None, "2024-05-20",
         "no agreed start: clock from contract 2024-05-20 + 1 year = 2025-05-20"),
    ):
        supplied(tag, note, [(rule, hit)], contract=contract, agreed=agreed, started=None,
                 burn=None)
    supplied("IDLE6", "agreed start 2023-05-01, not started, delayed by the government "
             f"({GOVERNMENT_DELAY}): excused", [("idle_1y", False), ("idle_2y", False)],
             contract="2022-11-01", agreed="2023-05-01", started=None, delay=GOVERNMENT_DELAY,
             burn=None)
    case = supplied("IDLE7", "started 2025-04-01 (agreed 2025-03-01) but stalled: built area "
                    "ratio 0.2 < 1/3, investment 15% < 25%, nothing since 2025-05",
                    [("idle_1y", True)], contract="2024-09-01", agreed="2025-03-01",
                    started="2025-04-01", built=0.2, invest=0.15, burn=None)
    case.burns.append((_box(60, 60, 240, 96), 1.0))  # a fifth of the parcel built
    # approved_not_supplied (older than 2 full years at AS_OF)
    case = add("ANS1", "built")
    case.approvals.append(_approval(f"{c}-ANS1-A", _PARCEL, "2023-03-15"))
    case.expect.append(("approved_not_supplied", "approvals", f"{c}-ANS1-A", True,
                        "approved 2023-03-15, nothing supplied"))
    case = add("ANS2", "built")
    case.approvals.append(_approval(f"{c}-ANS2-A", _box(40, 60, 260, 240), "2022-11-01"))
    case.supply.append(_supply(f"{c}-ANS2-S", _box(40, 60, 150, 240), contract="2023-05-01",
                               agreed="2023-09-01", started="2023-09-15"))
    case.burns.append((_box(40, 60, 150, 240), 1.0))
    case.expect.append(("approved_not_supplied", "approvals", f"{c}-ANS2-A", True,
                        "approved 2022-11-01, half supplied (ANS2-S): 110 x 180 m unsupplied"))
    case = add("ANS3", "built")
    case.approvals.append(_approval(f"{c}-ANS3-A", _PARCEL, "2025-01-10"))
    case.expect.append(("approved_not_supplied", "approvals", f"{c}-ANS3-A", False,
                        "approved 2025-01-10: under two years"))
    # supply policy
    for tag, use, hit in (("ALC1", "05H1", True), ("ALC2", "0701", True), ("ALC3", "08H1", False)):
        supplied(tag, f"allocation (划拨) for land use {use}", [("allocation_misuse", hit)],
                 method="allocation", use=use, contract="2019-04-01", agreed="2019-10-01",
                 started="2019-09-20")
    supplied("IND1", "industrial land sold by negotiation (协议出让), contract 2012-05-01",
             [("industrial_negotiated", True)], method="negotiation", use="0601",
             contract="2012-05-01", agreed="2012-11-01", started="2012-10-15")
    supplied("IND2", "industrial land sold by negotiation in 2005, before the 2007 rule",
             [("industrial_negotiated", False)], method="negotiation", use="0601",
             contract="2005-06-01", agreed="2005-12-01", started="2005-11-10")
    for tag, values, note in (
        ("STD1", (1.4, 0.22, 0.12, 0.05), "building coefficient 0.22 < 0.30"),
        ("STD2", (1.4, 0.45, 0.12, 0.12), "office and living share 0.12 > 0.07"),
        ("STD3", (1.4, 0.45, 0.28, 0.05), "green ratio 0.28 > 0.20"),
        ("STD4", (0.4, 0.45, 0.12, 0.05), "plot ratio 0.4 < 0.6 (chemicals)"),
    ):
        supplied(tag, note, [("industrial_standard", True)], use="0601", contract="2018-03-01",
                 agreed="2018-09-01", started="2018-08-20", industrial=values, industry=2)
    # evidence from imagery
    supplied("EVD1", "recorded not started (agreed start 2026-10-01), imagery shows it built",
             [("evidence_mismatch", True)], contract="2026-01-15", agreed="2026-10-01",
             started=None)
    supplied("EVD2", "recorded started 2025-10-01, imagery shows nothing built",
             [("evidence_mismatch", True)], contract="2025-05-01", agreed="2025-11-01",
             started="2025-10-01", built=0.5, invest=0.4, burn=None)
    tiny = _box(147, 147, 153, 153)
    case = add("EVD3", "built")
    case.supply.append(_supply(f"{c}-EVD3-S", tiny, use="08H1", method="allocation",
                               contract="2024-03-01", agreed="2024-06-01", started="2024-05-20"))
    case.approvals.append(_approval(f"{c}-EVD3-A", tiny, "2023-12-01"))
    case.burns.append((_box(130, 130, 170, 170), 1.0))
    case.expect.append(("evidence_mismatch", "supply", f"{c}-EVD3-S", False,
                        "36 m2 parcel, smaller than one 10 m pixel, across four built pixels"))
    # slivers: 1 mm digitising offsets that must not be findings
    case = add("SLV1", "edge")
    case.approvals.append(_approval(f"{c}-SLV1-A", _box(150 - _MM, 50, 250, 250), "2026-02-20"))
    case.expect.append(("basic_farmland_encroachment", "approvals", f"{c}-SLV1-A", False,
                        "edge 1 mm over basic farmland (0.2 m2): a sliver"))
    case = add("SLV2", "edgefarm")
    case.approvals.append(_approval(f"{c}-SLV2-A", _box(150, 50, 250, 250), "2025-06-01"))
    case.supply.append(_supply(f"{c}-SLV2-S", _box(150 - _MM, 50, 250, 250), contract="2025-08-01",
                               agreed="2025-12-01", started="2025-11-20"))
    case.burns.append((_box(150, 50, 250, 250), 1.0))
    case.expect.append(("supply_without_approval", "supply", f"{c}-SLV2-S", False,
                        "1 mm beyond its approval onto farmland (0.2 m2): a sliver"))
    case = add("SLV3", "edgefarm")
    case.approvals.append(_approval(f"{c}-SLV3-A", _box(150, 50, 250, 250), "2026-03-01"))
    case.changes.append(_change(f"{c}-SLV3", _box(150 - _MM, 100, 230, 200)))
    case.expect.append((uc, "changes", f"{c}-SLV3", False,
                        "1 mm beyond its approval onto farmland (0.1 m2): a sliver"))
    if messy:
        add("BADF", "farm", bad_land=True)
        case = add("BADC", "built")
        case.approvals.append(_approval(f"{c}-BADC-A", _box(40, 40, 260, 260), "2026-01-20"))
        bowtie = shapely.polygons([(80, 80), (200, 200), (200, 80), (80, 200)])
        touch = shapely.polygons([(210, 60), (250, 60), (250, 140), (210, 140), (210, 100),
                                  (230, 110), (230, 90), (210, 100), (210, 60)])
        case.changes += [_change(f"{c}-BADC1", bowtie), _change(f"{c}-BADC2", touch)]
        case.expect += [
            ("invalid_geometry", "changes", f"{c}-BADC1", True,
             "bow-tie ring; inside approval BADC-A, so not a finding once repaired"),
            ("invalid_geometry", "changes", f"{c}-BADC2", True,
             "self-touching ring; inside approval BADC-A"),
            (uc, "changes", f"{c}-BADC1", False, "covered by BADC-A"),
            (uc, "changes", f"{c}-BADC2", False, "covered by BADC-A"),
        ]
        case = add("DUP", "built")
        case.approvals.append(_approval(f"{c}-DUP-A", _box(40, 60, 260, 240), "2025-12-01"))
        for box in (_box(40, 60, 150, 240), _box(150, 60, 260, 240)):
            case.supply.append(_supply(f"{c}-DUP-S", box, contract="2026-01-10",
                                       agreed="2026-09-01", started=None))
        case.expect.append(("duplicate_id", "supply", f"{c}-DUP-S", True,
                            "two supply parcels share this id: the second cannot be judged"))
    return cases


def _place_slots(rng: np.random.Generator, outline: shapely.Geometry, towns: NDArray[Any],
                 cases: list[_Case]) -> NDArray[np.float64]:
    """Lower-left corners (multiples of 10 m) of one slot per case, each inside one township."""
    x0, y0, x1, y1 = shapely.bounds(outline)
    inner = shapely.buffer(outline, -SLOT_SPACING_M / 2)
    shapely.prepare(inner)
    origins = np.zeros((len(cases), 2))
    taken: list[shapely.Geometry] = []
    line_cases = [i for i, case in enumerate(cases) if case.township_line]
    for i in line_cases:
        origins[i] = _line_slot(towns, inner)
        taken.append(_slot_box(origins[i]).buffer(SLOT_SPACING_M - SLOT_M))
    gx, gy = np.meshgrid(np.arange(x0, x1, SLOT_SPACING_M), np.arange(y0, y1, SLOT_SPACING_M))
    cand = np.round(np.column_stack([gx.ravel(), gy.ravel()]) / 10) * 10
    boxes = shapely.box(cand[:, 0], cand[:, 1], cand[:, 0] + SLOT_M, cand[:, 1] + SLOT_M)
    ok = shapely.contains(inner, boxes)
    tree = shapely.STRtree(towns)
    within, _ = tree.query(shapely.buffer(boxes, 20.0), predicate="within")
    one_town = np.zeros(len(boxes), dtype=bool)
    one_town[within] = True
    ok &= one_town
    if taken:
        ok &= ~shapely.intersects(shapely.union_all(taken), boxes)
    free = np.flatnonzero(ok)
    rest = [i for i in range(len(cases)) if not cases[i].township_line]
    if len(free) < len(rest):
        raise ConfigError(
            f"county too small for {len(rest)} planted slots ({len(free)} places)",
            fix="raise n_farmland or pass plant=False")
    pick = free[np.sort(rng.permutation(len(free))[: len(rest)])]
    origins[rest] = cand[pick]
    return origins


def _slot_box(origin: NDArray[np.float64]) -> shapely.Geometry:
    return shapely.box(origin[0], origin[1], origin[0] + SLOT_M, origin[1] + SLOT_M)


def _line_slot(towns: NDArray[Any], inner: shapely.Geometry) -> NDArray[np.float64]:
    """Find a slot centred on the longest line between two townships, crossing only it."""
    best: tuple[float, NDArray[np.float64]] | None = None
    tree = shapely.STRtree(towns)
    for i in range(len(towns)):
        for j in range(i + 1, len(towns)):
            shared = shapely.line_merge(shapely.intersection(
                shapely.boundary(towns[i]), shapely.boundary(towns[j])))
            for line in shapely.get_parts(shared):
                if shapely.get_type_id(line) != 1 or shapely.length(line) < 2 * SLOT_M:
                    continue
                mid = shapely.line_interpolate_point(line, 0.5, normalized=True)
                origin = np.round(np.array(shapely.get_coordinates(mid)[0]) - SLOT_M / 2, 1)
                box = _slot_box(origin)
                if not shapely.contains(inner, box) or len(tree.query(box, "intersects")) != 2:
                    continue
                length = float(shapely.length(line))
                if best is None or length > best[0]:
                    best = (length, origin)
    if best is None:
        raise ConfigError("no township line long enough for the cross-township case",
                          fix="use fewer townships or a larger county")
    return best[1]


# --------------------------------------------------------------------------- the county

def _sites(rng: np.random.Generator, outline: shapely.Geometry, avoid: NDArray[Any], n: int,
           n_spare: int) -> tuple[NDArray[np.float64], float, NDArray[np.intp], NDArray[np.intp]]:
    """Centres of ``n`` parcel sites and ``n_spare`` spare ones on a jittered grid.

    The grid is made finer until enough squares of one spacing fit inside the
    outline and clear of the planted slots; returns the candidate centres, the
    spacing, and the indices of the sites and spare sites among the candidates.
    """
    free_area = shapely.area(outline) - len(avoid) * SLOT_SPACING_M**2
    spacing = math.sqrt(0.7 * free_area / (n + n_spare))
    x0, y0, x1, y1 = shapely.bounds(outline)
    shapely.prepare(outline)
    guard = shapely.STRtree(shapely.buffer(avoid, 30.0)) if len(avoid) else None
    jitter = rng.uniform(-0.04, 0.04, (1, 2))
    for _ in range(40):
        gx, gy = np.meshgrid(np.arange(x0 + spacing / 2, x1, spacing),
                             np.arange(y0 + spacing / 2, y1, spacing))
        cand = np.column_stack([gx.ravel(), gy.ravel()])
        jitter = rng.uniform(-0.04, 0.04, cand.shape)
        cand = np.round(cand + jitter * spacing, 2)
        half = spacing / 2
        box = shapely.box(cand[:, 0] - half, cand[:, 1] - half, cand[:, 0] + half,
                          cand[:, 1] + half)
        ok = shapely.contains(outline, box)
        if guard is not None:
            hit, _ = guard.query(box, predicate="intersects")
            ok[hit] = False
        free = np.flatnonzero(ok)
        if len(free) >= n + n_spare:
            break
        spacing *= 0.95
    pick = free[rng.permutation(len(free))[: n + n_spare]]
    return cand, spacing, np.sort(pick[n_spare:]), np.sort(pick[:n_spare])


def _serial(prefix: str | pd.Series, n: int, width: int, start: int = 1) -> NDArray[Any]:
    nums = pd.Series(np.arange(start, start + n)).astype(str).str.zfill(width)
    return np.asarray(prefix + nums, dtype=object)


def _days(rng: np.random.Generator, lo: int, hi: int, n: int) -> NDArray[Any]:
    return rng.integers(lo, hi, n).astype("timedelta64[D]")


def _land(rng: np.random.Generator, pieces: NDArray[Any], outline: shapely.Geometry,
          urban: float) -> NDArray[Any]:
    """Land classes from position: an urban core, hills on one side, a river, farmland elsewhere."""
    cx, cy = shapely.get_coordinates(shapely.centroid(outline))[0]
    radius = math.sqrt(shapely.area(outline) / math.pi)
    xy = shapely.get_coordinates(shapely.point_on_surface(pieces))
    dx, dy = (xy[:, 0] - cx) / radius, (xy[:, 1] - cy) / radius
    u = np.exp(-((dx + 0.25) ** 2 + (dy - 0.1) ** 2) / (2 * urban**2)) if urban > 0 else 0 * dx
    hills = 1 / (1 + np.exp(-(0.7 * dx - 0.7 * dy - 0.45) / 0.08))
    weights = (np.outer((1 - u) * (1 - hills), _RURAL) + np.outer(u, _URBAN)
               + np.outer((1 - u) * hills, _HILLS))
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    pick = (cum < rng.random(len(pieces))[:, None]).sum(axis=1)
    codes = np.asarray(_CODES, dtype=object)[np.minimum(pick, len(_CODES) - 1)]
    river = np.abs(dy - 0.3 * np.sin(2.2 * dx) + 0.35) < 0.025
    codes[river & (u < 0.5)] = "1101"
    return codes


def _land_layers(  # noqa: PLR0915 -- one pass from cells to layers; splitting scatters state
    rng: np.random.Generator, *, admin_code: str, outline: shapely.Geometry,
    towns: NDArray[Any], town_codes: NDArray[Any], town_names: NDArray[Any],
    cells: NDArray[Any], slots: NDArray[np.float64], cases: list[_Case],
    slot_boxes: NDArray[Any], urban: float,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame,
                            list[dict[str, Any]]]:
    """Farmland (DLTB-like, every land class), basic farmland and townships."""
    # Carve the slots out of the tessellation and fill them with designed quadrants.
    n_cells = len(cells)
    designed_code: list[str] = []
    designed_basic: list[bool] = []
    designed_geom: list[shapely.Geometry] = []
    bad_rows: list[tuple[int, str]] = []
    if len(slot_boxes):
        tree = shapely.STRtree(slot_boxes)
        ci, _ = tree.query(cells, predicate="intersects")
        ci = np.unique(ci)
        cells = cells.copy()
        cells[ci] = _polygonal(shapely.difference(cells[ci], shapely.union_all(slot_boxes)))
        for (sx, sy), case in zip(slots, cases, strict=True):
            for q, (code, is_basic) in enumerate(_LAYOUTS[case.layout]):
                qx0, qy0, qx1, qy1 = _QUADRANTS[q]
                geom = shapely.box(sx + qx0, sy + qy0, sx + qx1, sy + qy1)
                if case.bad_land and q == 0:  # bow-tie
                    geom = shapely.polygons([(sx + qx0, sy + qy0), (sx + qx1, sy + qy1),
                                             (sx + qx1, sy + qy0), (sx + qx0, sy + qy1)])
                    bad_rows.append((len(designed_geom), "bow-tie ring"))
                elif case.bad_land and q == 3:  # self-touching ring (an inverted hole)
                    geom = shapely.polygons(
                        [(sx + qx0, sy + qy0), (sx + qx1, sy + qy0), (sx + qx1, sy + qy1),
                         (sx + qx0, sy + qy1), (sx + qx0, sy + 225), (sx + 190, sy + 235),
                         (sx + 190, sy + 215), (sx + qx0, sy + 225)])
                    bad_rows.append((len(designed_geom), "self-touching ring"))
                designed_geom.append(geom)
                designed_code.append(code)
                designed_basic.append(is_basic)
    patches = np.concatenate([cells, np.array(designed_geom, dtype=object)])
    keep = ~shapely.is_empty(patches)
    keep[n_cells:] = True
    valid_patch = np.flatnonzero(keep)
    pieces, pi, zi = _overlay(patches[valid_patch[shapely.is_valid(patches[valid_patch])]], towns)
    src = valid_patch[shapely.is_valid(patches[valid_patch])][pi]
    # Invalid designed patches cannot be cut; they lie inside one township by construction.
    bad_idx = np.array([n_cells + r for r, _ in bad_rows], dtype=np.intp)
    if len(bad_idx):
        _, town_of_bad = shapely.STRtree(towns).query(
            shapely.centroid(shapely.envelope(patches[bad_idx])), predicate="intersects")
        pieces = np.concatenate([pieces, patches[bad_idx]])
        src = np.concatenate([src, bad_idx])
        zi = np.concatenate([zi, town_of_bad])
    n = len(pieces)
    repaired = _polygonal(shapely.make_valid(pieces))
    codes = _land(rng, repaired, outline, urban)
    farm = np.isin(codes, ("0101", "0102", "0103"))
    basic = farm & (rng.random(n) < 0.75)
    designed = src >= n_cells
    if designed.any():
        codes[designed] = np.asarray(designed_code, dtype=object)[src[designed] - n_cells]
        basic[designed] = np.asarray(designed_basic)[src[designed] - n_cells]
    farm = np.isin(codes, ("0101", "0102", "0103"))

    # Farmland (DLTB-like): ids, village codes, areas.
    xy = shapely.get_coordinates(shapely.point_on_surface(repaired))
    village = 1 + ((xy[:, 0] // 1500).astype(np.int64) * 31
                   + (xy[:, 1] // 1500).astype(np.int64) * 17) % 40
    zldwdm = town_codes[zi] + pd.Series(village).astype(str).str.zfill(3).to_numpy() + "0000000"
    tbmj = np.round(ellipsoidal_area(repaired, CRS), 2)
    kcxs = np.where(farm, rng.choice(np.array([0.0, 0.024, 0.052, 0.087, 0.129]), n), 0.0)
    tbdlmj = np.round(tbmj * (1 - kcxs), 2)
    feature_id = _serial(admin_code, n, 8)
    tbbh = pd.Series(zldwdm).groupby(zldwdm).cumcount().add(1).astype(str).to_numpy(dtype=object)
    farmland = gpd.GeoDataFrame({
        "feature_id": feature_id, "TBBH": tbbh, "land_code": codes,
        "DLMC": pd.Series(codes).map(LAND_NAMES).to_numpy(dtype=object), "admin_code": zldwdm,
        "TBMJ": tbmj, "KCXS": kcxs, "KCMJ": np.round(tbmj - tbdlmj, 2), "TBDLMJ": tbdlmj,
    }, geometry=pieces, crs=CRS)
    bf = farmland[basic]
    basic_farmland = gpd.GeoDataFrame({
        "feature_id": _serial(admin_code + "9", len(bf), 7),
        "YJJBNTTBBH": np.asarray(pd.Series(np.arange(1, len(bf) + 1)).astype(str), dtype=object),
        "land_code": bf["land_code"].to_numpy(), "DLMC": bf["DLMC"].to_numpy(),
        "admin_code": bf["admin_code"].to_numpy(), "YJJBNTMJ": bf["TBDLMJ"].to_numpy(),
    }, geometry=bf.geometry.to_numpy(), crs=CRS)
    admin = gpd.GeoDataFrame({"admin_code": town_codes, "admin_name": town_names,
                              "level": np.full(len(towns), "township", dtype=object)},
                             geometry=towns, crs=CRS)
    bad = [{"rule": "invalid_geometry", "layer": "farmland",
            "feature_id": feature_id[np.flatnonzero(src == n_cells + row_i)[0]],
            "finding": True, "note": why + " in a 0103 patch"} for row_i, why in bad_rows]
    return farmland, basic_farmland, admin, bad


def _background(  # noqa: PLR0915 -- one pass over the sites, vectorised, in draw order
    rng: np.random.Generator, *, admin_code: str, outline: shapely.Geometry,
    slot_boxes: NDArray[Any], farmland: gpd.GeoDataFrame,
    basic_farmland: gpd.GeoDataFrame, n_parcels: int, change_share: float,
                recent_share: float, recent_on_farmland: bool
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, NDArray[Any]]:
    """Clean parcels: approvals, supply tiling them, change patches; and spare sites."""
    as_of = np.datetime64(AS_OF, "D")
    farm = farmland["land_code"].isin(("0101", "0102", "0103")).to_numpy()
    # Background sites: one approval each, tiled by one or two supply parcels.
    n_supp = max(8, n_parcels // 15)
    cand, spacing, sites, supp_sites = _sites(rng, outline, slot_boxes, n_parcels, n_supp)
    m = len(sites)
    cx, cy = cand[sites, 0], cand[sites, 1]
    a = spacing * rng.uniform(0.15, 0.32, m)
    b = spacing * rng.uniform(0.15, 0.32, m)
    angle = rng.uniform(-0.35, 0.35, m)
    approvals_geom = _rects(cx, cy, angle, -a, a, -b, b)
    supplied = rng.random(m) >= 0.2
    split = supplied & (rng.random(m) < 0.35)
    cut = -a + 2 * a * rng.uniform(0.35, 0.65, m)
    recent_ok = np.ones(m, dtype=bool)
    if not recent_on_farmland:  # new construction this year only off farmland
        farm_geom = farmland.geometry.to_numpy()[farm]
        ai, fj = shapely.STRtree(farm_geom).query(approvals_geom, predicate="intersects")
        on_farm = np.bincount(ai, shapely.area(shapely.intersection(approvals_geom[ai],
                                                                    farm_geom[fj])), m)
        recent_ok = on_farm < 0.01 * shapely.area(approvals_geom)
    state = np.where(rng.random(m) < 0.12, 2,
                     np.where((rng.random(m) < change_share) & recent_ok, 1, 0))
    state[~supplied] = -1  # 0 old and built, 1 started recently (a change patch), 2 not started

    first = np.flatnonzero(supplied)
    second = np.flatnonzero(split)
    s_site = np.concatenate([first, second])
    s_x0 = np.concatenate([-a[first], cut[second]])
    s_x1 = np.concatenate([np.where(split[first], cut[first], a[first]), a[second]])
    s_geom = _rects(cx[s_site], cy[s_site], angle[s_site], s_x0, s_x1, -b[s_site], b[s_site])
    order = np.argsort(s_site, kind="stable")
    s_site, s_x0, s_x1, s_geom = s_site[order], s_x0[order], s_x1[order], s_geom[order]
    ns = len(s_site)
    s_state = state[s_site]

    # Supply dates by state (AS_OF fixed, so nothing depends on the day of generation).
    contract = np.full(ns, _NAT)
    agreed = np.full(ns, _NAT)
    started = np.full(ns, _NAT)
    old, recent, future = s_state == 0, s_state == 1, s_state == 2
    span = int((_d("2024-06-30") - _d("2010-01-01")).astype(int))
    contract[old] = _d("2010-01-01") + _days(rng, 0, span, int(old.sum()))
    agreed[old] = contract[old] + _days(rng, 120, 366, int(old.sum()))
    started[old] = agreed[old] + _days(rng, -60, 150, int(old.sum()))
    started[recent] = as_of - _days(rng, 30, 360, int(recent.sum()))
    contract[recent] = started[recent] - _days(rng, 90, 300, int(recent.sum()))
    agreed[recent] = started[recent] + _days(rng, -30, 60, int(recent.sum()))
    contract[future] = as_of - _days(rng, 30, 300, int(future.sum()))
    agreed[future] = as_of + _days(rng, 100, 400, int(future.sum()))
    # All parcels of a site share the site's first contract date (one approval, one batch).
    site_contract = pd.Series(contract).groupby(s_site).transform("min").to_numpy()
    contract = site_contract.astype("datetime64[D]")

    uses = np.array(["0601", "05H1", "0701", "08H1", "1003"], dtype=object)
    use = uses[(np.cumsum([.4, .15, .25, .1, .1])[None, :] < rng.random(ns)[:, None]).sum(1)]
    method = np.full(ns, "listing", dtype=object)
    draw = rng.random(ns)
    method[(use == "0601") & (draw < 0.1)] = "tender"
    method[np.isin(use, ("05H1", "0701")) & (draw < 0.4)] = "auction"
    method[np.isin(use, ("08H1", "1003"))] = "allocation"
    area = ellipsoidal_area(s_geom, CRS)
    unit = np.select([use == "0601", use == "05H1", use == "0701"],
                     [rng.uniform(250, 450, ns), rng.uniform(1500, 3500, ns),
                      rng.uniform(1200, 3000, ns)], rng.uniform(50, 150, ns))
    built = np.select([old, recent], [rng.uniform(0.6, 1.0, ns), rng.uniform(0.4, 0.9, ns)], 0.0)
    invest = np.select([old, recent], [rng.uniform(0.7, 1.0, ns), rng.uniform(0.3, 0.9, ns)], 0.0)
    ind = use == "0601"
    supply_bg = pd.DataFrame({
        "supply_id": None, "supply_method": method, "land_use": use, "contract_on": contract,
        "start_agreed_on": agreed, "started_on": started, "built_area_ratio": np.round(built, 2),
        "invest_ratio": invest, "delay_cause": None,
        "plot_ratio": np.where(ind, np.round(rng.uniform(1.1, 2.2, ns), 2), np.nan),
        "building_coefficient": np.where(ind, np.round(rng.uniform(0.35, 0.65, ns), 2), np.nan),
        "green_ratio": np.where(ind, np.round(rng.uniform(0.05, 0.18, ns), 2), np.nan),
        "office_share": np.where(ind, np.round(rng.uniform(0.02, 0.065, ns), 3), np.nan),
        "industry_i": np.where(ind, rng.integers(0, len(_INDUSTRIES_ZH), ns), -1),
        "geometry": s_geom, "_area": area, "_unit": unit,
    })

    # Approval dates: before the site's first contract, or recent when nothing is supplied.
    approved = np.full(m, _NAT)
    first_contract = pd.Series(contract).groupby(s_site).min()
    approved[first_contract.index.to_numpy()] = (first_contract.to_numpy().astype("datetime64[D]")
                                                 - _days(rng, 30, 400, len(first_contract)))
    lone = ~supplied
    in_year = lone & (rng.random(m) < recent_share)
    approved[in_year] = _d("2026-01-05") + _days(rng, 0, 170, int(in_year.sum()))
    earlier = lone & ~in_year
    approved[earlier] = as_of - _days(rng, 185, 700, int(earlier.sum()))
    approvals_bg = pd.DataFrame({"approval_id": None, "approved_on": approved,
                                 "state_council": False, "basic_farmland_approved": False,
                                 "geometry": approvals_geom})
    # A background approval over basic farmland is a State Council one that allows it.
    over, _ = shapely.STRtree(basic_farmland.geometry.to_numpy()).query(
        approvals_geom, predicate="intersects")
    approvals_bg.loc[np.unique(over), ["state_council", "basic_farmland_approved"]] = True

    # Change patches: inside the first supply parcel of each recently started site.
    chg = np.flatnonzero((s_state == 1) & ~pd.Series(s_site).duplicated().to_numpy())
    nc = len(chg)
    w = s_x1[chg] - s_x0[chg]
    bb = b[s_site[chg]]
    c_geom = _rects(cx[s_site[chg]], cy[s_site[chg]], angle[s_site[chg]],
                    s_x0[chg] + w * rng.uniform(0.05, 0.3, nc),
                    s_x1[chg] - w * rng.uniform(0.05, 0.3, nc),
                    -bb + 2 * bb * rng.uniform(0.05, 0.3, nc),
                    bb - 2 * bb * rng.uniform(0.05, 0.3, nc))
    changes_bg = pd.DataFrame({"change_id": None,
                               "detected_on": as_of - _days(rng, 10, 170, nc),
                               "land_code": use[chg], "geometry": c_geom})
    # Ids: background by year and serial, planted ones carry their case tag.
    app_year = pd.Series(approved).dt.year.astype(str)
    approvals_bg["approval_id"] = _serial(admin_code + app_year + "P", m, 5)
    sup_year = pd.Series(contract).dt.year.astype(str).to_numpy(dtype=object)
    supply_bg["supply_id"] = _serial(admin_code + pd.Series(sup_year) + "G", ns, 5)
    changes_bg["change_id"] = _serial(admin_code + "2026JC", nc, 5)
    k = max(8, n_parcels // 15)
    sa, sb = spacing * rng.uniform(0.15, 0.3, k), spacing * rng.uniform(0.15, 0.3, k)
    spare = _rects(cand[supp_sites, 0], cand[supp_sites, 1], rng.uniform(-0.3, 0.3, k),
                   -sa, sa, -sb, sb)
    return approvals_bg, supply_bg, changes_bg, spare


def _planted_rows(slots: NDArray[np.float64], cases: list[_Case], admin_code: str, *,
                  messy: bool, accountability_over: bool | None
                  ) -> tuple[list[list[dict[str, Any]]], list[tuple[shapely.Geometry, float]],
                             list[dict[str, Any]]]:
    """Planted rows moved from slot-local to county coordinates, their burns and expectations."""
    # Planted rows, moved from slot-local to county coordinates.
    planted: list[dict[str, Any]] = []
    burns: list[tuple[shapely.Geometry, float]] = []
    p_app: list[dict[str, Any]] = []
    p_sup: list[dict[str, Any]] = []
    p_chg: list[dict[str, Any]] = []
    for (sx, sy), case in zip(slots, cases, strict=True):
        def move(g: shapely.Geometry, sx: float = sx, sy: float = sy) -> shapely.Geometry:
            return shapely.transform(g, lambda pts, sx=sx, sy=sy: pts + np.array([sx, sy]))
        for rows, out in ((case.approvals, p_app), (case.supply, p_sup), (case.changes, p_chg)):
            for row in rows:
                out.append({**row, "geometry": move(row["geometry"])})
        burns += [(move(g), v) for g, v in case.burns]
        planted += [{"rule": r, "layer": la, "feature_id": f, "finding": hit, "note": note}
                    for r, la, f, hit, note in case.expect]
    if messy:
        p_chg.append({"change_id": f"{admin_code}-NULL", "detected_on": _d("2026-05-06"),
                      "land_code": "0601", "geometry": None})
        planted.append({"rule": "null_geometry", "layer": "changes",
                        "feature_id": f"{admin_code}-NULL", "finding": True,
                        "note": "a change patch with no geometry: listed, cannot be judged"})

    if accountability_over is not None:
        planted.append({
            "rule": "accountability_ratio", "layer": "admin", "feature_id": admin_code,
            "finding": accountability_over,
            "note": ("illegally occupied farmland (unapproved change patches of the as-of year) "
                     + ("is over" if accountability_over else "stays under")
                     + " 15% of farmland newly occupied for construction in the year"),
        })
    return [p_app, p_sup, p_chg], burns, planted


def build_county(*, name: str, admin_code: str, seed: int, n_farmland: int = 3000,
                 n_parcels: int = 300, origin: tuple[float, float] = (41_500_000.0, 4_550_000.0),
                 county_name: str | None = None,
                 townships: tuple[tuple[str, str], ...] | None = None,
                 patch_m: float = 110.0, urban: float = 0.35, change_share: float = 0.7,
                 recent_share: float = 0.3, recent_on_farmland: bool = True,
                 messy: bool = False, plant: bool = True, farmland_target_factor: float = 0.98,
                 accountability_over: bool | None = None) -> County:
    """Make a county in memory; :func:`make_county` writes one. Parameters as there."""
    if len(admin_code) != 6 or not admin_code.isdigit():
        raise ConfigError(f"admin_code {admin_code!r} is not a 6-digit county code",
                          fix="pass a county code such as 210302")
    rng = np.random.default_rng(seed)
    outline = _outline(rng, origin, n_farmland * patch_m**2)
    n_town = len(townships) if townships else max(4, min(40, n_farmland // 300))
    towns = _townships(rng, outline, n_town)
    if townships is None:
        townships = tuple((f"{i + 1:03d}", f"第{i + 1}乡镇") for i in range(len(towns)))
    town_codes = np.array([admin_code + t[0] for t in townships[: len(towns)]], dtype=object)
    town_names = np.array([t[1] for t in townships[: len(towns)]], dtype=object)

    cells = _tessellate(rng, outline, patch_m)
    cases = _cases(admin_code, messy=messy) if plant else []
    slots = _place_slots(rng, outline, towns, cases) if cases else np.zeros((0, 2))
    slot_boxes = shapely.box(slots[:, 0], slots[:, 1], slots[:, 0] + SLOT_M,
                             slots[:, 1] + SLOT_M)


    farmland, basic_farmland, admin, bad = _land_layers(
        rng, admin_code=admin_code, outline=outline, towns=towns, town_codes=town_codes,
        town_names=town_names, cells=cells, slots=slots, cases=cases, slot_boxes=slot_boxes,
        urban=urban)
    approvals_bg, supply_bg, changes_bg, spare = _background(
        rng, admin_code=admin_code, outline=outline, slot_boxes=slot_boxes, farmland=farmland,
        basic_farmland=basic_farmland, n_parcels=n_parcels,
        change_share=change_share, recent_share=recent_share,
        recent_on_farmland=recent_on_farmland)
    (p_app, p_sup, p_chg), burns, planted = _planted_rows(
        slots, cases, admin_code, messy=messy, accountability_over=accountability_over)
    planted += bad

    approvals = pd.concat([pd.DataFrame(p_app), approvals_bg], ignore_index=True)
    supply = pd.concat([pd.DataFrame(p_sup), supply_bg], ignore_index=True)
    changes = pd.concat([pd.DataFrame(p_chg), changes_bg], ignore_index=True)
    approvals = _finish_approvals(approvals, rng)
    supply = _finish_supply(supply, rng, name_of_county=county_name or name)
    changes = gpd.GeoDataFrame(changes[list(CHANGE_COLS)], geometry=changes["geometry"].to_numpy(),
                               crs=CRS)
    built = supply.geometry[supply["_built"]].to_numpy()
    burns += [(g, 1.0) for g in built]
    supply = supply.drop(columns=["_built"])
    burns += [(g, 1.0) for g in changes.geometry.to_numpy() if g is not None]

    supplement = _supplement(rng, admin_code, spare, towns, town_codes)
    farm = farmland["land_code"].isin(("0101", "0102", "0103"))
    farm_ha = float(farmland.loc[farm, "TBDLMJ"].sum()) / 1e4
    basic_ha = float(basic_farmland["YJJBNTMJ"].sum()) / 1e4
    targets = pd.DataFrame({
        "admin_code": [admin_code, admin_code], "year": [2025, 2026],
        "farmland_target_ha": np.round([farm_ha * farmland_target_factor] * 2, 2),
        "basic_farmland_target_ha": np.round([basic_ha * 0.99] * 2, 2),
        "quota_ha": np.round([farm_ha * 0.02, farm_ha * 0.025], 2),
        "quota_released_ha": np.round([farm_ha * 0.02, farm_ha * 0.015], 2),
    })
    layers = {"admin": admin, "farmland": farmland, "basic_farmland": basic_farmland,
              "approvals": approvals, "supply": supply, "changes": changes,
              "supplement": supplement}
    return County(name, admin_code, county_name or name, layers, targets, outline, burns,
                  planted)


def _supplement(rng: np.random.Generator, admin_code: str, geoms: NDArray[Any],
                towns: NDArray[Any], town_codes: NDArray[Any]) -> gpd.GeoDataFrame:
    """Farmland compensation projects (补充耕地); areas in hectares."""
    k = len(geoms)
    ha = np.round(ellipsoidal_area(geoms, CRS) / 1e4, 4)
    _, town = shapely.STRtree(towns).query(shapely.centroid(geoms), predicate="intersects")
    completed = _d("2016-01-01") + _days(rng, 0, 3600, k)
    return gpd.GeoDataFrame({
        "project_id": _serial("BC" + admin_code + pd.Series(completed).dt.year.astype(str)
                              + "-", k, 3),
        "farmland_added": ha, "paddy_added": np.round(ha * rng.uniform(0, 0.6, k), 4),
        "grade": rng.integers(5, 13, k).astype(float), "admin_code": town_codes[town],
        "completed_on": completed,
    }, geometry=geoms, crs=CRS)


def _finish_approvals(frame: pd.DataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    year = pd.Series(frame["approved_on"]).dt.year.astype(str)
    num = pd.Series(rng.integers(1, 400, len(frame))).astype(str)
    frame = frame.assign(
        doc_no=("辽政地〔" + year + "〕" + num + "号").to_numpy(dtype=object),
        authority=np.where(frame["state_council"], "state_council", "province"),
        basic_farmland_approved=frame["basic_farmland_approved"].astype(bool),
        project=("批次" + pd.Series(np.arange(1, len(frame) + 1)).astype(str)).to_numpy(
            dtype=object),
    )
    return gpd.GeoDataFrame(frame[list(APPROVAL_COLS)], geometry=frame["geometry"].to_numpy(),
                            crs=CRS)


def _finish_supply(frame: pd.DataFrame, rng: np.random.Generator,
                   *, name_of_county: str) -> gpd.GeoDataFrame:
    geom = frame["geometry"].to_numpy()
    n = len(frame)
    area = ellipsoidal_area(geom, CRS)
    unit = (frame["_unit"].to_numpy(dtype=float).copy() if "_unit" in frame
            else np.full(n, np.nan))
    use = frame["land_use"].to_numpy(dtype=object)
    fill = np.isnan(unit)
    unit[fill] = np.select([use[fill] == "0601", use[fill] == "05H1", use[fill] == "0701"],
                           [320.0, 2400.0, 1800.0], 100.0)
    total = np.round(area * rng.uniform(1500, 5000, n) / 1e4, 2)
    started = pd.Series(frame["started_on"]).notna().to_numpy()
    out = frame.assign(
        project=(name_of_county + pd.Series(use).map(USE_NAMES).str.replace(r"^\d.*", "公共设施",
                                                                            regex=True)
                 + "项目" + pd.Series(np.arange(1, n + 1)).astype(str)).to_numpy(dtype=object),
        price=np.round(area * unit / 1e4, 2), invest_total=total,
        invest_done=np.round(total * frame["invest_ratio"].to_numpy(dtype=float), 2),
        industry=np.asarray(frame["industry_i"].astype(int), dtype=np.int64),
        _built=started & (frame["built_area_ratio"].to_numpy(dtype=float) >= 0.4),
    )
    # Planted parcels burn their own evidence; only background ones are burnt from records.
    out.loc[out["supply_id"].astype(str).str.contains("-", regex=False), "_built"] = False
    return gpd.GeoDataFrame(out[[*SUPPLY_COLS, "_built"]], geometry=geom, crs=CRS)


# --------------------------------------------------------------------------- writing

_TRUNCATED_ROLES = ("admin", "farmland", "basic_farmland", "approvals", "supply", "changes",
                    "supplement")


def _field_names(role: str, columns: list[str], style: Style) -> dict[str, str]:
    """Output field name of each canonical column, per style."""
    if style == "canonical":
        return {c: c for c in columns}
    if style == "short":
        names = {c: c[:10] for c in columns}
        if len(set(names.values())) != len(names):
            raise ConfigError(f"field names of {role} collide when cut to 10 characters")
        return names
    standard = {v: k for k, v in STANDARD_FIELDS[role].items()}  # type: ignore[index]
    standard.update({"approval_id": "DZJGH", "doc_no": "PZWH", "project": "XMMC",
                     "land_code": "DLBM", "supply_id": "DZJGH", "change_id": "JCBH"})
    if role == "admin":
        standard = {"admin_code": "XZQDM", "admin_name": "XZQMC"}
    if role in ("farmland", "basic_farmland"):
        standard = {"feature_id": "BSM", "land_code": "DLBM", "admin_code": "ZLDWDM"}
    return {c: standard.get(c, c) for c in columns}


def _zh_date(values: pd.Series) -> NDArray[Any]:
    d = pd.to_datetime(values)
    text = (d.dt.year.astype("Int64").astype(str) + "年" + d.dt.month.astype("Int64").astype(str)
            + "月" + d.dt.day.astype("Int64").astype(str) + "日")
    return np.asarray(text.where(d.notna(), None), dtype=object)


def _styled(  # noqa: PLR0912 -- one branch per kind of value
    role: str, frame: gpd.GeoDataFrame, style: Style,
) -> gpd.GeoDataFrame:
    """Values and field names as a site of this style would store them."""
    lang = "en" if style == "canonical" else "zh"
    out = {}
    for column in frame.columns:
        if column == "geometry":
            continue
        values = frame[column]
        if column == "supply_method" and lang == "zh":
            values = values.map(METHOD_NAMES)
        elif column == "land_use" and lang == "zh":
            values = values.map(USE_NAMES)
        elif column == "authority":
            table = {"state_council": _STATE_COUNCIL[lang], "province": _PROVINCE[lang]}
            values = values.map(table)
        elif column == "industry":
            names = np.asarray(_INDUSTRIES_EN if lang == "en" else _INDUSTRIES_ZH, dtype=object)
            idx = values.to_numpy(dtype=np.int64)
            values = pd.Series(np.where(idx >= 0, names[np.maximum(idx, 0)], None),
                               index=frame.index, dtype=object)
        elif column == "basic_farmland_approved":
            if style == "standard":
                values = values.map({True: "是", False: "否"})
            elif style == "short":
                values = values.astype(np.int32)
        if column in _DATE_COLS:
            if style == "standard" and column == "contract_on":
                values = pd.Series(_zh_date(values), index=frame.index, dtype=object)
            elif style == "standard" and column == "approved_on":
                text = _zh_date(values)
                compact = pd.to_datetime(values).dt.strftime("%Y%m%d").to_numpy(dtype=object)
                values = pd.Series(np.where(np.arange(len(values)) % 2 == 1, compact, text),
                                   index=frame.index, dtype=object)
            else:
                days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
                values = pd.Series(pa.array(days, type=pa.date32(), from_pandas=True),
                                   dtype=pd.ArrowDtype(pa.date32()), index=frame.index)
        out[column] = values
    data = pd.DataFrame(out, index=frame.index)
    data = data.rename(columns=_field_names(role, list(data.columns), style))
    return gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=CRS)


_TIEDONG_FILES: Final[dict[str, str]] = {
    "admin": "XZQ", "farmland": "DLTB", "basic_farmland": "YJJBNTTB", "approvals": "报批地块",
    "supply": "供地地块", "changes": "变化图斑", "supplement": "补充耕地",
}


def _write_shp(frame: gpd.GeoDataFrame, path: Path, *, encoding: str, prj: bool,
               cpg: bool) -> list[Path]:
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding=encoding,
                            use_arrow=True, layer_options={"RESIZE": "YES"})
    dbf = path.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[1:4] = _DBF_DATE
    if not cpg:
        raw[29] = 0  # no code-page mark: GDAL will read the GBK text as ISO-8859-1
    dbf.write_bytes(bytes(raw))
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return sorted(p for p in path.parent.glob(path.stem + ".*"))


def _toml(role_paths: dict[str, str], fields: dict[str, dict[str, str]],
          *, filter_farmland: bool = False) -> str:
    lines = ["# Maps this county's files and field names onto redline's roles "
             "(docs/contract.md).", ""]
    for role in _TRUNCATED_ROLES:
        farm_filter = filter_farmland and role == "farmland"
        if role not in role_paths and role not in fields and not farm_filter:
            continue
        lines.append(f"[layers.{role}]")
        if role in role_paths:
            lines.append(f'path = "{role_paths[role]}"')
        if farm_filter:
            lines.append("# The layer holds every land class, like DLTB: farmland is 0101-0103.")
            lines.append('filter = ["0101", "0102", "0103"]')
        if fields.get(role):
            lines.append(f"[layers.{role}.fields]")
            lines += [f'{k} = "{v}"' for k, v in fields[role].items()]
        lines.append("")
    return "\n".join(lines)


def _write_evidence(county: County, path: Path, *, kind: EvidenceKind, pixel_m: float) -> None:
    import rasterio
    from affine import Affine
    from rasterio import features

    x0, y0, x1, y1 = shapely.bounds(county.outline)
    x0, y0 = math.floor(x0 / pixel_m) * pixel_m, math.floor(y0 / pixel_m) * pixel_m
    x1, y1 = math.ceil(x1 / pixel_m) * pixel_m, math.ceil(y1 / pixel_m) * pixel_m
    width, height = round((x1 - x0) / pixel_m), round((y1 - y0) / pixel_m)
    transform = Affine(pixel_m, 0.0, x0, 0.0, -pixel_m, y1)
    inside = features.rasterize([(county.outline, 1)], out_shape=(height, width),
                                transform=transform, fill=0, dtype="uint8")
    shapes = [(g, v) for g, v in county.burns if g is not None and not shapely.is_empty(g)]
    if kind == "class":
        data = features.rasterize(shapes, out_shape=(height, width), transform=transform,
                                  fill=0, dtype="uint8", all_touched=False)
        data[inside == 0] = 255
        profile = {"dtype": "uint8", "nodata": 255, "predictor": 2}
    else:
        # Built-up probability: a level per built feature, a flat low background.
        rng = np.random.default_rng(len(shapes))
        level = np.round(rng.uniform(0.8, 0.97, len(shapes)), 2)
        data = features.rasterize([(g, float(v)) for (g, _), v in zip(shapes, level, strict=True)],
                                  out_shape=(height, width), transform=transform, fill=0.03,
                                  dtype="float32")
        data[inside == 0] = -1.0
        profile = {"dtype": "float32", "nodata": -1.0, "predictor": 3}
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, crs=CRS,
                       transform=transform, compress="lzw", tiled=True, blockxsize=256,
                       blockysize=256, **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, "built-up class (1 = built)" if kind == "class"
                                 else "built-up probability (0-1)")


def write_county(county: County, folder: Path, *, fmt: Fmt = "gpkg", style: Style = "canonical",
                 evidence: EvidenceKind = "class", pixel_m: float = 10.0,
                 messy: bool = False) -> list[Path]:
    """Write a county's layers, ``targets.csv``, ``evidence.tif`` and ``planted.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    styled = {role: _styled(role, frame, style) for role, frame in county.layers.items()}
    if fmt == "gpkg":
        gpkg = folder / f"{county.name}.gpkg"
        old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{AS_OF.isoformat()}T00:00:00Z"})
        try:
            for role, frame in styled.items():
                pyogrio.write_dataframe(frame, gpkg, layer=role, driver="GPKG", use_arrow=True,
                                        append=gpkg.exists() and role != "admin",
                                        promote_to_multi=True)
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
        files.append(gpkg)
        toml = folder / "redline.toml"
        toml.write_text(_toml({}, {}, filter_farmland=True), encoding="utf-8")
        files.append(toml)
    else:
        encoding = "gbk" if style == "standard" else "utf-8"
        names = _TIEDONG_FILES if style == "standard" else {r: r for r in styled}
        for role, frame in styled.items():
            files += _write_shp(frame, folder / f"{names[role]}.shp", encoding=encoding,
                                prj=not (messy and role == "approvals"),
                                cpg=style != "standard")
        paths = {r: f"{names[r]}.shp" for r in ("approvals", "supply", "changes", "supplement")}
        fields: dict[str, dict[str, str]] = {}
        if style == "standard":
            fields["approvals"] = {"approval_id": "DZJGH"}
        else:
            paths = {}
            for role, frame in county.layers.items():
                long = {c: c[:10] for c in frame.columns if c != "geometry" and len(c) > 10}
                if long:
                    fields[role] = long
        toml = folder / "redline.toml"
        toml.write_text(_toml(paths, fields, filter_farmland=style != "standard"),
                        encoding="utf-8")
        files.append(toml)
    targets = folder / "targets.csv"
    table = county.targets
    if style == "standard":
        table = table.assign(admin_name=county.county_name)
        table.to_csv(targets, index=False, encoding="gbk", lineterminator="\n")
    else:
        table.to_csv(targets, index=False, encoding="utf-8-sig" if fmt == "gpkg" else "utf-8",
                     lineterminator="\n")
    files.append(targets)
    if evidence != "none":
        tif = folder / "evidence.tif"
        _write_evidence(county, tif, kind=evidence, pixel_m=pixel_m)
        files.append(tif)
    planted = folder / "planted.json"
    planted.write_text(json.dumps(county.planted, ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")
    files.append(planted)
    return files


def make_county(outdir: str | Path, *, name: str, admin_code: str, seed: int,
                n_farmland: int = 3000, n_parcels: int = 300, fmt: Fmt = "gpkg",
                origin: tuple[float, float] = (41_500_000.0, 4_550_000.0),
                style: Style = "canonical", evidence: EvidenceKind = "class",
                county_name: str | None = None,
                townships: tuple[tuple[str, str], ...] | None = None,
                patch_m: float = 110.0, pixel_m: float = 10.0, urban: float = 0.35,
                change_share: float = 0.7, recent_share: float = 0.3,
                recent_on_farmland: bool = True, messy: bool = False, plant: bool = True,
                farmland_target_factor: float = 0.98, accountability_over: bool | None = None,
                overwrite: bool = False) -> CountyInfo:
    """Generate one synthetic county into ``outdir/name``.

    Parameters
    ----------
    outdir
        Parent folder; the dataset is written to ``outdir/name`` through a
        temporary folder renamed at the end (:func:`redline.io.outputs.staged_dir`).
        An existing ``outdir/name`` is replaced only with ``overwrite`` and only
        when redline wrote it (its ``.redline`` file).
    name, admin_code
        Folder name and 6-digit county code (townships get code + 3 digits).
    seed
        Seed of the numpy generator: the same seed gives the same county.
    n_farmland
        About how many DLTB patches (all land classes) to make; sets the county size
        with ``patch_m`` (the mean patch side, m).
    n_parcels
        Background sites, each one approval tiled by zero, one or two supply parcels.
    fmt, style
        ``"gpkg"``: one GeoPackage with role-named layers; ``"shp"``: shapefiles.
        ``style`` sets field names and values: ``"standard"`` (三调 names, Chinese
        values, GBK without .cpg), ``"canonical"`` (docs/contract.md names, English
        values), ``"short"`` (canonical names cut to 10 characters, Chinese UTF-8).
    evidence
        ``"class"`` (uint8, 1 = built), ``"probability"`` (float 0-1) or ``"none"``.
    urban, change_share, recent_share, recent_on_farmland
        Size of the urban core (in county radii); share of supplied sites started
        within the last year (each with a change patch); share of unsupplied
        approvals approved in the as-of year; whether this year's started sites may
        lie on farmland (False keeps the accountability ratio high).
    accountability_over
        Expected outcome of the accountability ratio, recorded in planted.json
        (None: not recorded).
    messy
        Plant invalid and null geometries, a duplicate id and drop the approvals .prj.
    plant
        Plant the cases of ``planted.json`` (needs a county of some 40 km2 or more).

    Returns
    -------
    CountyInfo
    """
    from redline.io import outputs

    if fmt not in ("shp", "gpkg"):
        raise ConfigError(f"fmt was {fmt!r} but is expected to be 'shp' or 'gpkg'")
    target = Path(outputs.path_text(outdir, option="OUTDIR")) / name
    with outputs.staged_dir(target, overwrite=overwrite, tool="redline samples",
                            option="OUTDIR") as tmp:
        county = build_county(name=name, admin_code=admin_code, seed=seed,
                              n_farmland=n_farmland, n_parcels=n_parcels, origin=origin,
                              county_name=county_name, townships=townships, patch_m=patch_m,
                              urban=urban, change_share=change_share,
                              recent_share=recent_share,
                              recent_on_farmland=recent_on_farmland, messy=messy, plant=plant,
                              farmland_target_factor=farmland_target_factor,
                              accountability_over=accountability_over)
        files = write_county(county, tmp, fmt=fmt, style=style, evidence=evidence,
                             pixel_m=pixel_m, messy=messy)
    files = [target / f.name for f in files]
    counts = {role: len(frame) for role, frame in county.layers.items()}
    log.info("wrote %s: %s", target, counts)
    return CountyInfo(target, files, counts, county.planted)


def build_sample(name: str, **overrides: Any) -> County:
    """Build one of the committed sample counties (:data:`SAMPLES`) in memory, unwritten."""
    if name not in SAMPLES:
        raise ConfigError(f"county was {name!r} but is expected to be one of {sorted(SAMPLES)}")
    spec = SAMPLES[name]
    kwargs: dict[str, Any] = {
        "name": spec.name, "admin_code": spec.admin_code, "seed": spec.seed,
        "n_farmland": spec.n_farmland, "n_parcels": spec.n_parcels, "origin": spec.origin,
        "county_name": spec.county_name, "townships": spec.townships, "urban": spec.urban,
        "change_share": spec.change_share, "recent_share": spec.recent_share,
        "recent_on_farmland": spec.recent_on_farmland, "messy": spec.messy,
        "farmland_target_factor": spec.farmland_target_factor,
        "accountability_over": spec.accountability_over,
    }
    kwargs.update(overrides)
    return build_county(**kwargs)


def make_sample(outdir: str | Path, name: str, *, n_farmland: int | None = None,
                n_parcels: int | None = None, seed: int | None = None,
                overwrite: bool = False) -> CountyInfo:
    """Generate one of the committed sample counties (:data:`SAMPLES`) into ``outdir/name``."""
    if name not in SAMPLES:
        raise ConfigError(f"county was {name!r} but is expected to be one of {sorted(SAMPLES)}")
    spec = SAMPLES[name]
    return make_county(
        outdir, name=spec.name, admin_code=spec.admin_code,
        seed=spec.seed if seed is None else seed,
        n_farmland=spec.n_farmland if n_farmland is None else n_farmland,
        n_parcels=spec.n_parcels if n_parcels is None else n_parcels,
        fmt=spec.fmt, origin=spec.origin, style=spec.style, evidence=spec.evidence,
        county_name=spec.county_name, townships=spec.townships, urban=spec.urban,
        change_share=spec.change_share, recent_share=spec.recent_share,
        recent_on_farmland=spec.recent_on_farmland, messy=spec.messy,
        farmland_target_factor=spec.farmland_target_factor,
        accountability_over=spec.accountability_over, overwrite=overwrite)


def make_samples(outdir: str | Path, *, overwrite: bool = False) -> dict[str, CountyInfo]:
    """Generate all committed sample counties into ``outdir``."""
    return {name: make_sample(outdir, name, overwrite=overwrite) for name in SAMPLES}


def main(argv: list[str] | None = None) -> int:
    """``python -m redline.samples OUTDIR``: regenerate the committed samples in OUTDIR."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m redline.samples OUTDIR", file=sys.stderr)
        return 2
    for name, info in make_samples(args[0], overwrite=True).items():
        print(f"{name}: {info.path} {info.counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
