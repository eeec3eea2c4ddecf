"""model versions: deploy warnings and the activation time (the version that starts)

Revision ID: d13c00000001
Revises: d12c00000001
Create Date: 2026-12-05 15:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd13c00000001'
down_revision = 'd12c00000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_model_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warnings', postgresql.JSONB(astext_type=sa.Text()),
                                      server_default=sa.text("'[]'::jsonb"), nullable=False))
        batch_op.add_column(sa.Column('activated_at', sa.DateTime(timezone=True),
                                      server_default=sa.text('now()'), nullable=False))
    op.execute("UPDATE process_model_version SET activated_at = deployed_at")


def downgrade():
    with op.batch_alter_table('process_model_version', schema=None) as batch_op:
        batch_op.drop_column('activated_at')
        batch_op.drop_column('warnings')
