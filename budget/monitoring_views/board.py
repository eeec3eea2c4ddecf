"""预警看板 V-05 and `GET /api/v1/warnings`: a month's warnings in the viewer's scope, most severe
first (RED before YELLOW, key monitoring first, then the largest lag), the counts by level, and per
row of a page the year's execution series (sparkline), the worst possibility and the cost overrun
of the latest target report — one query each for the whole page, never one per row."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select

from budget.models import MonitoringRecord, MonitoringWarning, Project
from budget.monitoring_views.scoped import scoped
from budget.shared.monitoring_names import POSSIBILITY_RANK
from engine.base.db import db
from engine.base.paging import Page, count

REPORT_KINDS = ("TARGET_REPORT", "COST")


@dataclass(frozen=True)
class WarningFilters:
    year: int | None = None
    month: int | None = None
    dept: str = ""  # department code
    level: str = ""  # RED / YELLOW
    key_only: bool = False
    project_code: str = ""


def latest_month(user: Any, year: int | None = None) -> tuple[int, int] | None:
    """(year, month) of the newest monthly execution record the user may see (of `year` if given):
    walks ix_monitoring_record_kind_year_month from the top until a record in scope."""
    query, _ = scoped(select(MonitoringRecord.fiscal_year, MonitoringRecord.period_month),
                      MonitoringRecord.project_year_id, user)
    query = query.where(MonitoringRecord.kind == "AUTO_EXECUTION")
    if year:
        query = query.where(MonitoringRecord.fiscal_year == year)
    found = db.session.execute(query.order_by(MonitoringRecord.fiscal_year.desc(),
                                              MonitoringRecord.period_month.desc()).limit(1)).first()
    return (found[0], found[1]) if found else None


def warnings_query(user: Any, f: WarningFilters, *, with_level: bool = True) -> Select:
    """Warnings in scope matching `f`, ordered most severe first; `with_level=False` leaves the
    level and key filters out (the counts by level are over the rest of the filters)."""
    query, j = scoped(select(MonitoringWarning), MonitoringWarning.project_year_id, user)
    query = query.add_columns(Project.code, Project.name, j.dept.code, j.dept.name)
    if f.year:
        query = query.where(MonitoringWarning.fiscal_year == f.year)
    if f.month:
        query = query.where(MonitoringWarning.month == f.month)
    if f.dept:
        query = query.where(j.dept.code == f.dept)
    if f.project_code:
        query = query.where(Project.code == f.project_code)
    if with_level and f.level:
        query = query.where(MonitoringWarning.level == f.level)
    if with_level and f.key_only:
        query = query.where(MonitoringWarning.key_monitoring.is_(True))
    return query.order_by(
        MonitoringWarning.fiscal_year.desc(), MonitoringWarning.month.desc(),
        case((MonitoringWarning.level == "RED", 0), else_=1), MonitoringWarning.key_monitoring.desc(),
        MonitoringWarning.lag_pp.desc(), Project.code, MonitoringWarning.id)


def warnings_page(user: Any, f: WarningFilters, page: int, per_page: int,
                  total: int | None = None) -> Page[dict[str, Any]]:
    """A page of warnings as rows (codes and figures; the API's list); `total` when already known."""
    query = warnings_query(user, f)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([_row(*r) for r in rows], count(query) if total is None else total, page, per_page)


def board(user: Any, f: WarningFilters, page: int, per_page: int, today: date) -> Page[dict[str, Any]]:
    """The warning board's page: rows with their series and report figures; `extra` holds the
    counts by level over the month (whatever the level filter) and how many were monitored."""
    counts = level_counts(user, f)
    unfiltered = not f.level and not f.key_only  # then the counts already say how many rows
    found = warnings_page(user, f, page, per_page, counts["RED"] + counts["YELLOW"] if unfiltered else None)
    ids = [uuid.UUID(r["project_year_id"]) for r in found.items]
    series = _series(ids, f.year)
    reports = _latest_reports(ids, f.year, f.month)
    for row in found.items:
        py = uuid.UUID(row["project_year_id"])
        row["series"] = series.get(py, [])
        row.update(reports.get(py, {"worst_possibility": None, "max_cost_overrun": None}))
        row["response_state"] = response_state(row, today)
    return Page(found.items, found.total, found.page, found.per_page,
                {"counts": counts, "monitored": monitored_count(user, f)})


def level_counts(user: Any, f: WarningFilters) -> dict[str, int]:
    base = warnings_query(user, f, with_level=False).order_by(None).subquery()
    rows = db.session.execute(select(base.c.level, func.count(), func.count().filter(base.c.key_monitoring))
                              .group_by(base.c.level)).all()
    counts = {"RED": 0, "YELLOW": 0, "KEY": 0}
    for level, n, key in rows:
        counts[level] = n
        counts["KEY"] += key
    return counts


def month_counts(user: Any, year: int | None, dept: str = "") -> dict[tuple[int, str], int]:
    """{(month, level): warnings} over the year in scope (the board's trend chart)."""
    base = warnings_query(user, WarningFilters(year=year, dept=dept), with_level=False).order_by(None).subquery()
    rows = db.session.execute(select(base.c.month, base.c.level, func.count()).group_by(base.c.month, base.c.level))
    return {(m, lv): n for m, lv, n in rows}


def monitored_count(user: Any, f: WarningFilters) -> int:
    """Project-years with a monthly execution record for the month (the board's denominator)."""
    query, j = scoped(select(func.count()), MonitoringRecord.project_year_id, user)
    query = query.where(MonitoringRecord.kind == "AUTO_EXECUTION")
    if f.year:
        query = query.where(MonitoringRecord.fiscal_year == f.year)
    if f.month:
        query = query.where(MonitoringRecord.period_month == f.month)
    if f.dept:
        query = query.where(j.dept.code == f.dept)
    if f.project_code:
        query = query.where(Project.code == f.project_code)
    return db.session.scalar(query) or 0


def response_state(row: dict[str, Any], today: date) -> str | None:
    """CLOSED, or OPEN/OVERDUE while nobody has responded; None once a response is recorded."""
    if row["closed_at"]:
        return "CLOSED"
    if row["response"]:
        return None
    due = row["response_due"]
    return "OVERDUE" if due is not None and due < today else "OPEN"


def _row(w: MonitoringWarning, code: str, name: str, dept: str, dept_name: str) -> dict[str, Any]:
    return {
        "id": str(w.id), "project_year_id": str(w.project_year_id), "project_code": code, "project_name": name,
        "department": dept, "department_name": dept_name, "year": w.fiscal_year, "month": w.month,
        "level": w.level, "key_monitoring": w.key_monitoring, "recovery_review": w.recovery_review,
        "rule_row": w.rule_row, "reasons": list(w.reasons or []), "lag_pp": w.lag_pp, "exec_rate": w.exec_rate,
        "time_progress": w.time_progress, "suggested_response": w.suggested_response,
        "consecutive_count": w.consecutive_count, "raised_at": w.raised_at, "response_due": w.response_due,
        "response": w.response, "decided_by": w.decided_by, "closed_at": w.closed_at,
    }


def _series(ids: list[uuid.UUID], year: int | None) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each project-year's monthly execution records (month, exec %, time %), oldest first."""
    if not ids:
        return {}
    query = (select(MonitoringRecord.project_year_id, MonitoringRecord.period_month, MonitoringRecord.exec_rate,
                    MonitoringRecord.time_progress)
             .where(MonitoringRecord.project_year_id.in_(ids), MonitoringRecord.kind == "AUTO_EXECUTION")
             .order_by(MonitoringRecord.project_year_id, MonitoringRecord.period_month))
    if year:
        query = query.where(MonitoringRecord.fiscal_year == year)
    out: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for py, month, rate, progress in db.session.execute(query):
        out[py].append({"month": month, "exec_rate": rate, "time_progress": progress})
    return out


def _latest_reports(ids: list[uuid.UUID], year: int | None, month: int | None) -> dict[uuid.UUID, dict[str, Any]]:
    """Worst 完成目标可能性 and largest cost overrun of each project-year's latest target/cost
    report up to `month` (a report stands until the next one)."""
    if not ids:
        return {}
    query = (select(MonitoringRecord.project_year_id, MonitoringRecord.period_month, MonitoringRecord.kind,
                    MonitoringRecord.indicator_progress, MonitoringRecord.cost_tracking)
             .where(MonitoringRecord.project_year_id.in_(ids), MonitoringRecord.kind.in_(REPORT_KINDS))
             .order_by(MonitoringRecord.period_month))
    if year:
        query = query.where(MonitoringRecord.fiscal_year == year)
    if month:
        query = query.where(MonitoringRecord.period_month <= month)
    possibility: dict[uuid.UUID, str | None] = {}
    overrun: dict[uuid.UUID, Decimal | None] = {}
    for py, _month, _kind, progress, costs in db.session.execute(query):
        if progress:  # the newest report replaces the older one
            possibility[py] = worst_possibility(progress)
        if costs:
            overrun[py] = max_overrun(costs)
    return {py: {"worst_possibility": possibility.get(py), "max_cost_overrun": overrun.get(py)}
            for py in set(possibility) | set(overrun)}


def worst_possibility(progress: list[dict[str, Any]]) -> str | None:
    found = [p.get("possibility") for p in progress if p.get("possibility") in POSSIBILITY_RANK]
    return max(found, key=POSSIBILITY_RANK.__getitem__) if found else None


def max_overrun(costs: list[dict[str, Any]]) -> Decimal | None:
    found = [Decimal(str(c["overrun_pct"])) for c in costs if c.get("overrun_pct") is not None]
    return max(found) if found else None
