"""targets.csv: each county's protection targets and construction-land quota, by year."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from redline.io.encoding import (
    decode_table,
)
from redline.io.values import parse_codes, parse_numbers
from redline.model import Problem
from redline.schema import (
    TARGET_COLUMNS,
)

if TYPE_CHECKING:
    pass


def read_targets(path: Path, display: str, *, encoding: str | None = None
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``targets.csv`` (UTF-8, UTF-8 with BOM, or GBK) with typed columns."""
    problems: list[Problem] = []
    try:
        text, _ = decode_table(path.read_bytes(), encoding=encoding)
        rows = list(csv.reader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error, OSError) as ex:
        reason = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        problems.append(Problem(display, f"cannot read the table ({reason})",
                                "save it as CSV in UTF-8 or GBK", "error", role="targets",
                                kind="unreadable"))
        return None, problems
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        problems.append(Problem(display, "the table is empty (no header row)",
                                f"write the header {','.join(TARGET_COLUMNS)} and a row per "
                                "admin unit and year, or delete the file", "error",
                                role="targets", kind="unreadable"))
        return None, problems
    header, body = rows[0], rows[1:]
    ragged = [i for i, r in enumerate(body) if len(r) != len(header)]
    problems.extend(
        Problem(display, f"row {i + 1} has {len(body[i])} cells, the header {len(header)}: "
                "not read", "give the row one cell per column", "warning", role="targets",
                kind="bad_value")
        for i in ragged)
    skip = set(ragged)
    numbers = [i + 1 for i in range(len(body)) if i not in skip]  # data rows, from 1
    table = pd.DataFrame([body[i - 1] for i in numbers], columns=header, dtype=str)
    table.columns = [c.strip().lower() for c in table.columns]
    absent = [c for c in TARGET_COLUMNS if c not in table.columns]
    if absent:
        problems.append(Problem(display, f"columns missing: {', '.join(absent)}",
                                f"add them (expected: {', '.join(TARGET_COLUMNS)})",
                                "warning", role="targets", kind="missing_field"))
    out = table.copy()
    for col in TARGET_COLUMNS:
        if col not in out.columns:
            continue
        if col == "admin_code":
            out[col], bad = parse_codes(out[col])
        elif col == "year":
            years, bad = parse_numbers(out[col], low=1900, high=2100)
            out[col] = years.round().astype("Int64")
        else:  # hectares
            out[col], bad = parse_numbers(out[col], low=0)
        problems.extend(
            Problem(display, f"row {numbers[i]}: {col} {msg}", "correct the value", "warning",
                    role="targets", kind="bad_value")
            for i, msg in zip(np.flatnonzero(bad != ""), bad[bad != ""], strict=True)
        )
    return out, problems
