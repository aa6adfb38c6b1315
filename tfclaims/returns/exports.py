"""The progress return as files: a CSV with one figure a line, and a spreadsheet with one sheet per table.

Headings in words, UTF-8. A text cell that a spreadsheet would read as a formula (starting =, +, -, @) is written
with a leading apostrophe in the CSV, and stored as text in the spreadsheet, so opening either runs nothing.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tfclaims.returns.rules import DEFINITIONS, MEASURES, ProgressReturn, long_table
from tfclaims.spreadsheet import XLSX, defused, keep_as_text

CSV_COLUMNS = {
    "quarter": "Quarter",
    "section": "Section",
    "framework": "Framework",
    "problem_number": "Headline problem number",
    "row": "Headline problem or route",
    "count": "Count",
}
PROBLEM_HEADINGS = {
    "framework_name": "Framework",
    "problem_number": "Headline problem number",
    "problem_name": "Headline problem",
} | MEASURES
ROUTE_HEADINGS = {"route": "Route", "route_name": "Route name", "claimable": "Families claimable"}
MEDIA_XLSX = XLSX


def csv_bytes(progress: ProgressReturn) -> bytes:
    """Every figure on a line: quarter, section, framework, headline problem number, headline problem or route,
    count."""
    rows = long_table(progress)
    rows.insert(0, "quarter", progress.quarter.label)
    for column in ("section", "framework", "row"):
        rows[column] = rows[column].astype(object).where(rows[column].notna(), "").astype(str).map(defused)
    text = rows[list(CSV_COLUMNS)].rename(columns=CSV_COLUMNS).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8")


def _cell_value(value):
    if value is pd.NA or value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _sheet(book: Workbook, title: str, frame: pd.DataFrame, headings: dict[str, str]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(headings.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in frame[list(headings)].itertuples(index=False):
        sheet.append([_cell_value(v) for v in record])
    _as_text(sheet)
    for i, heading in enumerate(headings.values(), start=1):
        values = [heading] + [str(v) for v in frame[list(headings)[i - 1]].tolist()]
        sheet.column_dimensions[get_column_letter(i)].width = min(max(len(v) for v in values) + 2, 70)
    sheet.freeze_panes = "A2"


def _as_text(sheet) -> None:
    """Text that looks like a formula stays text."""
    for row in sheet.iter_rows():
        for cell in row:
            keep_as_text(cell)


def xlsx_bytes(progress: ProgressReturn, council: str, made_on: date) -> bytes:
    """A spreadsheet: "About" (the council, the quarter, how the figures are counted), "By headline problem" and
    "By route"."""
    book = Workbook()
    about = book.active
    about.title = "About"
    q = progress.quarter
    lines = [
        ("Quarterly progress return", ""),
        ("Council", council),
        ("Quarter", q.label),
        ("From", q.start),
        ("To", q.end),
        ("Outcomes judged on", progress.judged_on),
        ("Made on", made_on),
    ]
    for label, value in lines:
        about.append([label, value])
    about["A1"].font = Font(bold=True, size=14)
    for row in about.iter_rows(min_row=4, max_row=len(lines), min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "d mmmm yyyy"
    about.append([])
    for text in DEFINITIONS:
        about.append([text])
    _as_text(about)
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 40

    problems = progress.problems.copy()
    problems["problem_name"] = problems["problem_name"].astype(str)
    _sheet(book, "By headline problem", problems, PROBLEM_HEADINGS)
    routes = progress.routes.assign(route=progress.routes["route"].where(~progress.routes["total"], "Total"))
    _sheet(book, "By route", routes, ROUTE_HEADINGS)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(quarter_slug: str, extension: str) -> str:
    """ "progress-return-2026-27-q2.csv"."""
    return f"progress-return-{quarter_slug}.{extension}"
