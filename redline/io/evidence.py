"""Construction evidence from imagery: the built-up fraction of each supplied parcel.

The evidence raster is either a *class* raster (built-up = 1, anything else not
built, nodata honoured) or a 0-1 *probability* raster of built-up land. For each
parcel the built-up fraction is the mean of "built" over the parcel's valid
pixels, each pixel weighted by the exact fraction of it the parcel covers.

Why exactextract: it computes the exact coverage fraction of every pixel a
polygon touches (not the all-or-nothing "pixel centre inside" of
``rasterio.features`` / rasterstats), so a parcel smaller than one pixel still
gets a value and a parcel's edge pixels count by their covered share; it runs
in C++; and it reads the raster *by window*: with the ``feature-sequential``
strategy it reads only the block of pixels under each parcel's bounding box
(through :meth:`rasterio.io.DatasetReader.read` with a ``window``), never the
whole raster, and caps what it holds with ``max_cells_in_memory``. So a raster
larger than memory works; ``tests/test_evidence.py`` checks it by recording every
window read and by measuring peak memory on a sparse raster of 1.6 GB
uncompressed.

The parcels are reprojected to the raster's CRS; the raster is never resampled,
so its pixels are judged as they are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import rasterio
import shapely
from exactextract import exact_extract
from exactextract._exactextract import Feature
from exactextract.feature import FeatureSource
from exactextract.raster import RasterioRasterSource
from exactextract.writer import Writer
from rasterio.enums import MaskFlags
from rasterio.errors import RasterioError
from rasterio.windows import Window

from redline.errors import ConfigError, CRSError, InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["EVIDENCE_COLUMNS", "built_fraction"]

#: Columns of :func:`built_fraction`'s result besides the id column.
EVIDENCE_COLUMNS: tuple[str, ...] = ("built_fraction", "coverage_px", "evidence_problem")

RasterKind = Literal["auto", "class", "probability"]

_POS = "_evidence_pos"
#: Pixels of the strip of a class raster held at once (whole block rows, at least one).
_STRIP_CELLS = 2_000_000
#: No strips at all when one block row holds more (a raster stored as one huge block):
#: each window is then read alone, as GDAL would decode the block for it anyway.
_STRIP_MAX_CELLS = 32_000_000
_NODATA = -1.0


class _BuiltSource(RasterioRasterSource):
    """A class raster read as 0/1 "built" values, window by window, nodata kept masked."""

    def __init__(self, ds: Any, band_idx: int, *, built_value: float) -> None:
        super().__init__(ds, band_idx)
        self.built_value = built_value
        # A band whose only mask is its nodata value (or none) is read as plain values
        # and its nodata pixels found by value: the same pixels as GDAL's mask, without
        # a masked array per window (a parcel's window is a few dozen pixels, so the
        # masked array's bookkeeping cost more than the read).
        flags = set(ds.mask_flag_enums[band_idx - 1])
        nodata = ds.nodatavals[band_idx - 1]
        integer = np.issubdtype(np.dtype(ds.dtypes[band_idx - 1]), np.integer)
        self.by_value: float | None = None
        self.plain = not self.scaled and integer and (
            flags == {MaskFlags.all_valid} or (flags == {MaskFlags.nodata} and nodata is not None))
        if self.plain and MaskFlags.nodata in flags:
            self.by_value = nodata
        # Windows are cut from a strip of whole block rows held while the parcels (handed
        # over north to south) lie in it: one read per strip instead of one per parcel.
        self.block_rows = int(ds.block_shapes[band_idx - 1][0])
        self.strip_rows = max(self.block_rows,
                              _STRIP_CELLS // max(1, ds.width) // self.block_rows
                              * self.block_rows)
        self.strip: np.ndarray | None = None
        self.strip_from = 0

    def nodata_value(self) -> float:
        # exactextract skips pixels equal to the nodata value (it does not read the
        # window's mask), so masked pixels are written as a value 0/1 never takes.
        return _NODATA

    def read_window(self, x0: int, y0: int, nx: int, ny: int) -> Any:
        if self.plain:
            data = self._plain(x0, y0, nx, ny)
            built = (data == self.built_value).astype(np.float64)
            if self.by_value is not None:
                built[data == self.by_value] = _NODATA
            return built
        arr = super().read_window(x0, y0, nx, ny)
        built = (np.ma.getdata(arr) == self.built_value).astype(np.float64)
        return np.where(np.ma.getmaskarray(arr), _NODATA, built)

    def _plain(self, x0: int, y0: int, nx: int, ny: int) -> Any:
        """Return the band's values in a window, cut from the strip that holds it."""
        ds = self.ds
        if x0 < 0 or y0 < 0 or x0 + nx > ds.width or y0 + ny > ds.height or (
                ny > self.strip_rows) or self.strip_rows * ds.width > _STRIP_MAX_CELLS:
            return ds.read(self.band_idx, window=Window(x0, y0, nx, ny))
        top = self.strip_from
        if self.strip is None or y0 < top or y0 + ny > top + len(self.strip):
            top = y0 // self.block_rows * self.block_rows
            rows = min(ds.height, max(top + self.strip_rows, y0 + ny)) - top
            self.strip = ds.read(self.band_idx, window=Window(0, top, ds.width, rows))
            self.strip_from = top
        return self.strip[y0 - top:y0 - top + ny, x0:x0 + nx]


class _Parcel(Feature):
    """A parcel handed to exactextract as WKB with its position (no GeoJSON round trip)."""

    def __init__(self, wkb: bytes | None = None, pos: int = -1) -> None:
        Feature.__init__(self)
        self.wkb = wkb
        self.values: dict[str, Any] = {_POS: pos}

    def geometry(self) -> bytes | None:
        return self.wkb

    def set_geometry_format(self) -> str:
        return "wkb"

    def set_geometry(self, wkb: bytes | None) -> None:
        self.wkb = wkb

    def get(self, name: str) -> Any:
        return self.values[name]

    def set(self, name: str, value: Any) -> None:
        self.values[name] = value

    def fields(self) -> list[str]:
        return list(self.values)


class _Parcels(FeatureSource):
    """Parcels as WKB, made in one vectorised call, each with its position."""

    def __init__(self, geoms: np.ndarray, positions: np.ndarray, srs_wkt: str) -> None:
        super().__init__()
        # North to south, so that the raster's windows are met strip by strip; each
        # parcel's statistics are its own, whatever the order.
        order = np.argsort(-shapely.bounds(geoms)[:, 3], kind="stable")
        self.wkbs = shapely.to_wkb(geoms[order]).tolist()
        self.positions = positions[order].tolist()
        self.wkt = srs_wkt

    def count(self) -> int:
        return len(self.wkbs)

    def __iter__(self) -> Iterator[_Parcel]:
        for wkb, pos in zip(self.wkbs, self.positions, strict=True):
            yield _Parcel(wkb, pos)

    def srs_wkt(self) -> str:
        return self.wkt


class _Stats(Writer):
    """exactextract's statistics written straight into arrays, by parcel position."""

    def __init__(self, n: int, names: list[str]) -> None:
        super().__init__()
        self.columns = {name: np.full(n, np.nan) for name in names}

    def add_operation(self, op: Any) -> None:
        pass

    def add_column(self, col_name: str) -> None:
        pass

    def write(self, feature: Any) -> None:
        got = _Parcel()
        feature.copy_to(got)
        pos = int(got.values[_POS])
        for name, column in self.columns.items():
            value = got.values.get(name)
            if value is not None:
                column[pos] = value

    def features(self) -> dict[str, np.ndarray]:
        return self.columns


def built_fraction(
    parcels: gpd.GeoDataFrame,
    raster_path: str | os.PathLike[str],
    *,
    id_column: str,
    kind: RasterKind = "auto",
    built_value: float = 1,
    band: int = 1,
    max_cells_in_memory: int = 4_000_000,
) -> pd.DataFrame:
    """Built-up fraction of each parcel from an evidence raster, with exact pixel coverage.

    Parameters
    ----------
    parcels
        Supplied parcels in any CRS (not modified); reprojected to the raster's CRS.
    raster_path
        A GeoTIFF (or any raster GDAL reads) with a CRS.
    id_column
        Column of ``parcels`` identifying each parcel; copied to the result.
    kind
        ``"class"``: built-up where the value equals ``built_value``;
        ``"probability"``: values are a 0-1 built-up probability, averaged;
        ``"auto"``: ``"class"`` for an integer raster, ``"probability"`` for a float one.
    built_value
        The class value meaning built-up in a class raster.
    band
        Raster band to read (1-based).
    max_cells_in_memory
        Upper bound on the pixels exactextract holds at once.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``parcels.index``: ``id_column``, ``built_fraction`` (0-1, the
        coverage-weighted mean over the parcel's valid pixels; NaN when there is
        none), ``coverage_px`` (sum of the covered fractions of valid pixels, so a
        2 m x 2 m parcel on 10 m pixels has 0.04) and ``evidence_problem``: why
        there is no value (no geometry, outside the raster, only nodata, values
        outside 0-1), or a caveat on the value (partly outside the raster);
        ``""`` otherwise.

    Raises
    ------
    InputError
        The raster cannot be opened or has no such band.
    CRSError
        The raster or the parcels have no CRS.
    ConfigError
        ``id_column`` is not a column of ``parcels`` or ``kind`` is unknown.
    """
    path = os.fspath(raster_path)
    if id_column not in parcels.columns:
        raise ConfigError(
            f"id column {id_column!r} is not in the parcels (columns: {list(parcels.columns)})",
            path=path, fix="pass id_column= naming the parcels' id field",
        )
    if kind not in ("auto", "class", "probability"):
        raise ConfigError(f"kind was {kind!r} but is expected to be 'auto', 'class' or "
                          "'probability'", path=path, fix="pass a valid kind")
    if parcels.crs is None:
        raise CRSError("the parcels have no CRS, so they cannot be placed on the raster",
                       path=path, fix="set the parcels' CRS before reading evidence")
    try:
        ds = rasterio.open(path)
    except RasterioError as ex:
        raise InputError(f"cannot open the evidence raster ({ex})", path=path,
                         fix="give a GeoTIFF readable by GDAL") from ex
    with ds:
        if ds.crs is None:
            raise CRSError("the evidence raster has no CRS", path=path,
                           fix="assign its CRS, e.g. gdal_edit.py -a_srs EPSG:4529 FILE")
        if not 1 <= band <= ds.count:
            raise InputError(f"the evidence raster has {ds.count} band(s), band {band} was asked",
                             path=path, fix="pass an existing band")
        if kind == "auto":
            is_float = np.issubdtype(np.dtype(ds.dtypes[band - 1]), np.floating)
            kind = "probability" if is_float else "class"
        source = (_BuiltSource(ds, band, built_value=built_value) if kind == "class"
                  else RasterioRasterSource(ds, band))
        bounds = shapely.box(*ds.bounds)
        # Reprojection moves a vertex on the raster's edge by a few nanometres.
        tolerance = 1e-3 * min(abs(ds.res[0]), abs(ds.res[1]))
        stats, geoms = _extract(parcels, ds.crs, source, max_cells_in_memory)
    return _assemble(parcels, id_column, stats, geoms, bounds, tolerance=tolerance,
                     kind=kind)


def _extract(
    parcels: gpd.GeoDataFrame, crs: Any, source: Any, max_cells: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Reproject the parcels and run exactextract on those with a geometry."""
    projected = parcels[[parcels.geometry.name]].to_crs(crs)
    geoms = np.asarray(projected.geometry.values, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    stats = pd.DataFrame(
        {"count": np.zeros(len(geoms)), "mean": np.full(len(geoms), np.nan),
         "min": np.full(len(geoms), np.nan), "max": np.full(len(geoms), np.nan)}
    )
    if usable.any():
        names = ["count", "mean", "min", "max"]
        out = exact_extract(
            source, _Parcels(geoms[usable], np.flatnonzero(usable), crs.to_wkt()), names,
            include_cols=[_POS], output=_Stats(len(geoms), names),
            strategy="feature-sequential", max_cells_in_memory=max_cells,
        )
        done = ~np.isnan(out["count"])
        for column in names:
            stats.loc[done, column] = out[column][done]
    return stats, geoms


def _assemble(
    parcels: gpd.GeoDataFrame,
    id_column: str,
    stats: pd.DataFrame,
    geoms: np.ndarray,
    bounds: shapely.Polygon,
    *,
    tolerance: float,
    kind: str,
) -> pd.DataFrame:
    """Turn raw statistics into fractions and per-parcel problems."""
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    count = stats["count"].to_numpy(dtype=np.float64)
    mean = stats["mean"].to_numpy(dtype=np.float64)
    inside = np.zeros(len(geoms), dtype=bool)
    within = np.zeros(len(geoms), dtype=bool)
    inside[usable] = shapely.intersects(bounds, geoms[usable])
    within[usable] = shapely.contains(shapely.buffer(bounds, tolerance), geoms[usable])
    valid = count > 0
    out_of_range = valid & ((stats["min"].to_numpy() < 0) | (stats["max"].to_numpy() > 1))
    if kind == "class":
        out_of_range[:] = False
    problem = np.full(len(geoms), "", dtype=object)
    problem[valid & inside & ~within] = "parcel partly outside the evidence raster: fraction " \
        "from the part inside"
    problem[usable & inside & ~valid] = "only nodata pixels under the parcel"
    problem[usable & ~inside] = "parcel outside the evidence raster's extent"
    problem[~usable] = "parcel has no geometry"
    problem[out_of_range] = "raster values outside 0-1 under the parcel: not a built-up " \
        "probability (pass kind='class' for a class raster)"
    fraction = np.where(valid & ~out_of_range, np.clip(mean, 0.0, 1.0), np.nan)
    return pd.DataFrame(
        {
            id_column: parcels[id_column].to_numpy(),
            "built_fraction": fraction,
            "coverage_px": count,
            "evidence_problem": problem,
        },
        index=parcels.index,
    )
