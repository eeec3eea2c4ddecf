"""The FY2025 performance targets the units enter at P2's first step (F-04, framework FW88): the
indicator trees of sample-data §8.4 for three projects, and 6–9 indicators drawn with the fixed seed
for the others, shaped to F-04's rules (V1 every 产出 kind and an 效益 and a 满意度 indicator, V2 a
cost indicator — the QP pack asks for one —, V7 weights 50/30/10, V9 the JN common indicators,
V11 money units for ≤ cost indicators)."""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from budget.p1_intake.intake import prefilled_target

W = Decimal
SEED = 20251015


def row(l1: str, l2: str, name: str, op: str, value: Any, unit: str, weight: int, **extra: Any) -> dict[str, Any]:
    if op == "QUAL":
        return {"l1": l1, "l2": l2, "name": name, "kind": "QUAL", "operator": "QUAL", "target_text": value,
                "weight": W(weight), "value_basis": "PLAN", "calc_method": "对照建设与管理制度逐项核查",
                "data_source": "单位工作台账及检查记录", "is_core": False, **extra}
    return {"l1": l1, "l2": l2, "name": name, "kind": "QUANT", "operator": op, "target_value": W(str(value)),
            "unit": unit, "weight": W(weight), "value_basis": "HISTORY", "calc_method": "按年度统计口径计算",
            "data_source": "单位业务统计台账", "is_core": False, **extra}


OUT, EFF, SAT = "OUTPUT", "EFFECT", "SATISFACTION"
TREES: dict[str, list[dict[str, Any]]] = {  # sample-data §8.4
    "P-D03-002": [
        row(OUT, "OUT_QTY", "公交运营里程", "GE", "1.20", "亿车公里", 10),
        row(OUT, "OUT_QTY", "运营线路数", "GE", 320, "条", 5),
        row(OUT, "OUT_QLT", "公交准点率", "GE", 90, "%", 10),
        row(OUT, "OUT_QLT", "车辆完好率", "GE", 95, "%", 5),
        row(OUT, "OUT_TIME", "补贴资金按季拨付及时率", "EQ", 100, "%", 5),
        row(OUT, "OUT_COST", "每车公里财政补贴", "LE", "2.35", "元/车公里", 10),
        row(OUT, "OUT_COST", "单位运营成本", "LE", "9.80", "元/车公里", 5),
        row(EFF, "EFF_SOC", "年客运量", "GE", "3.6", "亿人次", 15),
        row(EFF, "EFF_SOC", "公共交通机动化出行分担率", "GE", 45, "%", 10),
        row(EFF, "EFF_SUST", "新能源公交车占比", "GE", 95, "%", 5),
        row(SAT, "SAT_SERVICE", "乘客满意度", "GE", 90, "%", 10),
    ],
    "P-D04-001": [
        row(OUT, "OUT_QTY", "新建高标准农田面积", "GE", "5.0", "万亩", 20),
        row(OUT, "OUT_QLT", "工程验收合格率", "EQ", 100, "%", 10),
        row(OUT, "OUT_TIME", "年度建设任务当年完工率", "GE", 90, "%", 5),
        row(OUT, "OUT_COST", "亩均财政投入", "LE", 1800, "元/亩", 15),
        row(EFF, "EFF_ECON", "项目区粮食亩产提高", "GE", 50, "公斤/亩", 10),
        row(EFF, "EFF_SOC", "受益农户数", "GE", "3.2", "万户", 10),
        row(EFF, "EFF_ECO", "节水灌溉面积占比", "GE", 60, "%", 5),
        row(EFF, "EFF_SUST", "建后管护机制", "QUAL", "建立并有效运行", "", 5),
        row(SAT, "SAT_SERVICE", "受益农户满意度", "GE", 90, "%", 10),
    ],
    "P-D06-001": [
        row(OUT, "OUT_QTY", "应保尽保率", "EQ", 100, "%", 15),
        row(OUT, "OUT_QTY", "特困人员救助供养人数", "GE", 6000, "人", 10),
        row(OUT, "OUT_QLT", "低保对象认定准确率", "GE", 98, "%", 10),
        row(OUT, "OUT_TIME", "救助金按月足额发放率", "EQ", 100, "%", 10),
        row(OUT, "OUT_COST", "城市低保标准", "GE", 1050, "元/人·月", 5),
        row(EFF, "EFF_SOC", "困难群众基本生活保障", "QUAL", "有效保障", "", 20),
        row(EFF, "EFF_SUST", "低保动态管理机制", "QUAL", "健全并运行", "", 10),
        row(SAT, "SAT_SERVICE", "救助对象满意度", "GE", 90, "%", 10),
    ],
}

# The indicator library the generator draws from: (l2, name, operator, low, high, unit).
LIBRARY: dict[str, list[tuple[str, str, str, float, float, str]]] = {
    "OUT_QTY": [("OUT_QTY", "年度计划任务完成量", "GE", 200, 800, "项"), ("OUT_QTY", "覆盖服务对象数", "GE", 1, 9, "万人次"),
                ("OUT_QTY", "资金支持项目数", "GE", 20, 120, "个")],
    "OUT_QLT": [("OUT_QLT", "项目验收合格率", "GE", 95, 100, "%"), ("OUT_QLT", "资金使用合规率", "EQ", 100, 100, "%")],
    "OUT_TIME": [("OUT_TIME", "年度任务按期完成率", "GE", 90, 98, "%"), ("OUT_TIME", "资金拨付及时率", "GE", 95, 100, "%")],
    "OUT_COST": [("OUT_COST", "单位服务成本", "LE", 80, 400, "元/人次"), ("OUT_COST", "单个项目平均补助标准", "LE", 20, 90, "万元/个")],
    "EFFECT": [("EFF_SOC", "服务可及性提升", "GE", 5, 15, "%"), ("EFF_ECON", "带动社会投入", "GE", 1, 6, "亿元"),
               ("EFF_SUST", "长效管理机制运行率", "GE", 90, 100, "%"), ("EFF_ECO", "资源节约率", "GE", 3, 10, "%")],
}


def _pick(rng: random.Random, key: str, taken: set[str]) -> tuple[str, str, str, float, float, str]:
    choices = [c for c in LIBRARY[key] if c[1] not in taken]
    choice = rng.choice(choices)
    taken.add(choice[1])
    return choice


def _value(rng: random.Random, low: float, high: float, unit: str) -> Decimal:
    value = W(str(round(rng.uniform(low, high)))) if unit != "%" else W(str(min(100, round(rng.uniform(low, high)))))
    return value


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` in `parts` positive multiples of 5 (a clerk's weights)."""
    units = [1] * parts
    for _ in range(total // 5 - parts):
        units[rng.randrange(parts)] += 1
    return [u * 5 for u in units]


def generated(rng: random.Random) -> list[dict[str, Any]]:
    """6–9 own indicators: one of each 产出 kind (数量, 质量, 时效, 成本), 1–4 效益, one 满意度."""
    n = rng.randint(6, 9)
    extra_effect = n - 6  # 0..3 more 效益 indicators
    taken: set[str] = set()
    outputs = [_pick(rng, k, taken) for k in ("OUT_QTY", "OUT_QLT", "OUT_TIME", "OUT_COST")]
    effects = [_pick(rng, "EFFECT", taken) for _ in range(1 + extra_effect)]
    out_w, eff_w = _split(rng, 50, len(outputs)), _split(rng, 30, len(effects))
    rows = [row(OUT, l2, name, op, _value(rng, lo, hi, unit), unit, w)
            for (l2, name, op, lo, hi, unit), w in zip(outputs, out_w, strict=True)]
    rows += [row(EFF, l2, name, op, _value(rng, lo, hi, unit), unit, w)
             for (l2, name, op, lo, hi, unit), w in zip(effects, eff_w, strict=True)]
    rows.append(row(SAT, "SAT_SERVICE", "服务对象满意度", "GE", rng.choice([85, 88, 90, 92]), "%", 10))
    return rows


def fy2025_targets(codes: list[str], packs: list[str]) -> dict[str, dict[str, Any]]:
    """code → the F-04 values its unit enters (codes in a fixed order, so the draw is repeatable)."""
    rng = random.Random(SEED)
    common = prefilled_target(packs).get("indicators", [])
    out = {}
    for code in sorted(codes):
        own = [dict(r) for r in TREES[code]] if code in TREES else generated(rng)
        out[code] = {"indicators": own + [dict(c) for c in common]}
    return out
