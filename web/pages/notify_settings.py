"""通知设置 (/me/notifications/settings): the channels a person wants besides in-app messages
(engine.dispatch.channels), and what was sent to them lately."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.base import config as engine_config
from engine.dispatch import channels
from web.pages.outcome import attempt, flash_failure

bp = Blueprint("notify_settings", __name__, url_prefix="/me")


def _render(errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    pref = channels.preference(current_user.username)
    if errors:
        values = {"email": request.form.get("email", ""), "webhook_url": request.form.get("webhook_url", ""),
                  "channels": request.form.getlist("channels")}
    else:
        values = {"email": (pref.email if pref else None) or current_user.email or "",
                  "webhook_url": (pref.webhook_url if pref else None) or "",
                  "channels": list(pref.channels) if pref else []}
    return render_template("notification_settings.html", values=values, errors=errors or {},
                           available=channels.available(), webhook_hosts=channels.webhook_hosts(),
                           webhook_enabled=engine_config.current().webhook_enabled, labels=channels.CHANNELS,
                           deliveries=channels.recent(current_user.username)), status


@bp.get("/notifications/settings")
@login_required
def index():  # noqa: ANN201
    return _render()


@bp.post("/notifications/settings")
@login_required
def save():  # noqa: ANN201
    outcome = attempt(lambda: channels.save_preference(
        current_user, email=request.form.get("email", ""), webhook_url=request.form.get("webhook_url", ""),
        channels=request.form.getlist("channels")))
    if outcome.errors is not None:
        flash("保存未成功：" + "；".join(outcome.messages()), "error")
        return _render(outcome.errors, 422)
    if not outcome.ok:
        flash_failure("保存", outcome)
        return redirect(url_for("notify_settings.index"))
    chosen = [channels.CHANNELS[c] for c in outcome.value.channels]
    flash("已保存通知设置：站内消息" + "".join(f"、{c}" for c in chosen))
    return redirect(url_for("notify_settings.index"))
