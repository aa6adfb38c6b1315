"""A claim's submission file (CSV, XLSX) and claim pack (PDF), read back as a user's software would read them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.claim_helpers import make_claim
from tfclaims.claims.exports import claim_rows, csv_bytes, pack_pdf, xlsx_bytes
from tfclaims.claims.models import FAIL, IN_AUDIT, PASS, QUERY, RECONCILED, REJECTED, REMOVED, SIGNED_OFF
from tfclaims.extensions import db
from tfclaims.families.models import Family

CODE, COUNCIL = "E10000001", "Brackenshire County Council"
GENERATED_AT = datetime(2020, 10, 10, 8, 0, tzinfo=UTC)
SCHOOL = "Children not attending school regularly"
WORK = "Adults out of work or at risk of financial exclusion, and young people at risk of worklessness"
CRIME = "Parents or children involved in crime or anti-social behaviour"
ABUSE = "Families affected by domestic violence and abuse"


@pytest.fixture
def claim(db_session):
    """Three families in a signed-off claim (two SSP, one CE) and a fourth removed before sign-off."""
    return make_claim(
        [
            {"route": "SSP", "reference": "FAM-C003", "problems": (1, 2, 5)},
            {"route": "CE", "reference": "FAM-C001"},
            {"route": "SSP", "reference": "FAM-C002"},
            {"route": "SSP", "reference": "FAM-C004", "state": REMOVED},
        ],
        status=SIGNED_OFF,
    )


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return result.stdout


def adult_name(line) -> str:
    member = db.session.get(Family, line.family_id).members[0]
    return f"{member.forenames} {member.surname}"


def test_claim_rows_have_a_column_group_per_problem_slot(claim):
    rows = claim_rows(claim, CODE, COUNCIL)
    assert list(rows["Family reference"]) == ["FAM-C001", "FAM-C002", "FAM-C003"]
    slots = [f"Problem {k}{suffix}" for k in (1, 2, 3) for suffix in ("", " outcome date", " evidence source")]
    assert list(rows.columns) == [
        "Council code",
        "Council",
        "Claim reference",
        "Claim window",
        "Family reference",
        "Attachment date",
        "Framework",
        "Plan version",
        "Route",
        "Claimable from",
        "Result payment",
        *slots,
        "Adult in continuous employment",
        "Department verdict",
        "Reason",
    ]
    assert rows["Result payment"].tolist() == [800.0, 800.0, 800.0]
    assert str(rows["Attachment date"].dtype).startswith("datetime64")


def test_csv_lists_the_families_still_in_the_claim(claim):
    data = csv_bytes(claim, CODE, COUNCIL)
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(data)
    assert list(rows["Family reference"]) == ["FAM-C001", "FAM-C002", "FAM-C003"]
    assert "FAM-C004" not in data.decode("utf-8")
    assert rows["Route"].value_counts().to_dict() == {"SSP": 2, "CE": 1}
    assert set(rows["Council code"]) == {CODE} and set(rows["Council"]) == {COUNCIL}
    assert set(rows["Claim reference"]) == {claim.reference}
    assert set(rows["Claim window"]) == {claim.window.label}
    assert set(rows["Framework"]) == {"TF2015"}
    assert set(rows["Attachment date"]) == {"2019-06-03"}
    assert set(rows["Claimable from"]) == {"2020-07-17"}
    assert [float(v) for v in rows["Result payment"]] == [800.0, 800.0, 800.0]
    assert set(rows["Department verdict"]) == {""}  # not submitted yet

    by_family = rows.set_index("Family reference")
    three = by_family.loc["FAM-C003"]
    assert [three["Problem 1"], three["Problem 2"], three["Problem 3"]] == [CRIME, SCHOOL, ABUSE]
    assert [three[f"Problem {k} outcome date"] for k in (1, 2, 3)] == ["2020-07-17"] * 3
    assert [three[f"Problem {k} evidence source"] for k in (1, 2, 3)] == [
        "Police",
        "School census and attendance",
        "Police",
    ]
    assert three["Adult in continuous employment"] == ""
    two = by_family.loc["FAM-C002"]
    assert [two["Problem 1"], two["Problem 2"], two["Problem 3"]] == [SCHOOL, WORK, ""]
    assert two["Problem 3 outcome date"] == "" and two["Problem 3 evidence source"] == ""

    # On the CE route the problems need not be sustained: the outcome date is the status's date.
    ce = by_family.loc["FAM-C001"]
    assert ce["Route"] == "CE"
    assert ce["Problem 1 outcome date"] == "2020-03-02"
    [ce_line] = [line for line in claim.lines if line.family_reference == "FAM-C001"]
    assert ce["Adult in continuous employment"] == adult_name(ce_line)


def test_csv_and_xlsx_show_the_department_verdict_and_defuse_formulas(db_session, tmp_path):
    claim = make_claim(
        [
            {"route": "SSP", "reference": "FAM-D001"},
            {"route": "SSP", "reference": "FAM-D002", "state": REJECTED, "state_reason": '=HYPERLINK("x")'},
            {"route": "CE", "reference": "FAM-D003", "state": REJECTED, "state_reason": "-2 terms short"},
        ],
        status=RECONCILED,
    )
    council = "@SUM(1+1) Council"
    rows = read_csv(csv_bytes(claim, "+44", council))
    assert set(rows["Council"]) == {"'@SUM(1+1) Council"}
    assert set(rows["Council code"]) == {"'+44"}
    by_family = rows.set_index("Family reference")
    assert by_family.loc["FAM-D001", "Department verdict"] == "Accepted"
    assert by_family.loc["FAM-D001", "Reason"] == ""
    assert by_family.loc["FAM-D002", "Department verdict"] == "Rejected"
    assert by_family.loc["FAM-D002", "Reason"] == '\'=HYPERLINK("x")'
    assert by_family.loc["FAM-D003", "Reason"] == "'-2 terms short"

    # In the workbook the text is kept as typed but stored as text: no cell is a formula.
    data = xlsx_bytes(claim, "+44", council)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data))["Claim"]
    headings = [cell.value for cell in sheet[1]]
    reason = sheet.cell(row=3, column=headings.index("Reason") + 1)
    assert reason.value == '=HYPERLINK("x")'

    text = pdf_text(pack_pdf(claim, "+44", council, GENERATED_AT), tmp_path)
    assert "The department's verdict" in text
    assert "Accepted: 1; Rejected: 2" in text
    assert "-2 terms short" in text


def test_xlsx_has_the_same_rows_with_real_dates(claim):
    data = xlsx_bytes(claim, CODE, COUNCIL)
    workbook = load_workbook(io.BytesIO(data))
    # The claim was sent to audit: its sample as it is on a sheet of its own.
    assert workbook.sheetnames == ["Claim", "Audit sample"]
    sheet = workbook["Claim"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    headings = [cell.value for cell in sheet[1]]
    attached = sheet.cell(row=2, column=headings.index("Attachment date") + 1)
    assert attached.is_date and attached.value.date().isoformat() == "2019-06-03"
    assert attached.number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["E"].width >= len("Family reference")

    from_xlsx = pd.read_excel(io.BytesIO(data), sheet_name="Claim", keep_default_na=False, engine="openpyxl")
    from_csv = read_csv(csv_bytes(claim, CODE, COUNCIL))
    assert list(from_xlsx.columns) == list(from_csv.columns)
    assert len(from_xlsx) == len(from_csv) == 3
    text_columns = [
        c for c in from_csv.columns if "date" not in c.lower() and c not in ("Claimable from", "Result payment")
    ]
    for column in text_columns:
        assert from_xlsx[column].astype(str).tolist() == from_csv[column].tolist(), column
    assert from_xlsx["Result payment"].tolist() == [800, 800, 800]
    for column in ("Attachment date", "Claimable from", "Problem 1 outcome date"):
        written = [v.strftime("%Y-%m-%d") if v != "" else "" for v in from_xlsx[column]]
        assert written == from_csv[column].tolist(), column


def test_claim_pack_cover_families_and_sample(claim, tmp_path):
    data = pack_pdf(claim, CODE, COUNCIL, GENERATED_AT)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert COUNCIL in text
    assert f"Payment-by-results claim {claim.reference}" in text
    assert "1 July 2020 to 30 September 2020" in text and "31 October 2020" in text
    assert "Families judged as of 30 September 2020" in text
    assert re.search(r"Status\s+Signed off", text)
    assert re.search(r"SSP \(significant and sustained progress\)\s+2\n", text)
    assert re.search(r"CE \(continuous employment\)\s+1\n", text)
    assert re.search(r"Total\s+3\n", text)
    assert "SFO" not in text
    assert "£2,400 (3 results at £800)" in text
    assert claim.content_hash and claim.content_hash in "".join(text.split())
    assert f"{claim.built_by.name} on 1 October 2020 at 10:30" in text
    assert f"{claim.signed_off_by.name} on 9 October 2020" in text
    assert "Not submitted yet" in text

    for reference in ("FAM-C001", "FAM-C002", "FAM-C003"):
        assert reference in text
    assert "FAM-C004" not in text
    [ce_line] = [line for line in claim.lines if line.family_reference == "FAM-C001"]
    assert adult_name(ce_line) in text
    assert "Sam Keyworker" in text and "North locality" in text
    # Each family's whole-family working, element by element with its date, as frozen into its line.
    [line] = [line for line in claim.lines if line.family_reference == "FAM-C002"]
    lead = line.snapshot["family"]["working_lead_on"]
    assert re.search(rf"Whole-family working\s+Lead practitioner {lead}; assessment \S+; plan \S+; team", text)
    assert "Eligibility at attachment" in text and "Outcomes" in text
    assert "P2.1" in text and "17 July 2020" in text

    sample = text[text.index("Internal audit sample") :]
    assert "10% of each route's lines" in sample and str(claim.sample_seed) in sample
    sampled = [line for line in claim.lines if line.sampled]
    assert {line.route for line in sampled} == {"SSP", "CE"}
    for line in sampled:
        assert re.search(rf"{line.family_reference}\s+{line.route}\s+First draw\s+Yes\s+Yes\s+Yes\s+Pass", sample)
    assert re.search(r"Page 1 of \d+", text) and f"claim {claim.reference}" in text

    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert f"Claim pack: {claim.reference}" in info
        assert "A4" in info


def test_claim_pack_in_audit_shows_every_verdict(db_session, tmp_path):
    claim = make_claim(
        [
            {"reference": "FAM-E001", "sampled": True, "audit_verdict": PASS},
            {"reference": "FAM-E002", "sampled": True, "audit_verdict": FAIL, "checks": (True, False, None)},
            {"reference": "FAM-E003", "sampled": True, "audit_verdict": QUERY, "audit_note": "Which school?"},
            {"reference": "FAM-E004", "sampled": True},
            {"reference": "FAM-E005", "sampled": False},
        ],
        status=IN_AUDIT,
    )
    text = pdf_text(pack_pdf(claim, CODE, COUNCIL, GENERATED_AT), tmp_path)
    assert "Not signed off yet" in text
    assert re.search(r"Status\s+In audit", text)
    sample = text[text.index("Internal audit sample") :]
    assert re.search(r"FAM-E001\s+SSP\s+First draw\s+Yes\s+Yes\s+Yes\s+Pass", sample)
    assert re.search(r"FAM-E002\s+SSP\s+First draw\s+Yes\s+No\s+Fail", sample)
    assert re.search(r"FAM-E003\s+SSP\s+First draw\s+Yes\s+Yes\s+No\s+Query", sample)
    assert "Which school?" in sample
    assert re.search(r"FAM-E004\s+SSP\s+First draw\s+Not checked yet", sample)
    assert "FAM-E005" not in sample
    words = " ".join(sample.split())
    assert "4 lines in the sample now; since the first draw, 0 added by top-up and 0 sampled lines removed." in words
    # The sample by route: 5 lines, 4 at first draw, none topped up or removed, 1 passed, 1 failed, 1 queried,
    # 1 not checked.
    assert re.search(r"SSP\s+5\s+4\s+0\s+0\s+4\s+1\s+1\s+1\s+1\n", sample)


def test_text_with_markup_characters_does_not_break_the_pack(db_session, tmp_path):
    claim = make_claim(
        [
            {
                "reference": "FAM-F001",
                "sampled": True,
                "audit_verdict": QUERY,
                "audit_note": "a<b & c>d <i>",
                "team": "North & <East>",
                "lead_practitioner": "Jo <Lead> & co",
                "evidence": "Seen by <school> & police </para>",
            }
        ],
        status=IN_AUDIT,
    )
    council = "Brackenshire & <District> Council"
    data = pack_pdf(claim, CODE, council, GENERATED_AT)
    text = pdf_text(data, tmp_path)
    assert council in text
    assert "a<b & c>d <i>" in text
    assert "North & <East>" in text and "Jo <Lead> & co" in text
    flat = " ".join(text.split())
    assert "<school> &" in flat and "</para>" in flat


def test_a_claim_with_every_line_removed(db_session, tmp_path):
    claim = make_claim([{"state": REMOVED}])
    rows = read_csv(csv_bytes(claim, CODE, COUNCIL))
    assert rows.empty and "Family reference" in rows.columns
    assert load_workbook(io.BytesIO(xlsx_bytes(claim, CODE, COUNCIL)))["Claim"].max_row == 1
    text = pdf_text(pack_pdf(claim, CODE, COUNCIL, GENERATED_AT), tmp_path)
    assert "The claim has no families." in text
    assert "£0 (0 results)" in text
    assert "No sample has been drawn" in text


def test_a_note_longer_than_a_page_runs_over_pages(db_session, tmp_path):
    note = " ".join(f"word{i}" for i in range(4000)) + " " + "https://example.org/" + "x" * 400
    claim = make_claim(
        [{"reference": "FAM-G001", "sampled": True, "audit_verdict": QUERY, "audit_note": note}], status=IN_AUDIT
    )
    text = pdf_text(pack_pdf(claim, CODE, COUNCIL, GENERATED_AT), tmp_path)
    flat = " ".join(text.split())
    assert "word0 " in flat and "word3999" in flat
    assert re.search(r"Page \d+ of (\d+)", text).group(1) != "2"


def test_a_family_section_longer_than_a_page_continues_on_the_next(db_session, tmp_path):
    # Each family's section is drawn by the pack itself (issue 17): one longer than a page must run on, not be cut.
    reason = " ".join(f"reason{i}" for i in range(1000)) + " The last words of the reason."
    claim = make_claim(
        [
            {"reference": "FAM-H001"},
            {"reference": "FAM-H002", "problems": (1, 2, 5), "reason": reason, "evidence": "Seen (in full) & filed."},
            {"reference": "FAM-H003"},
        ],
        status=SIGNED_OFF,
    )
    data = pack_pdf(claim, CODE, COUNCIL, GENERATED_AT)
    pages = pdf_text(data, tmp_path).split("\f")
    text = "\f".join(pages)
    flat = " ".join(text.split())
    # Every word of the reason, for each of the three problems, and its last words.
    words = re.findall(r"reason(\d+)", flat)
    assert sorted(set(map(int, words))) == list(range(1000)) and len(words) == 3 * 1000
    assert flat.count("The last words of the reason.") == 3
    assert flat.count("Seen (in full) & filed.") == 3
    # The section runs over pages, each continuation headed as such and under the outcomes' header row.
    continued = [page for page in pages if "FAM-H002 (continued)" in page]
    assert len(continued) >= 2
    for page in continued:
        assert re.search(r"FAM-H002 \(continued\)\s+Problem\s+Status\s+Date\s+Evidence\s+Reason\s+Evidence", page)
    # The families either side are whole, and every page is numbered.
    for reference in ("FAM-H001", "FAM-H003"):
        [page] = [page for page in pages if re.search(rf"^{reference}$", page, re.M)]
        assert "Eligibility at attachment" in page and "Outcomes" in page
    total = len(pages) - 1  # pdftotext ends the last page with a form feed too
    assert f"Page {total} of {total}" in text and total >= 6

    # Nothing is drawn outside the margins but the footer.
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout
    margin = 18 * 72 / 25.4
    width, height = 595.28, 841.89
    footer = height - margin / 2 - 10
    for x_min, y_min, x_max, y_max in re.findall(
        rb'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', boxes
    ):
        x_min, y_min, x_max, y_max = map(float, (x_min, y_min, x_max, y_max))
        assert margin - 0.5 <= x_min and x_max <= width - margin + 0.5
        assert margin - 0.5 <= y_min and (y_max <= height - margin + 0.5 or y_min >= footer)
