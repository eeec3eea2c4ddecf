"""The queue view for administrators (docs/design.md, "Queue view for administrators"): the
overview as JSON, and 重试 / 丢弃 of one background job. Same permissions as /admin/queue."""
from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields

from engine.base.errors import Forbidden
from engine.views import queue_view
from web.api import api
from web.api.auth import require_token
from web.api.common import path_uuid
from web.api.schemas import always, typed
from web.api.spec import fails
from web.inputs import ReasonInput
from web.transactions import atomic


def _s(**kw: Any) -> fields.String:
    return fields.String(allow_none=True, **kw)


def _when(**kw: Any) -> fields.Raw:
    return typed("string", "date-time", **kw)


@always
class Job(Schema):
    id = fields.String()
    kind = fields.String()
    queue = fields.String()
    status = fields.String(metadata={"enum": ["PENDING", "DONE", "FAILED", "DISCARDED"]})
    instance_id = _s()
    instance_title = _s()
    business_key = _s()
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    error = _s(metadata={"description": "错误的第一行"})
    last_error = _s()
    payload = fields.Dict(allow_none=True)
    payload_summary = fields.String()
    created_at = _when()
    available_at = _when(metadata={"description": "失败：最后一次尝试的计划时间；重试中：下次尝试时间"})
    done_at = _when()


class QueueOverview(Schema):
    """Redis side (queues, workers; `available` false when Redis is unreachable), outbox counts,
    failed and retrying jobs, timers and waiting messages (docs/design.md, "Queue view")."""

    now = typed("string", "date-time", nullable=False, required=True)
    limit = fields.Integer(required=True)
    redis = fields.Dict(required=True)
    outbox = fields.Dict(required=True)
    failed_jobs = fields.Dict(required=True, metadata={"description": "total 与至多 limit 条 items（Job）"})
    retrying_jobs = fields.Dict(required=True, metadata={"description": "total 与至多 limit 条 items（Job）"})
    timers = fields.Dict(required=True)
    messages = fields.Dict(required=True)
    incidents = fields.Dict(required=True, metadata={"description": "出错的运行中实例：total 与 items"})


def _manager() -> Any:
    if not queue_view.may_manage(g.api_user):
        raise Forbidden("只有系统管理员可以重试或丢弃后台任务")
    return g.api_user


@api.get("/admin/queue")
@require_token
@api.response(200, QueueOverview)
@fails(403)
def queue_overview():  # noqa: ANN201
    """任务队列概况（系统管理员、流程管理员）"""
    if not queue_view.may_view(g.api_user):
        raise Forbidden("只有系统管理员和流程管理员可以查看任务队列")
    return queue_view.overview()


@api.post("/admin/jobs/<id>/retry")
@require_token
@api.arguments(ReasonInput, required=False)
@api.response(200, Job)
@fails(403, 404, 409, 422)
def retry_job(body: dict[str, Any], id: str):  # noqa: ANN201
    """重试失败或已丢弃的后台任务（系统管理员）"""
    actor = _manager()
    return atomic(lambda: queue_view.retry_job(path_uuid(id, "后台任务"), actor, body.get("reason") or ""))


@api.post("/admin/jobs/<id>/discard")
@require_token
@api.arguments(ReasonInput, required=False)
@api.response(200, Job)
@fails(403, 404, 409, 422)
def discard_job(body: dict[str, Any], id: str):  # noqa: ANN201
    """丢弃失败或待执行的后台任务（系统管理员）"""
    actor = _manager()
    return atomic(lambda: queue_view.discard_job(path_uuid(id, "后台任务"), actor, body.get("reason") or ""))
