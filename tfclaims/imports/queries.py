"""Reads for partner imports: the register as linkage compares it, batches, their rows and the review queue."""

from __future__ import annotations

from collections import Counter

import pandas as pd
from sqlalchemy import String, Text, and_, cast, func, or_, select

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
    # The date of birth as its ISO text (linkage reads it as text): no date object made per member.
    result = db.session.execute(select(
        m.id, m.family_id, m.forenames, m.surname, cast(m.date_of_birth, String), m.sex, m.postcode, m.upn,
        m.nhs_number, m.ni_number, m.pnc_number, m.case_reference,
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


def _shown(query, statuses: tuple[str, ...] | None, noted: bool):
    """Rows of those statuses; with ``noted``, also the rows written with a note (a case-management row whose
    attachment or early-help request was refused when it was written)."""
    if not statuses:
        return query
    if not noted:
        return query.where(ImportRow.status.in_(statuses))
    from tfclaims.imports.vocabulary import WRITTEN

    return query.where(or_(ImportRow.status.in_(statuses), and_(
        ImportRow.status.in_(WRITTEN), cast(ImportRow.reasons, Text).not_in(["[]", "null"]))))


def rows_of(batch_id: int, statuses: tuple[str, ...] | None = None, offset: int = 0,
            limit: int | None = None, noted: bool = False) -> list[ImportRow]:
    query = select(ImportRow).where(ImportRow.batch_id == batch_id).order_by(ImportRow.row_number, ImportRow.id)
    query = _shown(query, statuses, noted)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_rows(batch_id: int, statuses: tuple[str, ...] | None = None, noted: bool = False) -> int:
    query = select(func.count(ImportRow.id)).where(ImportRow.batch_id == batch_id)
    return db.session.scalar(_shown(query, statuses, noted)) or 0


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


def matched_lines(batch_id: int, statuses: tuple[str, ...]) -> list:
    """A batch's rows of these statuses as plain rows (id, member_id, family_id, values): a file's thousands of
    lines are written without loading them as objects."""
    t = ImportRow.__table__.c
    return list(db.session.execute(
        select(t.id, t.row_number, t.member_id, t.family_id, t["values"]).where(
            t.batch_id == batch_id, t.status.in_(statuses)).order_by(t.row_number)))


# ---------------------------------------------------------------- identification: the facts of those not attached


def identification_facts(framework_id: int) -> tuple[list[tuple], dict[str, str], dict[str, str]]:
    """The facts of the register's families not attached under the framework, and of the people of confirmed
    partner files the register does not hold (their rows' values, while kept): (facts, each person's label, each
    household's label). Read set-wise: one query per table."""
    from tfclaims.families.models import Attachment
    from tfclaims.imports import records
    from tfclaims.imports.sources import SOURCES
    from tfclaims.imports.vocabulary import REJECTED, UNMATCHED
    from tfclaims.outcomes_plan.models import OutcomesPlan, PlanVersion
    from tfclaims.progress.models import Event, Measure, StatusEpisode

    attached = (select(Attachment.family_id).join(PlanVersion, PlanVersion.id == Attachment.plan_version_id)
                .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
                .where(OutcomesPlan.framework_id == framework_id))
    # The families not attached first (a council's register is mostly attached): then only their records are read,
    # through the records' family indexes.
    free = list(db.session.scalars(select(Family.id).where(Family.id.not_in(attached)).order_by(Family.id)))
    facts: list[tuple] = []
    people: dict[str, str] = {}
    households: dict[str, str] = {}

    def family_key(family_id: int) -> str:
        return f"family:{family_id}"

    m, e, s = Measure.__table__.c, Event.__table__.c, StatusEpisode.__table__.c
    for start in range(0, len(free), 5_000):
        chunk = free[start:start + 5_000]
        for family_id, member_id, value, end, label in db.session.execute(
                select(m.family_id, m.member_id, m.value, m.period_end, m.period_label)
                .where(m.family_id.in_(chunk), m.kind == "attendance")):
            facts.append((family_key(family_id), f"member:{member_id}", "attendance", end, value, label))
        for family_id, member_id, kind, on in db.session.execute(
                select(e.family_id, e.member_id, e.kind, e.occurred_on).where(e.family_id.in_(chunk))):
            facts.append((family_key(family_id), f"member:{member_id}", kind, on, None, ""))
        for family_id, member_id, kind, started, ended in db.session.execute(
                select(s.family_id, s.member_id, s.kind, s.started_on, s.ended_on).where(s.family_id.in_(chunk))):
            facts.append((family_key(family_id), f"member:{member_id}", kind, started,
                          ended.isoformat() if ended else None, f"from {started:%d/%m/%Y}"
                          + (f" to {ended:%d/%m/%Y}" if ended else ", still open")))
    member_ids = sorted({int(f[1].split(":")[1]) for f in facts})
    for start in range(0, len(member_ids), 5_000):
        for member_id, family_id, forenames, surname, reference in db.session.execute(
                select(Member.id, Member.family_id, Member.forenames, Member.surname, Family.reference)
                .join(Family, Family.id == Member.family_id).where(Member.id.in_(member_ids[start:start + 5_000]))):
            people[f"member:{member_id}"] = f"{forenames} {surname}"
            households[family_key(family_id)] = f"Family {reference}"

    # People of partner files the register does not hold: one household per surname and postcode.
    r = ImportRow.__table__.c
    dates = {kind: frozenset(c.name for c in source.columns if c.holds == "date") for kind, source in SOURCES.items()}
    for kind, values in db.session.execute(
            select(ImportBatch.kind, r["values"]).join(ImportBatch, ImportBatch.id == r.batch_id)
            .where(ImportBatch.status == CONFIRMED, r.status.in_((UNMATCHED, REJECTED)), r["values"].is_not(None))):
        row = records.from_json(values, dates[kind])
        surname, postcode = " ".join(str(row["Surname"]).split()).title(), row.get("Postcode") or "no postcode"
        household = f"partner:{surname.casefold()}|{postcode}"
        person = f"partner:{str(row['Forename']).casefold()}|{surname.casefold()}|{row['Date of birth']}"
        households[household] = f"{surname} at {postcode} (not in the register)"
        people[person] = f"{row['Forename']} {surname}, born {row['Date of birth']:%d/%m/%Y}"
        for record in records.records(kind, row):
            if kind == "attendance" and record["kind"] == "attendance":
                facts.append((household, person, "attendance", record["period_end"], record["value"],
                              record["period_label"]))
            elif kind in ("exclusions", "police"):
                facts.append((household, person, record["kind"], record["occurred_on"], None, ""))
            elif kind == "social_care":
                ended = record["ended_on"]
                facts.append((household, person, record["kind"], record["started_on"],
                              ended.isoformat() if ended else None, f"from {record['started_on']:%d/%m/%Y}"
                              + (f" to {ended:%d/%m/%Y}" if ended else ", still open")))
    return facts, people, households


def descriptors_by_source(version_id: int) -> dict[tuple[str, str], list[str]]:
    """The plan version's descriptor codes by (headline problem code, evidence source)."""
    from tfclaims.outcomes_plan.models import Descriptor, HeadlineProblem

    found: dict[tuple[str, str], list[str]] = {}
    for code, problem, source in db.session.execute(
            select(Descriptor.code, HeadlineProblem.code, Descriptor.evidence_source)
            .join(HeadlineProblem, HeadlineProblem.id == Descriptor.problem_id)
            .where(Descriptor.plan_version_id == version_id).order_by(Descriptor.code)):
        found.setdefault((problem, source), []).append(code)
    return found


def identified(as_of):
    """The candidate households as of a date under the plan in force: (version or None, households, people's labels,
    households' labels, descriptor codes by (problem, source), problem names)."""
    from tfclaims.imports import identification
    from tfclaims.outcomes_plan.models import HeadlineProblem
    from tfclaims.outcomes_plan.queries import get_version_in_force

    version = get_version_in_force(as_of)
    if version is None:
        return None, [], {}, {}, {}, {}
    framework = version.plan.framework
    facts, people, households = identification_facts(framework.id)
    found = identification.candidates(identification.facts_frame(facts), as_of, framework.code,
                                      framework.min_problems)
    names = dict(db.session.execute(select(HeadlineProblem.code, HeadlineProblem.name)
                                    .where(HeadlineProblem.framework_id == framework.id)).all())
    return version, found, people, households, descriptors_by_source(version.id), names


def row_places(row_ids: set[int]) -> dict[int, tuple[int, int]]:
    """Where imported records came from: import row id -> (import id, the file's row number)."""
    if not row_ids:
        return {}
    return {row_id: (batch_id, number) for row_id, batch_id, number in db.session.execute(
        select(ImportRow.id, ImportRow.batch_id, ImportRow.row_number).where(ImportRow.id.in_(sorted(row_ids))))}
