"""Driving `p3_monitoring` through a budget year on the real engine and PostgreSQL. A project is
taken through P1 and P2 (p2_driver) to `msg_budget_approved`, whose delivery starts P3; each month
the treasury's cumulative payment is posted the way the execution system posts it
(budget.execution.posting, as POST /api/v1/execution-records), the engine's clock is moved to the
5th of the next month 09:00 and the scheduler's tick fires `tm_p3_next`; tasks are found in the
acting users' 待办 and completed with complete_task, as the pages do. Messages from people (a target
adjustment request, a project completed early) go through POST /api/v1/messages.
Shared by tests/integration/test_p3_engine.py."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from p1_driver import ALL, PERF, REJECT_REASON, ROOT, Flow, indicators, set_packs, user
from p2_driver import P2, P2Flow, declare, joint_opinion, panel, review
from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.execution.posting import post_records
from budget.models import MonitoringRecord, MonitoringWarning, PerformanceTarget, Project, ProjectYear
from budget.shared.targets import new_target_version
from engine.base.db import db
from engine.base.models import HumanTask, Message, Outbox, ProcessInstance, Timer
from engine.dispatch import queue
from engine.moves import mailbox
from engine.moves.runtime import complete_task
from engine.moves.state import load_workflow
from engine.time import clock
from engine.views.tasks import get_task
from engine.work.inbox import ready_tasks, todo

W = Decimal
P3 = "p3_monitoring"
CENTER = "center.1"
LONG = "受配套政策出台滞后和政府采购流程影响，项目资金拨付进度慢于时间进度，单位已制定措施加快推进。"


def deploy_p1_p2_p3() -> None:
    from engine.definitions.deploy import closure_files, deploy

    files = closure_files(ROOT / "workflows")
    for key in ("p1_project_intake", P2, P3):
        deploy(files[key], "test")
    db.session.commit()


# ------------------------------------------------------------------ P1 + P2 up to msg_budget_approved
def issue(p: P2Flow, arranged: int) -> None:
    """From the fund division's NEXT: the result decisions, the arrangement, 人大 approval and both
    批复 levels (P2 ends, throwing msg_budget_approved)."""
    year = p.instance.year
    declare("RESULT_DECISIONS_READY", year)
    arrange = p.data("budget.1", "ut_p2_budget_arrange")
    sub: dict[str, Any] = {"arranged": W(arranged)}
    if W(arranged) != arrange["default_arranged"]:
        sub["arrange_reason"] = "按年度财力统筹安排，适当压减非急需支出。"
    p.do("budget.1", "ut_p2_budget_arrange", sub)
    declare("NPC_APPROVED", year, date.today())
    p.do("budget.1", "ut_p2_fin_issue", {"approval_doc_no": f"示财预〔{year}〕1号", "approval_date": date.today()})
    p.do(p.officer, "ut_p2_dept_issue", {"approval_doc_no": f"示部财〔{year}〕3号", "approval_date": date.today()})
    db.session.refresh(p.instance)
    assert (p.instance.status, p.instance.end_event) == ("COMPLETED", "end_p2_issued"), p.ready()


def major_through_p2(code: str = "P-D01-001", amount: int = 3000, arranged: int = 2700) -> P2Flow:
    """Packs ALL: a new 3,000 万 project, major by DT-05 — the department's ex-ante, finance
    declines its own, P2's joint review (CA-1 panel, conclusion, FIN_PERF co-sign), 批复."""
    set_packs(ALL)
    flow = Flow(code)
    flow.intake()
    flow.dept_exante(code, amount, cost_benefit=True)
    flow.do(PERF, "ut_p1_fin_decide", {"verdict": "REJECT", "comment": REJECT_REASON})
    p = P2Flow(flow)
    p.confirm()
    p.submit()
    panel(p, joint_opinion("优", arranged))
    p.do(p.fund, "ut_p2_joint_conclude", {"grade": "优", "approved_amount": W(arranged), "library_decision": "ENTER",
                                          "minutes": ["att-minutes"], "comment": LONG})
    p.do(PERF, "ut_p2_joint_cosign", {"verdict": "APPROVE"})
    issue(p, arranged)
    return p


def small_through_p2(code: str = "P-D05-002", arranged: int = 260) -> P2Flow:
    """Packs as set by the caller: a 299 万 project straight into the library, the fund division's 优."""
    flow = Flow(code)
    flow.intake()
    p = P2Flow(flow)
    p.confirm()
    p.submit()
    p.fund_review("优", suggested=arranged)
    issue(p, arranged)
    return p


# ------------------------------------------------------------------ P3
def year_of_code(code: str, fiscal_year: int) -> ProjectYear:
    return db.session.scalars(select(ProjectYear).join(Project).where(
        Project.code == code, ProjectYear.fiscal_year == fiscal_year)).one()


def start_demo_year(code: str, fiscal_year: int, packs: list[str]) -> None:
    """P3 for a demo year that is EXECUTING already (the demo's FY2025), given an ISSUED target,
    started by msg_budget_approved as P2's end would; the clock in late January of the year."""
    set_packs(packs)
    clock.travel_to(calc.run_at(fiscal_year, 1) - timedelta(days=10))
    py = year_of_code(code, fiscal_year)
    target = new_target_version(py, {"overall_goal": "保障项目按计划实施，提升公共服务供给能力和质量。",
                                     "annual_goal": "年度内完成计划任务并通过验收，服务对象满意度不低于90%。",
                                     "indicators": indicators()}, {}, "test")
    target.status, target.issued_at = "ISSUED", datetime(fiscal_year, 1, 15, tzinfo=UTC).date()
    mailbox.send("msg_budget_approved", {"project_id": str(py.project_id), "fiscal_year": fiscal_year}, source=None)
    db.session.commit()


class P3Flow:
    """The P3 instance P2's `msg_budget_approved` started."""

    def __init__(self, p2: P2Flow | None = None, *, code: str | None = None, people: tuple[str, str, str] = ()):
        """P3 of the project P2 drove (`p2`), or of `code`'s year started otherwise (people: filer,
        officer, fund division)."""
        queue.drain()  # delivers msg_budget_approved: P3's message start
        db.session.expire_all()
        code = p2.p1.project.code if p2 else code
        (self.instance,) = db.session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_key == P3, ProcessInstance.business_key == code))
        self.code, self.fiscal_year = code, self.instance.year
        self.py_id = (p2.year() if p2 else year_of_code(code, self.fiscal_year)).id
        self.filer, self.officer, self.fund = (p2.filer, p2.officer, p2.fund) if p2 else people
        self.timer_fires = 0

    # --- time and data
    def pay(self, month: int, executed_wan: Decimal | int, note: str | None = None) -> dict:
        """The treasury's cumulative payment to the end of `month` (元), posted as the API posts it."""
        item = {"project_code": self.code, "year": self.fiscal_year, "month": month,
                "executed_cum": str(W(executed_wan) * 10000), **({"note": note} if note else {})}
        reply = post_records([item], "treasury.1")
        assert reply.errors == [], reply.errors
        db.session.commit()
        return {"accepted": reply.accepted, "unchanged": reply.unchanged, "corrected": reply.corrected}

    def to_run_of(self, month: int) -> datetime:
        """Move the engine's clock just past month `month`'s run (the 5th of the next month, 09:00)."""
        moment = calc.run_at(self.fiscal_year, month) + timedelta(minutes=1)
        clock.travel_to(moment)
        return moment

    def run_month(self, month: int, executed_wan: Decimal | int | None = None) -> None:
        """The month's payment posted on the 4th of the next month, then its run: one timer fire."""
        if executed_wan is not None:
            clock.travel_to(calc.run_at(self.fiscal_year, month) - timedelta(days=1))
            self.pay(month, executed_wan)
        self.to_run_of(month)
        fired = clock.tick()["timers"]
        queue.drain()
        db.session.expire_all()
        db.session.refresh(self.instance)
        self.assert_no_failed_jobs()
        assert fired >= 1, f"month {month}: no timer fired; ready {self.ready()}"
        self.timer_fires += 1
        assert self.record(month) is not None, f"month {month} was not read; ready {self.ready()}"

    def month_timer_due(self) -> datetime | None:
        row = db.session.scalars(select(Timer).where(Timer.instance_id == self.instance.id,
                                                     Timer.task_name == "tm_p3_next", Timer.status == "WAITING")).first()
        return row.due_at if row else None

    def assert_no_failed_jobs(self) -> None:
        bad = db.session.scalars(select(Outbox).where(Outbox.last_error.is_not(None), Outbox.status != "DONE")).all()
        assert not bad, [(b.kind, b.last_error[-800:]) for b in bad]

    # --- tasks
    def mine(self, who: str) -> list[HumanTask]:
        return [t for t in todo(user(who)) if t.instance_id == self.instance.id]

    def ready(self) -> list[str]:
        return sorted(t.task_name for t in ready_tasks(self.instance.id))

    def task(self, who: str, name: str) -> HumanTask:
        tasks = [t for t in self.mine(who) if t.task_name == name]
        assert len(tasks) == 1, f"{who}: expected one {name}; has {[t.task_name for t in self.mine(who)]}, " \
                                f"ready {self.ready()}"
        return tasks[0]

    def do(self, who: str, name: str, submission: dict) -> None:
        complete_task(self.task(who, name).id, user(who), submission)
        db.session.commit()
        queue.drain()
        db.session.expire_all()
        db.session.refresh(self.instance)
        self.assert_no_failed_jobs()

    def form(self, who: str, name: str) -> dict:
        """What the step's form opens with."""
        return get_task(self.task(who, name).id, user(who)).data

    def data(self, who: str, name: str) -> dict:
        return get_task(self.task(who, name).id, user(who)).all_data

    def workflow_data(self) -> dict:
        return load_workflow(db.session.get(ProcessInstance, self.instance.id)).data

    # --- records
    def year(self) -> ProjectYear:
        db.session.expire_all()
        return db.session.get(ProjectYear, self.py_id)

    def record(self, month: int, kind: str = "AUTO_EXECUTION") -> MonitoringRecord | None:
        return db.session.scalars(select(MonitoringRecord).where(
            MonitoringRecord.project_year_id == self.year().id, MonitoringRecord.period_month == month,
            MonitoringRecord.kind == kind)).first()

    def records(self, kind: str = "AUTO_EXECUTION") -> list[MonitoringRecord]:
        return list(db.session.scalars(select(MonitoringRecord).where(
            MonitoringRecord.project_year_id == self.year().id, MonitoringRecord.kind == kind)
            .order_by(MonitoringRecord.period_month)))

    def warnings(self) -> list[MonitoringWarning]:
        return list(db.session.scalars(select(MonitoringWarning).where(
            MonitoringWarning.project_year_id == self.year().id).order_by(MonitoringWarning.month)))

    def versions(self) -> list[tuple[int, str]]:
        return [(t.version_no, t.status) for t in db.session.scalars(select(PerformanceTarget).where(
            PerformanceTarget.project_year_id == self.year().id).order_by(PerformanceTarget.version_no))]

    def outbox(self) -> list[tuple[str, dict]]:
        rows = db.session.scalars(select(Message).where(Message.source_instance_id == self.instance.id)
                                  .order_by(Message.created_at))
        return [(r.name, r.payload) for r in rows]

    # --- the people's standard submissions
    def report(self, possibility: str = "CERTAIN", unit_cost: Decimal | int | None = None) -> None:
        """F-09 by the unit (every indicator row; the cost block in a cost month), the department's 同意."""
        self.report_only(possibility, unit_cost)
        self.do(self.officer, "ut_p3_dept_check", {"verdict": "APPROVE"})

    def report_only(self, possibility: str = "CERTAIN", unit_cost: Decimal | int | None = None) -> None:
        """F-09 by the unit, not yet checked."""
        opens = self.data(self.filer, "ut_p3_unit_report")
        rows = []
        for i in range(len(opens["report_indicators"])):
            line = {"cum_actual": "完成过半", "expected_full_year": "全部完成", "possibility": "CERTAIN"}
            if i == 0 and possibility != "CERTAIN":
                line |= {"possibility": possibility, "deviation_causes": ["INSTITUTION"],
                         "cause_text": "配套实施细则尚未出台，部分任务推迟实施。", "measures": "加快出台实施细则，倒排工期，按月调度各子项目的实施进度。"}
            rows.append(line)
        sub: dict[str, Any] = {"expected_full_year_exec": opens["annual_budget_wan"], "indicator_progress": rows}
        if opens["needs_exec_explanation"]:
            sub["exec_explanation"] = LONG
        if opens["is_cost_month"]:
            sub["cost_tracking"] = [{"actual_unit_cost": unit_cost or c["target_value"]} for c in opens["cost_indicators"]]
            sub["service_standard_status"] = "按照服务标准执行，未发现降低标准的情况。"
        self.do(self.filer, "ut_p3_unit_report", sub)

    def explain(self) -> None:
        self.do(self.filer, "ut_p3_unit_explain", {"cause_categories": ["PROCUREMENT"], "explanation": LONG,
                                                   "expected_exec_next_month": W(30)})

    def corrective(self) -> None:
        self.do(self.filer, "ut_p3_unit_corrective", {
            "cause_categories": ["INSTITUTION", "SETTLEMENT"], "explanation": LONG,
            "measures": [{"measure": "倒排工期，按周调度资金拨付进度。", "owner": "项目负责人",
                          "due_date": date(self.fiscal_year, 9, 30)}]})

    def confirm(self, ok: bool = True) -> None:
        self.do(self.officer, "ut_p3_dept_confirm", {"verdict": "APPROVE", "unit_response_ok": ok})


def track(recommendation: str) -> dict:
    """F-12 of the evaluation center's on-site check (CA-5)."""
    return {"method": "ONSITE", "visit_date": None, "findings": [{"finding": "配套政策尚未出台，资金拨付条件未落实"}],
            "root_causes": ["INSTITUTION"], "root_cause_text": "配套实施细则迟迟未出台，部分子项目无法开工。",
            "forecast_exec_rate_year_end": W(70), "recommendation": recommendation}


def target_review() -> dict:
    """CA-3's review by the fund division: 优 (issued as a new target version)."""
    return review("优") | {"budget_match": "MATCH", "comment": "调整理由充分，调整后目标与资金规模基本匹配。"}
