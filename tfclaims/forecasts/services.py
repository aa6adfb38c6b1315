"""Targets and forecasts: save a programme year's target (its history is its audit trail), set the assumed rate and
the maturity age, and work out the forecast for a date from the database, each input overridable (the shell
command takes them as options)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from tfclaims.errors import DomainError, DuplicateValueError
from tfclaims.extensions import db
from tfclaims.forecasts import queries, rules
from tfclaims.forecasts.models import ForecastSettings, Target

TARGET_FIELDS = ("label", "starts_on", "ends_on", "results_target", "attachment_target", "attachment_deadline",
                 "claim_deadline", "assumed_rate_percent")


def save_target(target: Target | None, **data) -> Target:
    if data["ends_on"] < data["starts_on"]:
        raise DomainError("The end of the target period must be on or after its start", field="ends_on")
    if data["results_target"] < 1:
        raise DomainError("The target must be 1 result or more", field="results_target")
    if data["claim_deadline"] < data["attachment_deadline"]:
        raise DomainError("The claim deadline must be on or after the attachment deadline", field="claim_deadline")
    rate = data.get("assumed_rate_percent")
    if rate is not None and not 0 < rate <= 100:
        raise DomainError("The assumed rate must be more than 0% and no more than 100%", field="assumed_rate_percent")
    if queries.label_taken(data["label"], target.id if target else None):
        raise DuplicateValueError("There is already a target for this programme year", field="label")
    if target is None:
        target = Target()
        db.session.add(target)
    for name in TARGET_FIELDS:
        setattr(target, name, data.get(name))
    db.session.flush()
    return target


def set_assumed_rate(target: Target, rate_percent: float | None) -> None:
    """A manager's assumed conversion rate (None: use the observed rate)."""
    if rate_percent is not None and not 0 < rate_percent <= 100:
        raise DomainError("The assumed rate must be more than 0% and no more than 100%", field="assumed_rate_percent")
    target.assumed_rate_percent = rate_percent
    db.session.flush()


def set_maturity(settings: ForecastSettings, months: int) -> None:
    if not 1 <= months <= 60:
        raise DomainError("The maturity age must be between 1 and 60 months", field="maturity_months")
    settings.maturity_months = months
    db.session.flush()


@dataclass(frozen=True)
class ForecastPage:
    """Everything the forecast page, the charts and the shell command show for one date."""

    as_of: date
    target: Target | None
    forecast: rules.Forecast | None
    problem: str  # why there is no forecast ("" when there is one)
    conversion: rules.Conversion
    curve_view: rules.CurveView | None
    observed_rate: float | None
    assumed_rate: float | None
    maturity_months: int
    # Where the families tracked come from: attachments by programme year of attachment (rules.tracked_by_year).
    by_year: pd.DataFrame = field(default_factory=lambda: rules.tracked_by_year(pd.DataFrame()))
    # The inputs the forecast lacks ("results_target", "attachment_deadline", "rate"): the shell command names its
    # option for each.
    missing: tuple[str, ...] = ()
    tracked_given: bool = False  # the families tracked were given, not counted (the table is then the data's)
    at_fault: str = ""  # the input a refused forecast is refused for ("claim_deadline"), when it is one


def tracking(as_of: date, attachments: pd.DataFrame | None = None) -> pd.DataFrame:
    """What has become of every attachment made by the as-of date (``rules.track``)."""
    attachments = queries.attachments() if attachments is None else attachments
    return rules.track(attachments, queries.claim_lines(), as_of)


def observed(as_of: date, attachments: pd.DataFrame | None = None, results: pd.DataFrame | None = None):
    """The conversion observed as of a date, with the maturity age set by the managers."""
    attachments = queries.attachments() if attachments is None else attachments
    results = queries.results() if results is None else results
    return rules.conversion(attachments, results, as_of, queries.settings().maturity_months)


NO_TARGET = "There is no target for this date yet: a manager sets the programme year's target."


def forecast_page(
    as_of: date,
    *,
    target: Target | None = None,
    results_target: int | None = None,
    rate_percent: float | None = None,
    tracked: int | None = None,
    claimed: int | None = None,
    attachment_deadline: date | None = None,
    claim_deadline: date | None = None,
) -> ForecastPage:
    """The forecast as of a date from the database; any input given replaces the database's figure. Without a
    claim deadline, the target's is used when it is on or after the attachment deadline, else 31 March at the end
    of the attachment deadline's programme year (``rules.default_claim_deadline``)."""
    target = target or queries.target_for(as_of)
    settings = queries.settings()
    attachments, results = queries.attachments(), queries.results()
    conversion = observed(as_of, attachments, results)
    assumed = target.assumed_rate_percent if target else None
    if rate_percent is not None:
        rate, source = rate_percent, rules.GIVEN
    elif assumed is not None:
        rate, source = assumed, rules.ASSUMED
    else:
        rate, source = conversion.rate_percent, rules.OBSERVED
    states = tracking(as_of, attachments)
    by_year = rules.tracked_by_year(states)
    tracked_given = tracked is not None

    def page(forecast=None, problem="", curve=None, missing=(), at_fault=""):
        return ForecastPage(as_of, target, forecast, problem, conversion, curve, conversion.rate_percent, assumed,
                            settings.maturity_months, by_year, tuple(missing), tracked_given, at_fault)

    missing = []
    if results_target is None and target is None:
        missing.append("results_target")
    if attachment_deadline is None and target is None:
        missing.append("attachment_deadline")
    if source == rules.OBSERVED and not rate:
        missing.append("rate")
    if missing:
        if target is None:
            problem = NO_TARGET
        elif rate is None:
            problem = ("There is no observed conversion rate to forecast with: no attachment cohort old enough has a "
                       "result claimed yet. Set an assumed rate.")
        else:
            problem = ("The observed conversion rate is 0%: no family of the matured cohorts has a result claimed. "
                       "Set an assumed rate.")
        return page(problem=problem, missing=missing)
    starts_on = target.starts_on if target else date(as_of.year if as_of.month >= 4 else as_of.year - 1, 4, 1)
    results_target = results_target if results_target is not None else target.results_target
    attachment_deadline = attachment_deadline or target.attachment_deadline
    if claim_deadline is None:
        if target is not None and target.claim_deadline >= attachment_deadline:
            claim_deadline = target.claim_deadline
        else:
            claim_deadline = rules.default_claim_deadline(attachment_deadline)
    in_target = results[(results["claimed_on"] >= pd.Timestamp(starts_on))
                        & (results["claimed_on"] <= pd.Timestamp(as_of))]
    claimed = claimed if claimed is not None else len(in_target)
    tracked_rows = states[states["state"] == rules.TRACKED]
    tracked = tracked if tracked is not None else len(tracked_rows)
    in_claims = int((states["state"] == rules.IN_CLAIM).sum())
    others = {rules.OBSERVED: conversion.rate_percent, rules.ASSUMED: assumed}
    others.pop(source, None)
    try:
        forecast = rules.forecast(
            as_of=as_of, target=results_target, claimed=claimed, rate_percent=rate, rate_source=source,
            tracked=tracked, attachment_deadline=attachment_deadline, claim_deadline=claim_deadline,
            other_rates=others, in_claims=in_claims,
        )
    except rules.ForecastError as error:
        return page(problem=str(error), at_fault=error.field)
    ages = rules.months_between(tracked_rows["attached_on"],
                                pd.Series(pd.Timestamp(as_of), index=tracked_rows.index)).tolist()
    curve = rules.curve_view(conversion.curve, ages, forecast.still_needed, as_of, attachment_deadline,
                             claim_deadline)
    return page(forecast, curve=curve)
