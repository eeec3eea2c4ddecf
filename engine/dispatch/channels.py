"""通知渠道: besides the in-app notification (always on), a person may have each notification
sent by e-mail (SMTP) and to a 企业微信 / 钉钉 group robot (webhook).

`notify()` calls `plan()` in the caller's transaction: one query reads the recipients'
preferences, and each enabled channel with a target gets a `NotificationDelivery` row and an
outbox job `notify.deliver` (key `delivery:<id>`). The job sends, and marks the delivery SENT in
the job's transaction; a failure is retried with backoff by engine.dispatch.queue (its attempts and last
error are the outbox row's, shown beside the delivery) and after the last attempt the delivery is
FAILED with the error. Jobs run at least once: a SENT delivery is never sent again, and the
delivery id travels as the mail's Message-ID and the webhook's Idempotency-Key, so a receiver can
drop the rare duplicate (sent, then the commit was lost).
"""
from __future__ import annotations

import http.client
import json
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, literal, select

from engine.base import config
from engine.base.db import db, utcnow
from engine.base.errors import ValidationFailed
from engine.base.identity import User
from engine.base.models import Notification, NotificationDelivery, NotificationPreference, Outbox
from engine.dispatch import egress, queue

CHANNELS = {"email": "电子邮件", "webhook": "企业微信/钉钉机器人 webhook"}
STATUS_LABELS = {"PENDING": "发送中", "SENT": "已发送", "FAILED": "失败"}
KIND_LABELS = {"urge": "催办", "cc": "抄送", "transfer": "转办", "delegate": "委派", "resolve": "交回",
               "return": "退回", "withdraw": "撤回", "sign": "会签", "handover": "离职转办",
               "remind": "到期提醒", "escalate": "逾期督办", "payment_hold": "暂缓拨款", "hold_released": "解除暂缓",
               "fund_decision": "资金处置", "rect_notice": "整改通知", "rect_overdue": "整改逾期", "rect_interview": "整改约谈",
               "followup_scheduled": "回头看安排"}
EMAIL_MAX, URL_MAX = 200, 500
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
WEBHOOK_TIMEOUT = 5
REPLY_MAX_BYTES = 64 * 1024
SHANGHAI = ZoneInfo("Asia/Shanghai")


class DeliveryError(Exception):
    """Sending failed; the message (Chinese) is what the person sees beside the delivery."""


# -- what the server offers ---------------------------------------------------------------------

def available() -> dict[str, bool]:
    """The channels this server can send: e-mail once SMTP_HOST is set, webhooks unless turned off
    and once the administrator lists the hosts they may go to."""
    cfg = config.current()
    return {"email": bool(cfg.smtp_host), "webhook": cfg.webhook_enabled and bool(egress.allowed_hosts())}


def webhook_hosts() -> list[str]:
    """The hosts a webhook may point to (shown on the settings page)."""
    return egress.allowed_hosts()


# -- preferences ----------------------------------------------------------------------------------

def preference(username: str) -> NotificationPreference | None:
    return db.session.get(NotificationPreference, username)


def _email_error(value: str) -> str | None:
    if len(value) > EMAIL_MAX:
        return f"电子邮件地址不超过 {EMAIL_MAX} 个字符"
    if not _EMAIL.match(value):
        return "请填写正确的电子邮件地址，如 zhangsan@example.gov.cn"
    return None


def webhook_error(value: str) -> str | None:
    """Why `value` cannot be a robot webhook: only http(s) URLs with a host the administrator
    lists, resolving to public addresses only (engine.dispatch.egress)."""
    if len(value) > URL_MAX:
        return f"webhook 地址不超过 {URL_MAX} 个字符"
    if _SPACE.search(value):
        return "webhook 地址不能包含空格或换行"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return "webhook 地址格式不正确"
    if parts.scheme.lower() not in ("http", "https"):
        return "webhook 地址只能以 http:// 或 https:// 开头"
    if not parts.hostname:
        return "请填写完整的 webhook 地址（含主机名）"
    if "@" in parts.netloc:
        return "webhook 地址不能包含用户名或密码"
    try:
        egress.check_host(parts.hostname, parts.port or (443 if parts.scheme.lower() == "https" else 80),
                          unresolved_ok=True)
    except egress.Refused as err:
        return str(err)
    return None


def _optional_text(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = ["须为文本"]
        return ""
    return value.strip()


def save_preference(user: User, *, email: Any, webhook_url: Any, channels: Any) -> NotificationPreference:
    """Validate and store `user`'s channels; every problem is a Chinese message under its field
    (`email`, `webhook_url`, `channels`) and nothing is written."""
    errors: dict[str, list[str]] = {}
    email_value = _optional_text(email, "email", errors)
    url_value = _optional_text(webhook_url, "webhook_url", errors)
    if email_value and "email" not in errors and (problem := _email_error(email_value)):
        errors["email"] = [problem]
    if url_value and "webhook_url" not in errors and (problem := webhook_error(url_value)):
        errors["webhook_url"] = [problem]
    chosen: list[str] = []
    if channels is None:
        channels = []
    if not isinstance(channels, list | tuple) or not all(isinstance(c, str) for c in channels):
        errors["channels"] = ['须为通知渠道列表，如 ["email", "webhook"]']
    else:
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            errors["channels"] = [f"未知的通知渠道：{'、'.join(unknown)}（可选 email、webhook）"]
        chosen = [c for c in CHANNELS if c in channels]
    if "email" in chosen and not email_value and "email" not in errors:
        errors["email"] = ["开启电子邮件通知须填写电子邮件地址"]
    if "webhook" in chosen and not url_value and "webhook_url" not in errors:
        errors["webhook_url"] = ["开启机器人通知须填写 webhook 地址"]
    if errors:
        raise ValidationFailed(errors)
    row = db.session.get(NotificationPreference, user.username, with_for_update=True)
    if row is None:
        row = NotificationPreference(username=user.username)
        db.session.add(row)
    row.email, row.webhook_url, row.channels = email_value or None, url_value or None, chosen
    row.updated_at = utcnow()
    return row


# -- planning (inside notify, on the hot path) ------------------------------------------------------

def plan(notes: list[Notification]) -> list[NotificationDelivery]:
    """Deliveries for freshly added notifications (ids already set): one query for all
    recipients' preferences, none when nothing could be sent."""
    offered = [c for c, on in available().items() if on]
    if not notes or not offered:
        return []
    names = {n.username for n in notes}
    prefs = {p.username: p for p in db.session.scalars(
        select(NotificationPreference).join(User, User.username == NotificationPreference.username)
        .where(NotificationPreference.username.in_(names), User.active.is_(True)))}
    made: list[NotificationDelivery] = []
    for note in notes:
        pref = prefs.get(note.username)
        if pref is None:
            continue
        for channel in offered:
            target = pref.email if channel == "email" else pref.webhook_url
            if channel not in (pref.channels or []) or not target:
                continue
            row = NotificationDelivery(id=uuid.uuid4(), notification_id=note.id, username=note.username,
                                       channel=channel, target=target, status="PENDING", attempts=0,
                                       created_at=utcnow())
            db.session.add(row)
            queue.enqueue("notify.deliver", {"delivery_id": str(row.id)}, instance_id=note.instance_id,
                          key=job_key(row.id))
            made.append(row)
    return made


def job_key(delivery_id: uuid.UUID | str) -> str:
    return f"delivery:{delivery_id}"


# -- sending (the job) ------------------------------------------------------------------------------

def _failed(job: Outbox, error: str) -> None:
    """After the last attempt (in the transaction that marks the job FAILED)."""
    row = db.session.get(NotificationDelivery, uuid.UUID(str(job.payload.get("delivery_id"))))
    if row is None or row.status == "SENT":
        return
    row.status, row.attempts, row.last_error = "FAILED", job.attempts, error or reason(job.last_error)


@queue.job("notify.deliver", queue="notify", max_attempts=5, timeout=60, on_failed=_failed)
def deliver(payload: dict[str, Any]) -> None:
    row = db.session.get(NotificationDelivery, uuid.UUID(str(payload["delivery_id"])), with_for_update=True,
                         populate_existing=True)
    if row is None or row.status == "SENT":
        return  # at least once: an earlier run sent it
    note = db.session.get(Notification, row.notification_id)
    if note is None:
        raise DeliveryError("通知已不存在")
    person = db.session.scalar(select(User).where(User.username == row.username))
    if row.channel == "email":
        send_email(row, note, person.name if person else row.username)
    elif row.channel == "webhook":
        send_webhook(row, note)
    else:
        raise DeliveryError(f"未知的通知渠道：{row.channel}")
    job = db.session.scalar(select(Outbox).where(Outbox.key == job_key(row.id)))
    earlier = job.attempts if job else 0
    row.status, row.sent_at, row.attempts = "SENT", utcnow(), earlier + 1
    row.last_error = reason(job.last_error) if job and job.last_error else None


def message_id(delivery_id: uuid.UUID | str) -> str:
    """The mail's Message-ID: the same for every attempt of one delivery."""
    domain = parseaddr(config.current().mail_from)[1].rpartition("@")[2] or "perfflow.local"
    return f"<delivery-{delivery_id}@{domain}>"


def _link(note: Notification) -> str:
    base = config.current().app_base_url.rstrip("/")
    if not base:
        return ""
    if note.task_id:
        return f"{base}/tasks/{note.task_id}"
    if note.instance_id:
        return f"{base}/instances/{note.instance_id}"
    return f"{base}/notifications"


def _when(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def _sender(note: Notification) -> str:
    """Who sent it, by name (the message is read by a person)."""
    if note.created_by in (None, "system"):
        return "系统"
    return db.session.scalar(select(User.name).where(User.username == note.created_by)) or str(note.created_by)


def mail_text(note: Notification, name: str) -> str:
    lines = [f"{name}，您好：", "", note.title]
    if note.body:
        lines.append(note.body)
    lines += ["", f"类型：{KIND_LABELS.get(note.kind, note.kind)}", f"发送人：{_sender(note)}",
              f"时间：{_when(note.created_at)}（北京时间）"]
    if link := _link(note):
        lines.append(f"查看：{link}")
    lines += ["", "——", "此邮件由绩效流 PerfFlow 自动发送，请勿直接回复。"
              "如不想再收到邮件，请在“通知 → 通知设置”中关闭电子邮件通知。"]
    return "\n".join(lines) + "\n"


def robot_text(note: Notification) -> str:
    """The robot message; it starts with 【绩效流】, the keyword a 钉钉 robot may require."""
    lines = [f"【绩效流】{note.title}"]
    if note.body:
        lines.append(note.body)
    lines.append(f"类型：{KIND_LABELS.get(note.kind, note.kind)}　发送人：{_sender(note)}　时间：{_when(note.created_at)}")
    if link := _link(note):
        lines.append(f"查看：{link}")
    return "\n".join(lines)


def send_email(row: NotificationDelivery, note: Notification, name: str) -> None:
    cfg = config.current()
    host, port = cfg.smtp_host, cfg.smtp_port or 25
    if not host:
        raise DeliveryError("服务器未配置邮件发送（SMTP_HOST）")
    if problem := _email_error(row.target):
        raise DeliveryError(problem)
    sender = cfg.mail_from or "perfflow@localhost"
    message = EmailMessage()
    message["Subject"] = f"【绩效流】{note.title}"
    message["From"] = sender
    message["To"] = row.target
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(row.id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail_text(note, name), charset="utf-8")
    timeout = cfg.smtp_timeout or 10.0
    try:
        if cfg.smtp_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client as smtp:
            if cfg.smtp_starttls and not cfg.smtp_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password)
            smtp.send_message(message, from_addr=parseaddr(sender)[1] or sender, to_addrs=[row.target])
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError(f"邮件服务器拒收收件人 {row.target}") from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError("邮件服务器登录失败（请检查 SMTP_USER / SMTP_PASSWORD）") from None
    except smtplib.SMTPResponseException as err:
        detail = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else err.smtp_error
        raise DeliveryError(f"邮件服务器拒绝：{err.smtp_code} {detail}"[:300]) from None
    except (smtplib.SMTPException, OSError) as err:
        raise DeliveryError(f"无法通过邮件服务器 {host}:{port} 发送：{err}"[:300]) from None


def send_webhook(row: NotificationDelivery, note: Notification) -> None:
    """POST the text message both 企业微信 and 钉钉 group robots accept; a non-2xx answer or a JSON
    reply whose errcode is not 0 is a failure. The error names the status (and a numeric errcode),
    never the reply's text."""
    if not config.current().webhook_enabled:
        raise DeliveryError("服务器已关闭机器人 webhook 通知（WEBHOOK_ENABLED）")
    if problem := webhook_error(row.target):
        raise DeliveryError(problem)
    body = json.dumps({"msgtype": "text", "text": {"content": robot_text(note)}}, ensure_ascii=False)
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": str(row.id),
               "User-Agent": "PerfFlow-notify/1"}
    try:
        reply = egress.post(row.target, body.encode("utf-8"), headers, timeout=WEBHOOK_TIMEOUT,
                            max_reply=REPLY_MAX_BYTES)
    except egress.Refused as err:
        raise DeliveryError(str(err)) from None
    except (OSError, http.client.HTTPException, ValueError) as err:  # refused, timeouts, resets, bad replies
        raise DeliveryError(f"无法连接机器人接口：{type(err).__name__}"
                            + (f" {err.strerror}" if isinstance(err, OSError) and err.strerror else "")) from None
    if not 200 <= reply.status < 300:
        raise DeliveryError(f"机器人接口返回 HTTP {reply.status}")
    try:
        answer = json.loads(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return  # a plain 2xx without JSON is accepted
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0, "0"):
        code = answer.get("errcode")
        shown = str(code) if isinstance(code, int) and not isinstance(code, bool) and abs(code) < 10**9 else "?"
        raise DeliveryError(f"机器人接口返回错误 errcode={shown}（HTTP {reply.status}）")


# -- the person's view ----------------------------------------------------------------------------

def reason(text: str | None) -> str | None:
    """The first line of an outbox error without the exception's class name when it is ours."""
    if not text:
        return None
    first = text.strip().splitlines()[0] if text.strip() else ""
    prefix = f"{DeliveryError.__name__}: "
    return (first[len(prefix):] if first.startswith(prefix) else first)[:500] or None


def mask(channel: str, target: str) -> str:
    """A robot URL carries its secret key: shown as scheme://host/… in lists."""
    if channel != "webhook":
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…" if parts.netloc else "…"


@dataclass
class DeliveryView:
    id: uuid.UUID
    channel: str
    channel_label: str
    target: str
    title: str
    status: str  # PENDING SENT FAILED (FAILED that an administrator retries shows as PENDING)
    status_label: str
    attempts: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "channel": self.channel, "target": self.target, "title": self.title,
                "status": self.status, "status_label": self.status_label, "attempts": self.attempts,
                "error": self.error, "created_at": self.created_at, "sent_at": self.sent_at}


def recent(username: str, limit: int = 20) -> list[DeliveryView]:
    """The person's latest deliveries, with the retry state of their jobs."""
    key = literal("delivery:") + cast(NotificationDelivery.id, String)
    rows = db.session.execute(
        select(NotificationDelivery, Notification.title, Outbox.status, Outbox.attempts, Outbox.last_error)
        .outerjoin(Notification, Notification.id == NotificationDelivery.notification_id)
        .outerjoin(Outbox, Outbox.key == key)
        .where(NotificationDelivery.username == username)
        .order_by(NotificationDelivery.created_at.desc()).limit(limit)).all()
    found = []
    for row, title, job_status, job_attempts, job_error in rows:
        status, attempts, error = row.status, row.attempts, row.last_error
        if status != "SENT" and job_status == "PENDING":
            status, attempts, error = "PENDING", job_attempts or 0, reason(job_error)
        label = STATUS_LABELS[status]
        if status == "PENDING" and attempts:
            label = f"发送中（已失败 {attempts} 次，稍后重试）"
        found.append(DeliveryView(row.id, row.channel, CHANNELS.get(row.channel, row.channel),
                                  mask(row.channel, row.target), title or "", status, label, attempts, error,
                                  row.created_at, row.sent_at))
    return found
