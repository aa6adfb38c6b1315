"""Every download is a read: the request's commit hook (``tfclaims.web``) writes one ``downloaded`` access event for
each file a signed-in user is given, unless the view already recorded its own, more precise read.

What counts as a download is decided from the response, so a new export is audited without anyone remembering
to: a successful response that the browser is told to save (``Content-Disposition: attachment``), or whose type is
a file rather than a page (CSV, spreadsheet, PDF, ZIP, YAML, any binary). Pages, the charts drawn inside them (SVG),
JSON answers that are not saved as a file, and the GOV.UK assets are not downloads.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, g, request
from flask_login import current_user
from werkzeug.http import parse_options_header

from tfclaims.audit.services import record_access
from tfclaims.extensions import db
from tfclaims.spreadsheet import XLSX

# Types that are files even without an attachment header, and the word for each in ``what``.
FILE_TYPES = {
    "text/csv": "CSV",
    XLSX: "Excel",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "application/x-zip-compressed": "ZIP",
    "application/yaml": "YAML",
    "application/x-yaml": "YAML",
    "text/yaml": "YAML",
    "application/octet-stream": "file",
}
# Types named in ``what`` when they come as an attachment.
OTHER_TYPES = {"application/json": "JSON", "text/plain": "text", "image/svg+xml": "SVG", "text/html": "web page"}

# The app's own files: stylesheets, scripts, fonts and images of the pages.
NOT_DOWNLOADS = frozenset({"static", "core.assets"})

# What each download is, in words. A download not listed is named by its type and file name (``describe``); the
# route test in tests/integration/test_reads_audited.py insists that every download route is listed here.
WHAT = {
    "claims.claim_csv": "claim lines (CSV)",
    "engine.ready_to_claim_csv": "families ready to claim (CSV)",
    "pathway.due_list_csv": "early help: families due or overdue (CSV)",
    "engine.claimed_csv": "families claimed (CSV)",
    "engine.nearly_there_csv": "families nearly there (CSV)",
    "engine.calendar_csv": "claim calendar (CSV)",
    "engine.calendar_quarter_csv": "families due to claim in a quarter (CSV)",
    "returns.progress_csv": "progress return (CSV)",
    "returns.progress_xlsx": "progress return (Excel)",
    "scorecard.scorecard_csv": "scorecard (CSV)",
    "scorecard.scorecard_xlsx": "scorecard (Excel)",
    "outcomes_plan.export_yaml": "outcomes plan (YAML)",
    "outcomes_plan.export_json": "outcomes plan (JSON)",
    "imports.template_csv": "partner data template (CSV)",  # headings and a fictional row: no one's data
    "imports.template_xlsx": "partner data template (Excel)",
    "imports.report_csv": "partner file's match-quality report (CSV)",  # counts and reasons: no one's data
    "imports.identification_csv": "families the partner data identifies (CSV)",
}

# Downloads whose view records its own, more precise read (naming the person or the family, with what the file
# holds) through ``record_access``: the hook sees ``g.access_recorded`` and adds nothing.
RECORDED_BY_VIEW = frozenset({
    "dataprotection.subject_access_person",  # the subject access ZIP (the same route shows the person's page)
    "dataprotection.pseudonymised_csv",
    "jobs.job_file",  # a file made in the background (the claim pack and Excel file, the scorecard PDF): the job's
    # title and the families it names (``jobs.services.Runner.families``)
})

QUERY_LIMIT = 100  # characters kept of each query value in ``detail``


def is_download(response: Response) -> bool:
    """Whether a response gives the user a file (see the module's docstring)."""
    if response.status_code != 200 or request.endpoint in NOT_DOWNLOADS:
        return False
    disposition, _ = parse_options_header(response.headers.get("Content-Disposition", ""))
    return disposition.lower() == "attachment" or response.mimetype in FILE_TYPES


def file_name(response: Response) -> str:
    _, options = parse_options_header(response.headers.get("Content-Disposition", ""))
    return options.get("filename", "")


def describe(endpoint: str | None, response: Response) -> str:
    """The download in words: from ``WHAT``, else its type and file name ("file report.csv (CSV)")."""
    if endpoint in WHAT:
        return WHAT[endpoint]
    kind = FILE_TYPES.get(response.mimetype) or OTHER_TYPES.get(response.mimetype) or "file"
    name = file_name(response)
    return f"{name} ({kind})" if name else f"download ({kind})"


def _ids(view_args: dict[str, Any], key: str) -> int | None:
    value = view_args.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _families_in_csv(view_args: dict[str, Any], response: Response) -> list[int] | None:
    """The families a CSV file lists in its "Family reference" column (the cohort's lists)."""
    try:
        rows = csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")))
        header = next(rows, [])
        column = header.index(FAMILY_REFERENCE)
    except (UnicodeDecodeError, ValueError, csv.Error):
        return None
    references = sorted({row[column] for row in rows if len(row) > column and row[column]})
    from sqlalchemy import select

    from tfclaims.families.models import Family

    found: set[int] = set()
    for start in range(0, len(references), 900):
        found |= set(db.session.scalars(select(Family.id).where(Family.reference.in_(references[start:start + 900]))))
    return sorted(found)


def _claim_families(view_args: dict[str, Any], response: Response) -> list[int] | None:
    """The families with a line in the claim whose file this is (a claim's files name every family in it)."""
    claim_id = _ids(view_args, "claim_id")
    if claim_id is None:
        return None
    from sqlalchemy import select

    from tfclaims.claims.models import ClaimLine

    return sorted(db.session.scalars(
        select(ClaimLine.family_id).where(ClaimLine.claim_id == claim_id, ClaimLine.family_id.is_not(None)).distinct()
    ))


# Downloads that list families: the families named, kept in ``detail["family_ids"]`` so that "who has looked at
# this family" finds them (``audit.queries.reads_of_family``).
FAMILIES_LISTED = {
    "claims.claim_csv": _claim_families,
    "engine.ready_to_claim_csv": _families_in_csv,
    "engine.claimed_csv": _families_in_csv,
    "engine.nearly_there_csv": _families_in_csv,
    "engine.calendar_csv": _families_in_csv,
    "engine.calendar_quarter_csv": _families_in_csv,
    "imports.identification_csv": _families_in_csv,
    "pathway.due_list_csv": _families_in_csv,
}
FAMILY_REFERENCE = "Family reference"  # the cohort files' column naming each family


def forget_recorded_read() -> None:
    g.pop("access_recorded", None)


def record_download(response: Response) -> bool:
    """Write the ``downloaded`` event for this response if it is a signed-in user's download that its view did not
    record itself. Called by the commit hook just before the request's one commit. Returns whether it wrote one."""
    if g.get("access_recorded") or request.method == "HEAD" or not current_user.is_authenticated:
        return False
    if not is_download(response):
        return False
    view_args = dict(request.view_args or {})
    detail: dict[str, Any] = {"file": file_name(response)}
    detail |= {key: value for key, value in view_args.items() if key not in ("family_id", "member_id")}
    if request.args:
        detail["query"] = {key[:QUERY_LIMIT]: [value[:QUERY_LIMIT] for value in values][:10]
                           for key, values in list(request.args.lists())[:20]}
    listed = FAMILIES_LISTED.get(request.endpoint or "")
    family_ids = listed(view_args, response) if listed else None
    if family_ids is not None:
        detail["family_ids"] = family_ids
    record_access(db.session, "downloaded", describe(request.endpoint, response),
                  family_id=_ids(view_args, "family_id"), member_id=_ids(view_args, "member_id"), detail=detail)
    return True
