"""`GET /api/v1/warnings`: the monitoring warnings in the caller's data scope (the 项目库 rule),
most severe first, paged like the other lists; nothing outside the scope is listed."""
from __future__ import annotations

from typing import Any

from flask import g

from budget.monitoring_views.board import WarningFilters, response_state, warnings_page
from budget.shared.helpers import today
from web.api import api
from web.api import monitoring_schemas as out
from web.api.auth import require_token
from web.api.common import TOTAL, page_reply
from web.api.spec import fails
from web.labels import labels


@api.get("/warnings")
@require_token
@api.arguments(out.WarningQuery, location="query")
@api.response(200, out.MonitoringWarning(many=True), headers=TOTAL)
@fails(422)
def warnings(query: dict[str, Any]):  # noqa: ANN201
    """监控预警（我的数据范围内）：按年度、月份、项目编码、主管部门、预警级别筛选，红色与重点监控在前，分页"""
    filters = WarningFilters(year=query.get("year"), month=query.get("month"), dept=query.get("department") or "",
                             level=query.get("level") or "", key_only=bool(query.get("key_only")),
                             project_code=query.get("project_code") or "")
    found = warnings_page(g.api_user, filters, query["page"], query["per_page"])
    return page_reply(found, [_named(row) for row in found.items])


def _named(row: dict[str, Any]) -> dict[str, Any]:
    L = labels()
    return {**row, "level_name": L.status(row["level"], "warning_level"),
            "reason_names": [L.status(r, "warning_reason") for r in row["reasons"]],
            "suggested_response_name": L.status(row["suggested_response"], "suggestion") or None,
            "response_name": L.status(row["response"], "warning_response") or None,
            "response_state": response_state(row, today())}
