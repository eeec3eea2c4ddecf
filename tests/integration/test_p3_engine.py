"""P3 `p3_monitoring` through a whole budget year on the real engine and PostgreSQL (p3_driver):
twelve monthly timer fires, the report months of packs ALL and CORE, YELLOW, RED and KEY with
their people's steps, the fund division's decisions (a payment hold; a target adjustment through
CA-3), the event sub-processes through POST /api/v1/messages, and the close."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from p1_driver import CORE, PERF, set_packs
from p3_driver import (
    CENTER,
    P3Flow,
    deploy_p1_p2_p3,
    major_through_p2,
    small_through_p2,
    target_review,
    track,
)
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import PaymentHold, TargetAdjustmentRequest
from engine.base.db import db

W = Decimal
pytestmark = pytest.mark.slow
REASON = "连续红色预警，单位纠偏措施不到位，暂缓拨款至整改到位后再行拨付。"


@pytest.fixture()
def p3(db):
    load_demo("demo-pass-1")
    deploy_p1_p2_p3()
    return db


def send(client, who: str, name: str, p: P3Flow, message_id: str, **payload) -> dict:
    """A person's message through POST /api/v1/messages (as the project page's buttons send it)."""
    token = client.post("/api/v1/auth/token", json={"username": who, "password": "demo-pass-1"}).get_json()["token"]
    reply = client.post("/api/v1/messages", headers={"Authorization": f"Bearer {token}"}, json={
        "name": name, "message_id": message_id, "payload": payload,
        "correlation": {"project_id": str(p.year().project_id), "fiscal_year": p.fiscal_year}})
    assert reply.status_code == 200, reply.get_json()
    db.session.expire_all()
    return reply.get_json()


def reported(p: P3Flow) -> bool:
    return "ut_p3_unit_report" in p.ready()


def test_whole_year_packs_all(p3, client):
    """P-D01-001, 2,700 万 arranged, major, packs ALL (report months 6–9, cost month 7)."""
    p = P3Flow(major_through_p2())
    assert p.ready() == [] and p.year().cycle_status == "EXECUTING"
    assert p.month_timer_due().isoformat() == f"{p.fiscal_year}-02-05T01:00:00+00:00"  # 09:00 Shanghai
    first_version = p.versions()[-1][0]
    # M1–M3: slow start, GREEN (no lag warning before warn_start_month 4)
    for month, paid in ((1, 27), (2, 54), (3, 81)):
        p.run_month(month, paid)
        assert p.ready() == [] and p.record(month).warning_level == "GREEN"
    # M4: 10 % against 33.33 % → YELLOW (LAG_15): the unit explains, the department confirms
    p.run_month(4, 270)
    assert p.ready() == ["ut_p3_unit_explain"]
    (w4,) = p.warnings()
    assert (w4.level, w4.rule_row, w4.suggested_response, w4.lag_pp) == ("YELLOW", 7, "REQUIRE_EXPLANATION", W("23.33"))
    assert w4.response_due is not None and p.task(p.filer, "ut_p3_unit_explain").due_at is not None
    assert p.form(p.filer, "ut_p3_unit_explain")["warning_summary"].startswith("4 月黄色预警")
    p.explain()
    assert p.ready() == ["ut_p3_dept_confirm"]
    p.confirm(ok=True)
    assert p.ready() == [] and p.warnings()[0].response == "EXPLAINED"
    # M5: still 10 % against 41.67 % → RED (LAG_30, LAG_15 too): corrective plan, confirmation
    # (judged inadequate), the fund division's follow-up: a payment hold
    p.run_month(5)  # no new payment: April's figure is carried forward
    assert p.record(5).details["carried_from_month"] == 4 and p.record(5).executed_cum == W(2700000)
    assert p.ready() == ["ut_p3_unit_corrective"]
    w5 = p.warnings()[1]
    assert (w5.level, w5.rule_row, w5.consecutive_count) == ("RED", 4, 1)
    assert w5.reasons == ["LAG_30", "LAG_15"] and w5.suggested_response == "REQUIRE_CORRECTIVE_PLAN"
    p.corrective()
    p.confirm(ok=False)
    assert p.ready() == ["ut_p3_fund_followup"]
    opens = p.form(p.fund, "ut_p3_fund_followup")
    assert [r["month"] for r in opens["recent_records"]] == [5, 4, 3]
    p.do(p.fund, "ut_p3_fund_followup", {"decision": "PAYMENT_HOLD", "hold_until": date(p.fiscal_year, 9, 30),
                                         "reason": REASON})
    (hold,) = db.session.scalars(select(PaymentHold).where(PaymentHold.project_year_id == p.year().id)).all()
    assert (hold.status, hold.warning_id, p.year().hold_payment) == ("HELD", w5.id, True)
    assert [n for n, _ in p.outbox()] == ["msg_payment_hold"]
    assert p.ready() == []
    # M6 (report month, SD): 10 % against 50 % — exactly 40 pp: RED and KEY (SD row 1, ">=");
    # CA-5 by the evaluation center, F-11 decides TARGET_ADJUST → CA-3 issues a new target version
    p.run_month(6)
    assert p.ready() == ["ut_p3_unit_report"]
    opens = p.data(p.filer, "ut_p3_unit_report")
    assert opens["is_cost_month"] is False and opens["needs_exec_explanation"] is True
    p.report()
    w6 = p.warnings()[2]
    assert (w6.level, w6.key_monitoring, w6.rule_row, w6.consecutive_count) == ("RED", True, 1, 2)
    assert w6.suggested_response == "KEY_MONITORING" and p.record(6).lag_pp == W(40)
    assert p.ready() == ["ut_km_plan"]
    p.do(PERF, "ut_km_plan", {"km_performer": "FIN_CENTER", "km_focus": "资金拨付条件和配套政策落实情况"})
    p.do(CENTER, "ut_km_track_center", track("TARGET_ADJUST") | {"visit_date": date(p.fiscal_year, 7, 8)})
    assert p.form(p.fund, "ut_p3_fund_followup")["decision"] == "TARGET_ADJUST"
    p.do(p.fund, "ut_p3_fund_followup", {"decision": "TARGET_ADJUST", "reason": "核查发现年度任务量与资金到位情况不匹配，调整绩效目标。"})
    assert p.ready() == ["ut_tr_review"]
    p.do(p.fund, "ut_tr_review", target_review())
    assert p.ready() == [] and p.versions()[-2:] == [(first_version, "SUPERSEDED"), (first_version + 1, "ISSUED")]
    assert p.record(6, "KEY") is not None and p.year().execution_stats["key_monitoring_count"] == 1
    # M7 (report + cost month): back on track, GREEN
    p.run_month(7, 1350)
    fresh = p.form(p.filer, "ut_p3_unit_report")  # July's figures, not June's answers (forgetForms)
    assert fresh["executed_cum_wan"] == W(1350) and "expected_full_year_exec" not in fresh
    assert all("possibility" not in row for row in fresh["indicator_progress"])
    opens = p.data(p.filer, "ut_p3_unit_report")
    assert opens["is_cost_month"] is True and [c["name"] for c in opens["cost_indicators"]] == ["单位综合成本"]
    p.report(unit_cost=38)
    assert p.ready() == [] and p.record(7).warning_level == "GREEN" and p.record(7, "COST") is not None
    # the unit asks to adjust its target (event sub-process, POST /api/v1/messages): F-13 → F-00 → CA-3
    sent = send(client, p.filer, "msg_target_adjust_request", p, "tar-1")
    assert [r["outcome"] for r in sent["results"]] == ["DELIVERED"]
    assert p.ready() == ["ut_p3_adjust_request"]
    p.do(p.filer, "ut_p3_adjust_request", {
        "reason": "POLICY_CHANGE", "reason_text": "国家政策调整，建设任务范围缩小，相应调整年度任务数量。",
        "changes": [{"indicator": "年度任务完成数量", "new": "260", "reason": "建设范围缩小"}]})
    p.do(p.officer, "ut_p3_adjust_dept", {"verdict": "APPROVE"})
    p.do(p.fund, "ut_tr_review", target_review())
    assert p.ready() == [] and p.versions()[-1] == (first_version + 2, "ISSUED")
    (request,) = db.session.scalars(select(TargetAdjustmentRequest)).all()
    assert request.status == "APPROVED"
    # M8, M9 (report months): GREEN; M10–M12 GREEN without reports; the close
    for month, paid in ((8, 1620), (9, 1890)):
        p.run_month(month, paid)
        assert reported(p)
        p.report()
        assert p.ready() == []
    for month, paid in ((10, 2160), (11, 2430), (12, 2646)):
        p.run_month(month, paid)
        assert not reported(p)
    db.session.refresh(p.instance)
    assert (p.instance.status, p.instance.end_event) == ("COMPLETED", "end_p3")
    assert p.timer_fires == 12 and [r.period_month for r in p.records()] == list(range(1, 13))
    assert [r.period_month for r in p.records("TARGET_REPORT")] == [6, 7, 8, 9]
    py = p.year()
    assert py.cycle_status == "EXECUTION_CLOSED" and py.executed == W(26460000)
    stats = py.execution_stats
    assert (stats["had_red_warning"], stats["key_monitoring_count"], stats["final_exec_rate"]) == (True, 1, "98.00")
    assert (stats["idle_balance"], stats["closed_month"]) == ("540000.00", 12)
    closed = dict(p.outbox())["msg_execution_closed"]
    assert (closed["had_red"], closed["exec_rate"]) == (True, "98.00")


def test_core_year_report_in_july_and_completed_early(p3, client):
    """P-D05-002, 260 万 arranged, packs CORE: F-09 only in July (no cost block without QP); a target
    at risk is a YELLOW; the department says the project is complete in September (POST
    /api/v1/messages): September's run is the last, the year closes early."""
    set_packs(CORE)
    p = P3Flow(small_through_p2())
    for month in range(1, 7):
        p.run_month(month, 20 * month)
        assert p.ready() == [] and p.record(month).warning_level == "GREEN"
    p.run_month(7, 140)
    opens = p.data(p.filer, "ut_p3_unit_report")
    assert opens["is_cost_month"] is False and opens["cost_indicators"] == []
    p.report_only(possibility="POSSIBLE")
    p.do(p.officer, "ut_p3_dept_check", {"verdict": "RETURN", "comment": "偏差原因说明不够具体，请补充后重新报送。"})
    again = p.form(p.filer, "ut_p3_unit_report")  # returned: the grid keeps its names beside the answers
    assert again["indicator_progress"][0]["name"] == "年度任务完成数量"
    assert again["indicator_progress"][0]["possibility"] == "POSSIBLE"
    assert again["indicator_progress"][0]["target_text"] == "≥300项"
    p.report(possibility="POSSIBLE")
    (w7,) = p.warnings()
    assert (w7.level, w7.rule_row, w7.reasons) == ("YELLOW", 6, ["TARGET_AT_RISK"])
    p.explain()
    p.confirm()
    assert p.ready() == []
    p.run_month(8, 200)
    assert p.ready() == [] and p.record(8).warning_level == "GREEN"
    clock_day = str(date(p.fiscal_year, 9, 20))
    refused = client.post("/api/v1/auth/token", json={"username": p.filer, "password": "demo-pass-1"})
    token = {"Authorization": f"Bearer {refused.get_json()['token']}"}
    assert client.post("/api/v1/messages", headers=token, json={
        "name": "msg_project_completed_early", "message_id": "done-0", "payload": {"completion_date": clock_day},
        "correlation": {"project_id": str(p.year().project_id), "fiscal_year": p.fiscal_year}}).status_code == 403
    sent = send(client, p.officer, "msg_project_completed_early", p, "done-1", completion_date=clock_day)
    assert [r["outcome"] for r in sent["results"]] == ["DELIVERED"]
    assert p.year().execution_stats["completed_early"] == clock_day and p.instance.status == "RUNNING"
    p.run_month(9, 255)
    db.session.refresh(p.instance)
    assert (p.instance.status, p.instance.end_event) == ("COMPLETED", "end_p3")
    assert p.timer_fires == 9 and [r.period_month for r in p.records("TARGET_REPORT")] == [7]
    py = p.year()
    assert py.cycle_status == "EXECUTION_CLOSED" and py.execution_stats["closed_month"] == 9
    assert (py.execution_stats["had_red_warning"], py.execution_stats["final_exec_rate"]) == (False, "98.08")
    assert dict(p.outbox())["msg_execution_closed"]["had_red"] is False
