"""Construction evidence from imagery: the built-up fraction of each supplied parcel.

The evidence raster is either a *class* raster (built-up = 1, anything else not
built, nodata honoured) or a 0-1 *probability* raster of built-up land. For each
parcel the built-up fraction is the mean of "built" over the parcel's valid
pixels, each pixel weighted by the exact fraction of it the parcel covers.

How: a pixel's covered fraction is the exact share of it the parcel covers (not
the all-or-nothing "pixel centre inside" of ``rasterio.features`` / rasterstats),
so a parcel smaller than one pixel still gets a value and a parcel's edge pixels
count by their covered share. For a class raster with north-up pixels and valid
polygons (the common case) the sums come from the parcels' boundaries alone, by
Green's theorem (:func:`_coverage_sums`): one vectorised pass over the edges, cut
at every pixel row and column, against running counts of built and nodata pixels
along the raster's rows; exact to rounding (1e-14 of a pixel where exactextract,
working in the CRS's large coordinates, drifts by 1e-9). Everything else (a
probability raster, a raster masked by a mask band or scaled, a rotated raster,
an invalid polygon) goes to exactextract, which computes the same coverage
fractions cell by cell in C++. Both read the raster *by window*, never whole:
the boundary pass reads, strip of block rows by strip, one window under each
group of nearby parcels; exactextract's ``feature-sequential`` strategy reads the
block under each parcel's bounding box and caps what it holds with
``max_cells_in_memory``. So a raster larger than memory works;
``tests/test_evidence.py`` checks it by recording every window read and by
measuring peak memory on a sparse raster of 1.6 GB uncompressed.

The parcels are reprojected to the raster's CRS; the raster is never resampled,
so its pixels are judged as they are.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
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
    """Reproject the parcels and gather the statistics of those with a geometry."""
    projected = parcels[[parcels.geometry.name]].to_crs(crs)
    geoms = np.asarray(projected.geometry.values, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    stats = pd.DataFrame(
        {"count": np.zeros(len(geoms)), "mean": np.full(len(geoms), np.nan),
         "min": np.full(len(geoms), np.nan), "max": np.full(len(geoms), np.nan)}
    )
    rest = usable
    if isinstance(source, _BuiltSource) and source.plain and _north_up(source.ds):
        fast = usable.copy()
        fast[usable] = (np.isin(shapely.get_type_id(geoms[usable]), (3, 6))
                        & shapely.is_valid(geoms[usable]))
        if fast.any():
            built, cover = _coverage_sums(source, geoms[fast])
            stats.loc[fast, "count"] = cover
            stats.loc[fast, "mean"] = np.where(cover > 0, built / np.where(cover > 0, cover, 1),
                                               np.nan)
        rest = usable & ~fast
    if rest.any():
        names = ["count", "mean", "min", "max"]
        out = exact_extract(
            source, _Parcels(geoms[rest], np.flatnonzero(rest), crs.to_wkt()), names,
            include_cols=[_POS], output=_Stats(len(geoms), names),
            strategy="feature-sequential", max_cells_in_memory=max_cells,
        )
        done = ~np.isnan(out["count"])
        for column in names:
            stats.loc[done, column] = out[column][done]
    return stats, geoms


def _north_up(ds: Any) -> bool:
    """Whether the raster's pixel rows and columns run along the CRS's axes (no rotation)."""
    t = ds.transform
    return bool(t.b == 0 and t.d == 0 and t.a != 0 and t.e != 0)


#: Columns of raster between two groups of parcels below which one window reads both.
_WINDOW_GAP = 256
#: Covered pixels under this share of a ring's bounding box are rounding, not land.
_ROUNDING = 1e-10


@dataclass
class _Rings:
    """The polygons' rings in pixel units: vertices and, per ring, what the sums need."""

    u: np.ndarray  # vertices: column coordinate
    w: np.ndarray  # vertices: row coordinate (down the raster)
    of: np.ndarray  # vertices: ring
    parcel: np.ndarray  # per ring: position of its polygon
    sign: np.ndarray  # per ring: +1 or -1, so exteriors add and holes take away
    span_lo: np.ndarray  # per ring: first raster column it meets (clipped to the raster)
    span_hi: np.ndarray  # per ring: column after its last one (clipped to the raster)
    box_px: np.ndarray  # per ring: area of its bounding box in pixels


def _rings(ds: Any, geoms: np.ndarray) -> _Rings:
    """Return the rings of ``geoms`` in the raster's pixel units, oriented and spanned."""
    inverse = ~ds.transform
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    u = inverse.a * xy[:, 0] + inverse.b * xy[:, 1] + inverse.c
    w = inverse.d * xy[:, 0] + inverse.e * xy[:, 1] + inverse.f
    n_rings = len(rings)
    # Each ring's orientation in pixel units (the shoelace about its first vertex).
    first = np.searchsorted(ring_of, np.arange(n_rings))
    du, dw = u - u[first][ring_of], w - w[first][ring_of]
    same = ring_of[:-1] == ring_of[1:]
    cross = np.where(same, du[:-1] * dw[1:] - du[1:] * dw[:-1], 0.0)
    signed = np.bincount(ring_of[:-1], weights=cross, minlength=n_rings)
    lo_u, hi_u = _extent(u, ring_of, n_rings)
    lo_w, hi_w = _extent(w, ring_of, n_rings)
    return _Rings(
        u=u, w=w, of=ring_of, parcel=part_of[ring_part],
        sign=np.sign(signed) * np.where(exterior, 1.0, -1.0),
        span_lo=np.clip(np.floor(lo_u), 0, ds.width).astype(np.int64),
        span_hi=np.clip(np.ceil(hi_u), 0, ds.width).astype(np.int64),
        box_px=(hi_u - lo_u) * (hi_w - lo_w),
    )


def _extent(values: np.ndarray, group: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Least and greatest of ``values`` in each of ``n`` groups."""
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    np.minimum.at(low, group, values)
    np.maximum.at(high, group, values)
    return low, high


def _coverage_sums(source: _BuiltSource, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum covered fraction x built, and covered fraction, over each polygon's pixels.

    The same figures as exactextract's coverage-weighted ``mean`` and ``count`` on
    :class:`_BuiltSource`, got from the polygons' boundaries alone (Green's theorem),
    so a pixel inside a parcel costs nothing and there is no call per parcel. In pixel
    units (``u`` along a row, ``w`` down the rows) a pixel's value ``v`` is constant, so
    with ``V(u, w)`` the integral of ``v`` along the row from a fixed column,
    ``sum(coverage x v) = integral of v over the polygon = closed integral of V dw``
    around its rings. Each edge is cut where it crosses a pixel row or column; on
    each piece ``V`` is linear, so the midpoint value times the piece's ``dw`` is
    exact. ``V`` starts at the ring's own first column (any start that depends on the
    row only adds nothing round a closed ring), which keeps the terms as small as the
    ring and the rounding far below a pixel's 1e-9. Valid polygons only (holes
    counted negative); the raster is read by windows of whole block rows under the
    parcels, never at once.
    """
    height = source.ds.height
    rg = _rings(source.ds, geoms)
    u, w = rg.u, rg.w
    # Edges that move across rows (the others add nothing to an integral in dw).
    keep = (rg.of[:-1] == rg.of[1:]) & (w[:-1] != w[1:])
    u0, w0, u1, w1 = u[:-1][keep], w[:-1][keep], u[1:][keep], w[1:][keep]
    edge_ring = rg.of[:-1][keep]
    # Each edge met in each strip of rows it crosses (for a raster stored as one huge
    # block, strips of a bounded size all the same: a window is never the whole raster).
    rows = source.strip_rows
    if rows * source.ds.width > _STRIP_MAX_CELLS:
        rows = max(1, _STRIP_CELLS // max(1, source.ds.width))
    lo = np.clip(np.minimum(w0, w1), 0, height)
    hi = np.clip(np.maximum(w0, w1), 0, height)
    s_lo = (lo // rows).astype(np.int64)
    s_hi = np.maximum(s_lo, (np.ceil(hi / rows) - 1).astype(np.int64))
    count = np.where(hi > lo, s_hi - s_lo + 1, 0)
    piece_edge = np.repeat(np.arange(len(u0)), count)
    strip = s_lo[piece_edge] + _ranks(count)
    order = np.argsort(strip, kind="stable")
    piece_edge, strip = piece_edge[order], strip[order]
    sums = (np.zeros(len(geoms)), np.zeros(len(geoms)))
    for a, b in itertools.pairwise(np.flatnonzero(np.r_[True, strip[1:] != strip[:-1], True])):
        e = piece_edge[a:b]
        top = int(strip[a]) * rows
        bottom = min(height, top + rows)
        seg = _pieces(u0[e], w0[e], u1[e], w1[e], top=top, bottom=bottom)
        _strip_sums(source, seg, edge_ring[e][seg.edge], rg, sums, top=top, bottom=bottom)
    built, cover = sums
    # A parcel on nodata alone sums to zero up to rounding of the order of its size.
    small = _ROUNDING * np.maximum(np.bincount(rg.parcel, weights=rg.box_px,
                                               minlength=len(geoms)), 1.0)
    cover = np.where(np.abs(cover) <= small, 0.0, cover)
    built = np.where(np.abs(built) <= small, 0.0, built)
    built = np.where(np.abs(cover - built) <= small, cover, built)
    return built, cover


def _ranks(count: np.ndarray) -> np.ndarray:
    """0, 1, ... count[i] - 1 for each i, concatenated."""
    total = int(count.sum())
    starts = np.cumsum(count) - count
    return np.arange(total) - np.repeat(starts, count)


class _Segments:
    """Pieces of edges that each lie in one pixel: midpoint (u, w), rise dw, edge."""

    def __init__(self, u: np.ndarray, w: np.ndarray, dw: np.ndarray, edge: np.ndarray) -> None:
        self.u, self.w, self.dw, self.edge = u, w, dw, edge


def _split(t_lo: np.ndarray, t_hi: np.ndarray, a0: np.ndarray, da: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each parameter range ``t_lo``-``t_hi`` of ``a0 + t * da`` where ``a`` is whole.

    Returns the pieces' start and end parameters and the range each comes from, in
    order along each range (so no sort is needed).
    """
    a_lo, a_hi = a0 + t_lo * da, a0 + t_hi * da
    rising = da > 0
    low, high = np.minimum(a_lo, a_hi), np.maximum(a_lo, a_hi)
    n_cross = np.maximum(0, np.ceil(high) - np.floor(low) - 1).astype(np.int64)
    n_cross[da == 0] = 0
    first = np.where(rising, np.floor(a_lo) + 1, np.ceil(a_lo) - 1)
    step = np.where(rising, 1.0, -1.0)
    idx = np.repeat(np.arange(len(t_lo)), n_cross)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cross = (first[idx] + _ranks(n_cross) * step[idx] - a0[idx]) / da[idx]
    n_bounds = n_cross + 2
    starts = np.cumsum(n_bounds) - n_bounds
    bounds = np.empty(int(n_bounds.sum()))
    bounds[starts] = t_lo
    bounds[starts + n_bounds - 1] = t_hi
    inner = np.ones(len(bounds), dtype=bool)
    inner[starts] = False
    inner[starts + n_bounds - 1] = False
    bounds[inner] = t_cross
    last = np.zeros(len(bounds), dtype=bool)
    last[starts + n_bounds - 1] = True
    take = ~last
    owner = np.repeat(np.arange(len(t_lo)), n_bounds)[take]
    return bounds[take], bounds[1:][take[:-1]], owner


def _pieces(u0: np.ndarray, w0: np.ndarray, u1: np.ndarray, w1: np.ndarray, *,
            top: float, bottom: float) -> _Segments:
    """Cut edges to the rows ``top``-``bottom``, then at every pixel row and column."""
    dw = w1 - w0
    du = u1 - u0
    t_a = (top - w0) / dw
    t_b = (bottom - w0) / dw
    t_lo = np.clip(np.minimum(t_a, t_b), 0.0, 1.0)
    t_hi = np.clip(np.maximum(t_a, t_b), 0.0, 1.0)
    # First across the rows, then each row's piece across the columns.
    ta, tb, edge = _split(t_lo, t_hi, w0, dw)
    ta, tb, piece = _split(ta, tb, u0[edge], du[edge])
    e = edge[piece]
    mid = (ta + tb) * 0.5
    return _Segments(u0[e] + mid * du[e], w0[e] + mid * dw[e], (tb - ta) * dw[e], e)


def _strip_sums(source: _BuiltSource, seg: _Segments, ring: np.ndarray, rg: _Rings,
                sums: tuple[np.ndarray, np.ndarray], *, top: int, bottom: int) -> None:
    """Add one strip's pieces to the sums, reading a window per group of nearby rings."""
    r = np.clip(np.floor(seg.w).astype(np.int64), top, bottom - 1)
    c = np.floor(seg.u).astype(np.int64)
    present = np.flatnonzero(np.bincount(ring, minlength=len(rg.sign)))
    # Rings whose columns lie near each other share a window.
    by_lo = present[np.argsort(rg.span_lo[present], kind="stable")]
    reach = np.maximum.accumulate(rg.span_hi[by_lo])
    new = np.r_[True, rg.span_lo[by_lo][1:] > reach[:-1] + _WINDOW_GAP]
    if new.sum() == 1:
        groups = [np.arange(len(ring))]
    else:
        group_of = np.zeros(len(rg.sign), dtype=np.int64)
        group_of[by_lo] = np.cumsum(new) - 1
        seg_group = group_of[ring]
        order = np.argsort(seg_group, kind="stable")
        cuts = np.flatnonzero(np.r_[True, seg_group[order][1:] != seg_group[order][:-1], True])
        groups = [order[a:b] for a, b in itertools.pairwise(cuts)]
    for pick in groups:
        k = ring[pick]
        col0 = int(rg.span_lo[k].min())
        col1 = int(rg.span_hi[k].max())
        if col1 > col0:  # else all left or right of the raster, where V is 0
            _window_sums(source, seg, (pick, r[pick], c[pick] - col0, k), rg, sums,
                         cols=(col0, col1))


def _window_sums(source: _BuiltSource, seg: _Segments,
                 cells: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], rg: _Rings,
                 sums: tuple[np.ndarray, np.ndarray], *, cols: tuple[int, int]) -> None:
    """Add some pieces to the sums, read from one window of columns ``cols``.

    ``cells`` holds the pieces' positions in ``seg``, raster rows, window columns and rings.
    """
    pick, rr, cc, k = cells
    col0, col1 = cols
    row0 = int(rr.min())
    ncols = col1 - col0
    data = source.ds.read(source.band_idx,
                          window=Window(col0, row0, ncols, int(rr.max()) + 1 - row0))
    in_px = (cc >= 0) & (cc < ncols)
    row_at = (rr - row0) * (ncols + 1)
    at = row_at + np.clip(cc, 0, ncols)
    ref = row_at + (rg.span_lo[k] - col0)
    frac = np.where(in_px, seg.u[pick] - (cc + col0), 0.0)
    value = data[rr - row0, np.clip(cc, 0, ncols - 1)]
    is_built = data == source.built_value
    nodata = None if source.by_value is None else data == source.by_value
    if nodata is not None and not nodata.any():
        nodata = None
    # V for "valid": the covered length along the row, less the nodata pixels.
    v_valid = in_px.astype(np.float64)
    cum_valid = (at - ref).astype(np.float64)
    if nodata is None:
        cum_built = _prefix(is_built, at, ref).astype(np.float64)
    elif ncols < 2**15:
        # Built and nodata pixels counted along the rows in one pass, nodata in the
        # high half of each count (a row holds fewer than 2**15 of them).
        code = is_built.astype(np.int32)
        code[nodata] = 1 << 16
        counts = _prefix(code, at, ref)
        cum_built = (counts & 0xFFFF).astype(np.float64)
        cum_valid -= counts >> 16
    else:
        cum_built = _prefix(is_built & ~nodata, at, ref).astype(np.float64)
        cum_valid -= _prefix(nodata, at, ref)
    if nodata is not None:
        v_valid[value == source.by_value] = 0.0
    v_built = np.where(value == source.built_value, v_valid, 0.0)
    weight = seg.dw[pick] * rg.sign[k]
    owner = rg.parcel[k]
    built, cover = sums
    cover += np.bincount(owner, weights=weight * (cum_valid + v_valid * frac),
                         minlength=len(cover))
    built += np.bincount(owner, weights=weight * (cum_built + v_built * frac),
                         minlength=len(built))


def _prefix(layer: np.ndarray, at: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Sum of ``layer`` along each row from flat position ``ref`` to ``at`` (exclusive)."""
    summed = np.zeros((layer.shape[0], layer.shape[1] + 1), dtype=np.int32)
    np.cumsum(layer, axis=1, out=summed[:, 1:])
    flat = summed.ravel()
    return flat[at] - flat[ref]


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
