"""What the task page shows besides the shared task view (engine.views.tasks: form, data, operations):
a status line for the viewer and the instance's opinions."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.base.db import db
from engine.base.models import HumanTask, Opinion
from engine.views.tasks import TaskView
from web.labels import labels
from web.presenters import opinion_json


def opinions(view: TaskView) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Opinion).where(Opinion.instance_id == view.instance.id).order_by(Opinion.id))
    return [opinion_json(o) for o in rows if (o.text or "").strip()]


def status_note(row: HumanTask, me: str) -> str | None:
    names = labels()
    owner, assignee = names.person(row.owner), names.person(row.assignee)
    if row.status != "READY" and row.status != "WAITING":
        return None
    if row.delegation == "PENDING":
        if row.assignee == me:
            return f"{owner} 委派给您办理：请填写处理意见后“交回”，由 {owner} 决定。"
        return f"已委派给 {assignee}，等待其交回。"
    if row.delegation == "RESOLVED" and row.assignee == me:
        return "委派的任务已交回，请您决定。"
    if row.status == "WAITING":
        return "多人审批中，尚未轮到您签署。"
    if row.assigned_via == "CLAIM":
        return f"已由 {assignee} 认领。"
    if row.assigned_via == "TRANSFER":
        return f"已转办给 {assignee}。"
    if row.assigned_via == "RETURN" and row.assignee == me:
        return "该任务经退回流转而来，请先查看审批意见。"
    if row.assignee is None:
        return f"{names.role(row.lane)}的待办：可先认领，避免重复办理。"
    return None
