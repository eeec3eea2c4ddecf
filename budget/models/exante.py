"""Ex-ante assessment aggregate (entities §3.4). One row per project-year × assessor × round."""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, MONEY, SCORE, RecordMixin, one_of
from engine.base.db import db

ASSESSOR_TYPES = ("DEPT_SELF", "FISCAL", "FISCAL_KEY")
CONCLUSIONS = ("SUPPORT", "SUPPORT_AFTER_REVISION", "NOT_SUPPORT")
EXANTE_STATUSES = ("DRAFT", "SUBMITTED", "UNDER_REVIEW", "RETURNED", "CONCLUDED")


class ExAnteAssessment(RecordMixin, db.Model):
    __tablename__ = "exante_assessment"
    __table_args__ = (
        one_of("assessor_type", ASSESSOR_TYPES),
        one_of("conclusion", CONCLUSIONS),
        one_of("status", EXANTE_STATUSES),
    )

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    assessor_type: Mapped[str] = mapped_column(String(10))
    round: Mapped[int] = mapped_column(default=1)  # revision round (SUPPORT_AFTER_REVISION loops)
    performer: Mapped[str | None] = mapped_column(String(12))  # SELF / THIRD_PARTY / FIN_CENTER
    trigger_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    engagement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("engagement.id"))
    dim_necessity: Mapped[Decimal | None] = mapped_column(SCORE)
    dim_economy: Mapped[Decimal | None] = mapped_column(SCORE)
    dim_target: Mapped[Decimal | None] = mapped_column(SCORE)
    dim_feasibility: Mapped[Decimal | None] = mapped_column(SCORE)
    dim_financing: Mapped[Decimal | None] = mapped_column(SCORE)
    dim_comments: Mapped[dict] = mapped_column(JSON, default=dict)
    financing_compliant: Mapped[bool | None]
    total_score: Mapped[Decimal | None] = mapped_column(SCORE)
    conclusion: Mapped[str | None] = mapped_column(String(24))
    conclusion_override_reason: Mapped[str | None] = mapped_column(Text)
    annual_need: Mapped[dict] = mapped_column(JSON, default=dict)  # {"2026": "150000000.00"} 元
    recommended_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    alternatives: Mapped[dict | list | None] = mapped_column(JSON)
    cost_benefit: Mapped[dict | None] = mapped_column(JSON)
    key_findings: Mapped[list | None] = mapped_column(JSON)
    report: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="DRAFT")
    rule_table_version: Mapped[str | None] = mapped_column(String(40))
    matched_rows: Mapped[list] = mapped_column(JSON, default=list)
