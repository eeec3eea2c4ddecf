"""The F-01 submission check that needs the database (forms.md F-01), the `check` of the P1
application handlers: the engine adds its errors to the form errors (422) and writes nothing."""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_, select

from budget.models import Department, Project, ProjectYear
from budget.shared.lookups import as_uuid, find_user
from engine.base.db import db
from engine.base.hooks import TaskCompleted

CLOSED = ("NOT_ADMITTED", "WITHDRAWN", "CANCELLED", "COMPLETED")


def check_application(event: TaskCompleted) -> dict[str, list[str]]:
    """同名项目 in the department and year; the responsible person is an active user of the unit."""
    submission, data = event.submission, event.data
    if not data.get("project_id"):
        return {}
    project = db.session.get(Project, as_uuid(data["project_id"]))
    if project is None:
        return {}
    errors: dict[str, list[str]] = {}
    year = int(data.get("request_year") or 0)
    name = (submission.get("name") or "").strip()
    if name and year and duplicate_name(project, name, year):
        errors["name"] = [f"本部门 {year} 年度已有同名项目"]
    if "responsible_person" in submission and not is_unit_user(submission["responsible_person"], project.unit):
        errors["responsible_person"] = ["项目责任人须为本单位在岗用户"]
    return errors


def duplicate_name(project: Project, name: str, year: int) -> bool:
    """Another live project of the same department with this name requests or spans `year`."""
    has_year = exists().where(ProjectYear.project_id == Project.id, ProjectYear.fiscal_year == year)
    spans = and_(Project.start_year <= year, Project.end_year >= year)
    stmt = select(Project.id).where(
        Project.department_id == project.department_id, Project.id != project.id,
        Project.name == name, Project.deleted.is_(False), Project.library_status.not_in(CLOSED),
        or_(has_year, spans),
    )
    return db.session.scalars(stmt.limit(1)).first() is not None


def is_unit_user(ref: Any, unit: Department) -> bool:
    """Active, and of the unit: either its org is the unit or it holds a role scoped to the unit."""
    user = find_user(ref)
    if user is None or not user.active:
        return False
    return user.org_code == unit.code or any(
        r.scope_type == "UNIT" and r.scope_id == unit.code and r.valid_on() for r in user.roles
    )


