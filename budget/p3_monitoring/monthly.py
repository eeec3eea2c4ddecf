"""P3's monthly step (processes §5.5 rows 2–4; rules §4.7.1–4.7.2): read the treasury's cumulative
payment of the month, compute execution rate, time progress and lag, write the AUTO_EXECUTION
monitoring record, and say whether the month asks for F-09 (and its cost block)."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from budget.calc import monitoring as calc
from budget.calc.adjustment import OPERATORS
from budget.calc.money import yuan_to_wan
from budget.models import ExecutionRecord, MonitoringRecord, ProjectYear
from budget.p3_monitoring.records import AUTO, issued_target, record, year_of
from budget.shared.helpers import TZ
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext
from engine.base.models import HumanTask
from engine.work.audit import audit

LOAD_RETURNS = (
    "month", "monitoring_record_id", "execution_version", "annual_budget_wan", "executed_cum_wan", "exec_rate",
    "time_progress", "lag_pp", "lag_pp_shown", "data_error", "is_report_month", "is_cost_month",
    "has_cost_indicators", "needs_exec_explanation",
    "report_indicators", "cost_indicators", "report_due_iso", "next_run_iso", "worst_possibility",
    "max_cost_overrun_pct",
)


def executed_of(py_id: Any, month: int) -> tuple[Decimal, int | None, int | None]:
    """(cumulative paid, version, month it came from): the month's current ExecutionRecord; a month
    without one carries the latest earlier month forward (cumulative figures never go back); none
    at all is 0."""
    row = db.session.scalars(select(ExecutionRecord).where(
        ExecutionRecord.project_year_id == py_id, ExecutionRecord.is_current.is_(True),
        ExecutionRecord.month <= month).order_by(ExecutionRecord.month.desc()).limit(1)).first()
    return (row.executed_cum, row.version, row.month) if row else (Decimal("0.00"), None, None)


def budget_of(py: ProjectYear) -> Decimal:
    """§4.7.2: the adjusted budget, else the arranged one."""
    return py.adjusted if py.adjusted is not None else (py.arranged or Decimal("0.00"))


def report_rows(py: ProjectYear, cost_month: bool) -> tuple[list[dict], list[dict]]:
    """F-09's grid (every indicator of the target in force) and its cost block (LE cost indicators)."""
    target = issued_target(py)
    indicators = sorted(target.indicators, key=lambda i: i.seq) if target else []
    grid = [{"indicator_id": str(i.id), "name": i.name,
             "target_text": i.target_text or f"{OPERATORS.get(i.operator, '')}{_num(i.target_value)}{i.unit or ''}"}
            for i in indicators]
    cost = [{"indicator_id": str(i.id), "name": i.name, "target_value": _num(i.target_value), "unit": i.unit}
            for i in indicators if cost_month and i.operator in ("LE", "LT") and i.target_value
            and (i.l2 == "OUT_COST" or i.l1 == "COST")]
    return grid, cost


def _num(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(format(value.normalize(), "f"))


def _month_end_iso(fiscal_year: int, data_month: int) -> str:
    """The report of data month m is due at the end of the month it is read in (M7 → Aug 31, T18/T19;
    FJ's M8 → Sep 30)."""
    year, month = (fiscal_year + 1, 1) if data_month >= 12 else (fiscal_year, data_month + 1)
    return datetime.combine(calc.month_end(year, month), time(23, 59, 59), TZ).isoformat()


@hooks.service("p3.load_execution", params={"month": "月份"}, returns=LOAD_RETURNS)
def load_execution(ctx: ServiceContext, month: int) -> dict[str, Any]:
    py = year_of(ctx.data)
    data, month = ctx.data, int(month)
    fiscal_year = py.fiscal_year
    executed, version, _from = executed_of(py.id, month)
    budget = budget_of(py)
    approved = date.fromisoformat(data["approved_on"]) if data.get("approved_on") else None
    progress = calc.time_progress(fiscal_year, month, data.get("time_progress_mode") or "LINEAR_MONTH", approved)
    figures = calc.execution(executed, budget, progress)
    row = record(py.id, month) or MonitoringRecord(project_year_id=py.id, fiscal_year=fiscal_year,
                                                   period_month=month, kind=AUTO)
    row.annual_budget, row.executed_cum, row.execution_version = budget, executed, version
    row.exec_rate, row.time_progress, row.lag_pp = figures.exec_rate, calc.two(progress), calc.two(figures.lag_pp)
    row.instance_id, row.status = str(ctx.instance.id), "AUTO"
    row.details = {**(row.details or {}), "data_error": figures.data_error,
                   "carried_from_month": _from if _from != month else None}
    db.session.add(row)
    db.session.flush()
    report = month in (data.get("target_months") or []) or month in (data.get("cost_months") or [])
    cost = month in (data.get("cost_months") or [])
    grid, cost_rows = report_rows(py, cost) if report and not figures.data_error else ([], [])
    return {
        "month": month, "monitoring_record_id": str(row.id), "execution_version": version,
        "annual_budget_wan": yuan_to_wan(budget), "executed_cum_wan": yuan_to_wan(executed),
        "exec_rate": figures.exec_rate, "time_progress": calc.two(progress), "lag_pp": figures.lag_pp,
        "lag_pp_shown": calc.two(figures.lag_pp),  # F-09 shows 2 dp; DT-06 compares the exact lag
        "data_error": figures.data_error, "is_report_month": report, "is_cost_month": cost,
        "has_cost_indicators": bool(cost_rows),  # F-09's cost list is required only when it has rows
        "needs_exec_explanation": figures.lag_pp >= 15, "report_indicators": grid, "cost_indicators": cost_rows,
        "report_due_iso": _month_end_iso(fiscal_year, month),
        "next_run_iso": calc.run_at(fiscal_year, month + 1).isoformat() if month < 12 else None,
        "worst_possibility": None, "max_cost_overrun_pct": Decimal(0),
    }


@hooks.service("p3.flag_data_error")
def flag_data_error(ctx: ServiceContext) -> None:
    """Executed beyond the budget (× 1.0001): the figures are wrong, not the project — no warning is
    raised from them; the month's record says so and the instance's history shows it, until a
    corrected ExecutionRecord version arrives (the next month reads the current one)."""
    audit(ctx.instance, None, "data_error",
          title=f"{ctx.data.get('month')} 月执行数据有误：累计执行数超过全年预算，本月不作预警",
          detail={"month": ctx.data.get("month"), "executed_cum_wan": str(ctx.data.get("executed_cum_wan")),
                  "annual_budget_wan": str(ctx.data.get("annual_budget_wan"))})


@hooks.service("p3.flag_overdue", params={"step": "逾期的步骤", "due_iso": "截止时间"})
def flag_overdue(ctx: ServiceContext, step: str, due_iso: str) -> None:
    """A deadline timer fired while `step` is still open: its work items carry the deadline (the
    ledger shows 逾期, reminders and escalation follow) and are marked 紧急."""
    due = datetime.fromisoformat(due_iso)
    db.session.execute(update(HumanTask).where(
        HumanTask.instance_id == ctx.instance.id, HumanTask.task_name == step,
        HumanTask.status.in_(("READY", "WAITING"))).values(due_at=due, priority=1))
    audit(ctx.instance, None, "overdue", title=f"{step} 已逾期（期限 {due.date().isoformat()}）",
          detail={"step": step, "due": due_iso})
