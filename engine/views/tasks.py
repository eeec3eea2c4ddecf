"""The read side of one task, shared by the pages and the API: its form, its current data, its
read-only context and the operations the caller may perform on it now. Built once per request
from one load of the workflow (docs/design.md, "Web and API")."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import HumanTask, ProcessInstance, SignStep
from engine.definitions import specs, taskdata
from engine.definitions.forms_runtime import context_form, task_form
from engine.definitions.properties import properties
from engine.definitions.steprules import rules_of
from engine.moves import returns
from engine.moves.state import find_task, read_workflow
from engine.work import signing
from engine.work.access import PROCESS_ADMIN_ROLES, can_act, can_view_instance
from engine.work.inbox import participants
from forms import prefill


@dataclass
class TaskOperations:
    """What the caller may do with the task now; the moves check the same rules again."""

    may_submit: bool = False  # 提交 (not while the task is delegated out)
    may_handoff: bool = False  # 退回, 转办, 委派, 加签, 暂存
    may_resolve: bool = False  # 交回 a delegated task
    may_claim: bool = False
    may_release: bool = False
    returnable: list[HumanTask] = field(default_factory=list)  # 退回 targets, latest first
    resubmit: str = "CHOOSE"  # the step's rule: CHOOSE, RERUN or JUMP_BACK
    return_opinion_required: bool = True
    signers: list[HumanTask] = field(default_factory=list)  # a multi-signer step's items
    sign_step: SignStep | None = None
    may_remove_signers: bool = False


@dataclass
class TaskView:
    task: HumanTask
    instance: ProcessInstance
    form: Any
    context_form: Any | None
    data: dict[str, Any]  # what the form shows: prefill from task data, then the draft
    all_data: dict[str, Any]  # the task's data (read-only context)
    may_act: bool
    verdicts: list[str] | None
    context: dict[str, Any]  # the values of context_form: the named steps' latest submissions
    ops: TaskOperations = field(default_factory=TaskOperations)
    # whose data the context shows: the named steps' latest completions {title, by (a name), at}
    context_sources: list[dict[str, Any]] = field(default_factory=list)


def get_task(task_id: str | uuid.UUID, user: User) -> TaskView:
    """The task as `user` sees it; unknown or invisible is NotFound (no oracle)."""
    try:
        row = db.session.get(HumanTask, uuid.UUID(str(task_id)))
    except ValueError:
        row = None
    if row is None:
        raise NotFound("任务不存在")
    instance = db.session.get(ProcessInstance, row.instance_id)
    may_act = can_act(user, row)
    if not may_act and not can_view_instance(user, instance, participants(instance.id)):
        raise NotFound("任务不存在")
    loaded = specs.load_by_id(instance.model_version_id)
    data: dict[str, Any] = {}
    props: dict[str, str] = {"formKey": row.form_key or "", "formMode": row.form_mode or ""}
    workflow = spiff_task = None
    if row.status == "READY":
        workflow = read_workflow(instance)
        spiff_task = find_task(workflow, row.spiff_task_id)
        if spiff_task is not None:
            data = dict(spiff_task.data)
            props = properties(spiff_task.task_spec)
    form = task_form(instance.model_version_id, loaded.forms, props)
    verdicts = [v.strip() for v in props["verdicts"].split(",")] if props.get("verdicts") else None
    if loaded.data_flow == taskdata.FLAT:  # a version deployed before namespaces: as it ran then
        ctx, context, shown = context_form(instance.model_version_id, loaded.forms, props), data, prefill(form, data)
    elif spiff_task is not None:
        ctx_props = taskdata.context_props(spiff_task, taskdata.flow_of(spiff_task.task_spec).context)
        ctx = task_form(instance.model_version_id, loaded.forms, ctx_props) if ctx_props else None
        context, shown = taskdata.context_values(spiff_task), taskdata.form_values(form, spiff_task)
    else:
        ctx, context, shown = None, {}, {}
    if row.draft and may_act:  # 暂存: what was typed last time, over the task's data
        shown = {**shown, **row.draft}
    view = TaskView(row, instance, form, ctx, shown, data, may_act and row.status == "READY", verdicts, context)
    if ctx is not None and spiff_task is not None and loaded.data_flow != taskdata.FLAT:
        view.context_sources = _latest_completions(instance, taskdata.flow_of(spiff_task.task_spec).context)
    view.ops = _operations(view, user, workflow, spiff_task)
    return view


def _latest_completions(instance: ProcessInstance, steps: tuple[str, ...]) -> list[dict[str, Any]]:
    """Title, person and time of the latest completion of each named step, in the model's order."""
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.task_name.in_(steps), HumanTask.status == "COMPLETED")
        .order_by(HumanTask.completed_at.desc())).all()
    latest = {}
    for row in rows:
        latest.setdefault(row.task_name, row)
    names = dict(db.session.execute(select(User.username, User.name).where(
        User.username.in_({row.completed_by for row in latest.values()}))).all())
    return [{"title": latest[step].title, "by": names.get(latest[step].completed_by) or latest[step].completed_by,
             "at": latest[step].completed_at} for step in steps if step in latest]


def _operations(view: TaskView, user: User, workflow: Any, spiff_task: Any) -> TaskOperations:
    row, ops = view.task, TaskOperations()
    pending = row.delegation == "PENDING"
    if view.may_act:
        ops.may_submit = ops.may_handoff = not pending
        ops.may_resolve = pending and row.assignee == user.username
        ops.may_claim = row.assignee is None
    ops.may_release = row.status == "READY" and row.assigned_via == "CLAIM" and row.assignee == user.username
    if ops.may_handoff and workflow is not None:
        ops.returnable = returns.returnable_steps(view.instance, row, workflow)
        if spiff_task is not None:
            rules = rules_of(spiff_task.task_spec)
            ops.resubmit, ops.return_opinion_required = rules.resubmit, "RETURN" in rules.opinion_required
    if row.sign_seq is not None:
        ops.signers = signing.signers(row)
        ops.sign_step = signing.step_of(row)
        ops.may_remove_signers = view.may_act or any(
            a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles)
    return ops
