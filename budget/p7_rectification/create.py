"""`st_p7_create` (processes §5.9 row 2): DT-14's matched rows aggregated (budget.calc.rectification),
the case completed and its IssueItems made from the findings; the notice's defaults returned."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from budget.calc import rectification as calc
from budget.models import Department, IssueItem, ProjectYear
from budget.models.rectification import SEVERITIES
from budget.p7_rectification.records import case_of, issues_of, unit_name
from budget.shared.helpers import today
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext
from engine.base.identity import User

CATEGORIES = ("DECISION", "MANAGEMENT", "OUTPUT", "EFFECT", "COST", "SELF_EVAL_QUALITY", "OTHER")
CREATE_RETURNS = ("plan_required", "report_required", "requirement_summary", "source_summary", "notice_issues",
                  "plan_due_default", "report_due_default", "requirements_default")


@hooks.service("p7.create_case", returns=CREATE_RETURNS)
def create_case(ctx: ServiceContext) -> dict[str, Any]:
    data = ctx.data
    case = case_of(data, lock=True)
    req = calc.requirement(data.get("req_plan"), data.get("req_report"), data.get("req_plan_days"),
                           data.get("req_report_days"), data.get("req_hold"), data.get("req_rows"))
    plan_due, report_due = calc.dues(today(), req)
    case.requirement_rows, case.plan_required, case.report_required = req.rows, req.plan_required, req.report_required
    case.budget_hold, case.plan_due, case.report_due = req.budget_hold, plan_due, report_due
    case.instance_id = str(ctx.instance.id)
    py = db.session.get(ProjectYear, case.project_year_id)
    if req.budget_hold:
        py.hold_until_rectified = True
    if not issues_of(case):
        _issues(case, py)
    requirements = calc.requirement_words(req)
    return {
        "plan_required": req.plan_required, "report_required": req.report_required,
        "requirement_summary": requirements, "source_summary": source_summary(case, py),
        "notice_issues": notice_rows(case), "plan_due_default": plan_due, "report_due_default": report_due,
        "requirements_default": f"请按期{requirements}，逐项落实整改并提供佐证材料。",
    }


def source_summary(case: Any, py: ProjectYear) -> str:
    grade = f"，等级{case.grade}" if case.grade else ""
    return f"{case.code}：{py.project.name}（{py.fiscal_year}年度）— {case.source_label}{grade}"


def _issues(case: Any, py: ProjectYear) -> None:
    """One IssueItem per finding; the owner unit is the finding's (a unit of the same department) or
    the project's, the owner person the project's responsible person until the notice picks one."""
    project = py.project
    owner = db.session.get(User, project.responsible_person_id) if project.responsible_person_id else None
    units = {d.code: d for d in db.session.scalars(select(Department).where(
        Department.parent_id == case.responsible_dept_id))}
    findings = case.findings or [{"description": case.source_label or "整改事项", "category": "OTHER"}]
    for seq, f in enumerate(findings, start=1):
        unit = units.get(str(f.get("owner_unit") or "")) or db.session.get(Department, case.responsible_unit_id)
        db.session.add(IssueItem(
            case_id=case.id, seq=seq, description=str(f.get("description") or f.get("text") or "")[:1000] or "（未描述）",
            category=f.get("category") if f.get("category") in CATEGORIES else "OTHER",
            severity=f.get("severity") if f.get("severity") in SEVERITIES else "MEDIUM",
            owner_unit_id=unit.id, owner_person=owner.username if owner else None,
            suggested_measure=f.get("suggested_measure") or f.get("suggestion"), status="OPEN",
            deadline=case.report_due or case.plan_due, created_by="system"))
    db.session.flush()


def notice_rows(case: Any) -> list[dict[str, Any]]:
    return [{"description": i.description, "category": i.category, "severity": i.severity,
             "owner_unit_name": unit_name(i.owner_unit_id), "owner_person": i.owner_person,
             "suggested_measure": i.suggested_measure} for i in issues_of(case)]
