"""Test data for the monitoring views: the FY2025 series of sample-data §8.6 written through the
models in the shapes P3 writes — an AUTO_EXECUTION record per month (exec_rate, time_progress,
lag_pp), a TARGET_REPORT in July (CORE's report month) with indicator_progress, a COST record where
§8.6 has cost tracking, and a MonitoringWarning for every YELLOW/RED month with DT-06's reasons
(COLLECT), the deciding row, DT-07's suggestion, the consecutive count and a response.

DT-06/DT-07 are evaluated here by a few lines of Python over rules.md's rows, only to produce
plausible records for reading; P3 evaluates the real decision tables."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.models import (
    Indicator,
    MonitoringRecord,
    MonitoringWarning,
    PerformanceTarget,
    Project,
    ProjectYear,
)
from engine.base.db import db

YEAR = 2025
# §8.6: cumulative execution % at months 1–9, and whether the project is major.
SERIES: dict[str, tuple[bool, list[float]]] = {
    "P-D08-001": (True, [0, 0, 2, 5, 8, 10, 25, 30, 30]),
    "P-D04-001": (True, [3, 5, 8, 9, 10, 11, 45, 60, 70]),
    "P-D04-002": (True, [0, 0, 0, 0, 0, 12, 40, 55, 68]),
    "P-D07-002": (False, [0, 0, 5, 8, 10, 12, 17.33, 40, 60]),
    "P-D01-002": (True, [8, 16, 24, 30, 36, 42, 48, 52, 55]),
    "P-D03-002": (True, [8, 16, 24, 32, 40, 48, 57, 66, 74]),
    "P-D06-001": (True, [round(m * 100 / 12 - 1, 2) for m in range(1, 10)]),
}
REPORT_MONTH = 7
# July reports: indicator possibilities and causes (§8.6: D04-001 新建面积 有可能, weather).
INDICATORS: dict[str, list[tuple[str, str, str, str, str, str]]] = {
    # l1, l2, name, operator, value, unit
    "P-D04-001": [("OUTPUT", "OUT_QTY", "新建高标准农田面积", "GE", "5", "万亩"),
                  ("OUTPUT", "OUT_QLT", "工程验收合格率", "GE", "95", "%"),
                  ("EFFECT", "EFF_ECON", "亩均粮食产能提高", "GE", "100", "斤")],
    "P-D03-002": [("OUTPUT", "OUT_COST", "单位运营成本", "LE", "9.80", "元/车公里"),
                  ("SATISFACTION", "SAT_SERVICE", "乘客满意度", "GE", "90", "%")],
}
AT_RISK = {("P-D04-001", "新建高标准农田面积"): ("POSSIBLE", ["HARDWARE"], "汛期降雨偏多，施工窗口缩短",
                                                 "增加施工班组，雨季后集中施工")}
COST = {"P-D03-002": ("单位运营成本", Decimal("10.90"), Decimal("11.22"))}  # actual, overrun %
UNIT_RESPONSE_OK = {("P-D08-001", 5): True, ("P-D08-001", 6): True, ("P-D08-001", 7): False}


def time_progress(month: int) -> Decimal:
    return (Decimal(month * 100) / 12).quantize(Decimal("0.01"))


def dt06(month: int, lag: Decimal, rate: Decimal, major: bool, worst: str | None,
         overrun: Decimal) -> tuple[str, int, list[str], bool, bool]:
    """(level, deciding row, every matching reason, key_monitoring, recovery_review)."""
    rows = [
        (1, "RED", "SD_KEY_40PP", 6 <= month <= 9 and major and lag >= 40),
        (2, "RED", "TARGET_IMPOSSIBLE", worst == "IMPOSSIBLE"),
        (3, "RED", "YEAR_END_RISK", month >= 10 and rate < 50),
        (4, "RED", "LAG_30", month >= 4 and lag >= 30),
        (5, "RED", "COST_OVERRUN_20", overrun > 20),
        (6, "YELLOW", "TARGET_AT_RISK", worst == "POSSIBLE"),
        (7, "YELLOW", "LAG_15", month >= 4 and lag >= 15),
        (8, "YELLOW", "COST_OVERRUN_10", overrun > 10),
    ]
    hits = [(row, level, reason) for row, level, reason, hit in rows if hit]
    if not hits:
        return "GREEN", 9, ["OK"], False, False
    row, level, _ = hits[0]
    return level, row, [r for _, _, r in hits], row == 1, row == 3


def dt07(level: str, key: bool, recovery: bool, consecutive_red: int, response_ok: bool) -> str:
    if key:
        return "KEY_MONITORING"
    if recovery:
        return "PROPOSE_RECOVER_OR_REALLOCATE"
    if level == "RED" and consecutive_red >= 2 and not response_ok:
        return "PROPOSE_PAYMENT_HOLD"
    return "REQUIRE_CORRECTIVE_PLAN" if level == "RED" else "REQUIRE_EXPLANATION"


def write_series(months: int = 9, codes: list[str] | None = None) -> dict[str, ProjectYear]:
    """Write the series for `codes` (default all of SERIES) up to `months`; the demo data must be
    loaded. The last month's warnings stay unanswered (due in 5 days); earlier ones have a response."""
    written: dict[str, ProjectYear] = {}
    for code in codes or list(SERIES):
        major, rates = SERIES[code]
        py = db.session.scalar(select(ProjectYear).join(Project).where(Project.code == code,
                                                                        ProjectYear.fiscal_year == YEAR))
        targets = _target(py, code)
        budget = py.adjusted or py.arranged
        red_run = warn_run = 0
        worst: str | None = None
        overrun = Decimal(0)
        for month in range(1, months + 1):
            rate = Decimal(str(rates[month - 1])).quantize(Decimal("0.01"))
            progress = time_progress(month)
            lag = progress - rate
            record = MonitoringRecord(
                project_year_id=py.id, fiscal_year=YEAR, period_month=month, kind="AUTO_EXECUTION",
                annual_budget=budget, executed_cum=(budget * rate / 100).quantize(Decimal("0.01")),
                exec_rate=rate, time_progress=progress, lag_pp=lag, execution_version=1, status="AUTO")
            db.session.add(record)
            if month == REPORT_MONTH:
                worst, overrun = _reports(py, code, record, targets)
            level, row, reasons, key, recovery = dt06(month, lag, rate, major, worst, overrun)
            record.warning_level, record.key_monitoring, record.recovery_review = level, key, recovery
            red_run = red_run + 1 if level == "RED" else 0
            warn_run = warn_run + 1 if level != "GREEN" else 0
            if level == "GREEN":
                continue
            db.session.flush()
            ok = UNIT_RESPONSE_OK.get((code, month), True)
            raised = datetime(YEAR, month % 12 + 1, 5, 1, 0, tzinfo=UTC) if month < 12 else datetime(YEAR + 1, 1, 5, tzinfo=UTC)
            last = month == months
            response = None if last else _response(level, key, red_run, ok)
            db.session.add(MonitoringWarning(
                monitoring_record_id=record.id, project_year_id=py.id, fiscal_year=YEAR, month=month, level=level,
                key_monitoring=key, recovery_review=recovery, rule_row=row, reasons=reasons, lag_pp=lag,
                exec_rate=rate, time_progress=progress, suggested_response=dt07(level, key, recovery, red_run, ok),
                consecutive_count=red_run if level == "RED" else warn_run, raised_at=raised,
                response_due=raised.date() + timedelta(days=7), response=response,
                decided_by=None if response is None else "fund.eco",
                closed_at=None if last else raised + timedelta(days=10)))
        written[code] = py
    db.session.flush()
    return written


def _response(level: str, key: bool, red_run: int, ok: bool) -> str:
    if key:
        return "WATCH"
    if level == "RED":
        return "PAYMENT_HOLD" if red_run >= 2 and not ok else "CORRECTIVE_PLAN"
    return "EXPLAINED"


def _target(py: ProjectYear, code: str) -> list[Indicator]:
    rows = INDICATORS.get(code)
    if not rows:
        return []
    target = PerformanceTarget(project_year_id=py.id, version_no=1, status="ISSUED", overall_goal="",
                               annual_goal="", issued_at=date(YEAR, 2, 20))
    target.indicators = [Indicator(seq=i, l1=l1, l2=l2, name=name, operator=op, target_value=Decimal(value), unit=unit,
                                   weight=Decimal(10))
                         for i, (l1, l2, name, op, value, unit) in enumerate(rows)]
    db.session.add(target)
    db.session.flush()
    py.target_id = target.id
    return target.indicators


def _reports(py: ProjectYear, code: str, auto: MonitoringRecord,
             indicators: list[Indicator]) -> tuple[str | None, Decimal]:
    """The July TARGET_REPORT (and COST record) of a project-year; returns (worst, max overrun)."""
    progress: list[dict[str, Any]] = []
    for ind in indicators:
        possibility, causes, cause_text, measures = AT_RISK.get((code, ind.name), ("CERTAIN", [], "", ""))
        actual = (ind.target_value * Decimal("0.6")).quantize(Decimal("0.01"))
        progress.append({"indicator_id": str(ind.id), "cum_actual": str(actual),
                         "expected_full_year": f"{ind.target_value.normalize():f}", "possibility": possibility,
                         "deviation_causes": causes, "cause_text": cause_text, "measures": measures})
    expected = (auto.annual_budget * Decimal("0.95")).quantize(Decimal("0.01"))
    db.session.add(MonitoringRecord(
        project_year_id=py.id, fiscal_year=YEAR, period_month=REPORT_MONTH, kind="TARGET_REPORT",
        annual_budget=auto.annual_budget, executed_cum=auto.executed_cum, exec_rate=auto.exec_rate,
        time_progress=auto.time_progress, lag_pp=auto.lag_pp, expected_full_year_exec=expected,
        indicator_progress=progress, status="DEPT_CONFIRMED"))
    overrun = Decimal(0)
    if code in COST:
        name, actual, overrun = COST[code]
        ind = next(i for i in indicators if i.name == name)
        db.session.add(MonitoringRecord(
            project_year_id=py.id, fiscal_year=YEAR, period_month=REPORT_MONTH, kind="COST",
            annual_budget=auto.annual_budget, executed_cum=auto.executed_cum, exec_rate=auto.exec_rate,
            time_progress=auto.time_progress, lag_pp=auto.lag_pp,
            cost_tracking=[{"indicator_id": str(ind.id), "actual_unit_cost": str(actual), "overrun_pct": str(overrun)}],
            status="DEPT_CONFIRMED"))
    ranks = {"CERTAIN": 0, "POSSIBLE": 1, "IMPOSSIBLE": 2}
    worst = max((p["possibility"] for p in progress), key=ranks.__getitem__, default=None)
    return worst, overrun
