"""What P2's handlers look up: the project-year a task's data points at and its current target."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from budget.models import PerformanceTarget, ProjectYear
from budget.shared.lookups import as_uuid
from engine.base.db import db

TARGET = "TARGET"  # review_opinion.object_type of a target review (F-05)
JOINT = "JOINT_REVIEW"  # … of a joint review's outcome and co-sign (F-06, F-00)


def year_of(data: Mapping[str, Any], lock: bool = False) -> ProjectYear:
    raw = data.get("project_year_id")
    if not raw:
        raise ValueError("任务数据缺少 project_year_id")
    stmt = select(ProjectYear).where(ProjectYear.id == as_uuid(raw))
    py = db.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if py is None:
        raise ValueError(f"项目年度 {raw} 不存在")
    return py


def target_of(py: ProjectYear) -> PerformanceTarget:
    target = db.session.get(PerformanceTarget, py.target_id) if py.target_id else None
    if target is None:
        raise ValueError("该项目年度没有绩效目标")
    return target


def target_id(data: Mapping[str, Any]) -> Any:
    return target_of(year_of(data)).id


def year_id(data: Mapping[str, Any]) -> Any:
    return year_of(data).id
