"""Erasing one person on request (issue 13, item 12): like retention for one member, refused with a reason while a
claim depends on the family or the family is on legal hold; their siblings are untouched."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.integration.test_retention import (
    TODAY,
    claim_with_lines,
    personal_values,
    remaining,
    seeded_family,
    trail_text,
)
from tests.pages import text
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.audit.services import record_access
from tfclaims.auth.roles import Role
from tfclaims.claims import queries as claim_queries
from tfclaims.claims.models import DRAFT, Claim
from tfclaims.extensions import db
from tfclaims.families.models import Consent, IdentifiedProblem, Member
from tfclaims.progress.models import EmploymentSpell, Event, Measure, StatusEpisode
from tfclaims.retention import services
from tfclaims.retention.models import LegalHold

REQUEST = {"reason": "erasure_request", "received_on": ["20", "5", "2030"],
           "note": "Request by email, ref DPA-2030-17; no claim depends on the family"}


@pytest.fixture
def family(plan_version, today_is):
    today_is(TODAY)
    return seeded_family(plan_version, "K1")


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


def test_erasing_one_person_leaves_their_family_and_siblings_intact(family, sign_in, pages):
    lead, child = family.members
    lead_id, child_id, family_id = lead.id, child.id, family.id
    record_access(db.session, "viewed", "subject access export", family_id=family_id, member_id=lead_id,
                  detail={"file": "ZebedeeK1-subject-access.zip"})
    record_access(db.session, "viewed", "subject access export", family_id=family_id, member_id=child_id,
                  detail={"file": "PerpetuaK1-subject-access.zip"})
    db.session.commit()
    sign_in(Role.MANAGER)
    page = pages.get(f"/retention/members/{lead_id}/erase")
    assert "Erase ZebedeeK1 QuixoticK1-Marsh's records" in text(page.select_one("h1"))
    assert "1 consent decision, 2 problems identified, 1 event and 1 employment spell" in text(page)
    assert "is also named elsewhere in the family's records: the family's notes; a practitioner's statement." in text(
        page.select_one("#mentions"))
    pages.post(f"/retention/members/{lead_id}/erase", REQUEST, redirects_to=f"/families/{family_id}")

    assert db.session.get(Member, lead_id) is None
    for model in (Consent, Event, EmploymentSpell, IdentifiedProblem, Measure, StatusEpisode):
        assert _count(model, member_id=lead_id) == 0, model
    # The sibling and the family stay, with their records.
    assert db.session.get(Member, child_id) is not None
    assert _count(Measure, member_id=child_id) == 1 and _count(StatusEpisode, member_id=child_id) == 1
    assert _count(Member, family_id=family_id) == 1
    # The person's values are gone from the trail; the sibling's and the family's own are still there.
    values = personal_values("K1")
    trail = trail_text()
    assert remaining({k: values[k] for k in ("forenames", "nhs_number", "ni_number", "pnc_number", "employer",
                                             "incident")}, trail) == []
    assert "zebedeek1-subject-access.zip" not in trail
    assert values["child"].casefold() in trail and values["upn"].casefold() in trail
    assert "perpetuak1-subject-access.zip" in trail
    member_events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "member",
                                                                AuditEvent.entity_id == lead_id)).all()
    assert member_events and all(e.redacted_at for e in member_events if e.action != "member_erased")
    child_events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "member",
                                                               AuditEvent.entity_id == child_id)).all()
    assert child_events and not any(e.redacted_at for e in child_events)
    reads = db.session.scalars(select(AccessEvent).where(AccessEvent.member_id == lead_id)).all()
    assert reads and all(e.redacted_at for e in reads)
    # Its own audit event: the reason and the date received, no name.
    own = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "member_erased")).one()
    assert (own.family_id, own.entity_id) == (family_id, lead_id)
    assert own.changes["reason"] == "erasure_request" and own.changes["request_received_on"] == "2030-05-20"
    assert "ZebedeeK1" not in json.dumps(own.changes) + own.summary
    # The erased person's page is gone; the family's page and the audit trail show what is left.
    pages.get(f"/retention/members/{lead_id}/erase", status=404)
    members = text(pages.get(f"/families/{family_id}").select_one("#members-table"))
    assert values["child"] in members and values["forenames"] not in members
    assert values["forenames"].casefold() not in text(pages.get("/audit-trail/")).casefold()
    # The family's timeline says a member's records were erased, and why, naming nobody.
    timeline = text(pages.get(f"/families/{family_id}").select_one(".app-timeline"))
    assert "A member's records were erased" in timeline and "right to erasure" in timeline
    assert "A member whose records were erased added as a member" in timeline
    assert "(erased)" not in timeline and values["forenames"] not in timeline


def test_refused_while_a_claim_inside_the_audit_window_depends_on_the_family(family, plan_version, sign_in, pages):
    claim_with_lines([family], plan_version, submitted_on=date(2024, 11, 1))
    lead_id = family.members[0].id
    sign_in(Role.MANAGER)
    page = pages.get(f"/retention/members/{lead_id}/erase")
    refusal = text(page.select_one(".govuk-error-summary"))
    assert "is inside the department's audit window until 1 November 2030" in refusal
    assert not page.select("main form")
    pages.post(f"/retention/members/{lead_id}/erase", REQUEST, status=200)
    assert db.session.get(Member, lead_id) is not None


def test_refused_while_a_claim_not_yet_submitted_holds_the_family(family, plan_version, sign_in, pages):
    claim_with_lines([family], plan_version, submitted_on=None, status=DRAFT)
    lead_id = family.members[0].id
    sign_in(Role.MANAGER)
    assert "has not been submitted yet" in text(pages.get(f"/retention/members/{lead_id}/erase"))
    pages.post(f"/retention/members/{lead_id}/erase", REQUEST, status=200)
    assert db.session.get(Member, lead_id) is not None


def test_refused_while_the_family_is_on_legal_hold(family, users, sign_in, pages):
    db.session.add(LegalHold(family_id=family.id, reason="Inquiry", placed_on=date(2030, 2, 1),
                             placed_by_id=users[Role.MANAGER].id))
    db.session.commit()
    lead_id = family.members[0].id
    sign_in(Role.MANAGER)
    assert "on legal hold since 1 February 2030" in text(pages.get(f"/retention/members/{lead_id}/erase"))
    pages.post(f"/retention/members/{lead_id}/erase", REQUEST, status=200)
    assert db.session.get(Member, lead_id) is not None


def test_a_claim_outside_the_window_keeps_its_line_with_the_person_erased(family, plan_version, sign_in, pages):
    claim = claim_with_lines([family], plan_version, submitted_on=date(2020, 10, 20))
    lead_id = family.members[0].id
    sign_in(Role.MANAGER)
    pages.post(f"/retention/members/{lead_id}/erase", REQUEST, redirects_to=f"/families/{family.id}")
    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    line = claim.lines[0]
    assert line.family_id == family.id and line.erased_at is None
    assert "ZebedeeK1" not in json.dumps(line.snapshot) and line.snapshot["adult"]["name"] == "(erased)"
    assert claim_queries.hash_intact(claim)
    assert "(erased)" in text(pages.get(f"/claims/{claim.id}/lines/{line.id}"))


@pytest.mark.parametrize(("data", "message"), [
    ({**REQUEST, "reason": ""}, "Select why the person's records are erased"),
    ({**REQUEST, "note": "   "}, "Enter a note of the request and the decision"),
    ({**REQUEST, "received_on": ["", "", ""]}, "Enter the date the request was received"),
    ({**REQUEST, "received_on": ["31", "2", "2030"]}, "The date the request was received must be a real date"),
    ({**REQUEST, "received_on": ["20", "5", "2031"]},
     "The date the request was received must be today or in the past"),
    ({**REQUEST, "note": "x" * 1001}, "Use 1,000 characters or fewer"),
])
def test_a_request_with_bad_input_erases_nothing(family, sign_in, pages, data, message):
    lead_id = family.members[0].id
    sign_in(Role.MANAGER)
    _page, errors = pages.post_with_errors(f"/retention/members/{lead_id}/erase", data)
    assert message in errors
    assert db.session.get(Member, lead_id) is not None


def test_another_reason_needs_no_date(family, sign_in, pages):
    lead_id = family.members[0].id
    sign_in(Role.MANAGER)
    pages.post(f"/retention/members/{lead_id}/erase",
               {"reason": "other", "note": "Recorded against the wrong family, ref DPA-2030-18"},
               redirects_to=f"/families/{family.id}")
    assert db.session.get(Member, lead_id) is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_a_manager_erases_a_person(family, sign_in, client, role):
    lead_id = family.members[0].id
    sign_in(role)
    assert client.get(f"/retention/members/{lead_id}/erase").status_code == 403
    assert client.post(f"/retention/members/{lead_id}/erase", data=REQUEST).status_code == 403
    assert db.session.get(Member, lead_id) is not None


def test_the_service_refuses_what_the_page_refuses(family, users, today_is):
    db.session.add(LegalHold(family_id=family.id, reason="Inquiry", placed_on=date(2030, 2, 1)))
    db.session.commit()
    with pytest.raises(services.NotAllowedError):
        services.erase_member(family.members[0], reason="erasure_request", received_on=date(2030, 5, 20),
                              note="n", user=users[Role.MANAGER], today=TODAY)
