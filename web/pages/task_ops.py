"""The approval operations posted from the task page: 暂存, 退回, 转办, 委派, 交回, 加签, 减签,
认领, 释放. Each calls the engine function the JSON API calls (web/api/operations.py) in its own
transaction; a validation error re-renders the task page with the message beside its field."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.models import HumanTask
from engine.moves import handoffs, interactions, returns
from engine.views.tasks import get_task
from web.pages.outcome import Outcome, attempt, flash_failure, text, usernames
from web.pages.tasks import form_values, not_found, render_task

bp = Blueprint("task_ops", __name__, url_prefix="/tasks")

LABELS = {"draft": "暂存", "return": "退回", "transfer": "转办", "delegate": "委派", "resolve": "交回",
          "signers": "加签", "remove_signer": "减签", "claim": "认领", "release": "释放"}


def _finish(task_id: str, name: str, outcome: Outcome[Any], done: str, *, to_todo: bool = False):  # noqa: ANN202
    """Success: flash and go on. Field errors: the task page again, the form open with its input.
    Any other engine error: a flash on the task page."""
    if outcome.ok:
        flash(done)
        return redirect(url_for("inbox.todo") if to_todo else url_for("tasks.show", task_id=task_id))
    if outcome.errors is not None:
        try:
            view = get_task(task_id, current_user)
        except NotFound:
            return not_found()
        op = {"name": name, "errors": outcome.errors, "values": request.form}
        return render_task(view, view.data, {}, 422, op=op)
    flash_failure(LABELS[name], outcome)
    return redirect(url_for("tasks.show", task_id=task_id))


def _run(task_id: str, fn: Callable[[Any], Any]) -> Outcome[Any]:
    """`fn(item_id)` in a transaction; an id that is no uuid is an unknown task."""
    try:
        item_id = uuid.UUID(task_id)
    except ValueError:
        return Outcome(message="任务不存在")
    instance_id = db.session.scalar(select(HumanTask.instance_id).where(HumanTask.id == item_id))
    return attempt(lambda: fn(item_id), instance_id)  # an incident is recorded on its instance


@bp.post("/<task_id>/draft")
@login_required
def draft(task_id: str):  # noqa: ANN201
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return not_found()
    values = form_values(view)
    outcome = attempt(lambda: interactions.save_draft(view.task.id, current_user, values), view.instance.id)
    if outcome.ok:
        flash("已暂存，下次打开时继续填写")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash_failure("暂存", outcome)
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return not_found()
    return render_task(view, values, {}, 422)  # what was typed stays on the page


@bp.post("/<task_id>/return")
@login_required
def return_task(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: returns.return_task(
        item, current_user, request.form.get("target") or "", text("opinion"),
        request.form.get("resubmit") or None))
    return _finish(task_id, "return", outcome, "已退回", to_todo=True)


@bp.post("/<task_id>/transfer")
@login_required
def transfer(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: handoffs.transfer(item, current_user, text("to"), text("opinion")))
    return _finish(task_id, "transfer", outcome, f"已转办给 {request.form.get('to', '').strip()}", to_todo=True)


@bp.post("/<task_id>/delegate")
@login_required
def delegate(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: handoffs.delegate(item, current_user, text("to"), text("opinion")))
    return _finish(task_id, "delegate", outcome, f"已委派给 {request.form.get('to', '').strip()}，处理后将交回您决定",
                   to_todo=True)


@bp.post("/<task_id>/resolve")
@login_required
def resolve(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: handoffs.resolve(item, current_user, text("opinion")))
    return _finish(task_id, "resolve", outcome, "已交回", to_todo=True)


@bp.post("/<task_id>/signers")
@login_required
def add_signers(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: handoffs.add_signers(
        item, current_user, usernames("users"), request.form.get("position") or "AFTER",
        request.form.get("order") or "PARALLEL", text("opinion")))
    names = "、".join(t.assignee for t in outcome.value or [])
    return _finish(task_id, "signers", outcome, f"已加签：{names}")


@bp.post("/<task_id>/remove-signer/<signer_id>")
@login_required
def remove_signer(task_id: str, signer_id: str):  # noqa: ANN201
    """减签 of the signer item `signer_id`, posted from the task page of `task_id`."""
    outcome = _run(signer_id, lambda item: handoffs.remove_signer(item, current_user, text("opinion")))
    removed = outcome.value.assignee if outcome.ok and outcome.value else ""
    return _finish(task_id, "remove_signer", outcome, f"已减签：{removed}")


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: handoffs.claim(item, current_user))
    return _finish(task_id, "claim", outcome, "已认领，该任务现由您办理")


@bp.post("/<task_id>/release")
@login_required
def release(task_id: str):  # noqa: ANN201
    outcome = _run(task_id, lambda item: handoffs.release(item, current_user))
    return _finish(task_id, "release", outcome, "已释放，该任务回到角色待办", to_todo=True)
