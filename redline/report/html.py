"""The inspection report (report.html): one self-contained page, tables and charts.

The page needs no network: charts are PNGs embedded as base64 ``data:`` URIs and
the style sheet is inline. Every value that comes from the data (names, ids,
messages, paths, parameters) goes through :func:`html.escape`, so a field that
holds markup shows as text.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from redline.analysis.areas import m2_to_mu
from redline.analysis.ledger import LEDGER_COLUMNS
from redline.analysis.summary import SUMMED_RULES, DistinctLand, distinct_m2
from redline.io.outputs import generator_meta
from redline.report import charts
from redline.report.casework import casework_sections
from redline.report.diff import STATUSES, diff_by_admin, diff_findings
from redline.report.fonts import drawable, picture_lang
from redline.schema import RULES
from redline.text import Lang, header, rule_name, words

if TYPE_CHECKING:
    import geopandas as gpd

    from redline.io.results import RunOutput


log = logging.getLogger(__name__)

#: How many of the largest cases the report lists.
TOP_CASES: Final[int] = 10

_CSS: Final[str] = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px auto;
max-width:1180px;color:#222;line-height:1.5;padding:0 16px}
h1{font-size:24px;border-bottom:3px solid #c0392b;padding-bottom:6px}
h2{font-size:18px;margin-top:32px;border-left:5px solid #c0392b;padding-left:8px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta td{border:none;padding:1px 12px 1px 0}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.note{color:#555;font-size:12px}
.bad{color:#c0392b;font-weight:bold}
.scroll{overflow-x:auto}
"""


def _t(key: str, lang: Lang) -> str:
    return str(words(lang).REPORT[key])


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, lang: Lang, *, digits: int = 2) -> tuple[str, bool]:
    """Text of a cell (escaped) and whether it is a number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "—", False
    if isinstance(value, bool | np.bool_):
        return _t("yes" if value else "no", lang), False
    if isinstance(value, int | np.integer):
        return f"{int(value):,}", True
    if isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            return "—", False
        return f"{float(value):,.{digits}f}", True
    return _e(value), False


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _localise(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Return the frame with level and severity codes in the reader's language."""
    out = frame
    if "level" in frame:
        out = out.assign(level=[words(lang).LEVEL_NAMES.get(str(v), v) for v in frame["level"]])
    if "severity" in frame:
        out = out.assign(severity=[words(lang).SEVERITY_NAMES.get(str(v), v)
                                   for v in frame["severity"]])
    return out


def _title(key: str, lang: Lang) -> str:
    """Return a section title without its number, for a chart."""
    return re.sub(r"^(\S+、|\d+\.\s*)", "", _t(key, lang))


def _table(frame: pd.DataFrame, columns: Mapping[str, str], lang: Lang,
           *, digits: Mapping[str, int] | None = None) -> str:
    cols = [c for c in columns if c in frame]
    if frame.empty or not cols:
        return f"<p class=\"note\">{_t('none', lang)}</p>"
    frame = _localise(frame, lang)
    head = "".join(f"<th>{_e(columns[c])}</th>" for c in cols)
    body = []
    for row in frame[cols].itertuples(index=False, name=None):  # report-sized tables
        cells = []
        for c, v in zip(cols, row, strict=True):
            text, num = _fmt(v, lang, digits=(digits or {}).get(c, 2))
            cells.append(f'<td class="n">{text}</td>' if num else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


def _headers(columns: Sequence[str], lang: Lang) -> dict[str, str]:
    return {c: header(c, lang) for c in columns}


def _unit_label(frame: pd.DataFrame) -> list[str]:
    """Each unit's name for a chart, or its code when the name cannot be drawn here."""
    names = frame.get("admin_name", pd.Series("", index=frame.index)).astype("string")
    codes = frame["admin_code"].astype("string").fillna("")
    return [str(n) if isinstance(n, str) and n and drawable(n) else str(c)
            for n, c in zip(names.fillna(""), codes, strict=True)]


def _ledger_from(summary: pd.DataFrame, ledger: pd.DataFrame | None) -> pd.DataFrame | None:
    if ledger is not None:
        return ledger
    cols = [c for c in LEDGER_COLUMNS if c in summary]
    if not cols:
        return None
    keep = [c for c in ("admin_code", "admin_name", "level") if c in summary]
    return summary[keep + cols]


def _overview_png(findings: gpd.GeoDataFrame, lang: Lang,
                  admin: gpd.GeoDataFrame | None) -> bytes:
    from redline.report.overview import overview_png

    layers = {"admin": admin} if admin is not None and len(admin) else {}
    shown = findings if len(findings) and findings.crs is not None else None
    return overview_png(layers, shown, lang=lang, title=_title("cases", lang))


def render_report(
    current: RunOutput,
    *,
    lang: Lang = "zh",
    previous: RunOutput | None = None,
    ledger: pd.DataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    overview: bytes | None = None,
    top: int = TOP_CASES,
    land: DistinctLand | None = None,
) -> str:
    """Render the inspection report of a check run as one self-contained HTML page.

    Parameters
    ----------
    current
        The run (run.json, summary.csv, findings), e.g. from
        :func:`redline.io.results.read_results`.
    lang
        ``"zh"`` (default) or ``"en"``.
    previous
        An earlier run of the same dataset: every finding is then marked new,
        persisting or resolved, and each county's totals compared.
    ledger
        :func:`redline.analysis.ledger.county_ledger` output; default: the ledger
        columns found in ``current.summary``.
    admin
        Admin boundaries drawn under the findings on the overview map.
    overview
        A ready overview map PNG; default:
        :func:`redline.report.overview.overview_png` of ``admin`` and the findings.
    top
        How many of the largest cases to list.
    land
        The findings' land as the summary measured it
        (:func:`redline.analysis.summary.findings_land`): its unions and areas are
        reused for the overview's figures; measured afresh when None.

    Returns
    -------
    str
        The HTML text.
    """
    findings = current.findings
    summary = current.summary
    run = current.run
    led = _ledger_from(summary, ledger)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        generator_meta(),
        f"<title>{_e(_t('title', lang))} — {_e(run.get('dataset', ''))}</title>",
        # No network: block every fetch but inline images and styles.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(_t('title', lang))}</h1>",
        _meta(run, lang),
    ]
    pic = picture_lang(lang)  # English pictures on a machine with no CJK font
    parts += _overview_section(findings, lang, pic, land)
    parts += _units_section(summary, lang)
    if led is None or led.empty:
        parts.append(f"<p class=\"note\">{_t('no_ledger', lang)}</p>")
    else:
        parts += _ledger_sections(led, lang, pic)
    parts += _cases_section(findings, lang, pic, top=top, admin=admin, overview=overview)
    if previous is not None:
        parts += _changes_section(findings, previous, lang, pic)
    parts += casework_sections(current, lang)  # field verdicts, this round against the last
    parts += _params_section(run, lang)
    parts.append("</body></html>")
    return "\n".join(parts)


def _meta(run: Mapping[str, Any], lang: Lang) -> str:
    rows = [(_t("dataset", lang), run.get("dataset", "")), (_t("as_of", lang),
            run.get("as_of", "")), (_t("version", lang), run.get("version", "")),
            (_t("status", lang), run.get("status", ""))]
    cells = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def _overview_section(findings: pd.DataFrame, lang: Lang, pic: Lang,
                      known: DistinctLand | None = None) -> list[str]:
    # The total is land counted once; each rule's area is its own land counted once.
    land = findings[~findings["rule"].isin(list(SUMMED_RULES)).to_numpy(dtype=bool)] \
        if len(findings) and "rule" in findings else findings
    # One measure for the total and every rule: the summary's (``known``) when it
    # holds these findings, its unions and areas then reused.
    measure = distinct_m2
    if len(land) and getattr(land, "crs", None) is not None and "geometry" in land:
        measure = (known if known is not None and known.covers(land)
                   else DistinctLand(land)).m2
    total_mu = float(m2_to_mu(measure(land))) if len(land) and "area_m2" in land else 0.0
    out = [f"<h2>{_t('overview', lang)}</h2>",
           f"<p>{_t('total', lang)}: <b id=\"total-findings\">{len(findings):,}</b>; "
           f"{_t('total_area', lang)}: <b id=\"total-area-mu\">{total_mu:,.2f}</b></p>"]
    if len(findings):
        rows = []
        for rule, part in findings.groupby("rule", sort=True):
            m2 = (float(pd.to_numeric(part["area_m2"], errors="coerce").sum())
                  if rule in SUMMED_RULES else measure(part))
            rows.append({"rule": rule, "count": len(part), "area_mu": float(m2_to_mu(m2))})
        by = pd.DataFrame(rows)
        by["rule_name"] = [rule_name(str(r), lang) for r in by["rule"]]
        by = by.sort_values(["count", "rule"], ascending=[False, True])
        out.append(_table(by, {"rule_name": header("rule_name", lang), "rule": header(
            "rule", lang), "count": _t("count", lang),
            "area_mu": header("area_mu", lang)}, lang))
        out.append(f"<p class=\"note\">{_e(_t('rule_area_note', lang))}</p>")
    out.append(_img(charts.findings_by_rule_png(findings, lang=pic), _t("by_rule", lang)))
    return out


def _units_section(summary: pd.DataFrame, lang: Lang) -> list[str]:
    if summary.empty:
        return []
    cols = ["admin_code", "admin_name", "level", "findings_count"]
    for rule in RULES:
        c = f"{rule}_count"
        if c in summary and pd.to_numeric(summary[c], errors="coerce").fillna(0).sum() > 0:
            cols += [c, f"{rule}_mu"]
    return [f"<h2>{_t('by_unit', lang)}</h2>", _table(summary, _headers(cols, lang), lang)]


def _ledger_sections(led: pd.DataFrame, lang: Lang, pic: Lang) -> list[str]:
    """Tables in ``lang``, charts in ``pic`` (the language pictures are drawn in)."""
    heads = _headers(["admin_code", "admin_name", "level", *LEDGER_COLUMNS], lang)
    ph = _headers(list(LEDGER_COLUMNS), pic)
    base = ["admin_code", "admin_name", "level"]
    county = led[(led["level"] == "county").to_numpy(dtype=bool)] if "level" in led else led
    ha = _t("ha", pic)
    names = _unit_label(county)

    def cols(*extra: str) -> dict[str, str]:
        return {c: heads[c] for c in (*base, *extra) if c in led}

    def col(frame: pd.DataFrame, name: str) -> np.ndarray:
        return pd.to_numeric(frame.get(name, pd.Series(np.nan, index=frame.index)),
                             errors="coerce").to_numpy(dtype=float)

    out = [f"<h2>{_t('targets', lang)}</h2>",
           _table(led, cols("farmland_ha", "farmland_gross_ha", "farmland_target_ha",
                            "farmland_margin_ha", "basic_farmland_ha",
                            "basic_farmland_gross_ha", "basic_farmland_target_ha",
                            "basic_farmland_margin_ha"), lang),
           _img(charts.bar_chart(
               names,
               {f"{_t('farmland', pic)} {_t('now', pic)}": col(county, "farmland_ha"),
                f"{_t('farmland', pic)} {_t('target', pic)}": col(county,
                                                                   "farmland_target_ha"),
                f"{_t('basic', pic)} {_t('now', pic)}": col(county, "basic_farmland_ha"),
                f"{_t('basic', pic)} {_t('target', pic)}": col(
                    county, "basic_farmland_target_ha")},
               title=_title("targets", pic), ylabel=ha, lang=pic), _t("targets", lang)),
           f"<h2>{_t('quota', lang)}</h2>",
           _table(county, cols("quota_ha", "quota_released_ha", "approved_ha",
                               "quota_used_share", "quota_remaining_ha", "quota_over_release",
                               "quota_over_release_on"), lang),
           _img(charts.bar_chart(
               names, {ph["quota_ha"]: col(county, "quota_ha"),
                       ph["quota_released_ha"]: col(county, "quota_released_ha"),
                       ph["approved_ha"]: col(county, "approved_ha")},
               title=_title("quota", pic), ylabel=ha, lang=pic), _t("quota", lang)),
           f"<h2>{_t('balance', lang)}</h2>",
           _table(led, cols("occupied_farmland_ha", "occupied_farmland_gross_ha",
                            "occupied_paddy_ha", "occupied_grade",
                            "added_farmland_ha", "added_paddy_ha", "added_grade",
                            "balance_ha", "paddy_balance_ha", "grade_balance"), lang),
           _img(charts.bar_chart(
               _unit_label(led), {ph["occupied_farmland_ha"]: col(led, "occupied_farmland_ha"),
                                  ph["added_farmland_ha"]: col(led, "added_farmland_ha"),
                                  ph["balance_ha"]: col(led, "balance_ha")},
               title=_title("balance", pic), ylabel=ha, lang=pic), _t("balance", lang)),
           f"<h2>{_t('violations', lang)}</h2>",
           _table(led, cols("illegal_farmland_ha", "illegal_farmland_gross_ha",
                            "new_occupied_farmland_ha", "illegal_share",
                            "accountability_breach", "findings_high_count", "criminal_cases",
                            "largest_case", "largest_case_mu", "supplied_ha",
                            "approved_total_ha", "unsupplied_ha", "supply_rate", "idle_ha",
                            "idle_share"), lang, digits={"illegal_share": 3,
                                                         "supply_rate": 3,
                                                         "idle_share": 3})]
    if "rank" in county:
        ranked = county.sort_values(["rank", "admin_code"], na_position="last")
        out += [f"<h2>{_t('ranking', lang)}</h2>",
                f"<p class=\"note\">{_e(_t('ranking_note', lang))}</p>",
                _table(ranked, cols("rank", "score", "farmland_margin_ha", "illegal_share",
                                    "supply_rate", "findings_high_count"), lang,
                       digits={"score": 1, "illegal_share": 3, "supply_rate": 3})]
    if "demand_next_ha" in led:
        out += [f"<h2>{_t('forecast', lang)}</h2>",
                f"<p class=\"note\">{_e(_t('forecast_note', lang))}</p>",
                _table(led, cols("approved_ha", "quota_ha", "demand_next_ha", "demand_low_ha",
                                 "demand_high_ha", "demand_quota_gap_ha", "demand_by_use",
                                 "demand_method"), lang),
                _img(charts.bar_chart(
                    names, {ph["demand_next_ha"]: col(county, "demand_next_ha")},
                    errors={ph["demand_next_ha"]: (col(county, "demand_low_ha"),
                                                   col(county, "demand_high_ha"))},
                    title=_title("forecast", pic), ylabel=ha, lang=pic), _t("forecast", lang))]
    return out


#: The order of 重大案件: criminal cases, then accountability, then basic farmland, then
#: the other rules by severity; within each, the largest area first.
CASE_ORDER: Final[tuple[str, ...]] = (
    "criminal_threshold", "accountability_ratio", "basic_farmland_encroachment")


def major_cases(findings: pd.DataFrame, top: int = TOP_CASES) -> pd.DataFrame:
    """Return the ``top`` major cases (重大案件), the most severe first.

    Criminal cases, accountability, basic farmland (:data:`CASE_ORDER`), then the other
    rules by severity (high, medium, low); within each, the largest area first, then
    the finding id.
    """
    if not len(findings):
        return findings
    severity = {"high": 0, "medium": 1, "low": 2}
    rules = findings["rule"].astype(str)
    first = rules.map({r: i for i, r in enumerate(CASE_ORDER)})
    then = len(CASE_ORDER) + findings["severity"].astype(str).map(severity).fillna(3)
    key = first.where(first.notna(), then).astype(float)
    ordered = findings.assign(_key=key.to_numpy(), _area=pd.to_numeric(
        findings["area_m2"], errors="coerce").fillna(0.0).to_numpy())
    ordered = ordered.sort_values(["_key", "_area", "finding_id"],
                                  ascending=[True, False, True], kind="stable")
    return ordered.drop(columns=["_key", "_area"]).head(top)


def _cases_section(findings: gpd.GeoDataFrame, lang: Lang, pic: Lang, *, top: int,
                   admin: gpd.GeoDataFrame | None, overview: bytes | None) -> list[str]:
    largest = major_cases(findings, top)
    largest = largest.assign(
        rank_n=np.arange(1, len(largest) + 1),
        rule_name=[rule_name(str(r), lang) for r in largest.get("rule", [])],
    )
    cols = ["rank_n", "finding_id", "rule_name", "admin_code", "admin_name", "area_m2",
            "area_mu", "severity", "message"]
    heads = {c: (_t("rank_n", lang) if c == "rank_n" else header(c, lang)) for c in cols}
    png = overview if overview is not None else _overview_png(findings, pic, admin)
    return [f"<h2>{_t('cases', lang)}</h2>", _table(largest, heads, lang),
            _img(png, _t("cases", lang))]


def _changes_section(findings: pd.DataFrame, previous: RunOutput, lang: Lang,
                     pic: Lang) -> list[str]:
    diff = diff_findings(findings, previous.findings)
    by = diff_by_admin(diff)
    heads = {"admin_code": header("admin_code", lang)} | {
        c: _t(c, lang) for c in ("count_now", "count_prev", "count_change", "area_now_mu",
                                 "area_prev_mu", "area_change_mu", "new", "escalated",
                                 "persisting", "resolved")}
    counts = {s: int((diff["status"] == s).sum()) for s in STATUSES}
    line = "; ".join(f"{_t(s, lang)}: <b id=\"diff-{s}\">{n}</b>" for s, n in counts.items())
    shown = diff.assign(
        status_text=[_t(s, lang) for s in diff["status"]],
        rule_name=[rule_name(str(r), lang) for r in diff["rule"]],
        previous_name=[rule_name(str(r), lang) if r else "" for r in diff["previous_rule"]],
    )
    fcols = {"status_text": header("status", lang), "finding_id": header("finding_id", lang),
             "rule_name": header("rule_name", lang),
             "previous_name": _t("previous_rule", lang),
             "admin_code": header("admin_code", lang),
             "admin_name": header("admin_name", lang), "area_mu": header("area_mu", lang)}
    return [f"<h2>{_t('changes', lang)}</h2>",
            f"<p>{_t('previous', lang)}: {_e(previous.run.get('as_of', ''))} "
            f"({_e(previous.path)})</p>", f"<p>{line}</p>", _table(by, heads, lang),
            _img(charts.bar_chart(
                [str(c) or "—" for c in by["admin_code"]],
                {_t(s, pic): by[s].to_numpy(dtype=float) for s in STATUSES},
                title=_title("changes", pic), ylabel=words(pic).CHARTS["count"],
                lang=pic), _t("changes", lang)),
            _table(shown, fcols, lang)]


def _params_section(run: Mapping[str, Any], lang: Lang) -> list[str]:
    params = run.get("parameters") or {}
    ptab = pd.DataFrame({"parameter": [str(k) for k in params],
                         "value": [json.dumps(v, ensure_ascii=False, default=str)
                                   if isinstance(v, list | dict) else v
                                   for v in params.values()]})
    out = [f"<h2>{_t('params', lang)}</h2>",
           _table(ptab, {"parameter": _t("parameter", lang), "value": _t("value", lang)}, lang,
                  digits={"value": 4})]
    inputs = pd.DataFrame(run.get("inputs") or [])
    if len(inputs):
        out += [f"<h3>{_t('inputs', lang)}</h3>",
                _table(inputs, {c: c for c in ("role", "path", "crs", "crs_inferred",
                                               "encoding", "encoding_detected", "count",
                                               "sha256")}, lang)]
    skipped = pd.DataFrame(run.get("skipped") or [])
    if len(skipped):
        out += [f"<h3>{_t('skipped', lang)}</h3>",
                _table(skipped, {"rule": header("rule", lang), "reason": header("reason", lang)},
                       lang)]
    return out
