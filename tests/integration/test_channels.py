"""Notification channels against real local servers: e-mail to an aiosmtpd SMTP server, robot
webhooks to an http.server receiver; 催办 and plain notify() take the same path; failures are
retried with backoff and end FAILED with the error visible; a job run twice sends once."""
from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import event, func, select

from engine.base import config as engine_config
from engine.base.errors import ValidationFailed
from engine.base.models import Notification, NotificationDelivery, NotificationPreference, Outbox
from engine.dispatch import channels, queue
from engine.moves import interactions
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from engine.work.opinions import notify
from tests.factories import deploy_three_step, expense, make_user


@pytest.fixture()
def config(app):
    """Set engine settings (by their configuration names, SMTP_HOST=…) for one test; restored afterwards."""
    saved = engine_config.current()

    def set_(**values: object) -> None:
        engine_config.configure(dataclasses.replace(engine_config.current(),
                                                    **{k.lower(): v for k, v in values.items()}))

    yield set_
    engine_config.configure(saved)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailInbox:
    """aiosmtpd handler: keeps every message; `fail_next` answers the next DATA with a 451 after
    having received it (the sender cannot tell whether it arrived: it retries)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.fail_next:
            self.fail_next -= 1
            return "451 4.3.0 暂时无法处理"
        return "250 OK"

    def parsed(self, i: int = -1):  # noqa: ANN201
        return message_from_bytes(self.messages[i][2], policy=policy.default)


@pytest.fixture()
def smtp(config):
    from aiosmtpd.controller import Controller

    inbox = MailInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    config(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False, SMTP_SSL=False,
           MAIL_FROM="绩效流 PerfFlow <perfflow@example.gov.cn>", APP_BASE_URL="https://perf.example.gov.cn")
    yield inbox
    controller.stop()


class Robot:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.reply: object = {"errcode": 0, "errmsg": "ok"}
        self.url = ""


@pytest.fixture()
def robot(config):
    receiver = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "json": json.loads(body.decode("utf-8"))})
            data = json.dumps(receiver.reply, ensure_ascii=False).encode("utf-8")
            self.send_response(receiver.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test-key"
    # the local receiver is on loopback: listed as a host, and its network allowed by the administrator
    config(WEBHOOK_ENABLED=True, WEBHOOK_ALLOWED_HOSTS="127.0.0.1", WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32")
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture()
def fast_retries(config):
    # Long enough that a drain on a loaded machine cannot reach the retry it just scheduled.
    config(JOB_RETRY_BASE_SECONDS=0.4, JOB_RETRY_MAX_SECONDS=0.5)


def prefer(db, username: str, *, email: str | None = None, webhook_url: str | None = None,
           channels_on: tuple[str, ...] = ()) -> None:
    db.session.add(NotificationPreference(username=username, email=email, webhook_url=webhook_url,
                                          channels=list(channels_on)))
    db.session.commit()


def deliveries(db) -> list[NotificationDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.created_at)))


def job_of(db, delivery: NotificationDelivery) -> Outbox:
    db.session.expire_all()
    return db.session.scalar(select(Outbox).where(Outbox.key == channels.job_key(delivery.id)))


def test_urge_is_mailed_in_chinese(db, smtp):
    filer = make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"), name="经办人甲")
    make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"), name="负责人乙")
    db.session.commit()
    prefer(db, "h1", email="h1@example.gov.cn", channels_on=("email",))
    deploy_three_step()
    instance = start_process("ex_three_step_review", filer, {})
    db.session.commit()
    complete_task(todo(filer)[0].id, filer, expense())
    db.session.commit()

    assert interactions.urge(instance.id, filer, "请尽快审核") == ["h1"]
    db.session.commit()
    [delivery] = deliveries(db)
    assert (delivery.channel, delivery.target, delivery.status) == ("email", "h1@example.gov.cn", "PENDING")
    note = db.session.get(Notification, delivery.notification_id)
    assert note.kind == "urge" and note.username == "h1" and note.read_at is None  # in-app stays
    assert job_of(db, delivery).queue == "notify"

    assert queue.drain() >= 1
    [(sender, rcpts, _raw)] = smtp.messages
    assert sender == "perfflow@example.gov.cn" and rcpts == ["h1@example.gov.cn"]
    mail = smtp.parsed()
    assert mail["Subject"] == f"【绩效流】{note.title}" and mail["Subject"].startswith("【绩效流】催办：")
    assert mail["Message-ID"] == f"<delivery-{delivery.id}@example.gov.cn>" == channels.message_id(delivery.id)
    assert mail["From"] == "绩效流 PerfFlow <perfflow@example.gov.cn>" and mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_content()
    assert "负责人乙，您好：" in text and "请尽快审核" in text and "类型：催办" in text and "发送人：经办人甲" in text
    assert f"查看：https://perf.example.gov.cn/tasks/{note.task_id}" in text
    [sent] = deliveries(db)
    assert sent.status == "SENT" and sent.attempts == 1 and sent.sent_at is not None and sent.last_error is None


def test_message_id_is_the_same_on_every_attempt(db, smtp, fast_retries):
    make_user("u1", name="张三")
    db.session.commit()
    prefer(db, "u1", email="u1@example.gov.cn", channels_on=("email",))
    smtp.fail_next = 1  # received, but answered 451: the job cannot know, so it sends again
    notify(["u1"], "cc", "抄送：二〇二六年项目申报", body="请阅")
    db.session.commit()
    queue.drain()
    [delivery] = deliveries(db)
    assert delivery.status == "PENDING" and job_of(db, delivery).attempts == 1
    time.sleep(0.6)
    queue.drain()
    assert len(smtp.messages) == 2
    ids = {smtp.parsed(i)["Message-ID"] for i in (0, 1)}
    assert ids == {channels.message_id(delivery.id)}  # the receiver can drop the duplicate
    [sent] = deliveries(db)
    assert sent.status == "SENT" and sent.attempts == 2 and "451" in sent.last_error
    assert smtp.parsed()["Subject"] == "【绩效流】抄送：二〇二六年项目申报" and "张三，您好：" in smtp.parsed().get_content()


def test_plain_notify_reaches_the_robot_webhook(db, robot):
    make_user("u1")
    db.session.commit()
    prefer(db, "u1", webhook_url=robot.url, channels_on=("webhook",))
    notify(["u1"], "transfer", "转办：初审（费用申请）", body="请代为办理", by="f1")
    db.session.commit()
    queue.drain()
    [delivery] = deliveries(db)
    [request] = robot.requests
    assert request["path"] == "/cgi-bin/webhook/send?key=test-key"
    assert request["headers"]["Idempotency-Key"] == str(delivery.id)
    assert request["json"]["msgtype"] == "text"
    content = request["json"]["text"]["content"]
    assert content.startswith("【绩效流】转办：初审（费用申请）\n请代为办理\n类型：转办　发送人：f1")  # no such user: the name it was sent by
    assert delivery.status == "SENT" and delivery.attempts == 1
    assert channels.recent("u1")[0].target == f"http://127.0.0.1:{robot.url.split(':')[2].split('/')[0]}/…"


def test_a_failing_robot_is_retried_then_failed_with_the_error_visible(db, robot, fast_retries):
    make_user("u1")
    db.session.commit()
    prefer(db, "u1", webhook_url=robot.url, channels_on=("webhook",))
    robot.status = 500
    notify(["u1"], "urge", "催办：复核")
    db.session.commit()
    queue.drain()
    [delivery] = deliveries(db)
    assert delivery.status == "PENDING" and len(robot.requests) == 1
    [view] = channels.recent("u1")
    assert view.status == "PENDING" and view.attempts == 1 and view.error == "机器人接口返回 HTTP 500"
    assert view.status_label == "发送中（已失败 1 次，稍后重试）"
    for _ in range(80):
        if job_of(db, delivery).status != "PENDING":
            break
        time.sleep(0.1)
        queue.drain()
    job = job_of(db, delivery)
    assert job.status == "FAILED" and job.attempts == 5 and len(robot.requests) == 5
    [failed] = deliveries(db)
    assert failed.status == "FAILED" and failed.attempts == 5 and failed.last_error == "机器人接口返回 HTTP 500"
    [view] = channels.recent("u1")
    assert (view.status_label, view.error) == ("失败", "机器人接口返回 HTTP 500")

    # an administrator's retry (engine.dispatch.queue.retry) shows it as sending again, and it can succeed
    robot.status = 200
    queue.retry(job.id)
    db.session.commit()
    assert channels.recent("u1")[0].status_label.startswith("发送中")
    queue.drain()
    [sent] = deliveries(db)
    assert sent.status == "SENT" and sent.attempts == 6 and len(robot.requests) == 6


def test_an_errcode_in_a_2xx_reply_is_a_failure(db, robot, fast_retries):
    make_user("u1")
    db.session.commit()
    prefer(db, "u1", webhook_url=robot.url, channels_on=("webhook",))
    robot.reply = {"errcode": 93000, "errmsg": "invalid webhook url"}
    notify(["u1"], "cc", "抄送：测试")
    db.session.commit()
    queue.drain()
    [view] = channels.recent("u1")
    assert view.status == "PENDING" and view.error == "机器人接口返回错误 errcode=93000（HTTP 200）"
    robot.reply = {"errcode": 0, "errmsg": "ok"}
    time.sleep(0.6)
    queue.drain()
    [view] = channels.recent("u1")
    assert view.status == "SENT" and view.attempts == 2 and view.status_label == "已发送"


def test_the_same_job_run_twice_sends_once(db, smtp, robot):
    make_user("u1")
    db.session.commit()
    prefer(db, "u1", email="u1@example.gov.cn", webhook_url=robot.url, channels_on=("email", "webhook"))
    notify(["u1"], "cc", "抄送：一次")
    db.session.commit()
    rows = deliveries(db)
    assert sorted(d.channel for d in rows) == ["email", "webhook"]
    queue.drain()
    assert len(smtp.messages) == 1 and len(robot.requests) == 1
    for delivery in rows:
        job = job_of(db, delivery)
        assert queue.execute(job.id) == "done"  # a second RQ delivery of the same id
        channels.deliver({"delivery_id": str(delivery.id)})  # the handler itself, again
        db.session.commit()
    assert len(smtp.messages) == 1 and len(robot.requests) == 1
    assert {d.status for d in deliveries(db)} == {"SENT"}


def test_no_delivery_without_preference_target_or_server_configuration(db, smtp, robot, config):
    make_user("none")
    make_user("off")
    make_user("notarget")
    make_user("gone").active = False
    make_user("both")
    db.session.commit()
    prefer(db, "off", email="off@example.gov.cn", webhook_url=robot.url)  # targets, no channel chosen
    db.session.add(NotificationPreference(username="notarget", channels=["email", "webhook"]))
    prefer(db, "gone", email="gone@example.gov.cn", channels_on=("email",))
    prefer(db, "both", email="both@example.gov.cn", webhook_url=robot.url, channels_on=("email", "webhook"))
    notify(["none", "off", "notarget", "gone"], "cc", "抄送：无渠道")
    db.session.commit()
    assert deliveries(db) == [] and db.session.scalar(select(func.count()).select_from(Notification)) == 4

    config(SMTP_HOST="")  # e-mail not configured: only the webhook
    notify(["both"], "cc", "抄送：仅机器人")
    db.session.commit()
    assert [d.channel for d in deliveries(db)] == ["webhook"]
    config(WEBHOOK_ENABLED=False)  # nothing configured: not even the preference query
    with count_selects(db) as selects:
        notify(["both"], "cc", "抄送：都未配置")
    db.session.commit()
    assert len(deliveries(db)) == 1 and selects == []
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == "notify.deliver")) == 1


class count_selects:  # noqa: N801
    def __init__(self, db) -> None:  # noqa: ANN001
        self.engine = db.engine
        self.found: list[str] = []

    def _seen(self, conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        if statement.lstrip().upper().startswith("SELECT"):
            self.found.append(statement)

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self.found

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_preferences_are_read_with_one_query_and_none_without_recipients(db, smtp, robot):
    for name in ("a", "b", "c"):
        make_user(name)
    db.session.commit()
    prefer(db, "a", email="a@example.gov.cn", channels_on=("email",))
    prefer(db, "b", webhook_url=robot.url, channels_on=("webhook",))
    with count_selects(db) as selects:
        notify([], "cc", "抄送：没有人")
    assert selects == []
    with count_selects(db) as selects:
        notify(["a", "b", "c", "a"], "cc", "抄送：三个人")
    assert len(selects) == 1 and "notification_preference" in selects[0]
    db.session.commit()
    assert sorted((d.username, d.channel) for d in deliveries(db)) == [("a", "email"), ("b", "webhook")]


def test_smtp_server_down_is_a_visible_failure(db, smtp, config):
    make_user("u1")
    db.session.commit()
    prefer(db, "u1", email="u1@example.gov.cn", channels_on=("email",))
    config(SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    notify(["u1"], "cc", "抄送：服务器不在")
    db.session.commit()
    queue.drain()
    [view] = channels.recent("u1")
    assert view.status == "PENDING" and view.attempts == 1 and view.error.startswith("无法通过邮件服务器 127.0.0.1:")


def test_preferences_are_validated_field_by_field_and_nothing_is_written(db, config):
    user = make_user("u1")
    db.session.commit()
    bad = [
        ({"email": "不是邮箱", "webhook_url": "", "channels": []}, {"email"}),
        ({"email": "a@b.cn\r\nBcc: x@y.cn", "webhook_url": "", "channels": []}, {"email"}),
        ({"email": "", "webhook_url": "ftp://robot.example.cn/x", "channels": []}, {"webhook_url"}),
        ({"email": "", "webhook_url": "javascript:alert(1)", "channels": []}, {"webhook_url"}),
        ({"email": "", "webhook_url": "file:///etc/passwd", "channels": []}, {"webhook_url"}),
        ({"email": "", "webhook_url": "https://", "channels": []}, {"webhook_url"}),
        ({"email": "", "webhook_url": "", "channels": ["email", "webhook"]}, {"email", "webhook_url"}),
        ({"email": "", "webhook_url": "", "channels": ["sms"]}, {"channels"}),
        ({"email": 3, "webhook_url": None, "channels": "email"}, {"email", "channels"}),
    ]
    for values, fields in bad:
        with pytest.raises(ValidationFailed) as err:
            channels.save_preference(user, **values)
        assert set(err.value.errors) == fields, values
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    with pytest.raises(ValidationFailed) as err:
        channels.save_preference(user, email="", webhook_url="ftp://x", channels=[])
    assert err.value.errors == {"webhook_url": ["webhook 地址只能以 http:// 或 https:// 开头"]}
    db.session.rollback()

    with pytest.raises(ValidationFailed) as err:
        channels.save_preference(user, email="", webhook_url="https://oapi.dingtalk.com/x", channels=["webhook"])
    assert err.value.errors == {"webhook_url": [
        "系统管理员尚未设置允许的机器人地址（WEBHOOK_ALLOWED_HOSTS），暂不能使用 webhook 通知"]}
    db.session.rollback()
    config(WEBHOOK_ALLOWED_HOSTS="qyapi.weixin.qq.com, oapi.dingtalk.com")
    with pytest.raises(ValidationFailed) as err:
        channels.save_preference(user, email="", webhook_url="http://10.0.0.1/hook", channels=["webhook"])
    assert err.value.errors == {"webhook_url": ["webhook 地址只能指向：qyapi.weixin.qq.com、oapi.dingtalk.com"]}
    db.session.rollback()
    row = channels.save_preference(user, email=" U1@Example.gov.cn ",
                                   webhook_url="https://oapi.dingtalk.com/robot/send?access_token=x",
                                   channels=["webhook", "email"])
    db.session.commit()
    assert (row.email, row.channels) == ("U1@Example.gov.cn", ["email", "webhook"])
