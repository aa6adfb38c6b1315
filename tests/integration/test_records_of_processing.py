"""Records of processing (issue 13, item 14): the DPO's page of what personal data tfclaims holds by category and
record type, live counts, lawful bases, the retention rule for each, legal holds, the last retention run and the
history of exports."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.integration.test_subject_access import REQUEST, download, seed_people
from tests.pages import text
from tfclaims.auth.roles import Role
from tfclaims.dataprotection import rules
from tfclaims.extensions import db
from tfclaims.families.models import Consent, Family, Member
from tfclaims.progress.models import Event
from tfclaims.retention.models import LegalHold, RetentionRule, RetentionRun

URL = "/data-protection/records-of-processing"


@pytest.fixture
def people(db_session, users, plan_version):
    return seed_people(plan_version, users[Role.MANAGER])


@pytest.mark.parametrize("role", [r for r in Role if r != Role.MANAGER])
def test_only_managers_see_the_records_of_processing(client, sign_in, role):
    sign_in(role)
    assert client.get(URL).status_code == 403


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_category_with_its_lawful_basis_record_types_and_retention_rule(pages, sign_in, people):
    sign_in(Role.MANAGER)
    page = pages.get(URL)
    rows = page.select("#categories-table tbody tr")
    assert [r.th.get_text(strip=True) for r in rows] == [c.name for c in rules.CATEGORIES]
    by_name = {r.th.get_text(strip=True): text(r) for r in rows}
    for name in ("Identity", "Contact and address", "Identifiers", "Health (special category)",
                 "Crime and offences (criminal offence data)", "Social care", "Education", "Employment and benefits",
                 "Consent"):
        assert name in by_name
    assert "8 years after the attachment closed, or after the programme phase ended if later" in by_name["Identity"]
    assert "Article 9(2)(g)" in by_name["Social care"] and "Article 10" in by_name[
        "Crime and offences (criminal offence data)"]
    assert f"member ({count(Member):,})" in by_name["Identity"]
    assert f"event ({count(Event):,})" in by_name["Crime and offences (criminal offence data)"]
    # No rule for the audit trail: the page says what happens rather than inventing one.
    assert "No rule of its own: events are kept, their personal values redacted" in by_name["Audit trail"]


def test_counts_are_live(pages, sign_in, people):
    sign_in(Role.MANAGER)
    page = pages.get(URL)
    assert page.select_one("#count-family").get_text(strip=True) == f"{count(Family):,}"
    assert page.select_one("#count-member").get_text(strip=True) == f"{count(Member):,}"
    db.session.add(Member(family_id=people.subject.family_id, forenames="New", surname="Baby", sex="X",
                          date_of_birth=date(2026, 1, 1), relationship_to_lead="child"))
    db.session.commit()
    page = pages.get(URL)
    assert page.select_one("#count-member").get_text(strip=True) == f"{count(Member):,}"
    assert count(Member) == 4
    consents = text(page.select_one("#consents-table"))
    assert f"Programme work and sharing Given {count(Consent)}" in consents


def test_a_rule_for_a_record_type_is_shown_against_its_categories(pages, sign_in, people):
    db.session.add(RetentionRule(record_type="audit_event", years=15, starts_from="created",
                                 note="Kept for the department's audit"))
    db.session.commit()
    sign_in(Role.MANAGER)
    page = pages.get(URL)
    audit = next(text(r) for r in page.select("#categories-table tbody tr") if "Audit trail" in r.th.get_text())
    assert "15 years after the record was made" in audit
    rules_text = text(page.select_one("#retention-rules"))
    assert "audit_event : 15 years after the record was made. Kept for the department's audit" in rules_text
    assert "A family's records ( family ): 8 years after the attachment closed" in rules_text


def test_active_legal_holds_are_listed_and_released_ones_counted(pages, sign_in, people):
    manager = people.manager
    db.session.add_all([
        LegalHold(family_id=people.subject.family_id, reason="Tribunal appeal pending", placed_on=date(2026, 5, 1),
                  placed_by_id=manager.id),
        LegalHold(family_id=people.stranger.family_id, reason="Complaint closed", placed_on=date(2025, 1, 1),
                  released_on=date(2025, 6, 1), release_reason="Resolved"),
    ])
    db.session.commit()
    sign_in(Role.MANAGER)
    page = pages.get(URL)
    holds = page.select("#holds-table tbody tr")
    assert len(holds) == 1
    row = text(holds[0])
    assert "FAM-SAR-ZQ" in row and "Tribunal appeal pending" in row and "1 May 2026" in row and manager.name in row
    assert "Complaint closed" not in text(page)
    assert "1 active legal hold, 1 released" in text(page)


def test_the_last_retention_run_is_shown(pages, sign_in, people):
    sign_in(Role.MANAGER)
    assert "Retention has not run yet" in text(pages.get(URL))
    db.session.add_all([
        RetentionRun(kind="due_list", as_of=date(2026, 11, 1), started_at=datetime(2026, 11, 1, 2, tzinfo=UTC),
                     actor_label="command line", families_due=9),
        RetentionRun(kind="dry_run", as_of=date(2026, 12, 2), started_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
                     actor_label="Dana Manager", families_due=4, families_held=1, families_erased=0),
    ])
    db.session.commit()
    page = pages.get(URL)
    last = text(page.select_one("#last-run").find_next("dl"))
    assert "Dry run" in last and "Dana Manager" in last and "4 due, 1 held, 0 erased" in last
    assert "2 December 2026" in last


def test_the_export_history_lists_each_export_with_who_when_and_rows(pages, client, sign_in, people, app):
    manager = sign_in(Role.MANAGER)
    assert "No subject access or pseudonymised exports" in text(pages.get(URL))
    download(client, people.subject, REQUEST)
    assert client.get("/data-protection/pseudonymised-export/evaluation.csv").status_code == 200
    page = pages.get(URL)
    rows = [text(r) for r in page.select("#exports-table tbody tr")]
    assert len(rows) == 2
    assert "Pseudonymised export for evaluation (CSV)" in rows[0]
    assert manager.name in rows[0] and rows[0].endswith(" 3")
    assert "Subject access export" in rows[1] and "FAM-SAR-ZQ" in rows[1] and manager.name in rows[1]


def test_every_page_and_export_works_on_the_demo_council(client, sign_in, pages, users, today_is, app):
    """The demo's families (consents of every scope, claims, stored verdicts): every page and export of the feature,
    and the subject access export of each member of a family names none of the others."""
    import io
    import zipfile

    from tfclaims import demo

    today_is(demo.DEMO_TODAY)
    demo.seed(families=12)
    db.session.commit()
    sign_in(Role.MANAGER)
    for url in ("/data-protection/", URL, "/data-protection/pseudonymised-export",
                "/data-protection/subject-access?surname=a"):
        pages.get(url)
    response = client.get("/data-protection/pseudonymised-export/evaluation.csv")
    assert response.status_code == 200 and response.data.count(b"\n") > 12
    family = max(db.session.scalars(select(Family)).all(), key=lambda f: len(f.members))
    assert len(family.members) >= 2
    for member in family.members:
        pages.get(f"/data-protection/subject-access/{member.id}")
        day = demo.DEMO_TODAY
        response = client.get(f"/data-protection/subject-access/{member.id}", query_string={
            **REQUEST, "received_on": [str(day.day), str(day.month), str(day.year)]})
        assert response.status_code == 200 and response.content_type == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            csvs = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".csv"))
        assert member.surname in csvs
        for other in family.members:
            if other.id != member.id and other.forenames != member.forenames:
                assert f"{other.forenames} {other.surname}" not in csvs
                assert other.forenames not in csvs.split(","), other.forenames
