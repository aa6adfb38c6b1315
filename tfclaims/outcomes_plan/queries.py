from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tfclaims.extensions import db
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
    """The published plan version in force on a date: the latest effective-from on or before it.

    A council has one outcomes plan in force at a time; when two versions share an effective-from date the
    later-published one wins.
    """
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.status == PUBLISHED, PlanVersion.effective_from <= on)
        .order_by(
            PlanVersion.effective_from.desc(), PlanVersion.published_at.desc().nulls_last(), PlanVersion.id.desc()
        )
        .limit(1)
    )


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
