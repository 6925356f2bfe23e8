"""Supply-side checks: idle land, approvals not supplied, supply policy, industrial standards.

Rules (docs/contract.md codes):

``idle_1y`` / ``idle_2y``
    闲置土地处置办法 (国土资源部令第53号, 2012), Art. 2 and 14. The clock runs from
    ``start_agreed_on``; with none, from ``contract_on`` plus one year (the 1999
    version of the measures, Art. 2), and the message says so. Land not started
    (``started_on`` missing or after ``as_of``) for one full year is ``idle_1y``
    (idle fee: 20 % of ``price``, computed when the price is known, in the
    price's own unit); two full years is ``idle_2y`` (reclaimed without
    compensation). Land started but with ``built_area_ratio`` under 1/3 or
    ``invest_done / invest_total`` under 25 % is idle too once work has stopped
    for a full year. The data hold no stop date, so *stopped* is taken as:
    started at least one full year before ``as_of`` and still under a
    threshold; the years are counted from ``started_on`` (the earliest the
    stoppage can have begun), and the message says so. A delay whose
    ``delay_cause`` names the government or force majeure (Art. 8;
    ``settings.idle_excused_causes``) is not a finding but goes to
    ``tables["excused"]``. Full years follow :mod:`redline.analysis.dates`:
    the anniversary counts, 29 February + 1 year is 28 February.
``evidence_mismatch``
    With the built-up fraction from imagery (:func:`redline.io.evidence.built_fraction`):
    recorded not started but built >= ``evidence_built_high`` (then not idle:
    the record is doubted, not the land), or recorded started but built <=
    ``evidence_built_low`` (field check). Every idle finding quotes the fraction.
early warning
    Land that will cross the one- or two-year line within ``warning_days``
    after ``as_of`` goes to ``tables["early_warning"]`` with the date it crosses.
``approved_not_supplied`` (批而未供)
    The part of an approval no supply parcel covers, for approvals at least
    ``approved_not_supplied_years`` full years old; pieces under the sliver
    threshold are ignored. ``tables["supply_rate"]`` gives the supply rate per
    approval and per county (``admin_code[:6]`` of the approval, or by overlay
    with the admin layer).
``allocation_misuse``, ``industrial_negotiated``, ``industrial_standard``
    划拨 for commercial or housing land (划拨用地目录 2001; 物权法 Art. 137);
    industrial land sold by negotiation under a contract of
    ``industrial_auction_from_year`` or later (国发〔2006〕31号; 招标拍卖挂牌出让
    国有建设用地使用权规定, 2007); industrial land whose recorded plot ratio,
    building coefficient, green ratio or office share breaks the 2008
    indicators (国土资发〔2008〕24号), naming each failed indicator.

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
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.dates import add_years, as_day_array, full_years
from redline.analysis.findings import RuleResult, concat_findings, feature_ids, make_findings
from redline.analysis.overlay import cover, split_by_units
from redline.errors import ConfigError, CRSError
from redline.text import Lang, check_lang, regulation, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

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
    "allocation_forbidden_prefixes",
    "industrial_land_prefixes",
    "industrial_auction_from_year",
    "industrial_min_plot_ratio",
    "industrial_min_plot_ratio_by_industry",
    "industrial_min_building_coefficient",
    "industrial_max_green_ratio",
    "industrial_max_office_share",
)

_SHARE_FIELDS = ("built_area_ratio", "building_coefficient", "green_ratio", "office_share")
_EXCUSED_COLUMNS = ("feature_id", "rule", "years", "clock_from", "delay_cause")
_WARNING_COLUMNS = ("feature_id", "rule", "crosses_on", "days_left", "clock_from")
_RATE_COLUMNS = ("level", "approval_id", "county", "area_m2", "supplied_m2", "unsupplied_m2",
                 "supply_rate", "overdue_unsupplied_m2")


@dataclass
class _Supply:
    """The supply layer's columns as arrays, aligned by position to the frame."""

    frame: gpd.GeoDataFrame  # index reset to positions
    index: pd.Index  # the input frame's index
    ids: NDArray[np.object_]
    judged: NDArray[np.bool_]
    problem: NDArray[np.object_]
    area_m2: NDArray[np.float64]
    notes: NDArray[np.object_]

    def text(self, column: str) -> NDArray[np.object_]:
        if column not in self.frame:
            return np.full(len(self.frame), None, dtype=object)
        col = self.frame[column].astype(object)
        return np.asarray(col.where(col.notna(), None), dtype=object)

    def number(self, column: str) -> NDArray[np.float64]:
        if column not in self.frame:
            return np.full(len(self.frame), np.nan)
        return np.asarray(pd.to_numeric(self.frame[column], errors="coerce"), dtype=np.float64)

    def date(self, column: str) -> NDArray[np.datetime64]:
        if column not in self.frame:
            return np.full(len(self.frame), np.datetime64("NaT"), dtype="datetime64[D]")
        return as_day_array(self.frame[column].reset_index(drop=True))


def supply_findings(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    as_of: dt.date,
    evidence: pd.DataFrame | None = None,
    warning_days: int | None = None,
    lang: Lang = "zh",
    **thresholds: Any,
) -> RuleResult:
    """Run the supply-side rules on the ``supply`` and ``approvals`` layers.

    Parameters
    ----------
    layers
        Frames by role as the reader produces them (canonical columns, ``_row``,
        ``_problem``, ``_note``, geometry in one metric CRS). ``supply``,
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
    **thresholds
        Any name of :data:`THRESHOLDS`; ``None`` or absent reads the setting.

    Returns
    -------
    RuleResult
        Findings, one feature row per supply and approval feature, skipped rules,
        tables ``excused``, ``early_warning`` and ``supply_rate``, and every
        parameter used.

    Raises
    ------
    ConfigError
        An unknown threshold name, or an unknown ``lang``.
    CRSError
        The layers are in different CRSs.
    """
    params = _parameters(thresholds, warning_days, as_of)
    lang = check_lang(lang)
    as_of = dt.date(as_of.year, as_of.month, as_of.day)
    supply = layers.get("supply")
    approvals = layers.get("approvals")
    admin = layers.get("admin")
    crs = _common_crs([f for f in (supply, approvals, admin) if f is not None])
    skipped: list[tuple[str, str]] = []
    findings: list[gpd.GeoDataFrame] = []
    features: list[pd.DataFrame] = []
    tables: dict[str, pd.DataFrame] = {
        "excused": pd.DataFrame(columns=list(_EXCUSED_COLUMNS)),
        "early_warning": pd.DataFrame(columns=list(_WARNING_COLUMNS)),
        "supply_rate": pd.DataFrame(columns=list(_RATE_COLUMNS)),
    }

    if supply is None:
        skipped.extend((rule, "no supply layer") for rule in (
            "idle_1y", "idle_2y", "evidence_mismatch", "allocation_misuse",
            "industrial_negotiated", "industrial_standard"))
    else:
        sup = _prepare_supply(supply)
        feat = pd.DataFrame({"layer": "supply", "feature_id": sup.ids})
        built, ev_problem = _align_evidence(evidence, sup)
        feat["built_fraction"] = built
        feat["evidence_problem"] = ev_problem
        idle = _idle(sup, as_of=as_of, params=params, built=built, ev_problem=ev_problem,
                     lang=lang, skipped=skipped, crs=crs)
        findings.append(idle.findings)
        tables["excused"] = idle.excused
        tables["early_warning"] = idle.early_warning
        feat = pd.concat([feat, idle.columns], axis=1)
        policy_findings, policy_status = _policy(sup, params=params, lang=lang,
                                                 skipped=skipped, crs=crs)
        findings.append(policy_findings)
        feat["policy_status"] = policy_status
        feat["supply_status"] = _join_text(sup.problem, idle.columns["idle_status"].to_numpy(),
                                    policy_status, sup.notes)
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


# --------------------------------------------------------------------------- checks


def _parameters(thresholds: Mapping[str, Any], warning_days: int | None,
                as_of: dt.date) -> dict[str, Any]:
    unknown = sorted(set(thresholds) - set(THRESHOLDS))
    if unknown:
        raise ConfigError(f"unknown threshold(s) {unknown} for the supply checks",
                          fix=f"use names among {list(THRESHOLDS)}")
    params: dict[str, Any] = {"as_of": as_of.isoformat()}
    for name in THRESHOLDS:
        value = thresholds.get(name)
        params[name] = getattr(settings, name) if value is None else value
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


def _problems(frame: gpd.GeoDataFrame) -> NDArray[np.object_]:
    problem = (frame["_problem"].astype(object).where(frame["_problem"].notna(), "")
               .astype(str).to_numpy(dtype=object) if "_problem" in frame
               else np.full(len(frame), "", dtype=object))
    geoms = np.asarray(frame.geometry.values, dtype=object)
    no_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    problem = problem.copy()
    problem[no_geom & (problem == "")] = "no geometry"
    return problem


def _prepare_supply(frame: gpd.GeoDataFrame) -> _Supply:
    problem = _problems(frame)
    judged = problem == ""
    area = ellipsoidal_area(frame.geometry.values, frame.crs) if frame.crs is not None \
        else np.asarray(shapely.area(frame.geometry.values), dtype=np.float64)
    notes = np.full(len(frame), "", dtype=object)
    data = frame.copy()
    for field in _SHARE_FIELDS:
        if field in data:
            values = pd.to_numeric(data[field], errors="coerce")
            pct = ((values > 1) & (values <= 100)).to_numpy()
            if pct.any():
                data[field] = values.where(~pct, values / 100.0)
                notes = _join_text(notes, np.where(pct, f"{field} read as a percentage", ""))
    return _Supply(data.reset_index(drop=True), frame.index, feature_ids(frame, "supply"), judged,
                   problem, area, notes)


def _align_evidence(evidence: pd.DataFrame | None,
                    sup: _Supply) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    n = len(sup.ids)
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


@dataclass
class _Idle:
    findings: gpd.GeoDataFrame
    columns: pd.DataFrame
    excused: pd.DataFrame
    early_warning: pd.DataFrame


@dataclass
class _Clock:
    """Idle state of every supply parcel, arrays aligned by position."""

    today: np.datetime64
    offset: int
    origin: NDArray[np.datetime64]          # start_agreed_on, else contract_on
    by_contract: NDArray[np.bool_]          # the clock runs from contract_on + offset
    started: NDArray[np.datetime64]
    stalled: NDArray[np.bool_]              # started, under a threshold
    ratio: NDArray[np.float64]
    invest: NDArray[np.float64]
    clock_from: NDArray[np.datetime64]
    years: NDArray[np.int64]
    days: NDArray[np.float64]
    cross_fee: NDArray[np.datetime64]       # the day the first line is reached
    cross_reclaim: NDArray[np.datetime64]   # the day the second line is reached
    candidate: NDArray[np.bool_]            # judged, not started or stalled, clock known
    doubted: NDArray[np.bool_]              # recorded not started, imagery shows building
    field_check: NDArray[np.bool_]          # recorded started, imagery shows nothing
    rule: NDArray[np.str_]                  # "idle_1y" / "idle_2y" / ""
    excused: NDArray[np.bool_]
    fee: NDArray[np.float64]
    price: NDArray[np.float64]

    @property
    def not_started(self) -> NDArray[np.bool_]:
        return np.isnat(self.started) | (self.started > self.today)

    @property
    def is_finding(self) -> NDArray[np.bool_]:
        return (self.rule != "") & ~self.excused

    @property
    def is_excused(self) -> NDArray[np.bool_]:
        return (self.rule != "") & self.excused


def _excused(causes: NDArray[np.object_], params: Mapping[str, Any]) -> NDArray[np.bool_]:
    text = pd.Series(causes, dtype=object).fillna("").astype(str).str.lower()
    hit = np.zeros(len(text), dtype=bool)
    for word in params["idle_excused_causes"]:
        hit |= text.str.contains(str(word).lower(), regex=False).to_numpy()
    for word in params["idle_excused_negations"]:
        hit &= ~text.str.contains(str(word).lower(), regex=False).to_numpy()
    return hit


def _clock(sup: _Supply, *, today: np.datetime64, params: Mapping[str, Any],
           built: NDArray[np.float64]) -> _Clock:
    """Compute every parcel's clock, the lines it crosses and the rule it reaches."""
    n = len(sup.ids)
    offset = int(params["idle_no_start_offset_years"])
    agreed = sup.date("start_agreed_on")
    contract = sup.date("contract_on")
    started = sup.date("started_on")
    by_agreed = ~np.isnat(agreed)
    by_contract = ~by_agreed & ~np.isnat(contract)
    origin = np.where(by_agreed, agreed, contract)
    origin_offset = np.where(by_contract, offset, 0)
    not_started = np.isnat(started) | (started > today)
    ratio = sup.number("built_area_ratio")
    total = sup.number("invest_total")
    with np.errstate(divide="ignore", invalid="ignore"):
        invest = np.where(total > 0, sup.number("invest_done") / total, np.nan)
    # Started but under a threshold: idle once stopped a full year; with no stop
    # date the stoppage is counted from the start date.
    stalled = ~not_started & ((ratio < float(params["idle_built_share"]))
                              | (invest < float(params["idle_invest_share"])))
    # Lines are counted from the original date, never chained (see dates.py).
    line_origin = np.where(stalled, started, origin)
    line_offset = np.where(stalled, 0, origin_offset)
    cross_fee = add_years(line_origin, line_offset + int(params["idle_years_fee"]))
    cross_reclaim = add_years(line_origin, line_offset + int(params["idle_years_reclaim"]))
    clock_from = np.where(stalled, started, add_years(origin, origin_offset))
    days = (today - clock_from).astype("timedelta64[D]").astype(np.float64)
    days[np.isnat(clock_from)] = np.nan
    doubted = sup.judged & not_started & (built >= float(params["evidence_built_high"]))
    candidate = sup.judged & (not_started | stalled) & ~doubted & ~np.isnat(clock_from)
    reclaim = candidate & (today >= cross_reclaim)
    rule = np.where(reclaim, "idle_2y",
                    np.where(candidate & (today >= cross_fee), "idle_1y", ""))
    price = sup.number("price")
    return _Clock(
        today=today, offset=offset, origin=origin, by_contract=by_contract, started=started,
        stalled=stalled, ratio=ratio, invest=invest, clock_from=clock_from,
        years=full_years(clock_from, np.full(n, today)), days=days, cross_fee=cross_fee,
        cross_reclaim=cross_reclaim, candidate=candidate, doubted=doubted,
        field_check=sup.judged & ~not_started & (built <= float(params["evidence_built_low"])),
        rule=rule, excused=_excused(sup.text("delay_cause"), params),
        fee=np.where(rule == "idle_1y", price * float(params["idle_fee_share"]), np.nan),
        price=price,
    )


def _idle_columns(sup: _Supply, c: _Clock) -> pd.DataFrame:
    """Per-parcel idle columns for ``RuleResult.features``."""
    n = len(sup.ids)
    status = np.full(n, "", dtype=object)
    status[sup.judged & np.isnat(c.clock_from)] = \
        "idle not judged: no agreed start or contract date"
    status[sup.judged & ~c.not_started & ~c.stalled] = "started"
    young = c.candidate & (c.rule == "")
    status[young] = np.where(c.stalled[young],
                             "started, under thresholds, less than one full year",
                             "not started, less than one full year")
    status[c.is_finding] = c.rule[c.is_finding]
    status[c.is_excused] = "excused (" + c.rule[c.is_excused].astype(object) + "): delay cause"
    status[c.doubted] = "record says not started, imagery shows construction"
    status[c.field_check & ~c.is_finding] = \
        "recorded as started, imagery shows almost no construction"
    basis = np.where(c.stalled, "started_on (stalled)", np.where(
        ~np.isnat(c.origin) & ~c.by_contract, "start_agreed_on",
        np.where(c.by_contract, f"contract_on+{c.offset}y", "")))
    return pd.DataFrame({
        "clock_from": c.clock_from,
        "clock_basis": basis,
        "idle_days": np.where(c.candidate, c.days, np.nan),
        "idle_years": np.where(c.candidate, c.years, -1),
        "idle_rule": np.where(c.is_finding, c.rule, ""),
        "idle_fee": np.where(c.is_finding, c.fee, np.nan),
        "excused_cause": np.where(c.is_excused, sup.text("delay_cause"), ""),
        "idle_status": status,
    })


def _idle_records(sup: _Supply, c: _Clock, *, built: NDArray[np.float64],
                  ev_problem: NDArray[np.object_], params: Mapping[str, Any],
                  lang: Lang) -> list[dict[str, Any]]:
    """One finding record per idle parcel and per imagery mismatch."""
    geoms = np.asarray(sup.frame.geometry.values, dtype=object)
    admin = sup.text("admin_code")
    records: list[dict[str, Any]] = []
    w = words(lang)
    for i in np.flatnonzero(c.is_finding):
        years_needed = params["idle_years_reclaim" if c.rule[i] == "idle_2y"
                              else "idle_years_fee"]
        quoted = regulation(str(c.rule[i]), lang) + (
            f"; {w.REGULATION_IDLE_1999}" if c.by_contract[i] and not c.stalled[i] else "")
        records.append({
            "rule": str(c.rule[i]), "layer": "supply", "feature_id": sup.ids[i],
            "admin_code": admin[i] or "",
            "message": _idle_message(lang, c, int(i), built=float(built[i]),
                                     ev_problem=str(ev_problem[i]), params=params),
            "regulation": quoted, "threshold": w.IDLE_YEARS.format(years=years_needed),
            "geometry": geoms[i], "area_m2": sup.area_m2[i],
            "clock_from": str(c.clock_from[i]), "idle_days": c.days[i], "idle_fee": c.fee[i],
            "built_fraction": built[i],
        })
    high = float(params["evidence_built_high"])
    low = float(params["evidence_built_low"])
    for i in np.flatnonzero(c.doubted | c.field_check):
        started = bool(c.field_check[i])
        records.append({
            "rule": "evidence_mismatch", "layer": "supply", "feature_id": sup.ids[i],
            "admin_code": admin[i] or "",
            "message": _mismatch_message(lang, started=started, built=float(built[i]),
                                         started_on=c.started[i], high=high, low=low),
            "regulation": regulation("evidence_mismatch", lang),
            "threshold": f"<= {low:.0%}" if started else f">= {high:.0%}",
            "geometry": geoms[i], "area_m2": sup.area_m2[i], "built_fraction": built[i],
        })
    return records


def _idle_tables(sup: _Supply, c: _Clock, *, warning_days: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabulate the excused delays and the early-warning list."""
    ex = c.is_excused
    excused = pd.DataFrame({
        "feature_id": sup.ids[ex],
        "rule": c.rule[ex].astype(object),
        "years": c.years[ex],
        "clock_from": c.clock_from[ex].astype(str).astype(object),
        "delay_cause": sup.text("delay_cause")[ex],
    })
    horizon = c.today + np.timedelta64(warning_days, "D")
    watch = sup.judged & (c.not_started | c.stalled) & ~c.doubted & ~c.excused
    rows = []
    for name, line in (("idle_1y", c.cross_fee), ("idle_2y", c.cross_reclaim)):
        coming = watch & ~np.isnat(line) & (line > c.today) & (line <= horizon)
        rows.append(pd.DataFrame({
            "feature_id": sup.ids[coming],
            "rule": name,
            "crosses_on": line[coming].astype(str).astype(object),
            "days_left": (line[coming] - c.today).astype(np.int64),
            "clock_from": c.clock_from[coming].astype(str).astype(object),
        }))
    warning = pd.concat(rows, ignore_index=True).sort_values(
        ["crosses_on", "feature_id"], ignore_index=True)
    return excused, warning


def _idle(sup: _Supply, *, as_of: dt.date, params: Mapping[str, Any],
          built: NDArray[np.float64], ev_problem: NDArray[np.object_], lang: Lang,
          skipped: list[tuple[str, str]], crs: Any) -> _Idle:
    frame = sup.frame
    has_clock = "start_agreed_on" in frame or "contract_on" in frame
    if not has_clock or "started_on" not in frame:
        why = ("no started_on field: whether work started is unknown" if has_clock
               else "no start_agreed_on or contract_on field: the idle clock cannot start")
        skipped.extend([("idle_1y", why), ("idle_2y", why), ("evidence_mismatch", why)])
        columns = pd.DataFrame({"idle_status": np.full(len(sup.ids), "idle not judged: " + why,
                                                       dtype=object)})
        return _Idle(make_findings([], crs=crs), columns,
                     pd.DataFrame(columns=list(_EXCUSED_COLUMNS)),
                     pd.DataFrame(columns=list(_WARNING_COLUMNS)))
    if not np.isfinite(built).any() and not (ev_problem != "").any():
        skipped.append(("evidence_mismatch", "no evidence raster"))
    c = _clock(sup, today=np.datetime64(as_of, "D"), params=params, built=built)
    records = _idle_records(sup, c, built=built, ev_problem=ev_problem, params=params,
                            lang=lang)
    excused, warning = _idle_tables(sup, c, warning_days=int(params["idle_warning_days"]))
    return _Idle(make_findings(records, crs=crs), _idle_columns(sup, c), excused, warning)


def _fmt_date(value: np.datetime64) -> str:
    return "?" if np.isnat(value) else str(value)


def _idle_message(lang: Lang, c: _Clock, i: int, *, built: float, ev_problem: str,
                  params: Mapping[str, Any]) -> str:
    """Write the message of one idle finding, naming the regulation and the thresholds."""
    w = words(lang)
    share = float(params["idle_fee_share"])
    built_share = float(params["idle_built_share"])
    invest_share = float(params["idle_invest_share"])
    clock, today, years = _fmt_date(c.clock_from[i]), c.today, int(c.years[i])
    parts: list[str] = []
    if c.stalled[i]:
        under = []
        if c.ratio[i] < built_share:
            under.append(w.IDLE_UNDER_BUILT.format(ratio=c.ratio[i]))
        if c.invest[i] < invest_share:
            under.append(w.IDLE_UNDER_INVEST.format(share=c.invest[i], limit=invest_share))
        parts.append(w.IDLE_STALLED.format(started=clock, under=w.IDLE_UNDER_JOIN.join(under),
                                           today=today, years=years))
    else:
        parts.append(w.IDLE_NOT_STARTED.format(start=clock, years=years, today=today,
                                               days=c.days[i]))
        if c.by_contract[i]:
            parts.append(w.IDLE_BY_CONTRACT.format(contract=_fmt_date(c.origin[i]),
                                                   offset=c.offset))
    parts.append(_idle_consequence(lang, c, i, share))
    if np.isfinite(built):
        parts.append(w.IDLE_BUILT.format(built=built))
    elif ev_problem:
        parts.append(w.IDLE_NO_EVIDENCE.format(problem=ev_problem))
    parts.append(w.CITE.format(regulation=regulation(str(c.rule[i]), lang)))
    return str(w.PARTS_JOIN.join(parts))


def _idle_consequence(lang: Lang, c: _Clock, i: int, share: float) -> str:
    w = words(lang)
    if c.rule[i] == "idle_2y":
        return str(w.IDLE_RECLAIM)
    price, fee = c.price[i], c.fee[i]
    if not np.isfinite(fee):
        return str(w.IDLE_FEE_NO_PRICE.format(share=share))
    return str(w.IDLE_FEE.format(share=share, price=price, fee=fee))


def _mismatch_message(lang: Lang, *, started: bool, built: float, started_on: np.datetime64,
                      high: float, low: float) -> str:
    w = words(lang)
    if started:
        return str(w.MISMATCH_STARTED.format(started=_fmt_date(started_on), built=built,
                                             low=low))
    return str(w.MISMATCH_NOT_STARTED.format(built=built, high=high))


# --------------------------------------------------------------------------- policy


def _prefixed(codes: NDArray[np.object_], prefixes: Any) -> NDArray[np.bool_]:
    text = pd.Series(codes, dtype=object).fillna("").astype(str).str.upper()
    return text.str.startswith(tuple(str(p).upper() for p in prefixes)).to_numpy(dtype=bool) \
        & (text != "").to_numpy()


def _min_plot_ratio(industry: NDArray[np.object_], params: Mapping[str, Any]
                    ) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    text = pd.Series(industry, dtype=object).fillna("").astype(str).str.lower()
    limit = np.full(len(text), float(params["industrial_min_plot_ratio"]))
    source = np.full(len(text), "default", dtype=object)
    found = np.zeros(len(text), dtype=bool)
    for key, value in params["industrial_min_plot_ratio_by_industry"].items():
        hit = text.str.contains(str(key).lower(), regex=False).to_numpy() & ~found
        limit[hit] = float(value)
        source[hit] = str(key)
        found |= hit
    return limit, source


def _policy(sup: _Supply, *, params: Mapping[str, Any], lang: Lang,
            skipped: list[tuple[str, str]], crs: Any
            ) -> tuple[gpd.GeoDataFrame, NDArray[np.object_]]:
    """Supply-method rules and the industrial indicators; returns findings and a status."""
    records: list[dict[str, Any]] = []
    status = _method_rules(sup, params=params, lang=lang, skipped=skipped, records=records)
    status = _join_text(status, _standard_rule(sup, params=params, lang=lang, skipped=skipped,
                                               records=records))
    return make_findings(records, crs=crs), status


def _record(sup: _Supply, i: int, rule: str, message: str, *, lang: Lang,
            threshold: str) -> dict[str, Any]:
    """Return a finding of a policy rule, its message closed by the regulation it quotes."""
    admin = sup.text("admin_code")[i]
    w = words(lang)
    quoted = regulation(rule, lang)
    message = message + w.PARTS_JOIN + w.CITE.format(regulation=quoted)
    return {"rule": rule, "layer": "supply", "feature_id": sup.ids[i],
            "admin_code": admin or "", "message": message, "regulation": quoted,
            "threshold": threshold, "geometry": sup.frame.geometry.values[i],
            "area_m2": sup.area_m2[i]}


def _method_rules(sup: _Supply, *, params: Mapping[str, Any], lang: Lang,
                  skipped: list[tuple[str, str]], records: list[dict[str, Any]]
                  ) -> NDArray[np.object_]:
    """``allocation_misuse`` and ``industrial_negotiated``."""
    n = len(sup.ids)
    frame = sup.frame
    status = np.full(n, "", dtype=object)
    if "land_use" not in frame or "supply_method" not in frame:
        why = f"no {'land_use' if 'land_use' not in frame else 'supply_method'} field"
        skipped.extend([("allocation_misuse", why), ("industrial_negotiated", why)])
        return status
    method = sup.text("supply_method")
    use = sup.text("land_use")
    forbidden = params["allocation_forbidden_prefixes"]
    misuse = sup.judged & (method == "allocation") & _prefixed(use, forbidden)
    w = words(lang)
    records.extend(_record(
        sup, int(i), "allocation_misuse",
        w.ALLOCATION_MISUSE.format(use=use[i], codes=_codes(forbidden)), lang=lang,
        threshold=_codes(forbidden))
        for i in np.flatnonzero(misuse))
    status[misuse] = "allocation_misuse"
    if "contract_on" not in frame:
        skipped.append(("industrial_negotiated", "no contract_on field"))
        return status
    year_from = int(params["industrial_auction_from_year"])
    contract = sup.date("contract_on")
    year = np.where(np.isnat(contract), -1,
                    contract.astype("datetime64[Y]").astype(np.int64) + 1970)
    negotiated = (sup.judged & (method == "negotiation")
                  & _prefixed(use, params["industrial_land_prefixes"]))
    undated = negotiated & (year < 0)
    status[undated] = "industrial_negotiated not judged: no contract date"
    hit = negotiated & (year >= year_from)
    for i in np.flatnonzero(hit):
        day = _fmt_date(contract[i])
        records.append(_record(
            sup, int(i), "industrial_negotiated",
            w.INDUSTRIAL_NEGOTIATED.format(day=day, year=year_from), lang=lang,
            threshold=f"contract year >= {year_from}"))
    status[hit] = _join_text(status[hit], np.full(int(hit.sum()), "industrial_negotiated",
                                                  dtype=object))
    return status


def _codes(prefixes: Any) -> str:
    return "/".join(f"{p}*" for p in prefixes)


#: Industrial indicators of the 2008 standard, as supply fields.
_INDICATORS = ("plot_ratio", "building_coefficient", "green_ratio", "office_share")


def _standard_rule(sup: _Supply, *, params: Mapping[str, Any], lang: Lang,
                   skipped: list[tuple[str, str]], records: list[dict[str, Any]]
                   ) -> NDArray[np.object_]:
    """``industrial_standard``: each failed 2008 indicator with its value and limit."""
    n = len(sup.ids)
    frame = sup.frame
    status = np.full(n, "", dtype=object)
    if "land_use" not in frame or not any(f in frame for f in _INDICATORS):
        skipped.append(("industrial_standard", "no land_use field" if "land_use" not in frame
                        else "no industrial indicator field"))
        return status
    min_plot, plot_source = _min_plot_ratio(sup.text("industry"), params)
    # (field, recorded value, limit, the value must be at least the limit)
    checks = [
        ("plot_ratio", sup.number("plot_ratio"), min_plot, True),
        ("building_coefficient", sup.number("building_coefficient"),
         np.full(n, float(params["industrial_min_building_coefficient"])), True),
        ("green_ratio", sup.number("green_ratio"),
         np.full(n, float(params["industrial_max_green_ratio"])), False),
        ("office_share", sup.number("office_share"),
         np.full(n, float(params["industrial_max_office_share"])), False),
    ]
    failed = np.column_stack([(v < lim) if at_least else (v > lim)
                              for _, v, lim, at_least in checks])
    bad = (sup.judged & _prefixed(sup.text("land_use"), params["industrial_land_prefixes"])
           & failed.any(axis=1))
    w = words(lang)
    for i in np.flatnonzero(bad):
        items = []
        for k, (field, value, limit, at_least) in enumerate(checks):
            if failed[i, k]:
                fmt = ".2f" if field == "plot_ratio" else ".0%"
                which = ""
                if field == "plot_ratio":
                    which = w.PLOT_RATIO_INDUSTRY.format(industry=plot_source[i])
                items.append(f"{w.INDICATOR_NAMES[field]} {value[i]:{fmt}} "
                             f"{'<' if at_least else '>'} {limit[i]:{fmt}}{which}")
        records.append(_record(
            sup, int(i), "industrial_standard",
            w.INDUSTRIAL_STANDARD.format(items=w.PARTS_JOIN.join(items)), lang=lang,
            threshold="; ".join(f"{f} {'>=' if a else '<='} limit" for f, _, _, a in checks)))
    status[bad] = "industrial_standard"
    return status


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
    problem = _problems(approvals)
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
        cov = cover(geoms[judged], sgeoms[usable], crs=crs, sliver_m2=sliver)
        rest[judged] = _drop_slivers(cov.uncovered, crs, sliver)
        # One call, one equal-area projection: an untouched approval's unsupplied
        # area then equals its own area to the last digit.
        both = ellipsoidal_area(np.concatenate([geoms[judged], rest[judged]]), crs)
        k = int(judged.sum())
        area[judged] = both[:k]
        unsupplied[judged] = np.minimum(both[k:], both[:k])
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


def _join_text(*columns: NDArray[np.object_]) -> NDArray[np.object_]:
    """Join per-row texts with "; ", skipping blanks."""
    out: NDArray[np.object_] | None = None
    for column in columns:
        text = pd.Series(column, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
        if out is None:
            out = text
            continue
        both = (out != "") & (text != "")
        out = np.where(both, out + "; " + text, np.where(out == "", text, out))
    return np.asarray(out if out is not None else [], dtype=object)
