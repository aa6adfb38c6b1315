"""The engine's background work, on the job queue (``tfclaims.jobs``): keeping the stored verdicts current
(``store.py``).

- ``VERDICT_REFRESH``, a job (its state on the background work page): the nightly refresh, started by the queue's
  schedule (``tfclaims.jobs.schedule``) or by ``flask tfclaims refresh-verdicts``;
- ``build_verdict_set``: the cohort judged as of a date a user asked for (a claim window's end, a quarter's
  last day);
- ``refresh_family_verdicts``: families judged again after their records changed, queued as the change commits;
- ``sweep_stale_verdicts``, every minute: whatever is still stale (a lost job, a change made while a set was
  being made), and sets whose job was lost.

Each is idempotent (it judges from the records as they are when it runs) and retried by the queue on an
unexpected error; its error is logged by class only, as for every job.
"""

from __future__ import annotations

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


@runner(VERDICT_REFRESH)
def verdict_refresh(job, progress) -> None:
    from tfclaims.engine import store

    progress(0, 1, "Judging every family")
    store.nightly(clock.today())
    return None


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

    _run(lambda: store.build_set(date.fromisoformat(as_of)))


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def refresh_family_verdicts(family_ids: list[int]) -> None:
    from tfclaims.engine import store

    _run(lambda: store.refresh_families(family_ids))


@huey.periodic_task(crontab(minute="*"))
def sweep_stale_verdicts() -> None:
    from tfclaims.engine import store

    def sweep():
        store.refresh_stale()
        for as_of in store.stuck_sets(utcnow()):
            build_verdict_set(as_of.isoformat())

    _run(sweep)
