"""Framework periods and national settings, as pure rules (issue 11, item 12)."""

from __future__ import annotations

from datetime import date

import pytest

from tfclaims.outcomes_plan import rules

BENEFITS = {"JSA": "Jobseeker's Allowance", "UC": "Universal Credit"}
LIMITS = rules.SettingsLimits(
    name="Troubled Families 2015-21",
    problem_count=6,
    benefits=BENEFITS,
    versions=(date(2015, 4, 1), date(2018, 4, 1)),
    attachments=(date(2015, 6, 1), date(2020, 2, 1)),
    others=[("Supporting Families 2022-25", date(2022, 10, 1), date(2025, 3, 31))],
)
GOOD = {
    "starts_on": date(2015, 4, 1),
    "ends_on": date(2021, 3, 31),
    "attachment_payment": "1,000",
    "result_payment": "£800.5",
    "min_problems": "2",
    "recurrence_reopens": "yes",
    "jsa_weeks": "26",
    "jsa_window_weeks": "30",
    "jsa_min_hours": "0",
    "uc_weeks": " 26 ",
    "uc_window_weeks": "30",
    "uc_min_hours": "16",
}


def test_good_settings_come_back_as_the_frameworks_columns():
    clean, errors = rules.check_framework_settings(GOOD, LIMITS)
    assert errors == {}
    assert clean == {
        "starts_on": date(2015, 4, 1),
        "ends_on": date(2021, 3, 31),
        "attachment_payment_pence": 100_000,
        "result_payment_pence": 80_050,
        "min_problems": 2,
        "recurrence_reopens": True,
        "employment_rules": {
            "JSA": {"weeks": 26, "window_weeks": 30, "min_hours": 0},
            "UC": {"weeks": 26, "window_weeks": 30, "min_hours": 16},
        },
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"result_payment": "80O"}, {"result_payment": "Enter the results payment as an amount in pounds, like 800 or "
                                                       "800.50"}),
        ({"result_payment": "800.505"}, {"result_payment": "Enter the results payment as an amount in pounds, like "
                                                           "800 or 800.50"}),
        ({"attachment_payment": "-1"}, {"attachment_payment": "The attachment payment must be £0 or more"}),
        ({"min_problems": "0"}, {"min_problems": "Enter the minimum number of headline problems as a whole number "
                                                 "from 1 to 6"}),
        ({"uc_min_hours": "61"}, {"uc_min_hours": "Enter the minimum hours a week after Universal Credit as a number "
                                                  "from 0 to 60, 0 for any hours"}),
        ({"ends_on": None}, {"ends_on": "Enter the end date"}),
        ({"ends_on": date(2015, 4, 1)}, {"ends_on": "The end date must be after the start date"}),
        ({"starts_on": date(2015, 4, 2)}, {"starts_on": "The start date must be on or before 1 April 2015, when the "
                                                        "first plan version under Troubled Families 2015-21 takes "
                                                        "effect"}),
        ({"ends_on": date(2020, 1, 31)}, {"ends_on": "The end date must be on or after 1 February 2020, when the last "
                                                    "family was attached under Troubled Families 2015-21"}),
        ({"ends_on": date(2022, 10, 1)}, {"ends_on": "The dates must not overlap Supporting Families 2022-25, which "
                                                    "runs from 1 October 2022 to 31 March 2025"}),
    ],
)
def test_bad_settings_say_what_is_wrong_against_the_field(changes, errors):
    clean, found = rules.check_framework_settings(GOOD | changes, LIMITS)
    assert (clean, found) == (None, errors)


def test_the_window_holds_the_weeks_and_months_after_closure_only_when_used():
    _, errors = rules.check_framework_settings(GOOD | {"jsa_window_weeks": "25"}, LIMITS)
    assert errors == {"jsa_window_weeks": "The window after Jobseeker's Allowance must be at least the weeks in "
                                          "work (26)"}
    clean, _ = rules.check_framework_settings(GOOD | {"outcome_months": "banana"}, LIMITS)
    assert "outcome_months_after_closure" not in clean
    sfo = rules.SettingsLimits("Supporting Families 2022-25", 10, "headline outcome", uses_outcome_months=True)
    _, errors = rules.check_framework_settings(GOOD | {"outcome_months": "37"}, sfo)
    assert errors == {"outcome_months": "Enter the months after the case closed as a whole number from 1 to 36"}


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("800", 80_000), ("£1,000", 100_000), ("800.5", 80_050), ("800.05", 80_005), ("0", 0), (" £ 12 ", 1_200),
     ("1,00", None), ("800.505", None), ("-800", None), ("", None), ("eight", None)],
)
def test_pence_from_pounds(typed, pence):
    assert rules.pence_from_pounds(typed) == pence


def test_change_lines_say_what_changed_in_words():
    changes = {
        "employment_rules": [
            {"JSA": {"weeks": 26, "window_weeks": 30, "min_hours": 0}},
            {"JSA": {"weeks": 20, "window_weeks": 30, "min_hours": 0}},
        ],
        "result_payment_pence": [80_000, 100_000],
        "starts_on": ["2015-04-01", "2015-05-01"],
        "recurrence_reopens": [True, False],
        "outcome_months_after_closure": [None, 6],
    }
    assert rules.setting_change_lines(changes, BENEFITS) == [
        "Start date: 1 April 2015 to 1 May 2015",
        "Results payment: £800 to £1,000",
        "Outcome judged, months after the case closed: not set to 6",
        "A recurrence after sustained invalidates the result: yes to no",
        "Continuous employment after Jobseeker's Allowance (JSA), weeks in work: 26 to 20",
    ]


# ---------------------------------------------------------------- framework periods


def test_attachable_periods_start_at_the_first_version_or_the_framework():
    periods = rules.attachable_periods(
        [
            ("Supporting Families 2022-25", date(2022, 10, 1), date(2025, 3, 31), date(2022, 9, 1)),
            ("Troubled Families 2015-21", date(2015, 4, 1), date(2021, 3, 31), date(2015, 5, 1)),
            ("Unpublished", date(2010, 1, 1), date(2011, 1, 1), None),
            ("Too late", date(2010, 1, 1), date(2011, 1, 1), date(2012, 1, 1)),
        ]
    )
    assert periods == [
        rules.AttachablePeriod("Troubled Families 2015-21", date(2015, 5, 1), date(2021, 3, 31)),
        rules.AttachablePeriod("Supporting Families 2022-25", date(2022, 10, 1), date(2025, 3, 31)),
    ]
    assert rules.no_plan_in_force_message(date(2015, 4, 30), periods) == (
        "No published outcomes plan was in force on the attachment date (30 April 2015). Families can be attached "
        "from 1 May 2015 to 31 March 2021 under Troubled Families 2015-21 or from 1 October 2022 to 31 March 2025 "
        "under Supporting Families 2022-25."
    )
    assert rules.no_plan_in_force_message(date(2015, 4, 30), []) == (
        "No published outcomes plan was in force on the attachment date (30 April 2015). A manager must publish a "
        "plan version effective on or before that date."
    )
