"""queue, timers and messages

Revision ID: c4e1a0000001
Revises: f04a4ab2cc50
Create Date: 2026-11-21 10:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c4e1a0000001'
down_revision = 'f04a4ab2cc50'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engine_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('correlation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('source_instance_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_to', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_message'))
    )
    op.create_index('ix_message_waiting', 'engine_message', ['name'], unique=False,
                    postgresql_where=sa.text("status = 'WAITING'"))

    op.alter_column('engine_timer', 'instance_id', existing_type=sa.Uuid(), nullable=True)
    op.alter_column('engine_timer', 'task_id', existing_type=sa.Uuid(), nullable=True)
    op.alter_column('engine_timer', 'raw_value', existing_type=sa.String(length=120), type_=sa.String(length=200))
    op.add_column('engine_timer', sa.Column('process_key', sa.String(length=80), nullable=True))
    op.add_column('engine_timer', sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engine_timer', sa.Column('fired_count', sa.Integer(), nullable=False, server_default='0'))
    op.alter_column('engine_timer', 'fired_count', server_default=None)
    op.create_index(op.f('ix_engine_timer_instance_id'), 'engine_timer', ['instance_id'], unique=False)

    op.drop_index('ix_outbox_pending', table_name='outbox', postgresql_where=sa.text('done_at IS NULL'))
    op.add_column('outbox', sa.Column('queue', sa.String(length=40), nullable=False, server_default='default'))
    op.add_column('outbox', sa.Column('key', sa.String(length=200), nullable=True))
    op.add_column('outbox', sa.Column('status', sa.String(length=12), nullable=False, server_default='PENDING'))
    op.add_column('outbox', sa.Column('available_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.text('now()')))
    op.add_column('outbox', sa.Column('max_attempts', sa.Integer(), nullable=False, server_default='5'))
    op.execute("UPDATE outbox SET status = 'DONE' WHERE done_at IS NOT NULL")
    for column in ('queue', 'status', 'available_at', 'max_attempts'):
        op.alter_column('outbox', column, server_default=None)
    op.create_index('ix_outbox_due', 'outbox', ['available_at'], unique=False,
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_index('ix_outbox_key', 'outbox', ['key'], unique=True)


def downgrade():
    op.drop_index('ix_outbox_key', table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox', postgresql_where=sa.text("status = 'PENDING'"))
    for column in ('max_attempts', 'available_at', 'status', 'key', 'queue'):
        op.drop_column('outbox', column)
    op.create_index('ix_outbox_pending', 'outbox', ['created_at'], unique=False,
                    postgresql_where=sa.text('done_at IS NULL'))
    op.drop_index(op.f('ix_engine_timer_instance_id'), table_name='engine_timer')
    for column in ('fired_count', 'fired_at', 'process_key'):
        op.drop_column('engine_timer', column)
    op.alter_column('engine_timer', 'raw_value', existing_type=sa.String(length=200), type_=sa.String(length=120))
    op.alter_column('engine_timer', 'task_id', existing_type=sa.Uuid(), nullable=False)
    op.alter_column('engine_timer', 'instance_id', existing_type=sa.Uuid(), nullable=False)
    op.drop_index('ix_message_waiting', table_name='engine_message', postgresql_where=sa.text("status = 'WAITING'"))
    op.drop_table('engine_message')
