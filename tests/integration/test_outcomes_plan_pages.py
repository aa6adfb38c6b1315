"""Outcomes plans through the pages: a manager makes, fills, publishes and copies; everyone else reads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import Descriptor, OutcomesPlan, PlanVersion, SuccessCriterion


def date_parts(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def descriptor_data(problem, code: str, wording: str = "A child missing 10% of sessions", source: str = "school"):
    return {"problem_id": str(problem.id), "code": code, "text": wording, "evidence_source": source}


@pytest.fixture
def manager(sign_in):
    return sign_in(Role.MANAGER)


@pytest.fixture
def draft(db_session):
    """An empty draft version 1 of a new 2015-21 plan."""
    fw = factories.framework("TF2015")
    plan = OutcomesPlan(framework=fw, name="Draft plan for pages")
    version = PlanVersion(plan=plan, number=1, effective_from=date(2016, 4, 1))
    db.session.add(plan)
    db.session.commit()
    return version


def fill_every_problem(pages, version, skip: int | None = None) -> None:
    for problem in version.plan.framework.problems:
        if problem.number == skip:
            continue
        pages.post(
            f"/outcomes-plans/versions/{version.id}/descriptors/new",
            descriptor_data(problem, f"HP{problem.number}", f"Wording for {problem.name}", "practitioner"),
            redirects_to=f"/outcomes-plans/versions/{version.id}",
        )


def add_criterion_through_pages(pages, version, problem, kind: str, settings: dict, wording: str = ""):
    """The two steps of adding a success criterion: choose the kind, then its settings."""
    base = f"/outcomes-plans/versions/{version.id}"
    step_1 = f"{base}/problems/{problem.id}/criteria/new"
    step_2 = f"{step_1}/{kind.replace('_', '-')}"
    pages.post(step_1, {"kind": kind}, redirects_to=step_2)
    return pages.post(step_2, {**settings, "wording": wording}, redirects_to=base)


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("role", list(Role))
def test_everyone_signed_in_can_read_plans(pages, sign_in, plan_version, role):
    sign_in(role)
    page = pages.get("/outcomes-plans/")
    assert plan_version.plan.name in text(page)
    page = pages.get(f"/outcomes-plans/{plan_version.plan_id}")
    assert "Version 1" in text(page)
    assert page.find("a", string="Troubled Families 2015-21")["href"].endswith("/frameworks#framework-tf2015")
    page = pages.get(f"/outcomes-plans/versions/{plan_version.id}")
    assert page.h1.get_text(" ", strip=True).startswith("Version 1")
    assert "Published" in text(page)
    assert "P2.1" in text(page)
    pages.get("/outcomes-plans/frameworks")


def test_signed_out_users_are_sent_to_sign_in(client, plan_version):
    for url in ("/outcomes-plans/", f"/outcomes-plans/versions/{plan_version.id}", "/outcomes-plans/frameworks"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


def test_frameworks_page_lists_problems_routes_and_payments(pages, sign_in):
    sign_in(Role.COORDINATOR)
    page = pages.get("/outcomes-plans/frameworks")
    tf = page.select_one("#framework-tf2015").find_parent("section")
    assert len(tf.select("tbody tr")) == 6
    assert "Children not attending school regularly" in text(tf)
    assert "£1,000" in text(tf) and "£800" in text(tf)
    assert "Significant and sustained progress (SSP)" in text(tf)
    assert "Continuous employment (CE)" in text(tf)
    assert "<br>" not in text(tf), "route labels are markup, not escaped text"
    assert "Minimum number of headline problems 2" in text(tf)
    sf = page.select_one("#framework-sf2022").find_parent("section")
    assert len(sf.select("tbody tr")) == 10
    assert "Successful family outcome (SFO)" in text(sf)
    assert "Minimum number of headline outcomes 3" in text(sf)
    assert "6 months after the case closed" in text(sf)


def test_version_page_groups_descriptors_by_problem(pages, sign_in, plan_version):
    sign_in(Role.COORDINATOR)
    page = pages.get(f"/outcomes-plans/versions/{plan_version.id}")
    heading = page.select_one("#problem-2")
    assert heading.get_text(strip=True) == "2. Children not attending school regularly"
    section = heading.find_parent("section")
    codes = [tr.select("td")[0].get_text(strip=True) for tr in section.select("#descriptors-2 tbody tr")]
    assert codes == ["P2.1", "P2.2"]
    assert "Lead practitioner's assessment" in text(section)
    assert "1 April 2015" in text(page)


def test_readers_see_no_change_buttons(pages, sign_in, draft):
    sign_in(Role.COORDINATOR)
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert "Draft" in text(page)
    assert not page.find("a", string="Publish this version")
    assert not page.find("a", string="Add a descriptor")
    page = pages.get("/outcomes-plans/")
    assert not page.find("a", string="Create an outcomes plan")


def test_unknown_records_are_not_found(pages, manager, plan_version):
    pages.get("/outcomes-plans/99999", status=404)
    pages.get("/outcomes-plans/versions/99999", status=404)
    pages.get(f"/outcomes-plans/versions/{plan_version.id}/descriptors/99999/edit", status=404)
    other = factories.make_published_plan()
    descriptor_id = other.descriptors[0].id
    pages.get(f"/outcomes-plans/versions/{plan_version.id}/descriptors/{descriptor_id}/edit", status=404)


# ---------------------------------------------------------------- the manager's journey


def test_manager_creates_fills_and_publishes_a_plan(pages, manager, db_session):
    tf = factories.framework("TF2015")
    pages.get("/outcomes-plans/new")
    response = pages.post(
        "/outcomes-plans/new",
        {"name": "Brackenshire plan 2016", "framework": str(tf.id), "effective_from": date_parts(date(2016, 4, 1))},
        redirects_to="",
    )
    plan = db_session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire plan 2016"))
    version = plan.versions[0]
    assert response.headers["Location"].endswith(f"/outcomes-plans/versions/{version.id}")
    assert (version.number, version.status, version.effective_from) == (1, "draft", date(2016, 4, 1))

    page = pages.get(f"/outcomes-plans/versions/{version.id}")
    assert "Outcomes plan Brackenshire plan 2016 created" in text(page)
    assert page.find("a", string="Publish this version")

    school = tf.problems[1]
    pages.get(f"/outcomes-plans/versions/{version.id}/descriptors/new?problem={school.id}")
    pages.post(
        f"/outcomes-plans/versions/{version.id}/descriptors/new",
        descriptor_data(school, " ed 2 ", "A child missing 10% or more of school sessions across the last three terms"),
        redirects_to=f"/outcomes-plans/versions/{version.id}",
    )
    descriptor = db_session.scalar(select(Descriptor).where(Descriptor.plan_version_id == version.id))
    assert (descriptor.code, descriptor.problem_id, descriptor.evidence_source) == ("ED2", school.id, "school")

    # Publishing is refused while any headline problem has no descriptor, naming the ones missing.
    pages.get(f"/outcomes-plans/versions/{version.id}/publish")
    _, errors = pages.post_with_errors(f"/outcomes-plans/versions/{version.id}/publish", {})
    assert len(errors) == 1
    missing_descriptors, missing_criteria = errors[0].split(". Add at least one success criterion")
    assert "1. Parents or children involved in crime or anti-social behaviour" in missing_descriptors
    assert "2. Children not attending school regularly" not in missing_descriptors
    assert "2. Children not attending school regularly" in missing_criteria
    db_session.refresh(version)
    assert version.is_draft

    fill_every_problem(pages, version, skip=school.number)
    # Publishing also needs a success criterion for every headline problem.
    for problem in tf.problems:
        add_criterion_through_pages(pages, version, problem, "manual", {})
    pages.post(
        f"/outcomes-plans/versions/{version.id}/publish", {}, redirects_to=f"/outcomes-plans/versions/{version.id}"
    )
    db_session.refresh(version)
    assert version.is_published
    assert version.published_by_id == manager.id
    assert version.published_at is not None

    page = pages.get(f"/outcomes-plans/versions/{version.id}")
    assert f"by {manager.name}" in text(page)
    assert not page.find("a", string="Publish this version")
    assert page.find("a", string="Copy to a new version")

    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "plan_published", AuditEvent.entity_id == version.id)
    )
    assert event is not None
    assert event.entity == "plan_version"
    assert event.actor_id == manager.id
    assert "Brackenshire plan 2016 version 1 published" in event.summary


def test_new_plan_form_errors(pages, manager, plan_version):
    _, errors = pages.post_with_errors("/outcomes-plans/new", {"name": "", "effective_from": ["", "", ""]})
    assert errors == ["Enter the plan name", "Select the framework", "Enter the effective-from date"]
    tf = factories.framework("TF2015")
    _, errors = pages.post_with_errors(
        "/outcomes-plans/new",
        {"name": plan_version.plan.name, "framework": str(tf.id), "effective_from": ["1", "4", "2016"]},
    )
    assert errors == ["An outcomes plan with this name already exists"]
    _, errors = pages.post_with_errors(
        "/outcomes-plans/new", {"name": "Too early", "framework": str(tf.id), "effective_from": ["1", "4", "2014"]}
    )
    assert errors == [
        "The effective-from date must be between 1 April 2015 and 31 March 2021, while Troubled Families 2015-21 runs"
    ]
    _, errors = pages.post_with_errors(
        "/outcomes-plans/new", {"name": "Odd date", "framework": str(tf.id), "effective_from": ["31", "2", "2016"]}
    )
    assert errors == ["The effective-from date must be a real date"]


def test_descriptor_form_errors(pages, manager, draft):
    url = f"/outcomes-plans/versions/{draft.id}/descriptors/new"
    page, errors = pages.post_with_errors(url, {"code": "", "text": "", "evidence_source": ""})
    assert errors == [
        "Select the headline problem",
        "Enter a descriptor code",
        "Enter the wording of the descriptor",
        "Select the usual evidence source",
    ]
    problem = draft.plan.framework.problems[0]
    page, errors = pages.post_with_errors(url, descriptor_data(problem, "2ED"))
    assert errors[0].startswith("Descriptor code must start with a letter")
    pages.post(url, descriptor_data(problem, "ASB1"), redirects_to=f"/outcomes-plans/versions/{draft.id}")
    page, errors = pages.post_with_errors(url, descriptor_data(problem, "asb1", "Other wording"))
    assert errors == ["This version already has a descriptor with this code"]
    assert page.select_one("#text").get_text() == "Other wording", "a refused form keeps what was typed"


def test_manager_edits_and_deletes_a_draft_descriptor(pages, manager, draft, db_session):
    problems = draft.plan.framework.problems
    base = f"/outcomes-plans/versions/{draft.id}"
    pages.post(f"{base}/descriptors/new", descriptor_data(problems[0], "ASB1"), redirects_to=base)
    pages.post(f"{base}/descriptors/new", descriptor_data(problems[1], "ED1"), redirects_to=base)
    first = db_session.scalar(
        select(Descriptor).where(Descriptor.code == "ASB1", Descriptor.plan_version_id == draft.id)
    )
    page = pages.get(f"{base}/descriptors/{first.id}/edit")
    assert page.select_one("#code")["value"] == "ASB1"
    _, errors = pages.post_with_errors(f"{base}/descriptors/{first.id}/edit", descriptor_data(problems[0], "ED1"))
    assert errors == ["This version already has a descriptor with this code"]
    pages.post(
        f"{base}/descriptors/{first.id}/edit",
        descriptor_data(problems[2], "CIN1", "A child in need", "social_care"),
        redirects_to=base,
    )
    db_session.refresh(first)
    assert (first.code, first.problem_id, first.text, first.evidence_source) == (
        "CIN1",
        problems[2].id,
        "A child in need",
        "social_care",
    )
    pages.get(f"{base}/descriptors/{first.id}/delete")
    pages.post(f"{base}/descriptors/{first.id}/delete", {}, redirects_to=base)
    assert db_session.get(Descriptor, first.id) is None
    assert [d.code for d in db_session.scalars(select(Descriptor).where(Descriptor.plan_version_id == draft.id))] == [
        "ED1"
    ]


def test_manager_changes_draft_details(pages, manager, draft, db_session):
    url = f"/outcomes-plans/versions/{draft.id}/edit"
    page = pages.get(url)
    assert page.select_one("#effective_from-year")["value"] == "2016"
    pages.post(
        url,
        {"effective_from": ["1", "10", "2017"], "notes": "Reworded school descriptors"},
        redirects_to=f"/outcomes-plans/versions/{draft.id}",
    )
    db_session.refresh(draft)
    assert (draft.effective_from, draft.notes) == (date(2017, 10, 1), "Reworded school descriptors")


def test_published_version_cannot_be_changed_through_the_pages(pages, manager, plan_version, db_session):
    base = f"/outcomes-plans/versions/{plan_version.id}"
    descriptor = plan_version.descriptors[0]
    problem = descriptor.problem
    changing = [
        (f"{base}/edit", {"effective_from": ["1", "4", "2016"], "notes": "x"}),
        (f"{base}/descriptors/new", descriptor_data(problem, "NEW1")),
        (f"{base}/descriptors/{descriptor.id}/edit", descriptor_data(problem, "CHANGED")),
        (f"{base}/descriptors/{descriptor.id}/delete", {}),
        (f"{base}/delete", {}),
    ]
    for url, data in changing:
        response = pages.client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(base), url
        pages.post(url, data, redirects_to=base)
    page = pages.get(base)
    assert "is published and cannot be changed" in text(page)
    db_session.refresh(plan_version)
    db_session.refresh(descriptor)
    assert plan_version.effective_from == date(2015, 4, 1)
    assert descriptor.code == "P1.1"
    assert len(plan_version.descriptors) == 12
    assert not page.find("a", string="Add a descriptor")


def test_manager_copies_a_published_version_and_edits_the_copy(pages, manager, plan_version, db_session):
    base = f"/outcomes-plans/versions/{plan_version.id}"
    pages.get(f"{base}/copy")
    _, errors = pages.post_with_errors(f"{base}/copy", {"effective_from": ["", "", ""]})
    assert errors == ["Enter the effective-from date"]
    response = pages.post(
        f"{base}/copy", {"effective_from": ["1", "4", "2018"], "notes": "Annual review"}, redirects_to=""
    )
    copy = db_session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan_version.plan_id, PlanVersion.number == 2)
    )
    assert response.headers["Location"].endswith(f"/outcomes-plans/versions/{copy.id}")
    assert (copy.status, copy.copied_from_id, copy.effective_from, copy.notes) == (
        "draft",
        plan_version.id,
        date(2018, 4, 1),
        "Annual review",
    )
    assert sorted((d.code, d.problem_id, d.text) for d in copy.descriptors) == sorted(
        (d.code, d.problem_id, d.text) for d in plan_version.descriptors
    )

    page = pages.get(f"/outcomes-plans/versions/{copy.id}")
    assert "Copied from Version 1" in text(page)
    assert page.find("a", string="Add a descriptor")

    copied = next(d for d in copy.descriptors if d.code == "P2.1")
    pages.post(
        f"/outcomes-plans/versions/{copy.id}/descriptors/{copied.id}/edit",
        descriptor_data(copied.problem, "ED2", "A child missing 10% or more of sessions"),
        redirects_to=f"/outcomes-plans/versions/{copy.id}",
    )
    db_session.refresh(copied)
    assert copied.code == "ED2"
    original_codes = {
        d.code for d in db_session.scalars(select(Descriptor).where(Descriptor.plan_version_id == plan_version.id))
    }
    assert "P2.1" in original_codes and "ED2" not in original_codes, "the published version is untouched"

    page = pages.get(base)
    assert "Copied to Version 2" in text(page)
    copy_event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "plan_version_copied", AuditEvent.entity_id == copy.id)
    )
    assert copy_event is not None and "version 1 copied to draft version 2" in copy_event.summary

    pages.post(f"/outcomes-plans/versions/{copy.id}/publish", {}, redirects_to=f"/outcomes-plans/versions/{copy.id}")
    db_session.refresh(copy)
    assert copy.is_published


def test_a_draft_cannot_be_copied(pages, manager, draft):
    response = pages.client.get(f"/outcomes-plans/versions/{draft.id}/copy")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/outcomes-plans/versions/{draft.id}")


def test_deleting_the_only_draft_deletes_the_plan(pages, manager, draft, db_session):
    plan_id = draft.plan_id
    page = pages.get(f"/outcomes-plans/versions/{draft.id}/delete")
    assert "will be deleted too" in text(page)
    pages.post(f"/outcomes-plans/versions/{draft.id}/delete", {}, redirects_to="/outcomes-plans/")
    assert db_session.get(OutcomesPlan, plan_id) is None


def test_deleting_a_later_draft_keeps_the_plan(pages, manager, plan_version, db_session):
    pages.post(
        f"/outcomes-plans/versions/{plan_version.id}/copy", {"effective_from": ["1", "4", "2019"]}, redirects_to=""
    )
    copy = db_session.scalar(select(PlanVersion).where(PlanVersion.copied_from_id == plan_version.id))
    pages.post(f"/outcomes-plans/versions/{copy.id}/delete", {}, redirects_to=f"/outcomes-plans/{plan_version.plan_id}")
    assert db_session.get(PlanVersion, copy.id) is None
    assert db_session.get(PlanVersion, plan_version.id) is not None


def test_list_shows_the_version_in_force(app, pages, sign_in, plan_version, monkeypatch):
    sign_in(Role.CLAIMS_OFFICER)
    monkeypatch.setitem(app.config, "TFCLAIMS_TODAY", date(2019, 6, 1))
    page = pages.get("/outcomes-plans/")
    assert plan_version.label in text(page.select_one("#in-force"))
    # after the framework ended (31 March 2021) no version of it is in force, however recent its effective date
    monkeypatch.setitem(app.config, "TFCLAIMS_TODAY", date(2021, 4, 1))
    page = pages.get("/outcomes-plans/")
    assert text(page.select_one("#in-force")) == "No published version is in force today."


# ---------------------------------------------------------------- who may change


def changing_routes(version, descriptor, criterion) -> list[str]:
    base = f"/outcomes-plans/versions/{version.id}"
    new_criterion = f"{base}/problems/{criterion.problem_id}/criteria/new"
    return [
        "/outcomes-plans/new",
        "/outcomes-plans/import",
        f"{base}/edit",
        f"{base}/copy",
        f"{base}/publish",
        f"{base}/delete",
        f"{base}/descriptors/new",
        f"{base}/descriptors/{descriptor.id}/edit",
        f"{base}/descriptors/{descriptor.id}/delete",
        new_criterion,
        f"{new_criterion}/manual",
        f"{new_criterion}/held-over-periods",
        f"{base}/criteria/{criterion.id}/edit",
        f"{base}/criteria/{criterion.id}/delete",
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_managers_may_change_plans(pages, sign_in, plan_version, draft, role, db_session):
    sign_in(role)
    problem = draft.plan.framework.problems[0]
    draft_descriptor = Descriptor(plan_version=draft, problem=problem, code="D1", text="x", evidence_source="police")
    draft_criterion = SuccessCriterion(plan_version=draft, problem=problem, kind="manual", parameters={}, wording="x")
    db.session.add_all([draft_descriptor, draft_criterion])
    db.session.commit()
    published = (plan_version, plan_version.descriptors[0], plan_version.criteria[0])
    for version, descriptor, criterion in (published, (draft, draft_descriptor, draft_criterion)):
        for url in changing_routes(version, descriptor, criterion):
            pages.get(url, status=403)
            assert pages.client.post(url, data={}).status_code == 403, url
    db_session.refresh(draft)
    assert draft.is_draft and len(draft.descriptors) == 1 and len(draft.criteria) == 1
    assert [c.wording for c in draft.criteria] == ["x"]


@pytest.mark.parametrize("role", list(Role))
def test_everyone_signed_in_may_download_and_compare(pages, sign_in, plan_version, role):
    sign_in(role)
    for url in (
        f"/outcomes-plans/versions/{plan_version.id}/export.yaml",
        f"/outcomes-plans/versions/{plan_version.id}/export.json",
    ):
        assert pages.client.get(url).status_code == 200, url
    pages.get(f"/outcomes-plans/{plan_version.plan_id}/compare")


def test_every_outcomes_plan_route_declares_its_roles(app):
    from tfclaims.auth.permissions import ANY_SIGNED_IN

    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("outcomes_plan.")]
    assert len(routes) >= 20
    for rule in routes:
        allowed = app.view_functions[rule.endpoint].allowed_roles
        if rule.methods & {"POST"}:
            assert allowed == frozenset({Role.MANAGER}), rule.rule
        else:
            assert allowed == ANY_SIGNED_IN, rule.rule
