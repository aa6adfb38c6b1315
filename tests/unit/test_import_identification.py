"""Identification's rule (``imports.identification.candidates``): recent facts to problems, households with at least
the framework's minimum, whatever kinds of fact are present or absent."""

from __future__ import annotations

from datetime import date

import pytest

from tfclaims.imports.identification import candidates, facts_frame

TODAY = date(2024, 11, 20)


def _facts(*rows):
    return facts_frame(list(rows))


def test_persistent_absence_and_an_incident_make_two_problems_of_tf2015():
    found = candidates(_facts(
        ("f1", "child", "attendance", date(2024, 7, 19), 82.0, "Summer 2024"),
        ("f1", "child", "attendance", date(2024, 3, 28), 88.0, "Spring 2024"),
        ("f1", "dad", "asb", date(2024, 9, 1), None, ""),
        ("f2", "child", "attendance", date(2024, 7, 19), 95.0, "Summer 2024"),  # attends: no problem
        ("f2", "dad", "offence", date(2024, 9, 1), None, ""),
    ), TODAY, "TF2015", 2)
    assert [h.key for h in found] == ["f1"]
    [household] = found
    assert set(household.problems) == {"school", "crime_asb"}
    assert household.problems["school"][0].detail == "85.0% attendance (Summer 2024, Spring 2024)"


@pytest.mark.parametrize("kinds", [("attendance",), ("asb",), ("child_in_need",)])
def test_a_household_with_one_kind_of_fact_only_is_judged_without_error(kinds):
    rows = {"attendance": ("f1", "c", "attendance", date(2024, 7, 19), 80.0, "Summer 2024"),
            "asb": ("f1", "c", "asb", date(2024, 7, 19), None, ""),
            "child_in_need": ("f1", "c", "child_in_need", date(2024, 1, 5), None, "from 05/01/2024, still open")}
    found = candidates(_facts(*(rows[k] for k in kinds)), TODAY, "TF2015", 1)
    assert [h.count for h in found] == [1]


def test_the_window_is_the_last_12_months_and_a_plan_ended_long_ago_does_not_count():
    found = candidates(_facts(
        ("f1", "c", "asb", date(2023, 11, 20), None, ""),  # a year and a day ago: out
        ("f1", "c", "domestic_abuse", date(2023, 11, 21), None, ""),  # in
        ("f1", "c", "child_protection", date(2022, 1, 1), "2023-06-30", "ended"),  # ended before the window
        ("f1", "c", "child_in_need", date(2022, 1, 1), "2024-02-01", "ended"),  # ended inside it
        ("f1", "c", "offence", date(2024, 12, 1), None, ""),  # after today: out
    ), TODAY, "SF2022", 1)
    [household] = found
    assert set(household.problems) == {"domestic_abuse", "safe_from_abuse"}
    assert [e.kind for e in household.problems["safe_from_abuse"]] == ["child_in_need"]


def test_fewer_problems_than_the_minimum_and_no_facts_give_no_one():
    assert candidates(_facts(("f1", "c", "asb", date(2024, 9, 1), None, ""),
                             ("f1", "c", "offence", date(2024, 9, 2), None, "")), TODAY, "SF2022", 3) == []
    assert candidates(_facts(), TODAY, "SF2022", 3) == []


def test_a_year_before_a_leap_day_is_the_28th_of_february():
    from tfclaims.imports.identification import a_year_before

    assert a_year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert a_year_before(date(2024, 11, 20)) == date(2023, 11, 20)
