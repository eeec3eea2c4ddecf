"""The report (F-23, processes §5.9 rows 8–9): one row per open issue (Block: every issue covered),
the department head's sign-off inside the form, the performance division's review (RETURN → the
unit; ACCEPT: a waiver asked for in the report is granted, the issue WAIVED with its reason)."""
from __future__ import annotations

from typing import Any

from budget.models import IssueItem, RectificationReport
from budget.p7_rectification.explain import latest_report, next_version
from budget.p7_rectification.helpers import deadlines
from budget.p7_rectification.records import case_of, issue_label, issues_of
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid, username
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.hooks import ErrorsByField, ServiceContext, TaskCompleted

REPORT_ROWS_RETURNS = ("report_items", "report_issue_ids", "plan_due_iso", "report_due_iso", "interview_due_iso",
                       "report_due_label")


def report_rows(case: Any) -> dict[str, Any]:
    issues = issues_of(case, open_only=True)
    rows = [{"issue_label": issue_label(i), "status": None, "remaining_plan_date": i.planned_completion} for i in issues]
    return {"report_items": plain(rows), "report_issue_ids": [str(i.id) for i in issues], **deadlines(case)}


@hooks.service("p7.report_rows", returns=REPORT_ROWS_RETURNS)
def report_rows_service(ctx: ServiceContext) -> dict[str, Any]:
    return report_rows(case_of(ctx.data))


@hooks.service("p7.report_deadlines", returns=("plan_due_iso", "report_due_iso", "interview_due_iso", "report_due_label"))
def report_deadlines(ctx: ServiceContext) -> dict[str, Any]:
    """Every entry into the report step reads the deadlines from the case: a 约谈 may have moved the
    report's due date since the data was set, and a return must not bring the old date back."""
    return deadlines(case_of(ctx.data))


def _issues(event: TaskCompleted) -> list[IssueItem]:
    return [db.session.get(IssueItem, as_uuid(i)) for i in event.data.get("report_issue_ids") or []]


def check_report(event: TaskCompleted) -> ErrorsByField:
    rows, issues = event.submission.get("report_items") or [], _issues(event)
    errors: ErrorsByField = {}
    if len(rows) != len(issues):
        errors["report_items"] = [f"应逐项报告全部 {len(issues)} 个问题的整改情况"]
    for i, row in enumerate(rows):
        if row.get("status") == "IN_PROGRESS" and row.get("remaining_plan_date") and row["remaining_plan_date"] < today():
            errors[f"report_items.{i}.remaining_plan_date"] = ["预计完成日期不得早于今天"]
    return errors


@hooks.task_handler("p7.record_report", check=check_report)
def record_report(event: TaskCompleted) -> None:
    actor, sub = username(event.actor), event.submission
    case = case_of(event.data, lock=True)
    items = []
    for issue, row in zip(_issues(event), sub["report_items"], strict=False):
        status = row["status"]
        issue.completion_text, issue.evidence = row["completion_text"], list(row.get("evidence") or [])
        if status == "WAIVER_REQUESTED":
            issue.waiver_reason = row["completion_text"]
        else:
            issue.status, issue.waiver_reason = status, None
        if status == "IN_PROGRESS" and row.get("remaining_plan_date"):
            issue.planned_completion = row["remaining_plan_date"]
        issue.updated_by = actor
        items.append({"issue_id": str(issue.id), "seq": issue.seq, **row})
    db.session.add(RectificationReport(
        case_id=case.id, round=case.re_round, version=next_version(case.id, case.re_round), item_statuses=plain(items),
        overall_text=sub["overall_summary"], created_by=actor))
    case.updated_by = actor


@hooks.task_handler("p7.record_report_signoff")
def record_report_signoff(event: TaskCompleted) -> None:
    actor, sub = username(event.actor), event.submission
    case = case_of(event.data, lock=True)
    row = latest_report(case.id, case.re_round)
    if sub["verdict"] == "APPROVE":
        row.dept_signoff, row.submitted_at = actor, utcnow()
        case.status, case.report_submitted_at = "REPORT_SUBMITTED", utcnow()
        if case.report_due and today() > case.report_due:
            case.report_overdue = True
    else:
        row.review_verdict, row.review_comment, row.reviewed_by = "RETURN", sub.get("comment"), actor
        case.status = "REPORT_RETURNED"
    case.updated_by = actor


@hooks.task_handler("p7.record_report_review")
def record_report_review(event: TaskCompleted) -> None:
    actor, sub = username(event.actor), event.submission
    case = case_of(event.data, lock=True)
    row = latest_report(case.id, case.re_round)
    accepted = sub["verdict"] == "APPROVE"
    row.review_verdict, row.review_comment = "ACCEPT" if accepted else "RETURN", sub.get("comment")
    row.reviewed_by, row.reviewed_at = actor, utcnow()
    case.status = "REPORT_ACCEPTED" if accepted else "REPORT_RETURNED"
    if accepted:  # §4.3: OPEN → WAIVED needs FIN_PERF's approval and a reason — the report's
        for item in row.item_statuses:
            issue = db.session.get(IssueItem, as_uuid(item["issue_id"]))
            if item.get("status") == "WAIVER_REQUESTED" and issue.waiver_reason:
                issue.status, issue.updated_by = "WAIVED", actor
    case.updated_by = actor
