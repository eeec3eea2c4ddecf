"""An administrator's interventions on a request (issue 10 point 14): 暂停/恢复, 终止, 改派,
重试异常, 删除草稿. Each is a move: it locks the instance row first (as every move does, so a
concurrent completion and a 终止 serialise: one wins, the other meets the outcome), writes an
audit row (the instance's timeline) and tells the people concerned, in the caller's transaction.

Who: process administrators (SYS_ADMIN, PROCESS_ADMIN), as for the tasks nobody else can take.
An id the caller may not see is NotFound before anything else; seen but not an administrator
is Forbidden."""
from __future__ import annotations

import uuid
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import Conflict, Forbidden, Incident, NotFound, ValidationFailed
from engine.base.hooks import REGISTRY, OperationDone
from engine.base.identity import User
from engine.base.models import HumanTask, MessageSubscription, Outbox, ProcessInstance, Timer
from engine.dispatch import queue
from engine.moves import mailbox
from engine.moves.runtime import advance, bind_services
from engine.moves.sidetables import OPEN, persist
from engine.moves.state import load
from engine.work import announce
from engine.work.access import PROCESS_ADMIN_ROLES, can_view_instance
from engine.work.audit import audit
from engine.work.inbox import participants

# Instance statuses an intervention leaves: RUNNING ⇄ SUSPENDED → TERMINATED; an untouched draft → DELETED.
LIVE = ("RUNNING", "SUSPENDED")
RETRYABLE_JOBS = ("timer.fire", "service.run", "message.deliver")  # a failed step of the instance itself


def may_intervene(user: User) -> bool:
    return any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles)


def _locked(instance_id: uuid.UUID, actor: User) -> ProcessInstance:
    """The instance, row-locked and re-read; NotFound when `actor` may not see it, Forbidden when
    they see it but are no administrator."""
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if instance is None or not can_view_instance(actor, instance, participants(instance.id)):
        raise NotFound("流程实例不存在")
    if not may_intervene(actor):
        raise Forbidden("只有流程管理员可以干预运行中的流程")
    return instance


def _open_rows(instance: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status.in_(OPEN))))


def _counted(instance: ProcessInstance) -> None:
    """A move: the counter every move raises (a reader's cached reply goes stale with it)."""
    instance.moves, instance.updated_at = (instance.moves or 0) + 1, utcnow()


def suspend(instance_id: uuid.UUID, actor: User, reason: str = "") -> ProcessInstance:
    """暂停: no move is accepted (runtime.lock_item refuses), timers are not claimed and a timer,
    background service or message that reaches it meanwhile waits for 恢复."""
    instance = _locked(instance_id, actor)
    if instance.status != "RUNNING":
        raise Conflict("流程已暂停" if instance.status == "SUSPENDED" else "流程已结束")
    instance.status = "SUSPENDED"
    _counted(instance)
    audit(instance, actor, "suspend", title="流程已暂停", comment=reason or None)
    announce.intervened(instance, "suspend", "暂停", reason, actor, _open_rows(instance))
    return instance


def resume(instance_id: uuid.UUID, actor: User, reason: str = "") -> ProcessInstance:
    """恢复: moves are accepted again; what came due meanwhile is owed now — timers that fell due
    are claimed by the next scheduler tick, a timer claimed in the race with 暂停 and the
    background services left waiting get a job again, kept messages are matched again."""
    instance = _locked(instance_id, actor)
    if instance.status != "SUSPENDED":
        raise Conflict("流程未暂停" if instance.status == "RUNNING" else "流程已结束")
    instance.status = "RUNNING"
    _counted(instance)
    for timer in db.session.scalars(select(Timer).where(Timer.instance_id == instance.id, Timer.status == "DUE")):
        queue.enqueue("timer.fire", {"timer_id": str(timer.id)}, instance_id=instance.id,
                      key=f"timer:{timer.id}:resume:{instance.moves}")
    workflow, _scripts, _loaded = load(instance)
    for task in workflow.get_tasks(state=TaskState.STARTED):
        if getattr(task.task_spec, "operation_name", None):  # a background service task
            queue.enqueue("service.run", {"instance_id": str(instance.id), "task_id": str(task.id)},
                          instance_id=instance.id, key=f"service:{task.id}:resume:{instance.moves}")
    for sub in db.session.scalars(select(MessageSubscription).where(
            MessageSubscription.instance_id == instance.id, MessageSubscription.status == "WAITING")):
        mailbox.match_waiting(sub)
    audit(instance, actor, "resume", title="流程已恢复", comment=reason or None)
    announce.intervened(instance, "resume", "恢复", reason, actor, _open_rows(instance))
    return instance


def terminate(instance_id: uuid.UUID, actor: User, reason: str) -> ProcessInstance:
    """终止 with a reason: the instance ends TERMINATED, its work items, timers and message waits
    are closed, so nothing of it fires afterwards."""
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["请填写终止原因"]})
    instance = _locked(instance_id, actor)
    if instance.status not in LIVE:
        raise Conflict("流程已结束")
    open_rows = _open_rows(instance)
    _close(instance, "TERMINATED")
    audit(instance, actor, "terminate", title="流程已终止", comment=reason)
    announce.intervened(instance, "terminate", "终止", reason, actor, open_rows)
    _tell(OperationDone(instance, "terminate", None, actor, reason, None))
    return instance


def delete_draft(instance_id: uuid.UUID, actor: User, reason: str = "") -> ProcessInstance:
    """删除草稿: a request nobody has submitted — no step was ever completed and its only open work
    item is the initiator's first step — is closed as DELETED. The row and its timeline stay (the
    audit trail of a finance system loses nothing); the lists show it as 已删除."""
    instance = _locked(instance_id, actor)
    if instance.status not in LIVE:
        raise Conflict("流程已结束")
    done = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.status == "COMPLETED").limit(1))
    open_rows = _open_rows(instance)
    if done is not None or instance.started_by is None or len(open_rows) != 1:
        raise Conflict("只能删除尚未提交的草稿申请（已有环节办理过）")
    open_rows[0].status = "CANCELLED"
    _close(instance, "DELETED")
    audit(instance, actor, "delete_draft", title="草稿申请已删除", comment=reason or None,
          detail={"business_key": instance.business_key, "started_by": instance.started_by})
    announce.intervened(instance, "delete", "删除", reason, actor, [])
    _tell(OperationDone(instance, "delete", None, actor, reason, None))
    return instance


def reassign(item_id: uuid.UUID, actor: User, to: str, reason: str = "") -> HumanTask:
    """改派: an open work item goes to the person the administrator chose (any active user who is
    not excluded from the step and holds no other open item of it); they decide it themselves."""
    row = db.session.get(HumanTask, item_id)
    if row is None:
        raise NotFound("任务不存在")
    instance = _locked(row.instance_id, actor)
    db.session.refresh(row)  # as it stands under the lock
    if instance.status not in LIVE or row.status not in OPEN:
        raise Conflict("任务已被处理，请刷新")
    person = db.session.scalar(select(User).where(User.username == (to or "").strip(), User.active.is_(True)))
    if person is None:
        raise ValidationFailed({"to": [f"用户 “{to}” 不存在或已停用"]})
    if row.excluded and person.username in row.excluded:
        raise ValidationFailed({"to": [f"{person.name or person.username} 已办理前序环节，按职责分离不能办理本环节"]})
    if person.username == row.assignee:
        raise ValidationFailed({"to": ["该任务已由此人办理"]})
    if row.sign_seq is not None and db.session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance.id, HumanTask.spiff_task_id == row.spiff_task_id,
            HumanTask.id != row.id, HumanTask.status.in_(("READY", "WAITING", "COMPLETED")),
            (HumanTask.assignee == person.username) | (HumanTask.completed_by == person.username)).limit(1)):
        raise ValidationFailed({"to": ["此人已在本环节签署或待签，同一人不能在一个环节签署两次"]})
    before = row.assignee
    row.assignee, row.assigned_via, row.owner, row.delegation = person.username, "REASSIGN", None, None
    row.claimed_at, row.opened_at = None, None
    _counted(instance)
    audit(instance, actor, "reassign", row=row, comment=reason or None,
          detail={"from": before, "to": person.username})
    announce.reassigned(instance, row, before, reason, actor)
    return row


def retry_incident(instance_id: uuid.UUID, actor: User, reason: str = "") -> ProcessInstance:
    """重试异常: run the failed step again, here and now, under the instance lock. A step the queue
    gave up on (a timer, a background service, a message delivery: its FAILED job) is run once
    more; it clears the incident when it goes through, and its job counts as done. A failed move
    of a person (办理出错) was rolled back whole: the engine is run on from where it waits, which
    clears the incident when nothing fails; the person's submission runs again when they submit.
    A retry that fails changes nothing (the caller rolls back) and says why."""
    instance = _locked(instance_id, actor)
    if instance.status != "RUNNING":
        raise Conflict("流程已暂停，请先恢复" if instance.status == "SUSPENDED" else "流程已结束")
    if not instance.incident:
        raise Conflict("该流程没有待处理的异常")
    incident = instance.incident
    failed = list(db.session.scalars(select(Outbox).where(
        Outbox.instance_id == instance.id, Outbox.status == "FAILED", Outbox.kind.in_(RETRYABLE_JOBS))
        .order_by(Outbox.created_at).with_for_update()))
    for job in failed:
        _run_again(job)
    if not failed:
        workflow, scripts, _loaded = load(instance)
        since = datetime.now().timestamp()
        bind_services(scripts, instance, actor)
        advance(instance, workflow, actor)
        persist(instance, workflow, actor, since)
        instance.incident = None
    if instance.incident is not None and instance.incident == incident:
        instance.incident = None  # the step went through; an incident it left by another name stays
    audit(instance, actor, "incident_retry", title="重试异常", comment=reason or None,
          detail={"incident": incident[:500], "jobs": [job.kind for job in failed]})
    return instance


def _run_again(job: Outbox) -> None:
    spec = queue.JOBS.get(job.kind)
    if spec is None:
        raise Conflict(f"未知的后台任务类型：{job.kind}")
    try:
        with db.session.begin_nested():
            spec.fn(dict(job.payload))
    except Exception as err:  # noqa: BLE001  (told to the administrator; nothing of it is kept)
        raise Conflict(f"重试未成功：{err}") from err
    job.status, job.done_at, job.attempts = "DONE", utcnow(), job.attempts + 1


def _close(instance: ProcessInstance, status: str) -> None:
    instance.status, instance.ended_at, instance.current_steps = status, utcnow(), []
    _counted(instance)
    for model in (HumanTask, Timer, MessageSubscription):
        for row in db.session.scalars(select(model).where(model.instance_id == instance.id,
                                                          model.status.in_(("READY", "WAITING", "DUE")))):
            row.status = "CANCELLED"


def _tell(event: OperationDone) -> None:
    """The domain's operation listeners (what 终止 / 删除 mean to its records), in this transaction;
    a listener's failure rolls the intervention back as an Incident, as for 退回."""
    for listener in REGISTRY.operation_listeners:
        try:
            listener(event)
        except Exception as err:  # noqa: BLE001
            raise Incident(f"业务记录写入失败：{err}", event.instance.id) from err
