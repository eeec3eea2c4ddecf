"""session nonce: logout ends sessions and API tokens on the server side

A user's sessions and API tokens carry the user's current nonce; logout replaces it, so a cookie
or token saved before no longer works (docs/design.md, "Sign-in").

Revision ID: d10a00000001
Revises: c4e1a0000005
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd10a00000001'
down_revision = 'c4e1a0000005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')
