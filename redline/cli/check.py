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
@click.option("--schema", default=None, metavar="NAME",
              help="Schema of a postgresql:// DATASET holding the county's tables (or "
              "?schema= in the URL; default public).")
@click.option("--out-db", "out_db", default=None, metavar="URL",
              help="Also write findings, features and summary into this PostGIS database: "
              "schema ?schema= in the URL, else the source schema + _redline; tables "
              "replaced in one transaction.")
@click.option("--previous", "previous", default=None, metavar="PREV_RESULT_DIR",
              type=click.Path(file_okay=False, path_type=str),
              help="The last round's output folder, verdicts imported: carry each verdict "
              "to this round's findings on the same land and compare the rounds.")
@click.option("--overwrite", is_flag=True,
              help="Replace an output folder redline wrote (one holding .redline).")
def check_command(dataset: str, out: str, schema: str | None, out_db: str | None,
                  previous: str | None, overwrite: bool, **options: Any) -> None:
    """Check DATASET and write findings, summary and run.json to --out.

    DATASET is a folder, a GeoPackage, a zip of a folder, or a PostGIS database
    (postgresql://USER@HOST:PORT/DATABASE?schema=SCHEMA).
    """
    import redline

    run = redline.check(dataset, out, schema=schema, out_db=out_db, previous=previous,
                        overwrite=overwrite, **options)
    click.echo(f"{len(run.findings)} findings in {run.out}")
    for rule, n in run.run["findings_by_rule"].items():
        click.echo(f"  {rule}: {n}")
    for item in run.run["skipped"]:
        click.echo(f"  skipped {item['rule']}: {item['reason']}")
    if "previous" in run.run:
        carried = run.run["previous"]
        click.echo(f"{carried['matched']} findings on land found before, {carried['carried']} "
                   f"with a verdict carried from {carried['path']}")
    if "out_db" in run.run:
        written = run.run["out_db"]
        click.echo(f"tables {', '.join(written['tables'])} written to {written['url']} "
                   f"(schema {written['schema']})")
