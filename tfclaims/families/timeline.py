"""Turn a family's audit events into the plain-English timeline shown on the family page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tfclaims.audit.models import AuditEvent
from tfclaims.families.models import CLOSURE_REASONS, CONSENT_STATUSES, Family
from tfclaims.progress.models import EVENT_KINDS, STATUS_KINDS

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
    return " ".join(n for n in names if n) or "a member"


def _fields(event: AuditEvent) -> str:
    return ", ".join(FIELD_LABELS.get(k, k.replace("_", " ")) for k in (event.changes or {}))


def describe(family: Family, event: AuditEvent) -> TimelineEntry | None:
    key = (event.entity, event.action)
    changes = event.changes or {}
    title, detail = None, ""
    if key == ("family", "create"):
        title = "Family added to the register"
    elif key == ("family", "update"):
        title, detail = "Family details changed", _fields(event).capitalize()
    elif key == ("member", "create"):
        title = f"{_name(family, event)} added as a member"
    elif key == ("member", "update"):
        title, detail = f"{_name(family, event)}'s details changed", _fields(event).capitalize()
    elif key == ("member", "delete"):
        title = f"{_name(family, event)} removed from the family"
    elif key == ("consent", "create"):
        status = (changes.get("status") or [None, ""])[1]
        member = next((m for m in family.members if m.id == (changes.get("member_id") or [None, None])[1]), None)
        title = f"Consent {CONSENT_STATUSES.get(status, status).lower()}" + (
            f" by {member.full_name}" if member else ""
        )
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
    return TimelineEntry(event.at, event.actor_label, title, detail) if title else None


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
        return f"{noun} changed", _fields(event).capitalize()
    detail = ""
    if event.action == "create" and event.entity == "measure":
        detail = str(value("period_label") or "")
    return f"{noun} {VERBS[event.action]}", detail


def describe_events(family: Family, events: list[AuditEvent]) -> list[TimelineEntry]:
    return [entry for entry in (describe(family, e) for e in events) if entry is not None]
