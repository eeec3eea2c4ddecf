"""Computed fields: filled from the clean data, never taken from input (a client could lie)."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from forms.ctx import Ctx

Computed = Callable[[dict[str, Any], Ctx], Any]
COMPUTED: dict[str, Computed] = {}

EXANTE_DIMS = ("dim_necessity", "dim_economy", "dim_target", "dim_feasibility", "dim_financing")
REVIEW_DIMS = ("dim_completeness", "dim_relevance", "dim_appropriateness", "dim_feasibility")
# DT-08 (T9): 优 ≥ 90; 良 [80, 90); 中 [60, 80); 差 < 60.
GRADE_BANDS = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"))


def computed(name: str) -> Callable[[Computed], Computed]:
    def deco(fn: Computed) -> Computed:
        COMPUTED[name] = fn
        return fn

    return deco


def grade_for(score: Decimal) -> str:
    score = score.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    return next((grade for bound, grade in GRADE_BANDS if score >= bound), "差")


def _sum_all(clean: dict[str, Any], names: tuple[str, ...]) -> Decimal | None:
    # A partial sum would look like a real (low) score; only total complete sets.
    values = [clean.get(n) for n in names]
    return sum(values, Decimal(0)) if all(v is not None for v in values) else None


@computed("exante_total")
def exante_total(clean: dict[str, Any], ctx: Ctx) -> Decimal | None:
    return _sum_all(clean, EXANTE_DIMS)


@computed("review_total")
def review_total(clean: dict[str, Any], ctx: Ctx) -> Decimal | None:
    return _sum_all(clean, REVIEW_DIMS)


@computed("annual_total")
def annual_total(clean: dict[str, Any], ctx: Ctx) -> Decimal | None:
    rows = clean.get("annual_requests")
    if rows is None:
        return None
    return sum(((r.get("fiscal_amount") or 0) + (r.get("other_amount") or 0) for r in rows), Decimal(0))


@computed("followup_conclusion")
def followup_conclusion(clean: dict[str, Any], ctx: Ctx) -> str | None:
    """F-24: ALL_CLOSED 全部销号 / PARTIAL 部分销号 / NONE_CLOSED 均未销号 from the per-issue results."""
    results = [row.get("result") for row in clean.get("item_results") or []]
    if not results or None in results:
        return None
    closed = results.count("CLOSED")
    return "ALL_CLOSED" if closed == len(results) else ("NONE_CLOSED" if closed == 0 else "PARTIAL")
