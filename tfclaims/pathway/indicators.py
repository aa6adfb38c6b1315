"""The early-help pathway's indicators for the monthly scorecard, pure: one value per calendar month, computed with
pandas and numpy on the frames ``queries.load_frames`` reads and the episodes of ``lists.episodes``, for the whole
service at once (no loop over families). No Flask, no database.

``monthly(frames, episodes, first, last)`` gives one row per month from ``first``'s to ``last``'s, with these
columns (the scorecard's computed sources name them, ``scorecard.rules.PATHWAY``).

**Counts.** A month is the calendar month of the day a thing happened: for a request, the day of its received time
(local wall-clock time, as typed: a request received at 23:30 on 31 October is October's). Every month from the
month of the service's first request (the earliest ``received_at`` of any request) has a count, 0 when nothing
happened; the months before it have no value, since the council was not recording its requests here yet (a 0 would
make the next month's change "up from nothing" and pull the 12-month average down).

- ``requests``: requests for early help received in the month, whatever was decided (or not yet decided);
- ``repeat_requests``: those of them that are **repeats**: the family had an earlier request received on or after
  the same day twelve months before (a request of 15 October 2024 repeats one of 15 October 2023, not one of 14
  October 2023; from 29 February, twelve months before is 28 February). "Earlier" is by the moment received (on the
  same moment, by the request's number), so a second request the same day is a repeat. The earlier request counts
  whatever was decided about it. A request can only be found to repeat requests recorded here: in the first twelve
  months of the records some repeats are not known;
- ``assessments_started``: assessments started in the month (every assessment recorded, by ``started_on``);
- ``assessments_completed``: assessments completed in the month (by ``completed_on``), **including** those of
  adults aged 21 and over;
- ``assessments_completed_excluding_adults_21``: the same **excluding** the assessments whose assessed members are
  all aged 21 or over on the day the assessment was completed: the youngest assessed member (``youngest_born_on``,
  the latest date of birth among them) is 21 or older that day, in whole years as ``people.age_on`` counts them
  (21 on the 21st birthday; someone born on 29 February turns 21 on 1 March in a year that is not a leap year). An
  assessment with no assessed members recorded is kept (nothing shows that they are all adults of 21 and over);
- ``plans_opened``: family plans opened in the month.

**Timeliness percentages**: the share of the things done in the month that were done within the council's practice
standards (``lists.episodes`` judges each worked request, a request decided as early help, a partner-led team
around the family or a step down, by the version of the standards in force on the day it was received). A month
with nothing to measure has **no value** (missing, never 0%). Each comes with its two counts:

- ``first_visit_on_time`` (%): of the episodes whose first visit (``first_visit_on``: a home visit, a visit at a
  school or setting, or an office meeting; calls do not count) was made in the month (``first_visits``), those
  whose first visit was within the standard (``first_visit_status`` met: on or before its due day), as
  ``first_visits_met``;
- ``assessment_on_time`` (%): of the episodes whose assessment was completed in the month and has a due day (it is
  counted from the first allocation: an episode never allocated has no standard to measure its assessment against
  and is left out), ``assessments_measured``, those completed within the standard (``assessment_status`` met), as
  ``assessments_met``;
- ``review_on_time`` (%): of the team around the family review meetings held in the month (meetings of kind
  "review"), ``reviews``, those held on time, ``reviews_on_time``: on or before the due day counted from the
  episode's previous meeting (initial or review; on the same day an initial meeting comes before a review) by the
  episode's review frequency (``review_every_days``, in working days when ``review_every_working``), as
  ``rules.add_days_vector`` counts it. A review with no earlier meeting of its episode, or of a request that is not
  a worked episode, has nothing to be measured from and is left out;
- ``repeat_percent`` (%): repeat requests as a share of the requests received in the month.

Percentages are rounded half up to one decimal place (1 of 3 is 33.3%, 1 of 16 is 6.3%), as a council's reports
show them: the scorecard's % change and direction of travel are worked out from the value shown.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tfclaims.pathway import lists, rules
from tfclaims.pathway.vocabulary import MEETING_INITIAL, MEETING_REVIEW

AGE_LIMIT = 21  # assessments of adults all this age or over are left out of one count
REPEAT_MONTHS = 12  # a request repeats one received within this many months before it

COUNTS = {
    "requests": "Requests for early help received",
    "repeat_requests": "Repeat requests (an earlier request for the family within 12 months)",
    "assessments_started": "Assessments started",
    "assessments_completed": "Assessments completed",
    "assessments_completed_excluding_adults_21": "Assessments completed, excluding those of adults aged 21 and over",
    "plans_opened": "Family plans opened",
}
# Each percentage: (its column, the count within, the count of all measured).
PERCENTS = {
    "repeat_percent": ("repeat_requests", "requests"),
    "first_visit_on_time": ("first_visits_met", "first_visits"),
    "assessment_on_time": ("assessments_met", "assessments_measured"),
    "review_on_time": ("reviews_on_time", "reviews"),
}
MEASURED = ("first_visits", "first_visits_met", "assessments_measured", "assessments_met", "reviews",
            "reviews_on_time")
COLUMNS = ("month", *COUNTS, *MEASURED, *PERCENTS)

_NAT = np.datetime64("NaT", "D")


def _days(values: pd.Series) -> np.ndarray:
    """A column of days or moments as numpy days (NaT where missing)."""
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _months(values: pd.Series) -> np.ndarray:
    return _days(values).astype("datetime64[M]")


def _count(months: np.ndarray, index: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """How many of ``months`` (numpy months, NaT for none) fall in each month of ``index`` (consecutive months)."""
    chosen = months if where is None else months[where]
    chosen = chosen[~np.isnat(chosen)]
    offset = (chosen - index[0]).astype("int64")
    inside = (offset >= 0) & (offset < len(index))
    return np.bincount(offset[inside], minlength=len(index)).astype("float64")


def months_before(days: np.ndarray, months: int) -> np.ndarray:
    """Each day ``months`` calendar months earlier, the last day of a shorter month when the day is past its end
    (29 February 2024, twelve months before: 28 February 2023)."""
    month = days.astype("datetime64[M]")
    day_of_month = (days - month.astype("datetime64[D]")).astype("int64")
    target = month - months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype("int64")
    result = target.astype("datetime64[D]") + np.minimum(day_of_month, length - 1)
    return np.where(np.isnat(days), _NAT, result)


def repeats(requests: pd.DataFrame) -> pd.Series:
    """For each request (by the frame's index), whether it is a repeat: the family had an earlier request received
    within the ``REPEAT_MONTHS`` months before it (on or after the same day that many months before)."""
    if requests.empty:
        return pd.Series(False, index=requests.index, dtype=bool)
    ordered = requests.sort_values(["family_id", "received_at", "request_id"], kind="stable")
    family = ordered["family_id"].to_numpy()
    day = _days(ordered["received_at"])
    same_family = np.r_[False, family[1:] == family[:-1]]
    previous = np.r_[_NAT, day[:-1]]
    found = same_family & (previous >= months_before(day, REPEAT_MONTHS))
    return pd.Series(found, index=ordered.index).reindex(requests.index)


def aged_at_least(born: pd.Series, on: pd.Series, years: int) -> np.ndarray:
    """Whether each person born on ``born`` is ``years`` or older (in whole years, as ``people.age_on`` counts) on
    the day ``on``; False where either day is missing."""
    born, on = pd.to_datetime(born), pd.to_datetime(on)
    known = (born.notna() & on.notna()).to_numpy()
    b_year, o_year = born.dt.year.fillna(0).to_numpy("int64"), on.dt.year.fillna(0).to_numpy("int64")
    b_day = (born.dt.month * 100 + born.dt.day).fillna(0).to_numpy("int64")
    o_day = (on.dt.month * 100 + on.dt.day).fillna(0).to_numpy("int64")
    age = o_year - b_year - (o_day < b_day)
    return known & (age >= years)


def _reviews(meetings: pd.DataFrame, episodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The review meetings that can be measured, as (the month held, whether on time)."""
    if meetings.empty:
        return np.array([], dtype="datetime64[M]"), np.array([], dtype=bool)
    ordered = meetings.assign(_review=(meetings["kind"] != MEETING_INITIAL).to_numpy()).sort_values(
        ["request_id", "held_on", "_review"], kind="stable")
    request = ordered["request_id"].to_numpy()
    held = _days(ordered["held_on"])
    same_episode = np.r_[False, request[1:] == request[:-1]]
    previous = np.where(same_episode, np.r_[_NAT, held[:-1]], _NAT)
    cadence = ordered[["request_id"]].merge(
        episodes[["request_id", "review_every_days", "review_every_working"]].drop_duplicates("request_id"),
        on="request_id", how="left")
    due = rules.add_days_vector(pd.Series(previous), cadence["review_every_days"],
                                cadence["review_every_working"])
    due_days = _days(due)
    measured = ((ordered["kind"] == MEETING_REVIEW).to_numpy() & ~np.isnat(previous)
                & cadence["review_every_days"].notna().to_numpy())
    on_time = held <= due_days
    return held.astype("datetime64[M]")[measured], on_time[measured]


def monthly(frames: lists.Frames, episodes: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """One row per month from ``first``'s to ``last``'s (columns ``COLUMNS``; NaN where a month has no value; the
    month as a ``date``, its first day). See the module's notes for each column."""
    index = np.arange(np.datetime64(first, "M"), np.datetime64(last, "M") + 1)
    if len(index) == 0:
        return pd.DataFrame({name: pd.Series(dtype=object if name == "month" else "float64") for name in COLUMNS})
    result = pd.DataFrame({"month": index.astype("datetime64[D]").astype(object)})

    requests = frames.requests
    received = _months(requests["received_at"])
    result["requests"] = _count(received, index)
    result["repeat_requests"] = _count(received, index, repeats(requests).to_numpy())

    a = frames.assessments
    completed = _months(a["completed_on"])
    result["assessments_started"] = _count(_months(a["started_on"]), index)
    result["assessments_completed"] = _count(completed, index)
    if "youngest_born_on" in a.columns:
        adults_only = aged_at_least(a["youngest_born_on"], a["completed_on"], AGE_LIMIT)
    else:  # frames made without the column: nothing shows an assessment to be of adults only
        adults_only = np.zeros(len(a), dtype=bool)
    result["assessments_completed_excluding_adults_21"] = _count(completed, index, ~adults_only)
    result["plans_opened"] = _count(_months(frames.plans["opened_on"]), index)

    e = episodes
    visited = _months(e["first_visit_on"])
    result["first_visits"] = _count(visited, index)
    result["first_visits_met"] = _count(visited, index, (e["first_visit_status"] == rules.MET).to_numpy())
    assessed = _months(e["assessment_completed_on"])
    measured = e["assessment_status"].isin([rules.MET, rules.LATE]).to_numpy()
    result["assessments_measured"] = _count(assessed, index, measured)
    result["assessments_met"] = _count(assessed, index, (e["assessment_status"] == rules.MET).to_numpy())
    held, on_time = _reviews(frames.meetings, e)
    result["reviews"] = _count(held, index)
    result["reviews_on_time"] = _count(held, index, on_time)

    # Before the service's first request, no count has a value (nor, then, any percentage).
    known = received[~np.isnat(received)]
    before = index < known.min() if len(known) else np.ones(len(index), dtype=bool)
    result.loc[before, [*COUNTS, *MEASURED]] = np.nan
    for column, (within, of) in PERCENTS.items():
        result[column] = percent(result[within], result[of])
    return result[list(COLUMNS)]


def percent(within: pd.Series, of: pd.Series) -> pd.Series:
    """100 x within / of, rounded half up to one decimal place in whole numbers (exact: 1 of 16 is 6.3, 1 of 3 is
    33.3); no value where ``of`` is 0 or missing."""
    measured = of.fillna(0).to_numpy("int64")
    count = within.fillna(0).to_numpy("int64")
    safe = np.maximum(measured, 1)
    tenths = (2000 * count + safe) // (2 * safe)
    return pd.Series(np.where(measured > 0, tenths / 10, np.nan), index=within.index)
