"""A manager's outcomes plan journey, in chromium with CSRF on, with an accessibility scan of every page.

The browser database is shared by the browser tests, so nothing here publishes a 2015-21 version: that would
change which version is in force for the other journeys.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tfclaims.auth.roles import Role


def fill_date(page, legend: str, day: str, month: str, year: str):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_manager_creates_a_plan_and_copies_a_published_version(page, base_url, sign_in_as, axe):
    sign_in_as(Role.MANAGER)
    page.get_by_role("link", name="Outcomes plans", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes plans")
    axe()
    page.get_by_role("link", name="National frameworks and their headline problems").click()
    expect(page.get_by_role("heading", name="Supporting Families 2022-25")).to_be_visible()
    axe()
    page.get_by_role("link", name="Back to outcomes plans").click()

    page.get_by_role("link", name="Create an outcomes plan").click()
    axe()
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the plan name")
    axe()
    page.get_by_label("Plan name").fill("Brackenshire Supporting Families plan")
    page.get_by_label("Supporting Families 2022-25").check()
    fill_date(page, "Effective from", "1", "10", "2022")
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1")
    axe()

    page.get_by_role("link", name="Add a descriptor", exact=True).click()
    axe()
    page.get_by_label("1. Getting a good education", exact=False).first.check()
    page.get_by_label("Descriptor code").fill("ed1")
    page.get_by_label("Wording").fill("A child missing 10% or more of school sessions")
    page.get_by_label("Usual evidence source").select_option(label="School census and attendance")
    page.get_by_role("button", name="Save descriptor").click()
    expect(page.get_by_text("Descriptor ED1 added")).to_be_visible()

    page.get_by_role("link", name="Publish this version").click()
    axe()
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_role("alert")).to_contain_text("None yet for: 2.")
    axe()

    page.goto(f"{base_url}/outcomes-plans/")
    page.get_by_role("link", name="Brackenshire outcomes plan", exact=True).click()
    axe()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("This version is published and cannot be changed")).to_be_visible()
    axe()
    page.get_by_role("link", name="Copy to a new version").click()
    axe()
    fill_date(page, "Effective from", "1", "4", "2020")
    page.get_by_role("button", name="Copy to a new draft").click()
    expect(page.get_by_text(re.compile(r"Version 1 copied to draft version \d+"))).to_be_visible()
    axe()
    page.get_by_role("link", name="Change descriptor P2.1").click()
    axe()
    page.get_by_label("Descriptor code").fill("ED2")
    page.get_by_role("button", name="Save descriptor").click()
    expect(page.get_by_text("Descriptor ED2 saved")).to_be_visible()
    page.get_by_role("link", name="Delete descriptor P3.1").click()
    axe()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("Descriptor P3.1 deleted")).to_be_visible()
