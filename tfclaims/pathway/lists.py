"""Where every episode of early help stands against the practice standards, for the whole service at once: pure
pandas on the frames ``queries.load_frames`` reads, no loop over families (the family page runs the same code on
one family's rows).

``episodes(frames, standards, today)`` gives one row per worked request (decided as early help, a partner-led team
around the family, or a step down), with, for each timescale, its due day (moment, for allocation), when it was
done, and its status (``rules.status``):

- allocation: hours from the request received to the first allocation;
- first visit: days from the day the request was received to the first visit (a home visit, a visit at school or
  another setting, or a meeting at an office or family hub; calls do not count);
- assessment: days from the day of the first allocation to the assessment completed;
- first TAF: days from the assessment completed to the initial team around the family meeting;
- next visit: days from the latest visit (only once there has been one: before it, the first visit is what is due);
- next meeting: the first TAF while there is no initial meeting, then days from the latest meeting (initial or
  review) to the next review;
- supervision: days from the latest supervision, or from the first allocation before any;
- expected end: months from the first allocation (from the day received, before it).

The cadences (next visit, next meeting, supervision) and the expected end apply to open episodes only; a closed
one keeps its first-time statuses, which the scorecard's timeliness indicators count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from tfclaims.pathway import rules
from tfclaims.pathway.vocabulary import MEETING_INITIAL, VISIT_KINDS, WORKED_DECISIONS

TIMESCALES = ("allocation", "first_visit", "assessment", "first_taf")


def _frame(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})


REQUEST_COLUMNS = {"request_id": "int64", "family_id": "int64", "reference": object, "received_at": "datetime64[s]",
                   "source": object, "decision": object, "decided_on": "datetime64[s]", "closed_on": "datetime64[s]",
                   "closure_reason": object}
ALLOCATION_COLUMNS = {"request_id": "int64", "practitioner_id": "int64", "practitioner": object, "team": object,
                      "allocated_at": "datetime64[s]"}
CONTACT_COLUMNS = {"request_id": "int64", "occurred_on": "datetime64[s]", "kind": object}
ASSESSMENT_COLUMNS = {"request_id": "int64", "assessment_id": "int64", "started_on": "datetime64[s]",
                      "completed_on": "datetime64[s]", "oldest_born_on": "datetime64[s]",
                      "youngest_born_on": "datetime64[s]"}
PLAN_COLUMNS = {"request_id": "int64", "opened_on": "datetime64[s]"}
MEETING_COLUMNS = {"request_id": "int64", "held_on": "datetime64[s]", "kind": object}
SUPERVISION_COLUMNS = {"request_id": "int64", "held_on": "datetime64[s]"}


@dataclass
class Frames:
    """The pathway's rows: one frame per table (empty frames with the right columns when there are none)."""

    requests: pd.DataFrame = field(default_factory=lambda: _frame(REQUEST_COLUMNS))
    allocations: pd.DataFrame = field(default_factory=lambda: _frame(ALLOCATION_COLUMNS))
    contacts: pd.DataFrame = field(default_factory=lambda: _frame(CONTACT_COLUMNS))
    assessments: pd.DataFrame = field(default_factory=lambda: _frame(ASSESSMENT_COLUMNS))
    plans: pd.DataFrame = field(default_factory=lambda: _frame(PLAN_COLUMNS))
    meetings: pd.DataFrame = field(default_factory=lambda: _frame(MEETING_COLUMNS))
    supervisions: pd.DataFrame = field(default_factory=lambda: _frame(SUPERVISION_COLUMNS))


def standards_frame(versions: list[rules.Standards]) -> pd.DataFrame:
    ordered = sorted(versions or [rules.Standards()], key=lambda s: s.effective_from)
    frame = pd.DataFrame([{name: getattr(s, name) for name in rules.STANDARD_FIELDS} for s in ordered])
    frame["effective_from"] = pd.to_datetime(frame["effective_from"]).astype("datetime64[s]")
    return frame


def _in_force(requests: pd.DataFrame, standards: pd.DataFrame) -> pd.DataFrame:
    """Each request with the standards in force on the day it was received (the earliest version before them)."""
    days = requests["received_at"].dt.normalize().astype("datetime64[s]")
    left = pd.DataFrame({"request_id": requests["request_id"].to_numpy(), "day": days.to_numpy()}).sort_values("day")
    joined = pd.merge_asof(left, standards.sort_values("effective_from"), left_on="day", right_on="effective_from",
                           direction="backward")
    first = standards.sort_values("effective_from").iloc[0]
    for name in rules.STANDARD_FIELDS:
        if name != "effective_from":
            joined[name] = joined[name].fillna(first[name])
    joined["effective_from"] = joined["effective_from"].fillna(first["effective_from"])
    return requests.merge(joined.drop(columns="day"), on="request_id", how="left")


def _first(frame: pd.DataFrame, column: str, name: str, where=None) -> pd.DataFrame:
    rows = frame if where is None else frame[where]
    return rows.groupby("request_id", sort=False)[column].min().rename(name).reset_index()


def _last(frame: pd.DataFrame, column: str, name: str, where=None) -> pd.DataFrame:
    rows = frame if where is None else frame[where]
    return rows.groupby("request_id", sort=False)[column].max().rename(name).reset_index()


def _add(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    return left.merge(right, on="request_id", how="left")


def episodes(frames: Frames, standards: pd.DataFrame, today: date) -> pd.DataFrame:
    requests = frames.requests[frames.requests["decision"].isin(WORKED_DECISIONS)]
    e = _in_force(requests.reset_index(drop=True), standards)
    alloc = frames.allocations.sort_values(["request_id", "allocated_at"], kind="stable")
    e = _add(e, alloc.groupby("request_id", sort=False)["allocated_at"].min().rename("allocated_at").reset_index())
    latest = alloc.drop_duplicates("request_id", keep="last")[["request_id", "practitioner_id", "practitioner", "team"]]
    e = _add(e, latest)
    visits = frames.contacts["kind"].isin(VISIT_KINDS)
    e = _add(e, _first(frames.contacts, "occurred_on", "first_visit_on", visits))
    e = _add(e, _last(frames.contacts, "occurred_on", "last_visit_on", visits))
    e = _add(e, _last(frames.contacts, "occurred_on", "last_contact_on"))
    assessments = frames.assessments.drop_duplicates("request_id")
    e = _add(e, assessments[["request_id", "started_on", "completed_on"]].rename(
        columns={"started_on": "assessment_started_on", "completed_on": "assessment_completed_on"}))
    e = _add(e, frames.plans.drop_duplicates("request_id")[["request_id", "opened_on"]].rename(
        columns={"opened_on": "plan_opened_on"}))
    meetings = frames.meetings
    e = _add(e, _first(meetings, "held_on", "first_taf_on", meetings["kind"] == MEETING_INITIAL))
    e = _add(e, _last(meetings, "held_on", "last_meeting_on"))
    e = _add(e, meetings.groupby("request_id").size().rename("meetings").reset_index())
    e = _add(e, _last(frames.supervisions, "held_on", "last_supervision_on"))
    e["meetings"] = e["meetings"].fillna(0).astype("int64")

    received_day = e["received_at"].dt.normalize()
    allocated_day = e["allocated_at"].dt.normalize()
    e["allocation_due"] = rules.add_hours_vector(e["received_at"], e["allocation_hours"], e["allocation_working"])
    e["first_visit_due"] = rules.add_days_vector(received_day, e["first_visit_days"], e["first_visit_working"])
    e["assessment_due"] = rules.add_days_vector(allocated_day, e["assessment_days"], e["assessment_working"])
    e["first_taf_due"] = rules.add_days_vector(e["assessment_completed_on"], e["first_taf_days"],
                                               e["first_taf_working"])
    for item, done in (("allocation", "allocated_at"), ("first_visit", "first_visit_on"),
                       ("assessment", "assessment_completed_on"), ("first_taf", "first_taf_on")):
        e[f"{item}_status"] = rules.status_vector(e[f"{item}_due"], e[done], today)

    is_open = e["closed_on"].isna()
    e["open"] = is_open
    next_visit = rules.add_days_vector(e["last_visit_on"], e["visit_every_days"], e["visit_every_working"])
    e["next_visit_due"] = next_visit.where(e["last_visit_on"].notna(), e["first_visit_due"]).where(is_open)
    next_review = rules.add_days_vector(e["last_meeting_on"], e["review_every_days"], e["review_every_working"])
    e["next_meeting_due"] = next_review.where(e["first_taf_on"].notna(), e["first_taf_due"]).where(is_open)
    since = e["last_supervision_on"].fillna(allocated_day)
    e["next_supervision_due"] = rules.add_days_vector(since, e["supervision_every_days"],
                                                      e["supervision_every_working"]).where(is_open)
    start = allocated_day.fillna(received_day)
    e["expected_end"] = _add_months(start, e["expected_months"])
    today_ts = pd.Timestamp(today)
    e["days_open"] = ((e["closed_on"].fillna(today_ts) - received_day).dt.days).astype("int64")
    e["past_expected"] = is_open & (e["expected_end"] < today_ts)
    return e


def _add_months(days: pd.Series, months: pd.Series) -> pd.Series:
    """Each day plus its number of months (the last day of a shorter month when the day is past its end)."""
    periods = days.dt.to_period("M")
    shifted = (periods + months.fillna(0).astype("int64").to_numpy()).dt.to_timestamp()
    last_day = (shifted + pd.offsets.MonthEnd(0)).dt.day
    day = np.minimum(days.dt.day, last_day)
    return (shifted + pd.to_timedelta(day - 1, unit="D")).astype("datetime64[s]")


# ---------------------------------------------------------------- the lists of what is due and overdue


def week_end(today: date) -> date:
    """The Sunday of today's week."""
    return today + timedelta(days=6 - today.weekday())


@dataclass(frozen=True)
class DueList:
    slug: str
    title: str
    summary: str
    due_column: str
    what: str


DUE_LISTS = {
    "visits-due": DueList("visits-due", "Visits due this week",
                          "Open episodes whose next visit (the first, or the next at the visiting frequency) is due by "
                          "the end of this week, including visits already overdue.", "next_visit_due", "Visit"),
    "meetings-overdue": DueList("meetings-overdue", "Reviews overdue",
                                "Open episodes whose first team around the family meeting or next review is overdue.",
                                "next_meeting_due", "Meeting"),
    "assessments-overdue": DueList("assessments-overdue", "Assessments overdue",
                                   "Open episodes whose assessment is not completed and is past its timescale from "
                                   "allocation.", "assessment_due", "Assessment"),
    "allocations-overdue": DueList("allocations-overdue", "Requests waiting for allocation",
                                   "Requests decided for early help and not yet allocated to a lead practitioner, "
                                   "the longest waiting first.", "allocation_due", "Allocation"),
    "supervision-overdue": DueList("supervision-overdue", "Supervision overdue",
                                   "Open episodes whose management supervision is overdue.", "next_supervision_due",
                                   "Supervision"),
    "open-too-long": DueList("open-too-long", "Open past the expected length",
                             "Open episodes open longer than the expected length of involvement.", "expected_end",
                             "Expected end"),
}


def due_rows(e: pd.DataFrame, slug: str, today: date, now: datetime | None = None) -> pd.DataFrame:
    """The open episodes on one list, with ``due`` (the day it is or was due) and ``overdue`` (bool), the most
    overdue first. ``now`` (local time) decides whether an allocation is overdue: by default, the start of today."""
    spec = DUE_LISTS[slug]
    today_ts = pd.Timestamp(today)
    open_ = e[e["open"]]
    due = open_[spec.due_column].dt.normalize()
    if slug == "visits-due":
        chosen = due.notna() & (due <= pd.Timestamp(week_end(today)))
    elif slug == "assessments-overdue":
        chosen = open_["assessment_completed_on"].isna() & (due < today_ts)
    elif slug == "allocations-overdue":
        chosen = open_["allocated_at"].isna()
    elif slug == "open-too-long":
        chosen = open_["past_expected"]
    else:
        chosen = due.notna() & (due < today_ts)
    rows = open_[chosen].copy()
    rows["due"] = due[chosen]
    rows["overdue"] = rows["due"] < today_ts
    if slug == "allocations-overdue":
        rows["overdue"] = open_.loc[chosen, "allocation_due"] < pd.Timestamp(now or today_ts)
    rows["days_overdue"] = np.where(rows["overdue"], (today_ts - rows["due"]).dt.days, 0)
    return rows.sort_values(["due", "reference"], kind="stable")


def filtered(rows: pd.DataFrame, team: str = "", practitioner_id: int | None = None) -> pd.DataFrame:
    if team:
        rows = rows[rows["team"] == team]
    if practitioner_id:
        rows = rows[rows["practitioner_id"] == practitioner_id]
    return rows


def list_counts(e: pd.DataFrame, today: date, now: datetime | None = None) -> dict[str, tuple[int, int]]:
    """Each list's slug -> (rows, overdue rows)."""
    counts = {}
    for slug in DUE_LISTS:
        rows = due_rows(e, slug, today, now)
        counts[slug] = (len(rows), int(rows["overdue"].sum()))
    return counts


def caseloads(e: pd.DataFrame, today: date) -> pd.DataFrame:
    """One row per practitioner with open allocated episodes: open cases and what is overdue in them."""
    today_ts = pd.Timestamp(today)
    open_ = e[e["open"] & e["practitioner_id"].notna()].copy()
    open_["visit_overdue"] = open_["next_visit_due"] < today_ts
    open_["meeting_overdue"] = open_["next_meeting_due"] < today_ts
    open_["assessment_overdue"] = open_["assessment_completed_on"].isna() & (open_["assessment_due"] < today_ts)
    open_["supervision_overdue"] = open_["next_supervision_due"] < today_ts
    grouped = open_.groupby(["practitioner_id", "practitioner", "team"], sort=True).agg(
        open=("request_id", "size"),
        visits_overdue=("visit_overdue", "sum"),
        meetings_overdue=("meeting_overdue", "sum"),
        assessments_overdue=("assessment_overdue", "sum"),
        supervision_overdue=("supervision_overdue", "sum"),
        past_expected=("past_expected", "sum"),
        median_days_open=("days_open", "median"),
    ).reset_index()
    grouped["practitioner_id"] = grouped["practitioner_id"].astype("int64")
    return grouped.sort_values(["team", "practitioner"], kind="stable")
