"""Spatial tiles for a county too large for one pass, with the same results as one pass.

The parcel layers (the features judged: approvals, supply, changes) are split on
a regular grid: a parcel belongs to the tile holding its representative point
(half-open cells, so exactly one tile). Each tile is analysed with its own
parcels plus every feature of every layer that comes within ``settings.touch_m``
of the extent of those parcels (other parcels included, as context: the rules
look that far from a parcel to name the nearest approval), so each owned parcel
sees all it would see in one pass. Only findings on owned parcels are kept, and the tiles
are concatenated. County-wide rules (the accountability ratio) are dropped from
the tiles: the caller computes them once on the merged result.

Frames in, frames out; a farmland layer too large to hold may instead be given window by
window (:class:`redline.model.Windows`, as :mod:`redline.io.spill` keeps it on disk), and
each tile then takes only what meets its box.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from redline import settings
from redline.analysis.findings import RuleResult, concat_findings, feature_ids

if TYPE_CHECKING:
    from redline.model import Windows

#: Layers split between tiles; the others are context read per tile.
PARCEL_ROLES: Final[tuple[str, ...]] = ("approvals", "supply", "changes")
#: Rules over a whole county, computed after the tiles are merged: the accountability ratio,
#: and the criminal threshold, whose sums join touching pieces and one party's acts anywhere.
COUNTY_RULES: Final[frozenset[str]] = frozenset({"accountability_ratio", "criminal_threshold"})
Analyse = Callable[[Mapping[str, gpd.GeoDataFrame]], RuleResult]


@dataclass(frozen=True)
class Tile:
    """One tile: the parcels it owns (row positions per role) and the box to read context in."""

    index: int
    owned: dict[str, NDArray[np.intp]]
    bbox: tuple[float, float, float, float]


def max_features() -> int:
    """Return the feature count above which a county is processed in tiles."""
    return int(settings.tile_max_features)


def auto_shape(counts: Mapping[str, int]) -> tuple[int, int]:
    """Return a square grid whose cells hold about :func:`max_features` features each."""
    side = max(1, math.ceil(math.sqrt(sum(counts.values()) / max(1, max_features()))))
    return (side, side)


def needs_tiles(counts: Mapping[str, int], *, limit: int | None = None) -> bool:
    """Whether a county with these feature counts per layer should be tiled."""
    return sum(counts.values()) > (max_features() if limit is None else limit)


def plan_tiles(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    shape: tuple[int, int],
    parcel_roles: Iterable[str] = PARCEL_ROLES,
) -> list[Tile]:
    """Split the parcel layers on an ``nx`` by ``ny`` grid over their joint extent.

    Returns only tiles that own parcels. Parcels without geometry go to tile 0
    (they meet nothing, so any tile judges them alike).
    """
    nx, ny = shape
    if nx < 1 or ny < 1:
        raise ValueError(f"shape was {shape!r} but both counts must be >= 1")
    roles = [r for r in parcel_roles if r in layers and len(layers[r])]
    points = {r: shapely.point_on_surface(np.asarray(layers[r].geometry.values)) for r in roles}
    present = [p[~shapely.is_missing(p) & ~shapely.is_empty(p)] for p in points.values()]
    if not roles or not any(len(p) for p in present):
        owned = {r: np.arange(len(layers[r])) for r in roles}
        return [Tile(0, owned, _box(layers, owned))] if roles else []
    x0, y0, x1, y1 = shapely.total_bounds(np.concatenate(present))
    dx = (x1 - x0) / nx or 1.0
    dy = (y1 - y0) / ny or 1.0
    cells: dict[str, NDArray[np.intp]] = {}
    for role, pts in points.items():
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        cell = np.zeros(len(pts), dtype=np.intp)
        xy = shapely.get_coordinates(pts[ok])
        ix = np.clip(np.floor((xy[:, 0] - x0) / dx).astype(np.intp), 0, nx - 1)
        iy = np.clip(np.floor((xy[:, 1] - y0) / dy).astype(np.intp), 0, ny - 1)
        cell[ok] = iy * nx + ix
        cells[role] = cell
    # The polygons of one approval document are judged together: all in its first one's tile.
    if "approvals" in cells:
        ids = feature_ids(layers["approvals"], "approvals")
        first = pd.Series(np.arange(len(ids))).groupby(ids, sort=False).transform("min")
        cells["approvals"] = cells["approvals"][first.to_numpy()]
    tiles: list[Tile] = []
    for k in range(nx * ny):
        owned = {r: np.flatnonzero(c == k) for r, c in cells.items()}
        if any(len(v) for v in owned.values()):
            tiles.append(Tile(len(tiles), owned, _box(layers, owned)))
    return tiles


def _box(layers: Mapping[str, gpd.GeoDataFrame], owned: Mapping[str, NDArray[np.intp]]
         ) -> tuple[float, float, float, float]:
    geoms = [np.asarray(layers[r].geometry.values)[rows] for r, rows in owned.items()]
    allg = np.concatenate(geoms) if geoms else np.array([], dtype=object)
    allg = allg[~(shapely.is_missing(allg) | shapely.is_empty(allg))]
    if not len(allg):
        return (0.0, 0.0, 0.0, 0.0)
    b = shapely.total_bounds(allg)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def tile_layers(layers: Mapping[str, gpd.GeoDataFrame], tile: Tile, *,
                margin: float | None = None, spilled: Mapping[str, Windows] | None = None
                ) -> tuple[dict[str, gpd.GeoDataFrame], Tile]:
    """Cut every layer to the features within ``margin`` of the tile's box (owned parcels in).

    ``margin`` is ``settings.touch_m`` by default, the farthest the rules look from a
    parcel. A layer in ``spilled`` (kept on disk, :mod:`redline.io.spill`) is read for
    the tile alone. Returns the cut layers and the tile with its owned rows as
    positions in them.
    """
    reach = settings.touch_m if margin is None else float(margin)
    x0, y0, x1, y1 = tile.bbox
    area = shapely.box(x0 - reach, y0 - reach, x1 + reach, y1 + reach)
    out: dict[str, gpd.GeoDataFrame] = {}
    owned: dict[str, NDArray[np.intp]] = {}
    for role, disk in (spilled or {}).items():
        out[role] = disk.within(area)
    for role, frame in layers.items():
        if role in out:
            continue
        rows = (frame.sindex.query(area, predicate="intersects") if len(frame)
                else np.array([], dtype=np.intp))
        # A feature with no geometry may stand anywhere (an approval without one leaves
        # land unjudged everywhere): every tile sees it.
        geoms = np.asarray(frame.geometry.values, dtype=object)
        rows = np.union1d(rows, np.flatnonzero(shapely.is_missing(geoms)
                                               | shapely.is_empty(geoms)))
        if role in tile.owned:
            rows = np.union1d(rows, tile.owned[role])
        rows = np.unique(rows)
        out[role] = frame.iloc[rows]
        if role in tile.owned:
            owned[role] = np.searchsorted(rows, tile.owned[role])
    return out, Tile(tile.index, owned, tile.bbox)


def _owned_ids(layers: Mapping[str, gpd.GeoDataFrame], tile: Tile) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for role, rows in tile.owned.items():
        keys.update((role, str(i)) for i in feature_ids(layers[role], role)[rows])
    return keys


def _owned_rows(layers: Mapping[str, gpd.GeoDataFrame], tile: Tile) -> set[tuple[str, int]]:
    """Return the ``_row`` of each owned feature (rows of one id may lie in several tiles)."""
    keys: set[tuple[str, int]] = set()
    for role, rows in tile.owned.items():
        frame = layers[role]
        source = frame["_row"].to_numpy() if "_row" in frame else np.arange(len(frame))
        keys.update((role, int(r)) for r in source[rows])
    return keys


def _run_tile(analyse: Analyse, layers: Mapping[str, gpd.GeoDataFrame], tile: Tile
              ) -> RuleResult:
    """Analyse one tile's cut layers; keep what concerns the parcels it owns."""
    part = layers
    result = analyse(part)
    keys = _owned_ids(part, tile)
    f = result.findings
    keep = np.array([(la, str(fid)) in keys and rule not in COUNTY_RULES
                     for la, fid, rule in zip(f["layer"], f["feature_id"], f["rule"],
                                              strict=True)], dtype=bool)
    feats = result.features
    if "_row" in feats:
        rows = _owned_rows(part, tile)
        fkeep = np.array([(la, int(r)) in rows for la, r in
                          zip(feats["layer"], feats["_row"], strict=True)], dtype=bool)
    else:
        fkeep = np.array([(la, str(fid)) in keys for la, fid in
                          zip(feats["layer"], feats["feature_id"], strict=True)], dtype=bool)
    return RuleResult(findings=f[keep], features=feats[fkeep], skipped=result.skipped,
                      tables=result.tables, parameters=result.parameters)


def run_tiled(
    layers: Mapping[str, gpd.GeoDataFrame],
    analyse: Analyse,
    *,
    shape: tuple[int, int] | None = None,
    parcel_roles: Iterable[str] = PARCEL_ROLES,
    executor: Executor | None = None,
    in_flight: int | None = None,
    spilled: Mapping[str, Windows] | None = None,
) -> RuleResult:
    """Run ``analyse`` tile by tile and merge, giving what one pass over ``layers`` gives.

    Parameters
    ----------
    layers
        Layer frames by role, in one working CRS.
    analyse
        The per-pass analysis (e.g. ``redline.analysis.rules.vector_findings`` with
        its options bound); it must report findings per parcel (``layer``,
        ``feature_id``). Picklable when ``executor`` runs in other processes.
    shape
        Grid ``(nx, ny)``; by default square cells holding about
        :func:`max_features` features each.
    executor
        Spread tiles over it (a process pool, a dask ``Client.get_executor()``);
        in this process when None.
    in_flight
        Tiles out on ``executor`` at once (:func:`max_in_flight` by default); a tile
        is cut from ``layers`` only when a slot frees.
    spilled
        Layers kept on disk (large farmland layers), read tile by tile; they are
        not parcel layers.

    Returns
    -------
    RuleResult
        Findings of every tile, sorted as :func:`concat_findings` sorts, county-wide
        rules (:data:`COUNTY_RULES`) left out; features; skipped rules of the first tile;
        the grid and the number of tiles as the ``tiles`` parameter.
    """
    if shape is None:
        shape = auto_shape({role: len(f) for role, f in layers.items()}
                           | {role: d.count for role, d in (spilled or {}).items()})
    tiles = plan_tiles(layers, shape=shape, parcel_roles=parcel_roles)
    cut = partial(tile_layers, layers, spilled=spilled)
    # Each task gets only its tile's features, never the whole county.
    if executor is None:
        parts = [_run_tile(analyse, *cut(t)) for t in tiles]
    else:
        parts = _submit_bounded(executor, analyse, cut, tiles,
                                in_flight=in_flight or max_in_flight(executor))
    crs = next((f.crs for f in layers.values() if f.crs is not None), None)
    findings = concat_findings([p.findings for p in parts], crs=crs)
    frames = [p.features for p in parts if len(p.features)]
    features = (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=["layer", "feature_id"]))
    first: dict[str, Any] = {}
    for p in parts:
        first.update(p.parameters)
    first["tiles"] = {"grid": list(shape), "count": len(tiles)}
    return RuleResult(findings=findings, features=features,
                      skipped=parts[0].skipped if parts else [], parameters=first,
                      tables=_concat_tables(p.tables for p in parts))


def max_in_flight(executor: Executor) -> int:
    """Tiles handed to ``executor`` at once: one more than it runs side by side.

    The workers of a process or thread pool (``_max_workers``), the threads of a
    dask client's cluster, else the CPU count. A tile's cut layers (and, on a
    cluster, their serialized copy) are held from the moment it is submitted until
    its task ends, so this bounds how many tiles' worth of features are held beside
    the county.
    """
    workers = getattr(executor, "max_workers", None) or getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)
    if not workers and client is not None and hasattr(client, "nthreads"):
        try:
            workers = sum(client.nthreads().values())
        except Exception:  # a client that cannot say: fall back on this machine
            workers = None
    return int(workers or os.cpu_count() or 1) + 1


def _submit_bounded(executor: Executor, analyse: Analyse,
                    cut: Callable[[Tile], tuple[dict[str, gpd.GeoDataFrame], Tile]],
                    tiles: list[Tile], *, in_flight: int) -> list[RuleResult]:
    """Run the tiles on ``executor``, cutting and submitting a tile only as a slot frees."""
    parts: list[RuleResult | None] = [None] * len(tiles)
    running: dict[Future[RuleResult], int] = {}
    for i, tile in enumerate(tiles):
        while len(running) >= max(1, in_flight):
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                parts[running.pop(future)] = future.result()
        running[executor.submit(_run_tile, analyse, *cut(tile))] = i
    for future, i in running.items():
        parts[i] = future.result()
    return [p for p in parts if p is not None]


def _concat_tables(tables: Iterable[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    merged: dict[str, list[pd.DataFrame]] = {}
    for t in tables:
        for name, frame in t.items():
            merged.setdefault(name, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in merged.items()}
