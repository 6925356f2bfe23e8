"""National standard tables: industrial land indicators and minimum industrial land prices.

The tables are package data (``redline/data/*.csv``), read with :mod:`importlib.resources` at
first use and kept; ``redline/data/README.md`` names the source of every figure.

- 《工业项目建设用地控制指标》 (国土资发〔2008〕24号, 2008-01-31): the minimum plot ratio
  (容积率, Table 2) and investment intensity (投资强度, 万元/公顷, Table 1, by region class
  第一类..第七类) of each industry class of GB/T 4754-2002, and the indicators common to all
  industries (building coefficient >= 30%, office and living share <= 7%, green ratio <= 20%).
- 《全国工业用地出让最低价标准》 (国土资发〔2006〕307号, in force from 2007-01-01): the minimum
  sale price of industrial land, 元/平方米, by land grade 一等..十五等.

Edition: the 2008 indicators are packaged although a 2023 revision by the Ministry of Natural
Resources repeals them (signed 2023-05-11): its figures could not be confirmed, and the 2008
table remains the one that governed land supplied from 2008-01-31 until then. For later supply
a site replaces the table with its provincial one (:func:`load`). Figures are marked by how
they were checked (:data:`Verified`); most investment-intensity cells are empty (unknown).

Industry codes: the 2008 document uses GB/T 4754-2002, whose codes 29-43 differ from those of
GB/T 4754-2011/2017 (2017's 39 is electronics, 2002's 39 electrical machinery). A code is read
in the edition given by ``classification``; with none, a code is matched only when every
edition gives the same row, so "39" alone is ambiguous while "26" is not.

Examples
--------
>>> from redline import standards
>>> chem = standards.industry("C2614")
>>> chem.code, chem.name, standards.min_plot_ratio(chem)
(26, '化学原料及化学制品制造业', 0.6)
>>> standards.industry("电子").code
40
>>> standards.industry("39") is None, standards.industry("39", classification="2017").code
(True, 40)
>>> standards.region_class("十三等"), standards.min_land_price(1)
(6, 840.0)
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, cast, get_args

from redline.errors import ConfigError, InputError

__all__ = [
    "REGION_CLASSES",
    "Classification",
    "Edition",
    "GeneralIndicators",
    "Industry",
    "LandPrice",
    "Standards",
    "Verified",
    "default",
    "general",
    "industry",
    "industry_candidates",
    "land_grade",
    "land_price",
    "load",
    "min_investment_intensity",
    "min_land_price",
    "min_plot_ratio",
    "region_class",
]

#: How a figure was checked: ``yes`` = two or more independent reproductions of the document
#: agree; ``single`` = one reproduction only; ``no`` = not found in any reproduction.
Verified = Literal["yes", "single", "no"]
#: Edition of GB/T 4754 (国民经济行业分类) a code is written in; 2011 and 2017 share their
#: two-digit manufacturing codes.
Classification = Literal["2002", "2011", "2017"]

#: Region classes of the investment-intensity table (第一类..第七类).
REGION_CLASSES: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
LAND_GRADES = range(1, 16)

_DATA = "data"
_FILES = {
    "industries": "industrial_land_2008.csv",
    "region_classes": "region_classes_2008.csv",
    "land_prices": "industrial_land_price_2006.csv",
    "general": "industrial_general_2008.csv",
}
_VERIFIED: tuple[str, ...] = get_args(Verified)
_CLASSIFICATIONS: tuple[str, ...] = get_args(Classification)


@dataclass(frozen=True)
class Edition:
    """The document a table comes from, as recorded in ``run.json``."""

    title: str
    document: str
    issued: dt.date
    in_force: dt.date
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the edition as JSON-ready text."""
        return {"title": self.title, "document": self.document, "issued": self.issued.isoformat(),
                "in_force": self.in_force.isoformat(), "note": self.note}


INDICATORS_2008 = Edition(
    title="工业项目建设用地控制指标",
    document="国土资发〔2008〕24号",
    issued=dt.date(2008, 1, 31),
    in_force=dt.date(2008, 1, 31),
    note=("repealed by the Ministry of Natural Resources' 2023 revision (signed 2023-05-11), "
          "whose figures are not packaged; projects keep the standard of their acceptance"),
)
LAND_PRICE_2006 = Edition(
    title="全国工业用地出让最低价标准",
    document="国土资发〔2006〕307号",
    issued=dt.date(2006, 12, 23),
    in_force=dt.date(2007, 1, 1),
    note="land grades revised by 国土资发〔2008〕308号 from 2009-01-01",
)


@dataclass(frozen=True)
class Industry:
    """One industry class of the indicator table.

    ``min_investment`` holds the minimum investment intensity (万元/公顷) for region classes
    1..7 in order; ``None`` where the table has no figure.
    """

    code: int
    name: str
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    min_plot_ratio: float | None = None
    plot_ratio_verified: Verified = "yes"
    min_investment: tuple[float | None, ...] = (None,) * 7
    investment_verified: Verified = "yes"

    @property
    def label(self) -> str:
        """Code and name, as a finding names the row it used: ``26 化学原料及化学制品制造业``."""
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class LandPrice:
    """The minimum industrial land price of one land grade, in 元/平方米 of land."""

    land_grade: int
    grade_name: str
    min_price: float
    verified: Verified = "yes"


@dataclass(frozen=True)
class GeneralIndicators:
    """Indicators that hold for every industry, as fractions of the project's land."""

    min_building_coefficient: float
    max_office_share: float
    max_green_ratio: float
    verified: Mapping[str, Verified] = field(default_factory=dict)


@dataclass(frozen=True)
class Standards:
    """A set of standard tables: the packaged ones (:func:`default`) or a site's (:func:`load`).

    ``classification`` is the GB/T 4754 edition of the industry table's codes; ``sources``
    says where each table was read from; ``editions`` the documents of the packaged tables
    still in use.
    """

    industries: tuple[Industry, ...]
    region_classes: Mapping[int, int]
    region_classes_verified: Mapping[int, Verified]
    land_prices: Mapping[int, LandPrice]
    general: GeneralIndicators
    classification: Classification = "2002"
    sources: Mapping[str, str] = field(default_factory=dict)
    editions: Mapping[str, Edition] = field(default_factory=dict)
    _by_code: dict[int, Industry] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code = {ind.code: ind for ind in self.industries}
        by_name: dict[str, set[int]] = {}
        for ind in self.industries:
            for name in (ind.name, ind.name_en, *ind.aliases):
                key = _norm(name)
                if key:
                    by_name.setdefault(key, set()).add(ind.code)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_name", {k: tuple(sorted(v)) for k, v in by_name.items()})

    def describe(self) -> dict[str, object]:
        """Where each table came from and which edition it is, for ``run.json``."""
        return {"classification": f"GB/T 4754-{self.classification}",
                "sources": dict(self.sources),
                "editions": {k: e.as_dict() for k, e in self.editions.items()}}


# --------------------------------------------------------------------------- reading


def default() -> Standards:
    """Return the packaged tables (2008 indicators, 2006 minimum prices), read once."""
    return _packaged()


@functools.cache
def _packaged() -> Standards:
    return load()


def load(*, industries: str | os.PathLike[str] | None = None,
         region_classes: str | os.PathLike[str] | None = None,
         land_prices: str | os.PathLike[str] | None = None,
         general: str | os.PathLike[str] | None = None,
         classification: Classification | None = None) -> Standards:
    """Read standard tables, a site's own files replacing any of the packaged ones.

    Parameters
    ----------
    industries, region_classes, land_prices, general
        Paths to CSV files of the columns described in ``redline/data/README.md``; ``None``
        keeps the packaged table.
    classification
        GB/T 4754 edition of the codes in ``industries``: ``"2002"`` for the packaged table,
        and by default for a site's; ``"2017"`` (or ``"2011"``) for a provincial table under
        the 2023 rules.

    Raises
    ------
    InputError
        A file is missing, unreadable, or has bad rows (every problem listed).
    ConfigError
        ``classification`` is not an edition of GB/T 4754.
    """
    if classification is not None and classification not in _CLASSIFICATIONS:
        raise ConfigError(f"classification was {classification!r}",
                          fix=f"use one of {list(_CLASSIFICATIONS)}")
    if industries is None and classification not in (None, "2002"):
        raise ConfigError(f"classification {classification!r} was given for the packaged "
                          "industry table, whose codes are GB/T 4754-2002",
                          fix="give classification only with a site's own industries file")
    paths = {"industries": industries, "region_classes": region_classes,
             "land_prices": land_prices, "general": general}
    texts: dict[str, tuple[str, str]] = {}
    for table, path in paths.items():
        texts[table] = _packaged_text(table) if path is None else _site_text(path)
    packaged = {k for k, p in paths.items() if p is None}
    inds = _parse_industries(*texts["industries"])
    grades, grades_verified = _parse_region_classes(*texts["region_classes"])
    prices = _parse_land_prices(*texts["land_prices"])
    gen = _parse_general(*texts["general"])
    editions: dict[str, Edition] = {}
    if packaged & {"industries", "region_classes", "general"}:
        editions["industrial_indicators"] = INDICATORS_2008
    if "land_prices" in packaged:
        editions["land_prices"] = LAND_PRICE_2006
    cls: Classification = classification or "2002"
    return Standards(industries=inds, region_classes=grades,
                     region_classes_verified=grades_verified, land_prices=prices, general=gen,
                     classification=cls,
                     sources={k: v[0] for k, v in texts.items()}, editions=editions)


def _packaged_text(table: str) -> tuple[str, str]:
    name = _FILES[table]
    text = resources.files("redline").joinpath(_DATA, name).read_text(encoding="utf-8")
    return f"redline/{_DATA}/{name}", text


def _site_text(path: str | os.PathLike[str]) -> tuple[str, str]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as ex:
        raise InputError(f"cannot read the standard table ({ex.strerror or ex})", path=str(p),
                         fix="give the path of an existing CSV file") from ex
    try:
        return str(p), raw.decode("utf-8-sig")
    except UnicodeDecodeError as ex:
        raise InputError("the standard table is not UTF-8 text", path=str(p),
                         fix="save the CSV as UTF-8 (in Excel: CSV UTF-8)") from ex


def _rows(source: str, text: str, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """``(line number, row)`` of a CSV whose ``#`` lines are comments."""
    lines = text.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise InputError("the standard table has no header row", path=source,
                         fix=f"start the file with the columns {', '.join(required)}")
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in numbered)))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"the standard table lacks the column(s) {missing} (has {header})",
                         path=source, fix="use the columns described in redline/data/README.md")
    out = []
    for (lineno, _), row in zip(numbered[1:], reader, strict=False):
        out.append((lineno, {(k or "").strip(): (v or "").strip() for k, v in row.items()
                             if isinstance(v, str) or v is None}))
    return out


def _number(text: str, *, percent: bool = False) -> float | None:
    if text == "":
        return None
    scale = 1.0
    if percent and text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    value = float(text) * scale
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{text!r} is not a positive number")
    return value


def _verified(text: str, default: Verified) -> Verified:
    if text == "":
        return default
    low = text.lower()
    if low not in _VERIFIED:
        raise ValueError(f"verified was {text!r}, expected one of {list(_VERIFIED)}")
    return cast("Verified", low)


def _fail(source: str, problems: list[str], what: str) -> None:
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise InputError(f"bad {what} rows: {shown}", path=source,
                         fix="correct the rows named (columns in redline/data/README.md)")


def _parse_industries(source: str, text: str) -> tuple[Industry, ...]:
    inv_cols = [f"investment_class_{c}" for c in REGION_CLASSES]
    rows = _rows(source, text, ["code", "name", "min_plot_ratio", *inv_cols])
    problems: list[str] = []
    out: list[Industry] = []
    seen: set[int] = set()
    for lineno, row in rows:
        try:
            if not re.fullmatch(r"\d{2}", row["code"]):
                raise ValueError(f"code {row['code']!r} is not a two-digit industry code")
            code = int(row["code"])
            if code in seen:
                raise ValueError(f"code {code} appears twice")
            seen.add(code)
            if not row["name"]:
                raise ValueError("the name is empty")
            aliases = tuple(a.strip() for a in row.get("aliases", "").split("|") if a.strip())
            out.append(Industry(
                code=code, name=row["name"], name_en=row.get("name_en", ""), aliases=aliases,
                min_plot_ratio=_number(row["min_plot_ratio"]),
                plot_ratio_verified=_verified(row.get("plot_ratio_verified", ""), "yes"),
                min_investment=tuple(_number(row[c]) for c in inv_cols),
                investment_verified=_verified(row.get("investment_verified", ""), "yes"),
            ))
        except ValueError as ex:
            problems.append(f"line {lineno}: {ex}")
    if not rows:
        problems.append("no industry rows")
    _fail(source, problems, "industry")
    return tuple(out)


def _grade_cell(text: str) -> int:
    grade = land_grade(text)
    if grade is None:
        raise ValueError(f"land_grade {text!r} is not a grade 1-15")
    return grade


def _parse_region_classes(source: str, text: str
                          ) -> tuple[dict[int, int], dict[int, Verified]]:
    rows = _rows(source, text, ["land_grade", "region_class"])
    problems: list[str] = []
    classes: dict[int, int] = {}
    verified: dict[int, Verified] = {}
    for lineno, row in rows:
        try:
            grade = _grade_cell(row["land_grade"])
            cls = _region_class_number(row["region_class"])
            if cls is None:
                raise ValueError(f"region_class {row['region_class']!r} is not a class 1-7")
            if grade in classes:
                raise ValueError(f"land grade {grade} appears twice")
            classes[grade] = cls
            verified[grade] = _verified(row.get("verified", ""), "yes")
        except ValueError as ex:
            problems.append(f"line {lineno}: {ex}")
    problems += [f"land grade {g} has no region class" for g in LAND_GRADES if g not in classes
                 and not problems]
    _fail(source, problems, "region-class")
    return classes, verified


def _parse_land_prices(source: str, text: str) -> dict[int, LandPrice]:
    rows = _rows(source, text, ["land_grade", "min_price"])
    problems: list[str] = []
    prices: dict[int, LandPrice] = {}
    for lineno, row in rows:
        try:
            grade = _grade_cell(row["land_grade"])
            price = _number(row["min_price"])
            if price is None:
                raise ValueError("min_price is empty")
            if grade in prices:
                raise ValueError(f"land grade {grade} appears twice")
            prices[grade] = LandPrice(grade, row.get("grade_name") or _grade_name(grade), price,
                                      _verified(row.get("verified", ""), "yes"))
        except ValueError as ex:
            problems.append(f"line {lineno}: {ex}")
    if not rows:
        problems.append("no land-grade rows")
    _fail(source, problems, "land-price")
    return prices


_GENERAL = {"building_coefficient": "min", "office_share": "max", "green_ratio": "max"}


def _parse_general(source: str, text: str) -> GeneralIndicators:
    rows = _rows(source, text, ["indicator", "bound", "value"])
    problems: list[str] = []
    values: dict[str, float] = {}
    verified: dict[str, Verified] = {}
    for lineno, row in rows:
        try:
            name = row["indicator"]
            if name not in _GENERAL:
                raise ValueError(f"indicator {name!r} is not one of {list(_GENERAL)}")
            if row["bound"] != _GENERAL[name]:
                raise ValueError(f"{name} is a {_GENERAL[name]} bound, not {row['bound']!r}")
            value = _number(row["value"], percent=True)
            if value is None or value > 1:
                raise ValueError(f"{name} value {row['value']!r} is not a fraction 0-1 (or 0-100%)")
            values[name] = value
            verified[name] = _verified(row.get("verified", ""), "yes")
        except ValueError as ex:
            problems.append(f"line {lineno}: {ex}")
    problems += [f"no {name} row" for name in _GENERAL if name not in values and not problems]
    _fail(source, problems, "general-indicator")
    return GeneralIndicators(values["building_coefficient"], values["office_share"],
                             values["green_ratio"], verified)


# --------------------------------------------------------------------------- matching

_PUNCT = re.compile(r"[\s、，,.。;；:：()（）\[\]【】·/\\\-'\"“”‘’_]+")
_CODE = re.compile(r"^([A-Za-z])?\s*(\d{2,4})(?!\d)")

#: Two-digit manufacturing codes of GB/T 4754-2011/2017 that name a different 2002 class
#: (or several); codes 13-28 other than 24 are the same in every edition.
_CODE_2017_TO_2002: dict[int, tuple[int, ...]] = {
    24: (24, 42), 29: (29, 30), 30: (31,), 31: (32,), 32: (33,), 33: (34,), 34: (35,),
    35: (36,), 36: (37,), 37: (37,), 38: (39,), 39: (40,), 40: (41,), 41: (42,), 42: (43,),
    43: (),
}
#: Three-digit groups that settle the split classes: 2017's 291 rubber and 292 plastics,
#: 243 arts and crafts (2002's 42 工艺品).
_GROUP_2017_TO_2002: dict[int, int] = {291: 29, 292: 30, 243: 42}
_CODE_2002_TO_2017: dict[int, tuple[int, ...]] = {
    38: (), 29: (29,), 30: (29,), 31: (30,), 32: (31,), 33: (32,), 34: (33,), 35: (34,), 36: (35,),
    37: (36, 37), 39: (38,), 40: (39,), 41: (40,), 42: (24, 41), 43: (42,),
}
#: 2002's 372 motor vehicles became 2017's 36; 421 arts and crafts went into 24.
_GROUP_2002_TO_2017: dict[int, int] = {372: 36, 421: 24}


def _norm(text: str) -> str:
    """Text for name matching: NFKC, lower case, no spaces or punctuation, 和/及 dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PUNCT.sub("", text)
    return text.replace("和", "").replace("及", "").replace("的", "")


def _map_code(digits: str, source: str, target: str) -> tuple[int, ...]:
    """Return the two-digit codes of the ``target`` edition for a code written in ``source``."""
    two = int(digits[:2])
    group = int(digits[:3]) if len(digits) >= 3 else None
    if (source == "2002") == (target == "2002"):
        return (two,)
    if source == "2002":
        groups, codes = _GROUP_2002_TO_2017, _CODE_2002_TO_2017
        # A group other than the ones that moved stays with the bulk of its class.
        settled = {37: (37,), 42: (41,)}
    else:
        groups, codes = _GROUP_2017_TO_2002, _CODE_2017_TO_2002
        settled = {24: (24,)}
    if group is not None and group in groups:
        return (groups[group],)
    if group is not None and two in settled:
        return settled[two]
    return codes.get(two, (two,))


def industry_candidates(value: object, *, classification: Classification | None = None,
                        table: Standards | None = None) -> tuple[Industry, ...]:
    """Every row of the industry table that ``value`` can name.

    Empty when nothing matches; more than one row when ``value`` is ambiguous (a code of
    29-43 with no ``classification``, 橡胶和塑料制品业, 食品). Rows that share a figure give
    that figure unambiguously.

    Parameters
    ----------
    value
        A code (``26``, ``"26"``, ``"C26"``, ``"2614"``, ``"C2614 有机化学原料制造"``), a name
        in any GB/T 4754 edition, a short form (化工, 电子, 医药, 炼油) or an English name.
        Names are matched whole first, then by the longest table name or alias they contain.
    classification
        GB/T 4754 edition of a code in ``value``; ``None`` accepts a code only where every
        edition reads it as the same row.
    table
        The tables to search; the packaged ones by default.
    """
    return _candidates(value, classification, table or default())[0]


def _candidates(value: object, classification: Classification | None, tab: Standards
                ) -> tuple[tuple[Industry, ...], bool]:
    """Return the matching rows, and whether the editions of GB/T 4754 read a code differently."""
    if classification is not None and classification not in _CLASSIFICATIONS:
        raise ConfigError(f"classification was {classification!r}",
                          fix=f"use one of {list(_CLASSIFICATIONS)}")
    if value is None or isinstance(value, bool):
        return (), False
    if isinstance(value, Industry):
        return (value,), False
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            return (), False
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _CODE.match(text)
    if match and (match.group(1) is None or match.group(1).upper() == "C"):
        sources = [classification] if classification else ["2002", "2017"]
        readings = {_map_code(match.group(2), src, tab.classification) for src in sources}
        codes = sorted({c for reading in readings for c in reading})
        return tuple(tab._by_code[c] for c in codes if c in tab._by_code), len(readings) > 1
    if match:  # a section letter other than C (manufacturing)
        return (), False
    return _by_name(text, tab), False


def _by_name(text: str, tab: Standards) -> tuple[Industry, ...]:
    key = _norm(text)
    if not key:
        return ()
    exact = tab._by_name.get(key)
    if exact:
        return tuple(tab._by_code[c] for c in exact)
    found = [name for name in tab._by_name
             if name in key and (len(name) >= 2 if not name.isascii() else len(name) >= 5)]
    longest = [n for n in found if not any(n != m and n in m for m in found)]
    codes = sorted({c for n in longest for c in tab._by_name[n]})
    return tuple(tab._by_code[c] for c in codes)


def industry(value: object, *, classification: Classification | None = None,
             table: Standards | None = None) -> Industry | None:
    """Return the one industry row ``value`` names, or ``None`` when none or several match.

    See :func:`industry_candidates` for what ``value`` and ``classification`` accept.

    Examples
    --------
    >>> industry("2614").code, industry("化工").code, industry("oil refining").code
    (26, 26, 25)
    >>> industry("橡胶和塑料制品业") is None, industry("C2922", classification="2017").code
    (True, 30)
    """
    found, editions_differ = _candidates(value, classification, table or default())
    return found[0] if len(found) == 1 and not editions_differ else None


# --------------------------------------------------------------------------- grades

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_NAMES = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三",
             "十四", "十五"]


def _cn_number(text: str) -> int | None:
    """1-99 written in Chinese numerals (一, 十, 十五, 二十三), or ``None``."""
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if "十" not in text or text.count("十") > 1:
        return None
    tens, _, units = text.partition("十")
    t = 1 if tens == "" else _CN_DIGITS.get(tens)
    u = 0 if units == "" else _CN_DIGITS.get(units)
    return None if t is None or u is None else 10 * t + u


def _ordinal(value: object, pattern: str) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(pattern, text)
    if not m:
        return None
    body = m.group(1)
    return int(body) if body.isdigit() else _cn_number(body)


def land_grade(value: object) -> int | None:
    """Read a land grade (土地等别) 1-15 from ``8``, ``"8"``, ``"8等"``, ``"八等"``, ``"第八等"``.

    ``None`` when ``value`` is not a grade 1-15.
    """
    grade = _ordinal(value, r"第?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:等|等别)?")
    return grade if grade in LAND_GRADES else None


def _region_class_number(value: object) -> int | None:
    cls = _ordinal(value, r"第?\s*(\d|[一二三四五六七])\s*类?")
    return cls if cls in REGION_CLASSES else None


def _grade_name(grade: int) -> str:
    return f"{_CN_NAMES[grade]}等"


def region_class(grade: object, *, table: Standards | None = None) -> int | None:
    """Return the investment-intensity region class (1-7) of a land grade, or ``None``.

    The packaged table covers grades 1-4 in class 1, 5-6 in 2, 7-8 in 3, 9-10 in 4, 11-12 in
    5, 13-14 in 6 and 15 in 7 (verified in one reproduction only).
    """
    g = land_grade(grade)
    return None if g is None else (table or default()).region_classes.get(g)


def land_price(grade: object, *, table: Standards | None = None) -> LandPrice | None:
    """Return the minimum-price row of a land grade, with how its figure was checked."""
    g = land_grade(grade)
    return None if g is None else (table or default()).land_prices.get(g)


def min_land_price(grade: object, *, table: Standards | None = None) -> float | None:
    """Return the minimum industrial land price (元/平方米) of a land grade (1-15, 一等..十五等).

    Examples
    --------
    >>> min_land_price("一等"), min_land_price(15), min_land_price("十六等")
    (840.0, 60.0, None)
    """
    row = land_price(grade, table=table)
    return None if row is None else row.min_price


# --------------------------------------------------------------------------- indicators


def min_plot_ratio(value: object, *, classification: Classification | None = None,
                   table: Standards | None = None) -> float | None:
    """Return the minimum plot ratio (容积率) of an industry; ``None`` if unknown or unmatched.

    ``value`` is an :class:`Industry` or anything :func:`industry` accepts, read with
    ``classification`` as there.
    """
    ind = industry(value, classification=classification, table=table)
    return None if ind is None else ind.min_plot_ratio


def min_investment_intensity(value: object, region: object, *,
                             classification: Classification | None = None,
                             table: Standards | None = None) -> float | None:
    """Return the minimum investment intensity (万元/公顷) of an industry in a region class.

    ``value`` is read as by :func:`industry`; ``region`` is a class 1-7 (``3``, ``"第三类"``,
    ``"三类"``). ``None`` when the industry is not matched or the table has no figure for that
    cell (most cells of the packaged table: see ``redline/data/README.md``).

    Raises
    ------
    ConfigError
        ``region`` is not a region class 1-7.
    """
    cls = _region_class_number(region)
    if cls is None:
        raise ConfigError(f"region class was {region!r}",
                          fix="give a class 1-7 (第一类..第七类); region_class() maps a land grade")
    ind = industry(value, classification=classification, table=table)
    return None if ind is None else ind.min_investment[cls - 1]


def general(*, table: Standards | None = None) -> GeneralIndicators:
    """Return the indicators common to every industry (building, office, green shares)."""
    return (table or default()).general
