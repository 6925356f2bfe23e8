"""Intersection areas without intersection geometry.

For each candidate pair of polygons the area of ``A ∩ B`` is summed directly
from the two boundaries: by Green's theorem the area of a region is half the
integral of ``x dy - y dx`` along its boundary, and the boundary of ``A ∩ B``
is the part of A's boundary inside B plus the part of B's boundary inside A
(each ring oriented with its polygon's interior on its left). So each edge of
each polygon is split where it meets the other polygon's boundary, each piece
is judged inside or outside the other polygon, and the pieces inside add their
shoelace term. No intersection polygon is built: no geometry is allocated per
pair and no graph is noded, which is where GEOS spends most of its time.

Robustness
----------
Every decision is a sign of a 2x2 determinant (which side of an edge a point
lies on), computed with a floating-point filter: a sign is used only when it is
certain, and a determinant that might be zero is decided exactly (error-free
products) when the coordinate differences are exact, as they are between points
of one projected layer (Sterbenz). Coordinates far from zero are first moved to
an origin in the pair's common box, which is exact for the same reason, so the
large coordinates of a Gauss-Kruger CRS lose no digits; the shoelace terms are
taken about the middle of that box. Then:

- a point that lies *exactly* on the other polygon's boundary (a shared vertex,
  a vertex on the other's edge, an edge shared in whole or in part) is handled
  exactly: a piece of boundary shared by both polygons counts once when both
  interiors lie on the same side of it (their boundaries run the same way) and
  not at all when they lie on opposite sides (two patches of a partition);
- a point *near* the other's boundary but not on it (within a relative tolerance
  ``_RTOL`` of the pair's extent: a vertex a hair off an edge, nearly collinear
  overlapping edges), an edge shorter than that tolerance, a ring that is not a
  closed ring of non-zero area, and any pair whose inside/outside walk does not
  close consistently, is not judged: it is flagged and its area taken from
  ``shapely.intersection(a, b).area`` instead.

Pieces between crossings are judged by carrying the inside/outside state along
each ring (flipped at each proper crossing), with a point-in-polygon test
(crossing parity) only where the state is unknown: at the start of a ring that
lies wholly within the other's box, and after a touch or a shared stretch.

Cost
----
Per pair, rings whose box misses the other polygon's box, and edges whose box
misses it, are skipped outright (they lie outside the other polygon); only the
remaining edges are tested against each other, by their boxes (sorted by
``xmin`` and swept when there are many). The areas are planar, in the units of
the coordinates; the overlap engine turns them into ellipsoidal areas.

The compiled functions release the GIL and run on a thread pool, like the GEOS
calls of :mod:`redline.analysis.overlay`: threads need no numba threading layer
(GNU OpenMP's cannot survive the ``fork`` that redline uses for its helper
process, and the default work queue aborts when two threads launch a parallel
region at once), and a caller's own threads can each call the kernel.
"""

# The compiled functions take flat arrays and scalars positionally (what numba
# compiles to plain machine code) and are written as straight loops with early exits.
# ruff: noqa: PLR0911, PLR0912, PLR0915, PLR0917

from __future__ import annotations

import contextlib
import itertools
import math
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import shapely
from numba import njit

from redline.errors import GeometryError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["Flat", "Measures", "intersection_areas", "intersection_measures"]

#: Points closer than this to the other polygon's boundary (but not on it) are
#: not judged, relative to the largest coordinate of the pair around its origin.
#: Signs are certain far below it (the filter's bound is ~3e-16); above it the
#: crossing points along a shallow crossing stay well ordered.
_RTOL = 1e-9

# Why a pair was sent to the fallback (0: judged by the kernel).
OK = 0
NEAR = 1  # a vertex or an edge within the tolerance of the other's boundary
AMBIGUOUS = 2  # a piece's midpoint within the tolerance of the other's boundary
INCONSISTENT = 3  # the inside/outside walk along a ring did not close
BAD_RING = 4  # a ring with fewer than 4 points, not closed, or of zero area
SHORT_EDGE = 5  # an edge shorter than the tolerance near the other polygon
SANITY = 6  # an area below zero or above the smaller polygon's
REASONS = ("ok", "near", "ambiguous", "inconsistent", "bad ring", "short edge", "sanity")

# Event kinds along an edge.
_CROSS, _TOUCH, _CSTART, _CEND = 0, 1, 2, 3
# Inside/outside states of a piece.
_OUT, _IN, _UNKNOWN = 0, 1, 2

# Pairs per task on the thread pool.
_CHUNK = 8192
# Above this many candidate edge pairs, edges are paired by a sweep over x.
_SWEEP = 96

_SPLITTER = 134217729.0  # 2**27 + 1 (Dekker's split)
_CCW_ERR = (3.0 + 16.0 * 2.0**-53) * 2.0**-53  # Shewchuk's ccwerrboundA


# --------------------------------------------------------------------------- predicates


@njit(cache=True, nogil=True)
def _diff_exact(a: float, b: float) -> bool:
    """Whether ``a - b`` is exact in floating point (Knuth's two-sum)."""
    x = a - b
    bv = a - x
    av = x + bv
    return (a - av) + (bv - b) == 0.0


@njit(cache=True, nogil=True)
def _two_prod(a: float, b: float) -> tuple[float, float]:
    """Return ``a * b`` as an unevaluated sum ``x + y``, exactly (Dekker)."""
    x = a * b
    c = _SPLITTER * a
    ahi = c - (c - a)
    alo = a - ahi
    c = _SPLITTER * b
    bhi = c - (c - b)
    blo = b - bhi
    err = x - ahi * bhi
    err -= alo * bhi
    err -= ahi * blo
    return x, alo * blo - err


@njit(cache=True, nogil=True)
def _orient(px: float, py: float, qx: float, qy: float, rx: float, ry: float
            ) -> tuple[float, int]:
    """Twice the signed area of (p, q, r): > 0 when r is left of p->q.

    Returns the value and a code: 1 when it is exactly zero, 0 when its sign is
    certain (or it is certainly not zero), -1 when neither can be shown.
    """
    if (rx == px and ry == py) or (rx == qx and ry == qy):
        return 0.0, 1
    ax = qx - px
    ay = qy - py
    bx = rx - px
    by = ry - py
    left = ax * by
    right = ay * bx
    det = left - right
    if abs(det) > _CCW_ERR * (abs(left) + abs(right)):
        return det, 0
    # A difference computed as zero is exactly zero; others must be shown exact.
    ex_ax = ax == 0.0 or _diff_exact(qx, px)
    ex_ay = ay == 0.0 or _diff_exact(qy, py)
    ex_bx = bx == 0.0 or _diff_exact(rx, px)
    ex_by = by == 0.0 or _diff_exact(ry, py)
    if not ((ax == 0.0 or by == 0.0 or (ex_ax and ex_by))
            and (ay == 0.0 or bx == 0.0 or (ex_ay and ex_bx))):
        return det, -1
    lh, ll = _two_prod(ax, by)
    rh, rl = _two_prod(ay, bx)
    # x = fl(a*b) is a function of the exact product, so two products are equal
    # exactly when both parts are.
    if lh == rh and ll == rl:
        return 0.0, 1
    return det, 0


# --------------------------------------------------------------------------- layers


@njit(cache=True, nogil=True)
def _prepare(x: NDArray[np.float64], y: NDArray[np.float64], ring_off: NDArray[np.int64],
             exterior: NDArray[np.bool_]
             ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_],
                        NDArray[np.float64]]:
    """Per ring: orientation factor, box, whether it is a proper ring, signed area.

    The factor is +1 when the ring runs with its polygon's interior on its left
    (an exterior counter-clockwise, a hole clockwise), else -1.
    """
    n = len(ring_off) - 1
    sign = np.empty(n)
    box = np.empty((n, 4))
    good = np.ones(n, dtype=np.bool_)
    area = np.zeros(n)
    for j in range(n):
        k0 = ring_off[j]
        k1 = ring_off[j + 1]
        if k1 - k0 < 4 or x[k0] != x[k1 - 1] or y[k0] != y[k1 - 1]:
            good[j] = False
            sign[j] = 1.0
            box[j, 0] = box[j, 1] = box[j, 2] = box[j, 3] = 0.0
            continue
        x0 = x[k0]
        y0 = y[k0]
        xmin = xmax = x0
        ymin = ymax = y0
        s = 0.0
        for k in range(k0, k1 - 1):
            ax = x[k] - x0
            ay = y[k] - y0
            bx = x[k + 1] - x0
            by = y[k + 1] - y0
            s += ax * by - ay * bx
            xmin = min(xmin, x[k + 1])
            xmax = max(xmax, x[k + 1])
            ymin = min(ymin, y[k + 1])
            ymax = max(ymax, y[k + 1])
        if not (math.isfinite(s) and s != 0.0):
            good[j] = False
        box[j, 0] = xmin
        box[j, 1] = ymin
        box[j, 2] = xmax
        box[j, 3] = ymax
        ccw = s > 0.0
        sign[j] = 1.0 if ccw == exterior[j] else -1.0
        area[j] = 0.5 * abs(s) * (1.0 if exterior[j] else -1.0)
    return sign, box, good, area


@njit(cache=True, nogil=True)
def _one_ring(x: NDArray[np.float64], y: NDArray[np.float64], n_coords: NDArray[np.int64]
              ) -> NDArray[np.bool_]:
    """Whether each geometry's coordinates are one closed ring and nothing more.

    A ring ends where its first point comes back; a valid ring never passes through
    it before (a ring that does is sent the long way, which finds its true rings).
    """
    out = np.zeros(len(n_coords), dtype=np.bool_)
    k = 0
    for i in range(len(n_coords)):
        n = n_coords[i]
        if n >= 4:
            x0 = x[k]
            y0 = y[k]
            closes = 0
            for j in range(k + 1, k + n):
                if x[j] == x0 and y[j] == y0:
                    closes = j
                    break
            out[i] = closes == k + n - 1
        k += n
    return out


def one_ring_polygons(geoms: NDArray[np.object_], coords: NDArray[np.float64],
                      n_coords: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each geometry is a polygon of one ring, alone or as a multipolygon's one part.

    ``coords`` and ``n_coords`` are ``shapely.get_coordinates`` and
    ``shapely.get_num_coordinates`` of ``geoms``. Such a geometry's coordinates are
    that ring's, read without splitting it into parts and rings. A multipolygon of one
    part is how many files store every polygon (each feature of a GeoPackage or
    FileGDB layer declared MULTIPOLYGON).
    """
    kind = shapely.get_type_id(geoms)
    return (((kind == shapely.GeometryType.POLYGON)
             | ((kind == shapely.GeometryType.MULTIPOLYGON)
                & (shapely.get_num_geometries(geoms) == 1)))
            & _one_ring(coords[:, 0], coords[:, 1], n_coords))


@njit(cache=True, nogil=True)
def _geom_boxes(geom_ring: NDArray[np.int64], ring_box: NDArray[np.float64]
                ) -> NDArray[np.float64]:
    """Box of each geometry from its rings' boxes (zeros for an empty one)."""
    n = len(geom_ring) - 1
    box = np.zeros((n, 4))
    for i in range(n):
        r0 = geom_ring[i]
        r1 = geom_ring[i + 1]
        if r0 == r1:
            continue
        box[i, 0] = ring_box[r0, 0]
        box[i, 1] = ring_box[r0, 1]
        box[i, 2] = ring_box[r0, 2]
        box[i, 3] = ring_box[r0, 3]
        for j in range(r0 + 1, r1):
            box[i, 0] = min(box[i, 0], ring_box[j, 0])
            box[i, 1] = min(box[i, 1], ring_box[j, 1])
            box[i, 2] = max(box[i, 2], ring_box[j, 2])
            box[i, 3] = max(box[i, 3], ring_box[j, 3])
    return box


# --------------------------------------------------------------------------- one pair


@njit(cache=True, nogil=True)
def _add_event(ev_slot: NDArray[np.int64], ev_t: NDArray[np.float64],
               ev_x: NDArray[np.float64], ev_y: NDArray[np.float64],
               ev_kind: NDArray[np.int64], ev_same: NDArray[np.bool_], n: int,
               slot: int, t: float, px: float, py: float, kind: int, same: bool
               ) -> int:
    if n >= len(ev_t):
        return n + 1  # counted, not stored: the caller grows the buffers and retries
    ev_slot[n] = slot
    ev_t[n] = t
    ev_x[n] = px
    ev_y[n] = py
    ev_kind[n] = kind
    ev_same[n] = same
    return n + 1


@njit(cache=True, nogil=True)
def _axis_pos(ax: float, ay: float, bx: float, by: float, px: float, py: float
              ) -> tuple[float, float, float]:
    """Position of p, a and b along the dominant axis of a->b (exact values)."""
    if abs(bx - ax) >= abs(by - ay):
        return px, ax, bx
    return py, ay, by


@njit(cache=True, nogil=True)
def _on_segment(ax: float, ay: float, bx: float, by: float, px: float, py: float) -> int:
    """For p exactly on the line of a->b: 0 outside, 1 at a, 2 at b, 3 strictly between."""
    c, ca, cb = _axis_pos(ax, ay, bx, by, px, py)
    if c == ca:
        return 1
    if c == cb:
        return 2
    lo = min(ca, cb)
    hi = max(ca, cb)
    if lo < c < hi:
        return 3
    return 0


@njit(cache=True, nogil=True)
def _param(ax: float, ay: float, bx: float, by: float, px: float, py: float) -> float:
    """Parameter of p (on the line of a->b) along a->b, by its dominant axis."""
    c, ca, cb = _axis_pos(ax, ay, bx, by, px, py)
    if c == ca:
        return 0.0
    if c == cb:
        return 1.0
    return (c - ca) / (cb - ca)


@njit(cache=True, nogil=True)
def _near_in_range(o: float, z: int, ax: float, ay: float, bx: float, by: float,
                   px: float, py: float, length: float, tol: float) -> bool:
    """Whether p, not exactly on the line a->b, is within ``tol`` of the segment."""
    if z == 1:
        return False
    if z == 0 and abs(o) > tol * length:
        return False
    t = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / (length * length)
    slack = tol / length
    return -slack <= t <= 1.0 + slack


@njit(cache=True, nogil=True)
def _edge_pair(rx: float, ry: float, sx: float, sy: float, sa: float, slot_a: int,
               px: float, py: float, qx: float, qy: float, sb: float, slot_b: int,
               tol: float,
               ev_slot: NDArray[np.int64], ev_t: NDArray[np.float64],
               ev_x: NDArray[np.float64], ev_y: NDArray[np.float64],
               ev_kind: NDArray[np.int64], ev_same: NDArray[np.bool_], n: int
               ) -> tuple[int, int]:
    """Events where edge a = r->s meets edge b = p->q. Returns (events, reason)."""
    lb = math.sqrt((qx - px) ** 2 + (qy - py) ** 2)
    o_r, z_r = _orient(px, py, qx, qy, rx, ry)
    o_s, z_s = _orient(px, py, qx, qy, sx, sy)
    far = tol * lb
    if z_r == 0 and z_s == 0 and ((o_r > far and o_s > far) or (o_r < -far and o_s < -far)):
        return n, OK  # a lies on one side of b's line, farther than tol: nothing meets
    la = math.sqrt((sx - rx) ** 2 + (sy - ry) ** 2)
    o_p, z_p = _orient(rx, ry, sx, sy, px, py)
    o_q, z_q = _orient(rx, ry, sx, sy, qx, qy)
    far = tol * la
    if z_p == 0 and z_q == 0 and ((o_p > far and o_q > far) or (o_p < -far and o_q < -far)):
        return n, OK
    if (_near_in_range(o_r, z_r, px, py, qx, qy, rx, ry, lb, tol)
            or _near_in_range(o_s, z_s, px, py, qx, qy, sx, sy, lb, tol)
            or _near_in_range(o_p, z_p, rx, ry, sx, sy, px, py, la, tol)
            or _near_in_range(o_q, z_q, rx, ry, sx, sy, qx, qy, la, tol)):
        return n, NEAR
    if z_r == 1 and z_s == 1:
        if z_p != 1 or z_q != 1:
            return n, NEAR
        return _collinear(rx, ry, sx, sy, sa, slot_a, px, py, qx, qy, sb, slot_b,
                          ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n)
    if z_r == 1 or z_s == 1 or z_p == 1 or z_q == 1:
        # A single point in common, at a vertex of one or both edges.
        if z_p == 1:
            where = _on_segment(rx, ry, sx, sy, px, py)
            if where:
                t = 0.0 if where == 1 else (1.0 if where == 2 else
                                            _param(rx, ry, sx, sy, px, py))
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_a, t, px, py, _TOUCH, False)
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_b, 0.0, px, py, _TOUCH, False)
        if z_q == 1:
            where = _on_segment(rx, ry, sx, sy, qx, qy)
            if where:
                t = 0.0 if where == 1 else (1.0 if where == 2 else
                                            _param(rx, ry, sx, sy, qx, qy))
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_a, t, qx, qy, _TOUCH, False)
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_b, 1.0, qx, qy, _TOUCH, False)
        if z_r == 1:
            where = _on_segment(px, py, qx, qy, rx, ry)
            if where:
                u = 0.0 if where == 1 else (1.0 if where == 2 else
                                            _param(px, py, qx, qy, rx, ry))
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_b, u, rx, ry, _TOUCH, False)
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_a, 0.0, rx, ry, _TOUCH, False)
        if z_s == 1:
            where = _on_segment(px, py, qx, qy, sx, sy)
            if where:
                u = 0.0 if where == 1 else (1.0 if where == 2 else
                                            _param(px, py, qx, qy, sx, sy))
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_b, u, sx, sy, _TOUCH, False)
                n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                               slot_a, 1.0, sx, sy, _TOUCH, False)
        return n, OK
    cross = (o_r > 0.0) != (o_s > 0.0) and (o_p > 0.0) != (o_q > 0.0)
    if not cross:
        return n, OK
    if (z_r == -1 or z_s == -1 or z_p == -1 or z_q == -1
            or abs(o_r) <= tol * lb or abs(o_s) <= tol * lb
            or abs(o_p) <= tol * la or abs(o_q) <= tol * la):
        return n, NEAR
    t = o_r / (o_r - o_s)
    u = o_p / (o_p - o_q)
    cx = rx + t * (sx - rx)
    cy = ry + t * (sy - ry)
    n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                   slot_a, t, cx, cy, _CROSS, False)
    n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                   slot_b, u, cx, cy, _CROSS, False)
    return n, OK


@njit(cache=True, nogil=True)
def _pick(c: float, cr: float, cs: float, cp: float, rx: float, ry: float, sx: float,
          sy: float, px: float, py: float, qx: float, qy: float) -> tuple[float, float]:
    """Return the point among r, s, p, q whose position on their common line is c."""
    if c == cr:
        return rx, ry
    if c == cs:
        return sx, sy
    if c == cp:
        return px, py
    return qx, qy


@njit(cache=True, nogil=True)
def _collinear(rx: float, ry: float, sx: float, sy: float, sa: float, slot_a: int,
               px: float, py: float, qx: float, qy: float, sb: float, slot_b: int,
               ev_slot: NDArray[np.int64], ev_t: NDArray[np.float64],
               ev_x: NDArray[np.float64], ev_y: NDArray[np.float64],
               ev_kind: NDArray[np.int64], ev_same: NDArray[np.bool_], n: int
               ) -> tuple[int, int]:
    """Events of two edges lying exactly on one line."""
    cr, _, _ = _axis_pos(rx, ry, sx, sy, rx, ry)
    cs, _, _ = _axis_pos(rx, ry, sx, sy, sx, sy)
    cp, _, _ = _axis_pos(rx, ry, sx, sy, px, py)
    cq, _, _ = _axis_pos(rx, ry, sx, sy, qx, qy)
    lo = max(min(cr, cs), min(cp, cq))
    hi = min(max(cr, cs), max(cp, cq))
    if lo > hi:
        return n, OK
    # The two ends of the common part, each one of the four (exact) points.
    e0x, e0y = _pick(lo, cr, cs, cp, rx, ry, sx, sy, px, py, qx, qy)
    e1x, e1y = _pick(hi, cr, cs, cp, rx, ry, sx, sy, px, py, qx, qy)
    if lo == hi:
        ta = _param(rx, ry, sx, sy, e0x, e0y)
        ub = _param(px, py, qx, qy, e0x, e0y)
        n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                       slot_a, ta, e0x, e0y, _TOUCH, False)
        n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                       slot_b, ub, e0x, e0y, _TOUCH, False)
        return n, OK
    dot = (sx - rx) * (qx - px) + (sy - ry) * (qy - py)
    same = (dot > 0.0) == (sa * sb > 0.0)
    for side in range(2):
        if side == 0:
            ax, ay, bx, by, slot = rx, ry, sx, sy, slot_a
        else:
            ax, ay, bx, by, slot = px, py, qx, qy, slot_b
        t0 = _param(ax, ay, bx, by, e0x, e0y)
        t1 = _param(ax, ay, bx, by, e1x, e1y)
        if t0 <= t1:
            n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                           slot, t0, e0x, e0y, _CSTART, same)
            n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                           slot, t1, e1x, e1y, _CEND, same)
        else:
            n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                           slot, t1, e1x, e1y, _CSTART, same)
            n = _add_event(ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n,
                           slot, t0, e0x, e0y, _CEND, same)
    return n, OK


@njit(cache=True, nogil=True)
def _locate(mx: float, my: float, x: NDArray[np.float64], y: NDArray[np.float64],
            ring_off: NDArray[np.int64], r0: int, r1: int, ring_box: NDArray[np.float64],
            ox: float, oy: float, tol: float) -> int:
    """Whether the local point m is inside the rings r0..r1 (crossing parity).

    Returns _IN, _OUT, or -1 when m lies within ``tol`` of their boundary.
    """
    ax = mx + ox  # crossing tests in layer coordinates: boxes first, exact compares
    ay = my + oy
    inside = False
    for j in range(r0, r1):
        if (ay < ring_box[j, 1] - tol or ay > ring_box[j, 3] + tol
                or ax > ring_box[j, 2] + tol):
            continue
        for k in range(ring_off[j], ring_off[j + 1] - 1):
            px = x[k] - ox
            py = y[k] - oy
            qx = x[k + 1] - ox
            qy = y[k + 1] - oy
            if (min(px, qx) - tol <= mx <= max(px, qx) + tol
                    and min(py, qy) - tol <= my <= max(py, qy) + tol):
                length = math.sqrt((qx - px) ** 2 + (qy - py) ** 2)
                if length == 0.0:
                    continue
                o, z = _orient(px, py, qx, qy, mx, my)
                if z != 0 or abs(o) <= tol * length:
                    t = ((mx - px) * (qx - px) + (my - py) * (qy - py)) / (length * length)
                    if -tol / length <= t <= 1.0 + tol / length:
                        return -1
            else:
                o = 0.0
            if (py > my) != (qy > my):
                if px > mx and qx > mx:
                    inside = not inside
                elif px > mx or qx > mx:
                    if o == 0.0:
                        o, _ = _orient(px, py, qx, qy, mx, my)
                    if (o > 0.0) == (qy > py):
                        inside = not inside
    return _IN if inside else _OUT


@njit(cache=True, nogil=True)
def _sort_events(ev_slot: NDArray[np.int64], ev_t: NDArray[np.float64], n: int,
                 n_slots: int, start: NDArray[np.int64], fill: NDArray[np.int64],
                 order: NDArray[np.int64]) -> None:
    """Order events by slot (counting sort) and by t within a slot."""
    for i in range(n_slots + 1):
        start[i] = 0
    for i in range(n):
        start[ev_slot[i] + 1] += 1
    for i in range(n_slots):
        start[i + 1] += start[i]
    for i in range(n_slots):
        fill[i] = start[i]
    for i in range(n):
        s = ev_slot[i]
        order[fill[s]] = i
        fill[s] += 1
    for s in range(n_slots):
        a = start[s]
        b = start[s + 1]
        if b - a < 2:
            continue
        if b - a > 24:
            sub = order[a:b].copy()
            idx = np.argsort(ev_t[sub], kind="mergesort")
            for i in range(b - a):
                order[a + i] = sub[idx[i]]
            continue
        for i in range(a + 1, b):
            v = order[i]
            tv = ev_t[v]
            j = i - 1
            while j >= a and ev_t[order[j]] > tv:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = v


@njit(cache=True, nogil=True)
def _walk(x: NDArray[np.float64], y: NDArray[np.float64], ring_off: NDArray[np.int64],
          r0: int, r1: int, ring_box: NDArray[np.float64], sign: NDArray[np.float64],
          slot_of: NDArray[np.int64], base: int,
          other_x: NDArray[np.float64], other_y: NDArray[np.float64],
          o_ring_off: NDArray[np.int64], o0: int, o1: int, o_ring_box: NDArray[np.float64],
          gx0: float, gy0: float, gx1: float, gy1: float,
          ev_t: NDArray[np.float64], ev_x: NDArray[np.float64], ev_y: NDArray[np.float64],
          ev_kind: NDArray[np.int64], ev_same: NDArray[np.bool_],
          start: NDArray[np.int64], order: NDArray[np.int64],
          ox: float, oy: float, cx: float, cy: float, tol: float, count_shared: bool
          ) -> tuple[float, float, int]:
    """Twice the area contributed by the rings r0..r1 of one polygon inside the other.

    ``gx0, gy0, gx1, gy1`` is the other polygon's box grown by ``tol``;
    ``slot_of[k - base]`` is the slot of edge k (-1: its box misses that box, -2:
    of zero length). The shoelace terms are taken about (cx, cy), a point near the
    pieces, so that they stay small where the pieces are small.

    Also returns six times the first moment about ``x = cx`` of those rings' share
    (each term of the fan of triangles from (cx, cy), times the sum of its two
    other x's): with the area it gives the centroid's x.
    """
    total = 0.0
    mom = 0.0
    for j in range(r0, r1):
        if (ring_box[j, 2] < gx0 or ring_box[j, 0] > gx1
                or ring_box[j, 3] < gy0 or ring_box[j, 1] > gy1):
            continue
        k0 = ring_off[j]
        m = ring_off[j + 1] - 1 - k0
        first = -1
        for i in range(m):
            if slot_of[k0 + i - base] == -1:
                first = i
                break
        outside_start = first >= 0
        first = max(first, 0)
        state = _UNKNOWN
        flip = 0
        fresh = True
        first_state = -1
        sg = sign[j]
        for i in range(m):
            k = k0 + (first + i) % m
            slot = slot_of[k - base]
            if slot == -2:
                continue
            if slot == -1:
                if state != _UNKNOWN and (state ^ flip) == _IN:
                    return total, mom, INCONSISTENT
                state = _OUT
                flip = 0
                fresh = False
                continue
            rx = x[k] - ox
            ry = y[k] - oy
            sx = x[k + 1] - ox
            sy = y[k + 1] - oy
            px = rx
            py = ry
            pt = 0.0
            shared = 0
            same = False
            e = start[slot]
            e_end = start[slot + 1]
            while True:
                if e < e_end:
                    ev = order[e]
                    qt = ev_t[ev]
                    qx = ev_x[ev]
                    qy = ev_y[ev]
                else:
                    ev = -1
                    qt = 1.0
                    qx = sx
                    qy = sy
                if qt > pt and (qx != px or qy != py):
                    # The piece p->q between two consecutive events.
                    if shared < 0 or shared > 1:
                        # Events at one point come in any order; between two
                        # points a valid boundary lies along at most one edge.
                        return total, mom, INCONSISTENT
                    if shared:
                        if count_shared and same:
                            term = sg * ((px - cx) * (qy - cy) - (py - cy) * (qx - cx))
                            total += term
                            mom += term * (px + qx - 2.0 * cx)
                        state = _UNKNOWN
                    else:
                        if state == _UNKNOWN:
                            state = _locate(0.5 * (px + qx), 0.5 * (py + qy), other_x, other_y,
                                            o_ring_off, o0, o1, o_ring_box, ox, oy, tol)
                            if state < 0:
                                return total, mom, AMBIGUOUS
                        else:
                            state ^= flip
                        flip = 0
                        if fresh:
                            first_state = state
                        if state == _IN:
                            term = sg * ((px - cx) * (qy - cy) - (py - cy) * (qx - cx))
                            total += term
                            mom += term * (px + qx - 2.0 * cx)
                    fresh = False
                    px = qx
                    py = qy
                    pt = qt
                if ev < 0:
                    if shared:
                        return total, mom, INCONSISTENT
                    break
                kind = ev_kind[ev]
                if kind == _CROSS:
                    flip ^= 1
                else:
                    state = _UNKNOWN
                    flip = 0
                    fresh = False
                    if kind == _CSTART:
                        shared += 1
                        same = ev_same[ev]
                    elif kind == _CEND:
                        shared -= 1
                px = qx
                py = qy
                pt = max(pt, qt)
                e += 1
        if state != _UNKNOWN:
            # Back where the walk began: outside, or in the state it found there.
            if outside_start and (state ^ flip) == _IN:
                return total, mom, INCONSISTENT
            if first_state >= 0 and (state ^ flip) != first_state:
                return total, mom, INCONSISTENT
    return total, mom, OK


@njit(cache=True, nogil=True)
def _candidates(x: NDArray[np.float64], y: NDArray[np.float64], ring_off: NDArray[np.int64],
                r0: int, r1: int, ring_box: NDArray[np.float64], sign: NDArray[np.float64],
                gx0: float, gy0: float, gx1: float, gy1: float, tol: float, base: int,
                slot_of: NDArray[np.int64], cand: NDArray[np.int64],
                cand_sign: NDArray[np.float64], n_cand: int) -> tuple[int, int]:
    """Give each edge of rings r0..r1 whose box meets the grown box the next slot."""
    for j in range(r0, r1):
        k0 = ring_off[j]
        k1 = ring_off[j + 1] - 1
        if (ring_box[j, 2] < gx0 or ring_box[j, 0] > gx1
                or ring_box[j, 3] < gy0 or ring_box[j, 1] > gy1):
            continue
        for k in range(k0, k1):
            x0 = x[k]
            x1 = x[k + 1]
            y0 = y[k]
            y1 = y[k + 1]
            if x0 == x1 and y0 == y1:
                slot_of[k - base] = -2
                continue
            if (max(x0, x1) < gx0 or min(x0, x1) > gx1
                    or max(y0, y1) < gy0 or min(y0, y1) > gy1):
                slot_of[k - base] = -1
                continue
            if (x1 - x0) ** 2 + (y1 - y0) ** 2 <= tol * tol:
                return n_cand, SHORT_EDGE
            slot_of[k - base] = n_cand
            cand[n_cand] = k
            cand_sign[n_cand] = sign[j]
            n_cand += 1
    return n_cand, OK


@njit(cache=True, nogil=True)
def _pair(ia: int, ib: int,
          ax: NDArray[np.float64], ay: NDArray[np.float64], a_ring_off: NDArray[np.int64],
          a_geom: NDArray[np.int64], a_ring_box: NDArray[np.float64],
          a_sign: NDArray[np.float64], a_box: NDArray[np.float64],
          a_good: NDArray[np.bool_], a_area: NDArray[np.float64],
          bx: NDArray[np.float64], by: NDArray[np.float64], b_ring_off: NDArray[np.int64],
          b_geom: NDArray[np.int64], b_ring_box: NDArray[np.float64],
          b_sign: NDArray[np.float64], b_box: NDArray[np.float64],
          b_good: NDArray[np.bool_], b_area: NDArray[np.float64],
          slot_a: NDArray[np.int64], slot_b: NDArray[np.int64], cand: NDArray[np.int64],
          cand_sign: NDArray[np.float64],
          ev_slot: NDArray[np.int64], ev_t: NDArray[np.float64], ev_x: NDArray[np.float64],
          ev_y: NDArray[np.float64], ev_kind: NDArray[np.int64], ev_same: NDArray[np.bool_],
          start: NDArray[np.int64], fill: NDArray[np.int64], order: NDArray[np.int64],
          xs: NDArray[np.float64], xorder: NDArray[np.int64], active: NDArray[np.int64]
          ) -> tuple[float, float, int, int]:
    """Area of A ∩ B for geometry ia of A and ib of B.

    Returns (area, x of its centroid, reason, events needed): ``events needed``
    larger than the buffers means they must grow and the pair be done again.
    """
    if not (a_good[ia] and b_good[ib]):
        return 0.0, 0.0, BAD_RING, 0
    if a_geom[ia] == a_geom[ia + 1] or b_geom[ib] == b_geom[ib + 1]:
        return 0.0, 0.0, OK, 0  # an empty geometry
    xmin = max(a_box[ia, 0], b_box[ib, 0])
    ymin = max(a_box[ia, 1], b_box[ib, 1])
    xmax = min(a_box[ia, 2], b_box[ib, 2])
    ymax = min(a_box[ia, 3], b_box[ib, 3])
    if xmin >= xmax or ymin >= ymax:
        return 0.0, 0.0, OK, 0
    ox = _origin(xmin, xmax, min(a_box[ia, 0], b_box[ib, 0]), max(a_box[ia, 2], b_box[ib, 2]))
    oy = _origin(ymin, ymax, min(a_box[ia, 1], b_box[ib, 1]), max(a_box[ia, 3], b_box[ib, 3]))
    big = 0.0
    for v in (a_box[ia, 0], a_box[ia, 2], b_box[ib, 0], b_box[ib, 2]):
        big = max(big, abs(v - ox))
    for v in (a_box[ia, 1], a_box[ia, 3], b_box[ib, 1], b_box[ib, 3]):
        big = max(big, abs(v - oy))
    tol = _RTOL * big
    cx = 0.5 * (xmin + xmax) - ox
    cy = 0.5 * (ymin + ymax) - oy
    bx0 = b_box[ib, 0] - tol
    by0 = b_box[ib, 1] - tol
    bx1 = b_box[ib, 2] + tol
    by1 = b_box[ib, 3] + tol
    ax0 = a_box[ia, 0] - tol
    ay0 = a_box[ia, 1] - tol
    ax1 = a_box[ia, 2] + tol
    ay1 = a_box[ia, 3] + tol
    ar0 = a_geom[ia]
    ar1 = a_geom[ia + 1]
    br0 = b_geom[ib]
    br1 = b_geom[ib + 1]
    a_base = a_ring_off[ar0]
    b_base = b_ring_off[br0]
    for k in range(a_ring_off[ar1] - a_base):
        slot_a[k] = -1
    for k in range(b_ring_off[br1] - b_base):
        slot_b[k] = -1
    n_a, why = _candidates(ax, ay, a_ring_off, ar0, ar1, a_ring_box, a_sign,
                           bx0, by0, bx1, by1, tol, a_base, slot_a, cand, cand_sign, 0)
    if why:
        return 0.0, 0.0, why, 0
    n_c, why = _candidates(bx, by, b_ring_off, br0, br1, b_ring_box, b_sign,
                           ax0, ay0, ax1, ay1, tol, b_base, slot_b, cand, cand_sign, n_a)
    if why:
        return 0.0, 0.0, why, 0
    n_b = n_c - n_a
    if n_a == 0 or n_b == 0:
        # No edge of one comes near the other's box: one contains the other's
        # part there or they are apart; the walk finds out with one test a ring.
        n_ev = 0
    else:
        n_ev = 0
        if n_a * n_b <= _SWEEP:
            for i in range(n_a):
                k = cand[i]
                rx = ax[k] - ox
                ry = ay[k] - oy
                sx = ax[k + 1] - ox
                sy = ay[k + 1] - oy
                exmin = min(rx, sx) - tol
                exmax = max(rx, sx) + tol
                eymin = min(ry, sy) - tol
                eymax = max(ry, sy) + tol
                for jj in range(n_a, n_c):
                    kb = cand[jj]
                    px = bx[kb] - ox
                    py = by[kb] - oy
                    qx = bx[kb + 1] - ox
                    qy = by[kb + 1] - oy
                    if (max(px, qx) < exmin or min(px, qx) > exmax
                            or max(py, qy) < eymin or min(py, qy) > eymax):
                        continue
                    n_ev, why = _edge_pair(
                        rx, ry, sx, sy, cand_sign[i], i,
                        px, py, qx, qy, cand_sign[jj], jj,
                        tol, ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n_ev)
                    if why:
                        return 0.0, 0.0, why, 0
        else:
            n_ev, why = _sweep(ax, ay, bx, by, cand, cand_sign, n_a, n_c, ox, oy, tol,
                               xs, xorder, active, ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same)
            if why:
                return 0.0, 0.0, why, 0
        if n_ev > len(ev_t):
            return 0.0, 0.0, OK, n_ev
    _sort_events(ev_slot, ev_t, n_ev, n_c, start, fill, order)
    two_a, mom_a, why = _walk(ax, ay, a_ring_off, ar0, ar1, a_ring_box, a_sign, slot_a, a_base,
                       bx, by, b_ring_off, br0, br1, b_ring_box, bx0, by0, bx1, by1,
                       ev_t, ev_x, ev_y, ev_kind, ev_same, start, order, ox, oy, cx, cy, tol,
                       True)
    if why:
        return 0.0, 0.0, why, 0
    two_b, mom_b, why = _walk(bx, by, b_ring_off, br0, br1, b_ring_box, b_sign, slot_b, b_base,
                       ax, ay, a_ring_off, ar0, ar1, a_ring_box, ax0, ay0, ax1, ay1,
                       ev_t, ev_x, ev_y, ev_kind, ev_same, start, order, ox, oy, cx, cy, tol,
                       False)
    if why:
        return 0.0, 0.0, why, 0
    area = 0.5 * (two_a + two_b)
    # Rounding only: the kernel never misses a whole piece without flagging it.
    cap = min(a_area[ia], b_area[ib])
    slack = 1e-9 * cap + 1e-12 * big * big
    if area < -slack or area > cap + slack:
        return 0.0, 0.0, SANITY, 0
    # The centroid's x: the first moment (mom / 6) over the area, about cx.
    two = two_a + two_b
    mx = (mom_a + mom_b) / (3.0 * two) if two > 0.0 else 0.0
    if not abs(mx) <= xmax - xmin:
        mx = 0.0  # a piece of (nearly) no area: the middle of the common box
    return min(max(area, 0.0), cap), ox + (cx + mx), OK, 0


@njit(cache=True, nogil=True)
def _origin(lo: float, hi: float, outer_lo: float, outer_hi: float) -> float:
    """Origin of the local coordinates along one axis, such that moving to it is exact.

    Far from zero (relative to the pair's extent) the middle of the common box:
    every coordinate of the pair is then within a factor of 2 of it, so its
    difference is exact (Sterbenz). Near zero, zero itself.
    """
    mid = 0.5 * (lo + hi)
    if abs(mid) > 4.0 * (outer_hi - outer_lo):
        return mid
    return 0.0


@njit(cache=True, nogil=True)
def _sweep(ax: NDArray[np.float64], ay: NDArray[np.float64],
           bx: NDArray[np.float64], by: NDArray[np.float64],
           cand: NDArray[np.int64], cand_sign: NDArray[np.float64], n_a: int, n_c: int,
           ox: float, oy: float, tol: float,
           xs: NDArray[np.float64], xorder: NDArray[np.int64], active: NDArray[np.int64],
           ev_slot: NDArray[np.int64], ev_t: NDArray[np.float64], ev_x: NDArray[np.float64],
           ev_y: NDArray[np.float64], ev_kind: NDArray[np.int64], ev_same: NDArray[np.bool_]
           ) -> tuple[int, int]:
    """Edge pairs of A and B whose boxes meet, by a sweep over x: their events."""
    for i in range(n_c):
        k = cand[i]
        if i < n_a:
            xs[i] = min(ax[k], ax[k + 1]) - ox - tol
        else:
            xs[i] = min(bx[k], bx[k + 1]) - ox - tol
    xorder[:n_c] = np.argsort(xs[:n_c])
    # active[0..na) holds A slots, active[n_c..n_c+nb) B slots still open
    na = 0
    nb = 0
    n_ev = 0
    for ii in range(n_c):
        i = xorder[ii]
        x_lo = xs[i]
        is_a = i < n_a
        k = cand[i]
        if is_a:
            ux0 = ax[k] - ox
            uy0 = ay[k] - oy
            ux1 = ax[k + 1] - ox
            uy1 = ay[k + 1] - oy
        else:
            ux0 = bx[k] - ox
            uy0 = by[k] - oy
            ux1 = bx[k + 1] - ox
            uy1 = by[k + 1] - oy
        uymin = min(uy0, uy1) - tol
        uymax = max(uy0, uy1) + tol
        # Test against the other side's open edges, dropping the closed ones.
        keep = 0
        cnt = nb if is_a else na
        off = n_c if is_a else 0
        for jj in range(cnt):
            j = active[off + jj]
            kk = cand[j]
            if is_a:
                vx0 = bx[kk] - ox
                vy0 = by[kk] - oy
                vx1 = bx[kk + 1] - ox
                vy1 = by[kk + 1] - oy
            else:
                vx0 = ax[kk] - ox
                vy0 = ay[kk] - oy
                vx1 = ax[kk + 1] - ox
                vy1 = ay[kk + 1] - oy
            if max(vx0, vx1) + tol < x_lo:
                continue
            active[off + keep] = j
            keep += 1
            if max(vy0, vy1) + tol < uymin or min(vy0, vy1) - tol > uymax:
                continue
            if is_a:
                n_ev, why = _edge_pair(
                    ux0, uy0, ux1, uy1, cand_sign[i], i,
                    vx0, vy0, vx1, vy1, cand_sign[j], j,
                    tol, ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n_ev)
            else:
                n_ev, why = _edge_pair(
                    vx0, vy0, vx1, vy1, cand_sign[j], j,
                    ux0, uy0, ux1, uy1, cand_sign[i], i,
                    tol, ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same, n_ev)
            if why:
                return n_ev, why
        if is_a:
            nb = keep
            active[na] = i
            na += 1
        else:
            na = keep
            active[n_c + nb] = i
            nb += 1
    return n_ev, OK


@njit(cache=True, nogil=True)
def _run_pairs(lo: int, hi: int, pa: NDArray[np.int64], pb: NDArray[np.int64],
               ax: NDArray[np.float64], ay: NDArray[np.float64],
               a_ring_off: NDArray[np.int64], a_geom: NDArray[np.int64],
               a_ring_box: NDArray[np.float64], a_sign: NDArray[np.float64],
               a_box: NDArray[np.float64], a_good: NDArray[np.bool_],
               a_area: NDArray[np.float64],
               bx: NDArray[np.float64], by: NDArray[np.float64],
               b_ring_off: NDArray[np.int64], b_geom: NDArray[np.int64],
               b_ring_box: NDArray[np.float64], b_sign: NDArray[np.float64],
               b_box: NDArray[np.float64], b_good: NDArray[np.bool_],
               b_area: NDArray[np.float64],
               out: NDArray[np.float64], out_x: NDArray[np.float64],
               why: NDArray[np.int8]
               ) -> None:
    """Areas of the pairs lo..hi into ``out``, x of their centroids into ``out_x``."""
    # Scratch sized for the largest pair of the chunk, reused by every pair.
    most_a = 1
    most_b = 1
    for i in range(lo, hi):
        ia = pa[i]
        ib = pb[i]
        most_a = max(most_a, a_ring_off[a_geom[ia + 1]] - a_ring_off[a_geom[ia]])
        most_b = max(most_b, b_ring_off[b_geom[ib + 1]] - b_ring_off[b_geom[ib]])
    slot_a = np.empty(most_a, dtype=np.int64)
    slot_b = np.empty(most_b, dtype=np.int64)
    n_edges = most_a + most_b
    cand = np.empty(n_edges, dtype=np.int64)
    cand_sign = np.empty(n_edges)
    start = np.empty(n_edges + 1, dtype=np.int64)
    fill = np.empty(n_edges, dtype=np.int64)
    xs = np.empty(n_edges)
    xorder = np.empty(n_edges, dtype=np.int64)
    active = np.empty(2 * n_edges, dtype=np.int64)
    cap = 64
    ev_slot = np.empty(cap, dtype=np.int64)
    ev_t = np.empty(cap)
    ev_x = np.empty(cap)
    ev_y = np.empty(cap)
    ev_kind = np.empty(cap, dtype=np.int64)
    ev_same = np.empty(cap, dtype=np.bool_)
    order = np.empty(cap, dtype=np.int64)
    for i in range(lo, hi):
        while True:
            area, x_mid, reason, need = _pair(
                pa[i], pb[i],
                ax, ay, a_ring_off, a_geom, a_ring_box, a_sign, a_box, a_good, a_area,
                bx, by, b_ring_off, b_geom, b_ring_box, b_sign, b_box, b_good, b_area,
                slot_a, slot_b, cand, cand_sign, ev_slot, ev_t, ev_x, ev_y, ev_kind, ev_same,
                start, fill, order, xs, xorder, active)
            if need <= cap:
                break
            while cap < need:
                cap *= 2
            ev_slot = np.empty(cap, dtype=np.int64)
            ev_t = np.empty(cap)
            ev_x = np.empty(cap)
            ev_y = np.empty(cap)
            ev_kind = np.empty(cap, dtype=np.int64)
            ev_same = np.empty(cap, dtype=np.bool_)
            order = np.empty(cap, dtype=np.int64)
        out[i] = area
        out_x[i] = x_mid
        why[i] = reason


# --------------------------------------------------------------------------- stages


class Stage(NamedTuple):
    """Time one stage of the engine took (see :func:`stage_log`)."""

    name: str
    threads: bool
    """Whether it ran in a task on the threads (a block, or work beside the blocks)."""
    depth: int
    """0 for the stages of the call itself and the tasks; 1 for the stages inside a task."""
    cpu: float
    """CPU seconds of the thread that ran it."""
    wall: float
    thread: int
    """The thread that ran it (``threading.get_ident()``)."""


_LOG: list[Stage] | None = None
_WHERE = threading.local()


@contextlib.contextmanager
def stage_log() -> Iterator[list[Stage]]:
    """Record the time of each stage of the overlap engine run inside this block.

    For the benchmarks, which report where the time goes and how much of it runs
    outside the threads' tasks (the serial share). Not for use from several threads
    at once.
    """
    global _LOG  # noqa: PLW0603
    outer, _LOG = _LOG, []
    try:
        yield _LOG
    finally:
        _LOG = outer


@contextlib.contextmanager
def stage(name: str, *, task: bool = False) -> Iterator[None]:
    """Time a stage into :func:`stage_log`'s record, if one is being kept.

    ``task`` marks a task run on the threads (a block of pairs, or work beside
    the blocks); the stages timed inside it are marked as such.
    """
    log = _LOG
    if log is None:
        yield
        return
    in_task = getattr(_WHERE, "task", False)
    if task:
        _WHERE.task = True
    c, w = time.thread_time(), time.perf_counter()
    try:
        yield
    finally:
        log.append(Stage(name, task or in_task, int(in_task), time.thread_time() - c,
                         time.perf_counter() - w, threading.get_ident()))
        _WHERE.task = in_task


# --------------------------------------------------------------------------- Python side


class _Rings:
    """Polygons as flat arrays: coordinates, ring and geometry offsets, ring facts."""

    def __init__(self, geoms: NDArray[np.object_]) -> None:
        with stage("flatten"):
            self._build(geoms)

    def _build(self, geoms: NDArray[np.object_]) -> None:
        # shapely.get_coordinates holds the GIL: on threads, the blocks flattened
        # by one thread overlap the compiled work of the others.
        coords = shapely.get_coordinates(geoms)
        n_coords = shapely.get_num_coordinates(geoms).astype(np.int64)
        # x and y are views of the coordinate pairs (the kernel reads both at once):
        # no copy.
        x, y = coords[:, 0], coords[:, 1]
        simple = one_ring_polygons(geoms, coords, n_coords)
        n_rings = simple.astype(np.int64)
        other = np.flatnonzero(~simple)
        if len(other):
            kind, _, offsets = shapely.to_ragged_array(geoms[other], include_z=False)
            if kind == shapely.GeometryType.POLYGON:
                o_ring_off, o_geom_ring = offsets
                o_first = o_geom_ring[:-1]
            else:
                o_ring_off, o_part_ring, o_geom_part = offsets
                o_first = o_part_ring[:-1]
                o_geom_ring = o_part_ring[o_geom_part]
            n_rings[other] = np.diff(o_geom_ring)
        geom_ring = np.zeros(len(geoms) + 1, dtype=np.int64)
        np.cumsum(n_rings, out=geom_ring[1:])
        ring_len = np.zeros(geom_ring[-1], dtype=np.int64)
        exterior = np.zeros(geom_ring[-1], dtype=np.bool_)
        ring_len[geom_ring[:-1][simple]] = n_coords[simple]
        exterior[geom_ring[:-1][simple]] = True
        if len(other):
            # The rings of the others, in order, where their geometries' rings go.
            where = (np.repeat(geom_ring[other] - o_geom_ring[:-1], np.diff(o_geom_ring))
                     + np.arange(o_geom_ring[-1]))
            ring_len[where] = np.diff(o_ring_off)
            outer = np.zeros(o_geom_ring[-1], dtype=np.bool_)
            outer[o_first[o_first < o_geom_ring[-1]]] = True
            exterior[where] = outer
        ring_off = np.zeros(len(ring_len) + 1, dtype=np.int64)
        np.cumsum(ring_len, out=ring_off[1:])
        self.ring_off = ring_off
        self.geom = geom_ring
        self.xy = coords
        self.x = x
        self.y = y
        self.sign, self.ring_box, good, ring_area = _prepare(
            self.x, self.y, self.ring_off, exterior)
        n = len(self.geom) - 1
        owner = np.repeat(np.arange(n), np.diff(self.geom))
        self.good = np.bincount(owner, weights=~good, minlength=n) == 0
        self.area = np.bincount(owner, weights=ring_area, minlength=n)
        self.box = _geom_boxes(self.geom, self.ring_box)

    @classmethod
    def of(cls, geoms: NDArray[np.object_], n_threads: int) -> _Rings:
        """Flatten ``geoms``, in blocks on ``n_threads`` threads (shapely frees the GIL)."""
        n = len(geoms)
        if n_threads == 1 or n < 2 * _CHUNK:
            return cls(geoms)
        bounds = np.linspace(0, n, 2 * n_threads + 1).astype(int)
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            parts = list(pool.map(lambda s: cls(geoms[s[0]:s[1]]), itertools.pairwise(bounds)))
        return cls.concat(parts)

    @classmethod
    def concat(cls, parts: list[_Rings]) -> _Rings:
        """Join blocks made separately into one, their offsets shifted to the whole."""
        out = cls.__new__(cls)
        coord_at = np.cumsum([0] + [len(p.x) for p in parts])
        ring_at = np.cumsum([0] + [len(p.ring_off) - 1 for p in parts])
        out.ring_off = np.concatenate(
            [p.ring_off[:-1] + c for p, c in zip(parts, coord_at[:-1], strict=True)]
            + [coord_at[-1:]]).astype(np.int64)
        out.geom = np.concatenate(
            [p.geom[:-1] + r for p, r in zip(parts, ring_at[:-1], strict=True)]
            + [ring_at[-1:]]).astype(np.int64)
        for name in ("xy", "sign", "ring_box", "good", "area", "box"):
            setattr(out, name, np.concatenate([getattr(p, name) for p in parts]))
        out.x, out.y = out.xy[:, 0], out.xy[:, 1]
        return out

    def args(self) -> tuple[NDArray[Any], ...]:
        """Return the arrays the compiled functions take, in their order."""
        return (self.x, self.y, self.ring_off, self.geom, self.ring_box, self.sign,
                self.box, self.good, self.area)


def _as_polygons(values: ArrayLike, name: str) -> NDArray[np.object_]:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise GeometryError(f"{name} must be a 1-d array of geometries, got shape {arr.shape}",
                            fix="pass a GeoSeries' .values or a shapely array")
    return arr


def _as_positions(values: ArrayLike, n: int, name: str) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise GeometryError(f"{name} must be a 1-d array of integer positions, got "
                            f"{arr.dtype} of shape {arr.shape}",
                            fix="pass the positions an STRtree query returns")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise GeometryError(f"{name} holds positions outside 0..{n - 1}",
                            fix="pass positions into the matching geometry array")
    return arr


def _check_polygons(geoms: NDArray[np.object_], name: str, validate: bool) -> None:
    kind = shapely.get_type_id(geoms)
    bad = ~np.isin(kind, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    if bad.any():
        first = geoms[np.flatnonzero(bad)[0]]
        what = "a missing geometry" if first is None else shapely.get_type_id(first)
        if first is not None:
            what = f"a {shapely.GeometryType(what).name.title()}"
        raise GeometryError(f"{name}: {int(bad.sum())} of the paired geometries are not "
                            f"polygons (the first is {what})",
                            fix="keep only the polygonal parts (and drop missing rows) first")
    if validate:
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            reason = shapely.is_valid_reason(geoms[np.flatnonzero(invalid)[0]])
            raise GeometryError(f"{name}: {int(invalid.sum())} of the paired polygons are "
                                f"invalid (the first: {reason})",
                                fix="repair them with shapely.make_valid first")


def _used(geoms: NDArray[np.object_], idx: NDArray[np.int64]
          ) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Return the geometries ``idx`` refers to, and ``idx`` renumbered into them."""
    seen = np.zeros(len(geoms), dtype=bool)
    seen[idx] = True
    if seen.all():
        return geoms, idx
    where = np.flatnonzero(seen)
    renumber = np.cumsum(seen) - 1
    return geoms[where], renumber[idx]


def _threads(n_threads: int | None) -> int:
    if n_threads is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    if n_threads < 1:
        raise GeometryError(f"n_threads must be at least 1, got {n_threads}",
                            fix="pass 1 for one thread, or None for every core")
    return int(n_threads)


def _kernel(a: _Rings, b: _Rings, pa: NDArray[np.int64], pb: NDArray[np.int64],
            n_threads: int
            ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int8]]:
    """Kernel areas, centroids' x and reasons (0: judged) of the pairs, on threads."""
    n = len(pa)
    out = np.zeros(n)
    out_x = np.zeros(n)
    why = np.zeros(n, dtype=np.int8)
    if n == 0:
        return out, out_x, why
    bounds = [*range(0, n, _CHUNK), n]
    spans = list(itertools.pairwise(bounds))

    def run(span: tuple[int, int]) -> None:
        # numba's Dispatcher is typed as taking no arguments.
        _run_pairs(span[0], span[1], pa, pb, *a.args(), *b.args(),  # type: ignore[call-arg]
                   out, out_x, why)

    if n_threads == 1 or len(spans) == 1:
        for span in spans:
            run(span)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(run, spans))
    return out, out_x, why


def _fallback(left: NDArray[np.object_], right: NDArray[np.object_], n_threads: int
              ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Area and centroid's x of ``shapely.intersection(left, right)``, on threads.

    GEOS frees the GIL, so chunks of pairs run side by side.
    """
    def one(s: tuple[int, int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        inter = shapely.intersection(left[s[0]:s[1]], right[s[0]:s[1]])
        area = np.asarray(shapely.area(inter), dtype=np.float64)
        x = np.zeros(len(inter))
        some = area > 0
        x[some] = shapely.get_x(shapely.centroid(inter[some]))
        return area, x

    n = len(left)
    if n_threads == 1 or n < 2 * 1024:
        return one((0, n))
    bounds = np.linspace(0, n, 4 * n_threads + 1).astype(int)
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        parts = list(pool.map(one, itertools.pairwise(bounds)))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class Measures(NamedTuple):
    """Area and centroid of each pair's intersection (see :func:`intersection_measures`)."""

    area: NDArray[np.float64]
    """Planar area of each pair's intersection, in CRS units squared."""
    centroid_x: NDArray[np.float64]
    """x of its centroid (0 where the intersection has no area)."""
    n_fallback: int
    """How many pairs were computed by ``shapely.intersection`` instead."""


class Flat:
    """Polygons flattened once for the kernel, to be paired many times.

    ``Flat(geoms)`` holds the coordinate arrays the kernel reads; pass it in place
    of the geometry array to :func:`intersection_measures` when the same layer is
    paired again and again (the farmland under every rule). The geometries are
    checked once, here.

    Parameters
    ----------
    geoms
        Polygons and multipolygons (empty ones allowed).
    n_threads
        Threads to flatten on; ``None`` uses every core.
    validate
        Check that every geometry is a valid polygon (see :func:`intersection_areas`).
    """

    def __init__(self, geoms: ArrayLike, *, n_threads: int | None = None,
                 validate: bool = True) -> None:
        self.geoms = _as_polygons(geoms, "geometries")
        _check_polygons(self.geoms, "geometries", validate)
        self.rings = _Rings.of(self.geoms, _threads(n_threads))

    def __len__(self) -> int:
        return len(self.geoms)


def intersection_measures(
    left: ArrayLike | Flat,
    right: ArrayLike | Flat,
    pairs_left: ArrayLike,
    pairs_right: ArrayLike,
    *,
    n_threads: int | None = None,
    validate: bool = True,
) -> Measures:
    """Area and centroid's x of ``left[i] ∩ right[j]`` for each pair, without building it.

    As :func:`intersection_areas`, and the x of each intersection's centroid (its
    first moment over its area, summed along the same boundary pieces; from
    ``shapely.centroid`` for the pairs that fall back). Either side may be a
    :class:`Flat` layer, flattened once.

    Returns
    -------
    Measures
        ``area``, ``centroid_x`` and ``n_fallback``.

    Examples
    --------
    >>> import shapely
    >>> from redline.analysis.kernel import intersection_measures
    >>> m = intersection_measures([shapely.box(0, 0, 2, 1)], [shapely.box(1, 0, 4, 4)], [0], [0])
    >>> m.area.tolist(), m.centroid_x.tolist(), m.n_fallback
    ([1.0], [1.5], 0)
    """
    lf = left if isinstance(left, Flat) else None
    rf = right if isinstance(right, Flat) else None
    lg = left.geoms if isinstance(left, Flat) else _as_polygons(left, "left")
    rg = right.geoms if isinstance(right, Flat) else _as_polygons(right, "right")
    pl = _as_positions(pairs_left, len(lg), "pairs_left")
    pr = _as_positions(pairs_right, len(rg), "pairs_right")
    if len(pl) != len(pr):
        raise GeometryError(f"pairs_left has {len(pl)} positions and pairs_right {len(pr)}",
                            fix="pass the two position arrays of the same pairs")
    threads = _threads(n_threads)
    if len(pl) == 0:
        return Measures(np.zeros(0), np.zeros(0), 0)
    if lf is None:
        lu, pa = _used(lg, pl)
        _check_polygons(lu, "left", validate)
        lr = _Rings.of(lu, threads)
    else:
        lu, pa, lr = lg, pl, lf.rings
    if rf is None:
        ru, pb = _used(rg, pr)
        _check_polygons(ru, "right", validate)
        rr = _Rings.of(ru, threads)
    else:
        ru, pb, rr = rg, pr, rf.rings
    with stage("kernel"):
        areas, xs, why = _kernel(lr, rr, pa, pb, threads)
    redo = np.flatnonzero(why)
    if len(redo):
        with stage("fallback (GEOS)"):
            areas[redo], xs[redo] = _fallback(lu[pa[redo]], ru[pb[redo]], threads)
    return Measures(areas, xs, len(redo))


def intersection_areas(
    left: ArrayLike,
    right: ArrayLike,
    pairs_left: ArrayLike,
    pairs_right: ArrayLike,
    *,
    n_threads: int | None = None,
    validate: bool = True,
) -> tuple[NDArray[np.float64], int]:
    """Area of ``left[i] ∩ right[j]`` for each pair, without building the intersections.

    Each area is summed from the two polygons' boundaries (see the module's notes);
    pairs the kernel cannot judge robustly (a vertex within a relative tolerance of
    the other's boundary without lying on it, nearly collinear edges, a malformed
    ring) are computed with ``shapely.intersection(a, b).area`` instead. Edges
    shared exactly, in whole or in part, and shared vertices are judged by the
    kernel.

    Parameters
    ----------
    left, right
        Polygons and multipolygons (empty ones allowed) in one planar CRS.
    pairs_left, pairs_right
        Positions in ``left`` and ``right`` of each pair, for example from
        ``shapely.STRtree(right).query(left)``; equal lengths.
    n_threads
        Threads to use; ``None`` uses every core this process may run on.
    validate
        Check with :func:`shapely.is_valid` that every paired geometry is a valid
        polygon (the area of an invalid one is not defined). Pass ``False`` only
        for geometries already validated, such as layers read by redline.

    Returns
    -------
    areas : numpy.ndarray
        Planar area of each pair's intersection, in CRS units squared.
    n_fallback : int
        How many pairs were computed by ``shapely.intersection`` instead.

    Raises
    ------
    GeometryError
        A paired geometry is missing, not polygonal, or (with ``validate``) invalid;
        or the positions are not integers within the arrays.

    Examples
    --------
    >>> import shapely
    >>> from redline.analysis.kernel import intersection_areas
    >>> squares = [shapely.box(0, 0, 1, 1), shapely.box(5, 5, 7, 7)]
    >>> shifted = [shapely.box(0.5, 0, 1.5, 1), shapely.box(6, 6, 8, 8)]
    >>> areas, n_fallback = intersection_areas(squares, shifted, [0, 1, 0], [0, 1, 1])
    >>> areas.tolist(), n_fallback
    ([0.5, 1.0, 0.0], 0)
    """
    m = intersection_measures(left, right, pairs_left, pairs_right, n_threads=n_threads,
                              validate=validate)
    return m.area, m.n_fallback
