"""工作台账 V-02: every deliverable with a deadline, as of a day, within the viewer's scope.

Two kinds of rows, one SQL union: (1) the work items of user tasks that declare a `deliverable`
(one row per instance, step and due date: a step returned and done again stays one row, submitted
when its last open item was completed); (2) P7's plan and report of each rectification case, from
the case record, its due date as valid at D (deadline_change) and its first submission by D.
Status and days late are computed in SQL at D so filters, counts and paging stay in the database."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, String, and_, case, cast, func, literal, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased

from budget.ledgers.asof import DUE_SOON_DAYS, AsOf
from budget.ledgers.deliverables import by_task
from budget.library import scope_clause
from budget.models import (
    DeadlineChange,
    Department,
    Project,
    ProjectYear,
    RectificationCase,
    RectificationPlan,
    RectificationReport,
)
from budget.models.rectification import IssueItem
from engine.base.db import db
from engine.base.models import HumanTask
from engine.base.paging import Page

STATUSES = ("NOT_DUE", "DUE_SOON", "OVERDUE", "DONE_ON_TIME", "DONE_LATE")
STATUS_ZH = {"NOT_DUE": "未到期", "DUE_SOON": "即将到期", "OVERDUE": "已逾期", "DONE_ON_TIME": "按时完成",
             "DONE_LATE": "逾期完成"}
TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class LedgerFilters:
    year: int | None = None
    dept: str = ""
    status: str = ""
    source: str = ""
    deliverable: str = ""


def _local_date(column: Any) -> Any:
    return cast(func.timezone(literal_column(f"'{TZ}'"), column), Date)


def _task_rows(user: Any, at: AsOf) -> Any:
    """Work items of deliverable steps, grouped per (instance, step, due date)."""
    mapping = by_task()
    dept, unit = aliased(Department), aliased(Department)
    h = HumanTask
    open_at_d = or_(h.completed_at.is_(None), h.completed_at > at.cutoff, h.status != "COMPLETED")
    due = _local_date(h.due_at)
    deliverable = case(*((h.task_name == k, v) for k, v in mapping.items()), else_=literal("CUSTOM"))
    query = (select(
        func.concat(cast(h.instance_id, String), ":", h.task_name, ":", cast(due, String)).label("key"),
        func.upper(func.split_part(func.min(h.process_key), "_", 1)).label("source"),
        func.min(deliverable).label("deliverable"),
        func.coalesce(func.min(Project.name), func.min(h.instance_title)).label("object_name"),
        func.min(h.year).label("year"),
        func.min(dept.code).label("dept_code"), func.min(dept.name).label("dept_name"),
        func.coalesce(func.max(h.assignee).filter(open_at_d), func.max(h.completed_by)).label("responsible"),
        func.min(h.lane).label("lane"),
        due.label("due"),
        case((func.count().filter(open_at_d) == 0, func.max(h.completed_at)), else_=None).label("submitted_at"),
        cast(h.instance_id, String).label("instance_id"),
        func.min(cast(h.created_at, Date)).label("opened"),
        func.max(cast(h.id, String)).filter(h.status == "READY").label("task_id"),
    ).select_from(h)
        .outerjoin(dept, dept.code == h.scope_dept).outerjoin(unit, unit.code == h.scope_unit)
        .outerjoin(Project, and_(Project.code == h.business_key, Project.deleted.is_(False)))
        .where(h.task_name.in_(list(mapping)), h.due_at.is_not(None), h.status != "CANCELLED",
               h.created_at <= at.cutoff)
        .group_by(h.instance_id, h.task_name, due))
    scope = scope_clause(user, dept, unit)
    return query.where(scope) if scope is not None else query


def due_at_d(obj_id: Any, field: str, current: Any, at: AsOf) -> Any:
    """The due date valid at D: the old date of the first change made after D, else the current one."""
    earlier = (select(DeadlineChange.old_due).where(DeadlineChange.object_id == obj_id, DeadlineChange.field == field,
                                                    DeadlineChange.changed_at > at.cutoff)
               .order_by(DeadlineChange.changed_at).limit(1).scalar_subquery())
    return func.coalesce(earlier, current)


def first_due_by_d(obj_id: Any, field: str, current: Any, at: AsOf) -> Any:
    """The earliest due date the object had by D: a deadline moved later (a 约谈's new report date)
    does not undo the days already late against the first one (sample-data §8.8, RC-2025-002)."""
    moved = (select(func.min(DeadlineChange.old_due)).where(DeadlineChange.object_id == obj_id,
                                                            DeadlineChange.field == field,
                                                            DeadlineChange.changed_at <= at.cutoff)
             .scalar_subquery())
    valid = due_at_d(obj_id, field, current, at)
    return func.least(func.coalesce(moved, valid), valid)


def case_scope(user: Any) -> tuple[Any, Any, Any]:
    """(dept alias, unit alias, scope clause or None) for rectification cases."""
    dept, unit = aliased(Department), aliased(Department)
    return dept, unit, scope_clause(user, dept, unit)


def _case_rows(user: Any, at: AsOf, kind: str) -> Any:
    """P7: the plan (RECT_PLAN) or the report (RECT_REPORT, round 0) of every case notified by D."""
    c = RectificationCase
    dept, unit, scope = case_scope(user)
    if kind == "RECT_PLAN":
        field, required, record = "plan_due", c.plan_required, RectificationPlan
        first = select(func.min(record.submitted_at)).where(record.case_id == c.id, record.submitted_at <= at.cutoff)
    else:
        field, required, record = "report_due", c.report_required, RectificationReport
        first = select(func.min(record.submitted_at)).where(record.case_id == c.id, record.round == 0,
                                                            record.submitted_at <= at.cutoff)
    stamped = getattr(c, f"{field.split('_')[0]}_submitted_at")
    submitted = func.coalesce(first.scalar_subquery(), case((stamped <= at.cutoff, stamped), else_=None))
    owner = (select(IssueItem.owner_person).where(IssueItem.case_id == c.id).order_by(IssueItem.seq).limit(1)
             .scalar_subquery())
    open_item = (select(HumanTask.assignee).where(cast(HumanTask.instance_id, String) == c.instance_id,
                                                  HumanTask.status == "READY", HumanTask.assignee.is_not(None))
                 .limit(1).scalar_subquery())
    query = (select(
        func.concat(c.code, ":", kind).label("key"), literal("P7").label("source"), literal(kind).label("deliverable"),
        Project.name.label("object_name"), ProjectYear.fiscal_year.label("year"),
        dept.code.label("dept_code"), dept.name.label("dept_name"),
        func.coalesce(open_item, owner).label("responsible"), literal("UNIT_FILER").label("lane"),
        due_at_d(c.id, field, getattr(c, field), at).label("due"), submitted.label("submitted_at"),
        c.instance_id.label("instance_id"), c.notice_date.label("opened"),
        cast(literal(None), String).label("task_id"),
    ).select_from(c).join(ProjectYear, ProjectYear.id == c.project_year_id)
        .join(Project, Project.id == ProjectYear.project_id)
        .join(dept, dept.id == c.responsible_dept_id).join(unit, unit.id == c.responsible_unit_id)
        .where(required.is_(True), getattr(c, field).is_not(None), c.status != "CANCELLED",
               c.notice_date.is_not(None), c.notice_date <= at.day, Project.deleted.is_(False)))
    return query.where(scope) if scope is not None else query


def rows_at(user: Any, at: AsOf) -> Any:
    """Every row in scope with its status and days late at D (a subquery)."""
    both = union_all(_task_rows(user, at), _case_rows(user, at, "RECT_PLAN"),
                     _case_rows(user, at, "RECT_REPORT")).subquery("ledger_rows")
    day = literal(at.day, Date)
    done_day = _local_date(both.c.submitted_at)
    status = case(
        (and_(both.c.submitted_at.is_not(None), done_day <= both.c.due), literal("DONE_ON_TIME")),
        (both.c.submitted_at.is_not(None), literal("DONE_LATE")),
        (both.c.due < day, literal("OVERDUE")),
        (both.c.due - day <= DUE_SOON_DAYS, literal("DUE_SOON")),
        else_=literal("NOT_DUE"))
    late = case((both.c.submitted_at.is_not(None), func.greatest(0, done_day - both.c.due)),
                else_=func.greatest(0, day - both.c.due))
    return select(both, status.label("status"), late.label("days_late")).subquery("ledger")


def _filtered(user: Any, at: AsOf, f: LedgerFilters, with_status: bool = True) -> tuple[Any, list[Any]]:
    led = rows_at(user, at)
    where = []
    if f.year:
        where.append(led.c.year == f.year)
    if f.dept:
        where.append(led.c.dept_code == f.dept)
    if f.source:
        where.append(led.c.source == f.source)
    if f.deliverable:
        where.append(led.c.deliverable == f.deliverable)
    if with_status and f.status:
        where.append(led.c.status.in_(f.status.split(",")))
    return led, where


def ledger_page(user: Any, at: AsOf, f: LedgerFilters, page: int, per_page: int) -> Page[dict[str, Any]]:
    """One page, ordered by department, due date and object; `extra` holds the counts by
    department and status over the whole selection whatever the status filter."""
    led, where = _filtered(user, at, f)
    total = db.session.scalar(select(func.count()).select_from(led).where(*where)) or 0
    found = db.session.execute(
        select(led).where(*where).order_by(led.c.dept_code.nulls_last(), led.c.due, led.c.object_name, led.c.key)
        .limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return Page([dict(r) for r in found], total, page, per_page, extra={"groups": groups(user, at, f)})


def all_rows(user: Any, at: AsOf, f: LedgerFilters, batch: int = 500) -> Any:
    """Every row of the selection, `batch` at a time (exports)."""
    led, where = _filtered(user, at, f)
    offset = 0
    while True:
        found = db.session.execute(select(led).where(*where).order_by(
            led.c.dept_code.nulls_last(), led.c.due, led.c.object_name, led.c.key)
            .limit(batch).offset(offset)).mappings().all()
        if not found:
            return
        yield from (dict(r) for r in found)
        offset += batch


def count_rows(user: Any, at: AsOf, f: LedgerFilters) -> int:
    led, where = _filtered(user, at, f)
    return db.session.scalar(select(func.count()).select_from(led).where(*where)) or 0


def groups(user: Any, at: AsOf, f: LedgerFilters) -> list[dict[str, Any]]:
    """Per department: the number of rows in each status and in all (status filter ignored)."""
    led, where = _filtered(user, at, f, with_status=False)
    query = (select(led.c.dept_code, func.min(led.c.dept_name).label("dept_name"), led.c.status,
                    func.count().label("n")).where(*where).group_by(led.c.dept_code, led.c.status)
             .order_by(led.c.dept_code.nulls_last()))
    out: dict[Any, dict[str, Any]] = {}
    for r in db.session.execute(query):
        g = out.setdefault(r.dept_code, {"dept_code": r.dept_code, "dept_name": r.dept_name, "total": 0,
                                         **{s: 0 for s in STATUSES}})
        g[r.status] += r.n
        g["total"] += r.n
    return list(out.values())

