"""The early-help pathway brought in by the case-management export, through the pages: each family's request with its
decision, assessment, family plan and closure made from the rows (each record naming its row, each audited), a row
out of order reported and nothing of it written, the same facts in another file skipped, a changed fact updated and
put back by undo, a request refused when tfclaims has changed since the preview (the row says why), and undo
refused while work recorded since rests on a request it made, then removing all it made."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Family, Member
from tfclaims.imports import sources
from tfclaims.imports.models import ImportBatch, ImportRow
from tfclaims.pathway.models import Assessment, Contact, FamilyPlan, HelpRequest

TODAY = date(2024, 11, 20)
HEADINGS = [c.name for c in sources.SOURCES["case_management"].columns]


@pytest.fixture(autouse=True)
def _today(today_is):
    today_is(TODAY)


@pytest.fixture
def family(db_session):
    """A family of the register whose lead adult and child the case-management system knows by its references."""
    family = factories.make_family(members=4)
    family.members[0].case_reference, family.members[2].case_reference = "P-1", "P-3"
    db.session.commit()
    return family


def _person(member: Member, reference: str, **pathway) -> dict:
    return {"Family reference": reference, "Relationship": member.relationship_to_lead, "Forename": member.forenames,
            "Surname": member.surname, "Date of birth": f"{member.date_of_birth:%d/%m/%Y}", "Sex": member.sex,
            "Postcode": member.postcode, **pathway}


REQUEST = {"Request received on": "02/09/2024", "Request received at": "09:30", "Request source": "school",
           "Decision": "Allocated to early help", "Decided on": "03/09/2024", "Assessment started": "10/09/2024",
           "Assessment completed": "01/10/2024", "Plan opened": "14/10/2024"}


def _rows(family: Family) -> list[dict]:
    alex, jordan, casey = family.members[0], family.members[1], family.members[2]
    new = {"Relationship": "Lead adult", "Forename": "Marisol", "Surname": "Vantongeren", "Date of birth": "14/03/1986",
           "Sex": "F", "Postcode": "BR5 1XY"}
    return [
        # 2: the family's request, its decision, assessment and plan, on its lead adult's row.
        {**_person(alex, family.reference, **REQUEST), "Case reference": "P-1"},
        # 3: the same request on the child's row: the child is assessed too.
        {**_person(casey, family.reference, **{"Request received on": "02/09/2024",
                                               "Assessment started": "10/09/2024"}), "Case reference": "P-3"},
        # 4: a family new to the register, its request worked and closed.
        {**new, "Family reference": "EHM-40001", "Case reference": "P-40", "Request received on": "05/08/2024",
         "Request source": "The front door (multi-agency safeguarding hub)", "Decision": "partner_taf",
         "Decided on": "06/08/2024", "Assessment started": "12/08/2024", "Plan opened": "20/08/2024",
         "Episode closed on": "30/10/2024", "Episode closure reason": "Outcomes met"},
        # 5: an assessment completed before the request was received: not valid, nothing of it written.
        {**new, "Forename": "Quentin", "Family reference": "EHM-40002", "Request received on": "01/09/2024",
         "Request source": "School", "Decision": "Early help", "Assessment started": "01/09/2024",
         "Assessment completed": "20/08/2024"},
        # 6: the family's request again, from another source than row 2 says: not valid, nothing of it written.
        {**_person(jordan, family.reference, **{"Request received on": "02/09/2024", "Request source": "Police"}),
         "Case reference": "P-2"},
    ]


def _file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADINGS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(client, content: bytes, name: str) -> ImportBatch:
    response = client.post("/partner-data/upload", data={"kind": "case_management",
                                                         "file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    return db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()


def _confirm(pages, batch: ImportBatch) -> ImportBatch:
    pages.post(f"/partner-data/imports/{batch.id}/confirm", redirects_to=f"/partner-data/imports/{batch.id}")
    db.session.expire_all()
    return db.session.get(ImportBatch, batch.id)


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (HelpRequest, Assessment, FamilyPlan))


def _row(batch: ImportBatch, number: int) -> ImportRow:
    return db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id,
                                                      ImportRow.row_number == number)).one()


def test_requests_assessments_plans_and_closures_come_in_with_their_dates(sign_in, client, pages, family):
    sign_in(Role.COORDINATOR)
    before = _counts()
    batch = _upload(client, _file(_rows(family)), "ehm-1.csv")
    page = pages.get(f"/partner-data/imports/{batch.id}")
    assert text(page.select_one("#batch-status")) == "Ready to confirm"
    assert text(page.select_one("#count-invalid td")) == "2"
    assert text(page.select_one("#row-5")) == (
        "5 Not valid Assessment completed The assessment was completed (20/08/2024) before the request was received "
        "(01/09/2024)")
    assert ("Request source Police is not what row 2 says of the same request (School or college): the rows of a "
            "family's request must agree") in text(page.select_one("#row-6"))
    assert _counts() == before, "nothing is written before the file is confirmed"

    batch = _confirm(pages, batch)
    assert batch.status == "confirmed"
    assert (batch.counts["created"], batch.counts["updated"], batch.counts["duplicates"]) == (1, 1, 1)
    assert _counts() == (before[0] + 2, before[1] + 2, before[2] + 2)
    row2, row4 = _row(batch, 2), _row(batch, 4)
    request = db.session.scalars(select(HelpRequest).where(HelpRequest.family_id == family.id)).one()
    assert (request.received_at, request.source, request.decision, request.decided_on) == (
        datetime(2024, 9, 2, 9, 30), "school", "early_help", date(2024, 9, 3))
    assert request.closed_on is None and request.import_row_id == row2.id and request.allocations == []
    assessment = db.session.scalars(select(Assessment).where(Assessment.request_id == request.id)).one()
    assert (assessment.started_on, assessment.completed_on, assessment.import_row_id) == (
        date(2024, 9, 10), date(2024, 10, 1), row2.id)
    assert sorted(a.member_id for a in assessment.assessed) == [family.members[0].id, family.members[2].id]
    plan = db.session.scalars(select(FamilyPlan).where(FamilyPlan.request_id == request.id)).one()
    assert (plan.opened_on, plan.import_row_id) == (date(2024, 10, 14), row2.id)
    # The family page says where the request, its assessment and its plan came from.
    timeline = text(pages.get(f"/families/{family.id}").select_one(f"#episode-timeline-{request.id}"))
    assert timeline.count(f"( partner file {batch.id}, row 2 )") == 3
    made = db.session.scalars(select(Family).where(Family.reference == "EHM-40001")).one()
    closed = db.session.scalars(select(HelpRequest).where(HelpRequest.family_id == made.id)).one()
    assert (closed.received_at, closed.source, closed.decision, closed.closed_on, closed.closure_reason) == (
        datetime(2024, 8, 5), "front_door", "partner_taf", date(2024, 10, 30), "outcomes_met")
    assert closed.import_row_id == row4.id
    assert db.session.scalars(select(Assessment).where(Assessment.request_id == closed.id)).one().completed_on is None
    # Nothing of the rows not valid: no family EHM-40002, and Jordan's case reference not filled in.
    assert db.session.scalars(select(Family).where(Family.reference == "EHM-40002")).first() is None
    assert db.session.get(Member, family.members[1].id).case_reference is None
    # Each record audited as if typed in, on its family's trail.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.family_id == family.id,
                                                         AuditEvent.action == "create")).all()
    assert {"help_request", "assessment", "family_plan"} <= {e.entity for e in events}
    # The family's page shows the requests brought in (not allocated: a lead practitioner is allocated in tfclaims).
    pages.get(f"/families/{family.id}")
    pages.get(f"/families/{made.id}")

    # The same facts in another file (the rows in another order): already held, skipped.
    again = _upload(client, _file(list(reversed(_rows(family)[:4]))), "ehm-2.csv")
    again = _confirm(pages, again)
    assert _counts() == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert again.counts["created"] == 0 and again.counts["updated"] == 0 and again.counts["duplicates"] == 3

    # A fact changed: the request updated, what it held kept; undoing puts it back.
    changed = _upload(client, _file([{**_rows(family)[0], "Request source": "Health", "Assessment completed": ""}]),
                      "ehm-3.csv")
    changed = _confirm(pages, changed)
    db.session.refresh(request)
    assert request.source == "health" and request.import_row_id == _row(changed, 2).id
    assert changed.counts["updated"] == 1 and _counts() == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert db.session.get(Assessment, assessment.id).completed_on == date(2024, 10, 1), "an empty cell empties nothing"
    pages.post(f"/partner-data/imports/{changed.id}/undo", redirects_to=f"/partner-data/imports/{changed.id}")
    db.session.expire_all()
    request = db.session.get(HelpRequest, request.id)
    assert request.source == "school" and request.import_row_id == row2.id

    # Confirmed after tfclaims changed: a closure before a contact recorded since the preview is refused, and the
    # row says why (the rest of the row stands).
    closing = _upload(client, _file([{**_rows(family)[0], "Episode closed on": "15/10/2024",
                                      "Episode closure reason": "Outcomes met"}]), "ehm-4.csv")
    assert closing.counts["invalid"] == 0
    contact = Contact(request_id=request.id, family_id=family.id, occurred_on=date(2024, 10, 20), kind="home_visit")
    db.session.add(contact)
    db.session.commit()
    closing = _confirm(pages, closing)
    assert db.session.get(HelpRequest, request.id).closed_on is None
    page = pages.get(f"/partner-data/imports/{closing.id}")
    assert "Rows not imported, or imported in part" in text(page.select_one("#problems caption"))
    assert ("The early-help request was not written: the episode closed (15/10/2024) before its latest record (a "
            "contact, 20/10/2024)") in text(page.select_one("#row-2"))

    # Undo is refused while work recorded since rests on a request the import made; then it removes all it made.
    response = client.post(f"/partner-data/imports/{batch.id}/undo", follow_redirects=True)
    assert (f"work has been recorded in tfclaims on the early-help requests it brought in for family "
            f"{family.reference}") in text(pages.check(response))
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "confirmed" and _counts()[0] == before[0] + 2
    db.session.delete(db.session.get(Contact, contact.id))
    db.session.commit()
    for done in (closing, again, batch):
        pages.post(f"/partner-data/imports/{done.id}/undo", redirects_to=f"/partner-data/imports/{done.id}")
    db.session.expire_all()
    assert _counts() == before
    assert db.session.scalars(select(Family).where(Family.reference == "EHM-40001")).first() is None
    assert db.session.get(ImportBatch, batch.id).status == "undone"
