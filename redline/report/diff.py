"""What changed between two check runs: findings new, escalated, persisting or resolved.

Findings are matched by their stable ``finding_id`` (rule/layer/feature[/unit]),
so the same case found again next quarter is *persisting*, one found only now
is *new*, and one found only before is *resolved*. A finding found only now on a
feature that had a less severe finding before (``idle_1y`` -> ``idle_2y``, an
unapproved construction becoming a criminal case) is *escalated*: it names the
earlier rule, and the earlier finding, when it is gone, is folded into it rather than
shown as resolved.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd

from redline.analysis.areas import m2_to_mu
from redline.schema import RULES

Status = Literal["new", "escalated", "persisting", "resolved"]

STATUSES: Final[tuple[Status, ...]] = ("new", "escalated", "persisting", "resolved")

_SEVERITY_RANK: Final[dict[str, int]] = {"low": 1, "medium": 2, "high": 3}


def _rank(rule: object) -> int:
    """Return how severe a rule is (schema.RULES), 0 when unknown."""
    return _SEVERITY_RANK.get(str(RULES.get(str(rule), "")), 0)

_KEEP: Final[tuple[str, ...]] = (
    "finding_id", "rule", "layer", "feature_id", "admin_code", "admin_name", "area_m2",
    "severity",
)


def _table(findings: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in _KEEP if c in findings]
    out = pd.DataFrame(findings[cols]).copy()
    for c in _KEEP:
        if c not in out:
            out[c] = np.nan if c == "area_m2" else ""
    out["finding_id"] = out["finding_id"].astype(str)
    out["admin_code"] = out["admin_code"].astype("string").fillna("").astype(str)
    out["area_m2"] = pd.to_numeric(out["area_m2"], errors="coerce")
    return out.drop_duplicates("finding_id")


def diff_findings(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Mark every finding of either run as new, persisting or resolved.

    Parameters
    ----------
    current, previous
        Findings tables (``schema.FINDING_COLUMNS``; geometry ignored).

    Returns
    -------
    pandas.DataFrame
        One row per ``finding_id`` of either run: the finding's columns (from the
        current run, or the previous one for a resolved finding), ``area_m2`` and
        ``area_mu`` now (0 when resolved), ``area_prev_m2`` (0 when new), ``status``,
        ``previous_rule`` (of an escalated finding: the rule it was before) and
        ``replaced`` (an escalated finding took the place of an earlier one, no longer
        found: that one is not listed as resolved); sorted by status, rule and id.

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"finding_id": ["a", "b"], "rule": ["r", "r"], "area_m2": [1.0, 2.0]})
    >>> before = pd.DataFrame({"finding_id": ["b", "c"], "rule": ["r", "r"], "area_m2": [2.0, 3.0]})
    >>> diff_findings(now, before)[["finding_id", "status"]].to_numpy().tolist()
    [['a', 'new'], ['b', 'persisting'], ['c', 'resolved']]
    >>> now = pd.DataFrame({"finding_id": ["idle_2y/supply/S1"], "rule": ["idle_2y"],
    ...                     "layer": ["supply"], "feature_id": ["S1"], "area_m2": [9.0]})
    >>> before = now.assign(finding_id="idle_1y/supply/S1", rule="idle_1y")
    >>> diff_findings(now, before)[["status", "previous_rule"]].to_numpy().tolist()
    [['escalated', 'idle_1y']]
    """
    now, before = _table(current), _table(previous)
    merged = now.merge(before[["finding_id", "area_m2"]].rename(
        columns={"area_m2": "area_prev_m2"}), on="finding_id", how="outer", indicator=True)
    gone = (merged["_merge"] == "right_only").to_numpy(dtype=bool)
    old = before.set_index("finding_id")
    for column in _KEEP[1:]:
        if column != "area_m2":
            merged.loc[gone, column] = old.loc[merged.loc[gone, "finding_id"], column].to_numpy()
    merged["status"] = merged["_merge"].map(
        {"left_only": "new", "both": "persisting", "right_only": "resolved"}).astype(str)
    merged["area_m2"] = merged["area_m2"].astype(float).fillna(0.0)
    merged["area_prev_m2"] = merged["area_prev_m2"].astype(float).fillna(0.0)
    merged["area_mu"] = m2_to_mu(merged["area_m2"].to_numpy())
    merged = _escalations(merged.drop(columns="_merge"), before)
    order = merged["status"].map({s: i for i, s in enumerate(STATUSES)})
    merged = merged.assign(_o=order).sort_values(["_o", "rule", "finding_id"], kind="stable")
    return merged.drop(columns="_o").reset_index(drop=True)


def _escalations(merged: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Mark new findings on a feature that had a less severe finding as escalated."""
    merged = merged.assign(previous_rule="", replaced=False)
    if not len(before):
        return merged
    prior: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for fid, rule, layer, feature, area in zip(
            before["finding_id"], before["rule"], before["layer"].astype(str),
            before["feature_id"].astype(str), before["area_m2"], strict=True):
        prior.setdefault((layer, feature), []).append((str(fid), str(rule), float(area)))
    status = merged["status"].to_numpy(dtype=object).copy()
    previous = merged["previous_rule"].to_numpy(dtype=object).copy()
    replaced = merged["replaced"].to_numpy(dtype=bool).copy()
    area_prev = merged["area_prev_m2"].to_numpy(dtype=float).copy()
    resolved = set(merged.loc[merged["status"] == "resolved", "finding_id"].astype(str))
    drop: set[str] = set()
    for i in np.flatnonzero(status == "new"):
        row = merged.iloc[i]
        earlier = [p for p in prior.get((str(row["layer"]), str(row["feature_id"])), [])
                   if _rank(p[1]) < _rank(row["rule"]) and p[0] not in drop]
        if not earlier:
            continue
        fid, rule, area = max(earlier, key=lambda p: (_rank(p[1]), p[0]))
        status[i], previous[i] = "escalated", rule
        if fid in resolved:  # it took the earlier finding's place
            drop.add(fid)
            replaced[i], area_prev[i] = True, area
    merged = merged.assign(status=status, previous_rule=previous, replaced=replaced,
                           area_prev_m2=area_prev)
    return merged[~merged["finding_id"].isin(drop).to_numpy(dtype=bool)]


def diff_by_admin(diff: pd.DataFrame, *, level: Literal["county", "township"] = "county"
                  ) -> pd.DataFrame:
    """Totals' change per admin unit: the quarter-over-quarter view.

    Returns one row per unit (the 6- or 9-digit prefix of ``admin_code``; ``""``
    for findings with none) with ``count_now``, ``count_prev``, ``count_change``,
    ``area_now_mu``, ``area_prev_mu``, ``area_change_mu`` and the number of
    findings ``new``, ``escalated``, ``persisting`` and ``resolved`` (an escalated
    finding that took an earlier one's place counts then and now).
    """
    n = 6 if level == "county" else 9
    replaced = diff["replaced"].astype(bool) if "replaced" in diff else False
    frame = diff.assign(
        unit=diff["admin_code"].astype(str).str.slice(0, n),
        _now=(diff["status"] != "resolved").astype(int),
        _prev=(~diff["status"].isin(["new", "escalated"]) | replaced).astype(int),
        _a_now=m2_to_mu(diff["area_m2"].to_numpy()),
        _a_prev=m2_to_mu(diff["area_prev_m2"].to_numpy()),
    )
    for status in STATUSES:
        frame[status] = (frame["status"] == status).astype(int)
    out = frame.groupby("unit", sort=True).agg(
        count_now=("_now", "sum"), count_prev=("_prev", "sum"),
        area_now_mu=("_a_now", "sum"), area_prev_mu=("_a_prev", "sum"),
        new=("new", "sum"), escalated=("escalated", "sum"), persisting=("persisting", "sum"),
        resolved=("resolved", "sum"),
    ).reset_index().rename(columns={"unit": "admin_code"})
    out["count_change"] = out["count_now"] - out["count_prev"]
    out["area_change_mu"] = out["area_now_mu"] - out["area_prev_mu"]
    return out[["admin_code", "count_now", "count_prev", "count_change", "area_now_mu",
                "area_prev_mu", "area_change_mu", "new", "escalated", "persisting",
                "resolved"]]
