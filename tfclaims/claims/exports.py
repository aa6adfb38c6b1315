"""A claim's submission file (CSV or XLSX) and its claim pack (PDF): a claim in, bytes out.

Everything comes from the claim's frozen lines (their columns and ``snapshot``), never from the live records, so
an export made today shows what was claimed. Removed lines are left out.

- ``claim_rows``: one row per line, ordered by family reference, headings in words, a group of three columns per
  problem slot (as many slots as the line with most problems has). Dates are ``datetime64``, the result payment
  is in pounds.
- ``csv_bytes``: plain UTF-8 (no byte order mark), dates as YYYY-MM-DD, a cell a spreadsheet would read as a
  formula written with a leading apostrophe (as the cohort lists are).
- ``xlsx_bytes``: one sheet "Claim", the same columns, bold frozen header, real dates; text is stored as text, so
  nothing in it is ever read as a formula.
- ``pack_pdf``: the claim pack for internal audit and sign-off: a cover (window, status, families by route, value,
  who did what, the content hash), a section per family, and the internal audit sample.

No personal data is logged. The only family member named is the adult in continuous employment, where a line
rests on one.
"""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime
from functools import lru_cache, partial
from xml.sax.saxutils import escape

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth, unicode2T1
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from tfclaims.claims import queries, rules
from tfclaims.claims.models import AUDIT_CHECKS, RECONCILED, SUBMITTED, ClaimLine
from tfclaims.engine.lists import ROUTES
from tfclaims.pdf import NumberedCanvas
from tfclaims.spreadsheet import defused_series, keep_as_text
from tfclaims.text import long_date, money
from tfclaims.web import format_datetime

# The columns before and after the problem slots.
LEADING = [
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
]
TRAILING = ["Adult in continuous employment", "Department verdict", "Reason"]
PAYMENT = "Result payment"
VERDICT_SHOWN = (SUBMITTED, RECONCILED)


def _slot_columns(k: int) -> list[str]:
    return [f"Problem {k}", f"Problem {k} outcome date", f"Problem {k} evidence source"]


def _date_columns(slots: int) -> list[str]:
    return ["Attachment date", "Claimable from"] + [f"Problem {k} outcome date" for k in range(1, slots + 1)]


def _included(claim) -> list[ClaimLine]:
    return sorted((line for line in claim.lines if line.is_included), key=lambda line: line.family_reference)


def _problems(line: ClaimLine) -> list[dict]:
    return sorted((line.snapshot or {}).get("problems") or [], key=lambda p: p.get("problem_number") or 0)


def _outcome_on(problem: dict) -> str | None:
    return problem.get("sustained_on") or problem.get("status_on") or None


def _adult_name(line: ClaimLine) -> str:
    adult = (line.snapshot or {}).get("adult") or {}
    return (adult.get("name") or "") if line.route == "CE" else ""


def _iso(value) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def claim_rows(claim, council_code: str, council_name: str) -> pd.DataFrame:
    """One row per line still in the claim, ordered by family reference, headings in words."""
    lines = _included(claim)
    slots = max((len(_problems(line)) for line in lines), default=0)
    problem_columns = [column for k in range(1, slots + 1) for column in _slot_columns(k)]
    columns = LEADING + problem_columns + TRAILING
    verdict_shown = claim.status in VERDICT_SHOWN
    records = []
    for line in lines:
        record = {
            "Council code": council_code,
            "Council": council_name,
            "Claim reference": claim.reference,
            "Claim window": claim.window.label,
            "Family reference": line.family_reference,
            "Attachment date": _iso(line.attached_on),
            "Framework": line.framework,
            "Plan version": line.plan_label,
            "Route": line.route,
            "Claimable from": _iso(line.claimable_on),
            PAYMENT: line.result_payment_pence / 100,
            "Adult in continuous employment": _adult_name(line),
            "Department verdict": line.state_label if verdict_shown else "",
            "Reason": (line.state_reason or "") if verdict_shown else "",
        }
        for k, problem in enumerate(_problems(line), start=1):
            name, on, source = _slot_columns(k)
            record[name] = problem.get("problem_name") or ""
            record[on] = _iso(_outcome_on(problem))
            record[source] = problem.get("outcome_source_label") or ""
        records.append(record)
    rows = pd.DataFrame.from_records(records, columns=columns)
    for column in _date_columns(slots):
        rows[column] = pd.to_datetime(rows[column], format="%Y-%m-%d").astype("datetime64[s]")
    rows[PAYMENT] = rows[PAYMENT].astype(float)
    for column in columns:
        if column != PAYMENT and column not in _date_columns(slots):
            rows[column] = rows[column].astype(object).where(rows[column].notna(), "")
    return rows


def _text_columns(rows: pd.DataFrame) -> list[str]:
    return [c for c in rows.columns if c != PAYMENT and not pd.api.types.is_datetime64_any_dtype(rows[c])]


def csv_bytes(claim, council_code: str, council_name: str) -> bytes:
    """The claim's lines as a plain UTF-8 CSV file (no byte order mark), safe to open in a spreadsheet."""
    rows = claim_rows(claim, council_code, council_name)
    for column in _text_columns(rows):
        rows[column] = defused_series(rows[column])
    text = rows.to_csv(index=False, date_format="%Y-%m-%d", float_format="%.2f", lineterminator="\r\n")
    return text.encode("utf-8")


def xlsx_bytes(claim, council_code: str, council_name: str) -> bytes:
    """The claim's lines as a workbook with one sheet, "Claim": bold frozen header, real dates, text as text."""
    rows = claim_rows(claim, council_code, council_name)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claim"
    headings = list(rows.columns)
    sheet.append(headings)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    widths = [len(h) for h in headings]
    kinds = []
    for column in headings:
        if column == PAYMENT:
            kinds.append("money")
        elif pd.api.types.is_datetime64_any_dtype(rows[column]):
            kinds.append("date")
        else:
            kinds.append("text")
    values = [
        [None if pd.isna(v) else v.date() for v in rows[c]] if kind == "date" else rows[c].tolist()
        for c, kind in zip(headings, kinds, strict=True)
    ]
    for r, row_values in enumerate(zip(*values, strict=True), start=2):
        for c, (value, kind) in enumerate(zip(row_values, kinds, strict=True), start=1):
            if kind == "text":
                value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
                cell = sheet.cell(row=r, column=c, value=value or None)
                keep_as_text(cell)
                widths[c - 1] = max(widths[c - 1], len(value))
            elif kind == "date":
                cell = sheet.cell(row=r, column=c, value=value)
                cell.number_format = "yyyy-mm-dd"
                widths[c - 1] = max(widths[c - 1], 10)
            else:
                cell = sheet.cell(row=r, column=c, value=value)
                cell.number_format = '"£"#,##0.00'
                widths[c - 1] = max(widths[c - 1], 10)
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width, 8), 60) + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    if claim.sample_seed is not None:
        _sample_sheet(workbook.create_sheet("Audit sample"), claim)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sample_sheet(sheet, claim) -> None:
    """The audit sample as it really is: per route, then every sampled line (removed ones too)."""
    bold = Font(bold=True)

    def add(values, heading=False):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                keep_as_text(cell)
            if heading:
                cell.font = bold

    add([f"Audit sample of claim {claim.reference}: {claim.sample_percent or 0}% of each route's lines, seed "
         f"{claim.sample_seed}"], heading=True)
    add(SAMPLE_HEADINGS, heading=True)
    for row in sample_rows(claim):
        add(row)
    add([])
    add(["Family reference", "Route", "Drawn", "In the claim", "Whole-family working on record",
         *AUDIT_CHECKS.values(), "Verdict", "Note"], heading=True)
    for line in sorted((x for x in claim.lines if x.sampled), key=lambda x: x.family_reference):
        add([line.family_reference, line.route, _drawn(line), "Yes" if line.is_included else "Removed",
             line.working_summary, *(_yes_no(getattr(line, check)) for check in AUDIT_CHECKS),
             line.audit_verdict_label, line.audit_note])
    for column in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18


# The claim pack ---------------------------------------------------------------------------------------------------
#
# Thousands of families make thousands of pages. The cover and the audit sample are ordinary reportlab flowables,
# but each family's section is one flowable (``_FamilySection``) that wraps its text once, to its columns
# (``_wrap``, cached, since problem names, descriptors and engine sentences repeat from family to family), knows
# its height without measuring anything again, splits itself across pages, and draws its text, rules and shading
# straight into the page as PDF operators: no nested Tables, no KeepTogether, no Paragraphs (issue 17, item 6;
# ``bench.pack_reference`` keeps the pack as it was drawn before, with Tables, to measure against). Plain strings
# are drawn as they are, never read as markup; the cover's Paragraphs are escaped.

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
GRID = colors.HexColor("#b1b4b6")
HEAD_FILL = colors.HexColor("#f3f2f1")
GREY = colors.HexColor("#505a5f")
FONT, BOLD, MONO_FONT = "Helvetica", "Helvetica-Bold", "Courier"
CELL_SIZE, CELL_LEADING, PADDING = 8, 9.8, 3


def _style(name: str, size: float, leading: float, font: str = FONT, **extra) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, **extra)


BODY = _style("body", 9.5, 12.5, spaceAfter=3)
LABEL = _style("label", 9.5, 12.5, BOLD)
COUNCIL = _style("council", 12, 15, BOLD, spaceAfter=6)
TITLE = _style("title", 20, 24, BOLD, spaceAfter=10)
H2 = _style("h2", 12, 15, BOLD, spaceBefore=10, spaceAfter=3, keepWithNext=1)
MONO = _style("mono", 9.5, 12.5, MONO_FONT, spaceAfter=2)

_CELLS = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
    ("LEADING", (0, 0), (-1, -1), CELL_LEADING),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
]
GRID_STYLE = TableStyle(
    [
        *_CELLS,
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
    ]
)
DETAILS_STYLE = TableStyle(
    [
        *_CELLS,
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LEADING", (0, 0), (-1, -1), 11),
        ("FONTNAME", (0, 0), (0, -1), BOLD),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]
)
KEY_VALUE_STYLE = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]
)


class _Heading(Flowable):
    """A one-line heading: a string in a bold font, kept with what follows. Far cheaper than a Paragraph."""

    def __init__(self, text: str, size: float, space_before: float = 0, space_after: float = 2):
        super().__init__()
        self.text = _one_line(text, BOLD, size, FRAME_WIDTH)
        self.size = size
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.keepWithNext = True

    def wrap(self, available_width, available_height):
        return available_width, self.size * 1.25

    def draw(self):
        self.canv.setFont(BOLD, self.size)
        self.canv.drawString(0, self.size * 0.3, self.text)


_width_of: dict[tuple[str, str, float], float] = {}


@lru_cache(maxsize=16)
def _widths(font: str) -> list[int]:
    """The font's character widths (thousandths of its size), by code in its encoding."""
    return getFont(font).widths


def _measure(word: str, font: str, size: float) -> float:
    key = (word, font, size)
    width = _width_of.get(key)
    if width is None:
        if len(_width_of) > 200_000:
            _width_of.clear()
        if word.isascii() and word.isprintable():
            # What stringWidth works out for a standard font, without its encoding of the text first.
            width = sum(map(_widths(font).__getitem__, word.encode("ascii"))) * 0.001 * size
        else:
            width = stringWidth(word, font, size)
        _width_of[key] = width
    return width


def _one_line(text: str, font: str, size: float, width: float) -> str:
    return _wrap(text, width, font, size).split("\n", 1)[0]


@lru_cache(maxsize=50_000)
def _wrap(text: str, width: float, font: str = FONT, size: float = CELL_SIZE) -> str:
    """Plain text broken into lines that fit ``width`` points; a word too long for a line is cut."""
    lines: list[str] = []
    space = _measure(" ", font, size)
    for paragraph in text.splitlines() or [""]:
        line, line_width = "", 0.0
        for word in paragraph.split():
            word_width = _measure(word, font, size)
            while word_width > width and len(word) > 1:
                # Cut an overlong word (a URL, a long reference) at the last character that fits.
                if line:
                    lines.append(line)
                    line, line_width = "", 0.0
                cut = max(1, min(len(word) - 1, int(len(word) * width / word_width) + 1))
                while cut > 1 and stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_width = _measure(word, font, size)
            if line and line_width + space + word_width <= width:
                line, line_width = f"{line} {word}", line_width + space + word_width
            else:
                if line:
                    lines.append(line)
                line, line_width = word, word_width
        lines.append(line)
    return "\n".join(lines)


def _cell(text, width: float, font: str = FONT, size: float = CELL_SIZE) -> str:
    """A table cell's text, wrapped to a column ``width`` points wide (less its padding)."""
    return _wrap(str(text or ""), width - 2 * PADDING, font, size)


def _grid(heading: list[str], rows: list[list], widths: list[float], repeat: bool = False) -> Table:
    """A ruled table of plain strings with a bold header row: every cell wrapped to its column."""
    data = [[_cell(h, w, BOLD) for h, w in zip(heading, widths, strict=True)]]
    data += [[_cell(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    # A row taller than a page (a very long note) is split across pages rather than refused.
    table = Table(data, colWidths=widths, repeatRows=1 if repeat else 0, hAlign="LEFT", splitInRow=1)
    table.setStyle(GRID_STYLE)
    return table


def _p(text, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text: escaped, so &, < and > in what users typed are shown as typed."""
    return Paragraph(escape(str(text or "")), style)


def _key_values(pairs: list[tuple[str, object]], label_width: float = 48 * mm) -> Table:
    rows = [[_p(label, LABEL), _p(value)] for label, value in pairs]
    table = Table(rows, colWidths=[label_width, FRAME_WIDTH - label_width], hAlign="LEFT")
    table.setStyle(KEY_VALUE_STYLE)
    return table


def _on(value) -> str:
    """A date, or an ISO date from a snapshot, in words: "3 June 2019"."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return long_date(value)


def _route(route: str) -> str:
    words = ROUTES.get(route)
    return f"{route} ({words})" if words else route


def _name(user) -> str:
    return user.name if user is not None else "someone unknown"


def _value_line(lines: list[ClaimLine]) -> str:
    total = sum(line.result_payment_pence for line in lines)
    payments = {line.result_payment_pence for line in lines}
    results = f"{len(lines):,} result{'' if len(lines) == 1 else 's'}"
    if len(payments) == 1:
        return f"{money(total)} ({results} at {money(payments.pop())})"
    return f"{money(total)} ({results})"


def _cover(claim, council_name: str, lines: list[ClaimLine], generated_at: datetime) -> list:
    window = claim.window
    audit = f"On {format_datetime(claim.sent_to_audit_at)}" if claim.sent_to_audit_at else "Not sent to audit yet"
    if claim.signed_off_by is not None or claim.signed_off_at:
        signed = f"{_name(claim.signed_off_by)} on {format_datetime(claim.signed_off_at, 'an unknown date')}"
    else:
        signed = "Not signed off yet"
    if claim.submitted_on:
        submitted = f"On {long_date(claim.submitted_on)}"
        if claim.department_reference:
            submitted += f", department reference {claim.department_reference}"
    else:
        submitted = "Not submitted yet"
    phases = queries.phase_labels()
    codes = sorted({line.framework for line in claim.lines})
    pairs: list[tuple[str, object]] = [
        ("Programme phase", "; ".join(phases.get(code, code) for code in codes) or "None"),
        ("Claim window", f"{window.label}: {long_date(window.starts_on)} to {long_date(window.ends_on)}"),
        ("Submission deadline", long_date(window.submission_deadline)),
        ("Status", claim.status_label),
        ("Value of the claim", _value_line(lines)),
        ("Built by", f"{_name(claim.built_by)} on {format_datetime(claim.built_at)}"),
        ("Sent to audit", audit),
        ("Signed off by", signed),
        ("Submitted", submitted),
    ]
    if claim.reconciled_at:
        pairs.append(("Verdict recorded by", f"{_name(claim.reconciled_by)} on {format_datetime(claim.reconciled_at)}"))

    counts: dict[str, int] = {}
    for line in lines:
        counts[line.route] = counts.get(line.route, 0) + 1
    order = [r for r in ROUTES if r in counts] + sorted(r for r in counts if r not in ROUTES)
    widths = [110 * mm, 30 * mm]
    routes = _grid(
        ["Route", "Families"], [[_route(r), f"{counts[r]:,}"] for r in order] + [["Total", f"{len(lines):,}"]], widths
    )
    routes.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, -1), (-1, -1), BOLD)]))

    story: list = [
        _p(council_name, COUNCIL),
        _p(f"Payment-by-results claim {claim.reference}", TITLE),
        _p(f"Families judged as of {long_date(claim.as_of)}."),
        _p(f"Claim pack generated on {format_datetime(generated_at)}."),
        Spacer(1, 4 * mm),
        _key_values(pairs),
        _p("Families by route", H2),
        routes,
    ]
    if claim.status in VERDICT_SHOWN:
        states: dict[str, int] = {}
        for line in lines:
            states[line.state_label] = states.get(line.state_label, 0) + 1
        verdicts = "; ".join(f"{label}: {count:,}" for label, count in sorted(states.items()))
        story += [_p("The department's verdict", H2), _p(verdicts)]
    story += [
        _p("Content hash (SHA-256)", H2),
        _p(
            "The SHA-256 of the included lines' family references and line hashes, in reference order: it "
            "changes if any line in the claim changes."
        ),
        _p(claim.content_hash or "No hash yet", MONO),
    ]
    return story


# Column widths of the family tables, in points, summing to the frame width.
DETAILS_WIDTHS = [w * FRAME_WIDTH for w in (0.3, 0.7)]
ELIGIBILITY_WIDTHS = [w * FRAME_WIDTH for w in (0.28, 0.38, 0.20, 0.14)]
OUTCOME_WIDTHS = [w * FRAME_WIDTH for w in (0.20, 0.10, 0.12, 0.14, 0.22, 0.22)]
AUDIT_WIDTHS = [w * FRAME_WIDTH for w in (0.12, 0.06, 0.10, 0.10, 0.12, 0.10, 0.13, 0.12, 0.15)]


GAP = 3 * mm  # below each family's section
DETAILS_SIZE, DETAILS_LEADING = 9, 11


class _Table:
    """How one kind of table in the family sections is drawn: where its columns are, its type and padding, the
    fonts of its body and header rows, whether it is ruled (a grid with a shaded header row) or not (the details,
    label and value), and its header row, repeated at the top of a page the table continues on."""

    def __init__(self, widths, size: float, leading: float, top: float, bottom: float, lefts, fonts,
                 header: tuple[str, ...] | None = None):
        self.xs = [sum(widths[:k]) for k in range(len(widths))]
        self.width = sum(widths)
        self.size, self.leading, self.top, self.bottom = size, leading, top, bottom
        self.lefts = [x + left for x, left in zip(self.xs, lefts, strict=True)]  # where each column's text starts
        self.fonts = tuple(fonts)
        self.ruled = header is not None
        self.header_fonts = (BOLD,) * len(widths)
        self.header: tuple | None = None
        self.key = header or "details"
        _TABLES[self.key] = self
        if header is not None:
            self.header = _row(self, [_cell(h, w, BOLD) for h, w in zip(header, widths, strict=True)], True)


_TABLES: dict[str | tuple[str, ...], _Table] = {}  # each kind of table, by its key (its header, or "details")

# A family section is a list of units, each a plain tuple: thousands of sections make hundreds of thousands of
# units, and tuples of strings and numbers are left alone by the garbage collector, where objects would make it
# walk the whole heap again and again (seconds, for a big claim).
#   (HEAD, height, text, size, before): a one-line bold heading, ``before`` points below the unit's top;
#   (ROW, height, table key, cells, is_header): a table row, each cell's text wrapped to its column.
HEAD, ROW = 0, 1


def _head(text: str, size: float, before: float = 0, after: float = 2) -> tuple:
    return (HEAD, before + size * 1.25 + after, _one_line(text, BOLD, size, FRAME_WIDTH), size, before)


def _row(table: _Table, cells, is_header: bool = False) -> tuple:
    lines = max(map(str.count, cells, itertools.repeat("\n"))) + 1
    return (ROW, lines * table.leading + table.top + table.bottom, table.key, tuple(cells), is_header)


def _keep_with_next(unit: tuple) -> bool:
    """Headings and header rows are never left at the foot of a page."""
    return unit[0] == HEAD or unit[4]


def _cut_row(unit: tuple, k: int) -> tuple[tuple, tuple]:
    """A row's first ``k`` lines, and the rest (for a row that runs on to the next page)."""
    table = _TABLES[unit[2]]
    lines = [cell.split("\n") for cell in unit[3]]
    first = _row(table, ["\n".join(cell[:k]) for cell in lines], unit[4])
    rest = _row(table, ["\n".join(cell[k:]) for cell in lines], unit[4])
    return first, rest


_PDF_ESCAPES = {c: (chr(c) if 32 <= c < 127 else f"\\{c:03o}") for c in range(256)}
_PDF_ESCAPES.update({ord("\\"): "\\\\", ord("("): "\\(", ord(")"): "\\)"})
_shown: dict[tuple[str, str], str | None] = {}


def _pdf_runs(line: str, font: str) -> list[tuple[str, str]]:
    """A line of text as PDF strings, ``(...)``, each with the font it is in: the font's encoding, and substitute
    fonts for characters not in it, as reportlab's drawString draws them."""
    face = getFont(font)
    return [(f.fontName, "(" + encoded.decode("latin-1").translate(_PDF_ESCAPES) + ")")
            for f, encoded in unicode2T1(line, [face, *face.substitutionFonts])]


def _pdf_text(text: str, font: str) -> str | None:
    """The operators that show a cell's lines one below the other (``(...) Tj T* (...) Tj``, the leading set
    already), or None when a character is not in the font's encoding (see ``_pdf_runs``). Cached: most cells
    (problem names, statuses, dates, labels) recur from family to family."""
    key = (text, font)
    try:
        return _shown[key]
    except KeyError:
        pass
    if len(_shown) > 200_000:
        _shown.clear()
    shown: list[str] | None = []
    for line in text.split("\n"):
        if line.isascii() and line.isprintable():
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            shown.append(f"({escaped}) Tj" if line else "")
        else:
            runs = _pdf_runs(line, font)
            if len(runs) > 1 or runs[0][0] != font:
                shown = None
                break
            shown.append(f"{runs[0][1]} Tj")
    code = _shown[key] = None if shown is None else " T* ".join(shown)
    return code


def _pdf_text_in_fonts(text: str, font: str, size: float, names: _FontNames) -> str:
    """As ``_pdf_text``, for text with characters the font cannot show: each run in its own font."""
    shown = []
    for line in text.split("\n"):
        runs = [f"{names[face]} {size} Tf {run} Tj" for face, run in _pdf_runs(line, font)]
        shown.append(" ".join(runs) + f" {names[font]} {size} Tf")
    return " T* ".join(shown)


class _FontNames(dict):
    """A font's name in this PDF ("/F1"), looked up (and the font added to the PDF) the first time it is asked for."""

    def __init__(self, canvas):
        super().__init__()
        self.canvas = canvas

    def __missing__(self, font: str) -> str:
        name = self[font] = self.canvas._doc.getInternalFontName(font)
        return name


def _rgb(colour) -> str:
    return f"{colour.red:.3f} {colour.green:.3f} {colour.blue:.3f}"


class _FamilySection(Flowable):
    """One family's section: its heading, details, eligibility and outcomes, as headings and table rows of known
    height, drawn straight onto the canvas. Kept on one page when it fits on one (it starts a new page rather than
    be cut), otherwise it fills the page and continues on the next, under "(continued)" and the header row of the
    table it was in; a row taller than a page is cut between lines."""

    def __init__(self, reference: str, units: list[tuple], space_before: float = 0):
        super().__init__()
        self.reference = reference
        self.units = units
        self.height = sum(unit[1] for unit in units)
        self.spaceBefore = space_before
        self.spaceAfter = GAP

    def wrap(self, available_width, available_height):
        return FRAME_WIDTH, self.height

    def split(self, available_width, available_height):
        frame = getattr(self, "_frame", None)
        page = frame._aH if frame is not None else PAGE_HEIGHT - 2 * MARGIN
        at_top = frame is None or frame._atTop
        if self.height <= available_height:
            return [self]
        if not at_top and (self.height <= page or available_height < page / 4):
            return []  # start on the next page, whole if it fits on one
        first, rest = _cut(self.units, available_height, page)
        if not rest:
            return [_FamilySection(self.reference, first)]
        continued = [_head(f"{self.reference} (continued)", 12, after=3)]
        if rest[0][0] == ROW and not rest[0][4]:
            header = _TABLES[rest[0][2]].header
            if header is not None:
                continued.append(header)
        return [_FamilySection(self.reference, first), _FamilySection(self.reference, continued + rest)]

    def draw(self):
        names = _FontNames(self.canv)
        shading: list[str] = []
        rules: list[str] = []
        text: list[str] = ["BT 0 g"]
        add = text.append
        font_now, leading_now = None, None
        top = self.height
        ruled: tuple[_Table, float] | None = None  # the ruled table being drawn, and its top

        def columns(down_to: float) -> None:
            """The column rules of the ruled table being drawn, from its top down to ``down_to``."""
            table, start = ruled
            rules.extend(f"{x:.2f} {start:.2f} m {x:.2f} {down_to:.2f} l" for x in (*table.xs, table.width))

        for unit in self.units:
            kind, height = unit[0], unit[1]
            table = _TABLES[unit[2]] if kind == ROW else None
            if ruled is not None and table is not ruled[0]:
                columns(top)
                ruled = None
            if table is None:
                _, _, text_, size, before = unit
                cells, fonts, xs = (text_,), (BOLD,), (0,)
                y = top - before - 0.95 * size  # as _Heading draws it
            else:
                _, _, _, cells, is_header = unit
                bottom = top - height
                if table.ruled:
                    if is_header:
                        shading.append(f"0 {bottom:.2f} {table.width:.2f} {height:.2f} re")
                    if ruled is None:
                        ruled = (table, top)
                        rules.append(f"0 {top:.2f} m {table.width:.2f} {top:.2f} l")
                    rules.append(f"0 {bottom:.2f} m {table.width:.2f} {bottom:.2f} l")
                fonts = table.header_fonts if is_header else table.fonts
                xs, size = table.lefts, table.size
                y = top - table.top - size  # the first line's baseline, as reportlab puts it in a table cell
                if table.leading != leading_now:
                    leading_now = table.leading
                    add(f"{leading_now} TL")
            for x, cell, font in zip(xs, cells, fonts, strict=True):
                if not cell:
                    continue
                if (font, size) != font_now:
                    font_now = (font, size)
                    add(f"{names[font]} {size} Tf")
                shown = _pdf_text(cell, font)
                if shown is None:
                    shown = _pdf_text_in_fonts(cell, font, size, names)
                add(f"1 0 0 1 {x:.2f} {y:.2f} Tm {shown}")
            top -= height
        if ruled is not None:
            columns(top)
        add("ET")
        code = self.canv._code
        code.append("q")
        if shading:
            code.append(f"{_rgb(HEAD_FILL)} rg " + " ".join(shading) + " f")
        code.append(" ".join(text))
        if rules:
            code.append(f"0.5 w 0 J {_rgb(GRID)} RG " + " ".join(rules) + " S")
        code.append("Q")


def _cut(units: list[tuple], room: float, page: float) -> tuple[list[tuple], list[tuple]]:
    """Units that fill ``room`` points, and the rest: cut after a unit that need not be kept with the next, or
    between the lines of a row that is too tall to move whole to the next page (or when nothing else fits)."""
    used, cut_at, i = 0.0, 0, 0
    for i, unit in enumerate(units):
        if used + unit[1] > room:
            break
        used += unit[1]
        if not _keep_with_next(unit):
            cut_at = i + 1
    else:
        return units, []
    unit = units[i]
    # A row too tall for a page after "(continued)" and a header row, or the only thing that could go here.
    if unit[0] == ROW and (unit[1] > page - 60 or cut_at == 0):
        table = _TABLES[unit[2]]
        k = int((room - used - table.top - table.bottom) // table.leading)  # lines that fit
        if k >= 1:
            first, rest = _cut_row(unit, k)
            return [*units[:i], first], [rest, *units[i + 1 :]]
    if cut_at == 0:
        cut_at = max(i, 1)  # nothing fits as it should: never lose a unit, never loop
    return units[:cut_at], units[cut_at:]


def _grid_rows(heading: list[str], rows: list[list], widths: list[float]) -> list[tuple]:
    """A ruled table's header row and rows, every cell wrapped to its column."""
    table = _TABLES.get(tuple(heading)) or _Table(widths, CELL_SIZE, CELL_LEADING, 1.5, 3.5, [PADDING] * len(widths),
                                                  [FONT] * len(widths), header=tuple(heading))
    return [table.header, *(_row(table, [_cell(v, w) for v, w in zip(row, widths, strict=True)]) for row in rows)]


def _family(line: ClaimLine, verdict_shown: bool, phases: dict[str, str], first: bool = False) -> _FamilySection:
    snapshot = line.snapshot or {}
    family = snapshot.get("family") or {}
    details = [
        ("Programme phase", phases.get(line.framework, line.framework)),
        ("Attachment date", _on(line.attached_on)),
        ("Plan version", line.plan_label),
        ("Route", _route(line.route)),
        ("Claimable from", _on(line.claimable_on)),
        ("Lead practitioner", family.get("lead_practitioner") or "Not recorded"),
        ("Team", family.get("team") or "Not recorded"),
        ("Whole-family working", line.working_summary),
    ]
    adult = _adult_name(line)
    if adult:
        details.append(("Adult in continuous employment", adult))
    if verdict_shown:
        details.append(("Department's verdict", line.state_label))
        if line.state_reason:
            details.append(("Reason", line.state_reason))
    table = _TABLES.get("details") or _Table(DETAILS_WIDTHS, DETAILS_SIZE, DETAILS_LEADING, 0, 1, [0, PADDING],
                                             [BOLD, FONT])
    label_width, value_width = DETAILS_WIDTHS
    units = [_head(line.family_reference, 12, after=3)]
    units += [
        _row(table, [_cell(label, label_width, BOLD, DETAILS_SIZE), _cell(value, value_width, FONT, DETAILS_SIZE)])
        for label, value in details
    ]

    eligibility = sorted(snapshot.get("eligibility") or [], key=lambda e: e.get("problem_number") or 0)
    units.append(_head("Eligibility at attachment", 9.5, before=4))
    if eligibility:
        rows = [
            [
                e.get("problem_name"),
                " ".join(x for x in (e.get("descriptor_code"), e.get("descriptor_wording")) if x),
                e.get("evidence_source_label") or e.get("evidence_source"),
                _on(e.get("evidence_date")),
            ]
            for e in eligibility
        ]
        units += _grid_rows(["Problem", "Descriptor", "Evidence source", "Evidence date"], rows, ELIGIBILITY_WIDTHS)
    else:
        units += _grid_rows(["No eligibility recorded"], [], [FRAME_WIDTH])

    problems = _problems(line)
    units.append(_head("Outcomes", 9.5, before=4))
    if problems:
        rows = [
            [
                p.get("problem_name"),
                p.get("status_label"),
                _on(_outcome_on(p)),
                p.get("outcome_source_label") or p.get("outcome_source"),
                p.get("reason"),
                p.get("evidence"),
            ]
            for p in problems
        ]
        heading = ["Problem", "Status", "Date", "Evidence source", "Reason", "Evidence"]
        units += _grid_rows(heading, rows, OUTCOME_WIDTHS)
    else:
        units += _grid_rows(["No outcomes recorded"], [], [FRAME_WIDTH])
    # Below the "Families" heading as any heading is; between two families, the gap below one and above the next.
    return _FamilySection(line.family_reference, units, space_before=8 if first else GAP + 8)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _drawn(line: ClaimLine) -> str:
    return "First draw" if not line.sample_round else f"Top-up {line.sample_round}"


SAMPLE_HEADINGS = [
    "Route",
    "Lines in the claim",
    "Sampled at first draw",
    "Added by top-up",
    "Sampled lines removed",
    "In the sample now",
    "Passed",
    "Failed",
    "Queried",
    "Not checked",
]


def sample_rows(claim) -> list[list]:
    """The audit sample as it really is, one row per route (``rules.sample_report``)."""
    return [
        [r.route, r.lines, r.first_draw, r.topped_up, r.removed, r.in_sample, r.passed, r.failed, r.queried,
         r.not_checked]
        for r in rules.sample_report(queries.sample_lines(claim))
    ]


def _audit_sample(claim, lines: list[ClaimLine]) -> list:
    story: list = [_Heading("Internal audit sample", 15, space_after=8)]
    sampled = [line for line in lines if line.sampled]
    removed = sorted((line for line in claim.lines if line.sampled and not line.is_included),
                     key=lambda line: line.family_reference)
    if claim.sample_seed is None:
        story.append(_p("No sample has been drawn: the claim has not been sent to internal audit."))
    else:
        topped_up = sum(1 for line in claim.lines if line.sampled and line.sample_round)
        story.append(
            _p(
                f"Sample: {claim.sample_percent or 0}% of each route's lines still in the claim, rounded up and at "
                f"least one per route, drawn with the random seed {claim.sample_seed}; when sampled lines leave the "
                f"claim the sample is topped up from the same seed. {len(sampled):,} "
                f"line{'' if len(sampled) == 1 else 's'} in the sample now; since the first draw, {topped_up:,} "
                f"added by top-up and {len(removed):,} sampled line{'' if len(removed) == 1 else 's'} removed."
            )
        )
        widths = [FRAME_WIDTH * 0.1] + [FRAME_WIDTH * 0.1] * 9
        table = _grid(SAMPLE_HEADINGS, [[str(v) for v in row] for row in sample_rows(claim)], widths)
        table.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
        story += [_Heading("The sample by route", 9.5, space_before=4), table, Spacer(1, 4 * mm)]
    if not sampled and not removed:
        return story
    heading = ["Family reference", "Route", "Drawn", *AUDIT_CHECKS.values(), "Verdict", "Checked by", "Note"]

    def row(line: ClaimLine) -> list:
        auditor = line.audited_by.name if line.audited_by is not None else ""
        return [
            line.family_reference,
            line.route,
            _drawn(line),
            *(_yes_no(getattr(line, check)) for check in AUDIT_CHECKS),
            line.audit_verdict_label,
            ", ".join(x for x in (auditor, _on(line.audited_at)) if x),
            line.audit_note if line.is_included else f"Removed from the claim: {line.state_reason}. {line.audit_note}",
        ]

    if sampled:
        story += [_Heading("Sampled lines in the claim", 9.5, space_before=4),
                  _grid(heading, [row(line) for line in sampled], AUDIT_WIDTHS, repeat=True)]
    if removed:
        story += [_Heading("Sampled lines removed from the claim", 9.5, space_before=8),
                  _grid(heading, [row(line) for line in removed], AUDIT_WIDTHS, repeat=True)]
    return story


def pack_pdf(claim, council_code: str, council_name: str, generated_at: datetime, progress=None) -> bytes:
    """The claim pack (A4 PDF): the cover, one section per family still in the claim, the internal audit sample.

    ``progress(done, total, step)``, when given, is told how far it has gone (the background job's progress)."""
    lines = _included(claim)
    total = len(lines) + 3
    tell = progress or (lambda done, total, step: None)
    tell(0, total, "Reading the claim")
    verdict_shown = claim.status in VERDICT_SHOWN
    story = _cover(claim, council_name, lines, generated_at)
    story += [PageBreak(), _Heading("Families", 15, space_after=4)]
    if not lines:
        story.append(_p("The claim has no families."))
    phases = queries.phase_labels()
    tell(1, total, "Writing each family's section")
    for done, line in enumerate(lines, start=1):
        story.append(_family(line, verdict_shown, phases, first=done == 1))
        if done % 100 == 0:
            tell(1 + done, total, f"Writing each family's section: {done:,} of {len(lines):,}")
    story += [PageBreak(), *_audit_sample(claim, lines)]
    tell(total - 1, total, "Laying out the pages")

    out = io.BytesIO()
    # One frame inside the margins, with no padding: what is drawn lines up with the footer, and the tables, as
    # wide as the frame, stay inside the margins.
    frame = Frame(MARGIN, MARGIN, FRAME_WIDTH, PAGE_HEIGHT - 2 * MARGIN, 0, 0, 0, 0, id="normal")
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        pageTemplates=[PageTemplate(id="page", frames=[frame], pagesize=A4)],
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Claim pack: {claim.reference}",
        author=council_name,
        subject=f"Payment-by-results claim {claim.reference}, {claim.window.label} ({council_code})",
        creator="tfclaims",
        lang="en-GB",
        pageCompression=1,
    )
    footer = _one_line(f"{council_name}: claim {claim.reference}", FONT, 8, FRAME_WIDTH - 80)
    # Page streams compressed but not ASCII85-encoded: a quarter smaller, and no slow encoding of megabytes.
    doc.build(story, canvasmaker=partial(NumberedCanvas, margin=MARGIN, colour=GREY, size=8, font=FONT, footer=footer,
                                         ascii85=False))
    return out.getvalue()
