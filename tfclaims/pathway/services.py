"""Use cases of the early-help pathway. They check the rules, write and flush; never commit.

Every insert, update and delete is audited by the mapper listeners of ``tfclaims.audit``. The order the records
must keep (``rules``' module text): nothing before the request was received or after today; an assessment
completes on or after it started; a plan opens on or after the assessment started; a review follows the initial
meeting; nothing is added after the episode closed and it closes on or after its latest record.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select

from tfclaims import clock
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.families.models import Family, Member
from tfclaims.pathway import queries
from tfclaims.pathway.models import (
    AssessedMember,
    Assessment,
    CaseAllocation,
    Contact,
    ContactMember,
    FamilyPlan,
    HelpRequest,
    OutcomeArea,
    OutcomeScore,
    PracticeStandards,
    Step,
    Supervision,
    TafMeeting,
)
from tfclaims.pathway.rules import STANDARD_FIELDS, check_standards
from tfclaims.pathway.vocabulary import (
    AGENCIES,
    CLOSURE_REASONS,
    CONTACT_KINDS,
    DECISIONS,
    MEETING_INITIAL,
    MEETING_KINDS,
    MEETING_REVIEW,
    OCCASIONS,
    REQUEST_SOURCES,
    STEP_DIRECTIONS,
    SUPERVISION_KINDS,
    WORKED_DECISIONS,
)
from tfclaims.text import long_date

MAX_NOTE = 2000


# ---------------------------------------------------------------- shared checks


def _choice(value: str | None, allowed: dict, field: str, message: str) -> str:
    if value not in allowed:
        raise DomainError(message, field=field)
    return value


def _text(value: str | None, field: str, what: str, limit: int = MAX_NOTE) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError(f"{what} must be {limit:,} characters or fewer", field=field)
    return text


def _check_day(request: HelpRequest, on: date | None, field: str, what: str) -> date:
    """A day of the episode's work: entered, not in the future, not before the request, not after its closure."""
    if on is None:
        raise DomainError(f"Enter {what}", field=field)
    if on > clock.today():
        raise DomainError(f"{what[0].upper()}{what[1:]} must be today or in the past", field=field)
    if on < request.received_on:
        raise DomainError(
            f"{what[0].upper()}{what[1:]} must be on or after the day the request was received "
            f"({long_date(request.received_on)})", field=field)
    if request.closed_on and on > request.closed_on:
        raise DomainError(
            f"{what[0].upper()}{what[1:]} must be on or before the day the episode closed "
            f"({long_date(request.closed_on)})", field=field)
    return on


def _worked(request: HelpRequest, field: str) -> None:
    if not request.worked:
        raise DomainError("Record the decision to work with the family (early help, a team around the family led "
                          "by a partner, or a step down) before recording its work", field=field)


def _allocated(request: HelpRequest, field: str) -> None:
    _worked(request, field)
    if request.allocation is None:
        raise DomainError("Allocate the request to a lead practitioner before recording the work", field=field)


def _members(family: Family, member_ids, field: str, what: str) -> list[Member]:
    wanted = set()
    for value in member_ids or []:
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise DomainError(f"Select {what} from this family", field=field)
        wanted.add(int(text))
    members = [m for m in family.members if m.id in wanted]
    if len(members) != len(wanted):
        raise DomainError(f"Select {what} from this family", field=field)
    if not members:
        raise DomainError(f"Select {what}", field=field)
    return members


def _moment(on: date | None, at: time | None, field: str, what: str) -> datetime:
    if on is None:
        raise DomainError(f"Enter {what}", field=field)
    moment = datetime.combine(on, at or time(0))
    if moment > clock.now() and on >= clock.today():
        raise DomainError(f"{what[0].upper()}{what[1:]} must be now or in the past", field=field)
    return moment


# ---------------------------------------------------------------- requests, decisions, allocation


def record_request(family: Family, received_on: date | None, received_time: time | None, source: str | None,
                   reason: str | None) -> HelpRequest:
    received_at = _moment(received_on, received_time, "received_on", "the date the request was received")
    if received_on > clock.today():
        raise DomainError("The date the request was received must be today or in the past", field="received_on")
    request = HelpRequest(
        family_id=family.id,
        received_at=received_at,
        source=_choice(source, REQUEST_SOURCES, "source", "Select who asked for early help"),
        reason=_text(reason, "reason", "The reason"),
    )
    if not request.reason:
        raise DomainError("Enter the reason for the request", field="reason")
    db.session.add(request)
    db.session.flush()
    return request


def _decide(request: HelpRequest, decision: str | None, decided_on: date | None) -> None:
    request.decision = _choice(decision, DECISIONS, "decision", "Select the decision")
    request.decided_on = _check_day(request, decided_on, "decided_on", "the date of the decision")


def decide_request(request: HelpRequest, decision: str | None, decided_on: date | None) -> HelpRequest:
    if request.closed_on:
        raise DomainError("This episode is closed", field="decision")
    if request.allocations and decision not in WORKED_DECISIONS:
        raise DomainError("The request is allocated: it can only be decided as work with the family",
                          field="decision")
    _decide(request, decision, decided_on)
    db.session.flush()
    return request


def allocate(request: HelpRequest, practitioner_id, team: str | None, allocated_on: date | None,
             allocated_time: time | None) -> CaseAllocation:
    _worked(request, "practitioner_id")
    if request.closed_on:
        raise DomainError("This episode is closed", field="practitioner_id")
    text = str(practitioner_id or "")
    practitioner = db.session.get(User, int(text)) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    if practitioner is None or not practitioner.active or not practitioner.has_role(Role.PRACTITIONER):
        raise DomainError("Select a lead practitioner", field="practitioner_id")
    team_name = _text(team, "team", "The team", 120)
    if not team_name:
        raise DomainError("Enter the team", field="team")
    allocated_at = _moment(allocated_on, allocated_time, "allocated_on", "the date of allocation")
    _check_day(request, allocated_on, "allocated_on", "the date of allocation")
    if allocated_at < request.received_at:
        raise DomainError("The allocation must be at or after the time the request was received", field="allocated_on")
    latest = request.allocation
    if latest and allocated_at < latest.allocated_at:
        raise DomainError(f"The allocation must be after the current one ({long_date(latest.allocated_at.date())})",
                          field="allocated_on")
    allocation = CaseAllocation(request=request, family_id=request.family_id, practitioner=practitioner,
                                team=team_name, allocated_at=allocated_at)
    db.session.add(allocation)
    # The family's lead practitioner and team, as the cohort lists and claims name them, follow the allocation.
    family = db.session.get(Family, request.family_id)
    family.lead_practitioner = practitioner.name
    family.team = team_name
    db.session.flush()
    return allocation


# ---------------------------------------------------------------- the work


def add_contact(request: HelpRequest, family: Family, occurred_on: date | None, kind: str | None, member_ids,
                child_seen_alone: bool, note: str | None) -> Contact:
    _allocated(request, "occurred_on")
    contact = Contact(
        request_id=request.id,
        family_id=family.id,
        occurred_on=_check_day(request, occurred_on, "occurred_on", "the date of the contact"),
        kind=_choice(kind, CONTACT_KINDS, "kind", "Select the kind of contact"),
        child_seen_alone=bool(child_seen_alone),
        note=_text(note, "note", "The note"),
    )
    for member in _members(family, member_ids, "member_ids", "who was seen"):
        contact.seen.append(ContactMember(member_id=member.id, family_id=family.id))
    db.session.add(contact)
    db.session.flush()
    return contact


def save_assessment(request: HelpRequest, family: Family, started_on: date | None, completed_on: date | None,
                    member_ids) -> Assessment:
    """Record the episode's assessment, or change it (to complete it): one per episode."""
    _allocated(request, "started_on")
    assessment = queries.assessment_of(request.id)
    started = _check_day(request, started_on, "started_on", "the date the assessment started")
    if completed_on is not None:
        _check_day(request, completed_on, "completed_on", "the date the assessment was completed")
        if completed_on < started:
            raise DomainError("The date the assessment was completed must be on or after the date it started",
                              field="completed_on")
    plan = queries.plan_of(request.id)
    if plan and plan.opened_on < started:
        raise DomainError("The assessment must start on or before the family plan opened "
                          f"({long_date(plan.opened_on)})", field="started_on")
    members = _members(family, member_ids, "member_ids", "the members assessed")
    if assessment is None:
        assessment = Assessment(request_id=request.id, family_id=family.id)
        db.session.add(assessment)
    assessment.started_on = started
    assessment.completed_on = completed_on
    kept = {m.member_id for m in assessment.assessed}
    chosen = {m.id for m in members}
    for row in list(assessment.assessed):
        if row.member_id not in chosen:
            assessment.assessed.remove(row)
    for member in members:
        if member.id not in kept:
            assessment.assessed.append(AssessedMember(member_id=member.id, family_id=family.id))
    db.session.flush()
    return assessment


def save_plan(request: HelpRequest, opened_on: date | None, copy_given_on: date | None) -> FamilyPlan:
    _allocated(request, "opened_on")
    assessment = queries.assessment_of(request.id)
    if assessment is None:
        raise DomainError("Record the assessment before the family plan", field="opened_on")
    opened = _check_day(request, opened_on, "opened_on", "the date the plan opened")
    if opened < assessment.started_on:
        raise DomainError(f"The plan must open on or after the assessment started ({long_date(assessment.started_on)})",
                          field="opened_on")
    if copy_given_on is not None:
        _check_day(request, copy_given_on, "copy_given_on", "the date the family was given a copy")
        if copy_given_on < opened:
            raise DomainError("The family can only be given a copy on or after the plan opened", field="copy_given_on")
    plan = queries.plan_of(request.id)
    if plan is None:
        plan = FamilyPlan(request_id=request.id, family_id=request.family_id)
        db.session.add(plan)
    plan.opened_on = opened
    plan.copy_given_on = copy_given_on
    db.session.flush()
    return plan


def add_meeting(request: HelpRequest, held_on: date | None, kind: str | None, agencies) -> TafMeeting:
    _allocated(request, "held_on")
    kind = _choice(kind, MEETING_KINDS, "kind", "Select the kind of meeting")
    held = _check_day(request, held_on, "held_on", "the date of the meeting")
    codes = [code for code in (agencies or []) if code]
    if any(code not in AGENCIES for code in codes):
        raise DomainError("Select the agencies from the list", field="agencies")
    meetings = queries.meetings_of(request.id)
    initial = next((m for m in meetings if m.kind == MEETING_INITIAL), None)
    if kind == MEETING_INITIAL and initial:
        raise DomainError(f"The initial meeting was held on {long_date(initial.held_on)}: record this one as a review",
                          field="kind")
    if kind == MEETING_REVIEW:
        if initial is None:
            raise DomainError("Record the initial meeting before a review", field="kind")
        if held <= initial.held_on:
            raise DomainError(f"A review must be after the initial meeting ({long_date(initial.held_on)})",
                              field="held_on")
    if kind == MEETING_INITIAL and any(m.held_on <= held for m in meetings if m.kind == MEETING_REVIEW):
        raise DomainError("The initial meeting must be before every review", field="held_on")
    meeting = TafMeeting(request_id=request.id, family_id=request.family_id, held_on=held, kind=kind,
                         agencies=",".join(sorted(set(codes), key=list(AGENCIES).index)))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def add_supervision(request: HelpRequest, held_on: date | None, kind: str | None, note: str | None,
                    supervisor: User) -> Supervision:
    _allocated(request, "held_on")
    supervision = Supervision(
        request_id=request.id,
        family_id=request.family_id,
        held_on=_check_day(request, held_on, "held_on", "the date of the supervision"),
        kind=_choice(kind, SUPERVISION_KINDS, "kind", "Select the kind of supervision"),
        note=_text(note, "note", "The case note"),
        supervisor_id=supervisor.id,
    )
    if not supervision.note:
        raise DomainError("Enter the case note", field="note")
    db.session.add(supervision)
    db.session.flush()
    return supervision


def add_step(request: HelpRequest, direction: str | None, stepped_on: date | None, note: str | None) -> Step:
    _worked(request, "direction")
    step = Step(
        request_id=request.id,
        family_id=request.family_id,
        direction=_choice(direction, STEP_DIRECTIONS, "direction", "Select a step up or a step down"),
        stepped_on=_check_day(request, stepped_on, "stepped_on", "the date of the step"),
        note=_text(note, "note", "The note"),
    )
    db.session.add(step)
    db.session.flush()
    return step


def close_episode(request: HelpRequest, closed_on: date | None, reason: str | None,
                  letter_sent: bool) -> HelpRequest:
    _worked(request, "closed_on")
    if request.closed_on:
        raise DomainError(f"This episode closed on {long_date(request.closed_on)}", field="closed_on")
    closed = _check_day(request, closed_on, "closed_on", "the date the episode closed")
    latest = queries.latest_record_day(request.id)
    if latest and closed < latest:
        raise DomainError(f"The episode must close on or after its latest record ({long_date(latest)})",
                          field="closed_on")
    request.closure_reason = _choice(reason, CLOSURE_REASONS, "closure_reason", "Select why the episode closed")
    request.closed_on = closed
    request.closure_letter_sent = bool(letter_sent)
    db.session.flush()
    return request


DELETABLE = {"contact": Contact, "meeting": TafMeeting, "supervision": Supervision, "step": Step}


def delete_record(request: HelpRequest, record) -> None:
    """Delete a contact, meeting, supervision note or step recorded in error (audited with what it held)."""
    if request.closed_on:
        raise DomainError("This episode is closed: its records are kept as they were")
    if isinstance(record, TafMeeting) and record.kind == MEETING_INITIAL and any(
            m.kind == MEETING_REVIEW for m in queries.meetings_of(request.id)):
        raise DomainError("Delete the reviews before the initial meeting")
    db.session.delete(record)
    db.session.flush()


# ---------------------------------------------------------------- the practice standards


def save_standards(values: dict, effective_from: date | None, note: str | None, user: User) -> PracticeStandards:
    """A new version of the practice standards from a day (or a change to the version from that very day)."""
    if effective_from is None:
        raise DomainError("Enter the date the standards take effect", field="effective_from")
    problems = check_standards(values)
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)
    version = db.session.scalar(select(PracticeStandards).where(PracticeStandards.effective_from == effective_from))
    if version is None:
        version = PracticeStandards(effective_from=effective_from)
        db.session.add(version)
    for name in STANDARD_FIELDS:
        if name != "effective_from":
            setattr(version, name, values[name])
    version.note = _text(note, "note", "The note", 1000)
    version.changed_by_id = user.id
    db.session.flush()
    return version


# ---------------------------------------------------------------- outcome measures (distance travelled)


def save_area(area: OutcomeArea | None, name: str | None, description: str | None, position: int | None,
              active: bool) -> OutcomeArea:
    name = _text(name, "name", "The name", 80)
    if not name:
        raise DomainError("Enter the name of the area", field="name")
    taken = db.session.scalar(select(OutcomeArea).where(func.lower(OutcomeArea.name) == name.lower()))
    if taken is not None and taken is not area:
        raise DomainError("An area with this name already exists", field="name")
    if position is None or not 0 <= position <= 999:
        raise DomainError("The position must be between 0 and 999", field="position")
    if area is None:
        area = OutcomeArea()
        db.session.add(area)
    area.name, area.description, area.position, area.active = name, _text(description, "description",
                                                                          "The description", 500), position, active
    db.session.flush()
    return area


def save_scores(request: HelpRequest, family: Family, member_id, occasion: str | None, scored_on: date | None,
                scores: dict[int, int | None]) -> list[OutcomeScore]:
    """A member's scores on one occasion, one per area given (1 to 10). Scores of the same member, area and day
    replace the earlier ones (a correction); a day's scores need at least one area."""
    _allocated(request, "member_id")
    member = next((m for m in _members(family, [member_id], "member_id", "the family member")), None)
    occasion = _choice(occasion, OCCASIONS, "occasion", "Select when the scores were given")
    day = _check_day(request, scored_on, "scored_on", "the date of the scores")
    given = {area_id: score for area_id, score in scores.items() if score is not None}
    if not given:
        raise DomainError("Enter a score for at least one area", field=f"area_{next(iter(scores), 0)}")
    areas = {a.id: a for a in db.session.scalars(select(OutcomeArea).where(OutcomeArea.id.in_(list(given))))}
    saved = []
    for area_id, score in given.items():
        if area_id not in areas or not 1 <= score <= 10:
            raise DomainError("Each score must be from 1 to 10", field=f"area_{area_id}")
        row = db.session.scalar(select(OutcomeScore).where(
            OutcomeScore.request_id == request.id, OutcomeScore.member_id == member.id,
            OutcomeScore.area_id == area_id, OutcomeScore.scored_on == day))
        if row is None:
            row = OutcomeScore(request_id=request.id, family_id=family.id, member_id=member.id, area_id=area_id,
                               scored_on=day)
            db.session.add(row)
        row.occasion, row.score = occasion, score
        saved.append(row)
    db.session.flush()
    return saved
