"""Reads for the progress return: the headline problems of every framework (the rows of the return).

The cohort's attachments and problems come from ``engine.queries.load_frames`` and the verdicts from the engine's
stored sets (``engine.store``).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, select

from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import Framework, HeadlineProblem
from tfclaims.returns.rules import HEADLINE_COLUMNS


def headline_problems() -> pd.DataFrame:
    """One row per headline problem: framework (code), framework_name, problem_id, problem_number, problem_name;
    in the order of the frameworks (oldest first) and of the problems' numbers."""
    rows = db.session.execute(
        select(Framework.code, Framework.name, HeadlineProblem.id, HeadlineProblem.number, HeadlineProblem.name)
        .join(HeadlineProblem.framework)
        .order_by(Framework.starts_on, Framework.id, HeadlineProblem.number)
    ).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=HEADLINE_COLUMNS)


def earliest_attachment() -> date | None:
    """The day the first family was attached: the first quarter the return offers."""
    from tfclaims.families.models import Attachment

    return db.session.scalar(select(func.min(Attachment.attached_on)))
