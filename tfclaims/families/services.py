"""Use cases of the household register and of attachment. They validate, write and flush; never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from tfclaims import clock
from tfclaims.audit.services import record
from tfclaims.errors import DomainError, DuplicateValueError, NotAllowedError
from tfclaims.extensions import db, flush_unique
from tfclaims.families import queries, rules
from tfclaims.families.models import (
    CONSENT_SCOPE_PHRASES,
    CONSENT_SCOPES,
    CONSENT_STATUSES,
    STATUTE_MAX_LENGTH,
    Attachment,
    Consent,
    Family,
    IdentifiedProblem,
    Member,
)
from tfclaims.outcomes_plan import rules as plan_rules
from tfclaims.outcomes_plan.models import PlanVersion
from tfclaims.outcomes_plan.queries import attachable_periods, get_version_in_force
from tfclaims.progress import queries as progress_queries
from tfclaims.text import long_date

FAMILY_FIELDS = ("reference", "lead_practitioner", "team", "notes")
MEMBER_FIELDS = (
    "forenames",
    "surname",
    "date_of_birth",
    "sex",
    "relationship_to_lead",
    "resident",
    "expectant",
    "postcode",
    "upn",
    "nhs_number",
    "ni_number",
    "pnc_number",
    "case_reference",
)


def create_family(**data) -> Family:
    data["reference"] = rules.compact(data["reference"])
    if queries.family_reference_exists(data["reference"]):
        raise DuplicateValueError("A family with this reference already exists", field="reference")
    family = Family(**{k: data.get(k) or "" for k in FAMILY_FIELDS})
    db.session.add(family)
    flush_unique("A family with this reference already exists", "reference")
    return family


def update_family(family: Family, **data) -> Family:
    data["reference"] = rules.compact(data["reference"])
    if queries.family_reference_exists(data["reference"], excluding_id=family.id):
        raise DuplicateValueError("A family with this reference already exists", field="reference")
    for key in FAMILY_FIELDS:
        setattr(family, key, data.get(key) or "")
    flush_unique("A family with this reference already exists", "reference")
    return family


def _member_values(data: dict) -> dict:
    values = {k: data.get(k) for k in MEMBER_FIELDS}
    values["expectant"] = bool(values["expectant"])
    for key in ("upn", "nhs_number", "ni_number", "pnc_number"):
        values[key] = rules.compact(values[key]) or None
    values["case_reference"] = (values["case_reference"] or "").strip() or None
    values["postcode"] = rules.normalise_postcode(values["postcode"]) or ""
    if values["date_of_birth"] and values["date_of_birth"] > clock.today():
        raise DomainError("Date of birth must be today or in the past", field="date_of_birth")
    return values


def add_member(family: Family, **data) -> Member:
    member = Member(family=family, **_member_values(data))
    db.session.add(member)
    db.session.flush()
    return member


def update_member(member: Member, *, correction_reason: str = "", **data) -> Member:
    """Save a member's details. The row change is audited with the old and new values (the history shown as "Changes
    to this record"); when names, date of birth or identifiers change and a reason is given, a ``member_corrected``
    event keeps the reason beside it."""
    values = _member_values(data)
    corrected = [key for key in rules.CORRECTION_FIELDS if getattr(member, key) != values[key]]
    for key, value in values.items():
        setattr(member, key, value)
    db.session.flush()
    reason = " ".join((correction_reason or "").split())[: rules.CORRECTION_REASON_MAX]
    if corrected and reason:
        record(
            db.session,
            "member_corrected",
            "member",
            member.id,
            f"Reason given for correcting member {member.id}'s details",
            changes={"reason": [None, reason], "fields": [None, corrected]},
            family_id=member.family_id,
        )
        db.session.flush()
    return member


def remove_member(member: Member) -> None:
    if queries.member_has_problems(member.id):
        raise NotAllowedError(
            "This member has problems recorded against an attachment, so cannot be removed. "
            "Correct the member's details instead."
        )
    if progress_queries.member_has_progress(member.id):
        raise NotAllowedError(
            "This member has progress recorded (attendance, events, employment or plans), so cannot be removed. "
            "Delete those records first, or correct the member's details instead."
        )
    db.session.delete(member)
    db.session.flush()


def record_consent(
    member: Member,
    *,
    status: str,
    recorded_on: date,
    lawful_basis: str = "",
    scopes: list[str] | tuple[str, ...] = ("programme",),
    given_by: str = "self",
    special_category_basis: str = "",
    statute: str = "",
    note: str = "",
) -> list[Consent]:
    """Record a consent decision about a member for each scope it covers: one row per scope, never a change to an
    earlier row (a withdrawal is a new row). Refused, against the form field, by ``rules.consent_decision_problem``.
    """
    if not scopes:
        raise DomainError("Select what the decision covers", field="scope")
    if any(s not in CONSENT_SCOPES for s in scopes):
        raise DomainError("Select what the decision covers", field="scope")
    if status not in CONSENT_STATUSES:
        raise DomainError("Select whether consent was given, refused, withdrawn or not sought", field="status")
    if status == "not_sought":
        given_by = "self"
    statute = (statute or "").strip()
    if len(statute) > STATUTE_MAX_LENGTH:
        raise DomainError(f"The law relied on must be {STATUTE_MAX_LENGTH} characters or fewer", field="statute")
    special_category = queries.holds_special_category(member.family_id)
    latest = member.current_consents
    rows = []
    decision = {
        "status": status,
        "recorded_on": recorded_on,
        "today": clock.today(),
        "date_of_birth": member.date_of_birth,
        "given_by": given_by,
        "lawful_basis": lawful_basis or "",
        "special_category_basis": special_category_basis or "",
        "statute": statute,
        "special_category": special_category,
    }
    for scope in dict.fromkeys(scopes):
        previous = latest.get(scope)
        problem = rules.consent_decision_problem(
            scope=scope, previous=(previous.status, previous.recorded_on) if previous else None, **decision
        )
        # A problem with this scope's earlier decision (not with the decision as a whole): say which scope.
        about_scope = problem and (
            problem[0] == "status" or problem != rules.consent_decision_problem(scope=scope, previous=None, **decision)
        )
        if about_scope and len(scopes) > 1:
            problem = (problem[0], f"{CONSENT_SCOPES[scope]}: {problem[1][0].lower()}{problem[1][1:]}")
        if problem:
            raise DomainError(problem[1], field=problem[0])
        rows.append(
            Consent(
                member_id=member.id,
                family_id=member.family_id,
                scope=scope,
                status=status,
                recorded_on=recorded_on,
                given_by=given_by,
                lawful_basis=lawful_basis or "",
                special_category_basis=special_category_basis or "",
                statute=statute,
                note=note or "",
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    db.session.expire(member, ["consents"])  # read again, with the new rows in their order
    return rows


def consent_overview(member: Member) -> list[dict]:
    """The member's current decision in each scope, and what it changes in plain English (None while consent is in
    place), for the family page."""
    rows = []
    current = member.current_consents
    for scope, label in CONSENT_SCOPES.items():
        consent = current.get(scope)
        effect = None
        if consent is not None:
            effect = rules.consent_effect(
                name=member.full_name,
                scope_phrase=CONSENT_SCOPE_PHRASES[scope],
                scope=scope,
                status=consent.status,
                recorded_on=consent.recorded_on,
                lawful_basis=consent.lawful_basis,
                special_category_basis=consent.special_category_basis,
                statute=consent.statute,
            )
        rows.append(
            {
                "scope": scope,
                "label": label,
                "phrase": CONSENT_SCOPE_PHRASES[scope],
                "consent": consent,
                "effect": effect,
            }
        )
    return rows


# ---------------------------------------------------------------- attachment


@dataclass(frozen=True)
class ProblemInput:
    """One problem identified, as entered: ids refer to the plan version's descriptors and the family's members."""

    descriptor_id: int
    member_id: int
    evidence_date: date
    evidence_source: str | None = None  # None: the descriptor's usual source


def version_in_force(attached_on: date) -> PlanVersion:
    """The published plan version in force on the attachment date, under a framework running that day.

    Refused, naming the dates attachment is possible on, when none covers the date: before the first published
    version's effective-from date, or outside its framework's start and end dates.
    """
    version = get_version_in_force(attached_on)
    if version is None:
        raise DomainError(
            plan_rules.no_plan_in_force_message(attached_on, attachable_periods()), field="attached_on"
        )
    return version


def _dependent_children(family: Family, on: date) -> bool:
    return rules.has_dependent_children(((m.date_of_birth, m.resident, m.expectant) for m in family.members), on)


def check_attachment_date(family: Family, attached_on: date) -> PlanVersion:
    """Everything the attachment date alone decides: returns the plan version the family would be judged under."""
    if attached_on > clock.today():
        raise DomainError("The attachment date must be today or in the past", field="attached_on")
    if family.open_attachment is not None:
        raise NotAllowedError(
            "This family already has an open attachment. Close it before attaching again.", field="attached_on"
        )
    last_closed = max((a.closed_on for a in family.attachments if a.closed_on), default=None)
    if last_closed and attached_on <= last_closed:
        raise DomainError(
            f"The attachment date must be after the last attachment closed ({long_date(last_closed)})",
            field="attached_on",
        )
    if not family.members:
        raise DomainError("Add the family's members before attaching it", field="attached_on")
    version = version_in_force(attached_on)
    framework = version.plan.framework
    if framework.requires_dependent_children and not _dependent_children(family, attached_on):
        raise DomainError(
            rules.no_dependent_children_message(attached_on, framework=framework.name), field="attached_on"
        )
    return version


def _identified_problems(
    family: Family, version: PlanVersion, problems: list[ProblemInput], attached_on: date, after_attachment: bool
) -> list[IdentifiedProblem]:
    descriptors = {d.id: d for d in version.descriptors}
    members = {m.id: m for m in family.members}
    rows = []
    seen = set()
    for index, p in enumerate(problems):
        field = f"problems-{index}"
        descriptor = descriptors.get(p.descriptor_id)
        if descriptor is None:
            raise DomainError(f"Select a descriptor from {version.label}", field=f"{field}-descriptor_id")
        member = members.get(p.member_id)
        if member is None:
            raise DomainError("Select a member of this family", field=f"{field}-member_id")
        if p.evidence_date > clock.today():
            raise DomainError("The evidence date must be today or in the past", field=f"{field}-evidence_date")
        if not after_attachment and p.evidence_date > attached_on:
            raise DomainError(
                "The evidence date must be on or before the attachment date", field=f"{field}-evidence_date"
            )
        if after_attachment and p.evidence_date < attached_on:
            raise DomainError(
                "A problem identified after attachment has evidence dated after the attachment date",
                field=f"{field}-evidence_date",
            )
        on = p.evidence_date if after_attachment else attached_on
        applies_to = descriptor.applies_to or "any"
        if applies_to == "dependent_children" and not _dependent_children(family, on):
            raise DomainError(
                rules.no_dependent_children_message(on, after_attachment, code=descriptor.code),
                field=f"{field}-descriptor_id",
            )
        if not rules.member_fits(applies_to, member.date_of_birth, on):
            raise DomainError(
                rules.member_does_not_fit_message(
                    descriptor.code, applies_to, member.full_name, member.date_of_birth, on, after_attachment
                ),
                field=f"{field}-member_id",
            )
        if (descriptor.id, member.id) in seen:
            raise DomainError("This descriptor is already recorded for this member", field=f"{field}-descriptor_id")
        seen.add((descriptor.id, member.id))
        rows.append(
            IdentifiedProblem(
                family_id=family.id,
                problem_id=descriptor.problem_id,
                descriptor_id=descriptor.id,
                member_id=member.id,
                evidence_source=p.evidence_source or descriptor.evidence_source,
                evidence_date=p.evidence_date,
                identified_after_attachment=after_attachment,
            )
        )
    return rows


def attach_family(family: Family, attached_on: date, problems: list[ProblemInput]) -> Attachment:
    """Attach a family under the plan version in force on the attachment date, with the problems identified.

    Refused when no published plan version of a running framework covers the date, when the framework needs
    dependent children and the family has none, and for a descriptor whose member (or family) does not fit who it
    applies to.
    """
    version = check_attachment_date(family, attached_on)
    framework = version.plan.framework
    rows = _identified_problems(family, version, problems, attached_on, after_attachment=False)
    members = {m.id: m for m in family.members}
    count = rules.eligible_problem_count((r.problem_id, not members[r.member_id].resident) for r in rows)
    message = rules.too_few_problems_message(count, framework.min_problems, framework.problem_noun)
    if message:
        raise DomainError(message, field="problems")
    attachment = Attachment(family=family, plan_version_id=version.id, attached_on=attached_on)
    attachment.problems = rows
    db.session.add(attachment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # two coordinators attaching the same family at once
        raise NotAllowedError(
            "This family already has an open attachment. Close it before attaching again.", field="attached_on"
        ) from exc
    record(
        db.session,
        "family_attached",
        "attachment",
        attachment.id,
        f"Attached on {long_date(attached_on)} under {version.label} with {len(rows)} problems "
        f"across {count} {framework.problem_noun}s",
        family_id=family.id,
    )
    return attachment


def add_problem_after_attachment(family: Family, problem: ProblemInput) -> IdentifiedProblem:
    attachment = family.open_attachment
    if attachment is None:
        raise NotAllowedError("Problems can be added only while the family has an open attachment")
    version = db.session.get(PlanVersion, attachment.plan_version_id)
    existing = {(p.descriptor_id, p.member_id) for p in attachment.problems}
    [row] = _identified_problems(family, version, [problem], attachment.attached_on, after_attachment=True)
    if (row.descriptor_id, row.member_id) in existing:
        raise DomainError("This descriptor is already recorded for this member", field="problems-0-descriptor_id")
    attachment.problems.append(row)
    db.session.flush()
    return row


OUTCOMES_ACHIEVED = "outcomes_achieved"


class NotSustainedError(DomainError):
    """Closing as "outcomes achieved" while problems are not sustained: refused until the user confirms it.

    ``problems`` names each problem not sustained on the closure date, with its status ("2. Children not attending
    school regularly: progressing").
    """

    def __init__(self, problems: list[str]):
        count = len(problems)
        super().__init__(
            f"Confirm that the case closed with outcomes achieved although {count} "
            f"{'problem is' if count == 1 else 'problems are'} not sustained, or select another reason",
            field="confirm_not_sustained",
        )
        self.problems = problems


def problems_not_sustained(attachment: Attachment, on: date) -> list[str]:
    """The attachment's problems not sustained on a date, as the rule engine judges the family that day."""
    from tfclaims.engine.queries import evaluate_family  # the engine reads families: imported when used

    problems = evaluate_family(attachment.family_id, on).problems
    if problems.empty:
        return []
    rows = problems[(problems["attachment_id"] == attachment.id) & (problems["status"].astype(object) != "sustained")]
    rows = rows.sort_values("problem_number")
    return [
        f"{number}. {name}: {str(label).lower()}"
        for number, name, label in zip(rows["problem_number"], rows["problem_name"], rows["status_label"], strict=True)
    ]


def close_attachment(
    attachment: Attachment, closed_on: date, reason: str, note: str = "", confirm_not_sustained: bool = False
) -> Attachment:
    """Close an open attachment. Closing as "outcomes achieved" while the engine judges any problem not sustained on
    the closure date is refused (``NotSustainedError``) unless ``confirm_not_sustained``; the confirmation and the
    problems are then recorded in the closure's audit event and its note."""
    if not attachment.is_open:
        raise NotAllowedError("This attachment is already closed")
    if closed_on < attachment.attached_on:
        raise DomainError("The closure date must be on or after the attachment date", field="closed_on")
    if closed_on > clock.today():
        raise DomainError("The closure date must be today or in the past", field="closed_on")
    not_sustained = problems_not_sustained(attachment, closed_on) if reason == OUTCOMES_ACHIEVED else []
    if not_sustained and not confirm_not_sustained:
        raise NotSustainedError(not_sustained)
    note = (note or "").strip()
    summary = f"Attachment closed on {long_date(closed_on)}"
    changes = {}
    if not_sustained:
        confirmation = (
            f"Closed as outcomes achieved although {len(not_sustained)} "
            f"{'problem was' if len(not_sustained) == 1 else 'problems were'} not sustained on "
            f"{long_date(closed_on)}: {'; '.join(not_sustained)}."
        )
        note = f"{note}\n\n{confirmation}" if note else confirmation
        summary += f", as outcomes achieved although not sustained: {'; '.join(not_sustained)}"
        changes = {"confirmed_not_sustained": [None, not_sustained]}
    attachment.closed_on = closed_on
    attachment.closure_reason = reason
    attachment.closure_note = note
    db.session.flush()
    record(
        db.session,
        "attachment_closed",
        "attachment",
        attachment.id,
        summary,
        changes=changes,
        family_id=attachment.family_id,
    )
    return attachment
