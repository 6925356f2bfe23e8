"""Layer sources beside GDAL's files: coordinate TXT files and attribute tables (台账).

Approved and supplied projects are exchanged as land-boundary coordinate TXT files
(:mod:`redline.io.coordtxt`), one per project, and their attributes kept apart in a
ledger (台账, an ``.xlsx`` or ``.csv``). A role's ``path`` in ``redline.toml`` may name
one ``.txt`` file or a folder of them (:func:`read_txt_layer`): each parcel is a feature
carrying its header line's fields under the format's own names (地块编号, 地块名称,
地块用途, 地类编码, 图幅号, 面积...), mapped under ``[layers.<role>.fields]`` like any
field. ``attributes = "台账.xlsx"`` joins a table to any layer on the layer's id field
(:func:`join_attributes`); every id found on one side only is a problem.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from redline.io.config import CONFIG_NAME, LayerSpec
from redline.io.coordtxt import read_coordtxt
from redline.io.encoding import decode_table
from redline.model import Problem
from redline.schema import ID_FIELD, Role

if TYPE_CHECKING:
    from redline.io.discover import Source

#: Ids named one by one in problems at most; the rest are counted.
_NAMED_IDS = 50


def read_txt_layer(src: Source, spec: LayerSpec, problems: list[Problem]
                   ) -> tuple[gpd.GeoDataFrame, dict[str, Any], str, bool]:
    """Read a role's coordinate TXT file (or folder of them) as a raw layer frame.

    Returns the frame (the format's fields, ``_row`` and the geometry, in the CRS the
    files' headers give), the header (``total_bounds``), the encodings found and
    ``True`` (they were detected). The CRS found and why is an ``info`` problem; the
    reader's problems (bad lines, areas that disagree) are the layer's.
    """
    frame, found, meta = read_coordtxt(src.gdal, crs=spec.crs)
    problems.extend(dataclasses.replace(p, role=src.role) for p in found)
    if meta.crs is not None and spec.crs is None:
        problems.append(Problem(src.display, f"CRS {meta.crs} from the files' [属性描述]: "
                                f"{meta.crs_reason}", f'write crs = "..." under '
                                f"[layers.{src.role}] if this is wrong", "info",
                                role=src.role, kind="crs_from_header"))
    frame = frame.reset_index(drop=True)
    frame["_row"] = np.arange(len(frame), dtype=np.int64)
    encodings = sorted({f.encoding for f in meta.files})
    header: dict[str, Any] = {"features": len(frame)}
    ok = frame.geometry.notna().to_numpy() & ~frame.geometry.is_empty.to_numpy()
    if ok.any():
        header["total_bounds"] = frame.geometry[ok].total_bounds
    return frame, header, ", ".join(encodings) or "UTF-8", True


# --- attribute tables ----------------------------------------------------------------------


def read_table(path: Path, display: str) -> pd.DataFrame | Problem:
    """Read an attribute table (台账): an ``.xlsx`` first sheet or a ``.csv``, all as text.

    A CSV is UTF-8 (with or without BOM) or GB18030; an ``.xlsx`` is read through GDAL's
    XLSX driver, its first row the header, every cell as text.
    """
    low = path.name.lower()
    try:
        if low.endswith(".csv"):
            text, _ = decode_table(path.read_bytes())
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        elif low.endswith((".xlsx", ".xls", ".ods")):
            # The first row is the header and every cell text, whatever the cells hold.
            table = pd.DataFrame(pyogrio.read_dataframe(
                path, read_geometry=False, HEADERS="FORCE", FIELD_TYPES="STRING"))
        else:
            return Problem(display, "an attribute table must be a .xlsx or .csv file",
                           "save the table as .xlsx or .csv", "error", kind="attributes")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pyogrio.errors.DataSourceError) as ex:
        return Problem(display, f"cannot read the attribute table ({ex})",
                       "check the file opens in Excel", "error", kind="attributes")
    return table


def _key(values: pd.Series) -> pd.Series:
    """Ids as text to match on: trimmed, and 12.0 read from a number cell as 12."""
    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        return text or None
    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def join_attributes(raw: gpd.GeoDataFrame, src: Source, problems: list[Problem], *,
                    id_column: Callable[[list[str], bool], str | None]
                    ) -> gpd.GeoDataFrame | None:
    """Join the ``attributes`` table to the layer's features on the layer's id field.

    The table's key is the column named as the layer's id column, else the column
    the id field maps to by the same rules (``id_column(columns, truncated)``: the
    reader's field matching with ``[layers.<role>.fields]``, canonical and standard
    names). Its other columns are added where the layer has no column of
    that name, and then read like the layer's own. Every id on one side only is a
    problem (a feature without attributes, or a row without a feature); a table
    with repeated ids is an error. ``None`` (with an error) when it cannot be joined.
    """
    assert src.attributes is not None
    role = src.role
    shown = src.attributes_display or str(src.attributes)

    def problem(text: str, fix: str, level: Literal["error", "warning", "info"],
                feature_id: str = "") -> None:
        problems.append(Problem(shown, text, fix, level, role=role, feature_id=feature_id,
                                kind="attributes"))

    table = read_table(src.attributes, shown)
    if isinstance(table, Problem):
        problems.append(dataclasses.replace(table, role=role))
        return None
    role_t: Role = role  # type: ignore[assignment]
    columns = [c for c in raw.columns if c not in ("geometry", "_row")]
    layer_col = id_column(columns, src.kind == "shp")
    if layer_col is None:
        problem(f"cannot join the attributes: the layer has no id field for "
                f"{ID_FIELD[role_t]}", f"map {ID_FIELD[role_t]} under [layers.{role}.fields] "
                f"in {CONFIG_NAME}", "error")
        return None
    lower = {str(c).lower(): str(c) for c in table.columns}
    table_col = lower.get(layer_col.lower()) or id_column([str(c) for c in table.columns],
                                                          False)
    if table_col is None:
        problem(f"the attribute table has no column {layer_col!r} to join on (columns: "
                f"{', '.join(map(str, table.columns))})",
                f"name the table's id column {layer_col!r}", "error")
        return None
    keys = _key(table[table_col])
    repeated = sorted(set(keys[keys.duplicated() & keys.notna()]))
    if repeated:
        problem(f"ids repeated in the attribute table: {', '.join(repeated[:_NAMED_IDS])}",
                "keep one row per id", "error")
        return None
    ids = _key(raw[layer_col].reset_index(drop=True))
    have = set(keys.dropna())
    for fid in sorted({i for i in ids.dropna() if i not in have})[:_NAMED_IDS]:
        problem(f"feature {fid!r} has no row in the attribute table: its attributes are "
                "blank", f"add a row for {fid!r} to the table", "warning", fid)
    extra = sorted(have - set(ids.dropna()))
    for fid in extra[:_NAMED_IDS]:
        problem(f"row {fid!r} of the attribute table matches no feature of the layer",
                f"add the parcel {fid!r} to the layer, or remove the row", "warning", fid)
    missing = sum(1 for i in ids.dropna() if i not in have)
    for count, side in ((missing, "features without a row"), (len(extra), "rows without a "
                                                                           "feature")):
        if count > _NAMED_IDS:
            problem(f"{count} {side} in all ({_NAMED_IDS} named above)", "", "warning")
    own = {str(c).lower() for c in raw.columns}
    added = [c for c in table.columns if str(c).lower() not in own and c != table_col]
    right = table[added].copy()
    right.index = keys.to_numpy()
    right = right[right.index.notna()]
    joined = right.reindex(ids.to_numpy())
    out = raw.reset_index(drop=True).copy()
    for c in added:
        out[str(c)] = joined[c].to_numpy(dtype=object)
    return out
