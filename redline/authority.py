"""Approving authorities (批准机关): who approved a conversion, read from what users write.

An approval's ``authority`` field holds whatever the county typed: the body (``国务院``,
``辽宁省人民政府``, ``State Council``), a document number whose prefix names it
(``国函〔2015〕12号``, ``辽政地〔2024〕35号``), or a short form (``省政府``). This module is the
one place these are read into a level, for the rules (``unauthorized_approval``, and
whether an approval may cover permanent basic farmland) and for whoever lists them.

Levels
------
``state_council``
    国务院: the body, its documents (``国函``, ``国发``, ``国办``), and the replies of the land
    ministry that convey its approval of batch construction land (``国土资函``, ``自然资函``,
    国土资源部, 自然资源部: "经国务院批准，现批复如下"). Only the State Council approves the
    conversion or expropriation of permanent basic farmland (土地管理法 Art. 44, 46).
``entrusted``
    A provincial government acting on the State Council's entrustment (``受国务院委托``,
    ``国务院委托``): 国发〔2020〕4号 entrusted pilot provinces with converting permanent basic
    farmland. Treated as a State Council approval; the text must say 委托.
``province``
    省、自治区、直辖市人民政府 and their land departments: a province's name with 省 / 自治区,
    the four municipalities (北京, 天津, 上海, 重庆), a province abbreviation before ``政``
    (``辽政地``, ``辽政函``), ``省政府``, and ``province`` / ``provincial`` in English.
``city``
    A city, prefecture or league government (``鞍山市人民政府``, ``市政府``, ``州``, ``盟``), a
    document of a government that is not a province (``鞍政地``), ``city`` / ``municipal``.
``county``
    A county or district government (``县政府``, ``区人民政府``, ``旗``), ``county`` /
    ``district``.

A value matching none is unreadable: :func:`read_authorities` gives its problem, and the
rules leave what depends on it unjudged. Blank values are missing, with a problem too.

Examples
--------
>>> read_authority("国务院"), read_authority("国函〔2015〕12号")
('state_council', 'state_council')
>>> read_authority("辽政地〔2024〕35号")
'province'
>>> read_authority("辽宁省人民政府"), read_authority("Liaoning Provincial Government")
('province', 'province')
>>> read_authority("鞍山市人民政府"), read_authority("北京市人民政府"), read_authority("海城县政府")
('city', 'province', 'county')
>>> read_authority("辽宁省人民政府（受国务院委托）"), read_authority("国土资函〔2015〕3号")
('entrusted', 'state_council')
>>> read_authority("某某公司") is None
True
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

import numpy as np
import pandas as pd

__all__ = ["LEVELS", "Level", "is_state_council", "read_authorities", "read_authority"]

Level = Literal["state_council", "entrusted", "province", "city", "county"]

#: Every level, highest first.
LEVELS: Final[tuple[Level, ...]] = ("state_council", "entrusted", "province", "city", "county")

#: Levels that may approve converting permanent basic farmland.
_STATE_COUNCIL: Final[frozenset[str]] = frozenset({"state_council", "entrusted"})

#: One-character abbreviations of the provinces, autonomous regions and municipalities,
#: as they open their governments' document numbers (辽政地, 京政函...).
_PROVINCE_ABBREVIATIONS: Final[str] = (
    "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀贵黔云滇藏陕秦甘陇青宁新"
)
_MUNICIPALITIES: Final[tuple[str, ...]] = ("北京", "天津", "上海", "重庆")

_STATE_COUNCIL_WORDS: Final[re.Pattern[str]] = re.compile(
    r"国务院|^国函|^国发|^国办|国土资函|自然资函|国土资源部|自然资源部|STATECOUNCIL")
_ENTRUSTED_WORDS: Final[re.Pattern[str]] = re.compile(r"委托|ENTRUST")
#: A government's document number: a one-character name before 政地 / 政函 / 政发.
_DOCUMENT: Final[re.Pattern[str]] = re.compile(r"^([^\W\d_])政[地函发]")
#: The words that end the name of an administrative division, longest first: the last
#: one in a value names the government (辽宁省鞍山市人民政府 is the city's).
_DIVISIONS: Final[re.Pattern[str]] = re.compile(
    r"(自治区|自治州|自治县|自治旗|省|市|州|盟|县|区|旗)")
_DIVISION_LEVEL: Final[dict[str, Level]] = {
    "自治区": "province", "省": "province",
    "自治州": "city", "市": "city", "州": "city", "盟": "city",
    "自治县": "county", "自治旗": "county", "县": "county", "区": "county", "旗": "county",
}
_ENGLISH: Final[tuple[tuple[Level, re.Pattern[str]], ...]] = (
    ("province", re.compile(r"PROVINC|AUTONOMOUSREGION")),
    ("county", re.compile(r"COUNTY|DISTRICT")),
    ("city", re.compile(r"CITY|MUNICIPAL|PREFECTUR")),
)


def _folded(value: object) -> str:
    """Upper-cased text with full-width forms folded and spaces, dots and dashes dropped."""
    text = unicodedata.normalize("NFKC", str(value)).upper()
    return re.sub(r"[\s.\-_·]", "", text)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        value is pd.NA) or str(value).strip() == ""


def read_authority(value: object) -> Level | None:  # noqa: PLR0911 - one return a form
    """Return the level of one authority value, or None when it is blank or unreadable."""
    if _blank(value):
        return None
    text = _folded(value)
    if _ENTRUSTED_WORDS.search(text):
        return "entrusted"
    if _STATE_COUNCIL_WORDS.search(text):
        return "state_council"
    document = _DOCUMENT.match(text)
    if document:
        return "province" if document.group(1) in _PROVINCE_ABBREVIATIONS else "city"
    divisions = list(_DIVISIONS.finditer(text))
    if divisions:
        last = divisions[-1]
        if last.group(1) == "市" and text[:last.start()] in _MUNICIPALITIES:
            return "province"
        return _DIVISION_LEVEL[last.group(1)]
    for level, pattern in _ENGLISH:
        if pattern.search(text):
            return level
    return None


def read_authorities(values: pd.Series) -> pd.DataFrame:
    """Read a column of authority values: ``level`` (None when unread) and ``problem`` per row.

    ``problem`` is ``""`` for a value read, and names the value otherwise (``"no
    authority"`` for a blank one).

    Examples
    --------
    >>> read_authorities(pd.Series(["国务院", "", "某某公司"])).to_dict("list")
    {'level': ['state_council', None, None], 'problem': ['', 'no authority', "authority \
'某某公司' names no approving government (国务院, 省/市/县人民政府, 国函, 辽政地...)"]}
    """
    codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=True)
    levels: list[Level | None] = []
    problems: list[str] = []
    for value in distinct:
        level = read_authority(value)
        levels.append(level)
        if level is not None:
            problems.append("")
        elif _blank(value):
            problems.append("no authority")
        else:
            problems.append(f"authority {str(value).strip()!r} names no approving government "
                            "(国务院, 省/市/县人民政府, 国函, 辽政地...)")
    levels.append(None)
    problems.append("no authority")
    level_arr = np.array(levels, dtype=object)[codes]
    problem_arr = np.array(problems, dtype=object)[codes]
    return pd.DataFrame({"level": pd.Series(level_arr, index=values.index, dtype=object),
                         "problem": pd.Series(problem_arr, index=values.index, dtype=object)})


def is_state_council(level: object) -> bool:
    """Whether an approval of this level may convert permanent basic farmland."""
    return level in _STATE_COUNCIL
