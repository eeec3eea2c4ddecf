"""示例市's FY2025 execution year, months 1–9 (sample-data §8.6), on P3 as it runs: each month the
treasury's cumulative payments arrive the night before the run (budget.execution's writer, source
DEMO), the 5th-of-the-month timer reads them, and the units, departments, the budget-performance
division, the evaluation center and the fund divisions answer what P3 asks — F-09 in the report
months (6–9 with SD, the cost block in July with QP), explanations of YELLOW, corrective plans for
RED and the department's confirmation, key monitoring (CA-5) and the fund division's F-11.

The people's decisions (what the plan says; sample-data gives the series and a few answers):
- P-D08-001: the department finds the corrective plan adequate in May, not in July
  (unit_response_ok M5 T, M7 F; June is key monitoring, where no confirmation is asked), so August's
  DT-07 proposes a payment hold and the fund division holds payments until 2025-10-31; September's
  40 pp again opens key monitoring, whose F-11 is still on the fund division's desk at the snapshot.
- Every other RED: the department accepts the plan, the fund division decides 继续观察 (WATCH) —
  the plans were credible and money was moving; key monitoring in June recommends WATCH too.
- P-D04-001 July: 新建高标准农田面积 有可能 (HARDWARE: the rainy season); P-D03-002 July: 单位运营成本
  10.90 against ≤ 9.80. Every other indicator 确定能, costs at or under target.
Each person answers a few days after the item arrives (seeded by project, step and month), so the
month's work spreads over its weeks; September's reports are partly still open on 2025-10-15."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.demo_history.driver import Answer, Cursor, Plan, at, instance_of
from budget.demo_history.targets import SEED
from budget.execution.posting import post_records
from budget.models import Project, ProjectYear
from budget.shared.helpers import TZ
from engine.base.db import db
from engine.base.models import HumanTask

W = Decimal
YEAR = 2025
P3 = "p3_monitoring"
LAST_MONTH = 9  # the snapshot 2025-10-15 has September's figures
TWO = Decimal("0.01")
# sample-data §8.6: cumulative execution % at each month's end
SERIES: dict[str, tuple[float, ...]] = {
    "P-D08-001": (0, 0, 2, 5, 8, 10, 25, 30, 30),
    "P-D04-001": (3, 5, 8, 9, 10, 11, 45, 60, 70),
    "P-D04-002": (0, 0, 0, 0, 0, 12, 40, 55, 68),
    "P-D07-002": (0, 0, 5, 8, 10, 12, 17.33, 40, 60),
    "P-D01-002": (8, 16, 24, 30, 36, 42, 48, 52, 55),
    "P-D03-002": (8, 16, 24, 32, 40, 48, 57, 66, 74),
}
ON_TRACK = ("P-D06-001", "P-D09-001")  # time progress − U(0, 2); the others − U(0, 8)
# (project, month) → (department's unit_response_ok, fund division's decision) where not the default
RESPONSE_OK = {("P-D08-001", 7): False, ("P-D08-001", 8): False}
FUND = {("P-D08-001", 8): "PAYMENT_HOLD"}
HOLD_UNTIL = date(2025, 10, 31)
OPEN_AT_SNAPSHOT = {("P-D08-001", 9, "ut_p3_fund_followup")}  # the fund division's desk on 10-15
PROMPT = {("P-D08-001", 9)}  # everyone answers the next working day (so F-11 is reached by 10-15)

EXPLAIN = ("受配套政策出台和政府采购流程影响，部分子项目推迟启动，资金拨付进度慢于时间进度。单位已倒排工期，"
           "加快合同签订和资金结算。")
CORRECTIVE = ("项目前期手续办理和招标采购耗时较长，已完工部分尚未完成结算，导致支出进度明显滞后。单位已成立工作专班，"
              "逐项目明确完成时限。")
WATCH = "单位已制定纠偏措施并经主管部门确认，资金拨付已有进展，资金管理处继续跟踪，下月视执行情况再作处置。"
HOLD = "连续红色预警且主管部门认定纠偏措施不到位，暂缓拨付后续资金，待整改到位、支出进度恢复后再行拨付。"
WEATHER = "汛期持续降雨，部分项目区田间工程无法施工，新建面积任务有可能无法全部完成。"
WEATHER_MEASURES = "雨季过后集中力量抢抓工期，增加施工机械和作业班组，确保年底前完成主体工程。"
COST_NOTE = "燃料和人工成本上涨，单位运营成本高于目标值，已启动线路优化和成本核算。"


def progress(month: int) -> Decimal:
    return calc.time_progress(YEAR, month)


def series(codes: list[str]) -> dict[str, list[Decimal]]:
    """code → cumulative execution % for months 1–9: §8.6's rows, the generated ones with the seed."""
    rng = random.Random(f"{SEED}-execution")
    out: dict[str, list[Decimal]] = {}
    for code in sorted(codes):
        if code in SERIES:
            out[code] = [W(str(v)) for v in SERIES[code]]
            continue
        spread = 2 if code in ON_TRACK else 8
        rates, last = [], W(0)
        for month in range(1, LAST_MONTH + 1):
            rate = max(last, (progress(month) - W(str(rng.uniform(0, spread)))).quantize(TWO))
            rates.append(rate)
            last = rate
        out[code] = rates
    return out


def after(task: HumanTask, code: str, days: tuple[int, int], month: int = 0) -> datetime:
    """A few days after the item arrived, at a working-hour minute; repeatable per project, step and
    the item's day."""
    arrived = task.created_at.astimezone(TZ)
    if (code, month) in PROMPT:
        days = (1, 1)
    rng = random.Random(f"{SEED}-{code}-{task.task_name}-{arrived.date().isoformat()}")
    return at(arrived.date() + timedelta(days=rng.randint(*days)), rng.randint(9, 16), rng.choice((0, 15, 30, 45)))


class MonitoringPlan:
    """What the people of one project do on its FY2025 P3 instance."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __call__(self, task: HumanTask, data: dict[str, Any], ctx: dict[str, Any]) -> Answer | None:
        month = int(ctx.get("month") or 0)
        if (self.code, month, task.task_name) in OPEN_AT_SNAPSHOT:
            return None
        handler = getattr(self, task.task_name, None)
        return handler(task, data, ctx, month) if handler else None

    # the unit and its department
    def ut_p3_unit_report(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        rows = []
        for indicator in ctx["report_indicators"]:
            line = {"cum_actual": f"已完成全年目标的{min(100, round(month * 100 / 12))}%左右",
                    "expected_full_year": "全年完成目标值", "possibility": "CERTAIN"}
            if self.code == "P-D04-001" and month == 7 and indicator["name"] == "新建高标准农田面积":
                line |= {"cum_actual": "2.6 万亩", "expected_full_year": "4.6–5.0 万亩", "possibility": "POSSIBLE",
                         "deviation_causes": ["HARDWARE"], "cause_text": WEATHER, "measures": WEATHER_MEASURES}
            rows.append(line)
        sub: dict[str, Any] = {"expected_full_year_exec": ctx["annual_budget_wan"], "indicator_progress": rows}
        if ctx["needs_exec_explanation"]:
            sub["exec_explanation"] = EXPLAIN
        if ctx["is_cost_month"]:
            sub["cost_tracking"] = [{"actual_unit_cost": self.unit_cost(c)} for c in ctx["cost_indicators"]]
            sub["service_standard_status"] = "按照服务标准执行，未发现降低服务标准的情况。"
            if self.code == "P-D03-002":
                sub["spending_standard_note"] = COST_NOTE
        return Answer(sub, not_before=after(task, self.code, (3, 12), month))

    def unit_cost(self, cost: dict) -> Decimal:
        if self.code == "P-D03-002" and cost["name"] == "单位运营成本":
            return W("10.90")  # §8.6: 11.22 % over ≤ 9.80 → COST_OVERRUN_10
        return (W(str(cost["target_value"])) * W("0.97")).quantize(TWO)

    def ut_p3_dept_check(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        return Answer({"verdict": "APPROVE", "comment": "经审核，填报内容与项目实施情况相符。"},
                      not_before=after(task, self.code, (1, 2), month))

    def ut_p3_unit_explain(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        if self.code == "P-D03-002":
            causes, text = ["FUNDING"], "燃料和人工成本上涨导致单位运营成本超出目标值，单位已优化线路配置、压减空驶里程，控制运营成本。"
        elif self.code == "P-D04-001" and month == 7:
            causes, text = ["HARDWARE"], WEATHER + "单位已调整施工计划，雨季后集中施工。"
        else:
            causes, text = ["PROCUREMENT"], EXPLAIN
        return Answer({"cause_categories": causes, "explanation": text,
                       "expected_exec_next_month": min(W(100), progress(month + 1).quantize(TWO))},
                      not_before=after(task, self.code, (1, 3), month))

    def ut_p3_unit_corrective(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        return Answer({"cause_categories": ["PROCUREMENT", "SETTLEMENT"], "explanation": CORRECTIVE,
                       "measures": [{"measure": "倒排工期，按周调度合同签订和资金结算进度。", "owner": "项目负责人",
                                     "due_date": date(YEAR, min(12, month + 2), 28)},
                                    {"measure": "对已完工子项目集中办理验收和结算手续。", "owner": "财务科",
                                     "due_date": date(YEAR, min(12, month + 1), 28)}]},
                      not_before=after(task, self.code, (2, 4), month))

    def ut_p3_dept_confirm(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        ok = RESPONSE_OK.get((self.code, month), True)
        comment = "纠偏措施针对性强，同意。" if ok else "纠偏措施未落实到具体子项目和时间节点，支出进度仍无明显改善，措施不到位。"
        return Answer({"verdict": "APPROVE", "unit_response_ok": ok, "comment": comment},
                      not_before=after(task, self.code, (1, 2), month))

    # key monitoring (CA-5) and the fund division
    def ut_km_plan(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        return Answer({"km_performer": "FIN_CENTER", "km_focus": "资金拨付条件、工程结算和配套资金落实情况"},
                      who="perf.1", not_before=after(task, self.code, (1, 2), month))

    def ut_km_track_center(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        visit = after(task, self.code, (1, 3), month)
        recommendation = "PAYMENT_HOLD" if month >= 9 else "WATCH"
        return Answer({"method": "ONSITE", "visit_date": visit.date(),
                       "findings": [{"finding": "部分小区改造方案调整，施工合同变更后工程款尚未结算"},
                                    {"finding": "已完工楼栋未及时组织验收，结算资料不全"}],
                       "root_causes": ["INSTITUTION", "STAFF"],
                       "root_cause_text": "居民意见征集和方案调整耗时较长，单位工程管理力量不足，结算滞后。",
                       "forecast_exec_rate_year_end": W(70), "recommendation": recommendation},
                      who="center.1", not_before=visit + timedelta(days=1))

    def ut_p3_fund_followup(self, task: HumanTask, data: dict, ctx: dict, month: int) -> Answer:
        decision = FUND.get((self.code, month), "WATCH")
        sub: dict[str, Any] = {"decision": decision, "reason": HOLD if decision == "PAYMENT_HOLD" else WATCH}
        if decision == "PAYMENT_HOLD":
            sub["hold_until"] = HOLD_UNTIL
        return Answer(sub, not_before=after(task, self.code, (1, 3), month))


class Year:
    """The FY2025 P3 instances, their plans and the treasury's figures."""

    def __init__(self) -> None:
        rows = db.session.execute(select(Project.code, ProjectYear.arranged, ProjectYear.adjusted).join(
            ProjectYear, ProjectYear.project_id == Project.id).where(ProjectYear.fiscal_year == YEAR)
            .order_by(Project.code)).all()
        self.budget = {code: adjusted if adjusted is not None else arranged for code, arranged, adjusted in rows}
        self.rates = series(list(self.budget))
        self.plans: dict[Any, Plan] = {}
        for code in self.budget:
            instance = instance_of(P3, code, YEAR)
            if instance is not None:
                self.plans[instance.id] = MonitoringPlan(code)

    def post(self, month: int) -> int:
        """The treasury's cumulative payments to the end of `month` (元), as the execution system
        posts them."""
        items = [{"project_code": code, "year": YEAR, "month": month,
                  "executed_cum": str((budget * self.rates[code][month - 1] / 100).quantize(TWO))}
                 for code, budget in self.budget.items() if budget]
        reply = post_records(items, "treasury.1", source="DEMO")
        if reply.errors:
            raise RuntimeError(f"month {month}: {reply.errors[:3]}")
        db.session.commit()
        return reply.accepted


def posting_moment(month: int) -> datetime:
    """The night before the run: the execution system's nightly transfer."""
    return calc.run_at(YEAR, month) - timedelta(hours=12)


def run_month(cursor: Cursor, year: Year, month: int) -> int:
    """Post the month's figures, then the run of the 5th at 09:00: every instance's timer fires."""
    cursor.system(posting_moment(month))
    posted = year.post(month)
    cursor.system(calc.run_at(YEAR, month) + timedelta(minutes=1))
    cursor.settle()
    return posted
