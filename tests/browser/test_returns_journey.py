"""A coordinator opens the quarterly progress return, chooses a quarter, downloads the CSV, and meets the error
for a quarter that is not offered; axe scan of each page."""

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


@pytest.fixture
def families(live_app):
    """Two families attached in 2016-17 Q1 (no other journey attaches families then), one of them closed in it."""
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        for reference, attached_on, closed_on in (
            ("BRK-880101", date(2016, 4, 1), None),
            ("BRK-880002", date(2016, 6, 30), date(2016, 6, 30)),
        ):
            family = factories.make_family(reference=reference)
            attach(family, plan.versions[0], attached_on=attached_on, problem_numbers=(2, 4), closed_on=closed_on)


def test_quarterly_progress_return(page, base_url, sign_in_as, axe, families):
    sign_in_as(Role.COORDINATOR)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quarterly progress return")
    axe()

    page.get_by_label("Quarter").select_option("2016-17-q1")
    page.get_by_role("button", name="Show the return").click()
    expect(page.locator("#quarter-heading")).to_have_text("2016-17 Q1: 1 April 2016 to 30 June 2016")
    total = page.locator("#by-problem-1 tbody tr").last
    expect(total.locator("th")).to_have_text("All families (each counted once)")
    expect(total.locator("td").nth(0)).to_have_text("2")
    expect(total.locator("td").nth(1)).to_have_text("2")
    axe()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of the 2016-17 Q1 return").click()
    assert download.value.suggested_filename == "progress-return-2016-17-q1.csv"
    frame = pd.read_csv(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")), dtype=str)
    attached = frame[(frame["Section"] == "Families attached") & (frame["Headline problem number"] == "2")]
    assert attached["Count"].tolist() == ["2"]

    page.goto(f"{base_url}/returns/progress?quarter=2016-18-q1")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a quarter from the list")
    axe()
