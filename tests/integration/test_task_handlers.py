"""User tasks name their domain handler in the BPMN (`completionHandler`): deployment refuses an
unknown name at the element; the engine calls the named handler's check, completion and 退回
inside the move's transaction, and a failure rolls the move back as an Incident."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.base import hooks
from engine.base.errors import DeploymentError, Incident, ValidationFailed
from engine.base.hooks import REGISTRY, OperationDone, TaskCompleted
from engine.base.models import AuditEvent, ProcessInstance
from engine.definitions.deploy import deploy
from engine.moves.returns import return_task, returnable_steps
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.work.inbox import todo
from tests.factories import expense, make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "th_handled_approval.bpmn"
SEEN: list[tuple[str, object]] = []
REFUSE = {"subject": "禁止采购的物品"}
BREAK = "写入失败：模拟领域记录不可写"  # a comment that makes record_approval fail


def _write(event: TaskCompleted | OperationDone, action: str) -> None:
    """A record written in the move's transaction: it commits or rolls back with the move."""
    from engine.base.db import db

    db.session.add(AuditEvent(actor="domain", action=action, instance_id=event.instance.id))


def check_expense(event: TaskCompleted) -> dict[str, list[str]]:
    if event.submission.get("subject") == REFUSE["subject"]:
        return {"subject": ["该物品不在采购目录中"]}
    return {}


@hooks.task_handler("test.record_expense", check=check_expense)
def record_expense(event: TaskCompleted) -> None:
    SEEN.append(("expense", dict(event.submission)))
    _write(event, "domain_expense")


def returned(event: OperationDone) -> None:
    SEEN.append(("returned", event.comment))
    _write(event, "domain_returned")


@hooks.task_handler("test.record_approval", on_return=returned)
def record_approval(event: TaskCompleted) -> None:
    SEEN.append(("approval", event.submission.get("verdict")))
    if event.submission.get("comment") == BREAK:
        raise ValueError("项目状态不允许此操作")
    _write(event, "domain_approval")


@pytest.fixture()
def people(db):
    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    filer = make_user("tf", ("UNIT_FILER", "UNIT", "D01-U01"))
    head = make_user("th", ("UNIT_HEAD", "UNIT", "D01-U01"))
    db.session.commit()
    SEEN.clear()
    return filer, head


def _only_task(user):
    (task,) = todo(user)
    return task


def _domain_rows(db) -> list[str]:
    return sorted(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "domain")))


def test_the_named_handler_gets_the_validated_submission(db, people):
    filer, head = people
    start_process("th_handled_approval", filer)
    db.session.commit()
    complete_task(_only_task(filer).id, filer, {**expense(), "not_a_field": "dropped"})
    db.session.commit()
    (kind, submission), = SEEN
    assert kind == "expense" and "not_a_field" not in submission and submission["subject"] == "购置办公设备"
    complete_task(_only_task(head).id, head, {"verdict": "APPROVE"})
    db.session.commit()
    assert SEEN[-1] == ("approval", "APPROVE")
    assert _domain_rows(db) == ["domain_approval", "domain_expense"]


def test_a_handler_check_refuses_the_submission_and_nothing_moves(db, people):
    filer, _head = people
    start_process("th_handled_approval", filer)
    db.session.commit()
    task = _only_task(filer)
    with pytest.raises(ValidationFailed) as refused:
        complete_task(task.id, filer, {**expense(), **REFUSE})
    db.session.rollback()
    assert refused.value.errors == {"subject": ["该物品不在采购目录中"]}
    assert SEEN == [] and _only_task(filer).id == task.id and _domain_rows(db) == []


def test_a_failing_handler_rolls_the_move_back_as_an_incident(client, db, people):
    from tests.factories import PASSWORD

    filer, head = people
    start_process("th_handled_approval", filer)
    complete_task(_only_task(filer).id, filer, expense())
    db.session.commit()
    task = _only_task(head)
    token = client.post("/api/v1/auth/token", json={"username": "th", "password": PASSWORD}).get_json()["token"]
    response = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"verdict": "APPROVE", "comment": BREAK}},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, response.get_json()
    assert "项目状态不允许此操作" in response.get_json()["errors"]["_process"][0]
    assert _only_task(head).id == task.id  # still ready, nothing applied
    assert _domain_rows(db) == ["domain_expense"]  # the fill's record stays, the failed one is gone
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "incident")) == 1


def test_return_from_a_step_calls_its_handlers_on_return(db, people):
    filer, head = people
    instance = start_process("th_handled_approval", filer)
    complete_task(_only_task(filer).id, filer, expense())
    db.session.commit()
    row = _only_task(head)
    (target,) = returnable_steps(instance, row, load_workflow(instance))
    return_task(row.id, head, str(target.id), "单价偏高，请核实。")
    db.session.commit()
    assert SEEN[-1] == ("returned", "单价偏高，请核实。")
    assert _domain_rows(db) == ["domain_expense", "domain_returned"]
    assert _only_task(filer).task_name == "ut_ex_fill"


def test_deployment_refuses_an_unknown_handler_at_its_element(db):
    content = MODEL.read_bytes().replace(b'value="test.record_approval"', b'value="test.no_such_handler"')
    with pytest.raises(DeploymentError) as refused:
        deploy({"th.bpmn": content}, "test")
    assert [(e.file, e.element_id, e.message) for e in refused.value.errors] == [
        ("th.bpmn", "ut_ex_approve", "完成处理器 “test.no_such_handler” 未注册")]
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_handler_gone_since_deployment_is_an_incident(db, people):
    filer, _head = people
    start_process("th_handled_approval", filer)
    db.session.commit()
    task = _only_task(filer)
    gone = REGISTRY.task_handlers.pop("test.record_expense")
    try:
        with pytest.raises(Incident, match="test.record_expense"):
            complete_task(task.id, filer, expense())
        db.session.rollback()
    finally:
        REGISTRY.task_handlers["test.record_expense"] = gone
    assert _only_task(filer).id == task.id
