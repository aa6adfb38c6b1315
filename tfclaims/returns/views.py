"""The quarterly progress return: a page and its CSV and spreadsheet downloads. Thin: roles, quarter, return.

The return counts the cohort's attachments and identified problems (read without judging: ``load_frames(outline=
True)``) and the engine's stored verdicts as of the quarter's last day (``engine.store``: worked out by a job the
first time a quarter is asked for, while the page says so and refreshes itself); it never depends on claims, so
Earned Autonomy councils make it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from tfclaims import clock
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.engine import queries as engine_queries
from tfclaims.engine import store
from tfclaims.engine.queries import records
from tfclaims.returns import exports, queries, rules
from tfclaims.returns.forms import QuarterForm

bp = Blueprint("returns", __name__)

READERS = (Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)
# Seconds between refreshes of the page while the quarter's verdicts are being worked out.
WORKING_REFRESH = 5


@dataclass
class Chosen:
    """The quarter form as submitted, and the return for its quarter (None while the quarter is wrong)."""

    form: QuarterForm
    progress: rules.ProgressReturn | None
    working: bool = False  # the verdicts as of the quarter's last day are being worked out


def _progress() -> Chosen:
    today = clock.today()
    offered = rules.quarters(queries.earliest_attachment(), today)
    form = QuarterForm(formdata=request.args or None, offered=offered, today=today)
    progress, working = None, False
    if form.validate():
        quarter = form.chosen
        judged = rules.judged_on(quarter, today)
        stored = store.stored_verdicts(judged)
        if stored is None:
            working = True
        else:
            frames = engine_queries.load_frames(outline=True)
            progress = rules.progress_return(frames, stored.verdicts, queries.headline_problems(), quarter, judged)
    form.show_chosen()
    return Chosen(form, progress, working)


def _download(content: bytes, content_type: str, name: str) -> Response:
    return Response(
        content, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _back_to_page():
    """A download asked for with a wrong quarter goes to the page, which explains what is wrong."""
    return redirect(url_for("returns.progress", **request.args.to_dict(flat=True)))


@bp.get("/progress")
@roles_required(*READERS)
def progress():
    chosen = _progress()
    context = {}
    if chosen.progress is not None:
        p = chosen.progress
        slug = p.quarter.slug
        frameworks = [(name, records(rows)) for name, rows in p.problems.groupby("framework_name", sort=False)]
        context = {
            "frameworks": frameworks,
            "routes": records(p.routes),
            "totals": p.totals(),
            "csv_url": url_for("returns.progress_csv", quarter=slug),
            "xlsx_url": url_for("returns.progress_xlsx", quarter=slug),
        }
    return render_template(
        "returns/progress.html",
        form=chosen.form,
        progress=chosen.progress,
        working=chosen.working,
        working_refresh=WORKING_REFRESH,
        definitions=rules.DEFINITIONS,
        route_names=rules.ROUTES,
        **context,
    )


@bp.get("/progress.csv")
@roles_required(*READERS)
def progress_csv():
    chosen = _progress()
    if chosen.progress is None:
        return _back_to_page()
    name = exports.file_name(chosen.progress.quarter.slug, "csv")
    return _download(exports.csv_bytes(chosen.progress), "text/csv; charset=utf-8", name)


@bp.get("/progress.xlsx")
@roles_required(*READERS)
def progress_xlsx():
    chosen = _progress()
    if chosen.progress is None:
        return _back_to_page()
    content = exports.xlsx_bytes(chosen.progress, current_app.config["COUNCIL_NAME"], clock.today())
    name = exports.file_name(chosen.progress.quarter.slug, "xlsx")
    return _download(content, exports.MEDIA_XLSX, name)
