"""The files of the inspection loop: cases.gpkg, cases.kml, checklist.xlsx, verdicts.csv.

Writing
-------
- :func:`write_cases_gpkg`: the layer ``cases`` with a GeoPackage coded-value domain
  ``verdict`` (the five verdicts of :data:`redline.schema.VERDICTS`), registered as the
  GeoPackage "Schema" extension defines it (``gpkg_data_columns`` names the domain of
  the column, ``gpkg_data_column_constraints`` holds one ``enum`` row per value, both
  tables listed in ``gpkg_extensions``), which GDAL (3.3 and later) reads as a field
  domain: QGIS and QField then offer the verdict as a drop-down list.
- :func:`write_cases_kml`: a KML 2.2 document, one placemark per case (its centroid and
  boundary in WGS 84 longitude/latitude); every text is XML-escaped.
- :func:`write_checklist`: one sheet, one row per case, the verdict column a drop-down
  list (an Excel data validation of type list).

Reading
-------
:func:`read_verdict_file` reads an edited cases.gpkg or checklist.xlsx back into rows
(the file and row each came from kept, so every bad row can be named).
"""

from __future__ import annotations

import datetime
import math
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline.errors import InputError
from redline.io.write import _atomic
from redline.schema import VERDICT_FIELDS, VERDICTS

#: Name of the GeoPackage layer of cases and of its verdict domain.
CASES_LAYER: Final[str] = "cases"
VERDICT_DOMAIN: Final[str] = "verdict"
#: The GeoPackage extension that defines data columns and their constraints.
_SCHEMA_EXTENSION: Final[str] = "http://www.geopackage.org/spec/#extension_schema"

#: Columns of verdicts.csv.
VERDICTS_CSV_COLUMNS: Final[tuple[str, ...]] = (
    "case_id", "finding_ids", "admin_code", "admin_name", *VERDICT_FIELDS, "source")


# --- cases.gpkg ---------------------------------------------------------------------------


def write_cases_gpkg(path: str | os.PathLike[str], cases: gpd.GeoDataFrame) -> Path:
    """Write ``cases`` as the layer ``cases`` of a GeoPackage, ``verdict`` a coded domain.

    Written to a temporary file, the domain added with SQLite, then renamed into place.
    """
    path = Path(path)
    tmp = _atomic(path).with_suffix(".gpkg")
    tmp.unlink(missing_ok=True)
    frame = cases.copy()
    for name in VERDICT_FIELDS:  # text fields, empty until the inspector fills them in
        frame[name] = pd.Series([None if _blank(v) else str(v) for v in frame[name]],
                                index=frame.index, dtype=object)
    try:
        frame.to_file(tmp, layer=CASES_LAYER, driver="GPKG", engine="pyogrio")
        add_verdict_domain(tmp, CASES_LAYER)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def add_verdict_domain(path: str | os.PathLike[str], table: str,
                       column: str = "verdict") -> None:
    """Make ``column`` of ``table`` in a GeoPackage take its values from the verdict domain."""
    con = sqlite3.connect(os.fspath(path))
    try:
        with con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
                " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
                " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
            con.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL,"
                " column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,"
                " mime_type TEXT, constraint_name TEXT,"
                " CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),"
                " CONSTRAINT gdc_tn UNIQUE (table_name, name))")
            con.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints ("
                " constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,"
                " min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC,"
                " max_is_inclusive BOOLEAN, description TEXT,"
                " CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))")
            for name in ("gpkg_data_columns", "gpkg_data_column_constraints"):
                known = con.execute(
                    "SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name ="
                    " 'gpkg_schema'", (name,)).fetchone()
                if not known:
                    con.execute("INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?,"
                                " 'read-write')", (name, _SCHEMA_EXTENSION))
            con.execute("DELETE FROM gpkg_data_column_constraints WHERE constraint_name = ?",
                        (VERDICT_DOMAIN,))
            con.executemany(
                "INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type,"
                " value, description) VALUES (?, 'enum', ?, ?)",
                [(VERDICT_DOMAIN, code, f"{code} ({key})") for code, key in VERDICTS.items()])
            con.execute(
                "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name,"
                " title, description, constraint_name) VALUES (?, ?, ?, ?, ?, ?)",
                (table, column, column, "核查结论 verdict",
                 "/".join(VERDICTS), VERDICT_DOMAIN))
    finally:
        con.close()


def verdict_domain(path: str | os.PathLike[str], table: str = CASES_LAYER,
                   column: str = "verdict") -> list[str]:
    """Return the values of the coded domain a GeoPackage column is constrained to ([] if none)."""
    con = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT constraint_name FROM gpkg_data_columns WHERE table_name = ?"
                          " AND column_name = ?", (table, column)).fetchone()
        if not row or not row[0]:
            return []
        return [str(v) for (v,) in con.execute(
            "SELECT value FROM gpkg_data_column_constraints WHERE constraint_name = ? AND"
            " constraint_type = 'enum' ORDER BY rowid", (row[0],))]
    except sqlite3.Error:
        return []
    finally:
        con.close()


# --- cases.kml ----------------------------------------------------------------------------


def _x(value: object) -> str:
    """XML-escaped text of a value (quotes too, so it is safe in an attribute)."""
    return escape("" if _blank(value) else str(value), {'"': "&quot;", "'": "&apos;"})


def _ring(coords: np.ndarray) -> str:
    return " ".join(f"{x:.7f},{y:.7f}" for x, y in coords[:, :2])


def _kml_geometry(geom: shapely.Geometry) -> str:
    parts = [geom] if shapely.get_type_id(geom) == 3 else [
        g for g in shapely.get_parts(geom) if shapely.get_type_id(g) == 3]
    out = []
    for poly in parts:
        rings = [f"<outerBoundaryIs><LinearRing><coordinates>"
                 f"{_ring(np.asarray(poly.exterior.coords))}</coordinates></LinearRing>"
                 "</outerBoundaryIs>"]
        rings += [f"<innerBoundaryIs><LinearRing><coordinates>{_ring(np.asarray(r.coords))}"
                  "</coordinates></LinearRing></innerBoundaryIs>" for r in poly.interiors]
        out.append(f"<Polygon>{''.join(rings)}</Polygon>")
    return "".join(out)


def write_cases_kml(path: str | os.PathLike[str], cases: gpd.GeoDataFrame, *, title: str,
                    describe: Mapping[str, str]) -> Path:
    """Write the cases as KML placemarks (WGS 84 lon/lat), every text escaped.

    ``describe`` maps each column shown in a placemark's description and extended data
    to its label.
    """
    from redline.io.write import write_text

    wgs = cases.to_crs("EPSG:4326") if cases.crs is not None else cases
    points = shapely.centroid(wgs.geometry.to_numpy())
    marks = []
    for i, row in enumerate(wgs.itertuples(index=False)):
        values = row._asdict()
        lines = "\n".join(f"{label}: {'' if _blank(values.get(col)) else values.get(col)}"
                          for col, label in describe.items())
        data = "".join(f'<Data name="{_x(col)}"><displayName>{_x(label)}</displayName>'
                       f"<value>{_x(values.get(col))}</value></Data>"
                       for col, label in describe.items())
        pt = points[i]
        marks.append(
            f"<Placemark id=\"{_x(values['case_id'])}\"><name>{_x(values['case_id'])} "
            f"{_x(values.get('admin_name'))}</name><description>{_x(lines)}</description>"
            f"<styleUrl>#case</styleUrl><ExtendedData>{data}</ExtendedData><MultiGeometry>"
            f"<Point><coordinates>{shapely.get_x(pt):.7f},{shapely.get_y(pt):.7f}"
            f"</coordinates></Point>{_kml_geometry(values['geometry'])}</MultiGeometry>"
            "</Placemark>")
    text = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
            f"<name>{_x(title)}</name><Style id=\"case\"><LineStyle><color>ff2b39c0</color>"
            "<width>2</width></LineStyle><PolyStyle><color>402b39c0</color></PolyStyle>"
            "</Style>\n" + "\n".join(marks) + "\n</Document></kml>\n")
    return write_text(path, text)


# --- checklist.xlsx -----------------------------------------------------------------------


def write_checklist(path: str | os.PathLike[str], table: pd.DataFrame, *,
                    headers: Mapping[str, str], sheet: str) -> Path:
    """Write one row per case; the ``verdict`` column a drop-down list of the verdicts.

    ``headers`` maps each column of ``table`` to its header. Text stays text (no
    formula from a leading ``=``, no link from a URL).
    """
    import xlsxwriter

    path = Path(path)
    tmp = _atomic(path).with_suffix(".xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                          "strings_to_urls": False})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#F3F3F3", "border": 1})
        fill = book.add_format({"bg_color": "#FFF8DC", "border": 1})
        ws = book.add_worksheet(sheet[:31])
        ws.freeze_panes(1, 1)
        columns = list(table.columns)
        ws.write_row(0, 0, [headers.get(c, c) for c in columns], bold)
        for r, row in enumerate(table.itertuples(index=False), start=1):
            for c, (column, value) in enumerate(zip(columns, row, strict=True)):
                if column in VERDICT_FIELDS:
                    ws.write_blank(r, c, None, fill) if _blank(value) else ws.write(
                        r, c, value, fill)
                elif not _blank(value):
                    ws.write(r, c, value)
        for c, column in enumerate(columns):
            width = max(len(str(headers.get(column, column))) * 2,
                        *(len(str(v)) for v in table[column].head(200)), 8)
            ws.set_column(c, c, min(width + 2, 50))
        if "verdict" in columns and len(table):
            c = columns.index("verdict")
            ws.data_validation(1, c, len(table), c, {
                "validate": "list", "source": list(VERDICTS), "ignore_blank": True,
                "error_title": "verdict", "error_message": "/".join(VERDICTS)})
    finally:
        book.close()
    tmp.replace(path)
    return path


# --- the evidence image around a case ------------------------------------------------------


def read_evidence_window(path: str | os.PathLike[str], bounds: tuple[float, float, float, float],
                         crs: object) -> np.ndarray | None:
    """Read the evidence raster over ``bounds`` (in ``crs``) as built-up shares 0-1, NaN where none.

    None when the raster cannot be read or is in another CRS (the dossier's map is drawn
    in the cases' CRS and the image is not warped).
    """
    import rasterio
    from pyproj import CRS
    from rasterio.windows import Window

    try:
        with rasterio.open(path) as src:
            if src.crs is None or CRS.from_user_input(src.crs.to_wkt()) != CRS.from_user_input(
                    crs):
                return None
            # The map's extent on the raster's grid; the part off the raster stays NaN.
            t = src.transform
            if t.b or t.d:  # a rotated grid: not drawn
                return None
            col0, row0 = (bounds[0] - t.c) / t.a, (bounds[3] - t.f) / t.e
            col1, row1 = (bounds[2] - t.c) / t.a, (bounds[1] - t.f) / t.e
            c0, r0 = int(np.floor(col0)), int(np.floor(row0))
            width, height = max(int(np.ceil(col1)) - c0, 1), max(int(np.ceil(row1)) - r0, 1)
            values = np.full((height, width), np.nan)
            rows = slice(max(r0, 0), min(r0 + height, src.height))
            cols = slice(max(c0, 0), min(c0 + width, src.width))
            if rows.stop > rows.start and cols.stop > cols.start:
                data = src.read(1, window=Window(cols.start, rows.start, cols.stop - cols.start,
                                                 rows.stop - rows.start), masked=True)
                values[rows.start - r0:rows.stop - r0, cols.start - c0:cols.stop - c0] = (
                    np.ma.filled(data.astype(float), np.nan))
    except (OSError, ValueError, rasterio.errors.RasterioError):
        return None
    top = np.nanmax(values) if np.isfinite(values).any() else 0.0
    if top > 1:  # a 0-255 probability
        values = values / 255.0
    return np.clip(values, 0.0, 1.0)


# --- reading verdicts back ----------------------------------------------------------------


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def read_verdict_file(path: str | os.PathLike[str], *,
                      headers: Sequence[Mapping[str, str]] = ()) -> pd.DataFrame:
    """Read an edited cases.gpkg (layer ``cases``) or checklist.xlsx into rows.

    Parameters
    ----------
    path
        The file (``.gpkg`` or ``.xlsx``).
    headers
        Column -> header maps the checklist may have been written with (its headers
        are read back to the columns; a column named by its own key is read too).

    Returns
    -------
    DataFrame
        ``case_id``, ``finding_ids`` and the verdict fields as found (cells as they
        were: text, numbers, dates), with ``row`` the row number a person sees (the
        feature id in the GeoPackage, the sheet row in the workbook) and ``file``.

    Raises
    ------
    InputError
        The file cannot be read, or lacks a ``case_id`` or ``verdict`` column.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=str(path),
                         fix="give the cases.gpkg or checklist.xlsx the inspectors filled in")
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        rows = _read_gpkg(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path, headers)
    else:
        raise InputError(f"{suffix or 'a file without extension'} is not a verdict file",
                         path=str(path), fix="give a cases.gpkg or checklist.xlsx")
    missing = [c for c in ("case_id", "verdict") if c not in rows]
    if missing:
        raise InputError(f"no {' or '.join(missing)} column", path=str(path),
                         fix="give the cases.gpkg or checklist.xlsx `redline fieldwork` wrote")
    for name in ("finding_ids", *VERDICT_FIELDS):
        if name not in rows:
            rows[name] = None
    rows["file"] = str(path)
    return rows[["file", "row", "case_id", "finding_ids", *VERDICT_FIELDS]]


def _read_gpkg(path: Path) -> pd.DataFrame:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=CASES_LAYER, read_geometry=False,
                                       fid_as_index=True)
    except Exception as ex:
        raise InputError(f"the layer {CASES_LAYER!r} cannot be read ({ex})", path=str(path),
                         fix="give the cases.gpkg `redline fieldwork` wrote") from ex
    frame = pd.DataFrame(frame)
    frame.insert(0, "row", [int(i) for i in frame.index])
    return frame.reset_index(drop=True)


def _read_xlsx(path: Path, headers: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as ex:
        raise InputError(f"the workbook cannot be read ({ex})", path=str(path),
                         fix="give the checklist.xlsx `redline fieldwork` wrote") from ex
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        head = next(rows, None) or ()
        back = {str(h).strip(): key for table in headers for key, h in table.items()}
        names = [back.get(str(h).strip(), str(h).strip()) if h is not None else ""
                 for h in head]
        records = []
        for number, values in enumerate(rows, start=2):
            if all(_blank(v) for v in values):
                continue
            record: dict[str, Any] = {"row": number}
            for name, value in zip(names, values, strict=False):
                if name and name not in record:
                    record[name] = value
            records.append(record)
    finally:
        book.close()
    return pd.DataFrame(records, columns=list(dict.fromkeys(["row", *[n for n in names if n]])))


def as_text(value: object) -> str:
    """Return a cell as text: blank as "", a whole float without ".0", a date as ISO."""
    if _blank(value):
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
