"""Chinese (简体中文): the words of every table, map, report and message.

The same names as :mod:`redline.text.en`, with the same keys and the same ``{fields}``
in each template (``tests/test_text.py`` holds them to it).
"""

from __future__ import annotations

from typing import Final

# --- names of things ----------------------------------------------------------------

#: Rule code -> its name.
RULE_NAMES: Final[dict[str, str]] = {
    "basic_farmland_encroachment": "占用永久基本农田",
    "supply_without_approval": "未批先供",
    "unapproved_construction": "未批先建(卫片图斑)",
    "idle_1y": "闲置满一年",
    "idle_2y": "闲置满两年",
    "approved_not_supplied": "批而未供",
    "allocation_misuse": "违规划拨(不在划拨目录内)",
    "industrial_negotiated": "工业用地协议出让",
    "commercial_negotiated": "经营性用地协议出让",
    "late_start": "逾期动工",
    "industrial_standard": "工业用地控制指标不达标",
    "evidence_mismatch": "记录与影像不符",
    "criminal_threshold": "涉嫌达到刑事追诉标准",
    "accountability_ratio": "问责比例超15%",
    "unauthorized_approval": "无权批准占用永久基本农田",
    "farmland_loss": "耕地流出(非农化/非粮化)",
    "facility_agriculture": "设施农用地备案核查",
    "quota_overrun": "超计划批地",
}

#: Severity code -> its name.
SEVERITY_NAMES: Final[dict[str, str]] = {"high": "高", "medium": "中", "low": "低"}

#: Layer role -> its name.
LAYER_NAMES: Final[dict[str, str]] = {
    "admin": "行政区",
    "farmland": "耕地",
    "basic_farmland": "永久基本农田",
    "approvals": "批准用地",
    "supply": "供地",
    "changes": "变化图斑",
    "supplement": "补充耕地",
}

#: Column -> its header (findings, features, summary).
HEADERS: Final[dict[str, str]] = {
    "finding_id": "问题编号",
    "rule": "规则",
    "rule_name": "问题类型",
    "layer": "图层",
    "feature_id": "图斑/地块编号",
    "admin_code": "行政区代码",
    "admin_name": "行政区名称",
    "level": "级别",
    "area_m2": "面积(平方米)",
    "area_mu": "面积(亩)",
    "area_ha": "面积(公顷)",
    "severity": "严重程度",
    "message": "说明",
    "regulation": "依据",
    "threshold": "阈值",
    "matched": "关联要素",
    "status": "状态",
    "rules": "命中规则",
    "reason": "未能判定原因",
    "findings_count": "问题总数",
    "summed_ids": "合计图斑",
    "summed_by": "合计依据",
    "authority_level": "批准机关级别",
    "land_kind": "现状地类性质",
    "unjudged_m2": "未能判定面积(平方米)",
    "unjudged_reason": "部分未能判定原因",
    "findings_m2": "问题土地面积(不重复计,平方米)",
    "findings_mu": "问题土地面积(不重复计,亩)",
}

#: Ledger column -> its header (summary.csv columns of the county ledger).
LEDGER_HEADERS: Final[dict[str, str]] = {
    "farmland_ha": "现状耕地(净面积,公顷)",
    "farmland_gross_ha": "现状耕地(毛面积,公顷)",
    "farmland_target_ha": "耕地保有量目标(公顷)",
    "farmland_margin_ha": "耕地保有量余量(净面积,公顷,负为缺口)",
    "basic_farmland_ha": "现状永久基本农田(净面积,公顷)",
    "basic_farmland_gross_ha": "现状永久基本农田(毛面积,公顷)",
    "basic_farmland_target_ha": "基本农田保护目标(公顷)",
    "basic_farmland_margin_ha": "基本农田余量(净面积,公顷,负为缺口)",
    "quota_ha": "年度计划指标(公顷)",
    "quota_released_ha": "已下达指标(公顷)",
    "approved_ha": "本年批准新增建设用地(公顷)",
    "quota_used_share": "指标使用率",
    "quota_remaining_ha": "剩余指标(公顷)",
    "quota_over_release": "超下达指标批地",
    "quota_over_release_on": "首次超下达日期",
    "occupied_farmland_ha": "批准占用耕地(净面积,公顷)",
    "occupied_farmland_gross_ha": "批准占用耕地(毛面积,公顷)",
    "occupied_paddy_ha": "其中水田(净面积,公顷)",
    "occupied_grade": "占用耕地平均等别",
    "added_farmland_ha": "补充耕地(公顷)",
    "added_paddy_ha": "补充水田(公顷)",
    "added_grade": "补充耕地平均等别",
    "balance_ha": "占补数量平衡(公顷)",
    "paddy_balance_ha": "水田平衡(公顷)",
    "grade_balance": "质量平衡(等别差,负为补劣)",
    "illegal_farmland_ha": "违法占用耕地(净面积,公顷)",
    "illegal_farmland_gross_ha": "违法占用耕地(毛面积,公顷)",
    "new_occupied_farmland_ha": "新增建设占用耕地(净面积,公顷)",
    "illegal_share": "违法占用耕地比例",
    "accountability_breach": "达到问责比例(15%)",
    "findings_high_count": "高严重程度问题数",
    "criminal_cases": "达到刑事立案标准案件数",
    "largest_case": "最大案件",
    "largest_case_mu": "最大案件面积(亩)",
    "supplied_ha": "供地面积(公顷)",
    "approved_total_ha": "累计批准用地(公顷)",
    "unsupplied_ha": "批而未供(公顷)",
    "supply_rate": "供地率",
    "idle_ha": "闲置土地(公顷)",
    "idle_share": "闲置率",
    "score": "综合得分(0-100,越高越好)",
    "rank": "排名",
    "demand_next_ha": "下年用地需求预测(公顷)",
    "demand_low_ha": "需求预测下限(公顷)",
    "demand_high_ha": "需求预测上限(公顷)",
    "demand_quota_gap_ha": "需求减本年计划指标(公顷)",
    "demand_by_use": "分用途需求(公顷)",
    "demand_method": "预测方法",
}

#: Canonical field -> its label (map popups).
FIELD_NAMES: Final[dict[str, str]] = {
    "admin_code": "行政区代码",
    "admin_name": "行政区名称",
    "feature_id": "图斑/地块编号",
    "land_code": "地类编码",
    "approval_id": "批准文号/监管号",
    "approved_on": "批准日期",
    "authority": "批准机关",
    "basic_farmland_approved": "含基本农田审批",
    "supply_id": "供地监管号",
    "supply_method": "供地方式",
    "land_use": "土地用途",
    "contract_on": "合同日期",
    "start_agreed_on": "约定开工日期",
    "started_on": "实际开工日期",
    "price": "出让价款",
    "invest_total": "总投资",
    "invest_done": "已投资",
    "built_area_ratio": "已开发面积比例",
    "delay_cause": "延期原因",
    "stopped_on": "停工日期",
    "purpose": "具体用途",
    "land_grade": "土地等别",
    "invest_intensity": "投资强度(万元/公顷)",
    "unit_price": "出让单价(元/平方米)",
    "change_id": "图斑编号",
    "detected_on": "监测日期",
    "party": "当事人",
    "project_id": "项目编号",
    "farmland_added": "新增耕地",
    "paddy_added": "新增水田",
    "grade": "耕地等别",
    "completed_on": "验收日期",
    # Net farmland fields (analysis/farmland.py).
    "gross_area": "图斑面积(平方米)",
    "deduction_share": "扣除系数",
    "deduction_area": "扣除面积(平方米)",
    "net_area": "图斑地类面积(平方米)",
}

#: Header of a per-rule summary column, by the column's suffix (``idle_1y_count``).
RULE_COLUMN: Final[str] = "{rule}:{what}"
RULE_COLUMN_SUFFIXES: Final[dict[str, str]] = {
    "_count": "数量", "_m2": "平方米", "_mu": "亩", "_ha": "公顷",
}

# --- regulations ----------------------------------------------------------------------

#: Rule code -> the regulation it enforces, as a finding quotes it.
REGULATIONS: Final[dict[str, str]] = {
    "basic_farmland_encroachment": (
        "《土地管理法》(2019年修正)第三十五条、第四十四条、第四十六条：永久基本农田转为建设用地、"
        "征收永久基本农田须经国务院批准"
    ),
    "unauthorized_approval": (
        "《土地管理法》(2019年修正)第四十四条、第四十六条(永久基本农田由国务院批准)、第七十九条"
        "(超越批准权限非法批准占用土地，批准文件无效)；《刑法》第四百一十条；"
        "法释〔2000〕14号第四条(非法批准占用基本农田10亩以上为“情节严重”，待核)"
    ),
    "supply_without_approval": (
        "《土地管理法》(2019年修正)第四十四条：建设占用土地涉及农用地转为建设用地的，"
        "应当先办理农用地转用审批（未批先供；供地后补办批准不改变供地时无批准的事实）"
    ),
    "unapproved_construction": (
        "《土地管理法》(2019年修正)第四十四条、第七十七条：未经批准非法占用土地（卫片执法；"
        "监测后才取得的批准为先建后批，监测时仍属未批先建）"
    ),
    "farmland_loss": (
        "《土地管理法》(2019年修正)第三十七条；《土地管理法实施条例》(2021)第五十一条："
        "禁止占用永久基本农田发展林果业和挖塘养鱼；耕地转为其他农用地须落实耕地进出平衡"
        "(自然资发〔2021〕166号，待核)"
    ),
    "facility_agriculture": (
        "《自然资源部 农业农村部关于设施农业用地管理有关问题的通知》(自然资规〔2019〕4号)："
        "设施农业用地按农用地管理，实行备案；不是违法认定"
    ),
    "criminal_threshold": (
        "《刑法》第三百四十二条；法释〔2000〕14号第三条(非法占用基本农田5亩以上或基本农田以外的"
        "耕地10亩以上为“数量较大”，须进行非农业建设并造成耕地大量毁坏)、第九条(一年内多次实施"
        "未经处理的累计计算)（标准待核）"
    ),
    "accountability_ratio": (
        "《违反土地管理规定行为处分办法》（监察部 人社部 国土资源部令第15号）第三条"
    ),
    "idle_1y": "《闲置土地处置办法》(国土资源部令第53号,2012)第二、八、十四条",
    "idle_2y": "《闲置土地处置办法》(国土资源部令第53号,2012)第二、八、十四条",
    "approved_not_supplied": "批而未供土地清理(批准满年限见阈值)",
    "allocation_misuse": (
        "《民法典》第三百四十七条；《土地管理法》第五十四条；《划拨用地目录》(国土资源部令第9号,2001)"
    ),
    "commercial_negotiated": (
        "《招标拍卖挂牌出让国有土地使用权规定》(国土资源部令第11号,2002)第四条；《民法典》第三百四十七条"
    ),
    "industrial_negotiated": (
        "国发〔2006〕31号；国土资发〔2007〕78号；《招标拍卖挂牌出让国有建设用地使用权规定》"
        "(国土资源部令第39号,2007)第四条；《民法典》第三百四十七条"
    ),
    "late_start": (
        "《国有建设用地使用权出让合同》示范文本(GF-2008-2601)第十六条(开工期限)及逾期开工违约责任"
    ),
    "industrial_standard": (
        "《工业项目建设用地控制指标》(国土资发〔2008〕24号)；"
        "《全国工业用地出让最低价标准》(国土资发〔2006〕307号)"
    ),
    "evidence_mismatch": "数据质量核查(影像与记录比对)",
    "quota_overrun": (
        "《土地利用年度计划管理办法》（国土资源部令第66号，2016）：不得超计划批准新增建设用地"
        "（条款待核）"
    ),
}
#: Quoted beside the 2012 measures when an idle clock starts from the contract date.
REGULATION_IDLE_1999: Final[str] = "《闲置土地处置办法》(1999)第二条"

# --- messages of the overlap rules (redline.analysis.rules) ---------------------------

#: An area: ``m2`` in square metres, ``mu`` in mu.
AREA: Final[str] = "{m2:,.1f} 平方米（{mu:,.2f} 亩）"
#: The sliver threshold, closing an overlap rule's message.
SLIVER_NOTE: Final[str] = "；阈值：碎片面积 ≥ {sliver:g} 平方米。"
#: Layer of a parcel -> the word naming its kind.
PARCEL_KINDS: Final[dict[str, str]] = {"approvals": "报批", "supply": "供地"}
BASIC_FARMLAND_ENCROACHMENT: Final[str] = (
    "{kind}地块 {id} 占用永久基本农田 {area}（基本农田图斑 {patches}），"
    "该部分无经国务院批准占用基本农田的批文覆盖{partly}{late}{unjudged}{note}"
)
#: Approvals that cover part of the basic farmland taken.
BASIC_FARMLAND_PARTLY: Final[str] = "（批文 {ids} 仅覆盖部分）"
SUPPLY_WITHOUT_APPROVAL: Final[str] = (
    "供地地块 {id} 有 {area} 耕地在供地（合同签订）时未经农用地转用批准即供应（未批先供）"
    "{cover}{late}{void}{unjudged}；地块面积 {parcel_area}{note}"
)
#: Approvals that cover part of a supplied parcel; none.
SUPPLY_PARTLY: Final[str] = "；批文 {ids} 仅覆盖部分"
SUPPLY_UNCOVERED: Final[str] = "；供地时无任何有效批文覆盖"
#: Approvals given after the supply contract: 补办.
SUPPLY_LATE: Final[str] = "；批文 {approvals} 批准晚于供地合同（先供后批，属事后补办）"
#: Approvals by a government that may not take permanent basic farmland.
VOID_BASIC: Final[str] = "；批文 {ids} 非国务院批准，不能使所占永久基本农田合法"
#: Part of a parcel that could not be judged (an approval without geometry, date...).
PART_NOT_JUDGED: Final[str] = "；另有 {area} 因批文资料不全未能判定（原因见要素图层 features）"
UNAPPROVED_CONSTRUCTION: Final[str] = (
    "变化图斑 {id}{part} 有 {area} 在监测时无有效用地批准，其中永久基本农田 {basic}，"
    "其他耕地 {farmland}，其他土地 {other}{late}{void}{supplied}{covered}{nearest}{unjudged}{note}"
)
#: The part of a change patch in one admin unit, when it crosses a line.
UNAPPROVED_PART: Final[str] = " 在 {code} 境内部分"
UNAPPROVED_COVERED: Final[str] = "；部分由 {ids} 覆盖"
UNAPPROVED_NEAREST: Final[str] = "；相邻最近的批地：{id}"
#: Approvals given after the detection: 先建后批.
UNAPPROVED_LATE: Final[str] = (
    "；批文 {approvals} 批准晚于监测日期 {detected}（先建后批，监测时仍属未批先建）"
)
#: Supply parcels on the unlawful part.
UNAPPROVED_SUPPLIED: Final[str] = "；已供地 {ids}，但供地合同不能代替农用地转用批准"
UNAUTHORIZED_APPROVAL: Final[str] = (
    "批地 {id}（批准机关：{authority}，{level}）占用永久基本农田 {area}（基本农田图斑 {patches}）："
    "永久基本农田转用、征收须经国务院批准，该机关无权批准，属超越批准权限非法批准，批准文件无效，"
    "所占土地仍按非法占地处理{crime}{note}"
)
#: An unauthorised approval over the criminal threshold of 法释〔2000〕14号 Art. 4.
UNAUTHORIZED_CRIME: Final[str] = (
    "；非法批准占用基本农田达 {limit:g} 亩以上，涉嫌非法批准占用土地罪，须先核实批准情况"
)
#: The thresholds of ``unauthorized_approval``.
UNAUTHORIZED_LIMITS: Final[str] = (
    "≥ {sliver:g} 平方米；≥ {limit:g} 亩涉嫌犯罪(法释〔2000〕14号第四条)"
)
#: Level of an approving authority -> its name.
AUTHORITY_LEVELS: Final[dict[str, str]] = {
    "state_council": "国务院", "entrusted": "受国务院委托的省级人民政府",
    "province": "省级人民政府", "city": "市级人民政府", "county": "县级人民政府",
}
FARMLAND_LOSS: Final[str] = (
    "变化图斑 {id} 现状地类为 {code}，占用耕地 {area}（其中永久基本农田 {basic}，其他耕地 "
    "{farmland}）：耕地转为其他农用地或自然地类（耕地流出），不属建设占用；占用永久基本农田发展"
    "林果业、挖塘养鱼为法律禁止，须核实并恢复或落实进出平衡{on_basic}{note}"
)
FACILITY_AGRICULTURE: Final[str] = (
    "变化图斑 {id} 现状地类为 {code}（设施农用地），占用耕地 {area}（其中永久基本农田 {basic}，"
    "其他耕地 {farmland}）：设施农业用地按农用地管理、实行备案，请核查是否已备案及用地规模"
    "{on_basic}；此为备案核查清单，不是违法认定{note}"
)
#: A facility on permanent basic farmland.
FACILITY_ON_BASIC: Final[str] = "；设施农业用地原则上不得占用永久基本农田，须重点核查"
CRIMINAL_THRESHOLD: Final[str] = (
    "变化图斑 {ids}{summed} 涉嫌非法占用永久基本农田 {basic_mu:,.2f} 亩、其他耕地 "
    "{farmland_mu:,.2f} 亩进行非农业建设，达到“数量较大”标准（{threshold}）。此为卫片线索："
    "须先经实地核查，确认系未经批准的非农业建设并查明耕地毁坏情况，再依法决定是否移送司法机关。"
)
#: How pieces were added up for ``criminal_threshold``.
CRIMINAL_SUMMED: Final[str] = "（{how}，共 {n} 块合计）"
CRIMINAL_SITE: Final[str] = "同一地块相邻且同期监测"
CRIMINAL_PARTY: Final[str] = "同一当事人 {party} {years} 年内多次实施"
#: The thresholds, in mu, of ``criminal_threshold``.
CRIMINAL_LIMITS: Final[str] = "基本农田 ≥ {basic_mu:g} 亩，其他耕地 ≥ {farmland_mu:g} 亩"
#: Ids listed in a message are joined by this.
ID_JOIN: Final[str] = "、"
ACCOUNTABILITY_RATIO: Final[str] = (
    "{county} {year} 年非法占用耕地 {illegal}，占当年新增建设用地变化图斑占用耕地 {total}"
    "（合法 {approved} + 非法占用；耕地按净面积）的 {ratio:.1%}，达到 {limit} 问责比例，"
    "应追究政府主要负责人责任。"
)

#: 超计划批地 (redline.analysis.quota).
QUOTA_OVERRUN: Final[str] = (
    "{county} {year} 年截至 {on} 批准新增建设用地 {approved:,.4f} 公顷（同一土地只计一次），"
    "超过截至该日已下达的计划指标 {released:,.4f} 公顷，最多超出 {excess:,.4f} 公顷"
    "（超计划批地）；自该日起的批文：{ids}。"
)

# --- messages of the supply rules (redline.analysis.supply) ---------------------------

#: Parts of a message are joined by this.
PARTS_JOIN: Final[str] = "；"
#: The regulation, closing a supply rule's message.
CITE: Final[str] = "依据{regulation}"
#: Full years an idle rule waits (its threshold).
IDLE_YEARS: Final[str] = "{years} 周年"
#: Started, but under the shares of the measures: each share and its limit.
IDLE_UNDER_BUILT: Final[str] = "已开发面积比例{ratio:.0%}不足1/3"
IDLE_UNDER_INVEST: Final[str] = "已投资比例{share:.0%}不足{limit:.0%}"
IDLE_UNDER_JOIN: Final[str] = "、"
IDLE_STALLED: Final[str] = (
    "已于{started}动工但{under}，自{stopped}停工至{today}满{years}周年"
)
IDLE_NOT_STARTED: Final[str] = "自{start}起满{years}周年未动工(至{today}共{days:.0f}天)"
IDLE_BY_CONTRACT: Final[str] = (
    "无约定动工日期，按1999年版办法第二条自合同生效(签订)日{contract}起算"
)
IDLE_RECLAIM: Final[str] = "满两年无偿收回国有建设用地使用权"
IDLE_FEE: Final[str] = (
    "满一年征收土地闲置费，按出让价款的{share:.0%}计：{price:,.2f}×{share:.0%}={fee:,.2f}"
    "(与价款同单位)"
)
IDLE_FEE_NO_PRICE: Final[str] = "满一年征收土地闲置费，按出让价款的{share:.0%}计(出让价款未记录)"
IDLE_BUILT: Final[str] = "影像建成比例{built:.0%}"
IDLE_NO_EVIDENCE: Final[str] = "影像无有效值({problem})"
MISMATCH_STARTED: Final[str] = (
    "记录已于{started}动工，影像建成比例仅{built:.0%}(不超过{low:.0%})，几乎无建设：请实地核查"
)
MISMATCH_NOT_STARTED: Final[str] = (
    "记录未动工，影像建成比例{built:.0%}(不低于{high:.0%})显示已建设：请核实动工记录"
)
LATE_START: Final[str] = (
    "约定{agreed}前动工，至{today}已逾期{days}天仍未动工(未满一年，尚不构成闲置)："
    "违反出让合同约定的开工期限，应按合同追究逾期开工违约责任"
)
#: The threshold of a late start.
LATE_THRESHOLD: Final[str] = "逾期 ≥ 1 天且未满 1 周年"
ALLOCATION_MISUSE: Final[str] = (
    "用途{use}的土地以划拨方式供应；该用途不在《划拨用地目录》内，应以出让等有偿方式供应{note}"
)
#: Housing land allocated: the kinds that may be.
ALLOCATION_HOUSING_NOTE: Final[str] = (
    "；经济适用住房、廉租住房、公共租赁住房可以划拨，如属此类请在具体用途(purpose)中载明"
)
#: Industrial land allocated: the catalogue's energy and infrastructure items.
ALLOCATION_INDUSTRY_NOTE: Final[str] = (
    "；国家重点扶持的能源、交通、水利等基础设施项目(如电力设施)可按目录划拨，请核查"
)
COMMERCIAL_NEGOTIATED: Final[str] = (
    "经营性用地(用途{use})于{day}以协议方式出让；{since}起商业、旅游、娱乐和商品住宅等"
    "经营性用地必须以招标、拍卖或挂牌方式出让{note}"
)
#: A commercial contract up to the 2004 deadline for old agreements.
COMMERCIAL_OLD_AGREEMENT: Final[str] = (
    "；{since}前已签订协议的历史遗留项目须于{until}前处理完毕，请核查是否属于此类"
)
#: A commercial contract after the deadline.
COMMERCIAL_NO_OLD_AGREEMENT: Final[str] = "；{until}后不得再以历史遗留问题为由协议出让"
INDUSTRIAL_NEGOTIATED: Final[str] = (
    "工业用地于{day}以协议方式出让；国发〔2006〕31号({since})起工业用地必须以招标、拍卖或"
    "挂牌方式出让{note}"
)
#: An industrial contract in the transition of 国土资发〔2007〕78号.
INDUSTRIAL_TRANSITION: Final[str] = (
    "；国土资发〔2007〕78号过渡：31号文发布前已签订投资协议确定用地范围和价格、且已办理或正在"
    "办理农用地转用和征收审批的项目，可于{until}前签订协议出让合同，请核查是否属于此类"
)
INDUSTRIAL_STANDARD: Final[str] = "工业用地控制指标不达标：{items}；指标表：{table}"
#: One failed indicator: its name, value, comparison, limit, unit and the row used.
STANDARD_ITEM: Final[str] = "{name} {value} {op} {limit}{unit}{detail}"
#: Industrial indicator -> its name.
INDICATOR_NAMES: Final[dict[str, str]] = {
    "plot_ratio": "容积率", "building_coefficient": "建筑系数", "green_ratio": "绿地率",
    "office_share": "行政办公及生活服务设施用地比例", "invest_intensity": "投资强度",
    "unit_price": "出让单价",
}
#: Units of the indicators that have one.
UNITS: Final[dict[str, str]] = {"invest_intensity": " 万元/公顷", "unit_price": " 元/平方米"}
#: The industry whose minimum plot ratio applies.
PLOT_RATIO_INDUSTRY: Final[str] = "(行业:{industry})"
#: The row of the investment-intensity table used.
INVEST_DETAIL: Final[str] = "(行业:{industry}，土地等别{grade}等，第{region}类地区)"
#: The land grade of the minimum price used.
PRICE_DETAIL: Final[str] = "(土地等别{grade}等)"
#: A limit whose figure is not confirmed against the document.
UNCONFIRMED_LIMIT: Final[str] = "(该限值未经原文核实)"
#: A site's own table, as a finding names it.
SITE_TABLE: Final[str] = "本地替换表 {path}"
#: The threshold of industrial_standard: the tables its limits came from.
STANDARD_THRESHOLD: Final[str] = "指标表 {table}；最低价表 {prices}"
APPROVED_NOT_SUPPLIED: Final[str] = (
    "批准于{approved}，满{years}周年(阈值{limit}年)仍有{m2:,.1f}平方米({mu:,.2f}亩)未供应，"
    "供地率{rate:.1%}；{regulation}"
)

# --- the inspection report (redline.report.html) ------------------------------------

#: Words of the inspection report, by what they name.
REPORT: Final[dict[str, str]] = {
    "title": "土地卫片执法与耕地保护督察报告",
    "dataset": "数据集",
    "as_of": "核查基准日",
    "version": "程序版本",
    "status": "运行状态",
    "overview": "一、问题概况",
    "total": "问题总数",
    "count": "数量",
    "total_area": "问题涉及土地(不重复计算,亩)",
    "rule_area_note": (
        "各类问题面积为该类问题涉及土地(不重复计算);各类问题之间相互重叠(如刑事案件位于未批先建"
        "图斑之内、同一基本农田上的批地与供地),故各类面积之和不等于总面积。"
    ),
    "escalated": "升级",
    "previous_rule": "上期问题类型",
    "by_rule": "按问题类型",
    "by_unit": "二、分行政区统计",
    "targets": "三、耕地保有量与永久基本农田保护目标",
    "quota": "四、新增建设用地计划指标使用",
    "balance": "五、耕地占补平衡",
    "violations": "六、违法用地与问责比例",
    "ranking": "七、县区综合排名",
    "ranking_note": (
        "综合得分 = 100 × 四项得分的平均(每项0-1,1为最好):耕地保有量目标完成(净耕地对目标,"
        "缺口达目标10%为0)、合法用地(1 - 违法占用耕地比例/15%)、供地率(已批土地中已供应的比例)、"
        "案件(1/(1+高严重程度问题数));无法计算的项不计入。得分越高越好;同分时违法占用比例低者"
        "在前,再按供地率高者、行政区代码排序。"
    ),
    "forecast": "八、下年度新增建设用地需求预测",
    "forecast_note": (
        "取最近三个完整年度批准用地面积(每年同一土地只计一次)的平均值,批文有用途时分用途列示;"
        "区间为这三年中的最小值和最大值。redline.toml 中 [forecast] planned_ha 给出下年度规划项目"
        "用地时以其为预测值。与本年计划指标对比:差额为正表示下年需求超过本年指标。"
    ),
    "cases": "九、重大案件(刑事、问责、基本农田优先)",
    "changes": "十、与上期比较",
    "previous": "上期",
    "params": "附:运行参数",
    "inputs": "输入数据",
    "skipped": "未执行的检查",
    "no_ledger": "本次输出不含台账数据。",
    "none": "无",
    "yes": "是",
    "no": "否",
    "ha": "公顷",
    "mu": "亩",
    "new": "新增",
    "persisting": "持续",
    "resolved": "已整改/消失",
    "count_now": "本期数量",
    "count_prev": "上期数量",
    "count_change": "数量变化",
    "area_now_mu": "本期面积(亩)",
    "area_prev_mu": "上期面积(亩)",
    "area_change_mu": "面积变化(亩)",
    "now": "现状",
    "target": "目标",
    "farmland": "耕地",
    "basic": "永久基本农田",
    "parameter": "参数",
    "value": "值",
    "no_geometry": "(无图形)",
    "rank_n": "序号",
}

#: Admin level -> its name.
LEVEL_NAMES: Final[dict[str, str]] = {
    "county": "县区",
    "township": "乡镇",
    "village": "村",
}

#: Title of the overview image of the findings.
OVERVIEW_TITLE: Final[str] = "问题分布概览"

#: Words of the report's charts.
CHARTS: Final[dict[str, str]] = {
    "no_data": "无数据",
    "by_rule": "各类问题数量",
    "count": "数量",
    "mu": "亩",
}

# --- the map (redline.report.map) -----------------------------------------------------

#: Title of a dataset's map page.
MAP_TITLE: Final[str] = "{name} · 耕地红线检查图"

#: The layer of one rule's findings.
MAP_RULE_LAYER: Final[str] = "问题:{rule}"
#: A yes/no value in a popup.
YES_NO: Final[tuple[str, str]] = ("是", "否")

#: Words of the map page's controls, legend and popups.
MAP: Final[dict[str, str]] = {
    "title": "耕地红线检查图",
    "findings": "问题",
    "layers": "图层",
    "severity": "严重程度(边线)",
    "raster": "[栅格显示]",
    "bulk": "[放大前以图像显示]",
    "search": "搜索地块或问题编号",
    "no_match": "无匹配",
    "fullscreen": "全屏",
    "measure": "测量距离和面积",
    "measure_hint": "在地图上点击以测量",
    "distance": "距离",
    "area": "面积",
    "mu": "亩",
    "id": "编号",
    "problem": "未能判定原因",
    "note": "备注",
}

# --- findings.xlsx -------------------------------------------------------------------

#: Table -> the name of its sheet.
SHEETS: Final[dict[str, str]] = {
    "findings": "问题清单",
    "summary": "汇总",
    "early_warning": "闲置预警",
    "excused": "非企业原因延期",
    "supply_rate": "供地率",
    "by_admin": "分区统计",
}

# --- a batch's roll-up (redline.tools.batch) -------------------------------------------

#: The row of totals in a batch's summary.csv.
TOTAL: Final[str] = "合计"

#: Words of a batch's overview page.
BATCH_MAP: Final[dict[str, str]] = {
    "title": "各县(市、区)土地执法检查汇总",
    "as_of": "检查截至 {date}",
    "made": "生成于 {date}",
    "counties": "县(市、区)",
    "figure": "显示指标",
    "illegal_share": "违法占用耕地比例",
    "findings_high_count": "严重问题数",
    "findings": "问题数",
    "idle_ha": "闲置土地(公顷)",
    "farmland_margin_ha": "耕地较保有量目标(公顷)",
    "quota_used_share": "计划指标使用率",
    "ha": "公顷",
    "all": "全部",
    "none": "无数据",
    "table": "各县(市、区)排名",
    "order": "序",
    "county": "县(市、区)",
    "status": "状态",
    "rank": "综合排名",
    "pages": "页面",
    "map_link": "地图",
    "report_link": "报告",
    "fullscreen": "全屏",
}

# --- the inspection loop (redline fieldwork / verdicts / check --previous) -------------

#: Headers of the columns of a case (cases.gpkg, checklist.xlsx, dossier.html).
CASE_HEADERS: Final[dict[str, str]] = {
    "case_id": "案件编号",
    "finding_ids": "问题编号",
    "rules": "规则",
    "features": "要素",
    "admin_code": "行政区代码",
    "admin_name": "乡镇",
    "severity": "严重程度",
    "area_m2": "面积(平方米)",
    "area_mu": "面积(亩)",
    "lon": "经度",
    "lat": "纬度",
    "regulation": "依据",
    "previous_verdict": "上轮结论",
    "verdict": "核查结论",
    "case_no": "立案编号",
    "checked_by": "核查人",
    "checked_on": "核查日期",
    "note": "备注",
    "photo": "照片",
}

#: Each verdict (as written in the files) in words.
VERDICT_NAMES: Final[dict[str, str]] = {
    "合法": "合法", "违法": "违法", "伪变化": "伪变化", "已整改": "已整改", "其他": "其他",
}

#: Words of the field files and the dossier.
FIELDWORK: Final[dict[str, str]] = {
    "checklist_sheet": "核查表",
    "kml_title": "外业核查图斑：{name}",
    "dossier_title": "外业核查卷宗：{name}",
    "case": "案件 {case_id}",
    "of": "第 {n} 件，共 {total} 件",
    "map": "案件位置及周边",
    "points": "界址点坐标（X 纵坐标，Y 横坐标，{crs}）",
    "point": "点号",
    "areas": "{m2:,.1f} 平方米（{mu:,.2f} 亩）",
    "ids": "问题与要素编号",
    "regulation": "依据",
    "messages": "发现的问题",
    "verdict_box": "核查结论（现场填写）",
    "verdict_choices": "合法 / 违法 / 伪变化 / 已整改 / 其他",
    "signature": "核查人、日期",
    "legend_case": "案件",
    "legend_basic_farmland": "永久基本农田",
    "legend_approvals": "批地",
    "legend_supply": "供地",
    "legend_changes": "变化图斑",
    "legend_evidence": "影像证据（建成）",
    "no_cases": "没有需要核查的案件。",
    "previous_verdict": "上轮结论",
    "scale": "{m:g} 米",
}

#: Headers of the verdict counts summary.csv gains from `redline verdicts`, and of the
#: quarter-over-quarter table of the report.
VERDICT_HEADERS: Final[dict[str, str]] = {
    "verdict_cases": "案件数",
    "verdict_unlawful": "确认违法",
    "verdict_rectified": "已整改",
    "verdict_cleared": "排除(合法、伪变化)",
    "verdict_other": "其他",
    "verdict_pending": "待核查",
    "new": "新增线索",
    "verified": "已核查",
    "filed": "已立案",
    "rectified": "已整改",
}

#: Titles and notes of the report's sections on verdicts.
VERDICT_REPORT: Final[dict[str, str]] = {
    "verdicts": "各行政区核查结论",
    "verdicts_note": "外业核查案件（同一地块上的问题合为一件）及 `redline verdicts` 导入的结论："
                     "{cases} 件中已核查 {judged} 件。",
    "quarter": "本轮与上轮对比",
    "quarter_note": "本次检查与 {as_of} 的检查（{path}）对比：新增线索、已有核查结论的地块、"
                    "已立案和已整改的案件。",
}

#: Errors of a verdict file: one line per bad row.
VERDICT_ERRORS: Final[dict[str, str]] = {
    "unknown_case": "案件 {case_id!r} 不是本结果目录的案件",
    "no_case": "缺少案件编号",
    "other_run": "本结果目录中案件 {case_id} 所含问题与文件不同（{given}），文件来自另一次检查",
    "bad_verdict": "核查结论 {value!r} 不在 {allowed} 之中",
    "no_verdict": "已填写其他字段但核查结论为空",
    "bad_date": "核查日期 {value!r} 不是 2026-07-15 这样的日期",
    "future_date": "核查日期 {value} 晚于今天",
    "conflict": "案件 {case_id} 有两个不同结论：{a}（{where_a}）与 {b}（{where_b}）",
}
