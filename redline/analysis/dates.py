"""Full-year arithmetic for legal periods (idle land, approvals not supplied).

The convention, used for every period redline counts in years:

* The *n*-th anniversary of a date is the same month and day *n* years later;
  a 29 February start whose anniversary year has no 29 February falls on
  28 February, the last day of that month. This follows the Civil Code of the
  PRC (民法典, 2020), Art. 202: a period counted in years ends on the
  corresponding day of the final month, or on the last day of that month when
  it has no corresponding day.
* An inspection dated ``as_of`` judges the state of things at the end of that
  day. The period's last day is the anniversary (Art. 201: the starting day
  itself is not counted), so at the end of the anniversary the full year is
  complete: **the anniversary itself counts as a full year**; the day before
  does not.

So one full year from 2008-06-01 is reached on 2009-06-01, and one full year
from 2024-02-29 is reached on 2025-02-28 (not 2025-03-01: waiting for
1 March would make a leap-day start the only one that needs a year and a day).
Two full years from 2024-02-29 are reached on 2026-02-28, and four on
2028-02-29: anniversaries are always counted from the original date, never
chained, so a leap-day start gets its 29 February back in leap years.

Every function works on whole arrays (numpy ``datetime64[D]``); missing dates
are ``NaT`` and give ``NaT`` / ``-1`` results rather than errors.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redline.datetext import read_dates

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "add_years",
    "as_day_array",
    "column_dates",
    "days_between",
    "full_years",
    "in_year",
    "to_date",
]

_NAT = np.datetime64("NaT", "D")


def as_day_array(values: Any) -> NDArray[np.datetime64]:
    """Dates of any common form as a ``datetime64[D]`` array; missing values become ``NaT``.

    Accepts a pandas Series or array of ``datetime64[...]`` (any unit, with or
    without a time zone), python ``date`` / ``datetime`` objects, ``None``, ``NaT``
    and ``NaN``, and dates written as county tables write them (ISO, ``2009年10月1日``,
    ``二〇〇九年十月一日``, ``09-10-01``, Excel serial days...: :mod:`redline.datetext`).
    Values that cannot be read as dates are missing, not errors: the reader reports bad
    values (and :func:`redline.datetext.read_dates` says why), this only counts days.

    Examples
    --------
    >>> import datetime as dt
    >>> as_day_array([dt.date(2024, 2, 29), None, "2025-01-02", "二〇〇九年十月一日"]
    ...              ).astype(str).tolist()
    ['2024-02-29', 'NaT', '2025-01-02', '2009-10-01']
    """
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[D]")
    series = values if isinstance(values, pd.Series) else pd.Series(list(np.atleast_1d(values)),
                                                                    dtype=object)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return np.asarray(series.to_numpy(dtype="datetime64[ns]"), dtype="datetime64[D]")
    return read_dates(series)[0]


def to_date(value: Any) -> dt.date | None:
    """One date of any form accepted by :func:`as_day_array` as a python ``date`` (or None)."""
    day = as_day_array([value])[0]
    if np.isnat(day):
        return None
    return dt.date.fromisoformat(str(day))


def add_years(dates: ArrayLike, years: ArrayLike) -> NDArray[np.datetime64]:
    """Return the ``years``-th anniversary of each date (29 Feb -> 28 Feb in common years).

    Parameters
    ----------
    dates
        Start dates (anything :func:`as_day_array` accepts).
    years
        Whole years to add, a scalar or one per date (may be negative).

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]`` anniversaries; ``NaT`` where the date is missing.

    Examples
    --------
    >>> add_years(["2008-06-01", "2024-02-29", "2024-02-29"], [1, 1, 4])
    array(['2009-06-01', '2025-02-28', '2028-02-29'], dtype='datetime64[D]')
    """
    days = as_day_array(dates)
    missing = np.isnat(days)
    safe = np.where(missing, np.datetime64("2000-01-01", "D"), days)
    months = safe.astype("datetime64[M]")
    day_of_month = (safe - months.astype("datetime64[D]")).astype(np.int64)
    target_month = months + (np.asarray(years, dtype=np.int64) * 12).astype("timedelta64[M]")
    month_start = target_month.astype("datetime64[D]")
    month_len = ((target_month + np.timedelta64(1, "M")).astype("datetime64[D]")
                 - month_start).astype(np.int64)
    out = month_start + np.minimum(day_of_month, month_len - 1).astype("timedelta64[D]")
    return np.where(missing, _NAT, out)


def full_years(start: ArrayLike, end: ArrayLike) -> NDArray[np.int64]:
    """Count full years from ``start`` to ``end`` (the anniversary counts); -1 if one is missing.

    An ``end`` before ``start`` gives 0, never a negative count.

    Examples
    --------
    >>> full_years(["2008-06-01", "2008-06-01", "2024-02-29"],
    ...            ["2009-05-31", "2009-06-01", "2025-02-28"]).tolist()
    [0, 1, 1]
    """
    s = as_day_array(start)
    e = as_day_array(end)
    s, e = np.broadcast_arrays(s, e)
    missing = np.isnat(s) | np.isnat(e)
    base = np.datetime64("2000-01-01", "D")
    s = np.where(missing, base, s)
    e = np.where(missing, base, e)
    n = e.astype("datetime64[Y]").astype(np.int64) - s.astype("datetime64[Y]").astype(np.int64)
    n = n - (add_years(s, n) > e)
    n = np.maximum(n, 0)
    return np.where(missing, -1, n).astype(np.int64)


def days_between(start: ArrayLike, end: ArrayLike) -> NDArray[np.float64]:
    """Days from ``start`` to ``end`` as floats; ``NaN`` where either is missing."""
    s = as_day_array(start)
    e = as_day_array(end)
    delta = (e - s).astype("timedelta64[D]")
    out = delta.astype(np.float64)
    out[np.isnat(delta)] = np.nan
    return out


# --- the year of a check -------------------------------------------------------
#
# One window for every "this year" figure of a check: the accountability ratio and the
# county ledger alike take the features dated from 1 January of the year of ``as_of`` up
# to ``as_of`` (a date after the check is not yet known to it).


def column_dates(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return a frame's date column as datetimes by position; what cannot be read is NaT."""
    return pd.to_datetime(pd.Series(frame[column].to_numpy(dtype=object)), errors="coerce")


def in_year(frame: pd.DataFrame | None, column: str, as_of: dt.date, *,
            undated: bool = False) -> NDArray[np.bool_]:
    """Return where rows are dated from 1 January of the year of ``as_of`` to ``as_of``.

    The window of the accountability ratio (:mod:`redline.analysis.accountability`) and of
    the county ledger (:mod:`redline.analysis.ledger`). A row whose date is missing or
    cannot be read is outside; a frame without ``column`` is all ``undated``.

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> frame = pd.DataFrame({"on": ["2026-01-01", "2026-06-30", "2026-07-01", "2025-12-31"]})
    >>> in_year(frame, "on", dt.date(2026, 6, 30)).tolist()
    [True, True, False, False]
    """
    if frame is None:
        return np.zeros(0, dtype=bool)
    if column not in frame:
        return np.full(len(frame), undated, dtype=bool)
    when = column_dates(frame, column).to_numpy()
    start, end = pd.Timestamp(as_of.year, 1, 1), pd.Timestamp(as_of)
    return np.asarray((when >= start.to_datetime64()) & (when <= end.to_datetime64()),
                      dtype=bool)
