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
    """The move was rolled back; keep a trace of why on its instance, in its own transaction."""
    from engine.moves.runtime import note_incident

    db.session.rollback()
    note_incident(err, instance_id)
    db.session.commit()
