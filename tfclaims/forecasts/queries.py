"""Reads for targets and forecasts: targets, settings, attachments and results claimed as DataFrames, families
tracked, and the monthly counts the scorecard and the charts use."""

from __future__ import annotations

from datetime import date

import pandas as pd
from flask import has_request_context, request
from sqlalchemy import select

from tfclaims.claims.models import ACCEPTED, INCLUDED, RECONCILED, SUBMITTED, Claim, ClaimLine
from tfclaims.extensions import db
from tfclaims.families.models import Attachment
from tfclaims.forecasts.models import ForecastSettings, Target
from tfclaims.outcomes_plan.models import Framework, OutcomesPlan, PlanVersion

# A result counts once its claim is submitted, unless the department rejected it or clawed it back.
RESULT_STATES = (INCLUDED, ACCEPTED)


def settings() -> ForecastSettings:
    found = db.session.get(ForecastSettings, 1)
    if found is None:  # a database made without the migration's row
        found = ForecastSettings(id=1, maturity_months=24)
        db.session.add(found)
        db.session.flush()
    return found


def list_targets() -> list[Target]:
    return list(db.session.scalars(select(Target).order_by(Target.starts_on.desc())))


def get_target(target_id: int) -> Target | None:
    return db.session.get(Target, target_id)


def target_for(on: date) -> Target | None:
    """The target whose period covers a date, else the latest that started before it."""
    covering = db.session.scalars(
        select(Target).where(Target.starts_on <= on, Target.ends_on >= on).order_by(Target.starts_on.desc())
    ).first()
    if covering is not None:
        return covering
    return db.session.scalars(select(Target).where(Target.starts_on <= on).order_by(Target.starts_on.desc())).first()


def label_taken(label: str, except_id: int | None) -> bool:
    query = select(Target.id).where(Target.label == label)
    if except_id is not None:
        query = query.where(Target.id != except_id)
    return db.session.scalar(query) is not None


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """Rows as a DataFrame, read as plain tuples (pandas is slow to read SQLAlchemy's Row objects)."""
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def _rows(query) -> list:
    """A select of columns run on the session's connection: SQLAlchemy Core's rows, without the ORM's per-row
    loading (a third of the time of reading 10,000 attachments)."""
    return db.session.connection().execute(query).all()


def _once_per_request(name: str, read):
    """The same read once per request: a forecast page, and each chart, asks for the attachments several times."""
    if not has_request_context():
        return read()
    kept = request.environ.setdefault("tfclaims.forecast_reads", {})  # this request's, whatever ``g`` outlives
    if name not in kept:
        kept[name] = read()
    return kept[name].copy()


def attachments() -> pd.DataFrame:
    """Every attachment: attachment_id, family_id, attached_on, closed_on, closure_reason, and phase_ends_on (the
    end of the programme phase, the framework, of its plan version); dates as datetime64."""
    return _once_per_request("attachments", _attachments)


def _attachments() -> pd.DataFrame:
    rows = _rows(
        select(Attachment.id, Attachment.family_id, Attachment.attached_on, Attachment.closed_on,
               Attachment.closure_reason, Framework.ends_on)
        .join(PlanVersion, PlanVersion.id == Attachment.plan_version_id)
        .join(OutcomesPlan, OutcomesPlan.id == PlanVersion.plan_id)
        .join(Framework, Framework.id == OutcomesPlan.framework_id)
    )
    frame = _frame(rows, ["attachment_id", "family_id", "attached_on", "closed_on", "closure_reason",
                          "phase_ends_on"])
    for column in ("attached_on", "closed_on", "phase_ends_on"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def results() -> pd.DataFrame:
    """Every result claimed: attachment_id, family_id, claimed_on (the claim's submission date)."""
    return _once_per_request("results", _results)


def _results() -> pd.DataFrame:
    rows = _rows(
        select(ClaimLine.attachment_id, ClaimLine.family_id, Claim.submitted_on)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(Claim.status.in_((SUBMITTED, RECONCILED)), ClaimLine.state.in_(RESULT_STATES))
    )
    frame = _frame(rows, ["attachment_id", "family_id", "claimed_on"])
    frame["claimed_on"] = pd.to_datetime(frame["claimed_on"])
    return frame


def claim_lines() -> pd.DataFrame:
    """Every claim line, for ``rules.track``: attachment_id, state, holds_family, claim_status, submitted_on,
    claim_as_of (dates as datetime64)."""
    rows = _rows(
        select(ClaimLine.attachment_id, ClaimLine.state, ClaimLine.holds_family, Claim.status, Claim.submitted_on,
               Claim.as_of)
        .join(Claim, Claim.id == ClaimLine.claim_id)
    )
    frame = _frame(rows, columns=["attachment_id", "state", "holds_family", "claim_status", "submitted_on",
                                        "claim_as_of"])
    for column in ("submitted_on", "claim_as_of"):
        frame[column] = pd.to_datetime(frame[column])
    frame["holds_family"] = frame["holds_family"].astype(bool)
    return frame


def monthly_counts(first: date, last: date) -> pd.DataFrame:
    """Families attached and results claimed in each calendar month from ``first`` to ``last`` (month starts).

    Columns: month (a date, the 1st), attached, claimed. Months with none are 0."""
    months = pd.date_range(pd.Timestamp(first).to_period("M").start_time,
                           pd.Timestamp(last).to_period("M").start_time, freq="MS")
    att = attachments()["attached_on"].dt.to_period("M").dt.start_time.value_counts()
    res = results()["claimed_on"].dt.to_period("M").dt.start_time.value_counts()
    frame = pd.DataFrame({"month": months})
    frame["attached"] = frame["month"].map(att).fillna(0).astype(int)
    frame["claimed"] = frame["month"].map(res).fillna(0).astype(int)
    frame["month"] = frame["month"].dt.date
    return frame
