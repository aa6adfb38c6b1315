"""Starting a job, and running one (called by the queue's task, ``tasks.run_job``).

A kind of job is a function registered with ``@runner(kind)``: it gets the job (its ``params``) and a ``progress``
function to call as it goes, and returns the file it made (name, type, bytes). It raises ``JobRefused`` with plain
words when the work cannot be done (the claim was deleted meanwhile): that fails the job at once. Any other error is
retried by the queue up to ``RETRIES`` times, then the job fails with ``UNEXPECTED``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tfclaims.db import utcnow
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.jobs.models import Job
from tfclaims.jobs.vocabulary import DONE, FAILED, FILE_DAYS, QUEUED, RUNNING, UNEXPECTED

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class JobRefused(DomainError):
    """The work cannot be done, for a reason the user can read (no retry)."""


@dataclass(frozen=True)
class Runner:
    run: Callable[[Job, Progress], tuple[str, str, bytes]]
    # The families a file of this kind names (for the read it records when downloaded), from the job's params.
    families: Callable[[dict], list[int]] = lambda params: []


RUNNERS: dict[str, Runner] = {}


def runner(kind: str, families: Callable[[dict], list[int]] | None = None):
    def register(function):
        RUNNERS[kind] = Runner(function, families or (lambda params: []))
        return function

    return register


def start(kind: str, title: str, params: dict, user) -> Job:
    """A job for ``user``, queued once the request commits. Flushes only."""
    from tfclaims.jobs import queue, tasks

    if kind not in RUNNERS:
        raise ValueError(f"no such kind of job: {kind}")
    job = Job(kind=kind, title=title[:200], params=params, user_id=user.id if user else None, status=QUEUED)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    queue.after_commit(lambda: tasks.run_job(job_id))
    return job


def execute(job_id: int, final_attempt: bool) -> None:
    """Run a job (idempotent: a job already done or failed is left as it is). Commits its progress as it goes, so
    that the user's page shows it."""
    job = db.session.get(Job, job_id)
    if job is None or job.status in (DONE, FAILED):
        return
    job.status, job.started_at, job.attempts, job.error = RUNNING, utcnow(), job.attempts + 1, ""
    db.session.commit()

    def progress(done: int, total: int, step: str) -> None:
        job.steps_done, job.steps_total, job.step = max(0, done), max(1, total), step[:200]
        db.session.commit()

    try:
        name, content_type, content = RUNNERS[job.kind].run(job, progress)
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


def _finish(job_id: int, status: str, error: str = "") -> None:
    job = db.session.get(Job, job_id)
    job.status, job.error, job.finished_at = status, error, utcnow()
    db.session.commit()


def _requeue(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    job.status, job.step = QUEUED, "Trying again"
    db.session.commit()
