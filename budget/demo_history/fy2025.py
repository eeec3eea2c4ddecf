"""示例市's FY2025 budget year through P2 on the real engine (sample-data §8.3, §8.4): the budget
division's batch start in October 2024, each unit confirming its request with the target of §8.4
(or the seeded one), the department's 报送, the review DT-03 routes it to (the fund division, or
experts for key targets under FJ, or a third party), DT-04's outcome, the result decisions, the
arrangement, the 人大 approval of 2025-01-15 and the two 批复 — ending with `msg_budget_approved`."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc.money import yuan_to_wan
from budget.demo_history.driver import Answer, Cursor, Plan, at, drive, instance_of
from budget.demo_history.targets import SEED, fy2025_targets
from budget.models import Jurisdiction, Project, ProjectYear
from budget.p2_review import batch, milestones
from engine.base.db import db
from engine.base.models import HumanTask
from engine.dispatch import queue

YEAR = 2025
P2 = "p2_target_joint_review"
BATCH_DAY, SUBMIT_DUE = date(2024, 10, 8), date(2024, 10, 25)
REVIEWS_BY = date(2024, 11, 15)
DECISIONS_DAY = date(2024, 11, 18)  # perf.1 declares the FY2023 result decisions applied
ARRANGE_FROM = date(2024, 11, 25)
NPC_DAY = date(2025, 1, 15)  # 示例市第十七届人大第五次会议批准 2025 年预算 [A]
NPC_RECORDED = date(2025, 1, 16)
FIN_ISSUE_FROM, DEPT_ISSUE_FROM = date(2025, 1, 17), date(2025, 1, 22)  # before the 春节 days
LONG = "目标设置与项目内容基本匹配，指标值参照上年实际完成情况设定，资金测算依据较为充分。"
GOALS = ("围绕项目职能持续提升公共服务供给能力和质量，确保财政资金使用安全高效。",
         "2025年度按计划完成各项任务，主要产出和效益指标达到目标值，服务对象满意度不低于90%。")


def dims(rng: random.Random, band: str) -> dict[str, Decimal]:
    """F-05 dimension scores in the band: 优 ≥ 90, 良 80–89 (out of 4 × 25)."""
    lo, hi = {"优": (45, 48), "良": (40, 44)}[band]  # half points
    keys = ("dim_completeness", "dim_relevance", "dim_appropriateness", "dim_feasibility")
    return {k: Decimal(rng.randint(lo, hi)) / 2 for k in keys}


class YearPlan:
    """What each person does on one project's FY2025 P2 instance."""

    def __init__(self, code: str, dept: str, requested_wan: Decimal, target: dict[str, Any], seq: int) -> None:
        self.code, self.dept, self.requested, self.target, self.seq = code, dept, requested_wan, target, seq
        self.rng = random.Random(f"{SEED}-{code}")
        self.band = "良" if self.rng.random() < 0.3 else "优"  # 良 → the fund division completes the target

    def __call__(self, task: HumanTask, data: dict[str, Any], ctx: dict[str, Any]) -> Answer | None:
        handler = getattr(self, task.task_name, None)
        return handler(data, ctx) if handler else None

    # unit and department
    def ut_p2_confirm_request(self, data: dict, ctx: dict) -> Answer:
        return Answer({"overall_goal": GOALS[0], "annual_goal": GOALS[1], "has_service_objects": True,
                       "indicators": self.target["indicators"], "requested_amount": self.requested})

    def ut_p2_dept_submit(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "grade": "优"}, not_before=at(date(2024, 10, 17)))

    # reviews (DT-03 decides which of these the instance meets)
    def ut_p2_fund_review(self, data: dict, ctx: dict) -> Answer:
        return Answer({**dims(self.rng, self.band), "budget_match": "MATCH", "comment": LONG,
                       "suggested_amount": self.requested}, not_before=at(date(2024, 10, 28)))

    def ut_panel_confirm(self, data: dict, ctx: dict) -> Answer:
        return Answer({"experts": list(ctx["experts"])}, who="perf.1", not_before=at(date(2024, 10, 28)))

    def ut_expert_opinion_target(self, data: dict, ctx: dict) -> Answer:
        return Answer({**dims(self.rng, self.band), "budget_match": "MATCH", "comment": LONG})

    def ut_expert_opinion_joint(self, data: dict, ctx: dict) -> Answer:
        return Answer({**dims(self.rng, self.band), "suggested_amount": self.requested, "expert_verdict": "ENTER",
                       "comment": LONG})

    def ut_panel_chair(self, data: dict, ctx: dict) -> Answer:
        return Answer({"panel_verdict": "PASS", "comment": "评审组同意专家的主要意见。"}, who="perf.1")

    def ut_tp_select(self, data: dict, ctx: dict) -> Answer:
        return Answer({"firm": "TP-A", "tp_lead": "tp.a.lead", "contract_amount": Decimal("8"),
                       "engagement_scope": "对项目重点绩效目标开展第三方审核并出具审核意见。", "training_done": True},
                      who="perf.1", not_before=at(date(2024, 10, 28)))

    def ut_tp_accept(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "conflict_declaration": True})

    def ut_p2_tp_review(self, data: dict, ctx: dict) -> Answer:
        return Answer({**dims(self.rng, self.band), "budget_match": "MATCH", "comment": LONG})

    def ut_p2_fund_confirm(self, data: dict, ctx: dict) -> Answer:
        return Answer({**dims(self.rng, self.band), "budget_match": "MATCH", "comment": LONG})

    def ut_p2_joint_conclude(self, data: dict, ctx: dict) -> Answer:
        return Answer({**{k: data[k] for k in data if k.startswith("dim_") or k == "grade"},
                       "approved_amount": self.requested, "comment": LONG})

    def ut_p2_joint_cosign(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE"}, who="perf.1")

    def ut_p2_fin_fix(self, data: dict, ctx: dict) -> Answer:
        sub = {k: data[k] for k in ("overall_goal", "annual_goal", "has_service_objects", "indicators")}
        return Answer({**sub, "fix_note": "补充完善指标计算方法和数据来源，指标值按上年实际完成情况校准。"})

    def ut_p2_fix_objection(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE"})

    # budget division and the two 批复
    def ut_p2_budget_arrange(self, data: dict, ctx: dict) -> Answer:
        return Answer({"arranged": data["arranged"], "arrange_reason": None}, who="budget.1",
                      not_before=at(ARRANGE_FROM))

    def ut_p2_fin_issue(self, data: dict, ctx: dict) -> Answer:
        return Answer({"approval_doc_no": f"示财预〔2025〕{self.seq + 3}号", "approval_date": _today()},
                      who="budget.1", not_before=at(FIN_ISSUE_FROM))

    def ut_p2_dept_issue(self, data: dict, ctx: dict) -> Answer:
        return Answer({"approval_doc_no": f"示{self.dept}财〔2025〕{self.seq + 1}号", "approval_date": _today()},
                      not_before=at(DEPT_ISSUE_FROM))


def _today() -> date:
    from budget.shared.helpers import today

    return today()


def plans() -> dict[Any, Plan]:
    """The FY2025 P2 instances (started by the batch) with the plan of each."""
    packs = list(db.session.scalars(select(Jurisdiction.packs)).first() or ["CORE"])
    rows = db.session.execute(select(Project.code, ProjectYear.requested).join(
        ProjectYear, ProjectYear.project_id == Project.id).where(ProjectYear.fiscal_year == YEAR)
        .order_by(Project.code)).all()
    targets = fy2025_targets([code for code, _ in rows], packs)
    out: dict[Any, Plan] = {}
    for seq, (code, requested) in enumerate(rows):
        instance = instance_of(P2, code, YEAR)
        if instance is not None:
            out[instance.id] = YearPlan(code, code.split("-")[1], yuan_to_wan(requested), targets[code], seq)
    return out


def play(cursor: Cursor) -> dict[str, int]:
    """Batch start → reviews → decisions → arrangement → 人大 → 批复. Returns counts."""
    cursor.go(at(BATCH_DAY, 9, 30))
    batch.start_batch(YEAR, SUBMIT_DUE, "budget.1")
    db.session.commit()
    queue.drain()
    cursor.settle()
    work = plans()
    done = drive(work, cursor, until=at(REVIEWS_BY, 17))
    cursor.go(at(DECISIONS_DAY, 10))
    milestones.declare("RESULT_DECISIONS_READY", YEAR, DECISIONS_DAY, "perf.1",
                       "2023年度绩效评价结果已按规定应用于2025年预算安排")
    db.session.commit()
    cursor.settle()
    done += drive(work, cursor, until=at(NPC_RECORDED), step=(30, 120))
    cursor.go(at(NPC_RECORDED, 10))
    milestones.declare("NPC_APPROVED", YEAR, NPC_DAY, "budget.1", "示例市第十七届人民代表大会第五次会议批准")
    db.session.commit()
    cursor.settle()
    done += drive(work, cursor, step=(30, 150))
    return {"fy2025_instances": len(work), "fy2025_items": done}
