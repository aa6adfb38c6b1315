"""The retention rules as pure functions on plain values: when a family's records fall due for erasure, why a family
whose time has come is held, and how an erased family's claim line keeps its frozen hash meaningful.

Imports nothing of the database or Flask (``tests/unit/test_retention_rules.py`` checks the imports).

- A family's records are kept ``years`` after the day its retention period starts, that day included, and are
  **due the day after** the anniversary: closed on 1 May 2016, kept 8 years, due from 2 May 2024.
- The period starts (``starts_from``) when the family's last attachment closed, when the last programme phase it was
  attached under ended, or the later of the two (the default). A family with an open attachment is never due. A
  family never attached (screened, registered, not worked with) is kept ``years`` from the day it was registered.
- A family whose time has come is **held** while it is on legal hold, or while any line of it (not removed from its
  claim) is in a claim not yet submitted, or in a claim submitted less than the audit window's years ago (inside the
  window up to and including the anniversary of the submission).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tfclaims.claims import rules as claim_rules
from tfclaims.retention.vocabulary import (
    ATTACHMENT_CLOSED,
    AUDIT_WINDOW,
    CLOSURE_OR_PHASE_END,
    LEGAL_HOLD,
    PHASE_ENDED,
    RECORD_LABELS,
)

ONE_DAY = timedelta(days=1)
# What an erased value reads as, in a claim line's snapshot.
ERASED = "(erased)"


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a year that has none)."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def due_on(start: date, years: int) -> date:
    """The first day a record kept ``years`` from ``start`` may be erased: the day after the anniversary."""
    return add_years(start, years) + ONE_DAY


def is_due(start: date | None, as_of: date, years: int) -> bool:
    return start is not None and as_of >= due_on(start, years)


def last_due_start(as_of: date, years: int) -> date:
    """The latest start day whose records are due on ``as_of``: a record is due exactly when its start is on or
    before this day. Lets the database select what is due with a plain comparison, no date arithmetic in SQL."""
    kept_until = as_of - ONE_DAY
    cutoff = add_years(kept_until, -years)
    while add_years(cutoff, years) > kept_until:  # 29 February clamped forward: step back
        cutoff -= ONE_DAY
    while add_years(cutoff + ONE_DAY, years) <= kept_until:  # a 29 February whose anniversary is 28 February
        cutoff += ONE_DAY
    return cutoff


def period_start(starts_from: str, last_closed: date | None, phase_ended: date | None) -> date | None:
    """The day a closed family's retention period starts, by the rule's ``starts_from``."""
    if starts_from == ATTACHMENT_CLOSED:
        return last_closed
    if starts_from == PHASE_ENDED:
        return phase_ended
    if starts_from == CLOSURE_OR_PHASE_END:
        if last_closed is None or phase_ended is None:
            return None
        return max(last_closed, phase_ended)
    raise ValueError(f"unknown start of a retention period: {starts_from!r}")


def audit_window_ends_on(submitted_on: date, years: int) -> date:
    """The last day of the department's audit window for a claim submitted on ``submitted_on``."""
    return add_years(submitted_on, years)


def inside_audit_window(last_submitted: date | None, unsubmitted_lines: int, as_of: date, years: int) -> bool:
    """Whether a family's claim lines keep it: a line in a claim not yet submitted, or in one submitted within the
    window (lines removed from their claim are not counted by the caller)."""
    if unsubmitted_lines:
        return True
    return last_submitted is not None and as_of <= audit_window_ends_on(last_submitted, years)


@dataclass(frozen=True)
class Row:
    """One family whose retention period has passed, as the due query reads it."""

    family_id: int
    reference: str
    registered_on: date
    attachments: int
    open_attachments: int
    last_closed: date | None
    phase_ended: date | None
    hold_since: date | None
    last_submitted: date | None
    unsubmitted_lines: int


@dataclass
class Verdict:
    """What the schedule says about one family on a day: due since when and from what, and why it is held."""

    family_id: int
    reference: str
    start: date
    started_by: str  # attachment_closed | phase_ended | registered
    due_since: date
    last_closed: date | None
    phase_ended: date | None
    held: list[str] = field(default_factory=list)  # LEGAL_HOLD, AUDIT_WINDOW
    hold_since: date | None = None
    audit_window_ends_on: date | None = None
    unsubmitted_lines: int = 0

    @property
    def is_held(self) -> bool:
        return bool(self.held)


def judge(row: Row, as_of: date, years: int, starts_from: str, audit_years: int) -> Verdict | None:
    """The schedule's verdict on a family the query found due, or None when it is not due after all (the query and
    this function say the same: the unit tests hold them to it)."""
    if row.open_attachments:
        return None
    if row.attachments:
        start = period_start(starts_from, row.last_closed, row.phase_ended)
        started_by = starts_from
        if starts_from == CLOSURE_OR_PHASE_END and start is not None:
            started_by = ATTACHMENT_CLOSED if row.last_closed >= row.phase_ended else PHASE_ENDED
    else:
        start, started_by = row.registered_on, "registered"
    if not is_due(start, as_of, years):
        return None
    verdict = Verdict(
        family_id=row.family_id, reference=row.reference, start=start, started_by=started_by,
        due_since=due_on(start, years), last_closed=row.last_closed, phase_ended=row.phase_ended,
        hold_since=row.hold_since, unsubmitted_lines=row.unsubmitted_lines,
    )
    if row.hold_since is not None:
        verdict.held.append(LEGAL_HOLD)
    if inside_audit_window(row.last_submitted, row.unsubmitted_lines, as_of, audit_years):
        verdict.held.append(AUDIT_WINDOW)
        if row.last_submitted is not None and not row.unsubmitted_lines:
            verdict.audit_window_ends_on = audit_window_ends_on(row.last_submitted, audit_years)
    return verdict


def counted(counts: Mapping[str, int]) -> str:
    """"3 members, 2 attachments and 14 attendance records": the records an erasure takes, in words."""
    parts = []
    for table, (one, many) in RECORD_LABELS.items():
        n = int(counts.get(table) or 0)
        if n:
            parts.append(f"{n:,} {one if n == 1 else many}")
    if not parts:
        return "No records"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def member_erasure_problem(hold_since: date | None, window_claim: str | None, window_ends_on: date | None,
                           claim_unsubmitted: bool) -> str | None:
    """Why one person's records cannot be erased now, or None.

    Refused while the family is on legal hold, and while any claim line of the family is inside the department's
    audit window: a claim is judged on the whole family (eligibility counts its members, each problem is judged on
    the members identified with it), so every member's records may be what the department checks."""
    if hold_since is not None:
        return (f"The family has been on legal hold since {_day(hold_since)}: nothing of it can be erased until a "
                "manager releases the hold.")
    if window_claim is not None:
        if claim_unsubmitted:
            return (f"A claim depends on this family's records: claim {window_claim} has not been submitted yet. "
                    "The person's records can be erased once the claim has left the department's audit window.")
        return (f"A claim depends on this family's records: claim {window_claim} is inside the department's audit "
                f"window until {_day(window_ends_on)}. The person's records can be erased after that day.")
    return None


def _day(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "an unknown date"


# ---------------------------------------------------------------- an erased family's claim line


def snapshot_hash(snapshot: Mapping[str, Any]) -> str:
    """The SHA-256 of a snapshot, as a line's hash is computed when it is frozen."""
    return claim_rules.line_hash(dict(snapshot))


SEAL = "erasure"


def redact_snapshot(snapshot: Mapping[str, Any] | None, line_hash: str, erased_on: date,
                    member_id: int | None = None) -> dict | None:
    """A claim line's snapshot with the one person it names (the adult in continuous employment, on a CE line)
    erased, or None when there is nothing to erase (``member_id``: only when it is that member).

    The line keeps its ``line_hash``, the hash of the snapshot as frozen, so the claim's content hash (over the
    lines' hashes, and printed in the claim pack the department holds) still verifies. The redacted snapshot carries a
    seal: the original line hash, what was erased and when, and the hash of the redacted snapshot itself, so a later
    change to it is still found (``seal_intact``). Everything else frozen (route, dates, each problem's verdict and
    its evidence in counts) names nobody once the family's records are gone, and stays."""
    if not snapshot:
        return None
    adult = snapshot.get("adult")
    if not isinstance(adult, Mapping) or adult.get("name") in (None, ERASED):
        return None
    if member_id is not None and adult.get("member_id") != member_id:
        return None
    body = {key: value for key, value in snapshot.items() if key != SEAL}
    body["adult"] = {**adult, "member_id": None, "name": ERASED, "date_of_birth": None}
    redacted = dict(body)
    redacted[SEAL] = {
        "erased_on": erased_on.isoformat(),
        "fields": ["adult.member_id", "adult.name", "adult.date_of_birth"],
        "line_hash": line_hash,
        "redacted_hash": snapshot_hash(body),
    }
    return redacted


def is_sealed(snapshot: Mapping[str, Any] | None) -> bool:
    return isinstance(snapshot, Mapping) and isinstance(snapshot.get(SEAL), Mapping)


def seal_intact(snapshot: Mapping[str, Any], line_hash: str) -> bool:
    """A redacted snapshot is intact when its seal names the line's hash and the rest is as the seal recorded."""
    seal = snapshot.get(SEAL)
    if not isinstance(seal, Mapping):
        return False
    body = {key: value for key, value in snapshot.items() if key != SEAL}
    return seal.get("line_hash") == line_hash and seal.get("redacted_hash") == snapshot_hash(body)
