"""Building the findings table: one row per finding, the columns of docs/contract.md.

Every rule module returns its findings through :func:`make_findings`, so that
ids, areas, units and column order are the same whatever the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from redline.analysis.areas import ellipsoidal_area, m2_to_mu
from redline.schema import FINDING_COLUMNS, ID_FIELD, RULES

if TYPE_CHECKING:
    from numpy.typing import NDArray


def finding_id(rule: str, layer: str, feature_id: str, part: str | None = None) -> str:
    """Stable id of a finding: the same rule on the same feature gives the same id in every run.

    Examples
    --------
    >>> finding_id("idle_1y", "supply", "GD-0042")
    'idle_1y/supply/GD-0042'
    >>> finding_id("unapproved_construction", "changes", "C17", "210302")
    'unapproved_construction/changes/C17/210302'
    """
    base = f"{rule}/{layer}/{feature_id}"
    return f"{base}/{part}" if part else base


def feature_ids(frame: pd.DataFrame, role: str) -> NDArray[np.object_]:
    """Return each feature's id as text, by the one rule every output names features by.

    The id is the value of the role's id field (:data:`~redline.schema.ID_FIELD`; for a
    layer of checked features, its ``feature_id``) as text, stripped. Where the field is
    missing, or a value is missing or blank, the id is ``"<role>#<row>"``, ``row`` being
    the feature's ``_row`` (its position in the source file; its position in the frame
    when there is no ``_row``): the id the reader gives a feature it finds none for. So
    findings, the features layer, tiles and the map name a feature alike.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"approval_id": [" PZ-1 ", "", None, "PZ-4"], "_row": [0, 1, 2, 5]})
    >>> feature_ids(frame, "approvals").tolist()
    ['PZ-1', 'approvals#1', 'approvals#2', 'PZ-4']
    >>> feature_ids(frame.drop(columns=["approval_id", "_row"]), "approvals").tolist()
    ['approvals#0', 'approvals#1', 'approvals#2', 'approvals#3']
    """
    rows = frame["_row"].to_numpy() if "_row" in frame else np.arange(len(frame))
    made = np.asarray([f"{role}#{r}" for r in rows], dtype=object)
    field = next((f for f in (ID_FIELD.get(role), "feature_id")  # type: ignore[call-overload]
                  if f and f in frame), None)
    if field is None:
        return made
    ids = frame[field].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    return np.where(ids == "", made, ids)


def joined_by_group(groups: Any, labels: Any, n: int) -> NDArray[np.object_]:
    """Labels ``";"``-joined per group: first seen first, no repeats, blanks left out.

    ``groups`` (``0 <= g < n``) and ``labels`` are aligned; each label is taken as
    ``str(label)``. A group with no label gets ``""``. The same as a pandas
    ``groupby(groups).agg(lambda s: ";".join(dict.fromkeys(...)))``, without calling
    Python once per group.

    Examples
    --------
    >>> joined_by_group([2, 0, 2, 2, 0], ["b", "a", "c", "b", ""], 3).tolist()
    ['a', '', 'b;c']
    """
    out = np.full(n, "", dtype=object)
    grp = np.asarray(groups, dtype=np.intp)
    text = np.asarray([str(v) for v in labels], dtype=object)
    keep = np.flatnonzero(text != "")
    if not len(keep):
        return out
    grp, text = grp[keep], text[keep]
    codes, uniques = pd.factorize(text)
    # The first of each (group, label), kept in input order.
    _, first = np.unique(grp.astype(np.int64) * len(uniques) + codes, return_index=True)
    first.sort()
    grp, text = grp[first], text[first]
    order = np.argsort(grp, kind="stable")
    grp, text = grp[order], text[order]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    ends = np.r_[starts[1:], len(grp)]
    single = ends - starts == 1
    out[grp[starts[single]]] = text[starts[single]]
    for a, b in zip(starts[~single].tolist(), ends[~single].tolist(), strict=True):
        out[grp[a]] = ";".join(text[a:b])
    return out


def make_findings(
    records: Iterable[Mapping[str, Any]],
    *,
    crs: Any,
    area_m2: Iterable[float] | None = None,
) -> gpd.GeoDataFrame:
    """Assemble findings into a GeoDataFrame with :data:`~redline.schema.FINDING_COLUMNS`.

    Parameters
    ----------
    records
        One mapping per finding with at least ``rule``, ``layer``, ``feature_id``,
        ``message`` and ``geometry`` (the offending part, in ``crs``). Missing
        columns are filled: ``finding_id`` from rule/layer/feature_id (and
        ``part`` if given), ``severity`` from the rule's default, ``area_m2``
        as the ellipsoidal area of the geometry, ``area_mu`` from ``area_m2``.
        Extra keys are kept as extra columns after the contract's.
    crs
        CRS of the geometries.
    area_m2
        Areas to report instead of the geometry's own (for example an
        aggregate rule whose geometry is only an outline).
    """
    frame = pd.DataFrame.from_records(list(records))
    if frame.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype="float64" if c.startswith("area") else "object")
             for c in FINDING_COLUMNS},
            geometry=gpd.GeoSeries([], crs=crs),
            crs=crs,
        )
    geometry = gpd.GeoSeries(frame.pop("geometry").values, crs=crs)
    if "finding_id" not in frame:
        parts = frame["part"] if "part" in frame else pd.Series([None] * len(frame))
        frame["finding_id"] = [
            finding_id(str(r), str(la), str(f), None if pd.isna(p) else str(p))
            for r, la, f, p in zip(frame["rule"], frame["layer"], frame["feature_id"], parts,
                                   strict=True)
        ]
    frame = frame.drop(columns=["part"], errors="ignore")
    if area_m2 is not None:
        frame["area_m2"] = np.asarray(list(area_m2), dtype=np.float64)
    elif "area_m2" not in frame:
        frame["area_m2"] = ellipsoidal_area(geometry.values, crs)
    frame["area_m2"] = frame["area_m2"].astype("float64")
    frame["area_mu"] = m2_to_mu(frame["area_m2"].to_numpy())
    if "severity" not in frame:
        frame["severity"] = frame["rule"].map(RULES)
    frame["severity"] = frame["severity"].fillna(frame["rule"].map(RULES))
    for column in FINDING_COLUMNS:
        if column not in frame:
            frame[column] = ""
        elif not column.startswith("area_"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    extra = [c for c in frame.columns if c not in FINDING_COLUMNS]
    frame = frame[list(FINDING_COLUMNS) + extra]
    return gpd.GeoDataFrame(frame, geometry=geometry.values, crs=crs)


def concat_findings(parts: Iterable[gpd.GeoDataFrame], *, crs: Any) -> gpd.GeoDataFrame:
    """Concatenate findings frames from several rule modules, sorted by rule then id."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return make_findings([], crs=crs)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["rule", "finding_id"], kind="stable", ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


@dataclass
class RuleResult:
    """What a rule module returns.

    Attributes
    ----------
    findings
        From :func:`make_findings` (or :func:`concat_findings`).
    features
        One row per judged feature with columns ``layer`` and ``feature_id``
        plus the module's per-feature results (areas on farmland, uncovered
        area, built-up fraction, ...). ``redline.check`` merges these onto every
        input feature for the ``features`` output layer.
    skipped
        ``(rule, reason)`` for each rule that could not run (a layer or field missing).
    tables
        Extra tables by name (for example ``"early_warning"``, ``"by_admin"``).
    parameters
        Every threshold and setting used, recorded in run.json.
    shared
        Work a later step of the same check may reuse, written nowhere: the overlap
        rules' ``"accountability"`` (:class:`redline.analysis.accountability.Accountability`),
        whose land and farmland pieces the ledger takes instead of finding them again.
    """

    findings: gpd.GeoDataFrame
    features: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["layer", "feature_id"])
    )
    skipped: list[tuple[str, str]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
