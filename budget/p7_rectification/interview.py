"""Deadlines passed (processes §5.9 rows 5 and 8): the boundary timers at the plan / report deadline
flag the case overdue (rect_state OVERDUE, escalated: the heads hear of it), and 15 days after the
report deadline the performance division holds a 约谈 (F-21 `interview`), which may set a new report
deadline — the open report task's due date moves with it, so the reminders follow the new date."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from budget.p7_rectification.records import case_of, holders, issues_of
from budget.shared.helpers import today
from budget.shared.lookups import username
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ErrorsByField, ServiceContext, TaskCompleted
from engine.base.models import HumanTask
from engine.time.calendar import end_of_day
from engine.work.opinions import notify
from engine.work.reminders import move_due

STEP_ZH = {"plan": "整改计划", "report": "整改报告"}


CHECK_STEPS = ("ut_p7_desk_verify", "ut_p7_onsite", "ut_p7_confirm_done")  # completing one may open a new round


@hooks.service("p7.flag_overdue", params={"step": "逾期的环节（plan 计划、report 报告）"})
def flag_overdue(ctx: ServiceContext, step: str) -> dict[str, Any] | None:
    """The plan (filer and head alike: a timer on each step) or the report passed its deadline. Once
    per step: a step entered again after the deadline (a return) fires its timer at once, and the
    reminder engine repeats the overdue notices by itself."""
    case = case_of(ctx.data, lock=True)
    if (case.plan_overdue if step == "plan" else case.report_overdue):
        return None
    if step == "plan":
        case.plan_overdue = True
    else:
        case.report_overdue = True
    case.escalated = True
    if case.rect_state != "NOT_RECTIFIED":
        case.rect_state = "OVERDUE"
    notify(holders(ctx.instance, "DEPT_HEAD", "UNIT_HEAD"), "rect_overdue",
           f"{STEP_ZH.get(step, step)}逾期：{ctx.instance.title}",
           body=f"{case.code} 的{STEP_ZH.get(step, step)}已超过报送期限，请督促尽快报送。", instance=ctx.instance)
    return None


@hooks.service("p7.interview_open", returns=("interview_open",))
def interview_open(ctx: ServiceContext) -> dict[str, Any]:
    """One 约谈 per round: the report's +15-day timer is armed again whenever the report step is
    entered again (a return), so it opens the 约谈 only if none was opened since the round began (the
    last completed follow-up check or confirmation, which is what starts a round of 再整改)."""
    began = db.session.scalar(select(func.max(HumanTask.completed_at)).where(
        HumanTask.instance_id == ctx.instance.id, HumanTask.task_name.in_(CHECK_STEPS), HumanTask.status == "COMPLETED"))
    held = select(HumanTask.id).where(HumanTask.instance_id == ctx.instance.id, HumanTask.task_name == "ut_p7_interview",
                                      HumanTask.status != "CANCELLED")
    if began is not None:
        held = held.where(HumanTask.created_at > began)
    return {"interview_open": db.session.scalar(held.limit(1)) is None}


def check_interview(event: TaskCompleted) -> ErrorsByField:
    sub, errors = event.submission, {}
    if sub["interview_date"] > today():
        errors["interview_date"] = ["约谈日期不得晚于今天"]
    if sub.get("new_report_due") is not None and sub["new_report_due"] <= today():
        errors["new_report_due"] = ["新的报告期限须晚于今天"]
    return errors


@hooks.task_handler("p7.record_interview", check=check_interview)
def record_interview(event: TaskCompleted) -> None:
    sub, actor = event.submission, username(event.actor)
    case = case_of(event.data, lock=True)
    people = "、".join(sub["interviewees"])
    case.interview_held, case.interview_date = True, sub["interview_date"]
    case.interview_record = f"约谈对象：{people}\n{sub['interview_record']}"
    case.updated_by = actor
    if (new_due := sub.get("new_report_due")) is not None:
        case.report_due = new_due
        for issue in issues_of(case, open_only=True):
            issue.deadline = new_due
        for row in db.session.scalars(select(HumanTask).where(
                HumanTask.instance_id == event.instance.id, HumanTask.task_name.in_(("ut_p7_report", "ut_p7_report_signoff")),
                HumanTask.status.in_(("READY", "WAITING")))):
            move_due(row, end_of_day(new_due))
    notify(list(sub["interviewees"]), "rect_interview", f"约谈：{event.instance.title}",
           body=f"{case.code} 已约谈。" + (f"整改报告须于 {new_due:%Y年%m月%d日} 前报送。" if new_due else ""),
           instance=event.instance, by=actor)
