"""Declarative base, naming convention and shared column helpers."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, called per row (never evaluated once at import)."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Timestamps are stored in UTC; SQLite hands them back without a timezone, so say which it is."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    # Columns never copied into audit events (secrets and bookkeeping).
    __audit_exclude__: frozenset[str] = frozenset({"created_at", "updated_at"})
    # Whether the rule engine reads these rows: a change to one is a change to its family's verdict (its stored
    # verdicts are judged again). False for what records a verdict's use, such as a claim's lines.
    __verdict_input__: bool = True

    @property
    def audit_family_id(self) -> int | None:
        """The family an audited change belongs to, for the family timeline. Overridden by models."""
        return None


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("tfclaims_reading", default=False)


def reading_only() -> bool:
    """True while a page view (GET or HEAD) reads: before ``tfclaims.web`` writes what the view left to write; and
    in a ``reading()`` block."""
    if _reading.get():
        return True
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover
        return False
    return has_request_context() and g.get("reading_only", False)


@contextmanager
def reading() -> Iterator[None]:
    """Work outside a request that only reads (a job judging a partition of the cohort), in transactions that do
    not take SQLite's write lock: other workers read and write beside it. The caller ends the transaction (commit or
    rollback) before leaving the block, and writes after it."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def after_reading(callback) -> None:
    """Write something at the end of a page view, in the request's own write transaction (``tfclaims.web``), or at
    once when not reading only (a form, a job, a command). ``callback`` adds to ``db.session``; it is given no
    arguments."""
    from flask import g

    if reading_only():
        g.setdefault("to_write", []).append(callback)
    else:
        callback()


def writing_now() -> None:
    """This page view writes from here on, in its own transaction (a job run where it is asked for, in the queue's
    immediate mode: the tests)."""
    from flask import g, has_request_context

    if has_request_context():
        g.reading_only = False


def _guard_page_views() -> None:
    """In the tests, a page view that changes rows while it is reading fails loudly: on SQLite its deferred
    transaction could not wait for the write lock (see ``_on_begin``); ``after_reading`` is the way."""
    from flask import current_app, has_app_context
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    @event.listens_for(Session, "before_flush")
    def _no_writes_while_reading(session, flush_context, instances):
        if not reading_only() or not has_app_context() or not current_app.config.get("TESTING"):
            return
        changed = list(session.new) + list(session.deleted) + [o for o in session.dirty if session.is_modified(o)]
        if changed:
            names = sorted({type(o).__name__ for o in changed})
            raise RuntimeError(f"a page view changed {', '.join(names)} while reading: use db.after_reading")


def _configure_sqlite() -> None:
    """Make SQLite behave like the PostgreSQL the app also runs on.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; hand transactions to SQLAlchemy
    (the recipe from SQLAlchemy's SQLite dialect documentation), begin them IMMEDIATE, and switch foreign keys on.
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Wait up to 15 s for another writer (a claim being built, a partner file being written) to finish, rather
            # than lose the user's request; a busy machine doubles the time of each.
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE: a transaction that may write takes SQLite's write lock when it begins, waiting for it up to the
        # busy timeout. A deferred one that reads and then writes (a form that checks and then saves) cannot wait:
        # SQLite refuses its write at once with "database is locked" when another connection wrote meanwhile. So on
        # SQLite one request writes at a time, and none is lost; several users at once is what PostgreSQL is for
        # (README, "Running in production").
        #
        # A page view (GET or HEAD) only reads: its transaction is deferred, so page views run side by side with
        # each other and with one writer (WAL). What a page view must record (its reads of personal data, a date
        # of verdicts asked for) is written after its reading is over, in a short transaction of its own that does
        # take the lock (``tfclaims.web``: ``reading_only`` is then False).
        # A connection asked for AUTOCOMMIT (a checkpoint, VACUUM) runs each statement on its own: no BEGIN.
        if conn.dialect.name == "sqlite" and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN" if reading_only() else "BEGIN IMMEDIATE")


_configure_sqlite()
_guard_page_views()
