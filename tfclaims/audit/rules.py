"""Which parts of an audit event carry personal data, and what a reader who may not open family records sees.

Pure: imports nothing of the database or Flask. The audit trail shows an event in full only to a reader who may
open the record it describes. Every other reader keeps the event, its actor, its time and its record type, and
sees each personal value, and the summary of any event about a family, replaced by a neutral text.

The rule fails closed: in a record about a family or a person, every field is personal except the record links
in ``NEUTRAL_FIELDS``, so a column added later is hidden until someone decides otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HIDDEN_SUMMARY = "Personal details hidden: you cannot open family records"
HIDDEN_VALUE = "(hidden)"

# Record types (table names) whose rows describe a family or one of its members.
FAMILY_RECORDS = frozenset({
    "family",
    "member",
    "consent",
    "attachment",
    "identified_problem",
    "measure",
    "event",
    "employment_spell",
    "status_episode",
    "manual_evidence",
    "claim_line",
})

# Fields that are personal wherever they appear: a person's names, date of birth, address and identifiers, and free
# text written about a family or a person.
PERSONAL_FIELDS = frozenset({
    "forenames", "surname", "full_name", "date_of_birth", "sex", "relationship_to_lead", "resident", "expectant",
    "postcode", "upn", "nhs_number", "ni_number", "pnc_number", "case_reference",
    "notes", "note", "closure_note", "statement", "decision_reason", "state_reason", "audit_note",
    "employer",
})

# Fields that are personal in a family record: consent and lawful basis, what happened to a member and when, the
# problems identified and their evidence, and the family's own details. Listed so the decision is written down; any
# other field of a family record not in NEUTRAL_FIELDS is hidden as well (``is_personal`` fails closed).
FAMILY_PERSONAL_FIELDS = frozenset({
    # Family: its reference is how the trail names it, but a change of reference is the family's own detail.
    "reference", "lead_practitioner", "team",
    # Consent, its scope, who gave it, and the lawful basis where there is none.
    "status", "recorded_on", "lawful_basis", "scope", "given_by", "special_category_basis", "statute",
    # Attachment and identified problems.
    "attached_on", "closed_on", "closure_reason", "confirmed_not_sustained", "problem_id", "descriptor_id",
    "evidence_source", "evidence_date", "identified_after_attachment",
    # Progress: measures, events, employment, status episodes and manual evidence.
    "kind", "value", "source", "occurred_on", "period_label", "period_start", "period_end", "started_on",
    "ended_on", "end_reason", "hours_per_week", "prior_benefit", "progress_from", "decided_at", "decided_on",
    # Claim lines: the family's route, dates and verdicts, and why a line was removed or checked.
    "family_reference", "route", "plan_label", "framework", "claimable_on", "result_payment_pence", "snapshot",
    "frozen_at", "state", "holds_family", "disposition", "reason", "sampled", "sample_round", "round",
    "check_eligible", "check_whole_family", "check_evidenced", "audit_verdict", "verdict", "audited_at",
    # ... and when its family was erased (the line outlives it).
    "erased_at",
})

# The only fields of a family record shown to every reader: links between records, which name nobody.
NEUTRAL_FIELDS = frozenset({
    "id", "family_id", "member_id", "attachment_id", "claim_id", "plan_version_id", "recorded_by_id",
    "decided_by_id", "audited_by_id", "auditor_id", "line_hash", "content_hash", "data_version",
    "import_row_id",  # the partner file's row a record came from (a link; the row's values are not in the trail)
})


def is_family_event(entity: str | None, family_id: int | None) -> bool:
    """Whether an event describes a family or one of its members (and so may carry personal data)."""
    return family_id is not None or (entity or "") in FAMILY_RECORDS


def is_personal(entity: str | None, family_id: int | None, field: str) -> bool:
    """Whether the value of ``field`` in such an event is personal data."""
    if field in PERSONAL_FIELDS:
        return True
    # FAMILY_PERSONAL_FIELDS is included here by failing closed: every field of a family event but the links.
    return is_family_event(entity, family_id) and field not in NEUTRAL_FIELDS


def visible_summary(entity: str | None, family_id: int | None, summary: str, may_see_families: bool) -> str:
    """The summary as this reader may see it. Summaries of family events were written with names and problems in
    them before this rule, so they are hidden whole from readers who may not open families."""
    if may_see_families or not summary or not is_family_event(entity, family_id):
        return summary
    return HIDDEN_SUMMARY


def visible_changes(entity: str | None, family_id: int | None, changes: Mapping[str, Any] | None,
                    may_see_families: bool) -> dict[str, Any]:
    """The changed fields as this reader may see them: personal values become ``HIDDEN_VALUE`` (the field name and
    whether a value was there stay, so "added", "changed" and "removed" can still be told apart)."""
    if may_see_families:
        return dict(changes or {})
    shown: dict[str, Any] = {}
    for field, change in (changes or {}).items():
        if not is_personal(entity, family_id, field):
            shown[field] = change
        elif isinstance(change, list | tuple) and len(change) == 2:
            shown[field] = [_hide(change[0]), _hide(change[1])]
        else:
            shown[field] = [None, _hide(change)]
    return shown


# ---------------------------------------------------------------- reads (access events)

# What a read can be: a family's page viewed, a search of the register, a file downloaded.
ACCESS_ACTIONS = ("viewed", "searched", "downloaded")
HIDDEN_DETAIL = "Details hidden: you cannot open family records"


def visible_detail(detail: Mapping[str, Any] | None, may_see_families: bool) -> dict[str, Any] | None:
    """A read's particulars as this reader may see them, or None when hidden.

    Every particular of a read is personal or points at a person (the terms of a search, which may be a name or an
    NHS number; the families it listed; a file's name, which may carry a family reference), so the rule fails
    closed: a reader who may not open family records sees none of it, only that the read happened, who read,
    when, and what was read in words (the event's ``what``)."""
    return dict(detail or {}) if may_see_families else None


def _hide(value: Any) -> Any:
    return None if value is None else HiddenValue()


class HiddenValue:
    """A personal value masked for this reader: shown as ``HIDDEN_VALUE``, never as the value itself."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HiddenValue)

    def __hash__(self) -> int:
        return hash(HIDDEN_VALUE)

    def __repr__(self) -> str:
        return HIDDEN_VALUE

    def __str__(self) -> str:
        return HIDDEN_VALUE
