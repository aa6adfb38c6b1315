"""The early-help pathway through its pages: a request decided, allocated, worked and closed; the order the
records must keep; who may do what; the lists, caseloads and standards."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tests.pages import text as soup_text
from tests.progress_helpers import date_parts
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.pathway.models import (
    Assessment,
    Contact,
    HelpRequest,
    PracticeStandards,
    TafMeeting,
)

TODAY = date(2024, 11, 20)  # a Wednesday


@pytest.fixture(autouse=True)
def _today(today_is):
    today_is(TODAY)


@pytest.fixture
def family(db_session):
    return factories.make_family(members=4)


def text(response) -> str:
    return soup_text(BeautifulSoup(response.get_data(as_text=True), "html.parser"))


def as_role(client, users, role):
    client.post("/sign-out")
    user = users[role]
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def post(client, url, data, expect=302):
    response = client.post(url, data=data)
    assert response.status_code == expect, text(response)[:2000]
    return response


def base(family) -> str:
    return f"/families/{family.id}/early-help"


def new_request(client, family, day=date(2024, 10, 1), at="9:30am") -> HelpRequest:
    post(client, f"{base(family)}/new", {"received_on": date_parts(day), "received_time": at, "source": "school",
                                          "reason": "Attendance falling; parents asking for help"})
    return db.session.scalars(select(HelpRequest).where(HelpRequest.family_id == family.id)
                              .order_by(HelpRequest.id.desc())).first()


def decide(client, family, request, decision="early_help", day=date(2024, 10, 1)):
    return post(client, f"{base(family)}/{request.id}/decision",
                {"decision": decision, "decided_on": date_parts(day)})


def allocate(client, family, request, practitioner, day=date(2024, 10, 2), at="10:00"):
    return post(client, f"{base(family)}/{request.id}/allocate",
                {"practitioner_id": str(practitioner.id), "team": "North locality",
                 "allocated_on": date_parts(day), "allocated_time": at})


def test_a_request_is_decided_allocated_worked_and_closed(client, users, family):
    practitioner = users[Role.PRACTITIONER]
    as_role(client, users, Role.COORDINATOR)
    request = new_request(client, family)
    assert request.received_at.hour == 9 and request.decision is None
    page = text(client.get(f"/families/{family.id}"))
    assert "Awaiting a decision" in page and "School or college" in page

    as_role(client, users, Role.MANAGER)
    decide(client, family, request)
    allocate(client, family, request, practitioner)
    db.session.refresh(family)
    assert family.lead_practitioner == practitioner.name and family.team == "North locality"

    as_role(client, users, Role.PRACTITIONER)
    members = family.members
    post(client, f"{base(family)}/{request.id}/contacts/new",
         {"occurred_on": date_parts(date(2024, 10, 4)), "kind": "home_visit",
          "member_ids": [str(members[0].id), str(members[2].id)], "child_seen_alone": "y", "note": "Consent signed"})
    post(client, f"{base(family)}/{request.id}/assessment",
         {"started_on": date_parts(date(2024, 10, 4)), "member_ids": [str(m.id) for m in members]})
    post(client, f"{base(family)}/{request.id}/assessment",
         {"started_on": date_parts(date(2024, 10, 4)), "completed_on": date_parts(date(2024, 10, 25)),
          "member_ids": [str(m.id) for m in members[1:]]})
    assessment = db.session.scalar(select(Assessment).where(Assessment.request_id == request.id))
    assert assessment.completed_on == date(2024, 10, 25) and len(assessment.assessed) == 3
    post(client, f"{base(family)}/{request.id}/plan",
         {"opened_on": date_parts(date(2024, 11, 1)), "copy_given_on": date_parts(date(2024, 11, 4))})
    post(client, f"{base(family)}/{request.id}/meetings/new",
         {"kind": "initial", "held_on": date_parts(date(2024, 11, 1)), "agencies": ["school", "health"]})

    page = text(client.get(f"/families/{family.id}"))
    # Allocated 2 Oct 10:00, within 48 working hours of 1 Oct 09:30; visited within 5 working days; the assessment
    # completed 25 Oct is 17 working days after allocation (within 20); the first TAF 5 working days after it.
    assert page.count("Within the standard") == 4, page
    assert "home visit; seen:" in page and "a child seen alone" in page
    assert "initial team around the family meeting (the plan agreed) with School or college, Health" in page
    assert "Change the assessment" in page and "Change the family plan" in page

    as_role(client, users, Role.MANAGER)
    post(client, f"{base(family)}/{request.id}/supervision/new",
         {"kind": "individual", "held_on": date_parts(date(2024, 11, 5)), "note": "Plan on track"})
    post(client, f"{base(family)}/{request.id}/close",
         {"closed_on": date_parts(date(2024, 11, 19)), "closure_reason": "outcomes_met", "letter_sent": "y"})
    db.session.refresh(request)
    assert request.closed_on == date(2024, 11, 19) and request.closure_letter_sent
    page = text(client.get(f"/families/{family.id}"))
    assert "Closed" in page and "Closure letter sent" in page
    assert "Record a visit or contact" not in page  # nothing is added after closure

    # Every record was audited, on the family's timeline.
    entities = set(db.session.scalars(select(AuditEvent.entity).where(AuditEvent.family_id == family.id)))
    assert {"help_request", "case_allocation", "contact", "assessment", "family_plan", "taf_meeting",
            "supervision"} <= entities


def test_records_keep_their_order(client, users, family):
    practitioner = users[Role.PRACTITIONER]
    as_role(client, users, Role.MANAGER)
    request = new_request(client, family, day=date(2024, 10, 10))
    # Work before a decision, or before allocation, is refused.
    page = text(post(client, f"{base(family)}/{request.id}/contacts/new",
                     {"occurred_on": date_parts(date(2024, 10, 11)), "kind": "home_visit",
                      "member_ids": [str(family.members[0].id)]}, expect=200))
    assert "Record the decision to work with the family" in page
    # A decision before the request was received.
    page = text(post(client, f"{base(family)}/{request.id}/decision",
                     {"decision": "early_help", "decided_on": date_parts(date(2024, 10, 9))}, expect=200))
    assert "must be on or after the day the request was received (10 October 2024)" in page
    decide(client, family, request, day=date(2024, 10, 10))
    # Allocation before the time received (same day, earlier hour).
    page = text(post(client, f"{base(family)}/{request.id}/allocate",
                     {"practitioner_id": str(practitioner.id), "team": "North",
                      "allocated_on": date_parts(date(2024, 10, 10)),
                      "allocated_time": "8:00am"}, expect=200))
    assert "at or after the time the request was received" in page
    # A user who is not a practitioner cannot lead.
    page = text(post(client, f"{base(family)}/{request.id}/allocate",
                     {"practitioner_id": str(users[Role.COORDINATOR].id), "team": "North",
                      "allocated_on": date_parts(date(2024, 10, 10)), "allocated_time": "11:00"}, expect=200))
    assert "Select a lead practitioner" in page
    allocate(client, family, request, practitioner, day=date(2024, 10, 11))
    # An assessment completed before it started; a plan before the assessment; a review before the initial meeting.
    page = text(post(client, f"{base(family)}/{request.id}/plan", {"opened_on": date_parts(date(2024, 10, 20))},
                     expect=200))
    assert "Record the assessment before the family plan" in page
    page = text(post(client, f"{base(family)}/{request.id}/assessment",
                     {"started_on": date_parts(date(2024, 10, 15)), "completed_on": date_parts(date(2024, 10, 14)),
                      "member_ids": [str(family.members[0].id)]}, expect=200))
    assert "must be on or after the date it started" in page
    assert db.session.scalar(select(func.count(Assessment.id))) == 0
    page = text(post(client, f"{base(family)}/{request.id}/meetings/new",
                     {"kind": "review", "held_on": date_parts(date(2024, 10, 20))}, expect=200))
    assert "Record the initial meeting before a review" in page
    # A member of another family is refused, and nothing is written.
    other = factories.make_family(members=1)
    page = text(post(client, f"{base(family)}/{request.id}/contacts/new",
                     {"occurred_on": date_parts(date(2024, 10, 12)), "kind": "home_visit",
                      "member_ids": [str(other.members[0].id)]}, expect=200))
    assert "Select who was seen from this family" in page
    # A future date.
    page = text(post(client, f"{base(family)}/{request.id}/contacts/new",
                     {"occurred_on": date_parts(date(2024, 11, 21)), "kind": "home_visit",
                      "member_ids": [str(family.members[0].id)]}, expect=200))
    assert "must be today or in the past" in page
    assert db.session.scalar(select(func.count(Contact.id))) == 0
    # Closing before the latest record.
    post(client, f"{base(family)}/{request.id}/contacts/new",
         {"occurred_on": date_parts(date(2024, 10, 30)), "kind": "phone", "member_ids": [str(family.members[0].id)]})
    page = text(post(client, f"{base(family)}/{request.id}/close",
                     {"closed_on": date_parts(date(2024, 10, 29)), "closure_reason": "other"}, expect=200))
    assert "must close on or after its latest record (30 October 2024)" in page


def test_a_request_in_another_family_is_not_found(client, users, family):
    as_role(client, users, Role.MANAGER)
    request = new_request(client, family)
    other = factories.make_family(members=1)
    assert client.get(f"/families/{other.id}/early-help/{request.id}/decision").status_code == 404


def test_who_may_do_what(client, users, family):
    as_role(client, users, Role.MANAGER)
    request = new_request(client, family)
    decide(client, family, request)
    for role in (Role.PRACTITIONER, Role.COORDINATOR):
        as_role(client, users, role)
        assert client.get(f"{base(family)}/{request.id}/allocate").status_code == 403
        assert client.get(f"{base(family)}/{request.id}/supervision/new").status_code == 403
        assert client.get(f"{base(family)}/{request.id}/contacts/new").status_code == 200
    for role in (Role.CLAIMS_OFFICER, Role.AUDITOR):
        as_role(client, users, role)
        assert client.get(f"{base(family)}/new").status_code == 403
        assert client.get("/early-help/").status_code == 403
        assert client.get("/early-help/standards").status_code == 200
    as_role(client, users, Role.PRACTITIONER)
    assert client.get("/early-help/standards/new").status_code == 403
    assert client.get("/early-help/caseloads").status_code == 403
    assert client.get("/early-help/caseload").status_code == 200


def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_lists_show_what_is_due_and_overdue(client, users, family):
    practitioner = users[Role.PRACTITIONER]
    as_role(client, users, Role.MANAGER)
    # Allocated on 1 October, visited on 4 November: the next visit (10 working days) was due on 18 November.
    request = new_request(client, family)
    decide(client, family, request)
    allocate(client, family, request, practitioner)
    post(client, f"{base(family)}/{request.id}/contacts/new",
         {"occurred_on": date_parts(date(2024, 11, 4)), "kind": "home_visit",
          "member_ids": [str(family.members[0].id)]})
    waiting = factories.make_family(members=1)
    other = new_request(client, waiting, day=date(2024, 11, 15))
    decide(client, waiting, other, day=date(2024, 11, 15))

    page = text(client.get("/early-help/due/visits-due"))
    assert family.reference in page and "Overdue by 2 days" in page
    page = text(client.get("/early-help/due/assessments-overdue"))
    assert family.reference in page  # 20 working days from 2 October were 30 October
    page = text(client.get("/early-help/due/allocations-overdue"))
    assert waiting.reference in page and family.reference not in page
    rows = _csv_rows(client.get("/early-help/due/visits-due.csv"))
    # The waiting family's first visit (5 working days from Friday 15 November) is due on Friday 22 November, this
    # week, although nobody is allocated yet.
    assert rows[1] == {"Family reference": waiting.reference, "Lead practitioner": "", "Team": "",
                       "Request received": "2024-11-15", "Due": "2024-11-22", "Overdue": "No", "Days overdue": "0"}
    assert rows[:1] == [{"Family reference": family.reference, "Lead practitioner": practitioner.name,
                     "Team": "North locality", "Request received": "2024-10-01", "Due": "2024-11-18",
                     "Overdue": "Yes", "Days overdue": "2"}]
    # Filters narrow the list.
    assert family.reference not in text(client.get("/early-help/due/visits-due?team=South"))
    assert family.reference in text(client.get(f"/early-help/due/visits-due?practitioner={practitioner.id}"))
    assert client.get("/early-help/due/nonsense").status_code == 404
    assert client.get("/early-help/due/visits-due?practitioner=abc").status_code == 200

    page = text(client.get("/early-help/caseloads"))
    assert practitioner.name in page
    as_role(client, users, Role.PRACTITIONER)
    page = text(client.get("/early-help/caseload"))
    assert family.reference in page and waiting.reference not in page


def test_standards_are_versioned_and_families_judged_by_theirs(client, users, family):
    practitioner = users[Role.PRACTITIONER]
    as_role(client, users, Role.MANAGER)
    values = {"effective_from": date_parts(date(2024, 10, 15)), "allocation_hours": "24",
              "allocation_working": "working",
              "expected_months": "9", "note": "Tighter allocation"}
    for item in ("first_visit", "assessment", "first_taf", "visit_every", "review_every", "supervision_every"):
        values[f"{item}_days"] = "3" if item == "first_visit" else "20"
        values[f"{item}_working"] = "working"
    post(client, "/early-help/standards/new", values)
    assert db.session.scalar(select(func.count(PracticeStandards.id))) == 2
    page = text(client.get("/early-help/standards"))
    assert "From 15 October 2024" in page and "In force today" in page and "From 1 April 2015" in page

    # A request before the change is judged by the old standards (5 working days to the first visit), one after by
    # the new (3): a visit 4 working days later is within the first and late for the second.
    early = new_request(client, family, day=date(2024, 10, 1))
    decide(client, family, early)
    allocate(client, family, early, practitioner)
    post(client, f"{base(family)}/{early.id}/contacts/new",
         {"occurred_on": date_parts(date(2024, 10, 7)), "kind": "home_visit",
          "member_ids": [str(family.members[0].id)]})
    later_family = factories.make_family(members=1)
    later = new_request(client, later_family, day=date(2024, 10, 21))
    decide(client, later_family, later, day=date(2024, 10, 21))
    allocate(client, later_family, later, practitioner, day=date(2024, 10, 21), at="11:00")
    post(client, f"/families/{later_family.id}/early-help/{later.id}/contacts/new",
         {"occurred_on": date_parts(date(2024, 10, 25)), "kind": "home_visit",
          "member_ids": [str(later_family.members[0].id)]})
    from tfclaims.pathway import queries
    e = queries.service_episodes(TODAY).set_index("request_id")
    assert e.loc[early.id, "first_visit_status"] == "met"
    assert e.loc[later.id, "first_visit_status"] == "late"

    # Bad values are refused with a message, and nothing is saved.
    bad = values | {"effective_from": date_parts(date(2024, 11, 1)), "allocation_hours": "0", "visit_every_days": "ten"}
    page = text(post(client, "/early-help/standards/new", bad, expect=200))
    assert "Enter the days for: visits at least every as a whole number, like 5" in page
    assert db.session.scalar(select(func.count(PracticeStandards.id))) == 2


def test_deleting_a_record_entered_in_error(client, users, family):
    as_role(client, users, Role.MANAGER)
    request = new_request(client, family)
    decide(client, family, request)
    allocate(client, family, request, users[Role.PRACTITIONER])
    meetings = f"{base(family)}/{request.id}/meetings/new"
    post(client, meetings, {"kind": "initial", "held_on": date_parts(date(2024, 10, 20))})
    post(client, meetings, {"kind": "review", "held_on": date_parts(date(2024, 11, 1))})
    initial, review = db.session.scalars(select(TafMeeting).order_by(TafMeeting.held_on)).all()
    page = text(post(client, f"{base(family)}/{request.id}/meeting/{initial.id}/delete", {}, expect=200))
    assert "Delete the reviews before the initial meeting" in page
    post(client, f"{base(family)}/{request.id}/meeting/{review.id}/delete", {})
    assert db.session.scalar(select(func.count(TafMeeting.id))) == 1
    assert client.get(f"{base(family)}/{request.id}/contact/{initial.id}/delete").status_code == 404


def test_outcome_scores_and_distance_travelled(client, users, family):
    from tfclaims.pathway.models import OutcomeArea, OutcomeScore

    as_role(client, users, Role.MANAGER)
    request = new_request(client, family)
    decide(client, family, request)
    allocate(client, family, request, users[Role.PRACTITIONER])
    areas = db.session.scalars(select(OutcomeArea).order_by(OutcomeArea.position)).all()
    first, second = areas[0], areas[1]
    lead, child = family.members[0], family.members[2]
    url = f"{base(family)}/{request.id}/scores/new"

    def scores(member, day, occasion, values):
        return {"member_id": str(member.id), "occasion": occasion, "scored_on": date_parts(day),
                **{f"area_{area.id}": str(v) for area, v in values.items()}}

    post(client, url, scores(lead, date(2024, 10, 4), "assessment", {first: 3, second: 5}))
    post(client, url, scores(child, date(2024, 10, 4), "assessment", {first: 6}))
    post(client, url, scores(lead, date(2024, 11, 15), "review", {first: 6, second: 5}))
    post(client, url, scores(child, date(2024, 11, 15), "review", {first: 5}))
    # A correction on the same day replaces the score.
    post(client, url, scores(lead, date(2024, 11, 15), "review", {first: 7}))
    assert db.session.scalar(select(func.count(OutcomeScore.id))) == 6

    page = text(client.get(f"/families/{family.id}"))
    assert "Distance travelled" in page and "+4" in page and "-1" in page
    # The family's change in the first area is the mean of +4 (lead) and -1 (child): improved.
    summary = text(client.get("/early-help/outcomes"))
    assert f"{first.name} 1 1 (100%) 0 0 +1.5" in summary
    assert f"{second.name} 1 0 (0%) 1 0 +0.0" in summary

    # Bad scores: out of range, not a number, none at all, a date before the request.
    for values, message in (({first: 11}, f"The score for {first.name.lower()} must be from 1 to 10"),
                            ({first: "lots"}, f"Enter the score for {first.name.lower()} as a whole number, like 5"),
                            ({}, "Enter a score for at least one area")):
        page = text(post(client, url, scores(lead, date(2024, 11, 18), "review", values), expect=200))
        assert message in page
    page = text(post(client, url, scores(lead, date(2024, 9, 1), "review", {first: 4}), expect=200))
    assert "on or after the day the request was received" in page
    assert db.session.scalar(select(func.count(OutcomeScore.id))) == 6


def test_the_outcome_scale_is_kept_by_managers(client, users, family):
    from tfclaims.pathway.models import OutcomeArea

    as_role(client, users, Role.MANAGER)
    post(client, "/early-help/outcome-areas/new", {"name": "Substance use", "description": "Drugs and alcohol",
                                                    "position": "11", "active": "y"})
    area = db.session.scalar(select(OutcomeArea).where(OutcomeArea.name == "Substance use"))
    page = text(post(client, "/early-help/outcome-areas/new", {"name": "substance USE", "position": "12"},
                     expect=200))
    assert "An area with this name already exists" in page
    post(client, f"/early-help/outcome-areas/{area.id}/edit", {"name": "Substance use", "position": "11"})
    db.session.refresh(area)
    assert not area.active  # unticked: no longer scored, its scores kept
    as_role(client, users, Role.PRACTITIONER)
    assert client.get("/early-help/outcome-areas/new").status_code == 403
    assert "Substance use" in text(client.get("/early-help/outcome-areas"))


def test_erasing_a_person_removes_them_from_the_pathway(client, users, family):
    from tfclaims.pathway.models import AssessedMember, ContactMember, OutcomeArea, OutcomeScore
    from tfclaims.retention import services as retention
    from tfclaims.retention.vocabulary import ERASURE_REQUEST

    as_role(client, users, Role.MANAGER)
    request = new_request(client, family)
    decide(client, family, request)
    allocate(client, family, request, users[Role.PRACTITIONER])
    child, other = family.members[2], family.members[0]
    post(client, f"{base(family)}/{request.id}/contacts/new",
         {"occurred_on": date_parts(date(2024, 10, 4)), "kind": "home_visit",
          "member_ids": [str(child.id), str(other.id)]})
    post(client, f"{base(family)}/{request.id}/assessment",
         {"started_on": date_parts(date(2024, 10, 4)), "member_ids": [str(child.id), str(other.id)]})
    area = db.session.scalars(select(OutcomeArea)).first()
    post(client, f"{base(family)}/{request.id}/scores/new",
         {"member_id": str(child.id), "occasion": "assessment", "scored_on": date_parts(date(2024, 10, 4)),
          f"area_{area.id}": "5"})
    child_id = child.id
    retention.erase_member(child, reason=ERASURE_REQUEST, received_on=date(2024, 11, 1), note="",
                           user=users[Role.MANAGER], today=TODAY)
    db.session.commit()
    for model in (ContactMember, AssessedMember, OutcomeScore):
        assert db.session.scalar(select(func.count(model.id)).where(model.member_id == child_id)) == 0
    # The episode and the other member's part in it stay.
    assert db.session.scalar(select(func.count(ContactMember.id)).where(ContactMember.member_id == other.id)) == 1
    assert db.session.get(HelpRequest, request.id) is not None
