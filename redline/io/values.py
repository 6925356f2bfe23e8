"""Parsers for the values found in county attribute tables.

Each parser takes a :class:`pandas.Series` of raw values (strings, numbers,
dates, ``None``) and returns ``(values, problems)``: the parsed values aligned
to the input index, and a string Series holding, per row, why the value could
not be parsed (``""`` when it could, or when it was blank). A parser never
raises on a bad value.

Parsed kinds:

- ``date``: ``datetime64[ns]`` (``NaT`` when blank or unparseable). Compare
  with ``pd.Timestamp(as_of)``.
- ``float``: ``float64`` (``NaN``).
- ``bool``: pandas ``boolean`` (nullable, ``<NA>``).
- ``str``, ``code``, ``supply_method``, ``land_use``: ``object`` holding ``str``
  or ``None``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd

from redline.datetext import read_dates
from redline.schema import FieldKind

Parsed = tuple[pd.Series, pd.Series]

#: Canonical supply methods (docs/contract.md) and the spellings that mean each.
SUPPLY_METHODS: Final[dict[str, tuple[str, ...]]] = {
    "allocation": ("划拨", "行政划拨", "划拨供地", "allocation", "allocated", "allot"),
    "negotiation": ("协议出让", "协议", "协议方式", "negotiation", "negotiated", "agreement"),
    "tender": ("招标", "招标出让", "tender", "bidding", "bid"),
    "auction": ("拍卖", "拍卖出让", "auction"),
    "listing": ("挂牌", "挂牌出让", "listing", "listed"),
}

#: Land-use names (三调 / 土地利用现状分类) and the code each maps to.
LAND_USE_NAMES: Final[dict[str, str]] = {
    "耕地": "01", "水田": "0101", "水浇地": "0102", "旱地": "0103",
    "商服用地": "05H1", "商业服务业设施用地": "05H1", "商业服务业用地": "05H1",
    "商业用地": "05H1", "商业": "05H1", "商服": "05H1", "commercial": "05H1",
    "物流仓储用地": "0508", "仓储用地": "0508", "仓储": "0508", "logistics": "0508",
    "warehouse": "0508", "warehousing": "0508",
    "工业用地": "0601", "工业": "0601", "industrial": "0601", "industry": "0601",
    "采矿用地": "0602", "采矿": "0602", "mining": "0602",
    "住宅用地": "0701", "城镇住宅用地": "0701", "住宅": "0701", "城镇住宅": "0701",
    "residential": "0701", "housing": "0701", "urban housing": "0701",
    # Kinds of urban housing land as the land-market monitoring records name them: all
    # 0701. Whether housing is affordable (经济适用住房, 廉租住房, 公共租赁住房) is read from
    # the supply field ``purpose``, which may be mapped to the same source field.
    "普通商品住房用地": "0701", "商品住房用地": "0701", "商品住宅用地": "0701",
    "经济适用住房用地": "0701", "廉租住房用地": "0701", "公共租赁住房用地": "0701",
    "限价商品住房用地": "0701", "高档住宅用地": "0701",
    "零售商业用地": "0501", "批发市场用地": "0502", "餐饮用地": "0503", "旅馆用地": "0504",
    "商务金融用地": "0505", "娱乐用地": "0506", "其他商服用地": "0507",
    "农村宅基地": "0702", "宅基地": "0702", "rural homestead": "0702", "homestead": "0702",
    "公共管理与公共服务用地": "08", "public": "08",
    "机关团体新闻出版用地": "08H1", "机关团体用地": "08H1",
    "科教文卫用地": "08H2", "公用设施用地": "0809", "公园与绿地": "0810",
    "特殊用地": "09", "special": "09",
    "交通运输用地": "10", "铁路用地": "1001", "轨道交通用地": "1002", "公路用地": "1003",
    "城镇村道路用地": "1004", "交通服务场站用地": "1005", "农村道路": "1006",
    "机场用地": "1007", "港口码头用地": "1008", "管道运输用地": "1009",
    "水工建筑用地": "1109", "空闲地": "1201",
}

_TRUE: Final = frozenset({"是", "有", "true", "t", "yes", "y", "1", "1.0", "√"})
_FALSE: Final = frozenset({"否", "无", "false", "f", "no", "n", "0", "0.0", "×"})

# Land-class codes: 2 digits, optionally 2 more digits/letters (05H1) or one more digit
# (二调 051), optionally one suffix letter (0101K, 1104A).
_CODE_RE: Final = re.compile(r"^\d{2}(?:[0-9A-Z]{2}|\d)?[A-Z]?$")


#: Columns shorter than this are parsed value by value (factorizing costs more).
_DISTINCT_MIN: Final = 10_000


def _per_distinct(parse: Callable[..., Parsed]) -> Callable[..., Parsed]:
    """Parse each distinct value of a text or date column once and spread the results.

    A million farmland patches carry a few dozen land codes, admin codes and dates:
    parsing those and taking the results by position is what makes reading a large
    layer fast. Columns of mostly distinct values (ids) are parsed as they are.
    """

    @functools.wraps(parse)
    def run(raw: pd.Series, *args: object, **options: object) -> Parsed:
        if len(raw) < _DISTINCT_MIN or (raw.dtype.kind not in "OSU" and not isinstance(
                raw.dtype, pd.StringDtype | pd.ArrowDtype)):
            return parse(raw, *args, **options)
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        # Only text and dates: factorizing takes True, 1 and 1.0 for one value.
        if 4 * len(uniques) > len(raw) or pd.api.types.infer_dtype(
                uniques, skipna=True) not in ("string", "date", "datetime"):
            return parse(raw, *args, **options)
        # One more row for the missing value (code -1), parsed like any other.
        distinct = pd.Series(uniques).astype(object)
        distinct = pd.concat([distinct, pd.Series([None], dtype=object)], ignore_index=True)
        values, problems = parse(distinct, *args, **options)
        at = np.where(codes < 0, len(distinct) - 1, codes)
        return (values.iloc[at].set_axis(raw.index), problems.iloc[at].set_axis(raw.index))

    return run


def _blank(raw: pd.Series) -> np.ndarray:
    """Return True where a value is missing or whitespace only."""
    missing = raw.isna().to_numpy()
    text = raw.astype(object).where(~missing, "").map(str).str.strip()
    return missing | (text == "").to_numpy()


def _one_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _text(raw: pd.Series) -> pd.Series:
    """Raw values as stripped strings ('' for missing); floats 12.0 become '12'."""
    arr = raw.to_numpy(dtype=object)
    if len(arr) and pd.api.types.infer_dtype(arr, skipna=True) == "string":
        # A text column (the common case): strip in one pass; of the missing values,
        # only those that are neither None nor NaN go value by value.
        out = np.full(len(arr), "", dtype=object)
        missing = pd.isna(arr)
        present = np.flatnonzero(~missing)
        out[present] = [v.strip() for v in arr[present]]
        gaps = np.flatnonzero(missing)
        odd = [i for i, v in zip(gaps, arr[gaps], strict=True)
               if v is not None and not isinstance(v, float)]
        if odd:
            out[odd] = [_one_text(v) for v in arr[odd]]
        return pd.Series(out, index=raw.index, dtype=object)
    return pd.Series([_one_text(v) for v in arr], index=raw.index, dtype=object)


def _problems(bad: np.ndarray, raw: pd.Series, what: str) -> pd.Series:
    out = pd.Series("", index=raw.index, dtype=object)
    if bad.any():
        texts = _text(raw)
        out[bad] = np.array([f"{what}: cannot read {t!r}" for t in texts[bad]], dtype=object)
    return out


def parse_strings(raw: pd.Series) -> Parsed:
    """Strings, stripped; blanks become ``None``."""
    text = _text(raw)
    values = text.where(text != "", None).astype(object)
    return values, pd.Series("", index=raw.index, dtype=object)


@_per_distinct
def parse_codes(raw: pd.Series, *, width: int | None = None) -> Parsed:
    """Codes kept as text: ``210302.0`` -> ``"210302"``; upper-cased.

    ``width`` left-pads all-digit codes shorter than it with zeros, for land
    classes stored as numbers (``101`` -> ``"0101"``).
    """
    text = _text(raw).str.upper()
    if width is not None:
        digits = text.str.fullmatch(r"\d+") & (text.str.len() < width)
        text = text.where(~digits, text.str.zfill(width))
    values = text.where(text != "", None).astype(object)
    return values, pd.Series("", index=raw.index, dtype=object)


#: Range (low, high; ``None``: open) of each number field, by canonical name. A value
#: outside it is not read, and the rules needing it leave the feature unjudged. Shares
#: run to 100 because a share above 1 and at most 100 is read as a percentage
#: (analysis/supply.py); 耕地等别 run 1 (best) to 15 in the national grading of
#: GB/T 28407-2012 (农用地质量分等规程).
NUMBER_RANGES: Final[dict[str, tuple[float | None, float | None]]] = {
    "price": (0.0, None),
    "invest_total": (0.0, None),
    "invest_done": (0.0, None),
    "built_area_ratio": (0.0, 100.0),
    "plot_ratio": (0.0, None),
    "building_coefficient": (0.0, 100.0),
    "green_ratio": (0.0, 100.0),
    "office_share": (0.0, 100.0),
    "farmland_added": (0.0, None),
    "paddy_added": (0.0, None),
    "grade": (1.0, 15.0),
}


def _number_text(v: float) -> str:
    return f"{v:.10g}"


@_per_distinct
def parse_numbers(raw: pd.Series, *, low: float | None = None,
                  high: float | None = None) -> Parsed:
    """Numbers, also from strings with thousands separators (``"1,234.5"``).

    A value that is not finite (``inf``, ``nan`` typed as text) or lies outside
    ``[low, high]`` is not read (``NaN``) and its problem says why.

    Examples
    --------
    >>> values, problems = parse_numbers(pd.Series(["1,200.5", "inf", "-5", ""]), low=0)
    >>> values.tolist()[:1], values.isna().tolist()
    ([1200.5], [False, True, True, True])
    >>> problems.tolist()
    ['', "number: 'inf' is not a finite number", 'number: -5 is below 0', '']
    """
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype("float64")
        bad = np.zeros(len(raw), dtype=bool)
        problems = pd.Series("", index=raw.index, dtype=object)
    else:
        text = _text(raw).str.replace(r"[,，\s]", "", regex=True)
        values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(
            "float64")
        bad = values.isna().to_numpy() & ~_blank(raw)
        problems = _problems(bad, raw, "number")
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        infinite = np.isinf(arr)
        below = np.zeros(len(arr), dtype=bool) if low is None else arr < low
        above = np.zeros(len(arr), dtype=bool) if high is None else arr > high
    if infinite.any() or below.any() or above.any():
        texts = _text(raw).to_numpy()
        out = problems.to_numpy().copy()
        out[infinite] = [f"number: {t!r} is not a finite number" for t in texts[infinite]]
        out[below] = [f"number: {_number_text(v)} is below {_number_text(float(low or 0))}"
                      for v in arr[below]]
        out[above] = [f"number: {_number_text(v)} is above {_number_text(float(high or 0))}"
                      for v in arr[above]]
        problems = pd.Series(out, index=raw.index, dtype=object)
        values = values.where(~(infinite | below | above))
    return values, problems


@_per_distinct
def parse_dates(raw: pd.Series) -> Parsed:
    """Dates in every common spelling (:mod:`redline.datetext`), with why a value is unread.

    ``2009-10-01``, ``2009/10/1``, ``20091001``, ``2009年10月1日``, ``二〇〇九年十月一日``,
    ``2009.10.01``, ``09-10-01``, full-width digits, Excel serial days (``40087``); the month
    only (``2009年10月``) is its last day; a time part is ignored; years outside 1900-2100,
    a year alone and six digits are unreadable.

    Examples
    --------
    >>> values, problems = parse_dates(pd.Series(["二〇〇九年十月一日", 40087, "2009年13月1日"]))
    >>> values.dt.strftime("%Y-%m-%d").tolist()[:2], problems.tolist()[2]
    (['2009-10-01', '2009-10-01'], "date: cannot read '2009年13月1日' (there is no month 13)")
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = pd.to_datetime(raw).dt.tz_localize(None) if getattr(
            raw.dt, "tz", None) is not None else raw
        return values.astype("datetime64[ns]"), pd.Series("", index=raw.index, dtype=object)
    days, why = read_dates(raw)
    values = pd.Series(days.astype("datetime64[ns]"), index=raw.index)
    bad = why != ""
    problems = pd.Series("", index=raw.index, dtype=object)
    if bad.any():
        texts = _text(raw)
        problems[bad] = np.array([f"date: cannot read {t!r} ({w})" if w != "not a date"
                                  else f"date: cannot read {t!r}"
                                  for t, w in zip(texts[bad], why[bad], strict=True)],
                                 dtype=object)
    return values, problems


@_per_distinct
def _lookup(raw: pd.Series, table: dict[str, str], what: str,
            passthrough: Callable[[str], str | None] | None = None) -> Parsed:
    text = _text(raw)
    keys = text.str.lower().str.replace(r"\s+", " ", regex=True)
    values = keys.map(table).astype(object)
    if passthrough is not None:
        missing = values.isna()
        values[missing] = text[missing].map(passthrough)
    values = values.where(values.notna(), None).astype(object)
    bad = values.isna().to_numpy() & ~_blank(raw)
    return values, _problems(bad, raw, what)


_SUPPLY_TABLE: Final[dict[str, str]] = {
    spelling.lower(): method for method, spellings in SUPPLY_METHODS.items()
    for spelling in spellings
} | {method: method for method in SUPPLY_METHODS}


def parse_supply_methods(raw: pd.Series) -> Parsed:
    """Supply methods to ``allocation|negotiation|tender|auction|listing``.

    Examples
    --------
    >>> parse_supply_methods(pd.Series(["划拨", "协议出让", "挂牌"]))[0].tolist()
    ['allocation', 'negotiation', 'listing']
    """
    return _lookup(raw, _SUPPLY_TABLE, "supply method")


def _land_code(text: str) -> str | None:
    code = text.upper()
    # 101 is 三调 0101 with its zero lost; 051, 061, 071 are 二调 codes, kept as they are
    # (no 三调 code that lost its leading zero starts with 0).
    if code.isdigit() and len(code) == 3 and not code.startswith("0"):
        code = "0" + code
    return code if _CODE_RE.match(code) else None


_LAND_USE_TABLE: Final[dict[str, str]] = {k.lower(): v for k, v in LAND_USE_NAMES.items()}


def parse_land_uses(raw: pd.Series) -> Parsed:
    """Land uses to 三调 codes: names (工业用地, 商业, residential) or codes (suffixes kept).

    Examples
    --------
    >>> parse_land_uses(pd.Series(["工业用地", "商业", "0301K"]))[0].tolist()
    ['0601', '05H1', '0301K']
    """
    return _lookup(raw, _LAND_USE_TABLE, "land use", _land_code)


@_per_distinct
def parse_bools(raw: pd.Series) -> Parsed:
    """Booleans from 是/否, true/false, yes/no, 1/0, Y/N (nullable ``boolean``)."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean"), pd.Series("", index=raw.index, dtype=object)
    keys = _text(raw).str.lower()
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values[keys.isin(_TRUE).to_numpy()] = True
    values[keys.isin(_FALSE).to_numpy()] = False
    bad = values.isna().to_numpy() & ~_blank(raw)
    return values, _problems(bad, raw, "yes/no value")


def parse_field(raw: pd.Series, kind: FieldKind, name: str | None = None) -> Parsed:
    """Parse one canonical field by its kind (``schema.FIELDS``).

    ``name``, the canonical field's, gives a number its range (:data:`NUMBER_RANGES`).
    """
    if kind == "float" and name in NUMBER_RANGES:
        low, high = NUMBER_RANGES[name]
        return parse_numbers(raw, low=low, high=high)
    return _PARSERS[kind](raw)


_PARSERS: Final[dict[str, Callable[[pd.Series], Parsed]]] = {
    "date": parse_dates,
    "float": parse_numbers,
    "bool": parse_bools,
    "supply_method": parse_supply_methods,
    "land_use": parse_land_uses,
    "code": parse_codes,
    "str": parse_strings,
}
