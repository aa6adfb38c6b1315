"""Table-driven tests of the rule engine: every criterion kind at its boundaries, both frameworks, problems
identified after attachment, and reopening by another member."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.engine_cohort import Cohort
from tfclaims.engine.rules import evaluate

T = pd.Timestamp


def problem(cohort: Cohort, family, code: str, as_of: str) -> dict:
    verdicts = evaluate(cohort.frames(), as_of)
    rows = verdicts.problems[verdicts.problems["family_id"] == family.id]
    return rows[rows["problem_name"] == code].iloc[0].to_dict()


def family_verdict(cohort: Cohort, family, as_of: str) -> dict:
    families = evaluate(cohort.frames(), as_of).families
    return families[families["family_id"] == family.id].iloc[0].to_dict()


# ------------------------------------------------------------------ held over consecutive periods

TERMS = ["2016-04-01", "2016-07-20", "2016-12-20", "2017-04-07"]


@pytest.mark.parametrize(
    "child1, child2, as_of, status, on",
    [
        ([92, 95, 91], [], "2017-03-31", "sustained", "2016-12-20"),
        ([90, 90, 90], [], "2017-03-31", "sustained", "2016-12-20"),  # exactly 90% is at the threshold
        ([89.9, 90, 90], [], "2017-03-31", "achieved", "2016-07-20"),  # just under breaks nothing yet: no run
        ([92, 95], [], "2016-12-01", "achieved", "2016-04-01"),
        ([92, 85, 95], [], "2017-03-31", "reopened", "2016-07-20"),
        # The problem is child1's: a sibling's figures neither reopen it nor pass for it.
        ([92, 95, 95], [93, 80, 96], "2017-03-31", "sustained", "2016-12-20"),
        ([92, 95, 95], [93, 91, 96], "2017-03-31", "sustained", "2016-12-20"),
        ([80, 84], [], "2016-12-01", "progressing", "2016-07-20"),  # up on the term before attachment
        ([70, 60], [], "2016-12-01", "not_met", None),
        ([], [], "2016-12-01", "not_met", None),
    ],
)
def test_attendance_held_for_three_terms(child1, child2, as_of, status, on):
    c = Cohort()
    f = c.family("2016-01-10", ["school", "health"])
    f.term("child1", "2015-12-18", 75)  # before attachment: the baseline, never part of a run
    for end, value in zip(TERMS, child1, strict=False):
        f.term("child1", end, value)
    for end, value in zip(TERMS, child2, strict=False):
        f.term("child2", end, value)
    v = problem(c, f, "school", as_of)
    assert v["status"] == status, v["reason"]
    if on is None:
        assert pd.isna(v["status_on"])
    else:
        assert v["status_on"] == T(on)
    assert v["reason"] and v["wording"]


def test_attendance_terms_after_as_of_are_ignored():
    c = Cohort()
    f = c.family("2016-01-10", ["school", "health"])
    for end in TERMS[:3]:
        f.term("child1", end, 95)
    assert problem(c, f, "school", "2016-12-19")["status"] == "achieved"
    assert problem(c, f, "school", "2016-12-20")["status"] == "sustained"


# ------------------------------------------------------------------ reduction against the baseline

ATTACHED = "2016-01-10"


@pytest.mark.parametrize(
    "before, after, as_of, status, on",
    [
        # Baseline 5 in the six months before: at most 2 allowed (a 60% reduction).
        (5, ["2016-02-01", "2016-03-01"], "2016-08-01", "sustained", "2016-07-09"),
        (5, ["2016-02-01", "2016-03-01", "2016-04-01"], "2016-07-31", "reopened", "2016-04-01"),
        # ... then sustained at the end of the window that starts the day after the first event.
        (5, ["2016-02-01", "2016-03-01", "2016-04-01"], "2016-08-01", "sustained", "2016-08-01"),
        (5, ["2016-02-01"], "2016-05-01", "progressing", ATTACHED),
        # A baseline of none allows none.
        (0, [], "2016-07-09", "sustained", "2016-07-09"),
        (0, [], "2016-07-08", "progressing", ATTACHED),
        (0, ["2016-07-09"], "2016-07-09", "reopened", "2016-07-09"),
        # Baseline 1: 60% down from one is none.
        (1, ["2016-03-01"], "2016-08-01", "reopened", "2016-03-01"),
    ],
)
def test_asb_down_sixty_percent_over_six_months(before, after, as_of, status, on):
    c = Cohort()
    f = c.family(ATTACHED, ["crime_asb", "health"])
    for i in range(before):
        f.event("asb", f"2015-{8 + i % 5:02d}-15")
    for when in after:
        f.event("offence", when, member="adult1")
    v = problem(c, f, "crime_asb", as_of)
    assert v["status"] == status, v["reason"]
    assert v["status_on"] == T(on)


def test_reduction_baseline_window_is_the_months_before_attachment():
    c = Cohort()
    f = c.family(ATTACHED, ["crime_asb", "health"])
    f.event("asb", "2015-07-10")  # exactly six months before: outside the baseline
    f.event("asb", ATTACHED)  # on the attachment day: part of the baseline
    f.event("asb", "2016-02-01")
    v = problem(c, f, "crime_asb", "2016-07-31")
    assert v["status"] == "reopened"  # baseline 1, so none allowed
    assert "1 in the 6 months before attachment" in v["evidence"]


# ------------------------------------------------------------------ no events for a period


@pytest.mark.parametrize(
    "events, as_of, status, on",
    [
        ([], "2016-07-09", "sustained", "2016-07-09"),  # 10 January + 6 months - 1 day
        ([], "2016-07-08", "progressing", ATTACHED),
        ([ATTACHED], "2016-07-09", "sustained", "2016-07-09"),  # the attachment day is the baseline
        (["2016-07-09"], "2016-07-09", "reopened", "2016-07-09"),  # on the last day of the sustain period
        (["2016-07-09"], "2017-01-09", "sustained", "2017-01-09"),
        # The day after: already sustained, so a recurrence, which reopens it (the framework's default setting).
        (["2016-07-10"], "2016-07-10", "reopened", "2016-07-10"),
    ],
)
def test_no_domestic_abuse_for_six_months(events, as_of, status, on):
    c = Cohort()
    f = c.family(ATTACHED, ["domestic_abuse", "health"])
    for when in events:
        f.event("domestic_abuse", when, member="adult2")
    v = problem(c, f, "domestic_abuse", as_of)
    assert v["status"] == status, v["reason"]
    assert v["status_on"] == T(on)


def test_other_kinds_of_event_do_not_count():
    c = Cohort()
    f = c.family(ATTACHED, ["domestic_abuse", "health"])
    f.event("asb", "2016-03-01")
    assert problem(c, f, "domestic_abuse", "2016-07-09")["status"] == "sustained"


# ------------------------------------------------------------------ status ended and not reopened


@pytest.mark.parametrize(
    "episodes, as_of, status, on",
    [
        ([("child_protection", "2015-06-01", "2016-03-01", "child1")], "2016-09-01", "sustained", "2016-09-01"),
        ([("child_protection", "2015-06-01", "2016-03-01", "child1")], "2016-08-31", "achieved", "2016-03-01"),
        ([("child_protection", "2015-06-01", None, "child1")], "2016-08-31", "not_met", "2015-06-01"),
        (
            [
                ("child_protection", "2015-06-01", "2016-03-01", "child1"),
                ("child_in_need", "2016-05-01", None, "child2"),  # a sibling's re-referral reopens it
            ],
            "2016-09-30",
            "reopened",
            "2016-05-01",
        ),
        (
            [
                ("child_protection", "2015-06-01", "2016-03-01", "child1"),
                ("child_in_need", "2016-09-02", None, "child2"),  # after sustained: a recurrence, which reopens it
            ],
            "2016-12-31",
            "reopened",
            "2016-09-02",
        ),
        # Overlapping plans in two children: the later end counts.
        (
            [
                ("child_in_need", "2015-06-01", "2016-02-01", "child1"),
                ("child_protection", "2015-09-01", "2016-04-01", "child2"),
            ],
            "2016-12-31",
            "sustained",
            "2016-10-01",
        ),
        ([("child_in_need", "2014-01-01", "2015-01-01", "child1")], "2016-12-31", "not_met", None),
    ],
)
def test_plans_ended_and_not_reopened(episodes, as_of, status, on):
    c = Cohort()
    f = c.family(ATTACHED, ["children_need_help", "health"])
    for kind, start, end, member in episodes:
        f.episode(kind, start, end, member=member)
    v = problem(c, f, "children_need_help", as_of)
    assert v["status"] == status, v["reason"]
    if on:
        assert v["status_on"] == T(on)
    else:
        assert pd.isna(v["status_on"])


# ------------------------------------------------------------------ manual evidence


@pytest.mark.parametrize(
    "evidence, status",
    [
        ([("accepted", "2016-03-01", "2016-05-01")], "sustained"),
        ([("awaiting", "2016-03-01", None)], "progressing"),
        ([("declined", "2016-03-01", "2016-05-01")], "not_met"),
        ([("declined", "2016-03-01", "2016-05-01"), ("accepted", "2016-06-01", "2016-06-10")], "sustained"),
        ([("accepted", "2016-03-01", "2017-05-01")], "progressing"),  # decided after the as-of date
        ([("awaiting", "2017-03-01", None)], "not_met"),  # progress from after the as-of date
        ([], "not_met"),
    ],
)
def test_practitioner_evidence_signed_off(evidence, status):
    c = Cohort()
    f = c.family(ATTACHED, ["health", "school"])
    for state, since, decided in evidence:
        f.evidence("health", state, since, decided)
    v = problem(c, f, "health", "2016-12-31")
    assert v["status"] == status, v["reason"]
    if status == "sustained":
        assert "Signed off by Pat Manager" in v["reason"]


# ------------------------------------------------------------------ continuous employment

# Attached on Sunday 10 January 2016: week k runs from 10 January + 7k for seven days.


@pytest.mark.parametrize(
    "spells, as_of, status, on",
    [
        # 26 whole weeks from 10 January end on 9 July 2016.
        ([("2016-01-10", "2016-07-09", "JSA", 30, "adult1")], "2016-12-31", "sustained", "2016-07-09"),
        ([("2016-01-10", "2016-07-08", "JSA", 30, "adult1")], "2016-12-31", "reopened", "2016-07-08"),
        # ESA: 13 weeks within 15, with a two-week gap.
        (
            [("2016-01-10", "2016-02-06", "ESA", 20, "adult1"), ("2016-02-21", "2016-04-30", "ESA", 20, "adult1")],
            "2016-12-31",
            "sustained",
            "2016-04-23",
        ),
        # Universal Credit needs 16 hours a week (the earnings-test setting).
        ([("2016-01-10", None, "UC", 12, "adult1")], "2016-12-31", "not_met", None),
        ([("2016-01-10", None, "UC", 16, "adult1")], "2016-12-31", "sustained", "2016-07-09"),
        # Not on an out-of-work benefit, or a child: not counted.
        ([("2016-01-10", None, "none", 30, "adult1")], "2016-12-31", "not_met", None),
        ([("2016-01-10", None, "JSA", 30, "child1")], "2016-12-31", "not_met", None),
        # Still in work, not yet 26 weeks: achieved, with the date it would be reached.
        ([("2016-02-01", None, "JSA", 30, "adult1")], "2016-04-01", "achieved", "2016-02-01"),
    ],
)
def test_continuous_employment(spells, as_of, status, on):
    c = Cohort()
    f = c.family(ATTACHED, ["worklessness", "health"])
    for start, end, benefit, hours, member in spells:
        f.spell(start, end, benefit=benefit, hours=hours, member=member)
    v = problem(c, f, "worklessness", as_of)
    if v["status"] != "sustained" and status != "sustained":
        # Worklessness has a manual alternative; with no evidence the employment criterion is what shows.
        assert v["kind"] == "continuous_employment"
    assert v["status"] == status, v["reason"]
    if on:
        assert v["status_on"] == T(on)


def test_employment_forecast_when_still_in_work():
    c = Cohort()
    f = c.family(ATTACHED, ["worklessness", "health"])
    f.spell("2016-02-01", None)
    v = problem(c, f, "worklessness", "2016-04-01")
    assert v["expected_on"] == T("2016-07-31")  # 26 whole weeks from Monday 1 February, the spell's own start


# ------------------------------------------------------------------ families: 2015-21


def test_every_problem_must_be_sustained_for_ssp():
    c = Cohort()
    f = c.family(ATTACHED, ["school", "domestic_abuse"])
    for end in TERMS[:3]:
        f.term("child1", end, 95)
    v = family_verdict(c, f, "2017-01-31")
    assert v["claimable"] and v["route"] == "SSP"
    assert v["claimable_on"] == T("2016-12-20")  # the later of the two sustained dates

    f.event("domestic_abuse", "2016-10-01", member="adult1")  # after it was sustained: a recurrence
    v = family_verdict(c, f, "2016-12-31")
    assert not v["claimable"] and "domestic_abuse (reopened)" in v["blockers"]  # reopened (the default setting)
    kept = Cohort(settings={"TF2015": {"recurrence_reopens": False}})
    k = kept.family(ATTACHED, ["school", "domestic_abuse"])
    for end in TERMS[:3]:
        k.term("child1", end, 95)
    k.event("domestic_abuse", "2016-10-01", member="adult1")
    assert family_verdict(kept, k, "2016-12-31")["claimable"]  # setting off: sustained on 9 July 2016 and kept

    g = c.family(ATTACHED, ["school", "domestic_abuse"])
    for end in TERMS[:3]:
        g.term("child1", end, 95)
    g.event("domestic_abuse", "2016-07-01", member="adult1")  # within the sustain period: reopened
    v = family_verdict(c, g, "2016-12-31")
    assert not v["claimable"]
    assert "domestic_abuse (reopened)" in v["blockers"]
    assert v["claimable_on"] == T("2017-01-01")  # the forecast: six months from the day after the incident
    assert family_verdict(c, g, "2017-01-01")["claimable"]


def test_a_problem_identified_after_attachment_counts():
    c = Cohort()
    f = c.family(ATTACHED, ["school", "domestic_abuse"])
    for end in TERMS[:3]:
        f.term("child1", end, 95)
    f.problem("health", member="adult1", after=True)
    v = family_verdict(c, f, "2017-01-31")
    assert not v["claimable"]
    assert v["problems"] == 3
    assert "health (not met)" in v["blockers"]
    f.evidence("health", "accepted", "2016-06-01", "2017-01-15")
    v = family_verdict(c, f, "2017-01-31")
    assert v["claimable"] and v["claimable_on"] == T("2017-01-15")


def test_continuous_employment_is_a_route_of_its_own():
    c = Cohort()
    f = c.family(ATTACHED, ["school", "domestic_abuse"])
    f.spell("2016-01-10", None, benefit="ESA", member="adult2")
    v = family_verdict(c, f, "2016-06-30")
    assert v["claimable"] and v["route"] == "CE"
    assert v["claimable_on"] == T("2016-04-09")  # 13 whole weeks
    assert v["problems_sustained"] < v["problems"]


def test_the_earlier_route_wins_and_ssp_on_a_tie():
    c = Cohort()
    f = c.family(ATTACHED, ["domestic_abuse", "health"])
    f.evidence("health", "accepted", "2016-01-20", "2016-02-01")
    f.spell("2016-01-10", None, benefit="JSA")
    assert family_verdict(c, f, "2016-12-31")["route"] == "SSP"  # SSP on 9 July, CE on 9 July: a tie


def test_closed_as_not_eligible_is_never_claimable():
    c = Cohort()
    f = c.family(ATTACHED, ["health", "domestic_abuse"], closed_on="2016-02-01", closure_reason="not_eligible")
    f.evidence("health", "accepted", "2016-01-20", "2016-02-01")
    v = family_verdict(c, f, "2017-12-31")
    assert not v["claimable"] and "not eligible" in v["blockers"]


# ------------------------------------------------------------------ families: 2022-25


def sf_family(c: Cohort, closed_on: str | None = "2023-06-30", signed_off: str = "2023-07-10"):
    """Three needs: domestic abuse (no incident for six months) and two signed off by a manager after closure."""
    f = c.family("2022-11-01", ["domestic_abuse", "housing", "health"], framework="SF2022", closed_on=closed_on)
    f.evidence("housing", "accepted", "2023-01-01", signed_off)
    f.evidence("health", "accepted", "2023-01-01", signed_off)
    return f


def test_a_family_outcome_is_judged_six_months_after_closure():
    c = Cohort()
    f = sf_family(c)
    v = family_verdict(c, f, "2023-12-29")
    assert not v["claimable"]
    assert v["claimable_on"] == T("2023-12-30")  # six months after closure, the forecast
    assert "Judged on 30 December 2023" in v["blockers"]
    v = family_verdict(c, f, "2023-12-30")
    assert v["claimable"] and v["route"] == "SFO" and v["claimable_on"] == T("2023-12-30")


def test_a_family_outcome_needs_the_case_closed():
    c = Cohort()
    f = sf_family(c, closed_on=None)
    v = family_verdict(c, f, "2024-12-31")
    assert not v["claimable"] and "The case is open" in v["blockers"]
    assert pd.isna(v["claimable_on"])


def test_a_need_that_reappears_before_the_judgement_day_blocks_the_outcome():
    c = Cohort()
    f = sf_family(c)
    f.event("domestic_abuse", "2023-11-01", member="adult1")  # sustained in May 2023, then a new incident
    v = family_verdict(c, f, "2024-03-31")
    assert not v["claimable"]
    assert "domestic_abuse (reopened)" in v["blockers"]
    # Under 2015-21 with the recurrence setting off, the same result, once sustained, would have been kept.
    c2 = Cohort(settings={"TF2015": {"recurrence_reopens": False}})
    g = c2.family("2017-11-01", ["domestic_abuse", "health"], closed_on="2018-06-30")
    g.evidence("health", "accepted", "2018-01-01", "2018-03-01")
    g.event("domestic_abuse", "2018-11-01", member="adult1")
    assert family_verdict(c2, g, "2019-03-31")["claimable"]


def test_an_incident_after_the_judgement_day_does_not_matter():
    c = Cohort()
    f = sf_family(c)
    f.event("domestic_abuse", "2024-01-15", member="adult1")
    assert family_verdict(c, f, "2024-03-31")["claimable"]


def test_every_verdict_says_which_plan_version_and_criterion():
    c = Cohort()
    f = c.family(ATTACHED, ["school", "health"])
    verdicts = evaluate(c.frames(), "2016-12-31")
    p = verdicts.problems[verdicts.problems["family_id"] == f.id]
    assert set(p["plan_label"]) == {"TF plan, version 1"}
    assert p["criterion_id"].notna().all() and (p["reason"] != "").all()


def test_a_family_is_judged_on_its_attachment_made_by_the_as_of_date():
    c = Cohort()
    f = c.family("2017-06-01", ["health", "school"])
    assert f.id not in set(evaluate(c.frames(), "2017-05-31").families["family_id"])
    assert f.id in set(evaluate(c.frames(), "2017-06-01").families["family_id"])


def test_a_problem_without_criteria_is_not_met_with_a_reason():
    c = Cohort(criteria={"TF2015": {"school": [("manual", {})]}})
    f = c.family(ATTACHED, ["school", "health"])
    v = problem(c, f, "health", "2016-12-31")
    assert v["status"] == "not_met" and "no success criterion" in v["reason"]


# ------------------------------------------------------------------ 2022-25: judged after closure (issue 11, item 5)

CLOSED = "2023-06-30"
JUDGED = "2023-12-30"  # closure + 6 months


@pytest.mark.parametrize(
    "signed_off, claimable",
    [
        ("2023-06-29", False),  # the day before closure: progress, not an outcome
        (CLOSED, True),  # on the closure day: counts
        ("2023-09-01", True),
        ("2023-12-30", True),  # on the judging day itself
    ],
)
def test_a_sign_off_counts_for_a_family_outcome_only_on_or_after_closure(signed_off, claimable):
    c = Cohort()
    f = sf_family(c, closed_on=CLOSED, signed_off=signed_off)
    v = family_verdict(c, f, JUDGED)
    assert v["claimable"] is claimable, v["blockers"]
    health = problem(c, f, "health", JUDGED)
    if claimable:
        assert v["route"] == "SFO" and v["claimable_on"] == T(JUDGED)
        assert health["status"] == "sustained" and health["sustained_on"] == T(signed_off)
    else:
        assert health["status"] == "progressing"
        assert "before the case closed on 30 June 2023" in health["reason"]
        assert "only a sign-off on or after closure counts" in health["reason"]
        assert "health (progressing)" in v["blockers"]


def test_a_sign_off_while_the_case_is_open_does_not_count():
    c = Cohort()
    f = sf_family(c, closed_on=None, signed_off="2023-05-01")
    health = problem(c, f, "health", "2023-12-31")
    assert health["status"] == "progressing" and "while the case is open" in health["reason"]


def test_a_sign_off_after_the_judging_day_is_too_late():
    c = Cohort()
    f = sf_family(c, closed_on=CLOSED, signed_off="2023-12-31")
    v = family_verdict(c, f, "2024-02-01")
    assert not v["claimable"] and "health (progressing)" in v["blockers"]  # decided after its day: not yet


def test_the_other_needs_must_still_hold_on_the_judging_day():
    c = Cohort()
    f = sf_family(c, closed_on=CLOSED, signed_off=CLOSED)
    f.event("domestic_abuse", JUDGED, member="adult2")  # on the judging day itself
    v = family_verdict(c, f, "2024-01-31")
    assert not v["claimable"] and "domestic_abuse (reopened)" in v["blockers"]
    g = c.family("2022-11-01", ["domestic_abuse", "housing", "health"], framework="SF2022", closed_on=CLOSED)
    g.evidence("housing", "accepted", "2023-01-01", CLOSED).evidence("health", "accepted", "2023-01-01", CLOSED)
    g.event("domestic_abuse", "2023-12-31", member="adult2")  # the day after: does not matter
    assert family_verdict(c, g, "2024-01-31")["claimable"]


# ------------------------------------------------------------------ continuous employment from its start (item 6)


@pytest.mark.parametrize(
    "start, benefit, on",
    [
        ("2016-01-09", "JSA", None),  # the day before attachment: not a move into work after it
        (ATTACHED, "JSA", "2016-07-09"),  # on the attachment day: counts
        ("2016-02-03", "JSA", "2016-08-02"),  # a Wednesday: 26 weeks on the start + 181 days, no day lost
        ("2016-02-03", "ESA", "2016-05-03"),  # 13 weeks: the start + 90 days
        ("2016-02-03", "none", None),  # not on an out-of-work benefit
    ],
)
def test_continuous_employment_counts_from_the_spells_own_start(start, benefit, on):
    c = Cohort()
    f = c.family(ATTACHED, ["worklessness", "health"])
    f.spell(start, None, benefit=benefit)
    v = problem(c, f, "worklessness", "2016-12-31")
    if on is None:
        assert v["status"] == "not_met", v["reason"]
        return
    assert (v["status"], v["sustained_on"]) == ("sustained", T(on)), v["reason"]
    weeks = {"JSA": 26, "ESA": 13}[benefit]
    assert T(on) == T(start) + pd.Timedelta(days=7 * weeks - 1)
    started = T(start)
    assert f"started work on {started.day} {started:%B %Y}" in v["reason"]
    assert f"on {T(on).day} {T(on):%B %Y}." in v["reason"]
    assert family_verdict(c, f, "2016-12-31")["claimable_on"] == T(on)


def test_exactly_n_weeks_is_reached_on_the_last_day_and_not_before():
    c = Cohort()
    f = c.family(ATTACHED, ["worklessness", "health"])
    f.spell("2016-02-03", "2016-08-02", benefit="JSA")  # ends on the last day of week 26
    assert problem(c, f, "worklessness", "2016-12-31")["status"] == "sustained"
    g = c.family(ATTACHED, ["worklessness", "health"])
    g.spell("2016-02-03", "2016-08-01", benefit="JSA")  # a day short
    v = problem(c, g, "worklessness", "2016-12-31")
    assert v["status"] == "reopened" and "ended before 26 weeks in work within 30 were reached" in v["reason"]


def test_an_adult_in_work_on_the_attachment_day_was_not_on_an_out_of_work_benefit():
    c = Cohort()
    f = c.family(ATTACHED, ["worklessness", "health"])
    f.spell("2015-06-01", "2016-01-31", benefit="JSA")  # in work when attached
    f.spell("2016-02-15", None, benefit="JSA")  # a new job after it
    assert problem(c, f, "worklessness", "2016-12-31")["status"] == "not_met"
    # A spell that ended before attachment leaves the adult out of work then: the next job counts.
    g = c.family(ATTACHED, ["worklessness", "health"])
    g.spell("2015-06-01", "2015-12-31", benefit="JSA")
    g.spell("2016-02-15", None, benefit="JSA")
    v = problem(c, g, "worklessness", "2016-12-31")
    assert (v["status"], v["sustained_on"]) == ("sustained", T("2016-08-14"))
    # Another adult's job at attachment does not stop this one's.
    h = c.family(ATTACHED, ["worklessness", "health"])
    h.spell("2015-06-01", None, benefit="none", member="adult2")
    h.spell("2016-02-15", None, benefit="JSA")
    assert family_verdict(c, h, "2016-12-31")["route"] == "CE"


# ------------------------------------------------------------------ attendance is the child's own (item 7)


def attendance_family(c: Cohort, member: str | None = "child1"):
    f = c.family(ATTACHED, ["health"])
    f.problem("school", member=member)
    return f


def test_a_siblings_attendance_is_never_borrowed():
    c = Cohort()
    f = attendance_family(c)
    for end in TERMS[:3]:
        f.term("child2", end, 97)  # only the sibling's terms are recorded
    v = problem(c, f, "school", "2017-03-31")
    assert v["status"] == "not_met", v["reason"]
    assert "no record for a member with the problem for the period ending 20 December 2016" in v["reason"]
    assert "missing evidence, not a pass" in v["reason"]


def test_a_missing_term_breaks_the_run_without_reopening_it():
    c = Cohort()
    f = attendance_family(c)
    f.term("child1", TERMS[0], 95).term("child1", TERMS[2], 95).term("child1", TERMS[3], 95)
    f.term("child2", TERMS[1], 95)  # the term the child has no record for
    v = problem(c, f, "school", "2017-04-30")
    assert v["status"] == "achieved" and v["status_on"] == T(TERMS[2]), v["reason"]
    assert "2 of 3 consecutive periods at or above 90% since 20 December 2016" in v["reason"]
    assert "period ending 20 July 2016: missing evidence" in v["reason"]
    assert "Reopened" not in v["reason"]
    f.term("child1", "2017-07-20", 91)
    assert problem(c, f, "school", "2017-07-31")["status"] == "sustained"


def test_a_failing_term_of_the_child_with_the_problem_reopens_it():
    c = Cohort()
    f = attendance_family(c)
    for end, value in zip(TERMS[:3], [95, 85, 95], strict=True):
        f.term("child1", end, value)
        f.term("child2", end, 99)
    v = problem(c, f, "school", "2017-03-31")
    assert v["status"] == "reopened" and v["status_on"] == T(TERMS[1])
    assert "a member with the problem was below 90%" in v["reason"]


def test_two_children_with_the_problem_are_both_judged():
    c = Cohort()
    f = attendance_family(c)
    f.problem("school", member="child2")
    for end in TERMS[:3]:
        f.term("child1", end, 95)
    f.term("child2", TERMS[0], 95).term("child2", TERMS[1], 95)  # child2's third term is missing
    v = problem(c, f, "school", "2017-03-31")
    assert v["status"] == "achieved" and "missing evidence" in v["reason"]
    assert "judged on 2 members with the problem" in v["evidence"]


def test_a_problem_naming_nobody_is_judged_on_every_member_measured():
    c = Cohort()
    f = attendance_family(c, member=None)
    for end in TERMS[:3]:
        f.term("child1", end, 95)
        f.term("child2", end, 92)
    assert problem(c, f, "school", "2017-03-31")["status"] == "sustained"
    f.term("child2", TERMS[3], 80)
    g = attendance_family(c, member=None)
    for end, value in zip(TERMS[:3], [95, 95, 95], strict=True):
        g.term("child1", end, value)
        g.term("child2", end, 80 if end == TERMS[1] else 95)
    assert problem(c, g, "school", "2017-03-31")["status"] == "reopened"


# ------------------------------------------------------------------ absence below a threshold (item 8)

ABSENCE = {"TF2015": {"school": [("held_below_over_periods", {"measure": "unauthorised_absence", "threshold": 10,
                                                              "periods": 3})], "health": [("manual", {})]}}


@pytest.mark.parametrize(
    "values, status, on",
    [
        ([5, 8, 9.9], "sustained", TERMS[2]),
        ([5, 10, 4], "reopened", TERMS[1]),  # exactly 10% is not below 10%
        ([5, 4], "achieved", TERMS[0]),
        ([12, 11], "progressing", TERMS[1]),  # still above, but down on the 20% before attachment
        ([25], "not_met", None),
    ],
)
def test_unauthorised_absence_held_below_ten_percent(values, status, on):
    c = Cohort(criteria=ABSENCE)
    f = c.family(ATTACHED, ["school", "health"])
    f.term("child1", "2015-12-18", 20, kind="unauthorised_absence")
    for end, value in zip(TERMS, values, strict=False):
        f.term("child1", end, value, kind="unauthorised_absence")
        f.term("child1", end, 70)  # attendance is another measure: not judged by this criterion
    v = problem(c, f, "school", "2017-01-31")
    assert v["status"] == status, v["reason"]
    assert (pd.isna(v["status_on"]) and on is None) or v["status_on"] == T(on)
    assert v["wording"] == "Each member with the problem has unauthorised absence below 10% for 3 consecutive terms"
    if status == "sustained":
        assert v["reason"] == "Below 10% for 3 consecutive periods, to 20 December 2016."


# ------------------------------------------------------------------ plan endings have reasons (item 9)


@pytest.mark.parametrize(
    "reason, status",
    [
        ("stepped_down", "sustained"),
        ("closed", "sustained"),
        ("moved_away", "not_met"),
        ("other", "not_met"),
        (None, "not_met"),
    ],
)
def test_a_plan_counts_only_when_it_ended_by_step_down_or_closure(reason, status):
    c = Cohort()
    f = c.family(ATTACHED, ["children_need_help", "health"])
    f.episode("child_protection", "2015-06-01", "2016-03-01", reason=reason)
    v = problem(c, f, "children_need_help", "2016-12-31")
    assert v["status"] == status, v["reason"]
    if status == "not_met":
        why = {"moved_away": "moved out of the area", "other": "other", None: "no reason recorded"}[reason]
        assert v["reason"] == (
            f"The latest plan ended on 1 March 2016 ({why}), which is not progress: only a step-down or a closure "
            "with no further action counts."
        )


def test_a_later_plan_stepped_down_counts_after_one_that_ended_by_moving_away():
    c = Cohort()
    f = c.family(ATTACHED, ["children_need_help", "health"])
    f.episode("child_in_need", "2015-06-01", "2016-03-01", reason="moved_away")
    f.episode("child_in_need", "2016-05-01", "2016-06-01", reason="stepped_down")
    v = problem(c, f, "children_need_help", "2016-12-31")
    assert (v["status"], v["sustained_on"]) == ("sustained", T("2016-12-01"))


# ------------------------------------------------------------------ recurrence after sustained (item 10)


@pytest.mark.parametrize("reopens", [True, False])
def test_a_recurrence_after_sustained_is_shown_and_reopens_when_the_framework_says_so(reopens):
    c = Cohort(settings={"TF2015": {"recurrence_reopens": reopens}})
    f = c.family(ATTACHED, ["domestic_abuse", "health"])
    f.evidence("health", "accepted", "2016-02-01", "2016-03-01")
    f.event("domestic_abuse", "2016-09-01", member="child2")  # any member; after sustained on 9 July 2016
    v = problem(c, f, "domestic_abuse", "2016-12-31")
    assert v["recurred_on"] == T("2016-09-01")
    assert "It recurred on 1 September 2016, after it was sustained" in v["reason"]
    fam = family_verdict(c, f, "2016-12-31")
    if reopens:
        assert v["status"] == "reopened" and v["expected_on"] == T("2017-03-01")
        assert not fam["claimable"] and fam["claimable_on"] == T("2017-03-01")
        # Sustained again six months later: claimable again, from then.
        again = problem(c, f, "domestic_abuse", "2017-03-01")
        assert (again["status"], again["sustained_on"]) == ("sustained", T("2017-03-01"))
        assert "was sustained again" in again["reason"]
        assert family_verdict(c, f, "2017-03-01")["claimable_on"] == T("2017-03-01")
    else:
        assert v["status"] == "sustained" and v["sustained_on"] == T("2016-07-09")
        assert "the result stands" in v["reason"]
        assert fam["claimable"] and fam["claimable_on"] == T("2016-07-09")
    # Before the recurrence nothing is shown.
    assert pd.isna(problem(c, f, "domestic_abuse", "2016-08-31")["recurred_on"])


def test_a_failing_term_after_sustained_is_a_recurrence_and_a_missing_one_is_not():
    c = Cohort()
    f = c.family(ATTACHED, ["school", "health"])
    for end in TERMS[:3]:
        f.term("child1", end, 95)
    f.term("child2", TERMS[3], 95)  # child1 has no record: missing, not a recurrence
    v = problem(c, f, "school", "2017-04-30")
    assert v["status"] == "sustained" and pd.isna(v["recurred_on"])
    f.term("child1", "2017-07-20", 80)
    v = problem(c, f, "school", "2017-07-31")
    assert (v["status"], v["recurred_on"]) == ("reopened", T("2017-07-20"))


def test_a_plan_opening_again_after_sustained_is_a_recurrence():
    c = Cohort(settings={"TF2015": {"recurrence_reopens": False}})
    f = c.family(ATTACHED, ["children_need_help", "health"])
    f.episode("child_protection", "2015-06-01", "2016-03-01")
    f.episode("child_in_need", "2016-10-01", None, member="child2")
    v = problem(c, f, "children_need_help", "2016-12-31")
    assert (v["status"], v["sustained_on"], v["recurred_on"]) == ("sustained", T("2016-09-01"), T("2016-10-01"))


def test_a_reduction_recurs_when_it_goes_over_the_allowance_again():
    c = Cohort()
    f = c.family(ATTACHED, ["crime_asb", "health"])
    for i in range(5):
        f.event("asb", f"2015-{8 + i:02d}-15")  # baseline 5: at most 2 in six months
    v = problem(c, f, "crime_asb", "2016-12-31")
    assert v["status"] == "sustained" and v["sustained_on"] == T("2016-07-09")
    for when in ["2016-08-01", "2016-09-01"]:
        f.event("asb", when)
    assert pd.isna(problem(c, f, "crime_asb", "2016-12-31")["recurred_on"])  # two: within the allowance
    f.event("asb", "2016-10-01")
    v = problem(c, f, "crime_asb", "2016-12-31")
    assert (v["status"], v["recurred_on"]) == ("reopened", T("2016-10-01"))
    assert v["reason"].startswith("Reopened on 1 October 2016: more than 2 in 6 months after it was sustained")


def test_no_recurrence_under_2022_25():
    c = Cohort()
    f = sf_family(c, closed_on=CLOSED, signed_off=CLOSED)
    f.event("domestic_abuse", "2023-11-01", member="adult1")
    assert pd.isna(problem(c, f, "domestic_abuse", "2024-03-31")["recurred_on"])


# ------------------------------------------------------------------ framework periods and settings (item 12)


def test_a_result_reached_after_the_framework_ended_is_not_claimable_under_it():
    c = Cohort()
    f = c.family("2020-10-01", ["domestic_abuse", "health"])
    f.evidence("health", "accepted", "2020-11-01", "2020-12-01")
    v = family_verdict(c, f, "2021-12-31")  # sustained on 31 March 2021, the framework's last day
    assert v["claimable"] and v["claimable_on"] == T("2021-03-31")
    g = c.family("2020-10-02", ["domestic_abuse", "health"])
    g.evidence("health", "accepted", "2020-11-01", "2020-12-01")
    v = family_verdict(c, g, "2021-12-31")  # sustained on 1 April 2021, the day after
    assert not v["claimable"] and v["route"] == "" and pd.isna(v["claimable_on"])
    assert v["blockers"] == (
        "The result was reached on 1 April 2021, after the end of Troubled Families 2015-21 on 31 March 2021: "
        "it cannot be claimed under it."
    )
    # Foreseen after the end: no date to expect.
    v = family_verdict(c, g, "2021-02-01")
    assert not v["claimable"] and pd.isna(v["claimable_on"])
    assert "Expected on 1 April 2021, after the end of Troubled Families 2015-21 on 31 March 2021" in v["blockers"]


def test_a_family_outcome_judged_after_31_march_2025_is_not_claimable():
    c = Cohort()
    f = sf_family(c, closed_on="2024-09-30", signed_off="2024-09-30")
    assert family_verdict(c, f, "2025-03-30")["claimable_on"] == T("2025-03-30")
    assert family_verdict(c, f, "2025-03-31")["claimable"]
    g = sf_family(c, closed_on="2024-10-01", signed_off="2024-10-01")  # judged on 1 April 2025
    v = family_verdict(c, g, "2025-01-31")
    assert not v["claimable"] and pd.isna(v["claimable_on"])
    assert v["blockers"] == (
        "Judged on 1 April 2025, after the end of Supporting Families 2022-25 on 31 March 2025: it cannot be "
        "claimed under it."
    )
    v = family_verdict(c, g, "2025-06-30")
    assert not v["claimable"] and "The result was reached on 1 April 2025" in v["blockers"]


def test_each_family_carries_the_settings_it_was_judged_under():
    import json

    c = Cohort(settings={"TF2015": {"recurrence_reopens": False}})
    f = c.family(ATTACHED, ["domestic_abuse", "health"])
    g = sf_family(c)
    tf, sf = family_verdict(c, f, "2016-12-31")["settings"], family_verdict(c, g, "2023-12-31")["settings"]
    assert tf == {
        "framework": "TF2015",
        "min_problems": 2,
        "attachment_payment_pence": 100_000,
        "result_payment_pence": 80_000,
        "outcome_months": None,
        "employment_rules": {
            "JSA": {"weeks": 26, "window_weeks": 30, "min_hours": 0},
            "ESA": {"weeks": 13, "window_weeks": 15, "min_hours": 0},
            "IS": {"weeks": 13, "window_weeks": 15, "min_hours": 0},
            "UC": {"weeks": 26, "window_weeks": 30, "min_hours": 16},
        },
        "recurrence_reopens": False,
        "starts_on": "2015-04-01",
        "ends_on": "2021-03-31",
    }
    assert (sf["framework"], sf["outcome_months"], sf["recurrence_reopens"], sf["ends_on"]) == (
        "SF2022", 6, True, "2025-03-31"
    )
    assert json.loads(json.dumps(tf)) == tf  # JSON-safe as it is


# ------------------------------------------------------------------ what a frozen claim line needs (review finding)


def test_the_verdicts_carry_the_eligibility_evidence_and_the_event_kinds():
    c = Cohort()
    f = c.family(ATTACHED, ["crime_asb", "health"])
    f.problem("crime_asb", member="adult1")  # a second member with the same problem
    other = c.family("2017-03-01", ["school", "health"])
    verdicts = evaluate(c.frames(), "2016-12-31")
    eligibility = verdicts.eligibility
    assert list(eligibility.columns) == [
        "family_id",
        "attachment_id",
        "problem_id",
        "problem_number",
        "problem_name",
        "descriptor_code",
        "descriptor_wording",
        "evidence_source",
        "evidence_date",
    ]
    mine = eligibility[eligibility["family_id"] == f.id]
    assert mine["problem_name"].tolist() == ["crime_asb", "crime_asb", "health"]
    assert mine["descriptor_code"].tolist() == ["D1", "D1", "D6"]
    assert (mine["evidence_date"] == T(ATTACHED)).all() and set(mine["evidence_source"]) == {"school"}
    assert other.id not in set(eligibility["family_id"])  # attached after the as-of date: not judged
    problems = verdicts.problems.set_index("problem_name")
    assert problems.loc["crime_asb", "event_kinds"] == ("offence", "asb")
    assert problems.loc["health", "event_kinds"] == ()


def test_stored_verdicts_carry_the_same_values_as_the_records_shown():
    """The nightly refresh writes each verdict a column at a time: the same JSON values as the row-by-row
    conversion of the page (dates as ISO text; NaT, NaN, NA and missing text as None; numbers as Python's)."""
    from datetime import date

    from tfclaims.engine.queries import _json_ready, _json_values, _plain, records

    frame = pd.DataFrame(
        {
            "family_id": [1, 2, 3],
            "claimable": [True, False, True],
            "claimable_on": pd.to_datetime(["2024-11-20", None, "1999-01-31"]).astype("datetime64[s]"),
            "ce_member_id": pd.array([7, None, 9], dtype="Int64"),
            "value": [1.5, np.nan, 0.0],
            "route": pd.Series(["SSP", None, ""], dtype="str"),
            "reason": np.array(["Claimable", None, "Not yet"], dtype=object),
            "event_kinds": [("police_incident",), (), ("asb",)],
            "settings": [{"min_problems": 2}, {}, {"min_problems": 3}],
        }
    )
    assert records(frame) == [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    assert [type(r["claimable_on"]) for r in records(frame)] == [date, type(None), date]
    assert [type(r["family_id"]) for r in records(frame)] == [int, int, int]
    expected = [_json_ready(record) for record in records(frame)]
    assert _json_values(frame) == expected
    assert expected[1]["claimable_on"] is None and expected[0]["claimable_on"] == "2024-11-20"
    assert [type(r["ce_member_id"]) for r in _json_values(frame)] == [int, type(None), int]
