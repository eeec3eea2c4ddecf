"""P2 `p2_target_joint_review` on the real engine and PostgreSQL: the rolling start from P1 (one
instance per project-year), steps 1–4, the FUND_DIVISION review with every DT-04 outcome, the
waits for the result decisions and the 人大 approval, the arrangement and the two 批复 levels."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from p1_driver import CORE, Flow, set_packs
from p2_driver import P2Flow, declare, deploy_p1_p2, review
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import DisclosureItem
from budget.shared.helpers import TZ
from engine.base.db import db
from engine.base.models import Message
from engine.dispatch import queue

W = Decimal


@pytest.fixture()
def p2(db):
    load_demo("demo-pass-1")
    deploy_p1_p2()
    set_packs(CORE)
    return db


def in_library(code: str = "P-D05-002") -> P2Flow:
    """CORE, 299 万 NEW: no ex-ante, straight into the library → P2 starts."""
    flow = Flow(code)
    flow.intake()
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    return P2Flow(flow)


def test_rolling_start_once_per_project_year(p2):
    p = in_library()
    assert p.instance.scope_unit == "D05-U01" and p.instance.scope_division == "FD-ENV"
    assert p.instance.year == p.p1.year_row().fiscal_year
    assert p.ready() == ["ut_p2_confirm_request"] and p.year().cycle_status == "REQUEST_PREP"
    assert [t.task_name for t in p.mine("filer.d05u01")] == ["ut_p2_confirm_request"]
    assert p.mine("filer.d05u02") == []
    opens = p.data("filer.d05u01", "ut_p2_confirm_request")
    assert opens["requested_amount"] == W(299) and len(opens["indicators"]) == 9
    assert opens["indicators"][0]["target_value"] == W(300)
    # the same message again (a redelivery, a second thrower): no second instance
    (msg,) = [m for m in db.session.scalars(select(Message).where(Message.name == "msg_project_in_library"))]
    from engine.moves import mailbox
    mailbox.send(msg.name, dict(msg.payload), source=None)
    db.session.commit()
    queue.drain()
    assert len(p.instances()) == 1


def test_fund_division_return_then_next_through_issue(p2):
    p = in_library()
    p.confirm(280)
    assert p.year().requested == W("2800000.00") and p.target().version_no == 2
    p.submit("RETURN")  # the department returns it to the unit
    assert p.ready() == ["ut_p2_confirm_request"] and p.target().status == "RETURNED"
    p.confirm()
    p.submit()
    assert p.year().cycle_status == "TARGET_REVIEW" and p.target().status == "UNDER_REVIEW"
    assert [t.task_name for t in p.mine(p.fund)] == ["ut_p2_fund_review"]
    assert p.mine("fund.edu") == []  # another fund division
    ctx = p.data(p.fund, "ut_p2_fund_review")
    assert (ctx["review_mode"], ctx["dt03_row"], ctx["is_major"]) == ("FUND_DIVISION", "dt03_r5", False)
    p.fund_review("优", suggested=260)
    assert p.target().review_grade == "优" and p.year().review_approved == W("2600000.00")
    # NEXT: the result decisions of the year are not ready → waits
    assert p.ready() == [] and p.instance.has_waits
    year = p.instance.year
    assert declare("RESULT_DECISIONS_READY", year) is True
    assert declare("RESULT_DECISIONS_READY", year) is False  # once
    db.session.refresh(p.instance)
    arrange = p.data("budget.1", "ut_p2_budget_arrange")
    assert arrange["default_arranged"] == W(260) and arrange["arrange_cap_wan"] == W(260)
    assert "评审审定金额" in arrange["default_basis"]
    shown = p.form("budget.1", "ut_p2_budget_arrange")  # F-07 opens with the default and its source
    assert (shown["arranged"], shown["default_arranged"], shown["requested_wan"]) == (W(260), W(260), W(280))
    assert shown["default_basis"] == "取 申请金额减结果应用压减 280 万元、评审审定金额 260 万元 中的最小者：评审审定金额"
    with pytest.raises(Exception) as refused:  # deviation from the default needs a reason
        p.do("budget.1", "ut_p2_budget_arrange", {"arranged": W(250)})
    db.session.rollback()
    assert "arrange_reason" in str(refused.value.errors if hasattr(refused.value, "errors") else refused.value)
    p.do("budget.1", "ut_p2_budget_arrange", {"arranged": W(250), "arrange_reason": "按年度财力统筹安排，适当压减非急需支出。"})
    assert p.year().arranged == W("2500000.00") and p.year().cycle_status == "BUDGET_ARRANGED"
    assert p.target().status == "APPROVED_FOR_BUDGET"
    (arr,) = p.arrangements()
    assert arr.default_basis["source"] == "REVIEW_APPROVED" and arr.default_amount == W("2600000.00")
    # 人大 approval recorded once by the budget division: the instance moves on
    assert p.ready() == []
    npc = date.today() - timedelta(days=25)
    assert declare("NPC_APPROVED", year, npc) is True
    db.session.refresh(p.instance)
    assert p.ready() == ["ut_p2_fin_issue"]
    fin = p.data("budget.1", "ut_p2_fin_issue")
    assert fin["npc_approval_date"] == npc and fin["fin_issue_due_date"] == npc + timedelta(days=20)
    p.do("budget.1", "ut_p2_fin_issue", {"approval_doc_no": "示财预〔2026〕1号", "approval_date": date.today(),
                                         "late_reason": "人大批准后预算草案调整较多，批复文件会签时间较长。"})
    p.do(p.officer, "ut_p2_dept_issue", {"approval_doc_no": "示环财〔2026〕3号", "approval_date": date.today()})
    db.session.refresh(p.instance)
    assert (p.instance.status, p.instance.end_event) == ("COMPLETED", "end_p2_issued")
    assert p.year().cycle_status == "EXECUTING" and p.target().status == "ISSUED"
    assert [(i.level, i.late) for i in p.issues()] == [("FINANCE", True), ("DEPARTMENT", False)]
    names = [n for n, _ in p.outbox()]
    assert names == ["msg_budget_approved", "msg_disclosure_event"]
    assert dict(p.outbox())["msg_budget_approved"]["arranged"] == "250"
    items = db.session.scalars(select(DisclosureItem).where(DisclosureItem.object_id == p.year().id)).all()
    assert [i.item_type for i in items] == ["PROJECT_TARGET"]
    db.session.refresh(p.p1.project)
    assert p.p1.project.library_status == "ACTIVE"


@pytest.mark.parametrize("band", ["中", "差"])
def test_fund_division_return_resubmit_and_reject(p2, band):
    p = in_library()
    p.confirm()
    p.submit()
    p.fund_review(band)
    if band == "差":
        db.session.refresh(p.instance)
        assert (p.instance.status, p.instance.end_event) == ("COMPLETED", "end_p2_not_arranged")
        assert p.year().cycle_status == "NOT_ARRANGED" and p.target().status == "REJECTED"
        return
    for round_no in (2, 3):  # 中 → RETURN_RESUBMIT with round + 1, until round 3 rejects
        assert p.ready() == ["ut_p2_confirm_request"] and p.year().cycle_status == "REQUEST_PREP"
        assert p.data(p.filer, "ut_p2_confirm_request")["round"] == round_no
        p.confirm()
        p.submit()
        p.fund_review("中")
    db.session.refresh(p.instance)
    assert p.instance.end_event == "end_p2_not_arranged"


def test_fund_division_minor_fix_with_objection(p2):
    p = in_library()
    p.confirm()
    p.submit()
    p.fund_review("良")
    fix = p.data(p.fund, "ut_p2_fin_fix")
    assert len(fix["indicators"]) == 9
    sub = {k: fix[k] for k in ("overall_goal", "annual_goal", "has_service_objects", "indicators")}
    sub["indicators"][0]["target_value"] = W(320)
    p.do(p.fund, "ut_p2_fin_fix", {**sub, "fix_note": "将年度任务完成数量由300项调整为320项，与资金规模匹配。"})
    assert p.target().indicators[0].target_value == W(320) and p.target().status == "UNDER_REVIEW"
    p.do(p.officer, "ut_p2_fix_objection", {"verdict": "RETURN", "comment": "320项超出单位年度实施能力，建议维持原值。"})
    assert p.ready() == ["ut_p2_fin_fix"]
    p.do(p.fund, "ut_p2_fin_fix", {**sub, "fix_note": "经与主管部门沟通，年度任务完成数量调整为310项。"})
    p.do(p.officer, "ut_p2_fix_objection", {"verdict": "APPROVE"})
    assert p.ready() == [] and p.instance.has_waits  # waiting for the result decisions
    assert [s for s, *_ in p.opinions()] == [
        "ut_p2_dept_submit", "ut_p2_fund_review", "ut_p2_fin_fix", "ut_p2_fix_objection", "ut_p2_fin_fix",
        "ut_p2_fix_objection"]


def test_decisions_ready_before_is_not_waited_for(p2):
    p = in_library()
    declare("RESULT_DECISIONS_READY", p.instance.year)
    declare("NPC_APPROVED", p.instance.year, date.today())
    p.confirm()
    p.submit()
    p.fund_review("优")
    assert p.ready() == ["ut_p2_budget_arrange"]
    p.do("budget.1", "ut_p2_budget_arrange", {"arranged": W(299), "arrange_reason": None})
    assert p.ready() == ["ut_p2_fin_issue"]


def test_review_helper_bands():
    assert sum(review("优").values()) == 92 and sum(review("中").values()) == 70


def timer_rows(p: P2Flow) -> dict:
    from engine.base.models import Timer

    db.session.expire_all()
    return {t.task_name: t for t in db.session.scalars(select(Timer).where(Timer.instance_id == p.instance.id))}


def tick() -> None:
    from engine.time import clock

    clock.tick()
    queue.drain()
    db.session.expire_all()


def test_fin_issue_deadline_flags_the_open_task_overdue(p2):
    """人大 approval 25 days ago: the 20-day 批复 timer is due at once; it flags the open 批复 step in
    the ledger (due date, 紧急) and leaves it open (non-interrupting)."""
    from engine.base.models import AuditEvent, HumanTask

    p = in_library()
    year = p.instance.year
    npc = date.today() - timedelta(days=25)
    declare("RESULT_DECISIONS_READY", year)
    declare("NPC_APPROVED", year, npc)
    p.confirm()
    p.submit()
    p.fund_review("优")
    p.do("budget.1", "ut_p2_budget_arrange", {"arranged": W(299)})
    tick()  # the timer is due at once (it fired on reaching the step, or fires at the next tick)
    (item,) = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == p.instance.id,
                                                        HumanTask.status == "READY")).all()
    assert item.task_name == "ut_p2_fin_issue"
    assert item.due_at.astimezone(TZ).date() == npc + timedelta(days=20)  # the ledger shows it 逾期
    flagged = db.session.scalars(select(AuditEvent.title).where(
        AuditEvent.instance_id == p.instance.id, AuditEvent.action == "overdue")).all()
    assert flagged == [f"ut_p2_fin_issue 已逾期（期限 {(npc + timedelta(days=20)).isoformat()}）"]
    with pytest.raises(Exception, match="late_reason"):
        p.do("budget.1", "ut_p2_fin_issue", {"approval_doc_no": "示财预〔2026〕2号", "approval_date": date.today()})
    db.session.rollback()
    p.do("budget.1", "ut_p2_fin_issue", {"approval_doc_no": "示财预〔2026〕2号", "approval_date": date.today(),
                                         "late_reason": "人大批准后预算草案调整较多，批复文件会签时间较长。"})
    rows = timer_rows(p)
    assert rows["tm_p2_dept_issue_due"].status == "WAITING"
    assert rows["tm_p2_dept_issue_due"].due_at.astimezone(TZ).date() == date.today() + timedelta(days=15)
    (item,) = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == p.instance.id,
                                                        HumanTask.status == "READY")).all()
    assert (item.task_name, item.due_at) == ("ut_p2_dept_issue", rows["tm_p2_dept_issue_due"].due_at)


def pass_deadline(p: P2Flow, timer: str) -> None:
    """Move a waiting timer's deadline to a moment ago, in the stored state and its timer row, as if
    the days had gone by (the engine has no settable clock yet)."""
    from datetime import datetime

    from SpiffWorkflow.util.task import TaskState

    from engine.moves import sidetables
    from engine.moves.state import load

    instance = db.session.get(type(p.instance), p.instance.id)
    workflow, _scripts, _loaded = load(instance)
    (task,) = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == timer]
    task._set_internal_data(event_value=(datetime.now(TZ) - timedelta(seconds=1)).isoformat())
    sidetables.persist(instance, workflow, None, datetime.now().timestamp())
    db.session.commit()


def test_objection_window_passes_without_objection(p2):
    """FIN_MINOR_FIX: when the department does not answer within 3 working days the fixed target stands."""
    from engine.base.db import utcnow

    p = in_library()
    p.confirm()
    p.submit()
    p.fund_review("良")
    fix = p.data(p.fund, "ut_p2_fin_fix")
    sub = {k: fix[k] for k in ("overall_goal", "annual_goal", "has_service_objects", "indicators")}
    p.do(p.fund, "ut_p2_fin_fix", {**sub, "fix_note": "补充了时效指标的计算口径，与资金规模相匹配。"})
    window = timer_rows(p)["tm_p2_objection_window"]
    assert window.status == "WAITING" and window.due_at > utcnow()
    pass_deadline(p, "tm_p2_objection_window")  # three working days later
    tick()
    db.session.refresh(p.instance)
    assert p.ready() == [] and p.instance.has_waits  # past the fix, waiting for the result decisions


def test_messages_from_the_api_wake_every_waiting_instance_and_are_recorded(p2):
    """The same milestones posted through the messages API (engine.moves.inbound, as the budget and
    performance divisions may): one message moves every waiting instance of the year, and the first
    one it wakes records the milestone from it, so later instances do not wait."""
    from p1_driver import user

    from engine.moves import inbound

    first, second = in_library("P-D05-002"), in_library("P-D05-001")
    for p in (first, second):
        p.confirm()
        p.submit()
        p.fund_review("优")
        assert p.ready() == [] and p.instance.has_waits
    year = first.instance.year
    from budget.p2_review.milestones import jurisdiction_code, milestone_date

    where = jurisdiction_code()
    posted = inbound.post("msg_result_decisions_ready", {"jurisdiction": where, "apply_year": year}, {},
                          client_id="perf-2027-decisions", sender=user("perf.1"))
    assert posted.status == "DELIVERED" and len(posted.results) == 2
    for p in (first, second):
        db.session.refresh(p.instance)
        assert p.ready() == ["ut_p2_budget_arrange"]
    assert milestone_date(where, year, "RESULT_DECISIONS_READY") is not None
    for p in (first, second):
        p.do("budget.1", "ut_p2_budget_arrange", {"arranged": p.form("budget.1", "ut_p2_budget_arrange")["arranged"]})
    npc = date.today() - timedelta(days=3)
    inbound.post("msg_npc_budget_approved", {"jurisdiction": where, "fiscal_year": year},
                 {"npc_approval_date": npc}, client_id="npc-2027", sender=user("budget.1"))
    for p in (first, second):
        db.session.refresh(p.instance)
        assert p.ready() == ["ut_p2_fin_issue"]
        assert p.data("budget.1", "ut_p2_fin_issue")["npc_approval_date"] == npc
    assert milestone_date(where, year, "NPC_APPROVED") == npc
