"""Cookies, security headers, caching, configuration and CSRF."""

from __future__ import annotations

import os
import re
import stat

import pytest
from bs4 import BeautifulSoup

from tests import factories
from tfclaims import create_app
from tfclaims.auth.roles import Role
from tfclaims.config import ConfigurationError, load_config


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def cookie_flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


# Cookies ---------------------------------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client, users):
    user = users[Role.COORDINATOR]
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    flags = cookie_flags(session_cookie(response))
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags  # plain http in development and tests


def test_session_cookie_is_secure_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-key-for-this-test-only")
    app = create_app({"TFCLAIMS_ENV": "production",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        response = app.test_client().get("/sign-in")  # the CSRF token puts something in the session
    assert response.status_code == 200
    flags = cookie_flags(session_cookie(response))
    assert {"secure", "httponly", "samesite=lax"} <= flags
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# Headers ---------------------------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/sign-in", 200),
        ("/", 302),
        ("/healthz", 200),
        ("/static/tfclaims.css", 200),
        ("/no-such-page", 404),
        ("/home", 302),
    ],
)
def test_security_headers_on_every_response_signed_out(client, db_session, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/home", "/audit-trail/", "/admin/users", "/no-such-page", "/static/tfclaims.css"])
def test_signed_in_pages_are_not_cached(client, sign_in, url):
    sign_in(Role.ADMINISTRATOR)
    response = client.get(url)
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_signing_in_response_is_not_cached_either(client, users):
    user = users[Role.MANAGER]
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response)


def test_pages_have_no_inline_scripts_or_styles(pages, sign_in):
    """The CSP forbids them, so they would silently not run."""
    sign_in(Role.ADMINISTRATOR)
    for url in ["/sign-in", "/home", "/audit-trail/", "/admin/users", "/admin/users/new"]:
        html = pages.client.get(url).get_data(as_text=True)
        soup = BeautifulSoup(html, "html.parser")
        assert all(s.get("src") for s in soup.find_all("script")), url
        assert not soup.find_all("style"), url
        assert not soup.find_all(style=True), url
        assert not re.search(r"\son[a-z]+=", html), url


# Configuration ---------------------------------------------------------------------------------------------


def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set") as raised:
        create_app({"TFCLAIMS_ENV": "production"})
    assert "production" in str(raised.value)


def test_production_from_the_environment_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TFCLAIMS_ENV", "production")
    with pytest.raises(ConfigurationError):
        load_config(str(tmp_path), {})


def test_development_generates_a_secret_key_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = load_config(str(instance), {"TFCLAIMS_ENV": "development"})
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert len(first["SECRET_KEY"]) >= 32 and first["SECRET_KEY"] == key_file.read_text().strip()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600  # readable by the app's user only
    second = load_config(str(instance), {"TFCLAIMS_ENV": "development"})
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert not first["SESSION_COOKIE_SECURE"]


def test_secret_key_from_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    config = load_config(str(tmp_path), {"TFCLAIMS_ENV": "production"})
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not (tmp_path / "secret_key").exists()


# CSRF ------------------------------------------------------------------------------------------------------


def csrf_token(client, url: str) -> str:
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return page.find("input", {"name": "csrf_token"})["value"]


@pytest.mark.csrf_on
def test_post_without_csrf_token_is_refused(client, users):
    assert client.application.config.get("WTF_CSRF_ENABLED", True)
    user = users[Role.ADMINISTRATOR]
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "/home" not in response.headers.get("Location", "")
    assert client.get("/home").status_code == 302  # not signed in

    # With the token from the page, the same sign-in works...
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # ...and a signed-in form post without its token is refused too.
    response = client.post("/admin/users/new", data={"name": "No Token", "email": "no.token@brackenshire.example",
                                                     "password": "a long enough password", "roles": ["auditor"]})
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert len(soup.find_all("h1")) == 1



def test_production_on_sqlite_warns_that_it_suits_one_small_team(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-key-for-this-test-only")
    create_app({"TFCLAIMS_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite'}"})
    assert any("suits one small team" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    caplog.clear()
    create_app({"TFCLAIMS_ENV": "production", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:p@localhost/x"})
    assert not any("suits one small team" in r.getMessage() for r in caplog.records)
