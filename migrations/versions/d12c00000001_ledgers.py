"""Ledgers (issue 12 point 3): deadline_change (budget/models/deadlines.py: the due dates of
rectification cases and issue items as they were on a past day, for the ledgers' as_of), and
export_run for the ledgers' exports and the queued bulk 催办 (kinds X05 V02 V04 URGE, `outcome`).

Revision ID: d12c00000001
Revises: d12k00000001
Create Date: 2026-12-05 15:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'd12c00000001'
down_revision = 'd12k00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deadline_change',
    sa.Column('object_type', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Uuid(), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('old_due', sa.Date(), nullable=True),
    sa.Column('new_due', sa.Date(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('updated_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_change'))
    )
    op.create_index('ix_deadline_change_object', 'deadline_change', ['object_id', 'field', 'changed_at'],
                    unique=False)
    op.add_column('export_run', sa.Column('outcome', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.drop_constraint(op.f('ck_export_run_kind'), 'export_run', type_='check')
    op.create_check_constraint(op.f('ck_export_run_kind'), 'export_run',
                               "kind IS NULL OR kind IN ('X03', 'X05', 'V02', 'V04', 'URGE')")


def downgrade():
    op.drop_constraint(op.f('ck_export_run_kind'), 'export_run', type_='check')
    op.create_check_constraint(op.f('ck_export_run_kind'), 'export_run', "kind IS NULL OR kind IN ('X03')")
    op.drop_column('export_run', 'outcome')
    op.drop_index('ix_deadline_change_object', table_name='deadline_change')
    op.drop_table('deadline_change')
