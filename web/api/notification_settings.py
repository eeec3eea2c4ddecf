"""通知设置 over the API: GET/PUT /me/notification-settings (engine.channels)."""
from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import RAISE, Schema, fields, validate

from engine.base.models import NotificationPreference
from engine.dispatch import channels
from web.api import api
from web.api.auth import require_token
from web.api.schemas import always, typed
from web.api.spec import fails
from web.inputs import Input
from web.transactions import atomic

FIELDS = ("email", "webhook_url", "channels")
CHANNELS = ("email", "webhook")


def _channels(**kw: Any) -> fields.List:
    return fields.List(fields.String(metadata={"enum": list(CHANNELS)}),
                       metadata={"description": "除站内消息（始终开启）外启用的渠道"}, **kw)


class NotificationSettingsInput(Input):
    """A field left out keeps its value; null clears it. The read-only fields of the GET reply
    may be sent back unchanged."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": "请求体须为 JSON 对象", "unknown": "未知字段"}
    email = fields.Raw(allow_none=True, metadata={"type": "string", "maxLength": 200})
    webhook_url = fields.Raw(allow_none=True, metadata={"type": "string", "maxLength": 500,
                                                         "description": "企业微信/钉钉群机器人地址，仅 http(s)"})
    channels = fields.Raw(allow_none=True, metadata={"type": "array", "items": {
        "type": "string", "enum": list(CHANNELS)}})
    in_app = fields.Boolean(validate=validate.Equal(True, error="站内消息始终开启"),
                            error_messages={"invalid": "站内消息始终开启"})
    available = fields.Raw(load_only=True)
    deliveries = fields.Raw(load_only=True)
    updated_at = fields.Raw(load_only=True)


@always
class Delivery(Schema):
    id = fields.String()
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    target = fields.String(metadata={"description": "收件地址；webhook 只显示到主机名"})
    title = fields.String()
    status = fields.String(metadata={"enum": ["PENDING", "SENT", "FAILED"]})
    status_label = fields.String()
    attempts = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = typed("string", "date-time", nullable=False)
    sent_at = typed("string", "date-time")


@always
class Available(Schema):
    in_app = fields.Boolean()
    email = fields.Boolean()
    webhook = fields.Boolean()


@always
class NotificationSettings(Schema):
    in_app = fields.Boolean(metadata={"const": True})
    email = fields.String(allow_none=True)
    webhook_url = fields.String(allow_none=True)
    channels = _channels()
    updated_at = typed("string", "date-time")
    available = fields.Nested(Available, metadata={"description": "本系统已配置的渠道"})
    deliveries = fields.List(fields.Nested(Delivery), metadata={"description": "最近 20 条发送记录"})


def _settings(pref: NotificationPreference | None) -> dict[str, Any]:
    return {"in_app": True, "email": pref.email if pref else None,
            "webhook_url": pref.webhook_url if pref else None,
            "channels": list(pref.channels) if pref else [],
            "updated_at": pref.updated_at if pref else None,
            "available": {"in_app": True, **channels.available()},
            "deliveries": [d.as_json() for d in channels.recent(g.api_user.username)]}


@api.get("/me/notification-settings")
@require_token
@api.response(200, NotificationSettings)
def notification_settings():  # noqa: ANN201
    """我的通知设置与最近发送记录"""
    return _settings(channels.preference(g.api_user.username))


@api.put("/me/notification-settings")
@require_token
@api.arguments(NotificationSettingsInput)
@api.response(200, NotificationSettings)
@fails(422)
def put_notification_settings(body: dict[str, Any]):  # noqa: ANN201
    """修改通知设置（电子邮件、机器人 webhook）；未提供的字段保持不变，null 清空"""
    def save() -> NotificationPreference:
        current = channels.preference(g.api_user.username)
        now = {"email": current.email if current else None,
               "webhook_url": current.webhook_url if current else None,
               "channels": list(current.channels) if current else []}
        now.update({k: body[k] for k in FIELDS if k in body})
        return channels.save_preference(g.api_user, **now)

    return _settings(atomic(save))
