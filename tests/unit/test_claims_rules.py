"""The claim rules: the state machine by role, the audit sample, the hashes, the cap and the default windows."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from tfclaims.auth.roles import Role
from tfclaims.claims import rules
from tfclaims.claims.models import DRAFT, IN_AUDIT, RECONCILED, SIGNED_OFF, SUBMITTED

STATUSES = (DRAFT, IN_AUDIT, SIGNED_OFF, SUBMITTED, RECONCILED)
ALLOWED = {
    ("send_to_audit", DRAFT, Role.CLAIMS_OFFICER),
    ("sign_off", IN_AUDIT, Role.MANAGER),
    ("submit", SIGNED_OFF, Role.CLAIMS_OFFICER),
    ("reconcile", SUBMITTED, Role.CLAIMS_OFFICER),
}


@pytest.mark.parametrize("action", list(rules.TRANSITIONS))
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", list(Role))
def test_every_transition_by_every_role_from_every_status(action, status, role):
    problem = rules.transition_problem(action, status, {role})
    if (action, status, role) in ALLOWED:
        assert problem is None
    else:
        assert problem, (action, status, role)


def test_the_refusal_says_why():
    assert "only a claim that is in audit" in rules.transition_problem("sign_off", DRAFT, {Role.MANAGER})
    assert rules.transition_problem("sign_off", IN_AUDIT, {Role.CLAIMS_OFFICER}) == "Only a manager can do that."
    assert rules.transition_problem("fly", DRAFT, {Role.MANAGER}) == "That is not a step a claim can take."


@pytest.mark.parametrize(
    "verdicts, allowed, words",
    [
        (["pass", "pass"], True, None),
        (["pass", "fail"], False, "1 failed"),
        (["query", "pass"], False, "1 in query"),
        ([None, "pass"], False, "1 not checked yet"),
        ([], False, "no sampled lines"),
    ],
)
def test_sign_off_needs_every_sampled_line_passed(verdicts, allowed, words):
    lines = [rules.SampleLine(f"S{n}", "SSP", sampled=True, verdict=v) for n, v in enumerate(verdicts)]
    problem = rules.sign_off_problem(lines + [rules.SampleLine("S9", "SSP")])
    assert (problem is None) is allowed
    if words:
        assert words in problem


def test_sign_off_needs_a_passed_sampled_line_in_every_route():
    """A route whose sampled line was removed (and not topped up) has nothing passed: the refusal names it."""
    lines = [
        rules.SampleLine("S1", "SSP", sampled=True, verdict="pass"),
        rules.SampleLine("C1", "CE", included=False, sampled=True, verdict="fail"),
        rules.SampleLine("C2", "CE"),
    ]
    problem = rules.sign_off_problem(lines)
    assert problem == (
        "The claim cannot be signed off until internal audit has passed a sampled line in the CE route "
        "(continuous employment): every route in the claim needs at least one."
    )
    # Topped up and passed: allowed. A removed route needs nothing.
    lines[2] = rules.SampleLine("C2", "CE", sampled=True, sample_round=1, verdict="pass")
    assert rules.sign_off_problem(lines) is None
    assert rules.sign_off_problem(lines[:2]) is None
    # Both reasons at once, in one message.
    lines[2] = rules.SampleLine("C2", "CE", sampled=True, sample_round=1)
    problem = rules.sign_off_problem(lines)
    assert problem.startswith("The claim cannot be signed off while sampled lines are 1 not checked yet.")
    assert "It cannot be signed off until internal audit has passed a sampled line in the CE route" in problem


@pytest.mark.parametrize(
    "count, percent, expected",
    [(0, 10, 0), (1, 10, 1), (9, 10, 1), (10, 10, 1), (11, 10, 2), (25, 10, 3), (5, 100, 5), (3, 50, 2)],
)
def test_sample_size_rounds_up_with_at_least_one(count, percent, expected):
    assert rules.sample_size(count, percent) == expected


def _lines(ssp: int, ce: int) -> list[tuple[str, str]]:
    return [(f"S{i:04d}", "SSP") for i in range(ssp)] + [(f"C{i:04d}", "CE") for i in range(ce)]


def test_same_seed_same_sample_whatever_the_order():
    lines = _lines(120, 30)
    first = rules.draw_sample(lines, 10, seed=20191001)
    assert first == rules.draw_sample(list(reversed(lines)), 10, seed=20191001)
    assert first != rules.draw_sample(lines, 10, seed=20191002)


def test_the_sample_is_stratified_by_route():
    sample = rules.draw_sample(_lines(120, 30), 10, seed=7)
    by_route = Counter(ref[0] for ref in sample)
    assert by_route == {"S": 12, "C": 3}


def test_a_small_route_gets_at_least_one():
    sample = rules.draw_sample(_lines(40, 1), 10, seed=3)
    assert "C0000" in sample
    assert len(sample) == 5


def test_line_hash_is_the_sha256_of_one_spelling():
    a = {"family": {"reference": "BRK-1", "route": "SSP"}, "problems": [1, 2]}
    b = {"problems": [1, 2], "family": {"route": "SSP", "reference": "BRK-1"}}
    assert rules.line_hash(a) == rules.line_hash(b)
    assert len(rules.line_hash(a)) == 64
    assert rules.line_hash(a) != rules.line_hash(a | {"problems": [1]})


def test_content_hash_depends_on_every_line_not_their_order():
    lines = [("BRK-2", "b" * 64), ("BRK-1", "a" * 64)]
    assert rules.content_hash(lines) == rules.content_hash(list(reversed(lines)))
    assert rules.content_hash(lines) != rules.content_hash(lines[:1])
    assert rules.content_hash(lines) != rules.content_hash([("BRK-2", "c" * 64), ("BRK-1", "a" * 64)])


@pytest.mark.parametrize(
    "allocation, claimed, adding, allowed",
    [(100, 90, 10, True), (100, 90, 11, False), (100, 100, 1, False), (0, 0, 0, True), (5, 7, 1, False)],
)
def test_the_allocation_cap(allocation, claimed, adding, allowed):
    problem = rules.allocation_problem(allocation, claimed, adding, "TF 2015-21")
    assert (problem is None) is allowed


def test_the_cap_message_says_how_many_can_still_be_claimed():
    problem = rules.allocation_problem(1200, 1150, 80, "Troubled Families 2015 to 2021")
    assert problem == (
        "The allocation for Troubled Families 2015 to 2021 is 1,200 results and 1,150 are already claimed, so 50 "
        "more can be claimed: you selected 80. Select 50 or fewer families."
    )


def test_quarter_windows_of_a_financial_year():
    windows = rules.quarter_windows(2026)
    assert [(w["label"], w["starts_on"], w["ends_on"], w["submission_deadline"]) for w in windows] == [
        ("2026-27 Q1", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 31)),
        ("2026-27 Q2", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 31)),
        ("2026-27 Q3", date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 31)),
        ("2026-27 Q4", date(2027, 1, 1), date(2027, 3, 31), date(2027, 4, 30)),
    ]


@pytest.mark.parametrize("on, year", [(date(2026, 4, 1), 2026), (date(2026, 3, 31), 2025), (date(2027, 1, 15), 2026)])
def test_financial_year(on, year):
    assert rules.financial_year(on) == year


def test_claims_are_judged_as_of_the_window_end_or_today():
    assert rules.claim_as_of(date(2019, 9, 30), date(2026, 1, 1)) == date(2019, 9, 30)
    assert rules.claim_as_of(date(2026, 12, 31), date(2026, 12, 2)) == date(2026, 12, 2)


@pytest.mark.parametrize(
    "kind, events, source",
    [
        ("held_over_periods", None, "school"),
        ("reduction", ["offence", "asb"], "police"),
        ("no_events", ["exclusion"], "school"),
        ("status_ended", None, "social_care"),
        ("continuous_employment", None, "dwp"),
        ("manual", None, "practitioner"),
        (None, None, "practitioner"),
    ],
)
def test_outcome_source(kind, events, source):
    assert rules.outcome_source(kind, events) == source


# ---------------------------------------------------------------- the sample stays whole (issue 11, item 3)


def _sample(lines: list[tuple[str, str]], percent: int, seed: int) -> list[rules.SampleLine]:
    drawn = rules.draw_sample(lines, percent, seed)
    return [rules.SampleLine(ref, route, sampled=ref in drawn, sample_round=0 if ref in drawn else None)
            for ref, route in lines]


def _remove(lines: list[rules.SampleLine], *references: str) -> list[rules.SampleLine]:
    return [replace(line, included=False) if line.reference in references else line for line in lines]


def test_removing_the_only_sampled_line_of_a_route_tops_it_up_reproducibly():
    lines = _sample(_lines(40, 5), 10, seed=11)
    [ce] = [line.reference for line in lines if line.sampled and line.route == "CE"]
    after = _remove(lines, ce)
    added = rules.top_up_sample(after, 10, seed=11, sample_round=1)
    assert len(added) == 1 and added.pop().startswith("C")
    # Same seed, same lines, same round: the same top-up, whatever order the lines come in.
    first = rules.top_up_sample(after, 10, seed=11, sample_round=1)
    assert first == rules.top_up_sample(list(reversed(after)), 10, seed=11, sample_round=1)
    assert ce not in first
    # Nothing removed, nothing missing: no top-up.
    assert rules.top_up_sample(lines, 10, seed=11, sample_round=1) == set()


def test_the_top_up_keeps_the_percentage_of_the_lines_still_in_the_claim():
    lines = _sample(_lines(120, 30), 10, seed=5)
    sampled_ssp = [line.reference for line in lines if line.sampled and line.route == "SSP"]
    assert len(sampled_ssp) == 12
    # Three sampled SSP lines removed and two unsampled ones: 115 SSP lines left, 10% is 12, 9 still sampled.
    unsampled = [line.reference for line in lines if not line.sampled and line.route == "SSP"][:2]
    after = _remove(lines, *sampled_ssp[:3], *unsampled)
    added = rules.top_up_sample(after, 10, seed=5, sample_round=1)
    assert len(added) == 3 and all(ref.startswith("S") for ref in added)
    assert not added & set(sampled_ssp) and not added & set(unsampled)


def test_a_route_with_nothing_left_to_draw_is_not_topped_up():
    lines = _sample([("S1", "SSP"), ("S2", "SSP"), ("C1", "CE")], 10, seed=3)
    assert rules.top_up_sample(_remove(lines, "C1"), 10, seed=3, sample_round=1) == set()


def test_the_sample_report_says_what_the_sample_really_is():
    lines = [
        rules.SampleLine("S1", "SSP", sampled=True, sample_round=0, verdict="pass"),
        rules.SampleLine("S2", "SSP", included=False, sampled=True, sample_round=0, verdict="fail"),
        rules.SampleLine("S3", "SSP", sampled=True, sample_round=1),
        rules.SampleLine("S4", "SSP"),
        rules.SampleLine("S5", "SSP", included=False),
        rules.SampleLine("C1", "CE", sampled=True, sample_round=None, verdict="query"),
        rules.SampleLine("C2", "CE", sampled=True, sample_round=2, verdict="fail"),
    ]
    ssp, ce = rules.sample_report(lines)
    assert (ssp.route, ssp.lines, ssp.first_draw, ssp.topped_up, ssp.removed) == ("SSP", 3, 2, 1, 1)
    assert (ssp.passed, ssp.failed, ssp.queried, ssp.not_checked, ssp.in_sample) == (1, 0, 0, 1, 2)
    assert (ce.route, ce.lines, ce.first_draw, ce.topped_up, ce.removed) == ("CE", 2, 1, 1, 0)
    assert (ce.passed, ce.failed, ce.queried, ce.not_checked, ce.in_sample) == (0, 1, 1, 0, 2)


# ---------------------------------------------------------------- separation of duties (issue 11, item 4)


def test_the_builder_cannot_check_or_sign_off_and_a_checker_cannot_sign_off():
    assert "You built this claim, so you cannot record its audit checks" in rules.check_duty_problem(5, 5)
    assert rules.check_duty_problem(6, 5) is None
    assert rules.sign_off_duty_problem(5, 5, set()) == "You built this claim, so you cannot sign it off: another " \
        "manager must."
    assert "You recorded an internal audit check on this claim" in rules.sign_off_duty_problem(7, 5, {7, 8})
    assert rules.sign_off_duty_problem(9, 5, {7, 8}) is None


def test_the_phase_of_a_claim_in_words():
    assert rules.phase_label("Troubled Families 2015-21", "SSP CE") == "Troubled Families 2015-21: results"
    assert rules.phase_label("Supporting Families 2022-25", "SFO") == (
        "Supporting Families 2022-25: successful family outcomes"
    )


@pytest.mark.parametrize(
    ("kind", "event_kinds", "source"),
    [
        ("held_over_periods", None, "school"),
        ("held_below_over_periods", None, "school"),  # absence comes from schools too, not the practitioner
        ("no_events", ["exclusion"], "school"),
        ("no_events", ["offence", "exclusion"], "police"),
        ("status_ended", None, "social_care"),
        ("continuous_employment", None, "dwp"),
        (None, None, "practitioner"),
    ],
)
def test_the_outcome_source_follows_the_criterion(kind, event_kinds, source):
    assert rules.outcome_source(kind, event_kinds) == source


def test_whole_family_working_in_a_sentence():
    from tfclaims.claims.rules import working_summary

    assert working_summary({"reference": "F1"}) == "Not recorded when the line was frozen"
    frozen = {"working_lead_on": "2024-01-03", "working_assessed_on": "2024-01-25", "working_plan_on": None,
              "working_taf_on": "2024-02-01"}
    assert working_summary(frozen) == ("Lead practitioner 2024-01-03; assessment 2024-01-25; plan not recorded; "
                                       "team around the family 2024-02-01")
