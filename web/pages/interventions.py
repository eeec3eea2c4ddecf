"""An administrator's interventions posted from the instance page (暂停, 恢复, 终止, 重试异常,
删除草稿, 改派): the operations the API runs (web.operations.ADMIN), one transaction each. An
instance the caller may not see is the 404 page; seen but no administrator is the 403 page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from engine.moves.interventions import may_intervene
from web.operations import ADMIN, TASK
from web.pages.instance_ops import INSTANCE_NOT_FOUND, _visible
from web.pages.outcome import Outcome, attempt_with, flash_failure, not_found_page, parse_id

bp = Blueprint("interventions", __name__, url_prefix="/instances")
DONE = {"suspend": "流程已暂停", "resume": "流程已恢复", "terminate": "流程已终止", "retry": "已重试，异常已消除",
        "delete_draft": "草稿申请已删除", "move_token": "流程已移动"}


def _run(instance_id: str, name: str, fn: Any, label: str, done: str):  # noqa: ANN202
    ident = _visible(instance_id)
    if ident is None:
        return not_found_page(INSTANCE_NOT_FOUND)
    if not may_intervene(current_user):
        abort(403)
    outcome: Outcome[Any] = fn(ident)
    if outcome.status == 404:
        return not_found_page(INSTANCE_NOT_FOUND)
    if outcome.ok:
        flash(done)
    else:
        flash_failure(label, outcome)
    return redirect(url_for("instances.show", instance_id=instance_id))


@bp.post("/<instance_id>/admin/<name>")
@login_required
def intervene(instance_id: str, name: str):  # noqa: ANN201
    op = ADMIN.get(name.replace("-", "_"))
    if op is None:
        return not_found_page()
    key = name.replace("-", "_")
    return _run(instance_id, key, lambda ident: attempt_with(
        op.schema, request.form, lambda a: op.run(ident, current_user, a), ident), op.label, DONE[key])


@bp.post("/<instance_id>/reassign")
@login_required
def reassign(instance_id: str):  # noqa: ANN201
    item, op = parse_id(request.form.get("item_id")), TASK["reassign"]

    def go(ident: Any) -> Outcome[Any]:
        if item is None:
            return Outcome(errors={"item_id": ["请选择要改派的任务"]}, status=422)
        return attempt_with(op.schema, request.form, lambda a: op.run(item, current_user, a), ident)

    return _run(instance_id, "reassign", go, op.label, "已改派")
