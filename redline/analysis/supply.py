"""Supply-side checks: idle land, late starts, sale methods, industrial standards, 批而未供.

:func:`supply_findings` runs every rule on the supply and approvals layers. The rules live
beside it: :mod:`redline.analysis.idle` (``idle_1y``, ``idle_2y``, ``late_start``,
``evidence_mismatch``), :mod:`redline.analysis.supply_policy` (``allocation_misuse``,
``commercial_negotiated``, ``industrial_negotiated``, ``industrial_standard``), and here
``approved_not_supplied``. Their module docstrings say what each rule decides, and from which
regulation.

Superseded supply
    The same land may be supplied twice: a contract re-signed, corrected, or replaced after
    the land was reclaimed. A parcel whose land later contracts (a later ``contract_on``)
    cover at least ``supply_superseded_share`` (0.9) of its ellipsoidal area is superseded:
    it is judged by no supply rule (so it is neither idle nor counted twice) and its
    features row names the contracts that replaced it (``superseded_by``). Overlaps under the
    sliver threshold (``sliver_m2``, the run's ``--sliver``) do not count. Two parcels
    overlapping that much whose contracts cannot be ordered (a date missing, unreadable or
    the same) are both judged, and each says so in ``supply_status``.
``approved_not_supplied`` (批而未供)
    The part of an approval no supply parcel covers, for approvals at least
    ``approved_not_supplied_years`` full years old; pieces under the sliver
    threshold are ignored. ``tables["supply_rate"]`` gives the supply rate per
    approval and per county (``admin_code[:6]`` of the approval, or by overlay
    with the admin layer).

Shares (``built_area_ratio``, ``building_coefficient``, ``green_ratio``,
``office_share``) are fractions; a recorded value above 1 and at most 100 is
read as a percentage and noted in the feature's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline import standards as std_tables
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.dates import as_day_array, full_years
from redline.analysis.findings import RuleResult, concat_findings, feature_ids, make_findings
from redline.analysis.idle import EXCUSED_COLUMNS, IDLE_RULES, WARNING_COLUMNS, idle
from redline.analysis.overlay import cover, pieces, split_by_units, union_by_group
from redline.analysis.supply_parcels import SupplyParcels, feature_problems, join_text
from redline.analysis.supply_policy import POLICY_RULES, policy
from redline.errors import ConfigError, CRSError
from redline.text import Lang, check_lang, regulation, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.standards import Standards

__all__ = ["THRESHOLDS", "supply_findings"]


#: Settings this module reads; each may be passed to :func:`supply_findings` by name.
THRESHOLDS: tuple[str, ...] = (
    "idle_years_fee",
    "idle_years_reclaim",
    "idle_fee_share",
    "idle_built_share",
    "idle_invest_share",
    "idle_no_start_offset_years",
    "idle_excused_causes",
    "idle_excused_negations",
    "evidence_built_high",
    "evidence_built_low",
    "approved_not_supplied_years",
    "sliver_m2",
    "allocation_forbidden_classes",
    "allocation_allowed_purposes",
    "commercial_land_classes",
    "commercial_auction_from",
    "commercial_old_agreements_until",
    "industrial_land_classes",
    "industrial_auction_from",
    "industrial_transition_until",
    "industrial_price_from",
    "price_unit_yuan",
    "industry_classification",
    "supply_superseded_share",
)

#: Thresholds that may be None (then their setting is None too: no default to read).
_NULLABLE = frozenset({"price_unit_yuan", "industry_classification"})

_RATE_COLUMNS = ("level", "approval_id", "county", "area_m2", "supplied_m2", "unsupplied_m2",
                 "supply_rate", "overdue_unsupplied_m2")


def supply_findings(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    as_of: dt.date,
    evidence: pd.DataFrame | None = None,
    warning_days: int | None = None,
    lang: Lang = "zh",
    standards: Standards | None = None,
    **thresholds: Any,
) -> RuleResult:
    """Run the supply-side rules on the ``supply`` and ``approvals`` layers.

    Parameters
    ----------
    layers
        Frames by role as the reader produces them (canonical columns, ``_row``,
        ``_problem``, ``_note``, ``_unread``, geometry in one metric CRS). ``supply``,
        ``approvals`` and ``admin`` are used; any may be missing.
    as_of
        The inspection date; periods are judged at the end of that day.
    evidence
        Built-up fractions from :func:`redline.io.evidence.built_fraction`,
        matched to supply parcels by a ``supply_id`` (or ``feature_id``) column,
        else by index.
    warning_days
        Days after ``as_of`` for the early-warning list; ``None`` reads
        ``settings.idle_warning_days``.
    lang
        Language of the messages.
    standards
        The industrial indicator and minimum price tables
        (:func:`redline.standards.load`); ``None``: the packaged ones.
    **thresholds
        Any name of :data:`THRESHOLDS`; ``None`` or absent reads the setting.
        ``sliver_m2`` is the run's sliver threshold (``--sliver``).

    Returns
    -------
    RuleResult
        Findings, one feature row per supply and approval feature, skipped rules,
        tables ``excused``, ``early_warning`` and ``supply_rate``, and every
        parameter used (the standard tables under ``standards``).

    Raises
    ------
    ConfigError
        An unknown threshold name, a bad land-class list, or an unknown ``lang``.
    CRSError
        The layers are in different CRSs.
    """
    params = _parameters(thresholds, warning_days, as_of)
    lang = check_lang(lang)
    table = standards if standards is not None else std_tables.default()
    params["standards"] = {**table.describe(),
                           "industry_codes": params["industry_classification"]}
    as_of = dt.date(as_of.year, as_of.month, as_of.day)
    supply = layers.get("supply")
    approvals = layers.get("approvals")
    admin = layers.get("admin")
    crs = _common_crs([f for f in (supply, approvals, admin) if f is not None])
    skipped: list[tuple[str, str]] = []
    findings: list[gpd.GeoDataFrame] = []
    features: list[pd.DataFrame] = []
    tables: dict[str, pd.DataFrame] = {
        "excused": pd.DataFrame(columns=list(EXCUSED_COLUMNS)),
        "early_warning": pd.DataFrame(columns=list(WARNING_COLUMNS)),
        "supply_rate": pd.DataFrame(columns=list(_RATE_COLUMNS)),
    }

    if supply is None:
        skipped.extend((rule, "no supply layer") for rule in (*IDLE_RULES, *POLICY_RULES))
    else:
        sup = SupplyParcels.of(supply)
        later = _superseded(sup, share=float(params["supply_superseded_share"]),
                            sliver=float(params["sliver_m2"]), crs=crs)
        sup.superseded = later.superseded
        feat = pd.DataFrame({"layer": "supply", "feature_id": sup.ids})
        built, ev_problem = _align_evidence(evidence, sup)
        feat["built_fraction"] = built
        feat["evidence_problem"] = ev_problem
        idled = idle(sup, today=np.datetime64(as_of, "D"), params=params, built=built,
                     ev_problem=ev_problem, lang=lang, skipped=skipped)
        sold = policy(sup, params=params, table=table, lang=lang, skipped=skipped)
        findings.append(make_findings(idled.records + sold.records, crs=crs))
        tables["excused"] = idled.excused
        tables["early_warning"] = idled.early_warning
        not_judged = join_text(idled.columns.pop("not_judged").to_numpy()
                               if "not_judged" in idled.columns
                               else np.full(len(sup), "", dtype=object), sold.not_judged)
        feat = pd.concat([feat, idled.columns], axis=1)
        feat["policy_status"] = sold.status
        feat["superseded_by"] = later.by
        feat["not_judged"] = np.where(sup.superseded, "", not_judged)
        superseded_status = np.where(
            sup.superseded, "superseded by " + later.by.astype(object) + ": not judged", "")
        feat["supply_status"] = join_text(sup.problem, superseded_status, later.note,
                                          idled.columns["idle_status"].to_numpy(),
                                          sold.status, not_judged, sup.notes)
        features.append(feat)

    if approvals is None:
        skipped.append(("approved_not_supplied", "no approvals layer"))
    elif supply is None:
        skipped.append(("approved_not_supplied", "no supply layer: supply cannot be measured"))
    else:
        ans = _approved_not_supplied(approvals, supply, admin, as_of=as_of, params=params,
                                     lang=lang, skipped=skipped, crs=crs)
        findings.append(ans.findings)
        features.append(ans.features)
        tables["supply_rate"] = ans.rates

    result_features = (pd.concat(features, ignore_index=True) if features
                       else pd.DataFrame(columns=["layer", "feature_id"]))
    out_findings = concat_findings(findings, crs=crs)
    return RuleResult(findings=out_findings, features=result_features, skipped=skipped,
                      tables=tables, parameters=params)


# --------------------------------------------------------------------------- set-up


def _parameters(thresholds: Mapping[str, Any], warning_days: int | None,
                as_of: dt.date) -> dict[str, Any]:
    unknown = sorted(set(thresholds) - set(THRESHOLDS))
    if unknown:
        raise ConfigError(f"unknown threshold(s) {unknown} for the supply checks",
                          fix=f"use names among {list(THRESHOLDS)}")
    params: dict[str, Any] = {"as_of": as_of.isoformat()}
    for name in THRESHOLDS:
        value = thresholds.get(name)
        value = getattr(settings, name) if value is None else value
        # Days as ISO text: run.json records them as written.
        params[name] = value.isoformat() if isinstance(value, dt.date) else value
    classification = params["industry_classification"]
    if classification is not None and str(classification) not in ("2002", "2011", "2017"):
        raise ConfigError(f"industry_classification was {classification!r}",
                          fix='use "2002", "2011" or "2017" (GB/T 4754), or None')
    params["idle_warning_days"] = (settings.idle_warning_days if warning_days is None
                                   else int(warning_days))
    return params


def _common_crs(frames: list[gpd.GeoDataFrame]) -> Any:
    crss = [f.crs for f in frames if f.crs is not None]
    for other in crss[1:]:
        if other != crss[0]:
            raise CRSError(
                f"the supply-side layers are in different CRSs ({crss[0].to_string()} and "
                f"{other.to_string()})",
                fix="read the dataset so that every layer is in the working CRS",
            )
    return crss[0] if crss else None


def _align_evidence(evidence: pd.DataFrame | None,
                    sup: SupplyParcels) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    n = len(sup)
    if evidence is None:
        return np.full(n, np.nan), np.full(n, "", dtype=object)
    key = next((c for c in ("supply_id", "feature_id") if c in evidence), None)
    problem_col = (evidence["evidence_problem"].astype(object).where(
        evidence["evidence_problem"].notna(), "") if "evidence_problem" in evidence
        else pd.Series("", index=evidence.index, dtype=object))
    if key is not None:
        keys = evidence[key].astype(str)
        first = ~keys.duplicated().to_numpy()
        by_id = pd.DataFrame({"built": evidence["built_fraction"].to_numpy()[first],
                              "problem": problem_col.to_numpy()[first]},
                             index=keys.to_numpy()[first])
        built = by_id["built"].reindex(sup.ids).to_numpy(dtype=np.float64)
        problem = by_id["problem"].reindex(sup.ids)
    else:
        built = evidence["built_fraction"].reindex(sup.index).to_numpy(dtype=np.float64)
        problem = problem_col.reindex(sup.index)
    missing = problem.isna().to_numpy()
    problem_arr = np.array(problem.astype(object).where(~problem.isna(), ""), dtype=object)
    problem_arr[missing] = "no evidence row for this parcel"
    return built, problem_arr


# --------------------------------------------------------------------------- superseded


@dataclass
class _Superseded:
    """Which parcels later contracts replace, by whom, and what could not be ordered."""

    superseded: NDArray[np.bool_]
    by: NDArray[np.object_]       # ids of the later contracts over it, ";"-joined
    note: NDArray[np.object_]     # overlaps that could not be ordered by date


def _superseded(sup: SupplyParcels, *, share: float, sliver: float, crs: Any) -> _Superseded:
    """Find the parcels whose land later contracts cover at least ``share`` of."""
    n = len(sup)
    out = _Superseded(np.zeros(n, dtype=bool), np.full(n, "", dtype=object),
                      np.full(n, "", dtype=object))
    live = np.flatnonzero(sup.usable)
    if len(live) < 2 or crs is None:
        return out
    geoms = np.asarray(sup.frame.geometry.values, dtype=object)[live]
    area = sup.area_m2[live]
    p = pieces(geoms, geoms, crs=crs, sliver_m2=sliver, left_area_m2=area, right_area_m2=area)
    p = p.take(p.left != p.right)
    if not len(p):
        return out
    contract, contract_why = sup.date("contract_on")
    day = contract[live]
    dated = ~np.isnat(day) & (contract_why[live] == "")
    left, right = p.left, p.right
    later = dated[left] & dated[right] & (day[right] > day[left])
    covered: NDArray[np.float64] = np.zeros(len(live))
    if later.any():
        take = p.take(later)
        union = union_by_group(take.geometry, take.left, len(live))
        counts = np.bincount(take.left, minlength=len(live))
        covered = np.bincount(take.left, weights=take.area_m2,
                              minlength=len(live)).astype(np.float64)
        multi = np.flatnonzero(counts > 1)
        if len(multi):
            covered[multi] = ellipsoidal_area(union[multi], crs)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover_share = np.where(area > 0, covered / area, 0.0)
    gone = cover_share >= share
    ids = sup.ids[live]
    by = [[] for _ in live]  # type: list[list[str]]
    for a, b in zip(left[later], right[later], strict=True):
        if gone[a]:
            by[a].append(str(ids[b]))
    # Same land, contracts that cannot be ordered: both stay judged, and say so.
    unordered = ~(dated[left] & dated[right] & (day[right] != day[left]))
    big = (p.area_m2 / np.where(area[left] > 0, area[left], np.inf)) >= share
    notes = [[] for _ in live]  # type: list[list[str]]
    for a, b in zip(left[unordered & big], right[unordered & big], strict=True):
        notes[a].append(str(ids[b]))
    out.superseded[live] = gone
    out.by[live] = [";".join(sorted(set(x))) for x in by]
    out.note[live] = [
        (f"the same land as {';'.join(sorted(set(x)))}: which contract is current cannot be "
         "told (contract dates missing, unreadable or equal)") if x else "" for x in notes]
    return out


# --------------------------------------------------------------------------- 批而未供


@dataclass
class _NotSupplied:
    findings: gpd.GeoDataFrame
    features: pd.DataFrame
    rates: pd.DataFrame


def _drop_slivers(geoms: NDArray[np.object_], crs: Any, sliver: float) -> NDArray[np.object_]:
    """Remove polygon parts smaller than ``sliver`` m2 from each geometry."""
    out = np.full(len(geoms), None, dtype=object)
    parts, index = shapely.get_parts(geoms, return_index=True)
    if len(parts) == 0:
        out[:] = shapely.Polygon()
        return out
    poly = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    keep = poly & (ellipsoidal_area(parts, crs) >= sliver)
    out[:] = shapely.Polygon()
    if keep.any():
        owners, dense = np.unique(index[keep], return_inverse=True)
        out[owners] = shapely.multipolygons(parts[keep], indices=dense)
    return out


def _approved_not_supplied(approvals: gpd.GeoDataFrame, supply: gpd.GeoDataFrame,
                           admin: gpd.GeoDataFrame | None, *, as_of: dt.date,
                           params: Mapping[str, Any], lang: Lang,
                           skipped: list[tuple[str, str]], crs: Any) -> _NotSupplied:
    n = len(approvals)
    ids = feature_ids(approvals, "approvals")
    problem = feature_problems(approvals)
    judged = problem == ""
    geoms = np.asarray(approvals.geometry.values, dtype=object)
    sliver = float(params["sliver_m2"])
    years_needed = int(params["approved_not_supplied_years"])
    today = np.datetime64(as_of, "D")

    sgeoms = np.asarray(supply.geometry.values, dtype=object)
    # Every supply parcel with a usable polygon counts as supplied land, even one the
    # supply checks cannot judge (a duplicate id): land is not unsupplied for a data fault.
    usable = ~(shapely.is_missing(sgeoms) | shapely.is_empty(sgeoms))
    area = np.zeros(n)
    unsupplied = np.zeros(n)
    rest = np.full(n, None, dtype=object)
    if judged.any():
        # Measured once, for the cover and the rate. An area depends on the geometry
        # alone (areas.ellipsoidal_area), so an untouched approval's unsupplied area
        # equals its own area to the last digit.
        own = ellipsoidal_area(geoms[judged], crs)
        cov = cover(geoms[judged], sgeoms[usable], crs=crs, sliver_m2=sliver,
                    parcel_area_m2=own)
        rest[judged] = _drop_slivers(cov.uncovered, crs, sliver)
        area[judged] = own
        unsupplied[judged] = np.minimum(ellipsoidal_area(rest[judged], crs), own)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(area > 0, 1.0 - unsupplied / area, np.nan)
    rate = np.clip(rate, 0.0, 1.0)

    if "approved_on" not in approvals:
        skipped.append(("approved_not_supplied", "no approved_on field: approval age unknown"))
        approved = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    else:
        approved = as_day_array(approvals["approved_on"].reset_index(drop=True))
    age = full_years(approved, np.full(n, today))
    eligible = judged & (age >= years_needed)
    hit = eligible & (unsupplied > 0)

    status = np.full(n, "", dtype=object)
    status[judged] = "supplied in full"
    status[judged & (unsupplied > 0)] = f"partly unsupplied, under {years_needed} full years"
    status[judged & np.isnat(approved) & (unsupplied > 0)] = \
        "partly unsupplied, approval date unknown: not judged"
    status[hit] = "approved_not_supplied"
    status[~judged] = "not judged: " + problem[~judged].astype(object)

    admin_code = (approvals["admin_code"].astype(object).where(
        approvals["admin_code"].notna(), None).to_numpy(dtype=object)
        if "admin_code" in approvals else np.full(n, None, dtype=object))
    records = []
    quoted = regulation("approved_not_supplied", lang)
    for i in np.flatnonzero(hit):
        msg = words(lang).APPROVED_NOT_SUPPLIED.format(
            approved=approved[i], years=age[i], limit=years_needed, m2=unsupplied[i],
            mu=unsupplied[i] / settings.M2_PER_MU, rate=rate[i], regulation=quoted)
        records.append({"rule": "approved_not_supplied", "layer": "approvals",
                        "feature_id": ids[i], "admin_code": admin_code[i] or "",
                        "message": msg, "regulation": quoted,
                        "threshold": f">= {years_needed} full years; sliver {sliver:g} m2",
                        "geometry": rest[i], "area_m2": unsupplied[i],
                        "supply_rate": rate[i]})
    features = pd.DataFrame({
        "layer": "approvals", "feature_id": ids, "supply_status": status,
        "approval_age_years": np.where(np.isnat(approved), -1, age),
        "approval_area_m2": area, "unsupplied_m2": unsupplied, "supply_rate": rate,
    })
    rates = _rates(ids, area, unsupplied=unsupplied, rate=rate, eligible=eligible,
                   judged=judged, admin_code=admin_code, geoms=geoms, rest=rest, admin=admin,
                   crs=crs, sliver=sliver)
    return _NotSupplied(make_findings(records, crs=crs), features, rates)


def _rates(ids: NDArray[np.object_], area: NDArray[np.float64], *,
           unsupplied: NDArray[np.float64], rate: NDArray[np.float64],
           eligible: NDArray[np.bool_], judged: NDArray[np.bool_],
           admin_code: NDArray[np.object_], geoms: NDArray[np.object_],
           rest: NDArray[np.object_], admin: gpd.GeoDataFrame | None, crs: Any,
           sliver: float) -> pd.DataFrame:
    """Supply rate per approval, then per county (approval code, else admin overlay)."""
    county = np.array([str(c)[:6] if c else "" for c in admin_code], dtype=object)
    per = pd.DataFrame({
        "level": "approval", "approval_id": ids, "county": county, "area_m2": area,
        "supplied_m2": area - unsupplied, "unsupplied_m2": unsupplied, "supply_rate": rate,
        "overdue_unsupplied_m2": np.where(eligible, unsupplied, 0.0),
    })[judged]
    pieces = [per[per["county"] != ""][["county", "area_m2", "unsupplied_m2",
                                         "overdue_unsupplied_m2"]]]
    todo = np.flatnonzero(judged & (county == ""))
    if len(todo):
        if admin is not None and "admin_code" in admin and len(admin):
            units = np.asarray(admin.geometry.values, dtype=object)
            codes = np.array([str(c)[:6] if c is not None and not pd.isna(c) else ""
                              for c in admin["admin_code"]], dtype=object)
            codes = np.append(codes, "")  # right == -1: outside every unit
            a = split_by_units(geoms[todo], units, crs=crs, sliver_m2=sliver)
            u = split_by_units(rest[todo], units, crs=crs, sliver_m2=sliver)
            overdue = eligible[todo]
            pieces.append(pd.DataFrame({"county": codes[a.right], "area_m2": a.area_m2,
                                        "unsupplied_m2": 0.0, "overdue_unsupplied_m2": 0.0}))
            pieces.append(pd.DataFrame({
                "county": codes[u.right], "area_m2": 0.0, "unsupplied_m2": u.area_m2,
                "overdue_unsupplied_m2": np.where(overdue[u.left], u.area_m2, 0.0)}))
        else:
            pieces.append(per[per["county"] == ""][["county", "area_m2", "unsupplied_m2",
                                                    "overdue_unsupplied_m2"]])
    counties = pd.concat(pieces, ignore_index=True).groupby("county", as_index=False).sum()
    counties["supplied_m2"] = (counties["area_m2"] - counties["unsupplied_m2"]).clip(lower=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        counties["supply_rate"] = np.where(counties["area_m2"] > 0,
                                           counties["supplied_m2"] / counties["area_m2"], np.nan)
    counties["level"] = "county"
    counties["approval_id"] = ""
    return pd.concat([per, counties[per.columns]], ignore_index=True)
