"""``redline report DIR [--previous DIR] --out FILE``: the inspection report of a check run."""

from __future__ import annotations

from pathlib import Path

import click

from redline.cli.options import lang_option


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--previous", "previous_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="An earlier check output folder: mark findings new, "
              "persisting or resolved and compare each county's totals.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The report.html to write.")
@lang_option
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
def report(run_dir: Path, previous_dir: Path | None, out: Path, lang: str,
           overwrite: bool) -> None:
    """Write the inspection report of the check output folder RUN_DIR."""
    from redline.errors import OutputExistsError
    from redline.io.run_dir import read_run_dir
    from redline.io.write import write_text
    from redline.report.html import render_report

    if out.exists() and not overwrite:
        raise OutputExistsError("the report file exists", path=str(out),
                                fix="choose another --out or pass --overwrite")
    current = read_run_dir(run_dir)
    previous = read_run_dir(previous_dir) if previous_dir is not None else None
    text = render_report(current, lang="en" if lang == "en" else "zh", previous=previous)
    write_text(out, text)
    click.echo(str(out))
