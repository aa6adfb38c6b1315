"""The cohort lists as pure functions of the engine's verdicts: no app, no database."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from tests.engine_cohort import PROBLEM_IDS, Cohort
from tfclaims.engine import exports, lists
from tfclaims.engine.lists import ListFilter
from tfclaims.engine.rules import evaluate

AS_OF = date(2019, 8, 1)


def refs(frame: pd.DataFrame) -> list[str]:
    return frame["reference"].tolist()


def pid(code: str, framework: str = "TF2015") -> int:
    return PROBLEM_IDS[(framework, code)]


@pytest.fixture
def cohort() -> Cohort:
    """As of 1 August 2019 (references FAM-00001 onwards, in this order):
    1. health signed off, no domestic abuse since 10 January: SSP from 9 July 2019;
    2. an adult on JSA in work from 7 January: CE from 7 July 2019;
    3. health signed off, school not met: all but one problem sustained, no date;
    4. offending (two before attachment) and domestic abuse, none since 2 May: expected by SSP on 1 November 2019,
       exactly three months on;
    5. as 4 but attached a day later: expected on 2 November 2019, a day too late;
    6. nothing recorded: not met, no date;
    7. as 3, but closed as not eligible: never claimable;
    8. attached after the as-of date.
    """
    c = Cohort()
    c.family("2019-01-10", ["health", "domestic_abuse"]).evidence("health", "accepted", "2019-03-01", "2019-04-01")
    c.family("2019-01-07", ["worklessness", "school"]).spell("2019-01-07", None)
    c.family("2019-01-10", ["school", "health"]).evidence("health", "accepted", "2019-03-01", "2019-04-01")
    c.family("2019-05-02", ["crime_asb", "domestic_abuse"]).event("asb", "2019-02-01").event("asb", "2019-03-01")
    c.family("2019-05-03", ["crime_asb", "domestic_abuse"]).event("asb", "2019-02-01").event("asb", "2019-03-01")
    c.family("2019-01-10", ["school", "health"])
    c.family("2019-01-10", ["school", "health"], closed_on="2019-06-01", closure_reason="not_eligible").evidence(
        "health", "accepted", "2019-03-01", "2019-04-01"
    )
    c.family("2019-09-01", ["school", "health"])
    teams = ["North", "North", "South", "South", "South", "North", "South", "North"]
    practitioners = ["Sam", "Sam", "Jo", "Jo", "Ade", "Sam", "Jo", "Sam"]
    for row, team, practitioner in zip(c.rows["attachments"], teams, practitioners, strict=True):
        row.update(team=team, lead_practitioner=practitioner)
    return c


@pytest.fixture
def verdicts(cohort):
    return evaluate(cohort.frames(), AS_OF)


def test_ready_to_claim_is_the_claimable_families_earliest_first(verdicts):
    rows = lists.ready_to_claim(verdicts, AS_OF)
    assert refs(rows) == ["FAM-00002", "FAM-00001"]
    assert rows["route"].tolist() == ["CE", "SSP"]
    assert rows["claimable_on"].tolist() == [pd.Timestamp("2019-07-07"), pd.Timestamp("2019-07-09")]
    assert list(rows.columns) == lists.READY_COLUMNS
    assert rows["problems_sustained"].tolist() == [1, 2]


def test_nearly_there_all_but_one_or_expected_within_three_months(verdicts):
    rows = lists.nearly_there(verdicts, AS_OF)
    assert refs(rows) == ["FAM-00004", "FAM-00003"]  # dated first, then no date
    soon, one_left = rows.to_dict("records")
    assert (soon["claimable_on"], soon["expected_route"], soon["why"]) == (
        pd.Timestamp("2019-11-01"),
        "SSP",
        "Expected within 3 months",
    )
    assert soon["problems_left"] == 2 and soon["blockers"].startswith("Not yet sustained: crime_asb (progressing)")
    assert pd.isna(one_left["claimable_on"]) and one_left["why"] == "All but one problem sustained"
    assert one_left["blockers"] == "Not yet sustained: school (not met)."


def test_nearly_there_leaves_out_claimable_never_claimable_and_later_families(verdicts):
    nearly = set(refs(lists.nearly_there(verdicts, AS_OF)))
    # 1 and 2 are claimable, 5 is a day beyond the three months, 6 has nothing, 7 was not eligible, 8 came later
    assert nearly.isdisjoint({"FAM-00001", "FAM-00002", "FAM-00005", "FAM-00006", "FAM-00007", "FAM-00008"})


def test_nearly_there_counts_both_reasons():
    c = Cohort()
    c.family("2019-05-01", ["health", "domestic_abuse"]).evidence("health", "accepted", "2019-06-01", "2019-06-02")
    [row] = lists.nearly_there(evaluate(c.frames(), AS_OF), AS_OF).to_dict("records")
    assert row["why"] == "All but one problem sustained; expected within 3 months"
    assert row["claimable_on"] == pd.Timestamp("2019-10-31")


def test_a_family_outcome_waiting_for_its_day_is_nearly_there():
    """Every need sustained, case closed: judged six months after closure, a date the engine can foresee."""
    c = Cohort()
    needs = ["health", "early_years", "housing"]
    family = c.family("2023-01-10", needs, framework="SF2022", closed_on="2023-06-01")
    for need in needs:
        family.evidence(need, "accepted", "2023-03-01", "2023-06-01")  # signed off on closure: it counts
    as_of = date(2023, 7, 1)
    verdicts = evaluate(c.frames(), as_of)
    [row] = lists.nearly_there(verdicts, as_of).to_dict("records")
    assert (row["problems_left"], row["why"], row["expected_route"]) == (0, "Every problem sustained", "SFO")
    assert row["claimable_on"] == pd.Timestamp("2023-12-01")
    table = lists.calendar(verdicts, as_of)
    assert table[["quarter", "SFO", "total"]].values.tolist() == [["2023-24 Q3", 1, 1]]


@pytest.mark.parametrize(
    ("filters", "ready", "nearly"),
    [
        (ListFilter(), ["FAM-00002", "FAM-00001"], ["FAM-00004", "FAM-00003"]),
        (ListFilter(team="South"), [], ["FAM-00004", "FAM-00003"]),
        (ListFilter(team="North"), ["FAM-00002", "FAM-00001"], []),
        (ListFilter(practitioner="Jo"), [], ["FAM-00004", "FAM-00003"]),
        (ListFilter(team="South", practitioner="Ade"), [], []),
        (ListFilter(problem_id=pid("worklessness")), ["FAM-00002"], []),
        (ListFilter(problem_id=pid("school")), ["FAM-00002"], ["FAM-00003"]),
        (ListFilter(status="progressing"), [], ["FAM-00004"]),
        (ListFilter(status="sustained"), ["FAM-00002", "FAM-00001"], ["FAM-00003"]),
        (ListFilter(problem_id=pid("school"), status="not_met"), ["FAM-00002"], ["FAM-00003"]),
        (ListFilter(problem_id=pid("health"), status="not_met"), [], []),
        (ListFilter(problem_id=pid("education", "SF2022")), [], []),
    ],
)
def test_filters_narrow_every_list(verdicts, filters, ready, nearly):
    assert refs(lists.ready_to_claim(verdicts, AS_OF, filters)) == ready
    assert refs(lists.nearly_there(verdicts, AS_OF, filters)) == nearly
    counted = lists.calendar(verdicts, AS_OF, filters)["total"].sum()
    assert counted == len(lists.calendar_families(verdicts, AS_OF, filters))


def test_the_cohort_is_the_families_attached_by_the_date(verdicts):
    # The engine judges only attachments made by the as-of date; the lists keep to them as well.
    assert "FAM-00008" not in refs(verdicts.families)
    assert "FAM-00008" not in refs(lists.cohort(verdicts, AS_OF))


def test_calendar_counts_families_by_quarter_and_route(verdicts):
    table = lists.calendar(verdicts, AS_OF)
    assert list(table.columns) == ["quarter", "slug", "SSP", "CE", "SFO", "total"]
    assert table.values.tolist() == [
        ["2019-20 Q2", "2019-20-q2", 1, 1, 0, 2],
        ["2019-20 Q3", "2019-20-q3", 2, 0, 0, 2],
        ["No date yet", "no-date", 0, 0, 0, 2],
    ]


def test_calendar_quarters_run_across_financial_years_with_no_date_last():
    c = Cohort()
    c.family("2018-10-01", ["crime_asb", "domestic_abuse"])  # sustained 31 March 2019: 2018-19 Q4
    c.family("2018-10-02", ["crime_asb", "domestic_abuse"])  # sustained 1 April 2019: 2019-20 Q1
    c.family("2019-06-01", ["school", "health"])  # no date
    c.family("2017-10-02", ["crime_asb", "domestic_abuse"])  # sustained 1 April 2018: 2018-19 Q1
    table = lists.calendar(evaluate(c.frames(), date(2020, 1, 1)), date(2020, 1, 1))
    assert table["quarter"].tolist() == ["2018-19 Q1", "2018-19 Q4", "2019-20 Q1", "No date yet"]
    assert table["total"].tolist() == [1, 1, 1, 1]


def test_calendar_families_by_quarter_route_and_no_date(verdicts):
    q3 = lists.calendar_families(verdicts, AS_OF, quarter="2019-20 Q3")
    assert refs(q3) == ["FAM-00004", "FAM-00005"]
    assert q3["claimable"].tolist() == [False, False] and q3["route"].tolist() == ["SSP", "SSP"]
    q2 = lists.calendar_families(verdicts, AS_OF, quarter="2019-20 Q2", route="CE")
    assert refs(q2) == ["FAM-00002"] and q2["claimable"].tolist() == [True]
    assert refs(lists.calendar_families(verdicts, AS_OF, quarter="")) == ["FAM-00003", "FAM-00006"]
    assert "FAM-00007" not in refs(lists.calendar_families(verdicts, AS_OF))  # closed as not eligible


def test_an_empty_cohort_gives_empty_lists():
    c = Cohort()
    verdicts = evaluate(c.frames(), AS_OF)
    assert lists.ready_to_claim(verdicts, AS_OF).empty
    assert lists.nearly_there(verdicts, AS_OF).empty
    table = lists.calendar(verdicts, AS_OF)
    assert table.empty and list(table.columns) == ["quarter", "slug", "SSP", "CE", "SFO", "total"]


@pytest.mark.parametrize(
    ("slug", "label"),
    [("2017-18-q2", "2017-18 Q2"), ("2099-00-q4", "2099-00 Q4"), ("no-date", ""), ("2017-19-q2", None)],
)
def test_quarter_slugs(slug, label):
    assert lists.quarter_from_slug(slug) == label
    if label:
        assert lists.quarter_slug(label) == slug


@pytest.mark.parametrize("slug", ["2017-18-q5", "2017-18", "q2", "", "2017-18-Q2", "17-18-q2"])
def test_not_quarter_slugs(slug):
    assert lists.quarter_from_slug(slug) is None


def test_filter_choices_come_from_the_cohort(cohort):
    cohort.family("2023-01-10", ["education", "health", "housing"], framework="SF2022")
    choices = lists.filter_choices(cohort.frames())
    assert choices.teams == ["North", "South"]
    assert choices.practitioners == ["Ade", "Jo", "Sam"]
    labels = [label for _, label in choices.problems]
    assert labels[:2] == ["1. crime_asb (TF2015)", "2. school (TF2015)"]
    assert labels[-3:] == ["1. education (SF2022)", "3. health (SF2022)", "9. housing (SF2022)"]
    assert choices.problems[0][0] == pid("crime_asb")


def test_problem_labels_name_no_framework_when_there_is_one():
    c = Cohort()
    c.family("2019-01-10", ["school", "health"])
    assert [label for _, label in lists.filter_choices(c.frames()).problems] == ["2. school", "6. health"]


# ---------------------------------------------------------------- the CSV files


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(data.decode("utf-8")), dtype=str, keep_default_na=False)


def test_csv_has_headings_in_words_and_dates_as_iso(verdicts):
    frame = read(exports.csv_bytes(lists.ready_to_claim(verdicts, AS_OF), exports.READY))
    assert list(frame.columns) == list(exports.READY.values())
    assert frame["Claimable from"].tolist() == ["2019-07-07", "2019-07-09"]
    assert frame["Problems sustained"].tolist() == ["1", "2"]
    nearly = read(exports.csv_bytes(lists.nearly_there(verdicts, AS_OF), exports.NEARLY_THERE))
    assert nearly["Expected to be claimable from"].tolist() == ["2019-11-01", ""]
    calendar = read(exports.csv_bytes(lists.calendar_families(verdicts, AS_OF), exports.CALENDAR))
    assert calendar["Quarter"].tolist()[-1] == "No date yet"
    assert calendar["Claimable on the as-of date"].tolist()[:2] == ["Yes", "Yes"]


def test_csv_is_utf8_and_defuses_formulas(cohort):
    cohort.rows["attachments"][0].update(team="Équipe Nord", lead_practitioner='=HYPERLINK("x")')
    verdicts = evaluate(cohort.frames(), AS_OF)
    data = exports.csv_bytes(lists.ready_to_claim(verdicts, AS_OF), exports.READY)
    frame = read(data)
    assert "Équipe Nord" in frame["Team"].tolist()
    assert '\'=HYPERLINK("x")' in frame["Lead practitioner"].tolist()


def test_file_names():
    assert exports.file_name("ready-to-claim", date(2026, 11, 22)) == "ready-to-claim-2026-11-22.csv"


# ---------------------------------------------------------------- claimed families (issue 11, item 1 and 2)


def claimed_frame(verdicts, *rows) -> pd.DataFrame:
    """The frame ``claims.queries.held_lines`` gives: one row per (reference, framework, invalid)."""
    ids = dict(zip(verdicts.families["reference"], verdicts.families["family_id"], strict=True))
    return pd.DataFrame(
        [
            {
                "family_id": ids[reference],
                "framework": framework,
                "line_id": n,
                "claim_id": 7,
                "claim_reference": "2019-20 Q2 claim 1",
                "claim_status": "submitted",
                "window_label": "2019-20 Q2",
                "claim_route": "SSP",
                "line_state": "rejected" if invalid else "included",
                "disposition": "invalid" if invalid else None,
                "invalid": invalid,
            }
            for n, (reference, framework, invalid) in enumerate(rows, start=1)
        ]
    )


def test_a_claimed_family_is_never_offered_as_ready_nearly_there_or_in_the_calendar(verdicts):
    # 1 (ready, SSP) and 4 (nearly there, expected in Q3) are in a live claim of their phase; 2 (ready, CE) had
    # its result marked invalid: none of them is offered, and the calendar counts none of them as to come.
    claimed = claimed_frame(verdicts, ("FAM-00001", "TF2015", False), ("FAM-00004", "TF2015", False),
                            ("FAM-00002", "TF2015", True))
    assert refs(lists.ready_to_claim(verdicts, AS_OF, claimed=claimed)) == []
    assert refs(lists.nearly_there(verdicts, AS_OF, claimed=claimed)) == ["FAM-00003"]
    table = lists.calendar(verdicts, AS_OF, claimed=claimed)
    assert table.values.tolist() == [
        ["2019-20 Q3", "2019-20-q3", 1, 0, 0, 1],
        ["No date yet", "no-date", 0, 0, 0, 2],
    ]
    families = lists.calendar_families(verdicts, AS_OF, claimed=claimed)
    assert not {"FAM-00001", "FAM-00002", "FAM-00004"} & set(refs(families))
    csv = exports.csv_bytes(lists.ready_to_claim(verdicts, AS_OF, claimed=claimed), exports.READY).decode()
    assert "FAM-00001" not in csv and "FAM-00002" not in csv
    # Without the claimed frame the lists are as before.
    assert refs(lists.ready_to_claim(verdicts, AS_OF)) == ["FAM-00002", "FAM-00001"]


def test_a_family_claimed_in_another_phase_is_still_offered(verdicts):
    # Claimed once per programme phase: a line under Supporting Families 2022-25 does not hold a family whose
    # current attachment is under Troubled Families 2015-21.
    claimed = claimed_frame(verdicts, ("FAM-00001", "SF2022", False))
    assert refs(lists.ready_to_claim(verdicts, AS_OF, claimed=claimed)) == ["FAM-00002", "FAM-00001"]
    assert lists.already_claimed(verdicts, AS_OF, claimed=claimed).empty


def test_already_claimed_lists_the_held_families_with_their_claim(verdicts):
    claimed = claimed_frame(verdicts, ("FAM-00004", "TF2015", False), ("FAM-00001", "TF2015", False),
                            ("FAM-00002", "TF2015", True))
    rows = lists.already_claimed(verdicts, AS_OF, claimed=claimed)
    assert list(rows.columns) == lists.ALREADY_CLAIMED_COLUMNS
    assert refs(rows) == ["FAM-00001", "FAM-00002", "FAM-00004"]
    assert rows["invalid"].tolist() == [False, True, False]
    assert rows["claim_reference"].tolist() == ["2019-20 Q2 claim 1"] * 3
    # Only those the engine finds claimable: the ones the ready list would otherwise offer.
    assert refs(lists.already_claimed(verdicts, AS_OF, claimed=claimed, claimable_only=True)) == [
        "FAM-00001", "FAM-00002"
    ]
    # The filters narrow it like every list.
    assert refs(lists.already_claimed(verdicts, AS_OF, ListFilter(team="South"), claimed)) == ["FAM-00004"]
    assert lists.already_claimed(verdicts, AS_OF, claimed=claimed.iloc[0:0]).empty
    assert lists.already_claimed(verdicts, AS_OF).empty
    out = exports.csv_bytes(exports.claimed_rows(rows, {"TF2015": "Troubled Families 2015-21: results"}),
                            exports.CLAIMED).decode()
    assert "Programme phase" in out and "Troubled Families 2015-21: results" in out
    assert "Result marked invalid" in out and "Claimed" in out
