"""The samples tool: synthetic counties written into a folder, the committed samples among them.

The counties come from :mod:`redline.synthetic`; this writes them into ``outdir/name``
(built beside it and renamed into place), refusing a folder that holds something unless
``overwrite``, and then any but one redline wrote (its ``.redline`` file). Regenerate the
committed samples with ``redline samples data/samples --overwrite`` (or
``python -m redline.tools.samples data/samples``).

Examples
--------
>>> import tempfile
>>> import redline
>>> info = redline.make_county(tempfile.mkdtemp(), name="demo", admin_code="210302", seed=1,
...                            n_farmland=400, n_parcels=40, evidence="none", plant=False)
>>> info.counts["approvals"]  # one approval per parcel site
40
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redline.errors import ConfigError
from redline.synthetic.county import build_county
from redline.synthetic.files import write_county
from redline.synthetic.specs import SAMPLES, EvidenceKind, Fmt, Style

log = logging.getLogger(__name__)


@dataclass
class CountyInfo:
    """What :func:`make_county` wrote."""

    path: Path  # the dataset: a folder (shapefiles or a GeoPackage beside targets.csv)
    files: list[Path]
    counts: dict[str, int]
    planted: list[dict[str, Any]] = field(default_factory=list)


def make_county(outdir: str | Path, *, name: str, admin_code: str, seed: int,
                n_farmland: int = 3000, n_parcels: int = 300, fmt: Fmt = "gpkg",
                origin: tuple[float, float] = (41_500_000.0, 4_550_000.0),
                style: Style = "canonical", evidence: EvidenceKind = "class",
                county_name: str | None = None,
                townships: tuple[tuple[str, str], ...] | None = None,
                patch_m: float = 110.0, pixel_m: float = 10.0, urban: float = 0.35,
                change_share: float = 0.7, recent_share: float = 0.3,
                recent_on_farmland: bool = True, messy: bool = False, plant: bool = True,
                farmland_target_factor: float = 0.98, accountability_over: bool | None = None,
                quota_over: bool | None = None, overwrite: bool = False) -> CountyInfo:
    """Generate one synthetic county into ``outdir/name``.

    Parameters
    ----------
    outdir
        Parent folder; the dataset is written to ``outdir/name`` through a
        temporary folder renamed at the end (:func:`redline.io.outputs.staged_dir`).
        An existing ``outdir/name`` is replaced only with ``overwrite`` and only
        when redline wrote it (its ``.redline`` file).
    name, admin_code
        Folder name and 6-digit county code (townships get code + 3 digits).
    seed
        Seed of the numpy generator: the same seed gives the same county.
    n_farmland
        About how many DLTB patches (all land classes) to make; sets the county size
        with ``patch_m`` (the mean patch side, m).
    n_parcels
        Background sites, each one approval tiled by zero, one or two supply parcels.
    fmt, style
        ``"gpkg"``: one GeoPackage with role-named layers; ``"shp"``: shapefiles.
        ``style`` sets field names and values: ``"standard"`` (三调 names, Chinese
        values, GBK without .cpg), ``"canonical"`` (docs/contract.md names, English
        values), ``"short"`` (canonical names cut to 10 characters, Chinese UTF-8).
    evidence
        ``"class"`` (uint8, 1 = built), ``"probability"`` (float 0-1) or ``"none"``.
    urban, change_share, recent_share, recent_on_farmland
        Size of the urban core (in county radii); share of supplied sites started
        within the last year (each with a change patch); share of unsupplied
        approvals approved in the as-of year; whether this year's started sites may
        lie on farmland (False keeps the accountability ratio high).
    accountability_over
        Expected outcome of the accountability ratio, recorded in planted.json
        (None: not recorded).
    quota_over
        Plant ``quota_overrun``: the quota released for the as-of year is set 2 ha under
        (True) or 0.1 ha over (False) the land approved in it by the as-of date, and the
        outcome recorded in planted.json (None: targets.csv as drawn, nothing recorded).
    messy
        Plant invalid and null geometries, a duplicate id and drop the approvals .prj.
    plant
        Plant the cases of ``planted.json`` (needs a county of some 40 km2 or more).

    Returns
    -------
    CountyInfo
    """
    from redline.io import outputs

    if fmt not in ("shp", "gpkg"):
        raise ConfigError(f"fmt was {fmt!r} but is expected to be 'shp' or 'gpkg'")
    target = Path(outputs.path_text(outdir, option="OUTDIR")) / name
    with outputs.staged_dir(target, overwrite=overwrite, tool="redline samples",
                            option="OUTDIR") as tmp:
        county = build_county(name=name, admin_code=admin_code, seed=seed,
                              n_farmland=n_farmland, n_parcels=n_parcels, origin=origin,
                              county_name=county_name, townships=townships, patch_m=patch_m,
                              urban=urban, change_share=change_share,
                              recent_share=recent_share,
                              recent_on_farmland=recent_on_farmland, messy=messy, plant=plant,
                              farmland_target_factor=farmland_target_factor,
                              accountability_over=accountability_over,
                              quota_over=quota_over)
        files = write_county(county, tmp, fmt=fmt, style=style, evidence=evidence,
                             pixel_m=pixel_m, messy=messy)
    files = [target / f.name for f in files]
    counts = {role: len(frame) for role, frame in county.layers.items()}
    log.info("wrote %s: %s", target, counts)
    return CountyInfo(target, files, counts, county.planted)


def make_sample(outdir: str | Path, name: str, *, n_farmland: int | None = None,
                n_parcels: int | None = None, seed: int | None = None,
                overwrite: bool = False) -> CountyInfo:
    """Generate one of the committed sample counties (:data:`SAMPLES`) into ``outdir/name``."""
    if name not in SAMPLES:
        raise ConfigError(f"county was {name!r} but is expected to be one of {sorted(SAMPLES)}")
    spec = SAMPLES[name]
    return make_county(
        outdir, name=spec.name, admin_code=spec.admin_code,
        seed=spec.seed if seed is None else seed,
        n_farmland=spec.n_farmland if n_farmland is None else n_farmland,
        n_parcels=spec.n_parcels if n_parcels is None else n_parcels,
        fmt=spec.fmt, origin=spec.origin, style=spec.style, evidence=spec.evidence,
        county_name=spec.county_name, townships=spec.townships, urban=spec.urban,
        change_share=spec.change_share, recent_share=spec.recent_share,
        recent_on_farmland=spec.recent_on_farmland, messy=spec.messy,
        farmland_target_factor=spec.farmland_target_factor,
        accountability_over=spec.accountability_over, quota_over=spec.quota_over,
        overwrite=overwrite)


def make_samples(outdir: str | Path, *, overwrite: bool = False) -> dict[str, CountyInfo]:
    """Generate all committed sample counties into ``outdir``."""
    return {name: make_sample(outdir, name, overwrite=overwrite) for name in SAMPLES}


def main(argv: list[str] | None = None) -> int:
    """``python -m redline.tools.samples OUTDIR``: regenerate the committed samples in OUTDIR."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m redline.tools.samples OUTDIR", file=sys.stderr)
        return 2
    for name, info in make_samples(args[0], overwrite=True).items():
        print(f"{name}: {info.path} {info.counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
