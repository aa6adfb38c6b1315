"""Sharing plans through the pages (download as YAML or JSON, import as a new plan) and comparing two versions."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.engine.criteria import KINDS
from tfclaims.extensions import db
from tfclaims.outcomes_plan import exports, services
from tfclaims.outcomes_plan.models import Descriptor, OutcomesPlan, PlanVersion, SuccessCriterion


@pytest.fixture
def manager(sign_in):
    return sign_in(Role.MANAGER)


def download(client, version, file_format: str) -> dict:
    response = client.get(f"/outcomes-plans/versions/{version.id}/export.{file_format}")
    assert response.status_code == 200, response.status_code
    body = response.get_data()
    return yaml.safe_load(body) if file_format == "yaml" else json.loads(body)


def upload(pages, body: bytes, filename: str, name: str = ""):
    return pages.client.post("/outcomes-plans/import", data={"file": (io.BytesIO(body), filename), "name": name})


def content(document: dict) -> dict:
    """What a round trip keeps: everything but the plan's name and the version's number."""
    return {k: v for k, v in document.items() if k not in ("plan", "version")}


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (OutcomesPlan, PlanVersion, Descriptor, SuccessCriterion, AuditEvent)
    )


# ---------------------------------------------------------------- downloading


@pytest.mark.parametrize("role", list(Role))
def test_everyone_signed_in_can_download_a_version(client, sign_in, plan_version, role):
    sign_in(role)
    plan_version.notes = "Shared with the region"
    db.session.commit()
    response = client.get(f"/outcomes-plans/versions/{plan_version.id}/export.yaml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/yaml; charset=utf-8"
    slug = plan_version.plan.name.lower().replace(" ", "-")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-version-1.yaml"'
    assert response.headers["Cache-Control"] == "no-store"
    document = yaml.safe_load(response.get_data())
    assert {k: document[k] for k in ("format", "framework", "plan", "version", "effective_from", "notes")} == {
        "format": "tfclaims outcomes plan",
        "framework": "TF2015",
        "plan": plan_version.plan.name,
        "version": 1,
        "effective_from": date(2015, 4, 1),
        "notes": "Shared with the region",
    }
    assert document["descriptors"][0] == {
        "problem": "crime_asb",
        "code": "P1.1",
        "text": "Parents or children involved in crime or anti-social behaviour: descriptor 1",
        "evidence_source": "practitioner",
        "applies_to": "any",
    }
    assert len(document["descriptors"]) == 12
    assert document["criteria"][1] == {
        "problem": "school",
        "kind": "held_over_periods",
        "parameters": {"measure": "attendance", "threshold": 90, "periods": 3},
        "wording": "Each member with the problem has school attendance at or above 90% for 3 consecutive terms",
    }
    assert [c["problem"] for c in document["criteria"]] == [
        "crime_asb",
        "school",
        "children_need_help",
        "worklessness",
        "worklessness",
        "domestic_abuse",
        "health",
    ]

    response = client.get(f"/outcomes-plans/versions/{plan_version.id}/export.json")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('-version-1.json"')
    as_json = json.loads(response.get_data())
    assert as_json == {**document, "effective_from": "2015-04-01"}


def test_version_page_links_to_both_downloads(pages, sign_in, plan_version):
    sign_in(Role.AUDITOR)
    page = pages.get(f"/outcomes-plans/versions/{plan_version.id}")
    hrefs = [a["href"] for a in page.select("#downloads a")]
    assert hrefs == [
        f"/outcomes-plans/versions/{plan_version.id}/export.yaml",
        f"/outcomes-plans/versions/{plan_version.id}/export.json",
    ]


def test_downloads_need_signing_in_and_a_real_version(client, sign_in, plan_version):
    response = client.get(f"/outcomes-plans/versions/{plan_version.id}/export.yaml")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(Role.COORDINATOR)
    assert client.get("/outcomes-plans/versions/99999/export.json").status_code == 404


# ---------------------------------------------------------------- importing


@pytest.mark.parametrize("file_format", ["yaml", "json"])
def test_round_trip_gives_the_same_content(pages, manager, plan_version, db_session, file_format):
    """A draft with every kind of criterion, own wording and a decimal threshold, out and back in."""
    draft = services.copy_version(plan_version, date(2019, 4, 1), "Annual review: school threshold 87.5%")
    school = next(c for c in draft.criteria if c.kind == "held_over_periods")
    services.update_criterion(school, {**school.parameters, "threshold": "87.5"}, "Attendance of 87.5% or more")
    services.add_criterion(draft, school.problem_id, "no_events", {"event_kinds": ["exclusion"], "months": 9})
    services.add_descriptor(draft, school.problem_id, "ED9", "Ünïcode – “quotes” and: colons", "school")
    db_session.commit()

    exported = download(pages.client, draft, file_format)
    body = pages.client.get(f"/outcomes-plans/versions/{draft.id}/export.{file_format}").get_data()
    response = upload(pages, body, f"shared.{file_format}", name="Neighbouring council plan")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    imported = db_session.scalar(
        select(PlanVersion).join(OutcomesPlan).where(OutcomesPlan.name == "Neighbouring council plan")
    )
    assert response.headers["Location"].endswith(f"/outcomes-plans/versions/{imported.id}")
    assert (imported.number, imported.status, imported.plan.framework.code) == (1, "draft", "TF2015")

    again = download(pages.client, imported, file_format)
    assert content(again) == content(exported)
    assert (again["plan"], again["version"]) == ("Neighbouring council plan", 1)
    assert pages.client.get(f"/outcomes-plans/versions/{imported.id}/export.{file_format}").get_data() == body.replace(
        draft.plan.name.encode(), b"Neighbouring council plan"
    ).replace(b"version: 2", b"version: 1").replace(b'"version": 2', b'"version": 1')

    page = pages.get(f"/outcomes-plans/versions/{imported.id}")
    assert "Outcomes plan Neighbouring council plan imported as draft version 1" in text(page)
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "plan_imported", AuditEvent.entity_id == imported.id)
    )
    assert event.actor_id == manager.id
    assert f"(shared.{file_format})" in event.summary


def test_import_uses_the_plan_name_in_the_file_unless_taken(pages, manager, plan_version, db_session):
    page = pages.get("/outcomes-plans/import")
    assert page.select_one("main form")["enctype"] == "multipart/form-data"
    body = exports.to_yaml(exports.version_document(plan_version))
    page, errors = pages.post_with_errors(
        "/outcomes-plans/import", {"file": (io.BytesIO(body), "plan.yaml"), "name": ""}
    )
    assert errors == [f"An outcomes plan named {plan_version.plan.name} already exists: give the new plan another name"]
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#name"]
    assert page.select_one("#name-error") is not None

    document = exports.version_document(plan_version)
    document["plan"] = "A plan from elsewhere"
    response = upload(pages, exports.to_json(document), "plan.JSON")
    assert response.status_code == 302
    assert db_session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "A plan from elsewhere")) is not None

    _, errors = pages.post_with_errors(
        "/outcomes-plans/import", {"file": (io.BytesIO(body), "plan.yaml"), "name": "a plan FROM elsewhere"}
    )
    assert errors == ["An outcomes plan with this name already exists"]


def test_import_reports_every_problem_with_where_it_is_and_saves_nothing(pages, manager, plan_version):
    document = exports.version_document(plan_version)
    document["framework"] = "TF2015"
    document["descriptors"][3]["code"] = "P1.1"
    document["descriptors"][5]["evidence_source"] = "gossip"
    document["criteria"][1]["parameters"]["threshold"] = 150
    document["criteria"][2]["kind"] = "crystal_ball"
    document["criteria"].append({"problem": "pets", "kind": "manual"})
    before = counts()
    page, errors = pages.post_with_errors(
        "/outcomes-plans/import", {"file": (io.BytesIO(exports.to_yaml(document)), "plan.yml"), "name": "New plan"}
    )
    assert errors == [
        "Descriptors item 6 (problem children_need_help): unknown evidence_source 'gossip'; use one of school, "
        "police, social_care, dwp, health, housing, youth_justice, practitioner",
        "Descriptor code P1.1 appears twice",
        "Criteria item 2 (problem school): threshold must be between 0 and 100",
        f"Criteria item 3 (problem children_need_help): unknown kind 'crystal_ball'; use one of {', '.join(KINDS)}",
        "Criteria item 8: unknown problem code 'pets' for Troubled Families 2015-21; use one of crime_asb, school, "
        "children_need_help, worklessness, domestic_abuse, health",
    ]
    assert {a["href"] for a in page.select(".govuk-error-summary a")} == {"#file"}
    assert text(page.select_one("#file-error")) == (
        "Error: The selected file has 5 problems: fix them and upload it again"
    )
    assert page.title.get_text(strip=True).startswith("Error:")
    assert page.select_one("#name")["value"] == "New plan", "what was typed is kept"
    assert counts() == before, "nothing is saved unless the whole file is good"


@pytest.mark.parametrize(
    ("filename", "body", "expected"),
    [
        (
            "plan.txt",
            b"framework: TF2015\n",
            "The selected file must be a YAML or JSON file, ending .yaml, .yml or .json",
        ),
        ("plan.yaml", b"notes: " + b"x" * exports.MAX_BYTES, "The selected file must be smaller than 1 MB"),
        (
            "plan.json",
            b"{not json",
            "The file is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2",
        ),
        (
            "plan.yaml",
            b"- just\n- a list\n",
            "The file must hold one outcomes plan: a mapping with framework, plan, "
            "effective_from, descriptors and criteria",
        ),
        ("plan.yaml", b"", "The selected file is empty"),
    ],
)
def test_files_that_cannot_be_imported(pages, manager, db_session, filename, body, expected):
    before = counts()
    _, errors = pages.post_with_errors("/outcomes-plans/import", {"file": (io.BytesIO(body), filename)})
    assert errors == [expected]
    assert counts() == before


def test_a_file_must_be_chosen(pages, manager):
    _, errors = pages.post_with_errors("/outcomes-plans/import", {"name": "x"})
    assert errors == ["Select a plan file to import"]


def test_managers_find_the_import_page_from_the_list(pages, manager):
    page = pages.get("/outcomes-plans/")
    assert page.find("a", string="Import an outcomes plan")["href"] == "/outcomes-plans/import"


# ---------------------------------------------------------------- comparing versions


@pytest.fixture
def two_versions(plan_version, db_session):
    """Version 1 (published) and a draft version 2 with one of every kind of change."""
    copy = services.copy_version(plan_version, date(2018, 4, 1), "Annual review")
    by_code = {d.code: d for d in copy.descriptors}
    services.update_descriptor(
        by_code["P2.1"], by_code["P2.1"].problem_id, "P2.1", "Missing 10% of sessions", "school", "school_age"
    )
    services.delete_descriptor(by_code["P3.1"])
    services.add_descriptor(copy, by_code["P1.1"].problem_id, "ASB9", "Gang involvement", "police")
    school = next(c for c in copy.criteria if c.kind == "held_over_periods")
    services.update_criterion(school, {**school.parameters, "threshold": 85}, "")
    health = next(c for c in copy.criteria if c.problem.code == "health")
    services.delete_criterion(health)
    services.add_criterion(copy, health.problem_id, "no_events", {"event_kinds": ["asb"], "months": 6})
    db_session.commit()
    return plan_version, copy


def section(page, code: str):
    return page.select_one(f"#compare-{code}").find_parent("section")


def rows(table) -> list[list[str]]:
    return [[" ".join(td.get_text(" ").split()) for td in tr.select("td")] for tr in table.select("tbody tr")]


@pytest.mark.parametrize("role", list(Role))
def test_everyone_signed_in_can_compare_versions(pages, sign_in, two_versions, role):
    sign_in(role)
    first, second = two_versions
    page = pages.get(f"/outcomes-plans/{first.plan_id}")
    assert page.find("a", string="Compare versions")["href"] == f"/outcomes-plans/{first.plan_id}/compare"
    page = pages.get(f"/outcomes-plans/{first.plan_id}/compare")
    assert page.h1.get_text(strip=True) == "Compare versions"
    assert page.select_one("#left option[selected]")["value"] == str(first.id)
    assert page.select_one("#right option[selected]")["value"] == str(second.id)


def test_compare_marks_what_was_added_removed_and_changed(pages, sign_in, two_versions):
    sign_in(Role.CLAIMS_OFFICER)
    first, second = two_versions
    page = pages.get(f"/outcomes-plans/{first.plan_id}/compare?left={first.id}&right={second.id}")
    summary = text(page.select_one("#compare-summary"))
    assert "Going from version 1 to version 2: 2 added, 2 removed, 2 changed" in summary
    assert rows(page.select_one("#compare-details")) == [
        ["1 April 2015", "1 April 2018", "Changed"],
        ["None", "Annual review", "Changed"],
    ]

    crime = section(page, "crime_asb")
    assert "1 change in this headline problem." in text(crime)
    descriptors, criteria = crime.select("table")
    assert rows(descriptors)[0] == [
        "Not in version 1",
        "ASB9 : Gang involvement Evidence: Police. Who can meet it: any member",
        "Added",
    ]
    assert [r[2] for r in rows(descriptors)[1:]] == ["Unchanged", "Unchanged"]

    school = section(page, "school")
    descriptors, criteria = school.select("table")
    assert rows(descriptors)[0][2] == "Changed wording, evidence source and who it applies to"
    assert rows(descriptors)[0][0].endswith("Who can meet it: any member")
    assert rows(descriptors)[0][1].startswith("P2.1 : Missing 10% of sessions")
    assert rows(descriptors)[0][1].endswith("Who can meet it: a school-age child (5 to 16)")
    [criterion] = rows(criteria)
    assert criterion[0].startswith("Each member with the problem has school attendance at or above 90%")
    assert criterion[1].startswith("Each member with the problem has school attendance at or above 85%")
    assert criterion[2] == "Changed settings and wording"

    need_help = section(page, "children_need_help")
    assert rows(need_help.select("table")[0])[0] == [
        "P3.1 : Children who need help: descriptor 1 Evidence: Lead practitioner's assessment. "
        "Who can meet it: any member",
        "Not in version 2",
        "Removed",
    ]
    health = section(page, "health")
    assert [r[2] for r in rows(health.select("table")[1])] == ["Removed", "Added"]
    assert "No changes in this headline problem." in text(section(page, "domestic_abuse"))

    # The other way round, additions become removals.
    page = pages.get(f"/outcomes-plans/{first.plan_id}/compare?left={second.id}&right={first.id}")
    summary = text(page.select_one("#compare-summary"))
    assert "Going from version 2 to version 1: 2 added, 2 removed, 2 changed" in summary
    assert rows(section(page, "crime_asb").select("table")[0])[0][2] == "Removed"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("left={first}&right={first}", ["Select two different versions to compare"]),
        ("left=abc&right={second}", ["Select the first version to compare"]),
        ("left={first}&right=99999", ["Select the second version to compare"]),
        ("left={other}&right={second}", ["Select the first version to compare"]),
        ("right={second}", ["Select the first version to compare"]),
    ],
)
def test_compare_needs_two_different_versions_of_the_plan(pages, sign_in, two_versions, query, expected):
    sign_in(Role.AUDITOR)
    first, second = two_versions
    other = factories.make_published_plan()
    url = f"/outcomes-plans/{first.plan_id}/compare?" + query.format(first=first.id, second=second.id, other=other.id)
    page = pages.get(url)
    summary = page.select_one(".govuk-error-summary")
    assert [li.get_text(strip=True) for li in summary.select("li")] == expected
    assert not page.select("#compare-summary")


def test_a_plan_with_one_version_has_nothing_to_compare(pages, sign_in, plan_version):
    sign_in(Role.MANAGER)
    page = pages.get(f"/outcomes-plans/{plan_version.plan_id}")
    assert not page.find("a", string="Compare versions")
    page = pages.get(f"/outcomes-plans/{plan_version.plan_id}/compare")
    assert "This plan has only one version, so there is nothing to compare yet." in text(page)
    assert not page.select("main form")
    pages.get("/outcomes-plans/99999/compare", status=404)


def test_an_upload_over_the_app_limit_is_refused_before_it_is_read(app, pages, manager, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    before = counts()
    response = upload(pages, b"notes: " + b"x" * (3 * 1024 * 1024), "plan.yaml")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is too large" in page and "up to 2 MB" in page
    assert counts() == before
