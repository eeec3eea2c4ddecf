"""示例市's history (budget.demo_history) loaded once for this module on PostgreSQL and the real
engine, as `make run` loads it, and checked against sample-data §8.3–§8.5: FY2025 through P2 to
`msg_budget_approved`, the FY2026 intake through P1 (P-D11-001 not admitted) with the others'
P2 open at the unit's confirmation, the clock at the snapshot date, and the README tour still
true on top of it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from budget.models import PerformanceTarget, Project, ProjectYear
from budget.shared.helpers import today
from engine.base.db import db
from engine.base.models import HumanTask, Message, ProcessInstance
from engine.time import clock
from engine.work.inbox import todo

pytestmark = pytest.mark.slow
W = Decimal


@pytest.fixture(scope="module")
def history(app):
    from budget.demo import load_demo
    from engine.definitions import specs
    from web.setup import deploy_shipped_models, load_holidays

    with app.app_context():
        load_holidays()
        deploy_shipped_models()
        result = load_demo("demo-pass-1", history=True)
        yield result
        clock.back_to_real_time()
        db.session.rollback()
        tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        specs.clear_cache()


def year_row(code: str, year: int) -> ProjectYear:
    return db.session.scalars(select(ProjectYear).join(Project, Project.id == ProjectYear.project_id).where(
        Project.code == code, ProjectYear.fiscal_year == year)).one()


def p2(code: str, year: int) -> ProcessInstance:
    return db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == "p2_target_joint_review", ProcessInstance.business_key == code,
        ProcessInstance.year == year)).one()


FY2025 = ["P-D01-002", "P-D02-002", "P-D03-002", "P-D04-001", "P-D04-002", "P-D06-001", "P-D06-002", "P-D07-001",
          "P-D07-002", "P-D08-001", "P-D08-002", "P-D09-001", "P-D09-002", "P-D10-001"]


def test_the_clock_stands_at_the_snapshot_and_a_second_load_changes_nothing(history):
    from budget.demo import load_demo

    assert today() == date(2025, 10, 15), history
    again = load_demo("demo-pass-1", history=True)
    assert again["history"] == "已载入（未重复）" and again["created"] == {}


def test_fy2025_went_through_p2_to_the_budget_approval(history):
    for code in FY2025:
        instance = p2(code, 2025)
        assert (instance.status, instance.end_event) == ("COMPLETED", "end_p2_issued"), code
        row = year_row(code, 2025)
        assert row.cycle_status == "EXECUTING" and row.arranged == row.requested, code
        target = db.session.get(PerformanceTarget, row.target_id)
        assert target.status == "ISSUED" and date(2025, 1, 15) < target.issued_at < date(2025, 2, 1), code
    tree = db.session.get(PerformanceTarget, year_row("P-D03-002", 2025).target_id)
    cost = [i for i in tree.indicators if i.name == "单位运营成本"]
    assert [(i.operator, i.target_value, i.unit) for i in cost] == [("LE", W("9.8000"), "元/车公里")]
    approved = db.session.scalars(select(Message).where(Message.name == "msg_budget_approved")).all()
    assert sorted(m.payload["project_id"] for m in approved) == sorted(
        str(year_row(c, 2025).project_id) for c in FY2025)


def test_fy2026_intake_through_p1_into_p2(history):
    rows = dict(db.session.execute(select(Project.name, Project.library_status).where(
        Project.code.in_(["P-D11-001"]))).all())
    assert rows == {"市属国企产业升级资本金注入": "NOT_ADMITTED"}
    new = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == "p2_target_joint_review", ProcessInstance.year == 2026)).all()
    assert len(new) == 7
    for instance in new:
        (task,) = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "READY")).all()
        assert task.task_name == "ut_p2_confirm_request" and task.due_at.date() > date(2025, 10, 15)


def test_the_readme_tour_still_starts_on_top_of_the_history(history):
    """README: filer.d05u02 新建 (the request year is the open one of the demo's date: 2027, after
    the 2025-08-31 cut-off) → head → dept → 部门事前评估 → perf.1 是否开展财政事前评估."""
    from p1_driver import PERF, Flow, dept_exante_form

    flow = Flow("P-D05-001", year=None)
    assert flow.instance.year == 2027 and flow.project.code == "P-D05-003"
    years = [{"year": y, "fiscal_amount": W(1200), "other_amount": W(0)} for y in (2027, 2028, 2029)]
    flow.intake(start_year=2027, end_year=2029, annual_requests=years)
    sub = dept_exante_form("P-D05-002", 1200, cost_benefit=True)
    sub["annual_need"] = [{"year": 2027, "amount": W(1200)}]
    flow.do("filer.d05u02", "ut_p1_dept_exante", sub)
    flow.do("dept.d05", "ut_p1_dept_exante_confirm", {"verdict": "APPROVE"})
    assert [t.title for t in flow.mine(PERF)] == ["是否开展财政事前评估"]
    # and the tour's filer has the FY2026 P2 of the request the history filed waiting in 待办
    waiting = [(t.task_name, t.business_key) for t in todo(flow.filer)]
    assert ("ut_p2_confirm_request", "P-D05-001") in waiting


@pytest.fixture(scope="module")
def pages(app, history, tmp_path_factory):
    """A live server over the history and Debian's chromium (as tests/browser does)."""
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from tests.browser.conftest import CHROMIUM, FLAGS

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield f"http://127.0.0.1:{server.server_port}", browser, tmp_path_factory.mktemp("demo-history-shots")
        browser.close()
    server.shutdown()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_year_as_people_see_it(pages, width):
    """待办 of the tour's filer (the FY2026 confirmation), 流程监管 and the project page of P-D08-001
    for a supervisor (perf.1): they fit the window and show the year's work. Screenshots kept."""
    from tests.browser.pages import login

    base, browser, shots = pages
    for who, visits in {"filer.d05u02": [("todo", "/todo")],
                        "perf.1": [("supervision", "/supervision/instances"), ("project", "/projects/P-D08-001")]}.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844 if width < 800 else 768})
        page = context.new_page()
        login(page, base, who, "demo-pass-1")
        for name, path in visits:
            page.goto(base + path)
            page.screenshot(path=str(shots / f"{name}_{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            body = page.locator("body").inner_text()
            if name == "todo":
                assert "确认年度申报与绩效目标" in body
            if name == "project":
                assert "老旧小区改造" in body and "绩效目标审核与批复" in body
        context.close()
    print(shots)
