"""The forecast through the pages and the shell: every term on the page, a manager's assumed rate changing the
attachments needed per month, targets with their history, the charts, and `flask tfclaims forecast`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tests import factories
from tests.claims_cohort import make_claimable, make_window
from tests.pages import text
from tests.progress_helpers import attach
from tfclaims.auth.roles import Role
from tfclaims.claims import services as claim_services
from tfclaims.extensions import db
from tfclaims.forecasts.models import Target

AS_OF = "as_of=15&as_of=10&as_of=2019"


@pytest.fixture
def programme(users):
    """Target 2019-20: 20 results, attachments until 31 December 2019. Four results claimed on 10 October 2019;
    three families attached in June 2019 and still open (tracked)."""
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    manager, officer = users[Role.MANAGER], users[Role.CLAIMS_OFFICER]
    families = [make_claimable(f"BRK-S{i}", version, manager) for i in range(1, 4)]
    families.append(make_claimable("BRK-C1", version, manager, route="CE"))
    for i in range(3):
        attach(factories.make_family(f"BRK-T{i}"), version, date(2019, 6, 3), (2, 4))
    window = make_window()
    claim = claim_services.build_claim(window, [f.id for f in families], officer, date(2019, 10, 2))
    claim_services.send_to_audit(claim, officer, seed=1)
    for line in claim.lines:
        if line.sampled:
            claim_services.record_check(line, users[Role.AUDITOR], eligible=True, whole_family=True, evidenced=True,
                                        verdict="pass", note="")
    claim_services.sign_off(claim, manager)
    claim.signed_off_at = datetime(2019, 10, 5, tzinfo=UTC)
    submitted = date(2019, 10, 10)
    claim_services.submit(claim, officer, submitted_on=submitted, department_reference="", today=submitted)
    target = Target(label="2019-20", starts_on=date(2019, 4, 1), ends_on=date(2020, 3, 31), results_target=20,
                    attachment_target=50, attachment_deadline=date(2019, 12, 31), claim_deadline=date(2020, 3, 31))
    db.session.add(target)
    db.session.commit()
    return target


def test_without_an_observed_rate_the_page_asks_for_an_assumed_one(programme, sign_in, pages):
    sign_in(Role.MANAGER)
    page = pages.get(f"/forecasts/?{AS_OF}")
    assert "no attachment cohort old enough has a result claimed yet. Set an assumed rate" in text(page)
    assert page.select_one("#assumed_rate_percent") is not None


def test_a_manager_sets_an_assumed_rate_and_the_attachments_per_month_change(programme, sign_in, pages, client):
    sign_in(Role.MANAGER)
    response = client.post(f"/forecasts/targets/{programme.id}/rate?{AS_OF}", data={"assumed_rate_percent": "40"})
    assert response.status_code == 302
    page = pages.get(f"/forecasts/?{AS_OF}")
    # 20 - 4 claimed = 16; 16 / 40% = 40; 40 - 3 tracked = 37; 78 days to 31 December: 15 a month, 4 a week.
    assert text(page.select_one("#still-needed")).startswith("16 = 20 − 4")
    assert text(page.select_one("#required-cohort")).startswith("40 = 16 ÷ 40%")
    assert text(page.select_one("#tracked")).startswith("3 attached")
    assert text(page.select_one("#further")).startswith("37 = 40 − 3")
    assert text(page.select_one("#days-left")).startswith("78,")
    assert text(page.select_one("#per-month")).startswith("15 =")
    assert text(page.select_one("#per-week")).startswith("4 =")
    assert text(page.select_one("#progress")) == "20%"
    assert "the assumed conversion rate" in text(page) and text(page.select_one("#rate-used")) == "40%"
    assert text(page.select_one("#paragraph")).startswith(
        "The target of 20 results, with 4 already claimed, assuming a 40% conversion rate"
    )
    assert "15 per month (or around 4 per week) between now and 31 December 2019" in text(page)
    client.post(f"/forecasts/targets/{programme.id}/rate?{AS_OF}", data={"assumed_rate_percent": "50"})
    page = pages.get(f"/forecasts/?{AS_OF}")
    assert text(page.select_one("#per-month")).startswith("12 =")  # 32 - 3 = 29 over 78 days
    scenarios = [text(row.select_one("th")) for row in page.select("#scenarios tbody tr")]
    assert scenarios == ["Assumed conversion rate - 10 points", "Assumed conversion rate",
                         "Assumed conversion rate + 10 points"]


@pytest.mark.parametrize("rate, message", [("0", "more than 0%"), ("abc", "Enter the rate as a number"),
                                           ("150", "no more than 100%")])
def test_a_bad_rate_is_refused_with_an_error_summary(programme, sign_in, pages, client, rate, message):
    sign_in(Role.MANAGER)
    response = client.post(f"/forecasts/targets/{programme.id}/rate?{AS_OF}", data={"assumed_rate_percent": rate})
    page = pages.check(response)
    assert message in text(page.select_one(".govuk-error-summary"))
    db.session.refresh(programme)
    assert programme.assumed_rate_percent is None


def test_a_deadline_already_passed_is_explained(programme, sign_in, pages):
    programme.assumed_rate_percent = 40
    db.session.commit()
    sign_in(Role.MANAGER)
    page = pages.get("/forecasts/?as_of=2&as_of=1&as_of=2020")
    assert "None: the attachment deadline, 31 December 2019, has passed" in text(page.select_one("#days-left"))
    assert "has passed: families attached now cannot mature into claims in time" in text(page.select_one("#paragraph"))


def test_targets_keep_their_history(db_session, users, sign_in, pages, client):
    sign_in(Role.MANAGER)
    data = {
        "label": "2026-27", "starts_on": ["1", "4", "2026"], "ends_on": ["31", "3", "2027"], "results_target": "120",
        "attachment_target": "300", "attachment_deadline": ["30", "9", "2026"], "claim_deadline": ["31", "3", "2027"],
        "assumed_rate_percent": "",
    }
    response = client.post("/forecasts/targets/new", data=data)
    assert response.status_code == 302
    target = db.session.query(Target).one()
    client.post(f"/forecasts/targets/{target.id}/edit", data=data | {"results_target": "150"})
    page = pages.get(f"/forecasts/targets/{target.id}")
    rows = [text(r) for r in page.select("#history tbody tr")]
    assert len(rows) == 2 and "results target from 120 to 150" in rows[0]
    bad = pages.check(client.post("/forecasts/targets/new", data=data | {"claim_deadline": ["1", "9", "2026"]}))
    summary = text(bad.select_one(".govuk-error-summary"))
    assert "The claim deadline must be on or after the attachment deadline" in summary


def test_the_charts_are_svg(programme, sign_in, client):
    sign_in(Role.MANAGER)
    for name in ("attachments", "results", "curve"):
        response = client.get(f"/forecasts/charts/{name}.svg?{AS_OF}")
        assert response.status_code == 200, name
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert b"<svg" in response.data


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_managers_and_claims_officers_see_forecasts(db_session, users, sign_in, client, role):
    sign_in(role)
    assert client.get("/forecasts/").status_code == 403


def test_the_shell_command_prints_the_figures_and_the_paragraph(programme, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2019-10-15", "--rate", "40"])
    assert result.exit_code == 0, result.output
    assert "further attachments needed     37" in result.output
    assert "per month                      15" in result.output
    assert "The target of 20 results, with 4 already claimed" in result.output
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2019-10-15", "--rate", "40", "--tracked", "40",
                                 "--json"])
    body = json.loads(result.output)
    assert body["forecast"]["further"] == 0 and body["forecast"]["rate_source"] == "given"
    assert body["target_label"] == "2019-20"
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2019-10-15", "--rate", "0"])
    assert result.exit_code == 1 and "more than 0%" in result.output
