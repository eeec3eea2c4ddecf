"""Performance-target versions (entities §3.3): every F-04 submission is a new version; the open
ones before it are SUPERSEDED. Shared by P1 (application) and P2 (confirmation, finance's fix)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from budget.calc.money import to_decimal
from budget.models import Indicator, PerformanceTarget, ProjectYear
from engine.base.db import db

INDICATOR_FIELDS = ("l1", "l2", "name", "kind", "operator", "target_text", "unit", "value_basis",
                    "calc_method", "data_source", "is_core", "is_common", "library_ref")
OPEN_TARGET = ("DRAFT", "SUBMITTED", "DEPT_APPROVED", "RETURNED", "UNDER_REVIEW")


def new_target_version(py: ProjectYear, sub: dict[str, Any], data: dict[str, Any],
                       actor: str | None) -> PerformanceTarget:
    """Every submission is a new version (SUBMITTED); the open ones before it are SUPERSEDED."""
    db.session.flush()  # py.id
    last = db.session.scalar(
        select(func.max(PerformanceTarget.version_no)).where(PerformanceTarget.project_year_id == py.id)
    )
    previous = db.session.get(PerformanceTarget, py.target_id) if py.target_id else None
    for old in db.session.scalars(select(PerformanceTarget).where(
            PerformanceTarget.project_year_id == py.id, PerformanceTarget.status.in_(OPEN_TARGET))):
        old.status, old.updated_by = "SUPERSEDED", actor
    target = PerformanceTarget(
        project_year_id=py.id, version_no=(last or 0) + 1,
        framework=sub.get("framework") or data.get("framework") or "FW88",
        overall_goal=sub.get("overall_goal") or "", annual_goal=sub.get("annual_goal") or "",
        has_service_objects=bool(sub.get("has_service_objects", True)),
        status="SUBMITTED", created_by=actor,
        is_key_target=bool(previous and previous.is_key_target),  # a designation outlives a revision
    )
    for seq, row in enumerate(sub.get("indicators") or []):
        target.indicators.append(make_indicator(seq, row, actor))
    db.session.add(target)
    db.session.flush()
    py.target_id = target.id
    return target


def make_indicator(seq: int, row: dict[str, Any], actor: str | None) -> Indicator:
    ind = Indicator(seq=seq, created_by=actor, weight=to_decimal(row.get("weight") or 0))
    for key in INDICATOR_FIELDS:
        if row.get(key) is not None:
            setattr(ind, key, row[key])
    for key in ("target_value", "baseline_value"):
        if row.get(key) is not None:
            setattr(ind, key, to_decimal(row[key]))
    if ind.kind == "QUAL":
        ind.operator = "QUAL"
    return ind
