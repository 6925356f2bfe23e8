"""County ledgers: targets, plan quota, farmland balance, violations, ranking, demand forecast.

One row per admin unit (county, and township where the admin layer has 9-digit
codes). Everything here is pure: frames in, a new frame out.

How areas are split between admin units
---------------------------------------
A feature that carries an ``admin_code`` (farmland ZLDWDM, supplement XZQDM,
findings) is counted in every unit whose code prefixes it (codes nest:
DOMAIN.md), so no geometry is cut. A feature without one (approvals, supply,
change patches) is split *geometrically*: it is intersected with the admin
polygons, dissolved to the level, and each piece counts where it lies. With no
admin layer, every such feature belongs to the dataset's one county (the only
county in ``targets``/``findings``), or to no unit when that is ambiguous.

All areas are ellipsoidal (GRS80, :mod:`redline.analysis.areas`), reported in ha.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.analysis.accountability import Accountability, accountability_levels
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.cache import ScopedCache
from redline.analysis.dates import in_year
from redline.analysis.dissolve import Dissolver, union, union_by_date, union_parts
from redline.analysis.farmland import net_share
from redline.analysis.overlay import cover, pieces, reuse_trees
from redline.analysis.summary import admin_units
from redline.landclass import is_farmland

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.analysis.findings import RuleResult
    from redline.model import Dataset, Windows

Level = Literal["county", "township"]

_PREFIX: Final[dict[str, int]] = {"county": 6, "township": 9}

#: Complete years of approvals the demand forecast averages over (the last three).
FORECAST_YEARS: Final[int] = 3

#: Rules whose areas count as idle land.
IDLE_RULES: Final[tuple[str, ...]] = ("idle_1y", "idle_2y")

#: Ledger columns, in order (their headers: ``redline.text``). Farmland is net unless the
#: column says gross (README "Outputs", docs/contract.md).
LEDGER_COLUMNS: Final[tuple[str, ...]] = (
    "farmland_ha", "farmland_gross_ha", "farmland_target_ha", "farmland_margin_ha",
    "basic_farmland_ha", "basic_farmland_gross_ha", "basic_farmland_target_ha",
    "basic_farmland_margin_ha", "quota_ha", "quota_released_ha", "approved_ha",
    "quota_used_share", "quota_remaining_ha", "quota_over_release", "quota_over_release_on",
    "occupied_farmland_ha", "occupied_farmland_gross_ha", "occupied_paddy_ha",
    "occupied_grade", "added_farmland_ha", "added_paddy_ha", "added_grade", "balance_ha",
    "paddy_balance_ha", "grade_balance", "illegal_farmland_ha", "illegal_farmland_gross_ha",
    "new_occupied_farmland_ha", "illegal_share", "accountability_breach",
    "findings_high_count", "criminal_cases", "largest_case", "largest_case_mu",
    "supplied_ha", "approved_total_ha", "unsupplied_ha", "supply_rate", "idle_ha",
    "idle_share", "score", "rank", "demand_next_ha", "demand_low_ha", "demand_high_ha",
    "demand_quota_gap_ha", "demand_by_use", "demand_method",
)


# --- admin units -----------------------------------------------------------------


def _code(value: Any) -> str:
    """Admin code as text; a code read as a number (``210302.0``) loses its ``.0``."""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _codes(values: pd.Series) -> pd.Series:
    return pd.Series([_code(v) for v in values], index=values.index, dtype=object)


def ledger_units(
    admin: gpd.GeoDataFrame | None,
    *,
    extra_codes: list[str] | None = None,
) -> pd.DataFrame:
    """Counties and townships of the ledger: ``admin_code``, ``admin_name``, ``level``.

    Counties are the 6-digit prefixes of every admin code (and of ``extra_codes``,
    e.g. from targets); townships the 9-digit prefixes of codes that long.
    """
    units = admin_units(admin)
    codes = [str(c) for c in units["admin_code"]] + [str(c) for c in (extra_codes or [])]
    names = dict(zip(units["admin_code"].astype(str), units["admin_name"].astype(str),
                     strict=True))
    rows = [
        {"admin_code": code, "admin_name": names.get(code, ""), "level": level}
        for level, n in _PREFIX.items()
        for code in sorted({c[:n] for c in codes if len(c) >= n})
    ]
    return pd.DataFrame(rows, columns=["admin_code", "admin_name", "level"])


#: Dissolved admin units, row areas and per-unit areas, kept only inside one
#: :func:`county_ledger` call.
_MEMO = ScopedCache()


def _dissolved(admin: gpd.GeoDataFrame | None, level: Level) -> gpd.GeoDataFrame | None:
    return _MEMO.get("dissolved", (admin,), lambda: _dissolve(admin, level), level)


def _dissolve(admin: gpd.GeoDataFrame | None, level: Level) -> gpd.GeoDataFrame | None:
    if admin is None or admin.empty or "admin_code" not in admin:
        return None
    n = _PREFIX[level]
    codes = admin["admin_code"].astype("string").fillna("")
    keep = (codes.str.len() >= n).to_numpy(dtype=bool)
    if not keep.any():
        return None
    frame = gpd.GeoDataFrame(
        {"unit": codes[keep].str.slice(0, n).to_numpy()},
        geometry=admin.geometry.values[keep], crs=admin.crs,
    )
    return frame.dissolve(by="unit", as_index=False)


def unit_areas(
    frame: gpd.GeoDataFrame | None,
    admin: gpd.GeoDataFrame | None,
    *,
    level: Level,
    weight: str | None = None,
    default_code: str = "",
    areas: NDArray[np.float64] | None = None,
) -> pd.Series:
    """Sum the ellipsoidal area (m2) of ``frame`` per admin unit of ``level``.

    Rows with an ``admin_code`` at least as long as the level's prefix are counted
    by prefix; the others are cut by the admin polygons (see the module docstring).

    Parameters
    ----------
    weight
        A column to multiply each row's area by before summing (e.g. a grade, for
        area-weighted means); its missing values count as 0.
    default_code
        The unit for rows that can be placed neither way (with no admin layer).
    areas
        The ellipsoidal area of each row, when already known.
    """
    if frame is None or frame.empty:
        return pd.Series(dtype="float64")
    rows, units, area = _row_units(frame, admin, level=level, default_code=default_code,
                                   areas=areas)
    if weight:
        w = pd.to_numeric(frame[weight], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        area = area * w[rows]
    # The units told apart once per frame and level (a million farmland rows, four sums).
    return _sum_by_unit(area, _MEMO.get("unit index", (units,), lambda: _told_apart(units)))


def _told_apart(units: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
    """Each row's unit as a position in the sorted unit codes, and those codes."""
    which, names = pd.factorize(units, sort=True)
    return np.asarray(which, dtype=np.intp), np.asarray(names, dtype=object)


def _sum_by_unit(area: NDArray[np.float64],
                 told: tuple[NDArray[np.intp], NDArray[np.object_]]) -> pd.Series:
    """Sum ``area`` by unit, in row order (held or read from disk, the same sums)."""
    which, names = told
    if not len(area):
        return pd.Series(dtype="float64")
    return pd.Series(np.bincount(which, weights=area, minlength=len(names)),
                     index=pd.Index(names, dtype=object), dtype="float64")


def _row_units(
    frame: gpd.GeoDataFrame,
    admin: gpd.GeoDataFrame | None,
    *,
    level: Level,
    default_code: str,
    areas: NDArray[np.float64] | None,
) -> tuple[NDArray[np.intp], NDArray[np.object_], NDArray[np.float64]]:
    """Each row's area by admin unit of ``level``: row positions, unit codes, m2.

    A row with a long enough ``admin_code`` goes whole to its unit; the others are
    split by the dissolved admin polygons with the overlap engine (a row inside one
    unit is not intersected), or go whole to ``default_code``.
    """
    split = partial(_split_rows, frame, admin, level, default_code, areas)
    return _MEMO.get("row units", (frame, admin), split, level, default_code)


def _split_rows(frame: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None, level: Level,
                default_code: str, areas: NDArray[np.float64] | None
                ) -> tuple[NDArray[np.intp], NDArray[np.object_], NDArray[np.float64]]:
    rows, units, where = _unit_parts(frame, admin, level, default_code, areas)
    return (np.concatenate(rows).astype(np.intp),
            np.concatenate(units).astype(object),
            np.concatenate(where).astype(np.float64))


def _unit_parts(frame: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None, level: Level,
                default_code: str, areas: NDArray[np.float64] | None
                ) -> tuple[list[NDArray[Any]], list[NDArray[Any]], list[NDArray[Any]]]:
    """:func:`_split_rows` before joining: the rows placed by code, then the others."""
    n = _PREFIX[level]
    area = ellipsoidal_area(frame.geometry.values, frame.crs) if areas is None else areas
    codes = (
        frame["admin_code"].astype("string").fillna("")
        if "admin_code" in frame
        else pd.Series([""] * len(frame), dtype="string", index=frame.index)
    )
    by_code = (codes.str.len() >= n).to_numpy(dtype=bool)
    whole = np.flatnonzero(by_code)
    rows = [whole]
    units = [codes.str.slice(0, n).to_numpy(dtype=object)[whole]]
    where = [area[whole]]
    rest = np.flatnonzero(~by_code)
    dissolved = _dissolved(admin, level)
    if len(rest) and dissolved is not None:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        at, unit, m2 = _cut_by_units(geoms if len(rest) == len(geoms) else geoms[rest],
                                     dissolved, area[rest], frame.crs)
        rows.append(rest[at])
        units.append(dissolved["unit"].to_numpy(dtype=object)[unit])
        where.append(m2)
    elif len(rest) and len(default_code) >= n:
        rows.append(rest)
        units.append(np.full(len(rest), default_code[:n], dtype=object))
        where.append(area[rest])
    return rows, units, where


def _cut_by_units(geoms: NDArray[np.object_], dissolved: gpd.GeoDataFrame,
                  area: NDArray[np.float64], crs: Any
                  ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Each geometry's area by dissolved unit: positions, unit positions, m2.

    The overlap engine cuts the geometries by the units (a geometry inside one unit is
    not intersected). A part of the approvals' land met before (the same land in the
    approvals of a year and of a year and land use) takes its cut from then.
    """
    known: dict[int, tuple[NDArray[np.intp], NDArray[np.float64]]] = {}
    held = np.zeros(len(geoms), dtype=bool)
    if _MEMO.has("base", ()):
        held = _base()[1].held(geoms)
        known = _MEMO.get("unit cuts", (dissolved,), dict)
    ids = [id(g) for g in geoms.tolist()]
    hit = held & np.asarray([i in known for i in ids], dtype=bool)
    todo = np.flatnonzero(~hit)
    at, unit = np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    m2 = np.zeros(0, dtype=np.float64)
    if len(todo):
        # The whole array when nothing is known, so a tree built over it is reused.
        left, unit, m2 = _unit_pieces(geoms if len(todo) == len(geoms) else geoms[todo],
                                      np.asarray(dissolved.geometry.values, dtype=object),
                                      area[todo], crs)
        at = todo[left]
    if held.any():
        order = np.argsort(at, kind="stable")
        cut = np.searchsorted(at[order], np.arange(len(geoms) + 1)).tolist()
        for k in np.flatnonzero(held & ~hit).tolist():
            mine = order[cut[k]:cut[k + 1]]
            known[ids[k]] = (unit[mine], m2[mine])
    if not hit.any():
        return at, unit, m2
    got = [known[ids[k]] for k in np.flatnonzero(hit).tolist()]
    count = [len(u) for u, _ in got]
    return (np.concatenate([np.repeat(np.flatnonzero(hit), count), at]).astype(np.intp),
            np.concatenate([*(u for u, _ in got), unit]).astype(np.intp),
            np.concatenate([*(a for _, a in got), m2]).astype(np.float64))


def _unit_pieces(geoms: NDArray[np.object_], units: NDArray[np.object_],
                 area: NDArray[np.float64], crs: Any
                 ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Each geometry's area by unit: positions, unit positions, m2, sorted by both.

    The pieces of :func:`~redline.analysis.overlay.pieces` with no sliver. A geometry
    inside one unit (and meeting no other) is that unit's whole piece, of its own area,
    as the overlap engine finds it; it is told by the units' prepared predicates, so only
    the geometries across a unit line (or touching one) go through the engine.
    """
    inside = _inside_one(geoms, units)
    rest = np.flatnonzero(inside < 0)
    mine = np.flatnonzero(inside >= 0)
    p = pieces(geoms if len(rest) == len(geoms) else geoms[rest], units, crs=crs,
               sliver_m2=0.0, left_area_m2=area[rest], geometry=False)
    left = np.concatenate([mine, rest[p.left]]).astype(np.intp)
    unit = np.concatenate([inside[mine], p.right]).astype(np.intp)
    m2 = np.concatenate([area[mine], p.area_m2]).astype(np.float64)
    order = np.lexsort((unit, left))
    return left[order], unit[order], m2[order]


def _inside_one(geoms: NDArray[np.object_], units: NDArray[np.object_]) -> NDArray[np.intp]:
    """Return the unit each geometry lies properly inside, meeting no other; else -1.

    Only valid polygonal geometries with an area are told so; the others are -1.
    """
    out = np.full(len(geoms), -1, dtype=np.intp)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(ok) or not len(units):
        return out
    ok = ok[shapely.is_valid(geoms[ok]) & (shapely.area(geoms[ok]) > 0)
            & np.isin(shapely.get_type_id(geoms[ok]), (3, 6))]
    good = np.flatnonzero(~(shapely.is_missing(units) | shapely.is_empty(units)))
    good = good[shapely.is_valid(units[good])]
    if not len(ok) or len(good) < len(units):
        return out
    tree = shapely.STRtree(geoms[ok])
    # Each unit is the input (prepared once) against the geometries in the tree.
    meet = tree.query(units, predicate="intersects")
    within = tree.query(units, predicate="contains_properly")
    alone = np.bincount(meet[1], minlength=len(ok)) == 1
    keep = alone[within[1]]
    out[ok[within[1][keep]]] = within[0][keep]
    return out


def spilled_unit_areas(disk: Windows, admin: gpd.GeoDataFrame | None, *,
                       default_code: str = "", farmland_only: bool = False,
                       levels: tuple[Level, ...] = ("county", "township"),
                       net: bool = False) -> dict[Level, pd.Series] | None:
    """:func:`unit_areas` at each of ``levels`` of a layer kept on disk, in one read.

    The same sums, added in the same order, as for the layer held whole, over the
    rows that can be judged (and, with ``farmland_only``, of the farmland classes);
    None when there are none. With ``net``, each row's area is weighted by its net
    share (:func:`redline.analysis.farmland.net_share`).
    """
    parts: dict[Level, tuple[list[Any], list[Any]]] = {lv: ([], []) for lv in levels}
    found = False
    for window in disk.windows():
        frame = _farmland(_valid(window)) if farmland_only else _valid(window)
        if frame is None:
            continue
        found = True
        area = ellipsoidal_area(frame.geometry.values, frame.crs)
        if net:
            area = area * net_share(frame, measured=area)
        for lv in levels:
            _, units, where = _unit_parts(frame, admin, lv, default_code, area)
            for i, block in enumerate(zip(units, where, strict=True)):
                parts[lv][min(i, 1)].append(block)
    if not found:
        return None
    out: dict[Level, pd.Series] = {}
    for lv, (placed, rest) in parts.items():
        blocks = placed + rest  # as _split_rows joins them: by code first, then cut
        sums = pd.Series(np.concatenate([a for _, a in blocks]).astype(np.float64),
                         index=np.concatenate([u for u, _ in blocks]).astype(object))
        out[lv] = _sum_by_unit(np.asarray(sums.to_numpy(), dtype=np.float64),
                               _told_apart(sums.index.to_numpy(dtype=object)))
    return out


def _farmland(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Keep the rows of farmland classes (a land-use layer holds others too)."""
    if frame is None or "land_code" not in frame:
        return frame
    farm = is_farmland(frame["land_code"]).to_numpy(dtype=bool)  # 三调 or 二调
    return frame[farm] if farm.any() else None


def _row_areas(frame: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Ellipsoidal area of each row, measured once per frame within one ledger."""
    return _MEMO.get("row areas", (frame,),
                     lambda: ellipsoidal_area(frame.geometry.values, frame.crs))


def _unit_areas_memo(frame: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None, *,
                     level: Level, weight: str | None, default_code: str) -> pd.Series:
    """:func:`unit_areas`, computed once per frame and level within one ledger."""
    if frame is None:
        return unit_areas(frame, admin, level=level, weight=weight, default_code=default_code)
    return _MEMO.get("areas", (frame, admin), lambda: unit_areas(
        frame, admin, level=level, weight=weight, default_code=default_code,
        areas=_row_areas(frame)), level, weight, default_code)


def _spilled_memo(disk: Windows, admin: gpd.GeoDataFrame | None, *, default_code: str,
                  farmland_only: bool, net: bool) -> dict[Level, pd.Series] | None:
    """:func:`spilled_unit_areas`, computed once per layer within one ledger."""
    return _MEMO.get("spilled", (disk, admin), lambda: spilled_unit_areas(
        disk, admin, default_code=default_code, farmland_only=farmland_only, net=net),
        default_code, farmland_only, net)


# --- geometry helpers -----------------------------------------------------------


def _valid(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Rows that can be judged: non-empty geometry and no ``_problem``."""
    if frame is None or frame.empty:
        return None
    ok = ~(frame.geometry.isna() | frame.geometry.is_empty)
    if "_problem" in frame:
        ok &= frame["_problem"].fillna("").astype(str) == ""
    out = frame[ok.to_numpy(dtype=bool)]
    return out if len(out) else None


def _union(frame: gpd.GeoDataFrame | None) -> NDArray[np.object_] | None:
    """Return the parts of the union of ``frame``'s geometries, once per frame in a ledger.

    The parts ``shapely.union_all`` gives (polygons, and any lines a repaired geometry
    left), worked out component by component (:func:`redline.analysis.dissolve.union_parts`).
    """
    if frame is None or frame.empty:
        return None
    return _MEMO.get("union", (frame,), lambda: _union_of(frame))


def _union_of(frame: gpd.GeoDataFrame) -> NDArray[np.object_]:
    rows = _base_rows(frame)
    if rows is not None:
        return _base()[1].parts(rows)
    return union_parts(shapely.make_valid(frame.geometry.values))


def _base() -> tuple[gpd.GeoDataFrame, Dissolver]:
    """Return the approvals of the ledger and their :class:`Dissolver`."""
    base: tuple[gpd.GeoDataFrame, Dissolver] = _MEMO.get("base", (), _no_base)
    return base


def _no_base() -> Any:
    raise LookupError("no base layer")  # pragma: no cover - asked only after has()


def _base_rows(frame: gpd.GeoDataFrame) -> NDArray[np.intp] | None:
    """Positions of ``frame``'s rows in the ledger's approvals, when they are rows of it.

    Rows of it are found by index and confirmed by their geometry objects (a frame
    cut from the approvals holds the same ones), so another frame is never taken
    for them.
    """
    if not _MEMO.has("base", ()):
        return None
    base = _base()[0]
    if frame is base:
        return np.arange(len(base), dtype=np.intp)
    if not base.index.is_unique:
        return None
    rows = base.index.get_indexer(frame.index)
    if (rows < 0).any():
        return None
    mine = np.asarray(frame.geometry.values, dtype=object)
    theirs = np.asarray(base.geometry.values, dtype=object)[rows]
    if not all(a is b for a, b in zip(mine.tolist(), theirs.tolist(), strict=True)):
        return None
    return np.asarray(rows, dtype=np.intp)


def _clip(frame: gpd.GeoDataFrame | None,
          mask: NDArray[np.object_] | None) -> gpd.GeoDataFrame | None:
    """``frame`` cut to ``mask`` (disjoint parts of a union), one row per piece, attributes kept.

    The mask's parts are paired with the rows by the overlap engine, so no row is
    intersected with the whole mask: linear on a million farmland patches.
    """
    if frame is None or frame.empty or mask is None or not len(mask):
        return None
    p = pieces(frame.geometry.values, mask, crs=frame.crs, sliver_m2=0.0)
    if not len(p):
        return None
    attrs = frame.drop(columns=frame.geometry.name).iloc[p.left].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=p.geometry, crs=frame.crs)


def _distinct(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Return the land of ``frame`` counted once: the polygons of its union, with no attribute.

    Two approval documents over the same land (a 转用 batch and its 征收 batch), or the
    same land supplied twice, are one piece of land: every area total of the ledger is
    taken over this, never summed over overlapping features. Within one ledger the same
    frame gives the same result object, so its areas per unit are measured once too.
    """
    if frame is None or frame.empty:
        return None
    return _MEMO.get("distinct", (frame,), lambda: _distinct_of(frame))


def _distinct_of(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    parts = _union(frame)
    if parts is None:
        return None
    parts = parts[shapely.get_type_id(parts) >= 3]
    if not len(parts):
        return None
    land = gpd.GeoDataFrame(geometry=np.asarray(parts, dtype=object), crs=frame.crs)
    if _base_rows(frame) is not None:  # a part met before is not measured again
        _MEMO.put("row areas", (land,), _base()[1].areas(
            np.asarray(parts, dtype=object), partial(ellipsoidal_area, crs=frame.crs)))
    return land


def _distinct_by_code(frame: gpd.GeoDataFrame | None, code: str) -> float:
    """Distinct land (m2) of the rows whose ``admin_code`` starts with ``code``."""
    if frame is None or not len(frame):
        return 0.0
    mine = frame[_prefixed(frame, code)]
    land = _distinct(mine)
    return float(ellipsoidal_area(land.geometry.values, land.crs).sum()) if land is not None \
        else 0.0


# --- the ledger -----------------------------------------------------------------


def released_by(targets: pd.DataFrame | None, code: str, year: int, on: date) -> float:
    """Quota released to county ``code`` for ``year`` by date ``on``, in ha (NaN if unknown).

    With a ``released_on`` column, each targets row of the county-year is one
    phased release (分段下达) of ``quota_released_ha``; the releases dated on or
    before ``on`` are summed. Without it, ``quota_released_ha`` (or, when that is
    blank, ``quota_ha``) counts as released from the start of the year.
    """
    rows = _target_rows(targets, code, year)
    if rows is None:
        return float("nan")
    released = pd.to_numeric(rows["quota_released_ha"] if "quota_released_ha" in rows
                             else pd.Series(np.nan, index=rows.index), errors="coerce")
    if "released_on" in rows:
        when = pd.to_datetime(rows["released_on"], errors="coerce")
        dated = when.notna().to_numpy(dtype=bool)
        if dated.any():
            by = (when.dt.date <= on).to_numpy(dtype=bool) | ~dated
            return float(released[by].fillna(0.0).sum())
    if released.notna().any():
        return float(released.max())
    return float(pd.to_numeric(rows["quota_ha"], errors="coerce").max())


def _years(targets: pd.DataFrame) -> pd.Series:
    """Return the targets' years as floats.

    A year that could not be read (blank, ``abc``) is NaN and matches no year (the reader
    has already warned of it).
    """
    if "year" not in targets:
        return pd.Series(np.nan, index=targets.index)
    return pd.to_numeric(targets["year"], errors="coerce").astype("float64")


def _target_codes(targets: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return the targets' admin codes as text and years (read once within a ledger)."""
    return _MEMO.get("target codes", (targets,),
                     lambda: (_codes(targets["admin_code"]), _years(targets)))


def _target_rows(targets: pd.DataFrame | None, code: str, year: int) -> pd.DataFrame | None:
    if targets is None or targets.empty or "admin_code" not in targets:
        return None
    rows = _MEMO.get("target rows", (targets,), lambda: _rows_of(targets, code, year),
                     code, year)
    return rows.copy() if rows is not None else None


def _rows_of(targets: pd.DataFrame, code: str, year: int) -> pd.DataFrame | None:
    codes, years = _target_codes(targets)
    rows = targets[((codes == code) & (years == year)).to_numpy(dtype=bool)]
    return rows if len(rows) else None


def _target(targets: pd.DataFrame | None, code: str, year: int, column: str) -> float:
    """Return a county's target for ``year``, else its latest earlier year's (NaN if none)."""
    if targets is None or column not in targets or "year" not in targets:
        return float("nan")
    codes, years = _target_codes(targets)
    keep = ((codes == code) & (years <= year)).to_numpy(dtype=bool)
    if not keep.any():
        return float("nan")
    last = years[keep].max()
    values = pd.to_numeric(targets.loc[keep & (years == last).to_numpy(dtype=bool), column],
                           errors="coerce")
    return float(values.max())


def quota_overrun(approvals: gpd.GeoDataFrame | None, targets: pd.DataFrame | None,
                  admin: gpd.GeoDataFrame | None, *, code: str, as_of: date,
                  default_code: str = "") -> dict[str, Any] | None:
    """Approvals of the year of ``as_of`` beyond the quota released by their date (超计划批地).

    Walks the year's approval dates up to ``as_of`` in order, adding the distinct land
    approved in county ``code`` (land approved twice counts once) and comparing it with
    :func:`released_by` on that day. Returns None when the county never ran past its
    released quota (or has no quota row for the year); else ``on`` (the first date past
    it), ``approval_ids`` (the approvals of that date and after, in the county),
    ``excess_ha`` (the most the approved land exceeded the released quota by, on any
    date), ``approved_ha`` and ``released_ha`` on the date of that excess.
    """
    year = as_of.year
    if approvals is None or "approved_on" not in approvals or _target_rows(
            targets, code, year) is None:
        return None
    inside = approvals[in_year(approvals, "approved_on", as_of)]
    if not len(inside):
        return None
    when = pd.to_datetime(inside["approved_on"], errors="coerce").dt.date
    by_day = _MEMO.get("approved by day", (approvals, admin),
                       lambda: _approved_by_day(inside, when, admin, default_code),
                       as_of, default_code)
    first: date | None = None
    worst = (0.0, 0.0, 0.0)
    mine = (by_day[code].to_numpy(dtype=float) if code in by_day
            else np.zeros(len(by_day), dtype=float))
    for day, m2 in zip(by_day.index.tolist(), mine.tolist(), strict=True):
        approved = m2 / settings.M2_PER_HA
        released = released_by(targets, code, year, day)
        excess = approved - np.nan_to_num(released)
        if excess > 1e-9:
            first = first or day
            if excess > worst[0]:
                worst = (excess, approved, released)
    if first is None:
        return None
    later = inside[(when >= first).to_numpy(dtype=bool)]
    ids = [str(i) for i in later.get("approval_id", pd.Series(dtype=object)).tolist()]
    return {"on": first, "approval_ids": ids, "excess_ha": worst[0], "approved_ha": worst[1],
            "released_ha": worst[2],
            "geometry": union(shapely.make_valid(np.asarray(later.geometry.values,
                                                            dtype=object)))}


def _approved_by_day(inside: gpd.GeoDataFrame, when: pd.Series,
                     admin: gpd.GeoDataFrame | None, default_code: str) -> pd.DataFrame:
    """Distinct land (m2) approved up to each approval date, by county: dates x codes.

    The land of the approvals dated up to a date is the union of the latest version of
    each component of overlapping approvals (:func:`~redline.analysis.dissolve.union_by_date`):
    a version's land replaces its previous one's from its date on, so each date adds the
    change of the components approved on it. Every piece is measured as
    :func:`unit_areas` measures the union's pieces.
    """
    days = sorted(when.dropna().unique())  # approval dates of one year: few
    geoms = shapely.make_valid(np.asarray(inside.geometry.values, dtype=object))
    ok = (when.notna().to_numpy(dtype=bool)
          & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    stamps = when.to_numpy(dtype=object)[ok]
    parts, version, comp, day = union_by_date(geoms[ok], stamps)
    uniq = sorted(set(stamps.tolist()))
    if not len(parts):
        return pd.DataFrame(index=pd.Index(days, dtype=object), dtype="float64")
    frame = gpd.GeoDataFrame(geometry=parts, crs=inside.crs)
    rows, units, area = _split_rows(frame, admin, "county", default_code, None)
    codes = sorted(set(units.tolist()))
    column = {c: i for i, c in enumerate(codes)}
    own = np.zeros((len(comp), len(codes)), dtype=float)
    np.add.at(own, (version[rows], np.asarray([column[u] for u in units.tolist()],
                                              dtype=np.intp)), area)
    # Each version's change from the previous version of its component.
    order = np.lexsort((day, comp))
    change = own[order].copy()
    same = np.zeros(len(order), dtype=bool)
    same[1:] = comp[order][1:] == comp[order][:-1]
    change[1:][same[1:]] -= own[order][:-1][same[1:]]
    added = np.zeros((len(uniq), len(codes)), dtype=float)
    np.add.at(added, day[order], change)
    total = pd.DataFrame(np.cumsum(added, axis=0), index=pd.Index(uniq, dtype=object),
                         columns=codes)
    # A date whose approvals have no geometry adds nothing: the land of the day before.
    return total.reindex(pd.Index(days, dtype=object)).ffill().fillna(0.0)


def forecast_demand(history: pd.Series, *, next_year: int, planned_ha: float | None = None,
                    quota_ha: float | None = None) -> dict[str, Any]:
    """Next year's new construction-land demand from the distinct land approved each year.

    Method (a planner's, not a trend line that runs away): the mean of the last
    :data:`FORECAST_YEARS` complete years of approvals (fewer when fewer are known; a year
    with no approval counts as 0 once approvals began); the band is the smallest and the
    largest of those years. Planned projects for next year (``planned_ha``, from
    ``redline.toml``'s ``[forecast]``), when given, are the forecast instead, with the
    same band. ``demand_quota_gap_ha`` is the forecast minus this year's quota
    (``quota_ha``): positive when next year needs more than this year was allowed.

    Examples
    --------
    >>> import pandas as pd
    >>> f = forecast_demand(pd.Series({2023: 10.0, 2024: 12.0, 2025: 14.0}), next_year=2026,
    ...                     quota_ha=10.0)
    >>> f["demand_next_ha"], f["demand_low_ha"], f["demand_high_ha"], f["demand_quota_gap_ha"]
    (12.0, 10.0, 14.0, 2.0)
    """
    h = history.dropna().sort_index()
    h = h[h.index < next_year].tail(FORECAST_YEARS)
    out: dict[str, Any] = {"demand_next_ha": float("nan"), "demand_low_ha": float("nan"),
                           "demand_high_ha": float("nan"), "demand_quota_gap_ha": float("nan"),
                           "demand_method": "no approval history"}
    planned = planned_ha is not None and np.isfinite(planned_ha)
    if h.empty and not planned:
        return out
    values = h.to_numpy(dtype=float)
    if len(values):
        years = f"{int(h.index.min())}-{int(h.index.max())}"
        out.update(demand_next_ha=float(values.mean()), demand_low_ha=float(values.min()),
                   demand_high_ha=float(values.max()),
                   demand_method=f"mean of {len(values)} complete year(s) of approvals "
                                 f"({years}); band: their smallest and largest")
    if planned:
        assert planned_ha is not None
        out["demand_next_ha"] = float(planned_ha)
        out["demand_method"] = "planned projects (redline.toml [forecast])" + (
            f"; band from {len(values)} year(s) of approvals" if len(values)
            else "; no history for a band")
    if quota_ha is not None and np.isfinite(quota_ha):
        out["demand_quota_gap_ha"] = float(out["demand_next_ha"]) - float(quota_ha)
    return out


def _default_code(targets: pd.DataFrame | None, findings: pd.DataFrame) -> str:
    codes: set[str] = set()
    if targets is not None and "admin_code" in targets:
        codes |= {_code(c)[:6] for c in targets["admin_code"].dropna()}
    if "admin_code" in findings:
        codes |= {str(c)[:6] for c in findings["admin_code"].dropna() if len(str(c)) >= 6}
    return codes.pop() if len(codes) == 1 else ""


def county_ledger(
    layers: Mapping[str, gpd.GeoDataFrame],
    targets: pd.DataFrame | None,
    findings: gpd.GeoDataFrame,
    *,
    as_of: date,
    spilled: Mapping[str, Windows] | None = None,
    planned_ha: Mapping[str, float] | None = None,
    accountability: Accountability | None = None,
) -> pd.DataFrame:
    """One row per admin unit: targets, quota, farmland balance, violations, rank, forecast.

    Parameters
    ----------
    layers
        Role -> frame (all in one metric CRS). Any may be missing; its columns are NaN.
        The supplement's ``farmland_added`` / ``paddy_added`` are in ha (as
        :mod:`redline.io.supplement` leaves them).
    targets
        targets.csv rows (``schema.TARGET_COLUMNS``, optional ``released_on``).
    findings
        The findings table (``schema.FINDING_COLUMNS``). The unlawful pieces of the
        accountability ratio are its ``unapproved_construction`` findings.
    as_of
        The date of the check. Its year up to it is the window of every "this year"
        figure (:func:`redline.analysis.dates.in_year`): approvals with ``approved_on``
        in it use the quota and occupy farmland; supplement projects with
        ``completed_on`` in it add farmland (all projects when that field is missing);
        change patches with ``detected_on`` in it are the new construction judged.
        The demand forecast for the next year uses complete years only (the year of
        ``as_of`` itself when ``as_of`` is its last day).
    spilled
        Farmland layers kept on disk (:mod:`redline.io.spill`) in place of the frames
        of ``layers``: their areas per unit are summed window by window, and only
        the farmland under the year's approvals and change patches is read whole.
    planned_ha
        Planned projects' new construction land for next year, ha, by county code
        (``redline.toml`` ``[forecast] planned_ha``; ``""`` for the one county of a
        dataset): the forecast of those counties.
    accountability
        The ``accountability_ratio`` rule's result on the same layers, if it ran: the
        land and farmland pieces it found are taken from it
        (:func:`redline.analysis.accountability.accountability_levels`, ``known``).

    Returns
    -------
    pandas.DataFrame
        ``admin_code``, ``admin_name``, ``level``, then :data:`LEDGER_COLUMNS`.
        Farmland figures are net (land-class area, :mod:`redline.analysis.farmland`)
        with the gross beside them; every area total is distinct land (a union).
        Margins and balances are ``now - target`` and ``added - occupied`` (negative is
        a shortfall). ``grade_balance`` is mean grade occupied minus mean grade added
        (grade 1 is best, so negative means worse land was added). ``score`` and
        ``rank``: :func:`rank_counties`.
    """
    with _MEMO.scope():
        return _county_ledger(layers, targets, findings, as_of=as_of, spilled=spilled,
                              planned_ha=dict(planned_ha or {}), ruled=accountability)


def _with_share(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Return the frame with ``_net_share``, each patch's net share, as a column."""
    if frame is None:
        return None
    area = _row_areas(frame)
    out = frame.assign(_net_share=net_share(frame, measured=area))
    _MEMO.put("row areas", (out,), area)  # the same rows: measured once
    return out


def _county_ledger(  # noqa: PLR0915 - one row per unit, part by part
    layers: Mapping[str, gpd.GeoDataFrame],
    targets: pd.DataFrame | None,
    findings: gpd.GeoDataFrame,
    *,
    as_of: date,
    spilled: Mapping[str, Windows] | None = None,
    planned_ha: dict[str, float],
    ruled: Accountability | None = None,
) -> pd.DataFrame:
    year = as_of.year
    admin = _valid(layers.get("admin"))
    spilled = dict(spilled or {})
    approvals_all = _valid(layers.get("approvals"))
    if approvals_all is not None and "approved_on" in approvals_all:
        # An approval dated after the check is not yet known to it.
        known = pd.to_datetime(approvals_all["approved_on"], errors="coerce")
        approvals_all = _valid(approvals_all[~(known > pd.Timestamp(as_of)).to_numpy(bool)])
    if approvals_all is not None:
        # Unions of the approvals (of the year, of each year and land use) share work.
        _MEMO.put("base", (), (approvals_all, Dissolver(
            shapely.make_valid(np.asarray(approvals_all.geometry.values, dtype=object)))))
    approvals = _in_year(approvals_all, "approved_on", as_of)
    supply = _valid(layers.get("supply"))
    supplement = _in_year(_valid(layers.get("supplement")), "completed_on", as_of,
                          undated=True)
    changes = _valid(layers.get("changes"))
    year_changes = _in_year(changes, "detected_on", as_of)
    if "farmland" in spilled:
        # Only the farmland under the year's approvals and change patches is cut below.
        under = [np.asarray(f.geometry.values, dtype=object)
                 for f in (approvals, year_changes) if f is not None]
        farmland = _farmland(_valid(spilled["farmland"].meeting(
            np.concatenate(under) if under else np.zeros(0, dtype=object))))
    else:
        farmland = _farmland(_valid(layers.get("farmland")))
    farmland = _with_share(farmland)
    basic = _with_share(_valid(layers.get("basic_farmland")))
    if "basic_farmland" in spilled and year_changes is not None:
        basic_under = _valid(spilled["basic_farmland"].meeting(
            np.asarray(year_changes.geometry.values, dtype=object)))
    else:
        basic_under = basic

    default = _default_code(targets, findings)
    extra = [] if targets is None or "admin_code" not in targets else [
        _code(c) for c in targets["admin_code"].dropna()]
    extra += [str(c) for c in findings.get("admin_code", pd.Series(dtype=str)).dropna()]
    if default:
        extra.append(default)
    units = ledger_units(admin, extra_codes=extra)
    if "" in planned_ha and (units["level"] == "county").sum() == 1:
        # A number alone is the planned land of the dataset's one county.
        planned_ha = {str(units.loc[units["level"] == "county", "admin_code"].iloc[0]):
                      planned_ha[""], **planned_ha}

    unlawful = findings[(findings["rule"] == "unapproved_construction").to_numpy(dtype=bool)] \
        if "rule" in findings else None
    def as_read(role: str, kept: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        # The ratio keeps the patches it can judge itself: given the layers as read (the
        # frames the accountability rule read), the rule's work is taken.
        return layers.get(role) if kept is not None and role not in spilled else kept

    levels = accountability_levels(
        as_read("changes", changes), unlawful, as_read("farmland", farmland),
        as_read("basic_farmland", basic_under), as_read("admin", admin), as_of=as_of,
        digits=tuple(_PREFIX.values()), default_code=default, known=ruled)
    acc = {lv: levels[n].table.set_index("admin_code") for lv, n in _PREFIX.items()}
    approved_land = _distinct(approvals)
    supplied_land = _distinct(supply)
    idle = findings[findings["rule"].isin(IDLE_RULES).to_numpy(dtype=bool)] \
        if "rule" in findings else findings.iloc[:0]

    # The farmland is overlaid several times below: its tree is built once.
    with reuse_trees(None if farmland is None
                     else np.asarray(farmland.geometry.values, dtype=object)):
        occupied = _clip(farmland, _union(approvals))
        paddy = None
        if occupied is not None and "land_code" in occupied:
            is_paddy = occupied["land_code"].astype("string").fillna("").str.startswith("0101")
            paddy = occupied[is_paddy.to_numpy(dtype=bool)]
        unsupplied = _unsupplied(approvals_all, supply)

        rows = []
        for unit in units.itertuples(index=False):  # one row per unit: tens at most
            level: Level = "county" if unit.level == "county" else "township"
            code = str(unit.admin_code)

            def area(frame: gpd.GeoDataFrame | None, weight: str | None = None,
                     *, _level: Level = level, _code: str = code) -> float:
                return float(_unit_areas_memo(frame, admin, level=_level, weight=weight,
                                              default_code=default).get(_code, 0.0))

            row: dict[str, Any] = {"admin_code": code, "admin_name": unit.admin_name,
                                   "level": level}
            now = {(role, net): _now(area, held, spilled.get(role), admin, level=level,
                                     code=code, default=default, net=net,
                                     farmland_only=role == "farmland")
                   for role, held in (("farmland", farmland), ("basic_farmland", basic))
                   for net in (True, False)}
            row.update(_targets_part(now, targets, code=code, year=year, level=level))
            row.update(_quota_part(area, approved_land, approvals, targets, code=code,
                                   level=level, as_of=as_of, admin=admin, default=default))
            row.update(_balance_part(area, occupied, paddy, supplement))
            row.update(_violation_part(acc[level], findings, code, level=level))
            supplied_m2 = area(supplied_land) if supply is not None else float("nan")
            idle_m2 = _distinct_by_code(idle, code)
            row["supplied_ha"] = supplied_m2 / settings.M2_PER_HA
            row.update(_supply_part(area, approvals_all, unsupplied))
            row["idle_ha"] = idle_m2 / settings.M2_PER_HA
            row["idle_share"] = idle_m2 / supplied_m2 if supplied_m2 > 0 else float("nan")
            row.update(_forecast_part(approvals_all, admin, code=code, level=level, year=year,
                                      default=default, planned_ha=planned_ha.get(code),
                                      as_of=as_of, quota_ha=row.get("quota_ha")))
            rows.append(row)
        out = pd.DataFrame(rows, columns=["admin_code", "admin_name", "level",
                                          *LEDGER_COLUMNS])
        return rank_counties(out)


def _in_year(frame: gpd.GeoDataFrame | None, column: str, as_of: date, *,
             undated: bool = False) -> gpd.GeoDataFrame | None:
    """Return the rows of ``frame`` in the check's year up to ``as_of``; None when none is."""
    if frame is None:
        return None
    out = frame[in_year(frame, column, as_of, undated=undated)]
    return out if len(out) else None


def _unsupplied(approvals: gpd.GeoDataFrame | None, supply: gpd.GeoDataFrame | None
                ) -> gpd.GeoDataFrame | None:
    """Land approved (any year up to the check) that no supply parcel covers (批而未供)."""
    land = _distinct(approvals)
    if land is None or supply is None:
        return land
    rest = cover(land.geometry.values, np.asarray(supply.geometry.values, dtype=object),
                 crs=land.crs, parcel_area_m2=_row_areas(land)).uncovered
    return _distinct(gpd.GeoDataFrame(geometry=np.asarray(rest, dtype=object), crs=land.crs))


def _supply_part(area: Any, approvals: gpd.GeoDataFrame | None,
                 unsupplied: gpd.GeoDataFrame | None) -> dict[str, Any]:
    if approvals is None:
        return {"approved_total_ha": float("nan"), "unsupplied_ha": float("nan"),
                "supply_rate": float("nan")}
    total = area(_distinct(approvals)) / settings.M2_PER_HA
    left = area(unsupplied) / settings.M2_PER_HA
    return {"approved_total_ha": total, "unsupplied_ha": left,
            "supply_rate": 1.0 - left / total if total > 0 else float("nan")}


def _now(area: Any, held: gpd.GeoDataFrame | None, disk: Windows | None,
         admin: gpd.GeoDataFrame | None, *, level: Level, code: str, default: str,
         farmland_only: bool, net: bool) -> float:
    """Return a farmland layer's area (m2, net or gross) in a unit: held, or from disk."""
    if disk is None:
        if held is None:
            return float("nan")
        return area(held, "_net_share") if net else area(held)
    sums = _spilled_memo(disk, admin, default_code=default, farmland_only=farmland_only,
                         net=net)
    return float(sums[level].get(code, 0.0)) if sums is not None else float("nan")


def _prefixed(frame: pd.DataFrame, code: str) -> np.ndarray:
    if "admin_code" not in frame:
        return np.zeros(len(frame), dtype=bool)
    text = _MEMO.get("code text", (frame,),
                     lambda: frame["admin_code"].astype("string").fillna(""))
    return text.str.startswith(code).to_numpy(dtype=bool)


def _targets_part(now: Mapping[tuple[str, bool], float], targets: pd.DataFrame | None, *,
                  code: str, year: int, level: Level) -> dict[str, Any]:
    farm_ha = now[("farmland", True)] / settings.M2_PER_HA
    basic_ha = now[("basic_farmland", True)] / settings.M2_PER_HA
    target = _target(targets, code, year, "farmland_target_ha") if level == "county" else np.nan
    btarget = (_target(targets, code, year, "basic_farmland_target_ha")
               if level == "county" else np.nan)
    return {"farmland_ha": farm_ha,
            "farmland_gross_ha": now[("farmland", False)] / settings.M2_PER_HA,
            "farmland_target_ha": target, "farmland_margin_ha": farm_ha - target,
            "basic_farmland_ha": basic_ha,
            "basic_farmland_gross_ha": now[("basic_farmland", False)] / settings.M2_PER_HA,
            "basic_farmland_target_ha": btarget, "basic_farmland_margin_ha": basic_ha - btarget}


def _quota_part(area: Any, approved_land: gpd.GeoDataFrame | None,
                approvals: gpd.GeoDataFrame | None, targets: pd.DataFrame | None, *,
                code: str, level: Level, as_of: date, admin: gpd.GeoDataFrame | None,
                default: str) -> dict[str, Any]:
    approved = area(approved_land) / settings.M2_PER_HA
    if level != "county":
        return {"approved_ha": approved}
    rows = _target_rows(targets, code, as_of.year)
    quota = float(pd.to_numeric(rows["quota_ha"], errors="coerce").max()) if (
        rows is not None and "quota_ha" in rows) else float("nan")
    released = released_by(targets, code, as_of.year, as_of)
    over = quota_overrun(approvals, targets, admin, code=code, as_of=as_of,
                         default_code=default)
    return {"quota_ha": quota, "quota_released_ha": released, "approved_ha": approved,
            "quota_used_share": approved / quota if quota > 0 else float("nan"),
            "quota_remaining_ha": quota - approved, "quota_over_release": over is not None,
            "quota_over_release_on": "" if over is None else over["on"].isoformat()}


def _balance_part(area: Any, occupied: gpd.GeoDataFrame | None,
                  paddy: gpd.GeoDataFrame | None,
                  supplement: gpd.GeoDataFrame | None) -> dict[str, Any]:
    occ_m2 = area(occupied, "_net_share")
    occ_grade = float("nan")
    if occupied is not None and "grade" in occupied and occ_m2 > 0:
        weighted = occupied.assign(_grade_w=occupied["_net_share"] * pd.to_numeric(
            occupied["grade"], errors="coerce").fillna(0.0))
        occ_grade = area(weighted, "_grade_w") / occ_m2
    row: dict[str, Any] = {
        "occupied_farmland_ha": occ_m2 / settings.M2_PER_HA,
        "occupied_farmland_gross_ha": area(occupied) / settings.M2_PER_HA,
        "occupied_paddy_ha": area(paddy, "_net_share") / settings.M2_PER_HA,
        "occupied_grade": occ_grade,
    }
    added = paddy_added = grade = float("nan")
    if supplement is not None:
        # The supplement's own figures (ha, as read), not its outline, are what the
        # project recorded; they are split between units like areas: by code prefix, or
        # by where the project lies.
        share = supplement.copy()
        own = _row_areas(supplement).copy()
        own[own == 0] = np.nan
        for column in ("farmland_added", "paddy_added"):
            if column in share:
                share[f"_{column}"] = pd.to_numeric(share[column], errors="coerce"
                                                    ).to_numpy() / own
        if "_farmland_added" in share:
            added = area(share, "_farmland_added")
        if "_paddy_added" in share:
            paddy_added = area(share, "_paddy_added")
        if "grade" in share and "_farmland_added" in share:
            share["_grade_w"] = share["_farmland_added"] * pd.to_numeric(share["grade"],
                                                                       errors="coerce")
            grade = area(share, "_grade_w") / added if added > 0 else float("nan")
        if not np.isfinite(added):
            added = area(_distinct(supplement)) / settings.M2_PER_HA
    row.update({"added_farmland_ha": added, "added_paddy_ha": paddy_added,
                "added_grade": grade,
                "balance_ha": np.nan_to_num(added) - row["occupied_farmland_ha"],
                "paddy_balance_ha": np.nan_to_num(paddy_added) - row["occupied_paddy_ha"],
                "grade_balance": occ_grade - grade})
    return row


def _violation_part(acc: pd.DataFrame, findings: pd.DataFrame, code: str, *,
                    level: Level) -> dict[str, Any]:
    got: dict[Any, Any] | None = acc.loc[code].to_dict() if code in acc.index else None
    illegal = float(got["illegal_m2"]) if got is not None else 0.0
    new = float(got["new_m2"]) if got is not None else 0.0
    county = level == "county"
    share = illegal / new if new > 0 else float("nan")
    mine = findings[_prefixed(findings, code)]
    high = int((mine["severity"] == "high").sum()) if "severity" in mine else 0
    criminal = int((mine["rule"] == "criminal_threshold").sum()) if "rule" in mine else 0
    cases = mine[~mine["rule"].isin(["accountability_ratio", "criminal_threshold"]).to_numpy(
        dtype=bool)] if "rule" in mine else mine.iloc[:0]
    largest = (cases.sort_values(["area_m2", "finding_id"], ascending=[False, True]).iloc[0]
               if len(cases) else None)
    return {"illegal_farmland_ha": illegal / settings.M2_PER_HA,
            "illegal_farmland_gross_ha": (float(got["illegal_gross_m2"]) if got is not None
                                          else 0.0) / settings.M2_PER_HA,
            "new_occupied_farmland_ha": new / settings.M2_PER_HA,
            # 令15号 weighs county-level units only: townships get the areas, not the ratio.
            "illegal_share": share if county else float("nan"),
            "accountability_breach": (bool(got["breach"]) if got is not None else False)
            if county else pd.NA,
            "findings_high_count": high, "criminal_cases": criminal,
            "largest_case": "" if largest is None else str(largest["finding_id"]),
            "largest_case_mu": float("nan") if largest is None else float(largest["area_mu"])}


def _years_table(approvals: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None, *,
                 level: Level, default_code: str, by_use: bool = False) -> pd.DataFrame:
    """Distinct land approved (ha), admin units (and land uses) by years of ``approved_on``."""
    lands = _MEMO.get("year lands", (approvals,),
                      lambda: _year_lands(approvals, by_use=by_use), by_use)
    rows = []
    if lands:
        # Every year's land is cut by the admin units in one pass, measured once for
        # both levels; the sums are taken year by year as unit_areas takes them.
        joined = _MEMO.get("year lands joined", (lands,), lambda: _joined(lands))
        at, units, area = _row_units(joined, admin, level=level, default_code=default_code,
                                     areas=_row_areas(joined))
        group = joined["_group"].to_numpy(dtype=np.intp)[at]
        for g, (yr, kind, _) in enumerate(lands):
            mine = group == g
            if not mine.any():
                continue
            sums = pd.Series(area[mine], index=units[mine]).groupby(level=0).sum()
            rows += [{"unit": u, "year": int(yr), "use": kind, "ha": a / settings.M2_PER_HA}
                     for u, a in sums.items()]
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).pivot_table(index=["unit", "use"], columns="year", values="ha",
                                           aggfunc="sum", fill_value=0.0)
    table.columns = [int(c) for c in table.columns]
    return table


def _year_lands(approvals: gpd.GeoDataFrame, *, by_use: bool
                ) -> list[tuple[int, str, gpd.GeoDataFrame]]:
    """Return the distinct land approved in each year of ``approved_on`` (and land use)."""
    when = pd.to_datetime(approvals["approved_on"], errors="coerce").dt.year
    use = (approvals["land_use"].astype("string").fillna("").str.slice(0, 2)
           if by_use and "land_use" in approvals else pd.Series("", index=approvals.index))
    out = []
    for (yr, kind), group in approvals.groupby([when, use.to_numpy()], sort=True):
        land = _distinct(group)
        if land is not None:
            out.append((int(yr), str(kind), land))
    return out


def _joined(lands: list[tuple[int, str, gpd.GeoDataFrame]]) -> gpd.GeoDataFrame:
    """Return the lands of :func:`_year_lands` in one frame, ``_group`` their position."""
    frames = [land.assign(_group=g) for g, (_, _, land) in enumerate(lands)]
    joined = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=lands[0][2].crs)
    _MEMO.put("row areas", (joined,), np.concatenate([_row_areas(land) for _, _, land in lands]))
    return joined


def approvals_by_year(approvals: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None,
                      *, code: str, level: Level = "county", default_code: str = "",
                      by_use: bool = False) -> pd.DataFrame:
    """Distinct land approved (ha) per calendar year of ``approved_on`` for one admin unit.

    One row per land use class (the first two characters of ``land_use``; ``""`` for
    all land, or when ``by_use`` is false), one column per year.
    """
    if approvals is None or "approved_on" not in approvals:
        return pd.DataFrame()
    table = _MEMO.get("by_year", (approvals, admin), lambda: _years_table(
        approvals, admin, level=level, default_code=default_code, by_use=by_use),
        level, default_code, by_use)
    if table.empty or code not in table.index.get_level_values(0):
        return pd.DataFrame(columns=table.columns, dtype="float64")
    return pd.DataFrame(table.xs(code, level=0))


def _complete(history: pd.Series, *, last: int) -> pd.Series:
    """Years from the first approval to ``last``, a year with none as 0."""
    if not len(history):
        return pd.Series(dtype="float64")
    first = int(history.index.min())
    if first > last:
        return pd.Series(dtype="float64")
    return history.reindex(range(first, last + 1), fill_value=0.0)


def _forecast_part(approvals: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None,
                   *, code: str, level: Level, year: int, default: str,
                   planned_ha: float | None, as_of: date, quota_ha: float | None
                   ) -> dict[str, Any]:
    # Only complete years: a year still running would read as a fall in demand.
    last = year if as_of >= date(year, 12, 31) else year - 1
    table = approvals_by_year(approvals, admin, code=code, level=level, default_code=default)
    history = (pd.Series(table.sum(axis=0).to_numpy(dtype=float), index=table.columns)
               if len(table) else pd.Series(dtype="float64"))
    out = forecast_demand(_complete(history, last=last), next_year=last + 1 if last == year
                          else year + 1, planned_ha=planned_ha,
                          quota_ha=quota_ha if level == "county" else None)
    uses = approvals_by_year(approvals, admin, code=code, level=level, default_code=default,
                             by_use=True)
    parts = []
    if len(uses) and approvals is not None and "land_use" in approvals:
        for use, row in uses.iterrows():
            series = _complete(pd.Series(row.to_numpy(dtype=float), index=uses.columns),
                               last=last).tail(FORECAST_YEARS)
            if len(series) and str(use):
                parts.append(f"{use}: {series.mean():.2f}")
    out["demand_by_use"] = "; ".join(parts)
    return out


#: What the county score weighs, each a share 0-1 where 1 is best (README, "Outputs").
SCORE_PARTS: Final[tuple[str, ...]] = ("target", "lawful", "supply", "cases")

#: A farmland shortfall of this share of the target scores 0 on the target part.
SCORE_SHORTFALL_ZERO: Final[float] = 0.10


def score_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the four parts of the county score, each 0-1 (1 best), NaN where unknown.

    ``target``: 1 when net farmland meets its protection target, falling linearly to 0
    at a shortfall of :data:`SCORE_SHORTFALL_ZERO` of the target; ``lawful``: 1 minus
    ``illegal_share`` / 0.15 (令15号), at least 0 (1 with no farmland built on
    illegally); ``supply``: ``supply_rate``, the share
    of the land ever approved that is supplied; ``cases``: 1 / (1 + the number of
    high-severity findings).
    """
    def num(name: str) -> pd.Series:
        return pd.to_numeric(frame.get(name, pd.Series(np.nan, index=frame.index)),
                             errors="coerce").astype(float)

    target = num("farmland_target_ha")
    shortfall = ((target - num("farmland_ha")).clip(lower=0.0) / target.where(target > 0))
    return pd.DataFrame({
        "target": (1.0 - shortfall / SCORE_SHORTFALL_ZERO).clip(0.0, 1.0),
        # No farmland built on illegally is lawful, even with nothing built at all.
        "lawful": (1.0 - num("illegal_share").where(num("illegal_farmland_ha") != 0, 0.0)
                   / settings.accountability_ratio).clip(0.0, 1.0),
        "supply": num("supply_rate").clip(0.0, 1.0),
        "cases": 1.0 / (1.0 + num("findings_high_count")),
    }, index=frame.index)


def rank_counties(frame: pd.DataFrame) -> pd.DataFrame:
    """Score and rank the county rows of a ledger (or of a batch's counties together).

    ``score`` is 100 times the mean of the known parts of :func:`score_parts` (target
    attainment, lawful share, supply rate, cases), higher is better; ``rank`` 1 is the
    best county. Ties are broken by the lower ``illegal_share``, then the higher
    ``supply_rate``, then the admin code, so every county has its own rank. Rows whose
    ``level`` is not ``county`` get neither.
    """
    out = frame.copy()
    county = ((out["level"] == "county").to_numpy(dtype=bool) if "level" in out
              else np.ones(len(out), dtype=bool))
    parts = score_parts(out)
    score = 100.0 * parts.mean(axis=1, skipna=True)
    out["score"] = score.where(county)
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if county.any():
        rows = out.loc[county]
        nan = pd.Series(np.nan, index=rows.index)
        table = pd.DataFrame({
            "score": rows["score"].astype(float).fillna(-1.0),
            "illegal": pd.to_numeric(rows.get("illegal_share", nan),
                                     errors="coerce").astype(float).fillna(np.inf),
            "supply": -pd.to_numeric(rows.get("supply_rate", nan),
                                     errors="coerce").astype(float).fillna(-1.0),
            "code": rows["admin_code"].astype(str),
        })
        order = table.sort_values(["score", "illegal", "supply", "code"],
                                  ascending=[False, True, True, True], kind="stable").index
        out.loc[order, "rank"] = np.arange(1, len(order) + 1)
    return out


#: Ledger columns a city adds up over its counties (counties do not overlap, so their
#: distinct land adds up to the city's distinct land).
CITY_SUMS: Final[tuple[str, ...]] = (
    "farmland_ha", "farmland_gross_ha", "farmland_target_ha", "farmland_margin_ha",
    "basic_farmland_ha", "basic_farmland_gross_ha", "basic_farmland_target_ha",
    "basic_farmland_margin_ha", "quota_ha", "quota_released_ha", "approved_ha",
    "quota_remaining_ha", "occupied_farmland_ha", "occupied_farmland_gross_ha",
    "occupied_paddy_ha", "added_farmland_ha", "added_paddy_ha", "balance_ha",
    "paddy_balance_ha", "illegal_farmland_ha", "illegal_farmland_gross_ha",
    "new_occupied_farmland_ha", "findings_high_count", "criminal_cases", "supplied_ha",
    "approved_total_ha", "unsupplied_ha", "idle_ha", "demand_next_ha", "demand_quota_gap_ha",
)


def city_row(counties: pd.DataFrame) -> dict[str, Any]:
    """Return the ledger figures of a city: its counties' rows taken together.

    Areas and counts are the sums of :data:`CITY_SUMS` over the counties that have them
    (a column none has stays out); shares are recomputed from those sums
    (``illegal_share`` = illegal / newly occupied farmland, ``supply_rate``,
    ``idle_share``, ``quota_used_share``), and ``score`` is :func:`score_parts` of the
    city row, so it reads like a county's. The city has no ``rank`` and no
    ``accountability_breach`` (令15号 weighs county-level units).
    """
    def total(name: str) -> float:
        values = pd.to_numeric(counties[name], errors="coerce")
        return float(values.sum()) if values.notna().any() else float("nan")

    row: dict[str, Any] = {name: total(name) for name in CITY_SUMS if name in counties}

    def ratio(top: str, bottom: str) -> float:
        a, b = row.get(top, float("nan")), row.get(bottom, float("nan"))
        return a / b if np.isfinite(a) and np.isfinite(b) and b > 0 else float("nan")

    shares = {"illegal_share": ratio("illegal_farmland_ha", "new_occupied_farmland_ha"),
              "idle_share": ratio("idle_ha", "supplied_ha"),
              "quota_used_share": ratio("approved_ha", "quota_ha"),
              "supply_rate": 1.0 - ratio("unsupplied_ha", "approved_total_ha")}
    row.update({k: v for k, v in shares.items() if k in counties})
    if "score" in counties:
        parts = score_parts(pd.DataFrame([row]))
        row["score"] = float(100.0 * parts.mean(axis=1, skipna=True).iloc[0])
    return row


def dataset_ledger(
    dataset: Dataset,
    findings: gpd.GeoDataFrame,
    *,
    as_of: date,
    planned_ha: Mapping[str, float] | None = None,
    results: Iterable[RuleResult] = (),
) -> pd.DataFrame:
    """:func:`county_ledger` of a read :class:`~redline.model.Dataset` (its layers and targets).

    ``results`` are the rules' results of the same check: work they share
    (:attr:`~redline.analysis.findings.RuleResult.shared`) is taken, not done again.
    """
    layers = {role: layer.frame for role, layer in dataset.layers.items()}
    known = next((r.shared["accountability"] for r in results
                  if "accountability" in r.shared), None)
    return county_ledger(layers, dataset.targets, findings, as_of=as_of,
                         spilled=dataset.spilled, planned_ha=planned_ha,
                         accountability=known)
