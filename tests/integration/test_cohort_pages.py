"""The cohort lists through the pages, on real data: ready to claim, nearly there, the claim calendar, the CSVs."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
import pytest

from tests import factories
from tests.claims_cohort import make_window, submitted_claim
from tests.pages import text
from tests.progress_helpers import attach, descriptor
from tfclaims.auth.roles import Role
from tfclaims.claims import services
from tfclaims.claims.models import INVALID, PIPELINE, REJECTED
from tfclaims.extensions import db
from tfclaims.families.services import ProblemInput, attach_family
from tfclaims.progress.models import EVIDENCE_ACCEPTED, EmploymentSpell, Event, ManualEvidence

AS_OF = date(2019, 8, 1)
READERS = (Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)
CSV_HEADINGS = [
    "Family reference",
    "Team",
    "Lead practitioner",
    "Route",
    "Claimable from",
    "Plan version",
    "Problems",
    "Problems sustained",
    "Reason",
]


def as_of(d: date = AS_OF) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def url(path: str, **params) -> str:
    params.setdefault("as_of", as_of())
    return f"{path}?{urlencode(params, doseq=True)}"


def references(page) -> list[str]:
    table = page.select_one("table.govuk-table")
    if table is None:
        return []
    return [row.select_one("td").get_text(strip=True) for row in table.select("tbody tr")]


def count(cell) -> str:
    """A calendar cell's number (a link's visible part, without the words for screen readers)."""
    return str(cell.a.contents[0]).strip() if cell.a else text(cell)


def read_csv(response) -> pd.DataFrame:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype=str, keep_default_na=False)


def _attach(family, version, attached_on: date, problem_numbers: tuple[int, ...]):
    """Attach through the service, each problem concerning the lead adult."""
    lead = family.members[0]
    inputs = [ProblemInput(descriptor(version, n).id, lead.id, attached_on) for n in problem_numbers]
    attachment = attach_family(family, attached_on, inputs)
    db.session.commit()
    return attachment


def _signed_off(attachment, problem_number: int, decided_on: date, user) -> None:
    problem = next(p.problem for p in attachment.problems if p.problem.number == problem_number)
    db.session.add(
        ManualEvidence(
            family_id=attachment.family_id,
            attachment_id=attachment.id,
            problem_id=problem.id,
            statement="Engaged with treatment for six months.",
            progress_from=date(2019, 3, 1),
            recorded_by_id=user.id,
            status=EVIDENCE_ACCEPTED,
            decided_by_id=user.id,
            decided_on=decided_on,
            decision_reason="GP letter seen",
        )
    )


@pytest.fixture
def cohort(users):
    """As of 1 August 2019:
    - BRK-READY: no domestic abuse for six months and health signed off: claimable by SSP from 9 July 2019;
    - BRK-WORK: an adult on JSA in work 26 weeks: claimable by CE from 7 July 2019;
    - BRK-NEARLY: health signed off, school attendance not met: all but one problem sustained, no date;
    - BRK-SOON: offending down and no domestic abuse since April: expected by SSP on 30 September 2019;
    - BRK-NOT: nothing recorded: not claimable, not nearly there, no date.
    """
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    manager = users[Role.MANAGER]
    made = {}

    ready = factories.make_family("BRK-READY", team="North locality", lead_practitioner="Sam Keyworker")
    attachment = _attach(ready, version, date(2019, 1, 10), (5, 6))
    _signed_off(attachment, 6, date(2019, 4, 1), manager)
    made["ready"] = ready

    work = factories.make_family("BRK-WORK", team="North locality", lead_practitioner="Sam Keyworker")
    _attach(work, version, date(2019, 1, 7), (2, 4))
    db.session.add(
        EmploymentSpell(
            family_id=work.id,
            member_id=work.members[0].id,
            started_on=date(2019, 1, 7),
            ended_on=None,
            hours_per_week=30,
            prior_benefit="JSA",
        )
    )
    made["work"] = work

    nearly = factories.make_family("BRK-NEARLY", team="South locality", lead_practitioner="Jo Okafor")
    attachment = _attach(nearly, version, date(2019, 1, 10), (2, 6))
    _signed_off(attachment, 6, date(2019, 5, 1), manager)
    made["nearly"] = nearly

    soon = factories.make_family("BRK-SOON", team="South locality", lead_practitioner="Jo Okafor")
    for day in (date(2019, 2, 1), date(2019, 3, 1)):
        db.session.add(
            Event(family_id=soon.id, member_id=soon.members[2].id, kind="asb", occurred_on=day, source="police")
        )
    _attach(soon, version, date(2019, 4, 1), (1, 5))
    made["soon"] = soon

    nothing = factories.make_family("BRK-NOT", team="North locality", lead_practitioner="Sam Keyworker")
    _attach(nothing, version, date(2019, 1, 10), (2, 6))
    made["not"] = nothing
    db.session.commit()
    made["version"] = version
    return made


@pytest.fixture
def manager(sign_in):
    return sign_in(Role.MANAGER)


def test_ready_to_claim_lists_claimable_families_earliest_first(pages, manager, cohort):
    page = pages.get(url("/cohort/ready"))
    assert page.select_one("h1").get_text(strip=True) == "Ready to claim"
    assert text(page.select_one("#list-count")) == "2 families ready to claim as of 1 August 2019"
    assert references(page) == ["BRK-WORK", "BRK-READY"]
    rows = [[text(cell) for cell in row.select("td")] for row in page.select("table tbody tr")]
    assert rows[0][1:] == ["North locality", "Sam Keyworker", "CE", "7 July 2019", cohort["version"].label, "1 of 2"]
    assert rows[1][3:5] == ["SSP", "9 July 2019"]
    link = page.select_one("table tbody tr a")
    assert link["href"] == f"/families/{cohort['work'].id}"
    assert page.select_one("table caption").get_text(strip=True).startswith("Families ready to claim")


def test_nearly_there_shows_what_is_left_and_the_expected_date(pages, manager, cohort):
    page = pages.get(url("/cohort/nearly-there"))
    assert text(page.select_one("#list-count")) == "2 families nearly there as of 1 August 2019"
    assert references(page) == ["BRK-SOON", "BRK-NEARLY"]
    soon, nearly = ([text(cell) for cell in row.select("td")] for row in page.select("table tbody tr"))
    assert soon[3:] == [
        "0 of 2",
        "Not yet sustained: Parents or children involved in crime or anti-social behaviour (progressing); "
        "Families affected by domestic violence and abuse (progressing).",
        "30 September 2019 by SSP",
        "Expected within 3 months",
    ]
    assert nearly[3:] == [
        "1 of 2",
        "Not yet sustained: Children not attending school regularly (not met).",
        "Not known yet",
        "All but one problem sustained",
    ]


def test_calendar_counts_by_quarter_and_route_and_links_to_the_families(pages, manager, cohort):
    page = pages.get(url("/cohort/calendar"))
    assert text(page.select_one("#list-count")) == "5 families in the calendar as of 1 August 2019"
    table = page.select_one("#claim-calendar")
    assert [text(th) for th in table.select("thead th")] == ["Quarter", "SSP", "CE", "SFO", "Total"]
    rows = {text(row.select_one("th")): [count(cell) for cell in row.select("td")] for row in table.select("tbody tr")}
    assert rows == {"2019-20 Q2": ["2", "1", "0", "3"], "No date yet": ["0", "0", "0", "2"]}
    assert list(rows) == ["2019-20 Q2", "No date yet"]  # no date last

    ssp = table.select("tbody tr")[0].select("td")[0].a
    assert text(ssp) == "2 families claimable in 2019-20 Q2 by SSP"
    target = urlsplit(ssp["href"])
    assert target.path == "/cohort/calendar/2019-20-q2"
    assert parse_qs(target.query) == {"route": ["SSP"], "as_of": ["1", "8", "2019"]}
    quarter = pages.get(ssp["href"])
    assert quarter.select_one("h1").get_text(strip=True) == "Claimable in 2019-20 Q2 by SSP"
    assert references(quarter) == ["BRK-READY", "BRK-SOON"]
    assert "30 September 2019 (expected)" in text(quarter.select_one("table"))
    back = quarter.select_one(".govuk-back-link")
    assert back["href"] == "/cohort/calendar?as_of=1&as_of=8&as_of=2019"

    total = table.select("tbody tr")[1].select("td")[-1].a
    undated = pages.get(total["href"])
    assert urlsplit(total["href"]).path == "/cohort/calendar/no-date"
    assert undated.select_one("h1").get_text(strip=True) == "No claimable date yet"
    assert references(undated) == ["BRK-NEARLY", "BRK-NOT"]
    assert text(undated.select_one("#list-count")) == "2 families as of 1 August 2019"


def test_a_quarter_that_is_not_one_is_not_found(pages, manager, cohort):
    for slug in ("2019-21-q2", "2019-20-q5", "spring"):
        pages.get(url(f"/cohort/calendar/{slug}"), status=404)


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/cohort/ready", {"team": "North locality"}, ["BRK-WORK", "BRK-READY"]),
        ("/cohort/ready", {"team": "South locality"}, []),
        ("/cohort/nearly-there", {"practitioner": "Jo Okafor"}, ["BRK-SOON", "BRK-NEARLY"]),
        ("/cohort/nearly-there", {"practitioner": "Sam Keyworker"}, []),
        ("/cohort/ready", {"problem": 4}, ["BRK-WORK"]),
        ("/cohort/nearly-there", {"problem": 2}, ["BRK-NEARLY"]),
        ("/cohort/nearly-there", {"status": "progressing"}, ["BRK-SOON"]),
        ("/cohort/ready", {"status": "not_met"}, ["BRK-WORK"]),
        ("/cohort/ready", {"problem": 6, "status": "sustained"}, ["BRK-READY"]),
        ("/cohort/calendar/no-date", {"problem": 6, "status": "not_met"}, ["BRK-NOT"]),
        ("/cohort/calendar/2019-20-q2", {"team": "South locality"}, ["BRK-SOON"]),
    ],
)
def test_filters(pages, manager, cohort, path, params, expected):
    problem_ids = {p.number: p.id for p in cohort["version"].plan.framework.problems}
    if "problem" in params:
        params = params | {"problem": problem_ids[params["problem"]]}
    page = pages.get(url(path, **params))
    assert references(page) == expected
    for name, value in params.items():
        chosen = page.select_one(f"select#{name} option[selected]")
        assert chosen["value"] == str(value)
    assert page.select_one(".app-filter a")["href"] == path  # clear filters


def test_calendar_counts_follow_the_filters(pages, manager, cohort):
    page = pages.get(url("/cohort/calendar", team="South locality"))
    rows = [[text(cell) for cell in row.select("th, td")] for row in page.select("#claim-calendar tbody tr")]
    assert [row[0] for row in rows] == ["2019-20 Q2", "No date yet"]
    link = urlsplit(page.select_one("#claim-calendar tbody tr td a")["href"])
    assert (link.path, parse_qs(link.query)) == (
        "/cohort/calendar/2019-20-q2",
        {"route": ["SSP"], "as_of": ["1", "8", "2019"], "team": ["South locality"]},
    )
    assert text(page.select_one("#list-count")) == "2 families in the calendar as of 1 August 2019"


def test_ready_to_claim_csv_keeps_the_filters(pages, client, manager, cohort):
    page = pages.get(url("/cohort/ready", team="North locality", practitioner="Sam Keyworker"))
    href = page.select_one("#download-csv")["href"]
    assert urlsplit(href).path == "/cohort/ready.csv"
    assert parse_qs(urlsplit(href).query)["team"] == ["North locality"]
    response = client.get(href)
    assert response.headers["Content-Disposition"] == 'attachment; filename="ready-to-claim-2019-08-01.csv"'
    frame = read_csv(response)
    assert list(frame.columns) == CSV_HEADINGS
    assert frame[["Family reference", "Team", "Lead practitioner", "Route", "Claimable from"]].values.tolist() == [
        ["BRK-WORK", "North locality", "Sam Keyworker", "CE", "2019-07-07"],
        ["BRK-READY", "North locality", "Sam Keyworker", "SSP", "2019-07-09"],
    ]
    assert frame["Problems sustained"].tolist() == ["1", "2"]
    assert frame["Reason"][1].startswith("Claimable from 9 July 2019: significant and sustained progress")
    south = read_csv(client.get(url("/cohort/ready.csv", team="South locality")))
    assert list(south.columns) == CSV_HEADINGS and south.empty


def test_nearly_there_and_calendar_csvs(client, manager, cohort):
    response = client.get(url("/cohort/nearly-there.csv"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="nearly-there-2019-08-01.csv"'
    frame = read_csv(response)
    assert frame["Family reference"].tolist() == ["BRK-SOON", "BRK-NEARLY"]
    assert frame["Expected to be claimable from"].tolist() == ["2019-09-30", ""]
    assert frame["Expected route"].tolist() == ["SSP", ""]
    assert frame["What is left"][1] == "Not yet sustained: Children not attending school regularly (not met)."
    assert frame["Why listed"].tolist() == ["Expected within 3 months", "All but one problem sustained"]

    response = client.get(url("/cohort/calendar.csv"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="claim-calendar-2019-08-01.csv"'
    frame = read_csv(response)
    assert frame[["Quarter", "Family reference", "Claimable on the as-of date", "Route"]].values.tolist() == [
        ["2019-20 Q2", "BRK-WORK", "Yes", "CE"],
        ["2019-20 Q2", "BRK-READY", "Yes", "SSP"],
        ["2019-20 Q2", "BRK-SOON", "No", "SSP"],
        ["No date yet", "BRK-NEARLY", "No", ""],
        ["No date yet", "BRK-NOT", "No", ""],
    ]

    response = client.get(url("/cohort/calendar/2019-20-q2/families.csv", route="CE"))
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="claim-calendar-2019-20-q2-ce-2019-08-01.csv"'
    )
    assert read_csv(response)["Family reference"].tolist() == ["BRK-WORK"]


@pytest.mark.parametrize(
    ("date_parts", "message"),
    [
        (["31", "2", "2019"], "The as-of date must be a real date"),
        (["1", "", "2019"], "The as-of date must include a month"),
        (["1", "8", "19"], "The as-of date must be a real date"),
        (["1", "8", "3019"], "The as-of date must be before 2100"),
        (["one", "8", "2019"], "The as-of date must be a real date"),
    ],
)
@pytest.mark.parametrize("path", ["/cohort/ready", "/cohort/nearly-there", "/cohort/calendar"])
def test_a_bad_as_of_date_is_explained(pages, client, manager, cohort, path, date_parts, message):
    page = pages.get(url(path, as_of=date_parts))
    summary = page.select_one(".govuk-error-summary")
    assert [text(a) for a in summary.select("li a")] == [message]
    assert summary.select_one("a")["href"] == "#as_of-day"
    assert message in text(page.select_one("#as_of-error"))
    assert page.select_one("title").get_text(strip=True).startswith("Error: ")
    assert [box["value"] for box in page.select("#as_of input")] == date_parts  # what was typed is kept
    assert page.select_one("table") is None
    assert text(page.select_one("#list-count")) == "Correct the as-of date above to see the list."
    response = client.get(url(f"{path}.csv", as_of=date_parts))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{path}?")


def test_the_as_of_date_is_today_unless_given(pages, manager, cohort):
    today = date.today()
    page = pages.get("/cohort/ready")
    assert [box["value"] for box in page.select("#as_of input")] == [
        f"{today.day:02d}",
        f"{today.month:02d}",
        str(today.year),
    ]
    assert text(page.select_one("#list-count")).endswith(f"as of {today.day} {today:%B %Y}")
    # By today the families expected in September 2019 have long been claimable.
    assert references(page) == ["BRK-WORK", "BRK-READY", "BRK-SOON"]
    assert page.select_one(".app-filter a") is None  # nothing to clear


def test_before_any_attachment_the_lists_are_empty(pages, manager, cohort):
    for path in ("/cohort/ready", "/cohort/nearly-there", "/cohort/calendar"):
        page = pages.get(url(path, as_of=as_of(date(2018, 12, 31))))
        assert page.select_one("table") is None
        assert text(page.select_one("#list-count")).startswith("0 families")


def test_long_lists_are_paginated_but_the_csv_is_whole(pages, client, manager, cohort):
    version = cohort["version"]
    for n in range(50):
        # Offending and domestic abuse with none before or since attachment: sustained six months on.
        attach(factories.make_family(f"BRK-P{n:03d}"), version, attached_on=date(2019, 1, 1), problem_numbers=(1, 5))
    first = pages.get(url("/cohort/ready"))
    assert text(first.select_one("#list-count")) == "52 families ready to claim as of 1 August 2019"
    assert len(references(first)) == 50
    assert "(showing 1 to 50)" in text(first.select_one("caption"))
    next_page = first.select_one(".govuk-pagination__next a")["href"]
    assert parse_qs(urlsplit(next_page).query) == {"as_of": ["1", "8", "2019"], "page": ["2"]}
    second = pages.get(next_page)
    assert references(second) == ["BRK-WORK", "BRK-READY"]  # claimable from 7 and 9 July; the rest from 30 June
    assert "(showing 51 to 52)" in text(second.select_one("caption"))
    assert (
        pages.get(url("/cohort/ready", page="99")).select_one(".govuk-pagination__item--current").get_text(strip=True)
        == "2"
    )
    assert "page" not in second.select_one("#download-csv")["href"]
    assert len(read_csv(client.get(second.select_one("#download-csv")["href"]))) == 52


def test_sub_navigation_links_the_lists_keeping_the_filters(pages, manager, cohort):
    page = pages.get(url("/cohort/nearly-there", team="South locality"))
    links = page.select(".app-sub-navigation a")
    assert [text(a) for a in links] == ["Ready to claim", "Nearly there", "Claim calendar", "Claimed"]
    assert [a.get("aria-current") for a in links] == [None, "page", None, None]
    calendar = urlsplit(links[2]["href"])
    assert calendar.path == "/cohort/calendar"
    assert parse_qs(calendar.query) == {"as_of": ["1", "8", "2019"], "team": ["South locality"]}
    quarter = pages.get(url("/cohort/calendar/2019-20-q2", route="SSP"))
    assert [a.get("aria-current") for a in quarter.select(".app-sub-navigation a")] == [None, None, "true", None]
    assert "route" not in quarter.select(".app-sub-navigation a")[2]["href"]
    assert quarter.select_one(".app-filter input[name=route]")["value"] == "SSP"


@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
def test_readers_see_the_lists_and_the_navigation(pages, client, sign_in, cohort, role):
    sign_in(role)
    page = pages.get(url("/cohort/ready"))
    nav = page.select_one(".govuk-service-navigation")
    cohort_link = next(a for a in nav.select("a, strong") if text(a) == "Cohort")
    assert "--active" in " ".join(cohort_link.find_parent("li")["class"])
    for path in ("/cohort/nearly-there", "/cohort/calendar", "/cohort/calendar/2019-20-q2", "/cohort/claimed"):
        pages.get(url(path))
    assert client.get(url("/cohort/calendar.csv")).status_code == 200
    assert client.get(url("/cohort/claimed.csv")).status_code == 200
    home = pages.get("/home")
    assert any(a.get("href") == "/cohort/ready" for a in home.select(".govuk-service-navigation a"))


def test_administrators_are_refused_and_not_shown_the_link(pages, client, sign_in, cohort):
    sign_in(Role.ADMINISTRATOR)
    for path in ("/cohort/ready", "/cohort/ready.csv", "/cohort/nearly-there.csv", "/cohort/calendar/no-date"):
        assert client.get(url(path)).status_code == 403
    home = pages.get("/home")
    assert not any(a.get("href", "").startswith("/cohort") for a in home.select(".govuk-service-navigation a"))


def test_signed_out_visitors_are_sent_to_sign_in(client, db_session):
    response = client.get(url("/cohort/ready.csv"))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


# ---------------------------------------------------------------- claimed families are claimed (issue 11, item 1)


def _claim(cohort, users, *keys):
    """A submitted claim of the July-September 2019 window holding the families (judged as of 30 September)."""
    return submitted_claim(make_window(), [cohort[k].id for k in keys], users)


def _table_refs(page, selector: str) -> list[str]:
    table = page.select_one(selector)
    return [] if table is None else [text(row.select_one("td")) for row in table.select("tbody tr")]


def test_a_family_in_a_submitted_claim_is_not_offered_and_is_marked_claimed(pages, client, users, manager, cohort):
    calendar_before = read_csv(client.get(url("/cohort/calendar.csv")))
    claim = _claim(cohort, users, "ready", "soon")
    page = pages.get(url("/cohort/ready"))
    assert text(page.select_one("#list-count")) == "1 family ready to claim as of 1 August 2019"
    assert _table_refs(page, "table.govuk-table:not(#claimed-families)") == ["BRK-WORK"]
    # Shown under the list as claimed, with its claim (a link for a manager), the window and the route.
    claimed = page.select_one("#claimed-families tbody tr")
    assert [text(td) for td in claimed.select("td")] == ["BRK-READY", "Claimed", claim.reference, "2019-20 Q2", "SSP"]
    assert claimed.select("a")[1]["href"] == f"/claims/{claim.id}"
    assert "BRK-READY" not in set(read_csv(client.get(url("/cohort/ready.csv")))["Family reference"])
    # Nearly there (BRK-SOON was expected within three months) and the calendar leave them out too.
    nearly = pages.get(url("/cohort/nearly-there"))
    assert "BRK-SOON" not in references(nearly)
    assert "1 family already claimed" in text(nearly.select_one("#claimed-left-out"))
    calendar = read_csv(client.get(url("/cohort/calendar.csv")))
    assert len(calendar) == len(calendar_before) - 2
    assert not {"BRK-READY", "BRK-SOON"} & set(calendar["Family reference"])
    assert "2 families already claimed" in text(pages.get(url("/cohort/calendar")).select_one("#claimed-left-out"))
    # The claimed list has both, with the phase.
    listed = pages.get(url("/cohort/claimed"))
    assert _table_refs(listed, "#claimed-families") == ["BRK-READY", "BRK-SOON"]
    assert "Troubled Families 2015-21: results" in text(listed.select_one("#claimed-families"))
    rows = read_csv(client.get(url("/cohort/claimed.csv")))
    assert rows["Family reference"].tolist() == ["BRK-READY", "BRK-SOON"]
    assert rows["Claim"].tolist() == [claim.reference] * 2
    assert rows["Claimed or invalid"].tolist() == ["Claimed", "Claimed"]


def test_the_family_page_shows_the_claim_and_the_claim_history(pages, client, users, sign_in, cohort):
    claim = _claim(cohort, users, "ready")
    sign_in(Role.MANAGER)
    page = pages.get(f"/families/{cohort['ready'].id}")
    claimed = text(page.select_one("#family-claimed"))
    assert "Claimed" in claimed and f"in claim {claim.reference} (submitted), window 2019-20 Q2, by SSP" in claimed
    assert "Troubled Families 2015-21: results" in claimed
    assert page.select_one("#family-claimed a")["href"] == f"/claims/{claim.id}"
    # The engine's panel says claimed too, never the green "Claimable from" of a family ready to claim.
    assert page.select_one(".govuk-panel--confirmation") is None
    assert f"Claimed: in claim {claim.reference}, window 2019-20 Q2" in text(page.select_one("#family-verdict"))
    [row] = page.select("#claim-history tbody tr")
    cells = [text(td) for td in row.select("td")]
    assert cells == [f"{claim.reference} Submitted", "2019-20 Q2", "Troubled Families 2015-21: results", "SSP",
                     "Yes", "Pass", "Awaited"]
    # A coordinator reads the family page but not claims: no link, no internal audit verdict.
    client.post("/sign-out")
    sign_in(Role.COORDINATOR)
    page = pages.get(f"/families/{cohort['ready'].id}")
    assert page.select_one("#family-claimed a") is None
    assert "Internal audit" not in text(page.select_one("#claim-history thead"))
    assert claim.reference in text(page.select_one("#family-claimed"))
    # A family never claimed has no claims section.
    assert pages.get(f"/families/{cohort['work'].id}").select_one("#claims") is None


def test_a_family_rejected_and_returned_to_the_pipeline_is_offered_again(pages, users, manager, cohort):
    claim = _claim(cohort, users, "ready", "work")
    lines = {line.family_reference: line for line in claim.lines}
    services.record_outcome(lines["BRK-READY"], outcome=REJECTED, reason="Attachment date not evidenced",
                            disposition=PIPELINE)
    services.record_outcome(lines["BRK-WORK"], outcome=REJECTED, reason="Not eligible", disposition=INVALID)
    db.session.commit()
    page = pages.get(url("/cohort/ready"))
    assert _table_refs(page, "table.govuk-table:not(#claimed-families)") == ["BRK-READY"]
    # The invalid result is never offered again, and says so.
    row = page.select_one("#claimed-families tbody tr")
    assert [text(td) for td in row.select("td")][:2] == ["BRK-WORK", "Result invalid"]
    family = pages.get(f"/families/{cohort['ready'].id}")
    assert family.select_one("#family-claimed") is None
    assert "Rejected: Attachment date not evidenced (returned to the pipeline)" in text(
        family.select_one("#claim-history")
    )
    assert family.select_one(".govuk-panel--confirmation") is not None  # offered again: claimable
    invalid_page = pages.get(f"/families/{cohort['work'].id}")
    assert "Result invalid" in text(invalid_page.select_one("#family-verdict"))
    invalid = text(invalid_page.select_one("#family-claimed"))
    assert "Result invalid" in invalid and "cannot be claimed again in Troubled Families 2015-21: results" in invalid
