"""Notifications people expect (issue 10 point 12), through the real engine on PostgreSQL: a
request returned (by a step's verdict or by 退回), refused, ended (P1 已入库 / 未入库 / 部门退回不予
申报, the example's 已批准), withdrawn or terminated tells the initiator and the people concerned —
each exactly once, never the person who did it — in Chinese naming the process and the step; and
opening a notification marks it read and lands on the task while it is open, on the instance once
the task moved on (an old 催办), on the list when the instance is out of sight."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base.db import db as _db
from engine.base.models import HumanTask, Notification
from engine.definitions.deploy import deploy
from engine.moves import interactions, interventions, returns
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from engine.work.notices import open_notice
from tests.factories import deploy_example, expense, make_user

OPS = Path(__file__).resolve().parent.parent / "models" / "ops_review.bpmn"
EXAMPLE = "费用申请（示例）"


def notes(kind: str | None = None) -> list[tuple[str, str, str]]:
    _db.session.expire_all()
    rows = _db.session.scalars(select(Notification).order_by(Notification.created_at, Notification.username))
    return [(n.username, n.kind, n.title) for n in rows if kind is None or n.kind == kind]


@pytest.fixture()
def two_step(db):
    deploy_example()
    people = {"filer": make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"), name="王填报"),
              "head": make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"), name="李单位"),
              "admin": make_user("admin", ("SYS_ADMIN", "ALL", None)),
              "stranger": make_user("stranger", ("UNIT_HEAD", "UNIT", "D09-U01"))}
    db.session.commit()
    return people


def begin(people) -> tuple:
    instance = start_process("ex_two_step_approval", people["filer"])
    _db.session.commit()
    complete_task(todo(people["filer"])[0].id, people["filer"], expense())
    _db.session.commit()
    return instance, todo(people["head"])[0]


def test_a_returning_verdict_tells_the_initiator_once_by_process_and_step(two_step):
    instance, task = begin(two_step)
    complete_task(task.id, two_step["head"], {"verdict": "RETURN", "comment": "请补充采购明细和报价单。"})
    _db.session.commit()
    assert notes() == [("filer", "return", f"【退回】{EXAMPLE}「{instance.title}」在“单位审核”被退回")
                       if instance.title != EXAMPLE else ("filer", "return", f"【退回】{EXAMPLE}在“单位审核”被退回")]
    body = _db.session.scalar(select(Notification.body))
    assert body == "请补充采购明细和报价单。"


def test_the_end_tells_initiator_and_participants_once_with_the_end_events_name(two_step):
    instance, task = begin(two_step)
    complete_task(task.id, two_step["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    assert [(u, k) for u, k, _ in notes()] == [("filer", "end")]  # the head decided it: they know
    assert notes()[0][2].startswith("【办结】") and notes()[0][2].endswith("：已批准")
    assert EXAMPLE in notes()[0][2]


def test_withdraw_tells_whoever_had_it_in_hand(two_step):
    instance, _task = begin(two_step)
    returns.withdraw(instance.id, two_step["filer"], "金额有误，撤回修改")
    _db.session.commit()
    assert [(u, k) for u, k, _ in notes()] == [("head", "withdraw")]
    assert "已由发起人撤回" in notes()[0][2] and EXAMPLE in notes()[0][2]


def test_terminate_tells_the_initiator_and_the_assignee(two_step):
    instance, task = begin(two_step)
    interactions.save_draft(task.id, two_step["head"], {"comment": "看看"})  # no effect on who hears
    _db.session.commit()
    from engine.moves import handoffs
    handoffs.claim(task.id, two_step["head"])
    _db.session.commit()
    interventions.terminate(instance.id, two_step["admin"], "项目已取消")
    _db.session.commit()
    assert sorted((u, k) for u, k, _ in notes()) == [("filer", "terminate"), ("head", "terminate")]


def test_opening_marks_read_and_lands_on_the_task_then_the_instance_once_it_moved_on(two_step):
    instance, task = begin(two_step)
    two_step["filer"].roles  # noqa: B018  (loaded)
    urged = interactions.urge(instance.id, two_step["filer"], "请尽快审核")
    _db.session.commit()
    assert urged == ["head"]
    note = _db.session.scalar(select(Notification).where(Notification.kind == "urge"))
    landing = open_notice(note.id, two_step["head"])
    _db.session.commit()
    assert (landing.kind, landing.id) == ("task", task.id)
    assert _db.session.get(Notification, note.id).read_at is not None
    complete_task(task.id, two_step["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    landing = open_notice(note.id, two_step["head"])  # the old 催办: the task is done
    assert (landing.kind, landing.id) == ("instance", instance.id)


def test_opening_someone_elses_notice_is_not_found_and_an_invisible_instance_lands_on_the_list(two_step):
    from engine.base.errors import NotFound
    from engine.work.opinions import notify

    instance, _task = begin(two_step)
    notify(["stranger"], "cc", "抄送", instance=instance)
    _db.session.commit()
    note = _db.session.scalar(select(Notification).where(Notification.username == "stranger"))
    with pytest.raises(NotFound):
        open_notice(note.id, two_step["head"])
    _db.session.rollback()
    assert open_notice(note.id, two_step["stranger"]).kind == "list"  # out of their scope now


@pytest.fixture()
def ops(db):
    deploy({OPS.name: OPS.read_bytes()}, "test")
    people = {"filer": make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01")),
              "head": make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01")),
              "fin": make_user("fin", ("FIN_PERF", "ALL", None))}
    for name in ("e1", "v1", "cc1"):
        people[name] = make_user(name)
    db.session.commit()
    return people


def test_the_return_operation_tells_the_target_and_the_initiator_once_each(ops):
    start_process("ops_review", ops["filer"], {"experts": ["e1"], "voters": ["v1"], "cc_list": []})
    _db.session.commit()
    complete_task(todo(ops["filer"])[0].id, ops["filer"], expense())
    _db.session.commit()
    check = _db.session.scalar(select(HumanTask).where(HumanTask.task_name == "ut_check", HumanTask.status == "READY"))
    complete_task(check.id, ops["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    review = _db.session.scalar(select(HumanTask).where(HumanTask.task_name == "ut_review_b",
                                                        HumanTask.status == "READY"))
    target = _db.session.scalar(select(HumanTask).where(HumanTask.task_name == "ut_check",
                                                        HumanTask.status == "COMPLETED"))
    returns.return_task(review.id, ops["fin"], str(target.id), "复核意见不完整")
    _db.session.commit()
    heard = sorted((u, k) for u, k, _ in notes("return"))
    assert heard == [("filer", "return"), ("head", "return")]
    assert all("被退回至" in t for _, _, t in notes("return"))


# --- P1: the requests a unit files, told by the end event's Chinese name ---------------------------

@pytest.fixture()
def p1(db):
    from p1_driver import deploy_p1

    from budget.demo import load_demo

    load_demo("demo-pass-1")
    deploy_p1()
    return db


def test_p1_in_library_and_rejected_are_told_once_each(p1):
    from p1_driver import CORE, Flow, set_packs

    set_packs(CORE)
    admitted = Flow("P-D05-002", year=None)
    admitted.fill()
    admitted.unit_approve()
    admitted.dept_review()
    admitted.assert_ended("end_p1_in_library", "IN_LIBRARY")
    heard = notes("end")
    assert sorted(u for u, _, _ in heard) == ["filer.d05u01", "head.d05u01"]  # not dept.d05, who decided
    assert all(t.startswith("【办结】项目申报入库与事前绩效评估「") and t.endswith("：已入库") for _, _, t in heard)

    refused = Flow("P-D01-001")
    refused.fill()
    refused.unit_approve()
    refused.dept_review("REJECT", "该项目与本部门已有信息化项目内容重复，不予申报。", grade="差")
    refused.assert_ended("end_p1_rejected", "NOT_ADMITTED")
    mine = [n for n in _db.session.scalars(select(Notification).where(
        Notification.instance_id == refused.instance.id, Notification.username == refused.filer.username))]
    assert [(n.kind, n.title.split("：")[-1]) for n in mine] == [("end", "部门退回不予申报")]  # one notice, not two
    assert "不予申报" in mine[0].body
