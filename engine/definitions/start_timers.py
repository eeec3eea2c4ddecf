"""Timer start events: after a deployment the model key's start timer follows the newest version
(one `engine_timer` row with the process key); engine.moves.timers starts an instance when it fires."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.models import ProcessModelVersion, Timer
from engine.definitions import specs
from engine.definitions.sandbox import EngineScripts


def schedule_start_events(version: ProcessModelVersion) -> Timer | None:
    """After a deployment: the key's start timer follows the newest version (the old schedule
    is cancelled, so a changed model never fires its old timer)."""
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
