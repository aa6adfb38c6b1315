"""A user changes their password and sets up two-factor authentication, then signs in with both: the test reads
the key shown on the page and computes the codes with pyotp, as an authenticator app would; axe scan of each page.

The user is made for this journey alone, since it changes their password and sign-in."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import expect

from tests import factories
from tfclaims.auth import rules
from tfclaims.auth.roles import Role

NEW_PASSWORD = "marmalade lighthouse pebble"


@pytest.fixture
def journey_user(live_app):
    with live_app.app_context():
        user = factories.make_user(Role.COORDINATOR, name="Morgan Ellis",
                                   email=f"morgan.ellis.{time.time_ns()}@browser.example")
        return user.email


def test_a_user_changes_their_password_and_sets_up_two_factor(page, base_url, axe, journey_user):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(journey_user)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/home")

    page.goto(f"{base_url}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Morgan Ellis")
    axe()

    # Change the password: a wrong current password first.
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    axe()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Your current password is not right")
    axe()
    page.get_by_label("Current password").fill(factories.PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(f"{base_url}/account")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password is changed")

    # Set up two-factor authentication from the key shown (as the QR code says it).
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for adding tfclaims to your authenticator app")).to_be_visible()
    axe()
    page.set_viewport_size({"width": 320, "height": 800})  # the QR code and the key fit a narrow screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    axe()
    page.set_viewport_size({"width": 1280, "height": 900})
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("000000" if pyotp.TOTP(secret).now() != "000000"
                                                                 else "111111")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    axe()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_url(f"{base_url}/account")
    expect(page.locator(".govuk-summary-list")).to_contain_text("On since")
    axe()

    # Sign out, and in again: the new password, then a code (the next one: each code is accepted once).
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(journey_user)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/sign-in/code")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    axe()
    next_step = rules.totp_step(datetime.now(UTC)) + 1
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).generate_otp(next_step))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base_url}/home")

    # The page works at 320 px wide too.
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{base_url}/account/two-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    axe()


def test_a_manager_reads_the_sign_in_settings_and_an_administrator_unlocks_a_colleague(
        page, base_url, sign_in_as, axe, live_app):
    from datetime import timedelta

    from tfclaims.extensions import db

    with live_app.app_context():
        colleague = factories.make_user(Role.AUDITOR, name="Robin Locke",
                                        email=f"robin.locke.{time.time_ns()}@browser.example")
        colleague.locked_until = datetime.now(UTC) + timedelta(minutes=10)
        db.session.commit()

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(Role.MANAGER)
    page.goto(f"{base_url}/account")
    page.get_by_role("link", name="Sign-in settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in settings")
    expect(page.get_by_label("No, let each user choose")).to_be_checked()
    axe()
    page.get_by_role("button", name="Save").click()  # left as it is: the other journeys sign in without a code
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sign-in settings saved")
    axe()
    page.get_by_role("button", name="Sign out").click()

    sign_in_as(Role.ADMINISTRATOR)
    page.goto(f"{base_url}/admin/users")
    row = page.get_by_role("row").filter(has_text="Robin Locke")
    expect(row).to_contain_text("Locked")
    axe()
    row.get_by_role("button", name="Unlock Robin Locke").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Robin Locke's account is unlocked")
    expect(page.get_by_role("row").filter(has_text="Robin Locke")).not_to_contain_text("Locked")
    axe()
