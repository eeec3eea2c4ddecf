"""CA-5 重点监控 (processes §5.2, workflows/common/ca5_key_monitoring.bpmn): the performance division
chooses who tracks a key-monitoring project (the evaluation center, or a third party engaged through
CA-2), the tracker records the desk or on-site check on F-12 — a MonitoringRecord of kind KEY for the
warning's month — and its recommendation (an F-11 decision) goes back to the caller, where it opens
the fund division's F-11."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.models import MonitoringRecord, MonitoringWarning
from budget.shared.lookups import as_uuid, username, year_of
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db
from engine.base.hooks import ServiceContext, TaskCompleted

LEVELS = {"YELLOW": "黄色预警", "RED": "红色预警"}
TRACK_FIELDS = ("method", "visit_date", "findings", "root_causes", "root_cause_text",
                "forecast_exec_rate_year_end", "forecast_core_indicators", "recommendation", "km_attachments")


def warning_of(raw: Any) -> MonitoringWarning | None:
    return db.session.get(MonitoringWarning, as_uuid(raw)) if raw else None


def summary(warning: MonitoringWarning | None) -> str:
    """One sentence on the warning the monitoring follows up."""
    if warning is None:
        return "未关联预警（由资金管理处或绩效管理处直接安排的重点监控）"
    reasons = "；".join(warning.reasons or [])
    return (f"{warning.fiscal_year}年{warning.month}月 {LEVELS.get(warning.level, warning.level)}"
            f"{'（重点监控）' if warning.key_monitoring else ''}：执行率 {warning.exec_rate}%，"
            f"时间进度 {warning.time_progress}%，滞后 {warning.lag_pp} 个百分点"
            + (f"。原因：{reasons}" if reasons else ""))


@hooks.service("common.km_prepare", params={
    "project_year_id": "项目年度", "warning_id": "监控预警"}, returns=("project_id", "dept_code", "km_summary", "km_recommendation"))
def km_prepare(ctx: ServiceContext, project_year_id: str, warning_id: Any = None) -> dict[str, Any]:
    py = year_of({"project_year_id": project_year_id})
    return {"project_id": str(py.project_id), "dept_code": py.project.department.code,
            "km_summary": summary(warning_of(warning_id)), "km_recommendation": None}


def _source_record(py_id: Any, warning: MonitoringWarning | None) -> MonitoringRecord | None:
    """The monthly figures the KEY record repeats: the warning's own record, else the latest one."""
    if warning is not None:
        return db.session.get(MonitoringRecord, warning.monitoring_record_id)
    return db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == py_id, MonitoringRecord.kind == "AUTO_EXECUTION")
        .order_by(MonitoringRecord.period_month.desc())).first()


@hooks.task_handler("common.record_key_monitoring")
def record_key_monitoring(event: TaskCompleted) -> None:
    """F-12 track at `ut_km_track_center` / `ut_km_track_tp`: the KEY monitoring record of the
    month (one per month: a second check that month replaces the first's findings)."""
    py = year_of(event.data, lock=True)
    warning = warning_of(event.data.get("warning_id"))
    source = _source_record(py.id, warning)
    month = warning.month if warning else (source.period_month if source else 0)
    if not 1 <= month <= 12:
        raise ValueError("该项目年度尚无监控记录，无法登记重点监控")
    record = db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == py.id, MonitoringRecord.period_month == month,
        MonitoringRecord.kind == "KEY")).first()
    if record is None:
        record = MonitoringRecord(project_year_id=py.id, fiscal_year=py.fiscal_year, period_month=month, kind="KEY",
                                  created_by=username(event.actor))
        db.session.add(record)
    budget = py.adjusted or py.arranged or Decimal(0)
    for name in ("annual_budget", "executed_cum", "exec_rate", "time_progress", "lag_pp", "execution_version",
                 "warning_level", "recovery_review"):
        setattr(record, name, getattr(source, name) if source else None)
    if source is None:
        record.annual_budget, record.executed_cum = budget, py.executed or Decimal(0)
        record.exec_rate = record.time_progress = record.lag_pp = Decimal(0)
    sub = event.submission
    record.key_monitoring, record.status = True, "SUBMITTED"
    record.details = plain({
        **{k: sub.get(k) for k in TRACK_FIELDS}, "performer": event.task.lane, "tracked_by": username(event.actor),
        "warning_id": str(warning.id) if warning else None,
    })
    record.unit_explanation = sub.get("root_cause_text")
    record.instance_id, record.updated_by = str(event.instance.id), username(event.actor)
