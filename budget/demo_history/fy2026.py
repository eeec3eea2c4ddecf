"""示例市's FY2026 intake (sample-data §8.5) through P1 on the real engine: the units file in August
2025 (before the Aug 31 cut-off), departments review, the ex-ante assessments of §8.5 with their
scores, FIN_PERF's choices, the fiscal ex-ante by TP-C / FIN_CENTER / TP-A with expert panels; the
last step of each request is held to the days after the National Day holiday so that P2, which P1's
`msg_project_in_library` starts, opens its first step (the unit's confirmation, due 15 days later)
shortly before the snapshot date. P-D11-001 ends NOT_ADMITTED. The new projects keep their §8.3
codes (P1's explicit `project_code`); the renewals of P-D04-002 and P-D10-001 (policy expired 2025)
are new records as P1 makes them (numbered P-D04-003, P-D10-002), naming their predecessor in
predecessor_code and in the name, so a clerk sees the link (docs/design.md "Demo history")."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from budget.demo_history.driver import Answer, Cursor, Plan, at, user
from engine.base.db import db
from engine.base.models import HumanTask
from engine.moves.runtime import start_process

W = Decimal
Y = 2026
RENEWALS = ("P-D04-002", "P-D10-001")
FILE_FROM, CLOSE_FROM = date(2025, 8, 4), date(2025, 10, 9)
ENGAGE_FROM, ASSESSED_FROM = date(2025, 9, 1), date(2025, 9, 15)  # within CA-4's 20-day assessment deadline
LONG = "依据项目申报材料、实地调研和同类项目对比分析，该维度总体情况符合要求，个别方面仍需完善。"
FOCUS = "重点关注立项必要性、资金测算依据和绩效目标的合理性。"
# §8.5 dimension scores 必要性/经济性/目标/可行性/筹资 ("/2": the revision round)
SCORES = {
    "P-D02-001": (22, 15, 16, 16, 13), "P-D03-001": (21, 17, 16, 17, 13), "P-D01-001": (22, 17, 17, 16, 13),
    "P-D05-001": (19, 15, 14, 16, 12), "P-D05-001/2": (20, 16, 16, 16, 13), "P-D05-002": (20, 16, 16, 16, 12),
    "P-D11-001": (13, 12, 11, 12, 10), "P-D04-002": (17, 14, 15, 16, 12), "P-D10-001": (18, 12, 14, 15, 12),
}


def indicator(l1: str, l2: str, name: str, value: Any, unit: str, weight: int, op: str = "GE", **extra: Any) -> dict:
    return {"l1": l1, "l2": l2, "name": name, "kind": "QUANT", "operator": op, "target_value": W(value),
            "unit": unit, "weight": W(weight), "value_basis": "PLAN", "calc_method": "按年度统计口径计算",
            "data_source": "单位业务统计台账", "is_core": False, **extra}


def indicators() -> list[dict]:
    rows = [
        indicator("OUTPUT", "OUT_QTY", "年度任务完成数量", 300, "项", 20),
        indicator("OUTPUT", "OUT_QLT", "验收合格率", 100, "%", 15, "EQ"),
        indicator("OUTPUT", "OUT_TIME", "年度任务按期完成率", 90, "%", 10),
        indicator("OUTPUT", "OUT_COST", "单位综合成本", 38, "万元/项", 5, "LE"),
        indicator("EFFECT", "EFF_SOC", "服务覆盖率提升", 20, "%", 30),
        indicator("SATISFACTION", "SAT_SERVICE", "服务对象满意度", 90, "%", 10),
    ]
    return rows + [indicator("OUTPUT", "OUT_TIME", n, 90, "%", 0, is_common=True)
                   for n in ("预算执行进度", "预算到项目率", "预算支出率")]


# code → name, unit, 功能分类, object type, NEW/CONTINUING, last year, request (万元), extra F-01 fields
REQUESTS: dict[str, tuple[str, str, str, str, str, int, int, dict[str, Any]]] = {
    "P-D05-001": ("大气污染源自动监测运维", "D05-U02", "211", "PROJECT", "NEW", 2028, 300, {}),
    "P-D05-002": ("生态环境执法能力建设", "D05-U01", "211", "PROJECT", "NEW", 2026, 299, {"one_off_type": "EQUIPMENT"}),
    "P-D11-001": ("市属国企产业升级资本金注入", "D11-U01", "223", "PROJECT", "NEW", 2027, 5000,
                  {"funding_source": "STATE_CAPITAL"}),
    "P-D01-001": ("市属中小学智慧校园建设", "D01-U02", "205", "PROJECT", "NEW", 2027, 3000,
                  {"one_off_type": "IT_CONSTRUCTION", "domain_tags": ["DIGITAL"]}),
    "P-D03-001": ("农村公路提档升级", "D03-U01", "214", "PROJECT", "NEW", 2028, 10000,
                  {"one_off_type": "CAPITAL_CONSTRUCTION", "special_type": ["GOV_BOND"], "funding_source": "GOV_FUND"}),
    "P-D02-001": ("基层医疗卫生机构能力提升工程", "D02-U01", "210", "PROJECT", "NEW", 2028, 15000,
                  {"large_influence": True, "scope_districts": 12}),
    "P-D04-002": ("农业产业化龙头企业扶持资金（2026—2028年延续，原P-D04-002）", "D04-U01", "213", "SPECIAL_FUND", "CONTINUING", 2028, 1800,
                  {"policy_expiry_year": 2025, "predecessor_code": "P-D04-002", "domain_tags": ["INDUSTRY"]}),
    "P-D10-001": ("商务发展专项资金（2026—2028年延续，原P-D10-001）", "D10-U01", "216", "SPECIAL_FUND", "CONTINUING", 2028, 14000,
                  {"policy_expiry_year": 2025, "predecessor_code": "P-D10-001", "domain_tags": ["INDUSTRY"]}),
}


def slug(unit: str) -> str:
    return unit.lower().replace("-", "")


def application(code: str, amount: int | None = None, **over: Any) -> dict:
    name, unit, fc, otype, noc, last, fy, extra = REQUESTS[code]
    amount = fy if amount is None else amount
    sub = {
        "name": name, "object_type": otype, "project_class": "SPECIFIC", "function_category": fc,
        "domain_tags": [], "special_type": [], "one_off_type": "NONE", "new_or_continuing": noc,
        "start_year": Y if noc == "NEW" else 2021, "end_year": last, "policy_intensive": False,
        "legal_basis": "《示例市预算绩效管理办法》及市政府常务会议纪要〔2025〕12号",
        "necessity_text": "项目实施对于提升公共服务能力、解决群众急难愁盼问题具有重要意义，" * 3,
        "content_text": "按年度实施计划分批推进建设与采购，同步完善管理制度并开展绩效跟踪，" * 3,
        "annual_requests": [{"year": y, "fiscal_amount": W(amount), "other_amount": W(0)} for y in range(Y, last + 1)],
        "funding_source": "GENERAL", "responsible_person": f"head.{slug(unit)}",
        "scope_districts": 3, "beneficiaries": 50000, "large_influence": False, "is_classified": False,
        "attachments": ["att-feasibility-study"],
        "overall_goal": "通过项目实施，全面提升相关公共服务的供给能力和质量水平。",
        "annual_goal": "年度内完成计划任务并通过验收，服务对象满意度不低于90%。", "has_service_objects": True,
        "indicators": indicators(),
    }
    return {**sub, **extra, **over}


def scores(key: str) -> dict:
    n, e, t, f, fin = SCORES[key]
    return {"dim_necessity": W(n), "dim_economy": W(e), "dim_target": W(t), "dim_feasibility": W(f),
            "dim_financing": W(fin)}


def comments() -> dict:
    return {"comment_" + d: LONG for d in ("necessity", "economy", "target", "feasibility", "financing")}


def dept_exante(key: str, recommended: int, ctx: dict) -> dict:
    """F-02 with the sections DT-01 asked for (ctx: alternatives_required, cost_benefit_required)."""
    sub = {"performer": "SELF", **scores(key), **comments(), "financing_compliant": True,
           "financing_basis": "资金来源符合市级财政事权与支出责任划分规定。",
           "annual_need": [{"year": Y, "amount": W(recommended)}], "recommended_amount": W(recommended),
           "report": ["att-exante-report"]}
    if ctx.get("alternatives_required"):
        sub["alternatives"] = [
            {"name": "方案一", "description": "集中建设，一次性投入到位。", "cost": W(recommended),
             "expected_effect": "建设周期短，见效快，服务能力一次性提升。"},
            {"name": "方案二", "description": "分年度滚动实施，逐步投入。", "cost": W(recommended) + 500,
             "expected_effect": "建设周期长，总成本偏高，效果逐年显现。"}]
        sub["alternative_chosen"] = "方案一"
        sub["alternative_reason"] = "方案一总成本更低、见效更快，在同等产出下财政资金使用效益更高，物有所值，" * 2
    if ctx.get("cost_benefit_required"):
        sub["cost_benefit"] = {
            "cost_items": [{"item": "建设及设备购置", "amount": W(recommended), "basis": "按市场询价测算"}],
            "unit_cost": W("38"), "unit_cost_unit": "万元/项",
            "benchmark": [{"peer": "邻市同类项目", "unit_cost": W("40"), "note": "2024年决算口径"}],
            "performance_standard": "达到省级同类项目平均水平", "cost_quota_standard": "参照省级定额标准",
            "optimal_option": "方案一"}
    return sub


class IntakePlan:
    """One §8.5 request: who does what, with the §8.5 figures."""

    def __init__(self, code: str, recommended: int, *, fiscal: str | None = None, firm: tuple[str, str] | None = None,
                 decline: bool = False, revise_to: int | None = None, last: str = "ut_p1_dept_exante_confirm") -> None:
        self.code, self.recommended, self.fiscal, self.firm = code, recommended, fiscal, firm
        self.decline, self.revise_to, self.last = decline, revise_to, last
        self.unit = REQUESTS[code][1]
        self.round = 1

    def __call__(self, task: HumanTask, data: dict[str, Any], ctx: dict[str, Any]) -> Answer | None:
        handler = getattr(self, task.task_name, None)
        if handler is None:
            return None
        answer = handler(data, ctx)
        if task.task_name == self.last and (self.code != "P-D05-001" or self.round == 2):
            answer.not_before = at(CLOSE_FROM, 9, 30)
        return answer

    def ut_p1_fill(self, data: dict, ctx: dict) -> Answer:
        if ctx.get("rev_round"):  # SUPPORT_AFTER_REVISION: the unit revises the content and files again
            self.round = 2
            return Answer(application(self.code, content_text="按评估意见细化运维内容，压减非必要的设备更新，"
                                                              "明确各监测站点的运维频次和考核标准。" * 2))
        return Answer(application(self.code))

    def ut_p1_unit_approve(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE"})

    def ut_p1_dept_review(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "grade": "良"})

    def ut_p1_dept_exante(self, data: dict, ctx: dict) -> Answer:
        key = f"{self.code}/2" if self.round == 2 else self.code
        amount = 290 if self.round == 2 else self.recommended
        return Answer(dept_exante(key, amount, ctx))

    def ut_p1_dept_exante_confirm(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE"})

    def ut_p1_fin_decide(self, data: dict, ctx: dict) -> Answer:
        if self.decline:
            return Answer({"verdict": "REJECT", "comment": "部门事前评估已充分论证，本年度不再开展财政事前评估。"},
                          who="perf.1")
        return Answer({"verdict": "APPROVE"}, who="perf.1")

    # CA-4 fiscal ex-ante, with CA-2 (third party) and CA-1 (expert panel) inside
    def ut_fe_scope(self, data: dict, ctx: dict) -> Answer:
        return Answer({"fe_performer": self.fiscal, "focus_points": FOCUS}, who="perf.1", not_before=at(ENGAGE_FROM))

    def ut_tp_select(self, data: dict, ctx: dict) -> Answer:
        assert self.firm is not None
        return Answer({"firm": self.firm[0], "tp_lead": self.firm[1], "contract_amount": W("12.5"),
                       "engagement_scope": "对项目开展财政事前绩效评估并出具评估报告。", "training_done": True},
                      who="perf.1")

    def ut_tp_accept(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "conflict_declaration": True})

    def _assess(self, ctx: dict) -> Answer:
        sub = {**scores(self.code), **comments(),
               "key_findings": [{"text": "部分子项目测算依据不足，需细化。", "severity": "MEDIUM"}],
               "recommended_amount": W(self.recommended), "annual_need": [{"year": Y, "amount": W(self.recommended)}],
               "report": ["att-fiscal-report"]}
        if ctx.get("alternatives_required"):
            sub["alternatives_check"] = True
        if ctx.get("cost_benefit_required"):
            sub["cost_benefit_check"] = True
        return Answer(sub)

    def ut_fe_assess_tp(self, data: dict, ctx: dict) -> Answer:
        return Answer(self._assess(ctx).submission, not_before=at(ASSESSED_FROM))

    def ut_fe_assess_center(self, data: dict, ctx: dict) -> Answer:
        return Answer(self._assess(ctx).submission, not_before=at(ASSESSED_FROM))

    def ut_panel_confirm(self, data: dict, ctx: dict) -> Answer:
        return Answer({"experts": list(ctx["experts"])}, who="perf.1")

    def ut_expert_opinion(self, data: dict, ctx: dict) -> Answer:
        return Answer({**scores(self.code), "expert_verdict": "SUPPORT", "comment": "同意评估意见，建议按评估结论处理。"})

    def ut_panel_chair(self, data: dict, ctx: dict) -> Answer:
        return Answer({"panel_verdict": "PASS", "comment": "评审组同意评估报告的主要结论。"}, who="perf.1")

    def ut_fe_confirm(self, data: dict, ctx: dict) -> Answer:
        return Answer({"comment": "同意评估报告及评审组的结论。"}, who="perf.1")

    def ut_p1_revise_after_fiscal(self, data: dict, ctx: dict) -> Answer:
        last = REQUESTS[self.code][5]
        return Answer({**data, "content_text": "按评估意见压减扶持范围，部分子项不再延续，集中支持关键环节。" * 2,
                       "annual_requests": [{"year": y, "fiscal_amount": W(self.recommended), "other_amount": W(0)}
                                           for y in range(Y, last + 1)]})


PLANS = [  # the order the units file in (a department's codes follow it)
    IntakePlan("P-D05-001", 300),
    IntakePlan("P-D05-002", 299),
    IntakePlan("P-D11-001", 5000),
    IntakePlan("P-D01-001", 3000, decline=True, last="ut_p1_fin_decide"),
    IntakePlan("P-D03-001", 10000, decline=True, last="ut_p1_fin_decide"),
    IntakePlan("P-D02-001", 13800, fiscal="THIRD_PARTY", firm=("TP-C", "tp.c.lead"), last="ut_fe_confirm"),
    IntakePlan("P-D04-002", 1500, fiscal="FIN_CENTER", last="ut_p1_revise_after_fiscal"),
    IntakePlan("P-D10-001", 10500, fiscal="THIRD_PARTY", firm=("TP-A", "tp.a.lead"), last="ut_p1_revise_after_fiscal"),
]


def start(cursor: Cursor) -> dict[Any, Plan]:
    """Each unit's filer starts a request (新建) on 2025-08-04; the caller drives the work (with
    FY2025's monitoring, in date order): the units file and the departments review within days,
    before the Aug 31 cut-off (st_p1_cutoff would move a request reviewed later to 2027); the
    ex-ante assessments and panels follow in September, keeping the 20-day and 7-day deadlines;
    the closing steps wait for October (IntakePlan.not_before)."""
    work: dict[Any, Plan] = {}
    cursor.go(at(FILE_FROM, 9, 15))
    for plan in PLANS:
        cursor.step((20, 90))
        instance = start_process("p1_project_intake", user(f"filer.{slug(plan.unit)}"),
                                 {} if plan.code in RENEWALS else {"project_code": plan.code})
        db.session.commit()
        work[instance.id] = plan
    return work
