"""The scorecard's early-help indicators computed from the pathway's records (issue 16, item 6): a few episodes
recorded, the scorecard for October 2024 shows each month's value with its % change, direction and 12-month
figures; a computed indicator refuses an entered or imported value; the migration's indicators are all there."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from tests import factories
from tests.pages import text
from tfclaims.auth.roles import Role
from tfclaims.errors import NotAllowedError
from tfclaims.extensions import db
from tfclaims.pathway.models import (
    AssessedMember,
    Assessment,
    CaseAllocation,
    Contact,
    FamilyPlan,
    HelpRequest,
    TafMeeting,
)
from tfclaims.scorecard import queries, rules, services
from tfclaims.scorecard.models import COMPUTED_SOURCES, Indicator

TODAY = date(2024, 11, 20)
MONTH = "2024-10"
PATHWAY_CODES = {"SF05": "eh_requests", "SF06": "eh_repeat_requests", "SF07": "eh_repeat_percent",
                 "SF08": "eh_assessments_started", "SF09": "eh_assessments_completed",
                 "SF10": "eh_assessments_completed_u21", "SF11": "eh_plans_opened",
                 "SF12": "eh_first_visit_on_time", "SF13": "eh_assessment_on_time", "SF14": "eh_review_on_time"}
NO = "No value"


@pytest.fixture(autouse=True)
def _today(today_is):
    today_is(TODAY)


def indicator(code: str) -> Indicator:
    return db.session.scalar(select(Indicator).where(Indicator.code == code))


def _request(family, received_at: datetime, decision: str, practitioner=None, allocated_at=None) -> HelpRequest:
    request = HelpRequest(family_id=family.id, received_at=received_at, source="school", reason="Test",
                          decision=decision, decided_on=received_at.date())
    db.session.add(request)
    db.session.flush()
    if allocated_at is not None:
        db.session.add(CaseAllocation(request_id=request.id, family_id=family.id, practitioner_id=practitioner.id,
                                      team="North", allocated_at=allocated_at))
    return request


def _visit(request, day: date) -> None:
    db.session.add(Contact(request_id=request.id, family_id=request.family_id, occurred_on=day, kind="home_visit"))


def _assessment(request, started: date, completed: date, members) -> None:
    assessment = Assessment(request_id=request.id, family_id=request.family_id, started_on=started,
                            completed_on=completed)
    assessment.assessed = [AssessedMember(member_id=m.id, family_id=request.family_id) for m in members]
    db.session.add(assessment)


@pytest.fixture
def service(users):
    """Hand-counted, with the standards of the migration (first visit 5 working days, assessment 20 working days
    from allocation, reviews every 42 days):

    A1 (family A; 10 Sep 2024; early help): allocated the same day, visited 12 Sep (met), assessed 12 Sep to 8 Oct
      (due 8 Oct: met), the two adults born in 1985 and 1983 only (all over 21: left out of SF10); plan 9 Oct;
      initial meeting 10 Oct, review 15 Nov (on time).
    A2 (family A; 31 Oct 2024 16:00; advice): a repeat of A1.
    B1 (family B; 1 Oct 2024; early help): allocated the same day, visited 9 Oct (due 8 Oct: late), assessed 9 to
      25 Oct (due 29 Oct: met), an adult and two children.
    C1 (family C; 15 Oct 2024; early help): allocated the same day, visited 17 Oct (met).
    """
    practitioner = users[Role.PRACTITIONER]
    a, b, c = (factories.make_family(members=4) for _ in range(3))
    a1 = _request(a, datetime(2024, 9, 10, 9, 0), "early_help", practitioner, datetime(2024, 9, 10, 12, 0))
    _visit(a1, date(2024, 9, 12))
    _assessment(a1, date(2024, 9, 12), date(2024, 10, 8), a.members[:2])
    db.session.add(FamilyPlan(request_id=a1.id, family_id=a.id, opened_on=date(2024, 10, 9)))
    db.session.add(TafMeeting(request_id=a1.id, family_id=a.id, held_on=date(2024, 10, 10), kind="initial"))
    db.session.add(TafMeeting(request_id=a1.id, family_id=a.id, held_on=date(2024, 11, 15), kind="review"))
    _request(a, datetime(2024, 10, 31, 16, 0), "advice")
    b1 = _request(b, datetime(2024, 10, 1, 10, 0), "early_help", practitioner, datetime(2024, 10, 1, 14, 0))
    _visit(b1, date(2024, 10, 9))
    _assessment(b1, date(2024, 10, 9), date(2024, 10, 25), b.members[1:])
    c1 = _request(c, datetime(2024, 10, 15, 9, 0), "early_help", practitioner, datetime(2024, 10, 15, 11, 0))
    _visit(c1, date(2024, 10, 17))
    db.session.commit()


def rows_by_code(page) -> dict[str, list[str]]:
    return {cells[0]: cells for cells in ([text(c) for c in row.select("th, td")]
                                          for row in page.select("#scorecard tbody tr"))}


def test_the_migration_adds_the_pathway_indicators(db_session):
    found = {i.code: i for i in queries.list_indicators()}
    assert {code: found[code].source for code in PATHWAY_CODES} == PATHWAY_CODES
    assert [i.code for i in queries.list_indicators()][:14] == [f"SF{k:02d}" for k in range(1, 15)]
    assert all(found[code].is_computed and found[code].period_months == 1 for code in PATHWAY_CODES)
    assert {code for code in PATHWAY_CODES if found[code].unit == "percent"} == {"SF07", "SF12", "SF13", "SF14"}
    assert {code for code in PATHWAY_CODES if not found[code].up_is_good} == {"SF06", "SF07"}
    assert set(PATHWAY_CODES.values()) <= set(COMPUTED_SOURCES) and set(PATHWAY_CODES.values()) <= set(rules.PATHWAY)


def test_the_scorecard_shows_the_computed_pathway_values(pages, sign_in, service):
    sign_in(Role.COORDINATOR)
    rows = rows_by_code(pages.get(f"/scorecard/?month={MONTH}"))
    # The seven months April to October 2024; nothing was recorded before September 2024.
    values = {code: rows[code][3:10] for code in PATHWAY_CODES}
    assert values == {
        "SF05": [NO] * 5 + ["1", "3"],         # A1; B1, C1 and A2
        "SF06": [NO] * 5 + ["0", "1"],         # A2, three weeks after A1
        "SF07": [NO] * 5 + ["0%", "33.3%"],
        "SF08": [NO] * 5 + ["1", "1"],         # A1's; B1's
        "SF09": [NO] * 5 + ["0", "2"],         # A1's and B1's
        "SF10": [NO] * 5 + ["0", "1"],         # B1's: A1's assessed only adults over 21
        "SF11": [NO] * 5 + ["0", "1"],
        "SF12": [NO] * 5 + ["100%", "50%"],    # A1's on time; C1's on time, B1's a day late
        "SF13": [NO] * 6 + ["100%"],           # none completed in September; A1's and B1's on time
        "SF14": [NO] * 7,                      # no review held by the end of October
    }
    # Requests 1 -> 3: +200%, up (better); the 12-month figures over the two months recorded.
    assert rows["SF05"][10:15] == ["+200.0%", "n/a: no value to compare with", "↑ up better", "2 months: 2",
                                   "2 months: 3"]
    # First visits within the standard 100% -> 50%: down, worse.
    assert rows["SF12"][10:13] == ["-50.0%", "n/a: no value to compare with", "↓ down worse"]
    assert rows["SF12"][13:15] == ["2 months: 75%", "2 months: 100%"]
    # Repeat requests 0 -> 1: up from nothing, and up is worse for them.
    assert rows["SF06"][10:13] == ["n/a: previous value was 0", "n/a: no value to compare with", "↑ up worse"]
    # November is not over: its review (on time) already counts.
    rows = rows_by_code(pages.get("/scorecard/?month=2024-11"))
    assert rows["SF14"][9] == "100%" and rows["SF05"][9] == "0"


def test_the_downloads_carry_the_computed_values(client, sign_in, service):
    sign_in(Role.MANAGER)
    table = pd.read_csv(io.BytesIO(client.get(f"/scorecard/scorecard.csv?month={MONTH}").data), dtype=str,
                        keep_default_na=False).set_index("Ref")
    assert (table.loc["SF05", "Oct 2024"], table.loc["SF07", "Oct 2024"], table.loc["SF12", "Sep 2024"]) == (
        "3", "33.3", "100")
    assert table.loc["SF14", "Oct 2024"] == ""


def test_an_indicators_page_shows_its_history(pages, sign_in, service):
    sign_in(Role.MANAGER)
    sf12 = indicator("SF12")
    page = pages.get(f"/scorecard/indicators/{sf12.id}")
    found = text(page.select_one("main"))
    assert "first visits made in the month within the practice standard" in found
    assert page.select_one(f"a[href='/scorecard/indicators/{sf12.id}/values']") is None


def test_a_computed_pathway_indicator_refuses_values(pages, sign_in, db_session):
    sf05 = indicator("SF05")
    with pytest.raises(NotAllowedError, match="SF05 is computed from the programme's data"):
        services.set_value(sf05, date(2024, 10, 1), 3, TODAY)
    sign_in(Role.MANAGER)
    page = pages.get(f"/scorecard/indicators/{sf05.id}/values")
    assert page.select_one("#computed") is not None and page.select_one("main form[method=post]") is None
    response = pages.client.post(f"/scorecard/indicators/{sf05.id}/values", data={"month": "2024-10", "value": "3"})
    assert response.status_code == 200
    assert sf05.values == []
    _, errors = pages.post_with_errors(
        "/scorecard/import", {"file": (io.BytesIO(b"code,month,value\nSF12,2024-10,80\n"), "values.csv")})
    assert "Row 2: SF12 is computed from the programme's data: its values cannot be imported" in errors


def test_the_month_chooser_reaches_back_to_the_first_request(pages, sign_in, users):
    old = factories.make_family()
    db.session.add(HelpRequest(family_id=old.id, received_at=datetime(2019, 5, 2, 10, 0), source="school",
                               reason="Test"))
    db.session.commit()
    assert queries.earliest_month(TODAY) == date(2019, 5, 1)
