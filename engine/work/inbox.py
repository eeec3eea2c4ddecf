"""Task lists. 待办 is a UNION ALL of one indexed lookup per role assignment plus the tasks
assigned by name, each limited before the merge (notes/engineering.md §1.3: `= ANY(...) ORDER
BY … LIMIT` over a large open set is 40× slower)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, or_, select, union_all

from engine.base.db import db, utcnow
from engine.base.identity import RoleAssignment, User
from engine.base.models import AuditEvent, CarbonCopy, HumanTask, ProcessInstance
from engine.base.paging import Page, paged
from engine.work.access import PROCESS_ADMIN_ROLES, principals


def _scope_clause(kind: str, ident: str | None) -> Any:
    column = {"UNIT": HumanTask.scope_unit, "DEPARTMENT": HumanTask.scope_dept,
              "DIVISION": HumanTask.scope_division}.get(kind)
    if kind == "ALL":
        return None
    if column is None or ident is None:
        return False
    return column == ident


SORTS = {"created": (HumanTask.created_at.desc(),), "due": (HumanTask.due_at.asc().nulls_last(),),
         "priority": (HumanTask.priority.desc(), HumanTask.created_at.desc())}


def todo_query(user: User, filters: dict[str, Any] | None = None, limit: int = 50, offset: int = 0,
               sort: str = "created") -> Select:
    """READY items the user may act on: by role and scope (their own and, as deputy, their
    principals'), assigned by name, and — for process administrators — those nobody else can."""
    window = limit + offset
    order = SORTS.get(sort, SORTS["created"])
    people = [user, *principals(user)]
    base = [HumanTask.status == "READY", *_filters(filters or {}),
            or_(HumanTask.excluded.is_(None), ~HumanTask.excluded.contains([user.username]))]
    wanted = [HumanTask.id, HumanTask.created_at, HumanTask.due_at, HumanTask.priority]
    parts = []
    seen: set[tuple[str, str, str | None]] = set()
    for a in (a for person in people for a in person.roles):
        if not a.valid_on() or (a.role, a.scope_type, a.scope_id) in seen:
            continue
        seen.add((a.role, a.scope_type, a.scope_id))
        clause = _scope_clause(a.scope_type, a.scope_id)
        if clause is False:
            continue
        conds = [*base, HumanTask.lane == a.role, HumanTask.assignee.is_(None)]
        if clause is not None:
            conds.append(clause)
        parts.append(select(*wanted).where(and_(*conds)).order_by(*order).limit(window))
    names = [p.username for p in people]
    assigned = HumanTask.assignee == names[0] if len(names) == 1 else HumanTask.assignee.in_(names)
    parts.append(select(*wanted).where(and_(*base, assigned)).order_by(*order).limit(window))
    if any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles):
        parts.append(select(*wanted).where(and_(*base, HumanTask.fallback.is_(True))).order_by(*order).limit(window))
    merged = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    outer = {"created": (merged.c.created_at.desc(),), "due": (merged.c.due_at.asc().nulls_last(),),
             "priority": (merged.c.priority.desc(), merged.c.created_at.desc())}[sort if sort in SORTS else "created"]
    return (select(HumanTask).join(merged, merged.c.id == HumanTask.id)
            .order_by(*outer).limit(limit).offset(offset))


def todo(user: User, filters: dict[str, Any] | None = None, limit: int = 50, offset: int = 0,
         sort: str = "created") -> list[HumanTask]:
    return list(db.session.scalars(todo_query(user, filters, limit, offset, sort)))


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
    if filters.get("priority") not in (None, ""):
        conds.append(HumanTask.priority >= int(filters["priority"]))
    if filters.get("overdue"):
        conds.append(HumanTask.due_at < utcnow())
    return conds


def done(user: User, page: int = 1, per_page: int = 50, filters: dict[str, Any] | None = None) -> Page[HumanTask]:
    """已办: the tasks the user completed, newest first (index ix_task_done_by); 待办's filters apply."""
    return paged(select(HumanTask).where(HumanTask.completed_by == user.username, HumanTask.status == "COMPLETED",
                                         *_filters(filters or {}))
                 .order_by(HumanTask.completed_at.desc(), HumanTask.id), page, per_page)


def started_by(user: User, page: int = 1, per_page: int = 50) -> Page[ProcessInstance]:
    """我发起的, newest first (index ix_instance_started_by)."""
    return paged(select(ProcessInstance).where(ProcessInstance.started_by == user.username)
                 .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id), page, per_page)


def ready_tasks(instance_id: Any) -> list[HumanTask]:
    return list(db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "READY")
        .order_by(HumanTask.created_at)))


def timeline(instance_id: Any) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)))


def participants(instance_id: Any) -> set[str]:
    """Who took part in an instance — acted, was assigned, owned a delegated task, or was copied
    in (抄送) — and may therefore read it."""
    rows = db.session.execute(select(HumanTask.completed_by, HumanTask.assignee, HumanTask.owner)
                              .where(HumanTask.instance_id == instance_id)).all()
    copied = db.session.scalars(select(CarbonCopy.to_user).where(CarbonCopy.instance_id == instance_id))
    return {name for row in rows for name in row if name} | set(copied)


def candidates(task: HumanTask, limit: int = 20) -> list[User]:
    """The users who may act on a ready task (for 'who may act' on the instance page)."""
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
