"""``redline check``: run every check on a county dataset and write the outputs."""

from __future__ import annotations

from typing import Any

import click

from redline.cli.options import check_options


@click.command("check")
@click.argument("dataset", type=click.Path(path_type=str))
@click.option("--out", "out", required=True, type=click.Path(path_type=str),
              help="Output folder: new, empty, or redline's own with --overwrite; never an input.")
@check_options
@click.option("--overwrite", is_flag=True,
              help="Replace an output folder redline wrote (one holding .redline).")
def check_command(dataset: str, out: str, overwrite: bool, **options: Any) -> None:
    """Check DATASET (a folder or GeoPackage) and write findings, summary and run.json to --out."""
    import redline

    run = redline.check(dataset, out, overwrite=overwrite, **options)
    click.echo(f"{len(run.findings)} findings in {run.out}")
    for rule, n in run.run["findings_by_rule"].items():
        click.echo(f"  {rule}: {n}")
    for item in run.run["skipped"]:
        click.echo(f"  skipped {item['rule']}: {item['reason']}")
