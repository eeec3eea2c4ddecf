"""Script helpers the P3 model calls (pure: budget.calc.monitoring)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from budget.calc import monitoring as calc
from engine.base import hooks


@hooks.script_helper("monthly_run_iso")
def monthly_run_iso(fiscal_year: int, month: int) -> str:
    """When month `month`'s data is read (5th of the next month, 09:00 Shanghai), as timeDate text."""
    return calc.run_at(int(fiscal_year), int(month)).isoformat()


@hooks.script_helper("worst_possibility_of")
def worst_possibility_of(rows: list[dict[str, Any]] | None) -> str | None:
    return calc.worst_possibility(rows)


@hooks.script_helper("max_overrun_of")
def max_overrun_of(rows: list[dict[str, Any]] | None, targets: list[dict[str, Any]] | None) -> Decimal:
    """The largest overrun of F-09's cost rows against the cost indicators they were opened with
    (same order: the grid's read-only target values are not part of the submission)."""
    merged = [{**t, **r} for t, r in zip(targets or [], rows or [], strict=False)]
    return calc.max_overrun(merged)
