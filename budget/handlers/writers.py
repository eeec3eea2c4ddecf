"""Small writers for review-type submissions of P1 / CA-2 / CA-4: review opinions, status moves,
ex-ante scores. Each is called by the dispatch table in records.py."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from budget.handlers._common import as_uuid, project_of, project_year, request_year, task_name, username
from budget.handlers.project import apply_scores, ensure_exante, latest_assessment, open_assessment
from budget.models import Engagement, PerformanceTarget, ReviewOpinion
from budget.money import wan_to_yuan
from budget.status import change_library_status
from engine.base.convert import plain as jsonable
from engine.base.db import db
from engine.base.hooks import TaskCompleted

F05_DIMS = ("dim_completeness", "dim_relevance", "dim_appropriateness", "dim_feasibility")
RETURNING = ("RETURN", "REJECT")


def add_opinion(event: TaskCompleted, object_type: str, object_id: uuid.UUID, **extra: Any) -> ReviewOpinion:
    """One ReviewOpinion per reviewer per round; the round counts earlier opinions at this stage."""
    sub, stage = event.submission, task_name(event.task) or ""
    earlier = db.session.scalar(select(func.count()).select_from(ReviewOpinion).where(
        ReviewOpinion.object_type == object_type, ReviewOpinion.object_id == object_id,
        ReviewOpinion.stage == stage))
    dims = {d: sub[d] for d in F05_DIMS if sub.get(d) is not None}
    opinion = ReviewOpinion(
        object_type=object_type, object_id=object_id, stage=stage, round=(earlier or 0) + 1,
        reviewer_id=getattr(event.actor, "id", None), reviewer=username(event.actor),
        reviewer_role=getattr(event.task, "lane", None), verdict=str(sub.get("verdict") or "APPROVE"),
        grade=sub.get("grade"), dim_scores=jsonable(dims), comment=sub.get("comment"),
        suggested_amount=wan_to_yuan(sub.get("suggested_amount")),
        attachments=jsonable(sub.get("opinion_attachments") or []),
        instance_id=str(getattr(event.instance, "id", "")) or None, created_by=username(event.actor),
    )
    for key, value in extra.items():
        setattr(opinion, key, value)
    db.session.add(opinion)
    return opinion


def current_target(event: TaskCompleted) -> PerformanceTarget | None:
    project = project_of(event.data)
    py = project.year(request_year(event.data))
    return db.session.get(PerformanceTarget, py.target_id) if py and py.target_id else None


def record_unit_approval(event: TaskCompleted) -> None:
    """F-00 at `ut_p1_unit_approve`: APPROVE → SUBMITTED, RETURN → DRAFT."""
    project = project_of(event.data, lock=True)
    verdict = event.submission.get("verdict")
    add_opinion(event, "PROJECT_INTAKE", project.id)
    new = {"APPROVE": "SUBMITTED", "RETURN": "DRAFT"}.get(verdict)
    if new:
        change_library_status(project, new, username(event.actor))


def record_fin_decision(event: TaskCompleted) -> None:
    """F-00 at `ut_p1_fin_decide`: FIN_PERF runs the optional fiscal ex-ante (APPROVE) or not
    (REJECT, with its reason); the decision is a review opinion on the request like the others."""
    add_opinion(event, "PROJECT_INTAKE", project_of(event.data).id)


def record_dept_review(event: TaskCompleted) -> None:
    """F-05 dept mode at `ut_p1_dept_review`: opinion on the request; the project and its target
    follow the verdict (REJECT ends P1 as NOT_ADMITTED)."""
    project = project_of(event.data, lock=True)
    verdict = event.submission.get("verdict")
    add_opinion(event, "PROJECT_INTAKE", project.id)
    status, target_status = {
        "APPROVE": ("DEPT_APPROVED", "DEPT_APPROVED"),
        "RETURN": ("DRAFT", "RETURNED"),
        "REJECT": ("NOT_ADMITTED", "REJECTED"),
    }.get(verdict, (None, None))
    if status:
        change_library_status(project, status, username(event.actor))
    target = current_target(event)
    if target is not None and target_status:
        target.status = target_status
        if event.submission.get("grade"):
            target.review_grade = event.submission["grade"]


def record_dept_exante(event: TaskCompleted) -> None:
    """F-02 edit at `ut_p1_dept_exante`: the unit's self-assessment, SUBMITTED for confirmation."""
    write_assessment(event, "DEPT_SELF", performer_default="SELF")


def record_fiscal_scores(event: TaskCompleted) -> None:
    """F-03 at `ut_fe_assess`: the fiscal (key) assessment by a third party or FIN_CENTER."""
    assessor = "FISCAL_KEY" if event.data.get("fiscal_key") else "FISCAL"
    write_assessment(event, assessor, performer_default=getattr(event.task, "lane", None))


def write_assessment(event: TaskCompleted, assessor_type: str, performer_default: str | None) -> None:
    actor = username(event.actor)
    project = project_of(event.data, lock=True)
    py = project_year(project, request_year(event.data), actor=actor)
    db.session.flush()
    ensure_exante(project, actor)
    row = open_assessment(py, assessor_type, actor)
    values = dict(event.submission)
    values.setdefault("performer", performer_default)
    values.setdefault("engagement_id", event.data.get("engagement_id"))
    values.setdefault("trigger_reasons", event.data.get("exante_reasons") or event.data.get("trigger_reasons"))
    apply_scores(row, values)
    row.status, row.updated_by = "SUBMITTED", actor


def record_exante_review(event: TaskCompleted) -> None:
    """F-02 review at `ut_p1_dept_exante_confirm`: opinion; RETURN sends the assessment back."""
    project = project_of(event.data)
    py = project.year(request_year(event.data))
    row = latest_assessment(py, "DEPT_SELF") if py else None
    if row is None:
        raise ValueError(f"项目 {project.code} 没有待确认的部门事前评估")
    add_opinion(event, "EXANTE", row.id)
    if event.submission.get("verdict") in RETURNING:
        row.status = "RETURNED"
    row.updated_by = username(event.actor)


def record_engagement_accept(event: TaskCompleted) -> None:
    """F-26 accept at `ut_tp_accept`: the lead accepts (ACCEPTED) or returns it (RETURNED + opinion)."""
    raw = event.data.get("engagement_id")
    engagement = db.session.get(Engagement, as_uuid(raw)) if raw else None
    if engagement is None:
        raise ValueError("任务数据缺少有效的 engagement_id")
    if event.submission.get("verdict") in RETURNING:
        add_opinion(event, "ENGAGEMENT", engagement.id, verdict="RETURN")
        engagement.status = "RETURNED"
    else:
        engagement.status = "ACCEPTED"
    engagement.updated_by = username(event.actor)
