"""Canonical roles, fields and output columns: the names of docs/contract.md in code.

Everything that reads or writes data names its columns from here, so that a
role's id field or a finding column is spelled in one place only.
"""

from __future__ import annotations

from typing import Final, Literal

Role = Literal[
    "admin", "farmland", "basic_farmland", "approvals", "supply", "changes", "supplement"
]

#: Spatial roles, in the order they are read and reported.
ROLES: Final[tuple[Role, ...]] = (
    "admin", "farmland", "basic_farmland", "approvals", "supply", "changes", "supplement",
)

#: Kinds of value a canonical field holds; the reader parses into these.
FieldKind = Literal["str", "date", "float", "bool", "supply_method", "land_use", "code"]

#: A farmland patch's areas, in m2, from which its net (land-class) area is taken:
#: ``gross_area`` the patch (图斑面积 TBMJ), ``deduction_share`` the share deducted for
#: field ridges (扣除系数 KCXS, 0-1), ``deduction_area`` the area deducted (扣除面积 KCMJ),
#: ``net_area`` the land-class area (图斑地类面积 TBDLMJ = TBMJ - KCMJ; 永久基本农田面积
#: YJJBNTMJ). See :mod:`redline.analysis.farmland`.
NET_AREA_FIELDS: Final[dict[str, FieldKind]] = {
    "gross_area": "float", "deduction_share": "float", "deduction_area": "float",
    "net_area": "float",
}

#: Canonical fields per role and the kind of value each holds (docs/contract.md).
FIELDS: Final[dict[Role, dict[str, FieldKind]]] = {
    "admin": {"admin_code": "code", "admin_name": "str"},
    "farmland": {"feature_id": "str", "land_code": "code", "admin_code": "code",
                 **NET_AREA_FIELDS,
                 # 耕地等别 (1 best), joined from the 耕地质量等别 survey: the grade balance.
                 "grade": "float"},
    "basic_farmland": {"feature_id": "str", "admin_code": "code", **NET_AREA_FIELDS},
    "approvals": {
        "approval_id": "str",
        "approved_on": "date",
        "authority": "str",
        "basic_farmland_approved": "bool",
        # The planned use (拟用途), for the demand forecast by land use.
        "land_use": "land_use",
    },
    "supply": {
        "supply_id": "str",
        "supply_method": "supply_method",
        "land_use": "land_use",
        "contract_on": "date",
        "start_agreed_on": "date",
        "started_on": "date",
        "price": "float",
        "invest_total": "float",
        "invest_done": "float",
        "built_area_ratio": "float",
        "delay_cause": "str",
        # Extensions for the industrial-land indicators (国土资发〔2008〕24号).
        "plot_ratio": "float",
        "building_coefficient": "float",
        "green_ratio": "float",
        "office_share": "float",
        "industry": "str",
        # Extensions for the supply rules of issue 17: work stopped (idle once stopped a
        # full year), what the land is for (affordable housing may be allocated), the land
        # grade of 国土资发〔2006〕307号 (minimum price; investment region class), the
        # investment intensity and the price per m2.
        "stopped_on": "date",
        "purpose": "str",
        "land_grade": "str",
        "invest_intensity": "float",
        "unit_price": "float",
    },
    # ``party``: who built it (当事人), when the data knows: one party's acts are summed
    # for criminal_threshold (法释〔2000〕14号 Art. 9).
    "changes": {"change_id": "str", "detected_on": "date", "land_code": "code", "party": "str"},
    "supplement": {
        "project_id": "str",
        "farmland_added": "float",
        "paddy_added": "float",
        "grade": "float",
        "admin_code": "code",
        "completed_on": "date",
    },
}

#: The field that identifies a feature of each role. A layer without it gets
#: ids made from its row number (``"<role>#<n>"``), and the run says so.
ID_FIELD: Final[dict[Role, str]] = {
    "admin": "admin_code",
    "farmland": "feature_id",
    "basic_farmland": "feature_id",
    "approvals": "approval_id",
    "supply": "supply_id",
    "changes": "change_id",
    "supplement": "project_id",
}

#: Standard layer names (三调 / 永久基本农田 databases) and the role each fills.
STANDARD_LAYER_NAMES: Final[dict[str, Role]] = {
    "dltb": "farmland",
    "yjjbnttb": "basic_farmland",
    "yjjbntbhtb": "basic_farmland",
    "jbntbhtb": "basic_farmland",
    "xzq": "admin",
}

#: Standard field names, per role, recognised without a redline.toml mapping.
#: Keys are upper case; matching is case-insensitive.
STANDARD_FIELDS: Final[dict[Role, dict[str, str]]] = {
    "admin": {"XZQDM": "admin_code", "XZQMC": "admin_name"},
    "farmland": {"BSM": "feature_id", "DLBM": "land_code", "ZLDWDM": "admin_code",
                 "TBMJ": "gross_area", "KCXS": "deduction_share", "KCMJ": "deduction_area",
                 "TBDLMJ": "net_area", "GDDB": "grade"},
    "basic_farmland": {
        "BSM": "feature_id",
        "ZLDWDM": "admin_code",
        "TBMJ": "gross_area",
        "KCXS": "deduction_share",
        "KCMJ": "deduction_area",
        "TBDLMJ": "net_area",
        "YJJBNTMJ": "net_area",
        "JBNTMJ": "net_area",
    },
    "approvals": {
        "DZJGH": "approval_id",
        "PZWH": "approval_id",
        "PZRQ": "approved_on",
        "PZJG": "authority",
        "SFJBNT": "basic_farmland_approved",
    },
    "supply": {
        "DZJGH": "supply_id",
        "GDFS": "supply_method",
        "TDYT": "land_use",
        "HTRQ": "contract_on",
        "YDKGRQ": "start_agreed_on",
        "SJKGRQ": "started_on",
        "CRJK": "price",
        "ZTZ": "invest_total",
        "YTZ": "invest_done",
        "JSMJB": "built_area_ratio",
        "YQYY": "delay_cause",
        "RJL": "plot_ratio",
        "JZXS": "building_coefficient",
        "LDL": "green_ratio",
        "BGBL": "office_share",
        "HY": "industry",
    },
    "changes": {
        "JCBH": "change_id", "TBBH": "change_id", "JCRQ": "detected_on", "DLBM": "land_code",
    },
    "supplement": {
        "XMBH": "project_id",
        "XZGDMJ": "farmland_added",
        "XZSTMJ": "paddy_added",
        "GDDB": "grade",
        "XZQDM": "admin_code",
        "YSRQ": "completed_on",
    },
}

#: Columns of targets.csv (docs/contract.md); figures in hectares.
TARGET_COLUMNS: Final[tuple[str, ...]] = (
    "admin_code", "year", "farmland_target_ha", "basic_farmland_target_ha",
    "quota_ha", "quota_released_ha",
)

#: Columns of the findings table (findings.csv, the ``findings`` layer), in order.
FINDING_COLUMNS: Final[tuple[str, ...]] = (
    "finding_id",   # stable: "<rule>/<layer>/<feature_id>[/<admin_code>]"
    "rule",
    "layer",
    "feature_id",
    "admin_code",
    "admin_name",
    "area_m2",      # ellipsoidal (CGCS2000 / GRS80)
    "area_mu",
    "severity",     # "high" | "medium" | "low"
    "message",      # in the run's language
    "regulation",
    "threshold",
    "matched",      # ids of the features matched, ";"-joined
)

Severity = Literal["high", "medium", "low"]

#: Every rule code (docs/contract.md) with its default severity.
RULES: Final[dict[str, Severity]] = {
    "basic_farmland_encroachment": "high",
    "supply_without_approval": "high",
    "unapproved_construction": "medium",
    "idle_1y": "medium",
    "idle_2y": "high",
    "approved_not_supplied": "low",
    "allocation_misuse": "medium",
    "industrial_negotiated": "medium",
    "commercial_negotiated": "medium",
    "late_start": "low",
    "industrial_standard": "low",
    "evidence_mismatch": "low",
    "criminal_threshold": "high",
    "accountability_ratio": "high",
    "unauthorized_approval": "high",
    "farmland_loss": "medium",
    "facility_agriculture": "low",
    "quota_overrun": "medium",
}

#: Raster roles: found as ``<role>.tif`` / ``<role>.tiff`` in the dataset folder or
#: mapped in redline.toml. ``evidence``: construction evidence, either a class
#: raster (built-up = 1, else 0) or a 0-1 built-up probability.
RASTER_ROLES: Final[tuple[str, ...]] = ("evidence",)

# --- field verdicts (the inspection loop: redline fieldwork / verdicts) -------------------

#: The verdicts an inspection gives a case, as written in cases.gpkg, checklist.xlsx and
#: verdicts.csv (the GeoPackage coded-value domain ``verdict``), each with its English key.
VERDICTS: Final[dict[str, str]] = {
    "合法": "lawful",
    "违法": "unlawful",
    "伪变化": "false_change",
    "已整改": "rectified",
    "其他": "other",
}

#: Verdicts that clear a lead: the land is not sent to the field again.
CLEARING_VERDICTS: Final[tuple[str, ...]] = ("合法",)

#: The fields an inspector fills in for each case, in cases.gpkg and checklist.xlsx.
VERDICT_FIELDS: Final[tuple[str, ...]] = (
    "verdict", "case_no", "checked_by", "checked_on", "note", "photo")

#: Columns ``redline check --previous`` adds to the findings: the verdict carried from the
#: earlier run's finding on the same land, and that finding's id.
CARRIED_COLUMNS: Final[tuple[str, ...]] = (
    "verdict", "verdict_on", "case_no", "previous_finding")
