from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal_column, or_, select, union_all

from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.clock import LONDON
from tfclaims.db import as_utc
from tfclaims.extensions import db
from tfclaims.families.models import Family, Member

CHANGES, READS = "changes", "reads"  # AuditFilter.show; anything else shows both


@dataclass
class AuditFilter:
    actor_id: int | None = None
    entity: str | None = None
    action: str | None = None
    family_reference: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    show: str = ""  # CHANGES, READS, or "" for both


def _filtered(f: AuditFilter) -> Select:
    q = select(AuditEvent)
    if f.actor_id:
        q = q.where(AuditEvent.actor_id == f.actor_id)
    if f.entity:
        q = q.where(AuditEvent.entity == f.entity)
    if f.action:
        q = q.where(AuditEvent.action == f.action)
    if f.family_reference:
        # No family with this reference: no events (never the whole trail).
        q = q.where(AuditEvent.family_id.in_(select(Family.id).where(Family.reference == f.family_reference)))
    return _dated(q, AuditEvent.at, f)


def _reads_filtered(f: AuditFilter) -> Select | None:
    """The reads matching the filter, or None when none can (a read has no record type)."""
    if f.entity:
        return None
    q = select(AccessEvent)
    if f.actor_id:
        q = q.where(AccessEvent.actor_id == f.actor_id)
    if f.action:
        q = q.where(AccessEvent.action == f.action)
    if f.family_reference:
        family_id = db.session.scalar(select(Family.id).where(Family.reference == f.family_reference))
        if family_id is None:
            return None  # no such family: no reads (never the whole trail)
        q = q.where(or_(AccessEvent.family_id == family_id, listed_family(family_id)))
    return _dated(q, AccessEvent.at, f)


def _dated(q: Select, at, f: AuditFilter) -> Select:
    if f.date_from:
        q = q.where(at >= _london_midnight_in_utc(f.date_from))
    if f.date_to:
        q = q.where(at < _london_midnight_in_utc(f.date_to + timedelta(days=1)))
    return q


def _london_midnight_in_utc(day: date) -> datetime:
    """The start of a day as council staff mean it, in UTC: SQLite keeps only the UTC wall time of ``at``, so a
    London-time bound would be an hour out in summer time there."""
    return datetime.combine(day, time.min, LONDON).astimezone(UTC)


def _count(q: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(q.subquery())) or 0


def list_events(f: AuditFilter, page: int, per_page: int) -> tuple[list[AuditEvent | AccessEvent], int]:
    """One page of the trail, newest first: changes (``AuditEvent``), reads (``AccessEvent``) or both."""
    offset = (page - 1) * per_page
    changes = _filtered(f) if f.show != READS else None
    reads = _reads_filtered(f) if f.show != CHANGES else None
    if changes is None and reads is None:
        return [], 0
    if reads is None or changes is None:
        model = AuditEvent if reads is None else AccessEvent
        q = changes if reads is None else reads
        rows = db.session.scalars(q.order_by(model.at.desc(), model.id.desc()).limit(per_page).offset(offset))
        return list(rows), _count(q)
    # Both: one list of (kind, id, at) across the two tables, then each page's events loaded by id.
    both = union_all(
        changes.with_only_columns(literal_column("1").label("kind"), AuditEvent.id.label("id"),
                                  AuditEvent.at.label("at")),
        reads.with_only_columns(literal_column("2").label("kind"), AccessEvent.id.label("id"),
                                AccessEvent.at.label("at")),
    ).subquery()
    total = db.session.scalar(select(func.count()).select_from(both)) or 0
    keys = db.session.execute(
        select(both.c.kind, both.c.id).order_by(both.c.at.desc(), both.c.kind.desc(), both.c.id.desc())
        .limit(per_page).offset(offset)
    ).all()
    loaded = {}
    for kind, model in ((1, AuditEvent), (2, AccessEvent)):
        ids = [id_ for k, id_ in keys if k == kind]
        if ids:
            loaded |= {(kind, e.id): e for e in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return [loaded[(kind, id_)] for kind, id_ in keys], total


def list_entities() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))


def list_actions() -> list[str]:
    """Every action in the trail: changes' and reads'."""
    changes = set(db.session.scalars(select(AuditEvent.action).distinct()))
    return sorted(changes | set(db.session.scalars(select(AccessEvent.action).distinct())))


def family_timeline(family_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.family_id == family_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def family_references(family_ids: set[int]) -> dict[int, str]:
    """The reference of each family still on the register, for naming families in the trail without their ids."""
    if not family_ids:
        return {}
    return dict(db.session.execute(select(Family.id, Family.reference).where(Family.id.in_(family_ids))).all())


# ---------------------------------------------------------------- reads of personal data (access events)


@dataclass(frozen=True)
class Read:
    """One read of a family's or a person's record, for "who has looked at this family" and subject access."""

    at: datetime
    actor_id: int | None
    actor_label: str
    action: str  # viewed | searched | downloaded
    what: str  # in words: "family page", "claim pack (PDF)", "family search"
    family_id: int | None
    member_id: int | None


def _read(event: AccessEvent) -> Read:
    return Read(at=as_utc(event.at), actor_id=event.actor_id, actor_label=event.actor_label, action=event.action,
                what=event.what, family_id=event.family_id, member_id=event.member_id)


def listed_family(family_id: int) -> ColumnElement[bool]:
    """A read that listed this family among others (``detail["family_ids"]``): a search whose results page showed
    it, a claim's file with a line for it.

    ``detail`` is JSON written by ``record_access`` with ``family_ids`` as its last key, serialised by ``json.dumps``
    (PostgreSQL's ``json`` keeps that text as written). A quote inside the search terms is escaped, so the text
    ``"family_ids": [`` can only be the key itself, and the id can only match inside its list."""
    text = cast(AccessEvent.detail, String)
    key = '%"family_ids": ['
    n = str(int(family_id))
    return or_(
        text.like(f"{key}{n}]%"),
        text.like(f"{key}{n}, %"),
        text.like(f"{key}%, {n}, %"),
        text.like(f"{key}%, {n}]%"),
    )


def _listed(event: AccessEvent, family_id: int) -> bool:
    ids = (event.detail or {}).get("family_ids") if isinstance(event.detail, dict) else None
    return isinstance(ids, list) and family_id in ids


def reads_of_family(family_id: int) -> list[Read]:
    """Who has looked at this family, newest first: every view of its page, every download about it (a claim pack
    or claim file with a line for it, an export naming it), every read of one of its members, and every search
    whose results listed it.

    Each row has ``at`` (UTC), ``actor_id``, ``actor_label`` (the reader's name when they read), ``action``
    (``viewed``, ``searched`` or ``downloaded``), ``what`` (in words), ``family_id`` and ``member_id``. The rows carry
    no search terms or file names (those are in the event's ``detail``, personal, and not returned here)."""
    events = db.session.scalars(
        select(AccessEvent)
        .where(or_(AccessEvent.family_id == family_id, listed_family(family_id)))
        .order_by(AccessEvent.at.desc(), AccessEvent.id.desc())
    )
    return [_read(e) for e in events if e.family_id == family_id or _listed(e, family_id)]


def reads_of_member(member_id: int, family_id: int | None = None) -> list[Read]:
    """Who has looked at this person's record, newest first: every read naming the member (``member_id``), and,
    because a family's page, searches and downloads show all its members, every read of their family that names no
    other member (a subject access export for their brother is not a read of their record).

    ``family_id`` is the member's family; when not given it is looked up from the member (a member already erased
    has no family to look up, and only the reads naming them are returned). Rows as in ``reads_of_family``."""
    if family_id is None:
        family_id = db.session.scalar(select(Member.family_id).where(Member.id == member_id))
    clause = AccessEvent.member_id == member_id
    if family_id is not None:
        of_family = or_(AccessEvent.family_id == family_id, listed_family(family_id))
        clause = or_(clause, and_(of_family, AccessEvent.member_id.is_(None)))
    events = db.session.scalars(select(AccessEvent).where(clause).order_by(AccessEvent.at.desc(),
                                                                         AccessEvent.id.desc()))
    return [
        _read(e) for e in events
        if e.member_id == member_id
        or (e.member_id is None and family_id is not None
            and (e.family_id == family_id or _listed(e, family_id)))
    ]
