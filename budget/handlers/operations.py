"""退回 (the approval operation, engine.moves.returns) of a reviewing step: the returner's opinion becomes a
review opinion with verdict RETURN, written the way the completion listener writes a reviewer's
opinion (writers.add_opinion: same object, stage, round counting, reviewer and lane). Only steps
whose completion writes a review opinion have one; 撤回 and 拿回 write nothing here."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from budget.handlers import writers
from budget.handlers._common import as_uuid, project_of, request_year, task_name
from budget.handlers.project import latest_assessment
from budget.handlers.records import Writer, route
from engine.base import hooks
from engine.base.hooks import OperationDone, TaskCompleted


def _project(data: Mapping[str, Any]) -> uuid.UUID:
    return project_of(data).id


def _dept_exante(data: Mapping[str, Any]) -> uuid.UUID:
    project = project_of(data)
    py = project.year(request_year(data))
    row = latest_assessment(py, "DEPT_SELF") if py else None
    if row is None:
        raise ValueError(f"项目 {project.code} 没有待确认的部门事前评估")
    return row.id


def _engagement(data: Mapping[str, Any]) -> uuid.UUID:
    raw = data.get("engagement_id")
    if not raw:
        raise ValueError("任务数据缺少有效的 engagement_id")
    return as_uuid(raw)


# the completion writer of a step (records.ROUTES) → what its review opinion is about
REVIEWED: dict[Writer, tuple[str, Callable[[Mapping[str, Any]], uuid.UUID]]] = {
    writers.record_unit_approval: ("PROJECT_INTAKE", _project),
    writers.record_fin_decision: ("PROJECT_INTAKE", _project),
    writers.record_dept_review: ("PROJECT_INTAKE", _project),
    writers.record_exante_review: ("EXANTE", _dept_exante),
    writers.record_engagement_accept: ("ENGAGEMENT", _engagement),
}


@hooks.on_operation
def on_operation(event: OperationDone) -> None:
    row = event.task
    if event.action != "return" or row is None:
        return
    keys = [k for k in (getattr(row, "form_key", None) or "").split("+") if k]
    writer = route(keys, getattr(row, "form_mode", None), task_name(row))
    reviewed = REVIEWED.get(writer) if writer is not None else None
    if reviewed is None:
        return
    object_type, object_of = reviewed
    returned = TaskCompleted(event.instance, row, keys, getattr(row, "form_mode", None),
                             {"verdict": "RETURN", "comment": event.comment}, event.data, event.actor)
    writers.add_opinion(returned, object_type, object_of(event.data), verdict="RETURN")
