"""Your downloads: the jobs a user started, each with its progress page (and its status as JSON, which the page's
script reads to update itself) and, once ready, its file; and every job, for managers and administrators, so that
the nightly work's state is visible."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from tfclaims.audit.services import record_access
from tfclaims.auth.permissions import roles_required, signed_in
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.jobs import queries
from tfclaims.jobs.services import RUNNERS
from tfclaims.jobs.vocabulary import DONE, FAILED, FILE_DAYS, FINISHED, KIND_LABELS, STATUSES
from tfclaims.pagination import Page, page_number

bp = Blueprint("jobs", __name__)

REFRESH_SECONDS = 3


@bp.context_processor
def _labels():
    return {"job_statuses": STATUSES, "finished": FINISHED, "DONE": DONE, "FAILED": FAILED, "file_days": FILE_DAYS,
            "kind_labels": KIND_LABELS}


@bp.get("/")
@signed_in
def list_jobs():
    return render_template("jobs/list.html", jobs=queries.list_for_user(current_user.id))


def _own_job_or_404(job_id: int):
    return queries.get_for_user(job_id, current_user.id) or abort(404)


@bp.get("/<int:job_id>")
@signed_in
def job_page(job_id: int):
    job = _own_job_or_404(job_id)
    return render_template("jobs/job.html", job=job, refresh=None if job.status in FINISHED else REFRESH_SECONDS)


@bp.get("/<int:job_id>/status")
@signed_in
def job_status(job_id: int):
    """The job's state for the progress page's script (``static/jobs.js``): the same rules as the page (the user's
    own job only), and the page's changing part rendered by the same template."""
    job = _own_job_or_404(job_id)
    finished = job.status in FINISHED
    response = jsonify({
        "status": job.status,
        "status_text": STATUSES[job.status],
        "steps_done": job.steps_done,
        "steps_total": job.steps_total,
        "step": job.step,
        "finished": finished,
        "file_url": url_for("jobs.job_file", job_id=job.id) if job.status == DONE and job.has_file else None,
        "html": render_template("jobs/_state.html", job=job, refresh=None if finished else REFRESH_SECONDS,
                                scripted=True),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/file")
@signed_in
def job_file(job_id: int):
    job = _own_job_or_404(job_id)
    if job.status != DONE or not job.has_file:
        abort(404)
    import tfclaims.jobs.kinds  # noqa: F401  (every kind registered)

    runner = RUNNERS.get(job.kind)
    families = runner.families(job.params) if runner else []
    record_access(db.session, "downloaded", job.title, detail={"file": job.file_name, "family_ids": families})
    return Response(job.content, content_type=job.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{job.file_name}"'})


@bp.get("/all")
@roles_required(Role.MANAGER, Role.ADMINISTRATOR)
def all_jobs():
    """Every job, whoever started it (or the schedule): its state, attempts and error. No files from here."""
    number = page_number(request.args.get("page"))
    per_page = current_app.config["PAGE_SIZE"]
    total = queries.count_all()
    page = Page(number, per_page, total)
    rows = queries.list_all(page.offset, per_page)
    pagination = page.govuk_params(lambda n: url_for("jobs.all_jobs", page=n))
    return render_template("jobs/all.html", rows=rows, page=page, pagination=pagination)
