"""Background jobs' machinery (issue 14, items 2 to 4): the file's bytes read only by the download, a queue that
cannot be reached, jobs lost by a dead worker, jobs that make no file, the claim's Excel file as a job, the schedule
(the nightly verdict refresh and retention list, the sweep), the JSON status the progress page's script reads, and
the list of every job for managers and administrators.

huey runs in immediate mode (``tfclaims.jobs.queue.init_app``): a job runs as soon as it is queued, in this process.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from tests import factories
from tests.claims_cohort import make_claimable, make_window
from tfclaims.audit.models import AccessEvent
from tfclaims.auth.roles import Role
from tfclaims.claims import exports
from tfclaims.claims import services as claim_services
from tfclaims.db import utcnow
from tfclaims.engine.jobs import VERDICT_REFRESH
from tfclaims.extensions import db
from tfclaims.jobs import queue, schedule, services
from tfclaims.jobs.models import Job
from tfclaims.jobs.vocabulary import DONE, FAILED, NOT_STARTED, QUEUED, RUNNING, STUCK, STUCK_MINUTES
from tfclaims.retention.jobs import RETENTION_DUE
from tfclaims.retention.models import RetentionRun
from tfclaims.retention.vocabulary import DUE_LIST

TODAY = date(2026, 12, 2)


@pytest.fixture
def claim(users, today_is):
    today_is(TODAY)
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    families = [make_claimable(f"BRK-M{i}", version, users[Role.MANAGER]) for i in range(1, 4)]
    built = claim_services.build_claim(make_window(), [f.id for f in families], users[Role.CLAIMS_OFFICER], TODAY)
    db.session.commit()
    return built


def _job(user, status=DONE, **values) -> Job:
    job = Job(kind=values.pop("kind", "claim_pack"), title=values.pop("title", "Claim pack for claim C-1 (PDF)"),
              user_id=user.id if user else None, status=status, **values)
    db.session.add(job)
    db.session.commit()
    return job


class Statements:
    """The SQL the app sends while the block runs."""

    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.sql.append(statement)

    def reading_content(self) -> list[str]:
        """Statements that read the file's bytes (asking only whether there are some is not reading them)."""
        return [s for s in self.sql if re.search(r"job\.content\b(?!\s+IS\s+NOT\s+NULL)", s)]


# ---------------------------------------------------------------- fix (a): the file is read only by the download


def test_only_the_download_reads_the_files_bytes(users, sign_in, client, pages):
    user = sign_in(Role.MANAGER)
    job = _job(user, file_name="c-1.pdf", content_type="application/pdf", content=b"%PDF-1.4 " + b"x" * 100_000)
    db.session.expire_all()  # nothing held in the session: every read goes to the database
    with Statements() as seen:
        assert "Your file is ready" in pages.get(f"/jobs/{job.id}").get_text()
        assert client.get(f"/jobs/{job.id}/status").json["file_url"] == f"/jobs/{job.id}/file"
        pages.get("/jobs/")
        pages.get("/jobs/all")
    assert any(re.search(r"FROM job\b", s) for s in seen.sql)
    assert seen.reading_content() == []
    with Statements() as seen:
        response = client.get(f"/jobs/{job.id}/file")
    assert response.status_code == 200 and len(response.data) == 100_009
    assert len(seen.reading_content()) == 1


# ---------------------------------------------------------------- fix (b): the queue cannot be reached


def test_a_job_the_queue_cannot_take_fails_at_once_and_the_request_ends_normally(claim, sign_in, client, pages,
                                                                                 monkeypatch, caplog):
    def broker_down(task):
        raise ConnectionError("Error 111 connecting to redis://:s3cret@broker:6379. Connection refused.")

    monkeypatch.setattr(queue.huey, "enqueue", broker_down)
    sign_in(Role.CLAIMS_OFFICER)
    with caplog.at_level(logging.WARNING):
        response = client.post(f"/claims/{claim.id}/claim-pack")
    job = db.session.scalars(select(Job)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    db.session.refresh(job)
    assert (job.status, job.error, job.attempts) == (FAILED, NOT_STARTED, 0)
    assert job.finished_at is not None
    page = pages.get(f"/jobs/{job.id}")
    assert "could not be started" in page.select_one("#job-error").get_text()
    assert page.select_one('meta[http-equiv="refresh"]') is None
    assert f"job {job.id} could not be queued: ConnectionError" in caplog.text
    assert "s3cret" not in caplog.text and "broker" not in caplog.text


def test_a_job_started_outside_a_request_that_cannot_be_queued_fails_too(users, monkeypatch):
    def disk_full(task):
        raise OSError("disk full")

    monkeypatch.setattr(queue.huey, "enqueue", disk_full)
    job_id = services.start_now("claim_pack", "Claim pack", {"claim_id": 1}, users[Role.MANAGER])
    assert (db.session.get(Job, job_id).status, db.session.get(Job, job_id).error) == (FAILED, NOT_STARTED)


# ---------------------------------------------------------------- fix (c): jobs lost by a dead worker


def test_the_sweep_shows_jobs_stuck_too_long_as_failed(users, sign_in, pages):
    user = sign_in(Role.CLAIMS_OFFICER)
    now = utcnow()
    long_ago = now - timedelta(minutes=STUCK_MINUTES + 1)
    recently = now - timedelta(minutes=STUCK_MINUTES - 5)
    waiting_long = _job(user, QUEUED, created_at=long_ago)
    running_long = _job(user, RUNNING, created_at=long_ago, started_at=long_ago, steps_done=1, steps_total=4)
    waiting = _job(user, QUEUED, created_at=recently)
    running = _job(user, RUNNING, created_at=long_ago, started_at=recently)
    done = _job(user, DONE, created_at=long_ago, started_at=long_ago, finished_at=long_ago)
    db.session.commit()
    assert schedule.sweep_stuck_jobs.call_local() == 2
    db.session.expire_all()
    assert [db.session.get(Job, j.id).status for j in (waiting_long, running_long, waiting, running, done)] == [
        FAILED, FAILED, QUEUED, RUNNING, DONE]
    assert db.session.get(Job, running_long.id).error == STUCK
    page = pages.get(f"/jobs/{running_long.id}")
    assert "The work stopped before it finished" in page.select_one("#job-error").get_text()
    assert page.select_one('meta[http-equiv="refresh"]') is None
    # Run again, nothing more to do; and a worker picking the job up late leaves it as it is.
    assert schedule.sweep_stuck_jobs.call_local() == 0
    services.execute(waiting_long.id, final_attempt=True)
    assert db.session.get(Job, waiting_long.id).status == FAILED


# ---------------------------------------------------------------- item 2: a job that makes no file


@pytest.fixture
def no_file_kind(monkeypatch):
    calls = []

    def run(job, progress):
        calls.append(job.id)
        progress(1, 2, "Judging every family")
        return None

    monkeypatch.setitem(services.RUNNERS, "nothing_to_download", services.Runner(run))
    return calls


def test_a_job_that_makes_no_file_is_done_and_says_so(no_file_kind, users, sign_in, pages, client):
    user = sign_in(Role.MANAGER)
    job_id = services.start_now("nothing_to_download", "Tidy up", {}, user)
    job = db.session.get(Job, job_id)
    assert (job.status, job.file_name, job.has_file, job.steps_done, job.steps_total) == (DONE, "", False, 2, 2)
    assert no_file_kind == [job_id]
    page = pages.get(f"/jobs/{job_id}")
    assert "This work makes no file to download" in page.select_one("#job-done").get_text()
    assert page.select_one("#download-file") is None and page.select_one("#file-deleted") is None
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    assert client.get(f"/jobs/{job_id}/status").json["file_url"] is None


# ---------------------------------------------------------------- item 3: the claim's Excel file as a job


def _cells(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data))
    return {name: [[c.value for c in row] for row in book[name].iter_rows()] for name in book.sheetnames}


def test_the_claims_excel_file_is_made_by_a_job_and_is_the_same_as_before(claim, sign_in, pages, client, app):
    user = sign_in(Role.CLAIMS_OFFICER)
    page = pages.get(f"/claims/{claim.id}")
    form = page.select_one("#download-xlsx").find_parent("form")
    assert form["method"] == "post" and form["action"] == f"/claims/{claim.id}/make-xlsx"
    response = client.post(f"/claims/{claim.id}/make-xlsx")
    job = db.session.scalars(select(Job)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.user_id, job.kind, job.status, job.title) == (
        user.id, "claim_xlsx", DONE, f"Submission file for claim {claim.reference} (Excel)")
    assert f"Submission file for claim {claim.reference} (Excel)" in pages.get("/jobs/").get_text()
    before = len(db.session.scalars(select(AccessEvent)).all())
    response = client.get(f"/jobs/{job.id}/file")
    name = claim.reference.lower().replace(" ", "-")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    direct = exports.xlsx_bytes(claim, app.config["COUNCIL_CODE"], app.config["COUNCIL_NAME"])
    assert _cells(response.data) == _cells(direct)
    assert "BRK-M1" in str(_cells(response.data)["Claim"])
    # The download is a read of every family in the claim.
    [read] = db.session.scalars(select(AccessEvent)).all()[before:]
    assert read.action == "downloaded" and read.actor_id == user.id
    assert read.detail["family_ids"] == sorted(line.family_id for line in claim.lines)


def test_who_may_make_the_claims_excel_file(claim, sign_in, client):
    sign_in(Role.COORDINATOR)
    assert client.post(f"/claims/{claim.id}/make-xlsx").status_code == 403
    assert client.get(f"/claims/{claim.id}/claim.xlsx").status_code == 404  # the old link is gone
    assert db.session.scalars(select(Job)).all() == []
    client.post("/sign-out")
    sign_in(Role.AUDITOR)
    assert client.post("/claims/2000000/make-xlsx").status_code == 404


def test_the_excel_file_of_a_claim_deleted_meanwhile_fails_in_words(users):
    job_id = services.start_now("claim_xlsx", "Submission file", {"claim_id": 2_000_000}, users[Role.MANAGER])
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts) == (FAILED, 1) and job.error.startswith("The claim was deleted")


# ---------------------------------------------------------------- item 4: the schedule


def test_the_consumer_runs_the_schedule(tmp_path):
    """What ``huey_consumer tfclaims.jobs.worker.huey`` loads, in a fresh interpreter: the periodic tasks, the job
    task, and every kind of job with the features' own tasks (the consumer must know every task the app queues)."""
    program = (
        "import json, tfclaims.jobs.worker as w\n"
        "from tfclaims.jobs.services import RUNNERS\n"
        "print(json.dumps({'tasks': sorted(w.huey._registry._registry),\n"
        "                  'periodic': sorted(t.__name__ for t in w.huey._registry._periodic_tasks),\n"
        "                  'kinds': sorted(RUNNERS)}))\n"
    )
    env = {**os.environ, "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}"}
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"nightly_verdict_refresh", "nightly_retention_list", "sweep_stuck_jobs"} <= set(loaded["periodic"])
    assert "tfclaims.jobs.tasks.run_job" in loaded["tasks"]
    assert {"claim_pack", "claim_xlsx", "scorecard_pdf", VERDICT_REFRESH, RETENTION_DUE} <= set(loaded["kinds"])
    assert any(name.startswith("tfclaims.engine.") for name in loaded["tasks"])


@pytest.mark.parametrize(("task", "utc", "runs"), [
    ("nightly_verdict_refresh", datetime(2026, 12, 3, 2, 0), True),  # winter: London is UTC
    ("nightly_verdict_refresh", datetime(2026, 12, 3, 2, 1), False),
    ("nightly_verdict_refresh", datetime(2026, 7, 3, 1, 0), True),  # summer: 2am in London is 1am UTC
    ("nightly_verdict_refresh", datetime(2026, 7, 3, 2, 0), False),
    ("nightly_retention_list", datetime(2026, 12, 3, 3, 0), True),
    ("nightly_retention_list", datetime(2026, 7, 3, 2, 0), True),
    ("nightly_retention_list", datetime(2026, 7, 3, 3, 0), False),
    ("sweep_stuck_jobs", datetime(2026, 7, 3, 14, 20), True),
    ("sweep_stuck_jobs", datetime(2026, 7, 3, 14, 25), False),
])
def test_when_the_schedule_runs_in_london_time(task, utc, runs):
    wrapper = getattr(schedule, task)
    assert wrapper.task_class().validate_datetime(utc) is runs


def test_the_nightly_verdict_refresh_starts_a_scheduled_job(users, monkeypatch):
    """The lead's runner does the refresh; the schedule starts it as a job with no user, recorded as the
    schedule's."""
    ran = []
    monkeypatch.setitem(services.RUNNERS, VERDICT_REFRESH,
                        services.Runner(lambda job, progress: ran.append(job.user_id)))
    job_id = schedule.nightly_verdict_refresh.call_local()
    job = db.session.get(Job, job_id)
    assert (job.kind, job.user_id, job.status, job.title, job.attempts) == (
        VERDICT_REFRESH, None, DONE, "Nightly verdict refresh", 1)
    assert ran == [None]


def test_the_nightly_retention_list_runs_as_a_scheduled_job(users, today_is, client, sign_in, pages):
    today_is(TODAY)
    old = _job(users[Role.MANAGER], DONE, file_name="old.pdf", content=b"%PDF",
               finished_at=utcnow() - timedelta(days=8))
    job_id = schedule.nightly_retention_list.call_local()
    job = db.session.get(Job, job_id)
    assert (job.kind, job.user_id, job.status, job.file_name) == (RETENTION_DUE, None, DONE, "")
    run = db.session.scalars(select(RetentionRun)).one()
    assert (run.kind, run.as_of, run.run_by_id) == (DUE_LIST, TODAY, None)
    assert run.actor_label == "scheduled work: nightly retention list"
    db.session.expire_all()
    assert db.session.get(Job, old.id).has_file is False
    # Its state is visible to managers, as the schedule's.
    sign_in(Role.MANAGER)
    row = next(r for r in pages.get("/jobs/all").select("#all-jobs-table tbody tr") if "retention" in r.get_text())
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[:5] == ["Nightly retention list", "Nightly retention list", "Scheduled", "Done", "1"]
    nightly = pages.get("/retention/").select_one("#nightly-list").get_text(" ", strip=True)
    assert "It last started" in nightly and ": finished." in nightly


# ---------------------------------------------------------------- item 3: the status the page's script reads


def test_the_status_of_a_job_as_json(users, sign_in, client):
    user = sign_in(Role.CLAIMS_OFFICER)
    job = _job(user, RUNNING, steps_done=2, steps_total=5, step="Writing each family's section: 100 of 300")
    response = client.get(f"/jobs/{job.id}/status")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    status = response.json
    assert {k: status[k] for k in ("status", "status_text", "steps_done", "steps_total", "step", "finished",
                                   "file_url")} == {
        "status": RUNNING, "status_text": "In progress", "steps_done": 2, "steps_total": 5,
        "step": "Writing each family's section: 100 of 300", "finished": False, "file_url": None}
    assert 'value="2"' in status["html"] and "This page updates itself" in status["html"]
    assert "refreshes every" not in status["html"]
    # No read is recorded for a status, and it is not a download.
    assert db.session.scalars(select(AccessEvent)).all() == []


def test_the_status_follows_the_same_rules_as_the_page(users, sign_in, client):
    job = _job(users[Role.CLAIMS_OFFICER], RUNNING)
    sign_in(Role.MANAGER)
    assert client.get(f"/jobs/{job.id}/status").status_code == 404
    assert client.get("/jobs/2000000/status").status_code == 404
    client.post("/sign-out")
    assert client.get(f"/jobs/{job.id}/status").status_code == 302  # to the sign-in page


def test_the_progress_page_refreshes_without_scripts_and_loads_its_script(users, sign_in, pages):
    user = sign_in(Role.CLAIMS_OFFICER)
    job = _job(user, RUNNING, steps_done=1, steps_total=3)
    page = pages.get(f"/jobs/{job.id}")
    refresh = page.select_one('noscript meta[http-equiv="refresh"]')
    assert refresh is not None and refresh["content"] == "3"
    assert page.select_one('script[src$="/static/jobs.js"]') is not None
    state = page.select_one("#job-state")
    assert state["data-status-url"] == f"/jobs/{job.id}/status"
    assert page.select_one("#job-announcer")["aria-live"] == "polite"
    done = pages.get(f"/jobs/{_job(user, DONE, file_name='x.pdf', content=b'%PDF').id}")
    assert done.select_one("noscript") is None and done.select_one('script[src$="/static/jobs.js"]') is None


# ---------------------------------------------------------------- item 5: every job, for managers and administrators


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR])
def test_managers_and_administrators_see_every_job_but_no_file(role, users, sign_in, pages, app):
    officer = users[Role.CLAIMS_OFFICER]
    _job(officer, DONE, file_name="c-1.pdf", content=b"%PDF", attempts=1, started_at=utcnow(), finished_at=utcnow())
    _job(None, FAILED, kind=VERDICT_REFRESH, title="Nightly verdict refresh", attempts=3, error="It went wrong.")
    for n in range(app.config["PAGE_SIZE"]):
        _job(officer, QUEUED, title=f"Filler {n}")
    sign_in(role)
    page = pages.get("/jobs/all")
    assert page.select_one("h1").get_text() == "Background work"
    rows = page.select("#all-jobs-table tbody tr")
    assert len(rows) == app.config["PAGE_SIZE"]
    assert page.select_one("#jobs-count").get_text() == f"Showing 1 to 25 of {app.config['PAGE_SIZE'] + 2} jobs"
    assert not page.select("a[href*='/file']") and not page.select("#all-jobs-table a")
    second = pages.get("/jobs/all?page=2")
    cells = [[td.get_text(" ", strip=True) for td in row.select("td")]
             for row in second.select("#all-jobs-table tbody tr")]
    assert ["Nightly verdict refresh", "Nightly verdict refresh", "Scheduled", "Failed", "3"] in [c[:5] for c in cells]
    assert any(c[:5] == ["Claim pack (PDF)", "Claim pack for claim C-1 (PDF)", officer.name, "Ready", "1"]
               for c in cells)
    assert [c[7] for c in cells if c[7]] == ["It went wrong."]
    assert pages.get("/jobs/all?page=zebra").select_one("#jobs-count").get_text().startswith("Showing 1 to 25")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR])
def test_others_do_not_see_every_job(role, users, sign_in, client, pages):
    sign_in(role)
    assert client.get("/jobs/all").status_code == 403
    assert pages.get("/jobs/").select_one("#all-jobs") is None
