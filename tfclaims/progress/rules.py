"""Rules of recording a family's progress, as pure functions on plain values.

Periods and spells are inclusive of both dates; an open spell or episode (no end date) runs on indefinitely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TypeVar

from tfclaims.people import WORKING_AGE, age_on

T = TypeVar("T")

_PLAIN_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")

MAX_HOURS_PER_WEEK = 100
PERCENTAGE_PLACES = 1
HOURS_PLACES = 2


# ---------------------------------------------------------------- numbers


def parse_number(value: str | Decimal | float | int | None) -> Decimal | None:
    """'93.5' -> Decimal('93.5'); a trailing % sign and spaces are ignored. None unless written as plain digits."""
    if value is None:
        return None
    text = str(value).strip().removesuffix("%").strip()
    return Decimal(text) if _PLAIN_NUMBER.match(text) else None


def decimal_places(number: Decimal) -> int:
    """How many decimal places a number is written with, ignoring trailing zeros (93.50 has one)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def percentage_problem(value, what: str = "The value") -> str | None:
    """Why a value is not a percentage from 0 to 100 with at most one decimal place, or None when it is."""
    number = parse_number(value)
    if number is None:
        return f"{what} must be a number, like 93.5"
    if not Decimal(0) <= number <= Decimal(100):
        return f"{what} must be between 0 and 100"
    if decimal_places(number) > PERCENTAGE_PLACES:
        return f"{what} must have no more than {PERCENTAGE_PLACES} decimal place"
    return None


def hours_problem(value) -> str | None:
    """Why hours a week are not more than 0 and at most 100, or None when they are."""
    number = parse_number(value)
    if number is None:
        return "Hours a week must be a number, like 16 or 37.5"
    if number <= 0:
        return "Hours a week must be more than 0"
    if number > MAX_HOURS_PER_WEEK:
        return f"Hours a week must be {MAX_HOURS_PER_WEEK} or fewer"
    if decimal_places(number) > HOURS_PLACES:
        return f"Hours a week must have no more than {HOURS_PLACES} decimal places"
    return None


# ---------------------------------------------------------------- dates


def before_birth(date_of_birth: date, on: date) -> bool:
    return on < date_of_birth


def of_working_age(date_of_birth: date, on: date) -> bool:
    """Whether a member was old enough on a day for a spell of employment to be recorded (16 or over)."""
    return age_on(date_of_birth, on) >= WORKING_AGE


def ends_after_start(start: date, end: date | None) -> bool:
    """An end date, when there is one, falls after the start."""
    return end is None or end > start


def overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether two periods share at least one day. Both dates count; an empty end means still open."""
    return (other_end is None or start <= other_end) and (end is None or other_start <= end)


def first_overlapping(start: date, end: date | None, others: Iterable[tuple[date, date | None, T]]) -> T | None:
    """The first of ``others`` (start, end, item), in start order, that shares a day with start to end."""
    for other_start, other_end, item in sorted(others, key=lambda o: o[0]):
        if overlaps(start, end, other_start, other_end):
            return item
    return None


def episode_end_problem(ended_on: date | None, end_reason: str | None) -> tuple[str, str] | None:
    """(field, message) when an episode's end date and end reason do not go together, or None when they do."""
    if ended_on is not None and not end_reason:
        return "end_reason", "Select the reason the plan ended"
    if ended_on is None and end_reason:
        return "ended_on", "Enter the date the plan ended, or leave the reason blank while the plan is open"
    return None


# ---------------------------------------------------------------- manual evidence


def decision_problem(accept: bool, reason: str | None) -> str | None:
    """A manager who does not accept evidence says why; a sign-off needs no reason."""
    if not accept and not (reason or "").strip():
        return "Enter the reason the evidence is not accepted"
    return None


def decides_own_evidence(recorded_by_id: int, decider_id: int) -> bool:
    """Nobody signs off evidence they recorded themselves: the decision must be someone else's."""
    return recorded_by_id == decider_id
