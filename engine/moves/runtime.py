"""Moves from wait state to wait state, one transaction each: lock the instance row, load,
act, run engine steps until the next wait, persist the state and the side tables, commit
(../shared/DESIGN.md §2). The caller owns the transaction; `web` commits or rolls back."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, or_, select

from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, EngineError, Forbidden, Incident, NotFound, ValidationFailed
from engine.base.hooks import REGISTRY, ServiceContext, StartSpec, TaskCompleted, handler_of
from engine.base.identity import User
from engine.base.models import (
    AuditEvent,
    HumanTask,
    ProcessInstance,
    ProcessModelVersion,
)
from engine.definitions import datasize, specs, taskdata
from engine.definitions.deploy import version_of
from engine.definitions.forms_runtime import task_form
from engine.definitions.properties import names_role, properties
from engine.definitions.sandbox import EngineScripts
from engine.definitions.steprules import rules_of
from engine.moves import serializer
from engine.moves.failures import describe
from engine.moves.resubmit import replayed
from engine.moves.sidetables import MOVE_INCIDENT, OPEN, frontier, persist
from engine.moves.state import find_task, load
from engine.work import announce, signing
from engine.work.access import acting_as, can_act, can_see_task, can_start
from engine.work.attachments import link_submission
from engine.work.audit import audit
from engine.work.inbox import participants
from engine.work.opinions import add_opinion, copy_step, opinion_action
from engine.work.workitems import SKIP, open_items

# Spiff's task iterator stops at depth 1000 and then reports a stalled loop as completed
# (notes/spiffworkflow.md §5.1); refuse well before that.
MAX_TREE_DEPTH = 900
SUSPENDED = "流程已被管理员暂停，恢复后才能办理"


@contextmanager
def engine_run(instance: ProcessInstance, what: str = "流程执行出错") -> Iterator[None]:
    """Run SpiffWorkflow (a task's run, engine steps) for a move: any error it raises — a
    WorkflowException of a postscript, a missing multi-instance output or data output, or a
    plain Python error from a script — becomes an Incident on `instance`, so the caller's
    transaction rolls the whole move back and the task stays ready."""
    try:
        yield
    except EngineError as err:
        if isinstance(err, Incident) and err.instance_id is None:
            err.instance_id = instance.id
        raise
    except Exception as err:  # noqa: BLE001  (a model's failure is an incident, never a 500)
        raise Incident(f"{what}：{describe(err)}", instance.id, _element_of(err)) from err


def _element_of(err: Exception) -> str | None:
    """The BPMN element a SpiffWorkflow task error happened on (WorkflowTaskException carries the task)."""
    task = getattr(err, "task", None)
    return getattr(getattr(task, "task_spec", None), "bpmn_id", None)




def note_incident(err: Exception, instance_id: Any = None) -> None:
    """After the move was rolled back: an `incident` audit row and the instance's incident text
    (shown on the instance page and in the queue view), in the caller's new transaction. The task
    stays ready, since nothing of the move remains."""
    instance_id = instance_id or getattr(err, "instance_id", None)
    instance = db.session.get(ProcessInstance, instance_id) if instance_id else None  # gone if it was a start
    cause = err.__cause__
    db.session.add(AuditEvent(actor="system", action="incident", instance_id=instance.id if instance else None,
                              task_name=getattr(err, "element", None), comment=str(err)[:2000], detail={"cause": repr(cause)[:2000]} if cause else None))
    if instance is not None and instance.status == "RUNNING":
        instance.incident = f"{MOVE_INCIDENT}{err}"[:2000]


def latest_version(key: str, number: int | None = None) -> ProcessModelVersion:
    """The version of `key` new instances start from (activated last), or version `number`."""
    if number is not None:
        return version_of(key, number)
    query = select(ProcessModelVersion).where(ProcessModelVersion.key == key)
    version = db.session.scalar(query.order_by(ProcessModelVersion.activated_at.desc(),
                                               ProcessModelVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"流程模型 “{key}” 不存在")
    return version


def start_instance(
    key: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    *,
    business_key: str | None = None,
    title: str | None = None,
    scope: dict[str, str | None] | None = None,
    year: int | None = None,
    message: Any | None = None,
    start_fired: bool = False,
    version_number: int | None = None,
) -> ProcessInstance:
    """A new instance of the active version of `key` (or of version `version_number`). `message`:
    the event its message start event catches; `start_fired`: its timer start event has fired."""
    version = latest_version(key, version_number)
    loaded = specs.load(version)
    start_lane = next((ts.lane for ts in loaded.spec.task_specs.values() if isinstance(ts, StartEvent)), None)
    if message is None and not start_fired and not manually_startable(loaded.spec):
        # Only a message or the scheduler can start it: a hand-made instance would wait forever.
        raise Forbidden("该流程由系统消息启动，不能手动发起")
    if actor is not None and not can_start(actor, start_lane):
        needed = f"需要角色 {start_lane}" if names_role(start_lane) else "由流程管理员发起"
        raise Forbidden(f"无权发起该流程（{needed}）")
    scope = scope or {}
    instance = ProcessInstance(
        id=uuid.uuid4(), model_version_id=version.id, process_key=key, version=version.version,
        business_key=business_key, title=title or version.name or key,
        scope_unit=scope.get("unit"), scope_dept=scope.get("dept"), scope_division=scope.get("division"),
        year=year, started_by=actor.username if actor else None, state="",
        serializer_version=serializer.VERSION,
    )
    db.session.add(instance)
    db.session.flush()  # side-table rows reference it; they have no ORM relationship to order by
    scripts = EngineScripts()
    if (reason := datasize.too_big(data or {})) is not None:
        raise ValidationFailed({"_form": [f"发起的{reason}"]})
    workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=scripts)
    workflow.task_tree.data.update(data or {})
    bind_services(scripts, instance, actor)
    since = datetime.now().timestamp()
    audit(instance, actor, "start", title=instance.title)
    with engine_run(instance):
        if start_fired:  # our scheduler owns the start timer: pass the start event as a plain one
            for task in workflow.get_tasks(spec_class=StartEvent):
                task._sync_children(task.task_spec.outputs, TaskState.FUTURE)
                task._set_state(TaskState.READY)
                task.run()
        if message is not None:
            workflow.do_engine_steps()  # the start event now waits for the message
            workflow.send_event(message)
    instance._started_here = True  # nothing of it is stored yet: no open items, timers or subscriptions to read
    advance(instance, workflow, open_rows=[])
    persist(instance, workflow, actor, since)
    return instance




def lock_item(item_id: uuid.UUID, viewer: User) -> tuple[ProcessInstance, HumanTask]:
    """Lock the work item's instance, then read the item: a concurrent move that changed it has
    committed by the time the lock is ours, so the read sees its outcome. An item `viewer` may
    not see is NotFound, before any other check (one answer for what one may not see: no 403/409
    that would tell it exists)."""
    instance, row, _open = lock_item_and_open(item_id, viewer)
    return instance, row


# Built once (statement construction and its cache key are a good part of a small query's cost).
_LOCK_OWNER = (select(ProcessInstance).where(ProcessInstance.id == select(HumanTask.instance_id).where(
    HumanTask.id == bindparam("item")).scalar_subquery()).with_for_update()
    .execution_options(populate_existing=True))  # the locked state, not a read before
_ITEM_AND_OPEN = (select(HumanTask).where(
    HumanTask.instance_id == bindparam("instance"), or_(HumanTask.id == bindparam("item"), HumanTask.status.in_(OPEN)))
    .execution_options(populate_existing=True))


def lock_item_and_open(item_id: uuid.UUID, viewer: User) -> tuple[ProcessInstance, HumanTask, list[HumanTask]]:
    """lock_item, and in the same read the instance's open items (READY, WAITING) as they stand
    under the lock: a move that opens no items before it advances hands them to advance()."""
    instance = db.session.scalar(_LOCK_OWNER, {"item": item_id})
    if instance is None:
        raise NotFound("任务不存在")
    rows = list(db.session.scalars(_ITEM_AND_OPEN, {"instance": instance.id, "item": item_id}))
    row = next((r for r in rows if r.id == item_id), None)
    # may act: seen, with no further query; otherwise the instance's scope and participants decide
    if row is None or not (can_act(viewer, row) or can_see_task(viewer, row, instance, participants(instance.id))):
        raise NotFound("任务不存在")
    if instance.status == "SUSPENDED":  # an administrator's 暂停: no move until 恢复
        raise Conflict(SUSPENDED)
    return instance, row, [r for r in rows if r.status in OPEN]


def may_decide(row: HumanTask, actor: User) -> str:
    """Whose right lets `actor` decide `row` now (see access.acting_as), or the reason not."""
    if row.status != "READY":
        raise Conflict("任务已被处理，请刷新")
    acting = acting_as(actor, row)
    if acting is None:
        raise Forbidden("您不是该任务的办理人")
    if row.delegation == "PENDING":
        raise Forbidden("委派的任务请填写意见后“交回”，由原办理人决定")
    return acting


def complete_task(task_id: uuid.UUID, actor: User, submission: dict[str, Any], *,
                  batch: bool = False) -> ProcessInstance:
    """Complete a work item; `batch` (批量审批) only where the step's model allows it."""
    instance, row, open_rows = lock_item_and_open(task_id, actor)
    acting = may_decide(row, actor)
    if (reason := datasize.too_big(submission)) is not None:
        raise ValidationFailed({"_form": [f"提交的{reason}，请精简内容或改用附件上传"]})
    workflow, scripts, loaded = load(instance)
    task = ready_task(workflow, row)
    rules = rules_of(task.task_spec)
    if batch and not rules.batch_approve:
        raise ValidationFailed({"_task": ["该环节不允许批量审批"]})
    props = properties(task.task_spec)
    form = task_form(instance.model_version_id, loaded.forms, props)
    context = {**task.data, "verdicts": _verdicts(props)}
    clean, errors = form.validate(submission or {}, context)
    try:
        handler = handler_of(props)
    except LookupError as err:  # deployed with a handler the code no longer registers
        raise Incident(str(err)) from err
    if handler is not None and handler.check is not None:
        try:
            found = handler.check(TaskCompleted(instance, row, form.keys, form.mode, clean, task.data, actor)) or {}
        except Exception as err:  # noqa: BLE001
            raise Incident(f"提交检查出错：{err}") from err
        for path, found_messages in found.items():
            errors.setdefault(path, []).extend(found_messages)
    decision = _as_text(clean.get("verdict") or clean.get("panel_verdict") or clean.get("expert_verdict"))
    if decision in rules.opinion_required and not str(clean.get("comment") or "").strip():
        errors.setdefault("comment", []).append("退回或不同意时须填写审批意见")
    if errors:
        raise ValidationFailed(errors)

    now = utcnow()
    row.status, row.completed_at, row.completed_by = "COMPLETED", now, actor.username
    row.decision, row.comment, row.submission, row.draft = decision, clean.get("comment"), plain(clean), None
    if acting != actor.username:
        row.proxy_for = acting
    if decision or clean.get("comment") or clean.get("opinion_attachments"):  # a plain submission is no opinion
        add_opinion(instance, actor, opinion_action(decision), row=row, text=str(clean.get("comment") or ""),
                    attachments=clean.get("opinion_attachments"))
    link_submission(instance, row, form, clean, actor)
    detail: dict[str, Any] = {"fields": sorted(clean)}
    if row.proxy_for:
        detail["on_behalf_of"] = row.proxy_for
    if row.sign_seq is not None:
        outcome = signing.record_vote(instance, row, decision)
        if outcome is None:  # the step waits for more signers; the engine does not move
            audit(instance, actor, "sign", row=row, decision=decision, comment=row.comment, detail=detail)
            instance.moves, instance.updated_at = (instance.moves or 0) + 1, now
            return instance
        clean = {**clean, **outcome}
    bind_services(scripts, instance, actor)
    if handler is not None:
        try:
            handler.complete(TaskCompleted(instance, row, form.keys, form.mode, clean, task.data, actor))
        except Exception as err:  # noqa: BLE001  (a domain failure rolls the move back, never a 500)
            raise Incident(f"业务记录写入失败：{err}") from err
    audit(instance, actor, "complete", row=row, decision=row.decision, comment=row.comment, detail=detail)
    copy_step(instance, workflow, task, rules)
    since = datetime.now().timestamp()
    keep_submission(instance, task, clean)
    if instance.resubmit and instance.resubmit.get("target") == row.task_name:
        instance.resubmit = {**instance.resubmit, "armed": True}  # 退回后直达: skip what was done
    with engine_run(instance):
        task.run()
        advance(instance, workflow, actor, open_rows=open_rows)  # no item was opened since the lock
    instance._verdict = (row, decision, row.comment)  # told once: by the end notice if this move ends it
    persist(instance, workflow, actor, since)
    if (verdict := instance.__dict__.pop("_verdict", None)) is not None:
        announce.decided(instance, *verdict, actor)
    return instance


def ready_task(workflow: BpmnWorkflow, row: HumanTask) -> Any:
    """The engine task of a work item, which must still be ready."""
    task = find_task(workflow, row.spiff_task_id)
    if task is None or task.state != TaskState.READY:
        raise Conflict("任务已被处理，请刷新")
    return task


def bind_services(scripts: EngineScripts, instance: ProcessInstance, actor: User | None) -> None:
    def factory(task: Any) -> ServiceContext:
        return ServiceContext(instance, str(task.id), task.task_spec.bpmn_id or task.task_spec.name,
                              task.data, actor)

    scripts.service_context_factory = factory


def advance(instance: ProcessInstance, workflow: BpmnWorkflow, actor: User | None = None,
            assign: dict[uuid.UUID, tuple[str, str]] | None = None,
            open_rows: list[HumanTask] | None = None) -> None:
    """Run the engine to the next wait, giving every newly ready user task its work items;
    steps that are skipped (no candidate, or 退回后直达) run at once and the engine goes on.
    `open_rows`: the instance's open items read under this move's lock, when the move has
    opened none since (lock_item_and_open); otherwise they are read here."""
    if open_rows is None:
        with db.session.no_autoflush:  # read once per move; persist() reuses them
            open_rows = list(db.session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status.in_(OPEN))))
    instance._open_rows = list(open_rows)
    for _ in range(MAX_TREE_DEPTH):
        with engine_run(instance):
            workflow.refresh_timers()
            workflow.do_engine_steps()
        if not _settle(instance, workflow, assign or {}):
            break
    deepest = max((_depth(t) for t in frontier(workflow)), default=0)
    if deepest > MAX_TREE_DEPTH:
        raise Incident(f"流程循环次数过多（任务树深度 {deepest}），已停止以免误判为结束", instance.id)




def _settle(instance: ProcessInstance, workflow: BpmnWorkflow, assign: dict[uuid.UUID, tuple[str, str]]) -> bool:
    """Open work items for ready user tasks that have none; True when a step was run instead."""
    fresh = [o for o in db.session.new if isinstance(o, HumanTask)]
    open_ids = {r.spiff_task_id for r in [*instance._open_rows, *fresh] if r.status in OPEN}
    ran = False
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if task.id in open_ids:
            continue
        if task.id in assign and not rules_of(task.task_spec).sign_mode:  # given back (退回, 撤回, 拿回)
            _opened(instance, open_items(instance, workflow, task, assign_to=assign[task.id][0],
                                         via=assign[task.id][1]))
            continue
        plan = instance.resubmit if instance.resubmit and instance.resubmit.get("armed") else None
        name = task.task_spec.bpmn_id
        replay = None
        if plan and name != plan["returner_step"]:
            replay = replayed(plan, task)  # a multi-instance member's own earlier submission
        if replay is not None:
            _run_skipped(instance, task, replay, "resubmit", "退回后直达，沿用上次办理结果")
            ran = True
            continue
        if plan:
            instance.resubmit = None  # reached the step that returned it, or the path changed
            rules = rules_of(task.task_spec)
            if name == plan["returner_step"] and not (rules.assignee or rules.sign_mode):
                _opened(instance, open_items(instance, workflow, task, assign_to=plan["returner"], via="RETURN"))
                continue
        items = open_items(instance, workflow, task)
        if items == SKIP:
            _run_skipped(instance, task, None, "skip", "无可办理人员，按模型设置自动跳过")
            ran = True
        else:
            _opened(instance, items)
    return ran


def _opened(instance: ProcessInstance, items: list[HumanTask] | str) -> None:
    if isinstance(items, list):  # known to this move even after an autoflush empties session.new
        instance._open_rows.extend(items)


def _run_skipped(instance: ProcessInstance, task: Any, data: dict[str, Any] | None, action: str, note: str) -> None:
    """Run a step nobody does now: a replay (退回后直达) submits its earlier submission again; a
    step without candidates submits nothing, so its declared outputs are None."""
    spec = task.task_spec
    db.session.add(AuditEvent(actor="system", action=action, instance_id=instance.id, task_name=spec.bpmn_id,
                              title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane, comment=note, detail=None))
    keep_submission(instance, task, data or {}, submitted=data is not None)
    with engine_run(instance):
        task.run()


def keep_submission(instance: ProcessInstance, task: Any, values: dict[str, Any], *, submitted: bool = True) -> None:
    """A completed form's values into the engine: under the task's own namespace with its declared
    outputs published (engine.definitions.taskdata), or merged flat for a version deployed before namespaces."""
    if specs.load_by_id(instance.model_version_id).data_flow == taskdata.FLAT:
        task.data.update(values)
    else:
        taskdata.record(task, values, publish_only=not submitted)


def _depth(task: Any) -> int:
    depth, parent = 0, task.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    return depth


def _verdicts(props: dict[str, str]) -> list[str] | None:
    value = props.get("verdicts")
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def manually_startable(spec: Any) -> bool:
    """A person may start it: it has a plain start event (not only message or timer starts)."""
    return any(isinstance(ts, StartEvent) and isinstance(ts.event_definition, NoneEventDefinition)
               for ts in spec.task_specs.values())


def start_process(key: str, actor: User, data: dict[str, Any] | None = None, *,
                  version: int | None = None) -> ProcessInstance:
    """Start through the domain's starter for `key` when one is registered; otherwise the
    instance's scope is the actor's first scoped role assignment."""
    starter = REGISTRY.starters.get(key)
    if starter is not None:
        try:
            spec = starter(actor, dict(data or {}))
        except (Forbidden, ValidationFailed, NotFound):
            raise
        except Exception as err:  # noqa: BLE001
            raise Incident(f"无法发起流程：{err}") from err
    else:
        scope: dict[str, str | None] = {}
        for a in actor.roles:
            if a.scope_type == "UNIT" and "unit" not in scope:
                scope["unit"] = a.scope_id
            elif a.scope_type == "DEPARTMENT" and "dept" not in scope:
                scope["dept"] = a.scope_id
            elif a.scope_type == "DIVISION" and "division" not in scope:
                scope["division"] = a.scope_id
        spec = StartSpec(data=dict(data or {}), scope=scope)
    return start_instance(key, actor, spec.data, business_key=spec.business_key, title=spec.title,
                          scope=spec.scope, year=spec.year, version_number=version)
