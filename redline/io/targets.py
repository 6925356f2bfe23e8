"""targets.csv: each county's protection targets and construction-land quota, by year."""

from __future__ import annotations

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
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, OSError) as ex:
        problems.append(Problem(display, f"cannot read the table ({ex})",
                                "save it as CSV in UTF-8 or GBK", "error", role="targets",
                                kind="unreadable"))
        return None, problems
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
            years, bad = parse_numbers(out[col])
            out[col] = years.round().astype("Int64")
        else:
            out[col], bad = parse_numbers(out[col])
        problems.extend(
            Problem(display, f"row {i + 1}: {col} {msg}", "correct the value", "warning",
                    role="targets", kind="bad_value")
            for i, msg in zip(np.flatnonzero(bad != ""), bad[bad != ""], strict=True)
        )
    return out, problems
