"""An administrator's interventions (issue 10 point 14) on the real engine, PostgreSQL and queue:
暂停 stops moves and timers until 恢复; 终止 needs a reason and ends TERMINATED; 改派; 重试异常 of
a background service that failed for good; 删除草稿 only for an untouched request — each audited
(the timeline), refused to others (NotFound outside their scope, Forbidden in it), and a 终止
racing a completion has one clean winner."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.base import config
from engine.base.db import db as _db
from engine.base.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask, Notification, Outbox, ProcessInstance, Timer
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves import interventions
from engine.moves.runtime import complete_task, start_process
from engine.time import clock
from engine.work.inbox import timeline, todo
from tests.factories import deploy_example, expense, make_user

MODELS = Path(__file__).resolve().parent.parent / "models"


@pytest.fixture()
def people(db):
    deploy_example()
    users = {"filer": make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01")),
             "head": make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01")),
             "head2": make_user("head2", ("UNIT_HEAD", "UNIT", "D01-U01"), name="赵副主任"),
             "admin": make_user("admin", ("SYS_ADMIN", "ALL", None)),
             "padmin": make_user("padmin", ("PROCESS_ADMIN", "ALL", None)),
             "outsider": make_user("outsider", ("UNIT_HEAD", "UNIT", "D02-U01"))}
    db.session.commit()
    return users


def submitted(u) -> tuple[ProcessInstance, HumanTask]:
    instance = start_process("ex_two_step_approval", u["filer"])
    _db.session.commit()
    complete_task(todo(u["filer"])[0].id, u["filer"], expense())
    _db.session.commit()
    return instance, todo(u["head"])[0]


def actions(instance) -> list[str]:
    _db.session.expire_all()
    return [e.action for e in timeline(instance.id)]


def test_suspend_refuses_moves_until_resume(people):
    u = people
    instance, task = submitted(u)
    interventions.suspend(instance.id, u["admin"], "核查资金来源")
    _db.session.commit()
    assert _db.session.get(ProcessInstance, instance.id).status == "SUSPENDED"
    with pytest.raises(Conflict, match="暂停"):
        complete_task(task.id, u["head"], {"verdict": "APPROVE"})
    _db.session.rollback()
    with pytest.raises(Conflict):
        interventions.suspend(instance.id, u["admin"])
    _db.session.rollback()
    interventions.resume(instance.id, u["padmin"], "核查完毕")
    _db.session.commit()
    complete_task(task.id, u["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    assert _db.session.get(ProcessInstance, instance.id).status == "COMPLETED"
    assert [a for a in actions(instance) if a in ("suspend", "resume")] == ["suspend", "resume"]


def test_a_suspended_instances_timers_wait_for_resume(people):
    deploy({"tm_timers.bpmn": (MODELS / "tm_timers.bpmn").read_bytes()}, "test")
    _db.session.commit()
    instance = start_process("tm_timers", people["filer"], {"wait_for": "PT1S", "escalate_after": "PT30M",
                                                            "remind_cycle": "R1/PT30M"})
    _db.session.commit()
    interventions.suspend(instance.id, people["admin"])
    _db.session.commit()
    time.sleep(1.2)
    clock.tick()
    queue.drain()
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "timer")) == 0
    assert {t.status for t in _db.session.scalars(select(Timer).where(Timer.instance_id == instance.id))} == {"WAITING"}
    interventions.resume(instance.id, people["admin"])
    _db.session.commit()
    clock.tick()
    queue.drain()
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "timer")) == 1


def test_terminate_needs_a_reason_closes_everything_and_ends_terminated(people):
    u = people
    instance, task = submitted(u)
    with pytest.raises(ValidationFailed) as err:
        interventions.terminate(instance.id, u["admin"], "  ")
    assert list(err.value.errors) == ["reason"]
    _db.session.rollback()
    interventions.terminate(instance.id, u["admin"], "项目已撤销")
    _db.session.commit()
    _db.session.expire_all()
    assert _db.session.get(ProcessInstance, instance.id).status == "TERMINATED"
    assert _db.session.get(HumanTask, task.id).status == "CANCELLED"
    event = [e for e in timeline(instance.id) if e.action == "terminate"][0]
    assert (event.actor, event.comment) == ("admin", "项目已撤销")
    with pytest.raises(Conflict):
        complete_task(task.id, u["head"], {"verdict": "APPROVE"})
    _db.session.rollback()


@pytest.mark.parametrize("name", ["suspend", "terminate", "retry", "delete_draft"])
def test_refused_to_others(people, name):
    u = people
    instance, _task = submitted(u)
    fn = {"suspend": interventions.suspend, "terminate": interventions.terminate,
          "retry": interventions.retry_incident, "delete_draft": interventions.delete_draft}[name]
    with pytest.raises(Forbidden):
        fn(instance.id, u["head"], "x")  # sees it (in scope), no administrator
    _db.session.rollback()
    with pytest.raises(NotFound):
        fn(instance.id, u["outsider"], "x")  # another unit: as if it did not exist
    _db.session.rollback()
    assert _db.session.get(ProcessInstance, instance.id).status == "RUNNING"


def test_reassign_to_a_chosen_person(people):
    u = people
    instance, task = submitted(u)
    with pytest.raises(Forbidden):
        interventions.reassign(task.id, u["head"], "head2")
    _db.session.rollback()
    with pytest.raises(ValidationFailed):
        interventions.reassign(task.id, u["admin"], "nobody")
    _db.session.rollback()
    interventions.reassign(task.id, u["admin"], "head2", "原办理人休假")
    _db.session.commit()
    _db.session.expire_all()
    row = _db.session.get(HumanTask, task.id)
    assert (row.assignee, row.assigned_via) == ("head2", "REASSIGN")
    assert [t.id for t in todo(u["head2"])] == [task.id] and todo(u["head"]) == []
    event = [e for e in timeline(instance.id) if e.action == "reassign"][0]
    assert event.detail == {"from": None, "to": "head2"} and event.comment == "原办理人休假"
    heard = _db.session.scalars(select(Notification.username).where(Notification.kind == "reassign")).all()
    assert heard == ["head2"]
    complete_task(task.id, u["head2"], {"verdict": "APPROVE"})
    _db.session.commit()


def test_delete_draft_only_while_untouched(people):
    u = people
    draft = start_process("ex_two_step_approval", u["filer"])
    _db.session.commit()
    interventions.delete_draft(draft.id, u["admin"], "长期未提交")
    _db.session.commit()
    _db.session.expire_all()
    assert _db.session.get(ProcessInstance, draft.id).status == "DELETED"
    assert todo(u["filer"]) == []
    assert "delete_draft" in actions(draft)
    instance, _task = submitted(u)
    with pytest.raises(Conflict, match="草稿"):
        interventions.delete_draft(instance.id, u["admin"])
    _db.session.rollback()


def _race(app, instance: ProcessInstance, task: HumanTask) -> dict[str, str]:
    """The head's last completion and the administrator's 终止, released at the same moment."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name: str, who: str, move) -> None:  # noqa: ANN001
        with app.app_context():
            user = _db.session.scalar(select(User).where(User.username == who))
            barrier.wait()
            try:
                move(user)
                _db.session.commit()
                outcomes[name] = "ok"
            except Conflict:
                _db.session.rollback()
                outcomes[name] = "conflict"
            except Exception as err:  # noqa: BLE001
                _db.session.rollback()
                outcomes[name] = repr(err)

    threads = [threading.Thread(target=run, args=("complete", "head", lambda user: complete_task(
                   task.id, user, {"verdict": "APPROVE"}))),
               threading.Thread(target=run, args=("terminate", "admin", lambda user: interventions.terminate(
                   instance.id, user, "并发终止")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_terminate_racing_the_last_completion_has_one_clean_winner(app, people):
    for _round in range(3):
        instance, task = submitted(people)
        outcomes = _race(app, instance, task)
        assert sorted(outcomes.values()) == ["conflict", "ok"], outcomes
        _db.session.expire_all()
        status = _db.session.get(ProcessInstance, instance.id).status
        assert status == ("COMPLETED" if outcomes["complete"] == "ok" else "TERMINATED")
        kinds = [e.action for e in timeline(instance.id)]
        assert ("terminate" in kinds) == (outcomes["terminate"] == "ok")
        assert ("end" in kinds) == (outcomes["complete"] == "ok")


def test_retry_runs_the_failed_background_step_again_and_clears_the_incident(people):
    from engine.base import hooks

    if "test.slow_report" not in hooks.REGISTRY.services:
        hooks.service("test.slow_report")(lambda ctx, rows: {"report_rows": rows, "report_ready": True})
    deploy({"bg_service.bpmn": (MODELS / "bg_service.bpmn").read_bytes()}, "test")
    _db.session.commit()
    instance = start_process("bg_service", people["filer"], {"rows": 5})
    _db.session.commit()
    with config.override(task_data_max_bytes=20, job_retry_base_seconds=0.0):  # its result is too big now
        queue.drain()
    _db.session.expire_all()
    job = _db.session.scalar(select(Outbox).where(Outbox.kind == "service.run"))
    assert job.status == "FAILED"
    assert _db.session.get(ProcessInstance, instance.id).incident.startswith("后台服务任务失败")
    with config.override(task_data_max_bytes=20), pytest.raises(Conflict, match="重试未成功"):
        interventions.retry_incident(instance.id, people["admin"])
    _db.session.rollback()
    interventions.retry_incident(instance.id, people["admin"], "已放宽限制")
    _db.session.commit()
    _db.session.expire_all()
    assert _db.session.get(ProcessInstance, instance.id).incident is None
    assert _db.session.get(Outbox, job.id).status == "DONE"
    assert [r.task_name for r in _db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY"))] == ["ut_bg_review"]
    assert "incident_retry" in actions(instance)
    with pytest.raises(Conflict, match="没有待处理的异常"):
        interventions.retry_incident(instance.id, people["admin"])
    _db.session.rollback()
