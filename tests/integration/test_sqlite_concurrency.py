"""Several users at once on the default SQLite database lose no request (issue 14, item 1).

A family page view writes (a read of personal data, the stored verdict); a family edit writes. Two threads do both
at once against one SQLite file, each through its own test client and its own connection, as two gunicorn workers
would: every answer must be a page or a redirect, never "database is locked". It runs on a database file of its own,
because the two threads must really commit, which the rolled-back transaction of the other tests cannot show.
"""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD, make_test_app
from tfclaims.audit.models import AccessEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Family

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="SQLite's locking; PostgreSQL has row locks")

ROUNDS = 25


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/concurrent.sqlite", TFCLAIMS_TODAY=date(2024, 11, 20),
                        WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade()
        users = {role: factories.make_user(role) for role in (Role.COORDINATOR, Role.MANAGER)}
        family = factories.make_family("BRK-LOCK", members=3)
        db.session.commit()
        app.config["concurrency"] = {"emails": {r: u.email for r, u in users.items()}, "family": family.id}
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _client(app, role):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": app.config["concurrency"]["emails"][role],
                                             "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def test_page_views_and_edits_at_once_lose_nothing(sqlite_app):
    family_id = sqlite_app.config["concurrency"]["family"]
    editor, viewer = _client(sqlite_app, Role.COORDINATOR), _client(sqlite_app, Role.MANAGER)
    start = threading.Barrier(2)
    answers: dict[str, list[int]] = {"edit": [], "view": []}
    failures: list[BaseException] = []

    def edit():
        try:
            start.wait(10)
            for i in range(ROUNDS):
                response = editor.post(f"/families/{family_id}/edit", data={
                    "reference": "BRK-LOCK", "lead_practitioner": f"Practitioner {i}", "team": "North locality",
                    "notes": f"Edited {i} times"})
                answers["edit"].append(response.status_code)
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            failures.append(error)

    def view():
        try:
            start.wait(10)
            for _ in range(ROUNDS):
                answers["view"].append(viewer.get(f"/families/{family_id}").status_code)
                answers["view"].append(viewer.get("/families/?q=BRK-LOCK").status_code)
        except BaseException as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=edit), threading.Thread(target=view)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    assert answers["edit"] == [302] * ROUNDS, answers["edit"]
    assert answers["view"] == [200] * (2 * ROUNDS), answers["view"]
    with sqlite_app.app_context():
        family = db.session.get(Family, family_id)
        assert family.notes == f"Edited {ROUNDS - 1} times"
        # Every view and search was recorded: a read is never lost either.
        reads = db.session.scalar(select(func.count()).select_from(AccessEvent))
        assert reads == 2 * ROUNDS
