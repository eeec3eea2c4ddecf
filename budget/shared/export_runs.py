"""What every queued Excel export shares (X-03, the ledgers, X-05): a run is its requester's alone."""
from __future__ import annotations

import uuid

from budget.models import ExportRun
from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.identity import User

NOT_FOUND = "导出任务不存在"


def mine(run_id: str, user: User) -> ExportRun:
    """The run if `user` asked for it; NotFound otherwise (another's export is not even named)."""
    try:
        found = db.session.get(ExportRun, uuid.UUID(run_id))
    except ValueError:
        found = None
    if found is None or found.created_by != user.username:
        raise NotFound(NOT_FOUND)
    return found
