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

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.cache import ScopedCache
from redline.analysis.dates import in_calendar_year
from redline.analysis.overlay import cover, pieces, reuse_trees
from redline.analysis.summary import admin_units

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.model import Dataset, Windows

Level = Literal["county", "township"]

_PREFIX: Final[dict[str, int]] = {"county": 6, "township": 9}

#: Unit of ``farmland_added`` / ``paddy_added`` in the supplement layer. Supplement
#: project tables (补充耕地项目, XZGDMJ) record new farmland in square metres; a site
#: whose table is in hectares converts before the check.
SUPPLEMENT_AREA_UNIT: Final[str] = "m2"

#: Number of approval years the demand forecast looks back over.
FORECAST_YEARS: Final[int] = 5

#: Rules whose areas count as idle land in the ranking.
IDLE_RULES: Final[tuple[str, ...]] = ("idle_1y", "idle_2y")

#: Ledger columns, in order (their headers: ``redline.text``).
LEDGER_COLUMNS: Final[tuple[str, ...]] = (
    "farmland_ha", "farmland_target_ha", "farmland_margin_ha", "basic_farmland_ha",
    "basic_farmland_target_ha", "basic_farmland_margin_ha", "quota_ha", "quota_released_ha",
    "approved_ha", "quota_used_share", "quota_remaining_ha", "quota_over_release",
    "quota_over_release_on", "occupied_farmland_ha", "occupied_paddy_ha", "occupied_grade",
    "added_farmland_ha", "added_paddy_ha", "added_grade", "balance_ha", "paddy_balance_ha",
    "grade_balance", "illegal_farmland_ha", "new_occupied_farmland_ha", "illegal_share",
    "accountability_breach", "findings_high_count", "criminal_cases", "largest_case",
    "largest_case_mu", "supplied_ha", "idle_ha", "idle_share", "score", "rank", "demand_next_ha",
    "demand_low_ha", "demand_high_ha", "demand_method",
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
    out = pd.Series(area, index=units)
    return out.groupby(level=0).sum() if len(out) else pd.Series(dtype="float64")


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
        # The whole array when no row has a code, so a tree built over it is reused.
        p = pieces(geoms if len(rest) == len(geoms) else geoms[rest],
                   dissolved.geometry.values, crs=frame.crs, sliver_m2=0.0,
                   left_area_m2=area[rest], geometry=False)
        rows.append(rest[p.left])
        units.append(dissolved["unit"].to_numpy(dtype=object)[p.right])
        where.append(p.area_m2)
    elif len(rest) and len(default_code) >= n:
        rows.append(rest)
        units.append(np.full(len(rest), default_code[:n], dtype=object))
        where.append(area[rest])
    return rows, units, where


def spilled_unit_areas(disk: Windows, admin: gpd.GeoDataFrame | None, *,
                       default_code: str = "", farmland_only: bool = False,
                       levels: tuple[Level, ...] = ("county", "township")
                       ) -> dict[Level, pd.Series] | None:
    """:func:`unit_areas` at each of ``levels`` of a layer kept on disk, in one read.

    The same sums, added in the same order, as for the layer held whole, over the
    rows that can be judged (and, with ``farmland_only``, of the farmland classes);
    None when there are none.
    """
    parts: dict[Level, tuple[list[Any], list[Any]]] = {lv: ([], []) for lv in levels}
    found = False
    for window in disk.windows():
        frame = _farmland(_valid(window)) if farmland_only else _valid(window)
        if frame is None:
            continue
        found = True
        area = ellipsoidal_area(frame.geometry.values, frame.crs)
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
        out[lv] = sums.groupby(level=0).sum() if len(sums) else pd.Series(dtype="float64")
    return out


def _farmland(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Keep the rows of farmland classes (a land-use layer holds others too)."""
    if frame is None or "land_code" not in frame:
        return frame
    codes = frame["land_code"].astype("string").fillna("")
    farm = codes.str.slice(0, 4).isin(settings.farmland_codes).to_numpy(dtype=bool)
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
                  farmland_only: bool) -> dict[Level, pd.Series] | None:
    """:func:`spilled_unit_areas`, computed once per layer within one ledger."""
    return _MEMO.get("spilled", (disk, admin), lambda: spilled_unit_areas(
        disk, admin, default_code=default_code, farmland_only=farmland_only),
        default_code, farmland_only)


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


def _union(frame: gpd.GeoDataFrame | None) -> shapely.Geometry | None:
    if frame is None or frame.empty:
        return None
    return shapely.union_all(shapely.make_valid(frame.geometry.values))


def _clip(frame: gpd.GeoDataFrame | None,
          mask: shapely.Geometry | None) -> gpd.GeoDataFrame | None:
    """``frame`` cut to ``mask``, one row per piece, attributes kept.

    The mask is split into its (disjoint) polygons and paired with the rows by the
    overlap engine, so no row is intersected with the whole mask: linear on a
    million farmland patches.
    """
    if frame is None or frame.empty or mask is None or shapely.is_empty(mask):
        return None
    p = pieces(frame.geometry.values, shapely.get_parts(mask), crs=frame.crs, sliver_m2=0.0)
    if not len(p):
        return None
    attrs = frame.drop(columns=frame.geometry.name).iloc[p.left].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=p.geometry, crs=frame.crs)


def _uncovered(changes: gpd.GeoDataFrame | None,
               covering: list[gpd.GeoDataFrame]) -> shapely.Geometry | None:
    """Union of the parts of change patches that no covering feature covers."""
    if changes is None or changes.empty:
        return None
    left = changes.geometry.values
    if covering:
        right = np.concatenate([np.asarray(f.geometry.values, dtype=object) for f in covering])
        left = cover(left, right, crs=changes.crs).uncovered
    left = np.asarray(left, dtype=object)
    keep = ~(shapely.is_missing(left) | shapely.is_empty(left))
    return shapely.union_all(left[keep]) if keep.any() else None


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


def _target_rows(targets: pd.DataFrame | None, code: str, year: int) -> pd.DataFrame | None:
    if targets is None or targets.empty or "admin_code" not in targets:
        return None
    codes = _codes(targets["admin_code"])
    years = pd.to_numeric(targets["year"], errors="coerce") if "year" in targets else np.nan
    rows = targets[((codes == code) & (years == year)).to_numpy(dtype=bool)]
    return rows if len(rows) else None


def _target(targets: pd.DataFrame | None, code: str, year: int, column: str) -> float:
    """Return a county's target for ``year``, else its latest earlier year's (NaN if none)."""
    if targets is None or column not in targets:
        return float("nan")
    codes = _codes(targets["admin_code"])
    if "year" not in targets:
        return float("nan")
    years = pd.to_numeric(targets["year"], errors="coerce")
    rows = targets[((codes == code) & (years <= year)).to_numpy(dtype=bool)]
    if rows.empty:
        return float("nan")
    last = pd.to_numeric(rows["year"], errors="coerce").max()
    values = pd.to_numeric(rows.loc[pd.to_numeric(rows["year"]) == last, column], errors="coerce")
    return float(values.max())


def _quota_over_release(approvals: gpd.GeoDataFrame | None, targets: pd.DataFrame | None,
                        *, code: str, year: int, admin: gpd.GeoDataFrame | None,
                        default_code: str) -> tuple[bool, str]:
    """Whether approvals of ``year`` ever ran past the quota released by their date."""
    if approvals is None or "approved_on" not in approvals or _target_rows(
            targets, code, year) is None:
        return False, ""
    when = pd.to_datetime(approvals["approved_on"], errors="coerce")
    cumulative = 0.0
    for day in sorted(when.dropna().dt.date.unique()):  # approval dates of one year: few
        same = approvals[(when.dt.date == day).to_numpy(dtype=bool)]
        cumulative += float(unit_areas(same, admin, level="county",
                                       default_code=default_code).get(code, 0.0))
        if cumulative / settings.M2_PER_HA > released_by(targets, code, year, day) + 1e-9:
            return True, day.isoformat()
    return False, ""


def forecast_demand(history: pd.Series, *, next_year: int,
                    planned_ha: float | None = None) -> dict[str, Any]:
    """Next year's new construction-land demand from the annual approved area (ha by year).

    Method: with 3 or more years, a least-squares line through the last
    :data:`FORECAST_YEARS` years, extrapolated one year, never below 0; with 1-2
    years, their mean. The band is the forecast +/- the standard deviation of the
    year-to-year changes (0 with one year: no spread is known, and the method says
    so). A planned-projects total, when given, replaces the trend and keeps the band.

    Examples
    --------
    >>> import pandas as pd
    >>> f = forecast_demand(pd.Series({2023: 10.0, 2024: 12.0, 2025: 14.0}), next_year=2026)
    >>> round(f["demand_next_ha"], 6), round(f["demand_low_ha"], 6)
    (16.0, 16.0)
    """
    h = history.dropna().sort_index()
    h = h[h.index < next_year].tail(FORECAST_YEARS)
    empty = {"demand_next_ha": float("nan"), "demand_low_ha": float("nan"),
             "demand_high_ha": float("nan"), "demand_method": "no approval history"}
    if h.empty and planned_ha is None:
        return empty
    years = h.index.to_numpy(dtype=float)
    values = h.to_numpy(dtype=float)
    spread = float(np.std(np.diff(values), ddof=1)) if len(values) >= 3 else (
        float(abs(values[1] - values[0])) if len(values) == 2 else 0.0)
    if len(values) >= 3:
        slope, intercept = np.polyfit(years, values, 1)
        value = float(slope * next_year + intercept)
        method = f"linear trend over {len(values)} years; band +/- sd of yearly change"
    elif len(values):
        value = float(values.mean())
        method = f"mean of {len(values)} year(s); too few years for a trend"
    else:
        value = 0.0
        method = ""
    if planned_ha is not None and np.isfinite(planned_ha):
        value = float(planned_ha)
        method = "planned projects" + (f"; band from {len(values)} years of approvals"
                                       if len(values) else "; no history for a band")
    value = max(value, 0.0)
    return {"demand_next_ha": value, "demand_low_ha": max(value - spread, 0.0),
            "demand_high_ha": value + spread, "demand_method": method}


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
    year: int | None = None,
    spilled: Mapping[str, Windows] | None = None,
) -> pd.DataFrame:
    """One row per admin unit: targets, quota, farmland balance, violations, rank, forecast.

    Parameters
    ----------
    layers
        Role -> frame (all in one metric CRS). Any may be missing; its columns are NaN.
        ``planned`` (optional): planned projects with ``planned_year`` and geometry.
    targets
        targets.csv rows (``schema.TARGET_COLUMNS``, optional ``released_on``).
    findings
        The findings table (``schema.FINDING_COLUMNS``).
    spilled
        Farmland layers kept on disk (:mod:`redline.io.spill`) in place of the frames
        of ``layers``: their areas per unit are summed window by window, and only
        the farmland under the year's approvals and change patches is read whole.
    as_of
        The date of the check; quota released is counted up to it.
    year
        The plan year (default ``as_of.year``): approvals with ``approved_on`` in it
        use the quota and occupy farmland; supplement projects with ``completed_on``
        in it add farmland (all projects when that field is missing); change patches
        with ``detected_on`` in it are the new construction judged. The demand
        forecast for ``year + 1`` uses complete years only (``year`` itself when
        ``as_of`` is its last day).

    Returns
    -------
    pandas.DataFrame
        ``admin_code``, ``admin_name``, ``level``, then :data:`LEDGER_COLUMNS`.
        Margins and balances are ``now - target`` and ``added - occupied`` (negative is
        a shortfall). ``illegal_share`` is farmland built on by change patches of the
        year that no approval or supply covers, over that plus farmland occupied by the
        year's approvals (令15号 Art. 3). ``grade_balance`` is mean grade occupied minus
        mean grade added (grade 1 is best, so negative means worse land was added).
        ``score`` (county rows, lower is better) is ``illegal_share / 0.15`` capped at 1,
        plus ``idle_share``, plus the quantity deficit share ``max(0, -balance) /
        occupied``, each in [0, 1]; ``rank`` 1 is the best county.
    """
    with _MEMO.scope():
        return _county_ledger(layers, targets, findings, as_of=as_of, year=year,
                              spilled=spilled)


def _county_ledger(
    layers: Mapping[str, gpd.GeoDataFrame],
    targets: pd.DataFrame | None,
    findings: gpd.GeoDataFrame,
    *,
    as_of: date,
    year: int | None,
    spilled: Mapping[str, Windows] | None = None,
) -> pd.DataFrame:
    year = as_of.year if year is None else year
    admin = _valid(layers.get("admin"))
    spilled = dict(spilled or {})
    approvals_all = _valid(layers.get("approvals"))
    approvals = in_calendar_year(approvals_all, "approved_on", year)
    supply = _valid(layers.get("supply"))
    supplement = in_calendar_year(_valid(layers.get("supplement")), "completed_on", year)
    changes = in_calendar_year(_valid(layers.get("changes")), "detected_on", year)
    if "farmland" in spilled:
        # Only the farmland under the year's approvals and change patches is cut below.
        under = [np.asarray(f.geometry.values, dtype=object)
                 for f in (approvals, changes) if f is not None]
        farmland = _farmland(_valid(spilled["farmland"].meeting(
            np.concatenate(under) if under else np.zeros(0, dtype=object))))
    else:
        farmland = _farmland(_valid(layers.get("farmland")))
    basic = _valid(layers.get("basic_farmland"))

    default = _default_code(targets, findings)
    extra = [] if targets is None or "admin_code" not in targets else [
        _code(c) for c in targets["admin_code"].dropna()]
    extra += [str(c) for c in findings.get("admin_code", pd.Series(dtype=str)).dropna()]
    if default:
        extra.append(default)
    units = ledger_units(admin, extra_codes=extra)

    # The farmland is overlaid several times below: its tree is built once.
    with reuse_trees(None if farmland is None
                     else np.asarray(farmland.geometry.values, dtype=object)):
        occupied = _clip(farmland, _union(approvals))
        paddy = None
        if occupied is not None and "land_code" in occupied:
            is_paddy = occupied["land_code"].astype("string").fillna("").str.startswith("0101")
            paddy = occupied[is_paddy.to_numpy(dtype=bool)]
        # Farmland under change patches that nothing covers. A change patch carries no
        # admin code: the farmland pieces it sits on do.
        illegal = _clip(farmland, _uncovered(
            changes, [f for f in (approvals_all, supply) if f is not None]))

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
            now = {role: _now(area, held, spilled.get(role), admin, level=level, code=code,
                              default=default, farmland_only=role == "farmland")
                   for role, held in (("farmland", farmland), ("basic_farmland", basic))}
            row.update(_targets_part(now["farmland"], now["basic_farmland"], targets,
                                     code=code, year=year, level=level))
            row.update(_quota_part(area, approvals, targets, code=code, year=year, level=level,
                                   as_of=as_of, admin=admin, default=default))
            row.update(_balance_part(area, occupied, paddy, supplement))
            row.update(_violation_part(area, illegal, occupied, findings, code))
            supplied_m2 = area(supply) if supply is not None else float("nan")
            idle = findings[findings["rule"].isin(IDLE_RULES).to_numpy(dtype=bool)]
            idle_m2 = float(idle.loc[_prefixed(idle, code), "area_m2"].sum())
            row["supplied_ha"] = supplied_m2 / settings.M2_PER_HA
            row["idle_ha"] = idle_m2 / settings.M2_PER_HA
            row["idle_share"] = idle_m2 / supplied_m2 if supplied_m2 > 0 else float("nan")
            row.update(_forecast_part(approvals_all, admin, code=code, level=level, year=year,
                                      default=default, planned=layers.get("planned"),
                                      as_of=as_of))
            rows.append(row)
        out = pd.DataFrame(rows, columns=["admin_code", "admin_name", "level",
                                          *LEDGER_COLUMNS])
        return _rank(out)


def _now(area: Any, held: gpd.GeoDataFrame | None, disk: Windows | None,
         admin: gpd.GeoDataFrame | None, *, level: Level, code: str, default: str,
         farmland_only: bool) -> float:
    """Return a farmland layer's area (m2) in a unit now: held whole, or summed from disk."""
    if disk is None:
        return area(held) if held is not None else float("nan")
    sums = _spilled_memo(disk, admin, default_code=default, farmland_only=farmland_only)
    return float(sums[level].get(code, 0.0)) if sums is not None else float("nan")


def _prefixed(frame: pd.DataFrame, code: str) -> np.ndarray:
    if "admin_code" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["admin_code"].astype("string").fillna("").str.startswith(code).to_numpy(
        dtype=bool)


def _targets_part(farm_m2: float, basic_m2: float, targets: pd.DataFrame | None, *,
                  code: str, year: int, level: Level) -> dict[str, Any]:
    farm_ha = farm_m2 / settings.M2_PER_HA
    basic_ha = basic_m2 / settings.M2_PER_HA
    target = _target(targets, code, year, "farmland_target_ha") if level == "county" else np.nan
    btarget = (_target(targets, code, year, "basic_farmland_target_ha")
               if level == "county" else np.nan)
    return {"farmland_ha": farm_ha, "farmland_target_ha": target,
            "farmland_margin_ha": farm_ha - target, "basic_farmland_ha": basic_ha,
            "basic_farmland_target_ha": btarget, "basic_farmland_margin_ha": basic_ha - btarget}


def _quota_part(area: Any, approvals: gpd.GeoDataFrame | None,
                targets: pd.DataFrame | None, *, code: str, year: int, level: Level,
                as_of: date, admin: gpd.GeoDataFrame | None, default: str) -> dict[str, Any]:
    approved = area(approvals) / settings.M2_PER_HA
    if level != "county":
        return {"approved_ha": approved}
    rows = _target_rows(targets, code, year)
    quota = float(pd.to_numeric(rows["quota_ha"], errors="coerce").max()) if (
        rows is not None and "quota_ha" in rows) else float("nan")
    released = released_by(targets, code, year, as_of)
    over, on = _quota_over_release(approvals, targets, code=code, year=year, admin=admin,
                                   default_code=default)
    return {"quota_ha": quota, "quota_released_ha": released, "approved_ha": approved,
            "quota_used_share": approved / quota if quota > 0 else float("nan"),
            "quota_remaining_ha": quota - approved, "quota_over_release": over,
            "quota_over_release_on": on}


def _supplement_ha(values: pd.Series) -> pd.Series:
    factor = {"m2": 1 / settings.M2_PER_HA, "ha": 1.0,
              "mu": settings.M2_PER_MU / settings.M2_PER_HA}[SUPPLEMENT_AREA_UNIT]
    return pd.to_numeric(values, errors="coerce") * factor


def _balance_part(area: Any, occupied: gpd.GeoDataFrame | None,
                  paddy: gpd.GeoDataFrame | None,
                  supplement: gpd.GeoDataFrame | None) -> dict[str, Any]:
    occ_m2 = area(occupied)
    occ_grade = (area(occupied, "grade") / occ_m2
                 if occupied is not None and "grade" in occupied and occ_m2 > 0
                 else float("nan"))
    row: dict[str, Any] = {
        "occupied_farmland_ha": occ_m2 / settings.M2_PER_HA,
        "occupied_paddy_ha": area(paddy) / settings.M2_PER_HA,
        "occupied_grade": occ_grade,
    }
    added = paddy_added = grade = float("nan")
    if supplement is not None:
        # The supplement's own figures (not its outline) are what the project recorded;
        # they are split between units like areas: by code prefix, or by where it lies.
        geom_m2 = area(supplement)
        share = supplement.copy()
        own = ellipsoidal_area(share.geometry.values, share.crs)
        own[own == 0] = np.nan
        for column in ("farmland_added", "paddy_added"):
            if column in share:
                share[f"_{column}"] = _supplement_ha(share[column]).to_numpy() / own
        if "_farmland_added" in share:
            added = area(share, "_farmland_added")
        if "_paddy_added" in share:
            paddy_added = area(share, "_paddy_added")
        if "grade" in share and "_farmland_added" in share:
            share["_grade_w"] = share["_farmland_added"] * pd.to_numeric(share["grade"],
                                                                       errors="coerce")
            grade = area(share, "_grade_w") / added if added > 0 else float("nan")
        if not np.isfinite(added):
            added = geom_m2 / settings.M2_PER_HA
    row.update({"added_farmland_ha": added, "added_paddy_ha": paddy_added,
                "added_grade": grade,
                "balance_ha": np.nan_to_num(added) - row["occupied_farmland_ha"],
                "paddy_balance_ha": np.nan_to_num(paddy_added) - row["occupied_paddy_ha"],
                "grade_balance": occ_grade - grade})
    return row


def _violation_part(area: Any, illegal: gpd.GeoDataFrame | None,
                    occupied: gpd.GeoDataFrame | None, findings: pd.DataFrame,
                    code: str) -> dict[str, Any]:
    illegal_ha = area(illegal) / settings.M2_PER_HA
    new_ha = illegal_ha + area(occupied) / settings.M2_PER_HA
    share = illegal_ha / new_ha if new_ha > 0 else float("nan")
    mine = findings[_prefixed(findings, code)]
    high = int((mine["severity"] == "high").sum()) if "severity" in mine else 0
    criminal = int((mine["rule"] == "criminal_threshold").sum())
    cases = mine[~mine["rule"].isin(["accountability_ratio", "criminal_threshold"]).to_numpy(
        dtype=bool)]
    largest = (cases.sort_values(["area_m2", "finding_id"], ascending=[False, True]).iloc[0]
               if len(cases) else None)
    return {"illegal_farmland_ha": illegal_ha, "new_occupied_farmland_ha": new_ha,
            "illegal_share": share,
            "accountability_breach": bool(share >= settings.accountability_ratio)
            if np.isfinite(share) else False,
            "findings_high_count": high, "criminal_cases": criminal,
            "largest_case": "" if largest is None else str(largest["finding_id"]),
            "largest_case_mu": float("nan") if largest is None else float(largest["area_mu"])}


def _years_table(approvals: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None, *,
                 level: Level, default_code: str) -> pd.DataFrame:
    """Approved hectares, admin units by years of ``approved_on``."""
    # Each approval is split by unit once; the years only group the pieces.
    rows, units, area = _row_units(approvals, admin, level=level,
                                   default_code=default_code, areas=_row_areas(approvals))
    when = pd.to_datetime(approvals["approved_on"], errors="coerce")
    years = when.dt.year.to_numpy(dtype=np.float64)[rows]
    dated = ~np.isnan(years)
    table = (pd.DataFrame({"unit": units[dated], "year": years[dated].astype(int),
                           "ha": area[dated] / settings.M2_PER_HA})
             .pivot_table(index="unit", columns="year", values="ha", aggfunc="sum",
                          fill_value=0.0))  # units x years
    table.columns = [int(c) for c in table.columns]
    return table


def approvals_by_year(approvals: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None,
                      *, code: str, level: Level = "county", default_code: str = ""
                      ) -> pd.Series:
    """Approved area (ha) per calendar year of ``approved_on`` for one admin unit."""
    if approvals is None or "approved_on" not in approvals:
        return pd.Series(dtype="float64")
    table = _MEMO.get("by_year", (approvals, admin), lambda: _years_table(
        approvals, admin, level=level, default_code=default_code), level, default_code)
    if code not in table.index:
        return pd.Series(dict.fromkeys(table.columns, 0.0), dtype="float64")
    return pd.Series(table.loc[code].to_numpy(dtype="float64"), index=table.columns)


def _forecast_part(approvals: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None,
                   *, code: str, level: Level, year: int, default: str,
                   planned: gpd.GeoDataFrame | None, as_of: date) -> dict[str, Any]:
    history = approvals_by_year(approvals, admin, code=code, level=level, default_code=default)
    # Only complete years: a year still running would read as a fall in demand.
    last = year if as_of >= date(year, 12, 31) else year - 1
    if len(history):
        first = int(history.index.min())
        history = history.reindex(range(first, last + 1), fill_value=0.0) if first <= last \
            else pd.Series(dtype="float64")
    planned_ha = None
    if planned is not None and len(planned) and "planned_year" in planned:
        nxt = planned[(pd.to_numeric(planned["planned_year"], errors="coerce") == year + 1
                       ).to_numpy(dtype=bool)]
        planned_ha = float(unit_areas(nxt, admin, level=level, default_code=default).get(
            code, 0.0)) / settings.M2_PER_HA
    return forecast_demand(history, next_year=year + 1, planned_ha=planned_ha)


def _rank(ledger: pd.DataFrame) -> pd.DataFrame:
    out = ledger.copy()
    county = (out["level"] == "county").to_numpy(dtype=bool)
    ratio = (out["illegal_share"].astype(float) / settings.accountability_ratio).clip(upper=1.0)
    occ = out["occupied_farmland_ha"].astype(float)
    deficit = (-out["balance_ha"].astype(float)).clip(lower=0.0) / occ.where(occ > 0)
    score = (ratio.fillna(0.0) + out["idle_share"].astype(float).clip(0, 1).fillna(0.0)
             + deficit.clip(upper=1.0).fillna(0.0))
    out["score"] = score.where(county)
    order = out.loc[county, "score"].rank(method="min").astype("Int64")
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out.loc[county, "rank"] = order
    return out


def dataset_ledger(
    dataset: Dataset,
    findings: gpd.GeoDataFrame,
    *,
    as_of: date,
    year: int | None = None,
) -> pd.DataFrame:
    """:func:`county_ledger` of a read :class:`~redline.model.Dataset` (its layers and targets)."""
    layers = {role: layer.frame for role, layer in dataset.layers.items()}
    return county_ledger(layers, dataset.targets, findings, as_of=as_of, year=year,
                         spilled=dataset.spilled)
