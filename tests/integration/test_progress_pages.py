"""Recording a family's progress through the pages: attendance, events, employment, plans and manual evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tests.pages import text
from tests.progress_helpers import attach, date_parts, make_evidence
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode

TOMORROW = date.today() + timedelta(days=1)


@pytest.fixture
def coordinator(sign_in):
    return sign_in(Role.COORDINATOR)


@pytest.fixture
def family(db_session):
    """Alex (lead adult, born 1985), Jordan (partner, 1983), Casey (child, 2012) and Riley (child, 2014)."""
    return factories.make_family(members=4)


def count(model, family) -> int:
    return db.session.scalar(select(func.count(model.id)).where(model.family_id == family.id))


def audit(family, entity: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.family_id == family.id, AuditEvent.entity == entity)
            .order_by(AuditEvent.id)
        )
    )


def base(family) -> str:
    return f"/families/{family.id}/progress"


# ---------------------------------------------------------------- school attendance


def attendance(member, **change) -> dict:
    return {
        "member_id": str(member.id),
        "period_label": "Autumn term 2019",
        "period_start": ["2", "9", "2019"],
        "period_end": ["20", "12", "2019"],
        "value": "93.5",
        "source": "school_census",
    } | change


def test_record_attendance(pages, coordinator, family):
    casey = family.members[2]
    page = pages.get(f"{base(family)}/attendance/new")
    assert page.h1.get_text(strip=True) == "Record school attendance"
    pages.post(f"{base(family)}/attendance/new", attendance(casey), redirects_to=f"/families/{family.id}")
    measure = db.session.scalar(select(Measure).where(Measure.family_id == family.id))
    assert (measure.member_id, measure.kind, measure.value, measure.period_start) == (
        casey.id,
        "attendance",
        93.5,
        date(2019, 9, 2),
    )
    card = pages.get(f"/families/{family.id}").select_one("#attendance")
    assert casey.full_name in text(card)
    assert "Autumn term 2019 2 September 2019 to 20 December 2019 93.5% School census" in text(card)
    [event] = audit(family, "measure")
    assert (event.action, event.actor_label, event.changes["value"]) == ("create", coordinator.name, [None, 93.5])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": "100.5"}, "Attendance must be between 0 and 100"),
        ({"value": "93.55"}, "Attendance must have no more than 1 decimal place"),
        ({"value": "most days"}, "Attendance must be a number, like 93.5"),
        ({"value": ""}, "Enter the attendance"),
        ({"period_label": ""}, "Enter the term, like Autumn term 2016"),
        ({"period_end": ["1", "9", "2019"]}, "The end of the term must be after its start"),
        ({"period_end": ["31", "2", "2020"]}, "The end of the term must be a real date"),
        ({"period_end": date_parts(TOMORROW)}, "The end of the term must be today or in the past"),
        (
            {"period_start": ["2", "9", "2011"]},
            "The start of the term must be on or after the member's date of birth, 20 September 2012",
        ),
        ({"source": ""}, "Select where the figure comes from"),
        ({"member_id": ""}, "Select the family member"),
    ],
)
def test_attendance_bad_input_saves_nothing(pages, coordinator, family, change, message):
    data = attendance(family.members[2], **change)
    page, errors = pages.post_with_errors(f"{base(family)}/attendance/new", data)
    assert errors == [message]
    assert page.select_one("#period_label")["value"] == data["period_label"]  # what was typed is kept
    assert count(Measure, family) == 0
    assert audit(family, "measure") == []


def test_attendance_for_the_same_term_twice_is_refused(pages, coordinator, family):
    casey, riley = family.members[2], family.members[3]
    pages.post(f"{base(family)}/attendance/new", attendance(casey), redirects_to=f"/families/{family.id}")
    _, errors = pages.post_with_errors(
        f"{base(family)}/attendance/new", attendance(casey, period_label="Autumn 2019", value="90")
    )
    assert errors == [
        f"{casey.full_name} already has school attendance recorded for Autumn term 2019 (2 September 2019 to "
        "20 December 2019), which overlaps this term. Change that record instead of adding another"
    ]
    # the same term for another child, and the next term for the same child, are fine
    pages.post(f"{base(family)}/attendance/new", attendance(riley), redirects_to=f"/families/{family.id}")
    spring = attendance(casey, period_label="Spring term 2020", period_start=["6", "1", "2020"])
    spring["period_end"] = ["3", "4", "2020"]
    pages.post(f"{base(family)}/attendance/new", spring, redirects_to=f"/families/{family.id}")
    assert count(Measure, family) == 3


def test_member_of_another_family_is_refused(pages, coordinator, family):
    stranger = factories.make_family(members=3).members[2]
    _, errors = pages.post_with_errors(f"{base(family)}/attendance/new", attendance(stranger))
    assert errors == ["Select a member of this family"]
    _, errors = pages.post_with_errors(
        f"{base(family)}/events/new",
        {"member_id": str(stranger.id), "kind": "asb", "occurred_on": ["1", "5", "2019"], "source": "police"},
    )
    assert errors == ["Select a member of this family"]
    assert count(Measure, family) == count(Event, family) == 0


def test_change_and_delete_attendance(pages, coordinator, family):
    casey = family.members[2]
    pages.post(f"{base(family)}/attendance/new", attendance(casey), redirects_to=f"/families/{family.id}")
    measure = db.session.scalar(select(Measure).where(Measure.family_id == family.id))
    page = pages.get(f"{base(family)}/attendance/{measure.id}/edit")
    assert page.select_one("#value")["value"] == "93.5"
    assert page.select_one("#period_start-day")["value"] == "02"
    # changing a record does not clash with itself
    pages.post(
        f"{base(family)}/attendance/{measure.id}/edit",
        attendance(casey, value="88"),
        redirects_to=f"/families/{family.id}",
    )
    assert db.session.get(Measure, measure.id).value == 88
    page = pages.get(f"{base(family)}/attendance/{measure.id}/delete")
    assert "Delete the school attendance for Autumn term 2019?" in text(page)
    pages.post(f"{base(family)}/attendance/{measure.id}/delete", {}, redirects_to=f"/families/{family.id}")
    assert count(Measure, family) == 0
    assert [(e.action, e.changes.get("value")) for e in audit(family, "measure")] == [
        ("create", [None, 93.5]),
        ("update", [93.5, 88.0]),
        ("delete", [88.0, None]),
    ]


def test_records_of_another_family_are_not_found(pages, coordinator, family):
    other = factories.make_family(members=3)
    pages.post(f"{base(other)}/attendance/new", attendance(other.members[2]), redirects_to=f"/families/{other.id}")
    measure = db.session.scalar(select(Measure).where(Measure.family_id == other.id))
    pages.get(f"{base(family)}/attendance/{measure.id}/edit", status=404)
    assert pages.client.post(f"{base(family)}/attendance/{measure.id}/delete").status_code == 404
    assert count(Measure, other) == 1


# ---------------------------------------------------------------- school absence (unauthorised or overall)


def absence(member, **change) -> dict:
    return attendance(member, kind="unauthorised_absence", value="7.5") | change


def test_record_absence(pages, coordinator, family):
    casey = family.members[2]
    card = pages.get(f"/families/{family.id}").select_one("#attendance")
    assert f"/families/{family.id}/progress/attendance/new?measure=absence" in [a["href"] for a in card.select("a")]
    page = pages.get(f"{base(family)}/attendance/new?measure=absence")
    assert page.h1.get_text(strip=True) == "Record school absence"
    assert page.select_one("main form")["action"] == f"{base(family)}/attendance/new?measure=absence"
    pages.post(
        f"{base(family)}/attendance/new?measure=absence", absence(casey), redirects_to=f"/families/{family.id}"
    )
    # Attendance for the same term is another measure: it does not clash.
    pages.post(f"{base(family)}/attendance/new", attendance(casey), redirects_to=f"/families/{family.id}")
    measures = db.session.scalars(select(Measure).where(Measure.family_id == family.id).order_by(Measure.id)).all()
    assert [(m.member_id, m.kind, m.value) for m in measures] == [
        (casey.id, "unauthorised_absence", 7.5),
        (casey.id, "attendance", 93.5),
    ]
    card = text(pages.get(f"/families/{family.id}").select_one("#attendance"))
    assert f"{casey.full_name}: unauthorised absence" in card
    row = "Unauthorised absence Source Actions Autumn term 2019 2 September 2019 to 20 December 2019 7.5% School"
    assert row in card
    [event, _] = audit(family, "measure")
    assert event.changes["kind"] == [None, "unauthorised_absence"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": ""}, "Select which absence the figure is"),
        ({"kind": "attendance"}, "Select which absence the figure is"),  # not an absence: refused
        ({"value": "100.5"}, "Absence must be between 0 and 100"),
        ({"value": ""}, "Enter the absence"),
    ],
)
def test_absence_bad_input_saves_nothing(pages, coordinator, family, change, message):
    data = absence(family.members[2], **change)
    _, errors = pages.post_with_errors(f"{base(family)}/attendance/new?measure=absence", data)
    assert errors == [message]
    assert count(Measure, family) == 0


def test_absence_of_the_same_kind_for_the_same_term_twice_is_refused(pages, coordinator, family):
    casey = family.members[2]
    url = f"{base(family)}/attendance/new?measure=absence"
    pages.post(url, absence(casey), redirects_to=f"/families/{family.id}")
    _, errors = pages.post_with_errors(url, absence(casey, value="3"))
    assert errors[0].startswith(f"{casey.full_name} already has unauthorised absence recorded for Autumn term 2019")
    pages.post(url, absence(casey, kind="overall_absence", value="12"), redirects_to=f"/families/{family.id}")
    assert count(Measure, family) == 2


def test_change_and_delete_absence(pages, coordinator, family):
    casey = family.members[2]
    pages.post(
        f"{base(family)}/attendance/new?measure=absence", absence(casey), redirects_to=f"/families/{family.id}"
    )
    measure = db.session.scalar(select(Measure).where(Measure.family_id == family.id))
    page = pages.get(f"{base(family)}/attendance/{measure.id}/edit")
    assert page.h1.get_text(strip=True) == "Change absence for Autumn term 2019"
    assert page.select_one("input[name=kind][checked]")["value"] == "unauthorised_absence"
    pages.post(
        f"{base(family)}/attendance/{measure.id}/edit",
        absence(casey, kind="overall_absence", value="11"),
        redirects_to=f"/families/{family.id}",
    )
    changed = db.session.get(Measure, measure.id)
    assert (changed.kind, changed.value) == ("overall_absence", 11)
    page = pages.get(f"{base(family)}/attendance/{measure.id}/delete")
    assert "Delete the overall absence for Autumn term 2019?" in text(page)
    assert "Overall absence 11%" in text(page)
    pages.post(f"{base(family)}/attendance/{measure.id}/delete", {}, redirects_to=f"/families/{family.id}")
    assert count(Measure, family) == 0


# ---------------------------------------------------------------- events


def event_data(member, **change) -> dict:
    return {
        "member_id": str(member.id),
        "kind": "asb",
        "occurred_on": ["14", "3", "2019"],
        "source": "police",
        "note": "Reported by a neighbour",
    } | change


def test_record_change_and_delete_an_event(pages, coordinator, family):
    jordan = family.members[1]
    pages.get(f"{base(family)}/events/new")
    pages.post(f"{base(family)}/events/new", event_data(jordan), redirects_to=f"/families/{family.id}")
    event = db.session.scalar(select(Event).where(Event.family_id == family.id))
    assert (event.kind, event.occurred_on, event.source) == ("asb", date(2019, 3, 14), "police")
    card = pages.get(f"/families/{family.id}").select_one("#events")
    assert "14 March 2019" in text(card) and "Anti-social behaviour incident" in text(card)
    page = pages.get(f"{base(family)}/events/{event.id}/edit")
    assert page.select_one("#note").get_text() == "Reported by a neighbour"
    pages.post(
        f"{base(family)}/events/{event.id}/edit",
        event_data(jordan, kind="offence", note=""),
        redirects_to=f"/families/{family.id}",
    )
    assert db.session.get(Event, event.id).kind == "offence"
    pages.get(f"{base(family)}/events/{event.id}/delete")
    pages.post(f"{base(family)}/events/{event.id}/delete", {}, redirects_to=f"/families/{family.id}")
    assert count(Event, family) == 0
    assert [e.action for e in audit(family, "event")] == ["create", "update", "delete"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"occurred_on": date_parts(TOMORROW)}, "The date it happened must be today or in the past"),
        ({"occurred_on": ["", "", ""]}, "Enter the date it happened"),
        ({"occurred_on": ["1", "1", "1982"]}, "The date it happened must be on or after the member's date of birth"),
        ({"kind": ""}, "Select what happened"),
        ({"source": ""}, "Select who reported it"),
        ({"note": "x" * 1001}, "The note must be 1,000 characters or fewer"),
    ],
)
def test_event_bad_input_saves_nothing(pages, coordinator, family, change, message):
    _, errors = pages.post_with_errors(f"{base(family)}/events/new", event_data(family.members[1], **change))
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert count(Event, family) == 0


# ---------------------------------------------------------------- employment


def spell_data(member, **change) -> dict:
    return {
        "member_id": str(member.id),
        "started_on": ["3", "6", "2019"],
        "ended_on": ["", "", ""],
        "hours_per_week": "37.5",
        "prior_benefit": "JSA",
        "employer": "Brackenshire Garden Centre",
    } | change


def test_record_change_and_delete_a_spell_of_employment(pages, coordinator, family):
    alex = family.members[0]
    pages.get(f"{base(family)}/employment/new")
    pages.post(f"{base(family)}/employment/new", spell_data(alex), redirects_to=f"/families/{family.id}")
    spell = db.session.scalar(select(EmploymentSpell).where(EmploymentSpell.family_id == family.id))
    assert (spell.started_on, spell.ended_on, spell.hours_per_week, spell.prior_benefit) == (
        date(2019, 6, 3),
        None,
        37.5,
        "JSA",
    )
    card = pages.get(f"/families/{family.id}").select_one("#employment")
    assert "Still in work" in text(card) and "Jobseeker's Allowance" in text(card)
    page = pages.get(f"{base(family)}/employment/{spell.id}/edit")
    assert page.select_one("#hours_per_week")["value"] == "37.5"
    pages.post(
        f"{base(family)}/employment/{spell.id}/edit",
        spell_data(alex, ended_on=["30", "11", "2019"]),
        redirects_to=f"/families/{family.id}",
    )
    assert db.session.get(EmploymentSpell, spell.id).ended_on == date(2019, 11, 30)
    # a later spell that starts after the first ended is fine
    pages.post(
        f"{base(family)}/employment/new",
        spell_data(alex, started_on=["1", "12", "2019"], hours_per_week="16", prior_benefit="none"),
        redirects_to=f"/families/{family.id}",
    )
    pages.post(f"{base(family)}/employment/{spell.id}/delete", {}, redirects_to=f"/families/{family.id}")
    assert count(EmploymentSpell, family) == 1
    assert [e.action for e in audit(family, "employment_spell")] == ["create", "update", "create", "delete"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours_per_week": "0"}, "Hours a week must be more than 0"),
        ({"hours_per_week": "101"}, "Hours a week must be 100 or fewer"),
        ({"hours_per_week": "lots"}, "Hours a week must be a number, like 16 or 37.5"),
        ({"ended_on": ["1", "6", "2019"]}, "The end date must be after the start date"),
        ({"ended_on": ["3", "6", "2019"]}, "The end date must be after the start date"),
        ({"ended_on": date_parts(TOMORROW)}, "The end date must be today or in the past"),
        ({"ended_on": ["", "6", "2020"]}, "The end date must include a day"),
        ({"started_on": date_parts(TOMORROW)}, "The start date must be today or in the past"),
        ({"prior_benefit": ""}, "Select the benefit the member was on before"),
    ],
)
def test_spell_bad_input_saves_nothing(pages, coordinator, family, change, message):
    _, errors = pages.post_with_errors(f"{base(family)}/employment/new", spell_data(family.members[0], **change))
    assert errors == [message]
    assert count(EmploymentSpell, family) == 0


def test_employment_of_a_child_is_refused(pages, coordinator, family):
    casey = family.members[2]  # born 20 September 2012
    _, errors = pages.post_with_errors(f"{base(family)}/employment/new", spell_data(casey))
    assert errors == ["Employment is recorded for members aged 16 or over: this member was 6 on the start date"]


def test_overlapping_spells_are_refused(pages, coordinator, family):
    alex = family.members[0]
    pages.post(f"{base(family)}/employment/new", spell_data(alex), redirects_to=f"/families/{family.id}")
    _, errors = pages.post_with_errors(
        f"{base(family)}/employment/new", spell_data(alex, started_on=["1", "1", "2019"], ended_on=["3", "6", "2019"])
    )
    assert errors == [
        f"This overlaps another spell of employment of {alex.full_name}, from 3 June 2019 with no end date. "
        "Change or end that spell instead"
    ]
    # another member's spell at the same time is fine
    pages.post(f"{base(family)}/employment/new", spell_data(family.members[1]), redirects_to=f"/families/{family.id}")
    assert count(EmploymentSpell, family) == 2


# ---------------------------------------------------------------- child in need and child protection plans


def episode_data(member, **change) -> dict:
    return {
        "member_id": str(member.id),
        "kind": "child_protection",
        "started_on": ["1", "2", "2019"],
        "ended_on": ["", "", ""],
        "end_reason": "",
    } | change


def test_record_change_and_delete_a_plan(pages, coordinator, family):
    riley = family.members[3]
    pages.get(f"{base(family)}/status-episodes/new")
    pages.post(f"{base(family)}/status-episodes/new", episode_data(riley), redirects_to=f"/families/{family.id}")
    episode = db.session.scalar(select(StatusEpisode).where(StatusEpisode.family_id == family.id))
    assert (episode.kind, episode.ended_on, episode.end_reason) == ("child_protection", None, None)
    assert "Still open" in text(pages.get(f"/families/{family.id}").select_one("#status-episodes"))
    pages.get(f"{base(family)}/status-episodes/{episode.id}/edit")
    pages.post(
        f"{base(family)}/status-episodes/{episode.id}/edit",
        episode_data(riley, ended_on=["30", "9", "2019"], end_reason="stepped_down"),
        redirects_to=f"/families/{family.id}",
    )
    assert (episode.ended_on, episode.end_reason) == (date(2019, 9, 30), "stepped_down")
    card = pages.get(f"/families/{family.id}").select_one("#status-episodes")
    assert "30 September 2019" in text(card) and "Stepped down" in text(card)
    # a child in need plan at the same time is another kind: fine
    pages.post(
        f"{base(family)}/status-episodes/new",
        episode_data(riley, kind="child_in_need"),
        redirects_to=f"/families/{family.id}",
    )
    pages.post(f"{base(family)}/status-episodes/{episode.id}/delete", {}, redirects_to=f"/families/{family.id}")
    assert count(StatusEpisode, family) == 1
    assert [e.action for e in audit(family, "status_episode")] == ["create", "update", "create", "delete"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ended_on": ["30", "9", "2019"]}, "Select the reason the plan ended"),
        (
            {"end_reason": "closed"},
            "Enter the date the plan ended, or leave the reason blank while the plan is open",
        ),
        ({"ended_on": ["1", "1", "2019"], "end_reason": "closed"}, "The end date must be after the start date"),
        ({"started_on": ["1", "1", "2014"]}, "The start date must be on or after the member's date of birth"),
        ({"kind": ""}, "Select the kind of plan"),
    ],
)
def test_plan_bad_input_saves_nothing(pages, coordinator, family, change, message):
    _, errors = pages.post_with_errors(f"{base(family)}/status-episodes/new", episode_data(family.members[3], **change))
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert count(StatusEpisode, family) == 0


def test_overlapping_plans_of_one_kind_are_refused(pages, coordinator, family):
    riley = family.members[3]
    pages.post(
        f"{base(family)}/status-episodes/new",
        episode_data(riley, ended_on=["30", "9", "2019"], end_reason="closed"),
        redirects_to=f"/families/{family.id}",
    )
    _, errors = pages.post_with_errors(
        f"{base(family)}/status-episodes/new", episode_data(riley, started_on=["30", "9", "2019"])
    )
    assert errors == [
        f"This overlaps another child protection plan of {riley.full_name}, from 1 February 2019 to "
        "30 September 2019. Change or end that plan instead"
    ]
    pages.post(
        f"{base(family)}/status-episodes/new",
        episode_data(riley, started_on=["1", "10", "2019"]),
        redirects_to=f"/families/{family.id}",
    )


# ---------------------------------------------------------------- manual evidence


def evidence_data(problem, **change) -> dict:
    return {
        "problem_id": str(problem.id),
        "statement": "Casey's attendance has been above 95% since September.\nThe school confirms it.",
        "progress_from": ["1", "9", "2019"],
    } | change


def links(element) -> list[str]:
    """The visible words of each link, without the visually hidden context."""
    return [" ".join(t for t in a.find_all(string=True, recursive=False)).strip() for a in element.find_all("a")]


def problem_of(attachment, number: int):
    return next(p.problem for p in attachment.problems if p.problem.number == number)


def test_evidence_needs_an_attachment(pages, coordinator, family):
    card = pages.get(f"/families/{family.id}").select_one("#manual-evidence")
    assert "can be recorded once the family is attached" in text(card)
    assert pages.client.get(f"{base(family)}/evidence/new").status_code == 302
    response = pages.client.post(f"{base(family)}/evidence/new", data={"statement": "x"})
    assert response.status_code == 302
    assert count(ManualEvidence, family) == 0


def test_record_evidence_then_a_manager_signs_it_off(pages, sign_in, family, plan_version):
    attachment = attach(family, plan_version, problem_numbers=(2, 4))
    coordinator = sign_in(Role.COORDINATOR)
    page = pages.get(f"{base(family)}/evidence/new")
    offered = [label.get_text(strip=True) for label in page.select(".govuk-radios__label")]
    assert offered == [f"{p.number}. {p.name}" for p in (problem_of(attachment, 2), problem_of(attachment, 4))]
    education = problem_of(attachment, 2)
    pages.post(f"{base(family)}/evidence/new", evidence_data(education), redirects_to=f"/families/{family.id}")
    evidence = db.session.scalar(select(ManualEvidence).where(ManualEvidence.family_id == family.id))
    assert (evidence.status, evidence.recorded_by_id, evidence.attachment_id) == (
        "awaiting",
        coordinator.id,
        attachment.id,
    )
    card = pages.get(f"/families/{family.id}").select_one("#manual-evidence")
    assert "Awaiting manager sign-off" in text(card) and "The school confirms it." in text(card)
    assert "Change" in links(card)
    assert "Sign off or decline" not in links(card)  # a coordinator does not decide
    assert pages.client.get(f"{base(family)}/evidence/{evidence.id}/decision").status_code == 403
    assert (
        pages.client.post(f"{base(family)}/evidence/{evidence.id}/decision", data={"decision": "accept"}).status_code
        == 403
    )

    pages.client.post("/sign-out")
    manager = sign_in(Role.MANAGER)
    card = pages.get(f"/families/{family.id}").select_one("#manual-evidence")
    assert "Sign off or decline" in links(card) and "Change" not in links(card)
    page = pages.get(f"{base(family)}/evidence/{evidence.id}/decision")
    assert "The school confirms it." in text(page)
    pages.post(
        f"{base(family)}/evidence/{evidence.id}/decision",
        {"decision": "accept", "decision_reason": ""},
        redirects_to=f"/families/{family.id}",
    )
    db.session.refresh(evidence)
    assert (evidence.status, evidence.decided_by_id, evidence.decided_on) == ("accepted", manager.id, date.today())
    assert evidence.decided_at is not None
    card = pages.get(f"/families/{family.id}").select_one("#manual-evidence")
    assert f"Signed off by {manager.name}" in text(card)
    [signed_off] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence_signed_off")).all()
    assert (signed_off.entity_id, signed_off.family_id, signed_off.actor_label) == (
        evidence.id,
        family.id,
        manager.name,
    )
    assert "Casey" not in signed_off.summary  # the summary names the problem, not the person
    update = [e for e in audit(family, "manual_evidence") if e.action == "update"]
    assert update and update[0].changes["status"] == ["awaiting", "accepted"]
    # decided once: neither the manager nor the coordinator changes it again
    response = pages.client.post(f"{base(family)}/evidence/{evidence.id}/decision", data={"decision": "decline"})
    assert response.status_code == 302
    pages.client.post("/sign-out")
    sign_in(Role.COORDINATOR)
    pages.post(
        f"{base(family)}/evidence/{evidence.id}/edit",
        evidence_data(education, statement="Changed after sign-off"),
        redirects_to=f"/families/{family.id}",
    )
    pages.post(f"{base(family)}/evidence/{evidence.id}/delete", {}, redirects_to=f"/families/{family.id}")
    db.session.refresh(evidence)
    assert (evidence.status, evidence.statement.startswith("Casey's")) == ("accepted", True)


def test_declining_evidence_needs_a_reason(pages, sign_in, users, family, plan_version):
    attachment = attach(family, plan_version)
    evidence = make_evidence(attachment, users[Role.COORDINATOR])
    sign_in(Role.MANAGER)
    url = f"{base(family)}/evidence/{evidence.id}/decision"
    _, errors = pages.post_with_errors(url, {"decision": "decline", "decision_reason": " "})
    assert errors == ["Enter the reason the evidence is not accepted"]
    _, errors = pages.post_with_errors(url, {"decision_reason": "Not sure"})
    assert errors == ["Select whether you sign off the evidence"]
    db.session.refresh(evidence)
    assert (evidence.status, evidence.decided_by_id) == ("awaiting", None)
    pages.post(
        url, {"decision": "decline", "decision_reason": "Only one term so far"}, redirects_to=f"/families/{family.id}"
    )
    db.session.refresh(evidence)
    assert (evidence.status, evidence.decision_reason) == ("declined", "Only one term so far")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "evidence_not_accepted")) == 1
    card = pages.get(f"/families/{family.id}").select_one("#manual-evidence")
    assert "Not accepted" in text(card) and "Only one term so far" in text(card)


def test_nobody_signs_off_their_own_evidence(pages, client, family, plan_version):
    attachment = attach(family, plan_version)
    both = factories.make_user(Role.COORDINATOR, Role.MANAGER)
    evidence = make_evidence(attachment, both)
    client.post("/sign-in", data={"email": both.email, "password": PASSWORD})
    _, errors = pages.post_with_errors(f"{base(family)}/evidence/{evidence.id}/decision", {"decision": "accept"})
    assert errors == ["You recorded this evidence, so another manager must decide whether to sign it off"]
    db.session.refresh(evidence)
    assert evidence.status == "awaiting"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statement": "  "}, "Enter the evidence of progress"),
        ({"problem_id": ""}, "Select the headline problem the progress is on"),
        (
            {"progress_from": ["1", "5", "2019"]},
            "The date progress was made from must be on or after the attachment date, 3 June 2019",
        ),
        ({"progress_from": date_parts(TOMORROW)}, "The date progress was made from must be today or in the past"),
    ],
)
def test_evidence_bad_input_saves_nothing(pages, coordinator, family, plan_version, change, message):
    attachment = attach(family, plan_version)
    _, errors = pages.post_with_errors(
        f"{base(family)}/evidence/new", evidence_data(problem_of(attachment, 2), **change)
    )
    assert errors == [message]
    assert count(ManualEvidence, family) == 0


def test_evidence_only_on_a_problem_identified(pages, coordinator, family, plan_version):
    attachment = attach(family, plan_version, problem_numbers=(2, 4))
    crime = next(d.problem for d in plan_version.descriptors if d.problem.number == 1)
    _, errors = pages.post_with_errors(f"{base(family)}/evidence/new", evidence_data(crime))
    assert errors == ["Select a headline problem identified when the family was attached"]
    # after the attachment closed, evidence is still recorded against it (the latest)
    attachment.closed_on, attachment.closure_reason = date(2020, 3, 1), "outcomes_achieved"
    db.session.commit()
    pages.post(
        f"{base(family)}/evidence/new", evidence_data(problem_of(attachment, 4)), redirects_to=f"/families/{family.id}"
    )
    assert db.session.scalar(select(ManualEvidence.attachment_id).where(ManualEvidence.family_id == family.id)) == (
        attachment.id
    )


def test_change_and_delete_evidence_while_it_awaits(pages, coordinator, family, plan_version):
    attachment = attach(family, plan_version)
    evidence = make_evidence(attachment, coordinator)
    page = pages.get(f"{base(family)}/evidence/{evidence.id}/edit")
    assert page.select_one("#statement").get_text() == evidence.statement
    pages.post(
        f"{base(family)}/evidence/{evidence.id}/edit",
        evidence_data(problem_of(attachment, 4), statement="Both adults in work since September"),
        redirects_to=f"/families/{family.id}",
    )
    db.session.refresh(evidence)
    assert (evidence.problem.number, evidence.statement) == (4, "Both adults in work since September")
    pages.get(f"{base(family)}/evidence/{evidence.id}/delete")
    pages.post(f"{base(family)}/evidence/{evidence.id}/delete", {}, redirects_to=f"/families/{family.id}")
    assert count(ManualEvidence, family) == 0
    assert [e.action for e in audit(family, "manual_evidence")] == ["create", "update", "delete"]


# ---------------------------------------------------------------- who may do what


ADD_PAGES = [
    "attendance/new",
    "attendance/new?measure=absence",
    "events/new",
    "employment/new",
    "status-episodes/new",
    "evidence/new",
]


@pytest.mark.parametrize("role", [Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER, Role.ADMINISTRATOR])
def test_only_coordinators_record_progress(pages, sign_in, family, role):
    sign_in(role)
    for path in ADD_PAGES:
        assert pages.client.get(f"{base(family)}/{path}").status_code == 403, path
    response = pages.client.post(f"{base(family)}/attendance/new", data=attendance(family.members[2]))
    assert response.status_code == 403
    assert count(Measure, family) == 0


@pytest.mark.parametrize("role", [Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER])
def test_readers_see_progress_without_change_links(pages, sign_in, users, family, plan_version, role):
    attachment = attach(family, plan_version)
    make_evidence(attachment, users[Role.COORDINATOR])
    db.session.add(
        Measure(
            family_id=family.id,
            member_id=family.members[2].id,
            kind="attendance",
            period_label="Summer term 2019",
            period_start=date(2019, 4, 23),
            period_end=date(2019, 7, 19),
            value=97.0,
            source="school",
        )
    )
    db.session.commit()
    sign_in(role)
    page = pages.get(f"/families/{family.id}")
    progress = text(page.select_one("#attendance"))
    assert "Summer term 2019" in progress and "97%" in progress
    assert "Attendance has been above 95% for three terms." in text(page.select_one("#manual-evidence"))
    shown = links(page.select_one("main"))
    # Managers record the early-help pathway (its own area of the page), not progress.
    pathway = {"Record a request for early help"} if role == Role.MANAGER else set()
    changes = [link for link in shown if link.startswith(("Change", "Delete", "Record")) and link not in pathway]
    assert not changes, shown
    assert ("Sign off or decline" in links(page.select_one("#manual-evidence"))) is (role == Role.MANAGER)


@pytest.mark.csrf_on
def test_progress_forms_carry_a_csrf_token(pages, client, users, family, plan_version):
    attachment = attach(family, plan_version)
    evidence = make_evidence(attachment, users[Role.COORDINATOR])
    token = pages.get("/sign-in").select_one("input[name=csrf_token]")["value"]
    user = users[Role.COORDINATOR]
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    for path in [*ADD_PAGES, f"evidence/{evidence.id}/edit", f"evidence/{evidence.id}/delete"]:
        pages.get(f"{base(family)}/{path}")  # the checker asserts every POST form carries the token
    assert client.post(f"{base(family)}/attendance/new", data=attendance(family.members[2])).status_code == 400
    assert count(Measure, family) == 0


def test_a_member_with_progress_cannot_be_removed(family):
    from tfclaims.errors import NotAllowedError
    from tfclaims.families import services

    member = family.members[2]
    db.session.add(Event(family_id=family.id, member_id=member.id, kind="asb", occurred_on=date(2016, 3, 1),
                         source="police"))
    db.session.commit()
    with pytest.raises(NotAllowedError, match="progress recorded"):
        services.remove_member(member)


def test_progress_appears_on_the_family_timeline(pages, coordinator, family):
    pages.post(f"{base(family)}/events/new", event_data(family.members[1]), redirects_to=f"/families/{family.id}")
    pages.post(f"{base(family)}/attendance/new", attendance(family.members[2]), redirects_to=f"/families/{family.id}")
    timeline = text(pages.get(f"/families/{family.id}").select_one(".app-timeline"))
    assert "Anti-social behaviour incident recorded" in timeline
    assert "School attendance recorded" in timeline and "Autumn term 2019" in timeline


def test_a_sign_off_on_the_demo_day_is_dated_that_day(app, pages, sign_in, family, plan_version, monkeypatch):
    """With TFCLAIMS_TODAY set (the demo, tests), a manager's sign-off is dated the app's today, not the real date:
    otherwise a demo sign-off would fall after the framework ended and never count."""
    attachment = attach(family, plan_version, problem_numbers=(2, 4))
    sign_in(Role.COORDINATOR)
    pages.post(f"{base(family)}/evidence/new", evidence_data(problem_of(attachment, 2)),
               redirects_to=f"/families/{family.id}")
    evidence = db.session.scalar(select(ManualEvidence).where(ManualEvidence.family_id == family.id))
    pages.client.post("/sign-out")
    sign_in(Role.MANAGER)
    monkeypatch.setitem(app.config, "TFCLAIMS_TODAY", date.today() + timedelta(days=3))
    pages.post(f"{base(family)}/evidence/{evidence.id}/decision", {"decision": "accept", "decision_reason": ""},
               redirects_to=f"/families/{family.id}")
    db.session.refresh(evidence)
    assert evidence.decided_on == date.today() + timedelta(days=3)
