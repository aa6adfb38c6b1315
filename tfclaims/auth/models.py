from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.auth.roles import Role
from tfclaims.db import Base, Timestamps


class User(UserMixin, Timestamps, Base):
    __tablename__ = "user"
    __audit_exclude__ = frozenset(
        {"password_hash", "failed_logins", "locked_until", "last_signed_in_at", "created_at", "updated_at",
         "totp_secret", "totp_last_step", "password_changed_at", "must_change_password"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Carried by every session signed in; one more ends them all (sign-out, deactivation, new roles or password).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by an administrator's temporary password: the user must choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The optional second factor: a TOTP secret (base32), when it was confirmed, and the last time step accepted
    # (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in or keep a session
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {Role(r.role) for r in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles, key=list(Role).index)]

    @property
    def audit_summary(self) -> str:
        return f"User {self.name}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="role_rows")

    @property
    def audit_summary(self) -> str:
        label = Role(self.role).label if self.role in Role._value2member_map_ else self.role
        return f"{label} role of user {self.user_id}"


class SecuritySettings(Timestamps, Base):
    """The council's sign-in settings (one row): whether every user who can open family records must use a
    second factor."""

    __tablename__ = "security_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def audit_summary(self) -> str:
        return "Sign-in settings"
