"""Land-market rules of a supply: how the land was supplied, and the industrial indicators.

Rules (docs/contract.md codes):

``allocation_misuse`` (违规划拨)
    Land supplied by allocation (划拨) whose use is not in the allocation catalogue
    (划拨用地目录, 国土资源部令第9号, 2001; 土地管理法 Art. 54): commercial (05, with
    logistics and warehousing), industrial (0601) and urban housing (0701), which must be
    paid for (民法典 Art. 347). Housing whose ``purpose`` names 经济适用住房, 廉租住房 or
    公共租赁住房 may be allocated and is not a finding (``allocation_allowed_purposes``).
``commercial_negotiated`` (经营性用地协议出让)
    Commercial, tourism, entertainment or commodity housing land (``commercial_land_classes``:
    05H1, 0701) sold by negotiation (协议出让) under a contract dated from 2002-07-01
    (招标拍卖挂牌出让国有土地使用权规定, 国土资源部令第11号, Art. 4; 民法典 Art. 347). Up to
    2004-08-31 the message says an agreement signed before 2002-07-01 may have been
    completed lawfully (the "8·31" deadline of the 2004 notice of 监察部 and 国土资源部);
    after it, no old agreement excuses it.
``industrial_negotiated`` (工业用地协议出让)
    Industrial land sold by negotiation under a contract dated from 2006-08-31 (国发〔2006〕
    31号, compared by day, not by year). Up to 2007-06-30 the message names the transition
    of 国土资发〔2007〕78号 (a project with an investment agreement from before 2006-08-31 and
    its conversion approvals done or under way could still sign by negotiation): the reading
    followed is that such a contract is a finding to verify, since the data hold no
    investment agreement.
``industrial_standard`` (工业用地控制指标)
    An industrial parcel outside the indicators of :mod:`redline.standards` (the packaged
    工业项目建设用地控制指标, 国土资发〔2008〕24号, or a site's table): plot ratio under the
    industry's minimum (industry read by name or GB/T 4754 code), investment intensity under
    the industry's minimum for the region class of the parcel's ``land_grade`` (only where
    the table has a figure: most cells of the 2008 table are empty), building coefficient
    under, office share or green ratio over the common limits; and a price per m2 under the
    minimum industrial land price of its land grade (全国工业用地出让最低价标准, 国土资发〔2006〕
    307号) for a sale contracted from 2007-01-01. Each failed indicator is named with its
    value, its limit and the row and table it came from; a limit whose figure is not
    confirmed against the document (``verified`` no) says so. An indicator that cannot be
    judged for a parcel (industry not matched or ambiguous, no figure, no land grade) is
    listed in its ``policy_status``.

A value the reader could not read (``supply_method``, ``land_use``, ``contract_on``) leaves
the parcel not judged by the rules that need it, listed with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redline import standards as std_tables
from redline.analysis.supply_parcels import SupplyParcels, fmt_date, join_text, policy_record
from redline.landclass import class_filter
from redline.text import Lang, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.standards import Industry, Standards

__all__ = ["POLICY_RULES", "PolicyResult", "policy"]

#: The rules of this module.
POLICY_RULES: tuple[str, ...] = ("allocation_misuse", "commercial_negotiated",
                                 "industrial_negotiated", "industrial_standard")


@dataclass
class PolicyResult:
    """Policy findings' records, a status per parcel and the rules not judged per parcel."""

    records: list[dict[str, Any]]
    status: NDArray[np.object_]
    not_judged: NDArray[np.object_]


def _words_in(values: NDArray[np.object_], words_: Any) -> NDArray[np.bool_]:
    text = pd.Series(values, dtype=object).fillna("").astype(str).str.lower()
    hit = np.zeros(len(text), dtype=bool)
    for word in words_:
        hit |= text.str.contains(str(word).lower(), regex=False).to_numpy()
    return hit


def _day(value: Any) -> np.datetime64:
    return np.datetime64(str(value)[:10], "D")


def policy(sup: SupplyParcels, *, params: Mapping[str, Any], table: Standards, lang: Lang,
           skipped: list[tuple[str, str]]) -> PolicyResult:
    """Run the sale-method rules and the industrial indicators on the parcels."""
    records: list[dict[str, Any]] = []
    status = np.full(len(sup), "", dtype=object)
    not_judged = np.full(len(sup), "", dtype=object)
    _methods(sup, params=params, lang=lang, skipped=skipped, records=records, status=status,
             not_judged=not_judged)
    standard = _standard(sup, params=params, table=table, lang=lang, skipped=skipped,
                         records=records)
    return PolicyResult(records, join_text(status, standard), not_judged)


def _mark(out: NDArray[np.object_], where: NDArray[np.bool_], text: NDArray[Any] | str
          ) -> None:
    add = np.where(where, text, "")
    out[:] = join_text(out, add)


def _methods(sup: SupplyParcels, *, params: Mapping[str, Any], lang: Lang,
             skipped: list[tuple[str, str]], records: list[dict[str, Any]],
             status: NDArray[np.object_], not_judged: NDArray[np.object_]) -> None:
    """``allocation_misuse``, ``commercial_negotiated`` and ``industrial_negotiated``."""
    rules = ("allocation_misuse", "commercial_negotiated", "industrial_negotiated")
    missing = [f for f in ("land_use", "supply_method") if not sup.has(f)]
    if missing:
        skipped.extend((rule, f"no {missing[0]} field") for rule in rules)
        return
    w = words(lang)
    method = sup.text("supply_method")
    use = sup.text("land_use")
    unread = join_text(sup.unread("land_use"), sup.unread("supply_method"))
    judged = sup.judged & (unread == "")
    _mark(not_judged, sup.judged & (unread != ""),
          "allocation_misuse/commercial_negotiated/industrial_negotiated: "
          + unread.astype(object))
    affordable = _words_in(sup.text("purpose"), params["allocation_allowed_purposes"])
    use_series = pd.Series(use, dtype=object)
    forbidden = class_filter(params["allocation_forbidden_classes"],
                             where="allocation_forbidden_classes")(use_series)
    commercial = class_filter(params["commercial_land_classes"],
                              where="commercial_land_classes")(use_series)
    industrial = class_filter(params["industrial_land_classes"],
                              where="industrial_land_classes")(use_series)
    housing = class_filter(["0701"])(use_series)

    misuse = judged & (method == "allocation") & forbidden & ~affordable
    for i in np.flatnonzero(misuse):
        note = (w.ALLOCATION_HOUSING_NOTE if housing[i]
                else w.ALLOCATION_INDUSTRY_NOTE if industrial[i] else "")
        records.append(policy_record(
            sup, int(i), "allocation_misuse",
            w.ALLOCATION_MISUSE.format(use=use[i], note=note), lang=lang,
            threshold="/".join(params["allocation_forbidden_classes"])))
    _mark(status, misuse, "allocation_misuse")
    _mark(status, judged & (method == "allocation") & forbidden & affordable,
          "allocated affordable housing (purpose)")

    negotiated = judged & (method == "negotiation")
    sold_commercial = negotiated & commercial & ~affordable
    sold_industrial = negotiated & industrial
    if not sup.has("contract_on"):
        skipped.extend((rule, "no contract_on field") for rule in rules[1:])
        return
    contract, contract_why = sup.date("contract_on")
    for rule, sold in (("commercial_negotiated", sold_commercial),
                       ("industrial_negotiated", sold_industrial)):
        unreadable = sold & (contract_why != "")
        _mark(not_judged, unreadable, f"{rule}: " + contract_why.astype(object))
        _mark(status, sold & np.isnat(contract) & (contract_why == ""),
              f"{rule} not judged: no contract date")

    since = _day(params["commercial_auction_from"])
    until = _day(params["commercial_old_agreements_until"])
    hit = sold_commercial & ~np.isnat(contract) & (contract >= since)
    for i in np.flatnonzero(hit):
        note = (w.COMMERCIAL_OLD_AGREEMENT if contract[i] <= until
                else w.COMMERCIAL_NO_OLD_AGREEMENT).format(since=since, until=until)
        records.append(policy_record(
            sup, int(i), "commercial_negotiated",
            w.COMMERCIAL_NEGOTIATED.format(use=use[i], day=fmt_date(contract[i]), since=since,
                                           note=note),
            lang=lang, threshold=f"contract_on >= {since}"))
    _mark(status, hit, "commercial_negotiated")

    since = _day(params["industrial_auction_from"])
    until = _day(params["industrial_transition_until"])
    hit = sold_industrial & ~np.isnat(contract) & (contract >= since)
    for i in np.flatnonzero(hit):
        note = (w.INDUSTRIAL_TRANSITION.format(until=until) if contract[i] <= until else "")
        records.append(policy_record(
            sup, int(i), "industrial_negotiated",
            w.INDUSTRIAL_NEGOTIATED.format(day=fmt_date(contract[i]), since=since, note=note),
            lang=lang, threshold=f"contract_on >= {since}"))
    _mark(status, hit, "industrial_negotiated")


# --------------------------------------------------------------------------- indicators

#: Fields of the industrial indicators; any one of them makes the rule run.
INDICATOR_FIELDS: tuple[str, ...] = (
    "plot_ratio", "building_coefficient", "green_ratio", "office_share", "invest_intensity",
    "invest_total", "unit_price", "price")


@dataclass(frozen=True)
class _Check:
    """One indicator of one parcel: its value, its limit and where the limit came from."""

    field: str
    value: float
    limit: float
    at_least: bool
    detail: str = ""
    unconfirmed: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.value < self.limit) if self.at_least else bool(self.value > self.limit)


def _industries(values: NDArray[np.object_], *, params: Mapping[str, Any], table: Standards
                ) -> tuple[list[Industry | None], list[str]]:
    """Find the industry row of each parcel, or why none (blank, no row, several rows)."""
    cls = params["industry_classification"]
    rows: list[Industry | None] = []
    why: list[str] = []
    cache: dict[str, tuple[Industry | None, str]] = {}
    for value in values:
        key = "" if value is None else str(value).strip()
        if key not in cache:
            if not key:
                cache[key] = (None, "no industry recorded")
            else:
                found = std_tables.industry(key, classification=cls, table=table)
                if found is not None:
                    cache[key] = (found, "")
                else:
                    options = std_tables.industry_candidates(key, classification=cls,
                                                             table=table)
                    cache[key] = (None, (f"industry {key!r} matches no row"
                                         if not options else
                                         f"industry {key!r} may be "
                                         + " or ".join(o.label for o in options)
                                         + (" (give the GB/T 4754 edition of its code, "
                                            "settings.industry_classification)"
                                            if len(options) == 1 else "")))
        row, reason = cache[key]
        rows.append(row)
        why.append(reason)
    return rows, why


def _table_name(table: Standards, which: str, lang: Lang) -> str:
    """Name the table a limit came from: the document and file, or the site's file."""
    name = "industries" if which == "industrial_indicators" else "land_prices"
    source = table.sources.get(name, "")
    edition = table.editions.get(which)
    if edition is not None and source.startswith("redline/data/"):
        return f"{edition.document} ({source})"
    return str(words(lang).SITE_TABLE.format(path=source))


@dataclass(frozen=True)
class _Parcel:
    """What the indicators of one industrial parcel are judged on."""

    row: Industry | None
    industry_why: str
    grade: int | None
    raw_grade: str | None
    plot: float
    shares: dict[str, float]
    intensity: float
    wants_intensity: bool
    unit_price: float
    price_unit_unknown: bool
    sold: bool
    contract: np.datetime64
    contract_why: str

    @property
    def grade_why(self) -> str:
        return (f"land_grade {self.raw_grade!r} is not a grade 1-15"
                if self.raw_grade is not None else "no land_grade")


def _plot_check(p: _Parcel, *, indicators: str, lang: Lang) -> tuple[_Check | None, str]:
    if not np.isfinite(p.plot):
        return None, ""
    if p.row is None:
        return None, f"plot ratio not judged: {p.industry_why}"
    if p.row.min_plot_ratio is None:
        return None, f"plot ratio not judged: no figure for {p.row.label} in {indicators}"
    return _Check("plot_ratio", p.plot, p.row.min_plot_ratio, True,
                  words(lang).PLOT_RATIO_INDUSTRY.format(industry=p.row.label),
                  p.row.plot_ratio_verified == "no"), ""


def _general_checks(p: _Parcel, table: Standards) -> list[_Check]:
    gen = table.general
    bounds = {"building_coefficient": (gen.min_building_coefficient, True),
              "office_share": (gen.max_office_share, False),
              "green_ratio": (gen.max_green_ratio, False)}
    return [_Check(name, p.shares[name], limit, at_least, "", gen.verified.get(name) == "no")
            for name, (limit, at_least) in bounds.items() if np.isfinite(p.shares[name])]


def _intensity_check(p: _Parcel, *, table: Standards, indicators: str, lang: Lang
                     ) -> tuple[_Check | None, str]:
    # Checked where a land grade or an intensity is recorded: without either, a total
    # investment (recorded for the idle rules) says nothing of this indicator.
    if not np.isfinite(p.intensity) or not (p.wants_intensity or p.raw_grade is not None):
        return None, ""
    what = "investment intensity not judged: "
    if p.row is None:
        return None, what + p.industry_why
    if p.grade is None:
        return None, what + p.grade_why
    region = table.region_classes.get(p.grade)
    limit = None if region is None else p.row.min_investment[region - 1]
    if region is None or limit is None:
        return None, (what + f"no figure for {p.row.label}, region class {region} in "
                      f"{indicators}")
    return _Check("invest_intensity", p.intensity, limit, True,
                  words(lang).INVEST_DETAIL.format(industry=p.row.label, grade=p.grade,
                                                   region=region),
                  p.row.investment_verified == "no"
                  or table.region_classes_verified.get(p.grade) == "no"), ""


def _price_check(p: _Parcel, *, table: Standards, prices: str,  # noqa: PLR0911
                 since: np.datetime64, lang: Lang) -> tuple[_Check | None, str]:
    # The minimum price binds a sale (not an allocation) of a land grade the site records.
    if not p.sold or p.raw_grade is None:
        return None, ""
    what = "land price not judged: "
    if not np.isfinite(p.unit_price):
        return None, (what + "the unit of price is not known (map unit_price, or set "
                      "settings.price_unit_yuan)" if p.price_unit_unknown else "")
    floor = None if p.grade is None else table.land_prices.get(p.grade)
    if floor is None:
        return None, what + (p.grade_why if p.grade is None
                             else f"no minimum price for land grade {p.grade} in {prices}")
    if p.contract_why:
        return None, what + p.contract_why
    if np.isnat(p.contract):
        return None, what + "no contract date"
    if p.contract < since:
        return None, ""
    return _Check("unit_price", p.unit_price, floor.min_price, True,
                  words(lang).PRICE_DETAIL.format(grade=p.grade), floor.verified == "no"), ""


def _parcels(sup: SupplyParcels, todo: NDArray[np.intp], *, params: Mapping[str, Any],
             table: Standards) -> list[_Parcel]:
    """Gather the inputs of the indicators, parcel by parcel."""
    rows, industry_why = _industries(sup.text("industry")[todo], params=params, table=table)
    raw_grades = sup.text("land_grade")[todo]
    shares = {f: sup.number(f)[todo] for f in ("building_coefficient", "office_share",
                                                "green_ratio")}
    area_m2 = sup.area_m2[todo]
    with np.errstate(divide="ignore", invalid="ignore"):
        # 万元 per hectare from a total in 万元 (the unit the land-market monitoring records).
        derived = np.where(area_m2 > 0, sup.number("invest_total")[todo] / (area_m2 / 1e4),
                           np.nan)
        intensity = sup.number("invest_intensity")[todo]
        intensity = np.where(np.isfinite(intensity), intensity, derived)
        unit_price = sup.number("unit_price")[todo]
        price = sup.number("price")[todo]
        per_yuan = params["price_unit_yuan"]
        if per_yuan is not None:
            from_price = np.where(area_m2 > 0, price * float(per_yuan) / area_m2, np.nan)
            unit_price = np.where(np.isfinite(unit_price), unit_price, from_price)
    method = sup.text("supply_method")[todo]
    plot = sup.number("plot_ratio")
    contract, contract_why = sup.date("contract_on")
    return [_Parcel(
        row=rows[k], industry_why=industry_why[k],
        grade=std_tables.land_grade(raw_grades[k]), raw_grade=raw_grades[k],
        plot=float(plot[i]),
        shares={name: float(v[k]) for name, v in shares.items()},
        intensity=float(intensity[k]), wants_intensity=sup.has("invest_intensity"),
        unit_price=float(unit_price[k]),
        price_unit_unknown=bool(np.isfinite(price[k])) and per_yuan is None,
        sold=method[k] != "allocation", contract=contract[i], contract_why=contract_why[i],
    ) for k, i in enumerate(todo)]


def _standard(sup: SupplyParcels, *, params: Mapping[str, Any], table: Standards,
              lang: Lang, skipped: list[tuple[str, str]], records: list[dict[str, Any]]
              ) -> NDArray[np.object_]:
    """``industrial_standard``: each failed indicator with its value, limit and source."""
    status = np.full(len(sup), "", dtype=object)
    if not sup.has("land_use") or not any(sup.has(f) for f in INDICATOR_FIELDS):
        skipped.append(("industrial_standard", "no land_use field" if not sup.has("land_use")
                        else "no industrial indicator field"))
        return status
    w = words(lang)
    industrial = class_filter(params["industrial_land_classes"],
                              where="industrial_land_classes")(
        pd.Series(sup.text("land_use"), dtype=object))
    todo = np.flatnonzero(sup.judged & industrial)
    indicators = _table_name(table, "industrial_indicators", lang)
    prices = _table_name(table, "land_prices", lang)
    threshold = w.STANDARD_THRESHOLD.format(table=indicators, prices=prices)
    since = _day(params["industrial_price_from"])
    for i, p in zip(todo, _parcels(sup, todo, params=params, table=table), strict=True):
        found = [_plot_check(p, indicators=indicators, lang=lang),
                 _intensity_check(p, table=table, indicators=indicators, lang=lang),
                 _price_check(p, table=table, prices=prices, since=since, lang=lang)]
        checks = [c for c, _ in found if c is not None] + _general_checks(p, table)
        gaps = [gap for _, gap in found if gap]
        failed = [c for c in checks if c.failed]
        if failed:
            items = w.PARTS_JOIN.join(_item(c, lang) for c in failed)
            source = prices if all(c.field == "unit_price" for c in failed) else indicators
            records.append(policy_record(
                sup, int(i), "industrial_standard",
                w.INDUSTRIAL_STANDARD.format(items=items, table=source),
                lang=lang, threshold=threshold))
        status[i] = "; ".join((["industrial_standard"] if failed else []) + gaps)
    return status


def _item(check: _Check, lang: Lang) -> str:
    w = words(lang)
    if check.field == "plot_ratio":
        value, limit = f"{check.value:.2f}", f"{check.limit:.2f}"
    elif check.field in ("invest_intensity", "unit_price"):
        value, limit = f"{check.value:,.2f}", f"{check.limit:,.0f}"
    else:
        value, limit = f"{check.value:.0%}", f"{check.limit:.0%}"
    unit = w.UNITS.get(check.field, "")
    return str(w.STANDARD_ITEM.format(
        name=w.INDICATOR_NAMES[check.field], value=value, op="<" if check.at_least else ">",
        limit=limit, unit=unit, detail=check.detail)
        + (w.UNCONFIRMED_LIMIT if check.unconfirmed else ""))
