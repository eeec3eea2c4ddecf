"""通知设置 (/me/notifications/settings): a person chooses e-mail and robot webhook besides the
in-app notification; bad input gets Chinese messages beside the fields and writes nothing; the
latest deliveries are listed with their state."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.base import config as engine_config
from engine.base.db import db as _db
from engine.base.db import utcnow
from engine.base.models import Notification, NotificationDelivery, NotificationPreference, Outbox

URL = "/me/notifications/settings"
HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-123"


@pytest.fixture(autouse=True)
def robot_hosts(app):
    """The administrator lists the two robot hosts (without a list no webhook is accepted)."""
    with engine_config.override(webhook_allowed_hosts="qyapi.weixin.qq.com,oapi.dingtalk.com"):
        yield


@pytest.fixture()
def mail_configured(app):
    with engine_config.override(smtp_host="127.0.0.1"):
        yield


def pref(username: str) -> NotificationPreference | None:
    _db.session.expire_all()
    return _db.session.get(NotificationPreference, username)


def test_the_page_has_chinese_labels_and_is_linked(db, people, login, mail_configured):
    person = login("h1")
    page = person.get(URL).get_data(as_text=True)
    assert "通知设置" in page and "站内消息（始终开启）" in page and "电子邮件" in page
    assert "企业微信/钉钉机器人 webhook" in page and "暂无发送记录" in page
    assert "尚未配置邮件服务器" not in page
    notes = person.get("/notifications").get_data(as_text=True)
    assert f'href="{URL}"' in notes  # from the notification centre (and the header)


def test_the_page_says_when_mail_is_not_configured(db, people, login, app):
    with engine_config.override(smtp_host=""):
        page = login("h1").get(URL).get_data(as_text=True)
    assert "本系统尚未配置邮件服务器，暂不发送邮件" in page


def test_choose_channels_and_turn_them_off_again(db, people, login):
    person = login("h1")
    reply = person.post(URL, data={"email": "h1@example.gov.cn", "webhook_url": HOOK,
                                   "channels": ["email", "webhook"]}, follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "已保存通知设置：站内消息、电子邮件、企业微信/钉钉机器人 webhook" in page
    row = pref("h1")
    assert (row.email, row.webhook_url, row.channels) == ("h1@example.gov.cn", HOOK, ["email", "webhook"])
    assert 'value="h1@example.gov.cn"' in page and 'value="email" checked' in page

    reply = person.post(URL, data={"email": "h1@example.gov.cn", "webhook_url": HOOK}, follow_redirects=True)
    assert "已保存通知设置：站内消息" in reply.get_data(as_text=True)
    assert pref("h1").channels == [] and pref("h1").email == "h1@example.gov.cn"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "h1-at-example", "channels": ["email"]}, "email", "请填写正确的电子邮件地址"),
    ({"webhook_url": "ftp://robot.example.cn/send", "channels": ["webhook"]}, "webhook_url",
     "webhook 地址只能以 http:// 或 https:// 开头"),
    ({"webhook_url": "javascript:alert(1)"}, "webhook_url", "webhook 地址只能以 http:// 或 https:// 开头"),
    ({"channels": ["email"]}, "email", "开启电子邮件通知须填写电子邮件地址"),
    ({"channels": ["webhook"]}, "webhook_url", "开启机器人通知须填写 webhook 地址"),
    ({"channels": ["sms"]}, "channels", "未知的通知渠道：sms"),
])
def test_bad_input_shows_chinese_field_errors_and_writes_nothing(db, people, login, data, field, message):
    person = login("h1")
    person.post(URL, data={"email": "old@example.gov.cn", "channels": ["email"]})
    reply = person.post(URL, data=data)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and message in page and f'data-for="{field}"' in page
    assert "保存未成功" in page and "flash-error" in page
    row = pref("h1")
    assert (row.email, row.webhook_url, row.channels) == ("old@example.gov.cn", None, ["email"])


def test_recent_deliveries_with_their_state(db, people, login):
    now = utcnow()

    def delivery(user: str, channel: str, status: str, title: str, minutes: int, **extra) -> NotificationDelivery:
        note = Notification(id=uuid.uuid4(), username=user, kind="urge", title=title, created_at=now)
        row = NotificationDelivery(id=uuid.uuid4(), notification_id=note.id, username=user, channel=channel,
                                   target="h1@example.gov.cn" if channel == "email" else HOOK, status=status,
                                   created_at=now - timedelta(minutes=minutes), **extra)
        _db.session.add_all([note, row])
        return row

    delivery("h1", "email", "SENT", "催办：初审（甲）", 3, attempts=1, sent_at=now)
    delivery("h1", "webhook", "FAILED", "催办：初审（乙）", 2, attempts=5, last_error="机器人接口返回 HTTP 500")
    waiting = delivery("h1", "webhook", "PENDING", "催办：初审（丙）", 1)
    _db.session.add(Outbox(kind="notify.deliver", queue="notify", key=f"delivery:{waiting.id}",
                           payload={"delivery_id": str(waiting.id)}, status="PENDING", attempts=2,
                           last_error="DeliveryError: 无法连接机器人接口：timed out\nTraceback …"))
    delivery("f1", "email", "SENT", "别人的通知", 1)
    _db.session.commit()

    page = login("h1").get(URL).get_data(as_text=True)
    assert "最近发送记录" in page and "别人的通知" not in page
    assert page.index("催办：初审（丙）") < page.index("催办：初审（乙）") < page.index("催办：初审（甲）")
    assert "已发送" in page and "失败" in page and "机器人接口返回 HTTP 500" in page
    assert "发送中（已失败 2 次，稍后重试）" in page and "无法连接机器人接口：timed out" in page
    assert "Traceback" not in page and "secret-key-123" not in page  # the robot key is not shown
    assert "https://qyapi.weixin.qq.com/…" in page


def test_login_is_required(db, people, app):
    reply = app.test_client().get(URL)
    assert reply.status_code in (302, 401)
    assert _db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_the_notification_centre_keeps_working_beside_the_channels(db, people, login, mail_configured):
    from engine.dispatch import channels
    from engine.work.opinions import notify

    channels.save_preference(people["h1"], email="h1@example.gov.cn", webhook_url="", channels=["email"])
    notify(["h1"], "urge", "催办：初审（费用申请）", body="请尽快", by="f1")
    _db.session.commit()
    person = login("h1")
    page = person.get("/notifications").get_data(as_text=True)
    assert '<span class="count unread" title="未读通知与抄送">1</span>' in page and "催办：初审（费用申请）" in page
    note = _db.session.scalar(select(Notification).where(Notification.username == "h1"))
    assert person.post(f"/notifications/{note.id}/read").status_code == 302
    assert 'class="count unread"' not in person.get("/notifications").get_data(as_text=True)
    delivery = _db.session.scalar(select(NotificationDelivery))
    assert (delivery.notification_id, delivery.channel, delivery.status) == (note.id, "email", "PENDING")
    assert "催办：初审（费用申请）" in person.get(URL).get_data(as_text=True)  # listed as 发送中
