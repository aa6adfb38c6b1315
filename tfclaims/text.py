"""How dates and money are written for council users: "3 June 2019", "£1,000"."""

from __future__ import annotations

from datetime import date


def long_date(value: date | None, empty: str = "") -> str:
    if value is None:
        return empty
    return f"{value.day} {value:%B %Y}"


def money(pence: int | None) -> str:
    if pence is None:
        return ""
    pounds, rem = divmod(int(pence), 100)
    return f"£{pounds:,}" if rem == 0 else f"£{pounds:,}.{rem:02d}"
