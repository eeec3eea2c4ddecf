"""Who hears of an overdue work item (../shared/domain/views.md §7.3), for engine.work.reminders:
ESCALATED_HEAD (and every 催办 from the second on) goes to the head above the people whose task it
is, ESCALATED_FIN to the finance bureau. The engine leaves out the item's own actors."""
from __future__ import annotations

from typing import Any

from engine.base import hooks
from engine.work.reminders import role_holders

FINANCE = ("FIN_PERF", "FIN_FUND")  # 预算绩效管理处 (all) and the 资金管理处 of the item's division


def head_role(lane: str | None) -> str | None:
    """The head above a lane: a unit's officers answer to the unit head (UNIT_HEAD), a late unit
    head and the department's officers to the department head (DEPT_HEAD). Nobody in the unit or
    department stands above the department head, and finance, third parties and experts have no
    head here: for them escalation starts with the finance stage."""
    lane = lane or ""
    if lane == "UNIT_HEAD" or (lane.startswith("DEPT_") and lane != "DEPT_HEAD"):
        return "DEPT_HEAD"
    if lane.startswith("UNIT_"):
        return "UNIT_HEAD"
    return None


@hooks.escalation_targets
def escalation_targets(item: Any, stage: str) -> list[str]:
    if stage == "HEAD":
        role = head_role(item.lane)
        return role_holders(role, item) if role else []
    if stage == "FIN":
        return [name for role in FINANCE for name in role_holders(role, item)]
    return []
