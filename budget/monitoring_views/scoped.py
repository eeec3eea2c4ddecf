"""The joins every monitoring view starts from: a record's project-year, project, department and
unit, cut to the viewer's data scope (the project library's rule) and to deleted-free projects."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import aliased

from budget.library import scope_clause
from budget.models import Department, Project, ProjectYear


@dataclass(frozen=True)
class Joined:
    """The aliases a query selected from, so callers can filter and order by them."""

    dept: Any
    unit: Any


def scoped(query: Select, year_id_column: Any, user: Any) -> tuple[Select, Joined]:
    """`query` joined from `year_id_column` (a project_year_id) to the project and its department
    and unit, limited to what `user` may see."""
    dept, unit = aliased(Department), aliased(Department)
    query = (query.select_from(year_id_column.class_).join(ProjectYear, ProjectYear.id == year_id_column)
             .join(Project, Project.id == ProjectYear.project_id)
             .join(dept, Project.department_id == dept.id).join(unit, Project.unit_id == unit.id)
             .where(Project.deleted.is_(False)))
    scope = scope_clause(user, dept, unit)
    if scope is not None:
        query = query.where(scope)
    return query, Joined(dept, unit)
