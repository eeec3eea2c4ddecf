"""Timers that fire: the engine keeps one `engine_timer` row per waiting timer (sidetables._sync_waits)
and per model with a timer start event (engine.definitions.start_timers); the scheduler turns due rows
into `timer.fire` jobs (engine.time.clock), and the job moves the instance here.

A timer fires only while what set it still stands: the instance is running, the engine task
still waits, and its stored due time is the row's. A cancelled instance, a branch that went
away, or an instance moved to a changed model leaves the row CANCELLED without any effect.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.models import AuditEvent, Outbox, ProcessInstance, Timer
from engine.dispatch import queue
from engine.moves import runtime, sidetables
from engine.moves.state import find_task, load
from engine.work.audit import audit


def _incident(row: Outbox, error: str) -> None:
    """After the last attempt: the instance shows the incident until an administrator retries."""
    if row.instance_id is not None:
        instance = db.session.get(ProcessInstance, row.instance_id)
        if instance is not None:
            instance.incident = f"定时器触发失败：{error}"
    db.session.add(AuditEvent(actor="system", action="incident", instance_id=row.instance_id,
                              comment=f"后台任务 {row.kind} 多次失败：{error}"))


@queue.job("timer.fire", queue="timers", on_failed=_incident)
def fire(payload: dict[str, Any]) -> None:
    timer = db.session.get(Timer, uuid.UUID(payload["timer_id"]))
    if timer is None or timer.status != "DUE":
        return
    if timer.process_key is not None:
        _start_periodic(timer)
        return
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == timer.instance_id)
                                 .with_for_update())
    db.session.refresh(timer)
    if timer.status != "DUE":
        return
    if instance is not None and instance.status == "SUSPENDED":
        return  # claimed just before 暂停: stays DUE; 恢复 owes it a job again (moves.interventions)
    if instance is None or instance.status != "RUNNING":
        timer.status = "CANCELLED"
        return
    workflow, scripts, _loaded = load(instance)
    task = find_task(workflow, timer.task_id)
    if (task is None or task.state != TaskState.WAITING
            or str(task.internal_data.get("event_value"))[:200] != timer.raw_value):
        timer.status = "CANCELLED"
        audit(instance, None, "timer_void", title=timer.task_name,
                      comment="定时器所在环节已不存在或已改变，未触发")
        return
    since = datetime.now().timestamp()
    runtime.bind_services(scripts, instance, None)
    audit(instance, None, "timer", title=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                  detail={"due": timer.due_at.isoformat() if timer.due_at else None})
    runtime.advance(instance, workflow)
    sidetables.persist(instance, workflow, None, since)
    if instance.incident and instance.incident.startswith("定时器触发失败"):
        instance.incident = None


# -- timer start events: one new instance per occurrence (scheduled by engine.definitions.start_timers)

def _start_periodic(timer: Timer) -> None:
    locked = db.session.scalar(select(Timer).where(Timer.id == timer.id).with_for_update())
    if locked is None or locked.status != "DUE":
        return
    plan = json.loads(locked.raw_value or "{}")
    instance = runtime.start_instance(locked.process_key, None, start_fired=True)
    audit(instance, None, "timer", title=f"定时发起（{locked.due_at:%Y-%m-%d %H:%M}）")
    locked.fired_at, locked.fired_count = utcnow(), locked.fired_count + 1
    cycles = int(plan.get("cycles", 1))
    if cycles == 1 or not plan.get("period"):
        locked.status = "FIRED"
        return
    step = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(plan["period"]),
                                                         locked.due_at)
    locked.due_at = locked.due_at + step
    locked.raw_value = json.dumps({**plan, "cycles": cycles - 1 if cycles > 0 else cycles})
    locked.status = "WAITING"
