"""The household register: families, members, consent, attachments and the problems identified."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims import clock, people
from tfclaims.db import Base, Timestamps
from tfclaims.families.vocabulary import CLOSURE_REASONS, RELATIONSHIPS  # noqa: F401 (re-exported)

SEXES = {"F": "Female", "M": "Male", "X": "Other or not known"}


CONSENT_STATUSES = {"given": "Given", "refused": "Refused", "withdrawn": "Withdrawn", "not_sought": "Not sought"}
# The decisions that leave no consent in place: work goes on under the lawful basis recorded with them.
NO_CONSENT_STATUSES = frozenset({"refused", "withdrawn", "not_sought"})

# What a consent decision covers: one decision (one row) per scope. Rows recorded before scopes existed are
# "programme" (the column's default).
CONSENT_SCOPES = {
    "programme": "Programme work and sharing between the agencies around the family",
    "matching": "Matching with partner data (school, police, DWP, health)",
    "evaluation": "The national evaluation of the programme",
}
# The scope in a list of a member's decisions.
CONSENT_SCOPES_SHORT = {
    "programme": "Programme work and sharing",
    "matching": "Matching partner data",
    "evaluation": "National evaluation",
}
# The scope inside a sentence: "consent to matching with partner data".
CONSENT_SCOPE_PHRASES = {
    "programme": "programme work and sharing between the agencies",
    "matching": "matching with partner data",
    "evaluation": "the national evaluation",
}

# Who made the decision: an adult decides for themselves; a child's decision is made by a parent or another person
# with parental responsibility, or by the child when judged competent to decide (Gillick competence).
CONSENT_GIVEN_BY = {
    "self": "The person themselves (for a child: judged competent to decide)",
    "parent": "A parent with parental responsibility",
    "carer": "Another person with parental responsibility, such as a guardian or carer",
}

# UK GDPR Article 6 lawful bases. "public_task_substantial_public_interest" is how both articles were recorded in one
# field before the Article 9 condition had its own (``Consent.special_category_basis``); it is kept for those rows
# and not offered any more.
LAWFUL_BASES = {
    "public_task": "Public task (UK GDPR 6(1)(e))",
    "public_task_substantial_public_interest": (
        "Public task with substantial public interest (UK GDPR 6(1)(e), 9(2)(g))"
    ),
    "consent": "Consent (UK GDPR 6(1)(a))",
    "legal_obligation": "Legal obligation (UK GDPR 6(1)(c))",
}
LAWFUL_BASES_OFFERED = ("public_task", "legal_obligation", "consent")

# UK GDPR Article 9 conditions for special-category data (health; and, with DPA 2018 Schedule 1, criminal offence
# data) when there is no consent.
SPECIAL_CATEGORY_BASES = {
    "substantial_public_interest": "Substantial public interest (UK GDPR 9(2)(g))",
    "health_social_care": "Health or social care (UK GDPR 9(2)(h))",
}

# Statutes a council relies on, offered as choices (more can be typed): stored as text, joined by "; ".
STATUTES = {
    "Children Act 1989 s.17": "Children Act 1989 s.17 (children in need)",
    "Children Act 1989 s.47": "Children Act 1989 s.47 (enquiries about a child at risk of harm)",
    "Children Act 2004 s.10": "Children Act 2004 s.10 (co-operation to improve children's well-being)",
    "Children Act 2004 s.11": "Children Act 2004 s.11 (safeguarding and promoting children's welfare)",
    "Crime and Disorder Act 1998 s.115": "Crime and Disorder Act 1998 s.115 (sharing to prevent crime)",
    "Digital Economy Act 2017 s.35": (
        "Digital Economy Act 2017 s.35 (public service delivery: families facing multiple disadvantages)"
    ),
    "Data Protection Act 2018 Sch. 1 para 6": (
        "Data Protection Act 2018 Sch. 1 para 6 (statutory and government purposes)"
    ),
    "Data Protection Act 2018 Sch. 1 para 18": (
        "Data Protection Act 2018 Sch. 1 para 18 (safeguarding of children and of individuals at risk)"
    ),
}
STATUTE_MAX_LENGTH = 300



class Family(Timestamps, Base):
    __tablename__ = "family"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    lead_practitioner: Mapped[str] = mapped_column(String(120), default="")
    team: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    members: Mapped[list[Member]] = relationship(
        back_populates="family", order_by="Member.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="family", order_by="Attachment.attached_on", cascade="all, delete-orphan"
    )

    @property
    def audit_family_id(self) -> int | None:
        return self.id

    @property
    def audit_summary(self) -> str:
        return f"Family {self.reference}"

    @property
    def open_attachment(self) -> Attachment | None:
        return next((a for a in self.attachments if a.is_open), None)

    @property
    def status(self) -> str:
        """Not attached, attached (open) or closed: derived from the attachments, never stored."""
        if self.open_attachment:
            return "attached"
        if self.attachments:
            return "closed"
        return "not_attached"

    @property
    def lead_member(self) -> Member | None:
        return next((m for m in self.members if m.relationship_to_lead == "lead_adult"), None)


class Member(Timestamps, Base):
    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_surname_dob", "surname", "date_of_birth"),
        # The duplicate check matches names case-insensitively: it finds candidates by date of birth.
        Index("ix_member_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    forenames: Mapped[str] = mapped_column(String(120))
    surname: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relationship_to_lead: Mapped[str] = mapped_column(String(30))
    resident: Mapped[bool] = mapped_column(Boolean, default=True)
    # An expectant parent: the family counts as having dependent children (Supporting Families 2022-25).
    expectant: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    postcode: Mapped[str] = mapped_column(String(10), default="")
    upn: Mapped[str | None] = mapped_column(String(13), index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    ni_number: Mapped[str | None] = mapped_column(String(9), index=True)
    pnc_number: Mapped[str | None] = mapped_column(String(20), index=True)
    case_reference: Mapped[str | None] = mapped_column(String(40), index=True)

    family: Mapped[Family] = relationship(back_populates="members")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="member", order_by="[Consent.recorded_on, Consent.id]", cascade="all, delete-orphan"
    )

    @property
    def audit_family_id(self) -> int | None:
        return self.family_id

    @property
    def audit_summary(self) -> str:
        return f"Member {self.id or ''} of family {self.family_id or ''}".strip()

    @property
    def full_name(self) -> str:
        return f"{self.forenames} {self.surname}"

    def age_on(self, on: date) -> int:
        return people.age_on(self.date_of_birth, on)

    @property
    def is_adult(self) -> bool:
        return people.is_adult_on(self.date_of_birth, clock.today())

    @property
    def current_consent(self) -> Consent | None:
        """The latest decision, whatever its scope (see ``current_consents`` for one per scope)."""
        return self.consents[-1] if self.consents else None

    @property
    def current_consents(self) -> dict[str, Consent]:
        """The latest decision in each scope recorded, in the order of ``CONSENT_SCOPES``."""
        latest = {c.scope: c for c in self.consents}  # ordered by date then id: the last one wins
        return {scope: latest[scope] for scope in CONSENT_SCOPES if scope in latest}


class Consent(Timestamps, Base):
    """A consent decision about a member, for one scope: given, refused, withdrawn or not sought, on a date.

    Where there is no consent, the lawful basis the council works under: the Article 6 basis, and for
    special-category data the Article 9 condition and the statute. A withdrawal is a new row; none is ever changed."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    recorded_on: Mapped[date] = mapped_column(Date)
    lawful_basis: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(Text, default="")
    # What the decision covers (CONSENT_SCOPES), who made it (the person, or a parent or carer for a child), and,
    # for special-category data, the Article 9 condition and the statute relied on.
    scope: Mapped[str] = mapped_column(String(40), default="programme", server_default="programme")
    given_by: Mapped[str] = mapped_column(String(30), default="self", server_default="self")
    special_category_basis: Mapped[str] = mapped_column(String(60), default="", server_default="")
    statute: Mapped[str] = mapped_column(String(300), default="", server_default="")

    member: Mapped[Member] = relationship(back_populates="consents")

    @property
    def audit_family_id(self) -> int | None:
        return self.family_id

    @property
    def audit_summary(self) -> str:
        return f"Consent {self.status}"


class Attachment(Timestamps, Base):
    """The start of programme work with an eligible family, judged under the plan version in force that day."""

    __tablename__ = "attachment"
    __table_args__ = (
        # At most one open attachment per family, enforced by the database.
        Index(
            "uq_attachment_one_open_per_family",
            "family_id",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    attached_on: Mapped[date] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(String(40))
    closure_note: Mapped[str] = mapped_column(Text, default="")

    family: Mapped[Family] = relationship(back_populates="attachments")
    plan_version = relationship("PlanVersion", lazy="joined")
    problems: Mapped[list[IdentifiedProblem]] = relationship(
        back_populates="attachment", cascade="all, delete-orphan", order_by="IdentifiedProblem.id"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def audit_family_id(self) -> int | None:
        return self.family_id

    @property
    def audit_summary(self) -> str:
        return "Attachment"


class IdentifiedProblem(Timestamps, Base):
    """A problem identified for a family: a descriptor of the plan, the member it concerns, and its evidence."""

    __tablename__ = "identified_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("headline_problem.id"), index=True)
    descriptor_id: Mapped[int] = mapped_column(ForeignKey("descriptor.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    evidence_source: Mapped[str] = mapped_column(String(40))
    evidence_date: Mapped[date] = mapped_column(Date)
    identified_after_attachment: Mapped[bool] = mapped_column(Boolean, default=False)

    attachment: Mapped[Attachment] = relationship(back_populates="problems")
    descriptor = relationship("Descriptor", lazy="joined")
    problem = relationship("HeadlineProblem", lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")

    @property
    def audit_family_id(self) -> int | None:
        return self.family_id

    @property
    def audit_summary(self) -> str:
        return "Problem identified"
