"""Per-admin-unit summary of findings: counts and areas per rule (summary.csv)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline.analysis.areas import ellipsoidal_area, m2_to_mu
from redline.analysis.dissolve import Dissolver
from redline.schema import RULES

if TYPE_CHECKING:
    from numpy.typing import NDArray

_LEVELS = {6: "county", 9: "township", 12: "village"}


def admin_units(admin: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """List the admin units of a layer: ``admin_code``, ``admin_name``, ``level``, sorted by code.

    The level comes from a ``level`` column when the layer has one, else from
    the code's length (6 county, 9 township, 12 village: DOMAIN.md).
    """
    if admin is None or "admin_code" not in admin or admin.empty:
        return pd.DataFrame(columns=["admin_code", "admin_name", "level"])
    codes = admin["admin_code"].astype("string").fillna("")
    names = admin["admin_name"] if "admin_name" in admin else pd.Series("", index=admin.index)
    levels = (
        admin["level"].astype("string")
        if "level" in admin
        else codes.str.len().map(_LEVELS).fillna("unit")
    )
    units = pd.DataFrame(
        {"admin_code": codes.to_numpy(), "admin_name": names.astype("string").fillna("").to_numpy(),
         "level": levels.to_numpy()}
    )
    units = units[units["admin_code"] != ""].drop_duplicates("admin_code")
    return units.sort_values("admin_code", ignore_index=True)


def finest_units(admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of ``admin`` that are not the parent of another row (the smallest units)."""
    codes = admin["admin_code"].astype("string").fillna("")
    longest = codes.str.len().max()
    return admin[(codes.str.len() == longest).to_numpy()]


def assign_admin(findings: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Fill an empty ``admin_code``/``admin_name`` from the finest admin unit under each finding.

    A finding keeps the unit its rule gave it; one without is placed by its
    geometry's representative point. Returns a new frame.
    """
    out = findings.copy()
    if admin is None or admin.empty or out.empty or "admin_code" not in admin:
        return out
    empty = out["admin_code"].isna() | (out["admin_code"].astype("string") == "")
    if not empty.any():
        return out
    # Codes of mixed length (a village under a township whose other villages are not
    # drawn) are a hierarchy: each finding takes the longest code of the units it lies
    # in, not only units of the longest code there is.
    units = admin[admin.geometry.notna().to_numpy()]
    names = units["admin_name"] if "admin_name" in units else pd.Series("", index=units.index)
    points = shapely.point_on_surface(out.geometry.values[empty.to_numpy()])
    tree = shapely.STRtree(units.geometry.values)
    hit_pt, hit_unit = tree.query(points, predicate="within")
    depth = units["admin_code"].astype("string").fillna("").str.len().to_numpy()[hit_unit]
    order = np.lexsort((-depth, hit_pt))  # per point, the deepest unit first
    hit_pt, hit_unit = hit_pt[order], hit_unit[order]
    first = np.r_[True, hit_pt[1:] != hit_pt[:-1]] if len(hit_pt) else np.zeros(0, bool)
    hit_pt, hit_unit = hit_pt[first], hit_unit[first]
    code = np.full(len(points), "", dtype=object)
    name = np.full(len(points), "", dtype=object)
    code[hit_pt] = units["admin_code"].to_numpy()[hit_unit]
    name[hit_pt] = names.to_numpy()[hit_unit]
    out.loc[empty, "admin_code"] = code
    blank_name = empty & (out["admin_name"].isna() | (out["admin_name"].astype("string") == ""))
    out.loc[blank_name, "admin_name"] = name[blank_name[empty].to_numpy()]
    return out


#: Rules whose ``area_m2`` is not the area of the finding's geometry: the farmland in a
#: change patch (criminal_threshold), a county's illegal farmland (accountability_ratio),
#: the approvals beyond the quota (quota_overrun). Their totals are sums (one finding per
#: patch or county); every other rule's total is the distinct land of its findings.
SUMMED_RULES: Final[frozenset[str]] = frozenset(
    {"criminal_threshold", "accountability_ratio", "quota_overrun"})


class DistinctLand:
    """The land of a findings table counted once, for any subset of its rows.

    One :class:`~redline.analysis.dissolve.Dissolver` over the findings' geometries
    (made valid) serves every subset: the pairs of findings that meet are found once,
    the union of a connected group of findings is made once whatever subsets it is
    found in (a village's findings of a rule, the same findings in its township and
    county), and the ellipsoidal area of each part of a union is measured once. A
    subset's land is the sum of the areas of the parts of its union: the parts share
    no area, so the sum is the area of ``shapely.union_all`` of the subset. Each part
    is measured on its own rather than as one merged (multi)polygon; the two figures
    agree within 1e-6 relative (the measure is equal-area, only the edges' chords
    differ).

    Rows are found by their geometry objects, which the table keeps alive: any frame
    whose geometries are among the table's (a slice of it, in any order) is measured.
    Findings without a usable geometry (missing or empty) count their ``area_m2``.
    """

    def __init__(self, findings: pd.DataFrame) -> None:
        self.crs = getattr(findings, "crs", None)
        self._geoms = np.asarray(findings.geometry.values, dtype=object)
        ok = ~(shapely.is_missing(self._geoms) | shapely.is_empty(self._geoms))
        where = np.flatnonzero(ok)
        self._row = dict(zip(map(id, self._geoms[where].tolist()), range(len(where)),
                             strict=True))
        self._dissolver = Dissolver(shapely.make_valid(self._geoms[where]))
        self._lock = threading.Lock()

    def covers(self, findings: pd.DataFrame) -> bool:
        """Whether every usable geometry of ``findings`` is one of this table's."""
        if getattr(findings, "crs", None) != self.crs or "geometry" not in findings:
            return False
        geoms = np.asarray(findings.geometry.values, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        return all(id(g) in self._row for g in geoms[ok].tolist())

    def m2(self, findings: pd.DataFrame) -> float:
        """Return the land (m2) of ``findings`` (rows of this table) counted once."""
        if not len(findings):
            return 0.0
        geoms = np.asarray(findings.geometry.values, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        rest = (float(pd.to_numeric(findings.loc[~ok, "area_m2"], errors="coerce").sum())
                if not ok.all() else 0.0)
        rows = np.fromiter((self._row[id(g)] for g in geoms[ok].tolist()), dtype=np.intp,
                           count=int(ok.sum()))
        return self.rows_m2(rows) + rest

    def rows_m2(self, rows: NDArray[np.intp]) -> float:
        """Return the land (m2) of the usable geometries at ``rows`` (0, 1, ... among them)."""
        if not len(rows):
            return 0.0
        crs = self.crs
        if crs is None:
            raise ValueError("the findings have no CRS: their areas cannot be measured")
        with self._lock:  # the memo of unions and areas is shared
            parts = self._dissolver.parts(np.unique(rows))
            areas = self._dissolver.areas(parts, lambda p: ellipsoidal_area(p, crs))
        return float(np.sum(areas))

    def positions(self, findings: pd.DataFrame) -> NDArray[np.intp]:
        """Each row's place among this table's usable geometries (for :meth:`rows_m2`).

        -1 for a row whose geometry this table does not hold (missing, empty, or of
        another table).
        """
        geoms = np.asarray(findings.geometry.values, dtype=object).tolist()
        return np.fromiter((self._row.get(id(g), -1) for g in geoms), dtype=np.intp,
                           count=len(geoms))


def findings_land(findings: pd.DataFrame) -> DistinctLand | None:
    """Return the :class:`DistinctLand` of the findings whose land is counted once.

    Every finding but those of :data:`SUMMED_RULES` (whose areas are sums), as
    :func:`summarise` measures them; give it to :func:`summarise` and to the report of
    the same findings, and the unions and areas are made once for both. None for a
    table without geometry (read from CSV), whose areas are summed.
    """
    if getattr(findings, "crs", None) is None or "geometry" not in findings:
        return None
    return DistinctLand(findings[~_summed(findings)])


def _summed(findings: pd.DataFrame) -> NDArray[np.bool_]:
    """Which findings are of :data:`SUMMED_RULES`."""
    if not len(findings) or "rule" not in findings:
        return np.zeros(len(findings), dtype=bool)
    return np.isin(findings["rule"].astype(str).to_numpy(), list(SUMMED_RULES))


def distinct_m2(findings: pd.DataFrame) -> float:
    """Return the land (m2) of findings counted once: the area of the union of their geometry.

    Findings without a usable geometry (a table read from CSV) are summed instead.
    The area is the sum of the ellipsoidal areas of the union's parts
    (:class:`DistinctLand`), within 1e-6 relative of the area of the union measured
    whole.
    """
    if not len(findings):
        return 0.0
    if getattr(findings, "crs", None) is None or "geometry" not in findings:
        return float(pd.to_numeric(findings["area_m2"], errors="coerce").sum())
    return DistinctLand(findings).m2(findings)


def summarise(findings: pd.DataFrame, units: pd.DataFrame, *,
              land: DistinctLand | None = None) -> pd.DataFrame:
    """One row per admin unit: for each rule ``<rule>_count``, ``<rule>_m2``, ``<rule>_mu``.

    A finding counts in every unit whose code prefixes its ``admin_code``
    (admin codes nest: a township's finding counts in its county too). With no
    admin units, one row per county code found in the findings. Areas are distinct
    land: ``<rule>_m2`` is the union of the rule's findings in the unit (a sum for the
    rules of :data:`SUMMED_RULES`), and ``findings_m2`` the union of every finding's
    land but those rules', so land in two findings (an approval and its supply on
    the same basic farmland, a criminal case inside its unapproved construction)
    counts once. Per-finding areas stay as the findings give them. ``land``, the
    findings' :func:`findings_land`, is measured rather than made again when given.
    """
    codes = (
        findings["admin_code"].astype("string").fillna("")
        if "admin_code" in findings
        else pd.Series([""] * len(findings), dtype="string")
    )
    if units.empty:
        county = sorted({c[:6] for c in codes if c})
        units = pd.DataFrame({"admin_code": county, "admin_name": "", "level": "county"})
    rule = (findings["rule"].astype(str).to_numpy() if len(findings)
            else np.zeros(0, dtype=object))
    summed = _summed(findings)
    of_rule = {r: rule == r for r in RULES}
    land_m2 = _land_measure(findings, ~summed, land)
    rows = []
    for unit in units.itertuples(index=False):  # a few hundred units at most
        inside = codes.str.startswith(str(unit.admin_code)).to_numpy(dtype=bool)
        total = land_m2(inside & ~summed)
        row: dict[str, object] = {
            "admin_code": unit.admin_code, "admin_name": unit.admin_name, "level": unit.level,
            "findings_count": int(inside.sum()), "findings_m2": round(total, 2),
            "findings_mu": round(float(m2_to_mu(total)), 2),
        }
        for r in RULES:
            sel = inside & of_rule[r]
            m2 = (float(findings["area_m2"][sel].sum()) if r in SUMMED_RULES
                  else land_m2(sel))
            row[f"{r}_count"] = int(sel.sum())
            row[f"{r}_m2"] = round(m2, 2)
            row[f"{r}_mu"] = round(float(m2_to_mu(m2)), 2)
        rows.append(row)
    return pd.DataFrame(rows, columns=summary_columns())


def summary_columns() -> list[str]:
    """Return the columns :func:`summarise` writes, in order (before the ledger's)."""
    per_rule = [f"{rule}_{what}" for rule in RULES for what in ("count", "m2", "mu")]
    return ["admin_code", "admin_name", "level", "findings_count", "findings_m2",
            "findings_mu", *per_rule]


def _land_measure(findings: pd.DataFrame, land: NDArray[np.bool_],
                  known: DistinctLand | None = None) -> Callable[[NDArray[np.bool_]], float]:
    """Return a function giving the land (m2) of the rows a mask picks among ``land``'s.

    One :class:`DistinctLand` for the rows of ``land`` (``known`` when it holds
    them); without geometry (a table read from CSV) areas are summed.
    """
    area = pd.to_numeric(findings["area_m2"], errors="coerce") if len(findings) else None
    if getattr(findings, "crs", None) is None or "geometry" not in findings:
        def summed(mask: NDArray[np.bool_]) -> float:
            return float(area[mask].sum()) if area is not None and mask.any() else 0.0
        return summed
    rows = findings[land]
    measure = known if known is not None and known.covers(rows) else DistinctLand(rows)
    position = np.full(len(findings), -1, dtype=np.intp)
    position[land] = measure.positions(rows)  # a usable land row's place in the measure
    usable = position >= 0

    def distinct(mask: NDArray[np.bool_]) -> float:
        if not mask.any():
            return 0.0
        missing = mask & ~usable
        rest = float(area[missing].sum()) if area is not None and missing.any() else 0.0
        return measure.rows_m2(position[mask & usable]) + rest
    return distinct
