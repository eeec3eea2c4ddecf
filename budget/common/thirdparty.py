"""CA-2 third-party engagement (processes §5.2): candidate firms, the engagement, and the lead's
acceptance (`ut_tp_accept`)."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from budget.calc.money import wan_to_yuan
from budget.calc.parties import has_conflict, rank_firms
from budget.calc.reviews import returns_it
from budget.models import Engagement, ThirdPartyOrg
from budget.models.parties import OPEN_ENGAGEMENT
from budget.shared.lookups import as_uuid, username
from budget.shared.opinions import add_opinion, returned_opinion
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext, TaskCompleted
from engine.base.identity import User

SELECTABLE = ("ACTIVE", "WARNED")  # SUSPENDED firms never appear (sample-data §8.9 TP-E)


def open_load() -> dict[Any, int]:
    rows = db.session.execute(
        select(Engagement.org_id, func.count()).where(Engagement.status.in_(OPEN_ENGAGEMENT))
        .group_by(Engagement.org_id)
    )
    return {org_id: n for org_id, n in rows}


@hooks.service("thirdparty.candidates", params={"engagement_type": "委托类型", "dept_code": "主管部门（回避利益冲突）"})
def candidates(ctx: ServiceContext, engagement_type: str, dept_code: str | None = None) -> dict:
    """Selectable firms without a conflict, best tier first, then the least loaded."""
    firms = db.session.scalars(select(ThirdPartyOrg).where(ThirdPartyOrg.status.in_(SELECTABLE))).all()
    load = open_load()
    eligible = rank_firms([f for f in firms if not (dept_code and has_conflict(f.conflict_orgs, dept_code))],
                          load)
    return {"tp_candidates": [
        {"code": f.code, "name": f.name, "tier": f.tier, "status": f.status,
         "load": load.get(f.id, 0), "leads": f.lead_usernames()}
        for f in eligible
    ]}


@hooks.service("engagement.create", params={
    "engagement_type": "委托类型", "firm": "第三方机构", "tp_lead": "第三方项目负责人", "contract_amount": "合同金额（万元）",
    "object_id": "评价对象"})
def create_engagement(ctx: ServiceContext, engagement_type: str, firm: str, tp_lead: str,
                      contract_amount: Any, object_id: Any) -> dict[str, str]:
    """Record the F-26 part-A choice; re-checks what the candidate list promised (the chosen firm
    may have been suspended meanwhile). contract_amount is 万元 as entered."""
    org = db.session.scalars(select(ThirdPartyOrg).where(ThirdPartyOrg.code == firm)).first()
    if org is None:
        raise ValueError(f"第三方机构 {firm} 不存在")
    if org.status not in SELECTABLE:
        raise ValueError(f"第三方机构 {firm} 已暂停，不能委托")
    dept_code = ctx.data.get("dept_code")
    if dept_code and has_conflict(org.conflict_orgs, dept_code):
        raise ValueError(f"第三方机构 {firm} 与 {dept_code} 存在利益冲突")
    if tp_lead not in org.lead_usernames():
        raise ValueError(f"{tp_lead} 不是 {firm} 的主评人")
    lead = db.session.scalars(select(User).where(User.username == tp_lead)).one()
    engagement = Engagement(
        org_id=org.id, tp_lead_id=lead.id, type=engagement_type,
        object_ids=[str(object_id)] if object_id else [],
        contract_amount=wan_to_yuan(contract_amount),
        scope=ctx.data.get("engagement_scope"), training_done=bool(ctx.data.get("training_done")),
        scoring_guide=list(ctx.data.get("scoring_guide") or []),
        status="PROPOSED", instance_id=str(ctx.instance.id), created_by=username(ctx.actor),
    )
    db.session.add(engagement)
    db.session.flush()
    return {"engagement_id": str(engagement.id)}


def engagement_id(data: Mapping[str, Any]) -> uuid.UUID:
    raw = data.get("engagement_id")
    if not raw:
        raise ValueError("任务数据缺少有效的 engagement_id")
    return as_uuid(raw)


@hooks.task_handler("common.record_engagement_accept",
                    on_return=returned_opinion("ENGAGEMENT", engagement_id))
def record_engagement_accept(event: TaskCompleted) -> None:
    """F-26 accept at `ut_tp_accept`: the lead accepts (ACCEPTED) or returns it (RETURNED + opinion)."""
    raw = event.data.get("engagement_id")
    engagement = db.session.get(Engagement, as_uuid(raw)) if raw else None
    if engagement is None:
        raise ValueError("任务数据缺少有效的 engagement_id")
    if returns_it(event.submission.get("verdict")):
        add_opinion(event, "ENGAGEMENT", engagement.id, verdict="RETURN")
        engagement.status = "RETURNED"
    else:
        engagement.status = "ACCEPTED"
    engagement.updated_by = username(event.actor)
