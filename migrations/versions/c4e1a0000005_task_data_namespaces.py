"""task data namespaces: a model version says how it moves form data

Every version deployed before this revision was written for flat task data (its conditions,
scripts and rules read form fields by name), so its running instances keep that data flow: the
existing rows become "flat". Versions deployed from now on are "tasks" (engine.definitions.taskdata).

Revision ID: c4e1a0000005
Revises: c4e1a0000004
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4e1a0000005'
down_revision = 'c4e1a0000004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_model_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_flow', sa.String(length=8), server_default='tasks', nullable=False))
    op.execute("UPDATE process_model_version SET data_flow = 'flat'")


def downgrade():
    with op.batch_alter_table('process_model_version', schema=None) as batch_op:
        batch_op.drop_column('data_flow')
