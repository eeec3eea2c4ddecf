"""P1 `p1_project_intake` end to end through the real engine on PostgreSQL: the fiscal ex-ante
branches — REQUIRED through a third party (CA-2 returned once) with the CA-1 expert panel, OPTIONAL
accepted (FIN_CENTER) and declined, and the policy renewal (fiscal key, SUPPORT_AFTER_REVISION →
ut_p1_revise_after_fiscal). Expected figures: sample-data §8.5 / §8.9 (FY2026 = the open year `Y`)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from p1_driver import (
    CORE,
    PERF,
    REJECT_REASON,
    TEST,
    Flow,
    Y,
    deploy_p1,
    fiscal,
    set_packs,
    user,
    waiting_timers,
)
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import ReviewOpinion
from engine.base.models import HumanTask
from engine.definitions.taskdata import submitted
from engine.views.tasks import get_task
from engine.work.inbox import timeline

W = Decimal
FISCAL_PERF = {"expert.e01", "expert.e02", "expert.e03"}


@pytest.fixture()
def p1(db):
    load_demo("demo-pass-1")
    deploy_p1()
    return db


def test_required_fiscal_by_third_party_with_expert_panel(p1):
    """P-D02-001-like 15,000 万 NEW in D02-U01 (ALL): dept ✓ (SUPPORT 82), fiscal REQUIRED (SD > 1亿),
    alternatives ✓ (SZ), cost-benefit ✓ (QP); fiscal ex-ante by TP-C after TP-D returned the engagement;
    panel of 3 with e05 excluded (conflict with D02)."""
    db = p1
    flow = Flow("P-D02-001")
    flow.intake()
    ctx = get_task(flow.task("filer.d02u01", "ut_p1_dept_exante").id, user("filer.d02u01")).all_data
    assert ctx["dt01_rows"] == ["dt01_r1", "dt01_r2", "dt01_r3", "dt01_r4", "dt01_r7", "dt01_r8"]
    assert (ctx["dept_exante"], ctx["fiscal_exante"], ctx["fiscal_key"]) == (True, "REQUIRED", False)
    assert (ctx["alternatives_required"], ctx["cost_benefit_required"]) == (True, True)
    assert (ctx["is_major"], ctx["is_key"]) == (True, True) and ctx["request_wan"] == W(15000)
    assert "SD_OVER_100M" in ctx["exante_reasons"] and ctx["domain"] == "HEALTH"
    flow.dept_exante("P-D02-001", 15000, alternatives=True, cost_benefit=True)
    assert flow.ready() == ["ut_fe_scope"]
    assert flow.mine("perf.2")[0].task_name == "ut_fe_scope"  # any FIN_PERF (scope ALL) may take it

    seen = fiscal(flow, "P-D02-001", performer="THIRD_PARTY", recommended=13800, firm=("TP-C", "tp.c.lead"),
                  returned_by=("TP-D", "tp.d.lead"), sections={"alternatives": True, "cost_benefit": True})
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    assert seen["candidates"] == ["TP-A", "TP-B", "TP-C", "TP-D"]  # TP-E (SUSPENDED) never offered

    # CA-2: TP-D returned (opinion kept), TP-C accepted
    e1, e2 = flow.engagements()
    assert [(e.type, e.status, e.contract_amount) for e in (e1, e2)] == [
        ("EXANTE", "RETURNED", W("125000.00")), ("EXANTE", "ACCEPTED", W("125000.00"))]
    assert e2.object_ids == [str(flow.project.id)] and e2.training_done is True
    assert e2.scope == "对项目开展财政事前绩效评估并出具评估报告。"
    returned = db.session.scalars(select(ReviewOpinion).where(ReviewOpinion.object_type == "ENGAGEMENT")).one()
    assert (returned.object_id, returned.verdict, returned.reviewer) == (e1.id, "RETURN", "tp.d.lead")

    # CA-1: three experts, at least one 财政绩效 expert, e05 excluded and never tasked
    experts = seen["experts"]
    assert len(set(experts)) == 3 and "expert.e05" not in experts and FISCAL_PERF & set(experts)
    assert [x["username"] for x in seen["excluded"]] == ["expert.e05"]
    (panel,) = flow.panels()
    assert panel.panel_type == "EXANTE" and panel.object_ref == str(flow.project.id)
    assert panel.panel_score == W("82.00") and panel.panel_verdict == "PASS"
    assert sorted(panel.experts) == sorted(experts) and len(panel.opinions) == 3
    assert [x["username"] for x in panel.excluded] == ["expert.e05"] and "D02" in panel.excluded[0]["reason"]
    assert db.session.scalars(select(HumanTask).where(HumanTask.assignee == "expert.e05")).all() == []
    expert_tasks = db.session.scalars(select(HumanTask).where(HumanTask.task_name == "ut_expert_opinion")).all()
    assert sorted(t.completed_by for t in expert_tasks) == sorted(experts)
    assert seen["panel_score"] == W("82.00") and seen["rule_conclusion"] == "SUPPORT"

    # assessments: the department's, then the fiscal one by TP-C
    dept, fisc = flow.assessments()
    assert (dept.assessor_type, dept.conclusion, dept.total_score, dept.performer) == (
        "DEPT_SELF", "SUPPORT", W(82), "SELF")
    assert (fisc.assessor_type, fisc.conclusion, fisc.total_score, fisc.status) == (
        "FISCAL", "SUPPORT", W(82), "CONCLUDED")
    assert fisc.engagement_id == e2.id and fisc.matched_rows == ["dt02_r3"] and fisc.performer == "THIRD_PARTY"
    assert fisc.recommended_amount == W("138000000.00") and fisc.key_findings[0]["severity"] == "MEDIUM"
    assert flow.year_row().exante_recommended == W("138000000.00")
    assert flow.year_row().requested == W("150000000.00")
    data = flow.last_data()
    assert (data["conclusion"], data["recommended_amount"]) == ("SUPPORT", W(13800))
    for leaked in ("experts", "opinions", "tp_candidates", "tp_lead", "fe_performer", "panel_score"):
        assert leaked not in data, leaked  # CA-4 hands back only its declared outputs
    assert "engagement_id" not in data  # neither CA-2's (not a CA-4 output) nor F-02's (not published)
    assert submitted(data, "ut_p1_dept_exante")["engagement_id"] is None  # F-02's own (empty) field
    (msg,) = flow.outbox()
    assert msg["message"] == "msg_project_in_library"
    assert msg["payload"] == {"project_id": str(flow.project.id), "request_year": Y,
                              "exante_conclusion": "SUPPORT", "recommended_amount": "13800"}


def test_optional_fiscal_accepted_by_fin_center(p1):
    """P-D03-001-like 10,000 万 (ALL): fiscal OPTIONAL (SD row 4 not hit: 10,000 is not > 10,000);
    FIN_PERF APPROVEs → CA-4 by FIN_CENTER."""
    flow = Flow("P-D03-001")
    flow.intake(funding_source="GOV_FUND")
    ctx = get_task(flow.task("filer.d03u01", "ut_p1_dept_exante").id, user("filer.d03u01")).all_data
    assert "dt01_r4" not in ctx["dt01_rows"] and ctx["fiscal_exante"] == "OPTIONAL"
    assert (ctx["alternatives_required"], ctx["cost_benefit_required"]) == (True, True)
    flow.dept_exante("P-D03-001", 10000, alternatives=True, cost_benefit=True)
    assert [t.task_name for t in flow.mine(PERF)] == ["ut_p1_fin_decide"]
    flow.do(PERF, "ut_p1_fin_decide", {"verdict": "APPROVE"})
    seen = fiscal(flow, "P-D03-001", performer="FIN_CENTER", recommended=9000,
                  sections={"alternatives": True, "cost_benefit": True})
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    # Timers are stored as due rows (firing them is the timers issue): P20D on the assessment,
    # P7D per expert; none is left waiting once the instance ended.
    assert [(name, round(days)) for name, days in seen["assess_timers"]] == [(seen["assess_timers"][0][0], 20)]
    assert [round(days) for _, days in seen["panel_timers"]] == [7, 7, 7]
    assert waiting_timers(flow) == []
    assert seen["experts"][0] == "expert.e06"  # the TRANSPORT expert first, then 财政绩效
    assert FISCAL_PERF & set(seen["experts"]) and seen["excluded"] == []
    dept, fisc = flow.assessments()
    assert (dept.conclusion, dept.total_score) == ("SUPPORT", W(84))
    assert (fisc.assessor_type, fisc.performer, fisc.conclusion, fisc.total_score, fisc.engagement_id) == (
        "FISCAL", "FIN_CENTER", "SUPPORT", W(84), None)
    assert flow.engagements() == []
    assert flow.opinions()[3:] == [("ut_p1_fin_decide", "APPROVE", PERF)]
    assert flow.year_row().exante_recommended == W("90000000.00")
    assert [m["message"] for m in flow.outbox()] == ["msg_project_in_library"]


@pytest.mark.parametrize("packs", ["ALL", "CORE"])
def test_optional_fiscal_declined(p1, packs):
    """ALL: P-D03-001-like 10,000 万 → OPTIONAL, perf.1 REJECTs with a reason → straight to the library.
    CORE: P-D02-001-like 15,000 万 → dept ex-ante with fiscal OPTIONAL (no SD row), no alternatives or
    cost-benefit sections; declined likewise."""
    db = p1
    if packs == "CORE":
        set_packs(CORE)
    code = "P-D03-001" if packs == "ALL" else "P-D02-001"
    flow = Flow(code)
    flow.intake(**({"funding_source": "GOV_FUND"} if code == "P-D03-001" else {}))
    ctx = get_task(flow.task(flow.filer.username, "ut_p1_dept_exante").id, flow.filer).all_data
    assert ctx["fiscal_exante"] == "OPTIONAL" and ctx["fiscal_key"] is False
    if packs == "CORE":
        assert ctx["dt01_rows"] == ["dt01_r1"] and ctx["exante_reasons"] == ["NEW_MAJOR"]
        assert (ctx["alternatives_required"], ctx["cost_benefit_required"]) == (False, False)
    flow.dept_exante(code, 10000 if packs == "ALL" else 15000, alternatives=packs == "ALL",
                     cost_benefit=packs == "ALL")
    assert [t.task_name for t in flow.mine(PERF)] == ["ut_p1_fin_decide"]
    flow.do(PERF, "ut_p1_fin_decide", {"verdict": "REJECT", "comment": REJECT_REASON,
                                       "opinion_attachments": ["att-perf-note"]})
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    assert flow.year_row().exante_recommended == (W("100000000.00") if packs == "ALL" else W("150000000.00"))
    (dept,) = flow.assessments()
    assert (dept.assessor_type, dept.conclusion) == ("DEPT_SELF", "SUPPORT")
    assert dept.total_score == (W(84) if packs == "ALL" else W(82))
    data = flow.last_data()
    assert data["fin_verdict"] == "REJECT" and "verdict" not in data and "comment" not in data  # published
    assert submitted(data, "ut_p1_fin_decide")["comment"] == REJECT_REASON  # kept under the step
    decide = [e for e in timeline(flow.instance.id) if e.task_name == "ut_p1_fin_decide"]
    assert [(e.actor, e.decision, e.comment) for e in decide] == [(PERF, "REJECT", REJECT_REASON)]
    assert flow.opinions() == [("ut_p1_unit_approve", "APPROVE", flow.head), ("ut_p1_dept_review", "APPROVE", flow.officer),
                               ("ut_p1_dept_exante_confirm", "APPROVE", flow.officer),
                               ("ut_p1_fin_decide", "REJECT", PERF)]
    opinion = db.session.scalars(select(ReviewOpinion).where(ReviewOpinion.stage == "ut_p1_fin_decide")).one()
    assert (opinion.object_id, opinion.comment, opinion.reviewer_role) == (flow.project.id, REJECT_REASON, "FIN_PERF")
    assert opinion.attachments == ["att-perf-note"]
    assert flow.panels() == [] and flow.engagements() == []
    assert [m["message"] for m in flow.outbox()] == ["msg_project_in_library"]


@pytest.mark.parametrize("packs", ["ALL", "CORE"])
def test_renewal_fiscal_key_support_after_revision(p1, packs):
    """P-D04-002-like renewal (CONTINUING SPECIAL_FUND, policy expired the year before the request):
    fiscal REQUIRED + fiscal_key under any packs, no dept ex-ante; FIN_CENTER 17/14/15/16/12 = 74 →
    SUPPORT_AFTER_REVISION → ut_p1_revise_after_fiscal → IN_LIBRARY with exante_recommended 1,500 万
    while the request stays as filed (1,800 万)."""
    if packs == "CORE":
        set_packs(CORE)
    flow = Flow("P-D04-002")
    flow.intake(predecessor_code="P-D04-002")
    assert flow.ready() == ["ut_fe_scope"]
    view = get_task(flow.task(PERF, "ut_fe_scope").id, user(PERF))
    assert (view.all_data["fiscal_key"], view.all_data["exante_reasons"]) == (True, ["POLICY_EXPIRING"])
    ctx = flow.spec_data("st_p1_agg")
    assert ctx["dt01_rows"] == ["dt01_r5"] and ctx["policy_renewal"] is True and ctx["dept_exante"] is False
    assert (ctx["fiscal_exante"], ctx["fiscal_key"], ctx["request_wan"]) == ("REQUIRED", True, W(1800))
    seen = fiscal(flow, "P-D04-002", performer="FIN_CENTER", recommended=1500)
    assert seen["rule_conclusion"] == "SUPPORT_AFTER_REVISION"
    assert flow.ready() == ["ut_p1_revise_after_fiscal"]
    revise = get_task(flow.task("filer.d04u01", "ut_p1_revise_after_fiscal").id, user("filer.d04u01"))
    assert revise.data["name"] == "农业产业化龙头企业扶持资金" + TEST  # prefilled
    assert revise.all_data["recommended_amount"] == W(1500)
    flow.do("filer.d04u01", "ut_p1_revise_after_fiscal", {
        **{k: v for k, v in revise.data.items()},
        "content_text": "按评估意见压减扶持范围，8个子项不再延续，集中支持产业链关键环节的龙头企业。" * 2,
        "annual_requests": [{"year": y, "fiscal_amount": W(1500), "other_amount": W(0)} for y in (Y, Y + 1, Y + 2)],
    })
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    (fisc,) = flow.assessments()
    assert (fisc.assessor_type, fisc.conclusion, fisc.total_score, fisc.performer) == (
        "FISCAL_KEY", "SUPPORT_AFTER_REVISION", W(74), "FIN_CENTER")
    assert fisc.matched_rows == ["dt02_r4"] and fisc.trigger_reasons == ["POLICY_EXPIRING"]
    assert fisc.recommended_amount == W("15000000.00")
    py = flow.year_row()
    assert py.exante_recommended == W("15000000.00") and py.requested == W("18000000.00")
    assert flow.project.content_text.startswith("按评估意见")
    (msg,) = flow.outbox()
    assert msg["payload"]["exante_conclusion"] == "SUPPORT_AFTER_REVISION"
    assert msg["payload"]["recommended_amount"] == "1500"


def test_fiscal_conclusion_overridden_by_fin_perf(p1):
    """P-D10-001-like renewal 14,000 万 by TP-A (§8.9): 18/12/14/15/12 = 71 → DT-02 says
    SUPPORT_AFTER_REVISION; FIN_PERF overrides to NOT_SUPPORT with a reason → NOT_ADMITTED."""
    flow = Flow("P-D10-001")
    flow.intake(predecessor_code="P-D10-001")
    agg = flow.spec_data("st_p1_agg")
    assert agg["dt01_rows"] == ["dt01_r5"] and (agg["fiscal_exante"], agg["fiscal_key"]) == ("REQUIRED", True)
    assert "dt01_r4" not in agg["dt01_rows"]  # SD row 4 not hit: not new
    reason = "专项资金政策已到期，31个子项中8项绩效目标长期未实现，资金使用效益偏低，且同类产业扶持政策已由省级统筹安排，本级不宜继续安排。"
    seen = fiscal(flow, "P-D10-001", performer="THIRD_PARTY", recommended=10500, firm=("TP-A", "tp.a.lead"),
                  override=("NOT_SUPPORT", reason))
    assert seen["rule_conclusion"] == "SUPPORT_AFTER_REVISION"
    flow.assert_ended("end_p1_not_admitted", "NOT_ADMITTED")
    (fisc,) = flow.assessments()
    assert (fisc.assessor_type, fisc.conclusion, fisc.total_score, fisc.matched_rows) == (
        "FISCAL_KEY", "NOT_SUPPORT", W(71), ["dt02_r4"])
    assert fisc.conclusion_override_reason == reason and fisc.performer == "THIRD_PARTY"
    (e,) = flow.engagements()
    assert fisc.engagement_id == e.id and e.status == "ACCEPTED"
    assert flow.year_row().exante_recommended is None and flow.outbox() == []
