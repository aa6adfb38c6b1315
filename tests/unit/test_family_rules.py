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


# ---------------------------------------------------------------- consent and lawful basis

TODAY = date(2024, 6, 1)
ADULT_DOB = date(1985, 3, 14)
CHILD_DOB = date(2010, 9, 1)  # 13 on TODAY
YOUNG_CHILD_DOB = date(2016, 1, 5)  # 8 on TODAY

DECISION = {
    "status": "given",
    "scope": "programme",
    "recorded_on": date(2024, 5, 1),
    "today": TODAY,
    "date_of_birth": ADULT_DOB,
    "given_by": "self",
    "lawful_basis": "public_task",
    "special_category_basis": "",
    "statute": "",
    "previous": None,
    "special_category": True,
}
NO_CONSENT_BASIS = {
    "lawful_basis": "public_task",
    "special_category_basis": "substantial_public_interest",
    "statute": "Children Act 2004 s.10",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"scope": ""}, ("scope", "Select what the decision covers")),
        ({"recorded_on": TODAY}, None),  # today: the boundary day
        ({"recorded_on": date(2024, 6, 2)}, ("recorded_on", "The date of the decision must be today or in the past")),
        (
            {"date_of_birth": date(2024, 5, 2)},
            ("recorded_on", "The date of the decision must be on or after the member's date of birth"),
        ),
        ({"date_of_birth": date(2024, 5, 1), "given_by": "parent"}, None),  # the day of birth, by a parent
        ({"lawful_basis": ""}, ("lawful_basis", "Select the lawful basis")),
        ({"lawful_basis": "consent"}, None),  # consent given may be the Article 6 basis
        # Decisions follow one another in each scope.
        ({"previous": ("refused", date(2024, 5, 1))}, None),
        ({"previous": ("refused", date(2024, 5, 2))}, "recorded_on"),
        # Who decided: an adult for themselves; a child by a parent or carer, or themselves when 12 or over.
        ({"given_by": "parent"}, "given_by"),
        ({"date_of_birth": CHILD_DOB, "given_by": "parent"}, None),
        ({"date_of_birth": CHILD_DOB, "given_by": "carer"}, None),
        ({"date_of_birth": CHILD_DOB, "given_by": "self"}, None),
        ({"date_of_birth": YOUNG_CHILD_DOB, "given_by": "self"}, "given_by"),
        ({"date_of_birth": date(2012, 5, 1), "given_by": "self"}, None),  # 12 that day
        ({"date_of_birth": date(2012, 5, 2), "given_by": "self"}, "given_by"),  # 12 the next day
        ({"date_of_birth": date(2006, 5, 1), "given_by": "parent"}, "given_by"),  # 18 that day: an adult
        ({"status": "not_sought", "given_by": "parent"} | NO_CONSENT_BASIS, None),  # nobody decided
    ],
)
def test_consent_decision(change, problem):
    found = rules.consent_decision_problem(**(DECISION | change))
    if isinstance(problem, str):
        assert found is not None and found[0] == problem, found
    else:
        assert found == problem


@pytest.mark.parametrize(
    ("previous", "field"),
    [
        (None, "status"),  # nothing to withdraw
        (("refused", date(2024, 4, 1)), "status"),
        (("withdrawn", date(2024, 4, 1)), "status"),  # already withdrawn
        (("not_sought", date(2024, 4, 1)), "status"),
        (("given", date(2024, 4, 1)), None),
        (("given", date(2024, 5, 1)), None),  # withdrawn the day it was given
        (("given", date(2024, 5, 2)), "recorded_on"),  # withdrawn before it was given
    ],
)
def test_withdrawal_needs_consent_given_in_that_scope(previous, field):
    withdrawal = DECISION | NO_CONSENT_BASIS | {"status": "withdrawn", "previous": previous}
    found = rules.consent_decision_problem(**withdrawal)
    assert (found[0] if found else None) == field, found


@pytest.mark.parametrize("status", ["refused", "withdrawn", "not_sought"])
@pytest.mark.parametrize(
    ("basis", "special_category", "field"),
    [
        (NO_CONSENT_BASIS, True, None),
        (NO_CONSENT_BASIS | {"lawful_basis": ""}, True, "lawful_basis"),
        (NO_CONSENT_BASIS | {"lawful_basis": "consent"}, True, "lawful_basis"),  # there is none
        (NO_CONSENT_BASIS | {"lawful_basis": "legal_obligation"}, True, None),
        (NO_CONSENT_BASIS | {"special_category_basis": ""}, True, "special_category_basis"),
        (NO_CONSENT_BASIS | {"special_category_basis": ""}, False, None),  # no special-category data held
        (NO_CONSENT_BASIS | {"statute": "  "}, True, "statute"),
        (NO_CONSENT_BASIS | {"statute": ""}, False, None),
        # An older record's combined basis names 9(2)(g) already; the statute is still needed.
        ({"lawful_basis": "public_task_substantial_public_interest", "statute": "Children Act 1989 s.17"}, True, None),
        ({"lawful_basis": "public_task_substantial_public_interest"}, True, "statute"),
    ],
)
def test_no_consent_needs_a_lawful_basis(status, basis, special_category, field):
    previous = ("given", date(2024, 4, 1)) if status == "withdrawn" else None
    decision = DECISION | {"special_category_basis": "", "statute": ""} | basis
    found = rules.consent_decision_problem(
        **(decision | {"status": status, "previous": previous, "special_category": special_category})
    )
    assert (found[0] if found else None) == field, found


def test_join_statutes():
    assert rules.join_statutes(["Children Act 2004 s.10"], " Children Act 1989 s.17 ;Local Act 2020\n") == (
        "Children Act 2004 s.10; Children Act 1989 s.17; Local Act 2020"
    )
    assert rules.join_statutes([], "") == ""
    assert rules.join_statutes(["Children Act 2004 s.10"], "Children Act 2004 s.10") == "Children Act 2004 s.10"


def test_basis_words():
    assert rules.basis_words("public_task", "substantial_public_interest", "Children Act 2004 s.10") == (
        "public task (UK GDPR 6(1)(e)) and substantial public interest (9(2)(g), Children Act 2004 s.10)"
    )
    assert rules.basis_words("public_task") == "public task (UK GDPR 6(1)(e))"
    assert rules.basis_words("public_task", "", "Children Act 1989 s.17") == (
        "public task (UK GDPR 6(1)(e), Children Act 1989 s.17)"
    )
    assert rules.basis_words("public_task_substantial_public_interest") == (
        "public task (UK GDPR 6(1)(e)) and substantial public interest (9(2)(g))"
    )


def test_consent_effect_in_plain_english():
    effect = rules.consent_effect(
        name="Alex Smith",
        scope="matching",
        scope_phrase="matching with partner data",
        status="withdrawn",
        recorded_on=date(2024, 3, 3),
        lawful_basis="public_task",
        special_category_basis="substantial_public_interest",
        statute="Children Act 2004 s.10",
    )
    assert effect == (
        "Consent to matching with partner data was withdrawn on 3 March 2024: new partner data is not matched to "
        "Alex Smith; work continues under public task (UK GDPR 6(1)(e)) and substantial public interest (9(2)(g), "
        "Children Act 2004 s.10)"
    )
    evaluation = rules.consent_effect(
        name="Alex Smith", scope="evaluation", scope_phrase="the national evaluation", status="refused",
        recorded_on=date(2024, 3, 3), lawful_basis="public_task",
    )
    assert evaluation.startswith("Consent to the national evaluation was refused on 3 March 2024: Alex Smith is left "
                                 "out of the pseudonymised export")
    not_sought = rules.consent_effect(
        name="Alex Smith", scope="programme", scope_phrase="programme work", status="not_sought",
        recorded_on=date(2024, 3, 3), lawful_basis="public_task",
    )
    assert not_sought == (
        "Consent to programme work was not sought from Alex Smith (3 March 2024): work with the family and sharing "
        "between the agencies go on under public task (UK GDPR 6(1)(e))"
    )
    assert rules.consent_effect(
        name="Alex", scope="programme", scope_phrase="programme work", status="given",
        recorded_on=date(2024, 3, 3), lawful_basis="public_task",
    ) is None


@pytest.mark.parametrize(
    ("status", "excluded"),
    [("refused", True), ("withdrawn", True), ("given", False), ("not_sought", False), (None, False)],
)
def test_excluded_from_evaluation(status, excluded):
    assert rules.excluded_from_evaluation(status) is excluded
