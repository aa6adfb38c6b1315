"""Personal data never reaches the logs (issue 13, item 8): a database error in a request is logged with the request's
id and the user's id, its class and statement, and none of the values it was given or that the database echoed
back (PostgreSQL's "Key (...)=(...) already exists")."""

from __future__ import annotations

import logging

import pytest
from flask_login import login_user
from flask_migrate import upgrade

from tests import factories
from tests.conftest import database_url, make_test_app
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Family

NAME, NHS, NOTE = "Zebedee Quartermaine", "9990001234", "Disclosed domestic abuse at 14 Larkspur Close"


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory):
    """An app of its own (its database commits) with one route that breaks a unique constraint with personal
    values: the same family reference twice, each with a name, an NHS number and a note."""
    app = make_test_app(database_url(tmp_path_factory, "logs"), TESTING=False, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        upgrade()
        user = factories.make_user(Role.COORDINATOR, email="logs@brackenshire.example")
        user_id = user.id
        db.session.commit()

    @app.route("/test-only/duplicate-family")
    def duplicate_family():
        from tfclaims.auth.models import User

        login_user(db.session.get(User, user_id))
        reference = f"{NAME} {NHS}"[:40]
        for _ in range(2):
            db.session.add(Family(reference=reference, lead_practitioner=NAME, team="North", notes=NOTE))
        db.session.flush()  # the second breaks the unique reference
        return "not reached"

    app.config["LOG_TEST_USER_ID"] = user_id
    yield app
    with app.app_context():
        db.session.execute(db.delete(Family).where(Family.notes == NOTE))
        db.session.commit()
        db.engine.dispose()


def test_a_database_error_is_logged_without_the_values(failing_app, caplog):
    caplog.set_level(logging.INFO)
    response = failing_app.test_client().get(
        "/test-only/duplicate-family", headers={"X-Request-Id": "trace-0123456789"}
    )
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "trace-0123456789"
    logged = caplog.text + "".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert "IntegrityError" in logged and "INSERT INTO family" in logged  # what went wrong, and where
    for value in (NAME, NHS, "Quartermaine", "Larkspur", "9990001234"):
        assert value not in logged, f"{value!r} reached the log"
    error = next(r for r in caplog.records if r.levelno >= logging.ERROR)
    assert error.request_id == "trace-0123456789"
    assert error.user_id == str(failing_app.config["LOG_TEST_USER_ID"])


def test_a_request_id_is_made_when_none_or_a_strange_one_is_sent(failing_app):
    client = failing_app.test_client()
    made = client.get("/healthz").headers["X-Request-Id"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-Id"]
    strange = client.get("/healthz", headers={"X-Request-Id": "x; Injected=yes <script>"}).headers["X-Request-Id"]
    assert "Injected" not in strange and len(strange) == 32


def test_search_terms_stay_out_of_the_access_log():
    from tfclaims.logs import _STRIP_QUERY

    line = ("GET /families/?q=Quartermaine HTTP/1.1", "200", "-")
    record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '"%s" %s %s', line, None)
    _STRIP_QUERY.filter(record)
    assert "Quartermaine" not in record.getMessage() and "[query removed]" in record.getMessage()


def test_each_request_is_one_json_line_without_personal_data(client, sign_in, db_session, caplog):
    """The structured request log: one JSON line per request with the time, request id, user id, route (the rule,
    not the path's query string), status and duration; a search for a name and a family page put neither the name
    nor the reference in it."""
    import json

    from tfclaims.logs import REQUEST_LOGGER

    family = factories.make_family("BRK-JSONLOG")
    family.members[0].surname = "Quartermaine"
    db_session.commit()
    user = sign_in(Role.COORDINATOR)
    REQUEST_LOGGER.addHandler(caplog.handler)
    try:
        caplog.set_level(logging.INFO, logger="tfclaims.requests")
        caplog.clear()
        client.get("/families/?q=Quartermaine", headers={"X-Request-Id": "request-from-the-proxy-1"})
        client.get(f"/families/{family.id}")
        client.get("/families/999999")
    finally:
        REQUEST_LOGGER.removeHandler(caplog.handler)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tfclaims.requests"]
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/families/", 200), ("/families/<int:family_id>", 200), ("/families/<int:family_id>", 404)]
    for line in lines:
        assert set(line) == {"time", "request_id", "user_id", "method", "route", "endpoint", "status", "duration_ms"}
        assert line["user_id"] == str(user.id) and line["method"] == "GET" and line["duration_ms"] >= 0
    assert lines[0]["request_id"] == "request-from-the-proxy-1"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Quartermaine" not in logged and "BRK-JSONLOG" not in logged and "?q=" not in logged
