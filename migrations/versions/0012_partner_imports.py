"""partner imports: the council's column mapping per kind of file, each uploaded file and its rows

- ``import_source``: the headings a council's files use for a kind of file, remembered from the last import;
- ``import_batch``: one uploaded file, its state, the report's counts, and its bytes until confirmed or abandoned;
- ``import_row``: each line's values (or problems), how it was matched and what it wrote;
- ``import_row_id`` on measures, events, employment spells and status episodes: the row each record came from.

Revision ID: 0012_partner_imports
Revises: 0011_verdict_sets
Create Date: 2026-12-03 13:38:00.772588

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_partner_imports'
down_revision = '0011_verdict_sets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('column_mapping', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_source')),
    sa.UniqueConstraint('kind', name='uq_import_source_kind')
    )
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('refusal', sa.String(length=600), nullable=False),
    sa.Column('headings', sa.JSON(), nullable=False),
    sa.Column('column_mapping', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('period_label', sa.String(length=60), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_by_id', sa.Integer(), nullable=True),
    sa.Column('file_deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_import_batch_confirmed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['finished_by_id'], ['user.id'], name=op.f('fk_import_batch_finished_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_import_batch_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_import_batch_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index('ix_import_batch_kind_created', ['kind', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_sha256'), ['sha256'], unique=False)

    op.create_table('import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('values', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('match_probability', sa.Float(), nullable=True),
    sa.Column('match_weight', sa.Float(), nullable=True),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('replaced', sa.JSON(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_row_batch_id_import_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_import_row_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_import_row_family_id_family'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_import_row_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_row'))
    )
    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.create_index('ix_import_row_batch_number', ['batch_id', 'row_number'], unique=False)
        batch_op.create_index('ix_import_row_batch_status', ['batch_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_row_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_row_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('employment_spell', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_row_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_employment_spell_import_row_id'), ['import_row_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_employment_spell_import_row_id_import_row'), 'import_row', ['import_row_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_row_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_import_row_id'), ['import_row_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_import_row_id_import_row'), 'import_row', ['import_row_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_row_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_measure_import_row_id'), ['import_row_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_measure_import_row_id_import_row'), 'import_row', ['import_row_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('status_episode', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_row_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_status_episode_import_row_id'), ['import_row_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_status_episode_import_row_id_import_row'), 'import_row', ['import_row_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('status_episode', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_status_episode_import_row_id_import_row'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_status_episode_import_row_id'))
        batch_op.drop_column('import_row_id')

    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measure_import_row_id_import_row'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_measure_import_row_id'))
        batch_op.drop_column('import_row_id')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_import_row_id_import_row'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_import_row_id'))
        batch_op.drop_column('import_row_id')

    with op.batch_alter_table('employment_spell', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_employment_spell_import_row_id_import_row'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_employment_spell_import_row_id'))
        batch_op.drop_column('import_row_id')

    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_row_member_id'))
        batch_op.drop_index(batch_op.f('ix_import_row_family_id'))
        batch_op.drop_index('ix_import_row_batch_status')
        batch_op.drop_index('ix_import_row_batch_number')

    op.drop_table('import_row')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_sha256'))
        batch_op.drop_index('ix_import_batch_kind_created')

    op.drop_table('import_batch')
    op.drop_table('import_source')
