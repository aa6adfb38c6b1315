"""Each kind of partner file checked before anything is written (``imports.sources``): headings found by name,
alias or the council's mapping; every invalid row reported with its row number, column and a plain reason; the
valid rows kept whatever the others hold."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tfclaims.imports import sources
from tfclaims.imports.reading import read_table

TODAY = date(2024, 11, 20)
ATTENDANCE = sources.SOURCES["attendance"]
PERSON = {"Forename": "Jordan", "Surname": "Smith", "Date of birth": "05/09/2012", "Sex": "M", "Postcode": "br1 1aa"}


def _file(rows: list[dict], headings: list[str] | None = None) -> bytes:
    headings = headings or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headings, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _check(source, rows, headings=None, mapping=None):
    return sources.check(source, read_table(_file(rows, headings), "file.csv"), TODAY, mapping)


def _term(**changes) -> dict:
    return {**PERSON, "UPN": "", "Term": "Autumn 2019", "Term start": "02/09/2019", "Term end": "20/12/2019",
            "Sessions possible": "142", "Authorised absence": "6", "Unauthorised absence": "12", **changes}


@pytest.mark.parametrize("kind", sorted(sources.SOURCES))
def test_each_source_s_template_row_is_valid(kind):
    """The downloadable template's example row passes its own checks."""
    source = sources.SOURCES[kind]
    checked = _check(source, [{c.name: c.example for c in source.columns}])
    assert checked.problems == [] and len(checked.rows) == 1


def test_a_good_attendance_file_gives_typed_values():
    checked = _check(ATTENDANCE, [_term(), _term(Forename="Amy", **{"Date of birth": "2013-01-31"})])
    assert checked.received == 2 and checked.problems == []
    first = checked.rows[0]
    assert first.number == 2
    assert first.values["Date of birth"] == date(2012, 9, 5) and first.values["Term end"] == date(2019, 12, 20)
    assert first.values["Sessions possible"] == 142 and first.values["Postcode"] == "BR1 1AA"
    assert first.values["UPN"] is None and first.values["Sex"] == "M"


def test_headings_are_found_by_alias_and_by_the_councils_mapping():
    row = {"First name": "Jordan", "SURNAME": "Smith", "DOB": "05/09/2012", "Term": "Autumn 2019",
           "start date": "02/09/2019", "Last day": "20/12/2019", "Possible sessions": "142",
           "Authorised absences": "6", "Unauth": "12"}
    checked = _check(ATTENDANCE, [row])
    assert checked.refused  # "Last day" and "Unauth" are not known names
    assert {p.column for p in checked.problems} == {"Term end", "Unauthorised absence"}
    checked = _check(ATTENDANCE, [row], mapping={"Term end": "Last day", "Unauthorised absence": "Unauth"})
    assert checked.problems == [] and checked.rows[0].values["Unauthorised absence"] == 12
    assert checked.unused_headings == ()


def test_a_file_without_a_required_column_is_refused_as_a_whole():
    rows = [{k: v for k, v in _term().items() if k != "Date of birth"}]
    checked = _check(ATTENDANCE, rows)
    assert checked.refused and checked.rows == []
    assert checked.problems == [sources.Problem(1, "Date of birth", "The file has no column for 'Date of birth', "
                                                "which school attendance needs: add it, or say which of the file's "
                                                "columns holds it")]


def test_every_invalid_row_says_its_row_column_and_reason_and_the_valid_rows_are_kept():
    rows = [
        _term(),  # row 2: valid
        _term(**{"Date of birth": ""}),  # 3
        _term(**{"Authorised absence": "100", "Unauthorised absence": "50"}),  # 4
        _term(**{"Term end": "01/09/2019"}),  # 5
        _term(**{"Term start": "02/09/2025", "Term end": "20/12/2025"}),  # 6
        _term(**{"Date of birth": "31/02/2012", "Sessions possible": "lots"}),  # 7: two problems
        _term(),  # 8: the same as row 2
        _term(**{"Sessions possible": "0", "Authorised absence": "0", "Unauthorised absence": "0"}),  # 9
        _term(**{"Date of birth": "05/09/2020"}),  # 10: born after the term began
        _term(Forename="Amy"),  # 11: valid
    ]
    checked = _check(ATTENDANCE, rows)
    assert [r.number for r in checked.rows] == [2, 11]
    assert [(p.row, p.column, p.reason) for p in checked.problems] == [
        (3, "Date of birth", "Date of birth is missing"),
        (4, "Unauthorised absence", "150 sessions missed is more than the 142 possible"),
        (5, "Term end", "the end (01/09/2019) is before the start (02/09/2019)"),
        (6, "Term end", "20/12/2025 is in the future"),
        (7, "Date of birth", "'31/02/2012' is not a real date"),
        (7, "Sessions possible", "'lots' is not a number"),
        (8, "", "the same as row 2"),
        (9, "Sessions possible", "no sessions were possible: there is no attendance to count"),
        (10, "Term start", "02/09/2019 is before the person was born"),
    ]
    assert checked.invalid_rows == 8 and not checked.refused


def test_police_types_benefits_and_episodes_in_councils_words():
    police = sources.SOURCES["police"]
    checked = _check(police, [{**PERSON, "PNC number": "19/345678a", "Date": "3 Oct 2019", "Type": "ASB"},
                              {**PERSON, "Date": "04/10/2019", "Type": "Domestic abuse call-out"},
                              {**PERSON, "Date": "05/10/2019", "Type": "Parking"}])
    assert [r.values["Type"] for r in checked.rows] == ["asb", "domestic_abuse"]
    assert checked.rows[0].values["PNC number"] == "19/345678A"
    assert [(p.row, p.column) for p in checked.problems] == [(4, "Type")]
    assert checked.problems[0].reason == ("'Parking' is not a type of incident tfclaims knows: Offence, Anti-social "
                                          "behaviour or Domestic abuse")

    benefits = sources.SOURCES["benefits"]
    checked = _check(benefits, [
        {**PERSON, "Date of birth": "1/1/1985", "Started": "06/01/2020", "Ended": "", "Benefit before work":
         "Universal Credit", "Hours a week": "16"},
        {**PERSON, "Date of birth": "1/1/1985", "Started": "06/01/2020", "Ended": "05/01/2020",
         "Benefit before work": "Pension", "Hours a week": "200"},
    ])
    assert checked.rows[0].values["Benefit before work"] == "UC" and checked.rows[0].values["Ended"] is None
    assert {(p.column, p.reason.split(" is ")[-1]) for p in checked.problems} == {
        ("Benefit before work", "not a benefit tfclaims knows: JSA, ESA, IS, UC or None"),
        ("Hours a week", "not a number of hours in a week (0 to 168)"),
    }

    care = sources.SOURCES["social_care"]
    checked = _check(care, [
        {**PERSON, "Episode type": "CP", "Started": "01/07/2019", "Ended": "01/01/2020", "End reason": "NFA"},
        {**PERSON, "Episode type": "CIN", "Started": "01/07/2019", "Ended": "01/01/2020", "End reason": ""},
        {**PERSON, "Episode type": "CIN", "Started": "01/07/2019", "Ended": "", "End reason": "Stepped down"},
    ])
    assert checked.rows[0].values["Episode type"] == "child_protection"
    assert checked.rows[0].values["End reason"] == "closed"
    assert [(p.row, p.column, p.reason) for p in checked.problems] == [
        (3, "End reason", "an episode that ended needs its end reason"),
        (4, "Ended", "an end reason is given but no end date"),
    ]


def test_an_excel_file_with_dates_as_dates_and_as_serial_numbers():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Forename", "Surname", "Date of birth", "Exclusion date", "Exclusion type"])
    sheet.append(["Jordan", "Smith", date(2012, 9, 5), 43783, "Permanent"])  # 43783: 14 November 2019
    out = io.BytesIO()
    workbook.save(out)
    checked = sources.check(sources.SOURCES["exclusions"], read_table(out.getvalue(), "x.xlsx"), TODAY)
    assert checked.problems == []
    assert checked.rows[0].values["Exclusion date"] == date(2019, 11, 14)
    assert checked.rows[0].values["Exclusion type"] == "permanent"


def _case(**changes) -> dict:
    return {**PERSON, "Family reference": "ehm-20817", "Relationship": "Child", "Resident": "", "NHS number": "",
            "Attached on": "14/10/2019", "Problems": "ed2; cin1", "Closed on": "", "Closure reason": "", **changes}


def test_the_case_management_export_reads_relationships_problems_and_closures():
    case = sources.SOURCES["case_management"]
    checked = _check(case, [
        _case(),
        _case(Relationship="Main carer", Resident="No", **{"Closed on": "01/06/2020", "Closure reason": "Step down"}),
        _case(Relationship="Cousin twice removed"),
        _case(**{"Closed on": "01/06/2019", "Closure reason": "Outcomes achieved"}),  # before the attachment
        _case(**{"Closed on": "01/06/2020"}),  # no reason
        _case(**{"Attached on": "", "Problems": "ED2"}),  # problems with no attachment date
        _case(Resident="Sometimes"),
        _case(**{"Family reference": ""}),
    ])
    first, second = (row.values for row in checked.rows)
    assert first["Family reference"] == "EHM-20817" and first["Problems"] == ("ED2", "CIN1")
    assert first["Resident"] is True and first["Relationship"] == "child"
    assert second["Relationship"] == "lead_adult" and second["Resident"] is False
    assert second["Closure reason"] == "stepped_down"
    reasons = {(p.row, p.column): p.reason for p in checked.problems}
    assert "'Cousin twice removed' is not a relationship tfclaims knows" in reasons[(4, "Relationship")]
    assert reasons[(5, "Closed on")] == "the end (01/06/2019) is before the start (14/10/2019)"
    assert reasons[(6, "Closure reason")] == "a closed attachment needs its closure reason"
    assert reasons[(7, "Attached on")] == "problems are given but no attachment date to identify them at"
    assert reasons[(8, "Resident")] == "'Sometimes' is not Yes or No"
    assert reasons[(9, "Family reference")] == "Family reference is missing"
