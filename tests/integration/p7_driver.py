"""Driving `p7_rectification` on the real engine and PostgreSQL. A case starts the way its senders
start it: `msg_start_rectification {source_type, source_id}` with the project-year in the payload
(mailbox.send, delivered by the queue; the race test posts through POST /api/v1/messages). Tasks are
found in the acting users' 待办 and completed with complete_task, as the pages do; the engine's clock
is moved for deadlines, timers and reminders. Demo people (budget/demo.py): perf.1 (FIN_PERF),
fund.edu (FIN_FUND of D01), depthead.d01, dept.d01, filer.d01u01, head.d01u01.
Shared by tests/integration/test_p7_engine.py."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from budget.models import (
    FollowUpCheck,
    IssueItem,
    Project,
    ProjectYear,
    RectificationCase,
    RectificationPlan,
    RectificationReport,
)
from budget.shared.helpers import TZ
from engine.base.db import db
from engine.base.models import HumanTask, Message, Outbox, ProcessInstance
from engine.dispatch import queue
from engine.moves import mailbox
from engine.moves.runtime import complete_task
from engine.time import clock
from engine.views.tasks import get_task
from engine.work.inbox import ready_tasks, todo
from tests.integration.p1_driver import ROOT, set_packs, user

P7 = "p7_rectification"
PERF, FUND, HEAD, OFFICER, FILER, UNIT_HEAD = "perf.1", "fund.edu", "depthead.d01", "dept.d01", "filer.d01u01", "head.d01u01"
CODE = "P-D01-002"  # 学前教育生均公用经费补助, unit D01-U01: 6,500 万 a year, 2021–2027 (DT-15 row 1: ONSITE)
MEASURE = "完善项目管理制度，明确资金拨付审批流程和时限，按月通报执行进度并建立台账。"
DONE_TEXT = "已修订项目资金管理办法，建立月度执行台账并按月通报，相关问题已整改到位。"
SUMMARY = ("针对财政重点评价指出的问题，单位成立整改工作专班，逐项制定整改措施，明确责任人和完成时限。"
           "目前已修订资金管理办法、建立执行台账和月度通报制度，项目执行进度明显加快，整改工作总体完成，"
           "个别需要长期推进的事项已纳入年度工作计划持续跟踪。")


def deploy_p7() -> None:
    from engine.definitions.deploy import closure_files, deploy

    deploy(closure_files(ROOT / "workflows")[P7], "test")
    db.session.commit()


def year_of(code: str, fiscal_year: int = 2025) -> ProjectYear:
    return db.session.scalars(select(ProjectYear).join(Project).where(
        Project.code == code, ProjectYear.fiscal_year == fiscal_year)).one()


def findings(n: int = 2) -> list[dict[str, Any]]:
    texts = ["绩效目标设置不够细化，部分指标无法量化考核", "资金拨付进度滞后于项目实施进度", "项目验收资料不完整"]
    return [{"description": texts[i], "category": ("OUTPUT", "MANAGEMENT", "OTHER")[i], "severity": "HIGH",
             "suggested_measure": "细化指标并建立台账"} for i in range(n)]


def at(day: date, hour: int = 10) -> datetime:
    """A Shanghai moment of `day` (10:00 by default: after the reminders' 09:00)."""
    return datetime.combine(day, time(hour), TZ)


class P7Flow:
    """One case: started by its message, then driven step by step."""

    def __init__(self, source_type: str, code: str = CODE, *, fiscal_year: int = 2025, n_findings: int = 2,
                 source_id: str | None = None, **flags: Any):
        py = year_of(code, fiscal_year)
        self.source_id = source_id or str(uuid.uuid4())
        payload = {"project_id": str(py.project_id), "fiscal_year": fiscal_year, "findings": findings(n_findings),
                   "source_label": f"{fiscal_year}年度 测试来源", **flags}
        mailbox.send("msg_start_rectification", {**payload, "source_type": source_type, "source_id": self.source_id},
                     correlation={"source_type": source_type, "source_id": self.source_id})
        db.session.commit()
        self.settle()
        self.instance = db.session.get(ProcessInstance, uuid.UUID(self.case().instance_id))
        assert self.instance.process_key == P7 and self.instance.business_key == code

    # --- engine
    def settle(self) -> None:
        queue.drain()
        db.session.expire_all()
        bad = db.session.scalars(select(Outbox).where(Outbox.last_error.is_not(None), Outbox.status != "DONE")).all()
        assert not bad, [(b.kind, b.last_error[-1500:]) for b in bad]

    def tick_at(self, moment: datetime) -> dict:
        clock.travel_to(moment)
        fired = clock.tick()
        self.settle()
        return fired

    # --- records
    def case(self) -> RectificationCase:
        return db.session.scalars(select(RectificationCase).where(
            RectificationCase.source_id == uuid.UUID(self.source_id))).one()

    def issues(self) -> list[IssueItem]:
        return list(db.session.scalars(select(IssueItem).where(IssueItem.case_id == self.case().id)
                                       .order_by(IssueItem.seq)))

    def statuses(self) -> list[str]:
        return [i.status for i in self.issues()]

    def plans(self) -> list[RectificationPlan]:
        return list(db.session.scalars(select(RectificationPlan).where(RectificationPlan.case_id == self.case().id)
                                       .order_by(RectificationPlan.version)))

    def reports(self) -> list[RectificationReport]:
        return list(db.session.scalars(select(RectificationReport).where(
            RectificationReport.case_id == self.case().id).order_by(RectificationReport.round, RectificationReport.version)))

    def checks(self) -> list[FollowUpCheck]:
        return list(db.session.scalars(select(FollowUpCheck).where(FollowUpCheck.case_id == self.case().id)
                                       .order_by(FollowUpCheck.created_at)))

    def thrown(self) -> list[tuple[str, dict]]:
        rows = db.session.scalars(select(Message).where(Message.source_instance_id == self.instance.id))
        return [(r.name, r.payload) for r in rows]

    # --- tasks
    def ready(self) -> list[str]:
        return sorted(t.task_name for t in ready_tasks(self.instance.id))

    def task(self, who: str, name: str) -> HumanTask:
        tasks = [t for t in todo(user(who)) if t.instance_id == self.instance.id and t.task_name == name]
        assert len(tasks) == 1, f"{who}: expected one {name}; ready {self.ready()}"
        return tasks[0]

    def form(self, who: str, name: str) -> dict:
        return get_task(self.task(who, name).id, user(who)).data

    def do(self, who: str, name: str, submission: dict) -> None:
        complete_task(self.task(who, name).id, user(who), submission)
        db.session.commit()
        self.settle()
        db.session.refresh(self.instance)

    # --- standard steps
    def notice(self, who: str = PERF, **over: Any) -> dict:
        form = self.form(who, "ut_p7_notice_fund" if who == FUND else "ut_p7_notice")
        sub = {"issues": [{k: row.get(k) for k in ("description", "category", "severity", "owner_person",
                                                    "suggested_measure")} | {"owner_person": FILER}
                          for row in form["issues"]],
               "plan_due": form["plan_due"], "report_due": form.get("report_due"),
               "requirements": form.get("requirements"), "copy_to": []}
        sub.update(over)
        self.do(who, "ut_p7_notice_fund" if who == FUND else "ut_p7_notice", sub)
        return form

    def plan(self, signoff: str = "APPROVE", review: str = "APPROVE") -> None:
        rows = self.form(FILER, "ut_p7_plan")["plan_items"]
        self.do(FILER, "ut_p7_plan", {"plan_items": [
            {"measures": MEASURE, "responsible_person": FILER, "planned_completion": r["planned_completion"],
             "resources": "单位自有人员"} for r in rows]})
        sign = {"verdict": signoff, "dept_head_signoff": signoff == "APPROVE"}
        if signoff != "APPROVE":
            sign["comment"] = "整改措施不够具体，请细化后重新报送。"
        self.do(HEAD, "ut_p7_plan_signoff", sign)
        if signoff == "APPROVE" and review:
            self.review("ut_p7_plan_review", review)

    def review(self, step: str, verdict: str = "APPROVE") -> None:
        sub = {"verdict": verdict}
        if verdict != "APPROVE":
            sub["comment"] = "整改措施针对性不强，请补充完善后重新报送。"
        self.do(PERF, step, sub)

    def report(self, statuses: list[str] | None = None, review: str | None = "APPROVE") -> None:
        rows = self.form(FILER, "ut_p7_report")["report_items"]
        statuses = statuses or ["SELF_DECLARED_DONE"] * len(rows)
        items = []
        for status in statuses:
            item = {"status": status, "completion_text": DONE_TEXT}
            if status == "SELF_DECLARED_DONE":
                item["evidence"] = ["att-evidence-1"]
            if status == "IN_PROGRESS":
                item["remaining_plan_date"] = clock_today() + timedelta(days=60)
            items.append(item)
        self.do(FILER, "ut_p7_report", {"report_items": items, "overall_summary": SUMMARY})
        self.do(HEAD, "ut_p7_report_signoff", {"verdict": "APPROVE", "dept_head_signoff": True})
        if review:
            self.review("ut_p7_report_review", review)

    def check(self, who: str, step: str, results: list[str], actual: date | None = None,
              methods: tuple[str, ...] = ("BRIEFING", "LEDGER_CHECK")) -> None:
        actual = actual or clock_today()
        rows = []
        for r in results:
            row = {"result": r, "evidence_checked": "查阅整改台账和佐证材料"}
            if r != "CLOSED":
                row["new_deadline"] = actual + timedelta(days=45)
            rows.append(row)
        self.do(who, step, {"actual_date": actual, "methods": list(methods), "item_results": rows,
                            "report": ["att-check-report"]})


def clock_today() -> date:
    from engine.base.now import today

    return today()


__all__ = ["CODE", "FILER", "FUND", "HEAD", "OFFICER", "PERF", "UNIT_HEAD", "P7Flow", "at", "clock_today",
           "deploy_p7", "set_packs", "year_of"]
