"""Request-wide wiring: one transaction per request, error pages, template helpers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError

from tfclaims.audit import downloads
from tfclaims.auth.permissions import can
from tfclaims.auth.roles import Role
from tfclaims.clock import LONDON
from tfclaims.db import as_utc
from tfclaims.extensions import db
from tfclaims.forms import error_summary
from tfclaims.inputs import refuse_control_characters
from tfclaims.text import local_datetime, long_date, money


def init_app(app: Flask) -> None:
    # NUL and other control characters in any query string, form field or file name: the GOV.UK 400 page.
    app.before_request(refuse_control_characters)
    # Whether this request's view recorded its own read (``audit.services.record_access``): a new request has not,
    # even where one application context serves several requests (the test client's).
    app.before_request(downloads.forget_recorded_read)

    @app.before_request
    def _reading_only():
        """A page view only reads until ``_commit`` (``db.reading_only``); a form writes from the start."""
        g.reading_only = request.method in ("GET", "HEAD")

    @app.teardown_request
    def _done_reading(error=None):
        g.pop("reading_only", None)

    @app.after_request
    def _commit(response: Response) -> Response:
        """The one commit of a request.

        A POST commits only when it succeeded, which tfclaims' views always signal by redirecting; a form shown
        again with errors rolls back whatever a service may have flushed, so nothing is saved in part. A view
        that must keep something although it shows an error (a failed sign-in counts) sets ``g.keep_changes``.

        A file given to a signed-in user is a read of what it holds: unless its view recorded the read itself,
        a ``downloaded`` access event is written here, in this same transaction (``tfclaims.audit.downloads``).
        A file is a success, so a POST answered with one commits too.
        """
        download = downloads.is_download(response)
        ok = response.status_code < 400 and (
            request.method in ("GET", "HEAD") or 300 <= response.status_code < 400 or g.get("keep_changes")
            or download
        )
        if ok:
            if download:
                downloads.record_download(response)
            db.session.commit()
            # A page view's reading is over: what it must record (its reads of personal data) is written now, in a
            # transaction of its own that takes the write lock (``db.after_reading``). If that fails, the page is
            # not shown: a 500 instead.
            g.reading_only = False
            to_write = g.pop("to_write", [])
            if to_write:
                for callback in to_write:
                    callback()
                db.session.commit()
            # Work that must wait for the commit (a background job is queued once its row exists).
            for callback in g.pop("after_commit", []):
                callback()
        else:
            g.pop("after_commit", None)
            g.pop("to_write", None)
            g.reading_only = False
            db.session.rollback()
        return response

    @app.errorhandler(400)
    def _bad_request(error):
        return render_template("errors/400.html"), 400

    @app.errorhandler(403)
    def _forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def _not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def _not_allowed(error):
        return render_template("errors/404.html"), 405

    @app.errorhandler(413)
    def _too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_template("errors/413.html", limit=limit), 413

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500

    app.jinja_env.globals.update(
        can=can, Role=Role, error_summary=error_summary, council_name=lambda: app.config["COUNCIL_NAME"]
    )
    app.jinja_env.filters["date"] = long_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["datetime_local"] = local_datetime
    app.jinja_env.filters["money"] = money

    @app.context_processor
    def _page_context():
        return {"current_path": request.path}


def format_datetime(value: datetime | None, empty: str = "") -> str:
    if value is None:
        return empty
    local = as_utc(value).astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def warm_up(app: Flask) -> bool:
    """Before a web worker's first request (gunicorn's ``post_worker_init``, deploy/gunicorn.conf.py), what would
    otherwise make the first user of each page wait: today's stored verdicts read into the process's memory (about
    a second for 10,000 families), and every page template compiled (180 of them, about a second). Reads only; a
    set not ready yet is left to the first request (which asks for it). True when the set was read."""
    from tfclaims.clock import today
    from tfclaims.engine import store

    with app.app_context():
        try:
            warmed = store.warm(today())
        finally:
            db.session.rollback()
            db.session.remove()
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(name)
    return warmed
