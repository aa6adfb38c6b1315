"""Background jobs a user started (a claim pack, a spreadsheet): their state, progress and the file they made.

The queue library (huey, ``queue.py``) carries only the job's id; the state lives here, in the application's own
database, so every web worker and machine sees the same progress, and the file is served from here too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from tfclaims.db import Base, utcnow
from tfclaims.jobs.vocabulary import QUEUED


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_user_created", "user_id", "created_at"),)
    # The file is the job's output, read by the download (an access event); its bytes are never copied into the
    # audit trail.
    __audit_exclude__ = frozenset(
        {"content", "has_file", "steps_done", "step", "started_at", "finished_at", "attempts"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(120), default="")
    # Deferred: only the download reads the file's bytes; the progress page, its status and the lists ask only
    # whether there is one (``has_file``).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Whether the job's file is here (made, and not yet deleted), without reading it.
    has_file: Mapped[bool] = column_property(content.is_not(None))

    @property
    def makes_no_file(self) -> bool:
        """A job done without a file (the nightly verdict refresh): its work was the point."""
        return self.file_name == ""

    @property
    def audit_summary(self) -> str:
        return f"Job {self.id}: {self.title}"
