from __future__ import annotations

from sqlalchemy import func, select

from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Family


def register_counts() -> dict[str, int]:
    families = db.session.scalar(select(func.count(Family.id))) or 0
    open_attachments = db.session.scalar(select(func.count(Attachment.id)).where(Attachment.closed_on.is_(None))) or 0
    closed = db.session.scalar(
        select(func.count(func.distinct(Attachment.family_id))).where(Attachment.closed_on.is_not(None))
    ) or 0
    return {"families": families, "attached": open_attachments, "closed": closed}
