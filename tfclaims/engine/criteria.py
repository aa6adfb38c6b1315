"""The kinds of success criterion the rule engine understands, their parameters, and how they read.

A criterion is data: a kind from ``KINDS`` and a dict of parameters. This module checks parameters (for the
plan editor and for imported plans) and writes the default wording. The engine (``rules.py``) evaluates them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tfclaims.progress.vocabulary import (
    ABSENCE_MEASURES,
    ATTENDANCE_MEASURES,
    EVENT_KINDS,
    MEASURE_KINDS,
    STATUS_KINDS,
)


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    type: str  # "int", "number", "choice" or "choices" (several of the options)
    options: dict[str, str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    hint: str = ""


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    description: str
    parameters: tuple[Parameter, ...]


MONTHS = Parameter("months", "Months", "int", minimum=1, maximum=36, hint="The sustain period, in months")
PERIODS = Parameter("periods", "Consecutive periods", "int", minimum=1, maximum=12, hint="For example, 3")
# Each kind of measure criterion takes only the measures that make sense for it: attendance is held at or above a
# level, absence below one.
ATTENDANCE_OPTIONS = {code: MEASURE_KINDS[code] for code in ATTENDANCE_MEASURES}
ABSENCE_OPTIONS = {code: MEASURE_KINDS[code] for code in ABSENCE_MEASURES}

KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind(
            "held_over_periods",
            "A measure held at or beyond a threshold for consecutive periods",
            "Each member with the problem (every member measured, when the problem names nobody) at or above the "
            "threshold for the number of consecutive periods, counted from attachment. A period below the threshold "
            "reopens the problem; a period with no record for one of them is missing evidence, never a pass.",
            (
                Parameter("measure", "Measure", "choice", options=ATTENDANCE_OPTIONS),
                Parameter("threshold", "Threshold", "number", minimum=0, maximum=100, hint="For example, 90"),
                PERIODS,
            ),
        ),
        Kind(
            "held_below_over_periods",
            "A measure held below a threshold for consecutive periods",
            "Each member with the problem (every member measured, when the problem names nobody) below the "
            "threshold for the number of consecutive periods, counted from attachment: for instance unauthorised "
            "absence below 10% of sessions. A period at or above the threshold reopens the problem; a period with "
            "no record for one of them is missing evidence, never a pass.",
            (
                Parameter("measure", "Measure", "choice", options=ABSENCE_OPTIONS),
                Parameter("threshold", "Threshold", "number", minimum=0, maximum=100, hint="For example, 10"),
                PERIODS,
            ),
        ),
        Kind(
            "reduction",
            "A reduction against the baseline at attachment",
            "Events of the chosen kinds across the family, over a period after attachment, down by at least the "
            "percentage against the same period before attachment. With a baseline of none, none are allowed.",
            (
                Parameter("event_kinds", "Events", "choices", options=EVENT_KINDS),
                Parameter(
                    "percent",
                    "Reduction (%)",
                    "int",
                    minimum=1,
                    maximum=100,
                    hint="At least this percentage, for example 60",
                ),
                MONTHS,
            ),
        ),
        Kind(
            "no_events",
            "No events of given kinds for a period",
            "No event of the chosen kinds in any member for the period, counted from attachment or from the "
            "last event.",
            (Parameter("event_kinds", "Events", "choices", options=EVENT_KINDS), MONTHS),
        ),
        Kind(
            "status_ended",
            "A status episode ended and not reopened for a period",
            "Every plan of the chosen kinds that was open at or after attachment has ended by a step-down or a "
            "closure with no further action, and none has started again for the period. A plan that ended because "
            "the family moved away, or for another reason, is not progress.",
            (Parameter("status_kinds", "Plans", "choices", options=STATUS_KINDS), MONTHS),
        ),
        Kind(
            "manual",
            "Practitioner evidence signed off by a manager",
            "The lead practitioner records the evidence; the problem is sustained when a manager signs it off, "
            "with their name and reason. For a successful family outcome (2022-25) only a sign-off on or after the "
            "case closed counts.",
            (),
        ),
        Kind(
            "continuous_employment",
            "Continuous employment",
            "An adult who was on an out-of-work benefit at attachment and moved into work after it, in work for the "
            "weeks within the window that the framework sets for that benefit, counted from the spell's start.",
            (),
        ),
    )
}


def check_parameters(kind: str, parameters: dict) -> tuple[dict, dict[str, str]]:
    """Clean parameters for a kind. Returns (clean parameters, {parameter name: error message})."""
    if kind not in KINDS:
        return {}, {"kind": "Select a kind of success criterion"}
    clean: dict = {}
    errors: dict[str, str] = {}
    for p in KINDS[kind].parameters:
        raw = (parameters or {}).get(p.name)
        if p.type == "choices":
            values = [raw] if isinstance(raw, str) else list(raw or [])
            if not values:
                errors[p.name] = f"Select at least one of the {p.label.lower()}"
            elif any(v not in p.options for v in values):
                errors[p.name] = f"{p.label} must be chosen from: {', '.join(p.options)}"
            else:
                clean[p.name] = [v for v in p.options if v in values]
            continue
        if p.type == "choice":
            if raw not in (p.options or {}):
                errors[p.name] = f"Select the {p.label.lower()}"
            else:
                clean[p.name] = raw
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):  # "1e309" is infinity and "nan" is no number: neither can be compared or stored
            errors[p.name] = f"Enter the {p.label.lower()} as a number"
            continue
        if p.type == "int" and number != int(number):
            errors[p.name] = f"Enter the {p.label.lower()} as a whole number"
            continue
        if (p.minimum is not None and number < p.minimum) or (p.maximum is not None and number > p.maximum):
            errors[p.name] = f"{p.label} must be between {p.minimum:g} and {p.maximum:g}"
            continue
        clean[p.name] = int(number) if p.type == "int" else number
    return clean, errors


EVENT_PLURALS = {
    "offence": "offences",
    "asb": "anti-social behaviour incidents",
    "domestic_abuse": "domestic abuse incidents",
    "exclusion": "exclusions from school",
}
STATUS_PLURALS = {"child_in_need": "child in need plans", "child_protection": "child protection plans"}


def listed(codes: list[str], names: dict[str, str], joiner: str = "or") -> str:
    """'offences, anti-social behaviour incidents or domestic abuse incidents'."""
    words = [names.get(c, c) for c in codes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {joiner} " + words[-1]


def default_wording(kind: str, parameters: dict) -> str:
    """The plain-English sentence a plan shows for a criterion when the manager writes none."""
    p = parameters
    if kind == "held_over_periods":
        return (
            f"Each member with the problem has {MEASURE_KINDS[p['measure']].lower()} at or above {p['threshold']:g}% "
            f"for {p['periods']} consecutive {'term' if p['periods'] == 1 else 'terms'}"
        )
    if kind == "held_below_over_periods":
        return (
            f"Each member with the problem has {MEASURE_KINDS[p['measure']].lower()} below {p['threshold']:g}% "
            f"for {p['periods']} consecutive {'term' if p['periods'] == 1 else 'terms'}"
        )
    if kind == "reduction":
        return (
            f"{listed(p['event_kinds'], EVENT_PLURALS, 'and').capitalize()} across the family down at least "
            f"{p['percent']}% over {p['months']} months against the {p['months']} months before attachment"
        )
    if kind == "no_events":
        return f"No {listed(p['event_kinds'], EVENT_PLURALS)} in any member for {p['months']} months"
    if kind == "status_ended":
        plans = listed(p["status_kinds"], STATUS_PLURALS).capitalize()
        return f"{plans} ended, and none opened again, for {p['months']} months"
    if kind == "manual":
        return "Significant and sustained progress evidenced by the lead practitioner and signed off by a manager"
    if kind == "continuous_employment":
        return "An adult who was on an out-of-work benefit in continuous employment"
    raise KeyError(kind)


# The framework's continuous-employment settings as migration 0003 loads them (weeks in work within a window of
# weeks, per prior benefit); tests and hand-built frames use the same.
DEFAULT_EMPLOYMENT_RULES = {
    "JSA": {"weeks": 26, "window_weeks": 30, "min_hours": 0},
    "ESA": {"weeks": 13, "window_weeks": 15, "min_hours": 0},
    "IS": {"weeks": 13, "window_weeks": 15, "min_hours": 0},
    "UC": {"weeks": 26, "window_weeks": 30, "min_hours": 16},
}

# Criteria typical of published plans (domain.md section 3), per framework and headline problem code, as
# (kind, parameters). The demo council, the test factories and the benchmark cohort use them.
EXAMPLE_CRITERIA: dict[str, dict[str, list[tuple[str, dict]]]] = {
    "TF2015": {
        "crime_asb": [("reduction", {"event_kinds": ["offence", "asb"], "percent": 60, "months": 6})],
        "school": [("held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3})],
        "children_need_help": [("status_ended", {"status_kinds": ["child_in_need", "child_protection"], "months": 6})],
        "worklessness": [("continuous_employment", {}), ("manual", {})],
        "domestic_abuse": [("no_events", {"event_kinds": ["domestic_abuse"], "months": 6})],
        "health": [("manual", {})],
    },
    "SF2022": {
        "education": [("held_over_periods", {"measure": "attendance", "threshold": 90, "periods": 3})],
        "early_years": [("manual", {})],
        "health": [("manual", {})],
        "substance_use": [("manual", {})],
        "relationships": [("manual", {})],
        "safe_from_abuse": [("status_ended", {"status_kinds": ["child_in_need", "child_protection"], "months": 6})],
        "crime": [("reduction", {"event_kinds": ["offence", "asb"], "percent": 60, "months": 6})],
        "domestic_abuse": [("no_events", {"event_kinds": ["domestic_abuse"], "months": 6})],
        "housing": [("manual", {})],
        "financial": [("continuous_employment", {}), ("manual", {})],
    },
}
