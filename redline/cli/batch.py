"""``redline batch``: check every county under a folder, in parallel, and roll the results up."""

from __future__ import annotations

import datetime
import sys

import click

from redline.cli.options import as_of_option, lang_option
from redline.text import Lang


@click.command("batch")
@click.argument("root", type=click.Path(path_type=str))
@click.option("--out", "out", required=True, type=click.Path(path_type=str),
              help="Output folder: one subfolder per county plus the roll-up.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes of the local pool [default: the CPU count].")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a dask.distributed scheduler instead, e.g. tcp://10.0.0.5:8786; "
              "a large county's tiles then run as tasks of their own on the same cluster.")
@click.option("--resume", is_flag=True,
              help="Skip counties whose output is complete and whose inputs are unchanged.")
@click.option("--overwrite", is_flag=True,
              help="Run every county again into a non-empty --out an earlier batch wrote.")
@as_of_option
@lang_option
def batch(*, root: str, out: str, workers: int | None, scheduler: str | None, resume: bool,
          overwrite: bool, as_of: datetime.date | None, lang: Lang) -> None:
    """Check each county dataset under ROOT (subfolders, .gpkg or .zip files, or batch.toml).

    A county that fails is reported and the others finish; the exit code is 1
    when any county failed.
    """
    import redline

    run = redline.run_batch(root, out, workers=workers, scheduler=scheduler, resume=resume,
                            overwrite=overwrite, as_of=as_of, lang=lang)
    done = sum(c.status == "finished" for c in run.counties)
    skipped = sum(c.status == "skipped" for c in run.counties)
    click.echo(f"{done} counties checked, {skipped} unchanged, {len(run.failed)} failed; "
               f"roll-up in {run.out}")
    for county in run.failed:
        click.echo(f"  failed {county.name}: {county.reason}", err=True)
    if run.failed:
        sys.exit(1)
