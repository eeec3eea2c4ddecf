"""The close (processes §5.9 row 13): every issue closed or waived (or the explanation accepted) —
the case CLOSED, its rect_state IN_TIME unless it was late or not rectified, a budget hold lifted;
the model then throws msg_rectification_closed {case_id}."""
from __future__ import annotations

from budget.models import ProjectYear
from budget.p7_rectification.records import case_of
from engine.base import hooks
from engine.base.db import db, utcnow
from engine.base.hooks import ServiceContext


@hooks.service("p7.close")
def close(ctx: ServiceContext) -> None:
    case = case_of(ctx.data, lock=True)
    case.status, case.closed_at = "CLOSED", utcnow()
    if case.rect_state not in ("OVERDUE", "NOT_RECTIFIED"):
        case.rect_state = "IN_TIME"
    if case.budget_hold:
        db.session.get(ProjectYear, case.project_year_id).hold_until_rectified = False
