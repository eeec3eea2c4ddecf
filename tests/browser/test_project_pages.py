"""项目库 → a project → its instance in Chromium, at 1366×768 and at 390 px: the library pages
with a count, a row opens the project page, the project page lists its request, which opens the
instance page; no page wider than the window. Screenshots land in $SHOTS_DIR (default /tmp)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from budget.demo import load_demo
from engine.base.identity import User
from engine.definitions.deploy import closure_files, deploy
from engine.moves.runtime import start_process
from tests.browser.pages import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS_DIR", "/tmp")


def _no_overflow(page, width: int, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/pf-{name}-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name


@pytest.mark.parametrize("width", [1366, 390])
def test_library_to_project_to_instance(live_server, browser, db, width):
    load_demo(PASSWORD)
    deploy(closure_files(Path(__file__).resolve().parents[2] / "workflows")["p1_project_intake"], "test")
    filer = db.session.scalars(select(User).where(User.username == "filer.d05u02")).one()
    instance = start_process("p1_project_intake", filer, {})
    db.session.commit()
    code = instance.business_key
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, live_server, "dept.d05", PASSWORD)
        page.goto(f"{live_server}/supervision/projects")
        assert page.locator(".total-count").inner_text().startswith("共 3 个项目")
        _no_overflow(page, width, "project-library")
        page.get_by_role("link", name=code).click()
        page.wait_for_url(f"{live_server}/projects/{code}")
        assert page.get_by_role("heading", name="申报与流程").is_visible()
        assert page.locator(".project-history li").count() >= 1
        _no_overflow(page, width, "project-page")
        page.goto(f"{live_server}/projects/P-D05-001")  # a demo project with its years and no request
        _no_overflow(page, width, "project-page-demo")
        page.go_back()
        page.locator(".project-instances a").first.click()
        page.wait_for_url(f"{live_server}/instances/{instance.id}")
        assert code in page.content()
        page.goto(f"{live_server}/supervision/instances")
        _no_overflow(page, width, "supervision-instances")
        login_page = browser.new_page(viewport={"width": width, "height": 768})
        login_page.goto(f"{live_server}/login")
        assert login_page.get_by_role("heading", name="示例账号").is_visible()
        _no_overflow(login_page, width, "login-demo")
        login_page.close()
    finally:
        context.close()
