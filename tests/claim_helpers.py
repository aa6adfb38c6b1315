"""Builders for claim tests: a claim window, a claim and its frozen lines, made directly through the ORM.

Each line belongs to a real family, attachment and published plan version (``tests.factories``,
``tests.progress_helpers.attach``), and its snapshot is built from them in the shape ``claims/README.md`` describes,
with the line hash and the claim's content hash from ``tfclaims.claims.rules``. Like the other builders they
commit, which inside a test is only a savepoint.

    claim = make_claim(["SSP", "CE", {"route": "SSP", "state": "removed"}], status=SIGNED_OFF)
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from tests import factories
from tests.progress_helpers import attach
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.claims import rules
from tfclaims.claims.models import (
    ACCEPTED,
    DRAFT,
    IN_AUDIT,
    INCLUDED,
    PASS,
    PIPELINE,
    RECONCILED,
    REMOVED,
    SIGNED_OFF,
    SUBMITTED,
    Claim,
    ClaimLine,
    ClaimWindow,
)
from tfclaims.engine.kinds import STATUSES
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES
from tfclaims.text import long_date

_seq = itertools.count(1)
ORDER = [DRAFT, IN_AUDIT, SIGNED_OFF, SUBMITTED, RECONCILED]

# A claim in the second quarter of 2020-21, for families attached in June 2019 and claimable in July 2020.
WINDOW = {"starts_on": date(2020, 7, 1), "ends_on": date(2020, 9, 30), "submission_deadline": date(2020, 10, 31)}
ATTACHED_ON = date(2019, 6, 3)
CLAIMABLE_ON = date(2020, 7, 17)
PROGRESS_ON = date(2020, 3, 2)


def make_window(label: str | None = None, **dates) -> ClaimWindow:
    window = ClaimWindow(label=label or f"2020-21 Q2 ({next(_seq)})", **(WINDOW | dates))
    db.session.add(window)
    db.session.commit()
    return window


def _problem(ip, version, route: str, spec: dict) -> dict:
    """One problem's frozen verdict: sustained on the SSP route; still progressing on the CE route, whose result
    is the adult's employment."""
    criterion = next((c for c in version.criteria if c.problem_id == ip.problem_id), None)
    kind = criterion.kind if criterion else "manual"
    event_kinds = (criterion.parameters or {}).get("event_kinds") if criterion else None
    source = rules.outcome_source(kind, event_kinds)
    sustained = route != "CE"
    status = "sustained" if sustained else "progressing"
    on = CLAIMABLE_ON if sustained else PROGRESS_ON
    wording = criterion.wording if criterion else "The lead practitioner's evidence is accepted"
    return {
        "problem_number": ip.problem.number,
        "problem_name": ip.problem.name,
        "kind": kind,
        "wording": wording,
        "status_label": STATUSES[status],
        "status_on": on.isoformat(),
        "sustained_on": on.isoformat() if sustained else None,
        "reason": spec.get("reason") or f"{wording}: {STATUSES[status].lower()} on {long_date(on)}.",
        "evidence": spec.get("evidence") or "3 periods recorded since attachment, for 1 member.",
        "identified_after_attachment": ip.identified_after_attachment,
        "members": 1,
        "outcome_source": source,
        "outcome_source_label": EVIDENCE_SOURCES[source],
    }


def snapshot_for(family, attachment, version, route: str, as_of: date, spec: dict | None = None) -> dict:
    """A line's snapshot, as a claim build would freeze it, from the family's real attachment."""
    spec = spec or {}
    identified = sorted(attachment.problems, key=lambda ip: ip.problem.number)
    problems = [_problem(ip, version, route, spec) for ip in identified]
    sustained = sum(p["sustained_on"] is not None for p in problems)
    adult = None
    if route == "CE":
        member = family.members[0]
        adult = {
            "member_id": member.id,
            "name": f"{member.forenames} {member.surname}",
            "date_of_birth": member.date_of_birth.isoformat(),
        }
    reason = (
        f"Every problem sustained by {long_date(CLAIMABLE_ON)}."
        if route == "SSP"
        else f"An adult in continuous employment from {long_date(CLAIMABLE_ON)}."
    )
    return {
        "as_of": as_of.isoformat(),
        "family": {
            "reference": family.reference,
            "team": family.team,
            "lead_practitioner": family.lead_practitioner,
            "attachment_id": attachment.id,
            "attached_on": attachment.attached_on.isoformat(),
            "closed_on": None,
            "closure_reason": None,
            "framework": version.plan.framework.code,
            "plan_version_id": version.id,
            "plan_label": version.label,
            "route": route,
            "claimable_on": CLAIMABLE_ON.isoformat(),
            "problems": len(problems),
            "problems_sustained": sustained,
            "reason": reason,
            # Whole-family working as the engine dates it (a week, three, four and five weeks after attachment).
            "whole_family_working": True,
            "working_lead_on": (attachment.attached_on + timedelta(days=7)).isoformat(),
            "working_assessed_on": (attachment.attached_on + timedelta(days=21)).isoformat(),
            "working_plan_on": (attachment.attached_on + timedelta(days=28)).isoformat(),
            "working_taf_on": (attachment.attached_on + timedelta(days=35)).isoformat(),
        },
        "problems": problems,
        "eligibility": [
            {
                "problem_number": ip.problem.number,
                "problem_name": ip.problem.name,
                "descriptor_code": ip.descriptor.code,
                "descriptor_wording": ip.descriptor.text,
                "evidence_source": ip.evidence_source,
                "evidence_source_label": EVIDENCE_SOURCES[ip.evidence_source],
                "evidence_date": ip.evidence_date.isoformat(),
            }
            for ip in identified
        ],
        "adult": adult,
        "result_payment_pence": version.plan.framework.result_payment_pence,
    }


def make_claim(
    lines=("SSP", "SSP", "CE"),
    *,
    status: str = DRAFT,
    reference: str | None = None,
    window: ClaimWindow | None = None,
    version=None,
    as_of: date = WINDOW["ends_on"],
    sample_percent: int = 10,
    sample_seed: int = 20201001,
    department_reference: str = "DLUHC-2020-Q2-0042",
    users: dict | None = None,
) -> Claim:
    """A claim of ``lines`` with the fields a claim at ``status`` has.

    A line is a route ("SSP" or "CE") or a dict: ``route``, ``reference`` (the family's), ``problems`` (headline
    problem numbers, default 2 and 4), ``state`` (default included; removed lines stop holding their family),
    ``state_reason``, ``sampled`` (default: drawn by ``rules.draw_sample`` once the claim is sent to audit),
    ``sample_round`` (default 0, the first draw),
    ``audit_verdict`` (default pass once signed off), ``audit_note``, ``checks`` (the three answers), ``team``,
    ``lead_practitioner``, ``reason`` and ``evidence`` (every problem's)."""
    users = users or {}
    officer = users.get(Role.CLAIMS_OFFICER) or factories.make_user(Role.CLAIMS_OFFICER)
    version = version or factories.make_published_plan()
    window = window or make_window()
    n = next(_seq)
    reached = ORDER.index(status)
    built_at = datetime(2020, 10, 1, 9, 30, tzinfo=UTC)
    claim = Claim(
        window_id=window.id,
        reference=reference or f"BRK-2020-21-Q2-{n:03d}",
        status=status,
        as_of=as_of,
        built_by_id=officer.id,
        built_at=built_at,
        department_reference="",
    )
    db.session.add(claim)
    db.session.flush()

    specs = [{"route": spec} if isinstance(spec, str) else dict(spec) for spec in lines]
    made: list[tuple[ClaimLine, dict]] = []
    for spec in specs:
        route = spec.get("route", "SSP")
        family = factories.make_family(
            reference=spec.get("reference"),
            members=4,
            team=spec.get("team", "North locality"),
            lead_practitioner=spec.get("lead_practitioner", "Sam Keyworker"),
        )
        attachment = attach(
            family, version, attached_on=ATTACHED_ON, problem_numbers=tuple(spec.get("problems", (2, 4)))
        )
        snapshot = snapshot_for(family, attachment, version, route, as_of, spec)
        state = spec.get("state", INCLUDED)
        data_version = db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.family_id == family.id))
        line = ClaimLine(
            claim_id=claim.id,
            family_id=family.id,
            attachment_id=attachment.id,
            family_reference=family.reference,
            route=route,
            plan_version_id=version.id,
            plan_label=version.label,
            framework=snapshot["family"]["framework"],
            attached_on=attachment.attached_on,
            claimable_on=CLAIMABLE_ON,
            result_payment_pence=snapshot["result_payment_pence"],
            snapshot=snapshot,
            line_hash=rules.line_hash(snapshot),
            data_version=data_version,
            frozen_at=built_at,
            state=state,
            holds_family=state != REMOVED and spec.get("disposition") != PIPELINE,
            state_reason=spec.get("state_reason", ""),
            disposition=spec.get("disposition"),
        )
        db.session.add(line)
        made.append((line, spec))
    db.session.flush()

    included = [(line, spec) for line, spec in made if line.state != REMOVED]
    claim.content_hash = rules.content_hash([(line.family_reference, line.line_hash) for line, _ in included])

    if reached >= ORDER.index(IN_AUDIT):
        auditor = users.get(Role.AUDITOR) or factories.make_user(Role.AUDITOR)
        claim.sent_to_audit_at = datetime(2020, 10, 2, 14, 0, tzinfo=UTC)
        claim.sample_seed = sample_seed
        claim.sample_percent = sample_percent
        drawn = rules.draw_sample(
            [(line.family_reference, line.route) for line, _ in included], sample_percent, sample_seed
        )
        for line, spec in made:
            line.sampled = spec.get("sampled", line.family_reference in drawn)
            if not line.sampled:
                continue
            line.sample_round = spec.get("sample_round", 0)
            verdict = spec.get("audit_verdict", PASS if reached >= ORDER.index(SIGNED_OFF) else None)
            if verdict is None:
                continue
            checks = spec.get("checks", (True, True, True) if verdict == PASS else (True, True, False))
            line.check_eligible, line.check_whole_family, line.check_evidenced = checks
            line.audit_verdict = verdict
            line.audit_note = spec.get("audit_note", "Evidence seen on the case file.")
            line.audited_by_id = auditor.id
            line.audited_at = datetime(2020, 10, 5, 11, 15, tzinfo=UTC)
    if reached >= ORDER.index(SIGNED_OFF):
        manager = users.get(Role.MANAGER) or factories.make_user(Role.MANAGER, name="Morgan Manager")
        claim.signed_off_by_id = manager.id
        claim.signed_off_at = datetime(2020, 10, 9, 16, 45, tzinfo=UTC)
    if reached >= ORDER.index(SUBMITTED):
        claim.submitted_by_id = officer.id
        claim.submitted_on = date(2020, 10, 20)
        claim.department_reference = department_reference
    if reached >= ORDER.index(RECONCILED):
        claim.reconciled_by_id = officer.id
        claim.reconciled_at = datetime(2020, 12, 1, 10, 0, tzinfo=UTC)
        for line, _ in included:
            if line.state == INCLUDED:
                line.state = ACCEPTED
    db.session.commit()
    db.session.refresh(claim)
    return claim
