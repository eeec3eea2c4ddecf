"""A third party engaged for CA-5 key monitoring: engagement type KEY_MONITORING.

Revision ID: d11f00000001
Revises: d11e00000001
Create Date: 2026-12-05 13:00:00

"""
from alembic import op

revision = 'd11f00000001'
down_revision = 'd11e00000001'
branch_labels = None
depends_on = None

OLD = ('EXANTE', 'TARGET_KEY_REVIEW', 'SPOT_CHECK', 'RE_EVAL', 'KEY_EVAL', 'FOLLOW_UP', 'COST_ANALYSIS')
NEW = OLD + ('KEY_MONITORING',)


def _check(values):
    quoted = ", ".join(f"'{v}'" for v in values)
    op.drop_constraint(op.f('ck_engagement_type'), 'engagement', type_='check')
    op.create_check_constraint(op.f('ck_engagement_type'), 'engagement', f"type IS NULL OR type IN ({quoted})")


def upgrade():
    _check(NEW)


def downgrade():
    op.execute("UPDATE engagement SET type = 'FOLLOW_UP' WHERE type = 'KEY_MONITORING'")
    _check(OLD)
