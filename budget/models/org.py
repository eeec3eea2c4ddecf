"""Organisation aggregate (entities §3.1): jurisdiction, finance divisions, departments and units.
Users and role assignments live in engine.base.identity; their scope ids are the codes kept here."""
from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budget.models._base import JSON, RecordMixin, one_of
from engine.base.db import db

LEVELS = ("PROVINCE", "CITY", "COUNTY", "DISTRICT", "TOWN")
PACKS = ("CORE", "SD", "SZ", "QP", "FJ", "JN")
FUNDING_SOURCES = ("GENERAL", "GOV_FUND", "STATE_CAPITAL", "SOCIAL_INSURANCE")
DIVISION_TYPES = ("FUND", "BUDGET", "PERF", "TREASURY", "CENTER")
DEPT_KINDS = ("DEPARTMENT", "UNIT")


class Jurisdiction(RecordMixin, db.Model):
    __tablename__ = "jurisdiction"
    __table_args__ = (one_of("level", LEVELS),)

    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(10))
    packs: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["CORE"])
    enabled_funding_sources: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(FUNDING_SOURCES))
    calendar_code: Mapped[str | None] = mapped_column(String(40))  # engine calendar, by code
    # Rule parameters overriding the shipped defaults (budget.calc.monitoring.RULE_DEFAULTS: DT-06's
    # warn_start_month and sd_key_operator, time_progress_mode, …); an administrator's setting.
    rule_params: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'::jsonb"))


class FinanceDivision(RecordMixin, db.Model):
    __tablename__ = "finance_division"
    __table_args__ = (one_of("type", DIVISION_TYPES),)

    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    type: Mapped[str] = mapped_column(String(10))


class Department(RecordMixin, db.Model):
    """Both 主管部门 (kind DEPARTMENT, code D01) and 预算单位 (kind UNIT, code D01-U01)."""

    __tablename__ = "department"
    __table_args__ = (one_of("kind", DEPT_KINDS),)

    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("department.id"), index=True)
    fund_division_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("finance_division.id"))
    is_classified: Mapped[bool] = mapped_column(default=False)
    # {year: bool} — 年中新增支出较大 (30 % bottom ratio, DT-17); a tiny per-year flag, not a table.
    large_in_year_new_spending: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)

    parent: Mapped[Department | None] = relationship(remote_side="Department.id")
    fund_division: Mapped[FinanceDivision | None] = relationship()

    @property
    def department(self) -> Department:
        """The competent department: self for a department, the parent for a unit."""
        return self.parent if self.kind == "UNIT" and self.parent is not None else self
