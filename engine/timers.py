"""Timers that fire: the engine keeps one `engine_timer` row per waiting timer (runtime._sync_waits)
and per model with a timer start event (`schedule_start_events`); the scheduler turns due rows
into `timer.fire` jobs (engine.clock), and the job moves the instance here.

A timer fires only while what set it still stands: the instance is running, the engine task
still waits, and its stored due time is the row's. A cancelled instance, a branch that went
away, or an instance moved to a changed model leaves the row CANCELLED without any effect.
"""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import queue
from engine.db import db, utcnow
from engine.models import AuditEvent, Outbox, ProcessInstance, ProcessModelVersion, Timer


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
    from engine import runtime

    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == timer.instance_id)
                                 .with_for_update())
    db.session.refresh(timer)
    if timer.status != "DUE":
        return
    if instance is None or instance.status != "RUNNING":
        timer.status = "CANCELLED"
        return
    workflow, scripts, _loaded = runtime.load(instance)
    task = runtime.find_task(workflow, timer.task_id)
    if (task is None or task.state != TaskState.WAITING
            or str(task.internal_data.get("event_value"))[:200] != timer.raw_value):
        timer.status = "CANCELLED"
        runtime.audit(instance, None, "timer_void", title=timer.task_name,
                      comment="定时器所在环节已不存在或已改变，未触发")
        return
    since = datetime.now().timestamp()
    runtime.bind_services(scripts, instance, None)
    runtime.audit(instance, None, "timer", title=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                  detail={"due": timer.due_at.isoformat() if timer.due_at else None})
    runtime.advance(instance, workflow)
    runtime.persist(instance, workflow, None, since)
    if instance.incident and instance.incident.startswith("定时器触发失败"):
        instance.incident = None


# -- timer start events: one new instance per occurrence -------------------------------------

def schedule_start_events(version: ProcessModelVersion) -> Timer | None:
    """After a deployment: the key's start timer follows the newest version (the old schedule
    is cancelled, so a changed model never fires its old timer)."""
    from engine import specs

    for old in db.session.scalars(select(Timer).where(Timer.process_key == version.key,
                                                      Timer.status.in_(("WAITING", "DUE")))):
        old.status = "CANCELLED"
    start = next((ts for ts in specs.load(version).spec.task_specs.values() if isinstance(ts, StartEvent)
                  and isinstance(getattr(ts, "event_definition", None), TimerEventDefinition)), None)
    if start is None:
        return None
    plan = _first_occurrence(start.event_definition)
    if plan is None:
        return None
    due, cycles, period = plan
    timer = Timer(process_key=version.key, task_name=start.bpmn_id, event_type=type(start.event_definition).__name__,
                  due_at=due, raw_value=json.dumps({"cycles": cycles, "period": period}))
    db.session.add(timer)
    return timer


def _evaluate(definition: TimerEventDefinition) -> Any:
    from engine.sandbox import EngineScripts

    return EngineScripts().environment.evaluate(definition.expression, {})


def _first_occurrence(definition: TimerEventDefinition) -> tuple[datetime, int, str | None] | None:
    value = _evaluate(definition)
    if isinstance(definition, CycleTimerEventDefinition):
        cycles, start, _duration = TimerEventDefinition.parse_iso_recurring_interval(value)
        period = str(value).split("/")[-1]
        return start.astimezone(UTC), cycles, period
    if isinstance(definition, DurationTimerEventDefinition):
        duration = TimerEventDefinition.parse_iso_duration(value)
        return utcnow() + TimerEventDefinition.get_timedelta_from_start(duration), 1, None
    if isinstance(definition, TimeDateEventDefinition):
        return TimerEventDefinition.get_datetime(value).astimezone(UTC), 1, None
    return None


def _start_periodic(timer: Timer) -> None:
    from engine import runtime

    locked = db.session.scalar(select(Timer).where(Timer.id == timer.id).with_for_update())
    if locked is None or locked.status != "DUE":
        return
    plan = json.loads(locked.raw_value or "{}")
    instance = runtime.start_instance(locked.process_key, None, start_fired=True)
    runtime.audit(instance, None, "timer", title=f"定时发起（{locked.due_at:%Y-%m-%d %H:%M}）")
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
