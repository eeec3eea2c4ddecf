"""Background work under load: 10,000 due reminders through the real pipeline (scheduler scan →
outbox → RQ → forked work horses → PostgreSQL), with 1 and 2 workers, beside the in-process floor
(the same jobs run by `queue.drain()` in this process: no Redis, no fork); and how late timers
fire (due time → fired) while the reminders are being processed."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update

from bench import inbox
from bench.stats import summary_ms
from engine.base.db import db, utcnow
from engine.base.models import HumanTask, Outbox, ProcessInstance, Timer
from engine.dispatch import queue
from engine.time import clock

ROOT = Path(__file__).resolve().parent.parent
TIMER_MODEL = ROOT / "tests" / "models" / "tm_timers.bpmn"


def _seed_due(total: int, units: list[tuple[str, str, str]]) -> None:
    """`total` open work items due two days ago: each owes exactly one reminder now (OVERDUE_1;
    the head's escalation comes a day later)."""
    db.session.execute(delete(HumanTask))
    db.session.commit()
    inbox.seed(total, units)
    db.session.execute(update(HumanTask).values(due_at=utcnow() - timedelta(days=2)))
    db.session.commit()


def _scan() -> tuple[int, float]:
    """One scheduler tick: the reminder scan writes the jobs; (jobs written, seconds)."""
    before = _count("reminder.send")
    t0 = time.perf_counter()
    clock.tick()
    return _count("reminder.send") - before, time.perf_counter() - t0


def _count(kind: str, status: str | None = None) -> int:
    query = select(func.count()).select_from(Outbox).where(Outbox.kind == kind)
    if status:
        query = query.where(Outbox.status == status)
    value = db.session.scalar(query)
    db.session.rollback()
    return value


def _spawn(module: str, count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]


def _wait_done(kind: str, expected: int, limit: float = 900) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        if _count(kind, "DONE") >= expected:
            return time.perf_counter() - t0
        time.sleep(0.2)
    raise RuntimeError(f"{kind}: only {_count(kind, 'DONE')} of {expected} done in {limit} s")


def reminders(units: list[tuple[str, str, str]], total: int = 10_000) -> dict[str, Any]:
    env = {**os.environ, "SWEEP_GRACE_SECONDS": "30", "WORKER_MAINTENANCE_SECONDS": "60"}
    results: dict[str, Any] = {"reminders": total}
    # floor: the same jobs, run in this process one after another
    _seed_due(total, units)
    jobs, scan_s = _scan()
    t0 = time.perf_counter()
    queue.drain(limit=total + 10)
    floor_s = time.perf_counter() - t0
    results["scan"] = {"jobs": jobs, "seconds": round(scan_s, 2)}
    results["floor_in_process"] = {"seconds": round(floor_s, 2), "jobs_per_s": round(jobs / floor_s, 1)}
    for workers in (1, 2):
        db.session.execute(delete(Outbox))
        db.session.commit()
        queue.redis_connection().flushdb()
        _seed_due(total, units)
        jobs, _ = _scan()  # pushed to RQ after the scan's commit
        procs = _spawn("web.worker", workers, env)
        try:
            seconds = _wait_done("reminder.send", jobs)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
        rate = jobs / seconds
        results[f"workers_{workers}"] = {"seconds": round(seconds, 2), "jobs_per_s": round(rate, 1),
                                         "ratio_floor_to_queue": round(floor_s / seconds, 2)}
    return results


def timer_delay(units: list[tuple[str, str, str]], timers: int = 200, total: int = 10_000) -> dict[str, Any]:
    """Timers falling due over ~20 s while two workers work through `total` reminders; the
    scheduler runs with the production default poll (TIMER_POLL_SECONDS, 5 s)."""
    from engine.base.identity import User
    from engine.definitions.deploy import deploy
    from engine.moves.runtime import start_process

    deploy({TIMER_MODEL.name: TIMER_MODEL.read_bytes()}, "bench")
    filer = db.session.scalar(select(User).where(User.username == "bf0"))
    db.session.execute(delete(Outbox))
    db.session.commit()
    queue.redis_connection().flushdb()
    started = []
    for i in range(timers):
        wait = 5 + (i % 20)
        started.append(start_process("tm_timers", filer, {"wait_for": f"PT{wait}S", "escalate_after": "P30D",
                                                           "remind_cycle": "R1/P30D"}).id)
    db.session.commit()
    _seed_due(total, units)
    jobs, _ = _scan()
    env = {**os.environ, "SWEEP_GRACE_SECONDS": "30"}
    procs = _spawn("web.worker", 2, env) + _spawn("web.scheduler", 1, env)
    try:
        _wait_done("reminder.send", jobs)
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and _fired(started) < timers:
            time.sleep(0.5)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    rows = db.session.execute(select(Timer.due_at, Timer.fired_at).where(
        Timer.instance_id.in_(started), Timer.task_name == "tm_tm_wait", Timer.status == "FIRED")).all()
    db.session.rollback()
    delays = [(fired - due).total_seconds() for due, fired in rows]
    return {"timers": timers, "fired": len(rows), "poll_seconds": 5,
            "delay": summary_ms(delays) if delays else None, "reminders_alongside": jobs}


def _fired(instance_ids: list[Any]) -> int:
    value = db.session.scalar(select(func.count()).select_from(Timer).where(
        Timer.instance_id.in_(instance_ids), Timer.task_name == "tm_tm_wait", Timer.status == "FIRED"))
    db.session.rollback()
    return value


def cleanup() -> None:
    db.session.execute(delete(Outbox))
    db.session.execute(update(ProcessInstance).where(ProcessInstance.process_key == "tm_timers")
                       .values(status="CANCELLED"))
    db.session.commit()
