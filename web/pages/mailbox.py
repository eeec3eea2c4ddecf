"""抄送我的 and 通知: what others sent the user, unread first, marked read one by one or all."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from engine.base.db import db, utcnow
from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import CarbonCopy, Notification, ProcessInstance
from engine.work.notices import open_notice
from web.pages.outcome import not_found_page
from web.transactions import atomic

bp = Blueprint("mail", __name__)
KIND_LABELS = {"urge": "催办", "cc": "抄送", "transfer": "转办", "delegate": "委派", "resolve": "交回",
               "return": "退回", "withdraw": "撤回", "sign": "会签", "handover": "离职转办",
               "remind": "到期提醒", "escalate": "逾期督办", "reject": "不同意", "end": "办结",
               "suspend": "暂停", "resume": "恢复", "terminate": "终止", "reassign": "改派", "delete": "删除",
               "payment_hold": "暂缓拨款", "hold_released": "解除暂缓", "fund_decision": "资金处置"}


def unread_count(user: User) -> int:
    """Unread notifications + unread copies (the header badge; a copy's own notification is not
    counted twice); 0 when the session cannot ask."""
    try:
        notes = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.username == user.username, Notification.read_at.is_(None), Notification.kind != "cc"))
        copies = db.session.scalar(select(func.count()).select_from(CarbonCopy).where(
            CarbonCopy.to_user == user.username, CarbonCopy.read_at.is_(None)))
    except SQLAlchemyError:
        return 0
    return (notes or 0) + (copies or 0)


@bp.get("/cc")
@login_required
def cc_inbox():  # noqa: ANN201
    rows = db.session.execute(
        select(CarbonCopy, ProcessInstance.title, ProcessInstance.business_key, ProcessInstance.status)
        .join(ProcessInstance, ProcessInstance.id == CarbonCopy.instance_id)
        .where(CarbonCopy.to_user == current_user.username)
        .order_by(CarbonCopy.read_at.is_not(None), CarbonCopy.created_at.desc()).limit(200)).all()
    return render_template("cc.html", rows=rows, unread_cc=sum(1 for r in rows if r[0].read_at is None))


@bp.post("/cc/<cc_id>/read")
@login_required
def cc_read(cc_id: str):  # noqa: ANN201
    if not atomic(lambda: _mark_read(CarbonCopy, cc_id, "to_user")):
        return not_found_page("抄送不存在")
    flash("已标为已阅")
    return redirect(url_for("mail.cc_inbox"))


@bp.post("/cc/read-all")
@login_required
def cc_read_all():  # noqa: ANN201
    _mark_all_read(CarbonCopy.to_user)
    flash("已全部标为已阅")
    return redirect(url_for("mail.cc_inbox"))


@bp.get("/notifications")
@login_required
def notifications():  # noqa: ANN201
    rows = db.session.scalars(select(Notification).where(Notification.username == current_user.username)
                              .order_by(Notification.read_at.is_not(None), Notification.created_at.desc())
                              .limit(200)).all()
    return render_template("notifications.html", rows=rows, kinds=KIND_LABELS)


@bp.get("/notifications/<note_id>/open")
@login_required
def notification_open(note_id: str):  # noqa: ANN201
    """Opening a notification marks it read and lands where it leads now (engine.work.notices):
    the task while it is open, else its instance (the task moved on), else the list. A GET, so a
    plain link works: marking one's own notification read is the only effect."""
    ident = _uuid(note_id)
    try:
        landing = atomic(lambda: open_notice(ident, current_user)) if ident else None
    except NotFound:
        landing = None
    if landing is None:
        return not_found_page("通知不存在")
    if landing.kind == "task":
        return redirect(url_for("tasks.show", task_id=landing.id))
    if landing.kind == "instance":
        return redirect(url_for("instances.show", instance_id=landing.id))
    flash("该事项已结束或您已无权查看")
    return redirect(url_for("mail.notifications"))


@bp.post("/notifications/<note_id>/read")
@login_required
def notification_read(note_id: str):  # noqa: ANN201
    if not atomic(lambda: _mark_read(Notification, note_id, "username")):
        return not_found_page("通知不存在")
    flash("已标为已读")
    return redirect(url_for("mail.notifications"))


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all():  # noqa: ANN201
    _mark_all_read(Notification.username)
    flash("已全部标为已读")
    return redirect(url_for("mail.notifications"))


def _mark_all_read(owner: Any) -> None:
    """Everything unread of the current user in the table of the `owner` column."""
    model = owner.class_
    atomic(lambda: db.session.execute(update(model).where(owner == current_user.username,
                                                          model.read_at.is_(None)).values(read_at=utcnow())))


def _mark_read(model: type, raw_id: str, owner: str) -> bool:
    """Mark the current user's copy or notification read; False when it is not theirs."""
    ident = _uuid(raw_id)
    row = db.session.get(model, ident) if ident else None
    if row is None or getattr(row, owner) != current_user.username:
        return False
    row.read_at = row.read_at or utcnow()
    return True


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
