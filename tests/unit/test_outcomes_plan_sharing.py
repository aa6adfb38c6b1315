"""Plan files (YAML and JSON) and comparing versions: pure rules, no app, no database."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
import yaml

from tfclaims.engine.criteria import KINDS
from tfclaims.outcomes_plan import exports, rules

FRAMEWORKS = {
    "TF2015": rules.FrameworkFacts(
        "TF2015",
        "Troubled Families 2015-21",
        date(2015, 4, 1),
        date(2021, 3, 31),
        ("crime_asb", "school", "children_need_help", "worklessness", "domestic_abuse", "health"),
    ),
    "SF2022": rules.FrameworkFacts(
        "SF2022",
        "Supporting Families 2022-25",
        date(2022, 10, 1),
        date(2025, 3, 31),
        ("education", "early_years", "health"),
        "headline outcome",
    ),
}
SOURCES = ["school", "police", "social_care", "practitioner"]


def good_document() -> dict:
    return {
        "format": "tfclaims outcomes plan",
        "format_version": 1,
        "framework": "TF2015",
        "plan": "  Shared   plan ",
        "version": 3,
        "effective_from": date(2018, 4, 1),
        "notes": " Annual review ",
        "descriptors": [
            {"problem": "school", "code": " ed 2 ", "text": " Missing 10% of sessions ", "evidence_source": "school"},
            {"problem": "crime_asb", "code": "ASB1", "text": "A proven offence", "evidence_source": "police"},
        ],
        "criteria": [
            {
                "problem": "school",
                "kind": "held_over_periods",
                "parameters": {"measure": "attendance", "threshold": 90, "periods": 3},
                "wording": "",
            },
            {"problem": "school", "kind": "manual", "parameters": {}, "wording": "A manager agrees"},
            {"problem": "crime_asb", "kind": "continuous_employment"},
        ],
    }


def check(document, **kwargs):
    return rules.check_plan_document(document, FRAMEWORKS, SOURCES, **kwargs)


# ---------------------------------------------------------------- checking a plan file


def test_a_good_document_comes_back_clean():
    clean, errors = check(good_document())
    assert errors == []
    assert clean == {
        "framework": "TF2015",
        "plan": "Shared plan",
        "version": 3,
        "effective_from": date(2018, 4, 1),
        "notes": "Annual review",
        "descriptors": [
            {
                "problem": "school",
                "code": "ED2",
                "text": "Missing 10% of sessions",
                "evidence_source": "school",
                "applies_to": "any",  # a file from before descriptors said who they apply to
            },
            {
                "problem": "crime_asb",
                "code": "ASB1",
                "text": "A proven offence",
                "evidence_source": "police",
                "applies_to": "any",
            },
        ],
        "criteria": [
            {
                "problem": "school",
                "kind": "held_over_periods",
                "parameters": {"measure": "attendance", "threshold": 90.0, "periods": 3},
                "wording": "Each member with the problem has school attendance at or above 90% for 3 consecutive terms",
            },
            {"problem": "school", "kind": "manual", "parameters": {}, "wording": "A manager agrees"},
            {
                "problem": "crime_asb",
                "kind": "continuous_employment",
                "parameters": {},
                "wording": "An adult who was on an out-of-work benefit in continuous employment",
            },
        ],
    }


def test_minimal_document_and_lenient_spellings():
    clean, errors = check(
        {"framework": " tf2015 ", "plan": "P", "effective_from": "2016-04-01", "notes": None, "descriptors": None}
    )
    assert errors == []
    assert (clean["framework"], clean["effective_from"], clean["notes"], clean["version"]) == (
        "TF2015",
        date(2016, 4, 1),
        "",
        None,
    )
    assert clean["descriptors"] == [] and clean["criteria"] == []


def test_plan_name_given_on_the_page_replaces_the_one_in_the_file():
    document = good_document()
    del document["plan"]
    clean, errors = check(document, plan_name="  Our   copy ")
    assert errors == []
    assert clean["plan"] == "Our copy"


def with_changes(**changes) -> dict:
    document = good_document()
    for key, value in changes.items():
        if value is KeyError:
            del document[key]
        else:
            document[key] = value
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            [1, 2],
            [
                "The file must hold one outcomes plan: a mapping with framework, plan, effective_from, "
                "descriptors and criteria"
            ],
        ),
        (
            "just text",
            [
                "The file must hold one outcomes plan: a mapping with framework, plan, effective_from, "
                "descriptors and criteria"
            ],
        ),
        (with_changes(framework="TF2099"), ["Unknown framework code 'TF2099': use TF2015 or SF2022"]),
        (with_changes(framework=KeyError), ["The framework code (framework) is missing: use TF2015 or SF2022"]),
        (with_changes(plan=" "), ["The plan name (plan) is missing"]),
        (with_changes(plan=12), ["The plan name (plan) must be text"]),
        (with_changes(plan="x" * 161), ["The plan name (plan) must be 160 characters or fewer"]),
        (with_changes(version=0), ["The version number (version) must be a whole number, 1 or more"]),
        (with_changes(version=True), ["The version number (version) must be a whole number, 1 or more"]),
        (
            with_changes(effective_from=KeyError),
            [
                "The effective-from date (effective_from) is missing: give the date this version takes effect, like "
                "2018-04-01"
            ],
        ),
        (
            with_changes(effective_from="1 April 2018"),
            [
                "The effective-from date (effective_from) must be a real date written like 2018-04-01, not "
                "'1 April 2018'"
            ],
        ),
        (
            with_changes(effective_from="2018-02-30"),
            ["The effective-from date (effective_from) must be a real date written like 2018-04-01, not '2018-02-30'"],
        ),
        (
            with_changes(effective_from=date(2022, 4, 1)),
            [
                "The effective-from date (effective_from) must be between 1 April 2015 and 31 March 2021, while "
                "Troubled Families 2015-21 runs"
            ],
        ),
        (with_changes(notes=["a"]), ["The notes must be text"]),
        (with_changes(notes="x" * 2001), ["The notes must be 2,000 characters or fewer"]),
        (with_changes(colour="blue", owner="me"), ["Unknown fields at the top of the file: colour, owner"]),
        (with_changes(format="something else"), ["The format must be 'tfclaims outcomes plan'"]),
        (with_changes(format_version=2), ["Format version 2 cannot be read: this tfclaims reads format version 1"]),
        (with_changes(descriptors={"a": 1}), ["The descriptors must be a list"]),
        (with_changes(criteria="none"), ["The criteria must be a list"]),
        (
            with_changes(criteria=[{"problem": "health", "kind": "manual"}] * 1001),
            ["The criteria list has 1,001 items: a plan file can hold at most 1,000"],
        ),
    ],
)
def test_plan_level_problems(document, expected):
    clean, errors = check(document)
    assert clean is None
    assert errors == expected


def with_descriptor(**fields) -> dict:
    document = good_document()
    descriptor = {"problem": "school", "code": "ED9", "text": "Wording", "evidence_source": "school", **fields}
    document["descriptors"].append({k: v for k, v in descriptor.items() if v is not KeyError})
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            with_descriptor(problem="astrology"),
            "Descriptors item 3: unknown problem code 'astrology' for Troubled Families 2015-21; use one of crime_asb, "
            "school, children_need_help, worklessness, domestic_abuse, health",
        ),
        (with_descriptor(problem=KeyError), "Descriptors item 3: problem is missing"),
        (with_descriptor(problem=4), "Descriptors item 3: problem must be a headline problem code, such as crime_asb"),
        (with_descriptor(code=KeyError), "Descriptors item 3 (problem school): code is missing"),
        (with_descriptor(code=12), "Descriptors item 3 (problem school): code must be text, like ED2"),
        (
            with_descriptor(code="2ED"),
            "Descriptors item 3 (problem school): code '2ED' must start with a letter and use only letters, numbers, "
            "full stops, hyphens and slashes, like ED2",
        ),
        (
            with_descriptor(code="A" * 21),
            f"Descriptors item 3 (problem school): code '{'A' * 21}' must be 20 characters or fewer",
        ),
        (with_descriptor(text=" "), "Descriptors item 3 (problem school): text is missing"),
        (
            with_descriptor(evidence_source="astrology"),
            "Descriptors item 3 (problem school): unknown evidence_source 'astrology'; use one of school, police, "
            "social_care, practitioner",
        ),
        (with_descriptor(evidence_source=KeyError), "Descriptors item 3 (problem school): evidence_source is missing"),
        (with_descriptor(colour="blue"), "Descriptors item 3 (problem school): unknown field colour"),
        (with_descriptor(code="ed 2"), "Descriptor code ED2 appears twice"),
    ],
)
def test_descriptor_problems_say_where_they_are(document, expected):
    clean, errors = check(document)
    assert clean is None
    assert errors == [expected]


def test_a_descriptor_that_is_not_a_mapping():
    document = good_document()
    document["descriptors"].insert(0, "ED1 a child")
    _, errors = check(document)
    assert errors == ["Descriptors item 1 must be a mapping with problem, code, text and evidence_source"]


def test_a_code_used_three_times():
    document = good_document()
    document["descriptors"] += [dict(document["descriptors"][0]), dict(document["descriptors"][0])]
    _, errors = check(document)
    assert errors == ["Descriptor code ED2 appears 3 times"]


def with_criterion(**fields) -> dict:
    document = good_document()
    criterion = {
        "problem": "school",
        "kind": "held_over_periods",
        "parameters": {"measure": "attendance", "threshold": 90, "periods": 3},
        **fields,
    }
    document["criteria"].append({k: v for k, v in criterion.items() if v is not KeyError})
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            with_criterion(parameters={"measure": "attendance", "threshold": 120, "periods": 3}),
            ["Criteria item 4 (problem school): threshold must be between 0 and 100"],
        ),
        (
            with_criterion(parameters={"measure": "weight", "threshold": 90, "periods": 0.5}),
            [
                "Criteria item 4 (problem school): select the measure",
                "Criteria item 4 (problem school): enter the consecutive periods as a whole number (parameter periods)",
            ],
        ),
        (
            with_criterion(
                kind="reduction", parameters={"event_kinds": ["offence", "burglary"], "percent": 0, "months": 6}
            ),
            [
                "Criteria item 4 (problem school): events must be chosen from: offence, asb, domestic_abuse, exclusion "
                "(parameter event_kinds)",
                "Criteria item 4 (problem school): reduction (%) must be between 1 and 100 "
                "(parameter percent)",
            ],
        ),
        (
            with_criterion(parameters={"measure": "attendance", "threshold": 90, "periods": 3, "colour": "red"}),
            [
                "Criteria item 4 (problem school): unknown parameter for kind held_over_periods: colour; it takes "
                "measure, threshold, periods"
            ],
        ),
        (
            with_criterion(kind="manual", parameters={"months": 6}),
            ["Criteria item 4 (problem school): unknown parameter for kind manual: months; it takes none"],
        ),
        (
            with_criterion(kind="astrology"),
            [
                f"Criteria item 4 (problem school): unknown kind 'astrology'; use one of {', '.join(KINDS)}"
            ],
        ),
        (
            with_criterion(kind=KeyError),
            [
                f"Criteria item 4 (problem school): kind is missing; use one of {', '.join(KINDS)}"
            ],
        ),
        (
            with_criterion(parameters=[90, 3]),
            ["Criteria item 4 (problem school): parameters must be a mapping of setting names to values"],
        ),
        (
            with_criterion(parameters=KeyError),
            [
                "Criteria item 4 (problem school): select the measure",
                "Criteria item 4 (problem school): enter the threshold as a number",
                "Criteria item 4 (problem school): enter the consecutive periods as a number (parameter periods)",
            ],
        ),
        (with_criterion(wording=["a"]), ["Criteria item 4 (problem school): wording must be text"]),
        (
            with_criterion(problem="education"),
            [
                "Criteria item 4: unknown problem code 'education' for Troubled Families 2015-21; use one of "
                "crime_asb, school, children_need_help, worklessness, domestic_abuse, health"
            ],
        ),
    ],
)
def test_criterion_problems_say_where_they_are(document, expected):
    clean, errors = check(document)
    assert clean is None
    assert errors == expected


def test_every_problem_is_reported_at_once_in_file_order():
    document = good_document()
    document["framework"] = "TF2099"
    document["effective_from"] = "soon"
    document["descriptors"][1]["code"] = "ED2"
    document["descriptors"][1]["evidence_source"] = "rumour"
    document["criteria"][0]["parameters"]["threshold"] = -1
    clean, errors = check(document)
    assert clean is None
    assert errors == [
        "Unknown framework code 'TF2099': use TF2015 or SF2022",
        "The effective-from date (effective_from) must be a real date written like 2018-04-01, not 'soon'",
        "Descriptors item 2 (problem crime_asb): unknown evidence_source 'rumour'; use one of school, police, "
        "social_care, practitioner",
        "Criteria item 1 (problem school): threshold must be between 0 and 100",
    ]


def test_problems_of_another_framework_speak_of_headline_outcomes():
    document = good_document()
    document["framework"] = "SF2022"
    document["effective_from"] = "2023-04-01"
    _, errors = check(document)
    assert errors[0] == (
        "Descriptors item 1: unknown problem code 'school' for Supporting Families 2022-25; use one of education, "
        "early_years, health"
    )
    document["descriptors"][0]["problem"] = 5
    _, errors = check(document)
    assert errors[0] == "Descriptors item 1: problem must be a headline outcome code, such as education"


# ---------------------------------------------------------------- reading and writing files


def test_yaml_and_json_carry_the_same_content():
    document = good_document()
    document["criteria"][0]["parameters"]["threshold"] = 90.0
    for name, body in (("plan.yaml", exports.to_yaml(document)), ("plan.json", exports.to_json(document))):
        read, errors = exports.read_upload(name, body)
        assert errors == []
        clean, errors = check(read)
        assert errors == []
        assert clean == check(good_document())[0]
    text = exports.to_yaml(document).decode()
    assert "effective_from: 2018-04-01\n" in text
    assert "threshold: 90\n" in text, "whole numbers are written as people write them"
    assert json.loads(exports.to_json(document))["effective_from"] == "2018-04-01"


def test_yaml_keeps_text_that_looks_like_something_else_as_text():
    document = good_document()
    document["notes"] = "yes"
    document["descriptors"][0]["code"] = "1E5"
    read, _ = exports.read_upload("plan.yml", exports.to_yaml(document))
    assert read["notes"] == "yes"
    assert read["descriptors"][0]["code"] == "1E5"


NOT_YAML_OR_JSON = "The selected file must be a YAML or JSON file, ending .yaml, .yml or .json"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("plan.txt", b"framework: TF2015", NOT_YAML_OR_JSON),
        ("plan", b"framework: TF2015", NOT_YAML_OR_JSON),
        (None, b"framework: TF2015", NOT_YAML_OR_JSON),
        ("plan.yaml", b"x" * (exports.MAX_BYTES + 1), "The selected file must be smaller than 1 MB"),
        ("plan.json", b"  \n", "The selected file is empty"),
        ("plan.yaml", "framework: TF2015".encode("utf-16"), "The selected file must be saved as UTF-8 text"),
        (
            "plan.json",
            b'{"framework": "TF2015",}',
            "The file is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 24",
        ),
        (
            "plan.yaml",
            b"framework: [TF2015\nplan: x\n",
            "The file is not valid YAML: expected ',' or ']', but got ':' at line 2, column 5",
        ),
        (
            "plan.yaml",
            b"a: !!python/object/apply:os.system ['true']\n",
            "The file is not valid YAML: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system' at line 1, column 4",
        ),
    ],
)
def test_files_that_cannot_be_read(name, data, expected):
    content, errors = exports.read_upload(name, data)
    assert content is None
    assert errors == [expected]


def test_a_file_of_exactly_1_mb_is_read():
    body = b"notes: " + b"x" * (exports.MAX_BYTES - 8) + b"\n"
    assert len(body) == exports.MAX_BYTES
    content, errors = exports.read_upload("PLAN.YML", body)
    assert errors == [] and len(content["notes"]) == exports.MAX_BYTES - 8


def test_a_byte_order_mark_is_allowed():
    content, errors = exports.read_upload("plan.json", b'\xef\xbb\xbf{"plan": "x"}')
    assert errors == [] and content == {"plan": "x"}


# ---------------------------------------------------------------- comparing versions


def descriptor(code, text="Wording", source="school", problem="school"):
    return {"problem": problem, "code": code, "text": text, "evidence_source": source}


def criterion(kind="manual", parameters=None, wording="Words", problem="school"):
    return {"problem": problem, "kind": kind, "parameters": parameters or {}, "wording": wording}


def test_compare_descriptors_by_code():
    left = [descriptor("ED1"), descriptor("ED2"), descriptor("ED3", source="police")]
    right = [descriptor("ED2", text="New wording"), descriptor("ED3"), descriptor("ED1"), descriptor("ED4")]
    del left[1]
    left.insert(1, descriptor("ED2"))
    left.append(descriptor("ED5"))
    differences = rules.compare_descriptors(left, right)
    assert [(d.left and d.left["code"], d.right and d.right["code"], d.change, d.what) for d in differences] == [
        ("ED1", "ED1", rules.UNCHANGED, ()),
        ("ED2", "ED2", rules.CHANGED, ("wording",)),
        ("ED3", "ED3", rules.CHANGED, ("evidence source",)),
        (None, "ED4", rules.ADDED, ()),
        ("ED5", None, rules.REMOVED, ()),
    ]


def test_compare_criteria_pairs_identical_ones_then_by_kind():
    attendance = {"measure": "attendance", "threshold": 90.0, "periods": 3}
    left = [
        criterion("manual", wording="Manager agrees"),
        criterion("held_over_periods", attendance, "Attendance 90%"),
        criterion("no_events", {"event_kinds": ["offence"], "months": 6}, "No offences"),
    ]
    right = [
        criterion("held_over_periods", {**attendance, "threshold": 85}, "Attendance 85%"),
        criterion("manual", wording="Manager agrees"),
        criterion("continuous_employment", wording="In work"),
    ]
    differences = rules.compare_criteria(left, right)
    assert [(d.change, d.left and d.left["wording"], d.right and d.right["wording"], d.what) for d in differences] == [
        (rules.UNCHANGED, "Manager agrees", "Manager agrees", ()),
        (rules.CHANGED, "Attendance 90%", "Attendance 85%", ("settings", "wording")),
        (rules.REMOVED, "No offences", None, ()),
        (rules.ADDED, None, "In work", ()),
    ]


def test_whole_numbers_and_their_float_form_are_the_same_setting():
    a = criterion("held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3})
    b = criterion("held_over_periods", {"measure": "attendance", "threshold": 90.0, "periods": 3})
    assert [d.change for d in rules.compare_criteria([a], [b])] == [rules.UNCHANGED]


def test_compare_plan_documents_per_problem_and_counts():
    left = {
        "descriptors": [descriptor("ED1"), descriptor("ASB1", problem="crime_asb")],
        "criteria": [criterion(), criterion(problem="crime_asb")],
    }
    right = copy.deepcopy(left)
    right["descriptors"][0]["text"] = "Changed"
    right["descriptors"].append(descriptor("ASB2", problem="crime_asb"))
    right["criteria"].pop()
    problems = [("crime_asb", "1. Crime"), ("school", "2. School"), ("health", "6. Health")]
    result = rules.compare_plan_documents(left, right, problems)
    assert [(p.code, p.label, p.changes) for p in result] == [
        ("crime_asb", "1. Crime", 2),
        ("school", "2. School", 1),
        ("health", "6. Health", 0),
    ]
    assert [d.change for d in result[0].descriptors] == [rules.UNCHANGED, rules.ADDED]
    assert [d.change for d in result[0].criteria] == [rules.REMOVED]
    assert rules.change_counts(result) == {rules.ADDED: 1, rules.REMOVED: 1, rules.CHANGED: 1}
    assert rules.change_counts([]) == {rules.ADDED: 0, rules.REMOVED: 0, rules.CHANGED: 0}


def test_yaml_module_is_used_safely():
    """The import reads YAML with the safe loader: a Python tag is refused, not run."""
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load("a: !!python/name:os.system\n")


def test_who_a_descriptor_applies_to_is_read_checked_and_compared():
    document = good_document()
    document["descriptors"][0]["applies_to"] = " school_age "
    document["descriptors"][1]["applies_to"] = "toddlers"
    clean, errors = check(document)
    assert errors == [
        "Descriptors item 2 (problem crime_asb): unknown applies_to 'toddlers'; use one of any, adult, child, "
        "school_age, dependent_children"
    ]
    del document["descriptors"][1]["applies_to"]
    clean, errors = check(document)
    assert [d["applies_to"] for d in clean["descriptors"]] == ["school_age", "any"]
    left = {"code": "ED2", "text": "x", "evidence_source": "school"}  # a document from before: anyone
    [difference] = rules.compare_descriptors([left], [left | {"applies_to": "school_age"}])
    assert (difference.change, difference.what) == ("changed", ("who it applies to",))
    [difference] = rules.compare_descriptors([left], [left | {"applies_to": "any"}])
    assert difference.change == "unchanged"
