"""Reading one task for display: its form, its current data and its read-only context."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import HumanTask, ProcessInstance
from engine.definitions import specs, taskdata
from engine.definitions.forms_runtime import context_form, task_form
from engine.definitions.properties import properties
from engine.moves.state import find_task, load_workflow
from engine.work.access import can_act, can_view_instance
from engine.work.inbox import participants
from forms import prefill


@dataclass
class TaskView:
    task: HumanTask
    instance: ProcessInstance
    form: Any
    context_form: Any | None
    data: dict[str, Any]
    all_data: dict[str, Any]
    may_act: bool
    verdicts: list[str] | None
    context: dict[str, Any]  # the values of context_form: the named steps' latest submissions


def get_task(task_id: str | uuid.UUID, user: User) -> TaskView:
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
    spiff_task = None
    if row.status == "READY":
        spiff_task = find_task(load_workflow(instance), row.spiff_task_id)
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
    return TaskView(row, instance, form, ctx, shown, data, may_act and row.status == "READY", verdicts, context)
