"""The monthly scorecard's rules as pure functions on plain values: months, the figures of a row, the programme's
computed indicators, and reading a CSV file of values. No database, no Flask.

A row of the scorecard, for a report month M and an indicator's monthly series (month -> value, missing months
absent or None):

- **the last seven monthly values**: M-6 to M, oldest first, None where a month has no value;
- **% change from the previous period**: from the value ``period_months`` months before M (1 for a monthly
  indicator, 3 for a quarterly one) to the value for M;
- **% change from the same period last year**: from the value for M-12 to the value for M;
- a % change is (current - previous) / |previous| x 100, worked out exactly (fractions of the decimal values, so
  100 to 110 is exactly +10%, never 9.999...%). It is shown rounded towards zero to one decimal place, so the figure
  shown never crosses the 10% line the arrow is drawn at (+9.99% is shown as +9.9%, with a flat arrow);
- **when the previous value is 0**: if the current value is 0 too, the change is 0% (flat); if it is more than 0
  there is no percentage ("n/a: previous value was 0") and the direction is up: an increase from nothing (and down
  for a fall below 0, for the rare indicator that can be negative). A percentage of infinity helps nobody, and
  leaving the direction unknown would hide a real increase;
- when either value is missing there is no percentage and no direction ("n/a");
- **direction of travel**, from the change from the previous period: "up" for a change of +10% or more, "down" for
  -10% or less, "flat" otherwise. Whether it is good: up is good when up is good for the indicator, down is good
  when up is not; flat is neutral; anything else is bad;
- **12-month average and maximum**: of the values for the twelve months M-11 to M, shown as such only when all
  twelve have a value. Otherwise the figure says how many months it covers ("7 months: 12.3", of the months that
  have a value) or, when none has, "not available": the same words on the page and in the CSV, XLSX and PDF files,
  so a figure over seven months is never read as a 12-month one.

The programme's own indicators are computed from the monthly counts of families attached and results claimed
(``forecasts.queries.monthly_counts``): ``attached_month`` is the month's count, ``attached_quarter`` the sum of the
three months to the month (a rolling quarter), and the same for ``claimed_month`` and ``claimed_quarter``. The
early-help pathway's indicators (``PATHWAY``: requests received and repeat requests, assessments started and
completed, plans opened, and the timeliness percentages) are each a column of the pathway's monthly table
(``pathway.indicators.monthly``, where they are defined), read the same way as a month's value: a month the table
leaves without a value (before the service's first request, or a percentage with nothing to measure) has none.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import pandas as pd

UP, DOWN, FLAT = "up", "down", "flat"
GOOD, BAD, NEUTRAL = "good", "bad", "neutral"
THRESHOLD = Fraction(10)  # percent
SHOWN_MONTHS = 7
# An indicator's period: the "previous period" is this many months before.
PERIODS = {1: "Monthly", 3: "Quarterly (each month shows the three months to it)"}
YEAR_MONTHS = 12

PREVIOUS_ZERO = "n/a: previous value was 0"
NO_CURRENT = "n/a: no value for the month"
NO_PREVIOUS = "n/a: no value to compare with"

# The early-help pathway's computed sources: each the column of ``pathway.indicators.monthly`` it reads, a month's
# value (a count, or a percentage with no value in a month with nothing to measure).
PATHWAY = {
    "eh_requests": "requests",
    "eh_repeat_requests": "repeat_requests",
    "eh_repeat_percent": "repeat_percent",
    "eh_assessments_started": "assessments_started",
    "eh_assessments_completed": "assessments_completed",
    "eh_assessments_completed_u21": "assessments_completed_excluding_adults_21",
    "eh_plans_opened": "plans_opened",
    "eh_first_visit_on_time": "first_visit_on_time",
    "eh_assessment_on_time": "assessment_on_time",
    "eh_review_on_time": "review_on_time",
}
# What each computed source counts, and over how many months to the month.
COMPUTED = {
    "attached_month": ("attached", 1),
    "attached_quarter": ("attached", 3),
    "claimed_month": ("claimed", 1),
    "claimed_quarter": ("claimed", 3),
    **{source: (column, 1) for source, column in PATHWAY.items()},
}
# The most months a computed quarter looks back before the first month it is shown for.
COMPUTED_LOOKBACK = max(months for _, months in COMPUTED.values()) - 1


# ---------------------------------------------------------------- months


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month ``n`` months after (or before, for a negative ``n``) ``month``'s."""
    total = month.year * 12 + month.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def months_to(month: date, count: int) -> list[date]:
    """``count`` month starts ending with ``month``'s, oldest first."""
    return [add_months(month_start(month), k) for k in range(1 - count, 1)]


def months_between(first: date, last: date) -> list[date]:
    """Every month start from ``first``'s month to ``last``'s, oldest first (none when ``last`` is earlier)."""
    first, last = month_start(first), month_start(last)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, k) for k in range(max(count, 0))]


def last_complete_month(today: date) -> date:
    """The month before today's: the scorecard is usually made for it."""
    return add_months(month_start(today), -1)


def month_slug(month: date) -> str:
    """ "2026-10": a month in a web address or a file name."""
    return f"{month:%Y-%m}"


def month_label(month: date) -> str:
    """ "October 2026"."""
    return f"{month:%B %Y}"


def month_heading(month: date) -> str:
    """ "Oct 2026": a column heading."""
    return f"{month:%b %Y}"


def financial_year(month: date) -> int:
    """The year a financial year starts in: April 2026 to March 2027 is 2026."""
    return month.year if month.month >= 4 else month.year - 1


def year_label(start_year: int) -> str:
    """ "2026-27"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


_YEAR_LABEL = re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2})$")


def parse_year_label(text: str | None) -> str | None:
    """A financial year written "2026-27" (or "2026/27"), as "2026-27"; None when it is not one."""
    found = _YEAR_LABEL.match((text or "").strip())
    if not found:
        return None
    start, end = int(found.group(1)), int(found.group(2))
    if (start + 1) % 100 != end or not FIRST_YEAR <= start <= LAST_YEAR:
        return None
    return year_label(start)


FIRST_YEAR, LAST_YEAR = 2000, 2099
MONTH_NAMES = {
    **{date(2000, m, 1).strftime("%B").lower(): m for m in range(1, 13)},
    **{date(2000, m, 1).strftime("%b").lower(): m for m in range(1, 13)},
    "sept": 9,
}
# The styles a council's spreadsheets write months in, all read: 2019-10 (and 2019/10), 2019-10-01 (any real date:
# its month), 10/2019 (and 10-2019, 10.2019), 01/10/2019 (a UK date: day, month, year), Oct-19, Oct 2019,
# October 2019, Oct-2019. A two-digit year is 20yy: months before 2000 are refused anyway.
MONTH_FORMATS = "Oct-19, Oct 2019, October 2019, 10/2019, 2019-10 or 2019-10-01"
_YEAR_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_UK_DAY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_NAMED = re.compile(r"^([a-z]+)\.?(?:\s*[-/.'’]\s*|\s+)(\d{4}|\d{2})$")


def read_month(text: str | None) -> tuple[date | None, str]:
    """The first day of the month written in any of the styles of ``MONTH_FORMATS`` (any case, spaces ignored) and
    no reason; or None and why it cannot be read: there is no month 13; "Smarch" is not the name of a month; the
    year 1999 is not between 2000 and 2099; 30 February 2019 is not a real date; or how to write it."""
    value = " ".join((text or "").split()).lower()
    if not value:
        return None, "there is no month"
    how = f"write it as {MONTH_FORMATS}"
    day = None
    if found := _YEAR_MONTH.match(value):
        year, month = int(found.group(1)), int(found.group(2))
    elif found := _ISO_DAY.match(value):
        year, month, day = (int(part) for part in found.groups())
    elif found := _MONTH_YEAR.match(value):
        month, year = int(found.group(1)), int(found.group(2))
    elif found := _UK_DAY.match(value):
        day, month, year = (int(part) for part in found.groups())
    elif found := _NAMED.match(value):
        name, digits = found.groups()
        month = MONTH_NAMES.get(name)
        if month is None:
            return None, f"{_quoted(name.capitalize())} is not the name of a month ({how})"
        year = int(digits) + (2000 if len(digits) == 2 else 0)
    else:
        return None, how
    if not 1 <= month <= 12:
        return None, f"there is no month {month}"
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, f"the year {year} is not between {FIRST_YEAR} and {LAST_YEAR}"
    if day is not None:
        try:
            date(year, month, day)
        except ValueError:
            return None, f"{day} {date(2000, month, 1):%B} {year} is not a real date"
    return date(year, month, 1), ""


def parse_month(text: str | None) -> date | None:
    """The first day of the month written in any of the styles of ``MONTH_FORMATS``; None when it is none of them,
    or the year is before 2000 or after 2099 (``read_month`` says why)."""
    return read_month(text)[0]


_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_number(text: str | None) -> float | None:
    """A number written "42", "-3", "12.5", ".5" or "1,234.5" (commas only between thousands); None otherwise.
    Never "nan" or "inf", and never a decimal comma ("12,5" is refused, not read as 125)."""
    value = (text or "").strip().replace(" ", "")
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    elif not _PLAIN_NUMBER.match(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------- a row's figures


def _exact(value: float) -> Fraction:
    """The decimal a value was written as, exactly: 0.77 is 77/100, not the nearest binary fraction."""
    return Fraction(repr(float(value)))


@dataclass(frozen=True)
class Change:
    """A % change: ``percent`` exact (None when there is none, ``reason`` saying why) and the ``direction``
    (UP, DOWN, FLAT, or None when a value is missing)."""

    percent: Fraction | None
    direction: str | None
    reason: str = ""

    @property
    def shown(self) -> float | None:
        """The percentage rounded towards zero to one decimal place: never across the 10% line."""
        if self.percent is None:
            return None
        return math.trunc(self.percent * 10) / 10

    @property
    def text(self) -> str:
        """ "+12.5%", "-10.0%", "0.0%", or the reason there is no percentage."""
        shown = self.shown
        if shown is None:
            return self.reason
        return f"{shown:+.1f}%" if shown != 0 else "0.0%"


def direction(percent: Fraction | float) -> str:
    """UP for +10% or more, DOWN for -10% or less, FLAT between."""
    if percent >= THRESHOLD:
        return UP
    if percent <= -THRESHOLD:
        return DOWN
    return FLAT


def percent_change(current: float | None, previous: float | None) -> Change:
    """The change from ``previous`` to ``current`` (see the module's notes for a previous value of 0)."""
    if current is None:
        return Change(None, None, NO_CURRENT)
    if previous is None:
        return Change(None, None, NO_PREVIOUS)
    now, then = _exact(current), _exact(previous)
    if then == 0:
        if now == 0:
            return Change(Fraction(0), FLAT)
        return Change(None, UP if now > 0 else DOWN, PREVIOUS_ZERO)
    percent = (now - then) / abs(then) * 100
    return Change(percent, direction(percent))


def assessment(travel: str | None, up_is_good: bool) -> str | None:
    """GOOD, BAD or NEUTRAL for a direction of travel; None when the direction is not known."""
    if travel is None:
        return None
    if travel == FLAT:
        return NEUTRAL
    return GOOD if (travel == UP) == up_is_good else BAD


def _value(series: Mapping[date, float | None], month: date) -> float | None:
    value = series.get(month)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def last_values(series: Mapping[date, float | None], month: date, count: int = SHOWN_MONTHS) -> list[float | None]:
    """The values of the ``count`` months to ``month``, oldest first, None where a month has none."""
    return [_value(series, m) for m in months_to(month, count)]


@dataclass(frozen=True)
class YearFigure:
    """A 12-month average or maximum: ``value`` over the ``months`` (0 to 12) of the twelve that have a value. It is
    a 12-month figure only when ``months`` is 12; otherwise it is shown as "7 months: 12.3", or "not available"."""

    value: float | None
    months: int

    @property
    def complete(self) -> bool:
        return self.months == YEAR_MONTHS

    def text(self, unit: str = "number") -> str:
        if self.value is None or self.months == 0:
            return NOT_AVAILABLE
        if self.complete:
            return format_value(self.value, unit)
        return f"{self.months} month{'s' if self.months != 1 else ''}: {format_value(self.value, unit)}"

    def cell(self, unit: str = "number"):
        """For a spreadsheet: the number when it is a 12-month figure, else the words the page shows."""
        if self.complete:
            return round(self.value, 2)
        return self.text(unit)


NOT_AVAILABLE = "not available"


def _year_values(series: Mapping[date, float | None], month: date) -> list[float]:
    return [v for v in last_values(series, month, YEAR_MONTHS) if v is not None]


def twelve_month_average(series: Mapping[date, float | None], month: date) -> YearFigure:
    """The mean of the values of the twelve months to ``month``, over the months that have one, and how many do."""
    present = _year_values(series, month)
    return YearFigure(math.fsum(present) / len(present) if present else None, len(present))


def twelve_month_maximum(series: Mapping[date, float | None], month: date) -> YearFigure:
    present = _year_values(series, month)
    return YearFigure(max(present) if present else None, len(present))


@dataclass(frozen=True)
class Figures:
    """One indicator's figures for a report month."""

    month: date
    months: list[date]  # the seven months shown, oldest first
    values: list[float | None]
    from_previous: Change
    from_last_year: Change
    travel: str | None  # the direction of travel: UP, DOWN, FLAT or None
    judged: str | None  # GOOD, BAD, NEUTRAL or None
    average: YearFigure  # of the twelve months to the month (see YearFigure for fewer)
    maximum: YearFigure

    @property
    def current(self) -> float | None:
        return self.values[-1]


def figures(series: Mapping[date, float | None], month: date, period_months: int = 1,
            up_is_good: bool = True) -> Figures:
    """A scorecard row's figures for ``month`` from an indicator's monthly ``series``."""
    month = month_start(month)
    current = _value(series, month)
    from_previous = percent_change(current, _value(series, add_months(month, -period_months)))
    from_last_year = percent_change(current, _value(series, add_months(month, -YEAR_MONTHS)))
    return Figures(
        month=month,
        months=months_to(month, SHOWN_MONTHS),
        values=last_values(series, month),
        from_previous=from_previous,
        from_last_year=from_last_year,
        travel=from_previous.direction,
        judged=assessment(from_previous.direction, up_is_good),
        average=twelve_month_average(series, month),
        maximum=twelve_month_maximum(series, month),
    )


def first_month_needed(month: date) -> date:
    """The earliest month a row for ``month`` reads: the same month a year before."""
    return add_months(month_start(month), -YEAR_MONTHS)


# ---------------------------------------------------------------- computed indicators


def computed_series(counts: pd.DataFrame, source: str) -> dict[date, float]:
    """A computed indicator's monthly values from ``counts`` (columns month, attached, claimed; one row per
    consecutive month, as ``forecasts.queries.monthly_counts`` gives them; for a ``PATHWAY`` source, the pathway's
    monthly table). A quarter is the sum of the three months to the month; a month whose quarter reaches before the
    first row of ``counts`` has no value (it would be too low), nor has a month whose value is missing."""
    column, months = COMPUTED[source]
    if counts.empty:
        return {}
    ordered = counts.sort_values("month")
    totals = ordered[column].astype("float64").rolling(months, min_periods=months).sum()
    return {
        month: float(total)
        for month, total in zip(ordered["month"], totals, strict=True)
        if not pd.isna(total)
    }


def attached_month(counts: pd.DataFrame) -> dict[date, float]:
    return computed_series(counts, "attached_month")


def attached_quarter(counts: pd.DataFrame) -> dict[date, float]:
    return computed_series(counts, "attached_quarter")


def claimed_month(counts: pd.DataFrame) -> dict[date, float]:
    return computed_series(counts, "claimed_month")


def claimed_quarter(counts: pd.DataFrame) -> dict[date, float]:
    return computed_series(counts, "claimed_quarter")


# ---------------------------------------------------------------- showing values


def _trimmed(value: float) -> str:
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value: float | None, unit: str = "number") -> str:
    """A value as the scorecard shows it: "1,234", "12.5", "45.2%" (two decimal places at most); "" for none."""
    if value is None:
        return ""
    text = _trimmed(round(value, 2) + 0.0)  # + 0.0: never "-0"
    return f"{text}%" if unit == "percent" else text


# ---------------------------------------------------------------- a CSV file of values

IMPORT_COLUMNS = ("code", "month", "value")


@dataclass(frozen=True)
class ValueRow:
    row: int  # the row in the file, the heading row being row 1 (as a spreadsheet numbers them)
    code: str
    month: date
    value: float


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


class FileProblem(ValueError):
    """The file as a whole cannot be read (no heading row, a column missing, no values)."""


def normal_code(text: str | None) -> str:
    """An indicator code as stored: upper case, no spaces."""
    return "".join((text or "").split()).upper()


def _quoted(text: str) -> str:
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'


def read_value_rows(text: str, computed_by_code: Mapping[str, bool], latest: date,
                    ) -> tuple[list[ValueRow], list[RowProblem]]:
    """Every row of a CSV file of values (columns code, month, value, in any order and case; other columns are
    ignored; blank rows skipped), checked: the good rows and a problem for every bad row, with every reason it is
    bad. ``computed_by_code`` maps each known code (as ``normal_code`` writes it) to whether the indicator is
    computed; ``latest`` is the last month a value may be for (this month). Raises ``FileProblem`` when the file
    cannot be read as such a table."""
    try:
        return _read_value_rows(text, computed_by_code, latest)
    except csv.Error as error:
        raise FileProblem(f"The file cannot be read as CSV: {error}") from error


def _read_value_rows(text: str, computed_by_code: Mapping[str, bool], latest: date,
                     ) -> tuple[list[ValueRow], list[RowProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    heading = next(reader, None)
    if heading is None or not any(cell.strip() for cell in heading):
        raise FileProblem("The file is empty: its first row must be the headings code, month and value")
    names = [cell.strip().lower() for cell in heading]
    missing = [name for name in IMPORT_COLUMNS if name not in names]
    if missing:
        listed = " and ".join(missing)
        raise FileProblem(f"The file has no {listed} column: its first row must be the headings code, month and value")
    where = {name: names.index(name) for name in IMPORT_COLUMNS}

    good: list[ValueRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, date], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        raw = {name: (cells[i].strip() if i < len(cells) else "") for name, i in where.items()}
        reasons: list[str] = []
        code = normal_code(raw["code"])
        if not code:
            reasons.append("there is no indicator code")
        elif code not in computed_by_code:
            reasons.append(f"unknown indicator code {_quoted(raw['code'])}")
        elif computed_by_code[code]:
            reasons.append(f"{code} is computed from the programme's data: its values cannot be imported")
        month, why = read_month(raw["month"])
        if not raw["month"]:
            reasons.append("there is no month")
        elif month is None:
            reasons.append(f"the month {_quoted(raw['month'])} cannot be read: {why}")
        elif month > latest:
            reasons.append(f"the month {month_label(month)} is after this month")
        value = parse_number(raw["value"])
        if not raw["value"]:
            reasons.append("there is no value")
        elif value is None:
            reasons.append(f"the value {_quoted(raw['value'])} is not a number: write it like 42 or 12.5")
        if code and month is not None:
            first = seen.setdefault((code, month), number)
            if first != number:
                reasons.append(f"{code} {month_label(month)} is already on row {first}")
        if reasons:
            problems.append(RowProblem(number, "; ".join(reasons)))
        else:
            good.append(ValueRow(number, code, month, value))
    if not good and not problems:
        raise FileProblem("The file has no values: add a row for each indicator and month under the headings")
    return good, problems
