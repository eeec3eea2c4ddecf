"""Tasks: the caller's ready tasks, one task with its form, completion, attachments."""
from __future__ import annotations

import io
import uuid

from flask import current_app, g, jsonify, request, send_file

from engine.base.db import db
from engine.moves.interactions import mark_opened
from engine.moves.runtime import complete_task
from engine.views.tasks import get_task
from engine.work import attachments
from engine.work.inbox import todo
from web.api import api
from web.api.auth import require_token
from web.api.common import instance_reply, path_uuid
from web.presenters import task_json
from web.transactions import atomic


@api.get("/tasks")
@require_token
def list_tasks():  # noqa: ANN201
    filters = {k: request.args.get(k) for k in ("process_key", "business_key", "year", "dept", "task_name",
                                                "priority", "overdue")}
    errors = {k: ["须为整数"] for k in ("limit", "offset", "year", "priority")
              if request.args.get(k) and not request.args[k].isdigit()}
    sort = request.args.get("sort", "created")
    if sort not in ("created", "due", "priority"):
        errors["sort"] = ["须为 created、due 或 priority"]
    if errors:
        return jsonify(errors=errors), 422
    limit = min(max(int(request.args.get("limit", 50)), 1), 500)
    offset = int(request.args.get("offset", 0))
    return jsonify([task_json(t) for t in todo(g.api_user, filters, limit, offset, sort)])


@api.get("/tasks/<task_id>")
@require_token
def show_task(task_id: str):  # noqa: ANN201
    view = get_task(task_id, g.api_user)
    if mark_opened(view.task, g.api_user):
        db.session.commit()
    body = task_json(view.task)
    body.update(
        form={"key": view.task.form_key, "mode": view.task.form_mode, "json_schema": view.form.json_schema,
              "ui": view.form.ui_for({"verdicts": view.verdicts}), "verdicts": view.verdicts},
        data=view.data,
        can_complete=view.may_act and view.task.delegation != "PENDING",
        can_resolve=view.may_act and view.task.delegation == "PENDING",
        draft_at=view.task.draft_at,
    )
    return jsonify(body)


@api.post("/tasks/<task_id>/complete")
@require_token
def complete(task_id: str):  # noqa: ANN201
    tid = path_uuid(task_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
        return jsonify(errors={"data": ["请求体须为 {\"data\": {...}}"]}), 422
    return instance_reply(atomic(lambda: complete_task(tid, g.api_user, body.get("data") or {})))


@api.post("/attachments")
@require_token
def upload_attachment():  # noqa: ANN201
    """A file for a form field (linked to the instance when the task is completed), or directly
    on an instance or task (`instance_id` / `task_id` form fields)."""
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        return jsonify(errors={"file": ["请选择文件"]}), 422
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = storage.read(limit + 1)
    links = {}
    for key in ("instance_id", "task_id"):
        if value := request.form.get(key):
            try:
                links[key] = uuid.UUID(value)
            except ValueError:
                return jsonify(errors={key: ["须为 UUID"]}), 422
    attachment = atomic(lambda: attachments.store(storage.filename, storage.mimetype, content, g.api_user, limit,
                                                  **links))
    return jsonify(id=str(attachment.id), name=attachment.name, size=attachment.size,
                   sha256=attachment.sha256, content_type=attachment.content_type), 201


@api.get("/attachments/<attachment_id>")
@require_token
def download_attachment(attachment_id: str):  # noqa: ANN201
    attachment = attachments.readable(path_uuid(attachment_id, "附件"), g.api_user)
    return send_file(io.BytesIO(attachment.content), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.name)


@api.get("/instances/<instance_id>/attachments")
@require_token
def instance_attachments(instance_id: str):  # noqa: ANN201
    from web.api.models import visible_instance

    instance = visible_instance(instance_id, g.api_user)
    return jsonify([{"id": str(a.id), "name": a.name, "size": a.size, "content_type": a.content_type,
                     "uploaded_by": a.uploaded_by, "uploaded_at": a.uploaded_at,
                     "task_id": str(a.task_id) if a.task_id else None} for a in attachments.of_instance(instance.id)])
