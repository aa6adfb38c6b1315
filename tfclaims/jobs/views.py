"""Your downloads: the jobs a user started, each with its progress page and, once ready, its file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from tfclaims.audit.services import record_access
from tfclaims.auth.permissions import signed_in
from tfclaims.extensions import db
from tfclaims.jobs import queries
from tfclaims.jobs.services import RUNNERS
from tfclaims.jobs.vocabulary import DONE, FILE_DAYS, FINISHED, STATUSES

bp = Blueprint("jobs", __name__)

REFRESH_SECONDS = 3


@bp.context_processor
def _labels():
    return {"job_statuses": STATUSES, "finished": FINISHED, "DONE": DONE, "file_days": FILE_DAYS}


@bp.get("/")
@signed_in
def list_jobs():
    return render_template("jobs/list.html", jobs=queries.list_for_user(current_user.id))


@bp.get("/<int:job_id>")
@signed_in
def job_page(job_id: int):
    job = queries.get_for_user(job_id, current_user.id) or abort(404)
    return render_template("jobs/job.html", job=job, refresh=None if job.status in FINISHED else REFRESH_SECONDS)


@bp.get("/<int:job_id>/file")
@signed_in
def job_file(job_id: int):
    job = queries.get_for_user(job_id, current_user.id) or abort(404)
    if job.status != DONE or job.content is None:
        abort(404)
    import tfclaims.jobs.kinds  # noqa: F401  (every kind registered)

    runner = RUNNERS.get(job.kind)
    families = runner.families(job.params) if runner else []
    record_access(db.session, "downloaded", job.title, detail={"file": job.file_name, "family_ids": families})
    return Response(job.content, content_type=job.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{job.file_name}"'})
