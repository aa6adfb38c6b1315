from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import PUBLISHED, Descriptor, Framework, OutcomesPlan, PlanVersion


def get_version_in_force(on: date) -> PlanVersion | None:
    """The published plan version in force on a date: the latest effective-from on or before it.

    A council has one outcomes plan in force at a time; when two versions share an effective-from date the
    later-published one wins.
    """
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.status == PUBLISHED, PlanVersion.effective_from <= on)
        .order_by(PlanVersion.effective_from.desc(), PlanVersion.published_at.desc().nulls_last(),
                  PlanVersion.id.desc())
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
        db.session.scalars(
            select(Descriptor).where(Descriptor.plan_version_id == version_id).order_by(Descriptor.code)
        )
    )
