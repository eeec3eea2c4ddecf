"""示例市's five rectification cases (sample-data §8.8) reached through P7 on the real engine, woven
into the rest of the story by date: the performance division (perf.1) registers each evaluation's
findings with its score on the registration page's path (budget.rect_sources: score → grade by
DT-08, `msg_start_rectification`, P7's starter makes the case and DT-14 its deadlines), then every
step is done by the demo user who may act — the notice, the unit's plan and report with the
department head's sign-off, finance's reviews, the on-site check, the 约谈 — on the table's dates.
Reminders, escalations, the overdue flags and the 约谈's task come from the running system itself:
the story's calendar (`Story`) lets the scheduler tick at every P7 timer and reminder occasion, so
the reminder scan records them on their days.

The people's decisions where §8.8 and the running rules disagree (docs/design.md "Demo history"):
- RC-2025-001 (P-D06-001) is numbered before RC-2025-002 (P-D03-002), whose notice is 06-16, so
  perf.1 registers both key evaluations on 2025-06-16 (TP-B's first) and issues P-D06-001's notice
  on 07-01 as §8.8 says: the notice step waited (its reminders are in the record). Deadlines count
  from the notice date (T24), so the notice sets them from 07-01.
- RC-2025-003's large self-evaluation difference (DT-14 row 6, 15 days) and its re-evaluation grade
  中 (row 3, 30/90 days) give the plan the minimum, 15 days: due 07-25; the plan comes 5 days late,
  on 07-30 (§8.8's "+30 d, 08-14" contradicts DT-14's minimum). Its report (§8.8: 10-05, inside the
  National Day holiday) comes on 09-30, the last working day before it; finance accepts it on 10-10
  and DT-15 draws 0.63 → DESK: the desk verification is open at the snapshot.
- DT-15's draws of the five cases are the loader's (`rect_draws`, budget.p7_rectification.followup):
  0.63 and 0.12 from §8.8, seeded numbers for the others. RC-2025-004's 0.12 is taken when its report
  is accepted, after the snapshot (then ONSITE)."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.demo_history.driver import Answer, Cursor, Plan, at, user
from budget.demo_history.targets import SEED
from budget.models import Project, RectificationCase
from budget.p7_rectification.followup import DRAWS_FLAG
from budget.rect_sources.registration import Registration, register
from budget.shared.helpers import TZ
from engine.base.db import db
from engine.base.models import HumanTask, ProcessInstance, SiteFlag, Timer
from engine.work.reminders import settings as reminder_settings

W = Decimal
P7 = "p7_rectification"
PERF = "perf.1"
STORY_FROM = date(2024, 6, 17)  # the first case's findings are registered on 2024-06-20
EVIDENCE = ["att-rect-evidence"]
REPORT_FILE = ["att-followup-report"]


@dataclass(frozen=True)
class Check:
    """An on-site 回头看: scheduled on `scheduled`, held on `planned` (or still to come)."""

    scheduled: date
    planned: date
    checkers: tuple[str, ...]
    methods: tuple[str, ...] = ()
    results: tuple[tuple[str, date | None], ...] = ()  # per issue: result, new deadline
    held: bool = False


@dataclass(frozen=True)
class Interview:
    held: date
    interviewees: tuple[str, ...]
    record: str
    new_due: date


@dataclass(frozen=True)
class Case:
    """One §8.8 row as the people play it (dates are the days they act on)."""

    code: str
    project: str
    unit: str
    source_type: str
    eval_year: int
    score: str
    label: str
    findings: tuple[tuple[str, str, str, str], ...]  # description, category, severity, suggested measure
    registered: datetime
    notice: date
    plan_signed: date
    plan_accepted: date
    report_signed: date | None = None
    report_accepted: date | None = None
    large_diff: bool = False
    check: Check | None = None
    interview: Interview | None = None
    draw: str | None = None

    @property
    def dept(self) -> str:
        return self.unit.split("-")[0]

    @property
    def filer(self) -> str:
        return f"filer.{self.unit.lower().replace('-', '')}"

    @property
    def head(self) -> str:
        return f"depthead.{self.dept.lower()}"

    @property
    def unit_head(self) -> str:
        return f"head.{self.unit.lower().replace('-', '')}"


CASES = (
    Case("RC-2024-001", "P-D04-001", "D04-U02", "FISCAL_KEY_EVAL", 2023, "81", "2023年度财政重点评价（81分）", (
        ("部分项目区建设任务未按期完工，年度新建高标准农田面积完成率为86%", "OUTPUT", "MEDIUM",
         "倒排工期，督促施工单位在次年春耕前完成剩余田间工程"),
        ("县级配套资金到位率偏低，项目资金拨付滞后于工程进度", "MANAGEMENT", "MEDIUM",
         "与县级财政建立配套资金到位通报机制，按工程进度及时拨付"),
        ("部分田间工程未经竣工验收即交付使用，验收资料不完整", "MANAGEMENT", "HIGH",
         "组织补充验收，完善竣工资料并归档"),
        ("建后管护机制未建立", "EFFECT", "HIGH", "制定建后管护办法，明确管护主体、经费和考核"),
    ), at(date(2024, 6, 20), 9, 10), date(2024, 6, 20), date(2024, 7, 18), date(2024, 7, 23),
        date(2024, 9, 10), date(2024, 9, 25),
        check=Check(date(2024, 9, 27), date(2025, 6, 12), ("perf.1", "expert.e07", "expert.e11"),
                    ("BRIEFING", "INQUIRY", "LEDGER_CHECK"),
                    (("CLOSED", None), ("CLOSED", None), ("CLOSED", None), ("NOT_RECTIFIED", date(2025, 12, 31))),
                    held=True)),
    Case("RC-2025-001", "P-D06-001", "D06-U01", "FISCAL_KEY_EVAL", 2024, "88", "2024年度财政重点评价（88分，TP-B）", (
        ("低保对象动态管理不够及时，部分已不符合条件的对象未及时退出", "MANAGEMENT", "MEDIUM",
         "按季度开展低保对象家庭经济状况复核，及时办理退出"),
        ("特困人员救助供养标准调整后，部分区县未及时落实到位", "OUTPUT", "MEDIUM",
         "督促区县按新标准补发差额并建立标准调整落实台账"),
        ("救助对象满意度指标缺少调查数据支撑", "SELF_EVAL_QUALITY", "LOW",
         "委托第三方开展救助对象满意度抽样调查"),
    ), at(date(2025, 6, 16), 9, 5), date(2025, 7, 1), date(2025, 7, 25), date(2025, 7, 29),
        date(2025, 9, 26), date(2025, 10, 10),
        check=Check(date(2025, 10, 14), date(2026, 4, 15), ("perf.2", "expert.e09"))),
    Case("RC-2025-002", "P-D03-002", "D03-U02", "FISCAL_KEY_EVAL", 2024, "78", "2024年度财政重点评价（78分，TP-A）", (
        ("成本控制不力，2024年单位运营成本高于成本定额标准，超支部分仍全额纳入补贴测算", "COST", "HIGH",
         "建立单位运营成本核算和定额管理制度，超定额成本不予补贴"),
        ("补贴资金测算依据不充分，未与服务质量考核结果挂钩", "DECISION", "HIGH",
         "修订补贴测算办法，将服务质量考核结果与补贴拨付挂钩"),
        ("政府购买公交服务合同绩效考核条款不完善，考核结果未应用于资金拨付", "MANAGEMENT", "MEDIUM",
         "补充完善合同绩效考核条款并按考核结果拨付"),
        ("部分线路准点率、满载率等服务指标未达到目标值", "OUTPUT", "MEDIUM",
         "优化线路和班次配置，按月通报准点率和满载率"),
        ("乘客满意度调查样本量不足，满意度指标数据来源不可靠", "SELF_EVAL_QUALITY", "LOW",
         "扩大满意度调查样本并委托第三方实施"),
    ), at(date(2025, 6, 16), 9, 20), date(2025, 6, 16), date(2025, 7, 16), date(2025, 7, 18),
        interview=Interview(date(2025, 9, 30), ("depthead.d03", "head.d03u02"),
                            "约谈市交通运输局和市公共交通服务中心负责人：整改报告逾期未报送，成本控制问题整改进展缓慢。"
                            "要求10月31日前报送整改报告，逐项说明成本定额管理和补贴测算办法修订情况，逾期将通报并暂缓安排下年度预算。",
                            date(2025, 10, 31))),
    Case("RC-2025-003", "P-D07-001", "D07-U01", "RE_EVAL", 2024, "74", "2024年度再评价（74分，自评93分）", (
        ("创新券兑付审核把关不严，部分兑付事项缺少服务合同和发票等佐证材料", "MANAGEMENT", "MEDIUM",
         "完善兑付审核清单，补齐佐证材料后方可兑付"),
        ("自评报告对政策效果的评价缺少数据支撑，自评分明显偏高", "SELF_EVAL_QUALITY", "MEDIUM",
         "按评价指标逐项收集数据，重新核定自评结果并说明差异原因"),
    ), at(date(2025, 7, 10), 9, 10), date(2025, 7, 10), date(2025, 7, 30), date(2025, 8, 1),
        date(2025, 9, 30), date(2025, 10, 10), large_diff=True, draw="0.6300"),
    Case("RC-2025-004", "P-D09-002", "D09-U01", "RE_EVAL", 2024, "70", "2024年度再评价（70分）", (
        ("培训补贴发放对象审核不严，存在同一人员重复申领情况", "MANAGEMENT", "HIGH",
         "与社保、就业信息系统比对，追回重复发放的补贴"),
        ("培训后就业率未达到目标值，培训内容与市场需求匹配度不高", "EFFECT", "MEDIUM",
         "按用工需求调整培训专业目录，建立培训就业跟踪回访"),
        ("培训机构绩效考核机制不健全，未建立退出机制", "MANAGEMENT", "MEDIUM",
         "制定定点培训机构考核办法，考核不合格的取消资格"),
    ), at(date(2025, 7, 22), 9, 10), date(2025, 7, 22), date(2025, 8, 15), date(2025, 8, 19), draw="0.1200"),
)
BY_CODE = {c.code: c for c in CASES}

PLAN_NOTE = "明确责任科室和完成时限，按月报送整改进展。"
MEASURE_DONE = "已按整改措施逐项落实，相关制度已印发执行，佐证材料已上传。"
SUMMARY = ("单位对照评价发现的问题逐项制定整改措施，明确责任人和完成时限，成立整改工作专班按月调度。"
           "目前各项问题已按计划整改，相关制度已修订印发，资金管理和项目管理薄弱环节已堵塞，"
           "需长期坚持的事项已纳入日常管理并持续跟踪。")
EVIDENCE_CHECKED = {"CLOSED": "查阅整改台账、制度文件和资金拨付凭证，现场询问经办人员，整改到位。",
                    "NOT_RECTIFIED": "建后管护办法尚未出台，管护主体和管护经费未落实，部分已建工程无人管护。"}


def draws() -> dict[str, str]:
    """DT-15's numbers for the five cases: §8.8's where it names one, else seeded."""
    return {c.code: c.draw or f"{random.Random(f'{SEED}-{c.code}-draw').random():.4f}" for c in CASES}


class CasePlan:
    """What the people of one case do on its P7 instance."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def __call__(self, task: HumanTask, data: dict[str, Any], ctx: dict[str, Any]) -> Answer | None:
        handler = getattr(self, task.task_name, None)
        return handler(data, ctx) if handler else None

    def record(self) -> RectificationCase:
        return db.session.scalars(select(RectificationCase).where(RectificationCase.code == self.case.code)).one()

    def ut_p7_notice(self, data: dict, ctx: dict) -> Answer:
        """F-21 on the notice day; the deadlines DT-14 gave at the registration, counted from the notice
        day (T24)."""
        c = self.case
        moved = c.notice - c.registered.date()
        issues = [{k: row.get(k) for k in ("description", "category", "severity", "suggested_measure")}
                  | {"owner_person": c.filer} for row in data["issues"]]
        report_due = data.get("report_due")
        return Answer({"issues": issues, "plan_due": data["plan_due"] + moved,
                       "report_due": report_due + moved if report_due else None,
                       "requirements": data.get("requirements"), "copy_to": [c.unit_head]},
                      who=PERF, not_before=at(c.notice, 10))

    def ut_p7_plan(self, data: dict, ctx: dict) -> Answer:
        rows = [{"measures": f"{r.get('measures') or '按整改通知要求逐项落实整改措施'}；{PLAN_NOTE}",
                 "responsible_person": self.case.filer,
                 "planned_completion": r["planned_completion"], "resources": "单位自有人员和年度工作经费"}
                for r in data["plan_items"]]
        return Answer({"plan_items": rows}, who=self.case.filer, not_before=at(self.case.plan_signed, 9, 30))

    def ut_p7_plan_signoff(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "dept_head_signoff": True}, who=self.case.head,
                      not_before=at(self.case.plan_signed, 14))

    def ut_p7_plan_review(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "comment": "整改计划措施具体、时限明确，同意。"}, who=PERF,
                      not_before=at(self.case.plan_accepted, 10))

    def ut_p7_report(self, data: dict, ctx: dict) -> Answer | None:
        c = self.case
        if c.report_signed is None or self.record().re_round > 0:
            return None  # not submitted at the snapshot (RC-2025-002, RC-2025-004; RC-2024-001's round 1)
        items = [{"status": "SELF_DECLARED_DONE", "completion_text": MEASURE_DONE, "evidence": EVIDENCE}
                 for _ in data["report_items"]]
        return Answer({"report_items": items, "overall_summary": SUMMARY}, who=c.filer,
                      not_before=at(c.report_signed, 9, 30))

    def ut_p7_report_signoff(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "dept_head_signoff": True}, who=self.case.head,
                      not_before=at(self.case.report_signed, 14))

    def ut_p7_report_review(self, data: dict, ctx: dict) -> Answer:
        return Answer({"verdict": "APPROVE", "comment": "整改报告内容完整，佐证材料齐全，同意。"}, who=PERF,
                      not_before=at(self.case.report_accepted, 10))

    def ut_p7_schedule(self, data: dict, ctx: dict) -> Answer | None:
        check = self.case.check
        if check is None:
            return None
        return Answer({"planned_date": check.planned, "checkers": list(check.checkers)}, who=PERF,
                      not_before=at(check.scheduled, 10))

    def ut_p7_onsite(self, data: dict, ctx: dict) -> Answer | None:
        check = self.case.check
        if check is None or not check.held:
            return None
        rows = [{"result": result, "evidence_checked": EVIDENCE_CHECKED[result], "new_deadline": deadline}
                for result, deadline in check.results]
        return Answer({"actual_date": check.planned, "methods": list(check.methods), "item_results": rows,
                       "report": REPORT_FILE}, who=check.checkers[0], not_before=at(check.planned, 16))

    def ut_p7_interview(self, data: dict, ctx: dict) -> Answer | None:
        talk = self.case.interview
        if talk is None:
            return None
        return Answer({"interview_date": talk.held, "interviewees": list(talk.interviewees),
                       "interview_record": talk.record, "new_report_due": talk.new_due}, who=PERF,
                      not_before=at(talk.held, 10))


class Story:
    """The calendar `drive` follows for P7 (driver.Calendar): each case's registration at its moment,
    and a scheduler tick at every P7 timer (deadline boundaries, the 约谈 at report due + 15 days,
    the on-site visit) and every reminder occasion of an open P7 work item (views §7.3: T−7/−3/−1,
    due, overdue and its repeats, head, finance) — the running scheduler ticks every few seconds;
    the story ticks where something can happen."""

    def __init__(self, cases: tuple[Case, ...] = CASES) -> None:
        self.pending = sorted(cases, key=lambda c: c.registered)
        self.instances: dict[str, Any] = {}
        self.moments = 0  # how many times the story made the scheduler tick (the cost it adds)

    def next_at(self, now: datetime) -> datetime | None:
        moments = [self.pending[0].registered] if self.pending else []
        moments += [m for m in (self._next_timer(now), self._next_occasion(now)) if m is not None]
        return min(moments, default=None)

    def happen(self, cursor: Cursor, moment: datetime) -> dict[Any, Plan]:
        started: dict[Any, Plan] = {}
        self.moments += 1
        while self.pending and self.pending[0].registered <= moment:
            case = self.pending.pop(0)
            instance_id = register_findings(case)
            cursor.settle()
            self.instances[case.code] = instance_id
            started[instance_id] = CasePlan(case)
        return started

    @staticmethod
    def _next_timer(now: datetime) -> datetime | None:
        return db.session.scalar(select(Timer.due_at).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                                 .where(ProcessInstance.process_key == P7, Timer.status == "WAITING",
                                        Timer.due_at > now).order_by(Timer.due_at).limit(1))

    @staticmethod
    def _next_occasion(now: datetime) -> datetime | None:
        s = reminder_settings()
        rows = db.session.execute(select(HumanTask.due_at, HumanTask.created_at).join(
            ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
            ProcessInstance.process_key == P7, HumanTask.status == "READY", HumanTask.due_at.is_not(None))).all()
        best: datetime | None = None
        for due_at, created_at in rows:
            due_day = due_at.astimezone(TZ).date()
            overdue_by = max(0, (now.astimezone(TZ).date() - due_day).days)
            offsets = [-d for d in s.days_before] + [0, 1, s.head_days, s.fin_days]
            offsets += [1 + s.repeat_days * n for n in range(1, overdue_by // s.repeat_days + 2)]
            for offset in offsets:
                moment = at(due_day + timedelta(days=offset), s.due_hour, 1)
                if moment > now and (offset >= 0 or moment > created_at) and (best is None or moment < best):
                    best = moment
        return best


def register_findings(case: Case) -> uuid.UUID:
    """perf.1 registers the evaluation's findings (整改来源登记): the message starts P7 at once."""
    project = db.session.scalars(select(Project).where(Project.code == case.project)).one()
    findings = [{"description": d, "category": cat, "severity": sev, "owner_unit": case.unit, "suggested_measure": m}
                for d, cat, sev, m in case.findings]
    source, _ = register(user(PERF), Registration(
        source_type=case.source_type, project_id=project.id, eval_year=case.eval_year, findings=findings,
        client_key=f"demo-{case.code}", score=W(case.score), large_diff=case.large_diff))
    if source.instance_id is None:
        raise RuntimeError(f"{case.code}: P7 did not take the registered findings ({source.message_status})")
    made = db.session.scalars(select(RectificationCase.code).where(
        RectificationCase.source_id == source.id)).one()
    if made != case.code:
        raise RuntimeError(f"the findings of {case.project} made {made}, the story expects {case.code}")
    return uuid.UUID(source.instance_id)


def set_draws() -> None:
    """The demo's DT-15 numbers, read by P7 when it draws (budget.p7_rectification.followup)."""
    db.session.merge(SiteFlag(key=DRAWS_FLAG, value={"draws": draws(), "source": "sample-data §8.8（示例数据）"}))
    db.session.commit()
