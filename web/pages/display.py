"""Small Chinese labels the pages share (the API says the same things in web.presenters)."""
from __future__ import annotations

from typing import Any

from web.labels import labels
from web.presenters import DECISION_LABELS

PRIORITY_LABELS = {0: "普通", 1: "紧急", 2: "特急"}
POSITION_LABELS = {"BEFORE": "前加签", "AFTER": "后加签", "WITH": "并加签"}
ORDER_LABELS = {"SEQUENTIAL": "依次", "PARALLEL": "同时"}
RESUBMIT_LABELS = {"RERUN": "逐级重新审批", "JUMP_BACK": "直达退回人"}
SIGN_MODES = {"ALL": "会签（全部同意）", "ANY": "或签（一人同意即可）", "SEQUENTIAL": "依次审批", "RATIO": "票签"}

__all__ = ["DECISION_LABELS", "PRIORITY_LABELS", "event_note"]


def _names(value: Any) -> str:
    """People named in an audit row's detail (usernames) by their names."""
    return labels().people(value if isinstance(value, list | tuple) else [value])


def event_note(event: dict[str, Any]) -> str:
    """What a timeline row's detail adds: "代 X 办理", "→ Y", the return target and strategy."""
    detail = event.get("detail") or {}
    if not isinstance(detail, dict):
        return ""
    parts: list[str] = []
    if detail.get("on_behalf_of"):
        parts.append(f"代 {_names(detail['on_behalf_of'])} 办理")
    action = event.get("action")
    if action == "return":
        target = detail.get("to_title") or detail.get("to")
        strategy = RESUBMIT_LABELS.get(detail.get("resubmit") or "", "")
        parts.append(f"→ {target}" + (f"（重新提交后{strategy}）" if strategy else ""))
    elif action == "handover":
        parts.append(f"{_names(detail.get('from', ''))} → {_names(detail.get('to', ''))}")
    elif action == "add_signer":
        how = POSITION_LABELS.get(detail.get("position") or "", "")
        order = ORDER_LABELS.get(detail.get("order") or "", "") if len(detail.get("users") or []) > 1 else ""
        parts.append(f"→ {_names(detail.get('users') or [])}（{how}{'，' + order if order else ''}）")
    elif action == "remove_signer" and detail.get("user"):
        parts.append(f"减去 {_names(detail['user'])}")
    elif action in ("withdraw", "migrate", "move_token"):
        pass  # `to` is a step id or a version; the row's title already says it
    elif detail.get("to"):
        parts.append(f"→ {_names(detail['to'])}")
    return " ".join(parts)
