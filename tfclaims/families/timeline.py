"""Turn a family's audit events into the plain-English timeline shown on the family page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from tfclaims.audit.models import AuditEvent
from tfclaims.audit.redaction import REDACTED
from tfclaims.families import rules
from tfclaims.families.models import (
    CLOSURE_REASONS,
    CONSENT_SCOPE_PHRASES,
    CONSENT_STATUSES,
    RELATIONSHIPS,
    SEXES,
    Family,
)
from tfclaims.progress.models import EVENT_KINDS, STATUS_KINDS
from tfclaims.retention.vocabulary import MEMBER_ERASURE_REASONS
from tfclaims.text import long_date

# Progress records: what each is called on the timeline.
PROGRESS_RECORDS = {
    "measure": "School attendance",
    "employment_spell": "Employment",
    "manual_evidence": "Evidence of progress",
}
VERBS = {"create": "recorded", "update": "changed", "delete": "deleted"}

FIELD_LABELS = {
    "reference": "reference",
    "lead_practitioner": "lead practitioner",
    "team": "team",
    "notes": "notes",
    "forenames": "forenames",
    "surname": "surname",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "relationship_to_lead": "relationship",
    "resident": "residence",
    "expectant": "expectant parent",
    "postcode": "postcode",
    "upn": "unique pupil number",
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "pnc_number": "PNC number",
    "case_reference": "case-management reference",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    title: str
    detail: str = ""


def _name(family: Family, event: AuditEvent) -> str:
    member = next((m for m in family.members if m.id == event.entity_id), None)
    if member:
        return member.full_name
    changes = event.changes or {}
    names = [
        str((changes.get(k) or [None, None])[0] or (changes.get(k) or [None, None])[1] or "")
        for k in ("forenames", "surname")
    ]
    # A member erased on request: their names in the trail were redacted.
    return " ".join(n for n in names if n and n != REDACTED) or (
        "A member whose records were erased" if event.redacted_at else "a member"
    )


def _first_upper(words: str) -> str:
    """"NHS number, surname" stays as it is; "surname, NHS number" becomes "Surname, NHS number"."""
    return words[:1].upper() + words[1:]


def _fields(event: AuditEvent) -> str:
    return ", ".join(FIELD_LABELS.get(k, k.replace("_", " ")) for k in (event.changes or {}))


def describe(family: Family, event: AuditEvent) -> TimelineEntry | None:
    key = (event.entity, event.action)
    changes = event.changes or {}
    title, detail = None, ""
    if key == ("family", "create"):
        title = "Family added to the register"
    elif key == ("family", "update"):
        title, detail = "Family details changed", _first_upper(_fields(event))
    elif key == ("member", "create"):
        title = f"{_name(family, event)} added as a member"
    elif key == ("member", "update"):
        title, detail = f"{_name(family, event)}'s details changed", _first_upper(_fields(event))
    elif key == ("member", "member_corrected"):
        title = f"Reason given for correcting {_name(family, event)}'s details"
        detail = str((changes.get("reason") or [None, ""])[1] or "")
    elif key == ("member", "delete"):
        title = f"{_name(family, event)} removed from the family"
    elif key == ("member", "member_erased"):
        title = "A member's records were erased"
        reason = str(changes.get("reason") or "")
        detail = MEMBER_ERASURE_REASONS.get(reason, "")
    elif key == ("legal_hold", "create"):
        title = "Put on legal hold: the family's records are not erased while it lasts"
    elif key == ("legal_hold", "update") and (changes.get("released_on") or [None, None])[1]:
        title = "Legal hold released"
    elif key == ("consent", "create") and event.redacted_at:
        title = "Consent decision about a member whose records were erased"
    elif key == ("consent", "create"):
        title, detail = _consent(family, changes)
    elif event.action == "family_attached":
        title, detail = "Attached to the programme", event.summary
    elif event.action == "attachment_closed":
        attachment = next((a for a in family.attachments if a.id == event.entity_id), None)
        title = "Attachment closed"
        if attachment and attachment.closure_reason:
            detail = CLOSURE_REASONS.get(attachment.closure_reason, attachment.closure_reason)
        not_sustained = (changes.get("confirmed_not_sustained") or [None, None])[1]
        if not_sustained:
            detail = (
                f"{detail or 'Outcomes achieved'}, confirmed although not sustained: {'; '.join(not_sustained)}"
            )
    elif key == ("identified_problem", "create") and (changes.get("identified_after_attachment") or [None, False])[1]:
        title = "Problem identified after attachment"
    elif event.action == "evidence_signed_off":
        title, detail = "Evidence of progress signed off", event.summary
    elif event.action == "evidence_not_accepted":
        title, detail = "Evidence of progress not accepted", event.summary
    elif event.action in VERBS and event.entity in {*PROGRESS_RECORDS, "event", "status_episode"}:
        title, detail = _progress(event)
    if event.redacted_at and REDACTED in detail:
        detail = ""  # the personal particulars of an erased person: nothing to say
    return TimelineEntry(event.at, event.actor_label, title, detail) if title else None


def _consent(family: Family, changes: dict) -> tuple[str, str]:
    """"Alex Smith withdrew consent to matching with partner data", "Consent to the national evaluation given for
    Casey Smith by a parent", "Consent to programme work ... not sought from Jordan Smith", with the lawful basis
    relied on where there is no consent."""

    def new(name: str, default=""):
        return (changes.get(name) or [None, default])[1] or default

    status, scope, given_by = new("status"), new("scope", "programme"), new("given_by", "self")
    member = next((m for m in family.members if m.id == new("member_id", None)), None)
    name = member.full_name if member else "a member"
    what = f"consent to {CONSENT_SCOPE_PHRASES.get(scope, scope.replace('_', ' '))}"
    if status == "not_sought":
        title = f"{what.capitalize()} not sought from {name}"
    elif given_by != "self":
        verb = CONSENT_STATUSES.get(status, status).lower()
        title = f"{what.capitalize()} {verb} for {name} by {'a parent' if given_by == 'parent' else 'a carer'}"
    else:
        verb = {"given": "gave", "refused": "refused", "withdrawn": "withdrew"}.get(status, status)
        title = f"{name} {verb} {what}"
    detail = ""
    if status in rules.NO_CONSENT and new("lawful_basis"):
        basis = rules.basis_words(new("lawful_basis"), new("special_category_basis"), new("statute"))
        detail = f"Work continues under {basis}"
    return title, detail


def _progress(event: AuditEvent) -> tuple[str, str]:
    """'Offence recorded', 'Child protection plan changed: ended on', 'School attendance recorded: Autumn term 2016'."""
    changes = event.changes or {}

    def value(field: str):
        old, new = (changes.get(field) or [None, None])[:2]
        return new if new is not None else old

    if event.entity == "event":
        noun = EVENT_KINDS.get(value("kind"), "Event")
    elif event.entity == "status_episode":
        noun = STATUS_KINDS.get(value("kind"), "Plan")
    else:
        noun = PROGRESS_RECORDS[event.entity]
    if event.action == "update":
        return f"{noun} changed", _first_upper(_fields(event))
    detail = ""
    if event.action == "create" and event.entity == "measure":
        detail = str(value("period_label") or "")
    return f"{noun} {VERBS[event.action]}", detail


def describe_events(family: Family, events: list[AuditEvent]) -> list[TimelineEntry]:
    return [entry for entry in (describe(family, e) for e in events) if entry is not None]


# ---------------------------------------------------------------- rectification: "Changes to this record"


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RecordChange:
    """One change to a member's record: when, by whom, each field's old and new value, and the reason given."""

    at: datetime
    actor: str
    fields: list[FieldChange] = field(default_factory=list)
    reason: str = ""


NONE = "(none)"


def _shown(key: str, value) -> str:
    """A changed value as the page shows it: dates in words, codes as their labels, NHS numbers spaced."""
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "date_of_birth":
        try:
            return long_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if key == "sex":
        return SEXES.get(value, str(value))
    if key == "relationship_to_lead":
        return RELATIONSHIPS.get(value, str(value))
    if key == "nhs_number" and len(str(value)) == 10:
        value = str(value)
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return str(value)


def _label(key: str) -> str:
    return _first_upper(FIELD_LABELS.get(key, key.replace("_", " ")))


def describe_record_changes(family: Family, events: dict[int, list[AuditEvent]]) -> dict[int, list[RecordChange]]:
    """Each member's changes (newest first) from their ``update`` audit events, each with the reason from the
    ``member_corrected`` event written just after it in the same save."""
    described: dict[int, list[RecordChange]] = {}
    for member_id, member_events in events.items():
        rows: list[RecordChange] = []
        reason = ""
        for event in member_events:  # newest first: a reason comes before the change it explains
            changes = event.changes or {}
            if event.action == "member_corrected":
                reason = str((changes.get("reason") or [None, ""])[1] or "")
                continue
            fields = [
                FieldChange(_label(key), _shown(key, old), _shown(key, new))
                for key, (old, new) in ((k, (list(v or []) + [None, None])[:2]) for k, v in changes.items())
            ]
            if fields:
                rows.append(RecordChange(event.at, event.actor_label, fields, reason))
            reason = ""
        if rows:
            described[member_id] = rows
    return described
