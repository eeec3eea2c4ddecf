"""Moving running instances of a model from version A to version B (issue 13 point 4), with
SpiffWorkflow's own `SpiffWorkflow.bpmn.util.diff` (SpecDiff aligns B's elements with A's by id,
then by structure; migrate_workflow swaps the specs and re-predicts the ready and waiting branches).

The preview is the migration itself, done in memory and thrown away: what it says is what the batch
does. An instance cannot migrate when an element it has passed or waits in is gone from B, changed
its type, or sits in a sub-process B no longer has. A migration is a move: the instance row locked
first, its own short transaction, the side tables resynced (open work items keep their id, assignee
and deadline: the engine task ids do not change), an audit row on the instance's timeline."""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, select

from engine.base.db import db, utcnow
from engine.base.errors import Conflict, Forbidden, Incident, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.model_admin import MigrationRun
from engine.base.models import HumanTask, ProcessInstance, ProcessModelVersion
from engine.base.paging import MAX_PER_PAGE, Page, paged
from engine.definitions import specs
from engine.definitions.properties import properties
from engine.dispatch import queue
from engine.moves import serializer
from engine.moves.interventions import may_intervene
from engine.moves.sidetables import OPEN, frontier, persist
from engine.moves.state import find_task, load
from engine.moves.versions import record, version_of
from engine.work.access import is_admin
from engine.work.audit import audit

MIGRATABLE = ("RUNNING", "SUSPENDED")
PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class CannotMigrate(Conflict):
    """The instance cannot move to the other version; the message says why, in Chinese."""


@dataclass
class Mapping:
    """One active task of the instance and the element of B it continues at."""
    kind: str  # 人工环节, 定时器, 消息等待, 调用子流程, 子流程, 自动环节
    state: str
    element: str
    name: str
    to_element: str | None = None
    to_name: str | None = None
    ok: bool = True
    reason: str | None = None


@dataclass
class Preview:
    instance_id: str
    title: str
    business_key: str | None
    status: str
    ok: bool
    reasons: list[str] = field(default_factory=list)
    tasks: list[Mapping] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the migration of one workflow, in memory ---------------------------------------------------------------------

def _label(spec: Any) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _kind(task: Any) -> str:
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if isinstance(spec, SubWorkflowTask):
        return "调用子流程" if type(spec).__name__ == "CallActivity" else "子流程"
    if spec.manual:
        return "人工环节"
    if definition is not None:
        name = type(definition).__name__
        return "定时器" if "Timer" in name else "消息等待" if "Message" in name else "事件等待"
    return "自动环节"


def _diff(workflow: Any, new_spec: Any) -> tuple[WorkflowDiff, dict[Any, list[str]]]:
    """SpiffWorkflow's diff of one (sub)workflow against B's spec, and the changed attributes per spec."""
    spec_diff = SpecDiff(serializer.REGISTRY, workflow.spec, new_spec)
    return WorkflowDiff(workflow, spec_diff), spec_diff.changed


def _refusals(diff: WorkflowDiff, spec_changes: dict[Any, list[str]], where: str) -> list[str]:
    """Why the tasks of one (sub)workflow cannot move: passed or active elements gone from B, active
    elements whose type (or called process) changed. Predicted tasks are re-predicted from B."""
    reasons = []
    for task in diff.removed:
        if task.state & PREDICTED or not getattr(task.task_spec, "bpmn_id", None):
            continue
        doing = "正在进行" if task.state & ACTIVE else "已经过"
        reasons.append(f"{where}{doing}的环节 “{_label(task.task_spec)}” 在新版本中已删除")
    for task in diff.changed:
        if not task.state & ACTIVE:
            continue
        changes = spec_changes.get(task.task_spec, [])
        if "typename" in changes:
            reasons.append(f"{where}正在进行的环节 “{_label(task.task_spec)}” 在新版本中改变了类型")
        elif "spec" in changes and isinstance(task.task_spec, SubWorkflowTask):
            reasons.append(f"{where}正在进行的 “{_label(task.task_spec)}” 在新版本中调用了另一个流程")
    return sorted(set(reasons), key=reasons.index)


def migrate_in_memory(workflow: BpmnWorkflow, target: specs.LoadedModel) -> tuple[list[str], list[Mapping]]:
    """Move `workflow` onto `target`'s specs in place. Returns (reasons it cannot, mapping of its
    active tasks); with reasons the workflow is left half-moved and must be thrown away."""
    before = {t.id: (t, t.task_spec) for t in frontier(workflow)}
    waiting_values = {t.id: t.internal_data["event_value"] for t, _ in before.values()
                      if t.state == TaskState.WAITING and "event_value" in t.internal_data}
    top, top_changes = _diff(workflow, target.spec)
    reasons = _refusals(top, top_changes, "")
    subs: dict[Any, WorkflowDiff] = {}
    for sp_id, sp in workflow.subprocesses.items():
        caller = find_task(workflow, sp_id)
        label = _label(caller.task_spec) if caller is not None else sp.spec.name
        new_spec = target.subprocess_specs.get(sp.spec.name)
        if new_spec is None:
            reasons.append(f"子流程 “{label}” 在新版本中不存在")
            continue
        subs[sp_id], changes = _diff(sp, new_spec)
        reasons += _refusals(subs[sp_id], changes, f"子流程 “{label}” 中")
    if reasons:
        return reasons, _mappings(before, workflow, reasons)
    migrate_workflow(top, workflow, target.spec)
    workflow.subprocess_specs = target.subprocess_specs
    for sp_id, sp_diff in subs.items():
        sp = workflow.subprocesses.get(sp_id)
        if sp is not None:
            migrate_workflow(sp_diff, sp, target.subprocess_specs[sp.spec.name])
    _repredict_started(workflow)
    for task_id, value in waiting_values.items():  # a timer keeps its due time, not restarted by the re-predict
        task = find_task(workflow, task_id)
        if task is not None and task.state == TaskState.WAITING:
            task.internal_data["event_value"] = value
    reasons += _strays(workflow)
    return reasons, _mappings(before, workflow, reasons)


def _repredict_started(workflow: BpmnWorkflow) -> None:
    """migrate_workflow re-predicts below READY and WAITING tasks only; a STARTED call activity or
    sub-process would keep the path A predicted after it (a step B added after the call would be
    skipped). Its children are synced with B's outgoing flows here."""
    for wf in (workflow, *workflow.subprocesses.values()):
        for task in list(wf.get_tasks(state=TaskState.STARTED, skip_subprocesses=True)):
            if task.id in wf.tasks and all(c.state & PREDICTED for c in task.children):
                task._drop_children()  # nothing after it has run: the path after it is B's
                task.task_spec._predict(task, mask=TaskState.STARTED | TaskState.FUTURE | TaskState.PREDICTED_MASK)


def _strays(workflow: BpmnWorkflow) -> list[str]:
    """Tasks still pointing at a spec B does not have (nothing should be left; a safety net)."""
    reasons = []
    for wf in (workflow, *workflow.subprocesses.values()):
        for task in wf.tasks.values():
            if wf.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                reasons.append(f"环节 “{_label(task.task_spec)}” 无法对应到新版本")
    return sorted(set(reasons))


def _mappings(before: dict[Any, tuple[Any, Any]], workflow: BpmnWorkflow, reasons: list[str]) -> list[Mapping]:
    rows = []
    for task_id, (task, old_spec) in before.items():
        if not getattr(old_spec, "bpmn_id", None):
            continue  # Spiff's own plumbing (a sub-process's start, a boundary split)
        now = find_task(workflow, task_id) if not reasons else None
        gone = next((r for r in reasons if f"“{_label(old_spec)}”" in r), None)
        row = Mapping(kind=_kind(task), state=TaskState.get_name(task.state), element=old_spec.bpmn_id,
                      name=_label(old_spec))
        if gone:
            row.ok, row.reason = False, gone
        elif now is not None:
            row.to_element, row.to_name = now.task_spec.bpmn_id, _label(now.task_spec)
        elif not reasons:
            row.ok, row.reason = False, "新版本中找不到对应的环节"
        rows.append(row)
    return rows


# --- preview and one instance's migration -------------------------------------------------------------------------

def _versions(key: str, from_version: int, to_version: int) -> tuple[ProcessModelVersion, ProcessModelVersion]:
    if from_version == to_version:
        raise ValidationFailed({"to": ["目标版本与原版本相同"]})
    return version_of(key, from_version), version_of(key, to_version)


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise Forbidden("只有系统管理员可以迁移流程实例")


def _candidates(source: ProcessModelVersion, instance_ids: list[uuid.UUID] | None = None) -> Select:
    query = select(ProcessInstance).where(ProcessInstance.model_version_id == source.id,
                                          ProcessInstance.status.in_(MIGRATABLE))
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    return query.order_by(ProcessInstance.started_at, ProcessInstance.id)  # ties by id: pages never repeat


def candidates(source: ProcessModelVersion, instance_ids: list[uuid.UUID] | None = None) -> list[ProcessInstance]:
    return list(db.session.scalars(_candidates(source, instance_ids)))


def preview(key: str, from_version: int, to_version: int, actor: User, *, page: int = 1,
            per_page: int = MAX_PER_PAGE) -> Page[Preview]:
    """One page of A's running or suspended instances (oldest first), each migrated in memory: where
    each active task goes in B, or why it cannot. A page at most: loading and aligning a workflow is
    the expensive part, and thousands of instances must not be one request; the batch (start_run)
    takes them all, queued."""
    _require_admin(actor)
    source, target = _versions(key, from_version, to_version)
    loaded = specs.load(target)
    found = paged(_candidates(source), page, per_page)
    return found.map(lambda instance: _preview_one(instance, loaded))


def _preview_one(instance: ProcessInstance, loaded: specs.LoadedModel) -> Preview:
    workflow = load(instance)[0]  # a fresh copy: nothing of it is kept
    try:
        reasons, tasks = migrate_in_memory(workflow, loaded)
    except Exception as err:  # noqa: BLE001  (Spiff may fail on a shape it cannot align: it cannot migrate)
        reasons, tasks = [f"无法比较两个版本：{err}"], []
    return Preview(str(instance.id), instance.title, instance.business_key, instance.status,
                   not reasons, reasons, tasks)


def migrate_instance(instance_id: uuid.UUID, target: ProcessModelVersion, actor: User, reason: str,
                     *, from_version: int | None = None) -> ProcessInstance:
    """One instance onto `target`, under its row lock, in the caller's transaction. CannotMigrate
    (nothing changed) when it is not on `from_version` any more, has ended, or cannot map."""
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if instance is None:
        raise NotFound("流程实例不存在")
    if not may_intervene(actor):
        raise Forbidden("只有流程管理员可以迁移流程实例")
    if instance.process_key != target.key:
        raise CannotMigrate("流程实例不属于该流程模型")
    if instance.status not in MIGRATABLE:
        raise CannotMigrate("流程已结束，无需迁移")
    if from_version is not None and instance.version != from_version:
        raise CannotMigrate(f"流程已在第{instance.version}版，不再是第{from_version}版")
    since = utcnow().timestamp()
    workflow = load(instance)[0]
    loaded = specs.load(target)
    reasons, tasks = migrate_in_memory(workflow, loaded)
    if reasons:
        raise CannotMigrate("；".join(reasons))
    serializer.load(serializer.dump(workflow), loaded.spec, loaded.subprocess_specs, workflow.script_engine)
    before = instance.version
    instance.model_version_id, instance.version = target.id, target.version
    _repoint_items(instance, workflow)
    persist(instance, workflow, actor, since)
    audit(instance, actor, "migrate", title=f"迁移：版本 {before} → 版本 {target.version}", comment=reason or None,
          detail={"from": before, "to": target.version,
                  "tasks": [{"from": m.element, "to": m.to_element} for m in tasks]})
    return instance


def _repoint_items(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    """Open work items follow their engine task onto B's element (same task id: assignee, deadline and
    draft stay); the element's id, name, lane and form come from B."""
    for row in db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                          HumanTask.status.in_(OPEN))):
        task = find_task(workflow, row.spiff_task_id)
        if task is None:
            continue
        spec, props = task.task_spec, properties(task.task_spec)
        row.task_name, row.title, row.lane = spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, spec.lane
        row.form_key, row.form_mode = props.get("formKey", row.form_key), props.get("formMode", row.form_mode)


# --- the batch ----------------------------------------------------------------------------------------------------

def start_run(key: str, from_version: int, to_version: int, actor: User, reason: str,
              instance_ids: list[uuid.UUID] | None = None) -> MigrationRun:
    """A MigrationRun over the chosen (default: every) running or suspended instance of A, one
    queue job per instance. Audited on the model."""
    _require_admin(actor)
    source, target = _versions(key, from_version, to_version)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["请填写迁移原因"]})
    chosen = candidates(source, instance_ids)
    if instance_ids is not None and len(chosen) != len(set(instance_ids)):
        raise ValidationFailed({"instance_ids": [f"有 {len(set(instance_ids)) - len(chosen)} 个流程实例不在第"
                                                 f"{from_version}版运行中"]})
    run = MigrationRun(id=uuid.uuid4(), process_key=key, from_version=source.version, to_version=target.version,
                       reason=reason.strip(), total=len(chosen), requested_by=actor.username,
                       status="QUEUED" if chosen else "DONE", finished_at=None if chosen else utcnow())
    db.session.add(run)
    db.session.flush()
    for instance in chosen:
        queue.enqueue("migration.instance", {"run_id": str(run.id), "instance_id": str(instance.id)},
                      instance_id=instance.id, key=f"migration:{run.id}:{instance.id}")
    record(key, actor, "migrate", source.version, target.version, run.reason,
           {"run_id": str(run.id), "instances": len(chosen)})
    return run


def run_of(run_id: Any) -> MigrationRun:
    try:
        found = db.session.get(MigrationRun, uuid.UUID(str(run_id)))
    except ValueError:
        found = None
    if found is None:
        raise NotFound("迁移任务不存在")
    return found


def _gave_up(row: Any, message: str) -> None:
    """The job failed on its last attempt (not a refusal: an engine or database error): reported."""
    _count(uuid.UUID(row.payload["run_id"]), {"instance_id": row.payload["instance_id"], "ok": False,
                                              "reason": f"迁移出错：{message}", "title": ""})


@queue.job("migration.instance", timeout=300, max_attempts=3, on_failed=_gave_up)
def migrate_job(payload: dict[str, Any]) -> None:
    """One instance of a run, in the job's own transaction. A refusal is reported on the run (the
    instance is left as it was); the run's counters move in the same transaction as the instance."""
    run = db.session.get(MigrationRun, uuid.UUID(payload["run_id"]))
    if run is None:
        return
    actor = db.session.scalar(select(User).where(User.username == run.requested_by))
    target = version_of(run.process_key, run.to_version)
    instance_id = uuid.UUID(payload["instance_id"])
    outcome: dict[str, Any] = {"instance_id": str(instance_id), "ok": True, "reason": None}
    try:
        with db.session.begin_nested():
            instance = migrate_instance(instance_id, target, actor, run.reason, from_version=run.from_version)
            outcome["title"] = instance.title
    except (Conflict, NotFound, Forbidden, Incident) as err:
        outcome.update(ok=False, reason=str(err), title=db.session.scalar(
            select(ProcessInstance.title).where(ProcessInstance.id == instance_id)) or "")
    _count(run.id, outcome)


def _count(run_id: uuid.UUID, outcome: dict[str, Any]) -> None:
    """The run's counters, under its row lock (taken after the instance's, as every job does)."""
    run = db.session.scalar(select(MigrationRun).where(MigrationRun.id == run_id).with_for_update()
                            .execution_options(populate_existing=True))
    run.done += 1 if outcome["ok"] else 0
    run.failed += 0 if outcome["ok"] else 1
    run.results = [*run.results, outcome]
    if run.done + run.failed >= run.total and run.status != "DONE":
        run.status, run.finished_at = "DONE", utcnow()
