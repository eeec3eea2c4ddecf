"""P2 review modes other than the fund division's, on the real engine and PostgreSQL: JOINT_REVIEW
(CA-1 panel JOINT with F-06, the fund division's conclusion and the FIN_PERF co-sign),
EXPERT_CENTRAL (CA-1 panel TARGET with F-05) and THIRD_PARTY_KEY (CA-2, the firm's F-05, the fund
division's confirmation)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from p1_driver import ALL, CORE, PERF, REJECT_REASON, Flow, set_packs
from p2_driver import LONG, P2Flow, deploy_p1_p2, joint_opinion, panel, review, target_opinion, third_party
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import Engagement, ExpertPanelResult, PerformanceTarget
from engine.base.db import db

W = Decimal


@pytest.fixture()
def p2(db):
    load_demo("demo-pass-1")
    deploy_p1_p2()
    return db


@pytest.mark.parametrize(("packs", "row"), [(CORE, "dt03_r3"), (ALL, "dt03_r1")])
def test_joint_review_panel_conclusion_and_cosign(p2, packs, row):
    """P-D01-001 3,000 万 NEW: major (DT-05 r2) → JOINT_REVIEW, a panel of 3: CORE by DT-03 r3, the
    whole pack set by r1 (Suzhou's joint review first)."""
    set_packs(packs)
    flow = Flow("P-D01-001")
    flow.intake()
    flow.dept_exante("P-D01-001", 3000, cost_benefit=packs is ALL)  # QP r3: cost-benefit for new major
    flow.do(PERF, "ut_p1_fin_decide", {"verdict": "REJECT", "comment": REJECT_REASON})
    p = P2Flow(flow)
    p.confirm()
    p.submit()
    assert p.ready() == ["ut_panel_confirm"]
    seen = panel(p, joint_opinion("优", 2700))
    assert (seen["panel_type"], seen["n"], len(seen["experts"])) == ("JOINT", 3, 3)
    assert seen["forms"] == ["F-06/expert"] and seen["panel_score"] == W(92)
    (result,) = db.session.scalars(select(ExpertPanelResult).where(
        ExpertPanelResult.object_ref == p.p1.project.code)).all()
    assert result.panel_type == "JOINT" and [o["suggested_amount"] for o in result.opinions] == ["2700"] * 3
    conclude = p.data(p.fund, "ut_p2_joint_conclude")
    assert (conclude["panel_grade"], conclude["panel_suggested_wan"]) == ("优", W(2700))
    assert (conclude["review_mode"], conclude["dt03_row"], conclude["is_major"]) == ("JOINT_REVIEW", row, True)
    assert p.fund == "fund.edu"
    sub = {"grade": "优", "approved_amount": W(2700), "library_decision": "ENTER", "minutes": ["att-minutes"],
           "comment": LONG}
    p.do(p.fund, "ut_p2_joint_conclude", sub)
    p.do(PERF, "ut_p2_joint_cosign", {"verdict": "RETURN", "comment": "审定金额压减依据需在纪要中写明。"})
    assert p.ready() == ["ut_p2_joint_conclude"]
    p.do(p.fund, "ut_p2_joint_conclude", {**sub, "conditions": "设备购置按政府采购均价执行。"})
    p.do(PERF, "ut_p2_joint_cosign", {"verdict": "APPROVE"})
    assert p.year().review_approved == W("27000000.00") and p.target().review_grade == "优"
    assert p.ready() == [] and p.instance.has_waits  # NEXT: waits for the result decisions
    stages = [(s, v) for s, v, _g, _r in p.opinions()]
    assert stages == [("ut_p2_dept_submit", "APPROVE"), ("ut_p2_joint_conclude", "APPROVE"),
                      ("ut_p2_joint_cosign", "RETURN"), ("ut_p2_joint_conclude", "APPROVE"),
                      ("ut_p2_joint_cosign", "APPROVE")]


def test_expert_central_panel_then_fund_confirmation(p2):
    """FJ: a key target (重点绩效目标) that is neither new ≥ 300 万 nor major → DT-03 r4 EXPERT_CENTRAL."""
    set_packs(["CORE", "FJ"])
    flow = Flow("P-D05-002")
    flow.intake()
    target = db.session.get(PerformanceTarget, flow.year_row().target_id)
    target.is_key_target = True  # the designation has no page yet: set on the record, as P1 left it
    db.session.commit()
    p = P2Flow(flow)
    p.confirm()
    p.submit()
    seen = panel(p, target_opinion("中"))
    assert (seen["panel_type"], seen["forms"], seen["panel_score"]) == ("TARGET", ["F-05/expert"], W(70))
    confirm = p.data(p.fund, "ut_p2_fund_confirm")
    assert (confirm["panel_grade"], confirm["review_mode"], confirm["dt03_row"]) == ("中", "EXPERT_CENTRAL", "dt03_r4")
    p.do(p.fund, "ut_p2_fund_confirm", {**review("良"), "budget_match": "MATCH", "comment": LONG})
    assert p.target().review_grade == "良" and p.target().is_key_target is True
    assert p.ready() == ["ut_p2_fin_fix"]  # 良 → FIN_MINOR_FIX


def test_third_party_key_review_after_the_amount_reaches_300(p2):
    """FJ: the unit confirms 300 万 (entered at 299 万): new ≥ 300 万 → DT-03 r2 THIRD_PARTY_KEY."""
    set_packs(["CORE", "FJ"])
    flow = Flow("P-D05-002")
    flow.intake()
    p = P2Flow(flow)
    p.confirm(300)
    p.submit()
    assert p.ready() == ["ut_tp_select"]
    third_party(p)
    (eng,) = db.session.scalars(select(Engagement).where(Engagement.instance_id.is_not(None),
                                                        Engagement.type == "TARGET_KEY_REVIEW")).all()
    assert [t.task_name for t in p.mine("tp.c.lead")] == ["ut_p2_tp_review"]
    p.do("tp.c.lead", "ut_p2_tp_review", {**review("中"), "budget_match": "TARGET_TOO_LOW", "comment": LONG,
                                          "indicator_comments": [{"indicator_id": "年度任务完成数量",
                                                                  "comment": "指标值低于上年实际，应提高。"}]})
    confirm = p.data(p.fund, "ut_p2_fund_confirm")
    assert confirm["review_mode"] == "THIRD_PARTY_KEY" and confirm["is_key"] is True
    p.do(p.fund, "ut_p2_fund_confirm", {**review("中"), "budget_match": "TARGET_TOO_LOW", "comment": LONG,
                                        "indicator_comments": [{"indicator_id": "年度任务完成数量",
                                                                "comment": "同意第三方意见，请单位修改后重报。"}]})
    assert p.ready() == ["ut_p2_confirm_request"] and p.year().cycle_status == "REQUEST_PREP"  # 中 → resubmit
    assert [s for s, *_ in p.opinions()] == ["ut_p2_dept_submit", "ut_p2_tp_review", "ut_p2_fund_confirm"]
