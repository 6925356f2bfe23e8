"""``redline info DATASET``: the pre-flight report."""

from __future__ import annotations

import json
import sys

import click

from redline.cli.options import option


@click.command("info")
@click.argument("dataset", type=click.Path(exists=False, path_type=str))
@option("crs")
@option("encoding")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def info(dataset: str, crs: str | None, encoding: str | None, as_json: bool) -> None:
    """Show a dataset's layers, CRS, encodings, counts and problems.

    Exits 0 when the dataset can be checked (warnings allowed), 1 when any
    error was found; each error is also printed to stderr as one line.
    """
    import redline

    report = redline.info(dataset, crs=crs, encoding=encoding)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(report.to_text())
    if not report.ok:
        for problem in report.errors:
            click.echo(f"redline: error: {problem.line()}", err=True)
        sys.exit(1)
