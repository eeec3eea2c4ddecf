"""Tasks: the caller's ready tasks, one task with its form and operations, completion, attachments."""
from __future__ import annotations

from typing import Any

from flask import current_app, g

from engine.base.db import db
from engine.base.errors import ValidationFailed
from engine.moves.interactions import mark_opened
from engine.moves.runtime import complete_task
from engine.views.tasks import TaskView, get_task
from engine.work import attachments
from engine.work.inbox import todo
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.common import instance_reply, path_uuid, visible_instance
from web.api.spec import fails
from web.downloads import attachment_response
from web.inputs import DataInput
from web.presenters import task_json


@api.get("/tasks")
@require_token
@api.arguments(out.TaskListQuery, location="query")
@api.response(200, out.Task(many=True))
@fails(422)
def list_tasks(query: dict[str, Any]):  # noqa: ANN201
    """我的待办（我和我的角色在数据范围内可办理的任务）"""
    filters = {k: query.get(k) for k in ("process_key", "business_key", "year", "dept", "task_name", "priority",
                                         "overdue")}
    filters = {k: (str(v) if v is not None else None) for k, v in filters.items()}
    limit = min(max(query["limit"], 1), 500)
    return [task_json(t) for t in todo(g.api_user, filters, limit, query["offset"], query["sort"])]


def task_detail(view: TaskView) -> dict[str, Any]:
    """One task for a client: its row, form, data and what the caller may do now."""
    ops = view.ops
    return {
        **task_json(view.task),
        "form": {"key": view.task.form_key, "mode": view.task.form_mode, "json_schema": view.form.json_schema,
                 "ui": view.form.ui_for({"verdicts": view.verdicts}), "verdicts": view.verdicts},
        "data": view.data,
        "can_complete": ops.may_submit,
        "can_resolve": ops.may_resolve,
        "draft_at": view.task.draft_at,
        "operations": {**vars(ops), "returnable": [_step(s) for s in ops.returnable]},
    }


def _step(row: Any) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.task_name, "title": row.title, "completed_by": row.completed_by,
            "completed_at": row.completed_at}


@api.get("/tasks/<id>")
@require_token
@api.response(200, out.TaskDetail)
@fails(404)
def show_task(id: str):  # noqa: ANN201
    """任务详情：表单（JSON Schema + UI）、当前数据、可进行的操作"""
    view = get_task(id, g.api_user)
    if mark_opened(view.task, g.api_user):
        db.session.commit()
    return task_detail(view)


@api.post("/tasks/<id>/complete")
@require_token
@api.arguments(DataInput)  # no @in_scope on the hot path: the engine's lock answers 404 (see docs/design.md)
@api.response(200, out.InstanceReply)
@fails(403, 404, 409, 422)
def complete(body: dict[str, Any], id: str):  # noqa: ANN201
    """提交任务"""
    from web.transactions import atomic

    return instance_reply(atomic(lambda: complete_task(path_uuid(id), g.api_user, body["data"])))


@api.post("/attachments")
@require_token
@api.arguments(out.UploadInput, location="multipart")
@api.response(201, out.Uploaded)
@fails(403, 404, 422)
def upload_attachment(form: dict[str, Any]):  # noqa: ANN201
    """上传附件：表单字段保存其 id（提交时关联到实例），或直接上传到实例或任务"""
    from web.transactions import atomic

    storage = form["file"]
    if not getattr(storage, "filename", None):
        raise ValidationFailed({"file": ["请选择文件"]})
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = storage.read(limit + 1)
    links = {k: form[k] for k in ("instance_id", "task_id") if form.get(k)}
    attachment = atomic(lambda: attachments.store(storage.filename, storage.mimetype, content, g.api_user, limit,
                                                  **links))
    return attachment


@api.get("/attachments/<id>")
@require_token
@api.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream",
              description="文件内容（Content-Disposition: attachment）")
@fails(404)
def download_attachment(id: str):  # noqa: ANN201
    """下载附件（有权查看其流程实例者）"""
    attachment = attachments.readable(path_uuid(id, "附件"), g.api_user)
    return attachment_response(attachment)


@api.get("/instances/<id>/attachments")
@require_token
@api.response(200, out.AttachmentItem(many=True))
@fails(404)
def instance_attachments(id: str):  # noqa: ANN201
    """流程实例的附件"""
    instance = visible_instance(id, g.api_user)
    return [{"id": str(a.id), "name": a.name, "size": a.size, "content_type": a.content_type,
             "uploaded_by": a.uploaded_by, "uploaded_at": a.uploaded_at,
             "task_id": str(a.task_id) if a.task_id else None} for a in attachments.of_instance(instance.id)]
