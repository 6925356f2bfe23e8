"""Enforcement rules on the vector layers: the overlap checks of ``redline check``.

Rules (docs/contract.md): ``basic_farmland_encroachment``, ``supply_without_approval``,
``unapproved_construction``, ``criminal_threshold`` and ``accountability_ratio``.
All geometry work goes through :mod:`redline.analysis.overlay`; every area is
ellipsoidal (GRS80), in m2 and mu.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Collection, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.dates import column_dates, in_year_to_date
from redline.analysis.findings import RuleResult, feature_ids, make_findings
from redline.analysis.overlay import (
    Pieces,
    Prepared,
    cover,
    farmland_split,
    nearest_within,
    pieces,
    reuse_trees,
    split_by_units,
    union_by_group,
)
from redline.errors import CRSError
from redline.text import Lang, regulation, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.model import Windows

__all__ = ["RULES", "vector_findings"]


#: The rules of this module, in report order.
RULES: tuple[str, ...] = (
    "basic_farmland_encroachment",
    "supply_without_approval",
    "unapproved_construction",
    "criminal_threshold",
    "accountability_ratio",
)

_TOL_MU = 1e-6  # "at the threshold" survives the last digit of an area


# --------------------------------------------------------------------------- inputs


def _ok(frame: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    """Rows that can be judged: no ``_problem`` and a non-empty geometry."""
    geom = frame.geometry.values
    good = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if "_problem" in frame:
        prob = frame["_problem"]
        good &= (prob.isna() | (prob.astype("string").fillna("") == "")).to_numpy(bool)
    return np.asarray(good, dtype=bool)


def _is_true(frame: gpd.GeoDataFrame, column: str) -> NDArray[np.bool_]:
    values = frame[column].to_numpy(dtype=object)
    return np.asarray([v is True or (isinstance(v, np.bool_) and bool(v)) for v in values],
                      dtype=bool)


def _finest_units(admin: gpd.GeoDataFrame) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Admin units of the finest level: a code that prefixes another code is dropped."""
    ok = _ok(admin)
    codes = (admin["admin_code"].astype("string").fillna("").to_numpy(dtype=object)
             if "admin_code" in admin else np.asarray([""] * len(admin), dtype=object))
    names = (admin["admin_name"].astype("string").fillna("").to_numpy(dtype=object)
             if "admin_name" in admin else np.asarray([""] * len(admin), dtype=object))
    ok &= codes != ""
    ordered = sorted(set(codes[ok]))
    parents = {a for a, b in itertools.pairwise(ordered) if b.startswith(a)}
    keep = ok & ~np.isin(codes, list(parents))
    return admin.geometry.values[keep], codes[keep], names[keep]


# --------------------------------------------------------------------------- messages


def _fmt(m2: float, lang: Lang) -> str:
    return str(words(lang).AREA.format(m2=m2, mu=m2 / settings.M2_PER_MU))


def _sliver_note(run: _Run) -> str:
    return str(words(run.lang).SLIVER_NOTE.format(sliver=run.sliver))


def _join(ids: list[str] | NDArray[Any]) -> str:
    return ";".join(dict.fromkeys(str(i) for i in ids if str(i)))


# --------------------------------------------------------------------------- the rules


class _Run:
    """State shared by the rules of one call."""

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame], *, as_of: datetime.date,
                 sliver: float, lang: Lang, n_jobs: int) -> None:
        self.layers = {k: v for k, v in layers.items() if v is not None}
        frames = list(self.layers.values())
        self.crs: Any = frames[0].crs if frames else None
        self.as_of = as_of
        self.sliver = sliver
        self.lang: Lang = lang
        self.n_jobs = n_jobs
        self.records: list[dict[str, Any]] = []
        self.skipped: list[tuple[str, str]] = []
        self.units: NDArray[Any] = np.empty(0, dtype=object)
        self.unit_codes: NDArray[Any] = np.empty(0, dtype=object)
        self.unit_names: NDArray[Any] = np.empty(0, dtype=object)
        if "admin" in self.layers:
            self.units, self.unit_codes, self.unit_names = _finest_units(self.layers["admin"])

    def has(self, role: str) -> bool:
        return role in self.layers

    def geoms(self, role: str, mask: NDArray[np.bool_] | None = None) -> NDArray[np.object_]:
        values = np.asarray(self.layers[role].geometry.values, dtype=object)
        return values if mask is None else values[mask]

    @cached_property
    def farmland(self) -> NDArray[np.object_] | None:
        """Judgeable farmland patches: land class in ``settings.farmland_codes``.

        A farmland layer read from a full land-use layer (DLTB) carries every land
        class; without a ``land_code`` field every patch counts as farmland. One
        array per run, so the tree built over it is reused.
        """
        if not self.has("farmland"):
            return None
        frame = self.layers["farmland"]
        keep = _ok(frame)
        if "land_code" in frame:
            code = frame["land_code"].astype("string").fillna("").str.slice(0, 4)
            keep &= code.isin(list(settings.farmland_codes)).to_numpy(dtype=bool)
        return self.geoms("farmland", keep)

    @cached_property
    def basic(self) -> NDArray[np.object_] | None:
        """Judgeable basic farmland patches (one array per run)."""
        if not self.has("basic_farmland"):
            return None
        return self.geoms("basic_farmland", _ok(self.layers["basic_farmland"]))

    def unit_of(self, p: Pieces, n: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """Largest unit's code and name, and all units ";"-joined, per left geometry."""
        main = np.full(n, "", dtype=object)
        joined = np.full(n, "", dtype=object)
        if len(p) == 0 or len(self.unit_codes) == 0:
            return main, joined
        codes = np.where(p.right >= 0, self.unit_codes[np.maximum(p.right, 0)], "")
        order = np.lexsort((-p.area_m2, p.left))
        left, codes = p.left[order], codes[order]
        first = np.r_[True, left[1:] != left[:-1]]
        main[left[first]] = codes[first]
        frame = pd.DataFrame({"left": left, "code": codes})
        agg = frame[frame["code"] != ""].groupby("left")["code"].agg(_join)
        joined[agg.index.to_numpy()] = agg.to_numpy()
        return main, joined

    def name_of(self, code: str) -> str:
        if not hasattr(self, "_names"):
            self._names = dict(zip(self.unit_codes[::-1], self.unit_names[::-1], strict=True))
            if "admin" in self.layers:
                # Coarser units (a county above its townships) are named too.
                admin = self.layers["admin"]
                if {"admin_code", "admin_name"} <= set(admin.columns):
                    for c, n in zip(admin["admin_code"].astype("string").fillna(""),
                                    admin["admin_name"].astype("string").fillna(""),
                                    strict=True):
                        self._names.setdefault(str(c), str(n))
        return str(self._names.get(code, ""))


def vector_findings(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    as_of: datetime.date,
    sliver_m2: float | None = None,
    lang: Lang = "zh",
    n_jobs: int = 1,
    rules: Collection[str] | None = None,
) -> RuleResult:
    """Run the overlap rules on a county's vector layers.

    Parameters
    ----------
    layers
        Frames by role (``admin``, ``farmland``, ``basic_farmland``, ``approvals``,
        ``supply``, ``changes``) as the reader produces them: canonical fields,
        ``_row``, ``_problem``, ``_note`` and ``geometry``, all in one metric CRS.
        Rows with a ``_problem`` are not judged but appear in ``features``.
    as_of
        Inspection date. Approvals and change patches dated after it are ignored
        by ``accountability_ratio``, whose year is the year of ``as_of``.
    sliver_m2
        Overlaps and offending parts smaller than this are not findings; ``None``
        reads ``settings.sliver_m2``.
    lang
        Language of the messages.
    n_jobs
        Threads for the overlap engine.
    rules
        Run only these rules (of :data:`RULES`), and what they build on
        (``criminal_threshold`` and ``accountability_ratio`` build on
        ``unapproved_construction``); findings only of these. All when None.

    Returns
    -------
    RuleResult
        Findings of the five rules; ``features`` with one row per approvals,
        supply and changes feature (``layer``, ``feature_id``, ``area_m2``,
        ``on_basic_m2``, ``on_farmland_m2`` (farmland outside basic farmland),
        ``on_other_m2``, ``uncovered_m2``, ``covered_by``, ``admin_code``);
        ``tables["by_admin"]``; the rules skipped and why; the parameters used.

    Notes
    -----
    ``basic_farmland_encroachment``
        For each approval and supply parcel: its part on basic farmland minus
        the union of the approvals with ``basic_farmland_approved`` true. The
        rest, if at least the sliver, is the finding's geometry.
    ``supply_without_approval``
        For each supply parcel: its part on farmland (farmland and basic
        farmland) minus the union of all approvals.
    ``unapproved_construction``
        For each change patch: the patch minus the union of approvals and
        supply, cut by the finest admin units (one finding per unit when it
        crosses a line). Patches whose current land class is farmland are not
        construction and give no finding.
    ``criminal_threshold``
        For each unapproved construction patch: basic farmland occupied
        >= ``settings.criminal_basic_mu`` or other farmland occupied >=
        ``settings.criminal_farmland_mu``.
    ``accountability_ratio``
        Per county (first six characters of the admin code), for the calendar
        year of ``as_of`` up to ``as_of``:
        *illegal* = farmland (basic and other) inside the unapproved parts of
        change patches detected that year; *approved* = farmland inside the
        union of the approvals approved that year; the county is a finding when
        ``illegal / (approved + illegal) >= settings.accountability_ratio``
        (and *illegal* is at least the sliver). Both are cut by county, so a
        patch across a county line counts in each county for its own part.
    """
    sliver = float(settings.sliver_m2 if sliver_m2 is None else sliver_m2)
    run = _Run(layers, as_of=as_of, sliver=sliver, lang=lang, n_jobs=n_jobs)
    features: list[pd.DataFrame] = []
    if run.crs is None and run.layers:
        raise CRSError("the layers carry no CRS, so no area can be measured",
                       fix="read the dataset with a working CRS (redline.toml: crs = ...)")
    wanted = frozenset(RULES if rules is None else rules)
    if wanted - set(RULES):
        raise ValueError(f"rules were {sorted(wanted - set(RULES))} but must be among {RULES}")
    # Every rule overlays the same farmland: its trees are built once.
    with reuse_trees(run.farmland, run.basic):
        if wanted & {"basic_farmland_encroachment", "supply_without_approval"}:
            split_cache = _parcel_splits(run)
            features.extend(c["features"] for c in split_cache.values())
            if "basic_farmland_encroachment" in wanted:
                _basic_farmland_encroachment(run, split_cache)
            if "supply_without_approval" in wanted:
                _supply_without_approval(run, split_cache, features)
        if wanted & {"unapproved_construction", "criminal_threshold", "accountability_ratio"}:
            changes = _unapproved_construction(run, features)
            if "criminal_threshold" in wanted:
                _criminal_threshold(run, changes)
            if "accountability_ratio" in wanted:
                _accountability_ratio(run, changes)

    crs = run.crs
    findings = make_findings([r for r in run.records if r["rule"] in wanted], crs=crs)
    feats = (pd.concat(features, ignore_index=True) if features
             else pd.DataFrame(columns=_FEATURE_COLUMNS))
    # One row per feature: later steps fill what earlier ones left blank.
    feats = feats.groupby(["layer", "feature_id", "_pos"], sort=False, as_index=False).last()
    feats = feats.drop(columns="_pos")[_FEATURE_COLUMNS]
    return RuleResult(
        findings=findings,
        features=feats,
        skipped=run.skipped,
        tables={"by_admin": _by_admin(run, findings)},
        parameters={
            "sliver_m2": sliver,
            "touch_m": settings.touch_m,
            "criminal_basic_mu": settings.criminal_basic_mu,
            "criminal_farmland_mu": settings.criminal_farmland_mu,
            "accountability_ratio": settings.accountability_ratio,
            "as_of": as_of.isoformat(),
            "farmland_codes": list(settings.farmland_codes),
        },
    )


_FEATURE_COLUMNS = [
    "layer", "feature_id", "area_m2", "on_basic_m2", "on_farmland_m2", "on_other_m2",
    "uncovered_m2", "covered_by", "admin_code",
]


def _feature_frame(role: str, ids: NDArray[Any], **columns: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"layer": role, "feature_id": ids, "_pos": np.arange(len(ids))})
    for name in _FEATURE_COLUMNS[2:]:
        default: Any = "" if name in ("covered_by", "admin_code") else np.nan
        frame[name] = columns.get(name, default)
    return frame


def _parcel_splits(run: _Run) -> dict[str, dict[str, Any]]:
    """Three-way farmland split and admin units of every approval and supply parcel."""
    out: dict[str, dict[str, Any]] = {}
    farm = run.farmland
    basic = run.basic
    for role in ("approvals", "supply"):
        if not run.has(role):
            continue
        frame = run.layers[role]
        ok = _ok(frame)
        ids = feature_ids(frame, role)
        g = run.geoms(role, ok)
        # The basic-farmland parts of both are judged; the whole farmland part only
        # of supply (supply_without_approval).
        s = farmland_split(g, farm, basic, crs=run.crs, sliver_m2=run.sliver,
                           geometry=True if role == "supply" else "basic", n_jobs=run.n_jobs)
        n = len(frame)
        cols: dict[str, Any] = {}
        for name, values in (("area_m2", s.area_m2), ("on_basic_m2", s.on_basic_m2),
                             ("on_farmland_m2", s.on_farmland_m2),
                             ("on_other_m2", s.on_other_m2)):
            full = np.full(n, np.nan)
            full[ok] = values
            cols[name] = full
        main = np.full(n, "", dtype=object)
        joined = np.full(n, "", dtype=object)
        if len(run.units):
            up = pieces(g, run.units, crs=run.crs, sliver_m2=run.sliver,
                        left_area_m2=s.area_m2, n_jobs=run.n_jobs)
            main[ok], joined[ok] = run.unit_of(up, len(g))
        cols["admin_code"] = joined
        out[role] = {"ok": ok, "ids": ids, "split": s, "geoms": g, "main_unit": main,
                     "features": _feature_frame(role, ids, **cols)}
    return out


def _basic_farmland_encroachment(run: _Run, cache: dict[str, dict[str, Any]]) -> None:
    rule = "basic_farmland_encroachment"
    if not run.has("basic_farmland"):
        run.skipped.append((rule, "no basic_farmland layer: basic farmland cannot be located"))
        return
    if not run.has("approvals"):
        run.skipped.append((rule, "no approvals layer: cannot tell which basic farmland "
                                  "the State Council approved"))
        return
    approvals = run.layers["approvals"]
    if "basic_farmland_approved" not in approvals:
        run.skipped.append((rule, "approvals has no basic_farmland_approved field: cannot tell "
                                  "which approvals cover basic farmland"))
        return
    w = words(run.lang)
    a_ok = cache["approvals"]["ok"]
    granted = a_ok & _is_true(approvals, "basic_farmland_approved")
    cover_geoms = run.geoms("approvals", granted)
    cover_ids = cache["approvals"]["ids"][granted]
    bf = run.layers["basic_farmland"]
    bf_ok = _ok(bf)
    bf_geoms, bf_ids = run.basic, feature_ids(bf, "basic_farmland")[bf_ok]
    assert bf_geoms is not None  # the layer is there (checked above)
    for role in ("approvals", "supply"):
        if role not in cache:
            continue
        c = cache[role]
        s = c["split"]
        sel = np.flatnonzero(np.nan_to_num(s.on_basic_m2) >= max(run.sliver, 1e-12))
        if not len(sel):
            continue
        cov = cover(s.basic[sel], cover_geoms, crs=run.crs, sliver_m2=run.sliver,
                    n_jobs=run.n_jobs)
        hit = np.flatnonzero(cov.uncovered_m2 >= max(run.sliver, 1e-12))
        if not len(hit):
            continue
        offending = cov.uncovered[hit]
        area = ellipsoidal_area(offending, run.crs)
        bfp = pieces(offending, bf_geoms, crs=run.crs, sliver_m2=run.sliver, n_jobs=run.n_jobs)
        bf_joined = _covered_by(bfp, bf_ids, len(hit))
        partial_joined = _covered_by(cov.matched, cover_ids, len(sel))
        ids_ok = c["ids"][c["ok"]]
        units_ok = c["main_unit"][c["ok"]]
        for k, h in enumerate(hit):
            i = sel[h]
            bf_hit, partial = str(bf_joined[k]), str(partial_joined[h])
            fid = str(ids_ok[i])
            msg = w.BASIC_FARMLAND_ENCROACHMENT.format(
                kind=w.PARCEL_KINDS[role], id=fid, area=_fmt(area[k], run.lang),
                patches=bf_hit or "-",
                partly=w.BASIC_FARMLAND_PARTLY.format(ids=partial) if partial else "",
                note=_sliver_note(run))
            code = str(units_ok[i])
            run.records.append({
                "rule": rule, "layer": role, "feature_id": fid, "admin_code": code,
                "admin_name": run.name_of(code), "area_m2": area[k], "message": msg,
                "regulation": regulation(rule, run.lang),
                "threshold": f">= {run.sliver:g} m2", "matched": _join([bf_hit, partial]),
                "geometry": offending[k],
            })


def _supply_without_approval(run: _Run, cache: dict[str, dict[str, Any]],
                             features: list[pd.DataFrame]) -> None:
    rule = "supply_without_approval"
    if not run.has("supply"):
        run.skipped.append((rule, "no supply layer"))
        return
    c = cache["supply"]
    if not run.has("approvals"):
        run.skipped.append((rule, "no approvals layer: cannot tell which supply is approved"))
        return
    a = cache["approvals"]
    a_geoms, a_ids = a["geoms"], a["ids"][a["ok"]]
    s = c["split"]
    cov = cover(c["geoms"], a_geoms, crs=run.crs, parcel_area_m2=s.area_m2,
                sliver_m2=run.sliver, n_jobs=run.n_jobs)
    covered_by = _covered_by(cov.matched, a_ids, len(c["geoms"]))
    n = len(c["ok"])
    unc = np.full(n, np.nan)
    unc[c["ok"]] = cov.uncovered_m2
    cb = np.full(n, "", dtype=object)
    cb[c["ok"]] = covered_by
    features.append(_feature_frame("supply", c["ids"], uncovered_m2=unc, covered_by=cb,
                                   **{k: c["features"][k].to_numpy() for k in
                                      ("area_m2", "on_basic_m2", "on_farmland_m2",
                                       "on_other_m2", "admin_code")}))
    if not (run.has("farmland") or run.has("basic_farmland")):
        run.skipped.append((rule, "no farmland or basic_farmland layer: farmland cannot be "
                                  "located"))
        return
    on_farm = np.nan_to_num(s.on_basic_m2) + np.nan_to_num(s.on_farmland_m2)
    sel = np.flatnonzero((on_farm >= max(run.sliver, 1e-12))
                         & (cov.uncovered_m2 >= max(run.sliver, 1e-12)))
    if not len(sel):
        return
    off = cover(s.farmland[sel], a_geoms, crs=run.crs, sliver_m2=run.sliver, n_jobs=run.n_jobs)
    ids_ok = c["ids"][c["ok"]]
    units_ok = c["main_unit"][c["ok"]]
    bad = np.flatnonzero(off.uncovered_m2 >= max(run.sliver, 1e-12))
    bad_area = ellipsoidal_area(off.uncovered[bad], run.crs)
    w = words(run.lang)
    for k, area in zip(bad, bad_area.tolist(), strict=True):
        i = sel[k]
        fid = str(ids_ok[i])
        partial = covered_by[i]
        msg = w.SUPPLY_WITHOUT_APPROVAL.format(
            id=fid, area=_fmt(area, run.lang),
            cover=w.SUPPLY_PARTLY.format(ids=partial) if partial else w.SUPPLY_UNCOVERED,
            parcel_area=_fmt(s.area_m2[i], run.lang), note=_sliver_note(run))
        code = str(units_ok[i])
        run.records.append({
            "rule": rule, "layer": "supply", "feature_id": fid, "admin_code": code,
            "admin_name": run.name_of(code), "area_m2": area, "message": msg,
            "regulation": regulation(rule, run.lang), "threshold": f">= {run.sliver:g} m2",
            "matched": partial, "geometry": off.uncovered[k],
        })


def _covered_by(p: Pieces, ids: NDArray[Any], n: int) -> NDArray[np.object_]:
    out = np.full(n, "", dtype=object)
    if len(p):
        agg = pd.Series(ids[p.right]).groupby(p.left).agg(_join)
        out[agg.index.to_numpy()] = agg.to_numpy()
    return out


def _unapproved_construction(  # noqa: PLR0915 - one rule, read top to bottom
    run: _Run, features: list[pd.DataFrame]
) -> dict[str, Any] | None:
    rule = "unapproved_construction"
    if not run.has("changes"):
        run.skipped.append((rule, "no changes layer"))
        return None
    frame = run.layers["changes"]
    ok = _ok(frame)
    ids = feature_ids(frame, "changes")
    g = run.geoms("changes", ok)
    farm = run.farmland
    basic = run.basic
    whole = farmland_split(g, farm, basic, crs=run.crs, sliver_m2=run.sliver, n_jobs=run.n_jobs)
    cover_geoms: list[NDArray[Any]] = []
    cover_ids: list[NDArray[Any]] = []
    for role in ("approvals", "supply"):
        if run.has(role):
            m = _ok(run.layers[role])
            cover_geoms.append(run.geoms(role, m))
            cover_ids.append(feature_ids(run.layers[role], role)[m])
    no_cover = not cover_geoms
    if no_cover:
        run.skipped.append((rule, "no approvals or supply layer: nothing tells approved "
                                  "construction from unapproved"))
    cg = np.concatenate(cover_geoms) if cover_geoms else np.empty(0, dtype=object)
    cid = np.concatenate(cover_ids) if cover_ids else np.empty(0, dtype=object)
    cov = cover(g, cg, crs=run.crs, parcel_area_m2=whole.area_m2, sliver_m2=run.sliver,
                n_jobs=run.n_jobs)
    covered_by = _covered_by(cov.matched, cid, len(g))
    # Patches whose current land class is farmland are not construction.
    still_farm = np.zeros(len(g), dtype=bool)
    if "land_code" in frame:
        code = frame["land_code"].astype("string").fillna("").to_numpy(dtype=object)[ok]
        still_farm = np.isin(np.asarray([str(c)[:4] for c in code], dtype=object),
                             list(settings.farmland_codes))
    judged = np.flatnonzero(~still_farm & (cov.uncovered_m2 >= max(run.sliver, 1e-12))
                            & (not no_cover))
    unc_geom = cov.uncovered[judged]
    if len(run.units):
        up = split_by_units(unc_geom, run.units, crs=run.crs, sliver_m2=run.sliver,
                            n_jobs=run.n_jobs)
        piece_code = np.where(up.right >= 0, run.unit_codes[np.maximum(up.right, 0)], "")
    else:
        area = ellipsoidal_area(unc_geom, run.crs)
        up = Pieces(np.arange(len(judged), dtype=np.intp), np.full(len(judged), -1, np.intp),
                    unc_geom, area)
        piece_code = np.full(len(judged), "", dtype=object)
    ps = farmland_split(up.geometry, farm, basic, crs=run.crs, parcel_area_m2=up.area_m2,
                        sliver_m2=run.sliver, n_jobs=run.n_jobs)
    # The nearest approval touching each unapproved part.
    near = np.full(len(judged), -1, dtype=np.intp)
    a_ids = np.empty(0, dtype=object)
    if run.has("approvals"):
        m = _ok(run.layers["approvals"])
        a_ids = feature_ids(run.layers["approvals"], "approvals")[m]
        near = nearest_within(unc_geom, run.geoms("approvals", m), distance=settings.touch_m)
    ids_ok = ids[ok]
    n_pieces = np.bincount(up.left, minlength=len(judged))
    det = column_dates(frame, "detected_on")[ok].reset_index(drop=True) if "detected_on" in frame \
        else pd.Series(pd.NaT, index=range(len(g)))
    w = words(run.lang)
    for k in range(len(up)):
        j = int(up.left[k])
        i = int(judged[j])
        fid = str(ids_ok[i])
        code = str(piece_code[k])
        b, f, o = ps.on_basic_m2[k], ps.on_farmland_m2[k], ps.on_other_m2[k]
        nb = str(a_ids[near[j]]) if near[j] >= 0 else ""
        part_cov = covered_by[i]
        crossing = n_pieces[j] > 1
        msg = w.UNAPPROVED_CONSTRUCTION.format(
            id=fid, part=w.UNAPPROVED_PART.format(code=code) if crossing else "",
            area=_fmt(up.area_m2[k], run.lang), basic=_fmt(np.nan_to_num(b), run.lang),
            farmland=_fmt(np.nan_to_num(f), run.lang), other=_fmt(o, run.lang),
            covered=w.UNAPPROVED_COVERED.format(ids=part_cov) if part_cov else "",
            nearest=w.UNAPPROVED_NEAREST.format(id=nb) if nb else "", note=_sliver_note(run))
        run.records.append({
            "rule": rule, "layer": "changes", "feature_id": fid, "part": code if crossing else None,
            "admin_code": code, "admin_name": run.name_of(code), "area_m2": up.area_m2[k],
            "message": msg, "regulation": regulation(rule, run.lang),
            "threshold": f">= {run.sliver:g} m2", "matched": _join([part_cov, nb]),
            "geometry": up.geometry[k],
        })
    # Features: the whole patch split three ways, what is uncovered, and its units.
    n = len(frame)
    cols: dict[str, Any] = {}
    for name, values in (("area_m2", whole.area_m2), ("on_basic_m2", whole.on_basic_m2),
                         ("on_farmland_m2", whole.on_farmland_m2),
                         ("on_other_m2", whole.on_other_m2),
                         ("uncovered_m2", cov.uncovered_m2)):
        full = np.full(n, np.nan)
        full[ok] = values
        cols[name] = full
    cb = np.full(n, "", dtype=object)
    cb[ok] = covered_by
    unit_joined = np.full(len(g), "", dtype=object)
    if len(run.units):
        wp = pieces(g, run.units, crs=run.crs, sliver_m2=run.sliver, n_jobs=run.n_jobs)
        unit_joined = run.unit_of(wp, len(g))[1]
    adm = np.full(n, "", dtype=object)
    adm[ok] = unit_joined
    features.append(_feature_frame("changes", ids, covered_by=cb, admin_code=adm, **cols))
    if no_cover:
        return None
    return {
        "judged": judged, "ids": ids_ok, "pieces": up, "piece_code": piece_code,
        "split": ps, "uncovered": unc_geom, "detected": det,
    }


def _criminal_threshold(run: _Run, ch: dict[str, Any] | None) -> None:
    rule = "criminal_threshold"
    if ch is None:
        run.skipped.append((rule, "unapproved_construction did not run (see its reason): "
                                  "no illegal occupation to measure"))
        return
    if not (run.has("farmland") or run.has("basic_farmland")):
        run.skipped.append((rule, "no farmland or basic_farmland layer"))
        return
    up: Pieces = ch["pieces"]
    n = len(ch["judged"])
    basic = np.bincount(up.left, weights=np.nan_to_num(ch["split"].on_basic_m2), minlength=n)
    other = np.bincount(up.left, weights=np.nan_to_num(ch["split"].on_farmland_m2), minlength=n)
    basic_mu, other_mu = basic / settings.M2_PER_MU, other / settings.M2_PER_MU
    hit = ((basic_mu >= settings.criminal_basic_mu - _TOL_MU)
           | (other_mu >= settings.criminal_farmland_mu - _TOL_MU))
    main = np.full(n, "", dtype=object)
    if len(up):
        order = np.lexsort((-up.area_m2, up.left))
        first = order[np.r_[True, up.left[order][1:] != up.left[order][:-1]]]
        main[up.left[first]] = ch["piece_code"][first]
    w = words(run.lang)
    limits = w.CRIMINAL_LIMITS.format(basic_mu=settings.criminal_basic_mu,
                                      farmland_mu=settings.criminal_farmland_mu)
    for j in np.flatnonzero(hit):
        fid = str(ch["ids"][ch["judged"][j]])
        msg = w.CRIMINAL_THRESHOLD.format(id=fid, basic_mu=basic_mu[j], farmland_mu=other_mu[j],
                                          threshold=limits)
        code = str(main[j])
        run.records.append({
            "rule": rule, "layer": "changes", "feature_id": fid, "admin_code": code,
            "admin_name": run.name_of(code), "area_m2": basic[j] + other[j], "message": msg,
            "regulation": regulation(rule, run.lang),
            "threshold": limits, "matched": "",
            "geometry": ch["uncovered"][j],
        })


def _accountability_ratio(  # noqa: PLR0915 - one rule, read top to bottom
    run: _Run, ch: dict[str, Any] | None
) -> None:
    rule = "accountability_ratio"
    why = None
    if ch is None:
        why = "unapproved_construction did not run (see its reason)"
    elif not len(run.units):
        why = "no admin layer (or no admin codes): counties cannot be told apart"
    elif not (run.has("farmland") or run.has("basic_farmland")):
        why = "no farmland or basic_farmland layer"
    elif "detected_on" not in run.layers["changes"]:
        why = "changes has no detected_on field: the year of a patch is unknown"
    elif run.has("approvals") and "approved_on" not in run.layers["approvals"]:
        why = "approvals has no approved_on field: farmland approved this year is unknown"
    if why is not None or ch is None:
        run.skipped.append((rule, str(why)))
        return
    year = run.as_of.year
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(run.as_of)
    up: Pieces = ch["pieces"]
    det = ch["detected"].to_numpy()[ch["judged"]][up.left] if len(up) else np.empty(0)
    this_year = (det >= start.to_datetime64()) & (det <= end.to_datetime64()) if len(up) \
        else np.zeros(0, dtype=bool)
    farm_m2 = np.nan_to_num(ch["split"].on_basic_m2) + np.nan_to_num(ch["split"].on_farmland_m2)
    county = np.asarray([str(c)[:6] for c in ch["piece_code"]], dtype=object)
    illegal = pd.Series(farm_m2[this_year]).groupby(county[this_year]).sum()
    # Farmland approved this year, per county: the union of the year's approvals cut by county.
    approved = pd.Series(dtype="float64")
    if run.has("approvals"):
        approvals = run.layers["approvals"]
        m = _ok(approvals) & in_year_to_date(approvals, "approved_on", run.as_of)
        ag = run.geoms("approvals", m)
        if len(ag):
            cp = split_by_units(ag, run.units, crs=run.crs, sliver_m2=run.sliver,
                                n_jobs=run.n_jobs)
            cp = cp.take(cp.right >= 0)
            c_of = np.asarray([str(c)[:6] for c in run.unit_codes[cp.right]], dtype=object)
            names, grp = np.unique(c_of, return_inverse=True)
            merged = union_by_group(cp.geometry, grp, len(names), n_jobs=run.n_jobs)
            farm = run.farmland
            basic = run.basic
            # The polygons of a union do not overlap, so each is split on its own
            # and summed: a county-wide multipolygon would be tested against every
            # farmland patch under its extent.
            parts, owner = shapely.get_parts(merged, return_index=True)
            fs = farmland_split(parts, farm, basic, crs=run.crs, sliver_m2=run.sliver,
                                n_jobs=run.n_jobs)
            on = np.nan_to_num(fs.on_basic_m2) + np.nan_to_num(fs.on_farmland_m2)
            approved = pd.Series(np.bincount(owner, weights=on, minlength=len(names)),
                                 index=names)
    counties = sorted(set(illegal.index) | set(approved.index))
    pct = f"{settings.accountability_ratio:.0%}"
    for c in counties:
        ill = float(illegal.get(c, 0.0))
        app = float(approved.get(c, 0.0))
        total = ill + app
        if ill < max(run.sliver, 1e-12) or total <= 0:
            continue
        ratio = ill / total
        if ratio < settings.accountability_ratio - 1e-12:
            continue
        mask = np.asarray([str(u).startswith(c) for u in run.unit_codes])
        outline = shapely.union_all(run.units[mask])
        name = run.name_of(c)
        msg = words(run.lang).ACCOUNTABILITY_RATIO.format(
            county=name or c, year=year, illegal=_fmt(ill, run.lang),
            total=_fmt(total, run.lang), approved=_fmt(app, run.lang), ratio=ratio, limit=pct)
        run.records.append({
            "rule": rule, "layer": "admin", "feature_id": c, "admin_code": c,
            "admin_name": name, "area_m2": ill, "message": msg,
            "regulation": regulation(rule, run.lang), "threshold": f">= {pct}",
            "matched": "", "geometry": outline, "ratio": ratio, "approved_m2": app,
        })


def _by_admin(run: _Run, findings: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per admin unit: count and area (m2, mu) of the findings of each rule."""
    base = pd.DataFrame({"admin_code": run.unit_codes.astype(str),
                         "admin_name": run.unit_names.astype(str)})
    f = pd.DataFrame({"admin_code": findings["admin_code"].astype(str).to_numpy(),
                      "rule": findings["rule"].astype(str).to_numpy(),
                      "area_m2": findings["area_m2"].to_numpy(dtype=float)})
    extra = sorted(set(f["admin_code"]) - set(base["admin_code"]))
    if extra:
        base = pd.concat([base, pd.DataFrame({"admin_code": extra,
                                              "admin_name": [run.name_of(c) for c in extra]})],
                         ignore_index=True)
    out = base.drop_duplicates("admin_code").set_index("admin_code")
    for rule in RULES:
        sub = f[f["rule"] == rule].groupby("admin_code")["area_m2"].agg(["count", "sum"])
        out[f"{rule}_n"] = sub["count"].reindex(out.index).fillna(0).astype("int64")
        out[f"{rule}_m2"] = sub["sum"].reindex(out.index).fillna(0.0)
        out[f"{rule}_mu"] = out[f"{rule}_m2"] / settings.M2_PER_MU
    return out.reset_index()


def accountability_inputs(layers: Mapping[str, gpd.GeoDataFrame], *, as_of: datetime.date,
                          spilled: Mapping[str, Windows] | None = None
                          ) -> dict[str, gpd.GeoDataFrame]:
    """Cut the layers to the features the accountability ratio reads, keeping every field.

    The ratio weighs the farmland built on by change patches detected in the year of
    ``as_of``, less what approvals and supply cover, against the farmland occupied by
    approvals of that year. So: the year's change patches; the approvals and supply
    meeting them; the year's approvals; the farmland and basic farmland meeting any
    of those; the admin units whole. A layer without its date field keeps no rows
    (the rule says it cannot run, as in one pass). A tiled run checks the whole county
    for this rule on these. Farmland layers in ``spilled`` (on disk) are read for the
    features meeting those parcels only.
    """
    out = dict(layers)
    changes = layers.get("changes")
    if changes is not None:
        out["changes"] = changes[_ok(changes) & in_year_to_date(changes, "detected_on", as_of)]
    year_changes = _geometries(out.get("changes"))
    for role in ("approvals", "supply"):
        if role in layers:
            rows = _meeting(layers[role], year_changes)
            if role == "approvals":
                rows = np.union1d(rows, np.flatnonzero(
                    _ok(layers[role]) & in_year_to_date(layers[role], "approved_on", as_of)))
            out[role] = layers[role].iloc[rows]
    parcels = np.concatenate([_geometries(out.get(r)) for r in ("changes", "approvals", "supply")])
    for role in ("farmland", "basic_farmland"):
        if spilled and role in spilled:
            out[role] = spilled[role].meeting(parcels)
        elif role in layers:
            out[role] = layers[role].iloc[_meeting(layers[role], parcels)]
    return out


def _geometries(frame: gpd.GeoDataFrame | None) -> NDArray[np.object_]:
    """Return the present, non-empty geometries of a frame (none for no frame)."""
    if frame is None:
        return np.zeros(0, dtype=object)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    return geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def _meeting(frame: gpd.GeoDataFrame, geoms: NDArray[np.object_]) -> NDArray[np.intp]:
    """Positions in ``frame`` of the features meeting one of ``geoms``, sorted."""
    if not len(geoms) or not len(frame):
        return np.zeros(0, np.intp)
    with Prepared(geoms) as (prepared,):
        return np.unique(frame.sindex.query(prepared, predicate="intersects")[1]).astype(np.intp)
