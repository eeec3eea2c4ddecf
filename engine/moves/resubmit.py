"""The JUMP_BACK plan of a return (退回后直达, engine.moves.returns): what it replays for a step
that becomes ready again once the target is completed. The plan is JSONB; its values are tagged by
engine.base.convert so a replay merges what was submitted (scripts add Decimals, DMN compares them),
not their text."""
from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask

from engine.base.convert import untagged
from engine.moves.state import find_task

SIGN_OUTCOME = ("sign_result", "verdict", "sign_votes")


def member_key(task: Any) -> str | None:
    """Which member of a multi-instance (or loop) a task belongs to, as a stable text key: the
    member's index (or key, or iteration) and input item at each enclosing level, outermost first,
    across subprocess boundaries; None outside any. The same member of a later round has the
    same key, so a JUMP_BACK replays each expert their own earlier submission."""
    levels: list[list[Any]] = []
    current = task
    while current is not None:
        parent = current.parent
        if parent is None and current.workflow.parent_task_id is not None:  # leave the subprocess
            parent = find_task(current.workflow.top_workflow, current.workflow.parent_task_id)
        spec = parent.task_spec if parent is not None else None
        if isinstance(spec, LoopTask) and current.task_spec.name == spec.task_spec:  # a member of `parent`
            inner = current.internal_data
            index = inner.get("key_or_index", inner.get("item", inner.get("iteration")))
            item = None
            if isinstance(spec, MultiInstanceTask) and spec.input_item is not None \
                    and spec.input_item.exists(current):
                value = spec.input_item.get(current)
                item = value if isinstance(value, str | int) else None
            levels.insert(0, [spec.bpmn_id, index, item])
        current = parent
    return json.dumps(levels, ensure_ascii=False, default=str) if levels else None


def replayed(plan: dict[str, Any], task: Any) -> dict[str, Any] | None:
    """What a JUMP_BACK plan replays for a ready task: a member's own earlier submission, else the
    step's; None when the plan has nothing for it (a new member: its path changed)."""
    name = task.task_spec.bpmn_id
    if name not in plan["skip"]:
        return None
    by_member = (plan.get("members") or {}).get(name)
    if by_member is None:  # not done per member (or a plan stored before members were kept)
        return untagged(plan["skip"][name])
    found = by_member.get(member_key(task) or "")
    return None if found is None else untagged(found)
