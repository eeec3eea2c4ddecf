"""Messages between instances on the real engine and PostgreSQL: correlation, a message kept until
its receiver waits, message start events, expiry, and P1's msg_project_in_library reaching a
deployed catcher."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base.db import utcnow
from engine.base.models import HumanTask, Message, ProcessInstance
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves.runtime import start_process
from engine.moves.state import load_workflow
from engine.time import clock
from tests.factories import make_user

MODELS = Path(__file__).resolve().parent.parent / "models"


def deploy_models(*names: str) -> None:
    for name in names:
        deploy({name: (MODELS / name).read_bytes()}, "test")


@pytest.fixture()
def filer(db):
    user = make_user("mf", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("md", ("DEPT_OFFICER", "DEPARTMENT", "D01"))
    db.session.commit()
    return user


def begin(db, key: str, user, **data) -> ProcessInstance:
    instance = start_process(key, user, data)
    db.session.commit()
    return instance


def steps(db, instance: ProcessInstance) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(HumanTask.task_name).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY")))


def test_message_reaches_only_the_correlated_waiting_instance(db, filer):
    deploy_models("msg_catcher.bpmn", "msg_thrower.bpmn")
    db.session.commit()
    mine = begin(db, "msg_catcher", filer, project_id="P-1")
    other = begin(db, "msg_catcher", filer, project_id="P-2")
    assert steps(db, mine) == [] and mine.has_waits
    thrower = begin(db, "msg_thrower", filer, project_id="P-1")
    assert thrower.status == "COMPLETED"
    queue.drain()
    assert steps(db, mine) == ["ut_mc_next"] and steps(db, other) == []
    data = load_workflow(db.session.get(ProcessInstance, mine.id)).get_tasks(spec_name="ut_mc_next")[0].data
    assert data["in_library"] == {"project_id": "P-1", "request_year": 2026}
    message = db.session.scalar(select(Message))
    assert message.status == "DELIVERED" and message.delivered_to == [str(mine.id)]


def test_message_waits_for_a_receiver_that_is_not_waiting_yet(db, filer):
    deploy_models("msg_catcher.bpmn", "msg_thrower.bpmn")
    db.session.commit()
    begin(db, "msg_thrower", filer, project_id="P-7")
    queue.drain()
    message = db.session.scalar(select(Message))
    assert message.status == "WAITING"  # nobody catches it yet: kept, not dropped
    late = begin(db, "msg_catcher", filer, project_id="P-7")
    queue.drain()
    assert steps(db, late) == ["ut_mc_next"]
    db.session.refresh(message)
    assert message.status == "DELIVERED"


def test_unclaimed_message_expires_visibly(db, filer):
    deploy_models("msg_thrower.bpmn")
    db.session.commit()
    begin(db, "msg_thrower", filer, project_id="P-9")
    queue.drain()
    message = db.session.scalar(select(Message))
    message.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert clock.tick()["expired"] == 1
    db.session.refresh(message)
    assert message.status == "EXPIRED"


def test_message_start_event_starts_the_catching_process(db, filer):
    deploy_models("msg_starter.bpmn", "msg_thrower.bpmn")
    db.session.commit()
    thrower = begin(db, "msg_thrower", filer, project_id="P-3")
    queue.drain()
    (started,) = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "msg_starter"))
    assert steps(db, started) == ["ut_ms_budget"]
    assert started.scope_unit == thrower.scope_unit
    data = load_workflow(started).get_tasks(spec_name="ut_ms_budget")[0].data
    assert data["in_library"]["project_id"] == "P-3"
    queue.drain()  # delivering again changes nothing
    assert db.session.scalar(select(Message)).status == "DELIVERED"
    assert len(db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == "msg_starter")).all()) == 1


def test_p1_in_library_message_reaches_the_deployed_catcher(db):
    """P1 throws msg_project_in_library; a deployed process with that message start event (the
    test stand-in for P2) gets one instance for the project, in the project's scope."""
    from p1_driver import CORE, Flow, deploy_p1, set_packs

    from budget.demo import load_demo

    load_demo("demo-pass-1")
    deploy_p1()
    deploy_models("msg_starter.bpmn")
    db.session.commit()
    set_packs(CORE)
    flow = Flow("P-D05-002", year=None)
    flow.fill()
    flow.unit_approve()
    flow.dept_review()
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    queue.drain()
    (p2,) = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "msg_starter"))
    assert p2.scope_unit == flow.instance.scope_unit and p2.business_key == flow.instance.business_key
    data = load_workflow(p2).get_tasks(spec_name="ut_ms_budget")[0].data
    assert data["in_library"]["project_id"] == str(flow.project.id)
