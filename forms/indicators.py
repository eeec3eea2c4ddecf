"""F-04 indicator grid: rules V1–V9 and V11 (Block) and warnings V10, V12 (forms.md F-04,
rules.md §4.7.4–4.7.5)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from forms.ctx import Ctx
from forms.errors import Errors
from forms.messages import fmt
from forms.rules import rule, warning

L1_LABELS = {"COST": "成本指标", "OUTPUT": "产出指标", "EFFECT": "效益指标", "SATISFACTION": "满意度指标"}
L2_LABELS = {
    "OUT_QTY": "数量指标", "OUT_QLT": "质量指标", "OUT_TIME": "时效指标", "OUT_COST": "成本指标",
    "EFF_ECON": "经济效益指标", "EFF_SOC": "社会效益指标", "EFF_ECO": "生态效益指标", "EFF_SUST": "可持续影响指标",
    "SAT_SERVICE": "服务对象满意度指标",
    "COST_ECON": "经济成本指标", "COST_SOC": "社会成本指标", "COST_ENV": "生态环境成本指标",
}
_EFFECT = {"EFF_ECON", "EFF_SOC", "EFF_ECO", "EFF_SUST"}
# rules.md §4.7.5: FW88 keeps 成本 under 产出; FW101 (财预〔2021〕101号) makes 成本 a level-1 indicator.
ALLOWED_L2 = {
    "FW88": {"OUTPUT": {"OUT_QTY", "OUT_QLT", "OUT_TIME", "OUT_COST"}, "EFFECT": _EFFECT,
             "SATISFACTION": {"SAT_SERVICE"}},
    "FW101": {"OUTPUT": {"OUT_QTY", "OUT_QLT", "OUT_TIME"}, "COST": {"COST_ECON", "COST_SOC", "COST_ENV"},
              "EFFECT": _EFFECT, "SATISFACTION": {"SAT_SERVICE"}},
}
COMMON_INDICATORS = ("预算执行进度", "预算到项目率", "预算支出率")  # JN pack (T15)
TOTAL_WEIGHT = Decimal(90)  # 100 − exec_weight 10 (§4.7.4)
EXEC_WEIGHT = Decimal(10)  # 预算执行率, scored at evaluation time, not in the grid
# V7 per level-1 (§4.7.4): 产出 50 (FW101: 成本 + 产出 together), 效益 30 (40 when there are no service
# objects and no satisfaction indicator), 满意度 10.
OUTPUT_WEIGHT, EFFECT_WEIGHT, EFFECT_WEIGHT_NO_SAT, SAT_WEIGHT = Decimal(50), Decimal(30), Decimal(40), Decimal(10)
SAT_MIN, SAT_MAX = 60, 100  # V6
PERCENT_UNITS = {"%", "％"}


def _is_cost(row: dict) -> bool:
    return row.get("l2") == "OUT_COST" or row.get("l1") == "COST"


def _is_sat(row: dict) -> bool:
    return row.get("l1") == "SATISFACTION" or row.get("l2") == "SAT_SERVICE"


def _unit(row: dict) -> str:
    return (row.get("unit") or "").strip()


@rule("indicator_grid")
def indicator_grid(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    rows = clean.get("indicators")
    if rows is None or errors.has("indicators"):
        return
    framework = ctx.framework if ctx.framework in ALLOWED_L2 else "FW88"
    _structure(rows, clean, ctx, framework, errors)
    for i, row in enumerate(rows):
        _row(i, row, framework, errors)
    _weights(rows, clean, framework, errors)
    names: dict[str, int] = {}
    for i, row in enumerate(rows):  # V8
        name = row.get("name")
        if name in names:
            errors.add(f"indicators.{i}.name", f"指标名称“{name}”与第 {names[name] + 1} 行重复")
        names.setdefault(name, i)
    if "JN" in ctx.packs:  # V9
        missing = [n for n in COMMON_INDICATORS if n not in names]
        if missing:
            errors.add("indicators", "缺少共性指标：" + "、".join(missing))


def cost_required(ctx: Ctx, framework: str) -> bool:
    """V2: a cost indicator is required with a cost catalog, the QP pack or FW101."""
    return ctx.flag("cost_catalog") or "QP" in ctx.packs or framework == "FW101"


def _structure(rows: list[dict], clean: dict, ctx: Ctx, framework: str, errors: Errors) -> None:
    """V1 minimum counts and V2 cost indicator. The prefilled common indicators (V9) are 时效
    indicators of the grid like any other and count: the page shows them under 产出-时效."""
    l2s = {r.get("l2") for r in rows}
    for code in ("OUT_QTY", "OUT_QLT", "OUT_TIME"):
        if code not in l2s:
            errors.add("indicators", f"缺少产出指标-{L2_LABELS[code]}：至少需要 1 项")
    if not any(r.get("l1") == "EFFECT" for r in rows):
        errors.add("indicators", "缺少效益指标：至少需要 1 项")
    if clean.get("has_service_objects") is not False and not any(_is_sat(r) for r in rows):
        errors.add("indicators", "有服务对象的项目须设置服务对象满意度指标：至少需要 1 项")
    if cost_required(ctx, framework) and not any(map(_is_cost, rows)):
        errors.add("indicators", "须至少设置 1 项成本指标")


def _row(i: int, row: dict, framework: str, errors: Errors) -> None:
    p = f"indicators.{i}"
    l1, l2 = row.get("l1"), row.get("l2")
    allowed = ALLOWED_L2[framework]
    if l1 not in allowed:  # V3
        errors.add(f"{p}.l1", f"{framework} 框架下不设一级指标“{L1_LABELS.get(l1, l1)}”")
    elif l2 not in allowed[l1]:
        errors.add(f"{p}.l2", f"二级指标“{L2_LABELS.get(l2, l2)}”不属于一级指标“{L1_LABELS[l1]}”")
    kind, op, value, unit = row.get("kind"), row.get("operator"), row.get("target_value"), _unit(row)
    if kind == "QUANT":  # V4
        if value is None:
            errors.add(f"{p}.target_value", "定量指标须填写数值型指标值")
        if not unit:
            errors.add(f"{p}.unit", "定量指标须填写计量单位")
        if not row.get("calc_method"):
            errors.add(f"{p}.calc_method", "定量指标须填写计算方法")
        if op == "QUAL":
            errors.add(f"{p}.operator", "定量指标的指标方向不能为“定性”")
    elif kind == "QUAL":
        if not row.get("target_text"):
            errors.add(f"{p}.target_text", "定性指标须填写指标值描述")
        if op != "QUAL":
            errors.add(f"{p}.operator", "定性指标的指标方向须为“定性”（QUAL）")
    over = value is not None and not 0 <= value <= 100
    if kind == "QUANT" and unit in PERCENT_UNITS and over and not row.get("allow_over_100"):  # V5
        errors.add(f"{p}.target_value", "计量单位为 % 时指标值须在 0–100 之间（增长率类指标可勾选允许超过 100）")
    if _is_sat(row):  # V6
        if kind != "QUANT":
            errors.add(f"{p}.kind", "满意度指标须为定量指标")
        else:
            if unit not in PERCENT_UNITS:
                errors.add(f"{p}.unit", "满意度指标的计量单位须为 %")
            if op != "GE":
                errors.add(f"{p}.operator", "满意度指标的指标方向须为“≥”（GE）")
            if value is not None and not SAT_MIN <= value <= SAT_MAX:
                errors.add(f"{p}.target_value", f"满意度指标的指标值须在 {SAT_MIN}–{SAT_MAX} 之间")
    if _is_cost(row) and op == "LE" and unit and "元" not in unit:  # V11
        errors.add(f"{p}.unit", "成本指标（≤）的计量单位须为货币单位，如 元/人、万元")
    weight = row.get("weight")
    if weight is not None and weight <= 0 and not row.get("is_common"):  # V7 (row part)
        errors.add(f"{p}.weight", "须大于 0")


def _weights(rows: list[dict], clean: dict, framework: str, errors: Errors) -> None:
    """V7 sums: 产出 50 (FW101: 成本 + 产出 50), 效益 30 (40 without satisfaction), 满意度 10, Σ 90."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        if row.get("weight") is not None:
            sums[row.get("l1")] = sums.get(row.get("l1"), Decimal(0)) + row["weight"]
    has_sat = any(_is_sat(r) for r in rows)
    no_sat_ok = clean.get("has_service_objects") is False and not has_sat
    expected: list[tuple[str, Decimal, Decimal]] = []
    if framework == "FW101":
        expected.append(("成本指标与产出指标", OUTPUT_WEIGHT, sums.get("COST", 0) + sums.get("OUTPUT", 0)))
    else:
        expected.append(("产出指标", OUTPUT_WEIGHT, sums.get("OUTPUT", Decimal(0))))
    expected.append(("效益指标", EFFECT_WEIGHT_NO_SAT if no_sat_ok else EFFECT_WEIGHT, sums.get("EFFECT", Decimal(0))))
    if has_sat:
        expected.append(("满意度指标", SAT_WEIGHT, sums.get("SATISFACTION", Decimal(0))))
    wrong = [(label, want, got) for label, want, got in expected if got != want]
    for label, want, got in wrong:
        errors.add("indicators", f"{label}权重合计应为 {fmt(want)}，当前为 {fmt(Decimal(got))}")
    total = sum(sums.values(), Decimal(0))
    if not wrong and total != TOTAL_WEIGHT:
        errors.add("indicators", f"全部指标权重合计应为 {fmt(TOTAL_WEIGHT)}，当前为 {fmt(total)}")


@warning("indicator_quant_share")
def quant_share(clean: dict[str, Any], ctx: Ctx) -> list[str]:
    """V10: 定量为主 — at least 60 % of the (own) indicators quantitative."""
    own = [r for r in clean.get("indicators") or [] if not r.get("is_common")]
    if not own:
        return []
    share = Decimal(sum(r.get("kind") == "QUANT" for r in own)) * 100 / len(own)
    if share < 60:
        return [f"定量指标占比为 {fmt(share.quantize(Decimal('0.01')))}%，低于 60%（绩效指标应以定量为主）"]
    return []


_SCALE = {"": 1, "十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


def _split_cost_unit(unit: str) -> tuple[Decimal, str] | None:
    """'元/亩' → (1, '亩'); '万元/人' → (10000, '人'); anything else → None."""
    head, sep, per = unit.partition("/")
    if not sep or not per or head not in ("元", "万元"):
        return None
    return Decimal(10_000 if head == "万元" else 1), per


def _qty_scale(unit: str, per: str) -> Decimal | None:
    prefix = unit[: -len(per)] if unit.endswith(per) else None
    return Decimal(_SCALE[prefix]) if prefix in _SCALE else None


@warning("budget_match_hint")
def budget_match_hint(clean: dict[str, Any], ctx: Ctx) -> list[str]:
    """V12: some unit cost × matching quantity should land within ±20 % of the request (万元).
    Projects often carry several unit costs (fiscal subsidy vs full cost): one match is enough."""
    request = ctx.decimal("request_wan")
    rows = clean.get("indicators") or []
    if not request or request <= 0:
        return []
    estimates: list[tuple[Decimal, str, str]] = []
    for cost in rows:
        split = _split_cost_unit(_unit(cost)) if cost.get("l2") == "OUT_COST" or cost.get("l1") == "COST" else None
        if not split or cost.get("target_value") is None:
            continue
        for qty in rows:
            scale = _qty_scale(_unit(qty), split[1]) if qty.get("l2") == "OUT_QTY" else None
            if scale is not None and qty.get("target_value") is not None:
                wan = cost["target_value"] * split[0] * qty["target_value"] * scale / 10_000
                estimates.append((wan, cost.get("name"), qty.get("name")))
    if not estimates:
        return []
    best = min(estimates, key=lambda e: abs(e[0] - request))
    gap = abs(best[0] - request) / request * 100
    if gap <= 20:
        return []
    return [f"预算匹配提示：“{best[1]}”×“{best[2]}”约 {fmt(best[0].quantize(Decimal('0.01')))} 万元，"
            f"与申请金额 {fmt(request)} 万元相差 {fmt(gap.quantize(Decimal('0.1')))}%（超过 ±20%）"]
