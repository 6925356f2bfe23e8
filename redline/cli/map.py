"""``redline map``: an interactive inspection map of a dataset or a check output folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from redline.cli.options import lang_option
from redline.text import Lang

if TYPE_CHECKING:
    from redline.report.map import Basemap


@click.command("map")
@click.argument("source", metavar="DATASET|DIR", type=click.Path(exists=True, path_type=str))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="The HTML file to write.")
@click.option("--offline/--online", "offline", default=None,
              help="Inline Leaflet so the page opens with no network (default: offline unless "
                   "--basemap osm|tianditu).")
@click.option("--basemap", type=click.Choice(["none", "osm", "tianditu"]), default="none",
              show_default=True,
              help="Background tiles; tianditu reads its key from TIANDITU_KEY.")
@lang_option
@click.option("--title", default=None, help="Page title (default: the dataset's name).")
@click.option("--overwrite", is_flag=True,
              help="Replace the --out file if it is a page redline wrote.")
def map_command(*, source: str, out: str, offline: bool | None, basemap: Basemap, lang: Lang,
                title: str | None, overwrite: bool) -> None:
    """Write an interactive map of DATASET, or of the output DIR of `redline check`."""
    import redline

    path = redline.make_map(source, out, offline=offline, basemap=basemap, lang=lang,
                            title=title, overwrite=overwrite)
    click.echo(f"map written to {path}")
