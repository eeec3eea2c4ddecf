"""What people do around a task without moving it: 催办, 抄送, comments, 暂存, marking a task
opened, and the approval prediction shown on the instance page."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.models import AuditEvent, CarbonCopy, HumanTask, ProcessInstance
from engine.moves.runtime import lock_item
from engine.work import reminders
from engine.work.access import acting_as, can_act, can_see_task, can_view_instance, read_only
from engine.work.audit import audit
from engine.work.inbox import candidates, participants
from engine.work.opinions import add_opinion, carbon_copy, notify

URGE_INTERVAL = timedelta(minutes=10)
DRAFT_MAX_BYTES = 256 * 1024


class RateLimited(Conflict):
    """Too soon to do it again (催办)."""


def visible_instance(instance_id: uuid.UUID, user: User) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not can_view_instance(user, instance, participants(instance.id)):
        raise NotFound("流程实例不存在")
    return instance


def visible_task(task_id: uuid.UUID, user: User) -> HumanTask:
    """The work item if `user` may see it (may act on it, or sees its instance); NotFound otherwise."""
    row = db.session.get(HumanTask, task_id)
    instance = db.session.get(ProcessInstance, row.instance_id) if row is not None else None
    if instance is None or not (can_act(user, row) or can_see_task(user, row, instance, participants(instance.id))):
        raise NotFound("任务不存在")
    return row


def speaking_instance(instance_id: uuid.UUID, user: User, what: str) -> ProcessInstance:
    """The instance `user` may speak in (评论, 催办, 抄送: `what`): one they see, and they are no
    read-only observer (access.READ_ONLY_ROLES) — those read, they do not speak."""
    instance = visible_instance(instance_id, user)
    if read_only(user):
        raise Forbidden(f"观察员只能查看，不能{what}")
    return instance


def urge(instance_id: uuid.UUID, actor: User, message: str = "") -> list[str]:
    """催办 the actors of every ready task of the instance (the people its reminders go to) and,
    from the second 催办 of a work item on, the head above them (views.md §7.3, the domain's
    escalation targets); once per person per instance every 10 minutes."""
    instance = speaking_instance(instance_id, actor, "催办")
    if instance.status == "SUSPENDED":
        raise Conflict("流程已被管理员暂停，暂不能催办")
    # The instance row lock serialises concurrent 催办: the second waits for the first to commit,
    # then reads its audit row and is refused (the check below reads committed rows only).
    db.session.execute(select(ProcessInstance.id).where(ProcessInstance.id == instance.id).with_for_update())
    rows = list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                           HumanTask.status == "READY")))
    if not rows:
        raise Conflict("没有等待办理的任务")
    urged = db.session.execute(select(AuditEvent.at, AuditEvent.actor).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "urge")).all()
    recent = max((u.at for u in urged if u.actor == actor.username), default=None)
    if recent is not None and utcnow() - recent < URGE_INTERVAL:
        wait = URGE_INTERVAL - (utcnow() - recent)
        raise RateLimited(f"催办过于频繁，请 {max(1, int(wait.total_seconds() // 60) + 1)} 分钟后再试")
    text = (message or "").strip() or "请尽快办理"
    people: list[str] = []
    for row in rows:
        own = reminders.actors(row)
        earlier = sum(1 for u in urged if u.at >= row.created_at)  # 催办 of this work item before this one
        heads = reminders.escalation_recipients(row, "HEAD", own) if earlier else []
        to = [p for p in dict.fromkeys(own + heads) if p != actor.username]
        nth = f"（第{earlier + 1}次）" if earlier else ""
        notify(to, "urge", f"催办{nth}：{row.title}（{instance.title}）", body=text, instance=instance, row=row,
               by=actor.username)
        people.extend(to)
    people = list(dict.fromkeys(people))
    add_opinion(instance, actor, "urge", text=text)
    audit(instance, actor, "urge", comment=text, detail={"to": people})
    return people


def copy_to(instance_id: uuid.UUID, actor: User, to: list[str], note: str = "") -> list[str]:
    instance = speaking_instance(instance_id, actor, "抄送")
    names = [n.strip() for n in to if n and n.strip()]
    if not names:
        raise ValidationFailed({"to": ["请选择抄送人"]})
    added = carbon_copy(instance, names, actor.username, note=note)
    unknown = set(names) - set(added) - _already_copied(instance, names)
    if unknown:
        raise ValidationFailed({"to": [f"用户不存在或已停用：{'、'.join(sorted(unknown))}"]})
    add_opinion(instance, actor, "cc", text=note)
    audit(instance, actor, "cc", comment=note, detail={"to": added})
    return added


def _already_copied(instance: ProcessInstance, names: list[str]) -> set[str]:
    return set(db.session.scalars(select(CarbonCopy.to_user).where(
        CarbonCopy.instance_id == instance.id, CarbonCopy.to_user.in_(names), CarbonCopy.task_name == "")))


def comment(instance_id: uuid.UUID, actor: User, text: str, attachments: list[str] | None = None) -> None:
    instance = speaking_instance(instance_id, actor, "发表评论")
    if not (text or "").strip():
        raise ValidationFailed({"text": ["请填写评论内容"]})
    if len(text) > 2000:
        raise ValidationFailed({"text": ["评论不超过 2000 字"]})
    add_opinion(instance, actor, "comment", text=text.strip(), attachments=attachments)
    audit(instance, actor, "comment", comment=text.strip())


def save_draft(item_id: uuid.UUID, actor: User, data: dict[str, Any]) -> HumanTask:
    """暂存: keep what was typed without validating or completing; reopening shows it."""
    _instance, row = lock_item(item_id, actor)
    if row.status != "READY":
        raise Conflict("任务已被处理，请刷新")
    if acting_as(actor, row) is None:
        raise Forbidden("您不是该任务的办理人")
    if not isinstance(data, dict):
        raise ValidationFailed({"data": ["须为对象"]})
    draft = plain(data)
    if len(json.dumps(draft)) > DRAFT_MAX_BYTES:
        raise ValidationFailed({"data": ["暂存内容过大（上限 256 KB）"]})
    row.draft, row.draft_at, row.draft_by = draft, utcnow(), actor.username
    return row


def mark_opened(row: HumanTask, user: User) -> bool:
    """The first look by someone who may act; after it the previous actor can no longer 拿回."""
    if row.opened_at is None and row.status == "READY" and acting_as(user, row) is not None:
        row.opened_at = utcnow()
        return True
    return False


def predict(instance: ProcessInstance, workflow: Any) -> list[dict[str, Any]]:
    """The coming user steps the engine already foresees (definite, then likely), with who may act."""
    seen, steps = set(), []
    tasks = [t for wf in (workflow, *workflow.subprocesses.values()) for t in wf.tasks.values()]
    for task in sorted(tasks, key=lambda t: t.depth):
        if not task.task_spec.manual or task.state not in (TaskState.FUTURE, TaskState.LIKELY):
            continue
        spec = task.task_spec
        if spec.bpmn_id in seen or spec.bpmn_id is None:
            continue
        seen.add(spec.bpmn_id)
        probe = HumanTask(lane=spec.lane, assignee=None, scope_unit=instance.scope_unit,
                          scope_dept=instance.scope_dept, scope_division=instance.scope_division)
        steps.append({"step": spec.bpmn_id, "title": spec.bpmn_name or spec.bpmn_id, "lane": spec.lane,
                      "certain": task.state == TaskState.FUTURE,
                      "candidates": [u.username for u in candidates(probe, limit=10)]})
    return steps
