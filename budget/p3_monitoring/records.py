"""What P3's handlers look up: the project-year of the instance, the month's records."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from budget.models import MonitoringRecord, MonitoringWarning, PerformanceTarget, ProjectYear
from budget.shared.lookups import as_uuid
from engine.base.db import db

AUTO = "AUTO_EXECUTION"


def year_of(data: Mapping[str, Any], lock: bool = False) -> ProjectYear:
    raw = data.get("project_year_id")
    if not raw:
        raise ValueError("任务数据缺少 project_year_id")
    stmt = select(ProjectYear).where(ProjectYear.id == as_uuid(raw))
    py = db.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if py is None:
        raise ValueError(f"项目年度 {raw} 不存在")
    return py


def issued_target(py: ProjectYear) -> PerformanceTarget | None:
    """The target in force: the project-year's current version (ISSUED by P2, or a CA-3 version)."""
    return db.session.get(PerformanceTarget, py.target_id) if py.target_id else None


def record(py_id: Any, month: int, kind: str = AUTO) -> MonitoringRecord | None:
    return db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == as_uuid(py_id), MonitoringRecord.period_month == int(month),
        MonitoringRecord.kind == kind)).first()


def warning_of(data: Mapping[str, Any]) -> MonitoringWarning | None:
    raw = data.get("warning_id")
    return db.session.get(MonitoringWarning, as_uuid(raw)) if raw else None


def stats(py: ProjectYear, **values: Any) -> None:
    """Merge into the project-year's execution statistics (a new dict: JSONB change tracking)."""
    py.execution_stats = {**(py.execution_stats or {}), **values}
