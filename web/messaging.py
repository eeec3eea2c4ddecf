"""Who may send a message of the catalogue (processes.md §5.1), for POST /api/v1/messages and the
project page's buttons alike: administrators everywhere; holders of the message's sender roles
within those roles' data scope."""
from __future__ import annotations

from typing import Any

from budget.shared.message_catalogue import MessageKind, sender_labels
from engine.base.errors import Forbidden
from engine.base.identity import User
from engine.moves.inbound import Reach
from engine.work.access import PROCESS_ADMIN_ROLES, covers


def sender_reach(user: User, kind: MessageKind) -> Reach | None:
    """None for an administrator (every instance); else the scopes of the user's sender roles.
    Someone holding none of them may not send the message at all (Forbidden)."""
    today = [a for a in user.roles if a.valid_on()]
    if any(a.role in PROCESS_ADMIN_ROLES for a in today):
        return None
    mine = [a for a in today if a.role in kind.senders]
    if not mine:
        raise Forbidden(f"无权发送消息「{kind.label}」（需要：{sender_labels(kind)}，或流程管理员）")
    return lambda i: any(covers(a, i.scope_unit, i.scope_dept, i.scope_division) for a in mine)


def may_send(user: User, kind: MessageKind, instance: Any) -> bool:
    """Whether `user`'s message would reach `instance` (a button is shown only then)."""
    try:
        reach = sender_reach(user, kind)
    except Forbidden:
        return False
    return reach is None or reach(instance)
