"""The engine on real data: loaded from the database, shown on the family page, changing as progress is recorded."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests import factories
from tests.pages import text
from tests.progress_helpers import attach, make_evidence
from tfclaims.auth.roles import Role
from tfclaims.engine.queries import evaluate_cohort, evaluate_family
from tfclaims.extensions import db
from tfclaims.progress.models import EmploymentSpell, Event, Measure, StatusEpisode

TERMS = [
    ("Autumn term 2019", ["2", "9", "2019"], ["20", "12", "2019"]),
    ("Spring term 2020", ["6", "1", "2020"], ["3", "4", "2020"]),
    ("Summer term 2020", ["20", "4", "2020"], ["17", "7", "2020"]),
]


@pytest.fixture
def version(db_session):
    return factories.make_published_plan(effective_from=date(2015, 4, 1))


def identify_for(attachment, number: int, member) -> None:
    """The problem of that number concerns ``member`` (``attach`` names the lead member for every problem)."""
    for found in attachment.problems:
        if found.problem.number == number:
            found.member_id = member.id
    db.session.commit()


@pytest.fixture
def family(version):
    family = factories.make_family(members=4)
    attachment = attach(family, version, attached_on=date(2019, 6, 3), problem_numbers=(2, 6))
    identify_for(attachment, 2, family.members[2])  # school attendance: Casey's
    return family


def problem_card(pages, family, number: int):
    page = pages.get(f"/families/{family.id}")
    [card] = [c for c in page.select(".govuk-summary-card[id^=problem-]") if text(c).startswith(f"{number}.")]
    return page, text(card)


def test_recording_three_terms_of_attendance_sustains_the_problem(pages, sign_in, family):
    sign_in(Role.COORDINATOR)
    page, card = problem_card(pages, family, 2)
    assert "Not met" in card and "Nothing recorded since attachment" in card
    assert "Not claimable yet: 0 of 2 problems sustained" in text(page.select_one("#family-verdict"))
    casey = family.members[2]
    for label, start, end in TERMS:
        data = {
            "member_id": str(casey.id),
            "period_label": label,
            "period_start": start,
            "period_end": end,
            "value": "94",
            "source": "school_census",
        }
        pages.post(f"/families/{family.id}/progress/attendance/new", data, redirects_to=f"/families/{family.id}")
        page, card = problem_card(pages, family, 2)
        if label != TERMS[-1][0]:
            assert "Achieved on 20 December 2019" in card
    assert "Sustained on 17 July 2020" in card
    assert "At or above 90% for 3 consecutive periods, to 17 July 2020." in card
    assert "School attendance: 3 periods recorded since attachment, judged on 1 member with the problem." in card
    assert "Not claimable yet: 1 of 2 problems sustained" in text(page.select_one("#family-verdict"))


def test_manager_sign_off_makes_the_family_claimable(pages, sign_in, family, users):
    for i, (label, start, end) in enumerate(TERMS):
        db.session.add(
            Measure(
                family_id=family.id,
                member_id=family.members[2].id,
                kind="attendance",
                period_label=label,
                period_start=date(*map(int, reversed(start))),
                period_end=date(*map(int, reversed(end))),
                value=95 - i,
                source="school",
            )
        )
    evidence = make_evidence(family.attachments[0], users[Role.COORDINATOR], problem_number=6)
    sign_in(Role.MANAGER)
    page, card = problem_card(pages, family, 6)
    assert "Progressing" in card and "awaits a manager's sign-off" in card
    pages.post(
        f"/families/{family.id}/progress/evidence/{evidence.id}/decision",
        {"decision": "accept", "decision_reason": "Seen the GP's letter"},
        redirects_to=f"/families/{family.id}",
    )
    page, card = problem_card(pages, family, 6)
    assert f"Signed off by {users[Role.MANAGER].name}" in card and "Seen the GP's letter" in card
    # Signed off today: after Troubled Families 2015-21 ended, so the result cannot be claimed under it.
    verdict = text(page.select_one("#family-verdict"))
    assert "Not claimable yet: 2 of 2 problems sustained" in verdict
    assert "after the end of Troubled Families 2015-21 on 31 March 2021: it cannot be claimed under it" in verdict
    # Signed off inside the framework's period, the family is claimable from the day of the sign-off.
    evidence.decided_on = date(2020, 9, 1)
    db.session.commit()
    verdict = text(pages.get(f"/families/{family.id}").select_one("#family-verdict"))
    assert "Claimable from 1 September 2020" in verdict and "significant and sustained progress (SSP)" in verdict


def test_loaded_data_gives_the_same_verdicts_for_one_family_and_the_cohort(version):
    a = factories.make_family(members=4)
    attach(a, version, attached_on=date(2016, 1, 10), problem_numbers=(1, 3, 4, 5))
    adult, child = a.members[0], a.members[2]
    db.session.add_all(
        [
            Event(family_id=a.id, member_id=child.id, kind="asb", occurred_on=date(2015, 11, 1), source="police"),
            Event(family_id=a.id, member_id=child.id, kind="asb", occurred_on=date(2015, 12, 1), source="police"),
            Event(
                family_id=a.id, member_id=adult.id, kind="domestic_abuse", occurred_on=date(2016, 3, 1), source="police"
            ),
            StatusEpisode(
                family_id=a.id,
                member_id=child.id,
                kind="child_protection",
                started_on=date(2015, 6, 1),
                ended_on=date(2016, 3, 1),
                end_reason="stepped_down",
            ),
            EmploymentSpell(
                family_id=a.id,
                member_id=adult.id,
                started_on=date(2016, 2, 1),
                ended_on=None,
                hours_per_week=30,
                prior_benefit="JSA",
            ),
        ]
    )
    b = factories.make_family(members=3)
    attach(b, version, attached_on=date(2017, 5, 1), problem_numbers=(2, 6))
    db.session.commit()

    whole = evaluate_cohort(date(2016, 12, 31))
    alone = evaluate_family(a.id, date(2016, 12, 31))
    mine = whole.problems[whole.problems["family_id"] == a.id].reset_index(drop=True)
    assert mine.equals(alone.problems.reset_index(drop=True))
    status = dict(zip(alone.problems["problem_number"], alone.problems["status"], strict=True))
    assert status == {1: "sustained", 3: "sustained", 4: "sustained", 5: "sustained"}
    [row] = alone.families.to_dict("records")
    # 26 whole weeks from the spell's own start, Monday 1 February 2016.
    assert (row["claimable"], row["route"], str(row["claimable_on"].date())) == (True, "CE", "2016-07-31")
    assert b.id not in set(whole.families[whole.families["claimable"]]["family_id"])


def test_the_family_page_reads_the_stored_verdict_and_a_change_refreshes_it(pages, sign_in, family, monkeypatch):
    from tfclaims.engine import store
    from tfclaims.engine.models import FamilyVerdict

    store.build_set(date.today())
    db.session.commit()
    sign_in(Role.COORDINATOR)

    def judged_again(*args):
        raise AssertionError("the stored verdict should have been used")

    monkeypatch.setattr(store, "evaluate_family", judged_again)
    _, card = problem_card(pages, family, 2)
    assert "Not met" in card

    casey = family.members[2]
    label, start, end = TERMS[0]
    data = {
        "member_id": str(casey.id),
        "period_label": label,
        "period_start": start,
        "period_end": end,
        "value": "94",
        "source": "school_census",
    }
    pages.post(f"/families/{family.id}/progress/attendance/new", data, redirects_to=f"/families/{family.id}")
    # The change queued a job that judged the family again (at once: the tests' queue is immediate), so the page
    # still reads its stored verdict, now the new one.
    stored = db.session.get(FamilyVerdict, (date.today(), family.id))
    assert not stored.stale
    _, card = problem_card(pages, family, 2)
    assert "Achieved on 20 December 2019" in card


def test_the_family_page_judges_the_family_itself_while_its_stored_verdict_is_stale(pages, sign_in, family):
    """A change whose refresh has not run yet (the worker is busy): the page judges the family on the spot."""
    from tfclaims.engine import store
    from tfclaims.engine.models import FamilyVerdict

    store.build_set(date.today())
    db.session.commit()
    # Recorded outside a request, with the immediate queue: marked stale, not judged again until read.
    db.session.add(Measure(family_id=family.id, member_id=family.members[2].id, kind="attendance",
                           period_label="Autumn term 2019", period_start=date(2019, 9, 2),
                           period_end=date(2019, 12, 20), value=94, source="school_census"))
    db.session.commit()
    assert db.session.get(FamilyVerdict, (date.today(), family.id)).stale
    sign_in(Role.COORDINATOR)
    _, card = problem_card(pages, family, 2)
    assert "Achieved on 20 December 2019" in card


def test_refresh_verdicts_stores_every_family(app, family, version):
    from tfclaims.engine.models import FamilyVerdict

    other = factories.make_family(members=3)
    attach(other, version, attached_on=date(2018, 1, 8), problem_numbers=(2, 6))
    result = app.test_cli_runner().invoke(args=["tfclaims", "refresh-verdicts", "--as-of", "2020-12-31"])
    assert result.exit_code == 0, result.output
    assert "Stored the verdicts of 2 families as of 2020-12-31" in result.output
    stored = db.session.get(FamilyVerdict, (date(2020, 12, 31), other.id))
    assert stored is not None
    assert [p["problem_number"] for p in stored.payload["problems"]] == [2, 6]


def test_loading_keeps_empty_text_empty_and_missing_values_missing(version):
    family = factories.make_family(members=3, lead_practitioner="", team="")
    attach(family, version, attached_on=date(2017, 5, 1), problem_numbers=(2, 6))
    [row] = evaluate_family(family.id, date(2018, 1, 1)).families.to_dict("records")
    assert (row["lead_practitioner"], row["team"]) == ("", "")
    assert pd.isna(row["closed_on"]) and pd.isna(row["closure_reason"])


def test_the_frameworks_hold_the_default_employment_settings(db_session):
    from tfclaims.engine.criteria import DEFAULT_EMPLOYMENT_RULES

    assert factories.framework("TF2015").employment_rules == DEFAULT_EMPLOYMENT_RULES
    assert factories.framework("SF2022").employment_rules == DEFAULT_EMPLOYMENT_RULES
