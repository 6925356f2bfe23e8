"""``redline report DIR [--previous DIR] --out FILE``: the inspection report of a check run."""

from __future__ import annotations

from pathlib import Path

import click

from redline.cli.options import lang_option
from redline.text import Lang


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--previous", "previous_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="An earlier check output folder: mark findings new, "
              "persisting or resolved and compare each county's totals.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The report.html to write.")
@lang_option
@click.option("--overwrite", is_flag=True,
              help="Replace --out if it is a page redline wrote.")
def report(run_dir: Path, previous_dir: Path | None, out: Path, lang: Lang,
           overwrite: bool) -> None:
    """Write the inspection report of the check output folder RUN_DIR."""
    import redline

    written = redline.write_report(run_dir, out, previous=previous_dir, lang=lang,
                                   overwrite=overwrite)
    click.echo(str(written))
