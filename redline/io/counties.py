"""A batch's counties: found under a root folder or in batch.toml, and told done on resume.

A county is a subfolder, a ``.gpkg`` or a ``.zip`` of a folder under the batch's root, or a
``[[county]]`` of ``root/batch.toml``::

    [[county]]
    path = "铁东区"            # folder, .gpkg or .zip, relative to batch.toml (or absolute)
    name = "铁东区"            # optional: display name (default: the path's name)
    code = "210302"            # optional: admin code, names the output folder

A county's output is complete when its run.json says so, the batch's county.json names
the same dataset with the same data files, and every input's sha256 is unchanged.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from redline.errors import ConfigError, InputError
from redline.io import outputs
from redline.io.digest import sha256_file, source_sha256
from redline.io.safepath import admin_code_name

log = logging.getLogger(__name__)


#: File written by the batch into each county's output folder.
COUNTY_JSON: Final[str] = "county.json"


#: Files of a batch root taken as a county each (beside its subfolders).
COUNTY_FILES: Final[frozenset[str]] = frozenset({".gpkg", ".zip"})


#: Dataset files whose names and sizes are compared on resume (a layer added or removed).
DATA_SUFFIXES: Final[frozenset[str]] = frozenset(
    {".shp", ".dbf", ".shx", ".prj", ".cpg", ".gpkg", ".parquet", ".geojson", ".json",
     ".csv", ".toml", ".tif", ".tiff", ".zip", ".fgb"}
)


@dataclass(frozen=True)
class County:
    """One county dataset of a batch.

    Attributes
    ----------
    name
        Display name (Chinese kept).
    dataset
        Absolute path of the dataset folder or GeoPackage.
    code
        Admin code given in ``batch.toml``; names the output folder.
    """

    name: str
    dataset: str
    code: str | None = None


def read_counties(root: str | os.PathLike[str]) -> list[County]:
    """List the counties of a batch: ``batch.toml`` entries, else subfolders and county files.

    A county file is a ``.gpkg`` or a ``.zip`` of a county's folder.

    Raises
    ------
    InputError
        ``root`` is not a folder, or holds no county.
    ConfigError
        ``batch.toml`` is malformed.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError("the batch root is not a folder", path=str(base),
                         fix="give a folder holding one dataset per county")
    toml = base / "batch.toml"
    counties = _from_toml(toml) if toml.exists() else _from_folder(base)
    if not counties:
        raise InputError("no county dataset found (no subfolder, .gpkg, .zip or batch.toml)",
                         path=str(base), fix="put one folder, .gpkg or .zip per county in it")
    return counties


def _from_folder(base: Path) -> list[County]:
    found = []
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and outputs.is_result_folder(entry):
            log.info("%s: an output folder of redline, not a county: skipped", entry)
            continue
        if entry.is_dir() or (entry.is_file() and entry.suffix.lower() in COUNTY_FILES):
            name = entry.name if entry.is_dir() else entry.stem
            found.append(County(name=name, dataset=str(entry.resolve())))
    return found


def _from_toml(toml: Path) -> list[County]:
    try:
        doc = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as ex:
        raise ConfigError(f"cannot read batch.toml ({ex})", path=str(toml),
                          fix='list counties as [[county]] tables with path = "..."') from ex
    entries = doc.get("county", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError("`county` must be an array of tables", path=str(toml),
                          fix='write each county as [[county]] with path = "..."')
    counties = []
    listed: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        path = entry.get("path")
        if not isinstance(path, str) or not path.strip():
            raise ConfigError(f"county #{i} has no `path`", path=str(toml),
                              fix='give each [[county]] a path = "folder, .gpkg or .zip"')
        dataset = Path(path) if Path(path).is_absolute() else toml.parent / path
        dataset = dataset.resolve()
        if str(dataset) in listed:
            # Checked twice, a county would count twice in the roll-up.
            raise ConfigError(f"county #{i} lists {dataset} again (county "
                              f"#{listed[str(dataset)]} is the same dataset)", path=str(toml),
                              fix="list each dataset once")
        listed[str(dataset)] = i
        name = entry.get("name") or (dataset.stem if dataset.suffix else dataset.name)
        code = entry.get("code")
        counties.append(County(name=str(name), dataset=str(dataset),
                               code=None if code is None else str(code)))
    return counties


def dataset_files(dataset: str | os.PathLike[str]) -> dict[str, str]:
    """List a dataset's data files: relative path -> ``"<bytes>:<sha256>"``.

    Every file of every layer is hashed (the .dbf, .shx, .prj and .cpg of a shapefile
    as well as its .shp), so a file edited in place, even to the same size, is seen to
    have changed: ``--resume`` then checks the county again.
    """
    path = Path(dataset)
    if path.is_file():
        return {path.name: f"{path.stat().st_size}:{sha256_file(path)}"}
    if not path.is_dir():
        return {}
    return {
        p.relative_to(path).as_posix(): f"{p.stat().st_size}:{sha256_file(p)}"
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    }


def is_complete(  # noqa: PLR0911
    folder: str | os.PathLike[str], county: County) -> tuple[bool, str]:
    """Tell whether a county's output folder is complete and its inputs are unchanged.

    Complete: ``run.json`` says ``finished``, the batch's ``county.json`` names
    the same dataset with the same data files, and the sha256 of every input
    recorded in ``run.json`` matches the file now (of a zipped county, the zip's
    sha256 recorded in ``county.json``).

    Returns
    -------
    tuple
        ``(True, "")`` or ``(False, why not)``.
    """
    folder = Path(folder)
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        meta = json.loads((folder / COUNTY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False, "no complete output"
    if run.get("status") != "finished":
        return False, f"run status is {run.get('status')!r}"
    if meta.get("dataset") != county.dataset:
        return False, "output of another dataset"
    archive = archive_of(county.dataset)
    if archive is not None:
        # A zipped county's layers are named in the zip: the zip's own sha256 stands
        # for them all.
        try:
            if meta.get("sha256") != sha256_file(archive):
                return False, f"{archive} changed"
        except OSError:
            return False, f"{archive} is gone"
    if meta.get("files") != dataset_files(county.dataset):
        return False, "files added, removed or changed"
    for item in run.get("inputs", []):
        path, recorded = item.get("path"), item.get("sha256")
        if not path or not recorded or (archive is not None and _in_archive(path, archive)):
            continue
        try:
            same = source_sha256(path) == recorded or (
                Path(path).suffix.lower() == ".shp" and sha256_file(path) == recorded)
        except OSError:
            return False, f"input {path} is gone"
        if not same:
            return False, f"input {path} changed"
    return True, ""


def archive_of(dataset: str) -> str | None:
    """Return the dataset's path if it is a zip file, else ``None``."""
    p = Path(dataset)
    return str(p) if p.suffix.lower() == ".zip" and p.is_file() else None


def _in_archive(path: str, archive: str) -> bool:
    """Whether an input path names a file inside ``archive`` (``/vsizip/`` or not)."""
    return path.startswith((f"{archive}/", f"/vsizip/{archive}/"))


def existing_outputs(out: Path) -> dict[str, str]:
    """Dataset path -> output folder name, for counties already in ``out``."""
    found: dict[str, str] = {}
    if not out.is_dir():
        return found
    for child in sorted(out.iterdir()):
        meta_path = child / COUNTY_JSON
        if child.name.startswith(".") or not meta_path.is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta.get("dataset"), str):
            found[meta["dataset"]] = child.name
    return found


def county_code(folder: Path) -> str | None:
    """Return the admin code of the one county-level row of summary.csv, if any."""
    path = folder / "summary.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"admin_code": str})
    if "level" not in table or "admin_code" not in table:
        return None
    codes = table.loc[table["level"] == "county", "admin_code"].dropna().unique()
    return admin_code_name(codes[0]) if len(codes) == 1 else None


def read_county_meta(folder: Path) -> dict[str, Any] | None:
    """Return the county.json the batch wrote into a county's output folder, or None."""
    try:
        meta = json.loads((folder / COUNTY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None

