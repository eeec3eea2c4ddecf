"""绩效监控表 X-03 (views.md §7.2): per project-year as of a month (1–7月 by default) — annual
budget, paid to date, execution rate, expected full-year payment — and per indicator of its issued
target: 一级/二级/三级, 年度指标值, 完成值 to date, 全年预计完成值, 偏差原因 ticks, 完成目标可能性,
纠偏措施, from the latest target report up to that month. Three queries per batch of project-years."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from budget.calc.adjustment import OPERATORS
from budget.models import Indicator, MonitoringRecord, PerformanceTarget, Project, ProjectYear
from budget.monitoring_views.scoped import scoped
from engine.base.db import db
from engine.base.paging import count
from forms.indicators import L1_LABELS, L2_LABELS

DEFAULT_MONTH = 7  # CORE reports Jan–Jul in August (processes §5.5 target_report_months)


@dataclass(frozen=True)
class X03Filters:
    year: int
    month: int = DEFAULT_MONTH
    dept: str = ""
    project_code: str = ""


def _selection(user: Any, f: X03Filters) -> Select:
    query, j = scoped(select(MonitoringRecord, ProjectYear.target_id, Project.code, Project.name),
                      MonitoringRecord.project_year_id, user)
    query = query.add_columns(j.dept.name).where(
        MonitoringRecord.kind == "AUTO_EXECUTION", MonitoringRecord.fiscal_year == f.year,
        MonitoringRecord.period_month == f.month)
    if f.dept:
        query = query.where(j.dept.code == f.dept)
    if f.project_code:
        query = query.where(Project.code == f.project_code)
    return query.order_by(j.dept.code, Project.code)


def x03_count(user: Any, f: X03Filters) -> int:
    return count(_selection(user, f))


def x03_rows(user: Any, f: X03Filters, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """One batch of the table's project-years (ordered by department and code)."""
    found = db.session.execute(_selection(user, f).limit(limit).offset(offset)).all()
    ids = [r[0].project_year_id for r in found]
    reports = _reports(ids, f)
    indicators = _indicators(ids, {r[0].project_year_id: r[1] for r in found})
    return [_row(rec, code, name, dept_name, reports.get(rec.project_year_id), indicators.get(rec.project_year_id, []))
            for rec, _target, code, name, dept_name in found]


def x03_all(user: Any, f: X03Filters, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every project-year of the selection, fetched `batch` at a time (the export streams them)."""
    offset = 0
    while rows := x03_rows(user, f, batch, offset):
        yield from rows
        offset += batch


def _reports(ids: list[uuid.UUID], f: X03Filters) -> dict[uuid.UUID, MonitoringRecord]:
    """The latest TARGET_REPORT up to the month of each project-year."""
    if not ids:
        return {}
    query = (select(MonitoringRecord).where(
        MonitoringRecord.project_year_id.in_(ids), MonitoringRecord.kind == "TARGET_REPORT",
        MonitoringRecord.fiscal_year == f.year, MonitoringRecord.period_month <= f.month)
        .order_by(MonitoringRecord.project_year_id, MonitoringRecord.period_month.desc())
        .distinct(MonitoringRecord.project_year_id))
    return {r.project_year_id: r for r in db.session.scalars(query)}


def _indicators(ids: list[uuid.UUID], issued: dict[uuid.UUID, uuid.UUID | None]) -> dict[uuid.UUID, list[Indicator]]:
    """The indicators of each project-year's issued target (ProjectYear.target_id), else its latest version."""
    if not ids:
        return {}
    latest = (select(PerformanceTarget.project_year_id, PerformanceTarget.id)
              .where(PerformanceTarget.project_year_id.in_(ids))
              .order_by(PerformanceTarget.project_year_id, PerformanceTarget.version_no.desc())
              .distinct(PerformanceTarget.project_year_id))
    target_of = {py: t for py, t in db.session.execute(latest)}
    target_of.update({py: t for py, t in issued.items() if t is not None})
    by_target: dict[uuid.UUID, list[Indicator]] = {t: [] for t in target_of.values()}
    if by_target:
        for ind in db.session.scalars(select(Indicator).where(Indicator.target_id.in_(list(by_target)))
                                      .order_by(Indicator.target_id, Indicator.seq)):
            by_target[ind.target_id].append(ind)
    return {py: by_target[t] for py, t in target_of.items()}


def _row(rec: MonitoringRecord, code: str, name: str, dept_name: str, report: MonitoringRecord | None,
         indicators: list[Indicator]) -> dict[str, Any]:
    progress = {p.get("indicator_id"): p for p in (report.indicator_progress if report else [])}
    return {
        "project_code": code, "project_name": name, "department_name": dept_name, "month": rec.period_month,
        "annual_budget": rec.annual_budget, "executed_cum": rec.executed_cum, "exec_rate": rec.exec_rate,
        "expected_full_year_exec": report.expected_full_year_exec if report else None,
        "report_month": report.period_month if report else None,
        "indicators": [_indicator(i, progress.get(str(i.id), {})) for i in indicators],
    }


def _indicator(i: Indicator, p: dict[str, Any]) -> dict[str, Any]:
    value = (f"{OPERATORS.get(i.operator, '')}{i.target_value.normalize():f}" if i.target_value is not None
             else (i.target_text or ""))
    return {"l1": i.l1, "l1_label": L1_LABELS.get(i.l1, i.l1), "l2": i.l2, "l2_label": L2_LABELS.get(i.l2, i.l2),
            "name": i.name, "target": value + (i.unit or ""),
            "cum_actual": p.get("cum_actual"), "expected_full_year": p.get("expected_full_year"),
            "causes": list(p.get("deviation_causes") or []), "possibility": p.get("possibility"),
            "cause_text": p.get("cause_text") or "", "measures": p.get("measures") or ""}
