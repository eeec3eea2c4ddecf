"""The task page: the task's form with its data, read-only context, Chinese errors per field."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.db import db
from engine.errors import Conflict, Forbidden, Incident, NotFound, ValidationFailed
from engine.inbox import timeline
from engine.models import Attachment
from engine.runtime import complete_task
from engine.tasks import get_task
from web.pages.formdata import nest
from web.presenters import event_json
from web.transactions import atomic, record_incident

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _render(view: Any, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200):  # noqa: ANN202
    opinions = [event_json(e) for e in timeline(view.instance.id) if e.action == "complete" and e.comment]
    return render_template("task.html", view=view, ui=view.form.ui_for({"verdicts": view.verdicts}),
                           values=values, errors=errors, context=view.all_data, opinions=opinions), status


@bp.get("/<task_id>")
@login_required
def show(task_id: str):  # noqa: ANN201
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return render_template("error.html", message="任务不存在或您无权查看"), 404
    return _render(view, view.data, {})


def _file_fields(ui: dict[str, Any]) -> set[str]:
    return {f["name"] for section in ui.get("sections", []) for f in section.get("fields", [])
            if f.get("type") == "files"}


def _multi_fields(ui: dict[str, Any]) -> set[str]:
    return {f["name"] for section in ui.get("sections", []) for f in section.get("fields", [])
            if f.get("type") in ("multi_enum", "users")}


def _store_uploads(values: dict[str, Any], names: set[str]) -> dict[str, list[str]]:
    """Uploaded files become attachments; their ids join the field's list."""
    errors: dict[str, list[str]] = {}
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    for name in names:
        ids = values.get(name) or []
        ids = [i for i in (ids if isinstance(ids, list) else [ids]) if i]
        for storage in request.files.getlist(f"_upload.{name}"):
            if not storage or not storage.filename:
                continue
            content = storage.read(limit + 1)
            if len(content) > limit:
                errors.setdefault(name, []).append(f"文件 {storage.filename} 超过大小上限")
                continue
            attachment = Attachment(name=storage.filename[-255:], size=len(content), content=content,
                                    content_type=storage.mimetype or "application/octet-stream",
                                    sha256=hashlib.sha256(content).hexdigest(), uploaded_by=current_user.username)
            db.session.add(attachment)
            db.session.flush()
            ids.append(str(attachment.id))
        values[name] = ids
    return errors


@bp.post("/<task_id>")
@login_required
def submit(task_id: str):  # noqa: ANN201
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return render_template("error.html", message="任务不存在或您无权查看"), 404
    values = nest(request.form, _multi_fields(view.form.ui))
    upload_errors = _store_uploads(values, _file_fields(view.form.ui))
    if upload_errors:
        db.session.rollback()
        return _render(view, values, upload_errors, 422)
    try:
        atomic(lambda: complete_task(view.task.id, current_user, values))
    except ValidationFailed as err:
        return _render(view, values, err.errors, 422)
    except Forbidden:
        return render_template("error.html", message="您不是该任务的办理人"), 403
    except Conflict:
        flash("该任务已被处理")
        return redirect(url_for("instances.show", instance_id=view.instance.id))
    except Incident as err:
        record_incident(err, view.instance.id)
        return _render(view, values, {"_process": [str(err)]}, 422)
    flash(f"已提交：{view.task.title}")
    return redirect(url_for("inbox.todo"))
