"""Text bound for a spreadsheet (CSV or XLSX) that a spreadsheet must not run.

A cell starting with =, +, -, @, a tab or a carriage return would be read as a formula; it is written with a
leading apostrophe so that opening the file runs nothing (OWASP's CSV injection advice). One definition for every
export.
"""

from __future__ import annotations

import pandas as pd

# The media type of an Excel workbook (.xlsx), for every download and upload of one.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def defused_series(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), "").astype(str)
    return text.where(~text.str.startswith(FORMULA_START), "'" + text)


def keep_as_text(cell) -> None:
    """An openpyxl cell whose text looks like a formula: stored as text and shown as typed, never run."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
