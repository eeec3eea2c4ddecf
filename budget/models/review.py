"""Review aggregate (entities §3.5): generic review opinions and expert-panel results."""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, MONEY, SCORE, RecordMixin, one_of
from budget.models.target import GRADES
from engine.base.db import db

# ENGAGEMENT is ours: F-26 returns by the firm's lead are kept like any other review opinion; so is
# MONITORING: the department's check of a P3 monitoring record (F-09 / F-10 review).
OBJECT_TYPES = (
    "PROJECT_INTAKE", "EXANTE", "TARGET", "JOINT_REVIEW", "EVAL_PLAN", "EVAL_REPORT", "SELF_EVAL",
    "REVIEW_SCORE", "RECT_PLAN", "RECT_REPORT", "COST_REPORT", "ENGAGEMENT", "MONITORING",
)
VERDICTS = ("APPROVE", "APPROVE_WITH_CHANGES", "RETURN", "REJECT")
PANEL_TYPES = ("EXANTE", "TARGET", "JOINT", "RE_REVIEW", "PLAN_ARGUMENT", "REPORT_ARGUMENT", "FOLLOW_UP")
PANEL_VERDICTS = ("PASS", "REVISE", "REJECT")


class ReviewOpinion(RecordMixin, db.Model):
    __tablename__ = "review_opinion"
    __table_args__ = (
        one_of("object_type", OBJECT_TYPES),
        one_of("verdict", VERDICTS),
        one_of("grade", GRADES),
        Index("ix_review_opinion_object", "object_type", "object_id"),
    )

    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[uuid.UUID]
    stage: Mapped[str] = mapped_column(String(60))  # BPMN task id
    round: Mapped[int] = mapped_column(default=1)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    reviewer: Mapped[str | None] = mapped_column(String(80))  # username, readable in exports
    reviewer_role: Mapped[str | None] = mapped_column(String(30))  # the lane
    verdict: Mapped[str] = mapped_column(String(22))
    grade: Mapped[str | None] = mapped_column(String(1))
    dim_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    suggested_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)


class ExpertPanelResult(RecordMixin, db.Model):
    __tablename__ = "expert_panel_result"
    __table_args__ = (one_of("panel_type", PANEL_TYPES), one_of("panel_verdict", PANEL_VERDICTS))

    panel_type: Mapped[str] = mapped_column(String(16))
    object_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    experts: Mapped[list[str]] = mapped_column(JSON, default=list)
    opinions: Mapped[list[dict]] = mapped_column(JSON, default=list)
    panel_score: Mapped[Decimal | None] = mapped_column(SCORE)
    panel_verdict: Mapped[str | None] = mapped_column(String(8))  # proposed; the chair confirms
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    excluded: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{username, reason}]
