"""P7 `p7_rectification` on the real engine and PostgreSQL (p7_driver): every path — explanation only;
plan only (no report, the fund division confirms); plan and report with the desk check; the on-site
check with its schedule and timer; a finding not rectified twice (round 2 → NOT_RECTIFIED and a
circular candidate); a plan returned once; the 约谈 at report due + 15 days moving the report's due
date; the reminders of the plan deadline; one case per source event under concurrent duplicates."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from p7_driver import FILER, HEAD, PERF, P7Flow, clock_today, deploy_p7

from budget.demo import load_demo
from engine.base.db import db

W = Decimal


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
