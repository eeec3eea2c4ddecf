"""The project library with filters (status, dept, year, q), paged; one project's page."""
from __future__ import annotations

from typing import Any

from flask import g

from budget import dossier
from budget.library import project_library
from engine.work.supervision import history
from web.api import api
from web.api import project_schemas as projects_out
from web.api import schemas as out
from web.api.auth import require_token
from web.api.common import TOTAL, page_reply
from web.api.spec import fails
from web.presenters import event_json, instance_json


@api.get("/projects")
@require_token
@api.arguments(out.ProjectQuery, location="query")
@api.response(200, projects_out.Project(many=True), headers=TOTAL)
@fails(422)
def projects(query: dict[str, Any]):  # noqa: ANN201
    """项目库（我的数据范围内），按项目编码排序，分页"""
    filters = {k: query.get(k) for k in ("status", "dept", "year", "q")}
    found = project_library(g.api_user, filters, query["page"], query["per_page"])
    return page_reply(found, list(found.items))


@api.get("/projects/<id>")
@require_token
@api.response(200, projects_out.ProjectDetail)
@fails(404)
def project(id: str):  # noqa: ANN201
    """项目页：项目记录（各年度金额、绩效目标与指标、事前评估）、可查看的申报与流程及其办理记录；
    id 为项目 id 或项目编码"""
    found, instances = dossier.find(id[:100], g.api_user)
    events = [{**event_json(e), "instance_id": str(i.id), "instance_title": i.title} for e, i in history(instances)]
    return {"project": dossier.record(found), "instances": [instance_json(i, False) for i in instances],
            "history": events}
