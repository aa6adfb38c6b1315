"""The pure rules of data protection: pseudonyms, generalised values, what names a person, the search rule."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from tfclaims.dataprotection import rules

KEY = b"k" * 32
PSEUDONYM = re.compile(r"[PF]-[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}")


def test_the_rules_import_nothing_of_the_database_or_the_web():
    source = Path(rules.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert imported <= {"__future__", "hashlib", "hmac", "collections.abc", "dataclasses", "datetime", "typing",
                        "tfclaims"}, imported


def test_a_pseudonym_is_readable_stable_and_keyed():
    first = rules.pseudonym(KEY, "person", 42)
    assert PSEUDONYM.fullmatch(first), first
    assert first.startswith("P-") and rules.pseudonym(KEY, "family", 42).startswith("F-")
    assert rules.pseudonym(KEY, "person", 42) == first  # the same person, the same pseudonym
    assert rules.pseudonym(KEY, "person", 43) != first
    assert rules.pseudonym(b"another key" * 3, "person", 42) != first
    # A person and a family with the same number are different pseudonyms, not only a different prefix.
    assert rules.pseudonym(KEY, "family", 42)[2:] != first[2:]


def test_pseudonyms_do_not_collide_over_a_large_cohort():
    made = {rules.pseudonym(KEY, "person", n) for n in range(20_000)}
    assert len(made) == 20_000


def test_an_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        rules.pseudonym(KEY, "postcode", "BR1 2AB")


def test_the_development_key_is_derived_under_its_label():
    key = rules.development_key("secret")
    assert len(key) == 32 and key == rules.development_key("secret") and key != rules.development_key("secret2")
    assert b"secret" not in key


@pytest.mark.parametrize(("configured", "production", "problem"), [
    ("", False, None),
    ("", True, rules.KEY_MISSING),
    (None, True, rules.KEY_MISSING),
    ("x" * 31, True, rules.KEY_TOO_SHORT),
    ("x" * 32, True, None),
    ("short", False, None),
])
def test_when_a_key_can_be_used(configured, production, problem):
    assert rules.key_problem(configured, production) == problem


@pytest.mark.parametrize(("value", "expected"), [
    (date(2019, 6, 3), "2019-06"), (date(2020, 12, 31), "2020-12"), (None, ""),
])
def test_dates_become_months(value, expected):
    assert rules.month(value) == expected


@pytest.mark.parametrize(("born", "on", "band"), [
    (date(2010, 6, 3), date(2015, 6, 2), "0-4"),
    (date(2010, 6, 3), date(2015, 6, 3), "5-10"),
    (date(2000, 1, 1), date(2017, 12, 31), "16-17"),
    (date(2000, 1, 1), date(2018, 1, 1), "18-24"),
    (date(1950, 1, 1), date(2015, 1, 1), "65 and over"),
    (date(2020, 1, 1), date(2019, 1, 1), ""),  # not born yet (an expected baby)
    (None, date(2019, 1, 1), ""),
])
def test_ages_become_bands(born, on, band):
    assert rules.age_band(born, on) == band


@pytest.mark.parametrize(("postcode", "district"), [
    ("BR1 2AB", "BR1"), ("br12ab", "BR1"), ("SW1A 1AA", "SW1A"), ("M1 1AE", "M1"), ("", ""), (None, ""),
    ("not a postcode", ""), ("12345", ""), ("BR1 2A", ""),
])
def test_postcodes_become_districts(postcode, district):
    assert rules.postcode_district(postcode) == district


@pytest.mark.parametrize(("entity", "entity_id", "changes", "named"), [
    ("member", 7, {"surname": ["A", "B"]}, True),
    ("member", 8, {"surname": ["A", "B"]}, False),
    ("consent", 3, {"member_id": [None, 7], "status": [None, "given"]}, True),
    ("consent", 3, {"member_id": [None, 8]}, False),
    ("event", 3, {"member_id": [7, 8]}, True),  # moved from them to another member: it named them
    ("family", 1, {"notes": ["", "member 7"]}, False),
    ("measure", 2, {}, False),
    ("measure", 2, None, False),
    ("identified_problem", 9, {"member_id": 7}, True),
])
def test_which_audit_events_name_a_member(entity, entity_id, changes, named):
    assert rules.names_member(entity, entity_id, changes, 7) is named


def test_changes_are_described_in_one_line():
    assert rules.describe_changes({"surname": ["Smith", "Jones"], "postcode": [None, "BR1 2AB"]}) == (
        "surname: Smith -> Jones; postcode: (none) -> BR1 2AB")
    assert rules.describe_changes({}) == "" and rules.describe_changes(None) == ""


def test_a_search_needs_something_to_look_for():
    assert rules.search_problem("", " ", None, "") == rules.SEARCH_EMPTY
    assert rules.search_problem("Smith", "", None, "") is None
    assert rules.search_problem("", "", date(2010, 1, 1), "") is None
    assert rules.search_problem("", "", None, "943 476 5919") is None


def test_the_export_file_name_never_carries_a_name():
    assert rules.export_file_name(12, date(2026, 12, 3)) == "subject-access-12-2026-12-03.zip"


def test_retention_rules_in_words():
    assert rules.retention_text(8, "closure_or_phase_end") == (
        "8 years after the attachment closed, or after the programme phase ended if later")
    assert rules.retention_text(1, "created") == "1 year after the record was made"
    assert rules.retention_text(3, "some_new_start") == "3 years some new start"
    assert rules.retention_text(None, "created") == ""


def test_every_category_names_record_types_and_a_lawful_basis():
    names = [c.name for c in rules.CATEGORIES]
    assert len(names) == len(set(names))
    for category in rules.CATEGORIES:
        assert category.record_types and category.lawful_basis.startswith(("UK GDPR Article 6", "Article 6"))
    special = {c.name for c in rules.CATEGORIES if c.special}
    assert {"Health (special category)", "Social care", "Crime and offences (criminal offence data)"} <= special
