"""The cohort judged in partitions of families (issue 17): the same verdicts as judged at once, whatever the size of
the partitions; the stored set written partition by partition, by whichever job worker takes each; a partition
whose worker was lost handed out again; the nightly job sharing the partitions with the other workers."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.integration.test_cohort_pages import AS_OF, cohort  # noqa: F401  (the fixture)
from tfclaims.db import utcnow
from tfclaims.engine import jobs, queries, store
from tfclaims.engine.models import JUDGING, READY, WAITING, WORKING, FamilyVerdict, VerdictPartition, VerdictSet
from tfclaims.engine.rules import evaluate
from tfclaims.extensions import db


@pytest.fixture(autouse=True)
def fresh_copies():
    store.forget_decoded()
    yield
    store.forget_decoded()


def stored_payloads(as_of: date) -> dict[int, dict]:
    table = FamilyVerdict.__table__
    rows = db.session.execute(select(table.c.family_id, table.c.payload).where(table.c.as_of == as_of))
    return {family_id: payload for family_id, payload in rows}


def attached_ids() -> list[int]:
    from tfclaims.families.models import Attachment

    return sorted(set(db.session.scalars(select(Attachment.family_id))))


@pytest.mark.parametrize("size", [1, 2, 3, 1000])
def test_a_cohort_judged_in_partitions_has_the_verdicts_of_the_cohort_judged_at_once(app, cohort, size):  # noqa: F811
    alone = evaluate(queries.load_frames(), AS_OF)
    parts = queries.evaluate_cohort(AS_OF, partition=size)
    assert len(alone.families) == 5
    pd.testing.assert_frame_equal(parts.families, alone.families)
    pd.testing.assert_frame_equal(parts.problems, alone.problems)
    pd.testing.assert_frame_equal(parts.eligibility, alone.eligibility)


def test_the_partitions_cover_every_family_id_and_hold_at_most_their_size(app, cohort):  # noqa: F811
    ids = attached_ids()
    ranges = queries.family_ranges(2)
    assert len(ranges) == 3
    assert ranges[0][0] == 0 and ranges[-1][1] == queries.LAST_ID
    for (_, last), (first, _) in zip(ranges, ranges[1:], strict=False):
        assert first == last + 1  # no gap: a family added between two partitions is in one of them
    for first, last in ranges:
        assert 1 <= sum(first <= i <= last for i in ids) <= 2
    assert queries.family_ranges(1000) == [(0, queries.LAST_ID)]
    with pytest.raises(ValueError):
        queries.family_ranges(0)


def test_a_partition_reads_only_its_own_families(app, cohort):  # noqa: F811
    ids = attached_ids()
    frames = queries.load_frames(id_range=(ids[1], ids[2]))
    for name in ("attachments", "problems", "measures", "events", "spells", "episodes", "evidence", "working"):
        assert set(getattr(frames, name)["family_id"]) <= {ids[1], ids[2]}, name
    assert set(frames.attachments["family_id"]) == {ids[1], ids[2]}


def test_a_set_built_in_partitions_stores_what_a_set_built_at_once_stores(app, cohort):  # noqa: F811
    at_once = store.build_set(AS_OF, partition=1000)
    db.session.commit()
    whole = stored_payloads(AS_OF)
    in_parts = store.build_set(AS_OF, partition=2)
    db.session.commit()
    assert in_parts.status == READY and in_parts.families == 5 == at_once.families
    assert stored_payloads(AS_OF) == whole


def test_workers_take_the_partitions_in_turn_and_the_last_one_written_makes_the_set_ready(app, cohort,  # noqa: F811
                                                                                         monkeypatch):
    """A worker reads and judges its partition without the write lock (a transaction that only reads), then writes
    it; the set is ready once the last partition is written."""
    store.build_set(AS_OF, partition=1000)
    db.session.commit()
    expected = stored_payloads(AS_OF)
    db.session.execute(VerdictSet.__table__.delete())
    db.session.commit()

    assert store.plan_partitions(AS_OF, partition=2) == 3
    db.session.commit()
    assert db.session.get(VerdictSet, AS_OF).status == WORKING
    assert store.partitions_left(AS_OF) == (3, 3)

    assert store.judge_next_partition(AS_OF)
    assert db.session.get(VerdictSet, AS_OF).status == WORKING  # not ready: two partitions to go
    assert store.partitions_left(AS_OF) == (2, 3)
    assert len(stored_payloads(AS_OF)) == 2
    monkeypatch.setattr(store, "_immediate", lambda: False)  # the queue as in production
    assert store.stored_verdicts(AS_OF) is None  # a reader does not see a half-made set: it is being worked out

    assert store.judge_next_partition(AS_OF) and store.judge_next_partition(AS_OF)
    made = db.session.get(VerdictSet, AS_OF)
    assert made.status == READY and made.families == 5
    assert store.partitions_left(AS_OF) == (0, 0)  # the plan is gone with the work
    assert not store.judge_next_partition(AS_OF)
    assert stored_payloads(AS_OF) == expected


def test_a_ready_set_stays_readable_while_its_partitions_are_judged_again(app, cohort):  # noqa: F811
    store.build_set(AS_OF)
    db.session.commit()
    before = stored_payloads(AS_OF)
    token = db.session.get(VerdictSet, AS_OF).token
    store.plan_partitions(AS_OF, partition=2)
    db.session.commit()
    store.judge_next_partition(AS_OF)
    ready = db.session.get(VerdictSet, AS_OF)
    assert ready.status == READY and ready.token == token  # still the set users read, a partition newer
    assert stored_payloads(AS_OF) == before
    while store.judge_next_partition(AS_OF):
        pass
    assert db.session.get(VerdictSet, AS_OF).token != token  # made again: every worker reads it afresh


def test_a_family_changed_while_its_partition_was_judged_is_marked_stale_for_the_sweep(app, cohort, monkeypatch):  # noqa: F811
    monkeypatch.setattr(store, "_versions", lambda family_ids, id_range=None: {})  # judged on data older than now
    store.plan_partitions(AS_OF, partition=2)
    db.session.commit()
    while store.judge_next_partition(AS_OF):
        pass
    stale = db.session.scalar(select(func.count()).where(FamilyVerdict.as_of == AS_OF, FamilyVerdict.stale))
    assert stale == 5


def test_a_partition_whose_task_or_worker_was_lost_is_handed_out_again(app, cohort, monkeypatch):  # noqa: F811
    store.plan_partitions(AS_OF, partition=2)
    db.session.commit()
    taken = store._claim(AS_OF)
    assert taken is not None
    assert db.session.get(VerdictPartition, (AS_OF, taken[0])).status == JUDGING
    assert store._claim(AS_OF)[0] != taken[0]  # never the same partition twice
    now = utcnow()
    assert store.lost_partitions(now) == []  # just taken, just planned: not lost
    db.session.rollback()

    later = now + store.STUCK_AFTER + timedelta(seconds=1)
    queued = []
    monkeypatch.setattr(jobs, "judge_verdict_partitions", lambda as_of: queued.append(as_of))
    monkeypatch.setattr(jobs, "utcnow", lambda: later)
    jobs.sweep_stale_verdicts.call_local()
    assert len(queued) == 3 and set(queued) == {AS_OF.isoformat()}
    statuses = db.session.scalars(select(VerdictPartition.status).where(VerdictPartition.as_of == AS_OF)).all()
    assert set(statuses) == {WAITING}
    while store.judge_next_partition(AS_OF):
        pass
    assert db.session.get(VerdictSet, AS_OF).status == READY


def test_a_partition_planned_again_meanwhile_is_not_written_twice(app, cohort, monkeypatch):  # noqa: F811
    store.plan_partitions(AS_OF, partition=2)
    db.session.commit()
    real = store._judge_range

    def judge_then_replan(as_of, id_range):
        from tfclaims import db as database

        judged = real(as_of, id_range)
        writing = database._reading.set(False)  # as another request, which writes
        try:
            store.plan_partitions(AS_OF, partition=1000)  # the set asked for again meanwhile
            db.session.commit()
        finally:
            database._reading.reset(writing)
        return judged

    monkeypatch.setattr(store, "_judge_range", judge_then_replan)
    assert store.judge_next_partition(AS_OF)
    assert stored_payloads(AS_OF) == {}  # the old plan's work is dropped
    monkeypatch.setattr(store, "_judge_range", real)
    assert store.partitions_left(AS_OF) == (1, 1)
    assert store.judge_next_partition(AS_OF)
    assert db.session.get(VerdictSet, AS_OF).status == READY


def test_the_nightly_job_judges_today_in_partitions_shared_with_the_other_workers(app, cohort, today_is,  # noqa: F811
                                                                                  monkeypatch):
    from tfclaims.jobs import schedule
    from tfclaims.jobs.models import Job

    today_is(AS_OF)
    monkeypatch.setattr(store, "PARTITION_FAMILIES", 2)
    shared = []
    real = jobs.queue_partitions
    monkeypatch.setattr(jobs, "queue_partitions", lambda as_of, count: (shared.append(count), real(as_of, count)))
    job_id = schedule.nightly_verdict_refresh.call_local()
    job = db.session.get(Job, job_id)
    assert job.status == "done", job.error
    assert shared == [2]  # three partitions: two queued for the other workers, the job takes its share
    made = db.session.get(VerdictSet, AS_OF)
    assert made.status == READY and made.families == 5
    assert store.partitions_left(AS_OF) == (0, 0)


def test_a_worker_judges_its_partition_in_a_transaction_that_only_reads(app, cohort, monkeypatch):  # noqa: F811
    """On SQLite a transaction that may write takes the database's write lock when it begins: a worker holding it
    while it reads and judges its partition would keep every other worker (and every form) waiting. The reading is
    done with ``db.reading_only()`` true, and anything it tried to write would fail loudly (``_guard_page_views``)."""
    from tfclaims import db as database

    seen = []
    real = store._judge_range

    def judge(as_of, id_range):
        # No transaction left open by taking the partition: the reading begins one of its own, which only reads.
        seen.append((db.session().in_transaction(), database.reading_only()))
        return real(as_of, id_range)

    monkeypatch.setattr(store, "_judge_range", judge)
    store.plan_partitions(AS_OF, partition=2)
    db.session.commit()
    assert database.reading_only() is False
    while store.judge_next_partition(AS_OF):
        assert database.reading_only() is False  # the writing after it is a transaction of its own
    assert seen == [(False, True)] * 3
    assert db.session.get(VerdictSet, AS_OF).status == READY


def test_a_set_and_its_partitions_are_derived_data_that_write_no_audit_events(app, cohort):  # noqa: F811
    from tfclaims.audit.models import AuditEvent

    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    store.plan_partitions(AS_OF, partition=2)
    db.session.commit()
    while store.judge_next_partition(AS_OF):
        pass
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
