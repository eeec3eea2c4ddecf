"""Reminders and escalation (engine.work.reminders, views.md §7.3) on the real engine and PostgreSQL:
each occasion once at its time, racing scans, escalation to the head and then to finance, nothing
for a closed task, and the head from the second 催办 on. Items are placed in time by setting
their due_at / created_at; the scheduler is ticked with explicit `now` values."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.base.models import AuditEvent, HumanTask, Notification, Outbox, ProcessInstance, Reminder
from engine.dispatch import queue
from engine.moves import interactions
from engine.moves.runtime import complete_task, start_process
from engine.time import clock
from engine.time.calendar import LOCAL
from engine.work import reminders
from tests.factories import deploy_example, expense, make_user

DUE = datetime(2026, 3, 20, 23, 59, 59, tzinfo=LOCAL)  # a working-day deadline: end of Fri 20 March
OPENED = datetime(2026, 3, 1, 10, 0, tzinfo=LOCAL)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=LOCAL)


@pytest.fixture()
def people(db):
    deploy_example()
    users = {
        "f1": make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01")),
        "f2": make_user("f2", ("UNIT_FILER", "UNIT", "D01-U01")),
        "h1": make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01")),
        "h9": make_user("h9", ("UNIT_HEAD", "UNIT", "D02-U01")),  # another unit's head
        "dh": make_user("dh", ("DEPT_HEAD", "DEPARTMENT", "D01")),
        "perf": make_user("perf", ("FIN_PERF", "ALL", None)),
        "fund": make_user("fund", ("FIN_FUND", "DIVISION", "FD-EDU")),
        "fund9": make_user("fund9", ("FIN_FUND", "DIVISION", "FD-OTHER")),  # another division
    }
    db.session.commit()
    return users


def open_instance(db, u) -> ProcessInstance:
    """The two-step model started by f1, its scope completed with department and fund division."""
    instance = start_process("ex_two_step_approval", u["f1"])
    instance.scope_dept, instance.scope_division = "D01", "FD-EDU"
    for row in db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        row.scope_dept, row.scope_division = "D01", "FD-EDU"
    db.session.commit()
    return instance


def ready(db, instance, name: str) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                      HumanTask.task_name == name, HumanTask.status == "READY")).one()


def place(db, row: HumanTask, due: datetime = DUE, opened: datetime = OPENED) -> HumanTask:
    row.due_at, row.created_at = due, opened
    db.session.commit()
    return row


def run(now: datetime) -> int:
    """One scheduler tick at `now`, then the jobs it queued; the number of reminders recorded."""
    counts = clock.tick(now)
    queue.drain()
    return counts["scan_reminders"]


def occasions(db, row: HumanTask) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder.occasion).where(Reminder.task_id == row.id).order_by(Reminder.id)))


def inbox(db, username: str, kind: str | None = None) -> list[str]:
    query = select(Notification.title).where(Notification.username == username)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.created_at, Notification.id)))


def test_each_occasion_fires_once_at_its_time(db, people):
    u = people
    instance = open_instance(db, u)
    fill = place(db, ready(db, instance, "ut_ex_fill"))  # unclaimed: both filers of the unit hear of it
    subject = f"填写费用申请 — {instance.title}"
    timeline = [
        (at(13, 8, 59), set()),
        (at(13), {"T_MINUS_7"}),
        (at(13, 18), set()),
        (at(16, 12), set()),
        (at(17), {"T_MINUS_3"}),
        (at(19, 9, 30), {"T_MINUS_1"}),
        (at(20), {"DUE"}),
        (at(21), {"OVERDUE_1"}),
        (at(22), set()),
        (at(23), {"ESCALATED_HEAD"}),
        (at(24), {"OVERDUE_REPEAT_1"}),
        (at(27), {"OVERDUE_REPEAT_2", "ESCALATED_FIN"}),
        (at(29), set()),
        (at(30), {"OVERDUE_REPEAT_3"}),
    ]
    seen: list[str] = []
    for now, expected in timeline:
        assert run(now) == len(expected), now
        new = occasions(db, fill)[len(seen):]
        assert set(new) == expected, now
        seen += new
        assert run(now) == 0  # the same tick again: nothing twice
        assert run(now + timedelta(seconds=30)) == 0
    rows = db.session.scalars(select(Reminder).where(Reminder.task_id == fill.id)).all()
    assert {r.status for r in rows} == {"SENT"}
    for filer in ("f1", "f2"):
        titles = inbox(db, filer, "remind")
        assert titles == [
            f"【即将到期】{subject}（7天后到期）", f"【即将到期】{subject}（3天后到期）",
            f"【即将到期】{subject}（1天后到期）", f"【今日到期】{subject}（23:59 前办理）",
            f"【已逾期1天】{subject}", f"【已逾期4天】{subject}", f"【已逾期7天】{subject}",
            f"【已逾期10天】{subject}"]
        assert inbox(db, filer, "escalate") == []
    assert inbox(db, "h1") == [f"【逾期升级】{subject}（已逾期3天）"]  # the unit head of a unit-lane item
    assert inbox(db, "perf") == inbox(db, "fund") == [f"【逾期升级】{subject}（已逾期7天）"]
    for nobody in ("h9", "fund9", "dh"):
        assert inbox(db, nobody) == []
    head = next(r for r in rows if r.occasion == "ESCALATED_HEAD")
    assert head.recipients == ["h1"]
    assert sorted(next(r for r in rows if r.occasion == "ESCALATED_FIN").recipients) == ["fund", "perf"]


def test_the_scan_records_and_queues_but_only_jobs_notify(db, people):
    instance = open_instance(db, people)
    fill = place(db, ready(db, instance, "ut_ex_fill"))
    assert clock.tick(at(21))["scan_reminders"] == 1
    assert occasions(db, fill) == ["OVERDUE_1"]  # the latest of its family only: no T-7/T-3/T-1/DUE
    job = db.session.scalars(select(Outbox).where(Outbox.kind == reminders.SEND)).one()
    reminder = db.session.scalars(select(Reminder)).one()
    assert job.key == f"reminder:{reminder.id}" and job.queue == "notify" and job.instance_id == instance.id
    assert reminder.status == "QUEUED" and reminder.sent_at is None
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    queue.drain()
    db.session.expire_all()
    assert reminder.status == "SENT" and sorted(reminder.recipients) == ["f1", "f2"]


def test_a_claimed_item_reminds_its_assignee_only(db, people):
    instance = open_instance(db, people)
    fill = ready(db, instance, "ut_ex_fill")
    fill.assignee, fill.assigned_via = "f2", "CLAIM"
    place(db, fill)
    run(at(19))
    assert inbox(db, "f2") == [f"【即将到期】填写费用申请 — {instance.title}（1天后到期）"]
    assert inbox(db, "f1") == []


def test_an_item_opened_late_skips_the_passed_occasions(db, people):
    instance = open_instance(db, people)
    late = place(db, ready(db, instance, "ut_ex_fill"), opened=at(19, 8))  # after T-7 and T-3
    assert run(at(19, 8, 30)) == 0  # T-3 was reached before the item existed: not "3 days left"
    assert run(at(19)) == 1
    assert occasions(db, late) == ["T_MINUS_1"]
    # a scheduler that was down for a week: one reminder per family, the latest, with the true days
    other = open_instance(db, people)
    down = place(db, ready(db, other, "ut_ex_fill"))
    assert run(at(28, 10)) == 6  # OVERDUE_REPEAT_2 + ESCALATED_HEAD + ESCALATED_FIN, for each item
    assert set(occasions(db, down)) == {"OVERDUE_REPEAT_2", "ESCALATED_HEAD", "ESCALATED_FIN"}
    assert f"【已逾期8天】填写费用申请 — {other.title}" in inbox(db, "f1")
    assert inbox(db, "h1") == [f"【逾期升级】填写费用申请 — {title}（已逾期8天）"
                               for title in (instance.title, other.title)]


def test_escalation_of_a_unit_head_goes_to_the_department_head_then_finance(db, people):
    u = people
    instance = open_instance(db, u)
    complete_task(ready(db, instance, "ut_ex_fill").id, u["f1"], expense())
    db.session.commit()
    approve = place(db, ready(db, instance, "ut_ex_approve"))
    run(at(23))
    subject = f"单位审核 — {instance.title}"
    assert inbox(db, "h1", "remind") == [f"【已逾期3天】{subject}"]
    assert inbox(db, "dh") == [f"【逾期升级】{subject}（已逾期3天）"]  # above the late unit head
    assert inbox(db, "perf") == []
    run(at(27))
    assert sorted(occasions(db, approve)) == ["ESCALATED_FIN", "ESCALATED_HEAD", "OVERDUE_1", "OVERDUE_REPEAT_2"]
    assert inbox(db, "perf") == inbox(db, "fund") == [f"【逾期升级】{subject}（已逾期7天）"]
    assert inbox(db, "fund9") == [] and inbox(db, "dh") == [f"【逾期升级】{subject}（已逾期3天）"]


def test_a_completed_task_gets_nothing(db, people):
    u = people
    instance = open_instance(db, u)
    fill = place(db, ready(db, instance, "ut_ex_fill"))
    assert clock.tick(at(23))["scan_reminders"] == 2  # OVERDUE_1 and ESCALATED_HEAD queued …
    complete_task(fill.id, u["f1"], expense())  # … and the task done before the jobs run
    db.session.commit()
    queue.drain()
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(Reminder))} == {"SKIPPED"}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert run(at(30)) == 0  # closed: no further occasion
    # closed before the scan ever saw it: no row at all
    other = open_instance(db, u)
    done = place(db, ready(db, other, "ut_ex_fill"))
    complete_task(done.id, u["f1"], expense())
    db.session.commit()
    assert run(at(30)) == 0 and occasions(db, done) == []


def _clone(db, row: HumanTask, n: int) -> list[uuid.UUID]:
    """n more open items like `row` (the bench-like population of one test)."""
    columns = {c.key: getattr(row, c.key) for c in HumanTask.__table__.columns if c.key != "id"}
    ids = [uuid.uuid4() for _ in range(n)]
    db.session.add_all(HumanTask(**columns, id=i) for i in ids)
    db.session.commit()
    return ids


@pytest.mark.parametrize("how", ["tick", "record_due"])
def test_two_scans_at_once_send_each_reminder_once(app, db, people, how):
    instance = open_instance(db, people)
    fill = place(db, ready(db, instance, "ut_ex_fill"), due=DUE, opened=OPENED)
    fill.assignee = "f1"
    db.session.commit()
    items = 1 + len(_clone(db, fill, 59))
    now = at(27)  # OVERDUE_REPEAT_2, ESCALATED_HEAD and ESCALATED_FIN for every item
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scan() -> None:
        from engine.base.db import db as session_db

        with app.app_context():
            try:
                barrier.wait(timeout=10)
                if how == "tick":
                    clock.tick(now)
                else:  # both past the lock: only the unique key keeps them apart
                    reminders.record_due(now)
                    session_db.session.commit()
            except BaseException as err:  # noqa: BLE001
                errors.append(err)
                session_db.session.rollback()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 3 * items
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == reminders.SEND)) == 3 * items
    queue.drain(limit=10_000)
    assert run(now) == 0
    assert len(inbox(db, "f1", "remind")) == items
    assert len(inbox(db, "h1", "escalate")) == items
    assert len(inbox(db, "perf", "escalate")) == items


def test_the_second_urge_reaches_the_head(db, people):
    u = people
    instance = open_instance(db, u)
    assert sorted(interactions.urge(instance.id, u["h1"], "请尽快填报")) == ["f1", "f2"]  # the fill step
    db.session.commit()
    complete_task(ready(db, instance, "ut_ex_fill").id, u["f1"], expense())
    db.session.commit()
    # the approval step is a new work item: the urge on the fill step does not count for it
    assert interactions.urge(instance.id, u["f1"], "请审核") == ["h1"]
    db.session.commit()
    assert interactions.urge(instance.id, u["f2"], "请尽快审核") == ["h1", "dh"]  # 2nd: + the head
    db.session.commit()
    assert inbox(db, "dh", "urge") == [f"催办（第2次）：单位审核（{instance.title}）"]
    assert inbox(db, "h1", "urge") == [f"催办：单位审核（{instance.title}）",
                                       f"催办（第2次）：单位审核（{instance.title}）"]
    # a third 催办 (after the rate limit: everything moved 11 minutes back) reaches both again
    back = timedelta(minutes=11)
    db.session.execute(AuditEvent.__table__.update().where(AuditEvent.action == "urge")
                       .values(at=AuditEvent.at - back))
    db.session.execute(HumanTask.__table__.update().where(HumanTask.instance_id == instance.id)
                       .values(created_at=HumanTask.created_at - back))
    db.session.commit()
    db.session.expire_all()
    assert interactions.urge(instance.id, u["f1"]) == ["h1", "dh"]
    db.session.commit()
    assert inbox(db, "dh", "urge")[-1] == f"催办（第3次）：单位审核（{instance.title}）"
