"""Paged lists of one's own work and of one's scope: 已办, 我发起的, 流程监管 (the pages' lists)."""
from __future__ import annotations

from typing import Any

from flask import g

from engine.work import inbox, supervision
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.common import TOTAL, page_reply
from web.api.spec import fails
from web.presenters import instance_json, task_json


@api.get("/me/done")
@require_token
@api.arguments(out.Paging, location="query")
@api.response(200, out.Task(many=True), headers=TOTAL)
@fails(422)
def done(query: dict[str, Any]):  # noqa: ANN201
    """我的已办（我办理完成的任务，最近的在前），分页"""
    found = inbox.done(g.api_user, query["page"], query["per_page"])
    return page_reply(found, [task_json(t) for t in found.items])


@api.get("/me/started")
@require_token
@api.arguments(out.Paging, location="query")
@api.response(200, out.InstanceSummary(many=True), headers=TOTAL)
@fails(422)
def started(query: dict[str, Any]):  # noqa: ANN201
    """我发起的流程实例（最近的在前），分页"""
    found = inbox.started_by(g.api_user, query["page"], query["per_page"])
    return page_reply(found, [instance_json(i, False) for i in found.items])


@api.get("/instances")
@require_token
@api.arguments(out.InstanceQuery, location="query")
@api.response(200, out.InstanceSummary(many=True), headers=TOTAL)
@fails(422)
def instances(query: dict[str, Any]):  # noqa: ANN201
    """流程监管：我的数据范围内的流程实例（最近发起的在前），可筛选，分页"""
    filters = {k: query.get(k) for k in supervision.FILTERS}
    found = supervision.supervised(g.api_user, filters, query["page"], query["per_page"])
    return page_reply(found, [instance_json(i, False) for i in found.items])
