"""The engine's background work, on the job queue (``tfclaims.jobs``): keeping the stored verdicts current
(``store.py``).

- ``VERDICT_REFRESH``, a job (its state on the background work page): the nightly refresh, started by the queue's
  schedule (``tfclaims.jobs.schedule``); ``flask tfclaims refresh-verdicts`` runs the same work at once, in its own
  process. Today's set is judged in partitions of families (``store.plan_partitions``): the job queues a
  ``judge_verdict_partitions`` task per partition, so every worker running takes partitions as it is free, and
  judges partitions itself too; then it waits for the last one and drops old sets;
- ``build_verdict_set``: the cohort judged as of a date a user asked for (a claim window's end, a quarter's
  last day), in partitions the same way;
- ``judge_verdict_partitions``: judge the set's waiting partitions, one after another, until none is waiting;
- ``refresh_family_verdicts``: families judged again after their records changed, queued as the change commits;
- ``sweep_stale_verdicts``, every minute: whatever is still stale (a lost job, a change made while a set was
  being made), partitions whose task or worker was lost, and sets whose job was lost.

Each is idempotent (it judges from the records as they are when it runs) and retried by the queue on an
unexpected error; its error is logged by class only, as for every job.
"""

from __future__ import annotations

import time
from datetime import date

from flask import has_app_context
from huey import crontab

from tfclaims import clock
from tfclaims.db import utcnow
from tfclaims.extensions import db
from tfclaims.jobs.queue import huey
from tfclaims.jobs.services import runner
from tfclaims.jobs.vocabulary import RETRIES, RETRY_DELAY_SECONDS

VERDICT_REFRESH = "verdict_refresh"
# How often the nightly job looks whether the partitions other workers are judging are written.
WAIT_SECONDS = 0.5


@runner(VERDICT_REFRESH)
def verdict_refresh(job, progress) -> None:
    from tfclaims.engine import store

    today = clock.today()
    progress(0, 1, "Dividing the families into partitions")
    total = store.plan_partitions(today)
    db.session.commit()
    queue_partitions(today, total - 1)  # for the other workers; this one judges partitions too

    def tell() -> int:
        left, _ = store.partitions_left(today)
        progress(total - left, total + 1, f"Judging every family: {total - left:,} of {total:,} partitions")
        return left

    while store.judge_next_partition(today):
        tell()
    # The partitions other workers took: written within a partition's time, or handed out again by the sweep.
    while tell():
        time.sleep(WAIT_SECONDS)
        db.session.rollback()  # a fresh look at the database
    progress(total, total + 1, "Dropping old sets and judging what changed meanwhile")
    store.after_nightly(today)
    return None


def queue_partitions(as_of: date, count: int) -> None:
    """``count`` tasks judging the set's waiting partitions, for whichever workers are free (the partitions are
    committed)."""
    for _ in range(max(0, count)):
        judge_verdict_partitions(as_of.isoformat())


class VerdictJobError(Exception):
    """An unexpected error of a verdict job, named by its class only (its text could carry values from records)."""


def _run(work) -> None:
    """Run ``work`` in an application context (the worker's own app, or the one that queued it in immediate mode)
    and commit."""
    from tfclaims.jobs.tasks import _app

    def go():
        work()  # stored verdicts are not audited: no actor needed
        db.session.commit()

    try:
        if has_app_context():
            go()
        else:
            with _app().app_context():
                go()
    except Exception as error:
        if has_app_context():
            db.session.rollback()
        raise VerdictJobError(type(error).__name__) from None


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def build_verdict_set(as_of: str) -> None:
    from tfclaims.engine import store

    day = date.fromisoformat(as_of)
    planned = []
    _run(lambda: planned.append(store.plan_partitions(day)))
    queue_partitions(day, planned[0])


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def judge_verdict_partitions(as_of: str) -> None:
    from tfclaims.engine import store

    day = date.fromisoformat(as_of)

    def judge():
        while store.judge_next_partition(day):
            pass

    _run(judge)


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def refresh_family_verdicts(family_ids: list[int]) -> None:
    from tfclaims.engine import store

    _run(lambda: store.refresh_families(family_ids))


@huey.periodic_task(crontab(minute="*"))
def sweep_stale_verdicts() -> None:
    from tfclaims.engine import store

    lost = []

    def sweep():
        store.refresh_stale()
        lost.extend(store.lost_partitions(utcnow()))

    _run(sweep)
    for as_of, _ in lost:
        judge_verdict_partitions(as_of.isoformat())
    stuck = []
    _run(lambda: stuck.extend(store.stuck_sets(utcnow())))
    for as_of in stuck:
        build_verdict_set(as_of.isoformat())
