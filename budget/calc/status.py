"""Project.library_status state machine (rules §4.2), pure: the table and the decision. Every
writer (service tasks, task handlers, admin actions) applies it through
budget.shared.status.change_library_status."""
from __future__ import annotations

PRE_ACTIVE = ("DRAFT", "SUBMITTED", "DEPT_APPROVED", "EXANTE", "IN_LIBRARY")

# from → allowed targets. SUBMITTED → NOT_ADMITTED is the department's REJECT (`end_p1_rejected`,
# processes §5.3 row 3); EXANTE/DEPT_APPROVED → NOT_ADMITTED is DT-02 NOT_SUPPORT.
LIBRARY_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"DRAFT"}),
    "DRAFT": frozenset({"SUBMITTED", "WITHDRAWN"}),
    "SUBMITTED": frozenset({"DRAFT", "DEPT_APPROVED", "NOT_ADMITTED", "WITHDRAWN"}),
    "DEPT_APPROVED": frozenset({"EXANTE", "IN_LIBRARY", "NOT_ADMITTED", "WITHDRAWN"}),
    "EXANTE": frozenset({"DRAFT", "NOT_ADMITTED", "IN_LIBRARY", "WITHDRAWN"}),
    "IN_LIBRARY": frozenset({"ACTIVE", "CANCELLED", "WITHDRAWN"}),
    "ACTIVE": frozenset({"COMPLETED", "CANCELLED"}),
    "NOT_ADMITTED": frozenset(),
    "COMPLETED": frozenset(),
    "CANCELLED": frozenset(),
    "WITHDRAWN": frozenset(),
}

STATUS_LABELS = {
    "DRAFT": "草稿", "SUBMITTED": "已申报", "DEPT_APPROVED": "部门已审核", "EXANTE": "事前评估中",
    "NOT_ADMITTED": "未入库", "IN_LIBRARY": "已入库(储备)", "ACTIVE": "实施中", "COMPLETED": "已完结",
    "CANCELLED": "已取消", "WITHDRAWN": "已撤回",
}


class IllegalTransition(ValueError):
    """A status change the state machine does not allow."""


def can_change(current: str | None, new: str) -> bool:
    return current == new or new in LIBRARY_TRANSITIONS.get(current, frozenset())


def check_change(code: str | None, current: str | None, new: str) -> bool:
    """Whether `current → new` changes anything (False: already `new`, so a retried service task or
    a handler and a service task setting the same status do not fail); raises IllegalTransition
    when the state machine forbids it. `code` names the project in the message."""
    if new not in STATUS_LABELS:
        raise IllegalTransition(f"未知的项目库状态 {new!r}")
    if current == new:
        return False
    if not can_change(current, new):
        raise IllegalTransition(
            f"项目 {code} 不能从「{STATUS_LABELS.get(current or '', current)}」({current}) "
            f"变更为「{STATUS_LABELS[new]}」({new})"
        )
    return True
