"""The early-help pathway's tables: requests (each one an episode when worked), allocations, contacts, assessments,
family plans, team around the family meetings, supervision, steps up and down, closure (on the request), outcome
measures, and the council's practice standards with their history.

Every record names the family as well as its request, so the lists load the whole service with one query per table.
Times received are local (Europe/London) wall-clock times, as typed; the rest are days.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.db import Base, Timestamps
from tfclaims.pathway.vocabulary import (
    CLOSURE_REASONS,
    CONTACT_KINDS,
    DECISIONS,
    MEETING_KINDS,
    REQUEST_SOURCES,
    STEP_DIRECTIONS,
    SUPERVISION_KINDS,
    WORKED_DECISIONS,
)


class _FamilyRecord:
    @property
    def audit_family_id(self) -> int | None:
        return self.family_id


class PracticeStandards(Timestamps, Base):
    """One version of the council's practice standards, in force from its effective date until the next version's.
    A change is a new version: the old ones are kept, and a family is judged by the version in force on the day its
    request was received."""

    __tablename__ = "practice_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    allocation_hours: Mapped[int] = mapped_column(Integer)
    allocation_working: Mapped[bool] = mapped_column(Boolean)
    first_visit_days: Mapped[int] = mapped_column(Integer)
    first_visit_working: Mapped[bool] = mapped_column(Boolean)
    assessment_days: Mapped[int] = mapped_column(Integer)
    assessment_working: Mapped[bool] = mapped_column(Boolean)
    first_taf_days: Mapped[int] = mapped_column(Integer)
    first_taf_working: Mapped[bool] = mapped_column(Boolean)
    visit_every_days: Mapped[int] = mapped_column(Integer)
    visit_every_working: Mapped[bool] = mapped_column(Boolean)
    review_every_days: Mapped[int] = mapped_column(Integer)
    review_every_working: Mapped[bool] = mapped_column(Boolean)
    supervision_every_days: Mapped[int] = mapped_column(Integer)
    supervision_every_working: Mapped[bool] = mapped_column(Boolean)
    expected_months: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    changed_by = relationship("User", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"Practice standards from {self.effective_from:%d %B %Y}"


class HelpRequest(_FamilyRecord, Timestamps, Base):
    """A request for early help for a family, its decision and, once worked, its closure: one episode."""

    __tablename__ = "help_request"
    __table_args__ = (Index("ix_help_request_family_received", "family_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(30))
    decided_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    closure_reason: Mapped[str | None] = mapped_column(String(30))
    closure_letter_sent: Mapped[bool | None] = mapped_column(Boolean)

    allocations = relationship("CaseAllocation", order_by="CaseAllocation.allocated_at", lazy="selectin",
                               passive_deletes=True, back_populates="request")

    @property
    def received_on(self) -> date:
        return self.received_at.date()

    @property
    def worked(self) -> bool:
        return self.decision in WORKED_DECISIONS

    @property
    def allocation(self) -> CaseAllocation | None:
        return self.allocations[-1] if self.allocations else None

    @property
    def source_label(self) -> str:
        return REQUEST_SOURCES.get(self.source, self.source)

    @property
    def decision_label(self) -> str:
        return DECISIONS.get(self.decision, "Not decided yet") if self.decision else "Not decided yet"

    @property
    def closure_label(self) -> str:
        return CLOSURE_REASONS.get(self.closure_reason or "", "")

    @property
    def audit_summary(self) -> str:
        return "Request for early help"


class CaseAllocation(_FamilyRecord, Timestamps, Base):
    """The lead practitioner and team a request was allocated to; the latest is current (earlier ones are kept)."""

    __tablename__ = "case_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    team: Mapped[str] = mapped_column(String(120))
    allocated_at: Mapped[datetime] = mapped_column(DateTime)

    request = relationship("HelpRequest", back_populates="allocations")
    practitioner = relationship("User", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return "Allocated to a lead practitioner"


class Contact(_FamilyRecord, Timestamps, Base):
    """A visit, meeting or call with the family: who was seen, and whether a child was seen alone."""

    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_request_on", "request_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"))
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    child_seen_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    seen = relationship("ContactMember", lazy="selectin", passive_deletes=True, cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return CONTACT_KINDS.get(self.kind, self.kind)

    @property
    def audit_summary(self) -> str:
        return f"{self.kind_label} recorded"


class ContactMember(_FamilyRecord, Base):
    __tablename__ = "contact_member"
    __table_args__ = (UniqueConstraint("contact_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))

    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return "Member seen"


class Assessment(_FamilyRecord, Timestamps, Base):
    """The whole-family (early help) assessment: started, completed, and the members it assessed."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)

    assessed = relationship("AssessedMember", lazy="selectin", passive_deletes=True, cascade="all, delete-orphan")

    @property
    def audit_summary(self) -> str:
        return "Assessment recorded"


class AssessedMember(_FamilyRecord, Base):
    __tablename__ = "assessed_member"
    __table_args__ = (UniqueConstraint("assessment_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))

    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return "Member assessed"


class FamilyPlan(_FamilyRecord, Timestamps, Base):
    """The one family plan of an episode: opened, and the day the family was given a copy."""

    __tablename__ = "family_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    import_row_id: Mapped[int | None] = mapped_column(ForeignKey("import_row.id", ondelete="SET NULL"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    copy_given_on: Mapped[date | None] = mapped_column(Date)

    @property
    def audit_summary(self) -> str:
        return "Family plan recorded"


class TafMeeting(_FamilyRecord, Timestamps, Base):
    """A team around the family meeting: the initial one (the plan agreed) or a review, with the agencies present."""

    __tablename__ = "taf_meeting"
    __table_args__ = (Index("ix_taf_meeting_request_on", "request_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"))
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    agencies: Mapped[str] = mapped_column(String(400), default="")  # agency codes, separated by commas

    @property
    def kind_label(self) -> str:
        return MEETING_KINDS.get(self.kind, self.kind)

    @property
    def agency_codes(self) -> list[str]:
        return [code for code in self.agencies.split(",") if code]

    @property
    def audit_summary(self) -> str:
        return f"{self.kind_label} recorded"


class Supervision(_FamilyRecord, Timestamps, Base):
    """A manager's supervision of the work with a family: a case note."""

    __tablename__ = "supervision"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    supervisor = relationship("User", lazy="joined")

    @property
    def kind_label(self) -> str:
        return SUPERVISION_KINDS.get(self.kind, self.kind)

    @property
    def audit_summary(self) -> str:
        return "Supervision recorded"


class Step(_FamilyRecord, Timestamps, Base):
    """A step up to children's social care, or down from it, during an episode."""

    __tablename__ = "pathway_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    stepped_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def direction_label(self) -> str:
        return STEP_DIRECTIONS.get(self.direction, self.direction)

    @property
    def audit_summary(self) -> str:
        return f"{self.direction_label} recorded"


class OutcomeArea(Timestamps, Base):
    """One area of the council's outcome scale (an Outcome Star-style set), scored 1 to 10."""

    __tablename__ = "outcome_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def audit_summary(self) -> str:
        return f"Outcome area {self.name}"


class OutcomeScore(_FamilyRecord, Timestamps, Base):
    """A member's score in one area on one occasion (assessment, a review, closure) of an episode."""

    __tablename__ = "outcome_score"
    __table_args__ = (
        UniqueConstraint("request_id", "member_id", "area_id", "scored_on"),
        Index("ix_outcome_score_family", "family_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_request.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("outcome_area.id"))
    occasion: Mapped[str] = mapped_column(String(20))
    scored_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)

    area = relationship("OutcomeArea", lazy="joined")
    member = relationship("Member", lazy="joined")

    @property
    def audit_summary(self) -> str:
        return "Outcome score recorded"
