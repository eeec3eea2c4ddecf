"""Starting P3 (processes §5.5): one instance per project-year, started by P2's `msg_budget_approved`
and never twice — the starter locks the project-year and declines when P3 already runs (or ran)
for it, or when the year is not EXECUTING."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.models import BudgetIssue, Jurisdiction, Project, ProjectYear
from budget.shared.lookups import as_uuid
from budget.shared.rule_settings import in_force as rules_in_force
from engine.base import hooks
from engine.base.db import db
from engine.base.models import ProcessInstance

PROCESS = "p3_monitoring"


@hooks.message_starter(PROCESS)
def start_from_message(message: str, correlation: dict[str, Any], payload: dict[str, Any]) -> hooks.StartSpec | None:
    if message != "msg_budget_approved":
        return None
    py = db.session.scalars(select(ProjectYear).where(
        ProjectYear.project_id == as_uuid(payload["project_id"]),
        ProjectYear.fiscal_year == int(payload["fiscal_year"])).with_for_update()).first()
    if py is None or py.cycle_status != "EXECUTING":
        return None
    project = db.session.get(Project, py.project_id)
    taken = db.session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.process_key == PROCESS, ProcessInstance.business_key == project.code,
        ProcessInstance.year == py.fiscal_year).limit(1))
    if taken is not None:  # the row lock orders racing deliveries: the second sees the first's instance
        return None
    return hooks.StartSpec(data=start_data(py, project), business_key=project.code,
                           title=f"{project.name} 绩效运行监控（{py.fiscal_year}年度）",
                           scope={"unit": project.unit.code, "dept": project.department.code,
                                  "division": project.department.fund_division.code
                                  if project.department.fund_division else None},
                           year=py.fiscal_year)


def start_data(py: ProjectYear, project: Project) -> dict[str, Any]:
    jurisdiction = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)).first()
    rules = rules_in_force(jurisdiction)  # the version in force when the year starts: kept for the year
    packs = rules.packs
    params = calc.rule_params(rules.rule_params)
    target_months, cost_months = calc.report_months(packs)
    issue = db.session.scalars(select(BudgetIssue).where(BudgetIssue.project_year_id == py.id,
                                                         BudgetIssue.level == "FINANCE")).first()
    # In-year approval (§4.7.1): the year was requested in-year (执行中追加, P1's in_year_reason) —
    # its time progress runs from the finance 批复 date; every other year runs from Jan 1.
    in_year = bool(project.in_year_reason) and project.start_year == py.fiscal_year and issue is not None
    return {
        "project_id": str(project.id), "project_code": project.code, "project_year_id": str(py.id),
        "fiscal_year": py.fiscal_year, "jurisdiction": jurisdiction.code if jurisdiction else None, "packs": packs,
        "dept_code": project.department.code, "unit_code": project.unit.code,
        "is_major": bool(py.is_major if py.is_major is not None else project.is_major_flag),
        "target_months": target_months, "cost_months": cost_months,
        "warn_start_month": params["warn_start_month"], "sd_key_operator": params["sd_key_operator"],
        "time_progress_mode": params["time_progress_mode"],
        "approved_on": issue.approval_date.isoformat() if in_year and issue else None,
    }
