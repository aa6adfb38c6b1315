from datetime import date

import pytest

from tfclaims import people
from tfclaims.families import rules


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("4010232137", True),
        ("9434765918", False),  # wrong check digit
        ("943476591", False),  # nine digits
        ("94347659190", False),
        ("abcdefghij", False),
        ("0000000000", True),  # checksum 0: format-valid
        ("1000000010", False),  # check digit would be 10: never issued
    ],
)
def test_nhs_number_checksum(value, valid):
    assert rules.nhs_number_is_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("QQ123456C", False),  # Q is not a valid first letter
        ("AB123456C", True),
        ("ab 12 34 56 c", True),
        ("AB123456E", False),  # suffix A-D
        ("GB123456A", False),  # never issued
        ("AO123456A", False),  # O not a valid second letter
        ("DA123456A", False),  # D not a valid first letter
        ("AB12345C", False),
    ],
)
def test_ni_number_format(value, valid):
    assert rules.ni_number_is_valid(value) is valid


def test_upn_check_letter_round_trip():
    body = "820200113001"
    letter = rules.upn_check_letter(body)
    assert rules.upn_is_valid(letter + body)
    wrong = next(c for c in rules.UPN_CHECK_LETTERS if c != letter)
    assert not rules.upn_is_valid(wrong + body)


@pytest.mark.parametrize("value", ["", "A12345", "I820200113001", "A82020011300S"])
def test_upn_bad_format(value):
    assert not rules.upn_is_valid(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("br47qt", "BR4 7QT"), ("SW1A 1AA", "SW1A 1AA"), ("M1 1AE", "M1 1AE"), ("NOT A CODE", None), ("", None)],
)
def test_normalise_postcode(value, expected):
    assert rules.normalise_postcode(value) == expected


@pytest.mark.parametrize(("value", "valid"), [("12/345678A", True), ("2012/345678A", True), ("12345678A", False)])
def test_pnc_format(value, valid):
    assert rules.pnc_is_valid(value) is valid


@pytest.mark.parametrize(
    ("problems", "expected"),
    [
        ([], 0),
        ([(1, False)], 1),
        ([(1, False), (1, False)], 1),  # the same problem in two members counts once
        ([(1, False), (2, False)], 2),
        ([(1, True), (2, True)], 1),  # a non-resident parent counts towards one at most
        ([(1, False), (2, True), (3, True)], 2),
        ([(1, False), (1, True)], 1),  # already counted through a resident member
        ([(1, False), (1, True), (2, True)], 2),
    ],
)
def test_eligible_problem_count(problems, expected):
    assert rules.eligible_problem_count(problems) == expected


def test_too_few_problems_message():
    assert rules.too_few_problems_message(2, 2) is None
    message = rules.too_few_problems_message(1, 2)
    assert "at least 2 different headline problems" in message


@pytest.mark.parametrize(
    ("dob", "on", "adult"),
    [
        (date(2000, 5, 1), date(2018, 4, 30), False),
        (date(2000, 5, 1), date(2018, 5, 1), True),
        (date(2000, 2, 29), date(2018, 2, 28), False),
        (date(2000, 2, 29), date(2018, 3, 1), True),
    ],
)
def test_adult_on_birthday(dob, on, adult):
    assert people.is_adult_on(dob, on) is adult


def test_timestamps_shown_in_london_time():
    from datetime import datetime

    from tfclaims.web import format_datetime

    assert format_datetime(datetime(2026, 7, 1, 11, 30)) == "1 July 2026 at 12:30"  # naive: stored as UTC
    assert format_datetime(datetime(2026, 1, 1, 11, 30)) == "1 January 2026 at 11:30"


# ---------------------------------------------------------------- who a descriptor applies to (issue 11)

ON = date(2019, 6, 3)


@pytest.mark.parametrize(
    ("applies_to", "dob", "fits"),
    [
        ("any", date(1978, 2, 1), True),
        ("any", date(2019, 6, 4), True),  # anyone, even someone not yet born: "any" asks nothing
        ("adult", date(2001, 6, 4), False),  # 17 the day before the 18th birthday
        ("adult", date(2001, 6, 3), True),  # 18 on the day
        ("adult", date(2007, 1, 10), False),  # a 12-year-old
        ("child", date(2001, 6, 4), True),
        ("child", date(2001, 6, 3), False),
        ("child", date(2019, 6, 4), False),  # not yet born
        ("school_age", date(1978, 2, 1), False),  # a 41-year-old
        ("school_age", date(2014, 6, 4), False),  # 4
        ("school_age", date(2014, 6, 3), True),  # 5 on the day
        ("school_age", date(2002, 6, 4), True),  # 16 until the 17th birthday
        ("school_age", date(2002, 6, 3), False),  # 17 on the day
        ("dependent_children", date(1978, 2, 1), True),  # a condition on the family, not on the member
    ],
)
def test_member_fits(applies_to, dob, fits):
    assert rules.member_fits(applies_to, dob, ON) is fits


@pytest.mark.parametrize(
    ("members", "has"),
    [
        ([(date(1985, 1, 1), True, False), (date(2012, 1, 1), True, False)], True),
        ([(date(1985, 1, 1), True, False), (date(2012, 1, 1), False, False)], False),  # the child lives elsewhere
        ([(date(1985, 1, 1), True, False), (date(2001, 6, 3), True, False)], False),  # 18 on the day
        ([(date(1985, 1, 1), True, False), (date(2001, 6, 4), True, False)], True),  # 17 the day before
        ([(date(1985, 1, 1), True, True)], True),  # an expectant parent
        ([(date(2019, 6, 4), True, False)], False),  # born after the date
        ([], False),
    ],
)
def test_has_dependent_children(members, has):
    assert rules.has_dependent_children(members, ON) is has


def test_messages_name_the_member_their_age_and_the_date():
    assert rules.member_does_not_fit_message("ED2", "school_age", "Dawn Fletcher", date(1978, 2, 1), ON) == (
        "Descriptor ED2 applies to a school-age child (5 to 16): Dawn Fletcher was 41 on the attachment date "
        "(3 June 2019)"
    )
    assert rules.member_does_not_fit_message(
        "W1", "adult", "Tyler Fletcher", date(2001, 9, 1), date(2019, 8, 31), after_attachment=True
    ) == "Descriptor W1 applies to an adult (18 or over): Tyler Fletcher was 17 on the evidence date (31 August 2019)"
    assert rules.member_does_not_fit_message("C1", "child", "Baby", date(2019, 7, 1), ON).endswith(
        "Baby was not yet born on the attachment date (3 June 2019)"
    )
    assert rules.no_dependent_children_message(ON, framework="Supporting Families 2022-25").startswith(
        "Supporting Families 2022-25 is for families with a resident child under 18 or an expectant parent: this "
        "family had neither on the attachment date (3 June 2019)"
    )
