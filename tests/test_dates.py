"""Full-year arithmetic: anniversaries, leap days, missing dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from redline.analysis.dates import add_years, as_day_array, days_between, full_years, to_date


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
