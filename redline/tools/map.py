"""The map tool: a dataset or a check output folder in, one HTML map out."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd

from redline.io.results import is_results_folder
from redline.io.write import write_text
from redline.report.map import Basemap, build_map
from redline.text import Lang, check_lang, words

log = logging.getLogger(__name__)


def make_map(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    offline: bool | None = None,
    basemap: Basemap = "none",
    lang: Lang = "zh",
    title: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the interactive inspection map of a dataset or of a check output folder.

    Parameters
    ----------
    source
        A dataset (folder, GeoPackage, zip), or the output folder of
        :func:`redline.check`: its findings (from its findings.gpkg) are drawn over the
        layers of the dataset named in its run.json; when that dataset is gone, the
        ``features`` layer stands in for approvals, supply and change patches.
    out
        The HTML file to write.
    offline
        Inline everything so the page opens with no network; by default offline
        unless a network basemap is asked for.
    basemap
        ``"none"``, ``"osm"`` or ``"tianditu"`` (its key from ``TIANDITU_KEY``).
    lang
        Language of the legend and popups.
    title
        Page title; the dataset's name by default.
    overwrite
        Replace ``out`` if it exists and is a page redline wrote (its generator mark).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    OutputPathError
        ``out`` is a file the map is made from.
    OutputExistsError
        ``out`` exists, and ``overwrite`` is false or redline did not write it.

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> page = redline.make_map("data/samples/tiexi", f"{out}/tiexi.html", lang="en")
    >>> page.name, page.stat().st_size > 100_000
    ('tiexi.html', True)
    """
    from redline.io.outputs import check_out_file, refuse_inputs

    lang = check_lang(lang)
    target = check_out_file(out, overwrite=overwrite, inputs=[source])
    if offline is None:
        offline = basemap == "none"
    read: list[str] = []
    if is_results_folder(source):
        layers, findings, name = _from_result_dir(Path(source), read)
    else:
        layers, findings, name = _from_dataset(Path(source), read), None, Path(source).name
    refuse_inputs(target, read, kind="file")
    if title is None:
        title = words(lang).MAP_TITLE.format(name=name)
    page = build_map(layers, findings, offline=offline, basemap=basemap, lang=lang, title=title)
    check_out_file(out, overwrite=overwrite, inputs=[source])  # still free to write
    write_text(target, page)
    log.info("map written to %s (%.1f MB)", out, len(page.encode("utf-8")) / 1e6)
    return Path(out)


def _from_dataset(path: Path, read: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """Return the dataset's layers; add the files it was read from to ``read``."""
    from redline.io.dataset import read_dataset
    from redline.io.outputs import input_paths

    dataset = read_dataset(path)
    read.extend(input_paths(dataset))
    for problem in dataset.errors:
        log.warning("%s", problem.line())
    return {role: layer.frame for role, layer in dataset.layers.items()}


def _from_result_dir(folder: Path, read: list[str]
                     ) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame, str]:
    from redline.io.results import read_checked_features, read_results

    run = read_results(folder)
    dataset = _dataset_path(run.run)
    if dataset is not None and not dataset.is_absolute() and not dataset.exists():
        # A relative path is relative to where `redline check` ran: most often the folder
        # holding both the dataset and the output folder.
        beside = folder.parent / dataset
        dataset = beside if beside.exists() else dataset
    if dataset is not None and dataset.exists():
        layers = _from_dataset(dataset, read)
        name = dataset.stem
    else:
        log.warning("%s: the dataset named in run.json (%s) is not there; the map shows the "
                    "findings and the checked features only", folder, dataset)
        layers = read_checked_features(folder)
        name = folder.name
    return layers, run.findings, name


def _dataset_path(run: dict[str, Any]) -> Path | None:
    inputs = run.get("inputs")
    candidates = [run.get(k) for k in ("dataset", "source", "path")]
    if isinstance(inputs, dict):
        candidates += [inputs.get("dataset"), inputs.get("path")]
        inputs = list(inputs.values())
    for candidate in candidates:
        value = candidate.get("path") if isinstance(candidate, dict) else candidate
        if isinstance(value, str) and value:
            return Path(value)
    paths = [Path(i["path"]) for i in inputs or [] if isinstance(i, dict)
             and isinstance(i.get("path"), str) and i["path"]]
    if not paths:
        return None
    if len({str(p) for p in paths}) == 1 and paths[0].suffix.lower() in (".gpkg", ".zip"):
        return paths[0]
    return Path(os.path.commonpath([str(p.parent) for p in paths]))


