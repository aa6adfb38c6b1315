"""Who has looked at this family: a coordinator searches the register by a member's surname and opens the family's
page; a manager then filters the audit trail by the family's reference, shows reads, and sees who searched and who
viewed it, with the search's terms; an administrator sees the same reads with their particulars hidden. axe on each
page; the trail reflows at 320 px (a stacked table)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests import factories
from tfclaims.auth.roles import Role


@pytest.fixture
def family(live_app):
    with live_app.app_context():
        stamp = time.time_ns() % 10**6
        family = factories.make_family(f"WHO-{stamp:06d}", members=2)
        return family.reference, family.members[0].surname


def sign_out(page) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def trail_rows(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator("tbody tr").all_inner_texts()]


def test_a_manager_finds_who_looked_at_a_family(page, base_url, sign_in_as, axe, family):
    reference, surname = family
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(Role.COORDINATOR)
    page.goto(f"{base_url}/families/?q={surname}")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    sign_out(page)

    sign_in_as(Role.MANAGER)
    page.goto(f"{base_url}/audit-trail/")
    page.get_by_label("Show").select_option(label="Reads of personal data")
    page.get_by_label("Family reference").fill(reference)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    viewed, searched = trail_rows(page)
    assert "Viewed" in viewed and "family page" in viewed and "Test Programme coordinator" in viewed
    assert "Searched" in searched and f"Searched for: {surname}" in searched and reference in searched
    expect(page.locator("tbody").get_by_role("link", name=reference)).to_have_count(1)
    axe()
    page.set_viewport_size({"width": 320, "height": 900})
    fits(page)
    axe()
    filtered = page.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_out(page)

    sign_in_as(Role.ADMINISTRATOR)
    page.goto(filtered)
    viewed, searched = trail_rows(page)
    assert "Viewed" in viewed and "Searched" in searched
    assert surname not in " ".join(trail_rows(page))
    assert "Details hidden: you cannot open family records" in searched
    expect(page.locator("tbody a")).to_have_count(0)
    axe()
