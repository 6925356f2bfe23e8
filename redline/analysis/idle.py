"""Idle land and late starts: the clocks of 闲置土地处置办法 and of the sale contract.

Rules (docs/contract.md codes):

``idle_1y`` / ``idle_2y``
    闲置土地处置办法 (国土资源部令第53号, 2012), Art. 2 and 14. Land *not started* is idle
    one full year after the start date agreed in the contract or allocation decision
    (``start_agreed_on``): ``idle_1y``, an idle fee of 20 % of the land price (``price``,
    in its own unit); two full years: ``idle_2y``, reclaimed without compensation. With
    no agreed start date the clock runs from the contract (``contract_on``: the contract
    or allocation decision taking effect) as the 1999 measures did (Art. 2(2): idle one
    full year after the contract takes effect): idle_1y one full year after the contract,
    idle_2y two (``settings.idle_no_start_offset_years`` years are added, 0 by default).
    Land *started then stopped* (Art. 2: developed area under 1/3, ``built_area_ratio``,
    or investment under 25 %, ``invest_done / invest_total``, and work stopped a full
    year) is ``idle_1y`` one full year after the stop date ``stopped_on``; never
    ``idle_2y``, whose free reclamation (Art. 14(2)) is for land not started for two
    years (the reading followed; the domain notes mark it *verify*). Without a stop date
    it is not judged, and says so: a start date is no evidence that work ever stopped.
``late_start`` (逾期动工)
    Land not started after its agreed start date (the day after it: the agreed day is the
    last day to start) but less than a full year late, so not yet idle: a breach of the
    sale contract (《国有建设用地使用权出让合同》示范文本 GF-2008-2601, Art. 16 and its
    late-start penalty), reported with the days late. Only with an agreed start date.

A delay whose ``delay_cause`` names the government or force majeure (2012 Art. 8:
``settings.idle_excused_causes``, e.g. 政府, 规划调整, 未按合同约定时间交付土地, 信访, 维稳,
不可抗力) is not a finding of any of these rules but goes to ``tables["excused"]``, with the
words matched. A date that cannot be read (``start_agreed_on``, ``contract_on`` when no
start was agreed, ``started_on``, ``stopped_on`` of stopped work) leaves the parcel not
judged by these rules, with the reason. Full years follow :mod:`redline.analysis.dates`:
the anniversary counts, 29 February + 1 year is 28 February. Land that will cross the one-
or two-year line within ``warning_days`` goes to ``tables["early_warning"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redline.analysis.dates import add_years, full_years
from redline.analysis.supply_parcels import SupplyParcels, fmt_date, join_text
from redline.text import Lang, regulation, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["EXCUSED_COLUMNS", "IDLE_RULES", "WARNING_COLUMNS", "IdleResult", "idle"]

#: The rules of this module.
IDLE_RULES: tuple[str, ...] = ("idle_1y", "idle_2y", "late_start", "evidence_mismatch")
EXCUSED_COLUMNS: tuple[str, ...] = ("feature_id", "rule", "years", "clock_from", "delay_cause",
                                    "matched_words")
WARNING_COLUMNS: tuple[str, ...] = ("feature_id", "rule", "crosses_on", "days_left",
                                    "clock_from")
_NAT = np.datetime64("NaT", "D")


@dataclass
class IdleResult:
    """Idle findings' records, per-parcel columns, and the two tables."""

    records: list[dict[str, Any]]
    columns: pd.DataFrame
    excused: pd.DataFrame
    early_warning: pd.DataFrame


@dataclass
class _Clock:
    """Idle state of every supply parcel, arrays aligned by position."""

    today: np.datetime64
    offset: int
    origin: NDArray[np.datetime64]          # start_agreed_on, else contract_on
    by_agreed: NDArray[np.bool_]
    by_contract: NDArray[np.bool_]          # the clock runs from contract_on (+ offset)
    started: NDArray[np.datetime64]
    stopped: NDArray[np.datetime64]
    not_started: NDArray[np.bool_]
    stalled: NDArray[np.bool_]              # started, under a share, stopped by today
    ratio: NDArray[np.float64]
    invest: NDArray[np.float64]
    clock_from: NDArray[np.datetime64]
    years: NDArray[np.int64]
    days: NDArray[np.float64]
    cross_fee: NDArray[np.datetime64]       # the day the first line is reached
    cross_reclaim: NDArray[np.datetime64]   # the second line (never for stopped work)
    candidate: NDArray[np.bool_]            # judged, not started or stalled, clock known
    doubted: NDArray[np.bool_]              # recorded not started, imagery shows building
    field_check: NDArray[np.bool_]          # recorded started, imagery shows nothing
    rule: NDArray[np.str_]                  # "idle_1y" / "idle_2y" / "late_start" / ""
    not_judged: NDArray[np.object_]         # why the idle rules could not judge it
    waiting: NDArray[np.object_]            # a status for a parcel judged and clear
    excused: NDArray[np.bool_]
    matched: NDArray[np.object_]            # excusing words found in delay_cause
    fee: NDArray[np.float64]
    price: NDArray[np.float64]

    @property
    def is_finding(self) -> NDArray[np.bool_]:
        return (self.rule != "") & ~self.excused

    @property
    def is_excused(self) -> NDArray[np.bool_]:
        return (self.rule != "") & self.excused


def excusing_words(causes: NDArray[np.object_], params: Mapping[str, Any]
                   ) -> NDArray[np.object_]:
    """Find the excusing words each ``delay_cause`` holds ("; "-joined; "" if none or denied)."""
    text = pd.Series(causes, dtype=object).fillna("").astype(str).str.lower()
    found = np.full(len(text), "", dtype=object)
    for word in params["idle_excused_causes"]:
        hit = text.str.contains(str(word).lower(), regex=False).to_numpy()
        found = join_text(found, np.where(hit, str(word), ""))
    for word in params["idle_excused_negations"]:
        found[text.str.contains(str(word).lower(), regex=False).to_numpy()] = ""
    return found


def _clock(sup: SupplyParcels, *, today: np.datetime64, params: Mapping[str, Any],
           built: NDArray[np.float64]) -> _Clock:
    """Compute every parcel's clock, the lines it crosses and the rule it reaches."""
    n = len(sup)
    offset = int(params["idle_no_start_offset_years"])
    agreed, agreed_why = sup.date("start_agreed_on")
    contract, contract_why = sup.date("contract_on")
    started, started_why = sup.date("started_on")
    stopped, stopped_why = sup.date("stopped_on")
    by_agreed = ~np.isnat(agreed)
    by_contract = ~by_agreed & (agreed_why == "") & ~np.isnat(contract)
    origin = np.where(by_agreed, agreed, np.where(by_contract, contract, _NAT))

    started_known = ~np.isnat(started) & (started <= today) & (started_why == "")
    not_started = (started_why == "") & ~started_known
    # Why the clock cannot be judged: a date that cannot be read is never "no date". The
    # agreed start or contract date matters to land not started; the start date to all.
    why = np.full(n, "", dtype=object)
    no_origin = not_started & ~by_agreed & ~by_contract
    why[no_origin] = "no agreed start or contract date"
    bad_contract = no_origin & (contract_why != "")
    why[bad_contract] = contract_why[bad_contract]
    bad_agreed = not_started & (agreed_why != "")
    why[bad_agreed] = agreed_why[bad_agreed]
    why[started_why != ""] = started_why[started_why != ""]

    ratio = sup.number("built_area_ratio")
    total = sup.number("invest_total")
    with np.errstate(divide="ignore", invalid="ignore"):
        invest = np.where(total > 0, sup.number("invest_done") / total, np.nan)
    under = ((ratio < float(params["idle_built_share"]))
             | (invest < float(params["idle_invest_share"])))
    stop_known = ~np.isnat(stopped) & (stopped <= today) & (stopped_why == "")
    stalled = started_known & under & stop_known
    # Started and under a share but no stop date: whether work stopped is unknown.
    stop_unknown = started_known & under & ~stop_known & (started_why == "")
    why[stop_unknown & (stopped_why != "")] = stopped_why[stop_unknown & (stopped_why != "")]
    waiting = np.full(n, "", dtype=object)
    waiting[stop_unknown & (stopped_why == "") & np.isnat(stopped)] = \
        "started, under 1/3 developed or 25% invested, no stop date (stopped_on): not judged"
    waiting[stop_unknown & (stopped_why == "") & ~np.isnat(stopped)] = \
        "started, under 1/3 developed or 25% invested, stopped after as_of"
    stopped_no_shares = (started_known & stop_known & np.isnan(ratio) & np.isnan(invest)
                         & (started_why == ""))
    waiting[stopped_no_shares] = ("stopped, developed share and investment not recorded: "
                                  "not judged")

    # Lines are counted from the original date, never chained (see dates.py).
    line_origin = np.where(stalled, stopped, origin)
    line_offset = np.where(stalled | ~by_contract, 0, offset)
    cross_fee = add_years(line_origin, line_offset + int(params["idle_years_fee"]))
    cross_reclaim = np.where(stalled, _NAT, add_years(
        line_origin, line_offset + int(params["idle_years_reclaim"])))
    clock_from = np.where(stalled, stopped, np.where(np.isnat(origin), _NAT,
                                                     add_years(origin, line_offset)))
    days = (today - clock_from).astype("timedelta64[D]").astype(np.float64)
    days[np.isnat(clock_from)] = np.nan
    judged = sup.judged
    doubted = judged & not_started & (built >= float(params["evidence_built_high"]))
    clock_ok = (why == "") & ~np.isnat(clock_from)
    candidate = judged & clock_ok & (not_started | stalled) & ~doubted
    reclaim = candidate & ~stalled & (today >= cross_reclaim)
    late = candidate & not_started & by_agreed & (today > agreed)
    rule = np.where(reclaim, "idle_2y",
                    np.where(candidate & (today >= cross_fee), "idle_1y",
                             np.where(late, "late_start", "")))
    price = sup.number("price")
    matched = excusing_words(sup.text("delay_cause"), params)
    return _Clock(
        today=today, offset=offset, origin=origin, by_agreed=by_agreed, by_contract=by_contract,
        started=started, stopped=stopped, not_started=not_started, stalled=stalled,
        ratio=ratio, invest=invest, clock_from=clock_from,
        years=full_years(clock_from, np.full(n, today)), days=days, cross_fee=cross_fee,
        cross_reclaim=cross_reclaim, candidate=candidate, doubted=doubted,
        field_check=judged & started_known & (built <= float(params["evidence_built_low"])),
        rule=rule, not_judged=np.where(judged, why, ""), waiting=waiting,
        excused=matched != "", matched=matched,
        fee=np.where(rule == "idle_1y", price * float(params["idle_fee_share"]), np.nan),
        price=price,
    )


def _columns(sup: SupplyParcels, c: _Clock) -> pd.DataFrame:
    """Per-parcel idle columns for ``RuleResult.features``."""
    n = len(sup)
    status = np.full(n, "", dtype=object)
    judged = sup.judged
    status[judged & ~c.not_started & ~c.stalled] = "started"
    status[judged & (c.waiting != "")] = c.waiting[judged & (c.waiting != "")]
    young = c.candidate & (c.rule == "")
    status[young] = np.where(c.stalled[young],
                             "stopped, under thresholds, less than one full year",
                             "not started, less than one full year")
    status[c.is_finding] = c.rule[c.is_finding]
    status[c.is_excused] = "excused (" + c.rule[c.is_excused].astype(object) + "): delay cause"
    status[c.doubted] = "record says not started, imagery shows construction"
    status[c.field_check & ~c.is_finding] = \
        "recorded as started, imagery shows almost no construction"
    gap = judged & (c.not_judged != "")
    status[gap] = "idle not judged: " + c.not_judged[gap].astype(object)
    contract_basis = "contract_on" if c.offset == 0 else f"contract_on+{c.offset}y"
    basis = np.where(c.stalled, "stopped_on", np.where(
        c.by_agreed, "start_agreed_on", np.where(c.by_contract, contract_basis, "")))
    running = c.candidate
    return pd.DataFrame({
        "clock_from": c.clock_from,
        "clock_basis": np.where(np.isnat(c.clock_from), "", basis),
        "idle_days": np.where(running, c.days, np.nan),
        "idle_years": np.where(running, c.years, -1),
        "idle_rule": np.where(c.is_finding, c.rule, ""),
        "idle_fee": np.where(c.is_finding, c.fee, np.nan),
        "excused_cause": np.where(c.is_excused, sup.text("delay_cause"), ""),
        "idle_status": status,
    })


def _records(sup: SupplyParcels, c: _Clock, *, built: NDArray[np.float64],
             ev_problem: NDArray[np.object_], params: Mapping[str, Any],
             lang: Lang) -> list[dict[str, Any]]:
    """One finding record per idle or late parcel and per imagery mismatch."""
    geoms = np.asarray(sup.frame.geometry.values, dtype=object)
    admin = sup.text("admin_code")
    records: list[dict[str, Any]] = []
    w = words(lang)
    for i in np.flatnonzero(c.is_finding):
        rule = str(c.rule[i])
        from_contract = c.by_contract[i] and not c.stalled[i]
        quoted = regulation(rule, lang) + (
            f"; {w.REGULATION_IDLE_1999}" if from_contract and rule != "late_start" else "")
        threshold = (w.LATE_THRESHOLD if rule == "late_start" else w.IDLE_YEARS.format(
            years=params["idle_years_reclaim" if rule == "idle_2y" else "idle_years_fee"]))
        records.append({
            "rule": rule, "layer": "supply", "feature_id": sup.ids[i],
            "admin_code": admin[i] or "",
            "message": _message(lang, c, int(i), built=float(built[i]),
                                ev_problem=str(ev_problem[i]), params=params),
            "regulation": quoted, "threshold": threshold,
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


def _tables(sup: SupplyParcels, c: _Clock, *, warning_days: int
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabulate the excused delays and the early-warning list."""
    ex = c.is_excused
    excused = pd.DataFrame({
        "feature_id": sup.ids[ex],
        "rule": c.rule[ex].astype(object),
        "years": c.years[ex],
        "clock_from": c.clock_from[ex].astype(str).astype(object),
        "delay_cause": sup.text("delay_cause")[ex],
        "matched_words": c.matched[ex],
    }, columns=list(EXCUSED_COLUMNS))
    horizon = c.today + np.timedelta64(warning_days, "D")
    watch = c.candidate & ~c.excused
    rows = []
    for name, line in (("idle_1y", c.cross_fee), ("idle_2y", c.cross_reclaim)):
        coming = watch & ~np.isnat(line) & (line > c.today) & (line <= horizon)
        rows.append(pd.DataFrame({
            "feature_id": sup.ids[coming],
            "rule": name,
            "crosses_on": line[coming].astype(str).astype(object),
            "days_left": (line[coming] - c.today).astype(np.int64),
            "clock_from": c.clock_from[coming].astype(str).astype(object),
        }, columns=list(WARNING_COLUMNS)))
    warning = pd.concat(rows, ignore_index=True).sort_values(
        ["crosses_on", "feature_id"], ignore_index=True)
    return excused, warning


def idle(sup: SupplyParcels, *, today: np.datetime64, params: Mapping[str, Any],
         built: NDArray[np.float64], ev_problem: NDArray[np.object_], lang: Lang,
         skipped: list[tuple[str, str]]) -> IdleResult:
    """Run ``idle_1y``, ``idle_2y``, ``late_start`` and ``evidence_mismatch`` on the parcels."""
    has_clock = sup.has("start_agreed_on") or sup.has("contract_on")
    if not has_clock or not sup.has("started_on"):
        why = ("no started_on field: whether work started is unknown" if has_clock
               else "no start_agreed_on or contract_on field: the idle clock cannot start")
        skipped.extend((rule, why) for rule in IDLE_RULES)
        columns = pd.DataFrame({"idle_status": np.full(len(sup), "idle not judged: " + why,
                                                       dtype=object)})
        return IdleResult([], columns, pd.DataFrame(columns=list(EXCUSED_COLUMNS)),
                          pd.DataFrame(columns=list(WARNING_COLUMNS)))
    if not sup.has("start_agreed_on"):
        skipped.append(("late_start", "no start_agreed_on field: no agreed start to be late"))
    if not np.isfinite(built).any() and not (ev_problem != "").any():
        skipped.append(("evidence_mismatch", "no evidence raster"))
    c = _clock(sup, today=today, params=params, built=built)
    records = _records(sup, c, built=built, ev_problem=ev_problem, params=params, lang=lang)
    excused, warning = _tables(sup, c, warning_days=int(params["idle_warning_days"]))
    columns = _columns(sup, c)
    columns["not_judged"] = np.where(c.not_judged != "",
                                     "idle_1y/idle_2y/late_start: " + c.not_judged.astype(object),
                                     "")
    return IdleResult(records, columns, excused, warning)


def _message(lang: Lang, c: _Clock, i: int, *, built: float, ev_problem: str,
             params: Mapping[str, Any]) -> str:
    """Write the message of one idle or late finding, naming the regulation and thresholds."""
    w = words(lang)
    share = float(params["idle_fee_share"])
    built_share = float(params["idle_built_share"])
    invest_share = float(params["idle_invest_share"])
    clock, today, years = fmt_date(c.clock_from[i]), c.today, int(c.years[i])
    parts: list[str] = []
    if c.rule[i] == "late_start":
        parts.append(w.LATE_START.format(agreed=fmt_date(c.origin[i]), today=today,
                                         days=int(c.days[i])))
    elif c.stalled[i]:
        under = []
        if c.ratio[i] < built_share:
            under.append(w.IDLE_UNDER_BUILT.format(ratio=c.ratio[i]))
        if c.invest[i] < invest_share:
            under.append(w.IDLE_UNDER_INVEST.format(share=c.invest[i], limit=invest_share))
        parts.append(w.IDLE_STALLED.format(started=fmt_date(c.started[i]),
                                           under=w.IDLE_UNDER_JOIN.join(under),
                                           stopped=clock, today=today, years=years))
    else:
        parts.append(w.IDLE_NOT_STARTED.format(start=clock, years=years, today=today,
                                               days=c.days[i]))
        if c.by_contract[i]:
            parts.append(w.IDLE_BY_CONTRACT.format(contract=fmt_date(c.origin[i])))
    if c.rule[i] != "late_start":
        parts.append(_consequence(lang, c, i, share))
    if np.isfinite(built):
        parts.append(w.IDLE_BUILT.format(built=built))
    elif ev_problem:
        parts.append(w.IDLE_NO_EVIDENCE.format(problem=ev_problem))
    parts.append(w.CITE.format(regulation=regulation(str(c.rule[i]), lang)))
    return str(w.PARTS_JOIN.join(parts))


def _consequence(lang: Lang, c: _Clock, i: int, share: float) -> str:
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
        return str(w.MISMATCH_STARTED.format(started=fmt_date(started_on), built=built,
                                             low=low))
    return str(w.MISMATCH_NOT_STARTED.format(built=built, high=high))
