from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tfclaims.db import Base, utcnow


class AuditEvent(Base):
    """Append-only record of one change: who, what, which record, old and new values, when."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id"),
        Index("ix_audit_event_family_at", "family_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    family_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set when retention or an erasure request redacted the event's personal values (the event itself is kept).
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccessEvent(Base):
    """Append-only record of one read of personal data: a family page viewed, a search by identifier, a download.

    Kept apart from ``AuditEvent`` because reading changes nothing: the engine's stored verdicts, the cohort cache
    and a claim line's drift are keyed on the latest *change* event, which a read must not move."""

    __tablename__ = "access_event"
    __table_args__ = (
        Index("ix_access_event_family_at", "family_id", "at"),
        Index("ix_access_event_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(160))
    # viewed | searched | downloaded (ACCESS_ACTIONS in audit/rules.py)
    action: Mapped[str] = mapped_column(String(40), index=True)
    # What was read, in words: "family page", "claim pack (PDF)", "subject access export".
    what: Mapped[str] = mapped_column(String(160))
    family_id: Mapped[int | None] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(Integer)
    # The endpoint's path, never its query string (a search can be a name).
    path: Mapped[str] = mapped_column(String(300), default="")
    # Personal details of the read (a search's identifier, a file name with a reference): masked like an audit
    # event's changes for readers who may not open family records, redacted by retention.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
