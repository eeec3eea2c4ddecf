"""Operations posted from the instance page: 评论, 催办, 抄送, 撤回, 拿回 — the operations the JSON
API runs (web.operations: one input schema, one engine call), one transaction each, errors as
Chinese flashes (web.pages.outcome)."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.base.errors import NotFound
from engine.moves import interactions
from engine.work.access import read_only
from engine.work.inbox import ready_tasks
from web.downloads import attachment_response
from web.labels import labels
from web.operations import INSTANCE, TASK, Operation
from web.pages.outcome import Outcome, attempt, attempt_with, flash_failure, not_found_page, parse_id

bp = Blueprint("instance_ops", __name__, url_prefix="/instances")
INSTANCE_NOT_FOUND = "流程实例不存在或您无权查看"


@bp.app_template_global("may_speak")
def may_speak() -> bool:
    """The instance page shows 评论, 催办 and 抄送 only to who may speak in what they see: not to
    read-only observers (engine.interactions.speaking_instance refuses them the same way)."""
    return bool(current_user.is_authenticated and not read_only(current_user))


def _visible(instance_id: str) -> uuid.UUID | None:
    """The instance id if the caller may see it (else every operation answers 404 first)."""
    ident = parse_id(instance_id)
    try:
        return interactions.visible_instance(ident, current_user).id if ident else None
    except NotFound:
        return None


def _act(instance_id: str, name: str, done: Callable[[Any], str]):  # noqa: ANN202
    ident = _visible(instance_id)
    if ident is None:
        return not_found_page(INSTANCE_NOT_FOUND)
    op: Operation = INSTANCE[name]
    return _after(op.label, attempt_with(op.schema, request.form, lambda a: op.run(ident, current_user, a), ident),
                  done, instance_id)


def _after(label: str, outcome: Outcome[Any], done: Callable[[Any], str], instance_id: str):  # noqa: ANN202
    if outcome.ok:
        flash(done(outcome.value))
    elif outcome.status == 404:
        return not_found_page(INSTANCE_NOT_FOUND)
    else:
        flash_failure(label, outcome)
    return redirect(url_for("instances.show", instance_id=instance_id))


@bp.post("/<instance_id>/comment")
@login_required
def comment(instance_id: str):  # noqa: ANN201
    return _act(instance_id, "comment", lambda _: "已发表评论")


@bp.post("/<instance_id>/urge")
@login_required
def urge(instance_id: str):  # noqa: ANN201
    return _act(instance_id, "urge", lambda people: f"已催办：{labels().people(people)}" if people else "已催办")


@bp.post("/<instance_id>/cc")
@login_required
def copy(instance_id: str):  # noqa: ANN201
    return _act(instance_id, "cc", lambda added: f"已抄送给 {labels().people(added)}" if added
                else "这些人已收到过抄送，未重复发送")


@bp.post("/<instance_id>/withdraw")
@login_required
def withdraw(instance_id: str):  # noqa: ANN201
    return _act(instance_id, "withdraw", lambda _: "已撤回，申请回到您的待办")


@bp.post("/<instance_id>/reclaim")
@login_required
def reclaim(instance_id: str):  # noqa: ANN201
    """拿回 the viewer's last completion (item_id); on success straight to the task again."""
    if _visible(instance_id) is None:
        return not_found_page(INSTANCE_NOT_FOUND)
    item, op = parse_id(request.form.get("item_id")), TASK["reclaim"]
    outcome: Outcome[Any] = (Outcome(errors={"item_id": ["编号无效"]}, status=422) if item is None else
                             attempt_with(op.schema, request.form, lambda a: op.run(item, current_user, a)))
    if outcome.status == 404:
        return not_found_page("任务不存在或您无权查看")
    if not outcome.ok:
        flash_failure(op.label, outcome)
        return redirect(url_for("instances.show", instance_id=instance_id))
    flash("已拿回，可修改后重新提交")
    mine = [t for t in ready_tasks(outcome.value.id) if t.assignee == current_user.username]
    if mine:
        return redirect(url_for("tasks.show", task_id=mine[0].id))
    return redirect(url_for("instances.show", instance_id=instance_id))


@bp.post("/<instance_id>/attachments")
@login_required
def attach(instance_id: str):  # noqa: ANN201
    from flask import current_app

    from engine.work import attachments

    ident = _visible(instance_id)
    if ident is None:
        return not_found_page(INSTANCE_NOT_FOUND)
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        flash("上传附件未成功：请选择文件")
        return redirect(url_for("instances.show", instance_id=instance_id))
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = storage.read(limit + 1)
    return _after("上传附件", attempt(lambda: attachments.store(storage.filename, storage.mimetype, content,
                                                             current_user, limit, instance_id=ident), ident),
                  lambda a: f"已上传附件：{a.name}", instance_id)


@bp.get("/attachments/<attachment_id>")
@login_required
def download(attachment_id: str):  # noqa: ANN201
    from engine.base.errors import NotFound
    from engine.work import attachments

    try:
        found = attachments.readable(uuid.UUID(attachment_id), current_user)
    except (ValueError, NotFound):
        return render_template("error.html", message="附件不存在或您无权查看"), 404
    return attachment_response(found)
