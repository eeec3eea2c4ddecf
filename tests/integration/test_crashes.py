"""Crashes on PostgreSQL and a real redis-server process of the test's own (issue 4, point 8):
a worker and its work horse killed mid-job, Redis killed and restarted with AOF, Redis wiped,
two schedulers and two workers racing for the same timers, the database failing inside a job,
and the queued timer of a cancelled instance. Each asserts that nothing is lost and nothing is
applied twice. Workers and schedulers are real subprocesses (`web.worker.main`,
`python -m web.scheduler`); helpers and the test-only job kinds are in tests/crash_support.py."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.base import config as engine_config
from engine.base.db import db as _db
from engine.base.db import utcnow
from engine.base.models import AuditEvent, HumanTask, Outbox, Timer
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves.interventions import terminate as cancel_instance
from engine.moves.runtime import start_process
from engine.time import clock
from tests.crash_support import (
    Processes,
    RedisServer,
    gone,
    kill9,
    runs,
    subprocess_env,
    wait_for,
)
from tests.factories import make_user

pytestmark = pytest.mark.slow

MODELS = Path(__file__).resolve().parent.parent / "models"


@dataclass
class Crash:
    redis: RedisServer
    procs: Processes
    tmp: Path

    def job(self, kind: str = "crash.record", **payload: object) -> tuple[uuid.UUID, str, Path]:
        """Add a crash.* job to the session (pushed to Redis when the caller commits)."""
        tag = uuid.uuid4().hex
        run_log = self.tmp / f"{tag}.runs"
        outbox_id = queue.enqueue(kind, {"tag": tag, "runs": str(run_log), **payload})
        return outbox_id, tag, run_log

    def reconnect(self) -> None:
        """Forget the Redis clients of this process (engine.dispatch.queue builds a new one)."""
        queue._clients.clear()


@pytest.fixture()
def crash(app, db, database_url, tmp_path) -> Iterator[Crash]:
    """A redis-server of this test (AOF, everysec) that this process and its subprocesses use,
    with a 1 s sweep grace and 0.2 s retry backoff; every subprocess is ended afterwards."""
    server = RedisServer(tmp_path / "redis").start()
    procs = Processes(subprocess_env(database_url, server.url), tmp_path / "logs")
    try:
        with engine_config.override(redis_url=server.url, sweep_grace_seconds=1.0, job_retry_base_seconds=0.2):
            yield Crash(server, procs, tmp_path)
    finally:
        procs.close()
        server.stop()


# -- reading what happened (always a fresh transaction: subprocesses wrote it) -------------------

def written(tag: str) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.comment == tag))


def outbox(outbox_id: uuid.UUID) -> Outbox:
    _db.session.rollback()
    return _db.session.get(Outbox, outbox_id, populate_existing=True)


def rq_status(outbox_id: uuid.UUID) -> str | None:
    status = queue.redis_connection().hget(f"rq:job:{queue.job_id(outbox_id)}", "status")
    return status.decode() if status else None


def timer_fired(instance_id: uuid.UUID) -> int:
    return _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == "timer"))


def ready(instance_id: uuid.UUID) -> list[str]:
    return sorted(_db.session.scalars(select(HumanTask.task_name).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "READY")))


def wait_timer(instance_id: uuid.UUID) -> Timer:
    return _db.session.scalar(select(Timer).where(Timer.instance_id == instance_id,
                                                  Timer.task_name == "tm_tm_wait"))


# -- tm_timers: an intermediate timer (wait_for) before a review --------------------------------

@pytest.fixture()
def people(db):
    deploy({"tm_timers.bpmn": (MODELS / "tm_timers.bpmn").read_bytes()}, "test")
    filer = make_user("cf", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("ch", ("UNIT_HEAD", "UNIT", "D01-U01"))
    admin = make_user("cp", ("FIN_PERF", "ALL", None), ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    return filer, admin


def start(filer, wait_for_timer: str = "PT1S") -> uuid.UUID:
    instance = start_process("tm_timers", filer, {"wait_for": wait_for_timer, "escalate_after": "PT30M",
                                                  "remind_cycle": "R1/PT30M"})
    _db.session.commit()
    return instance.id


# -- 1. worker and work horse killed mid-job ---------------------------------------------------

@pytest.mark.parametrize("kind", ["fork", "simple"])
def test_worker_and_horse_killed_mid_job_the_sweeper_reruns_it_once(db, crash, kind):
    """fork: the worker and its work horse are both killed; simple: the worker runs the job."""
    outbox_id, tag, run_log = crash.job(hang=60)
    db.session.commit()
    first = crash.procs.worker(kind=kind)
    wait_for(lambda: runs(run_log), 30, "the job to start", interval=0.05)
    horse = runs(run_log)[0]
    assert (horse != first.pid) == (kind == "fork")
    # Mid-job: the handler's row is written but not committed, and the job's outbox row is
    # locked, so the sweeper leaves a running job alone even long after its grace.
    assert written(tag) == 0
    assert clock.sweep(utcnow() + timedelta(seconds=30)) == 0

    kill9(horse)
    kill9(first.pid)
    first.wait(10)
    wait_for(lambda: gone(horse), 10, "the work horse to die")
    row = outbox(outbox_id)
    assert (row.status, row.attempts, written(tag)) == ("PENDING", 0, 0)  # its write died with it
    assert rq_status(outbox_id) == "started"  # RQ alone would wait for the heartbeat to expire

    second = crash.procs.worker()
    # PostgreSQL drops the dead connection and its lock. The sweeper sees an unlocked row RQ
    # calls started: the attempt died with its worker. It is counted, and after the backoff
    # the row is pushed again. (Within the grace after its start a job may not hold its lock yet.)
    time.sleep(1.1)
    assert clock.sweep(utcnow()) == 0
    row = outbox(outbox_id)
    assert (row.status, row.attempts) == ("PENDING", 1) and "后台进程在执行该任务时终止" in row.last_error
    assert wait_for(lambda: clock.sweep(utcnow()), 15, "the sweeper to push the job again") == 1
    wait_for(lambda: outbox(outbox_id).status == "DONE", 30, "the second worker to run the job")
    row = outbox(outbox_id)
    assert (row.status, row.attempts) == ("DONE", 2), crash.procs.output()
    assert written(tag) == 1
    ran = runs(run_log)
    assert len(ran) == 2 and ran[1] not in (horse, first.pid)  # ran again, in the second worker's horse
    assert clock.sweep(utcnow() + timedelta(seconds=30)) == 0  # nothing left to push
    assert second.poll() is None


# -- 2. Redis killed and restarted with AOF ----------------------------------------------------

def test_redis_killed_and_restarted_with_aof_every_job_runs_once(db, crash):
    synced = [crash.job() for _ in range(5)]
    db.session.commit()
    assert crash.redis.client().llen("rq:queue:default") == 5
    time.sleep(1.5)  # appendfsync everysec: these five are on disk now
    late = [crash.job() for _ in range(3)]
    db.session.commit()  # pushed, maybe not yet fsynced
    crash.redis.kill()
    crash.redis.start()
    crash.reconnect()
    held = set(queue.rq_queue("default", queue.redis_connection()).job_ids)
    assert {queue.job_id(i) for i, _t, _r in synced} <= held  # the AOF kept what was synced

    jobs = synced + late
    time.sleep(1.1)  # past the sweep grace of the late ones
    lost = {queue.job_id(i) for i, _t, _r in jobs} - held
    assert clock.sweep(utcnow()) == len(lost)  # only what Redis lost is pushed again
    # A relay that cannot tell pushes everything once more: every job is now in RQ twice.
    assert queue.dispatch([(i, "default") for i, _t, _r in jobs]) == len(jobs)

    worker = crash.procs.worker(burst=True)
    assert worker.wait(60) == 0, crash.procs.output()
    for outbox_id, tag, run_log in jobs:
        row = outbox(outbox_id)
        assert (row.status, row.attempts) == ("DONE", 1)
        assert written(tag) == 1 and len(runs(run_log)) == 1


# -- 3. Redis wiped with jobs and timers pending ----------------------------------------------

def test_redis_flushall_with_jobs_and_timers_pending_everything_runs_once(db, crash, people):
    filer, _admin = people
    due = [start(filer) for _ in range(4)]
    later = [start(filer, "PT2S") for _ in range(2)]
    jobs = [crash.job() for _ in range(4)]
    db.session.commit()
    time.sleep(1.1)
    assert clock.fire_due_timers(utcnow()) == 4  # DUE, and their timer.fire jobs pushed to RQ
    redis = crash.redis.client()
    assert redis.llen("rq:queue:timers") == 4 and redis.llen("rq:queue:default") >= 4
    redis.flushall()
    assert redis.dbsize() == 0

    # The database alone knows what is owed: a scheduler's ticks and one worker finish it all.
    crash.procs.worker()
    instances = due + later

    def settled() -> bool:
        clock.tick()
        return (all(timer_fired(i) == 1 for i in instances)
                and all(written(tag) == 1 for _i, tag, _r in jobs))

    wait_for(settled, 40, "every timer and job after FLUSHALL", interval=0.2)
    for _ in range(4):  # more ticks: nothing fires or runs a second time
        time.sleep(0.3)
        clock.tick()
    _db.session.rollback()
    for instance_id in instances:
        assert timer_fired(instance_id) == 1
        row = wait_timer(instance_id)
        assert (row.status, row.fired_count) == ("FIRED", 1)
        assert ready(instance_id) == ["ut_tm_review"]
    fires = _db.session.scalars(select(Outbox).where(Outbox.kind == "timer.fire")).all()
    assert len(fires) == 6 and {r.status for r in fires} == {"DONE"}
    for outbox_id, tag, run_log in jobs:
        assert outbox(outbox_id).status == "DONE"
        assert written(tag) == 1 and len(runs(run_log)) == 1


# -- 4. two schedulers and two workers racing for the same timers --------------------------------

def test_two_schedulers_and_two_workers_fire_thirty_timers_once_each(db, crash, people):
    filer, _admin = people
    started = [crash.procs.scheduler(), crash.procs.scheduler(), crash.procs.worker(), crash.procs.worker()]
    instances = [start(filer) for _ in range(30)]  # due one second after each start

    def fired() -> int:
        _db.session.rollback()
        return _db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer"))

    wait_for(lambda: fired() >= 30, 60, "30 timers to fire", interval=0.2)
    time.sleep(1.5)  # several more ticks of both schedulers and sweeps
    assert all(p.poll() is None for p in started), crash.procs.output()
    _db.session.rollback()
    assert fired() == 30
    for instance_id in instances:
        assert timer_fired(instance_id) == 1
        row = wait_timer(instance_id)
        assert (row.status, row.fired_count) == ("FIRED", 1)
        assert ready(instance_id) == ["ut_tm_review"]
    fires = _db.session.scalars(select(Outbox).where(Outbox.kind == "timer.fire")).all()
    assert len(fires) == 30 and {(r.status, r.attempts) for r in fires} == {("DONE", 1)}
    assert _db.session.scalar(select(func.count()).select_from(HumanTask)) == 30


# -- 5. the database failing inside a job ------------------------------------------------------

def test_a_statement_failing_mid_job_leaves_nothing_counts_the_attempt_and_the_retry_succeeds(db, crash):
    outbox_id, tag, run_log = crash.job("crash.db_error", mode="sql")
    db.session.commit()
    assert queue.drain() == 1
    row = outbox(outbox_id)
    assert (row.status, row.attempts) == ("PENDING", 1)
    assert "no_such_table" in row.last_error and row.available_at > row.created_at
    assert written(tag) == 0  # the write before the error was rolled back with the handler
    time.sleep(0.25)  # the 0.2 s backoff
    assert queue.drain() == 1
    row = outbox(outbox_id)
    assert (row.status, row.attempts) == ("DONE", 2)
    assert written(tag) == 1 and len(runs(run_log)) == 2


def test_a_job_killing_its_own_database_connection_leaves_nothing_and_is_run_again(db, crash):
    outbox_id, tag, run_log = crash.job("crash.db_error", mode="terminate")
    db.session.commit()
    worker = crash.procs.worker()
    wait_for(lambda: runs(run_log), 30, "the first attempt")
    # The transaction died with the connection; the attempt is counted on a fresh one.
    wait_for(lambda: outbox(outbox_id).attempts == 1, 15, "the failed attempt to be counted")
    row = outbox(outbox_id)
    assert row.status == "PENDING" and written(tag) == 0  # the connection died with the write
    assert wait_for(lambda: clock.sweep(utcnow()), 15, "the sweeper to push the job again") == 1
    wait_for(lambda: outbox(outbox_id).status == "DONE", 30, "the retry")
    assert written(tag) == 1 and len(runs(run_log)) == 2
    assert worker.poll() is None, crash.procs.output()


def test_an_attempt_that_lost_its_database_connection_is_counted(db, crash):
    outbox_id, tag, run_log = crash.job("crash.db_error", mode="terminate")
    db.session.commit()
    assert queue.execute(outbox_id) == "retry"
    row = outbox(outbox_id)
    assert written(tag) == 0 and len(runs(run_log)) == 1
    assert (row.status, row.attempts) == ("PENDING", 1)
    assert "AdminShutdown" in (row.last_error or "") and row.available_at > row.created_at


# -- 6. a cancelled instance's timer whose job is already queued ------------------------------

def test_timers_of_a_cancelled_instance_do_not_fire_though_their_job_is_queued(db, crash, people):
    filer, admin = people
    cancelled = [start(filer) for _ in range(2)]
    kept = start(filer)
    time.sleep(1.1)
    assert clock.fire_due_timers(utcnow()) == 3
    jobs = {r.instance_id: r.id for r in db.session.scalars(select(Outbox).where(Outbox.kind == "timer.fire"))}
    assert {rq_status(j) for j in jobs.values()} == {"queued"}
    for instance_id in cancelled:
        cancel_instance(instance_id, admin, "立项取消")
    db.session.commit()

    worker = crash.procs.worker(burst=True)
    assert worker.wait(60) == 0, crash.procs.output()
    _db.session.rollback()
    for instance_id in cancelled:
        assert outbox(jobs[instance_id]).status == "DONE"  # delivered, and did nothing
        assert timer_fired(instance_id) == 0 and ready(instance_id) == []
        statuses = set(_db.session.scalars(select(Timer.status).where(Timer.instance_id == instance_id)))
        assert statuses == {"CANCELLED"}
    assert timer_fired(kept) == 1 and ready(kept) == ["ut_tm_review"]
    assert outbox(jobs[kept]).status == "DONE"
