"""Execution import staging (budget/execution): the uploaded file and its checked rows on the
import, warnings apart from errors, and the figure a correction replaced on the record.

Revision ID: d11g00000001
Revises: d11d00000001
Create Date: 2026-12-05 12:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'd11g00000001'
down_revision = 'd11d00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('execution_import', sa.Column('warnings', postgresql.JSONB(astext_type=sa.Text()),
                                                nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.alter_column('execution_import', 'warnings', server_default=None)
    op.add_column('execution_import', sa.Column('content', sa.LargeBinary(), nullable=True))
    op.add_column('execution_import', sa.Column('rows', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('execution_record', sa.Column('replaced_cum', sa.Numeric(precision=18, scale=2), nullable=True))


def downgrade():
    op.drop_column('execution_record', 'replaced_cum')
    op.drop_column('execution_import', 'rows')
    op.drop_column('execution_import', 'content')
    op.drop_column('execution_import', 'warnings')
