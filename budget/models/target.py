"""Performance target aggregate (entities §3.3): one versioned target per project-year, with its
level-3 indicator rows."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budget.models._base import RecordMixin, one_of
from engine.base.db import db

FRAMEWORKS = ("FW88", "FW101")
TARGET_STATUSES = (
    "DRAFT", "SUBMITTED", "DEPT_APPROVED", "UNDER_REVIEW", "RETURNED", "APPROVED_FOR_BUDGET",
    "ISSUED", "ADJUST_PENDING", "SUPERSEDED", "REJECTED",
)
GRADES = ("优", "良", "中", "差")
L1 = ("COST", "OUTPUT", "EFFECT", "SATISFACTION")
L2 = (
    "OUT_QTY", "OUT_QLT", "OUT_TIME", "OUT_COST", "EFF_ECON", "EFF_SOC", "EFF_ECO", "EFF_SUST",
    "SAT_SERVICE", "COST_ECON", "COST_SOC", "COST_ENV",
)
OPERATORS = ("GE", "LE", "EQ", "GT", "LT", "QUAL")


class PerformanceTarget(RecordMixin, db.Model):
    __tablename__ = "performance_target"
    __table_args__ = (
        UniqueConstraint("project_year_id", "version_no"),
        one_of("framework", FRAMEWORKS),
        one_of("status", TARGET_STATUSES),
        one_of("review_grade", GRADES),
    )

    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    version_no: Mapped[int] = mapped_column(default=1)
    framework: Mapped[str] = mapped_column(String(5), default="FW88")
    overall_goal: Mapped[str] = mapped_column(Text, default="")
    annual_goal: Mapped[str] = mapped_column(Text, default="")
    has_service_objects: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="DRAFT")
    review_grade: Mapped[str | None] = mapped_column(String(1))
    issued_at: Mapped[date | None]
    is_key_target: Mapped[bool] = mapped_column(default=False)

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="target", order_by="Indicator.seq", cascade="all, delete-orphan"
    )


class Indicator(RecordMixin, db.Model):
    __tablename__ = "indicator"
    __table_args__ = (
        one_of("l1", L1),
        one_of("l2", L2),
        one_of("kind", ("QUANT", "QUAL")),
        one_of("operator", OPERATORS),
    )

    target_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("performance_target.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(default=0)  # row order in the grid
    l1: Mapped[str] = mapped_column(String(12))
    l2: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(5), default="QUANT")
    operator: Mapped[str] = mapped_column(String(4), default="GE")
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target_text: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(20))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    value_basis: Mapped[str | None] = mapped_column(String(10))
    calc_method: Mapped[str | None] = mapped_column(Text)
    data_source: Mapped[str | None] = mapped_column(String(100))
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    is_core: Mapped[bool] = mapped_column(default=False)
    is_common: Mapped[bool] = mapped_column(default=False)
    library_ref: Mapped[str | None] = mapped_column(String(40))
    sub_project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project.id"))

    target: Mapped[PerformanceTarget] = relationship(back_populates="indicators")
