r"""Dates as county tables write them: one reading for the reader and the rules.

A county's attribute tables hold dates in many spellings, typed by hand or exported from
Excel. :func:`read_dates` reads every common one into days and says, for each value it
cannot read, why:

- ISO and its kin: ``2009-10-01``, ``2009/10/01``, ``2009.10.1``, ``2009\10\1``,
  ``2009-10-01 08:30:00`` (a time part is dropped);
- Chinese: ``2009年10月1日`` (or ``1号``), ``二〇〇九年十月一日`` (year digit by digit in
  〇/○/零/一..九, month and day as numbers: 十, 十一, 二十三, 三十一), mixed forms
  (``2009年十月一日``), and full-width digits and separators (``２００９／１０／０１``);
- compact: ``20091001`` as text or as a number;
- two-digit years, year first: ``09-10-01``, ``09/10/1``, ``09年10月1日``. ``00``-``68`` are
  20xx and ``69``-``99`` are 19xx, the POSIX reading Python's ``%y`` uses;
- a four-digit year last (``13/10/2009``, ``10/13/2009``): read when the day is the one part
  above 12 (or both parts are equal); ``10/01/2009`` could be 10 January or 1 October and
  is not read;
- Excel serial days: a whole number (or its text) from 18264 to 73415 is the day Excel
  counts from 1 January 1900, 1950-01-01 to 2100-12-31 (:func:`excel_serial`, which
  handles Excel's phantom 29 February 1900); a time fraction is dropped;
- the month only (``2009年10月``, ``2009-10``, ``二〇〇九年十月``): read as the **last day of
  that month**. Such a date is a period, and the last day is the latest it can mean: an
  agreed start "in October 2009" is met by starting on any day of October, so the idle
  clock runs from 31 October, and no land is idle, late or reclaimed before the record
  proves it. Dates of approvals and contracts read the same way, so one date means the same
  day in every rule.

Not read, with the reason: a year alone (``2009`` as text or number: a whole number from
1900 to 2100 is taken as a year, never as a serial day of 1905), six digits (``200910``:
``YYYYMM`` and ``YYMMDD`` cannot be told apart), a day the calendar does not have
(``2009-02-30``), a year outside 1900-2100, yes/no values and anything else.

Examples
--------
>>> days, why = read_dates(["2009年10月1日", "二〇〇九年十月一日", 40087, "09-10-01",
...                         "2009年10月", "2009"])
>>> days.astype(str).tolist()
['2009-10-01', '2009-10-01', '2009-10-01', '2009-10-01', '2009-10-31', 'NaT']
>>> why[-1]
'a year alone is not a day'
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["EXCEL_SERIALS", "YEARS", "excel_serial", "read_date", "read_dates"]

#: Years a date may have; others are typing errors (3009) or placeholders (1899-12-30).
YEARS: Final[tuple[int, int]] = (1900, 2100)
#: Whole numbers read as Excel serial days: 1950-01-01 to 2100-12-31. Smaller numbers are
#: not dates in land records (and 1900 to 2100 are read as years).
EXCEL_SERIALS: Final[tuple[int, int]] = (18264, 73415)

_NAT: Final = np.datetime64("NaT", "D")
_CN_DIGIT: Final[dict[str, int]] = {
    "〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "两": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_CHARS: Final = "〇○零一二两三四五六七八九十"
_TIME: Final = re.compile(r"(?:[ T]+|(?<=[日号]))\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?$")
_CHINESE: Final = re.compile(
    r"^(?P<y>[0-9〇○零OoＯ一二三四五六七八九]{2,4})年"
    r"(?P<m>[0-9一二三四五六七八九十]{1,3})月"
    r"(?:(?P<d>[0-9一二三四五六七八九十]{1,3})[日号]?)?$")
_SEPARATED: Final = re.compile(r"^(\d{1,4})[-/.\\](\d{1,2})(?:[-/.\\](\d{1,4}))?$")
_NUMBER: Final = re.compile(r"^\d+(?:\.\d+)?$")


def excel_serial(serial: float) -> dt.date | None:
    """Return the day an Excel serial number stands for (1900 date system).

    Excel counts 1 January 1900 as day 1 and, to match Lotus 1-2-3, has a 29 February 1900
    that never was (day 60). Days 1-59 are 1899-12-31 + serial; day 60 is no day (None);
    from day 61 on, 1899-12-30 + serial. A fraction (the time of day) is dropped.

    Examples
    --------
    >>> excel_serial(40087), excel_serial(59), excel_serial(60), excel_serial(61)
    (datetime.date(2009, 10, 1), datetime.date(1900, 2, 28), None, datetime.date(1900, 3, 1))
    """
    day = math.floor(serial)
    if day < 1 or day == 60:
        return None
    epoch = dt.date(1899, 12, 31) if day < 60 else dt.date(1899, 12, 30)
    return epoch + dt.timedelta(days=day)


def _cn_number(text: str) -> int | None:
    """1-99 in Arabic digits or Chinese numerals (一, 十, 十一, 二十, 三十一)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_DIGIT.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    t = 1 if tens == "" else _CN_DIGIT.get(tens)
    u = 0 if units == "" else _CN_DIGIT.get(units)
    if t is None or u is None or "十" in units:
        return None
    return 10 * t + u


def _cn_year(text: str) -> int | None:
    """Read a year in digits or written digit by digit (二〇〇九)."""
    if text.isdigit():
        return int(text)
    digits = [_CN_DIGIT.get(c) for c in text]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _two_digit_year(year: int) -> int:
    # POSIX (and Python's %y): 69-99 are 1969-1999, 00-68 are 2000-2068.
    return 1900 + year if year >= 69 else 2000 + year


def _last_day(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def _day(year: int, month: int, day: int | None) -> tuple[dt.date | None, str]:
    """Return the date, or None and why; ``day`` None is the month only (its last day)."""
    if not YEARS[0] <= year <= YEARS[1]:
        return None, f"year {year} is outside {YEARS[0]}-{YEARS[1]}"
    if not 1 <= month <= 12:
        return None, f"there is no month {month}"
    last = _last_day(year, month)
    if day is None:
        return dt.date(year, month, last), ""
    if not 1 <= day <= last:
        return None, f"{year}-{month:02d} has no day {day}"
    return dt.date(year, month, day), ""


def _from_number(value: float) -> tuple[dt.date | None, str]:
    if not math.isfinite(value):
        return None, "not a date"
    whole = math.floor(value)
    if whole == value and 19_000_101 <= whole <= 21_001_231:
        return _day(whole // 10_000, whole // 100 % 100, whole % 100)
    if YEARS[0] <= value < YEARS[1] + 1:
        return None, "a year alone is not a day"
    if whole == value and 100_000 <= whole <= 999_999:
        return None, "six digits: YYYYMM and YYMMDD cannot be told apart"
    if EXCEL_SERIALS[0] <= value < EXCEL_SERIALS[1] + 1:
        return excel_serial(value), ""
    return None, "not a date"


def _from_text(raw: str) -> tuple[dt.date | None, str]:  # noqa: PLR0911 - one return per form
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _TIME.sub("", text).strip()
    text = re.sub(r"\s+", "", text)
    if not text:
        return None, "not a date"
    chinese = _CHINESE.match(text)
    if chinese:
        year, month = _cn_year(chinese["y"]), _cn_number(chinese["m"])
        day = None if chinese["d"] is None else _cn_number(chinese["d"])
        if year is None or month is None or (chinese["d"] is not None and day is None):
            return None, "not a date"
        if len(chinese["y"]) == 2:
            year = _two_digit_year(year)
        elif len(chinese["y"]) != 4:
            return None, "not a date"
        return _day(year, month, day)
    if re.fullmatch(r"\d{4}年?", text) or re.fullmatch(r"[〇○零一二三四五六七八九]{4}年", text):
        return None, "a year alone is not a day"
    if _NUMBER.match(text):
        return _from_number(float(text))
    separated = _SEPARATED.match(text.rstrip("日号"))
    if separated:
        return _from_parts(*separated.groups())
    return None, "not a date"


def _from_parts(a: str, b: str, c: str | None) -> tuple[dt.date | None, str]:  # noqa: PLR0911
    if c is None:  # year and month
        if len(a) != 4:
            return None, "not a date"
        return _day(int(a), int(b), None)
    if len(a) == 4 and len(c) <= 2:
        return _day(int(a), int(b), int(c))
    if len(c) == 4 and len(a) <= 2:
        first, second = int(a), int(b)
        if first > 12 >= second or first == second:
            return _day(int(c), second, first)
        if second > 12 >= first:
            return _day(int(c), first, second)
        return None, "day and month cannot be told apart (write the year first)"
    if len(a) == 2 and len(c) <= 2:
        return _day(_two_digit_year(int(a)), int(b), int(c))
    return None, "not a date"


def read_date(value: object) -> tuple[dt.date | None, str]:  # noqa: PLR0911 - one per kind
    """Read one value: ``(date, "")``, ``(None, "")`` when blank, or ``(None, why)``."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None, ""
    if isinstance(value, bool | np.bool_):
        return None, "a yes/no value is not a date"
    if isinstance(value, dt.datetime | dt.date):  # pd.Timestamp is a datetime
        return _day(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None, ""
        return read_date(pd.Timestamp(value))
    if isinstance(value, int | float | np.integer | np.floating):
        if isinstance(value, float | np.floating) and math.isnan(value):
            return None, ""
        return _from_number(float(value))
    text = str(value)
    if not text.strip():
        return None, ""
    return _from_text(text)


def read_dates(values: Iterable[object] | pd.Series) -> tuple[NDArray[np.datetime64],
                                                               NDArray[np.object_]]:
    """Read dates of every common form (module docstring).

    Parameters
    ----------
    values
        Text, numbers (Excel serials, ``20091001``), python dates and datetimes, numpy
        datetimes, ``None`` / ``NaN`` / ``NaT``; each distinct value is read once.

    Returns
    -------
    days, reasons
        A ``datetime64[D]`` array (``NaT`` where blank or unread) and, per value, why it
        could not be read (``""`` when read or blank).
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        days = np.asarray(series.to_numpy(dtype="datetime64[ns]"), dtype="datetime64[D]")
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        outside = ~np.isnat(days) & ((years < YEARS[0]) | (years > YEARS[1]))
        reasons = np.where(outside, "year outside 1900-2100", "").astype(object)
        return np.where(outside, _NAT, days), reasons
    # Each distinct value is read once; the type is part of the key, so True, 1 and 1.0
    # (equal to Python) are read each as what it is.
    seen: dict[tuple[type, object], int] = {}
    read: list[tuple[dt.date | None, str]] = []
    at = np.empty(len(series), dtype=np.int64)
    for i, value in enumerate(series.astype(object).to_numpy()):
        try:
            key = (type(value), value)
            k = seen.get(key)
        except TypeError:  # unhashable: read it alone
            key, k = None, None
        if k is None:
            k = len(read)
            read.append(read_date(value))
            if key is not None:
                seen[key] = k
        at[i] = k
    table_days = np.array([_NAT if d is None else np.datetime64(d, "D") for d, _ in read],
                          dtype="datetime64[D]")
    table_why = np.array([why for _, why in read], dtype=object)
    if not read:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=object)
    return table_days[at], table_why[at]
