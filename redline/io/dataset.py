"""Reading a county dataset: every layer in one working CRS, with every problem found.

A dataset is a folder, one GeoPackage, or a ``.zip`` of a folder (docs/contract.md,
"A dataset"). :func:`read_dataset` reads its ``redline.toml`` (:mod:`redline.io.config`),
finds its layers (:mod:`redline.io.discover`), reads each (:mod:`redline.io.layer`; a
large farmland layer window by window onto disk, :mod:`redline.io.spill`), chooses the
working CRS and brings every layer to it (:mod:`redline.io.place`), and reads
``targets.csv`` (:mod:`redline.io.targets`) and the rasters. It raises only when the
dataset as a whole cannot be read (the path is missing, ``redline.toml`` is malformed);
everything else, down to one bad date in one feature, becomes a
:class:`~redline.model.Problem` on the dataset or the layer, so that a run can list
every problem at once.

A dataset may also be a schema of a PostGIS database, named by its URL
(:mod:`redline.io.postgis`).

Frames after reading are those of :func:`~redline.io.layer.read_layer`, in the dataset's
working CRS.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from redline import settings
from redline.errors import InputError
from redline.io import crs as crsmod
from redline.io import filegdb
from redline.io.config import (
    CONFIG_NAME,
    Config,
    LayerSpec,
    check_encoding,
    load_config,
    merge_layers,
)
from redline.io.datum import settle_datum
from redline.io.discover import Found, Source, resolve_sources, scan_dir, scan_file, scan_gdb
from redline.io.layer import preflight, read_layer
from redline.io.place import check_overlap, choose_working_crs, reproject
from redline.io.postgis import is_database_url, read_postgis
from redline.io.safepath import OUTSIDE_FIX, outside
from redline.io.spill import can_spill, spill_layer
from redline.io.supplement import read_unit
from redline.io.targets import read_targets
from redline.model import Dataset, Layer, Problem
from redline.schema import (
    RASTER_ROLES,
)

if TYPE_CHECKING:
    pass


def _check_zip_size(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a zip that would unpack to more than the settings allow, before unpacking.

    The sizes are those the archive declares; Python's zipfile never writes more than
    a member declares.
    """
    members = zf.infolist()
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if unpacked > settings.max_unzipped_bytes:
        raise InputError(f"the zip would unpack to {unpacked / 2**30:.1f} GiB, over the "
                         f"{settings.max_unzipped_bytes / 2**30:.0f} GiB allowed",
                         path=str(path), fix="unzip it yourself and give the folder, or "
                         "raise redline.settings.max_unzipped_bytes")
    if unpacked > 1 << 20 and unpacked / packed > settings.max_zip_ratio:
        raise InputError(f"the zip would unpack {unpacked / packed:.0f} times its size "
                         f"({unpacked / 2**20:.0f} MiB), over the ratio "
                         f"{settings.max_zip_ratio:.0f} allowed: not a dataset",
                         path=str(path), fix="unzip it yourself and give the folder, if it "
                         "is one")


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tuple[Path, str, tuple[Path, Path] | None]]:
    """Yield (folder to read, how to show it, (zip, extracted to) if from a zip)."""
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="redline-") as tmp:
            try:
                with zipfile.ZipFile(path) as zf:
                    _check_zip_size(zf, path)
                    zf.extractall(tmp)
            except (zipfile.BadZipFile, OSError) as ex:
                raise InputError(f"cannot open the zip ({ex})", path=str(path),
                                 fix="check the archive is complete") from ex
            root = Path(tmp)
            entries = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
            if len(entries) == 1 and entries[0].is_dir():
                root = entries[0]
            yield root, str(path), (path, Path(tmp))
        return
    yield path, str(path), None


def read_dataset(
    path: str | os.PathLike[str],
    *,
    crs: str | None = None,
    encoding: str | None = None,
    layers: Mapping[str, str | Mapping[str, Any]] | None = None,
    spill: Collection[str] = (),
    spill_dir: str | Path | None = None,
    spill_over: int = 0,
    outside_paths: bool = False,
) -> Dataset:
    """Read a county dataset: every layer in one working CRS, with the problems found.

    Parameters
    ----------
    path
        A dataset folder, a GeoPackage, or a ``.zip`` of a folder; or a PostGIS database
        as ``postgresql://USER@HOST/DATABASE?schema=SCHEMA``
        (:func:`redline.io.postgis.read_postgis`: tables named by role or standard name,
        ``layers`` naming others; ``encoding`` and spilling do not apply).
    crs
        CRS for layers that carry none (overrides ``crs`` in ``redline.toml``;
        a ``[layers.<role>] crs`` still wins for its layer).
    encoding
        Text encoding of shapefiles (wins over detection and the top-level
        ``encoding`` of ``redline.toml``; a layer's own ``encoding`` still wins).
    layers
        Per-role settings shaped like ``[layers]`` in ``redline.toml`` (a text
        value is a path); merged over the file's, role by role.
    spill, spill_dir, spill_over
        Roles not to hold in memory (large farmland layers) when the dataset's files
        hold more than ``spill_over`` features in all: each is read in windows into
        GeoParquet files under ``spill_dir`` (:mod:`redline.io.spill`); its layer's
        ``frame`` is empty and its ``spill`` gives the features back. A GeoParquet
        source is read whole.
    outside_paths
        Allow ``redline.toml`` to name, and symlinks to reach, files outside the
        dataset folder; without it such a file is an error (kind ``outside_dataset``).

    Returns
    -------
    Dataset
        Layers in the working CRS (a zone-prefixed CGCS2000 GK zone), targets, rasters
        and problems: ``dataset["farmland"]`` is a GeoDataFrame with canonical field
        names (:mod:`redline.schema`); ``dataset.problems`` and ``dataset.errors`` list
        what was found wrong. A dataset with errors cannot be checked.

    Raises
    ------
    InputError
        ``path`` does not exist or is not a dataset.
    ConfigError
        ``redline.toml`` or ``layers`` is malformed.
    CRSError
        ``crs`` is not a CRS.

    Examples
    --------
    >>> import redline
    >>> ds = redline.read_dataset("data/samples/tiedong")
    >>> ds.working_crs, sorted(ds.layers)[:3]
    ('EPSG:4529', ['admin', 'approvals', 'basic_farmland'])
    >>> ds.layers["approvals"].encoding, ds.layers["approvals"].encoding_detected
    ('gbk', True)
    >>> approvals = ds["approvals"]
    >>> {"approval_id", "approved_on", "basic_farmland_approved"} <= set(approvals.columns)
    True
    """
    if is_database_url(path):
        return read_postgis(str(path), crs=crs, layers=layers)
    path = Path(path)
    database = _database_of(path)
    if database is not None:  # [source] url in redline.toml: the files are elsewhere
        url, toml_layers, toml_crs = database
        return read_postgis(url, crs=crs or toml_crs, layers={**toml_layers, **(layers or {})})
    if not path.exists():
        raise InputError("the dataset does not exist", path=str(path),
                         fix="give a folder, a .gpkg, a .gdb or a .zip of a folder")
    if crs is not None:
        crs = crsmod.parse_crs(crs, path=str(path))
    if encoding is not None:
        encoding = check_encoding(encoding, where="encoding", path=str(path))
    with _opened(path) as (root, shown, zipped):
        return _read(path, root, shown, zipped, crs=crs, encoding=encoding, layers=layers,
                     spill=frozenset(spill) if spill_dir is not None else frozenset(),
                     spill_dir=None if spill_dir is None else Path(spill_dir),
                     spill_over=spill_over, outside_paths=outside_paths)


def _read(path: Path, root: Path, shown: str, zipped: tuple[Path, Path] | None, *,
          crs: str | None,
          encoding: str | None, layers: Mapping[str, str | Mapping[str, Any]] | None,
          spill: frozenset[str] = frozenset(), spill_dir: Path | None = None,
          spill_over: int = 0, outside_paths: bool = False) -> Dataset:
    config, found, folder = _scan_root(path, root, shown, zipped)
    if layers:
        config = merge_layers(config, layers)

    resolved: list[Problem] = []
    sources = resolve_sources(config, found, folder, shown, resolved,
                              outside_paths=outside_paths)
    # A file redline.toml maps is not "ignored", whatever its name.
    mapped = {src.display for src in sources.values()}
    problems = [p for p in found.problems
                if not (p.kind in ("ignored", "not_read") and p.path in mapped)]
    problems += resolved
    if not sources and not problems:
        problems.append(Problem(shown, "no layer found: no file is named after a role",
                                "name files admin, farmland (or DLTB), basic_farmland, "
                                f"approvals, supply, changes, supplement, or map them in "
                                f"{CONFIG_NAME}", "error", kind="no_layers"))

    default_crs = crs or config.crs
    default_enc = encoding or config.encoding
    large = bool(spill) and (not spill_over
                             or _header_count(sources.values(), default_enc) > spill_over)
    later = {role: src for role, src in sources.items()
             if large and role in spill and spill_dir is not None and can_spill(src)}
    read: dict[str, Layer] = {}
    digests: list[tuple[Layer, Future[str]]] = []
    now = {role: src for role, src in sources.items() if role not in later}
    for role, (layer, layer_problems) in _read_layers(now, config, crs=default_crs,
                                                      encoding=default_enc,
                                                      digests=digests).items():
        if layer is not None:
            settle_datum(layer, config.layers.get(role, LayerSpec()).towgs84
                         or config.towgs84)
            read[role] = layer
        else:
            problems.extend(layer_problems)
    for layer, digest in digests:  # hashed beside the reading; the first layer need not wait
        layer.sha256 = digest.result()

    extents = [_file_extent(src, config.layers.get(role, LayerSpec()), default_crs,
                            default_enc) for role, src in later.items()]
    working = choose_working_crs(read, problems, shown,
                                 extra=[e for e in extents if e is not None])
    boxes = reproject(read, working, problems)
    _spill(later, config, read, boxes, problems, folder=spill_dir or Path(),
           working=working, crs=default_crs, encoding=default_enc)
    check_overlap(read, boxes, problems)
    read = {role: read[role] for role in sources if role in read}
    if "supplement" in read:
        problems.extend(read_unit(read["supplement"],
                                  config.layers.get("supplement", LayerSpec()).unit))

    dataset = Dataset(path=str(path), working_crs=working, layers=read, problems=problems,
                      planned_ha=dict(config.planned_ha))
    _read_extras(dataset, config, found, folder, shown=shown, zipped=zipped,
                 outside_paths=outside_paths)
    return dataset


#: Threads reading layers at once: GDAL's reading, WKB decoding and geometry checks
#: release the GIL, so the largest layer (farmland) is read beside the others.
_READERS = 2


def _read_layers(sources: Mapping[str, Source], config: Config, *, crs: str | None,
                 encoding: str | None, digests: list[tuple[Layer, Future[str]]]
                 ) -> dict[str, tuple[Layer | None, list[Problem]]]:
    """Read each source's layer, two at a time, largest first; results in ``sources``' order.

    Each read keeps its own problems (they name its file), so a layer's problems are
    the same whichever thread read it and whatever ran beside it.
    """
    def one(role: str) -> tuple[Layer | None, list[Problem]]:
        got: list[tuple[Layer, Future[str]]] = []
        out = read_layer(sources[role], config.layers.get(role, LayerSpec()), crs=crs,
                         encoding=encoding, digests=got)
        pending[role] = got
        return out

    pending: dict[str, list[tuple[Layer, Future[str]]]] = {}
    if len(sources) < 2:
        done = {role: one(role) for role in sources}
    else:
        size = {role: _source_size(src) for role, src in sources.items()}
        with ThreadPoolExecutor(max_workers=_READERS,
                                thread_name_prefix="redline-read") as pool:
            futures = {role: pool.submit(one, role)
                       for role in sorted(sources, key=lambda r: -size[r])}
            done = {role: futures[role].result() for role in sources}
    for role in sources:
        digests.extend(pending.get(role, []))
    return done


def _source_size(src: Source) -> int:
    """Features in a source by its header (0 when unknown), to read the largest first."""
    with contextlib.suppress(Exception):  # unreadable: its read reports it
        if src.kind not in ("coordtxt", "parquet"):
            return int(preflight(src, None).get("features") or 0)
    return 0


def _database_of(path: Path) -> tuple[str, dict[str, Any], str | None] | None:
    """Return the ``[source] url`` of a folder's redline.toml, its [layers] and crs."""
    toml = path / CONFIG_NAME
    if not toml.is_file():
        return None
    config = load_config(toml)
    if config.url is None:
        return None
    raw = tomllib.loads(toml.read_bytes().decode("utf-8-sig"))
    return config.url, dict(raw.get("layers", {})), config.crs


def _scan_root(path: Path, root: Path, shown: str, zipped: tuple[Path, Path] | None
               ) -> tuple[Config, Found, Path]:
    """Find what a dataset holds: its redline.toml, its sources, the folder paths start at."""
    found = Found()
    if filegdb.is_gdb_dir(root) or _bare_gdb(root):
        # A FileGDB as the dataset (or a zip of one): its layers by role, no redline.toml.
        # GDAL opens a folder only by its .gdb name; tables at a zip's top, in the zip.
        config = Config()
        gdal = str(root) if filegdb.is_gdb_dir(root) or zipped is None \
            else filegdb.gdal_path(zipped[0], "")
        scan_gdb(gdal, root, shown, found)
        folder = root.parent
    elif root.is_file():
        if root.suffix.lower() != ".gpkg":
            raise InputError("not a dataset: expected a folder, a .gpkg or a .zip",
                             path=str(path), fix="point at the county's folder")
        config = Config()
        scan_file(root, shown, found)
        folder = root.parent
    else:
        config = load_config(root / CONFIG_NAME)
        for p in sorted(root.iterdir(), key=lambda q: q.name):
            if p.is_file():
                scan_file(p, f"{shown}/{p.name}", found)
            elif p.is_dir():
                scan_dir(p, f"{shown}/{p.name}", found)
        folder = root
    return config, found, folder


def _bare_gdb(root: Path) -> bool:
    """Tell a folder holding a FileGDB's tables at its top (an Esri ``.gdb.zip`` unpacked)."""
    return root.is_dir() and any(p.suffix.lower() == ".gdbtable" for p in root.iterdir())


def _header_count(sources: Iterable[Source], encoding: str | None) -> int:
    """Features in all the sources, by their files' headers (before any filter)."""
    total = 0
    for src in sources:
        with contextlib.suppress(Exception):  # unreadable: its read reports it
            total += int(preflight(src, encoding).get("features") or 0)
    return total


def _spill(later: Mapping[str, Source], config: Config, read: dict[str, Layer],
           boxes: dict[str, crsmod.Bounds], problems: list[Problem], *, folder: Path,
           working: str, crs: str | None, encoding: str | None) -> None:
    """Read the ``later`` layers window by window onto disk, in the working CRS."""
    for role, src in later.items():
        layer, layer_problems = spill_layer(src, config.layers.get(role, LayerSpec()),
                                            folder=folder / role, working=working,
                                            crs=crs, encoding=encoding)
        if layer is None:
            problems.extend(layer_problems)
            continue
        read[role] = layer
        if layer.spill is not None and layer.spill.bounds is not None:
            boxes[role] = layer.spill.bounds


def _file_extent(src: Source, spec: LayerSpec, crs: str | None, encoding: str | None
                 ) -> tuple[crsmod.Bounds, str] | None:
    """Return a layer's extent and CRS from its file's header, when both are known."""
    try:
        meta = preflight(src, spec.encoding or encoding)
    except Exception:  # unreadable: its read reports it
        return None
    source = spec.crs or meta.get("crs") or crs
    bounds = meta.get("total_bounds")
    if source is None or bounds is None or not np.all(np.isfinite(bounds)):
        return None
    box = (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))
    area = crsmod.crs_extent(str(source))
    if area is not None and not crsmod.boxes_overlap(box, area):
        return None  # in no place its CRS covers: its read says so, not the working CRS
    return box, str(source)


def _read_extras(dataset: Dataset, config: Config, found: Found, folder: Path, *,
                 shown: str, zipped: tuple[Path, Path] | None,
                 outside_paths: bool = False) -> None:
    def refused(p: Path, display: str, role: str) -> bool:
        real = None if outside_paths else outside(folder, p)
        if real is not None:
            dataset.problems.append(Problem(display, f"the file of {role} lies outside the "
                                            f"dataset folder ({real})", OUTSIDE_FIX, "error",
                                            role=role, kind="outside_dataset"))
        return real is not None

    def in_place(p: Path) -> str:
        # A file inside a zipped dataset is named in the zip, not in the extract,
        # which is gone once the dataset is read (GDAL reads /vsizip/ paths).
        if zipped is None:
            return str(p)
        return f"/vsizip/{zipped[0]}/{p.relative_to(zipped[1]).as_posix()}"

    for role in RASTER_ROLES:
        spec = config.layers.get(role)
        if spec is not None and spec.path is not None:
            p = folder / spec.path
            if refused(p, f"{shown}/{spec.path}", role):
                continue
            if p.is_file():
                dataset.rasters[role] = in_place(p)
            else:
                dataset.problems.append(Problem(f"{shown}/{spec.path}",
                                                f"the raster mapped to {role} does not exist",
                                                f"correct [layers.{role}] path", "error",
                                                role=role, kind="missing_file"))
            continue
        claims = found.rasters.get(role, [])
        if len(claims) > 1:
            dataset.problems.append(Problem(shown, f"{len(claims)} rasters claim {role}",
                                            "keep one", "error", role=role,
                                            kind="role_conflict"))
        if claims and not refused(claims[0], str(claims[0]), role):
            dataset.rasters[role] = in_place(claims[0])

    _read_standards(dataset, config, folder, shown=shown)

    spec = config.layers.get("targets", LayerSpec())
    targets = folder / spec.path if spec.path is not None else (
        found.targets[0] if found.targets else None)
    if targets is None:
        return
    display = f"{shown}/{targets.relative_to(folder).as_posix()}" \
        if targets.is_relative_to(folder) else str(targets)
    if refused(targets, display, "targets"):
        return
    if not targets.is_file():
        dataset.problems.append(Problem(display, "the targets table does not exist",
                                        "correct [layers.targets] path", "error",
                                        role="targets", kind="missing_file"))
        return
    table, problems = read_targets(targets, display, encoding=spec.encoding)
    dataset.targets = table
    dataset.targets_path = display if zipped is None else in_place(targets)
    dataset.problems.extend(problems)


def _read_standards(dataset: Dataset, config: Config, folder: Path, *, shown: str) -> None:
    """Read the site's standard tables of ``[standards]`` (a bad one is an error problem)."""
    from redline import standards
    from redline.errors import ConfigError
    from redline.io.digest import sha256_file

    spec = config.standards
    dataset.industry_classification = spec.industry_codes
    paths = spec.paths()
    if not paths:
        return
    files = {name: folder / rel for name, rel in paths.items()}
    for name, p in files.items():
        display = (f"{shown}/{p.relative_to(folder).as_posix()}"
                   if p.resolve().is_relative_to(folder.resolve()) else str(p))
        if not p.is_file():
            dataset.problems.append(Problem(display, f"the {name} standard table does not exist",
                                            f"correct [standards] {name} in {CONFIG_NAME}",
                                            "error", kind="missing_file"))
            return
        dataset.standards_files[name] = (display, sha256_file(p))
    try:
        dataset.standards = standards.load(
            **{k: str(v) for k, v in files.items()},
            classification=cast("Any", spec.classification))
    except (InputError, ConfigError) as ex:
        where = ex.path or shown
        dataset.problems.append(Problem(str(where), ex.problem, ex.fix or "", "error",
                                        kind="bad_standards"))
