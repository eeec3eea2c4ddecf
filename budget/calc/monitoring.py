"""P3 double monitoring, the pure part (processes §5.5, rules §4.7.1–4.7.3, DT-06/DT-07 parameters):
the monthly run dates, report months per pack, time progress, execution rate and lag, cost overrun,
and the rule parameters a jurisdiction may change."""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
RUN_DAY, RUN_HOUR = 5, 9  # §5.5: the 5th of the next month, 09:00, jurisdiction time
DATA_ERROR_TOLERANCE = Decimal("1.0001")  # §4.7.2: executed_cum ≤ annual_budget × 1.0001
TWO = Decimal("0.01")
EXACT = Decimal("0.000001")  # lag and time progress as the rules compare them (exact fraction, 6 dp)

# The jurisdiction's P3 rule parameters (open-questions: every default is configurable;
# jurisdiction.rule_params overrides them). sd_key_operator: DT-06 row 1 "40 个百分点以上" — ">="
# (R1, inclusive, default) or ">" if the client reads 以上 as strict.
RULE_DEFAULTS: dict[str, Any] = {
    "warn_start_month": 4,
    "sd_key_operator": ">=",
    "time_progress_mode": "LINEAR_MONTH",
    "yellow_response_working_days": 5,
}
TIME_PROGRESS_MODES = ("LINEAR_MONTH", "LINEAR_DAY")
POSSIBILITY_ORDER = {"CERTAIN": 0, "POSSIBLE": 1, "IMPOSSIBLE": 2}


def rule_params(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults with the jurisdiction's overrides (unknown names and bad operators ignored)."""
    params = dict(RULE_DEFAULTS)
    for key, value in (overrides or {}).items():
        if key in params and value is not None:
            params[key] = value
    if params["sd_key_operator"] not in (">=", ">"):
        params["sd_key_operator"] = ">="
    if params["time_progress_mode"] not in TIME_PROGRESS_MODES:
        params["time_progress_mode"] = "LINEAR_MONTH"
    params["warn_start_month"] = int(params["warn_start_month"])
    return params


def report_months(packs: Iterable[str]) -> tuple[list[int], list[int]]:
    """(target report months, cost report months) of §5.5: [7] ∪ [6..9] if SD ∪ [8] if FJ; [7] if QP."""
    packs = set(packs)
    target = {7} | ({6, 7, 8, 9} if "SD" in packs else set()) | ({8} if "FJ" in packs else set())
    cost = {7} if "QP" in packs else set()
    return sorted(target), sorted(cost)


def run_at(fiscal_year: int, data_month: int) -> datetime:
    """When the month's data is read: the 5th of the following month, 09:00 Shanghai time. Not
    moved to a working day: the run is the system's, nobody has to be at work (docs/design.md)."""
    year, month = (fiscal_year + 1, 1) if data_month >= 12 else (fiscal_year, data_month + 1)
    return datetime.combine(date(year, month, RUN_DAY), time(RUN_HOUR), TZ)


def month_end(fiscal_year: int, month: int) -> date:
    return date(fiscal_year, month, calendar.monthrange(fiscal_year, month)[1])


def time_progress(fiscal_year: int, month: int, mode: str = "LINEAR_MONTH",
                  approved_on: date | None = None) -> Decimal:
    """§4.7.1 at the end of `month`: LINEAR_MONTH m × 100 / 12; LINEAR_DAY day of year / days;
    a project approved in-year counts the days from its approval to Dec 31 instead."""
    as_of = month_end(fiscal_year, month)
    if approved_on is not None:
        year_end = date(fiscal_year, 12, 31)
        total = (year_end - approved_on).days
        if total <= 0:
            return Decimal(100)
        elapsed = max(0, min((as_of - approved_on).days, total))
        return (Decimal(elapsed) * 100 / Decimal(total)).quantize(EXACT)
    if mode == "LINEAR_DAY":
        days = 366 if calendar.isleap(fiscal_year) else 365
        return (Decimal(as_of.timetuple().tm_yday) * 100 / Decimal(days)).quantize(EXACT)
    return (Decimal(month) * 100 / Decimal(12)).quantize(EXACT)


@dataclass(frozen=True)
class Execution:
    exec_rate: Decimal  # 2 dp, as stored and compared (§4.7.2)
    time_progress: Decimal  # exact fraction (6 dp)
    lag_pp: Decimal  # time_progress − exec_rate, exact (6 dp); stored with 2 dp
    data_error: bool  # executed beyond the budget: the month raises no warning


def execution(executed_cum: Decimal, annual_budget: Decimal, progress: Decimal) -> Execution:
    if annual_budget <= 0:
        return Execution(Decimal("0.00"), progress, progress, executed_cum > 0)
    rate = (executed_cum * 100 / annual_budget).quantize(TWO, ROUND_HALF_UP)
    error = executed_cum > annual_budget * DATA_ERROR_TOLERANCE
    return Execution(rate, progress, (progress - rate).quantize(EXACT), error)


def two(value: Decimal) -> Decimal:
    return Decimal(value).quantize(TWO, ROUND_HALF_UP)


def overrun_pct(actual: Decimal, target: Decimal) -> Decimal:
    """§4.7.3 for a LE cost indicator: (actual − target) / target × 100, 2 dp."""
    return ((Decimal(actual) - Decimal(target)) * 100 / Decimal(target)).quantize(TWO, ROUND_HALF_UP)


def max_overrun(rows: Iterable[Mapping[str, Any]] | None) -> Decimal:
    """DT-06's max_cost_overrun_pct: the largest overrun of the report's cost rows, 0 if none (R2)."""
    found = [overrun_pct(r["actual_unit_cost"], r["target_value"]) for r in rows or ()
             if r.get("actual_unit_cost") is not None and r.get("target_value")]
    return max([Decimal(0), *found])


def worst_possibility(rows: Iterable[Mapping[str, Any]] | None) -> str | None:
    """DT-06's worst_possibility over the report's indicator rows (None without a report)."""
    seen = [r.get("possibility") for r in rows or () if r.get("possibility") in POSSIBILITY_ORDER]
    return max(seen, key=POSSIBILITY_ORDER.__getitem__) if seen else None
