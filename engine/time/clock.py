"""The engine's clock and the scheduler's tick. The clock (`travel_to`, `advance`,
`back_to_real_time`) moves what the whole engine believes is now (engine.base.now) — tests and the
demo loader drive monthly timers with it. The tick: what is due in the database becomes jobs. Any number of schedulers may
tick at once; rows are claimed with FOR UPDATE SKIP LOCKED and a conditional update, and each job
has a dedupe key, so nothing fires twice. Production: `python -m web.scheduler` (one or more);
`make run` starts one beside the worker."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from engine.base import config
from engine.base import now as engine_now
from engine.base.db import db, utcnow
from engine.base.models import Message, Outbox, ProcessInstance, Timer
from engine.dispatch import queue

# A suspended instance's timers (暂停) are not claimed: they wait, overdue, for its 恢复.
_not_suspended = or_(Timer.instance_id.is_(None), ~Timer.instance_id.in_(
    select(ProcessInstance.id).where(ProcessInstance.status == "SUSPENDED")))

log = logging.getLogger(__name__)

# What a tick does besides timers and the outbox (reminders, …), registered by their modules.
PERIODIC: list[Any] = []


def periodic(fn: Any) -> Any:
    """Register `fn(now) -> int` to run on every tick in its own transaction."""
    PERIODIC.append(fn)
    return fn


def tick(now: datetime | None = None) -> dict[str, int]:
    """One pass: fire due timers, expire old messages, run the periodic scans, re-dispatch what
    is due and not done. Each part commits on its own; the counts are for logs and tests."""
    now = now or utcnow()
    counts = {"timers": fire_due_timers(now), "expired": expire_messages(now)}
    for fn in PERIODIC:
        try:
            counts[fn.__name__] = fn(now)
            db.session.commit()
        except Exception:  # noqa: BLE001  (one broken scan must not stop timers and the sweeper)
            db.session.rollback()
            log.exception("periodic %s failed", fn.__name__)
    counts["dispatched"] = sweep(now)
    return counts


def fire_due_timers(now: datetime, batch: int = 500) -> int:
    """WAITING → DUE for timers whose time has come, and one `timer.fire` job each, in one
    transaction. Two schedulers never take the same row (SKIP LOCKED + the status condition),
    and the job's key (timer id + due time) makes a second job for the same occasion impossible."""
    fired = 0
    while True:
        claim = (select(Timer.id).where(Timer.status == "WAITING", Timer.due_at <= now, _not_suspended)
                 .order_by(Timer.due_at).limit(batch).with_for_update(skip_locked=True).scalar_subquery())
        rows = db.session.execute(
            update(Timer).where(Timer.id.in_(claim), Timer.status == "WAITING").values(status="DUE")
            .returning(Timer.id, Timer.instance_id, Timer.due_at)).all()
        for timer_id, instance_id, due_at in rows:
            queue.enqueue("timer.fire", {"timer_id": str(timer_id)}, instance_id=instance_id,
                          key=f"timer:{timer_id}:{due_at.isoformat()}")
        db.session.commit()
        fired += len(rows)
        if len(rows) < batch:
            return fired


def expire_messages(now: datetime) -> int:
    result = db.session.execute(update(Message).where(Message.status == "WAITING", Message.expires_at <= now)
                                .values(status="EXPIRED"))
    db.session.commit()
    return result.rowcount or 0


def sweep(now: datetime, batch: int = 1000) -> int:
    """Push again the PENDING jobs that are due and were not pushed lately (or never: delayed
    jobs and retries). A job RQ still holds (queued, scheduled) is left alone. One RQ calls
    started or failed, whose row nobody locks, died with its worker (killed, out of memory):
    that counts as a failed attempt, so a job that always kills its worker ends FAILED."""
    grace = timedelta(seconds=config.current().sweep_grace_seconds)
    connection = queue.redis_connection()
    if connection is None:
        return 0
    rows = list(db.session.scalars(
        select(Outbox).where(
            Outbox.status == "PENDING", Outbox.available_at <= now,
            or_(and_(Outbox.dispatched_at.is_(None), Outbox.available_at > Outbox.created_at),
                func.coalesce(Outbox.dispatched_at, Outbox.created_at) <= now - grace))
        .order_by(Outbox.available_at).limit(batch).with_for_update(skip_locked=True)))
    if not rows:
        db.session.rollback()
        return 0
    states = _rq_states(connection, [r.id for r in rows], now, grace)
    todo, dead = [], []
    for row in rows:
        state = states.get(row.id)
        if state in queue.ACTIVE_RQ_STATES:
            row.dispatched_at = now
            continue
        if state in ("started", "failed"):
            queue.count_failure(row, queue.JOBS.get(row.kind), "后台进程在执行该任务时终止（被结束或内存不足）",
                                commit=False)
            dead.append(queue.job_id(row.id))  # counted once: RQ's stale record goes
            if row.status != "PENDING" or row.available_at > now:
                continue
        row.dispatched_at = now
        todo.append((row.id, row.queue))
    db.session.commit()
    if dead:
        _forget(connection, dead)
    return queue.dispatch(todo) if todo else 0


def _forget(connection: Any, job_ids: list[str]) -> None:
    try:
        connection.delete(*[f"rq:job:{j}" for j in job_ids])
    except Exception as err:  # noqa: BLE001  (counted again next time: harmless, and logged)
        log.warning("cannot drop stale RQ jobs: %s", err)


def _rq_states(connection: Any, ids: list[Any], now: datetime, grace: timedelta) -> dict[Any, str]:
    """RQ's status of each id's job (absent when RQ has none); on a Redis error, none. A job
    started less than `grace` ago counts as queued: its horse may not hold the row lock yet."""
    try:
        with connection.pipeline() as pipe:
            for outbox_id in ids:
                pipe.hmget(f"rq:job:{queue.job_id(outbox_id)}", "status", "started_at")
            replies = pipe.execute()
    except Exception as err:  # noqa: BLE001
        log.warning("cannot read RQ job states: %s", err)
        return {}
    states = {}
    for outbox_id, (status, started_at) in zip(ids, replies, strict=True):
        if not status:
            continue
        state = status.decode()
        if state == "started" and started_at and now - _rq_time(started_at.decode()) < grace:
            state = "queued"
        states[outbox_id] = state
    return states


def _rq_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


# -- the engine's clock, moved (tests, the demo loader): engine.base.now keeps the shift

def travel_to(moment: datetime) -> None:
    """From now on the engine believes it is `moment` (and time flows on from there)."""
    engine_now.set_shift(timedelta(0))
    engine_now.set_shift(moment - engine_now.now(UTC))


def advance(delta: timedelta) -> None:
    engine_now.set_shift(engine_now.shift() + delta)


def back_to_real_time() -> None:
    engine_now.set_shift(timedelta(0))
