from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select

from tfclaims.audit.models import AuditEvent
from tfclaims.clock import LONDON
from tfclaims.extensions import db
from tfclaims.families.models import Family


@dataclass
class AuditFilter:
    actor_id: int | None = None
    entity: str | None = None
    action: str | None = None
    family_reference: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _filtered(f: AuditFilter) -> Select:
    q = select(AuditEvent)
    if f.actor_id:
        q = q.where(AuditEvent.actor_id == f.actor_id)
    if f.entity:
        q = q.where(AuditEvent.entity == f.entity)
    if f.action:
        q = q.where(AuditEvent.action == f.action)
    if f.family_reference:
        # No family with this reference: no events (never the whole trail).
        q = q.where(AuditEvent.family_id.in_(select(Family.id).where(Family.reference == f.family_reference)))
    if f.date_from:
        q = q.where(AuditEvent.at >= _london_midnight_in_utc(f.date_from))
    if f.date_to:
        q = q.where(AuditEvent.at < _london_midnight_in_utc(f.date_to + timedelta(days=1)))
    return q


def _london_midnight_in_utc(day: date) -> datetime:
    """The start of a day as council staff mean it, in UTC: SQLite keeps only the UTC wall time of ``at``, so a
    London-time bound would be an hour out in summer time there."""
    return datetime.combine(day, time.min, LONDON).astimezone(UTC)


def list_events(f: AuditFilter, page: int, per_page: int) -> tuple[list[AuditEvent], int]:
    q = _filtered(f)
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(
        q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


def list_entities() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))


def list_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def family_timeline(family_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.family_id == family_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def family_references(family_ids: set[int]) -> dict[int, str]:
    """The reference of each family still on the register, for naming families in the trail without their ids."""
    if not family_ids:
        return {}
    return dict(db.session.execute(select(Family.id, Family.reference).where(Family.id.in_(family_ids))).all())
