"""Script helpers: pure functions BPMN scripts, conditions and DMN cells may call."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from budget.domains import domain_of as _domain_of
from engine.base import hooks

TZ = ZoneInfo("Asia/Shanghai")  # README §0.2: business dates are Shanghai dates


@hooks.script_helper("intake_cutoff")
def intake_cutoff(year: int) -> date:
    """Rolling intake cut-off for budget year `year` (processes §5.3 item 4: Aug 31 of the year
    before). Per-jurisdiction configuration comes later; the default is the [003] date."""
    return date(int(year) - 1, 8, 31)


@hooks.script_helper("today")
def today() -> date:
    return datetime.now(TZ).date()


@hooks.script_helper("domain_of")
def domain_of(function_category: str | int | None) -> str:
    """Expert domain of a 功能分类 code, so a model can refresh `domain` after F-01."""
    return _domain_of(function_category)
