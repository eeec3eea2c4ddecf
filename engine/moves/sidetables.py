"""The end of every move: the workflow state, the side tables that mirror it (work items, timers,
message subscriptions, the automatic steps' audit rows) and the instance's end, all in the move's
transaction (../shared/DESIGN.md §2, "Side tables")."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import Incident
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask, MessageSubscription, ProcessInstance, SignStep, Timer
from engine.definitions import decision_tables
from engine.definitions.service_tasks import owe_jobs
from engine.moves import mailbox, serializer
from engine.moves.state import find_task
from engine.work import announce
from engine.work.audit import audit
from engine.work.inbox import ready_tasks

OPEN = ("READY", "WAITING")
MOVE_INCIDENT = "办理出错："  # instance.incident of a move that failed; the next move that succeeds clears it


def frontier(workflow: BpmnWorkflow) -> list[Any]:
    live = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    tasks = [t for t in workflow.tasks.values() if t.state & live]
    for sub in workflow.subprocesses.values():
        tasks.extend(t for t in sub.tasks.values() if t.state & live)
    return tasks


def persist(instance: ProcessInstance, workflow: BpmnWorkflow, actor: User | None, since: float) -> None:
    with db.session.no_autoflush:  # one flush at commit, not one per side-table query
        _persist_rows(instance, workflow, actor, since)


def _persist_rows(instance: ProcessInstance, workflow: BpmnWorkflow, actor: User | None, since: float) -> None:
    instance.state = serializer.dump(workflow)
    instance.serializer_version = serializer.VERSION
    instance.moves = (instance.moves or 0) + 1
    instance.updated_at = utcnow()
    if instance.incident and instance.incident.startswith(MOVE_INCIDENT):
        instance.incident = None  # a move went through: the earlier failure is behind it
    _audit_automatic_steps(instance, workflow, since)
    _keep_printed(instance, workflow)
    decision_tables.flush(instance, workflow.script_engine)
    ready = _sync_human_tasks(instance, workflow)
    instance.current_steps = [t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in ready]
    _sync_waits(instance, workflow)
    for event in workflow.get_events():
        # Only messages travel between instances; a terminate end, or a signal, escalation or error
        # nothing in the instance caught, ends where SpiffWorkflow leaves it (it has no name to route).
        if isinstance(event.event_definition, MessageEventDefinition):
            mailbox.keep(instance, event)
    owe_jobs(instance, workflow)
    if workflow.is_completed():
        end = _end_event(workflow)
        if end is None:
            raise Incident("流程报告已结束但未到达结束事件（任务树深度超限）")
        instance.status, instance.end_event, instance.ended_at = "COMPLETED", end.bpmn_id, utcnow()
        audit(instance, None, "end", title=end.bpmn_id)
        # the verdict that ended it (complete_task keeps it on the instance) is told in the same notice
        announce.ended(instance, end.bpmn_name, actor, instance.__dict__.pop("_verdict", None))


def _sync_human_tasks(instance: ProcessInstance, workflow: BpmnWorkflow) -> list[Any]:
    """Cancel the open work items whose engine task is no longer ready (a branch that was
    cancelled, a step returned past); the ready tasks got theirs while advancing."""
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    ready_ids = {t.id for t in ready}
    stored = getattr(instance, "_open_rows", None)
    if stored is None:
        stored = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status.in_(OPEN)))
    fresh = [o for o in db.session.new if isinstance(o, HumanTask)]
    rows = [r for r in {*stored, *fresh} if r.instance_id == instance.id]
    signer_cancelled = False
    for row in rows:
        # the item just completed is still READY in the database but not in memory
        if row.status in OPEN and row.spiff_task_id not in ready_ids:
            row.status = "CANCELLED"
            signer_cancelled = signer_cancelled or row.sign_seq is not None
    # Every open item of the instance is in `rows` (read under the lock, or opened by this move):
    # the reply after the move is built from them (ready_items), not read again.
    instance._ready_rows = (instance.moves, [r for r in rows if r.status == "READY"])
    if not signer_cancelled:
        return ready
    for step in db.session.scalars(select(SignStep).where(SignStep.instance_id == instance.id,
                                                          SignStep.status == "OPEN")):
        if step.spiff_task_id not in ready_ids:  # returned past, withdrawn or cancelled
            step.status = "CANCELLED"
    return ready


def ready_items(instance: ProcessInstance) -> list[HumanTask]:
    """The instance's READY work items, oldest first. Right after this session's move persisted
    the instance they are the items that move holds (nobody else opens items under its lock);
    otherwise, or once another move counted, they are read."""
    kept = instance.__dict__.get("_ready_rows")
    if kept is None or kept[0] != instance.moves:
        return ready_tasks(instance.id)
    return sorted((r for r in kept[1] if r.status == "READY"), key=lambda r: r.created_at)


def _sync_waits(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    """Keep one timer row per waiting timer (its due time follows a cycle's next occurrence) and
    one subscription per waiting message catch; rows of events no longer waited for are closed:
    FIRED when the event happened, CANCELLED when its branch went away."""
    waiting = [(t, d) for t in frontier(workflow) if t.state == TaskState.WAITING
               for d in waited_events(getattr(t.task_spec, "event_definition", None))]
    standing = mailbox.standing_starts(instance.id, workflow)
    if not waiting and not standing and not instance.has_waits:
        return  # nothing waits now and nothing waited before: no rows to look at
    instance.has_waits = bool(waiting or standing)
    timers: dict[uuid.UUID, Timer] = {}
    subs: dict[tuple[uuid.UUID, str], MessageSubscription] = {}
    if not (getattr(instance, "_started_here", False) and instance.moves == 1):  # started in this move: no rows yet
        timers = {r.task_id: r for r in db.session.scalars(select(Timer).where(
            Timer.instance_id == instance.id, Timer.status.in_(("WAITING", "DUE"))))}
        subs = {(r.task_id, r.message_name): r for r in db.session.scalars(
            select(MessageSubscription).where(MessageSubscription.instance_id == instance.id,
                                              MessageSubscription.status == "WAITING"))}
    seen: set[Any] = set()
    for task, definition in waiting:
        if isinstance(definition, TimerEventDefinition):
            seen.add(task.id)
            raw = task.internal_data.get("event_value")
            value, due = str(raw)[:200], _parse_due(raw)
            row = timers.get(task.id)
            if row is None:
                db.session.add(Timer(instance_id=instance.id, task_id=task.id, task_name=task.task_spec.bpmn_id,
                                     event_type=type(definition).__name__, raw_value=value, due_at=due))
            elif row.status == "DUE" or row.raw_value != value:  # not fired yet, or a cycle's next
                if row.raw_value != value:
                    row.fired_at, row.fired_count = utcnow(), row.fired_count + 1
                row.status, row.raw_value, row.due_at = "WAITING", value, due
        elif isinstance(definition, MessageEventDefinition):
            seen.add((task.id, definition.name))
            if (task.id, definition.name) in subs:
                continue
            sub = MessageSubscription(id=uuid.uuid4(), instance_id=instance.id, task_id=task.id,
                                      message_name=definition.name, correlation=mailbox.expected(task))
            db.session.add(sub)
            mailbox.match_waiting(sub)
    for sub_id, start in standing.items():  # event sub-process message starts: one row while it runs
        seen.add((sub_id, start.event_definition.name))
        if (sub_id, start.event_definition.name) not in subs:
            sub = MessageSubscription(id=uuid.uuid4(), instance_id=instance.id, task_id=sub_id,
                                      message_name=start.event_definition.name,
                                      correlation=mailbox.standing_correlation(start, workflow))
            db.session.add(sub)
            mailbox.match_waiting(sub)
    for seen_as, row in [*timers.items(), *subs.items()]:
        if seen_as not in seen:
            task = find_task(workflow, row.task_id)
            happened = task is not None and task.state == TaskState.COMPLETED and _took(task, row)
            if isinstance(row, Timer):
                row.status = "FIRED" if happened else "CANCELLED"
                if happened:
                    row.fired_at, row.fired_count = utcnow(), row.fired_count + 1
            else:
                row.status = "DONE" if happened else "CANCELLED"


def _took(task: Any, row: Timer | MessageSubscription) -> bool:
    """Did the completed task go on by this row's event? Always, but for an event-based gateway,
    which goes on by the first of its events only (its one remaining child). A catch event of
    several events (parallelMultiple or not) counts as taken by each: Spiff forgets which it saw
    once the event completes."""
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, MultipleEventDefinition) or not isinstance(task.task_spec, EventBasedGateway):
        return True
    for index, part in enumerate(definition.event_definitions):
        if _mine(part, row):
            return any(child.task_spec is task.task_spec.outputs[index] for child in task.children)
    return False


def _mine(part: Any, row: Timer | MessageSubscription) -> bool:
    return (isinstance(part, TimerEventDefinition) if isinstance(row, Timer)
            else isinstance(part, MessageEventDefinition) and part.name == row.message_name)


def waited_events(definition: Any) -> list[Any]:
    """The timers and messages a waiting task waits for: its own, or each one an event-based
    gateway (a MultipleEventDefinition) waits for — the first to happen wins."""
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, TimerEventDefinition | MessageEventDefinition)]
    if isinstance(definition, TimerEventDefinition | MessageEventDefinition):
        return [definition]
    return []


def _parse_due(raw: Any) -> datetime | None:
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return None
    if isinstance(raw, dict):  # cycles keep {"cycles", "next", "duration"}
        return _parse_due(raw.get("next"))
    return None


def _end_event(workflow: BpmnWorkflow) -> Any | None:
    """The spec of the top-level end event reached last."""
    ends = [t for t in workflow.tasks.values()
            if isinstance(t.task_spec, EndEvent) and t.state == TaskState.COMPLETED]
    ends.sort(key=lambda t: t.last_state_change)
    return ends[-1].task_spec if ends else None


def _audit_automatic_steps(instance: ProcessInstance, workflow: BpmnWorkflow, since: float) -> None:
    """Named automatic steps (scripts, rules, services, end events) finished in this move."""
    tasks = [t for t in workflow.tasks.values() if t.last_state_change >= since]
    for sub in workflow.subprocesses.values():
        tasks.extend(t for t in sub.tasks.values() if t.last_state_change >= since)
    tasks = [t for t in tasks if t.state == TaskState.COMPLETED and not t.task_spec.manual
             and getattr(t.task_spec, "bpmn_name", None)]
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        spec = task.task_spec
        # detail as audit() sets it: rows with the same columns go to PostgreSQL in one INSERT
        db.session.add(AuditEvent(actor="system", action="auto", instance_id=instance.id, task_id=task.id,
                                  task_name=spec.bpmn_id, title=spec.bpmn_name, lane=spec.lane, detail=None))


def _keep_printed(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    """What scripts print()ed in this move: one `print` row per script run, in the instance's history."""
    log = getattr(getattr(workflow.script_engine, "environment", None), "log", None)
    for element, name, text in (log.take() if log is not None else []):
        db.session.add(AuditEvent(actor="system", action="print", instance_id=instance.id, task_name=element,
                                  title=name or element, comment=text[:2000], detail=None))
