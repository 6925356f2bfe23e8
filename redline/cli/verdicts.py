"""``redline verdicts RESULT_DIR FILE...``: field verdicts read back into a check's folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("verdicts")
@click.argument("result_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
def verdicts_command(result_dir: Path, files: tuple[Path, ...]) -> None:
    """Import the verdicts of FILES (cases.gpkg, checklist.xlsx) into RESULT_DIR.

    Every row is checked first; one bad row and nothing is imported (every bad row is
    named). Writes verdicts.csv and rewrites summary.csv, findings.xlsx and report.html.
    """
    import redline

    done = redline.import_verdicts(result_dir, list(files))
    click.echo(f"{done.imported} verdicts imported into {done.path} "
               f"({len(done.verdicts)} in verdicts.csv)")
