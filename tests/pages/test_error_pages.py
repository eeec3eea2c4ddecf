"""403, 404, 405, 413 and 500 on pages: Chinese, in the app's layout (the top bar and its menu);
the API keeps JSON for the same statuses."""
from __future__ import annotations

import io

import pytest
from werkzeug.exceptions import InternalServerError


def _assert_layout(html: str, title: str) -> None:
    assert '<html lang="zh-CN">' in html
    assert 'class="brand navbar-brand"' in html  # the layout's top bar
    assert f"<title>{title} · 绩效流 PerfFlow</title>" in html
    for english in ("Not Found", "Forbidden", "Method Not Allowed", "Request Entity Too Large",
                    "Internal Server Error"):
        assert english not in html


def test_404_page_is_chinese_in_the_layout(login) -> None:
    reply = login("f1").get("/no/such/page")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 404
    _assert_layout(html, "页面不存在")
    assert "退出" in html  # the signed-in menu is there too


def test_403_page_is_chinese_in_the_layout(login) -> None:
    reply = login("f1").get("/admin/models")
    assert reply.status_code == 403
    _assert_layout(reply.get_data(as_text=True), "无权访问")


def test_405_page_is_chinese_and_offers_going_back(login) -> None:
    reply = login("admin").get("/admin/handover")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 405
    _assert_layout(html, "不支持的操作")
    assert "data-history-back" in html


def test_413_page_keeps_what_was_typed_by_going_back(app, login) -> None:
    client = login("admin")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        reply = client.post("/admin/models", data={"key": "x", "files": (io.BytesIO(b"x" * 10_000), "big.bpmn")},
                            content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    html = reply.get_data(as_text=True)
    assert reply.status_code == 413
    _assert_layout(html, "提交的内容过大")
    assert "返回上一页" in html and "data-history-back" in html and "浏览器会保留已填写的内容" in html


def test_500_page_is_chinese_in_the_layout(app, db) -> None:
    with app.test_request_context("/todo"):
        reply = app.handle_http_exception(InternalServerError(original_exception=RuntimeError("boom")))
        html = reply[0] if isinstance(reply, tuple) else reply.get_data(as_text=True)
        status = reply[1] if isinstance(reply, tuple) else reply.status_code
    assert status == 500
    _assert_layout(html, "服务器出错")
    assert "boom" not in html


def test_the_upload_limits_reach_the_page_for_the_check_before_submit(login, app) -> None:
    html = login("admin").get("/admin/models").get_data(as_text=True)
    assert f'data-max-request-bytes="{app.config["MAX_CONTENT_LENGTH"]}"' in html
    assert f'data-max-file-bytes="{app.config["ATTACHMENT_MAX_BYTES"]}"' in html


@pytest.mark.parametrize(("method", "path", "status"), [("get", "/api/v1/no-such-thing", 404),
                                                         ("delete", "/api/v1/auth/token", 405)])
def test_the_api_keeps_json_errors(client, method: str, path: str, status: int) -> None:
    reply = getattr(client, method)(path)
    assert reply.status_code == status
    assert reply.is_json and reply.get_json()["error"]


def test_every_page_names_an_icon_that_exists(login) -> None:
    """The layout links a small icon (the browser asked for /favicon.ico, a 404 on every page)."""
    import re

    client = login("f1")
    html = client.get("/todo").get_data(as_text=True)
    (href,) = re.findall(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', html)
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
