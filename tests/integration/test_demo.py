"""The demo council lives in the programme's time: on its demo day (20 November 2024) Supporting Families 2022-25 is
live, with a published plan in force, families attached and progressing under it, successful family outcomes ready
to claim, claim windows, an allocation and a target; beside it, the 2015-21 history. Believable, obeying the
programme's rules (checked on the data), the same on every run, idempotent, never in production.

The demo is loaded once for the module as ``make run`` loads it: ``flask tfclaims seed-if-empty`` on an app of its
own (a migrated SQLite file: the command commits) whose ``TFCLAIMS_TODAY`` is the demo day.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.conftest import make_test_app
from tfclaims import clock, demo, people
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.claims.models import Allocation, Claim, ClaimLine, ClaimWindow
from tfclaims.extensions import db
from tfclaims.families import rules
from tfclaims.families.models import (
    CLOSURE_REASONS,
    LAWFUL_BASES,
    Attachment,
    Consent,
    Family,
    IdentifiedProblem,
    Member,
)
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES, Descriptor, OutcomesPlan, PlanVersion
from tfclaims.outcomes_plan.queries import get_framework_by_code, get_version_in_force
from tfclaims.pathway.models import Contact, HelpRequest, OutcomeScore, Supervision, TafMeeting
from tfclaims.progress.models import (
    EPISODE_END_REASONS,
    PRIOR_BENEFITS,
    EmploymentSpell,
    Event,
    ManualEvidence,
    Measure,
    StatusEpisode,
)

DEMO_DAY = demo.DEMO_TODAY
APPLIES_TO = {"any", "adult", "child", "school_age", "dependent_children"}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo as `make run` loads it: seeded by the command, on the demo day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'tfclaims.sqlite'}"
    app = make_test_app(url, TFCLAIMS_TODAY=DEMO_DAY.isoformat())
    with app.app_context():
        upgrade()
    loaded = app.test_cli_runner().invoke(args=["tfclaims", "seed-if-empty"])
    assert loaded.exit_code == 0, loaded.output
    app.extensions["demo_output"] = loaded.output
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def seeded(demo_app):
    """An app context on the loaded demo (today is the demo day)."""
    with demo_app.app_context():
        yield demo_app


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fits(applies_to: str, born: date, on: date) -> bool:
    """Who a descriptor applies to, as the programme's rules read it (ages from tfclaims.people)."""
    return {
        "adult": born <= on and people.is_adult_on(born, on),
        "child": people.is_child_on(born, on),
        "school_age": born <= on and people.is_school_age_on(born, on),
    }.get(applies_to, True)


def _dependent_children(members: list[Member], on: date) -> bool:
    """A resident child under 18, or an expectant parent."""
    return any(m.expectant or (m.resident and people.is_child_on(m.date_of_birth, on)) for m in members)


def _plan(name: str) -> OutcomesPlan:
    return db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == name))


def _attachments(framework: str) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).join(PlanVersion, PlanVersion.id == Attachment.plan_version_id)
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .where(OutcomesPlan.name == (demo.PLAN_NAME if framework == "SF2022" else demo.HISTORY_PLAN_NAME))
        .order_by(Attachment.id)
    ))


# ---------------------------------------------------------------- loading it


def test_make_run_serves_the_demo_on_its_day():
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    found = re.search(r"^TFCLAIMS_TODAY \?= (\S+)$", makefile, re.MULTILINE)
    assert found and date.fromisoformat(found.group(1)) == DEMO_DAY
    assert re.search(r"^run: export TFCLAIMS_TODAY", makefile, re.MULTILINE)
    # Inside Supporting Families 2022-25, in 2024-25, before payment by results ended in March 2025.
    assert date(2024, 4, 1) <= DEMO_DAY <= date(2025, 3, 31)


def test_seed_if_empty_loads_the_demo_and_says_how_to_sign_in(seeded):
    output = seeded.extensions["demo_output"]
    assert "Loaded demo data" in output and "as it stands on 20 November 2024" in output
    assert demo.PASSWORD in output and demo.SIGN_IN_HELP in output
    assert "TFCLAIMS_TODAY=2024-11-20" in output
    assert "this app's today" not in output  # served on the demo day, no warning
    assert clock.today() == DEMO_DAY
    assert _count(Family) == 300
    # One user per role, and the other early help practitioners families are allocated to.
    assert _count(User) == len(Role) + len(demo.PRACTITIONERS) - 1


def test_one_user_per_role_with_the_shared_password(seeded):
    from tfclaims.auth.services import authenticate

    for role in Role:
        email = next(f"{local}@{demo.DOMAIN}" for r, local, _ in demo.USERS if r == role)
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.roles == {role}
        assert email in demo.SIGN_IN_HELP
        assert authenticate(email, demo.PASSWORD) is not None
    assert demo.PASSWORD in demo.SIGN_IN_HELP


def test_a_second_run_adds_nothing(seeded):
    models = (User, OutcomesPlan, PlanVersion, Descriptor, Family, Member, Attachment, IdentifiedProblem, Consent,
              Measure, Event, EmploymentSpell, StatusEpisode, ManualEvidence, ClaimWindow, Claim, ClaimLine,
              Allocation)
    before = {model: _count(model) for model in models}
    runner = seeded.test_cli_runner()
    again = runner.invoke(args=["tfclaims", "seed-demo", "--families", "10"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output and demo.PASSWORD in again.output
    db.session.expire_all()
    assert {model: _count(model) for model in models} == before
    empty_check = runner.invoke(args=["tfclaims", "seed-if-empty"])
    assert "already has users" in empty_check.output and demo.SIGN_IN_HELP in empty_check.output


# ---------------------------------------------------------------- the plans


def test_the_2015_21_plan_has_two_versions_and_three_to_five_descriptors_per_problem(seeded):
    plan = _plan(demo.HISTORY_PLAN_NAME)
    assert plan.framework.code == "TF2015"
    first, second = plan.versions
    assert (first.number, first.effective_from, second.effective_from) == (1, date(2015, 4, 1), date(2018, 4, 1))
    for version in plan.versions:
        assert version.is_published and version.published_by.has_role(Role.MANAGER) and version.published_at
        per_problem = Counter(d.problem_id for d in version.descriptors)
        assert set(per_problem) == {p.id for p in plan.framework.problems}
        assert all(3 <= n <= 5 for n in per_problem.values())
        assert all(d.evidence_source in EVIDENCE_SOURCES and d.applies_to in APPLIES_TO for d in version.descriptors)
        assert {d.code: d.applies_to for d in version.descriptors if d.code in ("ED2", "WK1", "CIN2")} == {
            "ED2": "school_age", "WK1": "adult", "CIN2": "child"}
    reworded = {d.code for d in first.descriptors} & {d.code for d in second.descriptors}
    changed = [c for c in reworded
               if next(d.text for d in first.descriptors if d.code == c)
               != next(d.text for d in second.descriptors if d.code == c)]
    assert 1 <= len(changed) <= 2


def test_the_2022_25_plan_is_published_and_in_force_on_the_demo_day(seeded):
    plan = _plan(demo.PLAN_NAME)
    assert plan.name == "Brackenshire Supporting Families outcomes plan"
    framework = plan.framework
    assert framework.code == "SF2022" and framework.starts_on <= DEMO_DAY <= framework.ends_on
    [version] = plan.versions
    assert (version.number, version.effective_from) == (1, date(2022, 10, 1))
    assert version.is_published and version.published_by.has_role(Role.MANAGER)
    assert version.published_at.date() < version.effective_from
    assert get_version_in_force(DEMO_DAY).id == version.id
    # A descriptor for each of the ten headline outcomes, with who it applies to.
    assert {d.problem_id for d in version.descriptors} == {p.id for p in framework.problems}
    assert len(framework.problems) == 10
    assert all(d.evidence_source in EVIDENCE_SOURCES and d.applies_to in APPLIES_TO for d in version.descriptors)
    by_outcome: dict[str, set[str]] = {}
    for d in version.descriptors:
        by_outcome.setdefault(d.problem.code, set()).add(d.applies_to)
    assert by_outcome["education"] == {"school_age"}
    assert by_outcome["safe_from_abuse"] == {"child"}
    employment = {d.code: d.applies_to for d in version.descriptors if d.evidence_source == "dwp"}
    assert employment and set(employment.values()) == {"adult"}
    assert {"any", "adult", "child", "school_age"} <= {d.applies_to for d in version.descriptors}
    # Success criteria for every outcome, as in the framework's typical plans.
    from tfclaims.engine.criteria import EXAMPLE_CRITERIA

    kinds = {(c.problem.code, c.kind) for c in version.criteria}
    assert kinds == {(code, kind) for code, items in EXAMPLE_CRITERIA["SF2022"].items() for kind, _p in items}
    assert all(c.wording for c in version.criteria)


# ---------------------------------------------------------------- the families


def test_families_in_varied_states(seeded):
    families = list(db.session.scalars(select(Family).where(Family.reference.like("BRK-%"))))
    assert len(families) == 300
    assert all(rules.reference_is_valid(f.reference) for f in families)
    assert all(1 <= len(f.members) <= 6 for f in families)
    assert all(sum(m.relationship_to_lead == "lead_adult" for m in f.members) == 1 for f in families)
    states = Counter(f.status for f in families)
    assert set(states) == {"not_attached", "attached", "closed"}
    assert states["closed"] > states["attached"] > states["not_attached"] > 0
    # Families open on the demo day are all 2022-25 work; the 2015-21 cases all closed when the programme ended.
    assert {f.open_attachment.plan_version.plan.framework.code for f in families if f.open_attachment} == {"SF2022"}
    # Some 2015-21 families were attached again under 2022-25, after their first case closed.
    returning = [f for f in families
                 if {a.plan_version.plan.framework.code for a in f.attachments} == {"TF2015", "SF2022"}]
    assert returning
    for family in returning:
        first, second = family.attachments
        assert first.closed_on < second.attached_on


def test_every_2015_21_attachment_is_judged_under_the_version_in_force_and_closed_by_march_2021(seeded):
    attachments = _attachments("TF2015")
    framework = get_framework_by_code("TF2015")
    assert len(attachments) > 100
    versions_used, reasons = set(), Counter()
    for attachment in attachments:
        assert date(2015, 6, 1) <= attachment.attached_on <= date(2020, 12, 31)
        assert attachment.plan_version_id == get_version_in_force(attachment.attached_on).id
        versions_used.add(attachment.plan_version.number)
        # Every case closed by the end of the programme.
        assert attachment.attached_on < attachment.closed_on <= framework.ends_on == date(2021, 3, 31)
        assert attachment.closure_reason in CLOSURE_REASONS
        reasons[attachment.closure_reason] += 1
        assert _dependent_children(attachment.family.members, attachment.attached_on)
        initial = [p for p in attachment.problems if not p.identified_after_attachment]
        assert 2 <= len(initial) <= 4
        assert rules.eligible_problem_count((p.problem_id, not p.member.resident) for p in initial) >= 2
        for problem in attachment.problems:
            assert problem.family_id == attachment.family_id == problem.member.family_id
            assert problem.descriptor.plan_version_id == attachment.plan_version_id
            assert problem.problem_id == problem.descriptor.problem_id
            assert problem.evidence_source == problem.descriptor.evidence_source
            assert _fits(problem.descriptor.applies_to, problem.member.date_of_birth, attachment.attached_on)
            if problem.identified_after_attachment:
                assert problem.evidence_date >= attachment.attached_on
                assert _fits(problem.descriptor.applies_to, problem.member.date_of_birth, problem.evidence_date)
            else:
                assert problem.evidence_date <= attachment.attached_on
        assert sum(not p.member.resident for p in attachment.problems) <= 1
    assert versions_used == {1, 2}
    assert reasons["stepped_down"] > reasons["outcomes_achieved"] > 0  # most were stepped down at the end
    # Cases still open when the programme ended were closed that day and stepped down to early help.
    ended = [a for a in attachments if a.closure_note == demo.PROGRAMME_END_NOTE]
    assert len(ended) > len(attachments) / 2
    assert all((a.closed_on, a.closure_reason) == (date(2021, 3, 31), "stepped_down") for a in ended)


def test_every_2022_25_attachment_obeys_the_framework_rules(seeded):
    framework = get_framework_by_code("SF2022")
    [version] = _plan(demo.PLAN_NAME).versions
    attachments = _attachments("SF2022")
    assert len(attachments) > 80
    expectant = 0
    for attachment in attachments:
        on = attachment.attached_on
        members = attachment.family.members
        # Attached on a date a published version of the live framework covers, and judged under it.
        assert framework.starts_on <= on <= min(framework.ends_on, DEMO_DAY)
        assert attachment.plan_version_id == version.id == get_version_in_force(on).id
        # Dependent children (a resident child under 18) or an expectant parent.
        assert _dependent_children(members, on)
        expectant += not any(m.resident and people.is_child_on(m.date_of_birth, on) for m in members)
        # At least three needs, a non-resident parent counting towards one at most.
        initial = [p for p in attachment.problems if not p.identified_after_attachment]
        assert rules.eligible_problem_count((p.problem_id, not p.member.resident) for p in initial) >= 3
        assert framework.min_problems == 3
        assert sum(not p.member.resident for p in attachment.problems) <= 1
        for problem in attachment.problems:
            descriptor = problem.descriptor
            assert problem.family_id == attachment.family_id == problem.member.family_id
            assert descriptor.plan_version_id == version.id and problem.problem_id == descriptor.problem_id
            assert problem.evidence_source == descriptor.evidence_source
            # Each descriptor for a member who fits who it applies to, on the attachment date (and when found).
            assert _fits(descriptor.applies_to, problem.member.date_of_birth, on), (descriptor.code, on)
            if problem.identified_after_attachment:
                assert on < problem.evidence_date <= (attachment.closed_on or DEMO_DAY)
                assert _fits(descriptor.applies_to, problem.member.date_of_birth, problem.evidence_date)
            else:
                assert problem.evidence_date <= on
        if attachment.closed_on:
            assert on < attachment.closed_on <= DEMO_DAY
            assert attachment.closure_reason in CLOSURE_REASONS and attachment.closure_reason != "not_eligible"
        for earlier in attachment.family.attachments:
            if earlier is not attachment:
                assert earlier.closed_on and earlier.closed_on < on
    assert expectant > 0  # some families are eligible through an expectant parent alone
    assert sum(m.expectant for a in attachments for m in a.family.members) >= expectant
    assert any(p.identified_after_attachment for a in attachments for p in a.problems)
    # Open cases and closed ones, most closed with outcomes achieved, some more than six months before the demo day.
    closed = [a for a in attachments if a.closed_on]
    assert len(closed) > len(attachments) - len(closed) > 0
    achieved = [a for a in closed if a.closure_reason == "outcomes_achieved"]
    assert len(achieved) > len(closed) / 2
    assert sum(a.closed_on <= date(2024, 5, 20) for a in achieved) > 10


def _live_records(model, attachments: list[Attachment]):
    families = {a.family_id for a in attachments}
    return [r for r in db.session.scalars(select(model)) if r.family_id in families]


def test_2022_25_practitioner_evidence_is_signed_off_after_the_case_closed(seeded):
    attachments = {a.id: a for a in _attachments("SF2022")}
    evidence = [e for e in db.session.scalars(select(ManualEvidence)) if e.attachment_id in attachments]
    assert evidence
    decided = [e for e in evidence if e.decided_on]
    assert Counter(e.status for e in decided).keys() == {"accepted", "declined"}
    for item in evidence:
        attachment = attachments[item.attachment_id]
        assert item.family_id == attachment.family_id
        assert attachment.problems and item.problem_id in {p.problem_id for p in attachment.problems}
        assert attachment.attached_on < item.progress_from <= DEMO_DAY
        if item.decided_on:
            # A manager's sign-off is dated on or after the closure, never while the case is open.
            assert attachment.closed_on is not None
            assert attachment.closed_on <= item.decided_on <= DEMO_DAY
            assert item.progress_from <= attachment.closed_on
            assert item.decided_by.has_role(Role.MANAGER) and item.decision_reason
            assert item.decided_at.date() == item.decided_on
        else:
            assert item.status == "awaiting"
    # Cases still open have evidence awaiting the sign-off that comes at closure.
    assert any(item.status == "awaiting" and attachments[item.attachment_id].closed_on is None for item in evidence)


def test_2022_25_continuous_employment_starts_after_attachment_from_an_out_of_work_benefit(seeded):
    attachments = _attachments("SF2022")
    on = {a.family_id: a.attached_on for a in attachments}
    spells = _live_records(EmploymentSpell, attachments)
    live = [s for s in spells if s.started_on >= on[s.family_id]]
    assert live
    for spell in spells:
        attached_on = on[spell.family_id]
        # A spell of this phase began on or after the attachment; any earlier one (2015-21) had ended before it,
        # so no adult was in work at attachment.
        assert spell.started_on >= attached_on or (spell.ended_on and spell.ended_on < attached_on)
    for spell in live:
        assert spell.prior_benefit in PRIOR_BENEFITS and spell.prior_benefit != "none"
        assert people.is_adult_on(spell.member.date_of_birth, spell.started_on)
        assert spell.started_on <= DEMO_DAY
        assert spell.ended_on is None or spell.started_on < spell.ended_on <= DEMO_DAY
        assert spell.hours_per_week >= 16


def test_2022_25_school_attendance_is_recorded_for_each_child_with_the_need_every_term(seeded):
    attachments = _attachments("SF2022")
    measures = _live_records(Measure, attachments)
    recorded = {(m.member_id, m.period_end) for m in measures if m.kind == "attendance"}
    checked = 0
    for attachment in attachments:
        pupils = {p.member_id for p in attachment.problems if p.problem.code == "education"}
        terms = [last for _label, _first, last in demo.term_ends(attachment.attached_on, DEMO_DAY)]
        for pupil in pupils:
            missing = [last for last in terms if (pupil, last) not in recorded]
            assert not missing, (attachment.family.reference, missing)
            checked += len(terms)
    assert checked > 50
    assert all(0 <= m.value <= 100 and m.period_start < m.period_end <= DEMO_DAY for m in measures)


def test_2022_25_plans_end_by_step_down_or_closure_and_a_few_by_moving_away(seeded):
    attachments = _attachments("SF2022")
    on = {a.family_id: a.attached_on for a in attachments}
    episodes = [e for e in _live_records(StatusEpisode, attachments)
                if e.ended_on is None or e.ended_on >= on[e.family_id]]
    reasons = Counter(e.end_reason for e in episodes if e.ended_on)
    assert set(reasons) <= set(EPISODE_END_REASONS)
    assert reasons["stepped_down"] > reasons["closed"] > 0 and reasons["moved_away"] > 0
    assert any(e.ended_on is None for e in episodes)
    for episode in episodes:
        assert (episode.ended_on is None) == (episode.end_reason is None)
        assert episode.started_on <= (episode.ended_on or DEMO_DAY) <= DEMO_DAY
        assert people.is_child_on(episode.member.date_of_birth, episode.started_on)
    # A plan that ended because the family moved away belongs to a family whose case closed for that reason.
    moved = {a.family_id for a in attachments if a.closure_reason == "moved_away"}
    assert {e.family_id for e in episodes if e.end_reason == "moved_away"} <= moved


def test_nothing_is_dated_after_the_demo_day(seeded):
    columns = [
        Attachment.attached_on, Attachment.closed_on, IdentifiedProblem.evidence_date, Measure.period_end,
        Event.occurred_on, EmploymentSpell.started_on, EmploymentSpell.ended_on, StatusEpisode.started_on,
        StatusEpisode.ended_on, ManualEvidence.progress_from, ManualEvidence.decided_on, Consent.recorded_on,
        PlanVersion.effective_from, Claim.as_of, Claim.submitted_on, ClaimLine.claimable_on,
        Member.date_of_birth,
    ]
    for column in columns:
        latest = db.session.scalar(select(func.max(column)))
        latest = date.fromisoformat(latest) if isinstance(latest, str) else latest
        assert latest <= DEMO_DAY, column
    for column in (Claim.built_at, Claim.signed_off_at, Claim.reconciled_at, ClaimLine.audited_at):
        latest = db.session.scalar(select(func.max(column)))
        assert str(latest)[:10] <= DEMO_DAY.isoformat(), column


def test_members_are_consistent_and_identifiers_valid(seeded):
    members = list(db.session.scalars(select(Member)))
    assert any(not m.resident for m in members) and any(m.expectant for m in members)
    for member in members:
        assert rules.normalise_postcode(member.postcode) == member.postcode and member.postcode.startswith("BR")
        if member.nhs_number:
            assert rules.nhs_number_is_valid(member.nhs_number)
        if member.ni_number:
            assert rules.ni_number_is_valid(member.ni_number)
        if member.upn:
            assert rules.upn_is_valid(member.upn)
        if member.expectant:
            assert member.relationship_to_lead == "lead_adult" and member.sex == "F"
    by_family: dict[int, list[Member]] = {}
    for member in members:
        by_family.setdefault(member.family_id, []).append(member)
    for household in by_family.values():
        lead = next(m for m in household if m.relationship_to_lead == "lead_adult")
        for child in (m for m in household if m.relationship_to_lead in ("child", "stepchild")):
            assert (child.date_of_birth - lead.date_of_birth).days > 16 * 365
    assert sum(bool(m.nhs_number) for m in members) > len(members) / 2


def test_every_consent_decision_keeps_the_consent_rules(seeded):
    """Each demo decision is one the consent form would accept: a scope, a date, who decided (an adult for
    themselves, a child's parent), withdrawal only of consent given, and without consent the Article 6 basis, the
    Article 9 condition and the statute."""
    from tfclaims.families import rules as family_rules

    consents = list(db.session.scalars(select(Consent).order_by(Consent.member_id, Consent.recorded_on, Consent.id)))
    assert {c.status for c in consents} >= {"given", "refused", "withdrawn"}
    assert {c.scope for c in consents} >= {"programme", "matching", "evaluation"}
    assert any(c.given_by == "parent" and not people.is_adult_on(c.member.date_of_birth, c.recorded_on)
               for c in consents)
    latest: dict[tuple[int, str], Consent] = {}
    for consent in consents:
        assert consent.lawful_basis in LAWFUL_BASES
        assert consent.family_id == consent.member.family_id
        previous = latest.get((consent.member_id, consent.scope))
        problem = family_rules.consent_decision_problem(
            status=consent.status, scope=consent.scope, recorded_on=consent.recorded_on, today=demo.DEMO_TODAY,
            date_of_birth=consent.member.date_of_birth, given_by=consent.given_by,
            lawful_basis=consent.lawful_basis, special_category_basis=consent.special_category_basis,
            statute=consent.statute, previous=(previous.status, previous.recorded_on) if previous else None,
            special_category=True,
        )
        assert problem is None, (consent.member.family.reference, consent.scope, consent.status, problem)
        latest[(consent.member_id, consent.scope)] = consent
    # The lead adult was asked in the three weeks before each attachment (again, for families attached twice).
    for attachment in _attachments("TF2015") + _attachments("SF2022"):
        lead = attachment.family.lead_member
        assert any(0 < (attachment.attached_on - c.recorded_on).days <= 21 for c in lead.consents)


def test_generators_make_valid_identifiers():
    import random

    rng = random.Random(1)
    assert all(rules.nhs_number_is_valid(demo.nhs_number(rng)) for _ in range(500))
    assert all(rules.ni_number_is_valid(demo.ni_number(rng)) for _ in range(500))
    assert all(rules.upn_is_valid(demo.upn(rng, n, 2012)) for n in range(500))


# ---------------------------------------------------------------- what the demo day shows (the engine's verdicts)


def test_the_demo_day_shows_live_2022_25_work_ready_to_claim(seeded):
    from tfclaims.claims import queries as claim_queries
    from tfclaims.claims import services as claim_services

    today = clock.today()
    window = db.session.scalar(select(ClaimWindow).where(ClaimWindow.starts_on <= today,
                                                         ClaimWindow.ends_on >= today))
    assert window.label == "2024-25 Q3" and today <= window.submission_deadline
    assert {w.label for w in db.session.scalars(select(ClaimWindow))} >= {
        f"{year} Q{q}" for year in ("2023-24", "2024-25") for q in range(1, 5)}
    allocation = claim_queries.allocation_for(window.ends_on)
    assert allocation.label.startswith("Supporting Families 2022-25")
    assert claim_queries.results_claimed(allocation) < allocation.results

    as_of, ready = claim_services.candidates(window, today)
    assert as_of == DEMO_DAY
    # Successful family outcomes are ready to claim today, under 2022-25 only, and none is in a live claim.
    assert len(ready) > 0 and set(ready["route"]) == {"SFO"}
    live_lines = db.session.scalars(select(ClaimLine).where(ClaimLine.holds_family, ClaimLine.framework == "SF2022"))
    assert not {line.family_id for line in live_lines} & {int(f) for f in ready["family_id"]}
    attachments = {a.family_id: a for a in _attachments("SF2022")}
    for family_id, claimable_on in zip(ready["family_id"], ready["claimable_on"], strict=True):
        attachment = attachments[int(family_id)]
        # Judged six months after the case closed, on a day that has come.
        assert attachment.closed_on is not None and claimable_on.date() <= DEMO_DAY
        assert claimable_on.date() > attachment.closed_on


def test_the_forecast_tracks_the_open_unclaimed_attachments(seeded):
    from tfclaims.forecasts import queries as forecast_queries
    from tfclaims.forecasts.services import forecast_page

    target = forecast_queries.target_for(DEMO_DAY)
    assert target.label == "2024-25" and target.starts_on <= DEMO_DAY <= target.ends_on
    page = forecast_page(DEMO_DAY)
    forecast = page.forecast
    assert forecast is not None, page.problem
    results = forecast_queries.results()
    claimed = set(results["attachment_id"])
    open_unclaimed = [a for a in _attachments("SF2022") if a.closed_on is None and a.id not in claimed]
    assert len(open_unclaimed) > 0
    assert forecast.tracked >= len(open_unclaimed)
    assert 0 < forecast.claimed < forecast.target == demo.TARGET_RESULTS
    assert not forecast.deadline_passed


# ---------------------------------------------------------------- the same on every run, never in production


def _fingerprint() -> list:
    families = list(db.session.scalars(select(Family).order_by(Family.reference)))
    lines = db.session.execute(
        select(ClaimLine.family_reference, ClaimLine.framework, ClaimLine.route, ClaimLine.state, ClaimWindow.label)
        .join(Claim, Claim.id == ClaimLine.claim_id).join(ClaimWindow, ClaimWindow.id == Claim.window_id)
        .order_by(ClaimWindow.starts_on, ClaimLine.family_reference)
    ).all()
    return [
        [(f.reference, f.team, [(m.full_name, m.date_of_birth, m.expectant) for m in f.members],
          [(a.attached_on, a.closed_on, a.closure_reason, sorted(p.descriptor.code for p in a.problems))
           for a in f.attachments]) for f in families],
        [tuple(line) for line in lines],
        [_count(model) for model in (Measure, Event, EmploymentSpell, StatusEpisode, ManualEvidence, Consent)],
        # The early-help pathway: its requests, contacts, meetings and outcome scores, with their days.
        sorted(map(str, db.session.execute(select(HelpRequest.received_at, HelpRequest.decision,
                                                  HelpRequest.closed_on)).all())),
        [_count(model) for model in (Contact, TafMeeting, Supervision, OutcomeScore)],
    ]


@pytest.fixture(scope="module")
def loaded_fingerprint(demo_app):
    with demo_app.app_context():
        return _fingerprint()


def test_the_same_data_every_run_whatever_the_date(loaded_fingerprint, app, db_session):
    """Seeded again, on another database by an app whose today is another day: the same demo, as of its own day,
    and the app's today is left as it was."""
    previous = app.config.get("TFCLAIMS_TODAY")
    app.config["TFCLAIMS_TODAY"] = date(2031, 7, 4)
    try:
        again = demo.seed()
        assert clock.today() == date(2031, 7, 4)
    finally:
        app.config["TFCLAIMS_TODAY"] = previous
    assert again.families == 300 and again.live_attachments > 0 and again.attachments > again.live_attachments
    assert _fingerprint() == loaded_fingerprint


def test_an_older_demo_is_left_alone(app, db_session):
    """A database loaded by the demo of before, whose plan of this name was under 2015-21: nothing is added to it."""
    framework = get_framework_by_code("TF2015")
    db.session.add(OutcomesPlan(framework_id=framework.id, name=demo.PLAN_NAME))
    db.session.flush()
    result = demo.seed(families=10)
    assert result.families == 0 and _count(Family) == 0 and _count(ClaimWindow) == 0
    assert "an older demo is loaded" in result.describe()


def test_seed_demo_refuses_in_production(app):
    runner = app.test_cli_runner()
    previous = app.config["TFCLAIMS_ENV"]
    app.config["TFCLAIMS_ENV"] = "production"
    try:
        result = runner.invoke(args=["tfclaims", "seed-demo", "--families", "5"])
    finally:
        app.config["TFCLAIMS_ENV"] = previous
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


def test_seed_demo_says_when_the_app_is_not_on_the_demo_day(app, capsys):
    """Loaded by an app whose today is another day, the command says on which day the demo lives and how to serve
    it (`make run` does)."""
    from tfclaims.cli import _warn_if_not_demo_day

    previous = app.config.get("TFCLAIMS_TODAY")
    try:
        with app.app_context():
            app.config["TFCLAIMS_TODAY"] = date(2026, 12, 2)
            _warn_if_not_demo_day()
            assert "not the demo's 20 November 2024" in capsys.readouterr().out
            app.config["TFCLAIMS_TODAY"] = DEMO_DAY
            _warn_if_not_demo_day()
            assert capsys.readouterr().out == ""
    finally:
        app.config["TFCLAIMS_TODAY"] = previous


def test_the_demo_shows_a_legal_hold_and_a_correction(seeded):
    """One closed family of the 2015-21 history is on legal hold (so the retention pages show a hold), and one
    member's details were corrected with a reason (so "Changes to this record" has something to show)."""
    from tfclaims.audit.models import AuditEvent
    from tfclaims.retention.models import LegalHold

    holds = list(db.session.scalars(select(LegalHold)))
    assert len(holds) == 1 and holds[0].released_on is None and holds[0].reason
    assert all(a.closed_on for a in db.session.get(Family, holds[0].family_id).attachments)
    corrected = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "member_corrected")))
    assert len(corrected) == 1 and corrected[0].family_id is not None
