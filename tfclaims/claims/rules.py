"""The claim rules as pure functions: the state machine, the audit sample, the content hash, the allocation cap and
the default quarterly windows. No Flask, no session.

The state machine (each step by one role):

    draft --send to audit (claims officer)--> in audit --sign off (manager)--> signed off
          --submit (claims officer)--> submitted --reconcile (claims officer)--> reconciled

Lines can be removed, or frozen again after a fix, only while the claim is a draft or in audit; from sign-off on
the claim is read-only, apart from the submission details and the department's verdict.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from tfclaims.auth.roles import Role
from tfclaims.claims.vocabulary import (
    CLAIM_STATUSES,
    DRAFT,
    FAIL,
    IN_AUDIT,
    PASS,
    QUERY,
    RECONCILED,
    SIGNED_OFF,
    SUBMITTED,
)
from tfclaims.engine.lists import ROUTES


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    source: str
    target: str
    role: Role


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("send_to_audit", "Send to internal audit", DRAFT, IN_AUDIT, Role.CLAIMS_OFFICER),
        Transition("sign_off", "Sign off", IN_AUDIT, SIGNED_OFF, Role.MANAGER),
        Transition("submit", "Record submission", SIGNED_OFF, SUBMITTED, Role.CLAIMS_OFFICER),
        Transition("reconcile", "Record the department's verdict", SUBMITTED, RECONCILED, Role.CLAIMS_OFFICER),
    )
}

EDITABLE = (DRAFT, IN_AUDIT)


def transition_problem(action: str, status: str, roles: set[Role]) -> str | None:
    """Why ``action`` is refused on a claim in ``status`` for a user with ``roles``; None when it is allowed."""
    step = TRANSITIONS.get(action)
    if step is None:
        return "That is not a step a claim can take."
    if status != step.source:
        return (
            f"A claim that is {CLAIM_STATUSES[status].lower()} cannot be changed that way: "
            f"only a claim that is {CLAIM_STATUSES[step.source].lower()} can."
        )
    if step.role not in roles:
        return f"Only a {step.role.label.lower()} can do that."
    return None


@dataclass(frozen=True)
class SampleLine:
    """What the audit sample rules need of a line: plain values, no model."""

    reference: str
    route: str
    included: bool = True  # still in the claim (not removed)
    sampled: bool = False
    sample_round: int | None = None  # 0 the first draw, 1, 2, ... a top-up
    verdict: str | None = None


def route_name(route: str) -> str:
    """ "the SSP route (significant and sustained progress)"."""
    words = ROUTES.get(route)
    return f"the {route} route ({words})" if words else f"the {route} route"


def sign_off_problem(lines: list[SampleLine]) -> str | None:
    """A claim is signed off only when every sampled line still in it has passed and every route still in it has
    at least one sampled line that passed. ``lines`` are the claim's lines (removed ones are ignored)."""
    included = [line for line in lines if line.included]
    sampled_verdicts = [line.verdict for line in included if line.sampled]
    if not sampled_verdicts:
        return "The claim has no sampled lines: send it to audit again to draw a sample."
    failed = sum(v == FAIL for v in sampled_verdicts)
    queried = sum(v == QUERY for v in sampled_verdicts)
    unchecked = sum(v not in (PASS, FAIL, QUERY) for v in sampled_verdicts)
    passed_routes = {line.route for line in included if line.sampled and line.verdict == PASS}
    unchecked_routes = sorted({line.route for line in included} - passed_routes)
    parts = []
    if failed:
        parts.append(f"{failed} failed (remove the line, or fix the family and re-freeze it for a new check)")
    if queried:
        parts.append(f"{queried} in query")
    if unchecked:
        parts.append(f"{unchecked} not checked yet")
    sentences = []
    if parts:
        sentences.append("The claim cannot be signed off while sampled lines are " + "; ".join(parts) + ".")
    if unchecked_routes:
        names = " and ".join(route_name(route) for route in unchecked_routes)
        where = f"in each of {names}" if len(unchecked_routes) > 1 else f"in {names}"
        lead = "It" if sentences else "The claim"
        sentences.append(
            f"{lead} cannot be signed off until internal audit has passed a sampled line {where}: every route in "
            "the claim needs at least one."
        )
    return " ".join(sentences) or None


def sample_size(count: int, percent: int) -> int:
    """``percent`` of ``count`` lines, rounded up, at least one (none of none)."""
    if count <= 0:
        return 0
    return min(count, max(1, math.ceil(count * percent / 100)))


def draw_sample(lines: list[tuple[str, str]], percent: int, seed: int) -> set[str]:
    """The audit sample: ``percent`` of each route's lines (at least one per route), drawn with a stored seed.

    ``lines`` are (family reference, route) pairs; the same lines, percentage and seed always give the same sample,
    whatever order they come in."""
    rng = random.Random(seed)
    by_route: dict[str, list[str]] = defaultdict(list)
    for reference, route in sorted(lines):
        by_route[route].append(reference)
    chosen: set[str] = set()
    for route in sorted(by_route):
        references = by_route[route]
        chosen.update(rng.sample(references, sample_size(len(references), percent)))
    return chosen


def top_up_sample(lines: list[SampleLine], percent: int, seed: int, sample_round: int) -> set[str]:
    """The lines to add to the audit sample after lines left the claim: in each route, enough of the lines still
    in the claim and not sampled to bring the route's sample back to ``percent`` of its lines (rounded up, at least
    one). Drawn with the claim's stored seed and the round number, so the same seed, round and lines always give
    the same top-up, whatever order the lines come in. Empty when nothing is missing."""
    rng = random.Random(f"{seed}:top-up:{sample_round}")
    in_sample: dict[str, int] = defaultdict(int)
    free: dict[str, list[str]] = defaultdict(list)
    for line in sorted(lines, key=lambda x: (x.route, x.reference)):
        if not line.included:
            continue
        if line.sampled:
            in_sample[line.route] += 1
        else:
            free[line.route].append(line.reference)
    chosen: set[str] = set()
    for route in sorted(set(in_sample) | set(free)):
        missing = sample_size(in_sample[route] + len(free[route]), percent) - in_sample[route]
        if missing > 0 and free[route]:
            chosen.update(rng.sample(free[route], min(missing, len(free[route]))))
    return chosen


@dataclass
class RouteSample:
    """The audit sample of one route as it really is."""

    route: str
    lines: int = 0  # lines still in the claim
    first_draw: int = 0  # lines drawn when the claim was sent to audit (whether still in the claim or not)
    topped_up: int = 0  # lines added by a top-up (likewise)
    removed: int = 0  # sampled lines since removed from the claim
    passed: int = 0
    failed: int = 0
    queried: int = 0
    not_checked: int = 0

    @property
    def in_sample(self) -> int:
        """Sampled lines still in the claim: first draw and top-ups, less those removed."""
        return self.passed + self.failed + self.queried + self.not_checked


def sample_report(lines: list[SampleLine]) -> list[RouteSample]:
    """Per route (in the usual order): lines in the claim, sampled at first draw, added by top-up, sampled lines
    removed, and the verdicts of the sampled lines still in the claim."""
    report: dict[str, RouteSample] = {}
    for line in lines:
        entry = report.setdefault(line.route, RouteSample(line.route))
        entry.lines += line.included
        if not line.sampled:
            continue
        if (line.sample_round or 0) == 0:
            entry.first_draw += 1
        else:
            entry.topped_up += 1
        if not line.included:
            entry.removed += 1
        elif line.verdict == PASS:
            entry.passed += 1
        elif line.verdict == FAIL:
            entry.failed += 1
        elif line.verdict == QUERY:
            entry.queried += 1
        else:
            entry.not_checked += 1
    order = {route: n for n, route in enumerate(ROUTES)}
    return sorted(report.values(), key=lambda r: (order.get(r.route, len(order)), r.route))


# ---------------------------------------------------------------- separation of duties


def check_duty_problem(user_id: int | None, built_by_id: int | None) -> str | None:
    """The person who built a claim cannot check its audit sample, whatever roles they hold."""
    if user_id is not None and user_id == built_by_id:
        return (
            "You built this claim, so you cannot record its audit checks: another internal auditor must check "
            "its sample."
        )
    return None


def sign_off_duty_problem(user_id: int | None, built_by_id: int | None, checked_by: set[int]) -> str | None:
    """The person who built a claim, or who recorded an audit check on it, cannot sign it off, whatever roles they
    hold: another manager must."""
    if user_id is None:
        return None
    if user_id == built_by_id:
        return "You built this claim, so you cannot sign it off: another manager must."
    if user_id in checked_by:
        return "You recorded an internal audit check on this claim, so you cannot sign it off: another manager must."
    return None


PHASE_RESULTS = {"SFO": "successful family outcomes"}


def phase_label(framework_name: str, routes: str) -> str:
    """The programme phase a claim belongs to, in words: "Troubled Families 2015-21: results",
    "Supporting Families 2022-25: successful family outcomes"."""
    kinds = {PHASE_RESULTS.get(route, "results") for route in (routes or "").split()} or {"results"}
    return f"{framework_name}: {' and '.join(sorted(kinds))}"


def canonical_json(value) -> str:
    """One spelling of a value: sorted keys, no spaces, dates as ISO text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def line_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()


def content_hash(lines: list[tuple[str, str]]) -> str:
    """The SHA-256 of a claim's lines: (family reference, line hash) pairs, in reference order."""
    text = "\n".join(f"{reference}:{digest}" for reference, digest in sorted(lines))
    return hashlib.sha256(text.encode()).hexdigest()


def allocation_problem(allocation: int, claimed: int, adding: int, label: str) -> str | None:
    """The allocation is the most results the council can be paid for in the period."""
    if claimed + adding <= allocation:
        return None
    left = max(allocation - claimed, 0)
    return (
        f"The allocation for {label} is {allocation:,} results and {claimed:,} are already claimed, so "
        f"{left:,} more can be claimed: you selected {adding:,}. Select {left:,} or fewer families."
    )


def financial_year(on: date) -> int:
    """The year a financial year starts in: 1 April 2026 to 31 March 2027 is 2026."""
    return on.year if on.month >= 4 else on.year - 1


def financial_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def quarter_windows(start_year: int) -> list[dict]:
    """The default calendar: one window per quarter of a financial year, each to be submitted by the end of the
    month after the quarter ends."""
    windows = []
    for number in range(4):
        month = 4 + 3 * number
        year = start_year + (month > 12)
        month = (month - 1) % 12 + 1
        starts_on = date(year, month, 1)
        end_month = month + 2
        ends_on = _month_end(year, end_month)
        deadline_year, deadline_month = (year + 1, 1) if end_month == 12 else (year, end_month + 1)
        windows.append(
            {
                "label": f"{financial_year_label(start_year)} Q{number + 1}",
                "starts_on": starts_on,
                "ends_on": ends_on,
                "submission_deadline": _month_end(deadline_year, deadline_month),
            }
        )
    return windows


def window_problem(starts_on: date, ends_on: date, deadline: date) -> tuple[str, str] | None:
    """(field, message) when a window's dates do not make sense."""
    if ends_on < starts_on:
        return "ends_on", "The end date must be on or after the start date"
    if deadline < ends_on:
        return "submission_deadline", "The submission deadline must be on or after the end date"
    return None


def claim_as_of(window_ends_on: date, today: date) -> date:
    """Families are judged as of the window's end, or today while the window has not ended."""
    return min(window_ends_on, today)


# Where a problem's outcome is evidenced, by the kind of success criterion that judged it.
OUTCOME_SOURCES = {
    "held_over_periods": "school",
    "held_below_over_periods": "school",
    "reduction": "police",
    "no_events": "police",
    "status_ended": "social_care",
    "manual": "practitioner",
    "continuous_employment": "dwp",
}


def outcome_source(kind: str | None, event_kinds: list[str] | None = None) -> str:
    """The evidence source of a problem's outcome: school exclusions come from schools, other events from police."""
    if kind in ("reduction", "no_events") and event_kinds and set(event_kinds) <= {"exclusion"}:
        return "school"
    return OUTCOME_SOURCES.get(kind or "", "practitioner")



WORKING_SUMMARY = (("working_lead_on", "lead practitioner"), ("working_assessed_on", "assessment"),
                   ("working_plan_on", "plan"), ("working_taf_on", "team around the family"))


def working_summary(family: dict) -> str:
    """A frozen line's whole-family working in a sentence: each element with its first date (ISO), or not recorded;
    a line frozen before the pathway was recorded says so."""
    if "working_lead_on" not in family:
        return "Not recorded when the line was frozen"
    parts = [f"{label} {family[key] or 'not recorded'}" for key, label in WORKING_SUMMARY]
    text = "; ".join(parts)
    return text[0].upper() + text[1:]
