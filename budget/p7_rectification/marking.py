"""对标销号 and 再整改 (processes §5.9 rows 12–14): the round's check applied issue by issue (CLOSED with
its date; PARTIAL / NOT_RECTIFIED → NOT_CLOSED with the new deadline), then either the close or another
round: report due = the latest new deadline, and from round 2 the case is NOT_RECTIFIED and a circular
candidate (V-15, DT-13 row 10)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from budget.calc import rectification as calc
from budget.models import FollowUpCheck, IssueItem
from budget.p7_rectification.records import case_of, issues_of
from budget.p7_rectification.report import REPORT_ROWS_RETURNS, report_rows
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext

DONE = ("CLOSED", "WAIVED")


@hooks.service("p7.mark_items", returns=("all_closed",))
def mark_items(ctx: ServiceContext) -> dict[str, Any]:
    case = case_of(ctx.data, lock=True)
    check = db.session.scalars(select(FollowUpCheck).where(
        FollowUpCheck.case_id == case.id, FollowUpCheck.round == case.re_round, FollowUpCheck.actual_date.is_not(None))
        .order_by(FollowUpCheck.updated_at.desc())).first()
    if check is not None:
        for result in check.item_results:
            issue = db.session.get(IssueItem, as_uuid(result["issue_id"]))
            if issue is None or issue.last_check_id == check.id:
                continue  # applied already
            issue.status, issue.last_check_id = calc.marked(result["result"]), check.id
            if issue.status == "CLOSED":
                issue.closed_at = check.actual_date
            else:
                issue.rounds += 1
                issue.deadline = date.fromisoformat(str(result["new_deadline"])[:10]) if result.get("new_deadline") else None
    return {"all_closed": all(i.status in DONE for i in issues_of(case))}


@hooks.service("p7.re_rectify", returns=REPORT_ROWS_RETURNS)
def re_rectify(ctx: ServiceContext) -> dict[str, Any]:
    case = case_of(ctx.data, lock=True)
    case.re_round += 1
    open_issues = issues_of(case, open_only=True)
    deadlines = [i.deadline for i in open_issues if i.deadline]
    case.report_due = max(deadlines) if deadlines else today() + timedelta(days=calc.PLAN_DAYS_DEFAULT)
    case.report_required, case.status = True, "RE_RECTIFY"
    state, circular = calc.re_rectify_state(case.re_round)
    if state:
        case.rect_state, case.circular_candidate = state, circular
    return report_rows(case)
