"""Review opinions (entities review_opinion): what a reviewing step's completion, or its 退回,
records about the object it reviews (a project request, an assessment, an engagement)."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import aliased

from budget.calc.money import wan_to_yuan
from budget.models import ReviewOpinion
from budget.shared.lookups import task_name, username
from engine.base.convert import plain as jsonable
from engine.base.db import write
from engine.base.hooks import OperationDone, TaskCompleted

F05_DIMS = ("dim_completeness", "dim_relevance", "dim_appropriateness", "dim_feasibility")

ObjectOf = Callable[[Mapping[str, Any]], uuid.UUID]  # task data → id of the reviewed object


# One statement per opinion, built once: the INSERT counts the round itself (earlier opinions of
# the object at this stage + 1, this move's included), written at once, not at the move's flush.
# It reads only review opinions, which are only ever written by this statement, never pending in
# the session: so it does not flush the move's other changes early (they go in one flush at commit).
_EARLIER = aliased(ReviewOpinion)
_INSERT = insert(ReviewOpinion).values(round=select(func.count() + 1).select_from(_EARLIER).where(
    _EARLIER.object_type == bindparam("of_type"), _EARLIER.object_id == bindparam("of_id"),
    _EARLIER.stage == bindparam("of_stage")).scalar_subquery()).execution_options(dml_strategy="raw",
                                                                                  autoflush=False)


def add_opinion(event: TaskCompleted, object_type: str, object_id: uuid.UUID, **extra: Any) -> None:
    """One ReviewOpinion per reviewer per round; the round counts earlier opinions at this stage."""
    sub, stage = event.submission, task_name(event.task) or ""
    dims = {d: sub[d] for d in F05_DIMS if sub.get(d) is not None}
    values = dict(
        object_type=object_type, object_id=object_id, stage=stage,
        reviewer_id=getattr(event.actor, "id", None), reviewer=username(event.actor),
        reviewer_role=getattr(event.task, "lane", None), verdict=str(sub.get("verdict") or "APPROVE"),
        grade=sub.get("grade"), dim_scores=jsonable(dims), comment=sub.get("comment"),
        suggested_amount=wan_to_yuan(sub.get("suggested_amount")),
        attachments=jsonable(sub.get("opinion_attachments") or []),
        instance_id=str(getattr(event.instance, "id", "")) or None, created_by=username(event.actor),
    )
    values.update(extra)
    write(_INSERT, {**values, "of_type": object_type, "of_id": object_id, "of_stage": stage})


def returned_opinion(object_type: str, object_of: ObjectOf) -> Callable[[OperationDone], None]:
    """The `on_return` of a reviewing step's handler: 退回 from it is the reviewer's opinion with
    verdict RETURN on the same object, stage and round counting as its completion would write;
    it changes no status."""

    def on_return(event: OperationDone) -> None:
        row = event.task
        keys = [k for k in (getattr(row, "form_key", None) or "").split("+") if k]
        returned = TaskCompleted(event.instance, row, keys, getattr(row, "form_mode", None),
                                 {"verdict": "RETURN", "comment": event.comment}, event.data, event.actor)
        add_opinion(returned, object_type, object_of(event.data), verdict="RETURN")

    return on_return
