"""The verdicts tool: field verdicts read back into a check's output folder, and carried on.

``redline verdicts RESULT_DIR FILE...`` reads the cases.gpkg or checklist.xlsx files the
inspectors filled in. Every row of every file is checked first (the case is one of this
folder's, the verdict one of the domain, one verdict per case, dates that are dates and
not in the future); one bad row and nothing is imported, and the error names every bad
row. Then ``verdicts.csv`` is written into the folder (through a temporary file and a
rename), and summary.csv, findings.xlsx and report.html are rewritten with the cases
confirmed unlawful, cleared and pending per admin unit.

:func:`previous_verdicts` and :func:`carry` are what ``redline check --previous`` uses to
carry the verdicts of an earlier round to this round's findings on the same land.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from redline.analysis.cases import (
    VERDICT_COUNT_COLUMNS,
    carry_verdicts,
    group_cases,
    verdict_counts,
)
from redline.errors import InputError, VerdictFileError
from redline.io.cases import VERDICTS_CSV_COLUMNS, as_text, read_verdict_file
from redline.schema import VERDICT_FIELDS, VERDICTS
from redline.text import Lang, check_lang, en, header, rule_name, severity_name, words, zh

log = logging.getLogger(__name__)

#: The file of verdicts in a check output folder.
VERDICTS_CSV: Final[str] = "verdicts.csv"

#: Columns the findings sheet of findings.xlsx gains once verdicts are imported.
FINDING_VERDICT_COLUMNS: Final[tuple[str, ...]] = ("case_id", "verdict", "case_no",
                                                   "checked_on")


@dataclass
class VerdictImport:
    """What :func:`import_verdicts` did.

    Attributes
    ----------
    path
        The check output folder.
    verdicts
        Every verdict the folder now holds (verdicts.csv).
    imported
        How many cases the files gave a verdict.
    summary
        summary.csv as rewritten, with the verdict counts per admin unit.
    """

    path: Path
    verdicts: pd.DataFrame
    imported: int
    summary: pd.DataFrame


def _verdict_code(value: object) -> str | None:
    """Return the domain value a cell names: the value itself or its English key or name."""
    text = as_text(value)
    if text in VERDICTS:
        return text
    key = re.sub(r"[\s_-]+", " ", text.lower()).strip()
    for code, english in VERDICTS.items():
        if key in (english.replace("_", " "), en.VERDICT_NAMES[code]):
            return code
    return None


def _parse_date(value: object) -> datetime.date | None:
    """Return the date of a cell or text (2026-07-15, 2026/7/15, 2026年7月15日), or None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if m is None:
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if m is None:
        return None
    try:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def check_verdict_rows(rows: pd.DataFrame, cases: pd.DataFrame, *, lang: Lang = "zh",
                       today: datetime.date | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Check the rows read from verdict files against a folder's cases.

    Returns
    -------
    (DataFrame, list[str])
        The valid verdicts, one row per case (columns of verdicts.csv), and every bad
        row as ``file row N: problem`` (in ``lang``).
    """
    today = today or datetime.date.today()
    say = words(lang).VERDICT_ERRORS
    known = dict(zip(cases["case_id"].astype(str), cases["finding_ids"].astype(str),
                     strict=True))
    where_case = {str(c.case_id): c for c in cases.itertuples(index=False)}
    bad: list[str] = []
    chosen: dict[str, dict[str, Any]] = {}
    for row in rows.itertuples(index=False):
        where = f"{Path(str(row.file)).name} row {row.row}"
        fields = {name: getattr(row, name) for name in VERDICT_FIELDS}
        filled = {name: as_text(v) for name, v in fields.items()}
        case_id = as_text(row.case_id)
        if not any(filled.values()):
            continue  # not visited yet
        problems = _case_problems(case_id, as_text(row.finding_ids), known, say)
        code, more = _field_problems(fields, filled, say, today)
        problems += more
        if problems:
            bad.extend(f"{where}: {p}" for p in problems)
            continue
        earlier = chosen.get(case_id)
        if earlier is not None and earlier["verdict"] != code:
            bad.append(f"{where}: " + say["conflict"].format(
                case_id=case_id, a=earlier["verdict"], where_a=earlier["source"], b=code,
                where_b=where))
            continue
        if earlier is None:
            case = where_case[case_id]
            chosen[case_id] = {
                "case_id": case_id, "finding_ids": known[case_id],
                "admin_code": str(case.admin_code), "admin_name": str(case.admin_name),
                **filled, "verdict": code, "checked_on": filled["checked_on"] and _iso(
                    fields["checked_on"]), "source": where}
    table = pd.DataFrame(list(chosen.values()), columns=list(VERDICTS_CSV_COLUMNS))
    return table, bad


def _case_problems(case_id: str, finding_ids: str, known: dict[str, str],
                   say: dict[str, str]) -> list[str]:
    if not case_id:
        return [say["no_case"]]
    if case_id not in known:
        return [say["unknown_case"].format(case_id=case_id)]
    if finding_ids and finding_ids != known[case_id]:
        return [say["other_run"].format(case_id=case_id, given=finding_ids)]
    return []


def _field_problems(fields: dict[str, object], filled: dict[str, str], say: dict[str, str],
                    today: datetime.date) -> tuple[str | None, list[str]]:
    """Return the verdict's domain value and what is wrong with the fields of a row."""
    problems = []
    code = _verdict_code(fields["verdict"])
    if not filled["verdict"]:
        problems.append(say["no_verdict"])
    elif code is None:
        problems.append(say["bad_verdict"].format(value=filled["verdict"],
                                                  allowed="/".join(VERDICTS)))
    if filled["checked_on"]:
        date = _parse_date(fields["checked_on"])
        if date is None:
            problems.append(say["bad_date"].format(value=filled["checked_on"]))
        elif date > today:
            problems.append(say["future_date"].format(value=date.isoformat()))
    return code, problems


def _iso(value: object) -> str:
    date = _parse_date(value)
    return "" if date is None else date.isoformat()


def import_verdicts(
    result_dir: str | os.PathLike[str],
    files: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    today: datetime.date | str | None = None,
) -> VerdictImport:
    """Read field verdicts into a check's output folder; rewrite its summary and report.

    Parameters
    ----------
    result_dir
        The output folder of :func:`redline.check` the cases were made from
        (:func:`redline.fieldwork`).
    files
        cases.gpkg and/or checklist.xlsx files the inspectors filled in. A verdict is
        one of 合法/违法/伪变化/已整改/其他 (or its English name: lawful, unlawful,
        false change, rectified, other); a row with no field filled in is a case not
        visited yet.
    today
        Dates after it are errors; today when None.

    Returns
    -------
    VerdictImport
        The folder, every verdict it now holds, how many were imported, the summary.

    Raises
    ------
    VerdictFileError
        A row names a case that is not this folder's or one from another run, a verdict
        outside the domain, a verdict different from another row's for the same case,
        or a date that is not one or is in the future; the error lists every such row,
        and nothing is written.
    InputError
        A file cannot be read, or ``result_dir`` is not a check output folder.

    Examples
    --------
    >>> import tempfile
    >>> import geopandas as gpd
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> _ = redline.check("data/samples/tiedong", f"{out}/run", as_of="2026-06-30")
    >>> _ = redline.fieldwork(f"{out}/run", f"{out}/field")
    >>> cases = gpd.read_file(f"{out}/field/cases.gpkg", layer="cases")
    >>> cases.loc[0, ["verdict", "checked_on"]] = ["违法", "2026-07-15"]
    >>> cases.to_file(f"{out}/field/cases.gpkg", layer="cases")
    >>> done = redline.import_verdicts(f"{out}/run", [f"{out}/field/cases.gpkg"])
    >>> done.imported, done.verdicts.loc[0, "verdict"]
    (1, '违法')
    """
    from redline.io import outputs, write
    from redline.io.results import read_results
    from redline.settings import as_date

    day = as_date(today, name="today") or datetime.date.today()
    paths = [files] if isinstance(files, str | os.PathLike) else list(files)
    if not paths:
        raise InputError("no verdict file given", path=os.fspath(result_dir),
                         fix="give the cases.gpkg or checklist.xlsx files filled in")
    folder = Path(result_dir)
    results = read_results(folder)
    lang = check_lang(results.run.get("lang", "zh"))
    cases = group_cases(results.findings)
    rows = pd.concat([read_verdict_file(p, headers=(zh.CASE_HEADERS, en.CASE_HEADERS))
                      for p in paths], ignore_index=True)
    table, bad = check_verdict_rows(rows, cases, lang=lang, today=day)
    if bad:
        raise VerdictFileError(bad, path=os.fspath(paths[0]) if len(paths) == 1 else None)
    with outputs.locked(outputs.output_path(folder)):
        kept = read_verdicts(folder)
        if len(kept):
            kept = kept[~kept["case_id"].isin(table["case_id"]).to_numpy(dtype=bool)]
            kept = kept[kept["case_id"].isin(cases["case_id"]).to_numpy(dtype=bool)]
        every = pd.concat([kept, table], ignore_index=True) if len(kept) else table
        every = every.sort_values("case_id", ignore_index=True)
        summary = with_verdict_counts(results.summary, cases, every)
        findings = findings_with_verdicts(results.findings, every)
        current = type(results)(path=results.path, run=results.run, summary=summary,
                                findings=findings)
        from redline.report.html import render_report

        page = render_report(current, lang=lang)
        write.write_csv(folder / VERDICTS_CSV, every[list(VERDICTS_CSV_COLUMNS)])
        write.write_csv(folder / "summary.csv", summary)
        _write_xlsx(folder, findings, summary, results.run, lang)
        write.write_text(folder / "report.html", page)
    log.info("%d verdicts imported into %s (%d in all)", len(table), folder, len(every))
    return VerdictImport(path=folder, verdicts=every, imported=len(table), summary=summary)


def read_verdicts(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Return the verdicts.csv of a check output folder (no rows when there is none)."""
    path = Path(folder) / VERDICTS_CSV
    if not path.is_file():
        return pd.DataFrame(columns=list(VERDICTS_CSV_COLUMNS))
    try:
        table = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (OSError, ValueError) as ex:
        raise InputError(f"verdicts.csv cannot be read ({ex})", path=str(path),
                         fix="import the verdict files again") from ex
    for column in VERDICTS_CSV_COLUMNS:
        if column not in table:
            table[column] = ""
    return table[list(VERDICTS_CSV_COLUMNS)]


def with_verdict_counts(summary: pd.DataFrame, cases: pd.DataFrame,
                        verdicts: pd.DataFrame) -> pd.DataFrame:
    """summary.csv with the verdict counts of every unit (earlier counts replaced)."""
    judged = dict(zip(verdicts["case_id"].astype(str), verdicts["verdict"].astype(str),
                      strict=True))
    each = pd.DataFrame({"admin_code": cases["admin_code"].astype(str),
                         "verdict": [judged.get(str(c), "") for c in cases["case_id"]]})
    base = summary.drop(columns=[c for c in VERDICT_COUNT_COLUMNS if c in summary])
    if base.empty:
        return base
    counts = verdict_counts(each, base.assign(admin_code=base["admin_code"].astype(str)))
    return base.assign(admin_code=base["admin_code"].astype(str)).merge(
        counts, on="admin_code", how="left")


def findings_with_verdicts(findings: gpd.GeoDataFrame, verdicts: pd.DataFrame
                           ) -> gpd.GeoDataFrame:
    """Return the findings with their case's id, verdict, case number and date."""
    out = findings.copy()
    by_finding: dict[str, tuple[str, str, str, str]] = {}
    for row in verdicts.itertuples(index=False):
        for fid in str(row.finding_ids).split(";"):
            by_finding[fid] = (str(row.case_id), str(row.verdict), str(row.case_no),
                               str(row.checked_on))
    ids = out["finding_id"].astype(str)
    for i, name in enumerate(FINDING_VERDICT_COLUMNS):
        fresh = np.array([by_finding[f][i] if f in by_finding else "" for f in ids],
                         dtype=object)
        if name in out and name != "case_id":
            # A verdict carried from an earlier round stays until this round's replaces it.
            old = out[name].astype(object).where(out[name].notna(), "").astype(str).to_numpy()
            fresh = np.where(fresh == "", old, fresh)
        out[name if name != "checked_on" else "verdict_on"] = fresh
    return out


def _write_xlsx(folder: Path, findings: gpd.GeoDataFrame, summary: pd.DataFrame,
                run: dict[str, Any], lang: Lang) -> None:
    """Rewrite findings.xlsx: findings with their verdicts, the summary with its counts."""
    from redline.io.write import write_xlsx

    w = words(lang)
    people = pd.DataFrame(findings.drop(columns="geometry", errors="ignore"))
    if "rule" in people:
        people.insert(2, "rule_name", [rule_name(str(r), lang) for r in people["rule"]])
    if "severity" in people:
        people["severity"] = [severity_name(str(v), lang) for v in people["severity"]]

    def head(column: str) -> str:
        return str(w.CASE_HEADERS.get(column) or w.VERDICT_HEADERS.get(column)
                   or header(column, lang)) if column in (
            *FINDING_VERDICT_COLUMNS, *VERDICT_COUNT_COLUMNS) else header(column, lang)

    sheets = {w.SHEETS["findings"]: people.rename(columns=head),
              w.SHEETS["summary"]: summary.rename(columns=head)}
    for name in run.get("outputs") or []:
        stem = str(name).removesuffix(".csv")
        if not str(name).endswith(".csv") or stem in ("findings", "summary"):
            continue
        path = folder / str(name)
        if path.is_file():
            table = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
            sheets[w.SHEETS.get(stem, stem)] = table.rename(columns=head)
    write_xlsx(folder / "findings.xlsx", sheets)


def previous_verdicts(previous_dir: str | os.PathLike[str]) -> tuple[gpd.GeoDataFrame,
                                                                      dict[str, Any]]:
    """Return an earlier round's findings with their verdicts, and run.json's record of it.

    A finding's verdict is its case's in the folder's verdicts.csv, else the one carried
    to it from the round before (``redline check --previous`` there).
    """
    from redline.io.results import read_results

    earlier = read_results(previous_dir)
    if earlier.findings.geometry.isna().all() and len(earlier.findings):
        raise InputError("the earlier findings have no geometry (findings.gpkg is missing)",
                         path=os.fspath(previous_dir),
                         fix="give the whole output folder of the earlier `redline check`")
    findings = findings_with_verdicts(earlier.findings, read_verdicts(previous_dir))
    record = {"path": str(Path(previous_dir).resolve()), "as_of": earlier.run.get("as_of"),
              "findings": len(findings),
              "verdicts": int((findings["verdict"].astype(str) != "").sum())}
    return findings, record


def carry(findings: gpd.GeoDataFrame, previous_dir: str | os.PathLike[str]
          ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Carry an earlier round's verdicts to ``findings`` on the same land.

    Returns the findings with :data:`redline.schema.CARRIED_COLUMNS` and run.json's
    ``previous`` record (the folder, its date, and how many findings matched and took a
    verdict).
    """
    earlier, record = previous_verdicts(previous_dir)
    out = carry_verdicts(findings, earlier)
    record["matched"] = int((out["previous_finding"] != "").sum())
    record["carried"] = int((out["verdict"] != "").sum())
    return out, record
