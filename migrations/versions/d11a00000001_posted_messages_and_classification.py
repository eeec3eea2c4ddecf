"""posted messages and the classification of a project-year

`engine_message` gains what a message posted from outside (POST /api/v1/messages) needs: the
client's id (unique: a second post with it returns the first result), the sender and the result
per instance. `project_year` gains P1's classification (is_major, is_key, fiscal_key) and the rule
rows and requirements that decided it; rows decided before stay NULL (shown as 未记录).

Revision ID: d11a00000001
Revises: d10a00000013
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd11a00000001'
down_revision = 'd10a00000013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engine_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sender', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('results', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_engine_message_client_id'), ['client_id'])
    with op.batch_alter_table('project_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_major', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('is_key', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('fiscal_key', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('classification', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade():
    with op.batch_alter_table('project_year', schema=None) as batch_op:
        batch_op.drop_column('classification')
        batch_op.drop_column('fiscal_key')
        batch_op.drop_column('is_key')
        batch_op.drop_column('is_major')
    with op.batch_alter_table('engine_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_engine_message_client_id'), type_='unique')
        batch_op.drop_column('results')
        batch_op.drop_column('sender')
        batch_op.drop_column('client_id')
