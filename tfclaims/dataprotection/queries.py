"""Reads for the data-protection pages: finding a person, everything held about them, the evaluation cohort, and the
figures of the records of processing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from tfclaims.audit import queries as audit_queries
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.auth.models import User
from tfclaims.claims.models import Claim, ClaimLine
from tfclaims.engine.models import FamilyVerdict
from tfclaims.extensions import db
from tfclaims.families import queries as family_queries
from tfclaims.families import rules as family_rules
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member
from tfclaims.pathway.models import (
    AssessedMember,
    Assessment,
    CaseAllocation,
    Contact,
    ContactMember,
    FamilyPlan,
    HelpRequest,
    OutcomeScore,
    Step,
    Supervision,
    TafMeeting,
)
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode
from tfclaims.retention.models import LegalHold, RetentionRule, RetentionRun

SEARCH_LIMIT = 50
# What the access trail calls the exports of this feature (AccessEvent.what).
SUBJECT_ACCESS_WHAT = "subject access export"
PSEUDONYMISED_WHAT = "pseudonymised export for evaluation (CSV)"
EXPORT_WHATS = (SUBJECT_ACCESS_WHAT, PSEUDONYMISED_WHAT)
# The audit event each export writes (AuditEvent.action).
SUBJECT_ACCESS_ACTION = "subject_access_export"
PSEUDONYMISED_ACTION = "pseudonymised_export"


# ---------------------------------------------------------------- finding a person


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped


def find_people(surname: str = "", forenames: str = "", date_of_birth: date | None = None,
                identifier: str = "") -> tuple[list[Member], bool]:
    """Members matching every criterion given: surname starting with, forenames containing (any word), date of birth,
    or any identifier (UPN, NHS, NI, PNC, case reference) or the family's reference. At most ``SEARCH_LIMIT``, and
    whether there were more."""
    q = select(Member).join(Family, Member.family_id == Family.id)
    if surname.strip():
        q = q.where(func.lower(Member.surname).like(_like(surname.strip()) + "%", escape="\\"))
    for word in forenames.split():
        q = q.where(func.lower(Member.forenames).like("%" + _like(word) + "%", escape="\\"))
    if date_of_birth is not None:
        q = q.where(Member.date_of_birth == date_of_birth)
    if identifier.strip():
        ident = family_rules.compact(identifier)
        q = q.where(or_(
            Member.upn == ident,
            Member.nhs_number == ident,
            Member.ni_number == ident,
            Member.pnc_number == ident,
            func.upper(Member.case_reference) == ident,
            func.upper(Family.reference) == identifier.strip().upper(),
        ))
    rows = list(db.session.scalars(
        q.options(selectinload(Member.family))
        .order_by(Member.surname, Member.forenames, Member.date_of_birth, Member.id)
        .limit(SEARCH_LIMIT + 1)
    ))
    return rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT


def get_member(member_id: int) -> Member | None:
    return db.session.get(Member, member_id)


# ---------------------------------------------------------------- everything held about a person


@dataclass
class Held:
    """The records a subject access export is made of, for one member."""

    member: Member
    family: Family
    other_members: int
    attachments: list[Attachment]
    consents: list[Consent]
    problems: list[IdentifiedProblem]
    measures: list[Measure]
    events: list[Event]
    spells: list[EmploymentSpell]
    episodes: list[StatusEpisode]
    evidence: list[ManualEvidence]
    claim_lines: list[ClaimLine]
    audit_events: list[AuditEvent]
    reads: list
    # The early-help pathway: the family's requests and work, the contacts the person was seen at, the assessments
    # that covered them, and their own outcome scores.
    requests: list[HelpRequest] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    work: list[tuple] = field(default_factory=list)  # (day, what, detail), oldest first
    scores: list[OutcomeScore] = field(default_factory=list)


def audit_events_naming(member: Member) -> list[AuditEvent]:
    """Audit events that name the member: about their member record, or a change of a record whose member is
    theirs (consent, problems, progress). Candidates are read by family (every such record carries it) and the rule
    decides (``rules.names_member``); events of other members' records are never included."""
    from tfclaims.dataprotection.rules import names_member

    candidates = db.session.scalars(
        select(AuditEvent)
        .where(or_(
            (AuditEvent.entity == "member") & (AuditEvent.entity_id == member.id),
            AuditEvent.family_id == member.family_id,
        ))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [e for e in candidates if names_member(e.entity, e.entity_id, e.changes, member.id)]


def reads_of(member: Member) -> list:
    """Who looked at the person's record: ``audit.queries.reads_of_member`` (reads naming them, and reads of their
    family naming nobody else), oldest first."""
    return list(reversed(audit_queries.reads_of_member(member.id, member.family_id)))


def held_about(member: Member) -> Held:
    family = member.family
    family_id = family.id

    def of_member(model, *order):
        return list(db.session.scalars(select(model).where(model.member_id == member.id).order_by(*order, model.id)))

    attachments = list(db.session.scalars(
        select(Attachment).where(Attachment.family_id == family_id).order_by(Attachment.attached_on, Attachment.id)
    ))
    return Held(
        member=member,
        family=family,
        other_members=db.session.scalar(
            select(func.count()).select_from(Member).where(Member.family_id == family_id, Member.id != member.id)
        ) or 0,
        attachments=attachments,
        consents=of_member(Consent, Consent.recorded_on),
        problems=of_member(IdentifiedProblem, IdentifiedProblem.evidence_date),
        measures=of_member(Measure, Measure.period_start),
        events=of_member(Event, Event.occurred_on),
        spells=of_member(EmploymentSpell, EmploymentSpell.started_on),
        episodes=of_member(StatusEpisode, StatusEpisode.started_on),
        evidence=list(db.session.scalars(
            select(ManualEvidence).where(ManualEvidence.family_id == family_id)
            .order_by(ManualEvidence.progress_from, ManualEvidence.id)
        )),
        claim_lines=list(db.session.scalars(
            select(ClaimLine).where(ClaimLine.family_id == family_id)
            .options(selectinload(ClaimLine.claim).joinedload(Claim.window))
            .order_by(ClaimLine.frozen_at, ClaimLine.id)
        )),
        audit_events=audit_events_naming(member),
        reads=reads_of(member),
        **_early_help(member),
    )


def _early_help(member: Member) -> dict:
    family_id = member.family_id
    requests = list(db.session.scalars(select(HelpRequest).where(HelpRequest.family_id == family_id)
                                       .order_by(HelpRequest.received_at, HelpRequest.id)))
    contacts = list(db.session.scalars(
        select(Contact).join(ContactMember, ContactMember.contact_id == Contact.id)
        .where(ContactMember.member_id == member.id).order_by(Contact.occurred_on, Contact.id)))
    work = []
    for a in db.session.scalars(select(Assessment).join(AssessedMember, AssessedMember.assessment_id == Assessment.id)
                                .where(AssessedMember.member_id == member.id)):
        work.append((a.started_on, "Whole-family assessment started", "You were assessed"))
        if a.completed_on:
            work.append((a.completed_on, "Whole-family assessment completed", ""))
    for p in db.session.scalars(select(FamilyPlan).where(FamilyPlan.family_id == family_id)):
        work.append((p.opened_on, "Family plan opened",
                     f"A copy given to the family on {p.copy_given_on.isoformat()}" if p.copy_given_on else ""))
    for m in db.session.scalars(select(TafMeeting).where(TafMeeting.family_id == family_id)):
        work.append((m.held_on, m.kind_label, ", ".join(m.agency_codes)))
    for s in db.session.scalars(select(Supervision).where(Supervision.family_id == family_id)):
        work.append((s.held_on, s.kind_label, s.note))
    for s in db.session.scalars(select(Step).where(Step.family_id == family_id)):
        work.append((s.stepped_on, s.direction_label, s.note))
    scores = list(db.session.scalars(select(OutcomeScore).where(OutcomeScore.member_id == member.id)
                                     .order_by(OutcomeScore.scored_on, OutcomeScore.area_id)))
    return {"requests": requests, "contacts": contacts, "work": sorted(work, key=lambda w: w[0]), "scores": scores}


def held_counts(member: Member) -> dict[str, int]:
    """How many records of each kind are held about the member (the person's page, before the export)."""

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "consents": count(Consent, Consent.member_id == member.id),
        "problems": count(IdentifiedProblem, IdentifiedProblem.member_id == member.id),
        "measures": count(Measure, Measure.member_id == member.id),
        "events": count(Event, Event.member_id == member.id),
        "spells": count(EmploymentSpell, EmploymentSpell.member_id == member.id),
        "episodes": count(StatusEpisode, StatusEpisode.member_id == member.id),
        "evidence": count(ManualEvidence, ManualEvidence.family_id == member.family_id),
        "claim_lines": count(ClaimLine, ClaimLine.family_id == member.family_id),
        "help_requests": count(HelpRequest, HelpRequest.family_id == member.family_id),
        "contacts": count(ContactMember, ContactMember.member_id == member.id),
        "outcome_scores": count(OutcomeScore, OutcomeScore.member_id == member.id),
    }


# ---------------------------------------------------------------- the evaluation cohort


@dataclass
class CohortRow:
    member_id: int
    family_id: int
    sex: str
    date_of_birth: date
    relationship_to_lead: str
    resident: bool
    postcode: str
    attachment_id: int
    framework: str
    attached_on: date
    closed_on: date | None
    closure_reason: str | None


def evaluation_cohort() -> list[CohortRow]:
    """One row per member of every family attached at least once, with the family's latest attachment."""
    latest = (
        select(Attachment.family_id, func.max(Attachment.attached_on).label("attached_on"))
        .group_by(Attachment.family_id)
        .subquery()
    )
    from tfclaims.outcomes_plan.models import Framework, OutcomesPlan, PlanVersion

    rows = db.session.execute(
        select(Member.id, Member.family_id, Member.sex, Member.date_of_birth, Member.relationship_to_lead,
               Member.resident, Member.postcode, Attachment.id, Framework.code, Attachment.attached_on,
               Attachment.closed_on, Attachment.closure_reason)
        .join(latest, latest.c.family_id == Member.family_id)
        .join(Attachment, (Attachment.family_id == latest.c.family_id)
              & (Attachment.attached_on == latest.c.attached_on))
        .join(PlanVersion, PlanVersion.id == Attachment.plan_version_id)
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .join(Framework, Framework.id == OutcomesPlan.framework_id)
        .order_by(Member.family_id, Member.id, Attachment.id)
    ).all()
    by_member: dict[int, CohortRow] = {}
    for row in rows:  # two attachments on the same latest day: the later one wins
        by_member[row[0]] = CohortRow(*row)
    return list(by_member.values())


def problems_by_attachment(attachment_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Per attachment: (headline problem number, member id) of each problem identified."""
    from tfclaims.outcomes_plan.models import HeadlineProblem

    found: dict[int, list[tuple[int, int]]] = {}
    for start in range(0, len(attachment_ids), 5000):
        chunk = attachment_ids[start : start + 5000]
        for attachment_id, number, member_id in db.session.execute(
            select(IdentifiedProblem.attachment_id, HeadlineProblem.number, IdentifiedProblem.member_id)
            .join(HeadlineProblem, HeadlineProblem.id == IdentifiedProblem.problem_id)
            .where(IdentifiedProblem.attachment_id.in_(chunk))
        ):
            found.setdefault(attachment_id, []).append((number, member_id))
    return found


def claimed_results() -> dict[int, tuple[str, date, str]]:
    """Per attachment: the route, claimable date and state of its latest claim line that was not removed."""
    found: dict[int, tuple[str, date, str]] = {}
    for attachment_id, route, claimable_on, state in db.session.execute(
        select(ClaimLine.attachment_id, ClaimLine.route, ClaimLine.claimable_on, ClaimLine.state)
        .where(ClaimLine.attachment_id.is_not(None), ClaimLine.state != "removed")
        .order_by(ClaimLine.frozen_at, ClaimLine.id)
    ):
        found[attachment_id] = (route, claimable_on, state)
    return found


def stored_verdicts() -> dict[int, tuple[date, dict]]:
    """Per family: the as-of date and the parts of its latest stored verdict up to today (``engine.store``:
    today's set, refreshed nightly and after every change) the evaluation needs. Streamed, keeping only those
    parts: a cohort's payloads are large."""
    from tfclaims import clock

    wanted = ("attachment_id", "claimable", "route", "claimable_on")
    found: dict[int, tuple[date, dict]] = {}
    rows = db.session.execute(
        select(FamilyVerdict.family_id, FamilyVerdict.as_of, FamilyVerdict.payload)
        .where(FamilyVerdict.as_of <= clock.today())
        .order_by(FamilyVerdict.as_of)  # a later date's verdict replaces an earlier one's
        .execution_options(yield_per=500)
    )
    for family_id, as_of, payload in rows:
        verdict = (payload or {}).get("family") or {}
        found[family_id] = (as_of, {k: verdict.get(k) for k in wanted})
    return found


def excluded_from_evaluation(member_ids: list[int]) -> set[int]:
    """The members whose consent to the national evaluation was refused or withdrawn (the families feature's
    rule)."""
    return family_queries.excluded_from_evaluation(member_ids)


# ---------------------------------------------------------------- records of processing


def table_counts() -> dict[str, int]:
    """Live row counts of every table holding personal data."""
    models = {
        "family": Family, "member": Member, "consent": Consent, "attachment": Attachment,
        "identified_problem": IdentifiedProblem, "measure": Measure, "event": Event,
        "employment_spell": EmploymentSpell, "status_episode": StatusEpisode, "manual_evidence": ManualEvidence,
        "claim_line": ClaimLine, "audit_event": AuditEvent, "access_event": AccessEvent, "user": User,
        "help_request": HelpRequest, "case_allocation": CaseAllocation, "contact": Contact, "assessment": Assessment,
        "family_plan": FamilyPlan, "taf_meeting": TafMeeting, "supervision": Supervision, "pathway_step": Step,
        "outcome_score": OutcomeScore,
    }
    return {name: db.session.scalar(select(func.count()).select_from(model)) or 0 for name, model in models.items()}


def consents_by_status() -> list[tuple[str, str, int]]:
    """(scope, status, how many decisions) over every consent decision recorded."""
    return [tuple(row) for row in db.session.execute(
        select(Consent.scope, Consent.status, func.count()).group_by(Consent.scope, Consent.status)
        .order_by(Consent.scope, Consent.status)
    )]


def redacted_counts() -> dict[str, int]:
    return {
        "audit_event": db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.redacted_at.is_not(None))) or 0,
        "access_event": db.session.scalar(
            select(func.count()).select_from(AccessEvent).where(AccessEvent.redacted_at.is_not(None))) or 0,
    }


def retention_rules() -> list[RetentionRule]:
    return list(db.session.scalars(select(RetentionRule).order_by(RetentionRule.record_type)))


def active_legal_holds() -> list[tuple[LegalHold, str | None, str | None]]:
    """Holds not released, oldest first, with the family's reference and who placed the hold."""
    return [tuple(row) for row in db.session.execute(
        select(LegalHold, Family.reference, User.name)
        .join(Family, Family.id == LegalHold.family_id, isouter=True)
        .join(User, User.id == LegalHold.placed_by_id, isouter=True)
        .where(LegalHold.released_on.is_(None))
        .order_by(LegalHold.placed_on, LegalHold.id)
    )]


def legal_hold_counts() -> tuple[int, int]:
    """(active holds, released holds)."""
    active = db.session.scalar(
        select(func.count()).select_from(LegalHold).where(LegalHold.released_on.is_(None))) or 0
    total = db.session.scalar(select(func.count()).select_from(LegalHold)) or 0
    return active, total - active


def last_retention_run() -> RetentionRun | None:
    return db.session.scalars(
        select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc()).limit(1)
    ).first()


def export_history(limit: int = 100) -> list[tuple[AccessEvent, str | None]]:
    """The exports of this feature, newest first, with the family's reference for a subject access export."""
    return [tuple(row) for row in db.session.execute(
        select(AccessEvent, Family.reference)
        .join(Family, Family.id == AccessEvent.family_id, isouter=True)
        .where(AccessEvent.action == "downloaded", AccessEvent.what.in_(EXPORT_WHATS))
        .order_by(AccessEvent.at.desc(), AccessEvent.id.desc())
        .limit(limit)
    )]


def export_events(limit: int = 100) -> list[AuditEvent]:
    """The audit events the exports wrote, newest first."""
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_((SUBJECT_ACCESS_ACTION, PSEUDONYMISED_ACTION)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ))
