"""The Python API for scripts: the same tools as the command line, with results in memory.

Every function here is a thin, documented entry point over a tool (path in, result
out); the ``redline`` command calls the same tools, so a script and the command
give the same outputs. Import them from the package: ``redline.check``,
``redline.read_dataset`` and so on.

Examples
--------
>>> import tempfile
>>> import redline
>>> out = tempfile.mkdtemp()
>>> run = redline.check("data/samples/tiedong", f"{out}/tiedong", as_of="2026-06-30")
>>> len(run.findings), run.run["findings_by_rule"]["unapproved_construction"]
(33, 10)
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redline.errors import ConfigError
from redline.samples import make_county, make_sample
from redline.text import Lang, check_lang

if TYPE_CHECKING:
    import concurrent.futures as cf

    from redline.batch import BatchRun
    from redline.model import Dataset
    from redline.tools.check import CheckRun

__all__ = [
    "check",
    "make_county",
    "make_sample",
    "run_batch",
]

#: A date as :class:`datetime.date` or ISO text (``"2026-06-30"``).
DateLike = datetime.date | str

PathLike = str | os.PathLike[str]


def _as_date(value: DateLike | None) -> datetime.date | None:
    """Accept a date or ISO text; anything else is a :class:`ConfigError`."""
    if value is None or (isinstance(value, datetime.date)
                         and not isinstance(value, datetime.datetime)):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as ex:
        raise ConfigError(f"as_of was {value!r} but is expected to be a date like 2026-06-30",
                          fix="pass a datetime.date or ISO text YYYY-MM-DD") from ex


def check(
    dataset: PathLike | Dataset,
    out: PathLike,
    *,
    as_of: DateLike | None = None,
    lang: Lang = "zh",
    overwrite: bool = False,
    sliver_m2: float | None = None,
    n_jobs: int = 1,
    crs: str | None = None,
    encoding: str | None = None,
    progress: bool | None = None,
) -> CheckRun:
    """Run every check on a county and write its outputs (findings, tables, map, report).

    The same as ``redline check DATASET --out OUT``: the outputs of docs/contract.md are
    written into ``out`` (built beside it and renamed into place at the end), and the
    results come back in memory as GeoDataFrames.

    Parameters
    ----------
    dataset
        A dataset folder, GeoPackage or zip, or a :class:`~redline.model.Dataset`
        from :func:`read_dataset`.
    out
        The output folder. It may not be, hold or lie inside an input; an existing
        non-empty one is an error unless ``overwrite``; it holds a ``.redline`` file
        saying redline wrote it.
    as_of
        The date the checks are made at (idle-land clocks, approval ages): a date or
        ISO text; today when None. The samples are built around ``"2026-06-30"``.
    lang
        Language of messages, spreadsheet headers, the map and the report.
    overwrite
        Replace an existing output folder that redline wrote (one holding ``.redline``).
    sliver_m2
        Overlaps under this ellipsoidal area (m2) are not findings;
        ``redline.settings.sliver_m2`` when None.
    n_jobs
        Threads for the geometry work.
    crs, encoding
        As for :func:`read_dataset`, for layers that declare none.
    progress
        Show a progress bar; by default only on a terminal.

    Returns
    -------
    CheckRun
        ``findings`` (one row per finding, geometry = the offending part),
        ``features`` (every approvals, supply and changes feature with its status),
        ``summary`` (one row per admin unit), ``run`` (run.json) and ``tables``.

    Raises
    ------
    RedlineError
        The dataset cannot be checked (the file and the fix are named); ``out`` is
        refused (:class:`OutputPathError`), exists (:class:`OutputExistsError`) or is
        being written by another run (:class:`OutputBusyError`).

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> run = redline.check("data/samples/tiexi", f"{out}/tiexi", as_of="2026-06-30",
    ...                     lang="en")
    >>> sorted(p.name for p in run.out.iterdir())[:4]
    ['.redline', 'early_warning.csv', 'excused.csv', 'findings.csv']
    >>> crimes = run.findings[run.findings["rule"] == "criminal_threshold"]
    >>> crimes["area_mu"].round(1).sort_values().tolist()
    [6.0, 10.5]
    >>> run.features["status"].value_counts().to_dict()["finding"] > 0
    True
    """
    from redline.tools.check import check as _check

    return _check(dataset if not isinstance(dataset, (str, os.PathLike)) else Path(dataset),
                  Path(out), as_of=_as_date(as_of), lang=check_lang(lang), overwrite=overwrite,
                  sliver_m2=sliver_m2, n_jobs=n_jobs, crs=crs, encoding=encoding,
                  progress=progress)


def run_batch(
    root: PathLike,
    out: PathLike,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: cf.Executor | None = None,
    resume: bool = False,
    overwrite: bool = False,
    as_of: DateLike | None = None,
    lang: Lang = "zh",
    check_options: Mapping[str, Any] | None = None,
    progress: bool | None = None,
) -> BatchRun:
    """Check every county under ``root`` in parallel and roll the results up into ``out``.

    The same as ``redline batch ROOT --out OUT``. A county that fails is reported in
    the result and the others finish.

    Parameters
    ----------
    root
        A folder of county datasets (subfolders, ``.gpkg`` and ``.zip`` files), or holding a
        ``batch.toml`` that lists them.
    out
        Output folder: one subfolder per county (named by admin code), plus
        ``summary.csv`` (the county ledger), ``findings.gpkg``/``findings.csv``,
        ``overview.html`` and ``batch.json``.
    workers
        Processes of the local pool; the CPU count by default.
    scheduler
        Address of a running dask.distributed scheduler instead (``tcp://host:8786``).
    executor
        Any ``concurrent.futures.Executor`` to run the counties on; the caller keeps
        it open.
    resume
        Skip counties whose output is complete and whose inputs are unchanged.
    overwrite
        Run every county again into a non-empty ``out`` written by an earlier batch.
    as_of, lang
        As for :func:`check`.
    check_options
        More keyword arguments for each county's check (``sliver_m2``, ``n_jobs``).
    progress
        Show a progress bar; by default only on a terminal.

    Returns
    -------
    BatchRun
        ``counties`` (how each ended), ``failed``, ``summary`` (the ledger) and ``out``.

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> batch = redline.run_batch("data/samples", f"{out}/batch", workers=2,
    ...                           as_of="2026-06-30")
    >>> [(c.name, c.status, c.findings) for c in batch.counties]
    [('haicheng', 'finished', 32), ('tiedong', 'finished', 33), ('tiexi', 'finished', 32)]
    """
    from redline.batch import run_batch as _run_batch

    return _run_batch(root, out, workers=workers, scheduler=scheduler, executor=executor,
                      resume=resume, overwrite=overwrite, as_of=_as_date(as_of),
                      lang=check_lang(lang), check_options=check_options, progress=progress)
