"""`required_when` conditions: whether one holds, and how it reads in Chinese (the refusal and
the page's required mark say the same)."""
from __future__ import annotations

from typing import Any

from forms.ctx import Ctx

# How a `required_when: {context: …}` flag reads in a message.
FLAG_LABELS = {
    "alternatives_required": "本项目须进行备选方案比较",
    "cost_benefit_required": "本项目须进行成本效益分析",
    "in_year": "年中追加申请",
    "has_cost_indicators": "成本监控月份（绩效目标有成本指标）",
}


def _value_labels(spec: dict | None, values: list[Any]) -> str:
    labels = {c["value"]: c["label"] for c in (spec or {}).get("choices") or []}
    return "、".join(labels.get(v, {True: "是", False: "否"}.get(v, str(v))) for v in values)


def condition_met(cond: dict, scope: dict, ctx: Ctx) -> bool:
    if "context" in cond:
        return ctx.flag(cond["context"])
    value = scope.get(cond["field"])
    if "present" in cond:
        return value not in (None, [], "")
    if "in" in cond:
        return value is not None and value in cond["in"]
    return value is not None and value not in cond["not_in"]


def condition_text(cond: dict, siblings: list[dict]) -> str:
    if "context" in cond:
        return FLAG_LABELS.get(cond["context"], "")
    spec = next((f for f in siblings if f["name"] == cond["field"]), None)
    label = spec["label"] if spec else cond["field"]
    if "present" in cond:
        return f"已填写{label}时"
    values = cond.get("in")
    if values is None and spec and spec.get("choices"):
        values = [c["value"] for c in spec["choices"] if c["value"] not in cond["not_in"]]
    if values is None:
        return f"{label}不为“{_value_labels(spec, cond['not_in'])}”时"
    return f"{label}为“{_value_labels(spec, values)}”时"
