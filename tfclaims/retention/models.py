"""The retention schedule, legal holds, and the record of each retention run.

A family's records are kept for a set time after its attachment closed (or after the programme phase ended, if
later), then erased, unless a claim of the family is still inside the department's audit window or a manager put
the family on legal hold. See README.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tfclaims.db import Base, Timestamps, utcnow


class RetentionRule(Timestamps, Base):
    """How long one type of record is kept: ``years`` after the event named by ``starts_from``."""

    __tablename__ = "retention_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), unique=True)
    years: Mapped[int] = mapped_column(Integer)
    starts_from: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def audit_summary(self) -> str:
        return f"Retention rule for {self.record_type}"


class LegalHold(Timestamps, Base):
    """A manager's hold on a family's records: retention does not erase them until the hold is released."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_on: Mapped[date] = mapped_column(Date)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    released_on: Mapped[date | None] = mapped_column(Date)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    release_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def audit_family_id(self) -> int | None:
        return self.family_id

    @property
    def audit_summary(self) -> str:
        return "Legal hold" + (" released" if self.released_on else "")


class RetentionRun(Base):
    """One run of the retention schedule: the nightly list of what is due, a manager's dry run, or an erasure."""

    __tablename__ = "retention_run"
    # The run's list (family references, dates and counts) stays on the run, which only managers read; its audit
    # events say what kind of run it was and how many families it found, held and erased.
    __audit_exclude__ = frozenset({"details"})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # due_list | dry_run | erasure
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(160))
    families_due: Mapped[int] = mapped_column(Integer, default=0)
    families_held: Mapped[int] = mapped_column(Integer, default=0)
    families_erased: Mapped[int] = mapped_column(Integer, default=0)
    # What the run found and did, by family id and reference (no names): the list a manager confirms.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def audit_summary(self) -> str:
        return f"Retention run ({self.kind})"
