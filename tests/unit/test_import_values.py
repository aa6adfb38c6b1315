"""Cells read as councils' systems write them (``imports.values``): dates day first in every common form, Excel
serial numbers, months such as Oct-19, numbers with commas and percent signs, identifiers normalised; anything
else refused with the reason."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfclaims.imports import values
from tfclaims.imports.values import BadValue


@pytest.mark.parametrize(("text", "expected"), [
    ("05/09/2019", date(2019, 9, 5)),  # day first, as in England
    ("5/9/19", date(2019, 9, 5)),
    ("2019-09-05", date(2019, 9, 5)),
    ("2019-09-05 00:00:00", date(2019, 9, 5)),  # an Excel date with its midnight
    ("05-09-2019", date(2019, 9, 5)),
    ("05.09.2019", date(2019, 9, 5)),
    ("5 September 2019", date(2019, 9, 5)),
    ("5th Sept 2019", date(2019, 9, 5)),
    ("05-Sep-2019", date(2019, 9, 5)),
    ("43713", date(2019, 9, 5)),  # the Excel serial number of 5 September 2019
    ("43713.0", date(2019, 9, 5)),
    ("31/12/85", date(1985, 12, 31)),  # two-digit years within the last hundred
    (" 29/02/2024 ", date(2024, 2, 29)),
])
def test_dates_in_the_forms_councils_use(text, expected):
    assert values.parse_date(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "the date is missing"),
    ("31/02/2019", "'31/02/2019' is not a real date"),
    ("13/13/2019", "is not a real date"),
    ("29/02/2023", "is not a real date"),
    ("5 Septober 2019", "'Septober' is not a month"),
    ("yesterday", "write it as 05/09/2019 or 2019-09-05"),
    ("0", "'0' is not a date"),
    ("01/01/1899", "is before 1900"),
    ("=TODAY()", "is not a date"),
])
def test_a_date_that_is_not_one_says_why(text, reason):
    with pytest.raises(BadValue, match=reason):
        values.parse_date(text)


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_every_date_reads_back_from_each_form(day):
    for text in (day.strftime("%d/%m/%Y"), day.isoformat(), f"{day.day} {day:%B %Y}",
                 str((day - values.EXCEL_EPOCH).days)):
        assert values.parse_date(text) == day, text


@pytest.mark.parametrize(("text", "expected"), [
    ("09:30", time(9, 30)),
    ("9.30", time(9, 30)),
    ("09:30:15", time(9, 30, 15)),  # an Excel time cell
    ("0930", time(9, 30)),
    ("9:30am", time(9, 30)),
    ("2:15 pm", time(14, 15)),
    ("12:05 am", time(0, 5)),
    ("12pm", time(12, 0)),
    ("9 p.m.", time(21, 0)),
    ("0.40625", time(9, 45)),  # Excel's fraction of a day
    ("1899-12-30 14:00:00", time(14, 0)),  # an Excel date-time holding a time
])
def test_times_as_councils_write_them(text, expected):
    assert values.parse_time(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "the time is missing"), ("25:00", "'25:00' is not a real time"), ("09:61", "is not a real time"),
    ("13:00pm", "13 is not an hour of the clock"), ("noon", "write it as 09:30 or 14:15"),
    ("9", "write it as 09:30"), ("1.5", "write it as 09:30"),
])
def test_a_time_that_is_not_one_says_why(text, reason):
    with pytest.raises(BadValue, match=reason):
        values.parse_time(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("05/09/2019", date(2019, 9, 5)),
    ("2019-09-05 00:00:00", date(2019, 9, 5)),  # an Excel date: midnight is no time
    ("05/09/2019 09:30", datetime(2019, 9, 5, 9, 30)),
    ("2019-09-05 14:15:00", datetime(2019, 9, 5, 14, 15)),  # an Excel date-time
    ("5 September 2019 2:15pm", datetime(2019, 9, 5, 14, 15)),
])
def test_a_date_with_or_without_its_time(text, expected):
    found = values.parse_date_and_time(text)
    assert found == expected and type(found) is type(expected)


@pytest.mark.parametrize(("text", "reason"), [
    ("31/02/2019 09:30", "'31/02/2019' is not a real date"), ("05/09/2019 25:00", "'25:00' is not a real time"),
    ("05/09/2019 soon", "write it as 05/09/2019"),
])
def test_a_date_and_time_that_is_not_one_says_why(text, reason):
    with pytest.raises(BadValue, match=reason):
        values.parse_date_and_time(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Oct-19", date(2019, 10, 1)),
    ("Oct 2019", date(2019, 10, 1)),
    ("October 2019", date(2019, 10, 1)),
    ("Sept-19", date(2019, 9, 1)),
    ("10/2019", date(2019, 10, 1)),
    ("2019-10", date(2019, 10, 1)),
    ("17/10/2019", date(2019, 10, 1)),  # a date in the month
    ("43753", date(2019, 10, 1)),
])
def test_months_as_councils_write_them(text, expected):
    assert values.parse_month(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "the month is missing"), ("Smarch-19", "'Smarch' is not a month's name"), ("13/2019", "is not a month"),
    ("autumn", "write it as Oct-19"),
])
def test_a_month_that_is_not_one_says_why(text, reason):
    with pytest.raises(BadValue, match=reason):
        values.parse_month(text)


def test_numbers():
    assert values.parse_number("1,234.5") == 1234.5
    assert values.parse_number(" 93.5% ") == 93.5
    assert values.parse_whole_number("300") == 300 and values.parse_whole_number("300.0") == 300
    with pytest.raises(BadValue, match="sessions possible is missing"):
        values.parse_number("", what="sessions possible")
    for bad in ("ten", "nan", "inf", "1.2.3"):
        with pytest.raises(BadValue, match="is not a number"):
            values.parse_number(bad)
    with pytest.raises(BadValue, match="'2.5' is not a whole number"):
        values.parse_whole_number("2.5")


def test_identifiers_are_normalised_or_refused():
    assert values.nhs_number("943 476 5919") == "9434765919"
    assert values.nhs_number("") is None
    with pytest.raises(BadValue, match="is not an NHS number"):
        values.nhs_number("9434765918")  # wrong check digit
    assert values.ni_number("ab 12 34 56 c") == "AB123456C"
    with pytest.raises(BadValue, match="is not a National Insurance number"):
        values.ni_number("GB123456A")
    assert values.pnc_number("2012/345678a") == "2012/345678A"
    with pytest.raises(BadValue, match="is not a PNC number"):
        values.pnc_number("345678")
    assert values.postcode("br47qt") == "BR4 7QT" and values.postcode("  ") is None
    with pytest.raises(BadValue, match="is not a UK postcode"):
        values.postcode("Bromley")


def test_a_upn_with_its_check_letter():
    from tfclaims.families.rules import upn_check_letter

    body = "201000000015"  # 12 characters after the check letter
    good = upn_check_letter(body) + body
    assert values.upn(good.lower()) == good
    wrong = ("B" if good[0] != "B" else "C") + body
    with pytest.raises(BadValue, match="is not a unique pupil number"):
        values.upn(wrong)
