"""Rectification and 回头看 (entities §3.9–3.10, processes §5.9, rules §4.3): one case per source
event (a monitoring decision, an evaluation's findings, an audit finding), its issue items closed
one by one against their target (对标销号), the unit's plans and reports, the follow-up checks and
the 约谈. People are usernames (as `RecordMixin.created_by`); dates are calendar dates in the
jurisdiction's time zone."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, RecordMixin, one_of
from engine.base.db import db

RECT_SOURCES = (
    "FISCAL_KEY_EVAL", "DEPT_KEY_EVAL", "RE_EVAL", "SPOT_CHECK", "MONITORING", "AUDIT", "EXANTE",
    "COST_ANALYSIS",
)
# rules §4.3 plus CREATED (before the notice is issued), EXPLANATION_SUBMITTED (the explanation-only
# path) and CANCELLED (an administrator withdrew the case).
CASE_STATUSES = (
    "CREATED", "NOTIFIED", "EXPLANATION_SUBMITTED", "PLAN_SUBMITTED", "PLAN_RETURNED", "PLAN_ACCEPTED",
    "REPORT_SUBMITTED", "REPORT_RETURNED", "REPORT_ACCEPTED", "FOLLOWUP_SCHEDULED", "FOLLOWUP_DONE",
    "RE_RECTIFY", "CLOSED", "CANCELLED",
)
FOLLOWUP_MODES = ("NONE", "DESK", "ONSITE")
RECT_STATES = ("NONE", "IN_TIME", "OVERDUE", "NOT_RECTIFIED")  # DT-13's rect_state
SEVERITIES = ("HIGH", "MEDIUM", "LOW")
ISSUE_STATUSES = (
    "OPEN", "IN_PROGRESS", "SELF_DECLARED_DONE", "CLOSED", "NOT_CLOSED", "OVERDUE", "WAIVED",
)
REPORT_ITEM_STATUSES = ("IN_PROGRESS", "SELF_DECLARED_DONE", "WAIVER_REQUESTED")  # F-23
CHECK_RESULTS = ("CLOSED", "PARTIAL", "NOT_RECTIFIED")  # F-24 per issue
CHECK_METHODS = ("BRIEFING", "INQUIRY", "LEDGER_CHECK", "SITE_VISIT", "DOC_REVIEW")
CHECK_CONCLUSIONS = ("ALL_CLOSED", "PARTIAL", "NONE_CLOSED")
VERDICTS = ("ACCEPT", "RETURN")


class RectificationCase(RecordMixin, db.Model):
    """整改事项: one per source event. `(source_type, source_id)` is unique, so the same
    `msg_start_rectification` sent twice finds the case it already made."""

    __tablename__ = "rectification_case"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id", name="uq_rectification_case_source"),
        one_of("source_type", RECT_SOURCES),
        one_of("status", CASE_STATUSES),
        one_of("followup_mode", FOLLOWUP_MODES),
        one_of("rect_state", RECT_STATES),
    )

    code: Mapped[str] = mapped_column(String(20), unique=True)  # RC-{year}-{seq3}
    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[uuid.UUID] = mapped_column()
    source_label: Mapped[str | None] = mapped_column(String(200))  # e.g. "FY2024 财政重点评价 78分"
    grade: Mapped[str | None] = mapped_column(String(4))  # 优 良 中 差 of the source evaluation
    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    responsible_dept_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("department.id"), index=True)
    responsible_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("department.id"), index=True)
    findings: Mapped[list] = mapped_column(JSON, default=list)  # as the source sent them
    # DT-14: what is required and by when (deadline = the minimum over matched rows).
    requirement_rows: Mapped[list] = mapped_column(JSON, default=list)
    plan_required: Mapped[bool] = mapped_column(default=True)
    report_required: Mapped[bool] = mapped_column(default=True)
    budget_hold: Mapped[bool] = mapped_column(default=False)
    requirements: Mapped[str | None] = mapped_column(Text)  # F-21 整改要求
    copy_to: Mapped[list] = mapped_column(JSON, default=list)  # usernames (dept heads)
    notice_date: Mapped[date | None]
    plan_due: Mapped[date | None]
    report_due: Mapped[date | None]
    plan_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # DT-15, with its random draw kept so the choice can be audited.
    followup_mode: Mapped[str] = mapped_column(String(6), default="NONE")
    followup_rule_row: Mapped[int | None]
    random_draw: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    status: Mapped[str] = mapped_column(String(22), default="CREATED")
    plan_overdue: Mapped[bool] = mapped_column(default=False)
    report_overdue: Mapped[bool] = mapped_column(default=False)
    escalated: Mapped[bool] = mapped_column(default=False)
    interview_held: Mapped[bool] = mapped_column(default=False)  # 约谈 [004]
    interview_date: Mapped[date | None]
    interview_record: Mapped[str | None] = mapped_column(Text)
    re_round: Mapped[int] = mapped_column(default=0)  # 再整改 rounds
    rect_state: Mapped[str] = mapped_column(String(14), default="NONE")
    circular_candidate: Mapped[bool] = mapped_column(default=False)  # V-15 from round 2
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class IssueItem(RecordMixin, db.Model):
    """问题清单条目: one finding, closed against its target (对标销号) by a follow-up check."""

    __tablename__ = "rectification_issue"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_rectification_issue_seq"),
        one_of("severity", SEVERITIES),
        one_of("status", ISSUE_STATUSES),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectification_case.id"), index=True)
    seq: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(6), default="MEDIUM")
    owner_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("department.id"))
    owner_person: Mapped[str | None] = mapped_column(String(80))  # username
    suggested_measure: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)  # F-22
    responsible_person: Mapped[str | None] = mapped_column(String(80))
    planned_completion: Mapped[date | None]
    resources: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="OPEN")
    completion_text: Mapped[str | None] = mapped_column(Text)  # F-23
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # attachment ids
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None]  # the current one: report_due, then the follow-up's new deadline
    deadline_extensions: Mapped[list] = mapped_column(JSON, default=list)  # [{new_date, reason, approved_by}]
    rounds: Mapped[int] = mapped_column(default=0)  # times found NOT_RECTIFIED / PARTIAL
    closed_at: Mapped[date | None]  # 销号 date
    last_check_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("followup_check.id"))


class RectificationPlan(RecordMixin, db.Model):
    """整改计划 (F-22), one row per submission; a returned plan keeps its row, the next is n+1."""

    __tablename__ = "rectification_plan"
    __table_args__ = (
        UniqueConstraint("case_id", "version", name="uq_rectification_plan_version"),
        one_of("review_verdict", VERDICTS),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectification_case.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    items: Mapped[list] = mapped_column(JSON, default=list)  # per issue: measures, person, date, ...
    leader_signoff: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_verdict: Mapped[str | None] = mapped_column(String(8))
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RectificationReport(RecordMixin, db.Model):
    """整改报告 (F-23), one row per submission and round."""

    __tablename__ = "rectification_report"
    __table_args__ = (
        UniqueConstraint("case_id", "round", "version", name="uq_rectification_report_version"),
        one_of("review_verdict", VERDICTS),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectification_case.id"), index=True)
    round: Mapped[int] = mapped_column(default=0)  # the case's re_round when submitted
    version: Mapped[int] = mapped_column(default=1)
    item_statuses: Mapped[list] = mapped_column(JSON, default=list)  # [{issue_id, status, completion_text, evidence}]
    overall_text: Mapped[str | None] = mapped_column(Text)
    dept_signoff: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_verdict: Mapped[str | None] = mapped_column(String(8))
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FollowUpCheck(RecordMixin, db.Model):
    """回头看核查记录 (F-24): scheduled (ONSITE: announced ≥ 5 working days ahead), then done."""

    __tablename__ = "followup_check"
    __table_args__ = (
        one_of("mode", ("DESK", "ONSITE")),
        one_of("conclusion", CHECK_CONCLUSIONS),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectification_case.id"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    mode: Mapped[str] = mapped_column(String(6))
    planned_date: Mapped[date | None]
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actual_date: Mapped[date | None]
    checkers: Mapped[list] = mapped_column(JSON, default=list)  # usernames
    methods: Mapped[list] = mapped_column(JSON, default=list)  # CHECK_METHODS
    item_results: Mapped[list] = mapped_column(JSON, default=list)  # [{issue_id, result, evidence_checked, new_deadline}]
    conclusion: Mapped[str | None] = mapped_column(String(12))
    report: Mapped[list] = mapped_column(JSON, default=list)  # attachment ids
    done_by: Mapped[str | None] = mapped_column(String(80))
