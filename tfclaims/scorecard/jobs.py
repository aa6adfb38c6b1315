"""The scorecard's long work, run as a background job (``tfclaims.jobs``): the PDF, with its charts."""

from __future__ import annotations

from flask import current_app

from tfclaims import clock
from tfclaims.jobs.services import JobRefused, runner
from tfclaims.scorecard import exports, queries, rules

SCORECARD_PDF = "scorecard_pdf"


@runner(SCORECARD_PDF)
def scorecard_pdf(job, progress) -> tuple[str, str, bytes]:
    """The month's scorecard as a PDF: the same file the scorecard page used to give at once. It names no family."""
    month = rules.parse_month(job.params.get("month"))
    if month is None:
        raise JobRefused("The month of the scorecard was not recognised. Choose the month again on the scorecard.")
    today = clock.today()
    progress(0, 3, "Gathering the figures")
    card = queries.scorecard(month, today)
    progress(1, 3, "Drawing the charts")
    charts = queries.programme_charts(card.month)
    progress(2, 3, "Writing the PDF")
    content = exports.scorecard_pdf(card, current_app.config["COUNCIL_NAME"], today, charts)
    return exports.file_name(card.month, "pdf"), "application/pdf", content
