"""Long service tasks run on the queue: the move that reaches one commits with the task STARTED
and a job; the job runs the handler outside the instance lock and moves the instance on."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base import hooks
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask, Outbox
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves.interventions import terminate as cancel_instance
from engine.moves.runtime import start_process
from engine.moves.state import load_workflow
from tests.factories import make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "bg_service.bpmn"
CALLS: list[int] = []


@hooks.service("test.slow_report")
def slow_report(ctx, rows: int) -> dict:
    from engine.base.db import db

    CALLS.append(rows)
    db.session.add(AuditEvent(actor="system", action="report", instance_id=ctx.instance.id,
                              comment=f"汇总 {rows} 行"))
    return {"report_rows": rows, "report_ready": True}


@pytest.fixture()
def filer(db):
    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    user = make_user("bf", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("bh", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("ba", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    CALLS.clear()
    return user


def ready(db, instance) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(HumanTask.task_name).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY")))


def test_start_returns_at_once_and_the_job_finishes_the_step(db, filer):
    instance = start_process("bg_service", filer, {"rows": 1200})
    db.session.commit()
    assert CALLS == [] and ready(db, instance) == []  # nobody waited for the report
    task = load_workflow(instance).get_tasks(spec_name="st_bg_report")[0]
    assert task.state == 32  # STARTED
    (job,) = db.session.scalars(select(Outbox).where(Outbox.kind == "service.run"))
    assert job.instance_id == instance.id
    assert queue.drain() == 1
    assert CALLS == [1200] and ready(db, instance) == ["ut_bg_review"]
    data = load_workflow(instance).get_tasks(spec_name="ut_bg_review")[0].data
    assert data["report_rows"] == 1200 and data["report_ready"] is True
    assert db.session.scalar(select(AuditEvent.comment).where(AuditEvent.action == "report")) == "汇总 1200 行"
    assert queue.execute(job.id) == "done" and CALLS == [1200]  # delivered again: nothing twice


def test_job_for_a_cancelled_instance_changes_nothing(db, filer):
    instance = start_process("bg_service", filer, {"rows": 5})
    db.session.commit()
    admin = db.session.scalar(select(User).where(User.username == "ba"))
    cancel_instance(instance.id, admin, "申请撤销")
    db.session.commit()
    queue.drain()
    assert CALLS == [] and ready(db, instance) == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report")) is None
