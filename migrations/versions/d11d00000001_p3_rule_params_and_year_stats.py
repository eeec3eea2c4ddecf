"""P3: the jurisdiction's rule parameters (DT-06 warn_start_month, sd_key_operator, time progress
mode — overriding budget.calc.monitoring.RULE_DEFAULTS) and the execution year's statistics of a
project-year (completed early, had RED, key-monitoring count, final exec rate, idle balance).

Revision ID: d11d00000001
Revises: d11f00000001
Create Date: 2026-12-05 12:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'd11d00000001'
down_revision = 'd11f00000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_params', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                      server_default=sa.text("'{}'::jsonb")))
    with op.batch_alter_table('project_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('execution_stats', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade():
    with op.batch_alter_table('project_year', schema=None) as batch_op:
        batch_op.drop_column('execution_stats')
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.drop_column('rule_params')
