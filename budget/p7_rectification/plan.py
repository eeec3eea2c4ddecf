"""The plan (F-22, processes §5.9 rows 5–7): the unit fills it, the department head signs it inside
the same form (`ut_p7_plan_signoff`, F-22 `signoff`), the performance division reviews it (F-00:
RETURN → the unit, PLAN_RETURNED). Without a report, the fund division confirms completion
(`ut_p7_confirm_done`)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from budget.calc.rectification import PLAN_DAYS_DEFAULT
from budget.models import RectificationPlan
from budget.p7_rectification.records import case_of, issues_of
from budget.shared.helpers import today
from budget.shared.lookups import username
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.hooks import ErrorsByField, TaskCompleted


def latest_plan(case_id: Any) -> RectificationPlan | None:
    return db.session.scalars(select(RectificationPlan).where(RectificationPlan.case_id == case_id)
                              .order_by(RectificationPlan.version.desc())).first()


def check_plan(event: TaskCompleted) -> ErrorsByField:
    """One row per issue; a planned completion after the report deadline needs an extension
    {new_date, reason} (the new date covering it)."""
    case, rows = case_of(event.data), event.submission.get("plan_items") or []
    errors: ErrorsByField = {}
    issues = issues_of(case)
    if len(rows) != len(issues):
        errors["plan_items"] = [f"应逐项填报全部 {len(issues)} 个问题的整改计划"]
    limit = case.report_due or case.plan_due
    for i, row in enumerate(rows):
        planned, extension = row.get("planned_completion"), row.get("extension_date")
        if planned and limit and planned > limit:
            if extension is None:
                errors[f"plan_items.{i}.planned_completion"] = [
                    f"不得晚于整改报告期限 {limit:%Y-%m-%d}；确需延期的，请填写申请延期日期和理由"]
            elif extension < planned:
                errors[f"plan_items.{i}.extension_date"] = ["申请延期的日期不得早于计划完成日期"]
        if planned and planned < (case.notice_date or today()):
            errors[f"plan_items.{i}.planned_completion"] = ["不得早于整改通知下发日"]
    return errors


@hooks.task_handler("p7.record_plan", check=check_plan)
def record_plan(event: TaskCompleted) -> None:
    """A new plan version (unsigned until the head signs); the issues take its measures and dates."""
    actor, rows = username(event.actor), event.submission["plan_items"]
    case = case_of(event.data, lock=True)
    version = (db.session.scalar(select(func.max(RectificationPlan.version)).where(
        RectificationPlan.case_id == case.id)) or 0) + 1
    items = []
    for issue, row in zip(issues_of(case), rows, strict=False):
        issue.measures, issue.responsible_person = row["measures"], row["responsible_person"]
        issue.planned_completion, issue.resources = row["planned_completion"], row.get("resources")
        if row.get("extension_date"):
            issue.deadline_extensions = [*issue.deadline_extensions, plain(
                {"new_date": row["extension_date"], "reason": row.get("extension_reason"), "approved_by": None})]
        issue.updated_by = actor
        items.append({"issue_id": str(issue.id), "seq": issue.seq, **row})
    db.session.add(RectificationPlan(case_id=case.id, version=version, items=plain(items), created_by=actor))
    case.updated_by = actor


@hooks.task_handler("p7.record_plan_signoff")
def record_plan_signoff(event: TaskCompleted) -> None:
    """The department head's sign-off: the plan is submitted (PLAN_SUBMITTED; late if after the
    plan deadline), or returned to the unit."""
    actor, sub = username(event.actor), event.submission
    case = case_of(event.data, lock=True)
    plan = latest_plan(case.id)
    if sub["verdict"] == "APPROVE":
        plan.leader_signoff, plan.submitted_at = actor, utcnow()
        case.status, case.plan_submitted_at = "PLAN_SUBMITTED", utcnow()
        if case.plan_due and today() > case.plan_due:
            case.plan_overdue = True
    else:
        plan.review_verdict, plan.review_comment, plan.reviewed_by = "RETURN", sub.get("comment"), actor
        case.status = "PLAN_RETURNED"
    case.updated_by = actor


@hooks.task_handler("p7.record_plan_review")
def record_plan_review(event: TaskCompleted) -> None:
    actor, sub = username(event.actor), event.submission
    case = case_of(event.data, lock=True)
    plan = latest_plan(case.id)
    accepted = sub["verdict"] == "APPROVE"
    plan.review_verdict, plan.review_comment = "ACCEPT" if accepted else "RETURN", sub.get("comment")
    plan.reviewed_by, plan.reviewed_at = actor, utcnow()
    case.status = "PLAN_ACCEPTED" if accepted else "PLAN_RETURNED"
    if accepted:
        for issue in issues_of(case, open_only=True):
            issue.status = "IN_PROGRESS"
    case.updated_by = actor


@hooks.task_handler("p7.record_confirm_done")
def record_confirm_done(event: TaskCompleted) -> None:
    """No report required (DT-14 row 5): the fund division confirms the plan carried out — every
    open issue CLOSED — or not (NOT_CLOSED, a new deadline 30 days on: the case goes to re-rectify
    and then reports)."""
    actor, sub = username(event.actor), event.submission
    case = case_of(event.data, lock=True)
    done = sub["verdict"] == "APPROVE"
    for issue in issues_of(case, open_only=True):
        if done:
            issue.status, issue.closed_at = "CLOSED", today()
        else:
            issue.status, issue.deadline = "NOT_CLOSED", today() + timedelta(days=PLAN_DAYS_DEFAULT)
        issue.updated_by = actor
    case.updated_by = actor
