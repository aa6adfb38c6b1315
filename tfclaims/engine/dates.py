"""Date arithmetic over whole columns: adding calendar months, weeks from a date, and dates written in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)


def add_months(values: pd.Series, months: pd.Series | int) -> pd.Series:
    """Each date plus a number of calendar months, the day clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    days = values.to_numpy(dtype="datetime64[D]")
    n = np.broadcast_to(np.asarray(months, dtype="int64"), days.shape)
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype("int64")
    target = month + n
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype("int64")
    result = target.astype("datetime64[D]") + np.minimum(day, length - 1)
    result[np.isnat(days)] = np.datetime64("NaT")
    return pd.Series(result, index=values.index).astype("datetime64[s]")


# Each date written once per process ("3 June 2019"), in a table by day number from 1 January 1900 to 2199: a cohort
# has few distinct dates, and the rules write the same dates many times over.
_FIRST_DAY = int(np.datetime64("1900-01-01", "D").astype("int64"))
_DAYS = int(np.datetime64("2200-01-01", "D").astype("int64")) - _FIRST_DAY
_WRITTEN = np.full(_DAYS + 1, None, dtype=object)
_WRITTEN[_DAYS] = ""  # the last slot: a missing date
_KNOWN = np.zeros(_DAYS + 1, dtype=bool)
_KNOWN[_DAYS] = True


def _written(day: np.datetime64) -> str:
    value = pd.Timestamp(day)
    return f"{value.day} {value:%B %Y}"


def words(values: pd.Series) -> pd.Series:
    """Dates as council users write them, "3 June 2019"; empty for a missing date."""
    days = values.to_numpy(dtype="datetime64[D]")
    present = ~np.isnat(days)
    slot = days.astype("int64") - _FIRST_DAY
    inside = present & (slot >= 0) & (slot < _DAYS)
    slot = np.where(inside, slot, _DAYS)
    for number in np.unique(slot[~_KNOWN[slot]]).tolist():
        _WRITTEN[number] = _written(np.datetime64(number + _FIRST_DAY, "D"))
        _KNOWN[number] = True
    out = _WRITTEN[slot]
    for i in np.flatnonzero(present & ~inside).tolist():  # outside the table: written one by one
        out[i] = _written(days[i])
    return pd.Series(out, index=values.index, dtype=object)


def quarter_label(values: pd.Series) -> pd.Series:
    """The financial-year quarter of each date: "2017-18 Q2" (Q1 is April to June)."""
    shifted = values - pd.DateOffset(months=3)
    year = shifted.dt.year.astype("Int64")
    quarter = (shifted.dt.month.astype("Int64") - 1) // 3 + 1
    label = year.astype(str) + "-" + ((year + 1) % 100).astype(str).str.zfill(2) + " Q" + quarter.astype(str)
    return label.where(values.notna(), "")
