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
from typing import TYPE_CHECKING, Any

from redline.errors import ConfigError
from redline.samples import make_county, make_sample
from redline.text import Lang, check_lang

if TYPE_CHECKING:
    import concurrent.futures as cf

    from redline.batch import BatchRun

__all__ = [
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
