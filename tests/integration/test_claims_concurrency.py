"""Two claims officers build claims over the same families at the same moment, on PostgreSQL: the database's
partial unique index lets exactly one claim have each family, and the other officer gets a clear message.

It runs in a database of its own (created and dropped here), because the two officers must really commit, on two
connections, which the rolled-back test transaction of the other tests cannot show."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.claims_cohort import make_claimable, make_window
from tests.conftest import make_test_app
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.claims import services
from tfclaims.claims.models import ClaimLine, ClaimWindow
from tfclaims.errors import DomainError
from tfclaims.extensions import db

URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="the race is shown on PostgreSQL")
TODAY = date(2026, 12, 2)


@pytest.fixture
def race_app():
    name = f"tfclaims_race_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    app = make_test_app(make_url(URL).set(database=name).render_as_string(hide_password=False))
    try:
        with app.app_context():
            upgrade()
            officers = [factories.make_user(Role.CLAIMS_OFFICER) for _ in range(2)]
            manager = factories.make_user(Role.MANAGER)
            version = factories.make_published_plan(effective_from=date(2015, 4, 1))
            families = {ref: make_claimable(ref, version, manager).id for ref in ("BRK-1", "BRK-2", "BRK-3")}
            window = make_window()
            db.session.commit()
            app.config["race"] = {"officers": [o.id for o in officers], "families": families, "window": window.id}
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _build(app, officer_index: int, references: list[str], results: dict, before_commit=None, start=None):
    race = app.config["race"]
    with app.app_context():
        try:
            if start is not None:
                start.wait(10)
            user = db.session.get(User, race["officers"][officer_index])
            window = db.session.get(ClaimWindow, race["window"])
            claim = services.build_claim(window, [race["families"][r] for r in references], user, TODAY)
            if before_commit is not None:
                before_commit()
            db.session.commit()
            results[officer_index] = ("built", sorted(line.family_reference for line in claim.lines))
        except DomainError as error:
            db.session.rollback()
            results[officer_index] = ("refused", error.message)
        finally:
            db.session.remove()


def test_the_database_gives_each_family_to_one_claim_when_two_officers_build_at_once(race_app):
    """Officer A has flushed their lines but not committed; officer B, who saw the families as free, builds over
    the same families: B's insert waits on the unique index, then fails when A commits."""
    results: dict = {}
    a_flushed, b_started = threading.Event(), threading.Event()

    def hold_open():
        a_flushed.set()
        b_started.wait(10)
        time.sleep(1.5)  # B is now past its checks and waiting on the index

    def start_b():
        a_flushed.wait(10)
        b_started.set()

    a = threading.Thread(target=_build, args=(race_app, 0, ["BRK-1", "BRK-2"], results, hold_open))
    b = threading.Thread(target=_build, args=(race_app, 1, ["BRK-2", "BRK-3"], results),
                         kwargs={"start": _Starter(start_b)})
    a.start()
    b.start()
    a.join(30)
    b.join(30)
    assert results[0] == ("built", ["BRK-1", "BRK-2"])
    outcome, message = results[1]
    assert outcome == "refused"
    assert (
        "were put in another claim of the same programme phase while you were building this one. Nothing was saved"
        in message
    )
    assert "BRK-2" in message
    with race_app.app_context():
        held = db.session.execute(
            select(ClaimLine.family_reference, func.count()).where(ClaimLine.holds_family)
            .group_by(ClaimLine.family_reference)
        ).all()
        assert sorted(held) == [("BRK-1", 1), ("BRK-2", 1)]
        db.session.remove()


def test_two_officers_racing_from_the_same_start_never_share_a_family(race_app):
    """Both start together with no choreography: whichever wins, no family is in two claims and the other officer is
    told why (by the page's check or by the database)."""
    results: dict = {}
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_build, args=(race_app, i, refs, results), kwargs={"start": start})
        for i, refs in enumerate((["BRK-1", "BRK-2", "BRK-3"], ["BRK-3", "BRK-2"]))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    outcomes = sorted(r[0] for r in results.values())
    assert outcomes == ["built", "refused"]
    refused = next(r[1] for r in results.values() if r[0] == "refused")
    assert "can no longer be claimed" in refused or "were put in another claim" in refused
    with race_app.app_context():
        counts = db.session.execute(
            select(ClaimLine.family_id, func.count()).where(ClaimLine.holds_family).group_by(ClaimLine.family_id)
        ).all()
        assert counts and all(n == 1 for _, n in counts)
        db.session.remove()


class _Starter:
    """Something with wait(): runs a function before the officer starts."""

    def __init__(self, action):
        self.action = action

    def wait(self, timeout=None):
        self.action()


def test_the_database_keeps_one_live_line_per_family_and_phase(race_app):
    """Committed for real on PostgreSQL: a second live line for a family in the same programme phase is refused by
    the partial unique index; one in the other phase is accepted."""
    race = race_app.config["race"]
    _build(race_app, 0, ["BRK-1"], results := {})
    assert results[0] == ("built", ["BRK-1"])
    with race_app.app_context():
        line = db.session.scalars(select(ClaimLine).where(ClaimLine.family_id == race["families"]["BRK-1"])).one()
        columns = {c.key: getattr(line, c.key) for c in ClaimLine.__table__.columns if c.key != "id"}
        db.session.add(ClaimLine(**columns))
        with pytest.raises(IntegrityError, match="uq_claim_line_family_phase_held"):
            db.session.commit()
        db.session.rollback()
        db.session.add(ClaimLine(**(columns | {"framework": "SF2022"})))
        db.session.commit()
        held = db.session.scalars(
            select(ClaimLine.framework).where(ClaimLine.family_id == race["families"]["BRK-1"], ClaimLine.holds_family)
        ).all()
        assert sorted(held) == ["SF2022", "TF2015"]
        db.session.remove()
