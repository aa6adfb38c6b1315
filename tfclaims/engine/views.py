"""The cohort lists: ready to claim, nearly there and the claim calendar. Thin: role, filter form, list, render.

Every list reads the engine's stored verdicts on the whole cohort as of a date (``store.py``: judged by background
jobs, never in the request), then narrows them by the filters (``lists.py``). A date whose verdicts are not stored
yet is worked out by a job: meanwhile the page says so and refreshes itself. Each has a CSV download of the full
list, keeping the filters. Families a claim holds in the phase
of their attachment (``claims.queries.held_lines``) are left out of ready, nearly there and the calendar, and
listed as claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import pandas as pd
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.claims import queries as claims_queries
from tfclaims.engine import exports, lists, store
from tfclaims.engine import queries as engine_queries
from tfclaims.engine.forms import CohortFilterForm
from tfclaims.engine.rules import Verdicts
from tfclaims.pagination import Page, page_number

bp = Blueprint("engine", __name__)

READERS = (Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)
CLAIM_READERS = claims_queries.CLAIM_READERS
PER_PAGE = 50
# Claimed families shown under the ready list (all of them are on the claimed list).
CLAIMED_SHOWN = 20
# Seconds between refreshes of a list whose verdicts are being worked out.
WORKING_REFRESH = 5


@bp.context_processor
def _labels():
    return {"routes": lists.ROUTES, "nearly_there_months": lists.NEARLY_THERE_MONTHS,
            "claim_links": _claim_links, "working_refresh": WORKING_REFRESH}


def _claim_links() -> bool:
    """Claim references link to the claim for those who may read claims, while claims are switched on."""
    return any(current_user.has_role(role) for role in CLAIM_READERS) and not claims_queries.claims_switched_off()


@dataclass
class Cohort:
    """The filter form as submitted, the engine's verdicts as of its date (None while the date is wrong or the
    verdicts are being worked out), and the families a claim holds (one row per family and phase)."""

    form: CohortFilterForm
    verdicts: Verdicts | None
    claimed: pd.DataFrame | None = None
    # The stored set read: when it was judged and how many families changed since (being judged again).
    stored: store.StoredVerdicts | None = None
    working: bool = False

    @property
    def as_of(self) -> date:
        return self.form.as_of_date

    @property
    def filters(self) -> lists.ListFilter:
        return self.form.filters


def _cohort() -> Cohort:
    form = CohortFilterForm(formdata=request.args or None)
    form.set_choices(engine_queries.filter_choices())
    valid = form.validate()
    stored = store.stored_verdicts(form.as_of_date) if valid else None
    working = valid and stored is None
    form.show_as_of()
    verdicts = stored.verdicts if stored is not None else None
    return Cohort(form, verdicts, claims_queries.held_lines() if verdicts is not None else None, stored, working)


def _left_out(cohort: Cohort, shown: pd.DataFrame | None, every) -> int:
    """How many families the list would show but for a claim holding them in their phase: ``every`` is the list
    worked out without the claimed families left out."""
    if cohort.verdicts is None or shown is None or cohort.claimed is None or cohort.claimed.empty:
        return 0
    return len(every()) - len(shown)


FILTER_ARGS = ("as_of", "team", "practitioner", "problem", "status", "route")


def _args(*drop: str) -> dict:
    """The filters in the query string, as given (the page number and anything unknown left out)."""
    return {k: v for k, v in request.args.to_dict(flat=False).items() if k in FILTER_ARGS and k not in drop}


def _render(template: str, cohort: Cohort, rows: pd.DataFrame | None, csv_endpoint: str, **context) -> str:
    """A list page: the filters, the count, the CSV link and one page of rows."""
    page = pagination = shown = None
    if rows is not None:
        total = len(rows)
        number = min(page_number(request.args.get("page")), Page(1, PER_PAGE, total).pages)
        page = Page(number, PER_PAGE, total)
        shown = engine_queries.records(rows.iloc[page.offset : page.offset + PER_PAGE])
        view_args = request.view_args or {}
        pagination = page.govuk_params(lambda n: url_for(request.endpoint, **view_args, **(_args() | {"page": n})))
    return render_template(
        template,
        form=cohort.form,
        cohort=cohort,
        rows=shown,
        page=page,
        pagination=pagination,
        csv_url=url_for(csv_endpoint, **(request.view_args or {}), **_args()),
        **_filter_context(context.get("route", "")),
        **context,
    )


def _filter_context(route: str = "") -> dict:
    """Where the filter form goes, how to clear it, and the filters to keep when moving between the lists."""
    here = dict(request.view_args or {})
    kept = _args("route")
    return {
        "filter_action": url_for(request.endpoint, **here),
        "clear_url": url_for(request.endpoint, **here, **({"route": route} if route else {})),
        "list_args": kept,
        "filtered": bool(kept),
    }


def _csv(cohort: Cohort, rows: pd.DataFrame, columns: dict[str, str], name: str) -> Response:
    return Response(
        exports.csv_bytes(rows, columns),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{exports.file_name(name, cohort.as_of)}"'},
    )


def _back_to(endpoint: str, **values):
    """A CSV asked for with a wrong date goes to the list, which explains what is wrong."""
    return redirect(url_for(endpoint, **values, **_args()))


# ---------------------------------------------------------------- ready to claim


@bp.get("/ready")
@roles_required(*READERS)
def ready_to_claim():
    cohort = _cohort()
    rows = already = None
    if cohort.verdicts is not None:
        rows = lists.ready_to_claim(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
        already = lists.already_claimed(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed,
                                        claimable_only=True)
    return _render(
        "engine/ready.html", cohort, rows, "engine.ready_to_claim_csv",
        already=engine_queries.records(already.head(CLAIMED_SHOWN)) if already is not None else [],
        already_count=len(already) if already is not None else 0,
    )


@bp.get("/ready.csv")
@roles_required(*READERS)
def ready_to_claim_csv():
    cohort = _cohort()
    if cohort.verdicts is None:
        return _back_to("engine.ready_to_claim")
    rows = lists.ready_to_claim(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
    return _csv(cohort, rows, exports.READY, "ready-to-claim")


# ---------------------------------------------------------------- claimed


@bp.get("/claimed")
@roles_required(*READERS)
def claimed():
    cohort = _cohort()
    rows = (
        lists.already_claimed(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
        if cohort.verdicts is not None
        else None
    )
    return _render("engine/claimed.html", cohort, rows, "engine.claimed_csv", phases=claims_queries.phase_labels())


@bp.get("/claimed.csv")
@roles_required(*READERS)
def claimed_csv():
    cohort = _cohort()
    if cohort.verdicts is None:
        return _back_to("engine.claimed")
    rows = lists.already_claimed(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
    return _csv(cohort, exports.claimed_rows(rows, claims_queries.phase_labels()), exports.CLAIMED, "claimed")


# ---------------------------------------------------------------- nearly there


@bp.get("/nearly-there")
@roles_required(*READERS)
def nearly_there():
    cohort = _cohort()
    rows = (
        lists.nearly_there(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
        if cohort.verdicts is not None
        else None
    )
    every = partial(lists.nearly_there, cohort.verdicts, cohort.as_of, cohort.filters)
    return _render("engine/nearly_there.html", cohort, rows, "engine.nearly_there_csv",
                   claimed_count=_left_out(cohort, rows, every))


@bp.get("/nearly-there.csv")
@roles_required(*READERS)
def nearly_there_csv():
    cohort = _cohort()
    if cohort.verdicts is None:
        return _back_to("engine.nearly_there")
    rows = lists.nearly_there(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
    return _csv(cohort, rows, exports.NEARLY_THERE, "nearly-there")


# ---------------------------------------------------------------- claim calendar


@bp.get("/calendar")
@roles_required(*READERS)
def calendar():
    cohort = _cohort()
    table = (
        lists.calendar(cohort.verdicts, cohort.as_of, cohort.filters, cohort.claimed)
        if cohort.verdicts is not None
        else None
    )
    return render_template(
        "engine/calendar.html",
        form=cohort.form,
        cohort=cohort,
        table=table.to_dict("records") if table is not None else None,
        count=int(table["total"].sum()) if table is not None else 0,
        csv_url=url_for("engine.calendar_csv", **_args()),
        claimed_count=_left_out(
            cohort,
            lists.calendar_families(cohort.verdicts, cohort.as_of, cohort.filters, claimed=cohort.claimed)
            if cohort.verdicts is not None
            else None,
            partial(lists.calendar_families, cohort.verdicts, cohort.as_of, cohort.filters),
        ),
        **_filter_context(),
    )


@bp.get("/calendar.csv")
@roles_required(*READERS)
def calendar_csv():
    cohort = _cohort()
    if cohort.verdicts is None:
        return _back_to("engine.calendar")
    rows = lists.calendar_families(cohort.verdicts, cohort.as_of, cohort.filters, claimed=cohort.claimed)
    return _csv(cohort, rows, exports.CALENDAR, "claim-calendar")


def _quarter_or_404(slug: str) -> str:
    quarter = lists.quarter_from_slug(slug)
    if quarter is None:
        abort(404)
    return quarter


def _route() -> str:
    route = request.args.get("route", "")
    return route if route in lists.ROUTES else ""


@bp.get("/calendar/<quarter>")
@roles_required(*READERS)
def calendar_quarter(quarter: str):
    label = _quarter_or_404(quarter)
    cohort = _cohort()
    route = _route()
    rows = (
        lists.calendar_families(cohort.verdicts, cohort.as_of, cohort.filters, label, route, cohort.claimed)
        if cohort.verdicts is not None
        else None
    )
    return _render(
        "engine/calendar_quarter.html",
        cohort,
        rows,
        "engine.calendar_quarter_csv",
        quarter=label or lists.NO_DATE_LABEL,
        dated=bool(label),
        route=route,
    )


@bp.get("/calendar/<quarter>/families.csv")
@roles_required(*READERS)
def calendar_quarter_csv(quarter: str):
    label = _quarter_or_404(quarter)
    cohort = _cohort()
    if cohort.verdicts is None:
        return _back_to("engine.calendar_quarter", quarter=quarter)
    route = _route()
    rows = lists.calendar_families(cohort.verdicts, cohort.as_of, cohort.filters, label, route, cohort.claimed)
    name = "-".join(part for part in ("claim-calendar", quarter, route.lower()) if part)
    return _csv(cohort, rows, exports.CALENDAR, name)
