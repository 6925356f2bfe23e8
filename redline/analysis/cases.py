"""Cases for the field: findings on the same land grouped into one site visit, and verdicts.

Pure frames in, frames out (the files are :mod:`redline.io.cases`):

- :func:`group_cases`: the findings of a check whose land overlaps (a shared area, not
  only a shared edge) form one case, numbered ``C0001``... by township, then largest
  first. The numbering depends on the findings alone, so a result folder's case ids are
  the same whichever rules or township are sent out.
- :func:`carry_verdicts`: a finding of this run takes the verdict of the earlier run's
  finding covering at least :data:`redline.settings.verdict_match_share` of its area
  (ids change between rounds; the land does not).
- :func:`verdict_counts` and :func:`quarter_counts`: the per-township tables of the
  summary and the report.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from redline import settings
from redline.analysis.areas import ellipsoidal_area, m2_to_mu
from redline.schema import CARRIED_COLUMNS, CLEARING_VERDICTS, VERDICT_FIELDS

#: Rules that judge a whole county, not a piece of land: never a case.
COUNTY_WIDE: Final[frozenset[str]] = frozenset({"accountability_ratio"})

#: Columns of a case, before its geometry (docs/contract.md, cases.gpkg).
CASE_COLUMNS: Final[tuple[str, ...]] = (
    "case_id", "finding_ids", "rules", "features", "admin_code", "admin_name", "severity",
    "area_m2", "area_mu", "lon", "lat", "regulation", "previous_verdict", *VERDICT_FIELDS)

#: Columns of the per-township verdict counts added to summary.csv by ``redline verdicts``.
VERDICT_COUNT_COLUMNS: Final[tuple[str, ...]] = (
    "verdict_cases", "verdict_unlawful", "verdict_rectified", "verdict_cleared",
    "verdict_other", "verdict_pending")

#: Columns of the quarter-over-quarter table (after ``redline check --previous``).
QUARTER_COLUMNS: Final[tuple[str, ...]] = ("new", "verified", "filed", "rectified")

_SEVERITY_ORDER: Final[dict[str, int]] = {"high": 0, "medium": 1, "low": 2}


def _text(values: pd.Series | np.ndarray | list[object]) -> np.ndarray:
    """Values as text, missing ones as ""."""
    series = pd.Series(values, dtype=object)
    return series.where(series.notna(), "").astype(str).to_numpy(dtype=object)


def _components(geoms: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Label each geometry with its group: geometries sharing area, or a key, are one group."""
    n = len(geoms)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    pairs: list[tuple[int, int]] = []
    if n:
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        if len(left):
            shared = shapely.area(shapely.intersection(geoms[left], geoms[right])) > 0
            pairs = [(int(a), int(b)) for a, b in zip(left[shared], right[shared], strict=True)]
        first: dict[str, int] = {}
        for i, key in enumerate(keys):  # the parts of one feature in several units
            pairs.append((first.setdefault(str(key), i), i))
        for a, b in pairs:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)], dtype=np.int64)


def _land(findings: gpd.GeoDataFrame) -> np.ndarray:
    """Mark the findings that are land: an area, and a rule that is not county-wide."""
    if findings.empty:
        return np.zeros(0, dtype=bool)
    geoms = findings.geometry.to_numpy()
    has_land = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    has_land &= shapely.area(np.where(has_land, geoms, None)) > 0
    return has_land & ~findings["rule"].isin(COUNTY_WIDE).to_numpy(dtype=bool)


def case_findings(findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the findings that are land to visit: an area, and a rule that is not county-wide."""
    return findings[_land(findings)]


def group_cases(findings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Group a check's findings into cases: one per piece of land, one site visit each.

    Findings sharing area are one case, and so are the findings of one feature (a
    patch split between two townships is one visit).

    Parameters
    ----------
    findings
        The ``findings`` of a check (geometry in its working CRS), optionally with the
        columns of :data:`redline.schema.CARRIED_COLUMNS`.

    Returns
    -------
    GeoDataFrame
        One row per case, columns :data:`CASE_COLUMNS` + geometry (the union of its
        findings' land): ``finding_ids``, ``rules`` and ``features``
        (``layer:feature_id``) ";"-joined; the township of its largest finding;
        ``area_m2``/``area_mu`` of the union on the ellipsoid (overlapping findings
        counted once); ``lon``/``lat`` of its centroid in CGCS2000 (EPSG:4490);
        ``previous_verdict`` the verdict carried to its findings (``redline check
        --previous``); the verdict fields empty.

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame({
    ...     "finding_id": ["a", "b", "c"], "rule": ["r1", "r2", "r1"],
    ...     "layer": ["changes"] * 3, "feature_id": ["1", "1", "2"],
    ...     "admin_code": ["210302001"] * 3, "admin_name": ["x"] * 3,
    ...     "area_m2": [1e4, 5e3, 1e4], "severity": ["low", "high", "low"],
    ...     "regulation": ["A", "B", "A"]},
    ...     geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 0, 100, 100),
    ...               shapely.box(500, 0, 600, 100)], crs="EPSG:4529")
    >>> frame = frame.set_geometry(frame.translate(41_500_000, 4_550_000))
    >>> cases = group_cases(frame)
    >>> cases[["case_id", "finding_ids", "severity"]].values.tolist()
    [['C0001', 'a;b', 'high'], ['C0002', 'c', 'low']]
    """
    crs = findings.crs
    land = case_findings(findings)
    if land.empty:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in CASE_COLUMNS},
                                geometry=gpd.GeoSeries([], crs=crs))
    geoms = shapely.make_valid(land.geometry.to_numpy())
    feats = np.array([f"{la}:{fid}" for la, fid in zip(
        _text(land["layer"]), _text(land["feature_id"]), strict=True)], dtype=object)
    labels = _components(geoms, feats)
    ids = _text(land["finding_id"])
    codes = _text(land["admin_code"]) if "admin_code" in land else np.full(len(land), "")
    names = _text(land["admin_name"]) if "admin_name" in land else np.full(len(land), "")
    regs = _text(land["regulation"]) if "regulation" in land else np.full(len(land), "")
    sev = _text(land["severity"]) if "severity" in land else np.full(len(land), "")
    carried = _text(land["verdict"]) if "verdict" in land else np.full(len(land), "")
    area = shapely.area(geoms)
    rows = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        biggest = idx[np.argmax(area[idx])]
        shape = shapely.simplify(shapely.union_all(geoms[idx]), 0.0)  # no collinear points
        rows.append({
            "finding_ids": ";".join(sorted(ids[idx])),
            "rules": ";".join(sorted(set(land["rule"].to_numpy()[idx].astype(str)))),
            "features": ";".join(sorted(set(feats[idx]))),
            "admin_code": codes[biggest], "admin_name": names[biggest],
            "severity": min((s for s in sev[idx]), key=lambda s: _SEVERITY_ORDER.get(s, 9)),
            "regulation": "；".join(dict.fromkeys(r for r in regs[idx] if r)),
            "previous_verdict": ";".join(sorted({v for v in carried[idx] if v})),
            "geometry": shape,
        })
    cases = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    m2 = ellipsoidal_area(cases.geometry.to_numpy(), crs)
    cases["area_m2"] = np.round(m2, 2)
    cases["area_mu"] = np.round(m2_to_mu(m2), 4)
    cases = cases.sort_values(["admin_code", "area_m2", "finding_ids"],
                              ascending=[True, False, True], ignore_index=True)
    cases["case_id"] = [f"C{i:04d}" for i in range(1, len(cases) + 1)]
    lon, lat = _lonlat(shapely.centroid(cases.geometry.to_numpy()), crs)
    cases["lon"] = np.round(lon, 7)
    cases["lat"] = np.round(lat, 7)
    for name in VERDICT_FIELDS:
        cases[name] = None
    return cases[[*CASE_COLUMNS, "geometry"]]


def _lonlat(points: np.ndarray, crs: object) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (CGCS2000) of points in ``crs``."""
    to = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4490", always_xy=True)
    x, y = shapely.get_x(points), shapely.get_y(points)
    lon, lat = to.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def carry_verdicts(findings: gpd.GeoDataFrame, previous: gpd.GeoDataFrame, *,
                   share: float | None = None) -> gpd.GeoDataFrame:
    """Give each finding the verdict of the earlier run's finding on the same land.

    Parameters
    ----------
    findings
        This run's findings.
    previous
        The earlier run's findings with their verdicts (columns ``verdict``,
        ``verdict_on``, ``case_no``: from its verdicts.csv, or carried to it in turn).
    share
        Least share of a finding's area inside an earlier finding for the two to be the
        same land; :data:`redline.settings.verdict_match_share` when None.

    Returns
    -------
    GeoDataFrame
        ``findings`` with :data:`redline.schema.CARRIED_COLUMNS`: ``previous_finding``
        the id of the earlier finding covering the largest share of it ("" when none:
        a new lead), and the verdict, its date and case number of the earlier finding
        with a verdict covering the largest share ("" when none).
    """
    share = settings.verdict_match_share if share is None else float(share)
    out = findings.copy()
    for name in CARRIED_COLUMNS:
        out[name] = ""
    if out.empty or previous.empty:
        return out
    prev = case_findings(previous).reset_index(drop=True)  # land only, not county-wide rules
    if findings.crs is not None and prev.crs is not None and prev.crs != findings.crs:
        prev = prev.to_crs(findings.crs)
    geoms = shapely.make_valid(np.where(_land(out), out.geometry.to_numpy(), None))
    pgeoms = shapely.make_valid(prev.geometry.to_numpy())
    own = shapely.area(geoms)
    left, right = shapely.STRtree(pgeoms).query(geoms, predicate="intersects")
    if not len(left):
        return out
    inter = shapely.area(shapely.intersection(geoms[left], pgeoms[right]))
    with np.errstate(divide="ignore", invalid="ignore"):
        covered = np.where(own[left] > 0, inter / own[left], 0.0)
    ok = covered >= share
    left, right, covered = left[ok], right[ok], covered[ok]
    verdict = _text(prev["verdict"]) if "verdict" in prev else np.full(len(prev), "")
    columns = {name: _text(prev[name]) if name in prev else np.full(len(prev), "")
               for name in ("verdict_on", "case_no")}
    pids = _text(prev["finding_id"])
    best_any: dict[int, tuple[float, int]] = {}
    best_judged: dict[int, tuple[float, int]] = {}
    for a_, b_, s in zip(left, right, covered, strict=True):
        a, b = int(a_), int(b_)
        if a not in best_any or (s, -b) > (best_any[a][0], -best_any[a][1]):
            best_any[a] = (float(s), b)
        if verdict[b] and (a not in best_judged
                           or (s, -b) > (best_judged[a][0], -best_judged[a][1])):
            best_judged[a] = (float(s), b)
    prev_id = np.full(len(out), "", dtype=object)
    for a, (_, b) in best_any.items():
        prev_id[a] = pids[b]
    carried: dict[str, np.ndarray] = {name: np.full(len(out), "", dtype=object)
               for name in ("verdict", "verdict_on", "case_no")}
    for a, (_, b) in best_judged.items():
        carried["verdict"][a] = verdict[b]
        carried["verdict_on"][a] = columns["verdict_on"][b]
        carried["case_no"][a] = columns["case_no"][b]
    out["previous_finding"] = prev_id
    for name, values in carried.items():
        out[name] = values
    return out


def cleared(cases: pd.DataFrame, findings: pd.DataFrame) -> np.ndarray:
    """Tell which cases were cleared before: each of their findings carries 合法 (lawful)."""
    if "verdict" not in findings or not len(cases):
        return np.zeros(len(cases), dtype=bool)
    carried = dict(zip(_text(findings["finding_id"]), _text(findings["verdict"]), strict=True))
    return np.array([all(carried.get(i, "") in CLEARING_VERDICTS for i in str(ids).split(";"))
                     for ids in cases["finding_ids"]], dtype=bool)


def _in_unit(codes: np.ndarray, unit: str) -> np.ndarray:
    return np.array([c.startswith(unit) for c in codes], dtype=bool) if unit else np.zeros(
        len(codes), dtype=bool)


def verdict_counts(cases: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Count the cases of each admin unit by verdict, for summary.csv.

    ``cases`` holds ``admin_code`` and ``verdict`` ("" or missing: not judged yet); a
    case counts in every unit whose code prefixes its own, as in
    :func:`redline.analysis.summary.summarise`. Returns ``admin_code`` +
    :data:`VERDICT_COUNT_COLUMNS`: all cases, unlawful (违法), rectified (已整改), cleared
    (合法 and 伪变化), other (其他) and pending (no verdict yet).
    """
    codes = _text(cases["admin_code"]) if len(cases) else np.array([], dtype=object)
    verdict = _text(cases["verdict"]) if len(cases) else np.array([], dtype=object)
    rows = []
    for code in _text(units["admin_code"]):
        inside = _in_unit(codes, code)
        v = verdict[inside]
        rows.append({
            "admin_code": code,
            "verdict_cases": int(inside.sum()),
            "verdict_unlawful": int((v == "违法").sum()),
            "verdict_rectified": int((v == "已整改").sum()),
            "verdict_cleared": int(np.isin(v, ["合法", "伪变化"]).sum()),
            "verdict_other": int((v == "其他").sum()),
            "verdict_pending": int((v == "").sum()),
        })
    return pd.DataFrame(rows, columns=["admin_code", *VERDICT_COUNT_COLUMNS])


def quarter_counts(findings: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Count this round's leads of each admin unit against the last round.

    ``findings`` carry :data:`redline.schema.CARRIED_COLUMNS`. Returns ``admin_code``,
    ``admin_name``, ``level`` + :data:`QUARTER_COLUMNS`: ``new`` findings on land that
    was no finding last round; ``verified`` findings on land with a field verdict;
    ``filed`` those found unlawful (违法) with a case number (立案); ``rectified`` those
    found rectified (已整改). County-wide rules are not counted.
    """
    land = findings[~findings["rule"].isin(COUNTY_WIDE).to_numpy(dtype=bool)] \
        if len(findings) else findings
    codes = _text(land["admin_code"]) if len(land) else np.array([], dtype=object)

    def col(name: str) -> np.ndarray:
        return _text(land[name]) if name in land and len(land) else np.full(len(land), "")

    prev, verdict, case_no = col("previous_finding"), col("verdict"), col("case_no")
    rows = []
    for unit in units.itertuples(index=False):
        inside = _in_unit(codes, str(unit.admin_code))
        rows.append({
            "admin_code": unit.admin_code, "admin_name": unit.admin_name, "level": unit.level,
            "new": int((inside & (prev == "")).sum()),
            "verified": int((inside & (verdict != "")).sum()),
            "filed": int((inside & (verdict == "违法") & (case_no != "")).sum()),
            "rectified": int((inside & (verdict == "已整改")).sum()),
        })
    return pd.DataFrame(rows, columns=["admin_code", "admin_name", "level", *QUARTER_COLUMNS])
