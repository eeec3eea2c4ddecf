"""Driving `p1_project_intake` through the real engine on PostgreSQL, the way the web layer does:
every task is found in the acting user's 待办 (engine.work.inbox.todo — that proves lane assignment and
data scope), completed with engine.moves.runtime.complete_task and committed; no mocks, the budget
handlers run. Shared by tests/integration/test_p1_engine*.py (not a test module itself)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

import budget  # noqa: F401  (registers the handlers, helpers, starter and listeners)
from budget.calc.intake import intake_cutoff
from budget.models import (
    Engagement,
    ExAnteAssessment,
    ExpertPanelResult,
    Jurisdiction,
    Project,
    ProjectYear,
    ReviewOpinion,
)
from budget.shared.helpers import today
from engine.base.db import db
from engine.base.identity import User
from engine.base.models import HumanTask, Message, ProcessInstance
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.work.inbox import ready_tasks, todo
from tests.samples import SCORES

ROOT = Path(__file__).resolve().parents[2]
W = Decimal
ALL = ["CORE", "SD", "SZ", "QP", "FJ", "JN"]
CORE = ["CORE"]
TEST = "（测试）"  # the demo already holds the 20 §8.3 projects: names are unique per dept and year


def open_year() -> int:
    """The budget year a non-in-year request filed today is accepted for: next year until its
    Aug 31 cut-off, then the year after (st_p1_cutoff would move anything earlier)."""
    year = today().year + 1
    return year + 1 if today() > intake_cutoff(year) else year


Y = open_year()  # plays the part of FY2026 in sample-data §8.5

# §8.3 / §8.5: code → unit, 功能分类, object type, NEW/CONTINUING, years (offsets from Y), FY request
# (万元), extra F-01 fields
PROJECTS: dict[str, tuple[str, str, str, str, tuple[int, int], int, dict[str, Any]]] = {
    "P-D02-001": ("D02-U01", "210", "PROJECT", "NEW", (0, 2), 15000, {"large_influence": True, "scope_districts": 12}),
    "P-D03-001": ("D03-U01", "214", "PROJECT", "NEW", (0, 2), 10000, {"one_off_type": "CAPITAL_CONSTRUCTION"}),
    "P-D01-001": ("D01-U02", "205", "PROJECT", "NEW", (0, 1), 3000, {"one_off_type": "IT_CONSTRUCTION"}),
    "P-D05-001": ("D05-U02", "211", "PROJECT", "NEW", (0, 2), 300, {}),
    "P-D05-002": ("D05-U01", "211", "PROJECT", "NEW", (0, 0), 299, {"one_off_type": "EQUIPMENT"}),
    "P-D11-001": ("D11-U01", "223", "PROJECT", "NEW", (0, 1), 5000, {}),
    "P-D04-002": ("D04-U01", "213", "SPECIAL_FUND", "CONTINUING", (0, 2), 1800, {"policy_expiry_year": Y - 1}),
    "P-D10-001": ("D10-U01", "216", "SPECIAL_FUND", "CONTINUING", (0, 2), 14000, {"policy_expiry_year": Y - 1}),
}
NAMES = {
    "P-D02-001": "基层医疗卫生机构能力提升工程", "P-D03-001": "农村公路提档升级",
    "P-D01-001": "市属中小学智慧校园建设", "P-D05-001": "大气污染源自动监测运维",
    "P-D05-002": "生态环境执法能力建设", "P-D11-001": "市属国企产业升级资本金注入",
    "P-D04-002": "农业产业化龙头企业扶持资金", "P-D10-001": "商务发展专项资金",
}
LONG = "依据项目申报材料、实地调研和同类项目对比分析，该维度总体情况符合要求，个别方面仍需完善。"


def slug(unit: str) -> str:
    return unit.lower().replace("-", "")


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def set_packs(packs: list[str]) -> None:
    for j in db.session.scalars(select(Jurisdiction)):
        j.packs = list(packs)
    db.session.commit()


# ------------------------------------------------------------------ submissions (clean shapes)
def indicator(l1, l2, name, value, unit, weight, op="GE", **extra):
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
    # JN pack (V9): the three common indicators, weight 0
    rows += [indicator("OUTPUT", "OUT_TIME", n, 90, "%", 0, is_common=True)
             for n in ("预算执行进度", "预算到项目率", "预算支出率")]
    return rows


def application(code: str, *, name: str | None = None, amount: int | None = None, **over) -> dict:
    """A complete F-01 + F-04 submission for a §8.3 project as the request of year Y."""
    unit, fc, otype, noc, (a, b), fy, extra = PROJECTS[code]
    amount = fy if amount is None else amount
    years = list(range(Y + a, Y + b + 1)) if noc == "NEW" else list(range(Y, Y + b + 1))
    sub = {
        "name": name or NAMES[code] + TEST, "object_type": otype, "project_class": "SPECIFIC",
        "function_category": fc, "domain_tags": [], "special_type": [], "one_off_type": "NONE",
        "new_or_continuing": noc, "start_year": years[0] if noc == "NEW" else Y - 5, "end_year": years[-1],
        "policy_intensive": False, "legal_basis": "《示例市预算绩效管理办法》及市政府常务会议纪要〔2025〕12号",
        "necessity_text": "项目实施对于提升公共服务能力、解决群众急难愁盼问题具有重要意义，" * 3,
        "content_text": "按年度实施计划分批推进建设与采购，同步完善管理制度并开展绩效跟踪，" * 3,
        "annual_requests": [{"year": y, "fiscal_amount": W(amount), "other_amount": W(0)} for y in years],
        "funding_source": "GENERAL", "responsible_person": f"head.{slug(unit)}",
        "scope_districts": 3, "beneficiaries": 50000, "large_influence": False, "is_classified": False,
        "attachments": ["att-feasibility-study"],
        "overall_goal": "通过项目实施，全面提升相关公共服务的供给能力和质量水平。",
        "annual_goal": "年度内完成计划任务并通过验收，服务对象满意度不低于90%。", "has_service_objects": True,
        "indicators": indicators(),
    }
    sub.update(extra)
    sub.update(over)
    return sub


def scores(key: str, **over) -> dict:
    n, e, t, f, fin = SCORES[key]
    return {"dim_necessity": W(n), "dim_economy": W(e), "dim_target": W(t), "dim_feasibility": W(f),
            "dim_financing": W(fin), **over}


def comments(prefix: str = "comment_") -> dict:
    return {prefix + d: LONG for d in ("necessity", "economy", "target", "feasibility", "financing")}


def dept_exante_form(key: str, recommended: int, *, alternatives: bool = False, cost_benefit: bool = False) -> dict:
    """F-02 edit (UNIT_FILER) with the sections DT-01 asks for."""
    sub = {"performer": "SELF", **scores(key), **comments(), "financing_compliant": True,
           "financing_basis": "资金来源为一般公共预算，符合市级财政事权与支出责任划分规定。",
           "annual_need": [{"year": Y, "amount": W(recommended)}], "recommended_amount": W(recommended),
           "report": ["att-exante-report"]}
    if alternatives:
        sub["alternatives"] = [
            {"name": "方案一", "description": "集中建设，一次性投入到位。", "cost": W(recommended),
             "expected_effect": "建设周期短，见效快，服务能力一次性提升。"},
            {"name": "方案二", "description": "分年度滚动实施，逐步投入。", "cost": W(recommended) + 500,
             "expected_effect": "建设周期长，总成本偏高，效果逐年显现。"},
        ]
        sub["alternative_chosen"] = "方案一"
        sub["alternative_reason"] = "方案一总成本更低、见效更快，在同等产出下财政资金使用效益更高，物有所值，" * 2
    if cost_benefit:
        sub["cost_benefit"] = {
            "cost_items": [{"item": "建设及设备购置", "amount": W(recommended), "basis": "按市场询价测算"}],
            "unit_cost": W("38"), "unit_cost_unit": "万元/项",
            "benchmark": [{"peer": "邻市同类项目", "unit_cost": W("40"), "note": "2024年决算口径"}],
            "performance_standard": "达到省级同类项目平均水平", "cost_quota_standard": "参照省级定额标准",
            "optimal_option": "方案一"}
    return sub


def assess_form(key: str, recommended: int, *, alternatives: bool = False, cost_benefit: bool = False) -> dict:
    """F-03 assess (third party / FIN_CENTER)."""
    sub = {**scores(key), **comments(), "key_findings": [{"text": "部分子项目测算依据不足，需细化。", "severity": "MEDIUM"}],
           "recommended_amount": W(recommended), "annual_need": [{"year": Y, "amount": W(recommended)}],
           "report": ["att-fiscal-report"]}
    if alternatives:
        sub["alternatives_check"] = True
    if cost_benefit:
        sub["cost_benefit_check"] = True
    return sub


def expert_form(key: str, verdict: str = "SUPPORT") -> dict:
    return {**scores(key), "expert_verdict": verdict, "comment": "同意评估意见，建议按评估结论处理。"}


REJECT_REASON = "部门事前评估已充分论证，本年度不再开展财政事前评估。"


# ------------------------------------------------------------------ the driver
class Flow:
    """One P1 instance, driven task by task through the acting users' 待办."""

    def __init__(self, code: str, *, unit: str | None = None, year: int | None = Y):
        """`year=None` starts the way the 新建 page does: no request year, the starter picks it."""
        self.code = code
        self.unit = unit or PROJECTS[code][0]
        self.filer = user(f"filer.{slug(self.unit)}")
        data = {} if year is None else {"request_year": year}
        self.instance: ProcessInstance = start_process("p1_project_intake", self.filer, data)
        db.session.commit()
        self.project = db.session.scalars(select(Project).where(Project.code == self.instance.business_key)).one()

    @property
    def dept(self) -> str:
        return self.unit.split("-")[0]

    @property
    def head(self) -> str:
        return f"head.{slug(self.unit)}"

    @property
    def officer(self) -> str:
        return f"dept.{self.dept.lower()}"

    # --- finding and completing tasks
    def mine(self, who: str) -> list[HumanTask]:
        return [t for t in todo(user(who)) if t.instance_id == self.instance.id]

    def task(self, who: str, name: str) -> HumanTask:
        tasks = [t for t in self.mine(who) if t.task_name == name]
        assert len(tasks) == 1, f"{who}: expected one {name}; has {[t.task_name for t in self.mine(who)]}, " \
                                f"ready {self.ready()}"
        return tasks[0]

    def do(self, who: str, name: str, submission: dict) -> HumanTask:
        task = self.task(who, name)
        complete_task(task.id, user(who), submission)
        db.session.commit()
        db.session.refresh(self.instance)
        return task

    def ready(self) -> list[str]:
        return sorted(t.task_name for t in ready_tasks(self.instance.id))

    # --- data
    def last_data(self) -> dict:
        """The data of the last completed task of the top-level workflow (the end event's)."""
        wf = load_workflow(self.instance)
        done = [t for t in wf.get_tasks() if t.workflow is wf and t.state == TaskState.COMPLETED]
        done.sort(key=lambda t: t.last_state_change)
        return done[-1].data

    def spec_data(self, spec_name: str) -> dict:
        wf = load_workflow(self.instance)
        tasks = [t for t in wf.get_tasks(spec_name=spec_name) if t.state == TaskState.COMPLETED]
        assert tasks, f"{spec_name} never completed"
        tasks.sort(key=lambda t: t.last_state_change)
        return tasks[-1].data

    # --- standard stretches
    def fill(self, **over) -> HumanTask:
        return self.do(self.filer.username, "ut_p1_fill", application(self.code, **over))

    def unit_approve(self, verdict: str = "APPROVE", comment: str | None = None) -> HumanTask:
        sub = {"verdict": verdict, **({"comment": comment} if comment else {})}
        return self.do(self.head, "ut_p1_unit_approve", sub)

    def dept_review(self, verdict: str = "APPROVE", comment: str | None = None, grade: str = "良") -> HumanTask:
        sub = {"verdict": verdict, "grade": grade, **({"comment": comment} if comment else {})}
        return self.do(self.officer, "ut_p1_dept_review", sub)

    def intake(self, **over) -> None:
        self.fill(**over)
        self.unit_approve()
        self.dept_review()

    def dept_exante(self, key: str, recommended: int, **sections) -> None:
        self.do(self.filer.username, "ut_p1_dept_exante", dept_exante_form(key, recommended, **sections))
        self.do(self.officer, "ut_p1_dept_exante_confirm", {"verdict": "APPROVE"})

    # --- assertions
    def assert_ended(self, end: str, library_status: str) -> None:
        db.session.refresh(self.instance)
        db.session.refresh(self.project)
        assert self.ready() == []
        assert (self.instance.status, self.instance.end_event) == ("COMPLETED", end)
        assert self.project.library_status == library_status

    def assessments(self) -> list[ExAnteAssessment]:
        return list(db.session.scalars(
            select(ExAnteAssessment).join(ProjectYear, ExAnteAssessment.project_year_id == ProjectYear.id)
            .where(ProjectYear.project_id == self.project.id)
            .order_by(ExAnteAssessment.created_at, ExAnteAssessment.round)))

    def opinions(self) -> list[tuple[str, str, str | None]]:
        rows = db.session.scalars(select(ReviewOpinion).where(ReviewOpinion.instance_id == str(self.instance.id))
                                  .order_by(ReviewOpinion.created_at))
        return [(o.stage, o.verdict, o.reviewer) for o in rows]

    def outbox(self) -> list[dict]:
        """The messages this instance threw (each kept as a row with its delivery job)."""
        rows = db.session.scalars(select(Message).where(Message.source_instance_id == self.instance.id)
                                  .order_by(Message.created_at))
        return [{"kind": "message", "message": r.name, "payload": r.payload, "correlations": r.correlation}
                for r in rows]

    def panels(self) -> list[ExpertPanelResult]:
        return list(db.session.scalars(select(ExpertPanelResult).where(
            ExpertPanelResult.instance_id == str(self.instance.id)).order_by(ExpertPanelResult.created_at)))

    def engagements(self) -> list[Engagement]:
        return list(db.session.scalars(select(Engagement).where(
            Engagement.instance_id == str(self.instance.id)).order_by(Engagement.created_at)))

    def year_row(self, year: int = Y) -> ProjectYear:
        db.session.refresh(self.project)
        row = self.project.year(year)
        assert row is not None, f"{self.project.code} has no {year} row"
        return row


def waiting_timers(flow: Flow) -> list[tuple[str, float]]:
    """(timer element, days until due) of the instance's waiting timer rows."""
    from datetime import UTC, datetime

    from engine.base.models import Timer

    rows = db.session.scalars(select(Timer).where(Timer.instance_id == flow.instance.id, Timer.status == "WAITING"))
    now = datetime.now(UTC)
    return sorted((r.task_name, round((r.due_at - now).total_seconds() / 86400, 1)) for r in rows)


def deploy_p1() -> None:
    from engine.definitions.deploy import closure_files, deploy

    deploy(closure_files(ROOT / "workflows")["p1_project_intake"], "test")
    db.session.commit()


PERF = "perf.1"
FOCUS = "重点关注立项必要性、资金测算依据和绩效目标的合理性。"


def fiscal(flow: Flow, key: str, *, performer: str, recommended: int, firm: tuple[str, str] = ("TP-C", "tp.c.lead"),
           returned_by: tuple[str, str] | None = None, sections: dict | None = None,
           expert_verdicts: dict[str, str] | None = None, override: tuple[str, str] | None = None,
           at_confirm: Any = None, at_opinions: Any = None) -> dict:
    """Drive CA-4 (with CA-2 and CA-1 inside) from ut_fe_scope to its end; return what was seen."""
    from engine.views.tasks import get_task

    seen: dict[str, Any] = {}
    flow.do(PERF, "ut_fe_scope", {"fe_performer": performer, "focus_points": FOCUS})
    if performer == "THIRD_PARTY":
        for lead_firm in ([returned_by] if returned_by else []) + [firm]:
            view = get_task(flow.task(PERF, "ut_tp_select").id, user(PERF))
            seen.setdefault("candidates", [c["code"] for c in view.all_data["tp_candidates"]])
            flow.do(PERF, "ut_tp_select", {"firm": lead_firm[0], "tp_lead": lead_firm[1], "contract_amount": W("12.5"),
                                           "engagement_scope": "对项目开展财政事前绩效评估并出具评估报告。",
                                           "training_done": True})
            assert flow.mine(lead_firm[1])[0].task_name == "ut_tp_accept"
            if lead_firm is returned_by:
                flow.do(lead_firm[1], "ut_tp_accept", {
                    "verdict": "RETURN", "conflict_declaration": False,
                    "comment": "本机构近期承担该部门其他咨询业务，存在潜在利益冲突，申请回避。"})
            else:
                flow.do(lead_firm[1], "ut_tp_accept", {"verdict": "APPROVE", "conflict_declaration": True})
        assessor, assess = firm[1], "ut_fe_assess_tp"
    else:
        assessor, assess = "center.1", "ut_fe_assess_center"
    seen["assess_timers"] = waiting_timers(flow)
    flow.do(assessor, assess, assess_form(key, recommended, **(sections or {})))
    # CA-1: FIN_PERF confirms the drawn experts, each expert scores, the chair concludes
    view = get_task(flow.task(PERF, "ut_panel_confirm").id, user(PERF))
    experts = list(view.all_data["experts"])
    seen["experts"], seen["excluded"] = experts, view.all_data.get("excluded")
    if at_confirm:  # a test's detour before the panel is confirmed as drawn
        at_confirm(flow, experts)
    flow.do(PERF, "ut_panel_confirm", {"experts": experts})
    seen["panel_timers"] = waiting_timers(flow)
    if at_opinions:
        at_opinions(flow, experts)
    for who in experts:
        verdict = (expert_verdicts or {}).get(who, "SUPPORT")
        flow.do(who, "ut_expert_opinion", expert_form(key, verdict))
    chair = get_task(flow.task(PERF, "ut_panel_chair").id, user(PERF))
    seen["panel_score"] = chair.all_data["panel_score"]
    flow.do(PERF, "ut_panel_chair", {"panel_verdict": "PASS", "comment": "评审组同意评估报告的主要结论。"})
    confirm = get_task(flow.task(PERF, "ut_fe_confirm").id, user(PERF))
    seen["rule_conclusion"] = confirm.all_data["conclusion"]
    confirm_sub = {"comment": "同意评估报告及评审组的结论。"}
    if override:
        confirm_sub = {"conclusion_override": override[0], "override_reason": override[1],
                       "comment": "不同意按规则得出的评估结论，理由见调整理由。"}
    flow.do(PERF, "ut_fe_confirm", confirm_sub)
    return seen
