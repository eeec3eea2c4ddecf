"""Multi-signer steps: 会签 (ALL), 或签 (ANY), 依次 (SEQUENTIAL), 票签 (RATIO). Each signer has a
work item; the engine task stays ready until the step's rule decides, then it completes once
with `sign_result`/`verdict` and the votes. Rejections either end the step (VETO) or count
against the ratio (COUNT)."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import select

from engine.base.db import db
from engine.base.models import HumanTask, ProcessInstance, SignStep

REJECTING = {"REJECT", "RETURN", "NOT_SUPPORT", "FAIL"}
OPEN = ("READY", "WAITING")


def step_of(row: HumanTask) -> SignStep | None:
    return db.session.scalar(select(SignStep).where(
        SignStep.instance_id == row.instance_id, SignStep.spiff_task_id == row.spiff_task_id,
        SignStep.status == "OPEN"))


def signers(row: HumanTask, step: SignStep | None = None) -> list[HumanTask]:
    """This round's signers (a step returned to and opened again starts a new round)."""
    step = step or step_of(row)
    query = select(HumanTask).where(
        HumanTask.instance_id == row.instance_id, HumanTask.spiff_task_id == row.spiff_task_id,
        HumanTask.sign_seq.is_not(None), HumanTask.status != "CANCELLED")
    if step is not None:
        query = query.where(HumanTask.created_at >= step.opened_at)
    return list(db.session.scalars(query.order_by(HumanTask.sign_seq, HumanTask.created_at)))


def decide(mode: str, ratio: Fraction | None, reject_rule: str, approved: int, rejected: int,
           total: int) -> str | None:
    pending = total - approved - rejected
    if rejected and reject_rule == "VETO" and mode != "ANY":
        return "REJECT"
    if mode == "ANY":
        if approved:
            return "APPROVE"
        if rejected and (reject_rule == "VETO" or not pending):
            return "REJECT"
        return None
    if mode == "RATIO":
        assert ratio is not None
        if Fraction(approved, total) >= ratio:
            return "APPROVE"
        if Fraction(approved + pending, total) < ratio:
            return "REJECT"  # the ratio can no longer be reached
        return None
    if pending:  # ALL, SEQUENTIAL
        return None
    return "REJECT" if rejected else "APPROVE"


def outcome(step: SignStep, rows: list[HumanTask]) -> str | None:
    """The step's result with the votes cast so far among `rows` (this round's signers)."""
    done = [r for r in rows if r.status == "COMPLETED"]
    rejected = sum(1 for r in done if (r.decision or "") in REJECTING)
    ratio = Fraction(step.ratio) if step.ratio else None
    return decide(step.mode, ratio, step.reject_rule, len(done) - rejected, rejected, len(rows))


def record_vote(instance: ProcessInstance, row: HumanTask, decision: str | None) -> dict[str, Any] | None:
    """The vote of `row` (already COMPLETED); the step's outcome once decided, else None."""
    step = step_of(row)
    if step is None:
        raise LookupError("多人审批步骤不存在")
    rows = signers(row, step)
    result = outcome(step, rows)
    done = [r for r in rows if r.status == "COMPLETED"]
    if result is None:
        promote(rows)
        return None
    step.status, step.result = "DECIDED", result
    for r in rows:
        if r.status in OPEN:
            r.status = "CANCELLED"
    votes = [{"user": r.completed_by, "decision": r.decision, "comment": r.comment} for r in done]
    # A rejection routes the model the way the rejecting signer chose (REJECT, RETURN, …).
    verdict = result if result == "APPROVE" else next(
        (r.decision for r in reversed(done) if (r.decision or "") in REJECTING), "REJECT")
    return {"sign_result": result, "verdict": verdict, "sign_votes": votes}


def promote(rows: list[HumanTask]) -> None:
    """When nobody is up, the signers with the lowest waiting sequence number are."""
    if any(r.status == "READY" for r in rows):
        return
    waiting = [r for r in rows if r.status == "WAITING"]
    if waiting:
        low = min(r.sign_seq or 0 for r in waiting)
        for r in waiting:
            if (r.sign_seq or 0) == low:
                r.status = "READY"
