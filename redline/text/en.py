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
    "allocation_misuse": "Allocation for commercial/residential use",
    "industrial_negotiated": "Industrial land sold by negotiation",
    "industrial_standard": "Industrial land below standards",
    "evidence_mismatch": "Record and imagery disagree",
    "criminal_threshold": "Criminal threshold reached",
    "accountability_ratio": "Accountability ratio reached",
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
    "change_id": "Change id",
    "detected_on": "Detected on",
    "project_id": "Project id",
    "farmland_added": "Farmland added",
    "paddy_added": "Paddy added",
    "grade": "Grade",
    "completed_on": "Completed on",
}

#: Header of a per-rule summary column, by the column's suffix (``idle_1y_count``).
RULE_COLUMN: Final[str] = "{rule}: {what}"
RULE_COLUMN_SUFFIXES: Final[dict[str, str]] = {
    "_count": "count", "_m2": "m2", "_mu": "mu", "_ha": "ha",
}
