"""Subject access (issue 13, item 11): a manager finds a named person and downloads everything held about them, a ZIP
of a readable PDF and CSV files, which holds their data and nobody else's, and is itself audited.

The seed (``seed_people``) is shared with the pseudonymised export's tests: the subject (a child), the lead adult of
the same family (``SIBLING``: another member, whose data must stay out of the subject's export) and a stranger in
another family, each with distinctive names, identifiers and records."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tests.progress_helpers import attach, descriptor, make_evidence
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.audit.services import record_access
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Consent, IdentifiedProblem, Member
from tfclaims.progress.models import EmploymentSpell, Event, Measure, StatusEpisode

SUBJECT = {"forenames": "Zebedee", "surname": "Quillfeather", "date_of_birth": date(2009, 4, 17),
           "postcode": "BR3 7QZ", "upn": "A123456789012", "nhs_number": "9434765919", "ni_number": None,
           "pnc_number": "19/1234567A", "case_reference": "CASE-ZQ-771", "sex": "M",
           "relationship_to_lead": "child"}
SIBLING = {"forenames": "Philippa", "surname": "Marchbanks", "date_of_birth": date(1981, 11, 2),
           "postcode": "BR9 4XY", "upn": None, "nhs_number": "4010232137", "ni_number": "QQ123456C",
           "pnc_number": "88/7654321B", "case_reference": "CASE-PM-552", "sex": "F",
           "relationship_to_lead": "lead_adult"}
STRANGER = {"forenames": "Ottoline", "surname": "Fernsby-Crowe", "date_of_birth": date(1990, 1, 23),
            "postcode": "BR5 1JJ", "upn": None, "nhs_number": "4505577104", "ni_number": "JT654321D",
            "pnc_number": "77/1112223C", "case_reference": "CASE-OF-913", "sex": "F",
            "relationship_to_lead": "lead_adult"}
SUBJECT_NOTE = "Zebedee cautioned for criminal damage at the bus depot"
SIBLING_NOTE = "Philippa reported an incident at the allotments"
STRANGER_NOTE = "Ottoline moved to the coast"


@dataclass
class People:
    subject: Member
    sibling: Member
    stranger: Member
    family_reference: str
    other_reference: str
    manager: object


def _member(family, spec: dict) -> Member:
    member = Member(family_id=family.id, resident=True, **spec)
    db.session.add(member)
    db.session.flush()
    return member


def _progress(member: Member, note: str, value: float, employer: str) -> None:
    family_id = member.family_id
    db.session.add_all([
        Measure(family_id=family_id, member_id=member.id, kind="attendance", period_label="Autumn term 2019",
                period_start=date(2019, 9, 1), period_end=date(2019, 12, 20), value=value, source="school_census"),
        Event(family_id=family_id, member_id=member.id, kind="asb", occurred_on=date(2019, 10, 5), source="police",
              note=note),
        EmploymentSpell(family_id=family_id, member_id=member.id, started_on=date(2019, 11, 4), hours_per_week=21,
                        prior_benefit="JSA", employer=employer),
        StatusEpisode(family_id=family_id, member_id=member.id, kind="child_in_need", started_on=date(2019, 2, 1),
                      ended_on=date(2019, 8, 1), end_reason="stepped_down"),
        Consent(member_id=member.id, family_id=family_id, status="given", recorded_on=date(2019, 6, 3),
                lawful_basis="public_task", note=f"Signed by {member.forenames}"),
    ])


def seed_people(version, manager) -> People:
    """A family (FAM-SAR-ZQ) with the subject and another member, attached with problems for both, progress,
    evidence, a claim line, reads; and another family (FAM-OTHER-OF) with a stranger, attached too."""
    family = factories.make_family("FAM-SAR-ZQ", members=0, lead_practitioner="Priya Keyworker",
                                   notes="Family engaged well with the worker.")
    sibling = _member(family, SIBLING)
    subject = _member(family, SUBJECT)
    db.session.commit()
    db.session.refresh(family)
    # attach() puts the problems on the family's first member (the sibling); one more for the subject.
    attachment = attach(family, version, attached_on=date(2019, 6, 3), problem_numbers=(2, 4))
    d = descriptor(version, 1)
    db.session.add(IdentifiedProblem(attachment_id=attachment.id, family_id=family.id, problem_id=d.problem_id,
                                     descriptor_id=d.id, member_id=subject.id, evidence_source="police",
                                     evidence_date=date(2019, 5, 20)))
    _progress(subject, SUBJECT_NOTE, 91.5, "Depot Bakery")
    _progress(sibling, SIBLING_NOTE, 78.25, "Allotment Trust")
    db.session.commit()
    make_evidence(attachment, manager, problem_number=2, statement="Attendance improved after mentoring.")
    factories.forecast_claim_line(attachment)

    other = factories.make_family("FAM-OTHER-OF", members=0, notes=STRANGER_NOTE)
    stranger = _member(other, STRANGER)
    db.session.commit()
    db.session.refresh(other)
    attach(other, version, attached_on=date(2020, 1, 13), problem_numbers=(1, 3))
    _progress(stranger, STRANGER_NOTE, 66.0, "Coastal Ferries")
    db.session.commit()

    record_access(db.session, "viewed", "family page", family_id=family.id)
    record_access(db.session, "viewed", "member record (sibling)", family_id=family.id, member_id=sibling.id)
    record_access(db.session, "viewed", "family page", family_id=other.id)
    db.session.commit()
    return People(subject, sibling, stranger, family.reference, other.reference, manager)


@pytest.fixture
def people(db_session, users, plan_version) -> People:
    return seed_people(plan_version, users[Role.MANAGER])


def identifiers(spec: dict) -> list[str]:
    values = [spec["forenames"], spec["surname"], spec["postcode"], spec["date_of_birth"].isoformat()]
    return values + [spec[k] for k in ("upn", "nhs_number", "ni_number", "pnc_number", "case_reference") if spec[k]]


def person_url(member: Member, **extra) -> str:
    return f"/data-protection/subject-access/{member.id}"


REQUEST = {"received_on": ["30", "11", "2026"], "requested_by": "parent", "reference": "SAR-2026-0042",
           "download": "Download subject access export"}


def download(client, member: Member, data: dict | None = None):
    response = client.get(person_url(member), query_string=data or REQUEST)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == "application/zip"
    return response


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "subject-access.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- who may

URLS = ["/data-protection/", "/data-protection/subject-access", "/data-protection/subject-access?surname=Quill"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.MANAGER])
def test_only_managers_may_use_subject_access(client, sign_in, people, role):
    sign_in(role)
    for url in URLS + [person_url(people.subject)]:
        assert client.get(url).status_code == 403, url
    assert client.get(person_url(people.subject), query_string=REQUEST).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AccessEvent).where(
        AccessEvent.action == "downloaded")) == 0


def test_signed_out_is_sent_to_sign_in(client, people):
    response = client.get(person_url(people.subject), query_string=REQUEST)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# ---------------------------------------------------------------- finding the person


def test_the_hub_links_to_each_page(pages, sign_in, app):
    sign_in(Role.MANAGER)
    page = pages.get("/data-protection/")
    hrefs = {a["href"] for a in page.select("main a")}
    assert {"/data-protection/subject-access", "/data-protection/pseudonymised-export",
            "/data-protection/records-of-processing"} <= hrefs
    # The retention pages (another feature) are linked once their views exist, and each link opens.
    retention = {"/retention/schedule", "/retention/holds", "/retention/runs"}
    if "retention.schedule" in app.view_functions:
        assert retention <= hrefs
        for href in retention:
            pages.get(href)
    else:
        assert not retention & hrefs


@pytest.mark.parametrize("query", [
    {"surname": "quill"},
    {"surname": "Quillfeather", "forenames": "zeb"},
    {"date_of_birth": ["17", "4", "2009"]},
    {"identifier": "943 476 5919"},
    {"identifier": "case-zq-771"},
])
def test_a_search_finds_the_person_with_their_date_of_birth_and_family(pages, sign_in, people, query):
    sign_in(Role.MANAGER)
    page = pages.get("/data-protection/subject-access", query_string={**query, "search": "Search"})
    rows = page.select("#people-table tbody tr")
    assert len(rows) == 1, text(page)
    row = text(rows[0])
    assert "Zebedee Quillfeather" in row and "17 April 2009" in row and "FAM-SAR-ZQ" in row
    link = rows[0].select_one("a")["href"]
    assert link == person_url(people.subject)
    search = db.session.scalars(select(AccessEvent).where(AccessEvent.action == "searched")).all()
    assert len(search) == 1 and search[0].what == "subject access search"
    assert search[0].detail["family_ids"] == [people.subject.family_id]


def test_a_family_reference_lists_its_members(pages, sign_in, people):
    sign_in(Role.MANAGER)
    page = pages.get("/data-protection/subject-access", query_string={"identifier": "fam-sar-zq"})
    assert len(page.select("#people-table tbody tr")) == 2


def test_wildcards_are_taken_as_letters(pages, sign_in, people):
    sign_in(Role.MANAGER)
    page = pages.get("/data-protection/subject-access", query_string={"surname": "%"})
    assert not page.select("#people-table") and "No one found" in text(page)


def test_an_empty_search_is_refused_with_the_error_summary(pages, sign_in, people):
    sign_in(Role.MANAGER)
    page = pages.get("/data-protection/subject-access", query_string={"surname": "", "search": "Search"})
    summary = page.select_one(".govuk-error-summary")
    assert summary and "Enter a surname, forenames, a date of birth or an identifier" in summary.get_text()
    assert page.title.get_text().startswith("Error:")
    assert not page.select("#people-table")


@pytest.mark.parametrize(("query", "message"), [
    ({"date_of_birth": ["31", "2", "2010"]}, "The date of birth must be a real date"),
    ({"date_of_birth": ["1", "", "2010"]}, "The date of birth must include a month"),
    ({"surname": "x" * 500}, "Surname must be 120 characters or fewer"),
    ({"identifier": "9" * 5000}, "An identifier must be 40 characters or fewer"),
])
def test_bad_search_details_are_field_errors(pages, sign_in, people, query, message):
    sign_in(Role.MANAGER)
    page = pages.get("/data-protection/subject-access", query_string=query)
    assert message in page.select_one(".govuk-error-summary").get_text()


def test_a_person_who_is_not_there_is_not_found(client, sign_in, people):
    sign_in(Role.MANAGER)
    assert client.get(f"/data-protection/subject-access/{2**31 - 1}").status_code == 404


def test_the_persons_page_says_what_is_held_and_records_the_view(pages, sign_in, people):
    sign_in(Role.MANAGER)
    page = pages.get(person_url(people.subject))
    assert page.h1.get_text(strip=True) == "Zebedee Quillfeather"
    held = text(page.select_one("#held"))
    assert "1 consent decision" in held and "1 problem identified" in held and "1 claim line" in held
    assert "Marchbanks" not in text(page)
    viewed = db.session.scalars(select(AccessEvent).where(AccessEvent.action == "viewed",
                                                          AccessEvent.member_id == people.subject.id)).all()
    assert len(viewed) == 1


# ---------------------------------------------------------------- the request form


@pytest.mark.parametrize(("change", "message"), [
    ({"received_on": ["", "", ""]}, "Enter the date the request was received"),
    ({"received_on": ["31", "2", "2026"]}, "The date the request was received must be a real date"),
    ({"received_on": ["1", "1", "2099"]}, "The date the request was received must be today or in the past"),
    ({"requested_by": "the-king"}, "Select who made the request"),
    ({"requested_by": ""}, "Select who made the request"),
    ({"reference": "R" * 61}, "The request reference must be 60 characters or fewer"),
])
def test_a_bad_request_is_refused_with_the_error_summary_and_nothing_exported(pages, sign_in, people, change,
                                                                               message, today_is):
    today_is(date(2026, 12, 3))
    sign_in(Role.MANAGER)
    page = pages.get(person_url(people.subject), query_string={**REQUEST, **change})
    assert message in page.select_one(".govuk-error-summary").get_text()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "subject_access_export")) == 0


# ---------------------------------------------------------------- the export


def test_the_export_holds_the_persons_data_and_nobody_elses(client, sign_in, people, tmp_path, today_is):
    today_is(date(2026, 12, 3))
    sign_in(Role.MANAGER)
    started = time.monotonic()
    response = download(client, people.subject)
    assert time.monotonic() - started < 5, "produced within seconds"
    name = response.headers["Content-Disposition"]
    assert f"subject-access-{people.subject.id}-" in name and "Quillfeather" not in name
    files = unzip(response.data)
    expected = {"subject-access.pdf", "member.csv", "family.csv", "attachments.csv", "consent.csv", "problems.csv",
                "measures.csv", "events.csv", "employment.csv", "status_episodes.csv", "evidence.csv",
                "claim_lines.csv", "audit_events.csv", "access_events.csv", "early_help_requests.csv",
                "early_help_contacts.csv", "early_help_work.csv", "outcome_scores.csv"}
    assert set(files) == expected

    pdf = pdf_text(files.pop("subject-access.pdf"), tmp_path)
    flat = " ".join(pdf.split())
    for value in ["Zebedee", "Quillfeather", "2009-04-17", "BR3 7QZ", "A123456789012", "9434765919",
                  "19/1234567A", "CASE-ZQ-771", "FAM-SAR-ZQ", "Priya Keyworker", SUBJECT_NOTE, "Depot Bakery",
                  "Signed by Zebedee", "Attendance improved after mentoring.", "SAR-2026-0042",
                  "A parent or carer on behalf of a child", "2026-11-30"]:
        assert value in flat, value
    assert "third-party" in flat.lower() or "withheld" in flat
    assert "Review before release" in flat

    tables = {name: read_csv(data) for name, data in files.items()}
    member = dict(zip(tables["member.csv"]["Field"], tables["member.csv"]["Value"], strict=True))
    assert member["Forenames"] == "Zebedee" and member["NHS number"] == "9434765919"
    assert member["Date of birth"] == "2009-04-17"
    assert list(tables["consent.csv"]["Note"]) == ["Signed by Zebedee"]
    assert list(tables["events.csv"]["Note"]) == [SUBJECT_NOTE]
    assert list(tables["measures.csv"]["Value (%)"]) == ["91.5"]
    assert list(tables["employment.csv"]["Employer"]) == ["Depot Bakery"]
    assert len(tables["problems.csv"]) == 1  # the sibling's two problems are not theirs
    assert tables["problems.csv"]["Evidence source"].tolist() == ["Police"]
    assert len(tables["status_episodes.csv"]) == 1
    assert tables["claim_lines.csv"]["Family reference"].tolist() == ["FAM-SAR-ZQ"]
    assert tables["claim_lines.csv"]["Result payment"].tolist() == ["£800"]
    assert len(tables["evidence.csv"]) == 1
    audit = tables["audit_events.csv"]
    assert set(audit["Record"]) == {"member", "consent", "identified_problem", "measure", "event",
                                    "employment_spell", "status_episode"}
    reads = tables["access_events.csv"]
    assert "family page" in set(reads["What"]) and "member record (sibling)" not in set(reads["What"])

    everything = flat + " ".join(data.decode("utf-8") for data in files.values())
    for spec in (SIBLING, STRANGER):
        for value in identifiers(spec):
            assert value not in everything, value
    for value in (SIBLING_NOTE, STRANGER_NOTE, "Allotment Trust", "Coastal Ferries", "78.25", "Signed by Philippa",
                  "FAM-OTHER-OF"):
        assert value not in everything, value


def test_the_other_members_export_holds_hers_and_not_his(client, sign_in, people, tmp_path):
    sign_in(Role.MANAGER)
    files = unzip(download(client, people.sibling).data)
    everything = " ".join(pdf_text(files.pop("subject-access.pdf"), tmp_path).split())
    everything += " ".join(data.decode("utf-8") for data in files.values())
    assert "Philippa" in everything and SIBLING_NOTE in everything
    assert len(read_csv(files["problems.csv"])) == 2
    for value in identifiers(SUBJECT) + [SUBJECT_NOTE, "Depot Bakery"]:
        assert value not in everything, value


def test_the_export_is_audited_without_changing_the_familys_data_version(client, sign_in, people):
    manager = sign_in(Role.MANAGER)
    family_id = people.subject.family_id
    version = db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.family_id == family_id))
    download(client, people.subject)
    reads = db.session.scalars(select(AccessEvent).where(AccessEvent.action == "downloaded")).all()
    assert [(r.what, r.family_id, r.member_id, r.actor_id) for r in reads] == [
        ("subject access export", family_id, people.subject.id, manager.id)]
    assert reads[0].detail["rows"] > 10
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_access_export")).one()
    assert (event.entity, event.entity_id, event.actor_id) == ("member", people.subject.id, manager.id)
    assert event.changes["requested_by"] == "parent" and event.changes["request_reference"] == "SAR-2026-0042"
    assert event.changes["received_on"] == "2026-11-30"
    assert db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.family_id == family_id)) == version

    # The next export lists the first among the events naming the person, and the download among the reads.
    files = unzip(download(client, people.subject).data)
    assert "subject_access_export" in set(read_csv(files["audit_events.csv"])["Action"])
    assert "subject access export" in set(read_csv(files["access_events.csv"])["What"])


def test_text_that_looks_like_a_formula_or_markup_is_kept_as_text(client, sign_in, people, tmp_path):
    people.subject.forenames = "=HYPERLINK(\"x\") <b>&"
    db.session.commit()
    sign_in(Role.MANAGER)
    files = unzip(download(client, people.subject).data)
    member = read_csv(files["member.csv"])
    assert "'=HYPERLINK(\"x\") <b>&" in member["Value"].tolist()
    assert "=HYPERLINK(\"x\") <b>&" in pdf_text(files["subject-access.pdf"], tmp_path)


def test_junk_in_the_forms_is_never_a_server_error(client, sign_in, users, people):
    """The fuzz test's GET-form check (tests/integration/test_bad_input.py) on this feature's two forms, until the
    crawl reaches them from the navigation."""
    from bs4 import BeautifulSoup

    from tests.integration.test_bad_input import Client, forms_on, fuzz_query

    checked = Client(client, users)
    checked.as_role(Role.MANAGER)
    for url in ("/data-protection/subject-access", person_url(people.subject)):
        page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
        found = [(action, fields) for method, action, fields in forms_on(page, url) if method == "get" and fields]
        assert found, url
        for action, fields in found:
            fuzz_query(checked, Role.MANAGER, action, fields)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "subject_access_export")) == 0


def test_the_early_help_pathway_is_in_the_export_and_another_members_is_not(client, sign_in, people, users, tmp_path):
    """The family's requests and work, the contacts the person was seen at and their own outcome scores; a contact
    where only the other member was seen, and the other member's scores, are not theirs."""
    from datetime import datetime

    from tfclaims.pathway.models import (
        CaseAllocation,
        Contact,
        ContactMember,
        HelpRequest,
        OutcomeArea,
        OutcomeScore,
        Supervision,
    )

    subject, sibling = people.subject, people.sibling
    family_id = subject.family_id
    request = HelpRequest(family_id=family_id, received_at=datetime(2024, 9, 2, 9, 30), source="school",
                          reason="Worried about Zebedee's attendance", decision="early_help",
                          decided_on=date(2024, 9, 2))
    db.session.add(request)
    db.session.flush()
    db.session.add(CaseAllocation(request_id=request.id, family_id=family_id,
                                  practitioner_id=users[Role.PRACTITIONER].id, team="North",
                                  allocated_at=datetime(2024, 9, 3, 10, 0)))
    seen = Contact(request_id=request.id, family_id=family_id, occurred_on=date(2024, 9, 5), kind="home_visit",
                   note="Zebedee showed his football medals")
    seen.seen = [ContactMember(member_id=subject.id, family_id=family_id)]
    other = Contact(request_id=request.id, family_id=family_id, occurred_on=date(2024, 9, 6), kind="school_visit",
                    note="Philippa talked about her exams")
    other.seen = [ContactMember(member_id=sibling.id, family_id=family_id)]
    area = db.session.scalars(select(OutcomeArea).order_by(OutcomeArea.position)).first()
    db.session.add_all([seen, other, Supervision(request_id=request.id, family_id=family_id,
                                                 held_on=date(2024, 9, 20), kind="individual",
                                                 note="Plan agreed with the school")])
    db.session.add_all([
        OutcomeScore(request_id=request.id, family_id=family_id, member_id=subject.id, area_id=area.id,
                     occasion="assessment", scored_on=date(2024, 9, 10), score=4),
        OutcomeScore(request_id=request.id, family_id=family_id, member_id=sibling.id, area_id=area.id,
                     occasion="assessment", scored_on=date(2024, 9, 10), score=9),
    ])
    db.session.commit()
    sign_in(Role.MANAGER)
    page = client.get(person_url(subject)).get_data(as_text=True)
    assert "1 request for early help for their family, 1 visit or contact at which they were seen, and 1 outcome " \
        "score" in " ".join(page.split())
    files = unzip(download(client, subject).data)
    tables = {name: read_csv(data) for name, data in files.items() if name.endswith(".csv")}
    assert tables["early_help_requests.csv"]["Reason"].tolist() == ["Worried about Zebedee's attendance"]
    assert tables["early_help_requests.csv"]["Received"].tolist() == ["2024-09-02 09:30"]
    assert tables["early_help_contacts.csv"]["Note"].tolist() == ["Zebedee showed his football medals"]
    assert tables["outcome_scores.csv"][["Area", "Score"]].values.tolist() == [[area.name, "4"]]
    assert "Plan agreed with the school" in tables["early_help_work.csv"]["Detail"].tolist()
    everything = " ".join(data.decode("utf-8", "ignore") for name, data in files.items() if name.endswith(".csv"))
    assert "Philippa talked about her exams" not in everything
    pdf = " ".join(pdf_text(files["subject-access.pdf"], tmp_path).split())
    assert "Zebedee showed his football medals" in pdf and "Philippa talked about her exams" not in pdf
