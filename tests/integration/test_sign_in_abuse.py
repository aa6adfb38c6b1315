"""Sign-in that resists abuse (issue 13, item 3): failed attempts limited per client address and per account (the
email typed, whether or not an account has it), a lock that says so without telling whether an email has an
account, a bounded number of password checks at once, and the lock shown to administrators with an unlock button.

The test suite's app has the rate limits off (it signs in a great deal from one address); these tests turn them on,
lowered, and start from empty counts."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth import services, throttle
from tfclaims.auth.roles import Role
from tfclaims.auth.views import LOCKED, SIGN_IN_FAILED
from tfclaims.extensions import db, limiter

PASSWORD = factories.PASSWORD
LOCKED_15 = LOCKED.format(minutes=15)


@pytest.fixture
def limits(app):
    """Turn the sign-in limits on: ``limits(per_address=..., per_account=...)``; counts start and end empty."""
    saved = {key: app.config[key] for key in
             ("SIGN_IN_RATE_LIMITS", "SIGN_IN_LIMIT_PER_ADDRESS", "SIGN_IN_LIMIT_PER_ACCOUNT")}

    def _on(per_address: str = "100 per minute", per_account: str = "100 per minute"):
        app.config.update(SIGN_IN_RATE_LIMITS=True, SIGN_IN_LIMIT_PER_ADDRESS=per_address,
                          SIGN_IN_LIMIT_PER_ACCOUNT=per_account)

    limiter.reset()
    yield _on
    app.config.update(saved)
    limiter.reset()


@pytest.fixture
def fresh_counts():
    limiter.reset()
    yield
    limiter.reset()


def attempt(client, email: str, password: str = "wrong password", address: str = "198.51.100.7"):
    return client.post("/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def errors(response) -> list[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")]


def events(user, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "user", AuditEvent.entity_id == user.id, AuditEvent.action == action)))


# Rate limits ------------------------------------------------------------------------------------------------


def test_a_flood_of_unknown_emails_from_one_address_is_limited(client, pages, limits):
    limits(per_address="5 per minute")
    for n in range(5):
        response = attempt(client, f"nobody-{n}@flood.example")
        assert response.status_code == 200 and errors(response) == [SIGN_IN_FAILED]
    response = attempt(client, "nobody-5@flood.example")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    page = pages.check(response)
    assert page.h1.get_text(strip=True) == "Too many attempts" and "Try again in 1 minute" in text(page)
    # The right password from that address is not checked either, until the window moves on...
    user = factories.make_user(Role.COORDINATOR)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    # ...but another address is not held up, nor is the sign-in page itself.
    assert attempt(client, user.email, PASSWORD, address="198.51.100.8").status_code == 302
    client.post("/sign-out")
    assert client.get("/sign-in", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_one_account_is_limited_across_addresses(client, limits, users):
    limits(per_account="3 per minute")
    target = users[Role.CLAIMS_OFFICER]
    for n in range(3):
        assert attempt(client, target.email, address=f"203.0.113.{n}").status_code == 200
    # From a fourth address, with the email typed differently, even with the right password: refused unchecked.
    assert attempt(client, "  " + target.email.upper(), PASSWORD, address="203.0.113.99").status_code == 429
    db.session.refresh(target)
    assert target.failed_logins == 3 and target.locked_until is None
    # Another account from the same addresses is not affected.
    other = users[Role.AUDITOR]
    assert attempt(client, other.email, PASSWORD, address="203.0.113.1").status_code == 302


def test_an_unknown_email_is_limited_across_addresses_too(client, limits):
    limits(per_account="2 per minute")
    assert attempt(client, "ghost@flood.example", address="203.0.113.10").status_code == 200
    assert attempt(client, "ghost@flood.example", address="203.0.113.11").status_code == 200
    assert attempt(client, "Ghost@Flood.example", address="203.0.113.12").status_code == 429


def test_only_failed_attempts_count(client, limits, users):
    limits(per_address="3 per minute", per_account="3 per minute")
    user = users[Role.MANAGER]
    for _ in range(5):
        assert attempt(client, user.email, PASSWORD).status_code == 302
        client.post("/sign-out")
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_the_limits_are_off_when_the_council_turns_them_off(client, limits, users):
    limits(per_address="1 per minute")
    assert attempt(client, "nobody-8@flood.example").status_code == 200
    assert attempt(client, "nobody-9@flood.example").status_code == 429
    client.application.config["SIGN_IN_RATE_LIMITS"] = False
    assert attempt(client, "nobody-9@flood.example").status_code == 200


def test_wrong_current_passwords_on_the_account_page_count_against_the_account(client, limits, sign_in):
    """Someone at an unlocked computer cannot try password after password on the change page either."""
    user = sign_in(Role.COORDINATOR)
    limits(per_account="2 per minute")
    wrong = {"current_password": "is it this one", "new_password": "lantern orchard kettle"}
    assert client.post("/account/password", data=wrong).status_code == 200
    assert client.post("/account/password", data=wrong).status_code == 200
    assert client.post("/account/password", data=wrong | {"current_password": PASSWORD}).status_code == 429
    # The same account's sign-in, from elsewhere, is held up too.
    assert attempt(client.application.test_client(), user.email, PASSWORD, address="203.0.113.50").status_code == 429


# The lock -------------------------------------------------------------------------------------------------


def test_the_lock_message_is_the_same_for_a_locked_account_and_an_unknown_email(client, users, fresh_counts):
    colleague = users[Role.COORDINATOR]
    unknown = "not-a-user@brackenshire.example"
    answers = {}
    for email in (colleague.email, unknown):
        said = [errors(attempt(client, email)) for _ in range(5)]
        assert said == [[SIGN_IN_FAILED]] * 4 + [[LOCKED_15]]  # the fifth failure locks, and says so
        answers[email] = attempt(client, email, PASSWORD)  # then even the right password meets the lock
        assert answers[email].status_code == 200 and errors(answers[email]) == [LOCKED_15]
    # Nothing on the two pages differs, apart from the email typed.
    pages = [answers[e].get_data(as_text=True).replace(e, "EMAIL") for e in (colleague.email, unknown)]
    assert pages[0] == pages[1]
    db.session.refresh(colleague)
    assert colleague.locked_until is not None
    # Another unknown email is not locked by it.
    assert errors(attempt(client, "someone-else@brackenshire.example")) == [SIGN_IN_FAILED]


def test_an_unknown_email_stays_locked_for_its_next_attempts(client, fresh_counts):
    for _ in range(5):
        attempt(client, "locked-ghost@brackenshire.example")
    for _ in range(3):
        assert errors(attempt(client, "Locked-Ghost@brackenshire.example ")) == [LOCKED_15]


def test_a_locked_account_is_unlocked_when_the_lock_ends(client, users, fresh_counts):
    user = users[Role.AUDITOR]
    for _ in range(5):
        attempt(client, user.email)
    user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, user.email, PASSWORD).status_code == 302


# Bounded password hashing ---------------------------------------------------------------------------------


@pytest.fixture
def narrow_gate(app):
    """One password check at a time, waited for 50 ms at most."""
    saved_gate = app.extensions.get("tfclaims.password_hashing")
    saved_wait = app.config["PASSWORD_HASH_WAIT_SECONDS"]
    gate = threading.BoundedSemaphore(1)
    app.extensions["tfclaims.password_hashing"] = gate
    app.config["PASSWORD_HASH_WAIT_SECONDS"] = 0.05
    yield gate
    app.config["PASSWORD_HASH_WAIT_SECONDS"] = saved_wait
    if saved_gate is None:
        app.extensions.pop("tfclaims.password_hashing", None)
    else:
        app.extensions["tfclaims.password_hashing"] = saved_gate


def test_a_sign_in_that_cannot_get_a_password_check_is_told_the_service_is_busy(client, pages, users, narrow_gate):
    user = users[Role.COORDINATOR]
    assert narrow_gate.acquire()  # every slot taken (by a flood)
    try:
        started = time.monotonic()
        response = attempt(client, user.email, PASSWORD)
        assert time.monotonic() - started < 2  # answered at once, not queued
        assert response.status_code == 503 and response.headers["Retry-After"] == "60"
        assert errors(response) == [throttle.BUSY]
        pages.check(response)
    finally:
        narrow_gate.release()
    db.session.refresh(user)
    assert user.failed_logins == 0  # not a failure of the user's
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_password_checks_never_run_more_than_the_limit_at_once(app, monkeypatch):
    """Eight sign-ins at once, with two slots: never more than two argon2 checks run together."""
    app.extensions["tfclaims.password_hashing"] = threading.BoundedSemaphore(2)
    running, most, lock = [0], [0], threading.Lock()

    def slow_verify(password_hash, password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return False

    class SlowHasher:
        verify = staticmethod(slow_verify)

    monkeypatch.setattr(services, "_hasher", SlowHasher())
    outcomes = []

    def check():
        with app.app_context():
            try:
                outcomes.append(services._verify("$argon2id$x", "password"))
            except throttle.ServiceBusy:
                outcomes.append("busy")

    threads = [threading.Thread(target=check) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    finally:
        app.extensions.pop("tfclaims.password_hashing", None)
    assert most[0] == 2
    assert outcomes == [False] * 8  # each waited its turn (well within PASSWORD_HASH_WAIT_SECONDS)


# The users page ---------------------------------------------------------------------------------------------


def lock(user) -> None:
    user.failed_logins, user.locked_until = 0, datetime.now(UTC) + timedelta(minutes=12)
    db.session.commit()


def test_an_administrator_sees_the_lock_and_unlocks_the_account(client, pages, sign_in, users):
    colleague = users[Role.COORDINATOR]
    lock(colleague)
    admin = sign_in(Role.ADMINISTRATOR)
    page = pages.get("/admin/users")
    row = page.find(id=f"locked-{colleague.id}").find_parent("tr")
    assert "Locked until" in text(row)
    form = row.find("form")
    assert form["action"] == f"/admin/users/{colleague.id}/unlock" and form["method"] == "post"
    assert text(form.find("button")) == f"Unlock {colleague.name}"
    assert page.find(id=f"locked-{users[Role.AUDITOR].id}") is None  # only locked accounts
    assert "The account is locked until" in text(pages.get(f"/admin/users/{colleague.id}"))

    pages.post(f"/admin/users/{colleague.id}/unlock", redirects_to="/admin/users")
    db.session.refresh(colleague)
    assert colleague.locked_until is None and colleague.failed_logins == 0
    assert pages.get("/admin/users").find(id=f"locked-{colleague.id}") is None
    [event] = events(colleague, "account_unlocked")
    assert event.actor_id == admin.id
    # The colleague can sign in again.
    client.post("/sign-out")
    assert attempt(client, colleague.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_only_an_administrator_can_unlock(client, sign_in, users, role):
    colleague = users[Role.CLAIMS_OFFICER if role != Role.CLAIMS_OFFICER else Role.AUDITOR]
    lock(colleague)
    sign_in(role)
    assert client.post(f"/admin/users/{colleague.id}/unlock").status_code == 403
    db.session.refresh(colleague)
    assert colleague.locked_until is not None
    assert not events(colleague, "account_unlocked")


def test_unlocking_needs_the_csrf_token(app, client, sign_in, users):
    colleague = users[Role.COORDINATOR]
    lock(colleague)
    sign_in(Role.ADMINISTRATOR)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/users/{colleague.id}/unlock").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(colleague)
    assert colleague.locked_until is not None


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(tmp_path):
    """With TRUSTED_PROXIES=1 the address the sign-in limits count is the client's (X-Forwarded-For), not the
    proxy's; without it, a forwarded address is ignored (anyone could send the header)."""
    from flask import request

    from tests.conftest import make_test_app

    seen = {}

    def _address():
        seen["address"] = request.remote_addr
        return "ok"

    for proxies, expected in ((1, "203.0.113.9"), (0, "127.0.0.1")):
        app = make_test_app(f"sqlite:///{tmp_path}/proxy{proxies}.sqlite", TRUSTED_PROXIES=proxies)
        app.add_url_rule("/_address", view_func=_address)

        app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.9"})
        assert seen["address"] == expected
