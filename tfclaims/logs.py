"""Logs that a Data Protection Officer can approve: they say which request and which user, never whose data.

- Every log line of a request carries its request id (``X-Request-Id`` when a proxy sent a sensible one, otherwise a
  new one, returned in the response's ``X-Request-Id``) and the signed-in user's id: enough to find the request in
  the audit trail, nothing about the family.
- Database errors are logged without their values: SQLAlchemy hides statement parameters (``hide_parameters``, set
  in ``config.load_config``), and a filter replaces a database error's text (PostgreSQL's "Key (nhs_number)=(...)
  already exists" detail, SQLite's messages) by its class, the statement with its placeholders, and the traceback's
  code lines only.
- Werkzeug's access log keeps the path only: query strings carry search terms, which can be names.
- One JSON line per request on the ``tfclaims.requests`` logger (``request_log``): time, request id, user id,
  method, route (the URL rule, ``/families/<int:family_id>``, never the query string), endpoint, status and
  duration in milliseconds, for a council's log platform. Nothing about whose data.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, session
from sqlalchemy.exc import DBAPIError, StatementError

LOG_FORMAT = "%(asctime)s %(levelname)s [request %(request_id)s, user %(user_id)s] %(name)s: %(message)s"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init_app(app: Flask) -> None:
    formatter = logging.Formatter(LOG_FORMAT)
    for handler in app.logger.handlers:
        handler.setFormatter(formatter)
        for one in (_CONTEXT, _SCRUB):
            handler.addFilter(one)  # once: the same instances for every app
    for logger in (app.logger, logging.getLogger("sqlalchemy"), logging.getLogger("werkzeug")):
        logger.addFilter(_CONTEXT)
        logger.addFilter(_SCRUB)
    logging.getLogger("werkzeug").addFilter(_STRIP_QUERY)

    if app.config.get("REQUEST_LOG", True) and not REQUEST_LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        REQUEST_LOGGER.addHandler(handler)
        REQUEST_LOGGER.setLevel(logging.INFO)
        REQUEST_LOGGER.propagate = False

    @app.before_request
    def _request_id() -> None:
        from flask import request

        g.request_started = time.perf_counter()
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _return_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
            if app.config.get("REQUEST_LOG", True):
                REQUEST_LOGGER.info(request_log(response))
        return response


REQUEST_LOGGER = logging.getLogger("tfclaims.requests")


def request_log(response: Response) -> str:
    """The request's JSON line: the route's rule rather than its path with query string, and ids, never values."""
    from flask import request

    started = g.get("request_started")
    return json.dumps({
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": g.get("request_id"),
        "user_id": session.get("_user_id"),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
    }, separators=(",", ":"))


class _RequestContext(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record ("-" outside a request or when signed out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id, record.user_id = "-", "-"
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            # The id Flask-Login keeps in the session, not the User row: after a failed flush the row cannot load.
            record.user_id = session.get("_user_id") or "-"
        return True


class _NoDatabaseValues(logging.Filter):
    """A database error logged with its traceback keeps its class, its statement (placeholders, no values) and the
    code lines of the traceback; its message, its chained driver error and its parameters are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, StatementError):
            record.exc_text = scrubbed(error)
            record.exc_info = None
        return True


def scrubbed(error: StatementError) -> str:
    """What may be logged of a database error."""
    driver = type(error.orig).__name__ if isinstance(error, DBAPIError) and error.orig is not None else "none"
    statement = " ".join((error.statement or "").split())[:500]
    lines = "".join(traceback.format_tb(error.__traceback__)) if error.__traceback__ else ""
    return (
        f"Traceback (most recent call last):\n{lines}{type(error).__module__}.{type(error).__name__} "
        f"(driver error {driver}; values not logged) on: {statement}"
    )


class _StripQueryString(logging.Filter):
    """Werkzeug's request line with its query string removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            first = record.args[0]
            if isinstance(first, str) and "?" in first:
                record.args = (first.split("?", 1)[0] + "?[query removed]",) + record.args[1:]
        return True


_CONTEXT, _SCRUB, _STRIP_QUERY = _RequestContext(), _NoDatabaseValues(), _StripQueryString()
