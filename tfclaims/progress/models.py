"""What happens to an attached family: measures, events, employment, status episodes and manual evidence.

Every record names the family as well as the member, so that the rule engine can load one family, or the
whole cohort, with one query per table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.db import Base, Timestamps
from tfclaims.progress.vocabulary import (  # noqa: F401 (re-exported: the models' vocabulary)
    EPISODE_END_REASONS,
    EVENT_KINDS,
    EVENT_SOURCES,
    EVIDENCE_ACCEPTED,
    EVIDENCE_AWAITING,
    EVIDENCE_DECLINED,
    EVIDENCE_STATUSES,
    MEASURE_KINDS,
    MEASURE_SOURCES,
    MEASURE_UNITS,
    PRIOR_BENEFITS,
    STATUS_KINDS,
)


class _FamilyRecord:
    @property
    def audit_family_id(self) -> int | None:
        return self.family_id


class Measure(_FamilyRecord, Timestamps, Base):
    """A member's value over a period, for instance attendance of 93.5% in the autumn term."""

    __tablename__ = "measure"
    __table_args__ = (Index("ix_measure_family_kind", "family_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # The partner file's row it came from (``tfclaims.imports``); empty when typed in.
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    period_label: Mapped[str] = mapped_column(String(60), default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))

    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"{MEASURE_KINDS.get(self.kind, self.kind)} recorded"


class Event(_FamilyRecord, Timestamps, Base):
    """Something that happened to or was done by a member on a day: an offence, an incident, an exclusion."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_family_kind", "family_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # The partner file's row it came from (``tfclaims.imports``); empty when typed in.
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")

    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"{EVENT_KINDS.get(self.kind, self.kind)} recorded"


class EmploymentSpell(_FamilyRecord, Timestamps, Base):
    """A spell in work of an adult and the out-of-work benefit they were on before it; open while ended_on is empty."""

    __tablename__ = "employment_spell"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # The partner file's row it came from (``tfclaims.imports``); empty when typed in.
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    hours_per_week: Mapped[float] = mapped_column(Float)
    prior_benefit: Mapped[str] = mapped_column(String(10))
    employer: Mapped[str] = mapped_column(String(160), default="")

    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return "Employment spell"


class StatusEpisode(_FamilyRecord, Timestamps, Base):
    """A child in need or child protection plan of a member, from its start to its end (empty while open)."""

    __tablename__ = "status_episode"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # The partner file's row it came from (``tfclaims.imports``); empty when typed in.
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))

    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"{STATUS_KINDS.get(self.kind, self.kind)}"


class ManualEvidence(_FamilyRecord, Timestamps, Base):
    """A practitioner's evidence of progress on one problem of an attachment, which a manager signs off or not.

    The only route where a person decides: the decision carries the manager's name and reason.
    """

    __tablename__ = "manual_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("headline_problem.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    progress_from: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default=EVIDENCE_AWAITING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    problem = relationship("HeadlineProblem", lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"Manual evidence ({EVIDENCE_STATUSES.get(self.status, self.status)})"
