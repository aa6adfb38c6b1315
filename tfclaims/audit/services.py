"""Audit events, written in the same transaction as the change.

Mapper-level flush listeners turn every insert, update and delete of an audited model into an
``AuditEvent`` carrying the changed columns with old and new values. Services may add a domain-level event
(``record``) for actions that are not a row change, such as signing in.
"""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.audit.rules import ACCESS_ACTIONS
from tfclaims.db import Base, after_reading, utcnow

# The actor for work outside a request (CLI commands, seeding): (user id or None, label).
_cli_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar(
    "tfclaims_actor", default=(None, "system")
)

# The trail itself (changes and reads), and the engine's stored verdicts (derived data, recomputed from
# audited records).
NOT_AUDITED = {"audit_event", "access_event", "family_verdict", "verdict_set", "verdict_partition", "import_row"}

# The families whose records a session's transaction changed (every audit event that names a family), kept in
# ``session.info`` under this key: the engine judges them again once the transaction commits (``engine.store``).
CHANGED_FAMILIES = "changed_families"


def _note_change(session: Session | None, family_id: int | None) -> None:
    if session is not None and family_id is not None:
        session.info.setdefault(CHANGED_FAMILIES, set()).add(int(family_id))


def set_system_actor(label: str, user_id: int | None = None) -> None:
    _cli_actor.set((user_id, label))


def current_actor() -> tuple[int | None, str]:
    try:
        from flask import has_request_context
        from flask_login import current_user

        if has_request_context() and current_user and current_user.is_authenticated:
            return current_user.id, current_user.name
    except Exception:  # pragma: no cover - outside Flask entirely
        pass
    return _cli_actor.get()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _columns(obj: Base) -> list[str]:
    exclude = getattr(obj, "__audit_exclude__", frozenset())
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in exclude]


def _describe_insert(obj: Base) -> dict[str, list[Any]]:
    return {k: [None, _plain(getattr(obj, k))] for k in _columns(obj) if getattr(obj, k) is not None}


def _describe_delete(obj: Base) -> dict[str, list[Any]]:
    return {k: [_plain(getattr(obj, k)), None] for k in _columns(obj) if getattr(obj, k) is not None}


def _describe_update(obj: Base) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
    return changes


_INSERT_EVENT = AuditEvent.__table__.insert()
# The audit events of a flush's row changes, waiting to be written at its end (in ``session.info``).
_PENDING = "audit_events_pending"


@event.listens_for(Session, "after_flush")
def _write_pending(session: Session, flush_context) -> None:
    """The flush's audit events, in the order of its changes, on its connection and in its transaction: committed
    or rolled back with the changes."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.connection().execute(_INSERT_EVENT, pending)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:
    """A flush that failed part-way wrote nothing: neither do its audit events."""
    session.info.pop(_PENDING, None)


def _write_event(connection, action: str, obj: Base, changes: dict) -> None:
    actor_id, actor_label = current_actor()
    ident = inspect(obj).identity
    # One statement, compiled once and cached; the values as parameters (``insert().values(...)`` made a new
    # statement, and its cache key, for every row: half the time of a bulk write such as the demo's).
    values = {
        "at": utcnow(),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "entity": obj.__tablename__,
        "entity_id": ident[0] if ident else getattr(obj, "id", None),
        "family_id": obj.audit_family_id,
        "summary": (getattr(obj, "audit_summary", "") or "")[:300],
        "changes": changes,
    }
    session = object_session(obj)
    if session is None:
        connection.execute(_INSERT_EVENT, values)
    else:
        # Written together at the end of the flush (``_write_pending``), in one statement for many rows: a flush
        # of thousands of rows (a claim's lines, an import) no longer pays a statement per audit event.
        session.info.setdefault(_PENDING, []).append(values)
    if obj.__verdict_input__:
        _note_change(object_session(obj), obj.audit_family_id)


def record(session: Session, action: str, entity: str, entity_id: int | None, summary: str = "",
           changes: dict | None = None, family_id: int | None = None) -> AuditEvent:
    """Write a domain event (sign-in, publish, export) that is not a plain row change."""
    actor_id, actor_label = current_actor()
    audit_event = AuditEvent(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        entity=entity,
        entity_id=entity_id,
        family_id=family_id,
        summary=summary[:300],
        changes=changes or {},
    )

    def write() -> None:
        session.add(audit_event)
        _note_change(session, family_id)

    # A page view (a download that is an export) writes its event once its reading is over (``db.after_reading``).
    after_reading(write)
    return audit_event


def record_access(session: Session, action: str, what: str, *, family_id: int | None = None,
                  member_id: int | None = None, detail: dict | None = None, path: str | None = None) -> AccessEvent:
    """Write a read of personal data (``viewed``, ``searched``, ``downloaded``): who read what, and when.

    In the request's transaction, like every audit event. ``detail`` carries the read's personal particulars (a
    search's identifier, a file's name) and is masked for readers who may not open family records."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"an access event is one of {ACCESS_ACTIONS}, not {action!r}")
    try:
        from flask import g, has_request_context, request

        if has_request_context():
            path = request.path if path is None else path
            g.access_recorded = True  # a download's view said what it gave: the download hook adds nothing
    except Exception:  # pragma: no cover - outside Flask entirely
        pass
    actor_id, actor_label = current_actor()
    access_event = AccessEvent(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        what=what[:160],
        family_id=family_id,
        member_id=member_id,
        path=(path or "")[:300],
        detail=_detail(detail),
    )
    # A page view writes its reads once its reading is over (``db.after_reading``); anything else, now.
    after_reading(lambda: session.add(access_event))
    return access_event


def _detail(detail: dict | None) -> dict:
    """A read's particulars as plain JSON values, with ``family_ids`` (the families a search listed or a file
    named) always last, where ``audit.queries.listed_family`` looks for it."""
    shown = {key: _plain(value) for key, value in (detail or {}).items() if key != "family_ids"}
    if detail and "family_ids" in detail:
        shown["family_ids"] = [int(family_id) for family_id in detail["family_ids"]]
    return shown


def _audited(obj: object) -> bool:
    return isinstance(obj, Base) and obj.__tablename__ not in NOT_AUDITED


# Mapper-level flush events run inside the flush, on the same connection and transaction as the change itself,
# so a change and its audit event are committed or rolled back together.
@event.listens_for(Base, "after_insert", propagate=True)
def _after_insert(mapper, connection, target) -> None:
    if _audited(target):
        _write_event(connection, "create", target, _describe_insert(target))


@event.listens_for(Base, "after_update", propagate=True)
def _after_update(mapper, connection, target) -> None:
    if _audited(target):
        changes = _describe_update(target)
        if changes:
            _write_event(connection, "update", target, changes)


@event.listens_for(Base, "after_delete", propagate=True)
def _after_delete(mapper, connection, target) -> None:
    if _audited(target):
        _write_event(connection, "delete", target, _describe_delete(target))
