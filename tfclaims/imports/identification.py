"""Identification: the households in the partner data with enough problems to be attached, who are not.

Pure: facts in (a DataFrame), households out; nothing of the database. A fact is one thing the partner data says of
one person on a day: a term's attendance, an exclusion, an offence, an anti-social behaviour or domestic abuse
incident, a child in need or child protection plan. Each kind of fact is evidence for one headline problem of the
framework, through the plan's descriptor for that problem with the same evidence source (school, police, children's
social care), and counts when it is recent:

- persistent absence: attendance below 90% across the terms ending in the last 12 months (missing 10% or more of
  sessions, the programme's usual descriptor);
- an exclusion, an offence, an anti-social behaviour or a domestic abuse incident in the last 12 months;
- a child in need or child protection plan open, or ended, in the last 12 months.

A household is a family of the register that is not attached under the framework, or (for people the register does
not hold) the people of the partner files who share a surname and a postcode. It is a candidate when its problems
number at least the framework's minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

ABSENCE_BELOW = 90.0  # attendance below this % across the window's terms is persistent absence

# Each kind of fact: its words, the evidence source of the descriptors it meets, and the problem it is evidence of
# in each framework.
FACT_KINDS = {
    "persistent_absence": ("Persistent absence", "school"),
    "exclusion": ("Excluded from school", "school"),
    "offence": ("Offence", "police"),
    "asb": ("Anti-social behaviour", "police"),
    "domestic_abuse": ("Domestic abuse incident", "police"),
    "child_in_need": ("Child in need plan", "social_care"),
    "child_protection": ("Child protection plan", "social_care"),
}
PROBLEM_OF = {
    "TF2015": {"persistent_absence": "school", "exclusion": "school", "offence": "crime_asb", "asb": "crime_asb",
               "domestic_abuse": "domestic_abuse", "child_in_need": "children_need_help",
               "child_protection": "children_need_help"},
    "SF2022": {"persistent_absence": "education", "exclusion": "education", "offence": "crime", "asb": "crime",
               "domestic_abuse": "domestic_abuse", "child_in_need": "safe_from_abuse",
               "child_protection": "safe_from_abuse"},
}
FACT_COLUMNS = ("household", "person", "kind", "on", "value", "detail")


@dataclass(frozen=True)
class Evidence:
    person: str
    kind: str
    on: date
    detail: str

    @property
    def words(self) -> str:
        return FACT_KINDS[self.kind][0]


@dataclass
class Household:
    key: str
    problems: dict[str, list[Evidence]] = field(default_factory=dict)
    people: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.problems)


def a_year_before(day: date) -> date:
    """The same day a year before (28 February for 29 February): facts after it are in the last 12 months."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def facts_frame(rows: list[tuple]) -> pd.DataFrame:
    """``rows`` of (household, person, kind, on, value, detail): ``kind`` is a fact kind, or ``attendance`` (a
    term's attendance %, its end date and label) read into persistent absence by ``candidates``."""
    return pd.DataFrame(rows, columns=list(FACT_COLUMNS))


def candidates(facts: pd.DataFrame, as_of: date, framework: str, min_problems: int) -> list[Household]:
    """The households whose recent facts meet at least ``min_problems`` problems of ``framework``, the most
    problems first (then by key)."""
    if facts.empty or framework not in PROBLEM_OF:
        return []
    # Compared as timestamps: a column of dates that happens to be empty (no plans, say) has no dates to compare.
    since, today = pd.Timestamp(a_year_before(as_of)), pd.Timestamp(as_of)
    on = pd.to_datetime(facts["on"], errors="coerce")
    recent = facts[(on > since) & (on <= today)]
    attendance = recent[recent["kind"] == "attendance"]
    attendance = attendance.assign(value=pd.to_numeric(attendance["value"], errors="coerce"))
    absent = attendance.groupby(["household", "person"], sort=False).agg(
        value=("value", "mean"), on=("on", "max"), terms=("detail", lambda d: ", ".join(d)))
    absent = absent[absent["value"] < ABSENCE_BELOW].reset_index()
    absent = absent.assign(kind="persistent_absence", detail=absent.apply(
        lambda r: f"{r['value']:.1f}% attendance ({r['terms']})", axis=1) if not absent.empty else [])
    events = recent[recent["kind"].isin(["exclusion", "offence", "asb", "domestic_abuse"])]
    episodes = facts[facts["kind"].isin(["child_in_need", "child_protection"])]
    ended = pd.to_datetime(episodes["value"], errors="coerce")  # an episode's end (empty while open)
    started = pd.to_datetime(episodes["on"], errors="coerce")
    episodes = episodes[(started <= today) & (ended.isna() | (ended > since))]
    counted = pd.concat([absent[list(FACT_COLUMNS)] if not absent.empty else None, events, episodes])
    if counted is None or counted.empty:
        return []
    problem_of = PROBLEM_OF[framework]
    counted = counted.assign(problem=counted["kind"].map(problem_of)).dropna(subset=["problem"])
    per_household = counted.groupby("household")["problem"].nunique()
    chosen = per_household[per_household >= min_problems].index
    out = []
    for key, rows in counted[counted["household"].isin(chosen)].groupby("household", sort=False):
        household = Household(str(key), people=sorted(set(rows["person"])))
        for line in rows.sort_values("on", ascending=False).itertuples(index=False):
            household.problems.setdefault(line.problem, []).append(
                Evidence(line.person, line.kind, pd.Timestamp(line.on).date(), str(line.detail or "")))
        out.append(household)
    return sorted(out, key=lambda h: (-h.count, h.key))
