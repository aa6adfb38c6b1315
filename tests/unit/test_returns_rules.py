"""The quarterly progress return's rules, on hand-made cohorts: quarters, each count, and the quarter's edges."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.engine_cohort import PROBLEM_IDS, Cohort, d
from tfclaims.engine.dates import quarter_label
from tfclaims.engine.rules import evaluate
from tfclaims.returns import rules
from tfclaims.returns.rules import ALL_FRAMEWORKS, TOTAL_LABEL, Quarter, parse_quarter

Q = Quarter(2019, 2)  # 2019-20 Q2: 1 July to 30 September 2019
NAMES = {"TF2015": "Troubled Families 2015-21", "SF2022": "Supporting Families 2022-25"}


def headline() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "framework": fw,
                "framework_name": NAMES[fw],
                "problem_id": pid,
                "problem_number": pid % 100,
                "problem_name": code,
            }
            for (fw, code), pid in PROBLEM_IDS.items()
        ]
    )


def progress(cohort: Cohort, quarter: Quarter = Q) -> rules.ProgressReturn:
    frames = cohort.frames()
    return rules.progress_return(frames, evaluate(frames, quarter.end), headline(), quarter)


def reattach(cohort: Cohort, family, attached_on: str, problems: list[str], closed_on: str | None = None) -> None:
    """A further attachment of the same family (the builder makes one per family)."""
    attachment_id = family.id * 1000 + len(cohort.rows["attachments"])
    cohort.rows["attachments"].append(
        {
            "family_id": family.id,
            "reference": f"FAM-{family.id:05d}",
            "team": "North",
            "lead_practitioner": "Sam",
            "attachment_id": attachment_id,
            "attached_on": d(attached_on),
            "closed_on": d(closed_on),
            "closure_reason": "stepped_down" if closed_on else None,
            "plan_version_id": 1,
        }
    )
    for code in problems:
        cohort.rows["problems"].append(
            {
                "attachment_id": attachment_id,
                "family_id": family.id,
                "problem_id": PROBLEM_IDS[("TF2015", code)],
                "member_id": family.member_ids["child1"],
                "identified_after_attachment": False,
            }
        )


def counts(table: pd.DataFrame, column: str, framework: str = "TF2015") -> dict[str, int]:
    """A column of the by-problem table as {problem code or "total": count}, zeros left out."""
    rows = table[table["framework"] == framework]
    found = dict(zip(rows["problem_name"].where(~rows["total"], "total"), rows[column], strict=True))
    return {k: v for k, v in found.items() if v}


# ---------------------------------------------------------------- quarters


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2019, 4, 1), "2019-20 Q1", date(2019, 4, 1), date(2019, 6, 30)),
        (date(2019, 6, 30), "2019-20 Q1", date(2019, 4, 1), date(2019, 6, 30)),
        (date(2019, 7, 1), "2019-20 Q2", date(2019, 7, 1), date(2019, 9, 30)),
        (date(2019, 12, 31), "2019-20 Q3", date(2019, 10, 1), date(2019, 12, 31)),
        (date(2020, 1, 1), "2019-20 Q4", date(2020, 1, 1), date(2020, 3, 31)),
        (date(2020, 3, 31), "2019-20 Q4", date(2020, 1, 1), date(2020, 3, 31)),
        (date(2024, 2, 29), "2023-24 Q4", date(2024, 1, 1), date(2024, 3, 31)),
        (date(2099, 5, 5), "2099-00 Q1", date(2099, 4, 1), date(2099, 6, 30)),
    ],
)
def test_the_quarter_of_a_date(day, label, start, end):
    quarter = Quarter.of(day)
    assert (quarter.label, quarter.start, quarter.end) == (label, start, end)
    assert quarter_label(pd.Series([pd.Timestamp(day)])).iloc[0] == label  # as the claim calendar writes it
    assert parse_quarter(quarter.slug) == quarter
    assert Quarter.of(quarter.start) == Quarter.of(quarter.end) == quarter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-27-q2", Quarter(2026, 2)),
        ("2026-27 Q2", Quarter(2026, 2)),
        (" 2026-27-Q4 ", Quarter(2026, 4)),
        ("1999-00-q1", Quarter(1999, 1)),
        ("2026-28-q2", None),
        ("2026-27-q5", None),
        ("2026-27-q0", None),
        ("2026/27 Q2", None),
        ("26-27-q2", None),
        ("", None),
        (None, None),
        ("spring", None),
    ],
)
def test_parse_quarter(text, expected):
    assert parse_quarter(text) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 2), "2026-27 Q2"),
        (date(2026, 10, 1), "2026-27 Q2"),
        (date(2026, 9, 30), "2026-27 Q1"),
        (date(2026, 4, 1), "2025-26 Q4"),
        (date(2026, 3, 31), "2025-26 Q3"),
    ],
)
def test_the_default_quarter_is_the_last_complete_one(today, expected):
    assert rules.default_quarter(today).label == expected


def test_next_and_previous_cross_the_financial_year():
    assert Quarter(2019, 4).next() == Quarter(2020, 1)
    assert Quarter(2020, 1).previous() == Quarter(2019, 4)
    assert Quarter(2019, 2).months == "July to September 2019"
    assert Quarter(2019, 4).months == "January to March 2020"
    assert Quarter(2019, 3).months == "October to December 2019"


@pytest.mark.parametrize(
    ("first", "today", "expected"),
    [
        (date(2026, 5, 1), date(2026, 12, 2), ["2026-27 Q3", "2026-27 Q2", "2026-27 Q1"]),
        (date(2026, 11, 1), date(2026, 12, 2), ["2026-27 Q3", "2026-27 Q2"]),  # the default is always offered
        (None, date(2026, 12, 2), ["2026-27 Q3", "2026-27 Q2"]),
        (date(2030, 1, 1), date(2026, 12, 2), ["2026-27 Q3", "2026-27 Q2"]),
    ],
)
def test_the_quarters_offered(first, today, expected):
    assert [q.label for q in rules.quarters(first, today)] == expected


def test_outcomes_are_judged_on_the_quarter_end_or_today():
    assert rules.judged_on(Quarter(2026, 2), date(2026, 12, 2)) == date(2026, 9, 30)
    assert rules.judged_on(Quarter(2026, 3), date(2026, 12, 2)) == date(2026, 12, 2)


# ---------------------------------------------------------------- attached and worked with, at the edges


@pytest.mark.parametrize(
    ("attached_on", "closed_on", "attached", "worked_with"),
    [
        ("2019-06-30", None, 0, 1),  # the day before the quarter, still open
        ("2019-07-01", None, 1, 1),  # the quarter's first day
        ("2019-09-30", None, 1, 1),  # the quarter's last day
        ("2019-10-01", None, 0, 0),  # the day after
        ("2019-03-01", "2019-06-30", 0, 0),  # closed the day before the quarter starts
        ("2019-03-01", "2019-07-01", 0, 1),  # closed on its first day
        ("2019-03-01", "2019-09-30", 0, 1),
        ("2019-03-01", "2019-10-15", 0, 1),  # closed after it
        ("2019-07-01", "2019-07-01", 1, 1),  # attached and closed the same day
        ("2019-09-30", "2019-12-01", 1, 1),
    ],
)
def test_attached_and_worked_with_at_the_quarter_edges(attached_on, closed_on, attached, worked_with):
    cohort = Cohort()
    cohort.family(attached_on, ["school", "health"], closed_on=closed_on)
    table = progress(cohort).problems
    expected_attached = {"school": 1, "health": 1, "total": 1} if attached else {}
    expected_worked = {"school": 1, "health": 1, "total": 1} if worked_with else {}
    assert counts(table, "attached") == expected_attached
    assert counts(table, "worked_with") == expected_worked


def test_a_family_counts_once_per_headline_problem_and_once_in_the_total():
    cohort = Cohort()
    one = cohort.family("2019-07-10", ["school", "health"])
    one.problem("school", member="child2")  # a second member with the same problem
    one.problem("crime_asb", after=True)  # identified after attachment
    cohort.family("2019-08-01", ["school", "domestic_abuse"])
    cohort.family("2019-01-01", ["worklessness", "health"])  # worked with, not attached
    table = progress(cohort).problems
    assert counts(table, "attached") == {"crime_asb": 1, "school": 2, "domestic_abuse": 1, "health": 1, "total": 2}
    assert counts(table, "worked_with") == {
        "crime_asb": 1,
        "school": 2,
        "worklessness": 1,
        "domestic_abuse": 1,
        "health": 2,
        "total": 3,
    }


def test_a_family_attached_twice_in_the_quarter_counts_once():
    cohort = Cohort()
    family = cohort.family("2019-07-01", ["school", "health"], closed_on="2019-07-20")
    reattach(cohort, family, "2019-08-01", ["school", "crime_asb"])
    table = progress(cohort).problems
    expected = {"crime_asb": 1, "school": 1, "health": 1, "total": 1}
    assert counts(table, "attached") == expected
    assert counts(table, "worked_with") == expected


def test_every_problem_of_the_framework_is_a_row_in_number_order_then_the_total():
    cohort = Cohort()
    cohort.family("2019-07-01", ["school", "health"])
    table = progress(cohort).problems
    assert table["problem_number"].tolist()[:-1] == [1, 2, 3, 4, 5, 6]
    assert table["problem_number"].isna().tolist() == [False] * 6 + [True]
    assert table["problem_name"].iloc[-1] == TOTAL_LABEL
    assert table["total"].tolist() == [False] * 6 + [True]
    assert set(table["framework_name"]) == {"Troubled Families 2015-21"}
    assert list(table.columns) == rules.PROBLEM_COLUMNS


# ---------------------------------------------------------------- outcomes, at the edges


@pytest.mark.parametrize(
    ("decided_on", "sustained"),
    [("2019-06-30", 0), ("2019-07-01", 1), ("2019-09-30", 1), ("2019-10-01", 0)],
)
def test_problems_sustained_in_the_quarter(decided_on, sustained):
    cohort = Cohort()
    cohort.family("2019-01-10", ["school", "health"]).evidence("health", "accepted", "2019-01-10", decided_on)
    table = progress(cohort).problems
    assert counts(table, "sustained") == ({"health": 1, "total": 1} if sustained else {})


def test_the_sustained_total_counts_families_with_a_problem_sustained():
    cohort = Cohort()
    family = cohort.family("2019-01-10", ["worklessness", "health"])
    family.evidence("health", "accepted", "2019-01-10", "2019-07-15")
    family.evidence("worklessness", "accepted", "2019-01-10", "2019-08-15")
    table = progress(cohort).problems
    assert counts(table, "sustained") == {"worklessness": 1, "health": 1, "total": 1}


@pytest.mark.parametrize(
    ("decided_on", "ssp"),
    [("2019-06-30", 0), ("2019-07-01", 1), ("2019-09-30", 1), ("2019-10-01", 0)],
)
def test_families_claimable_by_ssp_in_the_quarter(decided_on, ssp):
    cohort = Cohort()
    cohort.family("2019-01-10", ["health"]).evidence("health", "accepted", "2019-01-10", decided_on)
    routes = progress(cohort).routes.set_index("route")["claimable"]
    assert routes.to_dict() == {"SSP": ssp, "CE": 0, "SFO": 0, "": ssp}


@pytest.mark.parametrize(
    ("attached_on", "ce"),
    [
        ("2018-12-31", 0),  # 26 weeks in work from attachment: claimable on 30 June 2019
        ("2019-01-01", 1),  # 1 July 2019
        ("2019-04-02", 1),  # 30 September 2019
        ("2019-04-03", 0),  # 1 October 2019
    ],
)
def test_families_claimable_by_ce_in_the_quarter(attached_on, ce):
    cohort = Cohort()
    cohort.family(attached_on, ["worklessness", "school"]).spell(attached_on, None)
    result = progress(cohort)
    routes = result.routes.set_index("route")["claimable"]
    assert routes.to_dict() == {"SSP": 0, "CE": ce, "SFO": 0, "": ce}
    # Worklessness is met by the same continuous employment, on the same day.
    assert counts(result.problems, "sustained") == ({"worklessness": 1, "total": 1} if ce else {})


@pytest.mark.parametrize(
    ("closed_on", "sfo"),
    [
        ("2018-12-31", 0),  # judged six months later: 30 June 2019, the day before the quarter
        ("2019-01-01", 1),  # 1 July 2019
        ("2019-03-31", 1),  # 30 September 2019
        ("2019-04-01", 0),  # 1 October 2019
    ],
)
def test_families_claimable_by_sfo_in_the_quarter(closed_on, sfo):
    cohort = Cohort()
    needs = ["health", "housing", "relationships"]
    family = cohort.family("2018-06-01", needs, framework="SF2022", closed_on=closed_on)
    for need in ("health", "housing", "relationships"):
        family.evidence(need, "accepted", "2018-06-01", closed_on)  # a sign-off counts on or after closure
    result = progress(cohort)
    routes = result.routes.set_index("route")["claimable"]
    assert routes.to_dict() == {"SSP": 0, "CE": 0, "SFO": sfo, "": sfo}
    # Closed before the quarter: not worked with in it, though its outcome is judged in it.
    assert counts(result.problems, "worked_with", "SF2022") == {}


def test_outcomes_judged_before_the_quarter_end_leave_out_what_comes_later():
    """A quarter not over yet is judged as of today: an outcome dated later is not counted."""
    cohort = Cohort()
    cohort.family("2019-01-10", ["health"]).evidence("health", "accepted", "2019-01-10", "2019-08-15")
    frames = cohort.frames()
    early = rules.progress_return(frames, evaluate(frames, date(2019, 8, 1)), headline(), Q, date(2019, 8, 1))
    assert not early.complete
    assert early.totals() == {"attached": 0, "worked_with": 1, "sustained": 0, "claimable": 0}
    late = progress(cohort)
    assert late.complete
    assert late.totals() == {"attached": 0, "worked_with": 1, "sustained": 1, "claimable": 1}


# ---------------------------------------------------------------- frameworks


def test_two_frameworks_each_have_their_rows_and_total_and_a_last_row_counts_everyone():
    cohort = Cohort()
    cohort.family("2019-07-01", ["school", "health"])
    cohort.family("2019-08-01", ["health", "housing", "crime"], framework="SF2022")
    cohort.family("2019-02-01", ["education", "health", "financial"], framework="SF2022")
    table = progress(cohort).problems
    assert table["framework"].tolist() == ["TF2015"] * 7 + ["SF2022"] * 11 + [""]
    assert counts(table, "attached", "TF2015") == {"school": 1, "health": 1, "total": 1}
    assert counts(table, "attached", "SF2022") == {"health": 1, "housing": 1, "crime": 1, "total": 1}
    assert counts(table, "worked_with", "SF2022") == {
        "education": 1,
        "health": 2,
        "crime": 1,
        "housing": 1,
        "financial": 1,
        "total": 2,
    }
    last = table.iloc[-1]
    assert (last["framework_name"], last["problem_name"], last["total"]) == (ALL_FRAMEWORKS, TOTAL_LABEL, True)
    assert (last["attached"], last["worked_with"], last["sustained"]) == (2, 3, 0)


def test_only_the_frameworks_of_the_families_counted_are_shown():
    cohort = Cohort()
    cohort.family("2015-06-01", ["school", "health"], closed_on="2016-01-01")  # long closed
    cohort.family("2019-07-01", ["health", "housing", "crime"], framework="SF2022")
    table = progress(cohort).problems
    assert set(table["framework"]) == {"SF2022"}


def test_a_quarter_with_nothing_to_count_shows_the_cohorts_frameworks_with_zeros():
    cohort = Cohort()
    cohort.family("2015-06-01", ["school", "health"], closed_on="2016-01-01")
    result = progress(cohort)
    assert set(result.problems["framework"]) == {"TF2015"}
    assert result.problems[["attached", "worked_with", "sustained"]].to_numpy().sum() == 0
    assert result.totals() == {"attached": 0, "worked_with": 0, "sustained": 0, "claimable": 0}


def test_an_empty_cohort_gives_empty_tables_and_zero_routes():
    result = progress(Cohort())
    assert result.problems.empty
    assert list(result.problems.columns) == rules.PROBLEM_COLUMNS
    assert result.routes["claimable"].tolist() == [0, 0, 0, 0]
    assert result.routes["route"].tolist() == ["SSP", "CE", "SFO", ""]
    assert rules.long_table(result)["section"].unique().tolist() == ["Families claimable"]


def test_the_long_table_has_a_line_per_figure():
    cohort = Cohort()
    cohort.family("2019-07-01", ["school", "health"]).evidence("health", "accepted", "2019-01-10", "2019-08-01")
    result = progress(cohort)
    long = rules.long_table(result)
    assert list(long.columns) == rules.LONG_COLUMNS
    assert long["section"].value_counts().to_dict() == {
        "Families attached": 7,
        "Families worked with": 7,
        "Problems sustained": 7,
        "Families claimable": 4,
    }
    total = long[(long["section"] == "Families attached") & (long["row"] == TOTAL_LABEL)]
    assert total["count"].tolist() == [1]
    routes = long[long["section"] == "Families claimable"]
    assert routes["row"].tolist() == [
        "SSP: significant and sustained progress",
        "CE: continuous employment",
        "SFO: successful family outcome",
        "All routes",
    ]
    assert routes["count"].tolist() == [0, 0, 0, 0]  # school not sustained: not claimable
