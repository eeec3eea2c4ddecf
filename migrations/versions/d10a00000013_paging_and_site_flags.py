"""paging and site flags: an index for 流程监管's newest-first list; site_flag (demo_data)

流程监管 lists the instances of a scope newest first and pages them (COUNT + LIMIT/OFFSET); the
index on started_at serves the supervisors who see everything. `site_flag` holds facts about the
installation: the demo loader sets `demo_data`, and the login page lists the demo accounts only
then (docs/design.md, "Paging", "Demo accounts on the login page").

Revision ID: d10a00000013
Revises: d10a00000001
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd10a00000013'
down_revision = 'd10a00000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index('ix_instance_started_at', ['started_at'], unique=False)
    op.create_table(
        'site_flag',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_site_flag')),
    )


def downgrade():
    op.drop_table('site_flag')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_started_at')
