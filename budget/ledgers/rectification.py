"""整改台账 V-10: rectification cases and their issues as of a day, within the viewer's scope —
source, project, department, owners, deadlines valid at D, status, overdue days at D, follow-up
schedule and results, rounds — and 销号率 by department (closed + waived issues by D / all issues).

A case's workflow status has no history: for D before today the status is derived from dated
facts (closed, report or plan submitted, notified by D); issues closed after D read 整改中."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

# one vocabulary with P7 and the project page (the pure rules own it); re-exported for the pages and API
from budget.calc.rectification import CASE_STATUS_ZH, SOURCE_ZH
from budget.ledgers.asof import AsOf
from budget.ledgers.work import case_scope, due_at_d, first_due_by_d
from budget.models import FollowUpCheck, IssueItem, Project, ProjectYear, RectificationCase
from engine.base.db import db
from engine.base.paging import Page

ISSUE_STATUS_ZH = {"OPEN": "待整改", "IN_PROGRESS": "整改中", "SELF_DECLARED_DONE": "已整改待核查", "CLOSED": "已销号",
                   "NOT_CLOSED": "未销号", "OVERDUE": "逾期", "WAIVED": "无法整改(经批准)"}
RESULT_ZH = {"CLOSED": "整改到位-销号", "PARTIAL": "部分整改", "NOT_RECTIFIED": "未整改"}
MODE_ZH = {"NONE": "无需核查", "DESK": "书面核查", "ONSITE": "上门核查"}
CONCLUSION_ZH = {"ALL_CLOSED": "全部销号", "PARTIAL": "部分销号", "NONE_CLOSED": "均未销号"}
DONE = ("CLOSED", "WAIVED")


@dataclass(frozen=True)
class CaseFilters:
    year: int | None = None
    dept: str = ""
    status: str = ""
    source: str = ""


def _cases(user: Any, at: AsOf, f: CaseFilters) -> Select:
    c = RectificationCase
    dept, unit, scope = case_scope(user)
    query = (select(c, Project.name.label("project_name"), Project.code.label("project_code"),
                    dept.code.label("dept_code"), dept.name.label("dept_name"), unit.name.label("unit_name"),
                    ProjectYear.fiscal_year.label("year"),
                    due_at_d(c.id, "plan_due", c.plan_due, at).label("plan_due_at"),
                    due_at_d(c.id, "report_due", c.report_due, at).label("report_due_at"),
                    first_due_by_d(c.id, "plan_due", c.plan_due, at).label("plan_first_due"),
                    first_due_by_d(c.id, "report_due", c.report_due, at).label("report_first_due"))
             .join(ProjectYear, ProjectYear.id == c.project_year_id).join(Project, Project.id == ProjectYear.project_id)
             .join(dept, dept.id == c.responsible_dept_id).join(unit, unit.id == c.responsible_unit_id)
             .where(c.created_at <= at.cutoff, Project.deleted.is_(False)))
    if scope is not None:
        query = query.where(scope)
    if f.year:
        query = query.where(ProjectYear.fiscal_year == f.year)
    if f.dept:
        query = query.where(dept.code == f.dept)
    if f.source:
        query = query.where(c.source_type == f.source)
    if f.status:
        query = query.where(c.status == f.status)
    return query


def cases_page(user: Any, at: AsOf, f: CaseFilters, page: int, per_page: int, today: date) -> Page[dict[str, Any]]:
    query = _cases(user, at, f)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    found = db.session.execute(query.order_by(RectificationCase.code).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    rows = _rows(found, at, today)
    return Page(rows, total, page, per_page, extra={"rates": close_rates(user, at, f)})


def all_cases(user: Any, at: AsOf, f: CaseFilters, today: date, batch: int = 200) -> Any:
    offset, query = 0, _cases(user, at, f).order_by(RectificationCase.code)
    while found := db.session.execute(query.limit(batch).offset(offset)).all():
        yield from _rows(found, at, today)
        offset += batch


def count_cases(user: Any, at: AsOf, f: CaseFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(_cases(user, at, f).order_by(None).subquery())) or 0


def _rows(found: list[Any], at: AsOf, today: date) -> list[dict[str, Any]]:
    ids = [r[0].id for r in found]
    issues = _issues(ids, at)
    checks = _checks(ids, at)
    out = []
    for r in found:
        c: RectificationCase = r[0]
        case_checks = checks.get(c.id, [])
        results = {str(i["issue_id"]): i for ch in case_checks if ch["actual_date"] for i in ch["item_results"]}
        case_issues = [{**i, "result": (results.get(i["id"]) or {}).get("result"),
                        "result_name": RESULT_ZH.get((results.get(i["id"]) or {}).get("result") or "")}
                       for i in issues.get(c.id, [])]
        plan_done = c.plan_submitted_at is not None and c.plan_submitted_at <= at.cutoff
        report_done = c.report_submitted_at is not None and c.report_submitted_at <= at.cutoff
        status = c.status if at.day >= today else _status_at(c, at, plan_done, report_done)
        out.append({
            "id": str(c.id), "code": c.code, "source_type": c.source_type, "source_name": SOURCE_ZH.get(c.source_type),
            "source_label": c.source_label, "project_code": r.project_code, "project_name": r.project_name,
            "year": r.year, "dept_code": r.dept_code, "dept_name": r.dept_name, "unit_name": r.unit_name,
            "owners": sorted({i["owner"] for i in case_issues if i["owner"]}),
            "notice_date": c.notice_date, "plan_due": r.plan_due_at, "report_due": r.report_due_at,
            "plan_submitted_at": c.plan_submitted_at if plan_done else None,
            "report_submitted_at": c.report_submitted_at if report_done else None,
            "status": status, "status_name": CASE_STATUS_ZH.get(status, status),
            "overdue_days": _overdue(c, r.plan_first_due, r.report_first_due, plan_done, report_done, at.day),
            "followup_mode": c.followup_mode, "followup_mode_name": MODE_ZH.get(c.followup_mode),
            "followups": case_checks, "rounds": c.re_round, "interview_held": c.interview_held,
            "instance_id": c.instance_id, "issues": case_issues,
            "closed": sum(1 for i in case_issues if i["status"] in DONE), "issue_count": len(case_issues),
        })
    return out


def _status_at(c: RectificationCase, at: AsOf, plan_done: bool, report_done: bool) -> str:
    if c.closed_at is not None and c.closed_at <= at.cutoff:
        return "CLOSED"
    if report_done:
        return "REPORT_SUBMITTED"
    if plan_done:
        return "PLAN_SUBMITTED"
    return "NOTIFIED" if c.notice_date and c.notice_date <= at.day else "CREATED"


def _overdue(c: RectificationCase, plan_due: date | None, report_due: date | None, plan_done: bool,
             report_done: bool, day: date) -> int:
    """Days past the first deadline of a deliverable still unmet at D (plan or report), even when a
    约谈 has since set a later one; 0 once closed by D."""
    if c.closed_at is not None and c.closed_at.date() <= day:
        return 0
    late = [(day - due).days for due, required, done in ((plan_due, c.plan_required, plan_done),
                                                          (report_due, c.report_required, report_done))
            if required and due is not None and not done and due < day]
    return max(late, default=0)


def _issues(ids: list[uuid.UUID], at: AsOf) -> dict[uuid.UUID, list[dict[str, Any]]]:
    if not ids:
        return {}
    i = IssueItem
    query = (select(i, due_at_d(i.id, "deadline", i.deadline, at).label("deadline_at"))
             .where(i.case_id.in_(ids), i.created_at <= at.cutoff).order_by(i.case_id, i.seq))
    out: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for item, deadline in db.session.execute(query):
        closed = item.closed_at is not None and item.closed_at <= at.day
        status = item.status if (item.status not in DONE or closed) else "IN_PROGRESS"
        out.setdefault(item.case_id, []).append({
            "id": str(item.id), "seq": item.seq, "description": item.description, "severity": item.severity,
            "owner": item.owner_person, "deadline": deadline, "status": status,
            "status_name": ISSUE_STATUS_ZH.get(status, status), "rounds": item.rounds,
            "closed_at": item.closed_at if closed else None, "waiver_reason": item.waiver_reason})
    return out


def _checks(ids: list[uuid.UUID], at: AsOf) -> dict[uuid.UUID, list[dict[str, Any]]]:
    if not ids:
        return {}
    out: dict[uuid.UUID, list[dict[str, Any]]] = {}
    query = (select(FollowUpCheck).where(FollowUpCheck.case_id.in_(ids), FollowUpCheck.created_at <= at.cutoff)
             .order_by(FollowUpCheck.case_id, FollowUpCheck.round, FollowUpCheck.created_at))
    for ch in db.session.scalars(query):
        done = ch.actual_date is not None and ch.actual_date <= at.day
        out.setdefault(ch.case_id, []).append({
            "round": ch.round, "mode": ch.mode, "mode_name": MODE_ZH.get(ch.mode), "planned_date": ch.planned_date,
            "actual_date": ch.actual_date if done else None, "checkers": list(ch.checkers or []),
            "conclusion": ch.conclusion if done else None,
            "conclusion_name": CONCLUSION_ZH.get(ch.conclusion or "") if done else None,
            "item_results": list(ch.item_results or []) if done else []})
    return out


def close_rates(user: Any, at: AsOf, f: CaseFilters) -> list[dict[str, Any]]:
    """销号率 per department: issues closed or waived by D over all issues of the cases listed."""
    cases = _cases(user, at, f).order_by(None).subquery()
    i = IssueItem
    done = i.status.in_(DONE) & i.closed_at.is_not(None) & (i.closed_at <= at.day)
    query = (select(cases.c.dept_code, func.min(cases.c.dept_name).label("dept_name"), func.count(i.id).label("issues"),
                    func.count(i.id).filter(done).label("closed"))
             .select_from(cases).join(i, i.case_id == cases.c.id).where(i.created_at <= at.cutoff)
             .group_by(cases.c.dept_code).order_by(cases.c.dept_code))
    return [{"dept_code": r.dept_code, "dept_name": r.dept_name, "issues": r.issues, "closed": r.closed,
             "rate": round(100 * r.closed / r.issues, 1) if r.issues else None} for r in db.session.execute(query)]
