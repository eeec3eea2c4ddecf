"""Task lists. 待办 is a UNION ALL of one indexed lookup per role assignment plus the tasks
assigned by name, each limited before the merge (notes/engineering.md §1.3: `= ANY(...) ORDER
BY … LIMIT` over a large open set is 40× slower)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, select, union_all

from engine.db import db
from engine.identity import User
from engine.models import AuditEvent, HumanTask, ProcessInstance


def _scope_clause(kind: str, ident: str | None) -> Any:
    column = {"UNIT": HumanTask.scope_unit, "DEPARTMENT": HumanTask.scope_dept,
              "DIVISION": HumanTask.scope_division}.get(kind)
    if kind == "ALL":
        return None
    if column is None or ident is None:
        return False
    return column == ident


def todo_query(user: User, filters: dict[str, Any] | None = None, limit: int = 50, offset: int = 0) -> Select:
    window = limit + offset
    parts = []
    base = [HumanTask.status == "READY"] + _filters(filters or {})
    seen: set[tuple[str, str, str | None]] = set()
    for a in user.roles:
        if not a.valid_on() or (a.role, a.scope_type, a.scope_id) in seen:
            continue
        seen.add((a.role, a.scope_type, a.scope_id))
        clause = _scope_clause(a.scope_type, a.scope_id)
        if clause is False:
            continue
        conds = [*base, HumanTask.lane == a.role, HumanTask.assignee.is_(None)]
        if clause is not None:
            conds.append(clause)
        parts.append(select(HumanTask.id, HumanTask.created_at).where(and_(*conds))
                     .order_by(HumanTask.created_at.desc()).limit(window))
    parts.append(select(HumanTask.id, HumanTask.created_at).where(and_(*base, HumanTask.assignee == user.username))
                 .order_by(HumanTask.created_at.desc()).limit(window))
    merged = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return (select(HumanTask).join(merged, merged.c.id == HumanTask.id)
            .order_by(merged.c.created_at.desc()).limit(limit).offset(offset))


def todo(user: User, filters: dict[str, Any] | None = None, limit: int = 50, offset: int = 0) -> list[HumanTask]:
    return list(db.session.scalars(todo_query(user, filters, limit, offset)))


def _filters(filters: dict[str, Any]) -> list[Any]:
    conds = []
    if filters.get("process_key"):
        conds.append(HumanTask.process_key == filters["process_key"])
    if filters.get("business_key"):
        conds.append(HumanTask.business_key.ilike(f"%{filters['business_key']}%"))
    if filters.get("year"):
        conds.append(HumanTask.year == int(filters["year"]))
    if filters.get("dept"):
        conds.append(HumanTask.scope_dept == filters["dept"])
    if filters.get("task_name"):
        conds.append(HumanTask.task_name == filters["task_name"])
    return conds


def done(user: User, limit: int = 50, offset: int = 0) -> list[HumanTask]:
    return list(db.session.scalars(
        select(HumanTask).where(HumanTask.completed_by == user.username, HumanTask.status == "COMPLETED")
        .order_by(HumanTask.completed_at.desc()).limit(limit).offset(offset)))


def started_by(user: User, limit: int = 50, offset: int = 0) -> list[ProcessInstance]:
    return list(db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.started_by == user.username)
        .order_by(ProcessInstance.started_at.desc()).limit(limit).offset(offset)))


def ready_tasks(instance_id: Any) -> list[HumanTask]:
    return list(db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "READY")
        .order_by(HumanTask.created_at)))


def timeline(instance_id: Any) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)))


def participants(instance_id: Any) -> set[str]:
    rows = db.session.execute(select(HumanTask.completed_by, HumanTask.assignee)
                              .where(HumanTask.instance_id == instance_id)).all()
    return {name for row in rows for name in row if name}


def candidates(task: HumanTask, limit: int = 20) -> list[User]:
    """The users who may act on a ready task (for 'who may act' on the instance page)."""
    from sqlalchemy import or_

    from engine.identity import RoleAssignment

    if task.assignee:
        return list(db.session.scalars(select(User).where(User.username == task.assignee)))
    scope = or_(
        RoleAssignment.scope_type == "ALL",
        and_(RoleAssignment.scope_type == "UNIT", RoleAssignment.scope_id == task.scope_unit),
        and_(RoleAssignment.scope_type == "DEPARTMENT", RoleAssignment.scope_id == task.scope_dept),
        and_(RoleAssignment.scope_type == "DIVISION", RoleAssignment.scope_id == task.scope_division),
    )
    return list(db.session.scalars(
        select(User).join(RoleAssignment).where(RoleAssignment.role == task.lane, scope, User.active.is_(True))
        .order_by(User.username).limit(limit)).unique())
