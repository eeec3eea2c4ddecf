"""Driving `p2_target_joint_review` through the real engine on PostgreSQL the way the web layer does
(each task found in the acting user's 待办, completed with complete_task, committed). A P2 instance
is started as in production: a P1 request is driven into the library and its
`msg_project_in_library` is delivered by the queue. Shared by tests/integration/test_p2_engine*.py."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from p1_driver import ROOT, Flow, user
from sqlalchemy import select

from budget.models import BudgetArrangement, BudgetIssue, PerformanceTarget, ProjectYear, ReviewOpinion
from budget.p2_review import milestones
from engine.base.db import db
from engine.base.models import HumanTask, Message, ProcessInstance
from engine.dispatch import queue
from engine.moves.runtime import complete_task
from engine.work.inbox import ready_tasks, todo

W = Decimal
P2 = "p2_target_joint_review"
LONG = "目标设置与项目内容基本匹配，个别指标值偏低，建议结合上年实际值进一步细化。"


def deploy_p1_p2() -> None:
    from engine.definitions.deploy import closure_files, deploy

    files = closure_files(ROOT / "workflows")
    deploy(files["p1_project_intake"], "test")
    deploy(files[P2], "test")
    db.session.commit()


def fund_user(dept: str) -> str:
    """The fund division's officer of a department (§8.1: D05 → FD-ENV → fund.env)."""
    return {"D01": "fund.edu", "D02": "fund.soc", "D03": "fund.eco", "D04": "fund.agr", "D05": "fund.env",
            "D10": "fund.trd", "D11": "fund.trd"}[dept]


def review(total_band: str) -> dict:
    """F-05 dims giving a total in the band of `total_band` (优 92, 良 84, 中 70, 差 50)."""
    d = {"优": 23, "良": 21, "中": W("17.5"), "差": W("12.5")}[total_band]
    return {"dim_completeness": W(d), "dim_relevance": W(d), "dim_appropriateness": W(d), "dim_feasibility": W(d)}


class P2Flow:
    """The P2 instance a P1 request's entry into the library started."""

    def __init__(self, p1: Flow):
        self.p1 = p1
        queue.drain()  # delivers msg_project_in_library: the message start of P2
        db.session.expire_all()
        self.instance = self.only_instance()
        self.officer, self.filer = p1.officer, p1.filer.username
        self.fund = fund_user(p1.dept)

    def instances(self) -> list[ProcessInstance]:
        return list(db.session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_key == P2, ProcessInstance.business_key == self.p1.project.code)))

    def only_instance(self) -> ProcessInstance:
        (instance,) = self.instances()
        return instance

    def mine(self, who: str) -> list[HumanTask]:
        return [t for t in todo(user(who)) if t.instance_id == self.instance.id]

    def ready(self) -> list[str]:
        return sorted(t.task_name for t in ready_tasks(self.instance.id))

    def task(self, who: str, name: str) -> HumanTask:
        tasks = [t for t in self.mine(who) if t.task_name == name]
        assert len(tasks) == 1, f"{who}: expected one {name}; has {[t.task_name for t in self.mine(who)]}, " \
                                f"ready {self.ready()}"
        return tasks[0]

    def do(self, who: str, name: str, submission: dict) -> HumanTask:
        task = self.task(who, name)
        complete_task(task.id, user(who), submission)
        db.session.commit()
        db.session.refresh(self.instance)
        return task

    def data(self, who: str, name: str) -> dict:
        from engine.views.tasks import get_task

        return get_task(self.task(who, name).id, user(who)).all_data

    def form(self, who: str, name: str) -> dict:
        """What the step's form opens with (inputs, prefill)."""
        from engine.views.tasks import get_task

        return get_task(self.task(who, name).id, user(who)).data

    # --- records
    def year(self) -> ProjectYear:
        db.session.expire_all()
        return db.session.scalars(select(ProjectYear).where(
            ProjectYear.project_id == self.p1.project.id, ProjectYear.fiscal_year == self.instance.year)).one()

    def target(self) -> PerformanceTarget:
        return db.session.get(PerformanceTarget, self.year().target_id)

    def opinions(self) -> list[tuple[str, str, str | None, str | None]]:
        rows = db.session.scalars(select(ReviewOpinion).where(ReviewOpinion.instance_id == str(self.instance.id))
                                  .order_by(ReviewOpinion.created_at))
        return [(o.stage, o.verdict, o.grade, o.reviewer) for o in rows]

    def arrangements(self) -> list[BudgetArrangement]:
        return list(db.session.scalars(select(BudgetArrangement).where(
            BudgetArrangement.instance_id == str(self.instance.id))))

    def issues(self) -> list[BudgetIssue]:
        return list(db.session.scalars(select(BudgetIssue).where(
            BudgetIssue.instance_id == str(self.instance.id)).order_by(BudgetIssue.approval_date)))

    def outbox(self) -> list[tuple[str, dict]]:
        rows = db.session.scalars(select(Message).where(Message.source_instance_id == self.instance.id)
                                  .order_by(Message.created_at))
        return [(r.name, r.payload) for r in rows]

    # --- standard stretches
    def confirm(self, amount: int | Decimal | None = None, **over) -> None:
        sub = dict(self.data(self.filer, "ut_p2_confirm_request"))
        sub = {k: sub[k] for k in ("overall_goal", "annual_goal", "has_service_objects", "indicators", "requested_amount")}
        if amount is not None:
            sub["requested_amount"] = W(amount)
        sub.update(over)
        self.do(self.filer, "ut_p2_confirm_request", sub)

    def submit(self, verdict: str = "APPROVE") -> None:
        sub = {"verdict": verdict, "grade": "良"}
        if verdict != "APPROVE":
            sub["comment"] = "申报金额测算依据不足，请补充后重新报送。"
        self.do(self.officer, "ut_p2_dept_submit", sub)

    def fund_review(self, band: str, suggested: int | None = None) -> None:
        sub = {**review(band), "budget_match": "MATCH", "comment": LONG}
        if band in ("中", "差"):
            sub["indicator_comments"] = [{"indicator_id": "年度任务完成数量", "comment": "指标值偏低，应不低于上年实际。"}]
        if suggested is not None:
            sub["suggested_amount"] = W(suggested)
        self.do(self.fund, "ut_p2_fund_review", sub)


def declare(kind: str, year: int, on: date | None = None, who: str = "budget.1") -> bool:
    done = milestones.declare(kind, year, on or date.today(), who)
    db.session.commit()
    queue.drain()
    db.session.expire_all()
    return done


PERF = "perf.1"


def panel(p: P2Flow, opinion: dict | None = None, verdict_key: str = "expert_verdict") -> dict:
    """CA-1 inside P2: FIN_PERF confirms the drawn experts, each gives `opinion`, the chair concludes.
    Returns what was seen (experts, the form each expert got, the panel score)."""
    seen: dict = {}
    confirm = p.data(PERF, "ut_panel_confirm")
    experts = list(confirm["experts"])
    seen["experts"], seen["panel_type"], seen["n"] = experts, confirm["panel_type"], confirm["n_experts"]
    p.do(PERF, "ut_panel_confirm", {"experts": experts})
    seen["forms"] = sorted({t.form_key + "/" + (t.form_mode or "") for w in experts for t in p.mine(w)})
    step = {"JOINT": "ut_expert_opinion_joint", "TARGET": "ut_expert_opinion_target"}[confirm["panel_type"]]
    for who in experts:
        p.do(who, step, opinion or {})
    seen["panel_score"] = p.data(PERF, "ut_panel_chair")["panel_score"]
    p.do(PERF, "ut_panel_chair", {"panel_verdict": "PASS", "comment": "评审组同意专家的主要意见。"})
    return seen


def joint_opinion(band: str, suggested: int) -> dict:
    return {**review(band), "budget_items": [
        {"cost_item": "设备购置", "requested": W(1800), "suggested": W(1600), "reason": "参照政府采购均价压减。"}],
        "suggested_amount": W(suggested), "expert_verdict": "ENTER", "comment": LONG}


def target_opinion(band: str) -> dict:
    sub = {**review(band), "budget_match": "MATCH", "comment": LONG}
    if band in ("中", "差"):
        sub["indicator_comments"] = [{"indicator_id": "年度任务完成数量", "comment": "指标值偏低，应不低于上年实际。"}]
    return sub


def third_party(p: P2Flow, firm: tuple[str, str] = ("TP-C", "tp.c.lead")) -> None:
    """CA-2 inside P2: FIN_PERF engages a firm, its lead accepts."""
    p.do(PERF, "ut_tp_select", {"firm": firm[0], "tp_lead": firm[1], "contract_amount": W("8"),
                                "engagement_scope": "对项目重点绩效目标开展第三方审核并出具审核意见。", "training_done": True})
    p.do(firm[1], "ut_tp_accept", {"verdict": "APPROVE", "conflict_declaration": True})
