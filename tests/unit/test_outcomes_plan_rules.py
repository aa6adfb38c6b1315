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


@pytest.mark.parametrize(
    ("descriptors", "publishable", "phrases"),
    [
        ([(1, "ASB1"), (2, "ED1"), (3, "CIN1")], True, []),
        ([(1, "ASB1"), (1, "ASB2"), (2, "ED1"), (3, "CIN1")], True, []),
        ([(1, "ASB1"), (3, "CIN1")], False, ["None yet for: 2. School"]),
        ([], False, ["1. Crime; 2. School; 3. Children who need help"]),
        ([(1, "X1"), (2, "X1"), (3, "CIN1")], False, ["Used more than once: X1"]),
        ([(1, "ASB1"), (2, "ED1"), (3, "CIN1"), (99, "SF1")], False, ["another framework: SF1"]),
    ],
)
def test_publish_refusals(descriptors, publishable, phrases):
    refusals = rules.publish_refusals(PROBLEMS, descriptors)
    assert rules.can_publish(PROBLEMS, descriptors) is publishable
    assert (refusals == []) is publishable
    for phrase in phrases:
        assert any(phrase in r for r in refusals), refusals


def test_publish_refusal_names_the_framework_noun():
    refusals = rules.publish_refusals(PROBLEMS, [], problem_noun="headline outcome")
    assert refusals[0].startswith("Add at least one descriptor for every headline outcome")


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
