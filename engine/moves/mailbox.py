"""The sending half of messages between instances (processes.md §5.1), used inside a move: a
thrown message is kept as a row and owes a `message.deliver` job (engine.moves.messages delivers
it); a catch event that starts to wait states the correlation it expects and is owed the oldest
kept message that matches.

Correlation: a catch event may carry the property `correlate`, a Python expression over the
waiting task's data giving a dict (`{'project_id': project_id}`); a message matches when its
payload has those values. Without `correlate` every message of that name matches.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from sqlalchemy import select

from engine.base import config
from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.errors import Incident
from engine.base.models import Message, MessageSubscription, ProcessInstance
from engine.definitions import datasize
from engine.definitions.properties import properties
from engine.dispatch import queue


def keep(instance: ProcessInstance | None, event: Any) -> Message:
    """Store a thrown message and owe its delivery (called inside the thrower's move)."""
    payload = plain(getattr(event, "payload", None))
    return send(event.event_definition.name, payload if isinstance(payload, dict) else {"value": payload},
                correlation=plain(getattr(event, "correlations", None) or {}), source=instance)


def send(name: str, payload: dict[str, Any], *, correlation: dict[str, Any] | None = None,
         source: ProcessInstance | None = None) -> Message:
    """A message from an instance or from outside (a batch action, an integration)."""
    if (reason := datasize.too_big(payload)) is not None:
        raise Incident(f"消息 {name} 的内容{reason}")
    days = config.current().message_ttl_days
    message = Message(id=uuid.uuid4(), name=name, payload=payload, correlation=correlation or {},
                      source_instance_id=source.id if source else None,
                      expires_at=utcnow() + timedelta(days=days))
    db.session.add(message)
    queue.enqueue("message.deliver", {"message_id": str(message.id)},
                  instance_id=source.id if source else None, key=f"msg:{message.id}")
    return message


def expected(task: Any) -> dict[str, Any]:
    """The correlation a waiting catch event asks for (its `correlate` property)."""
    expression = properties(task.task_spec).get("correlate")
    if not expression:
        return {}
    try:
        value = task.workflow.script_engine.evaluate(task, expression)
    except Exception as err:  # noqa: BLE001
        raise Incident(f"消息关联表达式出错（{task.task_spec.bpmn_id}）：{err}") from err
    if not isinstance(value, dict):
        raise Incident(f"消息关联表达式须给出字典（{task.task_spec.bpmn_id}）")
    return plain(value)


def matches(correlation: dict[str, Any], payload: dict[str, Any] | None) -> bool:
    payload = payload or {}
    return all(k in payload and payload[k] == v for k, v in correlation.items())


def waiting_for(name: str, payload: dict[str, Any] | None) -> Any:
    """The WAITING subscriptions of `name` whose correlation the payload contains (JSONB `<@`):
    PostgreSQL narrows them, so a message for one project-year does not load the standing
    subscriptions of every running P3 year. `matches` stays the rule for the rows it returns."""
    return select(MessageSubscription).where(
        MessageSubscription.message_name == name, MessageSubscription.status == "WAITING",
        MessageSubscription.correlation.contained_by(payload or {}))


def match_waiting(sub: MessageSubscription) -> None:
    """A catch starts to wait: owe it the oldest kept message that matches, if any."""
    kept = db.session.scalars(select(Message).where(
        Message.name == sub.message_name, Message.status == "WAITING").order_by(Message.created_at))
    for message in kept:
        if matches(sub.correlation or {}, message.payload):
            queue.enqueue("message.deliver", {"message_id": str(message.id)}, instance_id=sub.instance_id,
                          key=f"msg:{message.id}:sub:{sub.id}")
            return


def standing_starts(instance_id: uuid.UUID, workflow: Any) -> dict[uuid.UUID, Any]:
    """The message start events of the running instance's event sub-processes (non-interrupting
    `msg_target_adjust_request` in P3): SpiffWorkflow creates such a sub-process only when the
    message arrives, so no task waits for it; the engine keeps one subscription per start event
    while the instance runs, under an id derived from instance and event, that takes every message
    that correlates (each one opens its own sub-process)."""
    if workflow.is_completed():
        return {}
    found: dict[uuid.UUID, Any] = {}
    for name in getattr(workflow.spec.start, "trigger_specs", []):
        sub_spec = workflow.subprocess_specs.get(name)
        for start in (sub_spec.bpmn_start_events if sub_spec else []):
            if isinstance(start.event_definition, MessageEventDefinition):
                found[uuid.uuid5(instance_id, f"{name}/{start.bpmn_id}")] = start
    return found


def standing_correlation(start: Any, workflow: Any) -> dict[str, Any]:
    """The correlation an event sub-process's start event asks for, evaluated over the data of the
    instance's latest task of its top level (where the process keeps its ids)."""
    expression = properties(start).get("correlate")
    if not expression:
        return {}
    tasks = [t for t in workflow.tasks.values() if t.data]
    if not tasks:
        return {}
    context = max(tasks, key=lambda t: t.last_state_change)
    try:
        value = workflow.script_engine.evaluate(context, expression)
    except Exception as err:  # noqa: BLE001
        raise Incident(f"消息关联表达式出错（{start.bpmn_id}）：{err}") from err
    if not isinstance(value, dict):
        raise Incident(f"消息关联表达式须给出字典（{start.bpmn_id}）")
    return plain(value)
