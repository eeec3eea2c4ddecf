"""资金管理处处置 `ut_p3_fund_followup` (F-11, processes §5.5 rows 11–12): what the fund division's
decision rests on (the last three monitoring records, the year's warnings, DT-07's suggestion, the
key-monitoring check) and what it writes — the warning's response, a payment hold the treasury sees
and releases (views.md §7.3: the department head, the unit head and the treasury are told), a
budget-adjustment request for RECOVER / REALLOCATE (≤ annual budget − executed), a rectification
request waiting for P7. The model's gateway reads `fin_decision` (the step's output)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc.money import wan_to_yuan, yuan_to_wan
from budget.models import (
    BudgetAdjustmentRequest,
    MonitoringRecord,
    MonitoringWarning,
    PaymentHold,
    ProjectYear,
    RectificationRequest,
)
from budget.models.monitoring import FUND_DECISIONS
from budget.p3_monitoring.warnings import REASON_NAMES
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid, username, year_of
from budget.shared.monitoring_names import RESPONSE_ZH
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext, TaskCompleted
from engine.work.opinions import notify
from engine.work.reminders import role_holders

DECISIONS = {code: RESPONSE_ZH[code] for code in FUND_DECISIONS}  # F-11 decision → its name
LEVELS = {"GREEN": "绿色", "YELLOW": "黄色", "RED": "红色"}
RESPONSES = {**DECISIONS, "EXPLAINED": "单位已说明原因", "CORRECTIVE_PLAN": "单位已提交纠偏措施"}
NO_SUGGESTION = "暂无系统建议（DT-07 未给出 F-11 可选的处置）"  # a sentence, not a bare 无 after 系统建议处置
HOLD_AUDIENCE = ("DEPT_HEAD", "UNIT_HEAD", "FIN_TREASURY")  # views.md §7.3: payment hold


def warning_of(data: dict[str, Any]) -> MonitoringWarning | None:
    raw = data.get("warning_id")
    return db.session.get(MonitoringWarning, as_uuid(raw)) if raw else None


def latest_figures(py: ProjectYear) -> tuple[Decimal, Decimal]:
    """(annual budget, executed to date) in 元: the latest monthly record, else the year's row."""
    record = db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == py.id, MonitoringRecord.kind == "AUTO_EXECUTION")
        .order_by(MonitoringRecord.period_month.desc())).first()
    if record is not None:
        return record.annual_budget, record.executed_cum
    return py.adjusted or py.arranged or Decimal(0), py.executed or Decimal(0)


def adjustable(py: ProjectYear) -> Decimal:
    budget, executed = latest_figures(py)
    return max(budget - executed, Decimal(0))


@hooks.service("p3.followup_context", params={"project_year_id": "项目年度", "warning_id": "监控预警"}, returns=(
    "recent_records", "warning_history", "fund_suggestion", "fund_suggestion_label", "key_monitoring_summary",
    "adjustable_wan"))
def followup_context(ctx: ServiceContext, project_year_id: str, warning_id: Any = None) -> dict[str, Any]:
    """What F-11 shows read-only, gathered as the step opens."""
    py = year_of({"project_year_id": project_year_id})
    records = db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == py.id, MonitoringRecord.kind == "AUTO_EXECUTION")
        .order_by(MonitoringRecord.period_month.desc()).limit(3)).all()
    warnings = db.session.scalars(select(MonitoringWarning).where(MonitoringWarning.project_year_id == py.id)
                                  .order_by(MonitoringWarning.month)).all()
    warning = warning_of({"warning_id": warning_id})
    suggestion = warning.suggested_response if warning and warning.suggested_response in DECISIONS else None
    key = None
    if warning is not None:
        key = db.session.scalars(select(MonitoringRecord).where(
            MonitoringRecord.project_year_id == py.id, MonitoringRecord.period_month == warning.month,
            MonitoringRecord.kind == "KEY")).first()
    return {
        "recent_records": [{"month": r.period_month, "exec_rate": r.exec_rate, "time_progress": r.time_progress,
                            "lag_pp": r.lag_pp, "level": LEVELS.get(r.warning_level or "", "")} for r in records],
        "warning_history": [{"month": w.month, "level": LEVELS.get(w.level, w.level),
                             "reasons": "；".join(REASON_NAMES.get(r, r) for r in w.reasons or []),
                             "response": RESPONSES.get(w.response or "", w.response or "待处置")} for w in warnings],
        "fund_suggestion": suggestion, "fund_suggestion_label": DECISIONS.get(suggestion or "", NO_SUGGESTION),
        "key_monitoring_summary": key_summary(key), "adjustable_wan": yuan_to_wan(adjustable(py)),
    }


def key_summary(record: MonitoringRecord | None) -> str | None:
    if record is None:
        return None
    d = record.details or {}
    findings = "；".join(f.get("finding", "") for f in d.get("findings") or [])
    return (f"{'实地' if d.get('method') == 'ONSITE' else '书面'}核查：{findings}。原因：{d.get('root_cause_text') or ''}。"
            f"预计年底执行率 {d.get('forecast_exec_rate_year_end')}%，建议："
            f"{DECISIONS.get(d.get('recommendation') or '', '—')}")


def check(event: TaskCompleted) -> dict[str, list[str]]:
    """What the form cannot know: the amount against today's figures, a hold date in the past."""
    sub, errors = event.submission, {}
    shown = event.data.get("adjustable_wan")  # the bound the form checked (as the step opened)
    if sub.get("decision") in ("RECOVER", "REALLOCATE") and sub.get("amount") is not None \
            and (shown is None or sub["amount"] <= shown):
        room = adjustable(year_of(event.data))
        if wan_to_yuan(sub["amount"]) > room:
            errors["amount"] = [f"不能大于年度预算减去累计支出 {yuan_to_wan(room):.2f} 万元（按最新执行数）"]
    if sub.get("decision") == "PAYMENT_HOLD" and sub.get("hold_until") and sub["hold_until"] < today():
        errors["hold_until"] = ["暂缓拨款截止日期不能早于今天"]
    return errors


@hooks.task_handler("p3.fund_followup", check=check)
def fund_followup(event: TaskCompleted) -> None:
    py = year_of(event.data, lock=True)
    warning = warning_of(event.data)
    sub, actor = event.submission, username(event.actor)
    decision, reason = sub["decision"], sub["reason"]
    instance_id = str(event.instance.id)
    common = {"project_year_id": py.id, "warning_id": warning.id if warning else None,
              "instance_id": instance_id, "created_by": actor}
    if warning is not None:
        warning.response, warning.decided_by, warning.updated_by = decision, actor, actor
        record = db.session.get(MonitoringRecord, warning.monitoring_record_id)
        if record is not None:
            record.status = "FIN_FOLLOWED_UP"
    if decision == "PAYMENT_HOLD":
        db.session.add(PaymentHold(reason=reason, hold_until=sub.get("hold_until"), status="HELD", **common))
        py.hold_payment = True
    elif decision in ("RECOVER", "REALLOCATE"):
        db.session.add(BudgetAdjustmentRequest(kind=decision, amount=wan_to_yuan(sub["amount"]), reason=reason,
                                               status="PENDING", **common))
    elif decision == "START_RECTIFICATION":
        request = RectificationRequest(
            source_type="MONITORING", source_id=warning.id if warning else py.id, project_year_id=py.id,
            findings=rectification_findings(warning, reason), status="WAITING_P7", instance_id=instance_id,
            created_by=actor)
        # Sent by the scheduler's next tick (budget.rect_sources.pickup: one message per warning,
        # through the delivery of POST /api/v1/messages), or kept WAITING_P7 until P7 is deployed.
        db.session.add(request)
    py.updated_by = actor
    _tell(event, py, decision, reason, sub)


def rectification_findings(warning: MonitoringWarning | None, reason: str) -> list[dict[str, Any]]:
    """The case's issue items from a monitoring source: each warning reason (with the month's lag)
    and the fund division's reason text, in msg_start_rectification's findings shape."""
    severity = "HIGH" if warning is not None and warning.level == "RED" else "MEDIUM"
    found = []
    if warning is not None:
        lag = f"（{warning.month} 月执行率 {warning.exec_rate}%，时间进度 {warning.time_progress}%，滞后 {warning.lag_pp} 个百分点）"
        found = [{"description": REASON_NAMES.get(r, r) + lag, "category": "执行进度", "severity": severity,
                  "suggested_measure": "加快执行进度，说明滞后原因并提出纠偏措施"}
                 for r in warning.reasons or [] if r != "OK"]
    found.append({"description": reason, "category": "资金管理处处置意见", "severity": severity,
                  "suggested_measure": None})
    return found


def _tell(event: TaskCompleted, py: ProjectYear, decision: str, reason: str, sub: dict[str, Any]) -> None:
    """A payment hold is told to the department head, the unit head and the treasury (views.md §7.3);
    with `notify_dept` every decision is also told to the department's officers."""
    name = py.project.name
    audience: list[str] = []
    if decision == "PAYMENT_HOLD":
        audience += [n for role in HOLD_AUDIENCE for n in role_holders(role, event.task)]
    if sub.get("notify_dept", True):
        audience += role_holders("DEPT_OFFICER", event.task)
    actor = username(event.actor)
    audience = [n for n in audience if n != actor]
    until = f"（至 {sub['hold_until'].isoformat()}）" if decision == "PAYMENT_HOLD" and sub.get("hold_until") else ""
    title = f"【{DECISIONS[decision]}】{name}（{py.fiscal_year}年度）{until}"
    notify(audience, "payment_hold" if decision == "PAYMENT_HOLD" else "fund_decision", title,
           body=reason, instance=event.instance, by=actor)
