"""Claim use cases: settings, windows, allocations, building a claim, the audit sample and checks, sign-off,
submission and the department's verdict. Services flush, never commit; every change writes audit events (row
changes by the mapper listeners, steps by ``record``)."""

from __future__ import annotations

import secrets
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tfclaims import clock
from tfclaims.audit.services import record
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.claims import queries, rules
from tfclaims.claims.models import (
    ACCEPTED,
    CLAWED_BACK,
    DISPOSITIONS,
    DRAFT,
    IN_AUDIT,
    INCLUDED,
    PASS,
    PIPELINE,
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
from tfclaims.db import as_utc, utcnow
from tfclaims.engine import lists
from tfclaims.engine import queries as engine_queries
from tfclaims.engine import store as engine_store
from tfclaims.engine.rules import WORKING_ELEMENTS, Verdicts
from tfclaims.errors import DomainError, DuplicateValueError, NotAllowedError
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES
from tfclaims.text import long_date

# ---------------------------------------------------------------- settings, windows, allocations


def update_settings(settings: ClaimSettings, *, earned_autonomy: bool, sample_percent: int) -> None:
    if not 1 <= sample_percent <= 100:
        raise DomainError("The audit sample must be between 1% and 100% of a claim's lines", field="sample_percent")
    changed = settings.earned_autonomy != earned_autonomy
    settings.earned_autonomy, settings.sample_percent = earned_autonomy, sample_percent
    db.session.flush()
    if changed:
        record(
            db.session,
            "earned_autonomy_on" if earned_autonomy else "earned_autonomy_off",
            "claim_settings",
            settings.id,
            "Earned Autonomy switched on: claims switched off"
            if earned_autonomy
            else "Earned Autonomy switched off: claims switched on",
        )


def _check_window(label: str, starts_on: date, ends_on: date, deadline: date, window: ClaimWindow | None) -> None:
    problem = rules.window_problem(starts_on, ends_on, deadline)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    if queries.window_label_taken(label, window.id if window else None):
        raise DuplicateValueError("A claim window with this name already exists", field="label")
    overlapping = queries.overlapping_window(starts_on, ends_on, window.id if window else None)
    if overlapping:
        raise DomainError(
            f"The window overlaps {overlapping.label} ({long_date(overlapping.starts_on)} to "
            f"{long_date(overlapping.ends_on)}): windows cannot overlap",
            field="starts_on",
        )


def save_window(window: ClaimWindow | None, *, label: str, starts_on: date, ends_on: date,
                submission_deadline: date) -> ClaimWindow:
    _check_window(label, starts_on, ends_on, submission_deadline, window)
    if window is not None and window.claims and (starts_on, ends_on) != (window.starts_on, window.ends_on):
        raise NotAllowedError("The window already has a claim, so its dates cannot change", field="starts_on")
    if window is None:
        window = ClaimWindow()
        db.session.add(window)
    window.label, window.starts_on, window.ends_on = label, starts_on, ends_on
    window.submission_deadline = submission_deadline
    db.session.flush()
    return window


def add_quarter_windows(start_year: int) -> list[ClaimWindow]:
    """The default calendar for a financial year: one window per quarter. Quarters already covered are skipped."""
    added = []
    for spec in rules.quarter_windows(start_year):
        if queries.window_label_taken(spec["label"], None) or queries.overlapping_window(
            spec["starts_on"], spec["ends_on"], None
        ):
            continue
        window = ClaimWindow(**spec)
        db.session.add(window)
        added.append(window)
    if not added:
        raise DomainError(
            f"Every quarter of {rules.financial_year_label(start_year)} already has a claim window", field="year"
        )
    db.session.flush()
    return added


def delete_window(window: ClaimWindow) -> None:
    if window.claims:
        raise NotAllowedError("A window with a claim cannot be deleted")
    db.session.delete(window)
    db.session.flush()


def save_allocation(allocation: Allocation | None, *, label: str, starts_on: date, ends_on: date,
                    results: int) -> Allocation:
    if ends_on < starts_on:
        raise DomainError("The end date must be on or after the start date", field="ends_on")
    if results < 0:
        raise DomainError("The allocation must be 0 or more results", field="results")
    if queries.allocation_label_taken(label, allocation.id if allocation else None):
        raise DuplicateValueError("An allocation with this name already exists", field="label")
    overlapping = queries.overlapping_allocation(starts_on, ends_on, allocation.id if allocation else None)
    if overlapping:
        raise DomainError(f"The period overlaps the allocation {overlapping.label}", field="starts_on")
    if allocation is None:
        allocation = Allocation()
        db.session.add(allocation)
    allocation.label, allocation.starts_on, allocation.ends_on, allocation.results = label, starts_on, ends_on, results
    db.session.flush()
    if allocation.results < (claimed := queries.results_claimed(allocation)):
        raise DomainError(
            f"{claimed:,} results are already claimed in this period: the allocation cannot be less", field="results"
        )
    return allocation


# ---------------------------------------------------------------- building a claim


def candidates(window: ClaimWindow, today: date) -> tuple[date, pd.DataFrame | None]:
    """The families the engine finds claimable as of the window's end (or today) and no claim of the programme
    phase of their attachment holds yet, from the stored verdicts as of that date (``engine.store``); None while
    they are being worked out."""
    as_of = rules.claim_as_of(window.ends_on, today)
    stored = engine_store.stored_verdicts(as_of)
    if stored is None:
        return as_of, None
    return as_of, lists.ready_to_claim(stored.verdicts, as_of, claimed=queries.held_lines())


def candidates_judged_now(window: ClaimWindow, today: date) -> tuple[date, pd.DataFrame]:
    """The same list, judged now over the whole cohort (the demo's seeding, which runs no job queue)."""
    as_of = rules.claim_as_of(window.ends_on, today)
    verdicts = engine_queries.evaluate_cohort(as_of)
    return as_of, lists.ready_to_claim(verdicts, as_of, claimed=queries.held_lines())


def _judged(window: ClaimWindow, today: date, family_ids: list[int]) -> tuple[date, Verdicts, pd.DataFrame]:
    """The claim's as-of date, the engine's verdicts on the selected families that day (judged now, from their
    records: a claim never rests on a stored verdict), and those of them on offer: claimable, and not held by a
    claim of the phase (framework) they are attached under."""
    as_of = rules.claim_as_of(window.ends_on, today)
    # Only ids a row could have (a posted id may be anything): the others are no family, and refused below.
    possible = sorted({int(f) for f in family_ids if 0 < int(f) < 2**31})
    verdicts = engine_queries.evaluate_cohort(as_of, possible)
    ready = lists.ready_to_claim(verdicts, as_of, claimed=queries.held_lines())
    return as_of, verdicts, ready


def _open_for_building(window: ClaimWindow, today: date) -> None:
    if today < window.starts_on:
        raise NotAllowedError(
            f"The window {window.label} has not started yet: it starts on {long_date(window.starts_on)}"
        )
    if today > window.submission_deadline:
        raise NotAllowedError(
            f"The window {window.label} closed for claims on {long_date(window.submission_deadline)}"
        )


def _snapshots(verdicts: Verdicts, family_ids: list[int], as_of: date) -> dict[int, dict]:
    """Each family's frozen content, all from the engine's verdicts: its verdict, every problem's verdict, evidence
    and recurrence, the eligibility evidence, the national settings it was judged under and, on the CE route, the
    adult in work (whose name is the one thing read here)."""
    families = verdicts.families[verdicts.families["family_id"].isin(family_ids)]
    problems = verdicts.problems[verdicts.problems["family_id"].isin(family_ids)]
    problems = problems.sort_values(["family_id", "problem_number"])
    eligibility = verdicts.eligibility
    eligibility = eligibility[eligibility["attachment_id"].isin(families["attachment_id"])]
    found: dict[int, list[dict]] = {}
    for e in engine_queries.records(eligibility):
        source = e.get("evidence_source")
        found.setdefault(e["attachment_id"], []).append(
            {
                "problem_number": e["problem_number"],
                "problem_name": e["problem_name"],
                "descriptor_code": e.get("descriptor_code"),
                "descriptor_wording": e.get("descriptor_wording"),
                "evidence_source": source,
                "evidence_source_label": EVIDENCE_SOURCES.get(source, source),
                "evidence_date": _iso(e.get("evidence_date")),
            }
        )
    by_family: dict[int, list[dict]] = {}
    for p in engine_queries.records(problems):
        kind = p.get("kind")
        source = rules.outcome_source(kind, list(p.get("event_kinds") or ()))
        by_family.setdefault(p["family_id"], []).append(
            {
                "problem_number": p["problem_number"],
                "problem_name": p["problem_name"],
                "kind": kind or "",
                "wording": p.get("wording") or "",
                "status_label": p["status_label"],
                "status_on": _iso(p["status_on"]),
                "sustained_on": _iso(p["sustained_on"]),
                "recurred_on": _iso(p.get("recurred_on")),
                "reason": p["reason"],
                "evidence": p["evidence"],
                "identified_after_attachment": bool(p["identified_after_attachment"]),
                "members": int(p["members"] or 0),
                "outcome_source": source,
                "outcome_source_label": EVIDENCE_SOURCES[source],
            }
        )
    adults = queries.adults({int(m) for m in families["ce_member_id"].dropna()})
    snapshots = {}
    for f in engine_queries.records(families):
        adult = adults.get(int(f["ce_member_id"])) if f.get("ce_member_id") is not None else None
        snapshots[f["family_id"]] = {
            "as_of": as_of.isoformat(),
            "family": {
                key: _iso(f[key])
                for key in (
                    "reference", "team", "lead_practitioner", "attachment_id", "attached_on", "closed_on",
                    "closure_reason", "framework", "plan_version_id", "plan_label", "route", "claimable_on",
                    "problems", "problems_sustained", "reason",
                )
            }
            # Whole-family working, element by element with its first date (the auditor's check answered from the
            # records); required for a claim under 2022-25, shown under 2015-21.
            | {key: _iso(f.get(key)) for key in WORKING_KEYS}
            | {"whole_family_working": bool(f.get("whole_family_working") or False)},
            "problems": by_family.get(f["family_id"], []),
            "eligibility": found.get(f["attachment_id"], []),
            "settings": f.get("settings") or {},
            "adult": adult,
        }
    return snapshots


WORKING_KEYS = tuple(f"working_{element}" for element in WORKING_ELEMENTS)


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _lock_allocation(window: ClaimWindow) -> Allocation | None:
    """The allocation covering the window, locked until the transaction ends (PostgreSQL), so that two claims
    built at once cannot both fit under the cap."""
    allocation = queries.allocation_for(window.ends_on)
    if allocation is not None:
        db.session.execute(select(Allocation.id).where(Allocation.id == allocation.id).with_for_update())
    return allocation


def build_claim(window: ClaimWindow, family_ids: list[int], user: User, today: date) -> Claim:
    """A draft claim of the selected families, each line frozen as the engine judges it now."""
    if queries.settings().earned_autonomy:
        raise NotAllowedError("The council is in Earned Autonomy: it makes no payment-by-results claims")
    _open_for_building(window, today)
    if not family_ids:
        raise DomainError("Select at least one family to claim for", field="families")
    as_of, verdicts, ready = _judged(window, today, family_ids)
    offered = ready.set_index("family_id")
    missing = [fid for fid in family_ids if fid not in offered.index]
    if missing:
        raise DomainError(
            f"{len(missing)} of the selected families can no longer be claimed (claimed in another claim of the "
            "same programme phase, or no longer found claimable): look at the list again and build the claim "
            "from it",
            field="families",
        )
    allocation = _lock_allocation(window)
    if allocation is not None:
        problem = rules.allocation_problem(
            allocation.results, queries.results_claimed(allocation), len(family_ids), allocation.label
        )
        if problem:
            raise DomainError(problem, field="families")

    snapshots = _snapshots(verdicts, family_ids, as_of)
    versions = queries.data_versions(family_ids)
    payments = queries.result_payments({s["family"]["framework"] for s in snapshots.values()})
    now = utcnow()
    claim = Claim(
        window_id=window.id,
        reference=queries.next_reference(window),
        status=DRAFT,
        as_of=as_of,
        built_by_id=user.id,
        built_at=now,
    )
    lines = []
    for fid in family_ids:
        snapshot = snapshots[fid]
        snapshot["result_payment_pence"] = payments.get(snapshot["family"]["framework"], 0)
        lines.append(ClaimLine(state=INCLUDED, holds_family=True, **_frozen(fid, snapshot, versions.get(fid), now)))
    claim.content_hash = rules.content_hash([(line.family_reference, line.line_hash) for line in lines])
    try:
        with db.session.begin_nested():
            db.session.add(claim)
            db.session.flush()
            for line in lines:
                line.claim_id = claim.id
            db.session.add_all(lines)
            db.session.flush()
    except IntegrityError as exc:
        taken = queries.held_references({fid: snapshots[fid]["family"]["framework"] for fid in family_ids})
        if taken:
            raise DuplicateValueError(
                f"{len(taken)} of the selected families ({', '.join(taken[:5])}{', ...' if len(taken) > 5 else ''}) "
                "were put in another claim of the same programme phase while you were building this one. Nothing "
                "was saved: look at the list again and build the claim from it.",
                field="families",
            ) from exc
        raise DuplicateValueError(
            "Another claim was built for this window at the same moment. Nothing was saved: build the claim again.",
            field="families",
        ) from exc
    record(
        db.session,
        "claim_built",
        "claim",
        claim.id,
        f"Claim {claim.reference} built with {len(lines):,} families as of {long_date(as_of)}",
        {"families": len(lines), "content_hash": claim.content_hash},
    )
    db.session.expire(claim, ["lines"])
    return claim


def _frozen(family_id: int, snapshot: dict, version: int | None, now) -> dict:
    """A line's frozen columns, from its snapshot."""
    f = snapshot["family"]
    return dict(
        family_id=family_id,
        attachment_id=f["attachment_id"],
        family_reference=f["reference"],
        route=f["route"],
        plan_version_id=f["plan_version_id"],
        plan_label=f["plan_label"],
        framework=f["framework"],
        attached_on=date.fromisoformat(f["attached_on"]),
        claimable_on=date.fromisoformat(f["claimable_on"]),
        result_payment_pence=snapshot["result_payment_pence"],
        snapshot=snapshot,
        line_hash=rules.line_hash(snapshot),
        data_version=version,
        frozen_at=now,
    )


def discard_draft(claim: Claim, user: User) -> None:
    """Delete a draft claim built by mistake: its families go back to the pipeline. Only drafts can go."""
    if claim.status != DRAFT:
        raise NotAllowedError(
            f"The claim is {claim.status_label.lower()}: only a draft can be deleted. Remove families from it instead."
        )
    if not user.has_role(Role.CLAIMS_OFFICER):
        raise NotAllowedError("Only a claims officer can do that.")
    record(
        db.session, "claim_discarded", "claim", claim.id,
        f"Draft claim {claim.reference} deleted with {sum(line.is_included for line in claim.lines):,} families",
        {"content_hash": claim.content_hash},
    )
    db.session.delete(claim)
    db.session.flush()


def _rehash(claim: Claim) -> None:
    claim.content_hash = rules.content_hash(
        [(line.family_reference, line.line_hash) for line in claim.lines if line.is_included]
    )


def _editable(claim: Claim) -> None:
    if claim.status not in rules.EDITABLE:
        raise NotAllowedError(f"The claim is {claim.status_label.lower()}: its lines can no longer change")


def remove_line(line: ClaimLine, reason: str) -> None:
    """Take a family out of a draft claim or one in audit; the family returns to the pipeline. In audit, the sample
    is topped up when the line leaves a route short (``top_up_sample``)."""
    claim = line.claim
    _editable(claim)
    if not line.is_included:
        raise NotAllowedError("The family has already been removed from the claim")
    if not reason.strip():
        raise DomainError("Enter why the family is removed from the claim", field="reason")
    line.state, line.holds_family, line.state_reason = REMOVED, False, reason.strip()
    _rehash(claim)
    db.session.flush()
    record(
        db.session, "claim_line_removed", "claim_line", line.id,
        f"{line.family_reference} removed from claim {claim.reference}",
        {"reason": reason.strip(), "sampled": bool(line.sampled), "audit_verdict": line.audit_verdict},
        family_id=line.family_id,
    )
    top_up_sample(claim, after=line)


def top_up_sample(claim: Claim, after: ClaimLine | None = None) -> list[ClaimLine]:
    """Keep the audit sample whole: while the claim is in audit, every route still in it keeps at least one sampled
    line and the sample keeps its percentage of the lines still in the claim. Missing lines are drawn from the
    claim's stored seed with the next round number (``rules.top_up_sample``), so the same seed and lines always
    give the same top-up. Returns the lines added (none when nothing was missing)."""
    if claim.status != IN_AUDIT or claim.sample_seed is None:
        return []
    sample_round = max((line.sample_round or 0 for line in claim.lines if line.sampled), default=0) + 1
    chosen = rules.top_up_sample(queries.sample_lines(claim), claim.sample_percent or 0, claim.sample_seed,
                                 sample_round)
    if not chosen:
        return []
    added = [line for line in claim.lines if line.is_included and line.family_reference in chosen]
    for line in added:
        line.sampled, line.sample_round = True, sample_round
    db.session.flush()
    words = ", ".join(f"{line.family_reference} ({line.route})" for line in added)
    because = f" after {after.family_reference} was removed" if after is not None else ""
    record(
        db.session, "claim_sample_topped_up", "claim", claim.id,
        f"Audit sample of claim {claim.reference} topped up{because}: {words}",
        {"round": sample_round, "seed": claim.sample_seed, "percent": claim.sample_percent,
         "added": [line.family_reference for line in added],
         "removed": after.family_reference if after is not None else None},
    )
    for line in added:
        record(
            db.session, "claim_line_sampled", "claim_line", line.id,
            f"{line.family_reference} added to the audit sample of claim {claim.reference} (top-up {sample_round})",
            {"round": sample_round}, family_id=line.family_id,
        )
    return added


def refreeze_line(line: ClaimLine) -> None:
    """Freeze the line again from the family's records as they are now (after a fix): its audit check starts again."""
    claim = line.claim
    _editable(claim)
    if not line.is_included:
        raise NotAllowedError("The family has been removed from the claim")
    verdicts = engine_queries.evaluate_family(line.family_id, claim.as_of)
    row = verdicts.families[verdicts.families["family_id"] == line.family_id]
    if row.empty or not bool(row["claimable"].iloc[0]):
        blockers = "" if row.empty else str(row["blockers"].iloc[0])
        raise DomainError(
            f"{line.family_reference} is not claimable as of {long_date(claim.as_of)} any more, so the line cannot "
            f"be frozen again. {blockers} Remove it from the claim instead.".strip()
        )
    snapshot = _snapshots(verdicts, [line.family_id], claim.as_of)[line.family_id]
    snapshot["result_payment_pence"] = line.result_payment_pence
    old_hash = line.line_hash
    version = queries.data_versions([line.family_id]).get(line.family_id)
    for column, value in _frozen(line.family_id, snapshot, version, utcnow()).items():
        setattr(line, column, value)
    if line.sampled:
        line.check_eligible = line.check_whole_family = line.check_evidenced = None
        line.audit_verdict, line.audited_by_id, line.audited_at = None, None, None
    _rehash(claim)
    db.session.flush()
    record(
        db.session, "claim_line_refrozen", "claim_line", line.id,
        f"{line.family_reference} frozen again in claim {claim.reference}",
        {"line_hash": [old_hash, line.line_hash]}, family_id=line.family_id,
    )


# ---------------------------------------------------------------- the steps


def _step(claim: Claim, action: str, user: User) -> None:
    problem = rules.transition_problem(action, claim.status, user.roles)
    if problem:
        raise NotAllowedError(problem)
    if queries.settings().earned_autonomy:
        raise NotAllowedError("The council is in Earned Autonomy: claims are switched off")


def _transition(claim: Claim, action: str, summary: str, changes: dict | None = None) -> None:
    before = claim.status
    claim.status = rules.TRANSITIONS[action].target
    db.session.flush()
    record(
        db.session, f"claim_{action}", "claim", claim.id, summary,
        {"status": [before, claim.status]} | (changes or {}),
    )


def send_to_audit(claim: Claim, user: User, seed: int | None = None) -> None:
    """Draw the audit sample (stored seed, the settings' percentage, stratified by route) and hand the claim over."""
    _step(claim, "send_to_audit", user)
    included = [line for line in claim.lines if line.is_included]
    if not included:
        raise NotAllowedError("The claim has no families left: there is nothing to audit")
    claim.sample_seed = secrets.randbelow(2**31) if seed is None else seed
    claim.sample_percent = queries.settings().sample_percent
    chosen = rules.draw_sample([(line.family_reference, line.route) for line in included], claim.sample_percent,
                               claim.sample_seed)
    for line in claim.lines:
        line.sampled = line.family_reference in chosen and line.is_included
        line.sample_round = 0 if line.sampled else None
    claim.sent_to_audit_at = utcnow()
    _transition(
        claim, "send_to_audit",
        f"Claim {claim.reference} sent to internal audit: {len(chosen)} of {len(included)} families sampled",
        {"sample_seed": claim.sample_seed, "sample_percent": claim.sample_percent, "sampled": len(chosen)},
    )


def record_check(line: ClaimLine, user: User, *, eligible: bool, whole_family: bool, evidenced: bool,
                 verdict: str, note: str) -> None:
    claim = line.claim
    if claim.status != IN_AUDIT:
        raise NotAllowedError(
            f"The claim is {claim.status_label.lower()}: audit checks are recorded while it is in audit"
        )
    if not line.sampled or not line.is_included:
        raise NotAllowedError("This family is not in the audit sample")
    duty = rules.check_duty_problem(user.id, claim.built_by_id)
    if duty:
        raise NotAllowedError(duty)
    if verdict == PASS and not (eligible and whole_family and evidenced):
        raise DomainError("A family passes only when all three checks are met: choose fail or query", field="verdict")
    if verdict != PASS and not note.strip():
        raise DomainError("Enter a note saying what failed or what is queried", field="note")
    line.check_eligible, line.check_whole_family, line.check_evidenced = eligible, whole_family, evidenced
    line.audit_verdict, line.audit_note = verdict, note.strip()
    line.audited_by_id, line.audited_at = user.id, utcnow()
    db.session.flush()
    record(
        db.session, "claim_line_checked", "claim_line", line.id,
        f"Audit check of {line.family_reference} in claim {claim.reference}: {verdict}",
        {"verdict": verdict, "auditor_id": user.id}, family_id=line.family_id,
    )


def sign_off(claim: Claim, user: User) -> None:
    _step(claim, "sign_off", user)
    problem = sign_off_refusal(claim, user)
    if problem:
        raise NotAllowedError(problem)
    _rehash(claim)
    claim.signed_off_by_id, claim.signed_off_at = user.id, utcnow()
    _transition(claim, "sign_off", f"Claim {claim.reference} signed off by {user.name}",
                {"content_hash": claim.content_hash})


def sign_off_refusal(claim: Claim, user: User) -> str | None:
    """Why ``user`` cannot sign the claim off now, other than its status and their roles: they built it or checked
    its sample (separation of duties), or the sample is not passed in full."""
    return rules.sign_off_duty_problem(user.id, claim.built_by_id, queries.checked_by(claim)) or rules.sign_off_problem(
        queries.sample_lines(claim)
    )


def check_refusal(claim: Claim, user: User) -> str | None:
    """Why ``user`` cannot record audit checks on the claim: they built it (separation of duties)."""
    return rules.check_duty_problem(user.id, claim.built_by_id)


def submit(claim: Claim, user: User, *, submitted_on: date, department_reference: str, today: date) -> None:
    _step(claim, "submit", user)
    if submitted_on > today:
        raise DomainError("The submission date must be today or in the past", field="submitted_on")
    if claim.signed_off_at and submitted_on < clock.day_of(as_utc(claim.signed_off_at)):
        raise DomainError("The submission date must be on or after the sign-off date", field="submitted_on")
    claim.submitted_by_id, claim.submitted_on = user.id, submitted_on
    claim.department_reference = department_reference.strip()
    _transition(claim, "submit", f"Claim {claim.reference} submitted on {long_date(submitted_on)}")


def record_outcome(line: ClaimLine, *, outcome: str, reason: str, disposition: str) -> None:
    """The department rejected a family, or clawed its result back after a spot check."""
    claim = line.claim
    if claim.status not in (SUBMITTED, RECONCILED):
        raise NotAllowedError("The department's verdict is recorded once the claim has been submitted")
    if outcome not in (REJECTED, CLAWED_BACK):
        raise DomainError("Choose rejected or clawed back", field="outcome")
    if outcome == REJECTED and claim.status == RECONCILED:
        raise DomainError("The claim is reconciled: a result can now only be clawed back", field="outcome")
    if outcome == CLAWED_BACK and claim.status == SUBMITTED:
        raise DomainError("A result is clawed back after it was accepted: record a rejection instead",
                          field="outcome")
    allowed = (INCLUDED,) if claim.status == SUBMITTED else (ACCEPTED,)
    if line.state not in allowed:
        raise NotAllowedError(f"The department's verdict on {line.family_reference} is already recorded")
    if not reason.strip():
        raise DomainError("Enter the department's reason", field="reason")
    if disposition not in DISPOSITIONS:
        raise DomainError("Choose what happens to the family", field="disposition")
    before = line.state
    line.state, line.state_reason, line.disposition = outcome, reason.strip(), disposition
    line.holds_family = disposition != PIPELINE
    db.session.flush()
    record(
        db.session, f"claim_line_{outcome}", "claim_line", line.id,
        f"{line.family_reference} {'rejected' if outcome == REJECTED else 'clawed back'} in claim {claim.reference}",
        {"state": [before, outcome], "disposition": disposition}, family_id=line.family_id,
    )


def reconcile(claim: Claim, user: User) -> None:
    """The department's verdict is in: every line not rejected is accepted."""
    _step(claim, "reconcile", user)
    accepted = 0
    for line in claim.lines:
        if line.state == INCLUDED:
            line.state = ACCEPTED
            accepted += 1
    claim.reconciled_by_id, claim.reconciled_at = user.id, utcnow()
    _transition(claim, "reconcile", f"Claim {claim.reference} reconciled: {accepted:,} results accepted",
                {"accepted": accepted})

