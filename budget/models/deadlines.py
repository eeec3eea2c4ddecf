"""The history of rectification deadlines, so a ledger read as of a past day shows the due date
that was valid then (a 约谈 sets a new report due, a follow-up a new issue deadline). Recorded by
an ORM flush listener whoever changes the date, so no writer has to remember it: each change keeps
the old and the new date and when it was made."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from budget.models._base import RecordMixin
from budget.models.rectification import IssueItem, RectificationCase
from engine.base.db import db, utcnow

WATCHED = {RectificationCase: ("plan_due", "report_due"), IssueItem: ("deadline",)}


class DeadlineChange(RecordMixin, db.Model):
    """One change of a watched due date: `old_due` was valid until `changed_at`, `new_due` after."""

    __tablename__ = "deadline_change"
    __table_args__ = (Index("ix_deadline_change_object", "object_id", "field", "changed_at"),)

    object_type: Mapped[str] = mapped_column(String(30))  # table name
    object_id: Mapped[uuid.UUID]
    field: Mapped[str] = mapped_column(String(30))
    old_due: Mapped[date | None]
    new_due: Mapped[date | None]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@event.listens_for(Session, "before_flush")
def _record_deadline_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty):
        fields = WATCHED.get(type(obj))
        if not fields:
            continue
        state = inspect(obj)
        for name in fields:
            history = state.attrs[name].history
            if not history.has_changes() or not history.deleted:
                continue  # first set (a new object or None → date is not a change of a due date)
            old, new = history.deleted[0], (history.added[0] if history.added else None)
            if old is None or old == new:
                continue
            session.add(DeadlineChange(object_type=type(obj).__tablename__, object_id=obj.id, field=name,
                                       old_due=old, new_due=new, changed_at=utcnow(),
                                       created_by=getattr(obj, "updated_by", None)))
