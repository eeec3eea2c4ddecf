"""催办 from the overdue list: one row (the instance's existing urge operation, engine.moves.
interactions.urge — its rules, 10-minute limit and head escalation from the 2nd 催办 apply) or
many. Each instance is its own savepoint, so one refusal does not undo the others; the caller
commits. More than QUEUE_ABOVE rows are not done in the request: an ExportRun of kind URGE records
them and the `ledgers.bulk_urge` job works through them, committing its progress on a connection of
its own (the job's transaction holds its outbox row) and the outcome at the end."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from budget.models import ExportRun
from engine.base.db import db, utcnow
from engine.base.errors import EngineError
from engine.base.identity import User
from engine.dispatch import queue
from engine.moves import interactions

QUEUE_ABOVE = 50  # rows: each 催办 notifies (and may send SMS); 50 take about a second or two


def urge_one(instance_id: uuid.UUID, actor: User, message: str = "") -> dict[str, Any]:
    """One 催办 in a savepoint: {"instance_id", "to": [...]} or {"instance_id", "error"}."""
    try:
        with db.session.begin_nested():
            people = interactions.urge(instance_id, actor, message)
        return {"instance_id": str(instance_id), "to": people}
    except EngineError as err:
        return {"instance_id": str(instance_id), "error": str(err)}


def urge_many(instance_ids: list[uuid.UUID], actor: User, message: str = "") -> list[dict[str, Any]]:
    return [urge_one(i, actor, message) for i in dict.fromkeys(instance_ids)]


def start(instance_ids: list[uuid.UUID], actor: User, message: str = "") -> ExportRun:
    ids = [str(i) for i in dict.fromkeys(instance_ids)]
    run = ExportRun(id=uuid.uuid4(), kind="URGE", status="QUEUED", total=len(ids),
                    filters={"instances": ids, "message": message}, created_by=actor.username, outcome={"results": []})
    db.session.add(run)
    queue.enqueue("ledgers.bulk_urge", {"run_id": str(run.id)}, key=f"urge:{run.id}")
    return run


@queue.job("ledgers.bulk_urge", timeout=1800, max_attempts=1)
def bulk_urge(payload: dict[str, Any]) -> None:
    run = db.session.get(ExportRun, uuid.UUID(payload["run_id"]))
    if run is None or run.status == "DONE":
        return
    actor = db.session.scalar(select(User).where(User.username == run.created_by))
    ids, message = list(run.filters["instances"]), run.filters.get("message") or ""
    progress(run.id, 0, "WRITING")
    results: list[dict[str, Any]] = []
    for n, ident in enumerate(ids, start=1):
        results.append(urge_one(uuid.UUID(ident), actor, message))
        if n % 10 == 0:
            progress(run.id, n)
    db.session.execute(update(ExportRun).where(ExportRun.id == run.id).values(
        status="DONE", done=len(ids), outcome={"results": results}, finished_at=utcnow(), updated_at=utcnow()))


def progress(run_id: uuid.UUID, done: int, status: str | None = None) -> None:
    """Committed on a connection of its own: the page reads it while the job's transaction is open."""
    values: dict[str, Any] = {"done": done, "updated_at": utcnow(), **({"status": status} if status else {})}
    with db.engine.begin() as conn:
        conn.execute(update(ExportRun).where(ExportRun.id == run_id).values(**values))
