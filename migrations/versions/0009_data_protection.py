"""data protection: sign-in, reads audited, consent scope, retention, erasure

- ``user``: a temporary password that must be changed, when the password last changed, and an optional TOTP second
  factor (its secret, when it was confirmed, the last time step accepted); ``security_settings`` says whether users
  who can open family records must use it.
- ``access_event``: reads of personal data (a family page viewed, a search by identifier, a download), kept apart
  from ``audit_event`` so that reading never looks like a change to a family's records.
- ``consent``: its scope, who gave it, and the Article 9 condition and statute for special-category data.
- ``retention_rule``, ``legal_hold``, ``retention_run``: the retention schedule (one default rule: a family's records
  are kept 8 years after the attachment closed, or after the programme phase ended if later), holds, and runs.
- ``audit_event.redacted_at``: an event whose personal values were erased; ``claim_line``: a line outlives its
  family's erasure (``family_id`` and ``attachment_id`` empty, ``erased_at``) so a claim's totals stay.

Revision ID: 0009_data_protection
Revises: 0008_session_version
Create Date: 2026-12-03 04:22:41.409115

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_data_protection'
down_revision = '0008_session_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retention_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('starts_from', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_rule')),
    sa.UniqueConstraint('record_type', name=op.f('uq_retention_rule_record_type'))
    )
    op.create_table('security_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('require_totp', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_settings'))
    )
    op.create_table('access_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=160), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('what', sa.String(length=160), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_access_event_actor_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_event'))
    )
    with op.batch_alter_table('access_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_event_action'), ['action'], unique=False)
        batch_op.create_index('ix_access_event_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_access_event_family_at', ['family_id', 'at'], unique=False)

    op.create_table('legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_on', sa.Date(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('released_on', sa.Date(), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_legal_hold_family_id_family'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user.id'], name=op.f('fk_legal_hold_placed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['released_by_id'], ['user.id'], name=op.f('fk_legal_hold_released_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold'))
    )
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_hold_family_id'), ['family_id'], unique=False)

    op.create_table('retention_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_by_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=160), nullable=False),
    sa.Column('families_due', sa.Integer(), nullable=False),
    sa.Column('families_held', sa.Integer(), nullable=False),
    sa.Column('families_erased', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_by_id'], ['user.id'], name=op.f('fk_retention_run_run_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_run'))
    )
    # Plain ALTER TABLE where only columns are added (as 0007): a batch would copy tables others point at.
    op.add_column('audit_event', sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('family_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('attachment_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_constraint(batch_op.f('fk_claim_line_family_id_family'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_claim_line_attachment_id_attachment'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_claim_line_family_id_family'), 'family', ['family_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_claim_line_attachment_id_attachment'), 'attachment', ['attachment_id'], ['id'], ondelete='SET NULL')

    op.add_column('consent', sa.Column('scope', sa.String(length=40), server_default='programme', nullable=False))
    op.add_column('consent', sa.Column('given_by', sa.String(length=30), server_default='self', nullable=False))
    op.add_column('consent', sa.Column('special_category_basis', sa.String(length=60), server_default='',
                                       nullable=False))
    op.add_column('consent', sa.Column('statute', sa.String(length=300), server_default='', nullable=False))

    op.add_column('user', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('user', sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('user', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user', sa.Column('totp_last_step', sa.Integer(), nullable=True))

    retention_rule = sa.table(
        'retention_rule', sa.column('record_type', sa.String), sa.column('years', sa.Integer),
        sa.column('starts_from', sa.String), sa.column('note', sa.Text),
        sa.column('created_at', sa.DateTime(timezone=True)), sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(retention_rule, [{
        'record_type': 'family', 'years': 8, 'starts_from': 'closure_or_phase_end', 'created_at': now,
        'updated_at': now,
        'note': "A family's records: its members, consent, attachments, problems, progress and evidence.",
    }])


def downgrade():
    for column in ('totp_last_step', 'totp_enabled_at', 'totp_secret', 'password_changed_at', 'must_change_password'):
        op.drop_column('user', column)
    for column in ('statute', 'special_category_basis', 'given_by', 'scope'):
        op.drop_column('consent', column)

    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_claim_line_attachment_id_attachment'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_claim_line_family_id_family'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_claim_line_attachment_id_attachment'), 'attachment', ['attachment_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_claim_line_family_id_family'), 'family', ['family_id'], ['id'])
        batch_op.alter_column('attachment_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('family_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('erased_at')

    op.drop_column('audit_event', 'redacted_at')

    op.drop_table('retention_run')
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_hold_family_id'))

    op.drop_table('legal_hold')
    with op.batch_alter_table('access_event', schema=None) as batch_op:
        batch_op.drop_index('ix_access_event_family_at')
        batch_op.drop_index(batch_op.f('ix_access_event_at'))
        batch_op.drop_index('ix_access_event_actor_at')
        batch_op.drop_index(batch_op.f('ix_access_event_action'))

    op.drop_table('access_event')
    op.drop_table('security_settings')
    op.drop_table('retention_rule')
