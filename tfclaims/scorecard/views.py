"""The monthly scorecard: the page for a month and its CSV, XLSX and PDF downloads (coordinators, claims officers,
auditors, managers); indicators with their values, targets, benchmarks and commentary, and the CSV import
(managers). Thin: roles, load, form, service, redirect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims import clock
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.forms import show_error
from tfclaims.jobs import services as job_services
from tfclaims.scorecard import exports, queries, rules, services
from tfclaims.scorecard import jobs as scorecard_jobs
from tfclaims.scorecard.forms import (
    BenchmarkForm,
    CommentForm,
    ImportForm,
    IndicatorForm,
    MonthForm,
    TargetForm,
    ValueForm,
)
from tfclaims.scorecard.models import BENCHMARK_KINDS, COMPUTED_SOURCES, UNITS

bp = Blueprint("scorecard", __name__)

READERS = (Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)


@bp.context_processor
def _labels():
    return {
        "benchmark_kinds": BENCHMARK_KINDS,
        "computed_sources": COMPUTED_SOURCES,
        "units": UNITS,
        "periods": rules.PERIODS,
        "arrows": exports.ARROWS,
        "travel_words": exports.TRAVEL_WORDS,
        "judged_words": exports.JUDGED_WORDS,
        "month_label": rules.month_label,
        "month_heading": rules.month_heading,
        "month_slug": rules.month_slug,
        "show_value": rules.format_value,
    }


def _today() -> date:
    return clock.today()


def _indicator_or_404(indicator_id: int):
    return queries.get_indicator(indicator_id) or abort(404)


# ---------------------------------------------------------------- the scorecard and its downloads


@dataclass
class Chosen:
    """The month form as submitted, and the scorecard for its month (None while the month is wrong)."""

    form: MonthForm
    scorecard: queries.Scorecard | None


def _scorecard() -> Chosen:
    today = _today()
    latest = rules.month_start(today)
    first = queries.earliest_month(today)
    offered = list(reversed(rules.months_between(first, latest)))
    form = MonthForm(formdata=request.args or None, offered=offered, today=today)
    scorecard = queries.scorecard(form.chosen, today) if form.validate() else None
    form.show_chosen()
    return Chosen(form, scorecard)


def _download(content: bytes, content_type: str, name: str) -> Response:
    return Response(
        content, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _back_to_page():
    """A download asked for with a wrong month goes to the page, which explains what is wrong."""
    return redirect(url_for("scorecard.scorecard", **request.args.to_dict(flat=True)))


@bp.get("/")
@roles_required(*READERS)
def scorecard():
    chosen = _scorecard()
    downloads = {}
    if chosen.scorecard is not None:
        slug = rules.month_slug(chosen.scorecard.month)
        downloads = {
            "csv": url_for("scorecard.scorecard_csv", month=slug),
            "xlsx": url_for("scorecard.scorecard_xlsx", month=slug),
            "month": slug,
        }
    return render_template(
        "scorecard/scorecard.html",
        form=chosen.form,
        card=chosen.scorecard,
        downloads=downloads,
        definitions=exports.DEFINITIONS,
    )


@bp.get("/scorecard.csv")
@roles_required(*READERS)
def scorecard_csv():
    chosen = _scorecard()
    if chosen.scorecard is None:
        return _back_to_page()
    name = exports.file_name(chosen.scorecard.month, "csv")
    return _download(exports.csv_bytes(chosen.scorecard), "text/csv; charset=utf-8", name)


@bp.get("/scorecard.xlsx")
@roles_required(*READERS)
def scorecard_xlsx():
    chosen = _scorecard()
    if chosen.scorecard is None:
        return _back_to_page()
    content = exports.xlsx_bytes(chosen.scorecard, current_app.config["COUNCIL_NAME"], _today())
    return _download(content, exports.MEDIA_XLSX, exports.file_name(chosen.scorecard.month, "xlsx"))


@bp.post("/make-pdf")
@roles_required(*READERS)
def make_pdf():
    """The PDF (with its charts) is made in the background: start the job and show its progress; the file is then
    under Your downloads. A month that is wrong goes back to the page, which explains."""
    today = _today()
    offered = list(reversed(rules.months_between(queries.earliest_month(today), rules.month_start(today))))
    form = MonthForm(formdata=request.form, offered=offered, today=today)
    if not form.validate():
        return redirect(url_for("scorecard.scorecard", month=(request.form.get("month") or "")[:100]))
    slug = rules.month_slug(form.chosen)
    job = job_services.start(scorecard_jobs.SCORECARD_PDF, f"Scorecard for {rules.month_label(form.chosen)} (PDF)",
                             {"month": slug}, current_user)
    return redirect(url_for("jobs.job_page", job_id=job.id))


# ---------------------------------------------------------------- indicators


@bp.get("/indicators/<int:indicator_id>")
@roles_required(*READERS)
def indicator_page(indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    today = _today()
    return render_template(
        "scorecard/indicator.html",
        indicator=indicator,
        history=queries.history(indicator, rules.month_start(today)),
        this_month=rules.month_start(today),
    )


@bp.route("/indicators/new", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def new_indicator():
    return _indicator_form(None)


@bp.route("/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit_indicator(indicator_id: int):
    return _indicator_form(_indicator_or_404(indicator_id))


def _indicator_form(indicator):
    form = IndicatorForm(obj=indicator)
    computed = indicator is not None and indicator.is_computed
    if computed:
        del form.period_months  # fixed by what the indicator counts
    if request.method == "GET":
        form.up_is_good.data = "no" if indicator is not None and not indicator.up_is_good else "yes"
        form.unit.data = indicator.unit if indicator is not None else "number"
        if not computed:
            form.period_months.data = indicator.period_months if indicator is not None else 1
    if form.validate_on_submit():
        try:
            saved = services.save_indicator(
                indicator,
                code=form.code.data,
                name=form.name.data,
                owner=form.owner.data,
                reporter=form.reporter.data,
                up_is_good=form.up_is_good.data == "yes",
                unit=form.unit.data,
                period_months=indicator.period_months if computed else form.period_months.data,
                position=form.position.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Indicator {saved.code} saved", "success")
            return redirect(url_for("scorecard.indicator_page", indicator_id=saved.id))
    return render_template("scorecard/indicator_form.html", form=form, indicator=indicator)


@bp.route("/indicators/<int:indicator_id>/values", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def value_form(indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    form = ValueForm()
    if request.method == "GET":
        month = rules.parse_month(request.args.get("month")) or rules.last_complete_month(_today())
        form.month.data = month
        found = queries.get_value(indicator, month)
        form.value.data = found.value if found else None
    if not indicator.is_computed and form.validate_on_submit():
        try:
            services.set_value(indicator, form.month.data, form.value.data, _today())
        except DomainError as error:
            show_error(form, error)
        else:
            month = rules.month_label(form.month.data)
            removed = form.value.data is None
            flash(f"{indicator.code} value for {month} {'removed' if removed else 'saved'}", "success")
            return redirect(url_for("scorecard.indicator_page", indicator_id=indicator.id))
    return render_template("scorecard/value_form.html", form=form, indicator=indicator)


@bp.route("/indicators/<int:indicator_id>/targets", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def target_form(indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    form = TargetForm()
    if request.method == "GET":
        year = rules.parse_year_label(request.args.get("year")) or rules.year_label(rules.financial_year(_today()))
        form.year.data = year
        found = next((t for t in indicator.targets if t.year_label == year), None)
        form.value.data = found.value if found else None
    if form.validate_on_submit():
        try:
            saved = services.set_target(indicator, form.year.data, form.value.data)
        except DomainError as error:
            show_error(form, error)
        else:
            year = rules.parse_year_label(form.year.data)
            flash(f"{indicator.code} target for {year} {'saved' if saved else 'removed'}", "success")
            return redirect(url_for("scorecard.indicator_page", indicator_id=indicator.id))
    return render_template("scorecard/target_form.html", form=form, indicator=indicator)


@bp.route("/indicators/<int:indicator_id>/benchmarks", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def benchmark_form(indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    form = BenchmarkForm()
    if request.method == "GET":
        kind = request.args.get("kind")
        found = next((b for b in indicator.benchmarks if b.kind == kind), None)
        if found is not None:
            form.kind.data, form.value.data, form.period.data = found.kind, found.value, found.period
    if form.validate_on_submit():
        try:
            saved = services.set_benchmark(indicator, form.kind.data, form.value.data, form.period.data)
        except DomainError as error:
            show_error(form, error)
        else:
            label = BENCHMARK_KINDS[form.kind.data]
            flash(f"{indicator.code} {label} benchmark {'saved' if saved else 'removed'}", "success")
            return redirect(url_for("scorecard.indicator_page", indicator_id=indicator.id))
    return render_template("scorecard/benchmark_form.html", form=form, indicator=indicator)


@bp.route("/indicators/<int:indicator_id>/commentary", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def comment_form(indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    form = CommentForm()
    back = request.args.get("back") == "scorecard"
    if request.method == "GET":
        month = rules.parse_month(request.args.get("month")) or rules.last_complete_month(_today())
        form.month.data = month
        found = queries.get_comment(indicator, month)
        form.text.data = found.text if found else ""
    if form.validate_on_submit():
        try:
            saved = services.set_comment(indicator, form.month.data, form.text.data, _today())
        except DomainError as error:
            show_error(form, error)
        else:
            month = form.month.data
            flash(f"{indicator.code} commentary for {rules.month_label(month)} {'saved' if saved else 'removed'}",
                  "success")
            if back:
                return redirect(url_for("scorecard.scorecard", month=rules.month_slug(month),
                                        _anchor=f"commentary-{indicator.code}"))
            return redirect(url_for("scorecard.indicator_page", indicator_id=indicator.id))
    return render_template("scorecard/comment_form.html", form=form, indicator=indicator, back=back)


# ---------------------------------------------------------------- importing values


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def import_values():
    form = ImportForm()
    problems: list[rules.RowProblem] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            done = services.import_values(upload.filename or "", upload.read(services.MAX_BYTES + 1), _today())
        except services.ImportRefused as refused:
            problems = refused.problems
            form.file.errors = [refused.message]
        else:
            flash(done.summary, "success")
            return redirect(url_for("scorecard.scorecard", month=rules.month_slug(done.latest)))
    entered = [i for i in queries.list_indicators() if not i.is_computed]
    return render_template("scorecard/import.html", form=form, problems=problems, entered=entered,
                           example_month=rules.last_complete_month(_today()))
