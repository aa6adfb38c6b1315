"""The quarterly progress return through the pages, on real data: the tables, the CSV and the spreadsheet."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from tests import factories
from tests.pages import text
from tests.progress_helpers import attach, make_accepted_evidence
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.progress.models import EmploymentSpell
from tfclaims.returns.rules import TOTAL_LABEL, Quarter, default_quarter

QUARTER = "2019-20-q2"  # 1 July to 30 September 2019
READERS = (Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)


@pytest.fixture
def cohort(users):
    """For 2019-20 Q2 (1 July to 30 September 2019):
    - BRK-FIRST: attached on the quarter's first day (school, health); health signed off on 15 August 2019;
    - BRK-LAST: attached on the quarter's last day (crime and ASB, school);
    - BRK-CLOSED: attached in March, closed the day before the quarter (domestic abuse, health): not worked with;
      health signed off in May, six months without domestic abuse to 31 August 2019: claimable by SSP then;
    - BRK-WORK: attached in January, open (school, worklessness), an adult on JSA in work since attachment:
      worklessness sustained and claimable by CE in July 2019;
    - BRK-LATER: attached the day after the quarter: in no count.
    """
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    manager = users[Role.MANAGER]

    first = attach(factories.make_family("BRK-FIRST"), version, date(2019, 7, 1), (2, 6))
    make_accepted_evidence(first, manager, 6, date(2019, 8, 15), progress_from=date(2019, 1, 1))
    attach(factories.make_family("BRK-LAST"), version, date(2019, 9, 30), (1, 2))
    closed = attach(factories.make_family("BRK-CLOSED"), version, date(2019, 3, 1), (5, 6), date(2019, 6, 30))
    make_accepted_evidence(closed, manager, 6, date(2019, 5, 1), progress_from=date(2019, 1, 1))
    work = factories.make_family("BRK-WORK")
    attach(work, version, date(2019, 1, 10), (2, 4))
    db.session.add(
        EmploymentSpell(
            family_id=work.id,
            member_id=work.members[0].id,
            started_on=date(2019, 1, 10),
            ended_on=None,
            hours_per_week=30,
            prior_benefit="JSA",
        )
    )
    attach(factories.make_family("BRK-LATER"), version, date(2019, 10, 1), (1, 2))
    db.session.commit()
    return version


def table_rows(table) -> dict[str, list[str]]:
    return {text(row.select_one("th")): [text(td) for td in row.select("td")] for row in table.select("tbody tr")}


def problem_label(version, number: int) -> str:
    problem = next(p for p in version.plan.framework.problems if p.number == number)
    return f"{number}. {problem.name}"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MANAGER], ids=lambda r: r.value)
def test_the_return_counts_families_by_headline_problem_and_route(pages, sign_in, cohort, role):
    sign_in(role)
    page = pages.get(f"/returns/progress?quarter={QUARTER}")
    assert page.select_one("h1").get_text(strip=True) == "Quarterly progress return"
    assert text(page.select_one("#quarter-heading")) == "2019-20 Q2: 1 July 2019 to 30 September 2019"
    assert page.select_one("#quarter-not-over") is None
    assert page.select_one("select#quarter option[selected]")["value"] == QUARTER

    [table] = page.select("table[id^=by-problem-]")
    assert text(table.select_one("caption")).startswith("Troubled Families 2015-21: families and problems")
    assert [text(th) for th in table.select("thead th")] == [
        "Headline problem",
        "Families attached",
        "Families worked with",
        "Problems sustained",
    ]
    assert all(th["scope"] == "col" for th in table.select("thead th"))
    rows = table_rows(table)
    assert list(rows)[-1] == TOTAL_LABEL
    assert rows[problem_label(cohort, 1)] == ["1", "1", "0"]  # BRK-LAST
    assert rows[problem_label(cohort, 2)] == ["2", "3", "0"]  # BRK-FIRST, BRK-LAST; and BRK-WORK
    assert rows[problem_label(cohort, 3)] == ["0", "0", "0"]
    assert rows[problem_label(cohort, 4)] == ["0", "1", "1"]  # BRK-WORK, in work
    assert rows[problem_label(cohort, 5)] == ["0", "0", "1"]  # BRK-CLOSED: sustained after closure
    assert rows[problem_label(cohort, 6)] == ["1", "1", "1"]  # BRK-FIRST signed off in August
    assert rows[TOTAL_LABEL] == ["2", "3", "3"]

    routes = table_rows(page.select_one("#by-route"))
    assert routes == {
        "SSP (significant and sustained progress)": ["1"],
        "CE (continuous employment)": ["1"],
        "SFO (successful family outcome)": ["0"],
        "All routes": ["2"],
    }
    figures = [text(dd) for dd in page.select("#return-figures dd")]
    assert figures == ["2", "3", "3", "2"]
    assert "Families worked with: families with an attachment open at any point" in text(page)

    nav = page.select_one(".govuk-service-navigation__item--active")
    assert nav is not None and text(nav) == "Returns"


def test_the_quarters_offered_run_from_the_first_attachment_to_now(pages, sign_in, cohort):
    sign_in(Role.AUDITOR)
    page = pages.get("/returns/progress")
    options = [o["value"] for o in page.select("select#quarter option")]
    now = Quarter.of(date.today())
    assert options[0] == now.slug
    assert options[-1] == "2018-19-q4"  # BRK-WORK, January 2019
    assert len(options) == len(set(options))
    # Without a quarter asked for: the last complete one.
    default = default_quarter(date.today())
    assert page.select_one("select#quarter option[selected]")["value"] == default.slug
    assert text(page.select_one("#quarter-heading")).startswith(default.label)
    current = pages.get(f"/returns/progress?quarter={now.slug}")
    assert "This quarter is not over yet" in text(current.select_one("#quarter-not-over"))


def test_the_csv_has_a_line_per_figure(client, sign_in, cohort):
    sign_in(Role.CLAIMS_OFFICER)
    response = client.get(f"/returns/progress.csv?quarter={QUARTER}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="progress-return-2019-20-q2.csv"'
    csv = pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype=str, keep_default_na=False)
    assert list(csv.columns) == [
        "Quarter",
        "Section",
        "Framework",
        "Headline problem number",
        "Headline problem or route",
        "Count",
    ]
    assert set(csv["Quarter"]) == {"2019-20 Q2"}

    def count(section: str, row: str) -> int:
        [value] = csv.loc[(csv["Section"] == section) & (csv["Headline problem or route"] == row), "Count"]
        return int(value)

    assert count("Families attached", TOTAL_LABEL) == 2
    assert count("Families worked with", TOTAL_LABEL) == 3
    assert count("Problems sustained", TOTAL_LABEL) == 3
    assert count("Families claimable", "All routes") == 2
    assert count("Families claimable", "CE: continuous employment") == 1
    school = csv[(csv["Section"] == "Families worked with") & (csv["Headline problem number"] == "2")]
    assert school["Count"].tolist() == ["3"]
    assert school["Framework"].tolist() == ["Troubled Families 2015-21"]


def test_the_spreadsheet_opens_with_a_sheet_per_table(client, sign_in, cohort):
    sign_in(Role.MANAGER)
    response = client.get(f"/returns/progress.xlsx?quarter={QUARTER}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response.headers["Content-Disposition"] == 'attachment; filename="progress-return-2019-20-q2.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["About", "By headline problem", "By route"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row and row[0]}
    assert about["Quarter"] == "2019-20 Q2"
    assert about["From"].date() == date(2019, 7, 1) and about["To"].date() == date(2019, 9, 30)
    problems = list(book["By headline problem"].iter_rows(values_only=True))
    assert problems[0] == (
        "Framework",
        "Headline problem number",
        "Headline problem",
        "Families attached",
        "Families worked with",
        "Problems sustained",
    )
    assert problems[-1] == ("Troubled Families 2015-21", None, TOTAL_LABEL, 2, 3, 3)
    assert problems[2][1:2] + problems[2][3:] == (2, 2, 3, 0)
    routes = list(book["By route"].iter_rows(values_only=True))
    assert routes[1:] == [
        ("SSP", "significant and sustained progress", 1),
        ("CE", "continuous employment", 1),
        ("SFO", "successful family outcome", 0),
        ("Total", "All routes", 2),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("spring", "Select a quarter from the list"),
        ("2019-21-q2", "Select a quarter from the list"),
        ("2019-20-q5", "Select a quarter from the list"),
        ("2010-11-q1", "Select a quarter from 2018-19 Q4 to"),
    ],
)
def test_a_quarter_that_is_not_offered_is_explained(pages, client, sign_in, cohort, value, message):
    sign_in(Role.COORDINATOR)
    page = pages.get(f"/returns/progress?quarter={value}")
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None
    assert text(summary.select_one("li")).startswith(message)
    assert summary.select_one("li a")["href"] == "#quarter"
    assert text(page.select_one(".govuk-error-message")).endswith(text(summary.select_one("li")))
    assert page.select_one("title").get_text(strip=True).startswith("Error: ")
    assert page.select("table") == []
    for download in ("progress.csv", "progress.xlsx"):
        response = client.get(f"/returns/{download}?quarter={value}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/returns/progress?quarter=")


def test_a_return_with_no_families_says_so(pages, sign_in, db_session):
    sign_in(Role.MANAGER)
    page = pages.get("/returns/progress")
    assert "No families had been attached" in text(page.select_one("#no-families"))
    assert table_rows(page.select_one("#by-route"))["All routes"] == ["0"]


@pytest.mark.parametrize("path", ["/returns/progress", "/returns/progress.csv", "/returns/progress.xlsx"])
def test_an_administrator_is_refused(client, sign_in, db_session, path):
    sign_in(Role.ADMINISTRATOR)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_returns_link_is_shown_to_the_readers(pages, sign_in, db_session, role):
    sign_in(role)
    links = [text(a) for a in pages.get("/home").select(".govuk-service-navigation a")]
    assert ("Returns" in links) == (role in READERS)
