"""An administrator's interventions over JSON (engine.moves.interventions): 暂停, 恢复, 终止, 重试异常,
删除草稿 on an instance, 改派 on a task; and opening a notification. An id outside the caller's scope
is 404 before the body is read (`in_scope`); in scope but no administrator is 403."""
from __future__ import annotations

from typing import Any

from flask import g

from engine.work.notices import open_notice
from web import inputs
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.common import in_scope, instance_reply, path_uuid
from web.api.spec import fails
from web.operations import ADMIN, TASK
from web.presenters import task_json
from web.transactions import atomic

FAILS = (403, 404, 409, 422)


def _admin(name: str, body: dict[str, Any], instance_id: str) -> dict[str, Any]:
    return instance_reply(atomic(lambda: ADMIN[name].run(path_uuid(instance_id, "流程实例"), g.api_user, body)))


@api.post("/instances/<id>/suspend")
@require_token
@in_scope("instance")
@api.arguments(inputs.ReasonInput)
@api.response(200, out.InstanceReply)
@fails(*FAILS)
def suspend(body: dict[str, Any], id: str):  # noqa: ANN201
    """暂停（流程管理员）：暂停期间不接受办理，定时器不触发"""
    return _admin("suspend", body, id)


@api.post("/instances/<id>/resume")
@require_token
@in_scope("instance")
@api.arguments(inputs.ReasonInput)
@api.response(200, out.InstanceReply)
@fails(*FAILS)
def resume(body: dict[str, Any], id: str):  # noqa: ANN201
    """恢复（流程管理员）：暂停期间到期的定时器随即触发"""
    return _admin("resume", body, id)


@api.post("/instances/<id>/terminate")
@require_token
@in_scope("instance")
@api.arguments(inputs.TerminateInput)
@api.response(200, out.InstanceReply)
@fails(*FAILS)
def terminate(body: dict[str, Any], id: str):  # noqa: ANN201
    """终止（流程管理员，须填写原因）：关闭全部待办，流程以 TERMINATED 结束"""
    return _admin("terminate", body, id)


@api.post("/instances/<id>/retry")
@require_token
@in_scope("instance")
@api.arguments(inputs.ReasonInput)
@api.response(200, out.InstanceReply)
@fails(*FAILS)
def retry(body: dict[str, Any], id: str):  # noqa: ANN201
    """重试异常（流程管理员）：重新执行出错的步骤，成功则消除异常"""
    return _admin("retry", body, id)


@api.post("/instances/<id>/delete-draft")
@require_token
@in_scope("instance")
@api.arguments(inputs.ReasonInput)
@api.response(200, out.InstanceReply)
@fails(*FAILS)
def delete_draft(body: dict[str, Any], id: str):  # noqa: ANN201
    """删除草稿申请（流程管理员）：仅限尚无任何环节办理过的申请，记录保留、状态为 DELETED"""
    return _admin("delete_draft", body, id)


@api.post("/instances/<id>/move-token")
@require_token
@in_scope("instance")
@api.arguments(inputs.MoveTokenInput)
@api.response(200, out.InstanceReply)
@fails(*FAILS)
def move_token(body: dict[str, Any], id: str):  # noqa: ANN201
    """移动到…（流程管理员，须填写原因）：退回到之前已办理的环节，或跳过当前环节到紧接的下一环节；
    越过分支或从未到达的环节不能移动（409 说明原因）"""
    return _admin("move_token", body, id)


@api.post("/tasks/<id>/reassign")
@require_token
@in_scope("task")
@api.arguments(inputs.ReassignInput)
@api.response(200, out.Task)
@fails(*FAILS)
def reassign(body: dict[str, Any], id: str):  # noqa: ANN201
    """改派（流程管理员）：把待办任务改派给指定人员"""
    return task_json(atomic(lambda: TASK["reassign"].run(path_uuid(id), g.api_user, body)))


@api.post("/notifications/<id>/open")
@require_token
@api.response(200, out.NoticeOpened)
@fails(404)
def open_notification(id: str):  # noqa: ANN201
    """打开通知：标为已读，并告知应前往的页面（任务已流转时为流程实例）"""
    landing = atomic(lambda: open_notice(path_uuid(id, "通知"), g.api_user))
    return {"landing": landing.kind, "id": str(landing.id) if landing.id else None}
