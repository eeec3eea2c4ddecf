"""The explanation-only path (DT-14 requires no plan, e.g. row 6 large_diff): the unit explains on
F-10 `rect_explain`, the performance division accepts (the issues are closed, the case closes) or
returns it. The explanation is kept as a round-0 RectificationReport row (one per submission)."""
from __future__ import annotations

from sqlalchemy import func, select

from budget.models import RectificationReport
from budget.p7_rectification.records import case_of, issues_of
from budget.shared.helpers import today
from budget.shared.lookups import username
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.hooks import TaskCompleted


def latest_report(case_id: object, round_: int) -> RectificationReport | None:
    return db.session.scalars(select(RectificationReport).where(
        RectificationReport.case_id == case_id, RectificationReport.round == round_)
        .order_by(RectificationReport.version.desc())).first()


def next_version(case_id: object, round_: int) -> int:
    return (db.session.scalar(select(func.max(RectificationReport.version)).where(
        RectificationReport.case_id == case_id, RectificationReport.round == round_)) or 0) + 1


@hooks.task_handler("p7.record_explanation")
def record_explanation(event: TaskCompleted) -> None:
    sub, actor = event.submission, username(event.actor)
    case = case_of(event.data, lock=True)
    db.session.add(RectificationReport(
        case_id=case.id, round=0, version=next_version(case.id, 0), overall_text=sub["explanation"],
        item_statuses=plain([{"kind": "EXPLANATION", "cause_categories": sub.get("cause_categories") or [],
                              "measures": sub.get("measures") or []}]),
        submitted_at=utcnow(), created_by=actor))
    case.status, case.report_submitted_at, case.updated_by = "EXPLANATION_SUBMITTED", utcnow(), actor


@hooks.task_handler("p7.record_explanation_review")
def record_explanation_review(event: TaskCompleted) -> None:
    sub, actor = event.submission, username(event.actor)
    case = case_of(event.data, lock=True)
    row = latest_report(case.id, 0)
    accepted = sub["verdict"] == "APPROVE"
    if row is not None:
        row.review_verdict, row.review_comment = "ACCEPT" if accepted else "RETURN", sub.get("comment")
        row.reviewed_by, row.reviewed_at = actor, utcnow()
    if accepted:  # the explanation answers every issue: they are closed with the case
        for issue in issues_of(case, open_only=True):
            issue.status, issue.closed_at, issue.updated_by = "CLOSED", today(), actor
    case.updated_by = actor
