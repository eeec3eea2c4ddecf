"""P1 `p1_project_intake` end to end through the real engine on PostgreSQL: the department-side
branches (returns, dept REJECT, no ex-ante, dept ex-ante SUPPORT / SUPPORT_AFTER_REVISION /
NOT_SUPPORT). Expected figures: sample-data §8.5 (its FY2026 is the open intake year `Y` here).
The fiscal branches (CA-4 with CA-1 / CA-2) are in test_p1_engine_fiscal.py."""
from __future__ import annotations

from decimal import Decimal

import pytest
from p1_driver import CORE, PERF, REJECT_REASON, TEST, Flow, Y, deploy_p1, set_packs, user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from budget.demo import load_demo
from budget.models import PerformanceTarget
from engine.moves.runtime import complete_task
from engine.views.tasks import get_task
from engine.work.inbox import timeline, todo

W = Decimal


@pytest.fixture()
def p1(db):
    load_demo("demo-pass-1")
    deploy_p1()
    return db


def test_core_no_exante_straight_into_library(p1):
    """CORE: a 299 万 NEW project is not major → no ex-ante at all → IN_LIBRARY after dept approval."""
    set_packs(CORE)
    flow = Flow("P-D05-002", year=None)  # as the web starts it: the request year is the open one
    assert flow.instance.scope_unit == "D05-U01" and flow.instance.year == Y
    assert flow.project.library_status == "DRAFT"
    # data scope: only this unit's filer sees the fill task
    assert [t.task_name for t in flow.mine("filer.d05u01")] == ["ut_p1_fill"]
    assert flow.mine("filer.d05u02") == [] and flow.mine("head.d05u01") == []
    flow.fill()
    assert flow.project.library_status == "DRAFT"
    assert flow.mine("head.d05u02") == []  # another unit's head
    flow.unit_approve()
    assert flow.project.library_status == "SUBMITTED"
    assert flow.mine("dept.d03") == []
    flow.dept_review()
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    data = flow.last_data()
    assert (data["dept_exante"], data["fiscal_exante"], data["fiscal_key"]) == (False, "NONE", False)
    assert (data["alternatives_required"], data["cost_benefit_required"], data["is_major"]) == (False, False, False)
    assert data["dt01_rows"] == [] and data["request_year"] == Y and data["cutoff_shifted"] is False
    assert flow.assessments() == []
    assert flow.opinions() == [("ut_p1_unit_approve", "APPROVE", "head.d05u01"),
                               ("ut_p1_dept_review", "APPROVE", "dept.d05")]
    py = flow.year_row()
    assert py.requested == W("2990000.00") and py.exante_recommended is None
    assert flow.project.name == "生态环境执法能力建设" + TEST
    assert flow.outbox() == [{"kind": "message", "message": "msg_project_in_library", "payload": {
        "project_id": str(flow.project.id), "request_year": Y, "exante_conclusion": None,
        "recommended_amount": None}, "correlations": {}}]


def test_dept_exante_support_all_packs(p1):
    """ALL: P-D05-002-like 299 万 → SZ row 2 only → dept ex-ante 20/16/16/16/12 = 80 → SUPPORT."""
    flow = Flow("P-D05-002")
    flow.intake()
    assert flow.ready() == ["ut_p1_dept_exante"]
    assert flow.project.library_status == "EXANTE"
    ctx = get_task(flow.task("filer.d05u01", "ut_p1_dept_exante").id, user("filer.d05u01")).all_data
    assert ctx["dt01_rows"] == ["dt01_r2"] and ctx["dept_exante"] is True and ctx["fiscal_exante"] == "NONE"
    assert (ctx["alternatives_required"], ctx["cost_benefit_required"], ctx["is_major"]) == (False, False, False)
    assert ctx["exante_reasons"] == ["NEW_ANY"] and ctx["request_wan"] == W(299)
    flow.dept_exante("P-D05-002", 299)
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    (a,) = flow.assessments()
    assert (a.assessor_type, a.conclusion, a.total_score, a.status, a.round) == (
        "DEPT_SELF", "SUPPORT", W(80), "CONCLUDED", 1)
    assert a.matched_rows == ["dt02_r3"] and a.performer == "SELF" and a.trigger_reasons == ["NEW_ANY"]
    assert flow.opinions() == [("ut_p1_unit_approve", "APPROVE", "head.d05u01"),
                               ("ut_p1_dept_review", "APPROVE", "dept.d05"),
                               ("ut_p1_dept_exante_confirm", "APPROVE", "dept.d05")]
    assert flow.year_row().exante_recommended == W("2990000.00")
    (msg,) = flow.outbox()
    assert msg["kind"] == "message" and msg["message"] == "msg_project_in_library"
    assert msg["payload"]["exante_conclusion"] == "SUPPORT" and msg["payload"]["recommended_amount"] == "299"


def test_support_after_revision_then_support_in_round_two(p1):
    """P-D05-001-like 300 万 (ALL: SZ row 2, FJ row 8 inclusive): round 1 19/15/14/16/12 = 76 →
    SUPPORT_AFTER_REVISION → back to ut_p1_fill (rev_round 1, DRAFT); round 2 20/16/16/16/13 = 81 → SUPPORT."""
    flow = Flow("P-D05-001")
    flow.intake()
    ctx = get_task(flow.task("filer.d05u02", "ut_p1_dept_exante").id, user("filer.d05u02")).all_data
    assert ctx["dt01_rows"] == ["dt01_r2", "dt01_r8"] and ctx["fiscal_exante"] == "NONE"
    assert (ctx["is_major"], ctx["is_key"], ctx["dt05_rows"]) == (False, True, ["dt05_r3"])
    assert (ctx["alternatives_required"], ctx["cost_benefit_required"]) == (False, False)
    year = flow.year_row()  # the classification is on the record with the rows that decided it
    assert (year.is_major, year.is_key, year.fiscal_key) == (False, True, False)
    assert {k: year.classification[k] for k in ("dt05_rows", "dt01_rows", "dept_exante", "fiscal_exante")} == {
        "dt05_rows": ["dt05_r3"], "dt01_rows": ["dt01_r2", "dt01_r8"], "dept_exante": True, "fiscal_exante": "NONE"}
    assert year.classification["instance_id"] == str(flow.instance.id)
    flow.dept_exante("P-D05-001", 300)
    assert flow.ready() == ["ut_p1_fill"]
    db = p1
    db.session.refresh(flow.project)
    assert flow.project.library_status == "DRAFT"
    view = get_task(flow.task("filer.d05u02", "ut_p1_fill").id, user("filer.d05u02"))
    assert view.all_data["rev_round"] == 1 and view.all_data["conclusion"] == "SUPPORT_AFTER_REVISION"
    assert view.data["name"] == "大气污染源自动监测运维" + TEST and view.data["annual_requests"][0]["year"] == Y
    assert view.may_act
    flow.intake(content_text="按评估意见细化运维内容，压减非必要的设备更新，明确各监测站点的运维频次和考核标准。" * 2)
    flow.dept_exante("P-D05-001/2", 290)
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    rows = flow.assessments()
    assert [(a.assessor_type, a.round, a.total_score, a.conclusion, a.status) for a in rows] == [
        ("DEPT_SELF", 1, W(76), "SUPPORT_AFTER_REVISION", "CONCLUDED"),
        ("DEPT_SELF", 2, W(81), "SUPPORT", "CONCLUDED")]
    assert [a.matched_rows for a in rows] == [["dt02_r4"], ["dt02_r3"]]
    assert flow.last_data()["rev_round"] == 1
    assert [o[:2] for o in flow.opinions()] == [
        ("ut_p1_unit_approve", "APPROVE"), ("ut_p1_dept_review", "APPROVE"), ("ut_p1_dept_exante_confirm", "APPROVE"),
    ] * 2
    targets = db.session.scalars(select(PerformanceTarget).where(
        PerformanceTarget.project_year_id == flow.year_row().id).order_by(PerformanceTarget.version_no)).all()
    assert [(t.version_no, t.status) for t in targets] == [(1, "SUPERSEDED"), (2, "DEPT_APPROVED")]
    assert flow.year_row().requested == W("3000000.00") and flow.year_row().exante_recommended == W("2900000.00")
    assert flow.project.content_text.startswith("按评估意见")
    assert [m["message"] for m in flow.outbox()] == ["msg_project_in_library"]


def test_not_support_by_veto(p1):
    """P-D11-001-like 5,000 万 (ALL): dept ✓, fiscal OPTIONAL, alternatives ✓ (≥ 5,000 inclusive),
    cost-benefit ✓; 13/12/11/12/10 = 58, necessity 13/25 < 0.6 → NOT_SUPPORT (veto) → NOT_ADMITTED."""
    flow = Flow("P-D11-001")
    flow.intake(funding_source="STATE_CAPITAL")
    ctx = get_task(flow.task("filer.d11u01", "ut_p1_dept_exante").id, user("filer.d11u01")).all_data
    assert ctx["dt01_rows"] == ["dt01_r1", "dt01_r2", "dt01_r3", "dt01_r7", "dt01_r8"]
    assert (ctx["dept_exante"], ctx["fiscal_exante"], ctx["fiscal_key"]) == (True, "OPTIONAL", False)
    assert (ctx["alternatives_required"], ctx["cost_benefit_required"], ctx["is_major"]) == (True, True, True)
    flow.dept_exante("P-D11-001", 5000, alternatives=True, cost_benefit=True)
    flow.assert_ended("end_p1_not_admitted", "NOT_ADMITTED")
    (a,) = flow.assessments()
    assert (a.assessor_type, a.conclusion, a.total_score, a.matched_rows) == (
        "DEPT_SELF", "NOT_SUPPORT", W(58), ["dt02_r1"])
    assert a.alternatives["chosen"] == "方案一" and len(a.alternatives["options"]) == 2
    assert a.cost_benefit["unit_cost"] == "38" and a.trigger_reasons == ["NEW_MAJOR", "NEW_ANY"]
    data = flow.last_data()
    assert data["conclusion"] == "NOT_SUPPORT" and data["dt02_row"] == "dt02_r1"
    assert flow.outbox() == []  # never reaches P2
    assert flow.year_row().exante_recommended is None


def test_returns_carry_prefill_and_opinions_then_dept_reject(p1):
    """Unit head RETURN with an opinion → the filer gets ut_p1_fill back, prefilled, and the opinion is
    in the timeline; dept RETURN likewise; dept REJECT → end_p1_rejected, NOT_ADMITTED."""
    flow = Flow("P-D01-001")
    filer = user("filer.d01u02")
    flow.fill()
    opinion = "申报书测算依据不充分，请补充分年度资金测算明细后重新提交。"
    flow.unit_approve("RETURN", opinion)
    assert flow.ready() == ["ut_p1_fill"]
    db = p1
    db.session.refresh(flow.project)
    assert flow.project.library_status == "DRAFT"
    view = get_task(flow.task("filer.d01u02", "ut_p1_fill").id, filer)
    assert view.may_act and view.data["name"] == "市属中小学智慧校园建设" + TEST
    assert view.data["annual_requests"] == [{"year": Y, "fiscal_amount": W(3000), "other_amount": W(0)},
                                            {"year": Y + 1, "fiscal_amount": W(3000), "other_amount": W(0)}]
    assert len(view.data["indicators"]) == 9 and view.all_data["unit_verdict"] == "RETURN"
    events = timeline(flow.instance.id)
    assert [(e.action, e.task_name, e.decision, e.comment) for e in events if e.action == "complete"] == [
        ("complete", "ut_p1_fill", None, None), ("complete", "ut_p1_unit_approve", "RETURN", opinion)]
    assert todo(user("head.d01u02")) == []

    flow.fill(annual_requests=[{"year": Y, "fiscal_amount": W(2800), "other_amount": W(0)},
                               {"year": Y + 1, "fiscal_amount": W(2000), "other_amount": W(0)}])
    # a reviewer decides afresh: the unit head's form is not prefilled with the earlier RETURN and its
    # opinion, and the filer's attachments are still the application's (not the head's empty list)
    head_view = get_task(flow.task("head.d01u02", "ut_p1_unit_approve").id, user("head.d01u02"))
    assert head_view.data == {} and head_view.context["attachments"] == ["att-feasibility-study"]
    flow.unit_approve()
    dept_view = get_task(flow.task("dept.d01", "ut_p1_dept_review").id, user("dept.d01"))
    assert "verdict" not in dept_view.data and "comment" not in dept_view.data
    assert dept_view.context["attachments"] == ["att-feasibility-study"]  # the F-01 context: ut_p1_fill's
    dept_opinion = "绩效指标未体现信息化建设的应用成效，请补充效益指标。"
    flow.dept_review("RETURN", dept_opinion, grade="中")
    assert flow.ready() == ["ut_p1_fill"]
    flow.fill()
    flow.unit_approve()
    reject = "该项目与本部门已有信息化项目内容重复，不予申报。"
    flow.dept_review("REJECT", reject, grade="差")
    flow.assert_ended("end_p1_rejected", "NOT_ADMITTED")
    assert flow.opinions() == [
        ("ut_p1_unit_approve", "RETURN", "head.d01u02"), ("ut_p1_unit_approve", "APPROVE", "head.d01u02"),
        ("ut_p1_dept_review", "RETURN", "dept.d01"), ("ut_p1_unit_approve", "APPROVE", "head.d01u02"),
        ("ut_p1_dept_review", "REJECT", "dept.d01")]
    comments = [e.comment for e in timeline(flow.instance.id) if e.comment]
    assert comments == [opinion, dept_opinion, reject]
    assert flow.assessments() == [] and flow.outbox() == []
    targets = db.session.scalars(select(PerformanceTarget).where(
        PerformanceTarget.project_year_id == flow.year_row().id).order_by(PerformanceTarget.version_no)).all()
    assert [(t.version_no, t.status) for t in targets] == [(1, "SUPERSEDED"), (2, "SUPERSEDED"), (3, "REJECTED")]
    assert targets[-1].review_grade == "差"
    assert flow.year_row().requested == W("30000000.00")  # the third filing restored 3,000 万


@pytest.mark.parametrize(("code", "total", "end"), [
    ("P-D05-001", None, "end_p1_in_library"),
    ("P-D01-001", W(85), "end_p1_in_library"),
    ("P-D03-001", W(84), "end_p1_in_library"),
    ("P-D11-001", W(58), "end_p1_not_admitted"),
])
def test_core_pack_differences(p1, code, total, end):
    """§8.5 last paragraph, packs {CORE}: P-D05-001 (like P-D05-002) needs no ex-ante (not new-major);
    P-D01-001 / P-D03-001 / P-D11-001 (and P-D02-001, see the fiscal tests) need dept ex-ante with
    fiscal OPTIONAL and no alternatives / cost-benefit flags (the F-02 form accepts neither section)."""
    set_packs(CORE)
    flow = Flow(code)
    flow.intake(**{"P-D03-001": {"funding_source": "GOV_FUND"},
                   "P-D11-001": {"funding_source": "STATE_CAPITAL"}}.get(code, {}))
    if total is None:
        flow.assert_ended(end, "IN_LIBRARY")
        data = flow.last_data()
        assert (data["dt01_rows"], data["dept_exante"], data["fiscal_exante"]) == ([], False, "NONE")
        assert flow.assessments() == [] and flow.year_row().requested == W("3000000.00")
        return
    data = get_task(flow.task(flow.filer.username, "ut_p1_dept_exante").id, flow.filer).all_data
    assert data["packs"] == ["CORE"] and data["dt01_rows"] == ["dt01_r1"] and data["is_major"] is True
    assert (data["dept_exante"], data["fiscal_exante"], data["fiscal_key"]) == (True, "OPTIONAL", False)
    assert (data["alternatives_required"], data["cost_benefit_required"]) == (False, False)
    amount = {"P-D01-001": 3000, "P-D03-001": 10000, "P-D11-001": 5000}[code]
    flow.dept_exante(code, amount)
    if end == "end_p1_in_library":  # SUPPORT → FIN_PERF declines the optional fiscal ex-ante
        flow.do(PERF, "ut_p1_fin_decide", {"verdict": "REJECT", "comment": REJECT_REASON})
    flow.assert_ended(end, "IN_LIBRARY" if end == "end_p1_in_library" else "NOT_ADMITTED")
    (a,) = flow.assessments()
    assert (a.assessor_type, a.total_score, a.conclusion) == (
        "DEPT_SELF", total, "SUPPORT" if total >= 80 else "NOT_SUPPORT")
    assert a.alternatives is None and a.cost_benefit is None


def test_unit_approval_handler_does_not_flush_the_move(p1):
    """单位审核's handler writes its opinion and the project's status with its own statements, which
    read nothing the move holds: they do not flush the move's pending rows first (a Core statement
    would flush the session, SQLAlchemy #9809), so the work item's UPDATE waits for the move's own flush."""
    set_packs(CORE)
    flow = Flow("P-D05-002")
    flow.fill()
    task_id = flow.task(flow.head, "ut_p1_unit_approve").id
    p1.session.expunge_all()  # as a request starts: nothing loaded
    head = user(flow.head)
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, many):  # noqa: ANN001, ANN202
        statements.append(" ".join(statement.split()[:3]))

    def flushed(session, context, instances):  # noqa: ANN001, ANN202
        statements.append("FLUSH")

    event.listen(p1.engine, "before_cursor_execute", seen)
    event.listen(Session, "before_flush", flushed)
    try:
        complete_task(task_id, head, {"verdict": "APPROVE"})
        p1.session.commit()
    finally:
        event.remove(p1.engine, "before_cursor_execute", seen)
        event.remove(Session, "before_flush", flushed)
    shown = "\n".join(statements)
    first_flush = statements.index("FLUSH")
    assert {"INSERT INTO opinion", "INSERT INTO review_opinion", "UPDATE project SET"} <= set(statements[:first_flush])
    assert statements.index("UPDATE human_task SET") > first_flush, shown
    flow.instance = p1.session.get(type(flow.instance), flow.instance.id)
    assert p1.session.get(type(flow.project), flow.project.id).library_status == "SUBMITTED"
    assert "ut_p1_unit_approve" not in flow.ready()
