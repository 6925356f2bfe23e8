"""The accountability ratio (令15号 Art. 3): one implementation, for the rule and the ledger.

《违反土地管理规定行为处分办法》(监察部 人社部 国土资源部令第15号) Art. 3: when, within a
year, the farmland illegally occupied in a county-level unit (县级) reaches 15 % of the
farmland newly occupied for construction there, its government heads are disciplined. In
satellite enforcement practice (DOMAIN.md, "Figures officials sign"):

* the window is the monitoring year up to the check's date: change patches detected from
  1 January of the year of ``as_of`` to ``as_of`` (:func:`redline.analysis.dates.in_year`);
* the *denominator*, 新增建设用地占用耕地面积, is all farmland in that year's new
  construction change patches, lawful and unlawful;
* the *numerator* is the unlawful part: the farmland in the pieces of those patches that
  ``unapproved_construction`` found (after its sliver rule), taken from that rule's own
  pieces or findings, never from a second coverage computation;
* farmland is net (:func:`redline.analysis.farmland.net_share`), the farmland layer's
  patches (basic farmland where there is no farmland layer), land counted once (the
  patches are unioned first);
* a change patch is construction when its ``land_code`` is construction land
  (:func:`redline.landclass.is_construction`) or blank; a layer with no ``land_code``
  counts every patch, and the result says so;
* the units are county-level: the first six characters of the admin codes. A patch's land
  outside every admin unit is a data problem, reported once (``outside``), never a county.

:func:`accountability` computes it; :func:`redline.analysis.rules.accountability_inputs`
cuts a county's layers to what it reads (a tiled check runs it once over the whole county
on those).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from redline import settings
from redline.analysis.dates import in_year
from redline.analysis.dissolve import polygon_parts
from redline.analysis.farmland import net_share
from redline.analysis.overlay import pieces, split_by_units
from redline.landclass import is_construction, is_farmland

if TYPE_CHECKING:
    from numpy.typing import NDArray


#: Columns of :attr:`Accountability.table`.
COLUMNS: Final[tuple[str, ...]] = (
    "admin_code", "illegal_m2", "new_m2", "illegal_gross_m2", "new_gross_m2", "ratio", "breach",
)


@dataclass
class Accountability:
    """The ratio per unit, and what the computation had to say.

    Attributes
    ----------
    table
        One row per unit with farmland in the year's construction change patches:
        ``admin_code``, ``illegal_m2`` and ``new_m2`` (net farmland, m2), the same gross,
        ``ratio`` (illegal / new) and ``breach`` (ratio >= ``settings.accountability_ratio``
        with illegal farmland of at least the sliver).
    outside_m2
        Land of the year's construction change patches outside every admin unit (m2).
    outside_ids
        The change patches with such land.
    notes
        Sentences for run.json: how construction was told, what was left out.
    """

    table: pd.DataFrame
    outside_m2: float = 0.0
    outside_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: What the computation worked out, for another call on the same layers
    #: (:func:`accountability_levels`, ``known``); not kept when pickled.
    work: _Work | None = field(default=None, repr=False, compare=False)


@dataclass(eq=False)
class _Work:
    """The land, the farmland near it and its farmland pieces, from one computation.

    ``layers`` (changes, farmland, basic farmland, admin) are the frames it was worked out
    from, held so that another call can tell they are the same objects; ``unlawful`` the
    unlawful pieces it read, as (change id, WKB) sorted. ``farm`` keeps, per land
    (``"new"``, ``"illegal"``) and part of it, the farmland pieces of the whole part: a
    part inside one unit is that same geometry at every level, so its pieces are found
    once (the same pieces, from the same two geometries).
    """

    layers: tuple[Any, ...]
    as_of: datetime.date
    sliver: float
    default_code: str
    unlawful: list[tuple[str, bytes]]
    new_parts: NDArray[np.object_]
    bad: NDArray[np.object_]
    farm_geoms: NDArray[np.object_]
    share: NDArray[np.float64]
    levels: dict[int, Accountability] = field(default_factory=dict)
    no_units: set[int] = field(default_factory=set)
    farm: dict[str, dict[int, tuple[NDArray[np.intp], NDArray[np.float64]]]] = field(
        default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # Frames and geometries stay in their process: a pickled result reuses nothing.
        return (_no_work, ())

    def fits(self, layers: tuple[Any, ...], *, as_of: datetime.date, sliver: float,
             unlawful: list[tuple[str, bytes]]) -> bool:
        """Whether a call on these inputs would work out the same land and pieces."""
        return (len(layers) == len(self.layers)
                and all(a is b for a, b in zip(layers, self.layers, strict=True))
                and as_of == self.as_of and sliver == self.sliver
                and unlawful == self.unlawful)

    def level(self, digits: int, default_code: str) -> Accountability | None:
        """Return the result worked out for ``digits``, when it holds with ``default_code`` too.

        The default unit places land only at a level with no admin unit.
        """
        done = self.levels.get(digits)
        if done is None or (digits in self.no_units and default_code != self.default_code):
            return None
        return done


def _no_work() -> None:
    return None


def _valid(frame: gpd.GeoDataFrame | None) -> NDArray[np.bool_]:
    if frame is None:
        return np.zeros(0, dtype=bool)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if "_problem" in frame:
        ok &= (frame["_problem"].astype("string").fillna("") == "").to_numpy(dtype=bool)
    return np.asarray(ok, dtype=bool)


def construction_changes(changes: gpd.GeoDataFrame, *, as_of: datetime.date
                         ) -> tuple[NDArray[np.bool_], str | None]:
    """Return where change patches are the year's construction, and a note when unsure.

    Judgeable, detected in the year of ``as_of`` up to it, and of a construction land
    class (or of none: a blank class counts, and a layer without ``land_code`` counts
    every patch, which the note says).
    """
    mask = _valid(changes) & in_year(changes, "detected_on", as_of)
    if "land_code" not in changes:
        return mask, ("changes has no land_code: every change patch of the year counts as "
                      "new construction")
    codes = changes["land_code"].astype("string").fillna("").str.strip()
    built = is_construction(codes.where(codes != "", None)).to_numpy(dtype=bool)
    return mask & (built | (codes == "").to_numpy(dtype=bool)), None


def farmland_patches(farmland: gpd.GeoDataFrame | None,
                     basic: gpd.GeoDataFrame | None
                     ) -> tuple[NDArray[np.object_], NDArray[np.float64]] | None:
    """Return the farmland patches the ratio weighs and their net shares (None: no layer).

    The farmland layer's judgeable farmland-class patches; the basic-farmland layer's
    where there is no farmland layer (basic farmland is farmland).
    """
    frame = farmland if farmland is not None else basic
    if frame is None:
        return None
    keep = _valid(frame)
    if farmland is not None and "land_code" in frame:
        keep &= is_farmland(frame["land_code"]).to_numpy(dtype=bool)  # 三调 or 二调
    kept = frame[keep]
    return np.asarray(kept.geometry.values, dtype=object), net_share(kept)


def county_units(admin: gpd.GeoDataFrame | None, *, digits: int = 6
                 ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Admin units dissolved to ``digits``-character codes: (codes, polygons), sorted."""
    if admin is None or "admin_code" not in admin or not len(admin):
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    ok = _valid(admin)
    codes = admin["admin_code"].astype("string").fillna("").str.strip()
    ok &= (codes.str.len() >= digits).to_numpy(dtype=bool)
    if not ok.any():
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    prefix = codes[ok].str.slice(0, digits).to_numpy(dtype=object)
    geoms = np.asarray(admin.geometry.values, dtype=object)[ok]
    names = np.asarray(sorted(set(prefix)), dtype=object)
    merged = np.asarray([shapely.union_all(shapely.make_valid(geoms[prefix == c]))
                         for c in names], dtype=object)  # counties: a handful
    return names, merged


def accountability(changes: gpd.GeoDataFrame | None, unlawful: gpd.GeoDataFrame | None,
                   farmland: gpd.GeoDataFrame | None, basic: gpd.GeoDataFrame | None,
                   admin: gpd.GeoDataFrame | None, *, as_of: datetime.date,
                   sliver_m2: float | None = None, digits: int = 6, default_code: str = "",
                   n_jobs: int = 1, known: Accountability | None = None) -> Accountability:
    """Work out the accountability ratio of every unit (see the module docstring).

    Parameters
    ----------
    changes
        The change patches (``change_id``, ``detected_on``, ``land_code`` as read).
    unlawful
        The unlawful pieces of change patches, as ``unapproved_construction`` made them:
        ``feature_id`` (the change patch's id) and geometry. Pieces of patches outside
        the year's construction patches are left out.
    farmland, basic
        The farmland and basic-farmland layers (net fields as read).
    admin
        The admin units; their codes are cut to ``digits`` characters (6: counties).
    as_of
        The check's date: the year of it, up to it, is the window.
    sliver_m2
        Farmland pieces under this are noise; ``None`` reads ``settings.sliver_m2``.
    default_code
        The unit of every piece when there is no admin unit (a dataset of one county
        without an admin layer); none when empty.
    known
        A result of an earlier call (:func:`accountability_levels`).
    """
    return accountability_levels(changes, unlawful, farmland, basic, admin, as_of=as_of,
                                 sliver_m2=sliver_m2, digits=(digits,),
                                 default_code=default_code, n_jobs=n_jobs, known=known)[digits]


def accountability_levels(changes: gpd.GeoDataFrame | None,
                          unlawful: gpd.GeoDataFrame | None,
                          farmland: gpd.GeoDataFrame | None, basic: gpd.GeoDataFrame | None,
                          admin: gpd.GeoDataFrame | None, *, as_of: datetime.date,
                          sliver_m2: float | None = None, digits: tuple[int, ...] = (6,),
                          default_code: str = "", n_jobs: int = 1,
                          known: Accountability | None = None
                          ) -> dict[int, Accountability]:
    """:func:`accountability` for units of each of ``digits`` (6: counties, 9: townships).

    The land of the year's construction patches and of the unlawful pieces is unioned
    once for all levels, and the farmland is narrowed once to the patches near it. A
    part of that land inside one unit is the same geometry at every level: its farmland
    pieces are found once.

    ``known`` is a result of an earlier call (the ``accountability_ratio`` rule's). When
    that call read the same frames (the same objects), the same ``as_of`` and sliver and
    the same unlawful pieces, its land, its farmland pieces and the levels it worked
    out are taken from it (the same figures, not worked out twice).
    """
    sliver = float(settings.sliver_m2 if sliver_m2 is None else sliver_m2)
    empty = pd.DataFrame({c: pd.Series(dtype=object if c == "admin_code" else "float64")
                          for c in COLUMNS})
    result = {d: Accountability(empty.copy()) for d in digits}
    if changes is None or (farmland is None and basic is None) or not len(changes):
        return result
    year, note = construction_changes(changes, as_of=as_of)
    ids = _change_ids(changes)
    chosen = set(ids[year].tolist())
    bad_ids, bad_geoms = _unlawful(unlawful, chosen)
    read = _read(bad_ids, bad_geoms)
    layers = (changes, farmland, basic, admin)
    work = known.work if known is not None else None
    if work is None or not work.fits(layers, as_of=as_of, sliver=sliver, unlawful=read):
        work = _work(changes, year, bad_geoms, farmland, basic, layers=layers, as_of=as_of,
                     sliver=sliver, default_code=default_code, unlawful=read)
        if work is None:
            return result
    for d in digits:
        done = work.level(d, default_code)
        if done is not None:
            result[d] = replace(done, table=done.table.copy(), notes=list(done.notes),
                                outside_ids=list(done.outside_ids))
            continue
        out = result[d]
        out.work = work
        if note:
            out.notes.append(note)
        codes, units = county_units(admin, digits=d)
        sums: dict[str, pd.Series] = {}
        for name, parts in (("new", work.new_parts), ("illegal", work.bad)):
            unit, part_geoms, whole, outside = _by_unit(
                parts, codes, units, crs=changes.crs, sliver=sliver,
                default_code=default_code, n_jobs=n_jobs)
            if name == "new":
                out.outside_m2 = outside
            left, right, area = _farm_pieces(work, name, part_geoms, whole, crs=changes.crs,
                                             sliver=sliver, n_jobs=n_jobs)
            gross = pd.Series(area, index=unit[left]).groupby(level=0).sum()
            net = pd.Series(area * work.share[right], index=unit[left]).groupby(
                level=0).sum()
            sums[f"{name}_m2"], sums[f"{name}_gross_m2"] = net, gross
        if out.outside_m2 > 0:
            out.outside_ids = _outside_ids(changes[year], ids[year], codes, units,
                                           crs=changes.crs, sliver=sliver)
        out.table = _table(sums, sliver)
        work.levels[d] = replace(out, table=out.table.copy(), notes=list(out.notes),
                                 outside_ids=list(out.outside_ids))
        if not len(units):
            work.no_units.add(d)
    for d in digits:
        result[d].work = work
    return result


def _unlawful(unlawful: gpd.GeoDataFrame | None, chosen: set[str]
              ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Return the unlawful pieces of the chosen change patches: patch ids, geometries."""
    if unlawful is None or not len(unlawful):
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    ids = np.asarray([str(i) for i in unlawful["feature_id"].tolist()], dtype=object)
    mine = np.asarray([i in chosen for i in ids.tolist()], dtype=bool)
    return ids[mine], np.asarray(unlawful.geometry.values, dtype=object)[mine]


def _read(ids: NDArray[np.object_], geoms: NDArray[np.object_]) -> list[tuple[str, bytes]]:
    """Return the unlawful pieces as (id, WKB), sorted: the same pieces in any order."""
    wkb = shapely.to_wkb(geoms) if len(geoms) else np.empty(0, dtype=object)
    return sorted(zip(ids.tolist(), [b if b is not None else b"" for b in wkb.tolist()],
                      strict=True))


def _work(changes: gpd.GeoDataFrame, year: NDArray[np.bool_], bad_geoms: NDArray[np.object_],
          farmland: gpd.GeoDataFrame | None, basic: gpd.GeoDataFrame | None, *,
          layers: tuple[Any, ...], as_of: datetime.date, sliver: float, default_code: str,
          unlawful: list[tuple[str, bytes]]) -> _Work | None:
    """Union the land, and narrow the farmland to the patches near it (None: no farmland)."""
    patches = farmland_patches(farmland, basic)
    if patches is None:
        return None
    farm_geoms, share = patches
    # Land counted once: overlapping patches (or pieces) are unioned first.
    new_parts = _parts(np.asarray(changes.geometry.values, dtype=object)[year])
    bad = _parts(bad_geoms) if len(bad_geoms) else np.empty(0, dtype=object)
    # Only farmland patches whose boxes meet the land's can give a piece: the others are
    # left out before the overlays (the same pieces, without a million box tests each).
    near = _near(farm_geoms, np.concatenate([new_parts, bad]))
    return _Work(layers, as_of, sliver, default_code, unlawful, new_parts, bad,
                 farm_geoms[near], share[near])


def _farm_pieces(work: _Work, name: str, part_geoms: NDArray[np.object_],
                 whole: NDArray[np.intp], *, crs: Any, sliver: float, n_jobs: int
                 ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Farmland pieces of ``part_geoms``: piece position, farmland position, m2.

    ``whole`` is the part each piece is whole (the same geometry), else -1; a whole
    part's pieces found before are taken as found, the others are found here.
    """
    memo = work.farm.setdefault(name, {})
    held = np.asarray([w >= 0 and w in memo for w in whole.tolist()], dtype=bool)
    todo = np.flatnonzero(~held)
    fp = pieces(part_geoms if len(todo) == len(part_geoms) else part_geoms[todo],
                work.farm_geoms, crs=crs, sliver_m2=sliver, geometry=False, n_jobs=n_jobs)
    left, right, area = todo[fp.left], fp.right, fp.area_m2
    # fp is sorted by piece: each whole part's pieces are one run of it.
    cut = np.searchsorted(fp.left, np.arange(len(todo) + 1)).tolist()
    for k, w in enumerate(whole[todo].tolist()):
        if w >= 0:
            memo[w] = (right[cut[k]:cut[k + 1]], area[cut[k]:cut[k + 1]])
    if not held.any():
        return left, right, area
    got = [memo[w] for w in whole[held].tolist()]
    count = np.asarray([len(r) for r, _ in got], dtype=np.intp)
    return (np.concatenate([left, np.repeat(np.flatnonzero(held), count)]).astype(np.intp),
            np.concatenate([right, *(r for r, _ in got)]).astype(np.intp),
            np.concatenate([area, *(a for _, a in got)]).astype(np.float64))


def _table(sums: dict[str, pd.Series], sliver: float) -> pd.DataFrame:
    """Return the ratio per unit from the sums of net and gross farmland in it."""
    index = sorted(set(sums["new_m2"].index) | set(sums["illegal_m2"].index))
    table = pd.DataFrame({"admin_code": pd.Series(index, dtype=object)})
    for column, values in sums.items():
        table[column] = values.reindex(index).fillna(0.0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(table["new_m2"] > 0, table["illegal_m2"] / table["new_m2"], np.nan)
    table["ratio"] = ratio
    table["breach"] = ((table["illegal_m2"] >= max(sliver, 1e-12))
                       & (np.nan_to_num(ratio) >= settings.accountability_ratio - 1e-12))
    return table[list(COLUMNS)]


def _near(geoms: NDArray[np.object_], land: NDArray[np.object_]) -> NDArray[np.intp]:
    """Positions of the ``geoms`` whose bounding boxes meet those of ``land``, in order."""
    if not len(geoms) or not len(land):
        return np.zeros(0, dtype=np.intp)
    hit, _ = shapely.STRtree(land).query(geoms)
    return np.unique(hit).astype(np.intp)


def _change_ids(changes: gpd.GeoDataFrame) -> NDArray[np.object_]:
    from redline.analysis.findings import feature_ids

    return np.asarray([str(i) for i in feature_ids(changes, "changes")], dtype=object)


def _parts(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Return the polygons of the union of ``geoms``: land counted once.

    The polygons of ``shapely.union_all``, unioned component by component
    (:func:`redline.analysis.dissolve.polygon_parts`).
    """
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not keep.any():
        return np.empty(0, dtype=object)
    return polygon_parts(shapely.make_valid(geoms[keep]))


def _by_unit(parts: NDArray[np.object_], codes: NDArray[np.object_],
             units: NDArray[np.object_], *, crs: Any, sliver: float, default_code: str,
             n_jobs: int
             ) -> tuple[NDArray[np.object_], NDArray[np.object_], NDArray[np.intp], float]:
    """Cut the parts by unit: each piece's unit code, the pieces, and the m2 outside all.

    Also which part each piece is whole (the part's own geometry: it lies in one unit),
    else -1.
    """
    none = np.empty(0, dtype=object)
    if not len(parts):
        return none, none, np.empty(0, dtype=np.intp), 0.0
    if not len(units):
        code = default_code[:6] if len(default_code) >= 6 else ""
        if not code:
            return none, none, np.empty(0, dtype=np.intp), 0.0
        return (np.full(len(parts), code, dtype=object), parts,
                np.arange(len(parts), dtype=np.intp), 0.0)
    up = split_by_units(parts, units, crs=crs, sliver_m2=sliver, n_jobs=n_jobs)
    inside = up.right >= 0
    outside = float(up.area_m2[~inside].sum())
    left, geoms = up.left[inside], up.geometry[inside]
    whole = np.asarray([g is parts[i] for g, i in zip(geoms.tolist(), left.tolist(),
                                                      strict=True)], dtype=bool)
    return (codes[up.right[inside]].astype(object), geoms,
            np.where(whole, left, -1).astype(np.intp), outside)


def _outside_ids(changes: gpd.GeoDataFrame, ids: NDArray[np.object_],
                 codes: NDArray[np.object_], units: NDArray[np.object_], *, crs: Any,
                 sliver: float) -> list[str]:
    up = split_by_units(np.asarray(changes.geometry.values, dtype=object), units, crs=crs,
                        sliver_m2=sliver)
    return sorted({str(ids[i]) for i in up.left[up.right < 0]})
