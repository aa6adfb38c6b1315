"""The demo council: believable, consistent with the domain rules, idempotent, never in production."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.conftest import make_test_app
from tfclaims import demo, people
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families import rules
from tfclaims.families.models import CLOSURE_REASONS, LAWFUL_BASES, Attachment, Consent, Family, Member
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES, OutcomesPlan
from tfclaims.outcomes_plan.queries import get_version_in_force


@pytest.fixture
def seeded(db_session):
    return demo.seed(families=40)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_one_user_per_role_with_the_shared_password(seeded):
    from tfclaims.auth.services import authenticate

    assert seeded.users == len(Role)
    for role in Role:
        email = next(f"{local}@{demo.DOMAIN}" for r, local, _ in demo.USERS if r == role)
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.roles == {role}
        assert email in demo.SIGN_IN_HELP
        assert authenticate(email, demo.PASSWORD) is not None
    assert demo.PASSWORD in demo.SIGN_IN_HELP


def test_published_plan_with_two_versions_and_three_to_five_descriptors_per_problem(seeded):
    plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == demo.PLAN_NAME))
    assert plan.framework.code == "TF2015"
    first, second = plan.versions
    assert (first.number, first.effective_from, second.effective_from) == (1, date(2015, 4, 1), date(2018, 4, 1))
    for version in plan.versions:
        assert version.is_published and version.published_by.has_role(Role.MANAGER) and version.published_at
        per_problem = Counter(d.problem_id for d in version.descriptors)
        assert set(per_problem) == {p.id for p in plan.framework.problems}
        assert all(3 <= n <= 5 for n in per_problem.values())
        assert all(d.evidence_source in EVIDENCE_SOURCES for d in version.descriptors)
    reworded = {d.code for d in first.descriptors} & {d.code for d in second.descriptors}
    changed = [c for c in reworded
               if next(d.text for d in first.descriptors if d.code == c)
               != next(d.text for d in second.descriptors if d.code == c)]
    assert 1 <= len(changed) <= 2
    assert any(d.code == "ED2" for d in first.descriptors)


def test_families_in_varied_states(seeded):
    families = list(db.session.scalars(select(Family).where(Family.reference.like("BRK-%"))))
    assert len(families) == seeded.families == 40
    assert all(rules.reference_is_valid(f.reference) for f in families)
    assert all(2 <= len(f.members) <= 6 for f in families)
    assert all(sum(m.relationship_to_lead == "lead_adult" for m in f.members) == 1 for f in families)
    states = Counter(f.status for f in families)
    assert set(states) == {"not_attached", "attached", "closed"}
    assert states["attached"] > states["closed"] > 0


def test_every_attachment_is_judged_under_the_version_in_force_with_two_distinct_problems(seeded):
    attachments = list(db.session.scalars(select(Attachment)))
    assert len(attachments) == seeded.attachments > 0
    versions_used = set()
    for attachment in attachments:
        assert date(2015, 6, 1) <= attachment.attached_on <= date(2020, 12, 31)
        assert attachment.plan_version_id == get_version_in_force(attachment.attached_on).id
        versions_used.add(attachment.plan_version.number)
        initial = [p for p in attachment.problems if not p.identified_after_attachment]
        assert 2 <= len(initial) <= 4
        assert rules.eligible_problem_count((p.problem_id, not p.member.resident) for p in initial) >= 2
        for problem in attachment.problems:
            assert problem.family_id == attachment.family_id == problem.member.family_id
            assert problem.descriptor.plan_version_id == attachment.plan_version_id
            assert problem.problem_id == problem.descriptor.problem_id
            assert problem.evidence_source == problem.descriptor.evidence_source
            if problem.identified_after_attachment:
                assert problem.evidence_date >= attachment.attached_on
            else:
                assert problem.evidence_date <= attachment.attached_on
        assert sum(not p.member.resident for p in attachment.problems) <= 1
        if attachment.closed_on:
            assert attachment.closed_on >= attachment.attached_on
            assert attachment.closure_reason in CLOSURE_REASONS
    assert versions_used == {1, 2}


def test_members_are_consistent_and_identifiers_valid(seeded):
    members = list(db.session.scalars(select(Member)))
    assert len(members) == seeded.members
    assert any(not m.resident for m in members)
    for member in members:
        assert rules.normalise_postcode(member.postcode) == member.postcode and member.postcode.startswith("BR")
        if member.nhs_number:
            assert rules.nhs_number_is_valid(member.nhs_number)
        if member.ni_number:
            assert rules.ni_number_is_valid(member.ni_number)
        if member.upn:
            assert rules.upn_is_valid(member.upn)
    by_family: dict[int, list[Member]] = {}
    for member in members:
        by_family.setdefault(member.family_id, []).append(member)
    for household in by_family.values():
        lead = next(m for m in household if m.relationship_to_lead == "lead_adult")
        for child in (m for m in household if m.relationship_to_lead in ("child", "stepchild")):
            assert (child.date_of_birth - lead.date_of_birth).days > 16 * 365
    assert sum(bool(m.nhs_number) for m in members) > len(members) / 2


def test_consent_is_recorded_for_adults_only(seeded):
    consents = list(db.session.scalars(select(Consent)))
    assert consents
    assert {c.status for c in consents} >= {"given"}
    for consent in consents:
        assert consent.lawful_basis in LAWFUL_BASES
        assert people.is_adult_on(consent.member.date_of_birth, consent.recorded_on)
        assert consent.family_id == consent.member.family_id


def test_generators_make_valid_identifiers():
    import random

    rng = random.Random(1)
    assert all(rules.nhs_number_is_valid(demo.nhs_number(rng)) for _ in range(500))
    assert all(rules.ni_number_is_valid(demo.ni_number(rng)) for _ in range(500))
    assert all(rules.upn_is_valid(demo.upn(rng, n, 2012)) for n in range(500))


def test_seeding_twice_adds_nothing(seeded):
    before = {model: _count(model) for model in (User, OutcomesPlan, Family, Member, Attachment, Consent)}
    again = demo.seed(families=40)
    assert again.already_loaded
    assert "already loaded" in again.describe() and demo.PASSWORD in again.describe()
    assert {model: _count(model) for model in before} == before


def test_the_same_data_every_run(seeded):
    first = [(f.reference, f.team, [m.full_name for m in f.members])
             for f in db.session.scalars(select(Family).order_by(Family.reference))]
    db.session.rollback()
    seeded_again = demo.seed(families=40)
    assert seeded_again.families == 40
    again = [(f.reference, f.team, [m.full_name for m in f.members])
             for f in db.session.scalars(select(Family).order_by(Family.reference))]
    assert first == again


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


@pytest.fixture
def fresh_app(tmp_path):
    """An app on its own migrated SQLite file: the CLI commits, so it must not touch the shared test database."""
    app = make_test_app(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_seed_demo_and_seed_if_empty_commands(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["tfclaims", "seed-if-empty"])
    assert result.exit_code == 0, result.output
    assert "Loaded demo data" in result.output and demo.PASSWORD in result.output
    with fresh_app.app_context():
        assert _count(Family) == 300
        assert _count(User) == len(Role)

    again = runner.invoke(args=["tfclaims", "seed-demo", "--families", "10"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    with fresh_app.app_context():
        assert _count(Family) == 300

    empty_check = runner.invoke(args=["tfclaims", "seed-if-empty"])
    assert "already has users" in empty_check.output
