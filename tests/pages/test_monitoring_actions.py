"""The project page's buttons into a running P3 (web/pages/monitoring_actions.py): the unit's
申请调整绩效目标 opens F-13 in its 待办, once however often it is clicked; the department's
项目已提前完成 (a confirmed form with the completion date) is recorded on the year; each is shown
only to whom the message catalogue lets send it, within their scope."""
from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.demo import load_demo
from budget.models import Project, ProjectYear
from budget.shared.targets import new_target_version
from engine.base.db import db as _db
from engine.base.models import HumanTask, ProcessInstance
from engine.definitions.deploy import closure_files, deploy
from engine.dispatch import queue
from engine.moves import mailbox
from engine.time import clock
from tests.factories import PASSWORD, ROOT
from tests.pages.conftest import PersonClient

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import indicators  # noqa: E402

CODE, YEAR = "P-D01-002", 2025  # a demo FY2025 year (EXECUTING), unit D01-U01
PAGE = f"/projects/{CODE}"


@pytest.fixture()
def running(app, db):
    load_demo(PASSWORD)
    deploy(closure_files(ROOT / "workflows")["p3_monitoring"], "test")
    db.session.commit()
    clock.travel_to(calc.run_at(YEAR, 3) + timedelta(days=20))  # late March 2025
    py = db.session.scalars(select(ProjectYear).join(Project).where(Project.code == CODE,
                                                                     ProjectYear.fiscal_year == YEAR)).one()
    target = new_target_version(py, {"overall_goal": "保障学前教育机构正常运转，提升保教质量。",
                                     "annual_goal": "按标准足额拨付生均公用经费，覆盖全部公办幼儿园。",
                                     "indicators": indicators()}, {}, "test")
    target.status, target.issued_at = "ISSUED", date(YEAR, 1, 15)
    mailbox.send("msg_budget_approved", {"project_id": str(py.project_id), "fiscal_year": YEAR}, source=None)
    db.session.commit()
    queue.drain()

    def login(username: str) -> PersonClient:
        client = PersonClient(app, app.response_class, use_cookies=True)
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client

    return login


def buttons(client: PersonClient) -> list[str]:
    html = client.get(PAGE).get_data(as_text=True)
    return re.findall(r'<button type="submit" class="btn btn-outline-\w+">([^<]+)</button>', html)


def message_id(client: PersonClient, action: str) -> str:
    html = client.get(PAGE).get_data(as_text=True)
    return re.search(rf'name="message_id" value="([^"]+-{action})"', html).group(1)


def adjust_tasks() -> list[HumanTask]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(HumanTask).where(HumanTask.task_name == "ut_p3_adjust_request")))


def test_unit_asks_to_adjust_its_target_once(running):
    filer = running("filer.d01u01")
    assert buttons(filer) == ["申请调整绩效目标"]  # the department's button is not the unit's
    mid = message_id(filer, "adjust")
    reply = filer.post(f"{PAGE}/monitoring/{YEAR}/target-adjust", data={"message_id": mid})
    (task,) = adjust_tasks()
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/tasks/{task.id}")
    again = filer.post(f"{PAGE}/monitoring/{YEAR}/target-adjust", data={"message_id": mid})  # a second click
    assert again.status_code == 302 and len(adjust_tasks()) == 1
    assert "绩效目标调整申请" in filer.get(reply.headers["Location"]).get_data(as_text=True)


def test_department_says_the_project_is_complete(running):
    officer = running("dept.d01")
    assert buttons(officer) == ["项目已提前完成"]
    html = officer.get(PAGE).get_data(as_text=True)
    assert 'data-confirm="确定项目已于所填日期提前完成' in html
    mid = message_id(officer, "early")
    late = officer.post(f"{PAGE}/monitoring/{YEAR}/completed-early", data={"message_id": mid,
                                                                          "completion_date": "2025-12-31"})
    assert "不晚于今天" in officer.get(late.headers["Location"]).get_data(as_text=True)
    officer.post(f"{PAGE}/monitoring/{YEAR}/completed-early", data={"message_id": mid, "completion_date": "2025-03-20"})
    _db.session.expire_all()
    py = _db.session.scalars(select(ProjectYear).join(Project).where(Project.code == CODE,
                                                                     ProjectYear.fiscal_year == YEAR)).one()
    assert py.execution_stats["completed_early"] == "2025-03-20"
    assert "提前完成" in officer.get(PAGE).get_data(as_text=True)


def test_nobody_else_sees_or_sends_them(running):
    other = running("dept.d02")  # another department: the project is not in its scope
    assert other.get(PAGE).status_code == 404
    assert other.post(f"{PAGE}/monitoring/{YEAR}/completed-early",
                      data={"completion_date": "2025-03-20"}).status_code == 404
    perf = running("perf.1")  # sees every project, sends neither message
    assert buttons(perf) == []
    reply = perf.post(f"{PAGE}/monitoring/{YEAR}/target-adjust", data={"message_id": "x"})
    assert "无权发送消息" in perf.get(reply.headers["Location"]).get_data(as_text=True) and adjust_tasks() == []
    (instance,) = _db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "p3_monitoring"))
    assert instance.status == "RUNNING"
