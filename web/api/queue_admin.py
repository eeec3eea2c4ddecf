"""The queue view for administrators (docs/design.md, "Queue view for administrators"): the
overview as JSON, and 重试 / 丢弃 of one background job. Same permissions as /admin/queue."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from engine.base.errors import Forbidden, ValidationFailed
from engine.views import queue_view
from web.api import api
from web.api.auth import require_token
from web.api.common import path_uuid
from web.transactions import atomic

REASON_MAX = 2000


def _reason() -> str:
    """The optional body `{"reason": "…"}`, kept in the audit row."""
    body: Any = request.get_json(silent=True)
    if body is None:
        return ""
    if not isinstance(body, dict):
        raise ValidationFailed({"_body": ["请求体须为 JSON 对象"]})
    value = body.get("reason", "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({"reason": ["须为文本"]})
    if len(value) > REASON_MAX:
        raise ValidationFailed({"reason": [f"不超过 {REASON_MAX} 字"]})
    return value.strip()


def _manager() -> Any:
    if not queue_view.may_manage(g.api_user):
        raise Forbidden("只有系统管理员可以重试或丢弃后台任务")
    return g.api_user


@api.get("/admin/queue")
@require_token
def queue_overview():  # noqa: ANN201
    if not queue_view.may_view(g.api_user):
        raise Forbidden("只有系统管理员和流程管理员可以查看任务队列")
    return jsonify(queue_view.overview())


@api.post("/admin/jobs/<job_id>/retry")
@require_token
def retry_job(job_id: str):  # noqa: ANN201
    actor, reason = _manager(), _reason()
    return jsonify(atomic(lambda: queue_view.retry_job(path_uuid(job_id, "后台任务"), actor, reason)))


@api.post("/admin/jobs/<job_id>/discard")
@require_token
def discard_job(job_id: str):  # noqa: ANN201
    actor, reason = _manager(), _reason()
    return jsonify(atomic(lambda: queue_view.discard_job(path_uuid(job_id, "后台任务"), actor, reason)))
