"""Scorecard use cases (managers): indicators, targets, benchmarks, monthly commentary, monthly values entered one
at a time or imported from a CSV file. Services flush, never commit; the mapper listeners write an audit event for
every row changed, and an import adds one ``record`` event for the file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tfclaims.audit.services import record
from tfclaims.errors import DomainError, DuplicateValueError, NotAllowedError
from tfclaims.extensions import db, flush_unique
from tfclaims.scorecard import queries, rules
from tfclaims.scorecard.models import (
    BENCHMARK_KINDS,
    COMPUTED_SOURCES,
    ENTERED,
    UNITS,
    Indicator,
    IndicatorBenchmark,
    IndicatorComment,
    IndicatorTarget,
    IndicatorValue,
)

MAX_BYTES = 2 * 1024 * 1024
CODE_TAKEN = "An indicator with this reference code already exists"
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")


def _latest_month(today: date) -> date:
    return rules.month_start(today)


def _check_month(month: date | None, today: date, field: str = "month") -> date:
    if month is None:
        raise DomainError(f"Enter the month as {rules.MONTH_FORMATS}", field=field)
    month = rules.month_start(month)
    if month > _latest_month(today):
        raise DomainError(f"The month must be this month or earlier, not {rules.month_label(month)}", field=field)
    return month


# ---------------------------------------------------------------- indicators


def save_indicator(
    indicator: Indicator | None,
    *,
    code: str,
    name: str,
    owner: str = "",
    reporter: str = "",
    up_is_good: bool = True,
    unit: str = "number",
    period_months: int = 1,
    position: int | None = None,
) -> Indicator:
    """Add an indicator whose values are entered or imported (``indicator`` None), or change one. A computed
    indicator keeps its source and period: they follow from what it counts."""
    code = rules.normal_code(code)
    name = " ".join((name or "").split())
    if not code:
        raise DomainError("Enter the reference code", field="code")
    if len(code) > 20 or not _CODE.match(code):
        raise DomainError(
            "The reference code must be 20 letters, digits, dots, hyphens or slashes at most, like EH01", field="code"
        )
    if not name:
        raise DomainError("Enter the indicator's name", field="name")
    if unit not in UNITS:
        raise DomainError("Select the unit", field="unit")
    if queries.code_taken(code, indicator.id if indicator else None):
        raise DuplicateValueError(CODE_TAKEN, field="code")
    if indicator is None:
        indicator = Indicator(source=ENTERED, position=position or queries.next_position())
        db.session.add(indicator)
    if indicator.is_computed:
        if period_months != indicator.period_months:
            raise NotAllowedError(
                f"{indicator.code} is computed: its period follows from what it counts and cannot change",
                field="period_months",
            )
    elif period_months not in rules.PERIODS:
        raise DomainError("Select monthly or quarterly", field="period_months")
    indicator.code, indicator.name = code, name
    indicator.owner, indicator.reporter = (owner or "").strip(), (reporter or "").strip()
    indicator.up_is_good, indicator.unit, indicator.period_months = up_is_good, unit, period_months
    if position is not None:
        indicator.position = position
    flush_unique(CODE_TAKEN, "code")
    return indicator


# ---------------------------------------------------------------- targets, benchmarks, commentary


def set_target(indicator: Indicator, year: str, value: float | None) -> IndicatorTarget | None:
    """The indicator's target for a financial year ("2026-27"); None removes the year's target."""
    label = rules.parse_year_label(year)
    if label is None:
        raise DomainError("Enter the financial year like 2026-27", field="year")
    found = next((t for t in indicator.targets if t.year_label == label), None)
    if value is None:
        if found is None:
            raise DomainError(f"There is no target for {label} to remove: enter the target", field="value")
        indicator.targets.remove(found)
        db.session.flush()
        return None
    if found is None:
        found = IndicatorTarget(year_label=label, value=value)
        indicator.targets.append(found)
    else:
        found.value = value
    db.session.flush()
    return found


def set_benchmark(indicator: Indicator, kind: str, value: float | None, period: str = "") -> IndicatorBenchmark | None:
    """A benchmark (statistical neighbours, England, region) and what it is for ("2025-26"); None removes it."""
    if kind not in BENCHMARK_KINDS:
        raise DomainError("Select statistical neighbours, England or region", field="kind")
    found = next((b for b in indicator.benchmarks if b.kind == kind), None)
    if value is None:
        if found is None:
            raise DomainError(
                f"There is no {BENCHMARK_KINDS[kind]} benchmark to remove: enter the value", field="value"
            )
        indicator.benchmarks.remove(found)
        db.session.flush()
        return None
    if found is None:
        found = IndicatorBenchmark(kind=kind, value=value, period=(period or "").strip())
        indicator.benchmarks.append(found)
    else:
        found.value, found.period = value, (period or "").strip()
    db.session.flush()
    return found


def set_comment(indicator: Indicator, month: date | None, text: str, today: date) -> IndicatorComment | None:
    """The indicator's commentary for a month; blank text removes it."""
    month = _check_month(month, today)
    text = (text or "").strip()
    found = queries.get_comment(indicator, month)
    if not text:
        if found is None:
            raise DomainError(f"Enter the commentary for {rules.month_label(month)}", field="text")
        indicator.comments.remove(found)
        db.session.flush()
        return None
    if found is None:
        found = IndicatorComment(month=month, text=text)
        indicator.comments.append(found)
    else:
        found.text = text
    db.session.flush()
    return found


# ---------------------------------------------------------------- values


def _entered_only(indicator: Indicator, field: str | None = "value") -> None:
    if indicator.is_computed:
        raise NotAllowedError(
            f"{indicator.code} is computed from the programme's data ({COMPUTED_SOURCES[indicator.source].lower()}): "
            "its values cannot be entered",
            field=field,
        )


def set_value(indicator: Indicator, month: date | None, value: float | None, today: date) -> IndicatorValue | None:
    """An entered indicator's value for a month, replacing any it had; None removes the month's value."""
    _entered_only(indicator)
    month = _check_month(month, today)
    found = queries.get_value(indicator, month)
    if value is None:
        if found is None:
            raise DomainError(f"There is no value for {rules.month_label(month)} to remove: enter the value",
                              field="value")
        indicator.values.remove(found)
        db.session.flush()
        return None
    if found is None:
        found = IndicatorValue(month=month, value=value)
        indicator.values.append(found)
    else:
        found.value = value
    db.session.flush()
    return found


class ImportRefused(DomainError):
    """A CSV file of values that cannot be imported. ``problems``: every bad row (empty when the file as a whole
    is wrong, the message saying how)."""

    def __init__(self, message: str, problems: list[rules.RowProblem] | None = None):
        super().__init__(message, field="file")
        self.problems = problems or []


@dataclass(frozen=True)
class Imported:
    rows: int
    added: int
    replaced: int  # values already there, changed by the file
    unchanged: int  # values already there, the same in the file
    latest: date

    @property
    def summary(self) -> str:
        parts = [f"{self.added:,} added", f"{self.replaced:,} replaced"]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} unchanged")
        return f"{self.rows:,} value{'' if self.rows == 1 else 's'} imported: {', '.join(parts)}"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # a spreadsheet's plain "CSV" on Windows


def import_values(filename: str, data: bytes, today: date) -> Imported:
    """Import monthly values from a CSV file (columns code, month, value). Every row is checked first: if any is
    wrong nothing is saved and ``ImportRefused`` lists every bad row. A value for an indicator and month that
    already has one replaces it."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The selected file must be smaller than {MAX_BYTES // (1024 * 1024)} MB")
    if not filename.lower().endswith(".csv"):
        raise ImportRefused("The selected file must be a CSV file (.csv)")
    indicators = queries.indicators_by_code()
    try:
        rows, problems = rules.read_value_rows(
            _decode(data), {code: i.is_computed for code, i in indicators.items()}, _latest_month(today)
        )
    except rules.FileProblem as problem:
        raise ImportRefused(str(problem)) from problem
    if problems:
        count = len(problems)
        raise ImportRefused(
            f"The selected file has {count} row{'' if count == 1 else 's'} with problems: nothing was imported. "
            "Fix them and upload the file again",
            problems,
        )

    existing = queries.values_for(
        sorted({indicators[r.code].id for r in rows}), sorted({r.month for r in rows})
    )
    added = replaced = unchanged = 0
    for row in rows:
        indicator = indicators[row.code]
        found = existing.get((indicator.id, row.month))
        if found is None:
            indicator.values.append(IndicatorValue(month=row.month, value=row.value))
            added += 1
        elif found.value == row.value:
            unchanged += 1
        else:
            found.value = row.value
            replaced += 1
    db.session.flush()
    result = Imported(len(rows), added, replaced, unchanged, max(r.month for r in rows))
    codes = sorted({r.code for r in rows})
    record(
        db.session,
        "indicator_values_imported",
        "indicator_value",
        None,
        f"Scorecard values imported from {filename}: {result.summary}",
        changes={
            "file": [None, filename],
            "indicators": [None, codes],
            "rows": [None, result.rows],
            "added": [None, added],
            "replaced": [None, replaced],
            "unchanged": [None, unchanged],
        },
    )
    db.session.flush()
    return result
