"""The geometry of a synthetic county: its outline, townships and land patches, and parcels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray


def county_outline(rng: np.random.Generator, origin: tuple[float, float],
             area: float) -> shapely.Geometry:
    """Make a smooth, star-shaped county outline of about ``area`` m2 around ``origin``."""
    amp = np.array([0.12, 0.08, 0.05])
    freq = np.array([3, 5, 7])
    phase = rng.uniform(0, 2 * np.pi, 3)
    theta = np.linspace(0, 2 * np.pi, 257)[:-1]
    shape = 1 + (amp[:, None] * np.sin(freq[:, None] * theta + phase[:, None])).sum(axis=0)
    radius = math.sqrt(area / (math.pi * (1 + 0.5 * float((amp**2).sum()))))
    r = radius * shape
    xy = np.column_stack([origin[0] + r * np.cos(theta), origin[1] + r * np.sin(theta)])
    return shapely.polygons(np.round(xy, 3))


def polygonal(geoms: NDArray[Any]) -> NDArray[Any]:
    """Keep only the polygonal parts of each geometry (collections from clipping)."""
    out = np.asarray(geoms, dtype=object).copy()
    kind = shapely.get_type_id(out)
    odd = np.flatnonzero((kind != 3) & (kind != 6) & ~shapely.is_empty(out))
    if len(odd):
        parts, idx = shapely.get_parts(out[odd], return_index=True)
        keep = shapely.get_type_id(parts) == 3
        fixed = np.full(len(odd), shapely.from_wkt("POLYGON EMPTY"), dtype=object)
        if keep.any():
            made = shapely.multipolygons(parts[keep], indices=idx[keep])
            fixed[np.unique(idx[keep])] = made
        out[odd] = fixed
    return out


def _clip(geoms: NDArray[Any], mask: shapely.Geometry) -> NDArray[Any]:
    """Clip geometries to a polygon; those wholly inside are kept as they are."""
    shapely.prepare(mask)
    inside = shapely.contains_properly(mask, geoms)
    out = np.asarray(geoms, dtype=object).copy()
    edge = np.flatnonzero(~inside)
    if len(edge):
        out[edge] = polygonal(shapely.intersection(geoms[edge], mask))
    return out


def tessellate(rng: np.random.Generator, outline: shapely.Geometry, cell: float,
                *, voronoi_max: int = 20_000) -> NDArray[Any]:
    """Non-overlapping patches covering ``outline``: Voronoi, or a perturbed grid when large."""
    x0, y0, x1, y1 = shapely.bounds(outline)
    nx, ny = int((x1 - x0) // cell) + 2, int((y1 - y0) // cell) + 2
    if nx * ny <= voronoi_max:
        gx, gy = np.meshgrid(x0 + cell * (np.arange(nx) + 0.5), y0 + cell * (np.arange(ny) + 0.5))
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        pts = pts + rng.uniform(-0.4, 0.4, (nx * ny, 2)) * cell
        env = shapely.box(x0 - 2 * cell, y0 - 2 * cell, x1 + 2 * cell, y1 + 2 * cell)
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=env, ordered=True)
        )
    else:
        gx, gy = np.meshgrid(x0 + cell * np.arange(nx + 1), y0 + cell * np.arange(ny + 1))
        vx = gx + rng.uniform(-0.25, 0.25, gx.shape) * cell
        vy = gy + rng.uniform(-0.25, 0.25, gy.shape) * cell
        corner = [(slice(0, -1), slice(0, -1)), (slice(0, -1), slice(1, None)),
                  (slice(1, None), slice(1, None)), (slice(1, None), slice(0, -1))]
        ring = np.stack([np.stack([vx[a, b].ravel(), vy[a, b].ravel()], axis=1)
                         for a, b in corner], axis=1)
        cells = shapely.polygons(ring)
    shapely.prepare(outline)
    cells = cells[shapely.intersects(outline, cells)]
    cells = _clip(cells, outline)
    return cells[~shapely.is_empty(cells) & (shapely.area(cells) > 1.0)]


def township_cells(rng: np.random.Generator, outline: shapely.Geometry, k: int) -> NDArray[Any]:
    """``k`` townships: Voronoi cells of jittered seeds inside the outline, clipped to it."""
    x0, y0, x1, y1 = shapely.bounds(outline)
    step = math.sqrt(shapely.area(outline) / k)
    for _ in range(50):
        gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        pts = pts + rng.uniform(-0.3, 0.3, pts.shape) * step
        pts = pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]
        if len(pts) >= k:
            pts = pts[np.sort(rng.permutation(len(pts))[:k])]
            break
        step *= 0.93
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(pts), extend_to=shapely.buffer(outline, step), ordered=True))
    return _clip(cells, outline)


def overlay(patches: NDArray[Any], zones: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp],
                                                                   NDArray[np.intp]]:
    """Cut patches by zones (a partition): pieces, their patch index and zone index."""
    tree = shapely.STRtree(zones)
    pi, zi = tree.query(patches, predicate="intersects")
    inside = shapely.contains_properly(zones[zi], patches[pi])
    pieces = np.asarray(patches[pi], dtype=object).copy()
    cut = np.flatnonzero(~inside)
    if len(cut):
        pieces[cut] = polygonal(shapely.intersection(patches[pi[cut]], zones[zi[cut]]))
    keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 1.0)
    order = np.lexsort((zi[keep], pi[keep]))
    return pieces[keep][order], pi[keep][order], zi[keep][order]


def rects(cx: NDArray[Any], cy: NDArray[Any], angle: NDArray[Any],  # noqa: PLR0917
           x0: NDArray[Any], x1: NDArray[Any], y0: NDArray[Any], y1: NDArray[Any],
           ) -> NDArray[Any]:
    """Rectangles given in each site's local frame, rotated by ``angle`` about (cx, cy)."""
    lx = np.stack([x0, x1, x1, x0], axis=1)
    ly = np.stack([y0, y0, y1, y1], axis=1)
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    wx = cx[:, None] + lx * c - ly * s
    wy = cy[:, None] + lx * s + ly * c
    return shapely.polygons(np.stack([np.round(wx, 3), np.round(wy, 3)], axis=2))
