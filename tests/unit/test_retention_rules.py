"""The retention rules, pure and table-driven: when records fall due, the cutoff the database compares with, what
holds a family, a member's erasure refused, and an erased claim line's sealed snapshot."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest

from tfclaims.audit.redaction import REDACTED, redact_changes, redact_detail
from tfclaims.claims.rules import line_hash
from tfclaims.retention import rules
from tfclaims.retention.vocabulary import (
    ATTACHMENT_CLOSED,
    AUDIT_WINDOW,
    CLOSURE_OR_PHASE_END,
    LEGAL_HOLD,
    PHASE_ENDED,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_rules_import_nothing_of_the_database_or_the_web():
    seen, todo = set(), ["tfclaims.retention.rules"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = ROOT / (name.replace(".", "/") + ".py")
        if not name.startswith("tfclaims") or not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                todo += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    assert not {n for n in seen if n.split(".")[0] in ("sqlalchemy", "flask", "flask_sqlalchemy", "wtforms")}


@pytest.mark.parametrize(("start", "years", "expected"), [
    (date(2016, 5, 1), 8, date(2024, 5, 2)),
    (date(2016, 12, 31), 8, date(2025, 1, 1)),
    (date(2016, 2, 29), 8, date(2024, 3, 1)),  # 2024 is a leap year: the anniversary is 29 February
    (date(2016, 2, 29), 1, date(2017, 3, 1)),  # 2017 has no 29 February: kept to the 28th, due the 1st of March
    (date(2021, 3, 31), 8, date(2029, 4, 1)),
])
def test_records_are_due_the_day_after_the_anniversary(start, years, expected):
    assert rules.due_on(start, years) == expected
    assert rules.is_due(start, expected, years)
    assert not rules.is_due(start, expected - timedelta(days=1), years)  # the anniversary itself: kept
    assert not rules.is_due(start, expected - timedelta(days=2), years)  # the day before: kept


def test_nothing_is_due_without_a_start():
    assert not rules.is_due(None, date(2099, 1, 1), 1)


@pytest.mark.parametrize("years", [1, 2, 4, 8, 10])
def test_the_cutoff_the_database_compares_with_says_what_is_due_exactly(years):
    """Every day over four years, leap days included: a start is due exactly when it is on or before the cutoff."""
    for offset in range(0, 1500, 1):
        as_of = date(2023, 1, 1) + timedelta(days=offset)
        cutoff = rules.last_due_start(as_of, years)
        assert rules.is_due(cutoff, as_of, years), (as_of, cutoff)
        assert not rules.is_due(cutoff + timedelta(days=1), as_of, years), (as_of, cutoff)


@pytest.mark.parametrize(("starts_from", "closed", "phase", "expected"), [
    (ATTACHMENT_CLOSED, date(2019, 5, 1), date(2021, 3, 31), date(2019, 5, 1)),
    (PHASE_ENDED, date(2019, 5, 1), date(2021, 3, 31), date(2021, 3, 31)),
    (CLOSURE_OR_PHASE_END, date(2019, 5, 1), date(2021, 3, 31), date(2021, 3, 31)),
    (CLOSURE_OR_PHASE_END, date(2022, 5, 1), date(2021, 3, 31), date(2022, 5, 1)),
    (CLOSURE_OR_PHASE_END, None, date(2021, 3, 31), None),
])
def test_the_period_starts_as_the_rule_says(starts_from, closed, phase, expected):
    assert rules.period_start(starts_from, closed, phase) == expected


def test_an_unknown_start_is_an_error():
    with pytest.raises(ValueError):
        rules.period_start("whenever", None, None)


def _row(**fields) -> rules.Row:
    defaults = dict(family_id=1, reference="FAM-1", registered_on=date(2015, 1, 1), attachments=1,
                    open_attachments=0, last_closed=date(2019, 5, 1), phase_ended=date(2021, 3, 31),
                    hold_since=None, last_submitted=None, unsubmitted_lines=0)
    return rules.Row(**(defaults | fields))


AS_OF = date(2030, 6, 1)


def test_a_closed_family_past_its_time_is_due_and_not_held():
    verdict = rules.judge(_row(), AS_OF, 8, CLOSURE_OR_PHASE_END, 6)
    assert verdict.due_since == date(2029, 4, 1)
    assert verdict.started_by == PHASE_ENDED
    assert not verdict.is_held


def test_an_open_attachment_is_never_due():
    assert rules.judge(_row(open_attachments=1), AS_OF, 8, CLOSURE_OR_PHASE_END, 6) is None


def test_a_family_never_attached_is_kept_from_its_registration():
    row = _row(attachments=0, last_closed=None, phase_ended=None, registered_on=date(2022, 6, 1))
    # Whatever the rule counts from: a family never attached has no closure or phase of its own.
    assert rules.judge(row, AS_OF, 8, CLOSURE_OR_PHASE_END, 6) is None
    assert rules.judge(row, date(2030, 6, 1), 8, ATTACHMENT_CLOSED, 6) is None
    verdict = rules.judge(row, date(2030, 6, 2), 8, ATTACHMENT_CLOSED, 6)
    assert verdict.started_by == "registered" and verdict.due_since == date(2030, 6, 2)


@pytest.mark.parametrize(("fields", "held", "window_ends"), [
    ({"hold_since": date(2030, 1, 1)}, [LEGAL_HOLD], None),
    ({"unsubmitted_lines": 1}, [AUDIT_WINDOW], None),
    ({"last_submitted": date(2024, 6, 1)}, [AUDIT_WINDOW], date(2030, 6, 1)),  # the window's last day
    ({"last_submitted": date(2024, 5, 31)}, [], None),  # the day after the window: no longer held
    ({"hold_since": date(2030, 1, 1), "last_submitted": date(2025, 1, 1)}, [LEGAL_HOLD, AUDIT_WINDOW],
     date(2031, 1, 1)),
])
def test_what_holds_a_family_whose_time_has_come(fields, held, window_ends):
    verdict = rules.judge(_row(**fields), AS_OF, 8, CLOSURE_OR_PHASE_END, 6)
    assert verdict.held == held
    assert verdict.audit_window_ends_on == window_ends


def test_a_member_is_not_erased_while_on_hold_or_while_a_claim_depends_on_the_family():
    assert rules.member_erasure_problem(None, None, None, False) is None
    assert "legal hold since 1 January 2030" in rules.member_erasure_problem(date(2030, 1, 1), None, None, False)
    unsubmitted = rules.member_erasure_problem(None, "BRK Q2 claim 1", None, True)
    assert "claim BRK Q2 claim 1 has not been submitted yet" in unsubmitted
    inside = rules.member_erasure_problem(None, "BRK Q2 claim 1", date(2031, 1, 15), False)
    assert "inside the department's audit window until 15 January 2031" in inside


def test_records_in_words():
    assert rules.counted({"member": 3, "attachment": 1, "measure": 14, "audit_event": 9}) == (
        "3 members, 1 attachment and 14 attendance records")
    assert rules.counted({"member": 1}) == "1 member"
    assert rules.counted({}) == "No records"


SNAPSHOT = {
    "as_of": "2020-09-30",
    "family": {"reference": "FAM-1", "route": "CE", "claimable_on": "2020-07-17"},
    "problems": [{"problem_number": 2, "evidence": "3 periods recorded"}],
    "adult": {"member_id": 7, "name": "Zebedee Quixote", "date_of_birth": "1979-02-13"},
    "result_payment_pence": 80000,
}


def test_an_erased_lines_snapshot_loses_the_name_and_keeps_a_meaningful_seal():
    original = line_hash(SNAPSHOT)
    redacted = rules.redact_snapshot(SNAPSHOT, original, date(2030, 6, 1))
    assert "Zebedee" not in str(redacted) and "1979-02-13" not in str(redacted)
    assert redacted["adult"]["name"] == rules.ERASED
    assert redacted["problems"] == SNAPSHOT["problems"] and redacted["family"] == SNAPSHOT["family"]
    assert rules.is_sealed(redacted) and not rules.is_sealed(SNAPSHOT)
    assert rules.seal_intact(redacted, original)
    # The seal still finds a change made afterwards, and a line hash that is not the one sealed.
    tampered = {**redacted, "result_payment_pence": 160000}
    assert not rules.seal_intact(tampered, original)
    assert not rules.seal_intact(redacted, "0" * 64)
    # Nothing to erase: no adult named, already erased, or another member.
    assert rules.redact_snapshot({**SNAPSHOT, "adult": None}, original, date(2030, 6, 1)) is None
    assert rules.redact_snapshot(redacted, original, date(2030, 6, 1)) is None
    assert rules.redact_snapshot(SNAPSHOT, original, date(2030, 6, 1), member_id=8) is None
    assert rules.redact_snapshot(SNAPSHOT, original, date(2030, 6, 1), member_id=7) is not None


def test_redaction_keeps_links_and_the_shape_of_each_change():
    changes = {"forenames": [None, "Zebedee"], "member_id": [None, 7], "family_id": [None, 3],
               "postcode": ["ZZ9 9ZZ", None], "note": "Zebedee said", "value": [90.0, 95.0]}
    redacted = redact_changes("member", 3, changes)
    assert redacted == {"forenames": [None, REDACTED], "member_id": [None, 7], "family_id": [None, 3],
                        "postcode": [REDACTED, None], "note": REDACTED, "value": [REDACTED, REDACTED]}
    assert redact_detail(3, {"search": "Quixote", "family_ids": [3, 4]}) == {
        "search": REDACTED, "family_ids": [3, 4]}
