"""Reads for retention: the schedule, what is due (one set-based query), the records an erasure would take, legal
holds and runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.claims.models import DRAFT, IN_AUDIT, REMOVED, SIGNED_OFF, Claim, ClaimLine
from tfclaims.clock import LONDON, day_of
from tfclaims.db import as_utc
from tfclaims.engine.models import FamilyVerdict
from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member
from tfclaims.outcomes_plan.models import Framework, OutcomesPlan, PlanVersion
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode
from tfclaims.retention import rules
from tfclaims.retention.models import LegalHold, RetentionRule, RetentionRun
from tfclaims.retention.vocabulary import (
    ATTACHMENT_CLOSED,
    CLAIM_AUDIT_WINDOW,
    CLOSURE_OR_PHASE_END,
    DEFAULT_AUDIT_WINDOW_YEARS,
    DEFAULT_FAMILY_YEARS,
    FAMILY,
    PHASE_ENDED,
)

CHUNK = 900  # bound parameters per statement (SQLite allows 999)
UNSUBMITTED = (DRAFT, IN_AUDIT, SIGNED_OFF)

# The tables erased with a family, each with its family column: the dry run counts them, the erasure deletes them.
FAMILY_TABLES = {
    "member": Member,
    "consent": Consent,
    "attachment": Attachment,
    "identified_problem": IdentifiedProblem,
    "measure": Measure,
    "event": Event,
    "employment_spell": EmploymentSpell,
    "status_episode": StatusEpisode,
    "manual_evidence": ManualEvidence,
    "legal_hold": LegalHold,
    "family_verdict": FamilyVerdict,
}


@dataclass(frozen=True)
class Schedule:
    """The schedule as the due list reads it: a family's records are kept ``years`` from ``starts_from``; a family
    with a claim submitted less than ``audit_years`` ago is held."""

    years: int
    starts_from: str
    audit_years: int


def get_rule(record_type: str) -> RetentionRule | None:
    return db.session.scalar(select(RetentionRule).where(RetentionRule.record_type == record_type))


def list_rules() -> list[RetentionRule]:
    return list(db.session.scalars(select(RetentionRule).order_by(RetentionRule.id)))


def schedule() -> Schedule:
    family = get_rule(FAMILY)
    window = get_rule(CLAIM_AUDIT_WINDOW)
    return Schedule(
        years=family.years if family else DEFAULT_FAMILY_YEARS,
        starts_from=family.starts_from if family else CLOSURE_OR_PHASE_END,
        audit_years=window.years if window else DEFAULT_AUDIT_WINDOW_YEARS,
    )


def chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _registered_before(day: date) -> datetime:
    """The moment a family must have been registered before for its registration day to be on or before ``day``
    (days are days in England)."""
    return datetime.combine(day + rules.ONE_DAY, time(0), tzinfo=LONDON).astimezone(UTC)


def _due_query(as_of: date, plan: Schedule):
    """Every family whose retention period has passed on ``as_of``, with what holds it: one statement."""
    attachments = (
        select(
            Attachment.family_id.label("family_id"),
            func.count(Attachment.id).label("attachments"),
            func.sum(case((Attachment.closed_on.is_(None), 1), else_=0)).label("open"),
            func.max(Attachment.closed_on).label("last_closed"),
            func.max(Framework.ends_on).label("phase_ended"),
        )
        .join(PlanVersion, PlanVersion.id == Attachment.plan_version_id)
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .join(Framework, Framework.id == OutcomesPlan.framework_id)
        .group_by(Attachment.family_id)
        .subquery()
    )
    holds = (
        select(LegalHold.family_id.label("family_id"), func.min(LegalHold.placed_on).label("hold_since"))
        .where(LegalHold.released_on.is_(None))
        .group_by(LegalHold.family_id)
        .subquery()
    )
    claimed = (
        select(
            ClaimLine.family_id.label("family_id"),
            func.max(Claim.submitted_on).label("last_submitted"),
            func.sum(case((Claim.status.in_(UNSUBMITTED), 1), else_=0)).label("unsubmitted"),
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(ClaimLine.state != REMOVED, ClaimLine.family_id.is_not(None))
        .group_by(ClaimLine.family_id)
        .subquery()
    )
    cutoff = rules.last_due_start(as_of, plan.years)
    closed, phase = attachments.c.last_closed, attachments.c.phase_ended
    if plan.starts_from == ATTACHMENT_CLOSED:
        started = closed <= cutoff
    elif plan.starts_from == PHASE_ENDED:
        started = phase <= cutoff
    else:  # the later of the two is on or before the cutoff when both are
        started = and_(closed <= cutoff, phase <= cutoff)
    due = or_(
        and_(attachments.c.family_id.is_(None), Family.created_at < _registered_before(cutoff)),
        and_(attachments.c.family_id.is_not(None), attachments.c.open == 0, started),
    )
    return (
        select(
            Family.id,
            Family.reference,
            Family.created_at,
            func.coalesce(attachments.c.attachments, 0),
            func.coalesce(attachments.c.open, 0),
            closed,
            phase,
            holds.c.hold_since,
            claimed.c.last_submitted,
            func.coalesce(claimed.c.unsubmitted, 0),
        )
        .outerjoin(attachments, attachments.c.family_id == Family.id)
        .outerjoin(holds, holds.c.family_id == Family.id)
        .outerjoin(claimed, claimed.c.family_id == Family.id)
        .where(due)
        .order_by(Family.reference)
    )


def due(as_of: date, plan: Schedule, family_ids: list[int] | None = None) -> list[rules.Verdict]:
    """The schedule's verdict on every family due on ``as_of`` (held or not), by reference; only those of
    ``family_ids`` when given (the erasure's re-check)."""
    query = _due_query(as_of, plan)
    if family_ids is None:
        results = db.session.execute(query).all()
    else:
        results = [row for chunk in chunks(sorted(set(family_ids)))
                   for row in db.session.execute(query.where(Family.id.in_(chunk))).all()]
    verdicts = []
    for (fid, reference, created_at, attachments, open_attachments, last_closed, phase_ended, hold_since, submitted,
         unsubmitted) in results:
        row = rules.Row(
            family_id=fid, reference=reference, registered_on=day_of(as_utc(created_at)),
            attachments=int(attachments or 0), open_attachments=int(open_attachments or 0),
            last_closed=last_closed, phase_ended=phase_ended,
            hold_since=hold_since, last_submitted=submitted, unsubmitted_lines=int(unsubmitted or 0),
        )
        verdict = rules.judge(row, as_of, plan.years, plan.starts_from, plan.audit_years)
        if verdict is not None:
            verdicts.append(verdict)
    return sorted(verdicts, key=lambda v: v.reference)


def record_counts(family_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each family, how many records of each kind an erasure takes (``FAMILY_TABLES``), how many audit and
    access events it redacts, and how many claim lines it keeps: one statement per chunk of families."""
    counts: dict[int, dict[str, int]] = {fid: {} for fid in family_ids}
    for chunk in chunks(list(family_ids)):
        parts = [
            select(model.family_id.label("family_id"), literal(name).label("kind"), func.count().label("n"))
            .where(model.family_id.in_(chunk))
            .group_by(model.family_id)
            for name, model in {**FAMILY_TABLES, "audit_event": AuditEvent, "access_event": AccessEvent,
                                "claim_line": ClaimLine}.items()
        ]
        for fid, kind, n in db.session.execute(union_all(*parts)):
            counts.setdefault(fid, {})[kind] = int(n)
    return counts


def members_of(family_ids: list[int]) -> list[int]:
    return [mid for chunk in chunks(list(family_ids))
            for mid in db.session.scalars(select(Member.id).where(Member.family_id.in_(chunk)))]


# A member's own records, by table, each with its member column: erased with the member.
MEMBER_TABLES = {
    "consent": Consent,
    "identified_problem": IdentifiedProblem,
    "measure": Measure,
    "event": Event,
    "employment_spell": EmploymentSpell,
    "status_episode": StatusEpisode,
}


def member_record_counts(member_id: int) -> dict[str, int]:
    """How many of each of a member's own records an erasure of them takes."""
    parts = [select(literal(name).label("kind"), func.count().label("n")).where(model.member_id == member_id)
             for name, model in MEMBER_TABLES.items()]
    return {kind: int(n) for kind, n in db.session.execute(union_all(*parts))}


# Free text of a family's records that may name one of its people, in words (one, many).
FREE_TEXT = (
    ("the family's notes", "the family's notes", Family.notes, Family.id),
    ("a note of a consent decision", "notes of consent decisions", Consent.note, Consent.family_id),
    ("a closure note", "closure notes", Attachment.closure_note, Attachment.family_id),
    ("a note of an event", "notes of events", Event.note, Event.family_id),
    ("a practitioner's statement", "practitioners' statements", ManualEvidence.statement, ManualEvidence.family_id),
    ("a manager's decision on evidence", "managers' decisions on evidence", ManualEvidence.decision_reason,
     ManualEvidence.family_id),
)


def mentions(member: Member) -> list[str]:
    """Where the family's free text names the person (by their forenames): erasing them does not rewrite what
    others wrote, so the manager corrects it by hand."""
    name = (member.forenames or "").strip().lower()
    if len(name) < 3:
        return []
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found = []
    for one, many, column, family_column in FREE_TEXT:
        query = select(func.count()).where(family_column == member.family_id,
                                           func.lower(column).like(pattern, escape="\\"))
        owner = getattr(column.class_, "member_id", None)
        if owner is not None:  # their own records go with them
            query = query.where(owner != member.id)
        n = db.session.scalar(query)
        if n:
            found.append(one if n == 1 else f"{n} {many}")
    return found


def get_member(member_id: int) -> Member | None:
    return db.session.get(Member, member_id)


def get_family(family_id: int) -> Family | None:
    return db.session.get(Family, family_id)


def active_hold(family_id: int) -> LegalHold | None:
    return db.session.scalars(
        select(LegalHold).where(LegalHold.family_id == family_id, LegalHold.released_on.is_(None))
        .order_by(LegalHold.placed_on, LegalHold.id).limit(1)
    ).first()


def get_hold(hold_id: int) -> LegalHold | None:
    return db.session.get(LegalHold, hold_id)


@dataclass(frozen=True)
class HoldRow:
    hold: LegalHold
    reference: str
    placed_by: str
    released_by: str


def list_holds() -> tuple[list[HoldRow], list[HoldRow]]:
    """Every legal hold with its family's reference and who placed (and released) it: (in force, released)."""
    from tfclaims.auth.models import User

    names = dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_(
            select(LegalHold.placed_by_id).union(select(LegalHold.released_by_id))
        ))
    ).all())
    rows = db.session.execute(
        select(LegalHold, Family.reference).join(Family, Family.id == LegalHold.family_id)
        .order_by(LegalHold.placed_on.desc(), LegalHold.id.desc())
    ).all()
    found = [HoldRow(hold, reference, names.get(hold.placed_by_id, "unknown"), names.get(hold.released_by_id, ""))
             for hold, reference in rows]
    return [r for r in found if r.hold.released_on is None], [r for r in found if r.hold.released_on is not None]


def hold_reasons(family_ids: list[int]) -> dict[int, str]:
    """The reason of each family's hold in force (read when a run is shown: a run keeps no free text)."""
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(family_ids))):
        for family_id, reason in db.session.execute(
            select(LegalHold.family_id, LegalHold.reason)
            .where(LegalHold.family_id.in_(chunk), LegalHold.released_on.is_(None))
            .order_by(LegalHold.placed_on, LegalHold.id)
        ):
            found.setdefault(family_id, reason)
    return found


def holds_of(family_id: int) -> list[LegalHold]:
    return list(db.session.scalars(
        select(LegalHold).where(LegalHold.family_id == family_id).order_by(LegalHold.placed_on, LegalHold.id)
    ))


@dataclass(frozen=True)
class WindowClaim:
    reference: str
    unsubmitted: bool
    ends_on: date | None


def claim_in_audit_window(family_id: int, as_of: date, audit_years: int) -> WindowClaim | None:
    """A claim of the family that is not submitted yet, or was submitted within the audit window (the one whose
    window ends last), through a line not removed from it; None when there is none."""
    rows = db.session.execute(
        select(Claim.reference, Claim.status, Claim.submitted_on)
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .where(ClaimLine.family_id == family_id, ClaimLine.state != REMOVED)
    ).all()
    found: WindowClaim | None = None
    for reference, status, submitted_on in rows:
        if status in UNSUBMITTED or submitted_on is None:
            return WindowClaim(reference, True, None)
        ends_on = rules.audit_window_ends_on(submitted_on, audit_years)
        if as_of <= ends_on and (found is None or ends_on > found.ends_on):
            found = WindowClaim(reference, False, ends_on)
    return found


def get_run(run_id: int) -> RetentionRun | None:
    return db.session.get(RetentionRun, run_id)


def list_runs(limit: int = 50) -> list[RetentionRun]:
    return list(db.session.scalars(
        select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc()).limit(limit)
    ))


def run_by_names(runs: list[RetentionRun]) -> dict[int, str]:
    from tfclaims.auth.models import User

    ids = {run.run_by_id for run in runs if run.run_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
