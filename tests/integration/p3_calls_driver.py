"""CA-3, CA-5 and the fund division's F-11 on the real engine, before P3's own model exists: a
test-only process (tests/models/p3_calls_fixture.bpmn) calls CA-3 or CA-5, or goes straight to F-11
(whose TARGET_ADJUST calls CA-3 again). The project-year is a demo FY2025 one (P-D04-002, D04-U01,
fund division FD-AGR) given an ISSUED target and, where a test needs them, monitoring records and a
warning. Tasks are found in the acting users' 待办 and completed with complete_task, as the pages do."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from p1_driver import indicators, user
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import (
    MonitoringRecord,
    MonitoringWarning,
    PerformanceTarget,
    Project,
    ProjectYear,
    TargetAdjustmentRequest,
)
from budget.shared.targets import new_target_version
from engine.base.db import db
from engine.base.models import HumanTask, ProcessInstance
from engine.definitions.deploy import deploy
from engine.moves.runtime import complete_task, start_instance
from engine.moves.state import load_workflow
from engine.views.tasks import get_task
from engine.work.inbox import ready_tasks, todo

W = Decimal
ROOT = Path(__file__).resolve().parents[2]
CODE, UNIT, DEPT, DIVISION = "P-D04-002", "D04-U01", "D04", "FD-AGR"
FUND, FILER, PERF, CENTER = "fund.agr", "filer.d04u01", "perf.1", "center.1"
LONG = "经核查，项目执行进度明显滞后于时间进度，主要原因是配套政策尚未出台、资金拨付条件未落实。"


def deploy_fixture() -> None:
    files = {name: (ROOT / path).read_bytes() for name, path in {
        "p3_calls_fixture.bpmn": "tests/models/p3_calls_fixture.bpmn",
        "ca3_target_review.bpmn": "workflows/common/ca3_target_review.bpmn",
        "ca5_key_monitoring.bpmn": "workflows/common/ca5_key_monitoring.bpmn",
        "ca2_third_party_engagement.bpmn": "workflows/common/ca2_third_party_engagement.bpmn",
        "dt_04_target_outcome.dmn": "workflows/dmn/dt_04_target_outcome.dmn",
    }.items()}
    deploy(files, "test")
    db.session.commit()


FY = {"year": 2025}  # the budget year the tests of a module run in (setup)


def setup(fiscal_year: int = 2025) -> ProjectYear:
    """The demo, the fixture deployed and P-D04-002's `fiscal_year` (created as an executing year
    when the demo has none: a year still open for F-13) with an ISSUED target (version 1)."""
    load_demo("demo-pass-1")
    deploy_fixture()
    FY["year"] = fiscal_year
    project = db.session.scalars(select(Project).where(Project.code == CODE)).one()
    if project.year(fiscal_year) is None:
        amount = W(18000000)
        project.years.append(ProjectYear(fiscal_year=fiscal_year, requested=amount, arranged=amount, adjusted=amount,
                                         cycle_status="EXECUTING", created_by="test"))
        db.session.flush()
    py = year()
    target = new_target_version(py, {"overall_goal": "扶持龙头企业发展壮大，带动农户增收，促进农业产业化经营水平提升。",
                                     "annual_goal": "年内扶持龙头企业 300 家，带动农户增收，企业满意度达到 90% 以上。",
                                     "indicators": indicators()}, {}, "test")
    target.status, target.issued_at = "ISSUED", datetime.now(UTC).date()
    db.session.commit()
    return py


def year() -> ProjectYear:
    db.session.expire_all()
    project = db.session.scalars(select(Project).where(Project.code == CODE)).one()
    return project.year(FY["year"])


def target() -> PerformanceTarget:
    return db.session.get(PerformanceTarget, year().target_id)


def versions() -> list[tuple[int, str]]:
    db.session.expire_all()
    return [(t.version_no, t.status) for t in db.session.scalars(select(PerformanceTarget).where(
        PerformanceTarget.project_year_id == year().id).order_by(PerformanceTarget.version_no))]


def value_of(t: PerformanceTarget, name: str) -> Decimal:
    return next(i.target_value for i in t.indicators if i.name == name)


def warning(month: int = 7, level: str = "RED", key: bool = False, suggested: str | None = "PAYMENT_HOLD",
            budget_wan: int = 1800, executed_wan: int = 400) -> MonitoringWarning:
    """Monthly records up to `month` (AUTO_EXECUTION) and a warning for the last of them."""
    py = year()
    budget, executed = W(budget_wan) * 10000, W(executed_wan) * 10000
    record = None
    for m in range(month - 2, month + 1):
        rate = (executed * m / month / budget * 100).quantize(W("0.01"))
        tp = (W(m) / 12 * 100).quantize(W("0.01"))
        record = MonitoringRecord(project_year_id=py.id, fiscal_year=py.fiscal_year, period_month=m, kind="AUTO_EXECUTION",
                                  annual_budget=budget, executed_cum=executed * m / month, exec_rate=rate,
                                  time_progress=tp, lag_pp=tp - rate, warning_level=level if m == month else "YELLOW",
                                  key_monitoring=key and m == month, status="AUTO")
        db.session.add(record)
    db.session.flush()
    w = MonitoringWarning(monitoring_record_id=record.id, project_year_id=py.id, fiscal_year=py.fiscal_year, month=month,
                          level=level, key_monitoring=key, rule_row=2, reasons=["执行进度滞后时间进度 20 个百分点以上"],
                          lag_pp=record.lag_pp, exec_rate=record.exec_rate, time_progress=record.time_progress,
                          suggested_response=suggested, consecutive_count=1, raised_at=datetime.now(UTC))
    db.session.add(w)
    db.session.commit()
    return w


def adjust_request(changes: list[tuple[str, str]], reason: str = "POLICY_CHANGE") -> TargetAdjustmentRequest:
    """A submitted F-13 request changing `(indicator name, new value)` of the issued target."""
    issued = target()
    ids = {i.name: str(i.id) for i in issued.indicators}
    request = TargetAdjustmentRequest(
        project_year_id=year().id, reason=reason, reason_text="国家政策调整，扶持对象范围缩小，相应调整任务数量。",
        changes=[{"indicator_id": ids[name], "name": name, "old": str(value_of(issued, name)), "new": new,
                  "reason": "政策调整后扶持范围缩小"} for name, new in changes], status="DEPT_APPROVED")
    db.session.add(request)
    db.session.commit()
    return request


class Run:
    """One fixture instance (`case` ca3, ca5 or f11)."""

    def __init__(self, case: str, *, warning_id: Any = None, adjust_request_id: Any = None):
        py = year()
        data = {"case": case, "project_year_id": str(py.id), "warning_id": str(warning_id) if warning_id else None,
                "adjust_request_id": str(adjust_request_id) if adjust_request_id else None}
        self.instance = start_instance("p3_calls_fixture", user(FUND), data, business_key=CODE,
                                       title=f"{CODE} 测试", scope={"unit": UNIT, "dept": DEPT, "division": DIVISION},
                                       year=py.fiscal_year)
        db.session.commit()

    def ready(self) -> list[str]:
        return sorted(t.task_name for t in ready_tasks(self.instance.id))

    def task(self, who: str, name: str) -> HumanTask:
        tasks = [t for t in todo(user(who)) if t.instance_id == self.instance.id and t.task_name == name]
        assert len(tasks) == 1, f"{who}: expected one {name}; ready {self.ready()}"
        return tasks[0]

    def do(self, who: str, name: str, submission: dict) -> None:
        complete_task(self.task(who, name).id, user(who), submission)
        db.session.commit()
        db.session.refresh(self.instance)

    def form(self, who: str, name: str) -> dict:
        return get_task(self.task(who, name).id, user(who)).data

    def ended_data(self) -> dict:
        db.session.refresh(self.instance)
        assert self.instance.status == "COMPLETED", self.ready()
        wf = load_workflow(db.session.get(ProcessInstance, self.instance.id))
        return wf.data | wf.get_tasks(spec_name="end_fx")[0].data


def review(band: str, **over) -> dict:
    d = {"优": 23, "良": 21, "中": W("17.5"), "差": W("12.5")}[band]
    sub = {"dim_completeness": W(d), "dim_relevance": W(d), "dim_appropriateness": W(d), "dim_feasibility": W(d),
           "budget_match": "MATCH", "comment": "调整理由充分，调整后目标与资金规模基本匹配。"}
    if band in ("中", "差"):
        sub["indicator_comments"] = [{"indicator_id": "年度任务完成数量", "comment": "调减幅度偏大，请补充测算依据。"}]
    return {**sub, **over}


def track(recommendation: str = "PAYMENT_HOLD", method: str = "DESK") -> dict:
    return {"method": method, "findings": [{"finding": "配套政策尚未出台，资金拨付条件未落实"}],
            "root_causes": ["INSTITUTION"], "root_cause_text": "配套实施细则迟迟未出台，企业申报积极性不高。",
            "forecast_exec_rate_year_end": W(55), "recommendation": recommendation}
