"""The monthly scorecard: indicators with their owner, direction, targets, benchmarks, monthly values and commentary.

The programme's own indicators (families attached, PBR results claimed; per month and per quarter) and the early-help
pathway's (requests, assessments, plans, timeliness) are computed from the data (``source`` one of
``COMPUTED_SOURCES``); other early-help indicators have their values entered or imported.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tfclaims.db import Base, Timestamps

# Where an indicator's monthly values come from: computed from the programme's data, or entered and imported.
COMPUTED_SOURCES = {
    "attached_month": "Families attached in the month",
    "attached_quarter": "Families attached in the quarter (the three months to the month)",
    "claimed_month": "PBR results claimed in the month",
    "claimed_quarter": "PBR results claimed in the quarter (the three months to the month)",
    # From the early-help pathway's records (``pathway.indicators`` defines each).
    "eh_requests": "Requests for early help received in the month",
    "eh_repeat_requests": "Repeat requests received in the month (the family's earlier request within 12 months)",
    "eh_repeat_percent": "Repeat requests as a percentage of the requests received in the month",
    "eh_assessments_started": "Early help assessments started in the month",
    "eh_assessments_completed": "Early help assessments completed in the month, adults aged 21 and over included",
    "eh_assessments_completed_u21": "Early help assessments completed in the month, excluding those whose assessed "
                                    "members are all adults aged 21 and over",
    "eh_plans_opened": "Family plans opened in the month",
    "eh_first_visit_on_time": "The percentage of first visits made in the month within the practice standard",
    "eh_assessment_on_time": "The percentage of assessments completed in the month within the practice standard",
    "eh_review_on_time": "The percentage of team around the family reviews held in the month on time",
}
ENTERED = "entered"
UNITS = {"number": "Number", "percent": "Percentage", "rate": "Rate"}
BENCHMARK_KINDS = {"neighbours": "Statistical neighbours", "england": "England", "region": "Region"}


class Indicator(Timestamps, Base):
    """A row of the monthly scorecard."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(120), default="")
    reporter: Mapped[str] = mapped_column(String(120), default="")
    up_is_good: Mapped[bool] = mapped_column(Boolean, default=True)
    unit: Mapped[str] = mapped_column(String(20), default="number")
    # One of COMPUTED_SOURCES, or ENTERED for values typed in or imported from CSV.
    source: Mapped[str] = mapped_column(String(30), default=ENTERED)
    # 1 for a monthly figure, 3 for a quarterly one: the "previous period" is this many months before.
    period_months: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)

    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorValue.month"
    )
    targets: Mapped[list[IndicatorTarget]] = relationship(
        cascade="all, delete-orphan", order_by="IndicatorTarget.year_label"
    )
    benchmarks: Mapped[list[IndicatorBenchmark]] = relationship(cascade="all, delete-orphan")
    comments: Mapped[list[IndicatorComment]] = relationship(
        cascade="all, delete-orphan", order_by="IndicatorComment.month"
    )

    @property
    def is_computed(self) -> bool:
        return self.source in COMPUTED_SOURCES

    @property
    def audit_summary(self) -> str:
        return f"Indicator {self.code}"


class IndicatorValue(Timestamps, Base):
    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    value: Mapped[float] = mapped_column(Float)

    indicator: Mapped[Indicator] = relationship(back_populates="values")

    @property
    def audit_summary(self) -> str:
        return f"Indicator value {self.month:%B %Y}"


class IndicatorTarget(Timestamps, Base):
    __tablename__ = "indicator_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    year_label: Mapped[str] = mapped_column(String(10))  # a financial year, "2026-27"
    value: Mapped[float] = mapped_column(Float)

    @property
    def audit_summary(self) -> str:
        return f"Indicator target {self.year_label}"


class IndicatorBenchmark(Timestamps, Base):
    __tablename__ = "indicator_benchmark"
    __table_args__ = (UniqueConstraint("indicator_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # one of BENCHMARK_KINDS
    value: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(40), default="")  # what the figure is for, "2025-26"

    @property
    def audit_summary(self) -> str:
        return f"Indicator benchmark {self.kind}"


class IndicatorComment(Timestamps, Base):
    __tablename__ = "indicator_comment"
    __table_args__ = (UniqueConstraint("indicator_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)

    @property
    def audit_summary(self) -> str:
        return f"Indicator commentary {self.month:%B %Y}"
