"""Partner files read into tables (``imports.reading``): CSV in the encodings and separators councils' systems
write, Excel through python-calamine (dates, formulas, whole numbers), and every file that cannot be read refused
with a reason a coordinator can act on."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from tfclaims.imports.reading import Unreadable, read_table

HEADINGS = "UPN,Forename,Surname,Date of birth,Sessions possible"


def _xlsx(rows, formulas=False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formulas:
        sheet["F1"] = "Total"
        sheet["F2"] = "=E2*2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_csv_in_utf8_with_its_rows_numbered_as_the_spreadsheet_does():
    data = f"{HEADINGS}\nA123,Zoë,O'Brien,05/09/2012,300\n\n ,,, ,\nB456,Sam,Smith,2012-09-05,290\n".encode()
    table = read_table(data, "school.csv")
    assert table.headings == ("UPN", "Forename", "Surname", "Date of birth", "Sessions possible")
    assert [row.number for row in table.rows] == [2, 5]  # blank rows skipped, numbers kept
    assert table.rows[0].cells["Forename"] == "Zoë" and table.rows[1].cells["Date of birth"] == "2012-09-05"
    assert table.file_kind == "CSV" and table.encoding == "UTF-8"


@pytest.mark.parametrize(("encoding", "bom", "named"), [
    ("utf-8", b"\xef\xbb\xbf", "UTF-8"),
    ("utf-16", b"", "UTF-16"),  # Python's utf-16 writes its byte order mark
    ("cp1252", b"", "Windows-1252"),
])
def test_the_encodings_councils_systems_save_in(encoding, bom, named):
    text = f"{HEADINGS}\nA123,Zoë,Ó Súilleabháin,05/09/2012,300\n"
    table = read_table(bom + text.encode(encoding), "file.csv")
    assert table.encoding == named
    assert table.headings[0] == "UPN"  # no byte order mark left in the first heading
    assert table.rows[0].cells["Surname"] == "Ó Súilleabháin"


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_the_separator_is_found_from_the_headings(separator):
    text = HEADINGS.replace(",", separator) + "\n" + separator.join(["A1", "Amy", "Hall", "1/2/2010", "300"])
    table = read_table(text.encode(), "export.txt")
    assert table.rows[0].cells["Surname"] == "Hall"


def test_quoted_cells_short_rows_and_extra_cells():
    text = f'{HEADINGS}\n"A1","Amy, Jo","Hall"\nA2,Ben,Hill,1/1/2011,290,unexpected\n'
    table = read_table(text.encode(), "f.csv")
    assert table.rows[0].cells["Forename"] == "Amy, Jo" and table.rows[0].cells["Sessions possible"] == ""
    assert table.rows[1].extra == ("unexpected",)


def test_an_excel_workbook_gives_dates_as_iso_text_whole_numbers_without_decimals_and_formula_values():
    data = _xlsx([HEADINGS.split(","), ["A123", "Amy", "Hall", datetime(2012, 9, 5), 300],
                  [None, None, None, None, None], ["B456", "Ben", "Hill", date(2011, 1, 31), 289.5]], formulas=True)
    table = read_table(data, "attendance.xlsx")
    assert table.file_kind == "Excel"
    assert table.headings[-1] == "Total"
    first, second = table.rows
    assert (first.number, second.number) == (2, 4)
    assert first.cells["Date of birth"] == "2012-09-05" and first.cells["Sessions possible"] == "300"
    assert second.cells["Sessions possible"] == "289.5"
    # openpyxl saves a formula without its value: the cell is empty, and validation will say so
    assert first.cells["Total"] == ""


@pytest.mark.parametrize(("data", "name", "reason"), [
    (b"", "school.csv", "The file is empty (0 bytes)"),
    (b"\n\n , ,\n", "school.csv", "no headings and no rows"),
    (b"UPN,,Surname\nA1,x,y\n", "school.csv", "Column B has no heading in row 1"),
    (b"UPN,Surname,upn\nA1,x,y\n", "school.csv", "The heading 'upn' is in two columns (A and C)"),
    (b"PK\x03\x04not really a workbook", "school.xlsx", "cannot be read: it may be damaged or password-protected"),
    (b"UPN,Surname\nA1,x\n", "school.xlsx", "is not an Excel workbook"),
    (b"%PDF-1.7 binary", "school.pdf", "is not a CSV or Excel file"),
    (b"UPN,Surname\n\x00\x81\x8d\x00", "school.csv", "holds binary data"),
    (b'UPN,Surname\n"A1,x\n', "school.csv", "damaged near line"),
])
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(data, name, reason):
    with pytest.raises(Unreadable, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_table(data, name)


def test_too_many_rows_are_refused_before_anything_else():
    data = (HEADINGS + "\n" + "A1,Amy,Hall,1/1/2010,300\n" * 11).encode()
    with pytest.raises(Unreadable, match="The file has 11 rows: the most one import takes is 10"):
        read_table(data, "big.csv", max_rows=10)
