"""Outcomes plan services: the rules hold whoever calls them, not only the pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError, DuplicateValueError, NotAllowedError
from tfclaims.outcomes_plan import queries, services


@pytest.fixture
def manager(db_session):
    return factories.make_user(Role.MANAGER)


@pytest.fixture
def draft(db_session):
    return services.create_plan(factories.framework("TF2015"), "Service test plan", date(2016, 4, 1))


def fill(version, skip_numbers=(), criteria=True) -> None:
    """A descriptor for every problem but those skipped and, unless told not to, a manual criterion for each."""
    for problem in version.plan.framework.problems:
        if problem.number not in skip_numbers:
            services.add_descriptor(version, problem.id, f"hp{problem.number}", f"About {problem.name}", "health")
        if criteria:
            services.add_criterion(version, problem.id, "manual", {})


def test_create_plan_makes_an_empty_draft_version_1(draft):
    assert (draft.number, draft.status, draft.effective_from) == (1, "draft", date(2016, 4, 1))
    assert draft.plan.name == "Service test plan"
    assert draft.descriptors == []
    assert draft.plan.framework.code == "TF2015"


def test_plan_names_are_unique_ignoring_case(draft):
    with pytest.raises(DuplicateValueError) as refused:
        services.create_plan(factories.framework("TF2015"), "service TEST plan", date(2016, 4, 1))
    assert refused.value.field == "name"


def test_effective_from_must_fall_within_the_framework(db_session):
    with pytest.raises(DomainError) as refused:
        services.create_plan(factories.framework("SF2022"), "Too early", date(2021, 4, 1))
    assert refused.value.field == "effective_from"
    assert "1 October 2022 and 31 March 2025" in refused.value.message


def test_descriptor_codes_are_normalised_and_unique_per_version(draft):
    problem = draft.plan.framework.problems[1]
    descriptor = services.add_descriptor(draft, problem.id, " ed 2 ", "  A child missing sessions ", "school")
    assert (descriptor.code, descriptor.text) == ("ED2", "A child missing sessions")
    with pytest.raises(DuplicateValueError) as refused:
        services.add_descriptor(draft, problem.id, "ED2", "Again", "school")
    assert refused.value.field == "code"


@pytest.mark.parametrize(
    ("problem_index", "code", "text", "source", "field"),
    [
        (None, "ED1", "Wording", "school", "problem_id"),
        (0, "", "Wording", "school", "code"),
        (0, "1ED", "Wording", "school", "code"),
        (0, "ED1", "  ", "school", "text"),
        (0, "ED1", "Wording", "astrology", "evidence_source"),
    ],
)
def test_descriptor_refusals_name_the_field(draft, problem_index, code, text, source, field):
    problems = draft.plan.framework.problems
    problem_id = problems[problem_index].id if problem_index is not None else None
    with pytest.raises(DomainError) as refused:
        services.add_descriptor(draft, problem_id, code, text, source)
    assert refused.value.field == field


def test_a_problem_of_another_framework_is_refused(draft):
    other = factories.framework("SF2022").problems[0]
    with pytest.raises(DomainError) as refused:
        services.add_descriptor(draft, other.id, "SF1", "Wording", "school")
    assert refused.value.field == "problem_id"


def test_publish_is_refused_while_a_problem_has_no_descriptor(draft, manager):
    fill(draft, skip_numbers=(3, 5))
    with pytest.raises(DomainError) as refused:
        services.publish(draft, manager)
    message = refused.value.message
    assert "3. Children who need help" in message
    assert "5. Families affected by domestic violence and abuse" in message
    assert "1. Parents or children" not in message
    assert draft.is_draft and draft.published_at is None


def test_publish_sets_who_and_when_and_records_an_audit_event(draft, manager, db_session):
    fill(draft)
    services.publish(draft, manager)
    assert draft.is_published
    assert draft.published_by_id == manager.id
    assert draft.published_at is not None and draft.published_at.tzinfo is not None
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "plan_version", AuditEvent.entity_id == draft.id)
    ).all()
    assert "plan_published" in {e.action for e in events}
    assert queries.get_version_in_force(date(2016, 4, 1)).id == draft.id


def test_a_published_version_never_changes(plan_version, manager):
    descriptor = plan_version.descriptors[0]
    problem_id = descriptor.problem_id
    attempts = [
        lambda: services.add_descriptor(plan_version, problem_id, "NEW1", "Wording", "police"),
        lambda: services.update_descriptor(descriptor, problem_id, "CHANGED", "Wording", "police"),
        lambda: services.delete_descriptor(descriptor),
        lambda: services.update_version_details(plan_version, date(2016, 4, 1), "Notes"),
        lambda: services.publish(plan_version, manager),
        lambda: services.delete_version(plan_version),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowedError):
            attempt()
    assert descriptor.code == "P1.1"
    assert len(plan_version.descriptors) == 12
    assert plan_version.effective_from == date(2015, 4, 1)


def test_copy_makes_a_new_draft_with_every_descriptor(plan_version, db_session):
    copy = services.copy_version(plan_version, date(2018, 4, 1), "Annual review")
    assert (copy.number, copy.status, copy.copied_from_id, copy.plan_id) == (
        2,
        "draft",
        plan_version.id,
        plan_version.plan_id,
    )
    assert len(copy.descriptors) == len(plan_version.descriptors) == 12
    assert {d.id for d in copy.descriptors}.isdisjoint({d.id for d in plan_version.descriptors})
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "plan_version_copied"))
    assert event.entity_id == copy.id

    third = services.copy_version(plan_version, date(2019, 4, 1))
    assert third.number == 3


def test_editing_a_copy_leaves_the_original_alone(plan_version):
    copy = services.copy_version(plan_version, date(2018, 4, 1))
    copied = next(d for d in copy.descriptors if d.code == "P2.1")
    services.update_descriptor(copied, copied.problem_id, "ED2", "New wording", "school")
    services.delete_descriptor(next(d for d in copy.descriptors if d.code == "P3.1"))
    original = {d.code: d.text for d in queries.list_descriptors(plan_version.id)}
    assert "P2.1" in original and "P3.1" in original and "ED2" not in original
    assert len(copy.descriptors) == 11


def test_a_draft_cannot_be_copied(draft):
    with pytest.raises(NotAllowedError):
        services.copy_version(draft, date(2017, 4, 1))


def test_delete_version(plan_version, draft):
    copy = services.copy_version(plan_version, date(2018, 4, 1))
    assert services.delete_version(copy) == plan_version.plan
    assert [v.number for v in plan_version.plan.versions] == [1]
    plan_id = draft.plan_id
    assert services.delete_version(draft) is None
    assert queries.get_plan(plan_id) is None


def test_supporting_families_speaks_of_headline_outcomes(db_session, manager):
    version = services.create_plan(factories.framework("SF2022"), "Supporting Families plan", date(2022, 10, 1))
    with pytest.raises(DomainError) as refused:
        services.publish(version, manager)
    assert "every headline outcome" in refused.value.message
    assert len(queries.descriptors_by_problem(version)) == 10


# ---------------------------------------------------------------- success criteria


def test_add_criterion_cleans_settings_numbers_them_and_writes_the_standard_wording(draft):
    school = draft.plan.framework.problems[1]
    first = services.add_criterion(
        draft, school.id, "held_over_periods", {"measure": "attendance", "threshold": "87.5", "periods": "3"}
    )
    second = services.add_criterion(draft, school.id, "manual", {}, "  Head teacher's report, signed off  ")
    assert first.parameters == {"measure": "attendance", "threshold": 87.5, "periods": 3}
    assert first.wording == (
        "Each member with the problem has school attendance at or above 87.5% for 3 consecutive terms"
    )
    assert (first.position, second.position) == (1, 2)
    assert second.wording == "Head teacher's report, signed off"
    other = services.add_criterion(draft, draft.plan.framework.problems[0].id, "manual", {})
    assert other.position == 1


def test_criterion_settings_are_checked_with_every_message(draft):
    school = draft.plan.framework.problems[1]
    with pytest.raises(services.InvalidParameters) as refused:
        services.add_criterion(draft, school.id, "reduction", {"event_kinds": [], "percent": "0", "months": "x"})
    assert refused.value.errors == {
        "event_kinds": "Select at least one of the events",
        "percent": "Reduction (%) must be between 1 and 100",
        "months": "Enter the months as a number",
    }
    assert (refused.value.field, refused.value.message) == ("event_kinds", "Select at least one of the events")
    assert draft.criteria == []


@pytest.mark.parametrize(
    ("problem_index", "kind", "wording", "field"),
    [
        (None, "manual", "", "problem_id"),
        (0, "astrology", "", "kind"),
        (0, "manual", "x" * 2001, "wording"),
    ],
)
def test_criterion_refusals_name_the_field(draft, problem_index, kind, wording, field):
    problems = draft.plan.framework.problems
    problem_id = problems[problem_index].id if problem_index is not None else None
    with pytest.raises(DomainError) as refused:
        services.add_criterion(draft, problem_id, kind, {}, wording)
    assert refused.value.field == field


def test_a_criterion_for_a_problem_of_another_framework_is_refused(draft):
    with pytest.raises(DomainError) as refused:
        services.add_criterion(draft, factories.framework("SF2022").problems[0].id, "manual", {})
    assert refused.value.field == "problem_id"


def test_update_criterion_keeps_kind_and_remakes_blank_wording(draft):
    school = draft.plan.framework.problems[1]
    criterion = services.add_criterion(
        draft, school.id, "held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3}
    )
    services.update_criterion(criterion, {"measure": "attendance", "threshold": "85", "periods": "2"}, "")
    assert criterion.kind == "held_over_periods"
    assert criterion.parameters == {"measure": "attendance", "threshold": 85.0, "periods": 2}
    assert criterion.wording == (
        "Each member with the problem has school attendance at or above 85% for 2 consecutive terms"
    )
    assert services.wording_is_standard(criterion)
    services.update_criterion(criterion, criterion.parameters, "Attendance of 85% over two terms")
    assert criterion.wording == "Attendance of 85% over two terms"
    assert not services.wording_is_standard(criterion)
    with pytest.raises(services.InvalidParameters):
        services.update_criterion(criterion, {"measure": "attendance", "threshold": 85, "periods": 13}, "")
    services.delete_criterion(criterion)
    assert draft.criteria == []


def test_a_published_versions_criteria_never_change(plan_version):
    criterion = plan_version.criteria[0]
    attempts = [
        lambda: services.add_criterion(plan_version, criterion.problem_id, "manual", {}),
        lambda: services.update_criterion(criterion, criterion.parameters, "New words"),
        lambda: services.delete_criterion(criterion),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowedError):
            attempt()
    assert len(plan_version.criteria) == 7
    assert criterion.wording != "New words"


def test_copy_copies_every_criterion_and_the_copy_can_change_alone(plan_version):
    copy = services.copy_version(plan_version, date(2018, 4, 1))
    content = [(c.problem_id, c.position, c.kind, c.parameters, c.wording) for c in plan_version.criteria]
    assert [(c.problem_id, c.position, c.kind, c.parameters, c.wording) for c in copy.criteria] == content
    assert {c.id for c in copy.criteria}.isdisjoint({c.id for c in plan_version.criteria})
    school = next(c for c in copy.criteria if c.kind == "held_over_periods")
    services.update_criterion(school, {**school.parameters, "threshold": 85}, "")
    assert next(c for c in plan_version.criteria if c.kind == "held_over_periods").parameters["threshold"] == 90


def test_publish_is_refused_while_a_problem_has_no_success_criterion(draft, manager):
    fill(draft, criteria=False)
    for problem in draft.plan.framework.problems[1:]:
        services.add_criterion(draft, problem.id, "manual", {})
    with pytest.raises(DomainError) as refused:
        services.publish(draft, manager)
    assert refused.value.message == (
        "Add at least one success criterion for every headline problem before publishing. None yet for: "
        "1. Parents or children involved in crime or anti-social behaviour"
    )
    assert draft.is_draft


def test_publish_is_refused_while_a_criterion_breaks_the_rules_of_its_kind(draft, manager, db_session):
    fill(draft)
    school = draft.plan.framework.problems[1]
    criterion = services.add_criterion(
        draft, school.id, "held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3}
    )
    criterion.parameters = {"measure": "attendance", "threshold": 190, "periods": 3}  # as an old row might be
    db_session.flush()
    assert services.publish_refusals(draft) == [
        "Success criterion 2 under 2. Children not attending school regularly cannot be used: threshold must be "
        "between 0 and 100"
    ]
    with pytest.raises(DomainError):
        services.publish(draft, manager)
    assert draft.is_draft


# ---------------------------------------------------------------- sharing plans as files


def test_import_makes_a_new_plan_with_draft_version_1(plan_version, db_session):
    from tfclaims.outcomes_plan import exports

    body = exports.to_yaml(exports.version_document(plan_version))
    version = services.import_plan("shared.yaml", body, "Imported plan")
    assert (version.number, version.status, version.plan.name, version.effective_from) == (
        1,
        "draft",
        "Imported plan",
        plan_version.effective_from,
    )
    assert len(version.descriptors) == 12 and len(version.criteria) == 7
    original = exports.version_document(plan_version)
    imported = exports.version_document(version)
    assert {**imported, "plan": original["plan"]} == original
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "plan_imported"))
    assert event.entity_id == version.id
    assert "Imported plan draft version 1 imported from version 1 of a shared plan (shared.yaml)" in event.summary


def test_import_refuses_a_name_in_use_and_a_bad_file_together(plan_version, db_session):
    from tfclaims.outcomes_plan import exports

    document = exports.version_document(plan_version)
    document["descriptors"][0]["evidence_source"] = "rumour"
    plans_before = len(queries.list_plans())
    with pytest.raises(services.ImportRefused) as refused:
        services.import_plan("shared.json", exports.to_json(document), plan_version.plan.name.upper())
    assert refused.value.problems == [
        (
            "file",
            "Descriptors item 1 (problem crime_asb): unknown evidence_source 'rumour'; use one of school, "
            "police, social_care, dwp, health, housing, youth_justice, practitioner",
        ),
        ("name", "An outcomes plan with this name already exists"),
    ]
    assert (refused.value.field, refused.value.message) == ("file", refused.value.problems[0][1])
    with pytest.raises(services.ImportRefused) as refused:
        services.import_plan("shared.yaml", exports.to_yaml(exports.version_document(plan_version)))
    assert refused.value.problems == [
        ("name", f"An outcomes plan named {plan_version.plan.name} already exists: give the new plan another name")
    ]
    assert len(queries.list_plans()) == plans_before
