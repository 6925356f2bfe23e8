"""Land classes of the second (二调) and third (三调) national land surveys.

One table of land-use classes that the dataset reader and the rules share: a
land-class value from any layer (``DLBM``, ``地类编码``, ``土地用途``...) is read
into its survey system and code, its names, and what kind of land it is, so that
farmland, construction land and the other kinds are decided in one place.

The tables
----------
``三调``
    The classes of GB/T 21010-2017 *土地利用现状分类* (0101 ... 1207, with the
    second-level classes 0501-0507, 0604, 0801-0808 and 0901-0906), together
    with the 三调 work classification (第三次全国国土调查工作分类, TD/T 1055-2019
    Table A.2) that merges some of them: 05H1 商业服务业设施用地 (0501-0507),
    0508 物流仓储用地 (holding 0604), 08H1 机关团体新闻出版用地 (0801-0802), 08H2
    科教文卫用地 (0803-0808), 09 特殊用地 (0901-0906), and the sub-classes it adds:
    the restorable (可调整, "K") classes 0201K-0204K, 0301K, 0302K, 0307K, 0403K,
    1104K, and 0810A 广场用地, 1104A 养殖坑塘, 1107A 干渠. Level-one classes 01-12
    and the 三调 wetland group 00 湿地 (0303, 0304, 0306, 0402, 0603, 1105, 1106,
    1108) are classes too, so a filter on ``"03"`` keeps all forest land.
``二调``
    GB/T 21010-2007 (011 ... 127) with the 二调 rural classification's
    20 城镇村及工矿用地 (201 城市, 202 建制镇, 203 村庄, 204 采矿用地, 205 风景名胜及
    特殊用地).

The codes and names follow the standards' published tables (GB/T 21010-2007
Table A.1, GB/T 21010-2017 Table 1, TD/T 1055-2019 Table A.2 as reproduced in
public 三调 tables). *Unverified*: the English names are this module's own;
which 三大类 (agricultural / construction / unused) a few natural classes fall in
(0402 沼泽草地, 0404 其他草地, 1105/1106 滩涂) was taken from reproductions of the
standards' Appendix A, not from the official texts; it changes no rule, since all
of them are "other agricultural or natural" land below.

What kind of land a class is
----------------------------
Each class has a kind: ``farmland`` (耕地), ``construction`` (建设用地),
``facility_agriculture`` (设施农用地), ``agricultural`` (other 农用地) or
``unused`` (未利用地), following each edition's own 三大类 table (土地管理法
Art. 4's agricultural / construction / unused land). The borderline classes:

- 1006 农村道路 / 104: agricultural land in both editions (rural roads under 8 m
  serve the fields); turning farmland into one is not construction.
- 1202 设施农用地 / 122: agricultural land managed by 备案 (自然资规〔2019〕4号),
  its own kind ``facility_agriculture``: neither farmland nor construction.
- 1201 空闲地 / 121: construction land (vacant land inside built-up areas).
- 1203 田坎 / 123: agricultural land (ridges are deducted from farmland area).
- 1104 坑塘水面, 1104A 养殖坑塘, 1104K / 114: agricultural land; a fish pond dug
  in farmland is 非农化/非粮化 under 土地管理法 Art. 37, not construction.
- 1107 沟渠 / 117: agricultural; 1107A 干渠 (main canals): construction in the
  三调 work classification (*unverified*: from public reproductions of Table A.4).
- 1109 水工建筑用地 / 118: construction.
- 1103 水库水面: agricultural in GB/T 21010-2017 Appendix A, while 113 水库水面 is
  construction in the 2007 edition's table; each edition is followed as written
  (*verify* against the official Appendix A of 2017).
- 0603 盐田: construction (工矿用地), though 三调 also lists it under 00 湿地.
- 0810 公园与绿地 and 0810A 广场用地: construction (公共管理与公共服务用地).
- 201-205 and 20 (二调): construction. 三调 has no land class for them: it records
  城镇村 membership in a separate field (CZCSXM), so they have no 三调 equivalent.
- The restorable K classes (0201K ...): agricultural, not farmland (三调 counts
  them apart from 耕地, as land that can be restored to it).

Reading values
--------------
A value may be a code (``0101``, ``011``, ``05H1``), a code with a letter suffix
(``0301K``, ``1104A``; an unknown suffix on a known code is classed as that code
and kept), a name (``水田``; ``其它`` is read as ``其他``), or both (``0101 水田``,
``水田(0101)``); full-width characters are folded. Codes are never padded across
systems: ``"011"`` is 二调 水田 and stays ``011``, never ``0011``. A value with its
leading zero lost (``101`` from a numeric field) is read in whichever system
has the code; ``101``-``103`` and ``201``-``204`` exist in both (三调 0101 水田 with
its zero lost, or 二调 101 铁路用地), and are resolved by the other values of the
same column (a column holding ``1001`` is 三调), by ``system=``, or else left
unknown with the reason. Codes of the 2001 *全国土地分类（试行）* (111 灌溉水田 ...)
are not recognised: they collide with 二调 codes and cannot be told apart.

Examples
--------
>>> import pandas as pd
>>> classify(pd.Series(["0101", "011", "0301K", "水浇地", "1202"]))[["system", "code", "kind"]]
  system   code                  kind
0     三调   0101              farmland
1     二调    011              farmland
2     三调  0301K          agricultural
3     三调   0102              farmland
4     三调   1202  facility_agriculture
>>> loss_kind("0702"), loss_kind("1104A"), loss_kind("122")
('construction', 'other_agricultural_or_natural', 'facility_agriculture')
>>> keep = class_filter(["水田", "旱地"])
>>> keep(pd.Series(["011", "0101", "013", "0102", "101"])).tolist()
[True, True, True, False, False]
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from redline import settings
from redline.errors import ConfigError

System = Literal["三调", "二调"]
SYSTEMS: Final[tuple[System, ...]] = ("三调", "二调")

Kind = Literal["farmland", "construction", "facility_agriculture", "agricultural", "unused"]
LossKind = Literal[
    "construction", "facility_agriculture", "other_agricultural_or_natural", "farmland",
    "unknown",
]

#: 三大类 of each kind (土地管理法 Art. 4).
CATEGORY: Final[dict[Kind, str]] = {
    "farmland": "农用地", "agricultural": "农用地", "facility_agriculture": "农用地",
    "construction": "建设用地", "unused": "未利用地",
}


@dataclass(frozen=True)
class LandClass:
    """One land-use class of one survey system."""

    system: System
    code: str
    zh: str
    en: str
    #: ``None`` for a group whose classes are of several kinds (10 交通运输用地).
    kind: Kind | None
    #: The classes it belongs to directly (a class may sit in two groups: 0303 in 03 and 00).
    parents: tuple[str, ...] = ()
    note: str = ""

    @property
    def level(self) -> int:
        """1 for a level-one group (``"01"``), 2 for the classes below it."""
        return 1 if not self.parents else 2

    def label(self) -> str:
        """``code name``, e.g. ``"0101 水田"``."""
        return f"{self.code} {self.zh}"


_F, _C, _S, _A, _U = "farmland", "construction", "facility_agriculture", "agricultural", "unused"

# (code, 中文名, English name, kind, parents, note); level-one groups have no parents and
# their kind is worked out from their members.
_SANDIAO_ROWS: Final[tuple[tuple[str, str, str, str | None, tuple[str, ...], str], ...]] = (
    ("00", "湿地", "Wetland", None, (), "三调 group across level-one classes"),
    ("01", "耕地", "Cultivated land", None, (), ""),
    ("02", "种植园用地", "Plantation land", None, (), "GB/T 21010-2017: 园地"),
    ("03", "林地", "Forest land", None, (), ""),
    ("04", "草地", "Grassland", None, (), ""),
    ("05", "商业服务业用地", "Commercial and service land", None, (),
     "GB/T 21010-2017: 商服用地"),
    ("06", "工矿用地", "Industrial and mining land", None, (),
     "GB/T 21010-2017: 工矿仓储用地"),
    ("07", "住宅用地", "Residential land", None, (), ""),
    ("08", "公共管理与公共服务用地", "Public administration and service land", None, (), ""),
    ("09", "特殊用地", "Special-use land", _C, (), "a level-one class 三调 does not divide"),
    ("10", "交通运输用地", "Transport land", None, (), ""),
    ("11", "水域及水利设施用地", "Water and water-conservancy land", None, (), ""),
    ("12", "其他土地", "Other land", None, (), ""),
    ("0101", "水田", "Paddy field", _F, ("01",), ""),
    ("0102", "水浇地", "Irrigated land", _F, ("01",), ""),
    ("0103", "旱地", "Dry land", _F, ("01",), ""),
    ("0201", "果园", "Orchard", _A, ("02",), ""),
    ("0201K", "可调整果园", "Orchard, restorable to farmland", _A, ("0201",), ""),
    ("0202", "茶园", "Tea garden", _A, ("02",), ""),
    ("0202K", "可调整茶园", "Tea garden, restorable to farmland", _A, ("0202",), ""),
    ("0203", "橡胶园", "Rubber plantation", _A, ("02",), ""),
    ("0203K", "可调整橡胶园", "Rubber plantation, restorable to farmland", _A, ("0203",), ""),
    ("0204", "其他园地", "Other plantation", _A, ("02",), ""),
    ("0204K", "可调整其他园地", "Other plantation, restorable to farmland", _A, ("0204",), ""),
    ("0301", "乔木林地", "Arbor forest", _A, ("03",), ""),
    ("0301K", "可调整乔木林地", "Arbor forest, restorable to farmland", _A, ("0301",), ""),
    ("0302", "竹林地", "Bamboo forest", _A, ("03",), ""),
    ("0302K", "可调整竹林地", "Bamboo forest, restorable to farmland", _A, ("0302",), ""),
    ("0303", "红树林地", "Mangrove forest", _A, ("03", "00"), ""),
    ("0304", "森林沼泽", "Forest swamp", _A, ("03", "00"), ""),
    ("0305", "灌木林地", "Shrub forest", _A, ("03",), ""),
    ("0306", "灌丛沼泽", "Shrub swamp", _A, ("03", "00"), ""),
    ("0307", "其他林地", "Other forest land", _A, ("03",), ""),
    ("0307K", "可调整其他林地", "Other forest land, restorable to farmland", _A, ("0307",), ""),
    ("0401", "天然牧草地", "Natural pasture", _A, ("04",), ""),
    ("0402", "沼泽草地", "Marsh grassland", _A, ("04", "00"), "三大类 unverified"),
    ("0403", "人工牧草地", "Sown pasture", _A, ("04",), ""),
    ("0403K", "可调整人工牧草地", "Sown pasture, restorable to farmland", _A, ("0403",), ""),
    ("0404", "其他草地", "Other grassland", _U, ("04",), "三大类 unverified"),
    ("05H1", "商业服务业设施用地", "Commercial and service facilities", _C, ("05",), ""),
    ("0501", "零售商业用地", "Retail", _C, ("05H1",), ""),
    ("0502", "批发市场用地", "Wholesale market", _C, ("05H1",), ""),
    ("0503", "餐饮用地", "Catering", _C, ("05H1",), ""),
    ("0504", "旅馆用地", "Hotel", _C, ("05H1",), ""),
    ("0505", "商务金融用地", "Business and finance", _C, ("05H1",), ""),
    ("0506", "娱乐用地", "Entertainment", _C, ("05H1",), ""),
    ("0507", "其他商服用地", "Other commercial and service", _C, ("05H1",), ""),
    ("0508", "物流仓储用地", "Logistics and warehousing", _C, ("05",), ""),
    ("0601", "工业用地", "Industrial", _C, ("06",), ""),
    ("0602", "采矿用地", "Mining", _C, ("06",), ""),
    ("0603", "盐田", "Salt pan", _C, ("06", "00"), ""),
    ("0604", "仓储用地", "Warehousing", _C, ("06", "0508"), "三调 counts it in 0508"),
    ("0701", "城镇住宅用地", "Urban residential", _C, ("07",), ""),
    ("0702", "农村宅基地", "Rural homestead", _C, ("07",), ""),
    ("08H1", "机关团体新闻出版用地", "Government, organisations and press", _C, ("08",), ""),
    ("0801", "机关团体用地", "Government and organisations", _C, ("08H1",), ""),
    ("0802", "新闻出版用地", "Press and publishing", _C, ("08H1",), ""),
    ("08H2", "科教文卫用地", "Science, education, culture and health", _C, ("08",), ""),
    ("0803", "教育用地", "Education", _C, ("08H2",), ""),
    ("0804", "科研用地", "Research", _C, ("08H2",), ""),
    ("0805", "医疗卫生用地", "Health care", _C, ("08H2",), ""),
    ("0806", "社会福利用地", "Social welfare", _C, ("08H2",), ""),
    ("0807", "文化设施用地", "Cultural facilities", _C, ("08H2",), ""),
    ("0808", "体育用地", "Sports", _C, ("08H2",), ""),
    ("0809", "公用设施用地", "Public utilities", _C, ("08",), ""),
    ("0810", "公园与绿地", "Parks and green space", _C, ("08",), ""),
    ("0810A", "广场用地", "Public square", _C, ("0810",), ""),
    ("0901", "军事设施用地", "Military facilities", _C, ("09",), ""),
    ("0902", "使领馆用地", "Embassies and consulates", _C, ("09",), ""),
    ("0903", "监教场所用地", "Prisons and reformatories", _C, ("09",), ""),
    ("0904", "宗教用地", "Religious", _C, ("09",), ""),
    ("0905", "殡葬用地", "Burial", _C, ("09",), ""),
    ("0906", "风景名胜设施用地", "Scenic-spot facilities", _C, ("09",), ""),
    ("1001", "铁路用地", "Railway", _C, ("10",), ""),
    ("1002", "轨道交通用地", "Rail transit", _C, ("10",), ""),
    ("1003", "公路用地", "Highway", _C, ("10",), ""),
    ("1004", "城镇村道路用地", "Urban and village roads", _C, ("10",), ""),
    ("1005", "交通服务场站用地", "Transport service stations", _C, ("10",), ""),
    ("1006", "农村道路", "Rural roads", _A, ("10",), "agricultural land"),
    ("1007", "机场用地", "Airport", _C, ("10",), ""),
    ("1008", "港口码头用地", "Port and wharf", _C, ("10",), ""),
    ("1009", "管道运输用地", "Pipeline transport", _C, ("10",), ""),
    ("1101", "河流水面", "River surface", _U, ("11",), ""),
    ("1102", "湖泊水面", "Lake surface", _U, ("11",), ""),
    ("1103", "水库水面", "Reservoir surface", _A, ("11",),
     "agricultural in GB/T 21010-2017 Appendix A (2007: 113 construction); verify"),
    ("1104", "坑塘水面", "Pond surface", _A, ("11",), ""),
    ("1104A", "养殖坑塘", "Aquaculture pond", _A, ("1104",), ""),
    ("1104K", "可调整养殖坑塘", "Aquaculture pond, restorable to farmland", _A, ("1104",), ""),
    ("1105", "沿海滩涂", "Coastal tidal flat", _U, ("11", "00"), "三大类 unverified"),
    ("1106", "内陆滩涂", "Inland tidal flat", _U, ("11", "00"), "三大类 unverified"),
    ("1107", "沟渠", "Ditch", _A, ("11",), ""),
    ("1107A", "干渠", "Main canal", _C, ("1107",), "construction: unverified"),
    ("1108", "沼泽地", "Swamp", _U, ("11", "00"), ""),
    ("1109", "水工建筑用地", "Hydraulic structures", _C, ("11",), ""),
    ("1110", "冰川及永久积雪", "Glacier and permanent snow", _U, ("11",), ""),
    ("1201", "空闲地", "Vacant land", _C, ("12",), ""),
    ("1202", "设施农用地", "Facility agricultural land", _S, ("12",),
     "agricultural land under 备案 (自然资规〔2019〕4号)"),
    ("1203", "田坎", "Field ridge", _A, ("12",), ""),
    ("1204", "盐碱地", "Saline-alkali land", _U, ("12",), ""),
    ("1205", "沙地", "Sandy land", _U, ("12",), ""),
    ("1206", "裸土地", "Bare soil", _U, ("12",), ""),
    ("1207", "裸岩石砾地", "Bare rock and gravel", _U, ("12",), ""),
)

_ERDIAO_ROWS: Final[tuple[tuple[str, str, str, str | None, tuple[str, ...], str], ...]] = (
    ("01", "耕地", "Cultivated land", None, (), ""),
    ("02", "园地", "Plantation land", None, (), ""),
    ("03", "林地", "Forest land", None, (), ""),
    ("04", "草地", "Grassland", None, (), ""),
    ("05", "商服用地", "Commercial and service land", None, (), ""),
    ("06", "工矿仓储用地", "Industrial, mining and warehousing land", None, (), ""),
    ("07", "住宅用地", "Residential land", None, (), ""),
    ("08", "公共管理与公共服务用地", "Public administration and service land", None, (), ""),
    ("09", "特殊用地", "Special-use land", None, (), ""),
    ("10", "交通运输用地", "Transport land", None, (), ""),
    ("11", "水域及水利设施用地", "Water and water-conservancy land", None, (), ""),
    ("12", "其他土地", "Other land", None, (), ""),
    ("20", "城镇村及工矿用地", "Towns, villages, industry and mining", None, (),
     "二调 rural classification"),
    ("011", "水田", "Paddy field", _F, ("01",), ""),
    ("012", "水浇地", "Irrigated land", _F, ("01",), ""),
    ("013", "旱地", "Dry land", _F, ("01",), ""),
    ("021", "果园", "Orchard", _A, ("02",), ""),
    ("022", "茶园", "Tea garden", _A, ("02",), ""),
    ("023", "其他园地", "Other plantation", _A, ("02",), ""),
    ("031", "有林地", "Forest", _A, ("03",), ""),
    ("032", "灌木林地", "Shrub forest", _A, ("03",), ""),
    ("033", "其他林地", "Other forest land", _A, ("03",), ""),
    ("041", "天然牧草地", "Natural pasture", _A, ("04",), ""),
    ("042", "人工牧草地", "Sown pasture", _A, ("04",), ""),
    ("043", "其他草地", "Other grassland", _U, ("04",), ""),
    ("051", "批发零售用地", "Wholesale and retail", _C, ("05",), ""),
    ("052", "住宿餐饮用地", "Lodging and catering", _C, ("05",), ""),
    ("053", "商务金融用地", "Business and finance", _C, ("05",), ""),
    ("054", "其他商服用地", "Other commercial and service", _C, ("05",), ""),
    ("061", "工业用地", "Industrial", _C, ("06",), ""),
    ("062", "采矿用地", "Mining", _C, ("06",), "includes salt pans"),
    ("063", "仓储用地", "Warehousing", _C, ("06",), ""),
    ("071", "城镇住宅用地", "Urban residential", _C, ("07",), ""),
    ("072", "农村宅基地", "Rural homestead", _C, ("07",), ""),
    ("081", "机关团体用地", "Government and organisations", _C, ("08",), ""),
    ("082", "新闻出版用地", "Press and publishing", _C, ("08",), ""),
    ("083", "科教用地", "Science and education", _C, ("08",), ""),
    ("084", "医卫慈善用地", "Health care and charity", _C, ("08",), ""),
    ("085", "文体娱乐用地", "Culture, sports and entertainment", _C, ("08",), ""),
    ("086", "公共设施用地", "Public utilities", _C, ("08",), ""),
    ("087", "公园与绿地", "Parks and green space", _C, ("08",), ""),
    ("088", "风景名胜设施用地", "Scenic-spot facilities", _C, ("08",), ""),
    ("091", "军事设施用地", "Military facilities", _C, ("09",), ""),
    ("092", "使领馆用地", "Embassies and consulates", _C, ("09",), ""),
    ("093", "监教场所用地", "Prisons and reformatories", _C, ("09",), ""),
    ("094", "宗教用地", "Religious", _C, ("09",), ""),
    ("095", "殡葬用地", "Burial", _C, ("09",), ""),
    ("101", "铁路用地", "Railway", _C, ("10",), ""),
    ("102", "公路用地", "Highway", _C, ("10",), ""),
    ("103", "街巷用地", "Streets and lanes", _C, ("10",), ""),
    ("104", "农村道路", "Rural roads", _A, ("10",), "agricultural land"),
    ("105", "机场用地", "Airport", _C, ("10",), ""),
    ("106", "港口码头用地", "Port and wharf", _C, ("10",), ""),
    ("107", "管道运输用地", "Pipeline transport", _C, ("10",), ""),
    ("111", "河流水面", "River surface", _U, ("11",), ""),
    ("112", "湖泊水面", "Lake surface", _U, ("11",), ""),
    ("113", "水库水面", "Reservoir surface", _C, ("11",),
     "construction in GB/T 21010-2007 Appendix A (2017: 1103 agricultural)"),
    ("114", "坑塘水面", "Pond surface", _A, ("11",), ""),
    ("115", "沿海滩涂", "Coastal tidal flat", _U, ("11",), ""),
    ("116", "内陆滩涂", "Inland tidal flat", _U, ("11",), ""),
    ("117", "沟渠", "Ditch", _A, ("11",), ""),
    ("118", "水工建筑用地", "Hydraulic structures", _C, ("11",), ""),
    ("119", "冰川及永久积雪", "Glacier and permanent snow", _U, ("11",), ""),
    ("121", "空闲地", "Vacant land", _C, ("12",), ""),
    ("122", "设施农用地", "Facility agricultural land", _S, ("12",),
     "agricultural land under 备案"),
    ("123", "田坎", "Field ridge", _A, ("12",), ""),
    ("124", "盐碱地", "Saline-alkali land", _U, ("12",), ""),
    ("125", "沼泽地", "Swamp", _U, ("12",), ""),
    ("126", "沙地", "Sandy land", _U, ("12",), ""),
    ("127", "裸地", "Bare land", _U, ("12",), ""),
    ("201", "城市", "City", _C, ("20",), ""),
    ("202", "建制镇", "Designated town", _C, ("20",), ""),
    ("203", "村庄", "Village", _C, ("20",), ""),
    ("204", "采矿用地", "Mining", _C, ("20",), "二调 rural classification"),
    ("205", "风景名胜及特殊用地", "Scenic spots and special use", _C, ("20",), ""),
)

#: The 三调 classes each 二调 class became: one entry, the same class; several, the 二调
#: class was divided (GB/T 21010-2017's foreword lists the divisions: 051, 052, 083, 084,
#: 085, 101, 103, 127, and 盐田 out of 062). ``_TO_SANDIAO_MAIN`` names the usual 三调
#: equivalent of a divided class. *Unverified*: 0810A 广场 as part of 085 (2007 counted
#: public squares in 文体娱乐用地), and the wetland classes 0302-0304, 0306, 0402 as parts of
#: 031, 032 and 041.
_ERDIAO_PARTS: Final[dict[str, tuple[str, ...]]] = {
    "011": ("0101",), "012": ("0102",), "013": ("0103",),
    "021": ("0201",), "022": ("0202",), "023": ("0203", "0204"),
    "031": ("0301", "0302", "0303", "0304"), "032": ("0305", "0306"), "033": ("0307",),
    "041": ("0401", "0402"), "042": ("0403",), "043": ("0404",),
    "051": ("0501", "0502"), "052": ("0503", "0504"), "053": ("0505",), "054": ("0507",),
    "061": ("0601",), "062": ("0602", "0603"), "063": ("0604",),
    "071": ("0701",), "072": ("0702",),
    "081": ("0801",), "082": ("0802",), "083": ("0803", "0804"), "084": ("0805", "0806"),
    "085": ("0506", "0807", "0808", "0810A"), "086": ("0809",), "087": ("0810",),
    "088": ("0906",),
    "091": ("0901",), "092": ("0902",), "093": ("0903",), "094": ("0904",), "095": ("0905",),
    "101": ("1001", "1002"), "102": ("1003",), "103": ("1004", "1005"), "104": ("1006",),
    "105": ("1007",),
    "106": ("1008",), "107": ("1009",),
    "111": ("1101",), "112": ("1102",), "113": ("1103",), "114": ("1104",), "115": ("1105",),
    "116": ("1106",), "117": ("1107",), "118": ("1109",), "119": ("1110",),
    "121": ("1201",), "122": ("1202",), "123": ("1203",), "124": ("1204",), "125": ("1108",),
    "126": ("1205",), "127": ("1206", "1207"),
}
#: The usual 三调 (work-classification) equivalent where it is not the only part.
_TO_SANDIAO_MAIN: Final[dict[str, str]] = {
    "023": "0204", "031": "0301", "032": "0305", "041": "0401",
    "051": "05H1", "052": "05H1", "053": "05H1", "054": "05H1", "062": "0602", "063": "0508",
    "081": "08H1", "082": "08H1", "083": "08H2", "084": "08H2", "085": "08H2",
    "088": "09", "091": "09", "092": "09", "093": "09", "094": "09", "095": "09",
    "101": "1001", "103": "1004", "127": "1206",
}

#: Other spellings of names, folded before lookup (edition names and common variants).
_NAME_ALIASES: Final[dict[str, tuple[tuple[System, str], ...]]] = {
    "园地": (("三调", "02"), ("二调", "02")),
    "商服用地": (("三调", "05"), ("二调", "05")),
    "工矿仓储用地": (("三调", "06"), ("二调", "06")),
    "商业服务业设施用地": (("三调", "05H1"),),
    "水浇田": (("三调", "0102"), ("二调", "012")),
}


def _build(rows: Iterable[tuple[str, str, str, str | None, tuple[str, ...], str]],
           system: System) -> dict[str, LandClass]:
    table = {code: LandClass(system, code, zh, en, kind, parents, note)  # type: ignore[arg-type]
             for code, zh, en, kind, parents, note in rows}
    # A group's kind: the one kind all its members share, else None (mixed).
    for code, cls in list(table.items()):
        if cls.kind is not None:
            continue
        kinds = {c.kind for c in table.values() if code in _ancestors_in(table, c.code)}
        if len(kinds) == 1 and None not in kinds:
            table[code] = LandClass(system, code, cls.zh, cls.en, kinds.pop(), cls.parents,
                                    cls.note)
    return table


def _ancestors_in(table: Mapping[str, LandClass], code: str) -> set[str]:
    out: set[str] = set()
    todo = list(table[code].parents)
    while todo:
        p = todo.pop()
        if p not in out:
            out.add(p)
            todo.extend(table[p].parents)
    return out


TABLES: Final[dict[System, dict[str, LandClass]]] = {
    "三调": _build(_SANDIAO_ROWS, "三调"),
    "二调": _build(_ERDIAO_ROWS, "二调"),
}

Key = tuple[System, str]

#: 三调 work classes that are exactly the union of the GB/T 21010-2017 classes below them
#: (0508 is not: it also takes logistics land from elsewhere).
_MERGED: Final[frozenset[str]] = frozenset({"05H1", "08H1", "08H2"})


def _fold_name(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("其它", "其他")


def _name_index() -> dict[str, tuple[Key, ...]]:
    index: dict[str, list[Key]] = {}
    for system, table in TABLES.items():
        for code, cls in table.items():
            index.setdefault(_fold_name(cls.zh), []).append((system, code))
    for alias, keys in _NAME_ALIASES.items():
        index.setdefault(alias, []).extend(k for k in keys if k not in index.get(alias, []))
    return {k: tuple(v) for k, v in index.items()}


_NAMES: Final[dict[str, tuple[Key, ...]]] = _name_index()

_CODE_RE: Final = re.compile(r"(?<![0-9A-Z])(\d{2}H\d|\d{1,4})([A-Z])?(?![0-9A-Z])")
_FLOAT_RE: Final = re.compile(r"\d+\.0*")


def lookup(code: str, system: System) -> LandClass | None:
    """Return the class of ``code`` in ``system`` (an unknown letter suffix is its base code's).

    Examples
    --------
    >>> lookup("0101", "三调").zh, lookup("0101A", "三调").zh, lookup("011", "三调")
    ('水田', '水田', None)
    """
    table = TABLES[system]
    if code in table:
        return table[code]
    if len(code) > 2 and code[-1].isalpha() and code[:-1] in table:
        return table[code[:-1]]
    return None


@dataclass(frozen=True)
class _Read:
    """A value read on its own: candidate (system, code) keys, or why it cannot be read."""

    keys: tuple[Key, ...] = ()
    problem: str = ""
    note: str = ""


def _candidates(code: str, suffix: str, *, numeric: bool) -> tuple[Key, ...]:
    """Return the (system, code) keys a written code can stand for."""
    full = code + suffix
    if len(code) == 4 or "H" in code:
        return (("三调", full),) if lookup(full, "三调") else ()
    if len(code) <= 2:
        if numeric and len(code) == 2 and lookup(code.zfill(3), "二调"):
            # 11 from a number is 二调 011 with its zero lost, not the group 11.
            return (("二调", code.zfill(3)),)
        code = code.zfill(2)
        return tuple((s, code + suffix) for s in SYSTEMS if lookup(code + suffix, s))
    # Three digits: 二调 as written; 三调 only when a leading zero was lost ("101" -> 0101).
    keys: tuple[Key, ...] = (("二调", full),) if lookup(full, "二调") else ()
    if code[0] != "0" and lookup("0" + full, "三调"):
        keys += (("三调", "0" + full),)
    return keys


def _one_number(value: float) -> str | None:
    if not np.isfinite(value) or value != int(value) or value < 0:
        return None
    return str(int(value))


@lru_cache(maxsize=4096)
def _read_text(text: str, numeric: bool) -> _Read:  # noqa: PLR0911 - one return per reading
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    if not folded:
        return _Read()
    if _FLOAT_RE.fullmatch(folded):
        folded, numeric = folded.split(".")[0], True
    codes = list(_CODE_RE.finditer(folded))
    name = _fold_name(_CODE_RE.sub(" ", folded).strip(" -_:.、()[]【】"))
    name = re.sub(r"^[\W_]+|[\W_]+$", "", name)
    if len(codes) > 1:
        return _Read(problem=f"land class {text!r} holds {len(codes)} codes")
    if not codes:
        keys = _NAMES.get(name, ())
        if not keys:
            return _Read(problem=f"land class {text!r} is no 三调 or 二调 code or name")
        return _Read(keys=keys)
    code, suffix = codes[0].group(1), codes[0].group(2) or ""
    keys = _candidates(code, suffix, numeric=numeric)
    if not keys:
        return _Read(problem=f"land class {text!r} is no 三调 or 二调 code")
    if name:
        named = set(_NAMES.get(name, ()))
        agree = tuple(k for k in keys if (k[0], _base(k)) in named or k in named)
        if agree:
            return _Read(keys=agree)
        cls = lookup(keys[0][1], keys[0][0])
        note = (f"code {code + suffix} is {cls.zh if cls else '?'}, not {name}: the code is used")
        return _Read(keys=keys, note=note)
    return _Read(keys=keys)


def _base(key: Key) -> str:
    cls = lookup(key[1], key[0])
    return cls.code if cls is not None else key[1]


def _read_value(value: object) -> _Read:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return _Read()
    if isinstance(value, bool):
        return _Read(problem=f"land class {value!r} is not a code")
    if isinstance(value, int | np.integer | float | np.floating):
        text = _one_number(float(value))
        if text is None:
            return _Read(problem=f"land class {value!r} is not a code")
        return _read_text(text, True)
    return _read_text(str(value), False)


def _labels(keys: Sequence[Key]) -> str:
    return " or ".join(f"{s} {c} {TABLES[s][_base((s, c))].zh}" for s, c in keys)


def _ambiguity(value: object, keys: Sequence[Key]) -> str:
    return (f"land class {value!r} may be {_labels(keys)}: give the layer's land-class "
            f"system (三调 or 二调), or write 三调 codes with their leading zero")


def infer_system(values: pd.Series | Sequence[object]) -> tuple[System | None, str]:
    """Tell which survey system a column of land classes is in, and why.

    Only values that name their system by themselves count: 4-character codes
    (``0101``, ``05H1``) are 三调, 3-digit codes with a leading zero (``011``) and
    codes that exist only in 二调 (``111``-``127``, ``205``) are 二调.

    Examples
    --------
    >>> infer_system(["101", "1001", "0102"])
    ('三调', '2 of 3 distinct values are 三调 codes, none 二调')
    >>> infer_system(["101", "102"])[0] is None
    True
    """
    distinct = pd.unique(pd.Series(list(values) if not isinstance(values, pd.Series)
                                   else values, dtype=object))
    found: dict[System, int] = {"三调": 0, "二调": 0}
    for v in distinct:
        read = _read_value(v)
        systems = {k[0] for k in read.keys}
        if len(systems) == 1 and not any(_level(k) == 1 for k in read.keys):
            found[systems.pop()] += 1
    n = len(distinct)
    if found["三调"] and not found["二调"]:
        return "三调", f"{found['三调']} of {n} distinct values are 三调 codes, none 二调"
    if found["二调"] and not found["三调"]:
        return "二调", f"{found['二调']} of {n} distinct values are 二调 codes, none 三调"
    if found["三调"] and found["二调"]:
        return None, (f"the values mix 三调 ({found['三调']}) and 二调 ({found['二调']}) "
                      "codes")
    return None, "no value names its system by itself"


def _resolve(read: _Read, value: object, system: System | None,  # noqa: PLR0911
             inferred: System | None) -> tuple[Key | None, str]:
    """Pick one key for a value: (key, problem-or-note)."""
    keys = read.keys
    if system is not None:
        keys = tuple(k for k in keys if k[0] == system)
        if not keys:
            return None, (read.problem or f"land class {value!r} is no {system} code or name")
        return keys[0], read.note
    if len(keys) == 1:
        return keys[0], read.note
    if not keys:
        return None, read.problem
    systems = {k[0] for k in keys}
    if inferred is not None and inferred in systems:
        return next(k for k in keys if k[0] == inferred), read.note
    # Same class in both (a name, a level-one code): read as 三调 when nothing says otherwise.
    if all(_same_class(keys[0], k) for k in keys[1:]):
        return next(k for k in keys if k[0] == "三调"), read.note
    return None, _ambiguity(value, keys)


def _same_class(a: Key, b: Key) -> bool:
    """Whether two keys mean the same land: one name and kind, or one level-one group."""
    ca, cb = lookup(a[1], a[0]), lookup(b[1], b[0])
    if ca is None or cb is None:
        return False
    if ca.level == cb.level == 1 and ca.code == cb.code:
        return True
    return ca.zh == cb.zh and ca.kind == cb.kind


def _level(key: Key) -> int:
    cls = lookup(key[1], key[0])
    return cls.level if cls is not None else 0


def equivalent_sandiao(code: str) -> str | None:
    """Return the usual 三调 class of a 二调 code (``"011" -> "0101"``), or None if none.

    Examples
    --------
    >>> equivalent_sandiao("011"), equivalent_sandiao("052"), equivalent_sandiao("203")
    ('0101', '05H1', None)
    """
    cls = lookup(code, "二调")
    if cls is None:
        return None
    if cls.level == 1:
        return cls.code if cls.code in TABLES["三调"] else None
    parts = _ERDIAO_PARTS.get(cls.code, ())
    if not parts:
        return None
    return _TO_SANDIAO_MAIN.get(cls.code, parts[0])


_COLUMNS: Final = ("system", "code", "sandiao", "zh", "en", "kind", "category", "problem")


def classify(values: pd.Series | Sequence[object], *, system: System | None = None
             ) -> pd.DataFrame:
    """Read land-class values into their system, code, names and kind.

    Parameters
    ----------
    values
        Codes, names or ``code name`` texts, as text or numbers; aligned output.
    system
        The system the values are in; inferred from the values when None
        (:func:`infer_system`), and a value that names neither is read as 三调
        when it means the same in both (a name, a level-one code).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``: ``system`` and ``code`` (None when unread; the
        code keeps its suffix), ``sandiao`` (the 三调 equivalent: the code itself
        for 三调, :func:`equivalent_sandiao` for 二调), ``zh`` and ``en`` names,
        ``kind`` and ``category`` (三大类), and ``problem`` (why a non-blank value
        could not be read, or what was decided about it; ``""`` otherwise).
    """
    if system is not None and system not in SYSTEMS:
        raise ConfigError(f"land-class system {system!r} is not one of 三调, 二调",
                          fix='write "三调" (GB/T 21010-2017) or "二调" (GB/T 21010-2007)')
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, distinct = pd.factorize(series.astype(object), use_na_sentinel=True)
    inferred = infer_system(list(distinct))[0] if system is None else system
    rows: list[tuple[object, ...]] = []
    for value in distinct:
        read = _read_value(value)
        key, why = _resolve(read, value, system, inferred)
        if key is None:
            rows.append((None, None, None, None, None, None, None, why))
            continue
        cls = lookup(key[1], key[0])
        assert cls is not None
        sandiao = key[1] if key[0] == "三调" else equivalent_sandiao(key[1])
        kind = cls.kind
        rows.append((key[0], key[1], sandiao, cls.zh, cls.en, kind,
                     CATEGORY[kind] if kind is not None else None, why))
    rows.append((None,) * 7 + ("",))  # blank values (factorize's -1)
    table = np.array(rows, dtype=object)
    taken = table[codes]
    return pd.DataFrame({c: pd.Series(taken[:, i], index=series.index, dtype=object)
                         for i, c in enumerate(_COLUMNS)})


def _as_series(values: pd.Series | Sequence[object]) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)


def is_farmland(values: pd.Series | Sequence[object], *, system: System | None = None,
                codes: Sequence[str] | None = None) -> pd.Series:
    """Where the land class is farmland (耕地), in either system.

    Farmland is the classes within ``codes`` (``settings.farmland_codes`` when None:
    0101/0102/0103), which take in 二调 011/012/013 and suffixed sub-classes.

    Examples
    --------
    >>> is_farmland(["0101", "013", "0103A", "0201K", None]).tolist()
    [True, True, True, False, False]
    """
    series = _as_series(values)
    keep = _cached_filter(tuple(settings.farmland_codes if codes is None else codes))
    return pd.Series(keep(series, system=system), index=series.index, dtype=bool)


@lru_cache(maxsize=32)
def _cached_filter(items: tuple[str, ...]) -> ClassFilter:
    return class_filter(items, where="farmland_codes")


def _kind_is(values: pd.Series | Sequence[object], kinds: set[str],
             system: System | None) -> pd.Series:
    series = _as_series(values)
    kind = classify(series, system=system)["kind"]
    return kind.isin(list(kinds)).astype(bool)


def is_construction(values: pd.Series | Sequence[object], *,
                    system: System | None = None) -> pd.Series:
    """Where the land class is construction land (建设用地) in its own edition's table.

    Examples
    --------
    >>> is_construction(["0702", "1006", "1201", "1202", "113", "1103"]).tolist()
    [True, False, True, False, True, False]
    """
    return _kind_is(values, {"construction"}, system)


def is_agricultural_non_farmland(values: pd.Series | Sequence[object], *,
                                 system: System | None = None) -> pd.Series:
    """Where the land class is agricultural land other than farmland.

    Orchards, forest, pasture, rural roads, ponds, ditches, ridges and 设施农用地.

    Examples
    --------
    >>> is_agricultural_non_farmland(["0201", "114", "1202", "0101", "0404"]).tolist()
    [True, True, True, False, False]
    """
    return _kind_is(values, {"agricultural", "facility_agriculture"}, system)


_LOSS: Final[dict[str, LossKind]] = {
    "farmland": "farmland", "construction": "construction",
    "facility_agriculture": "facility_agriculture",
    "agricultural": "other_agricultural_or_natural", "unused": "other_agricultural_or_natural",
}


@overload
def loss_kind(  # type: ignore[overload-overlap]  # a str is also a Sequence
        values: str, *, system: System | None = None) -> LossKind: ...
@overload
def loss_kind(values: pd.Series | Sequence[object], *,
              system: System | None = None) -> pd.Series: ...
def loss_kind(values: str | pd.Series | Sequence[object], *,
              system: System | None = None) -> LossKind | pd.Series:
    """Tell what farmland became when its land class is now this one.

    ``construction`` (needs approval: 未批先建 when unapproved), ``facility_agriculture``
    (设施农用地, 备案), ``other_agricultural_or_natural`` (orchards, forest, ponds...:
    非农化/非粮化, not construction), ``farmland`` (still farmland) or ``unknown``
    (no class, or a group of mixed kinds such as ``10``).

    Examples
    --------
    >>> loss_kind(["0601", "0201", "1202", "0102", "10", None]).tolist()
    ['construction', 'other_agricultural_or_natural', 'facility_agriculture', 'farmland', \
'unknown', 'unknown']
    """
    if isinstance(values, str):
        one: LossKind = loss_kind(pd.Series([values], dtype=object), system=system).iloc[0]
        return one
    series = _as_series(values)
    kind = classify(series, system=system)["kind"]
    out = kind.map(_LOSS).where(kind.notna(), "unknown").astype(object)
    # Farmland is what settings.farmland_codes says; a farmland class left out of it is
    # other agricultural land for this run.
    out[(kind == "farmland").to_numpy(dtype=bool)] = "other_agricultural_or_natural"
    farm = is_farmland(series, system=system).to_numpy()
    out[farm] = "farmland"
    return out.fillna("unknown")


def _descendants(system: System, code: str) -> set[str]:
    table = TABLES[system]
    return {c for c in table if c == code or code in _ancestors_in(table, c)}


def _coverage(keys: Iterable[Key]) -> set[Key]:
    """Every (system, code) whose class lies wholly within the union of ``keys``' classes."""
    out: set[Key] = set()
    for system, code in keys:
        out |= {(system, c) for c in _descendants(system, code)}
        if system == "二调":
            for c2 in _descendants("二调", code):
                for part in _ERDIAO_PARTS.get(c2, ()):
                    out |= {("三调", c) for c in _descendants("三调", part)}
    out = _with_unions(out)
    inside = {c for s, c in out if s == "三调"}
    out |= {("二调", c2) for c2, parts in _ERDIAO_PARTS.items() if set(parts) <= inside}
    return _with_unions(out)


def _filter_error(item: object, why: str, *, path: str, where: str) -> ConfigError:
    text = unicodedata.normalize("NFKC", str(item)).strip().upper()
    pool = list(_NAMES) + [c for t in TABLES.values() for c in t]
    close = difflib.get_close_matches(text, pool, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return ConfigError(f"{where} value {item!r} {why}{hint}", path=path or None,
                       fix='write 三调 codes ("0101"), 二调 codes ("011") or class names '
                           '("水田")')


@dataclass(frozen=True)
class ClassFilter:
    """A land-class filter: which classes of either system a user's list keeps.

    A value is kept when its class lies wholly within one of the listed classes:
    ``"0101"`` keeps 0101, its sub-classes (0101A) and 二调 011; ``"05H1"`` keeps
    0501-0507 and 二调 051-054; ``"031"`` (有林地) keeps 0301/0302/0303/0304; a level-one
    code (``"03"``) keeps the whole group in both systems; a name keeps the classes of
    that name in both systems.
    """

    items: tuple[str, ...]
    keys: tuple[Key, ...]
    covered: frozenset[Key] = field(repr=False)

    def describe(self) -> str:
        """Name the classes asked for: ``"三调 0101 水田 / 二调 011 水田"``."""
        return " / ".join(f"{s} {TABLES[s][c].label()}" for s, c in self.keys)

    def __call__(self, values: pd.Series | Sequence[object], *,
                 system: System | None = None) -> NDArray[np.bool_]:
        """Where each value's class is kept (unread and blank values are not)."""
        series = _as_series(values)
        at, distinct = pd.factorize(series.astype(object), use_na_sentinel=True)
        read = classify(pd.Series(distinct, dtype=object), system=system)
        ok = [s is not None and ((s, c) in self.covered or (s, _base((s, c))) in self.covered)
              for s, c in zip(read["system"], read["code"], strict=True)]
        return np.array([*ok, False], dtype=bool)[at]


def class_filter(items: Sequence[str | int] | str, *, path: str = "",
                 where: str = "filter") -> ClassFilter:
    """Turn a user's list of land classes into a :class:`ClassFilter`.

    Parameters
    ----------
    items
        三调 or 二调 codes (``"0101"``, ``"011"``, ``"0301K"``, ``"05"``), names (``"水田"``)
        or ``"0101 水田"``. Integers are codes with their leading zeros lost; one that
        could be either system (``101``) is an error.
    path, where
        Named in the error: the file and the key the list came from.

    Raises
    ------
    ConfigError
        An item is no known class, or could be two different classes.

    Examples
    --------
    >>> class_filter(["011", "水浇地"]).describe()
    '二调 011 水田 / 三调 0102 水浇地 / 二调 012 水浇地'
    >>> class_filter(["0011"])
    Traceback (most recent call last):
    ...
    redline.errors.ConfigError: filter value '0011' is no 三调 or 二调 code...
    """
    if isinstance(items, str | int):
        items = [items]
    keys: list[Key] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise _filter_error(item, "is not a land-class code or name", path=path, where=where)
        read = _read_value(item)
        if read.problem or not read.keys:
            why = (read.problem.split(" is ", 1)[-1] if read.problem else "is empty")
            raise _filter_error(item, why if why.startswith("is") else "is " + why,
                                path=path, where=where)
        if not all(_same_class(read.keys[0], k) for k in read.keys[1:]):
            raise ConfigError(f"{where} value {item!r} is ambiguous: it may be "
                              f"{_labels(read.keys)}", path=path or None,
                              fix="write the code as text with its leading zero, or the name")
        keys.extend(k for k in read.keys if k not in keys)
    return ClassFilter(tuple(str(i) for i in items), tuple(keys), frozenset(_coverage(keys)))


def _with_unions(covered: set[Key]) -> set[Key]:
    """Add the groups all of whose members are covered (01 when 0101-0103 are)."""
    out = set(covered)
    changed = True
    while changed:
        changed = False
        for system, table in TABLES.items():
            for code, cls in table.items():
                if (system, code) in out or not (cls.level == 1 or code in _MERGED):
                    continue
                members = {c for c, m in table.items() if code in m.parents}
                if members and all((system, c) in out for c in members):
                    out.add((system, code))
                    changed = True
    return out


def class_name(code: str, *, system: System | None = None,
               lang: Literal["zh", "en"] = "zh") -> str:
    """Return a class's name (``"0101" -> "水田"``; ``"Paddy field"`` in English).

    Raises
    ------
    ConfigError
        ``code`` is no class (or could be two).
    """
    read = classify(pd.Series([code], dtype=object), system=system).iloc[0]
    if read["code"] is None:
        raise ConfigError(read["problem"] or f"land class {code!r} is empty",
                          fix="give a 三调 or 二调 code")
    return str(read["zh"] if lang == "zh" else read["en"])
