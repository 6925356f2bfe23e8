"""Words people read: column headers and rule names in Chinese and English."""

from __future__ import annotations

from redline.text import Lang

RULE_NAMES: dict[str, dict[Lang, str]] = {
    "basic_farmland_encroachment": {"zh": "占用永久基本农田", "en": "Basic farmland encroachment"},
    "supply_without_approval": {"zh": "未批先供", "en": "Supply without approval"},
    "unapproved_construction": {"zh": "未批先建(卫片图斑)", "en": "Unapproved construction"},
    "idle_1y": {"zh": "闲置满一年", "en": "Idle one year"},
    "idle_2y": {"zh": "闲置满两年", "en": "Idle two years"},
    "approved_not_supplied": {"zh": "批而未供", "en": "Approved, not supplied"},
    "allocation_misuse": {
        "zh": "违规划拨(经营性用地)",
        "en": "Allocation for commercial/residential use",
    },
    "industrial_negotiated": {
        "zh": "工业用地协议出让",
        "en": "Industrial land sold by negotiation",
    },
    "industrial_standard": {
        "zh": "工业用地控制指标不达标",
        "en": "Industrial land below standards",
    },
    "evidence_mismatch": {"zh": "记录与影像不符", "en": "Record and imagery disagree"},
    "criminal_threshold": {"zh": "达到刑事立案标准", "en": "Criminal threshold reached"},
    "accountability_ratio": {"zh": "问责比例超15%", "en": "Accountability ratio reached"},
}

SEVERITY: dict[str, dict[Lang, str]] = {
    "high": {"zh": "高", "en": "high"},
    "medium": {"zh": "中", "en": "medium"},
    "low": {"zh": "低", "en": "low"},
}

HEADERS: dict[str, dict[Lang, str]] = {
    "finding_id": {"zh": "问题编号", "en": "Finding id"},
    "rule": {"zh": "规则", "en": "Rule"},
    "rule_name": {"zh": "问题类型", "en": "Finding type"},
    "layer": {"zh": "图层", "en": "Layer"},
    "feature_id": {"zh": "图斑/地块编号", "en": "Feature id"},
    "admin_code": {"zh": "行政区代码", "en": "Admin code"},
    "admin_name": {"zh": "行政区名称", "en": "Admin name"},
    "level": {"zh": "级别", "en": "Level"},
    "area_m2": {"zh": "面积(平方米)", "en": "Area (m2)"},
    "area_mu": {"zh": "面积(亩)", "en": "Area (mu)"},
    "area_ha": {"zh": "面积(公顷)", "en": "Area (ha)"},
    "severity": {"zh": "严重程度", "en": "Severity"},
    "message": {"zh": "说明", "en": "Explanation"},
    "regulation": {"zh": "依据", "en": "Regulation"},
    "threshold": {"zh": "阈值", "en": "Threshold"},
    "matched": {"zh": "关联要素", "en": "Matched features"},
    "status": {"zh": "状态", "en": "Status"},
    "rules": {"zh": "命中规则", "en": "Rules"},
    "reason": {"zh": "未能判定原因", "en": "Why not judged"},
    "findings_count": {"zh": "问题总数", "en": "Findings"},
}

LAYER_NAMES: dict[str, dict[Lang, str]] = {
    "admin": {"zh": "行政区", "en": "Admin units"},
    "farmland": {"zh": "耕地", "en": "Farmland"},
    "basic_farmland": {"zh": "永久基本农田", "en": "Basic farmland"},
    "approvals": {"zh": "批准用地", "en": "Approvals"},
    "supply": {"zh": "供地", "en": "Supply"},
    "changes": {"zh": "变化图斑", "en": "Change patches"},
    "supplement": {"zh": "补充耕地", "en": "Supplement projects"},
}


def header(column: str, lang: Lang) -> str:
    """Header for ``column`` in ``lang``; per-rule summary columns are composed.

    Examples
    --------
    >>> header("area_mu", "zh")
    '面积(亩)'
    >>> header("idle_1y_count", "en")
    'Idle one year: count'
    """
    if column in HEADERS:
        return HEADERS[column][lang]
    for suffix, words in (
        ("_count", ("数量", "count")),
        ("_m2", ("平方米", "m2")),
        ("_mu", ("亩", "mu")),
        ("_ha", ("公顷", "ha")),
    ):
        rule = column.removesuffix(suffix)
        if column.endswith(suffix) and rule in RULE_NAMES:
            return (
                f"{RULE_NAMES[rule][lang]}:{words[0]}"
                if lang == "zh"
                else (f"{RULE_NAMES[rule][lang]}: {words[1]}")
            )
    return column


def rule_name(rule: str, lang: Lang) -> str:
    """Name of a rule code in ``lang`` (the code itself when unknown)."""
    return RULE_NAMES.get(rule, {}).get(lang, rule)
