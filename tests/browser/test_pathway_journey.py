"""The early-help pathway in the browser: a coordinator records a request, a manager decides and allocates it, the
practitioner records the visit, the assessment, the plan and the first team around the family meeting; the next
review is shown as due, and once its day has passed it is on the list of reviews overdue; the claim line of the
family shows its whole-family working. axe on every page."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.claims_cohort import make_claimable, make_window
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import OutcomesPlan

REFERENCE = "BRK-990301"


@pytest.fixture
def family(live_app):
    """A family attached on 10 January 2019 and claimable as of 30 September 2019 (2015-21)."""
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        manager = db.session.scalar(select(User).where(User.email == live_app.config["BROWSER_USERS"][Role.MANAGER]))
        found = make_claimable(REFERENCE, plan.versions[0], manager)
        return found.id, [m.full_name for m in found.members]


@pytest.fixture
def on_day(live_app):
    """Set the app's today for the journey; the app's own day again afterwards."""
    before = live_app.config.get("TFCLAIMS_TODAY")
    yield lambda day: live_app.config.__setitem__("TFCLAIMS_TODAY", day)
    live_app.config["TFCLAIMS_TODAY"] = before


def fill_date(page, legend: str, day: date):
    group = page.get_by_role("group", name=legend)
    for label, value in zip(("Day", "Month", "Year"), (day.day, day.month, day.year), strict=True):
        group.get_by_label(label).fill(str(value))


def sign_out(page):
    page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def test_a_request_worked_to_whole_family_working(page, base_url, sign_in_as, axe, family, on_day, live_app):
    family_id, members = family
    on_day(date(2019, 3, 1))
    practitioner = live_app.config["BROWSER_USERS"][Role.PRACTITIONER]
    with live_app.app_context():
        practitioner_name = db.session.scalar(select(User.name).where(User.email == practitioner))

    # 1. A coordinator records the request from the school.
    sign_in_as(Role.COORDINATOR)
    page.goto(f"{base_url}/families/{family_id}")
    page.get_by_role("link", name="Record a request for early help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a request for early help")
    axe()
    page.get_by_role("button", name="Save request").click()  # nothing filled in: the error summary
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the request was received")
    axe()
    fill_date(page, "Date received", date(2019, 1, 2))
    page.get_by_label("Time received").fill("9:15am")
    page.get_by_label("Who asked for early help").select_option(label="School or college")
    page.get_by_label("Reason for the request").fill("Attendance falling since the autumn")
    page.get_by_role("button", name="Save request").click()
    card = page.locator(".govuk-summary-card", has_text="Request received 2 January 2019 at 09:15")
    expect(card).to_contain_text("Awaiting a decision")
    axe()
    sign_out(page)

    # 2. A manager decides it and allocates it to the practitioner.
    sign_in_as(Role.MANAGER)
    page.goto(f"{base_url}/families/{family_id}")
    page.get_by_role("link", name="Decide on the request received 2 January 2019 at 09:15").click()
    page.get_by_label("Allocated to early help").check()
    fill_date(page, "Date of the decision", date(2019, 1, 2))
    axe()
    page.get_by_role("button", name="Save decision").click()
    page.get_by_role("link", name="Allocate the request received 2 January 2019 at 09:15").click()
    page.get_by_label("Lead practitioner").select_option(label=practitioner_name)
    page.get_by_label("Team").fill("North locality")
    fill_date(page, "Date allocated", date(2019, 1, 3))
    page.get_by_label("Time allocated").fill("10:00")
    axe()
    page.get_by_role("button", name="Allocate").click()
    card = page.locator(".govuk-summary-card", has_text="Request received 2 January 2019 at 09:15")
    expect(card).to_contain_text(f"{practitioner_name}, North locality")
    expect(card.locator("#timescales-" + card.get_attribute("id").split("-")[1])).to_contain_text("Within the standard")
    sign_out(page)

    # 3. The practitioner records the visit, the assessment, the plan and the first team around the family meeting.
    sign_in_as(Role.PRACTITIONER)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Early help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Early help")
    axe()
    page.get_by_role("link", name="Your caseload").click()
    expect(page.locator("#caseload")).to_contain_text(REFERENCE)
    axe()
    page.get_by_role("link", name=REFERENCE).click()
    page.get_by_role("link", name="Record a visit or contact").click()
    fill_date(page, "Date", date(2019, 1, 7))
    page.get_by_label("Home visit").check()
    page.get_by_label(members[0]).check()
    page.get_by_label(members[2]).check()
    page.get_by_label("A child was seen alone").check()
    axe()
    page.get_by_role("button", name="Save contact").click()
    page.get_by_role("link", name="Record the assessment").click()
    fill_date(page, "Date started", date(2019, 1, 7))
    fill_date(page, "Date completed (optional)", date(2019, 1, 25))
    for name in members[:3]:
        page.get_by_label(name).check()
    axe()
    page.get_by_role("button", name="Save assessment").click()
    page.get_by_role("link", name="Record the family plan").click()
    fill_date(page, "Date the plan opened", date(2019, 1, 28))
    axe()
    page.get_by_role("button", name="Save family plan").click()
    page.get_by_role("link", name="Record a team around the family meeting").click()
    page.get_by_label("Initial team around the family meeting (the plan agreed)").check()
    fill_date(page, "Date held", date(2019, 2, 1))
    page.get_by_label("School or college").check()
    axe()
    page.get_by_role("button", name="Save meeting").click()
    card = page.locator(".govuk-summary-card", has_text="Request received 2 January 2019 at 09:15")
    request_id = card.get_attribute("id").split("-")[1]
    expect(page.locator(f"#timescales-{request_id}")).not_to_contain_text("Late")
    # The next review is due six weeks after the meeting: 15 March 2019, not overdue on 1 March.
    review = page.locator(f"#next-due-{request_id} .govuk-summary-list__row", has_text="Next meeting due")
    expect(review).to_contain_text("15 March 2019")
    expect(review).not_to_contain_text("Overdue")
    axe()

    # 4. Three weeks later the review has not been held: it is overdue, and on the list.
    on_day(date(2019, 3, 20))
    page.reload()
    expect(review).to_contain_text("15 March 2019 Overdue")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Early help").click()
    page.get_by_role("link", name="Reviews overdue").click()
    row = page.locator("#due-rows tr", has_text=REFERENCE)
    expect(row).to_contain_text("Overdue by 5 days")
    axe()
    sign_out(page)

    # 5. The claim line of the family shows its whole-family working, element by element.
    on_day(date(2019, 10, 1))
    with live_app.app_context():
        from tfclaims.claims import services as claim_services

        window = make_window(label="2019-20 Q2 (pathway journey)")
        officer = db.session.scalar(
            select(User).where(User.email == live_app.config["BROWSER_USERS"][Role.CLAIMS_OFFICER]))
        claim = claim_services.build_claim(window, [family_id], officer, date(2019, 10, 1))
        db.session.commit()
        claim_id, line_id = claim.id, claim.lines[0].id
    sign_in_as(Role.CLAIMS_OFFICER)
    page.goto(f"{base_url}/claims/{claim_id}/lines/{line_id}")
    working = page.locator("#snapshot-working")
    for label, day in (("Lead practitioner allocated", "3 January 2019"),
                       ("Whole-family assessment completed", "25 January 2019"),
                       ("Family plan opened", "28 January 2019"),
                       ("Team around the family meeting", "1 February 2019")):
        expect(working.locator(".govuk-summary-list__row", has_text=label).locator("dd")).to_have_text(day)
    axe()

    # 6. The scorecard counts the pathway: January 2019's request, assessment and first visit (within 5 working
    # days of the request), computed, not typed in.
    page.goto(f"{base_url}/scorecard?month=2019-01")
    for code, value in (("SF05", "1"), ("SF08", "1"), ("SF09", "1"), ("SF10", "1"), ("SF12", "100%")):
        expect(page.locator(f"#indicator-{code} td").nth(8)).to_have_text(value)
    axe()
