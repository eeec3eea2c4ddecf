"""A demo FY2025 year on the real engine (P-D01-002, packs ALL, driven by p3_driver) whose monthly
reports and warning explanation are the work ledger's rows; P7 cases written through the models
(budget/models/rectification.py) until P7 lands on main."""
from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import Department, IssueItem, Project, ProjectYear, RectificationCase, RectificationReport
from engine.base.db import db as _db
from engine.base.identity import User
from tests.factories import PASSWORD

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import ALL  # noqa: E402
from p3_driver import P3Flow, deploy_p1_p2_p3, start_demo_year  # noqa: E402


def user(name: str) -> User:
    return _db.session.scalars(select(User).where(User.username == name)).one()


@pytest.fixture()
def p3_year(db):
    return build_p3_year()


def build_p3_year() -> P3Flow:
    """P-D01-002's FY2025 through month 6: the month-4 YELLOW explanation and month-5 RED
    measures done on time, the month-6
    report (due 2025-07-31) open — the tests move the clock and complete it."""
    load_demo(PASSWORD)
    deploy_p1_p2_p3()
    start_demo_year("P-D01-002", 2025, ALL)
    p = P3Flow(code="P-D01-002", people=("filer.d01u01", "dept.d01", "fund.edu"))
    for month, paid in ((1, 65), (2, 130), (3, 195)):
        p.run_month(month, paid)
    p.run_month(4, 650)  # 10 % against 33 %: YELLOW → 说明原因
    p.explain()
    p.confirm()
    p.run_month(5)  # RED → 纠偏措施, the department's check, the fund division's follow-up
    p.corrective()
    p.confirm(ok=False)
    p.do(p.fund, "ut_p3_fund_followup", {"decision": "WATCH", "reason": "单位已制定纠偏措施，继续跟踪下月执行进度。"})
    p.run_month(6, 2600)
    assert "ut_p3_unit_report" in p.ready(), p.ready()
    return p


def rect_case(code: str, project_code: str, *, notice: date, plan_due: date, report_due: date,
              issues: int = 2, status: str = "NOTIFIED") -> RectificationCase:
    """A rectification case with `issues` issue items, written as P7 writes them."""
    project = _db.session.scalars(select(Project).where(Project.code == project_code)).one()
    py = _db.session.scalars(select(ProjectYear).where(ProjectYear.project_id == project.id,
                                                       ProjectYear.fiscal_year == 2025)).one()
    import uuid
    case = RectificationCase(code=code, source_type="MONITORING", source_id=uuid.uuid4(), project_year_id=py.id,
                             responsible_dept_id=project.department_id, responsible_unit_id=project.unit_id,
                             notice_date=notice, plan_due=plan_due, report_due=report_due, status=status,
                             source_label="2025年监控红色预警", created_at=datetime(notice.year, notice.month, notice.day, 2,
                                                                             tzinfo=UTC))
    _db.session.add(case)
    _db.session.flush()
    unit = _db.session.get(Department, project.unit_id)
    for seq in range(1, issues + 1):
        _db.session.add(IssueItem(case_id=case.id, seq=seq, description=f"问题{seq}：资金拨付进度滞后", category="EXECUTION",
                                  owner_unit_id=unit.id, owner_person="filer.d01u01", deadline=report_due))
    _db.session.flush()
    return case


def submit_report(case: RectificationCase, at: datetime) -> None:
    _db.session.add(RectificationReport(case_id=case.id, round=0, version=1, submitted_at=at, overall_text="已整改"))
    case.report_submitted_at = at
    case.status = "REPORT_SUBMITTED"
    _db.session.flush()


@pytest.fixture()
def login(app, p3_year):
    """A logged-in page client per demo user (each its own cookies)."""
    from tests.pages.conftest import PersonClient

    def as_user(username: str):  # noqa: ANN202
        client = PersonClient(app, app.response_class, use_cookies=True)
        reply = client.post("/login", data={"username": username, "password": PASSWORD})
        assert reply.status_code == 302, reply.get_data(as_text=True)
        return client

    return as_user


@pytest.fixture()
def token_for(client):
    def issue(username: str) -> dict[str, str]:
        reply = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert reply.status_code == 200, reply.get_json()
        return {"Authorization": f"Bearer {reply.get_json()['token']}"}

    return issue
