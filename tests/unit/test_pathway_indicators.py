"""The early-help pathway's monthly indicators for the scorecard, against a hand-counted service: requests (the last
day of a month and the first of the next; repeats exactly twelve months after, and twelve months and a day),
assessments started and completed (of adults all 21 and over, of someone aged 20 that day), plans, and the
timeliness of first visits, assessments and reviews (a month with nothing to measure has no value)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tfclaims import people
from tfclaims.pathway import indicators, lists, rules
from tfclaims.scorecard import rules as scorecard_rules

TODAY = date(2025, 2, 10)
FIRST, LAST = date(2023, 9, 1), date(2025, 1, 1)


def ts(text):
    return pd.Timestamp(text) if text else pd.NaT


def frames() -> lists.Frames:
    """The service, by request (family; received; decision):

    1 (11; Thu 31 Oct 2024 23:30; early help): allocated 1 Nov, first visit Thu 7 Nov (due 7 Nov: met); assessed
      7 to 29 Nov (due 29 Nov: met), the youngest assessed aged 20 that day (21 on 30 Nov); plan 2 Dec; a review on
      20 Dec with no earlier meeting (nothing to measure it from).
    2 (12; Fri 1 Nov 2024 00:15; early help): allocated 1 Nov, first visit Mon 11 Nov (due Fri 8 Nov: late);
      assessment started 11 Nov, not completed.
    3 (11; 5 Nov 2024; advice): a repeat of 1.
    4 (13; 15 Oct 2023; advice), 5 (13; 15 Oct 2024; early help): 5 is exactly twelve months after 4, a repeat.
      5 allocated 15 Oct, a call on 16 Oct (not a visit) and a home visit on Tue 22 Oct (due 22 Oct: met); assessed
      22 Oct to 12 Nov (due 12 Nov: met), its assessed members all 21 or over that day (the youngest 21 on 12 Nov);
      plan 14 Nov; initial meeting 14 Nov, review 26 Dec (42 days: on time).
    6 (14; 14 Oct 2023; advice), 7 (14; 15 Oct 2024; early help): twelve months and a day apart, not a repeat. 7 is
      never allocated: its assessment, 16 to 30 Oct, of adults over 21 only, has no due day.
    8 (15; Wed 2 Oct 2024 09:00; partner TAF), 9 (15; 2 Oct 2024 14:00; advice): 9 a repeat the same day. 8
      allocated 2 Oct, never visited; assessed 3 to 31 Oct (due 30 Oct: late), no assessed members recorded; plan
      1 Nov; initial meeting 1 Nov, reviews 13 Dec (42 days: on time) and 25 Jan 2025 (due 24 Jan: late).
    """
    f = lists.Frames()
    requests = [
        (1, 11, "2024-10-31 23:30", "early_help"),
        (2, 12, "2024-11-01 00:15", "early_help"),
        (3, 11, "2024-11-05 10:00", "advice"),
        (4, 13, "2023-10-15 09:00", "advice"),
        (5, 13, "2024-10-15 10:00", "early_help"),
        (6, 14, "2023-10-14 09:00", "advice"),
        (7, 14, "2024-10-15 09:00", "early_help"),
        (8, 15, "2024-10-02 09:00", "partner_taf"),
        (9, 15, "2024-10-02 14:00", "advice"),
    ]
    f.requests = pd.DataFrame({
        "request_id": [r[0] for r in requests], "family_id": [r[1] for r in requests],
        "reference": [f"R{r[0]}" for r in requests], "received_at": [ts(r[2]) for r in requests],
        "source": ["school"] * len(requests), "decision": [r[3] for r in requests],
        "decided_on": [ts(r[2][:10]) for r in requests], "closed_on": [pd.NaT] * len(requests),
        "closure_reason": [None] * len(requests),
    }).astype({"received_at": "datetime64[s]", "decided_on": "datetime64[s]", "closed_on": "datetime64[s]"})
    f.allocations = pd.DataFrame({
        "request_id": [1, 2, 5, 8], "practitioner_id": [7, 7, 8, 8], "practitioner": ["Pat", "Pat", "Sam", "Sam"],
        "team": ["North"] * 4,
        "allocated_at": [ts("2024-11-01 10:00"), ts("2024-11-01 11:00"), ts("2024-10-15 11:00"),
                         ts("2024-10-02 12:00")],
    }).astype({"allocated_at": "datetime64[s]"})
    f.contacts = pd.DataFrame({
        "request_id": [1, 2, 5, 5, 8], "kind": ["home_visit", "home_visit", "phone", "home_visit", "phone"],
        "occurred_on": [ts("2024-11-07"), ts("2024-11-11"), ts("2024-10-16"), ts("2024-10-22"), ts("2024-10-03")],
    }).astype({"occurred_on": "datetime64[s]"})
    f.assessments = pd.DataFrame({
        "request_id": [5, 1, 2, 8, 7], "assessment_id": [1, 2, 3, 4, 5],
        "started_on": [ts("2024-10-22"), ts("2024-11-07"), ts("2024-11-11"), ts("2024-10-03"), ts("2024-10-16")],
        "completed_on": [ts("2024-11-12"), ts("2024-11-29"), pd.NaT, ts("2024-10-31"), ts("2024-10-30")],
        "oldest_born_on": [ts("1980-01-01"), ts("1984-05-05"), ts("1984-05-05"), pd.NaT, ts("1970-01-01")],
        "youngest_born_on": [ts("2003-11-12"), ts("2003-11-30"), ts("2012-01-01"), pd.NaT, ts("1990-06-01")],
    }).astype({name: "datetime64[s]" for name in ("started_on", "completed_on", "oldest_born_on",
                                                   "youngest_born_on")})
    f.plans = pd.DataFrame({"request_id": [5, 8, 1],
                            "opened_on": [ts("2024-11-14"), ts("2024-11-01"), ts("2024-12-02")]}).astype(
        {"opened_on": "datetime64[s]"})
    # Not in date order, and the review of 1 has no earlier meeting.
    f.meetings = pd.DataFrame({
        "request_id": [8, 5, 8, 5, 8, 1],
        "held_on": [ts("2025-01-25"), ts("2024-12-26"), ts("2024-11-01"), ts("2024-11-14"), ts("2024-12-13"),
                    ts("2024-12-20")],
        "kind": ["review", "review", "initial", "initial", "review", "review"],
    }).astype({"held_on": "datetime64[s]"})
    return f


def monthly(f: lists.Frames | None = None, versions=None, first=FIRST, last=LAST) -> pd.DataFrame:
    f = f or frames()
    e = lists.episodes(f, lists.standards_frame(versions or [rules.Standards()]), TODAY)
    return indicators.monthly(f, e, first, last).set_index("month")


def values(table: pd.DataFrame, column: str) -> dict[str, float | None]:
    """A column as {"2024-10": value}, None where the month has no value."""
    return {f"{m:%Y-%m}": (None if pd.isna(v) else float(v)) for m, v in table[column].items()}


def shown(table: pd.DataFrame, column: str, months: list[str]) -> list[float | None]:
    found = values(table, column)
    return [found[m] for m in months]


AUTUMN = ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01"]


def test_one_row_per_month_with_every_column():
    table = monthly()
    assert list(table.columns) == list(indicators.COLUMNS[1:])
    assert [f"{m:%Y-%m}" for m in table.index] == (
        ["2023-09", "2023-10", "2023-11", "2023-12"] + [f"2024-{k:02d}" for k in range(1, 13)] + ["2025-01"])
    assert all(type(m) is date and m.day == 1 for m in table.index)


def test_requests_by_the_day_received_and_none_before_the_first():
    table = monthly()
    # 31 October 23:30 is October's; 1 November 00:15 is November's.
    assert values(table, "requests")["2023-09"] is None  # before the first request recorded: no value
    assert values(table, "requests")["2023-10"] == 2
    assert values(table, "requests")["2024-01"] == 0  # after it, a month with none is 0
    assert shown(table, "requests", AUTUMN) == [0, 5, 2, 0, 0]


def test_repeat_requests_within_twelve_months():
    table = monthly()
    # October 2024: 5 (exactly twelve months after 4) and 9 (the same day as 8); 7 is twelve months and a day after
    # 6. November: 3, four working days after 1. October 2023's two requests have none before them.
    assert shown(table, "repeat_requests", AUTUMN) == [0, 2, 1, 0, 0]
    assert values(table, "repeat_requests")["2023-10"] == 0
    assert shown(table, "repeat_percent", AUTUMN) == [None, 40.0, 50.0, None, None]
    assert values(table, "repeat_percent")["2023-10"] == 0.0


def test_repeats_one_by_one():
    f = frames()
    found = dict(zip(f.requests["request_id"], indicators.repeats(f.requests), strict=True))
    assert found == {1: False, 2: False, 3: True, 4: False, 5: True, 6: False, 7: False, 8: False, 9: True}


@pytest.mark.parametrize(("earlier", "later", "repeat"), [
    ("2023-02-28", "2024-02-29", True),    # twelve months before 29 February is 28 February
    ("2023-02-27", "2024-02-29", False),
    ("2023-03-31", "2024-03-31", True),
    ("2023-03-30", "2024-03-31", False),
    ("2024-03-01", "2025-03-01", True),
    ("2024-02-29", "2025-03-01", False),   # twelve months and a day
    ("2024-06-01 18:00", "2024-06-01 08:00", True),  # by the moment: the later one of the day is the repeat
])
def test_the_twelve_months_boundary(earlier, later, repeat):
    requests = pd.DataFrame({"request_id": [1, 2], "family_id": [5, 5],
                             "received_at": [ts(earlier), ts(later)]}).astype({"received_at": "datetime64[s]"})
    found = indicators.repeats(requests)
    first_is_later = ts(earlier) > ts(later)
    assert list(found) == ([repeat, False] if first_is_later else [False, repeat])


def test_requests_of_other_families_are_never_repeats():
    requests = pd.DataFrame({"request_id": [1, 2, 3], "family_id": [5, 6, 5],
                             "received_at": [ts("2024-01-01"), ts("2024-01-02"), ts("2025-06-01")]}).astype(
        {"received_at": "datetime64[s]"})
    assert list(indicators.repeats(requests)) == [False, False, False]
    assert indicators.repeats(lists.Frames().requests).empty


def test_assessments_started_and_completed_including_and_excluding_adults_aged_21_and_over():
    table = monthly()
    assert shown(table, "assessments_started", AUTUMN) == [0, 3, 2, 0, 0]
    assert shown(table, "assessments_completed", AUTUMN) == [0, 2, 2, 0, 0]
    # October: 8's (no members recorded) kept, 7's (adults over 21 only) left out. November: 5's (its youngest 21
    # that very day) left out, 1's (its youngest 20, a day before the birthday) kept.
    assert shown(table, "assessments_completed_excluding_adults_21", AUTUMN) == [0, 1, 1, 0, 0]


def test_without_the_youngest_column_no_assessment_is_left_out():
    f = frames()
    f.assessments = f.assessments.drop(columns="youngest_born_on")
    assert shown(monthly(f), "assessments_completed_excluding_adults_21", AUTUMN) == [0, 2, 2, 0, 0]


def test_plans_opened():
    assert shown(monthly(), "plans_opened", AUTUMN) == [0, 0, 2, 1, 0]


def test_first_visits_within_the_standard():
    table = monthly()
    # October: 5's first visit on its due day. November: 1's on time, 2's late. 8 was never visited.
    assert shown(table, "first_visits", AUTUMN) == [0, 1, 2, 0, 0]
    assert shown(table, "first_visits_met", AUTUMN) == [0, 1, 1, 0, 0]
    assert shown(table, "first_visit_on_time", AUTUMN) == [None, 100.0, 50.0, None, None]


def test_assessments_within_the_standard():
    table = monthly()
    # October: 8's late (7's has no due day and is not measured): 0%, a value. November: 5's and 1's on time.
    assert shown(table, "assessments_measured", AUTUMN) == [0, 1, 2, 0, 0]
    assert shown(table, "assessments_met", AUTUMN) == [0, 0, 2, 0, 0]
    assert shown(table, "assessment_on_time", AUTUMN) == [None, 0.0, 100.0, None, None]


def test_reviews_on_time():
    table = monthly()
    # December: 8's on 13 Dec (42 days after 1 Nov) and 5's on 26 Dec (42 days after 14 Nov) on time; 1's has no
    # earlier meeting. January: 8's on 25 Jan, a day after its due day. November's meetings were initial ones.
    assert shown(table, "reviews", AUTUMN) == [0, 0, 0, 2, 1]
    assert shown(table, "reviews_on_time", AUTUMN) == [0, 0, 0, 2, 0]
    assert shown(table, "review_on_time", AUTUMN) == [None, None, None, 100.0, 0.0]


def test_reviews_in_working_days_by_the_standards_in_force():
    """From October 2024 reviews are due within 30 working days (the requests of October on are judged by it): 8's
    review of 13 Dec is on time (30 working days from 1 Nov end on 13 Dec), and so is its review of 25 Jan, late in
    calendar days (30 working days from 13 Dec, past Christmas and New Year's Day, end on 29 Jan)."""
    later = rules.Standards(effective_from=date(2024, 10, 1), review_every_days=30, review_every_working=True)
    table = monthly(versions=[rules.Standards(), later])
    assert rules.add_days(date(2024, 11, 1), 30, True) == date(2024, 12, 13)
    assert rules.add_days(date(2024, 12, 13), 30, True) == date(2025, 1, 29)
    assert shown(table, "review_on_time", AUTUMN) == [None, None, None, 100.0, 100.0]


def test_a_same_day_initial_meeting_comes_before_the_review():
    f = frames()
    f.meetings = pd.DataFrame({"request_id": [5, 5], "held_on": [ts("2024-11-14"), ts("2024-11-14")],
                               "kind": ["review", "initial"]}).astype({"held_on": "datetime64[s]"})
    table = monthly(f)
    assert shown(table, "reviews", AUTUMN) == [0, 0, 1, 0, 0]
    assert shown(table, "review_on_time", AUTUMN) == [None, None, 100.0, None, None]


def test_an_empty_service_has_no_values():
    table = monthly(lists.Frames())
    assert table.isna().all().all()
    assert len(table) == 17


def test_a_month_range_of_one_month_and_of_none():
    table = monthly(first=date(2024, 10, 31), last=date(2024, 10, 1))
    assert list(table.index) == [date(2024, 10, 1)] and table.loc[date(2024, 10, 1), "requests"] == 5
    assert monthly(first=date(2024, 11, 1), last=date(2024, 10, 1)).empty


def test_percentages_to_one_decimal_place_half_up():
    within = pd.Series([1.0, 1.0, 2.0, 0.0, 0.0, np.nan, 5.0])
    of = pd.Series([3.0, 16.0, 3.0, 7.0, 0.0, np.nan, 5.0])
    assert [None if pd.isna(v) else v for v in indicators.percent(within, of)] == [
        33.3, 6.3, 66.7, 0.0, None, None, 100.0]


def test_ages_as_people_counts_them():
    born = [date(2003, 11, 12), date(2003, 11, 13), date(2004, 2, 29), date(2004, 2, 29), date(2004, 2, 29), None]
    on = [date(2024, 11, 12), date(2024, 11, 12), date(2025, 2, 28), date(2025, 3, 1), date(2028, 2, 29),
          date(2024, 1, 1)]
    found = indicators.aged_at_least(pd.Series([ts(b) for b in born]), pd.Series([ts(o) for o in on]), 21)
    expected = [b is not None and people.age_on(b, o) >= 21 for b, o in zip(born, on, strict=True)]
    assert list(found) == expected
    days = pd.date_range("1999-02-25", "2004-03-05", freq="7D")
    later = days + pd.Timedelta(days=21 * 365 + 5)
    found = indicators.aged_at_least(pd.Series(days), pd.Series(later), 21)
    assert list(found) == [people.age_on(b.date(), o.date()) >= 21 for b, o in zip(days, later, strict=True)]


def test_months_before():
    days = np.array(["2024-02-29", "2024-03-31", "2024-12-31", "2025-01-15", "NaT"], dtype="datetime64[D]")
    assert [str(d) for d in indicators.months_before(days, 12)] == [
        "2023-02-28", "2023-03-31", "2023-12-31", "2024-01-15", "NaT"]
    assert str(indicators.months_before(np.array(["2024-03-31"], dtype="datetime64[D]"), 1)[0]) == "2024-02-29"


def test_the_scorecard_reads_each_pathway_source():
    """Each of the scorecard's pathway sources is a column here, and its series is the column's months with a
    value."""
    table = monthly().reset_index()
    assert set(scorecard_rules.PATHWAY.values()) <= set(indicators.COLUMNS)
    series = scorecard_rules.computed_series(table, "eh_first_visit_on_time")
    assert series[date(2024, 10, 1)] == 100.0 and series[date(2024, 11, 1)] == 50.0
    assert date(2024, 12, 1) not in series and date(2024, 9, 1) not in series
    requests = scorecard_rules.computed_series(table, "eh_requests")
    assert date(2023, 9, 1) not in requests and requests[date(2024, 1, 1)] == 0 and requests[date(2024, 10, 1)] == 5
    figures = scorecard_rules.figures(requests, date(2024, 11, 1))
    assert figures.values[-2:] == [5.0, 2.0] and figures.from_previous.text == "-60.0%"
    assert figures.average.months == 12 and math.isclose(figures.average.value, 7 / 12)


def test_set_based_at_scale():
    """100,000 families, about 150,000 requests with their records: well under a second or two, no loop."""
    import time

    rng = np.random.default_rng(16)
    n = 150_000
    family = rng.integers(1, 100_001, n)
    start = np.datetime64("2022-04-01T00:00", "m")
    received = start + rng.integers(0, 3 * 365 * 24 * 60, n).astype("timedelta64[m]")
    f = lists.Frames()
    f.requests = pd.DataFrame({
        "request_id": np.arange(1, n + 1), "family_id": family, "reference": [f"R{i}" for i in range(n)],
        "received_at": received.astype("datetime64[s]"), "source": "school",
        "decision": np.where(rng.random(n) < 0.8, "early_help", "advice").astype(object),
        "decided_on": received.astype("datetime64[D]").astype("datetime64[s]"),
        "closed_on": pd.Series(pd.NaT, index=range(n)).astype("datetime64[s]"), "closure_reason": None,
    })
    day = received.astype("datetime64[D]")
    ids = np.arange(1, n + 1)
    f.allocations = pd.DataFrame({"request_id": ids, "practitioner_id": 1, "practitioner": "Pat", "team": "North",
                                  "allocated_at": (received + np.timedelta64(20, "h")).astype("datetime64[s]")})
    f.contacts = pd.DataFrame({"request_id": np.r_[ids, ids], "kind": "home_visit",
                               "occurred_on": np.r_[day + 3, day + 40].astype("datetime64[s]")})
    f.assessments = pd.DataFrame({
        "request_id": ids, "assessment_id": ids, "started_on": (day + 4).astype("datetime64[s]"),
        "completed_on": (day + 30).astype("datetime64[s]"), "oldest_born_on": np.datetime64("1980-01-01", "s"),
        "youngest_born_on": (np.datetime64("1995-01-01") + rng.integers(0, 7000, n).astype("timedelta64[D]"))
        .astype("datetime64[s]")})
    f.plans = pd.DataFrame({"request_id": ids, "opened_on": (day + 35).astype("datetime64[s]")})
    f.meetings = pd.DataFrame({"request_id": np.r_[ids, ids, ids], "kind": ["initial"] * n + ["review"] * 2 * n,
                               "held_on": np.r_[day + 36, day + 75, day + 120].astype("datetime64[s]")})
    e = lists.episodes(f, lists.standards_frame([rules.Standards()]), date(2025, 4, 1))
    began = time.perf_counter()
    table = indicators.monthly(f, e, date(2023, 4, 1), date(2025, 3, 1))
    took = time.perf_counter() - began
    assert len(table) == 24 and table["requests"].sum() > 90_000
    assert took < 2.0, f"{took:.2f} s"


def test_months_are_the_first_of_each_month():
    table = monthly(first=date(2024, 12, 15), last=date(2025, 1, 31))
    assert list(table.index) == [date(2024, 12, 1), date(2025, 1, 1)]
