"""Pure rules of P7 (processes §5.9, rules DT-14/DT-15 and T24): DT-14's COLLECT rows aggregated
(deadline = the minimum over the matched rows), the case code, the follow-up window, the F-24
conclusion and what 对标销号 does to one issue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

PLAN_DAYS_DEFAULT = 30  # T24: plan +30 d when no row names a deadline
INTERVIEW_AFTER_DAYS = 15  # T24 / views §7.3: 约谈 at report due + 15 days
SEVERITY_ZH = {"HIGH": "高", "MEDIUM": "中", "LOW": "低"}
SOURCE_ZH = {
    "FISCAL_KEY_EVAL": "财政重点评价", "DEPT_KEY_EVAL": "部门重点评价", "RE_EVAL": "再评价", "SPOT_CHECK": "自评抽查复核",
    "MONITORING": "绩效运行监控", "AUDIT": "审计发现", "EXANTE": "事前绩效评估", "COST_ANALYSIS": "成本绩效分析",
}
CASE_STATUS_ZH = {
    "CREATED": "待下发", "NOTIFIED": "已下发通知", "EXPLANATION_SUBMITTED": "已报送说明", "PLAN_SUBMITTED": "计划已报送",
    "PLAN_RETURNED": "计划被退回", "PLAN_ACCEPTED": "计划已通过", "REPORT_SUBMITTED": "报告已报送",
    "REPORT_RETURNED": "报告被退回", "REPORT_ACCEPTED": "报告已通过", "FOLLOWUP_SCHEDULED": "已安排回头看",
    "FOLLOWUP_DONE": "回头看已完成", "RE_RECTIFY": "再整改", "CLOSED": "已销号结案", "CANCELLED": "已撤销",
}


@dataclass(frozen=True)
class Requirement:
    """DT-14 aggregated: plan/report required if any matched row requires it; each deadline the
    minimum of the rows' days; budget hold if any row holds."""

    plan_required: bool
    report_required: bool
    plan_days: int
    report_days: int | None
    budget_hold: bool
    rows: list[int]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def requirement(plan: Any, report: Any, plan_days: Any, report_days: Any, hold: Any, rows: Any) -> Requirement:
    """DT-14's COLLECT outputs (parallel lists, one entry per matched row) as one requirement. No row
    matched: an explanation within the plan default (30 days)."""
    plans, reports = [bool(v) for v in _as_list(plan)], [bool(v) for v in _as_list(report)]
    p_days = [int(d) for d in _as_list(plan_days) if d is not None]
    r_days = [int(d) for d, needed in zip(_as_list(report_days), reports, strict=False) if d is not None and needed]
    report_required = any(reports)
    return Requirement(plan_required=any(plans), report_required=report_required,
                       plan_days=min(p_days) if p_days else PLAN_DAYS_DEFAULT,
                       report_days=min(r_days) if report_required and r_days else None,
                       budget_hold=any(bool(v) for v in _as_list(hold)),
                       rows=sorted({int(r) for r in _as_list(rows) if r is not None}))


def dues(notice_day: date, req: Requirement) -> tuple[date, date | None]:
    """Plan (or explanation) and report deadlines in calendar days from the notice date (T24)."""
    plan_due = notice_day + timedelta(days=req.plan_days)
    report_due = notice_day + timedelta(days=req.report_days) if req.report_days else None
    return plan_due, report_due


def interview_due(report_due: date) -> date:
    return report_due + timedelta(days=INTERVIEW_AFTER_DAYS)


def case_code(year: int, seq: int) -> str:
    return f"RC-{year}-{seq:03d}"


def requirement_words(req: Requirement) -> str:
    if not req.plan_required:
        return f"报送情况说明（{req.plan_days} 日内）"
    parts = [f"报送整改计划（{req.plan_days} 日内）"]
    if req.report_required and req.report_days:
        parts.append(f"报送整改报告（{req.report_days} 日内）")
    if req.budget_hold:
        parts.append("整改到位前暂缓安排预算")
    return "，".join(parts)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (Jan 31 + 1 → Feb 28)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def conclusion(results: list[str]) -> str:
    closed = results.count("CLOSED")
    if closed == len(results):
        return "ALL_CLOSED"
    return "NONE_CLOSED" if closed == 0 else "PARTIAL"


def marked(result: str) -> str:
    """对标销号: a check result → the issue's status (PARTIAL and NOT_RECTIFIED stay open: NOT_CLOSED)."""
    return "CLOSED" if result == "CLOSED" else "NOT_CLOSED"


def re_rectify_state(re_round: int) -> tuple[str | None, bool]:
    """After round `re_round` of 再整改: from round 2 the case is NOT_RECTIFIED and a circular candidate
    (V-15, DT-13 row 10); before that nothing changes."""
    return ("NOT_RECTIFIED", True) if re_round >= 2 else (None, False)
