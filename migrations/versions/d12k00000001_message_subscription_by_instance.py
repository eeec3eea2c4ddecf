"""message_subscription by instance: every move of an instance with waits reads its subscriptions
(engine.moves.sidetables._sync_waits); with P3's two standing subscriptions per running year, 10,000
years meant a scan of 20,000 rows per move (bench/p3_month.py, docs/design.md "Bench and the stack
floor").

Revision ID: d12k00000001
Revises: d12b00000001
Create Date: 2026-12-05 15:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd12k00000001'
down_revision = 'd12b00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_msgsub_instance', 'message_subscription', ['instance_id'], unique=False)


def downgrade():
    op.drop_index('ix_msgsub_instance', table_name='message_subscription')
