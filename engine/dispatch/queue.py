"""Background work (../shared/DESIGN.md "Time and queue"). A job is an outbox row committed with
the state change that caused it; RQ on Redis carries only the row's id. After the commit the id is
pushed to RQ at once; the sweeper (engine.time.clock) pushes again whatever is due and not done, so a
lost Redis or a killed worker loses nothing. Running a job locks its row: a second delivery of the
same id waits or finds it done, so effects in the database happen once; effects outside it
(mail, webhooks) carry the row id as their idempotency key.

Handlers: `@job("kind")` on `fn(payload: dict) -> None`; they run inside the row's transaction
(whatever they write commits together with the row's DONE), in the app context of the worker.
"""
from __future__ import annotations

import logging
import os
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from engine.base import config
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, NotFound
from engine.base.models import Outbox

log = logging.getLogger(__name__)
_clients: dict[tuple[int, str], Redis] = {}

JobFn = Callable[[dict[str, Any]], None]
FailedFn = Callable[[Outbox, str], None]
QUEUES = ("default", "timers", "notify")
# "started" is no proof of life: a running job holds its row lock, and the sweeper only sees
# unlocked rows, so a "started" job it sees was abandoned by a killed worker.
ACTIVE_RQ_STATES = ("queued", "scheduled", "deferred")


@dataclass(frozen=True)
class JobSpec:
    kind: str
    fn: JobFn
    queue: str
    max_attempts: int
    timeout: int
    on_failed: FailedFn | None  # after the last attempt, in the transaction that marks it FAILED


JOBS: dict[str, JobSpec] = {}


def job(kind: str, *, queue: str = "default", max_attempts: int = 5, timeout: int = 180,
        on_failed: FailedFn | None = None) -> Callable[[JobFn], JobFn]:
    """Register `fn(payload)` as the handler of jobs of `kind`."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")

    def deco(fn: JobFn) -> JobFn:
        JOBS[kind] = JobSpec(kind, fn, queue, max_attempts, timeout, on_failed)
        return fn

    return deco


def enqueue(kind: str, payload: dict[str, Any], *, instance_id: uuid.UUID | None = None,
            key: str | None = None, at: datetime | None = None) -> uuid.UUID | None:
    """Add a job to the caller's transaction; the id, or None when a job with `key` exists
    already (a key makes "once per occasion" a unique index, not a hope)."""
    spec = JOBS.get(kind)
    now = utcnow()
    values = dict(id=uuid.uuid4(), kind=kind, queue=spec.queue if spec else "default", key=key,
                  payload=payload, instance_id=instance_id, status="PENDING", created_at=now,
                  available_at=at or now, attempts=0, max_attempts=spec.max_attempts if spec else 5)
    statement = insert(Outbox).values(**values)
    if key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["key"],
                                                     index_where=None)
    created = db.session.execute(statement.returning(Outbox.id)).scalar()
    if created is not None and (at is None or at <= now):
        push_after_commit([(created, values["queue"])])
    return created


def push_after_commit(rows: list[tuple[uuid.UUID, str]]) -> None:
    """(outbox id, queue) rows written in this transaction: pushed to RQ once it commits."""
    db.session.info.setdefault("outbox_new", []).extend(rows)


# -- dispatch -------------------------------------------------------------------------------

@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    fresh = session.info.pop("outbox_new", None)
    if fresh:
        dispatch(fresh)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("outbox_new", None)


def redis_connection() -> Any | None:
    """One client per process and URL; None when the engine runs without Redis (jobs then wait
    for `drain`)."""
    url = config.current().redis_url
    if not url:
        return None
    key = (os.getpid(), url)
    if key not in _clients:  # never share a socket across a fork
        for stale in [k for k in _clients if k[0] != os.getpid()]:
            del _clients[stale]
        _clients[key] = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return _clients[key]


def rq_queue(name: str, connection: Any) -> Any:
    return Queue(name, connection=connection, serializer=JSONSerializer)


def job_id(outbox_id: uuid.UUID | str) -> str:
    return f"ob-{outbox_id}"


def dispatch(rows: list[tuple[uuid.UUID, str]]) -> int:
    """Push outbox ids to RQ. A failure here is logged, never raised: the sweeper retries."""
    try:
        connection = redis_connection()
        if connection is None:
            return 0
        by_queue: dict[str, list[uuid.UUID]] = {}
        for outbox_id, queue in rows:
            by_queue.setdefault(queue, []).append(outbox_id)
        with connection.pipeline() as pipe:
            for name, ids in by_queue.items():
                q = rq_queue(name, connection)
                q.enqueue_many([Queue.prepare_data("engine.dispatch.queue.run", (str(i),), job_id=job_id(i),
                                                   timeout=_timeout(name), result_ttl=0, failure_ttl=86400)
                                for i in ids], pipeline=pipe)
            pipe.execute()
        return len(rows)
    except Exception as err:  # noqa: BLE001  (Redis down: the rows stay PENDING for the sweeper)
        log.warning("dispatch to RQ failed, the sweeper will retry: %s", err)
        return 0


def _timeout(queue: str) -> int:
    return max((s.timeout for s in JOBS.values() if s.queue == queue), default=180) + 30


# -- running ----------------------------------------------------------------------------------

_POOL_PID = os.getpid()


def run(outbox_id: str) -> str:
    """The RQ job function: run one outbox row. In a forked work horse the parent's database
    connections are dropped first (never shared across a fork)."""
    global _POOL_PID
    if os.getpid() != _POOL_PID:
        db.engine.dispose(close=False)
        _POOL_PID = os.getpid()
    return execute(uuid.UUID(outbox_id))


def execute(outbox_id: uuid.UUID) -> str:
    """Run one job exactly once in effect: lock its row (skip if someone else runs it), run the
    handler in a savepoint, mark DONE in the same transaction; on error count the attempt and
    schedule the retry with backoff, or mark it FAILED after the last one."""
    db.session.rollback()
    row = db.session.scalar(select(Outbox).where(Outbox.id == outbox_id).with_for_update(skip_locked=True))
    if row is None:
        db.session.rollback()
        return "busy"
    if row.status != "PENDING":
        db.session.rollback()
        return row.status.lower()
    spec = JOBS.get(row.kind)
    try:
        if spec is None:
            raise LookupError(f"未知的后台任务类型：{row.kind}")
        with db.session.begin_nested():
            spec.fn(dict(row.payload))
    except Exception as err:  # noqa: BLE001  (every failure is counted, retried, then an incident)
        return _failed(row, spec, err)
    row.status, row.done_at, row.attempts = "DONE", utcnow(), row.attempts + 1
    db.session.commit()
    return "done"


def _failed(row: Outbox, spec: JobSpec | None, err: Exception) -> str:
    text = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=6)}"[:4000]
    outbox_id, message = row.id, str(err)
    try:
        return count_failure(row, spec, text, message=message)
    except Exception:  # the job took the connection down with it: count it on a fresh one
        db.session.rollback()
    row = db.session.scalar(select(Outbox).where(Outbox.id == outbox_id).with_for_update(skip_locked=True))
    if row is None or row.status != "PENDING":  # another delivery has it now
        db.session.rollback()
        return "busy"
    try:
        return count_failure(row, spec, text, message=message)
    except Exception:  # the database itself is away: the row stays PENDING for the sweeper
        db.session.rollback()
        raise


def count_failure(row: Outbox, spec: JobSpec | None, error: str, *, message: str | None = None,
                  commit: bool = True) -> str:
    """One failed attempt (`error` with its traceback; `message` for people): backoff, or
    FAILED after the last one (then `on_failed`)."""
    row.attempts += 1
    row.last_error = error
    if row.attempts >= row.max_attempts:
        row.status = "FAILED"
        if spec and spec.on_failed:
            spec.on_failed(row, (message or error)[:500])
    else:
        row.available_at = utcnow() + backoff(row.attempts)
        row.dispatched_at = None
    if commit:
        db.session.commit()
    return "failed" if row.status == "FAILED" else "retry"


def backoff(attempts: int) -> timedelta:
    base, cap = config.current().job_retry_base_seconds, config.current().job_retry_max_seconds
    return timedelta(seconds=min(cap, base * 2 ** (attempts - 1)))


def drain(limit: int = 1000) -> int:
    """Run every due PENDING job here, in this process, until none is left (tests, CLI)."""
    ran = 0
    while ran < limit:
        ids = list(db.session.scalars(select(Outbox.id).where(
            Outbox.status == "PENDING", Outbox.available_at <= utcnow()).order_by(Outbox.created_at).limit(50)))
        db.session.rollback()
        if not ids:
            break
        progressed = False
        for outbox_id in ids:
            if execute(outbox_id) in ("done", "failed", "retry"):
                ran += 1
                progressed = True
        if not progressed:
            break
    return ran


# -- the administrator's view -------------------------------------------------------------------

def _locked(outbox_id: uuid.UUID) -> Outbox:
    row = db.session.scalar(select(Outbox).where(Outbox.id == outbox_id).with_for_update())
    if row is None:
        raise NotFound("后台任务不存在")
    return row


def retry(outbox_id: uuid.UUID) -> Outbox:
    """Give a FAILED job a fresh set of attempts, due now (dispatched after commit)."""
    row = _locked(outbox_id)
    if row.status not in ("FAILED", "DISCARDED"):
        raise Conflict("只有失败或已丢弃的任务可以重试")
    row.status, row.available_at, row.dispatched_at = "PENDING", utcnow(), None
    row.max_attempts = row.attempts + (JOBS[row.kind].max_attempts if row.kind in JOBS else 5)
    push_after_commit([(row.id, row.queue)])
    return row


def discard(outbox_id: uuid.UUID) -> Outbox:
    row = _locked(outbox_id)
    if row.status not in ("FAILED", "PENDING"):
        raise Conflict("该任务已丢弃" if row.status == "DISCARDED" else "已完成的任务不能丢弃")
    row.status = "DISCARDED"
    return row
