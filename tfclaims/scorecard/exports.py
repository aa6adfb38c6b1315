"""The scorecard as files: a CSV and a spreadsheet (one row per indicator, headings in words), and a landscape A4
PDF in the scorecard's familiar layout with the programme's charts. A scorecard in, bytes out.

Text that a spreadsheet would read as a formula (starting =, +, -, @) is written with a leading apostrophe in the
CSV and stored as text in the spreadsheet, so opening either runs nothing. Numbers stay numbers: values, % changes
(in percentage points, rounded towards zero to one decimal place, as on the page), 12-month averages and maximums
when twelve months have a value (otherwise the words the page shows: "7 months: 12.3", "not available"), targets,
benchmarks.
"""

from __future__ import annotations

import io
from datetime import date
from functools import partial
from xml.sax.saxutils import escape

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tfclaims.pdf import NumberedCanvas
from tfclaims.scorecard import rules
from tfclaims.scorecard.models import BENCHMARK_KINDS, UNITS
from tfclaims.scorecard.queries import Line, Scorecard
from tfclaims.spreadsheet import XLSX, defused, keep_as_text
from tfclaims.text import long_date

MEDIA_XLSX = XLSX

# The direction of travel in words (the page's visually hidden text), as an arrow, and whether it is good.
TRAVEL_WORDS = {rules.UP: "up", rules.DOWN: "down", rules.FLAT: "no change"}
ARROWS = {rules.UP: "↑", rules.DOWN: "↓", rules.FLAT: "→"}
JUDGED_WORDS = {rules.GOOD: "better", rules.BAD: "worse", rules.NEUTRAL: ""}

DEFINITIONS = [
    "Values: the last seven months to the month, oldest first; a blank where there is no value. SF01 to SF04 are "
    "computed from the programme's data: families attached, by attachment date, and payment-by-results results "
    "claimed, in the month the claim was submitted (results the department rejected or clawed back are left out). A "
    "quarterly figure is the three months to the month.",
    "The early-help indicators computed from the pathway's records: requests received, by the day received, and "
    "repeat requests (the family had an earlier request on or after the same day twelve months before); assessments "
    "started, and completed with and without those whose assessed members are all adults aged 21 and over on the "
    "day completed; family plans opened; and, of the first visits made, the assessments completed and the team "
    "around the family reviews held in the month, the percentage within the council's practice standards (a review "
    "is on time within the review frequency of the episode's previous meeting). Counts start with the month of the "
    "first request recorded; a percentage with nothing to measure in the month is blank, never 0%.",
    "% change from previous period: from the month before, or three months before for a quarterly indicator. "
    "% change from same period last year: from the same month a year before.",
    "Direction of travel, from the previous period: ↑ up for an increase of 10% or more, ↓ down for a decrease of "
    "10% or more, → no change otherwise; better or worse depending on whether up is good for the indicator. An "
    "increase from 0 is up, with no percentage (n/a: previous value was 0); 0 to 0 is no change.",
    "Percentages are rounded towards zero to one decimal place, so +9.99% is shown as +9.9% (no change).",
    "12-month average and maximum: of the twelve months to the month, shown only when all twelve have a value; "
    "otherwise the number of months with a value and the figure over them (7 months: 12.3), or not available when "
    "none has.",
]


def travel_words(line: Line) -> str:
    return TRAVEL_WORDS.get(line.figures.travel, "")


def judged_words(line: Line) -> str:
    return JUDGED_WORDS.get(line.figures.judged, "") if line.figures.judged else ""


def _change(change: rules.Change):
    """A % change as a number of percentage points, or the reason there is none."""
    return change.shown if change.shown is not None else change.reason


def columns(scorecard: Scorecard) -> list[str]:
    months = [rules.month_heading(m) for m in scorecard.months]
    benchmarks = [h for label in BENCHMARK_KINDS.values() for h in (label, f"{label}: period")]
    return [
        "Ref",
        "Indicator",
        "Owner",
        "Reporter",
        "Unit",
        "Up is good",
        *months,
        "% change from previous period",
        "% change from same period last year",
        "Direction of travel",
        "Better or worse",
        "12-month average",
        "12-month maximum",
        *(f"Target {year}" for year in scorecard.target_years),
        *benchmarks,
        "Commentary",
    ]


def rows(scorecard: Scorecard) -> pd.DataFrame:
    """One row per indicator, in scorecard order, with ``columns``' headings; numbers as numbers."""
    records = []
    for line in scorecard.lines:
        indicator, f = line.indicator, line.figures
        benchmarks = []
        for kind in BENCHMARK_KINDS:
            found = line.benchmarks.get(kind)
            benchmarks += [found.value, found.period] if found else [None, ""]
        records.append(
            [
                indicator.code,
                indicator.name,
                indicator.owner,
                indicator.reporter,
                UNITS.get(indicator.unit, indicator.unit),
                "Yes" if indicator.up_is_good else "No",
                *f.values,
                _change(f.from_previous),
                _change(f.from_last_year),
                travel_words(line),
                judged_words(line),
                f.average.cell(indicator.unit),
                f.maximum.cell(indicator.unit),
                *(line.targets.get(year) for year in scorecard.target_years),
                *benchmarks,
                line.comment,
            ]
        )
    return pd.DataFrame.from_records(records, columns=columns(scorecard))


def _csv_cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return defused(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3, not 3.0
    return str(value)


def csv_bytes(scorecard: Scorecard) -> bytes:
    """The scorecard as a plain UTF-8 CSV file, one row per indicator."""
    table = rows(scorecard).astype(object)
    table = pd.DataFrame(
        [[_csv_cell(v) for v in record] for record in table.itertuples(index=False)], columns=table.columns
    )
    text = table.to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8")


PERCENT_FORMAT = '+0.0"%";-0.0"%";0.0"%"'


def xlsx_bytes(scorecard: Scorecard, council: str, made_on: date) -> bytes:
    """A workbook: "Scorecard" (one row per indicator, bold frozen headings) and "About" (the council, the month,
    how the figures are worked out)."""
    table = rows(scorecard)
    headings = list(table.columns)
    book = Workbook()
    sheet = book.active
    sheet.title = "Scorecard"
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    change_columns = {headings.index("% change from previous period"), headings.index("% change from same period "
                                                                                       "last year")}
    widths = [min(max(len(h), 8), 40) for h in headings]
    for r, record in enumerate(table.itertuples(index=False), start=2):
        for c, value in enumerate(record):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if not value:
                    continue
            elif hasattr(value, "item"):
                value = value.item()
            cell = sheet.cell(row=r, column=c + 1, value=value)
            if isinstance(value, str):
                keep_as_text(cell)
                widths[c] = min(max(widths[c], len(value)), 60)
            elif c in change_columns:
                cell.number_format = PERCENT_FORMAT
            else:
                cell.number_format = "#,##0.##"
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width + 2
    sheet.freeze_panes = "C2"

    about = book.create_sheet("About")
    lines = [
        ("Monthly scorecard", ""),
        ("Council", council),
        ("Month", rules.month_label(scorecard.month)),
        ("Made on", made_on),
    ]
    for label, value in lines:
        about.append([label, value])
    about["A1"].font = Font(bold=True, size=14)
    about["B4"].number_format = "d mmmm yyyy"
    about.append([])
    for text in DEFINITIONS:
        about.append([text])
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(month: date, extension: str) -> str:
    """ "scorecard-2026-10.csv"."""
    return f"scorecard-{rules.month_slug(month)}.{extension}"


# ---------------------------------------------------------------- the PDF

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 10 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
FONT, BOLD = "Helvetica", "Helvetica-Bold"
GRID = colors.HexColor("#b1b4b6")
HEAD_FILL = colors.HexColor("#f3f2f1")
GREY = colors.HexColor("#484949")
# Dark text on a light fill, as the GOV.UK tags: well above AA contrast in colour and in greyscale.
JUDGED_COLOURS = {
    rules.GOOD: (colors.HexColor("#083d29"), colors.HexColor("#cfe4dc")),
    rules.BAD: (colors.HexColor("#651b1b"), colors.HexColor("#f4d7d7")),
    rules.NEUTRAL: (colors.HexColor("#0b0c0c"), colors.HexColor("#e6e6e6")),
}


def _style(name: str, size: float, leading: float, font: str = FONT, **extra) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, **extra)


COUNCIL = _style("council", 11, 14, BOLD, spaceAfter=2)
TITLE = _style("title", 18, 22, BOLD, spaceAfter=4)
BODY = _style("body", 8.5, 11, spaceAfter=3)
H2 = _style("h2", 12, 15, BOLD, spaceBefore=8, spaceAfter=4, keepWithNext=1)
H3 = _style("h3", 9.5, 12, BOLD, spaceBefore=5, spaceAfter=1, keepWithNext=1)
CELL = _style("cell", 7, 8.4)
CELL_RIGHT = _style("cell-right", 7, 8.4, alignment=2)
HEAD = _style("head", 6.5, 7.8, BOLD)
HEAD_RIGHT = _style("head-right", 6.5, 7.8, BOLD, alignment=2)
SMALL_RIGHT = _style("small-right", 6, 7.2, alignment=2, textColor=GREY)

# Column widths in points: Ref, Indicator, Owner, seven months, % previous, % last year, DoT, average, maximum, two
# targets, three benchmarks. The indicator takes what is left.
FIXED = {"ref": 28, "owner": 50, "month": 31, "change": 42, "travel": 38, "stat": 36, "target": 36, "benchmark": 42}


def _widths() -> list[float]:
    f = FIXED
    fixed = [f["ref"], f["owner"], *[f["month"]] * 7, f["change"], f["change"], f["travel"], f["stat"], f["stat"],
             f["target"], f["target"], *[f["benchmark"]] * 3]
    indicator = FRAME_WIDTH - sum(fixed)
    return [fixed[0], indicator, *fixed[1:]]


def _p(text, style: ParagraphStyle = CELL) -> Paragraph:
    """Plain text as a paragraph: escaped, so what users typed is shown as typed."""
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


class _Travel(Flowable):
    """The direction of travel: a drawn arrow (the standard PDF fonts have none) and its word, on a fill that says
    better (green), worse (red) or no change (grey). The word carries the meaning without the colour."""

    def __init__(self, travel: str | None, judged: str | None):
        super().__init__()
        self.travel, self.judged = travel, judged

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, 19 if self.judged in (rules.GOOD, rules.BAD) else 11

    def draw(self):
        if self.travel is None:
            self.canv.setFont(FONT, 7)
            self.canv.drawString(0, 2, "n/a")
            return
        ink, fill = JUDGED_COLOURS[self.judged]
        c = self.canv
        height = 19 if self.judged in (rules.GOOD, rules.BAD) else 11
        c.setFillColor(fill)
        c.rect(-1, -1, self.width + 2, height + 1, stroke=0, fill=1)
        c.setStrokeColor(ink)
        c.setFillColor(ink)
        c.setLineWidth(1.2)
        top = height - 2
        x, y = 4, top - 4.5  # the arrow's middle
        if self.travel == rules.UP:
            c.line(x, y - 4, x, y + 3)
            c.lines([(x - 3, y, x, y + 4), (x, y + 4, x + 3, y)])
        elif self.travel == rules.DOWN:
            c.line(x, y + 4, x, y - 3)
            c.lines([(x - 3, y, x, y - 4), (x, y - 4, x + 3, y)])
        else:
            c.line(x - 3, y, x + 4, y)
            c.lines([(x + 1, y + 3, x + 4, y), (x + 4, y, x + 1, y - 3)])
        c.setFont(BOLD, 7)
        c.drawString(11, top - 7, TRAVEL_WORDS[self.travel])
        words = JUDGED_WORDS.get(self.judged, "")
        if words:
            c.setFont(FONT, 6.5)
            c.drawString(11, top - 15, words)


def _number(value, unit: str = "number") -> str:
    return rules.format_value(value, unit)


def _change_text(change: rules.Change) -> str:
    return change.text


def _benchmark_cell(line: Line, kind: str) -> list:
    found = line.benchmarks.get(kind)
    if found is None:
        return [_p("", CELL_RIGHT)]
    cell = [_p(_number(found.value, line.indicator.unit), CELL_RIGHT)]
    if found.period:
        cell.append(_p(found.period, SMALL_RIGHT))
    return cell


def _table(scorecard: Scorecard) -> Table:
    years = scorecard.target_years
    heading = [
        _p("Ref", HEAD),
        _p("Indicator", HEAD),
        _p("Owner", HEAD),
        *(_p(rules.month_heading(m), HEAD_RIGHT) for m in scorecard.months),
        _p("% change from previous period", HEAD_RIGHT),
        _p("% change from same period last year", HEAD_RIGHT),
        _p("DoT", HEAD),
        _p("12-month average", HEAD_RIGHT),
        _p("12-month maximum", HEAD_RIGHT),
        *(_p(f"Target {year}", HEAD_RIGHT) for year in years),
        *(_p(label, HEAD_RIGHT) for label in BENCHMARK_KINDS.values()),
    ]
    data = [heading]
    for line in scorecard.lines:
        indicator, f = line.indicator, line.figures
        unit = indicator.unit
        data.append(
            [
                _p(indicator.code),
                _p(indicator.name),
                _p(indicator.owner),
                *(_p(_number(v, unit), CELL_RIGHT) for v in f.values),
                _p(_change_text(f.from_previous), CELL_RIGHT),
                _p(_change_text(f.from_last_year), CELL_RIGHT),
                _Travel(f.travel, f.judged),
                _p(f.average.text(unit), CELL_RIGHT),
                _p(f.maximum.text(unit), CELL_RIGHT),
                *(_p(_number(line.targets.get(year), unit), CELL_RIGHT) for year in years),
                *(_benchmark_cell(line, kind) for kind in BENCHMARK_KINDS),
            ]
        )
    if not scorecard.lines:
        data.append([_p("There are no indicators.")] + [""] * (len(heading) - 1))
    table = Table(data, colWidths=_widths(), repeatRows=1, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if not scorecard.lines:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


def _commentary(scorecard: Scorecard) -> list:
    story: list = [_p(f"Commentary, {rules.month_label(scorecard.month)}", H2)]
    written = [line for line in scorecard.lines if line.comment]
    if not written:
        return story + [_p("No commentary has been written for the month.", BODY)]
    for line in written:
        story += [_p(f"{line.indicator.code} {line.indicator.name}", H3), _p(line.comment, BODY)]
    return story


def _charts(charts: list[tuple[str, bytes]]) -> list:
    """The programme's charts on a page of their own, two to a row, each under its title."""
    if not charts:
        return []
    column = FRAME_WIDTH / 2
    max_width, max_height = column - 6 * mm, (PAGE_HEIGHT - 2 * MARGIN - 30 * mm) / 2
    cells = []
    for title, png in charts:
        width, height = ImageReader(io.BytesIO(png)).getSize()
        scale = min(max_width / width, max_height / height)
        cells.append([_p(title, H3), Image(io.BytesIO(png), width=width * scale, height=height * scale, hAlign="LEFT")])
    grid = [cells[k:k + 2] + [""] * (2 - len(cells[k:k + 2])) for k in range(0, len(cells), 2)]
    table = Table(grid, colWidths=[column, column], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm)]))
    return [PageBreak(), _p("Programme charts", H2), table]


def scorecard_pdf(scorecard: Scorecard, council: str, made_on: date,
                  charts: list[tuple[str, bytes]] | None = None) -> bytes:
    """The scorecard as a landscape A4 PDF: the council and the month, the table, the key, each indicator's
    commentary for the month, and the programme's charts (title and PNG) when there are any."""
    label = rules.month_label(scorecard.month)
    story: list = [
        _p(council, COUNCIL),
        _p(f"Monthly scorecard: {label}", TITLE),
        _p(f"Made on {long_date(made_on)}."
           + ("" if scorecard.complete else f" {label} was not over yet: its figures are incomplete."), BODY),
        Spacer(1, 2 * mm),
        _table(scorecard),
        Spacer(1, 3 * mm),
        *(_p(text.replace("↑ ", "").replace("↓ ", "").replace("→ ", ""), BODY) for text in DEFINITIONS),
        *_commentary(scorecard),
        *_charts(charts or []),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 2 * mm,
        title=f"Monthly scorecard: {label}",
        author=council,
        subject=f"{council}: monthly scorecard, {label}",
        creator="tfclaims",
        lang="en-GB",
        pageCompression=1,
    )
    footer = f"{council}: monthly scorecard, {label}"
    doc.build(
        story, canvasmaker=partial(NumberedCanvas, margin=MARGIN, colour=GREY, size=7.5, font=FONT, footer=footer)
    )
    return out.getvalue()
