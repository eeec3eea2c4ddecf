"""回头看 (processes §5.9 rows 10–11, DT-15, F-24): DT-15's inputs with the case's random draw made
once and kept; the mode and its window recorded; the on-site schedule (≥ 5 working days ahead, in the
window, ≥ 2 checkers; the department told) and the check record (desk or on-site), which
st_p7_mark_items applies issue by issue."""
from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc import rectification as calc
from budget.calc.money import yuan_to_wan
from budget.models import FollowUpCheck, IssueItem, ProjectYear
from budget.p7_rectification.helpers import due_iso
from budget.p7_rectification.records import case_of, holders, issue_label, issues_of
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid, username
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.hooks import ErrorsByField, ServiceContext, TaskCompleted
from engine.base.identity import RoleAssignment, User
from engine.base.models import SiteFlag
from engine.time.calendar import add_working_days
from engine.work.opinions import notify

NOTICE_WORKING_DAYS = 5  # views §7.3: the department hears of a visit ≥ 5 working days before it [A]
ONSITE_METHODS = ("BRIEFING", "INQUIRY", "LEDGER_CHECK", "SITE_VISIT")  # [001]; DOC_REVIEW is desk work
VERIFIER_ROLES = ("FIN_PERF", "FIN_CENTER", "EXPERT", "THIRD_PARTY", "TP_LEAD")  # §5.9 lane VERIFIER
MODE_ZH = {"DESK": "书面核查", "ONSITE": "上门核查"}
DRAWS_FLAG = "rect_draws"  # demo only: numbers drawn in advance, by case code (budget.demo_history.rectification)
FOLLOWUP_RETURNS = ("check_items", "check_issue_ids", "followup_summary", "window_from", "window_to", "window_to_iso")


def draw() -> Decimal:
    """DT-15's random draw, 0 ≤ x < 1 with 4 places (as stored)."""
    return Decimal(secrets.randbelow(10000)) / Decimal(10000)


def predrawn(case_code: str) -> Decimal | None:
    """The number drawn in advance for the case, where the installation has such a list: only the
    demo loader writes the `rect_draws` site flag (sample-data §8.8 names the demo's draws), so a
    demo case's DT-15 is the documented one and is still taken by the engine at its moment."""
    flag = db.session.get(SiteFlag, DRAWS_FLAG)
    value = (flag.value or {}).get("draws", {}).get(case_code) if flag is not None else None
    return Decimal(str(value)) if value is not None else None


@hooks.service("p7.followup_inputs", returns=("scope_districts", "annual_wan", "duration_years", "random_draw"))
def followup_inputs(ctx: ServiceContext) -> dict[str, Any]:
    case = case_of(ctx.data, lock=True)
    if case.random_draw is None:  # drawn once per case: a second round reads the same number
        drawn = predrawn(case.code)
        case.random_draw = drawn if drawn is not None else draw()
    py = db.session.get(ProjectYear, case.project_year_id)
    project = py.project
    amount = py.adjusted or py.arranged or py.requested
    span = (project.end_year - project.start_year + 1) if project.start_year and project.end_year else 1
    return {"scope_districts": project.scope_districts or 0, "annual_wan": yuan_to_wan(amount) if amount else Decimal(0),
            "duration_years": span, "random_draw": case.random_draw}


@hooks.service("p7.record_followup_mode", returns=FOLLOWUP_RETURNS)
def record_followup_mode(ctx: ServiceContext) -> dict[str, Any]:
    data = ctx.data
    case = case_of(data, lock=True)
    case.followup_mode, case.followup_rule_row = data["followup_mode"], int(data["followup_rule_row"])
    start = today()
    window_from = calc.add_months(start, int(data["window_min_months"]))
    window_to = calc.add_months(start, int(data["window_max_months"]))
    issues = issues_of(case, open_only=True)
    rows = [{"issue_label": issue_label(i), "result": None, "evidence_checked": None, "new_deadline": None} for i in issues]
    summary = (f"{case.code}：{MODE_ZH[case.followup_mode]}（规则第 {case.followup_rule_row} 行，随机数 {case.random_draw}），"
               f"核查窗口 {window_from:%Y-%m-%d} 至 {window_to:%Y-%m-%d}，待核查问题 {len(issues)} 个")
    return {"check_items": plain(rows), "check_issue_ids": [str(i.id) for i in issues], "followup_summary": summary,
            "window_from": window_from, "window_to": window_to, "window_to_iso": due_iso(window_to)}


def check_schedule(event: TaskCompleted) -> ErrorsByField:
    sub, data = event.submission, event.data
    errors: ErrorsByField = {}
    planned = sub["planned_date"]
    earliest = add_working_days(today(), NOTICE_WORKING_DAYS)
    if not data["window_from"] <= planned <= data["window_to"]:
        errors["planned_date"] = [f"须在回头看窗口 {data['window_from']:%Y-%m-%d} 至 {data['window_to']:%Y-%m-%d} 之内"]
    elif planned < earliest:
        errors["planned_date"] = [f"须至少提前 {NOTICE_WORKING_DAYS} 个工作日通知主管部门，最早 {earliest:%Y-%m-%d}"]
    allowed = set(db.session.scalars(select(User.username).join(RoleAssignment).where(
        User.username.in_(sub["checkers"]), RoleAssignment.role.in_(VERIFIER_ROLES), User.active.is_(True))))
    if bad := [c for c in sub["checkers"] if c not in allowed]:
        errors["checkers"] = [f"核查人员须为财政绩效、评价中心、专家或第三方人员：{'、'.join(bad)}"]
    return errors


@hooks.task_handler("p7.record_schedule", check=check_schedule)
def record_schedule(event: TaskCompleted) -> None:
    sub, actor = event.submission, username(event.actor)
    case = case_of(event.data, lock=True)
    db.session.add(FollowUpCheck(case_id=case.id, round=case.re_round, mode="ONSITE", planned_date=sub["planned_date"],
                                 announced_at=utcnow(), checkers=list(sub["checkers"]), created_by=actor))
    case.status, case.updated_by = "FOLLOWUP_SCHEDULED", actor
    notify(holders(event.instance, "DEPT_HEAD", "DEPT_OFFICER", "UNIT_HEAD"), "followup_scheduled",
           f"回头看上门核查安排：{event.instance.title}",
           body=f"{case.code} 将于 {sub['planned_date']:%Y年%m月%d日} 上门核查整改情况，请做好准备。",
           instance=event.instance, by=actor)


def _check_issues(event: TaskCompleted) -> list[IssueItem]:
    return [db.session.get(IssueItem, as_uuid(i)) for i in event.data.get("check_issue_ids") or []]


def check_check(event: TaskCompleted) -> ErrorsByField:
    sub, errors = event.submission, {}
    rows = sub.get("item_results") or []
    if len(rows) != len(_check_issues(event)):
        errors["item_results"] = [f"应逐项核查全部 {len(_check_issues(event))} 个问题"]
    if sub["actual_date"] > today():
        errors["actual_date"] = ["核查日期不得晚于今天"]
    if event.form_mode == "onsite" and not set(sub.get("methods") or []) & set(ONSITE_METHODS):
        errors["methods"] = ["上门核查须至少采用听取情况介绍、询问整改细节、现场核查工作台账、实地查看之一"]
    for i, row in enumerate(rows):
        if row.get("result") != "CLOSED" and row.get("new_deadline") and row["new_deadline"] <= sub["actual_date"]:
            errors[f"item_results.{i}.new_deadline"] = ["新的整改期限须晚于核查日期"]
    return errors


@hooks.task_handler("p7.record_check", check=check_check)
def record_check(event: TaskCompleted) -> None:
    """The check record: the scheduled on-site row completed, or a new desk row."""
    sub, actor = event.submission, username(event.actor)
    case = case_of(event.data, lock=True)
    check = None
    if event.form_mode == "onsite":
        check = db.session.scalars(select(FollowUpCheck).where(
            FollowUpCheck.case_id == case.id, FollowUpCheck.round == case.re_round, FollowUpCheck.mode == "ONSITE",
            FollowUpCheck.actual_date.is_(None)).order_by(FollowUpCheck.created_at.desc())).first()
    if check is None:
        check = FollowUpCheck(case_id=case.id, round=case.re_round, mode="ONSITE" if event.form_mode == "onsite" else "DESK",
                              planned_date=sub["actual_date"], checkers=[actor], created_by=actor)
        db.session.add(check)
    results = [{"issue_id": str(issue.id), "seq": issue.seq, "result": row["result"],
                "evidence_checked": row["evidence_checked"], "new_deadline": row.get("new_deadline"),
                "photos": row.get("photos") or []}
               for issue, row in zip(_check_issues(event), sub["item_results"], strict=False)]
    check.actual_date, check.methods, check.item_results = sub["actual_date"], list(sub["methods"]), plain(results)
    check.conclusion = calc.conclusion([r["result"] for r in results]) if results else "ALL_CLOSED"
    check.report, check.done_by, check.updated_by = list(sub.get("report") or []), actor, actor
    case.status, case.updated_by = "FOLLOWUP_DONE", actor
