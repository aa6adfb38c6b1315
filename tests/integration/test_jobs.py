"""Background jobs (issue 14, items 2 and 3): the claim pack is made by the queue's worker, not in the request.

The tests run huey in immediate mode (``tfclaims.jobs.queue.init_app``): a job runs as soon as its request commits,
in the same process, through the same task, retries included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tests.claims_cohort import make_claimable, make_window
from tfclaims.auth.roles import Role
from tfclaims.claims import exports
from tfclaims.claims import services as claim_services
from tfclaims.db import utcnow
from tfclaims.extensions import db
from tfclaims.jobs import services, tasks
from tfclaims.jobs.models import Job
from tfclaims.jobs.vocabulary import DONE, FAILED, QUEUED, RETRIES, RUNNING, UNEXPECTED

TODAY = date(2026, 12, 2)


@pytest.fixture
def claim(users, today_is):
    today_is(TODAY)
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    families = [make_claimable(f"BRK-J{i}", version, users[Role.MANAGER]) for i in range(1, 4)]
    built = claim_services.build_claim(make_window(), [f.id for f in families], users[Role.CLAIMS_OFFICER], TODAY)
    db.session.commit()
    return built


def _text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # The moment the pack was made differs between two runs: everything else must be the same.
    return re.sub(r"\d{1,2} \w+ \d{4} at \d{2}:\d{2}", "<when>", out)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils' pdftotext reads the PDF back")
def test_the_claim_pack_job_makes_the_same_pack_as_before(claim, sign_in, pages, client, tmp_path, app):
    user = sign_in(Role.CLAIMS_OFFICER)
    response = pages.post(f"/claims/{claim.id}/claim-pack", {})
    job = db.session.scalars(select(Job)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.user_id, job.kind, job.status, job.attempts) == (user.id, "claim_pack", DONE, 1)
    assert job.steps_done == job.steps_total == len(claim.lines) + 3 and job.step == "Done"
    page = pages.get(f"/jobs/{job.id}")
    assert "Your file is ready" in page.select_one("#job-state").get_text()
    assert page.select_one('meta[http-equiv="refresh"]') is None
    response = client.get(f"/jobs/{job.id}/file")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    name = claim.reference.lower().replace(" ", "-")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.pdf"'
    direct = exports.pack_pdf(claim, app.config["COUNCIL_CODE"], app.config["COUNCIL_NAME"], utcnow())
    made = _text(response.data, tmp_path, "job.pdf")
    assert made == _text(direct, tmp_path, "direct.pdf")
    assert claim.reference in made and "BRK-J1" in made and "BRK-J3" in made
    # Listed under the user's downloads.
    listed = pages.get("/jobs/").select_one("#jobs-table")
    assert f"Claim pack for claim {claim.reference} (PDF)" in listed.get_text()


def test_the_progress_page_shows_the_steps_and_refreshes_until_done(users, sign_in, pages, client, db_session):
    user = sign_in(Role.CLAIMS_OFFICER)
    job = Job(kind="claim_pack", title="Claim pack for claim C-1 (PDF)", user_id=user.id, status=RUNNING,
              steps_done=2, steps_total=5, step="Writing each family's section: 100 of 300")
    db.session.add(job)
    db.session.commit()
    page = pages.get(f"/jobs/{job.id}")
    assert "In progress: Writing each family's section: 100 of 300" in page.select_one("#job-status-text").get_text()
    bar = page.select_one("progress#job-progress")
    assert (bar["value"], bar["max"]) == ("2", "5")
    assert page.select_one('label[for="job-progress"]').get_text() == "Step 2 of 5"
    assert page.select_one('meta[http-equiv="refresh"]')["content"] == "3"
    # Not ready: no file yet.
    assert client.get(f"/jobs/{job.id}/file").status_code == 404


def test_nobody_sees_or_downloads_another_persons_job(users, sign_in, pages, client, claim):
    sign_in(Role.CLAIMS_OFFICER)
    job_page = client.post(f"/claims/{claim.id}/claim-pack").headers["Location"]
    client.post("/sign-out")
    sign_in(Role.MANAGER)
    assert client.get(job_page).status_code == 404
    assert client.get(f"{job_page}/file").status_code == 404
    assert "You have not asked for any files yet" in pages.get("/jobs/").get_text()


def test_a_coordinator_cannot_start_a_claim_pack(users, sign_in, client, claim):
    sign_in(Role.COORDINATOR)
    assert client.post(f"/claims/{claim.id}/claim-pack").status_code == 403
    assert db.session.scalars(select(Job)).all() == []


@pytest.fixture
def flaky_kind(monkeypatch):
    """A kind of job that fails ``failures`` times with an unexpected error, then makes a file; no retry delay."""
    calls = {"n": 0, "failures": 0}

    def run(job, progress):
        calls["n"] += 1
        progress(calls["n"], 3, f"Attempt {calls['n']}")
        if calls["n"] <= calls["failures"]:
            raise RuntimeError("Zebedee Quartermaine's record could not be read")  # personal text: never shown
        return "file.csv", "text/csv", b"a,b\n"

    monkeypatch.setitem(services.RUNNERS, "flaky", services.Runner(run))
    monkeypatch.setattr(tasks.run_job.task_class, "default_retry_delay", 0)
    return calls


def _start(kind: str, user) -> int:
    job = services.start(kind, "A test file", {}, user)
    job_id = job.id
    db.session.commit()  # outside a request: queued at once, and run at once in immediate mode
    return job_id


def test_a_job_that_fails_is_retried_and_can_then_succeed(flaky_kind, users, caplog):
    flaky_kind["failures"] = RETRIES
    job = db.session.get(Job, _start("flaky", users[Role.MANAGER]))
    assert (job.status, job.attempts, job.error, job.content) == (DONE, RETRIES + 1, "", b"a,b\n")
    assert "Zebedee" not in caplog.text


def test_a_job_that_keeps_failing_is_shown_as_failed_in_plain_words(flaky_kind, users, sign_in, pages, caplog):
    flaky_kind["failures"] = 99
    job = db.session.get(Job, _start("flaky", users[Role.MANAGER]))
    sign_in(Role.MANAGER)
    assert (job.status, job.attempts, job.error) == (FAILED, RETRIES + 1, UNEXPECTED)
    page = pages.get(f"/jobs/{job.id}")
    assert "The file could not be made" in page.get_text() and UNEXPECTED in page.get_text()
    assert "Zebedee" not in page.get_text() and "Zebedee" not in caplog.text
    assert page.select_one('meta[http-equiv="refresh"]') is None


def test_a_refused_job_fails_at_once_with_its_reason(users, claim, sign_in, pages, monkeypatch):
    """The claim deleted between asking and making: no retry, and the reason in words."""
    job = Job(kind="claim_pack", title="Claim pack", user_id=users[Role.CLAIMS_OFFICER].id, status=QUEUED,
              params={"claim_id": 2_000_000})
    db.session.add(job)
    db.session.commit()
    tasks.run_job(job.id)
    db.session.refresh(job)
    assert (job.status, job.attempts) == (FAILED, 1)
    assert job.error.startswith("The claim was deleted")


def test_running_a_job_again_changes_nothing(flaky_kind, users):
    job_id = _start("flaky", users[Role.MANAGER])
    tasks.run_job(job_id)  # a duplicate delivery of the same job
    assert flaky_kind["n"] == 1
    assert db.session.get(Job, job_id).attempts == 1


def test_a_files_personal_data_is_deleted_after_a_week(flaky_kind, users, sign_in, pages, client):
    """A job's file (a claim pack names every family) is deleted 7 days after it was made; the job stays, saying so.
    The day before, it is kept."""
    from datetime import timedelta

    job_id = _start("flaky", users[Role.MANAGER])
    job = db.session.get(Job, job_id)
    made = job.finished_at
    assert services.forget_old_files(made + timedelta(days=7)) == 0  # exactly a week: kept
    db.session.commit()
    assert services.forget_old_files(made + timedelta(days=7, seconds=1)) == 1
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.status, job.content, job.file_name) == (DONE, None, "file.csv")
    sign_in(Role.MANAGER)
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    page = pages.get(f"/jobs/{job_id}")
    assert "The file was deleted 7 days after it was made" in page.select_one("#file-deleted").get_text()
    assert page.select_one("#download-file") is None
