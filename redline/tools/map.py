"""The map tool: a check's results or a dataset in, a folium map (and its HTML page) out."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from redline.io.results import is_results_folder
from redline.io.write import write_text
from redline.model import Dataset
from redline.report.map import Basemap, build_map, map_html
from redline.text import Lang, check_lang, words

if TYPE_CHECKING:
    import folium

    from redline.io.results import RunOutput
    from redline.tools.check import CheckRun

log = logging.getLogger(__name__)


def explore(
    source: str | os.PathLike[str] | CheckRun | RunOutput | Dataset,
    *,
    basemap: Basemap = "none",
    lang: Lang | None = None,
    title: str | None = None,
    offline: bool | None = None,
    max_vector_features: int | None = None,
    max_vector_findings: int | None = None,
) -> folium.Map:
    """Return the interactive inspection map of a check's results or of a dataset.

    The map ``redline check`` writes as map.html, as a ``folium.Map``: it shows inline
    in a notebook, takes layers of your own with plain folium calls
    (``folium.GeoJson(...).add_to(m)``: they are drawn over redline's and listed in
    its layer control), and ``m.save("map.html")`` writes one page that opens offline.

    Parameters
    ----------
    source
        What :func:`redline.check` returned (a ``CheckRun``), a check output folder
        (its path, or :func:`redline.read_results`), a dataset read by
        :func:`redline.read_dataset`, or a dataset's path. Findings are drawn over the
        county's layers; a check output folder's layers come from the dataset named
        in its run.json (when that is gone, the checked approvals, supply and change
        patches stand in).
    basemap
        ``"none"``, ``"osm"`` or ``"tianditu"`` (its key from ``TIANDITU_KEY``); tiles
        need the network.
    lang
        Language of the legend, controls and popups; by default the check's, else
        Chinese.
    title
        The map's title; by default the dataset's name.
    offline
        Inline everything so the page needs no network; by default offline unless a
        basemap is asked for.
    max_vector_features, max_vector_findings
        As for :func:`redline.report.map.build_map`.

    Returns
    -------
    folium.Map
        The map (:class:`~redline.report.plugins.InspectionMap`).

    Raises
    ------
    RedlineError
        The source cannot be read, or ``basemap="tianditu"`` without its key.

    Examples
    --------
    >>> import folium
    >>> import redline
    >>> m = redline.explore("data/samples/tiexi", lang="en")
    >>> isinstance(m, folium.Map)
    True
    >>> _ = folium.GeoJson({"type": "Point", "coordinates": [123.0, 41.1]},
    ...                    name="survey").add_to(m)
    """
    layers, findings, name, run_lang = _source(source, [])
    lang = check_lang(lang if lang is not None else run_lang or "zh")
    if title is None:
        title = words(lang).MAP_TITLE.format(name=name)
    return build_map(layers, findings, offline=basemap == "none" if offline is None else offline,
                     basemap=basemap, lang=lang, title=title,
                     max_vector_features=max_vector_features,
                     max_vector_findings=max_vector_findings)


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

    The page of :func:`explore`, saved: one HTML file that opens with no network
    unless a basemap is asked for.

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
    layers, findings, name, _ = _source(source, read)
    refuse_inputs(target, read, kind="file")
    if title is None:
        title = words(lang).MAP_TITLE.format(name=name)
    text = map_html(build_map(layers, findings, offline=offline, basemap=basemap, lang=lang,
                              title=title))
    check_out_file(out, overwrite=overwrite, inputs=[source])  # still free to write
    write_text(target, text)
    log.info("map written to %s (%.1f MB)", out, len(text.encode("utf-8")) / 1e6)
    return Path(out)


def _source(source: Any, read: list[str]
            ) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame | None, str, str | None]:
    """Return the layers, findings, name and check language of what a map is made of.

    Files read are added to ``read``.
    """
    if isinstance(source, Dataset):
        return _layers_of(source), None, Path(source.path).name, None
    out = getattr(source, "out", None)
    if isinstance(out, Path) and isinstance(getattr(source, "dataset", None), Dataset):
        # A CheckRun: its layers in memory, unless the check kept some on disk (gone now).
        ds: Dataset = source.dataset
        if not ds.spilled:
            return (_layers_of(ds), source.findings, Path(ds.path).name,
                    source.run.get("lang"))
        source = out
    if not isinstance(source, str | os.PathLike):
        source = source.path  # a RunOutput
    if is_results_folder(source):
        layers, findings, name, lang = _from_result_dir(Path(source), read)
        return layers, findings, name, lang
    return _from_dataset(Path(source), read), None, Path(source).name, None


def _layers_of(dataset: Dataset) -> dict[str, gpd.GeoDataFrame]:
    for problem in dataset.errors:
        log.warning("%s", problem.line())
    return {role: layer.frame for role, layer in dataset.layers.items()}


def _from_dataset(path: Path, read: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """Return the dataset's layers; add the files it was read from to ``read``."""
    from redline.io.dataset import read_dataset
    from redline.io.outputs import input_paths

    dataset = read_dataset(path)
    read.extend(input_paths(dataset))
    return _layers_of(dataset)


def _from_result_dir(folder: Path, read: list[str]
                     ) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame, str, str | None]:
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
    lang = run.run.get("lang")
    return layers, run.findings, name, lang if isinstance(lang, str) else None


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


