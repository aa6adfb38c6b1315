"""The nightly refresh run by job workers (``make bench``): the same job the schedule starts at 2am
(``tfclaims.engine.jobs.verdict_refresh``), run by a huey consumer of one worker process, then of two, on the
benchmark's database, timed from the moment the job is queued until it is done.

Today's set is dropped before each run, so that the job makes it as at 2am (a new day's set). Each run has a queue
of its own (a SQLite file in ``instance/bench/``), so nothing else is taken from it, and its
consumer runs without the schedule (``--no-periodic``). The job is queued by a fresh process with ``JOBS_URL`` set
(the queue is configured when ``tfclaims.jobs.queue`` is imported).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from bench import REPO_ROOT

# A refresh taking longer than this is reported as not finished.
TIMEOUT_SECONDS = 1800

_QUEUE_THE_JOB = """
from tfclaims import create_app
from tfclaims.jobs import schedule
app = create_app()
with app.app_context():
    print(schedule._verdict_refresh())
"""


def _consumer(workers: int, env: dict) -> subprocess.Popen:
    consumer = Path(sys.executable).with_name("huey_consumer")
    command = [str(consumer), "tfclaims.jobs.worker.huey", "--workers", str(workers), "--worker-type", "process",
               "--no-periodic", "--quiet"]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def refresh_with_workers(app, url: str, workers: int, bench_dir: Path) -> tuple[float | None, str]:
    """Seconds from queuing the nightly refresh to its job being done, with ``workers`` worker processes; None and
    why when it did not finish."""
    from tfclaims.extensions import db
    from tfclaims.jobs.models import Job

    queue_file = bench_dir / f"jobs-{workers}-workers.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{queue_file}{suffix}").unlink(missing_ok=True)
    env = dict(os.environ, DATABASE_URL=url, JOBS_URL=f"sqlite:///{queue_file}", TFCLAIMS_ENV="development",
               SECRET_KEY=os.environ.get("SECRET_KEY", "bench-not-a-secret"))
    env.pop("JOBS_IMMEDIATE", None)
    env.pop("TFCLAIMS_TODAY", None)
    # As at 2am: today's set is made, not made again (the night's first set of the day).
    from datetime import date

    from tfclaims.engine.models import VerdictSet

    with app.app_context():
        db.session.execute(VerdictSet.__table__.delete().where(VerdictSet.__table__.c.as_of == date.today()))
        db.session.commit()
        db.session.remove()
    consumer = _consumer(workers, env)
    try:
        time.sleep(3)  # the consumer and its worker processes started, as on a server before the night
        started = time.perf_counter()
        queued = subprocess.run([sys.executable, "-c", _QUEUE_THE_JOB], cwd=REPO_ROOT, env=env, capture_output=True,
                                text=True)
        if queued.returncode:
            return None, f"the job could not be queued: {queued.stderr.strip().splitlines()[-1:]}"
        job_id = int(queued.stdout.strip().splitlines()[-1])
        table = Job.__table__
        while time.perf_counter() - started < TIMEOUT_SECONDS:
            with app.app_context():
                # Each statement on its own (no transaction): on SQLite, never waiting for the workers' write lock.
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    found = connection.execute(
                        select(table.c.status, table.c.error).where(table.c.id == job_id)
                    ).first()
                status, error = found if found else (None, "")
            if status == "done":
                return time.perf_counter() - started, ""
            if status == "failed":
                return None, f"the job failed: {error}"
            if consumer.poll() is not None:
                return None, f"the consumer stopped: {consumer.stderr.read()[-500:]}"
            time.sleep(0.25)
        return None, f"not done after {TIMEOUT_SECONDS} s"
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            consumer.kill()
