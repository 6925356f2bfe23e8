"""A ``redline check`` output folder read back: for reports, maps and run-to-run comparison."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from redline.errors import InputError

#: Roles of the ``features`` layer of findings.gpkg.
_FEATURE_ROLES = ("approvals", "supply", "changes")


@dataclass
class RunOutput:
    """What a check output folder holds, in memory.

    Attributes
    ----------
    path
        The folder.
    run
        run.json.
    summary
        summary.csv (``admin_code`` kept as text).
    findings
        The ``findings`` layer of findings.gpkg (or findings.csv, without geometry,
        when the GeoPackage is missing).
    """

    path: str
    run: dict[str, Any]
    summary: pd.DataFrame
    findings: gpd.GeoDataFrame


def read_results(path: str | os.PathLike[str]) -> RunOutput:
    """Read the output folder of a check back: run.json, summary.csv and the findings.

    Parameters
    ----------
    path
        The ``--out`` folder of ``redline check`` (or ``out`` of :func:`redline.check`).

    Returns
    -------
    RunOutput
        ``run`` (dict), ``summary`` (DataFrame) and ``findings`` (GeoDataFrame).

    Raises
    ------
    InputError
        The folder or one of its files is missing or unreadable.

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> _ = redline.check("data/samples/tiexi", f"{out}/tiexi", as_of="2026-06-30")
    >>> results = redline.read_results(f"{out}/tiexi")
    >>> results.run["as_of"], len(results.findings)
    ('2026-06-30', 47)
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("not a folder", path=str(folder),
                         fix="give the --out folder of a `redline check` run")
    run_json = folder / "run.json"
    try:
        run = json.loads(run_json.read_text(encoding="utf-8"))
    except FileNotFoundError as ex:
        raise InputError("run.json is missing: not a check output folder", path=str(folder),
                         fix="give the --out folder of a `redline check` run") from ex
    except (OSError, ValueError) as ex:
        raise InputError(f"run.json cannot be read ({_first_line(ex)})", path=str(run_json),
                         fix="run `redline check` again with --overwrite") from ex
    if not isinstance(run, dict):
        raise InputError(f"run.json holds a {type(run).__name__}, not the run's record",
                         path=str(run_json), fix="run `redline check` again with --overwrite")
    summary_csv = folder / "summary.csv"
    try:
        summary = (
            pd.read_csv(summary_csv, encoding="utf-8-sig", dtype={"admin_code": str})
            if summary_csv.exists()
            else pd.DataFrame(columns=["admin_code", "admin_name", "level"])
        )
    except (OSError, ValueError) as ex:  # UnicodeDecodeError and pandas' errors included
        raise InputError(f"summary.csv cannot be read ({_first_line(ex)})",
                         path=str(summary_csv),
                         fix="run `redline check` again with --overwrite") from ex
    gpkg = folder / "findings.gpkg"
    csv = folder / "findings.csv"
    try:
        if gpkg.exists():
            findings = gpd.read_file(gpkg, layer="findings", engine="pyogrio")
        elif csv.exists():
            table = pd.read_csv(csv, encoding="utf-8-sig",
                                dtype={"admin_code": str, "feature_id": str})
            findings = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table)))
        else:
            raise InputError("neither findings.gpkg nor findings.csv is there",
                             path=str(folder), fix="run `redline check` again with --overwrite")
    except (OSError, ValueError, pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError) as ex:
        if isinstance(ex, InputError):
            raise
        raise InputError(f"the findings cannot be read ({_first_line(ex)})", path=str(gpkg),
                         fix="run `redline check` again with --overwrite") from ex
    for column in ("admin_code", "admin_name", "finding_id", "feature_id", "message"):
        if column in findings:
            findings[column] = findings[column].astype("string").fillna("").astype(str)
    return RunOutput(path=str(folder), run=run, summary=summary, findings=findings)


def _first_line(ex: BaseException) -> str:
    """Return the first line of an exception's text, cut short (GDAL's can run long)."""
    text = str(ex).strip().splitlines()
    return text[0][:200] if text else type(ex).__name__


def is_results_folder(path: str | os.PathLike[str]) -> bool:
    """Tell whether ``path`` is an output folder of ``redline check``."""
    folder = Path(path)
    return folder.is_dir() and (folder / "run.json").is_file() and (
        (folder / "findings.gpkg").is_file() or (folder / "findings.csv").is_file()
    )


def read_checked_features(folder: str | os.PathLike[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read the ``features`` layer of a check output folder's findings.gpkg, by role.

    What the map draws for approvals, supply and change patches when the dataset a check
    read is gone; empty when the folder holds no findings.gpkg.
    """
    gpkg = Path(folder) / "findings.gpkg"
    if not gpkg.is_file():
        return {}
    try:
        features = gpd.read_file(gpkg, layer="features", engine="pyogrio")
    except (OSError, ValueError, pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError) as ex:
        raise InputError(f"the features layer cannot be read ({_first_line(ex)})",
                         path=str(gpkg),
                         fix="run `redline check` again with --overwrite") from ex
    if "layer" not in features:
        return {"features": features}
    return {role: features[features["layer"] == role].reset_index(drop=True)
            for role in _FEATURE_ROLES if (features["layer"] == role).any()}
