"""Working days on PostgreSQL: the shipped calendar, administrator edits, the script helpers in a
model (script task and timer expression) and a step due in working days (tests/models/wd_due.bpmn)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.base import config as engine_config
from engine.base.errors import ValidationFailed
from engine.base.models import HolidayDay, HumanTask, Timer
from engine.definitions.deploy import deploy
from engine.definitions.sandbox import RestrictedEnvironment
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.time import calendar
from tests.factories import ROOT, expense, make_user

MODEL = ROOT / "tests" / "models" / "wd_due.bpmn"
BEIJING = ZoneInfo("Asia/Shanghai")
D = date.fromisoformat


@pytest.fixture()
def shipped(db):
    calendar.clear_cache()  # the db fixture empties tables behind the cache's back
    loaded = calendar.load_shipped()
    db.session.commit()
    yield loaded
    calendar.clear_cache()


def test_shipped_years_load_once_and_replace_restores_them(shipped, db, app):
    assert set(shipped) == {2025, 2026}
    count = db.session.scalar(select(func.count()).select_from(HolidayDay))
    assert count == sum(shipped.values()) and count > 60
    assert all(r.jurisdiction == "SAMPLE-CITY" for r in db.session.scalars(select(HolidayDay)))
    assert calendar.load_shipped() == {}  # years present are left alone (administrator edits stay)
    calendar.set_day(None, D("2025-01-28"), calendar.WORKDAY, "改过")
    db.session.commit()
    reply = app.test_cli_runner().invoke(args=["perfflow", "holidays-load"])
    assert reply.exit_code == 0 and "已存在" in reply.output
    assert not calendar.is_working_day(D("2025-01-29"))
    assert calendar.is_working_day(D("2025-01-28"))
    reply = app.test_cli_runner().invoke(args=["perfflow", "holidays-load", "--replace"])
    assert reply.exit_code == 0 and "2025 年" in reply.output, reply.output
    db.session.expire_all()
    calendar.clear_cache()  # the CLI ran in its own app context and session
    assert not calendar.is_working_day(D("2025-01-28"))
    assert db.session.get(HolidayDay, ("SAMPLE-CITY", D("2025-01-28"))).name == "春节"


def test_the_calendar_of_the_configured_jurisdiction(shipped, app, monkeypatch):
    assert calendar.is_working_day(D("2025-01-26"))  # Sunday, 调休上班
    assert not calendar.is_working_day(D("2025-01-29"))  # 春节
    assert calendar.add_working_days(D("2025-01-24"), 3) == D("2025-02-05")
    assert calendar.working_days_between(D("2025-09-26"), D("2025-10-09")) == 4  # 9/28 (Sun), 9/29, 9/30, 10/9
    assert calendar.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")  # 2026 春节 make-up Saturday
    assert calendar.add_working_days(D("2026-02-14"), 1) == D("2026-02-24")
    # another jurisdiction has its own (here: empty) calendar
    assert calendar.is_working_day(D("2025-01-29"), "OTHER-CITY")
    with engine_config.override(jurisdiction="OTHER-CITY"):
        assert calendar.is_working_day(D("2025-01-29"))


def test_an_edit_is_seen_at_once(shipped, db):
    assert calendar.is_working_day(D("2025-03-03"))
    row, created = calendar.set_day(None, D("2025-03-03"), calendar.HOLIDAY, "地方假日")
    db.session.commit()
    assert created and not calendar.is_working_day(D("2025-03-03"))
    calendar.remove_day(None, D("2025-03-03"))
    db.session.commit()
    assert calendar.is_working_day(D("2025-03-03"))
    with pytest.raises(ValidationFailed) as err:
        calendar.set_day(None, D("2025-03-04"), "SOMETIMES")
    assert "类型须为" in err.value.errors["kind"][0]


def test_helpers_in_conditions_and_rule_cells(shipped):
    env = RestrictedEnvironment()
    assert env.evaluate("working_day(d)", {"d": D("2025-02-08")}) is True
    assert env.evaluate("working_day('2025-02-03')", {}) is False
    assert env.evaluate("working_days_between(a, b)", {"a": "2025-01-24", "b": "2025-02-05"}) == 3
    assert env.evaluate("add_working_days(3, d)", {"d": D("2025-01-24")}) == "2025-02-05T23:59:59+08:00"
    later = datetime.fromisoformat(env.evaluate("add_working_days(1)", {}))
    assert later > datetime.now(UTC) and later.tzinfo is not None


def test_due_in_working_days_and_a_timer_date_in_working_days(shipped, db, monkeypatch):
    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    filer = make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    calendar.set_day(None, D("2099-01-05"), calendar.HOLIDAY, "测试假日")  # the Monday after start_day
    db.session.commit()
    # Friday 2025-01-24, 10:00 in Beijing: 3 working days are Sun 1/26 (调休), Mon 1/27, Wed 2/5
    monkeypatch.setattr(calendar, "utcnow", lambda: datetime(2025, 1, 24, 2, 0, tzinfo=UTC))
    instance = start_process("wd_due", filer, {"start_day": "2099-01-02"})
    db.session.commit()

    item = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    assert item.task_name == "ut_wd_fill"
    assert item.due_at == datetime(2025, 2, 5, 23, 59, 59, tzinfo=BEIJING)

    ready = load_workflow(instance).get_tasks(state=TaskState.READY)[0]
    assert ready.data["reply_by"] == "2025-02-05T23:59:59+08:00"
    assert ready.data["saturday_worked"] is True and ready.data["festival_day_worked"] is False
    assert ready.data["span"] == 3

    complete_task(item.id, filer, expense())
    db.session.commit()
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == instance.id)).one()
    # from Friday 2099-01-02: weekend, the Monday holiday, then Tue (1) and Wed (2)
    assert timer.task_name == "tm_wd_wait" and timer.status == "WAITING"
    assert timer.due_at == datetime(2099, 1, 7, 23, 59, 59, tzinfo=BEIJING)


def test_deployment_accepts_working_days_and_refuses_junk(db):
    from engine.base.errors import DeploymentError

    bad = MODEL.read_bytes().replace(b'value="3WD"', b'value="3 work days"')
    with pytest.raises(DeploymentError) as err:
        deploy({MODEL.name: bad}, "test")
    assert [(e.element_id, e.message) for e in err.value.errors] == [
        ("ut_wd_fill", "dueIn 须为 ISO 8601 时长（如 P5D、PT4H）或工作日数（如 5WD），而不是 “3 work days”")]
    version, created = deploy({MODEL.name: MODEL.read_bytes()}, "test")
    assert created and version.key == "wd_due"
