"""POST /messages: a message of the catalogue (processes.md §5.1, budget.shared.message_catalogue)
from outside — an integration or a person's action — delivered by engine.moves.inbound. Who may
send it: administrators, and holders of the message's sender roles, whose delivery reaches the
instances within that role's data scope."""
from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import RAISE, Schema, ValidationError, fields

from budget.shared.message_catalogue import MessageKind, find
from engine.base.errors import ValidationFailed
from engine.moves.inbound import post
from engine.moves.messages import caught_names
from forms import messages as M
from forms.fields import INT_MAX
from web import inputs
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.spec import fails
from web.messaging import sender_reach

_COMMON = {"required": M.REQUIRED, "null": M.REQUIRED}


def _field(kind: str, required: bool) -> fields.Field:
    common: dict[str, Any] = {"required": required, "allow_none": not required}
    if kind == "text":
        return inputs.Text(required=True, max_length=200) if required else inputs.Line(max_length=2000)
    if kind == "int":
        return inputs.Int(lo=0, hi=INT_MAX, **common)
    if kind == "date":
        return fields.Date(error_messages={**_COMMON, "invalid": M.NOT_DATE}, **common)
    if kind == "decimal":
        return fields.Decimal(allow_nan=False, error_messages={**_COMMON, "invalid": M.NOT_NUMBER,
                                                               "special": M.NOT_FINITE}, **common)
    if kind == "bool":
        return fields.Boolean(error_messages={**_COMMON, "invalid": M.NOT_BOOL}, **common)
    if kind == "list":
        return fields.List(fields.Raw(), error_messages={**_COMMON, "invalid": M.NOT_LIST}, **common)
    return fields.Dict(keys=fields.String(), error_messages={**_COMMON, "invalid": M.NOT_OBJECT}, **common)


def _modelled(name: str) -> MessageKind | None:
    """A message outside the catalogue that a deployed model catches (a model drawn elsewhere):
    only administrators send it (no sender role), its keys and fields untyped."""
    if name not in caught_names():
        return None
    return MessageKind(name, name, "外部", "已部署的模型", frozenset(), ())


def _parse(kind: MessageKind, part: str, values: dict[str, Any]) -> dict[str, Any]:
    if find(kind.name) is None:  # modelled, not catalogued: JSON as given
        return dict(values)
    specs = kind.correlation if part == "correlation" else kind.payload
    what = "关联键" if part == "correlation" else "内容字段"
    schema_class = Schema.from_dict({f.name: _field(f.kind, f.required or part == "correlation") for f in specs})
    schema_class.Meta.unknown = RAISE  # type: ignore[attr-defined]
    schema_class.error_messages = {"unknown": f"不是消息 {kind.name} 的{what}"}
    try:
        loaded = schema_class().load(values)
    except ValidationError as err:
        raise ValidationFailed({f"{part}.{k}": v if isinstance(v, list) else [str(v)]
                                for k, v in err.normalized_messages().items()}) from None
    return {k: v for k, v in loaded.items() if v is not None}


@api.post("/messages")
@require_token
@api.arguments(inputs.MessageInput)
@api.response(200, out.MessageReply)
@fails(403, 409, 422)
def send_message(body: dict[str, Any]):  # noqa: ANN201
    """发送消息（消息目录 processes.md §5.1）：送达每个关联键相符、正在等待的捕获事件；无人等待时启动以该消息开始的流程。
    每个实例一个事务，逐实例返回结果；同一 message_id 只投递一次。发送者：流程管理员，或持有该消息发送方角色者（限其数据范围）"""
    kind = find(body["name"]) or _modelled(body["name"])
    if kind is None:
        raise ValidationFailed({"name": [f"未知的消息：{body['name']}"]})
    reach = sender_reach(g.api_user, kind)
    correlation = _parse(kind, "correlation", body["correlation"])
    payload = _parse(kind, "payload", body["payload"])
    posted = post(kind.name, correlation, payload, client_id=body["message_id"], sender=g.api_user, reach=reach)
    return {"id": str(posted.id), "message_id": posted.client_id, "name": posted.name, "status": posted.status,
            "duplicate": posted.duplicate, "results": posted.results}

