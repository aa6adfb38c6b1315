"""The claim pack as drawn before issue 17 (nested reportlab Tables in a KeepTogether per family), frozen.

Kept only so ``make bench`` can measure the new claim pack (``tfclaims.claims.exports.pack_pdf``) against it in the
same run, on the same claim and the same machine. Nothing in the app uses it. It copies the old layout code (and
the page-numbering canvas as it then was) rather than importing it, so it does not change when the app's exports
change; it imports only shared pieces (the claim's queries and rules, route words, date and money wording).
Do not "improve" it: its worth is that it stays as it was.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache, partial
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tfclaims.claims import queries, rules
from tfclaims.claims.models import AUDIT_CHECKS, RECONCILED, SUBMITTED, ClaimLine
from tfclaims.engine.lists import ROUTES
from tfclaims.text import long_date, money
from tfclaims.web import format_datetime

VERDICT_SHOWN = (SUBMITTED, RECONCILED)


class NumberedCanvas(Canvas):
    """A copy of ``tfclaims.pdf.NumberedCanvas`` as it was: holds each page until the end, so every footer can
    say "Page n of m"."""

    def __init__(self, *args, footer: str = "", margin: float = 36, colour=None, size: float = 8,
                 font: str = "Helvetica", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer, self._margin, self._colour, self._size, self._font = footer, margin, colour, size, font
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        width = self._pagesize[0]
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFont(self._font, self._size)
            if self._colour is not None:
                self.setFillColor(self._colour)
            self.drawString(self._margin, self._margin / 2, self._footer)
            self.drawRightString(width - self._margin, self._margin / 2, f"Page {number} of {total}")
            super().showPage()
        super().save()


def _included(claim) -> list[ClaimLine]:
    return sorted((line for line in claim.lines if line.is_included), key=lambda line: line.family_reference)


def _problems(line: ClaimLine) -> list[dict]:
    return sorted((line.snapshot or {}).get("problems") or [], key=lambda p: p.get("problem_number") or 0)


def _outcome_on(problem: dict) -> str | None:
    return problem.get("sustained_on") or problem.get("status_on") or None


def _adult_name(line: ClaimLine) -> str:
    adult = (line.snapshot or {}).get("adult") or {}
    return (adult.get("name") or "") if line.route == "CE" else ""


# The claim pack ---------------------------------------------------------------------------------------------------
#
# Thousands of families make thousands of pages, and reportlab measures a Paragraph several times over (to keep a
# section together, to lay out a table, to draw it). So the family sections use no Paragraphs: headings are a
# one-line flowable, and table cells are plain strings wrapped once to their column (``_wrap``, cached, since
# problem names, descriptors and engine sentences repeat from family to family). Plain strings are drawn as they
# are, never read as markup; the cover's Paragraphs are escaped.

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


def _measure(word: str, font: str, size: float) -> float:
    key = (word, font, size)
    width = _width_of.get(key)
    if width is None:
        if len(_width_of) > 200_000:
            _width_of.clear()
        width = _width_of[key] = stringWidth(word, font, size)
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


def _family(line: ClaimLine, verdict_shown: bool, phases: dict[str, str]) -> KeepTogether:
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
    rows = [
        [_cell(label, DETAILS_WIDTHS[0], BOLD, 9), _cell(value, DETAILS_WIDTHS[1], FONT, 9)] for label, value in details
    ]
    table = Table(rows, colWidths=DETAILS_WIDTHS, hAlign="LEFT", splitInRow=1)
    table.setStyle(DETAILS_STYLE)
    parts: list = [_Heading(line.family_reference, 12, space_before=8, space_after=3), table]

    eligibility = sorted(snapshot.get("eligibility") or [], key=lambda e: e.get("problem_number") or 0)
    parts.append(_Heading("Eligibility at attachment", 9.5, space_before=4))
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
        parts.append(_grid(["Problem", "Descriptor", "Evidence source", "Evidence date"], rows, ELIGIBILITY_WIDTHS))
    else:
        parts.append(_grid(["No eligibility recorded"], [], [FRAME_WIDTH]))

    problems = _problems(line)
    parts.append(_Heading("Outcomes", 9.5, space_before=4))
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
        parts.append(_grid(heading, rows, OUTCOME_WIDTHS))
    else:
        parts.append(_grid(["No outcomes recorded"], [], [FRAME_WIDTH]))
    parts.append(Spacer(1, 3 * mm))
    return KeepTogether(parts)


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


def pack_pdf(claim, council_code: str, council_name: str, generated_at: datetime) -> bytes:
    """The claim pack (A4 PDF) as drawn before issue 17: the cover, one section per family, the audit sample."""
    lines = _included(claim)
    verdict_shown = claim.status in VERDICT_SHOWN
    story = _cover(claim, council_name, lines, generated_at)
    story += [PageBreak(), _Heading("Families", 15, space_after=4)]
    if not lines:
        story.append(_p("The claim has no families."))
    phases = queries.phase_labels()
    for line in lines:
        story.append(_family(line, verdict_shown, phases))
    story += [PageBreak(), *_audit_sample(claim, lines)]

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
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
    doc.build(story, canvasmaker=partial(NumberedCanvas, margin=MARGIN, colour=GREY, size=8, font=FONT, footer=footer))
    return out.getvalue()
