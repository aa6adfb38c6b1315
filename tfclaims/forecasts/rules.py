"""The forecast as pure functions: how many more families must be attached, per month and per week, to hit the
target; the observed conversion rate and time-to-claim curve; scenarios; the paragraph for the monthly report.

The formulas (domain.md section 5), each shown on the page:

- results still needed = target - results already claimed in the target period (never below zero);
- required cohort = results still needed / rate, rounded up;
- further attachments needed = required cohort - families tracked, never below zero;
- days left = from the as-of date to the attachment deadline, both included;
- per month = further / (days left / 30.4375) and per week = further / (days left / 7), rounded up (and never more
  than the further attachments themselves, when less than a month or a week is left);
- progress against target = results claimed / target, as a whole percentage (halves round up).

Arithmetic is exact (fractions), so 300 / 40% is 750, not 750.0000001 rounded up to 751.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd

from tfclaims.text import long_date

DAYS_PER_MONTH = Fraction("30.4375")  # 365.25 / 12
CURVE_MONTHS = 36
OBSERVED, ASSUMED, GIVEN = "observed", "assumed", "given"
RATE_SOURCES = {OBSERVED: "the observed conversion rate", ASSUMED: "the assumed conversion rate",
                GIVEN: "the conversion rate given"}


class ForecastError(ValueError):
    """The inputs cannot make a forecast (a rate of zero, a target of zero): the message says why."""


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


def percent(value: float | Fraction | None) -> str:
    """40 -> "40%", 37.5 -> "37.5%"."""
    if value is None:
        return "not known"
    number = float(value)
    return f"{number:.0f}%" if abs(number - round(number)) < 1e-9 else f"{number:.1f}%"


def days_left(as_of: date, deadline: date) -> int:
    """From the as-of date to the deadline, both included: 0 or less once the deadline has passed."""
    return (deadline - as_of).days + 1


def progress_percent(claimed: int, target: int) -> int:
    """Results claimed / target as a whole percentage, halves rounded up: 120 of 200 is 60."""
    if target <= 0:
        raise ForecastError("The target must be 1 result or more")
    return math.floor(Fraction(claimed * 100, target) + Fraction(1, 2))


@dataclass(frozen=True)
class Scenario:
    label: str
    rate_percent: float
    required_cohort: int
    further: int
    per_month: int | None
    per_week: int | None


@dataclass(frozen=True)
class Forecast:
    as_of: date
    target: int
    claimed: int
    rate_percent: float
    rate_source: str
    tracked: int
    attachment_deadline: date
    claim_deadline: date
    still_needed: int
    required_cohort: int
    further: int
    days_left: int
    per_month: int | None  # None once the attachment deadline has passed
    per_week: int | None
    progress: int
    deadline_passed: bool
    paragraph: str
    scenarios: list[Scenario] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "scenarios"}
        data = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
        data["scenarios"] = [s.__dict__ for s in self.scenarios]
        return data


def check_rate(rate_percent: float | None) -> Fraction:
    if rate_percent is None:
        raise ForecastError(
            "There is no conversion rate: no attachment cohort is old enough to have matured. Set an assumed rate"
        )
    rate = Fraction(str(rate_percent))
    if rate <= 0:
        raise ForecastError("The conversion rate must be more than 0%: at 0% no number of attachments is enough")
    if rate > 100:
        raise ForecastError("The conversion rate must be 100% or less")
    return rate


def _spread(further: int, days: int) -> tuple[int | None, int | None]:
    """Per month and per week, rounded up; never more than the whole number still to attach (with less than a month
    left, the monthly rate would otherwise exceed it)."""
    if days <= 0:
        return None, None
    per_month = min(_ceil(further * DAYS_PER_MONTH / days), further)
    return per_month, min(_ceil(Fraction(further * 7, days)), further)


def _cohort(still_needed: int, rate: Fraction) -> int:
    return _ceil(Fraction(still_needed * 100) / rate)


def forecast(
    *,
    as_of: date,
    target: int,
    claimed: int,
    rate_percent: float | None,
    rate_source: str,
    tracked: int,
    attachment_deadline: date,
    claim_deadline: date,
    other_rates: dict[str, float | None] | None = None,
) -> Forecast:
    """The forecast for an as-of date. ``other_rates`` (label -> percent) adds scenarios beside the rate in use."""
    if target <= 0:
        raise ForecastError("The target must be 1 result or more")
    if claimed < 0 or tracked < 0:
        raise ForecastError("Results claimed and families tracked cannot be negative")
    rate = check_rate(rate_percent)
    still_needed = max(target - claimed, 0)
    required = _cohort(still_needed, rate)
    further = max(required - tracked, 0)
    days = days_left(as_of, attachment_deadline)
    per_month, per_week = _spread(further, days)
    result = Forecast(
        as_of=as_of,
        target=target,
        claimed=claimed,
        rate_percent=float(rate),
        rate_source=rate_source,
        tracked=tracked,
        attachment_deadline=attachment_deadline,
        claim_deadline=claim_deadline,
        still_needed=still_needed,
        required_cohort=required,
        further=further,
        days_left=days,
        per_month=per_month,
        per_week=per_week,
        progress=progress_percent(claimed, target),
        deadline_passed=days <= 0,
        paragraph="",
        scenarios=scenarios(still_needed, tracked, days, rate_percent, rate_source, other_rates or {}),
    )
    return _with_paragraph(result)


def scenarios(still_needed: int, tracked: int, days: int, rate_percent: float, rate_source: str,
              other_rates: dict[str, float | None]) -> list[Scenario]:
    """The rate in use and the others given, each with 10 points either side (rates outside 0-100% left out)."""
    bases = {rate_source: rate_percent} | {k: v for k, v in other_rates.items() if v is not None}
    seen, out = set(), []
    for source, base in bases.items():
        for step in (-10, 0, 10):
            value = float(Fraction(str(base)) + step)
            if not 0 < value <= 100 or round(value, 6) in seen:
                continue
            seen.add(round(value, 6))
            label = RATE_SOURCES.get(source, source).replace("the ", "").capitalize()
            if step:
                label = f"{label} {'+' if step > 0 else '-'} 10 points"
            rate = Fraction(str(value))
            required = _cohort(still_needed, rate)
            further = max(required - tracked, 0)
            per_month, per_week = _spread(further, days)
            out.append(Scenario(label, value, required, further, per_month, per_week))
    return sorted(out, key=lambda s: s.rate_percent)


def _with_paragraph(f: Forecast) -> Forecast:
    from dataclasses import replace

    rate = percent(f.rate_percent)
    head = f"The target of {f.target:,} results"
    if f.claimed:
        head += f", with {f.claimed:,} already claimed"
    head += (
        f", assuming a {rate} conversion rate, would require an attached cohort of around {f.required_cohort:,} "
        f"families."
    )
    if f.further == 0:
        tail = (
            f" We are currently tracking {f.tracked:,} families, which is enough at this rate: no further attachments "
            f"are needed, provided outcomes are tracked and claims submitted by {long_date(f.claim_deadline)}."
        )
    elif f.deadline_passed:
        tail = (
            f" We are currently tracking {f.tracked:,} families, which means a further {f.further:,} attachments "
            f"would be needed, but the attachment deadline of {long_date(f.attachment_deadline)} has passed: families "
            "attached now cannot mature into claims in time."
        )
    else:
        tail = (
            f" We are currently tracking {f.tracked:,} families, which means a further minimum of {f.further:,} "
            f"attachments is required: {f.per_month:,} per month (or around {f.per_week:,} per week) between now and "
            f"{long_date(f.attachment_deadline)}, to allow outcomes to be tracked and claims submitted by "
            f"{long_date(f.claim_deadline)}."
        )
    return replace(f, paragraph=head + tail)


# ---------------------------------------------------------------- conversion observed in the data


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole calendar months from each start to each end: 10 January to 9 March is 1, to 10 March is 2."""
    months = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    return months - (end.dt.day < start.dt.day).astype(int)


def add_months(day: date, months: int) -> date:
    stamp = pd.Timestamp(day) + pd.DateOffset(months=months)
    return stamp.date()


@dataclass(frozen=True)
class Conversion:
    """The observed conversion: by attachment quarter, pooled over matured cohorts, and the time-to-claim curve."""

    by_quarter: pd.DataFrame  # quarter, starts_on, ends_on, attached, claimed, rate_percent, matured
    rate_percent: float | None  # pooled over matured quarters; None when none has matured
    matured_attached: int
    matured_claimed: int
    curve: pd.DataFrame  # months (1..36), cohort (families old enough), claimed_within, share_percent


def conversion(attachments: pd.DataFrame, results: pd.DataFrame, as_of: date, maturity_months: int) -> Conversion:
    """``attachments``: attachment_id, attached_on; ``results``: attachment_id, claimed_on (one row per result).

    A quarter's cohort has matured when its last day is at least ``maturity_months`` before the as-of date. Only
    attachments made and results claimed by the as-of date count."""
    as_of_ts = pd.Timestamp(as_of)
    att = attachments[pd.to_datetime(attachments["attached_on"]) <= as_of_ts].copy()
    att["attached_on"] = pd.to_datetime(att["attached_on"])
    res = results[pd.to_datetime(results["claimed_on"]) <= as_of_ts].copy()
    res["claimed_on"] = pd.to_datetime(res["claimed_on"])
    res = res.sort_values("claimed_on", kind="stable").drop_duplicates("attachment_id")  # a family's first result
    joined = att.merge(res, on="attachment_id", how="left")
    period = joined["attached_on"].dt.to_period("Q-MAR")
    joined["quarter"] = (
        (period.dt.qyear - 1).astype(str) + "-" + (period.dt.qyear % 100).astype(str).str.zfill(2)
        + " Q" + period.dt.quarter.astype(str)
    )
    joined["starts_on"] = period.dt.start_time.dt.normalize()
    joined["ends_on"] = period.dt.end_time.dt.normalize()
    joined["is_claimed"] = joined["claimed_on"].notna()
    by_quarter = (
        joined.groupby(["quarter", "starts_on", "ends_on"], as_index=False)
        .agg(attached=("attachment_id", "size"), claimed=("is_claimed", "sum"))
        .sort_values("starts_on")
        .reset_index(drop=True)
    )
    cutoff = pd.Timestamp(add_months(as_of, -maturity_months))
    by_quarter["matured"] = by_quarter["ends_on"] <= cutoff
    by_quarter["rate_percent"] = (by_quarter["claimed"] * 100 / by_quarter["attached"]).round(1)
    matured = by_quarter[by_quarter["matured"]]
    attached, claimed = int(matured["attached"].sum()), int(matured["claimed"].sum())
    rate = round(claimed * 100 / attached, 1) if attached else None

    # The curve: for k months, the families attached at least k months before the as-of date, and the share of
    # them claimed within k months of attachment.
    age = months_between(joined["attached_on"], pd.Series(as_of_ts, index=joined.index))
    lag = months_between(joined["attached_on"], joined["claimed_on"]).where(joined["is_claimed"])
    ks = np.arange(1, CURVE_MONTHS + 1)
    old_enough = age.to_numpy()[None, :] >= ks[:, None]
    within = (lag.to_numpy()[None, :] < ks[:, None]) & old_enough  # claimed before k whole months had passed
    cohort = old_enough.sum(axis=1)
    claimed_within = within.sum(axis=1)
    share = np.where(cohort > 0, np.round(claimed_within * 100 / np.maximum(cohort, 1), 1), np.nan)
    curve = pd.DataFrame({"months": ks, "cohort": cohort, "claimed_within": claimed_within, "share_percent": share})
    return Conversion(by_quarter, rate, attached, claimed, curve)


@dataclass(frozen=True)
class CurveView:
    """The second view: the results expected by the claim deadline from the families tracked today, using the
    observed time-to-claim curve, and the attachments still needed on that basis."""

    expected_from_tracked: int
    still_needed: int
    yield_per_new_attachment: float | None  # share of a family attached between now and the deadline claimed in time
    further: int | None
    per_month: int | None
    per_week: int | None
    problem: str = ""


def curve_view(curve: pd.DataFrame, tracked_ages: list[int], still_needed: int, as_of: date,
               attachment_deadline: date, claim_deadline: date) -> CurveView:
    """``tracked_ages``: the age in whole months of each family tracked today. A family aged a, not yet claimed,
    is claimed by the claim deadline (h months away) with chance (S(a+h) - S(a)) / (1 - S(a)), S the curve (held
    flat after 36 months). A family attached midway between now and the attachment deadline yields S(months from
    then to the claim deadline)."""
    share = curve.set_index("months")["share_percent"].dropna() / 100
    if share.empty:
        return CurveView(0, still_needed, None, None, None, None,
                         "No attachment cohort is old enough to show the time-to-claim curve yet.")

    def s(months: int) -> float:
        if months <= 0:
            return 0.0
        known = share[share.index <= months]
        return float(known.iloc[-1]) if not known.empty else 0.0

    horizon = max(months_between(pd.Series([pd.Timestamp(as_of)]), pd.Series([pd.Timestamp(claim_deadline)]))[0], 0)
    expected = 0.0
    for age in tracked_ages:
        before = min(s(age), 0.999)
        expected += max(s(age + horizon) - before, 0.0) / (1 - before)
    expected_results = math.floor(expected + 0.5)
    days = days_left(as_of, attachment_deadline)
    if days <= 0:
        return CurveView(expected_results, still_needed, None, None, None, None,
                         f"The attachment deadline of {long_date(attachment_deadline)} has passed.")
    midpoint = pd.Timestamp(as_of) + pd.Timedelta(days=(days - 1) // 2)
    mid_months = int(months_between(pd.Series([midpoint]), pd.Series([pd.Timestamp(claim_deadline)]))[0])
    yield_new = s(mid_months)
    short = max(still_needed - expected_results, 0)
    if short == 0:
        return CurveView(expected_results, still_needed, yield_new, 0, 0, 0)
    if yield_new <= 0:
        return CurveView(expected_results, still_needed, yield_new, None, None, None,
                         "On the observed curve, families attached from now on would not be claimed by the claim "
                         "deadline.")
    further = math.ceil(short / yield_new - 1e-9)
    per_month, per_week = _spread(further, days)
    return CurveView(expected_results, still_needed, yield_new, further, per_month, per_week)
