"""Project aggregate (entities §3.2): the master record and its per-year rows. Money in 元."""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budget.models._base import JSON, MONEY, RecordMixin, one_of
from budget.models.org import FUNDING_SOURCES, Department
from engine.base.db import db

OBJECT_TYPES = ("PROJECT", "POLICY", "SPECIAL_FUND", "DEPT_OVERALL", "TRANSFER")
PROJECT_CLASSES = ("PERSONNEL", "OPERATING", "SPECIFIC")
ONE_OFF_TYPES = ("NONE", "CAPITAL_CONSTRUCTION", "IT_CONSTRUCTION", "EQUIPMENT", "OTHER_ONE_OFF")
NEW_OR_CONTINUING = ("NEW", "CONTINUING")
LIBRARY_STATUSES = (
    "DRAFT", "SUBMITTED", "DEPT_APPROVED", "EXANTE", "NOT_ADMITTED", "IN_LIBRARY",
    "ACTIVE", "COMPLETED", "CANCELLED", "WITHDRAWN",
)
CYCLE_STATUSES = (
    "REQUEST_PREP", "TARGET_REVIEW", "NOT_ARRANGED", "BUDGET_ARRANGED", "APPROVED", "EXECUTING",
    "EXECUTION_CLOSED", "SELF_EVAL", "UNDER_REVIEW", "EVALUATED", "RESULT_APPLIED", "CLOSED",
)


class Project(RecordMixin, db.Model):
    __tablename__ = "project"
    __table_args__ = (
        one_of("object_type", OBJECT_TYPES),
        one_of("project_class", PROJECT_CLASSES),
        one_of("one_off_type", ONE_OFF_TYPES),
        one_of("new_or_continuing", NEW_OR_CONTINUING),
        one_of("library_status", LIBRARY_STATUSES),
        Index("ix_project_department_name", "department_id", "name"),
    )

    code: Mapped[str] = mapped_column(String(20), unique=True)  # P-{dept}-{seq3}, immutable
    name: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(14), default="PROJECT")
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("department.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("department.id"), index=True)
    project_class: Mapped[str] = mapped_column(String(10), default="SPECIFIC")
    function_category: Mapped[str | None] = mapped_column(String(3))
    domain_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    special_type: Mapped[list[str]] = mapped_column(JSON, default=list)
    one_off_type: Mapped[str] = mapped_column(String(22), default="NONE")
    devolved_to_lower_level: Mapped[bool] = mapped_column(default=False)
    new_or_continuing: Mapped[str] = mapped_column(String(10), default="NEW")
    predecessor_code: Mapped[str | None] = mapped_column(String(20))
    # Nullable while DRAFT: a request is created before the filer has entered anything.
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]
    policy_expiry_year: Mapped[int | None]
    policy_intensive: Mapped[bool] = mapped_column(default=False)
    total_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    responsible_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    is_major_flag: Mapped[bool] = mapped_column(default=False)
    large_influence: Mapped[bool] = mapped_column(default=False)
    scope_districts: Mapped[int | None]
    beneficiaries: Mapped[int | None]
    cost_catalog: Mapped[bool] = mapped_column(default=False)
    is_classified: Mapped[bool] = mapped_column(default=False)
    library_status: Mapped[str] = mapped_column(String(14), default="DRAFT", index=True)
    parent_project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project.id"))  # sub_projects
    funding_composition: Mapped[dict | None] = mapped_column(JSON)
    # F-01 narrative (read again by F-02 and reviewers)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    necessity_text: Mapped[str | None] = mapped_column(Text)
    content_text: Mapped[str | None] = mapped_column(Text)
    in_year_reason: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    deleted: Mapped[bool] = mapped_column(default=False)  # soft delete only (README §0.2)

    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    unit: Mapped[Department] = relationship(foreign_keys=[unit_id])
    years: Mapped[list[ProjectYear]] = relationship(
        back_populates="project", order_by="ProjectYear.fiscal_year", cascade="all, delete-orphan"
    )

    def year(self, fiscal_year: int) -> ProjectYear | None:
        return next((y for y in self.years if y.fiscal_year == fiscal_year), None)


class ProjectYear(RecordMixin, db.Model):
    __tablename__ = "project_year"
    __table_args__ = (
        UniqueConstraint("project_id", "fiscal_year"),
        one_of("funding_source", FUNDING_SOURCES),
        one_of("cycle_status", CYCLE_STATUSES),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int]
    funding_source: Mapped[str] = mapped_column(String(16), default="GENERAL")
    funding_split: Mapped[dict | None] = mapped_column(JSON)  # {source: pct} when mixed
    requested: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    requested_other: Mapped[Decimal | None] = mapped_column(MONEY)  # F-01 other_amount (non-fiscal)
    exante_recommended: Mapped[Decimal | None] = mapped_column(MONEY)
    review_approved: Mapped[Decimal | None] = mapped_column(MONEY)
    result_cut: Mapped[Decimal | None] = mapped_column(MONEY)
    arranged: Mapped[Decimal | None] = mapped_column(MONEY)
    adjusted: Mapped[Decimal | None] = mapped_column(MONEY)
    executed: Mapped[Decimal | None] = mapped_column(MONEY)
    target_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("performance_target.id", use_alter=True, ondelete="SET NULL")
    )
    # None until P2 starts for the year (P1 only records the request).
    cycle_status: Mapped[str | None] = mapped_column(String(18))
    hold_payment: Mapped[bool] = mapped_column(default=False)
    # P1's classification of the request year (DT-05, DT-01), recorded when P1 decides it; None on
    # rows decided before it was recorded (docs/design.md, "Classification in the library").
    is_major: Mapped[bool | None]
    is_key: Mapped[bool | None]
    fiscal_key: Mapped[bool | None]
    classification: Mapped[dict | None] = mapped_column(JSON)  # rows, requirements, packs, when
    hold_until_rectified: Mapped[bool] = mapped_column(default=False)
    # P3's year (budget.p3_monitoring): completed_early, had_red_warning, key_monitoring_count,
    # final exec_rate, idle_balance (元), closed_on — written as P3 goes and at its close.
    execution_stats: Mapped[dict | None] = mapped_column(JSON)

    project: Mapped[Project] = relationship(back_populates="years")
