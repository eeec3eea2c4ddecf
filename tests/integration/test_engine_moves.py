"""Moves on the real engine and PostgreSQL: start, complete, return, side tables, audit."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.base.errors import Conflict, Forbidden, ValidationFailed
from engine.base.models import AuditEvent, HumanTask, ProcessInstance
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.work.inbox import todo
from tests.factories import deploy_example, expense, make_user


@pytest.fixture()
def people(db):
    deploy_example()
    filer = make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    head = make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"))
    other_head = make_user("h2", ("UNIT_HEAD", "UNIT", "D02-U01"))
    db.session.commit()
    return filer, head, other_head


def _only_task(user):
    tasks = todo(user)
    assert len(tasks) == 1, [t.title for t in tasks]
    return tasks[0]


def test_approve_path_runs_to_end_with_decimal_data(db, people):
    filer, head, other_head = people
    instance = start_process("ex_two_step_approval", filer)
    db.session.commit()
    assert instance.scope_unit == "D01-U01"
    fill = _only_task(filer)
    assert fill.task_name == "ut_ex_fill" and fill.lane == "UNIT_FILER"
    complete_task(fill.id, filer, expense())
    db.session.commit()
    assert todo(other_head) == []  # another unit's head does not see it
    approve = _only_task(head)
    complete_task(approve.id, head, {"verdict": "APPROVE"})
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == "COMPLETED" and instance.end_event == "end_ex_approved"
    last = load_workflow(instance).get_tasks()[-1].data
    assert last["approved_total"] == Decimal("2.10")
    assert isinstance(last["amount"], Decimal)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id))]
    assert actions[0] == "start" and actions.count("complete") == 2 and actions[-1] == "end"


def test_return_goes_back_to_filer_with_opinion(db, people):
    filer, head, _ = people
    start_process("ex_two_step_approval", filer)
    complete_task(_only_task(filer).id, filer, expense())
    task = _only_task(head)
    complete_task(task.id, head, {"verdict": "RETURN", "comment": "明细单价偏高，请核实后重新提交。"})
    db.session.commit()
    again = _only_task(filer)
    assert again.task_name == "ut_ex_fill"
    done = db.session.get(HumanTask, task.id)
    assert done.status == "COMPLETED" and done.decision == "RETURN"


def test_invalid_submission_writes_nothing(db, people):
    filer, _, _ = people
    instance = start_process("ex_two_step_approval", filer)
    db.session.commit()
    before = instance.state
    task = _only_task(filer)
    with pytest.raises(ValidationFailed) as err:
        complete_task(task.id, filer, {"subject": "短", "amount": "-1", "items": [{"item": "", "quantity": 0}]})
    db.session.rollback()
    assert {"subject", "amount", "purpose", "items.0.item", "items.0.quantity"} <= set(err.value.errors)
    assert all(isinstance(m, str) for ms in err.value.errors.values() for m in ms)
    db.session.refresh(instance)
    assert instance.state == before
    assert db.session.get(HumanTask, task.id).status == "READY"


def test_wrong_user_forbidden_and_second_completion_conflicts(db, people):
    filer, head, other_head = people
    start_process("ex_two_step_approval", filer)
    complete_task(_only_task(filer).id, filer, expense())
    db.session.commit()
    task = _only_task(head)
    with pytest.raises(Forbidden):
        complete_task(task.id, other_head, {"verdict": "APPROVE"})
    db.session.rollback()
    complete_task(task.id, head, {"verdict": "APPROVE"})
    db.session.commit()
    with pytest.raises(Conflict):
        complete_task(task.id, head, {"verdict": "APPROVE"})
    db.session.rollback()
    assert db.session.scalar(select(ProcessInstance.status)) == "COMPLETED"
