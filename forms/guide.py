"""What a form says before it refuses: the cross-field rules of forms/rules.py and the F-04 grid
structure of forms/indicators.py put into words for the fields they concern, for the process
context the submission will be validated against (same constants, so page and rule agree)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from forms import indicators as I
from forms.conditions import condition_text
from forms.ctx import Ctx
from forms.messages import fmt

Guide = Callable[[Ctx], dict[str, list[str]]]
GUIDES: dict[str, Guide] = {}  # rule name → {field path: [hint]}


def guide(name: str) -> Callable[[Guide], Guide]:
    def deco(fn: Guide) -> Guide:
        GUIDES[name] = fn
        return fn

    return deco


@guide("project_years")
def _project_years(ctx: Ctx) -> dict[str, list[str]]:
    return {
        "start_year": [f"新增项目的开始年度不早于 {ctx.current_year - 1} 年"],
        "end_year": ["不早于开始年度；项目周期最长 10 年（结束年度 − 开始年度 ≤ 9）"],
        "policy_expiry_year": ["不早于开始年度"],
    }


@guide("annual_requests")
def _annual_requests(ctx: Ctx) -> dict[str, list[str]]:
    hints = ["每个年度填一行，年度不重复，且在开始年度至结束年度之间；金额单位为万元"]
    if (year := ctx.int("request_year")) is not None:
        hints.append(f"须包含申请年度 {year} 年的一行，且该年财政拨款大于 0")
    return {"annual_requests": hints}


@guide("funding_split")
def _funding_split(ctx: Ctx) -> dict[str, list[str]]:
    return {"funding_split": ["仅在有多种资金来源时填写：至少 2 个不同来源，须包含上面所选的资金来源，占比合计 100%"]}


@guide("annual_need")
def _annual_need(ctx: Ctx) -> dict[str, list[str]]:
    hints = ["每个年度填一行，年度不重复"]
    start, end = ctx.int("start_year"), ctx.int("end_year")
    if start is not None and end is not None:
        hints.append(f"年度须在项目起止年度 {start}–{end} 之间")
    if (total := ctx.decimal("total_amount")) is not None:
        hints.append(f"各年合计不超过项目总额 {fmt(total)} 万元")
    if (request := ctx.decimal("request_wan")) is not None and ctx.int("request_year") is not None:
        hints.append(f"申请年度 {ctx.int('request_year')} 年的需求不超过申请金额 {fmt(request)} 万元")
    return {"annual_need": hints}


FRAMEWORK_LABELS = {"FW88": "财预〔2015〕88号指标体系", "FW101": "财预〔2021〕101号指标体系"}


def _need(label: str, *, l1: str | None = None, l2: str | None = None) -> dict[str, Any]:
    return {"label": label, "l1": l1, "l2": l2}


def grid_structure(ctx: Ctx) -> dict[str, Any]:
    """The F-04 grid's required structure (V1, V2, V3, V7) and row rules (V4–V6, V8, V9, V11) for
    this context; the page renders it above the grid and its script sums the weights live."""
    framework = ctx.framework if ctx.framework in I.ALLOWED_L2 else "FW88"
    allowed = I.ALLOWED_L2[framework]
    cost = I.cost_required(ctx, framework)
    output_needs = [_need(f"{I.L2_LABELS[c]}", l2=c) for c in ("OUT_QTY", "OUT_QLT", "OUT_TIME")]
    if framework == "FW101":
        if cost:
            output_needs.append(_need("成本指标（一级，任选经济/社会/生态环境成本）", l1="COST"))
        first = {"label": "成本指标 + 产出指标", "l1": ["COST", "OUTPUT"], "weight": fmt(I.OUTPUT_WEIGHT),
                 "options": _options(allowed, "COST") + _options(allowed, "OUTPUT")}
        cost_note = "成本指标为一级指标（经济成本/社会成本/生态环境成本），与产出指标合计 50 分"
    else:
        if cost:
            output_needs.append(_need("成本指标", l2="OUT_COST"))
        first = {"label": "产出指标", "l1": ["OUTPUT"], "weight": fmt(I.OUTPUT_WEIGHT),
                 "options": _options(allowed, "OUTPUT")}
        cost_note = "成本指标不单列一级指标：一级指标选“产出指标”，二级指标选“成本指标”，计入产出指标的 50 分"
    first["needs"] = output_needs
    groups = [
        first,
        {"label": "效益指标", "l1": ["EFFECT"], "weight": fmt(I.EFFECT_WEIGHT),
         "weight_alt": fmt(I.EFFECT_WEIGHT_NO_SAT), "options": _options(allowed, "EFFECT"),
         "needs": [_need("任一效益指标", l1="EFFECT")]},
        {"label": "满意度指标", "l1": ["SATISFACTION"], "weight": fmt(I.SAT_WEIGHT),
         "options": _options(allowed, "SATISFACTION"),
         "needs": [_need(I.L2_LABELS["SAT_SERVICE"], l2="SAT_SERVICE")], "service_only": True},
    ]
    common = list(I.COMMON_INDICATORS) if "JN" in ctx.packs else []
    return {
        "path": "indicators", "framework": framework, "framework_label": FRAMEWORK_LABELS[framework],
        "total": fmt(I.TOTAL_WEIGHT),
        "exec_weight": fmt(I.EXEC_WEIGHT), "groups": groups, "cost_note": cost_note,
        "cost_required": cost, "common": common, "rules": _row_rules(common),
        "l2_of": {l1: sorted(l2s) for l1, l2s in allowed.items()},
    }


def _options(allowed: Mapping[str, set[str]], l1: str) -> list[str]:
    order = list(I.L2_LABELS)
    return [I.L2_LABELS[c] for c in sorted(allowed.get(l1, ()), key=order.index)]


def _row_rules(common: list[str]) -> list[str]:
    rules = [
        "每行一个三级指标：名称 2–80 字，同一表内不重复；二级指标须属于所选一级指标（见上表）",
        "定量指标：填写数值型指标值、计量单位和计算方法，指标方向选 ≥、≤、=、> 或 <",
        "定性指标：填写指标值描述，指标方向选“定性”",
        "计量单位为 % 时，指标值在 0–100 之间（增长率类指标可将“允许超过 100%”选为“是”）",
        f"满意度指标：定量，计量单位 %，指标方向 ≥，指标值 {I.SAT_MIN}–{I.SAT_MAX}",
        "成本指标的指标方向为 ≤ 时，计量单位须为货币单位（含“元”，如 元/人、万元/公里）",
        "每项分值大于 0；各一级指标的分值合计须等于上表的“应为”",
        "定量指标宜占 60% 以上（不足时提交前会提示，不阻止提交）",
    ]
    if common:
        rules.append(f"共性指标（{'、'.join(common)}）已预置在“产出指标-时效指标”下，分值 0，不可删除，"
                     "计入时效指标")
    return rules


def guidance(rule_names: list[str], fields: list[dict], context: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"hints": {path: [text]}, "required_if": {path: {...}}, "grid": structure or None}."""
    ctx = Ctx.of(context)
    hints: dict[str, list[str]] = {}
    for name in dict.fromkeys(rule_names):
        for path, texts in (GUIDES[name](ctx) if name in GUIDES else {}).items():
            hints.setdefault(path, []).extend(t for t in texts if t not in hints.get(path, []))
    grid = grid_structure(ctx) if "indicator_grid" in rule_names else None
    return {"hints": hints, "required_if": _required_if(fields, ctx), "grid": grid}


def _required_if(fields: list[dict], ctx: Ctx) -> dict[str, dict[str, Any]]:
    """Top-level `required_when` fields: a met context flag makes the field plainly required; a
    sibling condition is shown as a mark with its condition (the page's script follows the sibling)."""
    out: dict[str, dict[str, Any]] = {}
    for spec in fields:
        cond = spec.get("required_when")
        if not cond or spec["readonly"]:
            continue
        if "context" in cond:
            if ctx.flag(cond["context"]):
                out[spec["name"]] = {"text": f"{condition_text(cond, fields)}必填", "always": True}
            continue
        values = cond.get("in")
        out[spec["name"]] = {"text": f"{condition_text(cond, fields)}必填", "field": cond["field"],
                             "in": [str(v) for v in values] if values is not None else None,
                             "not_in": [str(v) for v in cond.get("not_in") or []],
                             "present": bool(cond.get("present"))}
    return out


__all__ = ["GUIDES", "grid_structure", "guidance"]
