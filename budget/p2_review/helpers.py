"""Script helpers the P2 model calls (pure: budget.calc)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from budget.calc.arrangement import grade_of as _grade_of
from budget.shared.helpers import TZ
from engine.base import hooks


@hooks.script_helper("due_iso")
def due_iso(start: date | str, days: int) -> str:
    """End of the day `days` after `start` in Shanghai, as a timeDate expression wants it
    (`due_iso(npc_approval_date, 20)`: the 20-day 批复 deadline)."""
    day = date.fromisoformat(start) if isinstance(start, str) else start
    return datetime.combine(day + timedelta(days=int(days)), time(23, 59, 59), TZ).isoformat()


@hooks.script_helper("grade_of")
def grade_of(score: Decimal | None) -> str | None:
    """DT-08 bands on a panel mean (F-06's default grade)."""
    return _grade_of(score)
