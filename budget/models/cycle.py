"""The budget cycle's records after target review (entities §3.2, §3.14; processes §5.4 rows
8–16): the arrangement, the two 批复 levels, the year's milestones declared once per jurisdiction
(result decisions ready, 人大 approval) and the disclosure items P2 leaves for P8. Money in 元."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, MONEY, RecordMixin, one_of
from engine.base.db import db

ISSUE_LEVELS = ("FINANCE", "DEPARTMENT")  # 财政批复到部门 / 部门批复到单位
MILESTONES = ("RESULT_DECISIONS_READY", "NPC_APPROVED")
DISCLOSURE_EVENTS = ("BUDGET_APPROVED", "FINAL_ACCOUNTS_APPROVED", "FISCAL_EVAL_FINAL", "OTHER")
DISCLOSURE_ITEM_TYPES = (
    "KEY_PROJECT_TARGET", "PROJECT_TARGET", "DEPT_OVERALL_TARGET", "SELF_EVAL_RESULT", "DEPT_EVAL_RESULT",
    "DEPT_OVERALL_EVAL", "FISCAL_EVAL_RESULT",
)
DISCLOSURE_STATUSES = ("PENDING", "CONFIRMED", "SUBMITTED_NPC", "PUBLISHED", "EXEMPT_CLASSIFIED", "OVERDUE")


class BudgetArrangement(RecordMixin, db.Model):
    """F-07 预算安排: the amount arranged for a project-year, the default it was offered and where
    that default came from (`default_basis`), and the hold flags."""

    __tablename__ = "budget_arrangement"

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    default_amount: Mapped[Decimal] = mapped_column(MONEY)
    default_basis: Mapped[dict] = mapped_column(JSON, default=dict)  # {source, requested, cut, review, exante}
    arranged: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str | None] = mapped_column(Text)  # required when arranged ≠ default
    hold_payment: Mapped[bool] = mapped_column(default=False)
    hold_until_rectified: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class BudgetIssue(RecordMixin, db.Model):
    """F-08 批复下达, one row per level: finance to the department, the department to its unit."""

    __tablename__ = "budget_issue"
    __table_args__ = (UniqueConstraint("project_year_id", "level"), one_of("level", ISSUE_LEVELS))

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    approval_doc_no: Mapped[str] = mapped_column(String(60))
    approval_date: Mapped[date]
    due_date: Mapped[date | None]  # 人大批准 + 20 d / 财政批复 + 15 d
    late: Mapped[bool] = mapped_column(default=False)
    late_reason: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    target_version: Mapped[int | None]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class BudgetYearMilestone(RecordMixin, db.Model):
    """A fact of a jurisdiction's budget year, declared once: the result-application decisions for
    the year are ready (P6, declared from a page until P6 exists), the 人大 approved the budget."""

    __tablename__ = "budget_year_milestone"
    __table_args__ = (UniqueConstraint("jurisdiction", "fiscal_year", "kind"), one_of("kind", MILESTONES))

    jurisdiction: Mapped[str] = mapped_column(String(20))
    fiscal_year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(24))
    on_date: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)


class DisclosureItem(RecordMixin, db.Model):
    """entities §3.14: what is to be made public and by when; P2 records the BUDGET_APPROVED items
    of a project-year when its 批复 is done (P8 publishes them)."""

    __tablename__ = "disclosure_item"
    __table_args__ = (
        UniqueConstraint("event", "item_type", "object_id"),
        one_of("event", DISCLOSURE_EVENTS),
        one_of("item_type", DISCLOSURE_ITEM_TYPES),
        one_of("status", DISCLOSURE_STATUSES),
        one_of("publisher", ("FINANCE", "DEPARTMENT")),
    )

    event: Mapped[str] = mapped_column(String(24))
    item_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[uuid.UUID] = mapped_column(index=True)  # the project-year
    fiscal_year: Mapped[int]
    publisher: Mapped[str] = mapped_column(String(10), default="DEPARTMENT")
    to_npc: Mapped[bool] = mapped_column(default=False)
    due: Mapped[date | None]
    secrecy_checked: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(18), default="PENDING")


class BudgetPrepRun(RecordMixin, db.Model):
    """A batch start of P2 by the budget division (`msg_budget_prep_start`): the project-years it
    covers (those not yet started when it was asked for), sent in chunks, one message each."""

    __tablename__ = "budget_prep_run"
    __table_args__ = (one_of("status", ("SENDING", "SENT")),)

    jurisdiction: Mapped[str] = mapped_column(String(20))
    fiscal_year: Mapped[int] = mapped_column(index=True)
    submit_due: Mapped[date]
    # up to one id per project-year of the year (10,000): deferred, read by the send jobs only;
    # progress counts them in SQL (budget.p2_review.batch.progress)
    project_year_ids: Mapped[list[str]] = mapped_column(JSON, default=list, deferred=True)
    total: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(8), default="SENDING")
