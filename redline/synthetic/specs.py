"""What the synthetic counties are made of: the committed samples' specifications and names.

The land classes and their weights, the names of land uses, supply methods and
industries written into the layers, the columns of each parcel layer, and
:data:`SAMPLES`, the three committed sample counties (data/README.md describes each).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: CRS of every sample: CGCS2000 3-degree Gauss-Kruger zone 41 (X with zone prefix, CM 123E).
CRS: Final[str] = "EPSG:4529"


#: The as-of date the planted idle-land and approval cases are built around.
AS_OF: Final[dt.date] = dt.date(2026, 6, 30)


#: How far the quota released for the as-of year lies from the land the county approved
#: in it by the as-of date, in ha: below it for a planted ``quota_overrun``, above it
#: for the near miss.
QUOTA_MARGIN_HA: Final[dict[bool, float]] = {True: -2.0, False: 0.1}


#: Side of a planted-case slot and the spacing of the slot grid, in metres.
SLOT_M: Final[float] = 300.0


SLOT_SPACING_M: Final[float] = 400.0


Style = Literal["standard", "canonical", "short"]


Fmt = Literal["shp", "gpkg"]


EvidenceKind = Literal["class", "probability", "none"]


#: 三调 land classes used, with their Chinese names (DLMC).
LAND_NAMES: Final[dict[str, str]] = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0301": "乔木林地",
    "0305": "灌木林地", "0404": "其他草地", "05H1": "商业服务业设施用地", "0601": "工业用地",
    "0701": "城镇住宅用地", "0702": "农村宅基地", "08H1": "机关团体新闻出版用地",
    "1003": "公路用地", "1006": "农村道路", "1101": "河流水面", "1104": "坑塘水面",
}


CODES: Final[tuple[str, ...]] = tuple(LAND_NAMES)


# Class weights of rural, urban and hilly land, in the order of CODES.
RURAL = np.array([.25, .15, .30, .03, .03, .01, .03, 0, .02, 0, .08, 0, .02, .04, .01, .03])


URBAN = np.array([0, 0, .03, 0, 0, 0, .05, .15, .30, .30, 0, .10, .07, 0, 0, 0])


HILLS = np.array([0, 0, .06, .10, .55, .15, .10, 0, 0, 0, .02, 0, 0, .02, 0, 0])


#: Land uses of supplied land: Chinese names used by GBK/UTF-8 Chinese-valued layers.
USE_NAMES: Final[dict[str, str]] = {
    "0601": "工业用地", "05H1": "商服用地", "0701": "城镇住宅用地", "08H1": "08H1", "1003": "1003",
}


#: Supply methods: canonical value -> Chinese.
METHOD_NAMES: Final[dict[str, str]] = {
    "allocation": "划拨", "negotiation": "协议出让", "tender": "招标", "auction": "拍卖",
    "listing": "挂牌",
}


INDUSTRIES_ZH = ("食品制造业", "纺织业", "化学原料和化学制品制造业", "通用设备制造业",
                  "金属制品业")


GOVERNMENT_DELAY: Final[str] = "政府原因未按期交地"


APPROVAL_COLS: Final = ("approval_id", "doc_no", "approved_on", "authority",
                        "basic_farmland_approved", "project")


SUPPLY_COLS: Final = ("supply_id", "project", "supply_method", "land_use", "purpose",
                      "contract_on", "start_agreed_on", "started_on", "stopped_on", "price",
                      "invest_total", "invest_done",
                      "built_area_ratio", "delay_cause", "plot_ratio", "building_coefficient",
                      "green_ratio", "office_share", "industry")


CHANGE_COLS: Final = ("change_id", "detected_on", "land_code")


@dataclass(frozen=True)
class CountySpec:
    """How one committed sample county is made."""

    name: str
    admin_code: str
    county_name: str
    townships: tuple[tuple[str, str], ...]  # (3-digit suffix, Chinese name)
    origin: tuple[float, float]
    seed: int
    n_farmland: int
    n_parcels: int
    fmt: Fmt
    style: Style
    evidence: EvidenceKind
    urban: float
    change_share: float
    recent_share: float
    recent_on_farmland: bool = True
    messy: bool = False
    farmland_target_factor: float = 0.98
    accountability_over: bool | None = None
    quota_over: bool | None = None


#: The three committed sample counties (data/README.md describes each).
SAMPLES: Final[dict[str, CountySpec]] = {
    "tiedong": CountySpec(
        "tiedong", "210302", "铁东区",
        (("001", "解放街道"), ("002", "山南街道"), ("003", "站前街道"), ("004", "新兴街道"),
         ("005", "东长甸街道"), ("006", "长甸街道"), ("007", "园林街道"), ("008", "旧堡街道")),
        (41_505_000.0, 4_551_000.0), 2103021, 2400, 220, "shp", "standard", "class",
        urban=0.55, change_share=0.9, recent_share=0.02, recent_on_farmland=False,
        farmland_target_factor=0.97, accountability_over=True, quota_over=True),
    "tiexi": CountySpec(
        "tiexi", "210303", "铁西区",
        (("001", "兴盛街道"), ("002", "繁荣街道"), ("003", "永发街道"), ("004", "八家子街道"),
         ("005", "大陆街道"), ("006", "共和街道"), ("007", "北陶官街道"), ("008", "宁远街道")),
        (41_492_000.0, 4_553_000.0), 2103031, 2400, 260, "gpkg", "canonical", "probability",
        urban=0.35, change_share=0.8, recent_share=0.6, accountability_over=False,
        quota_over=False),
    "haicheng": CountySpec(
        "haicheng", "210381", "海城市",
        (("001", "海州管理区"), ("002", "东四管理区"), ("003", "响堂管理区"), ("101", "岔沟镇"),
         ("102", "腾鳌镇"), ("103", "牛庄镇"), ("104", "西柳镇"), ("105", "感王镇"),
         ("106", "析木镇"), ("107", "耿庄镇")),
        (41_482_000.0, 4_534_000.0), 2103811, 2800, 260, "shp", "short", "class",
        urban=0.2, change_share=0.7, recent_share=0.8, messy=True, farmland_target_factor=1.02,
        accountability_over=False, quota_over=False),
}


@dataclass
class County:
    """A county in memory: canonical frames per role (in :data:`CRS`) and what was planted."""

    name: str
    admin_code: str
    county_name: str
    layers: dict[str, gpd.GeoDataFrame]
    targets: pd.DataFrame
    outline: shapely.Geometry
    burns: list[tuple[shapely.Geometry, float]]
    planted: list[dict[str, Any]]
