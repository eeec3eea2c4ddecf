"""The audit trail of an instance: one row per thing that happened, written in the move's
transaction (../shared/DESIGN.md §2)."""
from __future__ import annotations

from typing import Any

from engine.base.db import db
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask, ProcessInstance


def audit(instance: ProcessInstance, actor: User | None, action: str, *, row: HumanTask | None = None,
           title: str | None = None, decision: str | None = None, comment: str | None = None,
           detail: dict[str, Any] | None = None) -> None:
    db.session.add(AuditEvent(
        actor=actor.username if actor else "system", action=action, instance_id=instance.id,
        task_id=row.id if row else None, task_name=row.task_name if row else None,
        title=title or (row.title if row else None), lane=row.lane if row else None,
        decision=decision, comment=comment, detail=detail,
    ))
