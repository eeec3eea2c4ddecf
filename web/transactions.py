"""The web layer owns transactions: one commit per request that changes state."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from engine.base.db import db

T = TypeVar("T")


def atomic(fn: Callable[[], T]) -> T:
    try:
        result = fn()
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def record_incident(err: Exception, instance_id: Any = None) -> None:
    """The move was rolled back; keep a trace of why, in its own transaction."""
    from engine.base.models import AuditEvent

    db.session.rollback()
    cause = err.__cause__
    db.session.add(AuditEvent(actor="system", action="incident", instance_id=instance_id,
                              comment=str(err)[:2000], detail={"cause": repr(cause)[:2000]} if cause else None))
    db.session.commit()
