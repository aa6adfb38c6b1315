"""The cohort lists: ready to claim, nearly there and the claim calendar.

Pure functions from the engine's verdicts (and the filters chosen on the page) to the rows of each list, one
row per family, as DataFrames. Set-based like the engine: no loop over families, no database.

The cohort as of a date is every family whose latest attachment began on or before that date. A family whose
attachment was closed as not eligible can never be claimed: it is left out of the nearly-there list and the
calendar.

A family is claimed at most once per programme phase. The lists are given a frame of the families a claim holds
(``claimed``: one row per family and framework code, from ``claims.queries.held_lines``: a live claim line, or a
result marked invalid) and leave out every family held in the phase (framework) of its current attachment: it is
never offered as ready or nearly there, nor counted in the calendar as to come. ``already_claimed`` lists those
families, with their claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from tfclaims.engine.dates import quarter_label
from tfclaims.engine.rules import NOT_ELIGIBLE, Frames, Verdicts

ROUTES = {
    "SSP": "significant and sustained progress",
    "CE": "continuous employment",
    "SFO": "successful family outcome",
}
# "Nearly there" looks this far ahead of the as-of date for families due to become claimable.
NEARLY_THERE_MONTHS = 3
NO_DATE = "no-date"
NO_DATE_LABEL = "No date yet"

_QUARTER_SLUG = re.compile(r"^(\d{4})-(\d{2})-q([1-4])$")


@dataclass(frozen=True)
class ListFilter:
    """What the lists are narrowed to; empty values mean any."""

    team: str = ""
    practitioner: str = ""
    problem_id: int | None = None  # families with this headline problem identified
    status: str = ""  # families with a problem (the chosen one, if any) in this status


@dataclass(frozen=True)
class FilterChoices:
    teams: list[str] = field(default_factory=list)
    practitioners: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (problem id, label)


def filter_choices(frames: Frames) -> FilterChoices:
    """The teams, lead practitioners and headline problems found in the cohort, for the filter's options."""
    attachments = frames.attachments
    problem_ids = frames.problems["problem_id"].unique()
    identified = frames.headline[frames.headline["problem_id"].isin(problem_ids)]
    framework = (
        frames.problems[["attachment_id", "problem_id"]]
        .merge(attachments[["attachment_id", "plan_version_id"]], on="attachment_id")
        .merge(frames.versions[["plan_version_id", "framework_id"]], on="plan_version_id")
        .merge(frames.frameworks[["framework_id", "framework"]], on="framework_id")
        .drop_duplicates("problem_id")
        .set_index("problem_id")
    )
    identified = identified.join(framework[["framework_id", "framework"]], on="problem_id")
    return choices(attachments["team"], attachments["lead_practitioner"], identified)


def choices(teams, practitioners, identified: pd.DataFrame) -> FilterChoices:
    """The filter's options from the teams and lead practitioners of the families attached (with repeats and
    blanks), and the headline problems identified (``problem_id``, ``problem_number``, ``problem_name``,
    ``framework_id``, ``framework``)."""

    def distinct(values) -> list[str]:
        values = pd.Series(values, dtype=object).dropna().astype(str).str.strip()
        return sorted(set(values[values != ""]), key=str.casefold)

    identified = identified.assign(framework=identified["framework"].fillna(""))
    identified = identified.sort_values(["framework_id", "problem_number"], na_position="last")
    several = identified["framework"].nunique() > 1
    problems = [
        (int(pid), f"{number}. {name}" + (f" ({fw})" if several and fw else ""))
        for pid, number, name, fw in zip(
            identified["problem_id"],
            identified["problem_number"],
            identified["problem_name"],
            identified["framework"],
            strict=True,
        )
    ]
    return FilterChoices(teams=distinct(teams), practitioners=distinct(practitioners), problems=problems)


def cohort(verdicts: Verdicts, as_of: date, filters: ListFilter | None = None) -> pd.DataFrame:
    """The families attached on or before the date that match the filters (the engine's family rows)."""
    filters = filters or ListFilter()
    families = verdicts.families
    keep = families["attached_on"] <= pd.Timestamp(as_of)
    if filters.team:
        keep &= families["team"] == filters.team
    if filters.practitioner:
        keep &= families["lead_practitioner"] == filters.practitioner
    if filters.problem_id or filters.status:
        problems = verdicts.problems
        match = pd.Series(True, index=problems.index)
        if filters.problem_id:
            match &= problems["problem_id"] == filters.problem_id
        if filters.status:
            match &= problems["status"].astype(str) == filters.status
        keep &= families["family_id"].isin(problems.loc[match, "family_id"])
    return families[keep]


def _never_claimable(families: pd.DataFrame) -> pd.Series:
    return families["closure_reason"] == NOT_ELIGIBLE


CLAIMED_KEYS = ["family_id", "framework"]


def _held(families: pd.DataFrame, claimed: pd.DataFrame | None) -> pd.Series:
    """True for each family a claim holds in the phase (framework) of its current attachment."""
    if claimed is None or claimed.empty or families.empty:
        return pd.Series(False, index=families.index)
    keys = pd.MultiIndex.from_frame(claimed[CLAIMED_KEYS].astype(object))
    mine = pd.MultiIndex.from_frame(families[CLAIMED_KEYS].astype(object))
    return pd.Series(mine.isin(keys), index=families.index)


def _unclaimed(families: pd.DataFrame, claimed: pd.DataFrame | None) -> pd.DataFrame:
    return families[~_held(families, claimed)]


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    """Earliest date first (no date last), then by reference."""
    return rows.sort_values(["claimable_on", "reference"], na_position="last", kind="stable").reset_index(drop=True)


READY_COLUMNS = [
    "family_id",
    "reference",
    "team",
    "lead_practitioner",
    "framework",
    "route",
    "claimable_on",
    "plan_label",
    "problems",
    "problems_sustained",
    "reason",
]


def ready_to_claim(
    verdicts: Verdicts, as_of: date, filters: ListFilter | None = None, claimed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Families claimable as of the date and not claimed in their phase, with the route and the date claimable
    from; earliest first."""
    families = _unclaimed(cohort(verdicts, as_of, filters), claimed)
    return _sorted(families.loc[families["claimable"], READY_COLUMNS])


ALREADY_CLAIMED_COLUMNS = [
    "family_id",
    "reference",
    "team",
    "lead_practitioner",
    "framework",
    "claim_id",
    "claim_reference",
    "claim_status",
    "window_label",
    "claim_route",
    "line_state",
    "invalid",
    "claimable",
    "route",
    "claimable_on",
    "plan_label",
]


def already_claimed(
    verdicts: Verdicts,
    as_of: date,
    filters: ListFilter | None = None,
    claimed: pd.DataFrame | None = None,
    claimable_only: bool = False,
) -> pd.DataFrame:
    """The families of the cohort that a claim holds in the phase of their current attachment, with the claim (its
    reference, window and route) and whether the result was marked invalid; by reference. ``claimable_only``: only
    those the engine finds claimable, which the ready list would otherwise offer."""
    families = cohort(verdicts, as_of, filters)
    if claimed is None or claimed.empty:
        return pd.DataFrame(columns=ALREADY_CLAIMED_COLUMNS)
    families = families[_held(families, claimed)]
    if claimable_only:
        families = families[families["claimable"]]
    keys = {"family_id": "int64", "framework": object}
    rows = families.astype(keys).merge(claimed.astype(keys), on=CLAIMED_KEYS, how="inner")
    return rows.sort_values("reference", kind="stable").reset_index(drop=True)[ALREADY_CLAIMED_COLUMNS]


NEARLY_THERE_COLUMNS = [
    "family_id",
    "reference",
    "team",
    "lead_practitioner",
    "expected_route",
    "claimable_on",
    "plan_label",
    "problems",
    "problems_sustained",
    "problems_left",
    "blockers",
    "why",
]


def nearly_there(
    verdicts: Verdicts, as_of: date, filters: ListFilter | None = None, claimed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Families not claimable yet (and not claimed in their phase) with at most one problem left to sustain, or
    expected to become claimable within ``NEARLY_THERE_MONTHS`` of the date; with what is left and the expected
    date, soonest first."""
    families = _unclaimed(cohort(verdicts, as_of, filters), claimed)
    families = families[~families["claimable"] & ~_never_claimable(families)]
    left = families["problems"] - families["problems_sustained"]
    horizon = pd.Timestamp(as_of) + pd.DateOffset(months=NEARLY_THERE_MONTHS)
    one_left = (families["problems"] > 0) & (left <= 1)
    soon = families["claimable_on"].notna() & (families["claimable_on"] <= horizon)
    keep = one_left | soon
    # Columns computed on the rows kept: assigning a longer Series to an empty frame would take its index.
    rows = families[keep].assign(problems_left=left[keep])
    one_left, soon = one_left[keep], soon[keep]
    left_text = pd.Series("All but one problem sustained", index=rows.index).where(
        rows["problems_left"] == 1, "Every problem sustained"
    )
    within = f"expected within {NEARLY_THERE_MONTHS} months"
    why = (left_text + "; " + within).where(soon, left_text).where(one_left, within.capitalize())
    rows = rows.assign(why=why)
    return _sorted(rows[NEARLY_THERE_COLUMNS])


# ---------------------------------------------------------------- the claim calendar


def quarter_slug(label: str) -> str:
    """ "2017-18 Q2" as it appears in a web address: "2017-18-q2"."""
    return label.lower().replace(" ", "-")


def quarter_from_slug(slug: str) -> str | None:
    """The quarter label for a slug ("2017-18-q2" -> "2017-18 Q2"), "" for no date yet, None if not a quarter."""
    if slug == NO_DATE:
        return ""
    found = _QUARTER_SLUG.match(slug or "")
    if not found:
        return None
    year, next_year, quarter = found.groups()
    if (int(year) + 1) % 100 != int(next_year):
        return None
    return f"{year}-{next_year} Q{quarter}"


CALENDAR_COLUMNS = [
    "family_id",
    "reference",
    "team",
    "lead_practitioner",
    "quarter",
    "claimable",
    "route",
    "claimable_on",
    "plan_label",
    "problems",
    "problems_sustained",
    "blockers",
]


def calendar_families(
    verdicts: Verdicts,
    as_of: date,
    filters: ListFilter | None = None,
    quarter: str | None = None,
    route: str = "",
    claimed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every family that is or may become claimable and is not claimed in its phase, with the financial-year
    quarter of the date it is (or is expected to become) claimable and the route (reached, or expected);
    ``quarter`` ("" for no date yet) and ``route`` narrow it."""
    families = _unclaimed(cohort(verdicts, as_of, filters), claimed)
    families = families[~_never_claimable(families)]
    rows = families.assign(
        quarter=quarter_label(families["claimable_on"]),
        route=families["route"].where(families["claimable"], families["expected_route"]),
    )
    if quarter is not None:
        rows = rows[rows["quarter"] == quarter]
    if route:
        rows = rows[rows["route"] == route]
    return _sorted(rows[CALENDAR_COLUMNS])


def calendar(
    verdicts: Verdicts, as_of: date, filters: ListFilter | None = None, claimed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Families counted by the quarter in which they are (or become) claimable, a column per route and a total,
    earliest quarter first; families with no foreseeable date in a last row ("no date yet"). Families claimed in
    their phase are not counted."""
    rows = calendar_families(verdicts, as_of, filters, claimed=claimed)
    counts = pd.crosstab(rows["quarter"], rows["route"]).reindex(columns=list(ROUTES), fill_value=0)
    counts["total"] = rows.groupby("quarter").size()
    dated = sorted(q for q in counts.index if q)
    order = dated + ([""] if "" in counts.index else [])
    table = counts.reindex(order).fillna(0).astype(int).reset_index(names="quarter")
    table.columns.name = None
    table.insert(1, "slug", [quarter_slug(q) if q else NO_DATE for q in table["quarter"]])
    table["quarter"] = table["quarter"].where(table["quarter"] != "", NO_DATE_LABEL)
    return table
