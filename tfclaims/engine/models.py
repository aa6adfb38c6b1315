"""The engine's stored verdicts: every family's verdict as of a date, judged by background jobs, read by the cohort
lists, the family pages, the claims and the progress return (``store.py``).

A ``VerdictSet`` is the cohort judged as of one date: today's, refreshed every night, and any other date a user
asked for (a claim window's end, a quarter's last day), kept while it is used. Each ``FamilyVerdict`` row is one
family's verdict in one set. When a family's records change, its rows are marked ``stale`` in the same transaction
(``store.py`` listens for the audit events every change writes) and a job judges it again within seconds.

``version`` is the id of the family's latest audit event when it was judged: a refresh never replaces a verdict
judged on newer data. ``seq`` numbers the writes to a set (``VerdictSet.seq``), so a web worker that keeps the set
decoded in memory fetches only the rows written since it last looked; ``token`` is new each time a set is made,
so a copy of a set that was dropped (or rolled back) is never taken for the new one.

A set is judged in partitions of families (``VerdictPartition``: ranges of family ids), each by whichever job
worker takes it first, so that the work spreads over every worker running and no worker holds more than one
partition's data. The set is ready when its last partition is written.

Stored verdicts are derived data, not records of their own: not audited, and deleting them loses nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tfclaims.db import Base

WORKING, READY = "working", "ready"
# A partition's state: waiting for a worker, being judged, written.
WAITING, JUDGING, WRITTEN = "waiting", "judging", "written"


class VerdictSet(Base):
    __tablename__ = "verdict_set"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=WORKING)
    token: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    families: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FamilyVerdict(Base):
    __tablename__ = "family_verdict"
    __table_args__ = (
        Index("ix_family_verdict_set_seq", "as_of", "seq"),
        Index("ix_family_verdict_family", "family_id"),
    )

    as_of: Mapped[date] = mapped_column(
        ForeignKey("verdict_set.as_of", ondelete="CASCADE"), primary_key=True
    )
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict] = mapped_column(JSON)


class VerdictPartition(Base):
    """One partition of a set being judged: the families whose ids are from ``first_family_id`` to
    ``last_family_id`` (the ranges of a set cover every id)."""

    __tablename__ = "verdict_partition"

    as_of: Mapped[date] = mapped_column(
        ForeignKey("verdict_set.as_of", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_family_id: Mapped[int] = mapped_column(Integer)
    last_family_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=WAITING)
    # When it was planned or handed back to the queue, and when a worker took it: a partition waiting or being
    # judged far longer than that (its task or its worker was lost) is handed out again by the sweep.
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    families: Mapped[int] = mapped_column(Integer, default=0)
