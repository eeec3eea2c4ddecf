"""P1 review steps (processes §5.3 rows 2, 3, 12): 单位审核, 主管部门审核 and FIN_PERF's decision
on the fiscal ex-ante. Each writes the reviewer's opinion on the request; the status follows the
verdict (budget.calc.reviews). 退回 from them is a RETURN opinion (shared.opinions.returned_opinion)."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from budget.calc.reviews import dept_review_statuses, unit_approval_status
from budget.models import PerformanceTarget
from budget.shared.lookups import project_id_of, project_of, request_year, username
from budget.shared.opinions import add_opinion, returned_opinion
from budget.shared.status import change_library_status, set_library_status
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import TaskCompleted

INTAKE = "PROJECT_INTAKE"  # review_opinion.object_type of a request


def project_id(data: Mapping[str, Any]) -> uuid.UUID:
    return project_of(data).id


def current_target(event: TaskCompleted) -> PerformanceTarget | None:
    project = project_of(event.data)
    py = project.year(request_year(event.data))
    return db.session.get(PerformanceTarget, py.target_id) if py and py.target_id else None


@hooks.task_handler("p1.record_unit_approval", on_return=returned_opinion(INTAKE, project_id))
def record_unit_approval(event: TaskCompleted) -> None:
    """F-00 at `ut_p1_unit_approve`: APPROVE → SUBMITTED, RETURN → DRAFT."""
    new = unit_approval_status(event.submission.get("verdict"))
    if not new:
        add_opinion(event, INTAKE, project_of(event.data, lock=True).id)
        return
    project = project_id_of(event.data)
    add_opinion(event, INTAKE, project)
    set_library_status(project, new, username(event.actor))  # locks, checks and writes in one statement


@hooks.task_handler("p1.record_fin_decision", on_return=returned_opinion(INTAKE, project_id))
def record_fin_decision(event: TaskCompleted) -> None:
    """F-00 at `ut_p1_fin_decide`: FIN_PERF runs the optional fiscal ex-ante (APPROVE) or not
    (REJECT, with its reason); the decision is a review opinion on the request like the others."""
    add_opinion(event, INTAKE, project_id(event.data))


@hooks.task_handler("p1.record_dept_review", on_return=returned_opinion(INTAKE, project_id))
def record_dept_review(event: TaskCompleted) -> None:
    """F-05 dept mode at `ut_p1_dept_review`: opinion on the request; the project and its target
    follow the verdict (REJECT ends P1 as NOT_ADMITTED)."""
    project = project_of(event.data, lock=True)
    add_opinion(event, INTAKE, project.id)
    status, target_status = dept_review_statuses(event.submission.get("verdict"))
    if status:
        change_library_status(project, status, username(event.actor))
    target = current_target(event)
    if target is not None and target_status:
        target.status = target_status
        if event.submission.get("grade"):
            target.review_grade = event.submission["grade"]
