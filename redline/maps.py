"""The map tool: a dataset or a check output folder in, one HTML map out.

Examples
--------
>>> import tempfile
>>> from redline.maps import make_map
>>> make_map("data/samples/tiexi", f"{tempfile.mkdtemp()}/tiexi.html", lang="en").name
'tiexi.html'
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd

from redline.errors import InputError
from redline.report.map import Basemap, build_map, save_map
from redline.text import Lang, words

log = logging.getLogger(__name__)

#: Roles of the ``features`` layer of findings.gpkg, drawn when the dataset is gone.
_FEATURE_ROLES = ("approvals", "supply", "changes")


def is_result_dir(path: str | os.PathLike[str]) -> bool:
    """Tell whether ``path`` is an output folder of ``redline check``."""
    folder = Path(path)
    return folder.is_dir() and (folder / "run.json").is_file() and (
        (folder / "findings.gpkg").is_file() or (folder / "findings.csv").is_file()
    )


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
    """Read a dataset or a check output folder and write its inspection map.

    Parameters
    ----------
    source
        A dataset (folder, GeoPackage, zip) or the ``--out`` folder of
        ``redline check``. For an output folder, the findings come from its
        findings.gpkg and the layers from the dataset named in its run.json;
        when that dataset is gone, the ``features`` layer stands in for
        approvals, supply and change patches.
    out
        The HTML file to write.
    offline
        Inline everything (default: offline unless a network basemap is asked for).
    basemap, lang, title
        As for :func:`redline.report.map.build_map`.
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
    """
    from redline.io.outputs import check_out_file, refuse_inputs

    target = check_out_file(out, overwrite=overwrite, inputs=[source])
    if offline is None:
        offline = basemap == "none"
    read: list[str] = []
    if is_result_dir(source):
        layers, findings, name = _from_result_dir(Path(source), read)
    else:
        layers, findings, name = _from_dataset(Path(source), read), None, Path(source).name
    refuse_inputs(target, read, kind="file")
    if title is None:
        title = words(lang).MAP_TITLE.format(name=name)
    page = build_map(layers, findings, offline=offline, basemap=basemap, lang=lang, title=title)
    check_out_file(out, overwrite=overwrite, inputs=[source])  # still free to write
    save_map(page, target)
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
    from redline.io.results import read_results

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
        layers = _features(folder / "findings.gpkg")
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


def _features(gpkg: Path) -> dict[str, gpd.GeoDataFrame]:
    if not gpkg.is_file():
        return {}
    try:
        features = gpd.read_file(gpkg, layer="features", engine="pyogrio")
    except (OSError, ValueError) as ex:
        raise InputError(f"the features layer cannot be read ({ex})", path=str(gpkg),
                         fix="run `redline check` again with --overwrite") from ex
    if "layer" not in features:
        return {"features": features}
    return {role: features[features["layer"] == role].reset_index(drop=True)
            for role in _FEATURE_ROLES if (features["layer"] == role).any()}
