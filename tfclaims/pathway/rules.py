"""The early-help pathway's timescale rules, pure: no Flask, no database.

The choices, written out:

- **Working days** are Monday to Friday except the bank holidays of England and Wales, which come from the
  maintained `holidays` package (`holidays.country_holidays("GB", subdiv="ENG")`), never a hand-typed list.
- **A timescale of N days from a day** ends on its due day: in calendar days, the day N days later; in working
  days, N working days later, counted from the next working day when the day itself is not one (a request received
  on a Saturday is treated as received on the Monday, and 5 working days from it end on the Monday after). Work done
  **on the due day is within the standard**; the day after is late.
- **Allocation is measured in hours** from the moment the request is received. In working time, a request received
  on a day that is not a working day starts the clock at midnight of the next working day; whole days of 24 hours
  are counted as working days and the clock time is kept (48 working hours from 16:00 on a Thursday end at 16:00 on
  the Monday; 48 hours in calendar time end at 16:00 on the Saturday).
- **A standard is met** when the work was done on or before its due day (moment, for allocation); **late** when done
  after it; **due** while not yet done and the due day is today or later; **overdue** when not done and the due day
  has passed.
- **The standards in force** for a family are those whose effective date is on or before the day its request was
  received (the latest such); a request received before every version is judged by the earliest version.
- **Order**: every record of an episode is dated on or after the day the request was received, and not after
  today; an assessment completes on or after it started; a plan opens on or after the assessment started;
  a review meeting follows an initial meeting; nothing is added after the episode closed, and an episode closes on
  or after its latest record.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from tfclaims.pathway.vocabulary import STANDARD_ITEMS

MET, LATE, DUE, OVERDUE = "met", "late", "due", "overdue"
STATUS_LABELS = {MET: "Within the standard", LATE: "Late", DUE: "Due", OVERDUE: "Overdue"}

FIRST_YEAR, LAST_YEAR = 2010, 2040  # the bank holidays known to the working-day counts


@lru_cache(maxsize=1)
def bank_holidays() -> np.ndarray:
    """The England and Wales bank holidays from 2010 to 2040, as numpy days (sorted)."""
    known = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    return np.array(sorted(known.keys()), dtype="datetime64[D]")


def bank_holiday_name(day: date) -> str | None:
    return holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day)


def is_working_day(day: date) -> bool:
    return bool(np.is_busday(np.datetime64(day, "D"), holidays=bank_holidays()))


def add_days(start: date, days: int, working: bool) -> date:
    """The due day of a timescale of ``days`` from ``start`` (see the module's choices)."""
    if not working:
        return start + timedelta(days=days)
    due = np.busday_offset(np.datetime64(start, "D"), days, roll="forward", holidays=bank_holidays())
    return due.astype(date)


def days_between(first: date, last: date, working: bool) -> int:
    """How many days after ``first`` ``last`` is: calendar days, or the working days counted as ``add_days`` does
    (so that ``days_between(d, add_days(d, n, True), True) == n`` for a working day d)."""
    if not working:
        return (last - first).days
    start = np.busday_offset(np.datetime64(first, "D"), 0, roll="forward", holidays=bank_holidays())
    return int(np.busday_count(start, np.datetime64(last, "D"), holidays=bank_holidays()))


def add_hours(start: datetime, hours: int, working: bool) -> datetime:
    """The moment a timescale of ``hours`` from ``start`` ends (see the module's choices)."""
    if not working:
        return start + timedelta(hours=hours)
    day, moment = start.date(), start.time()
    if not is_working_day(day):
        day, moment = add_days(day, 0, True), time(0)
    whole_days, rest = divmod(hours, 24)
    due_day = add_days(day, whole_days, True)
    clock = datetime.combine(due_day, moment) + timedelta(hours=rest)
    if clock.date() != due_day:  # the remaining hours ran past midnight: into the next working day
        clock = datetime.combine(add_days(due_day, 1, True), clock.time())
    return clock


def status(due, done, today) -> str:
    """met, late, due or overdue (``due`` and ``done`` both days, or both moments; ``today`` a day)."""
    if done is not None:
        return MET if done <= due else LATE
    due_day = due.date() if isinstance(due, datetime) else due
    return DUE if due_day >= today else OVERDUE


# ---------------------------------------------------------------- the practice standards


@dataclass(frozen=True)
class Standards:
    """One version of the council's practice standards (defaults: the example county of domain.md section 9)."""

    effective_from: date = date(2015, 4, 1)
    allocation_hours: int = 48
    allocation_working: bool = True
    first_visit_days: int = 5
    first_visit_working: bool = True
    assessment_days: int = 20
    assessment_working: bool = True
    first_taf_days: int = 10
    first_taf_working: bool = True
    visit_every_days: int = 10
    visit_every_working: bool = True
    review_every_days: int = 42
    review_every_working: bool = False
    supervision_every_days: int = 30
    supervision_every_working: bool = False
    expected_months: int = 6

    def amount(self, item: str) -> int:
        return getattr(self, f"{item}_hours" if item == "allocation" else f"{item}_days")

    def working(self, item: str) -> bool:
        return getattr(self, f"{item}_working")

    def describe(self, item: str) -> str:
        """'5 working days', '48 hours (working time)'."""
        amount, working = self.amount(item), self.working(item)
        if item == "allocation":
            return f"{amount} hour{'s' if amount != 1 else ''}{' of working time' if working else ''}"
        return f"{amount} {'working ' if working else ''}day{'s' if amount != 1 else ''}"

    def lines(self) -> list[tuple[str, str]]:
        return [(label, self.describe(item)) for item, label in STANDARD_ITEMS.items()] + [
            ("Expected length of involvement", f"{self.expected_months} months")]


STANDARD_FIELDS = tuple(f.name for f in fields(Standards))
LIMITS = {"allocation": (1, 720), "expected_months": (1, 36)}  # the rest: 1 to 365 days


def check_standards(values: dict) -> dict[str, str]:
    """Field name -> message for every value out of its range (an empty dict when all are good)."""
    problems = {}
    for item, label in STANDARD_ITEMS.items():
        name = f"{item}_hours" if item == "allocation" else f"{item}_days"
        low, high = LIMITS.get(item, (1, 365))
        value = values.get(name)
        unit = "hours" if item == "allocation" else "days"
        if value is None:
            problems[name] = f"Enter the {unit} for: {label.lower()}"
        elif not low <= value <= high:
            problems[name] = f"{label} must be between {low} and {high} {unit}"
    low, high = LIMITS["expected_months"]
    months = values.get("expected_months")
    if months is None:
        problems["expected_months"] = "Enter the expected length of involvement in months"
    elif not low <= months <= high:
        problems["expected_months"] = f"The expected length of involvement must be between {low} and {high} months"
    return problems


def in_force(versions: list[Standards], day: date) -> Standards:
    """The version in force on ``day``: the latest effective on or before it, else the earliest (or the default)."""
    ordered = sorted(versions, key=lambda s: s.effective_from)
    if not ordered:
        return Standards()
    chosen = ordered[0]
    for version in ordered:
        if version.effective_from <= day:
            chosen = version
    return chosen


# ---------------------------------------------------------------- the same rules on columns (set-based)


def _days64(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def add_days_vector(starts: pd.Series, days: pd.Series, working: pd.Series) -> pd.Series:
    """``add_days`` on columns: one due day per row (NaT where the start is missing)."""
    index = starts.index
    missing = starts.isna().to_numpy()
    begin = _days64(starts.fillna(pd.Timestamp("2000-01-01")))
    amount = days.fillna(0).astype("int64").to_numpy()
    calendar = begin + amount.astype("timedelta64[D]")
    work = np.busday_offset(begin, amount, roll="forward", holidays=bank_holidays())
    due = np.where(working.fillna(False).astype(bool).to_numpy(), work, calendar).astype("datetime64[ns]")
    result = pd.Series(due, index=index)
    result[missing] = pd.NaT
    return result


def add_hours_vector(starts: pd.Series, hours: pd.Series, working: pd.Series) -> pd.Series:
    """``add_hours`` on columns."""
    index = starts.index
    missing = starts.isna().to_numpy()
    moments = pd.to_datetime(starts.fillna(pd.Timestamp("2000-01-01")))
    amount = hours.fillna(0).astype("int64").to_numpy()
    calendar = moments.to_numpy(dtype="datetime64[ns]") + (amount * 3600).astype("timedelta64[s]")
    days = moments.dt.normalize().to_numpy(dtype="datetime64[D]")
    clock = (moments - moments.dt.normalize()).to_numpy(dtype="timedelta64[ns]")
    on_working = np.is_busday(days, holidays=bank_holidays())
    clock = np.where(on_working, clock, np.timedelta64(0, "ns"))
    whole, rest = np.divmod(amount, 24)
    due_day = np.busday_offset(days, whole, roll="forward", holidays=bank_holidays())
    moment = due_day.astype("datetime64[ns]") + clock + (rest * 3600).astype("timedelta64[s]")
    spilled = moment.astype("datetime64[D]") != due_day
    if spilled.any():
        next_day = np.busday_offset(due_day, 1, roll="forward", holidays=bank_holidays())
        moment = np.where(spilled, next_day.astype("datetime64[ns]") + (moment - moment.astype("datetime64[D]")),
                          moment)
    due = np.where(working.fillna(False).astype(bool).to_numpy(), moment, calendar).astype("datetime64[ns]")
    result = pd.Series(due, index=index)
    result[missing] = pd.NaT
    return result


def status_vector(due: pd.Series, done: pd.Series, today: date) -> pd.Series:
    """``status`` on columns; empty where nothing is due."""
    due_day = pd.to_datetime(due).dt.normalize()
    today_ts = pd.Timestamp(today)
    result = np.select(
        [due.isna(), done.notna() & (done <= due), done.notna(), due_day >= today_ts],
        ["", MET, LATE, DUE],
        OVERDUE,
    )
    return pd.Series(result, index=due.index, dtype=object)
