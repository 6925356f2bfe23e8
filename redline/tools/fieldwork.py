"""The fieldwork tool: a check's output folder in, the files inspectors take to the field out.

``redline fieldwork RESULT_DIR --out DIR`` groups the findings into cases (findings on
the same land are one site visit: :func:`redline.analysis.cases.group_cases`) and writes
into ``DIR``:

- ``cases.gpkg``: layer ``cases``, one feature per case, the verdict fields empty and
  ``verdict`` a GeoPackage coded-value domain (a drop-down in QGIS and QField);
- ``cases.kml``: the cases for phone map apps;
- ``checklist.xlsx``: one row per case, the verdict a drop-down list;
- ``dossier.html``: one printed page per case (:mod:`redline.report.dossier`).

The inspectors fill in cases.gpkg or checklist.xlsx; ``redline verdicts`` reads them
back (:mod:`redline.tools.verdicts`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from redline.analysis.cases import cleared, group_cases
from redline.errors import ConfigError
from redline.schema import RULES, VERDICT_FIELDS
from redline.text import Lang, check_lang, rule_name, words

log = logging.getLogger(__name__)

#: The files ``redline fieldwork`` writes.
FIELDWORK_FILES: Final[tuple[str, ...]] = (
    "cases.gpkg", "cases.kml", "checklist.xlsx", "dossier.html")

#: Columns of checklist.xlsx, in order.
CHECKLIST_COLUMNS: Final[tuple[str, ...]] = (
    "case_id", "admin_code", "admin_name", "rules", "area_m2", "area_mu", "lon", "lat",
    "previous_verdict", "finding_ids", *VERDICT_FIELDS)

#: What a placemark of cases.kml says about its case.
KML_COLUMNS: Final[tuple[str, ...]] = (
    "case_id", "admin_name", "admin_code", "rules", "area_m2", "area_mu", "finding_ids",
    "regulation", "previous_verdict")


@dataclass
class FieldworkRun:
    """What :func:`fieldwork` wrote.

    Attributes
    ----------
    out
        The output folder.
    cases
        The cases sent to the field (one row per case, geometry in the run's CRS).
    cleared
        Ids of the cases left out because the land was judged lawful (合法) before.
    """

    out: Path
    cases: gpd.GeoDataFrame
    cleared: list[str]


def fieldwork(
    result_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    rules: Iterable[str] | None = None,
    township: str | None = None,
    lang: Lang = "zh",
    overwrite: bool = False,
) -> FieldworkRun:
    """Write the files for field inspection of a check's findings.

    Parameters
    ----------
    result_dir
        The output folder of :func:`redline.check`.
    out
        The folder to write cases.gpkg, cases.kml, checklist.xlsx and dossier.html
        into: new, empty, or one redline wrote with ``overwrite``; never ``result_dir``
        nor inside it.
    rules
        Send only the cases holding a finding of these rules (codes of docs/contract.md).
    township
        Send only the cases of this admin unit (a code or the start of one, e.g. a
        township's 9 digits).
    lang
        Language of the headers, the dossier and the KML descriptions. The verdicts
        themselves are always the five Chinese values of the domain.
    overwrite
        Replace an output folder that redline wrote.

    Returns
    -------
    FieldworkRun
        ``out``, the ``cases`` sent, and the ids of those ``cleared`` before.

    Raises
    ------
    ConfigError
        A rule is unknown, or the township is not a code.
    InputError
        ``result_dir`` is not a check output folder.
    OutputPathError, OutputExistsError, OutputBusyError
        ``out`` is refused, exists, or is being written.

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> _ = redline.check("data/samples/tiedong", f"{out}/run", as_of="2026-06-30")
    >>> sent = redline.fieldwork(f"{out}/run", f"{out}/field", lang="en")
    >>> sorted(p.name for p in sent.out.iterdir() if not p.name.startswith("."))
    ['cases.gpkg', 'cases.kml', 'checklist.xlsx', 'dossier.html']
    >>> sent.cases["case_id"].iloc[0]
    'C0001'
    """
    from redline.io import outputs
    from redline.io.cases import write_cases_gpkg, write_cases_kml, write_checklist
    from redline.io.write import write_text
    from redline.report.dossier import render_dossier
    from redline.tools.map import _from_result_dir

    lang = check_lang(lang)
    wanted = _check_rules(rules)
    township = _check_township(township)
    target = outputs.output_path(out)
    outputs.refuse_inputs(target, [result_dir])
    read: list[str] = []
    context, findings, name, _ = _from_result_dir(Path(result_dir), read)
    cases = group_cases(findings)
    keep = np.ones(len(cases), dtype=bool)
    if wanted is not None:
        keep &= np.array([bool(set(r.split(";")) & wanted) for r in cases["rules"]], dtype=bool)
    if township is not None:
        keep &= cases["admin_code"].astype(str).str.startswith(township).to_numpy(dtype=bool)
    before = cleared(cases, findings)
    gone = cases.loc[keep & before, "case_id"].astype(str).tolist()
    if gone:
        log.info("%d cases judged lawful before are not sent again: %s", len(gone),
                 ", ".join(gone))
    sent = cases[keep & ~before].reset_index(drop=True)
    context = {role: frame.to_crs(sent.crs) if frame.crs is not None and sent.crs is not None
               and frame.crs != sent.crs else frame for role, frame in context.items()}
    w = words(lang)
    heads = dict(w.CASE_HEADERS)
    table = pd.DataFrame(sent.drop(columns="geometry"))
    table["rules"] = ["；".join(rule_name(r, lang) for r in str(v).split(";"))
                      for v in table["rules"]]
    describe = {c: heads[c] for c in KML_COLUMNS}
    kml = gpd.GeoDataFrame(table[list(KML_COLUMNS)], geometry=sent.geometry.to_numpy(),
                           crs=sent.crs)
    with outputs.staged_dir(out, overwrite=overwrite, tool="redline fieldwork",
                            inputs=[result_dir, *read]) as tmp:
        write_cases_gpkg(tmp / "cases.gpkg", sent)
        write_cases_kml(tmp / "cases.kml", kml, title=w.FIELDWORK["kml_title"].format(
            name=name), describe=describe)
        write_checklist(tmp / "checklist.xlsx", table[list(CHECKLIST_COLUMNS)],
                        headers=heads, sheet=w.FIELDWORK["checklist_sheet"])
        write_text(tmp / "dossier.html", render_dossier(
            sent, findings, context, title=w.FIELDWORK["dossier_title"].format(name=name),
            lang=lang, evidence=_evidence(Path(result_dir), sent)))
    return FieldworkRun(out=Path(out), cases=sent, cleared=gone)


def _evidence(result_dir: Path, cases: gpd.GeoDataFrame) -> dict[str, np.ndarray | None]:
    """Return the evidence raster of the check (run.json's input ``evidence``) by case."""
    import json

    from pyproj import CRS

    from redline.io.cases import read_evidence_window
    from redline.report.dossier import map_box

    try:
        run = json.loads((result_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = [i.get("path") for i in run.get("inputs") or []
             if isinstance(i, dict) and i.get("role") == "evidence"]
    if not found or not isinstance(found[0], str) or cases.crs is None:
        return {}
    path = Path(found[0])
    if not path.is_absolute() and not path.exists():
        path = result_dir.parent / path  # relative to where the check ran
    if not path.is_file():
        log.info("the evidence raster %s is not there: the dossier's maps show none", path)
        return {}
    projected = CRS.from_user_input(cases.crs).is_projected
    return {str(case.case_id): read_evidence_window(
                path, map_box(case.geometry, projected=projected), cases.crs)
            for case in cases.itertuples(index=False)}


def _check_rules(rules: Iterable[str] | None) -> set[str] | None:
    if rules is None:
        return None
    wanted = {str(r).strip() for r in ([rules] if isinstance(rules, str) else rules)}
    wanted.discard("")
    unknown = sorted(wanted - set(RULES))
    if unknown or not wanted:
        raise ConfigError(f"unknown rule {', '.join(unknown) or '(none given)'}",
                          fix=f"use rule codes among: {', '.join(RULES)}")
    return wanted


def _check_township(township: str | None) -> str | None:
    if township is None:
        return None
    code = str(township).strip()
    if not code.isdigit():
        raise ConfigError(f"township {township!r} is not an admin code",
                          fix="give a township's admin code (or its first digits), "
                          "e.g. 210302001")
    return code
