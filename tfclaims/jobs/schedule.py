"""The queue's schedule: huey's periodic tasks, run by the consumer (``huey_consumer tfclaims.jobs.worker.huey``,
whose module imports this one) at these times, London time whatever the machine's clock (huey checks its schedule
each minute against UTC: ``in_london`` turns that into London time, summer time included):

- 02:00 the nightly verdict refresh (``tfclaims.engine.jobs``), started as a job with no user ("Scheduled");
- 03:00 the nightly retention list (``tfclaims.retention.jobs``), the same way;
- every 10 minutes, the sweep that shows as failed any job waiting or running for longer than
  ``vocabulary.STUCK_MINUTES`` (its worker died).

The nightly work runs as jobs, so that its state, attempts and errors are listed with every other job (/jobs/all)
and retried like them. Each task runs in an application context, records its changes in the audit trail as the
schedule's, and commits. Run one worker with the schedule: start others with ``huey_consumer ... --no-periodic``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from huey import crontab

from tfclaims.jobs.queue import huey
from tfclaims.jobs.tasks import in_app_context

log = logging.getLogger(__name__)


def in_london(test):
    """A huey schedule (a function of the consumer's naive UTC minute) that applies ``test`` (a ``crontab``) to
    the same minute in London."""

    def validate(timestamp: datetime) -> bool:
        from tfclaims.clock import LONDON

        aware = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
        return test(aware.astimezone(LONDON).replace(tzinfo=None))

    return validate


def start_scheduled(kind: str, title: str) -> int:
    """Start a job of ``kind`` with no user, as the schedule. Returns its id."""
    import tfclaims.jobs.kinds  # noqa: F401  (every kind registered)
    from tfclaims.jobs import services

    with services.acting_as("schedule"):
        return services.start_now(kind, title, {})


def _verdict_refresh() -> int:
    from tfclaims.engine.jobs import VERDICT_REFRESH

    return start_scheduled(VERDICT_REFRESH, "Nightly verdict refresh")


def _retention_list() -> int:
    from tfclaims.retention.jobs import RETENTION_DUE

    return start_scheduled(RETENTION_DUE, "Nightly retention list")


def _sweep() -> int:
    from tfclaims.db import utcnow
    from tfclaims.extensions import db
    from tfclaims.jobs import services

    with services.acting_as("schedule"):
        swept = services.sweep_stuck(utcnow())
        db.session.commit()
    if swept:
        log.warning("jobs stuck and shown as failed: %s", swept)
    return swept


@huey.periodic_task(in_london(crontab(minute="0", hour="2")))
def nightly_verdict_refresh() -> int:
    return in_app_context(_verdict_refresh)


@huey.periodic_task(in_london(crontab(minute="0", hour="3")))
def nightly_retention_list() -> int:
    return in_app_context(_retention_list)


@huey.periodic_task(crontab(minute="*/10"))
def sweep_stuck_jobs() -> int:
    return in_app_context(_sweep)


PERIODIC = (nightly_verdict_refresh, nightly_retention_list, sweep_stuck_jobs)
