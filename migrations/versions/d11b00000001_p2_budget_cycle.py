"""P2 budget cycle records: the arrangement (F-07), the two 批复 levels (F-08), the year's
milestones declared once per jurisdiction (result decisions ready, 人大 approval) and the
disclosure items P2 leaves for P8, and the budget division's batch starts of P2
(docs/design.md, "P2").

Revision ID: d11b00000001
Revises: d11a00000001
Create Date: 2026-12-05 10:45:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd11b00000001'
down_revision = 'd11a00000001'
branch_labels = None
depends_on = None


def _record_columns():
    return [
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=True),
        sa.Column('updated_by', sa.String(length=80), nullable=True),
    ]


def upgrade():
    op.create_table(
        'budget_arrangement',
        sa.Column('project_year_id', sa.Uuid(), nullable=False),
        sa.Column('default_amount', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('default_basis', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('arranged', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('hold_payment', sa.Boolean(), nullable=False),
        sa.Column('hold_until_rectified', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('instance_id', sa.String(length=36), nullable=True),
        *_record_columns(),
        sa.ForeignKeyConstraint(['project_year_id'], ['project_year.id'],
                                name=op.f('fk_budget_arrangement_project_year_id_project_year')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_arrangement')),
    )
    with op.batch_alter_table('budget_arrangement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_arrangement_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_arrangement_project_year_id'), ['project_year_id'], unique=False)

    op.create_table(
        'budget_issue',
        sa.Column('project_year_id', sa.Uuid(), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('approval_doc_no', sa.String(length=60), nullable=False),
        sa.Column('approval_date', sa.Date(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('late_reason', sa.Text(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column('target_version', sa.Integer(), nullable=True),
        sa.Column('attachments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=True),
        *_record_columns(),
        sa.CheckConstraint("level IS NULL OR level IN ('FINANCE', 'DEPARTMENT')", name=op.f('ck_budget_issue_level')),
        sa.ForeignKeyConstraint(['project_year_id'], ['project_year.id'],
                                name=op.f('fk_budget_issue_project_year_id_project_year')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_issue')),
        sa.UniqueConstraint('project_year_id', 'level', name=op.f('uq_budget_issue_project_year_id_level')),
    )
    with op.batch_alter_table('budget_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_issue_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_issue_project_year_id'), ['project_year_id'], unique=False)

    op.create_table(
        'budget_year_milestone',
        sa.Column('jurisdiction', sa.String(length=20), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        *_record_columns(),
        sa.CheckConstraint("kind IS NULL OR kind IN ('RESULT_DECISIONS_READY', 'NPC_APPROVED')",
                           name=op.f('ck_budget_year_milestone_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_year_milestone')),
        sa.UniqueConstraint('jurisdiction', 'fiscal_year', 'kind',
                            name=op.f('uq_budget_year_milestone_jurisdiction_fiscal_year_kind')),
    )

    op.create_table(
        'budget_prep_run',
        sa.Column('jurisdiction', sa.String(length=20), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('submit_due', sa.Date(), nullable=False),
        sa.Column('project_year_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        *_record_columns(),
        sa.CheckConstraint("status IS NULL OR status IN ('SENDING', 'SENT')", name=op.f('ck_budget_prep_run_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_prep_run')),
    )
    with op.batch_alter_table('budget_prep_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_prep_run_fiscal_year'), ['fiscal_year'], unique=False)

    op.create_table(
        'disclosure_item',
        sa.Column('event', sa.String(length=24), nullable=False),
        sa.Column('item_type', sa.String(length=20), nullable=False),
        sa.Column('object_id', sa.Uuid(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('publisher', sa.String(length=10), nullable=False),
        sa.Column('to_npc', sa.Boolean(), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('secrecy_checked', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=18), nullable=False),
        *_record_columns(),
        sa.CheckConstraint("event IS NULL OR event IN ('BUDGET_APPROVED', 'FINAL_ACCOUNTS_APPROVED', 'FISCAL_EVAL_FINAL', 'OTHER')",
                           name=op.f('ck_disclosure_item_event')),
        sa.CheckConstraint("item_type IS NULL OR item_type IN ('KEY_PROJECT_TARGET', 'PROJECT_TARGET', 'DEPT_OVERALL_TARGET', 'SELF_EVAL_RESULT', 'DEPT_EVAL_RESULT', 'DEPT_OVERALL_EVAL', 'FISCAL_EVAL_RESULT')",
                           name=op.f('ck_disclosure_item_item_type')),
        sa.CheckConstraint("status IS NULL OR status IN ('PENDING', 'CONFIRMED', 'SUBMITTED_NPC', 'PUBLISHED', 'EXEMPT_CLASSIFIED', 'OVERDUE')",
                           name=op.f('ck_disclosure_item_status')),
        sa.CheckConstraint("publisher IS NULL OR publisher IN ('FINANCE', 'DEPARTMENT')",
                           name=op.f('ck_disclosure_item_publisher')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_item')),
        sa.UniqueConstraint('event', 'item_type', 'object_id', name=op.f('uq_disclosure_item_event_item_type_object_id')),
    )
    with op.batch_alter_table('disclosure_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_item_object_id'), ['object_id'], unique=False)


def downgrade():
    op.drop_table('disclosure_item')
    op.drop_table('budget_prep_run')
    op.drop_table('budget_year_milestone')
    op.drop_table('budget_issue')
    op.drop_table('budget_arrangement')
