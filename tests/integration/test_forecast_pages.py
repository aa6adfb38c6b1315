"""The forecast through the pages and the shell: every term on the page, a manager's assumed rate changing the
attachments needed per month, targets with their history, the charts, and `flask tfclaims forecast`."""

from __future__ import annotations

import base64
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
    assert text(page.select_one("#still-needed")) == "16 = 20 − 4"
    assert text(page.select_one("#required-cohort")) == "40 = 16 ÷ 40%"
    assert text(page.select_one("#tracked")).startswith(
        "3: attached by 15 October 2019 in any year of a programme phase still running")
    assert text(page.select_one("#further")) == "37 = 40 − 3"
    assert text(page.select_one("#days-left")).startswith("78 days,")
    assert text(page.select_one("#per-month")) == "15: 37 × 30.4375 ÷ 78 days ≈ 14.4, rounded up"
    assert text(page.select_one("#per-week")) == "4: 37 × 7 ÷ 78 days ≈ 3.3, rounded up"
    assert text(page.select_one("#progress")) == "20%"
    assert text(page.select_one("#progress-sum")) == "20% = 4 of 20"
    assert "the assumed conversion rate" in text(page) and text(page.select_one("#rate-used")) == "40%"
    assert text(page.select_one("#paragraph")).startswith(
        "The target of 20 results, with 4 already claimed, assuming a 40% conversion rate"
    )
    assert "15 per month (or around 4 per week) between now and 31 December 2019" in text(page)
    client.post(f"/forecasts/targets/{programme.id}/rate?{AS_OF}", data={"assumed_rate_percent": "50"})
    page = pages.get(f"/forecasts/?{AS_OF}")
    assert text(page.select_one("#per-month")).startswith("12: 29 × 30.4375 ÷ 78 days")  # 32 - 3 = 29
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


def test_the_page_carries_its_charts_as_the_chart_addresses_draw_them(programme, sign_in, client, pages):
    """One request for the page, not four: its images are data: addresses, the same SVG as each chart's own."""
    sign_in(Role.MANAGER)
    page = pages.get(f"/forecasts/?{AS_OF}")
    images = {img.find_parent("figure")["id"]: img["src"] for img in page.select("figure.app-chart img")}
    assert set(images) == {"attachments-figure", "results-figure", "curve-figure"}
    for name in ("attachments", "results", "curve"):
        prefix, encoded = images[f"{name}-figure"].split(",", 1)
        assert prefix == "data:image/svg+xml;base64"
        assert base64.b64decode(encoded) == client.get(f"/forecasts/charts/{name}.svg?{AS_OF}").data, name
        link = page.select_one(f"#{name}-figure figcaption a[href^='/forecasts/charts/{name}.svg']")
        assert link is not None and "as_of=2019" in link["href"], name


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_managers_and_claims_officers_see_forecasts(db_session, users, sign_in, client, role):
    sign_in(role)
    assert client.get("/forecasts/").status_code == 403


def test_the_shell_command_prints_the_figures_and_the_paragraph(programme, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2019-10-15", "--rate", "40"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "further attachments needed 37 = 40 − 3" in words
    assert "attachments needed per month 15: 37 × 30.4375 ÷ 78 days ≈ 14.4, rounded up" in words
    assert "The target of 20 results, with 4 already claimed" in result.output
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2019-10-15", "--rate", "40", "--tracked", "40",
                                 "--json"])
    body = json.loads(result.output)
    assert body["forecast"]["further"] == 0 and body["forecast"]["rate_source"] == "given"
    assert body["target_label"] == "2019-20"
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2019-10-15", "--rate", "0"])
    assert result.exit_code == 2 and "Invalid value for '--rate'" in result.output


# ---------------------------------------------------------------- issue 11: families tracked and true sums

TRACK_AS_OF = "as_of=1&as_of=10&as_of=2024"


@pytest.fixture
def tracking(users):
    """Target 2024-25: 8 results at an assumed 35%, attachments until 31 March 2025. As of 1 October 2024, eleven
    attachments made over seven years (written straight to the tables, so no engine or claim service is involved):

    tracked (5): BRK-OLD (October 2022, still open), BRK-PIPE (rejected, returned to the pipeline), BRK-CLAWP
    (clawed back, returned to the pipeline), BRK-OA (closed with outcomes achieved, not yet claimed), BRK-NEW (this
    year); not tracked: BRK-CLM (claimed 10 July 2024: the one result), BRK-DRAFT (in a claim not yet submitted),
    BRK-CLAW (clawed back, marked invalid), BRK-NE (closed, not eligible), BRK-TF (2017, under 2015-21, which ended
    in March 2021); BRK-LATE is attached the day after."""
    old_plan = factories.make_published_plan("TF2015", effective_from=date(2015, 4, 1), criteria=False)
    plan = factories.make_published_plan("SF2022", effective_from=date(2022, 10, 1), criteria=False)
    attach_ = factories.forecast_attachment
    attach_(old_plan, date(2017, 6, 1), reference="BRK-TF")
    attach_(plan, date(2022, 10, 3), reference="BRK-OLD")
    claimed = attach_(plan, date(2023, 1, 10), reference="BRK-CLM")
    factories.forecast_claim_line(claimed, "included", "submitted", date(2024, 7, 10), date(2024, 6, 30))
    pipeline = attach_(plan, date(2022, 11, 1), reference="BRK-PIPE")
    factories.forecast_claim_line(pipeline, "rejected", "reconciled", date(2024, 1, 10), date(2023, 12, 31),
                                  disposition="pipeline")
    invalid = attach_(plan, date(2022, 11, 1), reference="BRK-CLAW")
    factories.forecast_claim_line(invalid, "clawed_back", "reconciled", date(2024, 1, 10), date(2023, 12, 31),
                                  disposition="invalid")
    back = attach_(plan, date(2022, 11, 2), reference="BRK-CLAWP")
    factories.forecast_claim_line(back, "clawed_back", "reconciled", date(2024, 1, 10), date(2023, 12, 31),
                                  disposition="pipeline")
    draft = attach_(plan, date(2024, 5, 1), reference="BRK-DRAFT")
    factories.forecast_claim_line(draft, "included", "draft", None, date(2024, 9, 20))
    attach_(plan, date(2023, 5, 1), date(2024, 2, 1), "not_eligible", reference="BRK-NE")
    attach_(plan, date(2023, 6, 1), date(2024, 3, 1), "outcomes_achieved", reference="BRK-OA")
    attach_(plan, date(2024, 6, 1), reference="BRK-NEW")
    attach_(plan, date(2024, 10, 2), reference="BRK-LATE")
    target = Target(label="2024-25", starts_on=date(2024, 4, 1), ends_on=date(2025, 3, 31), results_target=8,
                    attachment_target=40, attachment_deadline=date(2025, 3, 31), claim_deadline=date(2026, 3, 31),
                    assumed_rate_percent=35)
    db.session.add(target)
    db.session.commit()
    return target


def test_every_family_not_claimed_nor_closed_without_a_result_is_tracked_whatever_its_year(tracking, sign_in,
                                                                                           pages):
    sign_in(Role.MANAGER)
    page = pages.get(f"/forecasts/?{TRACK_AS_OF}")
    assert text(page.select_one("#tracked")) == (
        "5: attached by 1 October 2024 in any year of a programme phase still running, not yet claimed and not "
        "closed without a result")
    rows = {text(row.select_one("th")): [text(td) for td in row.select("td")]
            for row in page.select("#tracked-by-year tbody tr")}
    # attached, claimed, in a claim not yet submitted, result rejected for good, closed without a result, phase
    # ended, tracked
    assert rows == {
        "2017-18": ["1", "0", "0", "0", "0", "1", "0"],
        "2022-23": ["5", "1", "0", "1", "0", "0", "3"],
        "2023-24": ["2", "0", "0", "0", "1", "0", "1"],
        "2024-25": ["2", "0", "1", "0", "0", "0", "1"],
    }
    assert [text(td) for td in page.select("#year-total td")] == ["10", "1", "1", "1", "1", "1", "5"]
    headings = [text(th) for th in page.select("#tracked-by-year thead th")]
    assert headings == ["Attached in (April to March)", "Attached", "Claimed", "In a claim not yet submitted",
                        "Result rejected for good", "Closed without a result", "Programme phase ended", "Tracked"]


def test_each_term_on_the_page_is_a_sum_that_holds(tracking, sign_in, pages):
    """Numbers that round: 1 of 8 is 12.5% (shown 12%, never 13%); 6 / 35% = 17.14 (18); 13 over 182 days."""
    sign_in(Role.CLAIMS_OFFICER)
    page = pages.get(f"/forecasts/?{TRACK_AS_OF}")
    terms = {dd["id"]: text(dd) for dd in page.select("#terms dd")}
    assert terms["claimed"] == "1"
    assert terms["in-claims"] == "1"
    assert terms["still-needed"] == "6 = 8 − 1 − 1"
    assert terms["required-cohort"] == "18: 6 ÷ 35% ≈ 17.1, rounded up"
    assert terms["further"] == "13 = 18 − 5"
    assert terms["days-left"] == ("182 days, from 1 October 2024 to the attachment deadline, 31 March 2025, both "
                                  "included: 182 ÷ 30.4375 days a month ≈ 5.98 months")
    assert terms["per-month"] == "3: 13 × 30.4375 ÷ 182 days ≈ 2.2, rounded up"
    assert terms["per-week"] == "1: 13 × 7 ÷ 182 days = 0.5, rounded up"
    assert text(page.select_one("#progress")) == "12%"
    assert text(page.select_one("#progress-sum")) == "12%: 1 of 8 = 12.5%, rounded down"
    assert text(page.select_one("#paragraph")).startswith(
        "The target of 8 results, with 1 already claimed and 1 in claims not yet submitted, assuming a 35% "
        "conversion rate, would require an attached cohort of around 18 families. We are currently tracking 5 "
        "families, which means a further minimum of 13 attachments is required: 3 per month (or around 1 per week)"
    )


def test_with_less_than_a_month_left_the_page_says_so_instead_of_dividing(tracking, sign_in, pages):
    sign_in(Role.MANAGER)
    page = pages.get("/forecasts/?as_of=15&as_of=3&as_of=2025")  # 17 days to 31 March 2025
    terms = {dd["id"]: text(dd) for dd in page.select("#terms dd")}
    further = terms["further"].split(" ")[0]
    assert terms["per-month"] == (f"Less than a month is left (17 days): all {further} further attachments are "
                                  "needed by 31 March 2025")
    assert terms["per-week"].startswith(f"{-(-int(further) * 7 // 17)}: {further} × 7 ÷ 17 days")
    assert terms["days-left"] == "17 days, from 15 March 2025 to the attachment deadline, 31 March 2025, both included"
    assert "per month" not in text(page.select_one("#paragraph"))
    assert "Less than a month left" in text(page.select_one("#scenarios"))


def test_the_shell_command_shows_the_families_tracked_by_year(tracking, app):
    result = app.test_cli_runner().invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01"])
    assert result.exit_code == 0, result.output
    out = result.output
    words = " ".join(out.split())
    assert "families tracked 5: attached by 1 October 2024 in any year of a programme phase still running" in words
    assert "progress against target 12%: 1 of 8 = 12.5%, rounded down" in words
    assert "required cohort 18: 6 ÷ 35% ≈ 17.1, rounded up" in words
    table = [line.split() for line in out.splitlines() if line.strip().startswith(("20", "total"))]
    assert table == [["2017-18", "1", "0", "0", "0", "0", "1", "0"], ["2022-23", "5", "1", "0", "1", "0", "0", "3"],
                     ["2023-24", "2", "0", "0", "0", "1", "0", "1"], ["2024-25", "2", "0", "1", "0", "0", "0", "1"],
                     ["total", "10", "1", "1", "1", "1", "1", "5"]]
    body = json.loads(app.test_cli_runner().invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01",
                                                         "--json"]).output)
    assert body["forecast"]["tracked"] == 5 and body["forecast"]["in_claims"] == 1
    assert [r["tracked"] for r in body["tracked_by_year"]] == [0, 3, 1, 1]
    assert body["forecast"]["terms"]["progress-sum"] == "12%: 1 of 8 = 12.5%, rounded down"


def test_the_shell_command_needs_only_the_attachment_deadline(tracking, app):
    runner = app.test_cli_runner()
    # The target's claim deadline (31 March 2026) is on or after the deadline given: it is kept.
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--attachment-deadline",
                                 "2025-06-30"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "days left 273 days, from 1 October 2024 to the attachment deadline, 30 June 2025" in words
    assert "claim deadline 31 March 2026" in words
    # A deadline after the target's claim deadline: the claim deadline is the end of its programme year.
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--attachment-deadline",
                                 "2026-06-30"])
    assert result.exit_code == 0, result.output
    assert "claim deadline 31 March 2027" in " ".join(result.output.split())
    result = runner.invoke(args=["tfclaims", "forecast", "--help"])
    assert "31 March at the end of the" in " ".join(result.output.split())


def test_the_shell_command_without_a_target_names_the_options_missing(db_session, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--attachment-deadline",
                                 "2025-03-31"])
    assert result.exit_code == 2
    assert "Give --target or set a target for the year" in result.output
    assert "--attachment-deadline" not in result.output.split("Error:")[1]
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--target", "8"])
    assert result.exit_code == 2
    assert "Give --attachment-deadline or set a target for the year" in result.output
    assert "Give --rate or set an assumed rate for the year" in result.output  # no cohort has matured
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--target", "8", "--rate", "35",
                                 "--attachment-deadline", "2025-03-31"])
    assert result.exit_code == 0, result.output
    assert "claim deadline 31 March 2025" in " ".join(result.output.split())  # the end of 2024-25
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--target", "8", "--rate", "35",
                                 "--attachment-deadline", "2025-03-31", "--claim-deadline", "2025-01-31"])
    assert result.exit_code == 2
    assert "--claim-deadline must be on or after --attachment-deadline" in result.output
    result = runner.invoke(args=["tfclaims", "forecast", "--as-of", "2024-10-01", "--target", "0"])
    assert result.exit_code == 2 and "Invalid value for '--target'" in result.output
