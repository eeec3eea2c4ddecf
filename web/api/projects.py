"""The project library with filters (status, dept, year, q)."""
from __future__ import annotations

from flask import g, jsonify, request

from budget.library import project_library
from web.api import api
from web.api.auth import require_token


@api.get("/projects")
@require_token
def projects():  # noqa: ANN201
    filters = {k: request.args.get(k) for k in ("status", "dept", "year", "q")}
    if filters["year"] and not filters["year"].isdigit():
        return jsonify(errors={"year": ["须为年份数字"]}), 422
    return jsonify(project_library(g.api_user, filters))
