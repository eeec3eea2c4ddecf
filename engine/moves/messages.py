"""Delivering messages between instances (processes.md §5.1; the sending half is
engine.moves.mailbox). A thrown message is a row first, then a job:
the job hands it to every waiting catch event whose correlation matches, or — when none waits —
starts the processes whose start event catches it. A message nobody takes stays WAITING and is
delivered when a matching catch starts to wait (`match_waiting`), or expires visibly.

Correlation: a catch event may carry the property `correlate`, a Python expression over the
waiting task's data giving a dict (`{'project_id': project_id}`); a message matches when its
payload has those values. Without `correlate` every message of that name matches.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.hooks import REGISTRY, StartSpec
from engine.base.models import Message, MessageSubscription, ProcessInstance
from engine.definitions import specs
from engine.definitions.deploy import latest_versions
from engine.dispatch import queue
from engine.moves import mailbox, runtime, sidetables
from engine.moves.mailbox import matches
from engine.moves.state import find_task, load
from engine.work.audit import audit


@queue.job("message.deliver")
def deliver(payload: dict[str, Any]) -> None:
    message = db.session.scalar(select(Message).where(Message.id == uuid.UUID(payload["message_id"]))
                                .with_for_update())
    if message is None or message.status != "WAITING":
        return
    if message.expires_at and message.expires_at <= utcnow():
        message.status = "EXPIRED"
        return
    subs = db.session.scalars(mailbox.waiting_for(message.name, message.payload)
                              .order_by(MessageSubscription.id)).all()
    taken = [str(s.instance_id) for s in subs if matches(s.correlation or {}, message.payload) and hand_to(s, message)]
    if not taken:
        taken = [str(i.id) for i in _start_catchers(message)]
    if taken:
        message.status, message.delivered_at, message.delivered_to = "DELIVERED", utcnow(), taken


def _event(definition: MessageEventDefinition, message: Message) -> BpmnEvent:
    return BpmnEvent(type(definition)(definition.name), payload=message.payload or {},
                     correlations=message.correlation or {})


def hand_to(sub: MessageSubscription, message: Message) -> bool:
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == sub.instance_id)
                                 .with_for_update())
    db.session.refresh(sub)
    if instance is None or instance.status != "RUNNING" or sub.status != "WAITING":
        return False
    workflow, scripts, _loaded = load(instance)
    standing = mailbox.standing_starts(instance.id, workflow).get(sub.task_id)
    task = find_task(workflow, sub.task_id) if standing is None else None
    if standing is None and (task is None or task.state != TaskState.WAITING):
        sub.status = "CANCELLED"
        return False
    since = datetime.now().timestamp()
    definition = standing.event_definition if standing is not None else task.task_spec.event_definition
    # an event-based gateway waits for several: the one this subscription is for
    definition = next((d for d in sidetables.waited_events(definition)
                       if isinstance(d, MessageEventDefinition) and d.name == sub.message_name), definition)
    try:
        workflow.send_event(_event(definition, message))
    except WorkflowException:
        sub.status = "CANCELLED"
        return False
    runtime.bind_services(scripts, instance, None)
    audit(instance, None, "message", title=f"收到消息 {message.name}",
                  detail={"message_id": str(message.id)})
    runtime.advance(instance, workflow)
    sidetables.persist(instance, workflow, None, since)
    return True


def caught_names() -> set[str]:
    """Names of the messages some deployed model (its active version) catches anywhere: start,
    intermediate and boundary events, event sub-processes, event-based gateways."""
    names: set[str] = set()
    for version in latest_versions():
        loaded = specs.load(version)
        for spec in (loaded.spec, *loaded.subprocess_specs.values()):
            for ts in (spec.task_specs.values() if spec is not None else ()):
                for definition in sidetables.waited_events(getattr(ts, "event_definition", None)):
                    if isinstance(definition, MessageEventDefinition):
                        names.add(definition.name)
    return names


def catchers(name: str) -> list[tuple[str, MessageEventDefinition]]:
    """(process key, start event definition) of every deployed process whose start event catches `name`."""
    found = []
    for version in latest_versions():
        loaded = specs.load(version)
        start = next((ts for ts in loaded.spec.task_specs.values() if isinstance(ts, StartEvent)
                      and isinstance(getattr(ts, "event_definition", None), MessageEventDefinition)
                      and ts.event_definition.name == name), None)
        if start is not None:
            found.append((version.key, start.event_definition))
    return found


def start_catcher(key: str, definition: MessageEventDefinition, message: Message) -> ProcessInstance | None:
    """A new instance of `key` started by the message. The domain's `hooks.message_starter` for
    `key`, when there is one, gives its data, scope, title, year and business key — or declines
    (None: no instance, e.g. the object has its instance already); otherwise scope, year and
    business key are copied from the thrower (none for a message from outside)."""
    source = db.session.get(ProcessInstance, message.source_instance_id) if message.source_instance_id else None
    if (starter := REGISTRY.message_starters.get(key)) is not None:
        spec = starter(message.name, dict(message.correlation or {}), dict(message.payload or {}))
        if spec is None:
            return None
    elif source is not None:
        spec = StartSpec(data={}, business_key=source.business_key, year=source.year,
                         scope={"unit": source.scope_unit, "dept": source.scope_dept,
                                "division": source.scope_division})
    else:
        spec = StartSpec(data={})
    return runtime.start_instance(key, None, spec.data, business_key=spec.business_key, title=spec.title,
                                  scope=spec.scope, year=spec.year, message=_event(definition, message))


def _start_catchers(message: Message) -> list[ProcessInstance]:
    """Start one instance of every deployed process whose start event catches the message (a
    process whose message starter declines starts none)."""
    started = (start_catcher(key, definition, message) for key, definition in catchers(message.name))
    return [instance for instance in started if instance is not None]
