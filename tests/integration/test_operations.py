"""The approval operations on the real engine and PostgreSQL, with the test model
tests/models/ops_review.bpmn: fill → check → (review A ∥ review B) → experts (parallel
multi-instance) → 票签 2/3 → final → end; and, through tests/integration/p1_driver.py, 退回 and
退回后直达 on P1 with its domain records."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base.db import db as _db
from engine.base.errors import Conflict, Forbidden, ValidationFailed
from engine.base.identity import User
from engine.base.models import AuditEvent, CarbonCopy, HumanTask, Opinion, ProcessInstance
from engine.definitions.deploy import deploy
from engine.definitions.taskdata import submitted
from engine.moves import handoffs, interactions, returns
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.work.inbox import todo
from tests.factories import expense, make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "ops_review.bpmn"
OK = {"verdict": "APPROVE"}
DATA = {"experts": ["e1", "e2", "e3"], "voters": ["v1", "v2", "v3"], "cc_list": ["cc1"]}


def no(verdict: str = "REJECT") -> dict:
    return {"verdict": verdict, "comment": "材料不完整，请补充说明后再提交。"}


@pytest.fixture()
def people(db):
    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    users = {
        "filer": make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"), ("UNIT_HEAD", "UNIT", "D01-U01")),
        "head": make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01")),
        "head2": make_user("head2", ("UNIT_HEAD", "UNIT", "D01-U01")),
        "dept": make_user("dept", ("DEPT_HEAD", "DEPARTMENT", "D01")),
        "fin": make_user("fin", ("FIN_PERF", "ALL", None)),
        "admin": make_user("admin", ("SYS_ADMIN", "ALL", None)),
    }
    for name in ("e1", "e2", "e3", "v1", "v2", "v3", "cc1", "x1", "x2", "y1", "other"):
        users[name] = make_user(name)
    db.session.commit()
    return users


def start(u, data=None) -> ProcessInstance:
    instance = start_process("ops_review", u["filer"], {**DATA, **(data or {})})
    instance.scope_dept = "D01"  # the filer's unit belongs to D01
    for row in _db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        row.scope_dept = "D01"
    _db.session.commit()
    return instance


def item(instance, name: str, who: str | None = None, status: str = "READY") -> HumanTask:
    _db.session.expire_all()
    rows = _db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.task_name == name, HumanTask.status == status)).all()
    if who is not None:
        rows = [r for r in rows if r.assignee == who]
    assert len(rows) == 1, [(r.task_name, r.assignee, r.status) for r in rows]
    return rows[0]


def ready(instance) -> list[tuple[str, str | None]]:
    _db.session.expire_all()
    return sorted(((r.task_name, r.assignee) for r in _db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY"))), key=str)


def act(instance, name, user, data=None, who=None):
    complete_task(item(instance, name, who).id, user, data or OK)
    _db.session.commit()


def to_reviews(u) -> ProcessInstance:
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    act(instance, "ut_check", u["head"])
    assert ready(instance) == [("ut_review_a", None), ("ut_review_b", None)]
    _dept_scope(instance)
    return instance


def _dept_scope(instance) -> None:
    for row in _db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        row.scope_dept = "D01"
    _db.session.commit()


def to_experts(u) -> ProcessInstance:
    instance = to_reviews(u)
    act(instance, "ut_review_a", u["dept"])
    act(instance, "ut_review_b", u["fin"])
    assert ready(instance) == [("ut_expert", "e1"), ("ut_expert", "e2"), ("ut_expert", "e3")]
    return instance


def timeline(instance) -> list[str]:
    return [e.action for e in _db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id))]


# 退回 ---------------------------------------------------------------------------------------

def test_return_out_of_one_parallel_branch_cancels_the_other(db, people):
    u = people
    instance = to_reviews(u)
    row = item(instance, "ut_review_a")
    steps = returns.returnable_steps(instance, row, load_workflow(instance))
    assert [s.task_name for s in steps] == ["ut_check", "ut_fill"]  # nearest first
    returns.return_task(row.id, u["dept"], str(steps[0].id), "预算测算依据不足，请单位重新审核。")
    db.session.commit()
    assert ready(instance) == [("ut_check", "head")]  # review B cancelled, nothing dangling
    assert item(instance, "ut_review_b", status="CANCELLED")
    assert item(instance, "ut_review_a", status="COMPLETED").decision == "RETURN"
    # go through the steps again (RERUN): both branches open anew
    act(instance, "ut_check", u["head"])
    _dept_scope(instance)
    assert ready(instance) == [("ut_review_a", None), ("ut_review_b", None)]
    assert "return" in timeline(instance)
    opinion = db.session.scalar(select(Opinion).where(Opinion.action == "return"))
    assert opinion.actor == "dept" and "测算依据" in opinion.text


def test_return_keeps_earlier_form_data_for_editing(db, people):
    u = people
    instance = to_reviews(u)
    row = item(instance, "ut_review_b")
    fill = next(s for s in returns.returnable_steps(instance, row, load_workflow(instance)) if s.task_name == "ut_fill")
    returns.return_task(row.id, u["fin"], str(fill.id), "请补充采购明细的询价记录。")
    db.session.commit()
    again = item(instance, "ut_fill", "filer")
    from engine.views.tasks import get_task

    view = get_task(again.id, u["filer"])
    assert view.data["subject"] == expense()["subject"] and len(view.data["items"]) == 3


def test_return_out_of_multi_instance_panel_jump_back(db, people):
    u = people
    instance = to_experts(u)
    act(instance, "ut_expert", u["e1"], who="e1")
    row = item(instance, "ut_expert", "e2")
    fill = next(s for s in returns.returnable_steps(instance, row, load_workflow(instance)) if s.task_name == "ut_fill")
    returns.return_task(row.id, u["e2"], str(fill.id), "绩效指标不可衡量，请修改。", "JUMP_BACK")
    db.session.commit()
    assert ready(instance) == [("ut_fill", "filer")]  # e3's open item and the panel are gone
    assert item(instance, "ut_expert", "e3", status="CANCELLED")
    act(instance, "ut_fill", u["filer"], expense(4))
    # straight back: check and both reviews are skipped with their earlier results; the panel reopens
    assert ready(instance) == [("ut_expert", "e1"), ("ut_expert", "e2"), ("ut_expert", "e3")]
    assert timeline(instance).count("resubmit") == 3
    db.session.refresh(instance)
    assert instance.resubmit is None


def test_return_to_previous_jump_back_lands_on_the_returner(db, people):
    u = people
    instance = to_reviews(u)
    act(instance, "ut_review_a", u["dept"])
    row = item(instance, "ut_review_b")
    fill = next(s for s in returns.returnable_steps(instance, row, load_workflow(instance)) if s.task_name == "ut_fill")
    returns.return_task(row.id, u["fin"], str(fill.id), "请补充采购明细的询价记录。", "JUMP_BACK")
    db.session.commit()
    act(instance, "ut_fill", u["filer"], expense())
    # check and review A are skipped; review B goes straight to fin who returned it
    assert ready(instance) == [("ut_review_b", "fin")]


def test_return_needs_an_opinion_and_a_returnable_target(db, people):
    u = people
    instance = to_reviews(u)
    row = item(instance, "ut_review_a")
    target = returns.returnable_steps(instance, row, load_workflow(instance))[0]
    with pytest.raises(ValidationFailed) as err:
        returns.return_task(row.id, u["dept"], str(target.id), "  ")
    assert "opinion" in err.value.errors
    db.session.rollback()
    with pytest.raises(ValidationFailed) as err:
        returns.return_task(row.id, u["dept"], str(row.id), "退回到自己这一步是不行的")
    assert "target" in err.value.errors
    db.session.rollback()
    with pytest.raises(Forbidden):
        returns.return_task(row.id, u["fin"], str(target.id), "不是我的任务也想退回")
    db.session.rollback()
    assert ready(instance) == [("ut_review_a", None), ("ut_review_b", None)]


# 撤回 / 拿回 -----------------------------------------------------------------------------------

def test_initiator_withdraws_to_their_step(db, people):
    u = people
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    with pytest.raises(Forbidden):
        returns.withdraw(instance.id, u["head"])
    db.session.rollback()
    returns.withdraw(instance.id, u["filer"], "金额填错了，撤回修改")
    db.session.commit()
    assert ready(instance) == [("ut_fill", "filer")]
    assert item(instance, "ut_check", status="CANCELLED")
    with pytest.raises(Conflict):
        returns.withdraw(instance.id, u["filer"])
    db.session.rollback()


def test_reclaim_while_next_step_untouched_then_refused_once_opened(db, people):
    u = people
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    check = item(instance, "ut_check")
    complete_task(check.id, u["head"], OK)
    db.session.commit()
    returns.reclaim(check.id, u["head"], "还需补充意见")
    db.session.commit()
    assert ready(instance) == [("ut_check", "head")]
    act(instance, "ut_check", u["head"])
    done = db.session.scalars(select(HumanTask).where(HumanTask.task_name == "ut_check",
                                                      HumanTask.status == "COMPLETED")
                              .order_by(HumanTask.completed_at.desc())).first()
    _dept_scope(instance)
    assert interactions.mark_opened(item(instance, "ut_review_a"), u["dept"])
    db.session.commit()
    with pytest.raises(Conflict):
        returns.reclaim(done.id, u["head"])
    db.session.rollback()
    with pytest.raises(Forbidden):
        returns.reclaim(done.id, u["head2"])
    db.session.rollback()


def test_reclaim_refused_once_next_step_acted_on(db, people):
    u = people
    instance = to_reviews(u)
    check = db.session.scalar(select(HumanTask).where(HumanTask.task_name == "ut_check"))
    act(instance, "ut_review_b", u["fin"])
    with pytest.raises(Conflict):
        returns.reclaim(check.id, u["head"])
    db.session.rollback()


# assignment ------------------------------------------------------------------------------------

def test_separation_of_duties_and_claim_release(db, people):
    u = people
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    check = item(instance, "ut_check")
    assert check.excluded == ["filer"] and check.priority == 1 and check.due_at is not None
    assert todo(u["filer"]) == []  # filer is also a unit head, but filled it in
    with pytest.raises(Forbidden):
        complete_task(check.id, u["filer"], OK)
    db.session.rollback()
    handoffs.claim(check.id, u["head"])
    db.session.commit()
    assert [t.id for t in todo(u["head2"])] == []  # claimed by head
    with pytest.raises(Conflict):
        handoffs.claim(check.id, u["head2"])
    db.session.rollback()
    with pytest.raises(Forbidden):
        handoffs.release(check.id, u["head2"])
    db.session.rollback()
    handoffs.release(check.id, u["head"])
    db.session.commit()
    assert [t.id for t in todo(u["head2"])] == [check.id]


def test_concurrent_claims_one_winner(app, db, people):
    u = people
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    check_id = item(instance, "ut_check").id
    barrier, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def attempt(username: str) -> None:
        with app.app_context():
            user = _db.session.scalar(select(User).where(User.username == username))
            barrier.wait()
            try:
                handoffs.claim(check_id, user)
                _db.session.commit()
                result = "ok"
            except Conflict:
                _db.session.rollback()
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("head", "head2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "ok"]


def test_transfer_and_delegate(db, people):
    u = people
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    check = item(instance, "ut_check")
    with pytest.raises(ValidationFailed):
        handoffs.transfer(check.id, u["head"], "nobody", "转给不存在的人")
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        handoffs.transfer(check.id, u["head"], "filer", "职责分离：填报人不能审核")
    db.session.rollback()
    handoffs.delegate(check.id, u["head"], "head2", "请先核对明细")
    db.session.commit()
    with pytest.raises(Forbidden):  # the delegate works on it but does not decide
        complete_task(check.id, u["head2"], OK)
    db.session.rollback()
    with pytest.raises(Forbidden):  # and the owner waits for it to come back
        complete_task(check.id, u["head"], OK)
    db.session.rollback()
    handoffs.resolve(check.id, u["head2"], "明细已核对无误")
    db.session.commit()
    handoffs.transfer(check.id, u["head"], "other", "由 other 审核")
    db.session.commit()
    act(instance, "ut_check", u["other"])
    actions = [o.action for o in db.session.scalars(select(Opinion).where(Opinion.instance_id == instance.id)
                                                    .order_by(Opinion.id))]
    assert actions == ["delegate", "resolve", "transfer", "approve"]  # a plain submission is no opinion


def test_nobody_can_act_goes_to_the_process_administrator(db, people):
    u = people
    instance = start_process("ops_review", make_user("lonely", ("UNIT_FILER", "UNIT", "D09-U01")), DATA)
    db.session.commit()
    complete_task(item(instance, "ut_fill").id, db.session.scalar(select(User).where(User.username == "lonely")),
                  expense())
    db.session.commit()
    check = item(instance, "ut_check")
    assert check.fallback
    assert [t.id for t in todo(u["admin"])] == [check.id]
    act(instance, "ut_check", u["admin"])


def test_deputy_acts_for_the_principal(db, people):
    from datetime import date, timedelta

    u = people
    handoffs.set_deputy(u["head"], "other", date.today() - timedelta(days=1), date.today() + timedelta(days=3))
    db.session.commit()
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    assert [t.task_name for t in todo(u["other"])] == ["ut_check"]
    act(instance, "ut_check", u["other"])
    done = item(instance, "ut_check", status="COMPLETED")
    assert done.completed_by == "other" and done.proxy_for == "head"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.task_id == done.id, AuditEvent.action == "complete"))
    assert event.detail["on_behalf_of"] == "head"


def test_deputies_are_asked_only_when_ones_own_right_does_not_reach(db, people):
    """head2 may decide ut_check in their own right and is also head's deputy: they act as
    themselves; the deputies read for head2 are not someone else's right."""
    from datetime import date, timedelta

    from engine.work.access import acting_as

    u = people
    handoffs.set_deputy(u["head"], "head2", date.today() - timedelta(days=1), date.today() + timedelta(days=3))
    handoffs.set_deputy(u["head"], "other", date.today() - timedelta(days=1), date.today() + timedelta(days=3))
    db.session.commit()
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    check = item(instance, "ut_check")
    assert acting_as(u["head2"], check) == "head2" and acting_as(u["other"], check) == "head"
    assert acting_as(u["x1"], check) is None and acting_as(u["filer"], check) is None  # filer: separateFrom
    act(instance, "ut_check", u["head2"])
    done = item(instance, "ut_check", status="COMPLETED")
    assert done.completed_by == "head2" and done.proxy_for is None


def test_handover_moves_open_tasks(db, people):
    u = people
    instance = to_experts(u)
    with pytest.raises(Forbidden):
        handoffs.handover("e1", "other", u["head"])
    db.session.rollback()
    assert handoffs.handover("e1", "other", u["admin"]) == 1
    db.session.commit()
    assert ("ut_expert", "other") in ready(instance)


# multi-signer steps -------------------------------------------------------------------------------

def to_vote(u) -> ProcessInstance:
    instance = to_experts(u)
    for e in ("e1", "e2", "e3"):
        act(instance, "ut_expert", u[e], who=e)
    assert ready(instance) == [("ut_vote", "v1"), ("ut_vote", "v2"), ("ut_vote", "v3")]
    return instance


def test_ratio_vote_passes_with_a_rejection_counted(db, people):
    u = people
    instance = to_vote(u)
    act(instance, "ut_vote", u["v1"], who="v1")
    act(instance, "ut_vote", u["v2"], no(), who="v2")
    assert ready(instance) == [("ut_vote", "v3")]  # 1 of 3 approved, 1 rejected: still open
    act(instance, "ut_vote", u["v3"], who="v3")  # 2/3 reached
    assert ready(instance) == [("ut_final", None)]
    from engine.moves.state import find_task

    state = find_task(load_workflow(instance), item(instance, "ut_final").spiff_task_id).data
    assert state["sign_result"] == "APPROVE" and len(state["sign_votes"]) == 3


def test_ratio_vote_fails_once_the_ratio_cannot_be_reached(db, people):
    u = people
    instance = to_vote(u)
    act(instance, "ut_vote", u["v1"], no(), who="v1")
    act(instance, "ut_vote", u["v2"], no(), who="v2")
    db.session.refresh(instance)
    assert instance.status == "COMPLETED" and instance.end_event == "end_ops_rejected"
    assert item(instance, "ut_vote", "v3", status="CANCELLED")


def test_add_signers_after_then_remove_one_then_cc(db, people):
    u = people
    instance = to_vote(u)
    for v in ("v1", "v2"):
        act(instance, "ut_vote", u[v], who=v)
    final = item(instance, "ut_final")
    handoffs.claim(final.id, u["fin"])
    handoffs.add_signers(final.id, u["fin"], ["x1", "x2"], "AFTER", "PARALLEL", "请两位会签")
    db.session.commit()
    assert ready(instance) == [("ut_final", "fin")]
    x2 = item(instance, "ut_final", "x2", status="WAITING")
    handoffs.remove_signer(x2.id, u["fin"], "x2 出差，减签")
    db.session.commit()
    act(instance, "ut_final", u["fin"], who="fin")
    assert ready(instance) == [("ut_final", "x1")]
    act(instance, "ut_final", u["x1"], who="x1")
    db.session.refresh(instance)
    assert instance.status == "COMPLETED" and instance.end_event == "end_ops"
    assert [c.to_user for c in db.session.scalars(select(CarbonCopy))] == ["cc1"]  # the step's ccTo
    assert {"add_signer", "remove_signer", "sign"} <= set(timeline(instance))


def test_add_signer_before_comes_back_to_the_actor(db, people):
    u = people
    instance = to_vote(u)
    for v in ("v1", "v2"):
        act(instance, "ut_vote", u[v], who=v)
    final = item(instance, "ut_final")
    handoffs.claim(final.id, u["fin"])
    handoffs.add_signers(final.id, u["fin"], ["y1"], "BEFORE")
    db.session.commit()
    assert ready(instance) == [("ut_final", "y1")]
    act(instance, "ut_final", u["y1"], who="y1")
    assert ready(instance) == [("ut_final", "fin")]
    with pytest.raises(ValidationFailed):  # removing the last pending signer is refused
        handoffs.remove_signer(item(instance, "ut_final", "fin").id, u["admin"])
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="同一人不能在一个环节签署两次"):  # y1 has signed this round
        handoffs.add_signers(item(instance, "ut_final", "fin").id, u["fin"], ["y1"], "AFTER")
    db.session.rollback()


# around a task ----------------------------------------------------------------------------------

def test_urge_cc_comment_draft_prediction(db, people):
    u = people
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    urged = interactions.urge(instance.id, u["filer"], "请尽快审核")
    db.session.commit()
    assert sorted(urged) == ["head", "head2"]  # candidates of the role task; the filer is excluded
    with pytest.raises(interactions.RateLimited):
        interactions.urge(instance.id, u["filer"])
    db.session.rollback()
    assert interactions.copy_to(instance.id, u["filer"], ["cc1"], "请知悉") == ["cc1"]
    db.session.commit()
    assert interactions.copy_to(instance.id, u["filer"], ["cc1"]) == []  # once
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        interactions.copy_to(instance.id, u["filer"], ["ghost"])
    db.session.rollback()
    interactions.comment(instance.id, u["filer"], "补充：采购已走询价程序。")
    check = item(instance, "ut_check")
    interactions.save_draft(check.id, u["head"], {"verdict": "RETURN", "comment": "草稿意见"})
    db.session.commit()
    from engine.views.tasks import get_task

    assert get_task(check.id, u["head"]).data["comment"] == "草稿意见"
    steps = interactions.predict(instance, load_workflow(instance))
    names = [s["step"] for s in steps]
    assert names[:2] == ["ut_review_a", "ut_review_b"] and not steps[0]["certain"]  # the check may return it
    assert steps[0]["candidates"] == ["dept"]


def test_returning_to_a_vote_opens_a_new_round(db, people):
    u = people
    instance = to_vote(u)
    for v in ("v1", "v2"):
        act(instance, "ut_vote", u[v], who=v)
    final = item(instance, "ut_final")
    vote = next(s for s in returns.returnable_steps(instance, final, load_workflow(instance))
                if s.task_name == "ut_vote")
    returns.return_task(final.id, u["fin"], str(vote.id), "票签依据已变化，请重新表决。")
    db.session.commit()
    assert ready(instance) == [("ut_vote", "v1"), ("ut_vote", "v2"), ("ut_vote", "v3")]
    act(instance, "ut_vote", u["v1"], who="v1")
    assert len(ready(instance)) == 2  # the first round's votes do not count
    act(instance, "ut_vote", u["v3"], who="v3")
    assert ready(instance) == [("ut_final", None)]


# 代理 on every operation -------------------------------------------------------------------------

def _event(instance, action: str) -> AuditEvent:
    _db.session.expire_all()
    return _db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                        AuditEvent.action == action)
                               .order_by(AuditEvent.id.desc())).first()


def test_deputy_operations_record_on_whose_behalf(db, people):
    from datetime import date, timedelta

    u = people
    handoffs.set_deputy(u["head"], "other", date.today() - timedelta(days=1), date.today() + timedelta(days=3))
    db.session.commit()
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    check = item(instance, "ut_check")
    handoffs.delegate(check.id, u["other"], "head2", "请先核对明细")  # 委派 for head
    db.session.commit()
    assert _event(instance, "delegate").detail == {"to": "head2", "on_behalf_of": "head"}
    assert item(instance, "ut_check").owner == "head"
    handoffs.resolve(check.id, u["head2"], "明细已核对")
    db.session.commit()
    added = handoffs.add_signers(check.id, u["other"], ["x1"], "AFTER")  # 加签 for head
    db.session.commit()
    assert _event(instance, "add_signer").detail["on_behalf_of"] == "head"
    handoffs.remove_signer(added[0].id, u["other"], "不必会签")  # 减签 for head
    db.session.commit()
    assert _event(instance, "remove_signer").detail == {"user": "x1", "on_behalf_of": "head"}
    handoffs.transfer(check.id, u["other"], "head2", "请 head2 办理")  # 转办 for head
    db.session.commit()
    assert _event(instance, "transfer").detail == {"to": "head2", "on_behalf_of": "head"}
    # the people acting in their own right are recorded as before
    assert "on_behalf_of" not in _event(instance, "resolve").detail

    second = start(u)
    act(second, "ut_fill", u["filer"], expense())
    row = item(second, "ut_check")
    fill = returns.returnable_steps(second, row, load_workflow(second))[0]
    returns.return_task(row.id, u["other"], str(fill.id), "请补充询价记录。")  # 退回 for head
    db.session.commit()
    returned = _event(second, "return")
    assert returned.actor == "other" and returned.detail["on_behalf_of"] == "head"
    done = db.session.get(HumanTask, row.id)
    assert (done.completed_by, done.proxy_for, done.decision) == ("other", "head", "RETURN")
    from web.pages.display import event_note
    from web.presenters import event_json

    assert event_note(event_json(returned)).startswith("代 head 办理 → 填报")


# 转办 within a multi-signer step ---------------------------------------------------------------------

def test_transfer_of_a_signer_refused_to_someone_signing_in_the_same_round(db, people):
    u = people
    instance = to_vote(u)
    act(instance, "ut_vote", u["v1"], who="v1")
    v2 = item(instance, "ut_vote", "v2")
    for who, why in (("v1", "已在本环节签署"), ("v3", "已是本环节的待签人")):
        with pytest.raises(ValidationFailed) as err:
            handoffs.transfer(v2.id, u["v2"], who, "请代为表决")
        assert list(err.value.errors) == ["to"] and why in err.value.errors["to"][0]
        db.session.rollback()
    assert item(instance, "ut_vote", "v2").assignee == "v2"  # nothing changed
    handoffs.transfer(v2.id, u["v2"], "other", "出差，请 other 表决")
    db.session.commit()
    assert ready(instance) == [("ut_vote", "other"), ("ut_vote", "v3")]
    act(instance, "ut_vote", u["other"], who="other")
    assert ready(instance) == [("ut_final", None)]  # 2 of 3 approved


def test_cancelling_a_deputy_twice_is_refused(db, people):
    from datetime import date, timedelta

    u = people
    row = handoffs.set_deputy(u["head"], "other", date.today(), date.today() + timedelta(days=3))
    db.session.commit()
    handoffs.cancel_deputy(row.id, u["head"])
    db.session.commit()
    first = db.session.get(type(row), row.id).cancelled_at
    with pytest.raises(Conflict, match="该代理已取消"):
        handoffs.cancel_deputy(row.id, u["head"])
    db.session.rollback()
    assert db.session.get(type(row), row.id).cancelled_at == first  # not re-cancelled


# observers read, they do not speak ----------------------------------------------------------------

def test_observers_read_but_may_not_comment_urge_or_copy(db, people):
    u = people
    npc = make_user("npc", ("OBS_NPC", "ALL", None))
    audit = make_user("audit", ("OBS_AUDIT", "ALL", None))
    both = make_user("both", ("OBS_AUDIT", "ALL", None), ("UNIT_HEAD", "UNIT", "D01-U01"))
    db.session.commit()
    instance = start(u)
    act(instance, "ut_fill", u["filer"], expense())
    before = (len(timeline(instance)), db.session.query(Opinion).count())
    for observer in (npc, audit):
        assert interactions.visible_instance(instance.id, observer) is not None  # they may read
        for speak, args in ((interactions.comment, ("我有意见",)), (interactions.urge, ("请快办",)),
                            (interactions.copy_to, (["cc1"], "请知悉"))):
            with pytest.raises(Forbidden, match="观察员只能查看"):
                speak(instance.id, observer, *args)
            db.session.rollback()
    assert (len(timeline(instance)), db.session.query(Opinion).count()) == before
    assert db.session.scalars(select(CarbonCopy)).all() == []
    interactions.comment(instance.id, both, "兼任单位负责人，可以发表评论。")  # not only an observer
    db.session.commit()
    assert timeline(instance)[-1] == "comment"


# 退回后直达 across a multi-instance panel and a multi-signer step --------------------------------------

def test_jump_back_replays_each_expert_their_own_opinion_and_the_vote_its_outcome(db, people):
    from SpiffWorkflow.util.task import TaskState

    u = people
    instance = to_experts(u)
    for e in ("e3", "e1", "e2"):  # completed out of member order
        act(instance, "ut_expert", u[e], {"verdict": "APPROVE", "comment": f"{e} 的专家意见：同意绩效目标"}, who=e)
    for v in ("v1", "v2"):
        act(instance, "ut_vote", u[v], who=v)
    final = item(instance, "ut_final")
    fill = next(s for s in returns.returnable_steps(instance, final, load_workflow(instance))
                if s.task_name == "ut_fill")
    returns.return_task(final.id, u["fin"], str(fill.id), "申报金额需按最新标准调整。", "JUMP_BACK")
    db.session.commit()
    act(instance, "ut_fill", u["filer"], expense(4))
    # check, both reviews, the three experts and the vote are replayed; the final step is fin's again
    assert ready(instance) == [("ut_final", "fin")]
    assert timeline(instance).count("resubmit") == 7
    workflow = load_workflow(instance)
    experts = [t for t in workflow.get_tasks(state=TaskState.COMPLETED, manual=True)
               if t.task_spec.bpmn_id == "ut_expert"]
    # each member's replayed submission is kept in that member's own namespace (engine.definitions.taskdata)
    assert sorted((t.data["expert"], submitted(t.data, "ut_expert")["comment"]) for t in experts) == [
        (e, f"{e} 的专家意见：同意绩效目标") for e in ("e1", "e2", "e3")]
    from engine.moves.state import find_task

    state = find_task(workflow, item(instance, "ut_final").spiff_task_id).data
    assert state["sign_result"] == "APPROVE" and [v["user"] for v in state["sign_votes"]] == ["v1", "v2"]
    act(instance, "ut_final", u["fin"], who="fin")
    db.session.refresh(instance)
    assert instance.status == "COMPLETED" and instance.end_event == "end_ops"


def test_jump_back_opens_a_member_the_plan_does_not_know(db, people):
    from engine.moves import serializer
    from engine.moves.state import find_task

    u = people
    instance = to_experts(u)
    for e in ("e1", "e2", "e3"):
        act(instance, "ut_expert", u[e], {"verdict": "APPROVE", "comment": f"{e} 的专家意见：同意绩效目标"}, who=e)
    vote = item(instance, "ut_vote", "v1")
    fill = next(s for s in returns.returnable_steps(instance, vote, load_workflow(instance))
                if s.task_name == "ut_fill")
    returns.return_task(vote.id, u["v1"], str(fill.id), "专家组需补充一位财务专家。", "JUMP_BACK")
    db.session.commit()
    # the panel changes before the request comes back: e2 is replaced by x1
    workflow = load_workflow(instance)
    find_task(workflow, item(instance, "ut_fill").spiff_task_id).data["experts"] = ["e1", "x1", "e3"]
    instance.state = serializer.dump(workflow)
    db.session.commit()
    act(instance, "ut_fill", u["filer"], expense(4))
    # e1 is replayed; x1 is new to the plan: the path changed, the plan ends, the rest is done anew
    assert ready(instance) == [("ut_expert", "e3"), ("ut_expert", "x1")]
    assert timeline(instance).count("resubmit") == 4  # check, both reviews, e1
    db.session.refresh(instance)
    assert instance.resubmit is None


# domain listeners hear of 退回, 撤回, 拿回 ---------------------------------------------------------------

@pytest.fixture()
def heard():
    from engine.base.hooks import REGISTRY

    events: list = []
    REGISTRY.operation_listeners.append(events.append)
    yield events
    REGISTRY.operation_listeners.remove(events.append)


def test_operation_listeners_hear_return_withdraw_reclaim(db, people, heard):
    u = people
    instance = to_reviews(u)
    row = item(instance, "ut_review_a")
    check = returns.returnable_steps(instance, row, load_workflow(instance))[0]
    returns.return_task(row.id, u["dept"], str(check.id), "请单位重新审核。")
    db.session.commit()
    returned = heard[-1]
    assert (returned.action, returned.task.id, returned.actor.username, returned.comment, returned.target) == (
        "return", row.id, "dept", "请单位重新审核。", "ut_check")
    assert returned.data["subject"] == expense()["subject"]
    done = item(instance, "ut_check", "head")
    complete_task(done.id, u["head"], OK)
    db.session.commit()
    returns.reclaim(done.id, u["head"], "再看一下")
    db.session.commit()
    assert (heard[-1].action, heard[-1].task.id, heard[-1].target) == ("reclaim", done.id, "ut_check")
    returns.withdraw(instance.id, u["filer"], "撤回修改")
    db.session.commit()
    assert (heard[-1].action, heard[-1].task, heard[-1].target) == ("withdraw", None, "ut_fill")


def test_a_failing_operation_listener_rolls_the_return_back(db, people):
    from engine.base.errors import Incident
    from engine.base.hooks import REGISTRY

    def refuse(event) -> None:  # noqa: ANN001
        raise RuntimeError("台账不可写")

    u = people
    instance = to_reviews(u)
    row = item(instance, "ut_review_a")
    check = returns.returnable_steps(instance, row, load_workflow(instance))[0]
    REGISTRY.operation_listeners.append(refuse)
    try:
        with pytest.raises(Incident, match="台账不可写"):
            returns.return_task(row.id, u["dept"], str(check.id), "请单位重新审核。")
        db.session.rollback()
    finally:
        REGISTRY.operation_listeners.remove(refuse)
    assert ready(instance) == [("ut_review_a", None), ("ut_review_b", None)]
    assert "return" not in timeline(instance)


def test_p1_return_is_written_as_a_review_opinion(db):
    from p1_driver import CORE, Flow, deploy_p1, set_packs, user

    from budget.demo import load_demo
    from budget.models import ReviewOpinion

    load_demo("demo-pass-1")
    deploy_p1()
    set_packs(CORE)
    flow = Flow("P-D05-002")
    flow.fill()
    flow.unit_approve()
    review = flow.task(flow.officer, "ut_p1_dept_review")
    fill = next(s for s in returns.returnable_steps(flow.instance, review, load_workflow(flow.instance))
                if s.task_name == "ut_p1_fill")
    returns.return_task(review.id, user(flow.officer), str(fill.id), "绩效指标不够细化，请修改后重新申报。")
    db.session.commit()
    assert flow.ready() == ["ut_p1_fill"]
    assert flow.opinions() == [("ut_p1_unit_approve", "APPROVE", "head.d05u01"),
                               ("ut_p1_dept_review", "RETURN", "dept.d05")]
    opinion = db.session.scalars(select(ReviewOpinion).where(ReviewOpinion.verdict == "RETURN")).one()
    assert (opinion.object_type, opinion.object_id, opinion.round) == ("PROJECT_INTAKE", flow.project.id, 1)
    assert opinion.comment == "绩效指标不够细化，请修改后重新申报。" and opinion.reviewer_role == "DEPT_OFFICER"
    # the request goes round again; the next review opinion is the stage's second round
    flow.fill()
    flow.unit_approve()
    flow.dept_review()
    assert flow.opinions()[-1] == ("ut_p1_dept_review", "APPROVE", "dept.d05")
    rounds = db.session.scalars(select(ReviewOpinion.round).where(ReviewOpinion.stage == "ut_p1_dept_review")
                                .order_by(ReviewOpinion.created_at)).all()
    assert rounds == [1, 2]
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")


def test_p1_jump_back_across_the_expert_panel_replays_each_expert(db):
    """CA-1's experts are members of a multi-instance embedded subprocess inside two call activities:
    a JUMP_BACK over the panel gives each expert their own earlier opinion again, with its types
    (the panel adds the Decimal scores up)."""
    from p1_driver import FOCUS, PERF, Flow, assess_form, deploy_p1, expert_form, user

    from budget.demo import load_demo
    from engine.views.tasks import get_task

    load_demo("demo-pass-1")
    deploy_p1()
    flow = Flow("P-D03-001")
    flow.intake(funding_source="GOV_FUND")
    flow.dept_exante("P-D03-001", 10000, alternatives=True, cost_benefit=True)
    flow.do(PERF, "ut_p1_fin_decide", {"verdict": "APPROVE"})
    flow.do(PERF, "ut_fe_scope", {"fe_performer": "FIN_CENTER", "focus_points": FOCUS})
    assessment = assess_form("P-D03-001", 9000, alternatives=True, cost_benefit=True)
    flow.do("center.1", "ut_fe_assess_center", assessment)
    experts = list(get_task(flow.task(PERF, "ut_panel_confirm").id, user(PERF)).all_data["experts"])
    flow.do(PERF, "ut_panel_confirm", {"experts": experts})
    for who in experts:  # the first expert does not support it
        flow.do(who, "ut_expert_opinion", expert_form("P-D03-001", "NOT_SUPPORT" if who == experts[0] else "SUPPORT"))
    flow.do(PERF, "ut_panel_chair", {"panel_verdict": "PASS", "comment": "评审组同意评估报告的主要结论。"})
    (first,) = flow.panels()
    before = sorted((o["expert"], o["expert_verdict"], o["total_score"]) for o in first.opinions)

    confirm = flow.task(PERF, "ut_fe_confirm")
    assess = next(s for s in returns.returnable_steps(flow.instance, confirm, load_workflow(flow.instance))
                  if s.task_name == "ut_fe_assess_center")
    returns.return_task(confirm.id, user(PERF), str(assess.id), "评估报告需补充同类项目对比。", "JUMP_BACK")
    db.session.commit()
    flow.do("center.1", "ut_fe_assess_center", assessment)
    # panel confirmation, the three experts and the chair are replayed; the confirmation is PERF's again
    assert flow.ready() == ["ut_fe_confirm"] and flow.mine(PERF)[0].assignee == PERF
    second = flow.panels()[-1]
    assert second.id != first.id and second.panel_score == first.panel_score
    assert sorted((o["expert"], o["expert_verdict"], o["total_score"]) for o in second.opinions) == before
