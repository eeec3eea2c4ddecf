"""working-day calendar

Revision ID: c4e1a0000002
Revises: c4e1a0000001
Create Date: 2026-11-21 10:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c4e1a0000002'
down_revision = 'c4e1a0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('holiday_day',
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.CheckConstraint("kind IN ('HOLIDAY', 'WORKDAY')", name=op.f('ck_holiday_day_kind')),
    sa.PrimaryKeyConstraint('jurisdiction', 'day', name=op.f('pk_holiday_day'))
    )


def downgrade():
    op.drop_table('holiday_day')
