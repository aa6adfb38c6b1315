"""A coordinator's first journey, in chromium with CSRF on, with an accessibility scan of every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tfclaims.auth.roles import Role


def fill_date(page, legend: str, day: str, month: str, year: str, scope=None):
    group = (scope or page).get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def select_starting(select, prefix: str):
    """Choose the option whose text starts with ``prefix`` (descriptor wording is long)."""
    label = next(t.strip() for t in select.locator("option").all_text_contents() if t.strip().startswith(prefix))
    select.select_option(label=label)


def add_member(page, forenames, surname, dob, sex, relationship, axe=None):
    page.get_by_role("link", name="Add a member").click()
    if axe:
        axe()
    page.get_by_label("Forenames").fill(forenames)
    page.get_by_label("Surname").fill(surname)
    fill_date(page, "Date of birth", *dob)
    page.get_by_label(sex, exact=True).check()
    page.get_by_label("Relationship to the lead adult").select_option(label=relationship)
    page.get_by_role("group", name="Does this person live in the household?").get_by_label("Yes").check()
    page.get_by_label("Postcode").fill("BR4 7QT")
    page.get_by_role("button", name="Save member").click()
    expect(page.get_by_text(f"{forenames} {surname} added to the family")).to_be_visible()


def test_coordinator_records_and_attaches_a_family(page, base_url, sign_in_as, axe):
    page.goto(f"{base_url}/sign-in")
    axe()
    sign_in_as(Role.COORDINATOR)
    axe()
    page.get_by_role("link", name="Families", exact=True).first.click()
    axe()
    page.get_by_role("link", name="Add a family").click()
    axe()
    page.get_by_label("Family reference").fill("BRK-777001")
    page.get_by_label("Lead practitioner").fill("Priya Shah")
    page.get_by_label("Team").fill("North locality")
    page.get_by_role("button", name="Save family").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("BRK-777001")
    axe()

    add_member(page, "Dawn", "Fletcher", ("4", "11", "1986"), "Female", "Lead adult", axe=axe)
    add_member(page, "Tyler", "Fletcher", ("19", "2", "2010"), "Male", "Child")
    add_member(page, "Mia", "Fletcher", ("2", "7", "2013"), "Female", "Child")
    axe()

    page.get_by_role("link", name="Attach this family").click()
    axe()
    fill_date(page, "Attachment date", "3", "6", "2019")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Problems identified")
    axe()
    first = page.get_by_role("group", name="Problem 1")
    select_starting(first.get_by_label("Eligibility descriptor"), "2. Children not attending")
    select_starting(first.get_by_label("Family member it concerns"), "Tyler Fletcher")
    fill_date(page, "Evidence date", "10", "5", "2019", scope=first)
    second = page.get_by_role("group", name="Problem 2")
    select_starting(second.get_by_label("Eligibility descriptor"), "4. Adults out of work")
    select_starting(second.get_by_label("Family member it concerns"), "Dawn Fletcher")
    fill_date(page, "Evidence date", "20", "5", "2019", scope=second)
    page.get_by_role("button", name="Attach family").click()
    expect(page.get_by_text("Family BRK-777001 attached on 3 June 2019")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Attached on 3 June 2019"))).to_be_visible()
    axe()

    page.get_by_role("link", name="All families").click()
    page.get_by_label("Search").fill("Fletcher")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="BRK-777001")).to_be_visible()
    axe()

    # Closing as "outcomes achieved" while the problems are not sustained asks for confirmation, and says which.
    page.get_by_role("link", name="BRK-777001").click()
    page.get_by_role("link", name=re.compile(r"^\s*Close\s+the attachment\s*$")).click()
    axe()
    fill_date(page, "Date the case closed", "1", "12", "2019")
    page.get_by_label("Outcomes achieved").check()
    page.get_by_role("button", name="Close attachment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm that the case closed with outcomes achieved")
    expect(page.locator("#not-sustained li")).to_have_count(2)
    axe()
    page.get_by_label("Yes, the case closed with outcomes achieved although these problems are not sustained").check()
    page.get_by_role("button", name="Close attachment").click()
    expect(page.get_by_text("Attachment closed on 1 December 2019")).to_be_visible()
    expect(page.locator(".app-timeline")).to_contain_text("confirmed although not sustained")
    axe()


def test_attachment_with_one_problem_shows_error_summary(page, base_url, sign_in_as, axe):
    sign_in_as(Role.COORDINATOR)
    page.goto(f"{base_url}/families/new")
    page.get_by_label("Family reference").fill("BRK-777002")
    page.get_by_label("Lead practitioner").fill("Priya Shah")
    page.get_by_label("Team").fill("South locality")
    page.get_by_role("button", name="Save family").click()
    add_member(page, "Lee", "Okafor", ("1", "1", "1980"), "Male", "Lead adult")
    add_member(page, "Ava", "Okafor", ("1", "1", "2012"), "Female", "Child")
    page.get_by_role("link", name="Attach this family").click()
    fill_date(page, "Attachment date", "3", "6", "2019")
    page.get_by_role("button", name="Continue").click()
    first = page.get_by_role("group", name="Problem 1")
    select_starting(first.get_by_label("Eligibility descriptor"), "2. Children not attending")
    select_starting(first.get_by_label("Family member it concerns"), "Ava Okafor")
    fill_date(page, "Evidence date", "10", "5", "2019", scope=first)
    page.get_by_role("button", name="Attach family").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Identify problems under at least 2 different headline problems")
    expect(page).to_have_title(re.compile("^Error: "))
    # what was typed is kept
    expect(first.get_by_label("Eligibility descriptor")).not_to_have_value("")
    axe()
