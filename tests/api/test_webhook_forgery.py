"""No request forgery through robot webhooks (engine.dispatch.egress): only hosts the
administrator lists, never a loopback / private / link-local / metadata address in any spelling,
checked when saved (422 on `webhook_url`) and again when sent after DNS resolution, connecting to
the checked address; a delivery error names the status, never the remote body."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from engine.base import config as engine_config
from engine.base.models import NotificationDelivery, NotificationPreference
from engine.dispatch import channels, egress, queue
from engine.work.opinions import notify
from tests.factories import PASSWORD, make_user

URL = "/api/v1/me/notification-settings"
ADDRESS_REFUSED = "webhook 地址不能指向本机、内网或保留地址"
# every way of writing an address that is not public; the administrator even "lists" them all
BAD_URLS = [
    "http://127.0.0.1/hook", "http://127.1.2.3:8080/hook", "http://localhost/hook", "http://LOCALHOST./hook",
    "http://2130706433/hook", "http://0x7f000001/hook", "http://0x7f.1/hook", "http://0177.0.0.1/hook",
    "http://017700000001/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/",
    "http://10.0.0.1/hook", "http://172.16.0.1/hook", "http://172.31.255.254/hook", "http://192.168.1.1/hook",
    "http://[fc00::1]/hook", "http://[fd12:3456::1]/hook", "http://[fe80::1]/hook", "http://0.0.0.0/hook",
    "http://0/hook", "http://[::]/hook", "http://100.64.0.1/hook", "http://224.0.0.1/hook",
    "http://[ff02::1]/hook", "http://[2002:7f00:1::]/hook", "http://[64:ff9b::7f00:1]/hook",
    "https://255.255.255.255/hook",
]


def _hosts(urls: list[str]) -> str:
    from urllib.parse import urlsplit

    return ",".join(sorted({urlsplit(u).hostname for u in urls}))


@pytest.fixture()
def person(db):
    make_user("u1", name="张三")
    db.session.commit()


@pytest.mark.parametrize("url", BAD_URLS)
def test_each_non_public_spelling_is_refused_on_save(client, db, person, token_for, url):
    head = token_for("u1")
    with engine_config.override(webhook_allowed_hosts=_hosts(BAD_URLS)):
        reply = client.put(URL, headers=head, json={"webhook_url": url, "channels": ["webhook"]})
    assert reply.status_code == 422, reply.get_json()
    assert reply.get_json() == {"errors": {"webhook_url": [ADDRESS_REFUSED]}}
    assert db.session.get(NotificationPreference, "u1") is None


def test_an_empty_list_accepts_no_webhook_and_a_listed_public_host_is_saved(client, db, person, token_for):
    head = token_for("u1")
    hook = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    with engine_config.override(webhook_allowed_hosts=""):
        reply = client.put(URL, headers=head, json={"webhook_url": hook, "channels": ["webhook"]})
        assert reply.status_code == 422
        assert "尚未设置允许的机器人地址" in reply.get_json()["errors"]["webhook_url"][0]
        assert client.get(URL, headers=head).get_json()["available"]["webhook"] is False
    with engine_config.override(webhook_allowed_hosts="qyapi.weixin.qq.com"):
        reply = client.put(URL, headers=head, json={"webhook_url": hook, "channels": ["webhook"]})
        assert reply.get_json() == {"errors": {"webhook_url": ["webhook 地址只能指向：qyapi.weixin.qq.com"]}}
        reply = client.put(URL, headers=head, json={"webhook_url": "http://u:p@qyapi.weixin.qq.com/x"})
        assert reply.get_json() == {"errors": {"webhook_url": ["webhook 地址不能包含用户名或密码"]}}
    with engine_config.override(webhook_allowed_hosts="oapi.dingtalk.com"):  # not resolvable here: checked when sent
        reply = client.put(URL, headers=head, json={"webhook_url": hook, "channels": ["webhook"]})
        assert reply.status_code == 200 and reply.get_json()["webhook_url"] == hook


def test_the_settings_page_says_when_no_host_is_allowed(app, db, person):
    page_client = app.test_client()
    page_client.post("/login", data={"username": "u1", "password": PASSWORD})
    with engine_config.override(webhook_allowed_hosts=""):
        page = page_client.get("/me/notifications/settings").get_data(as_text=True)
    assert "系统管理员尚未设置允许的机器人地址" in page
    with engine_config.override(webhook_allowed_hosts="qyapi.weixin.qq.com"):
        page = page_client.get("/me/notifications/settings").get_data(as_text=True)
    assert "系统管理员允许的主机：qyapi.weixin.qq.com" in page


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.reply = b'{"errcode": 0, "errmsg": "ok"}'
        self.port = 0


@pytest.fixture()
def receiver():
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            found.requests.append({"host": self.headers.get("Host"), "json": json.loads(body)})
            self.send_response(found.status)
            self.send_header("Content-Length", str(len(found.reply)))
            self.end_headers()
            self.wfile.write(found.reply)

        def log_message(self, *args):  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found.port = server.server_port
    yield found
    server.shutdown()
    server.server_close()
    thread.join(5)


def _deliver_to(db, url: str) -> NotificationDelivery:
    """A target stored as if it had passed the check when saved (DNS answered a public address
    then), delivered now."""
    db.session.add(NotificationPreference(username="u1", webhook_url=url, channels=["webhook"]))
    db.session.commit()
    notify(["u1"], "urge", "催办：复核")
    db.session.commit()
    queue.drain()
    db.session.expire_all()
    return db.session.scalars(select(NotificationDelivery)).one()


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.1", "127.0.0.1", "[::ffff:127.0.0.1]"])
def test_a_listed_name_resolving_to_loopback_is_refused_when_sent_and_nothing_is_posted(db, person, receiver,
                                                                                       host):
    listed = host.strip("[]")
    with engine_config.override(webhook_allowed_hosts=listed):
        _deliver_to(db, f"http://{host}:{receiver.port}/cgi-bin/webhook/send?key=k")
        [view] = channels.recent("u1")
    assert view.error == ADDRESS_REFUSED and view.status == "PENDING"
    assert receiver.requests == []


def test_an_allowed_network_is_reached_at_the_checked_address_with_the_name_as_host(db, person, receiver):
    with engine_config.override(webhook_allowed_hosts="localhost", webhook_allowed_networks="127.0.0.1/32"):
        delivery = _deliver_to(db, f"http://localhost:{receiver.port}/cgi-bin/webhook/send?key=k")
    assert delivery.status == "SENT"
    [request] = receiver.requests
    assert request["host"] == f"localhost:{receiver.port}"
    assert request["json"]["text"]["content"].startswith("【绩效流】催办：复核")


def test_metadata_addresses_stay_refused_even_inside_an_allowed_network(app):
    with (engine_config.override(webhook_allowed_hosts="169.254.169.254", webhook_allowed_networks="169.254.0.0/16"),
          pytest.raises(egress.Refused)):
        egress.check_host("169.254.169.254", 80, unresolved_ok=False)


@pytest.mark.parametrize(("status", "reply"), [
    (500, b"<html>internal admin panel: SECRET-TOKEN-123</html>"),
    (403, b'{"errcode": 40001, "errmsg": "SECRET-TOKEN-123"}'),
    (200, b'{"errcode": 93000, "errmsg": "SECRET-TOKEN-123"}'),
    (200, b'{"errcode": "SECRET-TOKEN-123"}'),
])
def test_a_delivery_error_shows_the_status_never_the_remote_body(db, person, receiver, status, reply):
    receiver.status, receiver.reply = status, reply
    with engine_config.override(webhook_allowed_hosts="localhost", webhook_allowed_networks="127.0.0.1/32"):
        _deliver_to(db, f"http://localhost:{receiver.port}/hook")
        [view] = channels.recent("u1")
    assert len(receiver.requests) == 1 and view.status == "PENDING"
    assert "SECRET" not in (view.error or "") and f"HTTP {status}" in view.error
