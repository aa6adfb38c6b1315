"""The user's own account (issue 13, item 4): the account page, changing one's password (which ends one's other
sessions), an administrator's temporary password that must be changed first, the password policy, the optional
second factor (TOTP) at sign-in, and a manager requiring it of everyone who can open family records."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth import rules
from tfclaims.auth.models import SecuritySettings
from tfclaims.auth.roles import Role
from tfclaims.auth.views import LOCKED, PENDING_AT, SIGN_IN_FAILED, WRONG_CODE
from tfclaims.extensions import db, limiter

PASSWORD = factories.PASSWORD
NEW_PASSWORD = "lantern orchard kettle"


@pytest.fixture(autouse=True)
def _fresh_counts():
    limiter.reset()  # the locks of unknown emails live in the limiter's storage
    yield
    limiter.reset()


def events(user, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "user", AuditEvent.entity_id == user.id, AuditEvent.action == action)))


def signed_in(client) -> bool:
    return client.get("/home").status_code == 200


def sign_in_with(client, email: str, password: str):
    return client.post("/sign-in", data={"email": email, "password": password})


def change(pages, current: str, new: str, **kwargs):
    return pages.post("/account/password", {"current_password": current, "new_password": new}, **kwargs)


# The account page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_user_sees_their_account(pages, sign_in, role):
    user = sign_in(role)
    page = pages.get("/account")
    assert page.h1.get_text(strip=True) == "Your account"
    shown = text(page.select_one(".govuk-summary-list"))
    for value in (user.name, user.email, role.label, "Two-factor authentication Off"):
        assert value in shown
    links = {a["href"] for a in page.select(".govuk-summary-list a")}
    assert links == {"/account/password", "/account/two-factor"}


def test_the_account_pages_need_signing_in(client):
    for url in ("/account", "/account/password", "/account/two-factor"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# Changing one's own password ---------------------------------------------------------------------------------


def test_a_user_changes_their_password(app, client, pages, sign_in, users):
    user = sign_in(Role.COORDINATOR)
    elsewhere = app.test_client()  # the same user signed in on another computer
    assert sign_in_with(elsewhere, user.email, PASSWORD).status_code == 302
    assert signed_in(elsewhere)

    page = pages.get("/account/password")
    assert page.select_one("#current_password")["autocomplete"] == "current-password"
    assert page.select_one("#new_password")["autocomplete"] == "new-password"
    change(pages, PASSWORD, NEW_PASSWORD, redirects_to="/account")
    assert "Your password is changed" in text(pages.get("/account"))

    assert signed_in(client)  # this session goes on
    assert not signed_in(elsewhere)  # the other one has ended
    client.post("/sign-out")
    assert sign_in_with(client, user.email, PASSWORD).status_code == 200  # the old password no longer works
    assert sign_in_with(client, user.email, NEW_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_changed_at is not None and not user.must_change_password
    [event] = events(user, "password_changed")
    assert event.actor_id == user.id
    assert events(user, "sessions_ended")
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == user.id)):
        dumped = repr(event.changes) + event.summary
        assert NEW_PASSWORD not in dumped and PASSWORD not in dumped and "$argon2" not in dumped


def test_a_wrong_current_password_is_refused(pages, sign_in):
    user = sign_in(Role.AUDITOR)
    before = user.password_hash
    page, errors = pages.post_with_errors("/account/password",
                                          {"current_password": "not my password", "new_password": NEW_PASSWORD})
    assert errors == ["Your current password is not right"]
    assert page.select_one(".govuk-error-summary a")["href"] == "#current_password"
    assert not page.select_one("#current_password").get("value")  # a password is never sent back
    db.session.refresh(user)
    assert user.password_hash == before
    assert not events(user, "password_changed")


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("", NEW_PASSWORD, "Enter your current password"),
        (PASSWORD, "", "Enter a new password"),
        (PASSWORD, "too short", "Password must be 12 characters or more"),
        (PASSWORD, "Password1234", rules.TOO_EASY),
        (PASSWORD, "sunshine sunshine", rules.TOO_EASY),
        (PASSWORD, "x" * 300, "Password must be 256 characters or fewer"),
        (PASSWORD, PASSWORD, "Your new password must be different from your current password"),
        (PASSWORD, "{name} forever", "Password must not contain your name or email address"),
    ],
)
def test_the_password_policy_refuses(pages, sign_in, current, new, message):
    user = sign_in(Role.MANAGER)
    new = new.format(name=user.name)
    _, errors = pages.post_with_errors("/account/password", {"current_password": current, "new_password": new})
    assert errors == [message]


# A temporary password from an administrator ------------------------------------------------------------------


def test_a_new_users_temporary_password_must_be_changed_before_anything_else(client, pages, sign_in):
    sign_in(Role.ADMINISTRATOR)
    pages.post("/admin/users/new", {"name": "Priya Shah", "email": "priya.shah@brackenshire.example",
                                    "password": "temporary lilac tractor", "roles": ["coordinator"]},
               redirects_to="/admin/users")
    assert "Has a temporary password" in text(pages.get("/admin/users"))
    client.post("/sign-out")

    assert sign_in_with(client, "priya.shah@brackenshire.example", "temporary lilac tractor").status_code == 302
    for url in ("/home", "/families/", "/account", "/account/two-factor", "/audit-trail/"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password"), url
    assert client.post("/families/new").headers["Location"].endswith("/account/password")
    page = pages.get("/account/password")
    assert "An administrator gave you a temporary password" in text(page)
    assert client.get("/sign-out").status_code == 200  # signing out stays open
    assert client.get("/assets/images/favicon.ico").status_code in (200, 404)  # assets are not redirected

    change(pages, "temporary lilac tractor", NEW_PASSWORD, redirects_to="/account")
    assert signed_in(client)
    assert client.get("/families/").status_code == 200


def test_an_administrator_sets_a_temporary_password(app, client, pages, sign_in, users):
    colleague = users[Role.CLAIMS_OFFICER]
    theirs = app.test_client()
    sign_in_with(theirs, colleague.email, PASSWORD)
    assert signed_in(theirs)
    admin = sign_in(Role.ADMINISTRATOR)
    page = pages.get(f"/admin/users/{colleague.id}")
    assert page.select_one("#password")["autocomplete"] == "new-password"
    data = {"name": colleague.name, "roles": ["claims_officer"], "active": "y", "password": "temporary lilac tractor"}
    pages.post(f"/admin/users/{colleague.id}", data, redirects_to="/admin/users")
    db.session.refresh(colleague)
    assert colleague.must_change_password
    assert not signed_in(theirs)  # their sessions end
    [event] = events(colleague, "temporary_password_set")
    assert event.actor_id == admin.id and "lilac" not in repr(event.changes) + event.summary
    # Saving the form again with the password box empty leaves the password alone.
    before = colleague.password_hash
    pages.post(f"/admin/users/{colleague.id}", data | {"password": ""}, redirects_to="/admin/users")
    db.session.refresh(colleague)
    assert colleague.password_hash == before
    # The temporary password signs in, to the change page.
    assert sign_in_with(theirs, colleague.email, "temporary lilac tractor").status_code == 302
    assert theirs.get("/home").headers["Location"].endswith("/account/password")


def test_a_temporary_password_follows_the_policy(pages, sign_in, users):
    colleague = users[Role.AUDITOR]
    sign_in(Role.ADMINISTRATOR)
    data = {"name": colleague.name, "roles": ["auditor"], "active": "y", "password": "Password1234"}
    page, errors = pages.post_with_errors(f"/admin/users/{colleague.id}", data)
    assert errors == [rules.TOO_EASY]
    assert page.select_one("#password")["value"] == "Password1234"  # kept for the administrator to correct
    db.session.refresh(colleague)
    assert not colleague.must_change_password


def test_an_administrator_cannot_give_themselves_a_temporary_password(pages, sign_in):
    admin = sign_in(Role.ADMINISTRATOR)
    assert pages.get(f"/admin/users/{admin.id}").select_one("#password") is None
    data = {"name": admin.name, "roles": ["administrator"], "active": "y", "password": "temporary lilac tractor"}
    _, errors = pages.post_with_errors(f"/admin/users/{admin.id}", data)
    assert errors == ["You cannot give yourself a temporary password: change your password on your account page"]


# The second factor ------------------------------------------------------------------------------------------


def set_up_totp(pages) -> tuple[str, int]:
    """Set up a second factor through its page; returns the secret and the time step its code used."""
    page = pages.get("/account/two-factor")
    secret = page.select_one("#totp-secret").get_text(strip=True).replace(" ", "")
    image = page.select_one("img[alt^='QR code']")["src"]
    assert image.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(image.split(",", 1)[1]).startswith(b"<svg")
    step = rules.totp_step(datetime.now(UTC))
    pages.post("/account/two-factor", {"code": pyotp.TOTP(secret).generate_otp(step)}, redirects_to="/account")
    return secret, step


def code(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def test_setting_up_a_second_factor_and_signing_in_with_it(client, pages, sign_in):
    user = sign_in(Role.COORDINATOR)
    page = pages.get("/account/two-factor")
    secret = page.select_one("#totp-secret").get_text(strip=True).replace(" ", "")
    assert len(secret) == 32 and page.select_one("#code")["autocomplete"] == "one-time-code"
    assert pages.get("/account/two-factor").select_one("#totp-secret").get_text(strip=True).replace(" ", "") == secret

    _, errors = pages.post_with_errors("/account/two-factor", {"code": "000000" if code(secret, 0) != "000000"
                                                                else "111111"})
    assert errors == ["The code is not right: enter the 6-digit code your authenticator app shows now"]
    _, errors = pages.post_with_errors("/account/two-factor", {"code": ""})
    assert errors == ["Enter the 6-digit code from your authenticator app"]
    db.session.refresh(user)
    assert user.totp_enabled_at is None

    secret, step = set_up_totp(pages)
    db.session.refresh(user)
    assert user.totp_enabled_at is not None and user.totp_last_step == step
    [event] = events(user, "totp_enabled")
    assert secret not in repr(event.changes) + event.summary
    assert "Two-factor authentication On since" in text(pages.get("/account"))

    # Signing in now takes the password, then a code: not signed in between.
    client.post("/sign-out")
    response = sign_in_with(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code")
    assert not signed_in(client)
    page = pages.get("/sign-in/code")
    assert page.h1.get_text(strip=True) == "Enter the code from your authenticator app"
    # The code used to set it up is not accepted again: each time step once.
    _, errors = pages.post_with_errors("/sign-in/code", {"code": code(secret, step)})
    assert errors == [WRONG_CODE]
    assert not signed_in(client)
    pages.post("/sign-in/code", {"code": code(secret, step + 1)}, redirects_to="/home")
    assert signed_in(client)
    db.session.refresh(user)
    assert user.totp_last_step == step + 1 and user.failed_logins == 0

    # A replayed code, even on a fresh sign-in, is refused.
    client.post("/sign-out")
    sign_in_with(client, user.email, PASSWORD)
    _, errors = pages.post_with_errors("/sign-in/code", {"code": code(secret, step + 1)})
    assert errors == [WRONG_CODE]
    assert not signed_in(client)


def test_the_code_step_keeps_next_and_refuses_a_stale_or_absent_sign_in(client, pages, sign_in):
    user = sign_in(Role.AUDITOR)
    secret, step = set_up_totp(pages)
    client.post("/sign-out")
    # Nobody waiting for a code: back to the sign-in page.
    assert client.get("/sign-in/code").headers["Location"].endswith("/sign-in")
    client.post("/sign-in?next=/families/", data={"email": user.email, "password": PASSWORD})
    pages.post("/sign-in/code", {"code": code(secret, step + 1)}, redirects_to="/families/")

    client.post("/sign-out")
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        session[PENDING_AT] = (datetime.now(UTC) - timedelta(minutes=6)).isoformat()
    response = client.post("/sign-in/code", data={"code": code(secret, step + 2)})
    assert response.headers["Location"].endswith("/sign-in")
    assert not signed_in(client)


def test_wrong_codes_count_towards_the_lock(client, pages, sign_in):
    user = sign_in(Role.MANAGER)
    secret, step = set_up_totp(pages)
    client.post("/sign-out")
    sign_in_with(client, user.email, PASSWORD)
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {code(secret, step + d) for d in (-1, 0, 1, 2)})
    for _ in range(4):
        _, errors = pages.post_with_errors("/sign-in/code", {"code": wrong})
        assert errors == [WRONG_CODE]
    db.session.refresh(user)
    assert user.failed_logins == 4
    # The right password does not start the count afresh: only a right code does.
    sign_in_with(client, user.email, PASSWORD)
    db.session.refresh(user)
    assert user.failed_logins == 4
    response = client.post("/sign-in/code", data={"code": wrong})
    assert response.status_code == 200 and LOCKED.format(minutes=15) in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_until is not None
    assert events(user, "account_locked")
    # Locked: neither the password nor a right code signs in.
    assert client.get("/sign-in/code").headers["Location"].endswith("/sign-in")
    response = sign_in_with(client, user.email, PASSWORD)
    assert SIGN_IN_FAILED not in response.get_data(as_text=True)
    assert LOCKED.format(minutes=15) in response.get_data(as_text=True)


def test_turning_the_second_factor_off_needs_the_password(client, pages, sign_in):
    user = sign_in(Role.CLAIMS_OFFICER)
    set_up_totp(pages)
    page = pages.get("/account/two-factor")
    assert page.h1.get_text(strip=True) == "Two-factor authentication"
    _, errors = pages.post_with_errors("/account/two-factor/off", {"password": "not my password"})
    assert errors == ["Your password is not right"]
    db.session.refresh(user)
    assert user.totp_enabled_at is not None
    pages.post("/account/two-factor/off", {"password": PASSWORD}, redirects_to="/account")
    db.session.refresh(user)
    assert user.totp_enabled_at is None and user.totp_secret is None
    assert events(user, "totp_disabled")
    client.post("/sign-out")
    assert sign_in_with(client, user.email, PASSWORD).headers["Location"].endswith("/home")


def test_an_administrator_turns_off_a_lost_second_factor(app, client, pages, sign_in, users):
    colleague = users[Role.COORDINATOR]
    colleague.totp_secret, colleague.totp_enabled_at = pyotp.random_base32(), datetime.now(UTC)
    db.session.commit()
    admin = sign_in(Role.ADMINISTRATOR)
    assert "Two-factor authentication is on since" in text(pages.get(f"/admin/users/{colleague.id}"))
    pages.post(f"/admin/users/{colleague.id}/two-factor/reset", redirects_to=f"/admin/users/{colleague.id}")
    db.session.refresh(colleague)
    assert colleague.totp_enabled_at is None and colleague.totp_secret is None
    [event] = events(colleague, "totp_reset")
    assert event.actor_id == admin.id
    assert client.post(f"/admin/users/{admin.id}/two-factor/reset").status_code == 403


# A second factor required by a manager ------------------------------------------------------------------------


def test_a_manager_requires_a_second_factor_of_everyone_who_sees_personal_data(app, client, pages, sign_in, users):
    manager = sign_in(Role.MANAGER)
    page = pages.get("/admin/security")
    assert page.select_one("input[name=require_totp][value=no]").has_attr("checked")
    listed = text(page)
    assert users[Role.COORDINATOR].name in listed and users[Role.ADMINISTRATOR].name not in listed
    pages.post("/admin/security", {"require_totp": "yes"}, redirects_to="/admin/security")
    assert db.session.scalar(select(SecuritySettings.require_totp)) is True
    assert any(e.action == "second_factor_required" for e in db.session.scalars(select(AuditEvent)))

    # The manager, without a second factor, is sent to set one up before anything else.
    response = client.get("/families/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
    page = pages.get("/account/two-factor")
    assert "Your council requires two-factor authentication" in text(page)
    set_up_totp(pages)
    assert client.get("/families/").status_code == 200
    # Once required, it cannot be turned off.
    page, errors = pages.post_with_errors("/account/two-factor/off", {"password": PASSWORD})
    assert errors == ["Your council requires two-factor authentication for your role: it cannot be turned off"]
    assert page.select_one("#password") is None and "cannot be turned off" in text(page.select_one("main"))
    db.session.refresh(manager)
    assert manager.totp_enabled_at is not None

    # A coordinator without one is sent to set it up when they sign in; an administrator is not.
    coordinator = app.test_client()
    sign_in_with(coordinator, users[Role.COORDINATOR].email, PASSWORD)
    assert coordinator.get("/home").headers["Location"].endswith("/account/two-factor")
    assert coordinator.get("/account/two-factor").status_code == 200
    administrator = app.test_client()
    sign_in_with(administrator, users[Role.ADMINISTRATOR].email, PASSWORD)
    assert administrator.get("/home").status_code == 200


def test_an_administrator_sees_the_setting_but_cannot_change_it(client, pages, sign_in):
    sign_in(Role.ADMINISTRATOR)
    page = pages.get("/admin/security")
    assert "Only a manager can change this" in text(page) and page.select_one("form[action='/admin/security']") is None
    assert client.post("/admin/security", data={"require_totp": "yes"}).status_code == 403
    assert not db.session.scalar(select(SecuritySettings.require_totp))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR])
def test_other_roles_cannot_see_the_setting(client, sign_in, role):
    sign_in(role)
    assert client.get("/admin/security").status_code == 403
    assert client.post("/admin/security", data={"require_totp": "yes"}).status_code == 403


@pytest.mark.parametrize("value", ["", "maybe", "x" * 10_000, "1"])
def test_a_bad_setting_is_refused(pages, sign_in, value):
    sign_in(Role.MANAGER)
    _, errors = pages.post_with_errors("/admin/security", {"require_totp": value})
    assert errors == ["Select whether two-factor authentication is required"]
    assert not db.session.scalar(select(SecuritySettings.require_totp))


# No 500 from any input ----------------------------------------------------------------------------------------


def junk():
    from tests.integration.test_bad_input import BAD_VALUES

    return BAD_VALUES


def test_junk_in_the_account_forms_is_never_a_server_error(app, client, sign_in, users):
    user = sign_in(Role.MANAGER)
    forms = [("/account/password", ["current_password", "new_password"]), ("/account/two-factor", ["code"]),
             ("/admin/security", ["require_totp"])]
    for value in junk():
        for url, fields in forms:
            response = client.post(url, data={field: value for field in fields})
            assert response.status_code < 500, (url, value[:20], response.status_code)
            assert response.status_code != 302 or url == "/admin/security" and value in ("yes", "no")
    db.session.refresh(user)
    assert user.totp_enabled_at is None and not db.session.scalar(select(SecuritySettings.require_totp))
    assert client.post("/account/password", data={}).status_code == 200
    assert client.post("/account/two-factor", data={}).status_code == 200


def test_junk_in_the_second_factor_forms_is_never_a_server_error(app, client, pages, sign_in, users):
    user = sign_in(Role.COORDINATOR)
    set_up_totp(pages)
    threshold = app.config["LOCKOUT_THRESHOLD"]
    app.config["LOCKOUT_THRESHOLD"] = 10_000  # every junk code is a failed attempt: do not lock on the way
    try:
        for value in junk():
            response = client.post("/account/two-factor/off", data={"password": value})
            assert response.status_code < 500 and response.status_code != 302, value[:20]
        client.post("/sign-out")
        sign_in_with(client, user.email, PASSWORD)
        for value in junk():
            response = client.post("/sign-in/code", data={"code": value})
            assert response.status_code in (200, 400), (value[:20], response.status_code)
        assert not signed_in(client)
        assert client.post("/sign-in/code", data={}).status_code == 200
    finally:
        app.config["LOCKOUT_THRESHOLD"] = threshold
    db.session.refresh(user)
    assert user.totp_enabled_at is not None


def test_junk_posted_to_the_administrators_buttons_is_never_a_server_error(client, sign_in, users):
    colleague = users[Role.COORDINATOR]
    colleague.totp_secret, colleague.totp_enabled_at = pyotp.random_base32(), datetime.now(UTC)
    colleague.locked_until = datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()
    sign_in(Role.ADMINISTRATOR)
    for value in junk():
        for url in (f"/admin/users/{colleague.id}/unlock", f"/admin/users/{colleague.id}/two-factor/reset",
                    "/admin/users/99999999/unlock", f"/admin/users/{2**40}/unlock"):
            assert client.post(url, data={"csrf_token": value, "x": value}).status_code < 500
