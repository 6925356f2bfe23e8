"""What changed between two check runs: findings new, persisting or resolved.

Findings are matched by their stable ``finding_id`` (rule/layer/feature[/unit]),
so the same case found again next quarter is *persisting*, one found only now
is *new*, and one found only before is *resolved*.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd

from redline.analysis.areas import m2_to_mu

Status = Literal["new", "persisting", "resolved"]

STATUSES: Final[tuple[Status, ...]] = ("new", "persisting", "resolved")

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
        ``area_mu`` now (0 when resolved), ``area_prev_m2`` (0 when new) and
        ``status``; sorted by status, rule and id.

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"finding_id": ["a", "b"], "rule": ["r", "r"], "area_m2": [1.0, 2.0]})
    >>> before = pd.DataFrame({"finding_id": ["b", "c"], "rule": ["r", "r"], "area_m2": [2.0, 3.0]})
    >>> diff_findings(now, before)[["finding_id", "status"]].to_numpy().tolist()
    [['a', 'new'], ['b', 'persisting'], ['c', 'resolved']]
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
    merged = merged.drop(columns="_merge")
    order = merged["status"].map({s: i for i, s in enumerate(STATUSES)})
    merged = merged.assign(_o=order).sort_values(["_o", "rule", "finding_id"], kind="stable")
    return merged.drop(columns="_o").reset_index(drop=True)


def diff_by_admin(diff: pd.DataFrame, *, level: Literal["county", "township"] = "county"
                  ) -> pd.DataFrame:
    """Totals' change per admin unit: the quarter-over-quarter view.

    Returns one row per unit (the 6- or 9-digit prefix of ``admin_code``; ``""``
    for findings with none) with ``count_now``, ``count_prev``, ``count_change``,
    ``area_now_mu``, ``area_prev_mu``, ``area_change_mu`` and the number of
    findings ``new``, ``persisting`` and ``resolved``.
    """
    n = 6 if level == "county" else 9
    frame = diff.assign(
        unit=diff["admin_code"].astype(str).str.slice(0, n),
        _now=(diff["status"] != "resolved").astype(int),
        _prev=(diff["status"] != "new").astype(int),
        _a_now=m2_to_mu(diff["area_m2"].to_numpy()),
        _a_prev=m2_to_mu(diff["area_prev_m2"].to_numpy()),
    )
    for status in STATUSES:
        frame[status] = (frame["status"] == status).astype(int)
    out = frame.groupby("unit", sort=True).agg(
        count_now=("_now", "sum"), count_prev=("_prev", "sum"),
        area_now_mu=("_a_now", "sum"), area_prev_mu=("_a_prev", "sum"),
        new=("new", "sum"), persisting=("persisting", "sum"), resolved=("resolved", "sum"),
    ).reset_index().rename(columns={"unit": "admin_code"})
    out["count_change"] = out["count_now"] - out["count_prev"]
    out["area_change_mu"] = out["area_now_mu"] - out["area_prev_mu"]
    return out[["admin_code", "count_now", "count_prev", "count_change", "area_now_mu",
                "area_prev_mu", "area_change_mu", "new", "persisting", "resolved"]]
