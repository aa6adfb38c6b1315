"""Starting a job, and running one (called by the queue's task, ``tasks.run_job``).

A kind of job is a function registered with ``@runner(kind)``: it gets the job (its ``params``) and a ``progress``
function to call as it goes, and returns the file it made (name, type, bytes), or None when its work makes no file
(the nightly verdict refresh: the work is the point). It raises ``JobRefused`` with plain
words when the work cannot be done (the claim was deleted meanwhile): that fails the job at once. Any other error is
retried by the queue up to ``RETRIES`` times, then the job fails with ``UNEXPECTED``.

A job that cannot be queued (the broker is down) fails at once with ``NOT_STARTED``; one left waiting or running
far too long (its worker died) is failed by ``sweep_stuck``, run every few minutes by the schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from tfclaims.db import utcnow
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.jobs.models import Job
from tfclaims.jobs.vocabulary import (
    DONE,
    FAILED,
    FILE_DAYS,
    NOT_STARTED,
    QUEUED,
    RUNNING,
    STUCK,
    STUCK_MINUTES,
    UNEXPECTED,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class JobRefused(DomainError):
    """The work cannot be done, for a reason the user can read (no retry)."""


@dataclass(frozen=True)
class Runner:
    run: Callable[[Job, Progress], tuple[str, str, bytes] | None]
    # The families a file of this kind names (for the read it records when downloaded), from the job's params.
    families: Callable[[dict], list[int]] = lambda params: []
    # Where the work's outcome is shown, for a job that makes no file (an import's page), from the job's params.
    link: Callable[[dict], str] | None = None


RUNNERS: dict[str, Runner] = {}


def runner(kind: str, families: Callable[[dict], list[int]] | None = None,
           link: Callable[[dict], str] | None = None):
    def register(function):
        RUNNERS[kind] = Runner(function, families or (lambda params: []), link)
        return function

    return register


def start(kind: str, title: str, params: dict, user, *, queue_after_commit: bool = True) -> Job:
    """A job for ``user`` (None: a scheduled job), queued once the request commits. Flushes only.

    Outside a request, pass ``queue_after_commit=False``, commit, then ``enqueue`` (``start_now`` does), so that the
    worker never looks for a row not yet committed."""
    from tfclaims.jobs import queue

    if kind not in RUNNERS:
        raise ValueError(f"no such kind of job: {kind}")
    job = Job(kind=kind, title=title[:200], params=params, user_id=user.id if user else None, status=QUEUED)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    if queue_after_commit:
        queue.after_commit(lambda: enqueue(job_id))
    return job


def start_now(kind: str, title: str, params: dict, user=None) -> int:
    """Start a job outside a request (the schedule, the command line): commit its row, then queue it. Returns
    its id."""
    job_id = start(kind, title, params, user, queue_after_commit=False).id
    db.session.commit()
    enqueue(job_id)
    return job_id


def enqueue(job_id: int) -> bool:
    """Hand a committed job to the queue. If the queue cannot take it (its broker is down), the job fails at once
    with plain words instead of waiting for ever, and the user's request still ends normally. Commits that."""
    from tfclaims.jobs import tasks

    try:
        tasks.run_job(job_id)
    except Exception as error:
        # The class only: an error's text can carry a connection string.
        log.warning("job %s could not be queued: %s", job_id, type(error).__name__)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        if job is not None and job.status == QUEUED:
            job.status, job.error, job.finished_at = FAILED, NOT_STARTED, utcnow()
            db.session.commit()
        return False
    return True


def execute(job_id: int, final_attempt: bool) -> None:
    """Run a job (idempotent: a job already done or failed is left as it is). Commits its progress as it goes, so
    that the user's page shows it."""
    job = db.session.get(Job, job_id)
    if job is None or job.status in (DONE, FAILED):
        return
    with acting_as(*_actor(job)):
        _run(job, final_attempt)


def _actor(job: Job) -> tuple[str, int | None]:
    """Who a job's changes are recorded as done by in the audit trail: the user who started it, or the schedule."""
    from tfclaims.auth.models import User
    from tfclaims.jobs.vocabulary import KIND_LABELS

    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    if user is None:
        return f"scheduled work: {KIND_LABELS.get(job.kind, job.kind).lower()}", None
    return user.name, user.id


@contextmanager
def acting_as(label: str, user_id: int | None = None) -> Iterator[None]:
    """The audit trail's actor outside a request (the worker, the schedule), for the block only: a worker thread
    runs one job after another."""
    from tfclaims.audit import services as audit

    token = audit._cli_actor.set((user_id, label))
    try:
        yield
    finally:
        audit._cli_actor.reset(token)


def _run(job: Job, final_attempt: bool) -> None:
    job_id = job.id
    job.status, job.started_at, job.attempts, job.error = RUNNING, utcnow(), job.attempts + 1, ""
    db.session.commit()

    def progress(done: int, total: int, step: str) -> None:
        job.steps_done, job.steps_total, job.step = max(0, done), max(1, total), step[:200]
        db.session.commit()

    try:
        made = RUNNERS[job.kind].run(job, progress)
    except JobRefused as refused:
        db.session.rollback()
        _finish(job_id, FAILED, error=refused.message)
        return
    except Exception as error:
        db.session.rollback()
        # The class only: an error's text can carry values from the records.
        log.warning("job %s (%s) failed on attempt: %s", job_id, job.kind, type(error).__name__)
        if final_attempt:
            _finish(job_id, FAILED, error=UNEXPECTED)
        else:
            _requeue(job_id)
        raise
    if made is not None:
        name, content_type, content = made
        job.file_name, job.content_type, job.content = name[:200], content_type[:120], content
    job.steps_done, job.step = job.steps_total, "Done"
    job.status, job.finished_at = DONE, utcnow()
    db.session.commit()


def forget_old_files(now, days: int = FILE_DAYS) -> int:
    """Delete the files of jobs finished more than ``days`` days before ``now`` (their rows stay, saying so).
    Returns how many. Flushes only."""
    from sqlalchemy import update

    result = db.session.execute(
        update(Job).where(Job.content.is_not(None), Job.finished_at < now - timedelta(days=days)).values(content=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def sweep_stuck(now, minutes: int = STUCK_MINUTES) -> int:
    """Fail the jobs waiting or running for more than ``minutes`` (their worker died, or the queue lost them), so
    that nobody waits for ever: their pages say so in plain words. Returns how many. Flushes only.

    A job waiting is timed from when it was asked for, one running from when it started. A job failed here that a
    worker picks up later is left as it is (``execute`` runs only jobs still waiting)."""
    from sqlalchemy import and_, or_, select

    limit = now - timedelta(minutes=minutes)
    stuck = list(db.session.scalars(select(Job).where(or_(
        and_(Job.status == QUEUED, Job.created_at < limit),
        and_(Job.status == RUNNING, Job.started_at < limit),
    ))))
    for job in stuck:
        job.status, job.error, job.finished_at = FAILED, STUCK, now
    db.session.flush()
    return len(stuck)


def _finish(job_id: int, status: str, error: str = "") -> None:
    job = db.session.get(Job, job_id)
    job.status, job.error, job.finished_at = status, error, utcnow()
    db.session.commit()


def _requeue(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    job.status, job.step = QUEUED, "Trying again"
    db.session.commit()
