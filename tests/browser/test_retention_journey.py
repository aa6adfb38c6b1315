"""A manager shortens the retention schedule, puts one family on legal hold, runs a dry run and sees what would go
and what is held, confirms it, and sees the result; axe scan of each page."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_accessibility_crawl import check_page
from tests.progress_helpers import attach
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Family, Member
from tfclaims.outcomes_plan.models import PlanVersion
from tfclaims.retention import services
from tfclaims.retention.vocabulary import CLOSURE_OR_PHASE_END


@pytest.fixture
def closed_families(live_app):
    """Two families closed on 1 June 2023: kept 8 years by the default schedule, due under a 2-year one."""
    tag = uuid.uuid4().hex[:6].upper()
    made = {}
    with live_app.app_context():
        version = db.session.scalars(select(PlanVersion).order_by(PlanVersion.id)).first()
        for key in ("gone", "held"):
            family = Family(reference=f"R{key[0].upper()}-{tag}", lead_practitioner="Sam Keyworker", team="North")
            family.members.append(Member(forenames="Journey", surname=f"Person{tag}", date_of_birth=date(1980, 1, 1),
                                         sex="F", relationship_to_lead="lead_adult"))
            db.session.add(family)
            db.session.commit()
            attach(family, version, attached_on=date(2022, 1, 10), closed_on=date(2023, 6, 1))
            made[key] = (family.id, family.reference)
    yield made
    with live_app.app_context():  # later journeys get the default schedule back
        services.save_schedule(years=8, starts_from=CLOSURE_OR_PHASE_END, audit_years=6)
        db.session.commit()


def test_a_manager_runs_a_dry_run_and_confirms_the_erasure(page, base_url, sign_in_as, axe, closed_families):
    gone_id, gone = closed_families["gone"]
    held_id, held = closed_families["held"]
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(Role.MANAGER)

    page.goto(f"{base_url}/retention/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention and erasure")
    axe()

    page.get_by_role("link", name="Change the schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention schedule")
    axe()
    page.get_by_label("How many years to keep a family's records").fill("0")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a number of years from 1 to 100")
    axe()
    page.get_by_label("How many years to keep a family's records").fill("2")
    page.get_by_label("The attachment closed", exact=True).check()
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("kept 2 years")
    expect(page.locator("#schedule-family")).to_contain_text("Kept 2 years from: the attachment closed")
    axe()

    page.goto(f"{base_url}/retention/families/{held_id}/hold")
    expect(page.get_by_role("heading", level=1)).to_have_text("Put the family on legal hold")
    axe()
    page.get_by_label("Why must the family's records be kept?").fill("Court proceedings, case BR-2026-031")
    page.get_by_role("button", name="Place the legal hold").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Legal holds")
    expect(page.locator("#holds-in-force")).to_contain_text(held)
    axe()

    page.get_by_role("link", name="Back to retention and erasure").click()
    page.get_by_role("button", name="Start a dry run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dry run as of")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Nothing has been erased")
    due = page.get_by_role("table", name="Families whose records would be erased, by reference")
    expect(due).to_contain_text(gone)
    expect(due).to_contain_text("Attachment closed on 1 June 2023")
    expect(due).to_contain_text("2 June 2025")
    expect(due).not_to_contain_text(held)
    on_hold = page.get_by_role("table", name="Families due for erasure but held, by reference")
    expect(on_hold).to_contain_text(held)
    expect(on_hold).to_contain_text("On legal hold since")
    axe()

    page.get_by_role("link", name="Confirm and erase").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("records")
    axe()
    page.get_by_role("button", name="Erase these records").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erasure as of")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("erased under the retention schedule")
    erased = page.get_by_role("table", name="Families whose records were erased, by reference")
    expect(erased).to_contain_text(gone)
    expect(erased).not_to_contain_text(held)
    axe()

    # The erased family is gone; the held one is still there.
    assert page.request.get(f"{base_url}/families/{gone_id}").status == 404
    assert page.request.get(f"{base_url}/families/{held_id}").status == 200

    # Every page again at every size, as the accessibility crawl checks it (the crawl reaches them in the demo once
    # the data protection hub links them; the demo has no dry run or hold to show).
    erasure_url = page.url
    dry_run_url = page.get_by_role("link", name=re.compile(r"^Dry run \d+$")).get_attribute("href")
    hold = page.request.get(f"{base_url}/retention/holds").text()
    release = re.search(r'href="(/retention/holds/\d+/release)"', hold).group(1)
    for url in (f"{base_url}/retention/", f"{base_url}/retention/schedule", f"{base_url}/retention/holds",
                f"{base_url}/retention/runs", f"{base_url}{dry_run_url}", erasure_url, f"{base_url}{release}",
                f"{base_url}/retention/families/{held_id}/hold"):
        page.goto(url)
        assert check_page(page) == [], url
