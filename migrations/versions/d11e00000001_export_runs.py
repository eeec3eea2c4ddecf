"""Background Excel exports (the X-03 绩效监控表 of a large selection): export_run
(budget/models/exports.py); and the monitoring views' index on monitoring_record (kind, fiscal_year,
period_month): the newest month with data and a month's monitored count without a scan.

Revision ID: d11e00000001
Revises: d11c00000001
Create Date: 2026-12-05 12:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'd11e00000001'
down_revision = 'd11c00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_run',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('filters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Uuid(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('updated_by', sa.String(length=80), nullable=True),
    sa.CheckConstraint("kind IS NULL OR kind IN ('X03')", name=op.f('ck_export_run_kind')),
    sa.CheckConstraint("status IS NULL OR status IN ('QUEUED', 'WRITING', 'DONE', 'FAILED')", name=op.f('ck_export_run_status')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_export_run_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_run'))
    )
    op.create_index('ix_monitoring_record_kind_year_month', 'monitoring_record', ['kind', 'fiscal_year', 'period_month'],
                    unique=False)


def downgrade():
    op.drop_index('ix_monitoring_record_kind_year_month', table_name='monitoring_record')
    op.drop_table('export_run')
