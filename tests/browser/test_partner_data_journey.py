"""A coordinator brings the school's attendance file into the demo council: downloads the template, uploads the demo's
sample file (demo/partner-files) with its bad rows, reads the preview, confirms, decides the uncertain match in
review, reads the report, sees a family's education need become sustained from the imported terms, imports the
police file, and finds a candidate family on the identification list; axe on every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import served_demo
from tfclaims import demo
from tfclaims.extensions import db

FILES = Path(__file__).resolve().parents[2] / "demo" / "partner-files"
COORDINATOR = "coordinator@brackenshire.example"
PASSWORD = "demo-password-2026"


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """The demo council on its day, of this journey's own (it writes): its app and address."""
    with served_demo(tmp_path_factory.mktemp("partner")) as served:
        yield served


def _education(app) -> dict[int, str]:
    """Each attached family's education need's status today, by family."""
    from tfclaims.engine.queries import evaluate_cohort

    with app.app_context():
        problems = evaluate_cohort(demo.DEMO_TODAY).problems
    education = problems[problems["problem_name"] == "Getting a good education"]
    return dict(zip(education["family_id"].astype(int), education["status"], strict=True))


def _upload(page, base, kind_label: str, name: str) -> None:
    page.goto(f"{base}/partner-data/upload")
    page.get_by_label(kind_label).check()
    page.get_by_label("Upload the file").set_input_files(str(FILES / name))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#batch-status")).to_have_text("Ready to confirm")


def test_a_school_file_from_template_to_a_family_sustained(page, council, axe):
    app, base = council
    before = _education(app)
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(COORDINATOR)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Partner data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner data")
    axe()
    with page.expect_download() as download:
        page.locator("#source-attendance").get_by_role("link", name="CSV template for school attendance").click()
    assert download.value.suggested_filename == "tfclaims-attendance-template.csv"

    _upload(page, base, "School attendance", "school-attendance.csv")
    expect(page.locator("#count-received td")).to_have_text("46")
    expect(page.locator("#count-invalid td")).to_have_text("4")
    expect(page.locator("#problems")).to_contain_text("sessions missed is more than the 20 possible")
    expect(page.locator("#problems")).to_contain_text("Date of birth is missing")
    expect(page.locator("#problems")).to_contain_text("is in the future")
    axe()
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator("#batch-status")).to_have_text("Imported")
    expect(page.locator("#count-review td")).to_have_text("1")
    axe()

    page.get_by_role("link", name="Review the 1 uncertain match").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matches to review")
    axe()
    page.locator("#review-rows tbody a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is this?")
    expect(page.locator("#field-forename")).to_contain_text("Marlowe")
    expect(page.locator("#field-forename")).to_contain_text("Different")
    axe()
    page.get_by_label("None of them: this person is not in the register").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator("#review-empty")).to_be_visible()

    page.goto(f"{base}/partner-data/imports")
    page.locator("#imports tbody a").first.click()
    expect(page.locator("#count-rejected td")).to_have_text("1")
    expect(page.locator("#unmatched-reasons")).to_contain_text("A coordinator decided that no one in the register")
    with page.expect_download() as report:
        page.get_by_role("link", name="Download the report (CSV)").click()
    assert report.value.suggested_filename.endswith("-report.csv")

    # A family whose education need the school's terms have now sustained.
    after = _education(app)
    sustained = [f for f, status in after.items() if status == "sustained" and before.get(f) != "sustained"]
    assert sustained, "the imported terms sustain a family's education need"
    page.goto(f"{base}/families/{sustained[0]}")
    expect(page.locator("#attendance .app-imported").first).to_contain_text("Partner file")
    axe()

    _upload(page, base, "Police incidents and offences", "police-incidents.csv")
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator("#batch-status")).to_have_text("Imported")
    page.goto(f"{base}/partner-data/identification")
    expect(page.locator("#identified-count")).not_to_have_text("0 households found")
    expect(page.locator(".govuk-summary-card").first).to_contain_text("Getting a good education")
    axe()
    with app.app_context():
        from tfclaims.imports.models import ImportBatch

        assert all(not b.has_file for b in db.session.scalars(select(ImportBatch)))  # the files are deleted
