"""What the viewer of a task page may do besides 提交: 暂存, 退回, 转办, 委派, 加签/减签,
认领/释放, 交回 — computed once for the template from the same engine rules the moves check."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine.base.db import db
from engine.base.identity import User
from engine.base.models import HumanTask, Opinion, SignStep
from engine.definitions.steprules import rules_of
from engine.moves import returns
from engine.moves.state import find_task, load_workflow
from engine.views.tasks import TaskView
from engine.work import signing
from engine.work.access import PROCESS_ADMIN_ROLES
from web.presenters import opinion_json


@dataclass
class TaskActions:
    may_act: bool = False  # the viewer may work on the task (form, 暂存)
    may_submit: bool = False  # 提交 (not while the task is delegated out)
    may_handoff: bool = False  # 退回, 转办, 委派, 加签
    may_resolve: bool = False  # 交回 a delegated task
    may_claim: bool = False
    may_release: bool = False
    returnable: list[HumanTask] = field(default_factory=list)
    resubmit: str = "CHOOSE"  # the step's rule: CHOOSE, RERUN or JUMP_BACK
    return_opinion_required: bool = True
    signers: list[HumanTask] = field(default_factory=list)
    sign_step: SignStep | None = None
    may_remove_signers: bool = False
    status_note: str | None = None
    opinions: list[dict[str, Any]] = field(default_factory=list)


def task_actions(view: TaskView, user: User) -> TaskActions:
    row, me = view.task, user.username
    acts = TaskActions(may_act=view.may_act, opinions=_opinions(view))
    pending = row.delegation == "PENDING"
    acts.status_note = _status_note(row, me)
    if view.may_act:
        acts.may_submit = acts.may_handoff = not pending
        acts.may_resolve = pending and row.assignee == me
        acts.may_claim = row.assignee is None
    acts.may_release = row.status == "READY" and row.assigned_via == "CLAIM" and row.assignee == me
    if acts.may_handoff:
        workflow = load_workflow(view.instance)
        acts.returnable = returns.returnable_steps(view.instance, row, workflow)
        task = find_task(workflow, row.spiff_task_id)
        if task is not None:
            rules = rules_of(task.task_spec)
            acts.resubmit, acts.return_opinion_required = rules.resubmit, "RETURN" in rules.opinion_required
    if row.sign_seq is not None:
        acts.signers = signing.signers(row)
        acts.sign_step = signing.step_of(row)
        acts.may_remove_signers = view.may_act or _process_admin(user)
    return acts


def _opinions(view: TaskView) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Opinion).where(Opinion.instance_id == view.instance.id).order_by(Opinion.id))
    return [opinion_json(o) for o in rows if (o.text or "").strip()]


def _status_note(row: HumanTask, me: str) -> str | None:
    if row.status != "READY" and row.status != "WAITING":
        return None
    if row.delegation == "PENDING":
        if row.assignee == me:
            return f"{row.owner} 委派给您办理：请填写处理意见后“交回”，由 {row.owner} 决定。"
        return f"已委派给 {row.assignee}，等待其交回。"
    if row.delegation == "RESOLVED" and row.assignee == me:
        return "委派的任务已交回，请您决定。"
    if row.status == "WAITING":
        return "多人审批中，尚未轮到您签署。"
    if row.assigned_via == "CLAIM":
        return f"已由 {row.assignee} 认领。"
    if row.assigned_via == "TRANSFER":
        return f"已转办给 {row.assignee}。"
    if row.assigned_via == "RETURN" and row.assignee == me:
        return "该任务经退回流转而来，请先查看审批意见。"
    if row.assignee is None:
        return f"角色 {row.lane} 的待办：可先认领，避免重复办理。"
    return None


def _process_admin(user: User) -> bool:
    return any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles)
