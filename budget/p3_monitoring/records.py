"""What P3's handlers look up: the project-year of the instance, the month's records."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from budget.models import MonitoringRecord, MonitoringWarning, PerformanceTarget, ProjectYear
from budget.shared.lookups import as_uuid, year_of
from engine.base.db import db

AUTO = "AUTO_EXECUTION"
__all__ = ["AUTO", "issued_target", "record", "stats", "warning_of", "year_of"]


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
