"""P3's year around the months (processes §5.5 rows 13–15 and the event sub-processes): whether the
year goes on, the close with the year's statistics, a project completed early."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.models import MonitoringRecord
from budget.p3_monitoring.monthly import budget_of, executed_of
from budget.p3_monitoring.records import stats, year_of
from budget.shared.helpers import today
from budget.shared.lookups import username
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext


@hooks.service("p3.year_state", returns=("completed_early",))
def year_state(ctx: ServiceContext) -> dict[str, Any]:
    """`gw_p3_continue` reads it: the completion recorded by the event sub-process (its own data
    does not flow back into the months' path, the project-year does)."""
    return {"completed_early": bool((year_of(ctx.data).execution_stats or {}).get("completed_early"))}


@hooks.service("p3.mark_completed_early", params={"completion_date": "完成日期"})
def mark_completed_early(ctx: ServiceContext, completion_date: Any = None) -> None:
    py = year_of(ctx.data, lock=True)
    day = date.fromisoformat(completion_date) if isinstance(completion_date, str) and completion_date else today()
    stats(py, completed_early=day.isoformat(), completed_early_by=username(ctx.actor))


@hooks.service("p3.close", returns=("had_red", "final_exec_rate"))
def close(ctx: ServiceContext) -> dict[str, Any]:
    """`st_p3_close`: EXECUTION_CLOSED, the year executed (the last month's cumulative payment) and
    its statistics — had a RED warning, key-monitoring count, final execution rate, idle balance."""
    py = year_of(ctx.data, lock=True)
    month = int(ctx.data.get("month") or 12)
    executed, _version, _from = executed_of(py.id, month)
    budget = budget_of(py)
    rate = calc.execution(executed, budget, Decimal(0)).exec_rate
    had_red = db.session.scalar(select(MonitoringRecord.id).where(
        MonitoringRecord.project_year_id == py.id, MonitoringRecord.warning_level == "RED").limit(1)) is not None
    py.cycle_status, py.executed, py.updated_by = "EXECUTION_CLOSED", executed, "system"
    stats(py, had_red_warning=had_red, final_exec_rate=str(rate), idle_balance=str(max(budget - executed, Decimal(0))),
          key_monitoring_count=int((py.execution_stats or {}).get("key_monitoring_count", 0)),
          closed_month=month, closed_on=today().isoformat())
    return {"had_red": had_red, "final_exec_rate": rate}
