"""Builders for progress tests: an attachment with problems identified, and manual evidence.

Like ``tests.factories`` they commit, which inside a test is only a savepoint.
"""

from __future__ import annotations

from datetime import date

from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Family, IdentifiedProblem
from tfclaims.outcomes_plan.models import PlanVersion
from tfclaims.progress.models import EVIDENCE_ACCEPTED, EVIDENCE_AWAITING, ManualEvidence


def date_parts(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def descriptor(version: PlanVersion, problem_number: int):
    return next(d for d in version.descriptors if d.problem.number == problem_number)


def attach(
    family: Family,
    version: PlanVersion,
    attached_on: date = date(2019, 6, 3),
    problem_numbers: tuple[int, ...] = (2, 4),
    closed_on: date | None = None,
) -> Attachment:
    """Attach a family with one problem identified (concerning the lead member) under each headline problem given."""
    attachment = Attachment(
        family_id=family.id,
        plan_version_id=version.id,
        attached_on=attached_on,
        closed_on=closed_on,
        closure_reason="stepped_down" if closed_on else None,
    )
    db.session.add(attachment)
    for number in problem_numbers:
        d = descriptor(version, number)
        attachment.problems.append(
            IdentifiedProblem(
                family_id=family.id,
                problem_id=d.problem_id,
                descriptor_id=d.id,
                member_id=family.members[0].id,
                evidence_source="practitioner",
                evidence_date=attached_on,
            )
        )
    db.session.commit()
    return attachment


def make_evidence(
    attachment: Attachment,
    recorded_by,
    problem_number: int = 2,
    progress_from: date = date(2019, 9, 1),
    statement: str = "Attendance has been above 95% for three terms.",
) -> ManualEvidence:
    problem = next(p.problem for p in attachment.problems if p.problem.number == problem_number)
    evidence = ManualEvidence(
        family_id=attachment.family_id,
        attachment_id=attachment.id,
        problem_id=problem.id,
        statement=statement,
        progress_from=progress_from,
        recorded_by_id=recorded_by.id,
        status=EVIDENCE_AWAITING,
        decision_reason="",
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


def make_accepted_evidence(
    attachment: Attachment,
    manager,
    problem_number: int,
    decided_on: date,
    progress_from: date = date(2019, 3, 1),
) -> ManualEvidence:
    """Practitioner evidence against a problem, already signed off by a manager (a "manual" criterion met)."""
    statement = "Engaged with treatment for six months."
    evidence = make_evidence(attachment, manager, problem_number, progress_from, statement)
    evidence.status, evidence.decided_by_id, evidence.decided_on = EVIDENCE_ACCEPTED, manager.id, decided_on
    evidence.decision_reason = "GP letter seen"
    db.session.commit()
    return evidence
