"""Frameworks (national reference data), outcomes plans and their versions, eligibility descriptors."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.db import Base, Timestamps
from tfclaims.outcomes_plan.vocabulary import DESCRIPTOR_APPLIES_TO  # noqa: F401  (who a descriptor applies to)

DRAFT = "draft"
PUBLISHED = "published"


class Framework(Base):
    """The national rules of one programme phase. Loaded as reference data by a migration."""

    __tablename__ = "framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    min_problems: Mapped[int] = mapped_column(Integer)
    # Space-separated result routes: "SSP CE" or "SFO".
    routes: Mapped[str] = mapped_column(String(40))
    attachment_payment_pence: Mapped[int] = mapped_column(Integer, default=0)
    result_payment_pence: Mapped[int] = mapped_column(Integer, default=0)
    # Months after case closure at which a successful family outcome is judged (2022-25); None when not used.
    outcome_months_after_closure: Mapped[int | None] = mapped_column(Integer)
    requires_dependent_children: Mapped[bool] = mapped_column(default=False)
    # A problem that recurs after it was sustained (and before the claim) invalidates the result until it is
    # sustained again (2015-21; on by default, the phase-1 precedent).
    recurrence_reopens: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    description: Mapped[str] = mapped_column(Text, default="")
    # Continuous employment per prior out-of-work benefit: {"JSA": {"weeks": 26, "window_weeks": 30,
    # "min_hours": 0}, ...}. Parameters, not constants: the national figures were never confirmed.
    employment_rules: Mapped[dict] = mapped_column(JSON, default=dict)

    problems: Mapped[list[HeadlineProblem]] = relationship(
        back_populates="framework", order_by="HeadlineProblem.number", lazy="selectin"
    )

    @property
    def route_codes(self) -> list[str]:
        return self.routes.split()

    @property
    def problem_noun(self) -> str:
        """2015-21 speaks of headline problems, 2022-25 of headline outcomes."""
        return "headline outcome" if "SFO" in self.route_codes else "headline problem"


class HeadlineProblem(Base):
    __tablename__ = "headline_problem"
    __table_args__ = (UniqueConstraint("framework_id", "number"), UniqueConstraint("framework_id", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))

    framework: Mapped[Framework] = relationship(back_populates="problems")


class OutcomesPlan(Timestamps, Base):
    """A council's outcomes plan (TFOP) under one framework. Its content lives in versions."""

    __tablename__ = "outcomes_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)

    framework: Mapped[Framework] = relationship(lazy="joined")
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan"
    )

    @property
    def audit_summary(self) -> str:
        return f"Outcomes plan {self.name}"


class PlanVersion(Timestamps, Base):
    """One version of a plan: a draft that a manager edits, or published and read-only for ever."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("outcomes_plan.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    effective_from: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    plan: Mapped[OutcomesPlan] = relationship(back_populates="versions", lazy="joined")
    descriptors: Mapped[list[Descriptor]] = relationship(
        back_populates="plan_version", cascade="all, delete-orphan", order_by="Descriptor.code"
    )
    published_by = relationship("User", foreign_keys=[published_by_id])
    criteria: Mapped[list[SuccessCriterion]] = relationship(
        back_populates="plan_version",
        cascade="all, delete-orphan",
        order_by="(SuccessCriterion.problem_id, SuccessCriterion.position, SuccessCriterion.id)",
    )

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def label(self) -> str:
        return f"{self.plan.name}, version {self.number}"

    @property
    def audit_summary(self) -> str:
        return f"{self.plan.name} version {self.number} ({self.status})"


class Descriptor(Base):
    """An eligibility descriptor: code, wording and usual evidence source, under one headline problem."""

    __tablename__ = "descriptor"
    __table_args__ = (UniqueConstraint("plan_version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("headline_problem.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    evidence_source: Mapped[str] = mapped_column(String(40))
    # Who the descriptor can be met by: anyone, an adult, a child, a school-age child, or (for the family) a family
    # with dependent children or an expectant parent. See ``DESCRIPTOR_APPLIES_TO``.
    applies_to: Mapped[str] = mapped_column(String(30), default="any", server_default="any")

    plan_version: Mapped[PlanVersion] = relationship(back_populates="descriptors")
    problem: Mapped[HeadlineProblem] = relationship(lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"Descriptor {self.code}"


class SuccessCriterion(Base):
    """What counts as significant and sustained progress on one headline problem, as data.

    ``kind`` names a kind in ``tfclaims.engine.criteria.KINDS`` and ``parameters`` holds its settings (for
    instance ``{"measure": "attendance", "threshold": 90, "periods": 3}``). ``wording`` is what users read.
    When a problem has several criteria, meeting any one of them is enough.
    """

    __tablename__ = "success_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("headline_problem.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    wording: Mapped[str] = mapped_column(Text)

    plan_version: Mapped[PlanVersion] = relationship(back_populates="criteria")
    problem: Mapped[HeadlineProblem] = relationship(lazy="joined")

    @property
    def audit_summary(self) -> str:
        return f"Success criterion ({self.kind})"


EVIDENCE_SOURCES = {
    "school": "School census and attendance",
    "police": "Police",
    "social_care": "Children's social care",
    "dwp": "DWP (benefits and employment)",
    "health": "Health",
    "housing": "Housing",
    "youth_justice": "Youth justice service",
    "practitioner": "Lead practitioner's assessment",
}
