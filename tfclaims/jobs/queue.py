"""The job queue: huey, with its SQLite storage by default (no extra service: ``make run`` starts the worker beside
the app) and Redis in production (``JOBS_URL=redis://...``), so workers run on several machines.

The queue carries only a job's id (``tasks.run_job``); the job's state, progress and file are in the ``job`` table
of the application's database. Configured from the environment when this module is imported, because huey's task
decorator needs the instance then; ``init_app`` switches it to immediate mode (a job runs at once, in the process
that queued it) for the tests and when ``JOBS_IMMEDIATE`` is set.

- ``JOBS_URL``: ``sqlite:///path/to/jobs.sqlite`` (default: ``instance/jobs.sqlite`` beside the app's database) or
  ``redis://host:6379/0``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context
from huey import RedisHuey, SqliteHuey
from huey.api import Huey

REPO_ROOT = Path(__file__).resolve().parents[2]


def _make_huey() -> Huey:
    url = os.environ.get("JOBS_URL", "")
    if url.startswith("redis://") or url.startswith("rediss://"):
        return RedisHuey("tfclaims", url=url)
    path = urlsplit(url).path if url.startswith("sqlite:") else str(REPO_ROOT / "instance" / "jobs.sqlite")
    if url.startswith("sqlite:////"):
        path = "/" + path.lstrip("/")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("tfclaims", filename=path)


huey: Huey = _make_huey()


def init_app(app: Flask) -> None:
    if app.config.get("TESTING") or app.config.get("JOBS_IMMEDIATE"):
        huey.immediate = True


def after_commit(callback) -> None:
    """Run ``callback`` once the request's transaction has committed (``tfclaims.web``): a job is queued only
    when its row exists for the worker to read. Outside a request, at once (the caller has committed)."""
    if has_request_context():
        g.setdefault("after_commit", []).append(callback)
    else:
        callback()
