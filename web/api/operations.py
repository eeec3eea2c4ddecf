"""The approval operations on tasks and instances over JSON (docs/design.md, "Approval operations"):
退回, 撤回/拿回, 认领/释放, 转办, 委派/交回, 加签/减签, 暂存, 批量审批, 催办, 抄送, 评论, 预测.
Input and engine call of each come from web.operations, shared with the pages."""
from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import EngineError, NotFound, ValidationFailed
from engine.base.models import CarbonCopy, Notification, Opinion
from engine.moves import handoffs, interactions
from engine.moves.runtime import complete_task
from engine.moves.state import read_workflow
from engine.views.tasks import get_task
from web import inputs
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.common import instance_reply, path_uuid, visible_instance
from web.api.spec import fails
from web.api.tasks import _step
from web.operations import INSTANCE, TASK
from web.presenters import opinion_json, task_json
from web.transactions import atomic

MOVE_FAILS = (403, 404, 409, 422)


def on_task(name: str, body: dict[str, Any], task_id: str) -> Any:
    """Run the task operation `name` in its own transaction."""
    return atomic(lambda: TASK[name].run(path_uuid(task_id), g.api_user, body))


def on_instance(name: str, body: dict[str, Any], instance_id: str) -> Any:
    return atomic(lambda: INSTANCE[name].run(path_uuid(instance_id, "流程实例"), g.api_user, body))


@api.get("/tasks/<id>/returnable")
@require_token
@api.response(200, out.Step(many=True))
@fails(404)
def returnable(id: str):  # noqa: ANN201
    """可退回的环节（最近的在前）"""
    return [_step(s) for s in get_task(id, g.api_user).ops.returnable]


@api.post("/tasks/<id>/return")
@require_token
@api.arguments(inputs.ReturnInput)
@api.response(200, out.InstanceReply)
@fails(*MOVE_FAILS)
def return_task(body: dict[str, Any], id: str):  # noqa: ANN201
    """退回到先前环节"""
    return instance_reply(on_task("return", body, id))


@api.post("/tasks/<id>/reclaim")
@require_token
@api.arguments(inputs.OpinionInput)
@api.response(200, out.InstanceReply)
@fails(*MOVE_FAILS)
def reclaim(body: dict[str, Any], id: str):  # noqa: ANN201
    """拿回（自己最近一次办理，下一环节未查看未办理）"""
    return instance_reply(on_task("reclaim", body, id))


@api.post("/instances/<id>/withdraw")
@require_token
@api.arguments(inputs.OpinionInput)
@api.response(200, out.InstanceReply)
@fails(*MOVE_FAILS)
def withdraw(body: dict[str, Any], id: str):  # noqa: ANN201
    """发起人撤回"""
    return instance_reply(on_instance("withdraw", body, id))


@api.post("/tasks/<id>/claim")
@require_token
@api.response(200, out.Task)
@fails(403, 404, 409)
def claim(id: str):  # noqa: ANN201
    """认领"""
    return task_json(on_task("claim", {}, id))


@api.post("/tasks/<id>/release")
@require_token
@api.response(200, out.Task)
@fails(403, 404, 409)
def release(id: str):  # noqa: ANN201
    """释放认领"""
    return task_json(on_task("release", {}, id))


@api.post("/tasks/<id>/transfer")
@require_token
@api.arguments(inputs.HandOffInput)
@api.response(200, out.Task)
@fails(*MOVE_FAILS)
def transfer(body: dict[str, Any], id: str):  # noqa: ANN201
    """转办"""
    return task_json(on_task("transfer", body, id))


@api.post("/tasks/<id>/delegate")
@require_token
@api.arguments(inputs.HandOffInput)
@api.response(200, out.Task)
@fails(*MOVE_FAILS)
def delegate(body: dict[str, Any], id: str):  # noqa: ANN201
    """委派（办理后交回原办理人决定）"""
    return task_json(on_task("delegate", body, id))


@api.post("/tasks/<id>/resolve")
@require_token
@api.arguments(inputs.OpinionInput)
@api.response(200, out.Task)
@fails(*MOVE_FAILS)
def resolve(body: dict[str, Any], id: str):  # noqa: ANN201
    """被委派人交回"""
    return task_json(on_task("resolve", body, id))


@api.post("/tasks/<id>/signers")
@require_token
@api.arguments(inputs.SignersInput)
@api.response(201, out.Task(many=True))
@fails(*MOVE_FAILS)
def add_signers(body: dict[str, Any], id: str):  # noqa: ANN201
    """加签"""
    return [task_json(t) for t in on_task("signers", body, id)]


@api.post("/tasks/<id>/remove-signer")
@require_token
@api.arguments(inputs.OpinionInput)
@api.response(200, out.Task)
@fails(*MOVE_FAILS)
def remove_signer(body: dict[str, Any], id: str):  # noqa: ANN201
    """减签（对待签人的任务调用）"""
    return task_json(on_task("remove_signer", body, id))


@api.get("/tasks/<id>/signers")
@require_token
@api.response(200, out.Signers)
@fails(404)
def list_signers(id: str):  # noqa: ANN201
    """多人审批环节的签署情况"""
    ops = get_task(id, g.api_user).ops
    step = ops.sign_step if ops.signers else None
    return {"mode": step.mode if step else None, "ratio": step.ratio if step else None,
            "reject_rule": step.reject_rule if step else None, "signers": [task_json(r) for r in ops.signers]}


@api.post("/tasks/<id>/draft")
@require_token
@api.arguments(inputs.DataInput)
@api.response(200, out.Draft)
@fails(*MOVE_FAILS)
def draft(body: dict[str, Any], id: str):  # noqa: ANN201
    """暂存表单"""
    row = on_task("draft", body, id)
    return {"id": str(row.id), "draft_at": row.draft_at}


@api.post("/tasks/batch-complete")
@require_token
@api.arguments(inputs.BatchInput)
@api.response(200, out.BatchResult(many=True))
@fails(422)
def batch_complete(body: dict[str, Any]):  # noqa: ANN201
    """批量审批：每项各自一个事务，只限模型允许批量审批的环节"""
    results = []
    for raw in body["ids"]:
        try:
            tid = path_uuid(str(raw))
            atomic(lambda tid=tid: complete_task(tid, g.api_user, body["data"], batch=True))
            results.append({"id": str(raw), "ok": True})
        except ValidationFailed as err:
            results.append({"id": str(raw), "ok": False, "errors": err.errors})
        except EngineError as err:
            results.append({"id": str(raw), "ok": False, "message": str(err)})
    return results


@api.post("/instances/<id>/urge")
@require_token
@api.arguments(inputs.UrgeInput)
@api.response(200, out.Urged)
@fails(*MOVE_FAILS, 429)
def urge(body: dict[str, Any], id: str):  # noqa: ANN201
    """催办（每人每实例 10 分钟一次）"""
    return {"urged": on_instance("urge", body, id)}


@api.post("/instances/<id>/cc")
@require_token
@api.arguments(inputs.CopyInput)
@api.response(201, out.Copied)
@fails(403, 404, 422)
def copy(body: dict[str, Any], id: str):  # noqa: ANN201
    """抄送"""
    return {"copied": on_instance("cc", body, id)}


@api.post("/instances/<id>/comments")
@require_token
@api.arguments(inputs.CommentInput)
@api.response(201, out.Ok)
@fails(403, 404, 422)
def add_comment(body: dict[str, Any], id: str):  # noqa: ANN201
    """评论"""
    on_instance("comment", body, id)
    return {"ok": True}


@api.get("/instances/<id>/opinions")
@require_token
@api.response(200, out.Opinion(many=True))
@fails(404)
def opinions(id: str):  # noqa: ANN201
    """审批意见（按时间）"""
    instance = visible_instance(id, g.api_user)
    rows = db.session.scalars(select(Opinion).where(Opinion.instance_id == instance.id).order_by(Opinion.id))
    return [opinion_json(o) for o in rows]


@api.get("/instances/<id>/prediction")
@require_token
@api.response(200, out.Predicted(many=True))
@fails(404)
def prediction(id: str):  # noqa: ANN201
    """审批预测：后续环节与候选办理人"""
    instance = visible_instance(id, g.api_user)
    if instance.status != "RUNNING":
        return []
    return interactions.predict(instance, read_workflow(instance))


@api.get("/cc")
@require_token
@api.arguments(out.CcQuery, location="query")
@api.response(200, out.CarbonCopy(many=True))
@fails(422)
def cc_inbox(query: dict[str, Any]):  # noqa: ANN201
    """抄送我的"""
    found = select(CarbonCopy).where(CarbonCopy.to_user == g.api_user.username)
    if query.get("unread"):
        found = found.where(CarbonCopy.read_at.is_(None))
    rows = db.session.scalars(found.order_by(CarbonCopy.created_at.desc()).limit(200))
    return [{"id": str(c.id), "instance_id": str(c.instance_id), "step": c.step_title, "from_": c.from_user,
             "note": c.note, "created_at": c.created_at, "read": c.read_at is not None} for c in rows]


@api.post("/cc/<id>/read")
@require_token
@api.response(200, out.Ok)
@fails(404)
def cc_read(id: str):  # noqa: ANN201
    """标为已阅"""
    def mark() -> None:
        row = db.session.get(CarbonCopy, path_uuid(id, "抄送"))
        if row is None or row.to_user != g.api_user.username:
            raise NotFound("抄送不存在")
        row.read_at = row.read_at or utcnow()

    atomic(mark)
    return {"ok": True}


@api.get("/notifications")
@require_token
@api.response(200, out.NotificationItem(many=True))
def notifications():  # noqa: ANN201
    """我的通知（最近 200 条）"""
    rows = db.session.scalars(select(Notification).where(Notification.username == g.api_user.username)
                              .order_by(Notification.created_at.desc()).limit(200))
    return [{"id": str(n.id), "kind": n.kind, "title": n.title, "body": n.body,
             "instance_id": str(n.instance_id) if n.instance_id else None,
             "task_id": str(n.task_id) if n.task_id else None, "from_": n.created_by,
             "created_at": n.created_at, "read": n.read_at is not None} for n in rows]


@api.post("/me/deputies")
@require_token
@api.arguments(inputs.DeputyInput)
@api.response(201, out.Deputy)
@fails(422)
def add_deputy(body: dict[str, Any]):  # noqa: ANN201
    """设置代理人"""
    return atomic(lambda: handoffs.set_deputy(g.api_user, body["deputy"], body["starts_on"], body["ends_on"]))


@api.delete("/me/deputies/<id>")
@require_token
@api.response(200, out.Ok)
@fails(404, 409)
def remove_deputy(id: str):  # noqa: ANN201
    """取消代理"""
    atomic(lambda: handoffs.cancel_deputy(path_uuid(id, "代理设置"), g.api_user))
    return {"ok": True}


@api.post("/admin/users/<username>/handover")
@require_token
@api.arguments(inputs.HandoverInput)
@api.response(200, out.Moved)
@fails(403, 404, 422)
def handover(body: dict[str, Any], username: str):  # noqa: ANN201
    """离职转办（管理员）：把该用户的待办转给接收人"""
    return {"moved": atomic(lambda: handoffs.handover(username, body["to"], g.api_user))}

