"""The approval operations, wired once for both transports: each names its input schema
(web/inputs.py) and the engine function it calls. The task and instance pages feed the schema
the posted form, the API the JSON body; each transport then translates engine errors its own
way, once (web/pages/outcome.py: Chinese messages in place; web/api/errors.py: JSON)."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError

from engine.base.errors import ValidationFailed
from engine.base.identity import User
from engine.moves import handoffs, interactions, interventions, returns, token
from web import inputs


@dataclass(frozen=True)
class Operation:
    label: str  # 退回, 转办, …: what a person calls it
    schema: type[Schema]
    run: Callable[[uuid.UUID, User, dict[str, Any]], Any]  # (task or instance id, actor, parsed input)


TASK = {
    "return": Operation("退回", inputs.ReturnInput, lambda item, user, a: returns.return_task(
        item, user, a["target"], a["opinion"], a["resubmit"])),
    "reclaim": Operation("拿回", inputs.OpinionInput, lambda item, user, a: returns.reclaim(item, user, a["opinion"])),
    "claim": Operation("认领", inputs.Input, lambda item, user, a: handoffs.claim(item, user)),
    "release": Operation("释放", inputs.Input, lambda item, user, a: handoffs.release(item, user)),
    "transfer": Operation("转办", inputs.HandOffInput, lambda item, user, a: handoffs.transfer(
        item, user, a["to"], a["opinion"])),
    "delegate": Operation("委派", inputs.HandOffInput, lambda item, user, a: handoffs.delegate(
        item, user, a["to"], a["opinion"])),
    "resolve": Operation("交回", inputs.OpinionInput, lambda item, user, a: handoffs.resolve(item, user, a["opinion"])),
    "signers": Operation("加签", inputs.SignersInput, lambda item, user, a: handoffs.add_signers(
        item, user, a["users"], a["position"], a["order"], a["opinion"])),
    "remove_signer": Operation("减签", inputs.OpinionInput, lambda item, user, a: handoffs.remove_signer(
        item, user, a["opinion"])),
    "draft": Operation("暂存", inputs.DataInput, lambda item, user, a: interactions.save_draft(item, user, a["data"])),
    "reassign": Operation("改派", inputs.ReassignInput, lambda item, user, a: interventions.reassign(
        item, user, a["to"], a.get("reason") or "")),
}

INSTANCE = {
    "withdraw": Operation("撤回", inputs.OpinionInput, lambda i, user, a: returns.withdraw(i, user, a["opinion"])),
    "urge": Operation("催办", inputs.UrgeInput, lambda i, user, a: interactions.urge(i, user, a["message"])),
    "cc": Operation("抄送", inputs.CopyInput, lambda i, user, a: interactions.copy_to(i, user, a["to"], a["note"])),
    "comment": Operation("评论", inputs.CommentInput, lambda i, user, a: interactions.comment(i, user, a["text"])),
}

# An administrator's interventions (engine.moves.interventions), on the instance page and the API.
ADMIN = {
    "suspend": Operation("暂停", inputs.ReasonInput, lambda i, user, a: interventions.suspend(
        i, user, a.get("reason") or "")),
    "resume": Operation("恢复", inputs.ReasonInput, lambda i, user, a: interventions.resume(
        i, user, a.get("reason") or "")),
    "terminate": Operation("终止", inputs.TerminateInput, lambda i, user, a: interventions.terminate(
        i, user, a["reason"])),
    "retry": Operation("重试异常", inputs.ReasonInput, lambda i, user, a: interventions.retry_incident(
        i, user, a.get("reason") or "")),
    "delete_draft": Operation("删除草稿", inputs.ReasonInput, lambda i, user, a: interventions.delete_draft(
        i, user, a.get("reason") or "")),
    "move_token": Operation("移动", inputs.MoveTokenInput, lambda i, user, a: token.move_token(
        i, user, a["to_element"], a["reason"], a.get("from_element"))),
}


def parse(schema: type[Schema], raw: Any) -> dict[str, Any]:
    """A page's posted form through the operation's schema; its errors are field errors (422)."""
    loader = schema()
    if hasattr(raw, "getlist"):  # a posted form: a multiple select sends one value per person
        lists = [k for k, f in loader.fields.items() if isinstance(f, inputs.Usernames) and k in raw]
        raw = {**raw.to_dict(), **{k: raw.getlist(k) for k in lists}}
    try:
        return loader.load(raw)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_body": err.messages}
        raise ValidationFailed({("_body" if k == "_schema" else k): _flat(v) for k, v in messages.items()}) from None


def _flat(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flat(v)]
    return [str(m) for m in value] if isinstance(value, list) else [str(value)]
