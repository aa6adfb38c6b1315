"""The practice standards' timescales at their boundaries: working days across weekends and the England and
Wales bank holidays (from the holidays package), hours of working time, the version in force, and the statuses."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from tfclaims.pathway import rules
from tfclaims.pathway.rules import DUE, LATE, MET, OVERDUE, Standards


def test_bank_holidays_come_from_the_package_and_include_the_moveable_ones():
    days = set(rules.bank_holidays().astype(date))
    assert date(2024, 3, 29) in days and date(2024, 4, 1) in days  # Good Friday, Easter Monday
    assert date(2022, 9, 19) in days  # the State Funeral of Queen Elizabeth II, a one-off
    assert date(2023, 5, 8) in days  # the Coronation
    assert date(2024, 11, 5) not in days
    assert rules.bank_holiday_name(date(2024, 12, 26)) == "Boxing Day"


@pytest.mark.parametrize(("start", "days", "working", "due"), [
    (date(2024, 11, 18), 5, True, date(2024, 11, 25)),   # Monday + 5 working days: the next Monday
    (date(2024, 11, 22), 1, True, date(2024, 11, 25)),   # Friday + 1: Monday
    (date(2024, 11, 23), 5, True, date(2024, 12, 2)),    # Saturday counts from Monday: Monday week
    (date(2024, 11, 23), 0, True, date(2024, 11, 25)),   # no days from a Saturday: the Monday
    (date(2024, 12, 20), 5, True, date(2024, 12, 31)),   # across Christmas Day and Boxing Day
    (date(2024, 3, 28), 1, True, date(2024, 4, 2)),      # across Good Friday and Easter Monday
    (date(2024, 12, 20), 5, False, date(2024, 12, 25)),  # calendar days ignore holidays
    (date(2024, 2, 28), 1, False, date(2024, 2, 29)),    # a leap day
])
def test_adding_days(start, days, working, due):
    assert rules.add_days(start, days, working) == due
    vector = rules.add_days_vector(pd.Series([pd.Timestamp(start)]), pd.Series([days]), pd.Series([working]))
    assert vector.iloc[0].date() == due


def test_days_between_undoes_adding_them():
    for start in pd.date_range("2024-12-16", "2025-01-10").date:
        if rules.is_working_day(start):
            assert rules.days_between(start, rules.add_days(start, 7, True), True) == 7


@pytest.mark.parametrize(("received", "hours", "working", "due"), [
    (datetime(2024, 11, 21, 16, 0), 48, True, datetime(2024, 11, 25, 16, 0)),   # Thursday 16:00: Monday 16:00
    (datetime(2024, 11, 21, 16, 0), 48, False, datetime(2024, 11, 23, 16, 0)),  # calendar: Saturday 16:00
    (datetime(2024, 11, 23, 10, 0), 24, True, datetime(2024, 11, 26, 0, 0)),    # Saturday: from Monday midnight
    (datetime(2024, 11, 22, 20, 0), 12, True, datetime(2024, 11, 25, 8, 0)),    # Friday 20:00 + 12: into Monday
    (datetime(2024, 12, 24, 9, 0), 24, True, datetime(2024, 12, 27, 9, 0)),     # Christmas Eve: over two holidays
])
def test_hours_of_working_time(received, hours, working, due):
    assert rules.add_hours(received, hours, working) == due
    vector = rules.add_hours_vector(pd.Series([pd.Timestamp(received)]), pd.Series([hours]), pd.Series([working]))
    assert vector.iloc[0].to_pydatetime() == due


def test_on_the_due_day_is_within_the_standard_and_the_day_after_is_late():
    due = date(2024, 11, 25)
    assert rules.status(due, date(2024, 11, 25), date(2024, 12, 1)) == MET
    assert rules.status(due, date(2024, 11, 26), date(2024, 12, 1)) == LATE
    assert rules.status(due, None, date(2024, 11, 25)) == DUE
    assert rules.status(due, None, date(2024, 11, 26)) == OVERDUE
    # The same on columns, including a missing due day.
    dues = pd.Series(pd.to_datetime(["2024-11-25"] * 4 + [None]))
    done = pd.Series(pd.to_datetime(["2024-11-25", "2024-11-26", None, None, None]))
    assert list(rules.status_vector(dues, done, date(2024, 11, 25))) == [MET, LATE, DUE, DUE, ""]
    assert list(rules.status_vector(dues, done, date(2024, 11, 26)))[2] == OVERDUE


def test_an_allocation_a_minute_late_is_late():
    due = rules.add_hours(datetime(2024, 11, 18, 9, 0), 48, True)
    assert rules.status(due, datetime(2024, 11, 20, 9, 0), date(2024, 11, 21)) == MET
    assert rules.status(due, datetime(2024, 11, 20, 9, 1), date(2024, 11, 21)) == LATE


def test_the_version_in_force_is_the_latest_from_on_or_before_the_day():
    first, second = Standards(effective_from=date(2020, 4, 1)), Standards(effective_from=date(2024, 10, 1),
                                                                           first_visit_days=3)
    assert rules.in_force([second, first], date(2024, 9, 30)) is first
    assert rules.in_force([second, first], date(2024, 10, 1)) is second
    assert rules.in_force([second, first], date(2019, 1, 1)) is first  # before every version: the earliest
    assert rules.in_force([], date(2024, 1, 1)) == Standards()


def test_standards_out_of_range_are_refused_with_a_message():
    values = {name: getattr(Standards(), name) for name in rules.STANDARD_FIELDS}
    assert rules.check_standards(values) == {}
    problems = rules.check_standards(values | {"allocation_hours": 0, "visit_every_days": None,
                                               "expected_months": 40})
    assert problems == {
        "allocation_hours": "Allocation after the request is received must be between 1 and 720 hours",
        "visit_every_days": "Enter the days for: visits at least every",
        "expected_months": "The expected length of involvement must be between 1 and 36 months",
    }


def test_describing_a_standard():
    s = Standards()
    assert s.describe("allocation") == "48 hours of working time"
    assert s.describe("first_visit") == "5 working days"
    assert s.describe("review_every") == "42 days"
