"""Where episodes stand, set-based: each timescale's due day and status, the cadences, and the lists, on a
hand-made service of a few episodes."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tfclaims.pathway import lists, rules

TODAY = date(2024, 11, 20)  # a Wednesday; this week ends on Sunday 24 November


def ts(text):
    return pd.Timestamp(text) if text else pd.NaT


def frames() -> lists.Frames:
    """1: on time all the way, open; 2: late everywhere, open; 3: decided, waiting for allocation; 4: advice only
    (not an episode); 5: closed, its cadences no longer due."""
    f = lists.Frames()
    f.requests = pd.DataFrame({
        "request_id": [1, 2, 3, 4, 5], "family_id": [11, 12, 13, 14, 15],
        "reference": ["A", "B", "C", "D", "E"],
        "received_at": [ts("2024-10-01 09:30"), ts("2024-04-01 09:00"), ts("2024-11-14 15:00"),
                        ts("2024-11-01 10:00"), ts("2024-06-03 09:00")],
        "source": ["school"] * 5,
        "decision": ["early_help", "early_help", "early_help", "advice", "step_down"],
        "decided_on": [ts("2024-10-01")] * 5, "closed_on": [pd.NaT] * 4 + [ts("2024-09-30")],
        "closure_reason": [None] * 4 + ["outcomes_met"],
    }).astype({"received_at": "datetime64[s]", "decided_on": "datetime64[s]", "closed_on": "datetime64[s]"})
    f.allocations = pd.DataFrame({
        "request_id": [1, 2, 2, 5], "practitioner_id": [7, 7, 8, 8], "practitioner": ["Pat", "Pat", "Sam", "Sam"],
        "team": ["North", "North", "South", "South"],
        "allocated_at": [ts("2024-10-02 10:00"), ts("2024-04-05 09:00"), ts("2024-05-01 09:00"),
                         ts("2024-06-03 12:00")],
    }).astype({"allocated_at": "datetime64[s]"})
    f.contacts = pd.DataFrame({
        "request_id": [1, 1, 1, 2, 5], "kind": ["phone", "home_visit", "home_visit", "home_visit", "home_visit"],
        "occurred_on": [ts("2024-10-02"), ts("2024-10-08"), ts("2024-11-11"), ts("2024-04-15"), ts("2024-06-05")],
    }).astype({"occurred_on": "datetime64[s]"})
    f.assessments = pd.DataFrame({
        "request_id": [1, 2], "assessment_id": [1, 2], "started_on": [ts("2024-10-08"), ts("2024-04-15")],
        "completed_on": [ts("2024-10-30"), pd.NaT], "oldest_born_on": [ts("1985-01-01"), ts("1990-01-01")],
    }).astype({"started_on": "datetime64[s]", "completed_on": "datetime64[s]", "oldest_born_on": "datetime64[s]"})
    f.meetings = pd.DataFrame({"request_id": [1], "held_on": [ts("2024-11-13")], "kind": ["initial"]}).astype(
        {"held_on": "datetime64[s]"})
    f.supervisions = pd.DataFrame({"request_id": [1], "held_on": [ts("2024-11-01")]}).astype(
        {"held_on": "datetime64[s]"})
    return f


def episodes():
    return lists.episodes(frames(), lists.standards_frame([rules.Standards()]), TODAY).set_index("request_id")


def test_only_worked_requests_are_episodes():
    assert sorted(episodes().index) == [1, 2, 3, 5]


def test_each_timescale_due_and_status():
    e = episodes()
    one = e.loc[1]
    assert one["allocation_due"] == ts("2024-10-03 09:30") and one["allocation_status"] == "met"
    # The first visit is the first home visit (8 October; the call on the 2nd does not count): due 8 October.
    assert one["first_visit_on"] == ts("2024-10-08") and one["first_visit_due"] == ts("2024-10-08")
    assert one["first_visit_status"] == "met"
    assert one["assessment_due"] == ts("2024-10-30") and one["assessment_status"] == "met"  # on the due day
    assert one["first_taf_due"] == ts("2024-11-13") and one["first_taf_status"] == "met"
    two = e.loc[2]
    assert two["allocation_status"] == "late" and two["first_visit_status"] == "late"
    assert two["assessment_status"] == "overdue" and two["first_taf_status"] == ""  # nothing to count from
    assert two["practitioner"] == "Sam" and two["team"] == "South"  # the latest allocation leads
    three = e.loc[3]
    # Received Thursday 15:00: 48 working hours end on Monday 18 November at 15:00, passed by today.
    assert three["allocation_due"] == ts("2024-11-18 15:00") and three["allocation_status"] == "overdue"


def test_cadences_of_open_episodes():
    e = episodes()
    one = e.loc[1]
    assert one["next_visit_due"] == ts("2024-11-25")          # 10 working days from 11 November
    assert one["next_meeting_due"] == ts("2024-12-25")        # 42 calendar days from the initial meeting
    assert one["next_supervision_due"] == ts("2024-12-01")    # 30 days from 1 November
    assert one["expected_end"] == ts("2025-04-02") and not one["past_expected"]
    two = e.loc[2]
    assert two["next_meeting_due"] is pd.NaT or pd.isna(two["next_meeting_due"])  # no assessment completed yet
    assert two["past_expected"]  # allocated 5 April: six months ended on 5 October
    five = e.loc[5]
    assert pd.isna(five["next_visit_due"]) and not five["past_expected"] and not five["open"]


def test_the_lists():
    e = lists.episodes(frames(), lists.standards_frame([rules.Standards()]), TODAY)
    visits = lists.due_rows(e, "visits-due", TODAY)
    # 1 is due Monday 25 November (next week); 2 overdue since 29 April; 3's first visit due Thursday 21 November.
    assert list(visits["reference"]) == ["B", "C"]
    assert list(visits["overdue"]) == [True, False]
    assert list(lists.due_rows(e, "assessments-overdue", TODAY)["reference"]) == ["B"]
    assert list(lists.due_rows(e, "allocations-overdue", TODAY)["reference"]) == ["C"]
    assert list(lists.due_rows(e, "open-too-long", TODAY)["reference"]) == ["B"]
    # 2 has never been supervised: due 30 days from its first allocation.
    assert list(lists.due_rows(e, "supervision-overdue", TODAY)["reference"]) == ["B"]
    assert list(lists.filtered(visits, team="South")["reference"]) == ["B"]
    assert list(lists.filtered(visits, practitioner_id=7)["reference"]) == []
    counts = lists.list_counts(e, TODAY)
    assert counts["visits-due"] == (2, 1)


def test_a_later_version_of_the_standards_judges_later_requests():
    tighter = rules.Standards(effective_from=date(2024, 9, 1), first_visit_days=3)
    e = lists.episodes(frames(), lists.standards_frame([rules.Standards(), tighter]), TODAY).set_index("request_id")
    assert e.loc[1, "first_visit_due"] == ts("2024-10-04")  # 3 working days from 1 October
    assert e.loc[1, "first_visit_status"] == "late"
    # April's request keeps the older 5 days, counted from Tuesday 2 April: 1 April 2024 was Easter Monday.
    assert e.loc[2, "first_visit_due"] == ts("2024-04-09")


def test_caseloads():
    e = lists.episodes(frames(), lists.standards_frame([rules.Standards()]), TODAY)
    table = lists.caseloads(e, TODAY).set_index("practitioner")
    assert table.loc["Pat", "open"] == 1 and table.loc["Sam", "open"] == 1
    assert table.loc["Sam", "visits_overdue"] == 1 and table.loc["Sam", "assessments_overdue"] == 1
    assert table.loc["Pat", "visits_overdue"] == 0


def test_no_episodes_at_all():
    e = lists.episodes(lists.Frames(), lists.standards_frame([]), TODAY)
    assert e.empty
    assert lists.list_counts(e, TODAY)["visits-due"] == (0, 0)
    assert lists.caseloads(e, TODAY).empty
