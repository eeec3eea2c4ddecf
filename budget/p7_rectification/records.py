"""What P7's handlers look up: the case of an instance, its issues, the people a notice goes to."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from budget.calc.rectification import SEVERITY_ZH
from budget.models import Department, IssueItem, RectificationCase
from budget.shared.lookups import as_uuid
from engine.base.db import db
from engine.base.identity import User
from engine.work.reminders import role_holders

OPEN_STATUSES = ("OPEN", "IN_PROGRESS", "SELF_DECLARED_DONE", "NOT_CLOSED", "OVERDUE")  # not yet 销号 / waived


def case_of(data: Mapping[str, Any], lock: bool = False) -> RectificationCase:
    raw = data.get("case_id")
    if not raw:
        raise ValueError("任务数据缺少 case_id")
    stmt = select(RectificationCase).where(RectificationCase.id == as_uuid(raw))
    case = db.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if case is None:
        raise ValueError(f"整改事项 {raw} 不存在")
    return case


def issues_of(case: RectificationCase, open_only: bool = False) -> list[IssueItem]:
    stmt = select(IssueItem).where(IssueItem.case_id == case.id)
    if open_only:
        stmt = stmt.where(IssueItem.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(stmt.order_by(IssueItem.seq)))


def issue_label(issue: IssueItem) -> str:
    return f"{issue.seq}. {issue.description}（{SEVERITY_ZH.get(issue.severity, issue.severity)}）"


def unit_name(unit_id: Any) -> str:
    unit = db.session.get(Department, unit_id) if unit_id else None
    return unit.name if unit else ""


def unit_of_person(username: str | None) -> Department | None:
    """The unit (or department) a person belongs to: their organisation code."""
    if not username:
        return None
    org = db.session.scalar(select(User.org_code).where(User.username == username))
    return db.session.scalars(select(Department).where(Department.code == org)).first() if org else None


class _Scope:
    """A probe with the case's data scope, for engine.work.reminders.role_holders."""

    def __init__(self, instance: Any):
        self.scope_unit, self.scope_dept = instance.scope_unit, instance.scope_dept
        self.scope_division = instance.scope_division


def holders(instance: Any, *roles: str) -> list[str]:
    return [name for role in roles for name in role_holders(role, _Scope(instance))]  # type: ignore[arg-type]
