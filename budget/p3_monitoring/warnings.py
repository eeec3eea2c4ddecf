"""`st_p3_counters` (processes §5.5 row 8): after DT-06 and DT-07, the month's level on its record
and, when not GREEN, the MonitoringWarning row — level, DT-06 row, every matching reason (COLLECT),
DT-07's suggestion, months in a row at RED, and for YELLOW the 5-working-day response deadline."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.models import MonitoringWarning
from budget.p3_monitoring.records import record, stats, year_of
from budget.shared.lookups import as_uuid
from engine.base import hooks
from engine.base.db import db, utcnow
from engine.base.hooks import ServiceContext
from engine.time.calendar import deadline

LEVEL_NAMES = {"GREEN": "绿色", "YELLOW": "黄色预警", "RED": "红色预警"}
REASON_NAMES = {
    "SD_KEY_40PP": "重大项目 6–9 月执行进度慢于时间进度 40 个百分点以上（重点监控）",
    "TARGET_IMPOSSIBLE": "有绩效目标完全不可能完成", "YEAR_END_RISK": "10 月起执行率低于 50%，年底可能无法支出",
    "LAG_30": "执行进度慢于时间进度 30 个百分点以上", "COST_OVERRUN_20": "成本超支 20% 以上",
    "TARGET_AT_RISK": "有绩效目标有可能无法完成", "LAG_15": "执行进度慢于时间进度 15 个百分点以上",
    "COST_OVERRUN_10": "成本超支 10% 以上", "OK": "正常",
}
SUGGESTION_NAMES = {
    "KEY_MONITORING": "重点监控（财政或第三方跟踪核查）", "PROPOSE_RECOVER_OR_REALLOCATE": "建议收回、调剂或调减预算",
    "PROPOSE_PAYMENT_HOLD": "建议暂缓或停止拨款", "REQUIRE_CORRECTIVE_PLAN": "单位提交纠偏措施，资金管理处跟进处置",
    "REQUIRE_EXPLANATION": "单位在 5 个工作日内说明原因", "NONE": "无需处置",
}
WARNING_RETURNS = ("warning_id", "response_due_iso", "warning_summary", "suggestion_label")


def summary(month: int, level: str, reasons: list[str], exec_rate: Any, progress: Any, lag: Any) -> str:
    because = "；".join(REASON_NAMES.get(r, r) for r in reasons)
    return (f"{month} 月{LEVEL_NAMES.get(level, level)}：{because}。执行率 {calc.two(exec_rate)}%，"
            f"时间进度 {calc.two(progress)}%，慢于时间进度 {calc.two(lag)} 个百分点。")


@hooks.service("p3.record_warning", returns=WARNING_RETURNS)
def record_warning(ctx: ServiceContext) -> dict[str, Any]:
    data = ctx.data
    py = year_of(data, lock=True)
    month, level = int(data["month"]), data["level"]
    auto = record(py.id, month)
    auto.warning_level, auto.key_monitoring = level, bool(data.get("key_monitoring"))
    auto.recovery_review = bool(data.get("recovery_review"))
    reasons = list(data.get("warning_reasons") or []) or [data["reason"]]
    auto.details = {**(auto.details or {}), "reasons": reasons, "dt06_row": data.get("dt06_row"),
                    "suggested_response": data.get("suggested_response")}
    text = summary(month, level, reasons, data["exec_rate"], data["time_progress"], data["lag_pp"])
    out = {"warning_id": None, "response_due_iso": None, "warning_summary": text,
           "suggestion_label": SUGGESTION_NAMES.get(data.get("suggested_response"), data.get("suggested_response"))}
    if level == "GREEN":
        return out
    if level == "RED":
        stats(py, had_red_warning=True)
    if data.get("key_monitoring"):
        stats(py, key_monitoring_count=int((py.execution_stats or {}).get("key_monitoring_count", 0)) + 1)
    due_at = deadline(int(data.get("yellow_response_working_days") or 5)) if level == "YELLOW" else None
    warning = db.session.scalars(select(MonitoringWarning).where(
        MonitoringWarning.project_year_id == py.id, MonitoringWarning.month == month)).first() or MonitoringWarning(
        project_year_id=py.id, fiscal_year=py.fiscal_year, month=month)
    warning.monitoring_record_id = as_uuid(data["monitoring_record_id"])
    warning.level, warning.key_monitoring = level, bool(data.get("key_monitoring"))
    warning.recovery_review, warning.rule_row = bool(data.get("recovery_review")), int(data["dt06_row"])
    warning.reasons = reasons
    warning.lag_pp, warning.exec_rate = calc.two(data["lag_pp"]), calc.two(data["exec_rate"])
    warning.time_progress = calc.two(data["time_progress"])
    warning.suggested_response = data.get("suggested_response")
    warning.consecutive_count = int(data.get("consecutive_red") or 0) if level == "RED" else 1
    warning.raised_at, warning.instance_id = utcnow(), str(ctx.instance.id)
    warning.response_due = due_at.date() if due_at else None
    db.session.add(warning)
    db.session.flush()
    return {**out, "warning_id": str(warning.id), "response_due_iso": due_at.isoformat() if due_at else None}
