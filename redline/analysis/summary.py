"""Per-admin-unit summary of findings: counts and areas per rule (summary.csv)."""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline.analysis.areas import ellipsoidal_area, m2_to_mu
from redline.schema import RULES

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


def distinct_m2(findings: pd.DataFrame) -> float:
    """Return the land (m2) of findings counted once: the area of the union of their geometry.

    Findings without a usable geometry (a table read from CSV) are summed instead.
    """
    if not len(findings):
        return 0.0
    crs = getattr(findings, "crs", None)
    if crs is None or "geometry" not in findings:
        return float(pd.to_numeric(findings["area_m2"], errors="coerce").sum())
    geoms = np.asarray(findings.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    rest = float(pd.to_numeric(findings.loc[~ok, "area_m2"], errors="coerce").sum())
    if not ok.any():
        return rest
    merged = shapely.union_all(shapely.make_valid(geoms[ok]))
    return float(ellipsoidal_area(np.asarray([merged], dtype=object), crs)[0]) + rest


def summarise(findings: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per admin unit: for each rule ``<rule>_count``, ``<rule>_m2``, ``<rule>_mu``.

    A finding counts in every unit whose code prefixes its ``admin_code``
    (admin codes nest: a township's finding counts in its county too). With no
    admin units, one row per county code found in the findings. Areas are distinct
    land: ``<rule>_m2`` is the union of the rule's findings in the unit (a sum for the
    rules of :data:`SUMMED_RULES`), and ``findings_m2`` the union of every finding's
    land but those rules', so land in two findings (an approval and its supply on
    the same basic farmland, a criminal case inside its unapproved construction)
    counts once. Per-finding areas stay as the findings give them.
    """
    codes = (
        findings["admin_code"].astype("string").fillna("")
        if "admin_code" in findings
        else pd.Series([""] * len(findings), dtype="string")
    )
    if units.empty:
        county = sorted({c[:6] for c in codes if c})
        units = pd.DataFrame({"admin_code": county, "admin_name": "", "level": "county"})
    rows = []
    for unit in units.itertuples(index=False):  # a few hundred units at most
        inside = codes.str.startswith(str(unit.admin_code)).to_numpy(dtype=bool)
        sel = findings[inside]
        land = sel[~sel["rule"].isin(list(SUMMED_RULES)).to_numpy(dtype=bool)]
        total = distinct_m2(land)
        row: dict[str, object] = {
            "admin_code": unit.admin_code, "admin_name": unit.admin_name, "level": unit.level,
            "findings_count": len(sel), "findings_m2": round(total, 2),
            "findings_mu": round(float(m2_to_mu(total)), 2),
        }
        for rule in RULES:
            part = sel[(sel["rule"] == rule).to_numpy(dtype=bool)]
            m2 = (float(part["area_m2"].sum()) if rule in SUMMED_RULES
                  else distinct_m2(part))
            row[f"{rule}_count"] = len(part)
            row[f"{rule}_m2"] = round(m2, 2)
            row[f"{rule}_mu"] = round(float(m2_to_mu(m2)), 2)
        rows.append(row)
    return pd.DataFrame(rows, columns=summary_columns())


def summary_columns() -> list[str]:
    """Return the columns :func:`summarise` writes, in order (before the ledger's)."""
    per_rule = [f"{rule}_{what}" for rule in RULES for what in ("count", "m2", "mu")]
    return ["admin_code", "admin_name", "level", "findings_count", "findings_m2",
            "findings_mu", *per_rule]
