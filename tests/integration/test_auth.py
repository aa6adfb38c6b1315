"""Signing in and out: one generic message, the lockout, safe redirects, and the audit of it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.auth.services import ATTEMPT_ACTOR, create_user, set_password
from tfclaims.auth.views import LOCKED as LOCKED_TEMPLATE
from tfclaims.auth.views import SIGN_IN_FAILED
from tfclaims.extensions import db

PASSWORD = factories.PASSWORD
LOCKED = LOCKED_TEMPLATE.format(minutes=15)


@pytest.fixture
def coordinator(users):
    return users[Role.COORDINATOR]


def attempt(client, email: str, password: str, next_url: str | None = None):
    url = "/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def error_messages(response) -> list[str]:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")]


def events(user, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.entity_id == user.id,
                                 AuditEvent.action == action).order_by(AuditEvent.id)
    ))


def test_sign_in_and_land_on_home(client, coordinator):
    response = attempt(client, coordinator.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    assert client.get("/home").status_code == 200


def test_email_is_not_case_sensitive(client, coordinator):
    assert attempt(client, "  " + coordinator.email.upper(), PASSWORD).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client, coordinator):
    wrong_password = attempt(client, coordinator.email, "not the password")
    unknown_email = attempt(client, "nobody@brackenshire.example", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert error_messages(wrong_password) == error_messages(unknown_email) == [SIGN_IN_FAILED]
    # Nothing else on the page differs either, apart from the CSRF-free form echoing the email typed.
    assert text_without(wrong_password, coordinator.email) == text_without(unknown_email, "nobody@brackenshire.example")


def text_without(response, email: str) -> str:
    return response.get_data(as_text=True).replace(email, "EMAIL")


def test_empty_form_says_what_to_enter(pages):
    _, errors = pages.post_with_errors("/sign-in", {"email": "", "password": ""})
    assert errors == ["Enter your email address", "Enter your password"]


def test_locks_after_five_failures_in_a_row_for_fifteen_minutes(client, coordinator):
    for _ in range(4):
        assert error_messages(attempt(client, coordinator.email, "wrong password")) == [SIGN_IN_FAILED]
    # The fifth failure locks the account, and says so.
    assert error_messages(attempt(client, coordinator.email, "wrong password")) == [LOCKED]
    db.session.refresh(coordinator)
    locked_until = coordinator.locked_until.replace(tzinfo=coordinator.locked_until.tzinfo or UTC)
    assert timedelta(minutes=14) < locked_until - datetime.now(UTC) <= timedelta(minutes=15)

    # The sixth attempt, with the right password, is refused: the account is locked.
    response = attempt(client, coordinator.email, PASSWORD)
    assert response.status_code == 200 and error_messages(response) == [LOCKED]
    assert client.get("/home").status_code == 302
    assert len(events(coordinator, "account_locked")) == 1
    assert len(events(coordinator, "sign_in_refused")) == 1

    # Fifteen minutes later it works.
    coordinator.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, coordinator.email, PASSWORD).status_code == 302
    db.session.refresh(coordinator)
    assert coordinator.locked_until is None and coordinator.failed_logins == 0


def test_four_failures_then_success_resets_the_count(client, coordinator):
    for _ in range(4):
        attempt(client, coordinator.email, "wrong password")
    db.session.refresh(coordinator)
    assert coordinator.failed_logins == 4
    assert attempt(client, coordinator.email, PASSWORD).status_code == 302
    db.session.refresh(coordinator)
    assert coordinator.failed_logins == 0 and coordinator.locked_until is None


def test_failures_are_audited_without_naming_an_actor(client, coordinator):
    attempt(client, coordinator.email, "wrong password")
    [event] = events(coordinator, "sign_in_failed")
    assert event.actor_id is None and event.actor_label == ATTEMPT_ACTOR


def test_sign_out(client, sign_in):
    sign_in(Role.MANAGER)
    assert client.get("/home").status_code == 200
    response = client.post("/sign-out", follow_redirects=True)
    assert response.request.path == "/sign-in"
    assert "You have signed out" in response.get_data(as_text=True)
    response = client.get("/home")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def _signed_in_home(client) -> bool:
    response = client.get("/home")
    return response.status_code == 200


def test_a_replayed_cookie_is_refused_after_signing_out(client, sign_in, users):
    user = sign_in(Role.COORDINATOR)
    stolen = client.get_cookie("session").value
    client.post("/sign-out")
    client.set_cookie("session", stolen)
    assert not _signed_in_home(client)
    assert [e.action for e in events(user, "sign_out")] == ["sign_out"]
    # Signing in again starts a new session, which works.
    sign_in(Role.COORDINATOR)
    assert _signed_in_home(client)


def test_signing_out_by_a_link_only_shows_the_button(client, sign_in):
    sign_in(Role.AUDITOR)
    page = client.get("/sign-out")
    assert page.status_code == 200 and b'method="post"' in page.data
    assert _signed_in_home(client)


@pytest.mark.csrf_on
def test_signing_out_needs_the_csrf_token(client, sign_in, app):
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(Role.AUDITOR)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/sign-out")
        assert response.status_code == 400
        assert _signed_in_home(client)  # another site cannot sign you out
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize(
    ("key", "ago", "signed_in"),
    [
        ("seen_at", timedelta(minutes=29), True),
        ("seen_at", timedelta(minutes=31), False),
        ("signed_in_at", timedelta(hours=7, minutes=59), True),
        ("signed_in_at", timedelta(hours=8, minutes=1), False),
    ],
)
def test_a_session_ends_when_idle_and_at_its_lifetime(client, sign_in, key, ago, signed_in):
    sign_in(Role.COORDINATOR)
    with client.session_transaction() as session:
        session[key] = (datetime.now(UTC) - ago).isoformat()
    assert _signed_in_home(client) is signed_in
    if not signed_in:
        page = client.get("/sign-in").get_data(as_text=True)
        assert "You have been signed out because" in page


def test_deactivation_and_new_roles_end_the_users_sessions(app, client, sign_in, users):
    other = app.test_client()
    target = users[Role.COORDINATOR]
    other.post("/sign-in", data={"email": target.email, "password": PASSWORD})
    assert _signed_in_home(other)
    sign_in(Role.ADMINISTRATOR)
    data = {"name": target.name, "roles": ["coordinator", "auditor"], "active": "y"}
    assert client.post(f"/admin/users/{target.id}", data=data).status_code == 302
    assert not _signed_in_home(other)  # new roles: sign in again to take them up
    other.post("/sign-in", data={"email": target.email, "password": PASSWORD})
    assert _signed_in_home(other)
    data = {"name": target.name, "roles": ["coordinator"]}  # no "active": deactivated
    assert client.post(f"/admin/users/{target.id}", data=data).status_code == 302
    assert not _signed_in_home(other)
    assert events(target, "sessions_ended")


def test_signed_in_user_visiting_sign_in_goes_home(client, sign_in):
    sign_in(Role.AUDITOR)
    response = client.get("/sign-in")
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")


def test_a_protected_page_sends_you_to_sign_in_and_back(client, coordinator):
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in?next=%2Fhome")
    response = attempt(client, coordinator.email, PASSWORD, next_url="%2Fhome")
    assert response.headers["Location"] == "/home"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/families", "/families"),
        ("/families?page=2", "/families?page=2"),
        ("//evil.example", "/home"),
        ("https://evil.example/", "/home"),
        ("/\t/evil.example", "/home"),
        ("/%09/evil.example", "/%09/evil.example"),  # a literal "%09" is only a path on this site
        ("/\\evil.example", "/home"),
        ("", "/home"),
    ],
)
def test_only_same_host_next_redirects(client, coordinator, next_url, lands_on):
    from urllib.parse import quote

    response = client.post(f"/sign-in?next={quote(next_url, safe='')}", data={"email": coordinator.email,
                                                                              "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.removeprefix("http://localhost") == lands_on


def test_sign_in_form_keeps_next_in_its_action(pages):
    from urllib.parse import parse_qs, urlsplit

    page = pages.get("/sign-in?next=/families")
    action = urlsplit(page.form["action"])
    assert (action.path, parse_qs(action.query)) == ("/sign-in", {"next": ["/families"]})


# Audit ----------------------------------------------------------------------------------------------------


def test_sign_in_writes_an_audit_event_naming_the_user(client, coordinator):
    attempt(client, coordinator.email, PASSWORD)
    [event] = events(coordinator, "sign_in")
    assert (event.actor_id, event.actor_label, event.summary) == (coordinator.id, coordinator.name, "Signed in")


def test_password_hash_never_appears_in_audit_events(client, coordinator, db_session):
    user = create_user("hash.check@brackenshire.example", "Hash Check", "a long enough password", {Role.AUDITOR})
    db_session.commit()
    first_hash = user.password_hash
    set_password(user, "another long enough password")
    db_session.commit()
    attempt(client, user.email, "wrong password")
    attempt(client, user.email, "another long enough password")
    db_session.refresh(user)
    all_events = list(db_session.scalars(select(AuditEvent)))
    assert any(e.entity == "user" and e.entity_id == user.id and e.action == "create" for e in all_events)
    for event in all_events:
        assert "password_hash" not in event.changes
        dumped = repr(event.changes) + event.summary
        assert first_hash not in dumped and user.password_hash not in dumped and "$argon2" not in dumped
