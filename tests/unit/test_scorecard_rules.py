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
    assert f.average.value == pytest.approx(760 / 12) and f.average.complete
    assert f.average.text() == "63.33" and f.average.cell() == 63.33
    assert f.maximum == rules.YearFigure(110, 12) and f.maximum.text() == "110"


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
    # (5 + 7 + 9) / 3 over the three months that have a value: not a 12-month figure, and it says so.
    assert f.average == rules.YearFigure(7, 3) and not f.average.complete
    assert (f.average.text(), f.maximum.text()) == ("3 months: 7", "3 months: 9")


def test_figures_with_no_value_for_the_report_month():
    s = series({"2026-09": 4})
    f = rules.figures(s, M)
    assert f.current is None
    assert f.from_previous.text == NO_CURRENT
    assert f.travel is None
    assert f.average == rules.YearFigure(4, 1) and f.maximum == rules.YearFigure(4, 1)
    assert f.average.text() == "1 month: 4"


def test_figures_with_no_values_at_all():
    f = rules.figures({}, M)
    assert f.values == [None] * 7
    assert (f.average, f.maximum, f.travel) == (rules.YearFigure(None, 0), rules.YearFigure(None, 0), None)
    assert f.average.text() == f.maximum.text() == "not available" == f.average.cell()


def test_the_twelve_months_end_with_the_report_month():
    # October 2025 is thirteen months back: outside the twelve months, though it is the same month last year.
    s = series({"2025-10": 1000, "2025-11": 2, "2026-10": 4})
    assert rules.twelve_month_average(s, M) == rules.YearFigure(3, 2)
    assert rules.twelve_month_maximum(s, M) == rules.YearFigure(4, 2)
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
        ("04/2026", date(2026, 4, 1)),
        # The council's usual styles (issue 11, item 16).
        ("Oct-19", date(2019, 10, 1)),
        ("oct-19", date(2019, 10, 1)),
        ("Oct 2019", date(2019, 10, 1)),
        ("Oct-2019", date(2019, 10, 1)),
        ("October 19", date(2019, 10, 1)),
        ("Sept-19", date(2019, 9, 1)),
        ("Oct/19", date(2019, 10, 1)),
        ("Oct’19", date(2019, 10, 1)),
        ("10/2019", date(2019, 10, 1)),
        ("1/2020", date(2020, 1, 1)),
        ("10-2019", date(2019, 10, 1)),
        ("10.2019", date(2019, 10, 1)),
        ("2019-10", date(2019, 10, 1)),
        ("2019/10", date(2019, 10, 1)),
        ("01/10/2019", date(2019, 10, 1)),  # a UK date: day, month, year
        ("31/10/2019", date(2019, 10, 1)),
        ("Oct-99", date(2099, 10, 1)),  # two-digit years are 20yy
        ("13/2019", None),
        ("0/2019", None),
        ("10/19", None),  # ambiguous: a day and a month, or a month and a year
        ("31/02/2020", None),
        ("Oct-9", None),
        ("Octo-19", None),
        ("Oct 1999", None),
        ("10/1999", None),
        ("2019-10-01T00:00", None),
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
        'Row 5: the month "2026-13" cannot be read: there is no month 13',
        'Row 6: the value "ten" is not a number: write it like 42 or 12.5',
        "Row 7: EH01 April 2026 is already on row 2",
        "Row 8: the month December 2026 is after this month",
        'Row 10: there is no indicator code; the month "31/04/2026" cannot be read: 31 April 2026 is not a real '
        "date; there is no value",
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


# ---------------------------------------------------------------- issue 11, item 16

FMT = "Oct-19, Oct 2019, October 2019, 10/2019, 2019-10 or 2019-10-01"


@pytest.mark.parametrize(
    ("figure", "unit", "text", "cell"),
    [
        (rules.YearFigure(12.345, 12), "number", "12.35", 12.35),
        (rules.YearFigure(45.2, 12), "percent", "45.2%", 45.2),
        (rules.YearFigure(12.3, 7), "number", "7 months: 12.3", "7 months: 12.3"),
        (rules.YearFigure(45.25, 11), "percent", "11 months: 45.25%", "11 months: 45.25%"),
        (rules.YearFigure(1234, 1), "number", "1 month: 1,234", "1 month: 1,234"),
        (rules.YearFigure(None, 0), "number", "not available", "not available"),
    ],
)
def test_a_twelve_month_figure_says_how_many_months_it_covers(figure, unit, text, cell):
    assert figure.text(unit) == text
    assert figure.cell(unit) == cell


def test_eleven_months_of_values_are_not_twelve():
    values = {rules.add_months(M, -k): 10.0 + k for k in range(11)}  # December 2025 to October 2026
    f = rules.figures(values, M)
    assert (f.average.months, f.average.text(), f.maximum.text()) == (11, "11 months: 15", "11 months: 20")
    values[rules.add_months(M, -11)] = 21.0  # November 2025: twelve months
    f = rules.figures(values, M)
    assert (f.average.text(), f.maximum.text()) == ("15.5", "21")
    values[rules.add_months(M, -12)] = 99.0  # October 2025: outside the twelve months
    assert rules.figures(values, M).maximum.text() == "21"
    values[rules.add_months(M, -3)] = None  # July 2026 (13) without a value: 173 over 11 months
    assert rules.figures(values, M).average.text() == "11 months: 15.73"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("13/2019", "there is no month 13"),
        ("2019-00", "there is no month 0"),
        ("Smarch 2020", f'"Smarch" is not the name of a month (write it as {FMT})'),
        ("Oct 1999", "the year 1999 is not between 2000 and 2099"),
        ("29/02/2019", "29 February 2019 is not a real date"),
        ("2019-02-30", "30 February 2019 is not a real date"),
        ("10/19", f"write it as {FMT}"),
        ("", "there is no month"),
        (None, "there is no month"),
        ("29/02/2020", ""),
    ],
)
def test_read_month_says_why_a_month_cannot_be_read(text, reason):
    assert rules.read_month(text)[1] == reason


def test_a_file_in_the_councils_month_styles_imports():
    text = "\n".join(
        [
            "code,month,value",
            "EH01,Oct-19,1",
            "EH01,Nov 2019,2",
            "EH01,12/2019,3",
            "EH01,2020-01,4",
            "EH01,01/02/2020,5",
            "EH01,March 2020,6",
            "EH01,Apr-2020,7",
            "EH02,Oct 19,8",
            "EH02,13/2020,9",
            "EH02,Octember 2020,10",
            "EH02,Oct-2019,11",
        ]
    )
    rows, problems = rules.read_value_rows(text, KNOWN, LATEST)
    assert [(r.row, r.month) for r in rows] == [
        (2, date(2019, 10, 1)), (3, date(2019, 11, 1)), (4, date(2019, 12, 1)), (5, date(2020, 1, 1)),
        (6, date(2020, 2, 1)), (7, date(2020, 3, 1)), (8, date(2020, 4, 1)), (9, date(2019, 10, 1)),
    ]
    assert [str(p) for p in problems] == [
        'Row 10: the month "13/2020" cannot be read: there is no month 13',
        'Row 11: the month "Octember 2020" cannot be read: "Octember" is not the name of a month (write it as '
        f"{FMT})",
        "Row 12: EH02 October 2019 is already on row 9",
    ]
