"""The kinds of attendance criterion (issue 11, item 8): attendance at or above a level, absence below one; each
takes only the measures that make sense for it, and plan files may use either."""

from __future__ import annotations

from datetime import date

import pytest

from tfclaims.engine.criteria import KINDS, check_parameters, default_wording
from tfclaims.outcomes_plan import rules
from tfclaims.progress.vocabulary import MEASURE_KINDS, MEASURE_UNITS


def test_the_absence_measures_can_be_recorded():
    assert MEASURE_KINDS["unauthorised_absence"] == "Unauthorised absence"
    assert MEASURE_KINDS["overall_absence"] == "Overall absence"
    assert MEASURE_UNITS["unauthorised_absence"] == MEASURE_UNITS["overall_absence"] == "% of sessions"


@pytest.mark.parametrize(
    "kind, measure, ok",
    [
        ("held_over_periods", "attendance", True),
        ("held_over_periods", "unauthorised_absence", False),  # absence held "at or above" makes no sense
        ("held_below_over_periods", "unauthorised_absence", True),
        ("held_below_over_periods", "overall_absence", True),
        ("held_below_over_periods", "attendance", False),
    ],
)
def test_each_kind_takes_only_sensible_measures(kind, measure, ok):
    clean, errors = check_parameters(kind, {"measure": measure, "threshold": 10, "periods": 3})
    assert (errors == {}) is ok, errors
    if ok:
        assert clean == {"measure": measure, "threshold": 10.0, "periods": 3}
    else:
        assert errors == {"measure": "Select the measure"}


def test_the_absence_kind_has_its_own_name_and_wording():
    kind = KINDS["held_below_over_periods"]
    assert kind.name == "A measure held below a threshold for consecutive periods"
    assert [p.name for p in kind.parameters] == ["measure", "threshold", "periods"]
    assert default_wording("held_below_over_periods", {"measure": "unauthorised_absence", "threshold": 10,
                                                       "periods": 3}) == (
        "Each member with the problem has unauthorised absence below 10% for 3 consecutive terms"
    )
    assert default_wording("held_below_over_periods", {"measure": "overall_absence", "threshold": 12.5,
                                                       "periods": 1}) == (
        "Each member with the problem has overall absence below 12.5% for 1 consecutive term"
    )


FRAMEWORKS = {
    "TF2015": rules.FrameworkFacts(
        "TF2015",
        "Troubled Families 2015-21",
        date(2015, 4, 1),
        date(2021, 3, 31),
        ("crime_asb", "school", "children_need_help", "worklessness", "domestic_abuse", "health"),
    ),
}


@pytest.mark.parametrize(
    "criterion, error",
    [
        ({"kind": "held_over_periods", "parameters": {"measure": "attendance", "threshold": 90, "periods": 3}}, None),
        (
            {
                "kind": "held_below_over_periods",
                "parameters": {"measure": "unauthorised_absence", "threshold": 10, "periods": 3},
            },
            None,
        ),
        (
            {"kind": "held_below_over_periods", "parameters": {"measure": "attendance", "threshold": 10, "periods": 3}},
            "Criteria item 1 (problem school): select the measure",
        ),
    ],
)
def test_a_plan_file_may_use_either_kind(criterion, error):
    document = {
        "format": "tfclaims outcomes plan",
        "format_version": 1,
        "framework": "TF2015",
        "plan": "Shared plan",
        "effective_from": date(2018, 4, 1),
        "descriptors": [{"problem": "school", "code": "ED2", "text": "Missing school", "evidence_source": "school"}],
        "criteria": [{"problem": "school", **criterion}],
    }
    clean, errors = rules.check_plan_document(document, FRAMEWORKS, ["school"])
    if error is None:
        assert errors == []
        [imported] = clean["criteria"]
        assert (imported["kind"], imported["parameters"]) == (criterion["kind"], criterion["parameters"])
        assert imported["wording"] == default_wording(criterion["kind"], criterion["parameters"])
    else:
        assert errors == [error]
