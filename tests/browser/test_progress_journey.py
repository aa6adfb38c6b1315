"""A coordinator records three terms of a child's attendance and sees the problem become sustained, then records
the child's absence; axe scan of each page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.progress_helpers import attach
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import OutcomesPlan

TERMS = [
    ("Autumn term 2019", ("2", "9", "2019"), ("20", "12", "2019"), "93.5"),
    ("Spring term 2020", ("6", "1", "2020"), ("3", "4", "2020"), "95"),
    ("Summer term 2020", ("20", "4", "2020"), ("17", "7", "2020"), "91.2"),
]


@pytest.fixture
def family(live_app):
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        family = factories.make_family(reference="BRK-880001", members=4)
        attachment = attach(family, plan.versions[0], attached_on=date(2019, 6, 3), problem_numbers=(2, 6))
        for found in attachment.problems:  # school attendance is the child's own: Casey's
            if found.problem.number == 2:
                found.member_id = family.members[2].id
        db.session.commit()
        return family.id, family.members[2].full_name


def fill_date(page, legend: str, parts: tuple[str, str, str]):
    group = page.get_by_role("group", name=legend)
    for label, value in zip(("Day", "Month", "Year"), parts, strict=True):
        group.get_by_label(label).fill(value)


def test_three_terms_of_attendance_sustain_the_problem(page, base_url, sign_in_as, axe, family):
    family_id, child = family
    sign_in_as(Role.COORDINATOR)
    page.goto(f"{base_url}/families/{family_id}")
    school = page.locator(".govuk-summary-card", has_text=re.compile(r"^\s*2\. Children not attending"))
    expect(school).to_contain_text("Not met")
    expect(page.locator("#family-verdict")).to_contain_text("Not claimable yet: 0 of 2 problems sustained")
    axe()
    for label, start, end, value in TERMS:
        page.get_by_role("link", name="Record attendance").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Record school attendance")
        axe()
        member = page.get_by_label("Family member")
        option = next(t.strip() for t in member.locator("option").all_text_contents() if t.strip().startswith(child))
        member.select_option(label=option)
        page.get_by_label("Term").fill(label)
        fill_date(page, "Start of the term", start)
        fill_date(page, "End of the term", end)
        page.get_by_label("Attendance").fill(value)
        page.get_by_label("School census").check()
        page.get_by_role("button", name="Save attendance").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("BRK-880001")
    expect(school).to_contain_text("Sustained on 17 July 2020")
    expect(school).to_contain_text("At or above 90% for 3 consecutive periods, to 17 July 2020.")
    expect(page.locator("#family-verdict")).to_contain_text("1 of 2 problems sustained")
    axe()

    # The same child's unauthorised absence for a term, recorded beside the attendance.
    page.get_by_role("link", name="Record absence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record school absence")
    axe()
    page.get_by_role("button", name="Save absence").click()  # nothing filled in: the errors, not a 500
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select which absence the figure is")
    axe()
    member = page.get_by_label("Family member")
    option = next(t.strip() for t in member.locator("option").all_text_contents() if t.strip().startswith(child))
    member.select_option(label=option)
    page.get_by_label("Unauthorised absence").check()
    page.get_by_label("Term").fill("Summer term 2020")
    fill_date(page, "Start of the term", ("20", "4", "2020"))
    fill_date(page, "End of the term", ("17", "7", "2020"))
    page.get_by_label("Absence", exact=True).fill("4.5")
    page.get_by_label("School census").check()
    page.get_by_role("button", name="Save absence").click()
    card = page.locator("#attendance")
    expect(card).to_contain_text(f"{child}: unauthorised absence")
    expect(card).to_contain_text("4.5%")
    axe()
