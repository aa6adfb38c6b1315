"""Reads for the monthly scorecard: indicators, their values (entered, or computed from the programme's monthly
counts and the early-help pathway's monthly indicators), and the scorecard for a month, put together by
``rules.figures``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tfclaims.extensions import db
from tfclaims.families.models import Attachment
from tfclaims.forecasts.queries import monthly_counts
from tfclaims.pathway.models import HelpRequest
from tfclaims.pathway.queries import monthly_indicators
from tfclaims.scorecard import rules
from tfclaims.scorecard.models import (
    BENCHMARK_KINDS,
    Indicator,
    IndicatorBenchmark,
    IndicatorComment,
    IndicatorValue,
)

# How far back the month chooser reaches at least, in months before this month.
OFFERED_MONTHS = 36


def list_indicators(with_details: bool = False) -> list[Indicator]:
    """Every indicator in scorecard order; ``with_details`` loads their targets and benchmarks too."""
    query = select(Indicator).order_by(Indicator.position, Indicator.code)
    if with_details:
        query = query.options(selectinload(Indicator.targets), selectinload(Indicator.benchmarks))
    return list(db.session.scalars(query))


def get_indicator(indicator_id: int) -> Indicator | None:
    return db.session.get(Indicator, indicator_id)


def indicators_by_code() -> dict[str, Indicator]:
    return {indicator.code: indicator for indicator in list_indicators()}


def code_taken(code: str, except_id: int | None) -> bool:
    query = select(Indicator.id).where(Indicator.code == code)
    if except_id is not None:
        query = query.where(Indicator.id != except_id)
    return db.session.scalar(query) is not None


def next_position() -> int:
    return (db.session.scalar(select(func.max(Indicator.position))) or 0) + 1


def get_value(indicator: Indicator, month: date) -> IndicatorValue | None:
    return db.session.scalar(
        select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id, IndicatorValue.month == month)
    )


def get_comment(indicator: Indicator, month: date) -> IndicatorComment | None:
    return db.session.scalar(
        select(IndicatorComment).where(IndicatorComment.indicator_id == indicator.id, IndicatorComment.month == month)
    )


def values_for(indicator_ids: list[int], months: list[date]) -> dict[tuple[int, date], IndicatorValue]:
    """The stored values for any of the indicators and months, by (indicator id, month)."""
    if not indicator_ids or not months:
        return {}
    rows = db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.indicator_id.in_(indicator_ids), IndicatorValue.month.in_(months))
    )
    return {(value.indicator_id, value.month): value for value in rows}


def entered_series(first: date, last: date) -> dict[int, dict[date, float]]:
    """Every stored value from ``first`` to ``last`` (months), by indicator id, then month."""
    rows = db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.month, IndicatorValue.value).where(
            IndicatorValue.month >= first, IndicatorValue.month <= last
        )
    ).all()
    found: dict[int, dict[date, float]] = {}
    for indicator_id, month, value in rows:
        found.setdefault(indicator_id, {})[month] = value
    return found


def computed_series(sources: set[str], first: date, last: date) -> dict[str, dict[date, float]]:
    """The computed indicators' monthly values from ``first`` to ``last``, by source: the programme's from its
    monthly counts (read from far enough back for the rolling quarters to be whole), the early-help pathway's from
    its monthly indicators (``pathway.queries.monthly_indicators``, read only when one is asked for)."""
    found: dict[str, dict[date, float]] = {}
    programme = {s for s in sources if s not in rules.PATHWAY}
    pathway = {s for s in sources if s in rules.PATHWAY}
    tables = []
    if programme:
        tables.append((programme, monthly_counts(rules.add_months(first, -rules.COMPUTED_LOOKBACK), last)))
    if pathway:
        tables.append((pathway, monthly_indicators(first, last)))
    for chosen, table in tables:
        for source in chosen:
            found[source] = {m: v for m, v in rules.computed_series(table, source).items() if first <= m <= last}
    return found


def series(indicators: list[Indicator], first: date, last: date) -> dict[int, dict[date, float]]:
    """Each indicator's values from ``first`` to ``last``, computed or entered, by indicator id."""
    entered = entered_series(first, last)
    computed = computed_series({i.source for i in indicators if i.is_computed}, first, last)
    return {i.id: computed[i.source] if i.is_computed else entered.get(i.id, {}) for i in indicators}


def earliest_month(today: date) -> date:
    """The earliest month the scorecard is offered for: three years back, or the first attachment's, the first
    value's or the first request for early help's month when earlier."""
    earliest = rules.add_months(rules.month_start(today), -OFFERED_MONTHS)
    for first in (
        db.session.scalar(select(func.min(Attachment.attached_on))),
        db.session.scalar(select(func.min(IndicatorValue.month))),
        db.session.scalar(select(func.min(HelpRequest.received_at))),
    ):
        if isinstance(first, datetime):
            first = first.date()
        if first is not None and rules.month_start(first) < earliest:
            earliest = rules.month_start(first)
    return earliest


# ---------------------------------------------------------------- the scorecard for a month


@dataclass
class Line:
    """An indicator's row on the scorecard."""

    indicator: Indicator
    figures: rules.Figures
    targets: dict[str, float]  # by financial year, "2026-27"
    benchmarks: dict[str, IndicatorBenchmark]  # by kind
    comment: str


@dataclass
class Scorecard:
    month: date
    today: date
    lines: list[Line] = field(default_factory=list)

    @property
    def months(self) -> list[date]:
        return rules.months_to(self.month, rules.SHOWN_MONTHS)

    @property
    def target_years(self) -> list[str]:
        """The targets shown: the report month's financial year and the next."""
        year = rules.financial_year(self.month)
        return [rules.year_label(year), rules.year_label(year + 1)]

    @property
    def benchmark_kinds(self) -> dict[str, str]:
        return BENCHMARK_KINDS

    @property
    def complete(self) -> bool:
        """Whether the month was over on the day the scorecard was made."""
        return rules.add_months(self.month, 1) <= self.today


def scorecard(month: date, today: date) -> Scorecard:
    """The scorecard for ``month``: every indicator, in order, with its figures, targets, benchmarks and the month's
    commentary."""
    month = rules.month_start(month)
    indicators = list_indicators(with_details=True)
    values = series(indicators, rules.first_month_needed(month), month)
    comments = dict(
        db.session.execute(
            select(IndicatorComment.indicator_id, IndicatorComment.text).where(IndicatorComment.month == month)
        ).all()
    )
    found = Scorecard(month=month, today=today)
    for indicator in indicators:
        found.lines.append(
            Line(
                indicator=indicator,
                figures=rules.figures(values[indicator.id], month, indicator.period_months, indicator.up_is_good),
                targets={t.year_label: t.value for t in indicator.targets},
                benchmarks={b.kind: b for b in indicator.benchmarks},
                comment=comments.get(indicator.id, ""),
            )
        )
    return found


def history(indicator: Indicator, last: date, months: int = 24) -> list[tuple[date, float | None, str]]:
    """The indicator's value and commentary for each of the ``months`` months to ``last``, newest first."""
    first = rules.add_months(last, 1 - months)
    values = series([indicator], first, last)[indicator.id]
    comments = {c.month: c.text for c in indicator.comments}
    return [(m, values.get(m), comments.get(m, "")) for m in reversed(rules.months_to(last, months))]


def programme_charts(month: date) -> list[tuple[str, bytes]]:
    """The programme's charts for the scorecard PDF, as (title, PNG) pairs."""
    from tfclaims.forecasts.charts import scorecard_charts_png

    return list(scorecard_charts_png(month))
