"""What a reviewer's verdict means for the records it reviews (P1 rules §4.2)."""
from __future__ import annotations

RETURNING = ("RETURN", "REJECT")  # verdicts that send the reviewed thing back

# 单位审核 (`ut_p1_unit_approve`): the project's library status after the unit head's verdict.
UNIT_APPROVAL = {"APPROVE": "SUBMITTED", "RETURN": "DRAFT"}

# 主管部门审核 (`ut_p1_dept_review`): (library status, performance-target status); REJECT ends P1.
DEPT_REVIEW = {
    "APPROVE": ("DEPT_APPROVED", "DEPT_APPROVED"),
    "RETURN": ("DRAFT", "RETURNED"),
    "REJECT": ("NOT_ADMITTED", "REJECTED"),
}


def unit_approval_status(verdict: str | None) -> str | None:
    return UNIT_APPROVAL.get(verdict or "")


def dept_review_statuses(verdict: str | None) -> tuple[str | None, str | None]:
    return DEPT_REVIEW.get(verdict or "", (None, None))


def returns_it(verdict: str | None) -> bool:
    return verdict in RETURNING
