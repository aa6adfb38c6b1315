"""Reads for claims: settings, windows, allocations, claims, lines, drift and the totals per window and year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import and_, case, func, select

from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.claims import rules
from tfclaims.claims.models import (
    ACCEPTED,
    CLAWED_BACK,
    INCLUDED,
    RECONCILED,
    REJECTED,
    REMOVED,
    SUBMITTED,
    Allocation,
    Claim,
    ClaimLine,
    ClaimSettings,
    ClaimWindow,
)
from tfclaims.extensions import db
from tfclaims.families.models import Member
from tfclaims.outcomes_plan.models import Framework
from tfclaims.retention import rules as retention_rules

CLAIM_ENTITIES = ("claim", "claim_line")
# Who may read claims (and so follow a link to one, or see its internal audit).
CLAIM_READERS = (Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)


def settings() -> ClaimSettings:
    """The council's claim settings (one row, created by the migration)."""
    found = db.session.get(ClaimSettings, 1)
    if found is None:  # a database made without the migration's row
        found = ClaimSettings(id=1, earned_autonomy=False, sample_percent=10)
        db.session.add(found)
        db.session.flush()
    return found


def claims_switched_off() -> bool:
    return settings().earned_autonomy


def list_windows() -> list[ClaimWindow]:
    return list(db.session.scalars(select(ClaimWindow).order_by(ClaimWindow.starts_on.desc())).unique())


def get_window(window_id: int) -> ClaimWindow | None:
    return db.session.get(ClaimWindow, window_id)


def _label_taken(model, label: str, except_id: int | None) -> bool:
    query = select(model.id).where(func.lower(model.label) == label.lower())
    if except_id is not None:
        query = query.where(model.id != except_id)
    return db.session.scalar(query) is not None


def _overlapping(model, starts_on: date, ends_on: date, except_id: int | None):
    query = select(model).where(model.starts_on <= ends_on, model.ends_on >= starts_on)
    if except_id is not None:
        query = query.where(model.id != except_id)
    return db.session.scalars(query.limit(1)).first()


def window_label_taken(label: str, except_id: int | None) -> bool:
    return _label_taken(ClaimWindow, label, except_id)


def overlapping_window(starts_on: date, ends_on: date, except_id: int | None) -> ClaimWindow | None:
    return _overlapping(ClaimWindow, starts_on, ends_on, except_id)


def list_allocations() -> list[Allocation]:
    return list(db.session.scalars(select(Allocation).order_by(Allocation.starts_on.desc())))


def get_allocation(allocation_id: int) -> Allocation | None:
    return db.session.get(Allocation, allocation_id)


def allocation_label_taken(label: str, except_id: int | None) -> bool:
    return _label_taken(Allocation, label, except_id)


def overlapping_allocation(starts_on: date, ends_on: date, except_id: int | None) -> Allocation | None:
    return _overlapping(Allocation, starts_on, ends_on, except_id)


def allocation_for(on: date) -> Allocation | None:
    """The allocation whose period covers a window's end."""
    return db.session.scalars(
        select(Allocation).where(Allocation.starts_on <= on, Allocation.ends_on >= on).limit(1)
    ).first()


# Lines that use up the allocation: in a claim, or accepted. Removed, rejected and clawed-back lines are not paid.
COUNTED = (INCLUDED, ACCEPTED)


def results_claimed(allocation: Allocation) -> int:
    """Results claimed in the allocation's period: lines of claims whose window ends in it."""
    return db.session.scalar(
        select(func.count(ClaimLine.id))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(ClaimWindow, ClaimWindow.id == Claim.window_id)
        .where(
            ClaimWindow.ends_on >= allocation.starts_on,
            ClaimWindow.ends_on <= allocation.ends_on,
            ClaimLine.state.in_(COUNTED),
        )
    ) or 0


def held_family_ids(framework: str | None = None) -> set[int]:
    """Families a claim holds in a programme phase (``framework``, the framework's code; any phase when None):
    never offered for another claim of that phase."""
    query = select(ClaimLine.family_id).where(ClaimLine.holds_family, ClaimLine.family_id.is_not(None))
    if framework is not None:
        query = query.where(ClaimLine.framework == framework)
    return set(db.session.scalars(query))


HELD_COLUMNS = [
    "family_id",
    "framework",
    "line_id",
    "claim_id",
    "claim_reference",
    "claim_status",
    "window_label",
    "claim_route",
    "line_state",
    "disposition",
    "invalid",
]


def held_lines() -> pd.DataFrame:
    """Every line that holds its family in a programme phase, one row per (family, framework): a live line (in a
    claim, or accepted) or a result the department rejected or clawed back and the officer marked invalid
    (``invalid``). The cohort lists leave these families out (``engine.lists``)."""
    rows = db.session.execute(
        select(
            ClaimLine.family_id,
            ClaimLine.framework,
            ClaimLine.id,
            Claim.id,
            Claim.reference,
            Claim.status,
            ClaimWindow.label,
            ClaimLine.route,
            ClaimLine.state,
            ClaimLine.disposition,
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(ClaimWindow, ClaimWindow.id == Claim.window_id)
        # A line whose family was erased (retention) holds nobody.
        .where(ClaimLine.holds_family, ClaimLine.family_id.is_not(None))
    ).all()
    frame = pd.DataFrame.from_records(rows, columns=HELD_COLUMNS[:-1])
    frame["family_id"] = frame["family_id"].astype("int64")
    for column in HELD_COLUMNS[1:-1]:
        if column not in ("line_id", "claim_id"):
            frame[column] = frame[column].astype(object)
    frame["invalid"] = frame["line_state"].isin([REJECTED, CLAWED_BACK])
    return frame[HELD_COLUMNS]


def held_references(pairs: dict[int, str]) -> list[str]:
    """The references of the families (family id -> the framework it is claimed under) that a claim of that phase
    already holds."""
    found: list[str] = []
    family_ids = list(pairs)
    for start in range(0, len(family_ids), 900):
        chunk = family_ids[start : start + 900]
        rows = db.session.execute(
            select(ClaimLine.family_id, ClaimLine.framework, ClaimLine.family_reference).where(
                ClaimLine.holds_family, ClaimLine.family_id.in_(chunk)
            )
        )
        found += [reference for fid, framework, reference in rows if pairs.get(fid) == framework]
    return sorted(found)


def phase_labels() -> dict[str, str]:
    """Each framework's programme phase in words, by code: "Troubled Families 2015-21: results"."""
    return {
        code: rules.phase_label(name, routes)
        for code, name, routes in db.session.execute(select(Framework.code, Framework.name, Framework.routes))
    }


def family_claim_lines(family_id: int) -> list[ClaimLine]:
    """Every claim line of a family, the latest claim first: its claim history."""
    return list(
        db.session.scalars(
            select(ClaimLine)
            .join(Claim, Claim.id == ClaimLine.claim_id)
            .where(ClaimLine.family_id == family_id)
            .order_by(Claim.built_at.desc(), ClaimLine.id.desc())
        )
    )


def family_claims(family_id: int, framework: str | None) -> dict:
    """What a family's page shows of its claims: every claim line (its history, the latest claim first), the line
    that holds the family in the phase (``framework``) of its current attachment, if any, and the phases in words."""
    history = family_claim_lines(family_id)
    hold = next((line for line in history if line.holds_family and line.framework == framework), None)
    return {"claim_history": history, "claim_hold": hold, "claim_phases": phase_labels() if history else {}}


def checked_by(claim: Claim) -> set[int]:
    """Everyone who recorded an internal audit check on a line of the claim, including checks since cleared by a
    re-freeze (from the audit trail)."""
    people = {line.audited_by_id for line in claim.lines if line.audited_by_id is not None}
    line_ids = [line.id for line in claim.lines]
    for start in range(0, len(line_ids), 900):
        events = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.changes).where(
                AuditEvent.action == "claim_line_checked",
                AuditEvent.entity == "claim_line",
                AuditEvent.entity_id.in_(line_ids[start : start + 900]),
            )
        )
        for actor_id, changes in events:
            # The auditor named by the check (events written before it was named: the signed-in actor).
            auditor = (changes or {}).get("auditor_id", actor_id)
            if auditor is not None:
                people.add(auditor)
    return people


def sample_lines(claim: Claim) -> list[rules.SampleLine]:
    """The claim's lines as the audit sample rules see them."""
    return [
        rules.SampleLine(
            reference=line.family_reference,
            route=line.route,
            included=line.is_included,
            sampled=bool(line.sampled),
            sample_round=line.sample_round,
            verdict=line.audit_verdict,
        )
        for line in claim.lines
    ]


def data_versions(family_ids: list[int]) -> dict[int, int]:
    """Each family's latest audit event id: the version of its records."""
    versions: dict[int, int] = {}
    for start in range(0, len(family_ids), 900):
        chunk = family_ids[start : start + 900]
        versions.update(
            db.session.execute(
                select(AuditEvent.family_id, func.max(AuditEvent.id))
                .where(AuditEvent.family_id.in_(chunk))
                .group_by(AuditEvent.family_id)
            ).all()
        )
    return versions


def result_payments(framework_codes: set[str]) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Framework.code, Framework.result_payment_pence).where(Framework.code.in_(framework_codes))
        ).all()
    )


def adults(member_ids: set[int]) -> dict[int, dict]:
    """The adults in continuous employment, as frozen on a CE line."""
    if not member_ids:
        return {}
    rows = db.session.scalars(select(Member).where(Member.id.in_(member_ids)))
    return {
        m.id: {"member_id": m.id, "name": m.full_name, "date_of_birth": m.date_of_birth.isoformat()} for m in rows
    }


def next_reference(window: ClaimWindow) -> str:
    """"2026-27 Q2 claim 1", then 2, ... within a window."""
    count = db.session.scalar(select(func.count(Claim.id)).where(Claim.window_id == window.id)) or 0
    return f"{window.label} claim {count + 1}"


def get_claim(claim_id: int) -> Claim | None:
    return db.session.get(Claim, claim_id)


def get_line(claim: Claim, line_id: int) -> ClaimLine | None:
    line = db.session.get(ClaimLine, line_id)
    return line if line is not None and line.claim_id == claim.id else None


def line_counts(claim_ids: list[int] | None = None) -> dict[int, dict]:
    """Per claim: lines included (not removed), by route, value, sampled and checked."""
    query = select(
        ClaimLine.claim_id,
        ClaimLine.route,
        func.count(ClaimLine.id),
        func.sum(ClaimLine.result_payment_pence),
    ).where(ClaimLine.state != REMOVED).group_by(ClaimLine.claim_id, ClaimLine.route)
    if claim_ids is not None:
        query = query.where(ClaimLine.claim_id.in_(claim_ids))
    counts: dict[int, dict] = {}
    for claim_id, route, n, value in db.session.execute(query):
        entry = counts.setdefault(claim_id, {"families": 0, "value": 0, "routes": {}})
        entry["families"] += n
        entry["value"] += value or 0
        entry["routes"][route] = n
    return counts


@dataclass
class Totals:
    """Claimed, paid, rejected and clawed-back results (and their value) for a window or a programme year."""

    label: str
    claimed: int = 0
    paid: int = 0
    rejected: int = 0
    clawed_back: int = 0
    claimed_value: int = 0
    paid_value: int = 0
    clawed_back_value: int = 0
    windows: list[str] = field(default_factory=list)


def totals() -> tuple[list[Totals], list[Totals]]:
    """Results of submitted claims per window and per programme (financial) year of the window's end."""
    state = ClaimLine.state
    pay = ClaimLine.result_payment_pence
    rows = db.session.execute(
        select(
            ClaimWindow.label,
            ClaimWindow.ends_on,
            func.count(ClaimLine.id),
            func.sum(case((state == ACCEPTED, 1), else_=0)),
            func.sum(case((state == REJECTED, 1), else_=0)),
            func.sum(case((state == CLAWED_BACK, 1), else_=0)),
            func.sum(pay),
            func.sum(case((state == ACCEPTED, pay), else_=0)),
            func.sum(case((state == CLAWED_BACK, pay), else_=0)),
        )
        .join(Claim, Claim.window_id == ClaimWindow.id)
        .join(ClaimLine, and_(ClaimLine.claim_id == Claim.id, ClaimLine.state != REMOVED))
        .where(Claim.status.in_((SUBMITTED, RECONCILED)))
        .group_by(ClaimWindow.label, ClaimWindow.ends_on)
        .order_by(ClaimWindow.ends_on)
    ).all()
    by_window, by_year = [], {}
    for label, ends_on, claimed, paid, rejected, clawed, value, paid_value, clawed_value in rows:
        figures = dict(
            claimed=claimed, paid=paid or 0, rejected=rejected or 0, clawed_back=clawed or 0,
            claimed_value=value or 0, paid_value=paid_value or 0, clawed_back_value=clawed_value or 0,
        )
        by_window.append(Totals(label=label, **figures))
        year = rules.financial_year_label(rules.financial_year(ends_on))
        entry = by_year.setdefault(year, Totals(label=year))
        for key, value in figures.items():
            setattr(entry, key, getattr(entry, key) + value)
        entry.windows.append(label)
    return by_window, list(by_year.values())


@dataclass
class Drift:
    line: ClaimLine
    events: list[AuditEvent]


def drifted(claim: Claim) -> list[Drift]:
    """Lines whose family has changed since the line was frozen: audit events of the family newer than the line's
    data version, other than the claim's own."""
    lines = {line.family_id: line for line in claim.lines if line.is_included}
    if not lines:
        return []
    events = db.session.scalars(
        select(AuditEvent)
        .join(ClaimLine, and_(ClaimLine.family_id == AuditEvent.family_id, ClaimLine.claim_id == claim.id))
        .where(
            ClaimLine.state != REMOVED,
            AuditEvent.id > func.coalesce(ClaimLine.data_version, 0),
            AuditEvent.entity.not_in(CLAIM_ENTITIES),
        )
        .order_by(AuditEvent.family_id, AuditEvent.id)
    ).all()
    found: dict[int, list[AuditEvent]] = {}
    for event in events:
        found.setdefault(event.family_id, []).append(event)
    return [Drift(lines[fid], evs) for fid, evs in sorted(found.items(), key=lambda i: lines[i[0]].family_reference)]


def line_intact(line: ClaimLine) -> bool:
    """The line's stored snapshot still gives its hash. A snapshot whose one named person was erased (retention,
    an erasure request) keeps the line's original hash, which the claim's content hash covers, and carries a seal:
    the redacted snapshot must still be as the seal recorded (``retention.rules.redact_snapshot``)."""
    if retention_rules.is_sealed(line.snapshot):
        return retention_rules.seal_intact(line.snapshot, line.line_hash)
    return rules.line_hash(line.snapshot) == line.line_hash


def hash_intact(claim: Claim) -> bool:
    """The stored content hash still matches the lines' stored snapshots."""
    included = [line for line in claim.lines if line.is_included]
    if not all(line_intact(line) for line in included):
        return False
    return rules.content_hash([(line.family_reference, line.line_hash) for line in included]) == claim.content_hash
