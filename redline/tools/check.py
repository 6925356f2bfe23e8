"""The check tool: a county dataset in, its findings, tables, map, report and run.json out.

Read -> validate -> analyse -> write, the pipeline of ``redline check``: the dataset is
read (:mod:`redline.io.dataset`), the overlap rules run in one pass or in spatial tiles
(:mod:`redline.analysis.rules`, :mod:`redline.analysis.tiles`) while the supply rules, the
quota rule and the map's images are worked out beside them (:mod:`redline.tools.fork`),
the findings are assembled with the ledger (:mod:`redline.analysis.ledger`), and the
outputs are written into a folder built beside ``out`` and renamed into place
(:mod:`redline.io.write`).
"""

from __future__ import annotations

import datetime
import logging
import os
import sys
import time
from collections.abc import Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from tqdm import tqdm

from redline.analysis.areas import ellipsoidal_area, m2_to_mu
from redline.analysis.findings import feature_ids
from redline.errors import ConfigError, InputError
from redline.io import postgis
from redline.io.dataset import read_dataset
from redline.model import Dataset
from redline.schema import ID_FIELD
from redline.settings import CheckOptions, Tiles, as_date, parse_tiles
from redline.text import Lang, words
from redline.tools.fork import SideJobs
from redline.version import __version__

if TYPE_CHECKING:
    from redline.analysis.findings import RuleResult
    from redline.analysis.summary import DistinctLand
    from redline.model import Windows



log = logging.getLogger(__name__)


#: Layers whose every feature is listed, with its status, in the ``features`` output.
JUDGED_ROLES: tuple[str, ...] = ("approvals", "supply", "changes")


@dataclass
class CheckRun:
    """What :func:`check` wrote and found.

    Attributes
    ----------
    out
        The output folder.
    dataset
        The dataset as read.
    findings
        One row per finding (``schema.FINDING_COLUMNS`` + geometry).
    features
        Every approvals, supply and changes feature with its status.
    summary
        One row per admin unit.
    run
        The content of run.json.
    """

    out: Path
    dataset: Dataset
    findings: gpd.GeoDataFrame
    features: gpd.GeoDataFrame
    summary: pd.DataFrame
    run: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def check(
    dataset: str | os.PathLike[str] | Dataset,
    out: str | os.PathLike[str],
    *,
    as_of: datetime.date | str | None = None,
    lang: Lang = "zh",
    sliver_m2: float | None = None,
    n_jobs: int = 1,
    tiles: Tiles | str = "auto",
    crs: str | None = None,
    encoding: str | None = None,
    outside_paths: bool = False,
    schema: str | None = None,
    out_db: str | None = None,
    previous: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    executor: Executor | None = None,
) -> CheckRun:
    """Run every check on a county and write its outputs (findings, tables, map, report).

    The same as ``redline check DATASET --out OUT``: read -> validate -> analyse ->
    write. The outputs of docs/contract.md are written into ``out``, built beside it and
    renamed into place at the end, so an interrupted run leaves nothing half-written
    (:func:`redline.io.outputs.staged_dir`); the results come back in memory as
    GeoDataFrames. ``out`` may not be, hold or lie inside any input; it is locked for
    the run, so a second run to it fails at once. The options from ``as_of`` to
    ``outside_paths`` are those of :class:`~redline.settings.CheckOptions` (declared there
    once, for this function, the command line and run.json); ``schema`` and ``out_db``
    say where a database's tables are read from and the results written to.

    Parameters
    ----------
    dataset
        A dataset folder, GeoPackage or zip, a PostGIS database as
        ``postgresql://USER@HOST/DATABASE?schema=SCHEMA`` (:mod:`redline.io.postgis`),
        or a :class:`~redline.model.Dataset` from :func:`redline.read_dataset`.
    out
        The output folder. It may not be, hold or lie inside an input; an existing
        non-empty one is an error unless ``overwrite``; it holds a ``.redline`` file
        saying redline wrote it.
    as_of
        The date the checks are made at (idle-land clocks, approval ages): a date or
        ISO text; today when None. The samples are built around ``"2026-06-30"``.
    lang
        Language of messages, spreadsheet headers, the map and the report.
    sliver_m2
        Overlaps under this ellipsoidal area (m2) are not findings;
        ``redline.settings.sliver_m2`` when None.
    n_jobs
        Threads for the geometry work.
    tiles
        Run the overlap rules in spatial tiles: a grid ``(nx, ny)`` (or ``"4x4"``);
        ``"auto"`` tiles a county whose layers hold more than
        ``settings.tile_max_features`` features (see :mod:`redline.analysis.tiles`);
        ``None`` never tiles. Results are the same as one pass. A tiled check of a
        dataset given by its path keeps farmland and basic farmland on disk
        (:mod:`redline.io.spill`): its memory follows the parcels, not the farmland, and
        the returned dataset's frames of those two layers are empty (their counts are
        kept; run.json names them under ``parameters.tiles.on_disk``).
    crs, encoding
        As for :func:`redline.read_dataset`, for layers that declare none.
    outside_paths
        Allow ``redline.toml`` and symlinks to reach files outside the dataset folder
        (refused by default).
    schema
        The schema of a ``postgresql://`` dataset holding the county's tables (wins over
        the URL's ``?schema=``; ``public`` when neither names one).
    out_db
        A ``postgresql://`` URL: the tables ``findings``, ``features`` and ``summary``
        are also written into the schema its ``?schema=`` names (else the source schema
        + ``_redline``), created if missing, all three replaced in one transaction
        (``pip install "redline[postgis]"``); run.json records where (``out_db``). When
        they cannot be written, no output folder is left either.
    previous
        The output folder of the last round's check, with the verdicts imported into it
        (``redline verdicts``): each finding on the same land (at least
        ``settings.verdict_match_share`` of its area inside a finding of then) takes its
        verdict, date and case number (findings columns ``verdict``, ``verdict_on``,
        ``case_no``, ``previous_finding``), and the report compares the two rounds per
        admin unit. run.json records it under ``previous``.
    overwrite
        Replace an existing output folder that redline wrote (one holding ``.redline``).
    progress
        Show a progress bar; by default only on a terminal.
    executor
        Spread the tiles over it (a process pool, a dask ``Client.get_executor()``).

    Returns
    -------
    CheckRun
        ``findings`` (one row per finding, geometry = the offending part),
        ``features`` (every approvals, supply and changes feature with its status),
        ``summary`` (one row per admin unit), ``run`` (run.json) and ``tables``.

    Raises
    ------
    RedlineError
        The dataset cannot be checked (each problem's file and fix are named); an
        option is malformed, or ``schema`` is given for a dataset that is not a database
        (:class:`~redline.errors.ConfigError`); the database cannot be read or written
        (:class:`~redline.errors.InputError`); ``out`` is refused
        (:class:`~redline.errors.OutputPathError`), exists
        (:class:`~redline.errors.OutputExistsError`) or is being written by another run
        (:class:`~redline.errors.OutputBusyError`).

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
    [6.0, 6.0, 10.5]
    >>> run.features["status"].value_counts().to_dict()["finding"] > 0
    True
    >>> len(run.findings), run.run["findings_by_rule"]["unapproved_construction"]
    (47, 15)
    """
    options = CheckOptions(as_of=as_date(as_of), lang=lang, sliver_m2=sliver_m2, n_jobs=n_jobs,
                           tiles=parse_tiles(tiles), crs=crs, encoding=encoding,
                           outside_paths=outside_paths)
    if schema is not None:
        dataset = _in_schema(dataset, schema)
    return _check(dataset, out, options, overwrite=overwrite, progress=progress,
                  executor=executor, out_db=out_db, previous=previous)


def _check(  # noqa: PLR0915 -- one pipeline, read top to bottom
        dataset: str | os.PathLike[str] | Dataset, out: str | os.PathLike[str],
        options: CheckOptions, *, overwrite: bool, progress: bool | None,
        executor: Executor | None, out_db: str | None = None,
        previous: str | os.PathLike[str] | None = None) -> CheckRun:
    """Run the check of :func:`check` with its options made."""
    from redline.analysis.findings import concat_findings
    from redline.analysis.ledger import dataset_ledger
    from redline.analysis.rules import vector_findings
    from redline.analysis.summary import assign_admin, findings_land
    from redline.io import outputs, write

    as_of, lang = options.as_of, options.lang
    assert as_of is not None  # made today's date when not given
    out_schema = _out_schema(out_db, dataset)  # a URL naming no schema stops here, not later
    step = _Steps(total=8, show=sys.stderr.isatty() if progress is None else progress)
    timings = step.timings

    # The output is checked against the input given before any work, and against
    # every file read (redline.toml may name some outside the dataset) after reading.
    inputs = [*(outputs.input_paths(dataset) if isinstance(dataset, Dataset) else [dataset]),
              *([previous] if previous is not None else [])]
    with outputs.staged_dir(out, overwrite=overwrite, tool="redline check", inputs=inputs
                            ) as tmp, outputs.temp_dir("redline-spill-") as spill_dir:
        ds = dataset if isinstance(dataset, Dataset) else read_dataset(
            dataset, crs=options.crs, encoding=options.encoding,
            outside_paths=options.outside_paths,
            **_spill_options(options.tiles, str(spill_dir)))
        _raise_on_errors(ds, out)
        step("read")

        layers = {role: layer.frame for role, layer in ds.layers.items()}
        spilled = ds.spilled
        side = _start_side_jobs(ds, layers, as_of=as_of, lang=lang,  # supply, quota, images
                                spilled=spilled, sliver_m2=options.sliver_m2)
        overlap = partial(vector_findings, as_of=as_of, sliver_m2=options.sliver_m2, lang=lang,
                          n_jobs=options.n_jobs)
        counts = {role: layer.count for role, layer in ds.layers.items()}
        # A layer kept on disk is only ever seen tile by tile.
        shape = _tile_shape(options.tiles, counts) or ((1, 1) if spilled else None)
        if shape is None:
            results = [overlap(layers)]
        else:
            results = [_tiled_overlap(layers, overlap, shape=shape, executor=executor,
                                       as_of=as_of, spilled=spilled)]
            log.info("overlap rules run in %d x %d tiles%s", *shape,
                     f" ({', '.join(spilled)} read tile by tile from disk)" if spilled else "")
        step("overlap rules")
        results += [side.timed_result(0, timings, "supply rules (beside the overlap rules)"),
                    side.timed_result(1, timings, "quota rule (beside the overlap rules)")]
        step("supply rules")

        admin = layers.get("admin")
        findings = assign_admin(
            concat_findings([r.findings for r in results], crs=ds.working_crs), admin)
        carried = _carry(findings, previous)  # the last round's verdicts, on the same land
        if carried is not None:
            findings = carried[0]
        # The ledger is worked out on the other core while this one lists the features,
        # counts the findings' land and writes the findings and the map, which do not
        # read it.
        led = SideJobs([partial(dataset_ledger, ds, findings, as_of=as_of,
                                planned_ha=ds.planned_ha, results=results)], now=side.now)
        features = _features(ds, results, findings)
        land = findings_land(findings)  # for summary.csv and the report alike
        counted = _counts(findings, admin, ds.targets, land=land)
        # The rules' own per-unit table is what summary.csv already holds.
        tables = {name: table for result in results for name, table in result.tables.items()
                  if name != "by_admin"}
        step("assemble")

        skipped = [{"rule": r, "reason": why} for res in results for r, why in res.skipped]
        for item in skipped:
            log.warning("skipped %s: %s", item["rule"], item["reason"])
        run = _run_record(ds, options, results=results, findings=findings, features=features,
                          skipped=skipped)
        if carried is not None:
            run["previous"] = carried[1]
        run["status"] = "finished"  # the report shows it; it reads no timings nor outputs
        # GDAL writes the GeoPackage without the interpreter lock, beside the rest.
        with ThreadPoolExecutor(1, thread_name_prefix="redline-gpkg") as pool:
            gpkg = pool.submit(write.write_gpkg, Path(tmp) / "findings.gpkg",
                               {"findings": findings, "features": features})
            _write_findings(Path(tmp), findings=findings, tables=tables, lang=lang)
            drawn = side.timed_result(2, timings, "map images (beside the rules)")
            _write_map(Path(tmp), ds=ds, layers=_map_layers(layers, spilled, drawn or {}),
                       findings=findings, lang=lang, images=drawn)
            step("write findings and map")
            ledger = led.timed_result(0, timings, "ledger (beside the findings)")
            summary = _with_ledger(counted, ledger)
            step("ledger")
            # The report is written on the other core (idle by now) while this one
            # writes the tables; a child that fails has its page written here.
            pages = SideJobs([partial(
                _write_report, Path(tmp), out=Path(out), admin=admin, findings=findings,
                summary=summary, ledger=ledger, run=dict(run), lang=lang, land=land)],
                now=side.now)
            _write_tables(Path(tmp), findings=findings, summary=summary, tables=tables,
                          lang=lang)
            gpkg.result()
        run["outputs"] = _outputs(tables)
        step("write tables")
        pages.timed_result(0, timings, "report (beside the tables)")
        _drop_half_written(Path(tmp))
        run["outputs"] += [*PAGES, "run.json"]
        step("report")
        if out_db is not None:
            run["out_db"] = postgis.write_postgis(out_db, out_schema, {
                "findings": findings, "features": features, "summary": summary})
        run["timings"] = timings
        write.write_json(Path(tmp) / "run.json", run)
    step.close()
    _let_go_of_disk(ds)
    return CheckRun(out=Path(out), dataset=ds, findings=findings, features=features,
                    summary=summary, run=run, tables=tables)


def _carry(findings: gpd.GeoDataFrame, previous: str | os.PathLike[str] | None
           ) -> tuple[gpd.GeoDataFrame, dict[str, Any]] | None:
    """Return the findings with ``previous``'s verdicts carried, and its run.json record."""
    if previous is None:
        return None
    from redline.tools.verdicts import carry

    return carry(findings, previous)


def _in_schema(dataset: str | os.PathLike[str] | Dataset, schema: str) -> str:
    """Return a ``postgresql://`` dataset's URL naming ``schema``; else a ConfigError."""
    if isinstance(dataset, str) and postgis.is_database_url(dataset):
        return postgis.with_schema(dataset, schema)
    shown = dataset.path if isinstance(dataset, Dataset) else os.fspath(dataset)
    raise ConfigError(f"schema {schema!r} was given but the dataset is not a postgresql:// "
                      "database", path=postgis.mask_url(shown),
                      fix="give --schema (schema=) only with a postgresql:// dataset")


def _out_schema(out_db: str | None, dataset: str | os.PathLike[str] | Dataset) -> str | None:
    """Return the schema ``out_db`` results go into (``None`` without ``out_db``)."""
    if out_db is None:
        return None
    return postgis.out_schema(out_db, dataset.path if isinstance(dataset, Dataset)
                      else os.fspath(dataset))


def _let_go_of_disk(ds: Dataset) -> None:
    """Keep the counts of layers that were on disk: their files went with the check."""
    from redline.io.spill import Spilled

    for layer in ds.layers.values():
        if isinstance(layer.spill, Spilled):
            layer.spill = replace(layer.spill, files=(), extents=())


class _Steps:
    """Time each step of a run, log it and advance a progress bar (on a terminal)."""

    def __init__(self, *, total: int, show: bool) -> None:
        self.timings: dict[str, float] = {}
        self.clock = time.perf_counter()
        self.bar = tqdm(total=total, desc="redline check", disable=not show, unit="step")

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.clock, 3)
        self.clock = now
        self.bar.set_postfix_str(name)
        self.bar.update(1)
        log.info("%s done in %.2f s", name, self.timings[name])

    def close(self) -> None:
        self.bar.close()


def _raise_on_errors(ds: Dataset, out: str | os.PathLike[str]) -> None:
    """Stop on the dataset's errors, or on ``out`` being, holding or lying in a file read."""
    from redline.io import outputs

    outputs.refuse_inputs(outputs.output_path(out), outputs.input_paths(ds))
    errors = ds.errors
    if not errors:
        return
    first = errors[0]
    more = f" (and {len(errors) - 1} more: run `redline info {ds.path}` to list them)" if len(
        errors) > 1 else ""
    raise InputError(first.problem + more, path=first.path,
                     fix=first.fix or "see `redline info`")


#: Layers a tiled check keeps on disk rather than in memory (:mod:`redline.io.spill`).
SPILL_ROLES: tuple[str, ...] = ("farmland", "basic_farmland")


def _spill_options(tiles: Tiles, folder: str) -> dict[str, Any]:
    """How :func:`read_dataset` reads the farmland layers for a check tiled as ``tiles``.

    A tiled check reads them window by window onto disk (a grid asked for, or a county
    whose files hold more than ``settings.tile_max_features`` features); one pass
    holds them.
    """
    from redline.analysis import tiles as tiling

    if tiles is None or tiles == (1, 1):
        return {}
    return {"spill": SPILL_ROLES, "spill_dir": folder,
            "spill_over": tiling.max_features() if tiles == "auto" else 0}


def _tile_shape(tiles: Tiles, counts: Mapping[str, int]) -> tuple[int, int] | None:
    """Return the tile grid to use, or None for one pass."""
    from redline.analysis import tiles as tiling

    if tiles is None:
        return None
    if tiles == "auto":
        if not tiling.needs_tiles(counts):
            return None
        return tiling.auto_shape(counts)
    nx, ny = tiles
    return None if (nx, ny) == (1, 1) else (int(nx), int(ny))


def _tiled_overlap(layers: Mapping[str, gpd.GeoDataFrame], overlap: Any, *,
                   shape: tuple[int, int], executor: Executor | None,
                   as_of: datetime.date, spilled: Mapping[str, Windows] | None = None
                   ) -> RuleResult:
    """Run the overlap rules tile by tile, and the county-wide rules in one reduced pass.

    The county-wide rules (the accountability ratio, the criminal threshold's sums) run
    once more over the whole county, each alone and on only what it reads
    (:data:`~redline.analysis.rules.COUNTY_INPUTS`). The grid, the number of
    tiles and where they ran (``"in-process"``, ``"dask"``, or the executor's ``kind``
    or class name) are recorded as the ``tiles`` parameter.
    """
    from redline.analysis.findings import concat_findings
    from redline.analysis.rules import COUNTY_INPUTS
    from redline.analysis.tiles import COUNTY_RULES, run_tiled

    tiled = run_tiled(layers, overlap, shape=shape, executor=executor, spilled=spilled)
    crs = next((f.crs for f in layers.values() if f.crs is not None), None)
    county_wide = {rule: overlap(COUNTY_INPUTS[rule](layers, as_of=as_of, spilled=spilled),
                                 rules={rule}) for rule in sorted(COUNTY_RULES)}
    wide = concat_findings([r.findings for r in county_wide.values()], crs=crs)
    kind = ("in-process" if executor is None else getattr(executor, "kind", None) or (
        "dask" if type(executor).__module__.startswith("distributed.")
        else type(executor).__name__))
    record = {**tiled.parameters["tiles"], "executor": str(kind),
              "on_disk": sorted(spilled or ())}
    return replace(tiled, findings=concat_findings([tiled.findings, wide], crs=crs),
                   parameters={**tiled.parameters, "tiles": record,
                               **{k: v for r in county_wide.values()
                                  for k, v in r.parameters.items() if k == "accountability"}})


def _quota_rule(ds: Dataset, layers: dict[str, gpd.GeoDataFrame], *, as_of: datetime.date,
                lang: Lang) -> RuleResult:
    from redline.analysis.quota import quota_findings

    return quota_findings(layers, ds.targets, as_of=as_of, lang=lang)


def _supply_rules(ds: Dataset, layers: dict[str, gpd.GeoDataFrame], *, as_of: datetime.date,
                  lang: Lang, sliver_m2: float | None = None) -> RuleResult:
    from redline.analysis.supply import supply_findings

    evidence = None
    raster = ds.rasters.get("evidence")
    if raster and "supply" in layers:
        from redline.io.evidence import built_fraction

        evidence = built_fraction(layers["supply"], raster, id_column=ID_FIELD["supply"])
    return supply_findings(layers, as_of=as_of, evidence=evidence, lang=lang,
                           sliver_m2=sliver_m2, standards=ds.standards,
                           industry_classification=ds.industry_classification)


def _features(ds: Dataset, results: list[RuleResult], findings: gpd.GeoDataFrame
              ) -> gpd.GeoDataFrame:
    """Every approvals/supply/changes feature with its status, results merged on."""
    hit = findings.groupby(["layer", "feature_id"])["rule"].agg(
        lambda s: ";".join(sorted(set(s)))) if len(findings) else pd.Series(dtype=object)
    frames = []
    for role in JUDGED_ROLES:
        if role not in ds.layers:
            continue
        frame = ds.layers[role].frame
        part = pd.DataFrame({
            "layer": role,
            "feature_id": feature_ids(frame, role),
            "_row": frame["_row"].to_numpy() if "_row" in frame else np.arange(len(frame)),
            "reason": frame["_problem"].fillna("").to_numpy() if "_problem" in frame else "",
            "note": frame["_note"].fillna("").to_numpy() if "_note" in frame else "",
        })
        area = ellipsoidal_area(frame.geometry.values, frame.crs)
        part["area_m2"] = np.round(area, 2)
        part["area_mu"] = np.round(m2_to_mu(area), 4)
        mine = hit.xs(role, level="layer") if len(hit) and role in hit.index.get_level_values(
            "layer") else pd.Series(dtype=object)
        mine.index = mine.index.astype(str)
        rules = (pd.Series(part["feature_id"].astype(str).to_numpy()).map(mine).fillna("")
                 .to_numpy(dtype=object) if len(mine) else np.full(len(part), "", dtype=object))
        judged = part["reason"] == ""
        part["rules"] = np.where(judged, rules, "")
        part["status"] = np.where(~judged, "not_judged",
                                  np.where(part["rules"] != "", "finding", "clear"))
        for result in results:
            extra = result.features
            if extra is None or extra.empty:
                continue
            # Rows of one id (the polygons of one approval document) are told apart by row.
            key = ["feature_id", "_row"] if "_row" in extra else ["feature_id"]
            extra = extra[extra["layer"] == role].drop(columns=["layer"])
            extra = extra.drop_duplicates(key)
            extra = extra.drop(columns=[c for c in extra.columns
                                        if c in part.columns and c not in key])
            merged = part.merge(extra, on=key, how="left")
            merged.loc[~judged.to_numpy(), [c for c in extra.columns if c not in key]] = None
            part = merged
        if "unjudged_reason" in part:
            # Land a rule could not judge (an approval without geometry or date...): a
            # feature with no finding is not clear, it is not judged, and says why.
            why = part["unjudged_reason"].fillna("").astype(str)
            held = (part["status"] == "clear") & (why != "")
            part.loc[held, "status"] = "not_judged"
            part.loc[held, "reason"] = why[held]
        part["geometry"] = frame.geometry.to_numpy()
        frames.append(part)
    if not frames:
        return gpd.GeoDataFrame({"layer": [], "feature_id": [], "status": []},
                                geometry=gpd.GeoSeries([], crs=ds.working_crs))
    out = pd.concat(frames, ignore_index=True)
    first = ["layer", "feature_id", "status", "rules", "reason", "note", "area_m2", "area_mu"]
    out = out[first + [c for c in out.columns if c not in first]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=ds.working_crs)


def _run_record(ds: Dataset, options: CheckOptions, *, results: list[RuleResult],
                findings: gpd.GeoDataFrame, features: gpd.GeoDataFrame,
                skipped: list[dict[str, str]]) -> dict[str, Any]:
    """Build run.json: inputs, the options and every rule's parameters, counts, skipped rules."""
    from redline.io.digest import sha256_file

    inputs = []
    for role, layer in ds.layers.items():
        inputs.append({
            "role": role, "path": _file_of(layer), "layer": layer.layer_name,
            "sha256": layer.sha256 or _source_sha256(layer.path),
            "crs": layer.source_crs, "crs_inferred": layer.crs_inferred,
            "encoding": layer.encoding, "encoding_detected": layer.encoding_detected,
            "fields": layer.fields, "count": layer.count,
            **({"unit": layer.unit} if layer.unit else {}),
        })
    for role, path in ds.rasters.items():
        inputs.append({"role": role, "path": path, "sha256": sha256_file(path)})
    for name, (path, digest) in ds.standards_files.items():
        inputs.append({"role": f"standards.{name}", "path": path, "sha256": digest})
    if ds.targets_path:
        inputs.append({"role": "targets", "path": ds.targets_path,
                       "sha256": sha256_file(ds.targets_path),
                       "count": 0 if ds.targets is None else len(ds.targets)})
    parameters: dict[str, Any] = {**options.run_parameters(),
                                  "area": "ellipsoidal, CGCS2000 / GRS80",
                                  "working_crs": ds.working_crs}
    for result in results:
        parameters.update(result.parameters)
    # The overlap rules' sliver is the one asked for; every rule was handed it.
    parameters.update(options.run_parameters())
    parameters["net_farmland"] = _net_record(ds)
    counts = {}
    for role in JUDGED_ROLES:
        if role in ds.layers:
            counts[role] = {"in": ds.layers[role].count,
                            "out": int((features["layer"] == role).sum())}
    by_rule = findings["rule"].value_counts().sort_index() if len(findings) else pd.Series()
    return {
        "tool": "redline check",
        "version": __version__,
        "dataset": ds.path if postgis.is_database_url(ds.path) else str(Path(ds.path).resolve()),
        "as_of": options.as_of.isoformat() if options.as_of else None,
        "lang": options.lang,
        "working_crs": ds.working_crs,
        "inputs": inputs,
        "parameters": parameters,
        "counts": counts,
        "findings_by_rule": {str(k): int(v) for k, v in by_rule.items()},
        "findings_total": len(findings),
        "problems": [p.line() for p in ds.all_problems()] + _outside_problems(parameters),
        "skipped": skipped,
    }


def _net_record(ds: Dataset) -> dict[str, Any]:
    """How net farmland was found, per farmland layer (run.json ``net_farmland``)."""
    from redline.analysis.farmland import net_method

    out: dict[str, Any] = {}
    for role in ("farmland", "basic_farmland"):
        layer = ds.layers.get(role)
        if layer is None:
            continue
        if layer.spill is None:
            out[role] = net_method(layer.frame)
            continue
        counts: dict[str, int] = {}
        for window in layer.spill.windows():
            for method, n in net_method(window)["patches"].items():
                counts[method] = counts.get(method, 0) + n
        out[role] = {"method": max(counts, key=lambda m: counts[m]) if counts else "geometry",
                     "patches": counts}
    return out


def _outside_problems(parameters: Mapping[str, Any]) -> list[str]:
    """Return the one data problem of change patches with land outside every admin unit."""
    record = parameters.get("accountability") or {}
    ids = record.get("outside_admin_changes") or []
    if not ids:
        return []
    return [f"changes: {len(ids)} change patch(es) of the year have "
            f"{record.get('outside_admin_m2', 0):,.1f} m2 outside every admin unit "
            f"({', '.join(ids[:10])}{', ...' if len(ids) > 10 else ''}): not counted in any "
            "county's accountability ratio; fix: correct the admin layer or the patches"]


def _source_sha256(path: str) -> str:
    """Digest of a layer's source (:func:`~redline.io.digest.source_sha256`); "" when gone."""
    from redline.io.digest import source_sha256

    return source_sha256(path) if Path(path).is_file() else ""


def _file_of(layer: Any) -> str:
    """Return the file a layer was read from, absolute (a GeoPackage layer is named apart)."""
    suffix = f":{layer.layer_name}" if layer.layer_name else ""
    path = str(layer.path)
    path = path[: -len(suffix)] if suffix and path.endswith(suffix) else path
    return str(Path(path).resolve()) if Path(path).exists() else path


def _counts(findings: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None,
            targets: pd.DataFrame | None, *, land: DistinctLand | None = None
            ) -> pd.DataFrame:
    """Count the findings per admin unit (county and townships): summary.csv before the ledger.

    Counts and areas per rule; :func:`_with_ledger` adds the ledger's targets, quota,
    balance and ranking.
    """
    from redline.analysis.ledger import ledger_units
    from redline.analysis.summary import summarise

    extra = [str(c) for c in findings["admin_code"] if c] if len(findings) else []
    if targets is not None and "admin_code" in targets:
        extra += [str(c) for c in targets["admin_code"].dropna()]
    units = ledger_units(admin, extra_codes=extra)
    return summarise(findings, units, land=land)


def _with_ledger(counts: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Return summary.csv: the counts of :func:`_counts`, then the ledger's columns."""
    if not len(ledger):
        return counts
    led = ledger.drop(columns=["admin_name", "level"], errors="ignore")
    led = led.assign(admin_code=led["admin_code"].astype(str))
    return counts.merge(led, on="admin_code", how="left")


#: The folder of findings as coordinate TXT files, one per finding (docs/contract.md).
FINDINGS_TXT = "findings_txt"


def _write_findings(tmp: Path, *, findings: gpd.GeoDataFrame,
                    tables: dict[str, pd.DataFrame], lang: Lang) -> None:
    """Write findings.csv, the rules' tables as CSV and the findings as coordinate TXT."""
    from redline.io import write

    write.write_csv(tmp / "findings.csv", pd.DataFrame(findings.drop(columns="geometry")))
    for name, frame in tables.items():
        write.write_csv(tmp / f"{name}.csv", frame)
    _write_findings_txt(tmp / FINDINGS_TXT, findings, lang=lang)


def _outputs(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Names of the tables :func:`_write_findings` and :func:`_write_tables` write, in order."""
    return ["findings.gpkg", "findings.csv", "summary.csv",
            *(f"{name}.csv" for name in tables), "findings.xlsx", FINDINGS_TXT]


def _write_findings_txt(folder: Path, findings: gpd.GeoDataFrame, *, lang: Lang) -> str:
    """Write each finding as a coordinate TXT file (for provincial systems); the folder name.

    A file per finding named by its ``finding_id``, 地块编号 the ``finding_id``,
    地块名称 the rule's name and the feature's id, 地块面积 the area of the geometry
    written (ellipsoidal, 公顷); GBK (GB18030 when a name needs it).
    """
    from redline.io.coordtxt import write_coordtxt
    from redline.text import rule_name

    folder.mkdir()
    polygonal = findings.geometry.notna() & findings.geom_type.isin(["Polygon", "MultiPolygon"])
    cases = findings[polygonal.to_numpy(dtype=bool)]
    if len(cases):
        cases = cases.assign(_name=[f"{rule_name(r, lang)} {fid}" for r, fid in
                                    zip(cases["rule"], cases["feature_id"], strict=True)])
        _, problems = write_coordtxt(cases, folder, id_field="finding_id", name_field="_name")
        for problem in problems:
            log.info("%s", problem.line())
    return FINDINGS_TXT


def _write_tables(tmp: Path, *, findings: gpd.GeoDataFrame, summary: pd.DataFrame,
                  tables: dict[str, pd.DataFrame], lang: Lang) -> None:
    """Write summary.csv and findings.xlsx (the findings, the summary and the rules' tables)."""
    from redline.io import write
    from redline.text import header, rule_name, severity_name, words

    write.write_csv(tmp / "summary.csv", summary)

    def head(column: str) -> str:
        return header(column, lang)

    people = pd.DataFrame(findings.drop(columns="geometry"))
    people.insert(2, "rule_name", [rule_name(r, lang) for r in people["rule"]])
    people["severity"] = [severity_name(v, lang) for v in people["severity"]]
    titles = words(lang).SHEETS
    sheets = {
        titles["findings"]: people.rename(columns=head),
        titles["summary"]: summary.rename(columns=head),
    }
    for name, frame in tables.items():
        sheets[titles.get(name, name)] = frame.rename(columns=head)
    write.write_xlsx(tmp / "findings.xlsx", sheets)


def _start_side_jobs(ds: Dataset, layers: dict[str, gpd.GeoDataFrame], *,
                     as_of: datetime.date, lang: Lang,
                     spilled: Mapping[str, Windows] | None = None,
                     sliver_m2: float | None = None) -> SideJobs:
    """Start the work that needs only the input, beside the overlap rules, for a large county.

    The supply rules, the quota rule and the map's images of farmland and basic
    farmland need nothing the overlap rules make: on a large county they run on the
    other core, in the order they are wanted (the rules' results right after the
    overlap rules, the images only once the tables are written).
    """
    from redline.report.map import has_images

    return SideJobs([partial(_supply_rules, ds, layers, as_of=as_of, lang=lang,
                             sliver_m2=sliver_m2),
                     partial(_quota_rule, ds, layers, as_of=as_of, lang=lang),
                     partial(_images, layers, lang, spilled)],
                    now=not has_images(layers, spilled=spilled))


def _images(layers: dict[str, gpd.GeoDataFrame], lang: Lang,
            spilled: Mapping[str, Windows] | None = None) -> dict[str, Any]:
    from redline.report.map import image_layers

    return image_layers(layers, lang=lang, spilled=spilled)


def _map_layers(layers: Mapping[str, gpd.GeoDataFrame], spilled: Mapping[str, Windows],
                images: Mapping[str, Any]) -> dict[str, gpd.GeoDataFrame]:
    """Return the map's layers: a layer on disk drawn as vectors is read back (it is small)."""
    out = dict(layers)
    for role, disk in spilled.items():
        if role not in images:
            out[role] = disk.whole()
    return out


def _drop_half_written(tmp: Path) -> None:
    """Remove the temporary pages a child stopped while writing them may have left in ``tmp``."""
    for page in PAGES:
        for part in tmp.glob(f".{page}.tmp-*"):
            part.unlink(missing_ok=True)


#: The pages :func:`_write_map` and :func:`_write_report` write.
PAGES = ("map.html", "report.html")


def _write_map(tmp: Path, *, ds: Dataset, layers: dict[str, gpd.GeoDataFrame],
               findings: gpd.GeoDataFrame, lang: Lang,
               images: dict[str, Any] | None = None) -> None:
    """Write map.html into the staged folder."""
    from redline.io import write
    from redline.report.map import build_map, map_html

    name = postgis.dataset_name(ds.path) if postgis.is_database_url(ds.path) else Path(ds.path).name
    title = words(lang).MAP_TITLE.format(name=name)
    write.write_text(tmp / "map.html", map_html(build_map(
        layers, findings, offline=True, lang=lang, title=title, images=images)))


def _write_report(tmp: Path, *, out: Path, admin: gpd.GeoDataFrame | None,
                  findings: gpd.GeoDataFrame, summary: pd.DataFrame, ledger: pd.DataFrame,
                  run: dict[str, Any], lang: Lang, land: DistinctLand | None = None) -> None:
    """Write report.html into the staged folder (``land``: the findings' land, measured)."""
    from redline.io import write
    from redline.io.results import RunOutput
    from redline.report.html import render_report

    page = render_report(RunOutput(str(out), run, summary, findings), lang=lang, ledger=ledger,
                         admin=admin, land=land)
    write.write_text(tmp / "report.html", page)
