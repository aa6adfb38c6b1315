"""verdict corrections: claimed once per programme phase, the audit sample's top-ups, the recurrence setting,
who a descriptor applies to, expectant parents

- ``claim_line``: the unique index that keeps a family in one live claim now covers (family, framework): a family
  is claimed at most once per programme phase. ``sample_round`` says which draw put a line in the audit sample.
- ``framework.recurrence_reopens``: a problem recurring after it was sustained invalidates the result until it is
  sustained again (on by default).
- ``descriptor.applies_to``: anyone, an adult, a child, a school-age child, or a family with dependent children.
- ``member.expectant``: an expectant parent.

Revision ID: 0007_verdict_corrections
Revises: 0006_forecasts
Create Date: 2026-12-02 21:06:22.667911

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_verdict_corrections'
down_revision = '0006_forecasts'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (not batch mode): SQLite adds columns and indexes in place, whereas a batch would copy
    # tables that other tables' foreign keys point at.
    op.add_column('claim_line', sa.Column('sample_round', sa.Integer(), nullable=True))
    op.drop_index('uq_claim_line_family_held', table_name='claim_line', sqlite_where=sa.text('holds_family'),
                  postgresql_where=sa.text('holds_family'))
    op.create_index('uq_claim_line_family_phase_held', 'claim_line', ['family_id', 'framework'], unique=True,
                    sqlite_where=sa.text('holds_family'), postgresql_where=sa.text('holds_family'))
    op.add_column('descriptor', sa.Column('applies_to', sa.String(length=30), server_default='any', nullable=False))
    op.add_column('framework', sa.Column('recurrence_reopens', sa.Boolean(), server_default=sa.true(),
                                         nullable=False))
    op.add_column('member', sa.Column('expectant', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Lines already sampled were drawn in the first round.
    op.execute("UPDATE claim_line SET sample_round = 0 WHERE sampled")


def downgrade():
    op.drop_column('member', 'expectant')
    op.drop_column('framework', 'recurrence_reopens')
    op.drop_column('descriptor', 'applies_to')
    op.drop_index('uq_claim_line_family_phase_held', table_name='claim_line', sqlite_where=sa.text('holds_family'),
                  postgresql_where=sa.text('holds_family'))
    op.create_index('uq_claim_line_family_held', 'claim_line', ['family_id'], unique=True,
                    sqlite_where=sa.text('holds_family'), postgresql_where=sa.text('holds_family'))
    op.drop_column('claim_line', 'sample_round')
