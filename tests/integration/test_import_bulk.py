"""Rows inserted straight to the driver (``imports.bulk``) read back exactly as rows the ORM wrote: dates,
timestamps with their time zone, JSON (and JSON's null as SQL's NULL where the column says so)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests import factories
from tfclaims.extensions import db
from tfclaims.imports import bulk
from tfclaims.imports.models import ImportBatch, ImportRow
from tfclaims.progress.models import Measure


def test_bulk_rows_read_back_as_the_orm_writes_them(db_session):
    family = factories.make_family(members=1)
    member = family.members[0]
    at = datetime(2024, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
    batch = ImportBatch(kind="attendance", filename="school.csv", sha256="0" * 64)
    db.session.add(batch)
    db.session.flush()
    bulk.insert(db.session.connection(), Measure.__table__, [
        {"family_id": family.id, "member_id": member.id, "kind": "attendance", "period_label": "Autumn 2019",
         "period_start": date(2019, 9, 2), "period_end": date(2019, 12, 20), "value": 93.5, "source": "school",
         "created_at": at, "updated_at": at},
    ])
    bulk.insert(db.session.connection(), ImportRow.__table__, [
        {"batch_id": batch.id, "row_number": 2, "status": "invalid", "reasons": [{"column": "", "reason": "x"}],
         "values": None, "candidates": [], "outcome": "", "replaced": []},
        {"batch_id": batch.id, "row_number": 3, "status": "exact", "reasons": [], "values": {"Term": "Autumn"},
         "candidates": [{"member_id": 1, "levels": {"dob": 3}}], "outcome": "", "replaced": []},
    ])
    db.session.commit()
    db.session.expire_all()
    measure = db.session.scalars(select(Measure).where(Measure.member_id == member.id)).one()
    assert (measure.period_start, measure.period_end, measure.value) == (date(2019, 9, 2), date(2019, 12, 20), 93.5)
    assert measure.created_at.replace(tzinfo=UTC) == at
    rows = {r.row_number: r for r in db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id))}
    assert rows[2].values is None and rows[2].reasons == [{"column": "", "reason": "x"}]
    assert db.session.scalar(select(ImportRow.id).where(ImportRow.batch_id == batch.id,
                                                        ImportRow.values.is_(None))) == rows[2].id
    assert rows[3].values == {"Term": "Autumn"} and rows[3].candidates[0]["levels"] == {"dob": 3}
