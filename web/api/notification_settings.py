"""通知设置 over the API: GET/PUT /me/notification-settings (engine.dispatch.channels)."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from engine.base.errors import ValidationFailed
from engine.base.models import NotificationPreference
from engine.dispatch import channels
from web.api import api
from web.api.auth import require_token
from web.transactions import atomic

FIELDS = ("email", "webhook_url", "channels")


def _settings(pref: NotificationPreference | None) -> dict[str, Any]:
    return {"in_app": True, "email": pref.email if pref else None,
            "webhook_url": pref.webhook_url if pref else None,
            "channels": list(pref.channels) if pref else [],
            "updated_at": pref.updated_at if pref else None,
            "available": {"in_app": True, **channels.available()},
            "deliveries": [d.as_json() for d in channels.recent(g.api_user.username)]}


@api.get("/me/notification-settings")
@require_token
def notification_settings():  # noqa: ANN201
    return jsonify(_settings(channels.preference(g.api_user.username)))


@api.put("/me/notification-settings")
@require_token
def put_notification_settings():  # noqa: ANN201
    """A field left out keeps its value; null clears it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"_body": ["请求体须为 JSON 对象"]})
    unknown = sorted(set(body) - set(FIELDS) - {"in_app", "available", "deliveries", "updated_at"})
    if unknown:
        raise ValidationFailed({k: ["未知字段"] for k in unknown})
    if body.get("in_app", True) is not True:
        raise ValidationFailed({"in_app": ["站内消息始终开启"]})

    def save() -> NotificationPreference:
        current = channels.preference(g.api_user.username)
        now = {"email": current.email if current else None,
               "webhook_url": current.webhook_url if current else None,
               "channels": list(current.channels) if current else []}
        now.update({k: body[k] for k in FIELDS if k in body})
        return channels.save_preference(g.api_user, **now)

    return jsonify(_settings(atomic(save)))
