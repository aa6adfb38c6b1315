"""A source's template, for the council to send its partners: the headings and one example row (fictional), as
CSV (UTF-8 with a byte order mark, so Excel reads its accents) or as an Excel workbook whose date columns hold
dates. Pure: a ``Source`` in, bytes out."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tfclaims.imports.sources import Source
from tfclaims.imports.values import parse_date
from tfclaims.spreadsheet import defused, keep_as_text


def template_csv(source: Source) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in source.columns])
    writer.writerow([defused(column.example) for column in source.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(source: Source) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = source.title[:31]
    sheet.append([column.name for column in source.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(source.columns, start=1):
        cell = sheet.cell(row=2, column=index)
        if column.holds == "date" and column.example:
            cell.value = parse_date(column.example)
            cell.number_format = "DD/MM/YYYY"
        else:
            cell.value = column.example
            keep_as_text(cell)
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.name) + 4)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
