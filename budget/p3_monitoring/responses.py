"""The people's steps of P3 (processes §5.5 rows 5, 6, 10, 11; forms F-09, F-10): the unit's
monitoring report and the department's check, the unit's explanation (YELLOW) or corrective plan
(RED) and the department's confirmation.
Each writes its record and, for reviews, its opinion."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from budget.calc import monitoring as calc
from budget.calc.money import wan_to_yuan
from budget.models import MonitoringRecord
from budget.p3_monitoring.records import record, warning_of, year_of
from budget.shared.lookups import as_uuid, username
from budget.shared.opinions import add_opinion
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db
from engine.base.hooks import ErrorsByField, TaskCompleted

MONITORING = "MONITORING"  # review_opinion.object_type of a monitoring record (F-09 / F-10 reviews)


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None


def check_unit_report(event: TaskCompleted) -> ErrorsByField:
    """F-09: executed to date ≤ expected full-year execution (≤ budget: the form's bound); one row
    per indicator of the target in force; no negative achieved value."""
    sub, data = event.submission, event.data
    errors: ErrorsByField = {}
    executed = data.get("executed_cum_wan")
    if executed is not None and sub["expected_full_year_exec"] < Decimal(executed):
        errors["expected_full_year_exec"] = [f"不得低于累计执行数 {calc.two(Decimal(executed))} 万元"]
    rows, grid = sub.get("indicator_progress") or [], data.get("report_indicators") or []
    if len(rows) != len(grid):
        errors["indicator_progress"] = [f"应逐项填报全部 {len(grid)} 个绩效指标"]
    for i, row in enumerate(rows):
        value = _decimal(row.get("cum_actual"))
        if value is not None and value < 0:
            errors[f"indicator_progress.{i}.cum_actual"] = ["累计完成值不得为负数"]
    if len(sub.get("cost_tracking") or []) != len(data.get("cost_indicators") or []) and data.get("is_cost_month"):
        errors["cost_tracking"] = ["应逐项填报全部成本指标的实际单位成本"]
    return errors


@hooks.task_handler("p3.record_unit_report", check=check_unit_report)
def record_unit_report(event: TaskCompleted) -> None:
    """F-09 edit at `ut_p3_unit_report`: the month's TARGET_REPORT record (and COST in a cost month)
    with the figures of the AUTO_EXECUTION record it was opened with."""
    data, sub = event.data, event.submission
    py = year_of(data, lock=True)
    month = int(data["month"])
    auto = record(py.id, month)
    progress = [{**{k: g.get(k) for k in ("indicator_id", "name")}, **row}
                for g, row in zip(data.get("report_indicators") or [], sub.get("indicator_progress") or [],
                                  strict=False)]
    report = _report(py.id, py.fiscal_year, month, "TARGET_REPORT", auto)
    report.expected_full_year_exec = wan_to_yuan(sub["expected_full_year_exec"])
    report.indicator_progress, report.unit_explanation = plain(progress), sub.get("exec_explanation")
    report.status, report.instance_id = "SUBMITTED", str(event.instance.id)
    if data.get("is_cost_month"):
        rows = [{"indicator_id": t["indicator_id"], "name": t["name"], "target_value": t["target_value"],
                 "actual_unit_cost": r["actual_unit_cost"],
                 "overrun_pct": calc.overrun_pct(r["actual_unit_cost"], t["target_value"])}
                for t, r in zip(data.get("cost_indicators") or [], sub.get("cost_tracking") or [], strict=False)]
        cost = _report(py.id, py.fiscal_year, month, "COST", auto)
        cost.cost_tracking, cost.status, cost.instance_id = plain(rows), "SUBMITTED", str(event.instance.id)
        cost.details = plain({"service_standard_status": sub.get("service_standard_status"),
                              "spending_standard_compliance": sub.get("spending_standard_compliance"),
                              "spending_standard_note": sub.get("spending_standard_note")})


def _report(py_id: Any, fiscal_year: int, month: int, kind: str, auto: MonitoringRecord) -> MonitoringRecord:
    row = record(py_id, month, kind) or MonitoringRecord(project_year_id=py_id, fiscal_year=fiscal_year,
                                                         period_month=month, kind=kind)
    row.annual_budget, row.executed_cum, row.execution_version = auto.annual_budget, auto.executed_cum, \
        auto.execution_version
    row.exec_rate, row.time_progress, row.lag_pp = auto.exec_rate, auto.time_progress, auto.lag_pp
    db.session.add(row)
    return row


@hooks.task_handler("p3.record_dept_check")
def record_dept_check(event: TaskCompleted) -> None:
    """F-09 review at `ut_p3_dept_check`: the department confirms the report (DEPT_CONFIRMED) or
    returns it to the unit."""
    py = year_of(event.data)
    month = int(event.data["month"])
    for kind in ("TARGET_REPORT", "COST"):
        row = record(py.id, month, kind)
        if row is not None:
            row.status = "DEPT_CONFIRMED" if event.submission.get("verdict") == "APPROVE" else "PENDING_UNIT"
    report = record(py.id, month, "TARGET_REPORT")
    add_opinion(event, MONITORING, report.id if report else py.id)


def check_explanation(event: TaskCompleted) -> ErrorsByField:
    """F-10: every measure due by Dec 31 of the fiscal year."""
    year_end = date(int(event.data["fiscal_year"]), 12, 31)
    return {f"measures.{i}.due_date": [f"完成时限不得晚于 {year_end.isoformat()}"]
            for i, m in enumerate(event.submission.get("measures") or []) if m["due_date"] > year_end}


@hooks.task_handler("p3.record_explanation", check=check_explanation)
def record_explanation(event: TaskCompleted) -> None:
    """F-10 explain / corrective: the warning's response (EXPLAINED / CORRECTIVE_PLAN) and the
    month's record with the unit's explanation and measures."""
    sub, data = event.submission, event.data
    warning = warning_of(data)
    corrective = event.form_mode == "corrective"
    if warning is not None:
        warning.response = "CORRECTIVE_PLAN" if corrective else "EXPLAINED"
        warning.decided_by = username(event.actor)
    auto = db.session.get(MonitoringRecord, as_uuid(data["monitoring_record_id"]))
    auto.unit_explanation = sub["explanation"]
    auto.measures = "\n".join(f"{m['measure']}（{m['owner']}，{m['due_date'].isoformat()} 前）"
                              for m in sub.get("measures") or []) or None
    auto.status = "SUBMITTED"
    auto.details = plain({**(auto.details or {}), "cause_categories": sub.get("cause_categories"),
                          "expected_exec_next_month": sub.get("expected_exec_next_month"),
                          "request": sub.get("request")})


@hooks.task_handler("p3.record_dept_confirm")
def record_dept_confirm(event: TaskCompleted) -> None:
    """F-10 review at `ut_p3_dept_confirm`: the department confirms the explanation or plan (and
    says whether the measures are adequate: `unit_response_ok`, which DT-07 reads next month) or
    returns it to the unit."""
    data, sub = event.data, event.submission
    auto = db.session.get(MonitoringRecord, as_uuid(data["monitoring_record_id"]))
    approved = sub.get("verdict") == "APPROVE"
    auto.status = "DEPT_CONFIRMED" if approved else "PENDING_UNIT"
    auto.details = plain({**(auto.details or {}), "unit_response_ok": sub.get("unit_response_ok")})
    add_opinion(event, MONITORING, auto.id)
