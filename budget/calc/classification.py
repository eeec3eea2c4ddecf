"""What P1's classification means in words (rules.md §4.5 DT-05, §4.2 DT-01): Chinese labels of the
decision rows, the requirement levels and the reasons DT-01 gives. Pure data."""
from __future__ import annotations

from typing import Any

PACK_LABELS = {"CORE": "通用", "SD": "SD", "SZ": "SZ", "QP": "QP", "FJ": "FJ", "JN": "JN"}

# row id → (table, row number, what the row says, what it decided)
RULE_ROWS: dict[str, tuple[str, int, str, str]] = {
    "dt05_r1": ("DT-05", 1, "人工认定为重大项目", "重大、重点"),
    "dt05_r2": ("DT-05", 2, "申请或年度预算不低于 1,000 万元", "重大"),
    "dt05_r3": ("DT-05", 3, "新增且申请不低于 300 万元（FJ）", "重点"),
    "dt05_r4": ("DT-05", 4, "申请超过 1 亿元（SD）", "重大、重点"),
    "dt01_r1": ("DT-01", 1, "新增重大项目", "部门事前评估；财政事前评估可选"),
    "dt01_r2": ("DT-01", 2, "新增项目（SZ）", "部门事前评估"),
    "dt01_r3": ("DT-01", 3, "新增重大项目（QP）", "部门事前评估；成本效益分析"),
    "dt01_r4": ("DT-01", 4, "新增且申请超过 1 亿元（SD）", "财政事前评估（必做）"),
    "dt01_r5": ("DT-01", 5, "政策到期申请延续", "财政重点事前评估（必做）"),
    "dt01_r6": ("DT-01", 6, "执行中追加申请", "部门事前评估"),
    "dt01_r7": ("DT-01", 7, "新增且申请不低于 5,000 万元或影响较大（SZ）", "备选方案比较"),
    "dt01_r8": ("DT-01", 8, "新增且申请不低于 300 万元（FJ）", "部门事前评估"),
}

FISCAL_EXANTE_LABELS = {"NONE": "不需要", "OPTIONAL": "可选（由预算绩效管理处决定）", "REQUIRED": "必做"}
REASON_LABELS = {"NEW_MAJOR": "新增重大项目", "NEW_ANY": "新增项目", "SD_OVER_100M": "申请超过 1 亿元",
                 "POLICY_EXPIRING": "政策到期申请延续", "IN_YEAR_REQUEST": "执行中追加申请"}


def rule_row(row_id: str) -> dict[str, Any]:
    table, number, when, then = RULE_ROWS.get(row_id, ("", 0, row_id, ""))
    return {"id": row_id, "table": table, "row": number, "label": f"{table} 第 {number} 条：{when} → {then}"
            if table else row_id, "when": when, "then": then}


def kinds(is_major: bool | None, is_key: bool | None, fiscal_key: bool | None) -> list[str]:
    """The badges a clerk reads: 重大项目, 重点项目, 财政重点评估."""
    return [label for flag, label in ((is_major, "重大项目"), (is_key, "重点项目"), (fiscal_key, "财政重点事前评估"))
            if flag]
