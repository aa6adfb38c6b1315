"""A manager finds the families ready to claim, narrows the list to a team, follows the claim calendar to a
quarter and downloads the list; axe scan of each page."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.progress_helpers import attach
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import OutcomesPlan

TEAM = "Cohort journey team"


@pytest.fixture
def families(live_app):
    """Two families of the team: offending and domestic abuse with none recorded, so sustained six months on."""
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        for reference, attached_on in (("BRK-770001", date(2019, 1, 10)), ("BRK-770002", date(2019, 4, 2))):
            family = factories.make_family(reference=reference, team=TEAM)
            attach(family, plan.versions[0], attached_on=attached_on, problem_numbers=(1, 5))


def test_ready_to_claim_calendar_and_download(page, base_url, sign_in_as, axe, families):
    sign_in_as(Role.MANAGER)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready to claim")
    axe()
    group = page.get_by_role("group", name="As of")
    for label, value in zip(("Day", "Month", "Year"), ("1", "8", "2019"), strict=True):
        group.get_by_label(label).fill(value)
    page.get_by_label("Team").select_option(TEAM)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#list-count")).to_have_text("1 family ready to claim as of 1 August 2019")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("BRK-770001")
    axe()

    page.get_by_role("navigation", name="Cohort lists").get_by_role("link", name="Nearly there").click()
    expect(page.locator("#list-count")).to_have_text("1 family nearly there as of 1 August 2019")
    axe()

    page.get_by_role("navigation", name="Cohort lists").get_by_role("link", name="Claim calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim calendar")
    axe()
    page.get_by_role("link", name="1 family claimable in 2019-20 Q3 by SSP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Claimable in 2019-20 Q3 by SSP")
    expect(page.locator("table tbody")).to_contain_text("1 October 2019 (expected)")
    axe()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of this list").click()
    assert download.value.suggested_filename == "claim-calendar-2019-20-q3-ssp-2019-08-01.csv"
    frame = pd.read_csv(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")), dtype=str)
    assert frame["Family reference"].tolist() == ["BRK-770002"]
    assert frame["Claimable from"].tolist() == ["2019-10-01"]
