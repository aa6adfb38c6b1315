"""The cohort lists as CSV files: data in, bytes out.

One row per family, headings in words, dates as YYYY-MM-DD, UTF-8. A cell that a spreadsheet would read as a
formula (starting =, +, -, @) is written with a leading apostrophe, so opening the file runs nothing.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from tfclaims.engine.lists import NO_DATE_LABEL
from tfclaims.spreadsheet import defused_series

FAMILY = {"reference": "Family reference", "team": "Team", "lead_practitioner": "Lead practitioner"}
PROBLEMS = {"plan_label": "Plan version", "problems": "Problems", "problems_sustained": "Problems sustained"}

READY = FAMILY | {"route": "Route", "claimable_on": "Claimable from"} | PROBLEMS | {"reason": "Reason"}
NEARLY_THERE = (
    FAMILY
    | {"expected_route": "Expected route", "claimable_on": "Expected to be claimable from"}
    | PROBLEMS
    | {"blockers": "What is left", "why": "Why listed"}
)
CALENDAR = (
    {"quarter": "Quarter"}
    | FAMILY
    | {"claimable": "Claimable on the as-of date", "route": "Route", "claimable_on": "Claimable from"}
    | PROBLEMS
    | {"blockers": "What is left"}
)
CLAIMED = (
    FAMILY
    | {
        "phase": "Programme phase",
        "claim_reference": "Claim",
        "window_label": "Claim window",
        "claim_route": "Route claimed",
        "held_as": "Claimed or invalid",
    }
)


def claimed_rows(rows: pd.DataFrame, phases: dict[str, str]) -> pd.DataFrame:
    """The claimed list's rows with the phase in words and what holds the family: a live claim, or a result the
    department rejected or clawed back that was marked invalid."""
    return rows.assign(
        phase=rows["framework"].map(lambda code: phases.get(code, code)).astype(object),
        held_as=rows["invalid"].map({True: "Result marked invalid", False: "Claimed"}).astype(object),
    )


def csv_bytes(rows: pd.DataFrame, columns: dict[str, str]) -> bytes:
    """The rows' columns, renamed to their headings, as a UTF-8 CSV file."""
    out = rows[list(columns)].copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == bool:
            out[column] = values.map({True: "Yes", False: "No"})
        elif column == "quarter":
            out[column] = values.where(values != "", NO_DATE_LABEL)
        elif not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_datetime64_any_dtype(values):
            out[column] = defused_series(values)
    text = out.rename(columns=columns).to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n")
    return text.encode("utf-8")


def file_name(list_name: str, as_of: date) -> str:
    """ "ready-to-claim-2026-11-22.csv"."""
    return f"{list_name}-{as_of.isoformat()}.csv"
