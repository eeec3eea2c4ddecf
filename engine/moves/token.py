"""移动到…: an administrator moves an instance's token to another element (issue 13 point 4),
audited, with a reason. Two moves are well defined on SpiffWorkflow 3.2 and supported:

- **back** to a user task already completed on the path to the current step (its ancestors in the
  task tree, across sub-process boundaries): `reset_from_task_id`, as 退回 does; the step goes back
  to the person who completed it, with what they had filled in;
- **forward**, skipping the current ready user task to the next step that follows it without a
  branch (a chain of elements with one outgoing flow each): the skipped task runs with nothing
  submitted (its declared outputs are None), as a step without candidates is skipped — or, when it
  holds an earlier submission of its own (it was moved or returned back to), that one again.

Anything else (an element never reached, across a gateway, into a parallel branch, a waiting timer
or message) is refused with the reason: Spiff has no primitive that builds a consistent task tree
for it. The move locks the instance row first, like every intervention."""
from __future__ import annotations

import uuid
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import Conflict, ValidationFailed
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask, ProcessInstance
from engine.definitions import taskdata
from engine.definitions.element_kinds import display_name
from engine.moves.interventions import _locked, _open_rows
from engine.moves.returns import path_to, rewind
from engine.moves.runtime import advance, bind_services, engine_run, keep_submission
from engine.moves.sidetables import frontier, persist
from engine.moves.state import load
from engine.work import announce


def current_steps(workflow: Any) -> list[Any]:
    """The ready user tasks a token can be moved from."""
    return [t for t in frontier(workflow) if t.state == TaskState.READY and t.task_spec.manual]


def next_steps(spec: Any) -> list[Any]:
    """The steps reached from `spec` by skipping it: along outgoing flows while each element has one
    outgoing flow and is not itself a step (a user task, a wait, a sub-process)."""
    found, seen, todo = [], set(), list(spec.outputs)
    while todo:
        node = todo.pop()
        if node.name in seen:
            continue
        seen.add(node.name)
        if node.manual or isinstance(node, CatchingEvent | SubWorkflowTask):
            if getattr(node, "bpmn_id", None):
                found.append(node)
            continue
        if len(node.outputs) == 1:
            todo.extend(node.outputs)
    return found


def targets(workflow: Any) -> list[dict[str, Any]]:
    """Where an administrator may move the token now: for each current step, the completed steps
    before it and the next steps after it (element ids and names, for the picker)."""
    out = []
    for task in current_steps(workflow):
        back = {t.task_spec.bpmn_id: display_name(t.task_spec) for t in path_to(workflow, task)}
        ahead = {s.bpmn_id: display_name(s) for s in next_steps(task.task_spec)}
        out.append({"element": task.task_spec.bpmn_id, "name": display_name(task.task_spec),
                    "back": [{"element": k, "name": v} for k, v in back.items()],
                    "forward": [{"element": k, "name": v} for k, v in ahead.items()]})
    return out


def move_token(instance_id: uuid.UUID, actor: User, to_element: str, reason: str,
               from_element: str | None = None) -> ProcessInstance:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["请填写移动原因"]})
    if not (to_element or "").strip():
        raise ValidationFailed({"to_element": ["请选择要移动到的环节"]})
    instance = _locked(instance_id, actor)
    if instance.status != "RUNNING":
        raise Conflict("流程已暂停，请先恢复" if instance.status == "SUSPENDED" else "流程已结束")
    workflow, _scripts, _loaded = load(instance)
    source = _source(workflow, from_element, to_element)
    open_before = _open_rows(instance)
    back = next((t for t in path_to(workflow, source) if t.task_spec.bpmn_id == to_element), None)
    if back is not None:
        row = _completion(instance, back.id)
        if row is None:
            raise Conflict(f"环节 “{display_name(back.task_spec)}” 没有办理记录，无法退回到该环节")
        direction = "back"
        rewind(instance, workflow, row, actor, via="MOVE")
    else:
        ahead = next((s for s in next_steps(source.task_spec) if s.bpmn_id == to_element), None)
        if ahead is None:
            raise Conflict(_refusal(workflow, source, to_element))
        direction = "forward"
        _skip(instance, workflow, source, actor)
        if not any(t.task_spec.bpmn_id == to_element for t in frontier(workflow)):
            raise Conflict(f"跳过 “{display_name(source.task_spec)}” 后流程没有停在 “{display_name(ahead)}”，未移动")
    moved_to = display_name(back.task_spec if back is not None else ahead)
    # under the element moved to: the diagram's history of that element shows it
    db.session.add(AuditEvent(actor=actor.username, action="move_token", instance_id=instance.id, task_name=to_element,
                              title=f"移动：{display_name(source.task_spec)} → {moved_to}", comment=reason,
                              detail={"from": source.task_spec.bpmn_id, "to": to_element, "direction": direction}))
    announce.intervened(instance, "move", "移动", f"流程由 “{display_name(source.task_spec)}” 移动到 “{moved_to}”。{reason}",
                        actor, [*open_before, *_open_rows(instance)])
    return instance


def _source(workflow: Any, from_element: str | None, to_element: str) -> Any:
    steps = current_steps(workflow)
    if from_element:
        found = [t for t in steps if t.task_spec.bpmn_id == from_element]
        if not found:
            raise Conflict("流程当前不在该环节，请刷新")
        return found[0]
    if not steps:
        raise Conflict("流程当前没有待办环节可移动（等待中的定时器或消息不能移动）")
    fits = [t for t in steps if any(p.task_spec.bpmn_id == to_element for p in path_to(workflow, t))
            or any(s.bpmn_id == to_element for s in next_steps(t.task_spec))]
    if len({t.task_spec.bpmn_id for t in steps}) > 1 and len(fits) != 1:
        raise ValidationFailed({"from_element": ["流程当前有多个进行中的环节，请指定从哪个环节移动"]})
    return (fits or steps)[0]


def _refusal(workflow: Any, source: Any, to_element: str) -> str:
    spec = source.workflow.spec.task_specs.get(to_element) or workflow.spec.task_specs.get(to_element)
    name = display_name(spec) if spec is not None else to_element
    if spec is None:
        return f"流程中没有环节 “{to_element}”"
    if spec is source.task_spec:
        return f"流程已在 “{name}”"
    return (f"不能直接移动到 “{name}”：只能退回到当前环节之前已办理的环节，或跳过当前环节到紧接的下一环节"
            f"（中间经过分支判断或并行分支的环节无法确定流程状态）")


def _completion(instance: ProcessInstance, spiff_task_id: uuid.UUID) -> HumanTask | None:
    return db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.spiff_task_id == spiff_task_id,
        HumanTask.status == "COMPLETED").order_by(HumanTask.completed_at.desc()).limit(1))


def _skip(instance: ProcessInstance, workflow: Any, task: Any, actor: User) -> None:
    """Run the current step and let the engine go on to the next wait. A step holding an earlier
    submission of its own (moved or returned back to) submits it again, as 退回后直达 replays;
    otherwise nothing is submitted (its declared outputs are None)."""
    since = utcnow().timestamp()
    earlier = task.data.get(taskdata.NAMESPACE + taskdata.step_of(task))
    keep_submission(instance, task, dict(earlier or {}), submitted=bool(earlier))
    with engine_run(instance, "移动时流程出错"):
        task.run()
    bind_services(workflow.script_engine, instance, actor)
    advance(instance, workflow, actor)
    persist(instance, workflow, actor, since)
