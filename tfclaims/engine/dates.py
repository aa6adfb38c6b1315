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


def words(values: pd.Series) -> pd.Series:
    """Dates as council users write them, "3 June 2019"; empty for a missing date.

    A cohort has few distinct dates and many rows: each distinct date is written once."""
    codes, uniques = pd.factorize(values)
    written = np.array([f"{d.day} {d:%B %Y}" for d in uniques] + [""], dtype=object)
    return pd.Series(written[codes], index=values.index, dtype=object)


def quarter_label(values: pd.Series) -> pd.Series:
    """The financial-year quarter of each date: "2017-18 Q2" (Q1 is April to June)."""
    shifted = values - pd.DateOffset(months=3)
    year = shifted.dt.year.astype("Int64")
    quarter = (shifted.dt.month.astype("Int64") - 1) // 3 + 1
    label = year.astype(str) + "-" + ((year + 1) % 100).astype(str).str.zfill(2) + " Q" + quarter.astype(str)
    return label.where(values.notna(), "")
