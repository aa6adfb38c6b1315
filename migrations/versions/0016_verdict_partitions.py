"""verdict sets judged in partitions: ``verdict_partition``, one row per range of family ids of a set being judged

Each partition is taken and judged by whichever job worker is free (``tfclaims.engine.store``), so the nightly
refresh spreads over every worker running and no worker holds more than one partition's data.

Revision ID: 0016_verdict_partitions
Revises: 0015_judge_whole_family_working
Create Date: 2026-12-03 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_verdict_partitions'
down_revision = '0015_judge_whole_family_working'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verdict_partition',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('first_family_id', sa.Integer(), nullable=False),
    sa.Column('last_family_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('families', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['as_of'], ['verdict_set.as_of'], name=op.f('fk_verdict_partition_as_of_verdict_set'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('as_of', 'number', name=op.f('pk_verdict_partition'))
    )


def downgrade():
    op.drop_table('verdict_partition')
