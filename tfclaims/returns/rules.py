"""The quarterly progress return: pure functions from the cohort's data (Frames), the engine's verdicts and a
quarter's dates to the tables of the return, as DataFrames. No database, no Flask, no loop over families.

Every council makes the return each quarter, Earned Autonomy councils included, so nothing here depends on
claims. The financial year's quarters: Q1 is April to June, Q2 July to September, Q3 October to December, Q4
January to March; "2026-27 Q2" is 1 July to 30 September 2026.

How each figure is counted (domain.md section 4, point 6):
- **families attached in the quarter**: families with an attachment whose attachment date falls in the quarter
  (first and last day included);
- **families worked with in the quarter**: families with an attachment open at any point in the quarter:
  attached on or before the quarter's last day, and not closed, or closed on or after the quarter's first day;
- both **by headline problem**: a family counts once in the row of each headline problem identified in that
  attachment (at attachment or after), so the rows add up to more than the families; the total row counts each
  family once;
- **outcomes achieved in the quarter**, from the rule engine judged as of the quarter's last day (or today, for
  the quarter still running): **problems sustained** whose sustained date falls in the quarter, by headline
  problem (the total row: families with at least one problem sustained in the quarter), and **families
  claimable** whose claimable date falls in the quarter, by route (SSP, CE, SFO);
- the rows are the headline problems of each framework in the return: the frameworks of the families counted,
  or, in a quarter with nothing to count, of every attachment made by the quarter's end. When there are two,
  each framework has its own rows and total, and a last row counts each family once across both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from tfclaims.engine.rules import Frames, Verdicts

ROUTES = {
    "SSP": "significant and sustained progress",
    "CE": "continuous employment",
    "SFO": "successful family outcome",
}
TOTAL_LABEL = "All families (each counted once)"
ALL_FRAMEWORKS = "All frameworks"
ALL_ROUTES = "All routes"

# The measures of the by-problem table, in the order they are shown.
MEASURES = {
    "attached": "Families attached",
    "worked_with": "Families worked with",
    "sustained": "Problems sustained",
}

PROBLEM_COLUMNS = [
    "framework",
    "framework_name",
    "problem_number",
    "problem_name",
    *MEASURES,
    "total",
]
ROUTE_COLUMNS = ["route", "route_name", "claimable", "total"]
# The headline problems of every framework, as ``queries.headline_problems`` gives them.
HEADLINE_COLUMNS = ["framework", "framework_name", "problem_id", "problem_number", "problem_name"]

# The same definitions, for the page and the spreadsheet.
DEFINITIONS = [
    "Families attached: families with an attachment whose attachment date falls in the quarter (its first and last "
    "day included).",
    "Families worked with: families with an attachment open at any point in the quarter: attached on or before its "
    "last day, and still open or closed on or after its first day.",
    "By headline problem, a family counts once for each headline problem identified in its attachment, so the rows "
    "add up to more than the families; the total row counts each family once.",
    "Problems sustained: problems the rule engine finds sustained on a day in the quarter, judged as of the "
    "quarter's last day (or today, for a quarter not over yet). The total row counts the families with at least "
    "one problem sustained in the quarter.",
    "Families claimable: families the rule engine finds claimable from a day in the quarter, by route: SSP "
    "(significant and sustained progress), CE (continuous employment) or SFO (successful family outcome).",
    "When families of two frameworks are counted, each framework has its own rows and total, and a last row counts "
    "each family once across both.",
]


# ---------------------------------------------------------------- quarters

_QUARTER = re.compile(r"^(\d{4})-(\d{2})[- ]q([1-4])$")
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: ``year`` is the year the financial year starts (2026 for 2026-27), ``number`` 1 to
    4 (Q1 is April to June)."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter a date falls in."""
        months = day.year * 12 + day.month - 1 - 3  # months since year 0, counted from April
        return cls(months // 12, months % 12 // 3 + 1)

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return date.fromordinal(self.next().start.toordinal() - 1)

    @property
    def label(self) -> str:
        """ "2026-27 Q2", as ``engine.dates.quarter_label`` writes it."""
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.number}"

    @property
    def slug(self) -> str:
        """ "2026-27-q2": the label as it appears in a web address or a file name."""
        return self.label.lower().replace(" ", "-")

    @property
    def months(self) -> str:
        """ "July to September 2026"."""
        start, end = self.start, self.end
        first = f"{start:%B}" if start.year == end.year else f"{start:%B %Y}"
        return f"{first} to {end:%B %Y}"

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)


def parse_quarter(text: str | None) -> Quarter | None:
    """A quarter from its slug ("2026-27-q2") or its label ("2026-27 Q2"); None when it is not one."""
    found = _QUARTER.match((text or "").strip().lower())
    if not found:
        return None
    year, next_year, number = (int(part) for part in found.groups())
    if (year + 1) % 100 != next_year or not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return Quarter(year, number)


def default_quarter(today: date) -> Quarter:
    """The last complete quarter before today: the one a return is usually made for."""
    return Quarter.of(today).previous()


def quarters(first: date | None, today: date) -> list[Quarter]:
    """The quarters a return can be made for, newest first: from the quarter of ``first`` (the earliest
    attachment; none yet: the default quarter) to the quarter running today, always including the default."""
    latest = Quarter.of(today)
    earliest = default_quarter(today)
    if first is not None and not pd.isna(first):
        earliest = min(earliest, Quarter.of(pd.Timestamp(first).date()))
    earliest = min(earliest, latest)
    found = [latest]
    while found[-1] > earliest:
        found.append(found[-1].previous())
    return found


def earliest_attachment(frames: Frames) -> date | None:
    first = frames.attachments["attached_on"].min()
    return None if pd.isna(first) else first.date()


def judged_on(quarter: Quarter, today: date) -> date:
    """The date the engine judges outcomes on: the quarter's last day, or today while the quarter runs (an outcome
    is never counted before its date has come)."""
    return min(quarter.end, today)


# ---------------------------------------------------------------- families attached and worked with


def _attachments(frames: Frames) -> pd.DataFrame:
    """Every attachment with the code of its framework."""
    framework = frames.versions[["plan_version_id", "framework_id"]].merge(
        frames.frameworks[["framework_id", "framework"]], on="framework_id"
    )
    columns = ["attachment_id", "family_id", "attached_on", "closed_on", "plan_version_id"]
    return frames.attachments[columns].merge(framework[["plan_version_id", "framework"]], on="plan_version_id")


def attached_in(frames: Frames, start: date, end: date) -> pd.DataFrame:
    """The attachments made in the quarter: attached on a day from ``start`` to ``end``, both included."""
    a = _attachments(frames)
    return a[a["attached_on"].between(pd.Timestamp(start), pd.Timestamp(end))]


def worked_with_in(frames: Frames, start: date, end: date) -> pd.DataFrame:
    """The attachments open at any point in the quarter: attached by ``end``, and open or closed from ``start``."""
    a = _attachments(frames)
    open_ = (a["attached_on"] <= pd.Timestamp(end)) & (a["closed_on"].isna() | (a["closed_on"] >= pd.Timestamp(start)))
    return a[open_]


def problem_families(frames: Frames, attachments: pd.DataFrame) -> pd.DataFrame:
    """One row per framework, family and headline problem identified in any of the given attachments."""
    identified = frames.problems[["attachment_id", "problem_id"]].merge(
        attachments[["attachment_id", "family_id", "framework"]], on="attachment_id"
    )
    return identified[["framework", "family_id", "problem_id"]].drop_duplicates()


def _counts(pairs: pd.DataFrame, families: pd.DataFrame, name: str) -> tuple[pd.Series, pd.Series]:
    """Families per (framework, problem), and distinct families per framework."""
    by_problem = pairs.groupby(["framework", "problem_id"]).size().rename(name)
    by_framework = families.groupby("framework")["family_id"].nunique().rename(name)
    return by_problem, by_framework


# ---------------------------------------------------------------- outcomes


def sustained_in(verdicts: Verdicts, start: date, end: date) -> pd.DataFrame:
    """The engine's problem verdicts sustained on a day in the quarter."""
    p = verdicts.problems
    return p[p["sustained_on"].between(pd.Timestamp(start), pd.Timestamp(end))]


def claimable_in(verdicts: Verdicts, start: date, end: date) -> pd.DataFrame:
    """The engine's family verdicts claimable, with the date they became so in the quarter."""
    f = verdicts.families
    return f[f["claimable"] & f["claimable_on"].between(pd.Timestamp(start), pd.Timestamp(end))]


# ---------------------------------------------------------------- the tables


def by_problem(frames: Frames, verdicts: Verdicts, headline: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Families attached and worked with, and problems sustained, per framework and headline problem; a total row
    per framework counting each family once; a last row across frameworks when there are several.

    Columns: ``framework`` (code; "" on the last row), ``framework_name``, ``problem_number`` (missing on total
    rows), ``problem_name``, ``attached``, ``worked_with``, ``sustained``, ``total`` (True on total rows)."""
    attached = attached_in(frames, start, end)
    worked = worked_with_in(frames, start, end)
    sustained = sustained_in(verdicts, start, end)[["framework", "family_id", "problem_id"]]
    counted = {
        "attached": _counts(problem_families(frames, attached), attached, "attached"),
        "worked_with": _counts(problem_families(frames, worked), worked, "worked_with"),
        "sustained": _counts(sustained, sustained, "sustained"),
    }
    shown = _frameworks_shown(frames, headline, [attached, worked, sustained], end)
    if not shown:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "problem_number" else object) for c in PROBLEM_COLUMNS})
    rows = headline.loc[headline["framework"].isin(shown), HEADLINE_COLUMNS]
    rows = rows.assign(order=rows["framework"].map({fw: i for i, fw in enumerate(shown)}))
    rows = rows.sort_values(["order", "problem_number"], kind="stable")
    for per_problem, _ in counted.values():
        rows = rows.join(per_problem, on=["framework", "problem_id"])
    totals = pd.DataFrame({"framework": shown})
    totals = totals.merge(headline[["framework", "framework_name"]].drop_duplicates("framework"), on="framework")
    for name, (_, per_framework) in counted.items():
        totals[name] = totals["framework"].map(per_framework)
    totals = totals.assign(problem_name=TOTAL_LABEL, total=True, order=np.arange(len(totals)))
    parts = [rows.assign(total=False), totals]
    if len(shown) > 1:
        everyone = {
            "attached": attached["family_id"].nunique(),
            "worked_with": worked["family_id"].nunique(),
            "sustained": sustained["family_id"].nunique(),
        }
        last = {"framework": "", "framework_name": ALL_FRAMEWORKS, "problem_name": TOTAL_LABEL, "total": True}
        parts.append(pd.DataFrame([last | everyone]).assign(order=len(shown)))
    table = pd.concat(parts, ignore_index=True).sort_values(["order", "total"], kind="stable")
    for name in MEASURES:
        table[name] = table[name].fillna(0).astype("int64")
    table["problem_number"] = table["problem_number"].astype("Int64")
    return table[PROBLEM_COLUMNS].reset_index(drop=True)


def _frameworks_shown(frames: Frames, headline: pd.DataFrame, counted: list[pd.DataFrame], end: date) -> list[str]:
    """The frameworks of the families counted; with none, those of every attachment made by the quarter's end.
    In the order of ``headline``."""
    codes = set().union(*(set(frame["framework"]) for frame in counted))
    if not codes:
        a = _attachments(frames)
        codes = set(a.loc[a["attached_on"] <= pd.Timestamp(end), "framework"])
    return [fw for fw in headline["framework"].drop_duplicates() if fw in codes]


def by_route(verdicts: Verdicts, start: date, end: date) -> pd.DataFrame:
    """Families that became claimable in the quarter, per route (SSP, CE, SFO, every route always listed), and a
    total row. Columns: ``route`` ("" on the total row), ``route_name``, ``claimable``, ``total``."""
    claimable = claimable_in(verdicts, start, end)
    counts = claimable.groupby("route").size().reindex(list(ROUTES), fill_value=0)
    table = pd.DataFrame(
        {"route": list(ROUTES), "route_name": list(ROUTES.values()), "claimable": counts.to_numpy(), "total": False}
    )
    total = pd.DataFrame([{"route": "", "route_name": ALL_ROUTES, "claimable": len(claimable), "total": True}])
    table = pd.concat([table, total], ignore_index=True)
    table["claimable"] = table["claimable"].astype("int64")
    return table[ROUTE_COLUMNS]


@dataclass
class ProgressReturn:
    """One quarter's return: the by-problem table, the by-route table, and the date outcomes were judged on."""

    quarter: Quarter
    judged_on: date
    problems: pd.DataFrame
    routes: pd.DataFrame

    @property
    def complete(self) -> bool:
        """Whether the quarter was over on the date it was judged."""
        return self.judged_on >= self.quarter.end

    def totals(self) -> dict[str, int]:
        """The return in four figures: families attached, worked with, with a problem sustained, claimable."""
        last = self.problems[self.problems["total"]].tail(1)
        figures = {name: int(last[name].iloc[0]) if len(last) else 0 for name in MEASURES}
        figures["claimable"] = int(self.routes.loc[self.routes["total"], "claimable"].iloc[0])
        return figures


def progress_return(
    frames: Frames, verdicts: Verdicts, headline: pd.DataFrame, quarter: Quarter, judged: date | None = None
) -> ProgressReturn:
    """The return for a quarter. ``verdicts`` must be the engine's judgement of ``frames`` as of ``judged`` (by
    default the quarter's last day; see ``judged_on``)."""
    judged = judged or quarter.end
    return ProgressReturn(
        quarter=quarter,
        judged_on=judged,
        problems=by_problem(frames, verdicts, headline, quarter.start, quarter.end),
        routes=by_route(verdicts, quarter.start, quarter.end),
    )


# ---------------------------------------------------------------- one long table, for the CSV file

SECTIONS = {
    "attached": "Families attached",
    "worked_with": "Families worked with",
    "sustained": "Problems sustained",
    "claimable": "Families claimable",
}
LONG_COLUMNS = ["section", "framework", "problem_number", "row", "count"]


def long_table(progress: ProgressReturn) -> pd.DataFrame:
    """Every figure of the return on a line of its own: ``section`` (one of ``SECTIONS``' labels), ``framework``
    (its name), ``problem_number``, ``row`` (the headline problem, the route, or the total) and ``count``."""
    p = progress.problems
    parts = [
        pd.DataFrame(
            {
                "section": SECTIONS[name],
                "framework": p["framework_name"],
                "problem_number": p["problem_number"],
                "row": p["problem_name"],
                "count": p[name],
            }
        )
        for name in MEASURES
    ]
    r = progress.routes
    route_label = (r["route"] + ": " + r["route_name"]).where(~r["total"], r["route_name"])
    parts.append(
        pd.DataFrame(
            {
                "section": SECTIONS["claimable"],
                "framework": "",
                "problem_number": pd.array([pd.NA] * len(r), dtype="Int64"),
                "row": route_label,
                "count": r["claimable"],
            }
        )
    )
    return pd.concat(parts, ignore_index=True)[LONG_COLUMNS]
