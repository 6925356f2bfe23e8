"""The batch tool: check every county under a folder, in parallel, then roll the results up.

The orchestration of :func:`redline.tools.check.check` (path in, path out), run once per
county:

* Counties are the subfolders, ``.gpkg`` and ``.zip`` files of ``root``, or the datasets
  listed in ``root/batch.toml`` (:mod:`redline.io.counties`).
* They run in a local process pool (``workers``) or on an existing
  dask.distributed cluster (``scheduler``): the same code path, through a
  ``concurrent.futures.Executor``. On a cluster, the spatial tiles of a large
  county (``redline.check(tiles=...)``) are tasks of their own on the same cluster.
* A county that fails (bad data, a crash, a dead worker process) fails alone;
  its reason is in the summary and the others finish.
* ``out`` may not be, hold or lie inside ``root`` or a county; it is locked for
  the run and marked as a batch's (:func:`redline.io.outputs.claimed_dir`), and a
  folder so marked under ``root`` is never taken for a county.
* Each county is written into ``out/.staging`` and renamed into place when
  complete, so an interrupted batch never leaves half a county; the staging goes
  however the batch ends (an interrupted one stops its workers first). ``resume``
  skips counties whose output is complete and whose inputs have the sha256
  recorded in their run.json.
* The roll-up reads each county's outputs in turn (never all at once,
  :mod:`redline.io.rollup`): ``summary.csv`` (one row per county plus totals),
  ``findings.gpkg`` / ``findings.csv`` with a ``county`` column, ``overview.html``
  (:mod:`redline.report.batch_overview`) and ``batch.json``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime
import logging
import os
import shutil
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from redline.errors import ConfigError, InputError, RedlineError
from redline.io import outputs
from redline.io.counties import (
    COUNTY_JSON,
    County,
    archive_of,
    county_code,
    dataset_files,
    existing_outputs,
    is_complete,
    read_counties,
    read_county_meta,
)
from redline.io.digest import sha256_file
from redline.io.rollup import merge_findings, read_findings_table, read_summary
from redline.io.safepath import admin_code_name, safe_child, safe_name, unique_name
from redline.report.batch_overview import county_outline
from redline.schema import RULES
from redline.settings import as_date
from redline.text import Lang, check_lang, words
from redline.version import __version__

log = logging.getLogger(__name__)

Status = Literal["finished", "failed", "skipped"]
CheckFunction = Callable[..., Any]

#: Folder under ``out`` where counties are built before being renamed into place.
STAGING: Final[str] = ".staging"
#: The batch's own files in ``out``; never used as a county's folder name.
BATCH_FILES: Final[frozenset[str]] = frozenset(
    {"summary.csv", "findings.gpkg", "findings.csv", "overview.html", "batch.json", STAGING}
)
#: dask priority of a county's tile tasks: above the counties still queued, so the
#: thread a county frees while waiting on its tiles goes to them, not to a new county.
TILE_PRIORITY: Final[int] = 1


@dataclass
class CountyResult:
    """How one county's run ended.

    ``folder`` is the county's output folder name inside the batch's ``out``
    (empty when it failed); ``reason`` says why it failed or was skipped.
    """

    name: str
    dataset: str
    status: Status
    folder: str = ""
    reason: str = ""
    seconds: float = 0.0
    findings: int = 0
    admin_code: str = ""
    staged: str = ""  # where the worker left the finished output, before the rename


@dataclass
class BatchRun:
    """What :func:`run_batch` wrote and how each county ended."""

    out: Path
    counties: list[CountyResult]
    summary: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[CountyResult]:
        """Counties whose run failed."""
        return [c for c in self.counties if c.status == "failed"]


# --- discovering counties ------------------------------------------------------------


# --- resume -------------------------------------------------------------------------


# --- one county (runs in a worker) ------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    county: County
    staging: str
    as_of: datetime.date | None
    lang: Lang
    check: CheckFunction | None
    options: Mapping[str, Any]


def _default_check() -> CheckFunction:
    from redline.tools.check import check

    return check


def run_county(task: _Task) -> CountyResult:
    """Check one county into its staging folder; every failure is caught and reported.

    Runs in a worker process (local pool or dask worker): it must not raise,
    so that one county's failure never touches the others.
    """
    county = task.county
    start = time.perf_counter()
    staged = Path(task.staging) / "out"
    try:
        check = task.check or _default_check()
        options = dict(task.options)
        with contextlib.ExitStack() as stack:
            cluster = None
            if "executor" not in options and _takes_executor(check) and _on_dask_worker():
                cluster = stack.enter_context(_ClusterExecutor())
                options["executor"] = cluster
            try:
                result = check(county.dataset, staged, as_of=task.as_of, lang=task.lang,
                               **options)
            except RedlineError:
                raise
            except Exception as ex:
                if cluster is None or not cluster.used:
                    raise
                # The cluster lost the tiles (a worker gone, a connection closed):
                # the county is checked again with its tiles run here.
                log.warning("%s: its tiles failed on the cluster (%s: %s); running them "
                            "in this worker", county.name, type(ex).__name__, ex)
                options.pop("executor")
                shutil.rmtree(staged, ignore_errors=True)
                result = check(county.dataset, staged, as_of=task.as_of, lang=task.lang,
                               **options)
        code = admin_code_name(county.code) or county_code(staged)
        meta = {
            "name": county.name,
            "dataset": county.dataset,
            "admin_code": code or "",
            "files": dataset_files(county.dataset),
            "outline": county_outline(getattr(result, "dataset", None)),
            "batch_version": __version__,
        }
        archive = archive_of(county.dataset)
        if archive is not None:
            meta["sha256"] = sha256_file(archive)
        from redline.io.write import write_json

        write_json(staged / COUNTY_JSON, meta)
        n = len(getattr(result, "findings", ()))
        return CountyResult(name=county.name, dataset=county.dataset, status="finished",
                            seconds=round(time.perf_counter() - start, 3), findings=n,
                            admin_code=code or "", staged=str(staged))
    except RedlineError as ex:
        reason = ex.line()
    except Exception as ex:  # a crash in one county must not stop the batch
        # Not the data's fault: name the county's dataset, what failed, and where the
        # whole story is, on one line.
        text = str(ex).strip().splitlines()
        reason = (f"{county.dataset}: the check failed ({type(ex).__name__}"
                  f"{': ' + text[0][:200] if text else ''}); run `redline -vv check "
                  f"{county.dataset} --out DIR` for the traceback and report it")
        log.debug("county %s crashed:\n%s", county.name, traceback.format_exc())
    shutil.rmtree(task.staging, ignore_errors=True)
    return CountyResult(name=county.name, dataset=county.dataset, status="failed",
                        reason=reason, seconds=round(time.perf_counter() - start, 3))


def _takes_executor(check: CheckFunction) -> bool:
    """Whether ``check`` has an ``executor`` keyword (as :func:`redline.tools.check.check`)."""
    import inspect

    try:
        param = inspect.signature(check).parameters.get("executor")
    except (TypeError, ValueError):
        return False
    return param is not None and param.kind in (param.KEYWORD_ONLY,
                                                param.POSITIONAL_OR_KEYWORD)


def _on_dask_worker() -> bool:
    """Whether this runs as a task on a dask.distributed worker."""
    if "distributed" not in sys.modules:  # a worker has imported it; skip the import here
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


class _ClusterExecutor(cf.Executor):
    """Submits a county's tiles, from the dask task checking it, back to the same cluster.

    At the first tile the task leaves its worker's thread pool
    (``distributed.worker_client``), so waiting on its tiles holds no thread they
    need, and it rejoins at :meth:`shutdown`; a county that is not tiled never
    submits and runs as before. Each tile's layers are scattered to the cluster
    rather than sent through the scheduler in the task graph, and its task runs
    at :data:`TILE_PRIORITY`.
    """

    #: Recorded in run.json as where the tiles ran.
    kind: Final[str] = "dask"

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._used = False
        self._client: Any = None
        self._executor: cf.Executor | None = None

    @property
    def used(self) -> bool:
        """Whether a tile was given to the cluster (or tried to be)."""
        return self._used

    @property
    def max_workers(self) -> int | None:
        """The threads of the cluster's workers (how many tiles run at once), if known."""
        try:
            from distributed import get_client

            client = self._client or get_client()
            return sum(client.nthreads().values()) or None
        except Exception:  # no cluster to ask: the caller falls back on the CPU count
            return None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run ``fn(*args, **kwargs)`` as a task of the cluster."""
        self._used = True
        from functools import partial

        if self._executor is None:
            from distributed import worker_client

            self._client = self._stack.enter_context(worker_client())
            self._executor = self._client.get_executor(pure=False)
        data = self._client.scatter(list(args), hash=False) if args else []
        call = partial(fn, **kwargs) if kwargs else fn
        # ClientExecutor passes keywords to Client.submit: the task's priority.
        future: cf.Future[Any] = self._executor.submit(call, *data, priority=TILE_PRIORITY)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel the tiles still running (the check gave up on them); rejoin the pool.

        Rejoining waits for a free thread of the worker.
        """
        try:
            if self._executor is not None:
                self._executor.shutdown(wait=False)
        finally:
            self._stack.close()


# --- running -------------------------------------------------------------------------


def run_batch(
    root: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: cf.Executor | None = None,
    resume: bool = False,
    overwrite: bool = False,
    as_of: datetime.date | str | None = None,
    lang: Lang = "zh",
    check: CheckFunction | None = None,
    check_options: Mapping[str, Any] | None = None,
    progress: bool | None = None,
) -> BatchRun:
    """Check every county under ``root`` in parallel and roll the results up into ``out``.

    The same as ``redline batch ROOT --out OUT``. A county that fails is reported in
    the result and the others finish.

    Parameters
    ----------
    root
        A folder of county datasets (subfolders, ``.gpkg`` and ``.zip`` files), or holding
        a ``batch.toml`` that lists them.
    out
        Output folder: one subfolder per county (named by admin code), plus
        ``summary.csv`` (the county ledger), ``findings.gpkg``/``findings.csv``,
        ``overview.html`` and ``batch.json``.
    workers
        Processes of the local pool; the CPU count by default. Ignored with
        ``scheduler`` or ``executor``.
    scheduler
        Address of a running dask.distributed scheduler instead (``tcp://host:8786``).
    executor
        Any ``concurrent.futures.Executor`` to run counties on (for example
        ``distributed.Client.get_executor()``); the caller keeps it open.
        On a dask cluster (``scheduler``, or a dask ``executor``), a tiled county's
        tiles are submitted back to the cluster as tasks of their own unless
        ``check_options`` gives an ``executor``; on the local pool they run in the
        county's process.
    resume
        Skip counties whose output is complete and whose inputs are unchanged.
    overwrite
        Allow a non-empty ``out`` (written by an earlier batch) that is not resumed:
        every county is run again and replaces its folder.
    as_of, lang
        As for :func:`redline.check`, passed to every county's check.
    check
        The per-county tool; :func:`redline.tools.check.check` by default. Must be
        picklable (a module-level function).
    check_options
        More keyword arguments for ``check`` (``sliver_m2``, ``n_jobs``...).
    progress
        Show a progress bar; by default only when stderr is a terminal.

    Returns
    -------
    BatchRun
        ``counties`` (how each ended), ``failed``, ``summary`` (the ledger) and ``out``.

    Raises
    ------
    InputError
        ``root`` holds no county.
    OutputPathError
        ``out`` is, holds or lies inside ``root`` or a county's dataset.
    OutputExistsError
        ``out`` is not empty and neither ``resume`` nor ``overwrite`` is given, or
        it is not a folder ``redline batch`` wrote (its ``.redline`` file).
    OutputBusyError
        Another run is writing ``out``.
    ConfigError
        ``as_of`` or ``lang`` is malformed.

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> batch = redline.run_batch("data/samples", f"{out}/batch", workers=2,
    ...                           as_of="2026-06-30")
    >>> [(c.name, c.status, c.findings) for c in batch.counties]
    [('haicheng', 'finished', 47), ('tiedong', 'finished', 49), ('tiexi', 'finished', 47)]
    """
    as_of = as_date(as_of)
    lang = check_lang(lang)
    clock = time.perf_counter()
    counties = read_counties(root)
    inputs = [root, *(c.dataset for c in counties)]
    with outputs.claimed_dir(out, tool="redline batch", overwrite=overwrite or resume,
                             inputs=inputs, flag="--resume or --overwrite") as out_dir:
        staging_root = out_dir / STAGING
        shutil.rmtree(staging_root, ignore_errors=True)  # left by an interrupted batch
        staging_root.mkdir()
        try:
            results = _run_counties(counties, out_dir, staging_root, workers=workers,
                                    scheduler=scheduler, executor=executor, resume=resume,
                                    as_of=as_of, lang=lang, check=check,
                                    check_options=check_options, progress=progress)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)
        timings = {"counties": round(time.perf_counter() - clock, 3)}

        ordered = [results[i] for i in range(len(counties))]
        step = time.perf_counter()
        summary = rollup(out_dir, ordered, lang=lang, as_of=as_of)
        timings["rollup"] = round(time.perf_counter() - step, 3)
        from redline.io.write import write_json

        write_json(out_dir / "batch.json", {
            "tool": "redline batch",
            "version": __version__,
            "root": str(Path(root).resolve()),
            "as_of": as_of.isoformat() if as_of else None,
            "lang": lang,
            "resume": resume,
            "counties": [{k: v for k, v in asdict(r).items() if k != "staged"}
                         for r in ordered],
            "failed": sum(r.status == "failed" for r in ordered),
            "timings": timings,
        })
    return BatchRun(out=out_dir, counties=ordered, summary=summary, timings=timings)


def _run_counties(counties: list[County], out_dir: Path, staging_root: Path, *,
                  workers: int | None, scheduler: str | None, executor: cf.Executor | None,
                  resume: bool, as_of: datetime.date | None, lang: Lang,
                  check: CheckFunction | None, check_options: Mapping[str, Any] | None,
                  progress: bool | None) -> dict[int, CountyResult]:
    """Run (or skip, on resume) every county into ``out_dir``; return each one's result."""
    existing = existing_outputs(out_dir)
    results: dict[int, CountyResult] = {}
    todo: list[tuple[int, County]] = []
    for i, county in enumerate(counties):
        folder = existing.get(county.dataset)
        if resume and folder:
            done, why = is_complete(out_dir / folder, county)
            if done:
                meta = read_county_meta(out_dir / folder) or {}
                results[i] = CountyResult(name=county.name, dataset=county.dataset,
                                          status="skipped", folder=folder,
                                          reason="output complete, inputs unchanged",
                                          admin_code=meta.get("admin_code", ""))
                continue
            log.info("%s: running again (%s)", county.name, why)
        todo.append((i, county))

    tasks = {
        i: _Task(county=c, staging=str(staging_root / f"{i:04d}-{uuid.uuid4().hex[:8]}"),
                 as_of=as_of, lang=lang, check=check, options=dict(check_options or {}))
        for i, c in todo
    }
    taken = set(existing.values()) | set(BATCH_FILES)
    show = sys.stderr.isatty() if progress is None else progress

    def place(i: int, result: CountyResult) -> None:
        if result.status == "finished":
            result.folder = _place(out_dir, result, counties[i], existing, taken)
        results[i] = result

    if tasks:
        _execute(tasks, place, workers=workers, scheduler=scheduler, executor=executor,
                 show=show, total=len(counties), already=len(results))
    return results


def _place(out: Path, result: CountyResult, county: County, existing: dict[str, str],
           taken: set[str]) -> str:
    """Rename a finished county from staging to its folder, replacing its earlier output."""
    previous = existing.get(county.dataset)
    wanted = admin_code_name(result.admin_code) or safe_name(county.name)
    if previous is not None and previous.split("-")[0] == wanted.split("-")[0]:
        name = previous
    else:
        name = unique_name(wanted, taken - ({previous} if previous else set()))
    target = safe_child(out, name)
    old = None
    if previous is not None:
        prev_path = safe_child(out, previous)
        if prev_path.exists():
            old = out / STAGING / f"old-{uuid.uuid4().hex[:8]}"
            prev_path.rename(old)
        taken.discard(previous)
    Path(result.staged).rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    taken.add(name)
    existing[county.dataset] = name
    return name


def _execute(tasks: dict[int, _Task], place: Callable[[int, CountyResult], None], *,
             workers: int | None, scheduler: str | None, executor: cf.Executor | None,
             show: bool, total: int, already: int) -> None:
    """Run tasks on an executor, calling ``place`` in the parent as each one ends."""
    from tqdm import tqdm

    bar = tqdm(total=total, initial=already, desc="redline batch", unit="county",
               disable=not show, dynamic_ncols=True)
    try:
        if executor is not None:
            _drain(executor, tasks, place, bar)
        elif scheduler is not None:
            client = _dask_client(scheduler)
            try:
                with client.get_executor(pure=False) as dask_executor:
                    _drain(dask_executor, tasks, place, bar)
            finally:
                client.close()
        else:
            n = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
            broken = _run_local(tasks, place, bar, n)
            # A worker process that died took the pool with it; the counties it held
            # run again one by one, each in its own process, so only the culprit fails.
            for i in broken:
                if _run_local({i: tasks[i]}, place, bar, 1):
                    place(i, CountyResult(
                        name=tasks[i].county.name, dataset=tasks[i].county.dataset,
                        status="failed", reason="the worker process died (out of memory or "
                        "a crash in native code)"))
                    bar.update(1)
    finally:
        bar.close()


def _run_local(tasks: dict[int, _Task], place: Callable[[int, CountyResult], None], bar: Any,
               n: int) -> list[int]:
    with cf.ProcessPoolExecutor(max_workers=n) as pool:
        try:
            return _drain(pool, tasks, place, bar)
        except BaseException:
            _stop_workers(pool)
            raise


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Stop the pool's processes at once.

    An interrupted batch (Ctrl-C, SIGTERM, an error) does not wait for the counties
    running, and removes their staging once they are gone.
    """
    # The pool offers no public way to end its processes before Python 3.14
    # (terminate_workers); its process table is read as it stands.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()


def _drain(executor: cf.Executor, tasks: dict[int, _Task],
           place: Callable[[int, CountyResult], None], bar: Any) -> list[int]:
    """Submit every task, place results as they finish; return the tasks of a broken pool."""
    futures = {executor.submit(run_county, task): i for i, task in tasks.items()}
    broken: list[int] = []
    pending = set(futures)
    try:
        while pending:
            pending = _collect(futures, pending, tasks, place, bar=bar, broken=broken)
    except BaseException:  # interrupted: queued counties never start, staged ones are dropped
        for future in pending:
            future.cancel()
        raise
    return sorted(broken)


def _collect(futures: dict[cf.Future[CountyResult], int], pending: set[cf.Future[CountyResult]],
             tasks: dict[int, _Task], place: Callable[[int, CountyResult], None], *, bar: Any,
             broken: list[int]) -> set[cf.Future[CountyResult]]:
    """Place the results that are ready, in submission order; return what is still pending."""
    done, pending = cf.wait(pending, timeout=1.0, return_when=cf.FIRST_COMPLETED)
    for future in sorted(done, key=futures.__getitem__):
        i = futures[future]
        task = tasks[i]
        try:
            result = future.result()
        except cf.process.BrokenProcessPool:
            broken.append(i)
            continue
        except Exception as ex:  # the executor lost the task (e.g. dask KilledWorker)
            result = CountyResult(name=task.county.name, dataset=task.county.dataset,
                                  status="failed", reason=f"{type(ex).__name__}: {ex}")
        place(i, result)
        bar.update(1)
    running = [tasks[futures[f]].county.name for f in pending if f.running()]
    bar.set_postfix_str(", ".join(running[:4]), refresh=False)
    return pending


def _dask_client(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError as ex:
        raise ConfigError("--scheduler needs dask.distributed, which is not installed",
                          fix='pip install "dask[distributed]"') from ex
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError) as ex:
        raise InputError(f"cannot reach the dask scheduler ({ex})", path=address,
                         fix="check the address (tcp://host:8786) and that the scheduler runs"
                         ) from ex


# --- roll-up -----------------------------------------------------------------------------


def rollup(out: str | os.PathLike[str], results: Iterable[CountyResult], *,
           lang: Lang = "zh", as_of: datetime.date | None = None) -> pd.DataFrame:
    """Write the batch's summary.csv, merged findings and overview map; return the summary.

    Each county's outputs are read in turn, so memory holds one county at a time.
    """
    from redline.analysis.ledger import city_row
    from redline.io.write import write_csv

    out = Path(out)
    results = list(results)
    rows = [_county_row(out, r) for r in results]
    summary = _ranked(pd.DataFrame(rows))
    totals: dict[str, Any] = {"county": words(lang).TOTAL, "status": "",
                              "admin_code": _city_code(summary)}
    for column in summary.columns:
        if column.endswith(("_count", "_m2", "_mu")) or column in {"findings", "seconds"}:
            totals[column] = pd.to_numeric(summary[column], errors="coerce").sum()
    ranked = summary[summary["_ranked"].to_numpy(dtype=bool)]
    if len(ranked):
        totals.update(city_row(ranked))
    totals["counties_failed"] = sum(r.status == "failed" for r in results)
    summary = pd.concat([summary.drop(columns="_ranked"), pd.DataFrame([totals])],
                        ignore_index=True)
    write_csv(out / "summary.csv", summary)
    merge_findings(out, [(r.name, r.folder) for r in results])
    _overview(out, results, summary, lang=lang, as_of=as_of)
    return summary


def _ranked(summary: pd.DataFrame) -> pd.DataFrame:
    """Rank the counties of the batch together (表彰/通报): ``score`` and ``rank`` redone.

    Each county's own summary.csv ranks it among the counties of its dataset (one: rank
    1); here every county with a ledger row is ranked against the others by
    :func:`redline.analysis.ledger.rank_counties` (README, "The county score"). A county
    that failed, or whose summary has no county row, has no rank.
    """
    from redline.analysis.ledger import rank_counties

    out = summary.copy()
    mask = (out["_ranked"].fillna(False).astype(bool).to_numpy(dtype=bool)
            if "_ranked" in out else np.zeros(len(out), dtype=bool))
    out["_ranked"] = mask
    if not mask.any() or "score" not in out:
        return out
    rows = out.loc[mask].assign(level="county",
                                admin_code=out.loc[mask, "admin_code"].astype(str))
    ranked = rank_counties(rows)
    out.loc[mask, "score"] = ranked["score"].to_numpy()
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out.loc[mask, "rank"] = ranked["rank"].to_numpy()
    return out


def _city_code(summary: pd.DataFrame) -> str:
    """Return the city (地级) code of the counties, ``XXXX00``, when they share one."""
    codes = {str(c)[:4] for c in summary.get("admin_code", pd.Series(dtype=str)).dropna()
             if len(str(c)) >= 6 and str(c)[:6].isdigit()}
    return f"{codes.pop()}00" if len(codes) == 1 else ""


def _county_row(out: Path, result: CountyResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "county": result.name, "folder": result.folder, "admin_code": result.admin_code,
        "status": result.status, "reason": result.reason, "seconds": result.seconds,
    }
    if not result.folder:
        return row
    folder = out / result.folder
    table = read_summary(folder / "summary.csv")
    county_rows = table[table["level"] == "county"] if "level" in table else table.iloc[:0]
    if len(county_rows) == 1:
        unit = county_rows.iloc[0]
        row["admin_name"] = unit.get("admin_name", "")
        for column in table.columns:
            if column not in {"admin_code", "admin_name", "level"}:
                row[column] = unit[column]
        row["_ranked"] = True
    else:  # no single county row: add the findings up
        findings = read_findings_table(folder)
        row["findings_count"] = len(findings)
        for rule in RULES:
            part = findings[findings["rule"] == rule]
            row[f"{rule}_count"] = len(part)
            row[f"{rule}_m2"] = round(float(part["area_m2"].sum()), 2)
            row[f"{rule}_mu"] = round(float(part["area_mu"].sum()), 2)
    row["findings"] = int(row.get("findings_count", 0) or 0)
    return row


# --- overview map -----------------------------------------------------------------------


def _overview(out: Path, results: list[CountyResult], summary: pd.DataFrame, *,
              lang: Lang, as_of: datetime.date | None = None) -> None:
    """overview.html: every county with its figures, named on the map, linking to its pages."""
    from redline.io.write import write_text
    from redline.report.batch_overview import FIGURES, overview_page

    counties = []
    for r, (_, row) in zip(results, summary.iloc[:len(results)].iterrows(), strict=True):
        meta = read_county_meta(out / r.folder) if r.folder else None
        pages = {page: f"{r.folder}/{page}.html"
                 if r.folder and (out / r.folder / f"{page}.html").is_file() else None
                 for page in ("map", "report")}
        counties.append({
            "name": r.name, "code": r.admin_code, "status": r.status,
            "outline": (meta or {}).get("outline"), "rank": row.get("rank"),
            "figures": {f.column: row.get(f.column) for f in FIGURES},
            **pages,
        })
    write_text(out / "overview.html", overview_page(counties, lang=lang, as_of=as_of))


