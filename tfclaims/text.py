"""How dates and money are written for council users: "3 June 2019", "£1,000"."""

from __future__ import annotations

from datetime import date, datetime


def long_date(value: date | None, empty: str = "") -> str:
    if value is None or value != value:  # None, or a missing date of a table (NaT is not equal to itself)
        return empty
    return f"{value.day} {value:%B %Y}"


def local_datetime(value: datetime | None, empty: str = "") -> str:
    """A local wall-clock time kept without a timezone (a request received): "3 October 2024 at 09:30"."""
    if value is None or value != value:
        return empty
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def money(pence: int | None) -> str:
    if pence is None:
        return ""
    pounds, rem = divmod(int(pence), 100)
    return f"£{pounds:,}" if rem == 0 else f"£{pounds:,}.{rem:02d}"
