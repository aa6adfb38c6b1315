"""A claims officer makes a claim's pack and watches its progress page update in place (issue 14, item 3): with
JavaScript, the page asks for the job's status and moves its progress bar and step, announcing them politely,
without reloading, and shows the download button when the file is ready; without JavaScript, it refreshes itself.
Then the Excel file, made the same way. axe on the page while the work goes on and when it is done.

The browser tests' app runs jobs at once (``JOBS_IMMEDIATE``), so the progress would never be seen: here the queue
hands the job to a thread of this test instead, which starts it when the test says ``go`` and then takes each step
when the test allows one more.
"""

from __future__ import annotations

import re
import threading
from datetime import date
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from tests.claims_cohort import make_claimable, make_window
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.claims import services as claim_services
from tfclaims.extensions import db
from tfclaims.jobs import queue, services
from tfclaims.outcomes_plan.models import OutcomesPlan

FAMILIES = {"BRK-993001": "SSP", "BRK-993002": "SSP", "BRK-993003": "CE"}
WINDOW = "2019-20 Q2 (progress journey)"


@pytest.fixture
def claim_reference(live_app):
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        emails = live_app.config["BROWSER_USERS"]
        manager = db.session.scalar(select(User).where(User.email == emails[Role.MANAGER]))
        officer = db.session.scalar(select(User).where(User.email == emails[Role.CLAIMS_OFFICER]))
        families = [make_claimable(ref, plan.versions[0], manager, route=route) for ref, route in FAMILIES.items()]
        claim = claim_services.build_claim(make_window(WINDOW), [f.id for f in families], officer, date(2026, 12, 2))
        db.session.commit()
        return claim.reference


@pytest.fixture
def slow_queue(live_app, monkeypatch):
    """The queue hands each job to a thread that waits for ``go`` and then runs it, each step of a claim pack
    waiting for one more ``steps.release()``."""
    go = threading.Event()
    steps = threading.Semaphore(0)
    threads: list[threading.Thread] = []

    def slow(kind: str):
        real = services.RUNNERS[kind]

        def run(job, progress):
            def slow_progress(done, total, step):
                progress(done, total, step)
                steps.acquire(timeout=30)

            return real.run(job, slow_progress)

        return services.Runner(run, real.families)

    import tfclaims.jobs.kinds  # noqa: F401  (every kind registered)

    monkeypatch.setitem(services.RUNNERS, "claim_pack", slow("claim_pack"))

    def enqueue(task):
        job_id = task.args[0]

        def work():
            go.wait(30)
            with live_app.app_context():
                services.execute(job_id, final_attempt=True)
                db.session.remove()

        thread = threading.Thread(target=work, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(queue.huey, "enqueue", enqueue)
    yield SimpleNamespace(go=go, steps=steps)
    go.set()
    steps.release(1000)
    for thread in threads:
        thread.join(30)


def page_loads(page, path: str) -> list[str]:
    """Every time the browser loads the page at ``path`` (a document, not the script's status requests)."""
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if r.resource_type == "document" and r.url.endswith(path)
            else None)
    return loads


def test_the_progress_page_updates_in_place_and_offers_the_file(page, browser, base_url, sign_in_as, axe,
                                                                claim_reference, slow_queue):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(Role.CLAIMS_OFFICER)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Claims").click()
    page.get_by_role("link", name=claim_reference, exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Make the claim pack \(PDF\)")).click()
    expect(page.locator("h1")).to_have_text(f"Claim pack for claim {claim_reference} (PDF)")
    job_path = re.sub(r"^https?://[^/]+", "", page.url)
    assert re.fullmatch(r"/jobs/\d+", job_path), page.url
    loads = page_loads(page, job_path)

    # Waiting: the script has taken over from the refresh, and says so.
    expect(page.locator("#job-status-text")).to_contain_text("Waiting to start")
    expect(page.locator("#job-refresh-note")).to_contain_text("This page updates itself")
    axe()
    page.evaluate("() => { window.stillTheSamePage = true }")

    # Going: the bar and the step move, each change announced, and the page is never reloaded.
    slow_queue.go.set()
    expect(page.locator("#job-status-text")).to_contain_text("In progress", timeout=15_000)
    expect(page.locator("#job-announcer")).to_contain_text(re.compile(r"In progress.*Step \d+ of \d+"))
    bar = page.locator("#job-progress")
    first_value, first_step = bar.get_attribute("value"), page.locator("#job-status-text").inner_text()
    axe()
    slow_queue.steps.release()
    expect(bar).not_to_have_attribute("value", first_value, timeout=15_000)
    expect(page.locator("#job-status-text")).not_to_have_text(first_step)
    assert int(bar.get_attribute("value")) > int(first_value)
    expect(page.locator("#job-announcer")).to_contain_text(f"Step {bar.get_attribute('value')} of ")
    slow_queue.steps.release(1000)
    # Ready: the download button, announced; the page was never reloaded.
    expect(page.locator("#job-state")).to_contain_text("Your file is ready", timeout=20_000)
    expect(page.locator("#job-announcer")).to_have_text("Your file is ready to download.")
    assert page.evaluate("() => window.stillTheSamePage === true")
    assert loads == []
    axe()
    stem = claim_reference.lower().replace(" ", "-")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download ")).click()
    assert download.value.suggested_filename == f"{stem}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # 320 px wide: nothing wider than the screen.
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    axe()
    page.set_viewport_size({"width": 1280, "height": 900})

    # Without JavaScript the same kind of page refreshes itself instead.
    page.get_by_role("link", name="Your downloads").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your downloads")
    axe()
    no_script = browser.new_context(java_script_enabled=False, storage_state=page.context.storage_state())
    try:
        plain = no_script.new_page()
        slow_queue.go.clear()
        plain.goto(f"{base_url}/claims/")
        plain.get_by_role("link", name=claim_reference, exact=True).click()
        plain.get_by_role("button", name=re.compile(r"^Make the claim pack \(PDF\)")).click()
        expect(plain.locator("#job-status-text")).to_contain_text("Waiting to start")
        expect(plain.locator("#job-refresh-note")).to_contain_text("This page refreshes every 3 seconds")
        again = page_loads(plain, re.sub(r"^https?://[^/]+", "", plain.url))
        plain.wait_for_timeout(4_000)
        assert len(again) >= 1  # refreshed by the <noscript> meta refresh
        slow_queue.go.set()
        expect(plain.locator("#job-state")).to_contain_text("Your file is ready", timeout=20_000)
    finally:
        no_script.close()

    # The Excel file is made the same way, and is the workbook of the claim.
    page.goto(f"{base_url}/claims/")
    page.get_by_role("link", name=claim_reference, exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Make the submission file \(Excel\)")).click()
    expect(page.locator("h1")).to_have_text(f"Submission file for claim {claim_reference} (Excel)")
    expect(page.locator("#job-state")).to_contain_text("Your file is ready", timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download ")).click()
    assert download.value.suggested_filename == f"{stem}.xlsx"
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book["Claim"].iter_rows(values_only=True))
    column = rows[0].index("Family reference")
    assert sorted(row[column] for row in rows[1:]) == sorted(FAMILIES)


def test_every_job_for_a_manager(page, base_url, sign_in_as, axe, live_app):
    """The list of every job (the nightly work's state) at 1280 and 320 px."""
    from tfclaims.jobs.models import Job

    with live_app.app_context():
        db.session.add(Job(kind="retention_due", title="Nightly retention list", user_id=None, status="failed",
                           attempts=3, error="Something went wrong while the file was being made."))
        db.session.commit()
    sign_in_as(Role.MANAGER)
    page.goto(f"{base_url}/jobs/")
    page.get_by_role("link", name="Everyone's background work, and the nightly jobs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Background work")
    expect(page.locator("#all-jobs-table")).to_contain_text("Scheduled")
    axe()
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    axe()
