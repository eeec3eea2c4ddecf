"""Small Chinese labels the pages share (the API says the same things in web.presenters)."""
from __future__ import annotations

from typing import Any

from web.presenters import DECISION_LABELS

PRIORITY_LABELS = {0: "普通", 1: "紧急", 2: "特急"}
POSITION_LABELS = {"BEFORE": "前加签", "AFTER": "后加签", "WITH": "并加签"}
ORDER_LABELS = {"SEQUENTIAL": "依次", "PARALLEL": "同时"}
RESUBMIT_LABELS = {"RERUN": "逐级重新审批", "JUMP_BACK": "直达退回人"}
# Role codes (lanes) as a clerk knows them (../shared/domain/README.md §2).
ROLE_LABELS = {
    "UNIT_FILER": "项目单位经办人", "UNIT_HEAD": "项目单位负责人", "DEPT_OFFICER": "主管部门绩效管理员",
    "DEPT_HEAD": "主管部门负责人", "FIN_FUND": "财政资金管理处", "FIN_BUDGET": "预算处", "FIN_PERF": "预算绩效管理处",
    "FIN_CENTER": "财政绩效评价中心", "FIN_TREASURY": "国库处", "FIN_LEADER": "财政局领导", "THIRD_PARTY": "第三方机构",
    "TP_LEAD": "第三方主评人", "EXPERT": "评审专家", "SYS_ADMIN": "系统管理员",
}
SIGN_MODES = {"ALL": "会签（全部同意）", "ANY": "或签（一人同意即可）", "SEQUENTIAL": "依次审批", "RATIO": "票签"}

__all__ = ["DECISION_LABELS", "PRIORITY_LABELS", "event_note"]


def _names(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def event_note(event: dict[str, Any]) -> str:
    """What a timeline row's detail adds: "代 X 办理", "→ Y", the return target and strategy."""
    detail = event.get("detail") or {}
    if not isinstance(detail, dict):
        return ""
    parts: list[str] = []
    if detail.get("on_behalf_of"):
        parts.append(f"代 {detail['on_behalf_of']} 办理")
    action = event.get("action")
    if action == "return":
        target = detail.get("to_title") or detail.get("to")
        strategy = RESUBMIT_LABELS.get(detail.get("resubmit") or "", "")
        parts.append(f"→ {target}" + (f"（重新提交后{strategy}）" if strategy else ""))
    elif action == "handover":
        parts.append(f"{detail.get('from', '')} → {detail.get('to', '')}")
    elif action == "add_signer":
        how = POSITION_LABELS.get(detail.get("position") or "", "")
        order = ORDER_LABELS.get(detail.get("order") or "", "") if len(detail.get("users") or []) > 1 else ""
        parts.append(f"→ {_names(detail.get('users') or [])}（{how}{'，' + order if order else ''}）")
    elif action == "remove_signer" and detail.get("user"):
        parts.append(f"减去 {detail['user']}")
    elif action == "withdraw":
        pass  # `to` is the step id; the row's title already names the step
    elif detail.get("to"):
        parts.append(f"→ {_names(detail['to'])}")
    return " ".join(parts)
