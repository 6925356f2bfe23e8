"""Default settings, with the regulation each comes from, and the options of a check.

Functions read a setting only when the matching argument is ``None``, and every value
used is recorded in ``run.json``. Change a default for a whole session with, for
example, ``redline.settings.sliver_m2 = 5.0``. :class:`CheckOptions` declares the options
of a check once, for the Python API, the command line and run.json.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from redline.errors import ConfigError
from redline.text import Lang, check_lang

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
#: With no agreed start date, the contract date (the day the contract or the allocation
#: decision takes effect) plus this many years stands for the agreed start date: the 1999
#: measures (闲置土地处置办法 1999, Art. 2(2)) make land idle one full year after the
#: contract takes effect, so 0: idle_1y one full year after the contract, idle_2y two.
idle_no_start_offset_years: int = 0
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
# (法释〔2000〕14号), read as published in 2000 (unverified against any later text). A finding is
# 涉嫌 (suspected): a satellite lead that a field check must confirm. ---

#: Illegally occupied basic farmland, in mu, that is a "large quantity" (数量较大, Art. 3(1)),
#: when occupied for non-agricultural construction (Art. 3(2)).
criminal_basic_mu: float = 5.0
#: Illegally occupied other farmland, in mu, that is a "large quantity" (Art. 3(1)).
criminal_farmland_mu: float = 10.0
#: Repeated acts within this many years, not yet dealt with, are summed (Art. 9: 一年内多次
#: 实施...未经处理的，按照累计的数量): one party's change patches (the changes ``party``
#: field) detected within a window of this many full years are added up.
criminal_party_years: int = 1
#: Basic farmland unlawfully approved, in mu, that makes the approval 情节严重, the crime of
#: 刑法 Art. 410 (Art. 4(1): 非法批准征用、占用基本农田十亩以上).
criminal_approval_basic_mu: float = 10.0

# --- accountability: 违反土地管理规定行为处分办法 (监察部 人社部 国土部令第15号, 2008), Art. 3 ---

#: Illegally occupied farmland as a share of all farmland newly occupied for construction.
accountability_ratio: float = 0.15

# --- supply policy and land-market rules (redline.analysis.supply) ---------------------
# Land classes are lists for redline.landclass.class_filter: 三调 or 二调 codes or names; a
# class keeps its sub-classes and its equivalents in the other survey (05H1 keeps 0501-0507
# and 二调 051-054, 0601 keeps 二调 061, 0701 keeps 071).

#: Land that is never allocated (划拨): commercial (05, with 0508 logistics and
#: warehousing), industrial (0601) and urban housing (0701) are not in the allocation
#: catalogue (划拨用地目录, 国土资源部令第9号, 2001; 土地管理法 Art. 54) and must be paid
#: for (民法典 Art. 347: 严格限制以划拨方式设立建设用地使用权). 0702 rural homesteads are
#: left out on purpose: collective land granted to villagers (土地管理法 Art. 62).
allocation_forbidden_classes: tuple[str, ...] = ("05", "0601", "0701")
#: Words in the supply field ``purpose`` naming housing that may be allocated: 经济适用住房
#: (经济适用住房管理办法 2007, Art. 7), 廉租住房 (廉租住房保障办法 2007, Art. 13) and 公共
#: 租赁住房 (建保〔2010〕87号). Such land is neither allocation_misuse nor
#: commercial_negotiated. Case-insensitive substrings.
allocation_allowed_purposes: tuple[str, ...] = (
    "经济适用住房", "经济适用房", "经适房", "廉租住房", "廉租房", "公共租赁住房", "公租房",
    "affordable housing", "low-rent housing", "public rental housing",
)
#: 经营性用地 that must be sold by tender, auction or listing since 2002-07-01
#: (招标拍卖挂牌出让国有土地使用权规定, 国土资源部令第11号, Art. 4: 商业、旅游、娱乐和商品
#: 住宅): 05H1 (retail, wholesale, catering, hotels, business, entertainment 0506, other
#: commercial) and 0701 urban housing (commodity housing unless ``purpose`` names
#: affordable housing). 0508 logistics and warehousing is left out: 令11号 does not list
#: it, and from 2007 it is industrial land (国土资源部令第39号, Art. 4).
commercial_land_classes: tuple[str, ...] = ("05H1", "0701")
#: Contracts from this day must not be negotiated for commercial land (令11号 in force).
commercial_auction_from: datetime.date = datetime.date(2002, 7, 1)
#: Last day old agreements (signed before 2002-07-01) could still be completed by
#: negotiation (监察部 国土资源部 2004 notice on 经营性土地 招拍挂, the "8·31" deadline;
#: document number 国土资发〔2004〕71号 from memory, unverified here).
commercial_old_agreements_until: datetime.date = datetime.date(2004, 8, 31)

#: Industrial land (0601 工业用地; 二调 061).
industrial_land_classes: tuple[str, ...] = ("0601",)
#: Contracts from this day must not be negotiated for industrial land: 国发〔2006〕31号
#: (dated 2006-08-31, Part 5: 工业用地必须采用招标拍卖挂牌方式出让).
industrial_auction_from: datetime.date = datetime.date(2006, 8, 31)
#: Last day of the transition of 国土资发〔2007〕78号 (2007-04-04, Part 2(2)): a project
#: whose investment agreement fixing site and price was signed before 2006-08-31, with
#: conversion and expropriation approved or under way, could still sign a negotiated
#: contract until then. The reading followed: every negotiated industrial contract from
#: 2006-08-31 is a finding; those up to this day say the transition may cover them (the
#: data hold no investment agreement to tell).
industrial_transition_until: datetime.date = datetime.date(2007, 6, 30)
#: Contracts from this day must be at or above the minimum industrial land price
#: (全国工业用地出让最低价标准, 国土资发〔2006〕307号, in force 2007-01-01).
industrial_price_from: datetime.date = datetime.date(2007, 1, 1)
#: Yuan per unit of the supply field ``price`` (10000 when recorded in 万元), to derive a
#: price per m2 for the minimum-price check when ``unit_price`` is not mapped; None: the
#: unit is not known and only ``unit_price`` is used.
price_unit_yuan: float | None = None
#: GB/T 4754 edition ("2002", "2011", "2017") of industry codes in the supply field
#: ``industry``; None: a code is read only where every edition names the same class
#: (redline.standards.industry). Names are read whatever the edition.
industry_classification: str | None = None

#: A supply parcel whose land later contracts cover at least this share of (of its own
#: ellipsoidal area) is superseded: the same land supplied again (a re-signed, corrected
#: or replacing contract), judged once, on the current contract. 0.9 takes in re-digitised
#: outlines (edges a few metres apart on a parcel of a hectare or more) while a later
#: contract over part of the land (a split, a partial resale) leaves the rest judged.
supply_superseded_share: float = 0.9

#: Words in ``delay_cause`` meaning the government or force majeure caused the delay,
#: which is not charged (闲置土地处置办法 2012, Art. 8: land not delivered as agreed, plan
#: revised, policy change, 群众信访 to be settled (信访, 维稳), military control, cultural
#: relics, other acts of government; force majeure). Case-insensitive substrings; the
#: words matched are listed in excused.csv.
idle_excused_causes: tuple[str, ...] = (
    "政府", "规划调整", "规划修改", "规划变更", "修改规划", "调整规划", "政策", "未按期交地",
    "未按时交地", "未按约定交地", "延期交地", "交地延迟", "未交地", "未按合同约定时间交付土地",
    "未按约定时间交付", "未按约定交付", "未按期交付", "未按时交付", "延期交付", "交付延迟",
    "土地未交付", "未交付土地", "不具备动工开发条件", "拆迁", "信访", "上访", "维稳",
    "军事", "文物", "不可抗力", "自然灾害", "地震", "洪水", "司法查封",
    "government", "plan revision", "planning change", "plan change", "policy",
    "not delivered", "late delivery", "delivered late", "petition", "social stability",
    "military", "cultural relic", "heritage", "force majeure", "natural disaster",
)
#: Phrases that deny a government cause ("非政府原因"): a cause holding one is not excused.
idle_excused_negations: tuple[str, ...] = (
    "非政府", "不属于政府", "企业自身", "自身原因", "not government", "not caused by government",
    "non-government",
)

# --- very large counties --------------------------------------------------------

#: Features in all layers above which ``redline check`` runs the overlap rules in
#: spatial tiles of about this many features (same results; the tiles can spread over
#: the workers of a cluster). A tiled check keeps farmland and basic farmland on disk
#: (:mod:`redline.io.spill`), so its memory follows the parcels, not the farmland. One
#: pass over a 1M-patch county stays under 2 GB.
tile_max_features: int = 2_000_000

#: Most tiles along each side of a grid given as ``NXxNY``: 100x100 tiles already hold
#: a few hundred features each in the largest county measured (BENCHMARKS.md); a grid
#: such as 3000x3000 would only make nine million empty tasks.
max_tiles_per_side: int = 100

# --- the inspection loop (redline fieldwork / verdicts / check --previous) -------------

#: A finding is on the same land as an earlier run's finding, and takes its field verdict,
#: when at least this share of its area lies inside it (the earlier finding with the
#: largest share wins). Finding ids change between rounds; the land does not. Not set by
#: a regulation: half the area keeps a redrawn patch matched and a patch that grew to
#: more than twice its size a new lead.
verdict_match_share: float = 0.5

# --- zipped datasets -------------------------------------------------------------

#: Largest size a zipped dataset may unpack to, in bytes (the largest county measured
#: holds a few GB of shapefiles); more is refused before anything is written.
max_unzipped_bytes: int = 32 * 2**30

#: Largest ratio of unpacked to packed bytes of a zipped dataset. Shapefiles and
#: GeoPackages pack 3-20 times; a zip bomb packs a thousand times and more.
max_zip_ratio: float = 200.0

# --- the options of a check ------------------------------------------------------

#: How to tile the overlap rules: ``"auto"``, a grid ``(nx, ny)``, or ``None`` (one pass).
Tiles = Literal["auto"] | tuple[int, int] | None


def _meta(help: str, *, record: str | None = None) -> dict[str, str | None]:
    """Describe an option: its help text, and where in run.json it is recorded (if at all)."""
    return {"help": help, "record": record}


@dataclass(frozen=True)
class CheckOptions:
    """What shapes a check's results: every option of ``redline.check`` and ``redline check``.

    Declared once, here: :func:`redline.check` takes each field as a keyword argument of
    the same name and default and builds one of these; the command line has one option
    per field, with the field's help text (``tests/test_options.py`` holds both to it);
    and run.json records the fields marked for it (``as_of`` and ``lang`` at its top
    level, ``sliver_m2`` under ``parameters``). Values are checked and completed as the
    options are made: ``as_of`` may be ISO text (today when None), ``sliver_m2`` is
    :data:`sliver_m2` when None, ``tiles`` may be text as on the command line.

    Examples
    --------
    >>> options = CheckOptions(as_of="2026-06-30", tiles="4x2")
    >>> options.as_of, options.lang, options.sliver_m2, options.tiles
    (datetime.date(2026, 6, 30), 'zh', 1.0, (4, 2))
    >>> options.run_parameters()
    {'sliver_m2': 1.0}
    """

    as_of: datetime.date | None = field(default=None, metadata=_meta(
        "Date the checks are made at (idle-land clocks, approval ages); default today.",
        record="run"))
    lang: Lang = field(default="zh", metadata=_meta(
        "Language of messages, headers and labels.", record="run"))
    sliver_m2: float | None = field(default=None, metadata=_meta(
        "Ignore overlaps under this many m2 (default: redline.settings.sliver_m2).",
        record="parameters"))
    n_jobs: int = field(default=1, metadata=_meta("Threads for the geometry work."))
    tiles: Tiles = field(default="auto", metadata=_meta(
        "Run the overlap rules in spatial tiles (same results; on a cluster the tiles spread "
        "over the workers): auto tiles only very large counties."))
    crs: str | None = field(default=None, metadata=_meta(
        "CRS for layers that carry none (overrides redline.toml)."))
    encoding: str | None = field(default=None, metadata=_meta(
        "Text encoding of the shapefiles, e.g. gbk (wins over detection)."))
    outside_paths: bool = field(default=False, metadata=_meta(
        "Allow redline.toml and symlinks to reach files outside the dataset folder."))

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "as_of", as_date(self.as_of, name="as_of") or datetime.date.today())
        set_(self, "lang", check_lang(self.lang))
        set_(self, "sliver_m2", check_sliver(sliver_m2 if self.sliver_m2 is None
                                             else self.sliver_m2))
        if isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, int) or self.n_jobs < 1:
            raise ConfigError(f"n_jobs was {self.n_jobs!r} but is expected to be a whole "
                              "number >= 1", fix="pass n_jobs=1 or more threads")
        set_(self, "tiles", parse_tiles(self.tiles))

    @staticmethod
    def help(name: str) -> str:
        """Return the help text of the option ``name``."""
        return str(_FIELDS[name].metadata["help"])

    def run_parameters(self) -> dict[str, Any]:
        """Return the options run.json records under ``parameters``, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.metadata["record"] == "parameters"}


_FIELDS = {f.name: f for f in fields(CheckOptions)}


def as_date(value: object, *, name: str = "as_of") -> datetime.date | None:
    """Return a date given as a date, a datetime or ISO text (``"2026-06-30"``); None stays.

    Raises
    ------
    ConfigError
        ``value`` is none of these.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as ex:
        raise ConfigError(f"{name} was {value!r} but is expected to be a date like 2026-06-30",
                          fix="pass a datetime.date or ISO text YYYY-MM-DD") from ex


def check_sliver(value: object, *, name: str = "sliver_m2") -> float:
    """Return the sliver threshold ``value`` as a float: a finite number of m2, 0 or more.

    A NaN threshold would drop every overlap, a negative one keep edges that only touch.

    Raises
    ------
    ConfigError
        ``value`` is not such a number.

    Examples
    --------
    >>> check_sliver("2.5")
    2.5
    >>> check_sliver(float("nan"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    redline.errors.ConfigError: sliver_m2 was nan but is expected to be a finite number ...
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        raise ConfigError(f"{name} was {value!r} but is expected to be a finite number of m2, "
                          "0 or more", fix=f"pass {name}=1.0 or another area in m2")
    return number


def parse_tiles(value: object) -> Tiles:
    """Return a tiling given as ``"auto"``, ``None``, ``"none"``, ``(nx, ny)`` or ``"NXxNY"``.

    Raises
    ------
    ConfigError
        ``value`` is none of these, or a grid smaller than 1x1.
    """
    if value is None:
        return None
    if value == "auto":
        return "auto"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("auto", "none"):
            return None if text == "none" else "auto"
        try:
            nx, ny = (int(v) for v in text.split("x"))
        except ValueError:
            raise ConfigError(f"{value!r}: use auto, none or a grid such as 4x4",
                              fix="pass tiles='auto', None or a grid such as (4, 4)") from None
    else:
        try:
            nx, ny = (int(v) for v in value)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            raise ConfigError(f"{value!r}: use auto, none or a grid such as 4x4",
                              fix="pass tiles='auto', None or a grid such as (4, 4)") from None
    if nx < 1 or ny < 1:
        raise ConfigError(f"{value!r}: a grid needs at least 1x1",
                          fix="pass a grid of 1x1 or more tiles")
    top = max_tiles_per_side
    if nx > top or ny > top:
        raise ConfigError(f"{value!r}: a grid has at most {top} tiles a side",
                          fix=f"pass a grid of at most {top}x{top} tiles, or auto")
    return (nx, ny)
