"""CA-3 目标审核（含调整） (processes §5.2, workflows/common/ca3_target_review.bpmn): an issued target
is adjusted — on a unit's F-13 request or on the fund division's F-11 TARGET_ADJUST. The proposal is
a pending target version (ADJUST_PENDING: the issued indicators with the request's changes applied);
the fund division grades it on F-05 `adjust`, DT-04 routes: RETURN → the unit revises the proposal
(F-04) and it is graded again; NEXT / FIN_MINOR_FIX → the proposal is ISSUED as the new version (the
old one SUPERSEDED, ProjectYear.target_id moved); REJECT → the proposal is REJECTED and the issued
target stays."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from budget.calc.adjustment import apply_changes, diff_rows, minor_fixes
from budget.models import Jurisdiction, PerformanceTarget, TargetAdjustmentRequest
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid, username, year_of
from budget.shared.opinions import add_opinion, returned_opinion
from budget.shared.rule_settings import in_force as rules_in_force
from budget.shared.targets import issue_version, pending_version, set_content, target_of, target_values
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext, TaskCompleted

TARGET = "TARGET"  # review_opinion.object_type, as P2's target reviews
REASONS = {"BUDGET_ADJUSTED": "预算已调整", "POLICY_CHANGE": "政策变化", "FORCE_MAJEURE": "不可抗力", "OTHER": "其他"}


def proposal_of(data: Mapping[str, Any]) -> PerformanceTarget:
    raw = data.get("proposal_target_id")
    target = db.session.get(PerformanceTarget, as_uuid(raw)) if raw else None
    if target is None or target.status != "ADJUST_PENDING":
        raise ValueError("任务数据缺少待审核的调整稿（proposal_target_id）")
    return target


def proposal_id(data: Mapping[str, Any]) -> uuid.UUID:
    return proposal_of(data).id


def request_of(raw: Any) -> TargetAdjustmentRequest | None:
    if not raw:
        return None
    request = db.session.get(TargetAdjustmentRequest, as_uuid(raw))
    if request is None:
        raise ValueError(f"绩效目标调整申请 {raw} 不存在")
    return request


def _changes(py_target: PerformanceTarget, proposal: PerformanceTarget,
             request: TargetAdjustmentRequest | None) -> list[dict[str, str]]:
    reasons = {c.get("name"): c.get("reason") or "" for c in (request.changes if request else [])}
    return diff_rows(target_values(py_target)["indicators"], target_values(proposal)["indicators"], reasons)


def _reason(request: TargetAdjustmentRequest | None, warning_id: Any) -> str:
    if request is not None:
        return f"{REASONS.get(request.reason, request.reason)}：{request.reason_text or ''}".rstrip("：")
    return "资金管理处根据运行监控预警决定调整绩效目标" if warning_id else "资金管理处决定调整绩效目标"


@hooks.service("common.tr_prepare", params={
    "project_year_id": "项目年度", "adjust_request_id": "调整申请", "warning_id": "监控预警"}, returns=(
    "packs", "framework", "cost_catalog", "round", "proposal_target_id", "tr_changes", "tr_reason",
    "overall_goal", "annual_goal", "has_service_objects", "indicators", "tr_outcome", "target_version",
    "tr_comments"))
def tr_prepare(ctx: ServiceContext, project_year_id: str, adjust_request_id: Any = None,
               warning_id: Any = None) -> dict[str, Any]:
    """The proposal: a pending version = the issued target with the request's changes applied (no
    request: unchanged, for the fund division to grade and the unit to revise)."""
    py = year_of({"project_year_id": project_year_id}, lock=True)
    issued = target_of(py)
    if issued.status != "ISSUED":
        raise ValueError("只有已批复下达的绩效目标才能调整")
    request = request_of(adjust_request_id)
    values = target_values(issued)
    if request is not None:
        values["indicators"] = apply_changes(values["indicators"], request.changes)
    actor = username(ctx.actor)
    proposal = pending_version(py, values, actor)
    if request is not None:
        request.status, request.new_target_id, request.updated_by = "UNDER_REVIEW", proposal.id, actor
    jurisdiction = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)).first()
    return {
        "packs": rules_in_force(jurisdiction).packs, "framework": issued.framework,
        "cost_catalog": py.project.cost_catalog, "round": 1, "proposal_target_id": str(proposal.id),
        "tr_changes": _changes(issued, proposal, request), "tr_reason": _reason(request, warning_id),
        "tr_outcome": None, "target_version": issued.version_no, "tr_comments": [], **values,
    }


@hooks.service("common.tr_changes", params={"proposal_target_id": "待定绩效目标版本"}, returns=("tr_changes",))
def tr_changes(ctx: ServiceContext, proposal_target_id: str) -> dict[str, Any]:
    """After the unit's revision: what the proposal now changes against the issued target."""
    proposal = proposal_of({"proposal_target_id": proposal_target_id})
    py = year_of({"project_year_id": proposal.project_year_id})
    request = db.session.scalars(select(TargetAdjustmentRequest).where(
        TargetAdjustmentRequest.new_target_id == proposal.id)).first()
    return {"tr_changes": _changes(target_of(py), proposal, request)}


@hooks.task_handler("common.record_target_review", on_return=returned_opinion(TARGET, proposal_id))
def record_target_review(event: TaskCompleted) -> None:
    """F-05 adjust at `ut_tr_review`: the fund division's opinion and grade on the proposal."""
    proposal = proposal_of(event.data)
    add_opinion(event, TARGET, proposal.id)
    proposal.review_grade = event.submission.get("grade")


@hooks.task_handler("common.record_target_revision")
def record_target_revision(event: TaskCompleted) -> None:
    """F-04 edit at `ut_tr_revise`: the unit's revised proposal replaces the pending version's goals
    and indicators (the proposal stays one version; the review opinions keep each round)."""
    proposal = proposal_of(event.data)
    set_content(proposal, event.submission, username(event.actor))


@hooks.service("common.issue_target_version", params={
    "proposal_target_id": "待定绩效目标版本", "route": "审核路径（DT-04 结论）", "adjust_request_id": "调整申请",
    "fix_comments": "财政修正意见"}, returns=("tr_outcome", "target_version"))
def issue_target_version(ctx: ServiceContext, proposal_target_id: str, route: str,
                         adjust_request_id: Any = None, fix_comments: Any = None) -> dict[str, Any]:
    """DT-04 NEXT / FIN_MINOR_FIX: the proposal (with finance's suggested values for 良) is ISSUED
    as the project-year's target; the old version SUPERSEDED; the request APPROVED."""
    proposal = proposal_of({"proposal_target_id": proposal_target_id})
    py = year_of({"project_year_id": proposal.project_year_id}, lock=True)
    actor = username(ctx.actor)
    if route == "FIN_MINOR_FIX" and fix_comments:
        values = target_values(proposal)
        values["indicators"] = minor_fixes(values["indicators"], fix_comments)
        set_content(proposal, values, actor)
    issue_version(py, proposal, today(), actor)
    if (request := request_of(adjust_request_id)) is not None:
        request.status, request.updated_by = "APPROVED", actor
    return {"tr_outcome": "ISSUED", "target_version": proposal.version_no}


@hooks.service("common.reject_target_adjustment", params={
    "proposal_target_id": "待定绩效目标版本", "adjust_request_id": "调整申请"}, returns=("tr_outcome", "target_version"))
def reject_target_adjustment(ctx: ServiceContext, proposal_target_id: str,
                             adjust_request_id: Any = None) -> dict[str, Any]:
    """DT-04 REJECT: the proposal REJECTED, the issued target stays; the request REJECTED."""
    proposal = proposal_of({"proposal_target_id": proposal_target_id})
    py = year_of({"project_year_id": proposal.project_year_id})
    actor = username(ctx.actor)
    proposal.status, proposal.updated_by = "REJECTED", actor
    if (request := request_of(adjust_request_id)) is not None:
        request.status, request.updated_by = "REJECTED", actor
    return {"tr_outcome": "REJECTED", "target_version": target_of(py).version_no}
