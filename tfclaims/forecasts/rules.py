"""The forecast as pure functions: how many more families must be attached, per month and per week, to hit the
target; the families tracked and where they come from; the observed conversion rate and time-to-claim curve;
scenarios; the paragraph for the monthly report.

The formulas (domain.md section 5), each shown on the page as a sum that holds with the numbers shown:

- results still needed = target - results already claimed in the target period - results in claims not yet
  submitted (never below zero);
- required cohort = results still needed / rate, rounded up;
- families tracked = attachments made by the as-of date, whatever the year, not yet claimed (no live claim line)
  and not closed without a result (``track``);
- further attachments needed = required cohort - families tracked, never below zero;
- days left = from the as-of date to the attachment deadline, both included;
- per month = further x 30.4375 / days left and per week = further x 7 / days left, rounded up. With less than a
  month (a week) left there is no monthly (weekly) figure: all the further attachments are needed in the days left,
  and the page says so instead of showing a division that gives another number;
- progress against target = results claimed / target, as a whole percentage rounded down: progress is never
  overstated (199 of 200 is 99%).

Arithmetic is exact (fractions), so 300 / 40% is 750, not 750.0000001 rounded up to 751. A figure that is not a
whole number is shown with "=" when the decimals shown are exact and "≈" otherwise, with as many decimal places as it
takes not to look like a whole number (21.96 is "≈ 21.96", never "≈ 22.0, rounded up to 22").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from tfclaims.claims.vocabulary import (
    ACCEPTED,
    CLAWED_BACK,
    INCLUDED,
    RECONCILED,
    REJECTED,
    SUBMITTED,
)
from tfclaims.text import long_date

DAYS_PER_MONTH = Fraction("30.4375")  # 365.25 / 12
CURVE_MONTHS = 36
OBSERVED, ASSUMED, GIVEN = "observed", "assumed", "given"
RATE_SOURCES = {OBSERVED: "the observed conversion rate", ASSUMED: "the assumed conversion rate",
                GIVEN: "the conversion rate given"}
# The closure reason that leaves a family in the running for a result (families.models.CLOSURE_REASONS): under
# 2022-25 a family is judged six months after its case closed, so closed with outcomes achieved is still tracked.
OUTCOMES_ACHIEVED = "outcomes_achieved"


class ForecastError(ValueError):
    """The inputs cannot make a forecast (a rate of zero, a target of zero): the message says why, and ``field``
    names the input at fault (results_target, rate, claim_deadline) when it is one."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


def _exact_rate(value: float | Fraction) -> Fraction:
    """A rate as the decimal it was written as: 46.2 is 462/10, not the nearest binary fraction."""
    return value if isinstance(value, Fraction) else Fraction(repr(float(value)))


def percent(value: float | Fraction | None) -> str:
    """A percentage exactly as given, so a division by it holds as shown: 40 -> "40%", 37.5 -> "37.5%", 33.33 ->
    "33.33%" (not "33.3%")."""
    if value is None:
        return "not known"
    exact = _exact_rate(value)  # a decimal: its denominator is a power of ten, so the division below is exact
    shown = (Decimal(exact.numerator) / Decimal(exact.denominator)).normalize()
    return f"{shown:f}%"


def number(value: int) -> str:
    """A whole number with thousands separated: 1,234."""
    return f"{value:,}"


def decimal_text(value: Fraction) -> tuple[str, bool]:
    """A figure as shown in a sum, and whether that text is exact: a whole number as it is ("750", True); one with
    at most two decimal places exactly ("187.5", "0.25", "21.96"); any other to the fewest decimal places (one at
    least) that do not make it look whole, rounded half up ("21.4", False; 6.998 -> "6.998", not "7.0")."""
    value = Fraction(value)
    if value.denominator == 1:
        return number(value.numerator), True
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    if (value * 100).denominator == 1:
        return f"{exact.quantize(Decimal('0.01')).normalize():,f}", True
    for places in range(1, 10):
        shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if shown != shown.to_integral_value():
            return f"{shown:,f}", Fraction(shown) == value
    return f"{exact:,f}", False  # pragma: no cover - no denominator here is that large


def equals(value: Fraction) -> str:
    """ "= 187.5" when the decimals shown are exact, "≈ 21.4" when they are rounded."""
    text, exact = decimal_text(value)
    return f"{'=' if exact else '≈'} {text}"


def days_left(as_of: date, deadline: date) -> int:
    """From the as-of date to the deadline, both included: 0 or less once the deadline has passed."""
    return (deadline - as_of).days + 1


def progress_percent(claimed: int, target: int) -> int:
    """Results claimed / target as a whole percentage, rounded down so progress is never overstated: 120 of 200 is
    60, 199 of 200 is 99 (not 100)."""
    if target <= 0:
        raise ForecastError("The target must be 1 result or more", "results_target")
    return math.floor(Fraction(claimed * 100, target))


def default_claim_deadline(attachment_deadline: date) -> date:
    """The claim deadline when none is given: 31 March at the end of the programme (financial) year in which the
    attachment deadline falls, as in the report's "attach until September, claim by March"."""
    start = attachment_deadline.year if attachment_deadline.month >= 4 else attachment_deadline.year - 1
    return date(start + 1, 3, 31)


def financial_year_label(day: date | pd.Timestamp) -> str:
    """ "2024-25" for April 2024 to March 2025."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


# ---------------------------------------------------------------- the families tracked

# What has become of each attachment as of a date; every attachment has exactly one.
CLAIMED, IN_CLAIM, REFUSED, CLOSED, ENDED, TRACKED = (
    "claimed", "in_claim", "refused", "closed", "phase_ended", "tracked"
)
TRACK_STATES = {
    CLAIMED: "Claimed",
    IN_CLAIM: "In a claim not yet submitted",
    REFUSED: "Result rejected for good",
    CLOSED: "Closed without a result",
    ENDED: "Programme phase ended",
    TRACKED: "Tracked",
}
_RANK = {CLAIMED: 0, IN_CLAIM: 1, REFUSED: 2}


def track(attachments: pd.DataFrame, lines: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """What has become of every attachment made by the as-of date, whatever the year it was made: a ``state``, one
    of ``TRACK_STATES``, and its programme ``year`` ("2024-25").

    ``attachments``: attachment_id, family_id, attached_on, closed_on, closure_reason, and optionally
    phase_ends_on (the end of the attachment's programme phase, its framework); dates as datetime64.
    ``lines``: one row per claim line: attachment_id, state, holds_family, claim_status, submitted_on, claim_as_of
    (the date the claim judged its families as of, on or before the day it was built).

    Claims judged after the as-of date and not submitted by it are left out (they did not exist yet); otherwise the
    lines are taken as they stand now. In order:

    - CLAIMED: a line not removed, rejected or clawed back, in a claim submitted by the as-of date (a result);
    - IN_CLAIM: a line still in a claim not submitted by the as-of date (a draft, in audit or signed off): it is
      expected to be a result, so it counts apart, neither tracked nor yet claimed;
    - REFUSED: a line rejected or clawed back and marked invalid (it still holds the family): it can never be
      claimed. A family rejected and returned to the pipeline has no live line: it is tracked again;
    - CLOSED: closed by the as-of date for a reason other than outcomes achieved;
    - ENDED: its programme phase (framework) ended before the as-of date: a phase bounds claiming under it, so a
      2015-21 family not claimed by March 2021 cannot become a result now;
    - TRACKED: anything else, whatever the year of attachment: open, or closed with outcomes achieved but not yet
      claimed.
    """
    as_of_ts = pd.Timestamp(as_of)
    made = attachments[attachments["attached_on"] <= as_of_ts]
    out = made[["attachment_id", "family_id", "attached_on"]].copy()

    submitted_by = lines["claim_status"].isin((SUBMITTED, RECONCILED)) & (lines["submitted_on"] <= as_of_ts)
    existed = submitted_by | (lines["claim_as_of"] <= as_of_ts)
    built, submitted = lines[existed], submitted_by[existed]
    live = built["state"].isin((INCLUDED, ACCEPTED))
    refused = built["state"].isin((REJECTED, CLAWED_BACK)) & built["holds_family"].astype(bool)
    line_state = pd.Series(
        np.select([live & submitted, built["state"].eq(INCLUDED) & ~submitted, refused],
                  [_RANK[CLAIMED], _RANK[IN_CLAIM], _RANK[REFUSED]], default=99),
        index=built.index,
    )
    best = line_state.groupby(built["attachment_id"]).min()
    by_rank = {rank: state for state, rank in _RANK.items()}
    from_lines = out["attachment_id"].map(best).map(by_rank)

    closed = (made["closed_on"].notna() & (made["closed_on"] <= as_of_ts)
              & made["closure_reason"].ne(OUTCOMES_ACHIEVED))
    ended = (made["phase_ends_on"] < as_of_ts) if "phase_ends_on" in made else pd.Series(False, index=made.index)
    otherwise = np.select([closed, ended], [CLOSED, ENDED], default=TRACKED)
    out["state"] = from_lines.where(from_lines.notna(), otherwise).astype(object)
    qyear = out["attached_on"].dt.to_period("Q-MAR").dt.qyear
    # Labelled per programme year, not per row: a few years among thousands of attachments.
    out["year"] = qyear.map({y: f"{y - 1}-{y % 100:02d}" for y in qyear.dropna().unique()}).astype(object)
    return out.reset_index(drop=True)


def tracked_by_year(tracking: pd.DataFrame) -> pd.DataFrame:
    """Attachments by programme year of attachment, oldest first: year, attached, and one column per state of
    ``TRACK_STATES`` (the states add up to the attachments on every row)."""
    states = list(TRACK_STATES)
    if tracking.empty:
        return pd.DataFrame(columns=["year", "attached", *states])
    table = pd.crosstab(tracking["year"], tracking["state"]).reindex(columns=states, fill_value=0)
    table.insert(0, "attached", table.sum(axis=1))
    table = table.sort_index().reset_index()
    table.columns.name = None
    return table.astype({c: int for c in ["attached", *states]})


# ---------------------------------------------------------------- the forecast


@dataclass(frozen=True)
class Scenario:
    label: str
    rate_percent: float
    required_cohort: int
    further: int
    per_month: int | None  # None with less than a month left (or the deadline passed)
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
    per_month: int | None  # None once less than a month is left before the attachment deadline
    per_week: int | None  # None once less than a week is left
    progress: int
    deadline_passed: bool
    paragraph: str
    scenarios: list[Scenario] = field(default_factory=list)
    in_claims: int = 0  # results in claims not yet submitted

    @property
    def rate(self) -> Fraction:
        return _exact_rate(self.rate_percent)

    @property
    def required_exact(self) -> Fraction:
        return Fraction(self.still_needed * 100) / self.rate

    @property
    def months_left(self) -> Fraction:
        return Fraction(max(self.days_left, 0)) / DAYS_PER_MONTH

    @property
    def per_month_exact(self) -> Fraction | None:
        return self.further * DAYS_PER_MONTH / self.days_left if self.days_left > 0 else None

    @property
    def per_week_exact(self) -> Fraction | None:
        return Fraction(self.further * 7, self.days_left) if self.days_left > 0 else None

    @property
    def progress_exact(self) -> Fraction:
        return Fraction(self.claimed * 100, self.target)

    @property
    def under_a_month(self) -> bool:
        """Some time is left, but less than a month: no monthly figure."""
        return 0 < self.days_left < DAYS_PER_MONTH

    @property
    def under_a_week(self) -> bool:
        return 0 < self.days_left < 7

    def as_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "scenarios"}
        data = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
        data["scenarios"] = [s.__dict__ for s in self.scenarios]
        data["terms"] = {t.key: t.text for t in terms(self)}
        return data


def check_rate(rate_percent: float | None) -> Fraction:
    if rate_percent is None:
        raise ForecastError(
            "There is no conversion rate: no attachment cohort is old enough to have matured. Set an assumed rate",
            "rate",
        )
    rate = _exact_rate(rate_percent)
    if rate <= 0:
        raise ForecastError("The conversion rate must be more than 0%: at 0% no number of attachments is enough",
                            "rate")
    if rate > 100:
        raise ForecastError("The conversion rate must be 100% or less", "rate")
    return rate


def _spread(further: int, days: int) -> tuple[int | None, int | None]:
    """Per month and per week, rounded up; None for a month (a week) when less than that is left: all the further
    attachments are then needed in the days left, and a division would give another number."""
    if days <= 0:
        return None, None
    per_month = _ceil(further * DAYS_PER_MONTH / days) if days >= DAYS_PER_MONTH else None
    per_week = _ceil(Fraction(further * 7, days)) if days >= 7 else None
    return per_month, per_week


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
    in_claims: int = 0,
) -> Forecast:
    """The forecast for an as-of date. ``other_rates`` (label -> percent) adds scenarios beside the rate in use;
    ``in_claims`` is the results in claims not yet submitted (expected results, not yet progress)."""
    if target <= 0:
        raise ForecastError("The target must be 1 result or more", "results_target")
    if claimed < 0 or tracked < 0 or in_claims < 0:
        raise ForecastError("Results claimed and families tracked cannot be negative")
    if claim_deadline < attachment_deadline:
        raise ForecastError("The claim deadline must be on or after the attachment deadline", "claim_deadline")
    rate = check_rate(rate_percent)
    still_needed = max(target - claimed - in_claims, 0)
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
        in_claims=in_claims,
    )
    return _with_paragraph(result)


def scenarios(still_needed: int, tracked: int, days: int, rate_percent: float, rate_source: str,
              other_rates: dict[str, float | None]) -> list[Scenario]:
    """The rate in use and the others given, each with 10 points either side (rates outside 0-100% left out)."""
    bases = {rate_source: rate_percent} | {k: v for k, v in other_rates.items() if v is not None}
    seen, out = set(), []
    for source, base in bases.items():
        for step in (-10, 0, 10):
            rate = _exact_rate(base) + step
            if not 0 < rate <= 100 or rate in seen:
                continue
            seen.add(rate)
            label = RATE_SOURCES.get(source, source).replace("the ", "").capitalize()
            if step:
                label = f"{label} {'+' if step > 0 else '-'} 10 points"
            required = _cohort(still_needed, rate)
            further = max(required - tracked, 0)
            per_month, per_week = _spread(further, days)
            out.append(Scenario(label, float(rate), required, further, per_month, per_week))
    return sorted(out, key=lambda s: s.rate_percent)


# ---------------------------------------------------------------- the sums as shown


@dataclass(frozen=True)
class Term:
    """A term of the forecast as the page and the shell command show it: ``text`` is a sum that holds with the
    numbers it shows."""

    key: str  # the element's id on the page
    label: str
    text: str


def _rounded(result: int, expression: str, exact: Fraction, how: str = "rounded up") -> str:
    """ "750 = 300 ÷ 40%" when the sum is whole; "188: 75 ÷ 40% = 187.5, rounded up" when it is not."""
    if exact.denominator == 1:
        return f"{number(result)} = {expression}"
    return f"{number(result)}: {expression} {equals(exact)}, {how}"


def still_needed_text(f: Forecast) -> str:
    parts = [number(f.target), number(f.claimed)] + ([number(f.in_claims)] if f.in_claims else [])
    difference = f.target - f.claimed - f.in_claims
    if difference < 0:
        have = f"the {number(f.claimed)} results claimed" + (
            f" and {number(f.in_claims)} in claims not yet submitted" if f.in_claims else "")
        return f"0: {have} already meet the target of {number(f.target)}"
    return f"{number(f.still_needed)} = " + " − ".join(parts)


def required_text(f: Forecast) -> str:
    return _rounded(f.required_cohort, f"{number(f.still_needed)} ÷ {percent(f.rate)}", f.required_exact)


def further_text(f: Forecast) -> str:
    if f.tracked > f.required_cohort:
        return (f"0: the {number(f.tracked)} families tracked are more than the required cohort of "
                f"{number(f.required_cohort)}")
    return f"{number(f.further)} = {number(f.required_cohort)} − {number(f.tracked)}"


def days_left_text(f: Forecast) -> str:
    if f.deadline_passed:
        return f"None: the attachment deadline, {long_date(f.attachment_deadline)}, has passed"
    days = "1 day" if f.days_left == 1 else f"{number(f.days_left)} days"
    text = (f"{days}, from {long_date(f.as_of)} to the attachment deadline, {long_date(f.attachment_deadline)}, "
            "both included")
    if not f.under_a_month:
        text += f": {number(f.days_left)} ÷ 30.4375 days a month {equals(f.months_left)} months"
    return text


def per_month_text(f: Forecast) -> str:
    if f.deadline_passed:
        return "Not possible: the attachment deadline has passed"
    if f.under_a_month:
        return (f"Less than a month is left ({number(f.days_left)} day{'s' if f.days_left != 1 else ''}): all "
                f"{number(f.further)} further attachments are needed by {long_date(f.attachment_deadline)}")
    return _rounded(f.per_month, f"{number(f.further)} × 30.4375 ÷ {number(f.days_left)} days", f.per_month_exact)


def per_week_text(f: Forecast) -> str:
    if f.deadline_passed:
        return "Not possible: the attachment deadline has passed"
    if f.under_a_week:
        return (f"Less than a week is left ({number(f.days_left)} day{'s' if f.days_left != 1 else ''}): all "
                f"{number(f.further)} further attachments are needed by {long_date(f.attachment_deadline)}")
    return _rounded(f.per_week, f"{number(f.further)} × 7 ÷ {number(f.days_left)} days", f.per_week_exact)


def short_time(f: Forecast, unit: str) -> str:
    """Why a scenario has no figure per ``unit`` ("month" or "week"): the deadline passed, or less than that left."""
    return "Deadline passed" if f.deadline_passed else f"Less than a {unit} left"


def progress_text(f: Forecast) -> str:
    """ "99%: 199 of 200 = 99.5%, rounded down"; "60% = 120 of 200"."""
    exact = f.progress_exact
    if exact.denominator == 1:
        return f"{number(f.progress)}% = {number(f.claimed)} of {number(f.target)}"
    return f"{number(f.progress)}%: {number(f.claimed)} of {number(f.target)} {equals(exact)}%, rounded down"


def terms(f: Forecast) -> list[Term]:
    """Every term of the forecast, in the order the page shows them, each a sum that holds as shown."""
    found = [
        Term("target", "Target", f"{number(f.target)} results"),
        Term("claimed", "Results already claimed", number(f.claimed)),
    ]
    if f.in_claims:
        found.append(Term("in-claims", "Results in claims not yet submitted", number(f.in_claims)))
    found += [
        Term("still-needed", "Results still needed", still_needed_text(f)),
        Term("required-cohort", "Required cohort", required_text(f)),
        Term("tracked", "Families tracked",
             f"{number(f.tracked)}: attached by {long_date(f.as_of)} in any year of a programme phase still "
             "running, not yet claimed and not closed without a result"),
        Term("further", "Further attachments needed", further_text(f)),
        Term("days-left", "Days left", days_left_text(f)),
        Term("per-month", "Attachments needed per month", per_month_text(f)),
        Term("per-week", "Attachments needed per week", per_week_text(f)),
        Term("claim-deadline", "Claim deadline", long_date(f.claim_deadline)),
        Term("progress-sum", "Progress against target", progress_text(f)),
    ]
    return found


def _with_paragraph(f: Forecast) -> Forecast:
    rate = percent(f.rate_percent)
    head = f"The target of {f.target:,} results"
    if f.claimed and f.in_claims:
        head += f", with {f.claimed:,} already claimed and {f.in_claims:,} in claims not yet submitted"
    elif f.claimed:
        head += f", with {f.claimed:,} already claimed"
    elif f.in_claims:
        head += f", with {f.in_claims:,} in claims not yet submitted"
    head += (
        f", assuming a {rate} conversion rate, would require an attached cohort of around {f.required_cohort:,} "
        f"families."
    )
    tracking = f" We are currently tracking {f.tracked:,} families"
    if f.further == 0:
        tail = (
            f"{tracking}, which is enough at this rate: no further attachments "
            f"are needed, provided outcomes are tracked and claims submitted by {long_date(f.claim_deadline)}."
        )
    elif f.deadline_passed:
        tail = (
            f"{tracking}, which means a further {f.further:,} attachments "
            f"would be needed, but the attachment deadline of {long_date(f.attachment_deadline)} has passed: families "
            "attached now cannot mature into claims in time."
        )
    elif f.under_a_month:
        days = "1 day" if f.days_left == 1 else f"{f.days_left:,} days"
        weekly = f" (around {f.per_week:,} per week)" if f.per_week is not None else ""
        tail = (
            f"{tracking}, which means a further minimum of {f.further:,} attachments is required in the {days} "
            f"left before {long_date(f.attachment_deadline)}{weekly}, to allow outcomes to be tracked and claims "
            f"submitted by {long_date(f.claim_deadline)}."
        )
    else:
        tail = (
            f"{tracking}, which means a further minimum of {f.further:,} "
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
    joined["period"] = joined["attached_on"].dt.to_period("Q-MAR")
    joined["is_claimed"] = joined["claimed_on"].notna()
    # Counted per quarter, then each quarter labelled (a few dozen quarters, not a label per attachment).
    counts = (
        joined.groupby("period", as_index=False)
        .agg(attached=("attachment_id", "size"), claimed=("is_claimed", "sum"))
        .sort_values("period")
        .reset_index(drop=True)
    )
    period = counts["period"].astype(pd.PeriodDtype("Q-MAR"))
    by_quarter = pd.DataFrame({
        "quarter": [f"{p.qyear - 1}-{p.qyear % 100:02d} Q{p.quarter}" for p in period],
        "starts_on": period.dt.start_time.dt.normalize(),
        "ends_on": period.dt.end_time.dt.normalize(),
        "attached": counts["attached"],
        "claimed": counts["claimed"],
    })
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
    per_month: int | None  # None with less than a month left
    per_week: int | None
    problem: str = ""
    days_left: int = 0

    @property
    def short(self) -> int:
        return max(self.still_needed - self.expected_from_tracked, 0)

    @property
    def yield_percent(self) -> Fraction | None:
        """The yield as the percentage shown (the curve's shares are to one decimal place)."""
        if self.yield_per_new_attachment is None:
            return None
        return Fraction(repr(round(self.yield_per_new_attachment * 100, 1)))

    def further_text(self) -> str:
        """ "113: (75 − 40) ÷ 31.2% ≈ 112.2, rounded up"."""
        if self.further is None or self.yield_percent is None:
            return ""
        expected, needed = number(self.expected_from_tracked), number(self.still_needed)
        if self.short == 0:
            return f"0: the {expected} results expected cover the {needed} still needed"
        expression = f"({needed} − {expected}) ÷ {percent(self.yield_percent)}"
        return _rounded(self.further, expression, Fraction(self.short * 100) / self.yield_percent)

    def spread_text(self) -> str:
        if not self.further or self.days_left <= 0:
            return ""
        if self.per_month is None:
            return f"all of them in the {number(self.days_left)} days left: less than a month is left"
        weekly = f", {number(self.per_week)} a week" if self.per_week is not None else ""
        return (f"{number(self.per_month)} a month ({number(self.further)} × 30.4375 ÷ {number(self.days_left)} days, "
                f"rounded up){weekly}")


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
    known_months = share.index.to_numpy()
    known_shares = share.to_numpy(dtype=float)

    def s(months) -> np.ndarray:
        """S for each of ``months``: the latest known share at or before it; 0 before the first or at 0 months."""
        months = np.asarray(months)
        at = np.searchsorted(known_months, months, side="right") - 1
        found = np.where(at >= 0, known_shares[np.clip(at, 0, None)], 0.0)
        return np.where(months <= 0, 0.0, found)

    horizon = max(months_between(pd.Series([pd.Timestamp(as_of)]), pd.Series([pd.Timestamp(claim_deadline)]))[0], 0)
    ages = np.asarray(tracked_ages, dtype=int)
    before = np.minimum(s(ages), 0.999)
    expected = float(np.sum(np.maximum(s(ages + horizon) - before, 0.0) / (1 - before))) if ages.size else 0.0
    expected_results = math.floor(expected + 0.5)
    days = days_left(as_of, attachment_deadline)
    if days <= 0:
        return CurveView(expected_results, still_needed, None, None, None, None,
                         f"The attachment deadline of {long_date(attachment_deadline)} has passed.", days)
    midpoint = pd.Timestamp(as_of) + pd.Timedelta(days=(days - 1) // 2)
    mid_months = int(months_between(pd.Series([midpoint]), pd.Series([pd.Timestamp(claim_deadline)]))[0])
    yield_new = float(s([mid_months])[0])
    short = max(still_needed - expected_results, 0)
    if short == 0:
        return CurveView(expected_results, still_needed, yield_new, 0, 0, 0, days_left=days)
    yield_percent = Fraction(repr(round(yield_new * 100, 1)))
    if yield_percent <= 0:
        return CurveView(expected_results, still_needed, yield_new, None, None, None,
                         "On the observed curve, families attached from now on would not be claimed by the claim "
                         "deadline.", days)
    further = _ceil(Fraction(short * 100) / yield_percent)
    per_month, per_week = _spread(further, days)
    return CurveView(expected_results, still_needed, yield_new, further, per_month, per_week, days_left=days)
