"""The early-help pathway in the case-management export, read and checked without the database (``imports.sources``,
``imports.episodes``): the optional columns in the council's words (labels and codes, any case), a day and time
received in one cell or two, every row that breaks the pathway's order reported with its row number, column and
reason; the rows of one family's request gathered into one, the later of two rows that disagree refused; and the
request tfclaims already holds taken into account (changed, but not once closed, nor out of order)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest

from tfclaims.imports import episodes, records, sources
from tfclaims.imports.reading import read_table

TODAY = date(2024, 11, 20)
CASE = sources.SOURCES["case_management"]
PERSON = {"Family reference": "EHM-20817", "Relationship": "Child", "Forename": "Jordan", "Surname": "Smith",
          "Date of birth": "05/09/2012"}
PATHWAY = {"Request received on": "02/09/2019", "Request received at": "", "Request source": "School or college",
           "Decision": "Allocated to early help", "Decided on": "04/09/2019", "Assessment started": "10/09/2019",
           "Assessment completed": "01/10/2019", "Plan opened": "14/10/2019", "Episode closed on": "",
           "Episode closure reason": ""}


def _row(**changes) -> dict:
    return {**PERSON, **PATHWAY, **changes}


def _check(rows: list[dict]):
    headings = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headings)
    writer.writeheader()
    writer.writerows(rows)
    return sources.check(CASE, read_table(out.getvalue().encode(), "ehm.csv"), TODAY)


def test_the_pathway_columns_are_optional_and_listed_for_the_templates():
    names = [c.name for c in CASE.columns]
    assert names[-10:] == list(episodes.COLUMNS)
    assert not any(CASE.column(name).required for name in episodes.COLUMNS)
    assert CASE.column("Request received on").holds == "date" and CASE.column("Request received at").holds == "time"
    assert CASE.column("Request source").holds == "code" and CASE.column("Plan opened").holds == "date"
    # A file without them is read as before: nothing of the pathway.
    checked = _check([PERSON])
    assert checked.problems == [] and episodes.facts(checked.rows[0].values) == {}


def test_a_request_with_its_assessment_and_plan_gives_typed_values():
    checked = _check([_row(**{"Request received at": "9:30am"})])
    assert checked.problems == []
    given = episodes.facts(checked.rows[0].values)
    assert given == {"received_on": date(2019, 9, 2), "received_time": time(9, 30), "source": "school",
                     "decision": "early_help", "decided_on": date(2019, 9, 4),
                     "assessment_started": date(2019, 9, 10), "assessment_completed": date(2019, 10, 1),
                     "plan_opened": date(2019, 10, 14)}
    assert episodes.received_at(given) == datetime(2019, 9, 2, 9, 30)


@pytest.mark.parametrize(("column", "cell", "code"), [
    ("Request source", "police", "police"),  # the code, any case
    ("Request source", "THE FAMILY ITSELF", "family"),  # the label, any case
    ("Request source", "  Health (GP, health visitor, school nurse, hospital) ", "health"),
    ("Request source", "MASH", "front_door"),
    ("Decision", "partner_taf", "partner_taf"),
    ("Decision", "step down from social care to early help", "step_down"),
    ("Decision", "Early help", "early_help"),
    ("Episode closure reason", "OUTCOMES_MET", "outcomes_met"),
    ("Episode closure reason", "Family moved out of the area", "moved_away"),
    ("Episode closure reason", "disengaged", "declined"),
])
def test_codes_and_labels_are_read_whatever_their_case(column, cell, code):
    row = _row(**{column: cell})
    if column == "Episode closure reason":
        row["Episode closed on"] = "20/12/2019"
    checked = _check([row])
    assert checked.problems == []
    assert checked.rows[0].values[column] == code


def test_the_day_and_time_received_in_one_cell():
    checked = _check([_row(**{"Request received on": "2019-09-02 14:15:00"}),
                      _row(**{"Request received on": "02/09/2019 09:30", "Request received at": "09:30"}),
                      _row(**{"Request received on": "02/09/2019 09:30", "Request received at": "10:00"})])
    first, second = (r.values for r in checked.rows)
    assert first["Request received on"] == date(2019, 9, 2) and first["Request received at"] == time(14, 15)
    assert second["Request received at"] == time(9, 30)
    assert [(p.row, p.column, p.reason) for p in checked.problems] == [
        (4, "Request received at", "10:00 is not the time Request received on gives (09:30)")]
    # Kept as JSON and read back as they were.
    kept = records.to_json(first)
    assert kept["Request received at"] == "14:15:00" and kept["Request received on"] == "2019-09-02"
    dates = frozenset(c.name for c in CASE.columns if c.holds == "date")
    assert records.from_json(kept, dates, frozenset({"Request received at"})) == {**first, "Problems": None}


def test_every_row_that_breaks_the_pathway_says_its_row_column_and_reason():
    """A row alone: what it gives is compared (what it lacks may be on another row of the family: see below)."""
    checked = _check([
        _row(),  # 2: valid
        _row(**{"Assessment completed": "01/09/2019", "Assessment started": "01/09/2019"}),  # 3
        _row(**{"Request source": "Neighbour"}),  # 4
        _row(**{"Request received on": "", "Request received at": ""}),  # 5
        _row(**{"Request source": ""}),  # 6: valid alone
        _row(**{"Decision": "Advice and signpost"}),  # 7
        _row(**{"Plan opened": "09/09/2019"}),  # 8
        _row(**{"Assessment completed": "05/09/2019"}),  # 9
        _row(**{"Episode closed on": "10/10/2019", "Episode closure reason": "Outcomes met"}),  # 10
        _row(**{"Plan opened": "14/10/2025"}),  # 11
        _row(**{"Decided on": "01/09/2019"}),  # 12
        _row(**{"Request received at": "25:00"}),  # 13
        _row(**{"Decision": "", "Episode closed on": "20/12/2019"}),  # 14: valid alone
    ])
    assert [r.number for r in checked.rows] == [2, 6, 14]
    # An assessment completed before the request was received: the row, the column and the reason.
    assert [(p.row, p.column, p.reason) for p in checked.problems if p.row == 3] == [
        (3, "Assessment started", "the assessment started (01/09/2019) before the request was received (02/09/2019)"),
        (3, "Assessment completed",
         "the assessment was completed (01/09/2019) before the request was received (02/09/2019)"),
    ]
    reasons = {(p.row, p.column): p.reason for p in checked.problems}
    assert reasons[(4, "Request source")].startswith("'Neighbour' is not a source of a request tfclaims knows: "
                                                     "School or college; Health")
    assert reasons[(5, "Request received on")] == (
        "Request source, Decision, Decided on, Assessment started, Assessment completed, Plan opened are given but "
        "not the date the request for early help was received")
    assert reasons[(7, "Decision")] == (
        "an assessment, a family plan or a closure needs a decision to work with the family (Allocated to early "
        "help, Team around the family led by a partner, Step down from social care to early help), not Advice and "
        "signpost")
    assert reasons[(8, "Plan opened")] == ("the family plan opened (09/09/2019) before the assessment started "
                                           "(10/09/2019)")
    assert reasons[(9, "Assessment completed")] == ("the assessment was completed (05/09/2019) before it started "
                                                    "(10/09/2019)")
    assert reasons[(10, "Episode closed on")] == ("the episode closed (10/10/2019) before its latest record (plan "
                                                  "opened, 14/10/2019)")
    assert reasons[(11, "Plan opened")] == "14/10/2025 is in the future"
    assert reasons[(12, "Decided on")] == ("the decision was made (01/09/2019) before the request was received "
                                           "(02/09/2019)")
    assert reasons[(13, "Request received at")] == "'25:00' is not a real time"
    assert checked.invalid_rows == 10 and not checked.refused


def test_a_request_must_be_whole_once_its_rows_are_gathered():
    """What a fact needs (a source; a decision to work with the family; an assessment's start; a closure's date
    and reason together) may be on any row of the family's request, but must be on one: otherwise every row of the
    request says why, and it is not made."""
    base = {"Request received on": "02/09/2019"}
    cases = {
        "A": ([{"Request source": "School"}, {"Decision": "Early help", "Assessment started": "10/09/2019"}], {}),
        "B": ([{}, {"Decision": "Early help"}],
              {"Request source": "the request received 02/09/2019 needs its source (who asked for early help), on "
                                 "this row or another of the family's"}),
        "C": ([{"Request source": "School"}, {"Assessment started": "10/09/2019"}],
              {"Decision": "an assessment, a family plan or a closure needs a decision to work with the family "
                           "(Allocated to early help, Team around the family led by a partner, Step down from "
                           "social care to early help)"}),
        "D": ([{"Request source": "School", "Decision": "Early help"}, {"Assessment completed": "10/09/2019"}],
              {"Assessment started": "an assessment completed needs the date it started"}),
        "E": ([{"Request source": "School", "Decision": "Early help"}, {"Plan opened": "10/09/2019"}],
              {"Plan opened": "a family plan follows the assessment: give the date the assessment started"}),
        "F": ([{"Request source": "School", "Decision": "Early help", "Episode closed on": "10/09/2019"}],
              {"Episode closure reason": "a closed episode needs its closure reason"}),
        "G": ([{"Request source": "School", "Decision": "Early help", "Episode closure reason": "Other"}],
              {"Episode closed on": "a closure reason is given but no date the episode closed"}),
        "H": ([{"Request source": "School", "Decided on": "03/09/2019"}],
              {"Decision": "a decision date is given but no decision"}),
    }
    rows = [{**PERSON, "Family reference": reference, "Forename": f"P{n}", **base, **given}
            for reference, (family_rows, _reasons) in cases.items() for n, given in enumerate(family_rows)]
    checked = _check(rows)
    assert checked.problems == []  # each row alone is in order
    numbered = [(r.number, r.values["Family reference"], r.values) for r in checked.rows]
    # The file alone (its families not yet known): only what is given is compared.
    found, problems = episodes.gather(numbered)
    assert problems == {} and len(found) == len(cases)
    # Once what tfclaims holds is known (here nothing): each request whole.
    found, problems = episodes.gather(numbered, {})
    assert list(found) == [("A", date(2019, 9, 2))]
    for reference, (_family_rows, reasons) in list(cases.items())[1:]:
        numbers = [n for n, ref, _values in numbered if ref == reference]
        for number in numbers:
            assert dict(problems[number]) == reasons, reference


def _valid(rows: list[dict]) -> list[tuple[int, str, dict]]:
    checked = _check(rows)
    assert checked.problems == []
    return [(r.number, r.values["Family reference"], r.values) for r in checked.rows]


def test_the_rows_of_one_family_s_request_are_gathered_and_must_agree():
    request = {"Request received on": "02/09/2019", "Request source": "School", "Decision": "Early help"}
    rows = _valid([
        {**PERSON, "Relationship": "Lead adult", "Forename": "Sam", **request},  # 2: the request
        {**PERSON, **request, "Assessment started": "10/09/2019"},  # 3: adds the assessment
        {**PERSON, "Forename": "Alex", "Request received on": "02/09/2019", "Plan opened": "12/09/2019"},  # 4
        {**PERSON, "Forename": "Ash", **request, "Request source": "Police"},  # 5: disagrees with row 2
        {**PERSON, "Forename": "Bo", "Request received on": "02/09/2019", "Plan opened": "20/09/2019"},  # 6
        {**PERSON, "Forename": "Cy", "Request received on": "02/09/2019", "Episode closed on": "11/09/2019",
         "Episode closure reason": "Outcomes met", "Decision": "Early help"},  # 7: before the plan (row 4)
        {**PERSON, "Forename": "Di", "Family reference": "EHM-1", **request, "Request source": "Police"},  # 8
        {**PERSON, "Forename": "Ed", **request, "Request received on": "03/03/2020"},  # 9: another request
    ])
    found, problems = episodes.gather(rows)
    assert sorted(found) == [("EHM-1", date(2019, 9, 2)), ("EHM-20817", date(2019, 9, 2)),
                             ("EHM-20817", date(2020, 3, 3))]
    first = found[("EHM-20817", date(2019, 9, 2))]
    assert first.facts == {"received_on": date(2019, 9, 2), "source": "school", "decision": "early_help",
                           "assessment_started": date(2019, 9, 10), "plan_opened": date(2019, 9, 12)}
    assert first.rows == [2, 3, 4]
    assert first.given_by == {"received_on": 2, "source": 2, "decision": 2, "assessment_started": 3,
                              "plan_opened": 4}
    assert first.held is None and first.changed() == list(first.facts)
    assert found[("EHM-1", date(2019, 9, 2))].facts["source"] == "police"
    assert problems == {
        5: [("Request source", "Police is not what row 2 says of the same request (School or college): the rows "
                               "of a family's request must agree")],
        6: [("Plan opened", "20/09/2019 is not what row 4 says of the same request (12/09/2019): the rows of a "
                            "family's request must agree")],
        7: [("Episode closed on", "the episode closed (11/09/2019) before its latest record (plan opened, "
                                  "12/09/2019), taken with rows 2, 3 and 4 of the same request")],
    }


def test_a_request_tfclaims_holds_is_changed_in_order_and_kept_once_closed():
    key = ("family", date(2019, 9, 2))
    held = episodes.Held({"received_on": date(2019, 9, 2), "received_time": time(0), "source": "school",
                          "decision": "early_help", "assessment_started": date(2019, 9, 10)},
                         latest=(date(2019, 10, 20), "a contact"), allocated_at=datetime(2019, 9, 2, 10, 0))
    base = {"Request received on": date(2019, 9, 2)}
    cases = [
        (2, {**base, "Request source": "school"}),  # the same: nothing changes
        (3, {**base, "Assessment completed": date(2019, 10, 1)}),  # an addition
        (4, {**base, "Decision": "advice"}),  # allocated: only work with the family
        (5, {**base, "Request received at": time(11, 0)}),  # received after it was allocated
        (6, {**base, "Episode closed on": date(2019, 10, 5), "Episode closure reason": "outcomes_met"}),
        (7, {**base, "Plan opened": date(2019, 9, 9)}),  # before the assessment tfclaims holds
    ]
    found, problems = episodes.gather([(n, "family", v) for n, v in cases], {key: held})
    request = found[key]
    assert request.held is held and request.rows == [2, 3]
    assert request.changed() == ["assessment_completed"]
    assert request.facts["source"] == "school" and request.facts["decision"] == "early_help"
    # A value given otherwise than tfclaims holds it changes it (what it held is kept, by the import, for undo).
    changed, none = episodes.gather([(2, "family", {**base, "Request source": "health"})], {key: held})
    assert none == {} and changed[key].changed() == ["source"] and changed[key].facts["source"] == "health"
    assert problems == {
        4: [("Decision", "the request is allocated to a lead practitioner in tfclaims: it can only be decided as "
                         "work with the family (Allocated to early help, Team around the family led by a partner, "
                         "Step down from social care to early help), taken with rows 2 and 3 of the same request "
                         "and what tfclaims holds of it"),
            ("Decision", "an assessment, a family plan or a closure needs a decision to work with the family "
                         "(Allocated to early help, Team around the family led by a partner, Step down from social "
                         "care to early help), not Advice and signpost, taken with rows 2 and 3 of the same request "
                         "and what tfclaims holds of it")],
        5: [("Request received at", "the request was allocated in tfclaims on 02/09/2019 at 10:00, before the time "
                                    "it was received (11:00), taken with rows 2 and 3 of the same request and what "
                                    "tfclaims holds of it")],
        6: [("Episode closed on", "the episode closed (05/10/2019) before its latest record (a contact, 20/10/2019), "
                                  "taken with rows 2 and 3 of the same request and what tfclaims holds of it")],
        7: [("Plan opened", "the family plan opened (09/09/2019) before the assessment started (10/09/2019), taken "
                            "with rows 2 and 3 of the same request and what tfclaims holds of it")],
    }

    closed = episodes.Held({**held.facts, "closed_on": date(2019, 12, 1), "closure_reason": "outcomes_met"})
    found, problems = episodes.gather([(2, "family", {**base, "Request source": "school"}),
                                       (3, "family", {**base, "Plan opened": date(2019, 9, 12)})], {key: closed})
    assert found[key].changed() == [] and found[key].rows == [2]
    assert problems == {3: [("Plan opened", "the request received 02/09/2019 closed on 01/12/2019 in tfclaims: its "
                                            "records are kept as they were")]}
