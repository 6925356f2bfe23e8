"""Reading one layer: decode its text, map its fields, parse values, make ids, repair.

:func:`read_layer` reads one role's source whole or one :class:`Window` of it:
the shapefile encoding is detected when undeclared, fields are mapped to the canonical
names, a land-use layer is cut to farmland classes while it is read, values are parsed
(:mod:`redline.io.values`), missing ids are made from row numbers, geometries are
repaired, and the CRS is decided (declared, read or inferred). Every problem on the way
is a :class:`~redline.model.Problem` on the layer, down to one bad value in one feature.
All that follows the reading is :func:`layer_from_frame`, which a layer read from
elsewhere (a database table) goes through too.

Frames after reading hold the canonical fields found (typed as documented in
:mod:`redline.io.values`: dates ``datetime64[ns]``, numbers ``float64``, booleans
nullable ``boolean``, text ``object`` holding ``str`` or ``None``), then ``_row``
(0-based row in the source), ``_problem``, ``_note``, ``_unread`` (the canonical fields
whose value could not be read, ``;``-joined: the value is blank, and a rule that needs it
says the feature was not judged rather than taking it as missing) and ``geometry``.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import ProjError

from redline import settings
from redline.authority import read_authorities
from redline.io import crs as crsmod
from redline.io.classes import class_in, land_codes
from redline.io.config import CONFIG_NAME, LayerSpec
from redline.io.digest import digest_later
from redline.io.discover import Source
from redline.io.encoding import (
    SNIFF_BYTES,
    gdal_encoding,
    looks_misdecoded,
    shapefile_encoding,
)
from redline.io.geometry import Repaired, coordinate_problems, repair_polygons
from redline.io.shapefile import check_shapefile
from redline.io.sources import join_attributes, read_txt_layer
from redline.io.values import parse_field
from redline.model import Layer, Problem
from redline.schema import (
    FIELDS,
    ID_FIELD,
    STANDARD_FIELDS,
    Role,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray


log = logging.getLogger(__name__)


#: Longest field name a .dbf can hold; mapped names are matched truncated to it.
DBF_NAME_LEN: Final[int] = 10


def _shp_declared(src: Source) -> tuple[str | None, bytes | None]:
    """Return a shapefile's .cpg text (None without one) and the start of its .dbf."""
    if src.local is None:
        return None, None
    if src.zip_member is not None:
        with zipfile.ZipFile(src.local) as zf:
            names = {n.lower(): n for n in zf.namelist()}
            base = src.zip_member[:-4].lower()
            cpg = zf.read(names[base + ".cpg"]).decode("latin-1") \
                if base + ".cpg" in names else None
            if base + ".dbf" not in names:
                return cpg, None
            with zf.open(names[base + ".dbf"]) as fh:
                return cpg, fh.read(SNIFF_BYTES + 64 * 1024)
    siblings = {q.name.lower(): q for q in src.local.parent.glob(src.local.stem + ".*")}
    stem = src.local.stem.lower()
    cpg = siblings[stem + ".cpg"].read_bytes().decode("latin-1") \
        if stem + ".cpg" in siblings else None
    if stem + ".dbf" not in siblings:
        return cpg, None
    with open(siblings[stem + ".dbf"], "rb") as fh:
        return cpg, fh.read(SNIFF_BYTES + 64 * 1024)


#: Decides from a layer's attributes which features to keep (None: all).
Keep = Callable[[pd.DataFrame], "NDArray[np.bool_] | None"]


@dataclass(frozen=True)
class Window:
    """``count`` features of a layer from file position ``start``.

    ``where`` picks the same features by their FIDs, when the driver can (a
    GeoPackage's FID is its primary key): GDAL then goes straight to them rather
    than stepping over the ``start`` before.
    """

    start: int
    count: int
    where: str | None = None


def _window(rows: Window | None) -> dict[str, Any]:
    if rows is None:
        return {}
    if rows.where is not None:
        return {"where": rows.where}
    return {"skip_features": rows.start, "max_features": rows.count}


def _read_frame(src: Source, encoding: str | None, keep: Keep | None = None,
                rows: Window | None = None) -> gpd.GeoDataFrame:
    """Read a layer with ``_row``, each feature's position in the file.

    With ``keep``, only the features it keeps are in the frame; read through Arrow,
    the attributes are read first and only the kept features' geometries decoded (a
    land-use layer of a million patches holds some 400,000 of farmland). With
    ``rows``, only that window of features is read (GDAL sources).
    """
    start = 0 if rows is None else rows.start
    with np.errstate(invalid="ignore"):
        # Coordinates that are not numbers are found and named after reading
        # (geometry.coordinate_problems); shapely's warning on decoding them is not news.
        # numpy's error state, unlike the warnings filters, is the reading thread's own.
        if src.kind == "parquet":
            frame = _kept(gpd.read_parquet(src.gdal), keep)
        else:
            enc = gdal_encoding(encoding) if encoding is not None else None
            window = _window(rows)
            try:
                frame = (_kept(pyogrio.read_dataframe(src.gdal, layer=src.layer, encoding=enc,
                                                      use_arrow=True, **window), None, start)
                         if keep is None else _read_kept(src, enc, keep, rows))
            except (pyogrio.errors.DataSourceError, UnicodeDecodeError) as ex:
                # Arrow needs UTF-8 text; a file it cannot take goes the slower way.
                log.debug("arrow read of %s failed (%s); reading without arrow", src.display,
                          ex)
                frame = _kept(pyogrio.read_dataframe(src.gdal, layer=src.layer, encoding=enc,
                                                     use_arrow=False, **window), keep, start)
    # Text as Python str now, so that bytes a wrong encoding left undecodable fail
    # here, as an unreadable layer, rather than later in parsing.
    for col in frame.columns:
        if col != frame.geometry.name and frame[col].dtype.kind in "OT":
            frame[col] = frame[col].astype(object)
    return frame


def _kept(frame: gpd.GeoDataFrame, keep: Keep | None, start: int = 0) -> gpd.GeoDataFrame:
    """Keep the features of a frame read whole that ``keep`` keeps; add ``_row``.

    ``start`` is the file position of the frame's first feature.
    """
    mask = keep(frame) if keep is not None else None
    if mask is None:
        out, rows = frame.reset_index(drop=True), np.arange(len(frame))
    else:
        rows = np.flatnonzero(mask)
        out = frame.iloc[rows].reset_index(drop=True)
    out["_row"] = rows.astype(np.int64) + start
    return out


def _read_kept(src: Source, enc: str | None, keep: Keep, window: Window | None = None
               ) -> gpd.GeoDataFrame:
    """Read the attributes, then decode the geometries of the features ``keep`` keeps.

    The file is read once, attributes and geometries together, when its attributes
    are plain (no date-times or JSON, which pyogrio converts after reading): the
    attributes are then the frame ``pyogrio.read_dataframe`` would make of them.
    """
    meta, table = pyogrio.read_arrow(src.gdal, layer=src.layer, encoding=enc,
                                     **_window(window))
    name = meta.get("geometry_name") or "wkb_geometry"
    if _plain_attributes(meta) and name in table.column_names:
        try:
            attrs = table.drop_columns([name]).to_pandas()
        except UnicodeDecodeError as ex:  # as pyogrio says it: read without arrow
            raise pyogrio.errors.DataSourceError(
                "The file being read is not encoded in UTF-8; please use_arrow=False") from ex
    else:
        attrs = pyogrio.read_dataframe(src.gdal, layer=src.layer, encoding=enc,
                                       use_arrow=True, read_geometry=False, **_window(window))
    mask = keep(attrs)
    rows = np.arange(len(attrs), dtype=np.int64) if mask is None else np.flatnonzero(mask)
    name = meta.get("geometry_name") or "wkb_geometry"
    if name in table.column_names:
        wkb = table.column(name)
        if mask is not None:
            wkb = wkb.filter(pa.array(np.asarray(mask, dtype=bool)))
        geoms = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    else:
        geoms = np.full(len(rows), None, dtype=object)
    frame = gpd.GeoDataFrame(attrs.iloc[rows].reset_index(drop=True), geometry=geoms,
                             crs=meta.get("crs"))
    frame["_row"] = rows.astype(np.int64) + (0 if window is None else window.start)
    return frame


def _plain_attributes(meta: Mapping[str, Any]) -> bool:
    """Whether Arrow's own conversion to pandas gives the attributes as pyogrio would.

    pyogrio parses date-time text and JSON after converting, maps strings itself for
    pandas 3 with pyarrow < 19, and makes an empty frame of a table without fields.
    """
    fields = list(meta.get("fields", []))
    dtypes = list(meta.get("dtypes", []))
    subtypes = list(meta.get("ogr_subtypes", []))
    if not fields or len(dtypes) != len(fields) or len(subtypes) != len(fields):
        return False
    if any(d is not None and str(d).startswith("datetime") for d in dtypes):
        return False
    if "OFSTJSON" in subtypes:
        return False
    return _ARROW_STRINGS


def _arrow_strings() -> bool:
    pandas_major = int(pd.__version__.split(".")[0])
    arrow_major = int(pa.__version__.split(".")[0])
    return pandas_major < 3 or arrow_major >= 19


_ARROW_STRINGS = _arrow_strings()


def preflight(src: Source, encoding: str | None) -> dict[str, Any]:
    """Return the layer's header: feature count, CRS, extent, encoding (``read_info``)."""
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        meta = pq.read_metadata(src.gdal)
        return {"features": meta.num_rows, "crs": None, "encoding": "UTF-8"}
    enc = gdal_encoding(encoding) if encoding is not None else None
    return cast("dict[str, Any]", pyogrio.read_info(src.gdal, layer=src.layer, encoding=enc))


def _first_line(ex: BaseException) -> str:
    """Return the first line of an error's text (drivers' messages may run over several)."""
    text = str(ex).strip()
    return text.splitlines()[0] if text else type(ex).__name__


def _read_failure(src: Source, ex: Exception, enc: str | None) -> tuple[str, str]:
    """Say why a layer could not be read, and the fix: a damaged file is not an encoding."""
    if src.kind == "parquet":
        return (f"the GeoParquet file cannot be read: it is damaged or cut short "
                f"({type(ex).__name__}: {_first_line(ex)})", "write it again from its source")
    if isinstance(ex, UnicodeError | pa.ArrowException):
        # The undecodable bytes are not echoed: they would print as garbage.
        return (f"the text is not valid {enc or 'UTF-8'}", "give the right encoding (e.g. "
                f'encoding = "gbk") under [layers.{src.role}] in {CONFIG_NAME}')
    return (f"cannot read the layer ({type(ex).__name__}: {_first_line(ex)})",
            "check the file is complete and opens in QGIS")


def _find_column(columns: list[str], name: str, *, truncated: bool) -> str | None:
    lower = {c.lower(): c for c in columns}
    key = name.lower()
    if key in lower:
        return lower[key]
    if truncated and key[:DBF_NAME_LEN] in lower:
        return lower[key[:DBF_NAME_LEN]]
    return None


def map_fields(columns: list[str], role: Role, mapping: Mapping[str, str], *,
               truncated: bool = False) -> tuple[dict[str, str], list[str]]:
    """Match source columns to a role's canonical fields.

    A ``mapping`` (canonical -> source) is used first; the other fields are
    matched by their canonical name, then by the standard names
    (``schema.STANDARD_FIELDS``), all case-insensitively. With ``truncated``
    (shapefiles), names are also matched cut to 10 characters.

    Returns
    -------
    tuple
        ``{canonical: source column}`` and the mapped names not found.

    Examples
    --------
    >>> map_fields(["PZWH", "PZRQ", "SFJBNT"], "approvals", {"approved_on": "pzrq"})[0]
    {'approved_on': 'PZRQ', 'approval_id': 'PZWH', 'basic_farmland_approved': 'SFJBNT'}
    """
    out: dict[str, str] = {}
    missing: list[str] = []
    for canonical, source in mapping.items():
        col = _find_column(columns, source, truncated=truncated)
        if col is None:
            missing.append(source)
        else:
            out[canonical] = col
    for canonical in FIELDS[role]:
        if canonical in out or canonical in mapping:
            continue
        col = _find_column(columns, canonical, truncated=truncated)
        if col is None:
            for std, target in STANDARD_FIELDS[role].items():
                if target == canonical:
                    col = _find_column(columns, std, truncated=truncated)
                    if col is not None:
                        break
        if col is not None and col not in out.values():
            out[canonical] = col
    return out, missing


def _join(a: pd.Series, b: np.ndarray | pd.Series, *, sep: str = "; ") -> pd.Series:
    """Join two per-row texts with ``sep``, skipping blanks.

    Worked on object arrays: a Series made from them would be converted to pandas'
    string type and back, which costs more than the joining.
    """
    left = np.asarray(a, dtype=object)
    right = np.asarray(b, dtype=object)
    right_set = right != ""
    if not right_set.any():
        return a
    left_set = left != ""
    if not left_set.any():
        return pd.Series(right, index=a.index, dtype=object)
    out = np.where(left_set, left, right)
    both = np.flatnonzero(left_set & right_set)
    out[both] = [f"{x}{sep}{y}" for x, y in zip(left[both], right[both], strict=True)]
    return pd.Series(out, index=a.index, dtype=object)


class _Labels:
    """Feature labels for messages, made only for the rows that are named."""

    def __init__(self, ids: pd.Series, rows: pd.Series) -> None:
        self.ids, self.rows = ids.to_numpy(dtype=object), rows.to_numpy()

    def __getitem__(self, i: int | np.integer[Any]) -> str:
        value = self.ids[i]
        return str(value) if value is not None else f"#{self.rows[i]}"


def _unread_authority(values: pd.Series) -> pd.Series:
    """Return why each approving authority names no level (redline.authority), or "".

    The value is kept; the rules leave the basic farmland under it unjudged.
    """
    unread = read_authorities(values)["problem"]
    unread = unread.where(unread != "no authority", "")
    return unread.str.replace("authority ", "", n=1)


def _feature_problems(problems: list[Problem], display: str, role: Role, labels: _Labels,
                      rows: pd.Series, *, dup: NDArray[np.bool_], wrong: NDArray[np.object_],
                      repaired: Repaired, value_notes: pd.Series) -> None:
    """List each feature's problems, kind by kind, in file order within a kind."""
    bad_xy = np.asarray(wrong != "", dtype=bool)
    problems.extend(
        Problem(display, f"duplicate id {labels[i]!r} (row {rows[i]}): not judged",
                "give every feature its own id", "warning", role=role,
                feature_id=labels[i], kind="duplicate_id")
        for i in np.flatnonzero(dup))
    problems.extend(
        Problem(display, f"{wrong[i]} (row {rows[i]}): not judged",
                "correct the feature's coordinates, or give the layer's right CRS",
                "warning", role=role, feature_id=labels[i], kind="bad_coordinates")
        for i in np.flatnonzero(bad_xy))
    problems.extend(
        Problem(display, f"{repaired.problem[i]} (row {rows[i]}): not judged",
                "fix or delete the feature", "warning", role=role, feature_id=labels[i],
                kind="bad_geometry")
        for i in np.flatnonzero(repaired.unusable & ~bad_xy))
    problems.extend(
        Problem(display, repaired.note[i], "", "warning", role=role, feature_id=labels[i],
                kind="geometry_repaired")
        for i in np.flatnonzero(repaired.repaired & ~repaired.unusable))
    problems.extend(
        Problem(display, value_notes.iloc[i], "correct the value", "warning", role=role,
                feature_id=labels[i], kind="bad_value")
        for i in np.flatnonzero((value_notes != "").to_numpy()))


def _repaired(geoms: NDArray[np.object_], wrong: NDArray[np.object_]) -> Repaired:
    """Repair the geometries; those whose coordinates are wrong are dropped, with the reason."""
    bad_xy = np.asarray(wrong != "", dtype=bool)
    if bad_xy.any():
        # Nothing can be measured, repaired or reprojected from such coordinates.
        geoms = geoms.copy()
        geoms[bad_xy] = None
    repaired = repair_polygons(geoms)
    repaired.problem[bad_xy] = wrong[bad_xy]
    return repaired


#: Roles whose areas are summed: a feature given twice, under two ids, would count twice.
#: (Approvals and supply are left alone: a document renewed, or a contract superseded,
#: legitimately covers the same land as an earlier one.)
DEDUPLICATED_ROLES: Final[frozenset[str]] = frozenset({"farmland", "basic_farmland",
                                                       "changes"})


def _same_geometry(geoms: NDArray[np.object_], candidates: NDArray[np.bool_],
                   labels: _Labels) -> NDArray[np.object_]:
    """Per feature, the earlier feature whose geometry it repeats exactly (``""`` if none).

    Features with the same bounds and area are compared by their WKB; only those are
    encoded, so a layer without copies costs two vectorised passes. A layer read in
    windows (:mod:`redline.io.spill`) is compared within each window.
    """
    out = np.full(len(geoms), "", dtype=object)
    where = np.flatnonzero(candidates)
    if len(where) < 2:
        return out
    with np.errstate(all="ignore"):
        shape = pd.DataFrame(shapely.bounds(geoms[where]))
        shape[4] = shapely.area(geoms[where])
    alike = shape.duplicated(keep=False).to_numpy()
    if not alike.any():
        return out
    where = where[alike]
    first: dict[bytes, str] = {}
    for i, wkb in zip(where, shapely.to_wkb(geoms[where]), strict=True):
        if wkb in first:
            out[i] = repr(first[wkb])
        else:
            first[wkb] = labels[i]
    return out


def _copies(problems: list[Problem], display: str, role: Role, *, labels: _Labels,
            rows: pd.Series, repaired: Repaired, candidates: NDArray[np.bool_]
            ) -> NDArray[np.object_]:
    """List each copy of an earlier feature's geometry; return the per-feature problem."""
    twin = _same_geometry(repaired.geometry, candidates, labels)
    problems.extend(
        Problem(display, f"the same geometry as {twin[i]} (row {rows[i]}): not judged, "
                "so that its area is counted once", "delete the copy", "warning",
                role=role, feature_id=labels[i], kind="duplicate_geometry")
        for i in np.flatnonzero(twin != ""))
    return np.where(twin != "", "duplicate geometry", "")


def _parse_fields(raw: gpd.GeoDataFrame, role: Role, fields: dict[str, str],
                  index: pd.RangeIndex) -> tuple[dict[str, Any], pd.Series, pd.Series]:
    """Parse each mapped field: its values, the value notes, and the fields not read.

    The third is per feature the canonical fields whose value could not be read
    (``;``-joined, for ``_unread``).
    """
    data: dict[str, Any] = {}
    value_notes = pd.Series("", index=index, dtype=object)
    unread = pd.Series("", index=index, dtype=object)
    for canonical, source in fields.items():
        col = raw[source].reset_index(drop=True)
        if canonical == "land_code":
            values, bad = land_codes(col)
        else:
            values, bad = parse_field(col, FIELDS[role][canonical], canonical)
        data[canonical] = values
        if canonical == "authority":
            bad = bad.where(bad != "", _unread_authority(values))
        why = np.asarray(bad, dtype=object)
        said = np.flatnonzero(why != "")
        if not len(said):
            continue
        unread = _join(unread, np.where(why != "", canonical, ""), sep=";")
        why = why.copy()
        why[said] = [f"{canonical} ({source}) {w}" for w in why[said]]
        value_notes = _join(value_notes, why)
    return data, value_notes, unread


def _build_frame(raw: gpd.GeoDataFrame, role: Role, fields: dict[str, str], *,
                 display: str, problems: list[Problem], seen: set[str] | None = None,
                 wrong: NDArray[np.object_] | None = None) -> gpd.GeoDataFrame:
    """Parse fields, make ids, repair geometries: the canonical frame (source CRS).

    ``seen``: ids met in earlier windows of the same layer (updated with these).
    ``wrong``: per feature, why its coordinates cannot be right
    (:func:`~redline.io.geometry.coordinate_problems`); such a feature keeps its row with
    no geometry and the reason.
    """
    index = pd.RangeIndex(len(raw))
    rows = pd.Series(np.asarray(raw["_row"]), index=index)
    data, value_notes, unread = _parse_fields(raw, role, fields, index)
    note = pd.Series("", index=index, dtype=object)
    id_field = ID_FIELD[role]
    def made() -> pd.Series:
        return pd.Series([f"{role}#{r}" for r in rows], index=index, dtype=object)

    if id_field not in data:
        data[id_field] = made()
        problems.append(Problem(display, f"no id field for {id_field}: ids made as {role}#<row>",
                                f"map {id_field} under [layers.{role}.fields]", "info",
                                role=role, kind="ids_made"))
    else:
        ids = data[id_field]
        blank = ids.isna()
        if blank.any():
            data[id_field] = ids.where(~blank, made())
            note = _join(note, np.where(blank, "no id: made from the row number", ""))
    ids = data[id_field]
    problem = pd.Series("", index=index, dtype=object)
    # An approval's id is a document number (批准文号, 电子监管号), not a row key: one
    # document owns several polygons, each judged. Other roles' ids are row keys.
    many = role == "approvals"
    dup = np.zeros(len(ids), dtype=bool) if many else ids.duplicated(keep="first").to_numpy()
    if seen is not None and not many:
        text = [str(v) for v in ids.tolist()]
        dup = dup | np.fromiter((t in seen for t in text), dtype=bool, count=len(text))
        seen.update(text)
    problem[dup] = "duplicate id"

    if wrong is None:
        wrong = np.full(len(raw), "", dtype=object)
    repaired = _repaired(raw.geometry.to_numpy(), wrong)
    note = _join(note, repaired.note)
    problem = _join(problem, repaired.problem)
    note = _join(note, value_notes.to_numpy())

    labels = _Labels(ids, rows)
    _feature_problems(problems, display, role, labels, rows, dup=dup,
                      wrong=wrong, repaired=repaired, value_notes=value_notes)
    if role in DEDUPLICATED_ROLES:
        problem = _join(problem, _copies(problems, display, role, labels=labels, rows=rows,
                                         repaired=repaired,
                                         candidates=~(dup | repaired.unusable)))

    data["_row"] = rows.astype("int64")
    data["_problem"] = problem.astype(object)
    data["_note"] = note.astype(object)
    data["_unread"] = unread.astype(object)
    ordered = [c for c in FIELDS[role] if c in data] + ["_row", "_problem", "_note", "_unread"]
    return gpd.GeoDataFrame({c: data[c] for c in ordered}, index=index,
                            geometry=gpd.GeoSeries(repaired.geometry, index=index),
                            crs=raw.crs)


def _geometry_kinds(geoms: NDArray[np.object_]) -> str:
    """Name the geometry types of a layer none of whose features is polygonal ("" else)."""
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(present):
        return ""
    types = shapely.get_type_id(present)
    polygonal = np.isin(types, (shapely.GeometryType.POLYGON,
                                shapely.GeometryType.MULTIPOLYGON,
                                shapely.GeometryType.GEOMETRYCOLLECTION))
    if polygonal.any():
        return ""  # the features that are not are listed one by one
    first = np.unique(types, return_index=True)[1]
    names = sorted({str(g.geom_type) for g in present[first]})
    return "only " + " and ".join(names)


def _misplaced(raw: gpd.GeoDataFrame, wrong: NDArray[np.object_]) -> bool:
    """Whether no feature lies where the layer's CRS can be (the CRS is wrong, not a feature)."""
    geoms = raw.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = np.asarray(wrong != "", dtype=bool)
    outside = np.asarray([str(w).startswith("coordinates outside") for w in wrong[bad]])
    return bool(present.any() and bad[present].all() and outside.any())


def _misplaced_text(raw: gpd.GeoDataFrame, source_crs: str, inferred: bool
                    ) -> tuple[str, str | None]:
    """Say that no feature lies where the layer's CRS can be; return it and the CRS they fit."""
    geoms = raw.geometry.to_numpy()
    with np.errstate(all="ignore"):
        b = shapely.total_bounds(geoms)
    where = "the inferred" if inferred else "the layer's"
    text = (f"every feature lies outside the area of {where} CRS {source_crs} "
            f"(X {b[0]:.0f}..{b[2]:.0f}, Y {b[1]:.0f}..{b[3]:.0f})")
    guess, why = crsmod.infer_crs(cast("crsmod.Bounds", tuple(float(v) for v in b)))
    if guess is None or guess == source_crs:
        return text, None
    return f"{text}: they fit {guess}, as {why}", guess


def filtered_note(codes: tuple[str, ...], *, kept: int, total: int) -> str:
    """Say how many of ``total`` features the land-class filter kept."""
    return (f"kept {kept} features with land class {'/'.join(codes)}; "
            f"{total - kept} others filtered out")


def filter_codes(src: Source, role: str, spec: LayerSpec) -> tuple[str, ...] | None:
    """Return the land classes a layer is cut to (a DLTB to farmland), or None for all."""
    if spec.filter is not None:
        return spec.filter
    if src.standard and role == "farmland":
        return tuple(settings.farmland_codes)
    return None


def _read_raw(src: Source, enc: str | None, *, explicit: bool, keep: Keep | None = None,
              rows: Window | None = None
              ) -> tuple[gpd.GeoDataFrame, dict[str, Any], str | None, bool]:
    """Read a source, detecting an undeclared shapefile encoding unless ``explicit``.

    ``keep`` chooses the features to read (:func:`_read_frame`).

    Returns the frame, the pre-flight info, the encoding used and whether it
    was detected.
    """
    detected = False
    if not explicit and src.kind == "shp":
        plan = shapefile_encoding(*_shp_declared(src))
        if plan.read_as is not None:  # read as declared (GBK as GB18030), or as the bytes are
            enc, detected = plan.read_as, plan.detected
    meta = preflight(src, enc)
    raw = _read_frame(src, enc, keep, rows)
    if not explicit and enc is None and src.kind == "shp":
        # A declared but wrong code page: latin-1 text that is really GBK.
        text_cols = [c for c in raw.columns if raw[c].dtype.kind in "OT"]
        sample = list(raw.columns) + [v for c in text_cols for v in raw[c].head(200).tolist()]
        if looks_misdecoded(sample):
            enc, detected = "gbk", True
            meta = preflight(src, enc)
            raw = _read_frame(src, enc, keep, rows)
    return raw, meta, enc, detected


def _land_class_in(values: pd.Series, codes: tuple[str, ...]) -> NDArray[np.bool_]:
    """Where the land class is one of ``codes`` (三调 or 二调, :mod:`redline.io.classes`)."""
    return class_in(values, codes)


def _decide_crs(raw: gpd.GeoDataFrame, meta: Mapping[str, Any], spec: LayerSpec,
                default: str | None) -> tuple[str | None, bool, str]:
    """Return (CRS, inferred?, why) for a layer; CRS ``None`` when it cannot be known."""
    if spec.crs is not None:
        return spec.crs, False, ""
    if raw.crs is not None:
        return raw.crs.to_string(), False, ""
    if default is not None:
        return default, False, ""
    bounds = meta.get("total_bounds")
    if bounds is None or not np.all(np.isfinite(bounds)):
        bounds = raw.total_bounds
    guess, why = crsmod.infer_crs(cast("crsmod.Bounds", tuple(float(b) for b in bounds)))
    return guess, guess is not None, why


def _parts_disagree(src: Source, rows: Window | None, enc: str | None, role: Role,
                    problem: Callable[[str, str, Any, str], None]) -> bool:
    """Check a shapefile's parts agree before reading it; say each problem (True: not read).

    GDAL reads a .dbf shorter than its .shp without a word, so the parts are checked first
    (once per layer: on its first window).
    """
    if src.kind != "shp" or src.local is None or (rows is not None and rows.start != 0):
        return False
    found = check_shapefile(src.local, zip_member=src.zip_member,
                            encoding_given=enc is not None)
    for f in found:
        problem(f.problem, f.fix.replace("<role>", role), "error", f.kind)
    return bool(found)


def _join_table(raw: gpd.GeoDataFrame, src: Source, spec: LayerSpec, role: Role,
                problems: list[Problem]) -> gpd.GeoDataFrame | None:
    """Join a layer's ``attributes`` table on its id field (None: the join failed, said)."""
    def id_column(columns: list[str], truncated: bool) -> str | None:
        return map_fields(columns, role, spec.fields, truncated=truncated)[0].get(
            ID_FIELD[role])

    return join_attributes(raw, src, problems, id_column=id_column)


def read_layer(src: Source, spec: LayerSpec, *, crs: str | None = None,
               encoding: str | None = None, rows: Window | None = None,
               seen_ids: set[str] | None = None,
               digests: list[tuple[Layer, Future[str]]] | None = None
               ) -> tuple[Layer | None, list[Problem]]:
    """Read one role's source into a :class:`Layer` in its *source* CRS.

    ``crs`` and ``encoding`` are the dataset-wide defaults (argument, then
    ``redline.toml`` top level); ``spec`` (``[layers.<role>]``) wins over them.
    A layer-level ``crs`` replaces the file's own; a dataset-wide one only fills
    a missing CRS. An explicit encoding always wins over detection.

    ``rows`` reads only a :class:`Window` of the file's features, as they would be
    in the whole read (``_row`` is their position in the file);
    ``seen_ids`` holds the ids of the windows read before (a repeat is a
    duplicate) and takes this window's.
    ``digests``, when given, takes the layer and its file's digest still being worked
    (the caller sets ``layer.sha256``) rather than the read waiting for it: a county's
    GeoPackage is hashed once, beside the reading of all its layers.

    Returns
    -------
    tuple
        The layer (``None`` when the file cannot be read at all) and the
        problems found, which are also on the layer.
    """
    role = cast("Role", src.role)
    problems: list[Problem] = []

    def problem(text: str, fix: str, level: Literal["error", "warning", "info"], kind: str
                ) -> None:
        problems.append(Problem(src.display, text, fix, level, role=role, kind=kind))

    # The file is hashed in the background while it is parsed.
    digest = digest_later(src.local) if src.local is not None else None
    enc = spec.encoding or encoding
    explicit_enc = enc is not None
    codes = filter_codes(src, role, spec)
    read: dict[str, int] = {}

    def keep(attrs: pd.DataFrame) -> NDArray[np.bool_] | None:
        # The filter is applied while reading, so dropped features are never decoded.
        read["features"] = len(attrs)
        names = [c for c in attrs.columns if c != "geometry"]
        found, _ = map_fields(names, role, spec.fields, truncated=src.kind == "shp")
        if codes is None or "land_code" not in found:
            return None
        return _land_class_in(attrs[found["land_code"]], codes)

    if _parts_disagree(src, rows, enc, role, problem):
        return None, problems
    try:
        if src.kind == "coordtxt":
            raw, meta, enc, detected = read_txt_layer(src, spec, problems)
        else:
            raw, meta, enc, detected = _read_raw(src, enc, explicit=enc is not None,
                                                 keep=keep if codes is not None else None,
                                                 rows=rows)
    except Exception as ex:  # any driver failure makes the file unreadable: reported
        log.debug("reading %s failed: %s", src.display, ex)
        problem(*_read_failure(src, ex, enc), "error", "bad_encoding" if isinstance(
            ex, UnicodeError | pa.ArrowException) and src.kind != "parquet" else "unreadable")
        return None, problems
    if src.attributes is not None:
        joined = _join_table(raw, src, spec, role, problems)
        if joined is None:
            return None, problems
        raw = joined
    # The encoding as the files write it (.cpg, code-page byte), and a declaration the
    # bytes contradict, are said; text declared GBK is read as GB18030 (its superset).
    plan = shapefile_encoding(*_shp_declared(src)) \
        if src.kind == "shp" and not explicit_enc else None
    written = plan.written if plan is not None else None
    if plan is not None and plan.contradiction and detected:
        problem(f"{plan.contradiction}: read as {enc}", f"correct the {plan.where}, or "
                f'write encoding = "{enc}" under [layers.{role}] in {CONFIG_NAME}',
                "warning", "encoding_mismatch")
    elif detected and src.kind == "coordtxt":
        problem(f"coordinate files read as {enc}", "", "info", "encoding_detected")
    elif detected:
        sniffed = (plan.sniffed if plan is not None else None) or enc
        problem(f"text encoding not declared (no .cpg, empty code page): detected {sniffed} "
                f"and read as {enc}", f'write encoding = "{sniffed}" under [layers.{role}] to '
                "make it explicit", "info", "encoding_detected")

    layer = layer_from_frame(
        raw, role, spec, display=src.display, meta=meta, crs=crs, codes=codes,
        total=read.get("features"), truncated=src.kind == "shp",
        encoding=written or (plan.sniffed if plan is not None and detected else None) or enc
        or str(meta.get("encoding") or "") or None,
        encoding_detected=detected,
        layer_name=src.layer, seen_ids=seen_ids, problems=problems)
    if layer is None:
        return None, problems
    if digest is not None and digests is not None:
        digests.append((layer, digest))
    elif digest is not None:
        layer.sha256 = digest.result()
    return layer, problems


def layer_from_frame(raw: gpd.GeoDataFrame, role: Role, spec: LayerSpec, *, display: str,
                     meta: Mapping[str, Any], crs: str | None, codes: tuple[str, ...] | None,
                     total: int | None = None, truncated: bool = False,
                     encoding: str | None = None, encoding_detected: bool = False,
                     layer_name: str | None = None, seen_ids: set[str] | None = None,
                     problems: list[Problem] | None = None, no_crs: str = "no .prj"
                     ) -> Layer | None:
    """Make a role's :class:`Layer` (in its source CRS) from the features of its source.

    Whatever the source (a file, a database table), its raw frame goes through the
    same field mapping, value parsing, id checks, geometry repair and CRS decision.
    ``raw`` holds the source's own columns, ``_row`` and the geometry; ``meta`` the
    source's header (``total_bounds``, used to infer a missing CRS). ``total`` is
    the number of features before the land-class filter ``codes`` was applied while
    reading; ``None`` when ``raw`` holds them all, and the filter is applied here.
    ``no_crs`` says why a CRS is missing (``"no .prj"``, ``"no SRID"``).
    The problems found are appended to ``problems`` and put on the layer; ``None`` when
    one of them stops the layer (no feature lies where its CRS can be).
    """
    problems = [] if problems is None else problems

    def problem(text: str, fix: str, level: Literal["error", "warning", "info"], kind: str
                ) -> None:
        problems.append(Problem(display, text, fix, level, role=role, kind=kind))

    columns = [c for c in raw.columns if c not in ("geometry", "_row")]
    fields, missing = map_fields(columns, role, spec.fields, truncated=truncated)
    if total is None:
        total = len(raw)
        if codes is not None and "land_code" in fields:
            kept = np.flatnonzero(_land_class_in(raw[fields["land_code"]], codes))
            raw = raw.iloc[kept].reset_index(drop=True)
    for name in missing:
        problem(f"field {name!r} mapped in {CONFIG_NAME} is not in the layer "
                f"(fields: {', '.join(columns)})", f"correct [layers.{role}.fields]",
                "warning", "missing_field")

    if codes is not None and "land_code" not in fields:
        problem("cannot keep only farmland: no land-class field (DLBM)",
                f"map land_code under [layers.{role}.fields]", "warning", "no_filter")
    elif codes is not None and total and not len(raw):
        problem(f"the land-class filter {'/'.join(codes)} keeps none of the {total} features "
                f"(land classes read from {fields['land_code']})",
                f"correct filter under [layers.{role}] in {CONFIG_NAME} (三调 codes such as "
                '"0101", 二调 codes such as "011", or names such as "水田")', "error",
                "filter_empty")
    elif codes is not None:
        problem(filtered_note(codes, kept=len(raw), total=total), "", "info",
                "filtered")

    source_crs, inferred, why = _decide_crs(raw, meta, spec, crs)
    if source_crs is None:
        problem(f"the layer has no CRS ({no_crs}) and {why}",
                'give crs = "EPSG:...." in redline.toml', "error", "no_crs")
    elif inferred:
        problem(f"the layer has no CRS ({no_crs}): inferred {source_crs}, as {why}",
                f'write crs = "{source_crs}" in redline.toml if this is wrong', "info",
                "crs_inferred")
    kinds = _geometry_kinds(raw.geometry.to_numpy())
    if kinds:
        problem(f"the layer holds {kinds}, not polygons: {role} are areas",
                f"give the polygon (面) layer of {role} in its place", "error",
                "wrong_geometry_type")
        return None
    extent = crsmod.crs_extent(source_crs) if source_crs is not None else None
    wrong = coordinate_problems(raw.geometry.to_numpy(), extent)
    if source_crs is not None and _misplaced(raw, wrong):
        text, guess = _misplaced_text(raw, source_crs, inferred)
        problem(text, f'give the right crs = "{guess or "EPSG:...."}" under [layers.{role}] '
                f"in {CONFIG_NAME}", "error", "wrong_crs")
        return None
    frame = _build_frame(raw, role, fields, display=display, problems=problems,
                         seen=seen_ids, wrong=wrong)
    if source_crs is not None:
        frame = frame.set_crs(source_crs, allow_override=True)
    return Layer(
        role=role, path=display, frame=frame, source_crs=source_crs,
        crs_inferred=inferred, encoding=encoding, encoding_detected=encoding_detected,
        fields=fields, problems=problems, layer_name=layer_name,
    )


def to_working(frame: gpd.GeoDataFrame, source_crs: str, working: str, *, path: str,
               role: str) -> tuple[gpd.GeoDataFrame | None, Problem | None]:
    """Bring a layer's features from ``source_crs`` to the working CRS.

    Returns the frame, or the problem (an error) that stops it: coordinates that are
    not degrees in a geographic CRS, or a CRS that cannot be transformed.
    """
    src_crs = CRS.from_user_input(source_crs)
    ok = ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy() \
        if src_crs.is_geographic else np.zeros(0, dtype=bool)
    if ok.any():
        x0, y0, x1, y1 = frame.geometry[ok].total_bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            return None, Problem(
                path, f"CRS {source_crs} is in degrees but the coordinates are not "
                f"(X {x0:.0f}..{x1:.0f})", 'give the right crs = "EPSG:...." under '
                f"[layers.{role}] in {CONFIG_NAME}", "error", role=role, kind="wrong_crs")
    target = CRS.from_user_input(working)
    try:
        if not src_crs.equals(target):
            return frame.to_crs(target), None
        return frame.set_crs(target, allow_override=True), None
    except (ProjError, ValueError) as ex:
        return None, Problem(path, f"cannot reproject to {working} ({_first_line(ex)})",
                             f"check the layer's CRS {source_crs}", "error", role=role,
                             kind="wrong_crs")
