"""Partner files brought in: the council's column mapping per kind of file, each upload (a batch) and its rows.

A batch keeps the uploaded file's bytes only until it is confirmed or abandoned (data minimisation); its rows keep
what was read from each line (``values``), the problems of an invalid line, and how it was matched. Every record an
import writes (a measure, an event, a spell, an episode) names its row (``import_row_id``), so the family page says
where each fact came from and an import can be undone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from tfclaims.db import Base, Timestamps
from tfclaims.imports.vocabulary import BATCH_STATUSES, READING, ROW_STATUSES


class ImportSource(Timestamps, Base):
    """A council's own headings for one kind of partner file, remembered from its last import."""

    __tablename__ = "import_source"
    __table_args__ = (UniqueConstraint("kind", name="uq_import_source_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # The source's column name -> the heading in the council's files that holds it.
    column_mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    @property
    def audit_summary(self) -> str:
        return f"Column mapping for {self.kind} files"


class ImportBatch(Timestamps, Base):
    """One uploaded partner file: read and checked (the preview), then confirmed (its matched rows written) or
    abandoned; undone later while nothing depends on it."""

    __tablename__ = "import_batch"
    __table_args__ = (Index("ix_import_batch_kind_created", "kind", "created_at"),)
    # The file's bytes are never copied into the audit trail; the counts change as the work goes on.
    __audit_exclude__ = frozenset({"content", "has_file", "created_at", "updated_at", "counts", "job_id"})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=READING)
    # Why the file could not be read, or refused as a whole, in plain words.
    refusal: Mapped[str] = mapped_column(String(600), default="")
    # The mapping the file was read with (the source's column -> the file's heading), and the file's headings.
    headings: Mapped[list[str]] = mapped_column(JSON, default=list)
    column_mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The report's figures: received, valid, invalid, exact, auto, review, unmatched, created, updated, duplicates.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The term or period the file covers (the latest date in it), for the history's trends.
    period_label: Mapped[str] = mapped_column(String(60), default="")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # abandoned or undone
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    file_deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    has_file: Mapped[bool] = column_property(content.is_not(None))
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id], lazy="joined")
    job = relationship("Job", lazy="joined")

    @property
    def status_text(self) -> str:
        return BATCH_STATUSES.get(self.status, self.status)

    @property
    def audit_summary(self) -> str:
        return f"Partner file {self.id} ({self.kind}): {self.status_text.lower()}"


class ImportRow(Base):
    """One line of a partner file: its values (or its problems), how it was matched, and what it wrote.

    Not audited row by row (a file has thousands): the batch's events say what was read, confirmed, reviewed and
    undone, with counts, and each decision in review is its own event."""

    __tablename__ = "import_row"
    __table_args__ = (
        Index("ix_import_row_batch_status", "batch_id", "status"),
        Index("ix_import_row_batch_number", "batch_id", "row_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    # Invalid: [{column, reason}]; unmatched: [{column: "", reason}].
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # What was read from the line (dates as ISO text); emptied by the retention of unmatched rows.
    values: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id", ondelete="SET NULL"), index=True)
    match_probability: Mapped[float | None] = mapped_column(Float)
    match_weight: Mapped[float | None] = mapped_column(Float)
    # The best candidates of the probabilistic pass: [{member_id, probability, weight, levels: {field: level}}].
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What confirming (or accepting in review) did: created, updated, duplicate (already held); empty before.
    outcome: Mapped[str] = mapped_column(String(20), default="")
    # The values an update replaced, to put back on undo: [{table, id, values}].
    replaced: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def status_text(self) -> str:
        return ROW_STATUSES.get(self.status, self.status)
