"""The report's sections on field verdicts: per-unit verdict counts, this round against the last.

- After ``redline verdicts``, summary.csv holds the verdict counts of every admin unit
  (:data:`redline.analysis.cases.VERDICT_COUNT_COLUMNS`): a table of cases confirmed
  unlawful, rectified, cleared, other and pending.
- After ``redline check --previous``, the findings carry the last round's verdicts
  (:data:`redline.schema.CARRIED_COLUMNS`) and run.json its ``previous`` record: a table
  of new leads, verified, filed (立案) and rectified per unit
  (:func:`redline.analysis.cases.quarter_counts`).

Every value goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from redline.analysis.cases import QUARTER_COLUMNS, VERDICT_COUNT_COLUMNS, quarter_counts
from redline.text import Lang, header, words

if TYPE_CHECKING:
    from redline.io.results import RunOutput


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(frame: pd.DataFrame, columns: Sequence[str], lang: Lang, table_id: str) -> str:
    w = words(lang)
    heads = {c: str(w.VERDICT_HEADERS.get(c) or header(c, lang)) for c in columns}
    levels = w.LEVEL_NAMES
    rows = []
    for row in frame[list(columns)].itertuples(index=False, name=None):
        cells = []
        for column, value in zip(columns, row, strict=True):
            shown = levels.get(str(value), value) if column == "level" else value
            if isinstance(shown, int | float) and not isinstance(shown, bool) and pd.notna(
                    shown):
                cells.append(f'<td class="n">{int(shown):,}</td>')
            else:
                cells.append(f"<td>{_e('' if pd.isna(shown) else shown)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{_e(heads[c])}</th>" for c in columns)
    return (f'<div class="scroll"><table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def casework_sections(current: RunOutput, lang: Lang) -> list[str]:
    """Return the report's verdict sections of a run ([] without verdicts or a previous run)."""
    w = words(lang).VERDICT_REPORT
    out: list[str] = []
    summary = current.summary
    units = ["admin_code", "admin_name", "level"]
    if all(c in summary for c in VERDICT_COUNT_COLUMNS) and len(summary):
        counts = summary[[*units, *VERDICT_COUNT_COLUMNS]].copy()
        for column in VERDICT_COUNT_COLUMNS:
            counts[column] = pd.to_numeric(counts[column], errors="coerce").fillna(0).astype(int)
        top = counts.iloc[0]  # the county (the widest unit) comes first
        cases = int(top["verdict_cases"])
        judged = cases - int(top["verdict_pending"])
        out += [f"<h2>{_e(w['verdicts'])}</h2>",
                f"<p class=\"note\">{_e(w['verdicts_note'].format(judged=judged, cases=cases))}"
                "</p>", _table(counts, [*units, *VERDICT_COUNT_COLUMNS], lang, "verdicts")]
    previous: Mapping[str, Any] | None = current.run.get("previous")
    findings = current.findings
    if previous and "previous_finding" in findings and len(summary):
        table = quarter_counts(findings, summary[units].astype({"admin_code": str}))
        out += [f"<h2>{_e(w['quarter'])}</h2>",
                "<p class=\"note\">" + _e(w["quarter_note"].format(
                    as_of=previous.get("as_of"), path=previous.get("path"))) + "</p>",
                _table(table, [*units, *QUARTER_COLUMNS], lang, "quarter")]
    return out
