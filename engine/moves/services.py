"""The `service.run` job (issue 4 point 7): a background service task (engine.definitions.service_tasks)
was left STARTED by the move that reached it, which committed with this job; the job runs the
handler outside the instance lock, then locks the instance, completes the task and moves on. No
web request waits on slow work. If the task went away meanwhile (a timer interrupted it, the
instance was cancelled), the handler's writes are rolled back and nothing moves."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import Incident
from engine.base.hooks import REGISTRY, ServiceContext
from engine.base.models import AuditEvent, Outbox, ProcessInstance
from engine.definitions import datasize
from engine.dispatch import queue
from engine.moves import runtime, sidetables
from engine.moves.state import find_task, load


def _incident(row: Outbox, error: str) -> None:
    instance = db.session.get(ProcessInstance, row.instance_id) if row.instance_id else None
    if instance is not None:
        instance.incident = f"后台服务任务失败：{error}"
    db.session.add(AuditEvent(actor="system", action="incident", instance_id=row.instance_id,
                              comment=f"后台服务任务多次失败：{error}"))


@queue.job("service.run", timeout=1800, on_failed=_incident)
def run(payload: dict[str, Any]) -> None:
    instance_id, task_id = uuid.UUID(payload["instance_id"]), uuid.UUID(payload["task_id"])
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or instance.status != "RUNNING":
        return
    workflow, _scripts, _loaded = load(instance)
    task = find_task(workflow, task_id)
    if task is None or task.state != TaskState.STARTED:
        return
    spec = task.task_spec
    handler = REGISTRY.services.get(spec.operation_name)
    if handler is None:
        raise LookupError(f"未注册的服务任务处理器：{spec.operation_name}")
    params = {k: v["value"] for k, v in spec.evaluate_params(task).items()}
    work = db.session.begin_nested()  # the slow part: no instance lock held
    result = handler(ServiceContext(instance, str(task.id), spec.bpmn_id, task.data, None), **params) or {}

    locked = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                               .with_for_update().execution_options(populate_existing=True))
    workflow, scripts, _loaded = load(locked)
    task = find_task(workflow, task_id)
    if locked.status != "RUNNING" or task is None or task.state != TaskState.STARTED:
        work.rollback()  # what it was for went away: its writes go too
        return
    work.commit()
    since = datetime.now().timestamp() - 0.001
    if (reason := datasize.too_big({**task.data, **result})) is not None:
        raise Incident(f"服务任务 {spec.operation_name} 的结果{reason}")
    task.data.update(result)
    task.complete()
    runtime.bind_services(scripts, locked, None)
    runtime.advance(locked, workflow)
    sidetables.persist(locked, workflow, None, since)
    if locked.incident and locked.incident.startswith("后台服务任务失败"):
        locked.incident = None
