"""The monthly scorecard through the pages, on real data: the programme's computed indicators from attachments and
a submitted claim, an entered indicator and its direction of travel, the CSV import (a good file, a bad one), the
CSV, XLSX and PDF downloads, the indicator forms, and who may change what."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.claim_helpers import make_claim
from tests.pages import text
from tests.progress_helpers import attach
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.claims.models import SUBMITTED
from tfclaims.errors import NotAllowedError
from tfclaims.extensions import db
from tfclaims.scorecard import exports, queries, rules, services
from tfclaims.scorecard.models import Indicator, IndicatorComment, IndicatorValue

MONTH = "2020-10"  # October 2020: the report month of most tests
READERS = (Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)
MONTH_HEADINGS = ["Apr 2020", "May 2020", "Jun 2020", "Jul 2020", "Aug 2020", "Sep 2020", "Oct 2020"]
# The computed indicators the migrations load: the programme's SF01 to SF04, the early-help pathway's SF05 to SF14
# (tests/integration/test_scorecard_pathway.py).
COMPUTED_CODES = [f"SF{k:02d}" for k in range(1, 15)]


def indicator(code: str) -> Indicator:
    return db.session.scalar(select(Indicator).where(Indicator.code == code))


def value_count() -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue))


@pytest.fixture
def programme(users):
    """Families attached: 1 in October 2019, 1 in August 2020, 2 in September 2020, 3 in October 2020; a claim of
    two results submitted on 20 October 2020 (its two families attached in June 2019)."""
    version = factories.make_published_plan()
    for attached_on, count in [
        (date(2019, 10, 15), 1),
        (date(2020, 8, 3), 1),
        (date(2020, 9, 1), 2),
        (date(2020, 10, 31), 3),
    ]:
        for _ in range(count):
            attach(factories.make_family(), version, attached_on)
    make_claim(["SSP", "CE"], status=SUBMITTED, version=version, users=users)
    return version


@pytest.fixture
def entered(db_session):
    """EH01, children in need per 10,000 children (lower is better): 100 in September 2020, 90 in October, 80 in
    October 2019; targets, benchmarks and the October commentary."""
    eh01 = services.save_indicator(
        None, code="eh01", name="Children in need per 10,000 children", owner="Head of Early Help",
        reporter="Performance team", up_is_good=False, unit="rate", period_months=1,
    )
    today = date(2026, 12, 2)
    for month, value in [(date(2019, 10, 1), 80), (date(2020, 9, 1), 100), (date(2020, 10, 1), 90)]:
        services.set_value(eh01, month, value, today)
    services.set_target(eh01, "2020-21", 85)
    services.set_target(eh01, "2021-22", 80.5)
    services.set_benchmark(eh01, "england", 72.4, "2019-20")
    services.set_benchmark(eh01, "neighbours", 77, "")
    services.set_comment(eh01, date(2020, 10, 1), "Fewer referrals after the new front door.\nSecond paragraph.", today)
    db.session.commit()
    return eh01


def rows_by_code(page) -> dict[str, list[str]]:
    table = page.select_one("#scorecard")
    found = {}
    for row in table.select("tbody tr"):
        cells = [text(cell) for cell in row.select("th, td")]
        found[cells[0]] = cells
    return found


def headings(page) -> list[str]:
    return [text(th) for th in page.select("#scorecard thead th")]


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MANAGER], ids=lambda r: r.value)
def test_the_scorecard_shows_the_computed_indicators_from_the_data(pages, sign_in, programme, role):
    sign_in(role)
    page = pages.get(f"/scorecard/?month={MONTH}")
    assert text(page.select_one("h1")) == "Monthly scorecard"
    assert text(page.select_one("#month-heading")) == "October 2020"
    assert page.select_one("#month-not-over") is None
    assert page.select_one("select#month option[selected]")["value"] == MONTH
    assert headings(page) == [
        "Ref", "Indicator", "Owner", *MONTH_HEADINGS, "% change from previous period",
        "% change from same period last year", "Direction of travel", "12-month average", "12-month maximum",
        "Target 2020-21", "Target 2021-22", "Statistical neighbours", "England", "Region",
    ]
    assert all(th["scope"] == "col" for th in page.select("#scorecard thead th"))
    assert all(row.select_one("th")["scope"] == "row" for row in page.select("#scorecard tbody tr"))
    rows = rows_by_code(page)
    assert list(rows) == COMPUTED_CODES
    no_value = "No value"
    # Families attached per month: April to October 2020; September 2 -> October 3 is +50%; October 2019 had 1.
    assert rows["SF01"][1] == "Families attached to the programme per month"
    assert rows["SF01"][3:10] == ["0", "0", "0", "0", "1", "2", "3"]
    assert rows["SF01"][10:14] == ["+50.0%", "+200.0%", "↑ up better", "0.5"]  # 6 families over 12 months
    assert rows["SF01"][14] == "3"
    assert rows["SF01"][15:] == [no_value] * 5
    # Per quarter (the three months to the month): October is August to October, 6; July's quarter had none.
    assert rows["SF02"][3:10] == ["0", "0", "0", "0", "1", "3", "6"]
    assert rows["SF02"][10:13] == ["n/a: previous value was 0", "+500.0%", "↑ up better"]
    # Results claimed: the claim submitted on 20 October 2020.
    assert rows["SF03"][3:10] == ["0", "0", "0", "0", "0", "0", "2"]
    assert rows["SF03"][10:12] == ["n/a: previous value was 0", "n/a: previous value was 0"]
    assert rows["SF04"][9] == "2"
    dot = page.select_one("#indicator-SF01 .app-dot")
    assert "app-dot--good" in dot["class"]
    assert dot.select_one("[aria-hidden=true]").get_text() == "↑"
    assert text(dot.select_one(".govuk-visually-hidden")) == "up"
    assert text(page.select_one("#commentary-SF01")).endswith("No commentary for October 2020." + (
        " Add commentary for SF01, October 2020" if role == Role.MANAGER else ""))
    nav = [text(a) for a in page.select(".govuk-service-navigation__link")]
    assert "Scorecard" in nav


def test_an_entered_indicator_with_its_direction_targets_benchmarks_and_commentary(pages, sign_in, entered):
    sign_in(Role.AUDITOR)
    page = pages.get(f"/scorecard/?month={MONTH}")
    rows = rows_by_code(page)
    assert list(rows) == [*COMPUTED_CODES, "EH01"]
    row = rows["EH01"]
    assert row[:3] == ["EH01", "Children in need per 10,000 children", "Head of Early Help"]
    assert row[3:10] == ["No value"] * 5 + ["100", "90"]
    # 100 -> 90 is -10% exactly: down, and down is better for this indicator. A year before: 80 -> 90.
    assert row[10:13] == ["-10.0%", "+12.5%", "↓ down better"]
    # Of the twelve months only September and October have a value: the figures say so.
    assert row[13:15] == ["2 months: 95", "2 months: 100"]
    assert row[15:] == ["85", "80.5", "77", "72.4 2019-20", "No value"]
    dot = page.select_one("#indicator-EH01 .app-dot")
    assert "app-dot--good" in dot["class"]
    assert dot.select_one("[aria-hidden=true]").get_text() == "↓"
    assert text(dot.select_one(".govuk-visually-hidden")) == "down"
    commentary = page.select_one("#commentary-EH01")
    assert [text(p) for p in commentary.select("p")] == ["Fewer referrals after the new front door.",
                                                         "Second paragraph."]


def test_a_rise_for_an_indicator_where_up_is_bad_and_no_change(pages, sign_in, entered):
    services.set_value(entered, date(2020, 11, 1), 99, date(2026, 12, 2))  # 90 -> 99: +10%, worse
    services.set_value(entered, date(2020, 12, 1), 107.9, date(2026, 12, 2))  # 99 -> 107.9: +8.99%, no change
    db.session.commit()
    sign_in(Role.MANAGER)
    page = pages.get("/scorecard/?month=2020-11")
    assert rows_by_code(page)["EH01"][10:13] == ["+10.0%", "n/a: no value to compare with", "↑ up worse"]
    assert "app-dot--bad" in page.select_one("#indicator-EH01 .app-dot")["class"]
    page = pages.get("/scorecard/?month=2020-12")
    assert rows_by_code(page)["EH01"][10:13] == ["+8.9%", "n/a: no value to compare with", "→ no change"]
    dot = page.select_one("#indicator-EH01 .app-dot")
    assert "app-dot--neutral" in dot["class"]
    assert dot.select_one("[aria-hidden=true]").get_text() == "→"


def test_the_default_month_is_the_last_complete_month_and_a_wrong_month_is_explained(pages, sign_in, db_session):
    sign_in(Role.CLAIMS_OFFICER)
    page = pages.get("/scorecard/")
    expected = rules.last_complete_month(date.today())
    assert page.select_one("select#month option[selected]")["value"] == rules.month_slug(expected)
    assert text(page.select_one("#month-heading")) == rules.month_label(expected)
    this_month = pages.get(f"/scorecard/?month={rules.month_slug(date.today())}")
    assert this_month.select_one("#month-not-over") is not None

    page = pages.get("/scorecard/?month=2020-13")
    assert page.select_one("#scorecard") is None
    assert [text(li) for li in page.select(".govuk-error-summary li")] == [
        f"Select a month from the list, for example {rules.month_label(expected)}"
    ]
    page = pages.get("/scorecard/?month=2099-01")
    assert text(page.select_one(".govuk-error-summary li")).startswith("Select a month from ")
    # A download for a wrong month goes back to the page, which explains.
    response = pages.client.get("/scorecard/scorecard.csv?month=2020-13")
    assert response.status_code == 302 and response.headers["Location"].endswith("/scorecard/?month=2020-13")


# ---------------------------------------------------------------- importing values


def upload(content: str, name: str = "values.csv") -> dict:
    return {"file": (io.BytesIO(content.encode("utf-8")), name)}


def test_importing_a_good_file_adds_and_replaces_values(pages, sign_in, entered, client):
    sign_in(Role.MANAGER)
    before = value_count()
    content = (
        "code,month,value,note\r\n"
        "EH01,2020-10,88,replaces 90\r\n"
        "eh01,November 2020,86.5,\r\n"
        "EH01,2020-12-01,84,\r\n"
    )
    response = pages.post("/scorecard/import", upload(content), redirects_to="/scorecard/",
                          content_type="multipart/form-data")
    assert response.headers["Location"].endswith("/scorecard/?month=2020-12")
    assert value_count() == before + 2
    values = {v.month: v.value for v in entered.values}
    assert values[date(2020, 10, 1)] == 88 and values[date(2020, 11, 1)] == 86.5 and values[date(2020, 12, 1)] == 84
    page = pages.get("/scorecard/?month=2020-12")
    assert "3 values imported: 2 added, 1 replaced" in text(page.select_one(".govuk-notification-banner"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "indicator_values_imported"))
    assert event.summary == "Scorecard values imported from values.csv: 3 values imported: 2 added, 1 replaced"
    assert event.changes["indicators"] == [None, ["EH01"]]
    # The value changes themselves are audited by the mapper listeners.
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "indicator_value")
    ) >= 6


def test_importing_a_bad_file_lists_every_bad_row_and_saves_nothing(pages, sign_in, entered):
    sign_in(Role.MANAGER)
    before = value_count()
    content = "\n".join([
        "code,month,value",
        "EH01,2020-11,70",  # good, but not saved: another row is wrong
        "XX99,2020-11,1",
        "SF01,2020-11,4",
        "EH01,Smarch 2020,5",
        "EH01,2020-12,lots",
        "EH01,November 2020,71",
    ])
    response = pages.client.post("/scorecard/import", data=upload(content), content_type="multipart/form-data")
    assert response.status_code == 200
    page = pages.check(response)
    assert text(page.select_one("title")).startswith("Error: ")
    summary = [text(li) for li in page.select(".govuk-error-summary li")]
    assert summary == [
        "The selected file has 5 rows with problems: nothing was imported. Fix them and upload the file again",
        'Row 3: unknown indicator code "XX99"',
        "Row 4: SF01 is computed from the programme's data: its values cannot be imported",
        'Row 5: the month "Smarch 2020" cannot be read: "Smarch" is not the name of a month (write it as '
        "Oct-19, Oct 2019, October 2019, 10/2019, 2019-10 or 2019-10-01)",
        'Row 6: the value "lots" is not a number: write it like 42 or 12.5',
        "Row 7: EH01 November 2020 is already on row 2",
    ]
    assert all(a["href"] == "#file" for a in page.select(".govuk-error-summary a"))
    assert page.select_one("#file-error") is not None
    assert value_count() == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "indicator_values_imported")) is None


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("code,value\nEH01,3\n", "values.csv", "The file has no month column"),
        ("code,month,value\n", "values.csv", "The file has no values"),
        ("code,month,value\nEH01,2020-10,3\n", "values.xlsx", "The selected file must be a CSV file (.csv)"),
    ],
)
def test_importing_a_file_that_cannot_be_read(pages, sign_in, entered, content, name, message):
    sign_in(Role.MANAGER)
    page, errors = pages.post_with_errors("/scorecard/import", upload(content, name))
    assert errors[0].startswith(message)


def test_the_import_page_asks_for_a_file(pages, sign_in, entered):
    sign_in(Role.MANAGER)
    page = pages.get("/scorecard/import")
    assert page.select_one("input[type=file]#file")["accept"] == ".csv,text/csv"
    assert page.select_one("label[for=file]") is not None
    _, errors = pages.post_with_errors("/scorecard/import", {})
    assert errors == ["Select a CSV file to import"]


# ---------------------------------------------------------------- the downloads


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(result.stdout.split())


def made_pdf(client, month: str = MONTH):
    """The PDF made in the background (issue 14): the button starts a job, whose page is where the file comes from."""
    started = client.post("/scorecard/make-pdf", data={"month": month})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"], started.status_code
    return client.get(f"{started.headers['Location']}/file")


def test_the_csv_download(client, sign_in, programme, entered):
    sign_in(Role.COORDINATOR)
    response = client.get(f"/scorecard/scorecard.csv?month={MONTH}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="scorecard-2020-10.csv"'
    table = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False)
    assert list(table["Ref"]) == [*COMPUTED_CODES, "EH01"]
    assert list(table.columns[6:13]) == MONTH_HEADINGS
    sf01 = table.iloc[0]
    assert [sf01[m] for m in MONTH_HEADINGS] == ["0", "0", "0", "0", "1", "2", "3"]
    assert (sf01["% change from previous period"], sf01["Direction of travel"], sf01["Better or worse"]) == (
        "50", "up", "better")
    assert table.iloc[1]["% change from previous period"] == "n/a: previous value was 0"
    eh01 = table.iloc[-1]
    assert eh01["% change from previous period"] == "-10"
    assert eh01["% change from same period last year"] == "12.5"
    assert (eh01["Direction of travel"], eh01["Better or worse"], eh01["Up is good"]) == ("down", "better", "No")
    assert (eh01["Target 2020-21"], eh01["Target 2021-22"]) == ("85", "80.5")
    assert (eh01["England"], eh01["England: period"], eh01["Region"]) == ("72.4", "2019-20", "")
    assert eh01["Commentary"] == "Fewer referrals after the new front door.\nSecond paragraph."


def test_the_xlsx_download(client, sign_in, programme, entered):
    sign_in(Role.MANAGER)
    response = client.get(f"/scorecard/scorecard.xlsx?month={MONTH}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="scorecard-2020-10.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Scorecard", "About"]
    sheet = book["Scorecard"]
    heading = [c.value for c in sheet[1]]
    assert heading[:3] == ["Ref", "Indicator", "Owner"] and heading[6:13] == MONTH_HEADINGS
    rows = {r[0]: dict(zip(heading, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["SF01"]["Oct 2020"] == 3 and rows["SF01"]["% change from previous period"] == 50
    assert rows["EH01"]["% change from previous period"] == -10
    assert rows["EH01"]["Apr 2020"] is None
    assert rows["SF02"]["% change from previous period"] == "n/a: previous value was 0"
    about = book["About"]
    assert about["B3"].value == "October 2020"
    assert about["B2"].value == "Brackenshire County Council"


def test_the_pdf_download(client, sign_in, programme, entered, tmp_path):
    sign_in(Role.AUDITOR)
    response = made_pdf(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="scorecard-2020-10.pdf"'
    assert response.data.startswith(b"%PDF")
    found = pdf_text(response.data, tmp_path)
    assert "Brackenshire County Council" in found
    assert "Monthly scorecard: October 2020" in found
    for name in ("Families attached to the programme per month", "Families attached to the programme per quarter",
                 "PBR results claimed per month", "PBR results claimed per quarter",
                 "Children in need per 10,000 children"):
        assert name in found, name
    assert "Fewer referrals after the new front door." in found
    assert "Page 1 of" in found


def test_the_pdf_is_made_by_a_job_and_is_the_same_as_before(client, sign_in, pages, programme, entered, tmp_path, app):
    """Issue 14: the button starts a job; its file is the PDF the page used to give at once, listed under Your
    downloads, and downloading it records a read (naming no family)."""
    from tfclaims.audit.models import AccessEvent
    from tfclaims.jobs.models import Job

    user = sign_in(Role.COORDINATOR)
    form = pages.get(f"/scorecard/?month={MONTH}").select_one("#download-pdf").find_parent("form")
    assert (form["method"], form["action"], form.select_one("input[name=month]")["value"]) == (
        "post", "/scorecard/make-pdf", MONTH)
    response = made_pdf(client)
    job = db.session.scalars(select(Job)).one()
    assert (job.user_id, job.kind, job.status, job.title) == (user.id, "scorecard_pdf", "done",
                                                              "Scorecard for October 2020 (PDF)")
    assert job.steps_done == job.steps_total == 3
    assert "Scorecard for October 2020 (PDF)" in pages.get("/jobs/").get_text()
    assert response.headers["Content-Disposition"] == 'attachment; filename="scorecard-2020-10.pdf"'
    from tfclaims import clock

    today = clock.today()
    card = queries.scorecard(date(2020, 10, 1), today)
    direct = exports.scorecard_pdf(card, app.config["COUNCIL_NAME"], today, queries.programme_charts(card.month))
    assert pdf_text(response.data, tmp_path) == pdf_text(direct, tmp_path)
    [read] = db.session.scalars(select(AccessEvent).where(AccessEvent.actor_id == user.id,
                                                          AccessEvent.action == "downloaded")).all()
    assert read.what == "Scorecard for October 2020 (PDF)" and read.detail["family_ids"] == []


def test_a_pdf_asked_for_a_wrong_month_goes_back_to_the_page(client, sign_in, programme):
    from tfclaims.jobs.models import Job

    sign_in(Role.MANAGER)
    for month in ("1999-01", "zebra", "2090-01"):
        response = client.post("/scorecard/make-pdf", data={"month": month})
        assert response.status_code == 302 and response.headers["Location"].startswith("/scorecard/?month="), month
    assert db.session.scalars(select(Job)).all() == []


def test_the_pdf_places_the_programme_charts(client, sign_in, programme, monkeypatch, tmp_path):
    """A test double stands in for ``forecasts.charts.scorecard_charts_png``: a tiny PNG, to prove the PDF places
    each chart under its title."""
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 20), (29, 112, 184)).save(png, format="PNG")
    asked = []

    def charts(month):
        asked.append(month)
        return [("Families attached per month (test chart)", png.getvalue())]

    monkeypatch.setattr(queries, "programme_charts", charts)
    sign_in(Role.MANAGER)
    response = made_pdf(client)
    assert asked == [date(2020, 10, 1)]
    assert b"/Subtype /Image" in response.data
    assert "Families attached per month (test chart)" in pdf_text(response.data, tmp_path)


def test_the_programme_charts_come_from_the_forecasts_feature(app, db_session):
    charts = queries.programme_charts(date(2020, 10, 1))
    # Attachments per month and the time-to-claim curve; the results chart needs a target, and there is none.
    assert len(charts) == 2
    assert all(isinstance(title, str) and png.startswith(b"\x89PNG\r\n\x1a\n") for title, png in charts)


# ---------------------------------------------------------------- the indicator pages and forms


def test_a_manager_adds_and_changes_an_indicator(pages, sign_in, db_session):
    sign_in(Role.MANAGER)
    page = pages.get("/scorecard/indicators/new")
    assert page.select_one("label[for=code]") is not None
    response = pages.post(
        "/scorecard/indicators/new",
        {"code": " eh 02 ", "name": "Early help assessments completed", "owner": "Early Help", "reporter": "",
         "up_is_good": "yes", "unit": "number", "period_months": "3", "position": ""},
        status=302,
    )
    eh02 = indicator("EH02")
    assert response.headers["Location"].endswith(f"/scorecard/indicators/{eh02.id}")
    assert (eh02.name, eh02.period_months, eh02.source, eh02.position) == (
        "Early help assessments completed", 3, "entered", len(COMPUTED_CODES) + 1)
    _, errors = pages.post_with_errors(
        "/scorecard/indicators/new",
        {"code": "EH02", "name": "Again", "up_is_good": "no", "unit": "number", "period_months": "1"},
    )
    assert errors == ["An indicator with this reference code already exists"]
    _, errors = pages.post_with_errors("/scorecard/indicators/new", {"code": "", "name": ""})
    assert errors == ["Enter the reference code", "Enter the indicator's name",
                      "Select whether a higher value is better", "Select the unit", "Select monthly or quarterly"]

    # A computed indicator: its name and owner change, its period is not on the form.
    sf02 = indicator("SF02")
    page = pages.get(f"/scorecard/indicators/{sf02.id}/edit")
    assert page.select_one("input[name=period_months]") is None
    pages.post(
        f"/scorecard/indicators/{sf02.id}/edit",
        {"code": "SF02", "name": sf02.name, "owner": "Programme manager", "up_is_good": "yes", "unit": "number",
         "position": "2"},
        redirects_to=f"/scorecard/indicators/{sf02.id}",
    )
    assert (sf02.owner, sf02.period_months, sf02.source) == ("Programme manager", 3, "attached_quarter")


def test_values_targets_benchmarks_and_commentary_through_the_forms(pages, sign_in, entered):
    sign_in(Role.MANAGER)
    url = f"/scorecard/indicators/{entered.id}"
    page = pages.get(url)
    assert text(page.select_one("h1")) == "Children in need per 10,000 children"
    pages.post(f"{url}/values", {"month": "November 2020", "value": "95.5"}, redirects_to=url)
    assert queries.get_value(entered, date(2020, 11, 1)).value == 95.5
    page = pages.get(f"{url}/values?month=2020-11")
    assert page.select_one("input#value")["value"] == "95.5"
    _, errors = pages.post_with_errors(f"{url}/values", {"month": "2020-13", "value": "ten"})
    assert errors == ["Enter the month as Oct-19, Oct 2019, October 2019, 10/2019, 2019-10 or 2019-10-01",
                      "Enter the value as a number, like 42 or 12.5"]
    _, errors = pages.post_with_errors(f"{url}/values", {"month": "2099-01", "value": "1"})
    assert errors == ["The month must be this month or earlier, not January 2099"]
    pages.post(f"{url}/values", {"month": "2020-11", "value": ""}, redirects_to=url)
    assert queries.get_value(entered, date(2020, 11, 1)) is None

    pages.post(f"{url}/targets", {"year": "2022/23", "value": "75"}, redirects_to=url)
    assert {t.year_label: t.value for t in entered.targets} == {"2020-21": 85, "2021-22": 80.5, "2022-23": 75}
    _, errors = pages.post_with_errors(f"{url}/targets", {"year": "2022-24", "value": "75"})
    assert errors == ["Enter the financial year like 2026-27"]
    pages.post(f"{url}/targets", {"year": "2020-21", "value": ""}, redirects_to=url)
    assert "2020-21" not in {t.year_label for t in entered.targets}

    pages.post(f"{url}/benchmarks", {"kind": "region", "value": "70", "period": "2019-20"}, redirects_to=url)
    assert {b.kind: b.value for b in entered.benchmarks} == {"england": 72.4, "neighbours": 77, "region": 70}

    pages.post(f"{url}/commentary?month=2020-10&back=scorecard", {"month": "2020-10", "text": "Updated."},
               redirects_to="/scorecard/")
    assert queries.get_comment(entered, date(2020, 10, 1)).text == "Updated."
    pages.post(f"{url}/commentary", {"month": "2020-10", "text": ""}, redirects_to=url)
    assert db.session.scalar(select(IndicatorComment).where(IndicatorComment.indicator_id == entered.id)) is None

    page = pages.get(url)
    assert [text(td) for td in page.select("#targets-table tbody td.govuk-table__cell--numeric")] == ["80.5", "75"]


def test_a_computed_indicator_refuses_values(pages, sign_in, db_session):
    sf01 = indicator("SF01")
    with pytest.raises(NotAllowedError, match="SF01 is computed from the programme's data"):
        services.set_value(sf01, date(2020, 10, 1), 3, date(2026, 12, 2))
    sign_in(Role.MANAGER)
    page = pages.get(f"/scorecard/indicators/{sf01.id}/values")
    assert page.select_one("#computed") is not None and page.select_one("main form[method=post]") is None
    response = pages.client.post(f"/scorecard/indicators/{sf01.id}/values", data={"month": "2020-10", "value": "3"})
    assert response.status_code == 200
    assert value_count() == 0


EDIT_PAGES = ["/indicators/new", "/indicators/{id}/edit", "/indicators/{id}/values", "/indicators/{id}/targets",
              "/indicators/{id}/benchmarks", "/indicators/{id}/commentary", "/import"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR], ids=lambda r: r.value)
def test_only_managers_change_the_scorecard(client, pages, sign_in, entered, role):
    sign_in(role)
    pages.get(f"/scorecard/?month={MONTH}")
    page = pages.get(f"/scorecard/indicators/{entered.id}")
    assert not page.select(f"a[href*='/scorecard/indicators/{entered.id}/']")
    assert page.select_one("a[href='/scorecard/import']") is None
    for path in EDIT_PAGES:
        url = "/scorecard" + path.format(id=entered.id)
        assert client.get(url).status_code == 403, url
        assert client.post(url, data={}).status_code == 403, url


def test_signed_in_users_without_a_reading_role_get_403(client, pages, sign_in, db_session):
    sign_in(Role.ADMINISTRATOR)
    for url in ("/scorecard/", "/scorecard/scorecard.csv", "/scorecard/indicators/1"):
        assert client.get(url).status_code == 403, url
    assert client.post("/scorecard/make-pdf", data={"month": MONTH}).status_code == 403
    page = pages.get("/home")
    assert "Scorecard" not in [text(a) for a in page.select(".govuk-service-navigation__link")]
    client.post("/sign-out")
    sign_in(Role.MANAGER)
    assert client.get("/scorecard/indicators/new").status_code == 200


# ---------------------------------------------------------------- issue 11, item 16: twelve months are twelve months


@pytest.fixture
def year_figures(entered):
    """EH01 (entered): two of the twelve months to October 2020 have a value (95 average, 100 maximum). EH03: all
    twelve (November 2019 to October 2020: 1 to 12). EH04: no value at all."""
    eh03 = services.save_indicator(None, code="EH03", name="Requests for early help", owner="Front door",
                                   reporter="", up_is_good=True, unit="number", period_months=1)
    for k in range(12):
        services.set_value(eh03, rules.add_months(date(2019, 11, 1), k), k + 1, date(2026, 12, 2))
    services.save_indicator(None, code="EH04", name="Repeat requests within 12 months", owner="Front door",
                            reporter="", up_is_good=False, unit="percent", period_months=1)
    db.session.commit()
    return entered


YEAR_FIGURES = {"EH01": ("2 months: 95", "2 months: 100"), "EH03": ("6.5", "12"),
                "EH04": ("not available", "not available")}


def test_twelve_month_figures_on_the_page(pages, sign_in, year_figures):
    sign_in(Role.MANAGER)
    rows = rows_by_code(pages.get(f"/scorecard/?month={MONTH}"))
    assert {code: tuple(rows[code][13:15]) for code in YEAR_FIGURES} == YEAR_FIGURES


def test_twelve_month_figures_in_the_csv_and_the_spreadsheet(client, sign_in, year_figures):
    sign_in(Role.MANAGER)
    table = pd.read_csv(io.BytesIO(client.get(f"/scorecard/scorecard.csv?month={MONTH}").data), dtype=str,
                        keep_default_na=False).set_index("Ref")
    assert {code: (table.loc[code, "12-month average"], table.loc[code, "12-month maximum"])
            for code in YEAR_FIGURES} == YEAR_FIGURES
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/scorecard/scorecard.xlsx?month={MONTH}").data))
    sheet = book["Scorecard"]
    heading = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(heading, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    # Twelve months: numbers; fewer: the same words as the page.
    assert (rows["EH03"]["12-month average"], rows["EH03"]["12-month maximum"]) == (6.5, 12)
    assert (rows["EH01"]["12-month average"], rows["EH01"]["12-month maximum"]) == YEAR_FIGURES["EH01"]
    assert (rows["EH04"]["12-month average"], rows["EH04"]["12-month maximum"]) == YEAR_FIGURES["EH04"]
    about = " ".join(str(c.value) for row in book["About"].iter_rows() for c in row if c.value)
    assert "shown only when all twelve have a value" in about


def test_twelve_month_figures_in_the_pdf(client, sign_in, year_figures, tmp_path):
    sign_in(Role.MANAGER)
    data = made_pdf(client).data
    assert "shown only when all twelve have a value" in pdf_text(data, tmp_path)
    path = tmp_path / "layout.pdf"
    path.write_bytes(data)
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    lines = [" ".join(line.split()) for line in layout]

    def row(code: str) -> tuple[str, str]:
        at = next(i for i, line in enumerate(lines) if line.startswith(code + " "))
        return lines[at], lines[at + 1]

    # The narrow cells wrap: "2 months:" on the row's line, the figure under it.
    first, second = row("EH01")
    assert "down 2 months: 2 months: 85 80.5 77 72.4" in first and second.endswith("better 95 100 2019-20")
    assert row("EH03")[0].endswith("no change 6.5 12")
    first, second = row("EH04")
    assert first.endswith("n/a not not") and "available available" in second


def test_importing_months_in_the_councils_usual_styles(pages, sign_in, entered):
    sign_in(Role.MANAGER)
    content = "\r\n".join([
        "code,month,value",
        "EH01,Oct-19,81",  # replaces October 2019's 80
        "EH01,Nov 2019,82",
        "EH01,12/2019,83",
        "EH01,2020-01,84",
        "EH01,01/02/2020,85",
        "EH01,Mar-2020,86",
    ])
    pages.post("/scorecard/import", upload(content), redirects_to="/scorecard/", content_type="multipart/form-data")
    values = {v.month: v.value for v in entered.values}
    assert [values[date(2019, 10, 1) if m == 10 else date(2019 if m > 9 else 2020, m, 1)]
            for m in (10, 11, 12, 1, 2, 3)] == [81, 82, 83, 84, 85, 86]
    bad = "code,month,value\nEH01,13/2020,1\nEH01,Oct-19,2\nEH01,31/09/2020,3\n"
    _, errors = pages.post_with_errors("/scorecard/import", upload(bad))
    assert errors[1:] == ['Row 2: the month "13/2020" cannot be read: there is no month 13',
                          'Row 4: the month "31/09/2020" cannot be read: 31 September 2020 is not a real date']
