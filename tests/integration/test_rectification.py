"""Rectification (issue 13, item 12): correcting a member's details keeps the history, old and new values, who and
when, and the reason given, visible on the family page to those who may open it, and to nobody else."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Member

TODAY = date(2024, 6, 1)


def member_form(member, **changes) -> dict:
    data = {
        "forenames": member.forenames,
        "surname": member.surname,
        "date_of_birth": [str(member.date_of_birth.day), str(member.date_of_birth.month),
                          str(member.date_of_birth.year)],
        "sex": member.sex,
        "relationship_to_lead": member.relationship_to_lead,
        "resident": "yes" if member.resident else "no",
        "postcode": member.postcode,
        "upn": member.upn or "",
        "nhs_number": member.nhs_number or "",
        "ni_number": member.ni_number or "",
        "pnc_number": member.pnc_number or "",
        "case_reference": member.case_reference or "",
        "correction_reason": "",
    }
    return data | changes


def edit_url(member) -> str:
    return f"/families/{member.family_id}/members/{member.id}/edit"


def event_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


@pytest.fixture
def family(db_session, today_is):
    today_is(TODAY)
    family = factories.make_family(members=2)
    # Written as it was added (a bulk update, which the audit listeners do not see): the history starts empty.
    db.session.execute(update(Member).where(Member.id == family.members[0].id).values(nhs_number="9434765919"))
    db.session.commit()
    db.session.expire_all()
    return family


def correct_alex(pages, family, reason="Surname misspelt at referral; NHS number checked with the GP"):
    alex = family.members[0]
    old_surname = alex.surname
    pages.post(
        edit_url(alex),
        member_form(alex, surname="Adams-Smith", nhs_number="401 023 2137", correction_reason=reason),
        redirects_to=f"/families/{family.id}",
    )
    return alex, old_surname


def test_a_correction_keeps_both_values_visible_to_a_coordinator(pages, sign_in, family):
    coordinator = sign_in(Role.COORDINATOR)
    alex, old_surname = correct_alex(pages, family)
    assert (alex.surname, alex.nhs_number) == ("Adams-Smith", "4010232137")
    page = pages.get(f"/families/{family.id}")
    history = page.select_one(f"#record-changes-{alex.id}")
    assert text(history.select_one("summary")) == "Changes to this record: Alex Adams-Smith (1)"
    rows = [[text(td) for td in tr.select("td")] for tr in history.select("tbody tr")]
    assert rows == [["Surname", old_surname, "Adams-Smith"], ["NHS number", "943 476 5919", "401 023 2137"]]
    assert f"by {coordinator.name}" in text(history.select_one("caption"))
    assert "Reason given: Surname misspelt at referral; NHS number checked with the GP" in text(history)
    timeline = text(page.select_one(".app-timeline"))
    assert "Alex Adams-Smith's details changed" in timeline and "Surname, NHS number" in timeline
    item = next(li for li in page.select(".app-timeline__item")
                if text(li.h3) == "Reason given for correcting Alex Adams-Smith's details")
    assert text(item.select("p")[-1]) == "Surname misspelt at referral; NHS number checked with the GP"
    # Nobody else's record has changes to show.
    assert not page.select_one(f"#record-changes-{family.members[1].id}")
    # The reason is its own audit event, beside the row change.
    reason = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member_corrected"))
    assert (reason.entity, reason.entity_id, reason.family_id) == ("member", alex.id, family.id)
    assert reason.changes == {
        "reason": [None, "Surname misspelt at referral; NHS number checked with the GP"],
        "fields": [None, ["surname", "nhs_number"]],
    }
    # A second correction: newest first, each with its own reason (the second has none).
    pages.post(edit_url(alex), member_form(alex, date_of_birth=["15", "3", "1985"]),
               redirects_to=f"/families/{family.id}")
    history = pages.get(f"/families/{family.id}").select_one(f"#record-changes-{alex.id}")
    tables = history.select("table")
    assert [[text(td) for td in tr.select("td")] for tr in tables[0].select("tbody tr")] == [
        ["Date of birth", "14 March 1985", "15 March 1985"]
    ]
    assert text(history).count("Reason given:") == 1
    assert text(history).index("15 March 1985") < text(history).index("Reason given:")


def test_other_readers_see_the_history_too(pages, sign_in, family):
    sign_in(Role.COORDINATOR)
    alex, old_surname = correct_alex(pages, family)
    pages.client.post("/sign-out")
    sign_in(Role.AUDITOR)
    history = pages.get(f"/families/{family.id}").select_one(f"#record-changes-{alex.id}")
    assert old_surname in text(history) and "Adams-Smith" in text(history)


def test_the_history_never_appears_to_an_administrator(pages, sign_in, family):
    sign_in(Role.COORDINATOR)
    alex, old_surname = correct_alex(pages, family, reason="Misspelt by the referrer")
    pages.client.post("/sign-out")
    sign_in(Role.ADMINISTRATOR)
    assert pages.client.get(f"/families/{family.id}").status_code == 403
    trail = pages.get("/audit-trail/?entity=member")
    shown = text(trail)
    assert "Correction reason recorded" in shown
    for personal in (old_surname, "Adams-Smith", "Misspelt by the referrer", "9434765919", "4010232137"):
        assert personal not in shown, personal


def test_a_refused_edit_changes_nothing(pages, sign_in, family):
    sign_in(Role.COORDINATOR)
    alex = family.members[0]
    before = (alex.surname, alex.nhs_number, event_count())
    _, errors = pages.post_with_errors(
        edit_url(alex),
        member_form(alex, surname="Adams-Smith", nhs_number="401 023 2138", correction_reason="Typo"),
    )
    assert errors == ["Enter a valid NHS number: 10 digits, the last a check digit. Check it has been copied correctly"]
    db.session.expire_all()
    assert (alex.surname, alex.nhs_number, event_count()) == before
    assert not pages.get(f"/families/{family.id}").select_one("#record-changes")
    # A date of birth in the future is refused by the service: nothing written either.
    _, errors = pages.post_with_errors(
        edit_url(alex), member_form(alex, surname="Adams-Smith", date_of_birth=["2", "6", "2024"],
                                    correction_reason="Typo"),
    )
    assert errors == ["Date of birth must be today or in the past"]
    db.session.expire_all()
    assert (alex.surname, alex.nhs_number, event_count()) == before


def test_a_reason_is_kept_only_for_a_correction_of_name_date_of_birth_or_identifiers(pages, sign_in, family):
    sign_in(Role.COORDINATOR)
    alex = family.members[0]
    pages.post(edit_url(alex), member_form(alex, postcode="BR4 7QT", correction_reason="Moved house"),
               redirects_to=f"/families/{family.id}")
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "member_corrected")) == 0
    history = pages.get(f"/families/{family.id}").select_one(f"#record-changes-{alex.id}")
    assert [[text(td) for td in tr.select("td")] for tr in history.select("tbody tr")] == [
        ["Postcode", "BR1 2AB", "BR4 7QT"]
    ]
    assert "Reason given" not in text(history)
    # Saving with nothing changed writes nothing.
    before = event_count()
    pages.post(edit_url(alex), member_form(alex, correction_reason="Nothing really"),
               redirects_to=f"/families/{family.id}")
    assert event_count() == before


def test_the_reason_is_optional_and_bounded(pages, sign_in, family):
    sign_in(Role.COORDINATOR)
    alex = family.members[0]
    form = pages.get(edit_url(alex))
    assert form.select_one("#correction_reason") is not None
    assert pages.get(f"/families/{family.id}/members/new").select_one("#correction_reason") is None
    _, errors = pages.post_with_errors(edit_url(alex), member_form(alex, surname="X", correction_reason="x" * 201))
    assert errors == ["Reason for a correction must be 200 characters or fewer"]
    pages.post(edit_url(alex), member_form(alex, surname="Adams"), redirects_to=f"/families/{family.id}")
    assert alex.surname == "Adams"
