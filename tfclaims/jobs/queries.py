"""Reads of background jobs: a user's own, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import defer

from tfclaims.extensions import db
from tfclaims.jobs.models import Job


def list_for_user(user_id: int, limit: int = 50) -> list[Job]:
    return list(db.session.scalars(
        select(Job).options(defer(Job.content)).where(Job.user_id == user_id)
        .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    ))


def get_for_user(job_id: int, user_id: int) -> Job | None:
    """The job, if it is the user's: nobody sees or downloads another person's file."""
    job = db.session.get(Job, job_id)
    return job if job is not None and job.user_id == user_id else None
