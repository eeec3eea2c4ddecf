"""预算安排 and 批复 (processes §5.4 rows 10, 13, 14; forms F-07, F-08): the arranged amount
against its default, and the two 批复 levels with their deadlines."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from budget.calc.arrangement import DEPT_ISSUE_DAYS, FIN_ISSUE_DAYS, issue_due
from budget.calc.money import wan_to_yuan
from budget.models import BudgetArrangement, BudgetIssue
from budget.p2_review.records import target_of, year_of
from budget.shared.helpers import today
from budget.shared.lookups import username
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db
from engine.base.hooks import ErrorsByField, TaskCompleted


def check_arrangement(event: TaskCompleted) -> ErrorsByField:
    sub, data = event.submission, event.data
    default = data.get("default_arranged")
    if default is not None and Decimal(sub["arranged"]) != Decimal(default) and not sub.get("arrange_reason"):
        return {"arrange_reason": [f"安排金额与默认金额 {default} 万元不同，须说明理由"]}
    return {}


@hooks.task_handler("p2.record_arrangement", check=check_arrangement)
def record_arrangement(event: TaskCompleted) -> None:
    """F-07 at `ut_p2_budget_arrange`: the arrangement record and the project-year's amount and
    hold flags."""
    py = year_of(event.data, lock=True)
    sub, data, actor = event.submission, event.data, username(event.actor)
    arranged = wan_to_yuan(sub["arranged"])
    basis = {"source": data.get("default_basis_source"), "text": data.get("default_basis"),
             "requested_wan": data.get("requested_wan"), "result_cut_wan": data.get("result_cut_wan"),
             "review_approved_wan": data.get("review_approved_wan"),
             "exante_recommended_wan": data.get("exante_recommended_wan")}
    event_row = BudgetArrangement(
        project_year_id=py.id, default_amount=wan_to_yuan(data.get("default_arranged") or 0), default_basis=plain(basis),
        arranged=arranged, reason=sub.get("arrange_reason"), hold_payment=bool(sub.get("hold_payment")),
        hold_until_rectified=bool(sub.get("hold_until_rectified")), note=sub.get("note"),
        instance_id=str(event.instance.id), created_by=actor)
    db.session.add(event_row)
    py.arranged, py.hold_payment = arranged, bool(sub.get("hold_payment"))
    py.hold_until_rectified, py.updated_by = bool(sub.get("hold_until_rectified")), actor


def _issue_errors(sub: dict[str, Any], earliest: date | None, due: date | None, earliest_name: str) -> ErrorsByField:
    errors: ErrorsByField = {}
    on = sub["approval_date"]
    if earliest and on < earliest:
        errors["approval_date"] = [f"批复日期不得早于{earliest_name}（{earliest.isoformat()}）"]
    elif on > today():
        errors["approval_date"] = ["批复日期不得晚于今天"]
    elif due and on > due and not sub.get("late_reason"):
        errors["late_reason"] = [f"批复日期晚于期限 {due.isoformat()}，须说明逾期原因"]
    return errors


def check_fin_issue(event: TaskCompleted) -> ErrorsByField:
    npc = event.data.get("npc_approval_date")
    return _issue_errors(event.submission, npc, issue_due(npc, FIN_ISSUE_DAYS) if npc else None, "人大批准日期")


def check_dept_issue(event: TaskCompleted) -> ErrorsByField:
    fin = event.data.get("fin_issue_date")
    return _issue_errors(event.submission, fin, issue_due(fin, DEPT_ISSUE_DAYS) if fin else None, "财政批复日期")


def _record_issue(event: TaskCompleted, level: str, due: date | None) -> None:
    py = year_of(event.data, lock=True)
    sub = event.submission
    db.session.add(BudgetIssue(
        project_year_id=py.id, level=level, approval_doc_no=sub["approval_doc_no"], approval_date=sub["approval_date"],
        due_date=due, late=bool(due and sub["approval_date"] > due), late_reason=sub.get("late_reason"),
        amount=py.arranged, target_version=target_of(py).version_no,
        attachments=plain(sub.get("issue_attachments") or []), instance_id=str(event.instance.id),
        created_by=username(event.actor)))
    if level == "FINANCE":
        py.cycle_status = "APPROVED"


@hooks.task_handler("p2.record_fin_issue", check=check_fin_issue)
def record_fin_issue(event: TaskCompleted) -> None:
    """F-08 finance at `ut_p2_fin_issue`: finance's 批复 to the department; the year APPROVED."""
    npc = event.data.get("npc_approval_date")
    _record_issue(event, "FINANCE", issue_due(npc, FIN_ISSUE_DAYS) if npc else None)


@hooks.task_handler("p2.record_dept_issue", check=check_dept_issue)
def record_dept_issue(event: TaskCompleted) -> None:
    """F-08 dept at `ut_p2_dept_issue`: the department's 批复 to its unit."""
    fin = event.data.get("fin_issue_date")
    _record_issue(event, "DEPARTMENT", issue_due(fin, DEPT_ISSUE_DAYS) if fin else None)
