"""Which parts of an audit event are personal, and what a reader who may not open families sees."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

import tfclaims.models  # noqa: F401 (every model mapped, so their relationships resolve)
from tfclaims.audit import rules
from tfclaims.claims.models import ClaimLine
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode

FAMILY_MODELS = [Family, Member, Consent, Attachment, IdentifiedProblem, Measure, Event, EmploymentSpell,
                 StatusEpisode, ManualEvidence, ClaimLine]
HIDDEN = rules.HiddenValue()


def test_every_family_model_is_a_family_record():
    assert {m.__tablename__ for m in FAMILY_MODELS} == rules.FAMILY_RECORDS


@pytest.mark.parametrize("model", FAMILY_MODELS, ids=lambda m: m.__tablename__)
def test_every_column_of_a_family_record_is_decided(model):
    """A new column must be put on a list: personal, personal in a family record, or a neutral link."""
    decided = rules.PERSONAL_FIELDS | rules.FAMILY_PERSONAL_FIELDS | rules.NEUTRAL_FIELDS
    exclude = getattr(model, "__audit_exclude__", frozenset())
    columns = {c.key for c in inspect(model).column_attrs} - exclude
    assert columns - decided == set()
    assert not rules.NEUTRAL_FIELDS & (rules.PERSONAL_FIELDS | rules.FAMILY_PERSONAL_FIELDS)


@pytest.mark.parametrize(
    ("entity", "family_id", "field", "personal"),
    [
        ("member", 3, "surname", True),
        ("member", 3, "date_of_birth", True),
        ("member", 3, "nhs_number", True),
        ("member", 3, "family_id", False),
        ("member", None, "postcode", True),  # a member is a family record even when its family is not known
        ("consent", 3, "status", True),
        ("event", 3, "kind", True),  # what happened to a member (an offence, an incident) is personal
        ("manual_evidence", 3, "statement", True),
        ("claim_line", 3, "reason", True),
        ("member", 3, "a_column_added_later", True),  # fails closed
        ("claim", None, "status", False),  # a claim is not about one family
        ("user", None, "email", False),  # staff accounts: the administrator manages them
        ("user", None, "notes", True),  # free text is personal wherever it is
        ("attachment_closed", 7, "confirmed_not_sustained", True),
    ],
)
def test_is_personal(entity, family_id, field, personal):
    assert rules.is_personal(entity, family_id, field) is personal


def test_summaries_of_family_events_are_hidden_from_readers_who_may_not_open_families():
    summary = "Member Kayla Brennan added"
    assert rules.visible_summary("member", 4, summary, may_see_families=True) == summary
    assert rules.visible_summary("member", 4, summary, may_see_families=False) == rules.HIDDEN_SUMMARY
    assert rules.visible_summary("family_attached", 4, summary, may_see_families=False) == rules.HIDDEN_SUMMARY
    assert rules.visible_summary("claim", None, "Claim C-1 built", may_see_families=False) == "Claim C-1 built"
    assert rules.visible_summary("member", 4, "", may_see_families=False) == ""


def test_changed_values_are_masked_but_the_fields_and_links_stay():
    changes = {"surname": ["Smith", "Brennan"], "upn": [None, "A123"], "notes": "loose value",
               "family_id": [None, 4], "postcode": ["BR1 2AB", None]}
    assert rules.visible_changes("member", 4, changes, may_see_families=True) == changes
    assert rules.visible_changes("member", 4, changes, may_see_families=False) == {
        "surname": [HIDDEN, HIDDEN],
        "upn": [None, HIDDEN],
        "notes": [None, HIDDEN],
        "family_id": [None, 4],
        "postcode": [HIDDEN, None],
    }
    assert "Brennan" not in repr(rules.visible_changes("member", 4, changes, may_see_families=False))
    assert rules.visible_changes("claim", None, {"status": ["draft", "built"]}, False) == {
        "status": ["draft", "built"]
    }
    assert rules.visible_changes("member", 4, None, False) == {}


# ---------------------------------------------------------------- reads (access events)


def test_a_reads_particulars_are_shown_whole_or_not_at_all():
    detail = {"terms": "9434765870", "results": 1, "family_ids": [7]}
    assert rules.visible_detail(detail, may_see_families=True) == detail
    assert rules.visible_detail(detail, may_see_families=True) is not detail  # a copy: the event is never touched
    assert rules.visible_detail(detail, may_see_families=False) is None
    assert rules.visible_detail({"file": "scorecard-2020-10.csv"}, may_see_families=False) is None  # fails closed
    assert rules.visible_detail(None, may_see_families=True) == {}
