"""What a deadline is a deadline *for*: the `deliverable` property a shipped user task declares
next to its `dueAt`/`dueIn` (BPMN is where the house declares a step's rules), read once from
workflows/. P7's plan and report are rows of their rectification case (RECT_PLAN, RECT_REPORT)."""
from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}

# entities §3.15 WorkLedgerItem.deliverable, with the steps the shipped models have deadlines on.
DELIVERABLE_ZH = {
    "INTAKE": "项目入库申报", "EXANTE": "事前绩效评估", "TARGET": "绩效目标申报", "TARGET_CONFIRM": "确认完善后的目标",
    "BUDGET_ISSUE": "财政批复预算及目标", "BUDGET_ISSUE_DEPT": "部门批复至单位", "TARGET_ADJUST_REVIEW": "目标调整审核",
    "MONTHLY_MONITORING": "月度监控填报", "WARNING_RESPONSE": "预警说明", "KEY_MONITORING": "重点监控核查",
    "CONCENTRATED_MONITORING": "集中监控", "SELF_EVAL": "绩效自评", "RECT_PLAN": "整改计划", "RECT_REPORT": "整改报告",
    "DISCLOSURE": "信息公开", "CUSTOM": "其他事项",
}
SOURCES = {"P1": "项目入库", "P2": "目标审核与批复", "P3": "绩效运行监控", "P7": "整改与回头看"}


@functools.cache
def by_task() -> dict[str, str]:
    """{user task id: deliverable} over every shipped model (task ids are unique across models)."""
    found: dict[str, str] = {}
    for path in sorted(WORKFLOWS.rglob("*.bpmn")):
        for task in ET.parse(path).getroot().iter(f"{{{NS['bpmn']}}}userTask"):
            for prop in task.iter(f"{{{NS['spiffworkflow']}}}property"):
                if prop.get("name") == "deliverable":
                    found[task.get("id", "")] = prop.get("value", "")
    return found


def name(code: str, due: date | None = None) -> str:
    """The Chinese name; a monthly report names its data month (MONTHLY_MONITORING(m)): the report
    of month m is due at the end of month m + 1 (budget/p3_monitoring/monthly.py)."""
    text = DELIVERABLE_ZH.get(code, code)
    if code == "MONTHLY_MONITORING" and due is not None:
        return f"{text}（{12 if due.month == 1 else due.month - 1}月）"
    return text
