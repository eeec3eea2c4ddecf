"""What P2's handlers look up: the project-year a task's data points at and its current target
(budget.shared: CA-3 and P3 look them up the same way)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budget.shared.lookups import year_of
from budget.shared.targets import target_of

TARGET = "TARGET"  # review_opinion.object_type of a target review (F-05)
JOINT = "JOINT_REVIEW"  # … of a joint review's outcome and co-sign (F-06, F-00)

__all__ = ["JOINT", "TARGET", "target_id", "target_of", "year_id", "year_of"]


def target_id(data: Mapping[str, Any]) -> Any:
    return target_of(year_of(data)).id


def year_id(data: Mapping[str, Any]) -> Any:
    return year_of(data).id
