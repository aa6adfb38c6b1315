"""Claims pages: windows, allocations and settings (managers), building and steering a claim (claims officers), the
audit worksheet (internal auditors), sign-off (managers) and the exports. Thin: role, load, form, service, redirect.

In Earned Autonomy every claim page answers 404 except the settings page, where it is switched off again.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims import clock
from tfclaims.audit.services import record_access
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.claims import exports, queries, rules, services
from tfclaims.claims import jobs as claim_jobs
from tfclaims.claims.forms import (
    AllocationForm,
    BuildForm,
    CheckForm,
    ConfirmForm,
    OutcomeForm,
    QuarterWindowsForm,
    RemoveLineForm,
    SettingsForm,
    SubmitForm,
    WindowForm,
)
from tfclaims.claims.models import (
    AUDIT_CHECKS,
    AUDIT_VERDICTS,
    CLAIM_STATUSES,
    CLAWED_BACK,
    DISPOSITIONS,
    DRAFT,
    IN_AUDIT,
    LINE_STATES,
    RECONCILED,
    REJECTED,
    SUBMITTED,
)
from tfclaims.db import as_utc
from tfclaims.engine import queries as engine_queries
from tfclaims.errors import DomainError, NotAllowedError
from tfclaims.extensions import db
from tfclaims.families.queries import get_family
from tfclaims.families.timeline import describe_events
from tfclaims.forms import show_error
from tfclaims.jobs import services as job_services
from tfclaims.pagination import Page, page_number
from tfclaims.text import long_date

bp = Blueprint("claims", __name__)

READERS = queries.CLAIM_READERS
LINES_PER_PAGE = 100
# Seconds between refreshes of the build page while the verdicts as of the claim's date are being worked out.
WORKING_REFRESH = 5


@bp.before_request
def _claims_switched_off():
    if request.endpoint != "claims.settings" and queries.claims_switched_off():
        abort(404)


@bp.app_context_processor
def _switch():
    """The navigation shows Claims only while claims are switched on."""
    return {"claims_switched_off": queries.claims_switched_off}


@bp.app_template_filter("iso_date")
def _iso_date(value: str | None) -> str:
    """A date frozen in a snapshot as ISO text, written as council users write dates: "8 September 2020"."""
    return long_date(date.fromisoformat(value)) if value else ""


@bp.app_template_filter("moment_day")
def _moment_day(value: datetime | None) -> str:
    """The day a stored moment fell on in England, in words: "3 December 2026"."""
    return long_date(clock.day_of(as_utc(value))) if value else ""


@bp.context_processor
def _labels():
    return {
        "claim_statuses": CLAIM_STATUSES,
        "line_states": LINE_STATES,
        "audit_checks": AUDIT_CHECKS,
        "audit_verdicts": AUDIT_VERDICTS,
        "transitions": rules.TRANSITIONS,
        "dispositions": DISPOSITIONS,
        "phases": queries.phase_labels(),
    }


def _today() -> date:
    return clock.today()


def _refused(message: str) -> dict:
    """An error summary for a page whose only control is a button."""
    return {"titleText": "There is a problem", "errorList": [{"text": message, "href": "#step"}]}


def _claim_or_404(claim_id: int):
    claim = queries.get_claim(claim_id)
    if claim is None:
        abort(404)
    return claim


def _line_or_404(claim, line_id: int):
    line = queries.get_line(claim, line_id)
    if line is None:
        abort(404)
    return line


# ---------------------------------------------------------------- overview, settings, windows, allocations


@bp.get("/")
@roles_required(*READERS)
def overview():
    windows = queries.list_windows()
    claim_ids = [c.id for w in windows for c in w.claims]
    by_window, by_year = queries.totals()
    return render_template(
        "claims/overview.html",
        windows=windows,
        counts=queries.line_counts(claim_ids) if claim_ids else {},
        allocations=[(a, queries.results_claimed(a)) for a in queries.list_allocations()],
        by_window=by_window,
        by_year=by_year,
        settings=queries.settings(),
        today=_today(),
        quarters_form=_quarters_form(),
    )


def _quarters_form(formdata=None) -> QuarterWindowsForm:
    form = QuarterWindowsForm(formdata=formdata)
    this_year = rules.financial_year(_today())
    form.year.choices = [(str(y), rules.financial_year_label(y)) for y in range(this_year - 6, this_year + 2)]
    if formdata is None:
        form.year.data = str(this_year)
    return form


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def settings():
    current = queries.settings()
    form = SettingsForm()
    if request.method == "GET":
        form.earned_autonomy.data = "yes" if current.earned_autonomy else "no"
        form.sample_percent.data = current.sample_percent
    if form.validate_on_submit():
        try:
            services.update_settings(
                current, earned_autonomy=form.earned_autonomy.data == "yes", sample_percent=form.sample_percent.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Claim settings saved", "success")
            if current.earned_autonomy:
                return redirect(url_for("claims.settings"))
            return redirect(url_for("claims.overview"))
    return render_template("claims/settings.html", form=form, settings=current)


@bp.route("/windows/new", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def new_window():
    return _window_form(None)


@bp.route("/windows/<int:window_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit_window(window_id: int):
    window = queries.get_window(window_id) or abort(404)
    return _window_form(window)


def _window_form(window):
    form = WindowForm(obj=window)
    if form.validate_on_submit():
        try:
            saved = services.save_window(
                window, label=form.label.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                submission_deadline=form.submission_deadline.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Claim window {saved.label} saved", "success")
            return redirect(url_for("claims.overview"))
    return render_template("claims/window_form.html", form=form, window=window)


@bp.post("/windows/quarters")
@roles_required(Role.MANAGER)
def add_quarters():
    form = _quarters_form(request.form)
    if form.validate():
        try:
            year = int(form.year.data)
            if not 2000 <= year <= 2099:  # a posted year beyond the calendar is no financial year
                raise ValueError(year)
            added = services.add_quarter_windows(year)
        except ValueError:
            form.year.errors = ["Select a financial year"]
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{len(added)} quarterly claim windows added for {rules.financial_year_label(year)}", "success")
            return redirect(url_for("claims.overview"))
    return render_template("claims/quarters.html", form=form)


@bp.route("/windows/<int:window_id>/delete", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def delete_window(window_id: int):
    window = queries.get_window(window_id) or abort(404)
    form = ConfirmForm()
    refused = None
    if form.validate_on_submit():
        try:
            services.delete_window(window)
        except DomainError as error:
            refused = _refused(error.message)
        else:
            flash(f"Claim window {window.label} deleted", "success")
            return redirect(url_for("claims.overview"))
    return render_template("claims/window_delete.html", form=form, window=window, page_errors=refused)


@bp.route("/allocations/new", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def new_allocation():
    return _allocation_form(None)


@bp.route("/allocations/<int:allocation_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit_allocation(allocation_id: int):
    allocation = queries.get_allocation(allocation_id) or abort(404)
    return _allocation_form(allocation)


def _allocation_form(allocation):
    form = AllocationForm(obj=allocation)
    if form.validate_on_submit():
        try:
            saved = services.save_allocation(
                allocation, label=form.label.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                results=form.results.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Allocation for {saved.label} saved", "success")
            return redirect(url_for("claims.overview"))
    return render_template("claims/allocation_form.html", form=form, allocation=allocation)


# ---------------------------------------------------------------- building a claim


CANDIDATE_COLUMNS = ("family_id", "reference", "route", "claimable_on", "framework", "plan_label", "team")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")  # in English whatever the server's locale


@bp.route("/windows/<int:window_id>/build", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def build(window_id: int):
    window = queries.get_window(window_id) or abort(404)
    form = BuildForm()
    if form.validate_on_submit():
        try:
            claim = services.build_claim(window, form.families.data or [], current_user, _today())
        except DomainError as error:
            show_error(form, error)
        else:
            count = len(claim.lines)
            noun = "family" if count == 1 else "families"
            flash(f"Draft claim {claim.reference} built with {count:,} {noun}", "success")
            return redirect(url_for("claims.claim_page", claim_id=claim.id))
    as_of, ready = services.candidates(window, _today())
    working = ready is None  # the verdicts as of the claim's date are being worked out by a job
    if working:
        ready = pd.DataFrame(columns=["family_id"])
    selected = set(form.families.data or []) if request.method == "POST" else set(ready["family_id"])
    allocation = queries.allocation_for(window.ends_on)
    return render_template(
        "claims/build.html",
        form=form,
        window=window,
        as_of=as_of,
        working=working,
        working_refresh=WORKING_REFRESH,
        # Only what the table shows: thousands of families, each a dict.
        rows=engine_queries.records(ready[[c for c in CANDIDATE_COLUMNS if c in ready.columns]]),
        months=MONTH_NAMES,
        selected=selected,
        allocation=allocation,
        claimed=queries.results_claimed(allocation) if allocation else None,
        open_for_building=window.starts_on <= _today() <= window.submission_deadline,
    )


# ---------------------------------------------------------------- a claim


@bp.get("/<int:claim_id>")
@roles_required(*READERS)
def claim_page(claim_id: int):
    claim = _claim_or_404(claim_id)
    lines = [line for line in claim.lines if line.is_included]
    removed = [line for line in claim.lines if not line.is_included]
    page = Page(min(page_number(request.args.get("page")), Page(1, LINES_PER_PAGE, len(lines)).pages),
                LINES_PER_PAGE, len(lines))
    sampled = [line for line in lines if line.sampled]
    sample_lines = queries.sample_lines(claim)
    return render_template(
        "claims/claim.html",
        claim=claim,
        lines=lines[page.offset : page.offset + LINES_PER_PAGE],
        page=page,
        pagination=page.govuk_params(lambda n: url_for("claims.claim_page", claim_id=claim.id, page=n)),
        removed=removed,
        counts=queries.line_counts([claim.id]).get(claim.id, {"families": 0, "value": 0, "routes": {}}),
        sampled=sampled,
        checked=sum(line.audit_verdict is not None for line in sampled),
        drift=queries.drifted(claim),
        hash_intact=queries.hash_intact(claim),
        sign_off_problem=rules.sign_off_problem(sample_lines),
        sample=rules.sample_report(sample_lines),
        # Separation of duties: what this person may not do on this claim, whatever roles they hold.
        sign_off_duty=rules.sign_off_duty_problem(current_user.id, claim.built_by_id, queries.checked_by(claim)),
        check_duty=services.check_refusal(claim, current_user),
        claim_phases=sorted({line.framework for line in claim.lines}),
        form=None,
    )


@bp.get("/<int:claim_id>/audit")
@roles_required(*READERS)
def worksheet(claim_id: int):
    claim = _claim_or_404(claim_id)
    sampled = [line for line in claim.lines if line.sampled and line.is_included]
    removed = [line for line in claim.lines if line.sampled and not line.is_included]
    return render_template(
        "claims/worksheet.html", claim=claim, sampled=sampled, removed=removed,
        sample=rules.sample_report(queries.sample_lines(claim)),
        check_duty=services.check_refusal(claim, current_user),
    )


STEPS = {
    "send_to_audit": services.send_to_audit,
    "sign_off": services.sign_off,
    "reconcile": services.reconcile,
}


@bp.route("/<int:claim_id>/send-to-audit", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def send_to_audit(claim_id: int):
    return _step(claim_id, "send_to_audit")


@bp.route("/<int:claim_id>/sign-off", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def sign_off(claim_id: int):
    return _step(claim_id, "sign_off")


@bp.route("/<int:claim_id>/reconcile", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def reconcile(claim_id: int):
    return _step(claim_id, "reconcile")


def _step(claim_id: int, action: str):
    """A confirmation page with one button; the service refuses a step the claim or the user cannot take."""
    claim = _claim_or_404(claim_id)
    form = ConfirmForm()
    refused = None
    if form.validate_on_submit():
        try:
            STEPS[action](claim, current_user)
        except DomainError as error:
            refused = _refused(error.message)
        else:
            flash(f"Claim {claim.reference}: {claim.status_label.lower()}", "success")
            return redirect(url_for("claims.claim_page", claim_id=claim.id))
    elif request.method == "GET":
        problem = rules.transition_problem(action, claim.status, current_user.roles)
        if problem is None and action == "sign_off":
            problem = services.sign_off_refusal(claim, current_user)
        refused = _refused(problem) if problem else None
    return render_template(
        "claims/step.html", form=form, claim=claim, action=action, step=rules.TRANSITIONS[action],
        counts=queries.line_counts([claim.id]).get(claim.id, {"families": 0, "value": 0, "routes": {}}),
        settings=queries.settings(), page_errors=refused,
    )


@bp.route("/<int:claim_id>/delete", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def discard(claim_id: int):
    claim = _claim_or_404(claim_id)
    form = ConfirmForm()
    refused = None if claim.status == DRAFT else _refused("Only a draft claim can be deleted.")
    if form.validate_on_submit():
        reference = claim.reference
        try:
            services.discard_draft(claim, current_user)
        except DomainError as error:
            refused = _refused(error.message)
        else:
            flash(f"Draft claim {reference} deleted: its families are back in the pipeline", "success")
            return redirect(url_for("claims.overview"))
    counts = queries.line_counts([claim.id]).get(claim.id, {"families": 0, "value": 0, "routes": {}})
    return render_template("claims/discard.html", form=form, claim=claim, counts=counts, page_errors=refused)


@bp.route("/<int:claim_id>/submit", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def submit(claim_id: int):
    claim = _claim_or_404(claim_id)
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            services.submit(claim, current_user, submitted_on=form.submitted_on.data,
                            department_reference=form.department_reference.data or "", today=_today())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Claim {claim.reference} recorded as submitted", "success")
            return redirect(url_for("claims.claim_page", claim_id=claim.id))
    return render_template("claims/submit.html", form=form, claim=claim)


# ---------------------------------------------------------------- a line


@bp.get("/<int:claim_id>/lines/<int:line_id>")
@roles_required(*READERS)
def line_page(claim_id: int, line_id: int):
    claim = _claim_or_404(claim_id)
    line = _line_or_404(claim, line_id)
    drift = next((d for d in queries.drifted(claim) if d.line.id == line.id), None)
    # The line shows the family's frozen details: a read of personal data, like the family's page.
    record_access(db.session, "viewed", "claim line", family_id=line.family_id)
    # A line whose family's records were erased (retention) has no family to compare with.
    family = get_family(line.family_id) if line.family_id is not None else None
    changes = describe_events(family, drift.events) if drift and family else []
    current = None
    if drift and family:
        verdicts = engine_queries.evaluate_family(line.family_id, claim.as_of)
        found = engine_queries.records(verdicts.families)
        current = found[0] if found else None
    return render_template("claims/line.html", claim=claim, line=line, snapshot=line.snapshot, changes=changes,
                           current=current, check_duty=services.check_refusal(claim, current_user), form=None,
                           erased_on=clock.day_of(as_utc(line.erased_at)) if line.erased_at else None)


@bp.route("/<int:claim_id>/lines/<int:line_id>/remove", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def remove_line(claim_id: int, line_id: int):
    claim = _claim_or_404(claim_id)
    line = _line_or_404(claim, line_id)
    form = RemoveLineForm()
    if form.validate_on_submit():
        try:
            services.remove_line(line, form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{line.family_reference} removed from the claim: the family is back in the pipeline", "success")
            return redirect(url_for("claims.claim_page", claim_id=claim.id))
    return render_template("claims/remove_line.html", form=form, claim=claim, line=line)


@bp.route("/<int:claim_id>/lines/<int:line_id>/refreeze", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def refreeze_line(claim_id: int, line_id: int):
    claim = _claim_or_404(claim_id)
    line = _line_or_404(claim, line_id)
    form = ConfirmForm()
    refused = None
    if form.validate_on_submit():
        try:
            services.refreeze_line(line)
        except DomainError as error:
            refused = _refused(error.message)
        else:
            flash(f"{line.family_reference} frozen again from the family's records as they are now", "success")
            return redirect(url_for("claims.line_page", claim_id=claim.id, line_id=line.id))
    return render_template("claims/refreeze.html", form=form, claim=claim, line=line, page_errors=refused)


@bp.route("/<int:claim_id>/lines/<int:line_id>/check", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def check_line(claim_id: int, line_id: int):
    claim = _claim_or_404(claim_id)
    line = _line_or_404(claim, line_id)
    form = CheckForm()
    # Separation of duties: the person who built the claim cannot check it, whatever roles they hold.
    refused = services.check_refusal(claim, current_user)
    if request.method == "GET" and line.audit_verdict:
        form.eligible.data = "yes" if line.check_eligible else "no"
        form.whole_family.data = "yes" if line.check_whole_family else "no"
        form.evidenced.data = "yes" if line.check_evidenced else "no"
        form.verdict.data, form.note.data = line.audit_verdict, line.audit_note
    if form.validate_on_submit():
        try:
            services.record_check(
                line, current_user, eligible=form.eligible.data == "yes", whole_family=form.whole_family.data == "yes",
                evidenced=form.evidenced.data == "yes", verdict=form.verdict.data, note=form.note.data or "",
            )
        except NotAllowedError as error:
            refused = error.message
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Check of {line.family_reference} saved: {AUDIT_VERDICTS[line.audit_verdict].lower()}", "success")
            return redirect(url_for("claims.worksheet", claim_id=claim.id))
    return render_template("claims/check.html", form=form if not refused else None, claim=claim, line=line,
                           snapshot=line.snapshot, in_audit=claim.status == IN_AUDIT, refused=refused,
                           page_errors=_refused(refused) if refused else None)


@bp.route("/<int:claim_id>/lines/<int:line_id>/outcome", methods=["GET", "POST"])
@roles_required(Role.CLAIMS_OFFICER)
def line_outcome(claim_id: int, line_id: int):
    claim = _claim_or_404(claim_id)
    line = _line_or_404(claim, line_id)
    if claim.status not in (SUBMITTED, RECONCILED):
        abort(404)
    form = OutcomeForm()
    # Before reconciliation the department rejects; afterwards a paid result can only be clawed back.
    form.outcome.choices = [c for c in form.outcome.choices
                            if c.value == (REJECTED if claim.status == SUBMITTED else CLAWED_BACK)]
    if form.validate_on_submit():
        try:
            services.record_outcome(line, outcome=form.outcome.data, reason=form.reason.data,
                                    disposition=form.disposition.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"The department's verdict on {line.family_reference} recorded: {line.state_label.lower()}",
                  "success")
            return redirect(url_for("claims.claim_page", claim_id=claim.id))
    return render_template("claims/outcome.html", form=form, claim=claim, line=line)


# ---------------------------------------------------------------- exports


def _download(content: bytes, claim, extension: str, content_type: str) -> Response:
    name = f"{claim.reference.lower().replace(' ', '-')}.{extension}"
    return Response(content, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _council() -> tuple[str, str]:
    return current_app.config["COUNCIL_CODE"], current_app.config["COUNCIL_NAME"]


@bp.get("/<int:claim_id>/claim.csv")
@roles_required(*READERS)
def claim_csv(claim_id: int):
    claim = _claim_or_404(claim_id)
    return _download(exports.csv_bytes(claim, *_council()), claim, "csv", "text/csv; charset=utf-8")


@bp.post("/<int:claim_id>/make-xlsx")
@roles_required(*READERS)
def make_xlsx(claim_id: int):
    """The submission file as a spreadsheet is made in the background, like the claim pack: start the job and show
    its progress (the file is then under Your downloads)."""
    claim = _claim_or_404(claim_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = job_services.start(claim_jobs.CLAIM_XLSX, f"Submission file for claim {claim.reference} (Excel)",
                             {"claim_id": claim.id}, current_user)
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.post("/<int:claim_id>/claim-pack")
@roles_required(*READERS)
def claim_pack(claim_id: int):
    """The claim pack is made in the background (a 5,000-family pack takes tens of seconds): start the job and
    show its progress."""
    claim = _claim_or_404(claim_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = job_services.start(claim_jobs.CLAIM_PACK, f"Claim pack for claim {claim.reference} (PDF)",
                             {"claim_id": claim.id}, current_user)
    return redirect(url_for("jobs.job_page", job_id=job.id))
