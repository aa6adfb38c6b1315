"""stored verdicts as sets: the cohort judged as of a date, read by every web worker and refreshed by jobs

- ``verdict_set``: one row per date the cohort is kept judged as of (today's, and dates users asked for), with
  its state (working, ready), a token new each time it is made and a counter of writes (``seq``).
- ``family_verdict``: now one row per set and family (primary key as_of, family_id), with the write's ``seq`` and
  ``stale`` (the family's records changed since it was judged). Its rows are derived data: the table is made
  again, empty, and the next refresh fills it.

Revision ID: 0011_verdict_sets
Revises: 0010_jobs
Create Date: 2026-12-03 07:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0011_verdict_sets'
down_revision = '0010_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('family_verdict')
    op.create_table('verdict_set',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('families', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('as_of', name=op.f('pk_verdict_set'))
    )
    op.create_table('family_verdict',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['as_of'], ['verdict_set.as_of'], name=op.f('fk_family_verdict_as_of_verdict_set'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_family_verdict_family_id_family'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('as_of', 'family_id', name=op.f('pk_family_verdict'))
    )
    with op.batch_alter_table('family_verdict', schema=None) as batch_op:
        batch_op.create_index('ix_family_verdict_set_seq', ['as_of', 'seq'], unique=False)
        batch_op.create_index('ix_family_verdict_family', ['family_id'], unique=False)


def downgrade():
    op.drop_table('family_verdict')
    op.drop_table('verdict_set')
    op.create_table('family_verdict',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_family_verdict_family_id_family'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('family_id', name=op.f('pk_family_verdict'))
    )
