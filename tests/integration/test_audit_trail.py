"""The audit trail page: who may see it, what it shows, and its filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.audit.rules import HIDDEN_DETAIL, HIDDEN_SUMMARY
from tfclaims.audit.services import record, record_access
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Consent, Member
from tfclaims.progress.models import Event

URL = "/audit-trail/"


def add_event(actor=None, at: datetime | None = None, **fields) -> AuditEvent:
    event = AuditEvent(
        at=at or datetime.now(UTC),
        actor_id=actor.id if actor else None,
        actor_label=actor.name if actor else "system",
        action=fields.pop("action", "update"),
        entity=fields.pop("entity", "family"),
        entity_id=fields.pop("entity_id", 7),
        family_id=fields.pop("family_id", 7),
        summary=fields.pop("summary", ""),
        changes=fields.pop("changes", {}),
    )
    db.session.add(event)
    db.session.commit()
    return event


def rows(page) -> list[str]:
    return [" ".join(tr.get_text(" ").split()) for tr in page.select("tbody tr")]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR])
def test_managers_and_administrators_see_the_trail(pages, sign_in, role):
    user = sign_in(role)
    page = pages.get(URL)
    assert page.h1.get_text(strip=True) == "Audit trail"
    # Signing in is itself an audited event.
    assert any(user.name in row and "Signed in" in row for row in rows(page))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR])
def test_other_roles_are_refused(pages, sign_in, role):
    sign_in(role)
    pages.get(URL, status=403)


def test_shows_changed_fields_old_and_new(pages, sign_in, users):
    sign_in(Role.MANAGER)
    add_event(users[Role.COORDINATOR], entity="member", entity_id=42, family_id=9, summary="Kayla Brennan",
              changes={"surname": ["Smith", "Brennan"], "resident": [True, False], "upn": [None, "A123"]})
    page = pages.get(URL + "?entity=member")
    [row] = rows(page)
    assert users[Role.COORDINATOR].name in row
    assert "Changed" in row and "member 42" in row and "Kayla Brennan" in row
    changes = [" ".join(li.get_text(" ").split()) for li in page.select("tbody li")]
    assert changes == [
        'surname : "Smith" → changed to "Brennan"',
        "resident : true → changed to false",
        'upn : (none) → changed to "A123"',
    ]


def test_filters_by_who_action_record_family_and_dates(pages, sign_in, users):
    manager = sign_in(Role.MANAGER)
    coordinator = users[Role.COORDINATOR]
    first, second = factories.make_family("FLT-501", members=0), factories.make_family("FLT-502", members=0)
    long_ago = datetime(2023, 5, 10, 12, tzinfo=UTC)
    add_event(coordinator, action="create", entity="family", family_id=first.id, summary="first", at=long_ago)
    add_event(coordinator, action="update", entity="member", family_id=second.id, summary="second",
              at=long_ago + timedelta(days=30))
    add_event(manager, action="update", entity="family", family_id=first.id, summary="third",
              at=long_ago + timedelta(days=60))

    def summaries(query: str) -> list[str]:
        # Always within 2023, away from the events the test's own users made today.
        if "date_from" not in query:
            query += "&date_from=1&date_from=1&date_from=2023&date_to=31&date_to=12&date_to=2023"
        page = pages.get(URL + "?" + query)
        return [p.get_text(strip=True) for p in page.select("tbody td p")]

    assert summaries(f"actor={coordinator.id}") == ["second", "first"]
    assert summaries("action=create") == ["first"]
    assert summaries("entity=member") == ["second"]
    assert summaries("family=FLT-501") == ["third", "first"]
    assert summaries("family=flt-501") == ["third", "first"]  # as families store references
    assert summaries("family=FLT-503") == []  # no such family: no events, never the whole trail
    assert summaries("date_from=1&date_from=6&date_from=2023&date_to=30&date_to=6&date_to=2023") == ["second"]
    assert summaries("date_from=10&date_from=5&date_from=2023&date_to=10&date_to=5&date_to=2023") == ["first"]
    assert summaries(f"actor={manager.id}&entity=family&family=FLT-501") == ["third"]


def test_dates_are_london_days(pages, sign_in):
    sign_in(Role.MANAGER)
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (British Summer Time).
    add_event(entity="claim", summary="just after midnight", at=datetime(2023, 6, 1, 23, 30, tzinfo=UTC))

    def found(day: int) -> bool:
        page = pages.get(URL + f"?entity=claim&date_from={day}&date_from=6&date_from=2023"
                               f"&date_to={day}&date_to=6&date_to=2023")
        return "just after midnight" in text(page)

    assert (found(1), found(2)) == (False, True)
    assert "2 June 2023 at 00:30" in text(pages.get(URL + "?entity=claim"))


def test_choices_list_users_record_types_and_actions(pages, sign_in, users):
    sign_in(Role.ADMINISTRATOR)
    add_event(users[Role.AUDITOR], action="delete", entity="consent")
    page = pages.get(URL)
    who = [o.get_text(strip=True) for o in page.select("#actor option")]
    assert who[0] == "Anyone" and users[Role.AUDITOR].name in who
    assert "consent" in [o["value"] for o in page.select("#entity option")]
    assert "Deleted" in [o.get_text(strip=True) for o in page.select("#action option")]


def test_no_match_says_so(pages, sign_in):
    sign_in(Role.MANAGER)
    page = pages.get(URL + "?family=NOPE-999999")
    assert not page.select("tbody tr")
    assert "No audit events match these filters" in text(page)


def test_bad_filters_get_error_messages(pages, sign_in):
    sign_in(Role.MANAGER)
    page = pages.get(URL + "?family=%3Cb%3E&date_from=31&date_from=2&date_from=2024&date_to=1&date_to=1&date_to=2020")
    errors = [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")]
    assert errors == [
        "Family reference must start with a letter or number and use only letters, numbers, hyphens, underscores "
        "and slashes",
        "The from date must be a real date",
    ]
    page = pages.get(URL + "?family=" + "A" * 41)
    errors = [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")]
    assert errors == ["Family reference must be 40 characters or fewer"]
    assert page.title.get_text().startswith("Error:")
    page = pages.get(URL + "?date_from=2&date_from=2&date_from=2024&date_to=1&date_to=1&date_to=2024")
    errors = [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")]
    assert errors == ["The to date must be the same as or after the from date"]


def test_paginates_and_keeps_filters(pages, sign_in, app):
    sign_in(Role.MANAGER)
    for n in range(app.config["PAGE_SIZE"] + 3):
        add_event(entity="claim", family_id=None, summary=f"event {n}")
    page = pages.get(URL + "?entity=claim")
    assert len(rows(page)) == app.config["PAGE_SIZE"]
    next_link = page.select_one(".govuk-pagination__next a")["href"]
    assert "entity=claim" in next_link and "page=2" in next_link
    page = pages.get(next_link)
    assert len(rows(page)) == 3
    assert "Showing 26 to 28 of 28 events" in text(page)


def test_family_is_named_by_its_reference_and_linked_for_a_manager(pages, sign_in, client):
    sign_in(Role.MANAGER)
    family = factories.make_family("LNK-000123")
    page = pages.get(URL + "?family=LNK-000123&entity=family")
    cell = page.select("tbody tr")[0].select("td")[4]
    assert cell.get_text(strip=True) == "LNK-000123"
    assert cell.a["href"].endswith(f"/families/{family.id}")
    assert client.get(cell.a["href"]).status_code == 200


def test_an_event_of_a_removed_family_says_so(pages, sign_in):
    sign_in(Role.MANAGER)
    add_event(entity="family", family_id=987654, summary="gone")
    [row] = rows(pages.get(URL + "?entity=family"))
    assert "Removed family" in row and "987654" not in row


def test_a_change_through_a_service_appears_with_its_actor(pages, sign_in, client):
    admin = sign_in(Role.ADMINISTRATOR)
    pages.post("/admin/users/new", {"name": "Priya Shah", "email": "priya@brackenshire.example",
                                    "password": "a long enough password", "roles": ["auditor"]},
               redirects_to="/admin/users")
    page = pages.get(URL + f"?entity=user&action=create&actor={admin.id}")
    [row] = rows(page)
    assert '"priya@brackenshire.example"' in row and '"Priya Shah"' in row
    assert "password" not in row.lower()


# ---------------------------------------------------------------- no personal data through the back door
# A family whose every personal value is a distinctive string, written and changed through the models so that the
# audit listeners record them as they would in use, plus events written the old way, with names in their summaries.

REFERENCE = "PII-000777"
PERSONAL = {
    "forenames": "Zephyrine",
    "surname": "Quillbrook",
    "new surname": "Ormsbyvale",
    "date of birth": "1987-06-23",
    "postcode": "ZE2 9QX",
    "new postcode": "ZE3 4WY",
    "NHS number": "9434765870",
    "new NHS number": "9434765919",
    "NI number": "JT482913C",
    "UPN": "K801200001005",
    "PNC number": "03/1234567X",
    "case reference": "CASEQ778812",
    "family notes": "Familynote Brackenwhistle",
    "new family notes": "Familynote Larkspurgloam",
    "consent note": "Consentnote Marigoldquartz",
    "event note": "Eventnote Thistlewhumper",
    "evidence statement": "Statement Brindlewhisk",
    "second member": "Oswaldine",
    "search terms": "Searchterm Pumpernickel",
    "file name": "claim-qzxv-2019.csv",
}
# Forms a page might render a value in, besides the value itself.
ALSO_NEVER = ["23 June 1987", "23/06/1987", "ZE29QX"]


@pytest.fixture
def seeded_family():
    family = factories.make_family(REFERENCE, members=0, notes=PERSONAL["family notes"])
    member = Member(family_id=family.id, forenames=PERSONAL["forenames"], surname=PERSONAL["surname"],
                    date_of_birth=date(1987, 6, 23), sex="F", relationship_to_lead="lead_adult", resident=True,
                    postcode=PERSONAL["postcode"], nhs_number=PERSONAL["NHS number"], ni_number=PERSONAL["NI number"],
                    upn=PERSONAL["UPN"], pnc_number=PERSONAL["PNC number"], case_reference=PERSONAL["case reference"])
    other = Member(family_id=family.id, forenames=PERSONAL["second member"], surname=PERSONAL["surname"],
                   date_of_birth=date(2012, 2, 2), sex="M", relationship_to_lead="child", resident=True)
    db.session.add_all([member, other])
    db.session.commit()
    # Changed, so old and new values are both in the trail.
    member.surname, member.postcode = PERSONAL["new surname"], PERSONAL["new postcode"]
    member.nhs_number = PERSONAL["new NHS number"]
    family.notes = PERSONAL["new family notes"]
    db.session.add(Consent(member_id=member.id, family_id=family.id, status="given", recorded_on=date(2024, 1, 5),
                           lawful_basis="consent", note=PERSONAL["consent note"]))
    db.session.add(Event(family_id=family.id, member_id=member.id, kind="offence", occurred_on=date(2024, 2, 1),
                         source="police", note=PERSONAL["event note"]))
    db.session.commit()
    db.session.delete(other)
    # Events written the old way: names and free text in the summary; one whose family was not recorded.
    full_name = f"{PERSONAL['forenames']} {PERSONAL['surname']}"
    record(db.session, "evidence_signed_off", "manual_evidence", 1,
           f"Evidence for {full_name} signed off: {PERSONAL['evidence statement']}",
           changes={"statement": [None, PERSONAL["evidence statement"]]}, family_id=family.id)
    record(db.session, "delete", "member", 99, f"{PERSONAL['second member']} {PERSONAL['surname']} removed",
           changes={"surname": [PERSONAL["surname"], None], "date_of_birth": ["1987-06-23", None]})
    # Reads: the family page viewed, a search by name that listed the family, a download naming it.
    record_access(db.session, "viewed", "family page", family_id=family.id, path=f"/families/{family.id}")
    record_access(db.session, "searched", "family search", path="/families/",
                  detail={"terms": PERSONAL["search terms"], "results": 1, "family_ids": [family.id]})
    record_access(db.session, "downloaded", "claim lines (CSV)", path="/claims/1/claim.csv",
                  detail={"file": PERSONAL["file name"], "claim_id": 1, "family_ids": [family.id]})
    db.session.commit()
    return family


def crawl(client, start: str) -> dict[str, str]:
    """Every page of the trail from ``start``: each filter option of the select boxes, the family filter, and every
    page of each, as {url: html}. Each must answer 200."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        seen[url] = html
        page = BeautifulSoup(html, "html.parser")
        next_link = page.select_one(".govuk-pagination__next a")
        if next_link:
            queue.append(next_link["href"])
        if url == start:
            for name in ("show", "actor", "entity", "action"):
                queue += [URL + "?" + urlencode({name: o["value"]}) for o in page.select(f"#{name} option")
                          if o["value"]]
            queue.append(URL + "?" + urlencode({"family": REFERENCE}))
    return seen


def test_an_administrator_sees_no_personal_value_anywhere_in_the_trail(client, sign_in, seeded_family):
    sign_in(Role.ADMINISTRATOR)
    seen = crawl(client, URL)
    assert len(seen) > 10  # the start, each record type, action and user, and the family filter
    leaks = {(url, value) for url, html in seen.items() for value in [*PERSONAL.values(), *ALSO_NEVER]
             if value in html}
    assert leaks == set()
    # What remains: the event, who, when, the record type and the family's reference, but no link to a page the
    # administrator may not open.
    family_page = seen[URL + "?" + urlencode({"family": REFERENCE})]
    page = BeautifulSoup(family_page, "html.parser")
    assert HIDDEN_SUMMARY in family_page and "(hidden)" in family_page
    assert "your role cannot open family records" in family_page
    assert any("member" in row and "Created" in row and REFERENCE in row for row in rows(page))
    assert page.select("tbody a") == []
    assert f"/families/{seeded_family.id}" not in "".join(seen.values())
    # Reads too: who read what and when, with their particulars hidden and the family named but not linked.
    reads = [row for row in rows(page) if "Viewed" in row or "Searched" in row or "Downloaded" in row]
    assert len(reads) == 3
    assert any("Viewed" in row and "family page" in row and REFERENCE in row for row in reads)
    assert any("Searched" in row and "family search" in row and HIDDEN_DETAIL in row for row in reads)
    assert any("Downloaded" in row and "claim lines (CSV)" in row and HIDDEN_DETAIL in row for row in reads)


def test_a_manager_sees_the_personal_values_and_every_link_opens(client, sign_in, seeded_family):
    sign_in(Role.MANAGER)
    seen = crawl(client, URL)
    everything = "".join(seen.values())
    assert [value for value in PERSONAL.values() if value not in everything] == []
    assert HIDDEN_SUMMARY not in everything and "your role cannot open family records" not in everything
    links = {a["href"] for html in seen.values() for a in BeautifulSoup(html, "html.parser").select("tbody a")}
    assert f"/families/{seeded_family.id}" in links
    assert {href: client.get(href).status_code for href in links} == dict.fromkeys(links, 200)


# ---------------------------------------------------------------- reads of personal data in the trail


add_read = factories.access_event


IN_2023 = "&date_from=1&date_from=1&date_from=2023&date_to=31&date_to=12&date_to=2023"


@pytest.fixture
def reads_and_changes(users):
    """In May 2023, about FLT-601: a change, a view, a search that listed it (with FLT-602), a claim download
    naming it; about FLT-602 only: a view; a search that found nothing."""
    coordinator, officer = users[Role.COORDINATOR], users[Role.CLAIMS_OFFICER]
    first, second = factories.make_family("FLT-601", members=0), factories.make_family("FLT-602", members=0)
    day = datetime(2023, 5, 10, 9, tzinfo=UTC)
    add_event(coordinator, action="update", entity="family", family_id=first.id, summary="a change", at=day)
    add_read(coordinator, day + timedelta(hours=1), family_id=first.id)
    add_read(officer, day + timedelta(hours=2), action="searched", what="family search",
             detail={"terms": "Brennan", "results": 2, "family_ids": [first.id, second.id]})
    add_read(officer, day + timedelta(hours=3), action="downloaded", what="claim pack (PDF)",
             detail={"file": "claim-2019-20-q2.pdf", "claim_id": 4, "family_ids": [first.id]})
    add_read(coordinator, day + timedelta(hours=4), family_id=second.id)
    add_read(officer, day + timedelta(hours=5), action="searched", what="family search",
             detail={"terms": "Nobody", "results": 0, "family_ids": []})
    return first, second


def described(page) -> list[str]:
    """Each row as action and record (a change's record type, a read's what)."""
    return [" / ".join(td.get_text(" ", strip=True) for td in tr.select("td")[2:4]) for tr in page.select("tbody tr")]


def test_the_trail_shows_changes_reads_or_both(pages, sign_in, reads_and_changes):
    sign_in(Role.MANAGER)
    both = [
        "Searched / family search", "Viewed / family page", "Downloaded / claim pack (PDF)",
        "Searched / family search", "Viewed / family page", "Changed / family 7",
    ]
    page = pages.get(URL + "?" + IN_2023[1:])
    assert [row.split(" 7")[0] for row in described(page)][:-1] == both[:-1]
    assert described(page)[-1].startswith("Changed / family")
    assert described(pages.get(URL + "?show=reads" + IN_2023)) == both[:-1]
    assert [row.split(" / ")[0] for row in described(pages.get(URL + "?show=changes" + IN_2023))] == ["Changed"]
    # A record type is a change's: filtering by one shows no reads.
    assert [r.split(" / ")[0] for r in described(pages.get(URL + "?entity=family" + IN_2023))] == ["Changed"]
    assert described(pages.get(URL + "?action=downloaded" + IN_2023)) == ["Downloaded / claim pack (PDF)"]
    assert described(pages.get(URL + "?action=viewed&show=changes" + IN_2023)) == []
    assert "Viewed" in [o.get_text(strip=True) for o in page.select("#action option")]


def test_who_has_looked_at_this_family(pages, sign_in, users, reads_and_changes):
    """The family filter finds every read of the family: its page viewed, a search that listed it, a file naming
    it; not the reads of other families."""
    first, second = reads_and_changes
    sign_in(Role.MANAGER)
    page = pages.get(URL + "?show=reads&family=FLT-601")
    assert described(page) == ["Downloaded / claim pack (PDF)", "Searched / family search", "Viewed / family page"]
    cells = [tr.select("td") for tr in page.select("tbody tr")]
    assert [c[1].get_text(strip=True) for c in cells] == [
        users[Role.CLAIMS_OFFICER].name, users[Role.CLAIMS_OFFICER].name, users[Role.COORDINATOR].name]
    # A manager sees each read's particulars, with the families named by reference and the viewed family linked.
    assert "File: claim-2019-20-q2.pdf" in text(cells[0][5]) and "Families listed: FLT-601" in text(cells[0][5])
    assert "Searched for: Brennan" in text(cells[1][5]) and "Families listed: FLT-601, FLT-602" in text(cells[1][5])
    assert cells[2][4].a["href"].endswith(f"/families/{first.id}")
    assert described(pages.get(URL + "?show=reads&family=FLT-602")) == [
        "Viewed / family page", "Searched / family search"]
    assert described(pages.get(URL + "?family=FLT-603")) == []  # no such family: nothing, never everything
    # Both: the family's changes as well (its creation today, the change in 2023).
    assert [r.split(" / ")[0] for r in described(pages.get(URL + "?family=FLT-601"))] == [
        "Created", "Downloaded", "Searched", "Viewed", "Changed"]


def test_an_administrator_sees_reads_without_their_particulars(pages, sign_in, users, reads_and_changes):
    first, _ = reads_and_changes
    sign_in(Role.ADMINISTRATOR)
    page = pages.get(URL + "?show=reads&family=FLT-601")
    html = str(page)
    assert described(page) == ["Downloaded / claim pack (PDF)", "Searched / family search", "Viewed / family page"]
    for secret in ("Brennan", "claim-2019-20-q2.pdf", "Families listed", f"/families/{first.id}"):
        assert secret not in html
    assert page.select("tbody a") == []
    assert html.count(HIDDEN_DETAIL) == 2  # the view has no particulars to hide
    assert "FLT-601" in text(page.select("tbody tr")[2])  # named, as changes are, but not linked


def test_reads_and_changes_page_together(pages, sign_in, app):
    sign_in(Role.MANAGER)
    day = datetime(2023, 3, 1, 12, tzinfo=UTC)
    size = app.config["PAGE_SIZE"]
    for n in range(size):
        add_event(entity="claim", family_id=None, summary=f"change {n}", at=day + timedelta(minutes=2 * n))
        add_read(at=day + timedelta(minutes=2 * n + 1), action="downloaded", what=f"read {n}")
    page = pages.get(URL + "?" + IN_2023[1:])
    assert f"Showing 1 to {size} of {2 * size} events" in text(page)
    first_page = described(page)
    assert first_page[0] == f"Downloaded / read {size - 1}" and first_page[1].startswith("Changed / claim")
    next_page = described(pages.get(page.select_one(".govuk-pagination__next a")["href"]))
    assert len(next_page) == size and next_page[-1].startswith("Changed / claim")
    assert not set(first_page) & {r for r in next_page if r.startswith("Downloaded")}


def test_a_bad_show_value_gets_an_error_message(pages, sign_in):
    sign_in(Role.MANAGER)
    page = pages.get(URL + "?show=everything")
    assert [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")] == [
        "Select changes, reads of personal data, or both"]


@pytest.mark.parametrize("value", ["9" * 40, "1e309", "2021-02-31", "x" * 10_000, "reads\u00a0", "READS"])
def test_odd_values_in_the_show_filter_are_not_server_errors(client, sign_in, value):
    sign_in(Role.ADMINISTRATOR)
    response = client.get(URL, query_string={"show": value, "family": "FLT-1", "action": value})
    assert response.status_code == 200
    assert "Select changes, reads of personal data, or both" in response.get_data(as_text=True)
