"""The monthly scorecard's rules, on hand-worked cases: % change (a previous value of 0, missing values), the 10%
boundaries of the direction of travel, whether it is good, the 12-month average and maximum, the computed
indicators, months and numbers as written in a CSV file, and reading a file of values."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pandas as pd
import pytest

from tfclaims.scorecard import rules
from tfclaims.scorecard.rules import (
    BAD,
    DOWN,
    FLAT,
    GOOD,
    NEUTRAL,
    NO_CURRENT,
    NO_PREVIOUS,
    PREVIOUS_ZERO,
    UP,
    FileProblem,
)

M = date(2026, 10, 1)  # the report month in most cases: October 2026


# ---------------------------------------------------------------- % change and the direction of travel

CHANGES = [
    # current, previous, percent (exact), direction, text shown
    (110, 100, Fraction(10), UP, "+10.0%"),  # +10% exactly: up
    (22, 20, Fraction(10), UP, "+10.0%"),
    (0.77, 0.7, Fraction(10), UP, "+10.0%"),  # 0.77 / 0.7 in binary floats is not exactly 1.1: still up
    (3.3, 3, Fraction(10), UP, "+10.0%"),
    (10999, 10000, Fraction("9.99"), FLAT, "+9.9%"),  # +9.99%: flat, shown rounded towards zero
    (109.999, 100, Fraction("9.999"), FLAT, "+9.9%"),
    (90, 100, Fraction(-10), DOWN, "-10.0%"),  # -10% exactly: down
    (0.63, 0.7, Fraction(-10), DOWN, "-10.0%"),
    (90.01, 100, Fraction("-9.99"), FLAT, "-9.9%"),  # -9.99%: flat
    (100, 100, Fraction(0), FLAT, "0.0%"),
    (150, 100, Fraction(50), UP, "+50.0%"),
    (1, 3, Fraction(-200, 3), DOWN, "-66.6%"),  # -66.666...%: towards zero
    (2, 3, Fraction(-100, 3), DOWN, "-33.3%"),
    (100.05, 100, Fraction("0.05"), FLAT, "0.0%"),  # tiny changes are 0.0%, never "+0.0%"
    (99.95, 100, Fraction("-0.05"), FLAT, "0.0%"),
    (0, 100, Fraction(-100), DOWN, "-100.0%"),
    # A negative previous value: the change is measured against its size, so a rise is still a rise.
    (-90, -100, Fraction(10), UP, "+10.0%"),
    (-110, -100, Fraction(-10), DOWN, "-10.0%"),
]


@pytest.mark.parametrize(("current", "previous", "percent", "travel", "shown"), CHANGES)
def test_percent_change_and_direction(current, previous, percent, travel, shown):
    change = rules.percent_change(current, previous)
    assert change.percent == percent
    assert change.direction == travel
    assert change.text == shown
    assert change.reason == ""


PREVIOUS_ZERO_CASES = [
    # current, previous, percent, direction, text: the choice documented in rules.py
    (0, 0, Fraction(0), FLAT, "0.0%"),  # nothing to nothing: 0%, flat
    (0.0, 0.0, Fraction(0), FLAT, "0.0%"),
    (5, 0, None, UP, PREVIOUS_ZERO),  # an increase from nothing: no percentage, up
    (0.01, 0, None, UP, PREVIOUS_ZERO),
    (-2, 0, None, DOWN, PREVIOUS_ZERO),  # a fall below nothing, for an indicator that can be negative
]


@pytest.mark.parametrize(("current", "previous", "percent", "travel", "shown"), PREVIOUS_ZERO_CASES)
def test_percent_change_when_the_previous_value_was_zero(current, previous, percent, travel, shown):
    change = rules.percent_change(current, previous)
    assert change.percent == percent
    assert change.shown == (None if percent is None else 0.0)
    assert change.direction == travel
    assert change.text == shown
    assert PREVIOUS_ZERO == "n/a: previous value was 0"


@pytest.mark.parametrize(
    ("current", "previous", "reason"),
    [(None, 100, NO_CURRENT), (100, None, NO_PREVIOUS), (None, None, NO_CURRENT), (None, 0, NO_CURRENT),
     (0, None, NO_PREVIOUS)],
)
def test_percent_change_with_a_missing_value_has_no_percentage_and_no_direction(current, previous, reason):
    change = rules.percent_change(current, previous)
    assert (change.percent, change.shown, change.direction) == (None, None, None)
    assert change.text == reason


@pytest.mark.parametrize(
    ("percent", "travel"),
    [
        (Fraction(10), UP),
        (10.0, UP),
        (Fraction(1001, 100), UP),
        (Fraction(999, 100), FLAT),  # +9.99%
        (Fraction(99999, 10000), FLAT),  # +9.9999%
        (0, FLAT),
        (Fraction(-999, 100), FLAT),  # -9.99%
        (Fraction(-10), DOWN),
        (-10.0, DOWN),
        (Fraction(-1001, 100), DOWN),
        (250, UP),
        (-100, DOWN),
    ],
)
def test_direction_boundaries(percent, travel):
    assert rules.direction(percent) == travel


@pytest.mark.parametrize(
    ("travel", "up_is_good", "judged"),
    [
        (UP, True, GOOD),
        (UP, False, BAD),
        (DOWN, True, BAD),
        (DOWN, False, GOOD),
        (FLAT, True, NEUTRAL),
        (FLAT, False, NEUTRAL),
        (None, True, None),
        (None, False, None),
    ],
)
def test_whether_the_direction_is_good(travel, up_is_good, judged):
    assert rules.assessment(travel, up_is_good) == judged


# ---------------------------------------------------------------- a row's figures


def series(values: dict[str, float | None]) -> dict[date, float | None]:
    return {rules.parse_month(k): v for k, v in values.items()}


def test_figures_of_a_monthly_indicator():
    s = series({
        "2025-10": 50, "2025-11": 10, "2025-12": 20, "2026-01": 30, "2026-02": 40, "2026-03": 50,
        "2026-04": 60, "2026-05": 70, "2026-06": 80, "2026-07": 90, "2026-08": 100, "2026-09": 100, "2026-10": 110,
    })
    f = rules.figures(s, M, period_months=1, up_is_good=True)
    assert f.months == [date(2026, m, 1) for m in range(4, 11)]
    assert f.values == [60, 70, 80, 90, 100, 100, 110]
    assert f.current == 110
    assert f.from_previous.percent == 10 and f.from_previous.text == "+10.0%"  # 100 -> 110
    assert f.from_last_year.percent == 120 and f.from_last_year.text == "+120.0%"  # 50 -> 110
    assert (f.travel, f.judged) == (UP, GOOD)
    # November 2025 to October 2026: 10 + 20 + ... + 100 + 100 + 110 = 760 over 12 months.
    assert f.average == pytest.approx(760 / 12)
    assert f.maximum == 110


def test_figures_of_a_quarterly_indicator_compare_with_three_months_before():
    s = series({"2025-10": 40, "2026-07": 50, "2026-08": 44, "2026-09": 46, "2026-10": 45})
    f = rules.figures(s, M, period_months=3, up_is_good=False)
    assert f.from_previous.percent == -10  # July 50 -> October 45, not September 46
    assert (f.travel, f.judged) == (DOWN, GOOD)  # down, and up is not good
    assert f.from_last_year.text == "+12.5%"  # 40 -> 45


def test_figures_with_missing_months():
    s = series({"2026-04": 5, "2026-06": 7, "2026-09": None, "2026-10": 9})
    f = rules.figures(s, M)
    assert f.values == [5, None, 7, None, None, None, 9]
    assert f.from_previous.text == NO_PREVIOUS  # September has no value
    assert (f.travel, f.judged) == (None, None)
    assert f.from_last_year.text == NO_PREVIOUS
    assert f.average == 7  # (5 + 7 + 9) / 3: missing months ignored
    assert f.maximum == 9


def test_figures_with_no_value_for_the_report_month():
    s = series({"2026-09": 4})
    f = rules.figures(s, M)
    assert f.current is None
    assert f.from_previous.text == NO_CURRENT
    assert f.travel is None
    assert f.average == 4 and f.maximum == 4


def test_figures_with_no_values_at_all():
    f = rules.figures({}, M)
    assert f.values == [None] * 7
    assert (f.average, f.maximum, f.travel) == (None, None, None)


def test_the_twelve_months_end_with_the_report_month():
    # October 2025 is thirteen months back: outside the twelve months, though it is the same month last year.
    s = series({"2025-10": 1000, "2025-11": 2, "2026-10": 4})
    assert rules.twelve_month_average(s, M) == 3
    assert rules.twelve_month_maximum(s, M) == 4
    assert rules.figures(s, M).from_last_year.text == "-99.6%"  # 1000 -> 4


def test_a_rise_from_zero_is_up_and_good_or_bad_by_the_indicator():
    s = series({"2026-09": 0, "2026-10": 3})
    assert (rules.figures(s, M, up_is_good=True).judged, rules.figures(s, M, up_is_good=False).judged) == (GOOD, BAD)
    assert rules.figures(s, M).from_previous.text == PREVIOUS_ZERO
    still = rules.figures(series({"2026-09": 0, "2026-10": 0}), M)
    assert (still.from_previous.text, still.travel, still.judged) == ("0.0%", FLAT, NEUTRAL)


# ---------------------------------------------------------------- computed indicators


def counts(attached: list[int], claimed: list[int] | None = None, first: str = "2026-05") -> pd.DataFrame:
    start = rules.parse_month(first)
    months = [rules.add_months(start, k) for k in range(len(attached))]
    return pd.DataFrame({"month": months, "attached": attached, "claimed": claimed or [0] * len(attached)})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # May to October 2026: attached 3, 0, 5, 2, 0, 4; claimed 1, 1, 0, 0, 6, 2
        ("attached_month", {"2026-05": 3, "2026-06": 0, "2026-07": 5, "2026-08": 2, "2026-09": 0, "2026-10": 4}),
        # A rolling quarter: the three months to the month; May and June reach before the counts, so have none.
        ("attached_quarter", {"2026-07": 8, "2026-08": 7, "2026-09": 7, "2026-10": 6}),
        ("claimed_month", {"2026-05": 1, "2026-06": 1, "2026-07": 0, "2026-08": 0, "2026-09": 6, "2026-10": 2}),
        ("claimed_quarter", {"2026-07": 2, "2026-08": 1, "2026-09": 6, "2026-10": 8}),
    ],
)
def test_computed_indicators(source, expected):
    frame = counts([3, 0, 5, 2, 0, 4], [1, 1, 0, 0, 6, 2])
    assert rules.computed_series(frame, source) == series(expected)


def test_computed_indicator_helpers_and_unordered_counts():
    frame = counts([1, 2, 3, 4]).iloc[::-1]
    assert rules.attached_month(frame) == series({"2026-05": 1, "2026-06": 2, "2026-07": 3, "2026-08": 4})
    assert rules.attached_quarter(frame) == series({"2026-07": 6, "2026-08": 9})
    assert rules.claimed_month(frame) == series({"2026-05": 0, "2026-06": 0, "2026-07": 0, "2026-08": 0})
    assert rules.claimed_quarter(counts([])) == {}


# ---------------------------------------------------------------- months, years and numbers


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-04", date(2026, 4, 1)),
        ("2026-4", date(2026, 4, 1)),
        (" 2026-10 ", date(2026, 10, 1)),
        ("2026-04-01", date(2026, 4, 1)),
        ("2026-04-30", date(2026, 4, 1)),  # any real date: its month
        ("April 2026", date(2026, 4, 1)),
        ("april  2026", date(2026, 4, 1)),
        ("Apr 2026", date(2026, 4, 1)),
        ("Sept 2026", date(2026, 9, 1)),
        ("SEPTEMBER 2026", date(2026, 9, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("2026-02-30", None),
        ("Aprill 2026", None),
        ("04/2026", None),
        ("2026", None),
        ("1999-12", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_month(text, month):
    assert rules.parse_month(text) == month


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", 42.0), ("-3", -3.0), ("+7", 7.0), ("12.5", 12.5), (".5", 0.5), ("7.", 7.0), (" 8 ", 8.0),
        ("1,234", 1234.0), ("1,234,567.25", 1234567.25), ("0", 0.0),
        ("12,5", None), ("1,23", None), ("abc", None), ("", None), ("nan", None), ("inf", None), ("1e3", None),
        ("12%", None), (None, None),
    ],
)
def test_parse_number(text, number):
    assert rules.parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "label"),
    [("2026-27", "2026-27"), (" 2026/27 ", "2026-27"), ("2099-00", "2099-00"), ("1999-00", None), ("2026-28", None),
     ("2026", None), ("26-27", None), ("", None)],
)
def test_parse_year_label(text, label):
    assert rules.parse_year_label(text) == label


def test_months():
    assert rules.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert rules.add_months(date(2026, 11, 1), 14) == date(2028, 1, 1)
    assert rules.months_between(date(2025, 11, 20), date(2026, 1, 2)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)
    ]
    assert rules.months_between(date(2026, 2, 1), date(2026, 1, 1)) == []
    assert rules.last_complete_month(date(2026, 11, 15)) == date(2026, 10, 1)
    assert rules.last_complete_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert rules.months_to(date(2026, 2, 17), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert rules.month_slug(M) == "2026-10"
    assert rules.month_label(M) == "October 2026"
    assert rules.month_heading(M) == "Oct 2026"
    assert [rules.financial_year(date(2026, m, 1)) for m in (3, 4)] == [2025, 2026]
    assert rules.year_label(2026) == "2026-27" and rules.year_label(2099) == "2099-00"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(1234, "number", "1,234"), (12.5, "number", "12.5"), (2 / 3, "rate", "0.67"), (45.2, "percent", "45.2%"),
     (-0.001, "number", "0"), (None, "number", "")],
)
def test_format_value(value, unit, text):
    assert rules.format_value(value, unit) == text


# ---------------------------------------------------------------- a CSV file of values

KNOWN = {"EH01": False, "EH02": False, "SF01": True}
LATEST = date(2026, 11, 1)


def test_reading_a_good_file():
    text = (
        "Code,Month,Value,Name\r\n"
        "eh01,2026-04,12,ignored\r\n"
        "\r\n"
        'EH02,April 2026,"1,234.5",\r\n'
        "EH01,2026-05-01,-3,\r\n"
    )
    rows, problems = rules.read_value_rows(text, KNOWN, LATEST)
    assert problems == []
    assert [(r.row, r.code, r.month, r.value) for r in rows] == [
        (2, "EH01", date(2026, 4, 1), 12.0),
        (4, "EH02", date(2026, 4, 1), 1234.5),  # row 3 is blank: skipped, but still counted
        (5, "EH01", date(2026, 5, 1), -3.0),
    ]


def test_every_bad_row_is_reported_with_every_reason():
    text = "\n".join(
        [
            "month,value,code",  # any order
            "2026-04,10,EH01",  # good
            "2026-04,10,XX99",  # unknown code
            "2026-04,10,SF01",  # computed
            "2026-13,10,EH02",  # bad month
            "2026-04,ten,EH02",  # bad number
            "April 2026,11,eh01",  # duplicate of row 2
            "2026-12,1,EH01",  # after this month
            ",,",  # blank: skipped
            "31/04/2026,,",  # three reasons
        ]
    )
    rows, problems = rules.read_value_rows(text, KNOWN, LATEST)
    assert [r.row for r in rows] == [2]
    assert [str(p) for p in problems] == [
        'Row 3: unknown indicator code "XX99"',
        "Row 4: SF01 is computed from the programme's data: its values cannot be imported",
        'Row 5: the month "2026-13" is not a month: write it as 2026-04, 2026-04-01 or April 2026',
        'Row 6: the value "ten" is not a number: write it like 42 or 12.5',
        "Row 7: EH01 April 2026 is already on row 2",
        "Row 8: the month December 2026 is after this month",
        'Row 10: there is no indicator code; the month "31/04/2026" is not a month: write it as 2026-04, '
        "2026-04-01 or April 2026; there is no value",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("code,value\nEH01,3\n", "The file has no month column"),
        ("name,other\n", "The file has no code and month and value column"),
        ("code,month,value\n\n,,\n", "The file has no values"),
        ("code,month,value\nEH01,2026-04,\"" + "9" * 200_000 + "\"\n", "The file cannot be read as CSV"),
    ],
)
def test_files_that_cannot_be_read(text, message):
    with pytest.raises(FileProblem) as raised:
        rules.read_value_rows(text, KNOWN, LATEST)
    assert str(raised.value).startswith(message)
