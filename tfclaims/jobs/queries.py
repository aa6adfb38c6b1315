"""Reads of background jobs: a user's own, newest first, and every job for the managers' list. The file's bytes
(``Job.content``, deferred) are read only by the download."""

from __future__ import annotations

from sqlalchemy import func, select

from tfclaims.auth.models import User
from tfclaims.extensions import db
from tfclaims.jobs.models import Job


def list_for_user(user_id: int, limit: int = 50) -> list[Job]:
    return list(db.session.scalars(
        select(Job).where(Job.user_id == user_id).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    ))


def get_for_user(job_id: int, user_id: int) -> Job | None:
    """The job, if it is the user's: nobody sees or downloads another person's file."""
    job = db.session.get(Job, job_id)
    return job if job is not None and job.user_id == user_id else None


def count_all() -> int:
    return db.session.scalar(select(func.count(Job.id))) or 0


def list_all(offset: int, limit: int) -> list[tuple[Job, str | None]]:
    """Every job, newest first, with the name of whoever started it (None: the schedule, or a deleted user)."""
    rows = db.session.execute(
        select(Job, User.name).outerjoin(User, User.id == Job.user_id)
        .order_by(Job.created_at.desc(), Job.id.desc()).offset(offset).limit(limit)
    )
    return [(job, name) for job, name in rows]


def latest_of_kind(kind: str) -> Job | None:
    """The newest job of ``kind`` (the nightly work's last run)."""
    return db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.created_at.desc(), Job.id.desc())
                              .limit(1)).first()
