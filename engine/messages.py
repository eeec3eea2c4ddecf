"""Messages between instances (processes.md §5.1). A thrown message is a row first, then a job:
the job hands it to every waiting catch event whose correlation matches, or — when none waits —
starts the processes whose start event catches it. A message nobody takes stays WAITING and is
delivered when a matching catch starts to wait (`match_waiting`), or expires visibly.

Correlation: a catch event may carry the property `correlate`, a Python expression over the
waiting task's data giving a dict (`{'project_id': project_id}`); a message matches when its
payload has those values. Without `correlate` every message of that name matches.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import queue
from engine.db import db, utcnow
from engine.errors import Incident
from engine.models import Message, MessageSubscription, ProcessInstance
from engine.validate import properties


def keep(instance: ProcessInstance | None, event: Any) -> Message:
    """Store a thrown message and owe its delivery (called inside the thrower's move)."""
    from engine.runtime import jsonable  # runtime imports this module

    payload = jsonable(getattr(event, "payload", None))
    return send(event.event_definition.name, payload if isinstance(payload, dict) else {"value": payload},
                correlation=jsonable(getattr(event, "correlations", None) or {}), source=instance)


def send(name: str, payload: dict[str, Any], *, correlation: dict[str, Any] | None = None,
         source: ProcessInstance | None = None) -> Message:
    """A message from an instance or from outside (a batch action, an integration)."""
    days = float(current_app.config.get("MESSAGE_TTL_DAYS", 30))
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
    from engine.runtime import jsonable

    return jsonable(value)


def matches(correlation: dict[str, Any], payload: dict[str, Any] | None) -> bool:
    payload = payload or {}
    return all(k in payload and payload[k] == v for k, v in correlation.items())


def match_waiting(sub: MessageSubscription) -> None:
    """A catch starts to wait: owe it the oldest kept message that matches, if any."""
    kept = db.session.scalars(select(Message).where(
        Message.name == sub.message_name, Message.status == "WAITING").order_by(Message.created_at))
    for message in kept:
        if matches(sub.correlation or {}, message.payload):
            queue.enqueue("message.deliver", {"message_id": str(message.id)}, instance_id=sub.instance_id,
                          key=f"msg:{message.id}:sub:{sub.id}")
            return


@queue.job("message.deliver")
def deliver(payload: dict[str, Any]) -> None:
    message = db.session.scalar(select(Message).where(Message.id == uuid.UUID(payload["message_id"]))
                                .with_for_update())
    if message is None or message.status != "WAITING":
        return
    if message.expires_at and message.expires_at <= utcnow():
        message.status = "EXPIRED"
        return
    subs = db.session.scalars(select(MessageSubscription).where(
        MessageSubscription.message_name == message.name, MessageSubscription.status == "WAITING")
        .order_by(MessageSubscription.id)).all()
    taken = [str(s.instance_id) for s in subs if matches(s.correlation or {}, message.payload) and _hand_to(s, message)]
    if not taken:
        taken = [str(i.id) for i in _start_catchers(message)]
    if taken:
        message.status, message.delivered_at, message.delivered_to = "DELIVERED", utcnow(), taken


def _event(definition: MessageEventDefinition, message: Message) -> BpmnEvent:
    return BpmnEvent(type(definition)(definition.name), payload=message.payload or {},
                     correlations=message.correlation or {})


def _hand_to(sub: MessageSubscription, message: Message) -> bool:
    from engine import runtime

    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == sub.instance_id)
                                 .with_for_update())
    db.session.refresh(sub)
    if instance is None or instance.status != "RUNNING" or sub.status != "WAITING":
        return False
    workflow, scripts, _loaded = runtime.load(instance)
    task = runtime.find_task(workflow, sub.task_id)
    if task is None or task.state != TaskState.WAITING:
        sub.status = "CANCELLED"
        return False
    since = datetime.now().timestamp()
    try:
        workflow.send_event(_event(task.task_spec.event_definition, message))
    except WorkflowException:
        sub.status = "CANCELLED"
        return False
    runtime.bind_services(scripts, instance, None)
    runtime.audit(instance, None, "message", title=f"收到消息 {message.name}",
                  detail={"message_id": str(message.id)})
    runtime.advance(instance, workflow)
    runtime.persist(instance, workflow, None, since)
    return True


def _start_catchers(message: Message) -> list[ProcessInstance]:
    """Start one instance of every deployed process whose start event catches the message."""
    from engine import runtime, specs
    from engine.deploy import latest_versions

    started = []
    source = db.session.get(ProcessInstance, message.source_instance_id) if message.source_instance_id else None
    for version in latest_versions():
        loaded = specs.load(version)
        start = next((ts for ts in loaded.spec.task_specs.values() if isinstance(ts, StartEvent)
                      and isinstance(getattr(ts, "event_definition", None), MessageEventDefinition)
                      and ts.event_definition.name == message.name), None)
        if start is None:
            continue
        scope = ({"unit": source.scope_unit, "dept": source.scope_dept, "division": source.scope_division}
                 if source else {})
        started.append(runtime.start_instance(
            version.key, None, business_key=source.business_key if source else None, scope=scope,
            year=source.year if source else None, message=_event(start.event_definition, message)))
    return started
