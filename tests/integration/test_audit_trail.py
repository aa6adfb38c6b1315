"""The audit trail page: who may see it, what it shows, and its filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db

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
    long_ago = datetime(2023, 5, 10, 12, tzinfo=UTC)
    add_event(coordinator, action="create", entity="family", family_id=501, summary="first", at=long_ago)
    add_event(coordinator, action="update", entity="member", family_id=502, summary="second",
              at=long_ago + timedelta(days=30))
    add_event(manager, action="update", entity="family", family_id=501, summary="third",
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
    assert summaries("family_id=501") == ["third", "first"]
    assert summaries("date_from=1&date_from=6&date_from=2023&date_to=30&date_to=6&date_to=2023") == ["second"]
    assert summaries("date_from=10&date_from=5&date_from=2023&date_to=10&date_to=5&date_to=2023") == ["first"]
    assert summaries(f"actor={manager.id}&entity=family&family_id=501") == ["third"]


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
    page = pages.get(URL + "?family_id=999999")
    assert not page.select("tbody tr")
    assert "No audit events match these filters" in text(page)


def test_bad_filters_get_error_messages(pages, sign_in):
    sign_in(Role.MANAGER)
    page = pages.get(URL + "?family_id=abc&date_from=31&date_from=2&date_from=2024&date_to=1&date_to=1&date_to=2020")
    errors = [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")]
    assert errors == ["Family ID must be a number, like 123", "The from date must be a real date"]
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


def test_family_id_links_to_the_family_page_when_it_exists(pages, sign_in, app):
    sign_in(Role.MANAGER)
    family = factories.make_family()
    page = pages.get(URL + f"?family_id={family.id}&entity=family")
    cell = page.select("tbody tr")[0].select("td")[4]
    if "families.family_page" in app.view_functions:
        assert cell.a["href"].endswith(f"/families/{family.id}")
    else:
        assert cell.a is None and cell.get_text(strip=True) == str(family.id)


def test_a_change_through_a_service_appears_with_its_actor(pages, sign_in, client):
    admin = sign_in(Role.ADMINISTRATOR)
    pages.post("/admin/users/new", {"name": "Priya Shah", "email": "priya@brackenshire.example",
                                    "password": "a long enough password", "roles": ["auditor"]},
               redirects_to="/admin/users")
    page = pages.get(URL + f"?entity=user&action=create&actor={admin.id}")
    [row] = rows(page)
    assert '"priya@brackenshire.example"' in row and '"Priya Shah"' in row
    assert "password" not in row.lower()
