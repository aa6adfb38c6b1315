from datetime import date

import pytest

from tfclaims.outcomes_plan import rules

PROBLEMS = [(1, "1. Crime"), (2, "2. School"), (3, "3. Children who need help")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ED2", "ED2"),
        (" ed 2 ", "ED2"),
        ("p1.1", "P1.1"),
        ("", ""),
        (None, ""),
        ("asb\t4", "ASB4"),
    ],
)
def test_normalise_code(value, expected):
    assert rules.normalise_code(value) == expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("ED2", True),
        ("ed2", True),
        ("P1.1", True),
        ("SF-H3", True),
        ("CIN/2", True),
        ("A", True),
        ("A" * 20, True),
        ("A" * 21, False),  # longer than the column
        ("2ED", False),  # must start with a letter
        ("ED_2", False),
        ("ED2!", False),
        (".ED2", False),
        ("", False),
        (None, False),
    ],
)
def test_code_is_valid(value, valid):
    assert rules.code_is_valid(value) is valid


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], []),
        (["ED1", "ED2"], []),
        (["ED1", "ED1"], ["ED1"]),
        (["ed1", "ED1", "WK1", "wk 1", "CIN1"], ["ED1", "WK1"]),
    ],
)
def test_duplicate_codes(codes, expected):
    assert rules.duplicate_codes(codes) == expected


@pytest.mark.parametrize(
    ("descriptor_problems", "expected"),
    [
        ([1, 2, 3], []),
        ([3, 1, 2, 2], []),
        ([1, 3], [2]),
        ([], [1, 2, 3]),
        ([2], [1, 3]),
    ],
)
def test_problems_without_descriptors_keeps_framework_order(descriptor_problems, expected):
    assert rules.problems_without_descriptors([1, 2, 3], descriptor_problems) == expected


ALL_DESCRIPTORS = [(1, "ASB1"), (2, "ED1"), (3, "CIN1")]
GOOD_CRITERIA = [
    (1, "reduction", {"event_kinds": ["offence", "asb"], "percent": 60, "months": 6}),
    (2, "held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3}),
    (3, "manual", {}),
]


@pytest.mark.parametrize(
    ("descriptors", "publishable", "phrases"),
    [
        (ALL_DESCRIPTORS, True, []),
        ([(1, "ASB1"), (1, "ASB2"), (2, "ED1"), (3, "CIN1")], True, []),
        ([(1, "ASB1"), (3, "CIN1")], False, ["None yet for: 2. School"]),
        ([], False, ["1. Crime; 2. School; 3. Children who need help"]),
        ([(1, "X1"), (2, "X1"), (3, "CIN1")], False, ["Used more than once: X1"]),
        ([(1, "ASB1"), (2, "ED1"), (3, "CIN1"), (99, "SF1")], False, ["another framework: SF1"]),
    ],
)
def test_publish_refusals(descriptors, publishable, phrases):
    refusals = rules.publish_refusals(PROBLEMS, descriptors, GOOD_CRITERIA)
    assert rules.can_publish(PROBLEMS, descriptors, GOOD_CRITERIA) is publishable
    assert (refusals == []) is publishable
    for phrase in phrases:
        assert any(phrase in r for r in refusals), refusals


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (GOOD_CRITERIA, []),
        (
            [*GOOD_CRITERIA, (3, "continuous_employment", {})],
            [],
        ),
        (
            GOOD_CRITERIA[:2],
            [
                "Add at least one success criterion for every headline problem before publishing. "
                "None yet for: 3. Children who need help"
            ],
        ),
        (
            [],
            [
                "Add at least one success criterion for every headline problem before publishing. "
                "None yet for: 1. Crime; 2. School; 3. Children who need help"
            ],
        ),
        (
            [
                GOOD_CRITERIA[0],
                (2, "held_over_periods", {"measure": "attendance", "threshold": 120, "periods": 3}),
                GOOD_CRITERIA[2],
            ],
            ["Success criterion 1 under 2. School cannot be used: threshold must be between 0 and 100"],
        ),
        (
            [*GOOD_CRITERIA, (3, "no_events", {"event_kinds": [], "months": 0})],
            [
                "Success criterion 2 under 3. Children who need help cannot be used: select at least one of the "
                "events; months must be between 1 and 36"
            ],
        ),
        (
            [*GOOD_CRITERIA, (1, "astrology", {})],
            ["Success criterion 2 under 1. Crime cannot be used: unknown kind 'astrology'"],
        ),
        (
            [*GOOD_CRITERIA, (2, "held_over_periods", {"measure": ["attendance"], "threshold": True, "periods": 3})],
            [
                "Success criterion 2 under 2. School cannot be used: measure must be one of: attendance; enter the "
                "threshold as a number"
            ],
        ),
        ([*GOOD_CRITERIA, (99, "manual", {})], ["1 success criterion belongs to another framework"]),
    ],
)
def test_publish_refusals_about_success_criteria(criteria, expected):
    assert rules.publish_refusals(PROBLEMS, ALL_DESCRIPTORS, criteria) == expected


def test_publish_refusals_lists_descriptors_then_criteria():
    refusals = rules.publish_refusals(PROBLEMS, [], [])
    assert refusals[0].startswith("Add at least one descriptor for every headline problem")
    assert refusals[1].startswith("Add at least one success criterion for every headline problem")


def test_publish_refusal_names_the_framework_noun():
    refusals = rules.publish_refusals(PROBLEMS, [], [], problem_noun="headline outcome")
    assert refusals[0].startswith("Add at least one descriptor for every headline outcome")
    assert refusals[1].startswith("Add at least one success criterion for every headline outcome")


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], 1),
        ([1], 2),
        ([1, 2, 3], 4),
        ([3, 1], 4),  # a deleted draft in between leaves a gap: numbers follow the highest
    ],
)
def test_next_version_number(existing, expected):
    assert rules.next_version_number(existing) == expected


@pytest.mark.parametrize(
    ("effective_from", "inside"),
    [
        (date(2015, 4, 1), True),
        (date(2018, 4, 1), True),
        (date(2021, 3, 31), True),
        (date(2015, 3, 31), False),
        (date(2021, 4, 1), False),
    ],
)
def test_effective_from_in_framework(effective_from, inside):
    assert rules.effective_from_in_framework(effective_from, date(2015, 4, 1), date(2021, 3, 31)) is inside


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ("SSP CE", ["Significant and sustained progress (SSP)", "Continuous employment (CE)"]),
        ("SFO", ["Successful family outcome (SFO)"]),
        ("XYZ", ["XYZ"]),
        ("", []),
    ],
)
def test_route_labels(routes, expected):
    assert rules.route_labels(routes) == expected


# ---------------------------------------------------------------- success criteria in words


@pytest.mark.parametrize(
    ("value", "expected"),
    [(90, "90"), (90.0, "90"), (87.5, "87.5"), (0, "0"), ("x", "x"), (True, "True"), (None, "None")],
)
def test_number_text(value, expected):
    assert rules.number_text(value) == expected


@pytest.mark.parametrize(
    ("kind", "parameters", "expected"),
    [
        (
            "held_over_periods",
            {"measure": "attendance", "threshold": 90.0, "periods": 3},
            [("Measure", "School attendance"), ("Threshold", "90"), ("Consecutive periods", "3")],
        ),
        (
            "reduction",
            {"event_kinds": ["offence", "asb"], "percent": 60, "months": 6},
            [
                ("Events", "Offence, Anti-social behaviour incident"),
                ("Reduction (%)", "60"),
                ("Months", "6"),
            ],
        ),
        (
            "status_ended",
            {"status_kinds": ["child_protection"]},
            [("Plans", "Child protection plan"), ("Months", "Not set")],
        ),
        ("manual", {}, []),
        ("continuous_employment", {}, []),
        ("astrology", {"x": 1}, []),
    ],
)
def test_parameter_lines(kind, parameters, expected):
    assert rules.parameter_lines(kind, parameters) == expected


@pytest.mark.parametrize(
    ("kind", "parameters", "clean", "errors"),
    [
        ("manual", {}, {}, {}),
        ("no_events", {"event_kinds": "offence", "months": "6"}, {"event_kinds": ["offence"], "months": 6}, {}),
        (
            "held_over_periods",
            {"measure": ["attendance"], "threshold": {"a": 1}, "periods": False},
            {},
            {
                "measure": "Measure must be one of: attendance",
                "threshold": "Enter the threshold as a number",
                "periods": "Enter the consecutive periods as a number",
            },
        ),
        (
            "reduction",
            {"event_kinds": [["offence"]], "percent": 50, "months": 6},
            {"percent": 50, "months": 6},
            {"event_kinds": "Events must be a list chosen from: offence, asb, domestic_abuse, exclusion"},
        ),
        ("astrology", {}, {}, {"kind": "Select a kind of success criterion"}),
    ],
)
def test_screen_parameters_refuses_values_of_the_wrong_shape_without_raising(kind, parameters, clean, errors):
    assert rules.screen_parameters(kind, parameters) == (clean, errors)


def test_employment_settings_in_words():
    settings = {
        "UC": {"weeks": 26, "window_weeks": 30, "min_hours": 16},
        "JSA": {"weeks": 26, "window_weeks": 30, "min_hours": 0},
        "XYZ": {"weeks": 1, "window_weeks": 2},
        "ESA": {},
    }
    names = {"JSA": "Jobseeker's Allowance", "ESA": "Employment and Support Allowance", "UC": "Universal Credit"}
    assert rules.employment_settings(settings, names) == [
        ("Jobseeker's Allowance (JSA)", "26 weeks in work within 30 weeks", "Any hours"),
        ("Employment and Support Allowance (ESA)", "Not set", "Any hours"),
        ("Universal Credit (UC)", "26 weeks in work within 30 weeks", "At least 16 hours a week"),
        ("XYZ", "1 week in work within 2 weeks", "Any hours"),
    ]
    assert rules.employment_settings({}, names) == []
    assert rules.employment_settings(None, names) == []
