from datetime import date
from decimal import Decimal

import pytest

from tfclaims.progress import rules


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("93.5", Decimal("93.5")),
        (" 93.5 % ", Decimal("93.5")),
        ("100", Decimal("100")),
        (".5", Decimal("0.5")),
        ("-3", Decimal("-3")),
        (Decimal("87.0"), Decimal("87.0")),
        (92.5, Decimal("92.5")),
        ("", None),
        (None, None),
        ("ninety", None),
        ("1e2", None),  # only plain digits
        ("NaN", None),
        ("93,5", None),
    ],
)
def test_parse_number(value, expected):
    assert rules.parse_number(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", None),
        ("100", None),
        ("93.5", None),
        ("93.50", None),  # a trailing zero is not a second decimal place
        ("100.0", None),
        ("93.55", "Attendance must have no more than 1 decimal place"),
        ("100.1", "Attendance must be between 0 and 100"),
        ("-0.5", "Attendance must be between 0 and 100"),
        ("lots", "Attendance must be a number, like 93.5"),
        ("", "Attendance must be a number, like 93.5"),
    ],
)
def test_percentage_problem(value, problem):
    assert rules.percentage_problem(value, "Attendance") == problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("16", None),
        ("37.5", None),
        ("100", None),
        ("0.25", None),
        ("0", "Hours a week must be more than 0"),
        ("-4", "Hours a week must be more than 0"),
        ("100.5", "Hours a week must be 100 or fewer"),
        ("16.125", "Hours a week must have no more than 2 decimal places"),
        ("full time", "Hours a week must be a number, like 16 or 37.5"),
    ],
)
def test_hours_problem(value, problem):
    assert rules.hours_problem(value) == problem


@pytest.mark.parametrize(
    ("born", "on", "working_age"),
    [
        (date(2003, 6, 3), date(2019, 6, 3), True),  # 16th birthday
        (date(2003, 6, 4), date(2019, 6, 3), False),  # the day before
        (date(2004, 2, 29), date(2020, 2, 28), False),  # born on 29 February
        (date(2004, 2, 29), date(2020, 2, 29), True),
        (date(1985, 3, 14), date(2019, 1, 1), True),
    ],
)
def test_of_working_age(born, on, working_age):
    assert rules.of_working_age(born, on) is working_age


def test_before_birth():
    assert rules.before_birth(date(2012, 9, 20), date(2012, 9, 19))
    assert not rules.before_birth(date(2012, 9, 20), date(2012, 9, 20))


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (date(2019, 1, 1), None, True),
        (date(2019, 1, 1), date(2019, 1, 2), True),
        (date(2019, 1, 1), date(2019, 1, 1), False),
        (date(2019, 1, 2), date(2019, 1, 1), False),
    ],
)
def test_ends_after_start(start, end, ok):
    assert rules.ends_after_start(start, end) is ok


D = date


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ((D(2019, 1, 1), D(2019, 3, 31)), (D(2019, 4, 1), D(2019, 6, 30)), False),  # back to back
        ((D(2019, 1, 1), D(2019, 3, 31)), (D(2019, 3, 31), D(2019, 6, 30)), True),  # share a day
        ((D(2019, 1, 1), D(2019, 12, 31)), (D(2019, 4, 1), D(2019, 6, 30)), True),  # one inside the other
        ((D(2019, 1, 1), None), (D(2025, 1, 1), D(2025, 2, 1)), True),  # an open spell runs on
        ((D(2019, 1, 1), D(2019, 3, 31)), (D(2018, 1, 1), None), True),
        ((D(2019, 1, 1), D(2019, 3, 31)), (D(2019, 4, 1), None), False),
        ((D(2019, 1, 1), None), (D(2018, 1, 1), None), True),
    ],
)
def test_overlaps_is_symmetric(a, b, overlap):
    assert rules.overlaps(*a, *b) is overlap
    assert rules.overlaps(*b, *a) is overlap


def test_first_overlapping_in_start_order():
    others = [
        (D(2019, 9, 1), None, "open"),
        (D(2019, 1, 1), D(2019, 3, 31), "spring"),
        (D(2018, 1, 1), D(2018, 3, 31), "earlier"),
    ]
    assert rules.first_overlapping(D(2019, 3, 1), D(2019, 10, 1), others) == "spring"
    assert rules.first_overlapping(D(2019, 4, 1), D(2019, 8, 31), others) is None
    assert rules.first_overlapping(D(2019, 4, 1), None, others) == "open"


@pytest.mark.parametrize(
    ("ended_on", "reason", "problem"),
    [
        (None, None, None),
        (D(2019, 5, 1), "stepped_down", None),
        (D(2019, 5, 1), None, ("end_reason", "Select the reason the plan ended")),
        (D(2019, 5, 1), "", ("end_reason", "Select the reason the plan ended")),
        (
            None,
            "closed",
            ("ended_on", "Enter the date the plan ended, or leave the reason blank while the plan is open"),
        ),
    ],
)
def test_episode_end_problem(ended_on, reason, problem):
    assert rules.episode_end_problem(ended_on, reason) == problem


@pytest.mark.parametrize(
    ("accept", "reason", "problem"),
    [
        (True, "", None),
        (True, None, None),
        (False, "Attendance fell again in the summer term", None),
        (False, "   ", "Enter the reason the evidence is not accepted"),
        (False, None, "Enter the reason the evidence is not accepted"),
    ],
)
def test_decision_problem(accept, reason, problem):
    assert rules.decision_problem(accept, reason) == problem


def test_nobody_decides_on_their_own_evidence():
    assert rules.decides_own_evidence(7, 7)
    assert not rules.decides_own_evidence(7, 8)
