"""P3: the jurisdiction's rule parameters (DT-06 warn_start_month, sd_key_operator, time progress
mode — overriding budget.calc.monitoring.RULE_DEFAULTS) and the execution year's statistics of a
project-year (completed early, had RED, key-monitoring count, final exec rate, idle balance); the
department's review opinions of monitoring records (review_opinion.object_type MONITORING).

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


OPINION_TYPES = ("'PROJECT_INTAKE', 'EXANTE', 'TARGET', 'JOINT_REVIEW', 'EVAL_PLAN', 'EVAL_REPORT', 'SELF_EVAL', "
                 "'REVIEW_SCORE', 'RECT_PLAN', 'RECT_REPORT', 'COST_REPORT', 'ENGAGEMENT'")


def _opinion_types(types: str) -> None:
    op.drop_constraint(op.f('ck_review_opinion_object_type'), 'review_opinion', type_='check')
    op.create_check_constraint(op.f('ck_review_opinion_object_type'), 'review_opinion',
                               f"object_type IS NULL OR object_type IN ({types})")


def upgrade():
    _opinion_types(OPINION_TYPES + ", 'MONITORING'")
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_params', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                      server_default=sa.text("'{}'::jsonb")))
    with op.batch_alter_table('project_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('execution_stats', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade():
    op.execute("DELETE FROM review_opinion WHERE object_type = 'MONITORING'")
    _opinion_types(OPINION_TYPES)
    with op.batch_alter_table('project_year', schema=None) as batch_op:
        batch_op.drop_column('execution_stats')
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.drop_column('rule_params')
