"""退回, 撤回 and 拿回: moving an instance back to an earlier user task with the engine's
reset-to-task primitive. Only completed user tasks on the path that led to the current task
(its ancestors in the task tree, across subprocess boundaries) can be targets, so a return out
of one parallel branch or one expert of a panel resets exactly what lies after the target —
branches and panel members after it are cancelled, nothing is left dangling."""
from __future__ import annotations

import uuid
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.convert import tagged
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, Forbidden, Incident, NotFound, ValidationFailed
from engine.base.hooks import HANDLER_PROPERTY, REGISTRY, OperationDone, handler_of
from engine.base.identity import User
from engine.base.models import HumanTask, ProcessInstance
from engine.definitions import specs, taskdata
from engine.definitions.properties import properties
from engine.definitions.steprules import rules_of
from engine.moves.resubmit import SIGN_OUTCOME, member_key
from engine.moves.runtime import (
    advance,
    bind_services,
    engine_run,
    lock_item,
    may_decide,
    ready_task,
)
from engine.moves.sidetables import persist
from engine.moves.state import find_task, load
from engine.work import announce
from engine.work.access import can_view_instance
from engine.work.audit import audit
from engine.work.inbox import participants
from engine.work.opinions import add_opinion


def path_to(workflow: Any, task: Any) -> list[Any]:
    """Completed user tasks on the path to `task`, nearest first."""
    found, current = [], task.parent
    while current is not None:
        if current.task_spec.manual and current.state == TaskState.COMPLETED:
            found.append(current)
        parent = current.parent
        if parent is None and current.workflow.parent_task_id is not None:  # leave the subprocess
            parent = find_task(workflow, current.workflow.parent_task_id)
        current = parent
    return found


def returnable_steps(instance: ProcessInstance, row: HumanTask, workflow: Any) -> list[HumanTask]:
    task = find_task(workflow, row.spiff_task_id)
    if task is None:
        return []
    rules = rules_of(task.task_spec)
    if "none" in rules.return_to:
        return []
    chain = path_to(workflow, task)
    rows = _latest_completions(instance, [t.id for t in chain])
    steps = [rows[t.id] for t in chain if t.id in rows]
    wanted = set(rules.return_to)
    if "any" in wanted:
        return steps
    chosen = [s for s in steps if s.task_name in wanted]
    if "previous" in wanted and steps:
        chosen.insert(0, steps[0])
    if "initiator" in wanted:
        mine = [s for s in steps if s.completed_by == instance.started_by]
        if mine:
            chosen.append(mine[-1])
    return list({s.id: s for s in chosen}.values())


def return_task(item_id: uuid.UUID, actor: User, target_id: str, opinion: str,
                resubmit: str | None = None) -> ProcessInstance:
    instance, row = lock_item(item_id, actor)
    acting = may_decide(row, actor)
    workflow, _scripts, _loaded = load(instance)
    task = ready_task(workflow, row)
    rules = rules_of(task.task_spec)
    errors: dict[str, list[str]] = {}
    steps = returnable_steps(instance, row, workflow)
    target = next((s for s in steps if str(s.id) == str(target_id)), None)
    if target is None:
        errors["target"] = ["请选择可退回的环节" if steps else "该环节不允许退回"]
    if "RETURN" in rules.opinion_required and not (opinion or "").strip():
        errors["opinion"] = ["退回须填写审批意见"]
    strategy = (resubmit or ("RERUN" if rules.resubmit == "CHOOSE" else rules.resubmit)).upper()
    if strategy not in ("RERUN", "JUMP_BACK") or (rules.resubmit != "CHOOSE" and strategy != rules.resubmit):
        errors["resubmit"] = ["重新提交方式须为 RERUN（逐级重走）或 JUMP_BACK（直达退回人）"
                              if rules.resubmit == "CHOOSE" else f"该环节只允许 {rules.resubmit}"]
    if errors:
        raise ValidationFailed(errors)
    assert target is not None
    plan = _resubmit_plan(instance, workflow, target, row, actor) if strategy == "JUMP_BACK" else None
    data = dict(task.data)
    _close(row, actor, "RETURN", opinion)
    detail = {"to": target.task_name, "to_title": target.title, "resubmit": strategy}
    if acting != actor.username:  # 代理: recorded as complete_task records it
        row.proxy_for = detail["on_behalf_of"] = acting
    add_opinion(instance, actor, "return", row=row, text=opinion)
    audit(instance, actor, "return", row=row, decision="RETURN", comment=opinion, detail=detail)
    rewind(instance, workflow, target, actor, via="RETURN")
    instance.resubmit = plan
    announce.returned(instance, row, target, opinion, actor)
    _tell(OperationDone(instance, "return", row, actor, opinion, target.task_name, data,
                        handler=properties(task.task_spec).get(HANDLER_PROPERTY)))
    return instance


def _resubmit_plan(instance: ProcessInstance, workflow: Any, target: HumanTask, row: HumanTask,
                   actor: User) -> dict[str, Any]:
    """JUMP_BACK: what was done after the target, parallel branches included, to be replayed once the
    target is completed again. `skip` holds each step's last submission; `members` each member's own
    for the steps done per member (multi-instance panels, loops: member key → submission), and a
    multi-signer step's entry carries its outcome (sign_result, verdict, sign_votes) as decided."""
    done = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "COMPLETED",
        HumanTask.completed_at > target.completed_at).order_by(HumanTask.completed_at)).all()
    skip: dict[str, Any] = {}
    members: dict[str, dict[str, Any]] = {}
    flat = specs.load_by_id(instance.model_version_id).data_flow == taskdata.FLAT
    for r in done:
        if r.task_name in (target.task_name, row.task_name):
            continue
        engine_task = find_task(workflow, r.spiff_task_id)
        stored = r.submission or {}
        if engine_task is not None:  # the values as submitted (Decimal, date), not their JSON text
            typed = engine_task.data if flat else (taskdata.replayable(engine_task) or {})
            stored = {k: typed.get(k, v) for k, v in stored.items()}
            if r.sign_seq is not None:
                stored.update({k: typed[k] for k in SIGN_OUTCOME if k in typed})
        submission = tagged(stored)
        skip[r.task_name] = submission
        key = member_key(engine_task) if engine_task is not None else None
        if key is not None:
            members.setdefault(r.task_name, {})[key] = submission
    return {"target": target.task_name, "returner_step": row.task_name, "returner": actor.username,
            "armed": False, "skip": skip, "members": members}


def withdraw(instance_id: uuid.UUID, actor: User, opinion: str = "") -> ProcessInstance:
    """撤回: the initiator takes the request back to their own first step."""
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update())
    if instance is None or not can_view_instance(actor, instance, participants(instance.id)):
        raise NotFound("流程实例不存在")
    if instance.started_by != actor.username:
        raise Forbidden("只有发起人可以撤回")
    if instance.status != "RUNNING":
        raise Conflict("流程已被管理员暂停，无法撤回" if instance.status == "SUSPENDED" else "流程已结束，无法撤回")
    workflow, _scripts, loaded = load(instance)
    start = next((ts for ts in loaded.spec.task_specs.values() if isinstance(ts, StartEvent)), None)
    if start is not None and properties(start).get("allowWithdraw", "true").lower() == "false":
        raise Forbidden("该流程不允许撤回")
    mine = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "COMPLETED",
        HumanTask.completed_by == actor.username).order_by(HumanTask.completed_at)).all()
    first = next((r for r in mine if (t := find_task(workflow, r.spiff_task_id)) is not None
                  and t.state == TaskState.COMPLETED), None)
    if first is None:
        raise Conflict("没有可撤回的提交")
    open_rows = _open_rows(instance)
    if open_rows and all(r.assignee == actor.username and r.task_name == first.task_name for r in open_rows):
        raise Conflict("申请已在您手中，无需撤回")
    for r in open_rows:
        r.status = "CANCELLED"
    add_opinion(instance, actor, "withdraw", text=opinion)
    audit(instance, actor, "withdraw", title=first.title, comment=opinion, detail={"to": first.task_name})
    announce.withdrawn(instance, open_rows, opinion, actor)
    first_task = find_task(workflow, first.spiff_task_id)
    data = dict(first_task.data) if first_task is not None else {}
    rewind(instance, workflow, first, actor, via="WITHDRAW")
    instance.resubmit = None
    _tell(OperationDone(instance, "withdraw", None, actor, opinion, first.task_name, data))
    return instance


def reclaim(item_id: uuid.UUID, actor: User, opinion: str = "") -> ProcessInstance:
    """拿回: an approver takes back their own last completion while the next step is untouched."""
    instance, row = lock_item(item_id, actor)
    if row.completed_by != actor.username or row.status != "COMPLETED":
        raise Forbidden("只能拿回自己办理的任务")
    if instance.status != "RUNNING":
        raise Conflict("流程已结束，无法拿回")
    later = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.id != row.id,
        HumanTask.status != "CANCELLED",
        (HumanTask.completed_at >= row.completed_at) | (HumanTask.created_at >= row.completed_at))).all()
    if any(r.status == "COMPLETED" or r.opened_at or r.draft_at or r.claimed_at for r in later):
        raise Conflict("下一环节已查看或办理，无法拿回")
    last = db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.completed_by == actor.username,
        HumanTask.status == "COMPLETED").order_by(HumanTask.completed_at.desc()).limit(1))
    if last is None or last.id != row.id:
        raise Conflict("只能拿回自己最近一次办理的任务")
    workflow, _scripts, _loaded = load(instance)
    task = find_task(workflow, row.spiff_task_id)
    if task is None or task.state != TaskState.COMPLETED or not rules_of(task.task_spec).reclaimable:
        raise Conflict("该任务不能拿回")
    for r in later:
        r.status = "CANCELLED"
    data = dict(task.data)
    add_opinion(instance, actor, "reclaim", row=row, text=opinion)
    audit(instance, actor, "reclaim", row=row, comment=opinion)
    rewind(instance, workflow, row, actor, via="RECLAIM", to=actor.username)
    _tell(OperationDone(instance, "reclaim", row, actor, opinion, row.task_name, data,
                        handler=properties(task.task_spec).get(HANDLER_PROPERTY)))
    return instance


def _tell(event: OperationDone) -> None:
    """The domain's operation listeners (engine.base.hooks.on_operation) and, for 退回, the `on_return`
    of the handler the returned step names, in this move's transaction."""
    listeners = list(REGISTRY.operation_listeners)
    try:
        handler = handler_of({HANDLER_PROPERTY: event.handler or ""})
    except LookupError as err:
        raise Incident(str(err)) from err
    if event.action == "return" and handler is not None and handler.on_return is not None:
        listeners.append(handler.on_return)
    for listener in listeners:
        try:
            listener(event)
        except Exception as err:  # noqa: BLE001  (a domain failure rolls the move back, never a 500)
            raise Incident(f"业务记录写入失败：{err}") from err


def rewind(instance: ProcessInstance, workflow: Any, target: HumanTask, actor: User, *, via: str,
            to: str | None = None) -> None:
    """Reset to `target`, keep what was filled in there for editing, give it back to its person."""
    since = utcnow().timestamp()
    done = find_task(workflow, target.spiff_task_id)
    typed = taskdata.replayable(done) if done is not None else None  # Decimal, date as submitted
    with engine_run(instance, "退回时流程出错"):
        workflow.reset_from_task_id(target.spiff_task_id)
    task = find_task(workflow, target.spiff_task_id)
    if specs.load_by_id(instance.model_version_id).data_flow == taskdata.FLAT:
        task.data.update(target.submission or {})
    else:  # the step's own earlier submission, which its form opens with (engine.definitions.taskdata)
        taskdata.restore(task, typed if typed is not None else (target.submission or {}))
    bind_services(workflow.script_engine, instance, actor)
    advance(instance, workflow, actor, assign={task.id: (to or target.completed_by, via)})
    persist(instance, workflow, actor, since)


def _close(row: HumanTask, actor: User, decision: str, opinion: str) -> None:
    row.status, row.completed_at, row.completed_by = "COMPLETED", utcnow(), actor.username
    row.decision, row.comment, row.draft = decision, opinion, None


def _open_rows(instance: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status.in_(("READY", "WAITING")))))


def _latest_completions(instance: ProcessInstance, spiff_ids: list[uuid.UUID]) -> dict[uuid.UUID, HumanTask]:
    if not spiff_ids:
        return {}
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.spiff_task_id.in_(spiff_ids),
        HumanTask.status == "COMPLETED").order_by(HumanTask.completed_at))
    return {r.spiff_task_id: r for r in rows}  # the last completion of each task wins

