"""CA-1 expert panel services (processes §5.2): draw experts, aggregate their opinions (the pure
rules are budget.calc.panel)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from budget.calc.panel import aggregate, draw_panel
from budget.calc.parties import has_conflict
from budget.models import Department, Expert, ExpertPanelResult
from engine.base import hooks
from engine.base.convert import plain as jsonable
from engine.base.db import db
from engine.base.hooks import ErrorsByField, ServiceContext, TaskCompleted
from engine.base.identity import User


@hooks.service("experts.select", params={
    "panel_type": "专家组类型", "domain": "专业领域", "n_experts": "抽取人数", "dept_code": "主管部门（回避）"})
def select_experts(ctx: ServiceContext, panel_type: str, domain: str | None, n_experts: Any = 3,
                   dept_code: str | None = None) -> dict[str, Any]:
    """Random draw, reproducible per instance and panel (budget.calc.panel.draw_panel) from the
    active experts; conflicted experts are never drawn and are listed with the reason."""
    n = max(int(n_experts or 3), 1)
    experts = db.session.scalars(
        select(Expert).where(Expert.pool_status == "ACTIVE").order_by(Expert.code)
    ).all()
    pool, excluded = [], []
    for e in experts:
        if not e.user.active:
            continue
        if dept_code and has_conflict(e.conflict_orgs, dept_code):
            excluded.append({"username": e.user.username,
                             "reason": f"与 {dept_code} 存在利益冲突（{e.employer or '回避名单'}），按规定回避"})
        else:
            pool.append(e)
    chosen = draw_panel(pool, domain, n, seed=str(ctx.instance.id) + str(panel_type))
    return {"experts": [e.user.username for e in chosen], "excluded": excluded}


@hooks.service("panel.aggregate", params={"panel_type": "专家组类型", "opinions": "专家意见"})
def panel_aggregate(ctx: ServiceContext, panel_type: str, opinions: list[dict[str, Any]] | None) -> dict:
    opinions = list(opinions or [])
    result = aggregate(opinions)
    db.session.add(ExpertPanelResult(
        panel_type=panel_type,
        object_ref=str(ctx.data.get("object_ref") or ctx.data.get("project_id") or "") or None,
        instance_id=str(ctx.instance.id),
        experts=[o.get("expert") for o in opinions],
        opinions=jsonable(opinions),
        panel_score=result["panel_score"],
        panel_verdict=result["panel_verdict_proposed"],
        summary=jsonable(result["panel_summary"]),
        excluded=jsonable(ctx.data.get("excluded") or []),
        created_by=getattr(ctx.actor, "username", None),
    ))
    return result


def conflicts(usernames: list[str], dept_code: str | None) -> list[str]:
    """Why each named person may not sit on a panel about `dept_code`'s object (a clerk's sentence
    naming the expert and the conflict); empty when none is conflicted."""
    if not dept_code or not usernames:
        return []
    experts = db.session.scalars(select(Expert).join(Expert.user).where(User.username.in_(usernames))).all()
    conflicted = [e for e in experts if has_conflict(e.conflict_orgs, dept_code)]
    if not conflicted:
        return []
    dept = db.session.scalar(select(Department.name).where(Department.code == dept_code)) or dept_code
    return [f"专家 {e.user.name}{f'（{e.employer}）' if e.employer else ''}与{dept}存在利益冲突，"
            "按回避规定不能参加评审，请替换" for e in sorted(conflicted, key=lambda e: usernames.index(e.user.username))]


def check_panel(event: TaskCompleted) -> ErrorsByField:
    """确认/调整专家: whoever sets the panel meets the draw's conflict rule again."""
    found = conflicts(list(event.submission.get("experts") or []), event.data.get("dept_code"))
    return {"experts": found} if found else {}


@hooks.task_handler("common.confirm_panel", check=check_panel)
def confirm_panel(event: TaskCompleted) -> None:
    """The confirmed panel stays in task data until panel.aggregate records it."""


def check_opinion(event: TaskCompleted) -> ErrorsByField:
    """An opinion handed on (转办) to a conflicted expert is refused too."""
    who = getattr(event.actor, "username", None)
    found = conflicts([who] if who else [], event.data.get("dept_code"))
    return {"_form": found} if found else {}


@hooks.task_handler("common.check_expert_opinion", check=check_opinion)
def expert_opinion(event: TaskCompleted) -> None:
    """The opinion is collected by the multi-instance output and recorded by panel.aggregate."""
