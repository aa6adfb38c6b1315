"""Claim settings, the allocation, claim windows, claims and their frozen lines (with the internal audit checks).

A claim line holds its family out of every other claim of the same programme phase (framework) while
``holds_family`` is true: a partial unique index on ``claim_line(family_id, framework) WHERE holds_family`` makes
"a family is claimed at most once per programme phase" a rule of the database, so two officers building claims at
the same moment cannot both include a family. A line stops holding its family
when it is removed from a claim before submission, or when the department rejects or claws it back and the
officer returns the family to the pipeline.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.claims.rules import working_summary
from tfclaims.claims.vocabulary import (  # noqa: F401 (re-exported: the models' vocabulary)
    ACCEPTED,
    AUDIT_CHECKS,
    AUDIT_VERDICTS,
    CLAIM_STATUSES,
    CLAWED_BACK,
    DISPOSITIONS,
    DRAFT,
    FAIL,
    IN_AUDIT,
    INCLUDED,
    INVALID,
    LINE_STATES,
    PASS,
    PIPELINE,
    QUERY,
    RECONCILED,
    REJECTED,
    REMOVED,
    SIGNED_OFF,
    SUBMITTED,
)
from tfclaims.db import Base, Timestamps


class ClaimSettings(Timestamps, Base):
    """The council's claim settings: one row."""

    __tablename__ = "claim_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Earned Autonomy: funding paid up front, no PBR claims; the claim pages are switched off.
    earned_autonomy: Mapped[bool] = mapped_column(Boolean, default=False)
    # The share of a claim's lines internal audit checks, per route, at least one per route.
    sample_percent: Mapped[int] = mapped_column(Integer, default=10)

    @property
    def audit_summary(self) -> str:
        return "Claim settings"


class Allocation(Timestamps, Base):
    """The most results the council can be paid for in a programme period."""

    __tablename__ = "claim_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    results: Mapped[int] = mapped_column(Integer)

    @property
    def audit_summary(self) -> str:
        return f"Allocation {self.label}"


class ClaimWindow(Timestamps, Base):
    """The period in which a batch of claims is made (by default a quarter), with its submission deadline."""

    __tablename__ = "claim_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    submission_deadline: Mapped[date] = mapped_column(Date)

    claims: Mapped[list[Claim]] = relationship(back_populates="window", order_by="Claim.id")

    @property
    def audit_summary(self) -> str:
        return f"Claim window {self.label}"


class Claim(Timestamps, Base):
    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("claim_window.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    # The date the engine judged the families as of: the window's end, or the build date if earlier.
    as_of: Mapped[date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sample_seed: Mapped[int | None] = mapped_column(BigInteger)
    sample_percent: Mapped[int | None] = mapped_column(Integer)
    sent_to_audit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    department_reference: Mapped[str] = mapped_column(String(80), default="")
    reconciled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    window: Mapped[ClaimWindow] = relationship(back_populates="claims", lazy="joined")
    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", order_by="ClaimLine.family_reference", cascade="all, delete-orphan"
    )
    built_by = relationship("User", foreign_keys=[built_by_id], lazy="joined")
    signed_off_by = relationship("User", foreign_keys=[signed_off_by_id], lazy="joined")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="joined")
    reconciled_by = relationship("User", foreign_keys=[reconciled_by_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return CLAIM_STATUSES[self.status]

    @property
    def audit_summary(self) -> str:
        return f"Claim {self.reference}"


class ClaimLine(Timestamps, Base):
    """One family in a claim, frozen when the claim was built: its route, plan version, and every problem's
    verdict, reason and evidence (``snapshot``), with the hash of that content."""

    # The engine never reads claims: building one does not make its families' verdicts stale.
    __verdict_input__ = False

    __tablename__ = "claim_line"
    __table_args__ = (
        # A family is in at most one claim per programme phase that has not let it go: enforced by the database.
        Index(
            "uq_claim_line_family_phase_held",
            "family_id",
            "framework",
            unique=True,
            sqlite_where=text("holds_family"),
            postgresql_where=text("holds_family"),
        ),
    )
    # The snapshot is kept whole on the line; audit events name the line, not its 4 KB of content.
    __audit_exclude__ = frozenset({"created_at", "updated_at", "snapshot"})

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    # Empty once the family's records were erased (retention or an erasure request): the line, its reference,
    # route and payment stay, so the claim's totals do not change.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id", ondelete="SET NULL"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    family_reference: Mapped[str] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(8))
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    plan_label: Mapped[str] = mapped_column(String(240))
    framework: Mapped[str] = mapped_column(String(20))
    attached_on: Mapped[date] = mapped_column(Date)
    claimable_on: Mapped[date] = mapped_column(Date)
    result_payment_pence: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)
    line_hash: Mapped[str] = mapped_column(String(64))
    # The family's latest audit event when the line was frozen: later events are changes since (drift).
    data_version: Mapped[int | None] = mapped_column(Integer)
    frozen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    state: Mapped[str] = mapped_column(String(20), default=INCLUDED)
    holds_family: Mapped[bool] = mapped_column(Boolean, default=True)
    state_reason: Mapped[str] = mapped_column(Text, default="")
    disposition: Mapped[str | None] = mapped_column(String(20))

    # Internal audit: drawn in the sample, the three checks, the verdict and its note.
    sampled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which draw put the line in the sample: 0 the first, 1, 2, ... a top-up after sampled lines left the claim.
    sample_round: Mapped[int | None] = mapped_column(Integer)
    check_eligible: Mapped[bool | None] = mapped_column(Boolean)
    check_whole_family: Mapped[bool | None] = mapped_column(Boolean)
    check_evidenced: Mapped[bool | None] = mapped_column(Boolean)
    audit_verdict: Mapped[str | None] = mapped_column(String(10))
    audit_note: Mapped[str] = mapped_column(Text, default="")
    audited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    audited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    claim: Mapped[Claim] = relationship(back_populates="lines")
    audited_by = relationship("User", foreign_keys=[audited_by_id], lazy="joined")

    @property
    def is_included(self) -> bool:
        return self.state != REMOVED

    @property
    def state_label(self) -> str:
        return LINE_STATES[self.state]

    @property
    def working_summary(self) -> str:
        """Whole-family working as frozen into the line, in a sentence (the auditor's worksheet)."""
        return working_summary((self.snapshot or {}).get("family") or {})

    @property
    def audit_verdict_label(self) -> str:
        return AUDIT_VERDICTS.get(self.audit_verdict or "", "Not checked yet")

    @property
    def audit_family_id(self) -> int | None:
        return self.family_id

    @property
    def audit_summary(self) -> str:
        return f"Claim line for {self.family_reference}"
