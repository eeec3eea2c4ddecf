"""预算年度: where the year's P2 instances stand (steps, waits, ends) and the two milestones the
budget and performance divisions declare (budget.p2_review.milestones)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from budget.models import BudgetYearMilestone
from budget.p2_review.milestones import jurisdiction_code
from budget.p2_review.starters import PROCESS
from engine.base.db import db
from engine.base.models import HumanTask, MessageSubscription, ProcessInstance

WAIT_NAMES = {"msg_result_decisions_ready": "等待结果应用决定", "msg_npc_budget_approved": "等待人大批准预算"}
END_NAMES = {"end_p2_issued": "已批复", "end_p2_not_arranged": "未安排"}
MILESTONE_NAMES = {"RESULT_DECISIONS_READY": "结果应用决定已就绪", "NPC_APPROVED": "人大已批准预算"}


def year_overview(year: int) -> dict[str, Any]:
    of_year = (ProcessInstance.process_key == PROCESS, ProcessInstance.year == year)
    steps = db.session.execute(
        select(HumanTask.title, func.count(func.distinct(HumanTask.instance_id))).join(
            ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
            *of_year, HumanTask.status == "READY").group_by(HumanTask.title).order_by(HumanTask.title)).all()
    waits = db.session.execute(
        select(MessageSubscription.message_name, func.count()).join(
            ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id).where(
            *of_year, MessageSubscription.status == "WAITING").group_by(MessageSubscription.message_name)).all()
    ends = db.session.execute(select(ProcessInstance.end_event, func.count()).where(
        *of_year, ProcessInstance.status == "COMPLETED").group_by(ProcessInstance.end_event)).all()
    total = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(*of_year))
    milestones = {m.kind: m for m in db.session.scalars(select(BudgetYearMilestone).where(
        BudgetYearMilestone.jurisdiction == jurisdiction_code(), BudgetYearMilestone.fiscal_year == year))}
    return {
        "total": total or 0,
        "steps": [(title, n) for title, n in steps],
        "waits": [(WAIT_NAMES.get(name, name), n) for name, n in waits],
        "ends": [(END_NAMES.get(end or "", end or "已结束"), n) for end, n in ends],
        "milestones": milestones,
    }


def years_with_instances() -> list[int]:
    return list(db.session.scalars(select(ProcessInstance.year).where(
        ProcessInstance.process_key == PROCESS, ProcessInstance.year.is_not(None)).distinct().order_by(
        ProcessInstance.year)))

