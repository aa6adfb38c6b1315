"""The retention schedule, legal holds, dry runs and erasure, and the erasure of one person on request. Managers
only. Thin: role, form, service, redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims import clock
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.forms import show_error
from tfclaims.jobs import queries as job_queries
from tfclaims.retention import queries, rules, services
from tfclaims.retention.forms import (
    ConfirmForm,
    DryRunForm,
    HoldForm,
    MemberErasureForm,
    ReleaseForm,
    ScheduleForm,
)
from tfclaims.retention.jobs import RETENTION_DUE
from tfclaims.retention.vocabulary import (
    AUDIT_WINDOW,
    CLAIM_AUDIT_WINDOW,
    DRY_RUN,
    FAMILY,
    HELD_REASONS,
    LEGAL_HOLD,
    MEMBER_ERASURE_REASONS,
    RECORD_TYPES,
    RUN_KINDS,
    STARTS_FROM,
)

bp = Blueprint("retention", __name__)


@bp.context_processor
def _labels():
    return {
        "run_kinds": RUN_KINDS, "starts_from_labels": STARTS_FROM, "held_reasons": HELD_REASONS,
        "record_types": RECORD_TYPES, "records_in_words": rules.counted, "LEGAL_HOLD": LEGAL_HOLD,
        "AUDIT_WINDOW": AUDIT_WINDOW, "erasure_reasons": MEMBER_ERASURE_REASONS,
    }


@bp.app_context_processor
def _family_retention():
    """For the family page's retention panel (``retention/_family_retention.html``): the hold in force, if any."""
    return {"legal_hold_of": queries.active_hold}


def _refused(message: str) -> dict:
    """An error summary for a page whose only control is a button."""
    return {"titleText": "There is a problem", "errorList": [{"text": message, "href": "#refused"}]}


def _run_or_404(run_id: int):
    return queries.get_run(run_id) or abort(404)


@bp.get("/")
@roles_required(Role.MANAGER)
def index():
    runs = queries.list_runs(10)
    held, _released = queries.list_holds()
    return render_template(
        "retention/index.html", plan=queries.schedule(), family_rule=queries.get_rule(FAMILY),
        window_rule=queries.get_rule(CLAIM_AUDIT_WINDOW), runs=runs, run_by=queries.run_by_names(runs),
        holds_in_force=len(held), dry_run_form=DryRunForm(), today=clock.today(),
        nightly=job_queries.latest_of_kind(RETENTION_DUE),
    )


@bp.route("/schedule", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def schedule():
    plan = queries.schedule()
    form = ScheduleForm()
    if request.method == "GET":
        form.years.data, form.starts_from.data, form.audit_years.data = plan.years, plan.starts_from, plan.audit_years
    if form.validate_on_submit():
        try:
            services.save_schedule(years=form.years.data, starts_from=form.starts_from.data,
                                   audit_years=form.audit_years.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Retention schedule saved: a family's records are kept {form.years.data} years", "success")
            return redirect(url_for("retention.index"))
    return render_template("retention/schedule.html", form=form)


@bp.post("/dry-run")
@roles_required(Role.MANAGER)
def start_dry_run():
    form = DryRunForm()
    if not form.validate_on_submit():
        abort(400)
    run = services.list_due(clock.today(), DRY_RUN, current_user)
    flash(f"Dry run made: {run.families_due:,} {'family' if run.families_due == 1 else 'families'} would be erased, "
          f"{run.families_held:,} held. Nothing has been erased.", "success")
    return redirect(url_for("retention.run_page", run_id=run.id))


@bp.get("/runs")
@roles_required(Role.MANAGER)
def list_runs():
    runs = queries.list_runs(200)
    return render_template("retention/runs.html", runs=runs, run_by=queries.run_by_names(runs))


@bp.get("/runs/<int:run_id>")
@roles_required(Role.MANAGER)
def run_page(run_id: int):
    run = _run_or_404(run_id)
    details = run.details or {}
    confirmed = queries.get_run(details["erasure_run_id"]) if details.get("erasure_run_id") else None
    return render_template(
        "retention/run.html", run=run, details=details, confirmed=confirmed,
        run_by=queries.run_by_names([run]),
        hold_reasons=queries.hold_reasons([int(v["family_id"]) for v in details.get("held", [])
                                           if LEGAL_HOLD in v.get("held", [])]),
        problem=services.confirmation_problem(run, clock.today()) if run.kind == DRY_RUN and not confirmed else None,
    )


@bp.route("/runs/<int:run_id>/erase", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def confirm_erasure(run_id: int):
    run = _run_or_404(run_id)
    form = ConfirmForm()
    confirmed = (run.details or {}).get("erasure_run_id")
    problem = None if confirmed else services.confirmation_problem(run, clock.today())
    if form.validate_on_submit():
        try:
            erasure = services.erase(run, current_user, clock.today())
        except services.AlreadyConfirmed as done:
            flash("This dry run was already confirmed: nothing more was erased.", "info")
            return redirect(url_for("retention.run_page", run_id=done.run.id))
        except DomainError as error:
            problem = error.message
        else:
            n = erasure.families_erased
            flash(f"{n:,} {'family' if n == 1 else 'families'} erased under the retention schedule", "success")
            return redirect(url_for("retention.run_page", run_id=erasure.id))
    elif request.method == "GET" and confirmed:
        return redirect(url_for("retention.run_page", run_id=confirmed))
    return render_template("retention/confirm.html", form=form, run=run, problem=problem,
                           page_errors=_refused(problem) if problem else None)


# ---------------------------------------------------------------- legal holds


@bp.get("/holds")
@roles_required(Role.MANAGER)
def list_holds():
    held, released = queries.list_holds()
    return render_template("retention/holds.html", held=held, released=released)


@bp.route("/families/<int:family_id>/hold", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def place_hold(family_id: int):
    family = queries.get_family(family_id) or abort(404)
    current = queries.active_hold(family.id)
    form = HoldForm()
    if current is None and form.validate_on_submit():
        try:
            services.place_hold(family, form.reason.data, current_user, clock.today())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Family {family.reference} is on legal hold: its records will not be erased until the hold is "
                  "released", "success")
            return redirect(url_for("retention.list_holds"))
    return render_template("retention/hold.html", form=form, family=family, current=current)


@bp.route("/holds/<int:hold_id>/release", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def release_hold(hold_id: int):
    hold = queries.get_hold(hold_id) or abort(404)
    family = queries.get_family(hold.family_id) or abort(404)
    form = ReleaseForm()
    if hold.released_on is None and form.validate_on_submit():
        try:
            services.release_hold(hold, form.reason.data, current_user, clock.today())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Legal hold on family {family.reference} released", "success")
            return redirect(url_for("retention.list_holds"))
    return render_template("retention/release.html", form=form, hold=hold, family=family)


# ---------------------------------------------------------------- one person, on request


@bp.route("/members/<int:member_id>/erase", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def erase_member(member_id: int):
    member = queries.get_member(member_id) or abort(404)
    family = member.family
    refusal = services.member_erasure_refusal(member, clock.today())
    form = MemberErasureForm()
    if refusal is None and form.validate_on_submit():
        try:
            services.erase_member(member, reason=form.reason.data, received_on=form.received_on.data,
                                  note=form.note.data, user=current_user, today=clock.today())
        except DomainError as error:
            show_error(form, error)
        else:
            flash("The person's records were erased, and the personal details in the audit trail about them "
                  "redacted", "success")
            return redirect(url_for("families.family_page", family_id=family.id))
    return render_template(
        "retention/erase_member.html", form=form if refusal is None else None, member=member, family=family,
        refusal=refusal, page_errors=_refused(refusal) if refusal else None,
        counts=rules.counted(queries.member_record_counts(member.id)), mentions=queries.mentions(member),
    )
