"""English: the words of every table, map, report and message.

The same names as :mod:`redline.text.zh`, with the same keys and the same ``{fields}``
in each template (``tests/test_text.py`` holds them to it).
"""

from __future__ import annotations

from typing import Final

# --- names of things ----------------------------------------------------------------

#: Rule code -> its name.
RULE_NAMES: Final[dict[str, str]] = {
    "basic_farmland_encroachment": "Basic farmland encroachment",
    "supply_without_approval": "Supply without approval",
    "unapproved_construction": "Unapproved construction",
    "idle_1y": "Idle one year",
    "idle_2y": "Idle two years",
    "approved_not_supplied": "Approved, not supplied",
    "allocation_misuse": "Allocation outside the catalogue",
    "industrial_negotiated": "Industrial land sold by negotiation",
    "commercial_negotiated": "Commercial land sold by negotiation",
    "late_start": "Late start",
    "industrial_standard": "Industrial land below standards",
    "evidence_mismatch": "Record and imagery disagree",
    "criminal_threshold": "Suspected criminal threshold",
    "accountability_ratio": "Accountability ratio reached",
    "unauthorized_approval": "Unauthorised approval of basic farmland",
    "farmland_loss": "Farmland turned to other use",
    "facility_agriculture": "Facility farmland: check its filing",
    "quota_overrun": "Approved beyond the quota",
}

#: Severity code -> its name.
SEVERITY_NAMES: Final[dict[str, str]] = {"high": "high", "medium": "medium", "low": "low"}

#: Layer role -> its name.
LAYER_NAMES: Final[dict[str, str]] = {
    "admin": "Admin units",
    "farmland": "Farmland",
    "basic_farmland": "Basic farmland",
    "approvals": "Approvals",
    "supply": "Supply",
    "changes": "Change patches",
    "supplement": "Supplement projects",
}

#: Column -> its header (findings, features, summary).
HEADERS: Final[dict[str, str]] = {
    "finding_id": "Finding id",
    "rule": "Rule",
    "rule_name": "Finding type",
    "layer": "Layer",
    "feature_id": "Feature id",
    "admin_code": "Admin code",
    "admin_name": "Admin name",
    "level": "Level",
    "area_m2": "Area (m2)",
    "area_mu": "Area (mu)",
    "area_ha": "Area (ha)",
    "severity": "Severity",
    "message": "Explanation",
    "regulation": "Regulation",
    "threshold": "Threshold",
    "matched": "Matched features",
    "status": "Status",
    "rules": "Rules",
    "reason": "Why not judged",
    "findings_count": "Findings",
    "summed_ids": "Patches summed",
    "summed_by": "Summed by",
    "authority_level": "Authority level",
    "land_kind": "Current land kind",
    "unjudged_m2": "Area not judged (m2)",
    "unjudged_reason": "Why part was not judged",
    "findings_m2": "Land in findings, counted once (m2)",
    "findings_mu": "Land in findings, counted once (mu)",
}

#: Ledger column -> its header (summary.csv columns of the county ledger).
LEDGER_HEADERS: Final[dict[str, str]] = {
    "farmland_ha": "Farmland now, net (ha)",
    "farmland_gross_ha": "Farmland now, gross (ha)",
    "farmland_target_ha": "Farmland target (ha)",
    "farmland_margin_ha": "Farmland margin, net (ha, <0 shortfall)",
    "basic_farmland_ha": "Basic farmland now, net (ha)",
    "basic_farmland_gross_ha": "Basic farmland now, gross (ha)",
    "basic_farmland_target_ha": "Basic farmland target (ha)",
    "basic_farmland_margin_ha": "Basic farmland margin, net (ha, <0 shortfall)",
    "quota_ha": "Annual quota (ha)",
    "quota_released_ha": "Quota released (ha)",
    "approved_ha": "Approved this year (ha)",
    "quota_used_share": "Quota used share",
    "quota_remaining_ha": "Quota remaining (ha)",
    "quota_over_release": "Approved beyond release",
    "quota_over_release_on": "First approval beyond release",
    "occupied_farmland_ha": "Farmland occupied by approvals, net (ha)",
    "occupied_farmland_gross_ha": "Farmland occupied by approvals, gross (ha)",
    "occupied_paddy_ha": "of which paddy, net (ha)",
    "occupied_grade": "Mean grade occupied",
    "added_farmland_ha": "Farmland added (ha)",
    "added_paddy_ha": "Paddy added (ha)",
    "added_grade": "Mean grade added",
    "balance_ha": "Quantity balance (ha)",
    "paddy_balance_ha": "Paddy balance (ha)",
    "grade_balance": "Grade balance (<0 added is worse)",
    "illegal_farmland_ha": "Farmland occupied illegally, net (ha)",
    "illegal_farmland_gross_ha": "Farmland occupied illegally, gross (ha)",
    "new_occupied_farmland_ha": "Farmland in new construction, net (ha)",
    "illegal_share": "Illegal share",
    "accountability_breach": "Accountability ratio reached (15%)",
    "findings_high_count": "High-severity findings",
    "criminal_cases": "Cases at criminal threshold",
    "largest_case": "Largest case",
    "largest_case_mu": "Largest case (mu)",
    "supplied_ha": "Supplied (ha)",
    "approved_total_ha": "Approved, all years (ha)",
    "unsupplied_ha": "Approved not supplied (ha)",
    "supply_rate": "Supply rate",
    "idle_ha": "Idle land (ha)",
    "idle_share": "Idle share",
    "score": "Score (0-100, higher is better)",
    "rank": "Rank",
    "demand_next_ha": "Next year's demand (ha)",
    "demand_low_ha": "Demand, low (ha)",
    "demand_high_ha": "Demand, high (ha)",
    "demand_quota_gap_ha": "Demand minus this year's quota (ha)",
    "demand_by_use": "Demand by land use (ha)",
    "demand_method": "Forecast method",
}

#: Canonical field -> its label (map popups).
FIELD_NAMES: Final[dict[str, str]] = {
    "admin_code": "Admin code",
    "admin_name": "Admin name",
    "feature_id": "Feature id",
    "land_code": "Land-use code",
    "approval_id": "Approval id",
    "approved_on": "Approved on",
    "authority": "Authority",
    "basic_farmland_approved": "Basic farmland approved",
    "supply_id": "Supply id",
    "supply_method": "Supply method",
    "land_use": "Land use",
    "contract_on": "Contract date",
    "start_agreed_on": "Agreed start",
    "started_on": "Started on",
    "price": "Price",
    "invest_total": "Total investment",
    "invest_done": "Investment done",
    "built_area_ratio": "Built area ratio",
    "delay_cause": "Delay cause",
    "stopped_on": "Stopped on",
    "purpose": "Purpose",
    "land_grade": "Land grade",
    "invest_intensity": "Investment intensity (10k yuan/ha)",
    "unit_price": "Price per m2 (yuan)",
    "change_id": "Change id",
    "detected_on": "Detected on",
    "party": "Party",
    "project_id": "Project id",
    "farmland_added": "Farmland added",
    "paddy_added": "Paddy added",
    "grade": "Grade",
    "completed_on": "Completed on",
    # Net farmland fields (analysis/farmland.py).
    "gross_area": "Patch area (m2)",
    "deduction_share": "Deduction share",
    "deduction_area": "Deducted area (m2)",
    "net_area": "Land-class area (m2)",
}

#: Header of a per-rule summary column, by the column's suffix (``idle_1y_count``).
RULE_COLUMN: Final[str] = "{rule}: {what}"
RULE_COLUMN_SUFFIXES: Final[dict[str, str]] = {
    "_count": "count", "_m2": "m2", "_mu": "mu", "_ha": "ha",
}

# --- regulations ----------------------------------------------------------------------

#: Rule code -> the regulation it enforces, as a finding quotes it.
REGULATIONS: Final[dict[str, str]] = {
    "basic_farmland_encroachment": (
        "Land Administration Law (2019) Art. 35, 44, 46: converting or expropriating permanent "
        "basic farmland needs State Council approval"
    ),
    "unauthorized_approval": (
        "Land Administration Law (2019) Art. 44, 46 (permanent basic farmland: State Council "
        "only), Art. 79 (an approval beyond the approver's power is void); Criminal Law "
        "Art. 410; 法释〔2000〕14号 Art. 4 (unlawfully approving >= 10 mu of basic farmland is "
        "serious; to be verified)"
    ),
    "supply_without_approval": (
        "Land Administration Law (2019) Art. 44: farmland must be approved for conversion "
        "before it is supplied for construction (an approval given later does not undo the "
        "supply without one)"
    ),
    "unapproved_construction": (
        "Land Administration Law (2019) Art. 44, 77: land occupied without approval (satellite "
        "enforcement; an approval given after detection is built-then-approved, unapproved "
        "when detected)"
    ),
    "farmland_loss": (
        "Land Administration Law (2019) Art. 37; Implementing Regulation (2021) Art. 51: "
        "orchards and fish ponds on permanent basic farmland are forbidden; farmland turned to "
        "other agricultural use must be balanced (自然资发〔2021〕166号, to be verified)"
    ),
    "facility_agriculture": (
        "自然资规〔2019〕4号 (facility agricultural land): agricultural land, under filing "
        "(备案); not a finding of a violation"
    ),
    "criminal_threshold": (
        "Criminal Law Art. 342; 法释〔2000〕14号 Art. 3 (basic farmland >= 5 mu or other "
        "farmland >= 10 mu occupied for non-agricultural construction and seriously damaged), "
        "Art. 9 (acts within one year not yet dealt with are summed) (to be verified)"
    ),
    "accountability_ratio": (
        "Measures on sanctions for violations of land regulations (MOS/MOHRSS/MLR Order No. 15) "
        "Art. 3"
    ),
    "idle_1y": "闲置土地处置办法 (MLR Order 53, 2012) Art. 2, 8, 14",
    "idle_2y": "闲置土地处置办法 (MLR Order 53, 2012) Art. 2, 8, 14",
    "approved_not_supplied": "approved land not supplied (批而未供), age threshold from settings",
    "allocation_misuse": (
        "Civil Code Art. 347; Land Administration Law Art. 54; 划拨用地目录 (MLR Order 9, 2001)"
    ),
    "commercial_negotiated": (
        "招标拍卖挂牌出让国有土地使用权规定 (MLR Order 11, 2002) Art. 4; Civil Code Art. 347"
    ),
    "industrial_negotiated": (
        "国发〔2006〕31号; 国土资发〔2007〕78号; 招标拍卖挂牌出让国有建设用地使用权规定 "
        "(MLR Order 39, 2007) Art. 4; Civil Code Art. 347"
    ),
    "late_start": (
        "model land sale contract GF-2008-2601 Art. 16 (start date) and its late-start penalty"
    ),
    "industrial_standard": (
        "工业项目建设用地控制指标 (国土资发〔2008〕24号); 全国工业用地出让最低价标准 "
        "(国土资发〔2006〕307号)"
    ),
    "evidence_mismatch": "data quality (imagery vs record)",
    "quota_overrun": (
        "Measures on annual land-use plans (国土资源部令第66号, 2016): no new construction "
        "land may be approved beyond the plan (article to be verified)"
    ),
}
#: Quoted beside the 2012 measures when an idle clock starts from the contract date.
REGULATION_IDLE_1999: Final[str] = "闲置土地处置办法 (1999) Art. 2"

# --- messages of the overlap rules (redline.analysis.rules) ---------------------------

#: An area: ``m2`` in square metres, ``mu`` in mu.
AREA: Final[str] = "{m2:,.1f} m2 ({mu:,.2f} mu)"
#: The sliver threshold, closing an overlap rule's message.
SLIVER_NOTE: Final[str] = "; threshold: sliver >= {sliver:g} m2."
#: Layer of a parcel -> the word naming its kind.
PARCEL_KINDS: Final[dict[str, str]] = {"approvals": "Approved", "supply": "Supplied"}
BASIC_FARMLAND_ENCROACHMENT: Final[str] = (
    "{kind} parcel {id} overlaps permanent basic farmland by {area} (patches {patches}) not "
    "covered by any State Council approval of basic farmland{partly}{late}{unjudged}{note}"
)
#: Approvals that cover part of the basic farmland taken.
BASIC_FARMLAND_PARTLY: Final[str] = " (approvals {ids} cover only part)"
SUPPLY_WITHOUT_APPROVAL: Final[str] = (
    "Supplied parcel {id} includes {area} of farmland no approval covered when the contract "
    "was signed (supplied before approval){cover}{late}{void}{unjudged}; parcel area "
    "{parcel_area}{note}"
)
#: Approvals that cover part of a supplied parcel; none.
SUPPLY_PARTLY: Final[str] = "; approvals {ids} cover only part"
SUPPLY_UNCOVERED: Final[str] = ""
#: Approvals given after the supply contract: 补办.
SUPPLY_LATE: Final[str] = (
    "; approvals {approvals} were given after the contract (approved after supply, 补办)"
)
#: Approvals by a government that may not take permanent basic farmland.
VOID_BASIC: Final[str] = (
    "; approvals {ids} are not the State Council's and cannot make the basic farmland lawful"
)
#: Part of a parcel that could not be judged (an approval without geometry, date...).
PART_NOT_JUDGED: Final[str] = (
    "; {area} more could not be judged for want of approval data (see the features layer)"
)
UNAPPROVED_CONSTRUCTION: Final[str] = (
    "Change patch {id}{part} has {area} that no approval covered when it was detected: basic "
    "farmland {basic}, other farmland {farmland}, other land {other}{late}{void}{supplied}"
    "{covered}{nearest}{unjudged}{note}"
)
#: The part of a change patch in one admin unit, when it crosses a line.
UNAPPROVED_PART: Final[str] = " (its part in {code})"
UNAPPROVED_COVERED: Final[str] = "; partly covered by {ids}"
UNAPPROVED_NEAREST: Final[str] = "; nearest approval touching it: {id}"
#: Approvals given after the detection: 先建后批.
UNAPPROVED_LATE: Final[str] = (
    "; approvals {approvals} were given after the detection on {detected} (built before "
    "approval, 先建后批: unapproved when detected)"
)
#: Supply parcels on the unlawful part.
UNAPPROVED_SUPPLIED: Final[str] = (
    "; supplied as {ids}, but a supply contract is no conversion approval"
)
UNAUTHORIZED_APPROVAL: Final[str] = (
    "Approval {id} (authority: {authority}, {level}) takes {area} of permanent basic farmland "
    "(patches {patches}), which only the State Council may approve: an approval beyond its "
    "power, void, and the land stays unlawfully occupied{crime}{note}"
)
#: An unauthorised approval over the criminal threshold of 法释〔2000〕14号 Art. 4.
UNAUTHORIZED_CRIME: Final[str] = (
    "; >= {limit:g} mu of basic farmland unlawfully approved: a suspected crime of unlawful "
    "approval, to be verified"
)
#: The thresholds of ``unauthorized_approval``.
UNAUTHORIZED_LIMITS: Final[str] = (
    ">= {sliver:g} m2; >= {limit:g} mu a suspected crime (法释〔2000〕14号 Art. 4)"
)
#: Level of an approving authority -> its name.
AUTHORITY_LEVELS: Final[dict[str, str]] = {
    "state_council": "State Council", "entrusted": "a province entrusted by the State Council",
    "province": "a provincial government", "city": "a city government",
    "county": "a county government",
}
FARMLAND_LOSS: Final[str] = (
    "Change patch {id} is now {code} and takes {area} of farmland (basic farmland {basic}, "
    "other farmland {farmland}): farmland turned to other agricultural or natural use, not "
    "construction; orchards and fish ponds on permanent basic farmland are forbidden: check, "
    "restore or balance it{on_basic}{note}"
)
FACILITY_AGRICULTURE: Final[str] = (
    "Change patch {id} is now {code} (facility agricultural land) on {area} of farmland "
    "(basic farmland {basic}, other farmland {farmland}): such land is agricultural and filed "
    "(备案); check its filing and size{on_basic}; a list to check, not a violation{note}"
)
#: A facility on permanent basic farmland.
FACILITY_ON_BASIC: Final[str] = (
    "; facilities may not, as a rule, take permanent basic farmland: check it first"
)
CRIMINAL_THRESHOLD: Final[str] = (
    "Change patches {ids}{summed} are suspected of illegally occupying {basic_mu:,.2f} mu of "
    "basic farmland and {farmland_mu:,.2f} mu of other farmland for non-agricultural "
    "construction, reaching the large-quantity threshold ({threshold}). A satellite lead: a "
    "field check must first confirm unapproved non-agricultural construction and the damage "
    "to the farmland before any referral for prosecution."
)
#: How pieces were added up for ``criminal_threshold``.
CRIMINAL_SUMMED: Final[str] = " ({how}: {n} summed)"
CRIMINAL_SITE: Final[str] = "touching, one site detected together"
CRIMINAL_PARTY: Final[str] = "one party, {party}, within {years} year(s)"
#: The thresholds, in mu, of ``criminal_threshold``.
CRIMINAL_LIMITS: Final[str] = (
    "basic farmland >= {basic_mu:g} mu, other farmland >= {farmland_mu:g} mu"
)
#: Ids listed in a message are joined by this.
ID_JOIN: Final[str] = ", "
ACCOUNTABILITY_RATIO: Final[str] = (
    "County {county}: {illegal} of farmland illegally occupied in {year} is {ratio:.1%} of the "
    "{total} of farmland in the year's new construction change patches (lawful {approved} + "
    "illegal; net farmland), reaching the {limit} accountability ratio."
)

#: 超计划批地 (redline.analysis.quota).
QUOTA_OVERRUN: Final[str] = (
    "County {county}: by {on}, {approved:,.4f} ha of new construction land was approved in "
    "{year} (land approved twice counted once), past the {released:,.4f} ha of quota "
    "released by then; the most it ran past was {excess:,.4f} ha (超计划批地). Approvals "
    "from that date: {ids}."
)

# --- messages of the supply rules (redline.analysis.supply) ---------------------------

#: Parts of a message are joined by this.
PARTS_JOIN: Final[str] = "; "
#: The regulation, closing a supply rule's message.
CITE: Final[str] = "{regulation}"
#: Full years an idle rule waits (its threshold).
IDLE_YEARS: Final[str] = "{years} full years"
#: Started, but under the shares of the measures: each share and its limit.
IDLE_UNDER_BUILT: Final[str] = "developed share {ratio:.0%} under 1/3"
IDLE_UNDER_INVEST: Final[str] = "investment share {share:.0%} under {limit:.0%}"
IDLE_UNDER_JOIN: Final[str] = " and "
IDLE_STALLED: Final[str] = (
    "started on {started} but {under}; stopped on {stopped}, {years} full year(s) before {today}"
)
IDLE_NOT_STARTED: Final[str] = (
    "not started {years} full year(s) after {start} ({days:.0f} days to {today})"
)
IDLE_BY_CONTRACT: Final[str] = (
    "no agreed start date: counted from the contract date {contract}, as the 1999 measures did "
    "(Art. 2: idle one full year after the contract takes effect)"
)
IDLE_RECLAIM: Final[str] = "two full years: the land is reclaimed without compensation"
IDLE_FEE: Final[str] = (
    "idle fee {share:.0%} of the land price: {price:,.2f} x {share:.0%} = {fee:,.2f} (price units)"
)
IDLE_FEE_NO_PRICE: Final[str] = "idle fee {share:.0%} of the land price (price not recorded)"
IDLE_BUILT: Final[str] = "imagery built-up fraction {built:.0%}"
IDLE_NO_EVIDENCE: Final[str] = "imagery gives no value ({problem})"
MISMATCH_STARTED: Final[str] = (
    "recorded as started on {started}, imagery shows almost no construction (built-up "
    "{built:.0%} <= {low:.0%}): field check"
)
MISMATCH_NOT_STARTED: Final[str] = (
    "record says not started, imagery shows construction (built-up {built:.0%} >= {high:.0%}): "
    "check the start record"
)
LATE_START: Final[str] = (
    "agreed to start by {agreed}; still not started {days} days late at {today} (under a full "
    "year: not yet idle): a breach of the contract's start date, with the contract's "
    "late-start penalty"
)
#: The threshold of a late start.
LATE_THRESHOLD: Final[str] = ">= 1 day late, under 1 full year"
ALLOCATION_MISUSE: Final[str] = (
    "land for use {use} supplied by allocation (划拨): the use is not in the allocation "
    "catalogue and must be paid for{note}"
)
#: Housing land allocated: the kinds that may be.
ALLOCATION_HOUSING_NOTE: Final[str] = (
    "; affordable (经济适用住房), low-rent (廉租住房) and public rental (公共租赁住房) housing may "
    "be allocated: if it is one, say so in purpose"
)
#: Industrial land allocated: the catalogue's energy and infrastructure items.
ALLOCATION_INDUSTRY_NOTE: Final[str] = (
    "; energy, transport and water infrastructure the state supports (power plants, ...) may "
    "be allocated under the catalogue: check"
)
COMMERCIAL_NEGOTIATED: Final[str] = (
    "commercial land (use {use}) sold by negotiation on {day}; since {since} commercial, "
    "tourism, entertainment and commodity housing land must go by tender, auction or "
    "listing{note}"
)
#: A commercial contract up to the 2004 deadline for old agreements.
COMMERCIAL_OLD_AGREEMENT: Final[str] = (
    "; agreements signed before {since} had to be settled by {until}: check whether this is one"
)
#: A commercial contract after the deadline.
COMMERCIAL_NO_OLD_AGREEMENT: Final[str] = (
    "; after {until} no old agreement justifies a negotiated sale"
)
INDUSTRIAL_NEGOTIATED: Final[str] = (
    "industrial land sold by negotiation on {day}; since 国发〔2006〕31号 ({since}) it must go "
    "by tender, auction or listing{note}"
)
#: An industrial contract in the transition of 国土资发〔2007〕78号.
INDUSTRIAL_TRANSITION: Final[str] = (
    "; transition of 国土资发〔2007〕78号: a project whose investment agreement fixing site and "
    "price predates 国发〔2006〕31号, with conversion and expropriation approved or under way, "
    "could sign a negotiated contract until {until}: check whether this is one"
)
INDUSTRIAL_STANDARD: Final[str] = (
    "industrial land outside the indicators: {items}; table: {table}"
)
#: One failed indicator: its name, value, comparison, limit, unit and the row used.
STANDARD_ITEM: Final[str] = "{name} {value} {op} {limit}{unit}{detail}"
#: Industrial indicator -> its name.
INDICATOR_NAMES: Final[dict[str, str]] = {
    "plot_ratio": "plot_ratio", "building_coefficient": "building_coefficient",
    "green_ratio": "green_ratio", "office_share": "office_share",
    "invest_intensity": "invest_intensity", "unit_price": "unit_price",
}
#: Units of the indicators that have one.
UNITS: Final[dict[str, str]] = {"invest_intensity": " 10k yuan/ha", "unit_price": " yuan/m2"}
#: The industry whose minimum plot ratio applies.
PLOT_RATIO_INDUSTRY: Final[str] = " (industry: {industry})"
#: The row of the investment-intensity table used.
INVEST_DETAIL: Final[str] = " (industry: {industry}; land grade {grade}, region class {region})"
#: The land grade of the minimum price used.
PRICE_DETAIL: Final[str] = " (land grade {grade})"
#: A limit whose figure is not confirmed against the document.
UNCONFIRMED_LIMIT: Final[str] = " (limit not confirmed against the document)"
#: A site's own table, as a finding names it.
SITE_TABLE: Final[str] = "site table {path}"
#: The threshold of industrial_standard: the tables its limits came from.
STANDARD_THRESHOLD: Final[str] = "indicators {table}; minimum prices {prices}"
APPROVED_NOT_SUPPLIED: Final[str] = (
    "approved on {approved}, {years} full years ago (threshold {limit}); {m2:,.1f} m2 "
    "({mu:,.2f} mu) still not supplied; supply rate {rate:.1%}; {regulation}"
)

# --- the inspection report (redline.report.html) ------------------------------------

#: Words of the inspection report, by what they name.
REPORT: Final[dict[str, str]] = {
    "title": "Farmland red-line inspection report",
    "dataset": "Dataset",
    "as_of": "As of",
    "version": "Version",
    "status": "Run status",
    "overview": "1. Findings overview",
    "total": "Findings in total",
    "count": "Count",
    "total_area": "Land in findings, counted once (mu)",
    "rule_area_note": (
        "Areas per rule are each rule's own land counted once; rules overlap (a criminal "
        "case lies inside its unapproved construction, an approval and its supply on the "
        "same basic farmland), so they do not add up to the total."
    ),
    "escalated": "Escalated",
    "previous_rule": "Previous rule",
    "by_rule": "By rule",
    "by_unit": "2. By admin unit",
    "targets": "3. Farmland and basic farmland targets",
    "quota": "4. Construction-land quota use",
    "balance": "5. Farmland balance (occupied vs added)",
    "violations": "6. Violations and the 15% accountability ratio",
    "ranking": "7. County ranking",
    "ranking_note": (
        "Score = 100 x the mean of four parts, each 0-1 with 1 best: target attainment (net "
        "farmland against its target; 0 at a 10% shortfall), lawful share (1 - illegal "
        "share / 15%), supply rate (land approved that is supplied) and cases (1 / (1 + "
        "high-severity findings)); a part that cannot be known is left out. Higher is "
        "better; ties go to the lower illegal share, then the higher supply rate, then the "
        "admin code."
    ),
    "forecast": "8. Next year's construction-land demand",
    "forecast_note": (
        "The mean of the last three complete years of land approved (each year's land "
        "counted once), by land use where the approvals give it; the band is the smallest "
        "and largest of those years. Planned projects for next year (redline.toml "
        "[forecast] planned_ha), when given, are the forecast. Set against this year's "
        "quota: a positive gap means next year needs more than this year was allowed."
    ),
    "cases": "9. Major cases (criminal, accountability, basic farmland first)",
    "changes": "10. Change since the previous run",
    "previous": "Previous run",
    "params": "Appendix: run parameters",
    "inputs": "Inputs",
    "skipped": "Checks not run",
    "no_ledger": "This output holds no ledger figures.",
    "none": "none",
    "yes": "yes",
    "no": "no",
    "ha": "ha",
    "mu": "mu",
    "new": "new",
    "persisting": "persisting",
    "resolved": "resolved",
    "count_now": "Count now",
    "count_prev": "Count before",
    "count_change": "Count change",
    "area_now_mu": "Area now (mu)",
    "area_prev_mu": "Area before (mu)",
    "area_change_mu": "Area change (mu)",
    "now": "now",
    "target": "target",
    "farmland": "Farmland",
    "basic": "Basic farmland",
    "parameter": "Parameter",
    "value": "Value",
    "no_geometry": "(no geometry)",
    "rank_n": "No.",
}

#: Admin level -> its name.
LEVEL_NAMES: Final[dict[str, str]] = {
    "county": "county",
    "township": "township",
    "village": "village",
}

#: Title of the overview image of the findings.
OVERVIEW_TITLE: Final[str] = "Overview of findings"

#: Words of the report's charts.
CHARTS: Final[dict[str, str]] = {
    "no_data": "no data",
    "by_rule": "Findings by rule",
    "count": "count",
    "mu": "mu",
}

# --- the map (redline.report.map) -----------------------------------------------------

#: Title of a dataset's map page.
MAP_TITLE: Final[str] = "{name} · Farmland red line map"

#: The layer of one rule's findings.
MAP_RULE_LAYER: Final[str] = "Findings: {rule}"
#: A yes/no value in a popup.
YES_NO: Final[tuple[str, str]] = ("yes", "no")

#: Words of the map page's controls, legend and popups.
MAP: Final[dict[str, str]] = {
    "title": "Farmland red line inspection map",
    "findings": "Findings",
    "layers": "Layers",
    "severity": "Severity (outline)",
    "raster": "[drawn as image]",
    "bulk": "[an image until zoomed in]",
    "search": "Search parcel or finding id",
    "no_match": "No match",
    "fullscreen": "Full screen",
    "measure": "Measure distance and area",
    "measure_hint": "Click on the map to measure",
    "distance": "Distance",
    "area": "Area",
    "mu": "mu",
    "id": "Id",
    "problem": "Why not judged",
    "note": "Note",
}

# --- findings.xlsx -------------------------------------------------------------------

#: Table -> the name of its sheet.
SHEETS: Final[dict[str, str]] = {
    "findings": "Findings",
    "summary": "Summary",
    "early_warning": "Early warning",
    "excused": "Excused delays",
    "supply_rate": "Supply rate",
    "by_admin": "By admin unit",
}

# --- a batch's roll-up (redline.tools.batch) -------------------------------------------

#: The row of totals in a batch's summary.csv.
TOTAL: Final[str] = "Total"

#: Words of a batch's overview page.
BATCH_MAP: Final[dict[str, str]] = {
    "title": "Land inspection of the counties",
    "as_of": "checked as of {date}",
    "made": "made on {date}",
    "counties": "Counties",
    "figure": "Figure shown",
    "illegal_share": "Violation ratio",
    "findings_high_count": "High-severity findings",
    "findings": "Findings",
    "idle_ha": "Idle land (ha)",
    "farmland_margin_ha": "Farmland against target (ha)",
    "quota_used_share": "Quota used",
    "ha": "ha",
    "all": "all",
    "none": "no data",
    "table": "Counties ranked",
    "order": "#",
    "county": "County",
    "status": "Status",
    "rank": "Rank (score)",
    "pages": "Pages",
    "map_link": "map",
    "report_link": "report",
    "fullscreen": "Full screen",
}

# --- the inspection loop (redline fieldwork / verdicts / check --previous) -------------

#: Headers of the columns of a case (cases.gpkg, checklist.xlsx, dossier.html).
CASE_HEADERS: Final[dict[str, str]] = {
    "case_id": "Case",
    "finding_ids": "Findings",
    "rules": "Rules",
    "features": "Features",
    "admin_code": "Admin code",
    "admin_name": "Township",
    "severity": "Severity",
    "area_m2": "Area (m2)",
    "area_mu": "Area (mu)",
    "lon": "Longitude",
    "lat": "Latitude",
    "regulation": "Regulation",
    "previous_verdict": "Earlier verdict",
    "verdict": "Verdict",
    "case_no": "Case no. (filed)",
    "checked_by": "Checked by",
    "checked_on": "Checked on",
    "note": "Note",
    "photo": "Photo",
}

#: Each verdict (as written in the files) in words.
VERDICT_NAMES: Final[dict[str, str]] = {
    "合法": "lawful", "违法": "unlawful", "伪变化": "false change", "已整改": "rectified",
    "其他": "other",
}

#: Words of the field files and the dossier.
FIELDWORK: Final[dict[str, str]] = {
    "checklist_sheet": "Checklist",
    "kml_title": "Cases for field inspection: {name}",
    "dossier_title": "Field inspection dossier: {name}",
    "case": "Case {case_id}",
    "of": "{n} of {total}",
    "map": "Map of the case and what surrounds it",
    "points": "Boundary points (X northing, Y easting, {crs})",
    "point": "Point",
    "areas": "{m2:,.1f} m2 ({mu:,.2f} mu)",
    "ids": "Findings and features",
    "regulation": "Regulation",
    "messages": "What was found",
    "verdict_box": "Field verdict (fill in on site)",
    "verdict_choices": "Lawful / Unlawful / False change / Rectified / Other",
    "signature": "Inspector, date",
    "legend_case": "case",
    "legend_basic_farmland": "basic farmland",
    "legend_approvals": "approvals",
    "legend_supply": "supply",
    "legend_changes": "change patches",
    "legend_evidence": "evidence image (built-up)",
    "no_cases": "No case to inspect.",
    "previous_verdict": "Earlier verdict",
    "scale": "{m:g} m",
}

#: Headers of the verdict counts summary.csv gains from `redline verdicts`, and of the
#: quarter-over-quarter table of the report.
VERDICT_HEADERS: Final[dict[str, str]] = {
    "verdict_cases": "Cases",
    "verdict_unlawful": "Confirmed unlawful",
    "verdict_rectified": "Rectified",
    "verdict_cleared": "Cleared (lawful, false change)",
    "verdict_other": "Other",
    "verdict_pending": "Pending",
    "new": "New leads",
    "verified": "Verified",
    "filed": "Filed (case no.)",
    "rectified": "Rectified",
}

#: Titles and notes of the report's sections on verdicts.
VERDICT_REPORT: Final[dict[str, str]] = {
    "verdicts": "Field verdicts by admin unit",
    "verdicts_note": "Cases for field inspection (findings on the same land form one "
                     "case) and their verdicts as imported by `redline verdicts`: {judged} of "
                     "{cases} cases judged.",
    "quarter": "This round against the last",
    "quarter_note": "Findings of this run against the run of {as_of} ({path}): new leads, "
                    "land with a field verdict, cases filed and land rectified.",
}

#: Errors of a verdict file: one line per bad row.
VERDICT_ERRORS: Final[dict[str, str]] = {
    "unknown_case": "case {case_id!r} is not a case of this result folder",
    "no_case": "no case id",
    "other_run": "case {case_id} groups other findings in this result folder ({given}); the "
                 "file is from another run",
    "bad_verdict": "verdict {value!r} is not one of {allowed}",
    "no_verdict": "fields are filled in but the verdict is empty",
    "bad_date": "checked_on {value!r} is not a date like 2026-07-15",
    "future_date": "checked_on {value} is after today",
    "conflict": "case {case_id} has two different verdicts: {a} ({where_a}) and {b} "
                "({where_b})",
}
