"""The outbox queue on PostgreSQL and the suite's real Redis: a job is pushed to RQ only after its
transaction commits, runs once in effect however often it is delivered, is retried with backoff,
becomes a visible failure after its last attempt, and the sweeper pushes again what Redis lost."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.base import config as engine_config
from engine.base.db import utcnow
from engine.base.errors import Conflict
from engine.base.models import AuditEvent, Outbox
from engine.dispatch import queue
from engine.time import clock

FAILS: dict[str, int] = {}


@queue.job("test.record", max_attempts=3)
def record(payload: dict) -> None:
    """Writes one audit row; fails the first `fail` times it is tried for a given `tag`."""
    from engine.base.db import db

    db.session.add(AuditEvent(actor="test", action="job", comment=payload["tag"]))
    db.session.flush()
    tries = FAILS[payload["tag"]] = FAILS.get(payload["tag"], 0) + 1
    if tries <= payload.get("fail", 0):
        raise RuntimeError(f"第 {tries} 次失败")
    if payload.get("slow"):
        time.sleep(payload["slow"])


@pytest.fixture()
def fast_retries(app):
    with engine_config.override(job_retry_base_seconds=0.3, sweep_grace_seconds=0):
        yield


def written(db, tag: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.comment == tag))


def rq_job_status(outbox_id) -> str | None:
    status = queue.redis_connection().hget(f"rq:job:{queue.job_id(outbox_id)}", "status")
    return status.decode() if status else None


def test_a_job_reaches_rq_only_after_commit(db):
    tag = uuid.uuid4().hex
    rolled_back = queue.enqueue("test.record", {"tag": tag})
    db.session.rollback()
    assert rq_job_status(rolled_back) is None
    assert db.session.get(Outbox, rolled_back) is None  # no row, no job: nothing phantom
    committed = queue.enqueue("test.record", {"tag": tag})
    db.session.commit()
    assert rq_job_status(committed) == "queued"


def test_a_key_allows_one_job_per_occasion(db):
    first = queue.enqueue("test.record", {"tag": "k"}, key="occasion-1")
    again = queue.enqueue("test.record", {"tag": "k"}, key="occasion-1")
    db.session.commit()
    assert first is not None and again is None


def test_delivered_twice_runs_once(db):
    tag = uuid.uuid4().hex
    outbox_id = queue.enqueue("test.record", {"tag": tag})
    db.session.commit()
    assert queue.execute(outbox_id) == "done"
    assert queue.execute(outbox_id) == "done"  # a second delivery finds it done
    assert written(db, tag) == 1


def test_two_workers_on_one_job_apply_it_once(app, db):
    tag = uuid.uuid4().hex
    outbox_id = queue.enqueue("test.record", {"tag": tag, "slow": 0.5})
    db.session.commit()
    results: list[str] = []

    def worker() -> None:
        with app.app_context():
            results.append(queue.execute(outbox_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["busy", "done"]
    assert written(db, tag) == 1


def test_failures_are_retried_with_backoff_then_succeed(db, fast_retries):
    tag = uuid.uuid4().hex
    outbox_id = queue.enqueue("test.record", {"tag": tag, "fail": 2})
    db.session.commit()
    assert queue.execute(outbox_id) == "retry"
    row = db.session.get(Outbox, outbox_id, populate_existing=True)
    assert row.attempts == 1 and "第 1 次失败" in row.last_error and row.available_at > utcnow()
    assert written(db, tag) == 0  # the failed attempt wrote nothing
    assert queue.drain() == 0  # not due yet (0.3 s: a loaded machine's drain cannot reach it)
    time.sleep(0.35)
    queue.drain()
    time.sleep(0.65)
    queue.drain()
    row = db.session.get(Outbox, outbox_id, populate_existing=True)
    assert row.status == "DONE" and row.attempts == 3
    assert written(db, tag) == 1


def test_last_failure_is_an_incident_an_administrator_can_retry(db, fast_retries):
    tag = uuid.uuid4().hex
    outbox_id = queue.enqueue("test.record", {"tag": tag, "fail": 3})
    db.session.commit()
    for _ in range(3):
        queue.execute(outbox_id)
        time.sleep(0.25)
    row = db.session.get(Outbox, outbox_id, populate_existing=True)
    assert row.status == "FAILED" and row.attempts == 3 and "第 3 次失败" in row.last_error
    pending = queue.enqueue("test.record", {"tag": "x"})
    with pytest.raises(Conflict):
        queue.retry(pending)  # only a failed or discarded job is retried by hand
    db.session.rollback()
    queue.retry(outbox_id)
    db.session.commit()
    assert rq_job_status(outbox_id) == "queued"  # pushed again at once
    assert queue.drain() == 1
    assert db.session.get(Outbox, outbox_id, populate_existing=True).status == "DONE"
    assert written(db, tag) == 1


def test_discarded_jobs_never_run(db):
    tag = uuid.uuid4().hex
    outbox_id = queue.enqueue("test.record", {"tag": tag})
    db.session.commit()
    queue.discard(outbox_id)
    db.session.commit()
    assert queue.execute(outbox_id) == "discarded"
    assert written(db, tag) == 0


def test_sweeper_pushes_again_what_redis_lost(db, fast_retries):
    outbox_id = queue.enqueue("test.record", {"tag": uuid.uuid4().hex})
    db.session.commit()
    connection = queue.redis_connection()
    assert rq_job_status(outbox_id) == "queued"
    assert clock.sweep(utcnow()) == 0  # RQ still holds it: left alone
    connection.flushall()  # Redis lost everything
    assert clock.sweep(utcnow() + timedelta(seconds=1)) == 1
    assert rq_job_status(outbox_id) == "queued"


def test_delayed_job_waits_for_its_time(db):
    at = utcnow() + timedelta(seconds=0.3)
    outbox_id = queue.enqueue("test.record", {"tag": uuid.uuid4().hex}, at=at)
    db.session.commit()
    assert rq_job_status(outbox_id) is None  # not pushed before its time
    assert clock.sweep(utcnow()) == 0
    time.sleep(0.35)
    assert clock.sweep(utcnow()) == 1
    assert rq_job_status(outbox_id) == "queued"


def test_unknown_kind_fails_visibly(db):
    row = Outbox(kind="no.such.kind", payload={}, max_attempts=1)
    db.session.add(row)
    db.session.commit()
    assert queue.execute(row.id) == "failed"
    assert "未知的后台任务类型" in db.session.get(Outbox, row.id, populate_existing=True).last_error


def test_rq_own_worker_command_runs_outbox_jobs(app, db, database_url, redis_url):
    """Production may run RQ's own `rq worker` with our worker class (web.worker.AppSimpleWorker)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from engine.base.models import Message
    from engine.moves import mailbox

    message = mailbox.send("msg_nobody_waits", {"project_id": "P-0"})
    db.session.commit()
    (job,) = db.session.scalars(select(Outbox).where(Outbox.kind == "message.deliver"))
    rq = Path(sys.executable).parent / "rq"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    done = subprocess.run([str(rq), "worker", "--burst", "-w", "web.worker.AppSimpleWorker", "--serializer",
                           "rq.serializers.JSONSerializer", "--url", redis_url, *queue.QUEUES],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert db.session.get(Outbox, job.id, populate_existing=True).status == "DONE"
    assert db.session.get(Message, message.id, populate_existing=True).status == "WAITING"  # kept for later
