"""The benchmark's synthetic cohort (bench/cohort.py): complete, consistent, readable by the app, deterministic."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import numpy as np
import pytest
from sqlalchemy import func, select, text

from bench import cohort
from tfclaims.auth.roles import Role
from tfclaims.auth.services import authenticate
from tfclaims.families.models import Attachment, Family, IdentifiedProblem, Member
from tfclaims.outcomes_plan.models import OutcomesPlan
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode

FAMILIES = 20
TABLES = cohort.BULK_TABLES + ("user", "user_role", "outcomes_plan", "plan_version", "descriptor", "success_criterion")


def _counts(session) -> dict[str, int]:
    return {name: session.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in TABLES}


@pytest.fixture
def generated(db_session):
    before = _counts(db_session)
    result = cohort.generate(db_session.connection(), FAMILIES)
    after = _counts(db_session)
    return result, {name: after[name] - before[name] for name in TABLES}


def test_counts(generated, db_session):
    result, added = generated
    assert {name: added[name] for name in cohort.BULK_TABLES} == result.rows
    assert (added["family"], added["member"], added["attachment"]) == (FAMILIES, 4 * FAMILIES, FAMILIES)
    assert (added["user"], added["user_role"], added["outcomes_plan"], added["plan_version"]) == (2, 2, 1, 1)
    assert added["descriptor"] == 12 and added["success_criterion"] == 7
    assert 2 * FAMILIES <= added["identified_problem"] <= 5 * FAMILIES
    assert 12 <= (added["measure"] + added["event"]) / FAMILIES <= 30
    assert cohort.cohort_size(db_session.connection()) == FAMILIES
    with pytest.raises(RuntimeError, match="already holds"):
        cohort.generate(db_session.connection(), 1)


def test_rows_refer_to_the_same_family_and_plan(generated, db_session):
    families = db_session.scalars(select(Family).where(Family.reference.like(f"{cohort.REFERENCE_PREFIX}%"))).all()
    assert len(families) == FAMILIES
    plan = db_session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == cohort.PLAN_NAME))
    (version,) = plan.versions
    assert version.is_published and plan.framework.code == "TF2015"
    descriptors = {d.id: d for d in version.descriptors}
    ids = [f.id for f in families]
    for family in families:
        assert [m.relationship_to_lead for m in family.members] == ["lead_adult", "partner", "child", "child"]
        (attachment,) = family.attachments
        assert date(2015, 6, 1) <= attachment.attached_on <= date(2019, 12, 31)
        assert (attachment.closed_on is None) == (attachment.closure_reason is None)
        assert attachment.plan_version_id == version.id
        at_attachment = [p for p in attachment.problems if not p.identified_after_attachment]
        assert 2 <= len({p.problem_id for p in at_attachment}) == len(at_attachment) <= 4
        member_ids = {m.id for m in family.members}
        for problem in attachment.problems:
            assert problem.family_id == family.id and problem.member_id in member_ids
            assert descriptors[problem.descriptor_id].problem_id == problem.problem_id
            assert problem.evidence_source == descriptors[problem.descriptor_id].evidence_source
            assert (problem.evidence_date > attachment.attached_on) == problem.identified_after_attachment
    members = {m.id: m.family_id for m in db_session.scalars(select(Member).where(Member.family_id.in_(ids)))}
    for model in (Measure, Event, EmploymentSpell, StatusEpisode):
        rows = db_session.scalars(select(model).where(model.family_id.in_(ids))).all()
        assert rows, model
        assert all(members[row.member_id] == row.family_id for row in rows), model
    attachments = {
        a.id: a.family_id for a in db_session.scalars(select(Attachment).where(Attachment.family_id.in_(ids)))
    }
    for evidence in db_session.scalars(select(ManualEvidence).where(ManualEvidence.family_id.in_(ids))):
        assert attachments[evidence.attachment_id] == evidence.family_id
        assert (evidence.decided_by_id is None) == (evidence.status == "awaiting")
    assert db_session.scalar(
        select(func.count()).select_from(IdentifiedProblem).where(IdentifiedProblem.family_id.in_(ids))
    )


def test_values_read_back_as_the_app_writes_them(generated, db_session):
    measure = db_session.scalars(select(Measure).order_by(Measure.id.desc())).first()
    assert isinstance(measure.period_start, date) and measure.period_start < measure.period_end
    assert 0 <= measure.value <= 100 and measure.kind == "attendance"
    assert isinstance(measure.created_at, datetime)
    children = db_session.scalars(select(Member).where(Member.relationship_to_lead == "child")).all()
    assert Counter(len(m.upn) for m in children if m.upn) == {13: sum(1 for m in children if m.upn)}
    user = authenticate(cohort.COORDINATOR_EMAIL, cohort.PASSWORD)
    assert user is not None and user.roles == {Role.COORDINATOR}


def test_the_family_page_shows_a_generated_family(generated, db_session, client):
    family = db_session.scalar(select(Family).where(Family.reference == f"{cohort.REFERENCE_PREFIX}0000001"))
    response = client.post("/sign-in", data={"email": cohort.COORDINATOR_EMAIL, "password": cohort.PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/families/{family.id}")
    assert page.status_code == 200 and family.reference in page.get_data(as_text=True)


def test_a_block_is_the_same_for_the_same_seed():
    context = cohort._Context(
        plan_version_id=1,
        coordinator_id=1,
        manager_id=2,
        problem_ids=np.arange(1, 7),
        descriptor_ids=np.arange(1, 13).reshape(6, 2),
        descriptor_sources=np.full((6, 2), "practitioner", dtype=object),
        base=dict.fromkeys(cohort.BULK_TABLES, 0),
        next_id=dict.fromkeys(cohort.BULK_TABLES, 0),
    )

    def block(seed):
        context.next_id = dict.fromkeys(cohort.BULK_TABLES, 0)
        return cohort._block(np.random.default_rng([seed, 0]), 0, 30, context)

    assert block(2015) == block(2015)
    assert block(2015)["member"]["forenames"] != block(2016)["member"]["forenames"]
