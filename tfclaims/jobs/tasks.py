"""The queue's one task: run a job by its id, in an application context (the worker's own app, or the app that
queued it in immediate mode). Retried by huey on an unexpected error, up to ``RETRIES`` times."""

from __future__ import annotations

from flask import has_app_context

from tfclaims.jobs.queue import huey
from tfclaims.jobs.vocabulary import RETRIES, RETRY_DELAY_SECONDS

_worker_app = None


def _app():
    global _worker_app
    if _worker_app is None:
        from tfclaims import create_app

        _worker_app = create_app()
    return _worker_app


def in_app_context(function, *args):
    """Call ``function`` in an application context: the current one (immediate mode, the tests), or the worker's
    own app's."""
    if has_app_context():
        return function(*args)
    with _app().app_context():
        return function(*args)


class JobError(Exception):
    """A job's unexpected error, named by its class only: huey logs what a task raised, with its traceback, and an
    error's text (or the frames below this one) can carry values from the records."""


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS, context=True)
def run_job(job_id: int, task=None) -> None:
    final = task is None or task.retries == 0
    try:
        in_app_context(_execute, job_id, final)
    except Exception as error:
        raise JobError(f"job {job_id}: {type(error).__name__}") from None


def _execute(job_id: int, final: bool) -> None:
    import tfclaims.jobs.kinds  # noqa: F401  (every kind registered)
    from tfclaims.jobs import services

    services.execute(job_id, final)
