"""The pseudonymised export for the national evaluation (issue 13, item 13): direct identifiers replaced by keyed
pseudonyms (the council's secret), dates by months, postcodes by their district; the same person has the same
pseudonym in every export and another key gives others; the key is never exported or logged; people who withdrew
their consent to the evaluation are left out; each export is audited."""

from __future__ import annotations

import io
import logging
import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from tests.integration.test_subject_access import SIBLING, STRANGER, SUBJECT, identifiers, seed_people
from tests.pages import text
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.dataprotection import exports, rules
from tfclaims.extensions import db
from tfclaims.families.models import Consent

URL = "/data-protection/pseudonymised-export"
CSV_URL = f"{URL}/evaluation.csv"
COUNCIL_KEY = "brackenshire-evaluation-key-7d1f0c9a42b6e85f"


@pytest.fixture
def people(db_session, users, plan_version):
    return seed_people(plan_version, users[Role.MANAGER])


@pytest.fixture
def config(app):
    """Change the app's configuration for one test (the key, the environment), restored afterwards."""
    saved = {k: app.config.get(k) for k in ("PSEUDONYMISATION_KEY", "TFCLAIMS_ENV")}

    def _set(**values):
        app.config.update(values)

    yield _set
    app.config.update(saved)


def export(client) -> tuple[pd.DataFrame, str]:
    response = client.get(CSV_URL)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data(as_text=True)
    return pd.read_csv(io.StringIO(raw), dtype=str, keep_default_na=False), raw


@pytest.mark.parametrize("role", [r for r in Role if r != Role.MANAGER])
def test_only_managers_may_export(client, sign_in, people, role):
    sign_in(role)
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    assert db.session.scalars(select(AccessEvent).where(AccessEvent.action == "downloaded")).all() == []


def test_the_page_explains_the_export_and_never_shows_the_key(pages, sign_in, people, config):
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    sign_in(Role.MANAGER)
    page = pages.get(URL)
    assert page.select_one(f'a[href="{CSV_URL}"]') is not None
    assert "the council's key (PSEUDONYMISATION_KEY)" in text(page)
    assert COUNCIL_KEY not in page.decode()
    assert {td.get_text(strip=True) for td in page.select("#columns tbody td code")} == set(
        exports.EVALUATION_COLUMNS)


def test_one_row_per_member_of_attached_families_with_no_direct_identifier(client, sign_in, people, config,
                                                                           today_is):
    today_is(date(2026, 12, 3))
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    sign_in(Role.MANAGER)
    rows, raw = export(client)
    assert list(rows.columns) == exports.EVALUATION_COLUMNS
    assert len(rows) == 3 and rows["family_pseudonym"].nunique() == 2 and rows["person_pseudonym"].nunique() == 3
    for spec in (SUBJECT, SIBLING, STRANGER):
        for value in identifiers(spec):
            assert value.lower() not in raw.lower(), value
        assert spec["date_of_birth"].strftime("%d/%m/%Y") not in raw
    for value in ("FAM-SAR-ZQ", "FAM-OTHER-OF", "Priya Keyworker", "Quill", "Marchbanks"):
        assert value.lower() not in raw.lower(), value

    subject = rows.set_index("person_pseudonym").loc[
        rules.pseudonym(COUNCIL_KEY.encode(), "person", people.subject.id)]
    assert subject["family_pseudonym"] == rules.pseudonym(COUNCIL_KEY.encode(), "family", people.subject.family_id)
    assert (subject["sex"], subject["birth_month"], subject["age_band_at_attachment"]) == ("M", "2009-04", "5-10")
    assert (subject["postcode_district"], subject["framework"], subject["attachment_month"]) == ("BR3", "TF2015",
                                                                                                   "2019-06")
    assert subject["family_problems_identified"] == "1;2;4" and subject["person_problems_identified"] == "1"
    assert (subject["result_route"], subject["result_month"], subject["result_source"]) == ("SSP", "2024-07",
                                                                                            "claim")
    assert subject["claim_state"] == "included" and subject["closure_month"] == ""
    stranger = rows[rows["postcode_district"] == "BR5"].iloc[0]
    assert stranger["result_route"] == "" and stranger["attachment_month"] == "2020-01"


def test_dates_are_months_only(client, sign_in, people, config):
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    sign_in(Role.MANAGER)
    rows, raw = export(client)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", raw)
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2,4}", raw)
    for column in ("birth_month", "attachment_month", "closure_month", "result_month"):
        assert rows[column].str.fullmatch(r"(\d{4}-\d{2})?").all(), column


def test_the_same_person_has_the_same_pseudonym_and_another_key_gives_others(client, sign_in, people, config):
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    sign_in(Role.MANAGER)
    first, _ = export(client)
    second, _ = export(client)
    assert first["person_pseudonym"].tolist() == second["person_pseudonym"].tolist()
    assert first["family_pseudonym"].tolist() == second["family_pseudonym"].tolist()
    shape = re.compile(r"P-[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}")
    assert all(shape.fullmatch(p) for p in first["person_pseudonym"])

    config(PSEUDONYMISATION_KEY=COUNCIL_KEY + "-rotated")
    third, _ = export(client)
    assert set(third["person_pseudonym"]).isdisjoint(first["person_pseudonym"])
    assert set(third["family_pseudonym"]).isdisjoint(first["family_pseudonym"])
    assert third.drop(columns=["person_pseudonym", "family_pseudonym"]).equals(
        first.drop(columns=["person_pseudonym", "family_pseudonym"]))


def test_the_key_is_never_in_the_file_the_trail_or_the_log(client, sign_in, people, config, caplog):
    caplog.set_level(logging.DEBUG)
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    sign_in(Role.MANAGER)
    _, raw = export(client)
    assert COUNCIL_KEY not in raw
    logging.getLogger("tfclaims").info("export made")  # the log is captured: an empty capture would prove nothing
    assert caplog.records
    assert COUNCIL_KEY not in caplog.text
    for event in db.session.scalars(select(AuditEvent)).all():
        assert COUNCIL_KEY not in repr(event.changes) + event.summary
    for event in db.session.scalars(select(AccessEvent)).all():
        assert COUNCIL_KEY not in repr(event.detail) + event.what


def test_development_key_is_derived_from_the_secret_key_under_a_label(client, sign_in, people, config, app):
    config(PSEUDONYMISATION_KEY="")
    sign_in(Role.MANAGER)
    rows, raw = export(client)
    key = rules.development_key(app.config["SECRET_KEY"])
    assert rules.pseudonym(key, "person", people.subject.id) in set(rows["person_pseudonym"])
    assert app.config["SECRET_KEY"] not in raw
    assert "development key derived from SECRET_KEY" in text(_page(client))


def _page(client):
    from bs4 import BeautifulSoup

    return BeautifulSoup(client.get(URL).get_data(as_text=True), "html.parser")


@pytest.mark.parametrize(("key", "message"), [
    ("", "Set PSEUDONYMISATION_KEY in the environment"),
    ("short-key", "The pseudonymisation key (PSEUDONYMISATION_KEY) is too short"),
])
def test_in_production_there_is_no_export_without_a_council_key(pages, client, sign_in, people, config, key,
                                                                 message):
    sign_in(Role.MANAGER)
    config(PSEUDONYMISATION_KEY=key, TFCLAIMS_ENV="production")
    page = pages.get(URL)
    assert message in page.select_one(".govuk-error-summary").get_text()
    assert page.select_one(f'a[href="{CSV_URL}"]') is None
    response = client.get(CSV_URL)
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pseudonymised_export")).all() == []


def test_people_who_withdrew_consent_to_the_evaluation_are_left_out(client, sign_in, people, config):
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    for status, on in (("given", date(2019, 6, 3)), ("withdrawn", date(2021, 2, 1))):
        db.session.add(Consent(member_id=people.sibling.id, family_id=people.sibling.family_id, status=status,
                               recorded_on=on, lawful_basis="consent", scope="evaluation"))
    db.session.add(Consent(member_id=people.subject.id, family_id=people.subject.family_id, status="given",
                           recorded_on=date(2019, 6, 3), lawful_basis="consent", scope="evaluation"))
    db.session.commit()
    sign_in(Role.MANAGER)
    rows, _ = export(client)
    key = COUNCIL_KEY.encode()
    assert rules.pseudonym(key, "person", people.sibling.id) not in set(rows["person_pseudonym"])
    assert rules.pseudonym(key, "person", people.subject.id) in set(rows["person_pseudonym"])
    assert len(rows) == 2
    # The problems identified only for the member left out (2 and 4) go with them.
    subject = rows.set_index("person_pseudonym").loc[rules.pseudonym(key, "person", people.subject.id)]
    assert subject["family_problems_identified"] == "1"


def test_the_export_is_audited(client, sign_in, people, config):
    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    manager = sign_in(Role.MANAGER)
    export(client)
    read = db.session.scalars(select(AccessEvent).where(AccessEvent.action == "downloaded")).one()
    assert (read.what, read.actor_id, read.family_id, read.detail["rows"]) == (
        "pseudonymised export for evaluation (CSV)", manager.id, None, 3)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pseudonymised_export")).one()
    assert event.actor_id == manager.id and event.family_id is None
    assert event.changes == {"rows": 3, "families": 2, "key": "council"}


def test_a_result_not_yet_claimed_comes_from_the_stored_verdict_of_the_same_attachment(client, sign_in, people,
                                                                                       config):
    from datetime import UTC, datetime

    from tfclaims.engine.models import READY, FamilyVerdict, VerdictSet
    from tfclaims.families.models import Attachment

    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    attachment = db.session.scalars(select(Attachment).where(
        Attachment.family_id == people.stranger.family_id)).one()
    verdict = {"attachment_id": attachment.id, "claimable": True, "route": "CE", "claimable_on": "2021-03-15",
               "reference": "FAM-OTHER-OF"}
    db.session.add(VerdictSet(as_of=date(2026, 11, 30), status=READY, token="t", seq=1, families=1,
                              requested_at=datetime(2026, 11, 30, tzinfo=UTC)))
    db.session.flush()
    db.session.add(FamilyVerdict(family_id=people.stranger.family_id, as_of=date(2026, 11, 30), version=1, seq=1,
                                 computed_at=datetime(2026, 11, 30, tzinfo=UTC),
                                 payload={"family": verdict, "problems": []}))
    db.session.commit()
    sign_in(Role.MANAGER)
    rows, raw = export(client)
    stranger = rows[rows["postcode_district"] == "BR5"].iloc[0]
    assert (stranger["result_route"], stranger["result_month"], stranger["result_source"]) == (
        "CE", "2021-03", "engine verdict as of 2026-11")
    assert "FAM-OTHER-OF" not in raw

    verdict["attachment_id"] = attachment.id + 1000  # a verdict on an earlier attachment says nothing of this one
    db.session.scalars(select(FamilyVerdict)).one().payload = {"family": dict(verdict), "problems": []}
    db.session.commit()
    rows, _ = export(client)
    assert rows[rows["postcode_district"] == "BR5"].iloc[0]["result_route"] == ""


def test_the_audit_trail_shows_the_exports_to_managers_and_administrators(client, sign_in, people, config, pages):
    """The exports' audit events read well in the trail, and an administrator (who may not open family records) sees
    no personal value of a subject access export."""
    from tests.integration.test_subject_access import REQUEST, download

    config(PSEUDONYMISATION_KEY=COUNCIL_KEY)
    sign_in(Role.MANAGER)
    export(client)
    download(client, people.subject, REQUEST)
    page = text(pages.get("/audit-trail/"))
    assert "Pseudonymised export for the national evaluation: 3 rows, 2 families" in page
    assert "Subject access export for a member of family FAM-SAR-ZQ" in page
    client.post("/sign-out")
    sign_in(Role.ADMINISTRATOR)
    page = text(pages.get("/audit-trail/"))
    assert "Pseudonymised export for the national evaluation" in page
    # The request's details and the summary naming the family are hidden (the trail names a read's family by its
    # reference, as it does for every read).
    assert "SAR-2026-0042" not in page and "Subject access export for a member of family" not in page
