"""The approval operations on tasks and instances (docs/design.md, "Approval operations"):
退回, 撤回/拿回, 认领/释放, 转办, 委派/交回, 加签/减签, 暂存, 批量审批, 催办, 抄送, 评论, 预测."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import EngineError, NotFound, ValidationFailed
from engine.base.models import CarbonCopy, Notification, Opinion
from engine.moves import handoffs, interactions, returns
from engine.moves.runtime import complete_task
from engine.moves.state import load_workflow
from engine.views.tasks import get_task
from web.api import api
from web.api.auth import require_token
from web.api.common import instance_reply, path_uuid
from web.presenters import opinion_json, task_json
from web.transactions import atomic


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ValidationFailed({"_body": ["请求体须为 JSON 对象"]})
    return body


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ValidationFailed({key: ["须为文本"]})
    if len(value) > 2000:
        raise ValidationFailed({key: ["不超过 2000 字"]})
    return value.strip()


def _names(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed({key: ["须为用户名列表"]})
    return value


@api.get("/tasks/<task_id>/returnable")
@require_token
def returnable(task_id: str):  # noqa: ANN201
    view = get_task(task_id, g.api_user)
    if view.task.status != "READY":
        return jsonify([])
    steps = returns.returnable_steps(view.instance, view.task, load_workflow(view.instance))
    return jsonify([{"id": str(s.id), "name": s.task_name, "title": s.title, "completed_by": s.completed_by,
                     "completed_at": s.completed_at} for s in steps])


@api.post("/tasks/<task_id>/return")
@require_token
def return_task(task_id: str):  # noqa: ANN201
    body = _body()
    instance = atomic(lambda: returns.return_task(path_uuid(task_id), g.api_user, str(body.get("target") or ""),
                                                  _text(body, "opinion"), body.get("resubmit")))
    return instance_reply(instance)


@api.post("/tasks/<task_id>/reclaim")
@require_token
def reclaim(task_id: str):  # noqa: ANN201
    body = _body()
    return instance_reply(atomic(lambda: returns.reclaim(path_uuid(task_id), g.api_user, _text(body, "opinion"))))


@api.post("/instances/<instance_id>/withdraw")
@require_token
def withdraw(instance_id: str):  # noqa: ANN201
    body = _body()
    return instance_reply(atomic(lambda: returns.withdraw(path_uuid(instance_id, "流程实例"), g.api_user,
                                                           _text(body, "opinion"))))


@api.post("/tasks/<task_id>/claim")
@require_token
def claim(task_id: str):  # noqa: ANN201
    return jsonify(task_json(atomic(lambda: handoffs.claim(path_uuid(task_id), g.api_user))))


@api.post("/tasks/<task_id>/release")
@require_token
def release(task_id: str):  # noqa: ANN201
    return jsonify(task_json(atomic(lambda: handoffs.release(path_uuid(task_id), g.api_user))))


@api.post("/tasks/<task_id>/transfer")
@require_token
def transfer(task_id: str):  # noqa: ANN201
    body = _body()
    row = atomic(lambda: handoffs.transfer(path_uuid(task_id), g.api_user, str(body.get("to") or ""),
                                           _text(body, "opinion")))
    return jsonify(task_json(row))


@api.post("/tasks/<task_id>/delegate")
@require_token
def delegate(task_id: str):  # noqa: ANN201
    body = _body()
    row = atomic(lambda: handoffs.delegate(path_uuid(task_id), g.api_user, str(body.get("to") or ""),
                                           _text(body, "opinion")))
    return jsonify(task_json(row))


@api.post("/tasks/<task_id>/resolve")
@require_token
def resolve(task_id: str):  # noqa: ANN201
    body = _body()
    return jsonify(task_json(atomic(lambda: handoffs.resolve(path_uuid(task_id), g.api_user, _text(body, "opinion")))))


@api.post("/tasks/<task_id>/signers")
@require_token
def add_signers(task_id: str):  # noqa: ANN201
    body = _body()
    added = atomic(lambda: handoffs.add_signers(
        path_uuid(task_id), g.api_user, _names(body, "users"), str(body.get("position") or "AFTER"),
        str(body.get("order") or "PARALLEL"), _text(body, "opinion")))
    return jsonify([task_json(t) for t in added]), 201


@api.post("/tasks/<task_id>/remove-signer")
@require_token
def remove_signer(task_id: str):  # noqa: ANN201
    body = _body()
    return jsonify(task_json(atomic(lambda: handoffs.remove_signer(path_uuid(task_id), g.api_user,
                                                                   _text(body, "opinion")))))


@api.get("/tasks/<task_id>/signers")
@require_token
def list_signers(task_id: str):  # noqa: ANN201
    from engine.work import signing

    view = get_task(task_id, g.api_user)
    rows = signing.signers(view.task) if view.task.sign_seq is not None else []
    step = signing.step_of(view.task) if rows else None
    return jsonify({"mode": step.mode if step else None, "ratio": step.ratio if step else None,
                    "reject_rule": step.reject_rule if step else None,
                    "signers": [task_json(r) for r in rows]})


@api.post("/tasks/<task_id>/draft")
@require_token
def draft(task_id: str):  # noqa: ANN201
    body = _body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ValidationFailed({"data": ["须为对象"]})
    row = atomic(lambda: interactions.save_draft(path_uuid(task_id), g.api_user, data))
    return jsonify({"id": str(row.id), "draft_at": row.draft_at})


@api.post("/tasks/batch-complete")
@require_token
def batch_complete():  # noqa: ANN201
    """批量审批: each task in its own transaction; only steps whose model allows it."""
    body = _body()
    ids, data = body.get("ids"), body.get("data") or {"verdict": "APPROVE"}
    if not isinstance(ids, list) or not ids or len(ids) > 100 or not isinstance(data, dict):
        raise ValidationFailed({"ids": ["须为 1–100 个任务 id 的列表"]})
    results = []
    for raw in ids:
        try:
            tid = path_uuid(str(raw))
            atomic(lambda tid=tid: complete_task(tid, g.api_user, data, batch=True))
            results.append({"id": str(raw), "ok": True})
        except ValidationFailed as err:
            results.append({"id": str(raw), "ok": False, "errors": err.errors})
        except EngineError as err:
            results.append({"id": str(raw), "ok": False, "message": str(err)})
    return jsonify(results)


@api.post("/instances/<instance_id>/urge")
@require_token
def urge(instance_id: str):  # noqa: ANN201
    body = _body()
    people = atomic(lambda: interactions.urge(path_uuid(instance_id, "流程实例"), g.api_user, _text(body, "message")))
    return jsonify({"urged": people})


@api.post("/instances/<instance_id>/cc")
@require_token
def copy(instance_id: str):  # noqa: ANN201
    body = _body()
    added = atomic(lambda: interactions.copy_to(path_uuid(instance_id, "流程实例"), g.api_user, _names(body, "to"),
                                                _text(body, "note")))
    return jsonify({"copied": added}), 201


@api.post("/instances/<instance_id>/comments")
@require_token
def add_comment(instance_id: str):  # noqa: ANN201
    body = _body()
    atomic(lambda: interactions.comment(path_uuid(instance_id, "流程实例"), g.api_user, _text(body, "text")))
    return jsonify({"ok": True}), 201


@api.get("/instances/<instance_id>/opinions")
@require_token
def opinions(instance_id: str):  # noqa: ANN201
    instance = interactions.visible_instance(path_uuid(instance_id, "流程实例"), g.api_user)
    rows = db.session.scalars(select(Opinion).where(Opinion.instance_id == instance.id).order_by(Opinion.id))
    return jsonify([opinion_json(o) for o in rows])


@api.get("/instances/<instance_id>/prediction")
@require_token
def prediction(instance_id: str):  # noqa: ANN201
    instance = interactions.visible_instance(path_uuid(instance_id, "流程实例"), g.api_user)
    if instance.status != "RUNNING":
        return jsonify([])
    return jsonify(interactions.predict(instance, load_workflow(instance)))


@api.get("/cc")
@require_token
def cc_inbox():  # noqa: ANN201
    query = select(CarbonCopy).where(CarbonCopy.to_user == g.api_user.username)
    if request.args.get("unread"):
        query = query.where(CarbonCopy.read_at.is_(None))
    rows = db.session.scalars(query.order_by(CarbonCopy.created_at.desc()).limit(200))
    return jsonify([{"id": str(c.id), "instance_id": str(c.instance_id), "step": c.step_title, "from": c.from_user,
                     "note": c.note, "created_at": c.created_at, "read": c.read_at is not None} for c in rows])


@api.post("/cc/<cc_id>/read")
@require_token
def cc_read(cc_id: str):  # noqa: ANN201
    def mark() -> None:
        row = db.session.get(CarbonCopy, path_uuid(cc_id, "抄送"))
        if row is None or row.to_user != g.api_user.username:
            raise NotFound("抄送不存在")
        row.read_at = row.read_at or utcnow()

    atomic(mark)
    return jsonify({"ok": True})


@api.get("/notifications")
@require_token
def notifications():  # noqa: ANN201
    rows = db.session.scalars(select(Notification).where(Notification.username == g.api_user.username)
                              .order_by(Notification.created_at.desc()).limit(200))
    return jsonify([{"id": str(n.id), "kind": n.kind, "title": n.title, "body": n.body,
                     "instance_id": str(n.instance_id) if n.instance_id else None,
                     "task_id": str(n.task_id) if n.task_id else None, "from": n.created_by,
                     "created_at": n.created_at, "read": n.read_at is not None} for n in rows])


@api.post("/me/deputies")
@require_token
def add_deputy():  # noqa: ANN201
    body = _body()
    try:
        starts, ends = date.fromisoformat(str(body.get("starts_on"))), date.fromisoformat(str(body.get("ends_on")))
    except ValueError:
        raise ValidationFailed({"starts_on": ["日期格式须为 YYYY-MM-DD"]}) from None
    row = atomic(lambda: handoffs.set_deputy(g.api_user, str(body.get("deputy") or ""), starts, ends))
    return jsonify({"id": str(row.id), "deputy": row.deputy, "starts_on": row.starts_on.isoformat(),
                    "ends_on": row.ends_on.isoformat()}), 201


@api.delete("/me/deputies/<deputy_id>")
@require_token
def remove_deputy(deputy_id: str):  # noqa: ANN201
    atomic(lambda: handoffs.cancel_deputy(path_uuid(deputy_id, "代理设置"), g.api_user))
    return jsonify({"ok": True})


@api.post("/admin/users/<username>/handover")
@require_token
def handover(username: str):  # noqa: ANN201
    body = _body()
    moved = atomic(lambda: handoffs.handover(username, str(body.get("to") or ""), g.api_user))
    return jsonify({"moved": moved})

