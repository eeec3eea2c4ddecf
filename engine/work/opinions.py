"""审批意见, 抄送 and in-app notifications: the records every approval operation leaves."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert as sql_insert
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from engine.base import db as base_db
from engine.base.db import db
from engine.base.errors import Incident
from engine.base.identity import User
from engine.base.models import CarbonCopy, HumanTask, Notification, Opinion, ProcessInstance
from engine.definitions.steprules import StepRules, as_usernames
from engine.dispatch import channels

ACTIONS = ("submit", "approve", "reject", "return", "transfer", "delegate", "resolve", "add_signer",
           "remove_signer", "withdraw", "reclaim", "urge", "comment", "cc", "claim", "release")
_REJECTS = {"REJECT", "NOT_SUPPORT", "FAIL", "NOT_ADMIT"}


def opinion_action(decision: str | None) -> str:
    if decision is None:
        return "submit"
    if decision == "RETURN":
        return "return"
    return "reject" if decision in _REJECTS else "approve"


# Opinions are only ever read back by queries: one plain INSERT, built once, written at once without
# the unit of work's bookkeeping or RETURNING an id nobody needs. It refers to no pending row (its
# instance is in the database before any move), so it does not flush the move's other changes early.
_INSERT = sql_insert(Opinion).execution_options(dml_strategy="raw", autoflush=False)


def add_opinion(instance: ProcessInstance, actor: User, action: str, *, row: HumanTask | None = None,
                text: str = "", attachments: Any = None) -> None:
    base_db.write(_INSERT, {
        "instance_id": instance.id, "task_id": row.id if row else None,
        "task_name": row.task_name if row else None, "step_title": row.title if row else None,
        "action": action, "actor": actor.username, "actor_name": actor.name or actor.username,
        "text": text or "", "attachments": [str(a) for a in attachments or []]})


def notify(usernames: list[str], kind: str, title: str, *, body: str = "", instance: ProcessInstance | None = None,
           row: HumanTask | None = None, by: str | None = None) -> None:
    """In-app notifications for `usernames`, plus the e-mail / robot deliveries each person chose
    (engine.dispatch.channels; one query for all of them, none when there is nobody to notify)."""
    notes = [Notification(id=uuid.uuid4(), username=name, kind=kind, title=title[:200], body=body,
                          instance_id=instance.id if instance else None, task_id=row.id if row else None,
                          created_by=by)
             for name in dict.fromkeys(usernames)]
    if not notes:
        return
    db.session.add_all(notes)
    channels.plan(notes)


def carbon_copy(instance: ProcessInstance, to: list[str], by: str, *, task_name: str = "", step_title: str = "",
                note: str = "") -> list[str]:
    """Copy `instance` to people once per step (a repeated copy is a no-op); the new recipients."""
    known = set(db.session.scalars(select(User.username).where(User.username.in_(to), User.active.is_(True))))
    added = []
    for name in dict.fromkeys(n for n in to if n in known):
        result = db.session.execute(insert(CarbonCopy).values(
            instance_id=instance.id, task_name=task_name, step_title=step_title, to_user=name, from_user=by,
            note=note).on_conflict_do_nothing(constraint="uq_cc_once_per_step").returning(CarbonCopy.id))
        if result.scalar() is not None:
            added.append(name)
    notify(added, "cc", f"抄送：{instance.title}", body=note, instance=instance, by=by)
    return added


def copy_step(instance: ProcessInstance, workflow: Any, task: Any, rules: StepRules) -> None:
    """A model step's 抄送 (property ccTo): evaluated on the task's data when it completes."""
    if not rules.cc_to:
        return
    try:
        names = as_usernames(workflow.script_engine.evaluate(task, rules.cc_to))
    except Exception as err:  # noqa: BLE001
        raise Incident(f"任务 {task.task_spec.bpmn_id} 的抄送（ccTo）表达式出错：{err}") from err
    spec = task.task_spec
    carbon_copy(instance, names, "system", task_name=spec.bpmn_id, step_title=spec.bpmn_name or spec.bpmn_id)
