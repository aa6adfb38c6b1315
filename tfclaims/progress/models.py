"""What happens to an attached family: measures, events, employment, status episodes and manual evidence.

Every record names the family as well as the member, so that the rule engine can load one family, or the
whole cohort, with one query per table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.db import Base, Timestamps

# Periodic measures: the value recorded for a member over a period (a school term).
MEASURE_KINDS = {"attendance": "School attendance"}
MEASURE_UNITS = {"attendance": "% of sessions"}

# Dated events of a member.
EVENT_KINDS = {
    "offence": "Offence",
    "asb": "Anti-social behaviour incident",
    "domestic_abuse": "Domestic abuse incident",
    "exclusion": "Exclusion from school",
}

# Status episodes of a member, opened and (later) closed.
STATUS_KINDS = {"child_in_need": "Child in need plan", "child_protection": "Child protection plan"}

EPISODE_END_REASONS = {
    "stepped_down": "Stepped down",
    "closed": "Closed, no further action",
    "moved_away": "Moved out of the area",
    "other": "Other",
}

# The out-of-work benefit an adult was on before a spell of employment.
PRIOR_BENEFITS = {
    "JSA": "Jobseeker's Allowance",
    "ESA": "Employment and Support Allowance",
    "IS": "Income Support",
    "UC": "Universal Credit",
    "none": "None (not on an out-of-work benefit)",
}

MEASURE_SOURCES = {
    "school_census": "School census",
    "school": "School's own records",
    "education_welfare": "Education welfare service",
}

EVENT_SOURCES = {
    "police": "Police",
    "youth_justice": "Youth justice service",
    "school": "School",
    "housing": "Housing",
    "social_care": "Children's social care",
}

EVIDENCE_AWAITING = "awaiting"
EVIDENCE_ACCEPTED = "accepted"
EVIDENCE_DECLINED = "declined"
EVIDENCE_STATUSES = {
    EVIDENCE_AWAITING: "Awaiting manager sign-off",
    EVIDENCE_ACCEPTED: "Signed off",
    EVIDENCE_DECLINED: "Not accepted",
}


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
