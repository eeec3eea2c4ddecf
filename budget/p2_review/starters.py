"""Starting P2 (processes §5.4): one instance per project-year, started by a message — the rolling
`msg_project_in_library` thrown by P1, or the budget division's batch `msg_budget_prep_start` —
and never twice: the starter claims the project-year under
its row lock (cycle_status None → REQUEST_PREP) and declines when it is already claimed."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from budget.calc.domains import domain_of
from budget.calc.money import yuan_to_wan
from budget.models import Department, Jurisdiction, PerformanceTarget, Project, ProjectYear
from budget.shared.helpers import TZ, today
from budget.shared.lookups import as_uuid
from budget.shared.rule_settings import in_force as rules_in_force
from budget.shared.targets import target_values
from engine.base import hooks
from engine.base.db import db

PROCESS = "p2_target_joint_review"
ROLLING_SUBMIT_DAYS = 15  # [A] a rolling start gives the unit 15 days to confirm the year's request
# the start's scope and codes in the project's read, not three more (a batch starts 10,000 of them)
PROJECT_WITH_ORGS = (joinedload(Project.department).joinedload(Department.fund_division), joinedload(Project.unit))


@hooks.message_starter(PROCESS)
def start_from_message(message: str, correlation: dict[str, Any], payload: dict[str, Any]) -> hooks.StartSpec | None:
    if message == "msg_project_in_library":
        due = datetime.combine(today() + timedelta(days=ROLLING_SUBMIT_DAYS), time(23, 59, 59), TZ).isoformat()
        return claim(payload["project_id"], int(payload["request_year"]), due)
    if message == "msg_budget_prep_start":  # the budget division's batch (budget.p2_review.batch)
        return claim(payload["project_id"], int(payload["fiscal_year"]), payload["submit_due_iso"])
    return None


def claim(project_id: Any, fiscal_year: int, submit_due_iso: str) -> hooks.StartSpec | None:
    """The project-year's P2 start, or None when P2 already runs (or ran) for it."""
    py = db.session.scalars(select(ProjectYear).where(
        ProjectYear.project_id == as_uuid(project_id), ProjectYear.fiscal_year == fiscal_year).with_for_update()).first()
    if py is None or py.cycle_status is not None:
        return None
    project = db.session.scalar(select(Project).where(Project.id == py.project_id).options(*PROJECT_WITH_ORGS))
    if project is None or project.library_status not in ("IN_LIBRARY", "ACTIVE"):
        return None
    py.cycle_status = "REQUEST_PREP"
    target = db.session.get(PerformanceTarget, py.target_id) if py.target_id else None
    jurisdiction = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)).first()
    dept, unit = project.department, project.unit
    requested_wan = yuan_to_wan(py.requested)
    data = {
        "project_id": str(project.id), "project_code": project.code, "project_year_id": str(py.id),
        "request_year": fiscal_year, "fiscal_year": fiscal_year, "apply_year": fiscal_year,
        "jurisdiction": jurisdiction.code if jurisdiction else None,
        "packs": rules_in_force(jurisdiction).packs,
        "dept_code": dept.code, "unit_code": unit.code, "domain": domain_of(project.function_category),
        "is_new": project.new_or_continuing == "NEW", "is_major_flag": project.is_major_flag,
        "is_key_target_flag": bool(target and target.is_key_target), "cost_catalog": project.cost_catalog,
        "framework": target.framework if target else "FW88", "submit_due_iso": submit_due_iso, "round": 1,
        "requested_amount": requested_wan, "request_wan": requested_wan, **target_values(target),
    }
    division = dept.fund_division.code if dept.fund_division else None
    return hooks.StartSpec(
        data=data, business_key=project.code, title=f"{project.name} 绩效目标审核与批复（{fiscal_year}年度）",
        scope={"unit": unit.code, "dept": dept.code, "division": division}, year=fiscal_year)
