"""P2's service tasks (processes §5.4): the project-year's cycle status and target status along
the way, the checks before the two waits (result decisions ready, 人大 approval), the F-07 default,
and the overdue flag the 批复 timers raise in the ledger."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from budget.calc.arrangement import FIN_ISSUE_DAYS, arrangement_default, issue_due
from budget.calc.money import yuan_to_wan
from budget.models import BudgetIssue, DisclosureItem, Project
from budget.p2_review.milestones import milestone_date, record
from budget.p2_review.records import target_of, year_of
from budget.shared.helpers import today
from budget.shared.lookups import username
from budget.shared.status import change_library_status
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext
from engine.base.models import HumanTask
from engine.work.audit import audit

DISCLOSURE_DAYS = 20  # T20: public disclosure ≤ 20 days after the 批复


def _set(ctx: ServiceContext, cycle_status: str, target_status: str | None = None) -> None:
    py = year_of(ctx.data, lock=True)
    py.cycle_status, py.updated_by = cycle_status, username(ctx.actor)
    if target_status:
        target_of(py).status = target_status


@hooks.service("p2.start_review", params={"review_mode": "审核方式"})
def start_review(ctx: ServiceContext, review_mode: str) -> None:
    """Submitted by the department: TARGET_REVIEW, the target UNDER_REVIEW (DT-03 chose the mode)."""
    _set(ctx, "TARGET_REVIEW", "UNDER_REVIEW")


@hooks.service("p2.return_for_resubmit")
def return_for_resubmit(ctx: ServiceContext) -> None:
    """DT-04 RETURN_RESUBMIT: back to REQUEST_PREP, the target RETURNED."""
    _set(ctx, "REQUEST_PREP", "RETURNED")


@hooks.service("p2.not_arranged")
def not_arranged(ctx: ServiceContext) -> None:
    """DT-04 REJECT: NOT_ARRANGED, the target REJECTED."""
    _set(ctx, "NOT_ARRANGED", "REJECTED")


@hooks.service("p2.flag_overdue", params={"step": "逾期的步骤", "due_iso": "截止时间"})
def flag_overdue(ctx: ServiceContext, step: str, due_iso: str) -> None:
    """A deadline timer fired while `step` is still open: its work items carry the deadline as
    their due date (the ledger shows them 逾期, reminders and escalation follow from it) and are
    marked 紧急; the instance's history says so."""
    due = datetime.fromisoformat(due_iso)
    db.session.execute(update(HumanTask).where(
        HumanTask.instance_id == ctx.instance.id, HumanTask.task_name == step,
        HumanTask.status.in_(("READY", "WAITING"))).values(due_at=due, priority=1))
    audit(ctx.instance, None, "overdue", title=f"{step} 已逾期（期限 {due.date().isoformat()}）",
          detail={"step": step, "due": due_iso})


@hooks.service("p2.decisions_ready", params={"apply_year": "申报年度"}, returns=("decisions_ready",))
def decisions_ready(ctx: ServiceContext, apply_year: int) -> dict[str, bool]:
    """`result_decisions_ready(apply_year)` of gw_p2_decisions_ready."""
    return {"decisions_ready": milestone_date(ctx.data.get("jurisdiction"), int(apply_year),
                                              "RESULT_DECISIONS_READY") is not None}


@hooks.service("p2.note_milestone", params={"kind": "里程碑类型", "year": "年度", "on_date": "日期"})
def note_milestone(ctx: ServiceContext, kind: str, year: int, on_date: Any = None) -> None:
    """A waiting instance was woken by the milestone's message: when it came from outside (the
    messages API) rather than from 预算年度, the row is not there yet — record it from the message
    (the 人大 date it carries; the day it came for the decisions), once, without another message."""
    day = date.fromisoformat(on_date) if isinstance(on_date, str) and on_date else on_date
    record(kind, int(year), day or today(), "system", "由消息登记")


@hooks.service("p2.npc_approval", returns=("npc_approval_date", "fin_issue_due_date"))
def npc_approval(ctx: ServiceContext) -> dict[str, date | None]:
    """The 人大 approval date of the budget year, once recorded, and finance's 批复 deadline."""
    on = milestone_date(ctx.data.get("jurisdiction"), int(ctx.data["fiscal_year"]), "NPC_APPROVED")
    return {"npc_approval_date": on, "fin_issue_due_date": issue_due(on, FIN_ISSUE_DAYS) if on else None}


@hooks.service("p2.arrangement_default", returns=(
    "requested_wan", "result_cut_wan", "review_approved_wan", "exante_recommended_wan", "default_arranged",
    "default_basis", "default_basis_source", "arrange_cap_wan", "default_hold_payment",
    "default_hold_until_rectified"))
def arrangement_defaults(ctx: ServiceContext) -> dict[str, Any]:
    """What F-07 opens with: the figures, the default and where it comes from (forms F-07)."""
    py = year_of(ctx.data)
    default = arrangement_default(py.requested, py.result_cut, py.review_approved, py.exante_recommended)
    return {
        "requested_wan": yuan_to_wan(py.requested), "result_cut_wan": yuan_to_wan(py.result_cut),
        "review_approved_wan": yuan_to_wan(py.review_approved),
        "exante_recommended_wan": yuan_to_wan(py.exante_recommended),
        "default_arranged": yuan_to_wan(default.amount), "default_basis": default.explanation,
        "default_basis_source": default.source, "arrange_cap_wan": yuan_to_wan(default.cap),
        "default_hold_payment": py.hold_payment, "default_hold_until_rectified": py.hold_until_rectified,
    }


@hooks.service("p2.mark_arranged", returns=("arranged_wan", "target_version"))
def mark_arranged(ctx: ServiceContext) -> dict[str, Any]:
    """`st_p2_arranged`: BUDGET_ARRANGED, the target APPROVED_FOR_BUDGET."""
    py = year_of(ctx.data, lock=True)
    target = target_of(py)
    py.cycle_status, target.status = "BUDGET_ARRANGED", "APPROVED_FOR_BUDGET"
    return {"arranged_wan": yuan_to_wan(py.arranged), "target_version": target.version_no}


@hooks.service("p2.mark_issued", returns=("disclosure_due",))
def mark_issued(ctx: ServiceContext) -> dict[str, Any]:
    """`st_p2_issued`: the target ISSUED on finance's 批复 date, the year EXECUTING (APPROVED on
    the way), the project ACTIVE, and the project-year's targets left for P8 to publish."""
    py = year_of(ctx.data, lock=True)
    target = target_of(py)
    fin = db.session.scalars(select(BudgetIssue).where(BudgetIssue.project_year_id == py.id,
                                                       BudgetIssue.level == "FINANCE")).one()
    target.status, target.issued_at = "ISSUED", fin.approval_date
    py.cycle_status = "EXECUTING"
    project = db.session.get(Project, py.project_id)
    if project.library_status == "IN_LIBRARY":
        change_library_status(project, "ACTIVE", username(ctx.actor))
    due = issue_due(fin.approval_date, DISCLOSURE_DAYS)
    kinds = ["PROJECT_TARGET"] + (["KEY_PROJECT_TARGET"] if target.is_key_target or ctx.data.get("is_key") else [])
    for kind in kinds:
        db.session.add(DisclosureItem(event="BUDGET_APPROVED", item_type=kind, object_id=py.id,
                                      fiscal_year=py.fiscal_year, publisher="DEPARTMENT",
                                      to_npc=kind == "KEY_PROJECT_TARGET", due=due, status="PENDING"))
    return {"disclosure_due": due}
