"""A partner file from upload to report: read and checked (the preview: nothing written), matched by identifier and
by Splink, confirmed (the matched rows written, all or none, each record naming its row), the same file refused the
second time, uncertain matches decided in review, the report and its CSV, undo, and who may do it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.imports import services
from tfclaims.imports.models import ImportBatch, ImportRow
from tfclaims.progress.models import Measure

HEAD = ("UPN,Forename,Surname,Date of birth,Sex,Postcode,Term,Term start,Term end,Sessions possible,"
        "Authorised absence,Unauthorised absence")


@pytest.fixture
def register(db_session):
    """Three families; the first's child Casey has a UPN."""
    families = [factories.make_family(members=4) for _ in range(3)]
    for family, surname in zip(families, ("Okafor", "Lindqvist", "Brennan"), strict=True):
        for member in family.members:
            member.surname = surname
    casey = families[0].members[2]
    casey.upn = "T201000000015"
    db.session.commit()
    return families


def _csv(*lines: str) -> bytes:
    return ("\n".join((HEAD, *lines)) + "\n").encode()


def _term(sessions="140,4,10", term="Autumn 2019,02/09/2019,20/12/2019") -> str:
    return f"{term},{sessions}"


def _upload(client, content: bytes, name: str = "school.csv", kind: str = "attendance"):
    return client.post("/partner-data/upload", data={"kind": kind, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _batch() -> ImportBatch:
    return db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()


def _measures() -> int:
    return db.session.scalar(select(func.count(Measure.id)))


def _file(register) -> bytes:
    first, second = register[0], register[1]
    casey, riley = first.members[2], second.members[3]
    return _csv(
        # By UPN, the name spelt differently.
        f"T201000000015,Kasey,{casey.surname},20/09/2012,F,BR1 2AB,{_term()}",
        # No UPN: by name, date of birth, sex and postcode.
        f",Riley,{riley.surname},05/01/2014,M,BR1 2AB,{_term('150,2,30')}",
        # Not valid: more sessions missed than possible.
        f",Riley,{riley.surname},05/01/2014,M,BR1 2AB,{_term('10,8,8', 'Spring 2020,06/01/2020,03/04/2020')}",
        # No one like this in the register.
        f",Zebedee,Quartermaine,01/01/2013,M,ZZ9 9ZZ,{_term()}",
    )


def test_a_file_is_previewed_then_confirmed_and_its_records_name_their_rows(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    before = _measures()
    response = _upload(client, _file(register))
    batch = _batch()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/partner-data/imports/{batch.id}")
    page = pages.get(f"/partner-data/imports/{batch.id}")
    assert text(page.select_one("#batch-status")) == "Ready to confirm"
    counts = {row["id"]: text(row.select_one("td")) for row in page.select("#batch-counts tbody tr")}
    assert counts == {"count-received": "4", "count-valid": "3", "count-invalid": "1", "count-exact": "1",
                      "count-auto": "1", "count-review": "0", "count-unmatched": "1"}
    assert "4" in text(page.select_one("#row-4")) and "Unauthorised absence" in text(page.select_one("#row-4"))
    assert "16 sessions missed is more than the 10 possible" in text(page.select_one("#row-4"))
    assert _measures() == before, "nothing is written before the file is confirmed"
    assert batch.has_file

    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    batch = _batch()
    assert batch.status == "confirmed" and not batch.has_file and batch.file_deleted_at is not None
    assert _measures() == before + 6  # three measures a child and term, for two children
    casey, riley = register[0].members[2], register[1].members[3]
    imported = db.session.scalars(select(Measure).where(Measure.import_row_id.is_not(None)))
    held = {(m.member_id, m.kind): m for m in imported}
    assert held[(casey.id, "attendance")].value == 90.0  # (140 - 4 - 10) / 140
    assert held[(casey.id, "unauthorised_absence")].value == 7.1
    assert held[(riley.id, "attendance")].value == 78.7
    row = db.session.get(ImportRow, held[(riley.id, "attendance")].import_row_id)
    assert row.batch_id == batch.id and row.row_number == 3 and row.status == "auto" and row.outcome == "created"
    family_page = pages.get(f"/families/{register[1].id}")
    provenance = family_page.select("#attendance .app-imported a")
    assert [text(a) for a in provenance] == [f"Partner file {batch.id}, row 3"] * 3
    assert provenance[0]["href"] == f"/partner-data/imports/{batch.id}"
    page = pages.get(f"/partner-data/imports/{batch.id}")
    assert text(page.select_one("#count-created td")) == "2"
    assert "No one in the register is like this person: 1" in text(page.select_one("#unmatched-reasons"))
    # Each family the import changed has its event, without the row's values.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "imported")).all()
    assert sorted(e.family_id for e in events) == sorted([register[0].id, register[1].id])
    assert all("Kasey" not in str(e.changes) + e.summary for e in events)


def test_the_same_file_twice_adds_nothing(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    content = _file(register)
    _upload(client, content)
    batch = _batch()
    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    after_first = _measures()
    page, errors = pages.post_with_errors("/partner-data/upload", {
        "kind": "attendance", "file": (io.BytesIO(content), "school-again.csv")})
    assert errors == [f"This file was already imported on {_batch().confirmed_at:%d/%m/%Y} (import {batch.id}, "
                      "school.csv): importing it again would add nothing."]
    # The same rows in another file (one line more) are already held: skipped, not added twice.
    _upload(client, content + b"\n")
    second = _batch()
    assert second.id != batch.id
    pages.post(f"/partner-data/imports/{second.id}/confirm", redirects_to=f"/partner-data/imports/{second.id}")
    db.session.expire_all()
    assert _measures() == after_first
    assert _batch().counts["duplicates"] == 2 and _batch().counts["created"] == 0


def test_a_changed_value_updates_the_record_and_undo_puts_it_back(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    casey = register[0].members[2]
    line = f"T201000000015,Casey,{casey.surname},20/09/2012,F,BR1 2AB,{_term()}"
    _upload(client, _csv(line))
    first = _batch()
    pages.post(f"/partner-data/imports/{first.id}/confirm", redirects_to=f"/partner-data/imports/{first.id}")
    _upload(client, _csv(line.replace("140,4,10", "140,4,20")))
    second = _batch()
    pages.post(f"/partner-data/imports/{second.id}/confirm", redirects_to=f"/partner-data/imports/{second.id}")
    db.session.expire_all()
    unauthorised = db.session.scalars(select(Measure).where(Measure.member_id == casey.id,
                                                            Measure.kind == "unauthorised_absence")).one()
    assert unauthorised.value == 14.3 and _batch().counts["updated"] == 1

    pages.post(f"/partner-data/imports/{second.id}/undo", redirects_to=f"/partner-data/imports/{second.id}")
    db.session.expire_all()
    unauthorised = db.session.scalars(select(Measure).where(Measure.member_id == casey.id,
                                                            Measure.kind == "unauthorised_absence")).one()
    assert unauthorised.value == 7.1, "undo puts back the value the import replaced"
    assert db.session.get(ImportBatch, second.id).status == "undone"

    pages.post(f"/partner-data/imports/{first.id}/undo", redirects_to=f"/partner-data/imports/{first.id}")
    db.session.expire_all()
    assert db.session.scalars(select(Measure).where(Measure.member_id == casey.id)).all() == []
    # Undone once is undone: the second undo changes nothing and says why.
    response = client.post(f"/partner-data/imports/{first.id}/undo", follow_redirects=True)
    assert "only an import that was confirmed can be undone" in response.get_data(as_text=True)


def test_undo_is_refused_once_a_claim_rests_on_a_family_it_changed(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    casey = register[0].members[2]
    _upload(client, _csv(f"T201000000015,Casey,{casey.surname},20/09/2012,F,BR1 2AB,{_term()}"))
    batch = _batch()
    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    plan = factories.make_published_plan()
    from tfclaims.families.models import Attachment

    attachment = Attachment(family_id=register[0].id, plan_version_id=plan.id, attached_on=date(2019, 6, 1))
    db.session.add(attachment)
    db.session.commit()
    # A claim built before the import cannot rest on its records; one built after does.
    earlier = factories.forecast_claim_line(attachment, built_on=date.today() - timedelta(days=2))
    assert services.claims_resting_on(db.session.get(ImportBatch, batch.id)) == []
    db.session.delete(earlier.claim)
    db.session.commit()
    line = factories.forecast_claim_line(attachment, built_on=date.today() + timedelta(days=1))
    response = client.post(f"/partner-data/imports/{batch.id}/undo", follow_redirects=True)
    assert f"the claims {line.claim.reference} were built on families it gave records to" in text(
        pages.check(response))
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "confirmed"
    assert db.session.scalars(select(Measure).where(Measure.member_id == casey.id)).all() != []


def test_a_file_abandoned_is_deleted_with_its_rows(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    _upload(client, _file(register))
    batch = _batch()
    pages.post(f"/partner-data/imports/{batch.id}/abandon", redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    assert batch.status == "abandoned" and not batch.has_file
    assert db.session.scalar(select(func.count(ImportRow.id)).where(ImportRow.batch_id == batch.id)) == 0
    # An abandoned file cannot be confirmed.
    client.post(f"/partner-data/imports/{batch.id}/confirm")
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "abandoned"


def test_a_file_without_a_needed_column_is_refused_then_mapped_and_the_mapping_is_remembered(
        sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    casey = register[0].members[2]
    own = HEAD.replace("Sessions possible", "Poss").replace("Date of birth", "Born")
    content = f"{own}\nT201000000015,Casey,{casey.surname},20/09/2012,F,BR1 2AB,{_term()}\n".encode()
    _upload(client, content, "own-headings.csv")
    batch = _batch()
    page = pages.get(f"/partner-data/imports/{batch.id}")
    assert "The file has no column for 'Date of birth'" in text(page.select_one("#batch-refusal"))
    page = pages.get(f"/partner-data/imports/{batch.id}/columns")
    selects = {s["name"]: s for s in page.select("select")}
    assert len(selects) == 12
    data = {name: (s.select_one("option[selected]") or {"value": ""}).get("value", "") for name, s in selects.items()}
    assert data["column_3"] == "" and data["column_0"] == "UPN"
    data["column_3"], data["column_9"] = "Born", "Poss"
    pages.post(f"/partner-data/imports/{batch.id}/columns", data, redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "previewed"
    assert db.session.get(ImportBatch, batch.id).counts["exact"] == 1
    # The next file with those headings is read with the mapping remembered.
    _upload(client, content.replace(b"Autumn", b"Summer"), "own-headings-2.csv")
    assert _batch().status == "previewed"


def test_an_empty_file_and_a_file_not_a_spreadsheet_are_refused_with_reasons(sign_in, client, pages):
    sign_in(Role.COORDINATOR)
    page, errors = pages.post_with_errors("/partner-data/upload", {
        "kind": "attendance", "file": (io.BytesIO(b""), "empty.csv")})
    assert errors == ["The file is empty (0 bytes): choose the file again, or export it again from its system."]
    _upload(client, b"this is not a workbook", "school.xlsx")
    page = pages.get(f"/partner-data/imports/{_batch().id}")
    assert "is not an Excel workbook" in text(page.select_one("#batch-refusal"))


def test_a_file_over_the_limit_is_refused_before_it_is_read(sign_in, client, pages):
    sign_in(Role.COORDINATOR)
    big = b"UPN,Forename\n" + b"x" * (50 * 1024 * 1024)  # a 50 MB file and a line more: over the default limit
    page, errors = pages.post_with_errors("/partner-data/upload", {
        "kind": "attendance", "file": (io.BytesIO(big), "big.csv")})
    assert errors == ["The file is larger than the 50 MB tfclaims takes at once: split it into smaller files (by "
                      "school or by month, for example)."]
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


@pytest.mark.parametrize("role", [Role.CLAIMS_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_coordinators_and_managers_import(sign_in, client, role, register):
    sign_in(role)
    assert _upload(client, _file(register)).status_code == 403
    assert client.get("/partner-data/review").status_code == 403


def _review_file(register) -> bytes:
    """Two rows whose first names are wholly unlike anyone's: the same surname, date of birth and address as a
    child of the register (a twin not in the register, or a name the child is known by): a person's call."""
    casey, riley = register[0].members[2], register[1].members[3]
    return _csv(f",Charlie,{casey.surname},20/09/2012,F,BR1 2AB,{_term()}",
                f",Dominic,{riley.surname},05/01/2014,M,BR1 2AB,{_term()}")


def _confirmed(client, pages, content: bytes) -> ImportBatch:
    _upload(client, content)
    batch = _batch()
    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    return _batch()


def test_an_uncertain_match_is_decided_in_review_side_by_side(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    batch = _confirmed(client, pages, _review_file(register))
    assert batch.counts["review"] == 2 and batch.counts["created"] == 0
    casey = register[0].members[2]
    queue = pages.get("/partner-data/review")
    links = [a["href"] for a in queue.select("#review-rows tbody th a")]
    assert len(links) == 2
    rows = {r.row_number: r for r in db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id))}
    page = pages.get(f"/partner-data/review/{rows[2].id}")
    side = page.select_one("#side-by-side")
    assert "Charlie" in text(side.select_one("#field-forename")) and "Casey" in text(side.select_one("#field-forename"))
    assert "Different" in text(side.select_one("#field-forename"))
    assert "The same" in text(side.select_one("#field-dob")) and "The same" in text(side.select_one("#field-surname"))
    assert "likely to be the same person" in text(side.select_one("#field-likelihood"))
    choices = [i["value"] for i in page.select("input[name=decision]")]
    assert str(casey.id) in choices and choices[-1] == "none"

    # Not one of the candidates offered: refused, nothing written.
    stranger = register[2].members[0]
    page, errors = pages.post_with_errors(f"/partner-data/review/{rows[2].id}", {"decision": str(stranger.id)})
    assert errors == ["Not a valid choice."] or errors == ["Choose one of the people offered"]
    before = _measures()
    pages.post(f"/partner-data/review/{rows[2].id}", {"decision": str(casey.id)},
               redirects_to=f"/partner-data/review/{rows[3].id}")
    db.session.expire_all()
    assert _measures() == before + 3
    row = db.session.get(ImportRow, rows[2].id)
    assert row.status == "accepted" and row.member_id == casey.id and row.outcome == "created"
    # The same decision again (a replayed form) changes nothing.
    client.post(f"/partner-data/review/{rows[2].id}", data={"decision": str(casey.id)})
    db.session.expire_all()
    assert _measures() == before + 3

    pages.post(f"/partner-data/review/{rows[3].id}", {"decision": "none"}, redirects_to="/partner-data/review")
    db.session.expire_all()
    row = db.session.get(ImportRow, rows[3].id)
    assert row.status == "rejected" and row.member_id is None
    assert _measures() == before + 3
    report = pages.get(f"/partner-data/imports/{batch.id}")
    assert text(report.select_one("#count-accepted td")) == "1" and text(report.select_one("#count-rejected td")) == "1"
    assert text(report.select_one("#count-review td")) == "0"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("match_accepted", "match_rejected")))
                                ).all()
    assert sorted(e.action for e in events) == ["match_accepted", "match_rejected"]
    assert all("Charlie" not in str(e.changes) + e.summary for e in events)


def test_bulk_accept_shows_the_count_first_and_refuses_a_stale_count(sign_in, client, pages, register):
    sign_in(Role.COORDINATOR)
    _confirmed(client, pages, _review_file(register))
    page = pages.get("/partner-data/review")
    response = client.post("/partner-data/review/accept", data={"at_least": "50"})
    page = pages.check(response)
    assert text(page.select_one("#bulk-count")) == "2 matches at least 50% likely"
    before = _measures()
    assert _measures() == before, "counting changes nothing"
    # A count that is no longer true (a row decided meanwhile) is refused.
    response = client.post("/partner-data/review/accept", data={"at_least": "50", "expected": "3"},
                           follow_redirects=True)
    assert "changed to 2 while you were deciding" in response.get_data(as_text=True)
    assert _measures() == before
    pages.post("/partner-data/review/accept", {"at_least": "50", "expected": "2"}, redirects_to="/partner-data/review")
    db.session.expire_all()
    assert _measures() == before + 6
    assert pages.get("/partner-data/review").select_one("#review-empty") is not None
    page, errors = pages.post_with_errors("/partner-data/review/accept", {"at_least": "30"})
    assert errors == ["Enter a likelihood from 50 to 100"]


def test_the_report_csv_and_the_history_with_its_trend(sign_in, client, pages, register):
    sign_in(Role.MANAGER)
    first = _confirmed(client, pages, _file(register))
    response = client.get(f"/partner-data/imports/{first.id}/report.csv")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Import,File,Kind of data,Status,Figure,Count"
    assert f"{first.id},school.csv,School attendance,Imported,Rows received,4" in lines
    assert any("Not matched: No one in the register is like this person,1" in line for line in lines)
    assert "Zebedee" not in response.get_data(as_text=True)
    second = _confirmed(client, pages, _file(register).replace(b"Autumn 2019", b"Spring 2020")
                        .replace(b"02/09/2019,20/12/2019", b"06/01/2020,03/04/2020").replace(b"Zebedee", b"Riley"))
    page = pages.get("/partner-data/imports?kind=attendance")
    rows = page.select("#imports tbody tr")
    assert [r["id"] for r in rows] == [f"import-{second.id}", f"import-{first.id}"]
    assert "Spring 2020" in text(rows[0]) and "Autumn 2019" in text(rows[1])
    assert "66.7%" in text(rows[1])
    assert "(from 66.7%)" in text(rows[0])


def test_partner_data_is_minimised_files_left_waiting_and_rows_that_matched_no_one(sign_in, client, pages, register):
    from tfclaims.db import utcnow

    sign_in(Role.COORDINATOR)
    confirmed = _confirmed(client, pages, _file(register))
    _upload(client, _review_file(register))
    waiting = _batch()
    now = utcnow()
    # The file left unconfirmed: kept for a week, abandoned and deleted after.
    assert services.abandon_stale(now + timedelta(days=6)) == 0
    assert services.abandon_stale(now + timedelta(days=8)) == 1
    db.session.expire_all()
    waiting = db.session.get(ImportBatch, waiting.id)
    assert waiting.status == "abandoned" and not waiting.has_file
    assert db.session.get(ImportBatch, confirmed.id).status == "confirmed"
    # The values of rows that matched no one go after their days (rows not valid never keep theirs, only their
    # reasons); matched rows keep theirs.
    assert services.forget_unmatched(now + timedelta(days=89)) == 0
    assert services.forget_unmatched(now + timedelta(days=91)) == 1
    db.session.commit()
    db.session.expire_all()
    rows = {r.row_number: r for r in db.session.scalars(select(ImportRow).where(ImportRow.batch_id == confirmed.id))}
    assert rows[5].values is None  # Zebedee, matched no one
    assert rows[4].values is None and rows[4].reasons  # not valid: its reason stays
    assert rows[2].values is not None and rows[3].values is not None
    page = pages.get(f"/partner-data/imports/{confirmed.id}")
    assert "No one in the register is like this person: 1" in text(page.select_one("#unmatched-reasons"))


def test_erasing_a_person_erases_what_partner_files_said_of_them(sign_in, client, pages, register):
    from tfclaims.retention import services as retention

    sign_in(Role.COORDINATOR)
    batch = _confirmed(client, pages, _file(register))
    casey, riley = register[0].members[2], register[1].members[3]
    casey_id = casey.id
    retention.erase_member(casey, reason=next(iter(retention.MEMBER_ERASURE_REASONS)), received_on=None, note="",
                           user=None, today=date(2026, 12, 2))
    db.session.commit()
    db.session.expire_all()
    rows = {r.row_number: r for r in db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id))}
    assert rows[2].values is None and rows[2].member_id is None  # Casey's row: nothing of her left
    assert rows[3].values is not None and rows[3].member_id == riley.id  # Riley's stays
    assert db.session.scalars(select(Measure).where(Measure.member_id == casey_id)).all() == []


CASES = ("Family reference,Relationship,Resident,UPN,NHS number,NI number,PNC number,Case reference,Forename,Surname,"
         "Date of birth,Sex,Postcode,Lead practitioner,Team,Attached on,Problems,Closed on,Closure reason")


def test_the_case_management_export_adds_people_and_families_fills_identifiers_and_attaches(
        sign_in, client, pages, register, today_is):
    from tfclaims.families.models import Attachment, Family, Member

    today_is(date(2020, 2, 1))
    version = factories.make_published_plan()
    casey = register[0].members[2]
    codes = [d.code for d in version.descriptors]  # P1.1, P1.2, P2.1, ...
    content = "\n".join([
        CASES,
        # Known by name: her NHS number is filled in; nothing else of hers changes.
        f"{register[0].reference},Child,Yes,,9434765919,,,,Casey,{casey.surname},20/09/2012,F,BR1 2AB,,,,,,",
        # A family the register does not hold: made, with its two people, and attached with their problems.
        f"EHM-20817,Lead adult,Yes,,,AB123456C,,P-1,Marisol,Vantongeren,14/03/1986,F,BR5 1XY,Sam Keyworker,"
        f"North locality,14/10/2019,{codes[0]};{codes[2]},,",
        f"EHM-20817,Child,Yes,,,,,P-2,Tobiah,Vantongeren,02/02/2013,M,BR5 1XY,Sam Keyworker,North locality,"
        f"14/10/2019,{codes[4]},,",
        # A problem that is not a descriptor of the plan: the row is not valid, with the reason.
        "EHM-20818,Lead adult,Yes,,,,,,Quentin,Ashgrove,01/01/1980,M,BR6 1AA,,,14/10/2019,ZZ9,,",
    ]).encode() + b"\n"
    sign_in(Role.COORDINATOR)
    client.post("/partner-data/upload", data={"kind": "case_management",
                                                         "file": (io.BytesIO(content), "ehm.csv")},
                           content_type="multipart/form-data")
    batch = _batch()
    page = pages.get(f"/partner-data/imports/{batch.id}")
    assert "ZZ9 is not a descriptor of" in text(page.select_one("#row-5"))
    assert batch.counts["exact"] + batch.counts["auto"] == 1 and batch.counts["unmatched"] == 2
    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    assert batch.counts["new"] == 2 and batch.counts["created"] == 2 and batch.counts["updated"] == 1
    assert db.session.get(Member, casey.id).nhs_number == "9434765919"
    made = db.session.scalars(select(Family).where(Family.reference == "EHM-20817")).one()
    assert sorted(m.forenames for m in made.members) == ["Marisol", "Tobiah"]
    assert made.lead_practitioner == "Sam Keyworker"
    [attachment] = made.attachments
    assert attachment.attached_on == date(2019, 10, 14) and len(attachment.problems) == 3
    assert db.session.scalars(select(Family).where(Family.reference == "EHM-20818")).first() is None

    # Undone: the family made, its people and attachment go; Casey's NHS number is put back as it was.
    pages.post(f"/partner-data/imports/{batch.id}/undo", redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    assert db.session.scalars(select(Family).where(Family.reference == "EHM-20817")).first() is None
    assert db.session.scalars(select(Attachment).where(Attachment.attached_on == date(2019, 10, 14))).first() is None
    assert db.session.get(Member, casey.id).nhs_number is None


def test_a_person_of_the_case_management_export_in_review_can_be_added_as_new(sign_in, client, pages, register):
    from tfclaims.families.models import Member

    sign_in(Role.COORDINATOR)
    casey = register[0].members[2]
    # A twin the register does not hold: the same surname, date of birth and address as Casey, another first name.
    content = "\n".join([CASES, f"{register[0].reference},Child,Yes,,,,,,Charlie,{casey.surname},20/09/2012,F,"
                                f"BR1 2AB,,,,,,"]).encode() + b"\n"
    client.post("/partner-data/upload", data={"kind": "case_management", "file": (io.BytesIO(content), "ehm.csv")},
                content_type="multipart/form-data")
    batch = _batch()
    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    row = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id)).one()
    assert row.status == "review"
    page = pages.get(f"/partner-data/review/{row.id}")
    assert [i["value"] for i in page.select("input[name=decision]")][-2:] == ["new", "none"]
    assert f"add this person to the register, in family {register[0].reference}" in text(page)
    pages.post(f"/partner-data/review/{row.id}", {"decision": "new"}, redirects_to="/partner-data/review")
    db.session.expire_all()
    twins = db.session.scalars(select(Member).where(Member.family_id == register[0].id,
                                                    Member.date_of_birth == date(2012, 9, 20))).all()
    assert sorted(m.forenames for m in twins) == ["Casey", "Charlie"]
    assert db.session.get(ImportRow, row.id).status == "new"
    # An attendance row cannot be added as a new person: the choice is not offered, and a forged one is refused.
    _confirmed(client, pages, _review_file(register))
    other = db.session.scalars(select(ImportRow).where(ImportRow.status == "review")).first()
    assert "new" not in [i["value"] for i in pages.get(f"/partner-data/review/{other.id}").select(
        "input[name=decision]")]
    client.post(f"/partner-data/review/{other.id}", data={"decision": "new"})
    db.session.expire_all()
    assert db.session.get(ImportRow, other.id).status == "review"
