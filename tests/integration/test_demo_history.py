"""示例市's history (budget.demo_history) loaded once for this module on PostgreSQL and the real
engine, as `make run` loads it, and checked against sample-data §8.3–§8.5: FY2025 through P2 to
`msg_budget_approved`, FY2025's execution months 1–9 on P3 with the §8.6 series and its
warnings, the FY2026 intake through P1 (P-D11-001 not admitted, §8.3's codes) with the others'
P2 open at the unit's confirmation, the clock at the snapshot date, and the README tour still
true on top of it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from budget.models import (
    ExecutionRecord,
    MonitoringRecord,
    MonitoringWarning,
    PaymentHold,
    PerformanceTarget,
    Project,
    ProjectYear,
)
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


def warnings_of(code: str) -> dict[int, MonitoringWarning]:
    rows = db.session.scalars(select(MonitoringWarning).where(MonitoringWarning.project_year_id == year_row(code, 2025).id))
    return {w.month: w for w in rows}


def monitoring(code: str, kind: str = "AUTO_EXECUTION") -> dict[int, MonitoringRecord]:
    rows = db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == year_row(code, 2025).id, MonitoringRecord.kind == kind))
    return {r.period_month: r for r in rows}


def test_fy2025_execution_months_1_to_9_on_p3(history):
    """Every FY2025 project-year's P3 ran months 1–9 from the treasury's figures (source DEMO) and
    waits for October's run; September's reports are partly still open at the snapshot."""
    for code in FY2025:
        p3 = db.session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_key == "p3_monitoring", ProcessInstance.business_key == code)).one()
        assert p3.status == "RUNNING" and p3.year == 2025, code
        assert sorted(monitoring(code)) == list(range(1, 10)), code
    sources = db.session.scalars(select(ExecutionRecord.source).where(ExecutionRecord.fiscal_year == 2025)).all()
    assert len(sources) == 9 * len(FY2025) and set(sources) == {"DEMO"}
    assert sorted(monitoring("P-D01-002", "TARGET_REPORT"))[:3] == [6, 7, 8]
    open_reports = db.session.scalars(select(HumanTask.business_key).where(
        HumanTask.task_name == "ut_p3_unit_report", HumanTask.status == "READY")).all()
    assert 0 < len(open_reports) < len(FY2025)


def test_p_d08_001_red_month_after_month_and_the_payment_hold(history):
    """§8.6: 0/0/2/5/8/10/25/30/30 — YELLOW in April, RED from May (June and September at 40 pp and
    more: key monitoring); the department found the plan adequate in May, not in July, so August's
    DT-07 proposes a payment hold, which the fund division decides; September's F-11 is open."""
    w = warnings_of("P-D08-001")
    assert sorted(w) == [4, 5, 6, 7, 8, 9]
    assert w[4].level == "YELLOW" and all(w[m].level == "RED" for m in range(5, 10))
    assert [w[m].consecutive_count for m in range(5, 10)] == [1, 2, 3, 4, 5]
    assert [m for m in range(5, 10) if w[m].key_monitoring] == [6, 9]
    assert w[7].suggested_response == "REQUIRE_CORRECTIVE_PLAN" and w[8].suggested_response == "PROPOSE_PAYMENT_HOLD"
    records = monitoring("P-D08-001")
    assert [records[m].details.get("unit_response_ok") for m in (5, 7)] == [True, False]
    assert records[9].exec_rate == W("30.00") and records[9].lag_pp == W("45.00")
    (hold,) = db.session.scalars(select(PaymentHold).where(PaymentHold.project_year_id == year_row("P-D08-001", 2025).id))
    assert (hold.status, hold.warning_id) == ("HELD", w[8].id) and year_row("P-D08-001", 2025).hold_payment
    (followup,) = db.session.scalars(select(HumanTask).where(
        HumanTask.business_key == "P-D08-001", HumanTask.task_name == "ut_p3_fund_followup",
        HumanTask.status == "READY")).all()
    assert followup.year == 2025


def test_july_warnings_of_target_and_cost(history):
    """P-D04-001: 新建面积 有可能 in July's F-09 → YELLOW TARGET_AT_RISK; P-D03-002: 单位运营成本 10.90
    against ≤ 9.80 → YELLOW COST_OVERRUN_10 (11.22 %)."""
    farmland = warnings_of("P-D04-001")[7]
    assert (farmland.level, farmland.rule_row, farmland.reasons) == ("YELLOW", 6, ["TARGET_AT_RISK"])
    bus = warnings_of("P-D03-002")
    assert sorted(bus) == [7] and (bus[7].level, bus[7].reasons) == ("YELLOW", ["COST_OVERRUN_10"])
    cost = {r["name"]: r for r in monitoring("P-D03-002", "COST")[7].cost_tracking}
    assert W(str(cost["单位运营成本"]["overrun_pct"])) == W("11.22")
    for code in ("P-D06-001", "P-D09-001"):  # on track all year (September's level waits for its F-09)
        levels = {r.warning_level for m, r in monitoring(code).items() if m <= 8}
        assert warnings_of(code) == {} and levels == {"GREEN"}, code


def test_fy2026_intake_through_p1_into_p2(history):
    rows = dict(db.session.execute(select(Project.name, Project.library_status).where(
        Project.code.in_(["P-D11-001"]))).all())
    assert rows == {"市属国企产业升级资本金注入": "NOT_ADMITTED"}
    # §8.3's codes for the new projects; the renewals are new records that name the old one
    codes = dict(db.session.execute(select(Project.code, Project.predecessor_code).join(
        ProjectYear, ProjectYear.project_id == Project.id).where(ProjectYear.fiscal_year == 2026)).all())
    assert {"P-D01-001", "P-D02-001", "P-D03-001", "P-D05-001", "P-D05-002"} <= set(codes)
    assert (codes["P-D04-003"], codes["P-D10-002"]) == ("P-D04-002", "P-D10-001")
    renewal = db.session.scalars(select(Project.name).where(Project.code == "P-D04-003")).one()
    assert renewal == "农业产业化龙头企业扶持资金（2026—2028年延续，原P-D04-002）"
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
    """A live server over the history."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", tmp_path_factory.mktemp("demo-history-shots")
    server.shutdown()


VISITS = {"filer.d05u02": [("todo", "/todo")], "fund.eco": [("todo_fund", "/todo")],
          "perf.1": [("supervision", "/supervision/instances"), ("project", "/projects/P-D08-001"),
                     ("project_rect", "/projects/P-D03-002"), ("todo_perf", "/todo"),
                     ("ledger_rect", "/ledgers/rectification")]}


def look(base: str, shots, width: int) -> None:
    """Each visit in Debian's chromium (as tests/browser does), screenshots kept. Run in a thread of
    its own: in a whole-suite run tests/browser's session browser keeps Playwright's loop running
    in the main thread, where a second sync_playwright() is refused."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, FLAGS
    from tests.browser.pages import login

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for who, visits in VISITS.items():
            context = browser.new_context(locale="zh-CN",
                                          viewport={"width": width, "height": 844 if width < 800 else 768})
            page = context.new_page()
            login(page, base, who, "demo-pass-1")
            for name, path in visits:
                page.goto(base + path)
                page.screenshot(path=str(shots / f"{name}_{width}.png"), full_page=True)
                page.screenshot(path=str(shots / f"{name}_{width}_top.png"), full_page=True,  # a long page's head
                                clip={"x": 0, "y": 0, "width": width, "height": 2400})
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                body = page.locator("body").inner_text()
                if name == "todo":
                    assert "确认年度申报与绩效目标" in body
                if name == "todo_fund":  # September's key monitoring of P-D08-001 waits for F-11
                    assert "资金管理处处置" in body and "老旧小区改造" in body
                if name == "project":
                    assert "老旧小区改造" in body and "绩效目标审核与批复" in body and "绩效运行监控" in body
                if name == "project_rect":  # §8.8: RC-2025-002 overdue, its report due moved by the 约谈
                    assert "整改事项" in body and "RC-2025-002" in body and "2025-10-31" in body
                    page.locator("h2", has_text="整改事项").scroll_into_view_if_needed()  # the section as seen
                    page.screenshot(path=str(shots / f"{name}_{width}_cases.png"))
                if name == "ledger_rect":  # 整改台账 at the snapshot: the five cases, D04's 销号率 3/4
                    assert all(code in body for code in ("RC-2024-001", "RC-2025-001", "RC-2025-002", "RC-2025-003",
                                                         "RC-2025-004")) and "75.0%" in body and "建后管护机制未建立" in body
                if name == "todo_perf":  # RC-2025-003's desk verification waits for the performance division
                    assert "书面核查" in body and "科技创新券补助" in body
            context.close()
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_year_as_people_see_it(pages, width):
    """待办 of the tour's filer (the FY2026 confirmation) and of the fund division (P-D08-001's F-11),
    流程监管 and the project page of P-D08-001 for a supervisor (perf.1): they fit the window and show
    the year's work."""
    from concurrent.futures import ThreadPoolExecutor

    base, shots = pages
    with ThreadPoolExecutor(1) as pool:
        pool.submit(look, base, shots, width).result()
    print(shots)


# --- the rectification cases of sample-data §8.8 (budget.demo_history.rectification) ---------------

SNAPSHOT = date(2025, 10, 15)


def case(code: str):
    from budget.models import RectificationCase

    return db.session.scalars(select(RectificationCase).where(RectificationCase.code == code)).one()


def local_day(moment) -> date | None:
    from budget.shared.helpers import TZ

    return moment.astimezone(TZ).date() if moment is not None else None


def issues(code: str) -> list:
    from budget.models import IssueItem

    return list(db.session.scalars(select(IssueItem).where(IssueItem.case_id == case(code).id).order_by(IssueItem.seq)))


def open_tasks(code: str) -> dict[str, HumanTask]:
    rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == text_uuid(case(code).instance_id),
                                                      HumanTask.status == "READY"))
    return {t.task_name: t for t in rows}


def text_uuid(value: str):
    import uuid

    return uuid.UUID(value)


def reminders_of(task: HumanTask) -> dict[str, tuple[date, list[str]]]:
    from engine.base.models import Reminder

    rows = db.session.scalars(select(Reminder).where(Reminder.task_id == task.id))
    return {r.occasion: (local_day(r.created_at), sorted(r.recipients or [])) for r in rows}


def test_five_rectification_cases_registered_by_the_performance_division(history):
    """Each case starts the way the product starts it: perf.1 registers the evaluation's findings with
    its score (→ grade by DT-08), the message starts P7, whose starter numbers the case."""
    from budget.models import RectificationSource

    sources = {s.client_key: s for s in db.session.scalars(select(RectificationSource))}
    expected = {"RC-2024-001": ("P-D04-001", 2023, "FISCAL_KEY_EVAL", "良", 4),
                "RC-2025-001": ("P-D06-001", 2024, "FISCAL_KEY_EVAL", "良", 3),
                "RC-2025-002": ("P-D03-002", 2024, "FISCAL_KEY_EVAL", "中", 5),
                "RC-2025-003": ("P-D07-001", 2024, "RE_EVAL", "中", 2),
                "RC-2025-004": ("P-D09-002", 2024, "RE_EVAL", "中", 3)}
    assert len(sources) == 5
    for code, (project, year, kind, grade, n) in expected.items():
        source, c = sources[f"demo-{code}"], case(code)
        assert (source.registered_by, source.message_status, source.instance_id) == ("perf.1", "STARTED", c.instance_id)
        assert (c.source_type, c.source_id, c.grade, year_row(project, year).id) == (kind, source.id, grade, c.project_year_id)
        assert len(issues(code)) == n, code
    assert case("RC-2025-003").requirement_rows == [3, 6] and sources["demo-RC-2025-003"].large_diff
    assert any(i.category == "COST" for i in issues("RC-2025-002"))


def test_rc_2024_001_on_site_check_and_re_rectification(history):
    """Notice 2024-06-20, plan 07-18, report 09-10 accepted 09-25, ONSITE (DT-15 row 1) on 2025-06-12 by
    perf.1 + expert.e07 + expert.e11: I1–I3 closed, I4 not rectified with a new deadline 2025-12-31 →
    re-rectification round 1, the unit's report open with that due date."""
    from budget.models import FollowUpCheck, RectificationReport

    c = case("RC-2024-001")
    assert (c.notice_date, c.plan_due, local_day(c.plan_submitted_at)) == (date(2024, 6, 20), date(2024, 7, 20), date(2024, 7, 18))
    assert local_day(c.report_submitted_at) == date(2024, 9, 10) and not (c.plan_overdue or c.report_overdue)
    (report,) = db.session.scalars(select(RectificationReport).where(RectificationReport.case_id == c.id))
    assert (report.review_verdict, local_day(report.reviewed_at)) == ("ACCEPT", date(2024, 9, 25))
    assert (c.followup_mode, c.followup_rule_row, c.status, c.re_round, c.rect_state) == ("ONSITE", 1, "RE_RECTIFY", 1, "NONE")
    (check,) = db.session.scalars(select(FollowUpCheck).where(FollowUpCheck.case_id == c.id))
    assert (check.planned_date, check.actual_date, check.conclusion) == (date(2025, 6, 12), date(2025, 6, 12), "PARTIAL")
    assert check.checkers == ["perf.1", "expert.e07", "expert.e11"] and check.done_by == "perf.1"
    assert check.methods == ["BRIEFING", "INQUIRY", "LEDGER_CHECK"]
    items = issues("RC-2024-001")
    assert [i.status for i in items] == ["CLOSED", "CLOSED", "CLOSED", "NOT_CLOSED"]
    assert (items[3].description, items[3].deadline, items[3].rounds) == ("建后管护机制未建立", date(2025, 12, 31), 1)
    assert c.report_due == date(2025, 12, 31)
    task = open_tasks("RC-2024-001")["ut_p7_report"]
    assert local_day(task.due_at) == date(2025, 12, 31)


def test_rc_2025_001_follow_up_scheduled(history):
    """Plan 07-25, report 09-26 accepted 10-10; the on-site visit planned for 2026-04-15 (the department
    told), its timer waiting."""
    from budget.models import FollowUpCheck
    from engine.base.models import Notification, Timer

    c = case("RC-2025-001")
    assert (c.notice_date, c.plan_due, c.report_due) == (date(2025, 7, 1), date(2025, 7, 31), date(2025, 9, 29))
    assert (local_day(c.plan_submitted_at), local_day(c.report_submitted_at)) == (date(2025, 7, 25), date(2025, 9, 26))
    assert (c.status, c.followup_mode, c.followup_rule_row) == ("FOLLOWUP_SCHEDULED", "ONSITE", 1)
    (check,) = db.session.scalars(select(FollowUpCheck).where(FollowUpCheck.case_id == c.id))
    assert (check.planned_date, check.actual_date) == (date(2026, 4, 15), None)
    (timer,) = db.session.scalars(select(Timer).where(Timer.instance_id == text_uuid(c.instance_id),
                                                      Timer.status == "WAITING"))
    assert local_day(timer.due_at) == date(2026, 4, 15)
    told = set(db.session.scalars(select(Notification.username).where(Notification.kind == "followup_scheduled",
                                                                       Notification.instance_id == text_uuid(c.instance_id))))
    assert {"depthead.d06", "head.d06u01"} <= told


def test_rc_2025_002_report_overdue_escalated_and_the_interview(history):
    """Report due 09-14 never submitted: the reminder scan sent DUE, the head's escalation on 09-17 and
    finance's on 09-21 (V-15 candidate); the boundary flagged the case OVERDUE; the 约谈 task opened
    at due + 15 days and perf.1 held it on 09-30, moving the due date to 10-31 — 31 days overdue
    against the original deadline at the snapshot."""
    c = case("RC-2025-002")
    assert (c.notice_date, c.plan_due, local_day(c.plan_submitted_at)) == (date(2025, 6, 16), date(2025, 7, 16), date(2025, 7, 16))
    assert not c.plan_overdue and c.status == "PLAN_ACCEPTED" and c.report_submitted_at is None
    assert (c.report_overdue, c.escalated, c.rect_state, c.circular_candidate) == (True, True, "OVERDUE", False)
    assert (c.interview_held, c.interview_date, c.report_due) == (True, date(2025, 9, 30), date(2025, 10, 31))
    assert "depthead.d03" in c.interview_record
    task = open_tasks("RC-2025-002")["ut_p7_report"]
    assert local_day(task.due_at) == date(2025, 10, 31) and "ut_p7_interview" not in open_tasks("RC-2025-002")
    sent = reminders_of(task)
    original = date(2025, 9, 14)
    assert (SNAPSHOT - original).days == 31
    assert sent["DUE~20250914"][0] == original and sent["OVERDUE_1~20250914"][0] == date(2025, 9, 15)
    assert sent["ESCALATED_HEAD~20250914"] == (date(2025, 9, 17), ["head.d03u02"])
    day, fin = sent["ESCALATED_FIN~20250914"]
    assert day == date(2025, 9, 21) and {"perf.1", "fund.eco"} <= set(fin)
    assert sent["OVERDUE_REPEAT_5~20250914"][0] == date(2025, 9, 30)
    assert not [o for o in sent if "~" not in o]  # the new due date's T−7 is 10-24
    # 整改台账 (V-10) reads the due date valid on the day: 15 days late on 09-29, before the 约谈
    from budget.demo_history.driver import user
    from budget.ledgers.asof import AsOf
    from budget.ledgers.rectification import CaseFilters, all_cases

    rows = {r["code"]: r for r in all_cases(user("perf.1"), AsOf(date(2025, 9, 29)), CaseFilters(), SNAPSHOT)}
    assert (rows["RC-2025-002"]["report_due"], rows["RC-2025-002"]["overdue_days"]) == (original, 15)
    # … and at the snapshot it shows the new due date yet still 31 days late: the 约谈 does not undo them
    rows = {r["code"]: r for r in all_cases(user("perf.1"), AsOf(SNAPSHOT), CaseFilters(), SNAPSHOT)}
    assert (rows["RC-2025-002"]["report_due"], rows["RC-2025-002"]["overdue_days"]) == (date(2025, 10, 31), 31)


def test_rc_2025_003_late_plan_and_desk_verification(history):
    """A re-evaluation (中) with a large self-evaluation difference: DT-14 rows 3 and 6, the plan due in
    15 days (07-25) came 5 days late (07-30); report 09-30 accepted 10-10; DT-15 draws 0.63 → DESK
    (row 4): the desk verification is with the performance division."""
    c = case("RC-2025-003")
    assert (c.notice_date, c.plan_due, c.report_due) == (date(2025, 7, 10), date(2025, 7, 25), date(2025, 10, 8))
    assert local_day(c.plan_submitted_at) == date(2025, 7, 30) and (local_day(c.plan_submitted_at) - c.plan_due).days == 5
    assert c.plan_overdue and c.rect_state == "OVERDUE" and not c.report_overdue
    assert local_day(c.report_submitted_at) == date(2025, 9, 30)
    assert (c.random_draw, c.followup_mode, c.followup_rule_row, c.status) == (W("0.6300"), "DESK", 4, "REPORT_ACCEPTED")
    assert set(open_tasks("RC-2025-003")) == {"ut_p7_desk_verify"}


def test_rc_2025_004_plan_accepted_and_the_t_minus_7_reminder(history):
    """Plan 08-15 accepted; the report due 10-20 is open: the scan sent T−7 on 10-13, nothing since; the
    demo's draw for it (0.12, ONSITE) waits in the draw list until its report is accepted."""
    from engine.base.models import SiteFlag

    c = case("RC-2025-004")
    assert (c.notice_date, c.plan_due, c.report_due) == (date(2025, 7, 22), date(2025, 8, 21), date(2025, 10, 20))
    assert local_day(c.plan_submitted_at) == date(2025, 8, 15) and c.status == "PLAN_ACCEPTED"
    assert c.random_draw is None and db.session.get(SiteFlag, "rect_draws").value["draws"]["RC-2025-004"] == "0.1200"
    task = open_tasks("RC-2025-004")["ut_p7_report"]
    assert local_day(task.due_at) == date(2025, 10, 20)
    sent = reminders_of(task)
    assert list(sent) == ["T_MINUS_7"] and sent["T_MINUS_7"] == (date(2025, 10, 13), ["filer.d09u01"])
