"""CA-3 (target review incl. adjustment) and CA-5 (key monitoring) on the real engine and PostgreSQL,
called from a test-only process (p3_calls_driver), and the fund division's F-11 after them."""
from __future__ import annotations

from decimal import Decimal

import pytest
from p3_calls_driver import (
    CENTER,
    FILER,
    FUND,
    PERF,
    Run,
    adjust_request,
    review,
    setup,
    target,
    track,
    value_of,
    versions,
    warning,
    year,
)
from sqlalchemy import select

from budget.models import Engagement, MonitoringRecord, ReviewOpinion, TargetAdjustmentRequest
from engine.base.db import db
from engine.base.errors import ValidationFailed
from engine.base.models import Notification

W = Decimal


@pytest.fixture()
def fy(db):
    return setup()


def opinions(run: Run) -> list[tuple[str, str | None]]:
    rows = db.session.scalars(select(ReviewOpinion).where(ReviewOpinion.instance_id == str(run.instance.id))
                              .order_by(ReviewOpinion.created_at))
    return [(o.stage, o.verdict, o.grade) for o in rows]


def test_ca3_request_returned_revised_then_issued_as_new_version(fy):
    request = adjust_request([("年度任务完成数量", "260")])
    run = Run("ca3", adjust_request_id=request.id)
    assert run.ready() == ["ut_tr_review"] and versions() == [(1, "ISSUED"), (2, "ADJUST_PENDING")]
    assert db.session.get(TargetAdjustmentRequest, request.id).status == "UNDER_REVIEW"
    opens = run.form(FUND, "ut_tr_review")
    assert opens["proposed_changes"] == [{"name": "年度任务完成数量", "old": "≥300 项", "new": "≥260 项",
                                          "reason": "政策调整后扶持范围缩小"}]
    assert opens["adjust_reason_text"].startswith("政策变化：国家政策调整")
    run.do(FUND, "ut_tr_review", review("中"))  # DT-04 中 in round 1: back to the unit
    assert run.ready() == ["ut_tr_revise"]
    grid = run.form(FILER, "ut_tr_revise")
    assert next(r for r in grid["indicators"] if r["name"] == "年度任务完成数量")["target_value"] == W(260)
    for row in grid["indicators"]:
        if row["name"] == "年度任务完成数量":
            row["target_value"] = W(280)
    run.do(FILER, "ut_tr_revise", {k: grid[k] for k in ("overall_goal", "annual_goal", "has_service_objects",
                                                          "indicators")})
    assert run.form(FUND, "ut_tr_review")["proposed_changes"][0]["new"] == "≥280 项"
    run.do(FUND, "ut_tr_review", review("优"))
    data = run.ended_data()
    assert (data["tr_outcome"], data["target_version"]) == ("ISSUED", 2)
    assert versions() == [(1, "SUPERSEDED"), (2, "ISSUED")]
    assert target().version_no == 2 and value_of(target(), "年度任务完成数量") == W(280)
    assert target().issued_at is not None and target().review_grade == "优"
    assert db.session.get(TargetAdjustmentRequest, request.id).status == "APPROVED"
    assert opinions(run) == [("ut_tr_review", "APPROVE", "中"), ("ut_tr_review", "APPROVE", "优")]


@pytest.mark.parametrize(("band", "outcome", "after"), [
    ("良", "ISSUED", [(1, "SUPERSEDED"), (2, "ISSUED")]),
    ("差", "REJECTED", [(1, "ISSUED"), (2, "REJECTED")]),
])
def test_ca3_minor_fix_and_reject(fy, band, outcome, after):
    """良: finance's suggested value is applied as it issues; 差: the issued target stays."""
    request = adjust_request([("服务对象满意度", "85")])
    run = Run("ca3", adjust_request_id=request.id)
    comments = [{"indicator_id": "服务对象满意度", "comment": "满意度目标不宜下调过多。", "suggested_value": "88"}]
    run.do(FUND, "ut_tr_review", review(band, indicator_comments=comments))
    data = run.ended_data()
    assert data["tr_outcome"] == outcome and versions() == after
    expected = {"ISSUED": W(88), "REJECTED": W(90)}[outcome]
    assert value_of(target(), "服务对象满意度") == expected
    assert db.session.get(TargetAdjustmentRequest, request.id).status == {"ISSUED": "APPROVED"}.get(outcome, "REJECTED")
    assert data["target_version"] == target().version_no


def test_ca5_by_the_center_then_payment_hold_told_to_heads_and_treasury(fy):
    w = warning(key=True, suggested="WATCH")
    run = Run("ca5", warning_id=w.id)
    assert run.ready() == ["ut_km_plan"]
    plan = run.form(PERF, "ut_km_plan")
    assert plan["km_warning"].startswith("2025年7月 红色预警（重点监控）：执行率")
    run.do(PERF, "ut_km_plan", {"km_performer": "FIN_CENTER", "km_focus": "资金拨付条件和配套政策落实情况"})
    item = run.task(CENTER, "ut_km_track_center")
    assert item.due_at is not None
    run.do(CENTER, "ut_km_track_center", track("PAYMENT_HOLD", method="ONSITE") | {"visit_date": "2025-08-12"})
    (key,) = db.session.scalars(select(MonitoringRecord).where(MonitoringRecord.kind == "KEY")).all()
    assert (key.period_month, key.key_monitoring, key.details["recommendation"]) == (7, True, "PAYMENT_HOLD")
    assert key.exec_rate == w.exec_rate and key.details["performer"] == "FIN_CENTER"
    # F-11 opens with F-12's recommendation (not DT-07's WATCH) and what the decision rests on
    opens = run.form(FUND, "ut_p3_fund_followup")
    assert opens["decision"] == "PAYMENT_HOLD" and opens["fund_suggestion_label"] == "继续观察"
    assert [r["month"] for r in opens["recent_records"]] == [7, 6, 5]
    assert opens["warning_history"][0]["response"] == "待处置"
    assert opens["key_monitoring_summary"].startswith("实地核查：配套政策尚未出台")
    assert opens["adjustable_wan"] == W(1400)
    with pytest.raises(ValidationFailed) as refused:  # the hold date is required for a hold
        run.do(FUND, "ut_p3_fund_followup", {"decision": "PAYMENT_HOLD", "reason": LONG_REASON})
    assert "hold_until" in refused.value.errors
    db.session.rollback()
    run.do(FUND, "ut_p3_fund_followup", {"decision": "PAYMENT_HOLD", "hold_until": "2099-10-31",
                                         "reason": LONG_REASON})
    assert run.ended_data()["fin_decision"] == "PAYMENT_HOLD"
    py = year()
    (hold,) = py_holds(py.id)
    assert (hold.status, str(hold.hold_until), hold.warning_id) == ("HELD", "2099-10-31", w.id)
    assert py.hold_payment is True
    db.session.refresh(w)
    assert (w.response, w.decided_by) == ("PAYMENT_HOLD", FUND)
    told = {n.username for n in db.session.scalars(select(Notification).where(Notification.kind == "payment_hold"))}
    assert {"depthead.d04", "head.d04u01", "treasury.1", "dept.d04"} <= told and FUND not in told


LONG_REASON = "连续两个月红色预警，重点监控核查发现资金拨付条件未落实，暂缓拨款至整改到位。"


def py_holds(py_id):
    from budget.models import PaymentHold

    return list(db.session.scalars(select(PaymentHold).where(PaymentHold.project_year_id == py_id)))


def test_ca5_by_a_third_party(fy):
    w = warning(key=True)
    run = Run("ca5", warning_id=w.id)
    run.do(PERF, "ut_km_plan", {"km_performer": "THIRD_PARTY", "km_focus": "资金拨付条件和配套政策落实情况"})
    run.do(PERF, "ut_tp_select", {"firm": "TP-A", "tp_lead": "tp.a.lead", "contract_amount": W(5),
                                  "engagement_scope": "对项目开展重点监控核查并提出处置建议。", "training_done": True})
    run.do("tp.a.lead", "ut_tp_accept", {"verdict": "APPROVE", "conflict_declaration": True})
    (engagement,) = db.session.scalars(select(Engagement)).all()
    assert engagement.type == "KEY_MONITORING"
    run.do("tp.a.lead", "ut_km_track_tp", track("RECOVER"))
    assert run.form(FUND, "ut_p3_fund_followup")["decision"] == "RECOVER"
    key = db.session.scalars(select(MonitoringRecord).where(MonitoringRecord.kind == "KEY")).one()
    assert (key.details["performer"], key.details["tracked_by"]) == ("THIRD_PARTY", "tp.a.lead")


@pytest.mark.parametrize("decision", ["RECOVER", "REALLOCATE"])
def test_f11_budget_adjustment_is_bounded_by_budget_less_executed(fy, decision):
    from budget.models import BudgetAdjustmentRequest

    w = warning(suggested="RECOVER")  # 1,800 万 budget, 400 万 paid: 1,400 万 may be adjusted
    run = Run("f11", warning_id=w.id)
    assert run.form(FUND, "ut_p3_fund_followup")["decision"] == "RECOVER"  # DT-07's suggestion, no F-12
    with pytest.raises(ValidationFailed) as refused:
        run.do(FUND, "ut_p3_fund_followup", {"decision": decision, "amount": W("1400.0001"), "reason": LONG_REASON})
    assert refused.value.errors["amount"] == ["不能大于年度预算减去累计支出 1400 万元"]
    db.session.rollback()
    # August's payments arrive while the step is open: the handler checks today's figures
    db.session.add(MonitoringRecord(project_year_id=year().id, fiscal_year=2025, period_month=8, kind="AUTO_EXECUTION",
                                    annual_budget=W(18000000), executed_cum=W(10000000), exec_rate=W("55.56"),
                                    time_progress=W("66.67"), lag_pp=W("11.11"), status="AUTO"))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        run.do(FUND, "ut_p3_fund_followup", {"decision": decision, "amount": W(900), "reason": LONG_REASON})
    assert refused.value.errors["amount"] == ["不能大于年度预算减去累计支出 800.00 万元（按最新执行数）"]
    db.session.rollback()
    run.do(FUND, "ut_p3_fund_followup", {"decision": decision, "amount": W(600), "reason": LONG_REASON,
                                         "notify_dept": False})
    (request,) = db.session.scalars(select(BudgetAdjustmentRequest)).all()
    assert (request.kind, request.amount, request.status, request.warning_id) == (decision, W(6000000), "PENDING", w.id)
    assert db.session.scalars(select(Notification)).all() == []  # notify_dept off, no hold: nobody told
    assert year().hold_payment is False


def test_f11_rectification_waits_for_p7(fy):
    from budget.models import RectificationRequest

    w = warning(suggested="REQUIRE_CORRECTIVE_PLAN")  # no F-11 decision to suggest: a sentence says so
    run = Run("f11", warning_id=w.id)
    assert run.form(FUND, "ut_p3_fund_followup")["fund_suggestion_label"] == "暂无系统建议（DT-07 未给出 F-11 可选的处置）"
    run.do(FUND, "ut_p3_fund_followup", {"decision": "START_RECTIFICATION", "reason": LONG_REASON})
    (rect,) = db.session.scalars(select(RectificationRequest)).all()
    assert (rect.source_type, rect.source_id, rect.status) == ("MONITORING", w.id, "WAITING_P7")
    told = {n.username: n.kind for n in db.session.scalars(select(Notification))}
    assert told == {"dept.d04": "fund_decision"}


def test_f11_target_adjust_runs_ca3_without_a_unit_request(fy):
    w = warning(suggested="TARGET_ADJUST")
    run = Run("f11", warning_id=w.id)
    run.do(FUND, "ut_p3_fund_followup", {"decision": "TARGET_ADJUST", "reason": LONG_REASON})
    assert run.ready() == ["ut_tr_review"]
    opens = run.form(FUND, "ut_tr_review")
    assert opens["proposed_changes"] == [] and opens["adjust_reason_text"].startswith("资金管理处根据运行监控预警")
    run.do(FUND, "ut_tr_review", review("中"))
    grid = run.form(FILER, "ut_tr_revise")
    for row in grid["indicators"]:
        if row["name"] == "年度任务完成数量":
            row["target_value"] = W(240)
    run.do(FILER, "ut_tr_revise", {k: grid[k] for k in ("overall_goal", "annual_goal", "has_service_objects",
                                                          "indicators")})
    run.do(FUND, "ut_tr_review", review("优"))
    data = run.ended_data()
    assert (data["fin_decision"], data["tr_outcome"], data["target_version"]) == ("TARGET_ADJUST", "ISSUED", 2)
    assert value_of(target(), "年度任务完成数量") == W(240)
    db.session.refresh(w)
    assert w.response == "TARGET_ADJUST"


def f13(**over) -> dict:
    sub = {"reason": "POLICY_CHANGE", "reason_text": "国家政策调整，扶持对象范围缩小，相应调整任务数量。",
           "changes": [{"indicator": "年度任务完成数量", "new": "250", "reason": "扶持范围缩小"}]}
    return {**sub, **over}


def test_f13_after_october_is_refused(fy):
    """FY2025 ended long ago (the demo's executing year): no adjustment requests any more."""
    run = Run("f13")
    with pytest.raises(ValidationFailed) as refused:
        run.do(FILER, "ut_p3_adjust_request", f13())
    assert refused.value.errors["_form"] == ["2025年10月31日后不再受理绩效目标调整申请"]


@pytest.fixture()
def open_year(db):
    from datetime import date

    return setup(date.today().year + 1)


def test_f13_request_to_new_target_version(open_year):
    run = Run("f13")
    opens = run.form(FILER, "ut_p3_adjust_request")
    assert "年度任务完成数量（≥300 项）" in opens["target_indicator_names"]
    with pytest.raises(ValidationFailed) as refused:
        run.do(FILER, "ut_p3_adjust_request", f13(reason="FORCE_MAJEURE", changes=[
            {"indicator": "不存在的指标", "new": "1", "reason": "测试不存在"},
            {"indicator": "年度任务完成数量", "new": "约二百五十", "reason": "扶持范围缩小"}]))
    assert set(refused.value.errors) == {"evidence", "changes.0.indicator", "changes.1.new"}
    db.session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        run.do(FILER, "ut_p3_adjust_request", f13(changes=[]))
    assert "changes" in refused.value.errors
    db.session.rollback()
    run.do(FILER, "ut_p3_adjust_request", f13())
    (request,) = db.session.scalars(select(TargetAdjustmentRequest)).all()
    assert request.status == "SUBMITTED" and request.changes[0]["old"] == "≥300 项"
    assert 1 <= request.effective_from_month <= 12
    run.do("dept.d04", "ut_p3_adjust_dept", {"verdict": "APPROVE"})
    run.do(FUND, "ut_tr_review", review("优"))
    assert run.ended_data()["tr_outcome"] == "ISSUED"
    db.session.refresh(request)
    assert (request.status, request.new_target_id) == ("APPROVED", target().id)
    assert value_of(target(), "年度任务完成数量") == W(250) and versions() == [(1, "SUPERSEDED"), (2, "ISSUED")]
