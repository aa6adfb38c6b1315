from __future__ import annotations

from sqlalchemy import func, select

from tfclaims.auth.models import User
from tfclaims.extensions import db


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
