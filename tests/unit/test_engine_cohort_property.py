"""Evaluating the cohort gives the same verdicts as evaluating each family on its own."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine_cohort import SF2022, TF2015, Cohort
from tfclaims.engine.rules import evaluate

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
        "terms": st.lists(st.tuples(st.sampled_from(["child1", "child2"]), st.integers(0, 6), st.floats(70, 100)),
                          max_size=8, unique_by=lambda t: (t[0], t[1])),
        "events": st.lists(st.tuples(st.sampled_from(["offence", "asb", "domestic_abuse", "exclusion"]), DAYS,
                                     st.sampled_from(["adult1", "child1", "child2"])), max_size=8),
        "spells": st.lists(st.tuples(DAYS, st.integers(7, 400), st.booleans(),
                                     st.sampled_from(["JSA", "ESA", "IS", "UC", "none"]),
                                     st.sampled_from(["adult1", "adult2"])), max_size=2),
        "episodes": st.lists(st.tuples(st.sampled_from(["child_in_need", "child_protection"]), DAYS,
                                       st.one_of(st.none(), st.integers(1, 400))), max_size=3),
        "evidence": st.lists(st.tuples(st.sampled_from(["awaiting", "accepted", "declined"]), DAYS), max_size=2),
    }
)


def build(specs) -> Cohort:
    c = Cohort()
    for spec in specs:
        codes = (TF2015 if spec["framework"] == "TF2015" else SF2022)
        chosen = codes[: spec["problems"]]
        closed = day(spec["attached"] + spec["closed_after"]) if spec["closed_after"] else None
        f = c.family(day(spec["attached"]), chosen, framework=spec["framework"], closed_on=closed)
        for member, term, value in spec["terms"]:
            f.term(member, day(spec["attached"] - 60 + term * 120), round(value, 1))
        for kind, when, member in spec["events"]:
            f.event(kind, day(when), member=member)
        for start, length, open_, benefit, member in spec["spells"]:
            f.spell(day(start), None if open_ else day(start + length), benefit=benefit, member=member)
        for kind, start, length in spec["episodes"]:
            f.episode(kind, day(start), day(start + length) if length else None)
        for status, when in spec["evidence"]:
            f.evidence(chosen[-1], status, day(when), day(when + 20) if status != "awaiting" else None)
    return c


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(family_spec, min_size=1, max_size=5), as_of=st.integers(min_value=200, max_value=1500))
def test_cohort_and_single_family_verdicts_agree(specs, as_of):
    frames = build(specs).frames()
    when = day(as_of)
    whole = evaluate(frames, when)
    for family_id in frames.attachments["family_id"]:
        alone = evaluate(frames.for_families([family_id]), when)
        mine = whole.problems[whole.problems["family_id"] == family_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.problems.reset_index(drop=True), check_dtype=False)
        fam = whole.families[whole.families["family_id"] == family_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(fam, alone.families.reset_index(drop=True), check_dtype=False)
