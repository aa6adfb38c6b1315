"""Forecast pages: the forecast for a date (every term shown, scenarios, the curve view, the paragraph for the
monthly report, charts with tables beside them), the assumed rate and maturity age, and targets with their history.
Thin: role, form, service, redirect."""

from __future__ import annotations

import base64
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from tfclaims.audit.models import AuditEvent
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.forecasts import charts, queries, rules, services
from tfclaims.forecasts.forms import AsOfForm, MaturityForm, RateForm, TargetForm, rate_value
from tfclaims.forms import show_error

bp = Blueprint("forecasts", __name__)

READERS = (Role.MANAGER, Role.CLAIMS_OFFICER)


@bp.context_processor
def _labels():
    return {"rate_sources": rules.RATE_SOURCES, "percent": rules.percent, "forecast_terms": rules.terms,
            "progress_text": rules.progress_text, "track_states": rules.TRACK_STATES, "short_time": rules.short_time}


def _as_of_form() -> AsOfForm:
    form = AsOfForm(formdata=request.args or None)
    form.validate()
    return form


def _page(form=None, **forms):
    """The forecast page as of the date asked for; ``form`` is the form whose errors the summary shows."""
    date_form = _as_of_form()
    page = services.forecast_page(date_form.as_of_date) if not date_form.as_of.errors else None
    date_form.show_as_of()
    rate_form = forms.get("rate_form") or RateForm()
    if page and page.target and request.method == "GET":
        rate_form.assumed_rate_percent.data = (
            rules.percent(page.assumed_rate).rstrip("%") if page.assumed_rate is not None else ""
        )
    maturity_form = forms.get("maturity_form") or MaturityForm(maturity_months=queries.settings().maturity_months)
    monthly = results = None
    if page:
        monthly = queries.monthly_counts(_months_before(page.as_of, 23), page.as_of)
        if page.target:
            results = queries.monthly_counts(page.target.starts_on, max(page.target.starts_on, page.as_of))
            results["cumulative"] = results["claimed"].cumsum()
    return render_template(
        "forecasts/forecast.html", form=form or date_form, date_form=date_form, page=page, rate_form=rate_form,
        maturity_form=maturity_form, as_of_args=_as_of_args(),
        monthly=monthly.to_dict("records") if monthly is not None else [],
        cumulative=results.to_dict("records") if results is not None else [],
        chart_images=_chart_images(page) if page else {},
        identified=identified_count(page.as_of) if page else None,
    )


def identified_count(as_of) -> int:
    """The households the partner data identifies as candidates to attach (``imports``), as of the page's date."""
    from tfclaims.imports.queries import identified

    return len(identified(as_of)[1])


def _chart_images(page: services.ForecastPage) -> dict[str, str]:
    """The page's charts as data: addresses, drawn from the figures this request has already read: one request for
    the page, not four (each chart's own address would read and work out the forecast again)."""
    images = {"attachments": _attachments_svg(page), "curve": _curve_svg(page)}
    if page.target:
        images["results"] = _results_svg(page.as_of, page.target)
    return {name: "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii") for name, svg in images.items()}


@bp.get("/")
@roles_required(*READERS)
def forecast():
    return _page()


def _as_of_args() -> dict:
    return {k: v for k, v in request.args.to_dict(flat=False).items() if k == "as_of"}


@bp.post("/targets/<int:target_id>/rate")
@roles_required(Role.MANAGER)
def set_rate(target_id: int):
    target = queries.get_target(target_id) or abort(404)
    rate_form = RateForm()
    if rate_form.validate_on_submit():
        value = rate_value(rate_form.assumed_rate_percent.data)
        services.set_assumed_rate(target, value)
        flash("Assumed conversion rate removed: the forecast uses the observed rate" if value is None
              else f"The forecast now assumes a {rules.percent(value)} conversion rate", "success")
        return redirect(url_for("forecasts.forecast", **_as_of_args()))
    return _page(rate_form, rate_form=rate_form)


@bp.post("/settings")
@roles_required(Role.MANAGER)
def settings():
    maturity_form = MaturityForm()
    if maturity_form.validate_on_submit():
        try:
            services.set_maturity(queries.settings(), maturity_form.maturity_months.data)
        except DomainError as error:
            show_error(maturity_form, error)
        else:
            flash(f"Cohorts now count as matured {maturity_form.maturity_months.data} months after their quarter",
                  "success")
            return redirect(url_for("forecasts.forecast", **_as_of_args()))
    return _page(maturity_form, maturity_form=maturity_form)


# ---------------------------------------------------------------- charts


def _svg(content: bytes) -> Response:
    return Response(content, content_type="image/svg+xml; charset=utf-8")


def _attachments_svg(page: services.ForecastPage) -> bytes:
    monthly = queries.monthly_counts(_months_before(page.as_of, 23), page.as_of)
    return charts.attachments_chart(monthly, page.forecast.per_month if page.forecast else None)


def _results_svg(as_of: date, target) -> bytes:
    monthly = queries.monthly_counts(target.starts_on, min(as_of, target.claim_deadline))
    return charts.results_chart(monthly, target.results_target, target.starts_on, target.claim_deadline)


def _curve_svg(page: services.ForecastPage) -> bytes:
    return charts.curve_chart(page.conversion.curve)


# Each chart at its own address too (to open or save on its own), the same image as on the page.


@bp.get("/charts/attachments.svg")
@roles_required(*READERS)
def attachments_chart():
    return _svg(_attachments_svg(services.forecast_page(_as_of_form().as_of_date)))


@bp.get("/charts/results.svg")
@roles_required(*READERS)
def results_chart():
    as_of = _as_of_form().as_of_date
    return _svg(_results_svg(as_of, queries.target_for(as_of) or abort(404)))


@bp.get("/charts/curve.svg")
@roles_required(*READERS)
def curve_chart():
    return _svg(charts.curve_chart(services.observed(_as_of_form().as_of_date).curve))


def _months_before(day: date, months: int) -> date:
    return rules.add_months(day.replace(day=1), -months)


# ---------------------------------------------------------------- targets


@bp.get("/targets")
@roles_required(*READERS)
def targets():
    return render_template("forecasts/targets.html", targets=queries.list_targets())


@bp.get("/targets/<int:target_id>")
@roles_required(*READERS)
def target_page(target_id: int):
    target = queries.get_target(target_id) or abort(404)
    history = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "programme_target", AuditEvent.entity_id == target.id)
        .order_by(AuditEvent.id.desc())
    ).all()
    return render_template("forecasts/target.html", target=target, history=history)


@bp.route("/targets/new", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def new_target():
    return _target_form(None)


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit_target(target_id: int):
    return _target_form(queries.get_target(target_id) or abort(404))


def _target_form(target):
    form = TargetForm(obj=target)
    if request.method == "GET" and target is not None:
        form.assumed_rate_percent.data = (
            rules.percent(target.assumed_rate_percent).rstrip("%") if target.assumed_rate_percent else ""
        )
    if form.validate_on_submit():
        data = {name: form[name].data for name in services.TARGET_FIELDS}
        data["assumed_rate_percent"] = rate_value(form.assumed_rate_percent.data)
        try:
            saved = services.save_target(target, **data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Target for {saved.label} saved", "success")
            return redirect(url_for("forecasts.target_page", target_id=saved.id))
    return render_template("forecasts/target_form.html", form=form, target=target)
