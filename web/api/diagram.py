"""`GET /api/v1/instances/{id}/diagram`: the BPMN of the instance's model version with where the
instance stands on every element (engine.views.diagram; docs/design.md "Diagrams (issue 13)")."""
from __future__ import annotations

from typing import Any

from flask import g

from engine.views.diagram import instance_diagram as build
from web.api import api
from web.api import diagram_schemas as out
from web.api.auth import require_token
from web.api.common import in_scope, path_uuid, visible_instance
from web.api.spec import fails
from web.presenters import diagram_json


@api.get("/instances/<id>/diagram")
@require_token
@in_scope("instance")
@api.arguments(out.DiagramQuery, location="query")
@api.response(200, out.InstanceDiagram)
@fails(404, 422)
def instance_diagram(query: dict[str, Any], id: str):  # noqa: ANN201
    """流程图：模型版本的 BPMN 与实例在各元素上的状态（已完成、办理中、等待、异常）及办理记录；
    `sub` 为调用活动的任务 id 时返回其子流程"""
    instance = visible_instance(id, g.api_user)
    sub = path_uuid(query["sub"], "子流程") if query.get("sub") else None
    return diagram_json(build(instance, sub))
