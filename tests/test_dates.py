"""Full-year arithmetic: anniversaries, leap days, missing dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from redline.analysis.dates import add_years, as_day_array, days_between, full_years, to_date
from redline.datetext import excel_serial, read_date, read_dates


def _anniversary(day: dt.date, years: int) -> dt.date:
    # Independent reference: python's calendar, falling back to the month's last day.
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _d(text: str) -> np.datetime64:
    return np.datetime64(text, "D")


def test_one_full_year_is_reached_on_the_anniversary() -> None:
    assert full_years(["2008-06-01"], ["2009-06-01"]).tolist() == [1]
    assert full_years(["2008-06-01"], ["2009-05-31"]).tolist() == [0]
    assert add_years(["2008-06-01"], 1)[0] == _d("2009-06-01")


def test_leap_day_start() -> None:
    starts = ["2024-02-29"] * 4
    assert add_years(starts, [1, 2, 4, -4]).astype(str).tolist() == [
        "2025-02-28", "2026-02-28", "2028-02-29", "2020-02-29",
    ]
    ends = ["2025-02-27", "2025-02-28", "2025-03-01", "2026-02-28"]
    assert full_years(starts, ends).tolist() == [0, 1, 1, 2]
    # A start on 28 February of a leap year is not moved.
    assert full_years(["2024-02-28"], ["2025-02-27"]).tolist() == [0]


def test_missing_dates() -> None:
    assert np.isnat(add_years([None], 1)[0])
    assert full_years([None, "2020-01-01"], ["2021-01-01", pd.NaT]).tolist() == [-1, -1]
    assert np.isnan(days_between([None], ["2020-01-01"])[0])


def test_end_before_start_is_zero_years() -> None:
    assert full_years(["2020-05-01"], ["2019-01-01"]).tolist() == [0]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(pd.to_datetime(["2020-01-02", None])),
        pd.Series(pd.to_datetime(["2020-01-02", None])).astype("datetime64[s]"),
        pd.Series([dt.date(2020, 1, 2), None], dtype=object),
        pd.Series([dt.datetime(2020, 1, 2, 13, tzinfo=dt.UTC), pd.NaT], dtype=object),
        pd.Series(pd.to_datetime(["2020-01-02 08:00", None])).dt.tz_localize("Asia/Shanghai"),
        ["2020-01-02", "not a date"],
        np.array(["2020-01-02", "NaT"], dtype="datetime64[ms]"),
    ],
)
def test_as_day_array_accepts_common_forms(values: object) -> None:
    out = as_day_array(values)
    assert out.dtype == np.dtype("datetime64[D]")
    assert out[0] == _d("2020-01-02")
    assert np.isnat(out[1])


def test_to_date() -> None:
    assert to_date(pd.Timestamp("2021-03-04")) == dt.date(2021, 3, 4)
    assert to_date(None) is None


@given(
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.integers(min_value=0, max_value=5),
)
def test_against_python_calendar(start: dt.date, years: int) -> None:
    anniversary = _anniversary(start, years)
    assert add_years([start], years)[0] == np.datetime64(anniversary, "D")
    assert full_years([start], [anniversary]).tolist() == [years]
    if years:
        day_before = anniversary - dt.timedelta(days=1)
        assert full_years([start], [day_before]).tolist() == [years - 1]


# --------------------------------------------------------------------------- reading dates

OCT1 = np.datetime64("2009-10-01", "D")


@pytest.mark.parametrize("raw", [
    "2009-10-01", "2009/10/01", "2009/10/1", "2009.10.1", "2009.10.01", "2009\\10\\1",
    "20091001", 20091001, 20091001.0, "2009年10月1日", "2009年10月1号", "2009年10月01日",
    "二〇〇九年十月一日", "二○○九年十月一日", "二零零九年十月一日", "2009年十月一日",
    "２００９／１０／０１", "２００９年１０月１日", "09-10-01", "09/10/1", "09.10.01",
    "09年10月1日", "2009-10-01 08:30:00", "2009-10-01T08:30", "2009年10月1日 8:30",
    40087, 40087.0, 40087.75, "40087",
    dt.date(2009, 10, 1), dt.datetime(2009, 10, 1, 23, 59), pd.Timestamp("2009-10-01 12:00"),
    np.datetime64("2009-10-01T06:00"),
])
def test_every_common_spelling_of_1_october_2009(raw: object) -> None:
    days, why = read_dates([raw])
    assert days[0] == OCT1, raw
    assert why[0] == ""


def test_excel_serials_with_the_1900_leap_year_bug() -> None:
    # Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was (day 60),
    # so from 1 March 1900 on a serial is (days since 1900-01-01) + 2.
    assert (dt.date(2009, 10, 1) - dt.date(1900, 1, 1)).days + 2 == 40087
    assert excel_serial(1) == dt.date(1900, 1, 1)
    assert excel_serial(59) == dt.date(1900, 2, 28)
    assert excel_serial(60) is None          # the phantom 1900-02-29
    assert excel_serial(61) == dt.date(1900, 3, 1)
    assert excel_serial(36526) == dt.date(2000, 1, 1)
    assert excel_serial(43890) == dt.date(2020, 2, 29)
    assert excel_serial(43891.99) == dt.date(2020, 3, 1)
    # In a column only land-record days are serials: 1950-01-01 .. 2100-12-31.
    days, why = read_dates([18263, 18264, 73415, 73416, 60, 12])
    assert days.astype(str).tolist() == ["NaT", "1950-01-01", "2100-12-31", "NaT", "NaT", "NaT"]
    assert why[0] == why[3] == why[4] == "not a date"


@pytest.mark.parametrize(("raw", "day"), [
    ("2009年10月", "2009-10-31"),      # the month only: its last day
    ("二〇〇九年十月", "2009-10-31"),
    ("2009-10", "2009-10-31"),
    ("2009/9", "2009-09-30"),
    ("2024年2月", "2024-02-29"),       # leap February
    ("2023年2月", "2023-02-28"),
    ("2009年12月", "2009-12-31"),
    ("二〇二〇年二月二十九日", "2020-02-29"),
    ("二〇〇九年十二月三十一日", "2009-12-31"),
    ("99-01-02", "1999-01-02"),        # two-digit years: 69-99 are 19xx, 00-68 are 20xx
    ("69-01-02", "1969-01-02"),
    ("68-01-02", "2068-01-02"),
    ("00-01-02", "2000-01-02"),
    ("13/10/2009", "2009-10-13"),      # year last: the part above 12 is the day
    ("10/13/2009", "2009-10-13"),
    ("05/05/2009", "2009-05-05"),
])
def test_months_two_digit_years_and_year_last(raw: str, day: str) -> None:
    days, why = read_dates([raw])
    assert str(days[0]) == day
    assert why[0] == ""


@pytest.mark.parametrize(("raw", "reason"), [
    ("2009", "a year alone"), (2009, "a year alone"), ("2009年", "a year alone"),
    (2009.1, "a year alone"), ("200910", "six digits"), (200910, "six digits"),
    ("2009-02-30", "no day 30"), ("2009年13月1日", "no month 13"), ("2023年2月29日", "no day 29"),
    ("10/01/2009", "cannot be told apart"), ("3009-10-01", "outside 1900-2100"),
    (dt.date(1800, 1, 1), "outside 1900-2100"), (True, "yes/no"), ("bad", "not a date"),
    ("二〇〇九年十三月", "no month 13"), (float("inf"), "not a date"),
])
def test_unreadable_dates_say_why(raw: object, reason: str) -> None:
    days, why = read_dates([raw, "2009-10-01"])
    assert np.isnat(days[0])
    assert reason in why[0]
    assert days[1] == OCT1
    assert why[1] == ""


def test_blanks_are_missing_without_a_reason() -> None:
    days, why = read_dates([None, "", "  ", np.nan, pd.NaT, pd.NA])
    assert np.isnat(days).all()
    assert (why == "").all()


def test_the_parsers_agree() -> None:
    # The reader, the rules' day arrays and a one-value read give one day for one text.
    from redline.io.values import parse_dates

    raw = pd.Series(["二〇〇九年十月一日", 40087, "2009年10月", "09-10-01", "bad"], dtype=object)
    read, _ = read_dates(raw)
    parsed, problems = parse_dates(raw)
    assert as_day_array(raw).astype(str).tolist() == read.astype(str).tolist() == [
        "2009-10-01", "2009-10-01", "2009-10-31", "2009-10-01", "NaT"]
    assert parsed.dt.strftime("%Y-%m-%d").fillna("NaT").tolist() == read.astype(str).tolist()
    assert problems.tolist()[:4] == [""] * 4
    assert "'bad'" in problems[4]
    assert read_date("二〇〇九年十月一日") == (dt.date(2009, 10, 1), "")
