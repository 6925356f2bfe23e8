"""A synthetic county in memory: farmland as a tessellation, parcels as random polygons.

Coordinates are CGCS2000 / 3-degree Gauss-Kruger zone 41 (EPSG:4529) around Anshan.
"""

from __future__ import annotations

import numpy as np
import shapely

CRS = "EPSG:4529"
X0, Y0 = 41_480_000.0, 4_540_000.0
CELL_M = 150.0  # mean farmland patch about 2.25 ha


def farmland(n: int, *, seed: int = 0, cell_m: float = CELL_M) -> np.ndarray:
    """``n`` farmland patches tessellating a square: Voronoi cells of random points."""
    rng = np.random.default_rng(seed)
    side = np.sqrt(n) * cell_m
    pts = shapely.points(X0 + rng.uniform(0, side, n), Y0 + rng.uniform(0, side, n))
    extent = shapely.box(X0, Y0, X0 + side, Y0 + side)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent))
    cells = shapely.intersection(cells, extent)
    return np.asarray(cells[shapely.area(cells) > 0], dtype=object)


def parcels(n: int, *, side: float, seed: int = 1, vertices: int = 8,
            radius: tuple[float, float] = (15.0, 80.0)) -> np.ndarray:
    """``n`` random convex parcels of ``radius`` m scattered over a square of ``side`` m."""
    rng = np.random.default_rng(seed)
    cx = X0 + rng.uniform(0, side, n)
    cy = Y0 + rng.uniform(0, side, n)
    r = rng.uniform(*radius, n)
    stretch = rng.uniform(0.5, 1.0, n)
    rot = rng.uniform(0, np.pi, n)
    ang = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    u = np.cos(ang)[None, :] * r[:, None]
    v = np.sin(ang)[None, :] * (r * stretch)[:, None]
    x = cx[:, None] + u * np.cos(rot)[:, None] - v * np.sin(rot)[:, None]
    y = cy[:, None] + u * np.sin(rot)[:, None] + v * np.cos(rot)[:, None]
    ring = np.stack([x, y], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return np.asarray(shapely.polygons(ring), dtype=object)


def county(n_parcels: int, n_farmland: int, *, seed: int = 0, cell_m: float = CELL_M,
           radius: tuple[float, float] = (15.0, 80.0)) -> tuple[np.ndarray, np.ndarray]:
    """Parcels and farmland of one synthetic county."""
    farm = farmland(n_farmland, seed=seed, cell_m=cell_m)
    side = np.sqrt(n_farmland) * cell_m
    return parcels(n_parcels, side=side, seed=seed + 1, radius=radius), farm
