"""Evaluating the cohort gives the same verdicts as evaluating each family on its own.

The cohorts mix both frameworks, the recurrence setting on or off, attendance and absence criteria judged on the
member(s) with the problem (or every member measured), plans ending for every reason, and recurrences."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine_cohort import SF2022, TF2015, Cohort
from tfclaims.engine.criteria import EXAMPLE_CRITERIA
from tfclaims.engine.rules import evaluate
from tfclaims.progress.vocabulary import EPISODE_END_REASONS

# The example criteria, with absence below a level as a second way to meet the school problem.
ABSENCE = ("held_below_over_periods", {"measure": "unauthorised_absence", "threshold": 10, "periods": 2})
CRITERIA = {
    "TF2015": EXAMPLE_CRITERIA["TF2015"] | {"school": [*EXAMPLE_CRITERIA["TF2015"]["school"], ABSENCE]},
    "SF2022": EXAMPLE_CRITERIA["SF2022"] | {"education": [*EXAMPLE_CRITERIA["SF2022"]["education"], ABSENCE]},
}

DAYS = st.integers(min_value=0, max_value=900)
BASE = pd.Timestamp("2015-07-01")


def day(n: int) -> str:
    return (BASE + pd.Timedelta(days=n)).strftime("%Y-%m-%d")


family_spec = st.fixed_dictionaries(
    {
        "framework": st.sampled_from(["TF2015", "SF2022"]),
        "attached": st.integers(min_value=100, max_value=400),
        "closed_after": st.one_of(st.none(), st.integers(min_value=30, max_value=500)),
        "problems": st.integers(min_value=2, max_value=4),
        "terms": st.lists(st.tuples(st.sampled_from(["child1", "child2"]), st.integers(0, 6), st.floats(70, 100),
                                    st.sampled_from(["attendance", "unauthorised_absence"])),
                          max_size=8, unique_by=lambda t: (t[0], t[1], t[3])),
        # Who the school problem is identified for: a child, both, or nobody in particular.
        "school_members": st.sampled_from([("child1",), ("child2",), ("child1", "child2"), (None,)]),
        "events": st.lists(st.tuples(st.sampled_from(["offence", "asb", "domestic_abuse", "exclusion"]), DAYS,
                                     st.sampled_from(["adult1", "child1", "child2"])), max_size=8),
        "spells": st.lists(st.tuples(DAYS, st.integers(7, 400), st.booleans(),
                                     st.sampled_from(["JSA", "ESA", "IS", "UC", "none"]),
                                     st.sampled_from(["adult1", "adult2"])), max_size=2),
        "episodes": st.lists(st.tuples(st.sampled_from(["child_in_need", "child_protection"]), DAYS,
                                       st.one_of(st.none(), st.integers(1, 400)),
                                       st.sampled_from([*EPISODE_END_REASONS, None]),
                                       st.sampled_from(["child1", "child2"])), max_size=3),
        "evidence": st.lists(st.tuples(st.sampled_from(["awaiting", "accepted", "declined"]), DAYS), max_size=2),
    }
)


def build(specs, reopens: bool = True) -> Cohort:
    c = Cohort(criteria=CRITERIA, settings={"TF2015": {"recurrence_reopens": reopens}})
    for spec in specs:
        codes = (TF2015 if spec["framework"] == "TF2015" else SF2022)
        chosen = codes[: spec["problems"]]
        school = "school" if spec["framework"] == "TF2015" else "education"  # identified for the members drawn
        closed = day(spec["attached"] + spec["closed_after"]) if spec["closed_after"] else None
        f = c.family(day(spec["attached"]), [p for p in chosen if p != school], framework=spec["framework"],
                     closed_on=closed)
        for member in spec["school_members"]:
            f.problem(school, member=member)
        for member, term, value, kind in spec["terms"]:
            value = round(value, 1) if kind == "attendance" else round(100 - value, 1)
            f.term(member, day(spec["attached"] - 60 + term * 120), value, kind=kind)
        for kind, when, member in spec["events"]:
            f.event(kind, day(when), member=member)
        for start, length, open_, benefit, member in spec["spells"]:
            f.spell(day(start), None if open_ else day(start + length), benefit=benefit, member=member)
        for kind, start, length, reason, member in spec["episodes"]:
            f.episode(kind, day(start), day(start + length) if length else None, member=member, reason=reason)
        for status, when in spec["evidence"]:
            f.evidence(chosen[-1], status, day(when), day(when + 20) if status != "awaiting" else None)
    return c


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(family_spec, min_size=1, max_size=5),
    as_of=st.integers(min_value=200, max_value=1500),
    reopens=st.booleans(),
)
def test_cohort_and_single_family_verdicts_agree(specs, as_of, reopens):
    frames = build(specs, reopens).frames()
    when = day(as_of)
    whole = evaluate(frames, when)
    for family_id in frames.attachments["family_id"]:
        alone = evaluate(frames.for_families([family_id]), when)
        mine = whole.problems[whole.problems["family_id"] == family_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.problems.reset_index(drop=True), check_dtype=False)
        fam = whole.families[whole.families["family_id"] == family_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(fam, alone.families.reset_index(drop=True), check_dtype=False)
        found = whole.eligibility[whole.eligibility["family_id"] == family_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(found, alone.eligibility.reset_index(drop=True), check_dtype=False)
