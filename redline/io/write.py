"""Writing outputs: atomically, so an interrupted run never leaves half a file or folder."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from redline.errors import InputError, OutputExistsError


def sha256_file(path: str | os.PathLike[str], *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def staged_dir(out: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` that replaces ``out`` only on success.

    Raises
    ------
    OutputExistsError
        ``out`` exists, is not empty, and ``overwrite`` is false.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(
            "the output path exists and is a file",
            path=str(out),
            fix="give a folder path for --out",
        )
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(
            "the output folder exists and is not empty",
            path=str(out),
            fix="choose another --out folder or pass --overwrite",
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as ex:
        raise InputError(f"cannot create the output folder ({ex.strerror})", path=str(out),
                         fix="check the path and its permissions") from ex
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _atomic(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes through a temporary file and rename."""
    path = Path(path)
    tmp = _atomic(path)
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write text through a temporary file and rename."""
    return write_bytes(path, text.encode(encoding))


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write JSON in UTF-8 with Chinese kept as is (not escaped)."""
    return write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def write_csv(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """Write CSV as UTF-8 with BOM, so Excel opens Chinese text correctly."""
    path = Path(path)
    tmp = _atomic(path)
    frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    tmp.replace(path)
    return path


def write_gpkg(path: str | os.PathLike[str], layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers into one GeoPackage (through a temporary file)."""
    path = Path(path)
    tmp = _atomic(path).with_suffix(".gpkg")
    if tmp.exists():
        tmp.unlink()
    for name, frame in layers.items():
        frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    tmp.replace(path)
    return path


def write_xlsx(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
) -> Path:
    """Write sheets to an .xlsx with a frozen, bold header row and fitted column widths."""
    from openpyxl.styles import Font

    path = Path(path)
    tmp = _atomic(path).with_suffix(".xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            ws = writer.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for i, column in enumerate(frame.columns, start=1):
                values = [str(column), *map(str, frame[column].head(200).tolist())]
                width = max(_display_width(v) for v in values) + 2
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(width, 60)
    tmp.replace(path)
    return path


def _display_width(text: str) -> int:
    """Width in Excel columns: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
