"""The design system is the one built from npm by `make setup` (frontend/ → web/static/dist): its
stylesheet and script are served from our origin, Bootstrap's styles apply, and on a phone the
menu folds behind the toggler and opens with Bootstrap's script (no inline code, CSP intact)."""
from __future__ import annotations

import pytest

from tests.browser.pages import login
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_built_assets_styles_and_phone_menu(live_server, browser, db):
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"), name="经办人甲")
    db.session.commit()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        login(page, live_server, "f1", PASSWORD)
        for asset in ("dist/style.css", "dist/app.js"):
            assert page.request.get(f"{live_server}/static/{asset}").ok, asset
        # Bootstrap's reboot and navbar are in force.
        assert page.evaluate("getComputedStyle(document.querySelector('.navbar-toggler')).display") != "none"
        menu = page.locator("#main-menu")
        assert not menu.is_visible()
        page.click(".navbar-toggler")
        page.locator("#main-menu.show").wait_for()
        assert page.get_by_role("link", name="待办").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert violations == []
    finally:
        context.close()
