"""Stored verdicts: the cohort judged by background jobs and read by every web worker (``models.VerdictSet``,
``models.FamilyVerdict``).

No request judges the whole cohort. The cohort lists, the claims' list of claimable families and the progress
return read the set of verdicts as of their date; the family page reads its row. Who writes:

- ``build_set``: the whole cohort as of a date (the nightly refresh of today's set; a date a user asks for, the
  first time, by a job: until it is ready the page says it is being worked out and refreshes);
- ``refresh_families``: a few families in every set, after their records changed. Every change to a family's
  records writes an audit event naming the family (``audit.services`` notes it in the session); in the same
  transaction this module marks the family's stored verdicts stale, and once the transaction commits it queues a
  job to judge the family again (``jobs.refresh_family_verdicts``), which takes seconds;
- ``refresh_stale``: the sweep every minute (and every night) of whatever is still stale, in case a job was lost.

A web worker keeps each set it reads decoded in memory, checked against the database on every read: the set's
``token`` (new each time the set is made) and ``seq`` (raised by each write) say whether the copy is current, and
only the rows written since are fetched. Every worker and machine therefore shows the same verdicts, straight after
a refresh commits.

With the queue in immediate mode (the tests, ``JOBS_IMMEDIATE``) jobs run where they are asked for: a set is made
in the request that needs it, and stale rows are judged again before a set is read.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from flask import g, has_request_context
from sqlalchemy import and_, case, delete, event, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tfclaims.audit.models import AuditEvent
from tfclaims.audit.services import CHANGED_FAMILIES
from tfclaims.db import after_reading, as_utc, reading, utcnow, writing_now
from tfclaims.engine import kinds
from tfclaims.engine.models import (
    JUDGING,
    READY,
    WAITING,
    WORKING,
    WRITTEN,
    FamilyVerdict,
    VerdictPartition,
    VerdictSet,
)
from tfclaims.engine.queries import (
    PARTITION_FAMILIES,
    IdRange,
    _from_json,
    _payloads,
    evaluate_family,
    family_ranges,
    load_frames,
)
from tfclaims.engine.rules import WORKING_REQUIRED, Verdicts, evaluate
from tfclaims.extensions import db

# Sets other than today's are dropped by the nightly refresh once this many days have passed since they were made
# (a user who asks for the date again has it made again); at most this many sets are kept at once.
KEEP_DAYS = 2
MAX_SETS = 8
# A set still being worked out after this long (its job was lost) is asked for again by the sweep.
STUCK_AFTER = timedelta(minutes=10)
# Rows written per statement.
BATCH = 5_000
# A family's page shows its verdict as judged before a change this long after the change at most, while the refresh
# job judges it again; after that (the job seems lost) the page judges the family itself.
REFRESH_PATIENCE = timedelta(seconds=30)
# How often a family's page refreshes itself while its verdict is being judged again.
REFRESHING_SECONDS = 2


# ---------------------------------------------------------------- which sets exist


def _immediate() -> bool:
    from tfclaims.jobs.queue import huey

    return bool(huey.immediate)


def ready_set(as_of: date) -> VerdictSet | None:
    """The set of verdicts as of the date, if it is ready; otherwise it is asked for (made now in immediate mode,
    else by a job queued when the request commits) and None is returned."""
    found = db.session.get(VerdictSet, as_of)
    if found is not None and found.status == READY:
        return found
    if _immediate():
        writing_now()
        return build_set(as_of)
    if found is None:
        after_reading(lambda: _ask_for(as_of))  # a page view asks once its reading is over
    return None


def _ask_for(as_of: date) -> None:
    """The set as of the date, recorded as being worked out, and its job queued once that is committed."""
    try:
        with db.session.begin_nested():
            db.session.add(VerdictSet(as_of=as_of, status=WORKING, token=_token(), seq=0, families=0,
                                      requested_at=utcnow()))
    except IntegrityError:
        return  # asked for at the same moment by another request: its job is coming
    _after_commit(lambda: _queue_build(as_of))


def _token() -> str:
    return uuid.uuid4().hex


def _queue_build(as_of: date) -> None:
    from tfclaims.engine.jobs import build_verdict_set

    build_verdict_set(as_of.isoformat())


def _queue_refresh(family_ids: list[int]) -> None:
    from tfclaims.engine.jobs import refresh_family_verdicts

    refresh_family_verdicts(sorted(family_ids))


def _after_commit(callback) -> None:
    from tfclaims.jobs import queue

    queue.after_commit(callback)


# ---------------------------------------------------------------- writing


def _not_inputs() -> list[str]:
    """The tables whose rows the engine never reads (``__verdict_input__`` false, such as claim lines): their audit
    events are not changes to a family's data."""
    from tfclaims.db import Base

    return sorted(m.class_.__tablename__ for m in Base.registry.mappers if not m.class_.__verdict_input__)


def _judged_events():
    """The audit events that are changes to a family's data (its verdict's version)."""
    return AuditEvent.entity.not_in(_not_inputs())


def _versions(family_ids: list[int] | None, id_range: IdRange | None = None) -> dict[int, int]:
    """Each family's latest audit event id (of a change to its data): what its verdict is judged on."""
    query = select(AuditEvent.family_id, func.max(AuditEvent.id)).where(AuditEvent.family_id.is_not(None),
                                                                        _judged_events())
    if family_ids is not None:
        query = query.where(AuditEvent.family_id.in_(family_ids))
    if id_range is not None:
        query = query.where(AuditEvent.family_id.between(*id_range))
    return dict(db.session.execute(query.group_by(AuditEvent.family_id)).all())


def _lock(as_ofs: list[date]) -> list[VerdictSet]:
    """The sets, locked until the transaction ends (PostgreSQL; SQLite's transactions already hold the write lock),
    in date order, so two writers take them in the same order and each write's ``seq`` commits in order."""
    if not as_ofs:
        return []
    return list(
        db.session.scalars(
            select(VerdictSet).where(VerdictSet.as_of.in_(as_ofs)).order_by(VerdictSet.as_of).with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _rows(as_of: date, payloads: dict[int, dict], versions: dict[int, int], seq: int, now) -> list[dict]:
    return [
        {"as_of": as_of, "family_id": fid, "version": versions.get(fid), "seq": seq, "stale": False,
         "computed_at": now, "payload": payload}
        for fid, payload in payloads.items()
    ]


def _insert(rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(FamilyVerdict.__table__.insert(), rows[start : start + BATCH])


def _mark_changed_since(as_ofs: list[date], family_ids: list[int] | None = None) -> None:
    """Rows judged on data older than the family's latest audit event (it changed while it was being judged) are
    stale: the sweep judges them again."""
    table = FamilyVerdict.__table__
    newer = exists().where(
        and_(AuditEvent.family_id == table.c.family_id, AuditEvent.id > func.coalesce(table.c.version, 0),
             _judged_events())
    )
    query = update(table).where(table.c.as_of.in_(as_ofs), newer)
    if family_ids is not None:
        query = query.where(table.c.family_id.in_(family_ids))
    db.session.execute(query.values(stale=True))


def _set_for(as_of: date) -> VerdictSet:
    """The set as of the date, locked (``_lock``): made, as being worked out, if there is none."""
    if db.session.get(VerdictSet, as_of) is None:
        try:
            with db.session.begin_nested():
                db.session.add(VerdictSet(as_of=as_of, status=WORKING, token=_token(), seq=0, families=0,
                                          requested_at=utcnow()))
        except IntegrityError:
            pass
    [stored] = _lock([as_of])
    return stored


def _judge_range(as_of: date, id_range: IdRange) -> tuple[dict, dict]:
    """The payloads of the families in the range judged as of the date, and the data versions they were judged
    on (read first: the data judged is as new as these, or newer)."""
    versions = _versions(None, id_range)
    return _payloads(evaluate(load_frames(id_range=id_range), as_of)), versions


def _write_range(stored: VerdictSet, id_range: IdRange, payloads: dict, versions: dict, now) -> None:
    """The set's rows of the families in the range, replaced by these (a family no longer attached loses its row).
    The set must be locked, its ``seq`` raised for this write."""
    table = FamilyVerdict.__table__
    db.session.execute(delete(table).where(table.c.as_of == stored.as_of, table.c.family_id.between(*id_range)))
    _insert(_rows(stored.as_of, payloads, versions, stored.seq, now))


def _ready(stored: VerdictSet, now) -> None:
    """The set judged throughout: ready, with a new token (every worker reads it afresh), its count of families,
    and rows judged on data that changed meanwhile marked stale for the sweep."""
    table = FamilyVerdict.__table__
    _mark_changed_since([stored.as_of])
    stored.families = db.session.scalar(select(func.count()).select_from(table).where(table.c.as_of == stored.as_of))
    stored.status, stored.token, stored.refreshed_at = READY, _token(), now


def build_set(as_of: date, partition: int | None = None) -> VerdictSet:
    """Judge the whole cohort as of the date, in this process, and store it as a ready set, replacing what the set
    held. One partition of ``partition`` families at a time (``queries.family_ranges``): each is read, judged and
    written before the next is read, so the memory it takes does not grow with the cohort. Flushes.

    The job workers share the same work out between them (``plan_partitions``)."""
    stored = _set_for(as_of)
    stored.seq += 1
    now = utcnow()
    for id_range in family_ranges(partition or PARTITION_FAMILIES):
        payloads, versions = _judge_range(as_of, id_range)
        _write_range(stored, id_range, payloads, versions, now)
        del payloads
    _ready(stored, now)
    db.session.flush()
    return stored


# ---------------------------------------------------------------- a set judged by the job workers, partition by
# partition


def plan_partitions(as_of: date, partition: int | None = None) -> int:
    """Ask for the set as of the date to be judged by the job workers: its partitions recorded as waiting (any
    earlier plan of the set replaced). A set already ready stays readable, each partition's rows replaced as it is
    written; a new set is being worked out until its last partition is written. Returns how many partitions: the
    caller commits, then queues that many ``jobs.judge_verdict_partitions`` tasks (each judges partitions until none
    is waiting, so every worker running takes a share). Flushes."""
    _set_for(as_of)
    db.session.execute(delete(VerdictPartition).where(VerdictPartition.as_of == as_of))
    now = utcnow()
    ranges = family_ranges(partition or PARTITION_FAMILIES)
    db.session.add_all(
        VerdictPartition(as_of=as_of, number=number, first_family_id=first, last_family_id=last, status=WAITING,
                         queued_at=now, families=0)
        for number, (first, last) in enumerate(ranges, start=1)
    )
    db.session.flush()
    return len(ranges)


def _claim(as_of: date) -> tuple[int, IdRange] | None:
    """A waiting partition of the set (its number and range), taken for this worker and committed, so no other
    worker takes it; None when none is waiting. Leaves no transaction open (on SQLite, none holding the write
    lock while the partition is judged)."""
    while True:
        waiting = db.session.execute(
            select(VerdictPartition.number, VerdictPartition.first_family_id, VerdictPartition.last_family_id)
            .where(VerdictPartition.as_of == as_of, VerdictPartition.status == WAITING)
            .order_by(VerdictPartition.number).limit(1)
        ).first()
        if waiting is None:
            db.session.commit()
            return None
        number, first, last = waiting
        taken = db.session.execute(
            update(VerdictPartition)
            .where(VerdictPartition.as_of == as_of, VerdictPartition.number == number,
                   VerdictPartition.status == WAITING)
            .values(status=JUDGING, started_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken:
            return number, (first, last)


def judge_next_partition(as_of: date) -> bool:
    """Take a waiting partition of the set, judge its families and write their rows; the last partition written
    makes the set ready. Returns False when no partition was waiting. Commits."""
    taken = _claim(as_of)
    if taken is None:
        return False
    number, id_range = taken
    # Read and judged in a transaction that only reads (on SQLite, without the write lock: the other workers read
    # and write their partitions meanwhile); written in one of its own.
    with reading():
        payloads, versions = _judge_range(as_of, id_range)
        db.session.commit()
    stored = _lock([as_of])
    mine = db.session.get(VerdictPartition, (as_of, number), populate_existing=True)
    if not stored or mine is None or mine.status != JUDGING:
        # The set was dropped, or planned again, meanwhile: this work is no longer wanted.
        db.session.rollback()
        return True
    [stored] = stored
    now = utcnow()
    stored.seq += 1
    _write_range(stored, id_range, payloads, versions, now)
    mine.status, mine.families = WRITTEN, len(payloads)
    left = db.session.scalar(
        select(func.count()).select_from(VerdictPartition)
        .where(VerdictPartition.as_of == as_of, VerdictPartition.status != WRITTEN)
    )
    if not left:
        _ready(stored, now)
        db.session.execute(delete(VerdictPartition).where(VerdictPartition.as_of == as_of))
    db.session.commit()
    return True


def partitions_left(as_of: date) -> tuple[int, int]:
    """How many partitions of the set are not yet written, and how many there are (0, 0 once it is ready)."""
    rows = db.session.execute(
        select(VerdictPartition.status, func.count()).where(VerdictPartition.as_of == as_of)
        .group_by(VerdictPartition.status)
    ).all()
    counts = dict(rows)
    return sum(n for status, n in counts.items() if status != WRITTEN), sum(counts.values())


def lost_partitions(now) -> list[tuple[date, int]]:
    """Partitions waiting or being judged for far longer than a partition takes (their task or their worker was
    lost): handed back as waiting. Returns the set and number of each, for the caller to queue a task for each
    once it has committed. Flushes."""
    limit = now - STUCK_AFTER
    lost = list(db.session.scalars(
        select(VerdictPartition).where(
            ((VerdictPartition.status == WAITING) & (VerdictPartition.queued_at < limit))
            | ((VerdictPartition.status == JUDGING) & (VerdictPartition.started_at < limit))
        )
    ))
    for part in lost:
        part.status, part.queued_at, part.started_at = WAITING, now, None
    db.session.flush()
    return [(part.as_of, part.number) for part in lost]


def refresh_families(family_ids: list[int]) -> int:
    """Judge the families again in every ready set, from their records now. A row judged on newer data (by another
    refresh that ran meanwhile) is left as it is. Returns how many rows were written. Flushes."""
    family_ids = sorted({int(f) for f in family_ids})
    as_ofs = list(db.session.scalars(select(VerdictSet.as_of).where(VerdictSet.status == READY)))
    if not family_ids or not as_ofs:
        return 0
    versions = _versions(family_ids)
    frames = load_frames(family_ids)
    judged = {as_of: _payloads(evaluate(frames, as_of)) for as_of in as_ofs}
    sets = _lock(as_ofs)
    table = FamilyVerdict.__table__
    held = {
        (row.as_of, row.family_id): row.version
        for row in db.session.execute(
            select(table.c.as_of, table.c.family_id, table.c.version).where(table.c.family_id.in_(family_ids))
        )
    }
    now, written = utcnow(), 0
    for stored in sets:
        newer = {fid for fid in family_ids if (held.get((stored.as_of, fid)) or 0) > (versions.get(fid) or 0)}
        mine = [fid for fid in family_ids if fid not in newer]
        if not mine:
            continue
        stored.seq += 1
        db.session.execute(delete(table).where(table.c.as_of == stored.as_of, table.c.family_id.in_(mine)))
        payloads = {fid: p for fid, p in judged[stored.as_of].items() if fid in set(mine)}
        _insert(_rows(stored.as_of, payloads, versions, stored.seq, now))
        stored.families += len(payloads) - sum((stored.as_of, fid) in held for fid in mine)
        stored.refreshed_at = now
        written += len(mine)
    _mark_changed_since(as_ofs, family_ids)
    db.session.flush()
    return written


def stale_families(limit: int = 2_000) -> list[int]:
    return list(db.session.scalars(
        select(FamilyVerdict.family_id).where(FamilyVerdict.stale.is_(True)).distinct()
        .order_by(FamilyVerdict.family_id).limit(limit)
    ))


def refresh_stale() -> int:
    """Judge again every family whose stored verdict is stale (in batches). Returns how many families."""
    done = 0
    while ids := stale_families():
        refresh_families(ids)
        done += len(ids)
        if len(ids) < 2_000:
            break
    return done


def stuck_sets(now) -> list[date]:
    """Sets asked for but still not ready long after, with no partition planned: their job was lost (a set whose
    partitions are planned is looked after partition by partition, ``lost_partitions``)."""
    planned = exists().where(VerdictPartition.as_of == VerdictSet.as_of)
    return list(db.session.scalars(
        select(VerdictSet.as_of).where(VerdictSet.status == WORKING, VerdictSet.requested_at < now - STUCK_AFTER,
                                       ~planned)
    ))


def nightly(today: date) -> VerdictSet:
    """The nightly refresh in this process (``flask tfclaims refresh-verdicts``): today's set made again; then
    ``after_nightly``. The job workers share the same work out (``jobs.verdict_refresh``)."""
    stored = build_set(today)
    after_nightly(today)
    return stored


def after_nightly(today: date) -> None:
    """Once today's set is made: sets of other dates made more than ``KEEP_DAYS`` days ago dropped (a user who asks
    for one again has it made again); whatever else is stale judged again."""
    old = utcnow() - timedelta(days=KEEP_DAYS)
    db.session.execute(delete(VerdictSet).where(VerdictSet.as_of != today, VerdictSet.requested_at < old))
    refresh_stale()


def forget_sets_beyond(limit: int = MAX_SETS) -> None:
    """At most ``limit`` sets: the least recently asked for go first (today's never)."""
    from tfclaims import clock

    kept = list(db.session.scalars(
        select(VerdictSet.as_of).where(VerdictSet.as_of != clock.today()).order_by(VerdictSet.requested_at.desc())
    ))
    if len(kept) >= limit:
        db.session.execute(delete(VerdictSet).where(VerdictSet.as_of.in_(kept[limit - 1 :])))


def judge_everything_again() -> None:
    """After a change that touches every family's verdict (a framework's national settings): every stored row is
    stale at once, and every set is made again by a job once the transaction commits."""
    db.session.execute(update(FamilyVerdict.__table__).values(stale=True))
    as_ofs = list(db.session.scalars(select(VerdictSet.as_of)))
    if _immediate():
        for as_of in as_ofs:
            build_set(as_of)
        return
    for as_of in as_ofs:
        _after_commit(lambda as_of=as_of: _queue_build(as_of))


# ---------------------------------------------------------------- a family's changes, noted as they are flushed

# Immediate mode only: families changed outside a request (a test's own commits, a command), judged again at the
# next read of a set in this process.
_lock_pending = threading.Lock()
_pending: set[int] = set()


@event.listens_for(Session, "after_flush_postexec")
def _mark_stale(session: Session, flush_context) -> None:
    """Every family whose records this flush changed (``audit.services`` notes it with the audit event): its stored
    verdicts are stale, in the same transaction, and it is judged again once the transaction commits."""
    noted = session.info.get(CHANGED_FAMILIES)
    if not noted:
        return
    marked = session.info.setdefault("verdicts_marked", set())
    new = noted - marked
    if new:
        table = FamilyVerdict.__table__
        session.connection().execute(update(table).where(table.c.family_id.in_(sorted(new))).values(stale=True))
        marked |= new


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    """Once the changes are committed, a job judges the families again. In a request the job is queued by the
    request's own after-commit step (``tfclaims.web``); elsewhere (a command, a job) it is queued now, unless the
    queue is immediate: then the next read of a set judges them (no SQL may run in this event)."""
    changed = session.info.pop(CHANGED_FAMILIES, None)
    session.info.pop("verdicts_marked", None)
    if not changed:
        return
    ids = sorted(changed)
    if has_request_context():
        g.setdefault("after_commit", []).append(lambda: _queue_refresh(ids))
    elif not _immediate():
        _queue_refresh(ids)
    else:
        with _lock_pending:
            _pending.update(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    """A rollback undoes the marks it covered: mark again at the next flush. When the whole transaction is rolled
    back, nothing changed and nothing is judged again."""
    session.info.pop("verdicts_marked", None)
    if previous_transaction.parent is None:
        session.info.pop(CHANGED_FAMILIES, None)


# ---------------------------------------------------------------- reading


@dataclass
class _Decoded:
    token: str
    seq: int
    families: pd.DataFrame
    problems: pd.DataFrame


_lock_decoded = threading.Lock()
# Keyed by database and date (a process serving two databases, as the tests' do, keeps each apart).
_decoded: dict[tuple[str, date], _Decoded] = {}


@dataclass(frozen=True)
class StoredVerdicts:
    """A set as read: its verdicts, when it was judged, and how many of its families changed since and are being
    judged again."""

    as_of: date
    verdicts: Verdicts
    refreshed_at: object
    stale: int


def stored_verdicts(as_of: date) -> StoredVerdicts | None:
    """The cohort's verdicts as of the date, from the stored set; None while the set is being worked out."""
    stored = ready_set(as_of)
    if stored is None:
        return None
    table = FamilyVerdict.__table__
    if _immediate():
        with _lock_pending:
            changed = set(_pending)
            _pending.clear()
        changed |= set(db.session.scalars(select(table.c.family_id).where(table.c.stale.is_(True))))
        if changed:
            writing_now()
            refresh_families(sorted(changed))
            db.session.refresh(stored)
    count, stale = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((table.c.stale, 1), else_=0)), 0))
        .where(table.c.as_of == as_of)
    ).one()
    key = (str(db.engine.url), as_of)
    with _lock_decoded:
        kept = _decoded.get(key)
        if kept is None or kept.token != stored.token:
            kept = _decoded[key] = _load(stored)
        elif kept.seq < stored.seq:
            _patch(kept, stored)
        if len(kept.families) != count:
            kept = _decoded[key] = _load(stored)
        verdicts = Verdicts(problems=kept.problems, families=kept.families)
    return StoredVerdicts(as_of, verdicts, stored.refreshed_at, int(stale or 0))


def warm(as_of: date) -> bool:
    """Read the day's set into this process's memory when it is ready (a web worker, before its first request, so
    that no user waits the second it takes to decode a council's cohort); asks for nothing and writes nothing.
    True when the set was there to read."""
    stored = db.session.get(VerdictSet, as_of)
    if stored is None or stored.status != READY:
        return False
    key = (str(db.engine.url), as_of)
    with _lock_decoded:
        kept = _decoded.get(key)
        if kept is None or kept.token != stored.token:
            _decoded[key] = _load(stored)
        elif kept.seq < stored.seq:
            _patch(kept, stored)
    return True


def _fetch(as_of: date, after: int) -> tuple[list[int], list[dict], int]:
    table = FamilyVerdict.__table__
    ids, payloads, top = [], [], after
    query = select(table.c.family_id, table.c.payload, table.c.seq).where(table.c.as_of == as_of)
    if after:
        query = query.where(table.c.seq > after)
    for family_id, payload, seq in db.session.execute(query.order_by(table.c.family_id)):
        ids.append(family_id)
        payloads.append(payload)
        top = max(top, seq)
    return ids, payloads, top


def _load(stored: VerdictSet) -> _Decoded:
    _, payloads, top = _fetch(stored.as_of, 0)
    families, problems = _frames(payloads)
    return _Decoded(stored.token, max(top, stored.seq), families, problems)


def _patch(kept: _Decoded, stored: VerdictSet) -> None:
    ids, payloads, top = _fetch(stored.as_of, kept.seq)
    families, problems = _frames(payloads)
    kept.families = _replace(kept.families, families, ids)
    kept.problems = _replace(kept.problems, problems, ids)
    kept.seq = max(top, stored.seq)


def _replace(old: pd.DataFrame, new: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    kept = old[~old["family_id"].isin(ids)]
    if new.empty:
        return kept.reset_index(drop=True)
    if kept.empty:
        return new
    return pd.concat([kept, new], ignore_index=True)


# The types of the verdicts' columns, as the engine makes them (``rules.evaluate``), for the rows read back from
# JSON: dates end in ``_on``; the rest by name.
_BOOLEANS = {"claimable", "identified_after_attachment", "whole_family_working"}
_NULLABLE_INTEGERS = {"ce_member_id"}
_CATEGORIES = {"status": kinds.STATUS_DTYPE,
               "status_label": pd.CategoricalDtype([kinds.STATUSES[s] for s in kinds.STATUS_ORDER])}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column.endswith("_on"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
        elif column in _BOOLEANS:
            frame[column] = frame[column].astype(bool)
        elif column in _NULLABLE_INTEGERS:
            frame[column] = frame[column].astype("Int64")
        elif column in _CATEGORIES:
            frame[column] = frame[column].astype(_CATEGORIES[column])
    return frame


def _frames(payloads: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    families = _typed(pd.DataFrame([p["family"] for p in payloads if p.get("family")]))
    problems = _typed(pd.DataFrame([row for p in payloads for row in p.get("problems", [])]))
    if families.empty or problems.empty:
        empty = evaluate(load_frames([]), date(2000, 1, 1))  # the engine's own columns, no rows
        families = empty.families if families.empty else families
        problems = empty.problems if problems.empty else problems
    return families, problems


def forget_decoded() -> None:
    """Drop this process's decoded copies (the tests, between databases)."""
    with _lock_decoded:
        _decoded.clear()


# ---------------------------------------------------------------- one family


def _latest_change(family_id: int) -> tuple[int | None, datetime | None]:
    """The id and time of the latest audit event naming the family: the version of its data."""
    found = db.session.execute(
        select(AuditEvent.id, AuditEvent.at).where(AuditEvent.family_id == family_id, _judged_events())
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (found.id, as_utc(found.at)) if found else (None, None)


def family_panel(family_id: int, as_of: date) -> dict:
    """The verdicts shown on a family's page: the family's and one per problem, as plain values, and
    ``verdict_refreshing`` (when the verdict shown was judged before the family's latest change). The page does not
    write.

    - The family's row in the stored set, when it was judged on the family's data as it is now.
    - Just after a change (less than ``REFRESH_PATIENCE`` ago), while its refresh job is on its way: the row as it
      was, said to be judged before the change (the page refreshes itself until the job has judged the family).
    - Otherwise (no row yet, a change whose refresh seems lost, or no worker: jobs run where they are asked for):
      judged now, on the family's own rows."""
    stored = db.session.get(FamilyVerdict, (as_of, family_id))
    version, changed_at = _latest_change(family_id)
    refreshing = False
    if stored is not None and not stored.stale and stored.version == version:
        payload = stored.payload
    elif (stored is not None and not _immediate() and changed_at is not None
          and utcnow() - changed_at < REFRESH_PATIENCE):
        payload, refreshing = stored.payload, True
    else:
        payload = _payloads(evaluate_family(family_id, as_of)).get(family_id, {"family": None, "problems": []})
    return {
        "verdict": _from_json(payload["family"]) if payload["family"] else None,
        "problem_verdicts": [_from_json(p) for p in payload["problems"]],
        "verdict_as_of": as_of,
        "verdict_refreshing": refreshing,
        "verdict_refresh_seconds": REFRESHING_SECONDS,
        # The frameworks under which a claim needs whole-family working (the page says required or only shown).
        "working_required": WORKING_REQUIRED,
    }
