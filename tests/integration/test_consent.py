"""Consent per member and scope, the lawful basis where there is none, withdrawal, and what it changes (issue 13,
item 9), through the pages and the query the evaluation export calls."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families import queries
from tfclaims.families.models import Consent
from tfclaims.progress.models import Event

TODAY = date(2024, 6, 1)

GIVEN = {
    "scope": ["programme", "matching", "evaluation"],
    "status": "given",
    "given_by": "self",
    "recorded_on": ["2", "5", "2024"],
    "lawful_basis": "public_task",
    "special_category_basis": "",
    "statute_other": "",
    "note": "",
}
NO_CONSENT = {
    "given_by": "self",
    "lawful_basis": "public_task",
    "special_category_basis": "substantial_public_interest",
    "statute": ["Children Act 2004 s.10"],
    "statute_other": "",
    "note": "",
}


@pytest.fixture
def coordinator(sign_in, today_is):
    today_is(TODAY)
    return sign_in(Role.COORDINATOR)


def consent_url(family, member) -> str:
    return f"/families/{family.id}/members/{member.id}/consent"


def with_special_category(family):
    """An offence recorded against the family: its records now hold criminal offence data."""
    lead = family.members[0]
    db.session.add(Event(family_id=family.id, member_id=lead.id, kind="offence", occurred_on=date(2024, 1, 9),
                         source="police"))
    db.session.commit()
    return family


def consent_count() -> int:
    return db.session.scalar(select(func.count(Consent.id))) or 0


def test_consent_per_scope_then_withdrawal_shows_what_it_changes(pages, coordinator, db_session):
    family = with_special_category(factories.make_family(members=3))
    alex, jordan, _ = family.members
    pages.post(consent_url(family, alex), GIVEN, redirects_to=f"/families/{family.id}")
    assert {(c.scope, c.status, c.given_by) for c in alex.consents} == {
        ("programme", "given", "self"), ("matching", "given", "self"), ("evaluation", "given", "self")
    }
    page = pages.get(f"/families/{family.id}")
    cell = text(page.select("#members-table tbody tr")[0].select_one('[data-label="Consent"]'))
    assert "Programme work and sharing: given 2 May 2024" in cell
    assert "Matching partner data: given 2 May 2024" in cell
    withdraw = page.find("a", string=f"Withdraw {alex.full_name}'s consent to matching with partner data")
    assert withdraw["href"].endswith(f"/members/{alex.id}/consent?scope=matching&status=withdrawn")
    # The form the link opens is filled in with the scope and the decision.
    form = pages.get(withdraw["href"])
    assert form.select_one('input[name="scope"][value="matching"]').has_attr("checked")
    assert not form.select_one('input[name="scope"][value="programme"]').has_attr("checked")
    assert form.select_one('input[name="status"][value="withdrawn"]').has_attr("checked")

    pages.post(
        consent_url(family, alex),
        NO_CONSENT | {"scope": ["matching"], "status": "withdrawn", "recorded_on": ["3", "5", "2024"]},
        redirects_to=f"/families/{family.id}",
    )
    page = pages.get(f"/families/{family.id}")
    effects = text(page.select_one("#consent-effects"))
    assert (
        f"{alex.full_name}: Consent to matching with partner data was withdrawn on 3 May 2024: new partner data is not "
        f"matched to {alex.full_name}; work continues under public task (UK GDPR 6(1)(e)) and substantial public "
        "interest (9(2)(g), Children Act 2004 s.10)."
    ) in effects
    # The other scopes still stand; Jordan, an adult, has no decision recorded and is named for it.
    assert "Programme work and sharing: given 2 May 2024" in text(page.select_one("#members-table"))
    assert "Matching partner data: withdrawn 3 May 2024" in text(page.select_one("#members-table"))
    assert f"{jordan.full_name}: no decision about consent is recorded" in effects
    assert "programme work" not in effects.split(alex.full_name + ": Consent to matching")[0]
    timeline = text(page.select_one(".app-timeline"))
    assert f"{alex.full_name} withdrew consent to matching with partner data" in timeline
    assert f"{alex.full_name} gave consent to the national evaluation" in timeline
    # A withdrawal is a new row: the consent given is kept.
    assert [(c.scope, c.status) for c in alex.consents if c.scope == "matching"] == [
        ("matching", "given"), ("matching", "withdrawn")
    ]


def test_withdrawal_needs_consent_given_in_that_scope(pages, coordinator, db_session):
    family = factories.make_family(members=2)
    alex = family.members[0]
    pages.post(consent_url(family, alex), GIVEN | {"scope": ["programme"]}, redirects_to=f"/families/{family.id}")
    before = consent_count()
    _, errors = pages.post_with_errors(
        consent_url(family, alex),
        NO_CONSENT | {"scope": ["evaluation"], "status": "withdrawn", "recorded_on": ["3", "5", "2024"]},
    )
    assert errors == ["Consent can be withdrawn only where it was given: no consent to this is recorded"]
    # Two scopes at once, one of them never given: nothing is written, not even the one that could be.
    _, errors = pages.post_with_errors(
        consent_url(family, alex),
        NO_CONSENT | {"scope": ["programme", "evaluation"], "status": "withdrawn", "recorded_on": ["3", "5", "2024"]},
    )
    assert errors == ["The national evaluation of the programme: consent can be withdrawn only where it was given: "
                      "no consent to this is recorded"]
    # Withdrawn before it was given.
    _, errors = pages.post_with_errors(
        consent_url(family, alex),
        NO_CONSENT | {"scope": ["programme"], "status": "withdrawn", "recorded_on": ["1", "5", "2024"]},
    )
    assert errors[0].startswith("The date of the decision must be on or after 2 May 2024")
    assert consent_count() == before
    # Another member's consent does not count.
    jordan = family.members[1]
    _, errors = pages.post_with_errors(
        consent_url(family, jordan),
        NO_CONSENT | {"scope": ["programme"], "status": "withdrawn", "recorded_on": ["3", "5", "2024"]},
    )
    assert errors == ["Consent can be withdrawn only where it was given: no consent to this is recorded"]
    assert consent_count() == before


@pytest.mark.parametrize("status", ["refused", "not_sought"])
def test_no_consent_needs_article_6_and_for_special_category_article_9_and_statute(pages, coordinator, status):
    family = with_special_category(factories.make_family(members=2))
    alex = family.members[0]
    decision = NO_CONSENT | {"scope": ["programme"], "status": status, "recorded_on": ["2", "5", "2024"]}
    before = consent_count()
    page = pages.get(consent_url(family, alex))
    assert "This family's records include special-category data" in text(page)
    for change, message in [
        ({"lawful_basis": ""}, "Select the lawful basis"),
        ({"lawful_basis": "consent"}, "Without consent, select the lawful basis the council works under"),
        ({"special_category_basis": ""}, "This family's records include special-category data"),
        ({"statute": [], "statute_other": ""}, "Select or enter the law the council relies on"),
    ]:
        _, errors = pages.post_with_errors(consent_url(family, alex), decision | change)
        assert len(errors) == 1 and errors[0].startswith(message), (change, errors)
    assert consent_count() == before
    # The statute typed in, with one ticked.
    pages.post(
        consent_url(family, alex),
        decision | {"statute": ["Children Act 1989 s.17"], "statute_other": "Local Authority Social Services Act 1970"},
        redirects_to=f"/families/{family.id}",
    )
    consent = alex.consents[-1]
    assert (consent.status, consent.lawful_basis, consent.special_category_basis, consent.statute) == (
        status, "public_task", "substantial_public_interest",
        "Children Act 1989 s.17; Local Authority Social Services Act 1970",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "consent",
                                                       AuditEvent.entity_id == consent.id))
    assert event.changes["statute"][1] == consent.statute
    assert event.changes["scope"] == [None, "programme"]


def test_without_special_category_data_article_6_is_enough(pages, coordinator):
    family = factories.make_family(members=2)  # no problems, progress or police number recorded
    alex = family.members[0]
    assert not queries.holds_special_category(family.id)
    pages.post(
        consent_url(family, alex),
        NO_CONSENT | {"scope": ["matching"], "status": "refused", "recorded_on": ["2", "5", "2024"],
                      "special_category_basis": "", "statute": []},
        redirects_to=f"/families/{family.id}",
    )
    page = pages.get(f"/families/{family.id}")
    assert (
        "Consent to matching with partner data was refused on 2 May 2024: new partner data is not matched to "
        f"{alex.full_name}; work continues under public task (UK GDPR 6(1)(e))."
    ) in text(page.select_one("#consent-effects"))


def test_a_police_number_is_criminal_offence_data(coordinator):
    family = factories.make_family(members=2)
    family.members[1].pnc_number = "12/345678A"
    db.session.commit()
    assert queries.holds_special_category(family.id)


def test_decision_dates(pages, coordinator):
    family = factories.make_family(members=3)
    alex, _, casey = family.members  # Casey born 20 September 2012
    before = consent_count()
    _, errors = pages.post_with_errors(consent_url(family, alex), GIVEN | {"recorded_on": ["2", "6", "2024"]})
    assert errors == ["The date of the decision must be today or in the past"]
    _, errors = pages.post_with_errors(
        consent_url(family, casey), GIVEN | {"given_by": "parent", "recorded_on": ["19", "9", "2012"]}
    )
    assert errors == ["The date of the decision must be on or after the member's date of birth"]
    assert consent_count() == before
    # Today, the boundary day, is allowed.
    pages.post(consent_url(family, alex), GIVEN | {"recorded_on": ["1", "6", "2024"]},
               redirects_to=f"/families/{family.id}")


def test_a_childs_consent_by_a_parent_or_by_the_child_when_competent(pages, coordinator, db_session):
    family = factories.make_family(members=2)
    teen = factories.add_member(family, "Taylor", date(2010, 9, 1))  # 13
    pages.post(consent_url(family, teen), GIVEN | {"scope": ["programme"], "given_by": "self"},
               redirects_to=f"/families/{family.id}")
    pages.post(consent_url(family, teen), GIVEN | {"scope": ["evaluation"], "given_by": "carer"},
               redirects_to=f"/families/{family.id}")
    _, errors = pages.post_with_errors(
        consent_url(family, family.members[0]), GIVEN | {"given_by": "parent"}
    )
    assert errors == ["An adult decides for themselves: select 'The person themselves'"]
    page = pages.get(f"/families/{family.id}")
    cell = text(page.select("#members-table tbody tr")[2].select_one('[data-label="Consent"]'))
    assert "Programme work and sharing: given 2 May 2024" in cell
    assert "National evaluation: given 2 May 2024 (by a carer)" in cell
    timeline = text(page.select_one(".app-timeline"))
    assert f"Consent to the national evaluation given for {teen.full_name} by a carer" in timeline
    # The form suggests a parent for a child, the person themselves for an adult.
    form = pages.get(consent_url(family, teen))
    assert form.select_one('input[name="given_by"][value="parent"]').has_attr("checked")
    form = pages.get(consent_url(family, family.members[0]))
    assert form.select_one('input[name="given_by"][value="self"]').has_attr("checked")


def test_empty_and_junk_posts_show_the_error_summary(pages, coordinator):
    family = factories.make_family(members=1)
    alex = family.members[0]
    before = consent_count()
    _, errors = pages.post_with_errors(consent_url(family, alex), {})
    assert errors[:3] == [
        "Select what the decision covers",
        "Select whether consent was given, refused, withdrawn or not sought",
        "Select who decided",
    ]
    _, errors = pages.post_with_errors(
        consent_url(family, alex),
        GIVEN | {"scope": ["everything"], "status": "maybe", "given_by": "x", "lawful_basis": "public_task_x",
                 "special_category_basis": "9(2)(z)", "statute": ["Made-up Act"], "statute_other": "x" * 301},
    )
    assert errors
    assert consent_count() == before


def test_readers_see_consent_but_cannot_record_it(pages, sign_in, today_is):
    today_is(TODAY)
    family = factories.make_family(members=1)
    alex = family.members[0]
    db.session.add(Consent(member_id=alex.id, family_id=family.id, scope="evaluation", status="refused",
                           recorded_on=date(2024, 5, 2), lawful_basis="public_task"))
    db.session.commit()
    sign_in(Role.AUDITOR)
    page = pages.get(f"/families/{family.id}")
    assert "Consent to the national evaluation was refused on 2 May 2024" in text(page.select_one("#consent-effects"))
    assert not page.find("a", href=lambda h: h and h.endswith("/consent"))
    assert pages.client.get(consent_url(family, alex)).status_code == 403
    assert pages.client.post(consent_url(family, alex), data=GIVEN).status_code == 403


def test_excluded_from_evaluation(coordinator):
    family = factories.make_family(members=3)
    alex, jordan, casey = family.members
    other = factories.make_family(members=1).members[0]

    def decide(member, status, on, scope="evaluation"):
        db.session.add(Consent(member_id=member.id, family_id=member.family_id, scope=scope, status=status,
                               recorded_on=on, lawful_basis="public_task"))
        db.session.commit()

    decide(alex, "given", date(2024, 1, 1))
    decide(alex, "withdrawn", date(2024, 3, 3))  # excluded
    decide(jordan, "given", date(2024, 1, 1))
    decide(jordan, "withdrawn", date(2024, 2, 1))
    decide(jordan, "given", date(2024, 2, 1))  # gave it again the same day: included
    decide(casey, "refused", date(2024, 1, 1), scope="matching")  # another scope: included
    decide(other, "refused", date(2024, 1, 1))  # excluded
    ids = [alex.id, jordan.id, casey.id, other.id]
    assert queries.excluded_from_evaluation(ids) == {alex.id, other.id}
    assert queries.excluded_from_evaluation([jordan.id, casey.id]) == set()
    assert queries.excluded_from_evaluation([]) == set()
    assert queries.excluded_from_evaluation(None) >= {alex.id, other.id}
    assert queries.excluded_from_evaluation(iter(ids)) == {alex.id, other.id}


JUNK = ["", " ", "-1", "0", "1e309", str(2**64), "٣", "２", "'; drop table consent; --", "<script>", "%00", "a\x00b",
        "x" * 5000, "given\n", "public_task ", "2024-02-31"]


@pytest.mark.parametrize("field", ["scope", "status", "given_by", "recorded_on", "lawful_basis",
                                   "special_category_basis", "statute", "statute_other", "note"])
def test_junk_in_any_field_is_refused_without_a_server_error_or_a_write(pages, coordinator, field):
    family = factories.make_family(members=1)
    alex = family.members[0]
    before = consent_count()
    for value in JUNK:
        data = GIVEN | NO_CONSENT | {"status": "refused", "scope": "programme"}
        data[field] = [value, value, value] if field == "recorded_on" else value
        response = pages.client.post(consent_url(family, alex), data=data)
        assert response.status_code < 500, (field, value, response.status_code)
        if response.status_code == 302:
            before += 1  # a value that is fine: the decision is recorded
        assert consent_count() == before, (field, value)
