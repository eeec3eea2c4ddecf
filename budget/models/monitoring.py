"""The execution year's records (entities §3.6, processes §5.5): the treasury's monthly cumulative
payments as they arrive (versioned, never overwritten), the Excel imports that bring them, the
monitoring record of each project-year and month, the warnings DT-06 raises and what the fund
division decided about them (payment hold, budget adjustment, rectification request), and the
units' target-adjustment requests. Money in 元, percentages as points with 2 dp."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from budget.models._base import JSON, MONEY, PCT, RecordMixin, one_of
from engine.base.db import db

EXECUTION_SOURCES = ("EXCEL", "API", "MANUAL", "DEMO")
IMPORT_STATUSES = ("QUEUED", "CHECKING", "IMPORTING", "DONE", "REJECTED", "FAILED")
MONITORING_KINDS = ("AUTO_EXECUTION", "TARGET_REPORT", "KEY", "COST")
MONITORING_STATUSES = ("AUTO", "PENDING_UNIT", "SUBMITTED", "DEPT_CONFIRMED", "FIN_FOLLOWED_UP", "CLOSED")
LEVELS = ("GREEN", "YELLOW", "RED")
WARNING_LEVELS = ("YELLOW", "RED")
RESPONSES = (
    "EXPLAINED", "CORRECTIVE_PLAN", "PAYMENT_HOLD", "REALLOCATE", "RECOVER", "TARGET_ADJUST", "WATCH",
    "START_RECTIFICATION",
)
FUND_DECISIONS = ("WATCH", "PAYMENT_HOLD", "REALLOCATE", "RECOVER", "TARGET_ADJUST", "START_RECTIFICATION")
HOLD_STATUSES = ("HELD", "RELEASED")
ADJUST_KINDS = ("RECOVER", "REALLOCATE")
REQUEST_STATUSES = ("PENDING", "DONE", "CANCELLED")
ADJUST_REASONS = ("BUDGET_ADJUSTED", "POLICY_CHANGE", "FORCE_MAJEURE", "OTHER")
TARGET_ADJUST_STATUSES = ("DRAFT", "SUBMITTED", "DEPT_APPROVED", "UNDER_REVIEW", "APPROVED", "REJECTED", "RETURNED")


class ExecutionRecord(RecordMixin, db.Model):
    """One month's cumulative payment of a project-year as the execution system reported it. A
    later correction of the same month adds version n+1 and clears `is_current` on version n; the
    same figure sent again is recognised and adds nothing (idempotent on project, year and month)."""

    __tablename__ = "execution_record"
    __table_args__ = (
        UniqueConstraint("project_year_id", "month", "version"),
        Index(
            "uq_execution_record_current", "project_year_id", "month",
            unique=True, postgresql_where=text("is_current"),
        ),
        one_of("source", EXECUTION_SOURCES),
    )

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(index=True)
    month: Mapped[int]  # 1–12, cumulative to the month's end
    executed_cum: Mapped[Decimal] = mapped_column(MONEY)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(8))
    import_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("execution_import.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)  # why a correction was sent, when given
    replaced_cum: Mapped[Decimal | None] = mapped_column(MONEY)  # the figure this version replaced (更正)


class ExecutionImport(RecordMixin, db.Model):
    """An Excel upload of execution data: checked whole first (row errors in Chinese), then written
    in chunks; `done`/`total` drive the progress bar. A rejected file writes nothing."""

    __tablename__ = "execution_import"
    __table_args__ = (one_of("status", IMPORT_STATUSES),)

    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), default="QUEUED")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    corrected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{row, field, message}]
    warnings: Mapped[list] = mapped_column(JSON, default=list)  # [{row, field, message}], not blocking
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # the uploaded file as sent
    rows: Mapped[list | None] = deferred(mapped_column(JSON))  # checked rows awaiting their chunk job
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MonitoringRecord(RecordMixin, db.Model):
    """entities §3.6 MonitoringRecord: one per project-year, month and kind. AUTO_EXECUTION rows are
    written by P3's monthly step; TARGET_REPORT/COST by F-09; KEY by CA-5's F-12."""

    __tablename__ = "monitoring_record"
    __table_args__ = (
        UniqueConstraint("project_year_id", "period_month", "kind"),
        # the monitoring views: the newest month with data, a month's monitored count (d11e00000001)
        Index("ix_monitoring_record_kind_year_month", "kind", "fiscal_year", "period_month"),
        one_of("kind", MONITORING_KINDS),
        one_of("status", MONITORING_STATUSES),
        one_of("warning_level", LEVELS),
    )

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(index=True)
    period_month: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    annual_budget: Mapped[Decimal] = mapped_column(MONEY)
    executed_cum: Mapped[Decimal] = mapped_column(MONEY)
    exec_rate: Mapped[Decimal] = mapped_column(PCT)
    time_progress: Mapped[Decimal] = mapped_column(PCT)
    lag_pp: Mapped[Decimal] = mapped_column(PCT)
    execution_version: Mapped[int | None]  # which ExecutionRecord version the figures came from
    expected_full_year_exec: Mapped[Decimal | None] = mapped_column(MONEY)
    indicator_progress: Mapped[list] = mapped_column(JSON, default=list)
    cost_tracking: Mapped[list] = mapped_column(JSON, default=list)
    warning_level: Mapped[str | None] = mapped_column(String(6))
    key_monitoring: Mapped[bool] = mapped_column(default=False)
    recovery_review: Mapped[bool] = mapped_column(default=False)
    unit_explanation: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # form extras (F-12 findings, QP block)
    status: Mapped[str] = mapped_column(String(16), default="AUTO")
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class MonitoringWarning(RecordMixin, db.Model):
    """entities §3.6 Warning: a non-GREEN DT-06 result for a project-year's month, with every
    matching reason (the COLLECT variant), DT-07's suggestion and what was done about it."""

    __tablename__ = "monitoring_warning"
    __table_args__ = (
        UniqueConstraint("project_year_id", "month"),
        Index("ix_monitoring_warning_year_month_level", "fiscal_year", "month", "level"),
        one_of("level", WARNING_LEVELS),
        one_of("response", RESPONSES),
    )

    monitoring_record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("monitoring_record.id"), index=True)
    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    fiscal_year: Mapped[int]
    month: Mapped[int]
    level: Mapped[str] = mapped_column(String(6))
    key_monitoring: Mapped[bool] = mapped_column(default=False)
    recovery_review: Mapped[bool] = mapped_column(default=False)
    rule_row: Mapped[int]  # the DT-06 row that decided (UNIQUE, first match)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # every matching row's reason
    lag_pp: Mapped[Decimal] = mapped_column(PCT)
    exec_rate: Mapped[Decimal] = mapped_column(PCT)
    time_progress: Mapped[Decimal] = mapped_column(PCT)
    suggested_response: Mapped[str | None] = mapped_column(String(32))  # DT-07
    consecutive_count: Mapped[int] = mapped_column(default=1)  # months in a row at RED (YELLOW: at ≥ YELLOW)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    response_due: Mapped[date | None]
    response: Mapped[str | None] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class PaymentHold(RecordMixin, db.Model):
    """F-11 PAYMENT_HOLD (`msg_payment_hold`): the treasury stops paying the project-year until it
    releases the hold on its page."""

    __tablename__ = "payment_hold"
    __table_args__ = (one_of("status", HOLD_STATUSES),)

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    warning_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("monitoring_warning.id"))
    reason: Mapped[str] = mapped_column(Text)
    hold_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(8), default="HELD", index=True)
    released_by: Mapped[str | None] = mapped_column(String(80))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_note: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class BudgetAdjustmentRequest(RecordMixin, db.Model):
    """F-11 RECOVER / REALLOCATE (`msg_budget_adjust_request`): waits in the budget division's queue."""

    __tablename__ = "budget_adjustment_request"
    __table_args__ = (one_of("kind", ADJUST_KINDS), one_of("status", REQUEST_STATUSES))

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    warning_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("monitoring_warning.id"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class RectificationRequest(RecordMixin, db.Model):
    """`msg_start_rectification` from P3 (source MONITORING): recorded now, picked up by P7."""

    __tablename__ = "rectification_request"
    __table_args__ = (one_of("status", ("WAITING_P7", "STARTED", "CANCELLED")),)

    source_type: Mapped[str] = mapped_column(String(12))  # MONITORING, SELF_EVAL, KEY_EVAL, AUDIT
    source_id: Mapped[uuid.UUID] = mapped_column(index=True)  # the warning for MONITORING
    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="WAITING_P7")
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)  # the P3 instance
    message_id: Mapped[uuid.UUID | None]  # msg_start_rectification, once sent (budget.rect_sources)
    p7_instance_id: Mapped[str | None] = mapped_column(String(36))  # the P7 instance that took it


class TargetAdjustmentRequest(RecordMixin, db.Model):
    """entities §3.6 / F-13: a unit asks to change its issued target; CA-3 reviews it and, when
    approved, issues a new target version (the old one SUPERSEDED)."""

    __tablename__ = "target_adjustment_request"
    __table_args__ = (one_of("reason", ADJUST_REASONS), one_of("status", TARGET_ADJUST_STATUSES))

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    reason_text: Mapped[str | None] = mapped_column(Text)
    linked_budget_adjustment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("budget_adjustment_request.id")
    )
    changes: Mapped[list] = mapped_column(JSON, default=list)  # [{indicator_id, name, old, new, reason}]
    effective_from_month: Mapped[int | None]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(14), default="SUBMITTED")
    new_target_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("performance_target.id"))
    warning_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("monitoring_warning.id"))
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
