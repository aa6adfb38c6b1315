"""sessions that can be ended: a user's session version

- ``user.session_version``: every signed-in session carries the version its user had when signing in; signing out,
  deactivation and a change of roles or password add one, so every session signed in before is refused at once,
  even with a replayed cookie.

Revision ID: 0008_session_version
Revises: 0007_verdict_corrections
Create Date: 2026-12-03 02:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_session_version'
down_revision = '0007_verdict_corrections'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    # Plain ALTER TABLE, as 0007: a batch would copy the user table, which other tables' foreign keys point at.
    op.drop_column('user', 'session_version')
