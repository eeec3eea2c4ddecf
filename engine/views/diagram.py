"""The read side of an instance's diagram (issue 13 point 1): the BPMN XML of the process it runs
and, per element, where the instance stands there — COMPLETED, ACTIVE (a ready step, with who may act),
WAITING (a timer with its due time, a message catch with its correlation), INCIDENT — with the
element's history (who, when, decision, opinion); and the sequence flows taken.

The state comes from SpiffWorkflow's task tree (it keeps completed tasks; a 退回 or a loop resets the
branch, so earlier rounds live on only in the audit rows, which is what the history lists) and from
the side tables the moves keep (human_task, engine_timer, message_subscription, audit_event).
A call activity runs as a subworkflow of the same instance: its "child" is that subworkflow, shown on
its own (`sub` = the call activity's engine task id). Nothing here changes the workflow."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import (
    AuditEvent,
    HumanTask,
    MessageSubscription,
    ProcessInstance,
    ProcessModelVersion,
    Timer,
)
from engine.definitions import specs, xmlsafe
from engine.moves.state import read_workflow
from engine.work.inbox import candidates

BPMN = {"bpmn": specs.BPMN_NS, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
REACHED = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.COMPLETED | TaskState.ERROR
ACTIVE = TaskState.READY | TaskState.STARTED
# Actions of the audit trail a person reads in an element's history (no bookkeeping rows).
HISTORY_ACTIONS = {"complete", "sign", "return", "withdraw", "reclaim", "claim", "release", "transfer", "delegate",
                   "resolve", "add_signer", "remove_signer", "urge", "handover", "skip", "resubmit", "auto",
                   "timer", "timer_void", "message", "reassign", "incident", "incident_retry", "start", "end"}
CANDIDATE_NAMES = 20


@dataclass
class ElementView:
    id: str
    state: str | None  # COMPLETED ACTIVE WAITING INCIDENT; None: only earlier rounds (its history) left
    title: str = ""
    kind: str = ""  # the BPMN element's type, e.g. userTask, intermediateCatchEvent
    actors: list[str] = field(default_factory=list)  # ACTIVE steps: the assignee's or the candidates' names
    due_at: datetime | None = None  # WAITING timers, and an ACTIVE step's deadline
    message: str | None = None  # WAITING message catches
    correlation: dict[str, Any] | None = None
    incident: str | None = None
    child: str | None = None  # call activities: the engine task id of the subworkflow they run
    times: int = 0  # completions still in the task tree


@dataclass
class Diagram:
    instance_id: uuid.UUID
    process_id: str
    xml: str
    has_layout: bool  # the file carries BPMN DI; without it the browser lays the process out
    elements: list[ElementView]
    flows: list[str]
    history: dict[str, list[dict[str, Any]]]
    sub: uuid.UUID | None = None  # the call activity this diagram is the child of
    parent_element: str | None = None
    incident: str | None = None


def instance_diagram(instance: ProcessInstance, sub: uuid.UUID | None = None) -> Diagram:
    """The diagram of `instance` (visibility is the caller's check), or of the subworkflow that the
    call activity task `sub` runs; NotFound for a `sub` that is no call activity of this instance."""
    workflow = read_workflow(instance)
    scope: Any = workflow
    parent_element = None
    if sub is not None:
        scope = workflow.subprocesses.get(sub)
        caller = _task_anywhere(workflow, sub)
        if scope is None or caller is None or not isinstance(caller.task_spec, CallActivity):
            raise NotFound("调用的子流程不存在")
        parent_element = caller.task_spec.bpmn_id
    version_files = _version_files(instance)
    xml = version_files.get(scope.spec.file or "", "")
    root = xmlsafe.parse(xml.encode("utf-8")) if xml else None
    flows = _flow_ids(root)
    tasks = [t for wf in _shown_workflows(workflow, scope) for t in wf.tasks.values()]
    elements, taken = _states(tasks, flows)
    _add_side_tables(instance, elements, tasks)
    _mark_incident(instance, elements)
    history = _history(instance, _drawn_ids(root))
    for element_id in history.keys() - elements.keys():  # done in a round a 退回 reset out of the tree
        elements[element_id] = ElementView(id=element_id, state=None)
    return Diagram(
        instance_id=instance.id, process_id=scope.spec.name, xml=xml,
        has_layout=root is not None and root.find(".//bpmndi:BPMNShape", BPMN) is not None,
        elements=sorted(elements.values(), key=lambda e: e.id), flows=sorted(taken),
        history=history,
        sub=sub, parent_element=parent_element, incident=instance.incident,
    )


def _task_anywhere(workflow: Any, task_id: uuid.UUID) -> Any | None:
    for wf in (workflow, *workflow.subprocesses.values()):
        if task_id in wf.tasks:
            return wf.tasks[task_id]
    return None


def _version_files(instance: ProcessInstance) -> dict[str, str]:
    version = db.session.get(ProcessModelVersion, instance.model_version_id)
    return dict(version.files or {}) if version else {}


def _shown_workflows(workflow: Any, scope: Any) -> list[Any]:
    """The scope's workflow and the embedded subprocesses drawn inside it (not call activities,
    which have their own diagram), however deep."""
    shown, todo = [], [scope]
    while todo:
        wf = todo.pop()
        shown.append(wf)
        for task_id, child in workflow.subprocesses.items():
            if task_id in wf.tasks and not isinstance(wf.tasks[task_id].task_spec, CallActivity):
                todo.append(child)
    return shown


def _flow_ids(root: etree._Element | None) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    if root is not None:
        for flow in root.iterfind(".//bpmn:sequenceFlow", BPMN):
            found[(flow.get("sourceRef", ""), flow.get("targetRef", ""))].append(flow.get("id", ""))
    return found


def _bpmn_parent(task: Any) -> Any | None:
    """The nearest ancestor that is a drawn element (Spiff adds specs of its own: boundary-event
    splits, start and end bookkeeping), within the task's own workflow."""
    parent = task.parent
    while parent is not None and parent.task_spec.bpmn_id is None:
        parent = parent.parent
    return parent


def _states(tasks: list[Any], flows: dict[tuple[str, str], list[str]]) -> tuple[dict[str, ElementView], set[str]]:
    elements: dict[str, ElementView] = {}
    taken: set[str] = set()
    for task in tasks:
        spec = task.task_spec
        if spec.bpmn_id is None:
            continue
        merged = task.state == TaskState.CANCELLED and isinstance(spec, Join)  # a parallel join's other threads
        if task.has_state(REACHED) or merged:
            parent = _bpmn_parent(task)
            if parent is not None and parent.state == TaskState.COMPLETED:
                taken.update(flows.get((parent.task_spec.bpmn_id, spec.bpmn_id), ()))
        state = _element_state(task)
        if state is None:
            continue
        seen = elements.get(spec.bpmn_id)
        if seen is None:
            seen = elements[spec.bpmn_id] = ElementView(id=spec.bpmn_id, state=state, title=spec.bpmn_name or "",
                                                        kind=_kind(spec))
        elif seen.state is None or _RANK[state] > _RANK[seen.state]:
            seen.state = state
        if task.state == TaskState.COMPLETED:
            seen.times += 1
        if isinstance(spec, CallActivity) and task.has_state(REACHED):
            seen.child = str(task.id)  # the latest round's subworkflow
    return elements, taken


_RANK = {"COMPLETED": 0, "WAITING": 1, "ACTIVE": 2, "INCIDENT": 3}


def _element_state(task: Any) -> str | None:
    if task.state == TaskState.COMPLETED:
        return "COMPLETED"
    if task.has_state(ACTIVE):
        return "ACTIVE"
    if task.state == TaskState.WAITING and isinstance(task.task_spec, SubWorkflowTask):
        return "ACTIVE"  # its subprocess runs
    return None  # a waiting event counts when a timer or a subscription row says so (_add_side_tables)


def _kind(spec: Any) -> str:
    name = type(spec).__name__
    return name[0].lower() + name[1:]


def _add_side_tables(instance: ProcessInstance, elements: dict[str, ElementView], tasks: list[Any]) -> None:
    """Who may act on the ready steps, the timers' due times, the message catches' correlation."""
    by_id = {t.id: t for t in tasks}
    ids = set(by_id)

    def waiting(task_id: uuid.UUID | None) -> ElementView | None:
        task = by_id.get(task_id) if task_id else None
        if task is None or task.task_spec.bpmn_id is None:
            return None
        spec = task.task_spec
        element = elements.setdefault(spec.bpmn_id, ElementView(id=spec.bpmn_id, state="WAITING",
                                                                title=spec.bpmn_name or "", kind=_kind(spec)))
        if element.state in (None, "COMPLETED"):
            element.state = "WAITING"
        return element

    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status.in_(("READY", "WAITING")))
        .order_by(HumanTask.sign_seq, HumanTask.created_at))
    names = _Names()
    for row in rows:
        element = elements.get(row.task_name)
        if element is None or row.spiff_task_id not in ids:
            continue
        element.state = "ACTIVE"
        people = [row.assignee] if row.assignee else [u.username for u in candidates(row, limit=CANDIDATE_NAMES)]
        element.actors.extend(n for n in names.of(people) if n not in element.actors)
        if row.due_at and (element.due_at is None or row.due_at < element.due_at):
            element.due_at = row.due_at
    names.resolve_into(elements)
    for timer in db.session.scalars(select(Timer).where(Timer.instance_id == instance.id, Timer.status == "WAITING")):
        element = waiting(timer.task_id)
        if element is not None:
            element.due_at = timer.due_at
    for subscription in db.session.scalars(select(MessageSubscription).where(
            MessageSubscription.instance_id == instance.id, MessageSubscription.status == "WAITING")):
        element = waiting(subscription.task_id)
        if element is not None:
            element.message = subscription.message_name
            element.correlation = subscription.correlation


class _Names:
    """Usernames → display names, looked up in one query at the end."""

    def __init__(self) -> None:
        self.wanted: set[str] = set()

    def of(self, usernames: list[str]) -> list[str]:
        self.wanted.update(usernames)
        return usernames

    def resolve_into(self, elements: dict[str, ElementView]) -> None:
        if not self.wanted:
            return
        shown = dict(db.session.execute(select(User.username, User.name).where(User.username.in_(self.wanted))).all())
        for element in elements.values():
            element.actors = [shown.get(u) or u for u in element.actors]


def _drawn_ids(root: etree._Element | None) -> set[str]:
    return {el.get("id") for el in root.iter() if el.get("id")} if root is not None else set()


def _mark_incident(instance: ProcessInstance, elements: dict[str, ElementView]) -> str | None:
    """The element the instance's open incident happened on, when the engine named it."""
    if not instance.incident:
        return None
    element_id = db.session.scalar(select(AuditEvent.task_name).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "incident")
        .order_by(AuditEvent.id.desc()).limit(1))
    if not element_id:
        return None
    element = elements.get(element_id)
    if element is None:
        element = elements[element_id] = ElementView(id=element_id, state="INCIDENT")
    element.state, element.incident = "INCIDENT", instance.incident
    return element_id


def _history(instance: ProcessInstance, element_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Per element, what people and the engine did there (the audit rows), oldest first."""
    if not element_ids:
        return {}
    rows = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.task_name.in_(element_ids),
        AuditEvent.action.in_(HISTORY_ACTIONS)).order_by(AuditEvent.id)))
    people = {r.actor for r in rows if r.actor}
    shown = dict(db.session.execute(select(User.username, User.name).where(User.username.in_(people))).all()) \
        if people else {}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        found[r.task_name or ""].append({
            "at": r.at, "actor": r.actor, "actor_name": "系统" if r.actor in (None, "system") else shown.get(r.actor, r.actor),
            "action": r.action, "title": r.title, "decision": r.decision, "comment": r.comment,
        })
    return dict(found)
