"""Whole-family working in the engine, on hand-made frames: required under 2022-25, shown under 2015-21; each
element counted only when dated on or before the as-of date, from an episode not closed before the attachment."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.engine_cohort import Cohort
from tests.unit.test_engine_rules import sf_family
from tfclaims.engine.rules import WORKING_COLUMNS, evaluate

T = pd.Timestamp
JUDGED = "2023-12-30"  # the judging day of sf_family: closure on 30 June 2023 + 6 months


def working(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(WORKING_COLUMNS, row, strict=True)) for row in rows], columns=list(WORKING_COLUMNS))


def full(fid: int, received="2022-10-20", closed=None, lead="2022-10-21", assessed="2022-11-03", plan="2022-11-04",
         taf="2022-11-10"):
    return (fid, received, closed, lead, assessed, plan, taf)


def verdict(c: Cohort, f, as_of: str, rows: pd.DataFrame | None) -> dict:
    frames = dataclasses.replace(c.frames(), working=rows)
    families = evaluate(frames, as_of).families
    return families[families["family_id"] == f.id].iloc[0].to_dict()


def test_required_under_2022_25():
    c = Cohort()
    f = sf_family(c)
    assert verdict(c, f, JUDGED, working(full(f.id)))["claimable"]
    v = verdict(c, f, JUDGED, working())
    assert not v["claimable"] and v["route"] == "" and pd.isna(v["claimable_on"])
    assert v["blockers"].startswith("Whole-family working is not evidenced: no record of a lead practitioner, ")


def test_frames_without_the_pathway_are_not_judged_on_it():
    """Frames made by hand for the other rules (``working`` None) leave whole-family working out of the verdict."""
    c = Cohort()
    f = sf_family(c)
    v = verdict(c, f, JUDGED, None)
    assert v["claimable"] and not v["whole_family_working"]


def test_shown_not_required_under_2015_21():
    c = Cohort()
    f = c.family("2016-01-10", ["domestic_abuse"])
    v = verdict(c, f, "2016-08-01", working())
    assert v["claimable"] and not v["whole_family_working"]
    v = verdict(c, f, "2016-08-01", working(full(f.id, "2016-01-04", None, "2016-01-05", "2016-01-20", "2016-01-21",
                                                 "2016-01-25")))
    assert v["claimable"] and v["whole_family_working"] and v["working_taf_on"] == T("2016-01-25")


@pytest.mark.parametrize(("taf", "claimable"), [(JUDGED, True), ("2023-12-31", False)])
def test_an_element_counts_from_its_day(taf, claimable):
    c = Cohort()
    f = sf_family(c)
    v = verdict(c, f, JUDGED, working(full(f.id, taf=taf)))
    assert v["claimable"] is claimable
    if not claimable:
        assert v["blockers"] == "Whole-family working is not evidenced: no record of a team around the family meeting."


@pytest.mark.parametrize(("closed", "claimable"), [("2022-10-31", False), ("2022-11-01", True)])
def test_an_episode_closed_before_the_attachment_does_not_count(closed, claimable):
    c = Cohort()
    f = sf_family(c)  # attached on 1 November 2022
    assert verdict(c, f, JUDGED, working(full(f.id, closed=closed)))["claimable"] is claimable


def test_elements_from_two_episodes_and_another_familys_do_not_mix():
    c = Cohort()
    f, g = sf_family(c), sf_family(c)
    rows = working(full(f.id, plan=None, taf=None), full(f.id, received="2023-01-05", lead=None, assessed=None,
                                                         plan="2023-01-10", taf="2023-01-12"),
                   full(g.id, plan=None))
    assert verdict(c, f, JUDGED, rows)["claimable"]  # together the family's two episodes have every element
    v = verdict(c, g, JUDGED, rows)
    assert not v["claimable"] and "a family plan" in v["blockers"]
