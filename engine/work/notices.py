"""Opening a notification (issue 10 point 12): it is marked read and says where to land — the
task while it is still open and the reader may see it, else the instance page when they may see
the instance (the task has moved on: an old 催办 lands on what became of the request), else the
notification list. Never an error page for a notice that was once right."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from engine.base.db import db, utcnow
from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import HumanTask, Notification, ProcessInstance
from engine.work.access import can_see_task, can_view_instance
from engine.work.inbox import participants

OPEN = ("READY", "WAITING")


@dataclass(frozen=True)
class Landing:
    kind: str  # "task", "instance" or "list"
    id: uuid.UUID | None


def open_notice(note_id: uuid.UUID, user: User) -> Landing:
    """Mark `user`'s notification read (in the caller's transaction) and find where it leads;
    NotFound for a notification that is not theirs."""
    note = db.session.get(Notification, note_id)
    if note is None or note.username != user.username:
        raise NotFound("通知不存在")
    note.read_at = note.read_at or utcnow()
    instance = db.session.get(ProcessInstance, note.instance_id) if note.instance_id else None
    if instance is None:
        return Landing("list", None)
    people = participants(instance.id)
    row = db.session.get(HumanTask, note.task_id) if note.task_id else None
    if row is not None and row.status in OPEN and can_see_task(user, row, instance, people):
        return Landing("task", row.id)
    if can_view_instance(user, instance, people):
        return Landing("instance", instance.id)
    return Landing("list", None)
