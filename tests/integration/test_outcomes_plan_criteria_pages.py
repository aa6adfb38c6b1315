"""Success criteria through the pages: a manager adds, changes and deletes them on a draft; published versions
show them read-only; the version page shows the framework's continuous-employment settings."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tests.pages import text
from tfclaims.auth.roles import Role
from tfclaims.engine.criteria import KINDS
from tfclaims.extensions import db
from tfclaims.outcomes_plan import services
from tfclaims.outcomes_plan.models import OutcomesPlan, PlanVersion, SuccessCriterion

# Per kind: what a manager types, what is stored, and the standard wording made from it.
EXAMPLES = {
    "held_over_periods": (
        {"measure": "attendance", "threshold": " 87.5 ", "periods": "3"},
        {"measure": "attendance", "threshold": 87.5, "periods": 3},
        "Each member with the problem has school attendance at or above 87.5% for 3 consecutive terms",
        ["Measure: School attendance", "Threshold: 87.5", "Consecutive periods: 3"],
    ),
    "held_below_over_periods": (
        {"measure": "unauthorised_absence", "threshold": " 10 ", "periods": "3"},
        {"measure": "unauthorised_absence", "threshold": 10, "periods": 3},
        "Each member with the problem has unauthorised absence below 10% for 3 consecutive terms",
        ["Measure: Unauthorised absence", "Threshold: 10", "Consecutive periods: 3"],
    ),
    "reduction": (
        {"event_kinds": ["asb", "offence"], "percent": "33", "months": "6"},
        {"event_kinds": ["offence", "asb"], "percent": 33, "months": 6},
        "Offences and anti-social behaviour incidents across the family down at least 33% over 6 months against "
        "the 6 months before attachment",
        ["Events: Offence, Anti-social behaviour incident", "Reduction (%): 33", "Months: 6"],
    ),
    "no_events": (
        {"event_kinds": ["domestic_abuse"], "months": "6"},
        {"event_kinds": ["domestic_abuse"], "months": 6},
        "No domestic abuse incidents in any member for 6 months",
        ["Events: Domestic abuse incident", "Months: 6"],
    ),
    "status_ended": (
        {"status_kinds": ["child_in_need", "child_protection"], "months": "6"},
        {"status_kinds": ["child_in_need", "child_protection"], "months": 6},
        "Child in need plans or child protection plans ended, and none opened again, for 6 months",
        ["Plans: Child in need plan, Child protection plan", "Months: 6"],
    ),
    "manual": (
        {},
        {},
        "Significant and sustained progress evidenced by the lead practitioner and signed off by a manager",
        ["None: a manager signs off the practitioner's evidence"],
    ),
    "continuous_employment": (
        {},
        {},
        "An adult who was on an out-of-work benefit in continuous employment",
        ["The framework's continuous-employment settings"],
    ),
}


@pytest.fixture
def manager(sign_in):
    return sign_in(Role.MANAGER)


@pytest.fixture
def draft(db_session):
    """An empty draft version 1 of a new 2015-21 plan."""
    plan = OutcomesPlan(framework=factories.framework("TF2015"), name="Draft plan for criteria")
    version = PlanVersion(plan=plan, number=1, effective_from=date(2016, 4, 1))
    db.session.add(plan)
    db.session.commit()
    return version


def slug(kind: str) -> str:
    return kind.replace("_", "-")


def new_url(version, problem, kind: str | None = None) -> str:
    url = f"/outcomes-plans/versions/{version.id}/problems/{problem.id}/criteria/new"
    return f"{url}/{slug(kind)}" if kind else url


def criteria_of(version) -> list[SuccessCriterion]:
    return list(
        db.session.scalars(
            select(SuccessCriterion)
            .where(SuccessCriterion.plan_version_id == version.id)
            .order_by(SuccessCriterion.problem_id, SuccessCriterion.position)
        )
    )


def lines(cell) -> list[str]:
    return [part.strip() for part in cell.get_text("\n").split("\n") if part.strip()]


def test_every_kind_has_an_example_here():
    assert set(EXAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
def test_manager_adds_each_kind_of_criterion_in_two_steps(pages, manager, draft, kind):
    typed, stored, wording, settings = EXAMPLES[kind]
    school = draft.plan.framework.problems[1]
    base = f"/outcomes-plans/versions/{draft.id}"

    page = pages.get(base)
    link = page.select_one(f"#problem-2 ~ p a[href='{new_url(draft, school)}']")
    assert text(link) == "Add a success criterion for headline problem 2", "each problem has its own link"

    page = pages.get(new_url(draft, school))
    assert page.h1.get_text(strip=True) == "What kind of success criterion?"
    radio = page.select_one(f"input[name=kind][value={kind}]")
    hint = page.select_one(f"#{radio['aria-describedby']}")
    assert hint.get_text(strip=True) == KINDS[kind].description, "each kind's description is its hint"
    pages.post(new_url(draft, school), {"kind": kind}, redirects_to=new_url(draft, school, kind))

    page = pages.get(new_url(draft, school, kind))
    assert KINDS[kind].name in text(page)
    for parameter in KINDS[kind].parameters:
        assert page.select_one(f"[name={parameter.name}]") is not None, parameter.name
    response = pages.post(new_url(draft, school, kind), {**typed, "wording": ""}, redirects_to=base)
    assert response.headers["Location"].endswith("#problem-2")

    [criterion] = criteria_of(draft)
    assert (criterion.problem_id, criterion.kind, criterion.position) == (school.id, kind, 1)
    assert criterion.parameters == stored
    assert criterion.wording == wording

    page = pages.get(base)
    assert "Success criterion added to 2. Children not attending school regularly" in text(page)
    [row] = page.select("#criteria-2 tbody tr")
    cells = row.select("td")
    assert cells[0].get_text(strip=True) == wording
    assert cells[1].get_text(strip=True) == KINDS[kind].name
    assert lines(cells[2]) == settings


def test_a_kind_must_be_chosen(pages, manager, draft):
    problem = draft.plan.framework.problems[0]
    _, errors = pages.post_with_errors(new_url(draft, problem), {})
    assert errors == ["Select a kind of success criterion"]
    _, errors = pages.post_with_errors(new_url(draft, problem), {"kind": "astrology"})
    assert errors == ["Select a kind of success criterion"]


def test_choose_a_different_kind_goes_back_with_the_kind_chosen(pages, manager, draft):
    problem = draft.plan.framework.problems[0]
    page = pages.get(new_url(draft, problem, "no_events"))
    back = page.find("a", string="Choose a different kind")["href"]
    assert back == f"{new_url(draft, problem)}?kind=no_events"
    page = pages.get(back)
    assert page.select_one("input[name=kind][value=no_events]").has_attr("checked")


def test_settings_errors_show_against_each_field_and_keep_what_was_typed(pages, manager, draft):
    problem = draft.plan.framework.problems[0]
    url = new_url(draft, problem, "reduction")
    page, errors = pages.post_with_errors(url, {"percent": "lots", "months": "", "wording": "Kept words"})
    assert errors == [
        "Select at least one of the events",
        "Enter the reduction (%) as a number",
        "Enter the months as a number",
    ]
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#event_kinds", "#percent", "#months"]
    assert page.select_one("#event_kinds")["name"] == "event_kinds", "the first checkbox carries the field's id"
    assert text(page.select_one("#percent-error")) == "Error: Enter the reduction (%) as a number"
    assert page.select_one("#percent")["value"] == "lots"
    assert page.select_one("#wording").get_text() == "Kept words"
    assert page.title.get_text(strip=True).startswith("Error:")

    url = new_url(draft, problem, "held_over_periods")
    _, errors = pages.post_with_errors(url, {"measure": "height", "threshold": "120", "periods": "2.5"})
    assert errors == [
        "Select the measure",
        "Threshold must be between 0 and 100",
        "Enter the consecutive periods as a whole number",
    ]
    _, errors = pages.post_with_errors(
        url, {"measure": "attendance", "threshold": "90", "periods": "3", "wording": "x" * 2001}
    )
    assert errors == ["Wording must be 2,000 characters or fewer"]
    assert criteria_of(draft) == []


def test_a_manager_writes_their_own_wording(pages, manager, draft):
    problem = draft.plan.framework.problems[4]
    pages.post(
        new_url(draft, problem, "no_events"),
        {"event_kinds": "domestic_abuse", "months": "12", "wording": " No call-outs for a year "},
        redirects_to=f"/outcomes-plans/versions/{draft.id}",
    )
    [criterion] = criteria_of(draft)
    assert criterion.wording == "No call-outs for a year"
    assert criterion.parameters == {"event_kinds": ["domestic_abuse"], "months": 12}


def test_several_criteria_for_one_problem_any_one_is_enough(pages, manager, draft):
    problem = draft.plan.framework.problems[3]
    for kind in ("continuous_employment", "manual"):
        pages.post(new_url(draft, problem, kind), {"wording": ""}, redirects_to=f"/outcomes-plans/versions/{draft.id}")
    assert [(c.kind, c.position) for c in criteria_of(draft)] == [("continuous_employment", 1), ("manual", 2)]
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert len(page.select("#criteria-4 tbody tr")) == 2
    assert text(page.select_one("#any-one-4")) == "Meeting any one of these 2 success criteria is enough."
    assert "When a headline problem has several success criteria, meeting any one of them is enough." in text(page)
    assert page.select_one("#any-one-1") is None


def test_manager_changes_a_criterion(pages, manager, draft, db_session):
    problem = draft.plan.framework.problems[1]
    criterion = services.add_criterion(
        draft, problem.id, "held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3}
    )
    db_session.commit()
    url = f"/outcomes-plans/versions/{draft.id}/criteria/{criterion.id}/edit"
    page = pages.get(url)
    assert page.h1.get_text(strip=True) == "Change success criterion"
    assert page.select_one("#threshold")["value"] == "90"
    assert page.select_one("#measure option[selected]")["value"] == "attendance"
    assert page.select_one("#wording").get_text() == "", "standard wording is left blank, to be made afresh"
    assert "It is now: Each member with the problem has school attendance at or above 90%" in text(page)

    _, errors = pages.post_with_errors(url, {"measure": "attendance", "threshold": "-5", "periods": "3"})
    assert errors == ["Threshold must be between 0 and 100"]
    pages.post(
        url,
        {"measure": "attendance", "threshold": "85", "periods": "3", "wording": ""},
        redirects_to=f"/outcomes-plans/versions/{draft.id}",
    )
    db_session.refresh(criterion)
    assert criterion.parameters["threshold"] == 85
    assert criterion.wording == (
        "Each member with the problem has school attendance at or above 85% for 3 consecutive terms"
    )
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert "Success criterion of 2. Children not attending school regularly saved" in text(page)

    pages.post(
        url,
        {"measure": "attendance", "threshold": "85", "periods": "3", "wording": "Good attendance"},
        redirects_to=f"/outcomes-plans/versions/{draft.id}",
    )
    page = pages.get(url)
    assert page.select_one("#wording").get_text() == "Good attendance", "a manager's own wording is shown to change"


def test_unticking_every_choice_is_refused(pages, manager, draft, db_session):
    problem = draft.plan.framework.problems[2]
    criterion = services.add_criterion(
        draft, problem.id, "status_ended", {"status_kinds": ["child_in_need"], "months": 6}
    )
    db_session.commit()
    url = f"/outcomes-plans/versions/{draft.id}/criteria/{criterion.id}/edit"
    page = pages.get(url)
    assert page.select_one("input[name=status_kinds][value=child_in_need]").has_attr("checked")
    _, errors = pages.post_with_errors(url, {"months": "6"})
    assert errors == ["Select at least one of the plans"]
    db_session.refresh(criterion)
    assert criterion.parameters["status_kinds"] == ["child_in_need"]


def test_manager_deletes_a_criterion(pages, manager, draft, db_session):
    problem = draft.plan.framework.problems[5]
    criterion = services.add_criterion(draft, problem.id, "manual", {}, "A GP letter, signed off")
    db_session.commit()
    url = f"/outcomes-plans/versions/{draft.id}/criteria/{criterion.id}/delete"
    page = pages.get(url)
    assert "A GP letter, signed off" in text(page)
    response = pages.post(url, {}, redirects_to=f"/outcomes-plans/versions/{draft.id}")
    assert response.headers["Location"].endswith("#problem-6")
    assert criteria_of(draft) == []
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert "Success criterion of 6. Parents and children with a range of health problems deleted" in text(page)


def test_published_versions_show_criteria_read_only(pages, manager, plan_version, db_session):
    base = f"/outcomes-plans/versions/{plan_version.id}"
    page = pages.get(base)
    assert len(page.select("table[id^=criteria-] tbody tr")) == 7
    assert "Each member with the problem has school attendance at or above 90% for 3 consecutive terms" in text(page)
    assert text(page.select_one("#any-one-4")) == "Meeting any one of these 2 success criteria is enough."
    assert "Add a success criterion" not in text(page)
    assert not page.select("a[href*='/criteria/']")

    criterion = plan_version.criteria[0]
    problem = criterion.problem
    changing = [
        (new_url(plan_version, problem), {"kind": "manual"}),
        (new_url(plan_version, problem, "manual"), {"wording": "x"}),
        (f"{base}/criteria/{criterion.id}/edit", {"wording": "Changed"}),
        (f"{base}/criteria/{criterion.id}/delete", {}),
    ]
    for url, data in changing:
        response = pages.client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(base), url
        pages.post(url, data, redirects_to=base)
    db_session.refresh(criterion)
    assert len(criteria_of(plan_version)) == 7
    assert criterion.wording != "Changed"
    assert "is published and cannot be changed" in text(pages.get(base))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AUDITOR])
def test_readers_see_criteria_without_change_links(pages, sign_in, draft, role, db_session):
    services.add_criterion(draft, draft.plan.framework.problems[0].id, "manual", {})
    db_session.commit()
    sign_in(role)
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert len(page.select("#criteria-1 tbody tr")) == 1
    assert not page.select("a[href*='/criteria/']")


def test_unknown_kinds_problems_and_criteria_are_not_found(pages, manager, draft, plan_version):
    problem = draft.plan.framework.problems[0]
    pages.get(new_url(draft, problem, "astrology"), status=404)
    sf_problem = factories.framework("SF2022").problems[0]
    pages.get(new_url(draft, sf_problem), status=404)
    pages.get(new_url(draft, sf_problem, "manual"), status=404)
    other = plan_version.criteria[0]
    pages.get(f"/outcomes-plans/versions/{draft.id}/criteria/{other.id}/edit", status=404)
    pages.get(f"/outcomes-plans/versions/{draft.id}/criteria/{other.id}/delete", status=404)
    pages.get(f"/outcomes-plans/versions/99999/problems/{problem.id}/criteria/new", status=404)


def test_version_page_shows_the_frameworks_continuous_employment_settings(pages, sign_in, plan_version):
    sign_in(Role.CLAIMS_OFFICER)
    page = pages.get(f"/outcomes-plans/versions/{plan_version.id}")
    section = page.select_one("#continuous-employment").find_parent("section")
    assert text(page.select_one("#continuous-employment")) == "Continuous employment: the framework's settings"
    assert "national settings of Troubled Families 2015-21, not of this plan" in text(section)
    rows = [[c.get_text(strip=True) for c in tr.select("th, td")] for tr in section.select("tbody tr")]
    assert rows == [
        ["Jobseeker's Allowance (JSA)", "26 weeks in work within 30 weeks", "Any hours"],
        ["Employment and Support Allowance (ESA)", "13 weeks in work within 15 weeks", "Any hours"],
        ["Income Support (IS)", "13 weeks in work within 15 weeks", "Any hours"],
        ["Universal Credit (UC)", "26 weeks in work within 30 weeks", "At least 16 hours a week"],
    ]
    # read-only here: the one link goes to the framework's settings page
    [link] = section.select("a")
    assert link["href"] == f"/outcomes-plans/frameworks/{plan_version.plan.framework_id}"


def test_publish_page_names_the_problem_whose_criterion_is_broken(pages, manager, draft, db_session):
    for problem in draft.plan.framework.problems:
        services.add_descriptor(draft, problem.id, f"D{problem.number}", "Wording", "practitioner")
        services.add_criterion(draft, problem.id, "manual", {})
    school = draft.plan.framework.problems[1]
    broken = SuccessCriterion(
        plan_version=draft,
        problem=school,
        position=2,
        kind="held_over_periods",
        parameters={"measure": "attendance", "threshold": 101, "periods": 3},
        wording="Old",
    )
    db_session.add(broken)
    db_session.commit()
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert "Success criterion 2 under 2. Children not attending school regularly cannot be used" in text(page)
    _, errors = pages.post_with_errors(f"/outcomes-plans/versions/{draft.id}/publish", {})
    assert errors == [
        "Success criterion 2 under 2. Children not attending school regularly cannot be used: threshold must be "
        "between 0 and 100"
    ]
    pages.post(
        f"/outcomes-plans/versions/{draft.id}/criteria/{broken.id}/delete",
        {},
        redirects_to=f"/outcomes-plans/versions/{draft.id}",
    )
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    assert "this draft is ready to publish" in text(page)
    pages.post(f"/outcomes-plans/versions/{draft.id}/publish", {}, redirects_to=f"/outcomes-plans/versions/{draft.id}")
    db_session.refresh(draft)
    assert draft.is_published


def test_copying_a_version_copies_its_criteria(pages, manager, plan_version, db_session):
    page = pages.get(f"/outcomes-plans/versions/{plan_version.id}/copy")
    assert "12 descriptors and 7 success criteria" in text(page)
    pages.post(
        f"/outcomes-plans/versions/{plan_version.id}/copy", {"effective_from": ["1", "4", "2018"]}, redirects_to=""
    )
    copy = db_session.scalar(select(PlanVersion).where(PlanVersion.copied_from_id == plan_version.id))
    assert len(copy.criteria) == 7
    page = pages.get(f"/outcomes-plans/versions/{copy.id}")
    assert len(page.select("table[id^=criteria-] tbody tr")) == 7
    assert page.select("a[href*='/criteria/']"), "the copy is a draft: its criteria can be changed"
