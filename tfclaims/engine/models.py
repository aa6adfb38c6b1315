"""The engine's stored verdicts: a cache of each family's latest evaluation, so its page need not judge it again.

A stored verdict is used only while it is for the same as-of date and the family's data has not changed since
(``version`` is the id of the family's latest audit event: every change to a family's records writes one). It
is derived data, not a record of its own: it is not audited, and deleting it loses nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tfclaims.db import Base


class FamilyVerdict(Base):
    __tablename__ = "family_verdict"

    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    version: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict] = mapped_column(JSON)
