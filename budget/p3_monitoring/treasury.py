"""The treasury's side of P3's decisions: payment holds in force (国库处 releases them; the fund
divisions see their own read-only) and the budget-adjustment requests waiting for the budget
division. Who sees a row follows the data scope of the project's unit, department and fund division,
as tasks do (engine.work.access.covers)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from budget.models import (
    BudgetAdjustmentRequest,
    Department,
    FinanceDivision,
    PaymentHold,
    Project,
    ProjectYear,
)
from engine.base import now as engine_now
from engine.base.db import db
from engine.base.errors import Forbidden, NotFound
from engine.base.identity import User
from engine.base.models import ProcessInstance
from engine.work.access import covers
from engine.work.audit import audit
from engine.work.opinions import notify

RELEASERS = {"FIN_TREASURY"}
HOLD_VIEWERS = {"FIN_TREASURY", "FIN_FUND"}
ADJUST_VIEWERS = {"FIN_BUDGET", "FIN_FUND"}


@dataclass
class Row:
    """One hold or adjustment request with what a clerk reads about its project."""

    id: uuid.UUID
    project_code: str
    project_name: str
    fiscal_year: int
    dept_code: str
    unit_code: str
    division_code: str | None
    reason: str
    since: datetime
    decided_by: str | None
    status: str
    hold_until: date | None = None
    kind: str | None = None
    amount: Decimal | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    release_note: str | None = None
    instance_id: str | None = None


def _scoped(user: User, roles: set[str], unit: str, dept: str, division: str | None) -> bool:
    return any(a.role in roles and a.valid_on() and covers(a, unit, dept, division) for a in user.roles)


def _query(model: Any, *where: Any) -> Any:
    unit, dept = Department.__table__.alias("unit"), Department.__table__.alias("dept")
    return (select(model, Project.code, Project.name, ProjectYear.fiscal_year, dept.c.code, unit.c.code,
                   FinanceDivision.code)
            .join(ProjectYear, ProjectYear.id == model.project_year_id)
            .join(Project, Project.id == ProjectYear.project_id)
            .join(dept, dept.c.id == Project.department_id).join(unit, unit.c.id == Project.unit_id)
            .outerjoin(FinanceDivision, FinanceDivision.id == dept.c.fund_division_id)
            .where(*where).order_by(model.created_at.desc()))


def _row(rec: Any, code: str, name: str, year: int, dept: str, unit: str, division: str | None) -> Row:
    common = dict(id=rec.id, project_code=code, project_name=name, fiscal_year=year, dept_code=dept, unit_code=unit,
                  division_code=division, reason=rec.reason, since=rec.created_at, decided_by=rec.created_by,
                  status=rec.status, instance_id=rec.instance_id)
    if isinstance(rec, PaymentHold):
        return Row(**common, hold_until=rec.hold_until, released_by=rec.released_by, released_at=rec.released_at,
                   release_note=rec.release_note)
    return Row(**common, kind=rec.kind, amount=rec.amount)


def may_see_holds(user: User) -> bool:
    return bool(user.role_codes() & HOLD_VIEWERS)


def may_see_adjustments(user: User) -> bool:
    return bool(user.role_codes() & ADJUST_VIEWERS)


def holds(user: User, status: str = "HELD") -> list[Row]:
    """The holds `user` may see: in force (HELD), or the released ones (RELEASED)."""
    rows = db.session.execute(_query(PaymentHold, PaymentHold.status == status)).all()
    return [r for r in (_row(*t) for t in rows)
            if _scoped(user, HOLD_VIEWERS, r.unit_code, r.dept_code, r.division_code)]


def adjustments(user: User) -> list[Row]:
    """Budget-adjustment requests (RECOVER / REALLOCATE) waiting for the budget division."""
    rows = db.session.execute(_query(BudgetAdjustmentRequest, BudgetAdjustmentRequest.status == "PENDING")).all()
    return [r for r in (_row(*t) for t in rows)
            if _scoped(user, ADJUST_VIEWERS, r.unit_code, r.dept_code, r.division_code)]


def visible_hold(hold_id: Any, user: User, lock: bool = False) -> tuple[PaymentHold, Row]:
    """The hold and its row when `user` may see it; NotFound otherwise (as for an id that does not
    exist)."""
    try:
        key = uuid.UUID(str(hold_id))
    except ValueError:
        raise NotFound("暂缓拨款记录不存在") from None
    stmt = _query(PaymentHold, PaymentHold.id == key)
    found = db.session.execute(stmt.with_for_update(of=PaymentHold) if lock else stmt).first()
    row = _row(*found) if found is not None else None
    if row is None or not _scoped(user, HOLD_VIEWERS, row.unit_code, row.dept_code, row.division_code):
        raise NotFound("暂缓拨款记录不存在")
    return found[0], row


def release(hold_id: Any, user: User, note: str) -> tuple[PaymentHold, bool]:
    """解除暂缓: the hold RELEASED with the note (once: a second release changes nothing and says
    so), the project-year paid again when no other hold of it is in force, an audit row on the
    instance that decided it, and the decider and the department told. (hold, changed)"""
    hold, row = visible_hold(hold_id, user, lock=True)
    if not _scoped(user, RELEASERS, row.unit_code, row.dept_code, row.division_code):
        raise Forbidden("只有国库处可以解除暂缓拨款")
    if hold.status == "RELEASED":
        return hold, False
    hold.status, hold.released_by, hold.release_note = "RELEASED", user.username, note
    hold.released_at = engine_now.now()  # the engine's time, as the hold's own dates
    py = db.session.get(ProjectYear, hold.project_year_id)
    others = db.session.scalar(select(func.count()).select_from(PaymentHold).where(
        PaymentHold.project_year_id == py.id, PaymentHold.status == "HELD", PaymentHold.id != hold.id))
    if not others:
        py.hold_payment = False
    instance = db.session.get(ProcessInstance, uuid.UUID(hold.instance_id)) if hold.instance_id else None
    title = f"解除暂缓拨款：{row.project_name}（{row.fiscal_year}年度）"
    if instance is not None:
        audit(instance, user, "hold_released", title=title, comment=note, detail={"hold_id": str(hold.id)})
    officers = db.session.scalars(select(User.username).where(
        User.active.is_(True), User.roles.any(role="DEPT_OFFICER", scope_id=row.dept_code))).all()
    notify([n for n in {hold.created_by, *officers} if n and n != user.username], "hold_released", title,
           body=note, instance=instance, by=user.username)
    db.session.flush()
    return hold, True
