"""Redaction: the one exception to the audit trail being append-only.

The audit trail (``audit_event``) and the record of reads (``access_event``) are append-only: no code updates or
deletes them, **except this module**. When retention erases a family whose time has come, or a manager erases one
person on their request, the events about them must not keep what was erased. So the events are kept and their
personal values are overwritten in place:

- kept: the event itself (its id), the actor, the time, the action, the record type and row (``entity``,
  ``entity_id``), the family and member ids (links that name nobody once the records are gone), and in each change
  the field names and the fields ``audit.rules.is_personal`` says are not personal (ids, hashes);
- overwritten: every personal value (``is_personal``, which fails closed: in a family's event every field but the
  links) becomes ``REDACTED`` (a value that was empty stays empty, so "added", "changed" and "removed" can still be
  told apart), the summary becomes ``REDACTED_SUMMARY``, and a read's particulars (``AccessEvent.detail``) likewise;
- ``redacted_at`` is set, so the trail can say the event was redacted and when.

Reads that listed an erased family among others (a search's results, a claim file: ``detail["family_ids"]``) lose
the erased family's id and any value of the erased people's (a search for their name), and keep the rest, which is
about other families.

Nothing here commits: the caller's transaction erases the records and redacts their events together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.audit.rules import is_personal

REDACTED = "(erased)"
REDACTED_SUMMARY = "Personal details erased under the retention schedule or an erasure request"
CHUNK = 900


def _blank(value: Any) -> Any:
    return None if value is None else REDACTED


def redact_changes(entity: str | None, family_id: int | None, changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """An event's changes with every personal value replaced (pure)."""
    redacted: dict[str, Any] = {}
    for name, change in (changes or {}).items():
        if not is_personal(entity, family_id, name):
            redacted[name] = change
        elif isinstance(change, list | tuple) and len(change) == 2:
            redacted[name] = [_blank(change[0]), _blank(change[1])]
        else:
            redacted[name] = _blank(change)
    return redacted


def redact_detail(family_id: int | None, detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """A read's particulars with every personal value replaced: a read about a family or a person fails closed like
    a family's event (``family_ids``, a list of links, stays)."""
    return {name: value if name == "family_ids" else (
        value if not is_personal("family", family_id, name) else _blank(value))
        for name, value in (detail or {}).items()}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _redact_audit_event(event: AuditEvent, now: datetime) -> None:
    event.changes = redact_changes(event.entity, event.family_id if event.family_id is not None else 0,
                                   event.changes)
    if event.summary:
        event.summary = REDACTED_SUMMARY
    event.redacted_at = now


def _redact_access_event(event: AccessEvent, now: datetime) -> None:
    event.detail = redact_detail(event.family_id if event.family_id is not None else 0, event.detail)
    event.redacted_at = now


def _contains_erased(value: Any, erased: set[str], partial: bool = True) -> bool:
    """Whether a value carries an erased person's value, or (``partial``, for a read's particulars such as a search
    term) a part of one: a search for "Quixot" found "Quixote". Fails closed, at the cost of a short search term
    shared with another family."""
    if isinstance(value, str):
        text = value.casefold()
        if any(word in text for word in erased):
            return True
        if not partial:
            return False
        parts = [part for part in {text.strip(), *text.split()} if len(part) >= 3]
        return any(part in word for part in parts for word in erased)
    if isinstance(value, list | tuple):
        return any(_contains_erased(item, erased, partial) for item in value)
    if isinstance(value, Mapping):
        return any(_contains_erased(item, erased, partial) for item in value.values())
    return False


def _scrub_mentions(event: AuditEvent, erased: set[str], now: datetime) -> bool:
    """An event of the family that is not about the erased person but whose free text names them (the family's
    notes, a practitioner's statement): each such value is redacted. Returns whether anything changed."""
    changes = dict(event.changes or {})
    changed = False
    for name, change in changes.items():
        if _contains_erased(change, erased, partial=False):
            changes[name] = ([_blank(change[0]), _blank(change[1])]
                             if isinstance(change, list | tuple) and len(change) == 2 else _blank(change))
            changed = True
    if event.summary and _contains_erased(event.summary, erased, partial=False):
        event.summary = REDACTED_SUMMARY
        changed = True
    if changed:
        event.changes = changes
        event.redacted_at = now
    return changed


def _scrub_listing(event: AccessEvent, family_ids: set[int], erased: set[str], now: datetime) -> bool:
    """A read that listed an erased family: drop the family's id, and any particular that carries an erased person's
    value (every particular, when the read listed no other family). Returns whether anything changed."""
    detail = dict(event.detail or {})
    listed = detail.pop("family_ids", None)
    # A read that listed only erased families was about them: every personal particular goes.
    only_erased = isinstance(listed, list) and bool(listed) and bool(family_ids) and set(listed) <= family_ids
    changed = False
    for name, value in list(detail.items()):
        if value is not None and (only_erased and is_personal("family", 0, name) or _contains_erased(value, erased)):
            detail[name] = _blank(value)
            changed = True
    if isinstance(listed, list):
        kept = [fid for fid in listed if fid not in family_ids]
        changed = changed or len(kept) != len(listed)
        detail["family_ids"] = kept  # kept last, where audit.queries.listed_family looks for it
    if changed:
        event.detail = detail
        event.redacted_at = now
    return changed


def erased_values(values: Iterable[Any]) -> set[str]:
    """The erased people's values worth looking for in other text (names, identifiers, postcodes), case-folded;
    very short values (a sex, a one-letter name) would match everywhere and are left out."""
    found = set()
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= 3:
            found.add(value.strip().casefold())
    return found


def redact_families(session: Session, family_ids: list[int], values: Iterable[Any], now: datetime,
                    member_ids: Iterable[int] = ()) -> tuple[int, int]:
    """Redact every audit and access event about these families (``family_id``) or their members (``member_ids``,
    read before they were deleted), and scrub reads that listed them among others. ``values`` are the erased people's
    personal values (names, identifiers), looked for in those other reads. Returns (audit events, access events)
    redacted."""
    audit = access = 0
    for chunk in _chunks(sorted(set(family_ids))):
        for event in session.scalars(select(AuditEvent).where(AuditEvent.family_id.in_(chunk))):
            _redact_audit_event(event, now)
            audit += 1
        for event in session.scalars(select(AccessEvent).where(AccessEvent.family_id.in_(chunk))):
            _redact_access_event(event, now)
            access += 1
    for chunk in _chunks(sorted(set(member_ids))):
        for event in session.scalars(select(AccessEvent).where(
                AccessEvent.member_id.in_(chunk), AccessEvent.redacted_at.is_(None))):
            _redact_access_event(event, now)
            access += 1
    access += _scrub_listings(session, set(family_ids), erased_values(values), now)
    session.flush()
    return audit, access


def _scrub_listings(session: Session, family_ids: set[int], erased: set[str], now: datetime,
                    skip_family: int | None = None) -> int:
    listing = cast(AccessEvent.detail, String).like('%"family_ids": [%')
    query = select(AccessEvent).where(listing, or_(AccessEvent.family_id.is_(None),
                                                   AccessEvent.family_id.not_in(family_ids)))
    scrubbed = 0
    for event in session.scalars(query.execution_options(yield_per=500)).all():
        if skip_family is not None and event.family_id == skip_family:
            continue
        listed = (event.detail or {}).get("family_ids") if isinstance(event.detail, dict) else None
        if isinstance(listed, list) and family_ids.intersection(listed) and _scrub_listing(
            event, family_ids if skip_family is None else set(), erased, now
        ):
            scrubbed += 1
    return scrubbed


def redact_member(session: Session, family_id: int, member_id: int, rows: Mapping[str, Iterable[int]],
                  values: Iterable[Any], now: datetime) -> tuple[int, int]:
    """Redact the events about one erased person of a family that stays: the events of their member record and of
    every record of theirs (``rows``: record type -> ids, read before they were deleted), events whose changes name
    them (``member_id``), and reads naming them. Other events and reads of the family that carry one of their
    ``values`` (their name in the family's notes, a search for it) lose that value. ``values`` should be what is
    theirs alone (names, identifiers), not what they share with the family (a surname, a postcode). Returns (audit
    events, access events) redacted."""
    owned = {(entity, int(i)) for entity, ids in rows.items() for i in ids}
    erased = erased_values(values)
    audit = 0
    for event in session.scalars(select(AuditEvent).where(AuditEvent.family_id == family_id)):
        changes = event.changes or {}
        named = changes.get("member_id")
        mentions = member_id in (named if isinstance(named, list | tuple) else [named])
        if (event.entity, event.entity_id) in owned or mentions:
            _redact_audit_event(event, now)
            audit += 1
        elif _scrub_mentions(event, erased, now):
            audit += 1
    access = 0
    events = session.scalars(select(AccessEvent).where(or_(
        AccessEvent.member_id == member_id,
        and_(AccessEvent.family_id == family_id, AccessEvent.member_id.is_(None)),
    )))
    for event in events:
        if event.member_id == member_id:
            _redact_access_event(event, now)
            access += 1
        elif _scrub_listing(event, set(), erased, now):
            access += 1
    access += _scrub_listings(session, {family_id}, erased, now, skip_family=family_id)
    session.flush()
    return audit, access
