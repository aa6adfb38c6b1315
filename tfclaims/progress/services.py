"""Use cases of recording a family's progress. They validate, write and flush; never commit.

Every insert, update and delete is audited by the mapper listeners of ``tfclaims.audit``; a manager's decision on
manual evidence also records a domain event. Messages name the member only on screen, never in a log.
"""

from __future__ import annotations

from datetime import date

from tfclaims import clock, people
from tfclaims.audit.services import record
from tfclaims.auth.roles import Role
from tfclaims.db import utcnow
from tfclaims.errors import DomainError, DuplicateValueError, NotAllowedError
from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Family, Member
from tfclaims.families.queries import get_member
from tfclaims.progress import queries, rules
from tfclaims.progress.models import (
    EPISODE_END_REASONS,
    EVENT_KINDS,
    EVENT_SOURCES,
    EVIDENCE_ACCEPTED,
    EVIDENCE_AWAITING,
    EVIDENCE_DECLINED,
    MEASURE_KINDS,
    MEASURE_SOURCES,
    PRIOR_BENEFITS,
    STATUS_KINDS,
    EmploymentSpell,
    Event,
    ManualEvidence,
    Measure,
    StatusEpisode,
)
from tfclaims.text import long_date

ATTENDANCE = "attendance"
MAX_NOTE = 1000
MAX_STATEMENT = 5000


# ---------------------------------------------------------------- shared checks


def _member(family_id: int, member_id: int | str | None) -> Member:
    """The member chosen, who must belong to the family."""
    text = str(member_id or "")
    member = get_member(family_id, int(text)) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    if member is None:
        raise DomainError("Select a member of this family", field="member_id")
    return member


def _check_day(member: Member, on: date | None, field: str, what: str) -> date:
    """A day of a member's record: entered, not in the future, not before the member was born."""
    if on is None:
        raise DomainError(f"Enter {what}", field=field)
    if on > clock.today():
        raise DomainError(f"{what.capitalize()} must be today or in the past", field=field)
    if rules.before_birth(member.date_of_birth, on):
        raise DomainError(
            f"{what.capitalize()} must be on or after the member's date of birth, {long_date(member.date_of_birth)}",
            field=field,
        )
    return on


def _choice(value: str | None, options: dict[str, str], field: str, message: str) -> str:
    if value not in options:
        raise DomainError(message, field=field)
    return value


def _text(value: str | None, limit: int, field: str, what: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError(f"{what.capitalize()} must be {limit:,} characters or fewer", field=field)
    return text


def _until(end: date | None) -> str:
    return f"to {long_date(end)}" if end else "with no end date"


def _apply(record_: object, values: dict) -> None:
    for key, value in values.items():
        setattr(record_, key, value)


def _delete(record_: object) -> None:
    db.session.delete(record_)
    db.session.flush()


# ---------------------------------------------------------------- measures (school attendance per term)


def _measure_values(family_id: int, data: dict, excluding_id: int | None = None) -> dict:
    kind = _choice(data.get("kind") or ATTENDANCE, MEASURE_KINDS, "kind", "Select what was measured")
    member = _member(family_id, data.get("member_id"))
    label = " ".join((data.get("period_label") or "").split())
    if not label:
        raise DomainError("Enter the term, like Autumn term 2016", field="period_label")
    if len(label) > 60:
        raise DomainError("The term must be 60 characters or fewer", field="period_label")
    start = _check_day(member, data.get("period_start"), "period_start", "the start of the term")
    end = _check_day(member, data.get("period_end"), "period_end", "the end of the term")
    if not end > start:
        raise DomainError("The end of the term must be after its start", field="period_end")
    problem = rules.percentage_problem(data.get("value"), MEASURE_KINDS[kind])
    if problem:
        raise DomainError(problem, field="value")
    source = _choice(data.get("source"), MEASURE_SOURCES, "source", "Select where the figure comes from")
    others = queries.member_measures(member.id, kind, excluding_id)
    clash = rules.first_overlapping(start, end, ((m.period_start, m.period_end, m) for m in others))
    if clash is not None:
        raise DuplicateValueError(
            f"{member.full_name} already has {MEASURE_KINDS[kind].lower()} recorded for {clash.period_label} "
            f"({long_date(clash.period_start)} to {long_date(clash.period_end)}), which overlaps this term. "
            "Change that record instead of adding another",
            field="period_start",
        )
    return {
        "kind": kind,
        "member_id": member.id,
        "member": member,
        "period_label": label,
        "period_start": start,
        "period_end": end,
        "value": float(rules.parse_number(data.get("value"))),
        "source": source,
    }


def add_measure(family: Family, **data) -> Measure:
    measure = Measure(family_id=family.id, **_measure_values(family.id, data))
    db.session.add(measure)
    db.session.flush()
    return measure


def update_measure(measure: Measure, **data) -> Measure:
    _apply(measure, _measure_values(measure.family_id, {"kind": measure.kind} | data, excluding_id=measure.id))
    db.session.flush()
    return measure


def delete_measure(measure: Measure) -> None:
    _delete(measure)


# ---------------------------------------------------------------- events


def _event_values(family_id: int, data: dict) -> dict:
    member = _member(family_id, data.get("member_id"))
    return {
        "member_id": member.id,
        "member": member,
        "kind": _choice(data.get("kind"), EVENT_KINDS, "kind", "Select what happened"),
        "occurred_on": _check_day(member, data.get("occurred_on"), "occurred_on", "the date it happened"),
        "source": _choice(data.get("source"), EVENT_SOURCES, "source", "Select who reported it"),
        "note": _text(data.get("note"), MAX_NOTE, "note", "the note"),
    }


def add_event(family: Family, **data) -> Event:
    event = Event(family_id=family.id, **_event_values(family.id, data))
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, **data) -> Event:
    _apply(event, _event_values(event.family_id, data))
    db.session.flush()
    return event


def delete_event(event: Event) -> None:
    _delete(event)


# ---------------------------------------------------------------- employment spells


def _spell_values(family_id: int, data: dict, excluding_id: int | None = None) -> dict:
    member = _member(family_id, data.get("member_id"))
    start = _check_day(member, data.get("started_on"), "started_on", "the start date")
    if not rules.of_working_age(member.date_of_birth, start):
        raise DomainError(
            f"Employment is recorded for members aged {rules.WORKING_AGE} or over: this member was "
            f"{people.age_on(member.date_of_birth, start)} on the start date",
            field="started_on",
        )
    end = data.get("ended_on")
    if end is not None:
        _check_day(member, end, "ended_on", "the end date")
        if not rules.ends_after_start(start, end):
            raise DomainError("The end date must be after the start date", field="ended_on")
    problem = rules.hours_problem(data.get("hours_per_week"))
    if problem:
        raise DomainError(problem, field="hours_per_week")
    benefit = _choice(
        data.get("prior_benefit"), PRIOR_BENEFITS, "prior_benefit", "Select the benefit the member was on before"
    )
    others = queries.member_spells(member.id, excluding_id)
    clash = rules.first_overlapping(start, end, ((s.started_on, s.ended_on, s) for s in others))
    if clash is not None:
        raise DuplicateValueError(
            f"This overlaps another spell of employment of {member.full_name}, from {long_date(clash.started_on)} "
            f"{_until(clash.ended_on)}. Change or end that spell instead",
            field="started_on",
        )
    return {
        "member_id": member.id,
        "member": member,
        "started_on": start,
        "ended_on": end,
        "hours_per_week": float(rules.parse_number(data.get("hours_per_week"))),
        "prior_benefit": benefit,
        "employer": _text(data.get("employer"), 160, "employer", "the employer"),
    }


def add_spell(family: Family, **data) -> EmploymentSpell:
    spell = EmploymentSpell(family_id=family.id, **_spell_values(family.id, data))
    db.session.add(spell)
    db.session.flush()
    return spell


def update_spell(spell: EmploymentSpell, **data) -> EmploymentSpell:
    _apply(spell, _spell_values(spell.family_id, data, excluding_id=spell.id))
    db.session.flush()
    return spell


def delete_spell(spell: EmploymentSpell) -> None:
    _delete(spell)


# ---------------------------------------------------------------- status episodes


def _episode_values(family_id: int, data: dict, excluding_id: int | None = None) -> dict:
    member = _member(family_id, data.get("member_id"))
    kind = _choice(data.get("kind"), STATUS_KINDS, "kind", "Select the kind of plan")
    start = _check_day(member, data.get("started_on"), "started_on", "the start date")
    end = data.get("ended_on")
    if end is not None:
        _check_day(member, end, "ended_on", "the end date")
        if not rules.ends_after_start(start, end):
            raise DomainError("The end date must be after the start date", field="ended_on")
    reason = data.get("end_reason") or None
    mismatch = rules.episode_end_problem(end, reason)
    if mismatch:
        raise DomainError(mismatch[1], field=mismatch[0])
    if reason is not None:
        _choice(reason, EPISODE_END_REASONS, "end_reason", "Select the reason the plan ended")
    others = queries.member_episodes(member.id, kind, excluding_id)
    clash = rules.first_overlapping(start, end, ((e.started_on, e.ended_on, e) for e in others))
    if clash is not None:
        raise DuplicateValueError(
            f"This overlaps another {STATUS_KINDS[kind].lower()} of {member.full_name}, from "
            f"{long_date(clash.started_on)} {_until(clash.ended_on)}. Change or end that plan instead",
            field="started_on",
        )
    return {
        "member_id": member.id,
        "member": member,
        "kind": kind,
        "started_on": start,
        "ended_on": end,
        "end_reason": reason,
    }


def add_episode(family: Family, **data) -> StatusEpisode:
    episode = StatusEpisode(family_id=family.id, **_episode_values(family.id, data))
    db.session.add(episode)
    db.session.flush()
    return episode


def update_episode(episode: StatusEpisode, **data) -> StatusEpisode:
    _apply(episode, _episode_values(episode.family_id, data, excluding_id=episode.id))
    db.session.flush()
    return episode


def delete_episode(episode: StatusEpisode) -> None:
    _delete(episode)


# ---------------------------------------------------------------- manual evidence


def _awaiting_only(evidence: ManualEvidence, field: str | None = None) -> None:
    if evidence.status != EVIDENCE_AWAITING:
        raise NotAllowedError(
            "A manager has already decided on this evidence, so it cannot be changed. Record new evidence instead",
            field=field,
        )


def _evidence_values(attachment: Attachment, data: dict) -> dict:
    problems = {str(p.id): p for p in queries.problems_identified(attachment)}
    problem = problems.get(str(data.get("problem_id") or ""))
    if problem is None:
        raise DomainError("Select a headline problem identified when the family was attached", field="problem_id")
    statement = _text(data.get("statement"), MAX_STATEMENT, "statement", "the evidence")
    if not statement:
        raise DomainError("Enter the evidence of progress", field="statement")
    progress_from = data.get("progress_from")
    if progress_from is None:
        raise DomainError("Enter the date progress was made from", field="progress_from")
    if progress_from > clock.today():
        raise DomainError("The date progress was made from must be today or in the past", field="progress_from")
    if progress_from < attachment.attached_on:
        raise DomainError(
            "The date progress was made from must be on or after the attachment date, "
            f"{long_date(attachment.attached_on)}",
            field="progress_from",
        )
    return {"problem_id": problem.id, "problem": problem, "statement": statement, "progress_from": progress_from}


def add_evidence(family: Family, recorded_by, **data) -> ManualEvidence:
    """Evidence of progress on a headline problem of the family's open (or else latest) attachment."""
    attachment = queries.evidence_attachment(family)
    if attachment is None:
        raise NotAllowedError("Attach the family before recording evidence of progress", field="problem_id")
    evidence = ManualEvidence(
        family_id=family.id,
        attachment_id=attachment.id,
        recorded_by_id=recorded_by.id,
        status=EVIDENCE_AWAITING,
        decision_reason="",
        **_evidence_values(attachment, data),
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def update_evidence(evidence: ManualEvidence, **data) -> ManualEvidence:
    _awaiting_only(evidence, field="statement")
    attachment = db.session.get(Attachment, evidence.attachment_id)
    _apply(evidence, _evidence_values(attachment, data))
    db.session.flush()
    return evidence


def delete_evidence(evidence: ManualEvidence) -> None:
    _awaiting_only(evidence)
    _delete(evidence)


def decide_evidence(evidence: ManualEvidence, manager, *, accept: bool, reason: str = "") -> ManualEvidence:
    """A manager signs the evidence off, or does not accept it and says why. Only once, and never their own."""
    if not manager.has_role(Role.MANAGER):
        raise NotAllowedError("Only a manager can sign off evidence of progress", field="decision")
    _awaiting_only(evidence, field="decision")
    if rules.decides_own_evidence(evidence.recorded_by_id, manager.id):
        raise NotAllowedError(
            "You recorded this evidence, so another manager must decide whether to sign it off", field="decision"
        )
    problem = rules.decision_problem(accept, reason)
    if problem:
        raise DomainError(problem, field="decision_reason")
    reason = _text(reason, MAX_NOTE, "decision_reason", "the reason")
    decided_at = utcnow()
    evidence.status = EVIDENCE_ACCEPTED if accept else EVIDENCE_DECLINED
    evidence.decided_by_id = manager.id
    evidence.decided_at = decided_at
    # The day of the decision in England (the demo's fixed day when it runs on one).
    evidence.decided_on = clock.fixed() or clock.day_of(decided_at)
    evidence.decision_reason = reason
    db.session.flush()
    headline = f"{evidence.problem.number}. {evidence.problem.name}"
    record(
        db.session,
        "evidence_signed_off" if accept else "evidence_not_accepted",
        "manual_evidence",
        evidence.id,
        f"Manual evidence of progress on {headline} {'signed off' if accept else 'not accepted'}",
        family_id=evidence.family_id,
    )
    return evidence
