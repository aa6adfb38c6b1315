"""Reads for partner imports: the register as linkage compares it, batches, their rows and the review queue."""

from __future__ import annotations

from collections import Counter

import pandas as pd
from sqlalchemy import func, select

from tfclaims.extensions import db
from tfclaims.families.models import Family, Member
from tfclaims.imports.models import ImportBatch, ImportRow, ImportSource
from tfclaims.imports.vocabulary import CONFIRMED, REVIEW

REGISTER_COLUMNS = ("member_id", "family_id", "forename", "surname", "date_of_birth", "sex", "postcode", "upn",
                    "nhs_number", "ni_number", "pnc_number", "case_reference")


def register() -> pd.DataFrame:
    """Every member of the register with the fields linkage compares, read as columns (one query, no ORM
    objects): a council's whole register is read for each file."""
    m = Member.__table__.c
    result = db.session.execute(select(
        m.id, m.family_id, m.forenames, m.surname, m.date_of_birth, m.sex, m.postcode, m.upn, m.nhs_number,
        m.ni_number, m.pnc_number, m.case_reference,
    ).order_by(m.id))
    rows = result.all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(REGISTER_COLUMNS)
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in zip(REGISTER_COLUMNS, columns,
                                                                                       strict=True)})


def mapping_for(kind: str) -> dict[str, str]:
    source = db.session.scalar(select(ImportSource).where(ImportSource.kind == kind))
    return dict(source.column_mapping) if source else {}


def get_batch(batch_id: int) -> ImportBatch | None:
    return db.session.get(ImportBatch, batch_id)


def confirmed_with_hash(kind: str, sha256: str) -> ImportBatch | None:
    return db.session.scalars(
        select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.sha256 == sha256,
                                  ImportBatch.status == CONFIRMED).order_by(ImportBatch.id)
    ).first()


def list_batches(kind: str | None = None, offset: int = 0, limit: int = 50) -> list[ImportBatch]:
    query = select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
    if kind:
        query = query.where(ImportBatch.kind == kind)
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def count_batches(kind: str | None = None) -> int:
    query = select(func.count(ImportBatch.id))
    if kind:
        query = query.where(ImportBatch.kind == kind)
    return db.session.scalar(query) or 0


def rows_of(batch_id: int, statuses: tuple[str, ...] | None = None, offset: int = 0,
            limit: int | None = None) -> list[ImportRow]:
    query = select(ImportRow).where(ImportRow.batch_id == batch_id).order_by(ImportRow.row_number, ImportRow.id)
    if statuses:
        query = query.where(ImportRow.status.in_(statuses))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_rows(batch_id: int, statuses: tuple[str, ...] | None = None) -> int:
    query = select(func.count(ImportRow.id)).where(ImportRow.batch_id == batch_id)
    if statuses:
        query = query.where(ImportRow.status.in_(statuses))
    return db.session.scalar(query) or 0


def unmatched_reasons(batch_id: int) -> Counter:
    """Rows unmatched (or rejected in review) by their reason."""
    from tfclaims.imports.vocabulary import REJECTED, UNMATCHED

    counted: Counter = Counter()
    for (reasons,) in db.session.execute(select(ImportRow.reasons).where(
            ImportRow.batch_id == batch_id, ImportRow.status.in_((UNMATCHED, REJECTED)))):
        for reason in reasons or [{"reason": "Not matched"}]:
            counted[reason["reason"]] += 1
    return counted


def review_queue(kind: str | None = None, offset: int = 0, limit: int = 50) -> list[ImportRow]:
    """Rows waiting for a coordinator's decision in confirmed imports, the likeliest first."""
    query = (select(ImportRow).join(ImportBatch, ImportBatch.id == ImportRow.batch_id)
             .where(ImportRow.status == REVIEW, ImportBatch.status == CONFIRMED)
             .order_by(ImportRow.match_probability.desc().nulls_last(), ImportRow.id))
    if kind:
        query = query.where(ImportBatch.kind == kind)
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def count_review(kind: str | None = None, at_least: float | None = None) -> int:
    query = (select(func.count(ImportRow.id)).join(ImportBatch, ImportBatch.id == ImportRow.batch_id)
             .where(ImportRow.status == REVIEW, ImportBatch.status == CONFIRMED))
    if kind:
        query = query.where(ImportBatch.kind == kind)
    if at_least is not None:
        query = query.where(ImportRow.match_probability >= at_least)
    return db.session.scalar(query) or 0


def review_rows_at_least(at_least: float, kind: str | None = None) -> list[ImportRow]:
    query = (select(ImportRow).join(ImportBatch, ImportBatch.id == ImportRow.batch_id)
             .where(ImportRow.status == REVIEW, ImportBatch.status == CONFIRMED,
                    ImportRow.match_probability >= at_least)
             .order_by(ImportRow.batch_id, ImportRow.row_number))
    if kind:
        query = query.where(ImportBatch.kind == kind)
    return list(db.session.scalars(query))


def members_by_id(member_ids: list[int]) -> dict[int, Member]:
    if not member_ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))}


def family_references(family_ids: list[int]) -> dict[int, str]:
    if not family_ids:
        return {}
    return dict(db.session.execute(select(Family.id, Family.reference).where(Family.id.in_(family_ids))).all())


def match_rate(batch: ImportBatch) -> float | None:
    """Of a batch's valid rows, the share matched (by identifier, automatically or in review), in %."""
    counts = batch.counts or {}
    valid = counts.get("valid") or 0
    if not valid:
        return None
    return round(100 * sum(counts.get(k, 0) for k in ("exact", "auto", "accepted")) / valid, 1)


def match_rates(batches: list[ImportBatch]) -> dict[int, tuple[float | None, float | None]]:
    """Each batch's match rate, and that of the import of the same kind before it (the trend: this term's against
    last term's). Abandoned, refused and undone imports are not compared."""
    from tfclaims.imports.vocabulary import CONFIRMED

    out: dict[int, tuple[float | None, float | None]] = {}
    for batch in batches:
        before = db.session.scalars(
            select(ImportBatch).where(ImportBatch.kind == batch.kind, ImportBatch.status == CONFIRMED,
                                      ImportBatch.id < batch.id).order_by(ImportBatch.id.desc()).limit(1)
        ).first()
        out[batch.id] = (match_rate(batch), match_rate(before) if before is not None else None)
    return out
