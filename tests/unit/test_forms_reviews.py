"""F-02, F-03, F-05, F-26 and F-PANEL: modes, R block, context-driven sections and rules."""
from __future__ import annotations

from decimal import Decimal

from test_forms_samples import DIMS_OK, F02, F02_CONTEXT, LONG, clone

from forms import compile_task_form, load_definitions

DEFS = load_definitions()


def form(key, mode):
    return compile_task_form([key], mode, DEFS)


ALTERNATIVES = [
    {"name": "方案一", "description": "全市统一建设平台并集中运维。", "cost": "4800", "expected_effect": "覆盖全部学校，运维成本最低。", "score": 88},
    {"name": "方案二", "description": "各校分散建设并各自运维管理。", "cost": "5600", "expected_effect": "建设周期短，但标准不统一。", "score": 70},
]
REASON = "方案一统一建设、集中运维，在覆盖面相同的情况下总成本较方案二低约 800 万元，且便于数据共享和统一标准，物有所值。"
COST_BENEFIT = {
    "cost_items": [{"item": "平台建设", "amount": "3000"}, {"item": "终端设备", "amount": "1800"}],
    "unit_cost": "120",
    "unit_cost_unit": "万元/校",
    "benchmark": [{"peer": "邻市智慧校园项目", "unit_cost": "135"}],
    "performance_standard": "全部学校接入统一平台，系统可用率不低于 99%。",
    "cost_quota_standard": "参照省级教育信息化建设成本定额。",
    "optimal_option": "方案一",
}


# --- F-02 ------------------------------------------------------------------------------------

def test_f02_edit_valid_cleans_types_and_total():
    clean, errors = form("F-02", "edit").validate(F02, F02_CONTEXT)
    assert errors == {}
    assert clean["total_score"] == Decimal("82.5")
    assert isinstance(clean["dim_economy"], Decimal) and clean["financing_compliant"] is True
    assert clean["alternatives"] == [] and clean["cost_benefit"] is None


def test_f02_dimension_range_and_step():
    _, errors = form("F-02", "edit").validate(clone(F02, dim_necessity=26, dim_economy="15.3"), F02_CONTEXT)
    assert errors["dim_necessity"] == ["不能大于 25"]
    assert errors["dim_economy"] == ["须为 0.5 的整数倍"]
    assert "total_score" not in errors


def test_f02_comment_lengths_and_third_party_engagement():
    _, errors = form("F-02", "edit").validate(clone(F02, comment_target="太短了", performer="THIRD_PARTY"), F02_CONTEXT)
    assert errors["comment_target"] == ["长度须在 30–2000 个字符之间"]
    assert errors["engagement_id"] == ["必填项（评估实施方为“委托第三方”时）"]


def test_f02_amount_rules_against_the_request():
    data = clone(F02, recommended_amount="3200", annual_need=[{"year": 2026, "amount": 3100}, {"year": 2027, "amount": 1800}])
    _, errors = form("F-02", "edit").validate(data, F02_CONTEXT)
    assert errors["recommended_amount"] == ["不能大于申请金额 3000 万元"]
    assert errors["annual_need.0.amount"] == ["申请年度 2026 的支出需求不能大于申请金额 3000 万元"]
    assert errors["annual_need"] == ["分年度支出需求合计 4900 万元，超过项目总额 4800 万元"]


def test_f02_alternatives_required_by_context():
    ctx = {**F02_CONTEXT, "alternatives_required": True}
    _, errors = form("F-02", "edit").validate(F02, ctx)
    assert errors["alternatives"] == ["必填项（本项目须进行备选方案比较）"]
    assert errors["alternative_chosen"] == ["必填项（本项目须进行备选方案比较）"]
    assert errors["alternative_reason"] == ["必填项（本项目须进行备选方案比较）"]
    data = clone(F02, alternatives=ALTERNATIVES[:1], alternative_chosen="方案三", alternative_reason=REASON)
    _, errors = form("F-02", "edit").validate(data, ctx)
    assert errors["alternatives"] == ["至少需要 2 个备选方案，当前为 1 个"]
    assert errors["alternative_chosen"] == ["须为备选方案之一：方案一"]
    data = clone(F02, alternatives=ALTERNATIVES, alternative_chosen="方案一", alternative_reason=REASON)
    clean, errors = form("F-02", "edit").validate(data, ctx)
    assert errors == {} and clean["alternatives"][1]["cost"] == Decimal("5600")


def test_f02_cost_benefit_required_by_context():
    ctx = {**F02_CONTEXT, "cost_benefit_required": True}
    _, errors = form("F-02", "edit").validate(F02, ctx)
    assert errors == {"cost_benefit": ["必填项（本项目须进行成本效益分析）"]}
    bad = clone(COST_BENEFIT, unit_cost=0, benchmark=[])
    _, errors = form("F-02", "edit").validate(clone(F02, cost_benefit=bad), ctx)
    assert errors["cost_benefit.unit_cost"] == ["须大于 0"]
    assert errors["cost_benefit.benchmark"] == ["至少需要填写 1 项"]
    clean, errors = form("F-02", "edit").validate(clone(F02, cost_benefit=COST_BENEFIT), ctx)
    assert errors == {} and clean["cost_benefit"]["unit_cost"] == Decimal("120")


def test_f02_report_required():
    _, errors = form("F-02", "edit").validate(clone(F02, report=[]), F02_CONTEXT)
    assert errors == {"report": ["请至少上传 1 个附件"]}


def test_f02_review_mode_is_read_only_plus_r_block():
    review = form("F-02", "review")
    assert review.validate({}, {})[1] == {"verdict": ["必填项"]}
    clean, errors = review.validate({**F02, "verdict": "APPROVE"}, {"verdicts": "APPROVE,RETURN"})
    assert errors == {} and set(clean) == {"verdict", "comment", "opinion_attachments"}
    _, errors = review.validate({"verdict": "RETURN", "comment": "请补充"}, {})
    assert errors == {"comment": ["长度须在 10–2000 个字符之间"]}
    ui = {f["name"]: f for f in review.ui["sections"][0]["fields"]}
    assert ui["dim_necessity"]["readonly"] and ui["conclusion"]["readonly"] and not ui["verdict"]["readonly"]


# --- F-03 ------------------------------------------------------------------------------------

F03_ASSESS = {
    **DIMS_OK,
    **{f"comment_{d}": LONG for d in ("necessity", "economy", "target", "feasibility", "financing")},
    "key_findings": [{"text": "部分子项目测算依据不足，单价偏高。", "severity": "HIGH"}],
    "recommended_amount": 1500,
    "annual_need": [{"year": 2026, "amount": 1500}],
    "report": ["att-fe"],
}


def test_f03_assess():
    ctx = {"request_wan": 1800, "request_year": 2026, "alternatives_required": True}
    clean, errors = form("F-03", "assess").validate(F03_ASSESS, ctx)
    assert errors == {"alternatives_check": ["必填项（本项目须进行备选方案比较）"]}
    data = clone(F03_ASSESS, alternatives_check=False, key_findings=[{"text": "太短", "severity": "URGENT"}])
    _, errors = form("F-03", "assess").validate(data, ctx)
    assert errors["alternatives_comment"] == ["必填项（备选方案比较充分为“否”时）"]
    assert errors["key_findings.0.text"] == ["长度须在 10–1000 个字符之间"]
    assert errors["key_findings.0.severity"] == ["须为以下之一：HIGH、MEDIUM、LOW"]
    clean, errors = form("F-03", "assess").validate(clone(F03_ASSESS, alternatives_check=True), ctx)
    assert errors == {} and clean["total_score"] == Decimal("82.5")
    _, errors = form("F-03", "assess").validate(clone(F03_ASSESS, key_findings=[]), {})
    assert errors == {"key_findings": ["至少需要填写 1 项"]}


def test_f03_expert_mode():
    expert = form("F-03", "expert")
    assert "key_findings" not in expert.field_names
    _, errors = expert.validate({**DIMS_OK, "expert_verdict": "MAYBE"}, {})
    assert errors == {"expert_verdict": ["须为以下之一：SUPPORT、REVISE、NOT_SUPPORT"], "comment": ["必填项"]}
    clean, errors = expert.validate({**DIMS_OK, "expert_verdict": "REVISE", "comment": "建议压减设备购置预算。"}, {})
    assert errors == {} and clean["total_score"] == Decimal("82.5")


def test_f03_confirm_override_needs_reason():
    confirm = form("F-03", "confirm")
    assert "dim_necessity" not in confirm.editable_names and "conclusion" in confirm.field_names
    clean, errors = confirm.validate({}, {})
    assert errors == {} and clean["conclusion_override"] is None
    _, errors = confirm.validate({"conclusion_override": "SUPPORT", "override_reason": "理由太短"}, {})
    assert errors == {"override_reason": ["长度须在 50–2000 个字符之间"]}
    _, errors = confirm.validate({"conclusion_override": "SUPPORT"}, {})
    assert errors == {"override_reason": ["必填项（已填写调整评估结论时）"]}


def test_f03_scope():
    scope = form("F-03", "scope")
    assert scope.field_names == ["fe_performer", "focus_points"]
    _, errors = scope.validate({"fe_performer": "EXPERTS"}, {})
    assert errors == {"fe_performer": ["须为以下之一：FIN_CENTER、THIRD_PARTY"], "focus_points": ["必填项"]}
    assert scope.validate({"fe_performer": "THIRD_PARTY", "focus_points": "重点评估子项目测算依据。"}, {})[1] == {}


# --- F-05 ------------------------------------------------------------------------------------

DIMS_92 = {"dim_completeness": 24, "dim_relevance": 23, "dim_appropriateness": 22, "dim_feasibility": 23}
DIMS_64 = {"dim_completeness": 18, "dim_relevance": 17, "dim_appropriateness": 15, "dim_feasibility": 14}


def test_f05_fund_grade_defaults_from_total():
    clean, errors = form("F-05", "fund").validate({**DIMS_92, "budget_match": "MATCH"}, {"request_wan": 15000})
    assert errors == {}
    assert clean["total"] == Decimal(92) and clean["grade"] == "优"


def test_f05_fund_requires_dims_and_budget_match():
    _, errors = form("F-05", "fund").validate({}, {})
    assert errors["dim_completeness"] == ["必填项"] and errors["budget_match"] == ["必填项"]


def test_f05_grade_override_needs_reason():
    fund = form("F-05", "fund")
    _, errors = fund.validate({**DIMS_92, "budget_match": "MATCH", "grade": "良"}, {})
    assert errors == {"grade_override_reason": ["所选等级“良”与总分 92 对应的等级“优”不一致，须填写调整理由"]}
    data = {**DIMS_92, "budget_match": "MATCH", "grade": "良", "grade_override_reason": "成本指标设置明显偏松，酌情降档。"}
    assert fund.validate(data, {})[1] == {}


def test_f05_poor_grade_needs_indicator_comments_except_in_dept_mode():
    data = {**DIMS_64, "budget_match": "TARGET_TOO_LOW"}
    clean, errors = form("F-05", "fund").validate(data, {})
    assert clean["grade"] == "中"
    assert errors == {"indicator_comments": ["审核等级为“中”或“差”时，至少填写 1 条指标修改意见"]}
    data["indicator_comments"] = [{"indicator_id": "新建高标准农田面积", "comment": "目标值低于上年实际完成值。",
                                   "suggested_value": "≥ 5.5 万亩"}]
    assert form("F-05", "fund").validate(data, {})[1] == {}
    dept = form("F-05", "dept")
    assert dept.validate({**DIMS_64, "verdict": "APPROVE"}, {})[1] == {}


def test_f05_dept_mode_r_block_and_optional_dims():
    dept = form("F-05", "dept")
    assert "budget_match" not in dept.field_names and "suggested_amount" not in dept.field_names
    _, errors = dept.validate({"verdict": "APPROVE"}, {})
    assert errors == {"grade": ["必填项（未填写全部评分时须选择等级）"]}
    assert dept.validate({"verdict": "APPROVE", "grade": "良"}, {})[1] == {}
    _, errors = dept.validate({"verdict": "REJECT", "grade": "差"}, {"verdicts": ["APPROVE", "RETURN"]})
    assert errors == {"verdict": ["须为以下之一：APPROVE、RETURN"]}
    _, errors = dept.validate({"verdict": "RETURN", "grade": "中"}, {})
    assert errors == {"comment": ["必填项（审核结论为“退回、不同意”时）"]}


def test_f05_suggested_amount_not_above_request():
    data = {**DIMS_92, "budget_match": "AMOUNT_TOO_HIGH", "suggested_amount": "15000.5"}
    _, errors = form("F-05", "fund").validate(data, {"request_wan": "15000"})
    assert errors == {"suggested_amount": ["不能大于申请金额 15000 万元"]}


# --- F-26, F-PANEL ---------------------------------------------------------------------------

def test_f26_select_and_accept():
    select = form("F-26", "select")
    _, errors = select.validate({"firm": "TP-A", "tp_lead": "tp.a.lead", "contract_amount": 0}, {})
    assert errors == {"contract_amount": ["须大于 0"], "engagement_scope": ["必填项"]}
    data = {"firm": "TP-A", "tp_lead": "tp.a.lead", "contract_amount": "35.5", "engagement_scope": "商务发展专项资金事前评估"}
    clean, errors = select.validate(data, {})
    assert errors == {} and clean["contract_amount"] == Decimal("35.5") and clean["scoring_guide"] == []
    accept = form("F-26", "accept")
    assert accept.editable_names == ["conflict_declaration", "verdict", "comment"]
    _, errors = accept.validate({"conflict_declaration": False, "verdict": "APPROVE"}, {})
    assert errors == {"conflict_declaration": ["须声明与委托事项不存在利益冲突后方可接受委托"]}
    _, errors = accept.validate({"conflict_declaration": True, "verdict": "REJECT"}, {})
    assert errors == {"verdict": ["须为以下之一：APPROVE、RETURN"]}
    assert accept.validate({"conflict_declaration": "true", "verdict": "APPROVE"}, {})[1] == {}
    # returning the engagement (e.g. because of a conflict) needs a reason, not a no-conflict declaration
    returned = {"conflict_declaration": False, "verdict": "RETURN"}
    assert accept.validate(returned, {})[1] == {"comment": ["必填项（是否接受委托为“退回”时）"]}
    assert accept.validate({**returned, "comment": "与被评价单位存在业务往来，申请回避。"}, {})[1] == {}


def test_f_panel_confirm_and_chair():
    confirm = form("F-PANEL", "confirm")
    _, errors = confirm.validate({"experts": []}, {})
    assert errors == {"experts": ["须为 1–15 项"]}
    _, errors = confirm.validate({"experts": ["expert.e01", "bad name"]}, {})
    assert errors == {"experts.1": ["须为有效的用户名"]}
    assert confirm.validate({"experts": ["expert.e01", "expert.e02"]}, {})[0]["experts"] == ["expert.e01", "expert.e02"]
    chair = form("F-PANEL", "chair")
    assert "panel_score" in chair.field_names and "panel_score" not in chair.editable_names
    _, errors = chair.validate({"panel_verdict": "PASS", "comment": "同意"}, {})
    assert errors == {"comment": ["长度须在 10–2000 个字符之间"]}
    clean, errors = chair.validate({"panel_verdict": "REVISE", "comment": "建议修改完善后再报送审议。", "panel_score": 99}, {})
    assert errors == {} and "panel_score" not in clean


def test_decision_fields_are_not_prefilled():
    """Task data is flat: the previous reviewer's verdict, opinion and attachments must not arrive
    pre-selected in the next reviewer's form; read-only context (conclusion) still shows."""
    from forms import prefill

    data = {"verdict": "RETURN", "comment": "请补充测算依据后重新提交。", "opinion_attachments": ["a1"],
            "attachments": ["feasibility"], "conclusion": "SUPPORT", "dim_necessity": 20}
    assert prefill(form("F-00", None), data) == {}
    assert prefill(form("F-05", "dept"), data) == {}
    assert prefill(form("F-02", "review"), data) == {"conclusion": "SUPPORT", "dim_necessity": 20}
    assert prefill(form("F-03", "confirm"), {**data, "conclusion_override": "NOT_SUPPORT"}) == {
        "conclusion": "SUPPORT", "dim_necessity": 20}
    assert prefill(compile_task_form(["F-01", "F-04"], None, DEFS), data) == {"attachments": ["feasibility"]}
