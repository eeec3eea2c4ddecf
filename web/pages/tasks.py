"""The task page: the shared task view (engine.views.tasks: form, data, operations the viewer may use)
rendered with Chinese errors per field; the operations' routes are in web.pages.task_ops. A page
GET, a POST and a refused POST each load the workflow once: the view is built first and the move
takes over the workflow it read (engine.moves.state.load)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.base.db import db
from engine.base.errors import NotFound, ValidationFailed
from engine.moves.interactions import mark_opened
from engine.moves.runtime import complete_task
from engine.views.tasks import TaskView, get_task
from engine.work import attachments
from web.pages.display import RESUBMIT_LABELS, SIGN_MODES
from web.pages.formdata import nest
from web.pages.outcome import attempt
from web.pages.task_actions import opinions, status_note

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def render_task(view: TaskView, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200,
                op: dict[str, Any] | None = None):  # noqa: ANN201
    """The task page; `op` = {"name", "errors", "values"} of an operation form that failed."""
    return render_template("task.html", view=view, ui=view.form.ui_for({"verdicts": view.verdicts}),
                           values=values, errors=errors, context=view.context, opinions=opinions(view),
                           guide=view.form.guidance(view.all_data) if view.may_act else {},
                           acts=view.ops, status_note=status_note(view.task, current_user.username),
                           op=op or {"name": None, "errors": {}, "values": {}},
                           sign_modes=SIGN_MODES, resubmit_labels=RESUBMIT_LABELS), status


def not_found():  # noqa: ANN201
    return render_template("error.html", message="任务不存在或您无权查看"), 404


@bp.get("/<task_id>")
@login_required
def show(task_id: str):  # noqa: ANN201
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return not_found()
    if view.may_act and mark_opened(view.task, current_user):
        db.session.commit()  # the first look by someone who may act: 拿回 is refused after it
    return render_task(view, view.data, {})


def form_values(view: TaskView) -> dict[str, Any]:
    """The posted task form as the nested dict the validator (and 暂存) takes."""
    return nest(request.form, _multi_fields(view.form.ui))


def _file_fields(ui: dict[str, Any]) -> set[str]:
    """Paths of the form's file fields: `name`, and `list.*.name` for a file column of a grid."""
    paths = set()
    for section in ui.get("sections", []):
        for f in section.get("fields", []):
            if f.get("type") == "files":
                paths.add(f["name"])
            elif f.get("type") == "list":
                paths |= {f"{f['name']}.*.{s['name']}" for s in f.get("fields", []) if s.get("type") == "files"}
    return paths


def _multi_fields(ui: dict[str, Any]) -> set[str]:
    return {f["name"] for section in ui.get("sections", []) for f in section.get("fields", [])
            if f.get("type") in ("multi_enum", "users")}


def _file_slots(values: dict[str, Any], path: str) -> list[tuple[dict[str, Any], str, str]]:
    """(the dict holding the field, its key, the upload input's name) for each place `path` names:
    one for a plain field, one per posted row for a grid's file column."""
    if ".*." not in path:
        return [(values, path, f"_upload.{path}")]
    grid, name = path.split(".*.")
    rows = values.get(grid)
    return [(row, name, f"_upload.{grid}.{i}.{name}") for i, row in enumerate(rows if isinstance(rows, list) else [])
            if isinstance(row, dict)]


def _store_uploads(values: dict[str, Any], paths: set[str]) -> tuple[dict[str, list[str]], int]:
    """Uploaded files become attachments; their ids join the field's list (a grid row's too).
    (errors by field path, files stored)"""
    errors: dict[str, list[str]] = {}
    stored = 0
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    for path in paths:
        for holder, name, upload in _file_slots(values, path):
            ids = holder.get(name) or []
            ids = [i for i in (ids if isinstance(ids, list) else [ids]) if i]
            for storage in request.files.getlist(upload):
                if not storage or not storage.filename:
                    continue
                content = storage.read(limit + 1)
                try:
                    attachment = attachments.store(storage.filename, storage.mimetype, content, current_user, limit)
                except ValidationFailed as err:
                    errors.setdefault(upload.removeprefix("_upload."), []).extend(
                        f"{storage.filename}：{m}" for m in err.errors["file"])
                    continue
                db.session.flush()
                ids.append(str(attachment.id))
                stored += 1
            holder[name] = ids
    return errors, stored


@bp.post("/<task_id>")
@login_required
def submit(task_id: str):  # noqa: ANN201
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return not_found()
    values = form_values(view)
    upload_errors, stored = _store_uploads(values, _file_fields(view.form.ui))
    if upload_errors:
        db.session.rollback()
        return render_task(view, values, upload_errors, 422)
    if stored:  # kept even if the submission is refused: the re-rendered page holds their ids
        db.session.commit()
    outcome = attempt(lambda: complete_task(view.task.id, current_user, values), view.instance.id)
    if outcome.ok:
        flash(f"已提交：{view.task.title}")
        return redirect(url_for("inbox.todo"))
    if outcome.errors is not None or outcome.status == 422:  # field errors or an incident: stay on the form
        return render_task(view, values, outcome.errors or {"_process": [outcome.message or ""]}, 422)
    if outcome.status == 403:
        return render_template("error.html", message=outcome.message or "您不是该任务的办理人"), 403
    flash("该任务已被处理" if outcome.status == 409 else outcome.message or "提交未成功")
    return redirect(url_for("instances.show", instance_id=view.instance.id))
