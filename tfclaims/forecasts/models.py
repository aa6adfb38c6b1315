"""Targets per programme year and the forecast settings.

A target's history is its audit trail: every change to a target writes an audit event with the old and new values,
and the target page lists them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tfclaims.db import Base, Timestamps


class ForecastSettings(Timestamps, Base):
    """One row: how old an attachment cohort must be before its conversion counts as observed."""

    __tablename__ = "forecast_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    maturity_months: Mapped[int] = mapped_column(Integer, default=24)

    @property
    def audit_summary(self) -> str:
        return "Forecast settings"


class Target(Timestamps, Base):
    """A programme year's target: results (claims) and attachments, with the deadlines that bound the forecast."""

    __tablename__ = "programme_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60), unique=True)
    # The target period: results claimed and families attached in it count towards the target.
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    results_target: Mapped[int] = mapped_column(Integer)
    attachment_target: Mapped[int] = mapped_column(Integer, default=0)
    # The last date an attachment can still mature into a claim in time, and the last date to claim.
    attachment_deadline: Mapped[date] = mapped_column(Date)
    claim_deadline: Mapped[date] = mapped_column(Date)
    # A manager's assumed conversion rate, in percent; None means the observed rate is used.
    assumed_rate_percent: Mapped[float | None] = mapped_column(Float)

    @property
    def audit_summary(self) -> str:
        return f"Target {self.label}"
