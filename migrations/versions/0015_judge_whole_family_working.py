"""whole-family working judged: every stored verdict is stale, so the refresh judges each family again with it

Under Supporting Families 2022-25 a family without whole-family working recorded is no longer claimable, and every
verdict now names its elements; the sets stored before this version are judged again by the sweep job.

Revision ID: 0015_judge_whole_family_working
Revises: 0014_early_help_indicators
Create Date: 2026-12-03 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_judge_whole_family_working'
down_revision = '0014_early_help_indicators'
branch_labels = None
depends_on = None


def upgrade():
    verdicts = sa.table("family_verdict", sa.column("stale", sa.Boolean))
    op.execute(verdicts.update().values(stale=True))


def downgrade():
    # The verdicts judged with whole-family working stay stored; the older code reads them (its columns are there).
    pass
