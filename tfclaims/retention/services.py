"""Retention use cases: the schedule, legal holds, the list of what is due (nightly, or a manager's dry run), the
erasure a manager confirms, and the erasure of one person on request. Services flush, never commit.

Erasure deletes with plain SQL statements, not through the ORM: the audit listeners would otherwise copy every
erased value into a "delete" event. Instead each erasure writes one event of its own (references and counts, no
names) and redacts the events already written about what it erased (``audit.redaction``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import delete, select, update

from tfclaims.audit.redaction import redact_families, redact_member
from tfclaims.audit.services import current_actor, record
from tfclaims.claims.models import ClaimLine
from tfclaims.db import utcnow
from tfclaims.engine.models import FamilyVerdict
from tfclaims.errors import DomainError, NotAllowedError
from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member
from tfclaims.imports.models import ImportRow
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode
from tfclaims.retention import queries, rules
from tfclaims.retention.models import LegalHold, RetentionRule, RetentionRun
from tfclaims.retention.vocabulary import (
    CLAIM_AUDIT_WINDOW,
    CLAIM_SUBMITTED,
    DEFAULT_AUDIT_WINDOW_YEARS,
    DRY_RUN,
    DUE_LIST,
    ERASURE,
    FAMILY,
    MAX_AUDIT_WINDOW_YEARS,
    MAX_FAMILY_YEARS,
    MEMBER_ERASURE_REASONS,
    MIN_YEARS,
    STARTS_FROM,
)
from tfclaims.text import long_date

AUDIT_WINDOW_NOTE = (
    "Not erased by itself: a family with a claim line (not removed from its claim) in a claim not yet submitted, or "
    "submitted less than this many years ago, is held."
)
FAMILY_NOTE = "A family's records: its members, consent, attachments, problems, progress and evidence."

MEMBER_TABLES = queries.MEMBER_TABLES
# The order a family's records are deleted in: what refers to another record goes first.
FAMILY_DELETE_ORDER = (
    IdentifiedProblem, ManualEvidence, Measure, Event, EmploymentSpell, StatusEpisode, Consent, FamilyVerdict,
    LegalHold, Attachment, Member,
)
# The values of a person looked for in other reads' particulars (a search for their name).
PERSONAL_COLUMNS = (
    Member.forenames, Member.surname, Member.postcode, Member.upn, Member.nhs_number, Member.ni_number,
    Member.pnc_number, Member.case_reference, Member.date_of_birth,
)


# ---------------------------------------------------------------- the schedule


def _rule(record_type: str, years: int, starts_from: str, note: str) -> RetentionRule:
    rule = queries.get_rule(record_type)
    if rule is None:
        rule = RetentionRule(record_type=record_type, years=years, starts_from=starts_from, note=note)
        db.session.add(rule)
    return rule


def save_schedule(*, years: int, starts_from: str, audit_years: int) -> None:
    """How long a family's records are kept and from when, and the department's audit window."""
    if starts_from not in STARTS_FROM:
        raise DomainError("Select when the retention period starts", field="starts_from")
    if not MIN_YEARS <= years <= MAX_FAMILY_YEARS:
        raise DomainError(f"Enter a number of years from {MIN_YEARS} to {MAX_FAMILY_YEARS}", field="years")
    if not MIN_YEARS <= audit_years <= MAX_AUDIT_WINDOW_YEARS:
        raise DomainError(f"Enter a number of years from {MIN_YEARS} to {MAX_AUDIT_WINDOW_YEARS}",
                          field="audit_years")
    family = _rule(FAMILY, years, starts_from, FAMILY_NOTE)
    family.years, family.starts_from = years, starts_from
    window = _rule(CLAIM_AUDIT_WINDOW, DEFAULT_AUDIT_WINDOW_YEARS, CLAIM_SUBMITTED, AUDIT_WINDOW_NOTE)
    window.years = audit_years
    db.session.flush()


# ---------------------------------------------------------------- legal holds


def place_hold(family: Family, reason: str, user, today: date) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter why the family's records must be kept", field="reason")
    current = queries.active_hold(family.id)
    if current is not None:
        raise NotAllowedError(
            f"Family {family.reference} has been on legal hold since {long_date(current.placed_on)}: release that "
            "hold first, or keep it.", field="reason")
    hold = LegalHold(family_id=family.id, reason=reason, placed_on=today, placed_by_id=user.id)
    db.session.add(hold)
    db.session.flush()
    return hold


def release_hold(hold: LegalHold, reason: str, user, today: date) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter why the hold is released", field="reason")
    if hold.released_on is not None:
        raise NotAllowedError(f"This hold was already released on {long_date(hold.released_on)}.", field="reason")
    hold.released_on, hold.released_by_id, hold.release_reason = today, user.id, reason
    db.session.flush()
    return hold


# ---------------------------------------------------------------- what is due: the nightly list and the dry run


def _verdict_details(verdict: rules.Verdict) -> dict:
    found = asdict(verdict)
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in found.items()}


def list_due(as_of: date, kind: str = DRY_RUN, user=None) -> RetentionRun:
    """What the schedule says is due on ``as_of``: the families that would be erased (with why, and the records
    each would lose) and those held (and why). Written as a run: the nightly list, or a manager's dry run, which is
    what a manager confirms. Erases nothing."""
    if kind not in (DRY_RUN, DUE_LIST):
        raise ValueError(kind)
    plan = queries.schedule()
    verdicts = queries.due(as_of, plan)
    due = [v for v in verdicts if not v.is_held]
    held = [v for v in verdicts if v.is_held]
    counts = queries.record_counts([v.family_id for v in due])
    actor_id, actor_label = current_actor()
    run = RetentionRun(
        kind=kind, as_of=as_of, run_by_id=user.id if user is not None else actor_id,
        actor_label=user.name if user is not None else actor_label,
        families_due=len(due), families_held=len(held), families_erased=0,
        details={
            "schedule": asdict(plan),
            "due": [{**_verdict_details(v), "counts": counts.get(v.family_id, {})} for v in due],
            "held": [_verdict_details(v) for v in held],
        },
    )
    db.session.add(run)
    db.session.flush()
    return run


# ---------------------------------------------------------------- erasure


def _personal_values(family_ids: list[int] | None = None, member_id: int | None = None) -> list:
    """The erased people's values to look for in other text: for a whole family, every name, identifier, postcode
    and date of birth; for one person, only what is theirs alone (their forenames, full name and identifiers), not
    what they share with the family that stays (a surname, a postcode, a twin's date of birth)."""
    query = select(*PERSONAL_COLUMNS)
    query = query.where(Member.id == member_id) if member_id is not None else query.where(
        Member.family_id.in_(family_ids or []))
    values = []
    for forenames, surname, postcode, *identifiers, date_of_birth in db.session.execute(query):
        values += [forenames, f"{forenames} {surname}", *[v for v in identifiers if v]]
        if member_id is None:
            values += [surname, postcode, date_of_birth.isoformat()]
    return values


def _erase_claim_lines(condition, now, family_gone: bool, member_id: int | None = None) -> int:
    """Claim lines outlive their family: keep each (its reference, route and payment, so the claim's totals do not
    change), erase the one person its snapshot names, and when the family is gone, empty its links."""
    lines = db.session.execute(
        select(ClaimLine.id, ClaimLine.snapshot, ClaimLine.line_hash).where(condition)
    ).all()
    for line_id, snapshot, line_hash in lines:
        values = {}
        redacted = rules.redact_snapshot(snapshot, line_hash, now.date(), member_id=member_id)
        if redacted is not None:
            values["snapshot"] = redacted
        if family_gone:
            values.update(family_id=None, attachment_id=None, erased_at=now)
        if values:
            db.session.execute(update(ClaimLine.__table__).where(ClaimLine.__table__.c.id == line_id).values(**values))
    return len(lines)


def _forget_partner_rows(condition) -> None:
    """The rows of partner files matched to the erased people keep what was read from them (names, a date of
    birth): that goes; the row stays, unmatched, for its import's counts."""
    db.session.execute(update(ImportRow.__table__).where(condition)
                       .values(values=None, member_id=None, family_id=None))


def _erase_families(family_ids: list[int], now) -> dict:
    """Delete the families and everything of theirs, keep their claim lines, redact their events."""
    values, member_ids = [], []
    kept = 0
    for chunk in queries.chunks(sorted(family_ids)):
        values += _personal_values(family_ids=chunk)
        member_ids += queries.members_of(chunk)
        kept += _erase_claim_lines(ClaimLine.family_id.in_(chunk), now, family_gone=True)
        _forget_partner_rows(ImportRow.family_id.in_(chunk))
        for model in FAMILY_DELETE_ORDER:
            table = model.__table__
            db.session.execute(delete(table).where(table.c.family_id.in_(chunk)))
        db.session.execute(delete(Family.__table__).where(Family.__table__.c.id.in_(chunk)))
    audit, access = redact_families(db.session, family_ids, values, now, member_ids)
    return {"claim_lines_kept": kept, "audit_events_redacted": audit, "access_events_redacted": access}


class AlreadyConfirmed(Exception):
    """The dry run was confirmed before: its erasure is ``run``."""

    def __init__(self, run: RetentionRun):
        super().__init__(run.id)
        self.run = run


def confirmation_problem(dry_run: RetentionRun, today: date) -> str | None:
    """Why a run cannot be confirmed (before anything is looked at again), or None."""
    if dry_run.kind != DRY_RUN:
        return "Only a dry run can be confirmed: start a dry run, check its list, then confirm it."
    if dry_run.as_of != today:
        return (f"This dry run was made on {long_date(dry_run.as_of)}. Start a new dry run today and confirm that "
                "one, so that what is erased is what you have just checked.")
    if not dry_run.families_due:
        return "This dry run found nothing to erase."
    return None


def erase(dry_run: RetentionRun, user, today: date) -> RetentionRun:
    """Erase what a manager's dry run listed, after looking again: a family is erased only if it is still due and
    not held today (a hold placed after the dry run wins). Confirming the same dry run twice erases nothing more:
    raises ``AlreadyConfirmed`` with the erasure."""
    # One confirmation at a time: lock the dry run (PostgreSQL), then read it as the last confirmation left it.
    db.session.execute(select(RetentionRun.id).where(RetentionRun.id == dry_run.id).with_for_update())
    db.session.refresh(dry_run)
    done = (dry_run.details or {}).get("erasure_run_id")
    if done is not None:
        raise AlreadyConfirmed(queries.get_run(done) or dry_run)
    problem = confirmation_problem(dry_run, today)
    if problem:
        raise NotAllowedError(problem)
    listed = {int(entry["family_id"]): entry["reference"] for entry in dry_run.details.get("due", [])}
    plan = queries.schedule()
    now_due = {v.family_id: v for v in queries.due(today, plan, family_ids=list(listed))}
    erase_ids = sorted(fid for fid, v in now_due.items() if not v.is_held)
    counts = queries.record_counts(erase_ids)
    existing = {fid for chunk in queries.chunks(sorted(listed))
                for fid in db.session.scalars(select(Family.id).where(Family.id.in_(chunk)))}
    skipped = []
    for fid, reference in sorted(listed.items(), key=lambda item: item[1]):
        verdict = now_due.get(fid)
        if fid not in existing:
            skipped.append({"family_id": fid, "reference": reference, "why": "gone"})
        elif verdict is None:
            skipped.append({"family_id": fid, "reference": reference, "why": "not_due"})
        elif verdict.is_held:
            skipped.append({"family_id": fid, "reference": reference, "why": "held", "held": verdict.held})
    now = utcnow()
    stats = _erase_families(erase_ids, now) if erase_ids else {
        "claim_lines_kept": 0, "audit_events_redacted": 0, "access_events_redacted": 0}
    run = RetentionRun(
        kind=ERASURE, as_of=today, run_by_id=user.id, actor_label=user.name,
        families_due=len(listed), families_held=sum(1 for s in skipped if s["why"] == "held"),
        families_erased=len(erase_ids),
        details={
            "dry_run_id": dry_run.id,
            "schedule": asdict(plan),
            "erased": [{"family_id": fid, "reference": listed[fid], "counts": counts.get(fid, {})}
                       for fid in erase_ids],
            "skipped": skipped,
            **stats,
        },
    )
    db.session.add(run)
    db.session.flush()
    dry_run.details = {**dry_run.details, "erasure_run_id": run.id}
    record(
        db.session, "retention_erasure", "retention_run", run.id,
        f"Retention schedule: {len(erase_ids):,} {'family' if len(erase_ids) == 1 else 'families'} erased, "
        f"confirmed from dry run {dry_run.id}",
        {"families_erased": len(erase_ids), "references": [listed[fid] for fid in erase_ids],
         "skipped": len(skipped), "dry_run_id": dry_run.id, **stats},
    )
    db.session.flush()
    return run


# ---------------------------------------------------------------- one person, on request


def member_erasure_refusal(member: Member, today: date) -> str | None:
    hold = queries.active_hold(member.family_id)
    window = queries.claim_in_audit_window(member.family_id, today, queries.schedule().audit_years)
    return rules.member_erasure_problem(
        hold.placed_on if hold else None, window.reference if window else None, window.ends_on if window else None,
        bool(window and window.unsubmitted),
    )


def erase_member(member: Member, *, reason: str, received_on: date | None, note: str, user, today: date) -> dict:
    """Erase one person's records (where lawful): their member record, consent decisions, progress and the problems
    identified against them, and the personal values in the events about them. Refused while the family is on
    legal hold or a claim of the family is inside the department's audit window."""
    if reason not in MEMBER_ERASURE_REASONS:
        raise DomainError("Select why the person's records are erased", field="reason")
    if received_on is not None and received_on > today:
        raise DomainError("The date the request was received must be today or in the past", field="received_on")
    problem = member_erasure_refusal(member, today)
    if problem:
        raise NotAllowedError(problem, field="reason")
    member_id, family_id = member.id, member.family_id
    # One erasure at a time (PostgreSQL): a second request for the same person finds nothing left to erase.
    if db.session.scalar(select(Member.id).where(Member.id == member_id).with_for_update()) is None:
        raise NotAllowedError("This person's records have already been erased.", field="reason")
    rows = {name: list(db.session.scalars(select(model.id).where(model.member_id == member_id)))
            for name, model in MEMBER_TABLES.items()}
    rows["member"] = [member_id]
    values = _personal_values(member_id=member_id)
    now = utcnow()
    lines = _erase_claim_lines(ClaimLine.family_id == family_id, now, family_gone=False, member_id=member_id)
    _forget_partner_rows(ImportRow.member_id == member_id)
    for model in MEMBER_TABLES.values():
        table = model.__table__
        db.session.execute(delete(table).where(table.c.member_id == member_id))
    db.session.execute(delete(FamilyVerdict.__table__).where(FamilyVerdict.__table__.c.family_id == family_id))
    db.session.execute(delete(Member.__table__).where(Member.__table__.c.id == member_id))
    audit, access = redact_member(db.session, family_id, member_id, rows, values, now)
    counts = {name: len(ids) for name, ids in rows.items()}
    record(
        db.session, "member_erased", "member", member_id, "A member's records were erased",
        {"reason": reason, "request_received_on": received_on.isoformat() if received_on else None,
         "note": note or "", "records": counts, "audit_events_redacted": audit, "access_events_redacted": access,
         "claim_lines_looked_at": lines},
        family_id=family_id,
    )
    db.session.flush()
    return counts
