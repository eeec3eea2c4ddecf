"""The approval operations posted from the task page: 暂存, 退回, 转办, 委派, 交回, 加签, 减签,
认领, 释放. Each is the operation the JSON API runs (web.operations: one input schema, one
engine call), fed the posted form; a refused one re-renders the task page with the message
beside its field, anything else is a flash. The task view is built before the move, which takes
over its workflow, so a request loads the workflow once."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from engine.base.errors import NotFound
from engine.views.tasks import TaskView, get_task
from web.labels import labels
from web.operations import TASK
from web.pages.outcome import Outcome, attempt, attempt_with, flash_failure, parse_id
from web.pages.tasks import form_values, not_found, render_task

bp = Blueprint("task_ops", __name__, url_prefix="/tasks")


def _perform(task_id: str, name: str, done: Callable[[Any], str], *, item_id: str | None = None,
             to_todo: bool = False):  # noqa: ANN202
    """Run operation `name` on `item_id` (default: the task) from the page of `task_id`. A task
    (or item) the caller may not see is 404 before anything else is looked at."""
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return not_found()
    item = parse_id(item_id or task_id)
    if item is None:
        return not_found()
    op = TASK[name]
    outcome: Outcome[Any] = attempt_with(op.schema, request.form, lambda args: op.run(item, current_user, args),
                                         view.instance.id)
    return _finish(task_id, view, name, outcome, done, to_todo)


def _finish(task_id: str, view: TaskView, name: str, outcome: Outcome[Any], done: Callable[[Any], str],
            to_todo: bool):  # noqa: ANN202
    """Success: flash and go on. Field errors: the task page again, the form open with its input.
    Any other engine error: a flash on the task page."""
    if outcome.ok:
        flash(done(outcome.value))
        return redirect(url_for("inbox.todo") if to_todo else url_for("tasks.show", task_id=task_id))
    if outcome.status == 404:
        return not_found()
    if outcome.errors is not None:
        return render_task(view, view.data, {}, 422, op={"name": name, "errors": outcome.errors,
                                                        "values": request.form})
    flash_failure(TASK[name].label, outcome)
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/draft")
@login_required
def draft(task_id: str):  # noqa: ANN201
    try:
        view = get_task(task_id, current_user)
    except NotFound:
        return not_found()
    values = form_values(view)
    outcome = attempt(lambda: TASK["draft"].run(view.task.id, current_user, {"data": values}), view.instance.id)
    if outcome.ok:
        flash("已暂存，下次打开时继续填写")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash_failure("暂存", outcome)
    return render_task(view, values, {}, 422)  # what was typed stays on the page


@bp.post("/<task_id>/return")
@login_required
def return_task(task_id: str):  # noqa: ANN201
    return _perform(task_id, "return", lambda _: "已退回", to_todo=True)


@bp.post("/<task_id>/transfer")
@login_required
def transfer(task_id: str):  # noqa: ANN201
    return _perform(task_id, "transfer", lambda row: f"已转办给 {labels().person(row.assignee)}", to_todo=True)


@bp.post("/<task_id>/delegate")
@login_required
def delegate(task_id: str):  # noqa: ANN201
    return _perform(task_id, "delegate", lambda row: f"已委派给 {labels().person(row.assignee)}，处理后将交回您决定", to_todo=True)


@bp.post("/<task_id>/resolve")
@login_required
def resolve(task_id: str):  # noqa: ANN201
    return _perform(task_id, "resolve", lambda _: "已交回", to_todo=True)


@bp.post("/<task_id>/signers")
@login_required
def add_signers(task_id: str):  # noqa: ANN201
    return _perform(task_id, "signers", lambda added: f"已加签：{labels().people(t.assignee for t in added)}")


@bp.post("/<task_id>/remove-signer/<signer_id>")
@login_required
def remove_signer(task_id: str, signer_id: str):  # noqa: ANN201
    """减签 of the signer item `signer_id`, posted from the task page of `task_id`."""
    return _perform(task_id, "remove_signer", lambda row: f"已减签：{labels().person(row.assignee)}", item_id=signer_id)


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str):  # noqa: ANN201
    return _perform(task_id, "claim", lambda _: "已认领，该任务现由您办理")


@bp.post("/<task_id>/release")
@login_required
def release(task_id: str):  # noqa: ANN201
    return _perform(task_id, "release", lambda _: "已释放，该任务回到角色待办", to_todo=True)
