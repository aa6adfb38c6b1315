"""A manager opens the forecast, sets an assumed conversion rate and sees the attachments needed per month (each
term a sum that holds as shown, the families tracked by attachment year), sets another and sees them change, looks
at the charts, then opens the monthly scorecard; axe scan of each page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tfclaims import clock
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.forecasts.models import Target


@pytest.fixture
def target(live_app):
    """The programme year around today, with deadlines well ahead so the forecast spreads over the months left."""
    with live_app.app_context():
        today = clock.today()
        start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
        db.session.add(Target(label=f"Journey {start.year}", starts_on=start, ends_on=date(start.year + 1, 3, 31),
                              results_target=120, attachment_target=300,
                              attachment_deadline=date(start.year + 1, 9, 30),
                              claim_deadline=date(start.year + 2, 3, 31)))
        db.session.commit()


def per_month(page) -> int:
    return int(re.match(r"[\d,]+", page.locator("#per-month").inner_text()).group(0).replace(",", ""))


def test_a_manager_sets_an_assumed_rate_and_reads_the_scorecard(page, base_url, sign_in_as, axe, target):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(Role.MANAGER)
    nav = page.get_by_role("navigation", name="Main menu")
    nav.get_by_role("link", name="Forecast").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forecast")
    axe()

    page.get_by_label("Assumed conversion rate").fill("40")
    page.get_by_role("button", name="Use this rate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("assumes a 40% conversion rate")
    expect(page.locator("#rate-used")).to_have_text("40%")
    expect(page.locator("#paragraph")).to_contain_text("assuming a 40% conversion rate")
    at_40 = per_month(page)
    assert at_40 > 0
    # The sum shown holds: "N: F × 30.4375 ÷ D days ≈ x, rounded up".
    expect(page.locator("#per-month")).to_contain_text(" × 30.4375 ÷ ")
    expect(page.locator("#progress-sum")).to_be_visible()
    by_year = page.get_by_role("table", name="Families tracked, by attachment year")
    expect(by_year).to_be_visible()
    expect(by_year.get_by_role("columnheader", name="Closed without a result")).to_be_visible()
    axe()

    page.get_by_label("Assumed conversion rate").fill("60")
    page.get_by_role("button", name="Use this rate").click()
    expect(page.locator("#rate-used")).to_have_text("60%")
    at_60 = per_month(page)
    assert at_60 < at_40  # a higher rate needs fewer attachments a month
    expect(page.locator("#paragraph")).to_contain_text(f"{at_60:,} per month")
    for figure in page.locator("figure.app-chart").all():
        chart = figure.locator("img")
        assert chart.get_attribute("alt")
        assert chart.get_attribute("src").startswith("data:image/svg+xml;base64,")  # drawn with the page
        chart.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
        own = figure.locator("figcaption a", has_text="the chart as an SVG file").get_attribute("href")
        response = page.request.get(base_url + own)  # and at its own address
        assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")

    page.get_by_label("Assumed conversion rate").fill("0")
    page.get_by_role("button", name="Use this rate").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("more than 0%")
    axe()

    nav.get_by_role("link", name="Scorecard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly scorecard")
    axe()
