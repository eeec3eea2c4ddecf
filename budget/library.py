"""The project library (项目库) as supervisors and the API see it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased, selectinload

from budget.calc.status import STATUS_LABELS
from budget.classification import concluded, of_year
from budget.models.org import Department
from budget.models.project import Project, ProjectYear
from engine.base.db import db
from engine.base.paging import Page, paged


def library_query(user: Any, filters: dict[str, Any]) -> Select:
    """Projects the user's data scope covers (ALL, their departments, units or divisions), with
    their department's and unit's code and name; ordered by code (unique index)."""
    dept = aliased(Department)
    unit = aliased(Department)
    query = (select(Project, dept.code, dept.name, unit.code, unit.name)
             .join(dept, Project.department_id == dept.id).join(unit, Project.unit_id == unit.id)
             .where(Project.deleted.is_(False)).options(selectinload(Project.years)))
    scope = scope_clause(user, dept, unit)
    if scope is not None:
        query = query.where(scope)
    if filters.get("status"):
        query = query.where(Project.library_status == filters["status"])
    if filters.get("dept"):
        query = query.where(dept.code == filters["dept"])
    if filters.get("q"):
        like = f"%{filters['q']}%"
        query = query.where(Project.name.ilike(like) | Project.code.ilike(like))
    if filters.get("year"):
        query = query.where(Project.years.any(ProjectYear.fiscal_year == int(filters["year"])))
    return query.order_by(Project.code)


def project_library(user: Any, filters: dict[str, Any], page: int = 1, per_page: int = 50) -> Page[dict[str, Any]]:
    found = paged(library_query(user, filters), page, per_page, scalars=False)
    last = concluded(y.id for row in found.items for y in row[0].years)  # one query for the page
    return found.map(lambda row: _project_json(*row, last=last))


def in_library_scope(user: Any, project_id: Any) -> bool:
    """Does the user's data scope cover the project (the 项目库 rule, for one project)?"""
    dept = aliased(Department)
    unit = aliased(Department)
    query = (select(Project.id).join(dept, Project.department_id == dept.id).join(unit, Project.unit_id == unit.id)
             .where(Project.id == project_id, Project.deleted.is_(False)))
    scope = scope_clause(user, dept, unit)
    if scope is not None:
        query = query.where(scope)
    return db.session.scalar(query.limit(1)) is not None


def scope_clause(user: Any, dept: Any, unit: Any) -> Any:
    """The library's data-scope rule as a WHERE clause over aliases of the project's department and
    unit (None: everything; the monitoring views use it too)."""
    from sqlalchemy import false, or_

    from budget.models.org import FinanceDivision

    clauses = []
    for a in user.roles:
        if not a.valid_on():
            continue
        if a.scope_type == "ALL":
            return None
        if a.scope_type == "DEPARTMENT":
            clauses.append(dept.code == a.scope_id)
        elif a.scope_type == "UNIT":
            clauses.append(unit.code == a.scope_id)
        elif a.scope_type == "DIVISION":
            division = select(FinanceDivision.id).where(FinanceDivision.code == a.scope_id).scalar_subquery()
            clauses.append(dept.fund_division_id == division)
    return or_(*clauses) if clauses else false()


def _project_json(p: Project, dept_code: str, dept_name: str, unit_code: str, unit_name: str, *,
                  last: dict[Any, Any]) -> dict[str, Any]:
    return {
        "id": str(p.id), "code": p.code, "name": p.name, "object_type": p.object_type,
        "dept": dept_code, "dept_name": dept_name, "unit": unit_code, "unit_name": unit_name,
        "new_or_continuing": p.new_or_continuing, "start_year": p.start_year, "end_year": p.end_year,
        "library_status": p.library_status, "library_status_label": STATUS_LABELS.get(p.library_status, ""),
        "is_major_flag": p.is_major_flag,
        "years": [{"fiscal_year": y.fiscal_year, "requested": y.requested, "exante_recommended": y.exante_recommended,
                   "arranged": y.arranged, "cycle_status": y.cycle_status, **of_year(y, last.get(y.id))}
                  for y in p.years],
    }
