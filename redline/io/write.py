"""Writing outputs: atomically, so an interrupted run never leaves half a file.

Output folders are claimed, staged and replaced by :mod:`redline.io.outputs`.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

log = logging.getLogger(__name__)


def _atomic(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes through a temporary file and rename."""
    path = Path(path)
    tmp = _atomic(path)
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write text through a temporary file and rename."""
    return write_bytes(path, text.encode(encoding))


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write JSON in UTF-8 with Chinese kept as is (not escaped)."""
    return write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, "CSV
#: Injection"): such a text cell is written with a leading apostrophe, which the
#: spreadsheet shows as text. The GeoPackage keeps the value as it was.
FORMULA_STARTS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with each text cell a spreadsheet would run as a formula quoted.

    Only text columns are touched: a negative number stays a number.

    Examples
    --------
    >>> table = pd.DataFrame({"id": ["=cmd|' /C calc'!A0", "@SUM(1)", "a-1"], "x": [-1, 2, 3]})
    >>> neutralise_formulas(table).to_dict("list")
    {'id': ["'=cmd|' /C calc'!A0", "'@SUM(1)", 'a-1'], 'x': [-1, 2, 3]}
    """
    out = None
    for column in frame.columns:
        series = frame[column]
        if not (pd.api.types.is_object_dtype(series.dtype)
                or pd.api.types.is_string_dtype(series.dtype)):
            continue
        text = series.astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            out = frame.copy() if out is None else out
            out[column] = series.astype(object).where(~risky, "'" + text.astype(object))
    return frame if out is None else out


def write_csv(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """Write CSV as UTF-8 with BOM, so Excel opens Chinese text correctly.

    Text cells a spreadsheet would run as formulas are quoted
    (:func:`neutralise_formulas`); rows end in CRLF.
    """
    path = Path(path)
    tmp = _atomic(path)
    # CRLF rows (RFC 4180): a cell holding a lone CR is then quoted, not split.
    neutralise_formulas(frame).to_csv(tmp, index=False, encoding="utf-8-sig",
                                      lineterminator="\r\n")
    tmp.replace(path)
    return path


def write_gpkg(path: str | os.PathLike[str], layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers into one GeoPackage (through a temporary file)."""
    path = Path(path)
    tmp = _atomic(path).with_suffix(".gpkg")
    # Through Arrow, GDAL takes whole columns (2-3x faster on a county's 100,000-odd
    # features, the same layers); a column Arrow cannot type (objects of mixed kinds)
    # has the file written again row by row.
    for arrow in (True, False):
        if tmp.exists():
            tmp.unlink()
        try:
            for name, frame in layers.items():
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                              use_arrow=arrow)
            break
        except Exception as ex:
            if not arrow:
                raise
            log.debug("GeoPackage not written through Arrow (%r): row by row", ex)
    tmp.replace(path)
    return path


def write_xlsx(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
) -> Path:
    """Write sheets to an .xlsx with a frozen, bold header row and fitted column widths.

    Rows are streamed with XlsxWriter's constant-memory mode, so a sheet of any
    length holds one row in memory. Dates and times are written as Excel dates;
    missing values as blank cells.
    """
    import xlsxwriter

    path = Path(path)
    tmp = _atomic(path).with_suffix(".xlsx")
    # Text stays text: no formula from a leading "=", no link from a URL.
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False})
    try:
        bold = book.add_format({"bold": True})
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for name, frame in sheets.items():
            ws = book.add_worksheet(name[:31])
            ws.freeze_panes(1, 0)
            columns = [_cells(frame[c]) for c in frame.columns]
            for i, (column, cells) in enumerate(zip(frame.columns, columns, strict=True)):
                values = [str(column), *("" if v is None else str(v) for v in cells[:200])]
                ws.set_column(i, i, min(max(_display_width(v) for v in values) + 2, 60))
            ws.write_row(0, 0, [str(c) for c in frame.columns], bold)
            # Text and numbers (most cells) go straight to their writer; an empty text
            # is no cell, as ``write`` leaves it; anything else goes through ``write``.
            text, number = ws.write_string, ws.write_number
            for r, row in enumerate(zip(*columns, strict=True), start=1):
                for c, value in enumerate(row):
                    kind = value.__class__
                    if kind is str:
                        if value:
                            text(r, c, value)
                    elif kind is float or kind is int:
                        number(r, c, value)
                    elif value is None:
                        continue
                    elif isinstance(value, datetime.date):
                        whole_day = not isinstance(value, datetime.datetime) or (
                            value == datetime.datetime(value.year, value.month, value.day))
                        ws.write_datetime(r, c, value, date if whole_day else stamp)
                    else:
                        ws.write(r, c, value)
    finally:
        book.close()
    tmp.replace(path)
    return path


def _cells(series: pd.Series) -> list[Any]:
    """Turn a column into cell values: Python scalars and datetimes, missing as None."""
    if pd.api.types.is_datetime64_any_dtype(series):
        dt = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        return [None if pd.isna(v) else v.to_pydatetime() for v in dt]
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v if not isinstance(v, float) or math.isfinite(v) else None for v in values]


def _display_width(text: str) -> int:
    """Width in Excel columns: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
