"""The notice (F-21, processes §5.9 row 3): the issuer edits the issues and the deadlines; the case
is NOTIFIED and the department head, the unit head and every issue owner hear of it (views §7.3)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from budget.models import Department, IssueItem
from budget.p7_rectification.helpers import deadlines
from budget.p7_rectification.records import case_of, holders, issue_label, issues_of, unit_of_person
from budget.shared.helpers import today
from budget.shared.lookups import username
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db
from engine.base.hooks import ErrorsByField, ServiceContext, TaskCompleted
from engine.work.opinions import notify

ISSUE_ROWS_RETURNS = ("plan_items", "explain_summary", "plan_due_iso", "report_due_iso", "interview_due_iso",
                      "report_due_label")


def _owner_unit(case: Any, person: str | None) -> Department | None:
    """The owner's unit when it is the case's department or one of its units (else None)."""
    unit = unit_of_person(person)
    if unit is None:
        return None
    return unit if unit.id == case.responsible_dept_id or unit.parent_id == case.responsible_dept_id else None


def check_notice(event: TaskCompleted) -> ErrorsByField:
    sub, case = event.submission, case_of(event.data)
    errors: ErrorsByField = {}
    if sub["plan_due"] < today():
        errors["plan_due"] = ["不得早于今天"]
    if case.report_required and sub.get("report_due") is None:
        errors["report_due"] = ["本事项须报送整改报告，请填写报告期限"]
    elif sub.get("report_due") is not None and sub["report_due"] <= sub["plan_due"]:
        errors["report_due"] = ["须晚于计划报送期限"]
    for i, row in enumerate(sub.get("issues") or []):
        if row.get("owner_person") and _owner_unit(case, row["owner_person"]) is None:
            errors[f"issues.{i}.owner_person"] = ["责任人须为本主管部门或其所属单位的人员"]
    return errors


@hooks.task_handler("p7.record_notice", check=check_notice)
def record_notice(event: TaskCompleted) -> None:
    sub, actor = event.submission, username(event.actor)
    case = case_of(event.data, lock=True)
    case.notice_date, case.plan_due = today(), sub["plan_due"]
    case.report_due = sub.get("report_due") if case.report_required else None
    case.requirements, case.copy_to = sub.get("requirements"), list(sub.get("copy_to") or [])
    case.status, case.updated_by = "NOTIFIED", actor
    db.session.execute(delete(IssueItem).where(IssueItem.case_id == case.id))
    for seq, row in enumerate(sub["issues"], start=1):
        unit = _owner_unit(case, row["owner_person"])
        db.session.add(IssueItem(
            case_id=case.id, seq=seq, description=row["description"], category=row["category"],
            severity=row["severity"], owner_unit_id=unit.id if unit else case.responsible_unit_id,
            owner_person=row["owner_person"], suggested_measure=row.get("suggested_measure"), status="OPEN",
            deadline=case.report_due or case.plan_due, created_by=actor))
    db.session.flush()
    owners = [i.owner_person for i in issues_of(case) if i.owner_person]
    audience = holders(event.instance, "DEPT_HEAD", "UNIT_HEAD") + owners + case.copy_to
    due = f"{case.plan_due:%Y年%m月%d日}"
    what = "整改计划" if case.plan_required else "情况说明"
    notify(audience, "rect_notice", f"整改通知：{event.instance.title}",
           body=f"请于 {due} 前报送{what}。{case.requirements or ''}", instance=event.instance, by=actor)


@hooks.service("p7.issue_rows", returns=ISSUE_ROWS_RETURNS)
def issue_rows(ctx: ServiceContext) -> dict[str, Any]:
    """After the notice: the plan grid (one fixed row per issue), the explanation's summary and the
    deadlines as the notice set them."""
    case = case_of(ctx.data)
    issues = issues_of(case)
    rows = [{"issue_label": issue_label(i), "measures": i.suggested_measure or None,
             "responsible_person": i.owner_person, "planned_completion": case.report_due or case.plan_due}
            for i in issues]
    summary = "；".join(issue_label(i) for i in issues)
    return {"plan_items": plain(rows), "explain_summary": f"{case.code}：{summary}", **deadlines(case)}
