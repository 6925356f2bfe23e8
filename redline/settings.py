"""Default settings: domain thresholds with the regulation each comes from.

Functions read a setting only when the matching argument is ``None``; the
command line always passes explicit values, and every value used is recorded
in ``run.json``. Change a default for a whole session with, for example,
``redline.settings.sliver_m2 = 5.0``.
"""

from __future__ import annotations

# --- geometry -------------------------------------------------------------

#: Overlaps smaller than this (ellipsoidal m2) are digitising noise, not findings.
#: 1 m2 is far above a 1 mm offset along a 1 km edge (1 m2 only at 1 km of 1 mm),
#: and far below the smallest parcel anyone enforces on (a rural homestead, ~100 m2).
sliver_m2: float = 1.0

#: Two features closer than this (metres) touch: a change patch names the nearest
#: approval within it (卫片执法 check tables list the adjacent batch). A digitising
#: tolerance, not a regulation.
touch_m: float = 1.0

#: Land-class codes (三调 DLBM) that count as farmland (耕地).
farmland_codes: tuple[str, ...] = ("0101", "0102", "0103")

#: Square metres in one mu (亩) and one hectare (公顷).
M2_PER_MU: float = 10_000.0 / 15.0
M2_PER_HA: float = 10_000.0

# --- idle land: 闲置土地处置办法 (国土资源部令第53号, 2012), Art. 2, 8, 14 --------

#: Full years unstarted after the agreed start date before land is idle (Art. 2).
idle_years_fee: int = 1
#: Full years unstarted before the land is reclaimed without compensation (Art. 14).
idle_years_reclaim: int = 2
#: Idle fee as a share of the land price after one year (Art. 14).
idle_fee_share: float = 0.20
#: Started but developed area below this share of the whole is still idle (Art. 2).
idle_built_share: float = 1.0 / 3.0
#: Started but investment below this share of the total is still idle (Art. 2).
idle_invest_share: float = 0.25
#: With no agreed start date, the clock starts this many years after the contract
#: (闲置土地处置办法 1999, Art. 2).
idle_no_start_offset_years: int = 1
#: Days ahead of --as-of for the early-warning list.
idle_warning_days: int = 90

# --- approvals not supplied (批而未供) ----------------------------------------

#: Approvals older than this many years with unsupplied area are findings.
approved_not_supplied_years: int = 2

# --- construction evidence raster --------------------------------------------

#: Built-up fraction above which a parcel recorded as not started is flagged.
evidence_built_high: float = 0.5
#: Built-up fraction below which a parcel recorded as started is sent to field check.
evidence_built_low: float = 0.05

# --- criminal threshold: 最高人民法院关于审理破坏土地资源刑事案件具体应用法律若干问题的解释
# (法释〔2000〕14号), Art. 3: "数量较大" (unverified against the current text) ---

#: Illegally occupied basic farmland, in mu, that goes to prosecution.
criminal_basic_mu: float = 5.0
#: Illegally occupied other farmland, in mu, that goes to prosecution.
criminal_farmland_mu: float = 10.0

# --- accountability: 违反土地管理规定行为处分办法 (监察部 人社部 国土部令第15号, 2008), Art. 3 ---

#: Illegally occupied farmland as a share of all farmland newly occupied for construction.
accountability_ratio: float = 0.15

# --- industrial land: 工业项目建设用地控制指标 (国土资发〔2008〕24号) -----------

#: Minimum building coefficient (建筑系数).
industrial_min_building_coefficient: float = 0.30
#: Maximum share of land for offices and living facilities (行政办公及生活服务设施用地所占比重).
industrial_max_office_share: float = 0.07
#: Maximum green ratio (绿地率).
industrial_max_green_ratio: float = 0.20
#: Default minimum plot ratio (容积率) when the industry is not known.
industrial_min_plot_ratio: float = 0.6

#: Year from which industrial land must be sold by tender, auction or listing
#: (国发〔2006〕31号, 招标拍卖挂牌出让国有建设用地使用权规定 2007; date unverified).
industrial_auction_from_year: int = 2007
