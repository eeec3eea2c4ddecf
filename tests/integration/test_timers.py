"""Timers fire from database rows (engine.time.clock + engine.moves.timers) on the real engine and PostgreSQL:
intermediate, interrupting and non-interrupting boundary timers, cycles, timer start events,
exactly once with racing schedulers, and never for what went away."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.base.models import AuditEvent, HumanTask, Outbox, ProcessInstance, Timer
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves.interventions import terminate as cancel_instance
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.time import clock
from tests.factories import make_user

MODELS = Path(__file__).resolve().parent.parent / "models"


def deploy_model(name: str) -> None:
    deploy({name: (MODELS / name).read_bytes()}, "test")


@pytest.fixture()
def people(db):
    deploy_model("tm_timers.bpmn")
    filer = make_user("tf", ("UNIT_FILER", "UNIT", "D01-U01"))
    head = make_user("th", ("UNIT_HEAD", "UNIT", "D01-U01"))
    fin = make_user("tp", ("FIN_PERF", "ALL", None), ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    return filer, head, fin


def start(filer, **data) -> ProcessInstance:
    values = {"wait_for": "PT1S", "escalate_after": "PT30M", "remind_cycle": "R1/PT30M", **data}
    instance = start_process("tm_timers", filer, values)
    from engine.base.db import db

    db.session.commit()
    return instance


def timers(instance) -> dict[str, Timer]:
    from engine.base.db import db

    db.session.expire_all()
    rows = db.session.scalars(select(Timer).where(Timer.instance_id == instance.id))
    return {r.task_name: r for r in rows}


def ready(instance) -> list[str]:
    from engine.base.db import db

    return sorted(db.session.scalars(select(HumanTask.task_name).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY")))


def run_due(seconds: float = 0) -> dict[str, int]:
    time.sleep(seconds)
    counts = clock.tick()
    queue.drain()
    return counts


def test_intermediate_timer_waits_then_fires_once(db, people):
    filer, _head, _fin = people
    instance = start(filer)
    assert ready(instance) == [] and timers(instance)["tm_tm_wait"].status == "WAITING"
    assert run_due()["timers"] == 0  # not due yet
    counts = run_due(1.2)
    assert counts["timers"] == 1
    assert ready(instance) == ["ut_tm_review"]
    rows = timers(instance)
    assert rows["tm_tm_wait"].status == "FIRED" and rows["tm_tm_wait"].fired_count == 1
    assert rows["tm_tm_escalate"].status == "WAITING" and rows["tm_tm_remind"].status == "WAITING"
    assert run_due()["timers"] == 0  # nothing fires twice
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "timer")) == 1


def test_interrupting_boundary_timer_escalates_and_closes_the_rest(db, people):
    filer, _head, fin = people
    instance = start(filer, escalate_after="PT1S")
    run_due(1.2)
    assert ready(instance) == ["ut_tm_review"]
    run_due(1.2)
    assert ready(instance) == ["ut_tm_escalated"]
    rows = timers(instance)
    assert rows["tm_tm_escalate"].status == "FIRED"
    assert rows["tm_tm_remind"].status == "CANCELLED"  # its activity was interrupted
    cancelled = db.session.scalar(select(HumanTask.status).where(
        HumanTask.instance_id == instance.id, HumanTask.task_name == "ut_tm_review"))
    assert cancelled == "CANCELLED"
    escalated = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                          HumanTask.status == "READY"))
    complete_task(escalated.id, fin, {"verdict": "APPROVE", "comment": "已按规定时限处理完毕，同意。"})
    db.session.commit()
    assert instance.status == "COMPLETED" and instance.end_event == "end_tm_escalated"


def test_non_interrupting_cycle_fires_each_occurrence_and_keeps_the_task(db, people):
    filer, _head, _fin = people
    instance = start(filer, remind_cycle="R2/PT1S")
    run_due(1.2)
    first_due = timers(instance)["tm_tm_remind"].due_at
    run_due(1.2)
    row = timers(instance)["tm_tm_remind"]
    assert ready(instance) == ["ut_tm_review"]  # the review stays open
    assert row.fired_count == 1 and row.status == "WAITING" and row.due_at > first_due
    assert load_workflow(instance).get_tasks(spec_name="st_tm_remind")[0].data["reminded"] is True
    run_due(1.2)
    run_due(0.1)
    row = timers(instance)["tm_tm_remind"]
    assert row.fired_count == 2
    assert ready(instance) == ["ut_tm_review"]


def test_completed_task_voids_a_timer_that_is_already_due(db, people):
    filer, head, _fin = people
    instance = start(filer, escalate_after="PT1S")
    run_due(1.2)
    time.sleep(1.2)
    assert clock.tick()["timers"] == 1  # escalation due, its job not run yet
    review = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.status == "READY"))
    complete_task(review.id, head, {"verdict": "APPROVE", "comment": "材料齐全，审核同意办理。"})
    db.session.commit()
    queue.drain()
    db.session.expire_all()
    assert instance.status == "COMPLETED" and instance.end_event == "end_tm_done"
    assert timers(instance)["tm_tm_escalate"].status == "CANCELLED"


def test_cancelled_instance_timers_never_fire(db, people):
    filer, _head, fin = people
    instance = start(filer)
    cancel_instance(instance.id, fin, "立项取消")
    db.session.commit()
    assert run_due(1.2)["timers"] == 0
    assert {r.status for r in timers(instance).values()} == {"CANCELLED"}
    assert ready(instance) == []


def test_two_schedulers_and_two_runners_fire_each_timer_once(app, db, people):
    filer, _head, _fin = people
    instances = [start(filer) for _ in range(20)]
    time.sleep(1.2)
    barrier = threading.Barrier(2)

    def scheduler_then_runner() -> None:
        with app.app_context():
            barrier.wait()
            clock.tick()
            barrier.wait()
            queue.drain()

    threads = [threading.Thread(target=scheduler_then_runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == "timer.fire")) == 20
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer")) == 20
    for instance in instances:
        assert ready(instance) == ["ut_tm_review"]
    assert db.session.scalar(select(func.count()).select_from(HumanTask)) == 20


def test_timer_start_event_starts_one_instance_per_period(db):
    make_user("fp", ("FIN_PERF", "ALL", None))
    deploy_model("tm_periodic.bpmn")
    db.session.commit()
    row = db.session.scalar(select(Timer).where(Timer.process_key == "tm_periodic"))
    assert row.status == "WAITING" and row.due_at.isoformat().startswith("2025-12-31T16:00")
    for _ in range(5):
        run_due()
    starts = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "tm_periodic")).all()
    assert len(starts) == 3  # R3: three periods, each its own instance
    assert all(ready(i) == ["ut_tp_check"] for i in starts)
    db.session.expire_all()
    assert db.session.get(Timer, row.id).status == "FIRED"


def test_changed_model_cancels_the_old_start_timer(db):
    deploy_model("tm_periodic.bpmn")
    db.session.commit()
    old = db.session.scalar(select(Timer).where(Timer.process_key == "tm_periodic"))
    changed = (MODELS / "tm_periodic.bpmn").read_text().replace("R3/2026-01-01", "R2/2027-01-01")
    deploy({"tm_periodic.bpmn": changed.encode()}, "test")
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(Timer).where(Timer.process_key == "tm_periodic")).all()
    assert {r.id: r.status for r in rows}[old.id] == "CANCELLED"
    assert [r.due_at.year for r in rows if r.status == "WAITING"] == [2026]  # 2027-01-01 +08:00
    assert run_due()["timers"] == 0

