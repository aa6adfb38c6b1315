from __future__ import annotations

from sqlalchemy import func, select

from tfclaims.audit.models import AuditEvent
from tfclaims.auth.models import User, UserRole
from tfclaims.auth.roles import Role
from tfclaims.extensions import db

# The audit event of a grant of roles that open family records (written by services, listed on the users page).
GRANT_ACTION = "personal_data_access_granted"


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def recent_grants(limit: int = 20) -> list[dict]:
    """The latest grants of roles that open family records, newest first: when, to whom, which roles, by whom."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == GRANT_ACTION).order_by(AuditEvent.id.desc()).limit(limit)
    )
    grants = []
    for event in events:
        user = db.session.get(User, event.entity_id) if event.entity_id is not None else None
        roles = [Role(r).label for r in (event.changes or {}).get("granted", []) if r in Role._value2member_map_]
        grants.append({"at": event.at, "to": user.name if user else "Removed user", "roles": roles,
                       "by": event.actor_label})
    return grants


def without_second_factor(roles) -> list[User]:
    """Active users holding one of ``roles`` who have not set up a second factor, by name."""
    values = [Role(r).value for r in roles]
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.totp_enabled_at.is_(None),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(values))))
        .order_by(User.name)
    ))
