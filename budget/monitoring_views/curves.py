"""双监控 V-06: the year's execution curve against time progress per department (Σ paid ÷ Σ budget
of its project-years with a record that month) and per project, and the key-monitoring list (each
project-year under key monitoring this year, with its latest warning)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from budget.models import MonitoringRecord, MonitoringWarning, Project
from budget.monitoring_views.board import WarningFilters, warnings_query
from budget.monitoring_views.scoped import scoped
from engine.base.db import db

HUNDRED = Decimal(100)


def department_curves(user: Any, year: int, dept: str = "") -> list[dict[str, Any]]:
    """[{dept, dept_name, months, exec_rate, time_progress, projects}] for the departments in scope
    with monthly records in `year`; rates in % with 2 dp, one entry per month that has data."""
    query, j = scoped(select(MonitoringRecord.period_month), MonitoringRecord.project_year_id, user)
    query = (query.add_columns(j.dept.code, j.dept.name, func.sum(MonitoringRecord.executed_cum),
                               func.sum(MonitoringRecord.annual_budget), func.max(MonitoringRecord.time_progress),
                               func.count())
             .where(MonitoringRecord.kind == "AUTO_EXECUTION", MonitoringRecord.fiscal_year == year)
             .group_by(j.dept.code, j.dept.name, MonitoringRecord.period_month)
             .order_by(j.dept.code, MonitoringRecord.period_month))
    if dept:
        query = query.where(j.dept.code == dept)
    out: dict[str, dict[str, Any]] = {}
    for month, code, name, paid, budget, progress, n in db.session.execute(query):
        curve = out.setdefault(code, {"dept": code, "dept_name": name, "months": [], "exec_rate": [],
                                      "time_progress": [], "projects": 0})
        curve["months"].append(month)
        curve["exec_rate"].append((paid * HUNDRED / budget).quantize(Decimal("0.01")) if budget else Decimal(0))
        curve["time_progress"].append(progress)
        curve["projects"] = max(curve["projects"], n)
    return list(out.values())


def project_curves(user: Any, year: int, dept: str = "", project_code: str = "",
                   limit: int = 200) -> list[dict[str, Any]]:
    """[{code, name, dept, months, exec_rate, time_progress, lag_pp}] of the project-years in scope
    (at most `limit`, by code): each project's own curve."""
    query, j = scoped(select(Project.code, Project.name, MonitoringRecord.period_month), MonitoringRecord.project_year_id,
                      user)
    query = (query.add_columns(j.dept.code, MonitoringRecord.exec_rate, MonitoringRecord.time_progress,
                               MonitoringRecord.lag_pp)
             .where(MonitoringRecord.kind == "AUTO_EXECUTION", MonitoringRecord.fiscal_year == year)
             .order_by(Project.code, MonitoringRecord.period_month))
    if dept:
        query = query.where(j.dept.code == dept)
    if project_code:
        query = query.where(Project.code == project_code)
    codes = list(db.session.scalars(query.with_only_columns(Project.code).distinct().order_by(None).order_by(Project.code)
                                    .limit(limit)))
    query = query.where(Project.code.in_(codes))
    out: dict[str, dict[str, Any]] = {}
    for code, name, month, dept_code, rate, progress, lag in db.session.execute(query):
        curve = out.setdefault(code, {"code": code, "name": name, "dept": dept_code, "months": [], "exec_rate": [],
                                      "time_progress": [], "lag_pp": []})
        curve["months"].append(month)
        curve["exec_rate"].append(rate)
        curve["time_progress"].append(progress)
        curve["lag_pp"].append(lag)
    return list(out.values())


def key_monitoring(user: Any, year: int, dept: str = "") -> list[dict[str, Any]]:
    """Project-years under key monitoring in `year`: the months it was raised and the latest
    warning's figures, response and consecutive count."""
    base = warnings_query(user, WarningFilters(year=year, dept=dept)).order_by(None)
    keyed = base.where(MonitoringWarning.key_monitoring.is_(True)).with_only_columns(
        MonitoringWarning.project_year_id, MonitoringWarning.month)
    months: dict[Any, list[int]] = defaultdict(list)
    for py, month in db.session.execute(keyed.order_by(MonitoringWarning.month)):
        months[py].append(month)
    if not months:
        return []
    latest = (base.where(MonitoringWarning.project_year_id.in_(list(months)))
              .order_by(MonitoringWarning.project_year_id, MonitoringWarning.month.desc())
              .distinct(MonitoringWarning.project_year_id))
    rows = []
    for w, code, name, dept_code, dept_name in db.session.execute(latest):
        rows.append({"project_code": code, "project_name": name, "department": dept_code, "department_name": dept_name,
                     "key_months": months[w.project_year_id], "month": w.month, "level": w.level,
                     "key_monitoring": w.key_monitoring, "lag_pp": w.lag_pp, "exec_rate": w.exec_rate,
                     "time_progress": w.time_progress, "consecutive_count": w.consecutive_count,
                     "response": w.response, "reasons": list(w.reasons or [])})
    return sorted(rows, key=lambda r: (-r["lag_pp"], r["project_code"]))
