"""The household register and attachment, through the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Family, IdentifiedProblem, Member

NEW_MEMBER = {
    "forenames": "Kayla",
    "surname": "Brennan",
    "date_of_birth": ["14", "3", "2011"],
    "sex": "F",
    "relationship_to_lead": "child",
    "resident": "yes",
    "postcode": "br4 7qt",
    "upn": "",
    "nhs_number": "943 476 5919",
    "ni_number": "",
    "pnc_number": "",
    "case_reference": "",
}


def date_parts(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


@pytest.fixture
def coordinator(sign_in):
    return sign_in(Role.COORDINATOR)


def test_create_family_then_add_member(pages, coordinator, db_session):
    response = pages.post(
        "/families/new",
        {"reference": "brk-000999", "lead_practitioner": "Sam Patel", "team": "North locality", "notes": ""},
        redirects_to="",
    )
    family = db_session.scalar(select(Family).where(Family.reference == "BRK-000999"))
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    pages.post(f"/families/{family.id}/members/new", NEW_MEMBER, redirects_to=f"/families/{family.id}")
    member = db_session.scalar(select(Member).where(Member.family_id == family.id))
    assert (member.postcode, member.nhs_number, member.date_of_birth) == ("BR4 7QT", "9434765919", date(2011, 3, 14))
    page = pages.get(f"/families/{family.id}")
    assert "Kayla Brennan" in text(page)
    assert "Kayla Brennan added as a member" in text(page.select_one(".app-timeline"))
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.family_id == family.id)).all()
    assert {(e.entity, e.action) for e in events} >= {("family", "create"), ("member", "create")}
    member_event = next(e for e in events if e.entity == "member")
    assert member_event.changes["surname"] == [None, "Brennan"]
    assert member_event.actor_label == coordinator.name


def test_duplicate_reference_refused_and_form_keeps_input(pages, coordinator):
    factories.make_family(reference="BRK-000001")
    page, errors = pages.post_with_errors(
        "/families/new", {"reference": "BRK-000001", "lead_practitioner": "Sam", "team": "North", "notes": "keep me"}
    )
    assert errors == ["A family with this reference already exists"]
    assert page.select_one("#notes").get_text() == "keep me"
    assert db.session.scalar(select(func.count(Family.id)).where(Family.reference == "BRK-000001")) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nhs_number": "943 476 5918"}, "Enter a valid NHS number"),
        ({"ni_number": "QQ123456Z"}, "Enter a National Insurance number in the correct format"),
        ({"date_of_birth": ["31", "2", "2011"]}, "Date of birth must be a real date"),
        ({"date_of_birth": ["1", "1", str(date.today().year + 1)]}, "Date of birth must be today or in the past"),
        ({"date_of_birth": ["", "", ""]}, "Enter the member's date of birth"),
        ({"date_of_birth": ["12", "", "2011"]}, "Date of birth must include a month"),
        ({"forenames": ""}, "Enter the member's forenames"),
        ({"postcode": "nowhere"}, "Enter a real postcode"),
        ({"upn": "A123"}, "Enter a unique pupil number in the correct format"),
    ],
)
def test_member_bad_input(pages, coordinator, change, message):
    family = factories.make_family(members=0)
    page, errors = pages.post_with_errors(f"/families/{family.id}/members/new", NEW_MEMBER | change)
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert page.select_one("#surname")["value"] == "Brennan"  # what was typed is kept
    assert db.session.scalar(select(func.count(Member.id)).where(Member.family_id == family.id)) == 0


def test_post_without_date_parts_does_not_fail(pages, coordinator):
    family = factories.make_family(members=0)
    data = {k: v for k, v in NEW_MEMBER.items() if k != "date_of_birth"}
    _, errors = pages.post_with_errors(f"/families/{family.id}/members/new", data)
    assert errors == ["Enter the member's date of birth"]


def _attach_data(family, version, rows, attached_on=date(2019, 6, 3)):
    data = {"attached_on": attached_on.isoformat()}
    for i, (descriptor, member, evidence_on) in enumerate(rows):
        data[f"problems-{i}-descriptor_id"] = str(descriptor.id)
        data[f"problems-{i}-member_id"] = str(member.id)
        data[f"problems-{i}-evidence_source"] = ""
        data[f"problems-{i}-evidence_date"] = date_parts(evidence_on)
    return data


def _descriptor(version, problem_number):
    return next(d for d in version.descriptors if d.problem.number == problem_number)


def test_attach_family_pins_plan_version(pages, coordinator, plan_version, db_session):
    later = factories.make_published_plan(effective_from=date(2019, 1, 1))
    family = factories.make_family(members=3)
    adult, _, child = family.members
    pages.post(
        f"/families/{family.id}/attach",
        {"attached_on": ["3", "6", "2018"]},
        redirects_to=f"/families/{family.id}/attach/problems",
    )
    page = pages.get(f"/families/{family.id}/attach/problems?date=2018-06-03")
    # The inset names the date and the plan version in bold: markup, not text showing tags.
    assert [s.get_text() for s in page.select(".govuk-inset-text strong")][0] == "3 June 2018"
    assert plan_version.label in text(page)
    data = _attach_data(
        family,
        plan_version,
        [
            (_descriptor(plan_version, 2), child, date(2018, 5, 1)),
            (_descriptor(plan_version, 4), adult, date(2018, 5, 20)),
        ],
        attached_on=date(2018, 6, 3),
    )
    pages.post(f"/families/{family.id}/attach/problems?date=2018-06-03", data, redirects_to=f"/families/{family.id}")
    attachment = db_session.scalar(select(Attachment).where(Attachment.family_id == family.id))
    assert attachment.plan_version_id == plan_version.id  # not the later version
    assert {p.evidence_source for p in attachment.problems} == {"practitioner"}  # the descriptor's usual source
    page = pages.get(f"/families/{family.id}")
    assert "Attached to the programme" in text(page.select_one(".app-timeline"))
    # a date after the later version's effective-from pins the later version
    family2 = factories.make_family(members=3)
    a2, _, c2 = family2.members
    data = _attach_data(
        family2, later, [(_descriptor(later, 1), c2, date(2019, 5, 1)), (_descriptor(later, 5), a2, date(2019, 5, 1))]
    )
    pages.post(f"/families/{family2.id}/attach/problems?date=2019-06-03", data, redirects_to=f"/families/{family2.id}")
    assert family2.open_attachment.plan_version_id == later.id


def test_attach_with_one_problem_is_refused(pages, coordinator, plan_version, db_session):
    family = factories.make_family(members=3)
    adult, partner, child = family.members
    data = _attach_data(
        family,
        plan_version,
        [
            (_descriptor(plan_version, 2), child, date(2019, 5, 1)),
            (plan_version.descriptors[3], partner, date(2019, 5, 1)),
        ],
    )
    # both rows under headline problem 2: one distinct problem
    data["problems-1-descriptor_id"] = str([d for d in plan_version.descriptors if d.problem.number == 2][1].id)
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach/problems?date=2019-06-03", data)
    assert errors == [
        "Identify problems under at least 2 different headline problems to attach this family "
        "(you have 1; a non-resident parent counts towards one at most)"
    ]
    assert db_session.scalar(select(func.count(Attachment.id)).where(Attachment.family_id == family.id)) == 0
    assert (
        db_session.scalar(select(func.count(IdentifiedProblem.id)).where(IdentifiedProblem.family_id == family.id)) == 0
    )


def test_non_resident_parent_counts_towards_one_problem(pages, coordinator, plan_version):
    family = factories.make_family(members=5)
    absent = family.members[4]
    assert not absent.resident
    data = _attach_data(
        family,
        plan_version,
        [
            (_descriptor(plan_version, 1), absent, date(2019, 5, 1)),
            (_descriptor(plan_version, 5), absent, date(2019, 5, 1)),
        ],
    )
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach/problems?date=2019-06-03", data)
    assert "(you have 1;" in errors[0]


def test_second_open_attachment_refused_and_close(pages, coordinator, plan_version, db_session):
    family = factories.make_family(members=3)
    adult, _, child = family.members
    rows = [
        (_descriptor(plan_version, 2), child, date(2019, 5, 1)),
        (_descriptor(plan_version, 4), adult, date(2019, 5, 1)),
    ]
    pages.post(
        f"/families/{family.id}/attach/problems?date=2019-06-03",
        _attach_data(family, plan_version, rows),
        redirects_to=f"/families/{family.id}",
    )
    _, errors = pages.post_with_errors(
        f"/families/{family.id}/attach/problems?date=2019-07-03",
        _attach_data(family, plan_version, rows, date(2019, 7, 3)),
    )
    assert errors == ["This family already has an open attachment. Close it before attaching again."]
    attachment = family.open_attachment
    _, errors = pages.post_with_errors(
        f"/families/{family.id}/attachments/{attachment.id}/close",
        {"closed_on": ["1", "1", "2019"], "closure_reason": "stepped_down"},
    )
    assert errors == ["The closure date must be on or after the attachment date"]
    pages.post(
        f"/families/{family.id}/attachments/{attachment.id}/close",
        {"closed_on": ["1", "12", "2019"], "closure_reason": "stepped_down", "closure_note": ""},
        redirects_to=f"/families/{family.id}",
    )
    db_session.refresh(attachment)
    assert attachment.closed_on == date(2019, 12, 1)
    page = pages.get(f"/families/{family.id}")
    assert "Attachment closed" in text(page.select_one(".app-timeline"))


def test_problem_identified_after_attachment(pages, coordinator, plan_version, db_session):
    family = factories.make_family(members=3)
    adult, partner, child = family.members
    rows = [
        (_descriptor(plan_version, 2), child, date(2019, 5, 1)),
        (_descriptor(plan_version, 4), adult, date(2019, 5, 1)),
    ]
    pages.post(
        f"/families/{family.id}/attach/problems?date=2019-06-03",
        _attach_data(family, plan_version, rows),
        redirects_to=f"/families/{family.id}",
    )
    pages.get(f"/families/{family.id}/problems/new")
    pages.post(
        f"/families/{family.id}/problems/new",
        {
            "problem-descriptor_id": str(_descriptor(plan_version, 5).id),
            "problem-member_id": str(partner.id),
            "problem-evidence_source": "police",
            "problem-evidence_date": ["1", "9", "2019"],
        },
        redirects_to=f"/families/{family.id}",
    )
    after = db_session.scalar(select(IdentifiedProblem).where(IdentifiedProblem.identified_after_attachment.is_(True)))
    assert (after.member_id, after.evidence_source) == (partner.id, "police")


def test_future_attachment_date_refused(pages, coordinator, plan_version):
    family = factories.make_family()
    tomorrow = date.today() + timedelta(days=1)
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach", {"attached_on": date_parts(tomorrow)})
    assert errors == ["The attachment date must be today or in the past"]


def test_no_plan_in_force(pages, coordinator):
    family = factories.make_family()
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach", {"attached_on": ["1", "1", "2001"]})
    assert errors[0].startswith("No published outcomes plan was in force on the attachment date")


def test_possible_duplicate_warning_links_to_other_family(pages, coordinator):
    first = factories.make_family(members=2)
    second = factories.make_family(members=0)
    lead = first.members[0]
    pages.post(
        f"/families/{second.id}/members/new",
        NEW_MEMBER
        | {
            "forenames": lead.forenames,
            "surname": lead.surname,
            "nhs_number": "",
            "date_of_birth": date_parts(lead.date_of_birth),
        },
        redirects_to=f"/families/{second.id}",
    )
    page = pages.get(f"/families/{second.id}")
    warning = page.select_one("#possible-duplicates")
    assert warning is not None and "same name and date of birth" in text(warning)
    assert warning.find("a", href=f"/families/{first.id}")


def test_search_by_name_identifier_and_reference(pages, coordinator):
    family = factories.make_family(reference="BRK-004242")
    family.members[0].ni_number = "AB123456C"
    other = factories.make_family(reference="BRK-001111")
    db.session.flush()
    for term in (
        "BRK-004242",
        "004242",
        family.members[0].surname,
        f"{family.members[0].forenames} {family.members[0].surname}",
        "ab 12 34 56 c",
    ):
        page = pages.get(f"/families/?q={term}")
        refs = [a.get_text() for a in page.select("table a.govuk-link") if a.get_text().startswith("BRK")]
        assert refs == ["BRK-004242"], (term, refs)
    page = pages.get("/families/?sort=reference&order=desc")
    refs = [a.get_text() for a in page.select("tbody a.govuk-link")]
    assert refs.index("BRK-004242") < refs.index(other.reference)


def test_pagination(pages, coordinator):
    for _ in range(30):
        factories.make_family(members=1)
    page = pages.get("/families/?page=2")
    assert "Showing 26 to" in text(page)
    assert page.select_one(".govuk-pagination")


def test_consent_for_adults_and_children(pages, coordinator, db_session):
    """An adult decides for themselves; a child's consent is a parent's or carer's (more in test_consent.py)."""
    family = factories.make_family(members=3)
    adult, _, child = family.members
    decision = {"scope": ["programme"], "status": "given", "recorded_on": ["2", "5", "2019"],
                "lawful_basis": "public_task", "note": ""}
    pages.post(
        f"/families/{family.id}/members/{adult.id}/consent",
        decision | {"given_by": "self"},
        redirects_to=f"/families/{family.id}",
    )
    assert adult.current_consent.status == "given"
    _, errors = pages.post_with_errors(
        f"/families/{family.id}/members/{child.id}/consent", decision | {"given_by": "self"}
    )
    assert errors == ["A child under 12 is not recorded as deciding for themselves: select the parent or carer who "
                      "decided"]
    pages.post(
        f"/families/{family.id}/members/{child.id}/consent",
        decision | {"given_by": "parent"},
        redirects_to=f"/families/{family.id}",
    )
    assert (child.current_consent.status, child.current_consent.given_by) == ("given", "parent")


def test_readers_cannot_write(pages, sign_in):
    sign_in(Role.AUDITOR)
    family = factories.make_family()
    pages.get(f"/families/{family.id}")
    assert pages.client.get(f"/families/{family.id}/edit").status_code == 403
    assert pages.client.post("/families/new", data={"reference": "X-1"}).status_code == 403


# ---------------------------------------------------------------- eligibility that is declared is enforced (issue 11)


def _with_applies_to(version, problem_number: int, applies_to: str):
    """The version's first descriptor of a headline problem, made to apply to ``applies_to`` only."""
    descriptor = _descriptor(version, problem_number)
    descriptor.applies_to = applies_to
    db.session.commit()
    return descriptor


def _count_attachments(family) -> int:
    return db.session.scalar(select(func.count(Attachment.id)).where(Attachment.family_id == family.id))


def test_an_adult_descriptor_is_refused_for_a_twelve_year_old(pages, coordinator, plan_version):
    family = factories.make_family(members=2)
    adult = family.members[0]
    child = factories.add_member(family, "Kai", date(2007, 1, 10))  # 12 on 3 June 2019
    out_of_work = _with_applies_to(plan_version, 4, "adult")
    data = _attach_data(
        family,
        plan_version,
        [(_descriptor(plan_version, 1), adult, date(2019, 5, 1)), (out_of_work, child, date(2019, 5, 1))],
    )
    page, errors = pages.post_with_errors(f"/families/{family.id}/attach/problems?date=2019-06-03", data)
    message = (
        f"Descriptor {out_of_work.code} applies to an adult (18 or over): {child.full_name} was 12 on the "
        "attachment date (3 June 2019)"
    )
    assert errors == [message]
    # against the member of the second problem, which is what must change
    assert text(page.select_one("#problems-1-member_id-error")) == f"Error: {message}"
    assert page.select_one(".govuk-error-summary a")["href"] == "#problems-1-member_id"
    assert _count_attachments(family) == 0
    # the same descriptor for the adult is fine
    data["problems-1-member_id"] = str(adult.id)
    pages.post(f"/families/{family.id}/attach/problems?date=2019-06-03", data, redirects_to=f"/families/{family.id}")
    assert _count_attachments(family) == 1


def test_an_attendance_descriptor_is_refused_for_a_forty_one_year_old(pages, coordinator, plan_version):
    family = factories.make_family(members=3)
    lead, partner, child = family.members  # the lead adult was born on 14 March 1985: 41 on 1 June 2026
    attendance = _with_applies_to(plan_version, 2, "school_age")
    parent = factories.add_member(family, "Pat", date(1978, 2, 1), relationship="parent")  # 41 on 3 June 2019
    data = _attach_data(
        family,
        plan_version,
        [(attendance, parent, date(2019, 5, 1)), (_descriptor(plan_version, 4), lead, date(2019, 5, 1))],
    )
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach/problems?date=2019-06-03", data)
    assert errors == [
        f"Descriptor {attendance.code} applies to a school-age child (5 to 16): {parent.full_name} was 41 on the "
        "attachment date (3 June 2019)"
    ]
    assert _count_attachments(family) == 0
    data["problems-0-member_id"] = str(child.id)  # 6 on 3 June 2019
    pages.post(f"/families/{family.id}/attach/problems?date=2019-06-03", data, redirects_to=f"/families/{family.id}")


@pytest.mark.parametrize(
    ("attached_on", "accepted"),
    [(date(2019, 6, 2), False), (date(2019, 6, 3), True)],
    ids=["17 the day before the 18th birthday", "18 on the birthday"],
)
def test_adult_descriptor_on_the_eighteenth_birthday(pages, coordinator, plan_version, attached_on, accepted):
    family = factories.make_family(members=3)
    lead = family.members[0]
    young = factories.add_member(family, "Sky", date(2001, 6, 3))
    out_of_work = _with_applies_to(plan_version, 4, "adult")
    url = f"/families/{family.id}/attach/problems?date={attached_on.isoformat()}"
    data = _attach_data(
        family,
        plan_version,
        [(_descriptor(plan_version, 1), lead, date(2019, 5, 1)), (out_of_work, young, date(2019, 5, 1))],
        attached_on=attached_on,
    )
    if accepted:
        pages.post(url, data, redirects_to=f"/families/{family.id}")
        assert _count_attachments(family) == 1
    else:
        _, errors = pages.post_with_errors(url, data)
        assert errors == [
            f"Descriptor {out_of_work.code} applies to an adult (18 or over): {young.full_name} was 17 on the "
            "attachment date (2 June 2019)"
        ]
        assert _count_attachments(family) == 0


def test_a_child_descriptor_is_refused_on_the_eighteenth_birthday(pages, coordinator, plan_version):
    family = factories.make_family(members=3)
    lead = family.members[0]
    young = factories.add_member(family, "Sky", date(2001, 6, 3))
    need_help = _with_applies_to(plan_version, 3, "child")
    data = _attach_data(
        family,
        plan_version,
        [(_descriptor(plan_version, 1), lead, date(2019, 5, 1)), (need_help, young, date(2019, 5, 1))],
    )
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach/problems?date=2019-06-03", data)
    assert errors == [
        f"Descriptor {need_help.code} applies to a child (under 18): {young.full_name} was 18 on the attachment "
        "date (3 June 2019)"
    ]


def test_a_problem_identified_after_attachment_is_judged_on_its_evidence_date(pages, coordinator, plan_version):
    family = factories.make_family(members=3)
    lead, _, child = family.members
    young = factories.add_member(family, "Sky", date(2001, 9, 1))  # 17 at attachment, 18 on 1 September 2019
    pages.post(
        f"/families/{family.id}/attach/problems?date=2019-06-03",
        _attach_data(
            family,
            plan_version,
            [
                (_descriptor(plan_version, 2), child, date(2019, 5, 1)),
                (_descriptor(plan_version, 1), lead, date(2019, 5, 1)),
            ],
        ),
        redirects_to=f"/families/{family.id}",
    )
    out_of_work = _with_applies_to(plan_version, 4, "adult")
    row = {
        "problem-descriptor_id": str(out_of_work.id),
        "problem-member_id": str(young.id),
        "problem-evidence_source": "",
        "problem-evidence_date": ["31", "8", "2019"],
    }
    page, errors = pages.post_with_errors(f"/families/{family.id}/problems/new", row)
    assert errors == [
        f"Descriptor {out_of_work.code} applies to an adult (18 or over): {young.full_name} was 17 on the evidence "
        "date (31 August 2019)"
    ]
    assert page.select_one(".govuk-error-summary a")["href"] == "#problem-member_id"
    pages.post(
        f"/families/{family.id}/problems/new",
        row | {"problem-evidence_date": ["1", "9", "2019"]},
        redirects_to=f"/families/{family.id}",
    )


def test_a_dependent_children_descriptor_needs_a_child_or_an_expectant_parent(pages, coordinator, plan_version):
    family = factories.make_family(members=2)
    lead, partner = family.members
    grown_up = factories.add_member(family, "Ash", date(2001, 6, 3))  # 18 on the attachment date
    housing = _with_applies_to(plan_version, 6, "dependent_children")
    plan_version.plan.framework.requires_dependent_children = False  # the descriptor's own rule, alone
    db.session.commit()
    url = f"/families/{family.id}/attach/problems?date=2019-06-03"
    data = _attach_data(
        family,
        plan_version,
        [(_descriptor(plan_version, 1), lead, date(2019, 5, 1)), (housing, partner, date(2019, 5, 1))],
    )
    page, errors = pages.post_with_errors(url, data)
    assert errors == [
        f"Descriptor {housing.code} is for families with a resident child under 18 or an expectant parent: this "
        "family had neither on the attachment date (3 June 2019). Record the child, or mark the expectant parent "
        "in their member details"
    ]
    assert page.select_one(".govuk-error-summary a")["href"] == "#problems-1-descriptor_id"
    assert grown_up.id
    partner.expectant = True
    db.session.commit()
    pages.post(url, data, redirects_to=f"/families/{family.id}")


def test_a_framework_needing_dependent_children_refuses_a_family_without(pages, coordinator, plan_version):
    assert plan_version.plan.framework.requires_dependent_children
    family = factories.make_family(members=2)
    lead, partner = family.members
    factories.add_member(family, "Ash", date(2001, 6, 3))  # 18 on the attachment date: not a dependent child
    factories.add_member(family, "Bo", date(2010, 1, 1), resident=False)  # a child who lives elsewhere
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach", {"attached_on": ["3", "6", "2019"]})
    assert errors == [
        "Troubled Families 2015-21 is for families with a resident child under 18 or an expectant parent: this "
        "family had neither on the attachment date (3 June 2019). Record the child, or mark the expectant parent in "
        "their member details"
    ]
    # the same rule holds when the problems are posted straight away
    data = _attach_data(
        family,
        plan_version,
        [
            (_descriptor(plan_version, 1), lead, date(2019, 5, 1)),
            (_descriptor(plan_version, 4), partner, date(2019, 5, 1)),
        ],
    )
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach/problems?date=2019-06-03", data)
    assert errors[0].startswith("Troubled Families 2015-21 is for families with a resident child under 18")
    assert _count_attachments(family) == 0
    # the expectant parent, recorded through the member form
    member = NEW_MEMBER | {
        "forenames": partner.forenames,
        "surname": partner.surname,
        "date_of_birth": date_parts(partner.date_of_birth),
        "relationship_to_lead": partner.relationship_to_lead,
        "sex": partner.sex,
        "postcode": partner.postcode,
        "nhs_number": "",
        "expectant": "y",
    }
    pages.post(f"/families/{family.id}/members/{partner.id}/edit", member, redirects_to=f"/families/{family.id}")
    db.session.refresh(partner)
    assert partner.expectant
    pages.post(
        f"/families/{family.id}/attach", {"attached_on": ["3", "6", "2019"]}, redirects_to="/attach/problems"
    )
    pages.post(f"/families/{family.id}/attach/problems?date=2019-06-03", data, redirects_to=f"/families/{family.id}")
    page = pages.get(f"/families/{family.id}")
    assert f"{partner.full_name}'s details changed" in text(page.select_one(".app-timeline"))
    assert "Expectant parent" in [text(p) for p in page.select(".app-timeline .govuk-body")]


def test_the_member_form_offers_the_expectant_parent_checkbox(pages, coordinator):
    family = factories.make_family(members=0)
    page = pages.get(f"/families/{family.id}/members/new")
    box = page.select_one("input[type=checkbox][name=expectant]")
    assert box is not None and not box.has_attr("checked")
    pages.post(f"/families/{family.id}/members/new", NEW_MEMBER | {"expectant": "y"}, redirects_to="")
    member = db.session.scalar(select(Member).where(Member.family_id == family.id))
    assert member.expectant
    page = pages.get(f"/families/{family.id}")
    assert "Expectant parent" in text(page.select_one("#members").find_next("table"))
    page = pages.get(f"/families/{family.id}/members/{member.id}/edit")
    assert page.select_one("input[name=expectant]").has_attr("checked")
    pages.post(f"/families/{family.id}/members/{member.id}/edit", NEW_MEMBER, redirects_to="")
    db.session.refresh(member)
    assert not member.expectant  # an unticked box is sent as nothing


# ---------------------------------------------------------------- framework periods bound attachment (issue 12)


def test_attaching_a_day_before_the_first_plan_version_takes_effect(pages, coordinator):
    factories.make_published_plan(effective_from=date(2015, 5, 1))
    family = factories.make_family(members=3)
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach", {"attached_on": ["30", "4", "2015"]})
    assert errors == [
        "No published outcomes plan was in force on the attachment date (30 April 2015). Families can be attached "
        "from 1 May 2015 to 31 March 2021 under Troubled Families 2015-21."
    ]
    pages.post(f"/families/{family.id}/attach", {"attached_on": ["1", "5", "2015"]}, redirects_to="/attach/problems")


def test_attaching_a_day_outside_the_framework_is_refused(pages, coordinator, plan_version):
    sf = factories.make_published_plan("SF2022", effective_from=date(2022, 10, 1), descriptors_per_problem=1)
    family = factories.make_family(members=3)
    periods = (
        "Families can be attached from 1 April 2015 to 31 March 2021 under Troubled Families 2015-21 or from "
        "1 October 2022 to 31 March 2025 under Supporting Families 2022-25."
    )
    for day, month, year, words in (("31", "3", "2015", "31 March 2015"), ("1", "4", "2021", "1 April 2021"),
                                    ("30", "9", "2022", "30 September 2022")):
        _, errors = pages.post_with_errors(f"/families/{family.id}/attach", {"attached_on": [day, month, year]})
        assert errors == [f"No published outcomes plan was in force on the attachment date ({words}). {periods}"]
    # the step that records the problems refuses the date too, whatever the address says
    response = pages.client.get(f"/families/{family.id}/attach/problems?date=2021-04-01")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/families/{family.id}/attach")
    # the last day of 2015-21 is judged under its plan; the first day of 2022-25 under the new one
    pages.post(f"/families/{family.id}/attach", {"attached_on": ["31", "3", "2021"]}, redirects_to="/attach/problems")
    pages.post(f"/families/{family.id}/attach", {"attached_on": ["1", "10", "2022"]}, redirects_to="/attach/problems")
    assert sf.plan.framework.code == "SF2022"


# ---------------------------------------------------------------- closing as outcomes achieved (issue 11)


def _attached(pages, plan_version):
    family = factories.make_family(members=3)
    adult, _, child = family.members
    pages.post(
        f"/families/{family.id}/attach/problems?date=2019-06-03",
        _attach_data(
            family,
            plan_version,
            [
                (_descriptor(plan_version, 2), child, date(2019, 5, 1)),
                (_descriptor(plan_version, 4), adult, date(2019, 5, 1)),
            ],
        ),
        redirects_to=f"/families/{family.id}",
    )
    return family, family.open_attachment


def test_closing_as_outcomes_achieved_while_problems_are_not_sustained_asks_for_confirmation(
    pages, coordinator, plan_version, db_session
):
    family, attachment = _attached(pages, plan_version)
    url = f"/families/{family.id}/attachments/{attachment.id}/close"
    page = pages.get(url)
    assert page.select_one("input[name=confirm_not_sustained]") is None  # nothing to confirm yet
    data = {"closed_on": ["1", "12", "2019"], "closure_reason": "outcomes_achieved", "closure_note": "Doing well"}
    page, errors = pages.post_with_errors(url, data)
    assert errors == [
        "Confirm that the case closed with outcomes achieved although 2 problems are not sustained, or select "
        "another reason"
    ]
    listed = [li.get_text(strip=True) for li in page.select("#not-sustained li")]
    assert [item.split(":")[0] for item in listed] == [
        f"2. {_descriptor(plan_version, 2).problem.name}",
        f"4. {_descriptor(plan_version, 4).problem.name}",
    ]
    assert page.select_one(".govuk-error-summary a")["href"] == "#confirm_not_sustained"
    assert page.select_one("#confirm_not_sustained") is not None
    db_session.refresh(attachment)
    assert attachment.is_open  # nothing saved

    pages.post(url, data | {"confirm_not_sustained": "y"}, redirects_to=f"/families/{family.id}")
    db_session.refresh(attachment)
    assert (attachment.closed_on, attachment.closure_reason) == (date(2019, 12, 1), "outcomes_achieved")
    assert attachment.closure_note.startswith("Doing well\n\nClosed as outcomes achieved although 2 problems were not "
                                              "sustained on 1 December 2019: 2. ")
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "attachment_closed", AuditEvent.entity_id == attachment.id)
    )
    assert event.actor_label == coordinator.name
    assert "as outcomes achieved although not sustained: 2. " in event.summary
    assert event.changes["confirmed_not_sustained"][1] == listed
    page = pages.get(f"/families/{family.id}")
    timeline = text(page.select_one(".app-timeline"))
    assert "Outcomes achieved, confirmed although not sustained: 2. " in timeline


def test_closing_for_another_reason_needs_no_confirmation(pages, coordinator, plan_version, db_session):
    family, attachment = _attached(pages, plan_version)
    pages.post(
        f"/families/{family.id}/attachments/{attachment.id}/close",
        {"closed_on": ["1", "12", "2019"], "closure_reason": "disengaged", "confirm_not_sustained": ""},
        redirects_to=f"/families/{family.id}",
    )
    db_session.refresh(attachment)
    assert (attachment.closure_reason, attachment.closure_note) == ("disengaged", "")
