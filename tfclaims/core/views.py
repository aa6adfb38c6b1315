"""The home page, the GOV.UK assets, the health check and the readiness check."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text

from tfclaims.auth.permissions import public, signed_in
from tfclaims.extensions import db
from tfclaims.families import queries as family_queries

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("core.home"))


@bp.get("/home")
@signed_in
def home():
    return render_template("core/home.html", counts=family_queries.register_counts())


@bp.get("/assets/<path:filename>")
@public
def assets(filename: str):
    """GOV.UK Frontend's compiled CSS, JS, fonts and images, copied from npm by `make assets`."""
    return send_from_directory(current_app.config["GOVUK_ASSETS_DIR"], filename, max_age=3600)


@bp.get("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


# The readiness checks, in order: (name, check, the check it needs or None). A check returns None when its part is
# ready, or what is wrong in plain words (never an exception's text: it can quote values). A check whose needed
# check failed is not run.
ReadinessCheck = Callable[[], str | None]


def _database_check() -> str | None:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception as error:  # any failure to reach the database means "not ready", whatever the driver says
        db.session.rollback()
        _log_failure("database", error)
        return "failed: the database cannot be reached"
    return None


def _migration_revisions() -> tuple[set[str], set[str]]:
    """The head revisions of the migrations directory, and all its revisions (read once per app: the code does not
    change while it runs)."""
    revisions = current_app.extensions.get("tfclaims_migration_revisions")
    if revisions is None:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        revisions = set(script.get_heads()), {one.revision for one in script.walk_revisions()}
        current_app.extensions["tfclaims_migration_revisions"] = revisions
    return revisions


def _migrations_check() -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    except Exception as error:
        db.session.rollback()
        _log_failure("migrations", error)
        return "failed: the database's migration revision cannot be read"
    heads, known = _migration_revisions()
    if current == heads:
        return None
    if not current:
        return "failed: the database has no tables yet: run flask db upgrade"
    at, needs = ", ".join(sorted(current)), ", ".join(sorted(heads))
    if current - known:
        return (f"failed: the database is at migration {at}, which this version of tfclaims does not know (it needs "
                f"{needs}): the database belongs to a newer release")
    return f"failed: the database is at migration {at} but this version of tfclaims needs {needs}: run flask db upgrade"


def _log_failure(check: str, error: Exception) -> None:
    # The class of the error only: its text can quote a statement's values or a connection's details.
    logging.getLogger(__name__).warning("Readiness check %s failed: %s", check, type(error).__name__)


def _queue_check() -> str | None:
    """The background job queue's storage answers (huey: its SQLite file, or Redis)."""
    from tfclaims.jobs.queue import huey

    try:
        huey.pending_count()
    except Exception as error:
        _log_failure("job queue", error)
        return "failed: the background job queue cannot be reached"
    return None


READINESS_CHECKS: list[tuple[str, ReadinessCheck, str | None]] = [
    ("database", _database_check, None),
    ("migrations", _migrations_check, "database"),
    ("job queue", _queue_check, None),
]


@bp.get("/readyz")
@public
def ready():
    """Whether this instance can serve users: the database answers and its schema is this code's (for a load
    balancer or an orchestrator's readiness probe). 200 when ready, 503 naming the check that failed. Reads only."""
    checks: dict[str, str] = {}
    for name, check, needs in READINESS_CHECKS:
        if needs and checks.get(needs) != "ok":
            checks[name] = f"not checked: needs the {needs} check to pass"
        else:
            checks[name] = check() or "ok"
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}
