"""What administrators see of background work (docs/design.md, "Queue view for administrators").

Two sides: RQ on Redis (queued, running, failed, scheduled per queue) when Redis answers, and the
database — outbox rows, timers, kept messages — always, since the database is the truth of what
is owed. Everything here reads, except `retry_job` / `discard_job`: `queue.retry` / `queue.discard`
behind the permission check, with an audit row saying who did it.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from rq.worker_registration import REDIS_WORKER_KEYS, WORKERS_BY_QUEUE_KEY
from sqlalchemy import and_, func, or_, select

from engine.base import config
from engine.base.db import db, utcnow
from engine.base.errors import Forbidden
from engine.base.identity import User
from engine.base.models import AuditEvent, Message, Outbox, ProcessInstance, Timer
from engine.dispatch import queue
from engine.work.access import PROCESS_ADMIN_ROLES, is_admin

LIMIT = 100  # rows per list; the totals say how many there are
PAYLOAD_SUMMARY = 120  # characters of a payload shown in a list


# -- who ------------------------------------------------------------------------------------------

def may_view(user: User) -> bool:
    """System administrators and process administrators (PROCESS_ADMIN_ROLES) read the view."""
    return any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles)


def may_manage(user: User) -> bool:
    """Only system administrators retry or discard jobs."""
    return is_admin(user)


# -- RQ --------------------------------------------------------------------------------------------

def redis_side() -> dict[str, Any]:
    """Per RQ queue: queued, running (StartedJobRegistry), failed, scheduled, deferred, workers.
    One pipelined round trip; any Redis error makes it `available: False`, never an exception."""
    side: dict[str, Any] = {"configured": True, "available": False, "error": None, "workers": None, "queues": []}
    try:
        connection = queue.redis_connection()
        if connection is None:
            side["configured"] = False
            return side
        rq_queues = [queue.rq_queue(name, connection) for name in queue.QUEUES]
        with connection.pipeline(transaction=False) as pipe:
            for q in rq_queues:
                pipe.llen(q.key)
                for registry in (q.started_job_registry, q.failed_job_registry, q.scheduled_job_registry,
                                 q.deferred_job_registry):
                    pipe.zcard(registry.key)  # no cleanup: reading must not move jobs
                pipe.scard(WORKERS_BY_QUEUE_KEY % q.name)
            pipe.scard(REDIS_WORKER_KEYS)
            values = pipe.execute()
    except Exception as err:  # noqa: BLE001  (Redis down or misconfigured: the database side still shows)
        side["error"] = f"{type(err).__name__}: {err}"[:300]
        return side
    fields = ("queued", "running", "failed", "scheduled", "deferred", "workers")
    for i, q in enumerate(rq_queues):
        counts = values[i * len(fields):(i + 1) * len(fields)]
        side["queues"].append({"name": q.name, **{f: int(v or 0) for f, v in zip(fields, counts, strict=True)}})
    side["available"], side["workers"] = True, int(values[-1] or 0)
    return side


# -- the outbox ------------------------------------------------------------------------------------

def stuck_after() -> int:
    """Seconds a due PENDING job may wait before the view calls the sweeper or workers stuck."""
    return config.current().queue_stuck_seconds


def outbox_counts(now: datetime) -> dict[str, Any]:
    """Counts per (queue, kind): PENDING due now, PENDING delayed, FAILED, DONE in the last 24 h;
    and how long the oldest due PENDING job has been waiting."""
    pending, day_ago = Outbox.status == "PENDING", now - timedelta(hours=24)
    columns = {
        "pending_due": func.count().filter(pending, Outbox.available_at <= now),
        "pending_delayed": func.count().filter(pending, Outbox.available_at > now),
        "failed": func.count().filter(Outbox.status == "FAILED"),
        "done_24h": func.count().filter(Outbox.status == "DONE", Outbox.done_at >= day_ago),
    }
    rows = db.session.execute(
        select(Outbox.queue, Outbox.kind, *(c.label(n) for n, c in columns.items()))
        .where(or_(Outbox.status.in_(("PENDING", "FAILED")), and_(Outbox.status == "DONE", Outbox.done_at >= day_ago)))
        .group_by(Outbox.queue, Outbox.kind).order_by(Outbox.queue, Outbox.kind)).all()
    by_kind = [{"queue": r.queue, "kind": r.kind, **{n: getattr(r, n) for n in columns}} for r in rows]
    totals = {n: sum(k[n] for k in by_kind) for n in columns}
    oldest = db.session.scalar(select(func.min(Outbox.available_at)).where(pending, Outbox.available_at <= now))
    waited = max(0, int((now - oldest).total_seconds())) if oldest else None
    return {"by_kind": by_kind, "totals": totals, "oldest_due_at": oldest, "oldest_due_seconds": waited,
            "stuck_after_seconds": stuck_after(), "stuck": waited is not None and waited > stuck_after()}


def first_line(text: str | None) -> str:
    return (text or "").strip().split("\n", 1)[0][:300]


def summary(payload: Any) -> str:
    if payload is None:
        return ""
    text = json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":"))
    return text if len(text) <= PAYLOAD_SUMMARY else text[:PAYLOAD_SUMMARY - 1] + "…"


def job_json(row: Outbox, title: str | None = None, business_key: str | None = None) -> dict[str, Any]:
    return {
        "id": str(row.id), "kind": row.kind, "queue": row.queue, "status": row.status,
        "instance_id": str(row.instance_id) if row.instance_id else None, "instance_title": title,
        "business_key": business_key, "attempts": row.attempts, "max_attempts": row.max_attempts,
        "error": first_line(row.last_error), "last_error": row.last_error, "payload": row.payload,
        "payload_summary": summary(row.payload), "created_at": row.created_at,
        "available_at": row.available_at, "done_at": row.done_at,
    }


def _jobs(condition: Any, order: Any, limit: int) -> dict[str, Any]:
    total = db.session.scalar(select(func.count()).select_from(Outbox).where(condition))
    rows = db.session.execute(
        select(Outbox, ProcessInstance.title, ProcessInstance.business_key)
        .outerjoin(ProcessInstance, ProcessInstance.id == Outbox.instance_id)
        .where(condition).order_by(order, Outbox.id).limit(limit)).all()
    return {"total": total, "items": [job_json(r[0], r[1], r[2]) for r in rows]}


def failed_jobs(limit: int = LIMIT) -> dict[str, Any]:
    """FAILED rows, the latest attempt first (`available_at` is when the last attempt was due)."""
    return _jobs(Outbox.status == "FAILED", Outbox.available_at.desc(), limit)


def retrying_jobs(limit: int = LIMIT) -> dict[str, Any]:
    """PENDING rows that failed at least once: `available_at` is the next attempt."""
    return _jobs(and_(Outbox.status == "PENDING", Outbox.attempts > 0), Outbox.available_at, limit)


# -- timers and messages ---------------------------------------------------------------------------

def timers(now: datetime, limit: int = LIMIT) -> dict[str, Any]:
    """WAITING and DUE timers by due time; `overdue` counts WAITING ones whose time has passed
    (the scheduler turns those into DUE within a tick: many of them mean it is not running)."""
    open_ = Timer.status.in_(("WAITING", "DUE"))
    waiting = Timer.status == "WAITING"
    counts = db.session.execute(select(
        func.count().filter(waiting).label("waiting"), func.count().filter(Timer.status == "DUE").label("due"),
        func.count().filter(waiting, Timer.due_at <= now).label("overdue"),
        func.min(Timer.due_at).filter(waiting, Timer.due_at <= now).label("oldest_overdue"),
    ).where(open_)).one()
    rows = db.session.execute(
        select(Timer, ProcessInstance.title, ProcessInstance.business_key, ProcessInstance.process_key)
        .outerjoin(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(open_).order_by(Timer.due_at.asc().nulls_last(), Timer.id).limit(limit)).all()
    items = [{
        "id": str(t.id), "instance_id": str(t.instance_id) if t.instance_id else None, "instance_title": title,
        "business_key": business_key, "process_key": t.process_key or process_key, "start_event": t.instance_id is None,
        "task_name": t.task_name, "event_type": t.event_type, "due_at": t.due_at, "status": t.status,
        "overdue": t.status == "WAITING" and t.due_at is not None and t.due_at <= now,
        "fired_count": t.fired_count,
    } for t, title, business_key, process_key in rows]
    return {"total": counts.waiting + counts.due, "waiting": counts.waiting, "due": counts.due,
            "overdue": counts.overdue, "oldest_overdue_at": counts.oldest_overdue, "items": items}


def _message_json(m: Message) -> dict[str, Any]:
    return {"id": str(m.id), "name": m.name, "status": m.status, "payload": m.payload,
            "payload_summary": summary(m.payload), "correlation": m.correlation,
            "source_instance_id": str(m.source_instance_id) if m.source_instance_id else None,
            "created_at": m.created_at, "expires_at": m.expires_at}


def messages(limit: int = LIMIT) -> dict[str, Any]:
    """Kept messages nobody took yet (WAITING, oldest first) and those that expired (latest first)."""
    counts = dict(db.session.execute(select(Message.status, func.count()).where(
        Message.status.in_(("WAITING", "EXPIRED"))).group_by(Message.status)).tuples().all())
    waiting = db.session.scalars(select(Message).where(Message.status == "WAITING")
                                 .order_by(Message.created_at, Message.id).limit(limit))
    expired = db.session.scalars(select(Message).where(Message.status == "EXPIRED")
                                 .order_by(Message.expires_at.desc().nulls_last(), Message.id).limit(limit))
    return {"waiting": {"total": counts.get("WAITING", 0), "items": [_message_json(m) for m in waiting]},
            "expired": {"total": counts.get("EXPIRED", 0), "items": [_message_json(m) for m in expired]}}


def overview(limit: int = LIMIT) -> dict[str, Any]:
    """Everything the page and `GET /api/v1/admin/queue` show, in one dict."""
    now = utcnow()
    return {"now": now, "limit": limit, "redis": redis_side(), "outbox": outbox_counts(now),
            "failed_jobs": failed_jobs(limit), "retrying_jobs": retrying_jobs(limit),
            "timers": timers(now, limit), "messages": messages(limit), "incidents": incidents(limit)}


def incidents(limit: int = LIMIT) -> dict[str, Any]:
    """Running instances whose last move, timer or background service failed (latest first)."""
    found = (ProcessInstance.status == "RUNNING", ProcessInstance.incident.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(*found)) or 0
    rows = db.session.scalars(select(ProcessInstance).where(*found)
                              .order_by(ProcessInstance.updated_at.desc()).limit(limit))
    return {"total": total, "items": [{"instance_id": str(i.id), "title": i.title, "process_key": i.process_key,
                                       "incident": i.incident, "updated_at": i.updated_at} for i in rows]}


# -- the two actions -------------------------------------------------------------------------------

def _act(outbox_id: uuid.UUID, actor: User, reason: str, action: str) -> dict[str, Any]:
    if not may_manage(actor):
        raise Forbidden("只有系统管理员可以重试或丢弃后台任务")
    row = queue.retry(outbox_id) if action == "job_retry" else queue.discard(outbox_id)
    verb = "重试" if action == "job_retry" else "丢弃"
    db.session.add(AuditEvent(actor=actor.username, action=action, instance_id=row.instance_id,
                              title=f"{verb}后台任务 {row.kind}", comment=reason or None,
                              detail={"job_id": str(row.id), "kind": row.kind, "attempts": row.attempts}))
    return job_json(row)


def retry_job(outbox_id: uuid.UUID, actor: User, reason: str = "") -> dict[str, Any]:
    """A FAILED (or DISCARDED) job gets a fresh set of attempts, due now; the caller commits."""
    return _act(outbox_id, actor, reason, "job_retry")


def discard_job(outbox_id: uuid.UUID, actor: User, reason: str = "") -> dict[str, Any]:
    """A FAILED or PENDING job is given up; the caller commits."""
    return _act(outbox_id, actor, reason, "job_discard")
