"""CA-1 expert panel (processes §5.2): drawing the experts and aggregating their opinions."""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, TypeVar

from budget.calc.money import to_decimal
from budget.calc.scores import DIMS

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


class Candidate(Protocol):
    domains: Sequence[str]


C = TypeVar("C", bound=Candidate)


def draw_panel(pool: Sequence[C], domain: str | None, n: int, seed: str) -> list[C]:
    """Random draw, reproducible per `seed`: domain experts first, at least one 财政绩效 expert,
    the rest from the remaining pool (the caller leaves conflicted experts out of `pool`)."""
    rng = random.Random(seed)
    chosen: list[C] = []

    def draw(group: list[C], k: int) -> list[C]:
        group = [e for e in group if e not in chosen]
        rng.shuffle(group)
        return group[:max(k, 0)]

    fiscal = [e for e in pool if FISCAL_PERF in e.domains]
    # Keep a seat for the fiscal-performance expert unless the domain experts already are one.
    seats = n - 1 if fiscal and domain != FISCAL_PERF else n
    chosen += draw([e for e in pool if domain and domain in e.domains], seats)
    if fiscal and not any(FISCAL_PERF in e.domains for e in chosen):
        chosen += draw(fiscal, 1)
    chosen += draw(list(pool), n - len(chosen))
    return chosen


def opinion_total(op: dict[str, Any]) -> Decimal | None:
    """An expert's total: the entered total, else the sum of the dimensions scored."""
    for key in ("total_score", "total"):
        if op.get(key) is not None:
            return to_decimal(op[key])
    dims = [to_decimal(v) for k, v in op.items() if k.startswith("dim_") and v is not None]
    return sum(dims, Decimal(0)) if dims else None


def mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def aggregate(opinions: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean of present experts' totals (drop one max and one min when ≥ 5 are present), majority
    verdict (a tie goes to the more severe verdict)."""
    present = [o for o in opinions if not o.get("absent")]
    scored = [(o.get("expert"), t) for o in present if (t := opinion_total(o)) is not None]
    kept, dropped = list(scored), []
    if len(scored) >= 5:
        ordered = sorted(scored, key=lambda p: p[1])
        dropped = [ordered[0][0], ordered[-1][0]]
        kept = ordered[1:-1]
    verdicts = [VERDICT_MAP.get(str(o.get("expert_verdict") or o.get("verdict") or "").upper())
                for o in present]
    counts = Counter(v for v in verdicts if v)
    proposed = max(counts, key=lambda v: (counts[v], SEVERITY[v])) if counts else None
    dim_means = {d: mean([to_decimal(o[d]) for o in present if o.get(d) is not None])
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
        "panel_score": mean([t for _, t in kept]),
        "panel_verdict_proposed": proposed,
        "panel_summary": summary,
        "panel_any_reject": counts.get("REJECT", 0) > 0,
    }
