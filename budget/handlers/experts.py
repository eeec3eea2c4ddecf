"""CA-1 expert panel services (processes §5.2): draw experts, aggregate their opinions."""
from __future__ import annotations

import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from budget.models import Expert, ExpertPanelResult
from budget.models.exante import DIMS
from budget.money import to_decimal
from engine.base import hooks
from engine.base.convert import plain as jsonable
from engine.base.db import db
from engine.base.hooks import ServiceContext

FISCAL_PERF = "FISCAL_PERF"
CENT = Decimal("0.01")
# Expert verdicts of every panel form (F-03 / F-05 / F-06 …) mapped onto the panel's scale.
VERDICT_MAP = {
    "SUPPORT": "PASS", "REVISE": "REVISE", "NOT_SUPPORT": "REJECT",
    "ENTER": "PASS", "ENTER_AFTER_REVISION": "REVISE", "NOT_ENTER": "REJECT",
    "APPROVE": "PASS", "APPROVE_WITH_CHANGES": "REVISE", "RETURN": "REVISE", "REJECT": "REJECT",
    "PASS": "PASS",
}
SEVERITY = {"PASS": 0, "REVISE": 1, "REJECT": 2}


@hooks.service("experts.select")
def select_experts(ctx: ServiceContext, panel_type: str, domain: str | None, n_experts: Any = 3,
                   dept_code: str | None = None) -> dict[str, Any]:
    """Random draw, reproducible per instance and panel: domain experts first, at least one
    财政绩效 expert, the rest from the remaining pool; conflicted experts never drawn."""
    n = max(int(n_experts or 3), 1)
    rng = random.Random(str(ctx.instance.id) + str(panel_type))
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

    chosen: list[Expert] = []

    def draw(group: list[Expert], k: int) -> list[Expert]:
        group = [e for e in group if e not in chosen]
        rng.shuffle(group)
        return group[:max(k, 0)]

    fiscal = [e for e in pool if FISCAL_PERF in e.domains]
    # Keep a seat for the fiscal-performance expert unless the domain experts already are one.
    seats = n - 1 if fiscal and domain != FISCAL_PERF else n
    chosen += draw([e for e in pool if domain and domain in e.domains], seats)
    if fiscal and not any(FISCAL_PERF in e.domains for e in chosen):
        chosen += draw(fiscal, 1)
    chosen += draw(pool, n - len(chosen))
    return {"experts": [e.user.username for e in chosen], "excluded": excluded}


def has_conflict(conflict_orgs: list[str], org_code: str) -> bool:
    """A department on the list covers its units (D02 ⇒ D02-U01) and a unit its department's panels."""
    return any(c == org_code or org_code.startswith(c + "-") or c.startswith(org_code + "-")
               for c in conflict_orgs or [])


def _total(op: dict[str, Any]) -> Decimal | None:
    for key in ("total_score", "total"):
        if op.get(key) is not None:
            return to_decimal(op[key])
    dims = [to_decimal(v) for k, v in op.items() if k.startswith("dim_") and v is not None]
    return sum(dims, Decimal(0)) if dims else None


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def aggregate(opinions: list[dict[str, Any]]) -> dict[str, Any]:
    """Pure part of panel.aggregate: mean of present experts' totals (drop one max and one min
    when ≥ 5 are present), majority verdict (a tie goes to the more severe verdict)."""
    present = [o for o in opinions if not o.get("absent")]
    scored = [(o.get("expert"), t) for o in present if (t := _total(o)) is not None]
    kept, dropped = list(scored), []
    if len(scored) >= 5:
        ordered = sorted(scored, key=lambda p: p[1])
        dropped = [ordered[0][0], ordered[-1][0]]
        kept = ordered[1:-1]
    verdicts = [VERDICT_MAP.get(str(o.get("expert_verdict") or o.get("verdict") or "").upper())
                for o in present]
    counts = Counter(v for v in verdicts if v)
    proposed = max(counts, key=lambda v: (counts[v], SEVERITY[v])) if counts else None
    dim_means = {d: _mean([to_decimal(o[d]) for o in present if o.get(d) is not None])
                 for d in DIMS if any(o.get(d) is not None for o in present)}
    summary = {
        "present": len(present),
        "absent": [o.get("expert") for o in opinions if o.get("absent")],
        "dropped": dropped,
        "scores": {str(e): t for e, t in scored},
        "verdict_counts": dict(counts),
        "dim_means": dim_means,
        "reject_comments": [o.get("comment") for o, v in zip(present, verdicts, strict=True) if v == "REJECT"],
    }
    return {
        "panel_score": _mean([t for _, t in kept]),
        "panel_verdict_proposed": proposed,
        "panel_summary": summary,
        "panel_any_reject": counts.get("REJECT", 0) > 0,
    }


@hooks.service("panel.aggregate")
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
