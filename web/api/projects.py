"""The project library with filters (status, dept, year, q)."""
from __future__ import annotations

from typing import Any

from flask import g

from budget.library import project_library
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.spec import fails


@api.get("/projects")
@require_token
@api.arguments(out.ProjectQuery, location="query")
@api.response(200, out.Project(many=True))
@fails(422)
def projects(query: dict[str, Any]):  # noqa: ANN201
    """项目库（我的数据范围内）"""
    filters = {k: query.get(k) for k in ("status", "dept", "year", "q")}
    return project_library(g.api_user, filters)
