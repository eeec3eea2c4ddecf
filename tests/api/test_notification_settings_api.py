"""GET/PUT /api/v1/me/notification-settings: field-level JSON errors, nothing written on bad input,
fields left out keep their value; documented in the OpenAPI document."""
from __future__ import annotations

import pytest

from engine.base import config as engine_config
from engine.base.models import NotificationPreference
from tests.factories import make_user

URL = "/api/v1/me/notification-settings"
HOOK = "https://oapi.dingtalk.com/robot/send?access_token=abc"


@pytest.fixture(autouse=True)
def robot_hosts(app):
    """The administrator lists the two robot hosts (without a list no webhook is accepted)."""
    with engine_config.override(webhook_allowed_hosts="qyapi.weixin.qq.com,oapi.dingtalk.com"):
        yield


@pytest.fixture()
def person(db):
    make_user("u1", name="张三")
    make_user("u2", name="李四")
    db.session.commit()


def stored(db, username: str = "u1") -> NotificationPreference | None:
    db.session.expire_all()
    return db.session.get(NotificationPreference, username)


def test_get_defaults_then_put_and_get_back(client, db, person, token_for):
    head = token_for("u1")
    body = client.get(URL, headers=head).get_json()
    assert body["in_app"] is True and body["channels"] == [] and body["email"] is None
    assert body["available"]["in_app"] is True and set(body["available"]) == {"in_app", "email", "webhook"}
    assert body["deliveries"] == []

    reply = client.put(URL, headers=head, json={"email": "u1@example.gov.cn", "webhook_url": HOOK,
                                                "channels": ["webhook", "email"]})
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["channels"] == ["email", "webhook"]
    assert client.get(URL, headers=head).get_json()["webhook_url"] == HOOK
    assert stored(db).email == "u1@example.gov.cn"
    assert client.get(URL, headers=token_for("u2")).get_json()["email"] is None  # one's own only

    reply = client.put(URL, headers=head, json={"channels": ["email"]})  # the rest unchanged
    assert reply.status_code == 200 and reply.get_json()["webhook_url"] == HOOK
    assert stored(db).channels == ["email"]
    reply = client.put(URL, headers=head, json={"webhook_url": None, "channels": []})
    assert reply.get_json()["webhook_url"] is None and stored(db).webhook_url is None


def test_bad_input_gives_field_errors_and_writes_nothing(client, db, person, token_for):
    head = token_for("u1")
    client.put(URL, headers=head, json={"email": "u1@example.gov.cn", "channels": ["email"]})
    cases = [
        ({"email": "u1@", "webhook_url": "ftp://example.cn/hook"}, {"email", "webhook_url"}),
        ({"webhook_url": "file:///etc/passwd", "channels": ["webhook"]}, {"webhook_url"}),
        ({"email": None}, {"email"}),  # e-mail is on: it needs an address
        ({"channels": "email"}, {"channels"}),
        ({"channels": ["email", "wechat"]}, {"channels"}),
        ({"email": 42}, {"email"}),
        ({"in_app": False}, {"in_app"}),
        ({"colour": "blue"}, {"colour"}),
    ]
    for payload, fields in cases:
        reply = client.put(URL, headers=head, json=payload)
        assert reply.status_code == 422, payload
        errors = reply.get_json()["errors"]
        assert set(errors) == fields, (payload, errors)
        assert all(isinstance(m, str) and m for ms in errors.values() for m in ms)
    reply = client.put(URL, headers=head, json={"webhook_url": "gopher://x", "channels": ["webhook"]})
    assert reply.get_json() == {"errors": {"webhook_url": ["webhook 地址只能以 http:// 或 https:// 开头"]}}
    assert client.put(URL, headers=head, data="[1]", content_type="application/json").status_code == 422
    row = stored(db)
    assert (row.email, row.webhook_url, row.channels) == ("u1@example.gov.cn", None, ["email"])


def test_a_token_is_required_and_the_api_is_documented(client, db, person):
    assert client.get(URL).status_code == 401
    assert client.put(URL, json={"channels": []}).status_code == 401
    doc = client.get("/api/v1/openapi.json").get_json()
    path = doc["paths"]["/me/notification-settings"]
    assert set(path) == {"get", "put"} and "422" in path["put"]["responses"]
    assert path["put"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["channels"]
