"""Script helpers and the deadlines P7's model reads: ISO moments for timers and `dueAt`."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from budget.calc import rectification as calc
from budget.shared.helpers import TZ
from engine.base import hooks
from engine.time.calendar import end_of_day

VISIT_HOUR = time(9, 0)  # an on-site check's timer fires at 09:00 of the planned day


def due_iso(day: date | None) -> str | None:
    """A deadline day as the moment it passes (23:59:59 Asia/Shanghai): timers and `dueAt` agree."""
    return end_of_day(day).isoformat() if day else None


def deadlines(case: Any) -> dict[str, Any]:
    """The case's deadlines as task data: the plan/report tasks' dueAt and the boundary timers
    (report due, and report due + 15 days for the 约谈)."""
    return {
        "plan_due_iso": due_iso(case.plan_due), "report_due_iso": due_iso(case.report_due),
        "interview_due_iso": due_iso(calc.interview_due(case.report_due)) if case.report_due else None,
        "report_due_label": f"{case.report_due:%Y年%m月%d日}" if case.report_due else "无须报送整改报告",
    }


@hooks.script_helper("visit_iso")
def visit_iso(day: Any) -> str:
    """The on-site check's moment (09:00 Shanghai of the planned day) as timeDate text."""
    value = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
    return datetime.combine(value, VISIT_HOUR, TZ).isoformat()
