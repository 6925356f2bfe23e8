"""A layer too large to hold, read in windows and kept on disk in the working CRS.

A county of a million farmland patches need not be held whole to be checked: the
overlap rules see it tile by tile, and the ledger, the accountability ratio and the
map's images need it one window at a time or only where parcels are. So a large area
layer (farmland, basic farmland) is read window by window through exactly the code a
whole read goes through (:func:`redline.io.layer.read_layer`: fields, land-class
filter, ids, repairs, problems), each window reprojected to the working CRS and
written to a GeoParquet file of its own under a temporary folder, with its extent.
Then:

- :meth:`Spilled.windows` gives the windows back in file order;
- :meth:`Spilled.within` the features whose geometry meets a polygon (a tile's box);
- :meth:`Spilled.meeting` the features meeting any of some geometries.

Every feature comes back as the whole read would have made it: the same ``_row``,
fields, ids, problems and geometry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline.io.layer import (
    Window,
    filter_codes,
    filtered_note,
    preflight,
    read_layer,
    to_working,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.io.config import LayerSpec
    from redline.io.discover import Source
    from redline.model import Layer, Problem

#: Features read, processed and written at a time.
WINDOW = 100_000

#: Per-feature problems, in the order a whole read lists them.
_FEATURE_KINDS = ("duplicate_id", "bad_coordinates", "bad_geometry", "geometry_repaired",
                  "bad_value", "duplicate_geometry")


@dataclass(frozen=True)
class Spilled:
    """A layer kept on disk in windows, in the working CRS.

    Attributes
    ----------
    files
        One GeoParquet file per window, in file order.
    extents
        The extent of each window's geometries (NaN for a window without any).
    count
        Features in the layer (after the land-class filter).
    drawable
        Features with a geometry.
    crs
        The working CRS the features are in.
    """

    files: tuple[str, ...]
    extents: tuple[tuple[float, float, float, float], ...]
    count: int
    drawable: int
    crs: str

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The extent of the whole layer, or None when no feature has a geometry."""
        boxes = np.array([e for e in self.extents if np.all(np.isfinite(e))])
        if not len(boxes):
            return None
        return (float(boxes[:, 0].min()), float(boxes[:, 1].min()),
                float(boxes[:, 2].max()), float(boxes[:, 3].max()))

    def empty(self) -> gpd.GeoDataFrame:
        """Return a frame with the layer's columns and no rows."""
        return _read(self.files[0]).iloc[:0] if self.files else gpd.GeoDataFrame(
            geometry=gpd.GeoSeries([], crs=self.crs), crs=self.crs)

    def whole(self) -> gpd.GeoDataFrame:
        """Return every feature in one frame (for a layer small enough after all)."""
        return self._concat(list(self.windows()))

    def windows(self) -> Iterator[gpd.GeoDataFrame]:
        """Each window's features, in file order."""
        for path in self.files:
            yield _read(path)

    def within(self, area: shapely.Geometry) -> gpd.GeoDataFrame:
        """Return the features whose geometry meets ``area``, in file order."""
        x0, y0, x1, y1 = shapely.bounds(area)
        parts = []
        for path, (a, b, c, d) in zip(self.files, self.extents, strict=True):
            if not (np.isfinite(a) and a <= x1 and c >= x0 and b <= y1 and d >= y0):
                continue
            part = _read(path, bbox=(x0, y0, x1, y1))
            if len(part):
                hit = shapely.intersects(np.asarray(part.geometry.values), area)
                parts.append(part[hit])
        return self._concat(parts)

    def meeting(self, geoms: NDArray[np.object_]) -> gpd.GeoDataFrame:
        """Return the features meeting any of ``geoms``, in file order."""
        if not len(geoms):
            return self.empty()
        parts = []
        for frame in self.windows():
            if len(frame):
                rows = np.unique(frame.sindex.query(geoms, predicate="intersects")[1])
                parts.append(frame.iloc[rows])
        return self._concat(parts)

    def _concat(self, parts: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
        parts = [p for p in parts if len(p)]
        if not parts:
            return self.empty()
        out = pd.concat(parts, ignore_index=True)
        return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=self.crs)


def _read(path: str, bbox: tuple[float, float, float, float] | None = None
          ) -> gpd.GeoDataFrame:
    """One window back as the whole read holds it: text as Python objects, None for none."""
    frame = gpd.read_parquet(path, bbox=bbox)
    for col in frame.columns:
        if col != frame.geometry.name and frame[col].dtype.kind not in "biufcmM":
            values = frame[col].astype(object)
            frame[col] = values.where(frame[col].notna(), None)
    return frame


def spill_layer(src: Source, spec: LayerSpec, *, folder: Path, working: str,
                crs: str | None = None, encoding: str | None = None,
                window: int | None = None) -> tuple[Layer | None, list[Problem]]:
    """Read a layer window by window into GeoParquet files in the working CRS.

    Returns what :func:`redline.io.layer.read_layer` returns for the whole layer,
    but the layer's ``frame`` is empty and its ``spill`` holds the features; its
    problems are those of the whole read, in the same order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    window = WINDOW if window is None else int(window)
    total = int(preflight(src, spec.encoding or encoding)["features"])
    fids = _fids(src, total)
    first: Layer | None = None
    seen: set[str] = set()
    files: list[str] = []
    extents: list[tuple[float, float, float, float]] = []
    feature_problems: list[Problem] = []
    count = drawable = 0
    enc = spec.encoding or encoding
    start = 0
    while start < max(total, 1):
        layer, problems = read_layer(src, spec, crs=crs, encoding=enc,
                                     rows=Window(start, window, _fid_range(fids, start, window)),
                                     seen_ids=seen)
        if layer is None:
            return None, problems
        frame = layer.frame
        if first is None:
            head = [p for p in problems if p.kind not in _FEATURE_KINDS]
            first = replace(layer, frame=frame.iloc[:0])  # the header, not the features
            if src.kind == "shp":  # decided once: every window is decoded alike
                enc = layer.encoding or enc
        elif layer.source_crs != first.source_crs:
            raise RuntimeError(f"{src.display}: the CRS changed between windows")
        del layer
        if first.source_crs is not None and working:
            frame, wrong = to_working(frame, first.source_crs, working, path=src.display,
                                      role=src.role)
            if wrong is not None:  # the check stops on it, as for a layer read whole
                return replace(first, problems=[*head, wrong]), [*head, wrong]
            assert frame is not None
        path = folder / f"{src.role}-{len(files):05d}.parquet"
        _write(frame, path)
        files.append(str(path))
        geoms = np.asarray(frame.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        box = shapely.total_bounds(geoms[present]) if present.any() else np.full(4, np.nan)
        extents.append((float(box[0]), float(box[1]), float(box[2]), float(box[3])))
        count += len(frame)
        drawable += int(present.sum())
        feature_problems += [p for p in problems if p.kind in _FEATURE_KINDS]
        del frame, geoms
        start += window
    assert first is not None
    codes = filter_codes(src, src.role, spec)
    head = [replace(p, problem=filtered_note(codes, kept=count, total=total))
            if p.kind == "filtered" and codes is not None else p for p in head]
    rank = {kind: i for i, kind in enumerate(_FEATURE_KINDS)}
    feature_problems.sort(key=lambda p: rank[p.kind])  # stable: file order within a kind
    problems = head + feature_problems
    spilled = Spilled(files=tuple(files), extents=tuple(extents), count=count,
                      drawable=drawable, crs=working)
    layer = replace(first, frame=spilled.empty(), problems=problems, spill=spilled)
    return layer, problems


def _write(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write one window; a full or unwritable disk is the user's to fix, in one line."""
    from redline.errors import RedlineError

    try:
        frame.to_parquet(path, write_covering_bbox=True)
    except OSError as ex:
        raise RedlineError(
            f"cannot keep the layer on disk for a tiled check ({ex.strerror or ex})",
            path=str(path.parent),
            fix="set TMPDIR to a folder with room (some 70 MB per million patches), "
                "or check in one pass with --tiles none") from ex


def _fids(src: Source, total: int) -> tuple[str, NDArray[np.int64]] | None:
    """Return a GeoPackage layer's FID column and its FIDs in file order, or None."""
    import pyogrio

    if src.kind != "gpkg":
        return None
    try:
        meta, table = pyogrio.read_arrow(src.gdal, layer=src.layer, columns=[],
                                         read_geometry=False, return_fids=True)
        column = str(meta.get("fid_column") or "")
        fids = table.column(0).to_numpy().astype(np.int64)
    except Exception:  # any trouble: step over the features before instead
        return None
    if not column.isidentifier() or len(fids) != total or np.any(np.diff(fids) <= 0):
        return None
    return column, fids


def _fid_range(fids: tuple[str, NDArray[np.int64]] | None, start: int, count: int
               ) -> str | None:
    """Return a ``where`` picking the features at positions ``start`` to ``start + count``."""
    if fids is None or start >= len(fids[1]):
        return None
    column, values = fids
    last = values[min(start + count, len(values)) - 1]
    return f'"{column}" >= {int(values[start])} AND "{column}" <= {int(last)}'


def can_spill(src: Source) -> bool:
    """Whether a source can be read in windows (a GDAL vector, not GeoParquet).

    Coordinate TXT files and a layer joined to an attribute table are read whole: the
    join's unmatched ids are those of the whole layer.
    """
    return src.kind not in ("parquet", "coordtxt") and src.attributes is None
