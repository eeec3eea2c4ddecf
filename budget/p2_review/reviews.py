"""P2's steps up to the review outcome (processes §5.4 rows 1–7): the unit confirms the year's
request and target, the department submits it, the fund division, a third party, experts or a
joint review grade it, finance completes a 良 target and the department may object. Each writes
its opinion (review_opinion) and the target's new version or grade; 退回 is a RETURN opinion."""
from __future__ import annotations

from decimal import Decimal

from budget.calc.money import wan_to_yuan
from budget.p2_review.records import JOINT, TARGET, target_id, target_of, year_id, year_of
from budget.shared.lookups import username
from budget.shared.opinions import add_opinion, returned_opinion
from budget.shared.targets import new_target_version
from engine.base import hooks
from engine.base.hooks import TaskCompleted


@hooks.task_handler("p2.record_request_confirmation")
def record_request_confirmation(event: TaskCompleted) -> None:
    """F-04 confirm at `ut_p2_confirm_request`: the year's amount and a new target version."""
    py = year_of(event.data, lock=True)
    actor = username(event.actor)
    py.requested = wan_to_yuan(event.submission["requested_amount"])
    py.updated_by = actor
    new_target_version(py, event.submission, event.data, actor)


@hooks.task_handler("p2.record_dept_submission", on_return=returned_opinion(TARGET, target_id))
def record_dept_submission(event: TaskCompleted) -> None:
    """F-05 dept at `ut_p2_dept_submit`: APPROVE = 报送 (DEPT_APPROVED), RETURN = back to the unit."""
    py = year_of(event.data, lock=True)
    target = target_of(py)
    add_opinion(event, TARGET, target.id)
    target.status = "RETURNED" if event.submission.get("verdict") == "RETURN" else "DEPT_APPROVED"


def _grade_target(event: TaskCompleted) -> None:
    py = year_of(event.data, lock=True)
    target = target_of(py)
    add_opinion(event, TARGET, target.id)
    if event.submission.get("grade"):
        target.review_grade = event.submission["grade"]
    if event.submission.get("suggested_amount") is not None:  # F-05: the fund division's figure → F-07
        py.review_approved = wan_to_yuan(event.submission["suggested_amount"])


@hooks.task_handler("p2.record_fund_review", on_return=returned_opinion(TARGET, target_id))
def record_fund_review(event: TaskCompleted) -> None:
    """F-05 fund at `ut_p2_fund_review`: the grade DT-04 routes on, the fund division's amount."""
    _grade_target(event)


@hooks.task_handler("p2.record_fund_confirm", on_return=returned_opinion(TARGET, target_id))
def record_fund_confirm(event: TaskCompleted) -> None:
    """F-05 confirm at `ut_p2_fund_confirm`: the fund division's grade after a third party or
    experts reviewed the target."""
    _grade_target(event)


@hooks.task_handler("p2.record_tp_review")
def record_tp_review(event: TaskCompleted) -> None:
    """F-05 third_party at `ut_p2_tp_review`: the firm's opinion; the fund division confirms it."""
    add_opinion(event, TARGET, target_id(event.data))


@hooks.task_handler("p2.record_joint_conclusion", on_return=returned_opinion(JOINT, year_id))
def record_joint_conclusion(event: TaskCompleted) -> None:
    """F-06 chair at `ut_p2_joint_conclude`: the joint review's outcome for the project-year
    (entities §3.5: grade, approved amount, reduction rate, library decision) → review_approved."""
    py = year_of(event.data, lock=True)
    sub = event.submission
    approved = wan_to_yuan(sub["approved_amount"])
    rate = (Decimal(1) - approved / py.requested).quantize(Decimal("0.0001")) if py.requested else None
    add_opinion(event, JOINT, py.id, suggested_amount=approved, dim_scores={
        "panel_score": str(event.data.get("panel_score")) if event.data.get("panel_score") is not None else None,
        "reduction_rate": str(rate) if rate is not None else None,
        "library_decision": sub.get("library_decision"), "conditions": sub.get("conditions")})
    py.review_approved = approved
    target_of(py).review_grade = sub["grade"]


@hooks.task_handler("p2.record_joint_cosign", on_return=returned_opinion(JOINT, year_id))
def record_joint_cosign(event: TaskCompleted) -> None:
    """F-00 at `ut_p2_joint_cosign`: the performance division co-signs (or returns) the outcome."""
    add_opinion(event, JOINT, year_id(event.data))


@hooks.task_handler("p2.record_fin_fix", on_return=returned_opinion(TARGET, target_id))
def record_fin_fix(event: TaskCompleted) -> None:
    """F-04 finance_fix at `ut_p2_fin_fix`: finance completes a 良 target itself — a new version
    under review, and its note as the fund division's opinion."""
    py = year_of(event.data, lock=True)
    actor = username(event.actor)
    old = target_of(py)
    target = new_target_version(py, event.submission, event.data, actor)
    target.status, target.review_grade, target.is_key_target = "UNDER_REVIEW", old.review_grade, old.is_key_target
    add_opinion(event, TARGET, target.id, verdict="APPROVE_WITH_CHANGES", comment=event.submission["fix_note"],
                grade=old.review_grade)


@hooks.task_handler("p2.record_fix_objection")
def record_fix_objection(event: TaskCompleted) -> None:
    """F-00 at `ut_p2_fix_objection`: the department accepts finance's completion (APPROVE) or
    objects (RETURN, back to the fund division)."""
    add_opinion(event, TARGET, target_id(event.data))
