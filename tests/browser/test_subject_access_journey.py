"""A DPO-minded manager runs a subject access request: opens data protection, searches with nothing (and is told
what to enter), finds the person by surname and date of birth, opens their page, is refused without the date the
request came in, then downloads the ZIP and opens it: the PDF and the CSV files hold the person's data and not the
other family member's. The export is then in the records of processing. axe on each page; the pages reflow at 320 px.
Screenshots go to /tmp/dataprotection-shots/ for a person to look at."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.integration.test_subject_access import SIBLING, SUBJECT_NOTE, identifiers, seed_people
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import OutcomesPlan


@pytest.fixture
def people(live_app):
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        manager = db.session.scalar(select(User).where(User.email == live_app.config["BROWSER_USERS"][Role.MANAGER]))
        seed_people(plan.versions[0], manager)
        db.session.commit()


SHOTS = Path("/tmp/dataprotection-shots")


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page) -> None:
    """No sideways scrolling of the page at this width."""
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '#' + e.id + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))
        .slice(-8)""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (page.url, wide)


def test_a_manager_runs_a_subject_access_request(page, base_url, sign_in_as, axe, people):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(Role.MANAGER)
    page.goto(f"{base_url}/data-protection/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data protection")
    axe()

    page.get_by_role("link", name="Subject access request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access request")
    axe()
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a surname, forenames, a date of birth")
    axe()

    page.get_by_label("Surname").fill("quillfeather")
    page.get_by_label("Day").fill("17")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2009")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#people-table tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("17 April 2009")
    expect(results.first).to_contain_text("FAM-SAR-ZQ")
    axe()
    page.set_viewport_size({"width": 320, "height": 800})
    fits(page)
    axe()
    shoot(page, "results-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Zebedee Quillfeather").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zebedee Quillfeather")
    axe()
    page.get_by_role("button", name="Download subject access export").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date the request was received")
    expect(summary).to_contain_text("Select who made the request")
    axe()
    shoot(page, "person-with-errors")

    page.get_by_label("Day").fill("30")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("A parent or carer on behalf of a child").check()
    page.get_by_label("Request reference (optional)").fill("SAR-2026-0042")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download subject access export").click()
    name = download.value.suggested_filename
    assert name.startswith("subject-access-") and name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        files = {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}
    assert files["subject-access.pdf"].startswith(b"%PDF")
    everything = " ".join(data.decode("utf-8") for n, data in files.items() if n.endswith(".csv"))
    if shutil.which("pdftotext"):
        pdf = Path(download.value.path()).with_suffix(".pdf")
        pdf.write_bytes(files["subject-access.pdf"])
        everything += subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                     check=True).stdout
    member = pd.read_csv(io.BytesIO(files["member.csv"]), dtype=str, keep_default_na=False)
    assert dict(zip(member["Field"], member["Value"], strict=True))["Surname"] == "Quillfeather"
    assert SUBJECT_NOTE in " ".join(everything.split())
    for value in identifiers(SIBLING):
        assert value not in everything, value

    page.goto(f"{base_url}/data-protection/records-of-processing")
    expect(page.get_by_role("heading", level=1)).to_have_text("Records of processing")
    expect(page.locator("#exports-table")).to_contain_text("Subject access export")
    axe()
    shoot(page, "records-of-processing")
    page.set_viewport_size({"width": 320, "height": 800})
    fits(page)
    axe()


def test_the_other_data_protection_pages_pass_axe_and_reflow(page, base_url, sign_in_as, axe):
    sign_in_as(Role.MANAGER)
    for path, heading in [("/data-protection/", "Data protection"),
                          ("/data-protection/pseudonymised-export", "Pseudonymised export for the national evaluation"),
                          ("/data-protection/subject-access", "Subject access request")]:
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base_url + path)
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            axe()
            fits(page)
    with page.expect_download() as download:
        page.goto(base_url + "/data-protection/pseudonymised-export")
        page.get_by_role("link", name="Download the pseudonymised export (CSV)").click()
    assert download.value.suggested_filename.startswith("evaluation-pseudonymised-")
