"""P7 `p7_rectification` on the real engine and PostgreSQL (p7_driver): every path — explanation only;
plan only (no report, the fund division confirms); plan and report with the desk check; the on-site
check with its schedule and timer; a finding not rectified twice (round 2 → NOT_RECTIFIED and a
circular candidate); a plan returned once; the 约谈 at report due + 15 days moving the report's due
date; the reminders of the plan deadline; one case per source event under concurrent duplicates."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from p7_driver import (
    CODE,
    FILER,
    FUND,
    HEAD,
    OFFICER,
    PERF,
    UNIT_HEAD,
    P7Flow,
    at,
    clock_today,
    deploy_p7,
    year_of,
)
from sqlalchemy import func, select

from budget.demo import load_demo
from budget.models import RectificationCase, RectificationRequest
from engine.base.db import db
from engine.base.errors import ValidationFailed
from engine.base.models import HumanTask, Notification, ProcessInstance, Reminder
from engine.time import clock

W = Decimal
pytestmark = pytest.mark.slow


@pytest.fixture()
def p7(db):
    load_demo("demo-pass-1")
    deploy_p7()
    return db


def test_plan_and_report_with_desk_check(p7):
    """An audit finding (DT-14 row 7: plan 30 d, report 90 d); the plan returned once by finance; the
    report with a waiver; DT-15 row 4 (draw ≥ 0.2) → DESK; every issue closed → the case closes."""
    p = P7Flow("AUDIT", n_findings=3)
    case = p.case()
    today = clock_today()
    assert case.code == f"RC-{today.year}-001" and case.status == "CREATED" and case.requirement_rows == [7]
    assert (case.plan_due, case.report_due) == (today + timedelta(days=30), today + timedelta(days=90))
    assert p.ready() == ["ut_p7_notice"]
    form = p.notice()
    assert [r["owner_unit_name"] for r in form["issues"]] == ["示例市教育局（本级）"] * 3
    assert p.case().status == "NOTIFIED" and p.statuses() == ["OPEN"] * 3
    assert p.task(FILER, "ut_p7_plan").due_at.date() == case.plan_due
    p.plan(review="RETURN")
    assert p.case().status == "PLAN_RETURNED" and p.ready() == ["ut_p7_plan"]
    p.plan()
    assert p.case().status == "PLAN_ACCEPTED" and [v.review_verdict for v in p.plans()] == ["RETURN", "ACCEPT"]
    assert p.plans()[-1].leader_signoff == HEAD and p.statuses() == ["IN_PROGRESS"] * 3
    p.report(["SELF_DECLARED_DONE", "SELF_DECLARED_DONE", "WAIVER_REQUESTED"], review=None)
    p.case().random_draw = W("0.5")  # DT-15 row 4 (the draw is made once: a preset one is kept)
    db.session.commit()
    p.review("ut_p7_report_review")
    case = p.case()
    assert (case.status, case.followup_mode, case.followup_rule_row) == ("REPORT_ACCEPTED", "DESK", 4)
    assert p.statuses() == ["SELF_DECLARED_DONE", "SELF_DECLARED_DONE", "WAIVED"]
    assert len(p.form(PERF, "ut_p7_desk_verify")["item_results"]) == 2
    p.check(PERF, "ut_p7_desk_verify", ["CLOSED", "CLOSED"], methods=("DOC_REVIEW",))
    case = p.case()
    assert (case.status, case.rect_state) == ("CLOSED", "IN_TIME") and case.closed_at is not None
    assert p.statuses() == ["CLOSED", "CLOSED", "WAIVED"] and p.checks()[0].conclusion == "ALL_CLOSED"
    assert p.thrown() == [("msg_rectification_closed", {"case_id": str(case.id)})]
    assert p.instance.status == "COMPLETED" and p.instance.end_event == "end_p7_closed"


def notified(kind: str) -> set[str]:
    return set(db.session.scalars(select(Notification.username).where(Notification.kind == kind)))


def test_explanation_only(p7):
    """A spot check whose self-evaluation and review differ widely (DT-14 row 6): an explanation
    within 15 days on F-10 rect_explain, returned once, then accepted — the case closes."""
    p = P7Flow("SPOT_CHECK", grade="良", large_diff=True, n_findings=1)
    assert (p.case().plan_required, p.case().requirement_rows) == (False, [6])
    p.notice()
    assert notified("rect_notice") >= {HEAD, UNIT_HEAD, FILER}
    form = p.form(FILER, "ut_p7_explain")
    assert form["rect_summary"].startswith(p.case().code) and "情况说明" in form["suggestion_label"]
    explanation = {"cause_categories": ["STAFF"], "explanation": "自评时对部分指标口径理解有误，导致自评分与复核分差异较大，已重新核对数据。"}
    p.do(FILER, "ut_p7_explain", explanation)
    assert p.case().status == "EXPLANATION_SUBMITTED"
    p.review("ut_p7_explain_accept", "RETURN")
    p.do(FILER, "ut_p7_explain", explanation)
    p.review("ut_p7_explain_accept")
    case = p.case()
    assert (case.status, case.rect_state) == ("CLOSED", "IN_TIME") and p.statuses() == ["CLOSED"]
    assert [r.review_verdict for r in p.reports()] == ["RETURN", "ACCEPT"]
    assert p.instance.end_event == "end_p7_closed" and p.thrown()[0][0] == "msg_rectification_closed"


def test_plan_only_monitoring_issued_by_the_fund_division(p7):
    """P3's decision (source MONITORING, posted without findings: the warning's RectificationRequest
    holds the finding): the
    fund division of the project's division issues the notice; DT-14 row 5 — a plan within 15 days,
    no report; the fund division confirms the plan carried out."""
    py = year_of(CODE)
    warning_id = uuid.uuid4()
    db.session.add(RectificationRequest(source_type="MONITORING", source_id=warning_id, project_year_id=py.id,
                                        findings=[{"text": "连续两个月红色预警，执行进度严重滞后", "warning_month": 6}],
                                        status="WAITING_P7", created_by=FUND))
    db.session.commit()
    p = P7Flow("MONITORING", source_id=str(warning_id), n_findings=0, monitoring_red_unresolved=True)
    case = p.case()
    assert (case.plan_required, case.report_required, case.plan_due) == (True, False, clock_today() + timedelta(days=15))
    assert p.ready() == ["ut_p7_notice_fund"]
    assert [i.description for i in p.issues()] == ["连续两个月红色预警，执行进度严重滞后"]
    p.notice(FUND)
    p.plan()
    assert p.ready() == ["ut_p7_confirm_done"]
    p.do(FUND, "ut_p7_confirm_done", {"verdict": "APPROVE"})
    assert p.case().status == "CLOSED" and p.statuses() == ["CLOSED"] and p.reports() == []


def test_onsite_check_and_a_finding_not_rectified_twice(p7):
    """A fiscal key evaluation of a 6,500 万 project (DT-14 row 1; DT-15 row 1 → ONSITE): the visit
    scheduled in the window and ≥ 5 working days ahead with two checkers (the department told), the
    timer at the planned day, the lead checker's record; one finding not rectified in round 1 and
    again in round 2 → NOT_RECTIFIED and a circular candidate; closed in round 3."""
    p = P7Flow("FISCAL_KEY_EVAL", grade="中")
    assert p.case().requirement_rows == [1]
    p.notice()
    p.plan()
    p.report()
    case = p.case()
    assert (case.followup_mode, case.followup_rule_row, case.status) == ("ONSITE", 1, "REPORT_ACCEPTED")
    draw = case.random_draw
    assert draw is not None
    form = p.form(PERF, "ut_p7_schedule")
    window_from = form["window_from"]
    with pytest.raises(ValidationFailed) as refused:
        p.do(PERF, "ut_p7_schedule", {"planned_date": clock_today() + timedelta(days=1), "checkers": ["perf.2", "center.1"]})
    assert "窗口" in refused.value.errors["planned_date"][0]
    db.session.rollback()
    planned = window_from + timedelta(days=7)
    p.do(PERF, "ut_p7_schedule", {"planned_date": planned, "checkers": ["perf.2", "center.1"]})
    assert p.case().status == "FOLLOWUP_SCHEDULED" and p.ready() == []
    assert notified("followup_scheduled") >= {HEAD, OFFICER, UNIT_HEAD}
    p.tick_at(at(planned))
    assert p.ready() == ["ut_p7_onsite"]
    p.check("perf.2", "ut_p7_onsite", ["CLOSED", "NOT_RECTIFIED"])
    case = p.case()
    first_deadline = clock_today() + timedelta(days=45)
    assert (case.re_round, case.rect_state, case.circular_candidate) == (1, "NONE", False)
    assert p.statuses() == ["CLOSED", "NOT_CLOSED"] and case.report_due == first_deadline
    assert p.checks()[0].conclusion == "PARTIAL" and p.checks()[0].checkers == ["perf.2", "center.1"]
    # round 1: report again on the one open issue, checked on site again: still not rectified
    assert len(p.form(FILER, "ut_p7_report")["report_items"]) == 1
    p.report()
    assert p.case().random_draw == draw  # drawn once per case
    planned = p.form(PERF, "ut_p7_schedule")["window_from"] + timedelta(days=7)
    p.do(PERF, "ut_p7_schedule", {"planned_date": planned, "checkers": ["perf.2", "center.1"]})
    p.tick_at(at(planned))
    p.check("perf.2", "ut_p7_onsite", ["PARTIAL"])
    case = p.case()
    assert (case.re_round, case.rect_state, case.circular_candidate, case.status) == (2, "NOT_RECTIFIED", True, "RE_RECTIFY")
    assert p.issues()[1].rounds == 2
    # round 2: finally closed; the case keeps NOT_RECTIFIED
    p.report()
    planned = p.form(PERF, "ut_p7_schedule")["window_from"] + timedelta(days=7)
    p.do(PERF, "ut_p7_schedule", {"planned_date": planned, "checkers": ["perf.2", "center.1"]})
    p.tick_at(at(planned))
    p.check("perf.2", "ut_p7_onsite", ["CLOSED"])
    case = p.case()
    assert (case.status, case.rect_state) == ("CLOSED", "NOT_RECTIFIED") and p.statuses() == ["CLOSED", "CLOSED"]
    assert [c.round for c in p.checks()] == [0, 1, 2]


def test_plan_reminders_and_overdue_boundary(p7, app):
    """The plan task's dueAt is the plan deadline, so the reminder engine gives T−7/−3/−1, DUE,
    OVERDUE_1, ESCALATED_HEAD and ESCALATED_FIN at their dates; the boundary timer at the deadline
    flags the case overdue and escalated."""
    p = P7Flow("AUDIT", n_findings=1)
    p.notice()
    due = p.case().plan_due
    task = p.task(FILER, "ut_p7_plan")
    occasions = {}
    for offset in (-7, -3, -1, 0, 1, 3, 7):
        p.tick_at(at(due + timedelta(days=offset)))
        occasions[offset] = sorted(set(db.session.scalars(select(Reminder.occasion).where(
            Reminder.task_id == task.id))) - {o for seen in occasions.values() for o in seen})
    assert occasions == {-7: ["T_MINUS_7"], -3: ["T_MINUS_3"], -1: ["T_MINUS_1"], 0: ["DUE"], 1: ["OVERDUE_1"],
                         3: ["ESCALATED_HEAD"], 7: ["ESCALATED_FIN", "OVERDUE_REPEAT_2"]}
    case = p.case()
    assert (case.plan_overdue, case.escalated, case.rect_state) == (True, True, "OVERDUE")
    # the project page's case list says it in words, not only in red
    page = app.test_client()
    page.post("/login", data={"username": PERF, "password": "demo-pass-1"})
    html = page.get(f"/projects/{CODE}").get_data(as_text=True)
    section = html.split("project-rectification", 1)[1].split("</table>", 1)[0]
    assert "text-bg-danger" in section and "逾期" in section, section
    assert p.ready() == ["ut_p7_plan"]  # non-interrupting: the plan is still due
    p.plan()
    assert p.case().plan_overdue and p.case().status == "PLAN_ACCEPTED"


def test_interview_at_report_due_plus_15_days_sets_a_new_due_date(p7):
    """No report by the deadline: the report is flagged overdue; 15 days on, FIN_PERF's 约谈 records
    the interview and sets a new report deadline — the open report task's due date moves, so the
    reminders follow the new date; the report then goes on and the case closes OVERDUE."""
    p = P7Flow("AUDIT", n_findings=1)
    p.notice()
    p.plan()
    report_due = p.case().report_due
    p.tick_at(at(report_due + timedelta(days=1)))
    assert p.case().report_overdue and p.ready() == ["ut_p7_report"]
    p.tick_at(at(report_due + timedelta(days=16)))
    assert p.ready() == ["ut_p7_interview", "ut_p7_report"]
    new_due = clock_today() + timedelta(days=20)
    p.do(PERF, "ut_p7_interview", {"interview_date": clock_today(), "interviewees": [HEAD, UNIT_HEAD],
                                   "interview_record": "约谈单位负责人，要求限期报送整改报告并落实整改责任。",
                                   "new_report_due": new_due})
    case = p.case()
    assert (case.interview_held, case.interview_date, case.report_due) == (True, clock_today(), new_due)
    task = p.task(FILER, "ut_p7_report")
    assert task.due_at.astimezone(at(new_due).tzinfo).date() == new_due
    p.tick_at(at(new_due - timedelta(days=7)))
    fresh = set(db.session.scalars(select(Reminder.occasion).where(Reminder.task_id == task.id,
                                                                    ~Reminder.occasion.contains("~"))))
    assert fresh == {"T_MINUS_7"}
    p.report(review=None)
    assert p.case().report_overdue and p.case().status == "REPORT_SUBMITTED"
    p.case().random_draw = W("0.9")  # DT-15 row 4: DESK
    db.session.commit()
    p.review("ut_p7_report_review")
    p.check(PERF, "ut_p7_desk_verify", ["CLOSED"], methods=("DOC_REVIEW",))
    assert (p.case().status, p.case().rect_state) == ("CLOSED", "OVERDUE")


def test_one_case_per_source_event_under_concurrent_duplicates(p7, app):
    """The audit observer's page posting the same finding four times at once through POST
    /api/v1/messages, each with its own message id: one case, one running instance; the others
    are declined (SKIPPED)."""
    py = year_of(CODE)
    source_id = str(uuid.uuid4())
    body = {"name": "msg_start_rectification", "correlation": {"source_type": "AUDIT", "source_id": source_id},
            "payload": {"project_id": str(py.project_id), "fiscal_year": 2025,
                        "findings": [{"description": "专项资金未按规定用途使用", "category": "MANAGEMENT", "severity": "HIGH"}]}}
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "obs.audit", "password": "demo-pass-1"}).get_json()["token"]
    barrier, replies = threading.Barrier(4), []

    def send() -> None:
        with app.app_context():
            barrier.wait()
            reply = app.test_client().post("/api/v1/messages", headers={"Authorization": f"Bearer {token}"},
                                           json={**body, "message_id": str(uuid.uuid4())})
            replies.append((reply.status_code, reply.get_json()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [code for code, _ in replies] == [200] * 4, replies
    outcomes = sorted(r["outcome"] for _, reply in replies for r in reply["results"])
    assert outcomes == ["SKIPPED", "SKIPPED", "SKIPPED", "STARTED"], replies
    db.session.expire_all()
    cases = db.session.scalars(select(RectificationCase)).all()
    assert len(cases) == 1
    (instance,) = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "p7_rectification"))
    assert str(instance.id) == cases[0].instance_id and instance.status == "RUNNING"
    assert db.session.scalar(select(HumanTask.task_name).where(HumanTask.instance_id == instance.id)) == "ut_p7_notice"


def test_p3_request_picked_up_starts_the_real_p7(p7):
    """F-11's RectificationRequest (WAITING_P7, findings in the message's shape) is sent by the pickup
    on the scheduler's tick (budget.rect_sources) and P7's starter makes the case: the fund division
    issues it, the request is STARTED with the P7 instance; a second tick sends nothing more."""
    py = year_of(CODE)
    warning_id = uuid.uuid4()
    findings = [{"description": "6 月红色预警：执行率 20.00%，时间进度 50.00%，滞后 30.00 个百分点", "category": "MANAGEMENT",
                 "severity": "HIGH"},  # a RED warning's reason, as fund_followup.rectification_findings words it
                {"description": "红色预警持续两个月，纠偏措施不到位，启动整改。", "category": "MANAGEMENT", "severity": "HIGH"}]
    db.session.add(RectificationRequest(source_type="MONITORING", source_id=warning_id, project_year_id=py.id,
                                        findings=findings, status="WAITING_P7", created_by=FUND))
    db.session.commit()
    clock.tick()
    db.session.expire_all()
    request = db.session.scalars(select(RectificationRequest)).one()
    case = db.session.scalars(select(RectificationCase)).one()
    assert (request.status, request.p7_instance_id) == ("STARTED", case.instance_id)
    assert (case.source_type, case.source_id, case.requirement_rows) == ("MONITORING", warning_id, [5])
    assert len(case.findings) == len(findings) >= 1
    instance = db.session.get(ProcessInstance, uuid.UUID(case.instance_id))
    assert db.session.scalar(select(HumanTask.task_name).where(HumanTask.instance_id == instance.id)) == "ut_p7_notice_fund"
    clock.tick()
    assert db.session.scalar(select(func.count()).select_from(RectificationCase)) == 1


def test_plan_signed_late_by_the_head_is_flagged_overdue(p7):
    """The overdue flag holds for the whole plan stage: the filer writes the plan in time, the
    department head's sign-off is still open at the deadline — the timer on the sign-off step flags
    the plan overdue and tells the heads, once."""
    p = P7Flow("AUDIT", n_findings=1)
    p.notice()
    due = p.case().plan_due
    rows = p.form(FILER, "ut_p7_plan")["plan_items"]
    p.do(FILER, "ut_p7_plan", {"plan_items": [{"measures": "完善项目管理制度，明确资金拨付审批流程和时限，按月通报执行进度。",
                                               "responsible_person": FILER, "planned_completion": r["planned_completion"]}
                                              for r in rows]})
    assert p.ready() == ["ut_p7_plan_signoff"] and not p.case().plan_overdue
    p.tick_at(at(due - timedelta(days=1)))
    assert not p.case().plan_overdue
    p.tick_at(at(due + timedelta(days=1)))
    assert (p.case().plan_overdue, p.case().rect_state) == (True, "OVERDUE") and p.ready() == ["ut_p7_plan_signoff"]
    told = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "rect_overdue"))
    assert told >= 1
    p.do(HEAD, "ut_p7_plan_signoff", {"verdict": "APPROVE", "dept_head_signoff": True})
    p.review("ut_p7_plan_review", "RETURN")  # the plan again, after its deadline: its timer fires at once
    p.tick_at(at(due + timedelta(days=2)))
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "rect_overdue")) == told
    assert p.ready() == ["ut_p7_plan"]


def test_one_interview_per_round_and_a_returned_report_keeps_the_new_due_date(p7):
    """A report returned after its 约谈 enters the report step again: the step reads the deadline the
    约谈 set (not the notice's), and the +15-day timer does not open a second 约谈 in the round."""
    p = P7Flow("AUDIT", n_findings=1)
    p.notice()
    p.plan()
    report_due = p.case().report_due
    p.tick_at(at(report_due + timedelta(days=16)))
    assert p.ready() == ["ut_p7_interview", "ut_p7_report"]
    new_due = clock_today() + timedelta(days=20)
    p.do(PERF, "ut_p7_interview", {"interview_date": clock_today(), "interviewees": [HEAD],
                                   "interview_record": "约谈单位负责人，要求限期报送整改报告并落实整改责任。",
                                   "new_report_due": new_due})
    p.report(review="RETURN")
    task = p.task(FILER, "ut_p7_report")
    assert task.due_at.astimezone(at(new_due).tzinfo).date() == new_due  # not the notice's report due
    p.tick_at(at(new_due + timedelta(days=16)))  # the new deadline missed by 15 days too
    assert p.ready() == ["ut_p7_report"]  # one 约谈 per round
    interviews = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == p.instance.id, HumanTask.task_name == "ut_p7_interview"))
    assert interviews == 1


def test_project_detail_lists_its_rectification_cases(p7, app):
    """GET /api/v1/projects/{code} carries the project's cases in the names of GET
    /api/v1/rectification-cases (without issues and follow-ups)."""
    p = P7Flow("AUDIT", n_findings=2)
    p.notice()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": PERF, "password": "demo-pass-1"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    detail = client.get(f"/api/v1/projects/{CODE}", headers=auth)
    assert detail.status_code == 200, detail.get_json()
    (case,) = detail.get_json()["project"]["rect_cases"]
    (listed,) = client.get("/api/v1/rectification-cases", headers=auth).get_json()
    shared = ("id", "code", "source_type", "source_name", "status", "status_name", "plan_due", "report_due",
              "issue_count", "closed", "rounds")
    assert {k: case[k] for k in shared} == {k: listed[k] for k in shared}
    assert (case["status"], case["issue_count"], case["closed"], case["instance_id"]) == (
        "NOTIFIED", 2, 0, str(p.instance.id))
