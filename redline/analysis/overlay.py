"""The overlap engine: parcels (approvals, supply, change patches) on area layers.

Every function takes shapely geometry arrays in one metric working CRS and returns
results aligned by position to its inputs, so a parcel keeps its identity through
every step. The work is done in three vectorised stages:

1. candidate pairs from a :class:`shapely.STRtree` of boxes (over the smaller
   array, or a tree kept for the larger one), tested with the smaller side
   prepared: a pair whose boxes nest is tested for covering, the others for
   intersecting;
2. pairs where one side covers the other need no intersection: the piece *is* the
   smaller geometry; only the remaining pairs go through ``shapely.intersection``,
   and only the polygonal parts of the result are kept;
3. ellipsoidal areas: a parcel's own (:func:`redline.analysis.areas.ellipsoidal_area`,
   computed once per parcel), and for each piece smaller than its parcel, by
   default, the parcel's ellipsoidal area shared out by planar area, with the
   Gauss-Kruger scale factor corrected between the parcel's and the piece's
   centroids (see :func:`pieces`, ``area_method``).

When only areas are wanted (``pieces(..., geometry=False)``, ``overlap_area`` of a
partition) no piece is built: the pairs whose boxes meet go to
:func:`redline.analysis.kernel.intersection_measures`, which sums each piece's
planar area and centroid from the two boundaries (GEOS only for the few pairs it
cannot judge), and stage 3 anchors them to the parcels' ellipsoidal areas as
above. That work runs in blocks of the side not in the tree, each block paired,
flattened, measured and given its areas end to end by one thread, so the threads
share nearly all of it. Pieces whose geometry is kept (findings, maps, differences)
come from GEOS.

With ``n_jobs > 1`` the box query, the predicate tests of stage 1, the
intersections of stage 2, the areas of stage 3 and the differences and unions of
the functions built on them run on chunks in a thread pool: GEOS releases the
GIL, so threads share the cores without copying data.

Overlaps smaller than the sliver threshold (``settings.sliver_m2``) are dropped
piece by piece, so a millimetre digitising offset along a shared edge is never
counted as an overlap.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import numpy as np
import shapely
from numba import njit
from pyproj import CRS
from pyproj.exceptions import CRSError

from redline import settings
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.cache import ScopedCache
from redline.analysis.kernel import (
    Flat,
    Measures,
    intersection_measures,
    stage,
)
from redline.errors import CRSError as RedlineCRSError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Coverage",
    "FarmlandSplit",
    "Pieces",
    "cover",
    "farmland_split",
    "nearest_within",
    "overlap_area",
    "pieces",
    "split_by_units",
    "union_by_group",
]

T = TypeVar("T")

AreaMethod = Literal["scaled", "exact"]

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)

# Pairs of a chunk: below this many left geometries a thread pool costs more than it saves.
_MIN_CHUNK = 2_000
_MAX_CHUNK = 250_000


@dataclass(frozen=True)
class Pieces:
    """Polygonal intersections of two geometry arrays, one row per overlapping pair.

    Attributes
    ----------
    left, right
        Positions in the left and right input arrays. ``right == -1`` marks a
        remainder piece (the part of a left geometry outside every right one),
        produced only by :func:`split_by_units`.
    geometry
        The polygonal part of the intersection (the left or right geometry itself
        when one covers the other).
    area_m2
        Ellipsoidal area of each piece (GRS80), in m2.
    """

    left: NDArray[np.intp]
    right: NDArray[np.intp]
    geometry: NDArray[np.object_]
    area_m2: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.left)

    def take(self, mask: NDArray[np.bool_] | NDArray[np.intp]) -> Pieces:
        """Return the pieces selected by a boolean mask or positions."""
        return Pieces(self.left[mask], self.right[mask], self.geometry[mask], self.area_m2[mask])

    def total_by_left(self, n: int) -> NDArray[np.float64]:
        """Sum of piece areas per left geometry (correct only when pieces do not overlap)."""
        return np.bincount(self.left, weights=self.area_m2, minlength=n).astype(np.float64)


@dataclass(frozen=True)
class Coverage:
    """How much of each parcel a covering layer covers (see :func:`cover`).

    Attributes
    ----------
    area_m2
        Ellipsoidal area of each parcel.
    covered_m2
        Area of the parcel inside the union of the covering features.
    uncovered_m2
        ``area_m2 - covered_m2``: the two always sum to the parcel's area.
    uncovered
        The parcel minus the union of its covering pieces (the parcel itself when
        nothing covers it; empty when it is covered whole).
    matched
        The covering pieces that count (at least the sliver threshold): parcel and
        covering feature positions, with the area of each overlap.
    """

    area_m2: NDArray[np.float64]
    covered_m2: NDArray[np.float64]
    uncovered_m2: NDArray[np.float64]
    uncovered: NDArray[np.object_]
    matched: Pieces


@dataclass(frozen=True)
class FarmlandSplit:
    """Each parcel's area split three ways (see :func:`farmland_split`).

    ``on_basic_m2 + on_farmland_m2 + on_other_m2 == area_m2`` exactly, by construction.
    ``basic`` and ``farmland`` hold the parts themselves (``None`` where a parcel
    has none) when geometry was asked for.
    """

    area_m2: NDArray[np.float64]
    on_basic_m2: NDArray[np.float64]
    on_farmland_m2: NDArray[np.float64]
    on_other_m2: NDArray[np.float64]
    basic: NDArray[np.object_] | None = None
    farmland: NDArray[np.object_] | None = None


# --------------------------------------------------------------------------- helpers


def _as_geoms(values: ArrayLike) -> NDArray[np.object_]:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise ValueError(f"a 1-d array of geometries was expected, got shape {arr.shape}")
    return arr


@functools.lru_cache(maxsize=32)
def _metric(crs: CRS | str) -> None:
    """Refuse a CRS whose units are not metres: areas, slivers and distances are in m."""
    try:
        parsed = CRS.from_user_input(crs)
    except CRSError as ex:
        raise RedlineCRSError(f"crs {crs!r} is not a CRS ({ex})",
                              fix="pass the layers' projected CRS, e.g. EPSG:4529") from None
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else ""
    if not parsed.is_projected or unit not in ("metre", "meter"):
        raise RedlineCRSError(
            f"crs {crs!r} is not a projected CRS in metres (its unit: {unit or 'none'})",
            fix="bring the geometries to a metric CRS first, e.g. "
                "GeoSeries.to_crs('EPSG:4529'), and pass that CRS")


def _sliver(sliver_m2: float | None) -> float:
    return settings.check_sliver(settings.sliver_m2 if sliver_m2 is None else sliver_m2)


def _chunks(n: int, n_jobs: int) -> list[slice]:
    if n < 2 * _MIN_CHUNK:
        return [slice(0, n)]
    # A few chunks per worker evens out chunks of unequal cost; chunks of at most
    # _MAX_CHUNK bound the memory held by intermediate geometries.
    k = min(max(1, n // _MIN_CHUNK), max(4 * n_jobs if n_jobs > 1 else 1, -(-n // _MAX_CHUNK)))
    bounds = np.linspace(0, n, k + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


def _run(func: Callable[[slice], T], parts: list[slice], n_jobs: int) -> list[T]:
    if len(parts) == 1 or n_jobs <= 1:
        return [func(p) for p in parts]
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        return list(pool.map(func, parts))


def _polygonal(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Keep the polygonal part of each geometry; lines and points become empty polygons."""
    out = geoms.copy()
    kind = shapely.get_type_id(geoms)
    collection = kind == shapely.GeometryType.GEOMETRYCOLLECTION
    other = ~np.isin(kind, (*_POLYGONAL, shapely.GeometryType.GEOMETRYCOLLECTION))
    out[other] = shapely.Polygon()
    if collection.any():
        where = np.flatnonzero(collection)
        parts, idx = shapely.get_parts(geoms[where], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), _POLYGONAL)
        parts, idx = parts[keep], idx[keep]
        # Multipolygons inside a collection are flattened to their polygons.
        polys, sub = shapely.get_parts(parts, return_index=True)
        idx = idx[sub]
        rebuilt = np.full(len(where), shapely.Polygon(), dtype=object)
        if len(polys):
            present = np.unique(idx)
            made = shapely.multipolygons(polys, indices=np.searchsorted(present, idx))
            rebuilt[present] = made
        out[where] = rebuilt
    return out


def _bbox_within(inner: NDArray[np.float64], outer: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (
        (inner[:, 0] >= outer[:, 0]) & (inner[:, 1] >= outer[:, 1])
        & (inner[:, 2] <= outer[:, 2]) & (inner[:, 3] <= outer[:, 3])
    )


class _ThreadGuard:
    """Hand out geometry arrays that are safe for this thread; see :class:`Prepared`."""

    _lock = threading.RLock()  # one for both kinds: it says who may prepare in place
    _prepare = True

    def __init__(self, *arrays: NDArray[np.object_]) -> None:
        self._arrays = arrays
        self._mine: list[NDArray[np.object_]] = []
        self._owner = False

    def __enter__(self) -> tuple[NDArray[np.object_], ...]:
        self._owner = _ThreadGuard._lock.acquire(blocking=False)
        out = []
        for arr in self._arrays:
            ok = ~shapely.is_missing(arr)
            if self._owner and not self._prepare:
                out.append(arr)
            elif self._owner and not shapely.is_prepared(arr[ok]).any():
                shapely.prepare(arr[ok])
                self._mine.append(arr[ok])
                out.append(arr)
            else:
                own = arr.copy()
                own[ok] = shapely.from_wkb(shapely.to_wkb(arr[ok], include_srid=True))
                if self._prepare:
                    shapely.prepare(own[ok])
                out.append(own)
        return tuple(out)

    def __exit__(self, *exc: object) -> None:
        for done in self._mine:
            shapely.destroy_prepared(done)
        self._mine = []
        if self._owner:
            self._owner = False
            _ThreadGuard._lock.release()

    @staticmethod
    def _after_fork() -> None:
        # A child forked while another thread held the lock starts with it free.
        _ThreadGuard._lock = threading.RLock()


class Prepared(_ThreadGuard):
    """Geometries prepared for fast predicates, safe when threads share them.

    ``with Prepared(a, b) as (pa, pb):`` gives arrays equal to ``a`` and ``b``
    whose geometries are prepared for this thread alone; pass them as the first
    argument of a predicate (or as the query geometries of a tree).

    A prepared geometry lives on the geometry object, and GEOS builds its index on
    first use, so two threads must never use one prepared geometry at once, nor
    one release it while another uses it. Threads do share geometry objects (tiles
    cut from one set of layers on a thread pool or a dask worker's threads; the
    supply rules beside the vector rules). So one thread at a time prepares the
    geometries themselves, and releases on leaving what it prepared; a thread
    arriving meanwhile prepares copies of its own. Geometries prepared by the
    caller are left as they are (and copied when they have to be used).
    """


class Unprepared(_ThreadGuard):
    """Geometries safe to pass unprepared as the first argument of a predicate.

    Where each geometry serves one or two tests, preparing costs more than it
    saves. But shapely uses a geometry's prepared form whenever it has one, and
    another thread may have prepared a shared geometry (:class:`Prepared`). The
    thread that may prepare in place uses the arrays as they are (no other thread
    has prepared them then); another thread uses copies of its own.
    """

    _prepare = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ThreadGuard._after_fork)


def _measure(geoms: NDArray[np.object_], crs: Any, n_jobs: int) -> NDArray[np.float64]:
    """:func:`~redline.analysis.areas.ellipsoidal_area` in chunks on ``n_jobs`` threads."""
    parts = _run(lambda part: ellipsoidal_area(geoms[part], crs), _chunks(len(geoms), n_jobs),
                 n_jobs)
    return np.concatenate(parts) if parts else np.zeros(0)


def _present(idx: NDArray[np.intp], n: int) -> NDArray[np.bool_]:
    """Which of ``n`` positions occur in ``idx`` (a unique without sorting)."""
    seen = np.zeros(n, dtype=bool)
    seen[idx] = True
    return seen


def _lazy_areas(geoms: NDArray[np.object_], crs: Any, n_jobs: int = 1
                ) -> Callable[[NDArray[np.intp]], Any]:
    """Ellipsoidal area of geometries by position, each computed at most once."""
    cache = np.full(len(geoms), np.nan)

    def get(idx: NDArray[np.intp]) -> NDArray[np.float64]:
        need = np.flatnonzero(_present(idx, len(geoms)) & np.isnan(cache))
        if len(need):
            cache[need] = _measure(geoms[need], crs, n_jobs)
        return cache[idx]

    return get


# --------------------------------------------------------------------------- pairs


_TREES = ScopedCache()


@contextlib.contextmanager
def reuse_trees(*arrays: NDArray[np.object_] | None) -> Iterator[None]:
    """Within this block, the tree over each of ``arrays`` is built once and reused.

    Without it, each overlap call builds a tree over its smaller side and
    queries it with every geometry of the larger. A layer named here is instead
    given a tree of its own, built on first use and queried with the other side,
    so a layer overlaid many times (the farmland, by every rule) pays for its
    tree once. Only the arrays named here are kept (a tree over a passing array
    of cut pieces is not). The arrays must not be changed inside the block. Per
    thread (:class:`redline.analysis.cache.ScopedCache`).
    """
    with _TREES.scope():
        for arr in arrays:
            if arr is not None:
                _TREES.put("reuse", (arr,), True)
        yield


def _kept_tree(arr: NDArray[np.object_]) -> shapely.STRtree | None:
    """Return the tree :func:`reuse_trees` keeps for ``arr`` (built on first use), else ``None``."""
    if not _TREES.has("reuse", (arr,)):
        return None
    return _TREES.get("tree", (arr,), lambda: shapely.STRtree(arr))


def _box_pairs(small: NDArray[np.object_], big: NDArray[np.object_], n_jobs: int
               ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Pairs whose boxes meet, grouped by position in ``small``.

    A tree kept for ``big`` (:func:`reuse_trees`) is queried with ``small``.
    Otherwise the tree is built over ``small``, the cheaper one to build, and
    queried with ``big`` in chunks on ``n_jobs`` threads; the pairs are then put
    in order of ``small`` and, within each, of ``big``.
    """
    kept = _kept_tree(big)
    if kept is not None:
        si, bi = kept.query(small)
        return si.astype(np.intp), bi.astype(np.intp)
    tree = shapely.STRtree(small)
    tree.query(shapely.Point(0, 0))  # GEOS builds a tree on its first query: once, here

    def query(part: slice) -> NDArray[np.intp]:
        found = tree.query(big[part]).astype(np.intp)
        found[0] += part.start
        return found

    found = _run(query, _chunks(len(big), n_jobs), n_jobs)
    bi = np.concatenate([f[0] for f in found])
    si = np.concatenate([f[1] for f in found])
    order = np.argsort(si, kind="stable")
    return si[order], bi[order]


def _pairs(lg: NDArray[np.object_], rg: NDArray[np.object_], n_jobs: int = 1
           ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.bool_], NDArray[np.bool_]]:
    """Pairs that may overlap, and whether the left is inside the right or vice versa.

    The smaller array is prepared once and paired by boxes with the larger
    (:func:`_box_pairs`); each prepared geometry then serves all its candidates.
    A pair whose boxes nest is tested for covering (such a pair needs no
    intersection later); one that is not covered is kept to be cut, without an
    ``intersects`` test: nearly all of these overlap, and the few that do not
    are cut to nothing. The other pairs are kept where they intersect. The tests
    run on ``n_jobs`` threads, in chunks that never split one prepared geometry's
    candidates (GEOS builds a prepared geometry's index on first use, so two
    threads must not share one).
    """
    small_is_right = len(rg) <= len(lg)
    with Prepared(rg if small_is_right else lg) as (small,):
        big = lg if small_is_right else rg
        sbounds, bbounds = shapely.bounds(small), shapely.bounds(big)
        si, bi = _box_pairs(small, big, n_jobs)
        # With the small side first: "the small side inside the big one" is tested
        # as covered_by, "the big side inside the small one" as covers.

        def test(part: slice) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
            s, b = small[si[part]], big[bi[part]]
            sb, bb = np.take(sbounds, si[part], axis=0), np.take(bbounds, bi[part], axis=0)
            s_in = _bbox_within(sb, bb)
            b_in = ~s_in & _bbox_within(bb, sb)
            nested = s_in | b_in
            s_in[s_in] = shapely.covered_by(s[s_in], b[s_in])
            b_in[b_in] = shapely.covers(s[b_in], b[b_in])
            keep = nested.copy()
            keep[~nested] = shapely.intersects(s[~nested], b[~nested])
            return keep, s_in, b_in

        done = _run(test, _whole_groups(si, _chunks(len(si), n_jobs)), n_jobs)
    keep = np.concatenate([d[0] for d in done]) if done else np.zeros(0, bool)
    s_in = np.concatenate([d[1] for d in done]) if done else np.zeros(0, bool)
    b_in = np.concatenate([d[2] for d in done]) if done else np.zeros(0, bool)
    si, bi, s_in, b_in = si[keep], bi[keep], s_in[keep], b_in[keep]
    if small_is_right:
        return bi, si, b_in, s_in
    return si, bi, s_in, b_in


def _whole_groups(group: NDArray[np.intp], parts: list[slice]) -> list[slice]:
    """Move the bounds of ``parts`` so no run of equal values of ``group`` is split."""
    cuts = {0, len(group)}
    for part in parts[1:]:
        cuts.add(int(np.searchsorted(group, group[part.start], side="left")))
    bounds = sorted(cuts)
    return [slice(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def pieces(
    left: ArrayLike,
    right: ArrayLike,
    *,
    crs: CRS | str,
    sliver_m2: float | None = None,
    left_area_m2: ArrayLike | None = None,
    right_area_m2: ArrayLike | None = None,
    area_method: AreaMethod = "scaled",
    geometry: bool = True,
    n_jobs: int = 1,
) -> Pieces:
    """Polygonal intersections of every overlapping pair of two geometry arrays.

    Parameters
    ----------
    left, right
        Geometries in the metric working CRS ``crs``. Missing and empty
        geometries match nothing.
    crs
        The CRS of both arrays; areas are ellipsoidal on GRS80.
    sliver_m2
        Pieces smaller than this (m2) are dropped; ``None`` reads
        ``settings.sliver_m2``; 0 keeps every piece with an area.
    left_area_m2, right_area_m2
        Ellipsoidal areas of the inputs if already known (saves computing them
        for pairs where one side covers the other).
    area_method
        How the area of a piece smaller than its left geometry (a cut piece, or
        a right geometry inside its left one whose area is not given) is found.
        ``"exact"``: its own :func:`~redline.analysis.areas.ellipsoidal_area`.
        ``"scaled"``: the ellipsoidal area of its left geometry (from
        ``ellipsoidal_area``) times the piece's share of the left geometry's
        planar area, corrected for the change of the Gauss-Kruger scale factor
        between the two centroids; it agrees with ``"exact"`` to about 1e-8
        relative and spares projecting every vertex of every piece. Used only
        for Transverse Mercator CRSs; others fall back to ``"exact"``.
    geometry
        ``False`` keeps only the areas (``Pieces.geometry`` is all ``None``). With
        ``"scaled"`` areas in a Transverse Mercator CRS and polygonal inputs, no
        piece is then built: planar areas and centroids come from
        :func:`redline.analysis.kernel.intersection_measures` (the pairs it cannot
        judge from GEOS), and a piece that is its whole left geometry takes that
        geometry's area. Otherwise the cut pieces are dropped chunk by chunk, which
        saves most of the memory.
    n_jobs
        Threads for the GEOS work (the box query, and the predicate tests,
        intersections and areas of chunks of pairs).

    Returns
    -------
    Pieces
        Sorted by left position, then by right position.

    Examples
    --------
    >>> import shapely
    >>> a = [shapely.box(41_500_000, 4_550_000, 41_500_100, 4_550_100)]
    >>> b = [shapely.box(41_500_050, 4_550_000, 41_500_200, 4_550_100)]
    >>> p = pieces(a, b, crs="EPSG:4529")
    >>> p.left.tolist(), p.right.tolist(), round(float(p.area_m2[0]))
    ([0], [0], 5000)
    """
    _metric(crs)
    lg, rg = _as_geoms(left), _as_geoms(right)
    sliver = _sliver(sliver_m2)
    if len(lg) == 0 or len(rg) == 0:
        return Pieces(np.empty(0, np.intp), np.empty(0, np.intp),
                      np.empty(0, object), np.empty(0, np.float64))
    scale_x = _tm_scale_x(crs) if area_method == "scaled" else None
    if (not geometry and scale_x is not None and _polygons_only(lg, n_jobs)
            and _polygons_only(rg, n_jobs)):
        return _kernel_pieces(
            lg, rg, crs=crs, scale_x=scale_x, sliver=sliver, n_jobs=n_jobs,
            larea=None if left_area_m2 is None else np.asarray(left_area_m2, dtype=np.float64),
            rarea=None if right_area_m2 is None else np.asarray(right_area_m2,
                                                                dtype=np.float64))[0]
    larea = (_lazy_areas(lg, crs, n_jobs) if left_area_m2 is None
             else _known(np.asarray(left_area_m2, dtype=np.float64)))
    rarea = (_lazy_areas(rg, crs, n_jobs) if right_area_m2 is None
             else _known(np.asarray(right_area_m2, dtype=np.float64)))
    li, ri, left_in, right_in = _pairs(lg, rg, n_jobs)
    a, b = lg[li], rg[ri]
    cut = ~(left_in | right_in)
    geom = np.where(left_in, a, b) if geometry else np.full(len(li), None, dtype=object)
    area = np.empty(len(li), dtype=np.float64)
    scale = _tm_scale(crs) if area_method == "scaled" else None
    # A left geometry inside its right one is a piece of its own area, computed
    # once per geometry (it anchors the scaled areas below). A right geometry
    # inside its left one takes its given area; without one it is measured like
    # a cut piece, which spares projecting it.
    scale_whole = scale is not None and right_area_m2 is None
    if left_in.any():
        area[left_in] = larea(li[left_in])
    if not scale_whole and right_in.any():
        area[right_in] = rarea(ri[right_in])
    todo = np.flatnonzero(cut | right_in if scale_whole else cut)

    def work(part: slice) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
        idx = todo[part]
        g = b[idx]
        c = cut[idx]
        g[c] = _polygonal(shapely.intersection(a[idx[c]], g[c]))
        if scale is None:
            area = ellipsoidal_area(g, crs)
        else:
            area = shapely.area(g) * scale(shapely.centroid(g))
        return (g if geometry else np.full(len(g), None, dtype=object)), area

    if len(todo):
        results = _run(work, _chunks(len(todo), n_jobs), n_jobs)
        geom[todo] = np.concatenate([r[0] for r in results])
        area[todo] = np.concatenate([r[1] for r in results])
        if scale is not None:
            # Anchor to the left geometry's ellipsoidal area: the factors above are
            # per unit of planar area at the centroid, so divide by the left's own.
            owner = li[todo]
            lpart = np.flatnonzero(_present(owner, len(lg)))
            anchor = np.zeros(len(lg))
            planar = shapely.area(lg[lpart]) * scale(shapely.centroid(lg[lpart]))
            anchor[lpart] = np.divide(larea(lpart), planar, out=np.ones(len(lpart)),
                                      where=planar > 0)
            area[todo] *= anchor[owner]
    return _sorted(li, ri, geom, area, sliver)


def _sorted(li: NDArray[np.intp], ri: NDArray[np.intp], geom: NDArray[np.object_],
            area: NDArray[np.float64], sliver: float) -> Pieces:
    """Pieces of at least ``sliver`` (and of some area), by left then right position."""
    keep = (area >= sliver) & (area > 0)
    li, ri, geom, area = li[keep], ri[keep], geom[keep], area[keep]
    if not _ordered(li, ri):
        order = np.lexsort((ri, li))
        li, ri, geom, area = li[order], ri[order], geom[order], area[order]
    return Pieces(li, ri, geom, area)


def _ordered(first: NDArray[np.intp], second: NDArray[np.intp]) -> bool:
    """Whether pairs are sorted by ``first``, then by ``second``."""
    step = np.diff(first)
    return bool(((step > 0) | ((step == 0) & (np.diff(second) > 0))).all())


def _polygons_only(geoms: NDArray[np.object_], n_jobs: int = 1) -> bool:
    """Whether every geometry is a polygon, a multipolygon or missing.

    Found once for a layer :func:`reuse_trees` keeps.
    """
    def ok(part: slice) -> bool:
        return bool(np.isin(shapely.get_type_id(geoms[part]), (-1, *_POLYGONAL)).all())

    def find() -> bool:
        return all(_run(ok, _chunks(len(geoms), n_jobs), n_jobs))

    if _TREES.has("reuse", (geoms,)):
        return _TREES.get("polygons only", (geoms,), find)
    return find()


def _flat(geoms: NDArray[np.object_], n_jobs: int) -> Flat | NDArray[np.object_]:
    """Return the layer flattened for the kernel, once while :func:`reuse_trees` keeps it."""
    if not _TREES.has("reuse", (geoms,)):
        return geoms
    return _TREES.get("flat", (geoms,), lambda: Flat(_no_missing(geoms), n_threads=n_jobs,
                                                     validate=False))


def _no_missing(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    missing = shapely.is_missing(geoms)
    if not missing.any():
        return geoms
    out = geoms.copy()
    out[missing] = shapely.Polygon()
    return out


# Query-side geometries per block of the area engine (:func:`_blocks`).
_BLOCK = 16_384


def _tree_side(lg: NDArray[np.object_], rg: NDArray[np.object_], n_jobs: int
               ) -> tuple[bool, shapely.STRtree, Flat]:
    """Return the side the engine's tree is over (``True``: the left), its tree and rings.

    A layer :func:`reuse_trees` keeps gives its kept tree and rings (the right's
    first); otherwise the tree is built over the smaller side, the cheaper one to
    build and to flatten, and the other side is queried in blocks.
    """
    if _TREES.has("reuse", (rg,)):
        t_is_left = False
    elif _TREES.has("reuse", (lg,)):
        t_is_left = True
    else:
        t_is_left = len(lg) < len(rg)
    tg = lg if t_is_left else rg
    with stage("tree"):
        tree = _kept_tree(tg)
        if tree is None:
            tree = shapely.STRtree(tg)
        tree.query(shapely.Point(0, 0))  # GEOS builds a tree on its first query: once, here
    flat = _flat(tg, n_jobs)
    if not isinstance(flat, Flat):
        flat = Flat(_no_missing(tg), n_threads=n_jobs, validate=False)
    return t_is_left, tree, flat


def _blocks(
    side: tuple[bool, shapely.STRtree, Flat], lg: NDArray[np.object_],
    rg: NDArray[np.object_], n_jobs: int, *,
    finish: Callable[[slice, NDArray[np.intp], NDArray[np.intp], Measures], T],
    others: list[Callable[[], object]] | None = None,
) -> list[T]:
    """Measure the pairs whose boxes meet with the kernel, block by block, on threads.

    The side without the tree (``side``, from :func:`_tree_side`) is cut into
    blocks, and each block is worked end to end by one thread: its pairs from the
    tree, its geometries flattened, the kernel's planar areas and centroids (GEOS
    for the pairs it cannot judge), and ``finish(block, left, right, measures)``
    on them. The threads never wait for each other between stages, so what holds
    the GIL in one block (flattening) runs beside the compiled kernel of another.
    Tasks in ``others`` run on the same threads, spread among the blocks. Returns
    what ``finish`` gave for each block, in order.
    """
    t_is_left, tree, flat = side
    q = rg if t_is_left else lg

    def block(part: slice) -> T:
        with stage("block", task=True):
            with stage("pairs (tree query)"):
                qi, ti = tree.query(q[part])
                qi = qi.astype(np.intp)
                ti = ti.astype(np.intp)
            if t_is_left:
                m = intersection_measures(flat, q[part], ti, qi, n_threads=1, validate=False)
                li, ri = ti, qi + part.start
            else:
                m = intersection_measures(q[part], flat, qi, ti, n_threads=1, validate=False)
                li, ri = qi + part.start, ti
            with stage("areas of the block"):
                return finish(part, li, ri, m)

    n = len(q)
    k = max(-(-n // _BLOCK), min(4 * n_jobs, n // _MIN_CHUNK) if n_jobs > 1 else 1, 1)
    bounds = np.linspace(0, n, k + 1).astype(int)
    tasks: list[tuple[bool, Callable[[], object]]] = [
        (True, functools.partial(block, slice(int(a), int(b))))
        for a, b in itertools.pairwise(bounds)]
    extra = others or []
    for i, task in enumerate(extra):
        # Spread among the blocks, so that two threads rarely run them at once.
        tasks.insert((i + 1) * k // (len(extra) + 1) + i, (False, task))
    done = _run_tasks([t for _, t in tasks], n_jobs)
    return [d for d, (is_block, _) in zip(done, tasks, strict=True) if is_block]  # type: ignore[misc]


def _run_tasks(tasks: list[Callable[[], T]], n_jobs: int) -> list[T]:
    """Results of ``tasks``, in order, run on ``n_jobs`` threads."""
    if n_jobs <= 1 or len(tasks) <= 1:
        return [t() for t in tasks]
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        futures = [pool.submit(t) for t in tasks]
        return [f.result() for f in futures]


def _planar_pairs(lg: NDArray[np.object_], rg: NDArray[np.object_], n_jobs: int
                  ) -> tuple[NDArray[np.intp], NDArray[np.intp], Measures]:
    """Pairs whose boxes meet, with the kernel's planar area and centroid of each piece."""
    def keep(part: slice, li: NDArray[np.intp], ri: NDArray[np.intp], m: Measures
             ) -> tuple[NDArray[np.intp], NDArray[np.intp], Measures]:
        return li, ri, m

    done = _blocks(_tree_side(lg, rg, n_jobs), lg, rg, n_jobs, finish=keep)
    if not done:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), Measures(np.zeros(0), np.zeros(0), 0)
    return (np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done]),
            Measures(np.concatenate([d[2].area for d in done]),
                     np.concatenate([d[2].centroid_x for d in done]),
                     sum(d[2].n_fallback for d in done)))


def _kernel_pieces(
    lg: NDArray[np.object_], rg: NDArray[np.object_], *, crs: CRS | str,
    larea: NDArray[np.float64] | None, rarea: NDArray[np.float64] | None,
    scale_x: Callable[[NDArray[np.float64]], NDArray[np.float64]], sliver: float,
    n_jobs: int, all_left: bool = False,
) -> tuple[Pieces, NDArray[np.float64]]:
    """Pieces with areas and no geometry, from the kernel, and the left geometries' areas.

    The planar area and centroid of each piece come from
    :func:`redline.analysis.kernel.intersection_measures` (no piece is built; the
    few pairs it cannot judge go through GEOS), and are turned into ellipsoidal
    areas as the ``"scaled"`` method of :func:`pieces` does: the scale factor at
    the piece's centroid, anchored to the left geometry's ellipsoidal area. A
    piece that is its whole left geometry (to 1e-12) takes that geometry's own
    area, and, when right areas are given, one that is its whole right geometry
    takes that one's.

    The work runs in blocks (:func:`_blocks`). The left areas ``larea`` are
    measured when not given: those of the left geometries with pieces, or of all
    of them with ``all_left`` (then on the threads, beside the blocks). They are
    returned, NaN where not measured.
    """
    job = _AreaJob(lg, rg, crs, larea, rarea, scale_x, sliver, all_left)
    side = _tree_side(lg, rg, n_jobs)
    if not side[0]:
        done = _blocks(side, lg, rg, n_jobs, finish=job.left_block)
        with stage("finish"):
            li, ri, area = (np.concatenate([e] + [d[i] for d in done])
                            for i, e in enumerate(_AreaJob.EMPTY[:3]))
            return _sorted(li, ri, np.full(len(li), None, dtype=object), area,
                           sliver), job.left_area
    others: list[Callable[[], object]] = []
    if larea is None and all_left:
        others = [functools.partial(job.measure, part) for part in _chunks(len(lg), 2)]
    if not _TREES.has("reuse", (lg,)) and (larea is not None or all_left):
        # The smaller side: every left geometry has pieces, or nearly.
        others.append(job.tree_anchors)
    done = _blocks(side, lg, rg, n_jobs, finish=job.right_block, others=others)
    with stage("finish"):
        return job.anchored(done, n_jobs), job.left_area


@dataclass
class _AreaJob:
    """The ellipsoidal areas of one :func:`_kernel_pieces`, block by block."""

    lg: NDArray[np.object_]
    rg: NDArray[np.object_]
    crs: CRS | str
    larea: NDArray[np.float64] | None
    rarea: NDArray[np.float64] | None
    scale_x: Callable[[NDArray[np.float64]], NDArray[np.float64]]
    sliver: float
    all_left: bool

    EMPTY: ClassVar[tuple[NDArray[Any], ...]] = (
        np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0), np.zeros(0),
        np.zeros(0, bool))

    def __post_init__(self) -> None:
        self.left_area = np.full(len(self.lg), np.nan) if self.larea is None else self.larea
        self.lplanar: NDArray[np.float64] | None = None
        self.lscaled = np.zeros(0)

    def whole_right(self, ri: NDArray[np.intp], planar: NDArray[np.float64]
                    ) -> NDArray[np.bool_]:
        """Whether each piece is its whole right geometry (only when right areas are given)."""
        if self.rarea is None:
            return np.zeros(len(ri), dtype=bool)
        return np.asarray(planar >= shapely.area(self.rg[ri]) * (1 - 1e-12))

    def anchors(self, which: NDArray[np.intp]
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Planar areas of the left geometries ``which``, and the factors anchoring them.

        The factors of the pieces are per unit of planar area at their centroids, so
        the anchor is the left's ellipsoidal area over its own planar area so scaled.
        """
        lg = self.lg[which]
        lplanar = np.asarray(shapely.area(lg), dtype=np.float64)
        lscaled = lplanar * self.scale_x(shapely.get_x(shapely.centroid(lg)))
        anchor = np.divide(self.left_area[which], lscaled, out=np.ones(len(which)),
                           where=lscaled > 0)
        return lplanar, anchor

    def left_block(self, part: slice, li: NDArray[np.intp], ri: NDArray[np.intp],
                   m: Measures) -> tuple[NDArray[Any], ...]:
        """Areas of the pieces of a block of left geometries: all is known in the block."""
        some = m.area > 0
        li, ri, planar, cx = li[some], ri[some], m.area[some], m.centroid_x[some]
        if self.larea is None and self.all_left:
            self.left_area[part] = ellipsoidal_area(self.lg[part], self.crs)
        if not len(li):
            return self.EMPTY[:3]
        own = np.flatnonzero(_present(li - part.start, part.stop - part.start)) + part.start
        if self.larea is None and not self.all_left:
            self.left_area[own] = ellipsoidal_area(self.lg[own], self.crs)
        at = np.zeros(part.stop - part.start, dtype=np.intp)
        at[own - part.start] = np.arange(len(own))
        pos = at[li - part.start]
        lplanar, anchor = self.anchors(own)
        area = planar * self.scale_x(cx)
        area *= anchor[pos]
        whole_left = planar >= lplanar[pos] * (1 - 1e-12)
        if self.rarea is not None:
            wr = np.flatnonzero(~whole_left)[self.whole_right(ri[~whole_left],
                                                              planar[~whole_left])]
            area[wr] = self.rarea[ri[wr]]
        area[whole_left] = self.left_area[li[whole_left]]
        keep = (area >= self.sliver) & (area > 0)
        li, ri, area = li[keep], ri[keep], area[keep]
        if not _ordered(li, ri):
            order = np.lexsort((ri, li))
            li, ri, area = li[order], ri[order], area[order]
        return li, ri, area

    def right_block(self, part: slice, li: NDArray[np.intp], ri: NDArray[np.intp],
                    m: Measures) -> tuple[NDArray[Any], ...]:
        """Scaled areas of the pieces of a block of right geometries, not yet anchored.

        The lefts are the tree's, shared by every block: :meth:`anchored` ends it.
        """
        some = m.area > 0
        li, ri, planar = li[some], ri[some], m.area[some]
        scaled = planar * self.scale_x(m.centroid_x[some])
        return li, ri, planar, scaled, self.whole_right(ri, planar)

    def measure(self, part: slice) -> None:
        """Measure the left geometries of ``part`` (a task beside the blocks)."""
        with stage("left areas", task=True):
            self.left_area[part] = ellipsoidal_area(self.lg[part], self.crs)

    def tree_anchors(self) -> None:
        """Work out the anchors' planar parts of every left geometry (a task beside the blocks)."""
        with stage("left anchors", task=True):
            ok = ~(shapely.is_missing(self.lg) | shapely.is_empty(self.lg))
            self.lplanar = np.zeros(len(self.lg))
            self.lscaled = np.zeros(len(self.lg))
            self.lplanar[ok] = shapely.area(self.lg[ok])
            self.lscaled[ok] = self.lplanar[ok] * self.scale_x(
                shapely.get_x(shapely.centroid(self.lg[ok])))

    def anchored(self, done: list[tuple[NDArray[Any], ...]], n_jobs: int) -> Pieces:
        """Pieces of the blocks of :meth:`right_block`, by left geometry and anchored."""
        nl = len(self.lg)
        li, ri, planar, scaled, wr = (np.concatenate([e] + [d[i] for d in done])
                                      for i, e in enumerate(self.EMPTY))
        lplanar = np.zeros(nl)
        anchor = np.ones(nl)
        if self.lplanar is not None:
            lplanar = self.lplanar
            anchor = np.divide(self.left_area, self.lscaled, out=anchor,
                               where=self.lscaled > 0)
        else:
            lpart = np.flatnonzero(_present(li, nl))
            if self.larea is None and not self.all_left:
                self.left_area[lpart] = _measure(self.lg[lpart], self.crs, n_jobs)
            lplanar[lpart], anchor[lpart] = self.anchors(lpart)
        rarea = np.zeros(0) if self.rarea is None else self.rarea
        # The blocks come in order of right: a stable sort by left orders both.
        li, ri, area = _anchored_by_left(li, ri, planar, scaled, wr, anchor, lplanar,
                                         self.left_area, rarea, self.sliver)
        return Pieces(li, ri, np.full(len(li), None, dtype=object), area)


@njit(cache=True, nogil=True)
def _anchored_by_left(  # noqa: PLR0917 (compiled: arrays passed positionally)
    li: NDArray[np.intp], ri: NDArray[np.intp], planar: NDArray[np.float64],
    scaled: NDArray[np.float64], whole_right: NDArray[np.bool_], anchor: NDArray[np.float64],
    lplanar: NDArray[np.float64], left_area: NDArray[np.float64],
    right_area: NDArray[np.float64], sliver: float,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Anchor the scaled areas of :meth:`_AreaJob.right_block`, keep and sort them by left.

    As :meth:`_AreaJob.left_block` does with arrays: the scaled area times the
    left's anchor, or the whole right's area, or the whole left's; pieces of at
    least ``sliver`` kept, in a stable counting sort by left.
    """
    n_left = len(anchor)
    area = np.empty(len(li))
    start = np.zeros(n_left + 1, dtype=np.intp)
    for i in range(len(li)):
        k = li[i]
        a = scaled[i] * anchor[k]
        if len(right_area) and whole_right[i]:
            a = right_area[ri[i]]
        if planar[i] >= lplanar[k] * (1 - 1e-12):
            a = left_area[k]
        area[i] = a
        if a >= sliver and a > 0:
            start[k + 1] += 1
    for k in range(n_left):
        start[k + 1] += start[k]
    n = start[n_left]
    out_l = np.empty(n, dtype=np.intp)
    out_r = np.empty(n, dtype=np.intp)
    out_a = np.empty(n)
    for i in range(len(li)):
        a = area[i]
        if a >= sliver and a > 0:
            k = li[i]
            j = start[k]
            out_l[j] = k
            out_r[j] = ri[i]
            out_a[j] = a
            start[k] += 1
    return out_l, out_r, out_a


def _tm_scale(crs: CRS | str) -> Callable[[NDArray[np.object_]], NDArray[np.float64]] | None:
    """Areal factor 1/m(x)^2 of a Transverse Mercator CRS at given points, else ``None``."""
    factor = _tm_scale_x(crs)
    if factor is None:
        return None
    fe = _false_easting(crs)

    def at(points: NDArray[np.object_]) -> NDArray[np.float64]:
        x = np.full(len(points), fe)
        ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
        x[ok] = shapely.get_x(points[ok])
        return factor(x)

    return at


def _false_easting(crs: CRS | str) -> float:
    from pyproj import CRS as _CRS

    op = _CRS.from_user_input(crs).coordinate_operation
    params = {p.name: p.value for p in op.params} if op is not None else {}
    return float(params.get("False easting", 0.0))


def _tm_scale_x(crs: CRS | str) -> Callable[[NDArray[np.float64]], NDArray[np.float64]] | None:
    """Areal factor 1/m(x)^2 of a Transverse Mercator CRS at given eastings, else ``None``.

    m is the point scale factor, m = k0 (1 + X^2/2 + X^4/24) with X = E/(k0 sqrt(rho nu)),
    E the easting from the central meridian and rho, nu the radii of curvature at
    the latitude of the CRS's area (the latitude enters only through rho nu, whose
    change across a county is far below the precision that matters here).
    """
    from pyproj import CRS as _CRS

    c = _CRS.from_user_input(crs)
    op = c.coordinate_operation
    if op is None or "Transverse Mercator" not in op.method_name or c.ellipsoid is None:
        return None
    params = {p.name: p.value for p in op.params}
    k0 = float(params.get("Scale factor at natural origin", 1.0))
    fe = float(params.get("False easting", 0.0))
    a = c.ellipsoid.semi_major_metre
    inv_f = c.ellipsoid.inverse_flattening
    e2 = (2 - 1 / inv_f) / inv_f if inv_f else 0.0
    bounds = c.area_of_use.bounds if c.area_of_use else (0.0, 35.0, 0.0, 35.0)
    phi = np.radians((bounds[1] + bounds[3]) / 2)
    w = 1 - e2 * np.sin(phi) ** 2
    rho_nu = a * a * (1 - e2) / w**2

    def factor(x: NDArray[np.float64]) -> NDArray[np.float64]:
        x2 = (np.asarray(x, dtype=np.float64) - fe) ** 2 / (k0 * k0 * rho_nu)
        m = k0 * (1 + x2 / 2 + x2 * x2 / 24)
        return np.asarray(1.0 / (m * m), dtype=np.float64)

    return factor


def _known(values: NDArray[np.float64]) -> Callable[[NDArray[np.intp]], NDArray[np.float64]]:
    return lambda idx: values[idx]


def union_by_group(
    geoms: ArrayLike, groups: ArrayLike, n_groups: int, *, n_jobs: int = 1
) -> NDArray[np.object_]:
    """Union of the geometries of each group.

    Parameters
    ----------
    geoms
        Geometries.
    groups
        Group number (``0 <= g < n_groups``) of each geometry.
    n_groups
        Length of the result.
    n_jobs
        Threads to use.

    Returns
    -------
    numpy.ndarray
        One geometry per group: the union of its members, the member itself for a
        group of one, ``None`` for a group with no members.
    """
    arr = _as_geoms(geoms)
    grp = np.asarray(groups, dtype=np.intp)
    out = np.full(n_groups, None, dtype=object)
    if len(arr) == 0:
        return out
    order = np.argsort(grp, kind="stable")
    arr, grp = arr[order], grp[order]
    counts = np.bincount(grp, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(grp)) - starts[grp]
    single = counts[grp] == 1
    out[grp[single]] = arr[single]
    # Groups of several are unioned row-wise in padded 2-d blocks of similar size,
    # so the padding stays small and GEOS does all the work.
    multi = np.flatnonzero(counts > 1)
    size = counts[multi]
    width = 2 ** np.ceil(np.log2(size)).astype(int)
    for w in np.unique(width):
        members = multi[width == w]
        row = np.full(n_groups, -1, dtype=np.intp)
        row[members] = np.arange(len(members))
        sel = row[grp] >= 0
        block = np.full((len(members), int(w)), None, dtype=object)
        block[row[grp[sel]], rank[sel]] = arr[sel]
        unions = _run(partial(_union_rows, block), _chunks(len(members), n_jobs), n_jobs)
        out[members] = np.concatenate(unions)
    return out


def _union_rows(block: NDArray[np.object_], rows: slice) -> NDArray[np.object_]:
    return np.asarray(shapely.union_all(block[rows], axis=1), dtype=object)


def overlap_area(
    parcels: ArrayLike,
    layer: ArrayLike,
    *,
    crs: CRS | str,
    partition: bool = False,
    parcel_area_m2: ArrayLike | None = None,
    sliver_m2: float | None = None,
    n_jobs: int = 1,
) -> NDArray[np.float64]:
    """Area of each parcel that lies on an area layer, every square metre counted once.

    Parameters
    ----------
    parcels, layer
        Geometries in the metric working CRS.
    crs
        Their CRS.
    partition
        ``True`` when the layer's features never overlap each other (farmland
        patches): the pieces are summed. Otherwise the pieces of each parcel are
        unioned first, so two overlapping features are not counted twice.
    parcel_area_m2
        Ellipsoidal parcel areas if already known.
    sliver_m2
        Pieces smaller than this are ignored; ``None`` reads the setting.
    n_jobs
        Threads to use.

    Returns
    -------
    numpy.ndarray
        Ellipsoidal m2, aligned to ``parcels``.
    """
    _metric(crs)
    pg = _as_geoms(parcels)
    lg = _as_geoms(layer)
    scale_x = _tm_scale_x(crs)
    if (partition and parcel_area_m2 is None and len(pg) and len(lg) and scale_x is not None
            and _polygons_only(pg, n_jobs) and _polygons_only(lg, n_jobs)):
        # The parcels are measured on the threads beside the kernel's blocks.
        p, parcel_area = _kernel_pieces(pg, lg, crs=crs, larea=None, rarea=None,
                                        scale_x=scale_x, sliver=_sliver(sliver_m2),
                                        n_jobs=n_jobs, all_left=True)
        return np.minimum(p.total_by_left(len(pg)), parcel_area)
    parcel_area = (_measure(pg, crs, n_jobs) if parcel_area_m2 is None
                   else np.asarray(parcel_area_m2, dtype=np.float64))
    p = pieces(pg, lg, crs=crs, sliver_m2=sliver_m2, left_area_m2=parcel_area,
               geometry=not partition, n_jobs=n_jobs)
    area = p.total_by_left(len(pg)) if partition else _union_area(p, len(pg), crs, n_jobs)[0]
    # Cut pieces carry extra vertices on the parcel's edges, which can move an
    # ellipsoidal area in its last digits: never report more than the parcel.
    return np.minimum(area, parcel_area)


def _union_area(
    p: Pieces, n: int, crs: CRS | str, n_jobs: int
) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    """Per left geometry: area and geometry of the union of its pieces."""
    counts = np.bincount(p.left, minlength=n)
    union = union_by_group(p.geometry, p.left, n, n_jobs=n_jobs)
    area = np.bincount(p.left, weights=p.area_m2, minlength=n).astype(np.float64)
    multi = np.flatnonzero(counts > 1)
    if len(multi):
        area[multi] = ellipsoidal_area(union[multi], crs)
    return area, union


# --------------------------------------------------------------------------- coverage


def cover(
    parcels: ArrayLike,
    covering: ArrayLike,
    *,
    crs: CRS | str,
    parcel_area_m2: ArrayLike | None = None,
    sliver_m2: float | None = None,
    n_jobs: int = 1,
) -> Coverage:
    """Find the part of each parcel that no covering feature covers.

    Parameters
    ----------
    parcels
        Parcels (for example change patches) in the working CRS.
    covering
        Covering features (approvals, supply, or both concatenated). They may
        overlap each other: the covered area is that of their union.
    crs
        CRS of both arrays.
    parcel_area_m2
        Ellipsoidal parcel areas if already known.
    sliver_m2
        Overlaps smaller than this neither cover nor match; ``None`` reads the
        setting.
    n_jobs
        Threads to use.

    Returns
    -------
    Coverage
        ``covered_m2 + uncovered_m2 == area_m2`` for every parcel.
    """
    _metric(crs)
    pg = _as_geoms(parcels)
    n = len(pg)
    area = (_measure(pg, crs, n_jobs) if parcel_area_m2 is None
            else np.asarray(parcel_area_m2, dtype=np.float64))
    matched = pieces(pg, covering, crs=crs, sliver_m2=sliver_m2,
                     left_area_m2=area, n_jobs=n_jobs)
    covered, union = _union_area(matched, n, crs, n_jobs)
    # Rounding may leave a covered area a hair above the parcel's.
    covered = np.minimum(covered, area)
    uncovered = pg.copy()
    hit = np.flatnonzero(np.bincount(matched.left, minlength=n) > 0)
    whole = hit[covered[hit] >= area[hit]]
    uncovered[whole] = shapely.Polygon()
    cut = np.setdiff1d(hit, whole)
    if len(cut):
        diffs = _run(
            lambda s: _polygonal(shapely.difference(pg[cut[s]], union[cut[s]])),
            _chunks(len(cut), n_jobs), n_jobs,
        )
        uncovered[cut] = np.concatenate(diffs)
    return Coverage(area, covered, area - covered, uncovered, matched)


# --------------------------------------------------------------------------- farmland


def farmland_split(
    parcels: ArrayLike,
    farmland: ArrayLike | None,
    basic_farmland: ArrayLike | None,
    *,
    crs: CRS | str,
    parcel_area_m2: ArrayLike | None = None,
    sliver_m2: float | None = None,
    geometry: bool | Literal["basic"] = False,
    n_jobs: int = 1,
) -> FarmlandSplit:
    """Split each parcel's area into basic farmland, other farmland and other land.

    Basic farmland is the union of the basic-farmland pieces of the parcel (its
    patches are not assumed to lie inside farmland patches, nor to be free of
    overlaps). Other farmland is farmland minus basic farmland: the farmland
    pieces of a parcel, each minus the parcel's basic-farmland part, summed
    (farmland patches are a partition and are never unioned). Other land is the
    rest, so the three always sum to the parcel area.

    Parameters
    ----------
    parcels
        Parcels in the working CRS.
    farmland, basic_farmland
        The area layers, or ``None`` when the dataset has no such layer (its
        share is then NaN and counted in nothing).
    crs
        CRS of every array.
    parcel_area_m2
        Ellipsoidal parcel areas if already known.
    sliver_m2
        Pieces smaller than this are ignored; ``None`` reads the setting.
    geometry
        Also return the basic-farmland part and the whole farmland part (basic
        farmland included) of each parcel; ``"basic"``: the basic-farmland part
        only (the whole farmland part, a union per parcel, is then not made).
    n_jobs
        Threads to use.

    Returns
    -------
    FarmlandSplit
        Arrays aligned to ``parcels``, in ellipsoidal m2.
    """
    _metric(crs)
    pg = _as_geoms(parcels)
    area = (_measure(pg, crs, n_jobs) if parcel_area_m2 is None
            else np.asarray(parcel_area_m2, dtype=np.float64))
    sliver = _sliver(sliver_m2)
    if (geometry is not True and farmland is not None and basic_farmland is not None
            and _tm_scale_x(crs) is not None):
        fl, bl = _as_geoms(farmland), _as_geoms(basic_farmland)
        if _polygons_only(pg) and _polygons_only(fl) and _polygons_only(bl):
            return _split_by_areas(pg, fl, bl, crs=crs, area=area, sliver=sliver,
                                   basic_geometry=geometry == "basic", n_jobs=n_jobs)
    return _split_by_pieces(pg, farmland, basic_farmland, crs=crs, area=area, sliver=sliver,
                            geometry=geometry, n_jobs=n_jobs)


def _split_by_areas(
    pg: NDArray[np.object_], farmland: NDArray[np.object_], basic: NDArray[np.object_], *,
    crs: CRS | str, area: NDArray[np.float64], sliver: float, basic_geometry: bool,
    n_jobs: int,
) -> FarmlandSplit:
    """:func:`farmland_split` from piece areas alone, where the layers allow it.

    Farmland patches are a partition; where the basic-farmland patches under a
    parcel lie within the farmland and overlap no other basic patch
    (:func:`_basic_fits`), the parcel's other farmland is its farmland less its
    basic farmland, and its basic farmland the sum of its basic pieces: two area
    passes of the kernel, and no difference or union. A remainder below the sliver
    counts as 0 (the piece-by-piece split drops each piece's remainder below it).
    Parcels under a basic patch that does not fit are split piece by piece.
    """
    n = len(pg)
    fp = pieces(pg, farmland, crs=crs, sliver_m2=sliver, left_area_m2=area, geometry=False,
                n_jobs=n_jobs)
    basic_geom = None
    if basic_geometry:
        bp = pieces(pg, basic, crs=crs, sliver_m2=sliver, left_area_m2=area, n_jobs=n_jobs)
        on_basic, basic_geom = _union_area(bp, n, crs, n_jobs)
    else:
        bp = pieces(pg, basic, crs=crs, sliver_m2=sliver, left_area_m2=area, geometry=False,
                    n_jobs=n_jobs)
        on_basic = bp.total_by_left(n)
    on_farm = fp.total_by_left(n) - on_basic
    on_farm[on_farm < sliver] = 0.0
    bad = np.flatnonzero(_present(bp.left[~_basic_fits(basic, farmland, bp.right, n_jobs)], n))
    if len(bad):
        rest = _split_by_pieces(pg[bad], farmland, basic, crs=crs, area=area[bad],
                                sliver=sliver, geometry="basic" if basic_geometry else False,
                                n_jobs=n_jobs)
        on_basic[bad] = rest.on_basic_m2
        on_farm[bad] = rest.on_farmland_m2
        if basic_geom is not None and rest.basic is not None:
            basic_geom[bad] = rest.basic
    return _closed(area, on_basic, on_farm, basic_geom, None)


def _basic_fits(basic: NDArray[np.object_], farmland: NDArray[np.object_],
                which: NDArray[np.intp], n_jobs: int) -> NDArray[np.bool_]:
    """Whether each basic-farmland patch of ``which`` lies within the farmland, alone.

    Within: its planar pieces on the farmland patches (a partition) sum to its own
    area; alone: its pieces on the other basic patches sum to nothing (both to
    1e-9 of its area, by the kernel). Worked out once per patch while
    :func:`reuse_trees` keeps both layers (in 三调 data basic-farmland patches are
    cut from farmland patches, so nearly all fit).
    """
    state = _TREES.get("basic fits", (basic, farmland),
                       lambda: np.full(len(basic), -1, dtype=np.int8))
    need = np.flatnonzero(_present(which, len(basic)) & (state < 0))
    if len(need):
        sub = basic[need]
        own = shapely.area(sub)
        li, _, m = _planar_pairs(sub, farmland, n_jobs)
        inside = np.bincount(li, weights=m.area, minlength=len(need)) >= own * (1 - 1e-9)
        li, ri, m = _planar_pairs(sub, basic, n_jobs)
        other = ri != need[li]
        alone = np.bincount(li[other], weights=m.area[other], minlength=len(need)) <= 1e-9 * own
        state[need] = inside & alone
    return np.asarray(state[which] == 1)


_ROUNDING = 1e-9  # a split's part below this share of its parcel is rounding


def _closed(area: NDArray[np.float64], on_basic: NDArray[np.float64],
            on_farm: NDArray[np.float64], basic_geom: NDArray[np.object_] | None,
            farm_geom: NDArray[np.object_] | None) -> FarmlandSplit:
    """Return the split with its parts clipped to the parcel and summing to it exactly."""
    # Rounding can push the parts a hair past the parcel: clip, then close the sum.
    # A part within rounding of nothing (1e-9 of the parcel) is nothing: a parcel wholly
    # on farmland reads 0 m2 of other land, not the 1e-6 m2 that summed pieces leave.
    tiny = _ROUNDING * area
    on_basic_c = np.minimum(np.nan_to_num(on_basic), area)
    on_basic_c[on_basic_c <= tiny] = 0.0
    on_farm_c = np.minimum(np.nan_to_num(on_farm), area - on_basic_c)
    on_farm_c[on_farm_c <= tiny] = 0.0
    on_other = area - on_basic_c - on_farm_c
    rest = (on_other <= tiny) & (on_other != 0.0)
    to_farm = rest & (on_farm_c > 0)
    to_basic = rest & ~to_farm & (on_basic_c > 0)
    on_farm_c = np.where(to_farm, on_farm_c + on_other, on_farm_c)
    on_basic_c = np.where(to_basic, on_basic_c + on_other, on_basic_c)
    on_other = np.where(to_farm | to_basic, 0.0, on_other)
    # An outline of a part that reads 0 m2 is a degenerate sliver: no outline, as no area
    # (the farmland outline holds the basic farmland too).
    if basic_geom is not None:
        basic_geom = basic_geom.copy()
        basic_geom[on_basic_c == 0.0] = None
    if farm_geom is not None:
        farm_geom = farm_geom.copy()
        farm_geom[on_basic_c + on_farm_c == 0.0] = None
    on_basic = np.where(np.isnan(on_basic), np.nan, on_basic_c)
    on_farm = np.where(np.isnan(on_farm), np.nan, on_farm_c)
    return FarmlandSplit(area, on_basic, on_farm, on_other, basic_geom, farm_geom)


def _split_by_pieces(
    pg: NDArray[np.object_], farmland: ArrayLike | None, basic_farmland: ArrayLike | None, *,
    crs: CRS | str, area: NDArray[np.float64], sliver: float,
    geometry: bool | Literal["basic"], n_jobs: int,
) -> FarmlandSplit:
    """:func:`farmland_split` piece by piece: basic pieces unioned, farmland pieces cut by them."""
    n = len(pg)
    on_basic = np.full(n, np.nan)
    on_farm = np.full(n, np.nan)
    basic_geom = np.full(n, None, dtype=object)
    farm_geom = np.full(n, None, dtype=object)
    if basic_farmland is not None:
        bp = pieces(pg, basic_farmland, crs=crs, sliver_m2=sliver,
                    left_area_m2=area, n_jobs=n_jobs)
        on_basic, basic_geom = _union_area(bp, n, crs, n_jobs)
    if farmland is not None:
        fp = pieces(pg, farmland, crs=crs, sliver_m2=sliver, left_area_m2=area, n_jobs=n_jobs)
        farm_area = fp.area_m2.copy()
        farm_parts = fp.geometry
        if basic_farmland is not None:
            # Farmland pieces of parcels that also lie on basic farmland lose that part.
            farm_parts, farm_area = _minus_basic(fp, bp, crs=crs, sliver=sliver, n_jobs=n_jobs)
        on_farm = np.bincount(fp.left, weights=farm_area, minlength=n).astype(np.float64)
        if geometry is True:
            keep = farm_area > 0
            farm_geom = union_by_group(
                np.concatenate([farm_parts[keep], basic_geom[~shapely.is_missing(basic_geom)]]),
                np.concatenate([fp.left[keep],
                                np.flatnonzero(~shapely.is_missing(basic_geom))]),
                n, n_jobs=n_jobs,
            )
    elif geometry is True:
        farm_geom = basic_geom.copy()
    return _closed(area, on_basic, on_farm, basic_geom if geometry else None,
                   farm_geom if geometry is True else None)


def _minus_basic(
    fp: Pieces, bp: Pieces, *, crs: CRS | str, sliver: float, n_jobs: int
) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """Farmland pieces minus the basic-farmland pieces of the same parcel.

    Each farmland piece is cut only by the basic pieces of its own parcel that
    meet it (not by the parcel's whole basic-farmland union): a piece inside one
    basic piece is emptied without any overlay, one met by a single basic piece
    is cut by it alone, and only the rest are cut by the union of the few pieces
    that meet them. The part removed is the same as with the whole union.

    Returns
    -------
    tuple
        The farmland parts and their ellipsoidal areas (0 below ``sliver``).
    """
    parts = fp.geometry
    area = fp.area_m2.copy()
    if len(fp) == 0 or len(bp) == 0:
        return parts, area
    fi, bi = shapely.STRtree(bp.geometry).query(parts)
    same = fp.left[fi] == bp.left[bi]
    fi, bi = fi[same].astype(np.intp), bi[same].astype(np.intp)
    # Each piece meets one or two basic pieces: not worth preparing.
    with Unprepared(parts) as (own,):
        meet = shapely.intersects(own[fi], bp.geometry[bi])
        fi, bi = fi[meet], bi[meet]
        fb, bb = shapely.bounds(parts[fi]), shapely.bounds(bp.geometry[bi])
        inside = _bbox_within(fb, bb)
        inside[inside] = shapely.covered_by(own[fi[inside]], bp.geometry[bi[inside]])
    if len(fi) == 0:
        return parts, area
    parts = parts.copy()
    gone = np.unique(fi[inside])
    parts[gone] = shapely.Polygon()
    area[gone] = 0.0
    keep = ~np.isin(fi, gone)
    fi, bi = fi[keep], bi[keep]
    cut = np.unique(fi)
    if len(cut):
        # The basic pieces meeting each farmland piece, unioned when there are several.
        blade = union_by_group(bp.geometry[bi], np.searchsorted(cut, fi), len(cut),
                               n_jobs=n_jobs)
        diffs = _run(
            lambda s: _polygonal(shapely.difference(parts[cut[s]], blade[s])),
            _chunks(len(cut), n_jobs), n_jobs,
        )
        parts[cut] = np.concatenate(diffs)
        area[cut] = ellipsoidal_area(parts[cut], crs)
    area[area < sliver] = 0.0
    return parts, area


# --------------------------------------------------------------------------- admin units


def split_by_units(
    geoms: ArrayLike,
    units: ArrayLike,
    *,
    crs: CRS | str,
    sliver_m2: float | None = None,
    n_jobs: int = 1,
) -> Pieces:
    """Cut each geometry along the boundaries of admin units.

    Parameters
    ----------
    geoms
        Geometries to split (for example the unapproved part of change patches).
    units
        Admin unit polygons of one level (a partition).
    crs
        CRS of both arrays.
    sliver_m2
        Pieces smaller than this are dropped, except that a geometry always keeps
        at least its largest piece; ``None`` reads the setting.
    n_jobs
        Threads to use.

    Returns
    -------
    Pieces
        One piece per geometry and unit it lies in, plus a piece with
        ``right == -1`` for the part outside every unit (when at least the sliver).
    """
    _metric(crs)
    gg = _as_geoms(geoms)
    n = len(gg)
    sliver = _sliver(sliver_m2)
    area = ellipsoidal_area(gg, crs)
    p = pieces(gg, units, crs=crs, sliver_m2=0.0, left_area_m2=area, n_jobs=n_jobs)
    inside = p.total_by_left(n)
    rest_idx = np.flatnonzero((area - inside >= max(sliver, 1e-9 * area.max(initial=0)))
                              & (area > 0))
    if len(rest_idx):
        hit = np.bincount(p.left, minlength=n)[rest_idx] > 0
        rest_geom = gg[rest_idx].copy()
        union = union_by_group(p.geometry, p.left, n, n_jobs=n_jobs)
        with_hit = rest_idx[hit]
        rest_geom[hit] = _polygonal(shapely.difference(gg[with_hit], union[with_hit]))
        rest_area = area[rest_idx].copy()
        rest_area[hit] = ellipsoidal_area(rest_geom[hit], crs)
        p = Pieces(
            np.concatenate([p.left, rest_idx]),
            np.concatenate([p.right, np.full(len(rest_idx), -1, dtype=np.intp)]),
            np.concatenate([p.geometry, rest_geom]),
            np.concatenate([p.area_m2, rest_area]),
        )
    if len(p) == 0:
        return p
    # Drop slivers, but never a geometry's largest piece.
    order = np.lexsort((-p.area_m2, p.left))
    p = p.take(order)
    first = np.r_[True, p.left[1:] != p.left[:-1]]
    return p.take(first | (p.area_m2 >= sliver))


def nearest_within(
    geoms: ArrayLike, others: ArrayLike, *, distance: float
) -> NDArray[np.intp]:
    """Position of the nearest of ``others`` within ``distance`` of each geometry, else -1.

    Parameters
    ----------
    geoms, others
        Geometries in one metric CRS.
    distance
        Largest distance, in CRS units (metres), at which a feature counts as touching.

    Returns
    -------
    numpy.ndarray
        Positions in ``others`` aligned to ``geoms``; ties go to the lowest position.
    """
    gg, og = _as_geoms(geoms), _as_geoms(others)
    out = np.full(len(gg), -1, dtype=np.intp)
    if len(gg) == 0 or len(og) == 0:
        return out
    tree = shapely.STRtree(og)
    with Prepared(gg) as (prepared,):
        gi, oi = tree.query(prepared, predicate="dwithin", distance=max(distance, 0.0))
    if len(gi):
        dist = shapely.distance(gg[gi], og[oi])
        order = np.lexsort((oi, dist, gi))
        gi, oi = gi[order], oi[order]
        first = np.r_[True, gi[1:] != gi[:-1]]
        out[gi[first]] = oi[first]
    return out
