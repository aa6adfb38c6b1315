"""Retention with legal hold (issue 13, item 10): the schedule, what is due (nightly and a manager's dry run), legal
holds, and the erasure a manager confirms, which keeps claim totals and redacts the audit trail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests import factories
from tests.claim_helpers import make_window, snapshot_for
from tests.conftest import make_test_app
from tests.pages import text
from tests.progress_helpers import attach, make_evidence
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.audit.services import record_access
from tfclaims.auth.roles import Role
from tfclaims.claims import queries as claim_queries
from tfclaims.claims import rules as claim_rules
from tfclaims.claims.models import SUBMITTED, Claim, ClaimLine
from tfclaims.clock import day_of
from tfclaims.db import as_utc
from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode
from tfclaims.retention import queries, services
from tfclaims.retention.models import LegalHold, RetentionRule, RetentionRun
from tfclaims.retention.vocabulary import DRY_RUN, DUE_LIST, ERASURE
from tfclaims.text import long_date

TODAY = date(2030, 6, 1)
CLOSED = date(2019, 5, 1)  # under Troubled Families 2015-21 (ended 31 March 2021): due from 1 April 2029


# ---------------------------------------------------------------- builders (used by test_erasure.py too)


def personal_values(tag: str) -> dict[str, str]:
    """Distinctive personal values for one family, so a test can look for each anywhere in the audit trail."""
    return {
        "forenames": f"Zebedee{tag}",
        "surname": f"Quixotic{tag}-Marsh",
        "child": f"Perpetua{tag}",
        "postcode": f"ZZ{tag[:1] or '9'} 9QX",
        "nhs_number": f"94347659{tag[:2].ljust(2, '0')}",
        "ni_number": f"QQ12345{tag[:1] or '6'}C",
        "upn": f"A12345678{tag[:4].ljust(4, '0')}",
        "pnc_number": f"12/3456{tag[:2].ljust(2, '0')}X",
        "note": f"Worried about Zebedee{tag} at home",
        "statement": f"Zebedee{tag} attended every session",
        "employer": f"Quixotic{tag} Bakery Ltd",
        "incident": f"Shouting at Perpetua{tag}",
        "search": f"Quixotic{tag}",
    }


def seeded_family(version, tag: str, *, closed_on: date | None = CLOSED, attached_on: date = date(2017, 1, 10),
                  recorded_by=None) -> Family:
    """A family of two (a lead adult and a child) with every kind of record, written through the ORM so that the
    audit trail carries each personal value, read once (an access event) and found by a search."""
    v = personal_values(tag)
    family = Family(reference=f"FAM-R{tag}", lead_practitioner="Sam Keyworker", team="North locality",
                    notes=v["note"])
    family.members.append(Member(forenames=v["forenames"], surname=v["surname"], date_of_birth=date(1979, 2, 13),
                                 sex="F", relationship_to_lead="lead_adult", postcode=v["postcode"],
                                 nhs_number=v["nhs_number"], ni_number=v["ni_number"], pnc_number=v["pnc_number"]))
    family.members.append(Member(forenames=v["child"], surname=v["surname"], date_of_birth=date(2012, 9, 20),
                                 sex="M", relationship_to_lead="child", postcode=v["postcode"], upn=v["upn"]))
    db.session.add(family)
    db.session.commit()
    lead, child = family.members
    db.session.add(Consent(member_id=lead.id, family_id=family.id, status="given", recorded_on=attached_on,
                           lawful_basis="public_task", note=v["note"]))
    attachment = attach(family, version, attached_on=attached_on, closed_on=closed_on)
    db.session.add_all([
        Measure(family_id=family.id, member_id=child.id, kind="attendance", period_label="Autumn term 2017",
                period_start=date(2017, 9, 1), period_end=date(2017, 12, 20), value=81.5, source="school"),
        Event(family_id=family.id, member_id=lead.id, kind="asb", occurred_on=date(2017, 3, 1), source="police",
              note=v["incident"]),
        EmploymentSpell(family_id=family.id, member_id=lead.id, started_on=date(2018, 1, 8), hours_per_week=20,
                        prior_benefit="jsa", employer=v["employer"]),
        StatusEpisode(family_id=family.id, member_id=child.id, kind="child_in_need", started_on=date(2016, 11, 1),
                      ended_on=date(2017, 10, 1), end_reason="stepped_down"),
    ])
    db.session.commit()
    make_evidence(attachment, recorded_by or factories.make_user(Role.COORDINATOR), statement=v["statement"])
    lead.postcode = v["postcode"].replace("9QX", "8QX")  # an update event too
    record_access(db.session, "viewed", "family page", family_id=family.id, path=f"/families/{family.id}")
    record_access(db.session, "searched", "family search", detail={"query": v["search"], "family_ids": [family.id]})
    record_access(db.session, "downloaded", "subject access export", member_id=lead.id,
                  detail={"file": f"{v['forenames']}-export.zip"})
    db.session.commit()
    return family


def claim_with_lines(families: list[Family], version, submitted_on: date | None, status: str = SUBMITTED) -> Claim:
    """A claim of the given families' latest attachments, each on the CE route (its snapshot names the lead adult),
    submitted on ``submitted_on``."""
    officer = factories.make_user(Role.CLAIMS_OFFICER)
    window = make_window()
    built_at = datetime(2020, 10, 1, 9, 30, tzinfo=UTC)
    claim = Claim(window_id=window.id, reference=f"BRK claim {window.label}", status=status, as_of=window.ends_on,
                  built_by_id=officer.id, built_at=built_at, submitted_on=submitted_on,
                  submitted_by_id=officer.id if submitted_on else None)
    db.session.add(claim)
    db.session.flush()
    lines = []
    for family in families:
        attachment = db.session.scalars(select(Attachment).where(Attachment.family_id == family.id)).first()
        snapshot = snapshot_for(family, attachment, version, "CE", window.ends_on)
        lines.append(ClaimLine(
            claim_id=claim.id, family_id=family.id, attachment_id=attachment.id, family_reference=family.reference,
            route="CE", plan_version_id=version.id, plan_label=version.label, framework="TF2015",
            attached_on=attachment.attached_on, claimable_on=date(2020, 7, 17),
            result_payment_pence=snapshot["result_payment_pence"], snapshot=snapshot,
            line_hash=claim_rules.line_hash(snapshot), frozen_at=built_at, state="included", holds_family=True,
        ))
    db.session.add_all(lines)
    claim.content_hash = claim_rules.content_hash([(line.family_reference, line.line_hash) for line in lines])
    db.session.commit()
    return claim


def trail_text() -> str:
    """Everything the audit trail and the record of reads hold, as one text."""
    parts = []
    for e in db.session.scalars(select(AuditEvent)):
        parts += [e.summary or "", json.dumps(e.changes, default=str), e.actor_label or ""]
    for e in db.session.scalars(select(AccessEvent)):
        parts += [e.what or "", e.path or "", json.dumps(e.detail, default=str)]
    return "\n".join(parts).casefold()


def remaining(values: dict[str, str], haystack: str) -> list[str]:
    return [value for value in values.values() if value.casefold() in haystack]


def totals(claim: Claim) -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(ClaimLine.id)).where(ClaimLine.claim_id == claim.id)),
            db.session.scalar(select(func.sum(ClaimLine.result_payment_pence)).where(ClaimLine.claim_id == claim.id)))


def latest_run(kind: str) -> RetentionRun | None:
    return db.session.scalars(select(RetentionRun).where(RetentionRun.kind == kind)
                              .order_by(RetentionRun.id.desc()).limit(1)).first()


def family_rows(family_id: int) -> dict[str, int]:
    models = {"family": Family, "member": Member, "consent": Consent, "attachment": Attachment,
              "identified_problem": IdentifiedProblem, "measure": Measure, "event": Event,
              "employment_spell": EmploymentSpell, "status_episode": StatusEpisode,
              "manual_evidence": ManualEvidence, "legal_hold": LegalHold}
    return {name: db.session.scalar(select(func.count()).select_from(model).where(
        (model.id if model is Family else model.family_id) == family_id)) for name, model in models.items()}


# ---------------------------------------------------------------- the test


@pytest.fixture
def three(plan_version, users, today_is):
    """On 1 June 2030: one family past retention, one on legal hold and one inside the audit window, all closed in
    2019 under Troubled Families 2015-21; and one still open."""
    today_is(TODAY)
    past = seeded_family(plan_version, "A1")
    on_hold = seeded_family(plan_version, "B2")
    in_window = seeded_family(plan_version, "C3")
    still_open = seeded_family(plan_version, "D4", closed_on=None)
    db.session.add(LegalHold(family_id=on_hold.id, reason="Care proceedings, case 2030/117", placed_on=date(2030, 1, 6),
                             placed_by_id=users[Role.MANAGER].id))
    old_claim = claim_with_lines([past, on_hold], plan_version, submitted_on=date(2020, 10, 20))
    recent_claim = claim_with_lines([in_window], plan_version, submitted_on=date(2024, 11, 1))
    return {"past": past, "on_hold": on_hold, "in_window": in_window, "open": still_open,
            "old_claim": old_claim, "recent_claim": recent_claim,
            "ids": {key: f.id for key, f in (("past", past), ("on_hold", on_hold), ("in_window", in_window),
                                              ("open", still_open))}}


def test_a_dry_run_lists_only_the_family_past_retention_and_says_why_the_others_are_held(three, sign_in, pages):
    sign_in(Role.MANAGER)
    response = pages.post("/retention/dry-run", status=302)
    run = latest_run(DRY_RUN)
    assert response.headers["Location"].endswith(f"/retention/runs/{run.id}")
    assert run.families_due == 1 and run.families_held == 2
    assert [d["reference"] for d in run.details["due"]] == ["FAM-RA1"]
    held = {h["reference"]: h["held"] for h in run.details["held"]}
    assert held == {"FAM-RB2": ["legal_hold"], "FAM-RC3": ["audit_window"]}
    page = pages.get(f"/retention/runs/{run.id}")
    due_table, held_table = text(page.select_one("#due-families")), text(page.select_one("#held-families"))
    assert "FAM-RA1" in due_table and "FAM-RB2" not in due_table and "FAM-RC3" not in due_table
    assert "Programme phase ended on 31 March 2021" in due_table and "Attachment closed 1 May 2019" in due_table
    assert "1 April 2029" in due_table  # due since
    assert "2 members" in due_table and "1 attachment" in due_table and "1 claim line kept" in due_table
    assert "On legal hold since 6 January 2030: Care proceedings, case 2030/117" in held_table
    assert "inside the department's audit window until 1 November 2030" in held_table
    assert "FAM-RD4" not in text(page)  # open: not due at all
    # Nothing was erased by the dry run.
    assert family_rows(three["ids"]["past"])["family"] == 1


def test_confirming_the_dry_run_erases_the_family_keeps_claim_totals_and_redacts_its_audit_events(
        three, sign_in, pages):
    sign_in(Role.MANAGER)
    ids = three["ids"]
    before = {key: totals(three[key]) for key in ("old_claim", "recent_claim")}
    past_events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.family_id == ids["past"]))
    assert remaining(personal_values("A1"), trail_text()), "the trail named the family before"
    pages.post("/retention/dry-run", status=302)
    dry_run = latest_run(DRY_RUN)
    pages.get(f"/retention/runs/{dry_run.id}/erase")
    response = pages.post(f"/retention/runs/{dry_run.id}/erase", status=302)
    erasure = latest_run(ERASURE)
    assert response.headers["Location"].endswith(f"/retention/runs/{erasure.id}")
    assert erasure.families_erased == 1 and erasure.details["dry_run_id"] == dry_run.id

    # The family and everything of it is gone; the others are untouched.
    assert set(family_rows(ids["past"]).values()) == {0}
    for key in ("on_hold", "in_window", "open"):
        assert family_rows(ids[key])["member"] == 2 and family_rows(ids[key])["measure"] == 1
    # Claim totals are kept, and the claim's hashes still verify.
    assert {key: totals(three[key]) for key in ("old_claim", "recent_claim")} == before
    old_claim = db.session.get(Claim, three["old_claim"].id)
    erased_line = next(line for line in old_claim.lines if line.family_reference == "FAM-RA1")
    assert erased_line.family_id is None and erased_line.attachment_id is None and erased_line.erased_at is not None
    assert "ZebedeeA1" not in json.dumps(erased_line.snapshot)
    assert claim_queries.hash_intact(old_claim)
    # The audit events are kept, each redacted, and no personal value of the family is left anywhere.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.family_id == ids["past"])).all()
    assert len(events) == past_events and all(e.redacted_at is not None for e in events)
    assert {e.action for e in events} >= {"create", "update"} and all(e.actor_label for e in events)
    trail = trail_text()
    assert remaining(personal_values("A1"), trail) == []
    assert "1979-02-13" in trail  # the other families' (the same date of birth) are still there
    for tag in ("B2", "C3", "D4"):
        assert len(remaining(personal_values(tag), trail)) == len(personal_values(tag)), tag
    # The erasure's own audit event: references and counts, no names.
    own = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_erasure")).one()
    assert own.changes["references"] == ["FAM-RA1"] and own.changes["families_erased"] == 1
    assert own.actor_label == "Test Manager" or own.actor_id is not None
    # The pages of the claim and of the erased line say what happened, without a 500.
    page = pages.get(f"/claims/{old_claim.id}")
    assert "Checked now: the stored lines still give this hash." in text(page)
    erased_on = long_date(day_of(as_utc(erased_line.erased_at)))  # the real day: the app's today is fixed ahead
    said = f"This family's records were erased on {erased_on} under the retention schedule"
    assert said in text(page)
    assert text(page.select_one("#claim-families")).startswith("2 families")
    line_page = pages.get(f"/claims/{old_claim.id}/lines/{erased_line.id}")
    assert said in text(line_page.select_one("#family-erased"))
    assert "(erased)" in text(line_page)  # the adult in continuous employment
    erasure_page = text(pages.get(f"/retention/runs/{erasure.id}"))
    assert "FAM-RA1" in erasure_page and "1 claim line kept" not in erasure_page
    # The cohort still reads claim lines without a family; the audit trail shows the redacted events.
    assert ids["past"] not in claim_queries.held_family_ids()
    assert claim_queries.held_lines()["family_id"].notna().all()
    trail_page = text(pages.get("/audit-trail/"))
    assert "zebedeea1" not in trail_page.casefold()
    pages.get("/cohort/ready")


def test_a_family_no_longer_due_when_confirmed_is_skipped(three, sign_in, pages, plan_version):
    sign_in(Role.MANAGER)
    pages.post("/retention/dry-run", status=302)
    dry_run = latest_run(DRY_RUN)
    attach(three["past"], plan_version, attached_on=date(2030, 5, 20))  # worked with again: an open attachment
    pages.post(f"/retention/runs/{dry_run.id}/erase", status=302)
    erasure = latest_run(ERASURE)
    assert erasure.families_erased == 0
    assert [s["why"] for s in erasure.details["skipped"]] == ["not_due"]
    assert family_rows(three["ids"]["past"])["member"] == 2
    assert "no longer due when the erasure was confirmed" in text(pages.get(f"/retention/runs/{erasure.id}"))


def test_replaying_the_confirmation_erases_nothing_more(three, sign_in, pages, client):
    sign_in(Role.MANAGER)
    pages.post("/retention/dry-run", status=302)
    dry_run = latest_run(DRY_RUN)
    pages.post(f"/retention/runs/{dry_run.id}/erase", status=302)
    erasure = latest_run(ERASURE)
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    replay = pages.post(f"/retention/runs/{dry_run.id}/erase", status=302)
    assert replay.headers["Location"].endswith(f"/retention/runs/{erasure.id}")
    assert db.session.scalar(select(func.count(RetentionRun.id)).where(RetentionRun.kind == ERASURE)) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert "already confirmed" in client.get(replay.headers["Location"]).get_data(as_text=True)
    # The confirmation page of a confirmed dry run leads to its erasure.
    assert client.get(f"/retention/runs/{dry_run.id}/erase").headers["Location"].endswith(
        f"/retention/runs/{erasure.id}")


def test_a_hold_placed_after_the_dry_run_wins(three, sign_in, pages):
    sign_in(Role.MANAGER)
    pages.post("/retention/dry-run", status=302)
    dry_run = latest_run(DRY_RUN)
    pages.post(f"/retention/families/{three['ids']['past']}/hold", {"reason": "Subject access request pending"},
               redirects_to="/retention/holds")
    pages.post(f"/retention/runs/{dry_run.id}/erase", status=302)
    erasure = latest_run(ERASURE)
    assert erasure.families_erased == 0
    assert erasure.details["skipped"] == [{"family_id": three["ids"]["past"], "reference": "FAM-RA1", "why": "held",
                                           "held": ["legal_hold"]}]
    assert family_rows(three["ids"]["past"])["member"] == 2
    assert "held when the erasure was confirmed (on legal hold)" in text(pages.get(f"/retention/runs/{erasure.id}"))


def test_a_dry_run_of_another_day_cannot_be_confirmed(three, sign_in, pages, today_is, users):
    run = services.list_due(TODAY, DRY_RUN, users[Role.MANAGER])
    db.session.commit()
    today_is(date(2030, 6, 2))
    sign_in(Role.MANAGER)
    page, errors = pages.post_with_errors(f"/retention/runs/{run.id}/erase", {})
    assert errors == ["This dry run was made on 1 June 2030. Start a new dry run today and confirm that one, so "
                      "that what is erased is what you have just checked."]
    assert family_rows(three["ids"]["past"])["member"] == 2
    assert not page.select("main form")  # no button to press


def test_a_due_list_cannot_be_confirmed(three, sign_in, pages):
    run = services.list_due(TODAY, DUE_LIST)
    db.session.commit()
    sign_in(Role.MANAGER)
    _page, errors = pages.post_with_errors(f"/retention/runs/{run.id}/erase", {})
    assert errors == ["Only a dry run can be confirmed: start a dry run, check its list, then confirm it."]
    assert family_rows(three["ids"]["past"])["member"] == 2


# ---------------------------------------------------------------- the boundary day, the schedule


@pytest.mark.parametrize(("today", "due"), [
    (date(2030, 4, 30), False),
    (date(2030, 5, 1), False),  # the anniversary: kept
    (date(2030, 5, 2), True),  # the day after: due
])
def test_due_the_day_after_the_anniversary_of_the_closure(plan_version, today, due):
    # Closed after the phase ended, so the closure is the later: 8 years from 1 May 2022.
    family = seeded_family(plan_version, "E5", closed_on=date(2022, 5, 1), attached_on=date(2020, 2, 3))
    found = [v.family_id for v in queries.due(today, queries.schedule())]
    assert (family.id in found) is due


def test_the_schedule_is_a_managers_to_change(plan_version, sign_in, pages, today_is):
    today_is(TODAY)
    family = seeded_family(plan_version, "F6", closed_on=date(2027, 1, 10), attached_on=date(2019, 2, 3))
    assert family.id not in [v.family_id for v in queries.due(TODAY, queries.schedule())]
    sign_in(Role.MANAGER)
    page = pages.get("/retention/schedule")
    assert page.select_one("#years")["value"] == "8"
    pages.post("/retention/schedule", {"years": "3", "starts_from": "attachment_closed", "audit_years": "2"},
               redirects_to="/retention/")
    assert (queries.get_rule("family").years, queries.get_rule("family").starts_from) == (3, "attachment_closed")
    assert queries.get_rule("claim_audit_window").years == 2
    assert queries.schedule().audit_years == 2
    assert family.id in [v.family_id for v in queries.due(TODAY, queries.schedule())]
    assert "Kept 3 years from: the attachment closed" in text(pages.get("/retention/").select_one("#schedule"))
    # The change is in the audit trail.
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "retention_rule",
                                                       AuditEvent.action == "update")).first() is not None


@pytest.mark.parametrize(("data", "message"), [
    ({"years": "", "starts_from": "attachment_closed", "audit_years": "6"},
     "Enter how many years to keep a family's records"),
    ({"years": "1e309", "starts_from": "attachment_closed", "audit_years": "6"},
     "The years to keep a family's records must be a whole number of years, like 8"),
    ({"years": "99999999999999999999", "starts_from": "attachment_closed", "audit_years": "6"},
     "The years to keep a family's records must be a whole number of years, like 8"),
    ({"years": "0", "starts_from": "attachment_closed", "audit_years": "6"}, "Enter a number of years from 1 to 100"),
    ({"years": "8", "starts_from": "whenever", "audit_years": "6"}, "Not a valid choice."),
    ({"years": "8", "starts_from": "attachment_closed", "audit_years": "-1"},
     "The audit window must be a whole number of years, like 8"),
])
def test_the_schedule_refuses_bad_input(sign_in, pages, data, message):
    sign_in(Role.MANAGER)
    _page, errors = pages.post_with_errors("/retention/schedule", data)
    assert message in errors
    assert queries.get_rule("family").years == 8


def test_a_family_never_attached_is_due_years_after_it_was_registered(sign_in, today_is):
    today_is(TODAY)
    family = factories.make_family(members=1)
    family.created_at = datetime(2022, 5, 31, 10, tzinfo=UTC)
    db.session.commit()
    verdicts = {v.family_id: v for v in queries.due(TODAY, queries.schedule())}
    assert verdicts[family.id].started_by == "registered" and verdicts[family.id].due_since == date(2030, 6, 1)
    assert family.id not in [v.family_id for v in queries.due(date(2030, 5, 31), queries.schedule())]


# ---------------------------------------------------------------- legal holds


def test_a_manager_places_and_releases_a_hold_with_reasons(plan_version, sign_in, pages, today_is):
    today_is(TODAY)
    family = seeded_family(plan_version, "G7")
    sign_in(Role.MANAGER)
    assert family.id in [v.family_id for v in queries.due(TODAY, queries.schedule()) if not v.is_held]
    _page, errors = pages.post_with_errors(f"/retention/families/{family.id}/hold", {"reason": "  "})
    assert errors == ["Enter why the family's records must be kept"]
    pages.post(f"/retention/families/{family.id}/hold", {"reason": "Ombudsman complaint 2030-44"},
               redirects_to="/retention/holds")
    hold = queries.active_hold(family.id)
    assert hold.placed_on == TODAY and hold.reason == "Ombudsman complaint 2030-44"
    assert [v.held for v in queries.due(TODAY, queries.schedule()) if v.family_id == family.id] == [["legal_hold"]]
    listed = text(pages.get("/retention/holds").select_one("#holds-in-force"))
    assert "FAM-RG7" in listed and "Ombudsman complaint 2030-44" in listed
    # A second hold is refused: the page shows the hold in force instead of the form.
    page = pages.get(f"/retention/families/{family.id}/hold")
    assert page.select_one("#current-hold") and not page.select("textarea")
    pages.post(f"/retention/families/{family.id}/hold", {"reason": "Again"}, status=200)
    assert len(queries.holds_of(family.id)) == 1
    _page, errors = pages.post_with_errors(f"/retention/holds/{hold.id}/release", {"reason": ""})
    assert errors == ["Enter why the hold is released"]
    pages.post(f"/retention/holds/{hold.id}/release", {"reason": "Complaint closed"}, redirects_to="/retention/holds")
    assert queries.active_hold(family.id) is None
    assert "Complaint closed" in text(pages.get("/retention/holds").select_one("#holds-released"))
    pages.post(f"/retention/holds/{hold.id}/release", {"reason": "Twice"}, status=200)
    assert db.session.get(LegalHold, hold.id).release_reason == "Complaint closed"
    assert family.id in [v.family_id for v in queries.due(TODAY, queries.schedule()) if not v.is_held]


def test_unknown_records_are_404(sign_in, pages):
    sign_in(Role.MANAGER)
    for url in ("/retention/runs/999999", "/retention/runs/999999/erase", "/retention/families/999999/hold",
                "/retention/holds/999999/release", "/retention/members/999999/erase"):
        pages.get(url, status=404)


# ---------------------------------------------------------------- roles


RETENTION_URLS = [
    ("get", "/retention/"), ("get", "/retention/schedule"), ("post", "/retention/schedule"),
    ("post", "/retention/dry-run"), ("get", "/retention/runs"), ("get", "/retention/runs/{run}"),
    ("get", "/retention/runs/{run}/erase"), ("post", "/retention/runs/{run}/erase"), ("get", "/retention/holds"),
    ("get", "/retention/families/{family}/hold"), ("post", "/retention/families/{family}/hold"),
    ("get", "/retention/holds/{hold}/release"), ("post", "/retention/holds/{hold}/release"),
    ("get", "/retention/members/{member}/erase"), ("post", "/retention/members/{member}/erase"),
]


def test_every_retention_route_is_listed_here(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("retention.")}
    listed = {url.replace("{run}", "<int:run_id>").replace("{family}", "<int:family_id>")
              .replace("{hold}", "<int:hold_id>").replace("{member}", "<int:member_id>") for _, url in RETENTION_URLS}
    assert rules == listed


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_a_manager_may_use_retention(plan_version, sign_in, client, users, role, today_is):
    today_is(TODAY)
    family = seeded_family(plan_version, "H8")
    run = services.list_due(TODAY, DRY_RUN, users[Role.MANAGER])
    hold = services.place_hold(family, "Kept for a test", users[Role.MANAGER], TODAY)
    db.session.commit()
    sign_in(role)
    ids = {"run": run.id, "family": family.id, "hold": hold.id, "member": family.members[0].id}
    for method, url in RETENTION_URLS:
        response = getattr(client, method)(url.format(**ids), data={"reason": "x", "years": "1"})
        assert response.status_code == 403, (role, method, url, response.status_code)
    assert family_rows(family.id)["member"] == 2


# ---------------------------------------------------------------- the nightly list


def test_the_nightly_command_writes_the_due_list_and_erases_nothing(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'tfclaims.sqlite'}", TFCLAIMS_TODAY="2030-06-01")
    with app.app_context():
        upgrade()
        version = factories.make_published_plan()
        past = seeded_family(version, "J9")
        db.session.commit()
        family_id = past.id
    result = app.test_cli_runner().invoke(args=["tfclaims", "retention-due"])
    assert result.exit_code == 0, result.output
    assert "1 family due for erasure, 0 families due but held" in result.output
    with app.app_context():
        run = db.session.scalars(select(RetentionRun)).one()
        assert (run.kind, run.as_of, run.actor_label) == (DUE_LIST, TODAY, "nightly retention list")
        assert [d["reference"] for d in run.details["due"]] == ["FAM-RJ9"]
        assert db.session.get(Family, family_id) is not None
        assert db.session.scalar(select(func.count(RetentionRule.id))) == 1
        db.engine.dispose()


# ---------------------------------------------------------------- no 500 whatever is posted


JUNK = ["1e309", "NaN", "-0", "9" * 40, "\u0663", "x" * 10_000, "<script>", "", "  "]


def test_no_500_whatever_is_posted(plan_version, sign_in, client, users, today_is):
    today_is(TODAY)
    family = seeded_family(plan_version, "L2")
    run = services.list_due(TODAY, DRY_RUN, users[Role.MANAGER])
    hold = services.place_hold(seeded_family(plan_version, "M3"), "Kept", users[Role.MANAGER], TODAY)
    db.session.commit()
    sign_in(Role.MANAGER)
    member_id = family.members[1].id
    forms = {
        "/retention/schedule": ("years", "starts_from", "audit_years"),
        f"/retention/families/{family.id}/hold": ("reason",),
        f"/retention/holds/{hold.id}/release": ("reason",),
        f"/retention/members/{member_id}/erase": ("reason", "received_on", "note"),
        f"/retention/runs/{run.id}/erase": ("submit",),
        "/retention/dry-run": ("submit",),
    }
    for url, fields in forms.items():
        for junk in JUNK:
            data = {name: [junk, junk, junk] if name == "received_on" else junk for name in fields}
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, junk[:20], response.status_code)
        response = client.post(url, data={name: ["99999999999", "1", "2"] for name in fields})
        assert response.status_code < 500, url


def test_the_family_page_panel_shows_the_hold_to_managers(app, plan_version, users, today_is):
    from flask import render_template
    from flask_login import login_user

    today_is(TODAY)
    family = seeded_family(plan_version, "N4")
    with app.test_request_context("/"):
        login_user(users[Role.MANAGER])
        panel = render_template("retention/_family_retention.html", family=family)
        assert f"/retention/families/{family.id}/hold" in panel and "Legal hold" not in panel
        hold = services.place_hold(family, "Inquiry 2030-9", users[Role.MANAGER], TODAY)
        panel = render_template("retention/_family_retention.html", family=family)
        assert "Inquiry 2030-9" in panel and f"/retention/holds/{hold.id}/release" in panel
        login_user(users[Role.COORDINATOR])
        assert render_template("retention/_family_retention.html", family=family).strip() == ""


def test_two_dry_runs_of_the_same_day_erase_once(three, sign_in, pages):
    sign_in(Role.MANAGER)
    pages.post("/retention/dry-run", status=302)
    first = latest_run(DRY_RUN)
    pages.post("/retention/dry-run", status=302)
    second = latest_run(DRY_RUN)
    pages.post(f"/retention/runs/{first.id}/erase", status=302)
    pages.post(f"/retention/runs/{second.id}/erase", status=302)
    erasure = latest_run(ERASURE)
    assert erasure.details["dry_run_id"] == second.id and erasure.families_erased == 0
    assert [s["why"] for s in erasure.details["skipped"]] == ["gone"]
    assert "already erased (by another erasure)" in text(pages.get(f"/retention/runs/{erasure.id}"))
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "retention_erasure")) == 2
