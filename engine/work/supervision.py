"""流程监管: the instances a supervisor's data scope covers, filtered and paged; and the
instances behind one business object (a project's requests), as far as the viewer may see them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, false, select

from engine.base.db import db
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask, ProcessInstance
from engine.base.paging import Page, paged
from engine.work.access import SUPERVISOR_ROLES, can_view_instance
from engine.work.inbox import participants

FILTERS = ("process_key", "status", "dept", "step", "year", "q")
STATUSES = ("RUNNING", "COMPLETED", "ERROR", "CANCELLED")


def scoped(query: Select, user: User) -> Select:
    """Supervisors with an ALL scope see everything; others their departments, units, divisions."""
    roles = [a for a in user.roles if a.valid_on()]
    if any(a.scope_type == "ALL" and a.role in SUPERVISOR_ROLES for a in roles):
        return query
    depts = [a.scope_id for a in roles if a.scope_type == "DEPARTMENT"]
    units = [a.scope_id for a in roles if a.scope_type == "UNIT"]
    divisions = [a.scope_id for a in roles if a.scope_type == "DIVISION"]
    if not (depts or units or divisions):
        return query.where(false())
    return query.where(ProcessInstance.scope_dept.in_(depts) | ProcessInstance.scope_unit.in_(units)
                       | ProcessInstance.scope_division.in_(divisions))


def supervised(user: User, filters: dict[str, Any], page: int = 1, per_page: int = 50) -> Page[ProcessInstance]:
    """Newest first (index ix_instance_started_at); `filters` as FILTERS, `year` an int or None."""
    query = scoped(select(ProcessInstance), user)
    if filters.get("process_key"):
        query = query.where(ProcessInstance.process_key == filters["process_key"])
    if filters.get("status"):
        query = query.where(ProcessInstance.status == filters["status"])
    if filters.get("dept"):
        query = query.where(ProcessInstance.scope_dept == filters["dept"])
    if filters.get("year") is not None:
        query = query.where(ProcessInstance.year == filters["year"])
    if filters.get("q"):
        like = f"%{filters['q']}%"
        query = query.where(ProcessInstance.title.ilike(like) | ProcessInstance.business_key.ilike(like))
    if filters.get("step"):
        query = query.where(exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.status == "READY",
                                           HumanTask.title.ilike(f"%{filters['step']}%")))
    return paged(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id), page, per_page)


def process_keys() -> list[str]:
    return sorted(db.session.scalars(select(ProcessInstance.process_key).distinct()))


def of_business_key(business_key: str, user: User) -> list[ProcessInstance]:
    """Every instance of one business object (P1 now, later the other families: they share the
    project code as business key) that `user` may see, oldest first."""
    rows = db.session.scalars(select(ProcessInstance).where(ProcessInstance.business_key == business_key)
                              .order_by(ProcessInstance.started_at))
    return [i for i in rows if can_view_instance(user, i) or can_view_instance(user, i, participants(i.id))]


def history(instances: list[ProcessInstance], limit: int = 500) -> list[tuple[AuditEvent, ProcessInstance]]:
    """The audit trail across `instances`, oldest first (index ix_audit_instance), at most `limit`
    events (the newest)."""
    if not instances:
        return []
    by_id = {i.id: i for i in instances}
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id.in_(by_id))
                              .order_by(AuditEvent.id.desc()).limit(limit))
    return [(e, by_id[e.instance_id]) for e in reversed(list(rows))]
