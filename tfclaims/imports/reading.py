"""Partner files in: a CSV or Excel upload read into a table of text cells, each row with the number a person sees
in the spreadsheet (the headings are row 1), or refused with a plain reason.

Pure: bytes in, a ``Table`` out; nothing of the database. What the cells mean is each source's business
(``imports.sources``); this module only gets the cells out of the file faithfully:

- **Excel** (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) through python-calamine (a Rust reader, several times faster than
  openpyxl): the first sheet, formulas as their saved values, dates as ISO text (``2019-09-05``), whole numbers
  without ``.0``. A workbook saved without its formulas' values gives empty cells, which validation reports.
- **CSV** in UTF-8 (with or without a byte order mark), UTF-16 (with its mark) or Windows-1252 (what Excel saves
  as "CSV" on an English Windows); separated by commas, semicolons, tabs or pipes, found from the headings.
- Empty rows are skipped (their numbers are kept for the rows after them); cells are stripped of spaces; a row
  shorter than the headings is padded, a longer one keeps its extra cells under ``extra``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
SEPARATORS = ",;\t|"
ZIP_MAGIC = b"PK\x03\x04"  # xlsx, xlsm and ods are zip files
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class Unreadable(ValueError):
    """The file cannot be read as a table: the message says why, in words a coordinator can act on."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it: the headings are row 1
    cells: dict[str, str]  # heading -> text, "" when empty
    extra: tuple[str, ...] = ()  # cells beyond the last heading


@dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    file_kind: str = "CSV"  # or "Excel"
    encoding: str = ""  # a CSV's encoding as read


def read_table(data: bytes, filename: str, *, max_rows: int = 500_000) -> Table:
    """The table in an uploaded file. Raises ``Unreadable`` with the reason."""
    if not data:
        raise Unreadable("The file is empty (0 bytes): choose the file again, or export it again from its system.")
    name = (filename or "").lower()
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC) or name.endswith(EXCEL_SUFFIXES):
        if not (data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)):
            raise Unreadable(f"The file is called {filename} but is not an Excel workbook: save it again from Excel, "
                             "or as CSV.")
        grid, kind, encoding = _excel_grid(data), "Excel", ""
    elif name.endswith(CSV_SUFFIXES) or not name or "." not in name:
        text, encoding = _decode(data)
        grid, kind = _csv_grid(text), "CSV"
    else:
        raise Unreadable(f"{filename} is not a CSV or Excel file: tfclaims reads .csv, .xlsx, .xls and .ods files.")
    return _table(grid, kind, encoding, max_rows)


# ---------------------------------------------------------------- Excel


def _excel_grid(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise Unreadable("The workbook has no sheets.")
        sheet = workbook.get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    except Unreadable:
        raise
    except Exception as error:  # calamine raises its own errors for damaged or protected workbooks
        raise Unreadable("The workbook cannot be read: it may be damaged or password-protected. Save it again "
                         "without a password, or as CSV.") from error
    return [[_excel_text(value) for value in row] for row in values]


def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


# ---------------------------------------------------------------- CSV


def _decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise Unreadable("The file is not text: it holds binary data. Export it again as CSV or Excel.")
    # Windows-1252 decodes every byte but five: those five mean it is something else again.
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise Unreadable("The file's characters cannot be read: save it again as CSV UTF-8 (in Excel: Save As, "
                         "CSV UTF-8).") from error


def _csv_grid(text: str) -> list[list[str]]:
    first = text.lstrip("\r\n").split("\n", 1)[0]
    separator = max(SEPARATORS, key=first.count) if any(s in first for s in SEPARATORS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as error:
        raise Unreadable(f"The CSV file is damaged near line {reader.line_num}: {error}.") from error


# ---------------------------------------------------------------- the table


def _table(grid: list[list[str]], kind: str, encoding: str, max_rows: int) -> Table:
    numbered = [(n, row) for n, row in enumerate(grid, start=1) if any(cell for cell in row)]
    if not numbered:
        raise Unreadable("The file has no headings and no rows: it holds nothing to import.")
    heading_number, headings = numbered[0]  # blank lines above it are allowed: rows keep the sheet's numbers
    while headings and not headings[-1]:
        headings = headings[:-1]
    blank = [i + 1 for i, h in enumerate(headings) if not h]
    if blank:
        raise Unreadable(f"Column {_column_letters(blank[0])} has no heading in row {heading_number}: every "
                         "column needs one.")
    seen: dict[str, int] = {}
    for i, heading in enumerate(headings):
        key = heading.casefold()
        if key in seen:
            raise Unreadable(f"The heading {heading!r} is in two columns ({_column_letters(seen[key] + 1)} and "
                             f"{_column_letters(i + 1)}): rename or remove one.")
        seen[key] = i
    rows = numbered[1:]
    if len(rows) > max_rows:
        raise Unreadable(f"The file has {len(rows):,} rows: the most one import takes is {max_rows:,}. Split it "
                         "into smaller files.")
    width = len(headings)
    out = []
    for number, cells in rows:
        padded = list(cells[:width]) + [""] * (width - len(cells))
        extra = tuple(c for c in cells[width:] if c)
        out.append(Row(number, dict(zip(headings, padded, strict=True)), extra))
    return Table(tuple(headings), out, kind, encoding)


def _column_letters(number: int) -> str:
    """1 -> A, 27 -> AA: how a spreadsheet names a column."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
