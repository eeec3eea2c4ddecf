"""Script helpers the P1 and CA-4 models call (pure: budget.calc)."""
from __future__ import annotations

from datetime import date

from budget.calc.domains import domain_of as _domain_of
from budget.calc.intake import intake_cutoff as _intake_cutoff
from engine.base import hooks


@hooks.script_helper("intake_cutoff")
def intake_cutoff(year: int) -> date:
    """Rolling intake cut-off for budget year `year` (`st_p1_cutoff`)."""
    return _intake_cutoff(year)


@hooks.script_helper("domain_of")
def domain_of(function_category: str | int | None) -> str:
    """Expert domain of a 功能分类 code, so a model can refresh `domain` after F-01."""
    return _domain_of(function_category)
