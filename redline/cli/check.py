"""``redline check``: run every check on a county dataset and write the outputs."""

from __future__ import annotations

import datetime

import click

from redline.cli.options import as_of_option, lang_option


@click.command("check")
@click.argument("dataset", type=click.Path(path_type=str))
@click.option("--out", "out", required=True, type=click.Path(path_type=str),
              help="Output folder: new, empty, or redline's own with --overwrite; never an input.")
@as_of_option
@lang_option
@click.option("--overwrite", is_flag=True,
              help="Replace an output folder redline wrote (one holding .redline).")
@click.option("--sliver", "sliver_m2", type=float, default=None, show_default=False,
              help="Ignore overlaps under this many m2 (default: redline.settings.sliver_m2).")
@click.option("--jobs", "n_jobs", type=click.IntRange(1), default=1, show_default=True,
              help="Threads for the geometry work.")
@click.option("--tiles", "tiles", default="auto", show_default=True, metavar="auto|none|NXxNY",
              callback=lambda ctx, param, value: _parse_tiles(value),
              help="Run the overlap rules in spatial tiles (same results; on a cluster the "
              "tiles spread over the workers): auto tiles only very large counties.")
def check_command(dataset: str, out: str, as_of: datetime.date | None, lang: str,
                  overwrite: bool, sliver_m2: float | None, n_jobs: int,
                  tiles: str | tuple[int, int] | None) -> None:
    """Check DATASET (a folder or GeoPackage) and write findings, summary and run.json to --out."""
    from redline import settings
    from redline.tools.check import check

    run = check(dataset, out, as_of=as_of, lang=lang,  # type: ignore[arg-type]
                      overwrite=overwrite,
                      sliver_m2=settings.sliver_m2 if sliver_m2 is None else sliver_m2,
                      n_jobs=n_jobs, tiles=tiles)
    total = len(run.findings)
    click.echo(f"{total} findings in {run.out}")
    for rule, n in run.run["findings_by_rule"].items():
        click.echo(f"  {rule}: {n}")
    for item in run.run["skipped"]:
        click.echo(f"  skipped {item['rule']}: {item['reason']}")


def _parse_tiles(value: str) -> str | tuple[int, int] | None:
    text = value.strip().lower()
    if text in ("auto", "none"):
        return None if text == "none" else "auto"
    try:
        nx, ny = (int(v) for v in text.split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: use auto, none or a grid such as 4x4") from None
    if nx < 1 or ny < 1:
        raise click.BadParameter(f"{value!r}: a grid needs at least 1x1")
    return (nx, ny)
