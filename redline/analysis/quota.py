"""超计划批地: approvals beyond the construction-land quota released (``quota_overrun``).

A county's new construction land is approved against its annual plan quota
(年度新增建设用地计划指标), released in phases (分段下达, targets.csv ``released_on``).
Approving land beyond what has been released by the approval's date is 超计划批地:
《土地利用年度计划管理办法》(国土资源部令第66号, 2016) forbids approving land beyond the
plan (the article is to be verified against the current text; the 2016 measures
replaced those of 2004 and 2006). One finding per county and year: the first approval
date past the released quota, the approvals from that date on, and the largest excess
(ha) on any date, with land approved twice counted once
(:func:`redline.analysis.ledger.quota_overrun`, shared with the ledger's
``quota_over_release`` columns).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from redline import settings
from redline.analysis.findings import RuleResult, make_findings
from redline.analysis.ledger import ledger_units, quota_overrun
from redline.text import Lang, regulation, words

RULE = "quota_overrun"


def quota_findings(layers: Mapping[str, gpd.GeoDataFrame], targets: pd.DataFrame | None, *,
                   as_of: datetime.date, lang: Lang = "zh") -> RuleResult:
    """Find the counties whose approvals of the year of ``as_of`` ran past the quota released.

    Counties are the six-character prefixes of the admin codes and of the targets'
    codes; with no admin layer, every approval is the one county of the targets.
    """
    approvals = layers.get("approvals")
    admin = layers.get("admin")
    crs = next((f.crs for f in layers.values() if f is not None and f.crs is not None), None)
    skipped: list[tuple[str, str]] = []
    if targets is None or "quota_ha" not in targets:
        skipped.append((RULE, "no targets.csv with quota_ha: the quota is unknown"))
    elif approvals is None:
        skipped.append((RULE, "no approvals layer"))
    elif "approved_on" not in approvals:
        skipped.append((RULE, "approvals has no approved_on field: the approval dates are "
                              "unknown"))
    if skipped:
        return RuleResult(findings=make_findings([], crs=crs), skipped=skipped)
    assert targets is not None
    assert approvals is not None
    codes = [str(c) for c in targets["admin_code"].dropna()]
    units = ledger_units(admin, extra_codes=codes)
    counties = units.loc[units["level"] == "county", ["admin_code", "admin_name"]]
    default = counties["admin_code"].iloc[0] if len(counties) == 1 else ""
    usable = approvals
    if "_problem" in approvals:
        usable = approvals[(approvals["_problem"].astype("string").fillna("") == ""
                            ).to_numpy(dtype=bool)]
    w = words(lang)
    records = []
    for code, name in counties.itertuples(index=False, name=None):
        over = quota_overrun(usable, targets, admin, code=str(code), as_of=as_of,
                             default_code=default)
        if over is None:
            continue
        ids = ";".join(dict.fromkeys(over["approval_ids"]))
        records.append({
            "rule": RULE, "layer": "admin", "feature_id": str(code), "admin_code": str(code),
            "admin_name": str(name), "area_m2": over["excess_ha"] * settings.M2_PER_HA,
            "message": w.QUOTA_OVERRUN.format(
                county=name or code, year=as_of.year, on=over["on"].isoformat(),
                approved=over["approved_ha"], released=over["released_ha"],
                excess=over["excess_ha"], ids=ids or "-"),
            "regulation": regulation(RULE, lang), "threshold": "> quota_released_ha",
            "matched": ids, "geometry": over["geometry"],
        })
    return RuleResult(findings=make_findings(records, crs=crs),
                      parameters={"quota_overrun": "approvals of the year of as_of up to it, "
                                                   "distinct land, against the quota "
                                                   "released by each approval date"})
