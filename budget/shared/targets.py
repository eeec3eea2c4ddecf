"""Performance-target versions (entities §3.3): every F-04 submission is a new version; the open
ones before it are SUPERSEDED. Shared by P1 (application), P2 (confirmation, finance's fix) and
CA-3 (an issued target's adjustment: a pending version, ISSUED in place of the old one when approved)."""
from __future__ import annotations

from decimal import Decimal
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


def target_of(py: ProjectYear) -> PerformanceTarget:
    """The project-year's current target (ProjectYear.target_id)."""
    target = db.session.get(PerformanceTarget, py.target_id) if py.target_id else None
    if target is None:
        raise ValueError("该项目年度没有绩效目标")
    return target


def plain_decimal(value: Decimal) -> Decimal:
    """300.0000 → 300 (not 3E+2): the grid shows what the filer typed."""
    return Decimal(format(value.normalize(), "f"))


def indicator_row(ind: Indicator) -> dict[str, Any]:
    """An indicator as an F-04 grid row."""
    row = {k: getattr(ind, k) for k in INDICATOR_FIELDS if getattr(ind, k) is not None}
    row["weight"] = ind.weight
    for k in ("target_value", "baseline_value"):
        if getattr(ind, k) is not None:
            row[k] = plain_decimal(getattr(ind, k))
    return row


def target_values(target: PerformanceTarget | None) -> dict[str, Any]:
    """The F-04 values of a target: what a form that edits it opens with."""
    if target is None:
        return {"overall_goal": None, "annual_goal": None, "has_service_objects": True, "indicators": []}
    return {"overall_goal": target.overall_goal, "annual_goal": target.annual_goal,
            "has_service_objects": target.has_service_objects,
            "indicators": [indicator_row(ind) for ind in target.indicators]}


def pending_version(py: ProjectYear, values: dict[str, Any], actor: str | None) -> PerformanceTarget:
    """A proposed next version of an issued target (ADJUST_PENDING): the project-year keeps its
    issued target until the proposal is approved (`issue_version`)."""
    db.session.flush()
    last = db.session.scalar(
        select(func.max(PerformanceTarget.version_no)).where(PerformanceTarget.project_year_id == py.id)
    )
    issued = target_of(py)
    target = PerformanceTarget(project_year_id=py.id, version_no=(last or 0) + 1, framework=issued.framework,
                               status="ADJUST_PENDING", is_key_target=issued.is_key_target, created_by=actor)
    set_content(target, values, actor)
    db.session.add(target)
    db.session.flush()
    return target


def set_content(target: PerformanceTarget, values: dict[str, Any], actor: str | None) -> None:
    """Goals and indicator grid of a target from F-04 values (a pending version being revised)."""
    target.overall_goal = values.get("overall_goal") or ""
    target.annual_goal = values.get("annual_goal") or ""
    target.has_service_objects = bool(values.get("has_service_objects", True))
    target.indicators = [make_indicator(seq, row, actor) for seq, row in enumerate(values.get("indicators") or [])]
    target.updated_by = actor


def issue_version(py: ProjectYear, proposal: PerformanceTarget, on: Any, actor: str | None) -> None:
    """The approved proposal becomes the project-year's target (ISSUED); the one it replaces is
    SUPERSEDED."""
    old = target_of(py)
    old.status, old.updated_by = "SUPERSEDED", actor
    proposal.status, proposal.issued_at, proposal.updated_by = "ISSUED", on, actor
    py.target_id, py.updated_by = proposal.id, actor
