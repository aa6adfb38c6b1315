"""Whole-family working in the engine's verdict (issue 16, item 5): under 2022-25 a family without a lead
practitioner, a completed whole-family assessment, a family plan and a team around the family meeting is not
claimable, and the blockers say what is missing; under 2015-21 it is shown, not required. Judged on the pathway's
own records, dated on or before the as-of date, of an episode that had not closed before the attachment."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import delete

from tests import factories
from tests.pathway_helpers import whole_family_working
from tests.progress_helpers import attach, make_accepted_evidence
from tfclaims.auth.roles import Role
from tfclaims.engine.queries import evaluate_cohort, evaluate_family
from tfclaims.extensions import db
from tfclaims.pathway.models import FamilyPlan, TafMeeting

T = pd.Timestamp
JUDGED = date(2023, 12, 30)  # closure on 30 June 2023 + 6 months


@pytest.fixture
def sf(db_session):
    return factories.make_published_plan("SF2022", effective_from=date(2022, 10, 1))


@pytest.fixture
def tf(db_session):
    return factories.make_published_plan("TF2015", effective_from=date(2015, 4, 1))


def successful_family(version, users):
    """A 2022-25 family whose needs all held six months after closure: claimable on 30 December 2023 but for
    whole-family working."""
    family = factories.make_family(members=4)
    attachment = attach(family, version, attached_on=date(2022, 11, 1), problem_numbers=(2, 3, 9),
                        closed_on=date(2023, 6, 30))
    for number in (2, 3, 9):
        make_accepted_evidence(attachment, users[Role.MANAGER], number, date(2023, 6, 30),
                               progress_from=date(2023, 1, 1))
    return family


def judged(family, as_of=JUDGED) -> dict:
    [row] = evaluate_family(family.id, as_of).families.to_dict("records")
    return row


def test_without_any_pathway_a_successful_family_is_not_claimable(sf, users):
    family = successful_family(sf, users)
    row = judged(family)
    assert not row["claimable"] and row["route"] == "" and pd.isna(row["claimable_on"])
    assert row["blockers"] == (
        "Whole-family working is not evidenced: no record of a lead practitioner, a completed whole-family "
        "assessment, a family plan or a team around the family meeting.")
    assert row["reason"].endswith(row["blockers"])
    assert not row["whole_family_working"]


def test_with_whole_family_working_it_is_claimable_and_each_element_is_dated(sf, users):
    family = successful_family(sf, users)
    whole_family_working(family, date(2022, 10, 20), users[Role.PRACTITIONER])
    row = judged(family)
    assert row["claimable"] and row["route"] == "SFO" and row["whole_family_working"]
    assert (row["working_lead_on"], row["working_assessed_on"], row["working_plan_on"], row["working_taf_on"]) == (
        T("2022-10-21"), T("2022-11-03"), T("2022-11-04"), T("2022-11-10"))


@pytest.mark.parametrize(("left_out", "named"), [
    ("allocation", "a lead practitioner"), ("assessment", "a completed whole-family assessment"),
    ("plan", "a family plan"), ("meeting", "a team around the family meeting")])
def test_each_missing_element_blocks_the_claim_and_is_named(sf, users, left_out, named):
    family = successful_family(sf, users)
    whole_family_working(family, date(2022, 10, 20), users[Role.PRACTITIONER], leave_out=(left_out,))
    row = judged(family)
    assert not row["claimable"]
    missing = [named] if left_out != "assessment" else [named, "a family plan"]  # no plan without an assessment
    expected = missing[0] if len(missing) == 1 else f"{missing[0]} or {missing[1]}"
    assert row["blockers"] == f"Whole-family working is not evidenced: no record of {expected}."


def test_a_record_after_the_as_of_date_does_not_count_yet(sf, users):
    family = successful_family(sf, users)
    request = whole_family_working(family, date(2022, 10, 20), users[Role.PRACTITIONER], leave_out=("meeting",))
    db.session.add(TafMeeting(request_id=request.id, family_id=family.id, held_on=JUDGED, kind="initial"))
    db.session.commit()
    assert judged(family, JUDGED)["claimable"]  # on the day: it counts
    assert not judged(family, JUDGED - timedelta(days=1))["claimable"]  # the day before: it was not yet held
    # (the day before the judging day the family is not claimable anyway; the reason names the meeting too)
    assert "team around the family meeting" in judged(family, JUDGED - timedelta(days=1))["blockers"]


def test_an_episode_closed_before_the_attachment_does_not_count(sf, users):
    family = successful_family(sf, users)
    whole_family_working(family, date(2021, 1, 4), users[Role.PRACTITIONER], closed_on=date(2022, 10, 31))
    assert not judged(family)["claimable"]
    whole_family_working(family, date(2021, 1, 4), users[Role.PRACTITIONER], closed_on=date(2022, 11, 1))
    assert judged(family)["claimable"]  # closed on the attachment day: it overlaps


def test_another_familys_pathway_does_not_count(sf, users):
    family = successful_family(sf, users)
    other = factories.make_family(members=2)
    whole_family_working(other, date(2022, 10, 20), users[Role.PRACTITIONER])
    assert not judged(family)["claimable"]


def test_a_plan_deleted_takes_the_claim_away_again(sf, users):
    family = successful_family(sf, users)
    whole_family_working(family, date(2022, 10, 20), users[Role.PRACTITIONER])
    assert judged(family)["claimable"]
    db.session.execute(delete(FamilyPlan).where(FamilyPlan.family_id == family.id))
    db.session.commit()
    assert not judged(family)["claimable"]


def test_under_2015_21_it_is_shown_and_not_required(tf, users):
    family = factories.make_family(members=4)
    attachment = attach(family, tf, attached_on=date(2016, 1, 10), problem_numbers=(5, 6))
    make_accepted_evidence(attachment, users[Role.MANAGER], 6, date(2016, 2, 1), progress_from=date(2016, 1, 20))
    row = judged(family, date(2016, 8, 1))  # no incident since attachment, and the evidence: sustained 9 July
    assert row["claimable"], row["blockers"]
    assert not row["whole_family_working"] and pd.isna(row["working_plan_on"])
    whole_family_working(family, date(2016, 1, 4), users[Role.PRACTITIONER])
    row = judged(family, date(2016, 8, 1))
    assert row["claimable"] and row["whole_family_working"] and row["working_plan_on"] == T("2016-01-19")


def test_the_cohort_and_one_family_agree(sf, users):
    families = [successful_family(sf, users) for _ in range(3)]
    whole_family_working(families[0], date(2022, 10, 20), users[Role.PRACTITIONER])
    whole_family_working(families[1], date(2022, 10, 20), users[Role.PRACTITIONER], leave_out=("plan",))
    cohort = evaluate_cohort(JUDGED).families.set_index("family_id")
    for family in families:
        alone = judged(family)
        for column in ("claimable", "blockers", "whole_family_working", "working_plan_on"):
            assert (cohort.loc[family.id, column] == alone[column]
                    or (pd.isna(cohort.loc[family.id, column]) and pd.isna(alone[column])))
    assert list(cohort.loc[[f.id for f in families], "claimable"]) == [True, False, False]


def test_the_family_page_says_whether_it_is_evidenced_and_whether_it_is_required(sf, tf, users, sign_in, pages,
                                                                                 today_is):
    today_is(JUDGED)
    family = successful_family(sf, users)
    sign_in(Role.COORDINATOR)
    said = " ".join(pages.get(f"/families/{family.id}").select_one("#whole-family-working").get_text(" ").split())
    assert said.startswith("Whole-family working not evidenced (required for a claim under this framework)")
    whole_family_working(family, date(2022, 10, 20), users[Role.PRACTITIONER])
    said = " ".join(pages.get(f"/families/{family.id}").select_one("#whole-family-working").get_text(" ").split())
    assert said.startswith("Whole-family working evidenced (required") and "family plan 4 November 2022" in said
    other = factories.make_family(members=4)
    attach(other, tf, attached_on=date(2016, 1, 10), problem_numbers=(5, 6))
    said = " ".join(pages.get(f"/families/{other.id}").select_one("#whole-family-working").get_text(" ").split())
    assert said.startswith("Whole-family working not evidenced (shown for the audit; not required")
