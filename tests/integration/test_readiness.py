"""The readiness check (issue 14, item 7): ``/readyz`` answers 200 when the database answers and its schema is at this
code's migration head, 503 naming the check that failed otherwise, to anyone, and writes nothing."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from tests.conftest import make_test_app
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.core import views
from tfclaims.extensions import db

READY = {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "job queue": "ok"}}


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(AccessEvent)))


@pytest.fixture
def own_app(tmp_path):
    """An app on a database file of its own, migrated to head (its requests really commit)."""
    path = tmp_path / "tfclaims.sqlite"
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    app.config["DATABASE_PATH"] = path
    yield app
    with app.app_context():
        db.engine.dispose()


def _set_revision(app, revision: str) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
        db.session.commit()


def test_ready_on_a_migrated_database_to_anyone(client, db_session):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == READY
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_head_answers_like_get_without_a_body(client, db_session):
    response = client.head("/readyz")
    assert response.status_code == 200 and response.data == b""


def test_only_get_and_head(client, db_session):
    assert client.post("/readyz").status_code == 405


def test_signed_in_it_still_records_no_read(client, sign_in):
    sign_in(Role.MANAGER)
    before = _counts()
    for _ in range(3):
        assert client.get("/readyz").get_json() == READY
    assert _counts() == before


def test_it_writes_nothing_to_the_database(own_app):
    """SQLite's data_version changes for a connection when any other connection commits a change: it does not."""
    watcher = sqlite3.connect(own_app.config["DATABASE_PATH"])
    try:
        before = watcher.execute("PRAGMA data_version").fetchone()[0]
        client = own_app.test_client()
        for _ in range(3):
            assert client.get("/readyz").status_code == 200
            assert client.head("/readyz").status_code == 200
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == before
    finally:
        watcher.close()


def test_not_ready_when_the_database_cannot_be_reached(tmp_path, caplog):
    missing = tmp_path / "no-such-folder" / "tfclaims.sqlite"
    app = make_test_app(f"sqlite:///{missing}")
    caplog.set_level(logging.WARNING)
    try:
        client = app.test_client()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {
            "status": "not ready",
            "checks": {"database": "failed: the database cannot be reached",
                       "migrations": "not checked: needs the database check to pass", "job queue": "ok"},
        }
        assert client.head("/readyz").status_code == 503
        # Where the database is, and the driver's words, stay out of the answer and the log: the class only.
        assert "no-such-folder" not in response.get_data(as_text=True)
        assert "Readiness check database failed: OperationalError" in caplog.text
        assert "no-such-folder" not in caplog.text and "unable to open" not in caplog.text
    finally:
        with app.app_context():
            db.engine.dispose()


def test_not_ready_when_the_database_is_behind_the_code(own_app):
    _set_revision(own_app, "0001_initial_schema")
    response = own_app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"].startswith("failed: the database is at migration 0001_initial_schema but")
    assert body["checks"]["migrations"].endswith("run flask db upgrade")


def test_not_ready_when_the_database_is_from_a_newer_release(own_app):
    _set_revision(own_app, "9999_from_the_future")
    response = own_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "newer release" in response.get_json()["checks"]["migrations"]


def test_not_ready_when_the_database_was_never_migrated(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"] == {
            "database": "ok", "migrations": "failed: the database has no tables yet: run flask db upgrade",
            "job queue": "ok"}
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_check_added_to_the_list_is_run_and_named(client, db_session, monkeypatch):
    """The place the job queue's check goes: a failing check makes the instance not ready and names itself; a check
    that needs it is not run, one that does not is."""
    monkeypatch.setattr(views, "READINESS_CHECKS", [
        ("mail", lambda: "failed: the mail server cannot be reached", None),
        ("mail waiting", lambda: None, "mail"),
        *views.READINESS_CHECKS,
    ])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "checks": {
        "mail": "failed: the mail server cannot be reached",
        "mail waiting": "not checked: needs the mail check to pass", "database": "ok", "migrations": "ok",
        "job queue": "ok"}}


def test_not_ready_when_the_job_queue_cannot_be_reached(client, db_session, monkeypatch, caplog):
    from tfclaims.jobs.queue import huey

    def unreachable():
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr(huey, "pending_count", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["job queue"] == "failed: the background job queue cannot be reached"
    assert "secret-host" not in response.get_data(as_text=True) and "secret-host" not in caplog.text
