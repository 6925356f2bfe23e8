"""``redline fieldwork RESULT_DIR --out DIR``: the files inspectors take to the field."""

from __future__ import annotations

from pathlib import Path

import click

from redline.cli.options import lang_option
from redline.text import Lang


@click.command("fieldwork")
@click.argument("result_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder to write cases.gpkg, cases.kml, checklist.xlsx and dossier.html "
              "into: new, empty, or redline's own with --overwrite.")
@click.option("--rules", "rules", default=None, metavar="RULE[,RULE...]",
              help="Send only the cases holding a finding of these rules (comma-separated "
              "codes).")
@click.option("--township", "township", default=None, metavar="CODE",
              help="Send only the cases of this admin unit (its code or first digits).")
@lang_option
@click.option("--overwrite", is_flag=True,
              help="Replace an output folder redline wrote (one holding .redline).")
def fieldwork_command(result_dir: Path, out: Path, rules: str | None, township: str | None,
                      lang: Lang, overwrite: bool) -> None:
    """Write the field files of the check output folder RESULT_DIR: one case per site.

    Findings on the same land are one case. Inspectors fill in the verdict in
    cases.gpkg (QGIS, QField) or checklist.xlsx; `redline verdicts` reads them back.
    """
    import redline

    wanted = None if rules is None else [r for r in rules.split(",") if r.strip()]
    sent = redline.fieldwork(result_dir, out, rules=wanted, township=township, lang=lang,
                             overwrite=overwrite)
    click.echo(f"{len(sent.cases)} cases in {sent.out}")
    if sent.cleared:
        click.echo(f"  not sent again (judged lawful before): {', '.join(sent.cleared)}")
