"""the scorecard's early-help indicators computed from the pathway's records

Ten computed indicators are added after the scorecard's last row: requests received, repeat requests (a count and
a percentage of the requests), assessments started, assessments completed including and excluding adults aged 21
and over, plans opened, and the percentages of first visits, assessments and reviews within the practice standards
(``tfclaims/pathway/indicators.py`` defines each). Their codes follow the programme's own, SF05 to SF14; a code a
council has already given one of its indicators is left to it, and the computed indicator takes the next free SF
number. No existing indicator is changed or removed: an entered indicator these replace keeps its values, targets
and commentary until the council removes it. An indicator whose source is already one of these is not added twice.

Downgrading removes the indicators with these sources (their targets, benchmarks and commentary with them).

Revision ID: 0014_early_help_indicators
Revises: 0013_pathway
Create Date: 2026-12-04 10:12:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_early_help_indicators'
down_revision = '0013_pathway'
branch_labels = None
depends_on = None

# code, name, source, up is good, unit
INDICATORS = [
    ("SF05", "Requests for early help received per month", "eh_requests", True, "number"),
    ("SF06", "Repeat requests for early help per month (an earlier request for the family within 12 months)",
     "eh_repeat_requests", False, "number"),
    ("SF07", "Repeat requests as a percentage of requests received", "eh_repeat_percent", False, "percent"),
    ("SF08", "Early help assessments started per month", "eh_assessments_started", True, "number"),
    ("SF09", "Early help assessments completed per month", "eh_assessments_completed", True, "number"),
    ("SF10", "Early help assessments completed per month, excluding adults aged 21 and over",
     "eh_assessments_completed_u21", True, "number"),
    ("SF11", "Family plans opened per month", "eh_plans_opened", True, "number"),
    ("SF12", "First visits within the practice standard", "eh_first_visit_on_time", True, "percent"),
    ("SF13", "Assessments completed within the practice standard", "eh_assessment_on_time", True, "percent"),
    ("SF14", "Team around the family reviews on time", "eh_review_on_time", True, "percent"),
]
SOURCES = [row[2] for row in INDICATORS]

indicator = sa.table(
    "indicator",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("owner", sa.String),
    sa.column("reporter", sa.String),
    sa.column("up_is_good", sa.Boolean),
    sa.column("unit", sa.String),
    sa.column("source", sa.String),
    sa.column("period_months", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _free_code(wanted: str, taken: set[str]) -> str:
    """The code, or when a council already uses it the next SF number no indicator has."""
    if wanted not in taken:
        return wanted
    number = int(wanted[2:])
    while f"SF{number:02d}" in taken:
        number += 1
    return f"SF{number:02d}"


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(indicator.c.code, indicator.c.source, indicator.c.position)).all()
    taken = {code for code, _, _ in rows}
    present = {source for _, source, _ in rows}
    position = max((p or 0 for _, _, p in rows), default=0)
    now = datetime.now(UTC)
    added = []
    for code, name, source, up_is_good, unit in INDICATORS:
        if source in present:
            continue
        code = _free_code(code, taken)
        taken.add(code)
        position += 1
        added.append({
            "code": code, "name": name, "owner": "", "reporter": "", "up_is_good": up_is_good, "unit": unit,
            "source": source, "period_months": 1, "position": position, "created_at": now, "updated_at": now,
        })
    if added:
        op.bulk_insert(indicator, added)


def downgrade():
    chosen = sa.select(indicator.c.id).where(indicator.c.source.in_(SOURCES))
    for child in ("indicator_value", "indicator_target", "indicator_benchmark", "indicator_comment"):
        table = sa.table(child, sa.column("indicator_id", sa.Integer))
        op.execute(table.delete().where(table.c.indicator_id.in_(chosen)))
    op.execute(indicator.delete().where(indicator.c.source.in_(SOURCES)))
