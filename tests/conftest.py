"""Shared fixtures: an app on a migrated database, one rolled-back transaction per test, signed-in clients.

The database is SQLite in a temporary folder, or PostgreSQL when ``DATABASE_URL`` is set (``make test`` does
this inside ``pg_virtualenv``). The schema is built by running the migrations, never ``create_all()``.
"""

from __future__ import annotations

import os

import pytest
from flask import g, request_started
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from tests import factories
from tests.pages import PageChecker
from tfclaims import create_app
from tfclaims.auth.roles import Role
from tfclaims.extensions import db

PASSWORD = factories.PASSWORD


def database_url(tmp_path_factory, name: str) -> str:
    """SQLite in a temporary folder; or the PostgreSQL of ``DATABASE_URL``, in a database of this pytest-xdist worker
    (``make test`` runs the PostgreSQL pass on several) made afresh for the session."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'tfclaims.sqlite'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        return _fresh_database(url, f"tfclaims_{name}_{worker}")
    return url


def _fresh_database(url: str, name: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def make_test_app(url: str, **extra):
    config = {
        "TFCLAIMS_ENV": "testing",
        "TESTING": True,
        # Background jobs run as their request commits, in the test's process: no worker (the browser tests' app,
        # which is not TESTING, too).
        "JOBS_IMMEDIATE": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": "localhost",
        **extra,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_test_app(database_url(tmp_path_factory, "db"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class _BoundSession(FlaskSession):
    """A Flask-SQLAlchemy session that uses the connection it was given (the test's outer transaction)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db_session(app):
    """Each test runs inside a transaction that is rolled back afterwards; commits become savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _BoundSession}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db_session):
    """A test client. The test keeps an app context open, so every request would share one ``g`` and
    Flask-Login's cached user would leak from one request to the next: forget it as each request starts, as a
    real server would."""

    def forget_user(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget_user, app)
    try:
        with app.test_client() as client:
            yield client
    finally:
        request_started.disconnect(forget_user, app)


@pytest.fixture
def users(db_session) -> dict[Role, object]:
    """One user per role, plus one administrator who is also a manager is not made: roles stay distinct."""
    made = {role: factories.make_user(role) for role in Role}
    db_session.flush()
    return made


@pytest.fixture
def sign_in(client, users):
    """sign_in(Role.COORDINATOR) signs the test client in as that role's user and returns the user."""

    def _sign_in(role: Role):
        user = users[role]
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _sign_in


@pytest.fixture
def pages(client):
    return PageChecker(client)


@pytest.fixture
def plan_version(db_session):
    """A published 2015-21 outcomes plan version with descriptors for every headline problem."""
    return factories.make_published_plan()


@pytest.fixture
def today_is(app):
    """Fix the application's today (``TFCLAIMS_TODAY``) for one test: ``today_is(date(2026, 12, 2))``. Tests that
    write dates relative to a day they name fix it, so that they pass on every later day too."""
    previous = app.config.get("TFCLAIMS_TODAY")

    def _fix(day):
        app.config["TFCLAIMS_TODAY"] = day

    yield _fix
    app.config["TFCLAIMS_TODAY"] = previous


@pytest.fixture(autouse=True)
def _no_csrf_in_client_tests(request):
    """Page tests post without CSRF tokens; the browser tests and tests marked csrf_on keep CSRF on."""
    if "app" not in request.fixturenames or "browser" in request.keywords or "csrf_on" in request.keywords:
        yield
        return
    app = request.getfixturevalue("app")
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True
