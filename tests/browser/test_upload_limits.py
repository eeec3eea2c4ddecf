"""An oversized attachment is refused in the browser before the form is sent: the page says which
file is too big and everything typed stays (the server's 413 would lose it)."""
from __future__ import annotations

import pytest

from tests.browser.pages import login
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_oversized_file_is_refused_before_submit_and_the_form_keeps_its_values(app, live_server, page, db) -> None:
    make_user("admin", ("SYS_ADMIN", "ALL", None), name="管理员")
    db.session.commit()
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    try:
        login(page, live_server, "admin", PASSWORD)
        page.goto(f"{live_server}/admin/models")
        page.fill("input[name=key]", "typed_key")
        page.set_input_files("input[name=files]", {"name": "big.bpmn", "mimeType": "application/xml",
                                                   "buffer": b"<x/>" * 1000})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.method) if r.method == "POST" else None)
        page.click("button.primary >> nth=0")
        alert = page.locator(".upload-too-large")
        alert.wait_for()
        assert "big.bpmn" in alert.inner_text() and "已填写的内容都还在" in alert.inner_text()
        assert page.url == f"{live_server}/admin/models"
        assert page.input_value("input[name=key]") == "typed_key"
        assert requests == []  # nothing was sent
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = limit
