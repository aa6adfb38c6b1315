"""The files of this feature: the subject access export (a ZIP of a readable PDF and one CSV per kind of record)
and the pseudonymised export for the national evaluation (CSV).

- ``sections(held)``: what is held about a person as ``rules.Section`` tables, with headings and values in words:
  only their own records. Other members of the family are neither listed nor named; records about the family as a
  whole (its reference, practitioner, attachments, evidence, claim lines) are included because they are about the
  person too, and their free text is flagged for review before release.
- ``subject_access_pdf``: a cover (whose data, who asked and when, who produced it, what the export holds, the
  third-party and review notes), then a section per table.
- ``subject_access_zip``: the PDF and the CSV files in one folder of a ZIP.
- ``csv_bytes``: plain UTF-8 CSV, a spreadsheet formula in text written with a leading apostrophe.

Nothing here logs; file names carry the member's internal number and the date, never a name.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from functools import partial
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tfclaims.claims.vocabulary import LINE_STATES
from tfclaims.dataprotection import rules
from tfclaims.dataprotection.rules import Section
from tfclaims.db import as_utc
from tfclaims.engine.lists import ROUTES
from tfclaims.families import models as family_models
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES
from tfclaims.pathway.vocabulary import OCCASIONS
from tfclaims.pdf import NumberedCanvas
from tfclaims.progress import vocabulary as progress_words
from tfclaims.spreadsheet import defused_series
from tfclaims.text import long_date, money
from tfclaims.web import format_datetime

CLOSURE_REASONS = family_models.CLOSURE_REASONS
CONSENT_STATUSES = family_models.CONSENT_STATUSES
CONSENT_SCOPES = family_models.CONSENT_SCOPES
CONSENT_GIVEN_BY = family_models.CONSENT_GIVEN_BY
SPECIAL_CATEGORY_BASES = family_models.SPECIAL_CATEGORY_BASES


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _yes_no(value) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _word(mapping: dict, code) -> str:
    return mapping.get(code, code or "") if code is not None else ""


def sections(held) -> list[Section]:
    """Everything held about the person, one ``Section`` per kind of record, oldest first within each."""
    m, family = held.member, held.family
    out: list[Section] = []
    out.append(Section(
        "member", "Your record", ["Field", "Value"],
        [
            ["Forenames", m.forenames],
            ["Surname", m.surname],
            ["Date of birth", _iso(m.date_of_birth)],
            ["Sex", _word(family_models.SEXES, m.sex)],
            ["Relationship to the lead adult", _word(family_models.RELATIONSHIPS, m.relationship_to_lead)],
            ["Lives in the household", _yes_no(m.resident)],
            ["Expectant parent", _yes_no(m.expectant)],
            ["Postcode", m.postcode or ""],
            ["Unique pupil number", m.upn or ""],
            ["NHS number", m.nhs_number or ""],
            ["National Insurance number", m.ni_number or ""],
            ["Police national computer number", m.pnc_number or ""],
            ["Case reference", m.case_reference or ""],
            ["Record created", _iso(m.created_at)],
            ["Record last changed", _iso(m.updated_at)],
        ],
        widths=[0.35, 0.65],
    ))
    out.append(Section(
        "family", "Your family's record", ["Field", "Value"],
        [
            ["Family reference", family.reference],
            ["Lead practitioner", family.lead_practitioner or ""],
            ["Team", family.team or ""],
            ["Notes", family.notes or ""],
            ["Other members of the family", f"{held.other_members} (their details are withheld)"],
        ],
        note=rules.THIRD_PARTY_NOTE, widths=[0.35, 0.65], review=["Notes"],
    ))
    out.append(Section(
        "attachments", "Support from the programme (attachments)",
        ["Attached on", "Outcomes plan", "Closed on", "Closure reason", "Closure note"],
        [[_iso(a.attached_on), a.plan_version.label if a.plan_version else "", _iso(a.closed_on),
          _word(CLOSURE_REASONS, a.closure_reason), a.closure_note or ""] for a in held.attachments],
        widths=[0.14, 0.26, 0.14, 0.18, 0.28], review=["Closure note"],
    ))
    out.append(Section(
        "consent", "Consent decisions",
        ["Recorded on", "Scope", "Decision", "Made by", "Lawful basis", "Special category condition", "Statute",
         "Note"],
        [[_iso(c.recorded_on), _word(CONSENT_SCOPES, c.scope), _word(CONSENT_STATUSES, c.status),
          _word(CONSENT_GIVEN_BY, c.given_by), _word(family_models.LAWFUL_BASES, c.lawful_basis),
          _word(SPECIAL_CATEGORY_BASES, c.special_category_basis), c.statute or "",
          c.note or ""] for c in held.consents],
        widths=[0.1, 0.14, 0.09, 0.12, 0.15, 0.13, 0.13, 0.14], review=["Note"],
    ))
    out.append(Section(
        "problems", "Problems identified with you",
        ["Headline problem", "Descriptor", "Evidence source", "Evidence date", "Identified after attachment"],
        [[p.problem.name if p.problem else "", f"{p.descriptor.code} {p.descriptor.text}" if p.descriptor else "",
          _word(EVIDENCE_SOURCES, p.evidence_source), _iso(p.evidence_date), _yes_no(p.identified_after_attachment)]
         for p in held.problems],
        widths=[0.28, 0.32, 0.16, 0.12, 0.12],
    ))
    out.append(Section(
        "measures", "Measures (school attendance and absence)",
        ["Measure", "Period", "From", "To", "Value (%)", "Source"],
        [[_word(progress_words.MEASURE_KINDS, x.kind), x.period_label or "", _iso(x.period_start),
          _iso(x.period_end), f"{x.value:g}", _word(progress_words.MEASURE_SOURCES, x.source)]
         for x in held.measures],
        widths=[0.2, 0.2, 0.13, 0.13, 0.12, 0.22],
    ))
    out.append(Section(
        "events", "Events (offences, incidents, exclusions)", ["Event", "Date", "Source", "Note"],
        [[_word(progress_words.EVENT_KINDS, x.kind), _iso(x.occurred_on),
          _word(progress_words.EVENT_SOURCES, x.source), x.note or ""] for x in held.events],
        widths=[0.25, 0.13, 0.2, 0.42], review=["Note"],
    ))
    out.append(Section(
        "employment", "Employment", ["Started on", "Ended on", "Hours a week", "Benefit before", "Employer"],
        [[_iso(x.started_on), _iso(x.ended_on), f"{x.hours_per_week:g}",
          _word(progress_words.PRIOR_BENEFITS, x.prior_benefit), x.employer or ""] for x in held.spells],
        widths=[0.14, 0.14, 0.12, 0.3, 0.3],
    ))
    out.append(Section(
        "status_episodes", "Child in need and child protection plans", ["Plan", "Started on", "Ended on",
                                                                        "End reason"],
        [[_word(progress_words.STATUS_KINDS, x.kind), _iso(x.started_on), _iso(x.ended_on),
          _word(progress_words.EPISODE_END_REASONS, x.end_reason)] for x in held.episodes],
        widths=[0.34, 0.18, 0.18, 0.3],
    ))
    out.append(Section(
        "evidence", "Practitioners' evidence of your family's progress",
        ["Headline problem", "Progress from", "Statement", "Recorded by", "Decision", "Decided by", "Decided on",
         "Reason"],
        [[x.problem.name if x.problem else "", _iso(x.progress_from), x.statement or "",
          x.recorded_by.name if x.recorded_by else "", _word(progress_words.EVIDENCE_STATUSES, x.status),
          x.decided_by.name if x.decided_by else "", _iso(x.decided_on), x.decision_reason or ""]
         for x in held.evidence],
        note="Evidence is recorded for the family as a whole.",
        widths=[0.15, 0.09, 0.27, 0.1, 0.1, 0.1, 0.09, 0.1], review=["Statement", "Reason"],
    ))
    out.append(Section(
        "early_help_requests", "Requests for early help for your family",
        ["Received", "From", "Reason", "Decision", "Decided on", "Lead practitioner", "Closed on", "Closure reason",
         "Closure letter sent"],
        [[r.received_at.strftime("%Y-%m-%d %H:%M"), r.source_label, r.reason or "", r.decision_label,
          _iso(r.decided_on),
          ", ".join(f"{a.practitioner.name} ({a.team})" for a in r.allocations), _iso(r.closed_on), r.closure_label,
          _yes_no(r.closure_letter_sent) if r.closed_on else ""] for r in held.requests],
        note="Requests are recorded for the family as a whole.",
        widths=[0.11, 0.12, 0.17, 0.12, 0.09, 0.13, 0.08, 0.1, 0.08], review=["Reason"],
    ))
    out.append(Section(
        "early_help_contacts", "Visits and contacts at which you were seen", ["Date", "Kind", "A child seen alone",
                                                                              "Note"],
        [[_iso(c.occurred_on), c.kind_label, _yes_no(c.child_seen_alone), c.note or ""] for c in held.contacts],
        widths=[0.13, 0.25, 0.12, 0.5], review=["Note"],
    ))
    out.append(Section(
        "early_help_work", "Early help: your assessment, your family's plan, meetings and supervision",
        ["Date", "What", "Detail"],
        [[_iso(day), what, detail or ""] for day, what, detail in held.work],
        note="Plans, meetings and supervision case notes are about the work with your family as a whole.",
        widths=[0.13, 0.32, 0.55], review=["Detail"],
    ))
    out.append(Section(
        "outcome_scores", "Your outcome scores (1 to 10)", ["Date", "When", "Area", "Score"],
        [[_iso(s.scored_on), OCCASIONS.get(s.occasion, s.occasion), s.area.name if s.area else "", str(s.score)]
         for s in held.scores],
        widths=[0.15, 0.25, 0.45, 0.15],
    ))
    out.append(Section(
        "claim_lines", "Claims the council made for your family's results",
        ["Claim", "Claim window", "Family reference", "Route", "Claimable from", "Result payment", "State"],
        [[line.claim.reference if line.claim else "", line.claim.window.label if line.claim else "",
          line.family_reference, f"{line.route} ({ROUTES.get(line.route, line.route)})", _iso(line.claimable_on),
          money(line.result_payment_pence), _word(LINE_STATES, line.state)] for line in held.claim_lines],
        widths=[0.14, 0.13, 0.13, 0.22, 0.12, 0.12, 0.14],
    ))
    out.append(Section(
        "audit_events", "Changes to your records (audit trail)", ["When", "Who", "Action", "Record", "Changes"],
        [[_iso(e.at), e.actor_label, e.action, e.entity,
          "(redacted)" if e.redacted_at else rules.describe_changes(e.changes)] for e in held.audit_events],
        note="Every change to a record about you, with the values before and after.",
        widths=[0.15, 0.13, 0.1, 0.12, 0.5],
    ))
    out.append(Section(
        "access_events", "Who looked at your record", ["When", "Who", "Action", "What"],
        [[_iso(r.at), r.actor_label, r.action, r.what] for r in held.reads],
        note="Every view, search and download of your record or your family's record (reads of another member's "
        "record are not listed).",
        widths=[0.2, 0.3, 0.15, 0.35],
    ))
    return out


# ---------------------------------------------------------------- CSV and ZIP


def csv_bytes(section: Section) -> bytes:
    frame = pd.DataFrame([[("" if v is None else str(v)) for v in row] for row in section.rows],
                         columns=section.columns, dtype=object)
    for column in frame.columns:
        frame[column] = defused_series(frame[column])
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def subject_access_zip(sections_: list[Section], pdf: bytes, folder: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/subject-access.pdf", pdf)
        for section in sections_:
            archive.writestr(f"{folder}/{section.file_name}", csv_bytes(section))
    return out.getvalue()


# ---------------------------------------------------------------- the PDF

PAGE = landscape(A4)
MARGIN = 15 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN
GRID = colors.HexColor("#b1b4b6")
HEAD_FILL = colors.HexColor("#f3f2f1")
GREY = colors.HexColor("#505a5f")
FONT, BOLD = "Helvetica", "Helvetica-Bold"


def _style(name: str, size: float, leading: float, font: str = FONT, **extra) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, **extra)


BODY = _style("body", 10, 13, spaceAfter=4)
NOTE = _style("note", 10, 13, spaceAfter=4, keepWithNext=1)
COUNCIL = _style("council", 12, 15, BOLD, spaceAfter=6)
TITLE = _style("title", 20, 24, BOLD, spaceAfter=10)
H2 = _style("h2", 13, 16, BOLD, spaceBefore=10, spaceAfter=4, keepWithNext=1)
CELL = _style("cell", 8, 10)
HEAD = _style("head", 8, 10, BOLD)
TABLE_STYLE = TableStyle([
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
])


def _breakable(text: str, longest: int = 40) -> str:
    """Plain text with very long words cut (a line never runs out of its cell)."""
    words = []
    for word in text.split(" "):
        while len(word) > longest:
            words.append(word[:longest])
            word = word[longest:]
        words.append(word)
    return " ".join(words)


def _p(text, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text: escaped, so what users typed is shown as typed and never read as markup."""
    body = escape(_breakable(str(text or ""))).replace("\n", "<br/>")
    return Paragraph(body, style)


def _table(section: Section) -> Table:
    weights = section.widths or [1] * len(section.columns)
    total = sum(weights)
    widths = [FRAME_WIDTH * w / total for w in weights]
    flagged = {section.columns.index(c) for c in section.review if c in section.columns}
    head = [_p(c + (" (review)" if i in flagged else ""), HEAD) for i, c in enumerate(section.columns)]
    data = [head] + [[_p(v, CELL) for v in row] for row in section.rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    table.setStyle(TABLE_STYLE)
    return table


def subject_access_pdf(sections_: list[Section], cover: list[tuple[str, str]], council_name: str,
                       generated_at: datetime) -> bytes:
    """The readable export: a cover, then each section with its table (or "None held")."""
    story: list = [
        _p(council_name, COUNCIL),
        _p("Subject access export", TITLE),
        _p(f"Everything {council_name} holds about one person in tfclaims, its Supporting Families system, "
           f"produced on {format_datetime(generated_at)}."),
        Spacer(1, 3 * mm),
    ]
    rows = [[_p(label, HEAD), _p(value, CELL)] for label, value in cover]
    table = Table(rows, colWidths=[FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.7], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.5, GRID),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [table, _p("What this export holds", H2)]
    summary = [[_p("Section", HEAD), _p("File", HEAD), _p("Records", HEAD)]] + [
        [_p(s.title, CELL), _p(s.file_name, CELL), _p(str(len(s.rows)), CELL)] for s in sections_
    ]
    summary_table = Table(summary, colWidths=[FRAME_WIDTH * 0.5, FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.2],
                          hAlign="LEFT")
    summary_table.setStyle(TABLE_STYLE)
    story += [summary_table, _p("Information about other people", H2), _p(rules.THIRD_PARTY_NOTE),
              _p("Review before release", H2), _p(rules.REVIEW_NOTE +
                                                   " Columns to review are marked \"(review)\".")]
    for section in sections_:
        story += [PageBreak() if section.key == "member" else Spacer(1, 2 * mm), _p(section.title, H2)]
        if section.note and section.key != "family":
            story.append(_p(section.note, NOTE))
        story.append(_table(section) if section.rows else _p("None held."))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title="Subject access export", author=council_name, subject="Subject access export", creator="tfclaims",
        lang="en-GB",
    )
    footer = f"{council_name}: subject access export, produced {long_date(as_utc(generated_at).date())}. Confidential."
    doc.build(story, canvasmaker=partial(NumberedCanvas, margin=MARGIN, colour=GREY, size=8, font=FONT,
                                         footer=footer))
    return out.getvalue()


# ---------------------------------------------------------------- the pseudonymised export

# The evaluation file's columns, in order, and what each holds (shown on the export's page).
EVALUATION_COLUMN_NOTES = {
    "family_pseudonym": "The family's keyed pseudonym: the same family has the same one in every export",
    "person_pseudonym": "The person's keyed pseudonym: the same person has the same one in every export",
    "sex": "F, M or X (other or not known)",
    "birth_month": "Month of birth, YYYY-MM",
    "age_band_at_attachment": "Age band on the attachment date",
    "relationship_to_lead": "Relationship to the family's lead adult",
    "resident": "Whether the person lives in the household: yes or no",
    "postcode_district": "The district of the postcode (its first half), never the full postcode",
    "framework": "The programme phase of the latest attachment: TF2015 or SF2022",
    "attachment_month": "Month the latest attachment started, YYYY-MM",
    "closure_month": "Month it closed, YYYY-MM (empty while open)",
    "closure_reason": "Why it closed",
    "family_problems_identified": "Headline problem numbers identified for the family, separated by ;",
    "person_problems_identified": "Headline problem numbers identified for this person",
    "result_route": "The result's route (SSP, CE or SFO) from a claim, or from the engine's stored verdict",
    "result_month": "Month the result was claimable from, YYYY-MM",
    "result_source": "Where the result comes from: a claim, or the engine's verdict as of a month",
    "claim_state": "The claim line's state: included, accepted, rejected or clawed back",
}
EVALUATION_COLUMNS = list(EVALUATION_COLUMN_NOTES)


def evaluation_csv(rows: list[dict]) -> bytes:
    frame = pd.DataFrame.from_records(rows, columns=EVALUATION_COLUMNS)
    for column in frame.columns:
        frame[column] = defused_series(frame[column].astype(object))
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
