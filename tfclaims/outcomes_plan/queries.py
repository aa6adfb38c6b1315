from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tfclaims.audit.models import AuditEvent
from tfclaims.extensions import db
from tfclaims.families.models import Attachment
from tfclaims.outcomes_plan import rules
from tfclaims.outcomes_plan.models import (
    PUBLISHED,
    Descriptor,
    Framework,
    HeadlineProblem,
    OutcomesPlan,
    PlanVersion,
    SuccessCriterion,
)


def get_version_in_force(on: date) -> PlanVersion | None:
    """The published plan version in force on a date: the latest effective-from on or before it, of a plan whose
    framework runs that day (between its start and end dates). None when no published version covers the date.

    A council has one outcomes plan in force at a time; when two versions share an effective-from date the
    later-published one wins.
    """
    return db.session.scalar(
        select(PlanVersion)
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .join(Framework, Framework.id == OutcomesPlan.framework_id)
        .where(
            PlanVersion.status == PUBLISHED,
            PlanVersion.effective_from <= on,
            Framework.starts_on <= on,
            Framework.ends_on >= on,
        )
        .order_by(
            PlanVersion.effective_from.desc(), PlanVersion.published_at.desc().nulls_last(), PlanVersion.id.desc()
        )
        .limit(1)
    )


def attachable_periods() -> list[rules.AttachablePeriod]:
    """When families can be attached: per framework with a published plan version, from the first version's
    effective-from date (or the framework's start, if later) to the framework's end, in date order."""
    rows = db.session.execute(
        select(Framework.name, Framework.starts_on, Framework.ends_on, func.min(PlanVersion.effective_from))
        .join(OutcomesPlan, OutcomesPlan.framework_id == Framework.id)
        .join(PlanVersion, PlanVersion.plan_id == OutcomesPlan.id)
        .where(PlanVersion.status == PUBLISHED)
        .group_by(Framework.id, Framework.name, Framework.starts_on, Framework.ends_on)
    ).all()
    return rules.attachable_periods(rows)


def get_plan_version(version_id: int) -> PlanVersion | None:
    return db.session.get(PlanVersion, version_id)


def get_plan(plan_id: int) -> OutcomesPlan | None:
    return db.session.get(OutcomesPlan, plan_id)


def list_plans() -> list[OutcomesPlan]:
    return list(db.session.scalars(select(OutcomesPlan).order_by(OutcomesPlan.name)))


def list_frameworks() -> list[Framework]:
    return list(db.session.scalars(select(Framework).order_by(Framework.starts_on)))


def get_framework_by_code(code: str) -> Framework | None:
    return db.session.scalar(select(Framework).where(Framework.code == code))


def list_descriptors(version_id: int) -> list[Descriptor]:
    return list(
        db.session.scalars(select(Descriptor).where(Descriptor.plan_version_id == version_id).order_by(Descriptor.code))
    )


def get_framework(framework_id: int) -> Framework | None:
    return db.session.get(Framework, framework_id)


def get_descriptor(version_id: int, descriptor_id: int) -> Descriptor | None:
    """A descriptor, only when it belongs to the given plan version."""
    return db.session.scalar(
        select(Descriptor).where(Descriptor.id == descriptor_id, Descriptor.plan_version_id == version_id)
    )


def plan_name_exists(name: str, excluding_id: int | None = None) -> bool:
    query = select(OutcomesPlan.id).where(func.lower(OutcomesPlan.name) == name.lower())
    if excluding_id is not None:
        query = query.where(OutcomesPlan.id != excluding_id)
    return db.session.scalar(query.limit(1)) is not None


def descriptor_code_exists(version_id: int, code: str, excluding_id: int | None = None) -> bool:
    query = select(Descriptor.id).where(Descriptor.plan_version_id == version_id, Descriptor.code == code)
    if excluding_id is not None:
        query = query.where(Descriptor.id != excluding_id)
    return db.session.scalar(query.limit(1)) is not None


def version_numbers(plan_id: int) -> list[int]:
    return list(db.session.scalars(select(PlanVersion.number).where(PlanVersion.plan_id == plan_id)))


def versions_copied_from(version_id: int) -> list[PlanVersion]:
    return list(
        db.session.scalars(
            select(PlanVersion).where(PlanVersion.copied_from_id == version_id).order_by(PlanVersion.number)
        )
    )


def descriptors_by_problem(version: PlanVersion) -> list[tuple[HeadlineProblem, list[Descriptor]]]:
    """Every headline problem of the version's framework, in order, with its descriptors (possibly none)."""
    grouped: dict[int, list[Descriptor]] = {}
    for descriptor in version.descriptors:
        grouped.setdefault(descriptor.problem_id, []).append(descriptor)
    return [(problem, grouped.get(problem.id, [])) for problem in version.plan.framework.problems]


def get_criterion(version_id: int, criterion_id: int) -> SuccessCriterion | None:
    """A success criterion, only when it belongs to the given plan version."""
    return db.session.scalar(
        select(SuccessCriterion).where(
            SuccessCriterion.id == criterion_id, SuccessCriterion.plan_version_id == version_id
        )
    )


def get_problem(framework_id: int, problem_id: int) -> HeadlineProblem | None:
    """A headline problem, only when it belongs to the given framework."""
    return db.session.scalar(
        select(HeadlineProblem).where(HeadlineProblem.id == problem_id, HeadlineProblem.framework_id == framework_id)
    )


def next_criterion_position(version_id: int, problem_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(SuccessCriterion.position)).where(
            SuccessCriterion.plan_version_id == version_id, SuccessCriterion.problem_id == problem_id
        )
    )
    return (highest or 0) + 1


@dataclass(frozen=True)
class ProblemGroup:
    """One headline problem of a version, with its descriptors and success criteria (either possibly none)."""

    problem: HeadlineProblem
    descriptors: list[Descriptor]
    criteria: list[SuccessCriterion]


def problem_groups(version: PlanVersion) -> list[ProblemGroup]:
    """Every headline problem of the version's framework, in order, with its descriptors and criteria."""
    criteria: dict[int, list[SuccessCriterion]] = {}
    for criterion in sorted(version.criteria, key=lambda c: (c.position, c.id or 0)):
        criteria.setdefault(criterion.problem_id, []).append(criterion)
    return [
        ProblemGroup(problem, descriptors, criteria.get(problem.id, []))
        for problem, descriptors in descriptors_by_problem(version)
    ]


# ---------------------------------------------------------------- framework settings


@dataclass(frozen=True)
class FrameworkUse:
    """What bounds a framework's start and end dates: its plan versions' effective-from dates and the attachments
    judged under it (each pair earliest, latest; None when there are none), and the other frameworks' periods."""

    versions: tuple[date, date] | None
    attachments: tuple[date, date] | None
    others: list[tuple[str, date, date]]


def framework_use(framework: Framework) -> FrameworkUse:
    first, last = db.session.execute(
        select(func.min(PlanVersion.effective_from), func.max(PlanVersion.effective_from))
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .where(OutcomesPlan.framework_id == framework.id)
    ).one()
    attached_first, attached_last = db.session.execute(
        select(func.min(Attachment.attached_on), func.max(Attachment.attached_on))
        .join(PlanVersion, PlanVersion.id == Attachment.plan_version_id)
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .where(OutcomesPlan.framework_id == framework.id)
    ).one()
    others = db.session.execute(
        select(Framework.name, Framework.starts_on, Framework.ends_on)
        .where(Framework.id != framework.id)
        .order_by(Framework.starts_on)
    ).all()
    return FrameworkUse(
        (first, last) if first else None,
        (attached_first, attached_last) if attached_first else None,
        [tuple(row) for row in others],
    )


def framework_history(framework_id: int) -> list[AuditEvent]:
    """Every recorded change of a framework's row (old and new values of each column changed), newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.entity == "framework", AuditEvent.entity_id == framework_id, AuditEvent.action == "update"
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
