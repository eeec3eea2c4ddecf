"""Ex-ante assessment scores (F-02 / F-03, rules §5): the five dimensions and their total."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from budget.calc.money import to_decimal

DIMS = ("dim_necessity", "dim_economy", "dim_target", "dim_feasibility", "dim_financing")
DIM_WEIGHTS = {"dim_necessity": 25, "dim_economy": 20, "dim_target": 20, "dim_feasibility": 20,
               "dim_financing": 15}  # DT-02 defaults [A]


def dims_total(dims: Mapping[str, Any]) -> Decimal | None:
    """The sum of the five dimensions when all are scored, else None."""
    values = [dims.get(d) for d in DIMS]
    if any(v is None for v in values):
        return None
    return sum((to_decimal(v) for v in values), Decimal(0))


def assessment_total(values: Mapping[str, Any], dims: Mapping[str, Any]) -> Decimal | None:
    """An entered `total_score` wins; otherwise the sum of `dims` (the record's dimensions after
    this submission) when all five are scored."""
    if values.get("total_score") is not None:
        return to_decimal(values["total_score"])
    return dims_total(dims)
