"""The report tool: a check output folder (and an earlier one) in, the inspection report out."""

from __future__ import annotations

import os
from pathlib import Path

from redline.io.outputs import check_out_file
from redline.io.results import read_results
from redline.io.write import write_text
from redline.report.html import render_report
from redline.text import Lang, check_lang


def write_report(
    run_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    previous: str | os.PathLike[str] | None = None,
    lang: Lang = "zh",
    overwrite: bool = False,
) -> Path:
    """Write the inspection report (one self-contained HTML page) of a check output folder.

    ``redline check`` already writes ``report.html``; this writes it again, for
    example in the other language or compared with an earlier run.

    Parameters
    ----------
    run_dir
        The output folder of :func:`redline.check`.
    out
        The HTML file to write.
    previous
        An earlier check output folder: findings are marked new, persisting or
        resolved, and each county's totals are compared.
    lang
        Language of the page.
    overwrite
        Replace ``out`` if it exists and is a page redline wrote (its generator mark).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    OutputPathError
        ``out`` is a file the report is made from.
    OutputExistsError
        ``out`` exists, and ``overwrite`` is false or redline did not write it.
    InputError
        ``run_dir`` or ``previous`` is not a check output folder.

    Examples
    --------
    >>> import tempfile
    >>> import redline
    >>> out = tempfile.mkdtemp()
    >>> _ = redline.check("data/samples/tiedong", f"{out}/run", as_of="2026-06-30")
    >>> page = redline.write_report(f"{out}/run", f"{out}/report-en.html", lang="en")
    >>> "<html" in page.read_text(encoding="utf-8")[:200].lower()
    True
    """
    lang = check_lang(lang)
    inputs = [run_dir, previous]
    target = check_out_file(out, overwrite=overwrite, inputs=inputs)
    current = read_results(run_dir)
    earlier = read_results(previous) if previous is not None else None
    page = render_report(current, lang=lang, previous=earlier)
    check_out_file(out, overwrite=overwrite, inputs=inputs)  # still free to write
    write_text(target, page)
    return Path(out)
