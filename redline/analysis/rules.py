"""Enforcement rules on the vector layers: the overlap checks of ``redline check``.

Rules (docs/contract.md): ``basic_farmland_encroachment``, ``unauthorized_approval``,
``supply_without_approval``, ``unapproved_construction``, ``farmland_loss``,
``facility_agriculture``, ``criminal_threshold`` and ``accountability_ratio``. All geometry
work goes through :mod:`redline.analysis.overlay`; every area is ellipsoidal (GRS80), in
m2 and mu. What an approval makes lawful, and from when, is
:mod:`redline.analysis.coverage`'s: an approval covers land only from its approval date,
permanent basic farmland only when the State Council gave it, and a supply contract covers
nothing. :func:`unlawful_construction` gives the unlawful pieces of construction change
patches on their own (the numerator of the accountability ratio).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.analysis.areas import ellipsoidal_area
from redline.analysis.coverage import (
    ApprovalStanding,
    approval_standing,
    dated_cover,
    judgeable,
    polygonal,
)
from redline.analysis.dates import as_day_array, full_years, in_year
from redline.analysis.findings import RuleResult, feature_ids, joined_by_group, make_findings
from redline.analysis.overlay import (
    FarmlandSplit,
    Pieces,
    Prepared,
    farmland_split,
    nearest_within,
    pieces,
    reuse_trees,
    split_by_units,
    union_by_group,
)
from redline.authority import is_state_council
from redline.errors import CRSError
from redline.landclass import is_farmland, loss_kind
from redline.text import Lang, regulation, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.model import Windows

__all__ = [
    "COUNTY_INPUTS",
    "RULES",
    "UnlawfulConstruction",
    "accountability_inputs",
    "criminal_inputs",
    "unlawful_construction",
    "vector_findings",
]


#: The rules of this module, in report order.
RULES: tuple[str, ...] = (
    "basic_farmland_encroachment",
    "unauthorized_approval",
    "supply_without_approval",
    "unapproved_construction",
    "farmland_loss",
    "facility_agriculture",
    "criminal_threshold",
    "accountability_ratio",
)

#: Rules on change patches, built on the same reading of the patches.
_CHANGE_RULES = frozenset({"unapproved_construction", "farmland_loss", "facility_agriculture",
                           "criminal_threshold", "accountability_ratio"})

_TOL_MU = 1e-6  # "at the threshold" survives the last digit of an area


# --------------------------------------------------------------------------- inputs


def _ok(frame: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    """Rows that can be judged: no ``_problem`` and a non-empty geometry."""
    return judgeable(frame)


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


def _dates(frame: pd.DataFrame, column: str) -> NDArray[np.datetime64]:
    """Return a date column as ``datetime64[D]`` by position; NaT where missing (or no column)."""
    if column not in frame:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    if pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
        # Read as dates already: days without a Python object per row.
        return as_day_array(frame[column].reset_index(drop=True))
    return as_day_array(pd.Series(frame[column].to_numpy(dtype=object)))


def _text(frame: pd.DataFrame, column: str) -> NDArray[np.object_]:
    """Return a text column stripped, ``""`` where missing (or no column)."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)


# --------------------------------------------------------------------------- messages


def _fmt(m2: float, lang: Lang) -> str:
    return str(words(lang).AREA.format(m2=m2, mu=m2 / settings.M2_PER_MU))


def _sliver_note(run: _Run) -> str:
    return str(words(run.lang).SLIVER_NOTE.format(sliver=run.sliver))


def _join(ids: list[str] | NDArray[Any]) -> str:
    return ";".join(dict.fromkeys(str(i) for i in ids if str(i)))


def _listed(joined: str, lang: Lang) -> str:
    """Return ``";"``-joined ids as a message lists them."""
    return str(words(lang).ID_JOIN).join(i for i in joined.split(";") if i)


def _unjudged_note(run: _Run, m2: float) -> str:
    if m2 < max(run.sliver, 1e-12):
        return ""
    return str(words(run.lang).PART_NOT_JUDGED.format(area=_fmt(m2, run.lang)))


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
        self.accountability: Any = None
        self.units: NDArray[Any] = np.empty(0, dtype=object)
        self.unit_codes: NDArray[Any] = np.empty(0, dtype=object)
        self.unit_names: NDArray[Any] = np.empty(0, dtype=object)
        # Per role and row: land a rule could not judge, and why.
        self.unjudged: dict[str, tuple[NDArray[np.float64], NDArray[np.object_]]] = {}
        self._basic_parts: dict[str, tuple[NDArray[np.bool_], NDArray[np.object_]]] = {}
        if "admin" in self.layers:
            self.units, self.unit_codes, self.unit_names = _finest_units(self.layers["admin"])

    def has(self, role: str) -> bool:
        return role in self.layers

    def geoms(self, role: str, mask: NDArray[np.bool_] | None = None) -> NDArray[np.object_]:
        values = np.asarray(self.layers[role].geometry.values, dtype=object)
        return values if mask is None else values[mask]

    def not_judged(self, role: str, rows: NDArray[np.intp], m2: NDArray[np.float64] | float,
                   why: NDArray[np.object_] | list[str] | str, rule: str) -> None:
        """Record land of ``rows`` (positions in the role's frame) a rule could not judge."""
        n = len(self.layers[role])
        area, reason = self.unjudged.setdefault(
            role, (np.zeros(n), np.full(n, "", dtype=object)))
        rows = np.asarray(rows, dtype=np.intp)
        if not len(rows):
            return
        m2 = np.broadcast_to(np.asarray(m2, dtype=np.float64), rows.shape)
        why = np.broadcast_to(np.asarray(why, dtype=object), rows.shape)
        for r, a, w in zip(rows.tolist(), m2.tolist(), why.tolist(), strict=True):
            area[r] = max(area[r], a)
            text = f"{rule}: {w}"
            if text not in str(reason[r]).split(" | "):
                reason[r] = f"{reason[r]} | {text}" if reason[r] else text

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
            keep &= is_farmland(frame["land_code"]).to_numpy(dtype=bool)  # 三调 or 二调
        return self.geoms("farmland", keep)

    @cached_property
    def basic(self) -> NDArray[np.object_] | None:
        """Judgeable basic farmland patches (one array per run)."""
        if not self.has("basic_farmland"):
            return None
        return self.geoms("basic_farmland", _ok(self.layers["basic_farmland"]))

    @cached_property
    def parcel_split(self) -> dict[str, FarmlandSplit]:
        """Each judgeable approval's and supply parcel's farmland split, by areas.

        Approvals and supply parcels lie on the same farmland, so they are split in one
        pass (one overlay of both with the farmland and one with the basic farmland).
        No part is built here: the basic-farmland part only for the parcels a rule
        judges it for (:meth:`basic_part`), the whole farmland part only for the
        supply parcels a finding is written for (:func:`_supply_without_approval`).
        """
        roles = [r for r in ("approvals", "supply") if self.has(r)]
        geoms = [self.geoms(r, _ok(self.layers[r])) for r in roles]
        if not roles:
            return {}
        both = farmland_areas(self, np.concatenate(geoms))
        bounds = np.cumsum([0, *(len(g) for g in geoms)])
        return {r: _split_part(both, slice(int(a), int(b)))
                for r, a, b in zip(roles, bounds[:-1], bounds[1:], strict=True)}

    @cached_property
    def approval_split(self) -> FarmlandSplit | None:
        """Each judgeable approval's farmland split."""
        return self.parcel_split.get("approvals")

    def basic_part(self, role: str, idx: NDArray[np.intp]) -> NDArray[np.object_]:
        """Return the basic-farmland part of judgeable parcels ``idx`` (None where none).

        The union of the parcel's basic-farmland pieces, as :func:`farmland_split` makes
        it; made once per parcel, and only for the parcels asked for.
        """
        g = self.geoms(role, _ok(self.layers[role]))
        done, parts = self._basic_parts.setdefault(
            role, (np.zeros(len(g), dtype=bool), np.full(len(g), None, dtype=object)))
        idx = np.asarray(idx, dtype=np.intp)
        asked = np.zeros(len(g), dtype=bool)
        asked[idx] = True
        need = np.flatnonzero(asked & ~done)
        if self.basic is not None and len(need):
            area = self.parcel_split[role].area_m2[need]
            bp = pieces(g[need], self.basic, crs=self.crs, sliver_m2=self.sliver,
                        left_area_m2=area, n_jobs=self.n_jobs)
            parts[need] = union_by_group(bp.geometry, bp.left, len(need), n_jobs=self.n_jobs)
        done[need] = True
        return parts[idx]

    @cached_property
    def standing(self) -> ApprovalStanding | None:
        """Return what each approval can make lawful.

        See :func:`~redline.analysis.coverage.approval_standing`.
        """
        if not self.has("approvals"):
            return None
        frame = self.layers["approvals"]
        if self.basic is None or self.approval_split is None:
            return approval_standing(frame, None)
        ok = _ok(frame)
        rows = np.flatnonzero(ok)
        on_basic = np.nan_to_num(self.approval_split.on_basic_m2) > 0

        def parts(wanted: NDArray[np.bool_]) -> NDArray[np.object_]:
            out = np.full(len(frame), None, dtype=object)
            pos = np.flatnonzero(wanted[rows] & on_basic)
            out[rows[pos]] = self.basic_part("approvals", pos)
            return out

        return approval_standing(frame, parts)

    def cover(self, parcels: NDArray[np.object_], when: NDArray[np.datetime64] | None, *,
              when_missing: str = "", area: NDArray[np.float64] | None = None) -> Any:
        """Dated coverage of ``parcels`` by this run's approvals."""
        assert self.standing is not None
        return dated_cover(parcels, self.standing, crs=self.crs, as_of=self.as_of, when=when,
                           when_missing=when_missing, parcel_area_m2=area,
                           sliver_m2=self.sliver, n_jobs=self.n_jobs)

    def unit_of(self, p: Pieces, n: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """Largest unit's code and name, and all units ";"-joined, per left geometry."""
        main = np.full(n, "", dtype=object)
        if len(p) == 0 or len(self.unit_codes) == 0:
            return main, np.full(n, "", dtype=object)
        codes = np.where(p.right >= 0, self.unit_codes[np.maximum(p.right, 0)], "")
        order = np.lexsort((-p.area_m2, p.left))
        left, codes = p.left[order], codes[order]
        first = np.r_[True, left[1:] != left[:-1]]
        main[left[first]] = codes[first]
        return main, joined_by_group(left, codes, n)

    def main_unit(self, g: NDArray[np.object_], area: NDArray[np.float64] | None = None
                  ) -> tuple[NDArray[Any], NDArray[Any]]:
        """Largest unit and all units of each geometry."""
        if not len(self.units) or not len(g):
            return np.full(len(g), "", dtype=object), np.full(len(g), "", dtype=object)
        up = pieces(g, self.units, crs=self.crs, sliver_m2=self.sliver, left_area_m2=area,
                    n_jobs=self.n_jobs)
        return self.unit_of(up, len(g))

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


def _split_part(s: FarmlandSplit, part: slice) -> FarmlandSplit:
    """Return the rows ``part`` of a farmland split."""
    return FarmlandSplit(s.area_m2[part], s.on_basic_m2[part], s.on_farmland_m2[part],
                         s.on_other_m2[part], None if s.basic is None else s.basic[part],
                         None if s.farmland is None else s.farmland[part])


def farmland_areas(run: _Run, geoms: NDArray[np.object_], *,
                   area: NDArray[np.float64] | None = None,
                   geometry: bool | str = False) -> FarmlandSplit:
    """Split the farmland of parcels or pieces into basic farmland, other farmland, other land.

    The one place where the rules measure the farmland a parcel or a piece of one takes:
    every farmland figure of a finding or a feature comes from here. The areas are
    **gross** (the geometry's own area on each farmland patch); a net figure (the patch's
    TBDLMJ / TBMJ share applied to each piece) belongs here.
    """
    return farmland_split(geoms, run.farmland, run.basic, crs=run.crs, parcel_area_m2=area,
                          sliver_m2=run.sliver, geometry=geometry,  # type: ignore[arg-type]
                          n_jobs=run.n_jobs)


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
        Inspection date. Approvals dated after it do not exist yet; the year of the
        accountability ratio is the year of ``as_of``.
    sliver_m2
        Overlaps and offending parts smaller than this are not findings; ``None``
        reads ``settings.sliver_m2``.
    lang
        Language of the messages.
    n_jobs
        Threads for the overlap engine.
    rules
        Run only these rules (of :data:`RULES`), and what they build on (the rules on
        change patches build on ``unapproved_construction``'s reading of them);
        findings only of these. All when None.

    Returns
    -------
    RuleResult
        Findings of the rules; ``features`` with one row per approvals, supply and
        changes feature (``layer``, ``feature_id``, ``_row``, ``area_m2``,
        ``on_basic_m2``, ``on_farmland_m2`` (farmland outside basic farmland),
        ``on_other_m2``, ``uncovered_m2``, ``covered_by``, ``admin_code``,
        ``land_kind``, ``unjudged_m2``, ``unjudged_reason``); ``tables["by_admin"]``;
        the rules skipped and why; the parameters used.

    Notes
    -----
    Coverage (:mod:`redline.analysis.coverage`): an approval covers land lawfully only
    when approved on or before the date of what stands on it (a change patch's
    detection, a supply contract) and on or before ``as_of``; on permanent basic
    farmland only when the State Council gave it. A supply contract covers nothing.
    Land an approval that cannot be judged may stand on (no geometry, no usable
    geometry, no date, an unreadable authority) is not judged: listed in ``features``
    (``unjudged_m2``, ``unjudged_reason``), never called uncovered.

    ``basic_farmland_encroachment``
        For each approval document (its polygons together) and supply parcel: its part
        on basic farmland that no State Council approval covers (for supply, one given
        by the contract date).
    ``unauthorized_approval``
        For each approval document by a province or below (``authority``): its part on
        basic farmland, which only the State Council may approve.
    ``supply_without_approval``
        For each supply parcel: its part on farmland (farmland and basic farmland)
        that no approval given by the contract date covers (未批先供; a later approval
        is noted as 补办).
    ``unapproved_construction``
        For each change patch whose current land class is construction land
        (:func:`redline.landclass.loss_kind`, 三调 and 二调; every patch when the layer
        has no ``land_code``): the part no approval given by its detection covers, cut
        by the finest admin units (one finding per unit when it crosses a line). An
        approval given later is named (先建后批).
    ``farmland_loss``
        For each change patch now orchard, forest, grassland, pond or other
        agricultural or natural land: its part on farmland (耕地流出).
    ``facility_agriculture``
        For each change patch now 设施农用地 (1202 / 122): its part on farmland, listed
        for a check of its filing (备案), not as a violation.
    ``criminal_threshold``
        Unlawful construction pieces added up: touching (within ``settings.touch_m``)
        pieces of one detection date, and, with a ``party`` field, one party's pieces
        detected within ``settings.criminal_party_years``; a group reaching basic
        farmland >= ``settings.criminal_basic_mu`` or other farmland >=
        ``settings.criminal_farmland_mu`` is one finding (涉嫌: a lead for a field check).
    ``accountability_ratio``
        Per county (first six characters of the admin code), for the year of
        ``as_of`` up to ``as_of``: net farmland in the unapproved pieces of the
        year's construction change patches over all net farmland in those patches
        (:mod:`redline.analysis.accountability`, shared with the ledger); a finding
        when it is at least ``settings.accountability_ratio``.
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
        if wanted & {"basic_farmland_encroachment", "unauthorized_approval",
                     "supply_without_approval"}:
            split_cache = _parcel_splits(run)
            if "basic_farmland_encroachment" in wanted:
                _basic_farmland_encroachment(run, split_cache)
            if "unauthorized_approval" in wanted:
                _unauthorized_approval(run, split_cache)
            if "supply_without_approval" in wanted:
                _supply_without_approval(run, split_cache)
            features.extend(c["features"] for c in split_cache.values())
        if wanted & _CHANGE_RULES:
            changes = _unapproved_construction(run, features)
            if "farmland_loss" in wanted or "facility_agriculture" in wanted:
                _farmland_loss(run, changes, wanted)
            covered = changes if changes is not None and changes["judged"] is not None else None
            if "criminal_threshold" in wanted:
                _criminal_threshold(run, covered)
            if "accountability_ratio" in wanted:
                _accountability_ratio(run, covered)

    crs = run.crs
    findings = make_findings([r for r in run.records if r["rule"] in wanted], crs=crs)
    for frame in features:
        _add_unjudged(run, frame)
    feats = (pd.concat(features, ignore_index=True) if features
             else pd.DataFrame(columns=[*_FEATURE_COLUMNS, "_pos"]))
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
            "criminal_party_years": settings.criminal_party_years,
            "criminal_approval_basic_mu": settings.criminal_approval_basic_mu,
            "accountability_ratio": settings.accountability_ratio,
            "as_of": as_of.isoformat(),
            "farmland_codes": list(settings.farmland_codes),
            **_accountability_record(run),
        },
        shared={} if run.accountability is None else {"accountability": run.accountability},
    )


def _accountability_record(run: _Run) -> dict[str, Any]:
    """Return what run.json says of the accountability ratio's inputs (when it ran)."""
    result = run.accountability
    if result is None:
        return {}
    return {"accountability": {
        "window": f"{run.as_of.year}-01-01/{run.as_of.isoformat()}",
        "farmland": "net (net_share of the farmland patches)",
        "notes": list(result.notes),
        "outside_admin_m2": round(float(result.outside_m2), 2),
        "outside_admin_changes": list(result.outside_ids),
    }}


_FEATURE_COLUMNS = [
    "layer", "feature_id", "_row", "area_m2", "on_basic_m2", "on_farmland_m2", "on_other_m2",
    "uncovered_m2", "covered_by", "admin_code", "land_kind", "unjudged_m2", "unjudged_reason",
]
_TEXT_COLUMNS = ("covered_by", "admin_code", "land_kind", "unjudged_reason")


def _feature_frame(run: _Run, role: str, **columns: Any) -> pd.DataFrame:
    frame = run.layers[role]
    ids = feature_ids(frame, role)
    rows = frame["_row"].to_numpy() if "_row" in frame else np.arange(len(frame))
    out = pd.DataFrame({"layer": role, "feature_id": ids, "_row": rows,
                        "_pos": np.arange(len(ids))})
    for name in _FEATURE_COLUMNS[3:]:
        default: Any = "" if name in _TEXT_COLUMNS else np.nan
        out[name] = columns.get(name, default)
    return out


def _add_unjudged(run: _Run, frame: pd.DataFrame) -> None:
    """Fill a features frame's ``unjudged_*`` columns from what the rules recorded."""
    if frame.empty:
        return
    role = str(frame["layer"].iloc[0])
    if role not in run.unjudged:
        return
    area, reason = run.unjudged[role]
    pos = frame["_pos"].to_numpy()
    frame["unjudged_m2"] = np.where(reason[pos] != "", area[pos], np.nan)
    frame["unjudged_reason"] = reason[pos]


def _full(n: int, ok: NDArray[np.bool_], values: Any, fill: Any = np.nan) -> NDArray[Any]:
    """Values of the judgeable rows spread over all ``n`` rows."""
    out = np.full(n, fill, dtype=object if isinstance(fill, str) else np.float64)
    out[ok] = values
    return out


def _parcel_splits(run: _Run) -> dict[str, dict[str, Any]]:
    """Three-way farmland split and admin units of every approval and supply parcel."""
    out: dict[str, dict[str, Any]] = {}
    for role in ("approvals", "supply"):
        if not run.has(role):
            continue
        frame = run.layers[role]
        ok = _ok(frame)
        ids = feature_ids(frame, role)
        g = run.geoms(role, ok)
        # The basic-farmland parts of both are judged; the whole farmland part only
        # of supply (supply_without_approval), made there for the parcels it reports.
        s = run.parcel_split[role]
        n = len(frame)
        cols: dict[str, Any] = {name: _full(n, ok, getattr(s, name)) for name in
                                ("area_m2", "on_basic_m2", "on_farmland_m2", "on_other_m2")}
        main = np.full(n, "", dtype=object)
        joined = np.full(n, "", dtype=object)
        main[ok], joined[ok] = run.main_unit(g, s.area_m2)
        cols["admin_code"] = joined
        out[role] = {"ok": ok, "ids": ids, "split": s, "geoms": g, "main_unit": main,
                     "features": _feature_frame(run, role, **cols)}
    return out


def _contract_when(run: _Run) -> tuple[NDArray[np.datetime64], str]:
    frame = run.layers["supply"]
    why = ("supply has no contract_on field: whether an approval came before the supply is "
           "unknown" if "contract_on" not in frame else
           "contract_on missing or unreadable: whether an approval came before the supply is "
           "unknown")
    return _dates(frame, "contract_on"), why


def _basic_farmland_encroachment(  # noqa: PLR0915 - one rule, read top to bottom
    run: _Run, cache: dict[str, dict[str, Any]]
) -> None:
    rule = "basic_farmland_encroachment"
    if not run.has("basic_farmland"):
        run.skipped.append((rule, "no basic_farmland layer: basic farmland cannot be located"))
        return
    if not run.has("approvals"):
        run.skipped.append((rule, "no approvals layer: cannot tell which basic farmland "
                                  "the State Council approved"))
        return
    standing = run.standing
    assert standing is not None
    if not (standing.has_authority or standing.has_flag):
        run.skipped.append((rule, "approvals has neither an authority nor a "
                                  "basic_farmland_approved field: cannot tell which approvals "
                                  "the State Council gave"))
        return
    w = words(run.lang)
    bf = run.layers["basic_farmland"]
    bf_geoms, bf_ids = run.basic, feature_ids(bf, "basic_farmland")[_ok(bf)]
    assert bf_geoms is not None  # the layer is there (checked above)
    for role in ("approvals", "supply"):
        if role not in cache:
            continue
        c = cache[role]
        s = c["split"]
        rows = np.flatnonzero(c["ok"])
        sel = np.flatnonzero(np.nan_to_num(s.on_basic_m2) >= max(run.sliver, 1e-12))
        if role == "supply":
            # The basic part's unlawful and doubtful land lies within the whole
            # parcel's (same approvals, same date): a parcel with less than half
            # the sliver of either has none on its basic part.
            whole = _supply_cover(run, c)
            left = whole.area_m2 - whole.lawful_m2
            sel = sel[left[sel] >= 0.5 * run.sliver]
        else:
            # An approval the State Council gave covers its own basic farmland.
            sel = sel[standing.basic_lawful[rows[sel]] != 1]
        if not len(sel):
            continue
        basic_part = run.basic_part(role, sel)
        if role == "supply":
            contract, missing = _contract_when(run)
            cov = run.cover(basic_part, contract[rows[sel]], when_missing=missing)
        else:
            cov = run.cover(basic_part, None)
        doubt = np.flatnonzero(cov.doubt_m2 > 0)
        run.not_judged(role, rows[sel[doubt]], cov.doubt_m2[doubt], cov.doubt_why[doubt], rule)
        hit = np.flatnonzero(cov.unlawful_m2 >= max(run.sliver, 1e-12))
        if not len(hit):
            continue
        ids = c["ids"][rows[sel[hit]]]
        # One finding per approval document: its polygons' offending parts together.
        keys, group = np.unique(ids, return_inverse=True) if role == "approvals" else (
            ids, np.arange(len(ids)))
        offending = union_by_group(cov.unlawful[hit], group, len(keys), n_jobs=run.n_jobs)
        area = ellipsoidal_area(offending, run.crs)
        bfp = pieces(offending, bf_geoms, crs=run.crs, sliver_m2=run.sliver, n_jobs=run.n_jobs)
        bf_joined = _covered_by(bfp, bf_ids, len(keys))
        units = c["main_unit"][rows[sel[hit]]]
        for k, fid in enumerate(keys):
            members = np.flatnonzero(group == k)
            partial = _join([cov.lawful_by[hit[m]] for m in members])
            late = _join([cov.late[hit[m]] for m in members])
            unjudged = float(cov.doubt_m2[hit[members]].sum())
            bf_hit = str(bf_joined[k])
            msg = w.BASIC_FARMLAND_ENCROACHMENT.format(
                kind=w.PARCEL_KINDS[role], id=fid, area=_fmt(area[k], run.lang),
                patches=_listed(bf_hit, run.lang) or "-",
                partly=(w.BASIC_FARMLAND_PARTLY.format(ids=_listed(partial, run.lang))
                        if partial else ""),
                late=(w.SUPPLY_LATE.format(approvals=_listed(late, run.lang))
                      if late else ""),
                unjudged=_unjudged_note(run, unjudged), note=_sliver_note(run))
            code = str(units[members[0]])
            run.records.append({
                "rule": rule, "layer": role, "feature_id": str(fid), "admin_code": code,
                "admin_name": run.name_of(code), "area_m2": area[k], "message": msg,
                "regulation": regulation(rule, run.lang),
                "threshold": f">= {run.sliver:g} m2", "matched": _join([bf_hit, partial]),
                "geometry": offending[k],
            })


def _unauthorized_approval(run: _Run, cache: dict[str, dict[str, Any]]) -> None:
    rule = "unauthorized_approval"
    if not run.has("basic_farmland"):
        run.skipped.append((rule, "no basic_farmland layer: basic farmland cannot be located"))
        return
    if not run.has("approvals"):
        run.skipped.append((rule, "no approvals layer"))
        return
    standing = run.standing
    assert standing is not None
    if not standing.has_authority:
        run.skipped.append((rule, "approvals has no authority field: who approved is unknown"))
        return
    c = cache["approvals"]
    s = c["split"]
    rows = np.flatnonzero(c["ok"])
    on_basic = np.nan_to_num(s.on_basic_m2) >= max(run.sliver, 1e-12)
    level = standing.level[rows]
    known = np.asarray([v is not None for v in level], dtype=bool)
    unread = np.flatnonzero(on_basic & ~known)
    run.not_judged("approvals", rows[unread], s.on_basic_m2[unread],
                   standing.authority_problem[rows[unread]], rule)
    bad = np.flatnonzero(on_basic & known
                         & ~np.asarray([is_state_council(v) for v in level], dtype=bool))
    if not len(bad):
        return
    ids = c["ids"][rows[bad]]
    keys, group = np.unique(ids, return_inverse=True)
    taken = union_by_group(run.basic_part("approvals", bad), group, len(keys), n_jobs=run.n_jobs)
    area = ellipsoidal_area(taken, run.crs)
    bf = run.layers["basic_farmland"]
    assert run.basic is not None
    bfp = pieces(taken, run.basic, crs=run.crs, sliver_m2=run.sliver, n_jobs=run.n_jobs)
    bf_joined = _covered_by(bfp, feature_ids(bf, "basic_farmland")[_ok(bf)], len(keys))
    authority = _text(run.layers["approvals"], "authority")[rows[bad]]
    units = c["main_unit"][rows[bad]]
    w = words(run.lang)
    limit = settings.criminal_approval_basic_mu
    for k, fid in enumerate(keys):
        first = int(np.flatnonzero(group == k)[0])
        lv = str(level[bad[first]])
        mu = area[k] / settings.M2_PER_MU
        crime = (w.UNAUTHORIZED_CRIME.format(limit=limit)
                 if mu >= limit - _TOL_MU else "")
        msg = w.UNAUTHORIZED_APPROVAL.format(
            id=fid, authority=authority[first] or "-", level=w.AUTHORITY_LEVELS[lv],
            area=_fmt(area[k], run.lang), patches=_listed(str(bf_joined[k]), run.lang) or "-",
            crime=crime, note=_sliver_note(run))
        code = str(units[first])
        run.records.append({
            "rule": rule, "layer": "approvals", "feature_id": str(fid), "admin_code": code,
            "admin_name": run.name_of(code), "area_m2": area[k], "message": msg,
            "regulation": regulation(rule, run.lang),
            "threshold": w.UNAUTHORIZED_LIMITS.format(sliver=run.sliver, limit=limit),
            "matched": str(bf_joined[k]), "authority_level": lv, "geometry": taken[k],
        })


def _supply_without_approval(run: _Run, cache: dict[str, dict[str, Any]]) -> None:
    rule = "supply_without_approval"
    if not run.has("supply"):
        run.skipped.append((rule, "no supply layer"))
        return
    c = cache["supply"]
    if not run.has("approvals"):
        run.skipped.append((rule, "no approvals layer: cannot tell which supply is approved"))
        return
    s = c["split"]
    rows = np.flatnonzero(c["ok"])
    cov = _supply_cover(run, c)
    n = len(c["ok"])
    feats = c["features"]
    feats["uncovered_m2"] = _full(n, c["ok"], cov.unlawful_m2)
    feats["covered_by"] = _full(n, c["ok"], cov.lawful_by, "")
    if not (run.has("farmland") or run.has("basic_farmland")):
        run.skipped.append((rule, "no farmland or basic_farmland layer: farmland cannot be "
                                  "located"))
        return
    on_farm = np.nan_to_num(s.on_basic_m2) + np.nan_to_num(s.on_farmland_m2)
    sel = np.flatnonzero((on_farm >= max(run.sliver, 1e-12))
                         & ((cov.unlawful_m2 >= max(run.sliver, 1e-12)) | (cov.doubt_m2 > 0)))
    if not len(sel):
        return
    farm = farmland_areas(run, c["geoms"][sel], area=s.area_m2[sel], geometry=True).farmland
    assert farm is not None
    bad_geom = _meet(cov.unlawful[sel], farm)
    bad_area = ellipsoidal_area(bad_geom, run.crs)
    doubt_area = ellipsoidal_area(_meet(cov.doubt[sel], farm), run.crs)
    unsure = np.flatnonzero(doubt_area >= max(run.sliver, 1e-12))
    run.not_judged("supply", rows[sel[unsure]], doubt_area[unsure], cov.doubt_why[sel[unsure]],
                   rule)
    ids_ok = c["ids"][rows]
    units_ok = c["main_unit"][rows]
    w = words(run.lang)
    for k in np.flatnonzero(bad_area >= max(run.sliver, 1e-12)):
        i = sel[k]
        fid = str(ids_ok[i])
        partial = str(cov.lawful_by[i])
        msg = w.SUPPLY_WITHOUT_APPROVAL.format(
            id=fid, area=_fmt(bad_area[k], run.lang),
            cover=(w.SUPPLY_PARTLY.format(ids=_listed(partial, run.lang)) if partial
                   else w.SUPPLY_UNCOVERED),
            late=(w.SUPPLY_LATE.format(approvals=_listed(str(cov.late[i]), run.lang))
                  if cov.late[i] else ""),
            void=(w.VOID_BASIC.format(ids=_listed(str(cov.void[i]), run.lang))
                  if cov.void[i] else ""),
            unjudged=_unjudged_note(run, float(doubt_area[k])),
            parcel_area=_fmt(s.area_m2[i], run.lang), note=_sliver_note(run))
        code = str(units_ok[i])
        run.records.append({
            "rule": rule, "layer": "supply", "feature_id": fid, "admin_code": code,
            "admin_name": run.name_of(code), "area_m2": bad_area[k], "message": msg,
            "regulation": regulation(rule, run.lang), "threshold": f">= {run.sliver:g} m2",
            "matched": _join([partial, *_ids_of(str(cov.late[i])), str(cov.void[i])]),
            "geometry": bad_geom[k],
        })


def _supply_cover(run: _Run, c: dict[str, Any]) -> Any:
    """Dated coverage of each judgeable supply parcel by the approvals (worked out once)."""
    if "cover" not in c:
        contract, missing = _contract_when(run)
        c["cover"] = run.cover(c["geoms"], contract[np.flatnonzero(c["ok"])],
                               when_missing=missing, area=c["split"].area_m2)
    return c["cover"]


def _meet(a: NDArray[np.object_], b: NDArray[np.object_]) -> NDArray[np.object_]:
    """Return ``a & b`` row by row, polygonal; empty where either is missing or empty."""
    out = np.full(len(a), shapely.Polygon(), dtype=object)
    some = (~shapely.is_missing(a) & ~shapely.is_empty(a) & ~shapely.is_missing(b)
            & ~shapely.is_empty(b))
    if some.any():
        out[some] = polygonal(shapely.intersection(a[some], b[some]))
    return out


def _ids_of(late: str) -> list[str]:
    """Return the ids of ``"ID (DATE);ID (DATE)"``."""
    return [part.rsplit(" (", 1)[0] for part in late.split(";") if part]


def _covered_by(p: Pieces, ids: NDArray[Any], n: int) -> NDArray[np.object_]:
    return joined_by_group(p.left, ids[p.right], n)


# --------------------------------------------------------------------------- change patches


@dataclass(frozen=True)
class UnlawfulConstruction:
    """The unlawful parts of construction change patches, one row per piece in an admin unit.

    What ``unapproved_construction`` reports, before its messages: the part of each
    change patch whose current class is construction land that no approval given by
    its detection (and by ``as_of``) lawfully covers, land in doubt left out, cut by
    the finest admin units.

    Attributes
    ----------
    row
        Position of the piece's change patch in the changes frame.
    change_id
        Its patch's id.
    admin_code
        The finest admin unit the piece lies in (``""`` outside every unit or with no
        admin layer).
    geometry, area_m2
        The piece and its ellipsoidal area.
    on_basic_m2, on_farmland_m2, on_other_m2
        Its area on basic farmland, on other farmland and on other land (gross; NaN
        for a farmland layer not given).
    detected_on
        The patch's detection date (NaT when unknown).
    late
        Approvals given after the detection that cover part of the patch's unlawful
        land, ``"ID (YYYY-MM-DD)"``, ``";"``-joined (先建后批).
    """

    row: NDArray[np.intp]
    change_id: NDArray[np.object_]
    admin_code: NDArray[np.object_]
    geometry: NDArray[np.object_]
    area_m2: NDArray[np.float64]
    on_basic_m2: NDArray[np.float64]
    on_farmland_m2: NDArray[np.float64]
    on_other_m2: NDArray[np.float64]
    detected_on: NDArray[np.datetime64]
    late: NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.row)


def unlawful_construction(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    as_of: datetime.date,
    sliver_m2: float | None = None,
    n_jobs: int = 1,
) -> UnlawfulConstruction:
    """Return the unlawful pieces of construction change patches (``unapproved_construction``).

    The same pieces ``unapproved_construction`` reports, with their farmland split: the
    accountability ratio's numerator is the farmland of the pieces detected in its
    window, summed by county (``admin_code[:6]``).

    Parameters
    ----------
    layers
        Frames by role as for :func:`vector_findings` (``changes`` and ``approvals``
        needed; ``admin``, ``farmland`` and ``basic_farmland`` used when given).
    as_of, sliver_m2, n_jobs
        As for :func:`vector_findings`.

    Returns
    -------
    UnlawfulConstruction
        Empty when the layers cannot tell (no changes or no approvals layer).
    """
    sliver = float(settings.sliver_m2 if sliver_m2 is None else sliver_m2)
    run = _Run(layers, as_of=as_of, sliver=sliver, lang="en", n_jobs=n_jobs)
    with reuse_trees(run.farmland, run.basic):
        ch = _construction(run)
    if ch is None:
        empty = np.empty(0, dtype=object)
        nan = np.empty(0, dtype=np.float64)
        return UnlawfulConstruction(np.empty(0, np.intp), empty, empty, empty, nan, nan, nan,
                                    nan, np.empty(0, "datetime64[D]"), empty)
    up: Pieces = ch["pieces"]
    patch = ch["judged"][up.left]
    return UnlawfulConstruction(
        row=ch["rows"][patch], change_id=ch["ids"][patch], admin_code=ch["piece_code"],
        geometry=up.geometry, area_m2=up.area_m2, on_basic_m2=ch["split"].on_basic_m2,
        on_farmland_m2=ch["split"].on_farmland_m2, on_other_m2=ch["split"].on_other_m2,
        detected_on=ch["when"][patch], late=ch["cover"].late[patch])


def _land_kinds(run: _Run) -> tuple[NDArray[np.object_], NDArray[np.object_], bool]:
    """Return each change patch's loss kind, why when unknown, and whether there is a class.

    The kind is :func:`redline.landclass.loss_kind`'s; without a ``land_code`` field every
    patch is taken as construction.
    """
    frame = run.layers["changes"]
    n = len(frame)
    if "land_code" not in frame:
        return np.full(n, "construction", dtype=object), np.full(n, "", dtype=object), False
    values = pd.Series(frame["land_code"].to_numpy(dtype=object), dtype=object)
    kind = loss_kind(values).to_numpy(dtype=object)
    text = _text(frame, "land_code")
    why = np.where(kind == "unknown",
                   np.where(text == "", "no land class (land_code blank)",
                            np.asarray([f"land class {t!r} is no construction, farmland or "
                                        "other land class redline can read" for t in text],
                                       dtype=object)), "")
    return kind, why.astype(object), True


def _construction(run: _Run) -> dict[str, Any] | None:
    """Read the changes once: kinds, dated coverage and the unlawful construction pieces.

    None when the rules on change patches cannot run (the reason is in ``run.skipped``).
    """
    rule = "unapproved_construction"
    if not run.has("changes"):
        run.skipped.append((rule, "no changes layer"))
        return None
    frame = run.layers["changes"]
    ok = _ok(frame)
    rows = np.flatnonzero(ok)
    ids = feature_ids(frame, "changes")
    g = run.geoms("changes", ok)
    kind, kind_why, has_class = _land_kinds(run)
    whole = farmland_areas(run, g)
    when = _dates(frame, "detected_on")
    state: dict[str, Any] = {
        "frame": frame, "ok": ok, "rows": rows, "ids_all": ids, "ids": ids[rows], "g": g,
        "kind": kind[rows], "kind_why": kind_why[rows], "has_class": has_class,
        "whole": whole, "when": when[rows], "cover": None,
        "detected": pd.Series(pd.to_datetime(when[rows])),
        "party": _text(frame, "party")[rows], "has_party": "party" in frame,
    }
    if not run.has("approvals"):
        run.skipped.append((rule, "no approvals layer: nothing tells approved construction "
                                  "from unapproved (a supply contract is no approval)"))
        return state | {"judged": None}
    missing = ("changes has no detected_on field: whether an approval came before the "
               "construction is unknown" if "detected_on" not in frame else
               "detected_on missing or unreadable: whether an approval came before the "
               "construction is unknown")
    cov = run.cover(g, when[rows], when_missing=missing, area=whole.area_m2)
    construction = state["kind"] == "construction"
    judged = np.flatnonzero(construction & (cov.unlawful_m2 >= max(run.sliver, 1e-12)))
    unc_geom = cov.unlawful[judged]
    if len(run.units):
        up = split_by_units(unc_geom, run.units, crs=run.crs, sliver_m2=run.sliver,
                            n_jobs=run.n_jobs)
        piece_code = np.where(up.right >= 0, run.unit_codes[np.maximum(up.right, 0)], "")
    else:
        area = ellipsoidal_area(unc_geom, run.crs)
        up = Pieces(np.arange(len(judged), dtype=np.intp), np.full(len(judged), -1, np.intp),
                    unc_geom, area)
        piece_code = np.full(len(judged), "", dtype=object)
    ps = farmland_areas(run, up.geometry, area=up.area_m2)
    return state | {"judged": judged, "cover": cov, "pieces": up, "piece_code": piece_code,
                    "split": ps, "uncovered": unc_geom}


def _unapproved_construction(  # noqa: PLR0915 - one rule, read top to bottom
    run: _Run, features: list[pd.DataFrame]
) -> dict[str, Any] | None:
    rule = "unapproved_construction"
    ch = _construction(run)
    if ch is None:
        return None
    frame, ok, rows, g = ch["frame"], ch["ok"], ch["rows"], ch["g"]
    n = len(frame)
    whole: FarmlandSplit = ch["whole"]
    cols: dict[str, Any] = {name: _full(n, ok, getattr(whole, name)) for name in
                            ("area_m2", "on_basic_m2", "on_farmland_m2", "on_other_m2")}
    cols["land_kind"] = _full(n, ok, ch["kind"], "")
    unsure = np.flatnonzero(ch["kind"] == "unknown")
    run.not_judged("changes", rows[unsure], whole.area_m2[unsure], ch["kind_why"][unsure],
                   "land_code")
    cols["admin_code"] = _full(n, ok, run.main_unit(g, whole.area_m2)[1], "")
    cov = ch["cover"]
    if cov is not None:
        cols["uncovered_m2"] = _full(n, ok, cov.unlawful_m2)
        cols["covered_by"] = _full(n, ok, cov.lawful_by, "")
        construction = ch["kind"] == "construction"
        doubt = np.flatnonzero(construction & (cov.doubt_m2 > 0))
        run.not_judged("changes", rows[doubt], cov.doubt_m2[doubt], cov.doubt_why[doubt], rule)
    features.append(_feature_frame(run, "changes", **cols))
    if ch["judged"] is None:
        return ch
    if not ch["has_class"]:
        run.skipped.append((rule, "partly: changes has no land_code field, so every patch is "
                                  "taken as construction (a satellite lead to check)"))
    judged, up, ps = ch["judged"], ch["pieces"], ch["split"]
    unc_geom = ch["uncovered"]
    # Supply parcels on the unlawful part: named, but a contract is no approval.
    supplied = np.full(len(judged), "", dtype=object)
    if run.has("supply") and len(judged):
        m = _ok(run.layers["supply"])
        sp = pieces(unc_geom, run.geoms("supply", m), crs=run.crs, sliver_m2=run.sliver,
                    geometry=False, n_jobs=run.n_jobs)
        supplied = _covered_by(sp, feature_ids(run.layers["supply"], "supply")[m], len(judged))
    # The nearest approval touching each unlawful part.
    near = np.full(len(judged), -1, dtype=np.intp)
    a_ids = np.empty(0, dtype=object)
    if run.has("approvals"):
        # Approvals given after as_of do not exist yet.
        m = _ok(run.layers["approvals"]) & ~(_dates(run.layers["approvals"], "approved_on")
                                             > np.datetime64(run.as_of, "D"))
        a_ids = feature_ids(run.layers["approvals"], "approvals")[m]
        near = nearest_within(unc_geom, run.geoms("approvals", m), distance=settings.touch_m)
    ids_ok = ch["ids"]
    n_pieces = np.bincount(up.left, minlength=len(judged))
    w = words(run.lang)
    for k in range(len(up)):
        j = int(up.left[k])
        i = int(judged[j])
        fid = str(ids_ok[i])
        code = str(ch["piece_code"][k])
        b, f, o = ps.on_basic_m2[k], ps.on_farmland_m2[k], ps.on_other_m2[k]
        nb = str(a_ids[near[j]]) if near[j] >= 0 else ""
        part_cov = str(cov.lawful_by[i])
        late = str(cov.late[i])
        void = str(cov.void[i])
        crossing = n_pieces[j] > 1
        detected = ch["when"][i]
        msg = w.UNAPPROVED_CONSTRUCTION.format(
            id=fid, part=w.UNAPPROVED_PART.format(code=code) if crossing else "",
            area=_fmt(up.area_m2[k], run.lang), basic=_fmt(np.nan_to_num(b), run.lang),
            farmland=_fmt(np.nan_to_num(f), run.lang), other=_fmt(o, run.lang),
            late=(w.UNAPPROVED_LATE.format(approvals=_listed(late, run.lang),
                                           detected=str(detected)) if late else ""),
            void=w.VOID_BASIC.format(ids=_listed(void, run.lang)) if void else "",
            supplied=(w.UNAPPROVED_SUPPLIED.format(ids=_listed(str(supplied[j]), run.lang))
                      if supplied[j] else ""),
            covered=(w.UNAPPROVED_COVERED.format(ids=_listed(part_cov, run.lang))
                     if part_cov else ""),
            nearest=w.UNAPPROVED_NEAREST.format(id=nb) if nb else "",
            unjudged=_unjudged_note(run, float(cov.doubt_m2[i])) if k == 0 or not crossing
            else "", note=_sliver_note(run))
        run.records.append({
            "rule": rule, "layer": "changes", "feature_id": fid, "part": code if crossing else None,
            "admin_code": code, "admin_name": run.name_of(code), "area_m2": up.area_m2[k],
            "message": msg, "regulation": regulation(rule, run.lang),
            "threshold": f">= {run.sliver:g} m2",
            "matched": _join([part_cov, *_ids_of(late), void, str(supplied[j]), nb]),
            "geometry": up.geometry[k],
        })
    return ch


def _farmland_loss(run: _Run, ch: dict[str, Any] | None, wanted: frozenset[str]) -> None:
    """``farmland_loss`` and ``facility_agriculture``: farmland turned to other uses."""
    rules = [r for r in ("farmland_loss", "facility_agriculture") if r in wanted]
    if ch is None:
        for rule in rules:
            run.skipped.append((rule, "no changes layer"))
        return
    if not ch["has_class"]:
        for rule in rules:
            run.skipped.append((rule, "changes has no land_code field: what a patch became is "
                                      "unknown"))
        return
    if not (run.has("farmland") or run.has("basic_farmland")):
        for rule in rules:
            run.skipped.append((rule, "no farmland or basic_farmland layer: farmland cannot be "
                                      "located"))
        return
    whole: FarmlandSplit = ch["whole"]
    on_farm = np.nan_to_num(whole.on_basic_m2) + np.nan_to_num(whole.on_farmland_m2)
    kinds = {"farmland_loss": "other_agricultural_or_natural",
             "facility_agriculture": "facility_agriculture"}
    frame = ch["frame"]
    codes = _text(frame, "land_code")[ch["rows"]]
    w = words(run.lang)
    for rule in rules:
        sel = np.flatnonzero((ch["kind"] == kinds[rule]) & (on_farm >= max(run.sliver, 1e-12)))
        if not len(sel):
            continue
        split = farmland_areas(run, ch["g"][sel], area=whole.area_m2[sel], geometry=True)
        assert split.farmland is not None
        main = run.main_unit(ch["g"][sel], whole.area_m2[sel])[0]
        for k, i in enumerate(sel):
            fid = str(ch["ids"][i])
            basic = float(np.nan_to_num(split.on_basic_m2[k]))
            farm = float(np.nan_to_num(split.on_farmland_m2[k]))
            template = w.FARMLAND_LOSS if rule == "farmland_loss" else w.FACILITY_AGRICULTURE
            msg = template.format(
                id=fid, code=codes[i], area=_fmt(basic + farm, run.lang),
                basic=_fmt(basic, run.lang), farmland=_fmt(farm, run.lang),
                on_basic=(w.FACILITY_ON_BASIC if rule == "facility_agriculture"
                          and basic >= max(run.sliver, 1e-12) else ""),
                note=_sliver_note(run))
            code = str(main[k])
            run.records.append({
                "rule": rule, "layer": "changes", "feature_id": fid, "admin_code": code,
                "admin_name": run.name_of(code), "area_m2": basic + farm, "message": msg,
                "regulation": regulation(rule, run.lang), "threshold": f">= {run.sliver:g} m2",
                "matched": "", "geometry": split.farmland[k],
            })


class _Groups:
    """Union-find over positions 0..n-1."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[i] != root:
            self.parent[i], i = root, int(self.parent[i])
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> NDArray[np.intp]:
        return np.asarray([self.find(i) for i in range(len(self.parent))], dtype=np.intp)


def _party_windows(party: NDArray[np.object_], when: NDArray[np.datetime64]
                   ) -> list[NDArray[np.intp]]:
    """Positions of one party's acts within one window of ``criminal_party_years``.

    Each party's dated acts in date order; a window starts at the first act not yet in
    one and takes every act before the window's anniversary (法释〔2000〕14号 Art. 9: acts
    within one year not yet dealt with are summed). Undated acts are summed with none.
    """
    out: list[NDArray[np.intp]] = []
    years = int(settings.criminal_party_years)
    dated = np.flatnonzero((party != "") & ~np.isnat(when))
    for name in dict.fromkeys(party[dated]):
        mine = dated[party[dated] == name]
        mine = mine[np.argsort(when[mine], kind="stable")]
        start = 0
        while start < len(mine):
            span = full_years(np.repeat(when[mine[start]], len(mine) - start),
                              when[mine[start:]])
            stop = start + int(np.sum(span < years))
            stop = max(stop, start + 1)
            if stop - start > 1:
                out.append(mine[start:stop])
            start = stop
    return out


def _criminal_threshold(run: _Run, ch: dict[str, Any] | None) -> None:  # noqa: PLR0915
    rule = "criminal_threshold"
    if ch is None:
        run.skipped.append((rule, "unapproved_construction did not run (see its reason): "
                                  "no illegal occupation to measure"))
        return
    if not (run.has("farmland") or run.has("basic_farmland")):
        run.skipped.append((rule, "no farmland or basic_farmland layer"))
        return
    if not ch["has_class"]:
        run.skipped.append((rule, "changes has no land_code field: non-agricultural "
                                  "construction, which the crime needs, cannot be told"))
        return
    up: Pieces = ch["pieces"]
    n = len(ch["judged"])
    basic = np.bincount(up.left, weights=np.nan_to_num(ch["split"].on_basic_m2), minlength=n)
    other = np.bincount(up.left, weights=np.nan_to_num(ch["split"].on_farmland_m2), minlength=n)
    ids = ch["ids"][ch["judged"]].astype(str)
    when = ch["when"][ch["judged"]]
    party = ch["party"][ch["judged"]]
    geoms = ch["uncovered"]
    groups = _Groups(n)
    site = np.zeros(n, dtype=bool)
    by_party = np.zeros(n, dtype=bool)
    # One site: unlawful parts touching within touch_m, detected on one date (one round).
    if n > 1:
        tree = shapely.STRtree(geoms)
        with Prepared(geoms) as (prepared,):
            a, b = tree.query(prepared, predicate="dwithin", distance=max(settings.touch_m, 0.0))
        keep = (a < b) & ~np.isnat(when[a]) & (when[a] == when[b])
        for i, j in zip(a[keep].tolist(), b[keep].tolist(), strict=True):
            groups.join(i, j)
            site[i] = site[j] = True
    # One party: acts within the window summed (when the layer names the party).
    for members in _party_windows(party, when):
        for j in members[1:].tolist():
            groups.join(int(members[0]), j)
        by_party[members] = True
    label = groups.labels()
    keys, group = np.unique(label, return_inverse=True)
    g_basic = np.bincount(group, weights=basic, minlength=len(keys))
    g_other = np.bincount(group, weights=other, minlength=len(keys))
    basic_mu, other_mu = g_basic / settings.M2_PER_MU, g_other / settings.M2_PER_MU
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
    for gi in np.flatnonzero(hit):
        members = np.flatnonzero(group == gi)
        # The lead patch: the most farmland taken (to 0.01 m2), then the smallest id.
        taken = np.round(basic + other, 2)[members]
        lead = members[np.lexsort((ids[members], -taken))[0]]
        ordered = [str(ids[lead]), *sorted(str(ids[m]) for m in members if m != lead)]
        how = []
        if len(members) > 1 and site[members].any():
            how.append(w.CRIMINAL_SITE)
        if len(members) > 1 and by_party[members].any():
            how.append(w.CRIMINAL_PARTY.format(party=party[lead] or "-",
                                               years=settings.criminal_party_years))
        summed = (w.CRIMINAL_SUMMED.format(n=len(members), how=w.ID_JOIN.join(how))
                  if len(members) > 1 else "")
        msg = w.CRIMINAL_THRESHOLD.format(
            ids=w.ID_JOIN.join(ordered), summed=summed, basic_mu=basic_mu[gi],
            farmland_mu=other_mu[gi], threshold=limits)
        code = str(main[lead])
        outline = (geoms[lead] if len(members) == 1
                   else shapely.union_all(geoms[members]))
        run.records.append({
            "rule": rule, "layer": "changes", "feature_id": str(ids[lead]), "admin_code": code,
            "admin_name": run.name_of(code), "area_m2": g_basic[gi] + g_other[gi],
            "message": msg, "regulation": regulation(rule, run.lang),
            "threshold": limits, "matched": _join(ordered[1:]),
            "summed_ids": _join(sorted(ordered)),
            "summed_by": ";".join(k for k, on in (("site", site[members].any()),
                                                   ("party", by_party[members].any()))
                                  if on and len(members) > 1),
            "on_basic_m2": g_basic[gi], "on_farmland_m2": g_other[gi],
            "geometry": outline,
        })


def _accountability_ratio(run: _Run, ch: dict[str, Any] | None) -> None:
    """令15号 Art. 3 per county: :func:`redline.analysis.accountability.accountability`.

    The unlawful pieces are this run's ``unapproved_construction`` pieces.
    """
    from redline.analysis.accountability import accountability

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
    if why is not None or ch is None:
        run.skipped.append((rule, str(why)))
        return
    up: Pieces = ch["pieces"]
    unlawful = gpd.GeoDataFrame(
        {"feature_id": np.asarray(ch["ids"], dtype=object)[ch["judged"][up.left]]
         if len(up) else np.empty(0, dtype=object)},
        geometry=np.asarray(up.geometry, dtype=object), crs=run.crs)
    result = accountability(run.layers["changes"], unlawful, run.layers.get("farmland"),
                            run.layers.get("basic_farmland"), run.layers.get("admin"),
                            as_of=run.as_of, sliver_m2=run.sliver, n_jobs=run.n_jobs)
    run.accountability = result
    year = run.as_of.year
    pct = f"{settings.accountability_ratio:.0%}"
    hits = result.table[result.table["breach"].to_numpy(dtype=bool)]
    for c, ill, total, ratio in zip(hits["admin_code"].astype(str).tolist(),
                                    hits["illegal_m2"].to_numpy(dtype=float).tolist(),
                                    hits["new_m2"].to_numpy(dtype=float).tolist(),
                                    hits["ratio"].to_numpy(dtype=float).tolist(), strict=True):
        mask = np.asarray([str(u).startswith(c) for u in run.unit_codes])
        outline = shapely.union_all(run.units[mask])
        name = run.name_of(c)
        msg = words(run.lang).ACCOUNTABILITY_RATIO.format(
            county=name or c, year=year, illegal=_fmt(ill, run.lang),
            total=_fmt(total, run.lang), approved=_fmt(total - ill, run.lang),
            ratio=ratio, limit=pct)
        run.records.append({
            "rule": rule, "layer": "admin", "feature_id": c, "admin_code": c,
            "admin_name": name, "area_m2": ill, "message": msg,
            "regulation": regulation(rule, run.lang), "threshold": f">= {pct}",
            "matched": "", "geometry": outline, "ratio": ratio,
            "approved_m2": total - ill,
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

    The ratio (:mod:`redline.analysis.accountability`) weighs the net farmland in the
    unlawful pieces of the construction change patches detected from 1 January of the year
    of ``as_of`` to ``as_of`` against all net farmland in those patches. So: the year's
    change patches; the approvals and supply meeting them (and every approval with no
    geometry, which may stand anywhere), which decide the unlawful pieces; the farmland and
    basic farmland meeting them; the admin units whole. A layer without its date field
    keeps no rows (the rule says it cannot run, as in one pass). A tiled run checks the
    whole county for this rule on these. Farmland layers in ``spilled`` (on disk) are read
    for the features meeting those parcels only.
    """
    changes = layers.get("changes")
    keep = None if changes is None else (
        _ok(changes) & in_year(changes, "detected_on", as_of))
    return _cut(layers, keep, spilled=spilled)


def criminal_inputs(layers: Mapping[str, gpd.GeoDataFrame], *, as_of: datetime.date,
                    spilled: Mapping[str, Windows] | None = None
                    ) -> dict[str, gpd.GeoDataFrame]:
    """Cut the layers to the features ``criminal_threshold`` reads, keeping every field.

    The threshold adds up unlawful construction across the county (touching pieces of one
    site, one party's acts), so a tiled run screens it once over the whole county, on
    these: every judgeable change patch; the approvals meeting them (and those with no
    geometry); the farmland and basic farmland meeting them; the admin units whole.
    """
    changes = layers.get("changes")
    keep = None if changes is None else _ok(changes)
    return _cut(layers, keep, spilled=spilled)


#: The rules a tiled check runs once over the whole county, each with the cut of the layers
#: it reads (:mod:`redline.analysis.tiles` leaves them out of the tiles).
COUNTY_INPUTS: dict[str, Any] = {
    "accountability_ratio": accountability_inputs,
    "criminal_threshold": criminal_inputs,
}


def _cut(layers: Mapping[str, gpd.GeoDataFrame], changes_kept: NDArray[np.bool_] | None, *,
         spilled: Mapping[str, Windows] | None) -> dict[str, gpd.GeoDataFrame]:
    out = dict(layers)
    changes = layers.get("changes")
    if changes is not None and changes_kept is not None:
        out["changes"] = changes[changes_kept]
    kept_changes = _geometries(out.get("changes"))
    for role in ("approvals", "supply"):
        if role in layers:
            frame = layers[role]
            rows = _meeting(frame, kept_changes, boxes=role == "approvals")
            if role == "approvals":
                geoms = np.asarray(frame.geometry.values, dtype=object)
                nowhere = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
                rows = np.union1d(rows, nowhere)
            out[role] = frame.iloc[rows]
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


def _meeting(frame: gpd.GeoDataFrame, geoms: NDArray[np.object_], *, boxes: bool = False
             ) -> NDArray[np.intp]:
    """Positions in ``frame`` of the features meeting one of ``geoms``, sorted.

    ``boxes``: the features whose bounding boxes meet them (an approval that cannot be
    judged stands on its convex hull, which its box holds).
    """
    if not len(geoms) or not len(frame):
        return np.zeros(0, np.intp)
    if boxes:
        return np.unique(frame.sindex.query(geoms)[1]).astype(np.intp)
    with Prepared(geoms) as (prepared,):
        return np.unique(frame.sindex.query(prepared, predicate="intersects")[1]).astype(np.intp)
