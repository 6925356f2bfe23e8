"""Dated coverage: which land an approval makes lawful, and from when.

An approval (农用地转用 / 征收批文) makes the land it covers lawful only

- from its approval date: land built on (a change patch, dated by its detection) or
  supplied (a supply parcel, dated by its contract) before the approval was given was
  built or supplied without approval (先建后批, 先供后批), and stays an offence at that
  date; an approval after the inspection date (``as_of``) does not exist yet;
- where its authority could approve it: permanent basic farmland only by the State
  Council (土地管理法 Art. 44, 46; :mod:`redline.authority`); the basic-farmland part of
  an approval by a province or below stays unlawfully occupied (such an approval is void,
  Art. 79);
- and only when it can be judged at all. An approval whose geometry is missing or
  unusable, whose date or authority cannot be read, never turns the land it may stand
  on into a violation: that land is *not judged*, with the reason, never "uncovered".
  An approval with no geometry may stand anywhere, so while the layer holds one, no land
  is named uncovered.

A supply contract never covers anything: only approvals do.

One approval document (批准文号 such as PZWH) may own several polygons: rows sharing an
id are each a polygon of that document, all of them judged.

:func:`approval_standing` reads the approvals once per run; :func:`dated_cover` splits
parcels into what is lawfully covered, what is not judged and what is unlawful.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.dates import as_day_array
from redline.analysis.findings import feature_ids, joined_by_group
from redline.analysis.overlay import pieces, union_by_group
from redline.authority import is_state_council, read_authorities

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

__all__ = ["ApprovalStanding", "DatedCover", "approval_standing", "dated_cover", "judgeable"]

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def judgeable(frame: pd.DataFrame) -> NDArray[np.bool_]:
    """Rows that can be judged: no ``_problem`` and a non-empty geometry."""
    geom = frame.geometry.values
    good = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if "_problem" in frame:
        prob = frame["_problem"]
        good &= (prob.isna() | (prob.astype("string").fillna("") == "")).to_numpy(bool)
    return np.asarray(good, dtype=bool)


def polygonal(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Return the polygonal part of each geometry (an empty polygon when none; None stays)."""
    out = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(out)
    types = shapely.get_type_id(out)
    odd = np.flatnonzero(present & ~np.isin(types, _POLYGONAL) & ~shapely.is_empty(out))
    if len(odd):
        parts, idx = shapely.get_parts(out[odd], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), _POLYGONAL)
        sub, sub_idx = shapely.get_parts(parts[keep], return_index=True)
        made = np.full(len(odd), None, dtype=object)
        shapely.multipolygons(sub, indices=idx[keep][sub_idx], out=made)
        made[shapely.is_missing(made)] = shapely.MultiPolygon()
        out[odd] = made
    out[present & shapely.is_empty(out)] = shapely.Polygon()
    return out


def _minus(a: NDArray[np.object_], b: NDArray[np.object_]) -> NDArray[np.object_]:
    """Return ``a - b`` row by row, polygonal; a missing ``b`` leaves ``a`` as it is."""
    out = a.copy()
    some = ~shapely.is_missing(b) & ~shapely.is_empty(b) & ~shapely.is_missing(a)
    if some.any():
        out[some] = polygonal(shapely.difference(a[some], b[some]))
    return out


def _meet(a: NDArray[np.object_], b: NDArray[np.object_]) -> NDArray[np.object_]:
    """Return ``a & b`` row by row, polygonal; empty where either is missing."""
    out = np.full(len(a), shapely.Polygon(), dtype=object)
    some = (~shapely.is_missing(b) & ~shapely.is_empty(b) & ~shapely.is_missing(a)
            & ~shapely.is_empty(a))
    if some.any():
        out[some] = polygonal(shapely.intersection(a[some], b[some]))
    return out


def _kept(geoms: NDArray[np.object_], keep: NDArray[np.bool_]) -> NDArray[np.object_]:
    """Return ``geoms`` with None where ``keep`` is false."""
    out = np.asarray(geoms, dtype=object).copy()
    out[~keep] = None
    return out


# --------------------------------------------------------------------------- the approvals


@dataclass(frozen=True)
class ApprovalStanding:
    """What each approval can make lawful, by row of the approvals frame.

    Attributes
    ----------
    ids
        Each row's id (a document may own several rows).
    ok
        Rows that can be judged (no ``_problem``, a geometry).
    approved_on
        ``datetime64[D]``; NaT when missing or unreadable.
    date_problem
        Why the date is not known (``""`` when it is).
    level, authority_problem
        The authority's level (:mod:`redline.authority`; None unread) and why not.
    basic_lawful
        1: may make permanent basic farmland lawful (the State Council, and
        ``basic_farmland_approved`` not false); 0: may not; -1: cannot be told.
    basic_part
        Its part on permanent basic farmland (None when it has none or no basic
        farmland layer was given).
    cover
        The land it may make lawful: its polygon, less its basic-farmland part unless
        ``basic_lawful`` is 1 (None for rows that cannot be judged).
    doubt, doubt_why
        Land it may stand on that cannot be judged, and why: a row that cannot be
        judged stands on its convex hull; the basic-farmland part of a row whose
        ``basic_lawful`` is -1.
    nowhere
        Rows that cannot be judged and have no geometry: they may stand anywhere.
    has_authority, has_flag
        Whether the layer has an ``authority`` and a ``basic_farmland_approved`` field.
    """

    ids: NDArray[np.object_]
    ok: NDArray[np.bool_]
    approved_on: NDArray[np.datetime64]
    date_problem: NDArray[np.object_]
    level: NDArray[np.object_]
    authority_problem: NDArray[np.object_]
    basic_lawful: NDArray[np.int8]
    basic_part: NDArray[np.object_]
    cover: NDArray[np.object_]
    doubt: NDArray[np.object_]
    doubt_why: NDArray[np.object_]
    nowhere: NDArray[np.intp]
    has_authority: bool
    has_flag: bool

    def __len__(self) -> int:
        return len(self.ids)


def approval_standing(  # noqa: PLR0915 - one reading, top to bottom
    approvals: gpd.GeoDataFrame,
    basic_part: NDArray[np.object_] | Callable[[NDArray[np.bool_]], NDArray[np.object_]] | None,
) -> ApprovalStanding:
    """Read what each approval can make lawful (see :class:`ApprovalStanding`).

    Parameters
    ----------
    approvals
        The approvals frame (canonical fields, ``_problem``, geometry in a metric CRS).
    basic_part
        Each row's part on permanent basic farmland (None for none), or None when the
        dataset has no basic farmland layer; or a function that, given the rows whose
        part is read (judgeable, and not known to be a State Council approval that
        may take basic farmland: only those parts are trimmed or doubted), returns
        the parts of those rows (``basic_part`` then holds no other row's part).

    Whether an approval may make basic farmland lawful: with an ``authority`` field,
    only a State Council approval (国务院, or entrusted by it) may, and not when its
    ``basic_farmland_approved`` is false; a blank or unreadable authority cannot be
    told. With no ``authority`` field, ``basic_farmland_approved`` decides alone (true
    may, false may not, blank cannot be told); with neither field, none can be told.
    """
    n = len(approvals)
    ids = feature_ids(approvals, "approvals")
    ok = judgeable(approvals)
    geoms = np.asarray(approvals.geometry.values, dtype=object)
    if "approved_on" in approvals:
        approved_on = as_day_array(pd.Series(approvals["approved_on"].to_numpy(dtype=object)))
        date_problem = np.where(np.isnat(approved_on), "approved_on missing or unreadable", "")
    else:
        approved_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        date_problem = np.full(n, "the approvals layer has no approved_on field")
    has_authority = "authority" in approvals
    if has_authority:
        read = read_authorities(pd.Series(approvals["authority"].to_numpy(dtype=object)))
        level = read["level"].to_numpy(dtype=object)
        authority_problem = read["problem"].to_numpy(dtype=object)
    else:
        level = np.full(n, None, dtype=object)
        authority_problem = np.full(n, "the approvals layer has no authority field",
                                    dtype=object)
    has_flag = "basic_farmland_approved" in approvals
    flag = (approvals["basic_farmland_approved"].to_numpy(dtype=object) if has_flag
            else np.full(n, None, dtype=object))
    flag_true = np.asarray([v is True or (isinstance(v, np.bool_) and bool(v)) for v in flag],
                           dtype=bool)
    flag_false = np.asarray([v is False or (isinstance(v, np.bool_) and not v) for v in flag],
                            dtype=bool)
    basic_lawful = np.full(n, -1, dtype=np.int8)
    basic_why = np.full(n, "", dtype=object)
    if has_authority:
        sc = np.asarray([is_state_council(v) for v in level], dtype=bool)
        known = np.asarray([v is not None for v in level], dtype=bool)
        basic_lawful[known & sc & ~flag_false] = 1
        basic_lawful[known & (~sc | flag_false)] = 0
        basic_why[~known] = authority_problem[~known]
    elif has_flag:
        basic_lawful[flag_true] = 1
        basic_lawful[flag_false] = 0
        basic_why[~(flag_true | flag_false)] = ("no authority field and basic_farmland_approved "
                                                "blank")
    else:
        basic_why[:] = "the approvals layer has neither authority nor basic_farmland_approved"
    if callable(basic_part):
        # Only the parts of rows that may not take basic farmland are read.
        basic_part = basic_part(ok & (basic_lawful != 1))
    parts = (np.full(n, None, dtype=object) if basic_part is None
             else np.asarray(basic_part, dtype=object))
    has_basic = ~shapely.is_missing(parts) & ~shapely.is_empty(parts)
    cover = geoms.copy()
    cover[~ok] = None
    trim = ok & has_basic & (basic_lawful != 1)
    if trim.any():
        cover[trim] = polygonal(shapely.difference(geoms[trim], parts[trim]))
    doubt = np.full(n, None, dtype=object)
    doubt_why = np.full(n, "", dtype=object)
    unknown = ok & has_basic & (basic_lawful == -1)
    doubt[unknown] = parts[unknown]
    doubt_why[unknown] = [f"approval {i}: {w}, so whether it may take basic farmland is "
                          "unknown" for i, w in zip(ids[unknown], basic_why[unknown], strict=True)]
    located = ~ok & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if located.any():
        hull = shapely.convex_hull(geoms[located])
        flat = shapely.area(hull) <= 0
        hull[flat] = shapely.buffer(geoms[located][flat], max(settings.touch_m, 1e-3))
        doubt[located] = hull
        problems = (approvals["_problem"].astype("string").fillna("").to_numpy(dtype=object)
                    if "_problem" in approvals else np.full(n, "", dtype=object))
        doubt_why[located] = [f"approval {i} cannot be judged ({p or 'no usable geometry'})"
                              for i, p in zip(ids[located], problems[located], strict=True)]
    nowhere = np.flatnonzero(~ok & ~located)
    return ApprovalStanding(
        ids=ids, ok=ok, approved_on=approved_on, date_problem=date_problem.astype(object),
        level=level, authority_problem=authority_problem, basic_lawful=basic_lawful,
        basic_part=_kept(parts, has_basic), cover=cover, doubt=doubt,
        doubt_why=doubt_why, nowhere=nowhere, has_authority=has_authority, has_flag=has_flag)


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class DatedCover:
    """Each parcel split by the approvals (see :func:`dated_cover`), aligned to the parcels.

    Attributes
    ----------
    area_m2
        The parcel's area.
    lawful_m2, lawful_by
        The part lawfully covered, and the ids of the approvals covering it.
    unlawful, unlawful_m2
        What neither a lawful approval covers nor is in doubt: the offending land.
    doubt, doubt_m2, doubt_why
        The part that cannot be judged, and why (``";"``-joined).
    late, late_m2
        Approvals given after the parcel's date that meet its unlawful part, as
        ``"ID (YYYY-MM-DD)"``, and the unlawful area they cover.
    void, void_m2
        Approvals that may not take basic farmland whose basic-farmland part meets the
        unlawful part, and that area.
    """

    area_m2: NDArray[np.float64]
    lawful_m2: NDArray[np.float64]
    lawful_by: NDArray[np.object_]
    unlawful: NDArray[np.object_]
    unlawful_m2: NDArray[np.float64]
    doubt: NDArray[np.object_]
    doubt_m2: NDArray[np.float64]
    doubt_why: NDArray[np.object_]
    late: NDArray[np.object_]
    late_m2: NDArray[np.float64]
    void: NDArray[np.object_]
    void_m2: NDArray[np.float64]


def dated_cover(  # noqa: PLR0915 - one split, top to bottom
    parcels: NDArray[np.object_],
    standing: ApprovalStanding,
    *,
    crs: Any,
    as_of: datetime.date,
    when: NDArray[np.datetime64] | None,
    when_missing: str = "",
    parcel_area_m2: NDArray[np.float64] | None = None,
    sliver_m2: float,
    n_jobs: int = 1,
) -> DatedCover:
    """Split parcels into land an approval covers lawfully, land not judged, and the rest.

    Parameters
    ----------
    parcels
        Geometries in the approvals' CRS (change patches, supply parcels or their parts).
    standing
        The approvals (:func:`approval_standing`).
    as_of
        Approvals after it do not exist yet.
    when
        Each parcel's date (detection, contract), ``datetime64[D]``; an approval covers
        it lawfully only when approved on or before it. NaT: the date is unknown, and
        land covered by an approval up to ``as_of`` is not judged (``when_missing`` says
        why). None: no date is compared (an approval parcel's own basic farmland).
    sliver_m2
        Doubtful and late parts under it are dropped.
    """
    geoms = np.asarray(parcels, dtype=object)
    n = len(geoms)
    area = (ellipsoidal_area(geoms, crs) if parcel_area_m2 is None
            else np.asarray(parcel_area_m2, dtype=np.float64))
    sliver = max(float(sliver_m2), 1e-9)
    today = np.datetime64(as_of, "D")
    dates = standing.approved_on
    usable = standing.ok if when is None else standing.ok & ~(dates > today)
    rows = np.flatnonzero(usable)
    p = pieces(geoms, standing.cover[rows], crs=crs, sliver_m2=sliver_m2,
               left_area_m2=area, n_jobs=n_jobs)
    right = rows[p.right]
    d = dates[right]
    if when is None:
        lawful = np.ones(len(p), dtype=bool)
        late = np.zeros(len(p), dtype=bool)
        unsure = np.zeros(len(p), dtype=bool)
    else:
        w = np.minimum(np.asarray(when, dtype="datetime64[D]"), today)[p.left]
        undated, no_when = np.isnat(d), np.isnat(w)
        lawful = ~undated & ~no_when & (d <= w)
        late = ~undated & ~no_when & (d > w)
        unsure = undated | no_when
    why_pairs = np.full(len(p), "", dtype=object)
    if unsure.any():
        why_pairs[unsure] = [
            f"approval {standing.ids[r]}: {standing.date_problem[r]}" if np.isnat(dd)
            else when_missing for r, dd in zip(right[unsure], d[unsure], strict=True)]

    lawful_by = _by_parcel(p.left[lawful], standing.ids[right[lawful]], n)
    # A parcel inside one lawful approval is its own piece (pieces hands back the
    # parcel itself): nothing of it is left, with no union and no difference.
    li = np.flatnonzero(lawful)
    own = np.fromiter((a is b for a, b in zip(p.geometry[li], geoms[p.left[li]], strict=True)),
                      dtype=bool, count=len(li))
    whole = np.zeros(n, dtype=bool)
    whole[p.left[li[own]]] = True
    li = li[~whole[p.left[li]]]
    lawful_union = union_by_group(p.geometry[li], p.left[li], n, n_jobs=n_jobs)
    rest = _minus(geoms, lawful_union)
    rest[whole] = shapely.Polygon()
    touched = ~shapely.is_missing(lawful_union)
    rest_m2 = area.copy()
    rest_m2[whole] = 0.0
    if touched.any():
        rest_m2[touched] = ellipsoidal_area(rest[touched], crs)
    lawful_m2 = np.maximum(area - rest_m2, 0.0)

    # Land in doubt: covered by an approval whose date (or the parcel's) is unknown, or
    # under an approval that cannot be judged, or anywhere while one stands nowhere.
    drows = np.flatnonzero(~shapely.is_missing(standing.doubt)
                           & (~(dates > today) if when is not None else True))
    q = pieces(geoms, standing.doubt[drows], crs=crs, sliver_m2=sliver_m2, left_area_m2=area,
               n_jobs=n_jobs)
    doubt_left = np.concatenate([p.left[unsure], q.left])
    doubt_geom = np.concatenate([p.geometry[unsure], q.geometry])
    doubt_text = np.concatenate([why_pairs[unsure], standing.doubt_why[drows[q.right]]])
    doubt_union = union_by_group(doubt_geom, doubt_left, n, n_jobs=n_jobs)
    nowhere = [str(standing.ids[r]) for r in standing.nowhere
               if when is None or not dates[r] > today]
    if nowhere:
        shown = ", ".join(nowhere[:5]) + (" ..." if len(nowhere) > 5 else "")
        doubt_union = geoms.copy()
        doubt_left = np.concatenate([doubt_left, np.arange(n)])
        doubt_text = np.concatenate([doubt_text, np.full(n, (
            f"approvals without geometry ({shown}) may stand anywhere: land no other "
            "approval covers cannot be called uncovered until they are mapped"), dtype=object)])
    in_doubt = ~shapely.is_missing(doubt_union)
    unlawful = rest.copy()
    doubt = np.full(n, shapely.Polygon(), dtype=object)
    unlawful_m2 = rest_m2.copy()
    doubt_m2 = np.zeros(n)
    if in_doubt.any():
        k = np.flatnonzero(in_doubt)
        doubt[k] = _meet(rest[k], doubt_union[k])
        doubt_m2[k] = ellipsoidal_area(doubt[k], crs)
        small = doubt_m2[k] < sliver
        doubt_m2[k[small]] = 0.0
        doubt[k[small]] = shapely.Polygon()
        big = k[~small]
        unlawful[big] = _minus(rest[big], doubt_union[big])
        unlawful_m2[big] = ellipsoidal_area(unlawful[big], crs)
    doubt_why = _by_parcel(doubt_left, doubt_text, n)
    doubt_why[doubt_m2 <= 0] = ""

    # Approvals given after the parcel's date that meet what is unlawful.
    late_text = np.full(n, "", dtype=object)
    late_m2 = np.zeros(n)
    if late.any():
        li = np.flatnonzero(late)
        inside = _meet(p.geometry[li], unlawful[p.left[li]])
        got = ellipsoidal_area(inside, crs) >= sliver
        li, inside = li[got], inside[got]
        if len(li):
            labels = np.asarray([f"{standing.ids[r]} ({dates[r]})" for r in right[li]],
                                dtype=object)
            late_text = _by_parcel(p.left[li], labels, n)
            merged = union_by_group(inside, p.left[li], n, n_jobs=n_jobs)
            has = ~shapely.is_missing(merged)
            late_m2[has] = ellipsoidal_area(merged[has], crs)
    # Approvals over basic farmland they may not take, meeting what is unlawful.
    void_text = np.full(n, "", dtype=object)
    void_m2 = np.zeros(n)
    vrows = np.flatnonzero(standing.ok & (standing.basic_lawful == 0)
                           & ~shapely.is_missing(standing.basic_part)
                           & (~(dates > today) if when is not None else True))
    if len(vrows) and (unlawful_m2 >= sliver).any():
        v = pieces(unlawful, standing.basic_part[vrows], crs=crs, sliver_m2=sliver_m2,
                   n_jobs=n_jobs)
        if len(v):
            void_text = _by_parcel(v.left, standing.ids[vrows[v.right]], n)
            merged = union_by_group(v.geometry, v.left, n, n_jobs=n_jobs)
            has = ~shapely.is_missing(merged)
            void_m2[has] = ellipsoidal_area(merged[has], crs)
    return DatedCover(area, lawful_m2, lawful_by, unlawful, unlawful_m2, doubt, doubt_m2,
                      doubt_why, late_text, late_m2, void_text, void_m2)


def _by_parcel(left: NDArray[np.intp], labels: NDArray[np.object_], n: int
               ) -> NDArray[np.object_]:
    """Labels joined per parcel (``";"``, first seen first, no repeats)."""
    return joined_by_group(left, labels, n)
