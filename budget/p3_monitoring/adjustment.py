"""绩效目标调整申请 (F-13, P3's event sub-process, processes §5.5): the unit asks to change indicators
of its issued target; the department approves (F-00); CA-3 reviews it. The request row is opened by a
service before the form (so the steps after it, and CA-3, know its id) and filled by the form."""
from __future__ import annotations

from typing import Any

from budget.calc.adjustment import adjust_closed, as_number, next_month, shown
from budget.models import BudgetAdjustmentRequest, TargetAdjustmentRequest
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid, username, year_of
from budget.shared.targets import indicator_row, target_of
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db
from engine.base.hooks import ServiceContext, TaskCompleted


def request_of(data: dict[str, Any]) -> TargetAdjustmentRequest:
    raw = data.get("adjust_request_id")
    request = db.session.get(TargetAdjustmentRequest, as_uuid(raw)) if raw else None
    if request is None:
        raise ValueError("任务数据缺少绩效目标调整申请（adjust_request_id）")
    return request


@hooks.service("p3.open_adjust_request", params={
    "project_year_id": "项目年度"}, returns=("adjust_request_id", "target_indicator_names"))
def open_adjust_request(ctx: ServiceContext, project_year_id: str) -> dict[str, Any]:
    """A DRAFT request for the unit's F-13, and the issued target's indicators it may change."""
    py = year_of({"project_year_id": project_year_id})
    issued = target_of(py)
    request = TargetAdjustmentRequest(project_year_id=py.id, reason="OTHER", status="DRAFT",
                                      instance_id=str(ctx.instance.id), created_by=username(ctx.actor))
    db.session.add(request)
    db.session.flush()
    names = "；".join(f"{i.name}（{shown(indicator_row(i))}）" for i in issued.indicators)
    return {"adjust_request_id": str(request.id), "target_indicator_names": names}


def check(event: TaskCompleted) -> dict[str, list[str]]:
    """After Oct 31 nothing is accepted; every change names an indicator of the issued target once,
    with a number for a quantitative one; a linked budget adjustment is this project-year's."""
    py = year_of(event.data)
    errors: dict[str, list[str]] = {}
    if adjust_closed(py.fiscal_year, today()):
        errors["_form"] = [f"{py.fiscal_year}年10月31日后不再受理绩效目标调整申请"]
        return errors
    by_name = {i.name: i for i in target_of(py).indicators}
    seen: set[str] = set()
    for n, change in enumerate(event.submission.get("changes") or []):
        ind = by_name.get(change["indicator"])
        if ind is None:
            errors[f"changes.{n}.indicator"] = ["现行绩效目标中没有该指标，请填写现行目标中的三级指标名称"]
        elif change["indicator"] in seen:
            errors[f"changes.{n}.indicator"] = ["同一指标只能填写一行"]
        elif ind.kind == "QUANT" and as_number(change["new"]) is None:
            errors[f"changes.{n}.new"] = ["定量指标的调整后指标值须为数字"]
        seen.add(change["indicator"])
    linked = event.submission.get("linked_budget_adjustment_id")
    if linked:
        try:
            row = db.session.get(BudgetAdjustmentRequest, as_uuid(linked))
        except ValueError:
            row = None
        if row is None or row.project_year_id != py.id:
            errors["linked_budget_adjustment_id"] = ["找不到本项目本年度的该预算调整申请"]
    return errors


@hooks.task_handler("p3.adjust_request", check=check)
def adjust_request(event: TaskCompleted) -> None:
    """F-13 at `ut_p3_adjust_request`: the request SUBMITTED with each change's old value."""
    py = year_of(event.data)
    request = request_of(event.data)
    sub = event.submission
    by_name = {i.name: i for i in target_of(py).indicators}
    request.reason, request.reason_text = sub["reason"], sub["reason_text"]
    linked = sub.get("linked_budget_adjustment_id")
    request.linked_budget_adjustment_id = as_uuid(linked) if linked else None
    request.changes = plain([{"indicator_id": str(by_name[c["indicator"]].id), "name": c["indicator"],
                              "old": shown(indicator_row(by_name[c["indicator"]])), "new": c["new"],
                              "reason": c["reason"]} for c in sub["changes"]])
    request.effective_from_month = sub.get("effective_from_month") or next_month(py.fiscal_year, today())
    request.attachments = plain(sub.get("evidence") or [])
    request.status, request.updated_by = "SUBMITTED", username(event.actor)


@hooks.task_handler("p3.record_adjust_dept")
def record_adjust_dept(event: TaskCompleted) -> None:
    """F-00 at `ut_p3_adjust_dept`: the department forwards the request to CA-3 (APPROVE), returns
    it to the unit (RETURN) or turns it down (REJECT)."""
    request = request_of(event.data)
    verdict = event.submission.get("verdict")
    request.status = {"APPROVE": "DEPT_APPROVED", "RETURN": "RETURNED", "REJECT": "REJECTED"}.get(verdict, request.status)
    request.updated_by = username(event.actor)
